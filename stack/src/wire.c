/* SPDX-License-Identifier: MIT
 *
 * The byte view (first layer): bounds-checked getters and unchecked setters
 * for TCP header fields, RFC 1071 checksums with the IPv4 and IPv6
 * pseudo-headers, the TCP option iterator and the IPv4/IPv6 header parser
 * and writer. Nothing here judges a segment beyond "can it be read".
 */

#include "tcpref/wire.h"
#include "mem.h"
#include "tcpref/conn.h"

/* ---- TCP header view --------------------------------------------------- */

/*
 * RFC 9293 3.1: "Data Offset: 4 bits. The number of 32-bit words in the TCP
 * Header." Fewer than 5 words cannot hold the fixed header, and a header
 * longer than the bytes we have cannot be read. On BAD_DOFF the 20 fixed
 * bytes are still in bounds, so the field getters (not tcp_wire_opts() or
 * tcp_wire_payload()) may still be used; tcp_seg_parse() relies on this.
 */
enum tcp_why tcp_wire_view_init(struct tcp_wire_view *v, const uint8_t *buf,
                                size_t len)
{
	size_t hdr;

	v->buf = buf;
	v->len = len;
	v->hdr_bytes = 0;
	if (buf == NULL || len < TCP_HDR_MIN)
		return TCP_WHY_TRUNCATED;
	hdr = (size_t)(buf[TCP_OFF_DOFF] >> 4) * 4;
	if (hdr < TCP_HDR_MIN || hdr > len)
		return TCP_WHY_BAD_DOFF;
	v->hdr_bytes = hdr;
	return TCP_WHY_NONE;
}

uint16_t tcp_wire_sport(const struct tcp_wire_view *v)
{
	return tcp_wire_rd16(v->buf + TCP_OFF_SPORT);
}

uint16_t tcp_wire_dport(const struct tcp_wire_view *v)
{
	return tcp_wire_rd16(v->buf + TCP_OFF_DPORT);
}

uint32_t tcp_wire_seq(const struct tcp_wire_view *v)
{
	return tcp_wire_rd32(v->buf + TCP_OFF_SEQ);
}

uint32_t tcp_wire_ack(const struct tcp_wire_view *v)
{
	return tcp_wire_rd32(v->buf + TCP_OFF_ACK);
}

uint8_t tcp_wire_doff(const struct tcp_wire_view *v)
{
	return (uint8_t)(v->buf[TCP_OFF_DOFF] >> 4);
}

/*
 * Byte 13 holds CWR..FIN; bit 0 of byte 12 is AE (RFC 9293 3.1 lists it as
 * reserved, RFC 9768 assigns it). The other three reserved bits are not
 * reported.
 */
uint16_t tcp_wire_flags(const struct tcp_wire_view *v)
{
	return (uint16_t)(v->buf[TCP_OFF_FLAGS] |
	                  ((v->buf[TCP_OFF_DOFF] & 0x01u) ? TCP_FLAG_AE : 0));
}

uint16_t tcp_wire_wnd(const struct tcp_wire_view *v)
{
	return tcp_wire_rd16(v->buf + TCP_OFF_WND);
}

uint16_t tcp_wire_csum(const struct tcp_wire_view *v)
{
	return tcp_wire_rd16(v->buf + TCP_OFF_CSUM);
}

uint16_t tcp_wire_urp(const struct tcp_wire_view *v)
{
	return tcp_wire_rd16(v->buf + TCP_OFF_URP);
}

const uint8_t *tcp_wire_opts(const struct tcp_wire_view *v, size_t *len)
{
	*len = v->hdr_bytes > TCP_HDR_MIN ? v->hdr_bytes - TCP_HDR_MIN : 0;
	return v->buf + TCP_HDR_MIN;
}

const uint8_t *tcp_wire_payload(const struct tcp_wire_view *v, size_t *len)
{
	*len = v->len - v->hdr_bytes;
	return v->buf + v->hdr_bytes;
}

void tcp_wire_set_sport(uint8_t *hdr, uint16_t v)
{
	tcp_wire_wr16(hdr + TCP_OFF_SPORT, v);
}

void tcp_wire_set_dport(uint8_t *hdr, uint16_t v)
{
	tcp_wire_wr16(hdr + TCP_OFF_DPORT, v);
}

void tcp_wire_set_seq(uint8_t *hdr, uint32_t v)
{
	tcp_wire_wr32(hdr + TCP_OFF_SEQ, v);
}

void tcp_wire_set_ack(uint8_t *hdr, uint32_t v)
{
	tcp_wire_wr32(hdr + TCP_OFF_ACK, v);
}

/* Keeps the low nibble of byte 12 (three reserved bits and AE). */
void tcp_wire_set_doff(uint8_t *hdr, uint8_t words)
{
	hdr[TCP_OFF_DOFF] =
	    (uint8_t)((words & 0x0fu) << 4 | (hdr[TCP_OFF_DOFF] & 0x0fu));
}

/* Writes byte 13 and the AE bit; the data offset and reserved bits stay. */
void tcp_wire_set_flags(uint8_t *hdr, uint16_t flags)
{
	hdr[TCP_OFF_FLAGS] = (uint8_t)(flags & 0xffu);
	hdr[TCP_OFF_DOFF] = (uint8_t)((hdr[TCP_OFF_DOFF] & 0xfeu) |
	                              ((flags & TCP_FLAG_AE) ? 1u : 0u));
}

void tcp_wire_set_wnd(uint8_t *hdr, uint16_t v)
{
	tcp_wire_wr16(hdr + TCP_OFF_WND, v);
}

void tcp_wire_set_csum(uint8_t *hdr, uint16_t v)
{
	tcp_wire_wr16(hdr + TCP_OFF_CSUM, v);
}

void tcp_wire_set_urp(uint8_t *hdr, uint16_t v)
{
	tcp_wire_wr16(hdr + TCP_OFF_URP, v);
}

/* ---- Checksums (RFC 9293 3.1, RFC 1071) -------------------------------- */

/*
 * RFC 1071 2(A)-(C): the sum of 16-bit big-endian words with end-around
 * carry; it does not depend on byte alignment of 'p'. An odd trailing byte
 * is padded on the right with zero (RFC 9293 3.1: "If a segment contains an
 * odd number of header and text octets, the last octet is padded on the
 * right with zeros"), so only the last chunk of a running sum may be odd.
 * Carries are deferred in 64 bits and folded back, so 'sum' never overflows.
 */
#if defined(__GNUC__)
/* One copy, not one in each of its callers: instrumented builds (the fuzz
 * targets' coverage, the sanitizers) pay for its loops only once. */
__attribute__((noinline))
#endif
uint32_t
tcp_wire_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;
	size_t i = 0;

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&             \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * The same sum, eight bytes a load (the loop below loads each byte,
	 * which costs under AddressSanitizer), in the machine's byte order:
	 * RFC 1071 2(B), the sum of byte-swapped words is the byte-swapped
	 * sum. Each load adds its two 32-bit halves to a 64-bit sum (no
	 * overflow below 2^31 loads), folded to 16 bits and swapped back.
	 * (memcpy of a known size is inlined: mem.h.)
	 */
	if (len >= 8) {
		uint64_t nat = 0;

		for (; len - i >= 8; i += 8) {
			uint64_t v;

			memcpy(&v, p + i, 8);
			nat += (v & 0xffffffffu) + (v >> 32);
		}
		while (nat >> 16)
			nat = (nat & 0xffffu) + (nat >> 16);
		acc += __builtin_bswap16((uint16_t)nat);
	}
#endif
	for (; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		acc += (uint32_t)p[i] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t tcp_wire_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The pseudo-header (RFC 9293 3.1). IPv4: source, destination, a zero byte,
 * the protocol and the 16-bit TCP length. IPv6 (RFC 8200 8.1): source,
 * destination, the 32-bit upper-layer length, three zero bytes and the next
 * header. The family of 'src' picks the layout; anything other than IPv6 is
 * summed as IPv4.
 */
static uint32_t pseudo_sum(const struct tcp_addr *src,
                           const struct tcp_addr *dst, size_t len,
                           uint8_t proto)
{
	const uint8_t *s = src->a, *d = dst->a;

	/* The words added directly: a call per field cost more than the sum. */
	if (src->family == TCP_AF_INET6)
		return tcp_wire_csum_add(
		    tcp_wire_csum_add((uint32_t)(len >> 16 & 0xffffu) +
		                          (uint32_t)(len & 0xffffu) + proto,
		                      s, 16),
		    d, 16);
	return ((uint32_t)s[0] << 8 | s[1]) + ((uint32_t)s[2] << 8 | s[3]) +
	       ((uint32_t)d[0] << 8 | d[1]) + ((uint32_t)d[2] << 8 | d[3]) +
	       proto + (uint32_t)(len & 0xffffu);
}

static uint32_t tcp_wire_pseudo_sum(const struct tcp_addr *src,
                                    const struct tcp_addr *dst, size_t len)
{
	return pseudo_sum(src, dst, len, TCP_IPPROTO_TCP);
}

/*
 * RFC 9293 3.1: "While computing the checksum, the checksum field itself is
 * replaced with zeros." The field's bytes are skipped; a 'len' too short to
 * hold all of it simply sums what is there.
 */
uint16_t tcp_wire_tcp_csum(const struct tcp_addr *src,
                           const struct tcp_addr *dst, const uint8_t *tcp,
                           size_t len)
{
	uint32_t sum = tcp_wire_pseudo_sum(src, dst, len);

	sum = tcp_wire_csum_add(sum, tcp,
	                        len < TCP_OFF_CSUM ? len : TCP_OFF_CSUM);
	if (len > TCP_OFF_CSUM + 2)
		sum = tcp_wire_csum_add(sum, tcp + TCP_OFF_CSUM + 2,
		                        len - (TCP_OFF_CSUM + 2));
	return tcp_wire_csum_fold(sum);
}

/*
 * The receiver's check (MUST-3) sums everything, the checksum field
 * included, and expects all ones (RFC 1071 2(C)); this accepts both
 * encodings of zero (0x0000 and 0xffff) for the field, as Linux does.
 */
bool tcp_wire_tcp_csum_ok(const struct tcp_addr *src,
                          const struct tcp_addr *dst, const uint8_t *tcp,
                          size_t len)
{
	uint32_t sum;

	if (len < TCP_OFF_CSUM + 2)
		return false;
	sum = tcp_wire_pseudo_sum(src, dst, len);
	sum = tcp_wire_csum_add(sum, tcp, len);
	return tcp_wire_csum_fold(sum) == 0;
}

/* The sender's side (MUST-2). Does nothing when 'len' cannot hold the field. */
void tcp_wire_tcp_csum_fill(const struct tcp_addr *src,
                            const struct tcp_addr *dst, uint8_t *tcp,
                            size_t len)
{
	if (len < TCP_OFF_CSUM + 2)
		return;
	tcp_wire_wr16(tcp + TCP_OFF_CSUM,
	              tcp_wire_tcp_csum(src, dst, tcp, len));
}

/* ---- Option iterator --------------------------------------------------- */

void tcp_wire_opt_iter_init(struct tcp_wire_opt_iter *it, const uint8_t *p,
                            size_t len)
{
	it->p = p;
	it->len = p != NULL ? len : 0;
	it->off = 0;
}

/*
 * RFC 9293 3.1: "An option may begin on any octet boundary" (MUST-64), so
 * no alignment is assumed. Every kind other than EOL and NOP has a length
 * octet counting kind and length (MUST-68); a length below 2 or one running
 * past the area is "an illegal option length" (MUST-7) and ends iteration
 * with -1. A kind octet with no room for its length octet after it is the
 * same overrun.
 */
int tcp_wire_opt_next(struct tcp_wire_opt_iter *it, struct tcp_wire_opt *o)
{
	size_t off = it->off;
	uint8_t kind, olen;

	if (off >= it->len)
		return 0;
	kind = it->p[off];
	if (kind == TCP_OPT_EOL) {
		/*
		 * RFC 9293 3.1: "The content of the header beyond the End of
		 * Option List Option MUST be header padding of zeros"
		 * (MUST-69). What follows is padding and is not looked at.
		 */
		it->off = it->len;
		return 0;
	}
	if (kind == TCP_OPT_NOP) {
		o->kind = kind;
		o->len = 1;
		o->data = NULL;
		o->off = off;
		it->off = off + 1;
		return 1;
	}
	olen = it->len - off >= 2 ? it->p[off + 1] : 0;
	if (olen < 2 || olen > it->len - off) {
		it->off = it->len;
		return -1;
	}
	o->kind = kind;
	o->len = olen;
	o->data = it->p + off + 2;
	o->off = off;
	it->off = off + olen;
	return 1;
}

/* ---- IP layer ---------------------------------------------------------- */

/*
 * IPv4 (RFC 791 3.1). Lengths first, then the header checksum, then the
 * protocol and fragmentation. Trailing bytes beyond the total length (for
 * example Ethernet padding) are ignored. A header or total length that
 * claims more bytes than 'len' holds is TRUNCATED; one that is impossible
 * in itself (IHL < 5, total length < IHL) is BAD_IP.
 */
static enum tcp_why tcp_wire_ip4_parse(const uint8_t *pkt, size_t len,
                                       struct tcp_ip_info *ip, uint8_t proto)
{
	size_t ihl, total;
	uint16_t frag;

	if (len < TCP_IP4_HDR_MIN)
		return TCP_WHY_TRUNCATED;
	ihl = (size_t)(pkt[0] & 0x0fu) * 4;
	if (ihl < TCP_IP4_HDR_MIN)
		return TCP_WHY_BAD_IP;
	if (ihl > len)
		return TCP_WHY_TRUNCATED;
	total = tcp_wire_rd16(pkt + 2);
	if (total < ihl)
		return TCP_WHY_BAD_IP;
	if (total > len)
		return TCP_WHY_TRUNCATED;
	if (tcp_wire_csum_fold(tcp_wire_csum_add(0, pkt, ihl)) != 0)
		return TCP_WHY_BAD_IP;
	if (pkt[9] != proto)
		return TCP_WHY_NOT_IP;
	/* MF (0x2000) or a nonzero fragment offset: we do not reassemble. */
	frag = tcp_wire_rd16(pkt + 6);
	if (frag & 0x3fffu)
		return TCP_WHY_IP_FRAGMENT;

	ip->src.family = TCP_AF_INET;
	memcpy(ip->src.a, pkt + 12, 4);
	ip->dst.family = TCP_AF_INET;
	memcpy(ip->dst.a, pkt + 16, 4);
	ip->tos = pkt[1];
	ip->ip_id = tcp_wire_rd16(pkt + 4);
	ip->ttl = pkt[8];
	ip->ip_hdr_bytes = ihl;
	ip->tcp = pkt + ihl;
	ip->tcp_len = total - ihl;
	return TCP_WHY_NONE;
}

/* IPv6 (RFC 8200 3). Extension headers are not followed. */
static enum tcp_why tcp_wire_ip6_parse(const uint8_t *pkt, size_t len,
                                       struct tcp_ip_info *ip, uint8_t proto)
{
	size_t plen;

	if (len < TCP_IP6_HDR)
		return TCP_WHY_TRUNCATED;
	plen = tcp_wire_rd16(pkt + 4);
	if (plen > len - TCP_IP6_HDR)
		return TCP_WHY_TRUNCATED;
	if (pkt[6] != proto)
		return TCP_WHY_NOT_IP;

	ip->src.family = TCP_AF_INET6;
	memcpy(ip->src.a, pkt + 8, 16);
	ip->dst.family = TCP_AF_INET6;
	memcpy(ip->dst.a, pkt + 24, 16);
	ip->tos = (uint8_t)((pkt[0] & 0x0fu) << 4 | pkt[1] >> 4);
	ip->ip_id = 0;
	ip->ttl = pkt[7];
	ip->ip_hdr_bytes = TCP_IP6_HDR;
	ip->tcp = pkt + TCP_IP6_HDR;
	ip->tcp_len = plen;
	return TCP_WHY_NONE;
}

/* *ip is zeroed first, so it holds nothing stale after a refusal. */
enum tcp_why tcp_wire_ip_parse(const uint8_t *pkt, size_t len,
                               struct tcp_ip_info *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (pkt == NULL || len < 1)
		return TCP_WHY_TRUNCATED;
	switch (pkt[0] >> 4) {
	case 4:
		return tcp_wire_ip4_parse(pkt, len, ip, TCP_IPPROTO_TCP);
	case 6:
		return tcp_wire_ip6_parse(pkt, len, ip, TCP_IPPROTO_TCP);
	default:
		return TCP_WHY_NOT_IP;
	}
}

/*
 * Also returns 0 when the length cannot be represented: an IPv4 total
 * length or an IPv6 payload length above 65535 (no jumbograms).
 */
size_t tcp_wire_ip_emit(const struct tcp_addr *src, const struct tcp_addr *dst,
                        uint8_t ttl, uint8_t tos, uint16_t ip_id,
                        size_t tcp_len, uint8_t *buf, size_t cap)
{
	return tcp_wire_ip_emit_opts(src, dst, ttl, tos, ip_id, NULL, 0,
	                             tcp_len, buf, cap);
}

size_t tcp_wire_ip_emit_opts(const struct tcp_addr *src,
                             const struct tcp_addr *dst, uint8_t ttl,
                             uint8_t tos, uint16_t ip_id, const uint8_t *opts,
                             size_t opt_len, size_t tcp_len, uint8_t *buf,
                             size_t cap)
{
	size_t hl = TCP_IP4_HDR_MIN + opt_len;

	if (src->family != dst->family)
		return 0;
	if (src->family == TCP_AF_INET) {
		if (opt_len > 40 || (opt_len & 3u) || cap < hl ||
		    tcp_len > 0xffffu - hl)
			return 0;
		buf[0] = (uint8_t)(0x40u | (hl / 4)); /* version 4, IHL */
		buf[1] = tos;
		tcp_wire_wr16(buf + 2, (uint16_t)(hl + tcp_len));
		tcp_wire_wr16(buf + 4, ip_id);
		tcp_wire_wr16(buf + 6, 0x4000); /* DF, offset 0 */
		buf[8] = ttl;
		buf[9] = TCP_IPPROTO_TCP;
		tcp_wire_wr16(buf + 10, 0);
		memcpy(buf + 12, src->a, 4);
		memcpy(buf + 16, dst->a, 4);
		if (opt_len > 0)
			memcpy(buf + TCP_IP4_HDR_MIN, opts, opt_len);
		tcp_wire_wr16(buf + 10, tcp_wire_csum_fold(
		                            tcp_wire_csum_add(0, buf, hl)));
		return hl;
	}
	if (src->family == TCP_AF_INET6) {
		if (opt_len > 0 || cap < TCP_IP6_HDR || tcp_len > 0xffffu)
			return 0;
		buf[0] = (uint8_t)(0x60u | tos >> 4);   /* version, TC high */
		buf[1] = (uint8_t)((tos & 0x0fu) << 4); /* TC low, flow 0 */
		buf[2] = 0;
		buf[3] = 0;
		tcp_wire_wr16(buf + 4, (uint16_t)tcp_len);
		buf[6] = TCP_IPPROTO_TCP;
		buf[7] = ttl;
		memcpy(buf + 8, src->a, 16);
		memcpy(buf + 24, dst->a, 16);
		return TCP_IP6_HDR;
	}
	return 0;
}

/* ---- IPv4 source routes (RFC 791 3.1; RFC 9293 3.9.2.1) ---------------- */

/*
 * Finds the first loose or strict source route in the options of an IPv4
 * header; *at is its offset in hdr. false when there is none or the option
 * list is malformed (a length below 2 or running past the header).
 */
static bool ip4_find_route(const uint8_t *hdr, size_t ihl, size_t *at)
{
	size_t i = TCP_IP4_HDR_MIN;

	while (i < ihl) {
		uint8_t k = hdr[i];

		if (k == TCP_IPOPT_EOL)
			return false;
		if (k == TCP_IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= ihl || hdr[i + 1] < 2 || hdr[i + 1] > ihl - i)
			return false;
		if (k == TCP_IPOPT_LSRR || k == TCP_IPOPT_SSRR) {
			*at = i;
			return true;
		}
		i += hdr[i + 1];
	}
	return false;
}

bool tcp_wire_ip4_return_route(const uint8_t *hdr, size_t ihl,
                               const struct tcp_addr *src,
                               struct tcp_ip_out *out)
{
	size_t at, len, ptr, n, k, o;

	if (hdr == NULL || ihl <= TCP_IP4_HDR_MIN || ihl > 60 ||
	    src->family != TCP_AF_INET || !ip4_find_route(hdr, ihl, &at))
		return false;
	len = hdr[at + 1];
	if (len < 7 || (len - 3) % 4 != 0)
		return false; /* malformed (and the pointer may not be there) */
	ptr = hdr[at + 2];
	if (ptr <= len)
		return false; /* not completed: still on its way */
	n = (len - 3) / 4;
	memset(out->opts, 0, sizeof(out->opts));
	out->opts[0] = hdr[at];
	out->opts[1] = (uint8_t)len;
	out->opts[2] = 4;
	o = 3;
	for (k = n - 1; k > 0; k--) { /* r(n-1) .. r1 */
		memcpy(out->opts + o, hdr + at + 3 + (k - 1) * 4, 4);
		o += 4;
	}
	memcpy(out->opts + o, src->a, 4);
	out->opt_len = (uint8_t)((len + 3u) & ~3u); /* EOL padding */
	memset(&out->nexthop, 0, sizeof(out->nexthop));
	out->nexthop.family = TCP_AF_INET;
	memcpy(out->nexthop.a, hdr + at + 3 + (n - 1) * 4, 4);
	out->has_nexthop = true;
	return true;
}

bool tcp_wire_ip4_route_final(const uint8_t *hdr, size_t ihl,
                              struct tcp_addr *dst)
{
	size_t at, len;

	if (hdr == NULL || ihl <= TCP_IP4_HDR_MIN || ihl > 60 ||
	    !ip4_find_route(hdr, ihl, &at))
		return false;
	len = hdr[at + 1];
	if (len < 7 || (len - 3) % 4 != 0)
		return false;
	memset(dst, 0, sizeof(*dst));
	dst->family = TCP_AF_INET;
	memcpy(dst->a, hdr + at + len - 4, 4);
	return true;
}

/* ---- ICMP errors (RFC 792, RFC 4443; RFC 9293 3.9.2.2) ------------------ */

/*
 * The packet an ICMP error quotes: an IP header of the outer family whose
 * protocol is TCP, then at least the first 8 bytes of the TCP header. Only
 * what demultiplexing needs is checked; routers may have changed the rest
 * (TTL, checksum) and may quote less than the whole segment.
 */
static enum tcp_why icmp_quoted(const uint8_t *q, size_t n, uint8_t family,
                                struct tcp_icmp_info *ic)
{
	size_t hl;

	if (family == TCP_AF_INET) {
		if (n < TCP_IP4_HDR_MIN || (q[0] >> 4) != 4)
			return TCP_WHY_ICMP_BAD;
		hl = (size_t)(q[0] & 0x0fu) * 4;
		if (hl < TCP_IP4_HDR_MIN || hl > n)
			return TCP_WHY_ICMP_BAD;
		/* A later fragment quotes no TCP header. */
		if (q[9] != TCP_IPPROTO_TCP || (tcp_wire_rd16(q + 6) & 0x1fffu))
			return TCP_WHY_ICMP_IGNORED;
		ic->qsrc.family = ic->qdst.family = TCP_AF_INET;
		memcpy(ic->qsrc.a, q + 12, 4);
		memcpy(ic->qdst.a, q + 16, 4);
	} else {
		if (n < TCP_IP6_HDR || (q[0] >> 4) != 6)
			return TCP_WHY_ICMP_BAD;
		hl = TCP_IP6_HDR;
		if (q[6] != TCP_IPPROTO_TCP)
			return TCP_WHY_ICMP_IGNORED;
		ic->qsrc.family = ic->qdst.family = TCP_AF_INET6;
		memcpy(ic->qsrc.a, q + 8, 16);
		memcpy(ic->qdst.a, q + 24, 16);
	}
	if (n - hl < TCP_ICMP_QUOTE)
		return TCP_WHY_ICMP_BAD;
	ic->qsport = tcp_wire_rd16(q + hl);
	ic->qdport = tcp_wire_rd16(q + hl + 2);
	ic->qseq = tcp_wire_rd32(q + hl + 4);
	return TCP_WHY_NONE;
}

/* Whether ICMP type t (of the family) is an error message TCP may act on. */
static bool icmp_is_error(uint8_t family, uint8_t t)
{
	if (family == TCP_AF_INET)
		return t == TCP_ICMP4_UNREACH || t == TCP_ICMP4_QUENCH ||
		       t == TCP_ICMP4_TIME_EXCEEDED ||
		       t == TCP_ICMP4_PARAM_PROBLEM;
	return t == TCP_ICMP6_UNREACH || t == TCP_ICMP6_TOO_BIG ||
	       t == TCP_ICMP6_TIME_EXCEEDED || t == TCP_ICMP6_PARAM_PROBLEM;
}

/* *ic is zeroed first, so it holds nothing stale after a refusal. */
enum tcp_why tcp_wire_icmp_parse(const uint8_t *pkt, size_t len,
                                 struct tcp_icmp_info *ic)
{
	struct tcp_ip_info ip;
	const uint8_t *m;
	enum tcp_why why;
	uint32_t sum;

	memset(ic, 0, sizeof(*ic));
	if (pkt == NULL || len < 1)
		return TCP_WHY_TRUNCATED;
	memset(&ip, 0, sizeof(ip));
	if ((pkt[0] >> 4) == 4)
		why = tcp_wire_ip4_parse(pkt, len, &ip, TCP_IPPROTO_ICMP);
	else if ((pkt[0] >> 4) == 6)
		why = tcp_wire_ip6_parse(pkt, len, &ip, TCP_IPPROTO_ICMPV6);
	else
		why = TCP_WHY_NOT_IP;
	if (why != TCP_WHY_NONE)
		return why;
	/* ip.tcp and ip.tcp_len are the ICMP message here. */
	m = ip.tcp;
	if (ip.tcp_len < TCP_ICMP_HDR)
		return TCP_WHY_ICMP_BAD;
	ic->family = ip.src.family;
	sum = ic->family == TCP_AF_INET6
	          ? pseudo_sum(&ip.src, &ip.dst, ip.tcp_len, TCP_IPPROTO_ICMPV6)
	          : 0;
	if (tcp_wire_csum_fold(tcp_wire_csum_add(sum, m, ip.tcp_len)) != 0)
		return TCP_WHY_ICMP_BAD;
	ic->src = ip.src;
	ic->dst = ip.dst;
	ic->type = m[0];
	ic->code = m[1];
	ic->info = tcp_wire_rd32(m + 4);
	if (!icmp_is_error(ic->family, ic->type))
		return TCP_WHY_ICMP_IGNORED;
	return icmp_quoted(m + TCP_ICMP_HDR, ip.tcp_len - TCP_ICMP_HDR,
	                   ic->family, ic);
}

/*
 * RFC 9293 3.9.2.2. IPv4: Source Quench is discarded (MUST-55);
 * Destination Unreachable codes 0, 1, 5, Time Exceeded and Parameter
 * Problem are soft (MUST-56, SHLD-25); Destination Unreachable codes 2-4
 * are hard (SHLD-26). The RFC names no class for the other Destination
 * Unreachable codes (6-15: unknown network or host, administratively
 * prohibited, ...); the reference treats them as soft, the choice that
 * never loses a connection. ICMPv6: Destination Unreachable codes 0 and 3,
 * Time Exceeded and Parameter Problem codes 0-2 are soft; code 4 (port
 * unreachable, RFC 4443 3.1) is the counterpart of IPv4's code 3 and is
 * hard; the other unreachable codes are soft like IPv4's 6-15. Packet Too
 * Big is path MTU discovery (RFC 8201), which the reference does not do.
 * Codes 4 of IPv4 (fragmentation needed) stay hard as the RFC lists them:
 * the reference does no path MTU discovery (RFC 1191) either.
 */
enum tcp_icmp_class tcp_icmp_classify(uint8_t family, uint8_t type,
                                      uint8_t code, int *err)
{
	*err = 0;
	if (family == TCP_AF_INET) {
		switch (type) {
		case TCP_ICMP4_QUENCH:
			return TCP_ICMP_QUENCH;
		case TCP_ICMP4_UNREACH:
			switch (code) {
			case 0:
				*err = TCP_ENETUNREACH;
				return TCP_ICMP_SOFT;
			case 2:
				*err = TCP_ENOPROTOOPT;
				return TCP_ICMP_HARD;
			case 3:
				*err = TCP_EREFUSED;
				return TCP_ICMP_HARD;
			case 4:
				*err = TCP_EMSGSIZE;
				return TCP_ICMP_HARD;
			default:
				*err = TCP_EHOSTUNREACH;
				return TCP_ICMP_SOFT;
			}
		case TCP_ICMP4_TIME_EXCEEDED:
			*err = TCP_EHOSTUNREACH;
			return TCP_ICMP_SOFT;
		case TCP_ICMP4_PARAM_PROBLEM:
			*err = TCP_EPROTO;
			return TCP_ICMP_SOFT;
		default:
			return TCP_ICMP_IGNORE;
		}
	}
	switch (type) {
	case TCP_ICMP6_UNREACH:
		if (code == 4) {
			*err = TCP_EREFUSED;
			return TCP_ICMP_HARD;
		}
		*err = code == 0 ? TCP_ENETUNREACH : TCP_EHOSTUNREACH;
		return TCP_ICMP_SOFT;
	case TCP_ICMP6_TIME_EXCEEDED:
		*err = TCP_EHOSTUNREACH;
		return TCP_ICMP_SOFT;
	case TCP_ICMP6_PARAM_PROBLEM:
		*err = TCP_EPROTO;
		return TCP_ICMP_SOFT;
	default:
		return TCP_ICMP_IGNORE;
	}
}

size_t tcp_wire_icmp_emit(const struct tcp_addr *src,
                          const struct tcp_addr *dst, uint8_t type,
                          uint8_t code, uint32_t info, const uint8_t *quoted,
                          size_t qlen, uint8_t *buf, size_t cap)
{
	size_t hl, mlen;
	uint8_t *m;
	uint32_t sum;

	if (src->family != dst->family ||
	    (src->family != TCP_AF_INET && src->family != TCP_AF_INET6))
		return 0;
	hl = src->family == TCP_AF_INET ? TCP_IP4_HDR_MIN : TCP_IP6_HDR;
	mlen = TCP_ICMP_HDR + qlen;
	if (cap < hl || mlen > cap - hl ||
	    tcp_wire_ip_emit(src, dst, 64, 0, 0, mlen, buf, cap) != hl)
		return 0;
	if (src->family == TCP_AF_INET) {
		buf[9] = TCP_IPPROTO_ICMP;
		tcp_wire_wr16(buf + 6, 0); /* no DF on an error report */
		tcp_wire_wr16(buf + 10, 0);
		tcp_wire_wr16(buf + 10,
		              tcp_wire_csum_fold(
		                  tcp_wire_csum_add(0, buf, TCP_IP4_HDR_MIN)));
	} else {
		buf[6] = TCP_IPPROTO_ICMPV6;
	}
	m = buf + hl;
	m[0] = type;
	m[1] = code;
	tcp_wire_wr16(m + 2, 0);
	tcp_wire_wr32(m + 4, info);
	if (qlen > 0)
		memcpy(m + TCP_ICMP_HDR, quoted, qlen);
	sum = src->family == TCP_AF_INET6
	          ? pseudo_sum(src, dst, mlen, TCP_IPPROTO_ICMPV6)
	          : 0;
	tcp_wire_wr16(m + 2,
	              tcp_wire_csum_fold(tcp_wire_csum_add(sum, m, mlen)));
	return hl + mlen;
}
