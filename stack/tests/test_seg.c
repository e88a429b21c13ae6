/* SPDX-License-Identifier: MIT
 *
 * Unit tests of the validated segment (stack/src/seg.c): tcp_seg_parse()
 * field by field and on malformed input, tcp_seg_emit() byte for byte in
 * Linux's option layout, round trips, and a pseudo-random input loop.
 */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "tcpref/seg.h"

/* ---- Fixtures and helpers ---------------------------------------------- */

#define LOCAL_PORT 80
#define REMOTE_PORT 40000
#define REMOTE_ISN 0xffffff00u /* near the wrap (STYLE R33) */

/* A segment template with field overrides (STYLE R33). */
#define SEG(...)                                                               \
	((struct tcp_seg){ .sport = REMOTE_PORT,                               \
	                   .dport = LOCAL_PORT,                                \
	                   .seq = { REMOTE_ISN },                              \
	                   .flags = TCP_FLAG_ACK,                              \
	                   .wnd = 65535,                                       \
	                   __VA_ARGS__ })

static struct tcp_addr src4(void)
{
	struct tcp_addr a;

	tcp_addr_v4(&a, 10, 0, 0, 1);
	return a;
}

static struct tcp_addr dst4(void)
{
	struct tcp_addr a;

	tcp_addr_v4(&a, 10, 0, 0, 2);
	return a;
}

static struct tcp_addr addr6(uint8_t last)
{
	struct tcp_addr a;

	memset(&a, 0, sizeof(a));
	a.family = TCP_AF_INET6;
	a.a[0] = 0x20;
	a.a[1] = 0x01;
	a.a[2] = 0x0d;
	a.a[3] = 0xb8;
	a.a[15] = last;
	return a;
}

/* Compares one field and names it on failure (STYLE R35). */
#define CHECK_FIELD(name, want, got)                                           \
	do {                                                                   \
		unsigned long long w_ = (want), g_ = (got);                    \
		if (w_ != g_)                                                  \
			fail_msg("tcp field %s: expected %llu (0x%llx) vs "    \
			         "actual %llu (0x%llx)",                       \
			         name, w_, w_, g_, g_);                        \
	} while (0)

/*
 * Every decoded field of two segments, except the raw option pointer and
 * length, the checksum field and unknown_n, which describe the bytes rather
 * than the segment. Payloads are compared by content.
 */
static void assert_seg_eq(const struct tcp_seg *w, const struct tcp_seg *g)
{
	size_t i;

	CHECK_FIELD("sport", w->sport, g->sport);
	CHECK_FIELD("dport", w->dport, g->dport);
	CHECK_FIELD("seq", w->seq.v, g->seq.v);
	CHECK_FIELD("ack", w->ack.v, g->ack.v);
	CHECK_FIELD("flags", w->flags, g->flags);
	CHECK_FIELD("wnd", w->wnd, g->wnd);
	CHECK_FIELD("urp", w->urp, g->urp);
	CHECK_FIELD("opts.present", w->opts.present, g->opts.present);
	CHECK_FIELD("opts.mss", w->opts.mss, g->opts.mss);
	CHECK_FIELD("opts.ws_shift", w->opts.ws_shift, g->opts.ws_shift);
	CHECK_FIELD("opts.tsval", w->opts.tsval, g->opts.tsval);
	CHECK_FIELD("opts.tsecr", w->opts.tsecr, g->opts.tsecr);
	CHECK_FIELD("opts.sack_n", w->opts.sack_n, g->opts.sack_n);
	for (i = 0; i < TCP_SACK_MAX; i++) {
		CHECK_FIELD("opts.sack.left", w->opts.sack[i].left.v,
		            g->opts.sack[i].left.v);
		CHECK_FIELD("opts.sack.right", w->opts.sack[i].right.v,
		            g->opts.sack[i].right.v);
	}
	CHECK_FIELD("payload_bytes", w->payload_bytes, g->payload_bytes);
	if (w->payload_bytes > 0 &&
	    memcmp(w->payload, g->payload, w->payload_bytes) != 0)
		fail_msg("tcp field payload: contents differ");
}

/*
 * Builds a segment of a 20-byte header plus the given option bytes (padded
 * with zeros to a word) and payload, returns its length.
 */
static size_t build(uint8_t *b, const uint8_t *opt, size_t opt_len,
                    const char *payload)
{
	size_t area = (opt_len + 3) & ~(size_t)3;
	size_t plen = payload ? strlen(payload) : 0;

	memset(b, 0, 20 + area);
	tcp_wire_set_sport(b, REMOTE_PORT);
	tcp_wire_set_dport(b, LOCAL_PORT);
	tcp_wire_set_seq(b, REMOTE_ISN);
	tcp_wire_set_doff(b, (uint8_t)(5 + area / 4));
	tcp_wire_set_flags(b, TCP_FLAG_ACK);
	tcp_wire_set_wnd(b, 1000);
	if (opt_len > 0)
		memcpy(b + 20, opt, opt_len);
	if (plen > 0)
		memcpy(b + 20 + area, payload, plen);
	return 20 + area + plen;
}

/* Parses options 'opt' (no checksum check) and returns the verdict. */
static enum tcp_why parse_opts(struct tcp_seg *s, uint8_t *b,
                               const uint8_t *opt, size_t opt_len)
{
	size_t n = build(b, opt, opt_len, NULL);

	return tcp_seg_parse(s, b, n, NULL, NULL);
}

/* ---- Test packets ------------------------------------------------------ */

/*
 * 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], cksum 0x2fe8 (correct),
 *   seq 305419896, win 64240,
 *   options [mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 7], length 0
 * This is Linux's SYN layout; the checksum was computed independently.
 */
/* clang-format off */
static const uint8_t syn_linux[] = {
	0x9c, 0x40, 0x00, 0x50,             /* 40000 > 80 */
	0x12, 0x34, 0x56, 0x78,             /* seq */
	0x00, 0x00, 0x00, 0x00,             /* ack */
	0xa0, 0x02, 0xfa, 0xf0,             /* doff 10, S, win 64240 */
	0x2f, 0xe8, 0x00, 0x00,             /* cksum, urp */
	0x02, 0x04, 0x05, 0xb4,             /* mss 1460 */
	0x04, 0x02,                         /* sackOK */
	0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, /* TS val 1000 */
	0x00, 0x00, 0x00, 0x00,             /*    ecr 0 */
	0x01,                               /* nop */
	0x03, 0x03, 0x07,                   /* wscale 7 */
};
/* clang-format on */

/*
 * 2001:db8::1.80 > 2001:db8::2.40000: Flags [P.], cksum 0x6e7e (correct),
 *   seq 2882400001:2882400006, ack 305419897, win 501, length 5: "hello"
 */
/* clang-format off */
static const uint8_t data6[] = {
	0x00, 0x50, 0x9c, 0x40, /* 80 > 40000 */
	0xab, 0xcd, 0xef, 0x01, /* seq */
	0x12, 0x34, 0x56, 0x79, /* ack */
	0x50, 0x18, 0x01, 0xf5, /* doff 5, P., win 501 */
	0x6e, 0x7e, 0x00, 0x00, /* cksum, urp */
	'h',  'e',  'l',  'l',  'o',
};
/* clang-format on */

/* ===== parse: well-formed segments ===== */

static void test_parse_linux_syn_fields_match_decode(void **state)
{
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_seg_parse(&g, syn_linux, sizeof(syn_linux), &s,
	                               &d));
	CHECK_FIELD("sport", 40000, g.sport);
	CHECK_FIELD("dport", 80, g.dport);
	CHECK_FIELD("seq", 0x12345678u, g.seq.v);
	CHECK_FIELD("ack", 0, g.ack.v);
	CHECK_FIELD("flags", TCP_FLAG_SYN, g.flags);
	CHECK_FIELD("wnd", 64240, g.wnd);
	CHECK_FIELD("urp", 0, g.urp);
	CHECK_FIELD("csum", 0x2fe8, g.csum);
	CHECK_FIELD("opts.present",
	            TCP_OPTF_MSS | TCP_OPTF_SACKOK | TCP_OPTF_TS | TCP_OPTF_WS,
	            g.opts.present);
	CHECK_FIELD("opts.mss", 1460, g.opts.mss);
	CHECK_FIELD("opts.tsval", 1000, g.opts.tsval);
	CHECK_FIELD("opts.tsecr", 0, g.opts.tsecr);
	CHECK_FIELD("opts.ws_shift", 7, g.opts.ws_shift);
	CHECK_FIELD("opts.sack_n", 0, g.opts.sack_n);
	CHECK_FIELD("opts.unknown_n", 0, g.opts.unknown_n);
	CHECK_FIELD("opts.raw_len", 20, g.opts.raw_len);
	assert_ptr_equal(syn_linux + 20, g.opts.raw);
	CHECK_FIELD("payload_bytes", 0, g.payload_bytes);
	assert_ptr_equal(syn_linux + 40, g.payload);
	assert_int_equal(1, tcp_seg_len(&g));
}

static void test_parse_ipv6_data_odd_length_payload(void **state)
{
	struct tcp_addr s = addr6(1), d = addr6(2);
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_seg_parse(&g, data6, sizeof(data6), &s, &d));
	CHECK_FIELD("flags", TCP_FLAG_PSH | TCP_FLAG_ACK, g.flags);
	CHECK_FIELD("seq", 0xabcdef01u, g.seq.v);
	CHECK_FIELD("ack", 0x12345679u, g.ack.v);
	CHECK_FIELD("wnd", 501, g.wnd);
	CHECK_FIELD("opts.present", 0, g.opts.present);
	CHECK_FIELD("opts.raw_len", 0, g.opts.raw_len);
	CHECK_FIELD("payload_bytes", 5, g.payload_bytes);
	assert_ptr_equal(data6 + 20, g.payload);
	assert_int_equal(5, tcp_seg_len(&g));
}

/* The AE bit (byte 12, bit 0) is a flag; the other reserved bits are not. */
static void test_parse_ae_and_reserved_bits_only_ae_reported(void **state)
{
	uint8_t b[20];
	struct tcp_seg g;

	(void)state;
	build(b, NULL, 0, NULL);
	b[TCP_OFF_DOFF] = 0x5f;
	b[TCP_OFF_FLAGS] = 0xff;
	assert_int_equal(TCP_WHY_NONE, tcp_seg_parse(&g, b, 20, NULL, NULL));
	CHECK_FIELD("flags", 0x1ff, g.flags);
	assert_int_equal(2 + 0, tcp_seg_len(&g)); /* SYN and FIN */
}

/* ===== parse: checksum (MUST-3) ===== */

static void test_parse_bad_csum_refused_only_with_addresses(void **state)
{
	struct tcp_addr s = src4(), d = dst4(), s6 = addr6(1);
	uint8_t b[sizeof(syn_linux)];
	struct tcp_seg g;

	(void)state;
	memcpy(b, syn_linux, sizeof(b));
	b[sizeof(b) - 1] = 8; /* wscale 8: checksum now wrong */
	assert_int_equal(TCP_WHY_BAD_CSUM,
	                 tcp_seg_parse(&g, b, sizeof(b), &s, &d));
	/* The segment is still described in full. */
	CHECK_FIELD("opts.ws_shift", 8, g.opts.ws_shift);
	CHECK_FIELD("opts.mss", 1460, g.opts.mss);
	/* Without both addresses the checksum is not verified. */
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_seg_parse(&g, b, sizeof(b), NULL, &d));
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_seg_parse(&g, b, sizeof(b), &s, NULL));
	/* The right checksum for the wrong family is a bad checksum. */
	assert_int_equal(TCP_WHY_BAD_CSUM,
	                 tcp_seg_parse(&g, syn_linux, sizeof(syn_linux), &s6,
	                               &s6));
}

/* TRUNCATED, BAD_DOFF, BAD_CSUM, BAD_OPTION: checksum before options. */
static void test_parse_bad_csum_and_bad_option_reports_csum(void **state)
{
	static const uint8_t opt[] = { 2, 4, 5, 0xb4, 8, 0 };
	struct tcp_addr s = src4(), d = dst4();
	uint8_t b[28];
	struct tcp_seg g;
	size_t n;

	(void)state;
	n = build(b, opt, sizeof(opt), NULL);
	tcp_wire_tcp_csum_fill(&s, &d, b, n);
	assert_int_equal(TCP_WHY_BAD_OPTION, tcp_seg_parse(&g, b, n, &s, &d));
	b[TCP_OFF_WND] ^= 1;
	assert_int_equal(TCP_WHY_BAD_CSUM, tcp_seg_parse(&g, b, n, &s, &d));
}

/* ===== parse: truncated and impossible data offsets ===== */

static void test_parse_truncated_every_length_truncated(void **state)
{
	struct tcp_seg g;
	size_t len;

	(void)state;
	for (len = 0; len < TCP_HDR_MIN; len++) {
		if (tcp_seg_parse(&g, syn_linux, len, NULL, NULL) !=
		    TCP_WHY_TRUNCATED)
			fail_msg("len %zu: expected TRUNCATED", len);
		CHECK_FIELD("sport", 0, g.sport);
		assert_null(g.payload);
	}
	/* The header is there, the options doff promises are not. */
	for (len = TCP_HDR_MIN; len < sizeof(syn_linux); len++) {
		if (tcp_seg_parse(&g, syn_linux, len, NULL, NULL) !=
		    TCP_WHY_BAD_DOFF)
			fail_msg("len %zu: expected BAD_DOFF", len);
		CHECK_FIELD("sport", 40000, g.sport);
		CHECK_FIELD("opts.present", 0, g.opts.present);
	}
	assert_int_equal(TCP_WHY_TRUNCATED,
	                 tcp_seg_parse(&g, NULL, 40, NULL, NULL));
}

static void test_parse_doff_0_to_4_bad_doff(void **state)
{
	uint8_t b[40];
	struct tcp_seg g;
	uint8_t d;

	(void)state;
	build(b, NULL, 0, NULL);
	memset(b + 20, 0xaa, 20);
	for (d = 0; d < 5; d++) {
		tcp_wire_set_doff(b, d);
		assert_int_equal(TCP_WHY_BAD_DOFF,
		                 tcp_seg_parse(&g, b, sizeof(b), NULL, NULL));
		CHECK_FIELD("seq", REMOTE_ISN, g.seq.v);
		CHECK_FIELD("payload_bytes", 0, g.payload_bytes);
	}
}

static void test_parse_doff_past_len_bad_doff(void **state)
{
	uint8_t b[60] = { 0 };
	struct tcp_seg g;
	uint8_t d;

	(void)state;
	build(b, NULL, 0, NULL);
	memset(b + 20, TCP_OPT_NOP, 40);
	for (d = 6; d < 16; d++) {
		tcp_wire_set_doff(b, d);
		assert_int_equal(TCP_WHY_BAD_DOFF,
		                 tcp_seg_parse(&g, b, (size_t)d * 4 - 1, NULL,
		                               NULL));
		assert_int_equal(TCP_WHY_NONE,
		                 tcp_seg_parse(&g, b, (size_t)d * 4, NULL,
		                               NULL));
		CHECK_FIELD("opts.raw_len", (size_t)d * 4 - 20, g.opts.raw_len);
	}
}

/* ===== parse: option edge cases (MUST-4..7, MUST-64, MUST-68/69) ===== */

/* MUST-7: a length of 0 or 1 is impossible; earlier options stay. */
static void test_parse_option_len0_len1_bad_option_keeps_earlier(void **state)
{
	uint8_t opt[] = { 2, 4, 0x05, 0xb4, 1, 0xfe, 0, 0 };
	uint8_t b[40];
	struct tcp_seg g;
	uint8_t l;

	(void)state;
	for (l = 0; l < 2; l++) {
		opt[6] = l;
		assert_int_equal(TCP_WHY_BAD_OPTION,
		                 parse_opts(&g, b, opt, sizeof(opt)));
		CHECK_FIELD("opts.present", TCP_OPTF_MSS, g.opts.present);
		CHECK_FIELD("opts.mss", 1460, g.opts.mss);
		CHECK_FIELD("sport", REMOTE_PORT, g.sport);
		CHECK_FIELD("wnd", 1000, g.wnd);
		CHECK_FIELD("opts.raw_len", 8, g.opts.raw_len);
	}
	/* A zero-length MSS is as impossible as any other. */
	opt[0] = 2;
	opt[1] = 0;
	assert_int_equal(TCP_WHY_BAD_OPTION, parse_opts(&g, b, opt, 4));
	CHECK_FIELD("opts.present", 0, g.opts.present);
}

static void test_parse_option_overrun_bad_option(void **state)
{
	/* TS claiming 10 bytes with 8 left in the area. */
	static const uint8_t ts_over[] = {
		1, 1, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0
	};
	/* kind with its length byte missing, last byte of the area. */
	static const uint8_t no_len[] = { 1, 1, 1, 3 };
	/* unknown kind with length 255 */
	static const uint8_t huge[] = { 0xfd, 0xff, 0, 0 };
	uint8_t b[40];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_BAD_OPTION,
	                 parse_opts(&g, b, ts_over, sizeof(ts_over)));
	assert_int_equal(TCP_WHY_BAD_OPTION,
	                 parse_opts(&g, b, no_len, sizeof(no_len)));
	assert_int_equal(TCP_WHY_BAD_OPTION,
	                 parse_opts(&g, b, huge, sizeof(huge)));
	/* An option may not overrun into the payload either. */
	build(b, ts_over, 8, "payload!!");
	assert_int_equal(TCP_WHY_BAD_OPTION,
	                 tcp_seg_parse(&g, b, 20 + 8 + 9, NULL, NULL));
	CHECK_FIELD("payload_bytes", 9, g.payload_bytes);
}

/* MUST-6: unknown kinds are skipped by their length and counted. */
static void test_parse_unknown_kinds_skipped_counted(void **state)
{
	/* clang-format off */
	static const uint8_t opt[] = {
		30, 4, 0xde, 0xad,  /* MPTCP */
		0xfe, 2,            /* experimental, empty */
		2, 4, 0x02, 0x18,   /* mss 536 */
		34, 3, 0,           /* TFO-ish */
		1, 1, 1,
	};
	/* clang-format on */
	uint8_t b[40];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.present", TCP_OPTF_MSS, g.opts.present);
	CHECK_FIELD("opts.mss", 536, g.opts.mss);
	CHECK_FIELD("opts.unknown_n", 3, g.opts.unknown_n);
}

/* A known kind with the wrong length is skipped, not fatal (MUST-6). */
static void test_parse_known_kind_wrong_length_skipped(void **state)
{
	/* clang-format off */
	static const uint8_t opt[] = {
		2, 3, 0x05,                 /* mss len 3 */
		3, 4, 7, 0,                 /* wscale len 4 */
		4, 3, 0,                    /* sackOK len 3 */
		8, 9, 1, 2, 3, 4, 5, 6, 7,  /* TS len 9 */
		2, 4, 0x05, 0xb4,           /* the real mss 1460 */
	};
	/* clang-format on */
	uint8_t b[60];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.present", TCP_OPTF_MSS, g.opts.present);
	CHECK_FIELD("opts.mss", 1460, g.opts.mss);
	CHECK_FIELD("opts.unknown_n", 4, g.opts.unknown_n);
}

/* MUST-64: options need not be aligned. */
static void test_parse_unaligned_options_decoded(void **state)
{
	/* clang-format off */
	static const uint8_t opt[] = {
		3, 3, 14,                            /* wscale 14 */
		8, 10, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, /* TS 1 ecr max */
		4, 2,                                /* sackOK */
		1,                                   /* nop */
		2, 4, 0xff, 0xff,                    /* mss 65535 */
	};
	/* clang-format on */
	uint8_t b[60];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.present",
	            TCP_OPTF_WS | TCP_OPTF_TS | TCP_OPTF_SACKOK | TCP_OPTF_MSS,
	            g.opts.present);
	CHECK_FIELD("opts.ws_shift", 14, g.opts.ws_shift);
	CHECK_FIELD("opts.tsval", 1, g.opts.tsval);
	CHECK_FIELD("opts.tsecr", 0xffffffffu, g.opts.tsecr);
	CHECK_FIELD("opts.mss", 65535, g.opts.mss);
}

/* MUST-69: after EOL comes padding; garbage there is not parsed. */
static void test_parse_eol_then_garbage_ignored(void **state)
{
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4, 0, 0, 1, 0xff };
	uint8_t b[40];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.present", TCP_OPTF_MSS, g.opts.present);
	CHECK_FIELD("opts.unknown_n", 0, g.opts.unknown_n);
	CHECK_FIELD("opts.raw_len", 8, g.opts.raw_len);
}

static void test_parse_nops_only_and_full_40_bytes(void **state)
{
	/* clang-format off */
	static const uint8_t full[40] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		2, 4, 0x05, 0xb4, /* mss in the last word */
	};
	/* clang-format on */
	uint8_t b[60];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, full, 36));
	CHECK_FIELD("opts.present", 0, g.opts.present);
	CHECK_FIELD("opts.raw_len", 36, g.opts.raw_len);
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, full, 40));
	CHECK_FIELD("opts.present", TCP_OPTF_MSS, g.opts.present);
	CHECK_FIELD("opts.raw_len", 40, g.opts.raw_len);
	CHECK_FIELD("payload_bytes", 0, g.payload_bytes);
}

/* RFC 2018 3: 2 + 8n bytes for n = 1..4 blocks. */
static void test_parse_sack_1_to_4_blocks_decoded(void **state)
{
	uint8_t opt[48], b[60]; /* 48: room gcc -O3 can prove */
	struct tcp_seg g;
	uint8_t n, i;

	(void)state;
	for (n = 1; n <= TCP_SACK_MAX; n++) {
		opt[0] = TCP_OPT_NOP;
		opt[1] = TCP_OPT_NOP;
		opt[2] = TCP_OPT_SACK;
		opt[3] = (uint8_t)(2 + 8 * n);
		for (i = 0; i < n; i++) {
			/* blocks straddling the 2^32 wrap */
			tcp_wire_wr32(opt + 4 + 8 * i, 0xfffffff0u + 16u * i);
			tcp_wire_wr32(opt + 8 + 8 * i, 0xfffffff8u + 16u * i);
		}
		assert_int_equal(TCP_WHY_NONE,
		                 parse_opts(&g, b, opt, 4 + 8 * (size_t)n));
		CHECK_FIELD("opts.present", TCP_OPTF_SACK, g.opts.present);
		CHECK_FIELD("opts.sack_n", n, g.opts.sack_n);
		for (i = 0; i < n; i++) {
			CHECK_FIELD("sack.left", 0xfffffff0u + 16u * i,
			            g.opts.sack[i].left.v);
			CHECK_FIELD("sack.right", 0xfffffff8u + 16u * i,
			            g.opts.sack[i].right.v);
		}
	}
}

/* SACK lengths that are not 2 + 8n, n >= 1, are skipped like unknowns. */
static void test_parse_sack_bad_lengths_skipped(void **state)
{
	static const uint8_t lens[] = { 2, 3, 9, 11, 17, 20, 33 };
	uint8_t opt[36], b[60];
	struct tcp_seg g;
	size_t i;

	(void)state;
	memset(opt, 0, sizeof(opt));
	for (i = 0; i < sizeof(lens); i++) {
		opt[0] = TCP_OPT_SACK;
		opt[1] = lens[i];
		assert_int_equal(TCP_WHY_NONE,
		                 parse_opts(&g, b, opt, sizeof(opt)));
		CHECK_FIELD("opts.present", 0, g.opts.present);
		CHECK_FIELD("opts.sack_n", 0, g.opts.sack_n);
		CHECK_FIELD("opts.unknown_n", 1, g.opts.unknown_n);
	}
}

/* A second SACK option replaces the first entirely. */
static void test_parse_sack_repeated_last_wins(void **state)
{
	uint8_t opt[36] = { 5, 26 }, b[60];
	struct tcp_seg g;

	(void)state;
	memset(opt + 2, 0x11, 24); /* three blocks */
	opt[26] = 5;
	opt[27] = 10;
	memset(opt + 28, 0x22, 8); /* one block */
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.sack_n", 1, g.opts.sack_n);
	CHECK_FIELD("sack[0].left", 0x22222222u, g.opts.sack[0].left.v);
	CHECK_FIELD("sack[1].left", 0, g.opts.sack[1].left.v);
}

/* RFC 7323 2.3: the state machine clamps; parse stores what came. */
static void test_parse_ws_shift_15_and_255_stored_as_received(void **state)
{
	uint8_t opt[4] = { 1, 3, 3, 15 }, b[40];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.ws_shift", 15, g.opts.ws_shift);
	opt[3] = 255;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("opts.ws_shift", 255, g.opts.ws_shift);
}

/* MUST-5: options are decoded on any segment, not only on SYN. */
static void test_parse_options_on_non_syn_decoded(void **state)
{
	static const uint8_t opt[] = { 2, 4, 0x02, 0x00, 1, 3, 3, 2 };
	uint8_t b[40];
	struct tcp_seg g;

	(void)state;
	assert_int_equal(TCP_WHY_NONE, parse_opts(&g, b, opt, sizeof(opt)));
	CHECK_FIELD("flags", TCP_FLAG_ACK, g.flags);
	CHECK_FIELD("opts.present", TCP_OPTF_MSS | TCP_OPTF_WS, g.opts.present);
}

/* ===== emit ===== */

static const struct tcp_seg syn_linux_seg = {
	.sport = 40000,
	.dport = 80,
	.seq = { 0x12345678u },
	.flags = TCP_FLAG_SYN,
	.wnd = 64240,
	.csum = 0x1111, /* ignored on emit */
	.opts = { .present = TCP_OPTF_MSS | TCP_OPTF_SACKOK | TCP_OPTF_TS |
	                     TCP_OPTF_WS,
	          .mss = 1460,
	          .tsval = 1000,
	          .ws_shift = 7 },
};

static void test_emit_linux_syn_bytes_match(void **state)
{
	struct tcp_addr s = src4(), d = dst4();
	uint8_t b[64];

	(void)state;
	assert_int_equal(20, tcp_seg_opts_bytes(&syn_linux_seg.opts));
	assert_int_equal(sizeof(syn_linux),
	                 tcp_seg_emit(&syn_linux_seg, &s, &d, b, sizeof(b)));
	assert_memory_equal(syn_linux, b, sizeof(syn_linux));
}

static void test_emit_ipv6_data_bytes_match(void **state)
{
	struct tcp_addr s = addr6(1), d = addr6(2);
	struct tcp_seg in = { .sport = 80,
		              .dport = 40000,
		              .seq = { 0xabcdef01u },
		              .ack = { 0x12345679u },
		              .flags = TCP_FLAG_PSH | TCP_FLAG_ACK,
		              .wnd = 501,
		              .payload = (const uint8_t *)"hello",
		              .payload_bytes = 5 };
	uint8_t b[64];

	(void)state;
	assert_int_equal(sizeof(data6),
	                 tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_memory_equal(data6, b, sizeof(data6));
}

/*
 * 80 > 40000: Flags [S.], seq 4294967040, ack 305419897, win 65535,
 *   options [mss 1460,nop,nop,sackOK,nop,wscale 14], length 0
 */
static void test_emit_sackok_only_nop_nop_sackok(void **state)
{
	/* clang-format off */
	static const uint8_t want_opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2,
		                             1, 3, 3, 14 };
	/* clang-format on */
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in =
	    SEG(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .ack = { 0x12345679u },
	        .opts = { .present =
	                      TCP_OPTF_MSS | TCP_OPTF_SACKOK | TCP_OPTF_WS,
	                  .mss = 1460,
	                  .ws_shift = 14 });
	uint8_t b[64];

	(void)state;
	assert_int_equal(32, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_int_equal(0x80, b[TCP_OFF_DOFF]);
	assert_int_equal(0x12, b[TCP_OFF_FLAGS]);
	assert_memory_equal(want_opts, b + 20, sizeof(want_opts));
	assert_true(tcp_wire_tcp_csum_ok(&s, &d, b, 32));
}

/* ack: options [nop,nop,TS val 7 ecr 9], length 0 */
static void test_emit_ts_only_nop_nop_ts(void **state)
{
	/* clang-format off */
	static const uint8_t want_opts[] = { 1, 1, 8, 10, 0, 0, 0, 7,
		                             0, 0, 0, 9 };
	/* clang-format on */
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in =
	    SEG(.opts = { .present = TCP_OPTF_TS, .tsval = 7, .tsecr = 9 });
	uint8_t b[64];

	(void)state;
	assert_int_equal(32, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_memory_equal(want_opts, b + 20, sizeof(want_opts));
}

/* ack: options [nop,nop,TS val 7 ecr 9,nop,nop,sack 2 {1:2}{3:4}] */
static void test_emit_ts_and_sack_blocks_layout(void **state)
{
	/* clang-format off */
	static const uint8_t want_opts[] = {
		1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
		1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
	};
	/* clang-format on */
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in =
	    SEG(.opts = { .present = TCP_OPTF_TS | TCP_OPTF_SACK,
	                  .tsval = 7,
	                  .tsecr = 9,
	                  .sack_n = 2,
	                  .sack = { { { 1 }, { 2 } }, { { 3 }, { 4 } } } });
	uint8_t b[64];

	(void)state;
	assert_int_equal(20 + sizeof(want_opts),
	                 tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_memory_equal(want_opts, b + 20, sizeof(want_opts));
}

static void test_emit_raw_options_padded_with_zeros(void **state)
{
	static const uint8_t raw[] = { 2, 4, 0x05, 0xb4, 0xfe, 3, 9 };
	static const uint8_t want[] = { 2, 4, 0x05, 0xb4, 0xfe, 3, 9, 0 };
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in =
	    SEG(.opts = { .present = TCP_OPTF_RAW | TCP_OPTF_MSS,
	                  .mss = 1,
	                  .raw = raw,
	                  .raw_len = sizeof(raw) });
	struct tcp_seg g;
	uint8_t b[64];

	(void)state;
	assert_int_equal(8, tcp_seg_opts_bytes(&in.opts));
	assert_int_equal(28, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_memory_equal(want, b + 20, sizeof(want));
	assert_int_equal(TCP_WHY_NONE, tcp_seg_parse(&g, b, 28, &s, &d));
	CHECK_FIELD("opts.mss", 1460, g.opts.mss);
	CHECK_FIELD("opts.unknown_n", 1, g.opts.unknown_n);
}

/* Raw options can carry malformed bytes for tests and fuzzers. */
static void test_emit_raw_bad_option_parses_bad_option(void **state)
{
	static const uint8_t raw[] = { 1, 8, 0, 0 };
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in = SEG(.opts = { .present = TCP_OPTF_RAW,
	                                  .raw = raw,
	                                  .raw_len = sizeof(raw) });
	struct tcp_seg g;
	uint8_t b[64];

	(void)state;
	assert_int_equal(24, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_int_equal(TCP_WHY_BAD_OPTION, tcp_seg_parse(&g, b, 24, &s, &d));
}

static void test_emit_raw_over_40_bytes_zero(void **state)
{
	uint8_t raw[41], b[128];
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in =
	    SEG(.opts = { .present = TCP_OPTF_RAW, .raw = raw });

	(void)state;
	memset(raw, 1, sizeof(raw));
	in.opts.raw_len = 37; /* pads to 40: fits */
	assert_int_equal(60, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_int_equal(0xf0, b[TCP_OFF_DOFF]);
	in.opts.raw_len = 41;
	assert_int_equal(0, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	in.opts.raw = NULL;
	in.opts.raw_len = 4;
	assert_int_equal(0, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	in.opts.raw_len = 0; /* no raw bytes: an empty area */
	assert_int_equal(20, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
}

/* MSS + SACKOK/TS + WS + 3 SACK blocks = 4 + 12 + 4 + 28 = 48 > 40. */
static void test_emit_options_over_40_bytes_zero(void **state)
{
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in =
	    SEG(.opts = { .present = TCP_OPTF_MSS | TCP_OPTF_TS | TCP_OPTF_WS |
	                             TCP_OPTF_SACK,
	                  .sack_n = 3 });
	uint8_t b[128];

	(void)state;
	assert_int_equal(48, tcp_seg_opts_bytes(&in.opts));
	assert_int_equal(0, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	in.opts.sack_n = 2; /* 40: fits exactly */
	assert_int_equal(60, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	in.opts.present = TCP_OPTF_SACK;
	in.opts.sack_n = 5; /* more than sack[] holds */
	assert_int_equal(0, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	in.opts.sack_n = 0; /* no blocks: no SACK option */
	assert_int_equal(0, tcp_seg_opts_bytes(&in.opts));
	assert_int_equal(20, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
}

static void test_emit_cap_too_small_every_cap_zero(void **state)
{
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in = syn_linux_seg;
	uint8_t b[64];
	size_t cap;

	(void)state;
	in.payload = (const uint8_t *)"abc";
	in.payload_bytes = 3;
	for (cap = 0; cap < 43; cap++) {
		memset(b, 0xcc, sizeof(b));
		if (tcp_seg_emit(&in, &s, &d, b, cap) != 0)
			fail_msg("cap %zu: expected 0", cap);
		assert_int_equal(0xcc, b[0]); /* nothing written */
	}
	assert_int_equal(43, tcp_seg_emit(&in, &s, &d, b, 43));
}

static void test_emit_bad_arguments_zero(void **state)
{
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in = SEG(.payload_bytes = 1);
	uint8_t b[64];

	(void)state;
	assert_int_equal(0, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	in.payload_bytes = 0;
	assert_int_equal(0, tcp_seg_emit(&in, NULL, &d, b, sizeof(b)));
	assert_int_equal(0, tcp_seg_emit(&in, &s, NULL, b, sizeof(b)));
	assert_int_equal(20, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
}

/* AE goes to byte 12 bit 0; reserved bits are written as zero. */
static void test_emit_ae_flag_in_byte_12(void **state)
{
	struct tcp_addr s = src4(), d = dst4();
	struct tcp_seg in = SEG(.flags = TCP_FLAG_AE | TCP_FLAG_ACK |
	                                 TCP_FLAG_ECE | TCP_FLAG_CWR);
	struct tcp_seg g;
	uint8_t b[64];

	(void)state;
	assert_int_equal(20, tcp_seg_emit(&in, &s, &d, b, sizeof(b)));
	assert_int_equal(0x51, b[TCP_OFF_DOFF]);
	assert_int_equal(0xd0, b[TCP_OFF_FLAGS]);
	assert_int_equal(TCP_WHY_NONE, tcp_seg_parse(&g, b, 20, &s, &d));
	CHECK_FIELD("flags", in.flags, g.flags);
}

/* ===== round trip ===== */

/*
 * Emits a segment carrying the options in 'mask' (TCP_OPTF_* bits) with
 * 'n' SACK blocks, parses it back and compares. Returns 1 when it fit, 0
 * when emit had to refuse it (more than 40 option bytes).
 */
static int roundtrip_one(const struct tcp_addr *s, const struct tcp_addr *d,
                         unsigned mask, unsigned n)
{
	uint16_t flags = TCP_FLAG_ACK;
	struct tcp_seg in, g;
	uint8_t b[128];
	size_t len;
	unsigned i;

	if (mask & 1)
		flags |= TCP_FLAG_SYN;
	if (n & 1)
		flags |= TCP_FLAG_AE;
	in = SEG(.ack = { 0x80000000u + mask }, .flags = flags,
	         .urp = (uint16_t)(mask * 7),
	         .payload = (const uint8_t *)"abcdefg",
	         .payload_bytes = n + mask % 3);
	/* Values only where the option is present: parse leaves absent
	 * options zero. */
	in.opts.present = (uint8_t)mask;
	if (mask & TCP_OPTF_MSS)
		in.opts.mss = (uint16_t)(536 + mask);
	if (mask & TCP_OPTF_WS)
		in.opts.ws_shift = (uint8_t)(mask % 16);
	if (mask & TCP_OPTF_TS) {
		in.opts.tsval = 0xfffffff0u + mask;
		in.opts.tsecr = mask * 1000u;
	}
	in.opts.sack_n = (uint8_t)n;
	for (i = 0; i < n && i < TCP_SACK_MAX; i++) {
		in.opts.sack[i].left.v = REMOTE_ISN + i * 100;
		in.opts.sack[i].right.v = REMOTE_ISN + i * 100 + 50;
	}

	len = tcp_seg_emit(&in, s, d, b, sizeof(b));
	if (tcp_seg_opts_bytes(&in.opts) > TCP_OPT_SPACE_MAX) {
		assert_int_equal(0, len);
		return 0;
	}
	assert_int_equal(20 + tcp_seg_opts_bytes(&in.opts) + in.payload_bytes,
	                 len);
	assert_int_equal(TCP_WHY_NONE, tcp_seg_parse(&g, b, len, s, d));
	CHECK_FIELD("opts.unknown_n", 0, g.opts.unknown_n);
	assert_seg_eq(&in, &g);
	return 1;
}

/* parse(emit(x)) == x for every combination of options and SACK counts. */
static void test_roundtrip_all_option_combinations_equal(void **state)
{
	struct tcp_addr s4 = src4(), d4 = dst4(), s6 = addr6(1), d6 = addr6(2);
	unsigned mask, n;
	int fits = 0, refused = 0;

	(void)state;
	for (mask = 0; mask < 32; mask++) {
		for (n = 0; n <= TCP_SACK_MAX; n++) {
			/* SACK needs 1..4 blocks; no blocks means no SACK. */
			if (((mask & TCP_OPTF_SACK) != 0) != (n > 0))
				continue;
			if (roundtrip_one(&s4, &d4, mask, n) &&
			    roundtrip_one(&s6, &d6, mask, n))
				fits++;
			else
				refused++;
		}
	}
	assert_int_equal(16 + 16 * 4, fits + refused);
	assert_true(fits > 40);
	assert_true(refused > 0);
}

/* ===== pseudo-random input ===== */

static uint32_t xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Option-looking bytes: kinds and lengths that matter, or anything. */
static uint8_t opt_byte(uint32_t *x)
{
	static const uint8_t alpha[] = { 0, 1, 2, 3, 4, 5, 8, 10, 18, 26, 34 };
	uint32_t r = xorshift32(x);

	if (r % 4 == 0)
		return (uint8_t)(r >> 8);
	return alpha[(r >> 8) % sizeof(alpha)];
}

/*
 * Re-emits a segment that parsed and checks it parses back equal (STYLE
 * R48 oracle 2). Segments whose options do not fit Linux's layout in 40
 * bytes (for example MSS, TS, WS and two SACK blocks packed without NOPs)
 * must be refused by emit instead.
 */
static void check_reemit(const struct tcp_seg *s, const struct tcp_addr *src,
                         const struct tcp_addr *dst)
{
	uint8_t out[128];
	struct tcp_seg g;
	size_t len;

	len = tcp_seg_emit(s, src, dst, out, sizeof(out));
	if (tcp_seg_opts_bytes(&s->opts) > TCP_OPT_SPACE_MAX) {
		assert_int_equal(0, len);
		return;
	}
	assert_int_equal(20 + tcp_seg_opts_bytes(&s->opts) + s->payload_bytes,
	                 len);
	assert_int_equal(TCP_WHY_NONE, tcp_seg_parse(&g, out, len, src, dst));
	assert_seg_eq(s, &g);
}

/* One input read as an IP packet; returns 1 when the IP header parsed. */
static int fuzz_as_ip(uint8_t *b, size_t len, int iter)
{
	struct tcp_ip_info ip;
	struct tcp_seg seg;
	enum tcp_why w;
	uint8_t *t;

	/* Often a consistent IPv4 or IPv6 header, so the TCP inside is
	 * reached; half of those also get a correct TCP checksum. */
	if (len >= 20 && (iter & 7) == 0) {
		b[0] = 0x45;
		tcp_wire_wr16(b + 2, (uint16_t)len);
		tcp_wire_wr16(b + 6, 0);
		b[9] = TCP_IPPROTO_TCP;
		tcp_wire_wr16(b + 10, 0);
		tcp_wire_wr16(b + 10,
		              tcp_wire_csum_fold(tcp_wire_csum_add(0, b, 20)));
	} else if (len >= 40 && (iter & 7) == 4) {
		b[0] = 0x60;
		tcp_wire_wr16(b + 4, (uint16_t)(len - 40));
		b[6] = TCP_IPPROTO_TCP;
	}
	w = tcp_wire_ip_parse(b, len, &ip);
	assert_true(w < TCP_WHY_COUNT);
	if (w != TCP_WHY_NONE)
		return 0;
	t = b + ip.ip_hdr_bytes;
	if (iter & 8)
		tcp_wire_tcp_csum_fill(&ip.src, &ip.dst, t, ip.tcp_len);
	w = tcp_seg_parse(&seg, t, ip.tcp_len, &ip.src, &ip.dst);
	assert_true(w < TCP_WHY_COUNT);
	if (w == TCP_WHY_NONE)
		check_reemit(&seg, &ip.src, &ip.dst);
	return 1;
}

/* The same input read as a TCP segment; returns the verdict. */
static enum tcp_why fuzz_as_tcp(uint8_t *b, size_t len, int iter, uint32_t *x)
{
	struct tcp_addr s4 = src4(), d4 = dst4();
	bool csum = (iter & 2) != 0;
	struct tcp_seg seg;
	enum tcp_why w;
	size_t i, area, max_words;

	/* Often a possible data offset and option-like bytes. */
	if (len >= 20 && (iter & 1)) {
		max_words = len / 4 < 15 ? len / 4 : 15;
		tcp_wire_set_doff(b, (uint8_t)(5 + xorshift32(x) %
		                                       (max_words - 4)));
		area = (size_t)(b[TCP_OFF_DOFF] >> 4) * 4 - 20;
		for (i = 0; i < area; i++)
			b[20 + i] = opt_byte(x);
	}
	if (len >= 20 && csum)
		tcp_wire_tcp_csum_fill(&s4, &d4, b, len);
	w = tcp_seg_parse(&seg, b, len, csum ? &s4 : NULL, csum ? &d4 : NULL);
	assert_true(w < TCP_WHY_COUNT);
	if (w != TCP_WHY_NONE)
		return w;
	assert_ptr_equal(b + 20, seg.opts.raw);
	assert_true(20 + (size_t)seg.opts.raw_len + seg.payload_bytes == len);
	assert_true(seg.opts.sack_n <= TCP_SACK_MAX);
	check_reemit(&seg, &s4, &d4);
	return w;
}

/*
 * 100k pseudo-random inputs of 0..100 bytes from a fixed seed: every one
 * gets a verdict (no crash, no sanitizer finding), and every accepted
 * segment survives emit and re-parse unchanged.
 */
static void test_fuzz_random_bytes_verdict_and_reemit_equal(void **state)
{
	uint8_t b[100];
	uint32_t x = 0x9e3779b9u;
	size_t len, i;
	int iter, ok = 0, bad_opt = 0, ip_ok = 0;
	enum tcp_why w;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		len = xorshift32(&x) % (sizeof(b) + 1);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)xorshift32(&x);
		ip_ok += fuzz_as_ip(b, len, iter);
		w = fuzz_as_tcp(b, len, iter, &x);
		ok += w == TCP_WHY_NONE;
		bad_opt += w == TCP_WHY_BAD_OPTION;
	}
	/* The loop must actually reach the interesting paths. */
	assert_true(ok > 10000);
	assert_true(bad_opt > 1000);
	assert_true(ip_ok > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* parse: well-formed */
		cmocka_unit_test(test_parse_linux_syn_fields_match_decode),
		cmocka_unit_test(test_parse_ipv6_data_odd_length_payload),
		cmocka_unit_test(
		    test_parse_ae_and_reserved_bits_only_ae_reported),
		/* parse: checksum */
		cmocka_unit_test(
		    test_parse_bad_csum_refused_only_with_addresses),
		cmocka_unit_test(
		    test_parse_bad_csum_and_bad_option_reports_csum),
		/* parse: truncated, data offset */
		cmocka_unit_test(test_parse_truncated_every_length_truncated),
		cmocka_unit_test(test_parse_doff_0_to_4_bad_doff),
		cmocka_unit_test(test_parse_doff_past_len_bad_doff),
		/* parse: options */
		cmocka_unit_test(
		    test_parse_option_len0_len1_bad_option_keeps_earlier),
		cmocka_unit_test(test_parse_option_overrun_bad_option),
		cmocka_unit_test(test_parse_unknown_kinds_skipped_counted),
		cmocka_unit_test(test_parse_known_kind_wrong_length_skipped),
		cmocka_unit_test(test_parse_unaligned_options_decoded),
		cmocka_unit_test(test_parse_eol_then_garbage_ignored),
		cmocka_unit_test(test_parse_nops_only_and_full_40_bytes),
		cmocka_unit_test(test_parse_sack_1_to_4_blocks_decoded),
		cmocka_unit_test(test_parse_sack_bad_lengths_skipped),
		cmocka_unit_test(test_parse_sack_repeated_last_wins),
		cmocka_unit_test(
		    test_parse_ws_shift_15_and_255_stored_as_received),
		cmocka_unit_test(test_parse_options_on_non_syn_decoded),
		/* emit */
		cmocka_unit_test(test_emit_linux_syn_bytes_match),
		cmocka_unit_test(test_emit_ipv6_data_bytes_match),
		cmocka_unit_test(test_emit_sackok_only_nop_nop_sackok),
		cmocka_unit_test(test_emit_ts_only_nop_nop_ts),
		cmocka_unit_test(test_emit_ts_and_sack_blocks_layout),
		cmocka_unit_test(test_emit_raw_options_padded_with_zeros),
		cmocka_unit_test(test_emit_raw_bad_option_parses_bad_option),
		cmocka_unit_test(test_emit_raw_over_40_bytes_zero),
		cmocka_unit_test(test_emit_options_over_40_bytes_zero),
		cmocka_unit_test(test_emit_cap_too_small_every_cap_zero),
		cmocka_unit_test(test_emit_bad_arguments_zero),
		cmocka_unit_test(test_emit_ae_flag_in_byte_12),
		/* round trip */
		cmocka_unit_test(test_roundtrip_all_option_combinations_equal),
		/* pseudo-random input */
		cmocka_unit_test(
		    test_fuzz_random_bytes_verdict_and_reemit_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
