/* SPDX-License-Identifier: MIT
 *
 * ICMP and ICMPv6 errors (RFC 9293 3.9.2.2: MUST-54, MUST-55, MUST-56,
 * SHLD-25, SHLD-26; RFC 5927 4.1): the error parser and writer of the byte
 * view, the soft/hard classification, and what a connection and the table
 * do with an error. States are reached through real transitions (STYLE R34).
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "tcpref/stack.h"
#include "tcpref/wire.h"

#define SEC 1000000ull

/* ---- Independent helpers: addresses, checksums, packets ------------------ */

static uint32_t xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static struct tcp_addr a4(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	struct tcp_addr a;

	memset(&a, 0, sizeof(a));
	tcp_addr_v4(&a, b0, b1, b2, b3);
	return a;
}

/* 2001:db8:0:net::last */
static struct tcp_addr a6(uint8_t net, uint8_t last)
{
	struct tcp_addr a;

	memset(&a, 0, sizeof(a));
	a.family = TCP_AF_INET6;
	a.a[0] = 0x20;
	a.a[1] = 0x01;
	a.a[2] = 0x0d;
	a.a[3] = 0xb8;
	a.a[7] = net;
	a.a[15] = last;
	return a;
}

/*
 * An RFC 1071 sum written here rather than taken from tcp_wire_csum_add,
 * so that the checksums of the stack are checked against something else:
 * big-endian 16-bit words, an odd last byte padded on the right.
 */
static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 4443 2.3 / RFC 8200 8.1: the pseudo-header of an ICMPv6 message. */
static uint32_t ref_pseudo6(const uint8_t *ip6, size_t mlen)
{
	const uint8_t tail[8] = { (uint8_t)(mlen >> 24),
		                  (uint8_t)(mlen >> 16),
		                  (uint8_t)(mlen >> 8),
		                  (uint8_t)mlen,
		                  0,
		                  0,
		                  0,
		                  TCP_IPPROTO_ICMPV6 };

	return ref_sum(ref_sum(0, ip6 + 8, 32), tail, sizeof(tail));
}

/*
 * Recomputes the checksums of an ICMP/ICMPv6 packet after the test edited
 * it: the IPv4 header checksum, and the ICMP checksum over the message as
 * the IP header delimits it (with the pseudo-header for ICMPv6).
 */
static void ref_refix(uint8_t *pkt)
{
	uint8_t *m;
	size_t hl, mlen;
	uint16_t c;

	if ((pkt[0] >> 4) == 4) {
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		mlen = tcp_wire_rd16(pkt + 2) - hl;
		m = pkt + hl;
		if (mlen >= 4) {
			m[2] = m[3] = 0;
			c = ref_fold(ref_sum(0, m, mlen));
			tcp_wire_wr16(m + 2, c);
		}
		pkt[10] = pkt[11] = 0;
		tcp_wire_wr16(pkt + 10, ref_fold(ref_sum(0, pkt, hl)));
		return;
	}
	mlen = tcp_wire_rd16(pkt + 4);
	m = pkt + TCP_IP6_HDR;
	if (mlen >= 4) {
		m[2] = m[3] = 0;
		c = ref_fold(ref_sum(ref_pseudo6(pkt, mlen), m, mlen));
		tcp_wire_wr16(m + 2, c);
	}
}

/* Recomputes the header checksum of an IPv4 packet the test edited. */
static void ref_fix_ip4(uint8_t *pkt)
{
	size_t hl = (size_t)(pkt[0] & 0x0f) * 4;

	pkt[10] = pkt[11] = 0;
	tcp_wire_wr16(pkt + 10, ref_fold(ref_sum(0, pkt, hl)));
}

/* One address family under test, with the addresses of its actors. */
struct fam {
	uint8_t family;
	size_t hl; /* outer and quoted IP header */
	struct tcp_addr us, peer, rtr;
	uint8_t unreach, time_exceeded, param_problem, echo_request;
};

static struct fam fam_of(uint8_t family)
{
	struct fam m;

	memset(&m, 0, sizeof(m));
	m.family = family;
	if (family == TCP_AF_INET) {
		m.hl = TCP_IP4_HDR_MIN;
		/* The fixture's tuple: 192.0.2.1 (us) and 192.0.2.2. */
		m.us = a4(192, 0, 2, 1);
		m.peer = a4(192, 0, 2, 2);
		m.rtr = a4(198, 51, 100, 7);
		m.unreach = TCP_ICMP4_UNREACH;
		m.time_exceeded = TCP_ICMP4_TIME_EXCEEDED;
		m.param_problem = TCP_ICMP4_PARAM_PROBLEM;
		m.echo_request = 8;
	} else {
		m.hl = TCP_IP6_HDR;
		m.us = a6(0, 1);
		m.peer = a6(0, 2);
		m.rtr = a6(0xff, 7);
		m.unreach = TCP_ICMP6_UNREACH;
		m.time_exceeded = TCP_ICMP6_TIME_EXCEEDED;
		m.param_problem = TCP_ICMP6_PARAM_PROBLEM;
		m.echo_request = 128;
	}
	return m;
}

/* A segment we sent; later designated initializers override (R33). */
#define OUR_SEG(...)                                                           \
	((struct tcp_seg){ .sport = LOCAL_PORT,                                \
	                   .dport = REMOTE_PORT,                               \
	                   .seq.v = 0x89abcdefu,                               \
	                   .flags = TCP_FLAG_SYN,                              \
	                   .wnd = 65535,                                       \
	                   .opts = { .present = TCP_OPTF_MSS, .mss = 1460 },   \
	                   __VA_ARGS__ })

/* seg from src to dst as it left: IP header then TCP segment. */
static size_t our_packet(const struct tcp_addr *src, const struct tcp_addr *dst,
                         const struct tcp_seg *seg, uint8_t *buf, size_t cap)
{
	size_t hl = src->family == TCP_AF_INET6 ? TCP_IP6_HDR : TCP_IP4_HDR_MIN;
	size_t n = tcp_seg_emit(seg, src, dst, buf + hl, cap - hl);

	assert_true(n >= TCP_HDR_MIN);
	assert_int_equal(tcp_wire_ip_emit(src, dst, 64, 0, 0x1234, n, buf, cap),
	                 hl);
	return hl + n;
}

/* An ICMP error from the router to us quoting q[0..qn). */
static size_t icmp_pkt(const struct fam *m, uint8_t type, uint8_t code,
                       uint32_t info, const uint8_t *q, size_t qn, uint8_t *buf,
                       size_t cap)
{
	size_t n = tcp_wire_icmp_emit(&m->rtr, &m->us, type, code, info, q, qn,
	                              buf, cap);

	assert_int_equal(n, m->hl + TCP_ICMP_HDR + qn);
	return n;
}

/*
 * Parses a copy of p[0..len) in a heap block of exactly len bytes, so that
 * AddressSanitizer catches any read past the end.
 */
static enum tcp_why parse_exact(const uint8_t *p, size_t len,
                                struct tcp_icmp_info *ic)
{
	uint8_t *b = malloc(len ? len : 1);
	enum tcp_why w;

	assert_non_null(b);
	if (len)
		memcpy(b, p, len);
	w = tcp_wire_icmp_parse(b, len, ic);
	free(b);
	return w;
}

#define assert_why(got, want)                                                  \
	assert_string_equal(tcp_why_name(got), tcp_why_name(want))
#define assert_err(got, want)                                                  \
	assert_string_equal(tcp_err_name(got), tcp_err_name(want))
#define assert_state_name_is(c, s)                                             \
	assert_string_equal(tcp_state_name((c)->state), tcp_state_name(s))

/* ===== tcp_wire_icmp_emit / tcp_wire_icmp_parse (RFC 792, RFC 4443) ===== */

/*
 * RFC 792 (Destination Unreachable, fragmentation needed with the next-hop
 * MTU of RFC 1191 in the second word): the IPv4 header carries protocol 1
 * and a correct header checksum, the ICMP checksum covers the message
 * alone (no pseudo-header), and the parser gives back every field.
 */
static void test_wire_icmp4_emit_parse_round_trip(void **state)
{
	struct fam m = fam_of(TCP_AF_INET);
	uint8_t q[128], pkt[256];
	size_t qn = our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
	struct tcp_icmp_info ic;
	size_t n;

	(void)state;
	n = icmp_pkt(&m, TCP_ICMP4_UNREACH, 4, 1400, q, qn, pkt, sizeof(pkt));
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(tcp_wire_rd16(pkt + 2), n);
	assert_int_equal(pkt[8], 64); /* TTL */
	assert_int_equal(pkt[9], TCP_IPPROTO_ICMP);
	assert_memory_equal(pkt + 12, m.rtr.a, 4);
	assert_memory_equal(pkt + 16, m.us.a, 4);
	assert_int_equal(ref_fold(ref_sum(0, pkt, 20)), 0);
	assert_int_equal(pkt[20], TCP_ICMP4_UNREACH);
	assert_int_equal(pkt[21], 4);
	assert_int_equal(tcp_wire_rd32(pkt + 24), 1400);
	assert_memory_equal(pkt + 28, q, qn);
	assert_int_equal(ref_fold(ref_sum(0, pkt + 20, n - 20)), 0);

	assert_why(tcp_wire_icmp_parse(pkt, n, &ic), TCP_WHY_NONE);
	assert_int_equal(ic.family, TCP_AF_INET);
	assert_true(tcp_addr_eq(&ic.src, &m.rtr));
	assert_true(tcp_addr_eq(&ic.dst, &m.us));
	assert_int_equal(ic.type, TCP_ICMP4_UNREACH);
	assert_int_equal(ic.code, 4);
	assert_int_equal(ic.info, 1400);
	assert_true(tcp_addr_eq(&ic.qsrc, &m.us));
	assert_true(tcp_addr_eq(&ic.qdst, &m.peer));
	assert_int_equal(ic.qsport, LOCAL_PORT);
	assert_int_equal(ic.qdport, REMOTE_PORT);
	assert_int_equal(ic.qseq, 0x89abcdefu);
}

/*
 * RFC 4443 2.1, 2.3, 3.1: an ICMPv6 Destination Unreachable in an IPv6
 * packet with next header 58; its checksum includes the pseudo-header of
 * RFC 8200 8.1 (checked here with an independent sum).
 */
static void test_wire_icmp6_emit_parse_round_trip(void **state)
{
	struct fam m = fam_of(TCP_AF_INET6);
	uint8_t q[128], pkt[256];
	size_t qn = our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
	struct tcp_icmp_info ic;
	size_t n;

	(void)state;
	n = icmp_pkt(&m, TCP_ICMP6_UNREACH, 4, 0xdeadbeefu, q, qn, pkt,
	             sizeof(pkt));
	assert_int_equal(pkt[0] >> 4, 6);
	assert_int_equal(tcp_wire_rd16(pkt + 4), n - 40);
	assert_int_equal(pkt[6], TCP_IPPROTO_ICMPV6);
	assert_int_equal(pkt[7], 64); /* hop limit */
	assert_memory_equal(pkt + 8, m.rtr.a, 16);
	assert_memory_equal(pkt + 24, m.us.a, 16);
	assert_int_equal(pkt[40], TCP_ICMP6_UNREACH);
	assert_int_equal(pkt[41], 4);
	assert_int_equal(tcp_wire_rd32(pkt + 44), 0xdeadbeefu);
	assert_memory_equal(pkt + 48, q, qn);
	assert_int_equal(ref_fold(ref_sum(ref_pseudo6(pkt, n - 40), pkt + 40,
	                                  n - 40)),
	                 0);
	/* Without the pseudo-header the sum would not check out. */
	assert_int_not_equal(ref_fold(ref_sum(0, pkt + 40, n - 40)), 0);

	assert_why(tcp_wire_icmp_parse(pkt, n, &ic), TCP_WHY_NONE);
	assert_int_equal(ic.family, TCP_AF_INET6);
	assert_true(tcp_addr_eq(&ic.src, &m.rtr));
	assert_true(tcp_addr_eq(&ic.dst, &m.us));
	assert_int_equal(ic.type, TCP_ICMP6_UNREACH);
	assert_int_equal(ic.code, 4);
	assert_int_equal(ic.info, 0xdeadbeefu);
	assert_true(tcp_addr_eq(&ic.qsrc, &m.us));
	assert_true(tcp_addr_eq(&ic.qdst, &m.peer));
	assert_int_equal(ic.qsport, LOCAL_PORT);
	assert_int_equal(ic.qdport, REMOTE_PORT);
	assert_int_equal(ic.qseq, 0x89abcdefu);
}

/*
 * Every error type TCP acts on (RFC 792; RFC 4443 2.1), codes 0-15, with
 * assorted info words and both the minimal quote (IP header + 64 bits,
 * RFC 792) and the whole segment, parses back to what was written.
 */
static void test_wire_icmp_round_trip_all_error_types(void **state)
{
	static const uint8_t t4[] = { 3, 4, 11, 12 }, t6[] = { 1, 2, 3, 4 };
	uint32_t x = 0xc0ffee;

	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		const uint8_t *types = fi ? t6 : t4;
		uint8_t q[128], pkt[256];
		struct tcp_icmp_info ic;

		for (unsigned ti = 0; ti < 4; ti++) {
			for (uint8_t code = 0; code < 16; code++) {
				uint32_t seq = xorshift32(&x);
				uint32_t info = xorshift32(&x);
				uint16_t sp = (uint16_t)xorshift32(&x);
				uint16_t dp = (uint16_t)xorshift32(&x);
				struct tcp_seg s =
				    OUR_SEG(.sport = sp, .dport = dp,
				            .seq.v = seq, .flags = TCP_FLAG_ACK,
				            .opts = { 0 });
				size_t qn = our_packet(&m.us, &m.peer, &s, q,
				                       sizeof(q));
				size_t n;

				if (code & 1)
					qn = m.hl + TCP_ICMP_QUOTE;
				n = icmp_pkt(&m, types[ti], code, info, q, qn,
				             pkt, sizeof(pkt));
				assert_why(tcp_wire_icmp_parse(pkt, n, &ic),
				           TCP_WHY_NONE);
				assert_int_equal(ic.type, types[ti]);
				assert_int_equal(ic.code, code);
				assert_int_equal(ic.info, info);
				assert_int_equal(ic.qsport, sp);
				assert_int_equal(ic.qdport, dp);
				assert_int_equal(ic.qseq, seq);
				assert_true(tcp_addr_eq(&ic.qsrc, &m.us));
				assert_true(tcp_addr_eq(&ic.qdst, &m.peer));
			}
		}
	}
}

/*
 * RFC 792 / RFC 4443 2.3: any flipped bit of the ICMP message fails its
 * checksum (ICMP_BAD). For ICMPv6 the pseudo-header covers the addresses
 * too; the hop limit is not covered and may change on the way.
 */
static void test_wire_icmp_checksum_flip_is_icmp_bad(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		uint8_t q[128], pkt[256], b[256];
		size_t qn =
		    our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
		size_t n =
		    icmp_pkt(&m, m.unreach, 1, 0, q, qn, pkt, sizeof(pkt));
		struct tcp_icmp_info ic;

		for (size_t i = m.hl; i < n; i++) {
			for (unsigned bit = 0; bit < 8; bit++) {
				memcpy(b, pkt, n);
				b[i] ^= (uint8_t)(1u << bit);
				if (tcp_wire_icmp_parse(b, n, &ic) !=
				    TCP_WHY_ICMP_BAD)
					fail_msg(
					    "family %u byte %zu bit %u: %s",
					    m.family, i, bit,
					    tcp_why_name(
					        tcp_wire_icmp_parse(b, n,
					                            &ic)));
			}
		}
		if (m.family == TCP_AF_INET6) {
			for (size_t i = 8; i < 40; i++) {
				memcpy(b, pkt, n);
				b[i] ^= 0x01;
				assert_why(tcp_wire_icmp_parse(b, n, &ic),
				           TCP_WHY_ICMP_BAD);
			}
			memcpy(b, pkt, n);
			b[7] = 1;
			assert_why(tcp_wire_icmp_parse(b, n, &ic),
			           TCP_WHY_NONE);
		} else {
			/* The IPv4 header has its own checksum: BAD_IP. */
			for (size_t i = 8; i < 20; i++) {
				memcpy(b, pkt, n);
				b[i] ^= 0x01;
				assert_why(tcp_wire_icmp_parse(b, n, &ic),
				           TCP_WHY_BAD_IP);
			}
		}
	}
}

/*
 * RFC 792: an error quotes "the internet header plus the first 64 bits"
 * of the datagram, exactly what demultiplexing needs (ports, SEQ). A quote
 * shorter than the IP header plus 8 TCP bytes is malformed (ICMP_BAD); a
 * message shorter than the ICMP header too.
 */
static void test_wire_icmp_short_quote_and_message_icmp_bad(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		uint8_t q[128], pkt[256];
		struct tcp_icmp_info ic;

		our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
		for (size_t k = 0; k <= m.hl + TCP_ICMP_QUOTE; k++) {
			size_t n = icmp_pkt(&m, m.unreach, 3, 0, q, k, pkt,
			                    sizeof(pkt));
			enum tcp_why w = parse_exact(pkt, n, &ic);

			if (k < m.hl + TCP_ICMP_QUOTE && w != TCP_WHY_ICMP_BAD)
				fail_msg("family %u quote %zu: %s", m.family, k,
				         tcp_why_name(w));
			if (k == m.hl + TCP_ICMP_QUOTE)
				assert_why(w, TCP_WHY_NONE);
		}
		/* ICMP messages of 0..7 bytes, lengths consistent. */
		for (size_t ml = 0; ml < TCP_ICMP_HDR; ml++) {
			size_t n;

			memset(pkt, 0, sizeof(pkt));
			assert_int_equal(tcp_wire_ip_emit(&m.rtr, &m.us, 64, 0,
			                                  0, ml, pkt,
			                                  sizeof(pkt)),
			                 m.hl);
			if (m.family == TCP_AF_INET) {
				pkt[6] = 0;
				pkt[9] = TCP_IPPROTO_ICMP;
			} else {
				pkt[6] = TCP_IPPROTO_ICMPV6;
			}
			if (ml > 0)
				pkt[m.hl] = m.unreach;
			ref_refix(pkt);
			n = m.hl + ml;
			assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
		}
	}
}

/*
 * RFC 791 3.1: a quoted IPv4 header with options (IHL 6) puts the TCP
 * ports after them; an IHL below 5 or beyond the quote is malformed.
 */
static void test_wire_icmp4_quote_ip_options_and_bad_ihl(void **state)
{
	struct fam m = fam_of(TCP_AF_INET);
	uint8_t q[128], q2[128], pkt[256];
	size_t qn = our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
	struct tcp_icmp_info ic;
	size_t n;

	(void)state;
	/* 20-byte header, 4 bytes of options (NOP x3, EOL), then TCP. */
	memcpy(q2, q, 20);
	q2[0] = 0x46;
	q2[20] = q2[21] = q2[22] = 1;
	q2[23] = 0;
	memcpy(q2 + 24, q + 20, qn - 20);
	n = icmp_pkt(&m, 3, 1, 0, q2, qn + 4, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_NONE);
	assert_int_equal(ic.qsport, LOCAL_PORT);
	assert_int_equal(ic.qdport, REMOTE_PORT);
	assert_int_equal(ic.qseq, 0x89abcdefu);
	/* Options, but only 7 TCP bytes after them. */
	n = icmp_pkt(&m, 3, 1, 0, q2, 24 + 7, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
	/* IHL 15 (60 bytes) in a 28-byte quote; IHL 4 and 0. */
	q2[0] = 0x4f;
	n = icmp_pkt(&m, 3, 1, 0, q2, 28, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
	q2[0] = 0x44;
	n = icmp_pkt(&m, 3, 1, 0, q2, 28, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
	q2[0] = 0x40;
	n = icmp_pkt(&m, 3, 1, 0, q2, 28, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
}

/*
 * RFC 9293 3.9.2.2 (MUST-54): "the IP header contained within the ICMP
 * message" names the connection, so it must be of the family of the
 * error: an ICMP quoting an IPv6 header (or version 5), or an ICMPv6
 * quoting an IPv4 header, is malformed.
 */
static void test_wire_icmp_quote_wrong_ip_version_icmp_bad(void **state)
{
	struct fam m4 = fam_of(TCP_AF_INET), m6 = fam_of(TCP_AF_INET6);
	uint8_t q4[128], q6[128], pkt[256];
	size_t qn4 = our_packet(&m4.us, &m4.peer, &OUR_SEG(), q4, sizeof(q4));
	size_t qn6 = our_packet(&m6.us, &m6.peer, &OUR_SEG(), q6, sizeof(q6));
	struct tcp_icmp_info ic;
	size_t n;

	(void)state;
	n = icmp_pkt(&m4, 3, 1, 0, q6, qn6, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
	n = icmp_pkt(&m6, 1, 3, 0, q4, qn4, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
	q4[0] = 0x55; /* version 5 */
	n = icmp_pkt(&m4, 3, 1, 0, q4, qn4, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
	q6[0] = 0x40; /* version 4 in a 40-byte quote */
	n = icmp_pkt(&m6, 1, 3, 0, q6, qn6, pkt, sizeof(pkt));
	assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_BAD);
}

/*
 * MUST-54 directs errors to TCP connections only: a quoted datagram of
 * another protocol (UDP, or an IPv6 extension header, which the parser
 * does not follow) reports nothing to TCP (ICMP_IGNORED).
 */
static void test_wire_icmp_quote_not_tcp_ignored(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		uint8_t q[128], pkt[256];
		size_t qn =
		    our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
		size_t proto_at = fi ? 6 : 9;
		static const uint8_t protos[] = { 17, 1, 58, 0, 43, 44, 255 };
		struct tcp_icmp_info ic;

		for (unsigned i = 0; i < TCP_ARRAY_LEN(protos); i++) {
			size_t n;

			q[proto_at] = protos[i];
			n = icmp_pkt(&m, m.unreach, 3, 0, q, qn, pkt,
			             sizeof(pkt));
			assert_why(parse_exact(pkt, n, &ic),
			           TCP_WHY_ICMP_IGNORED);
		}
	}
}

/*
 * RFC 791: a quoted later fragment (nonzero offset) carries no TCP header
 * (ICMP_IGNORED); a first fragment (MF, offset 0) does and is parsed.
 */
static void test_wire_icmp4_quote_later_fragment_ignored(void **state)
{
	static const struct {
		uint16_t frag;
		enum tcp_why want;
	} cases[] = {
		{ 0x00b9, TCP_WHY_ICMP_IGNORED }, /* offset 185 */
		{ 0x20b9, TCP_WHY_ICMP_IGNORED }, /* MF, offset 185 */
		{ 0x0001, TCP_WHY_ICMP_IGNORED }, /* offset 1 */
		{ 0x5fff, TCP_WHY_ICMP_IGNORED }, /* DF MF, largest offset */
		{ 0x2000, TCP_WHY_NONE },         /* first fragment */
		{ 0x4000, TCP_WHY_NONE },         /* DF */
		{ 0x0000, TCP_WHY_NONE },
	};
	struct fam m = fam_of(TCP_AF_INET);
	uint8_t q[128], pkt[256];
	size_t qn = our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
	struct tcp_icmp_info ic;

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(cases); i++) {
		size_t n;

		tcp_wire_wr16(q + 6, cases[i].frag);
		n = icmp_pkt(&m, 3, 1, 0, q, qn, pkt, sizeof(pkt));
		assert_why(parse_exact(pkt, n, &ic), cases[i].want);
	}
}

/*
 * RFC 792 / RFC 4443 2.1: only error messages report on a TCP segment.
 * Echo request (8 / 128) and the other informational types are
 * ICMP_IGNORED, even when well formed; the error types parse.
 */
static void test_wire_icmp_non_error_types_ignored(void **state)
{
	static const uint8_t info4[] = { 0,  1,  2,  5,  6,  8,  9,  10, 13,
		                         14, 15, 16, 17, 18, 30, 40, 255 };
	static const uint8_t info6[] = { 0,   5,   100, 127, 128, 129, 130,
		                         133, 134, 135, 136, 137, 143, 255 };
	static const uint8_t err4[] = { 3, 4, 11, 12 }, err6[] = { 1, 2, 3, 4 };

	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		const uint8_t *info = fi ? info6 : info4;
		size_t ninfo = fi ? sizeof(info6) : sizeof(info4);
		const uint8_t *err = fi ? err6 : err4;
		uint8_t q[128], pkt[256];
		size_t qn =
		    our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
		struct tcp_icmp_info ic;
		size_t n;

		for (size_t i = 0; i < ninfo; i++) {
			n = icmp_pkt(&m, info[i], 0, 0x00010002u, q, qn, pkt,
			             sizeof(pkt));
			if (parse_exact(pkt, n, &ic) != TCP_WHY_ICMP_IGNORED)
				fail_msg("family %u type %u not ignored",
				         m.family, info[i]);
		}
		/* An echo request with no quote at all. */
		n = icmp_pkt(&m, m.echo_request, 0, 0x00010002u, NULL, 0, pkt,
		             sizeof(pkt));
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_ICMP_IGNORED);
		for (size_t i = 0; i < 4; i++) {
			n = icmp_pkt(&m, err[i], 0, 0, q, qn, pkt, sizeof(pkt));
			assert_why(parse_exact(pkt, n, &ic), TCP_WHY_NONE);
		}
	}
}

/*
 * The ICMP parser takes ICMP only: a TCP segment, a UDP datagram or
 * another IP version is NOT_IP; the outer header is checked as
 * tcp_wire_ip_parse checks it (BAD_IP, IP_FRAGMENT).
 */
static void test_wire_icmp_parse_non_icmp_and_bad_outer(void **state)
{
	struct tcp_icmp_info ic;

	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		uint8_t q[128], pkt[256];
		size_t qn =
		    our_packet(&m.peer, &m.us, &OUR_SEG(), q, sizeof(q));
		size_t n;

		/* A TCP packet to us. */
		assert_why(parse_exact(q, qn, &ic), TCP_WHY_NOT_IP);
		/* UDP. */
		q[fi ? 6 : 9] = 17;
		if (!fi)
			ref_fix_ip4(q);
		assert_why(parse_exact(q, qn, &ic), TCP_WHY_NOT_IP);
		/* The ICMP protocol number of the other family. */
		n = icmp_pkt(&m, m.unreach, 1, 0, q, qn, pkt, sizeof(pkt));
		pkt[fi ? 6 : 9] = fi ? TCP_IPPROTO_ICMP : TCP_IPPROTO_ICMPV6;
		if (!fi)
			ref_fix_ip4(pkt);
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_NOT_IP);
		/* Version 5 and version 0. */
		n = icmp_pkt(&m, m.unreach, 1, 0, q, qn, pkt, sizeof(pkt));
		pkt[0] = (uint8_t)(0x50 | (pkt[0] & 0x0f));
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_NOT_IP);
		pkt[0] &= 0x0f;
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_NOT_IP);
	}
	{
		struct fam m = fam_of(TCP_AF_INET);
		uint8_t q[128], pkt[256];
		size_t qn =
		    our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
		size_t n = icmp_pkt(&m, 3, 1, 0, q, qn, pkt, sizeof(pkt));

		/* A fragmented error (MF set) is not reassembled. */
		tcp_wire_wr16(pkt + 6, 0x2000);
		ref_refix(pkt);
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_IP_FRAGMENT);
		/* IHL 4. */
		n = icmp_pkt(&m, 3, 1, 0, q, qn, pkt, sizeof(pkt));
		pkt[0] = 0x44;
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_BAD_IP);
	}
}

/*
 * RFC 791 / RFC 8200: bytes beyond the length the IP header states (link
 * padding) are not part of the message: its checksum and quote end there.
 */
static void test_wire_icmp_trailing_bytes_ignored(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		uint8_t q[128], pkt[256];
		size_t qn =
		    our_packet(&m.us, &m.peer, &OUR_SEG(), q, sizeof(q));
		size_t n =
		    icmp_pkt(&m, m.unreach, 0, 0, q, qn, pkt, sizeof(pkt));
		struct tcp_icmp_info ic;

		memset(pkt + n, 0xa5, 13);
		assert_why(parse_exact(pkt, n + 13, &ic), TCP_WHY_NONE);
		assert_int_equal(ic.qseq, 0x89abcdefu);
	}
}

/*
 * Every prefix of a valid error, from 0 bytes to one short of the whole
 * packet, is TRUNCATED (the IP header claims more), and parsing it never
 * reads past the end (an exact heap block under ASan).
 */
static void test_wire_icmp_every_length_truncated_in_bounds(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct fam m = fam_of(fi ? TCP_AF_INET6 : TCP_AF_INET);
		uint8_t q[128], pkt[256];
		struct tcp_seg s =
		    OUR_SEG(.opts = { .present = TCP_OPTF_MSS | TCP_OPTF_TS |
		                                 TCP_OPTF_SACKOK | TCP_OPTF_WS,
		                      .mss = 1460,
		                      .tsval = 1,
		                      .ws_shift = 7 });
		size_t qn = our_packet(&m.us, &m.peer, &s, q, sizeof(q));
		size_t n =
		    icmp_pkt(&m, m.unreach, 1, 0, q, qn, pkt, sizeof(pkt));
		struct tcp_icmp_info ic;

		for (size_t len = 0; len < n; len++) {
			enum tcp_why w = parse_exact(pkt, len, &ic);

			if (w != TCP_WHY_TRUNCATED)
				fail_msg("family %u length %zu of %zu: %s",
				         m.family, len, n, tcp_why_name(w));
		}
		assert_why(parse_exact(pkt, n, &ic), TCP_WHY_NONE);
		/* Every quote length, with consistent IP lengths. */
		for (size_t k = 0; k <= qn; k++) {
			enum tcp_why w;

			n = icmp_pkt(&m, m.unreach, 1, 0, q, k, pkt,
			             sizeof(pkt));
			w = parse_exact(pkt, n, &ic);
			assert_why(w, k < m.hl + TCP_ICMP_QUOTE
			                  ? TCP_WHY_ICMP_BAD
			                  : TCP_WHY_NONE);
		}
	}
}

/* The writer refuses what does not fit and mixed or unknown families. */
static void test_wire_icmp_emit_refusals(void **state)
{
	struct fam m4 = fam_of(TCP_AF_INET), m6 = fam_of(TCP_AF_INET6);
	uint8_t q[128], pkt[256];
	size_t qn = our_packet(&m4.us, &m4.peer, &OUR_SEG(), q, sizeof(q));
	size_t need = 20 + 8 + qn;
	struct tcp_addr none;

	(void)state;
	memset(&none, 0, sizeof(none));
	assert_int_equal(tcp_wire_icmp_emit(&m4.rtr, &m4.us, 3, 1, 0, q, qn,
	                                    pkt, need),
	                 need);
	assert_int_equal(tcp_wire_icmp_emit(&m4.rtr, &m4.us, 3, 1, 0, q, qn,
	                                    pkt, need - 1),
	                 0);
	assert_int_equal(tcp_wire_icmp_emit(&m4.rtr, &m4.us, 3, 1, 0, q, qn,
	                                    pkt, 19),
	                 0);
	assert_int_equal(tcp_wire_icmp_emit(&m6.rtr, &m6.us, 1, 4, 0, q, qn,
	                                    pkt, 40 + 8),
	                 0);
	assert_int_equal(tcp_wire_icmp_emit(&m6.rtr, &m6.us, 1, 4, 0, q, qn,
	                                    pkt, 40 + 8 + qn),
	                 40 + 8 + qn);
	assert_int_equal(tcp_wire_icmp_emit(&m4.rtr, &m6.us, 3, 1, 0, q, qn,
	                                    pkt, sizeof(pkt)),
	                 0);
	assert_int_equal(tcp_wire_icmp_emit(&m6.rtr, &m4.us, 1, 4, 0, q, qn,
	                                    pkt, sizeof(pkt)),
	                 0);
	assert_int_equal(tcp_wire_icmp_emit(&none, &none, 3, 1, 0, q, qn, pkt,
	                                    sizeof(pkt)),
	                 0);
}

/*
 * Random frames of four kinds, 100000 in all: raw bytes; IPv4 frames with
 * protocol 1, a plausible quote and correct checksums; the same in IPv6;
 * valid errors with a few bytes changed and some truncated. The parser
 * never crashes or reads out of bounds; a success is self-consistent and
 * goes to a table without harm. The counts prove the deep paths ran.
 */
static void fuzz_shape(uint8_t *b, size_t len, uint32_t *x, int kind)
{
	static const uint8_t t4[] = { 3, 4, 11, 12 }, t6[] = { 1, 2, 3, 4 };
	uint32_t r = xorshift32(x);

	if (kind == 1 && len >= 20) {
		b[0] = (r & 0x300) ? 0x45 : (uint8_t)(0x40 | (r & 0x0f));
		tcp_wire_wr16(b + 2, (uint16_t)len);
		if (r & 0x400)
			b[6] = b[7] = 0;
		b[9] = TCP_IPPROTO_ICMP;
		if (len > 20)
			b[20] = (r & 0x3000) ? t4[r & 3] : b[20];
		if (len > 28)
			b[28] = (r & 0xc000) ? 0x45 : b[28];
		if (len > 37)
			b[37] = (r & 0x30000) ? TCP_IPPROTO_TCP : b[37];
		if (len > 35 && (r & 0x40000))
			b[34] = b[35] = 0;
		if ((b[0] & 0x0f) >= 5 && (size_t)(b[0] & 0x0f) * 4 <= len)
			ref_refix(b);
	} else if (kind == 2 && len >= 40) {
		b[0] = 0x60;
		tcp_wire_wr16(b + 4, (uint16_t)(len - 40));
		b[6] = TCP_IPPROTO_ICMPV6;
		if (len > 40)
			b[40] = (r & 0x3000) ? t6[r & 3] : b[40];
		if (len > 48)
			b[48] = (r & 0xc000) ? 0x60 : b[48];
		if (len > 54)
			b[54] = (r & 0x30000) ? TCP_IPPROTO_TCP : b[54];
		ref_refix(b);
	}
}

static void test_wire_icmp_random_frames_never_crash(void **state)
{
	struct fam m4 = fam_of(TCP_AF_INET), m6 = fam_of(TCP_AF_INET6);
	uint8_t q4[128], q6[128], v4[256], v6[256], b[160];
	size_t n4, n6;
	unsigned none = 0, ignored = 0, bad = 0;
	uint32_t x = 0x1cbf5eedu;
	struct tcp_cfg cfg;
	struct tcp_stack st;
	struct tcp_stack_slot slots[2];
	uint8_t mem[2 * 2048];
	struct tcp_env env;

	(void)state;
	n4 = our_packet(&m4.us, &m4.peer, &OUR_SEG(), q4, sizeof(q4));
	n4 = icmp_pkt(&m4, 3, 3, 0, q4, n4, v4, sizeof(v4));
	n6 = our_packet(&m6.us, &m6.peer, &OUR_SEG(), q6, sizeof(q6));
	n6 = icmp_pkt(&m6, 1, 4, 0, q6, n6, v6, sizeof(v6));
	memset(&env, 0, sizeof(env));
	tcp_cfg_init(&cfg, TCP_PROFILE_DEFAULT);
	assert_int_equal(tcp_stack_init(&st, &cfg, slots, 2, mem, 1024, 1024),
	                 0);
	assert_true(tcp_stack_listen(&st, &env, 1, NULL, LOCAL_PORT, 1) >= 0);

	for (int iter = 0; iter < 100000; iter++) {
		int kind = iter & 3;
		size_t len = xorshift32(&x) % (sizeof(b) + 1);
		struct tcp_icmp_info ic;
		enum tcp_why w;

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)xorshift32(&x);
		if (kind == 3) {
			const uint8_t *src = (iter & 4) ? v6 : v4;
			size_t sn = (iter & 4) ? n6 : n4;
			unsigned k = 1 + xorshift32(&x) % 3;

			len = sn;
			memcpy(b, src, sn);
			while (k--)
				b[xorshift32(&x) % sn] =
				    (uint8_t)xorshift32(&x);
			if ((iter & 24) == 0)
				len = xorshift32(&x) % (sn + 1);
		} else {
			fuzz_shape(b, len, &x, kind);
		}
		w = parse_exact(b, len, &ic);
		assert_true((unsigned)w < TCP_WHY_COUNT);
		if (w == TCP_WHY_ICMP_IGNORED)
			ignored++;
		if (w == TCP_WHY_ICMP_BAD)
			bad++;
		if (w != TCP_WHY_NONE)
			continue;
		none++;
		assert_int_equal(ic.family,
		                 (b[0] >> 4) == 4 ? TCP_AF_INET : TCP_AF_INET6);
		assert_int_equal(ic.qsrc.family, ic.family);
		assert_int_equal(ic.qdst.family, ic.family);
		assert_int_equal(ic.src.family, ic.family);
		assert_true(len >= (ic.family == TCP_AF_INET
		                        ? 20u + 8 + 20 + 8
		                        : 40u + 8 + 40 + 8));
		if (ic.family == TCP_AF_INET)
			assert_true(ic.type == 3 || ic.type == 4 ||
			            ic.type == 11 || ic.type == 12);
		else
			assert_true(ic.type >= 1 && ic.type <= 4);
		{
			struct tcp_verdict v =
			    tcp_stack_icmp_input(&st, &env, 2, &ic);

			assert_int_not_equal(v.disp, TCP_DISP_ACCEPT);
		}
	}
	assert_true(none > 1000);
	assert_true(ignored > 1000);
	assert_true(bad > 1000);
	/* The listener is still there, untouched (MUST-54). */
	assert_int_equal(tcp_stack_used(&st), 1);
	assert_int_equal(st.slots[0].conn.state, TCP_LISTEN);
}

/* ===== tcp_icmp_classify (RFC 9293 3.9.2.2) ===== */

struct cls_want {
	enum tcp_icmp_class cls;
	int err;
};

static void check_class(uint8_t family, uint8_t type, uint8_t code,
                        struct cls_want want)
{
	int err = 12345;
	enum tcp_icmp_class c = tcp_icmp_classify(family, type, code, &err);

	if (c != want.cls || err != want.err)
		fail_msg("family %u type %u code %u: class %d err %s, want "
		         "class %d err %s",
		         family, type, code, c, tcp_err_name(err), want.cls,
		         tcp_err_name(want.err));
}

#define CLS(c, e) ((struct cls_want){ (c), (e) })

/*
 * IPv4 (RFC 9293 3.9.2.2): Source Quench is discarded (MUST-55);
 * Destination Unreachable 0, 1, 5 are soft (MUST-56), 2-4 hard (SHLD-26);
 * 6-15 (unnamed by the RFC) soft, as the comment in wire.c chooses; Time
 * Exceeded 0-1 and Parameter Problem are soft; everything else is no
 * error for TCP. Errors: net unreachable ENETUNREACH, protocol ENOPROTOOPT,
 * port EREFUSED, fragmentation needed EMSGSIZE, parameter problem EPROTO,
 * the rest EHOSTUNREACH.
 */
static void test_classify_ipv4_table(void **state)
{
	(void)state;
	check_class(TCP_AF_INET, 3, 0, CLS(TCP_ICMP_SOFT, TCP_ENETUNREACH));
	check_class(TCP_AF_INET, 3, 1, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET, 3, 2, CLS(TCP_ICMP_HARD, TCP_ENOPROTOOPT));
	check_class(TCP_AF_INET, 3, 3, CLS(TCP_ICMP_HARD, TCP_EREFUSED));
	check_class(TCP_AF_INET, 3, 4, CLS(TCP_ICMP_HARD, TCP_EMSGSIZE));
	check_class(TCP_AF_INET, 3, 5, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	for (unsigned code = 6; code <= 15; code++)
		check_class(TCP_AF_INET, 3, (uint8_t)code,
		            CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	for (unsigned code = 0; code <= 255; code++)
		check_class(TCP_AF_INET, 4, (uint8_t)code,
		            CLS(TCP_ICMP_QUENCH, 0));
	check_class(TCP_AF_INET, 11, 0, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET, 11, 1, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	for (unsigned code = 0; code <= 2; code++)
		check_class(TCP_AF_INET, 12, (uint8_t)code,
		            CLS(TCP_ICMP_SOFT, TCP_EPROTO));
	for (unsigned type = 0; type <= 255; type++) {
		if (type == 3 || type == 4 || type == 11 || type == 12)
			continue;
		for (unsigned code = 0; code <= 15; code++)
			check_class(TCP_AF_INET, (uint8_t)type, (uint8_t)code,
			            CLS(TCP_ICMP_IGNORE, 0));
	}
}

/*
 * ICMPv6 (RFC 9293 3.9.2.2, RFC 4443 3): Destination Unreachable 0 and 3
 * soft, 4 (port unreachable, the counterpart of IPv4's 3/3) hard, the
 * other codes soft; Time Exceeded 0-1 and Parameter Problem 0-2 soft;
 * Packet Too Big is path MTU discovery, which the reference does not do
 * (IGNORE); every other type is no error for TCP.
 */
static void test_classify_ipv6_table(void **state)
{
	(void)state;
	check_class(TCP_AF_INET6, 1, 0, CLS(TCP_ICMP_SOFT, TCP_ENETUNREACH));
	check_class(TCP_AF_INET6, 1, 1, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET6, 1, 2, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET6, 1, 3, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET6, 1, 4, CLS(TCP_ICMP_HARD, TCP_EREFUSED));
	check_class(TCP_AF_INET6, 1, 5, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET6, 1, 6, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	for (unsigned code = 0; code <= 255; code++)
		check_class(TCP_AF_INET6, 2, (uint8_t)code,
		            CLS(TCP_ICMP_IGNORE, 0));
	check_class(TCP_AF_INET6, 3, 0, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	check_class(TCP_AF_INET6, 3, 1, CLS(TCP_ICMP_SOFT, TCP_EHOSTUNREACH));
	for (unsigned code = 0; code <= 2; code++)
		check_class(TCP_AF_INET6, 4, (uint8_t)code,
		            CLS(TCP_ICMP_SOFT, TCP_EPROTO));
	for (unsigned type = 0; type <= 255; type++) {
		if (type >= 1 && type <= 4)
			continue;
		for (unsigned code = 0; code <= 15; code++)
			check_class(TCP_AF_INET6, (uint8_t)type, (uint8_t)code,
			            CLS(TCP_ICMP_IGNORE, 0));
	}
}

/* ===== tcp_conn_icmp on a fixture connection ===== */

/* Classes (family, type, code) and gives the error to the connection. */
static struct tcp_verdict conn_icmp(struct fx *f, uint8_t family, uint8_t type,
                                    uint8_t code, uint32_t qseq)
{
	int err;
	enum tcp_icmp_class cls = tcp_icmp_classify(family, type, code, &err);

	fx_clear(f);
	return tcp_conn_icmp(&f->c, &f->env, f->now_us, (int)cls, err,
	                     SEQ(qseq));
}

/* The soft errors RFC 9293 3.9.2.2 names, both families. */
static const struct {
	uint8_t family, type, code;
	int err;
} soft_errors[] = {
	{ TCP_AF_INET, 3, 0, TCP_ENETUNREACH },
	{ TCP_AF_INET, 3, 1, TCP_EHOSTUNREACH },
	{ TCP_AF_INET, 3, 5, TCP_EHOSTUNREACH },
	{ TCP_AF_INET, 11, 0, TCP_EHOSTUNREACH },
	{ TCP_AF_INET, 11, 1, TCP_EHOSTUNREACH },
	{ TCP_AF_INET, 12, 0, TCP_EPROTO },
	{ TCP_AF_INET6, 1, 0, TCP_ENETUNREACH },
	{ TCP_AF_INET6, 1, 3, TCP_EHOSTUNREACH },
	{ TCP_AF_INET6, 3, 0, TCP_EHOSTUNREACH },
	{ TCP_AF_INET6, 3, 1, TCP_EHOSTUNREACH },
	{ TCP_AF_INET6, 4, 0, TCP_EPROTO },
	{ TCP_AF_INET6, 4, 1, TCP_EPROTO },
	{ TCP_AF_INET6, 4, 2, TCP_EPROTO },
};

/* The hard errors (IPv4 3/2-4, and ICMPv6 port unreachable). */
static const struct {
	uint8_t family, type, code;
	int err;
} hard_errors[] = {
	{ TCP_AF_INET, 3, 2, TCP_ENOPROTOOPT },
	{ TCP_AF_INET, 3, 3, TCP_EREFUSED },
	{ TCP_AF_INET, 3, 4, TCP_EMSGSIZE },
	{ TCP_AF_INET6, 1, 4, TCP_EREFUSED },
};

/*
 * ESTABLISHED with 3000 octets in flight in three segments: SND.UNA =
 * ISS+1 = 0xFFFFFF01, SND.MAX = ISS+3001 = 0x00000AB9 (past the wrap).
 */
static struct fx *est_inflight(void)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	fx_established(f);
	assert_int_equal(fx_write(f, 3000, 0), 3000);
	assert_nout(f, 3);
	assert_int_equal(f->c.snd_una.v, LOCAL_ISN + 1);
	assert_int_equal(f->c.snd_max.v, LOCAL_ISN + 3001);
	fx_clear(f);
	return f;
}

static int status_icmp_err(const struct fx *f)
{
	struct tcp_status s;

	tcp_conn_status(&f->c, &s);
	return s.icmp_err;
}

/* Checks that the connection was aborted with err and nothing sent. */
static void assert_aborted(struct fx *f, unsigned mark, enum tcp_state from,
                           int err)
{
	uint8_t b[4] = { 0 };
	struct tcp_status s;

	assert_state(f, TCP_CLOSED);
	assert_err(f->c.err, err);
	assert_trace(f, mark,
	             TR_STATE(from, TCP_CLOSED, TCP_CAUSE_ICMP_HARD_ERROR));
	/* The peer cannot be reached: no RST, nothing else either. */
	assert_no_output(f);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_advance(f, 600 * SEC);
	assert_no_output(f);
	tcp_conn_status(&f->c, &s);
	assert_err(s.err, err);
	assert_int_equal(s.bytes_unacked, 0);
	assert_err(tcp_conn_send(&f->c, &f->env, f->now_us, b, sizeof(b), 0,
	                         &f->out),
	           err);
}

/*
 * SHLD-26 in SYN-SENT: a port unreachable quoting our SYN (SEQ = ISS,
 * RFC 5927 4.1 in range) aborts the open at once: CLOSED, the user sees
 * EREFUSED, nothing is sent and the SYN is never retransmitted.
 */
static void test_syn_sent_port_unreachable_aborts(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_syn_sent(f);
	mark = fx_mark(f);
	v = conn_icmp(f, TCP_AF_INET, 3, 3, LOCAL_ISN);
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_aborted(f, mark, TCP_SYN_SENT, TCP_EREFUSED);
	fx_free(f);
}

/* SHLD-26: every hard error aborts SYN-SENT with its own error. */
static void test_syn_sent_every_hard_error_aborts(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(hard_errors); i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		unsigned mark;

		fx_syn_sent(f);
		mark = fx_mark(f);
		assert_verdict(conn_icmp(f, hard_errors[i].family,
		                         hard_errors[i].type,
		                         hard_errors[i].code, LOCAL_ISN),
		               TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_aborted(f, mark, TCP_SYN_SENT, hard_errors[i].err);
		fx_free(f);
	}
}

/*
 * MUST-56, SHLD-25 in SYN-SENT: a host unreachable does not abort; the SYN
 * is still retransmitted at the RTO, STATUS shows EHOSTUNREACH, and when
 * the open finally times out (R2 for a SYN, MUST-23) the user is told
 * EHOSTUNREACH rather than ETIMEDOUT.
 */
static void test_syn_sent_host_unreachable_soft_then_timeout(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_conn before;
	struct tcp_verdict v;
	uint64_t t0;
	uint8_t b[4] = { 0 };

	(void)state;
	fx_syn_sent(f);
	t0 = f->now_us;
	memcpy(&before, &f->c, sizeof(before));
	v = conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN);
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_SYN_SENT);
	assert_no_output(f);
	assert_err(status_icmp_err(f), TCP_EHOSTUNREACH);
	before.icmp_err = TCP_EHOSTUNREACH;
	assert_memory_equal(&before, &f->c, sizeof(before));

	assert_int_equal(fx_run_until_output(f, 10 * SEC),
	                 f->cfg.rto_initial_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
	assert_state(f, TCP_SYN_SENT);

	fx_advance(f, t0 + f->cfg.syn_timeout_us - 1 - f->now_us);
	assert_state(f, TCP_SYN_SENT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_err(f->c.err, TCP_EHOSTUNREACH);
	assert_int_equal(f->trace[f->trace_n - 1].cause,
	                 TCP_CAUSE_TIMEOUT_USER);
	assert_err(tcp_conn_send(&f->c, &f->env, f->now_us, b, sizeof(b), 0,
	                         &f->out),
	           TCP_EHOSTUNREACH);
	fx_free(f);
}

/* MUST-56: none of the soft errors, of either family, aborts SYN-SENT. */
static void test_syn_sent_every_soft_error_keeps_open(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_sent(f);
	for (unsigned i = 0; i < TCP_ARRAY_LEN(soft_errors); i++) {
		assert_verdict(conn_icmp(f, soft_errors[i].family,
		                         soft_errors[i].type,
		                         soft_errors[i].code, LOCAL_ISN),
		               TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_SYN_SENT);
		assert_no_output(f);
		assert_err(f->c.icmp_err, soft_errors[i].err);
		assert_int_equal(f->c.err, 0);
	}
	fx_free(f);
}

/*
 * RFC 5927 4.1 in SYN-SENT: SND.UNA = ISS, SND.MAX = ISS+1, so only a
 * quote of the SYN itself is acted on.
 */
static void test_syn_sent_quote_outside_syn_icmp_seq(void **state)
{
	static const uint32_t bad[] = { LOCAL_ISN - 1, LOCAL_ISN + 1,
		                        LOCAL_ISN + 2, LOCAL_ISN + 0x80000000u,
		                        0 };
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_conn before;

	(void)state;
	fx_syn_sent(f);
	memcpy(&before, &f->c, sizeof(before));
	for (unsigned i = 0; i < TCP_ARRAY_LEN(bad); i++) {
		unsigned mark = fx_mark(f);

		assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, bad[i]),
		               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
		assert_trace(f, mark, TR_DROP(TCP_WHY_ICMP_SEQ));
		assert_no_output(f);
		assert_memory_equal(&before, &f->c, sizeof(before));
	}
	fx_free(f);
}

/*
 * A fixture created and freed by cmocka, for a test expected to fail: its
 * failure then reports no leak besides.
 */
static int fx_setup(void **state)
{
	*state = fx_new(TCP_PROFILE_DEFAULT);
	return 0;
}

static int fx_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/*
 * SHLD-25, "New data acknowledged clears it" (conn.h): a soft error seen
 * while the SYN was unanswered is stale once the SYN,ACK acknowledges the
 * SYN, as in passive opens (the final ACK goes through the ACK
 * processing). Otherwise a later timeout of an established connection,
 * such as keep-alive probes going unanswered, reports the handshake's
 * EHOSTUNREACH instead of ETIMEDOUT. (This test found input_syn_sent()
 * keeping it; fixed there.)
 */
static void test_syn_sent_soft_error_cleared_by_syn_ack(void **state)
{
	struct fx *f = *state;

	fx_syn_sent(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                   .seq = SEQ(REMOTE_ISN), .ack = SEQ(LOCAL_ISN + 1),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_ESTABLISHED);
	assert_err(status_icmp_err(f), TCP_OK);
	f->peer_nxt = REMOTE_ISN + 1;
	/* The consequence: an idle connection whose probes go unanswered. */
	tcp_conn_set_keepalive(&f->c, true);
	fx_advance(f, f->cfg.keepalive_idle_us +
	                  (uint64_t)(f->cfg.keepalive_probes + 1) *
	                      f->cfg.keepalive_intvl_us);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->trace[f->trace_n - 1].cause,
	                 TCP_CAUSE_TIMEOUT_KEEPALIVE);
	assert_err(f->c.err, TCP_ETIMEDOUT);
}

/*
 * Passive SYN-RECEIVED (SND.UNA = ISS, SND.MAX = ISS+1): a soft error on
 * the SYN,ACK is kept and cleared by the final ACK; a hard error aborts
 * to CLOSED (conn.h: "in any state but LISTEN, CLOSED and TIME-WAIT").
 */
static void test_syn_received_soft_kept_hard_aborts(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	unsigned mark;

	(void)state;
	fx_syn_received(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 11, 0, LOCAL_ISN),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_err(status_icmp_err(f), TCP_EHOSTUNREACH);
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(status_icmp_err(f), 0);
	fx_free(f);

	f = fx_new(TCP_PROFILE_DEFAULT);
	fx_syn_received(f);
	mark = fx_mark(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, LOCAL_ISN),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_aborted(f, mark, TCP_SYN_RECEIVED, TCP_EREFUSED);
	fx_free(f);

	/* Simultaneous open: the same. */
	f = fx_new(TCP_PROFILE_DEFAULT);
	fx_syn_received_active(f);
	mark = fx_mark(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET6, 1, 4, LOCAL_ISN),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_aborted(f, mark, TCP_SYN_RECEIVED, TCP_EREFUSED);
	fx_free(f);
}

/*
 * MUST-56, SHLD-25 in ESTABLISHED with data in flight: no soft error, of
 * either family, aborts or changes anything but the error kept for the
 * user (the last one wins); retransmission goes on as before.
 */
static void test_established_soft_errors_never_abort(void **state)
{
	struct fx *f = est_inflight();
	const uint32_t qseqs[] = { LOCAL_ISN + 1, 0, LOCAL_ISN + 1001,
		                   LOCAL_ISN + 3000 };
	struct tcp_conn before;
	uint32_t rto = f->c.rto_us;

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(soft_errors); i++) {
		for (unsigned j = 0; j < TCP_ARRAY_LEN(qseqs); j++) {
			memcpy(&before, &f->c, sizeof(before));
			assert_verdict(conn_icmp(f, soft_errors[i].family,
			                         soft_errors[i].type,
			                         soft_errors[i].code, qseqs[j]),
			               TCP_DISP_ACCEPT, TCP_WHY_NONE);
			assert_no_output(f);
			assert_err(status_icmp_err(f), soft_errors[i].err);
			before.icmp_err = soft_errors[i].err;
			assert_memory_equal(&before, &f->c, sizeof(before));
		}
	}
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.err, 0);
	/* The RTO still fires and retransmits from SND.UNA. */
	assert_int_equal(fx_run_until_output(f, 10 * SEC), rto);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/*
 * SHLD-26 in ESTABLISHED: Destination Unreachable 2, 3, 4 (and ICMPv6
 * port unreachable) abort with ENOPROTOOPT, EREFUSED, EMSGSIZE, whatever
 * soft error came before, and send nothing.
 */
static void test_established_hard_errors_abort(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(hard_errors); i++) {
		struct fx *f = est_inflight();
		unsigned mark;

		assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN + 1),
		               TCP_DISP_ACCEPT, TCP_WHY_NONE);
		mark = fx_mark(f);
		assert_verdict(conn_icmp(f, hard_errors[i].family,
		                         hard_errors[i].type,
		                         hard_errors[i].code, LOCAL_ISN + 1001),
		               TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_aborted(f, mark, TCP_ESTABLISHED, hard_errors[i].err);
		fx_free(f);
	}
}

/*
 * RFC 5927 4.1: an error quoting a sequence number outside SND.UNA =<
 * SEQ < SND.MAX cannot be about a segment in flight (an attack or a stale
 * report): TCP_WHY_ICMP_SEQ, and nothing changes, hard or soft. The range
 * here straddles the 2^32 wrap.
 */
static void test_established_quote_outside_window_icmp_seq(void **state)
{
	static const uint32_t bad[] = {
		LOCAL_ISN,               /* SND.UNA - 1: our SYN */
		LOCAL_ISN + 1 - 0x10000, /* far below */
		LOCAL_ISN + 3001,        /* SND.MAX */
		LOCAL_ISN + 3002,        /* beyond */
		LOCAL_ISN + 1 + 0x7fffffffu,
		LOCAL_ISN + 1 + 0x80000000u,
		0xFFFFFEFFu,
	};
	struct fx *f = est_inflight();
	struct tcp_conn before;

	(void)state;
	memcpy(&before, &f->c, sizeof(before));
	for (unsigned i = 0; i < TCP_ARRAY_LEN(bad); i++) {
		for (unsigned k = 0; k < 2; k++) {
			unsigned mark = fx_mark(f);
			struct tcp_verdict v =
			    k ? conn_icmp(f, TCP_AF_INET, 3, 3, bad[i])
			      : conn_icmp(f, TCP_AF_INET, 3, 0, bad[i]);

			assert_verdict(v, TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
			assert_trace(f, mark, TR_DROP(TCP_WHY_ICMP_SEQ));
			assert_no_output(f);
			assert_memory_equal(&before, &f->c, sizeof(before));
		}
	}
	/* The edges of the range are acted on: SND.UNA and SND.MAX - 1. */
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 0, LOCAL_ISN + 1),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, LOCAL_ISN + 3000),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	fx_free(f);
}

/*
 * RFC 5927 4.1 with SND.MAX (conn.h): after a timeout SND.NXT goes back
 * to SND.UNA while later segments are still out; an error quoting one of
 * them is still acted on.
 */
static void test_established_after_rto_quote_below_snd_max_ok(void **state)
{
	struct fx *f = est_inflight();

	(void)state;
	assert_true(fx_run_until_output(f, 10 * SEC) <= 10 * SEC);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 1);
	assert_true(tcp_seq_lt(f->c.snd_nxt, f->c.snd_max));
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN + 3000),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_err(f->c.icmp_err, TCP_EHOSTUNREACH);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN + 3001),
	               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
	fx_free(f);
}

/* RFC 5927 4.1: with nothing in flight (SND.UNA = SND.MAX) no quote fits. */
static void test_established_idle_any_quote_icmp_seq(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_established(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, LOCAL_ISN + 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN),
	               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.icmp_err, 0);
	fx_free(f);
}

/*
 * MUST-55: Source Quench is discarded silently, whatever it quotes and in
 * any state: the congestion window is not reduced, nothing changes.
 */
static void test_source_quench_discarded(void **state)
{
	static const uint32_t qseqs[] = { LOCAL_ISN + 1, LOCAL_ISN + 1001,
		                          LOCAL_ISN, LOCAL_ISN + 5000 };
	struct fx *f = est_inflight();
	struct tcp_conn before;
	uint32_t cwnd = f->c.cwnd, ssthresh = f->c.ssthresh;

	(void)state;
	memcpy(&before, &f->c, sizeof(before));
	for (unsigned i = 0; i < TCP_ARRAY_LEN(qseqs); i++) {
		unsigned mark = fx_mark(f);

		assert_verdict(conn_icmp(f, TCP_AF_INET, TCP_ICMP4_QUENCH, 0,
		                         qseqs[i]),
		               TCP_DISP_DROP, TCP_WHY_ICMP_QUENCH);
		assert_trace(f, mark, TR_DROP(TCP_WHY_ICMP_QUENCH));
		assert_no_output(f);
		assert_memory_equal(&before, &f->c, sizeof(before));
	}
	assert_int_equal(f->c.cwnd, cwnd);
	assert_int_equal(f->c.ssthresh, ssthresh);
	assert_int_equal(status_icmp_err(f), 0);
	fx_free(f);

	/* Also in CLOSED and LISTEN. */
	f = fx_new(TCP_PROFILE_DEFAULT);
	assert_verdict(conn_icmp(f, TCP_AF_INET, TCP_ICMP4_QUENCH, 0, 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_QUENCH);
	fx_listen(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, TCP_ICMP4_QUENCH, 0, 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_QUENCH);
	assert_state(f, TCP_LISTEN);
	fx_free(f);
}

/*
 * A class that is no error for TCP (Packet Too Big without path MTU
 * discovery, or a value out of range) is ignored, changing nothing.
 */
static void test_ignored_class_changes_nothing(void **state)
{
	struct fx *f = est_inflight();
	struct tcp_conn before;

	(void)state;
	memcpy(&before, &f->c, sizeof(before));
	assert_verdict(conn_icmp(f, TCP_AF_INET6, TCP_ICMP6_TOO_BIG, 0,
	                         LOCAL_ISN + 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_IGNORED);
	assert_verdict(tcp_conn_icmp(&f->c, &f->env, f->now_us, 99,
	                             TCP_EREFUSED, SEQ(LOCAL_ISN + 1)),
	               TCP_DISP_DROP, TCP_WHY_ICMP_IGNORED);
	assert_verdict(tcp_conn_icmp(&f->c, &f->env, f->now_us, -1,
	                             TCP_EREFUSED, SEQ(LOCAL_ISN + 1)),
	               TCP_DISP_DROP, TCP_WHY_ICMP_IGNORED);
	assert_no_output(f);
	assert_memory_equal(&before, &f->c, sizeof(before));
	fx_free(f);
}

/*
 * MUST-54: an error must concern a connection; LISTEN and CLOSED have
 * none (ICMP_NO_CONN), and stay as they are.
 */
static void test_listen_and_closed_no_conn(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_conn before;

	(void)state;
	memcpy(&before, &f->c, sizeof(before));
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, 0), TCP_DISP_DROP,
	               TCP_WHY_ICMP_NO_CONN);
	assert_memory_equal(&before, &f->c, sizeof(before));
	fx_listen(f);
	memcpy(&before, &f->c, sizeof(before));
	for (unsigned i = 0; i < TCP_ARRAY_LEN(hard_errors); i++)
		assert_verdict(conn_icmp(f, hard_errors[i].family,
		                         hard_errors[i].type,
		                         hard_errors[i].code, LOCAL_ISN),
		               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 1, LOCAL_ISN),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_state(f, TCP_LISTEN);
	assert_no_output(f);
	assert_memory_equal(&before, &f->c, sizeof(before));
	fx_free(f);
}

/*
 * SHLD-26 in the other states with something in flight: FIN-WAIT-1,
 * CLOSING and LAST-ACK (our FIN, at ISS+1) and CLOSE-WAIT (data) abort.
 * In FIN-WAIT-2 our FIN is acknowledged and nothing is in flight, so no
 * quote passes RFC 5927 4.1.
 */
static void test_closing_states_hard_error(void **state)
{
	static void (*const reach[])(struct fx *) = { fx_fin_wait_1, fx_closing,
		                                      fx_last_ack };
	static const enum tcp_state st[] = { TCP_FIN_WAIT_1, TCP_CLOSING,
		                             TCP_LAST_ACK };
	struct fx *f;
	unsigned mark;

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(reach); i++) {
		f = fx_new(TCP_PROFILE_DEFAULT);
		reach[i](f);
		mark = fx_mark(f);
		assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 2, LOCAL_ISN + 1),
		               TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_aborted(f, mark, st[i], TCP_ENOPROTOOPT);
		fx_free(f);
	}

	f = fx_new(TCP_PROFILE_DEFAULT);
	fx_close_wait(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	mark = fx_mark(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, LOCAL_ISN + 50),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_aborted(f, mark, TCP_CLOSE_WAIT, TCP_EREFUSED);
	fx_free(f);

	f = fx_new(TCP_PROFILE_DEFAULT);
	fx_fin_wait_2(f);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, LOCAL_ISN + 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
	assert_state(f, TCP_FIN_WAIT_2);
	fx_free(f);
}

/*
 * TIME-WAIT (conn.h: hard errors abort in any state but LISTEN, CLOSED and
 * TIME-WAIT): nothing is acted on, whatever the class or the quote; the
 * 2*MSL wait runs to its end as before.
 */
static void test_time_wait_nothing_acted_on(void **state)
{
	static const uint32_t qseqs[] = { LOCAL_ISN + 1, LOCAL_ISN + 2,
		                          LOCAL_ISN };
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_conn before;
	uint64_t tw;

	(void)state;
	fx_time_wait(f);
	tw = f->c.t_timewait;
	memcpy(&before, &f->c, sizeof(before));
	for (unsigned i = 0; i < TCP_ARRAY_LEN(qseqs); i++) {
		for (unsigned h = 0; h < TCP_ARRAY_LEN(hard_errors); h++)
			assert_int_not_equal(conn_icmp(f, hard_errors[h].family,
			                               hard_errors[h].type,
			                               hard_errors[h].code,
			                               qseqs[i])
			                         .disp,
			                     TCP_DISP_ACCEPT);
		for (unsigned s = 0; s < TCP_ARRAY_LEN(soft_errors); s++)
			assert_int_not_equal(conn_icmp(f, soft_errors[s].family,
			                               soft_errors[s].type,
			                               soft_errors[s].code,
			                               qseqs[i])
			                         .disp,
			                     TCP_DISP_ACCEPT);
		assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 3, qseqs[i]),
		               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
		assert_no_output(f);
		assert_memory_equal(&before, &f->c, sizeof(before));
	}
	assert_int_equal(f->c.t_timewait, tw);
	fx_advance(f, tw - f->now_us);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, 0);
	fx_free(f);
}

/*
 * SHLD-25 and conn.h: a new ACK of data proves the path works, so it
 * clears the soft error; a duplicate ACK or peer data without a new ACK
 * does not. A later timeout then reports ETIMEDOUT.
 */
static void test_new_ack_clears_soft_error(void **state)
{
	static const uint8_t text[10] = "abcdefghij";
	struct fx *f = est_inflight();

	(void)state;
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 0, LOCAL_ISN + 1),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_err(status_icmp_err(f), TCP_ENETUNREACH);
	fx_ack(f, LOCAL_ISN + 1, 65535); /* duplicate ACK */
	assert_err(status_icmp_err(f), TCP_ENETUNREACH);
	fx_data(f, f->peer_nxt, text, sizeof(text));
	f->peer_nxt += sizeof(text);
	assert_err(status_icmp_err(f), TCP_ENETUNREACH);
	fx_ack(f, LOCAL_ISN + 1001, 65535);
	assert_int_equal(f->c.snd_una.v, LOCAL_ISN + 1001);
	assert_int_equal(status_icmp_err(f), 0);
	assert_int_equal(f->c.icmp_err, 0);
	/* Silence from here on: the user timeout says ETIMEDOUT. */
	fx_advance(f, f->c.user_timeout_us);
	assert_state(f, TCP_CLOSED);
	assert_err(f->c.err, TCP_ETIMEDOUT);
	fx_free(f);
}

/*
 * SHLD-25: a connection that times out (R2 / user timeout, RFC 9293
 * 3.8.3) after a soft error reports the last soft error, not ETIMEDOUT.
 */
static void test_user_timeout_reports_last_soft_error(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint8_t b[4] = { 0 };

	(void)state;
	fx_established(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 3, 0, LOCAL_ISN + 1),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_verdict(conn_icmp(f, TCP_AF_INET, 12, 0, LOCAL_ISN + 50),
	               TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_err(status_icmp_err(f), TCP_EPROTO);
	fx_advance(f, f->c.user_timeout_us);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->trace[f->trace_n - 1].cause,
	                 TCP_CAUSE_TIMEOUT_USER);
	assert_err(f->c.err, TCP_EPROTO);
	assert_err(tcp_conn_send(&f->c, &f->env, f->now_us, b, sizeof(b), 0,
	                         &f->out),
	           TCP_EPROTO);
	fx_free(f);
}

/* ===== tcp_stack_icmp_input and the packet entry point ===== */

#define IX_SLOTS 4
#define IX_RX 4096
#define IX_TX 8192
#define IX_OUT 32

struct ix {
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_stack st;
	struct tcp_stack_slot slots[IX_SLOTS];
	uint8_t bufmem[IX_SLOTS * (IX_RX + IX_TX)];
	struct tcp_out out;
	struct tcp_out_seg segs[IX_OUT];
	uint8_t data[IX_OUT * 1500];
	uint64_t now_us;
	uint32_t isn_calls;
	unsigned traced_drops;
	enum tcp_why last_why;
	struct fam m;
};

static uint32_t ix_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	struct ix *f = ctx;

	(void)t;
	(void)now_us;
	return LOCAL_ISN + 0x10000u * f->isn_calls++;
}

static uint16_t ix_port(void *ctx)
{
	(void)ctx;
	return LOCAL_PORT;
}

static uint32_t ix_ts(void *ctx, const struct tcp_tuple *t)
{
	(void)ctx;
	(void)t;
	return 0;
}

static void ix_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct ix *f = ctx;

	if (ev->kind == TCP_TRACE_DROP) {
		f->traced_drops++;
		f->last_why = ev->why;
	}
}

static struct ix *ix_new(uint8_t family)
{
	struct ix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tcp_cfg_init(&f->cfg, TCP_PROFILE_DEFAULT);
	f->env.isn = ix_isn;
	f->env.ephemeral_port = ix_port;
	f->env.ts_offset = ix_ts;
	f->env.trace = ix_trace;
	f->env.ctx = f;
	f->now_us = 1000000;
	f->m = fam_of(family);
	tcp_out_init(&f->out, f->segs, IX_OUT, f->data, sizeof(f->data));
	assert_int_equal(tcp_stack_init(&f->st, &f->cfg, f->slots, IX_SLOTS,
	                                f->bufmem, IX_RX, IX_TX),
	                 0);
	return f;
}

static const struct tcp_conn *ix_conn(struct ix *f, int h)
{
	const struct tcp_conn *c = tcp_stack_conn(&f->st, h);

	assert_non_null(c);
	return c;
}

/* Output segment i as it went on the wire. */
static size_t ix_wire(struct ix *f, uint32_t i, uint8_t *buf, size_t cap)
{
	assert_true(i < f->out.n);
	return our_packet(&f->out.segs[i].tuple.laddr,
	                  &f->out.segs[i].tuple.raddr, &f->out.segs[i].seg, buf,
	                  cap);
}

/* Active open us:LOCAL_PORT -> peer:REMOTE_PORT; the SYN is in out. */
static int ix_connect(struct ix *f)
{
	struct tcp_tuple t;
	int h;

	memset(&t, 0, sizeof(t));
	t.laddr = f->m.us;
	t.raddr = f->m.peer;
	t.lport = LOCAL_PORT;
	t.rport = REMOTE_PORT;
	tcp_out_reset(&f->out);
	h = tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
	assert_true(h >= 0);
	assert_int_equal(f->out.n, 1);
	assert_int_equal(f->out.segs[0].seg.flags, TCP_FLAG_SYN);
	assert_int_equal(f->out.segs[0].seg.seq.v, LOCAL_ISN);
	return h;
}

/* An active open completed by the peer's SYN,ACK. */
static int ix_established(struct ix *f)
{
	int h = ix_connect(f);
	struct tcp_seg s =
	    SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .seq = SEQ(REMOTE_ISN),
	           .ack = SEQ(LOCAL_ISN + 1),
	           .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS });

	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_input(&f->st, &f->env, f->now_us, &f->m.peer,
	                                 &f->m.us, &s, &f->out)
	                     .disp,
	                 TCP_DISP_ACCEPT);
	assert_int_equal(ix_conn(f, h)->state, TCP_ESTABLISHED);
	return h;
}

/* The application sends n octets on h; the data segments are in out. */
static void ix_send(struct ix *f, int h, uint32_t n)
{
	uint8_t b[3000];

	assert_true(n <= sizeof(b));
	memset(b, 'x', n);
	tcp_out_reset(&f->out);
	assert_int_equal(tcp_conn_send(tcp_stack_conn(&f->st, h), &f->env,
	                               f->now_us, b, n, 0, &f->out),
	                 n);
	assert_true(f->out.n >= 1);
}

/*
 * The router's error quoting q[0..qn) through tcp_stack_input_packet;
 * nothing is ever sent in reply (tcp_stack_icmp_input).
 */
static struct tcp_verdict ix_icmp(struct ix *f, uint8_t type, uint8_t code,
                                  const uint8_t *q, size_t qn)
{
	uint8_t pkt[2048];
	size_t n = icmp_pkt(&f->m, type, code, 0, q, qn, pkt, sizeof(pkt));
	struct tcp_verdict v;

	tcp_out_reset(&f->out);
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, n, &f->out);
	assert_int_equal(f->out.n, 0);
	return v;
}

/* An error quoting (the minimum of) a segment qsrc:sport -> qdst:dport. */
static struct tcp_verdict
ix_icmp_about(struct ix *f, uint8_t type, uint8_t code,
              const struct tcp_addr *qsrc, uint16_t sport,
              const struct tcp_addr *qdst, uint16_t dport, uint32_t seq)
{
	uint8_t q[128];
	struct tcp_seg s = OUR_SEG(.sport = sport, .dport = dport, .seq.v = seq,
	                           .flags = TCP_FLAG_ACK, .opts = { 0 });
	size_t hl =
	    qsrc->family == TCP_AF_INET6 ? TCP_IP6_HDR : TCP_IP4_HDR_MIN;

	our_packet(qsrc, qdst, &s, q, sizeof(q));
	return ix_icmp(f, type, code, q, hl + TCP_ICMP_QUOTE);
}

/*
 * MUST-54, SHLD-26 through the packet entry point: a port unreachable
 * quoting the SYN the table sent (only the RFC 792 minimum: IP header and
 * 64 bits) reaches that connection and aborts it; the application keeps
 * its handle and reads EREFUSED. IPv4 (3/3) and ICMPv6 (1/4).
 */
static void test_stack_packet_port_unreachable_aborts_open(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct ix *f = ix_new(fi ? TCP_AF_INET6 : TCP_AF_INET);
		int h = ix_connect(f);
		uint8_t q[128];
		struct tcp_verdict v;

		ix_wire(f, 0, q, sizeof(q));
		v = ix_icmp(f, f->m.unreach, fi ? 4 : 3, q,
		            f->m.hl + TCP_ICMP_QUOTE);
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state_name_is(ix_conn(f, h), TCP_CLOSED);
		assert_err(ix_conn(f, h)->err, TCP_EREFUSED);
		assert_int_equal(tcp_stack_slot_use(&f->st, h), TCP_SLOT_APP);
		assert_int_equal(tcp_stack_next_deadline_us(&f->st),
		                 TCP_NO_DEADLINE);
		assert_int_equal(f->traced_drops, 0);
		free(f);
	}
}

/*
 * MUST-56 through the packet entry point, ICMPv6 and IPv4: the soft
 * errors reach the established connection with data in flight, quoting
 * the whole data segment, and never abort it; Packet Too Big is ignored.
 */
static void test_stack_packet_soft_errors_keep_connection(void **state)
{
	(void)state;
	for (int fi = 0; fi < 2; fi++) {
		struct ix *f = ix_new(fi ? TCP_AF_INET6 : TCP_AF_INET);
		int h = ix_established(f);
		uint8_t q[1600];
		size_t qn;

		ix_send(f, h, 1000);
		qn = ix_wire(f, 0, q, sizeof(q));
		for (unsigned i = 0; i < TCP_ARRAY_LEN(soft_errors); i++) {
			struct tcp_verdict v;

			if (soft_errors[i].family != f->m.family)
				continue;
			v = ix_icmp(f, soft_errors[i].type, soft_errors[i].code,
			            q, qn);
			assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
			assert_state_name_is(ix_conn(f, h), TCP_ESTABLISHED);
			assert_err(ix_conn(f, h)->icmp_err, soft_errors[i].err);
		}
		if (fi) {
			assert_verdict(ix_icmp(f, TCP_ICMP6_TOO_BIG, 0, q, qn),
			               TCP_DISP_DROP, TCP_WHY_ICMP_IGNORED);
		} else {
			for (uint8_t code = 6; code <= 15; code++)
				assert_verdict(ix_icmp(f, 3, code, q, qn),
				               TCP_DISP_ACCEPT, TCP_WHY_NONE);
		}
		assert_state_name_is(ix_conn(f, h), TCP_ESTABLISHED);
		assert_int_equal(ix_conn(f, h)->err, 0);
		free(f);
	}
}

/*
 * MUST-55 at the table: Source Quench is discarded before any lookup,
 * whether or not it names a connection; the connection is unchanged.
 */
static void test_stack_packet_source_quench_discarded(void **state)
{
	struct ix *f = ix_new(TCP_AF_INET);
	int h = ix_established(f);
	struct tcp_conn before;
	uint8_t q[1600];
	size_t qn;

	(void)state;
	ix_send(f, h, 1000);
	qn = ix_wire(f, 0, q, sizeof(q));
	memcpy(&before, ix_conn(f, h), sizeof(before));
	assert_verdict(ix_icmp(f, TCP_ICMP4_QUENCH, 0, q, qn), TCP_DISP_DROP,
	               TCP_WHY_ICMP_QUENCH);
	assert_verdict(ix_icmp_about(f, TCP_ICMP4_QUENCH, 0, &f->m.us, 1,
	                             &f->m.peer, 2, 3),
	               TCP_DISP_DROP, TCP_WHY_ICMP_QUENCH);
	assert_memory_equal(&before, ix_conn(f, h), sizeof(before));
	assert_int_equal(f->st.drops[TCP_WHY_ICMP_QUENCH], 2);
	free(f);
}

/*
 * MUST-54: the error goes to "the connection that created the error",
 * named by the quoted header whose source is the local end. A quote that
 * differs in the local or remote port or address, or the reversed tuple
 * (a segment the peer sent), or the other family, reaches no connection.
 */
static void test_stack_other_tuple_no_conn(void **state)
{
	struct ix *f = ix_new(TCP_AF_INET);
	int h = ix_established(f);
	struct tcp_addr other = a4(192, 0, 2, 99);
	struct fam m6 = fam_of(TCP_AF_INET6);
	struct tcp_conn before;
	uint32_t seq = LOCAL_ISN + 1;
	uint8_t q[128], pkt[256];
	size_t n;
	struct tcp_verdict v;

	(void)state;
	ix_send(f, h, 1000);
	memcpy(&before, ix_conn(f, h), sizeof(before));
	/* The exact tuple, as a control, with a quote outside SND.UNA..MAX. */
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, LOCAL_PORT, &f->m.peer,
	                             REMOTE_PORT, seq - 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, LOCAL_PORT + 1,
	                             &f->m.peer, REMOTE_PORT, seq),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, LOCAL_PORT, &f->m.peer,
	                             REMOTE_PORT + 1, seq),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, LOCAL_PORT, &other,
	                             REMOTE_PORT, seq),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_verdict(ix_icmp_about(f, 3, 3, &other, LOCAL_PORT, &f->m.peer,
	                             REMOTE_PORT, seq),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.peer, REMOTE_PORT, &f->m.us,
	                             LOCAL_PORT, seq),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	/* An ICMPv6 error quoting IPv6 addresses of the same ports. */
	{
		struct tcp_seg s =
		    OUR_SEG(.seq.v = seq, .flags = TCP_FLAG_ACK, .opts = { 0 });

		our_packet(&m6.us, &m6.peer, &s, q, sizeof(q));
		n = icmp_pkt(&m6, 1, 4, 0, q, 48, pkt, sizeof(pkt));
		tcp_out_reset(&f->out);
		v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, n,
		                           &f->out);
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
		assert_int_equal(f->out.n, 0);
	}
	assert_memory_equal(&before, ix_conn(f, h), sizeof(before));
	assert_int_equal(f->st.drops[TCP_WHY_ICMP_NO_CONN], 6);
	free(f);
}

/*
 * MUST-54 and tcp_stack_icmp_input ("a connection that is not a
 * listener"): an error quoting a listener's local port with no connection
 * behind it reaches nothing and leaves the listener alone; one quoting
 * the SYN,ACK of its child in SYN-RECEIVED aborts the child (freed at
 * once, it was never accepted) and not the listener.
 */
static void test_stack_listener_port_no_conn_child_aborted(void **state)
{
	struct ix *f = ix_new(TCP_AF_INET);
	int l, child;
	struct tcp_conn before;
	struct tcp_seg syn =
	    SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	           .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS });
	uint8_t q[128];
	size_t qn;
	struct tcp_tuple t;

	(void)state;
	l = tcp_stack_listen(&f->st, &f->env, f->now_us, NULL, LOCAL_PORT, 4);
	assert_true(l >= 0);
	memcpy(&before, ix_conn(f, l), sizeof(before));
	for (unsigned i = 0; i < TCP_ARRAY_LEN(hard_errors); i++) {
		if (hard_errors[i].family != TCP_AF_INET)
			continue;
		assert_verdict(ix_icmp_about(f, hard_errors[i].type,
		                             hard_errors[i].code, &f->m.us,
		                             LOCAL_PORT, &f->m.peer,
		                             REMOTE_PORT, LOCAL_ISN),
		               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	}
	assert_memory_equal(&before, ix_conn(f, l), sizeof(before));
	assert_int_equal(tcp_stack_used(&f->st), 1);

	/* A child in SYN-RECEIVED; its SYN,ACK is quoted. */
	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_input(&f->st, &f->env, f->now_us, &f->m.peer,
	                                 &f->m.us, &syn, &f->out)
	                     .disp,
	                 TCP_DISP_ACCEPT);
	assert_int_equal(f->out.n, 1);
	qn = ix_wire(f, 0, q, sizeof(q));
	memset(&t, 0, sizeof(t));
	t.laddr = f->m.us;
	t.raddr = f->m.peer;
	t.lport = LOCAL_PORT;
	t.rport = REMOTE_PORT;
	child = tcp_stack_demux(&f->st, &t);
	assert_true(child >= 0 && child != l);
	assert_int_equal(tcp_stack_used(&f->st), 2);
	/* A soft error leaves it; another remote port is not it. */
	assert_verdict(ix_icmp(f, 3, 1, q, qn), TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state_name_is(ix_conn(f, child), TCP_SYN_RECEIVED);
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, LOCAL_PORT, &f->m.peer,
	                             REMOTE_PORT + 1, LOCAL_ISN),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	assert_verdict(ix_icmp(f, 3, 3, q, qn), TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	assert_int_equal(tcp_stack_slot_use(&f->st, child), TCP_SLOT_FREE);
	assert_memory_equal(&before, ix_conn(f, l), sizeof(before));
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	free(f);
}

/*
 * SHLD-26 on a connection the application already gave up (full close,
 * FIN-WAIT-1 with data in flight): the hard error aborts it and the table
 * frees its slot at once.
 */
static void test_stack_released_connection_freed_by_hard_error(void **state)
{
	struct ix *f = ix_new(TCP_AF_INET6);
	int h = ix_established(f);
	uint8_t q[1600];
	size_t qn;

	(void)state;
	ix_send(f, h, 1000);
	qn = ix_wire(f, 0, q, sizeof(q));
	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_close(&f->st, &f->env, f->now_us, h,
	                                 TCP_CLOSE_FULL, &f->out),
	                 0);
	assert_state_name_is(ix_conn(f, h), TCP_FIN_WAIT_1);
	assert_int_equal(tcp_stack_slot_use(&f->st, h), TCP_SLOT_RELEASED);
	assert_verdict(ix_icmp(f, TCP_ICMP6_UNREACH, 4, q, qn), TCP_DISP_ACCEPT,
	               TCP_WHY_NONE);
	assert_int_equal(tcp_stack_slot_use(&f->st, h), TCP_SLOT_FREE);
	assert_int_equal(tcp_stack_used(&f->st), 0);
	free(f);
}

/*
 * st->drops[] counts every non-ACCEPT verdict of the ICMP path by reason
 * (stack.h: "counted like a segment's"), and segs_in every input; each
 * drop is traced.
 */
static void test_stack_drops_count_each_reason(void **state)
{
	struct ix *f = ix_new(TCP_AF_INET);
	int h = ix_established(f);
	uint32_t want[TCP_WHY_COUNT];
	uint8_t q[1600], pkt[1700];
	size_t qn, n;
	struct tcp_icmp_info ic;
	struct tcp_verdict v;

	(void)state;
	ix_send(f, h, 1000);
	qn = ix_wire(f, 0, q, sizeof(q));
	memset(f->st.drops, 0, sizeof(f->st.drops));
	f->st.segs_in = 0;
	f->traced_drops = 0;
	memset(want, 0, sizeof(want));

	/* A flipped byte: ICMP_BAD. */
	n = icmp_pkt(&f->m, 3, 1, 0, q, qn, pkt, sizeof(pkt));
	pkt[n - 1] ^= 0x40;
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, n, &f->out);
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_ICMP_BAD);
	want[TCP_WHY_ICMP_BAD]++;
	/* A broken outer header: BAD_IP. */
	n = icmp_pkt(&f->m, 3, 1, 0, q, qn, pkt, sizeof(pkt));
	pkt[10] ^= 0x01;
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, n, &f->out);
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_BAD_IP);
	want[TCP_WHY_BAD_IP]++;
	/* An echo request: ICMP_IGNORED. */
	assert_verdict(ix_icmp(f, 8, 0, q, qn), TCP_DISP_DROP,
	               TCP_WHY_ICMP_IGNORED);
	want[TCP_WHY_ICMP_IGNORED]++;
	/* ICMPv6 Packet Too Big given straight to tcp_stack_icmp_input. */
	memset(&ic, 0, sizeof(ic));
	ic.family = TCP_AF_INET6;
	ic.type = TCP_ICMP6_TOO_BIG;
	v = tcp_stack_icmp_input(&f->st, &f->env, f->now_us, &ic);
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_ICMP_IGNORED);
	want[TCP_WHY_ICMP_IGNORED]++;
	assert_verdict(ix_icmp(f, 4, 0, q, qn), TCP_DISP_DROP,
	               TCP_WHY_ICMP_QUENCH);
	want[TCP_WHY_ICMP_QUENCH]++;
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, 9, &f->m.peer,
	                             REMOTE_PORT, LOCAL_ISN + 1),
	               TCP_DISP_DROP, TCP_WHY_ICMP_NO_CONN);
	want[TCP_WHY_ICMP_NO_CONN]++;
	assert_verdict(ix_icmp_about(f, 3, 3, &f->m.us, LOCAL_PORT, &f->m.peer,
	                             REMOTE_PORT, LOCAL_ISN + 1001),
	               TCP_DISP_DROP, TCP_WHY_ICMP_SEQ);
	want[TCP_WHY_ICMP_SEQ]++;
	/* Acted on: counted as an input, not as a drop. */
	assert_verdict(ix_icmp(f, 11, 0, q, qn), TCP_DISP_ACCEPT, TCP_WHY_NONE);

	for (unsigned w = 0; w < TCP_WHY_COUNT; w++)
		if (f->st.drops[w] != want[w])
			fail_msg("drops[%s] = %u, want %u",
			         tcp_why_name((enum tcp_why)w), f->st.drops[w],
			         want[w]);
	assert_int_equal(f->st.segs_in, 8);
	assert_int_equal(f->traced_drops, 7);
	assert_state_name_is(ix_conn(f, h), TCP_ESTABLISHED);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* wire: emit and parse */
		cmocka_unit_test(test_wire_icmp4_emit_parse_round_trip),
		cmocka_unit_test(test_wire_icmp6_emit_parse_round_trip),
		cmocka_unit_test(test_wire_icmp_round_trip_all_error_types),
		cmocka_unit_test(test_wire_icmp_checksum_flip_is_icmp_bad),
		cmocka_unit_test(
		    test_wire_icmp_short_quote_and_message_icmp_bad),
		cmocka_unit_test(test_wire_icmp4_quote_ip_options_and_bad_ihl),
		cmocka_unit_test(
		    test_wire_icmp_quote_wrong_ip_version_icmp_bad),
		cmocka_unit_test(test_wire_icmp_quote_not_tcp_ignored),
		cmocka_unit_test(test_wire_icmp4_quote_later_fragment_ignored),
		cmocka_unit_test(test_wire_icmp_non_error_types_ignored),
		cmocka_unit_test(test_wire_icmp_parse_non_icmp_and_bad_outer),
		cmocka_unit_test(test_wire_icmp_trailing_bytes_ignored),
		cmocka_unit_test(
		    test_wire_icmp_every_length_truncated_in_bounds),
		cmocka_unit_test(test_wire_icmp_emit_refusals),
		cmocka_unit_test(test_wire_icmp_random_frames_never_crash),
		/* classification */
		cmocka_unit_test(test_classify_ipv4_table),
		cmocka_unit_test(test_classify_ipv6_table),
		/* connection */
		cmocka_unit_test(test_syn_sent_port_unreachable_aborts),
		cmocka_unit_test(test_syn_sent_every_hard_error_aborts),
		cmocka_unit_test(
		    test_syn_sent_host_unreachable_soft_then_timeout),
		cmocka_unit_test(test_syn_sent_every_soft_error_keeps_open),
		cmocka_unit_test(test_syn_sent_quote_outside_syn_icmp_seq),
		cmocka_unit_test_setup_teardown(
		    test_syn_sent_soft_error_cleared_by_syn_ack, fx_setup,
		    fx_teardown),
		cmocka_unit_test(test_syn_received_soft_kept_hard_aborts),
		cmocka_unit_test(test_established_soft_errors_never_abort),
		cmocka_unit_test(test_established_hard_errors_abort),
		cmocka_unit_test(
		    test_established_quote_outside_window_icmp_seq),
		cmocka_unit_test(
		    test_established_after_rto_quote_below_snd_max_ok),
		cmocka_unit_test(test_established_idle_any_quote_icmp_seq),
		cmocka_unit_test(test_source_quench_discarded),
		cmocka_unit_test(test_ignored_class_changes_nothing),
		cmocka_unit_test(test_listen_and_closed_no_conn),
		cmocka_unit_test(test_closing_states_hard_error),
		cmocka_unit_test(test_time_wait_nothing_acted_on),
		cmocka_unit_test(test_new_ack_clears_soft_error),
		cmocka_unit_test(test_user_timeout_reports_last_soft_error),
		/* table */
		cmocka_unit_test(
		    test_stack_packet_port_unreachable_aborts_open),
		cmocka_unit_test(test_stack_packet_soft_errors_keep_connection),
		cmocka_unit_test(test_stack_packet_source_quench_discarded),
		cmocka_unit_test(test_stack_other_tuple_no_conn),
		cmocka_unit_test(
		    test_stack_listener_port_no_conn_child_aborted),
		cmocka_unit_test(
		    test_stack_released_connection_freed_by_hard_error),
		cmocka_unit_test(test_stack_drops_count_each_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
