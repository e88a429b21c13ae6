/* SPDX-License-Identifier: MIT
 *
 * Unit tests of the byte view (stack/src/wire.c) and of the shared name
 * tables (stack/src/types.c): header getters and setters, RFC 1071
 * checksums, the option iterator, and IPv4/IPv6 header parsing and writing.
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

#include "tcpref/wire.h"

/* ---- Test packets ------------------------------------------------------ */

/*
 * IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], cksum 0x2fe8 (correct),
 *   seq 305419896, win 64240,
 *   options [mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 7], length 0
 * (IPv4 header: ttl 64, id 0x1c46, DF, length 60, cksum 0x0a74.)
 * The TCP and IP checksums were computed independently (Python, RFC 1071).
 */
/* clang-format off */
static const uint8_t pkt_syn4[] = {
	/* IPv4 */
	0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, /* ver, len, id, DF */
	0x40, 0x06, 0x0a, 0x74,                         /* ttl, tcp, cksum */
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, /* src, dst */
	/* TCP */
	0x9c, 0x40, 0x00, 0x50,                         /* 40000 > 80 */
	0x12, 0x34, 0x56, 0x78,                         /* seq */
	0x00, 0x00, 0x00, 0x00,                         /* ack */
	0xa0, 0x02, 0xfa, 0xf0,                         /* doff 10, S, 64240 */
	0x2f, 0xe8, 0x00, 0x00,                         /* cksum, urp */
	0x02, 0x04, 0x05, 0xb4,                         /* mss 1460 */
	0x04, 0x02,                                     /* sackOK */
	0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8,             /* TS val 1000 */
	0x00, 0x00, 0x00, 0x00,                         /*    ecr 0 */
	0x01,                                           /* nop */
	0x03, 0x03, 0x07,                               /* wscale 7 */
};
/* clang-format on */
#define SYN4_TCP (pkt_syn4 + 20)
#define SYN4_TCP_LEN (sizeof(pkt_syn4) - 20)

/*
 * IP6 2001:db8::1.80 > 2001:db8::2.40000: Flags [P.], cksum 0x6e7e
 *   (correct), seq 2882400001:2882400006, ack 305419897, win 501,
 *   length 5: "hello"   (an odd-length segment: 25 bytes)
 */
/* clang-format off */
static const uint8_t pkt_data6[] = {
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x19, 0x06, 0x40, /* plen 25, tcp, hl */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	/* TCP */
	0x00, 0x50, 0x9c, 0x40,                         /* 80 > 40000 */
	0xab, 0xcd, 0xef, 0x01,                         /* seq */
	0x12, 0x34, 0x56, 0x79,                         /* ack */
	0x50, 0x18, 0x01, 0xf5,                         /* doff 5, P., 501 */
	0x6e, 0x7e, 0x00, 0x00,                         /* cksum, urp */
	'h', 'e', 'l', 'l', 'o',
};
/* clang-format on */
#define DATA6_TCP (pkt_data6 + 40)
#define DATA6_TCP_LEN (sizeof(pkt_data6) - 40)

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

static struct tcp_addr addr4(uint8_t last)
{
	struct tcp_addr a;

	tcp_addr_v4(&a, 10, 0, 0, last);
	return a;
}

/* ===== types ===== */

static void test_types_state_names_rfc_spelling(void **state)
{
	(void)state;
	assert_string_equal("CLOSED", tcp_state_name(TCP_CLOSED));
	assert_string_equal("SYN-RECEIVED", tcp_state_name(TCP_SYN_RECEIVED));
	assert_string_equal("FIN-WAIT-2", tcp_state_name(TCP_FIN_WAIT_2));
	assert_string_equal("TIME-WAIT", tcp_state_name(TCP_TIME_WAIT));
	assert_string_equal("?", tcp_state_name(TCP_STATE_COUNT));
	assert_string_equal("?", tcp_state_name((enum tcp_state)99));
}

/* RFC 9293 3.5.2: group 3 only; SYN-RECEIVED is in group 2. */
static void test_types_synchronized_per_rfc_3_5_2_groups(void **state)
{
	static const bool want[TCP_STATE_COUNT] = {
		[TCP_ESTABLISHED] = true, [TCP_FIN_WAIT_1] = true,
		[TCP_FIN_WAIT_2] = true,  [TCP_CLOSE_WAIT] = true,
		[TCP_CLOSING] = true,     [TCP_LAST_ACK] = true,
		[TCP_TIME_WAIT] = true,
	};
	int s;

	(void)state;
	for (s = 0; s < TCP_STATE_COUNT; s++) {
		if (tcp_state_is_synchronized((enum tcp_state)s) != want[s])
			fail_msg("state %s: synchronized expected %d",
			         tcp_state_name((enum tcp_state)s), want[s]);
	}
	assert_false(tcp_state_is_synchronized(TCP_STATE_COUNT));
}

static void test_types_why_names_generated_from_list(void **state)
{
	int w;

	(void)state;
	assert_string_equal("NONE", tcp_why_name(TCP_WHY_NONE));
	assert_string_equal("BAD_OPTION", tcp_why_name(TCP_WHY_BAD_OPTION));
	assert_string_equal("RFC 9293 3.1: impossible option length (MUST-7)",
	                    tcp_why_ref(TCP_WHY_BAD_OPTION));
	assert_string_equal("?", tcp_why_name(TCP_WHY_COUNT));
	assert_string_equal("?", tcp_why_ref(TCP_WHY_COUNT));
	for (w = 0; w < TCP_WHY_COUNT; w++) {
		assert_non_null(tcp_why_name((enum tcp_why)w));
		assert_true(strlen(tcp_why_ref((enum tcp_why)w)) > 0);
	}
}

static void test_types_cause_and_err_names_known_and_unknown(void **state)
{
	(void)state;
	assert_string_equal("seg: RST", tcp_cause_name(TCP_CAUSE_RCV_RST));
	assert_string_equal("?", tcp_cause_name(TCP_CAUSE_COUNT));
	assert_string_equal("OK", tcp_err_name(0));
	assert_string_equal("ERESET", tcp_err_name(TCP_ERESET));
	assert_string_equal("connection reset", tcp_err_str(TCP_ERESET));
	assert_string_equal("EADDRNOTAVAIL", tcp_err_name(-12));
	assert_string_equal("EPROTO", tcp_err_name(-17));
	assert_string_equal("?", tcp_err_name(-18));
	assert_string_equal("?", tcp_err_name(1));
	assert_string_equal("unknown error", tcp_err_str(-99));
}

static void test_types_addr_eq_v4_ignores_tail_bytes(void **state)
{
	struct tcp_addr a = addr4(1), b = addr4(1), c = addr4(2);
	struct tcp_addr d6 = addr6(1), e6 = addr6(1);
	struct tcp_tuple t1, t2;

	(void)state;
	b.a[10] = 0x55; /* not part of an IPv4 address */
	assert_true(tcp_addr_eq(&a, &b));
	assert_false(tcp_addr_eq(&a, &c));
	assert_true(tcp_addr_eq(&d6, &e6));
	e6.a[10] = 1;
	assert_false(tcp_addr_eq(&d6, &e6));
	d6.family = TCP_AF_INET; /* same bytes, different family */
	e6 = addr6(1);
	assert_false(tcp_addr_eq(&d6, &e6));

	t1 = (struct tcp_tuple){ a, c, 80, 40000 };
	t2 = t1;
	assert_true(tcp_tuple_eq(&t1, &t2));
	t2.rport = 40001;
	assert_false(tcp_tuple_eq(&t1, &t2));
	t2 = (struct tcp_tuple){ c, a, 80, 40000 };
	assert_false(tcp_tuple_eq(&t1, &t2));
}

/* ===== TCP header view ===== */

static void test_view_linux_syn_fields_match_decode(void **state)
{
	struct tcp_wire_view v;
	const uint8_t *p;
	size_t n;

	(void)state;
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_wire_view_init(&v, SYN4_TCP, SYN4_TCP_LEN));
	assert_int_equal(40, v.hdr_bytes);
	assert_int_equal(40000, tcp_wire_sport(&v));
	assert_int_equal(80, tcp_wire_dport(&v));
	assert_int_equal(0x12345678u, tcp_wire_seq(&v));
	assert_int_equal(0, tcp_wire_ack(&v));
	assert_int_equal(10, tcp_wire_doff(&v));
	assert_int_equal(TCP_FLAG_SYN, tcp_wire_flags(&v));
	assert_int_equal(64240, tcp_wire_wnd(&v));
	assert_int_equal(0x2fe8, tcp_wire_csum(&v));
	assert_int_equal(0, tcp_wire_urp(&v));
	p = tcp_wire_opts(&v, &n);
	assert_ptr_equal(SYN4_TCP + 20, p);
	assert_int_equal(20, n);
	p = tcp_wire_payload(&v, &n);
	assert_ptr_equal(SYN4_TCP + 40, p);
	assert_int_equal(0, n);
}

static void test_view_data_segment_payload_bounds(void **state)
{
	struct tcp_wire_view v;
	const uint8_t *p;
	size_t n;

	(void)state;
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_wire_view_init(&v, DATA6_TCP, DATA6_TCP_LEN));
	assert_int_equal(TCP_FLAG_PSH | TCP_FLAG_ACK, tcp_wire_flags(&v));
	assert_int_equal(0x12345679u, tcp_wire_ack(&v));
	p = tcp_wire_opts(&v, &n);
	assert_int_equal(0, n);
	p = tcp_wire_payload(&v, &n);
	assert_int_equal(5, n);
	assert_memory_equal("hello", p, 5);
}

static void test_view_truncated_every_length_truncated(void **state)
{
	struct tcp_wire_view v;
	size_t len;

	(void)state;
	for (len = 0; len < TCP_HDR_MIN; len++)
		assert_int_equal(TCP_WHY_TRUNCATED,
		                 tcp_wire_view_init(&v, SYN4_TCP, len));
	/* 20..39 bytes hold the fixed header but not the 40 doff claims. */
	for (len = TCP_HDR_MIN; len < SYN4_TCP_LEN; len++)
		assert_int_equal(TCP_WHY_BAD_DOFF,
		                 tcp_wire_view_init(&v, SYN4_TCP, len));
	assert_int_equal(TCP_WHY_TRUNCATED, tcp_wire_view_init(&v, NULL, 40));
}

static void test_view_doff_0_to_4_bad_doff(void **state)
{
	uint8_t b[20] = { 0 };
	struct tcp_wire_view v;
	uint8_t d;

	(void)state;
	for (d = 0; d < 5; d++) {
		b[TCP_OFF_DOFF] = (uint8_t)(d << 4);
		assert_int_equal(TCP_WHY_BAD_DOFF,
		                 tcp_wire_view_init(&v, b, 20));
		assert_int_equal(0, v.hdr_bytes);
	}
	b[TCP_OFF_DOFF] = 5 << 4;
	assert_int_equal(TCP_WHY_NONE, tcp_wire_view_init(&v, b, 20));
}

static void test_view_doff_past_len_bad_doff(void **state)
{
	uint8_t b[60] = { 0 };
	struct tcp_wire_view v;
	uint8_t d;

	(void)state;
	for (d = 6; d < 16; d++) {
		b[TCP_OFF_DOFF] = (uint8_t)(d << 4);
		assert_int_equal(TCP_WHY_BAD_DOFF,
		                 tcp_wire_view_init(&v, b, (size_t)d * 4 - 1));
		assert_int_equal(TCP_WHY_NONE,
		                 tcp_wire_view_init(&v, b, (size_t)d * 4));
	}
}

static void test_setters_any_value_read_back_by_getters(void **state)
{
	uint8_t b[20];
	struct tcp_wire_view v;

	(void)state;
	memset(b, 0xff, sizeof(b));
	tcp_wire_set_sport(b, 1);
	tcp_wire_set_dport(b, 0xfffe);
	tcp_wire_set_seq(b, 0xfffffff0u);
	tcp_wire_set_ack(b, 7);
	tcp_wire_set_flags(b, TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR);
	tcp_wire_set_doff(b, 5);
	tcp_wire_set_wnd(b, 0);
	tcp_wire_set_csum(b, 0xbeef);
	tcp_wire_set_urp(b, 0x1234);
	/* Reserved bits (0x0e of byte 12) are kept by both setters. */
	assert_int_equal(0x5e, b[TCP_OFF_DOFF]);
	assert_int_equal(TCP_WHY_NONE, tcp_wire_view_init(&v, b, sizeof(b)));
	assert_int_equal(1, tcp_wire_sport(&v));
	assert_int_equal(0xfffe, tcp_wire_dport(&v));
	assert_int_equal(0xfffffff0u, tcp_wire_seq(&v));
	assert_int_equal(7, tcp_wire_ack(&v));
	assert_int_equal(TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR,
	                 tcp_wire_flags(&v));
	assert_int_equal(0, tcp_wire_wnd(&v));
	assert_int_equal(0xbeef, tcp_wire_csum(&v));
	assert_int_equal(0x1234, tcp_wire_urp(&v));

	/* AE lives in byte 12; setting the offset keeps it. */
	tcp_wire_set_flags(b, TCP_FLAG_AE | TCP_FLAG_ACK);
	tcp_wire_set_doff(b, 5);
	assert_int_equal(0x5f, b[TCP_OFF_DOFF]);
	assert_int_equal(0x10, b[TCP_OFF_FLAGS]);
	assert_int_equal(TCP_WHY_NONE, tcp_wire_view_init(&v, b, sizeof(b)));
	assert_int_equal(TCP_FLAG_AE | TCP_FLAG_ACK, tcp_wire_flags(&v));

	/* An impossible offset can be written; the view then refuses it. */
	tcp_wire_set_doff(b, 15);
	assert_int_equal(TCP_WHY_BAD_DOFF, tcp_wire_view_init(&v, b, 20));
	tcp_wire_set_doff(b, 0x1f); /* only the low 4 bits are used */
	assert_int_equal(0xff, b[TCP_OFF_DOFF]);
}

/* ===== checksums ===== */

/* RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2. */
static void test_csum_rfc1071_example_complement_220d(void **state)
{
	/* clang-format off */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
		                     0xf4, 0xf5, 0xf6, 0xf7 };
	/* clang-format on */

	(void)state;
	assert_int_equal(0x220d,
	                 tcp_wire_csum_fold(tcp_wire_csum_add(0, b, 8)));
	assert_int_equal(0xffff, tcp_wire_csum_fold(0));
}

static void test_csum_odd_length_pads_right_with_zero(void **state)
{
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	static const uint8_t even[] = { 0x12, 0x34, 0x56, 0x00 };

	(void)state;
	assert_int_equal(tcp_wire_csum_add(0, even, 4),
	                 tcp_wire_csum_add(0, odd, 3));
	assert_int_equal(0x5600, tcp_wire_csum_add(0, odd + 2, 1));
	assert_int_equal(0, tcp_wire_csum_add(0, odd, 0));
}

static void test_csum_unaligned_and_split_sums_agree(void **state)
{
	uint8_t buf[1 + sizeof(pkt_syn4)];
	uint32_t whole, split;

	(void)state;
	memcpy(buf + 1, pkt_syn4, sizeof(pkt_syn4)); /* odd address */
	whole = tcp_wire_csum_add(0, pkt_syn4, sizeof(pkt_syn4));
	assert_int_equal(whole,
	                 tcp_wire_csum_add(0, buf + 1, sizeof(pkt_syn4)));
	split = tcp_wire_csum_add(0, pkt_syn4, 10);
	split = tcp_wire_csum_add(split, pkt_syn4 + 10, sizeof(pkt_syn4) - 10);
	assert_int_equal(tcp_wire_csum_fold(whole), tcp_wire_csum_fold(split));
}

static void test_csum_large_buffer_no_overflow(void **state)
{
	static uint8_t big[200000];
	uint32_t sum;

	(void)state;
	memset(big, 0xff, sizeof(big));
	/* 100000 words of 0xffff: one's-complement sum is 0xffff. */
	sum = tcp_wire_csum_add(0xffffffffu, big, sizeof(big));
	assert_int_equal(0, tcp_wire_csum_fold(sum));
}

/*
 * Every length from 0 to 80 at every alignment 0..7, running sums split at
 * each even offset, against RFC 1071 written out one big-endian word at a
 * time: the word loads of tcp_wire_csum_add must give the same folded sum.
 */
static uint16_t csum_words(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	return tcp_wire_csum_fold(sum);
}

static void test_csum_word_loads_match_rfc1071_each_length(void **state)
{
	uint8_t buf[8 + 80];
	uint32_t x = 12345;
	size_t al, len, cut, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++) { /* a fixed LCG: carries galore */
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16 | (i % 5 == 0 ? 0xf0 : 0));
	}
	for (al = 0; al < 8; al++)
		for (len = 0; len <= 80; len++) {
			const uint8_t *p = buf + al;
			uint16_t want = csum_words(p, len);

			assert_int_equal(want,
			                 tcp_wire_csum_fold(
			                     tcp_wire_csum_add(0, p, len)));
			for (cut = 0; cut <= len; cut += 2)
				assert_int_equal(
				    want, tcp_wire_csum_fold(tcp_wire_csum_add(
				              tcp_wire_csum_add(0, p, cut),
				              p + cut, len - cut)));
		}
}

static void test_csum_ipv4_syn_known_value_2fe8(void **state)
{
	struct tcp_addr s = addr4(1), d = addr4(2);

	(void)state;
	assert_int_equal(0x2fe8,
	                 tcp_wire_tcp_csum(&s, &d, SYN4_TCP, SYN4_TCP_LEN));
	assert_true(tcp_wire_tcp_csum_ok(&s, &d, SYN4_TCP, SYN4_TCP_LEN));
	/* Swapped addresses sum the same (addition commutes)... */
	assert_true(tcp_wire_tcp_csum_ok(&d, &s, SYN4_TCP, SYN4_TCP_LEN));
	/* ...but a different address does not. */
	d = addr4(3);
	assert_false(tcp_wire_tcp_csum_ok(&s, &d, SYN4_TCP, SYN4_TCP_LEN));
}

/* RFC 8200 8.1: 32-bit length, three zero bytes, next header 6. */
static void test_csum_ipv6_pseudo_header_known_value_6e7e(void **state)
{
	struct tcp_addr s = addr6(1), d = addr6(2);

	(void)state;
	assert_int_equal(0x6e7e,
	                 tcp_wire_tcp_csum(&s, &d, DATA6_TCP, DATA6_TCP_LEN));
	assert_true(tcp_wire_tcp_csum_ok(&s, &d, DATA6_TCP, DATA6_TCP_LEN));
	/* The same bytes with the IPv4 pseudo-header do not verify. */
	s = addr4(1);
	d = addr4(2);
	assert_false(tcp_wire_tcp_csum_ok(&s, &d, DATA6_TCP, DATA6_TCP_LEN));
}

static void flip_every_bit_fails(const struct tcp_addr *s,
                                 const struct tcp_addr *d, uint8_t *b,
                                 size_t len)
{
	size_t i;
	int bit;

	tcp_wire_tcp_csum_fill(s, d, b, len);
	assert_true(tcp_wire_tcp_csum_ok(s, d, b, len));
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			if (tcp_wire_tcp_csum_ok(s, d, b, len))
				fail_msg("byte %zu bit %d flipped, csum ok", i,
				         bit);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_true(tcp_wire_tcp_csum_ok(s, d, b, len));
}

static void test_csum_fill_then_any_bit_flip_fails(void **state)
{
	uint8_t b4[sizeof(pkt_syn4)], b6[sizeof(pkt_data6)];
	struct tcp_addr s4 = addr4(1), d4 = addr4(2);
	struct tcp_addr s6 = addr6(1), d6 = addr6(2);

	(void)state;
	memcpy(b4, SYN4_TCP, SYN4_TCP_LEN);
	tcp_wire_set_csum(b4, 0x5555);
	flip_every_bit_fails(&s4, &d4, b4, SYN4_TCP_LEN);
	assert_int_equal(0x2fe8, tcp_wire_rd16(b4 + TCP_OFF_CSUM));
	memcpy(b6, DATA6_TCP, DATA6_TCP_LEN); /* odd length */
	flip_every_bit_fails(&s6, &d6, b6, DATA6_TCP_LEN);
	assert_int_equal(0x6e7e, tcp_wire_rd16(b6 + TCP_OFF_CSUM));
}

/*
 * RFC 1071: 0x0000 and 0xffff are both zero in one's complement. Choose a
 * payload word that makes the computed checksum 0x0000 and check that the
 * receiver accepts the field written either way.
 */
static void test_csum_negative_zero_field_accepted(void **state)
{
	struct tcp_addr s = addr4(1), d = addr4(2);
	uint8_t b[22] = { 0 };
	uint16_t c;

	(void)state;
	tcp_wire_set_doff(b, 5);
	tcp_wire_set_flags(b, TCP_FLAG_ACK);
	c = tcp_wire_tcp_csum(&s, &d, b, sizeof(b));
	tcp_wire_wr16(b + 20, c);
	assert_int_equal(0x0000, tcp_wire_tcp_csum(&s, &d, b, sizeof(b)));
	tcp_wire_set_csum(b, 0x0000);
	assert_true(tcp_wire_tcp_csum_ok(&s, &d, b, sizeof(b)));
	tcp_wire_set_csum(b, 0xffff);
	assert_true(tcp_wire_tcp_csum_ok(&s, &d, b, sizeof(b)));
}

static void test_csum_short_segment_not_ok_fill_noop(void **state)
{
	struct tcp_addr s = addr4(1), d = addr4(2);
	uint8_t b[17] = { 0 };
	size_t len;

	(void)state;
	for (len = 0; len < 18; len++)
		assert_false(tcp_wire_tcp_csum_ok(&s, &d, SYN4_TCP, len));
	tcp_wire_tcp_csum_fill(&s, &d, b, sizeof(b)); /* must not write */
	for (len = 0; len < sizeof(b); len++)
		assert_int_equal(0, b[len]);
	/* The checksum of a short buffer is still defined. */
	(void)tcp_wire_tcp_csum(&s, &d, b, sizeof(b));
}

/* ===== option iterator ===== */

static void test_opt_iter_linux_syn_yields_each_option(void **state)
{
	/* clang-format off */
	static const struct {
		uint8_t kind, len;
		size_t off;
	} want[] = { { 2, 4, 0 }, { 4, 2, 4 }, { 8, 10, 6 },
		     { 1, 1, 16 }, { 3, 3, 17 } };
	/* clang-format on */
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;
	size_t i;

	(void)state;
	tcp_wire_opt_iter_init(&it, SYN4_TCP + 20, 20);
	for (i = 0; i < TCP_ARRAY_LEN(want); i++) {
		assert_int_equal(1, tcp_wire_opt_next(&it, &o));
		assert_int_equal(want[i].kind, o.kind);
		assert_int_equal(want[i].len, o.len);
		assert_int_equal(want[i].off, o.off);
		if (o.kind == TCP_OPT_NOP)
			assert_null(o.data);
		else
			assert_ptr_equal(SYN4_TCP + 20 + o.off + 2, o.data);
	}
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
}

/* MUST-7: lengths 0 and 1 are impossible; the iterator stays at the end. */
static void test_opt_iter_len0_len1_error_then_end(void **state)
{
	uint8_t b[8] = { 1, 30, 0, 1, 1, 1, 1, 1 };
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;
	uint8_t l;

	(void)state;
	for (l = 0; l < 2; l++) {
		b[2] = l;
		tcp_wire_opt_iter_init(&it, b, sizeof(b));
		assert_int_equal(1, tcp_wire_opt_next(&it, &o)); /* NOP */
		assert_int_equal(-1, tcp_wire_opt_next(&it, &o));
		assert_int_equal(0, tcp_wire_opt_next(&it, &o));
	}
}

static void test_opt_iter_overrun_and_missing_length_error(void **state)
{
	/* nop, mss len 4 with only 3 bytes left */
	static const uint8_t over[] = { 1, 2, 4, 5 };
	/* nop nop nop, kind 8 with no length byte */
	static const uint8_t nolen[] = { 1, 1, 1, 8 };
	/* an unknown kind claiming 255 bytes */
	static const uint8_t huge[] = { 0xfe, 0xff, 0, 0 };
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;

	(void)state;
	tcp_wire_opt_iter_init(&it, over, sizeof(over));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(-1, tcp_wire_opt_next(&it, &o));
	tcp_wire_opt_iter_init(&it, nolen, sizeof(nolen));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(-1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
	tcp_wire_opt_iter_init(&it, huge, sizeof(huge));
	assert_int_equal(-1, tcp_wire_opt_next(&it, &o));
}

/* MUST-69: what follows EOL is padding, even when it is not zeros. */
static void test_opt_iter_eol_then_garbage_ends(void **state)
{
	static const uint8_t b[] = { 2, 4, 5, 0xb4, 0, 0, 0xff, 0x01 };
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;

	(void)state;
	tcp_wire_opt_iter_init(&it, b, sizeof(b));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(TCP_OPT_MSS, o.kind);
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
}

/* MUST-64: options need not start on a word boundary. */
static void test_opt_iter_unaligned_and_empty_ok(void **state)
{
	static const uint8_t b[] = { 1, 3, 3, 7, 2, 4, 0x05, 0xb4 };
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;

	(void)state;
	tcp_wire_opt_iter_init(&it, b, sizeof(b));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(TCP_OPT_WS, o.kind);
	assert_int_equal(1, o.off);
	assert_int_equal(1, tcp_wire_opt_next(&it, &o));
	assert_int_equal(TCP_OPT_MSS, o.kind);
	assert_int_equal(4, o.off);
	assert_int_equal(1460, tcp_wire_rd16(o.data));
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));

	tcp_wire_opt_iter_init(&it, b, 0);
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
	tcp_wire_opt_iter_init(&it, NULL, 12);
	assert_int_equal(0, tcp_wire_opt_next(&it, &o));
}

/* ===== IP layer ===== */

static void test_ip4_parse_syn_fields(void **state)
{
	struct tcp_ip_info ip;
	struct tcp_addr s = addr4(1), d = addr4(2);

	(void)state;
	assert_int_equal(TCP_WHY_NONE,
	                 tcp_wire_ip_parse(pkt_syn4, sizeof(pkt_syn4), &ip));
	assert_true(tcp_addr_eq(&s, &ip.src));
	assert_true(tcp_addr_eq(&d, &ip.dst));
	assert_int_equal(64, ip.ttl);
	assert_int_equal(0, ip.tos);
	assert_int_equal(0x1c46, ip.ip_id);
	assert_int_equal(20, ip.ip_hdr_bytes);
	assert_ptr_equal(SYN4_TCP, ip.tcp);
	assert_int_equal(40, ip.tcp_len);
}

/* The classic example (Wikipedia, "IPv4 header checksum"): UDP, b861. */
static void test_ip4_header_csum_known_value_b861(void **state)
{
	/* clang-format off */
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
		        0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
		        0xc0, 0xa8, 0x00, 0xc7 };
	/* clang-format on */
	uint8_t pkt[0x73] = { 0 };
	struct tcp_ip_info ip;

	(void)state;
	assert_int_equal(0xb861,
	                 tcp_wire_csum_fold(tcp_wire_csum_add(0, h, 20)));
	tcp_wire_wr16(h + 10, 0xb861);
	memcpy(pkt, h, sizeof(h));
	/* Checksum accepted, then refused as not TCP (protocol 17). */
	assert_int_equal(TCP_WHY_NOT_IP,
	                 tcp_wire_ip_parse(pkt, sizeof(pkt), &ip));
	pkt[10] ^= 0x01;
	assert_int_equal(TCP_WHY_BAD_IP,
	                 tcp_wire_ip_parse(pkt, sizeof(pkt), &ip));
}

static void test_ip4_truncated_every_length_truncated(void **state)
{
	struct tcp_ip_info ip;
	size_t len;

	(void)state;
	for (len = 0; len < sizeof(pkt_syn4); len++) {
		if (tcp_wire_ip_parse(pkt_syn4, len, &ip) != TCP_WHY_TRUNCATED)
			fail_msg("len %zu: expected TRUNCATED", len);
		assert_null(ip.tcp);
	}
	assert_int_equal(TCP_WHY_TRUNCATED, tcp_wire_ip_parse(NULL, 60, &ip));
}

static void ip4_fix_csum(uint8_t *h)
{
	size_t ihl = (size_t)(h[0] & 0x0f) * 4;

	tcp_wire_wr16(h + 10, 0);
	tcp_wire_wr16(h + 10, tcp_wire_csum_fold(tcp_wire_csum_add(0, h, ihl)));
}

static void test_ip4_bad_lengths_bad_ip_or_truncated(void **state)
{
	uint8_t p[sizeof(pkt_syn4)];
	struct tcp_ip_info ip;
	uint8_t ihl;

	(void)state;
	for (ihl = 0; ihl < 5; ihl++) {
		memcpy(p, pkt_syn4, sizeof(p));
		p[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(TCP_WHY_BAD_IP,
		                 tcp_wire_ip_parse(p, sizeof(p), &ip));
	}
	/* IHL 15 (60 bytes) with a 40-byte packet: cannot be read. */
	memcpy(p, pkt_syn4, sizeof(p));
	p[0] = 0x4f;
	assert_int_equal(TCP_WHY_TRUNCATED, tcp_wire_ip_parse(p, 40, &ip));
	/* Total length shorter than the header. */
	memcpy(p, pkt_syn4, sizeof(p));
	tcp_wire_wr16(p + 2, 19);
	ip4_fix_csum(p);
	assert_int_equal(TCP_WHY_BAD_IP, tcp_wire_ip_parse(p, sizeof(p), &ip));
	/* Total length longer than what we hold. */
	tcp_wire_wr16(p + 2, sizeof(p) + 1);
	ip4_fix_csum(p);
	assert_int_equal(TCP_WHY_TRUNCATED,
	                 tcp_wire_ip_parse(p, sizeof(p), &ip));
	/* Total length exactly the header: an empty TCP segment. */
	tcp_wire_wr16(p + 2, 20);
	ip4_fix_csum(p);
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(p, sizeof(p), &ip));
	assert_int_equal(0, ip.tcp_len);
}

static void test_ip4_trailing_padding_ignored(void **state)
{
	uint8_t p[sizeof(pkt_syn4) + 6];
	struct tcp_ip_info ip;

	(void)state;
	memcpy(p, pkt_syn4, sizeof(pkt_syn4));
	memset(p + sizeof(pkt_syn4), 0xee, 6); /* Ethernet trailer */
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(p, sizeof(p), &ip));
	assert_int_equal(40, ip.tcp_len);
}

static void test_ip4_protocol_udp_not_ip(void **state)
{
	uint8_t p[sizeof(pkt_syn4)];
	struct tcp_ip_info ip;

	(void)state;
	memcpy(p, pkt_syn4, sizeof(p));
	p[9] = 17;
	ip4_fix_csum(p);
	assert_int_equal(TCP_WHY_NOT_IP, tcp_wire_ip_parse(p, sizeof(p), &ip));
}

static void test_ip4_mf_or_offset_fragment(void **state)
{
	static const uint16_t frag[] = { 0x2000, 0x0001, 0x1fff, 0x6000,
		                         0x4001 };
	uint8_t p[sizeof(pkt_syn4)];
	struct tcp_ip_info ip;
	size_t i;

	(void)state;
	for (i = 0; i < TCP_ARRAY_LEN(frag); i++) {
		memcpy(p, pkt_syn4, sizeof(p));
		tcp_wire_wr16(p + 6, frag[i]);
		ip4_fix_csum(p);
		assert_int_equal(TCP_WHY_IP_FRAGMENT,
		                 tcp_wire_ip_parse(p, sizeof(p), &ip));
	}
	/* DF alone and the reserved bit alone are not fragments. */
	memcpy(p, pkt_syn4, sizeof(p));
	tcp_wire_wr16(p + 6, 0x8000);
	ip4_fix_csum(p);
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(p, sizeof(p), &ip));
}

static void test_ip4_with_options_ihl6_parsed(void **state)
{
	uint8_t p[sizeof(pkt_syn4) + 4];
	struct tcp_ip_info ip;

	(void)state;
	memcpy(p, pkt_syn4, 20);
	memset(p + 20, 1, 4); /* four IP NOP options */
	memcpy(p + 24, SYN4_TCP, SYN4_TCP_LEN);
	p[0] = 0x46;
	tcp_wire_wr16(p + 2, sizeof(p));
	ip4_fix_csum(p);
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(p, sizeof(p), &ip));
	assert_int_equal(24, ip.ip_hdr_bytes);
	assert_ptr_equal(p + 24, ip.tcp);
	assert_int_equal(40, ip.tcp_len);
}

static void test_ip6_parse_fields(void **state)
{
	uint8_t p[sizeof(pkt_data6)];
	struct tcp_ip_info ip;
	struct tcp_addr s = addr6(1), d = addr6(2);

	(void)state;
	memcpy(p, pkt_data6, sizeof(p));
	p[0] = 0x6a; /* traffic class 0xab */
	p[1] = 0xb0;
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(p, sizeof(p), &ip));
	assert_true(tcp_addr_eq(&s, &ip.src));
	assert_true(tcp_addr_eq(&d, &ip.dst));
	assert_int_equal(64, ip.ttl);
	assert_int_equal(0xab, ip.tos);
	assert_int_equal(0, ip.ip_id);
	assert_int_equal(40, ip.ip_hdr_bytes);
	assert_ptr_equal(p + 40, ip.tcp);
	assert_int_equal(25, ip.tcp_len);
}

static void test_ip6_truncated_and_next_header_not_tcp(void **state)
{
	uint8_t p[sizeof(pkt_data6) + 3];
	struct tcp_ip_info ip;
	size_t len;

	(void)state;
	for (len = 0; len < sizeof(pkt_data6); len++)
		assert_int_equal(TCP_WHY_TRUNCATED,
		                 tcp_wire_ip_parse(pkt_data6, len, &ip));
	memcpy(p, pkt_data6, sizeof(pkt_data6));
	/* Trailing bytes beyond the payload length are ignored. */
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(p, sizeof(p), &ip));
	assert_int_equal(25, ip.tcp_len);
	p[6] = 0; /* hop-by-hop options header: not followed */
	assert_int_equal(TCP_WHY_NOT_IP, tcp_wire_ip_parse(p, sizeof(p), &ip));
	p[6] = 17;
	assert_int_equal(TCP_WHY_NOT_IP, tcp_wire_ip_parse(p, sizeof(p), &ip));
}

static void test_ip_other_versions_not_ip(void **state)
{
	uint8_t p[sizeof(pkt_syn4)];
	struct tcp_ip_info ip;
	unsigned ver;

	(void)state;
	memcpy(p, pkt_syn4, sizeof(p));
	for (ver = 0; ver < 16; ver++) {
		if (ver == 4 || ver == 6)
			continue;
		p[0] = (uint8_t)(ver << 4 | 5);
		assert_int_equal(TCP_WHY_NOT_IP,
		                 tcp_wire_ip_parse(p, sizeof(p), &ip));
	}
}

static void test_ip_emit_v4_matches_known_header(void **state)
{
	struct tcp_addr s = addr4(1), d = addr4(2);
	uint8_t b[20];

	(void)state;
	assert_int_equal(20, tcp_wire_ip_emit(&s, &d, 64, 0, 0x1c46, 40, b,
	                                      sizeof(b)));
	assert_memory_equal(pkt_syn4, b, 20);
	assert_int_equal(0, tcp_wire_ip_emit(&s, &d, 64, 0, 0, 40, b, 19));
	assert_int_equal(0, tcp_wire_ip_emit(&s, &d, 64, 0, 0, 65516, b, 20));
	assert_int_equal(20, tcp_wire_ip_emit(&s, &d, 64, 0, 0, 65515, b, 20));
}

static void test_ip_emit_v6_matches_known_header(void **state)
{
	struct tcp_addr s = addr6(1), d = addr6(2), s4 = addr4(1);
	struct tcp_ip_info ip;
	uint8_t b[40 + 25];

	(void)state;
	assert_int_equal(40,
	                 tcp_wire_ip_emit(&s, &d, 64, 0, 0, 25, b, sizeof(b)));
	assert_memory_equal(pkt_data6, b, 40);
	assert_int_equal(40, tcp_wire_ip_emit(&s, &d, 3, 0xab, 0, 25, b,
	                                      sizeof(b)));
	memcpy(b + 40, DATA6_TCP, 25);
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(b, sizeof(b), &ip));
	assert_int_equal(0xab, ip.tos);
	assert_int_equal(3, ip.ttl);
	assert_int_equal(0, tcp_wire_ip_emit(&s, &d, 64, 0, 0, 25, b, 39));
	assert_int_equal(0, tcp_wire_ip_emit(&s, &d, 64, 0, 0, 65536, b, 40));
	/* Mixed or unspecified families. */
	assert_int_equal(0, tcp_wire_ip_emit(&s4, &d, 64, 0, 0, 25, b, 40));
	s.family = 0;
	d.family = 0;
	assert_int_equal(0, tcp_wire_ip_emit(&s, &d, 64, 0, 0, 25, b, 40));
}

static void test_ip_emit_then_parse_round_trip(void **state)
{
	struct tcp_addr s = { TCP_AF_INET, { 192, 168, 1, 1 } };
	struct tcp_addr d = { TCP_AF_INET, { 255, 0, 0, 254 } };
	struct tcp_ip_info ip;
	uint8_t b[20 + 7] = { 0 };

	(void)state;
	assert_int_equal(20, tcp_wire_ip_emit(&s, &d, 1, 0x10, 0xffff, 7, b,
	                                      sizeof(b)));
	assert_int_equal(TCP_WHY_NONE, tcp_wire_ip_parse(b, sizeof(b), &ip));
	assert_true(tcp_addr_eq(&s, &ip.src));
	assert_true(tcp_addr_eq(&d, &ip.dst));
	assert_int_equal(1, ip.ttl);
	assert_int_equal(0x10, ip.tos);
	assert_int_equal(0xffff, ip.ip_id);
	assert_int_equal(7, ip.tcp_len);
	assert_int_equal(0x40, b[6]); /* DF */
}

static uint32_t xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Garbage never crashes, and a success is always self-consistent. */
static void test_ip_parse_garbage_verdict_in_bounds(void **state)
{
	uint8_t b[100];
	struct tcp_ip_info ip;
	uint32_t x = 0x1234567u;
	enum tcp_why w;
	size_t len, i;
	int iter;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		len = xorshift32(&x) % (sizeof(b) + 1);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)xorshift32(&x);
		if (len > 0 && (iter & 1))
			b[0] = (iter & 2) ? 0x45 : 0x60;
		if (len >= 20 && (iter & 7) == 1) {
			tcp_wire_wr16(b + 2, (uint16_t)len);
			b[9] = 6;
			ip4_fix_csum(b);
		}
		w = tcp_wire_ip_parse(b, len, &ip);
		assert_true(w < TCP_WHY_COUNT);
		if (w == TCP_WHY_NONE) {
			assert_true(ip.tcp >= b);
			assert_true(ip.ip_hdr_bytes + ip.tcp_len <= len);
			assert_ptr_equal(b + ip.ip_hdr_bytes, ip.tcp);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* types */
		cmocka_unit_test(test_types_state_names_rfc_spelling),
		cmocka_unit_test(test_types_synchronized_per_rfc_3_5_2_groups),
		cmocka_unit_test(test_types_why_names_generated_from_list),
		cmocka_unit_test(
		    test_types_cause_and_err_names_known_and_unknown),
		cmocka_unit_test(test_types_addr_eq_v4_ignores_tail_bytes),
		/* view */
		cmocka_unit_test(test_view_linux_syn_fields_match_decode),
		cmocka_unit_test(test_view_data_segment_payload_bounds),
		cmocka_unit_test(test_view_truncated_every_length_truncated),
		cmocka_unit_test(test_view_doff_0_to_4_bad_doff),
		cmocka_unit_test(test_view_doff_past_len_bad_doff),
		cmocka_unit_test(test_setters_any_value_read_back_by_getters),
		/* checksums */
		cmocka_unit_test(test_csum_rfc1071_example_complement_220d),
		cmocka_unit_test(test_csum_odd_length_pads_right_with_zero),
		cmocka_unit_test(test_csum_unaligned_and_split_sums_agree),
		cmocka_unit_test(test_csum_large_buffer_no_overflow),
		cmocka_unit_test(
		    test_csum_word_loads_match_rfc1071_each_length),
		cmocka_unit_test(test_csum_ipv4_syn_known_value_2fe8),
		cmocka_unit_test(test_csum_ipv6_pseudo_header_known_value_6e7e),
		cmocka_unit_test(test_csum_fill_then_any_bit_flip_fails),
		cmocka_unit_test(test_csum_negative_zero_field_accepted),
		cmocka_unit_test(test_csum_short_segment_not_ok_fill_noop),
		/* option iterator */
		cmocka_unit_test(test_opt_iter_linux_syn_yields_each_option),
		cmocka_unit_test(test_opt_iter_len0_len1_error_then_end),
		cmocka_unit_test(
		    test_opt_iter_overrun_and_missing_length_error),
		cmocka_unit_test(test_opt_iter_eol_then_garbage_ends),
		cmocka_unit_test(test_opt_iter_unaligned_and_empty_ok),
		/* IP layer */
		cmocka_unit_test(test_ip4_parse_syn_fields),
		cmocka_unit_test(test_ip4_header_csum_known_value_b861),
		cmocka_unit_test(test_ip4_truncated_every_length_truncated),
		cmocka_unit_test(test_ip4_bad_lengths_bad_ip_or_truncated),
		cmocka_unit_test(test_ip4_trailing_padding_ignored),
		cmocka_unit_test(test_ip4_protocol_udp_not_ip),
		cmocka_unit_test(test_ip4_mf_or_offset_fragment),
		cmocka_unit_test(test_ip4_with_options_ihl6_parsed),
		cmocka_unit_test(test_ip6_parse_fields),
		cmocka_unit_test(test_ip6_truncated_and_next_header_not_tcp),
		cmocka_unit_test(test_ip_other_versions_not_ip),
		cmocka_unit_test(test_ip_emit_v4_matches_known_header),
		cmocka_unit_test(test_ip_emit_v6_matches_known_header),
		cmocka_unit_test(test_ip_emit_then_parse_round_trip),
		cmocka_unit_test(test_ip_parse_garbage_verdict_in_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
