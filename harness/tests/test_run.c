/* SPDX-License-Identifier: MIT
 *
 * Tests of the runner (run.c) against the reference target (target_ref.c,
 * plugins/ref): small scripts are parsed with script_parse() and run; the
 * tests check the outcome, the diagnostic ("line: field: expected X, got
 * Y"), the run log, virtual time and byte-for-byte determinism.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"
#include "tcpref/wire.h"

/* ---- Fixture ---------------------------------------------------------- */

/* Parses 'text' and runs it on the reference target into *r. */
static void run_text_opts(const char *text, struct run_result *r, bool keep_raw,
                          const char *profile)
{
	struct script s;
	struct diag d;
	struct run_opts o;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	diag_clear(&d);
	if (script_parse(&s, "t.pkt", text, strlen(text), &d) != 0)
		fail_msg("parse: %d:%d: %s", d.line, d.col, d.msg);
	memset(&o, 0, sizeof(o));
	o.target = &target_ref_ops;
	o.topts.profile = profile;
	o.keep_raw = keep_raw;
	assert_int_equal(run_script(&s, &o, r), 0);
	script_free(&s);
}

static void run_text(const char *text, struct run_result *r)
{
	run_text_opts(text, r, false, NULL);
}

static void assert_pass(const struct run_result *r)
{
	if (r->outcome != RUN_PASS)
		fail_msg("expected PASS, got %s: %s:%d: %s",
		         r->outcome == RUN_FAIL ? "FAIL" : "SKIP", r->diag.file,
		         r->diag.line,
		         r->outcome == RUN_SKIP ? r->skip_reason : r->diag.msg);
}

/* FAIL at 'line' with a message starting with 'prefix'. */
static void assert_fail(const struct run_result *r, int line,
                        const char *prefix)
{
	if (r->outcome != RUN_FAIL)
		fail_msg("expected FAIL at line %d (%s), got %s", line, prefix,
		         r->outcome == RUN_PASS ? "PASS" : "SKIP");
	if (r->diag.line != line ||
	    strncmp(r->diag.msg, prefix, strlen(prefix)) != 0)
		fail_msg("expected %d: %s..., got %d: %s", line, prefix,
		         r->diag.line, r->diag.msg);
}

/* The log entry marked failed; NULL when none. */
static const struct runlog_ev *failed_ev(const struct run_result *r)
{
	size_t i;

	for (i = 0; i < r->log_n; i++)
		if (r->log[i].failed)
			return &r->log[i];
	return NULL;
}

/* The first log entry of line 'line' of the given kind. */
static const struct runlog_ev *line_ev(const struct run_result *r, int line,
                                       enum runlog_kind kind)
{
	size_t i;

	for (i = 0; i < r->log_n; i++)
		if (r->log[i].line == line && r->log[i].kind == kind)
			return &r->log[i];
	return NULL;
}

/* Lines 1-9: a listener, the handshake, accept() = 4 at 0.2 s. */
#define PASSIVE_OPEN                                                           \
	"0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"                      \
	"+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"            \
	"+0  bind(3, ..., ...) = 0\n"                                          \
	"+0  listen(3, 1) = 0\n"                                               \
	"+.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,"      \
	"wscale 7>\n"                                                          \
	"+0  > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,"       \
	"wscale 7>\n"                                                          \
	"+.1 < . 1:1(0) ack 1 win 512 <nop,nop,TS val 200 ecr 100>\n"          \
	"+0  accept(3, ..., ...) = 4\n"                                        \
	"// line 9\n"

/* Lines 1-6: nonblocking active open, established at 0.1 s. */
#define ACTIVE_OPEN                                                            \
	"0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"                      \
	"+0  fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"                       \
	"+0  connect(3, ..., ...) = -1 EINPROGRESS (Operation now in "         \
	"progress)\n"                                                          \
	"+0  > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n"     \
	"+.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 700 ecr "     \
	"100,nop,wscale 7>\n"                                                  \
	"+0  > . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 700>\n"

/* ===== Passing scripts ================================================= */

static void test_listen_handshake_accept_close_passes(void **state)
{
	static const char text[] = PASSIVE_OPEN
	    "+.1 close(4) = 0\n"
	    "+0  > F. 1:1(0) ack 1 <nop,nop,TS val 300 ecr 200>\n"
	    "+.1 < F. 1:1(0) ack 2 win 512 <nop,nop,TS val 300 ecr 300>\n"
	    "+0  > . 2:2(0) ack 2 <nop,nop,TS val 400 ecr 300>\n";
	struct run_result r;
	const struct runlog_ev *e;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	/* The states along the way, as the ladder shows them. */
	e = line_ev(&r, 4, RUNLOG_SYSCALL);
	assert_non_null(e);
	assert_string_equal(e->state, "LISTEN");
	e = line_ev(&r, 5, RUNLOG_PKT);
	assert_non_null(e);
	assert_string_equal(e->state, "SYN-RECEIVED");
	assert_int_equal(e->pkt.dir, '<');
	e = line_ev(&r, 7, RUNLOG_PKT);
	assert_string_equal(e->state, "ESTABLISHED");
	e = line_ev(&r, 8, RUNLOG_SYSCALL);
	assert_string_equal(e->text, "accept(3, ..., ...) = 4");
	e = line_ev(&r, 10, RUNLOG_SYSCALL);
	assert_string_equal(e->state, "FIN-WAIT-1");
	e = line_ev(&r, 12, RUNLOG_PKT);
	assert_string_equal(e->state, "TIME-WAIT");
	/* The stack's segments in relative numbers, options rendered. */
	e = line_ev(&r, 6, RUNLOG_PKT);
	assert_int_equal(e->pkt.dir, '>');
	assert_int_equal(e->pkt.seq, 0);
	assert_int_equal(e->pkt.ack, 1);
	assert_true(e->pkt.has_ack);
	assert_string_equal(e->pkt.opts,
	                    "mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 7");
	assert_int_equal(e->t_us, 100000);
	assert_int_equal(r.target_us, 400000);
	assert_null(failed_ev(&r));
	run_result_free(&r);
}

static void test_closed_nonblocking_connect_einprogress_passes(void **state)
{
	static const char text[] = ACTIVE_OPEN
	    "+0  getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n"
	    "+0  poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1\n"
	    "+0  fcntl(3, F_GETFL) = 0x802\n"
	    "+0  read(3, ..., 100) = -1 EAGAIN (Resource temporarily "
	    "unavailable)\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	assert_string_equal(line_ev(&r, 6, RUNLOG_PKT)->state, "ESTABLISHED");
	run_result_free(&r);
}

static void test_closed_blocking_connect_returns_on_synack_passes(void **state)
{
	/* packetdrill's shape: the lines after a blocking call happen while
	 * it blocks; it returns at the end of start...end. */
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+.1...+.2 connect(3, ..., ...) = 0\n"
	    "+0  > S 0:0(0) <...>\n"
	    "+.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
	    "+0  > . 1:1(0) ack 1\n";
	struct run_result r;
	const struct runlog_ev *e = NULL;
	size_t i;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	for (i = 0; i < r.log_n; i++)
		if (r.log[i].kind == RUNLOG_SYSCALL && r.log[i].line == 2)
			e = &r.log[i]; /* the last: the return */
	assert_non_null(e);
	assert_string_equal(e->text, "connect(3, ..., ...) = 0");
	assert_int_equal(e->t_us, 200000);
	run_result_free(&r);
}

static void test_established_write_read_passes(void **state)
{
	static const char text[] = ACTIVE_OPEN
	    "+0  write(3, ..., 1000) = 1000\n"
	    "+0  > P. 1:1001(1000) ack 1 <nop,nop,TS val 200 ecr 700>\n"
	    "+.1 < . 1:1(0) ack 1001 win 512 <nop,nop,TS val 800 ecr 200>\n"
	    "+0  < P. 1:101(100) ack 1001 win 512 <nop,nop,TS val 800 ecr "
	    "200>\n"
	    "+0  read(3, ..., 1000) = 100\n"
	    "+.2 > . 1001:1001(0) ack 101 <nop,nop,TS val 400 ecr 800>\n"
	    "+0  fcntl(3, F_SETFL, O_RDWR) = 0\n"
	    "+0...+.5 read(3, ..., 1000) = 10\n"
	    "+.5 < P. 101:111(10) ack 1001 win 512 <nop,nop,TS val 900 ecr "
	    "400>\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	run_result_free(&r);
}

/* "[ect0]" outbound, "[ce]" inbound, and "tos=" / "ttl=" checks. */
static void test_ecn_codepoints_and_ip_fields_checked(void **state)
{
	static const char ecn[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
	    "+0  setsockopt(3, IPPROTO_IP, IP_TOS, [0x29], 4) = 0\n"
	    "+0  setsockopt(3, IPPROTO_IP, IP_TTL, [9], 4) = 0\n"
	    "+0  bind(3, ..., ...) = 0\n"
	    "+0  listen(3, 1) = 0\n"
	    "+0  < SEW 0:0(0) win 65535 <mss 1000>\n"
	    "+0  > [noecn] SE. 0:0(0) ack 1 <mss 1460> // shakedown: tos=0x28 "
	    "ttl=9\n"
	    "+.1 < . 1:1(0) ack 1 win 65535\n"
	    "+0  accept(3, ..., ...) = 4\n"
	    "+0  getsockopt(4, IPPROTO_IP, IP_TOS, [0x28], [4]) = 0\n"
	    "+0  write(4, ..., 1000) = 1000\n"
	    "+0  > [ect01] P. 1:1001(1000) ack 1 // shakedown: tos=0x2a\n"
	    "+.1 < [ce] P. 1:1001(1000) ack 1001 win 65535\n"
	    "+0~+.25 > [noecn] E. 1001:1001(0) ack 1001 // shakedown: ttl=9\n";
	struct run_result r;
	char *bad;

	(void)state;
	run_text(ecn, &r);
	assert_pass(&r);
	run_result_free(&r);

	bad = strdup(ecn);
	memcpy(strstr(bad, "[ect01]"), "[ect1] ", 7);
	run_text(bad, &r);
	assert_fail(&r, 13, "ecn: expected [ect1], got [ect0]");
	run_result_free(&r);
	free(bad);

	bad = strdup(ecn);
	memcpy(strstr(bad, "tos=0x2a"), "tos=0x28", 8);
	run_text(bad, &r);
	assert_fail(&r, 13, "tos: expected 0x28, got 0x2a");
	run_result_free(&r);
	free(bad);

	bad = strdup(ecn);
	memcpy(strstr(bad, "ttl=9\n"), "ttl=8\n", 6);
	run_text(bad, &r);
	assert_fail(&r, 8, "ttl: expected 8, got 9");
	run_result_free(&r);
	free(bad);
}

/* The reference's IP-level socket options, as Linux takes them. */
static void test_ip_level_sockopts_errors(void **state)
{
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  getsockopt(3, IPPROTO_IP, IP_TTL, [64], [4]) = 0\n"
	    "+0  getsockopt(3, IPPROTO_IP, IP_TOS, [0], [4]) = 0\n"
	    "+0  setsockopt(3, IPPROTO_IP, IP_TTL, [0], 4) = -1 EINVAL\n"
	    "+0  setsockopt(3, IPPROTO_IP, IP_TTL, [255], 4) = 0\n"
	    "+0  setsockopt(3, IPPROTO_IPV6, IPV6_TCLASS, [8], 4) = -1 "
	    "ENOPROTOOPT\n"
	    "+0  setsockopt(3, IPPROTO_IP, 9999, [1], 4) = -1 ENOPROTOOPT\n"
	    "+0  socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 4\n"
	    "+0  setsockopt(4, IPPROTO_IPV6, IPV6_TCLASS, [256], 4) = -1 "
	    "EINVAL\n"
	    "+0  setsockopt(4, IPPROTO_IPV6, IPV6_TCLASS, [0xff], 4) = 0\n"
	    "+0  getsockopt(4, IPPROTO_IPV6, IPV6_TCLASS, [0xfc], [4]) = 0\n"
	    "+0  setsockopt(4, IPPROTO_IPV6, IPV6_TCLASS, [-1], 4) = 0\n"
	    "+0  getsockopt(4, IPPROTO_IPV6, IPV6_TCLASS, [0], [4]) = 0\n"
	    "+0  getsockopt(4, IPPROTO_IPV6, IPV6_UNICAST_HOPS, [64], [4]) = "
	    "0\n"
	    "+0  setsockopt(4, IPPROTO_IPV6, IPV6_UNICAST_HOPS, [-2], 4) = -1 "
	    "EINVAL\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	run_result_free(&r);
}

static void test_established_linger_zero_close_sends_rst(void **state)
{
	static const char text[] = PASSIVE_OPEN
	    "+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, "
	    "8) = 0\n"
	    "+0 close(4) = 0\n"
	    "+0 > R 1:1(0) win 0\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	assert_string_equal(line_ev(&r, 12, RUNLOG_PKT)->state, "CLOSED");
	run_result_free(&r);
}

static void test_commands_not_run_noted_once(void **state)
{
	static const char text[] = "`../common/defaults.sh`\n"
	                           "0 `sysctl -q net.ipv4.tcp_timestamps=0`\n"
	                           "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = "
	                           "3\n";
	struct run_result r;
	size_t i, notes = 0;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	assert_true(r.commands_skipped);
	for (i = 0; i < r.log_n; i++)
		if (r.log[i].kind == RUNLOG_NOTE &&
		    strstr(r.log[i].text, "does not run them"))
			notes++;
	assert_int_equal(notes, 1);
	run_result_free(&r);
}

static void test_requires_legacy_on_default_profile_skips(void **state)
{
	static const char text[] =
	    "// requires: legacy\n"
	    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_int_equal(r.outcome, RUN_SKIP);
	assert_non_null(strstr(r.skip_reason, "legacy"));
	run_result_free(&r);
	run_text_opts(text, &r, false, "legacy");
	assert_pass(&r);
	run_result_free(&r);
	run_text_opts("// requires: rfc5961\n0 socket(..., SOCK_STREAM, "
	              "IPPROTO_TCP) = 3\n",
	              &r, false, "rfc5961");
	assert_pass(&r);
	run_result_free(&r);
}

static void test_synrcvd_synack_retransmitted_with_same_isn_passes(void **state)
{
	/* The handshake's last ACK is lost: the SYN-ACK comes again after
	 * the RTO with the same ISN (seq 0 relative to the first one). */
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  bind(3, ..., ...) = 0\n"
	    "+0  listen(3, 1) = 0\n"
	    "+.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,"
	    "wscale 7>\n"
	    "+0  > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,"
	    "wscale 7>\n"
	    "+1  > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 1100 ecr 100,nop,"
	    "wscale 7>\n"
	    "+.1 < . 1:1(0) ack 1 win 512 <nop,nop,TS val 200 ecr 1100>\n"
	    "+0  accept(3, ..., ...) = 4\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_pass(&r);
	assert_int_equal(line_ev(&r, 6, RUNLOG_PKT)->t_us, 1100000);
	assert_string_equal(line_ev(&r, 7, RUNLOG_PKT)->state, "ESTABLISHED");
	run_result_free(&r);
}

/* ===== Failing scripts ================================================= */

static void test_established_ts_ecr_mismatch_fails(void **state)
{
	static const char text[] =
	    ACTIVE_OPEN "+0 write(3, ..., 10) = 10\n"
	                "+0 > P. 1:11(10) ack 1 <nop,nop,TS val 200 ecr 701>\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 8,
	            "options: expected <nop,nop,TS val 200 ecr 701>, got "
	            "<nop,nop,TS val 200 ecr 700>");
	run_result_free(&r);
}

static void test_synrcvd_wrong_ack_fails_with_field(void **state)
{
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  bind(3, ..., ...) = 0\n"
	    "+0  listen(3, 1) = 0\n"
	    "+.1 < S 0:0(0) win 65535 <mss 1460>\n"
	    "+0  > S. 0:0(0) ack 2 <mss 1460>\n";
	struct run_result r;
	const struct runlog_ev *e;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 5, "ack: expected 2, got 1");
	assert_string_equal(r.diag.file, "t.pkt");
	e = failed_ev(&r);
	assert_non_null(e);
	assert_int_equal(e->kind, RUNLOG_PKT);
	assert_int_equal(e->line, 5);
	run_result_free(&r);
}

static void test_established_unexpected_segment_fails(void **state)
{
	/* The script writes 10 bytes but never expects them on the wire. */
	static const char text[] =
	    PASSIVE_OPEN "+0 write(4, ..., 10) = 10\n"
	                 "+.1 < . 1:1(0) ack 1 win 512\n";
	struct run_result r;
	const struct runlog_ev *e;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 11, "segment: expected none before line 11");
	assert_non_null(strstr(r.diag.msg, "> P. 1:11(10)"));
	e = failed_ev(&r);
	assert_non_null(e);
	assert_true(e->unexpected);
	assert_int_equal(e->pkt.len, 10);
	run_result_free(&r);
}

static void test_established_segment_left_at_end_fails(void **state)
{
	static const char text[] = PASSIVE_OPEN "+0 write(4, ..., 10) = 10\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 10, "segment: expected none after the last event");
	run_result_free(&r);
}

static void test_established_missing_segment_says_what_came(void **state)
{
	static const char text[] =
	    PASSIVE_OPEN "+0 write(4, ..., 10) = 10\n"
	                 "+0 > P. 1:11(10) ack 1 <...>\n"
	                 "+.5 > P. 1:11(10) ack 1 <...>\n";
	struct run_result r;
	const struct runlog_ev *e;

	(void)state;
	run_text(text, &r);
	/* The retransmission comes after the RTO (1 s), not at +0.5. */
	assert_fail(&r, 12,
	            "segment: expected > P. 1:11(10) ack 1 <...> by 0.700 s, "
	            "got > P. 1:11(10) ack 1");
	assert_non_null(strstr(r.diag.msg, "at 1.200 s instead"));
	e = failed_ev(&r);
	assert_non_null(e);
	assert_true(e->unexpected);
	run_result_free(&r);
}

static void test_listen_nothing_sent_missing_fails(void **state)
{
	static const char text[] =
	    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0 bind(3, ..., ...) = 0\n"
	    "+0 listen(3, 1) = 0\n"
	    "+0 > S 0:0(0) <...>\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 4,
	            "segment: expected > S 0:0(0) <...> by 0.000 s, got "
	            "nothing");
	run_result_free(&r);
}

static void test_syscall_return_mismatch_fails(void **state)
{
	static const char text[] =
	    PASSIVE_OPEN "+0 fcntl(4, F_SETFL, O_NONBLOCK) = 0\n"
	                 "+0 read(4, ..., 10) = 5\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 11, "read: expected 5, got -1 EAGAIN");
	run_result_free(&r);
	run_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n", &r);
	assert_fail(&r, 1, "socket: expected 4, got 3");
	run_result_free(&r);
	run_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	         "+0 close(3) = -1 EBADF\n",
	         &r);
	assert_fail(&r, 2,
	            "close: expected -1 EBADF (Bad file descriptor), "
	            "got 0");
	run_result_free(&r);
}

static void test_poll_revents_mismatch_fails(void **state)
{
	static const char text[] = ACTIVE_OPEN
	    "+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLIN}], 1, 0) = "
	    "1\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 7, "poll: revents: expected POLLIN, got POLLOUT");
	run_result_free(&r);
}

static void test_synrcvd_early_segment_fails_on_time(void **state)
{
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  bind(3, ..., ...) = 0\n"
	    "+0  listen(3, 1) = 0\n"
	    "+.1 < S 0:0(0) win 65535 <mss 1460>\n"
	    "+.2 > S. 0:0(0) ack 1 <mss 1460>\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 5, "time: expected 0.300 s, got 0.100 s");
	run_result_free(&r);
}

static void test_listen_blocking_accept_wrong_time_fails(void **state)
{
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  bind(3, ..., ...) = 0\n"
	    "+0  listen(3, 1) = 0\n"
	    "+0...+.5 accept(3, ..., ...) = 4\n"
	    "+.1 < S 0:0(0) win 65535 <mss 1460>\n"
	    "+0  > S. 0:0(0) ack 1 <mss 1460>\n"
	    "+.1 < . 1:1(0) ack 1 win 512\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 4,
	            "accept: expected to return at 0.500 s, returned at 0.200 "
	            "s");
	run_result_free(&r);
	/* Still blocked when the script ends. */
	run_text("0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	         "+0  bind(3, ..., ...) = 0\n"
	         "+0  listen(3, 1) = 0\n"
	         "+0  accept(3, ..., ...) = 4\n",
	         &r);
	assert_fail(&r, 4,
	            "accept: expected to return by 0.000 s, still "
	            "blocked");
	run_result_free(&r);
}

static void test_second_call_while_blocked_fails(void **state)
{
	static const char text[] =
	    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0  bind(3, ..., ...) = 0\n"
	    "+0  listen(3, 1) = 0\n"
	    "+0...+1 accept(3, ..., ...) = 4\n"
	    "+.1 close(3) = 0\n";
	struct run_result r;

	(void)state;
	run_text(text, &r);
	assert_fail(&r, 5, "close: expected no call while accept(3, ..., ...)");
	run_result_free(&r);
}

/* ===== Virtual time and determinism ===================================== */

/* Active close through TIME-WAIT (2 * MSL = 240 s) and a RST afterwards. */
static const char time_wait_text[] =
    ACTIVE_OPEN "+.1 close(3) = 0\n"
                "+0  > F. 1:1(0) ack 1 <...>\n"
                "+.1 < F. 1:1(0) ack 2 win 512 <nop,nop,TS val 800 ecr 300>\n"
                "+0  > . 2:2(0) ack 2 <...>\n"
                "+240 < . 2:2(0) ack 2 win 512\n"
                "+0  > R 2:2(0)\n";

static void test_time_wait_four_minutes_runs_in_virtual_time(void **state)
{
	struct run_result r;
	double best = 1e9;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		run_text(time_wait_text, &r);
		assert_pass(&r);
		assert_true(r.target_us >= 240000000u);
		if (r.elapsed_us < best)
			best = r.elapsed_us;
		run_result_free(&r);
	}
	/* Four minutes of TCP time in well under a millisecond. */
	if (best >= 1000.0)
		fail_msg("best of 5 runs took %.0f us", best);
}

static void test_two_runs_identical_raw_packets(void **state)
{
	struct run_result a, b;
	size_t i;

	(void)state;
	run_text_opts(time_wait_text, &a, true, NULL);
	run_text_opts(time_wait_text, &b, true, NULL);
	assert_pass(&a);
	assert_pass(&b);
	assert_int_equal(a.raw_n, b.raw_n);
	assert_int_equal(a.raw_n, 8);
	for (i = 0; i < a.raw_n; i++) {
		assert_int_equal(a.raw[i].t_us, b.raw[i].t_us);
		assert_int_equal(a.raw[i].len, b.raw[i].len);
		assert_memory_equal(a.raw[i].bytes, b.raw[i].bytes,
		                    a.raw[i].len);
	}
	/* The first raw packet is the stack's SYN (IPv4, 192.0.2.1). */
	assert_int_equal(a.raw[0].bytes[0] >> 4, 4);
	assert_int_equal(a.raw[0].bytes[12], 192);
	assert_int_equal(a.raw[0].bytes[15], 1);
	run_result_free(&a);
	run_result_free(&b);
}

/* ---- Invariants on outbound segments (MUST-2/65/68/69) ---- */

/* An IPv4 SYN-ACK with <mss 1460,nop,nop,sackOK> and correct checksums;
 * returns its length. 'opts'/'olen' replace the options when non-NULL. */
static size_t inv_pkt(uint8_t *b, const uint8_t *opts, size_t olen,
                      uint8_t flags)
{
	static const uint8_t def[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	struct tcp_addr src, dst;
	uint8_t *tcp;
	size_t ip, tl;

	if (!opts) {
		opts = def;
		olen = sizeof(def);
	}
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.family = TCP_AF_INET;
	dst.family = TCP_AF_INET;
	memcpy(src.a, (const uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(dst.a, (const uint8_t[]){ 192, 0, 2, 2 }, 4);
	tl = 20 + olen;
	ip = tcp_wire_ip_emit(&src, &dst, 64, 0, 1, tl, b, 200);
	assert_int_equal(ip, 20);
	tcp = b + ip;
	memset(tcp, 0, tl);
	tcp[0] = 0x1f;
	tcp[1] = 0x90; /* 8080 */
	tcp[2] = 0x9c;
	tcp[3] = 0x40; /* 40000 */
	tcp[12] = (uint8_t)((tl / 4) << 4);
	tcp[13] = flags;
	tcp[14] = 0xff;
	tcp[15] = 0xff;
	memcpy(tcp + 20, opts, olen);
	tcp_wire_tcp_csum_fill(&src, &dst, tcp, tl);
	return ip + tl;
}

static void test_invariants_catch_bad_segments(void **state)
{
	uint8_t b[200];
	char msg[256];
	size_t n;
	(void)state;

	/* A correct SYN-ACK passes. */
	n = inv_pkt(b, NULL, 0, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(run_check_invariants(b, n, true, msg, sizeof(msg)), 0);

	/* MUST-2: one flipped window bit breaks the TCP checksum. */
	b[20 + 14] ^= 0x01;
	assert_int_equal(run_check_invariants(b, n, true, msg, sizeof(msg)),
	                 -1);
	assert_non_null(strstr(msg, "checksum: segment from the stack has a "
	                            "bad TCP checksum (0x"));
	/* ...unless the checksum check is off. */
	assert_int_equal(run_check_invariants(b, n, false, msg, sizeof(msg)),
	                 0);

	/* MUST-2: a bad IPv4 header checksum. */
	n = inv_pkt(b, NULL, 0, TCP_FLAG_SYN | TCP_FLAG_ACK);
	b[10] ^= 0x40;
	assert_int_equal(run_check_invariants(b, n, true, msg, sizeof(msg)),
	                 -1);
	assert_non_null(strstr(msg, "IPv4 header checksum"));

	/* MUST-65: MSS on a pure ACK. */
	n = inv_pkt(b, NULL, 0, TCP_FLAG_ACK);
	assert_int_equal(run_check_invariants(b, n, true, msg, sizeof(msg)),
	                 -1);
	assert_non_null(strstr(msg, "MUST-65"));

	/* MUST-68: an option kind without a valid length. */
	{
		static const uint8_t o[] = { 1, 1, 8, 0 };
		n = inv_pkt(b, o, sizeof(o), TCP_FLAG_ACK);
		assert_int_equal(run_check_invariants(b, n, true, msg,
		                                      sizeof(msg)),
		                 -1);
		assert_non_null(strstr(msg, "kind 8 at offset 2"));
		assert_non_null(strstr(msg, "MUST-68"));
	}
	/* MUST-69: junk after EOL; zero padding after EOL passes. */
	{
		static const uint8_t bad[] = { 1, 0, 0, 7 };
		static const uint8_t good[] = { 1, 0, 0, 0 };
		n = inv_pkt(b, bad, sizeof(bad), TCP_FLAG_ACK);
		assert_int_equal(run_check_invariants(b, n, true, msg,
		                                      sizeof(msg)),
		                 -1);
		assert_non_null(strstr(msg, "after EOL (MUST-69)"));
		n = inv_pkt(b, good, sizeof(good), TCP_FLAG_ACK);
		assert_int_equal(run_check_invariants(b, n, true, msg,
		                                      sizeof(msg)),
		                 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_handshake_accept_close_passes),
		cmocka_unit_test(
		    test_closed_nonblocking_connect_einprogress_passes),
		cmocka_unit_test(
		    test_closed_blocking_connect_returns_on_synack_passes),
		cmocka_unit_test(test_established_write_read_passes),
		cmocka_unit_test(test_ecn_codepoints_and_ip_fields_checked),
		cmocka_unit_test(test_ip_level_sockopts_errors),
		cmocka_unit_test(test_established_linger_zero_close_sends_rst),
		cmocka_unit_test(test_commands_not_run_noted_once),
		cmocka_unit_test(test_requires_legacy_on_default_profile_skips),
		cmocka_unit_test(
		    test_synrcvd_synack_retransmitted_with_same_isn_passes),
		cmocka_unit_test(test_synrcvd_wrong_ack_fails_with_field),
		cmocka_unit_test(test_established_ts_ecr_mismatch_fails),
		cmocka_unit_test(test_established_unexpected_segment_fails),
		cmocka_unit_test(test_established_segment_left_at_end_fails),
		cmocka_unit_test(
		    test_established_missing_segment_says_what_came),
		cmocka_unit_test(test_listen_nothing_sent_missing_fails),
		cmocka_unit_test(test_syscall_return_mismatch_fails),
		cmocka_unit_test(test_poll_revents_mismatch_fails),
		cmocka_unit_test(test_synrcvd_early_segment_fails_on_time),
		cmocka_unit_test(test_listen_blocking_accept_wrong_time_fails),
		cmocka_unit_test(test_second_call_while_blocked_fails),
		cmocka_unit_test(
		    test_time_wait_four_minutes_runs_in_virtual_time),
		cmocka_unit_test(test_two_runs_identical_raw_packets),
		cmocka_unit_test(test_invariants_catch_bad_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
