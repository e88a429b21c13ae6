/* SPDX-License-Identifier: MIT
 *
 * Tests of the parser (script.c) for the IP-level parts of the language
 * (conformance/SYNTAX.md, "Broken segments" and "ICMP errors"): "< icmp"
 * lines with every type and code name, numbers, mtu and the quoted range,
 * the "// shakedown:" words src=, dst=, ipopts=, qsport=, qdport= and
 * isn_delta= with their parsed fields, and the exact message and column of
 * each error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The one packet of a script of one line. */
static const struct script_packet *only_pkt(const struct script *s)
{
	assert_int_equal(s->event_n, 1);
	assert_int_equal(s->events[0].kind, SCRIPT_EV_PACKET);
	return &s->events[0].u.pkt;
}

/* text must be rejected at line:col with exactly msg. */
static void check_err(const char *text, int line, int col, const char *msg,
                      const char *file, int at)
{
	struct script s;
	struct diag d;

	if (script_parse(&s, "t.pkt", text, strlen(text), &d) == 0) {
		script_free(&s);
		fail_msg("%s:%d: parsed, expected %d:%d: %s", file, at, line,
		         col, msg);
	}
	assert_int_equal(s.event_n, 0);
	if (d.line != line || d.col != col || strcmp(d.msg, msg) != 0)
		fail_msg("%s:%d:\n  want %d:%d: %s\n  got  %d:%d: %s", file, at,
		         line, col, msg, d.line, d.col, d.msg);
	assert_string_equal(d.file, "t.pkt");
}

#define assert_err(text, line, col, msg)                                       \
	check_err((text), (line), (col), (msg), __FILE__, __LINE__)

/* The column of the first occurrence of needle in a one-line text. */
static int col_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);

	assert_non_null(at);
	return (int)(at - text) + 1;
}

#define BRK_WORDS                                                              \
	"bad_csum, csum=, opts=, doff=, src=, dst=, ipopts=, qsport=, "        \
	"qdport=, isn_delta=, tos= or ttl="
#define TYPE_WORDS                                                             \
	"an ICMP type (unreachable, source_quench, time_exceeded, "            \
	"parameter_problem, packet_too_big or a number)"
#define UNREACH_WORDS                                                          \
	"an unreachable code (net_unreachable, host_unreachable, "             \
	"protocol_unreachable, port_unreachable, frag_needed, ... or a "       \
	"number)"
#define TIME_WORDS                                                             \
	"a time_exceeded code (ttl_exceeded, reassembly_timeout or a number)"

/* ===== ICMP lines: types and codes ===== */

/* SYNTAX.md's table: each unreachable code, ICMP and ICMPv6 numbers. */
static const struct {
	const char *name;
	int code4, type6, code6; /* type6 -1: no ICMPv6 counterpart */
} unreach[] = {
	{ "net_unreachable", 0, 1, 0 },
	{ "host_unreachable", 1, 1, 3 },
	{ "protocol_unreachable", 2, -1, -1 },
	{ "port_unreachable", 3, 1, 4 },
	{ "frag_needed", 4, 2, 0 }, /* ICMPv6 Packet Too Big */
	{ "source_route_failed", 5, -1, -1 },
	{ "net_unknown", 6, 1, 0 },
	{ "host_unknown", 7, 1, 3 },
	{ "host_isolated", 8, -1, -1 },
	{ "net_prohibited", 9, 1, 1 },
	{ "host_prohibited", 10, 1, 1 },
	{ "net_tos", 11, -1, -1 },
	{ "host_tos", 12, -1, -1 },
	{ "admin_prohibited", 13, 1, 1 },
};

static void test_icmp_unreachable_every_code_name(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unreach) / sizeof(unreach[0]); i++) {
		char text[160], name[64];
		const struct script_packet *p;
		struct script s;

		snprintf(text, sizeof(text),
		         "0 < icmp unreachable %s [0:0(0)]\n", unreach[i].name);
		parse_ok(&s, text);
		p = only_pkt(&s);
		assert_int_equal(p->dir, '<');
		assert_true(p->is_icmp);
		assert_int_equal(p->icmp.type4, 3);
		assert_int_equal(p->icmp.code4, unreach[i].code4);
		assert_int_equal(p->icmp.type6, unreach[i].type6);
		if (unreach[i].type6 >= 0)
			assert_int_equal(p->icmp.code6, unreach[i].code6);
		snprintf(name, sizeof(name), "unreachable %s", unreach[i].name);
		/* In full: test_icmp_name_holds_type_and_code_in_full. */
		assert_int_equal(strncmp(p->icmp.name, name,
		                         SCRIPT_NAME_MAX - 1),
		                 0);
		assert_false(p->icmp.has_mtu);
		assert_int_equal(p->seq_start, 0);
		assert_int_equal(p->seq_end, 0);
		assert_int_equal(p->len, 0);
		assert_false(p->brk.set);
		assert_int_equal(s.events[0].line, 1);
		assert_int_equal(s.events[0].col, 1);
		script_free(&s);
	}
}

static void test_icmp_other_types_and_codes(void **state)
{
	static const struct {
		const char *line, *name;
		int type4, code4, type6, code6; /* -1: none */
	} t[] = {
		{ "0 < icmp unreachable [0:0(0)]\n", "unreachable", 3, 0, 1,
		  0 },
		{ "0 < icmp source_quench [1:1001(1000)]\n", "source_quench", 4,
		  0, -1, -1 },
		{ "0 < icmp time_exceeded [1:1001(1000)]\n", "time_exceeded",
		  11, 0, 3, 0 },
		{ "0 < icmp time_exceeded ttl_exceeded [0:0(0)]\n",
		  "time_exceeded ttl_exceeded", 11, 0, 3, 0 },
		{ "0 < icmp time_exceeded reassembly_timeout [0:0(0)]\n",
		  "time_exceeded reassembly_timeout", 11, 1, 3, 1 },
		{ "0 < icmp parameter_problem [0:0(0)]\n", "parameter_problem",
		  12, 0, 4, 0 },
		{ "0 < icmp parameter_problem 20 [0:0(0)]\n",
		  "parameter_problem 20", 12, 20, 4, 20 },
		{ "0 < icmp packet_too_big [0:0(0)]\n", "packet_too_big", -1,
		  -1, 2, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct script_packet *p;
		struct script s;

		parse_ok(&s, t[i].line);
		p = only_pkt(&s);
		assert_true(p->is_icmp);
		assert_int_equal(strncmp(p->icmp.name, t[i].name,
		                         SCRIPT_NAME_MAX - 1),
		                 0);
		assert_int_equal(p->icmp.type4, t[i].type4);
		if (t[i].type4 >= 0)
			assert_int_equal(p->icmp.code4, t[i].code4);
		assert_int_equal(p->icmp.type6, t[i].type6);
		if (t[i].type6 >= 0)
			assert_int_equal(p->icmp.code6, t[i].code6);
		script_free(&s);
	}
}

/*
 * (Found by this test, since fixed.) struct script_icmp's name is "unreachable
 * port_unreachable", the type and code as written, and the runner prints
 * it in "(no ICMPv6 counterpart)" failures and on the ladder; but it is
 * cut at SCRIPT_NAME_MAX - 1 = 31 characters, so two valid names of
 * SYNTAX.md's table lose their last letter ("unreachable
 * protocol_unreachabl", "time_exceeded reassembly_timeou").
 */
static void test_icmp_name_holds_type_and_code_in_full(void **state)
{
	static const char *const names[] = {
		"unreachable source_route_failed",
		"unreachable protocol_unreachable",
		"time_exceeded reassembly_timeout",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct script_icmp got;
		char text[128];
		struct script s;

		snprintf(text, sizeof(text), "0 < icmp %s [0:0(0)]\n",
		         names[i]);
		parse_ok(&s, text);
		got = only_pkt(&s)->icmp;
		script_free(&s);
		assert_string_equal(got.name, names[i]);
	}
}

static void test_icmp_numeric_types_and_codes_taken_as_is(void **state)
{
	const struct script_packet *p;
	struct script s;

	(void)state;
	/* A number is the same number in either family. */
	parse_ok(&s, "0 < icmp 3 3 [0:0(0)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.type4, 3);
	assert_int_equal(p->icmp.code4, 3);
	assert_int_equal(p->icmp.type6, 3);
	assert_int_equal(p->icmp.code6, 3);
	assert_string_equal(p->icmp.name, "3 3");
	script_free(&s);
	parse_ok(&s, "0 < icmp 255 0xff [0:0(0)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.type4, 255);
	assert_int_equal(p->icmp.type6, 255);
	assert_int_equal(p->icmp.code4, 255);
	assert_int_equal(p->icmp.code6, 255);
	script_free(&s);
	parse_ok(&s, "0 < icmp 0 [0:0(0)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.type4, 0);
	assert_int_equal(p->icmp.type6, 0);
	assert_int_equal(p->icmp.code4, 0);
	assert_int_equal(p->icmp.code6, 0);
	script_free(&s);
	/* A numeric code 4 is code 4 in ICMPv6 too: no Packet Too Big. */
	parse_ok(&s, "0 < icmp unreachable 4 mtu 1200 [0:0(0)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.type4, 3);
	assert_int_equal(p->icmp.code4, 4);
	assert_int_equal(p->icmp.type6, 1);
	assert_int_equal(p->icmp.code6, 4);
	assert_true(p->icmp.has_mtu);
	assert_int_equal(p->icmp.mtu, 1200);
	assert_string_equal(p->icmp.name, "unreachable 4");
	script_free(&s);
	/* A numeric type 3 still takes the unreachable code names. */
	parse_ok(&s, "0 < icmp 3 port_unreachable [0:0(0)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.type4, 3);
	assert_int_equal(p->icmp.code4, 3);
	assert_int_equal(p->icmp.code6, 4);
	script_free(&s);
}

static void test_icmp_frag_needed_is_packet_too_big_in_v6(void **state)
{
	const struct script_packet *p;
	struct script s;

	(void)state;
	parse_ok(&s, "0 < icmp unreachable frag_needed mtu 1200 "
	             "[1:1461(1460)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.type4, 3);
	assert_int_equal(p->icmp.code4, 4);
	assert_int_equal(p->icmp.type6, 2);
	assert_int_equal(p->icmp.code6, 0);
	assert_true(p->icmp.has_mtu);
	assert_int_equal(p->icmp.mtu, 1200);
	assert_string_equal(p->icmp.name, "unreachable frag_needed");
	assert_int_equal(p->seq_start, 1);
	assert_int_equal(p->seq_end, 1461);
	assert_int_equal(p->len, 1460);
	script_free(&s);
	/* mtu at both ends of its range, and without a code. */
	parse_ok(&s, "0 < icmp unreachable frag_needed mtu 65535 [0:0(0)]\n");
	assert_int_equal(only_pkt(&s)->icmp.mtu, 65535);
	script_free(&s);
	parse_ok(&s, "0 < icmp packet_too_big mtu 0 [0:0(0)]\n");
	p = only_pkt(&s);
	assert_true(p->icmp.has_mtu);
	assert_int_equal(p->icmp.mtu, 0);
	assert_string_equal(p->icmp.name, "packet_too_big");
	script_free(&s);
	parse_ok(&s, "0 < icmp unreachable mtu 576 [0:0(0)]\n");
	p = only_pkt(&s);
	assert_int_equal(p->icmp.code4, 0);
	assert_true(p->icmp.has_mtu);
	assert_int_equal(p->icmp.mtu, 576);
	assert_string_equal(p->icmp.name, "unreachable");
	script_free(&s);
}

static void test_icmp_quoted_range_forms(void **state)
{
	const struct script_packet *p;
	struct script s;

	(void)state;
	/* Blanks inside the brackets; a range that wraps; a comment. */
	parse_ok(&s, "0 < icmp time_exceeded [ 4294967295:9(10) ] // x\n");
	p = only_pkt(&s);
	assert_int_equal(p->seq_start, 4294967295u);
	assert_int_equal(p->seq_end, 9);
	assert_int_equal(p->len, 10);
	assert_false(p->brk.set);
	script_free(&s);
	/* Among other events, with relative times. */
	parse_ok(&s, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	             "+.1 < icmp source_quench [1:1001(1000)]\n"
	             "+0 close(3) = 0\n");
	assert_int_equal(s.event_n, 3);
	assert_int_equal(s.events[1].kind, SCRIPT_EV_PACKET);
	assert_true(s.events[1].u.pkt.is_icmp);
	assert_int_equal(s.events[1].line, 2);
	assert_int_equal(s.events[1].time.kind, SCRIPT_TIME_REL);
	assert_int_equal(s.events[1].time.start_us, 100000);
	script_free(&s);
	/* A TCP segment is not an ICMP one. */
	parse_ok(&s, "0 < S 0:0(0) win 1000\n");
	assert_false(only_pkt(&s)->is_icmp);
	script_free(&s);
}

/* ===== "// shakedown:" IP-level words ===== */

static void test_shakedown_src_dst_v4_v6(void **state)
{
	static const uint8_t s4[4] = { 198, 51, 100, 1 };
	static const uint8_t d4[4] = { 192, 0, 2, 255 };
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		                        0,    0,    0,    0,    0, 0, 0, 0x99 };
	static const uint8_t d6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
		                        0,    0,    0, 0, 0, 0, 0, 1 };
	const struct script_break *b;
	struct script s;

	(void)state;
	parse_ok(&s, "0 < S 0:0(0) win 1000 // shakedown: src=198.51.100.1 "
	             "dst=192.0.2.255\n"
	             "+0 < S 0:0(0) win 1000 // shakedown: dst=ff02::1 "
	             "src=2001:db8::99\n"
	             "+0 < icmp unreachable port_unreachable [0:0(0)] // "
	             "shakedown: src=198.51.100.1\n");
	assert_int_equal(s.event_n, 3);
	b = &s.events[0].u.pkt.brk;
	assert_true(b->set && b->has_src && b->has_dst);
	assert_int_equal(b->src.family, TCP_AF_INET);
	assert_memory_equal(b->src.a, s4, 4);
	assert_int_equal(b->dst.family, TCP_AF_INET);
	assert_memory_equal(b->dst.a, d4, 4);
	assert_false(b->bad_csum || b->has_csum || b->has_opts || b->has_doff);
	assert_int_equal(b->ipopt_len, 0);
	b = &s.events[1].u.pkt.brk;
	assert_int_equal(b->src.family, TCP_AF_INET6);
	assert_memory_equal(b->src.a, s6, 16);
	assert_int_equal(b->dst.family, TCP_AF_INET6);
	assert_memory_equal(b->dst.a, d6, 16);
	b = &s.events[2].u.pkt.brk;
	assert_true(s.events[2].u.pkt.is_icmp);
	assert_true(b->set && b->has_src && !b->has_dst);
	assert_memory_equal(b->src.a, s4, 4);
	script_free(&s);
}

static void test_shakedown_ipopts_bytes(void **state)
{
	static const uint8_t want[] = { 0x83, 0x0b, 0x0c, 0xc0, 0x00, 0x02,
		                        0x05, 0xc0, 0x00, 0x02, 0x06 };
	const struct script_break *b;
	struct script s;
	char text[256];
	int i, n;

	(void)state;
	parse_ok(&s, "0 < S 0:0(0) win 1000 // shakedown: "
	             "ipopts=830b0cc0000205c0000206\n"
	             "+0 < S 0:0(0) win 1000 // shakedown: "
	             "ipopts=83,0b,0C,C0,00,02,05,c0,00,02,06\n"
	             "+0 < S 0:0(0) win 1000 // shakedown: ipopts=94\n");
	b = &s.events[0].u.pkt.brk;
	assert_true(b->set);
	assert_int_equal(b->ipopt_len, sizeof(want));
	assert_memory_equal(b->ipopts, want, sizeof(want));
	assert_false(b->no_ipopts);
	b = &s.events[1].u.pkt.brk;
	assert_int_equal(b->ipopt_len, sizeof(want));
	assert_memory_equal(b->ipopts, want, sizeof(want));
	b = &s.events[2].u.pkt.brk;
	assert_int_equal(b->ipopt_len, 1);
	assert_int_equal(b->ipopts[0], 0x94);
	script_free(&s);
	/* 40 bytes, the most IPv4 has room for. */
	n = snprintf(text, sizeof(text),
	             "0 < S 0:0(0) win 1000 // shakedown: ipopts=");
	for (i = 0; i < 40; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%02x", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	parse_ok(&s, text);
	b = &s.events[0].u.pkt.brk;
	assert_int_equal(b->ipopt_len, 40);
	for (i = 0; i < 40; i++)
		assert_int_equal(b->ipopts[i], i);
	script_free(&s);
}

/*
 * (Found by this test, since fixed.) SYNTAX.md ("Broken segments") says
 * isn_delta= is the only word for outbound packets and does not describe
 * dst= (the first hop expected), ipopts=HEX (the IP options expected) or
 * ipopts=none (no IP options) on an outbound line, which script.c, run.c
 * and the sroute vectors use. These tests follow the implementation.
 */
static void test_shakedown_outbound_dst_ipopts_and_none(void **state)
{
	static const uint8_t hop[4] = { 192, 0, 2, 6 };
	static const uint8_t want[] = { 0x83, 0x0b, 0x04, 0xc0, 0x00, 0x02,
		                        0x05, 0xc0, 0x00, 0x02, 0x02 };
	const struct script_break *b;
	struct script s;

	(void)state;
	parse_ok(&s, "0 > S. 0:0(0) ack 1 <mss 1460> // shakedown: "
	             "dst=192.0.2.6 ipopts=830b04c0000205c0000202\n"
	             "+0 > . 1:1(0) ack 1 // shakedown: ipopts=none\n");
	b = &s.events[0].u.pkt.brk;
	assert_int_equal(s.events[0].u.pkt.dir, '>');
	assert_true(b->set && b->has_dst && !b->has_src);
	assert_int_equal(b->dst.family, TCP_AF_INET);
	assert_memory_equal(b->dst.a, hop, 4);
	assert_int_equal(b->ipopt_len, sizeof(want));
	assert_memory_equal(b->ipopts, want, sizeof(want));
	assert_false(b->no_ipopts);
	b = &s.events[1].u.pkt.brk;
	assert_true(b->set && b->no_ipopts);
	assert_int_equal(b->ipopt_len, 0);
	assert_false(b->has_dst);
	script_free(&s);
}

static void test_shakedown_qsport_qdport(void **state)
{
	const struct script_break *b;
	struct script s;

	(void)state;
	parse_ok(&s, "0 < icmp unreachable port_unreachable [0:0(0)] // "
	             "shakedown: qsport=8081 qdport=0x9c41\n"
	             "+0 < icmp time_exceeded [0:0(0)] // shakedown: "
	             "qdport=0\n"
	             "+0 < icmp time_exceeded [0:0(0)] // shakedown: "
	             "qsport=65535\n");
	b = &s.events[0].u.pkt.brk;
	assert_true(b->set && b->has_qsport && b->has_qdport);
	assert_int_equal(b->qsport, 8081);
	assert_int_equal(b->qdport, 40001);
	b = &s.events[1].u.pkt.brk;
	assert_true(!b->has_qsport && b->has_qdport);
	assert_int_equal(b->qdport, 0);
	b = &s.events[2].u.pkt.brk;
	assert_true(b->has_qsport && !b->has_qdport);
	assert_int_equal(b->qsport, 65535);
	script_free(&s);
}

static void test_shakedown_isn_delta_range(void **state)
{
	const struct script_break *b;
	struct script s;

	(void)state;
	parse_ok(&s, "0 > S 0:0(0) <...> // shakedown: "
	             "isn_delta=225000~2147483647\n"
	             "+0 > S 0:0(0) <...> // shakedown: isn_delta=0x10~0x20\n"
	             "+0 > S 0:0(0) <...> // shakedown: "
	             "isn_delta=0~4294967295\n"
	             "+0 > S 0:0(0) <...> // shakedown: isn_delta=7~7 "
	             "dst=192.0.2.7 ipopts=830704c0000202\n");
	b = &s.events[0].u.pkt.brk;
	assert_true(b->set && b->has_isn_delta);
	assert_int_equal(b->isn_delta_min, 225000);
	assert_int_equal(b->isn_delta_max, 2147483647u);
	b = &s.events[1].u.pkt.brk;
	assert_int_equal(b->isn_delta_min, 16);
	assert_int_equal(b->isn_delta_max, 32);
	b = &s.events[2].u.pkt.brk;
	assert_int_equal(b->isn_delta_min, 0);
	assert_int_equal(b->isn_delta_max, 4294967295u);
	b = &s.events[3].u.pkt.brk;
	assert_int_equal(b->isn_delta_min, 7);
	assert_int_equal(b->isn_delta_max, 7);
	assert_true(b->has_dst);
	assert_int_equal(b->ipopt_len, 7);
	script_free(&s);
}

/* ===== Errors: ICMP lines ===== */

static void test_icmp_errors(void **state)
{
	const char *t;

	(void)state;
	t = "0 > icmp unreachable port_unreachable [0:0(0)]\n";
	assert_err(t, 1, 5,
	           "ICMP from the stack ('> icmp') is not checked: only "
	           "inbound ICMP errors ('< icmp') exist");
	t = "0 < icmp\n";
	assert_err(t, 1, 9, "expected " TYPE_WORDS ", got end of line");
	t = "0 < icmp redirect [0:0(0)]\n";
	assert_err(t, 1, 10, "expected " TYPE_WORDS ", got 'redirect'");
	t = "0 < icmp [0:0(0)]\n";
	assert_err(t, 1, 10, "expected " TYPE_WORDS ", got '['");
	t = "0 < icmp unreachable port_closed [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "port_closed"),
	           "expected " UNREACH_WORDS ", got 'port_closed'");
	/* Code names of one type are not codes of another. */
	t = "0 < icmp time_exceeded port_unreachable [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "port_"),
	           "expected " TIME_WORDS ", got 'port_unreachable'");
	t = "0 < icmp unreachable ttl_exceeded [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "ttl_"),
	           "expected " UNREACH_WORDS ", got 'ttl_exceeded'");
	t = "0 < icmp source_quench port_unreachable [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "port_"),
	           "expected a code number, got 'port_unreachable'");
	t = "0 < icmp parameter_problem bad_length [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "bad_"),
	           "expected a code number, got 'bad_length'");
	/* Numbers above 255. */
	t = "0 < icmp unreachable 256 [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "256"),
	           "ICMP code 256 is out of range (at most 255)");
	t = "0 < icmp 300 [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "300"),
	           "ICMP type 300 is out of range (at most 255)");
	/* mtu. */
	t = "0 < icmp unreachable frag_needed mtu 65536 [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "65536"),
	           "mtu 65536 is out of range (at most 65535)");
	t = "0 < icmp unreachable frag_needed mtu [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "["),
	           "expected a number after 'mtu', got '['");
	t = "0 < icmp unreachable frag_needed mtu 1 mtu 2 [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "mtu 2"),
	           "expected the quoted segment '[start:end(length)]', got "
	           "'mtu'");
	t = "0 < icmp unreachable port_unreachable size 4 [0:0(0)]\n";
	assert_err(t, 1, col_of(t, "size"),
	           "expected 'mtu N' or the quoted segment "
	           "'[start:end(length)]', got 'size'");
	/* The quote. */
	t = "0 < icmp unreachable host_unreachable\n";
	assert_err(t, 1, (int)strlen(t),
	           "expected the quoted segment '[start:end(length)]', got "
	           "end of line");
	t = "0 < icmp time_exceeded [1:11(9)]\n";
	assert_err(t, 1, col_of(t, "1:11"),
	           "sequence range 1:11 spans 10 bytes but the length says 9");
	t = "0 < icmp time_exceeded [1:11]\n";
	assert_err(t, 1, col_of(t, "]"),
	           "expected '(' and the length in 'start:end(length)', got "
	           "']'");
	t = "0 < icmp time_exceeded [1:11(10)\n";
	assert_err(t, 1, (int)strlen(t),
	           "expected ']' after the quoted segment, got end of line");
	t = "0 < icmp time_exceeded [1:4294967296(10)]\n";
	assert_err(t, 1, col_of(t, "4294967296"),
	           "sequence number 4294967296 is out of range (at most "
	           "4294967295)");
	/* Nothing after the quote but a comment. */
	t = "0 < icmp unreachable port_unreachable [0:0(0)] win 5\n";
	assert_err(t, 1, col_of(t, "win"),
	           "expected the end of the line after the quoted segment, "
	           "got 'win'");
	t = "0 < icmp unreachable port_unreachable [0:0(0)] <mss 1000>\n";
	assert_err(t, 1, col_of(t, "<mss"),
	           "expected the end of the line after the quoted segment, "
	           "got '<'");
	/* On the second line of a script: the line is counted. */
	t = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0 < icmp echo_reply [0:0(0)]\n";
	assert_err(t, 2, 11, "expected " TYPE_WORDS ", got 'echo_reply'");
}

/* ===== Errors: "// shakedown:" words ===== */

static void test_shakedown_errors_unknown_and_twice(void **state)
{
	const char *t;

	(void)state;
	t = "0 < S 0:0(0) win 1000 // shakedown: hops=3\n";
	assert_err(t, 1, col_of(t, "hops"),
	           "expected " BRK_WORDS
	           " in a 'shakedown:' comment, got 'hops=3'");
	/* A value word without its value is no word. */
	t = "0 < S 0:0(0) win 1000 // shakedown: src\n";
	assert_err(t, 1, col_of(t, "src"),
	           "expected " BRK_WORDS
	           " in a 'shakedown:' comment, got 'src'");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown:\n";
	assert_err(t, 1, (int)strlen(t),
	           "expected " BRK_WORDS " after 'shakedown:', got the end of "
	           "the line");
	t = "0 < S 0:0(0) win 1000 // shakedown: src=192.0.2.9 "
	    "src=192.0.2.8\n";
	assert_err(t, 1, col_of(t, "src=192.0.2.8"),
	           "'src=' given twice in a 'shakedown:' comment");
	t = "0 < S 0:0(0) win 1000 // shakedown: dst=192.0.2.9 "
	    "dst=192.0.2.9\n";
	assert_err(t, 1, col_of(t, "dst=192.0.2.9 dst") + 14,
	           "'dst=' given twice in a 'shakedown:' comment");
	t = "0 < S 0:0(0) win 1000 // shakedown: ipopts=01 ipopts=01\n";
	assert_err(t, 1, col_of(t, "ipopts=01 ") + 10,
	           "'ipopts=' given twice in a 'shakedown:' comment");
	t = "0 > . 1:1(0) ack 1 // shakedown: ipopts=none ipopts=none\n";
	assert_err(t, 1, col_of(t, "ipopts=none ") + 12,
	           "'ipopts=' given twice in a 'shakedown:' comment");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: qsport=1 "
	    "qsport=2\n";
	assert_err(t, 1, col_of(t, "qsport=2"),
	           "'qsport=' given twice in a 'shakedown:' comment");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: qdport=1 "
	    "qdport=2\n";
	assert_err(t, 1, col_of(t, "qdport=2"),
	           "'qdport=' given twice in a 'shakedown:' comment");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=1~2 isn_delta=1~2\n";
	assert_err(t, 1, col_of(t, "isn_delta=1~2 ") + 14,
	           "'isn_delta=' given twice in a 'shakedown:' comment");
}

static void test_shakedown_errors_wrong_direction_or_kind(void **state)
{
	const char *t;

	(void)state;
	/* Inbound words after an outbound packet. */
	t = "0 > S. 0:0(0) ack 1 <...> // shakedown: src=192.0.2.9\n";
	assert_err(t, 1, col_of(t, "src="),
	           "'src' applies to inbound ('<') packets only");
	t = "0 > S. 0:0(0) ack 1 <...> // shakedown: opts=fe00\n";
	assert_err(t, 1, col_of(t, "opts="),
	           "'opts' applies to inbound ('<') packets only");
	t = "0 > S. 0:0(0) ack 1 <...> // shakedown: doff=5\n";
	assert_err(t, 1, col_of(t, "doff="),
	           "'doff' applies to inbound ('<') packets only");
	t = "0 > S. 0:0(0) ack 1 <...> // shakedown: csum=1\n";
	assert_err(t, 1, col_of(t, "csum="),
	           "'csum' applies to inbound ('<') packets only");
	t = "0 > S. 0:0(0) ack 1 <...> // shakedown: qsport=1\n";
	assert_err(t, 1, col_of(t, "qsport="),
	           "'qsport' applies to inbound ('<') packets only");
	/* isn_delta= only on an outbound SYN. */
	t = "0 > S. 0:0(0) ack 1 <...> // shakedown: isn_delta=1~2\n";
	assert_err(t, 1, col_of(t, "isn_delta"),
	           "'isn_delta=' applies to an outbound SYN ('> S') only");
	t = "0 > . 1:1(0) ack 1 // shakedown: isn_delta=1~2\n";
	assert_err(t, 1, col_of(t, "isn_delta"),
	           "'isn_delta=' applies to an outbound SYN ('> S') only");
	t = "0 < S 0:0(0) win 1000 // shakedown: isn_delta=1~2\n";
	assert_err(t, 1, col_of(t, "isn_delta"),
	           "'isn_delta=' applies to an outbound SYN ('> S') only");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: isn_delta=1~2\n";
	assert_err(t, 1, col_of(t, "isn_delta"),
	           "'isn_delta=' applies to an outbound SYN ('> S') only");
	/* TCP words on an ICMP error. */
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: bad_csum\n";
	assert_err(t, 1, col_of(t, "bad_csum"),
	           "'bad_csum' applies to TCP segments, not to ICMP");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: csum=0x1234\n";
	assert_err(t, 1, col_of(t, "csum="),
	           "'csum' applies to TCP segments, not to ICMP");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: opts=fe00\n";
	assert_err(t, 1, col_of(t, "opts="),
	           "'opts' applies to TCP segments, not to ICMP");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: src=192.0.2.9 "
	    "doff=5\n";
	assert_err(t, 1, col_of(t, "doff="),
	           "'doff' applies to TCP segments, not to ICMP");
	/* ICMP words on a TCP segment. */
	t = "0 < S 0:0(0) win 1000 // shakedown: qdport=80\n";
	assert_err(t, 1, col_of(t, "qdport"),
	           "'qdport' applies to ICMP errors ('< icmp') only");
	t = "0 < . 1:1(0) ack 1 win 1000 // shakedown: qsport=80\n";
	assert_err(t, 1, col_of(t, "qsport"),
	           "'qsport' applies to ICMP errors ('< icmp') only");
	/* Only after a packet on its own line. */
	t = "0 close(3) = 0 // shakedown: src=192.0.2.9\n";
	assert_err(t, 1, col_of(t, "shakedown"),
	           "a 'shakedown:' comment applies to packets only");
	t = "// shakedown: src=192.0.2.9\n0 < S 0:0(0) win 1000\n";
	assert_err(t, 1, 4,
	           "a 'shakedown:' comment must follow a packet on the same "
	           "line");
}

static void test_shakedown_errors_values(void **state)
{
	const char *t;

	(void)state;
	/* Addresses. */
	t = "0 < S 0:0(0) win 1000 // shakedown: src=192.0.2.300\n";
	assert_err(t, 1, col_of(t, "192.0.2.300"),
	           "expected an IPv4 or IPv6 address after 'src=', got "
	           "'192.0.2.300'");
	t = "0 < S 0:0(0) win 1000 // shakedown: dst=host.example\n";
	assert_err(t, 1, col_of(t, "host"),
	           "expected an IPv4 or IPv6 address after 'dst=', got "
	           "'host.example'");
	t = "0 < S 0:0(0) win 1000 // shakedown: dst=\n";
	assert_err(t, 1, (int)strlen(t),
	           "expected an IPv4 or IPv6 address after 'dst=', got "
	           "nothing");
	t = "0 < S 0:0(0) win 1000 // shakedown: "
	    "src=2001:0db8:0000:0000:0000:0000:0000:0001:0000:0000\n";
	assert_err(t, 1, col_of(t, "2001"),
	           "expected an IPv4 or IPv6 address after 'src=', got "
	           "a longer word");
	t = "0 < S 0:0(0) win 1000 // shakedown: src=2001:db8::1::2\n";
	assert_err(t, 1, col_of(t, "2001"),
	           "expected an IPv4 or IPv6 address after 'src=', got "
	           "'2001:db8::1::2'");
	/* ipopts=. */
	t = "0 < S 0:0(0) win 1000 // shakedown: ipopts=\n";
	assert_err(t, 1, (int)strlen(t),
	           "expected hex option bytes after 'ipopts=' (e.g. "
	           "ipopts=fe00), got nothing");
	t = "0 < S 0:0(0) win 1000 // shakedown: ipopts=8307zz\n";
	assert_err(t, 1, col_of(t, "zz"),
	           "expected a hex digit in 'ipopts=', got 'z'");
	t = "0 < S 0:0(0) win 1000 // shakedown: ipopts=830\n";
	assert_err(t, 1, col_of(t, "0\n"),
	           "expected two hex digits per option byte in 'ipopts=', got "
	           "an odd number");
	t = "0 < S 0:0(0) win 1000 // shakedown: ipopts=83,\n";
	assert_err(t, 1, (int)strlen(t),
	           "expected a hex byte after ',' in 'ipopts=', got nothing");
	/* "none" is for outbound lines only. */
	t = "0 < S 0:0(0) win 1000 // shakedown: ipopts=none\n";
	assert_err(t, 1, col_of(t, "none"),
	           "expected a hex digit in 'ipopts=', got 'n'");
	t = "0 < S 0:0(0) win 1000 // shakedown: "
	    "ipopts=0101010101010101010101010101010101010101010101010101010101"
	    "010101010101010101010101\n";
	assert_err(t, 1, col_of(t, "ipopts=") + 7 + 80,
	           "too many option bytes in 'ipopts=' (at most 40)");
	/* Ports. */
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: qsport=65536\n";
	assert_err(t, 1, col_of(t, "65536"),
	           "qsport=65536 is out of range (at most 65535)");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: qdport=8o\n";
	assert_err(t, 1, col_of(t, "o\n"),
	           "expected a decimal digit in 'qdport=', got 'o'");
	t = "0 < icmp time_exceeded [0:0(0)] // shakedown: qdport=0x\n";
	assert_err(t, 1, col_of(t, "x\n"),
	           "expected a decimal digit in 'qdport=', got 'x'");
	/* isn_delta=. */
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=5\n";
	assert_err(t, 1, col_of(t, "5\n"),
	           "expected 'MIN~MAX' after 'isn_delta=' (e.g. "
	           "isn_delta=250000~2147483647)");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=5~\n";
	assert_err(t, 1, col_of(t, "~") + 1,
	           "expected a number after 'isn_delta=', got nothing");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=~5\n";
	assert_err(t, 1, col_of(t, "~"),
	           "expected a number after 'isn_delta=', got nothing");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=5~2\n";
	assert_err(t, 1, col_of(t, "5~"), "isn_delta=5~2: the range is empty");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=1~x\n";
	assert_err(t, 1, col_of(t, "x"),
	           "expected a decimal digit in 'isn_delta=', got 'x'");
}

/*
 * (Found by this test, since fixed.) SYNTAX.md ("Broken segments") makes "a
 * number out of range" an error, "never wrapped". brk_number() in script.c
 * keeps the value in 32 bits and compares it with the maximum after each digit,
 * so with the maximum 2^32 - 1 of isn_delta= a larger number wraps instead
 * (4294967296 becomes 0, 99999999999 becomes 1215752191) and is taken.
 */
static void test_shakedown_isn_delta_above_32_bits_refused(void **state)
{
	const char *t;

	(void)state;
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=0~4294967296\n";
	assert_err(t, 1, col_of(t, "4294967296"),
	           "isn_delta=4294967296 is out of range (at most "
	           "4294967295)");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=0~99999999999\n";
	assert_err(t, 1, col_of(t, "99999999999"),
	           "isn_delta=99999999999 is out of range (at most "
	           "4294967295)");
	t = "0 > S 0:0(0) <...> // shakedown: isn_delta=0x100000000~1\n";
	assert_err(t, 1, col_of(t, "0x1"),
	           "isn_delta=0x100000000 is out of range (at most "
	           "4294967295)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_unreachable_every_code_name),
		cmocka_unit_test(test_icmp_other_types_and_codes),
		cmocka_unit_test(test_icmp_name_holds_type_and_code_in_full),
		cmocka_unit_test(test_icmp_numeric_types_and_codes_taken_as_is),
		cmocka_unit_test(test_icmp_frag_needed_is_packet_too_big_in_v6),
		cmocka_unit_test(test_icmp_quoted_range_forms),
		cmocka_unit_test(test_shakedown_src_dst_v4_v6),
		cmocka_unit_test(test_shakedown_ipopts_bytes),
		cmocka_unit_test(test_shakedown_outbound_dst_ipopts_and_none),
		cmocka_unit_test(test_shakedown_qsport_qdport),
		cmocka_unit_test(test_shakedown_isn_delta_range),
		cmocka_unit_test(test_icmp_errors),
		cmocka_unit_test(test_shakedown_errors_unknown_and_twice),
		cmocka_unit_test(test_shakedown_errors_wrong_direction_or_kind),
		cmocka_unit_test(test_shakedown_errors_values),
		cmocka_unit_test(
		    test_shakedown_isn_delta_above_32_bits_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
