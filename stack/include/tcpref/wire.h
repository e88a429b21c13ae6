/* SPDX-License-Identifier: MIT
 *
 * The byte view: the first of the stack's three layers. It reads and writes
 * any bit pattern of an IPv4/IPv6 + TCP packet at fixed offsets (no struct
 * overlays), computes Internet checksums and iterates over TCP options with
 * bounds checks. It never judges a segment; that is tcp_seg_parse()'s job.
 */
#ifndef TCPREF_WIRE_H
#define TCPREF_WIRE_H

#include "types.h"

/* TCP header field offsets (RFC 9293 3.1, figure 1). */
#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_DOFF 12 /* high nibble: data offset in words; bit 0: AE */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_WND 14
#define TCP_OFF_CSUM 16
#define TCP_OFF_URP 18
#define TCP_HDR_MIN 20
#define TCP_HDR_MAX 60
#define TCP_OPT_SPACE_MAX 40

/* Control bits as they appear in byte 13 (plus AE, bit 0 of byte 12). */
#define TCP_FLAG_FIN 0x001
#define TCP_FLAG_SYN 0x002
#define TCP_FLAG_RST 0x004
#define TCP_FLAG_PSH 0x008
#define TCP_FLAG_ACK 0x010
#define TCP_FLAG_URG 0x020
#define TCP_FLAG_ECE 0x040
#define TCP_FLAG_CWR 0x080
#define TCP_FLAG_AE 0x100

/* Option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2    /* length 4 */
#define TCP_OPT_WS 3     /* length 3 */
#define TCP_OPT_SACKOK 4 /* length 2 */
#define TCP_OPT_SACK 5   /* length 2 + 8n */
#define TCP_OPT_TS 8     /* length 10 */

/* IPv4 / IPv6 header sizes and the protocol number of TCP. */
#define TCP_IP4_HDR_MIN 20
#define TCP_IP6_HDR 40
#define TCP_IPPROTO_TCP 6
#define TCP_IPPROTO_ICMP 1
#define TCP_IPPROTO_ICMPV6 58

/* ---- Big-endian accessors (no alignment requirement) ------------------ */

static inline uint16_t tcp_wire_rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t tcp_wire_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void tcp_wire_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tcp_wire_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- TCP header view --------------------------------------------------- */

/*
 * A checked view of a TCP header. After tcp_wire_view_init() returns
 * TCP_WHY_NONE, hdr_bytes is in [20, len] and no accessor below reads past
 * 'len'. The view borrows 'buf'; it does not copy.
 */
struct tcp_wire_view {
	const uint8_t *buf; /* first byte of the TCP header */
	size_t len;         /* bytes available from buf (header + payload) */
	size_t hdr_bytes;   /* data offset * 4 */
};

/*
 * Checks length and data offset. Returns TCP_WHY_NONE, TCP_WHY_TRUNCATED
 * (len < 20) or TCP_WHY_BAD_DOFF (offset < 5 words or past len). 'buf' may
 * hold any bytes.
 */
enum tcp_why tcp_wire_view_init(struct tcp_wire_view *v, const uint8_t *buf,
                                size_t len);

/* Field getters on a checked view. */
uint16_t tcp_wire_sport(const struct tcp_wire_view *v);
uint16_t tcp_wire_dport(const struct tcp_wire_view *v);
uint32_t tcp_wire_seq(const struct tcp_wire_view *v);
uint32_t tcp_wire_ack(const struct tcp_wire_view *v);
uint8_t tcp_wire_doff(const struct tcp_wire_view *v);   /* in 32-bit words */
uint16_t tcp_wire_flags(const struct tcp_wire_view *v); /* TCP_FLAG_* */
uint16_t tcp_wire_wnd(const struct tcp_wire_view *v);
uint16_t tcp_wire_csum(const struct tcp_wire_view *v);
uint16_t tcp_wire_urp(const struct tcp_wire_view *v);
const uint8_t *tcp_wire_opts(const struct tcp_wire_view *v, size_t *len);
const uint8_t *tcp_wire_payload(const struct tcp_wire_view *v, size_t *len);

/*
 * Field setters on a raw header of at least 20 bytes. They write any value,
 * including impossible ones (a data offset of 15 on a 20-byte header), so
 * that tests and fuzzers can build malformed segments.
 */
void tcp_wire_set_sport(uint8_t *hdr, uint16_t v);
void tcp_wire_set_dport(uint8_t *hdr, uint16_t v);
void tcp_wire_set_seq(uint8_t *hdr, uint32_t v);
void tcp_wire_set_ack(uint8_t *hdr, uint32_t v);
void tcp_wire_set_doff(uint8_t *hdr, uint8_t words); /* low 4 bits used */
void tcp_wire_set_flags(uint8_t *hdr, uint16_t flags);
void tcp_wire_set_wnd(uint8_t *hdr, uint16_t v);
void tcp_wire_set_csum(uint8_t *hdr, uint16_t v);
void tcp_wire_set_urp(uint8_t *hdr, uint16_t v);

/* ---- Checksums (RFC 9293 3.1, RFC 1071) -------------------------------- */

/*
 * Adds 'len' bytes to a running one's-complement sum. Any alignment; every
 * chunk but the last must have an even length.
 */
uint32_t tcp_wire_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Folds a running sum to 16 bits and complements it. */
uint16_t tcp_wire_csum_fold(uint32_t sum);
/*
 * The TCP checksum of the 'len' bytes at 'tcp' with the pseudo-header of
 * src/dst, computed with the checksum field taken as zero. The family of
 * src picks the pseudo-header: IPv6 (RFC 8200 8.1) or else IPv4.
 */
uint16_t tcp_wire_tcp_csum(const struct tcp_addr *src,
                           const struct tcp_addr *dst, const uint8_t *tcp,
                           size_t len);
/* True when the checksum field of the segment at 'tcp' is correct. */
bool tcp_wire_tcp_csum_ok(const struct tcp_addr *src,
                          const struct tcp_addr *dst, const uint8_t *tcp,
                          size_t len);
/* Computes and stores the checksum field; len >= 20. */
void tcp_wire_tcp_csum_fill(const struct tcp_addr *src,
                            const struct tcp_addr *dst, uint8_t *tcp,
                            size_t len);

/* ---- Option iterator (RFC 9293 3.1, MUST-4..7, MUST-64, MUST-68/69) ---- */

struct tcp_wire_opt_iter {
	const uint8_t *p; /* option area */
	size_t len;       /* its length in bytes */
	size_t off;       /* next option's offset */
};

struct tcp_wire_opt {
	uint8_t kind;
	uint8_t len;         /* total length incl. kind and length bytes */
	const uint8_t *data; /* len - 2 bytes of option data (NULL for NOP) */
	size_t off;          /* offset of the kind byte in the option area */
};

void tcp_wire_opt_iter_init(struct tcp_wire_opt_iter *it, const uint8_t *p,
                            size_t len);
/*
 * Returns 1 and fills *o for the next option (NOPs included), 0 at the end
 * of the area or at EOL, and -1 for an impossible length (0 or 1, or one
 * that runs past the area), after which the iterator stays at the end.
 * Never reads outside [p, p + len).
 */
int tcp_wire_opt_next(struct tcp_wire_opt_iter *it, struct tcp_wire_opt *o);

/* ---- IP layer ---------------------------------------------------------- */

/* What the IP header of a packet says about the TCP segment it carries. */
struct tcp_ip_info {
	struct tcp_addr src, dst;
	uint8_t ttl;         /* TTL or hop limit */
	uint8_t tos;         /* TOS or traffic class */
	uint16_t ip_id;      /* IPv4 identification; 0 for IPv6 */
	size_t ip_hdr_bytes; /* IP header length including options */
	const uint8_t *tcp;  /* the TCP segment inside the packet */
	size_t tcp_len;      /* its length as the IP header states it */
};

/*
 * Parses an IPv4 or IPv6 header at 'pkt' (the version nibble decides).
 * Returns TCP_WHY_NONE, TCP_WHY_TRUNCATED (a header or total length larger
 * than the bytes held), TCP_WHY_NOT_IP (wrong version or protocol),
 * TCP_WHY_BAD_IP (IHL < 5, total length < IHL, bad IPv4 header checksum)
 * or TCP_WHY_IP_FRAGMENT. IPv6 extension headers are not followed: a next
 * header other than TCP is TCP_WHY_NOT_IP. 'pkt' may hold any bytes.
 */
enum tcp_why tcp_wire_ip_parse(const uint8_t *pkt, size_t len,
                               struct tcp_ip_info *ip);

/*
 * Writes an IPv4 (20 bytes) or IPv6 (40 bytes) header for a TCP payload of
 * 'tcp_len' bytes into 'buf' and returns its length, or 0 when cap is too
 * small or the families of src and dst differ. IPv4 gets DF, the given TTL,
 * TOS and ID, and a correct header checksum.
 */
size_t tcp_wire_ip_emit(const struct tcp_addr *src, const struct tcp_addr *dst,
                        uint8_t ttl, uint8_t tos, uint16_t ip_id,
                        size_t tcp_len, uint8_t *buf, size_t cap);

/*
 * tcp_wire_ip_emit() with IPv4 options: opt_len bytes (a multiple of 4, at
 * most 40) after the fixed header, IHL and checksum to match. Returns the
 * header length, or 0 as above, and for options on IPv6 or an opt_len
 * that is not a multiple of 4 or above 40.
 */
size_t tcp_wire_ip_emit_opts(const struct tcp_addr *src,
                             const struct tcp_addr *dst, uint8_t ttl,
                             uint8_t tos, uint16_t ip_id, const uint8_t *opts,
                             size_t opt_len, size_t tcp_len, uint8_t *buf,
                             size_t cap);

/* ---- IPv4 source routes (RFC 791 3.1; RFC 9293 3.9.2.1) ---------------- */

#define TCP_IPOPT_EOL 0
#define TCP_IPOPT_NOP 1
#define TCP_IPOPT_LSRR 131 /* loose source and record route */
#define TCP_IPOPT_SSRR 137 /* strict source and record route */

struct tcp_ip_out;

/*
 * The return route of a packet that arrived with a completed source route
 * (RFC 9293 3.9.2.1, MUST-53; RFC 1122 3.2.1.8 and 4.2.3.8): the IPv4
 * options of header 'hdr' (IHL 'ihl' bytes) are searched for a loose or
 * strict source route whose pointer is past its end. Its route data
 * r1..rn holds the addresses the hops recorded; the way back goes to rn
 * first, then r(n-1) .. r1, then the packet's source 'src'. On success
 * out->nexthop = rn and out->opts = <same type, 3 + 4n, pointer 4,
 * r(n-1) .. r1 src>, padded with End of Option List to a multiple of 4,
 * and true is returned (tos, ttl and route_user are left alone). false
 * when there is no such option, it is not completed (the packet is still
 * on its way: a host does not reverse it), malformed (length not 3 + 4n,
 * n = 0, running past the header) or the options are malformed. 'hdr' may
 * hold any bytes.
 */
bool tcp_wire_ip4_return_route(const uint8_t *hdr, size_t ihl,
                               const struct tcp_addr *src,
                               struct tcp_ip_out *out);

/*
 * The final destination of an IPv4 packet we send with a source route in
 * its options (the last address of the route data); false when the
 * header carries no source route (then the IP destination is final).
 */
bool tcp_wire_ip4_route_final(const uint8_t *hdr, size_t ihl,
                              struct tcp_addr *dst);

/* ---- ICMP errors (RFC 792, RFC 4443; RFC 9293 3.9.2.2) ------------------ */

/* ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 2.1) error types TCP acts on. */
#define TCP_ICMP4_UNREACH 3
#define TCP_ICMP4_QUENCH 4
#define TCP_ICMP4_TIME_EXCEEDED 11
#define TCP_ICMP4_PARAM_PROBLEM 12
#define TCP_ICMP6_UNREACH 1
#define TCP_ICMP6_TOO_BIG 2
#define TCP_ICMP6_TIME_EXCEEDED 3
#define TCP_ICMP6_PARAM_PROBLEM 4
#define TCP_ICMP_HDR 8   /* type, code, checksum, 32 bits of "info" */
#define TCP_ICMP_QUOTE 8 /* TCP bytes an error must quote: ports, SEQ */

/* An ICMP error message about a TCP segment, as tcp_wire_icmp_parse found
 * it. The quoted packet is one we sent: its source is our address. */
struct tcp_icmp_info {
	struct tcp_addr src, dst; /* outer header: the reporter, and us */
	uint8_t family;           /* TCP_AF_INET (ICMP) or TCP_AF_INET6 */
	uint8_t type, code;
	uint32_t info;              /* MTU (too big, frag needed), pointer */
	struct tcp_addr qsrc, qdst; /* the quoted IP header */
	uint16_t qsport, qdport;    /* the quoted TCP ports */
	uint32_t qseq;              /* the quoted sequence number */
};

/* How RFC 9293 3.9.2.2 classes an ICMP error (tcp_icmp_classify). */
enum tcp_icmp_class {
	TCP_ICMP_IGNORE, /* not an error report TCP acts on */
	TCP_ICMP_QUENCH, /* Source Quench: discard silently (MUST-55) */
	TCP_ICMP_SOFT,   /* no abort (MUST-56), tell the user (SHLD-25) */
	TCP_ICMP_HARD,   /* abort (SHLD-26) */
};

/*
 * Parses an IPv4 packet carrying ICMP or an IPv6 packet carrying ICMPv6
 * (no extension headers) as an error message quoting a TCP segment: the
 * outer header as tcp_wire_ip_parse checks it, the ICMP checksum (ICMPv6
 * with its pseudo-header, RFC 4443 2.3), and a quoted IP header of the
 * same family whose protocol is TCP followed by at least TCP_ICMP_QUOTE
 * bytes (RFC 792 quotes "the internet header plus the first 64 bits").
 * Returns TCP_WHY_NONE, TCP_WHY_NOT_IP (no ICMP), TCP_WHY_ICMP_IGNORED
 * (an ICMP message that is not an error, or one about no TCP segment) or
 * TCP_WHY_ICMP_BAD / TRUNCATED / BAD_IP. 'pkt' may hold any bytes.
 */
enum tcp_why tcp_wire_icmp_parse(const uint8_t *pkt, size_t len,
                                 struct tcp_icmp_info *ic);

/*
 * RFC 9293 3.9.2.2: the class of an ICMP (family TCP_AF_INET) or ICMPv6
 * error, and in *err the tcp_err a user sees for it (0 for IGNORE and
 * QUENCH).
 */
enum tcp_icmp_class tcp_icmp_classify(uint8_t family, uint8_t type,
                                      uint8_t code, int *err);

/*
 * Writes an ICMP (IPv4) or ICMPv6 error message from src to dst into buf:
 * the IP header (TTL 64), the ICMP header with 'info' in its second word,
 * then the 'qlen' quoted bytes, with both checksums. Returns the packet's
 * length, or 0 when it does not fit in cap or the families differ.
 */
size_t tcp_wire_icmp_emit(const struct tcp_addr *src,
                          const struct tcp_addr *dst, uint8_t type,
                          uint8_t code, uint32_t info, const uint8_t *quoted,
                          size_t qlen, uint8_t *buf, size_t cap);

#endif
