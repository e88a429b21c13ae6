/* SPDX-License-Identifier: MIT
 *
 * The reference connection's user calls (RFC 9293 3.10.1-3.10.6), its output
 * path (segmentation, Nagle, silly-window avoidance, congestion window) and its
 * timers (3.10.8: retransmission per RFC 6298, zero-window probes, delayed
 * ACK, keep-alive, TIME-WAIT, user timeout). Segment arrival is in
 * conn_input.c.
 */

#include "internal.h"
#include "mem.h"

#define MS 1000ull
#define SEC 1000000ull

void tcp_cfg_init(struct tcp_cfg *cfg, enum tcp_profile p)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rfc5961 = true;
	cfg->rfc1337 = false;
	cfg->timewait_reopen = true; /* 3.6.1 MAY-2, SHLD-4: as Linux, BSD */
	cfg->delayed_ack = true;
	cfg->nagle = true;
	cfg->keepalive = false; /* MUST-25: off unless asked for */
	cfg->timestamps = true;
	cfg->sack = true;
	cfg->wscale = true;
	cfg->wscale_shift = 7;
	/*
	 * SHLD-8 (RFC 3168): ECN is implemented in full as sender and as
	 * receiver, and used whenever the peer's SYN asks for it. Asking on
	 * active opens is the MAY of RFC 3168 6.1.1 that TCP_ECN_MODE_ON
	 * adds; it stays off by default, as on Linux (net.ipv4.tcp_ecn = 2)
	 * and for the middleboxes of 6.1.1.1, so that a SYN is a plain SYN.
	 */
	cfg->ecn = TCP_ECN_MODE_ACCEPT;
	cfg->mss = 1460;
	cfg->mtu = 1500;
	cfg->challenge_ack_limit = 10;          /* RFC 5961 7 example */
	cfg->challenge_ack_window_us = 5 * SEC; /* RFC 5961 7 example */
	cfg->msl_us = 120 * SEC;                /* RFC 9293 3.4.2: 2 minutes */
	cfg->rto_initial_us = 1 * SEC;          /* RFC 6298 2.1 */
	cfg->rto_min_us = 1 * SEC;              /* RFC 6298 2.4 */
	cfg->rto_max_us = 120 * SEC;            /* RFC 6298 2.5: >= 60 s */
	cfg->user_timeout_us = 300 * SEC;       /* RFC 9293 3.10.8: 5 min */
	cfg->syn_timeout_us = 180 * SEC;        /* MUST-23: >= 3 minutes */
	cfg->r1_retries = 3;                    /* SHLD-10 */
	cfg->delack_us = 200 * MS;              /* MUST-40: < 500 ms */
	cfg->keepalive_idle_us = 7200 * SEC;    /* MUST-28: >= 2 hours */
	cfg->keepalive_intvl_us = 75 * SEC;
	cfg->keepalive_probes = 9;
	cfg->initial_window_segs = 0;
	cfg->persist_max_us = 60 * SEC;
	cfg->sws_override_us = 200 * MS; /* 3.8.6.2.1: 0.1 to 1 s */
	if (p == TCP_PROFILE_LEGACY) {
		/* RFC 793 as written: no RFC 5961, no RFC 7323/2018 options. */
		cfg->rfc5961 = false;
		cfg->timewait_reopen = false; /* RFC 1122 4.2.2.13, not 793 */
		cfg->timestamps = false;
		cfg->sack = false;
		cfg->wscale = false;
		cfg->wscale_shift = 0;
		cfg->ecn = TCP_ECN_MODE_OFF; /* RFC 3168 came in 2001 */
	}
}

void tcp_conn__panic(const struct tcp_env *env, const char *file, int line,
                     const char *expr)
{
	if (env && env->panic)
		env->panic(env->ctx, file, line, expr);
	__builtin_trap();
}

static void reset_vars(struct tcp_conn *c)
{
	const struct tcp_cfg *cfg = c->cfg;
	struct tcp_ring rx = c->rx, tx = c->tx;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->state = TCP_CLOSED;
	c->rx = rx;
	c->tx = tx;
	c->rx.head = c->rx.len = 0;
	c->tx.head = c->tx.len = 0;
	c->t_rtx = c->t_persist = c->t_delack = TCP_NO_DEADLINE;
	c->t_keepalive = c->t_timewait = c->t_sws = TCP_NO_DEADLINE;
	c->rtx_first_us =
	    TCP_NO_DEADLINE; /* "not running": 0 is a valid time */
	c->rto_us = (uint32_t)cfg->rto_initial_us;
	c->peer_mss = 536;
	c->snd_mss = 536;
	c->user_timeout_us = cfg->user_timeout_us;
	if (!cfg->nagle)
		c->fl |= TCP_CF_NODELAY;
	if (cfg->keepalive)
		c->fl |= TCP_CF_KEEPALIVE;
	c->ssthresh = UINT32_MAX; /* RFC 5681 3.1: arbitrarily high */
}

void tcp_conn_init(struct tcp_conn *c, const struct tcp_cfg *cfg,
                   uint8_t *rxbuf, uint32_t rx_bytes, uint8_t *txbuf,
                   uint32_t tx_bytes)
{
	/* reset_vars() clears the rest of the record (one memset, not two). */
	c->cfg = cfg;
	tcp_ring_init(&c->rx, rxbuf, rx_bytes);
	tcp_ring_init(&c->tx, txbuf, tx_bytes);
	reset_vars(c);
}

/* ---- Small helpers ------------------------------------------------------ */

void tcp_conn__set_state(struct tcp_conn *c, const struct tcp_env *env,
                         uint64_t now_us, enum tcp_state to,
                         enum tcp_cause cause)
{
	struct tcp_trace_ev ev;
	enum tcp_state from = c->state;

	c->state = to;
	if (!env || !env->trace)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = TCP_TRACE_STATE;
	ev.conn = c;
	ev.now_us = now_us;
	ev.from = from;
	ev.to = to;
	ev.cause = cause;
	env->trace(env->ctx, &ev);
}

struct tcp_verdict tcp_conn__drop(struct tcp_conn *c, const struct tcp_env *env,
                                  uint64_t now_us, enum tcp_disp disp,
                                  enum tcp_why why)
{
	struct tcp_verdict v = { disp, why };

	if (env && env->trace && disp != TCP_DISP_ACCEPT) {
		struct tcp_trace_ev ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = TCP_TRACE_DROP;
		ev.conn = c;
		ev.now_us = now_us;
		ev.from = ev.to = c ? c->state : TCP_CLOSED;
		ev.why = why;
		env->trace(env->ctx, &ev);
	}
	return v;
}

uint32_t tcp_conn__tsval(const struct tcp_conn *c, uint64_t now_us)
{
	/* RFC 7323 5.4: a clock between 1 ms and 1 s per tick; we use 1 ms. */
	return (uint32_t)(now_us / MS) + c->ts_offset;
}

tcp_seq tcp_conn__tx_seq0(const struct tcp_conn *c)
{
	/* Data follows the SYN, which occupies ISS. */
	return tcp_seq_eq(c->snd_una, c->iss) ? tcp_seq_add(c->iss, 1)
	                                      : c->snd_una;
}

uint32_t tcp_conn__rcv_wnd(const struct tcp_conn *c)
{
	if (tcp_seq_le(c->rcv_adv, c->rcv_nxt))
		return 0;
	return tcp_seq_diff(c->rcv_adv, c->rcv_nxt);
}

static bool syn_state(const struct tcp_conn *c)
{
	return c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED;
}

/* Bytes of sequence space in flight. */
static uint32_t flight(const struct tcp_conn *c)
{
	return tcp_seq_diff(c->snd_nxt, c->snd_una);
}

/*
 * The window to advertise, in bytes, before scaling. RFC 9293 3.8.6.2.2
 * (MUST-39): the right edge moves only in steps of min(half the buffer,
 * one MSS); 3.8.6 (SHLD-14): it never moves left.
 */
static uint32_t rcv_window_to_offer(const struct tcp_conn *c)
{
	uint32_t space = tcp_ring_free(&c->rx);
	uint32_t cur = tcp_conn__rcv_wnd(c);
	uint32_t step = c->rx.cap / 2;
	uint32_t max = (uint32_t)0xffff << c->rcv_wscale;

	if (step > c->cfg->mss)
		step = c->cfg->mss;
	if (space > max)
		space = max;
	if (space < cur + step)
		return cur;
	return space;
}

/* Fills the options every non-SYN segment carries: TS, SACK blocks. */
static void fill_opts(struct tcp_conn *c, uint64_t now_us, struct tcp_opts *o,
                      bool sack)
{
	if (c->fl & TCP_CF_TS) {
		/* RFC 7323 3.2: once negotiated, TSopt on every non-RST. */
		o->present |= TCP_OPTF_TS;
		o->tsval = tcp_conn__tsval(c, now_us);
		o->tsecr = c->ts_recent;
	}
	if (sack && (c->fl & TCP_CF_SACK) && c->reasm.n > 0) {
		/*
		 * RFC 2018 4: the first block reports the most recently
		 * received segment; the others follow. 3 blocks fit with TS.
		 */
		unsigned max = (c->fl & TCP_CF_TS) ? 3 : 4, i, k = 0;
		unsigned first = c->reasm.last < c->reasm.n ? c->reasm.last : 0;

		for (i = 0; i < c->reasm.n && k < max; i++) {
			unsigned b = i == 0 ? first : (i <= first ? i - 1 : i);

			o->sack[k].left =
			    tcp_seq_add(c->rcv_nxt, c->reasm.blk[b].off);
			o->sack[k].right =
			    tcp_seq_add(o->sack[k].left, c->reasm.blk[b].len);
			k++;
		}
		o->sack_n = (uint8_t)k;
		o->present |= TCP_OPTF_SACK;
	}
}

static struct tcp_out_seg *out_slot(struct tcp_out *out)
{
	struct tcp_out_seg *s;

	if (!out || out->n >= out->cap)
		return NULL;
	s = &out->segs[out->n];
	memset(s, 0, sizeof(*s));
	return s;
}

/* Fills the window field and remembers what was advertised and acked. */
static void stamp_ack(struct tcp_conn *c, struct tcp_seg *s)
{
	if (s->flags & TCP_FLAG_SYN) {
		/* RFC 7323 2.2: the window of a SYN is never scaled. */
		uint32_t w = tcp_ring_free(&c->rx);

		s->wnd = (uint16_t)(w > 0xffff ? 0xffff : w);
		if (tcp_seq_lt(c->rcv_adv, tcp_seq_add(c->rcv_nxt, s->wnd)))
			c->rcv_adv = tcp_seq_add(c->rcv_nxt, s->wnd);
	} else {
		uint32_t w = rcv_window_to_offer(c) >> c->rcv_wscale;
		tcp_seq edge;

		if (w > 0xffff)
			w = 0xffff;
		s->wnd = (uint16_t)w;
		edge = tcp_seq_add(c->rcv_nxt, w << c->rcv_wscale);
		if (tcp_seq_lt(c->rcv_adv, edge))
			c->rcv_adv = edge;
	}
	if (s->flags & TCP_FLAG_ACK) {
		c->last_ack_sent = s->ack;
		/* Any ACK we send satisfies the pending ones. */
		c->fl &= ~TCP_CF_ACK_NOW;
		c->t_delack = TCP_NO_DEADLINE;
		c->unacked_rcv_bytes = 0;
	}
}

/*
 * The next output slot for a control segment of this connection, addressed
 * from its tuple; NULL (counted in out->overflow) when *out is full.
 */
static struct tcp_out_seg *ctl_slot(const struct tcp_conn *c,
                                    struct tcp_out *out)
{
	struct tcp_out_seg *o = out_slot(out);

	if (!o) {
		if (out)
			out->overflow++;
		return NULL;
	}
	o->tuple = c->tuple;
	o->ip = c->ip;
	o->ip.tos &= (uint8_t)~TCP_ECN_MASK; /* TCP's field, Not-ECT */
	o->seg.sport = c->tuple.lport;
	o->seg.dport = c->tuple.rport;
	return o;
}

/*
 * RFC 3168 6.1: the ECN marks of an outbound segment of c. The ECN field of
 * the TOS / Traffic Class belongs to TCP, the DSCP above it to the user
 * (MUST-48, SHLD-22): ctl_slot() and send_data() clear it. Here, on an ECN
 * connection, every ACK carries ECE while a CE mark waits for the peer's
 * CWR (6.1.3), and a segment of new data (len > 0, at or beyond SND.MAX)
 * goes out as ECT(0) (6.1.2), the first one after a window reduction with
 * CWR. Pure ACKs (6.1.4), retransmissions (6.1.5) and window probes, sent
 * against a zero window (6.1.6), stay Not-ECT and carry no CWR; so do SYNs
 * and FINs without data (6.1.1).
 */
static void ecn_mark(struct tcp_conn *c, struct tcp_out_seg *o, tcp_seq seq,
                     uint32_t len)
{
	if (!(c->fl & TCP_CF_ECN))
		return;
	if ((c->fl & TCP_CF_ECE_SEND) && (o->seg.flags & TCP_FLAG_ACK) &&
	    !(o->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_RST)))
		o->seg.flags |= TCP_FLAG_ECE;
	if (len == 0 || tcp_seq_lt(seq, c->snd_max) || c->snd_wnd == 0 ||
	    (c->fl & TCP_CF_ECN_NO_ECT))
		return;
	o->ip.tos |= TCP_ECN_ECT0; /* 6.1.2: ECT(0) when one will do */
	if (c->fl & TCP_CF_CWR_SEND) {
		o->seg.flags |= TCP_FLAG_CWR;
		c->fl &= ~TCP_CF_CWR_SEND;
	}
}

void tcp_conn__cwnd_reduced(struct tcp_conn *c)
{
	/*
	 * RFC 3168 6.1.2: after any reduction (timeout, fast retransmit, ECN)
	 * the first new data segment carries CWR, and an ECE about data
	 * already sent is no new signal: cwnd is reduced at most once per
	 * window of data.
	 */
	c->ecn_recover = c->snd_max;
	if (c->fl & TCP_CF_ECN)
		c->fl |= TCP_CF_CWR_SEND;
}

void tcp_conn__send_ctl(struct tcp_conn *c, uint64_t now_us, uint16_t flags,
                        tcp_seq seq, tcp_seq ack, struct tcp_out *out)
{
	struct tcp_out_seg *o = ctl_slot(c, out);

	if (!o)
		return;
	o->seg.seq = seq;
	o->seg.ack = (flags & TCP_FLAG_ACK) ? ack : tcp_seq_make(0);
	o->seg.flags = flags;
	if (!(flags & TCP_FLAG_RST)) {
		/* RFC 7323 3.2: a RST carries no TSopt requirement; we omit. */
		fill_opts(c, now_us, &o->seg.opts, true);
		stamp_ack(c, &o->seg);
		ecn_mark(c, o, seq, 0);
	} else if (flags & TCP_FLAG_ACK) {
		c->last_ack_sent = ack;
	}
	out->n++;
}

/*
 * A pure ACK carries <SEQ=SND.NXT> in RFC 9293's terms, where SND.NXT never
 * goes back; here SND.NXT is pulled back to SND.UNA to retransmit, so the
 * ACK takes SND.MAX, the next new octet (as BSD does). With SND.NXT, a
 * peer that already holds everything would find the ACK below RCV.NXT and
 * drop it unread: both ends then resent until R2 (found by fuzz_pair).
 */
void tcp_conn__send_ack(struct tcp_conn *c, uint64_t now_us,
                        struct tcp_out *out)
{
	tcp_conn__send_ctl(c, now_us, TCP_FLAG_ACK, c->snd_max, c->rcv_nxt,
	                   out);
}

void tcp_conn__send_syn(struct tcp_conn *c, uint64_t now_us, bool ack,
                        struct tcp_out *out)
{
	struct tcp_out_seg *o = ctl_slot(c, out);
	struct tcp_opts *op;
	uint16_t mss = c->cfg->mss;

	if (!o)
		return;
	o->seg.seq = c->iss;
	o->seg.flags = TCP_FLAG_SYN | (ack ? TCP_FLAG_ACK : 0);
	/*
	 * RFC 3168 6.1.1: an ECN-setup SYN has ECE and CWR, an ECN-setup
	 * SYN,ACK (only ever an answer to an ECN-setup SYN) ECE alone; either
	 * goes out Not-ECT (ctl_slot).
	 */
	if (c->fl & TCP_CF_ECN_SYN)
		o->seg.flags |=
		    ack ? TCP_FLAG_ECE : TCP_FLAG_ECE | TCP_FLAG_CWR;
	o->seg.ack = ack ? c->rcv_nxt : tcp_seq_make(0);
	op = &o->seg.opts;
	/*
	 * RFC 9293 3.7.1: send MSS on every SYN (MUST-14, SHLD-5, MAY-3); it
	 * may not exceed the MTU less 40 (MUST-67, RFC 6691).
	 */
	if (mss > c->cfg->mtu - tcp_conn__ip_tcp_hdr(c))
		mss = (uint16_t)(c->cfg->mtu - tcp_conn__ip_tcp_hdr(c));
	op->present = TCP_OPTF_MSS;
	op->mss = mss;
	/*
	 * RFC 7323 2.2 and 3.2, RFC 2018 2: on a SYN,ACK, offer an option only
	 * when the SYN carried it.
	 */
	if (c->cfg->wscale && (!ack || (c->fl & TCP_CF_PEER_WS))) {
		op->present |= TCP_OPTF_WS;
		op->ws_shift =
		    c->cfg->wscale_shift > 14 ? 14 : c->cfg->wscale_shift;
	}
	if (c->cfg->sack && (!ack || (c->fl & TCP_CF_PEER_SACK)))
		op->present |= TCP_OPTF_SACKOK;
	if (c->cfg->timestamps && (!ack || (c->fl & TCP_CF_PEER_TS))) {
		op->present |= TCP_OPTF_TS;
		op->tsval = tcp_conn__tsval(c, now_us);
		/* RFC 7323 3.2: TSecr is zero without ACK. */
		op->tsecr = ack ? c->ts_recent : 0;
	}
	stamp_ack(c, &o->seg);
	out->n++;
	c->last_snd_us = now_us;
}

uint32_t tcp_conn__ip_tcp_hdr(const struct tcp_conn *c)
{
	/* RFC 6691 / RFC 9293 3.7.1: fixed IP + TCP headers, no options. */
	return c->tuple.laddr.family == TCP_AF_INET6 ? 60 : 40;
}

void tcp_conn__set_mss(struct tcp_conn *c, uint16_t peer_mss)
{
	uint32_t mss = peer_mss;
	uint32_t mtu_mss = (uint32_t)c->cfg->mtu - tcp_conn__ip_tcp_hdr(c);

	/*
	 * RFC 9293 3.7.1 (MUST-16) and RFC 6691: the effective send MSS is
	 * the smaller of the peer's MSS and what our MTU carries; option
	 * bytes are taken off each segment as it is built.
	 */
	c->peer_mss = peer_mss;
	if (mss > mtu_mss)
		mss = mtu_mss;
	if (mss < 64)
		mss = 64; /* a floor against absurd MSS options */
	c->snd_mss = (uint16_t)mss;
}

uint32_t tcp_conn__eff_mss(const struct tcp_conn *c)
{
	uint32_t m = c->snd_mss;

	if (c->fl & TCP_CF_TS)
		m -= 12; /* NOP NOP TS */
	return m;
}

uint32_t tcp_conn__initial_window(const struct tcp_conn *c)
{
	uint32_t smss = tcp_conn__eff_mss(c);

	if (c->cfg->initial_window_segs)
		return c->cfg->initial_window_segs * smss;
	if (smss > 2190)
		return 2 * smss;
	if (smss > 1095)
		return 3 * smss;
	return 4 * smss;
}

void tcp_conn__rtt_sample(struct tcp_conn *c, uint64_t rtt_us)
{
	uint32_t r =
	    rtt_us > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)rtt_us;

	if (c->srtt_us == 0) {
		/* RFC 6298 2.2: SRTT <- R, RTTVAR <- R/2. */
		c->srtt_us = r ? r : 1;
		c->rttvar_us = r / 2;
	} else {
		/* RFC 6298 2.3: alpha = 1/8, beta = 1/4; RTTVAR first. */
		uint32_t d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

		c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + d / 4;
		c->srtt_us = c->srtt_us - c->srtt_us / 8 + r / 8;
		if (c->srtt_us == 0)
			c->srtt_us = 1;
	}
	tcp_conn__rto_reset(c);
}

void tcp_conn__rto_reset(struct tcp_conn *c)
{
	uint64_t rto, k_rttvar;

	if (c->srtt_us == 0) {
		c->rto_us = (uint32_t)c->cfg->rto_initial_us; /* RFC 6298 2.1 */
		return;
	}
	/* RTO = SRTT + max(G, K*RTTVAR), G = 1 us, K = 4. */
	k_rttvar = 4ull * c->rttvar_us;
	rto = c->srtt_us + (k_rttvar > 1 ? k_rttvar : 1);
	/* RFC 6298 2.4 floor, 2.5 ceiling (MUST-18). */
	if (rto < c->cfg->rto_min_us)
		rto = c->cfg->rto_min_us;
	if (rto > c->cfg->rto_max_us)
		rto = c->cfg->rto_max_us;
	c->rto_us = (uint32_t)rto;
}

void tcp_conn__start_timewait(struct tcp_conn *c, uint64_t now_us)
{
	/* RFC 9293 3.6.1 (MUST-13): stay 2*MSL; other timers stop. */
	c->t_timewait = now_us + 2 * c->cfg->msl_us;
	c->t_rtx = c->t_persist = c->t_keepalive = c->t_sws = TCP_NO_DEADLINE;
	c->t_delack = TCP_NO_DEADLINE;
}

void tcp_conn__close_now(struct tcp_conn *c, const struct tcp_env *env,
                         uint64_t now_us, int err, enum tcp_cause cause)
{
	/*
	 * RFC 9293 3.10.7.4 second / 3.10.8: flush the queues, stop the
	 * timers, tell the user, enter CLOSED. The record keeps its tuple so
	 * the user can still see what ended and why.
	 */
	struct tcp_tuple t = c->tuple;
	uint32_t keep = c->fl & (TCP_CF_FIN_RCVD | TCP_CF_APP_GONE);
	struct tcp_ring rx = c->rx;

	tcp_conn__set_state(c, env, now_us, TCP_CLOSED, cause);
	reset_vars(c);
	c->tuple = t;
	c->err = err;
	c->fl |= keep;
	if (err == 0) {
		/* A graceful end keeps unread data readable. */
		c->rx = rx;
	}
}

void tcp_conn__return_to_listen(struct tcp_conn *c, const struct tcp_env *env,
                                uint64_t now_us, enum tcp_cause cause)
{
	/*
	 * RFC 9293 3.10.7.4 second and fourth: a SYN-RECEIVED connection that
	 * came from LISTEN goes back to it. Its queues and variables are
	 * flushed; the listening socket is local-only again.
	 */
	struct tcp_tuple lt = c->listen_tuple;
	struct tcp_ip_out ip = c->ip; /* the listener's, the user's choice */

	reset_vars(c);
	c->ip = ip;
	c->state = TCP_SYN_RECEIVED; /* so that the trace shows the edge */
	c->tuple = lt;
	c->listen_tuple = lt;
	tcp_conn__set_state(c, env, now_us, TCP_LISTEN, cause);
}

void tcp_conn__timewait_leave(struct tcp_conn *c, const struct tcp_env *env)
{
	/*
	 * RFC 9293 3.6.1 MAY-2: keep what TIME-WAIT needs for condition (2)
	 * (see struct tcp_tw_prev), then start afresh on the same tuple. The
	 * state stays TIME-WAIT so that the trace shows the edge E112.
	 */
	struct tcp_tw_prev p;
	struct tcp_tuple t = c->tuple;

	TCP_ASSERT(env, c->state == TCP_TIME_WAIT);
	memset(&p, 0, sizeof(p));
	p.iss = c->iss;
	p.irs = c->irs;
	p.snd_una = c->snd_una;
	p.snd_nxt = c->snd_nxt;
	p.snd_max = c->snd_max;
	p.fin_seq = c->fin_seq;
	p.rcv_nxt = c->rcv_nxt;
	p.rcv_adv = c->rcv_adv;
	p.snd_wnd = c->snd_wnd;
	p.max_snd_wnd = c->max_snd_wnd;
	p.ts_recent = c->ts_recent;
	p.ts_offset = c->ts_offset;
	p.fl = c->fl & ~TCP_CF_REOPENED;
	p.ts_recent_us = c->ts_recent_us;
	p.peer_mss = c->peer_mss;
	p.snd_wscale = c->snd_wscale;
	p.rcv_wscale = c->rcv_wscale;
	{
		struct tcp_ip_out ip = c->ip; /* TOS and TTL stay (3.9.2) */

		reset_vars(c);
		c->ip = ip;
	}
	c->state = TCP_TIME_WAIT;
	c->tuple = t;
	c->listen_tuple = t;
	c->tw_prev = p;
	c->fl |= TCP_CF_REOPENED;
}

void tcp_conn__return_to_timewait(struct tcp_conn *c, const struct tcp_env *env,
                                  uint64_t now_us, enum tcp_cause cause)
{
	/*
	 * RFC 9293 3.6.1 condition (2): the SYN that reopened TIME-WAIT was
	 * an old duplicate. The new incarnation is flushed and the previous
	 * one is back as tcp_conn__timewait_leave() saved it, answering as
	 * before, with a fresh 2*MSL wait (MUST-13).
	 */
	struct tcp_tw_prev p = c->tw_prev;
	struct tcp_tuple t = c->tuple;

	TCP_ASSERT(env, c->fl & TCP_CF_REOPENED);
	{
		struct tcp_ip_out ip = c->ip; /* TOS and TTL stay (3.9.2) */

		reset_vars(c);
		c->ip = ip;
	}
	c->state = TCP_SYN_RECEIVED; /* so that the trace shows the edge */
	c->tuple = t;
	c->listen_tuple = t;
	c->iss = p.iss;
	c->irs = p.irs;
	c->snd_una = p.snd_una;
	c->snd_nxt = p.snd_nxt;
	c->snd_max = p.snd_max;
	c->recover = p.snd_una;
	c->fin_seq = p.fin_seq;
	c->rcv_nxt = p.rcv_nxt;
	c->rcv_adv = p.rcv_adv;
	c->last_ack_sent = p.rcv_nxt;
	c->snd_wnd = p.snd_wnd;
	c->max_snd_wnd = p.max_snd_wnd;
	c->ts_recent = p.ts_recent;
	c->ts_offset = p.ts_offset;
	c->ts_recent_us = p.ts_recent_us;
	c->fl = p.fl;
	tcp_conn__set_mss(c, p.peer_mss);
	c->snd_wscale = p.snd_wscale;
	c->rcv_wscale = p.rcv_wscale;
	c->last_rcv_us = now_us;
	tcp_conn__set_state(c, env, now_us, TCP_TIME_WAIT, cause);
	tcp_conn__start_timewait(c, now_us);
}

/* ---- Output ------------------------------------------------------------- */

/* Appends one data/FIN segment [seq, seq+len) from tx. */
static bool send_data(struct tcp_conn *c, uint64_t now_us, tcp_seq seq,
                      uint32_t len, bool fin, struct tcp_out *out)
{
	struct tcp_out_seg *o = out_slot(out);
	uint32_t off;

	if (!o || out->data_cap - out->data_used < len) {
		c->fl |= TCP_CF_OUT_BLOCKED;
		return false;
	}
	off = tcp_seq_diff(seq, tcp_conn__tx_seq0(c));
	tcp_ring_peek(&c->tx, off, out->data + out->data_used, len);
	o->tuple = c->tuple;
	o->ip = c->ip;
	o->ip.tos &= (uint8_t)~TCP_ECN_MASK; /* see ecn_mark() */
	o->seg.sport = c->tuple.lport;
	o->seg.dport = c->tuple.rport;
	o->seg.seq = seq;
	o->seg.ack = c->rcv_nxt;
	o->seg.flags = TCP_FLAG_ACK | (fin ? TCP_FLAG_FIN : 0);
	o->seg.payload = out->data + out->data_used;
	o->seg.payload_bytes = len;
	out->data_used += len;
	/* MUST-61: PSH on the segment that empties the send queue. */
	if (len > 0 && off + len == c->tx.len)
		o->seg.flags |= TCP_FLAG_PSH;
	/* RFC 9293 3.8.5 (MUST-30, MUST-62): urgent pointer. */
	if ((c->fl & TCP_CF_SND_URG) && tcp_seq_gt(c->snd_up, seq)) {
		uint32_t up = tcp_seq_diff(c->snd_up, seq);

		o->seg.flags |= TCP_FLAG_URG;
		o->seg.urp = (uint16_t)(up > 0xffff ? 0xffff : up);
	}
	fill_opts(c, now_us, &o->seg.opts, len == 0);
	stamp_ack(c, &o->seg);
	ecn_mark(c, o, seq, len);
	out->n++;
	c->last_snd_us = now_us;
	return true;
}

/* Bookkeeping after sending [seq, seq + n) of sequence space. */
static void sent_space(struct tcp_conn *c, uint64_t now_us, tcp_seq seq,
                       uint32_t n)
{
	tcp_seq end = tcp_seq_add(seq, n);
	bool fresh = tcp_seq_ge(seq, c->snd_max);

	if (tcp_seq_gt(end, c->snd_nxt))
		c->snd_nxt = end;
	if (tcp_seq_gt(end, c->snd_max))
		c->snd_max = end;
	/* Karn: only segments sent once are timed (RFC 6298 3). */
	if (fresh && n > 0 && !(c->fl & TCP_CF_RTT_TIMING)) {
		c->fl |= TCP_CF_RTT_TIMING;
		c->rtt_seq = seq;
		c->rtt_start_us = now_us;
	}
	/* RFC 6298 5.1: start the timer if it is not running. */
	if (n > 0 && c->t_rtx == TCP_NO_DEADLINE) {
		c->t_rtx = now_us + c->rto_us;
		if (c->rtx_first_us == TCP_NO_DEADLINE)
			c->rtx_first_us = now_us;
	} else if (n > 0 && c->rtx_first_us == TCP_NO_DEADLINE &&
	           c->snd_wnd > 0) {
		/*
		 * RFC 9293 3.8.3 (MUST-20) and 3.10.8: zero-window probing
		 * stopped the R2 clock (probes keep a connection whose peer
		 * answers); the first segment the reopened window lets
		 * through starts it again, or data never acknowledged would
		 * be resent forever (found by fuzz_diff_lwip).
		 */
		c->rtx_first_us = now_us;
	}
}

static bool can_send_data_state(const struct tcp_conn *c)
{
	/*
	 * Not while our SYN is unacknowledged (a CLOSE in SYN-RECEIVED
	 * enters FIN-WAIT-1 before it is, 3.10.4): the SYN,ACK is what the
	 * retransmission timer resends, and zero-window probing (3.8.6.1),
	 * which assumes SND.UNA-1 was acknowledged, must not take over.
	 */
	if (tcp_seq_eq(c->snd_una, c->iss))
		return false;
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

static void arm_keepalive(struct tcp_conn *c);

void tcp_conn__output(struct tcp_conn *c, const struct tcp_env *env,
                      uint64_t now_us, struct tcp_out *out)
{
	(void)env;
	c->fl &= ~TCP_CF_OUT_BLOCKED;
	/*
	 * MUST-24: keep-alive on by configuration is armed as soon as the
	 * connection can use it, so tcp_conn_next_deadline_us() shows it.
	 */
	arm_keepalive(c);
	/* RFC 9293 3.8.6.2.1: in a state that sends no more data the SWS
	 * override timer has nothing left to release (found by fuzz_pair:
	 * it stayed due in FIN-WAIT-2). */
	if (!can_send_data_state(c))
		c->t_sws = TCP_NO_DEADLINE;
	if (can_send_data_state(c) && !syn_state(c)) {
		uint32_t mss = tcp_conn__eff_mss(c);

		/* RFC 5681 4.1: restart window after an idle period. */
		if (flight(c) == 0 && c->last_snd_us != 0 &&
		    now_us - c->last_snd_us > c->rto_us) {
			uint32_t iw = tcp_conn__initial_window(c);

			if (c->cwnd > iw)
				c->cwnd = iw;
		}
		for (;;) {
			tcp_seq seq0 = tcp_conn__tx_seq0(c);
			uint32_t sent = tcp_seq_diff(c->snd_nxt, seq0);
			uint32_t avail =
			    c->tx.len > sent ? c->tx.len - sent : 0;
			uint32_t wnd =
			    c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
			tcp_seq edge = tcp_seq_add(c->snd_una, wnd);
			uint32_t usable = tcp_seq_gt(edge, c->snd_nxt)
			                      ? tcp_seq_diff(edge, c->snd_nxt)
			                      : 0; /* MUST-34 */
			uint32_t len = avail;
			bool fin = false, ok;
			bool fin_pending =
			    (c->fl & TCP_CF_FIN_QUEUED) &&
			    tcp_seq_le(c->snd_nxt,
			               tcp_seq_add(seq0, c->tx.len));

			if (len > mss)
				len = mss;
			if (len > usable)
				len = usable;
			/* RFC 3168 6.1.2: no new data before t_rtx expires. */
			if ((c->fl & TCP_CF_ECN_WAIT) &&
			    tcp_seq_ge(c->snd_nxt, c->snd_max))
				break;
			if (fin_pending && len == avail && usable > len)
				fin = true;
			if (len == 0 && !fin)
				break;
			/*
			 * RFC 9293 3.8.6.2.1 (MUST-38) sender SWS avoidance and
			 * 3.7.4 Nagle (SHLD-7, MUST-17): send a full segment,
			 * or all that is queued when nothing is in flight (or
			 * Nagle is off), or at least half the largest window
			 * the peer offered, or when the override timer fired.
			 */
			ok = len == mss || fin;
			if (!ok && len == avail &&
			    (flight(c) == 0 || (c->fl & TCP_CF_NODELAY)))
				ok = true;
			/*
			 * Rule (3) carries Nagle's "[SND.NXT = SND.UNA and]"
			 * too (3.8.6.2.1): half the window is no reason to
			 * send a short segment while data is in flight.
			 */
			if (!ok && c->max_snd_wnd > 0 &&
			    len >= c->max_snd_wnd / 2 &&
			    (flight(c) == 0 || (c->fl & TCP_CF_NODELAY)))
				ok = true;
			if (!ok && c->t_sws != TCP_NO_DEADLINE &&
			    now_us >= c->t_sws)
				ok = true;
			if (!ok) {
				if (c->t_sws == TCP_NO_DEADLINE)
					c->t_sws =
					    now_us + c->cfg->sws_override_us;
				break;
			}
			c->t_sws = TCP_NO_DEADLINE;
			if (!send_data(c, now_us, c->snd_nxt, len, fin, out))
				break;
			if (fin && !(c->fl & TCP_CF_FIN_SENT)) {
				c->fl |= TCP_CF_FIN_SENT;
				c->fin_seq = tcp_seq_add(c->snd_nxt, len);
			}
			sent_space(c, now_us, c->snd_nxt, len + (fin ? 1 : 0));
		}
		/*
		 * RFC 9293 3.8.6.2.1: an override timer that fired while
		 * nothing could go (no window, no data, ECN's wait) is spent;
		 * the next short segment held back arms it again. Left armed
		 * it would stay a deadline in the past (found by fuzz_pair).
		 */
		if (c->t_sws != TCP_NO_DEADLINE && c->t_sws <= now_us)
			c->t_sws = TCP_NO_DEADLINE;
		/*
		 * RFC 9293 3.8.6.1 (MUST-36, SHLD-29): data waiting behind a
		 * zero window with nothing in flight arms the probe timer
		 * about one RTO away.
		 */
		{
			tcp_seq seq0 = tcp_conn__tx_seq0(c);
			bool waiting =
			    c->tx.len > tcp_seq_diff(c->snd_nxt, seq0) ||
			    ((c->fl & TCP_CF_FIN_QUEUED) &&
			     !(c->fl & TCP_CF_FIN_SENT));

			if (waiting && c->snd_wnd == 0 &&
			    c->t_rtx == TCP_NO_DEADLINE &&
			    c->t_persist == TCP_NO_DEADLINE)
				c->t_persist = now_us + c->rto_us;
			if (c->snd_wnd > 0)
				c->t_persist = TCP_NO_DEADLINE;
			/*
			 * RFC 6298 5.1: data in flight always has a running
			 * timer, also after zero-window probing ended (the
			 * probe octet, or data sent before the window shrank).
			 */
			if (c->snd_wnd > 0 && flight(c) > 0 &&
			    c->t_rtx == TCP_NO_DEADLINE)
				c->t_rtx = now_us + c->rto_us;
		}
	}
	if (c->fl & TCP_CF_ACK_NOW) {
		if (out && out->n < out->cap)
			tcp_conn__send_ack(c, now_us, out);
		else
			c->fl |= TCP_CF_OUT_BLOCKED;
	}
}

void tcp_conn__ack_data(struct tcp_conn *c, uint64_t now_us, uint32_t bytes,
                        bool now)
{
	/*
	 * RFC 9293 3.8.6.3 (SHLD-18, SHLD-19, MUST-40) and RFC 5681 4.2: ACK
	 * at least every second full-sized segment and within delack_us;
	 * out-of-order data and gap fills are acknowledged at once.
	 */
	uint32_t full = c->cfg->mss - ((c->fl & TCP_CF_TS) ? 12u : 0u);

	/* "Full-sized": our MSS less options, or the largest seen so far. */
	if (c->rcv_mss_seen > 0 && c->rcv_mss_seen < full)
		full = c->rcv_mss_seen;
	c->unacked_rcv_bytes += bytes;
	if (now || !c->cfg->delayed_ack || c->unacked_rcv_bytes >= 2u * full) {
		c->fl |= TCP_CF_ACK_NOW;
		return;
	}
	if (c->t_delack == TCP_NO_DEADLINE)
		c->t_delack = now_us + c->cfg->delack_us;
}

/* ---- Timers (RFC 9293 3.10.8) ------------------------------------------ */

/*
 * The next retransmission deadline: now + RTO, but no later than the moment
 * R2 / the user timeout runs out (RFC 9293 3.8.3, 3.10.8 USER TIMEOUT), so
 * that a backed-off RTO does not push the give-up far past the limit.
 */
static uint64_t rtx_deadline(const struct tcp_conn *c, uint64_t now_us,
                             uint64_t limit)
{
	uint64_t d = now_us + c->rto_us;

	if (c->rtx_first_us != TCP_NO_DEADLINE && c->rtx_first_us + limit < d)
		d = c->rtx_first_us + limit > now_us ? c->rtx_first_us + limit
		                                     : now_us;
	return d;
}

static void on_rtx_timeout(struct tcp_conn *c, const struct tcp_env *env,
                           uint64_t now_us, struct tcp_out *out)
{
	uint64_t limit =
	    syn_state(c) ? c->cfg->syn_timeout_us : c->user_timeout_us;
	uint64_t rto;

	c->t_rtx = TCP_NO_DEADLINE;
	/*
	 * RFC 3168 6.1.2: the timer restarted by an ECE at a 1-MSS cwnd has
	 * run out: new data may go (tcp_conn_poll() sends it). Data still in
	 * flight is a timeout like any other.
	 */
	c->fl &= ~TCP_CF_ECN_WAIT;
	/* Anything sent and unacknowledged, even when a go-back-N pulled
	 * SND.NXT back to SND.UNA (then the window decides what is next). */
	if (tcp_seq_eq(c->snd_una, c->snd_max))
		return;
	if (c->snd_wnd == 0 && can_send_data_state(c)) {
		/*
		 * RFC 9293 3.8.6.1 (MUST-35, MUST-36, MUST-37): the window
		 * shrank to zero with data in flight. Nothing fits, so probe
		 * instead of counting toward R2: the persist timer sends the
		 * first probe now and keeps the connection while the peer
		 * answers.
		 */
		c->rtx_first_us = TCP_NO_DEADLINE;
		c->t_persist = now_us;
		return;
	}
	/*
	 * RFC 9293 3.8.3 (MUST-20, MUST-22, MUST-23): past R2 give up; the
	 * user timeout of 3.10.8 is the same limit expressed in time.
	 */
	if (c->rtx_first_us != TCP_NO_DEADLINE &&
	    now_us - c->rtx_first_us >= limit) {
		/* SHLD-25: a soft ICMP error explains the timeout best. */
		tcp_conn__close_now(c, env, now_us,
		                    c->icmp_err ? c->icmp_err : TCP_ETIMEDOUT,
		                    TCP_CAUSE_TIMEOUT_USER);
		return;
	}
	/* RFC 6298 5.5: back off; 5.6: restart the timer. */
	rto = 2ull * c->rto_us;
	if (rto > c->cfg->rto_max_us)
		rto = c->cfg->rto_max_us;
	c->rto_us = (uint32_t)rto;
	if (c->rtx_count < 255)
		c->rtx_count++;
	/* RFC 9293 3.8.3 R1 (SHLD-9, MUST-47): report a soft error. */
	if (c->rtx_count >= c->cfg->r1_retries)
		c->fl |= TCP_CF_SOFT_ERROR;
	c->fl &= ~TCP_CF_RTT_TIMING; /* Karn */
	/*
	 * 3.10.8: "send the segment at the front of the retransmission
	 * queue". While our SYN is unacknowledged that is the SYN (or
	 * SYN,ACK), also in the FIN-WAIT-1 that CLOSE enters from
	 * SYN-RECEIVED (3.10.4); the FIN follows once the SYN is acked.
	 */
	if (syn_state(c) || tcp_seq_eq(c->snd_una, c->iss)) {
		c->fl |= TCP_CF_RTX_SYN;
		/*
		 * RFC 3168 6.1.1.1 (MAY): an ECN-setup SYN that went
		 * unanswered is resent without ECE and CWR, in case a
		 * middlebox drops those; having sent a non-ECN-setup SYN, the
		 * connection then does without ECN (6.1.1).
		 */
		if (c->state == TCP_SYN_SENT)
			c->fl &= ~TCP_CF_ECN_SYN;
		tcp_conn__send_syn(c, now_us, c->state != TCP_SYN_SENT, out);
		c->t_rtx = rtx_deadline(c, now_us, limit);
		return;
	}
	/*
	 * RFC 5681 3.1 (4): ssthresh = max(FlightSize / 2, 2*SMSS), cwnd =
	 * one segment; RFC 2018 5.1: forget SACK information.
	 */
	{
		uint32_t smss = tcp_conn__eff_mss(c), half = flight(c) / 2;

		c->ssthresh = half > 2 * smss ? half : 2 * smss;
		c->cwnd = smss;
		c->bytes_acked = 0;
		c->dupacks = 0;
		c->fl &= ~TCP_CF_RECOVERY;
		c->sacked_n = 0;
		tcp_conn__cwnd_reduced(c);
	}
	/* RFC 6298 5.4: retransmit the earliest segment (go back N). */
	c->snd_nxt = c->snd_una;
	c->t_rtx = rtx_deadline(c, now_us, limit);
	tcp_conn__output(c, env, now_us, out);
	if (tcp_seq_eq(c->snd_nxt, c->snd_una) && c->snd_wnd == 0) {
		/* Nothing fits the window: fall back to probing (MUST-35). */
		c->snd_nxt = c->snd_max;
	}
}

static void on_persist_timeout(struct tcp_conn *c, const struct tcp_env *env,
                               uint64_t now_us, struct tcp_out *out)
{
	tcp_seq seq0 = tcp_conn__tx_seq0(c);
	uint32_t sent = tcp_seq_diff(c->snd_nxt, seq0);
	uint64_t iv;

	(void)env;
	c->t_persist = TCP_NO_DEADLINE;
	if (c->snd_wnd != 0 || !can_send_data_state(c))
		return;
	/*
	 * RFC 9293 3.8.6.1 (MUST-36): send one octet of new data, or resend
	 * the probe octet still unacknowledged. Probes do not count toward
	 * the user timeout: a peer that keeps answering keeps the connection
	 * (MUST-37).
	 */
	if (flight(c) > 0 && c->tx.len > 0) {
		send_data(c, now_us, c->snd_una, 1, false, out);
	} else if (flight(c) == 0 && c->tx.len > sent) {
		if (send_data(c, now_us, c->snd_nxt, 1, false, out)) {
			c->snd_nxt = tcp_seq_add(c->snd_nxt, 1);
			if (tcp_seq_gt(c->snd_nxt, c->snd_max))
				c->snd_max = c->snd_nxt;
		}
	} else if (flight(c) > 0 || ((c->fl & TCP_CF_FIN_QUEUED) &&
	                             !(c->fl & TCP_CF_FIN_SENT))) {
		/*
		 * Only a FIN is outstanding or waiting: there is no data
		 * octet to probe with (and none may be invented). An ACK
		 * with SEQ = SND.UNA - 1 draws the peer's current window,
		 * so the probing of MUST-36 still happens.
		 */
		tcp_conn__send_ctl(c, now_us, TCP_FLAG_ACK,
		                   tcp_seq_sub(c->snd_una, 1), c->rcv_nxt, out);
	} else {
		return;
	}
	/* SHLD-30: exponential backoff of the probe interval. */
	if (c->persist_shift < 16)
		c->persist_shift++;
	iv = (uint64_t)c->rto_us << c->persist_shift;
	if (iv > c->cfg->persist_max_us)
		iv = c->cfg->persist_max_us;
	c->t_persist = now_us + iv;
}

static void on_keepalive_timeout(struct tcp_conn *c, const struct tcp_env *env,
                                 uint64_t now_us, struct tcp_out *out)
{
	c->t_keepalive = TCP_NO_DEADLINE;
	if (!(c->fl & TCP_CF_KEEPALIVE) ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return;
	/* MUST-26: only when nothing is in flight or queued. */
	if (flight(c) > 0 || c->tx.len > 0) {
		c->t_keepalive = now_us + c->cfg->keepalive_idle_us;
		return;
	}
	if (now_us - c->last_rcv_us < c->cfg->keepalive_idle_us &&
	    c->ka_sent == 0) {
		c->t_keepalive = c->last_rcv_us + c->cfg->keepalive_idle_us;
		return;
	}
	/* MUST-29: one unanswered probe proves nothing; give up after many. */
	if (c->ka_sent >= c->cfg->keepalive_probes) {
		tcp_conn__close_now(c, env, now_us,
		                    c->icmp_err ? c->icmp_err : TCP_ETIMEDOUT,
		                    TCP_CAUSE_TIMEOUT_KEEPALIVE);
		return;
	}
	/* SHLD-12: no payload; SEG.SEQ = SND.NXT - 1 draws an ACK. */
	tcp_conn__send_ctl(c, now_us, TCP_FLAG_ACK, tcp_seq_sub(c->snd_nxt, 1),
	                   c->rcv_nxt, out);
	c->ka_sent++;
	c->t_keepalive = now_us + c->cfg->keepalive_intvl_us;
}

static void arm_keepalive(struct tcp_conn *c)
{
	if ((c->fl & TCP_CF_KEEPALIVE) && c->t_keepalive == TCP_NO_DEADLINE &&
	    (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT))
		c->t_keepalive = c->last_rcv_us + c->cfg->keepalive_idle_us;
}

void tcp_conn_poll(struct tcp_conn *c, const struct tcp_env *env,
                   uint64_t now_us, struct tcp_out *out)
{
	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN)
		return;
	if (c->t_timewait <= now_us) {
		c->t_timewait = TCP_NO_DEADLINE;
		if (c->state == TCP_TIME_WAIT) {
			/* 3.10.8: TIME-WAIT timeout -> CLOSED. */
			tcp_conn__close_now(c, env, now_us, 0,
			                    TCP_CAUSE_TIMEOUT_TIME_WAIT);
			return;
		}
	}
	if (c->t_rtx <= now_us) {
		on_rtx_timeout(c, env, now_us, out);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_persist <= now_us)
		on_persist_timeout(c, env, now_us, out);
	if (c->t_keepalive <= now_us) {
		on_keepalive_timeout(c, env, now_us, out);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_delack <= now_us) {
		c->t_delack = TCP_NO_DEADLINE;
		c->fl |= TCP_CF_ACK_NOW;
	}
	arm_keepalive(c);
	tcp_conn__output(c, env, now_us, out);
}

uint64_t tcp_conn_next_deadline_us(const struct tcp_conn *c)
{
	uint64_t d = TCP_NO_DEADLINE;
	const uint64_t t[] = { c->t_rtx,       c->t_persist,  c->t_delack,
		               c->t_keepalive, c->t_timewait, c->t_sws };
	unsigned i;

	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN)
		return TCP_NO_DEADLINE;
	if (c->fl & (TCP_CF_OUT_BLOCKED | TCP_CF_ACK_NOW))
		return 0;
	for (i = 0; i < TCP_ARRAY_LEN(t); i++)
		if (t[i] < d)
			d = t[i];
	return d;
}

/* ---- User calls (RFC 9293 3.10) ----------------------------------------- */

int tcp_conn_open_passive(struct tcp_conn *c, const struct tcp_env *env,
                          uint64_t now_us, const struct tcp_tuple *t)
{
	/* 3.10.1: OPEN on anything but CLOSED: "connection already exists". */
	if (c->state != TCP_CLOSED)
		return TCP_EEXIST;
	{
		struct tcp_ip_out ip = c->ip; /* set before the OPEN */

		reset_vars(c);
		c->ip = ip;
	}
	c->tuple = *t;
	c->listen_tuple = *t;
	tcp_conn__set_state(c, env, now_us, TCP_LISTEN,
	                    TCP_CAUSE_USER_OPEN_PASSIVE);
	return 0;
}

int tcp_conn_open_active(struct tcp_conn *c, const struct tcp_env *env,
                         uint64_t now_us, const struct tcp_tuple *t,
                         struct tcp_out *out)
{
	if (c->state != TCP_CLOSED && c->state != TCP_LISTEN)
		return TCP_EEXIST;
	if (!tcp_addr_unicast(&t->raddr) || t->rport == 0 || t->lport == 0)
		return TCP_EADDRNOTAVAIL;
	{
		enum tcp_state from = c->state;
		struct tcp_ip_out ip = c->ip; /* set before the OPEN */

		reset_vars(c);
		c->ip = ip;
		/*
		 * 3.10.1 LISTEN: "change the connection from passive to
		 * active"; keep the state so the trace shows LISTEN ->
		 * SYN-SENT (E008), not CLOSED -> SYN-SENT.
		 */
		c->state = from;
	}
	c->tuple = *t;
	/* 3.10.1: select an ISS (RFC 6528 through the environment). */
	c->iss =
	    tcp_seq_make(env && env->isn ? env->isn(env->ctx, t, now_us) : 0);
	c->ts_offset = env && env->ts_offset ? env->ts_offset(env->ctx, t) : 0;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = tcp_seq_add(c->iss, 1);
	c->ecn_recover = c->iss;
	/* RFC 3168 6.1.1: ask for ECN with an ECN-setup SYN (SHLD-8). */
	if (c->cfg->ecn == TCP_ECN_MODE_ON)
		c->fl |= TCP_CF_ECN_SYN;
	c->last_rcv_us = now_us;
	tcp_conn__set_state(c, env, now_us, TCP_SYN_SENT,
	                    TCP_CAUSE_USER_OPEN_ACTIVE);
	tcp_conn__send_syn(c, now_us, false, out);
	c->t_rtx = now_us + c->rto_us;
	c->rtx_first_us = now_us;
	c->fl |= TCP_CF_RTT_TIMING;
	c->rtt_seq = c->iss;
	c->rtt_start_us = now_us;
	return 0;
}

static int closed_err(const struct tcp_conn *c)
{
	return c->err ? c->err : TCP_ENOTCONN;
}

int tcp_conn_send(struct tcp_conn *c, const struct tcp_env *env,
                  uint64_t now_us, const uint8_t *data, uint32_t len,
                  unsigned flags, struct tcp_out *out)
{
	uint32_t n;

	switch (c->state) {
	case TCP_CLOSED:
		return closed_err(c);
	case TCP_LISTEN:
		/* No remote socket is known: 3.10.2 "foreign socket
		 * unspecified". */
		return TCP_ENOTCONN;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (c->fl & TCP_CF_FIN_QUEUED)
			return TCP_ECLOSING;
		break;
	default:
		/* FIN-WAIT-*, CLOSING, LAST-ACK, TIME-WAIT: 3.10.2. */
		return TCP_ECLOSING;
	}
	if (len > 0 && !data)
		return TCP_EINVAL;
	n = tcp_ring_append(&c->tx, data, len);
	if ((flags & TCP_SEND_URGENT) && n > 0) {
		/* MUST-62: the pointer names the octet after urgent data. */
		c->snd_up = tcp_seq_add(tcp_conn__tx_seq0(c), c->tx.len);
		c->fl |= TCP_CF_SND_URG;
	}
	/* Data sent in SYN-SENT/SYN-RECEIVED waits for ESTABLISHED. */
	tcp_conn__output(c, env, now_us, out);
	return (int)n;
}

int tcp_conn_recv(struct tcp_conn *c, const struct tcp_env *env,
                  uint64_t now_us, uint8_t *buf, uint32_t cap,
                  struct tcp_out *out)
{
	uint32_t n = c->rx.len < cap ? c->rx.len : cap;
	uint32_t before;

	if (c->fl & TCP_CF_APP_GONE)
		return TCP_ECLOSING; /* MAY-1: no reading after close */
	if (n == 0) {
		if (c->state == TCP_CLOSED && c->err)
			return c->err;
		if (c->fl & TCP_CF_FIN_RCVD)
			return 0; /* end of stream */
		if (c->state == TCP_CLOSED)
			return TCP_ENOTCONN;
		return cap == 0 ? 0 : TCP_EWOULDBLOCK;
	}
	tcp_ring_peek(&c->rx, 0, buf, n);
	before = tcp_conn__rcv_wnd(c);
	tcp_ring_consume(&c->rx, n);
	/* The application is past the urgent point: signal consumed. */
	if ((c->fl & TCP_CF_RCV_URG) &&
	    tcp_seq_le(c->rcv_up, tcp_seq_sub(c->rcv_nxt, c->rx.len)))
		c->fl &= ~(TCP_CF_RCV_URG | TCP_CF_URG_SIGNAL);
	/*
	 * A window update when the offer grows by a sizeable step (the
	 * receiver side of SWS avoidance, MUST-39).
	 */
	if (tcp_state_is_synchronized(c->state) && !(c->fl & TCP_CF_FIN_RCVD) &&
	    rcv_window_to_offer(c) > before) {
		c->fl |= TCP_CF_ACK_NOW;
		tcp_conn__output(c, env, now_us, out);
	}
	return (int)n;
}

int tcp_conn_abort(struct tcp_conn *c, const struct tcp_env *env,
                   uint64_t now_us, struct tcp_out *out)
{
	switch (c->state) {
	case TCP_CLOSED:
		return TCP_ENOTCONN;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		/* 3.10.5: <SEQ=SND.NXT><CTL=RST>. */
		tcp_conn__send_ctl(c, now_us, TCP_FLAG_RST, c->snd_nxt,
		                   tcp_seq_make(0), out);
		break;
	default:
		/* LISTEN, SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT: no RST. */
		break;
	}
	tcp_conn__close_now(c, env, now_us, 0, TCP_CAUSE_USER_ABORT);
	c->rx.len = 0;
	return 0;
}

int tcp_conn_close(struct tcp_conn *c, const struct tcp_env *env,
                   uint64_t now_us, int how, struct tcp_out *out)
{
	if (how == TCP_CLOSE_FULL) {
		/*
		 * SHLD-3: closing with unread data (or with data still
		 * arriving, see conn_input.c) resets the connection.
		 */
		if (c->rx.len > 0 && tcp_state_is_synchronized(c->state) &&
		    c->state != TCP_TIME_WAIT)
			return tcp_conn_abort(c, env, now_us, out);
		c->fl |= TCP_CF_APP_GONE;
	}
	switch (c->state) {
	case TCP_CLOSED:
		return how == TCP_CLOSE_FULL ? 0 : closed_err(c);
	case TCP_LISTEN:
	case TCP_SYN_SENT:
		/* 3.10.4: delete the TCB, CLOSED. */
		tcp_conn__close_now(c, env, now_us, 0, TCP_CAUSE_USER_CLOSE);
		return 0;
	case TCP_SYN_RECEIVED:
		c->fl |= TCP_CF_FIN_QUEUED;
		if (c->tx.len == 0) {
			/* 3.10.4: no data queued: send FIN, FIN-WAIT-1. */
			tcp_conn__set_state(c, env, now_us, TCP_FIN_WAIT_1,
			                    TCP_CAUSE_USER_CLOSE);
			/*
			 * RFC 9293 3.10.4 SYN-RECEIVED: "form a FIN segment
			 * and send it" (E038). It follows the SYN at ISS+1;
			 * the output path would hold it, as the congestion
			 * window only opens in ESTABLISHED. If *out is full,
			 * the output path sends it once the SYN is acked.
			 */
			if (send_data(c, now_us, c->snd_nxt, 0, true, out)) {
				c->fl |= TCP_CF_FIN_SENT;
				c->fin_seq = c->snd_nxt;
				sent_space(c, now_us, c->snd_nxt, 1);
			}
		}
		return 0;
	case TCP_ESTABLISHED:
		c->fl |= TCP_CF_FIN_QUEUED;
		tcp_conn__set_state(c, env, now_us, TCP_FIN_WAIT_1,
		                    TCP_CAUSE_USER_CLOSE);
		tcp_conn__output(c, env, now_us, out);
		return 0;
	case TCP_CLOSE_WAIT:
		c->fl |= TCP_CF_FIN_QUEUED;
		tcp_conn__set_state(c, env, now_us, TCP_LAST_ACK,
		                    TCP_CAUSE_USER_CLOSE);
		tcp_conn__output(c, env, now_us, out);
		return 0;
	default:
		/* FIN-WAIT-*, CLOSING, LAST-ACK, TIME-WAIT: 3.10.4. */
		return how == TCP_CLOSE_FULL ? 0 : TCP_ECLOSING;
	}
}

void tcp_conn_status(const struct tcp_conn *c, struct tcp_status *st)
{
	tcp_seq seq0 = tcp_conn__tx_seq0(c);
	uint32_t sent =
	    c->state == TCP_CLOSED ? 0 : tcp_seq_diff(c->snd_nxt, seq0);

	memset(st, 0, sizeof(*st));
	st->state = c->state;
	st->tuple = c->tuple;
	st->snd_wnd = c->snd_wnd;
	st->rcv_wnd = tcp_conn__rcv_wnd(c);
	st->bytes_unacked = c->state == TCP_CLOSED ? 0 : flight(c);
	st->bytes_unsent = c->tx.len > sent ? c->tx.len - sent : 0;
	st->bytes_readable = c->rx.len;
	if (c->fl & TCP_CF_RCV_URG) {
		tcp_seq rd = tcp_seq_sub(c->rcv_nxt, c->rx.len);

		if (tcp_seq_gt(c->rcv_up, rd))
			st->urgent_bytes = tcp_seq_diff(c->rcv_up, rd);
	}
	st->urgent_signal = (c->fl & TCP_CF_URG_SIGNAL) != 0;
	st->soft_error = (c->fl & TCP_CF_SOFT_ERROR) != 0;
	st->icmp_err = c->icmp_err;
	st->peer_fin = (c->fl & TCP_CF_FIN_RCVD) != 0;
	st->err = c->err;
	st->srtt_us = c->srtt_us;
	st->rto_us = c->rto_us;
	st->cwnd = c->cwnd;
	st->ssthresh = c->ssthresh;
	st->snd_mss = c->snd_mss;
}

/* ---- ICMP errors (RFC 9293 3.9.2.2) ------------------------------------ */

struct tcp_verdict tcp_conn_icmp(struct tcp_conn *c, const struct tcp_env *env,
                                 uint64_t now_us, int cls, int err,
                                 tcp_seq qseq)
{
	/* MUST-55: Source Quench is discarded whatever it quotes. */
	if (cls == TCP_ICMP_QUENCH)
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_ICMP_QUENCH);
	if (cls != TCP_ICMP_SOFT && cls != TCP_ICMP_HARD)
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_ICMP_IGNORED);
	/* MUST-54: it must concern a connection that sends. */
	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN)
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_ICMP_NO_CONN);
	/* RFC 5927 4.1: it must quote a segment still unacknowledged (none
	 * is in TIME-WAIT, where SND.UNA = SND.MAX). */
	if (!(tcp_seq_le(c->snd_una, qseq) && tcp_seq_lt(qseq, c->snd_max)))
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_ICMP_SEQ);
	if (cls == TCP_ICMP_SOFT) {
		/* MUST-56: no abort; SHLD-25: keep it for the user. */
		c->icmp_err = err;
		return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
	}
	/* SHLD-26: a hard error aborts; the peer cannot be reached, so
	 * nothing is sent (3.10.5's RST would go nowhere). */
	tcp_conn__close_now(c, env, now_us, err, TCP_CAUSE_ICMP_HARD_ERROR);
	return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
}

void tcp_conn_set_ip(struct tcp_conn *c, const struct tcp_ip_out *ip)
{
	c->ip = *ip;
	if (c->ip.opt_len > TCP_IP_OPTS_MAX)
		c->ip.opt_len = 0;
}

void tcp_conn_set_nodelay(struct tcp_conn *c, bool on)
{
	if (on)
		c->fl |= TCP_CF_NODELAY;
	else
		c->fl &= ~TCP_CF_NODELAY;
}

void tcp_conn_set_keepalive(struct tcp_conn *c, bool on)
{
	if (on) {
		c->fl |= TCP_CF_KEEPALIVE;
		arm_keepalive(c);
	} else {
		c->fl &= ~TCP_CF_KEEPALIVE;
		c->t_keepalive = TCP_NO_DEADLINE;
	}
}

void tcp_conn_set_user_timeout(struct tcp_conn *c, uint64_t us)
{
	c->user_timeout_us = us;
}

/* ---- Segments to no connection (3.10.7.1) ------------------------------- */

void tcp_reply_closed(const struct tcp_tuple *t, const struct tcp_seg *seg,
                      struct tcp_out *out)
{
	struct tcp_out_seg *o;

	/* "An incoming segment containing a RST is discarded." */
	if (seg->flags & TCP_FLAG_RST)
		return;
	o = out_slot(out);
	if (!o) {
		if (out)
			out->overflow++;
		return;
	}
	o->tuple = *t;
	o->seg.sport = t->lport;
	o->seg.dport = t->rport;
	if (seg->flags & TCP_FLAG_ACK) {
		/* <SEQ=SEG.ACK><CTL=RST> */
		o->seg.seq = seg->ack;
		o->seg.flags = TCP_FLAG_RST;
	} else {
		/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		o->seg.seq = tcp_seq_make(0);
		o->seg.ack = tcp_seq_add(seg->seq, tcp_seg_len(seg));
		o->seg.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
	}
	out->n++;
}
