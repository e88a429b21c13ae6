/* SPDX-License-Identifier: MIT
 *
 * The validated segment (second layer): tcp_seg_parse() turns any bytes into
 * a struct tcp_seg or a named refusal, and tcp_seg_emit() writes a struct
 * tcp_seg back with Linux's option layout and a correct checksum.
 */

#include "tcpref/seg.h"
#include "mem.h"

/* ---- Parse ------------------------------------------------------------- */

/*
 * Decodes one option the reference understands. Lengths come from RFC 9293
 * 3.2 (MSS), RFC 7323 2.2 and 3.2 (WS, TS) and RFC 2018 2 and 3 (SACKOK,
 * SACK). Returns false for an unknown kind, or a known kind with the wrong
 * length, which the caller skips by its length like an unknown one (MUST-6).
 * A repeated option overwrites the earlier one.
 */
static bool tcp_seg_opt_decode(struct tcp_opts *opts,
                               const struct tcp_wire_opt *o)
{
	size_t n, i;

	switch (o->kind) {
	case TCP_OPT_MSS:
		if (o->len != 4)
			return false;
		opts->mss = tcp_wire_rd16(o->data);
		opts->present |= TCP_OPTF_MSS;
		return true;
	case TCP_OPT_WS:
		if (o->len != 3)
			return false;
		/* Stored as received; RFC 7323 2.3 clamping to 14 is the
		 * state machine's job. */
		opts->ws_shift = o->data[0];
		opts->present |= TCP_OPTF_WS;
		return true;
	case TCP_OPT_SACKOK:
		if (o->len != 2)
			return false;
		opts->present |= TCP_OPTF_SACKOK;
		return true;
	case TCP_OPT_SACK:
		/* RFC 2018 3: "Length: Variable", 2 + 8n bytes; at most four
		 * blocks fit in the 40-byte option area. */
		if (o->len < 10 || (o->len - 2) % 8 != 0)
			return false;
		n = (size_t)(o->len - 2) / 8;
		if (n > TCP_SACK_MAX)
			return false;
		/* A repeated SACK option replaces all blocks, not some. */
		memset(opts->sack, 0, sizeof(opts->sack));
		for (i = 0; i < n; i++) {
			opts->sack[i].left =
			    tcp_seq_make(tcp_wire_rd32(o->data + 8 * i));
			opts->sack[i].right =
			    tcp_seq_make(tcp_wire_rd32(o->data + 8 * i + 4));
		}
		opts->sack_n = (uint8_t)n;
		opts->present |= TCP_OPTF_SACK;
		return true;
	case TCP_OPT_TS:
		if (o->len != 10)
			return false;
		opts->tsval = tcp_wire_rd32(o->data);
		opts->tsecr = tcp_wire_rd32(o->data + 4);
		opts->present |= TCP_OPTF_TS;
		return true;
	default:
		return false;
	}
}

/*
 * Walks the option area. Returns false on an illegal option length (MUST-7);
 * the options before it stay decoded. Options are decoded on every segment,
 * not only on SYN (MUST-5): which ones to honour is the state machine's
 * decision.
 */
static bool tcp_seg_opts_parse(struct tcp_opts *opts, const uint8_t *p,
                               size_t len)
{
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;
	int rc;

	opts->raw = p;
	opts->raw_len = (uint8_t)len; /* at most 40 */
	tcp_wire_opt_iter_init(&it, p, len);
	while ((rc = tcp_wire_opt_next(&it, &o)) > 0) {
		if (o.kind == TCP_OPT_NOP)
			continue;
		/* RFC 9293 3.1: "A TCP implementation MUST (MUST-6) ignore
		 * without error any TCP Option it does not implement". */
		if (!tcp_seg_opt_decode(opts, &o) &&
		    opts->unknown_n < UINT8_MAX)
			opts->unknown_n++;
	}
	return rc == 0;
}

/*
 * *seg is zeroed first. Whenever the 20-byte fixed header is present its
 * fields are filled, even when the segment is then refused, so that traces
 * can show what arrived. The checks run in the order TRUNCATED, BAD_DOFF,
 * BAD_CSUM, BAD_OPTION, but the options are decoded before the checksum is
 * judged so that a BAD_CSUM segment is described as fully as a good one.
 */
enum tcp_why tcp_seg_parse(struct tcp_seg *seg, const uint8_t *tcp, size_t len,
                           const struct tcp_addr *src,
                           const struct tcp_addr *dst)
{
	struct tcp_wire_view v;
	enum tcp_why why;
	const uint8_t *opt;
	size_t opt_len, pay_len;
	bool opts_ok;

	memset(seg, 0, sizeof(*seg));
	why = tcp_wire_view_init(&v, tcp, len);
	if (why == TCP_WHY_TRUNCATED)
		return why;

	/*
	 * The 20-byte fixed header is in bounds even when the data offset is
	 * bad, and the getters read nothing else.
	 */
	seg->sport = tcp_wire_sport(&v);
	seg->dport = tcp_wire_dport(&v);
	seg->seq = tcp_seq_make(tcp_wire_seq(&v));
	seg->ack = tcp_seq_make(tcp_wire_ack(&v));
	seg->flags = tcp_wire_flags(&v);
	seg->wnd = tcp_wire_wnd(&v);
	seg->csum = tcp_wire_csum(&v);
	seg->urp = tcp_wire_urp(&v);
	if (why != TCP_WHY_NONE)
		return why;

	/* payload_bytes is 32 bits; no IP packet carries more than that. */
	if ((uint64_t)len - v.hdr_bytes > UINT32_MAX)
		return TCP_WHY_BAD_DOFF;
	seg->payload = tcp_wire_payload(&v, &pay_len);
	seg->payload_bytes = (uint32_t)pay_len;

	opt = tcp_wire_opts(&v, &opt_len);
	opts_ok = tcp_seg_opts_parse(&seg->opts, opt, opt_len);

	/* RFC 9293 3.1: "the receiver MUST check it (MUST-3)". */
	if (src != NULL && dst != NULL &&
	    !tcp_wire_tcp_csum_ok(src, dst, tcp, len))
		return TCP_WHY_BAD_CSUM;
	/* RFC 9293 3.1: "TCP implementations MUST be prepared to handle an
	 * illegal option length (e.g., zero)" (MUST-7). */
	if (!opts_ok)
		return TCP_WHY_BAD_OPTION;
	return TCP_WHY_NONE;
}

/* ---- Emit -------------------------------------------------------------- */

/* Option sizes in the layout below, each padded with NOPs to 4 bytes. */
#define TCP_SEG_MSS_BYTES 4    /* MSS(4) */
#define TCP_SEG_TS_BYTES 12    /* SACKOK(2) TS(10) or NOP NOP TS(10) */
#define TCP_SEG_SACKOK_BYTES 4 /* NOP NOP SACKOK(2) */
#define TCP_SEG_WS_BYTES 4     /* NOP WS(3) */
#define TCP_SEG_SACK_BYTES(n) (4 + 8 * (size_t)(n)) /* NOP NOP SACK */

/*
 * The count may exceed 40 (too many SACK blocks for the other options, or
 * a raw area longer than 40); tcp_seg_emit() then refuses. A SACK flag with
 * sack_n == 0 writes nothing: an empty SACK option has no valid encoding.
 */
size_t tcp_seg_opts_bytes(const struct tcp_opts *o)
{
	size_t n = 0;

	if (o->present & TCP_OPTF_RAW)
		return ((size_t)o->raw_len + 3) & ~(size_t)3;
	if (o->present & TCP_OPTF_MSS)
		n += TCP_SEG_MSS_BYTES;
	if (o->present & TCP_OPTF_TS)
		n += TCP_SEG_TS_BYTES;
	else if (o->present & TCP_OPTF_SACKOK)
		n += TCP_SEG_SACKOK_BYTES;
	if (o->present & TCP_OPTF_WS)
		n += TCP_SEG_WS_BYTES;
	if ((o->present & TCP_OPTF_SACK) && o->sack_n > 0)
		n += TCP_SEG_SACK_BYTES(o->sack_n);
	return n;
}

/*
 * Writes the option area laid out as Linux's tcp_options_write() does, so
 * packetdrill scripts written against Linux match byte for byte. 'p' has
 * room for tcp_seg_opts_bytes(o) <= 40 bytes. Every option carries its
 * length octet (MUST-68); padding is NOPs between options and zeros after a
 * raw area (MUST-69).
 */
static void tcp_seg_opts_write(const struct tcp_opts *o, uint8_t *p)
{
	size_t i;

	if (o->present & TCP_OPTF_RAW) {
		size_t n = tcp_seg_opts_bytes(o);

		if (o->raw_len > 0)
			memcpy(p, o->raw, o->raw_len);
		memset(p + o->raw_len, 0, n - o->raw_len);
		return;
	}
	if (o->present & TCP_OPTF_MSS) {
		p[0] = TCP_OPT_MSS;
		p[1] = 4;
		tcp_wire_wr16(p + 2, o->mss);
		p += TCP_SEG_MSS_BYTES;
	}
	if (o->present & TCP_OPTF_TS) {
		if (o->present & TCP_OPTF_SACKOK) {
			p[0] = TCP_OPT_SACKOK;
			p[1] = 2;
		} else {
			p[0] = TCP_OPT_NOP;
			p[1] = TCP_OPT_NOP;
		}
		p[2] = TCP_OPT_TS;
		p[3] = 10;
		tcp_wire_wr32(p + 4, o->tsval);
		tcp_wire_wr32(p + 8, o->tsecr);
		p += TCP_SEG_TS_BYTES;
	} else if (o->present & TCP_OPTF_SACKOK) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_NOP;
		p[2] = TCP_OPT_SACKOK;
		p[3] = 2;
		p += TCP_SEG_SACKOK_BYTES;
	}
	if (o->present & TCP_OPTF_WS) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_WS;
		p[2] = 3;
		p[3] = o->ws_shift;
		p += TCP_SEG_WS_BYTES;
	}
	if ((o->present & TCP_OPTF_SACK) && o->sack_n > 0) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_NOP;
		p[2] = TCP_OPT_SACK;
		p[3] = (uint8_t)(2 + 8 * o->sack_n);
		for (i = 0; i < o->sack_n; i++) {
			tcp_wire_wr32(p + 4 + 8 * i, o->sack[i].left.v);
			tcp_wire_wr32(p + 8 + 8 * i, o->sack[i].right.v);
		}
	}
}

/*
 * Also returns 0 when src or dst is NULL, when a payload or raw option
 * pointer is NULL with a nonzero length, or when the segment would exceed
 * 2^32 - 1 bytes. 'buf' must not overlap the payload or raw options.
 */
size_t tcp_seg_emit(const struct tcp_seg *seg, const struct tcp_addr *src,
                    const struct tcp_addr *dst, uint8_t *buf, size_t cap)
{
	const struct tcp_opts *o = &seg->opts;
	size_t opt_bytes, hdr, total;

	if (src == NULL || dst == NULL || buf == NULL)
		return 0;
	if (seg->payload == NULL && seg->payload_bytes > 0)
		return 0;
	if ((o->present & TCP_OPTF_RAW) && o->raw == NULL && o->raw_len > 0)
		return 0;
	opt_bytes = tcp_seg_opts_bytes(o);
	if (opt_bytes > TCP_OPT_SPACE_MAX)
		return 0;
	hdr = TCP_HDR_MIN + opt_bytes;
	if (seg->payload_bytes > UINT32_MAX - hdr)
		return 0;
	if (seg->payload_bytes > cap || hdr > cap - seg->payload_bytes)
		return 0;
	total = hdr + seg->payload_bytes;

	tcp_wire_set_sport(buf, seg->sport);
	tcp_wire_set_dport(buf, seg->dport);
	tcp_wire_set_seq(buf, seg->seq.v);
	tcp_wire_set_ack(buf, seg->ack.v);
	/* Data offset in words, reserved bits zero, AE in bit 0 of byte 12;
	 * the checksum field is zero until it is filled below. */
	buf[TCP_OFF_DOFF] = 0;
	tcp_wire_set_doff(buf, (uint8_t)(hdr / 4));
	tcp_wire_set_flags(buf, seg->flags);
	tcp_wire_set_wnd(buf, seg->wnd);
	tcp_wire_set_csum(buf, 0);
	tcp_wire_set_urp(buf, seg->urp);
	tcp_seg_opts_write(o, buf + TCP_HDR_MIN);
	if (seg->payload_bytes > 0)
		memmove(buf + hdr, seg->payload, seg->payload_bytes);
	/* RFC 9293 3.1: "The sender MUST generate it (MUST-2)". */
	tcp_wire_tcp_csum_fill(src, dst, buf, total);
	return total;
}
