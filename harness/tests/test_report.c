/* SPDX-License-Identifier: MIT
 *
 * Tests of the output side of the harness: the ladder diagram, the
 * per-script lines and the closing line, JUnit XML and JSON (checked with
 * xmllint and jq when installed), and the pcap writer. Run logs are built by
 * hand here, so these tests do not depend on the runner.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "shakedown/ladder.h"
#include "shakedown/pcapw.h"
#include "shakedown/report.h"
#include "shakedown/run.h"
#include "tcpref/wire.h"

#define LOG_MAX 64

/* A run log on the stack: result, events and two raw packets. */
struct fixture {
	struct run_result r;
	struct runlog_ev log[LOG_MAX];
	struct run_raw raw[2];
	uint8_t syn[40];
	uint8_t synack[44];
};

static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->r.log = f->log;
	f->r.log_cap = LOG_MAX;
	f->r.outcome = RUN_PASS;
	f->r.elapsed_us = 120.0;
}

static struct runlog_ev *fx_ev(struct fixture *f, enum runlog_kind kind,
                               uint64_t t_us, int line, const char *state)
{
	struct runlog_ev *ev;

	assert_true(f->r.log_n < LOG_MAX);
	ev = &f->log[f->r.log_n++];
	ev->kind = kind;
	ev->t_us = t_us;
	ev->line = line;
	snprintf(ev->state, sizeof(ev->state), "%s", state);
	return ev;
}

static struct runlog_ev *fx_pkt(struct fixture *f, uint64_t t_us, int line,
                                char dir, uint16_t flags, uint32_t seq,
                                uint32_t len, int ack, const char *opts,
                                const char *state)
{
	struct runlog_ev *ev = fx_ev(f, RUNLOG_PKT, t_us, line, state);

	ev->pkt.dir = dir;
	ev->pkt.flags = flags;
	ev->pkt.seq = seq;
	ev->pkt.len = len;
	ev->pkt.has_ack = ack >= 0;
	ev->pkt.ack = ack >= 0 ? (uint32_t)ack : 0;
	ev->pkt.win = 65535;
	snprintf(ev->pkt.opts, sizeof(ev->pkt.opts), "%s", opts);
	return ev;
}

static struct runlog_ev *fx_call(struct fixture *f, uint64_t t_us, int line,
                                 const char *text, const char *state)
{
	struct runlog_ev *ev = fx_ev(f, RUNLOG_SYSCALL, t_us, line, state);

	snprintf(ev->text, sizeof(ev->text), "%s", text);
	return ev;
}

/* Passive open, a little data, the stack closes first (active close). */
static void fx_handshake_and_close(struct fixture *f)
{
	fx_init(f);
	fx_call(f, 0, 3, "socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "CLOSED");
	fx_call(f, 0, 4, "bind(3, ..., ...) = 0", "CLOSED");
	fx_call(f, 0, 5, "listen(3, 1) = 0", "LISTEN");
	fx_pkt(f, 100000, 7, '<', TCP_FLAG_SYN, 0, 0, -1, "mss 1460",
	       "SYN-RECEIVED");
	fx_pkt(f, 100000, 8, '>', TCP_FLAG_SYN | TCP_FLAG_ACK, 0, 0, 1,
	       "mss 1460", "SYN-RECEIVED");
	fx_pkt(f, 200000, 9, '<', TCP_FLAG_ACK, 1, 0, 1, "", "ESTABLISHED");
	fx_call(f, 200000, 10, "accept(3, ..., ...) = 4", "ESTABLISHED");
	fx_call(f, 300000, 12, "close(4) = 0", "FIN-WAIT-1");
	fx_pkt(f, 300000, 13, '>', TCP_FLAG_FIN | TCP_FLAG_ACK, 1, 0, 1, "",
	       "FIN-WAIT-1");
	fx_pkt(f, 400000, 14, '<', TCP_FLAG_ACK, 1, 0, 2, "", "FIN-WAIT-2");
	fx_pkt(f, 400000, 15, '<', TCP_FLAG_FIN | TCP_FLAG_ACK, 1, 0, 2, "",
	       "TIME-WAIT");
	fx_pkt(f, 400000, 16, '>', TCP_FLAG_ACK, 2, 0, 2, "", "TIME-WAIT");
	fx_ev(f, RUNLOG_NOTE, 240400000, 0, "CLOSED");
	snprintf(f->log[f->r.log_n - 1].text, sizeof(f->log[0].text),
	         "2*MSL passed");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL;
	     p = strstr(p + 1, needle)) {
		n++;
	}
	return n;
}

static size_t longest_line(const char *s)
{
	size_t best = 0;

	while (*s != '\0') {
		size_t len = strcspn(s, "\n");

		best = len > best ? len : best;
		s += len + (s[len] == '\n');
	}
	return best;
}

/* ===== Ladder: segments, calls and states ===== */

static void test_ladder_handshake_close_arrows_and_states(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	fx_handshake_and_close(&f);
	s = ladder_string(&f.r, NULL);
	assert_non_null(s);
	printf("%s", s);

	assert_non_null(strstr(s, "script 192.0.2.2:40000"));
	assert_non_null(strstr(s, "ref 192.0.2.1:8080"));
	assert_non_null(strstr(s, "|---- S 0:0(0) win 65535 <mss 1460> ----"));
	assert_non_null(
	    strstr(s, "|<--- S. 0:0(0) ack 1 win 65535 <mss 1460> --"));
	assert_non_null(strstr(s, "-->|  SYN-RECEIVED\n"));
	assert_non_null(strstr(s, "accept(3, ..., ...) = 4 |"));
	assert_non_null(strstr(s, "    0.100    7  |"));
	assert_non_null(strstr(s, "note: 2*MSL passed"));
	/* A state is printed where it changes, not on every row. */
	assert_int_equal(count(s, "SYN-RECEIVED"), 1);
	assert_int_equal(count(s, "ESTABLISHED"), 1);
	assert_int_equal(count(s, "FIN-WAIT-1"), 1);
	assert_int_equal(count(s, "FIN-WAIT-2"), 1);
	assert_int_equal(count(s, "TIME-WAIT"), 1);
	assert_int_equal(count(s, "CLOSED"), 2); /* at the start and the end */
	assert_int_equal(count(s, "!!"), 0);
	assert_true(longest_line(s) <= LADDER_WIDTH);
	assert_null(strstr(s, "\033[")); /* no colours unless asked */
	assert_null(strstr(s, " \n"));   /* no trailing blanks */
	free(s);
}

static void test_ladder_long_options_wrap_under_the_arrow(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	fx_init(&f);
	fx_pkt(&f, 0, 2, '<', TCP_FLAG_SYN, 0, 0, -1,
	       "mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7,nop,nop,"
	       "sack 1:1001 2001:3001 4001:5001,eol",
	       "SYN-RECEIVED");
	fx_call(
	    &f, 0, 3,
	    "setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0",
	    "SYN-RECEIVED");
	s = ladder_string(&f.r, NULL);
	assert_non_null(s);
	printf("%s", s);
	assert_non_null(strstr(s, "|---- S 0:0(0) win 65535 ---"));
	assert_non_null(strstr(s, "<mss 1460,sackOK,TS val 100 ecr 0,nop,"));
	assert_non_null(strstr(s, "eol>"));
	assert_non_null(strstr(s, "setsockopt(3, SOL_SOCKET, SO_LINGER,"));
	assert_true(longest_line(s) <= LADDER_WIDTH);
	free(s);
}

static void test_ladder_unexpected_and_failed_marked(void **state)
{
	struct fixture f;
	struct ladder_opts upto = { .upto_failure = true };
	struct runlog_ev *ev;
	char *all, *cut;

	(void)state;
	fx_handshake_and_close(&f);
	f.r.outcome = RUN_FAIL;
	ev = fx_pkt(&f, 500000, 0, '>', TCP_FLAG_RST, 2, 0, -1, "", "CLOSED");
	ev->unexpected = true;
	f.log[8].failed = true; /* the FIN of line 13 */
	all = ladder_string(&f.r, NULL);
	cut = ladder_string(&f.r, &upto);
	assert_non_null(all);
	assert_non_null(cut);
	printf("%s", cut);
	assert_non_null(strstr(all, "-|  !! unexpected\n"));
	assert_non_null(strstr(all, "<--- R 2:2(0) win 65535 ---"));
	assert_non_null(strstr(cut, "-|  !! failed here\n"));
	/* Up to the failure: nothing after the failed row. */
	assert_null(strstr(cut, "!! unexpected"));
	assert_null(strstr(cut, "FIN-WAIT-2"));
	free(all);
	free(cut);
}

static void test_ladder_fail_without_failed_event_shows_message(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	fx_init(&f);
	fx_call(&f, 0, 1, "socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
	        "CLOSED");
	f.r.outcome = RUN_FAIL;
	f.r.target_us = 3000000;
	f.r.diag.line = 9;
	snprintf(f.r.diag.msg, sizeof(f.r.diag.msg),
	         "expected > S. 0:0(0) ack 1 by 3.000, got nothing");
	s = ladder_string(&f.r, NULL);
	assert_non_null(s);
	assert_non_null(
	    strstr(s, "    3.000    9  |  !! failed: expected > S."));
	free(s);
}

static void test_ladder_inferred_state_labelled(void **state)
{
	struct fixture f;
	struct runlog_ev *ev;
	char *s;

	(void)state;
	fx_init(&f);
	ev = fx_pkt(&f, 0, 2, '<', TCP_FLAG_SYN, 0, 0, -1, "", "SYN-RECEIVED");
	ev->state_inferred = true;
	s = ladder_string(&f.r, NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "|  SYN-RECEIVED (inferred)"));
	free(s);
}

static void test_ladder_garbage_text_printed_safely(void **state)
{
	struct fixture f;
	struct runlog_ev *ev;
	struct ladder_opts o = { .left = "peer\x1b[2J", .right = "stack" };
	char *s;

	(void)state;
	fx_init(&f);
	ev = fx_call(&f, 1, 1, "", "");
	memset(ev->text, 0, sizeof(ev->text));
	memcpy(ev->text, "bad\x01\x7f\xff\n", 8);
	memset(ev->state, 'X', sizeof(ev->state)); /* no NUL at all */
	ev = fx_pkt(&f, 2, 2, '>', 0, 0xffffffffu, 10, -1, "", "");
	memset(ev->pkt.opts, 'o', sizeof(ev->pkt.opts) - 1);
	s = ladder_string(&f.r, &o);
	assert_non_null(s);
	printf("%s", s);
	assert_non_null(strstr(s, "bad????"));
	assert_non_null(strstr(s, "XXXXXXXXXXXXXXXX"));
	assert_non_null(strstr(s, "peer?[2J"));
	assert_non_null(strstr(s, "0.000001")); /* sub-ms times keep us */
	assert_non_null(strstr(s, "<--- - 4294967295:9(10)"));
	assert_null(strstr(s, "\x1b"));
	free(s);
}

static void test_ladder_flags_in_packetdrill_order(void **state)
{
	char buf[16];

	(void)state;
	ladder_format_flags(TCP_FLAG_SYN | TCP_FLAG_ACK, buf, sizeof(buf));
	assert_string_equal(buf, "S.");
	ladder_format_flags(TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_ACK, buf,
	                    sizeof(buf));
	assert_string_equal(buf, "FP.");
	ladder_format_flags(TCP_FLAG_RST, buf, sizeof(buf));
	assert_string_equal(buf, "R");
	ladder_format_flags(TCP_FLAG_ACK, buf, sizeof(buf));
	assert_string_equal(buf, ".");
}

/* ===== Report lines ===== */

/* Fills rp with one of each: pass, run failure, skip, parse error. */
static void add_four(struct report *rp, struct fixture *f, struct script *s)
{
	struct diag perr;

	fx_handshake_and_close(f);
	memset(s, 0, sizeof(*s));
	s->tag_n = 2;
	snprintf(s->tags[0], sizeof(s->tags[0]), "MUST-11");
	snprintf(s->tags[1], sizeof(s->tags[1]), "rfc9293-3.5");
	s->require_n = 1;
	snprintf(s->requires[0], sizeof(s->requires[0]), "rfc5961");
	assert_int_equal(report_add(rp, "v/pass.pkt", s, &f->r, NULL), 0);

	f->r.outcome = RUN_FAIL;
	f->log[8].failed = true;
	snprintf(f->r.diag.file, sizeof(f->r.diag.file), "v/fail&<x>.pkt");
	f->r.diag.line = 13;
	snprintf(f->r.diag.msg, sizeof(f->r.diag.msg),
	         "ack: expected 1, got 2 \"q\" ]]> \x01 \xc3\xa9 \xff\\");
	assert_int_equal(report_add(rp, "v/fail&<x>.pkt", s, &f->r, NULL), 0);

	f->r.outcome = RUN_SKIP;
	snprintf(f->r.skip_reason, sizeof(f->r.skip_reason),
	         "requires rfc5961, profile legacy");
	assert_int_equal(report_add(rp, "v/skip.pkt", NULL, &f->r, NULL), 0);

	diag_clear(&perr);
	diag_set(&perr, "t/bad.pkt", 2, 5, "0 < X 0:0(0)", 12,
	         "unknown TCP flag 'X'");
	assert_int_equal(report_add(rp, "t/bad.pkt", NULL, NULL, &perr), 0);
}

static void test_report_lines_and_closing_line(void **state)
{
	struct fixture f;
	struct script s;
	struct report rp;
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	(void)state;
	assert_non_null(fp);
	report_init(&rp, fp);
	add_four(&rp, &f, &s);
	report_summary(&rp);
	fclose(fp);
	printf("%s", out);

	assert_int_equal(strncmp(out, "PASS v/pass.pkt (0.12 ms)\n", 26), 0);
	assert_non_null(strstr(
	    out,
	    "\nFAIL v/fail&<x>.pkt\nv/fail&<x>.pkt:13: ack: expected 1, got 2"));
	assert_non_null(strstr(out, "!! failed here"));
	assert_null(strstr(out, "FIN-WAIT-2")); /* the ladder stops there */
	assert_non_null(
	    strstr(out,
	           "\nSKIP v/skip.pkt: requires rfc5961, profile legacy\n"));
	assert_non_null(strstr(out, "\nFAIL t/bad.pkt\n"));
	assert_non_null(strstr(out, "t/bad.pkt:2:5"));
	/* The closing line, alone on the last line. */
	assert_int_equal(rp.passed, 1);
	assert_int_equal(rp.failed, 2);
	assert_int_equal(rp.skipped, 1);
	assert_non_null(strstr(out, "\n1 passed, 2 failed, 1 skipped\n"));
	assert_string_equal(out + len -
	                        strlen("1 passed, 2 failed, 1 skipped\n"),
	                    "1 passed, 2 failed, 1 skipped\n");
	report_free(&rp);
	free(out);
}

static void test_report_verbose_draws_passes_too(void **state)
{
	struct fixture f;
	struct report rp;
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	(void)state;
	assert_non_null(fp);
	fx_handshake_and_close(&f);
	report_init(&rp, fp);
	rp.verbose = true;
	rp.keep = false;
	assert_int_equal(report_add(&rp, "p.pkt", NULL, &f.r, NULL), 0);
	fclose(fp);
	assert_non_null(strstr(out, "PASS p.pkt"));
	assert_non_null(strstr(out, "TIME-WAIT"));
	assert_int_equal(rp.entry_n, 0);
	report_free(&rp);
	free(out);
}

/* Runs a shell command on a file; -1 when the tool is not installed. */
static int tool_check(const char *tool, const char *fmt, const char *file)
{
	char cmd[512];
	int rc;

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) != 0) {
		return -1;
	}
	snprintf(cmd, sizeof(cmd), fmt, file);
	rc = system(cmd);
	return rc == 0 ? 0 : 1;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*n = (size_t)len;
	return buf;
}

static void test_report_junit_is_valid_xml(void **state)
{
	struct fixture f;
	struct script s;
	struct report rp;
	struct diag d;
	char path[] = "/tmp/sd-junit-XXXXXX";
	int fd = mkstemp(path);
	char *x;
	size_t n;
	int rc;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	report_init(&rp, fopen("/dev/null", "w"));
	add_four(&rp, &f, &s);
	diag_clear(&d);
	assert_int_equal(report_write_junit(&rp, path, &d), 0);
	x = slurp(path, &n);
	printf("%s", x);
	assert_non_null(strstr(
	    x,
	    "<testsuite name=\"shakedown\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(x, "name=\"v/fail&amp;&lt;x&gt;.pkt\""));
	assert_non_null(strstr(x, "time=\"0.000120\""));
	assert_non_null(strstr(x, "<skipped message=\"requires rfc5961"));
	assert_non_null(strstr(x, "]]]]><![CDATA[>"));
	assert_non_null(strstr(x, "|---- S 0:0(0) win 65535 <mss 1460>"));
	assert_non_null(strstr(x, "\xc3\xa9"));     /* valid UTF-8 kept */
	assert_non_null(strstr(x, "\xef\xbf\xbd")); /* invalid replaced */
	assert_null(strstr(x, "\x01"));
	/* A parse error carries its source line and caret. */
	assert_non_null(strstr(x, "message=\"t/bad.pkt:2:5: unknown TCP flag"));
	assert_non_null(strstr(x, "0 < X 0:0(0)\n"));
	rc = tool_check("xmllint", "xmllint --noout %s", path);
	if (rc >= 0) {
		assert_int_equal(rc, 0);
	}
	free(x);
	fclose(rp.out);
	report_free(&rp);
	unlink(path);
	diag_clear(&d);
	assert_int_equal(report_write_junit(&rp, "/nonexistent/dir/x.xml", &d),
	                 -1);
	assert_non_null(strstr(d.msg, "cannot write"));
}

static void test_report_json_is_valid_json(void **state)
{
	struct fixture f;
	struct script s;
	struct report rp;
	struct diag d;
	char path[] = "/tmp/sd-json-XXXXXX";
	int fd = mkstemp(path);
	char *x;
	size_t n;
	int rc;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	report_init(&rp, fopen("/dev/null", "w"));
	add_four(&rp, &f, &s);
	diag_clear(&d);
	assert_int_equal(report_write_json(&rp, path, &d), 0);
	x = slurp(path, &n);
	printf("%s", x);
	assert_non_null(strstr(
	    x,
	    "{\"path\": \"v/pass.pkt\", \"outcome\": \"pass\", \"time_ms\": 0.120, \"target_ms\": 0.000, \"message\": \"\", \"line\": 0, \"tags\": [\"MUST-11\", \"rfc9293-3.5\"], \"requires\": [\"rfc5961\"]}"));
	assert_non_null(
	    strstr(x, "\\\"q\\\" ]]> \\u0001 \xc3\xa9 \\ufffd\\\\"));
	assert_non_null(strstr(x, "\"outcome\": \"skip\""));
	assert_non_null(
	    strstr(x, "\"line\": 2, \"tags\": [], \"requires\": []"));
	rc = tool_check("jq", "jq -e 'length == 4' %s >/dev/null", path);
	if (rc >= 0) {
		assert_int_equal(rc, 0);
	}
	free(x);
	fclose(rp.out);
	report_free(&rp);

	/* No entries: still a valid, empty array. */
	report_init(&rp, stdout);
	assert_int_equal(report_write_json(&rp, path, &d), 0);
	x = slurp(path, &n);
	assert_string_equal(x, "[]\n");
	free(x);
	unlink(path);
}

/* ===== pcap ===== */

/* A SYN and a SYN-ACK as raw IPv4 (only the bytes matter here). */
static void fx_raw(struct fixture *f)
{
	for (size_t i = 0; i < sizeof(f->syn); i++) {
		f->syn[i] = (uint8_t)(i * 7);
	}
	for (size_t i = 0; i < sizeof(f->synack); i++) {
		f->synack[i] = (uint8_t)(i * 13);
	}
	f->syn[0] = 0x45;
	f->synack[0] = 0x45;
	f->raw[0] = (struct run_raw){ .t_us = 100000,
		                      .len = sizeof(f->syn),
		                      .bytes = f->syn };
	f->raw[1] = (struct run_raw){ .t_us = 240100007,
		                      .len = sizeof(f->synack),
		                      .bytes = f->synack };
	f->r.raw = f->raw;
	f->r.raw_n = 2;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void test_pcap_two_writes_byte_identical(void **state)
{
	struct fixture f;
	struct diag d;
	char a[] = "/tmp/sd-pcap-a-XXXXXX", b[] = "/tmp/sd-pcap-b-XXXXXX";
	int fa = mkstemp(a), fb = mkstemp(b), rc;
	uint8_t *x, *y;
	size_t nx, ny;

	(void)state;
	assert_true(fa >= 0 && fb >= 0);
	close(fa);
	close(fb);
	fx_init(&f);
	fx_raw(&f);
	diag_clear(&d);
	assert_int_equal(pcapw_write(&f.r, a, &d), 0);
	assert_int_equal(pcapw_write(&f.r, b, &d), 0);
	x = (uint8_t *)slurp(a, &nx);
	y = (uint8_t *)slurp(b, &ny);
	assert_int_equal(nx, 24 + 16 + 40 + 16 + 44);
	assert_int_equal(nx, ny);
	assert_memory_equal(x, y, nx);
	/* pcap 2.4, snaplen, LINKTYPE_RAW (101), then the virtual times. */
	assert_int_equal(le32(x), 0xa1b2c3d4);
	assert_int_equal(le32(x + 16), PCAPW_SNAPLEN);
	assert_int_equal(le32(x + 20), 101);
	assert_int_equal(le32(x + 24), 0);
	assert_int_equal(le32(x + 28), 100000);
	assert_int_equal(le32(x + 32), 40);
	assert_memory_equal(x + 40, f.syn, 40);
	assert_int_equal(le32(x + 80), 240);
	assert_int_equal(le32(x + 84), 100007);
	rc = tool_check("tshark", "tshark -r %s >/dev/null 2>/dev/null", a);
	if (rc >= 0) {
		assert_int_equal(rc, 0);
	}
	free(x);
	free(y);
	unlink(a);
	unlink(b);
	assert_int_equal(pcapw_write(&f.r, "/nonexistent/dir/x.pcap", &d), -1);
	assert_non_null(strstr(d.msg, "cannot write pcap"));
}

static void test_pcap_path_flattens_the_script_path(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(pcapw_path("out", "./conformance/vectors/a/b.pkt", buf,
	                            sizeof(buf)),
	                 0);
	assert_string_equal(buf, "out/conformance_vectors_a_b.pcap");
	assert_int_equal(pcapw_path("o/p", "/x/y.txt", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "o/p/x_y.txt.pcap");
	assert_int_equal(pcapw_path("o",
	                            "a-very-long-name-that-does-not-fit.pkt",
	                            buf, 16),
	                 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ladder_handshake_close_arrows_and_states),
		cmocka_unit_test(test_ladder_long_options_wrap_under_the_arrow),
		cmocka_unit_test(test_ladder_unexpected_and_failed_marked),
		cmocka_unit_test(
		    test_ladder_fail_without_failed_event_shows_message),
		cmocka_unit_test(test_ladder_inferred_state_labelled),
		cmocka_unit_test(test_ladder_garbage_text_printed_safely),
		cmocka_unit_test(test_ladder_flags_in_packetdrill_order),
		cmocka_unit_test(test_report_lines_and_closing_line),
		cmocka_unit_test(test_report_verbose_draws_passes_too),
		cmocka_unit_test(test_report_junit_is_valid_xml),
		cmocka_unit_test(test_report_json_is_valid_json),
		cmocka_unit_test(test_pcap_two_writes_byte_identical),
		cmocka_unit_test(test_pcap_path_flattens_the_script_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
