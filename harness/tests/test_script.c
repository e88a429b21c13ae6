/* SPDX-License-Identifier: MIT
 *
 * Tests of the script parser (script.c) and the caret diagnostics (diag.c):
 * exact event fields for every construct, the exact first error line of each
 * malformed script in conformance/tests/, hostile input in bounded time, and
 * a fixed-seed mutation loop that must never crash.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "shakedown/diag.h"
#include "shakedown/script.h"
#include "tcpref/wire.h"

/* ---- Helpers ------------------------------------------------------------- */

/* Parses text that must be valid; prints the diagnostic if not. */
static void parse_ok(struct script *s, const char *text)
{
	struct diag d;

	if (script_parse(s, "t.pkt", text, strlen(text), &d) != 0) {
		diag_print(&d, stderr);
		fail_msg("valid script rejected: %s", d.msg);
	}
}

/* What diag_print() writes, whole. The caller frees it. */
static char *diag_text(const struct diag *d)
{
	FILE *fp = tmpfile();
	char *buf;
	long n;

	assert_non_null(fp);
	diag_print(d, fp);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Parses text that must be rejected; returns the first printed line. */
static void parse_err(const char *text, size_t len, char *line, size_t size)
{
	struct script s;
	struct diag d;
	char *all, *nl;

	assert_int_equal(script_parse(&s, "t.pkt", text, len, &d), -1);
	assert_int_equal(s.event_n, 0);
	assert_null(s.events);
	assert_true(d.msg[0] != '\0');
	all = diag_text(&d);
	nl = strchr(all, '\n');
	if (nl != NULL)
		*nl = '\0';
	snprintf(line, size, "%s", all);
	free(all);
}

#define assert_err(text, want)                                                 \
	do {                                                                   \
		char got_[1200];                                               \
		parse_err((text), strlen(text), got_, sizeof(got_));           \
		assert_string_equal(got_, (want));                             \
	} while (0)

static const struct script_expr *arg(const struct script *s,
                                     const struct script_event *ev, int i)
{
	const struct script_expr *e = script_expr_at(s, ev->u.sys.args[i]);

	assert_non_null(e);
	return e;
}

static void assert_int_expr(const struct script_expr *e, int64_t v)
{
	assert_non_null(e);
	assert_int_equal(e->kind, SCRIPT_EXPR_INT);
	assert_true(e->num == v);
}

static void assert_sym_expr(const struct script_expr *e, const char *name)
{
	assert_non_null(e);
	assert_int_equal(e->kind, SCRIPT_EXPR_SYMBOL);
	assert_string_equal(e->name, name);
}

/* ===== Packets ===== */

static void test_packet_syn_with_options_fields(void **state)
{
	struct script s;
	const struct script_packet *p;

	(void)state;
	parse_ok(&s, "0 < S 0:0(0) win 32792 "
	             "<mss 1000,sackOK,nop,nop,nop,wscale 7>\n");
	assert_int_equal(s.event_n, 1);
	assert_int_equal(s.events[0].kind, SCRIPT_EV_PACKET);
	assert_int_equal(s.events[0].line, 1);
	assert_int_equal(s.events[0].col, 1);
	p = &s.events[0].u.pkt;
	assert_int_equal(p->dir, '<');
	assert_int_equal(p->flags, TCP_FLAG_SYN);
	assert_int_equal(p->seq_start, 0);
	assert_int_equal(p->seq_end, 0);
	assert_int_equal(p->len, 0);
	assert_false(p->has_ack);
	assert_true(p->has_win);
	assert_int_equal(p->win, 32792);
	assert_false(p->has_urg);
	assert_false(p->opts_any);
	assert_int_equal(p->opt_n, 6);
	assert_int_equal(p->opts[0].kind, SCRIPT_OPT_MSS);
	assert_int_equal(p->opts[0].val, 1000);
	assert_int_equal(p->opts[0].col, 25);
	assert_int_equal(p->opts[1].kind, SCRIPT_OPT_SACKOK);
	assert_int_equal(p->opts[2].kind, SCRIPT_OPT_NOP);
	assert_int_equal(p->opts[3].kind, SCRIPT_OPT_NOP);
	assert_int_equal(p->opts[4].kind, SCRIPT_OPT_NOP);
	assert_int_equal(p->opts[5].kind, SCRIPT_OPT_WSCALE);
	assert_int_equal(p->opts[5].val, 7);
	script_free(&s);
}

static void test_packet_synack_any_options_no_win(void **state)
{
	struct script s;
	const struct script_packet *p;

	(void)state;
	parse_ok(&s, "+0 > S. 0:0(0) ack 1 <...>");
	p = &s.events[0].u.pkt;
	assert_int_equal(p->dir, '>');
	assert_int_equal(p->flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_true(p->has_ack);
	assert_int_equal(p->ack, 1);
	assert_false(p->has_win);
	assert_true(p->opts_any);
	assert_int_equal(p->opt_n, 0);
	script_free(&s);
}

static void test_packet_data_without_options_means_none(void **state)
{
	struct script s;
	const struct script_packet *p;

	(void)state;
	parse_ok(&s, "0 > P. 1:1001(1000) ack 1\n");
	p = &s.events[0].u.pkt;
	assert_int_equal(p->flags, TCP_FLAG_PSH | TCP_FLAG_ACK);
	assert_int_equal(p->seq_start, 1);
	assert_int_equal(p->seq_end, 1001);
	assert_int_equal(p->len, 1000);
	assert_false(p->opts_any);
	assert_int_equal(p->opt_n, 0);
	script_free(&s);
}

static void test_packet_every_flag_letter(void **state)
{
	struct script s;

	(void)state;
	parse_ok(
	    &s,
	    "0 < SPFRUEW. 0:0(0)\n0 < R 0:0(0) win 0\n0 < F. 1:1(0) ack 1\n");
	assert_int_equal(s.events[0].u.pkt.flags,
	                 TCP_FLAG_SYN | TCP_FLAG_PSH | TCP_FLAG_FIN |
	                     TCP_FLAG_RST | TCP_FLAG_URG | TCP_FLAG_ECE |
	                     TCP_FLAG_CWR | TCP_FLAG_ACK);
	assert_int_equal(s.events[1].u.pkt.flags, TCP_FLAG_RST);
	assert_true(s.events[1].u.pkt.has_win);
	assert_int_equal(s.events[1].u.pkt.win, 0);
	assert_int_equal(s.events[2].u.pkt.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
	script_free(&s);
}

static void test_packet_sack_ts_eol_urg_and_large_numbers(void **state)
{
	struct script s;
	const struct script_packet *p;

	(void)state;
	parse_ok(&s, "0 < U. 4294967290:6(12) ack 4294967295 win 65535 urg 5 "
	             "<sack 1:2 3:4 5:6 7:4294967295,TS val 4294967295 ecr 0,"
	             "eol>\n");
	p = &s.events[0].u.pkt;
	assert_int_equal(p->seq_start, 4294967290u);
	assert_int_equal(p->seq_end, 6);
	assert_int_equal(p->len, 12);
	assert_int_equal(p->ack, 4294967295u);
	assert_int_equal(p->win, 65535);
	assert_true(p->has_urg);
	assert_int_equal(p->urg, 5);
	assert_int_equal(p->opt_n, 3);
	assert_int_equal(p->opts[0].kind, SCRIPT_OPT_SACK);
	assert_int_equal(p->opts[0].sack_n, 4);
	assert_int_equal(p->opts[0].sack[0].left, 1);
	assert_int_equal(p->opts[0].sack[0].right, 2);
	assert_int_equal(p->opts[0].sack[3].left, 7);
	assert_int_equal(p->opts[0].sack[3].right, 4294967295u);
	assert_int_equal(p->opts[1].kind, SCRIPT_OPT_TS);
	assert_int_equal(p->opts[1].val, 4294967295u);
	assert_int_equal(p->opts[1].ecr, 0);
	assert_int_equal(p->opts[2].kind, SCRIPT_OPT_EOL);
	script_free(&s);
}

static void test_packet_keywords_any_order_and_blanks(void **state)
{
	struct script s;
	const struct script_packet *p;

	(void)state;
	parse_ok(&s, "0<.\t1 : 1 ( 0 )win 9 ack 2< nop , TS val 1 ecr 2 >\r\n");
	p = &s.events[0].u.pkt;
	assert_int_equal(p->flags, TCP_FLAG_ACK);
	assert_int_equal(p->win, 9);
	assert_int_equal(p->ack, 2);
	assert_int_equal(p->opt_n, 2);
	assert_int_equal(p->opts[1].ecr, 2);
	script_free(&s);
}

/* ===== Times ===== */

static void test_time_forms_kinds_and_values(void **state)
{
	struct script s;
	const struct script_time *t;

	(void)state;
	parse_ok(&s, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	             "0.100 listen(3, 1) = 0\n"
	             "+.1 listen(3, 1) = 0\n"
	             "+0~+0.3 < S 0:0(0) win 1\n"
	             "0.5~1.25 > S. 0:0(0) ack 1\n"
	             "* > . 1:1(0) ack 1\n"
	             "1.5...2.000001 accept(3, ..., ...) = 4\n"
	             "+0 close(4) = 0\n"
	             "+2...+3 close(3) = 0\n");
	assert_int_equal(s.event_n, 9);
	t = &s.events[0].time;
	assert_int_equal(t->kind, SCRIPT_TIME_ABS);
	assert_true(t->start_us == 0 && t->end_us == 0 && !t->blocking);
	t = &s.events[1].time;
	assert_int_equal(t->kind, SCRIPT_TIME_ABS);
	assert_true(t->start_us == 100000);
	t = &s.events[2].time;
	assert_int_equal(t->kind, SCRIPT_TIME_REL);
	assert_true(t->start_us == 100000);
	t = &s.events[3].time;
	assert_int_equal(t->kind, SCRIPT_TIME_REL);
	assert_int_equal(t->end_kind, SCRIPT_TIME_REL);
	assert_true(t->start_us == 0 && t->end_us == 300000);
	t = &s.events[4].time;
	assert_int_equal(t->end_kind, SCRIPT_TIME_ABS);
	assert_true(t->start_us == 500000 && t->end_us == 1250000);
	t = &s.events[5].time;
	assert_int_equal(t->kind, SCRIPT_TIME_ANY);
	t = &s.events[6].time;
	assert_true(t->blocking);
	assert_int_equal(t->kind, SCRIPT_TIME_ABS);
	assert_int_equal(t->block_end_kind, SCRIPT_TIME_ABS);
	assert_true(t->start_us == 1500000 && t->block_end_us == 2000001);
	assert_true(t->end_us == t->start_us);
	t = &s.events[8].time;
	assert_true(t->blocking);
	assert_int_equal(t->block_end_kind, SCRIPT_TIME_REL);
	assert_true(t->start_us == 2000000 && t->block_end_us == 3000000);
	script_free(&s);
}

static void test_time_relative_counts_from_blocking_start(void **state)
{
	struct script s;

	(void)state;
	/*
	 * 1...3 starts at 1: what happens while the call blocks follows it,
	 * so "+0" is 1, and an absolute 0.5 goes backwards.
	 */
	assert_err("1...3 accept(3, ..., ...) = 4\n0.5 close(4) = 0\n",
	           "t.pkt:2:1: error: time 0.500 is before the previous "
	           "event's time 1.000 (times must not go backwards)");
	parse_ok(&s, "1...3 connect(3, ..., ...) = 0\n"
	             "+0 > S 0:0(0) <...>\n"
	             "2 < S. 0:0(0) ack 1 win 1000\n");
	assert_int_equal(s.events[1].time.kind, SCRIPT_TIME_REL);
	script_free(&s);
}

/* ===== System calls ===== */

static void test_syscall_args_ret_and_errno(void **state)
{
	struct script s;
	const struct script_event *ev;
	const struct script_expr *e, *f;

	(void)state;
	parse_ok(&s,
	         "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	         "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, "
	         "l_linger=0}, 8) = 0\n"
	         "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK|0x800) = 0\n"
	         "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in "
	         "progress)\n"
	         "+0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) = 1\n"
	         "+0 write(4, \"a\\\"b\\n\", -0x10) = ...\n"
	         "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n"
	         "+0 read(4, ..., 10) = -1 EAGAIN\n"
	         "+0 shutdown(4, SHUT_WR) = SOME_SYMBOL\n"
	         "+0 close() = 0\n");
	assert_int_equal(s.event_n, 10);

	ev = &s.events[0];
	assert_int_equal(ev->kind, SCRIPT_EV_SYSCALL);
	assert_string_equal(ev->u.sys.name, "socket");
	assert_int_equal(ev->u.sys.argc, 3);
	assert_int_equal(arg(&s, ev, 0)->kind, SCRIPT_EXPR_ELLIPSIS);
	assert_int_equal(arg(&s, ev, 0)->col, 10);
	assert_sym_expr(arg(&s, ev, 1), "SOCK_STREAM");
	assert_sym_expr(arg(&s, ev, 2), "IPPROTO_TCP");
	assert_int_expr(script_expr_at(&s, ev->u.sys.ret), 3);
	assert_string_equal(ev->u.sys.err, "");
	assert_int_equal(ev->u.sys.args[3], -1);

	ev = &s.events[1];
	e = arg(&s, ev, 3);
	assert_int_equal(e->kind, SCRIPT_EXPR_STRUCT);
	assert_int_equal(e->count, 2);
	f = script_expr_elem(&s, e, 0);
	assert_int_equal(f->kind, SCRIPT_EXPR_FIELD);
	assert_string_equal(f->name, "l_onoff");
	assert_int_expr(script_expr_at(&s, f->lhs), 1);
	assert_int_expr(script_expr_field(&s, e, "l_linger"), 0);
	assert_null(script_expr_field(&s, e, "nope"));
	assert_null(script_expr_elem(&s, e, 2));

	ev = &s.events[2];
	e = arg(&s, ev, 2);
	assert_int_equal(e->kind, SCRIPT_EXPR_OR);
	assert_int_expr(script_expr_at(&s, e->rhs), 0x800);
	e = script_expr_at(&s, e->lhs);
	assert_int_equal(e->kind, SCRIPT_EXPR_OR);
	assert_sym_expr(script_expr_at(&s, e->lhs), "O_RDWR");
	assert_sym_expr(script_expr_at(&s, e->rhs), "O_NONBLOCK");

	ev = &s.events[3];
	assert_int_expr(script_expr_at(&s, ev->u.sys.ret), -1);
	assert_string_equal(ev->u.sys.err, "EINPROGRESS");
	assert_string_equal(ev->u.sys.err_text, "Operation now in progress");

	ev = &s.events[4];
	e = arg(&s, ev, 0);
	assert_int_equal(e->kind, SCRIPT_EXPR_LIST);
	assert_int_equal(e->count, 1);
	e = script_expr_elem(&s, e, 0);
	assert_int_equal(e->kind, SCRIPT_EXPR_STRUCT);
	assert_int_expr(script_expr_field(&s, e, "fd"), 4);
	assert_sym_expr(script_expr_field(&s, e, "events"), "POLLIN");
	assert_sym_expr(script_expr_field(&s, e, "revents"), "POLLIN");

	ev = &s.events[5];
	e = arg(&s, ev, 1);
	assert_int_equal(e->kind, SCRIPT_EXPR_STRING);
	assert_string_equal(e->name, "a\"b\n");
	assert_string_equal(script_string_at(&s, e->str), "a\"b\n");
	assert_int_expr(arg(&s, ev, 2), -16);
	assert_int_equal(script_expr_at(&s, ev->u.sys.ret)->kind,
	                 SCRIPT_EXPR_ELLIPSIS);

	ev = &s.events[6];
	assert_int_equal(ev->u.sys.argc, 5);
	e = arg(&s, ev, 4);
	assert_int_equal(e->kind, SCRIPT_EXPR_LIST);
	assert_int_expr(script_expr_elem(&s, e, 0), 4);

	ev = &s.events[7];
	assert_string_equal(ev->u.sys.err, "EAGAIN");
	assert_string_equal(ev->u.sys.err_text, "");

	assert_sym_expr(script_expr_at(&s, s.events[8].u.sys.ret),
	                "SOME_SYMBOL");
	assert_int_equal(s.events[9].u.sys.argc, 0);
	script_free(&s);
}

static void test_syscall_args_span_lines_with_comments(void **state)
{
	struct script s;
	const struct script_event *ev;

	(void)state;
	parse_ok(&s, "0 setsockopt(3, SOL_SOCKET, // the level\n"
	             "             SO_LINGER, /* multi\nline */ {l_onoff=1,\n"
	             "             l_linger=0}, 8) = 0\n"
	             "+0 close(3) = 0\n");
	assert_int_equal(s.event_n, 2);
	ev = &s.events[0];
	assert_int_equal(ev->line, 1);
	assert_int_equal(ev->u.sys.argc, 5);
	assert_int_equal(s.events[1].line, 5);
	script_free(&s);
}

static void test_syscall_every_supported_name_parses(void **state)
{
	char text[4096];
	size_t n = 0;
	struct script s;
	int i;

	(void)state;
	for (i = 0; script_syscall_names[i] != NULL; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "+0 %s(...) = 0\n",
		                      script_syscall_names[i]);
	parse_ok(&s, text);
	assert_int_equal(s.event_n, 15);
	assert_int_equal(i, 15);
	script_free(&s);
}

/* ===== Commands, comments, tags ===== */

static void test_command_with_and_without_time(void **state)
{
	struct script s;
	const struct script_event *ev;

	(void)state;
	parse_ok(&s, "`../common/defaults.sh`\n"
	             "0 `sysctl -q net.ipv4.tcp_timestamps=0`\n"
	             "+0.5 `a\n b`\n");
	assert_int_equal(s.event_n, 3);
	ev = &s.events[0];
	assert_int_equal(ev->kind, SCRIPT_EV_COMMAND);
	assert_int_equal(ev->time.kind, SCRIPT_TIME_REL);
	assert_true(ev->time.start_us == 0);
	assert_string_equal(script_string_at(&s, ev->u.cmd.text),
	                    "../common/defaults.sh");
	ev = &s.events[1];
	assert_int_equal(ev->time.kind, SCRIPT_TIME_ABS);
	assert_string_equal(script_string_at(&s, ev->u.cmd.text),
	                    "sysctl -q net.ipv4.tcp_timestamps=0");
	ev = &s.events[2];
	assert_int_equal(ev->line, 3);
	assert_true(ev->time.start_us == 500000);
	assert_string_equal(script_string_at(&s, ev->u.cmd.text), "a\n b");
	assert_null(script_string_at(&s, -1));
	assert_null(script_string_at(&s, (int32_t)s.strings_n));
	assert_null(script_expr_at(&s, -1));
	script_free(&s);
}

static void test_comment_tags_and_requires_anywhere(void **state)
{
	struct script s;

	(void)state;
	parse_ok(&s, "// RFC 9293 3.5: passive open.\n"
	             "// tags: MUST-11 SHLD-5,rfc9293-3.10.7.3\n"
	             "// requires: rfc5961\n"
	             "/* tags: not-a-tag */\n"
	             "0 close(3) = 0 // tags: area=teardown\n"
	             "//tags:   MUST-99\n"
	             "// not tags: x\n");
	assert_int_equal(s.tag_n, 5);
	assert_string_equal(s.tags[0], "MUST-11");
	assert_string_equal(s.tags[1], "SHLD-5");
	assert_string_equal(s.tags[2], "rfc9293-3.10.7.3");
	assert_string_equal(s.tags[3], "area=teardown");
	assert_string_equal(s.tags[4], "MUST-99");
	assert_int_equal(s.require_n, 1);
	assert_string_equal(s.requires[0], "rfc5961");
	assert_string_equal(s.path, "t.pkt");
	script_free(&s);
}

/* "// ip: ipv4|ipv6": the IP version a script runs over. */
static void test_comment_ip(void **state)
{
	struct script s;

	(void)state;
	parse_ok(&s, "0 close(3) = 0\n");
	assert_int_equal(s.ip_version, 0);
	script_free(&s);
	parse_ok(&s, "//ip:ipv6\n0 close(3) = 0 // ip: ipv6 \r\n");
	assert_int_equal(s.ip_version, 6);
	script_free(&s);
	parse_ok(&s, "/* ip: ipv6 */ 0 close(3) = 0 //  ip:\tipv4\n");
	assert_int_equal(s.ip_version, 4);
	script_free(&s);
	assert_err("// ip:\n0 close(3) = 0\n",
	           "t.pkt:1:7: error: expected ipv4 or ipv6 after 'ip:', got "
	           "the end of the line");
	assert_err("// ip: ipv6 please\n0 close(3) = 0\n",
	           "t.pkt:1:13: error: expected the end of the line after "
	           "'ip: ipv6', got 'please'");
	assert_err("// ip: IPv6\n0 close(3) = 0\n",
	           "t.pkt:1:8: error: expected ipv4 or ipv6 after 'ip:', got "
	           "'IPv6'");
}

static void test_script_no_final_newline_and_crlf(void **state)
{
	struct script s;

	(void)state;
	parse_ok(&s, "0 close(3) = 0\r\n+0 < . 1:1(0) ack 1 win 5 <nop>\r\n"
	             "+0 close(4) = 0");
	assert_int_equal(s.event_n, 3);
	assert_int_equal(s.events[2].line, 3);
	script_free(&s);
	assert_err("0 close(3) = 0\r\n+0 bogus(1) = 0\r\n",
	           "t.pkt:2:4: error: unknown system call 'bogus' (supported: "
	           "socket, bind, listen, accept, connect, read, write, send, "
	           "recv, shutdown, close, setsockopt, getsockopt, fcntl, "
	           "poll)");
}

/* ===== Diagnostics ===== */

static void test_diag_caret_keeps_tabs(void **state)
{
	char *out;

	(void)state;
	struct diag d;
	const char line[] = "\t+0\t< SX 0:0(0)";

	diag_set(&d, "a.pkt", 3, 8, line, sizeof(line) - 1, "unknown");
	out = diag_text(&d);
	assert_string_equal(out, "a.pkt:3:8: error: unknown\n"
	                         "    \t+0\t< SX 0:0(0)\n"
	                         "    \t  \t   ^\n");
	free(out);
}

static void test_diag_long_line_cut_around_column(void **state)
{
	static char line[100000];
	struct diag d;
	char *out, *l2, *l3;

	(void)state;
	memset(line, 'a', sizeof(line));
	line[50000] = 'X';
	diag_set(&d, "a.pkt", 1, 50001, line, sizeof(line), "here");
	assert_true(strlen(d.src) < DIAG_LINE_MAX);
	assert_memory_equal(d.src, "...", 3);
	assert_string_equal(d.src + strlen(d.src) - 3, "...");
	assert_int_equal(d.src[d.src_col - 1], 'X');
	out = diag_text(&d);
	l2 = strchr(out, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	/* The caret sits under the X. */
	assert_int_equal(l2[strchr(l3, '^') - l3], 'X');
	free(out);

	/* Column near the start: no leading "...". */
	diag_set(&d, "a.pkt", 1, 2, line, sizeof(line), "here");
	assert_int_equal(d.src_col, 2);
	assert_int_equal(d.src[0], 'a');
}

static void test_diag_unprintable_bytes_shown_safely(void **state)
{
	struct diag d;
	const char line[] = "0 \x01\x00\x1b[31m\xff x";

	(void)state;
	diag_set(&d, "a.pkt", 1, 4, line, sizeof(line) - 1, "bad");
	assert_string_equal(d.src, "0 ??\?[31m? x");
	assert_int_equal(d.src_col, 4);
	diag_append(&d, " (%d)", 7);
	assert_string_equal(d.msg, "bad (7)");
}

static void test_diag_without_place_or_line(void **state)
{
	struct diag d;
	char *out;

	(void)state;
	diag_set(&d, "x.pkt", 0, 0, NULL, 0, "cannot open: %s", "nope");
	out = diag_text(&d);
	assert_string_equal(out, "x.pkt: error: cannot open: nope\n");
	free(out);
	diag_clear(&d);
	out = diag_text(&d);
	assert_string_equal(out, "");
	free(out);
}

static void test_parse_file_missing_reports_path(void **state)
{
	struct script s;
	struct diag d;

	(void)state;
	assert_int_equal(script_parse_file(&s, "conformance/tests/no-such.pkt",
	                                   &d),
	                 -1);
	assert_string_equal(d.file, "conformance/tests/no-such.pkt");
	assert_string_equal(d.msg, "cannot open: No such file or directory");
	script_free(&s); /* safe on the emptied script */
}

/* ===== "// shakedown:" broken segments ===== */

static void test_shakedown_comment_breaks_inbound_segment(void **state)
{
	const struct script_break *b;
	struct script s;

	(void)state;
	parse_ok(&s, "0 < . 1:1(0) ack 1 win 9 // shakedown: bad_csum "
	             "opts=fe,01,02 doff=15\n"
	             "+0 < . 1:1(0) ack 1 win 9 //shakedown: csum=0x0bad\n"
	             "+0 < . 1:1(0) ack 1 win 9 // other comment\n");
	assert_int_equal(s.event_n, 3);
	b = &s.events[0].u.pkt.brk;
	assert_true(b->set && b->bad_csum && !b->has_csum);
	assert_true(b->has_opts && b->has_doff);
	assert_int_equal(b->opt_len, 3);
	assert_int_equal(b->opts[0], 0xfe);
	assert_int_equal(b->opts[2], 0x02);
	assert_int_equal(b->doff, 15);
	b = &s.events[1].u.pkt.brk;
	assert_true(b->set && b->has_csum && !b->bad_csum && !b->has_opts);
	assert_int_equal(b->csum, 0x0bad);
	assert_false(s.events[2].u.pkt.brk.set);
	script_free(&s);
}

/* ===== ECN codepoints and IP-level checks ===== */

static void test_packet_ecn_codepoints_and_ip_checks(void **state)
{
	struct script s;

	(void)state;
	parse_ok(&s, "0 < [ect0] . 1:1001(1000) ack 1\n"
	             "+0 <[ce] P. 1001:2001(1000) ack 1 win 9\n"
	             "+0 < [ ect1 ] . 2001:2001(0) ack 1\n"
	             "+0 < [noecn] SEW 0:0(0) win 9\n"
	             "+0 > [ect01] P. 1:11(10) ack 1 // shakedown: tos=0xb8 "
	             "ttl=64\n"
	             "+0 > . 1:1(0) ack 1 // shakedown: ttl=0\n"
	             "+0 > . 1:1(0) ack 1\n");
	assert_int_equal(s.event_n, 7);
	assert_int_equal(s.events[0].u.pkt.ecn, SCRIPT_ECN_ECT0);
	assert_int_equal(s.events[1].u.pkt.ecn, SCRIPT_ECN_CE);
	assert_int_equal(s.events[1].u.pkt.flags, TCP_FLAG_PSH | TCP_FLAG_ACK);
	assert_int_equal(s.events[2].u.pkt.ecn, SCRIPT_ECN_ECT1);
	assert_int_equal(s.events[3].u.pkt.ecn, SCRIPT_ECN_NOT_ECT);
	assert_int_equal(s.events[3].u.pkt.flags,
	                 TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR);
	assert_int_equal(s.events[4].u.pkt.ecn, SCRIPT_ECN_ECT01);
	assert_true(s.events[4].u.pkt.brk.has_tos &&
	            s.events[4].u.pkt.brk.has_ttl);
	assert_int_equal(s.events[4].u.pkt.brk.tos, 0xb8);
	assert_int_equal(s.events[4].u.pkt.brk.ttl, 64);
	assert_true(s.events[5].u.pkt.brk.has_ttl &&
	            !s.events[5].u.pkt.brk.has_tos);
	assert_int_equal(s.events[5].u.pkt.brk.ttl, 0);
	assert_int_equal(s.events[6].u.pkt.ecn, SCRIPT_ECN_NONE);
	assert_false(s.events[6].u.pkt.brk.set);
	script_free(&s);
	assert_err("0 < [] . 1:1(0) ack 1\n",
	           "t.pkt:1:6: error: expected an ECN codepoint (noecn, ect0, "
	           "ect1, ce or ect01) after '[', got ']'");
	assert_err("0 > [ttl 9] . 1:1(0) ack 1\n",
	           "t.pkt:1:6: error: '[ttl ...]' is not supported; write '// "
	           "shakedown: ttl=N' after an outbound packet");
	assert_err("0 > . 1:1(0) ack 1 // shakedown: tos=\n",
	           "t.pkt:1:38: error: expected a number after 'tos=', got "
	           "nothing");
}

/* ===== The malformed scripts of conformance/tests/ ===== */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_malformed_scripts_give_exact_first_line(void **state)
{
	const char *dir = "conformance/tests";
	char *names[512];
	size_t n = 0, failed = 0;
	struct dirent *de;
	DIR *dp;

	(void)state;
	dp = opendir(dir);
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL && n < 512) {
		size_t l = strlen(de->d_name);

		if (l > 4 && strcmp(de->d_name + l - 4, ".pkt") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), cmp_str);
	assert_true(n >= 35);
	for (size_t i = 0; i < n; i++) {
		char path[512], errpath[512], want[1200] = "", *got, *nl;
		struct script s;
		struct diag d;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(errpath, sizeof(errpath), "%.*s.err",
		         (int)strlen(path) - 4, path);
		fp = fopen(errpath, "r");
		if (fp == NULL) {
			fprintf(stderr, "missing %s\n", errpath);
			failed++;
			free(names[i]);
			continue;
		}
		if (fgets(want, sizeof(want), fp) == NULL)
			want[0] = '\0';
		fclose(fp);
		want[strcspn(want, "\n")] = '\0';
		if (script_parse_file(&s, path, &d) == 0) {
			fprintf(stderr, "%s: parsed, expected: %s\n", path,
			        want);
			script_free(&s);
			failed++;
			free(names[i]);
			continue;
		}
		got = diag_text(&d);
		nl = strchr(got, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "%s:\n  want: %s\n  got:  %s\n", path,
			        want, got);
			failed++;
		}
		free(got);
		free(names[i]);
	}
	assert_int_equal(failed, 0);
}

/* ===== conformance/SYNTAX.md: its examples are true ===== */

static void test_syntax_md_examples_parse(void **state)
{
	struct script s;
	struct diag d;
	char *md, *at, *end;
	size_t checked = 0, errors = 0;

	(void)state;
	{
		FILE *fp = fopen("conformance/SYNTAX.md", "rb");
		long n;

		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		md = malloc((size_t)n + 1);
		assert_int_equal(fread(md, 1, (size_t)n, fp), (size_t)n);
		md[n] = '\0';
		fclose(fp);
	}
	for (at = strstr(md, "```\n"); at != NULL;
	     at = strstr(end + 4, "```\n")) {
		at += 4;
		end = strstr(at, "```\n");
		assert_non_null(end);
		if (strncmp(at, "<time>", 6) == 0)
			continue;
		if (strstr(at, ": error: ") != NULL &&
		    strstr(at, ": error: ") < end) {
			/* The printed error: diag_print() must match it. */
			char *want = strndup(at, (size_t)(end - at)), *got;

			assert_int_equal(
			    script_parse_file(
			        &s, "conformance/tests/unknown-flag.pkt", &d),
			    -1);
			got = diag_text(&d);
			assert_string_equal(got, want);
			free(got);
			free(want);
			errors++;
			continue;
		}
		if (script_parse(&s, "SYNTAX.md", at, (size_t)(end - at), &d) !=
		    0) {
			diag_print(&d, stderr);
			fail_msg("an example in SYNTAX.md does not parse");
		}
		script_free(&s);
		checked++;
	}
	free(md);
	assert_true(checked >= 5);
	assert_int_equal(errors, 1);
}

/* ===== Hostile input: bounded time, no crash ===== */

static double secs_since(struct timespec t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* The folder of the test binary (the build tree), for generated files. */
static void build_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0) {
		snprintf(buf, size, "/tmp");
		return;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
}

static void test_hostile_10mb_line_rejected_quickly(void **state)
{
	const size_t fill = 10u << 20;
	char dir[PATH_MAX], path[PATH_MAX + 32], want[PATH_MAX + 128];
	const char head[] = "// generated by test_script.c\n0 write(3, \"";
	const char tail[] = "\", 5) = 5\n";
	struct timespec t0;
	struct script s;
	struct diag d;
	char *got, *nl;
	FILE *fp;

	(void)state;
	build_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/long-line-10mb.pkt", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs(head, fp);
	for (size_t i = 0; i < fill; i += 4096) {
		static char a[4096];

		memset(a, 'A', sizeof(a));
		fwrite(a, 1, sizeof(a), fp);
	}
	fputs(tail, fp);
	assert_int_equal(fclose(fp), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(script_parse_file(&s, path, &d), -1);
	assert_true(secs_since(t0) < 5.0);
	snprintf(want, sizeof(want),
	         "%s:2:65537: error: line is too long (%zu bytes; at most "
	         "65536)",
	         path, fill + strlen(head) - 30 + strlen(tail) - 1);
	got = diag_text(&d);
	assert_true(strlen(got) < 3 * DIAG_LINE_MAX + sizeof(want));
	nl = strchr(got, '\n');
	*nl = '\0';
	assert_string_equal(got, want);
	free(got);
	unlink(path);
}

static void test_hostile_line_just_under_limit_parses(void **state)
{
	const size_t fill = SCRIPT_LINE_MAX - 40;
	char *text = malloc(fill + 64);
	struct script s;
	struct diag d;
	size_t n;

	(void)state;
	n = (size_t)sprintf(text, "0 write(3, \"");
	memset(text + n, 'b', fill);
	n += fill;
	n += (size_t)sprintf(text + n, "\", 5) = 5\n");
	assert_true(n - 1 <= SCRIPT_LINE_MAX);
	assert_int_equal(script_parse(&s, "big.pkt", text, n, &d), 0);
	assert_int_equal(
	    strlen(script_string_at(
	        &s, script_expr_at(&s, s.events[0].u.sys.args[1])->str)),
	    fill);
	script_free(&s);
	free(text);
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void test_hostile_random_binary_blob(void **state)
{
	const size_t n = 1u << 20;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	char *blob = malloc(n);
	struct timespec t0;
	struct script s;
	struct diag d;

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < n; i++)
			blob[i] = (char)rng_next(&rng);
		if (round == 1) /* a valid start, then garbage */
			memcpy(blob, "0 close(3) = 0\n", 15);
		if (round == 2) /* printable garbage only */
			for (size_t i = 0; i < n; i++)
				blob[i] =
				    (char)(0x20 + (unsigned char)blob[i] % 95);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(script_parse(&s, "blob.pkt", blob, n, &d), -1);
		assert_true(secs_since(t0) < 2.0);
		assert_true(d.msg[0] != '\0');
		assert_true(d.line >= 1);
	}
	free(blob);
}

static void test_hostile_deep_nesting_bounded(void **state)
{
	const size_t depth = 1000000;
	char *text = malloc(depth + 64);
	char want[200];
	size_t n;

	(void)state;
	for (int k = 0; k < 2; k++) {
		n = (size_t)sprintf(text, "0 poll(");
		memset(text + n, k == 0 ? '[' : '{', depth);
		n += depth;
		text[n++] = '\n';
		/* The line limit comes first on one line ... */
		snprintf(
		    want, sizeof(want),
		    "t.pkt:1:65537: error: line is too long (%zu bytes; at "
		    "most 65536)",
		    n - 1);
		{
			char got[1200];

			parse_err(text, n, got, sizeof(got));
			assert_string_equal(got, want);
		}
	}
	/* ... and the depth limit across lines. */
	n = (size_t)sprintf(text, "0 poll(");
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(text + n, "[\n");
	{
		char got[1200];

		parse_err(text, n, got, sizeof(got));
		assert_string_equal(got,
		                    "t.pkt:33:1: error: too deeply nested: "
		                    "more than 32 levels of [ ] and { }");
	}
	free(text);
}

static void test_hostile_too_many_events(void **state)
{
	const size_t n_lines = SCRIPT_MAX_EVENTS + 5;
	char *text = malloc(n_lines * 16 + 1);
	char want[200];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < n_lines; i++)
		n += (size_t)sprintf(text + n, "+0 close(3) = 0\n");
	snprintf(want, sizeof(want),
	         "t.pkt:%d:1: error: too many events (at most %d per script)",
	         SCRIPT_MAX_EVENTS + 1, SCRIPT_MAX_EVENTS);
	{
		char got[1200];

		parse_err(text, n, got, sizeof(got));
		assert_string_equal(got, want);
	}
	free(text);
}

/* ===== Mutations: never crash, always 0 or -1 with a message ===== */

static const char *const seeds[] = {
	"// tags: MUST-11 SHLD-5\n// requires: rfc5961\n"
	"`../common/defaults.sh`\n"
	"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	"+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
	"+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
	"+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>\n"
	"+0 > S. 0:0(0) ack 1 <...>\n+.1 < . 1:1(0) ack 1 win 257\n"
	"+0 accept(3, ..., ...) = 4\n+0 write(4, ..., 1000) = 1000\n"
	"+0 > P. 1:1001(1000) ack 1\n",
	"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	"+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
	"+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in "
	"progress)\n"
	"+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n"
	"+.1~+.2 < S. 0:0(0) ack 1 win 5792 <mss 1460,nop,nop,sack 1:2 3:4>\n"
	"* > . 1:1(0) ack 1\n"
	"+0 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1\n"
	"0.5...0.7 read(3, ..., 100) = 0\n"
	"/* done */ +0 close(3) = 0 // bye\n",
	"0 `sysctl -q net.ipv4.tcp_timestamps=0`\n"
	"+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0},\n"
	"   8) = 0\n"
	"+0 write(3, \"hello\", 5) = 5\n+0 < R. 1:1(0) ack 6 win 0 urg 1\n"
	"+0 < F. 1:1(0) ack 6 win 257 <eol>\n",
};

static const char *const dict[] = {
	"<",          ">",
	"...",        "~",
	"+",          "[",
	"]",          "{",
	"}",          "`",
	"/*",         "*/",
	"//",         "\n",
	"%{",         "0x",
	"-",          "|",
	"=",          "(",
	")",          ",",
	":",          "\"",
	"4294967296", "99999999999999999999",
	"sack",       "TS",
	"val",        "ecr",
	"S.",         "*",
	"\t",         "\r",
	"  ",         ".",
	"0.",         "+.",
	"tags: ",     "E",
	"\\",
};

static void test_mutations_never_crash(void **state)
{
	uint64_t rng = 0x5eed5eed12345678ull;
	size_t ok = 0, bad = 0;
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(devnull);
	for (int iter = 0; iter < 20000; iter++) {
		const char *seed = seeds[rng_next(&rng) % 3];
		size_t len = strlen(seed), cap = len + 4096;
		char *buf = malloc(cap);
		int muts = 1 + (int)(rng_next(&rng) % 4);
		struct script s;
		struct diag d;
		char *exact;
		int rc;

		memcpy(buf, seed, len);
		for (int m = 0; m < muts; m++) {
			size_t at = len > 0 ? rng_next(&rng) % (len + 1) : 0;
			size_t k;

			switch (rng_next(&rng) % 5) {
			case 0: /* overwrite a byte */
				if (at < len)
					buf[at] = (char)rng_next(&rng);
				break;
			case 1: { /* insert a syntax token */
				const char *tok =
				    dict[rng_next(&rng) %
				         (sizeof(dict) / sizeof(dict[0]))];
				k = strlen(tok);
				if (len + k < cap) {
					memmove(buf + at + k, buf + at,
					        len - at);
					memcpy(buf + at, tok, k);
					len += k;
				}
				break;
			}
			case 2: /* delete a range */
				k = rng_next(&rng) % 8;
				if (at + k > len)
					k = len - at;
				memmove(buf + at, buf + at + k, len - at - k);
				len -= k;
				break;
			case 3: { /* duplicate a range */
				size_t from = rng_next(&rng) % (len + 1);
				k = rng_next(&rng) % 32;
				if (from + k > len)
					k = len - from;
				if (len + k < cap) {
					char tmp[32];

					memcpy(tmp, buf + from, k);
					memmove(buf + at + k, buf + at,
					        len - at);
					memcpy(buf + at, tmp, k);
					len += k;
				}
				break;
			}
			default: /* a digit run */
				if (at < len)
					buf[at] =
					    (char)('0' + rng_next(&rng) % 10);
				break;
			}
		}
		/* Exactly len bytes, so ASan sees any read past the end. */
		exact = malloc(len > 0 ? len : 1);
		memcpy(exact, buf, len);
		rc = script_parse(&s, "mut.pkt", exact, len, &d);
		if (rc == 0) {
			assert_true(s.event_n > 0);
			ok++;
			script_free(&s);
		} else {
			assert_int_equal(rc, -1);
			assert_true(d.msg[0] != '\0');
			assert_true(d.line >= 1 && d.col >= 1);
			diag_print(&d, devnull);
			bad++;
		}
		free(exact);
		free(buf);
	}
	fclose(devnull);
	print_message("mutations: %zu parsed, %zu rejected\n", ok, bad);
	/* Both outcomes must be exercised for the loop to mean anything. */
	assert_true(ok > 1000);
	assert_true(bad > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_syn_with_options_fields),
		cmocka_unit_test(test_packet_synack_any_options_no_win),
		cmocka_unit_test(test_packet_data_without_options_means_none),
		cmocka_unit_test(test_packet_every_flag_letter),
		cmocka_unit_test(test_packet_sack_ts_eol_urg_and_large_numbers),
		cmocka_unit_test(test_packet_keywords_any_order_and_blanks),
		cmocka_unit_test(test_time_forms_kinds_and_values),
		cmocka_unit_test(test_time_relative_counts_from_blocking_start),
		cmocka_unit_test(test_syscall_args_ret_and_errno),
		cmocka_unit_test(test_syscall_args_span_lines_with_comments),
		cmocka_unit_test(test_syscall_every_supported_name_parses),
		cmocka_unit_test(test_command_with_and_without_time),
		cmocka_unit_test(test_comment_tags_and_requires_anywhere),
		cmocka_unit_test(test_comment_ip),
		cmocka_unit_test(test_script_no_final_newline_and_crlf),
		cmocka_unit_test(test_diag_caret_keeps_tabs),
		cmocka_unit_test(test_diag_long_line_cut_around_column),
		cmocka_unit_test(test_diag_unprintable_bytes_shown_safely),
		cmocka_unit_test(test_diag_without_place_or_line),
		cmocka_unit_test(test_parse_file_missing_reports_path),
		cmocka_unit_test(test_shakedown_comment_breaks_inbound_segment),
		cmocka_unit_test(test_packet_ecn_codepoints_and_ip_checks),
		cmocka_unit_test(test_malformed_scripts_give_exact_first_line),
		cmocka_unit_test(test_syntax_md_examples_parse),
		cmocka_unit_test(test_hostile_10mb_line_rejected_quickly),
		cmocka_unit_test(test_hostile_line_just_under_limit_parses),
		cmocka_unit_test(test_hostile_random_binary_blob),
		cmocka_unit_test(test_hostile_deep_nesting_bounded),
		cmocka_unit_test(test_hostile_too_many_events),
		cmocka_unit_test(test_mutations_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
