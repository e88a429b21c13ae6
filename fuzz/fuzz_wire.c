/* SPDX-License-Identifier: MIT
 *
 * Fuzz target: the stack's byte view and segment parser on any bytes, read
 * as an IPv4/IPv6 packet (TCP or ICMP error) and as a bare TCP segment.
 * What parses is emitted, re-parsed and compared field by field; the option
 * iterator is checked against the contract of wire.h on hostile lengths.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tcpref/conn.h"
#include "tcpref/seg.h"
#include "tcpref/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WIRE_BUF 70000 /* an IP datagram of 65535 bytes plus headers */

static uint8_t emit_buf[WIRE_BUF];
static uint8_t emit_buf2[WIRE_BUF];

/* A failed oracle: one line naming the invariant, then a trap. */
static void __attribute__((noreturn)) fail(const char *invariant)
{
	fprintf(stderr, "fuzz_wire: invariant failed: %s\n", invariant);
	__builtin_trap();
}

#define CHECK(cond, invariant)                                                 \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(invariant);                                       \
	} while (0)

/* Addresses for segments parsed without an IP header. */
static struct tcp_addr addr4(uint8_t last)
{
	struct tcp_addr a;

	tcp_addr_v4(&a, 192, 0, 2, last);
	return a;
}

/* ---- Option iterator ---------------------------------------------------- */

/*
 * Walks an option area with tcp_wire_opt_next and checks every step
 * against the contract in wire.h: NOPs have length 1, other options a
 * length in [2, remaining], offsets advance, nothing outside the area, an
 * impossible length gives -1, and the iterator then stays at the end.
 */
static void check_opt_iter(const uint8_t *p, size_t len)
{
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;
	size_t off = 0, steps = 0;
	int rc;

	tcp_wire_opt_iter_init(&it, p, len);
	for (;;) {
		int want;
		uint8_t olen = 0;

		CHECK(steps++ <= len, "opt_iter: terminates within len steps");
		if (off >= len || p[off] == TCP_OPT_EOL)
			want = 0;
		else if (p[off] == TCP_OPT_NOP)
			want = 1;
		else if (len - off < 2 || p[off + 1] < 2 ||
		         p[off + 1] > len - off)
			want = -1;
		else
			want = 1;
		memset(&o, 0xa5, sizeof(o));
		rc = tcp_wire_opt_next(&it, &o);
		CHECK(rc == want,
		      "opt_iter: result matches the wire.h contract");
		if (rc <= 0)
			break;
		olen = p[off] == TCP_OPT_NOP ? 1 : p[off + 1];
		CHECK(o.kind == p[off], "opt_iter: kind is the byte at off");
		CHECK(o.off == off, "opt_iter: options are contiguous");
		CHECK(o.len == olen, "opt_iter: length as on the wire");
		CHECK(o.off + o.len <= len, "opt_iter: option inside the area");
		if (o.kind == TCP_OPT_NOP)
			CHECK(o.data == NULL, "opt_iter: NOP has no data");
		else
			CHECK(o.data == p + off + 2,
			      "opt_iter: data after len");
		off += olen;
	}
	rc = tcp_wire_opt_next(&it, &o);
	CHECK(rc == 0, "opt_iter: stays at the end after 0 or -1");
}

/* ---- TCP segment -------------------------------------------------------- */

static bool opts_equal(const struct tcp_opts *a, const struct tcp_opts *b)
{
	uint8_t known = TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACKOK |
	                TCP_OPTF_SACK | TCP_OPTF_TS;

	if ((a->present & known) != (b->present & known))
		return false;
	if ((a->present & TCP_OPTF_MSS) && a->mss != b->mss)
		return false;
	if ((a->present & TCP_OPTF_WS) && a->ws_shift != b->ws_shift)
		return false;
	if ((a->present & TCP_OPTF_TS) &&
	    (a->tsval != b->tsval || a->tsecr != b->tsecr))
		return false;
	if (a->present & TCP_OPTF_SACK) {
		if (a->sack_n != b->sack_n)
			return false;
		for (uint8_t i = 0; i < a->sack_n; i++)
			if (a->sack[i].left.v != b->sack[i].left.v ||
			    a->sack[i].right.v != b->sack[i].right.v)
				return false;
	}
	return true;
}

/* The fields that survive emit(parse(x)): everything but the checksum,
 * the raw option bytes and unknown options. */
static void check_seg_equal(const struct tcp_seg *a, const struct tcp_seg *b)
{
	CHECK(a->sport == b->sport, "round trip: sport");
	CHECK(a->dport == b->dport, "round trip: dport");
	CHECK(a->seq.v == b->seq.v, "round trip: seq");
	CHECK(a->ack.v == b->ack.v, "round trip: ack");
	CHECK(a->flags == b->flags, "round trip: flags (AE included)");
	CHECK(a->wnd == b->wnd, "round trip: wnd");
	CHECK(a->urp == b->urp, "round trip: urp");
	CHECK(opts_equal(&a->opts, &b->opts), "round trip: options");
	CHECK(b->opts.unknown_n == 0, "round trip: emit writes known options");
	CHECK(a->payload_bytes == b->payload_bytes, "round trip: payload len");
	CHECK(a->payload_bytes == 0 ||
	          memcmp(a->payload, b->payload, a->payload_bytes) == 0,
	      "round trip: payload bytes");
}

/*
 * Parses 'len' bytes as a TCP segment (checksum verified when src and dst
 * are given), checks the view against the parse, and round-trips what
 * decodes: emit, parse with a checksum, compare, emit again byte-equal.
 */
static void check_tcp(const uint8_t *tcp, size_t len,
                      const struct tcp_addr *src, const struct tcp_addr *dst)
{
	struct tcp_wire_view v;
	struct tcp_seg seg, back;
	struct tcp_addr s4 = addr4(2), d4 = addr4(1);
	const struct tcp_addr *es = src ? src : &s4, *ed = dst ? dst : &d4;
	enum tcp_why vwhy, why;
	size_t n, n2, ob;

	vwhy = tcp_wire_view_init(&v, tcp, len);
	why = tcp_seg_parse(&seg, tcp, len, src, dst);
	CHECK((len < TCP_HDR_MIN) == (vwhy == TCP_WHY_TRUNCATED),
	      "view: TRUNCATED iff shorter than 20 bytes");
	if (vwhy != TCP_WHY_NONE) {
		CHECK(why == vwhy, "parse: refuses as the view does");
		return;
	}
	{
		const uint8_t *opts, *pl;
		size_t opt_len, pl_len;

		CHECK(v.hdr_bytes >= TCP_HDR_MIN && v.hdr_bytes <= len &&
		          v.hdr_bytes <= TCP_HDR_MAX,
		      "view: header length in [20, min(60, len)]");
		CHECK(v.hdr_bytes == (size_t)tcp_wire_doff(&v) * 4,
		      "view: hdr_bytes = doff * 4");
		CHECK(tcp_wire_seq(&v) == tcp_wire_rd32(tcp + TCP_OFF_SEQ),
		      "view: seq at offset 4");
		opts = tcp_wire_opts(&v, &opt_len);
		pl = tcp_wire_payload(&v, &pl_len);
		CHECK(opt_len == v.hdr_bytes - TCP_HDR_MIN &&
		          (opt_len == 0 || opts == tcp + TCP_HDR_MIN),
		      "view: options follow the fixed header");
		CHECK(pl_len == len - v.hdr_bytes &&
		          (pl_len == 0 || pl == tcp + v.hdr_bytes),
		      "view: payload follows the header");
		check_opt_iter(opts, opt_len);
	}
	if (why == TCP_WHY_BAD_OPTION || why == TCP_WHY_BAD_CSUM) {
		/* Still decoded as far as the contract says; emit the parse
		 * of an unverified run instead. */
		why = tcp_seg_parse(&seg, tcp, len, NULL, NULL);
		if (why != TCP_WHY_NONE)
			return;
	}
	CHECK(why == TCP_WHY_NONE, "parse: only TRUNCATED, BAD_DOFF, "
	                           "BAD_CSUM or BAD_OPTION refuse");
	CHECK(seg.payload_bytes == len - v.hdr_bytes, "parse: payload length");
	CHECK(seg.ecn == TCP_ECN_NOT_ECT, "parse: ECN left Not-ECT");

	ob = tcp_seg_opts_bytes(&seg.opts);
	CHECK(ob % 4 == 0, "opts_bytes: a multiple of 4");
	n = tcp_seg_emit(&seg, es, ed, emit_buf, sizeof(emit_buf));
	if (ob > TCP_OPT_SPACE_MAX) {
		CHECK(n == 0, "emit: refuses options over 40 bytes");
		return;
	}
	CHECK(n == TCP_HDR_MIN + ob + seg.payload_bytes,
	      "emit: length = 20 + option bytes + payload");
	CHECK(tcp_wire_tcp_csum_ok(es, ed, emit_buf, n),
	      "emit: checksum is correct");
	CHECK(tcp_seg_parse(&back, emit_buf, n, es, ed) == TCP_WHY_NONE,
	      "round trip: emitted segment parses with its checksum");
	check_seg_equal(&seg, &back);
	n2 = tcp_seg_emit(&back, es, ed, emit_buf2, sizeof(emit_buf2));
	CHECK(n2 == n && memcmp(emit_buf, emit_buf2, n) == 0,
	      "round trip: emit(parse(emit(x))) == emit(x)");
	/* A truncated emit must be refused, not written past cap. */
	CHECK(tcp_seg_emit(&seg, es, ed, emit_buf2, n - 1) == 0,
	      "emit: refuses a buffer one byte short");
}

/* ---- IP layer ------------------------------------------------------------ */

static void check_route(const struct tcp_ip_out *out)
{
	size_t len = out->opts[1];

	CHECK(out->opt_len % 4 == 0 && out->opt_len <= 40,
	      "return route: options a multiple of 4, at most 40");
	CHECK(out->opts[0] == TCP_IPOPT_LSRR || out->opts[0] == TCP_IPOPT_SSRR,
	      "return route: LSRR or SSRR");
	CHECK(len >= 7 && (len - 3) % 4 == 0 && len <= out->opt_len,
	      "return route: length 3 + 4n inside the options");
	CHECK(out->opts[2] == 4, "return route: pointer 4");
	CHECK(out->has_nexthop && out->nexthop.family == TCP_AF_INET,
	      "return route: an IPv4 next hop");
}

/* IPv4 options: the return route of a completed source route, and a
 * packet sent on it leads back to the source. */
static void check_ip4_route(const uint8_t *hdr, size_t ihl,
                            const struct tcp_addr *src)
{
	struct tcp_ip_out out;
	struct tcp_ip_info ip;
	struct tcp_ip_out again;
	struct tcp_addr fin;
	size_t h;

	(void)tcp_wire_ip4_route_final(hdr, ihl, &fin);
	memset(&out, 0, sizeof(out));
	if (!tcp_wire_ip4_return_route(hdr, ihl, src, &out))
		return;
	check_route(&out);
	h = tcp_wire_ip_emit_opts(&out.nexthop, src, 64, 0, 1, out.opts,
	                          out.opt_len, 0, emit_buf2, sizeof(emit_buf2));
	CHECK(h == (size_t)TCP_IP4_HDR_MIN + out.opt_len,
	      "return route: emit_opts takes the options");
	CHECK(tcp_wire_ip_parse(emit_buf2, h, &ip) == TCP_WHY_NONE &&
	          ip.ip_hdr_bytes == h,
	      "return route: the emitted header parses");
	CHECK(tcp_wire_ip4_route_final(emit_buf2, h, &fin) &&
	          tcp_addr_eq(&fin, src),
	      "return route: its final destination is the source");
	memset(&again, 0, sizeof(again));
	CHECK(!tcp_wire_ip4_return_route(emit_buf2, h, src, &again),
	      "return route: a route not yet travelled is not reversed");
}

static void check_ip(const uint8_t *data, size_t size)
{
	struct tcp_ip_info ip, back;
	size_t h;

	if (size >= TCP_IP4_HDR_MIN && data[0] >> 4 == 4) {
		size_t ihl = (size_t)(data[0] & 15) * 4;
		struct tcp_addr s = addr4(2);

		if (ihl <= size)
			check_ip4_route(data, ihl, &s);
	}
	if (tcp_wire_ip_parse(data, size, &ip) != TCP_WHY_NONE)
		return;
	CHECK(ip.src.family == ip.dst.family && ip.src.family == (data[0] >> 4),
	      "ip: address family is the version");
	CHECK(ip.tcp == data + ip.ip_hdr_bytes &&
	          ip.ip_hdr_bytes + ip.tcp_len <= size,
	      "ip: the segment lies inside the packet");
	if (ip.src.family == TCP_AF_INET) {
		CHECK(ip.ip_hdr_bytes >= TCP_IP4_HDR_MIN &&
		          ip.ip_hdr_bytes <= 60,
		      "ip: IPv4 header length in [20, 60]");
		if (ip.ip_hdr_bytes > TCP_IP4_HDR_MIN)
			check_ip4_route(data, ip.ip_hdr_bytes, &ip.src);
	} else {
		CHECK(ip.ip_hdr_bytes == TCP_IP6_HDR && ip.ip_id == 0,
		      "ip: IPv6 header of 40 bytes, no ID");
	}
	check_tcp(ip.tcp, ip.tcp_len, &ip.src, &ip.dst);

	/* IP round trip: a fresh header for the same segment. */
	h = tcp_wire_ip_emit(&ip.src, &ip.dst, ip.ttl, ip.tos, ip.ip_id,
	                     ip.tcp_len, emit_buf2, sizeof(emit_buf2));
	CHECK(h == (ip.src.family == TCP_AF_INET ? TCP_IP4_HDR_MIN
	                                         : TCP_IP6_HDR),
	      "ip emit: header of 20 or 40 bytes");
	memcpy(emit_buf2 + h, ip.tcp, ip.tcp_len);
	CHECK(tcp_wire_ip_parse(emit_buf2, h + ip.tcp_len, &back) ==
	          TCP_WHY_NONE,
	      "ip round trip: the emitted packet parses");
	CHECK(tcp_addr_eq(&ip.src, &back.src) &&
	          tcp_addr_eq(&ip.dst, &back.dst),
	      "ip round trip: addresses");
	CHECK(ip.ttl == back.ttl && ip.tos == back.tos &&
	          ip.ip_id == back.ip_id,
	      "ip round trip: TTL, TOS, ID");
	CHECK(back.ip_hdr_bytes == h && back.tcp_len == ip.tcp_len &&
	          back.tcp == emit_buf2 + h,
	      "ip round trip: header and segment lengths");
}

/* ICMP errors: parse, classify, re-emit the same report and compare. */
static void check_icmp(const uint8_t *data, size_t size)
{
	struct tcp_icmp_info ic, back;
	enum tcp_icmp_class cls;
	uint8_t quote[TCP_IP6_HDR + TCP_ICMP_QUOTE];
	size_t qh, n;
	int err = -1;

	if (tcp_wire_icmp_parse(data, size, &ic) != TCP_WHY_NONE)
		return;
	CHECK(ic.family == TCP_AF_INET || ic.family == TCP_AF_INET6,
	      "icmp: family is IPv4 or IPv6");
	CHECK(ic.src.family == ic.family && ic.dst.family == ic.family &&
	          ic.qsrc.family == ic.family && ic.qdst.family == ic.family,
	      "icmp: quoted header of the same family");
	cls = tcp_icmp_classify(ic.family, ic.type, ic.code, &err);
	CHECK(cls >= TCP_ICMP_IGNORE && cls <= TCP_ICMP_HARD,
	      "icmp: a known class");
	CHECK((cls == TCP_ICMP_IGNORE || cls == TCP_ICMP_QUENCH) == (err == 0),
	      "icmp: an error code exactly for SOFT and HARD");

	qh = tcp_wire_ip_emit(&ic.qsrc, &ic.qdst, 64, 0, 0, TCP_ICMP_QUOTE,
	                      quote, sizeof(quote));
	CHECK(qh > 0, "icmp: the quoted header can be rebuilt");
	tcp_wire_wr16(quote + qh, ic.qsport);
	tcp_wire_wr16(quote + qh + 2, ic.qdport);
	tcp_wire_wr32(quote + qh + 4, ic.qseq);
	n = tcp_wire_icmp_emit(&ic.src, &ic.dst, ic.type, ic.code, ic.info,
	                       quote, qh + TCP_ICMP_QUOTE, emit_buf2,
	                       sizeof(emit_buf2));
	CHECK(n > 0, "icmp emit: the report can be rebuilt");
	CHECK(tcp_wire_icmp_parse(emit_buf2, n, &back) == TCP_WHY_NONE,
	      "icmp round trip: the emitted report parses");
	CHECK(back.family == ic.family && back.type == ic.type &&
	          back.code == ic.code && back.info == ic.info,
	      "icmp round trip: family, type, code, info");
	CHECK(tcp_addr_eq(&back.src, &ic.src) &&
	          tcp_addr_eq(&back.dst, &ic.dst) &&
	          tcp_addr_eq(&back.qsrc, &ic.qsrc) &&
	          tcp_addr_eq(&back.qdst, &ic.qdst),
	      "icmp round trip: addresses");
	CHECK(back.qsport == ic.qsport && back.qdport == ic.qdport &&
	          back.qseq == ic.qseq,
	      "icmp round trip: quoted ports and SEQ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_addr s = addr4(2), d = addr4(1);

	check_ip(data, size);
	check_icmp(data, size);
	/* The same bytes as a bare segment, with and without a checksum. */
	check_tcp(data, size, NULL, NULL);
	check_tcp(data, size, &s, &d);
	check_opt_iter(data, size);
	return 0;
}
