/* SPDX-License-Identifier: MIT
 *
 * The validated segment: the second layer. tcp_seg_parse() turns the bytes of
 * a TCP segment into struct tcp_seg or a named reason for refusing it;
 * tcp_seg_emit() writes a struct tcp_seg back as bytes with a correct
 * checksum. The state machine sees only struct tcp_seg.
 */
#ifndef TCPREF_SEG_H
#define TCPREF_SEG_H

#include "seq.h"
#include "types.h"
#include "wire.h"

#define TCP_SACK_MAX 4 /* RFC 2018 3: at most 4 blocks in 40 option bytes */

/* Bits of tcp_opts.present. */
#define TCP_OPTF_MSS 0x01
#define TCP_OPTF_WS 0x02
#define TCP_OPTF_SACKOK 0x04
#define TCP_OPTF_SACK 0x08
#define TCP_OPTF_TS 0x10
/* Emit only: write raw[0..raw_len) as the option area, ignore the rest. */
#define TCP_OPTF_RAW 0x80

struct tcp_sack_block {
	tcp_seq left;  /* first sequence number of the block */
	tcp_seq right; /* sequence number just past the block */
};

/* The TCP options the reference understands, decoded. */
struct tcp_opts {
	uint8_t present;   /* TCP_OPTF_* */
	uint8_t ws_shift;  /* window scale as received (may exceed 14) */
	uint16_t mss;      /* MSS option value */
	uint32_t tsval;    /* TSopt TSval */
	uint32_t tsecr;    /* TSopt TSecr */
	uint8_t sack_n;    /* number of SACK blocks in sack[] */
	uint8_t unknown_n; /* options skipped: unknown kind or bad length */
	uint8_t raw_len; /* length of the option area (parse) / of raw (emit) */
	struct tcp_sack_block sack[TCP_SACK_MAX];
	const uint8_t *raw; /* the option area as received (parse), borrowed */
};

/*
 * The ECN field of the IP header (RFC 3168 5): the two low bits of the IPv4
 * TOS octet or the IPv6 Traffic Class, below the six bits of the DSCP.
 */
#define TCP_ECN_NOT_ECT 0u /* not ECN-capable transport */
#define TCP_ECN_ECT1 1u    /* ECT(1) */
#define TCP_ECN_ECT0 2u    /* ECT(0), what an ECN sender uses (6.1.2) */
#define TCP_ECN_CE 3u      /* congestion experienced, set by a router */
#define TCP_ECN_MASK 3u

/* A TCP segment. Payload and raw options are borrowed, never copied. */
struct tcp_seg {
	uint16_t sport; /* host byte order */
	uint16_t dport;
	tcp_seq seq;
	tcp_seq ack;    /* meaningful only with TCP_FLAG_ACK */
	uint16_t flags; /* TCP_FLAG_* */
	uint16_t wnd;   /* the window field, unscaled */
	uint16_t urp;   /* urgent pointer field */
	uint16_t csum;  /* checksum field as received (parse only) */
	/*
	 * Input only: the ECN field of the IP packet that carried the
	 * segment (TCP_ECN_*). tcp_seg_parse() sets TCP_ECN_NOT_ECT; the
	 * caller that parsed the IP header fills it in. Ignored on output:
	 * the connection's tcp_out_seg.ip.tos carries it.
	 */
	uint8_t ecn;
	struct tcp_opts opts;
	const uint8_t *payload;
	uint32_t payload_bytes;
};

/* SEG.LEN: payload octets plus one for SYN and one for FIN. */
static inline uint32_t tcp_seg_len(const struct tcp_seg *s)
{
	return s->payload_bytes + ((s->flags & TCP_FLAG_SYN) ? 1u : 0u) +
	       ((s->flags & TCP_FLAG_FIN) ? 1u : 0u);
}

/*
 * Parses the 'len' bytes of a TCP segment at 'tcp'. On failure *seg holds
 * what could be decoded: nothing (TRUNCATED), the fixed header (BAD_DOFF),
 * everything (BAD_CSUM), the header and earlier options (BAD_OPTION). When src
 * and dst are both non-NULL the checksum is verified (MUST-3); otherwise it is
 * not. Returns TCP_WHY_NONE and fills *seg, or the reason the segment must be
 * dropped: TRUNCATED, BAD_DOFF, BAD_CSUM or BAD_OPTION (an impossible option
 * length, MUST-7; *seg then holds the header and the options before the bad
 * one). Options of unknown kinds are skipped by their length (MUST-6); a
 * known kind with a wrong length is skipped the same way, not fatal.
 * 'tcp' may hold any bytes; *seg borrows from it.
 */
enum tcp_why tcp_seg_parse(struct tcp_seg *seg, const uint8_t *tcp, size_t len,
                           const struct tcp_addr *src,
                           const struct tcp_addr *dst);

/*
 * The option bytes tcp_seg_emit() writes for 'o', padded to a multiple of 4
 * (0 when there are none). A result above 40 means emit will refuse 'o':
 * Linux's layout can need more room than the packed options a peer sent.
 */
size_t tcp_seg_opts_bytes(const struct tcp_opts *o);

/*
 * Writes 'seg' (header, options, payload) into buf and returns the number of
 * bytes, or 0 when cap is too small or the options do not fit in 40 bytes.
 * The data offset, the reserved bits and the checksum are computed; the
 * checksum uses the pseudo-header of src/dst (both required). Options are
 * laid out as Linux does, so that packetdrill scripts match: MSS; SACKOK and
 * TS together, or NOP NOP before either alone; NOP WS; NOP NOP SACK.
 */
size_t tcp_seg_emit(const struct tcp_seg *seg, const struct tcp_addr *src,
                    const struct tcp_addr *dst, uint8_t *buf, size_t cap);

#endif
