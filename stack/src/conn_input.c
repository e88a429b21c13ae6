/* SPDX-License-Identifier: MIT
 *
 * SEGMENT ARRIVES (RFC 9293 3.10.7): one function per step, in the RFC's
 * order. CLOSED, LISTEN and SYN-SENT have their own functions (3.10.7.1-3);
 * SYN-RECEIVED and the synchronized states run PAWS (RFC 7323), then the
 * sequence check, RST, SYN, ACK, URG, text and FIN steps (3.10.7.4).
 */

#include "internal.h"
#include "mem.h"

#define TS_RECENT_VALID_US (24ull * 24 * 3600 * 1000000) /* RFC 7323 5.5 */

/* What a step tells the pipeline: go on, or stop with this verdict. */
struct step {
	bool stop;
	struct tcp_verdict v;
};

static const struct step GO = { false, { TCP_DISP_ACCEPT, TCP_WHY_NONE } };

static struct step stop_with(struct tcp_conn *c, const struct tcp_env *env,
                             uint64_t now_us, enum tcp_disp d, enum tcp_why w)
{
	struct step s = { true, tcp_conn__drop(c, env, now_us, d, w) };

	return s;
}

static struct step stop_accept(void)
{
	struct step s = { true, { TCP_DISP_ACCEPT, TCP_WHY_NONE } };

	return s;
}

/* <SEQ=SEG.ACK><CTL=RST>, the reset for an unacceptable ACK (3.5.2). */
static void send_rst_for_ack(struct tcp_conn *c, uint64_t now_us,
                             const struct tcp_seg *seg, struct tcp_out *out)
{
	tcp_conn__send_ctl(c, now_us, TCP_FLAG_RST, seg->ack, tcp_seq_make(0),
	                   out);
}

/*
 * RFC 5961 7: challenge ACKs are throttled, here per connection so that the
 * limit is no side channel across connections (CVE-2016-5696).
 */
static struct step challenge_ack(struct tcp_conn *c, const struct tcp_env *env,
                                 uint64_t now_us, enum tcp_why why,
                                 struct tcp_out *out)
{
	const struct tcp_cfg *cfg = c->cfg;

	if (c->chack_count == 0 ||
	    now_us - c->chack_window_start_us >= cfg->challenge_ack_window_us) {
		c->chack_window_start_us = now_us;
		c->chack_count = 0;
	}
	if (c->chack_count >= cfg->challenge_ack_limit)
		return stop_with(c, env, now_us, TCP_DISP_DROP, why);
	c->chack_count++;
	tcp_conn__send_ack(c, now_us, out);
	return stop_with(c, env, now_us, TCP_DISP_DROP_ACK, why);
}

/* Options of a SYN or SYN,ACK: what both ends agreed on. */
static void take_syn_options(struct tcp_conn *c, uint64_t now_us,
                             const struct tcp_seg *seg)
{
	const struct tcp_opts *o = &seg->opts;
	const struct tcp_cfg *cfg = c->cfg;

	/* MUST-15: 536 (IPv4) or 1220 (IPv6) when the peer sent no MSS. */
	tcp_conn__set_mss(c, (o->present & TCP_OPTF_MSS)             ? o->mss
	                     : c->tuple.laddr.family == TCP_AF_INET6 ? 1220
	                                                             : 536);
	if (o->present & TCP_OPTF_WS)
		c->fl |= TCP_CF_PEER_WS;
	if (o->present & TCP_OPTF_TS)
		c->fl |= TCP_CF_PEER_TS;
	if (o->present & TCP_OPTF_SACKOK)
		c->fl |= TCP_CF_PEER_SACK;
	/* RFC 7323 2.2: scaling only when both sides sent WS. */
	if (cfg->wscale && (o->present & TCP_OPTF_WS)) {
		c->fl |= TCP_CF_WS;
		/* RFC 7323 2.3: a shift above 14 is used as 14. */
		c->snd_wscale = o->ws_shift > 14 ? 14 : o->ws_shift;
		c->rcv_wscale = cfg->wscale_shift > 14 ? 14 : cfg->wscale_shift;
	} else {
		c->snd_wscale = c->rcv_wscale = 0;
	}
	/* RFC 7323 3.2: timestamps only when both SYNs carried TSopt. */
	if (cfg->timestamps && (o->present & TCP_OPTF_TS)) {
		c->fl |= TCP_CF_TS;
		c->ts_recent = o->tsval;
		c->ts_recent_us = now_us;
	}
	/* RFC 2018 2: SACK only when both sides sent SACK-permitted. */
	if (cfg->sack && (o->present & TCP_OPTF_SACKOK))
		c->fl |= TCP_CF_SACK;
}

/* ---- CLOSED (3.10.7.1) --------------------------------------------------- */

static struct tcp_verdict
input_closed(struct tcp_conn *c, const struct tcp_env *env, uint64_t now_us,
             const struct tcp_tuple *t, const struct tcp_seg *seg,
             struct tcp_out *out)
{
	/* All data is discarded; a RST is discarded; else reset (E003-E005). */
	if (seg->flags & TCP_FLAG_RST)
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_CLOSED_RST);
	tcp_reply_closed(t, seg, out);
	return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP_RST,
	                      TCP_WHY_CLOSED_NO_TCB);
}

/* ---- LISTEN (3.10.7.2) ----------------------------------------------------
 */

/*
 * 3.10.7.2 third (E011), shared by LISTEN and by a TIME-WAIT reopened with
 * a new SYN (3.6.1 MAY-2): RCV.NXT = SEG.SEQ + 1, IRS = SEG.SEQ, ISS = iss,
 * send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, SND.NXT = ISS + 1, SND.UNA =
 * ISS, enter SYN-RECEIVED because of 'cause'.
 */
static void syn_open(struct tcp_conn *c, const struct tcp_env *env,
                     uint64_t now_us, const struct tcp_tuple *t,
                     const struct tcp_seg *seg, tcp_seq iss,
                     enum tcp_cause cause, struct tcp_out *out)
{
	c->tuple = *t;
	c->irs = seg->seq;
	c->rcv_nxt = tcp_seq_add(seg->seq, 1);
	c->rcv_adv = c->rcv_nxt;
	c->iss = iss;
	c->ts_offset = env && env->ts_offset ? env->ts_offset(env->ctx, t) : 0;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = tcp_seq_add(c->iss, 1);
	c->recover = c->iss;
	c->ecn_recover = c->iss;
	c->snd_wnd = seg->wnd; /* SYN windows are never scaled (RFC 7323) */
	c->max_snd_wnd = seg->wnd;
	c->snd_wl1 = seg->seq;
	c->last_rcv_us = now_us;
	take_syn_options(c, now_us, seg);
	/*
	 * "Any other control or text should be queued for processing later":
	 * text on the SYN is held as out-of-order data at RCV.NXT and
	 * delivered once ESTABLISHED is reached. A FIN on the SYN is not held
	 * (the peer retransmits it); recorded as a choice in the README.
	 */
	if (seg->payload_bytes > 0) {
		uint32_t n = seg->payload_bytes;

		if (n > tcp_ring_free(&c->rx))
			n = tcp_ring_free(&c->rx);
		if (n > 0 && tcp_reasm_add(&c->reasm, 0, n) == 0)
			tcp_ring_write_beyond(&c->rx, 0, seg->payload, n);
	}
	/*
	 * RFC 3168 6.1.1 (SHLD-8): an ECN-setup SYN (ECE and CWR both set)
	 * to a stack that takes part in ECN gets an ECN-setup SYN,ACK, and
	 * the connection uses ECN; any other SYN a plain SYN,ACK.
	 */
	if (c->cfg->ecn != TCP_ECN_MODE_OFF &&
	    (seg->flags & (TCP_FLAG_ECE | TCP_FLAG_CWR)) ==
	        (TCP_FLAG_ECE | TCP_FLAG_CWR))
		c->fl |= TCP_CF_ECN_SYN | TCP_CF_ECN;
	tcp_conn__set_state(c, env, now_us, TCP_SYN_RECEIVED, cause);
	tcp_conn__send_syn(c, now_us, true, out);
	c->t_rtx = now_us + c->rto_us;
	c->rtx_first_us = now_us;
	c->fl |= TCP_CF_RTT_TIMING;
	c->rtt_seq = c->iss;
	c->rtt_start_us = now_us;
}

static struct tcp_verdict
input_listen(struct tcp_conn *c, const struct tcp_env *env, uint64_t now_us,
             const struct tcp_tuple *t, const struct tcp_seg *seg,
             struct tcp_out *out)
{
	/* First: "An incoming RST segment could not be valid" (E009). */
	if (seg->flags & TCP_FLAG_RST)
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_LISTEN_RST);
	/* Second: any ACK is bad: <SEQ=SEG.ACK><CTL=RST> (E010). */
	if (seg->flags & TCP_FLAG_ACK) {
		struct tcp_tuple keep = c->tuple;

		c->tuple = *t;
		send_rst_for_ack(c, now_us, seg, out);
		c->tuple = keep;
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP_RST,
		                      TCP_WHY_LISTEN_ACK);
	}
	/* Fourth: anything else without SYN is dropped (E013). */
	if (!(seg->flags & TCP_FLAG_SYN))
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_LISTEN_NO_SYN);
	/* Third: SYN (E011). Remember the passive origin (MUST-11). */
	c->fl |= TCP_CF_PASSIVE;
	syn_open(c, env, now_us, t, seg,
	         tcp_seq_make(env && env->isn ? env->isn(env->ctx, t, now_us)
	                                      : 0),
	         TCP_CAUSE_RCV_SYN, out);
	return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
}

/* ---- TIME-WAIT reopened by a new SYN (3.6.1 MAY-2, SHLD-4) --------------- */

bool tcp_conn_timewait_syn_acceptable(const struct tcp_conn *c,
                                      const struct tcp_seg *seg)
{
	bool seq_newer = tcp_seq_gt(seg->seq, c->rcv_nxt);
	bool new_ts =
	    c->cfg->timestamps && (seg->opts.present & TCP_OPTF_TS) != 0;
	int32_t d;

	if (c->state != TCP_TIME_WAIT || !c->cfg->timewait_reopen)
		return false;
	if ((seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !=
	    TCP_FLAG_SYN)
		return false;
	/* RFC 6191 2, "the previous incarnation ... did not use Timestamps":
	 * a SYN with them is honoured, else SEG.SEQ > RCV.NXT (the BSD and
	 * Linux test for RFC 1122 4.2.2.13). */
	if (!(c->fl & TCP_CF_TS))
		return new_ts || seq_newer;
	/* RFC 6191 2, with Timestamps: the TSval decides, the sequence
	 * number breaks a tie or stands in when the SYN has no TSopt. */
	if (!new_ts)
		return seq_newer;
	d = (int32_t)(seg->opts.tsval - c->ts_recent);
	return d > 0 || (d == 0 && seq_newer);
}

int tcp_conn_timewait_reopen(struct tcp_conn *c, const struct tcp_env *env,
                             uint64_t now_us, const struct tcp_tuple *t,
                             const struct tcp_seg *seg, struct tcp_out *out)
{
	tcp_seq old_max = c->snd_max;
	tcp_seq iss;

	if (!tcp_conn_timewait_syn_acceptable(c, seg) ||
	    !tcp_tuple_eq(t, &c->tuple))
		return TCP_EINVAL;
	/*
	 * 3.6.1 condition (1) (RFC 1122 4.2.2.13 (a)): ISS' above the largest
	 * sequence number of the previous incarnation. An RFC 6528 ISN from
	 * the environment usually is; when not, step past the old SND.MAX.
	 */
	iss = tcp_seq_make(env && env->isn ? env->isn(env->ctx, t, now_us) : 0);
	if (!tcp_seq_gt(iss, old_max))
		iss = tcp_seq_add(old_max, TCP_TW_ISS_INCR);
	tcp_conn__timewait_leave(c, env);
	syn_open(c, env, now_us, t, seg, iss, TCP_CAUSE_RCV_SYN_REOPEN, out);
	return 0;
}

/* ---- Shared pieces of ACK processing ------------------------------------- */

/* RFC 5681 3.1: the first window, one segment after a lost SYN. */
static uint32_t first_cwnd(const struct tcp_conn *c)
{
	return (c->fl & TCP_CF_RTX_SYN) ? tcp_conn__eff_mss(c)
	                                : tcp_conn__initial_window(c);
}

/*
 * Retransmits the first unacknowledged segment, stopping at the first
 * SACKed block (RFC 2018 5: the receiver holds those bytes) and at
 * SND.MAX. The window is widened to let it go whatever the peer offers
 * now (3.8.6, MAY-7: old data may be resent even beyond a shrunk right
 * edge), but only over octets already sent: new data beyond the offered
 * window waits for the window (SHLD-15), zero-window probing included.
 */
static void retransmit_head(struct tcp_conn *c, const struct tcp_env *env,
                            uint64_t now_us, struct tcp_out *out)
{
	tcp_seq save_nxt = c->snd_nxt;
	uint32_t len = tcp_conn__eff_mss(c);
	uint32_t sent = tcp_seq_diff(c->snd_max, c->snd_una);
	uint32_t cwnd = c->cwnd;
	unsigned i;

	if (len > sent)
		len = sent;

	for (i = 0; i < c->sacked_n; i++) {
		if (tcp_seq_gt(c->sacked[i].left, c->snd_una)) {
			uint32_t gap =
			    tcp_seq_diff(c->sacked[i].left, c->snd_una);
			if (gap < len)
				len = gap;
		}
	}
	/* Reuse the output path with a one-segment budget at SND.UNA. */
	c->snd_nxt = c->snd_una;
	c->cwnd = len;
	{
		uint32_t wnd = c->snd_wnd;
		uint64_t sws = c->t_sws;

		if (wnd < len)
			c->snd_wnd = len;
		/*
		 * A retransmission shorter than an MSS (cut at a SACKed
		 * block) is no silly window and no Nagle case (RFC 9293
		 * 3.8.6.2.1 and 3.7.4 hold back new data only): let it go
		 * as if the override timer had fired.
		 */
		c->t_sws = now_us;
		tcp_conn__output(c, env, now_us, out);
		c->t_sws = sws;
		c->snd_wnd = wnd;
	}
	c->cwnd = cwnd;
	if (tcp_seq_gt(save_nxt, c->snd_nxt))
		c->snd_nxt = save_nxt;
}

/* Records received SACK blocks that lie inside (SND.UNA, SND.MAX]. */
static void take_sack(struct tcp_conn *c, const struct tcp_seg *seg)
{
	unsigned i, j;

	if (!(c->fl & TCP_CF_SACK) || !(seg->opts.present & TCP_OPTF_SACK))
		return;
	for (i = 0; i < seg->opts.sack_n && i < TCP_SACK_MAX; i++) {
		struct tcp_sack_block b = seg->opts.sack[i];

		if (!tcp_seq_lt(b.left, b.right) ||
		    !tcp_seq_gt(b.left, c->snd_una) ||
		    tcp_seq_gt(b.right, c->snd_max))
			continue; /* RFC 2018: ignore bogus blocks */
		for (j = 0; j < c->sacked_n; j++) {
			struct tcp_sack_block *h = &c->sacked[j];

			if (tcp_seq_le(b.left, h->right) &&
			    tcp_seq_ge(b.right, h->left)) {
				h->left = tcp_seq_min(h->left, b.left);
				h->right = tcp_seq_max(h->right, b.right);
				break;
			}
		}
		if (j == c->sacked_n) {
			if (c->sacked_n < TCP_SACK_MAX)
				c->sacked[c->sacked_n++] = b;
			else
				c->sacked[TCP_SACK_MAX - 1] = b;
		}
	}
}

static void prune_sack(struct tcp_conn *c)
{
	unsigned i = 0;

	while (i < c->sacked_n) {
		if (tcp_seq_le(c->sacked[i].right, c->snd_una)) {
			memmove(&c->sacked[i], &c->sacked[i + 1],
			        (c->sacked_n - i - 1) * sizeof(c->sacked[0]));
			c->sacked_n--;
			continue;
		}
		if (tcp_seq_lt(c->sacked[i].left, c->snd_una))
			c->sacked[i].left = c->snd_una;
		i++;
	}
}

/*
 * Makes 'adv' bytes already written at RCV.NXT part of the stream, then
 * every held out-of-order block that now touches RCV.NXT (SHLD-31).
 */
static void deliver_in_order(struct tcp_conn *c, uint32_t adv)
{
	uint32_t got;

	tcp_ring_commit(&c->rx, adv);
	c->rcv_nxt = tcp_seq_add(c->rcv_nxt, adv);
	/* Each merge moves RCV.NXT, so the remaining blocks shift again. */
	while ((got = tcp_reasm_advance(&c->reasm, adv)) > 0) {
		tcp_ring_commit(&c->rx, got);
		c->rcv_nxt = tcp_seq_add(c->rcv_nxt, got);
		adv = got;
	}
}

/*
 * SND.UNA < SEG.ACK =< SND.MAX: new data acknowledged. 'ece': the ACK is an
 * ECN-Echo of an ECN connection, which must not grow cwnd (RFC 3168 6.1.2).
 */
static void new_ack(struct tcp_conn *c, const struct tcp_env *env,
                    uint64_t now_us, tcp_seq ack, bool ece, struct tcp_out *out)
{
	uint32_t acked = tcp_seq_diff(ack, c->snd_una);
	uint32_t data = acked;
	uint32_t smss = tcp_conn__eff_mss(c);

	if (tcp_seq_eq(c->snd_una, c->iss))
		data--; /* our SYN */
	if ((c->fl & TCP_CF_FIN_SENT) && tcp_seq_gt(ack, c->fin_seq))
		data--; /* our FIN */
	tcp_ring_consume(&c->tx, data);
	c->snd_una = ack;
	if (tcp_seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	if ((c->fl & TCP_CF_SND_URG) && tcp_seq_ge(ack, c->snd_up))
		c->fl &= ~TCP_CF_SND_URG;

	/* RFC 6298 3 (Karn): sample only segments never retransmitted. */
	if ((c->fl & TCP_CF_RTT_TIMING) && tcp_seq_gt(ack, c->rtt_seq)) {
		c->fl &= ~TCP_CF_RTT_TIMING;
		tcp_conn__rtt_sample(c, now_us - c->rtt_start_us);
	} else if (c->rtx_count == 0) {
		tcp_conn__rto_reset(c);
	}
	/*
	 * else: RFC 6298 3 (Karn) and the note after 5.7: the backed-off RTO
	 * stays until a segment sent once is acknowledged and sampled.
	 */
	c->rtx_count = 0;
	/*
	 * RFC 9293 3.8.3 (MUST-20) and 3.10.8: what is still in flight stays
	 * under the user timeout, counted from this progress.
	 */
	c->rtx_first_us =
	    tcp_seq_eq(ack, c->snd_max) ? TCP_NO_DEADLINE : now_us;
	c->persist_shift = 0;
	c->fl &= ~TCP_CF_SOFT_ERROR;
	c->icmp_err = 0; /* new data got through: the soft error is stale */

	/* RFC 5681 3.1 / 3.2 and RFC 6582 3.2 (MUST-19). */
	if (c->fl & TCP_CF_RECOVERY) {
		if (tcp_seq_ge(ack, c->recover)) {
			uint32_t fl = tcp_seq_diff(c->snd_max, c->snd_una);

			/*
			 * Full ACK: deflate to min(ssthresh, max(FlightSize,
			 * SMSS) + SMSS) (RFC 6582 3.2 step 3, option 1).
			 */
			if (fl < smss)
				fl = smss;
			c->cwnd =
			    c->ssthresh < fl + smss ? c->ssthresh : fl + smss;
			c->fl &= ~TCP_CF_RECOVERY;
		} else {
			/* Partial ACK: resend the next hole, deflate. */
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= smss)
				c->cwnd += smss;
			if (c->cwnd < smss)
				c->cwnd = smss;
			prune_sack(c);
			retransmit_head(c, env, now_us, out);
		}
	} else if (ece) {
		/* RFC 3168 6.1.2: "SHOULD NOT increase the congestion window
		 * in response to the receipt of an ECN-Echo ACK". */
	} else if (c->cwnd < c->ssthresh) {
		/*
		 * Slow start: cwnd += min(N, SMSS), N counting data octets
		 * only: the ACK of our SYN must not lift the first flight
		 * above the initial window (RFC 5681 3.1, MUST-19).
		 */
		c->cwnd += data < smss ? data : smss;
	} else {
		/* Congestion avoidance: about one SMSS per RTT. */
		c->bytes_acked += data;
		if (c->bytes_acked >= c->cwnd) {
			c->bytes_acked -= c->cwnd;
			c->cwnd += smss;
		}
	}
	c->dupacks = 0;
	prune_sack(c);
	/*
	 * RFC 6298 5.2 and 5.3; but the timer of an ECN wait (ecn_echo)
	 * runs on when everything is acknowledged: new data waits for it.
	 */
	if (tcp_seq_eq(c->snd_una, c->snd_max)) {
		if (!(c->fl & TCP_CF_ECN_WAIT))
			c->t_rtx = TCP_NO_DEADLINE;
	} else {
		c->t_rtx = now_us + c->rto_us;
	}
}

/* RFC 5681 2 and 3.2: the duplicate ACK and fast retransmit. */
static void dup_ack(struct tcp_conn *c, const struct tcp_env *env,
                    uint64_t now_us, const struct tcp_seg *seg,
                    struct tcp_out *out)
{
	uint32_t smss = tcp_conn__eff_mss(c);

	if (tcp_seq_eq(c->snd_una, c->snd_max) || seg->payload_bytes > 0 ||
	    (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) || seg->wnd == 0 ||
	    ((uint32_t)seg->wnd << c->snd_wscale) != c->snd_wnd) {
		c->dupacks = 0;
		return;
	}
	if (c->dupacks < 255)
		c->dupacks++;
	if (c->dupacks == 3 && !(c->fl & TCP_CF_RECOVERY) &&
	    tcp_seq_ge(tcp_seq_sub(seg->ack, 1), c->recover)) {
		uint32_t half = tcp_seq_diff(c->snd_max, c->snd_una) / 2;

		c->ssthresh = half > 2 * smss ? half : 2 * smss;
		c->recover = c->snd_max;
		c->fl |= TCP_CF_RECOVERY;
		c->fl &= ~TCP_CF_RTT_TIMING; /* Karn */
		tcp_conn__cwnd_reduced(c);
		retransmit_head(c, env, now_us, out);
		c->cwnd = c->ssthresh + 3 * smss;
	} else if (c->fl & TCP_CF_RECOVERY) {
		/*
		 * Inflate for the segment that left. RFC 6582 3.2 step 4:
		 * every duplicate ACK during recovery counts, also the first
		 * ones after a partial ACK (which reset the counter).
		 */
		c->cwnd += smss;
	}
}

/* ---- SYN-SENT (3.10.7.3) --------------------------------------------------
 */

static struct tcp_verdict
after_sync_text(struct tcp_conn *c, const struct tcp_env *env, uint64_t now_us,
                const struct tcp_seg *seg, struct tcp_out *out);

static struct tcp_verdict
input_syn_sent(struct tcp_conn *c, const struct tcp_env *env, uint64_t now_us,
               const struct tcp_seg *seg, struct tcp_out *out)
{
	bool ack = (seg->flags & TCP_FLAG_ACK) != 0;

	/* First: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable (E014). */
	if (ack && (tcp_seq_le(seg->ack, c->iss) ||
	            tcp_seq_gt(seg->ack, c->snd_nxt))) {
		if (seg->flags & TCP_FLAG_RST)
			return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
			                      TCP_WHY_SYNSENT_BAD_ACK);
		send_rst_for_ack(c, now_us, seg, out);
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP_RST,
		                      TCP_WHY_SYNSENT_BAD_ACK);
	}
	/*
	 * Second: a RST with an acceptable ACK resets (E016); without ACK it
	 * is dropped (E015). RFC 5961 leaves SYN-SENT to the ACK check.
	 */
	if (seg->flags & TCP_FLAG_RST) {
		if (!ack)
			return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
			                      TCP_WHY_SYNSENT_RST_NO_ACK);
		/*
		 * 3.10.7.3 words this "error: connection reset"; we report
		 * "refused", as 3.10.7.4 does for an active SYN-RECEIVED and
		 * as connect() does on BSD and Linux (ECONNREFUSED), so that
		 * scripts compare alike.
		 */
		tcp_conn__close_now(c, env, now_us, TCP_EREFUSED,
		                    TCP_CAUSE_RCV_RST);
		return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
	}
	/* Fifth: neither SYN nor RST (E020). */
	if (!(seg->flags & TCP_FLAG_SYN))
		return tcp_conn__drop(c, env, now_us, TCP_DISP_DROP,
		                      TCP_WHY_SYNSENT_NO_SYN);
	/* Fourth: SYN. */
	c->irs = seg->seq;
	c->rcv_nxt = tcp_seq_add(seg->seq, 1);
	/*
	 * RCV.WND is the window our SYN offered (unscaled, RFC 7323 2.2):
	 * text on the SYN,ACK is processed at the sixth step of 3.10.7.4 and
	 * must not be trimmed to a zero window.
	 */
	{
		uint32_t w = tcp_ring_free(&c->rx);

		c->rcv_adv = tcp_seq_add(c->rcv_nxt, w > 0xffff ? 0xffff : w);
	}
	c->last_rcv_us = now_us;
	take_syn_options(c, now_us, seg);
	/*
	 * RFC 3168 6.1.1: after our ECN-setup SYN, ECN is used when the
	 * SYN,ACK is ECN-setup (ECE without CWR; one with both merely
	 * reflects our flags), or in a simultaneous open when the peer's SYN
	 * is ECN-setup too (our SYN,ACK then is one). Otherwise not, and
	 * nothing we send is ECN-setup any more.
	 */
	if (c->fl & TCP_CF_ECN_SYN) {
		uint16_t e = seg->flags & (TCP_FLAG_ECE | TCP_FLAG_CWR);

		if (e == (ack ? TCP_FLAG_ECE : TCP_FLAG_ECE | TCP_FLAG_CWR))
			c->fl |= TCP_CF_ECN;
		else
			c->fl &= ~TCP_CF_ECN_SYN;
	}
	c->snd_wnd = seg->wnd; /* unscaled on a SYN (RFC 7323 2.2) */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	c->recover = c->iss;
	if (ack) {
		/* Our SYN is acked (E018): ESTABLISHED. */
		if ((c->fl & TCP_CF_RTT_TIMING) && !(c->fl & TCP_CF_RTX_SYN))
			tcp_conn__rtt_sample(c, now_us - c->rtt_start_us);
		c->fl &= ~TCP_CF_RTT_TIMING;
		c->snd_una = seg->ack;
		/* Our SYN got through: earlier soft errors are stale
		 * (SHLD-25), and so is R1's (SHLD-9). */
		c->icmp_err = 0;
		c->fl &= ~TCP_CF_SOFT_ERROR;
		c->t_rtx = TCP_NO_DEADLINE;
		c->rtx_count = 0;
		c->rtx_first_us = TCP_NO_DEADLINE;
		tcp_conn__rto_reset(c);
		/* RFC 6298 5.7: after a lost SYN, at least 3 s. */
		if ((c->fl & TCP_CF_RTX_SYN) && c->rto_us < 3000000u)
			c->rto_us = 3000000u;
		c->cwnd = first_cwnd(c);
		tcp_conn__set_state(c, env, now_us, TCP_ESTABLISHED,
		                    TCP_CAUSE_RCV_SYN_ACK);
		c->fl |= TCP_CF_ACK_NOW;
		/* "Continue processing at the sixth step" with the rest. */
		if (seg->payload_bytes > 0 ||
		    (seg->flags & (TCP_FLAG_URG | TCP_FLAG_FIN))) {
			struct tcp_seg rest = *seg;

			rest.flags &= (uint16_t)~TCP_FLAG_SYN;
			rest.seq = tcp_seq_add(seg->seq, 1);
			return after_sync_text(c, env, now_us, &rest, out);
		}
		tcp_conn__output(c, env, now_us, out);
		return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
	}
	/*
	 * Simultaneous open (E019, MUST-10): SYN-RECEIVED, send
	 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. Text on the SYN is held.
	 */
	if (seg->payload_bytes > 0) {
		uint32_t n = seg->payload_bytes;

		if (n > tcp_ring_free(&c->rx))
			n = tcp_ring_free(&c->rx);
		if (n > 0 && tcp_reasm_add(&c->reasm, 0, n) == 0)
			tcp_ring_write_beyond(&c->rx, 0, seg->payload, n);
	}
	tcp_conn__set_state(c, env, now_us, TCP_SYN_RECEIVED,
	                    TCP_CAUSE_RCV_SYN);
	tcp_conn__send_syn(c, now_us, true, out);
	c->t_rtx = now_us + c->rto_us;
	return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
}

/* ---- SYN-RECEIVED and the synchronized states (3.10.7.4) ----------------- */

/* RFC 7323 5.3 R1: PAWS, before the sequence check. */
static struct step step_paws(struct tcp_conn *c, const struct tcp_env *env,
                             uint64_t now_us, const struct tcp_seg *seg,
                             struct tcp_out *out)
{
	if (!(c->fl & TCP_CF_TS) || (seg->flags & TCP_FLAG_RST))
		return GO; /* RFC 7323 5.2: a RST is exempt */
	if (!(seg->opts.present & TCP_OPTF_TS))
		/* RFC 7323 3.2: SHOULD drop a non-RST segment without TSopt. */
		return stop_with(c, env, now_us, TCP_DISP_DROP,
		                 TCP_WHY_NO_TIMESTAMP);
	if ((int32_t)(seg->opts.tsval - c->ts_recent) < 0) {
		if (now_us - c->ts_recent_us > TS_RECENT_VALID_US) {
			/*
			 * RFC 7323 5.5: TS.Recent is stale, so R1 does not
			 * apply. It is replaced by R3 in step_seq, and only if
			 * the segment is acceptable (an old duplicate outside
			 * the window must not plant a TS.Recent).
			 */
			return GO;
		}
		tcp_conn__send_ack(c, now_us, out);
		return stop_with(c, env, now_us, TCP_DISP_DROP_ACK,
		                 TCP_WHY_PAWS);
	}
	return GO;
}

/* Table 6 of 3.10.7.4: the four acceptability cases. */
static bool acceptable(const struct tcp_conn *c, const struct tcp_seg *seg)
{
	uint32_t len = tcp_seg_len(seg);
	uint32_t wnd = tcp_conn__rcv_wnd(c);
	tcp_seq right = tcp_seq_add(c->rcv_nxt, wnd);

	if (len == 0 && wnd == 0)
		return tcp_seq_eq(seg->seq, c->rcv_nxt);
	if (len == 0)
		return tcp_seq_in(seg->seq, c->rcv_nxt, right);
	if (wnd == 0)
		return false;
	return tcp_seq_in(seg->seq, c->rcv_nxt, right) ||
	       tcp_seq_in(tcp_seq_add(seg->seq, len - 1), c->rcv_nxt, right);
}

/* First: check sequence number (E025, E042, E062, E072, E080, ...). */
static struct step step_seq(struct tcp_conn *c, const struct tcp_env *env,
                            uint64_t now_us, struct tcp_seg *seg,
                            struct tcp_out *out)
{
	if (!acceptable(c, seg)) {
		/*
		 * MUST-66: with a zero window, a segment at RCV.NXT still
		 * has its ACK, URG and RST processed; its text is not taken.
		 */
		if (tcp_conn__rcv_wnd(c) == 0 &&
		    tcp_seq_eq(seg->seq, c->rcv_nxt) &&
		    !(seg->flags & TCP_FLAG_SYN)) {
			seg->payload_bytes = 0;
			seg->flags &= (uint16_t)~TCP_FLAG_FIN;
			c->fl |= TCP_CF_ACK_NOW; /* answer the probe */
			return GO;
		}
		/* A RST is never answered; out of window it is dropped. */
		if (seg->flags & TCP_FLAG_RST)
			return stop_with(c, env, now_us, TCP_DISP_DROP,
			                 TCP_WHY_RST_OUT_OF_WINDOW);
		/*
		 * A retransmitted FIN in TIME-WAIT restarts the 2*MSL wait
		 * (the intent of 3.10.7.4 fifth and eighth, E107).
		 */
		if (c->state == TCP_TIME_WAIT && (seg->flags & TCP_FLAG_FIN))
			tcp_conn__start_timewait(c, now_us);
		tcp_conn__send_ack(c, now_us, out);
		return stop_with(c, env, now_us, TCP_DISP_DROP_ACK,
		                 TCP_WHY_SEQ_NOT_ACCEPTABLE);
	}
	/* RFC 7323 5.3 R3: remember the timestamp to echo. */
	if ((c->fl & TCP_CF_TS) && (seg->opts.present & TCP_OPTF_TS) &&
	    !(seg->flags & TCP_FLAG_RST) &&
	    ((int32_t)(seg->opts.tsval - c->ts_recent) >= 0 ||
	     now_us - c->ts_recent_us > TS_RECENT_VALID_US /* 5.5 */) &&
	    tcp_seq_le(seg->seq, c->last_ack_sent)) {
		c->ts_recent = seg->opts.tsval;
		c->ts_recent_us = now_us;
	}
	c->last_rcv_us = now_us;
	c->ka_sent = 0;
	return GO;
}

/* Second: check the RST bit (E026-E029, E043-E045, E063/E064, ...). */
static struct step step_rst(struct tcp_conn *c, const struct tcp_env *env,
                            uint64_t now_us, const struct tcp_seg *seg,
                            struct tcp_out *out)
{
	if (!(seg->flags & TCP_FLAG_RST))
		return GO;
	/*
	 * RFC 5961 3.2 (and 3.10.7.4 second): only SEG.SEQ = RCV.NXT resets;
	 * elsewhere in the window draws a challenge ACK. Legacy (RFC 793):
	 * any in-window RST resets. SHLD-2: a RST with data is accepted.
	 */
	/*
	 * 3.5.2: "all reset (RST) segments are validated by checking their
	 * SEQ fields. A reset is valid if its sequence number is in the
	 * window"; RFC 5961 3.2 1) the same. A RST whose text only reaches
	 * into the window from below RCV.NXT passed the first check (Table 6
	 * looks at its last octet) but its SEQ is outside: dropped silently,
	 * under every profile (found by fuzz_diff_lwip).
	 */
	if (!tcp_seq_in(seg->seq, c->rcv_nxt,
	                tcp_seq_add(c->rcv_nxt, tcp_conn__rcv_wnd(c))) &&
	    !tcp_seq_eq(seg->seq, c->rcv_nxt))
		return stop_with(c, env, now_us, TCP_DISP_DROP,
		                 TCP_WHY_RST_OUT_OF_WINDOW);
	if (c->cfg->rfc5961 && !tcp_seq_eq(seg->seq, c->rcv_nxt))
		return challenge_ack(c, env, now_us, TCP_WHY_RST_CHALLENGE,
		                     out);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
		if (c->fl & TCP_CF_REOPENED) {
			/*
			 * From TIME-WAIT: the reopening SYN was an old
			 * duplicate, back to TIME-WAIT (3.6.1 (2), MAY-2).
			 */
			tcp_conn__return_to_timewait(c, env, now_us,
			                             TCP_CAUSE_RCV_RST);
			return stop_accept();
		}
		if (c->fl & TCP_CF_PASSIVE) {
			/* From LISTEN: back to LISTEN (MUST-11, E027). */
			tcp_conn__return_to_listen(c, env, now_us,
			                           TCP_CAUSE_RCV_RST);
			return stop_accept();
		}
		/* From SYN-SENT: "connection refused" (E028). */
		tcp_conn__close_now(c, env, now_us, TCP_EREFUSED,
		                    TCP_CAUSE_RCV_RST);
		return stop_accept();
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		/* "reset" to the user, queues flushed (MUST-12). */
		tcp_conn__close_now(c, env, now_us, TCP_ERESET,
		                    TCP_CAUSE_RCV_RST);
		c->rx.len = 0;
		return stop_accept();
	case TCP_TIME_WAIT:
		if (c->cfg->rfc1337)
			return stop_with(c, env, now_us, TCP_DISP_DROP,
			                 TCP_WHY_RST_TIME_WAIT);
		/* fall through */
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		tcp_conn__close_now(c, env, now_us, 0, TCP_CAUSE_RCV_RST);
		return stop_accept();
	default:
		return GO; /* not reached: other states have own functions */
	}
}

/* Fourth: check the SYN bit (E031-E033, E047/E048, E065/E066, ...). */
static struct step step_syn(struct tcp_conn *c, const struct tcp_env *env,
                            uint64_t now_us, const struct tcp_seg *seg,
                            struct tcp_out *out)
{
	if (!(seg->flags & TCP_FLAG_SYN))
		return GO;
	if (c->state == TCP_SYN_RECEIVED && (c->fl & TCP_CF_REOPENED)) {
		/*
		 * Reopened from TIME-WAIT (3.6.1 MAY-2): where a passive open
		 * returns to LISTEN, return to the saved TIME-WAIT, which is
		 * also what condition (2) asks for a doubtful SYN.
		 */
		tcp_conn__return_to_timewait(c, env, now_us,
		                             TCP_CAUSE_RCV_SYN_RESTART);
		return stop_with(c, env, now_us, TCP_DISP_DROP,
		                 TCP_WHY_SYN_RESTART);
	}
	if (c->state == TCP_SYN_RECEIVED && (c->fl & TCP_CF_PASSIVE)) {
		/* "return to the LISTEN state and return" (E031). */
		tcp_conn__return_to_listen(c, env, now_us,
		                           TCP_CAUSE_RCV_SYN_RESTART);
		return stop_with(c, env, now_us, TCP_DISP_DROP,
		                 TCP_WHY_SYN_RESTART);
	}
	if (c->cfg->rfc5961) {
		/* RFC 5961 4.2: challenge ACK whatever the SEQ. */
		return challenge_ack(c, env, now_us, TCP_WHY_SYN_CHALLENGE,
		                     out);
	}
	/*
	 * RFC 793 (legacy): a SYN in the window is an error: reset, flush,
	 * CLOSED. (An out-of-window SYN was answered in the first step.) The
	 * RFC gives no form for this reset; the one of 3.10.7.1 is the one a
	 * peer that restarted (now in SYN-SENT) accepts, as 4.4BSD sends.
	 */
	tcp_reply_closed(&c->tuple, seg, out);
	tcp_conn__close_now(c, env, now_us, TCP_ERESET,
	                    TCP_CAUSE_RCV_SYN_IN_WINDOW);
	return stop_with(c, env, now_us, TCP_DISP_DROP_RST, TCP_WHY_SYN_RESET);
}

/*
 * RFC 3168 6.1.2 (SHLD-8): an ACK with ECE on an ECN connection reports a
 * CE mark on our data, "treated just as a congestion loss": ssthresh =
 * max(FlightSize / 2, 2*SMSS) (RFC 5681 (4)), cwnd halved but kept at one
 * SMSS at least (and not grown by this ACK, new_ack), CWR on the next new
 * data. Once per window of data: not while loss recovery runs, nor for an
 * ACK that covers no more than what was sent at the last reduction
 * (ecn_recover), since the peer repeats ECE until our CWR reaches it. At a
 * cwnd of one SMSS already, "the sending TCP MUST reset the retransmit
 * timer" and sends new data only once it expires (TCP_CF_ECN_WAIT).
 */
static void ecn_echo(struct tcp_conn *c, uint64_t now_us, tcp_seq ack,
                     uint32_t flight_before)
{
	uint32_t smss = tcp_conn__eff_mss(c);
	bool one = c->cwnd <= smss;

	if ((c->fl & TCP_CF_RECOVERY) || !tcp_seq_gt(ack, c->ecn_recover))
		return;
	c->ssthresh =
	    flight_before / 2 > 2 * smss ? flight_before / 2 : 2 * smss;
	c->cwnd = c->cwnd / 2 > smss ? c->cwnd / 2 : smss;
	c->bytes_acked = 0;
	tcp_conn__cwnd_reduced(c);
	if (one) {
		c->t_rtx = now_us + c->rto_us;
		c->fl |= TCP_CF_ECN_WAIT;
	}
}

/*
 * RFC 3168 6.1.3 (receiver side): an acceptable data segment marked CE
 * makes every later ACK carry ECE until a segment with CWR arrives; a CWR
 * segment that is itself CE starts it again. Only segments that passed the
 * sequence check get here: CE on one outside the window is ignored (6.1.5
 * SHOULD), CE on a window probe counts (6.1.6: its sequence number is
 * exact). 'in' is the segment as received, before a zero window cut its
 * text.
 */
static void ecn_receive(struct tcp_conn *c, const struct tcp_seg *in)
{
	if (!(c->fl & TCP_CF_ECN))
		return;
	if (in->flags & TCP_FLAG_CWR)
		c->fl &= ~TCP_CF_ECE_SEND;
	if (in->ecn == TCP_ECN_CE && in->payload_bytes > 0)
		c->fl |= TCP_CF_ECE_SEND;
}

static bool fin_acked(const struct tcp_conn *c)
{
	return (c->fl & TCP_CF_FIN_SENT) && tcp_seq_gt(c->snd_una, c->fin_seq);
}

/* Fifth: check the ACK field (E034-E037, E049-E051, E058, E089, E098). */
static struct step step_ack(struct tcp_conn *c, const struct tcp_env *env,
                            uint64_t now_us, const struct tcp_seg *seg,
                            struct tcp_out *out)
{
	tcp_seq ack = seg->ack;
	uint32_t flight_before;
	bool ece;

	if (!(seg->flags & TCP_FLAG_ACK))
		return stop_with(c, env, now_us, TCP_DISP_DROP, TCP_WHY_NO_ACK);

	if (c->state == TCP_SYN_RECEIVED) {
		if (!tcp_seq_gt(ack, c->snd_una) ||
		    tcp_seq_gt(ack, c->snd_nxt)) {
			/* <SEQ=SEG.ACK><CTL=RST> (E035). */
			send_rst_for_ack(c, now_us, seg, out);
			return stop_with(c, env, now_us, TCP_DISP_DROP_RST,
			                 TCP_WHY_SYNRCVD_BAD_ACK);
		}
		/* E036: ESTABLISHED with the window of this segment. */
		c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = ack;
		c->cwnd = first_cwnd(c);
		tcp_conn__set_state(c, env, now_us, TCP_ESTABLISHED,
		                    TCP_CAUSE_RCV_ACK);
		new_ack(c, env, now_us, ack, false, out);
		if ((c->fl & TCP_CF_RTX_SYN) && c->rto_us < 3000000u)
			c->rto_us = 3000000u; /* RFC 6298 5.7 */
		/* Text that rode on the SYN is now delivered. */
		if (c->reasm.n > 0) {
			deliver_in_order(c, 0);
			c->fl |= TCP_CF_ACK_NOW;
		}
		/* A FIN queued by CLOSE in SYN-RECEIVED goes out now. */
		if ((c->fl & TCP_CF_FIN_QUEUED) && c->state == TCP_ESTABLISHED)
			tcp_conn__set_state(c, env, now_us, TCP_FIN_WAIT_1,
			                    TCP_CAUSE_USER_CLOSE);
		if (fin_acked(c) && c->state == TCP_FIN_WAIT_1)
			tcp_conn__set_state(c, env, now_us, TCP_FIN_WAIT_2,
			                    TCP_CAUSE_RCV_ACK);
		return GO;
	}

	/*
	 * RFC 5961 5.2 (MAY-12): SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT,
	 * otherwise an ACK (throttled) and drop.
	 */
	if (c->cfg->rfc5961 &&
	    (tcp_seq_lt(ack, tcp_seq_sub(c->snd_una, c->max_snd_wnd)) ||
	     tcp_seq_gt(ack, c->snd_max)))
		return challenge_ack(c, env, now_us, TCP_WHY_ACK_NOT_ACCEPTABLE,
		                     out);
	/* "If the ACK acks something not yet sent": ACK and drop (E050). */
	if (tcp_seq_gt(ack, c->snd_max)) {
		tcp_conn__send_ack(c, now_us, out);
		return stop_with(c, env, now_us, TCP_DISP_DROP_ACK,
		                 TCP_WHY_ACK_UNSENT);
	}
	ece = (c->fl & TCP_CF_ECN) && (seg->flags & TCP_FLAG_ECE);
	flight_before = tcp_seq_diff(c->snd_max, c->snd_una);
	take_sack(c, seg);
	if (tcp_seq_gt(ack, c->snd_una)) {
		new_ack(c, env, now_us, ack, ece, out);
		/*
		 * Text held from the SYN when CLOSE moved SYN-RECEIVED
		 * straight to FIN-WAIT-1: the ACK of our SYN releases it.
		 */
		if (c->reasm.n > 0 && c->reasm.blk[0].off == 0) {
			deliver_in_order(c, 0);
			c->fl |= TCP_CF_ACK_NOW;
		}
	} else if (tcp_seq_eq(ack, c->snd_una))
		dup_ack(c, env, now_us, seg, out);
	if (ece)
		ecn_echo(c, now_us, ack, flight_before);
	/* Send window update (ESTABLISHED and every state that shares it). */
	if (tcp_seq_le(c->snd_una, ack) && tcp_seq_le(ack, c->snd_max) &&
	    (tcp_seq_lt(c->snd_wl1, seg->seq) ||
	     (tcp_seq_eq(c->snd_wl1, seg->seq) &&
	      tcp_seq_le(c->snd_wl2, ack)))) {
		/* MUST-1: the window is unsigned; REC-1: 32-bit arithmetic. */
		c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = ack;
		if (c->snd_wnd > 0) {
			c->t_persist = TCP_NO_DEADLINE;
			c->persist_shift = 0;
		}
	}
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		/* E058: our FIN acknowledged -> FIN-WAIT-2. */
		if (fin_acked(c))
			tcp_conn__set_state(c, env, now_us, TCP_FIN_WAIT_2,
			                    TCP_CAUSE_RCV_ACK);
		break;
	case TCP_CLOSING:
		/* E089: our FIN acknowledged -> TIME-WAIT. */
		if (fin_acked(c)) {
			tcp_conn__set_state(c, env, now_us, TCP_TIME_WAIT,
			                    TCP_CAUSE_RCV_ACK);
			tcp_conn__start_timewait(c, now_us);
			return stop_accept();
		}
		break;
	case TCP_LAST_ACK:
		/* E098: our FIN acknowledged -> CLOSED. */
		if (fin_acked(c)) {
			tcp_conn__close_now(c, env, now_us, 0,
			                    TCP_CAUSE_RCV_ACK);
			return stop_accept();
		}
		break;
	default:
		/* ESTABLISHED, FIN-WAIT-2, CLOSE-WAIT, TIME-WAIT. */
		break;
	}
	return GO;
}

/* Sixth: check the URG bit (MUST-30, MUST-31, MUST-32, MUST-62). */
static void step_urg(struct tcp_conn *c, const struct tcp_seg *seg)
{
	tcp_seq up;

	if (!(seg->flags & TCP_FLAG_URG))
		return;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
	    c->state != TCP_FIN_WAIT_2)
		return; /* after a FIN: ignore */
	up = tcp_seq_add(seg->seq, seg->urp);
	if (!(c->fl & TCP_CF_RCV_URG) || tcp_seq_gt(up, c->rcv_up)) {
		c->rcv_up = up;
		c->fl |= TCP_CF_RCV_URG | TCP_CF_URG_SIGNAL;
	}
}

/* Seventh: process the segment text (E051, E061, E071). */
static struct step step_text(struct tcp_conn *c, const struct tcp_env *env,
                             uint64_t now_us, const struct tcp_seg *seg,
                             struct tcp_out *out)
{
	uint32_t off, len, room;
	uint32_t had_ooo;

	if (seg->payload_bytes == 0)
		return GO;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
	    c->state != TCP_FIN_WAIT_2) {
		/* CLOSE-WAIT and later: text after a FIN is ignored. */
		return GO;
	}
	if (c->fl & TCP_CF_APP_GONE) {
		/* SHLD-3: data for an application that closed: reset. */
		tcp_conn__send_ctl(c, now_us, TCP_FLAG_RST, c->snd_nxt,
		                   tcp_seq_make(0), out);
		tcp_conn__close_now(c, env, now_us, TCP_ERESET,
		                    TCP_CAUSE_RCV_DATA_AFTER_CLOSE);
		return stop_with(c, env, now_us, TCP_DISP_DROP_RST,
		                 TCP_WHY_DATA_AFTER_CLOSE);
	}
	off = tcp_seq_diff(seg->seq, c->rcv_nxt);
	room = tcp_ring_free(&c->rx);
	if (off >= room)
		return GO; /* cannot happen after trimming to the window */
	len = seg->payload_bytes;
	if (len > room - off)
		len = room - off;
	if (off > 0) {
		/* SHLD-31: hold it; RFC 5681 4.2: a duplicate ACK at once. */
		if (tcp_reasm_add(&c->reasm, off, len) != 0) {
			tcp_conn__send_ack(c, now_us, out);
			return stop_with(c, env, now_us, TCP_DISP_DROP_ACK,
			                 TCP_WHY_REASSEMBLY_FULL);
		}
		tcp_ring_write_beyond(&c->rx, off, seg->payload, len);
		c->fl |= TCP_CF_ACK_NOW;
		return GO;
	}
	had_ooo = c->reasm.n;
	tcp_ring_write_beyond(&c->rx, 0, seg->payload, len);
	deliver_in_order(c, len);
	if (len > c->rcv_mss_seen)
		c->rcv_mss_seen = len > 0xffff ? 0xffff : (uint16_t)len;
	/* MAY-13 / RFC 5681 4.2: a gap filled is acknowledged at once. */
	tcp_conn__ack_data(c, now_us, len, had_ooo > 0);
	return GO;
}

/* Eighth: check the FIN bit (E037, E052, E059, E060, E070, E107). */
static struct step step_fin(struct tcp_conn *c, const struct tcp_env *env,
                            uint64_t now_us, const struct tcp_seg *seg)
{
	tcp_seq end = tcp_seq_add(seg->seq, seg->payload_bytes);

	if (seg->flags & TCP_FLAG_FIN) {
		if (tcp_seq_gt(end, c->rcv_nxt)) {
			/*
			 * SHLD-31: a FIN beyond a hole is held, like the text
			 * before it (step_text kept all of it, or stopped);
			 * RFC 5681 4.2: a duplicate ACK at once.
			 */
			if (!(c->fl & TCP_CF_FIN_RCVD)) {
				c->fl |= TCP_CF_FIN_HELD | TCP_CF_ACK_NOW;
				c->rcv_fin = end;
			}
			return GO;
		}
		/* Only a FIN at RCV.NXT (all text before it taken). */
		if (!tcp_seq_eq(end, c->rcv_nxt))
			return GO;
	} else if (!(c->fl & TCP_CF_FIN_HELD) ||
	           !tcp_seq_eq(c->rcv_fin, c->rcv_nxt)) {
		return GO; /* no FIN, or a held one the text has not reached */
	}
	c->fl &= ~TCP_CF_FIN_HELD;
	if (!(c->fl & TCP_CF_FIN_RCVD)) {
		c->rcv_nxt = tcp_seq_add(c->rcv_nxt, 1);
		c->fl |= TCP_CF_FIN_RCVD;
	}
	/* "advance RCV.NXT over the FIN and send an acknowledgment". */
	c->fl |= TCP_CF_ACK_NOW;
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_conn__set_state(c, env, now_us, TCP_CLOSE_WAIT,
		                    TCP_CAUSE_RCV_FIN);
		break;
	case TCP_FIN_WAIT_1:
		if (fin_acked(c)) {
			tcp_conn__set_state(c, env, now_us, TCP_TIME_WAIT,
			                    TCP_CAUSE_RCV_FIN_ACK);
			tcp_conn__start_timewait(c, now_us);
		} else {
			tcp_conn__set_state(c, env, now_us, TCP_CLOSING,
			                    TCP_CAUSE_RCV_FIN);
		}
		break;
	case TCP_FIN_WAIT_2:
		tcp_conn__set_state(c, env, now_us, TCP_TIME_WAIT,
		                    TCP_CAUSE_RCV_FIN);
		tcp_conn__start_timewait(c, now_us);
		break;
	case TCP_TIME_WAIT:
		tcp_conn__start_timewait(c, now_us);
		break;
	default:
		/* CLOSE-WAIT, CLOSING, LAST-ACK: remain. */
		break;
	}
	return GO;
}

/* Trims an accepted segment to the receive window (3.10.7.4 first). */
static void trim_to_window(const struct tcp_conn *c, struct tcp_seg *seg)
{
	uint32_t wnd = tcp_conn__rcv_wnd(c);
	tcp_seq right = tcp_seq_add(c->rcv_nxt, wnd);

	if (tcp_seq_lt(seg->seq, c->rcv_nxt)) {
		uint32_t skip = tcp_seq_diff(c->rcv_nxt, seg->seq);

		if (skip >= seg->payload_bytes) {
			if (skip > seg->payload_bytes)
				seg->flags &= (uint16_t)~TCP_FLAG_FIN;
			skip = seg->payload_bytes;
		}
		seg->payload += skip;
		seg->payload_bytes -= skip;
		seg->seq = tcp_seq_add(seg->seq, skip);
		if (seg->urp >= skip)
			seg->urp = (uint16_t)(seg->urp - skip);
		else
			seg->flags &= (uint16_t)~TCP_FLAG_URG;
	}
	if (tcp_seq_gt(tcp_seq_add(seg->seq, seg->payload_bytes), right)) {
		uint32_t keep = tcp_seq_gt(right, seg->seq)
		                    ? tcp_seq_diff(right, seg->seq)
		                    : 0;

		seg->payload_bytes = keep;
		seg->flags &= (uint16_t)~TCP_FLAG_FIN;
	}
}

/* Steps six to eight, shared with SYN-SENT's "continue at the sixth". */
static struct tcp_verdict
after_sync_text(struct tcp_conn *c, const struct tcp_env *env, uint64_t now_us,
                const struct tcp_seg *seg, struct tcp_out *out)
{
	struct tcp_seg s = *seg;
	struct step st;

	trim_to_window(c, &s);
	step_urg(c, &s);
	st = step_text(c, env, now_us, &s, out);
	if (st.stop)
		return st.v;
	step_fin(c, env, now_us, &s);
	tcp_conn__output(c, env, now_us, out);
	return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
}

static struct tcp_verdict input_sync(struct tcp_conn *c,
                                     const struct tcp_env *env, uint64_t now_us,
                                     const struct tcp_seg *in,
                                     struct tcp_out *out)
{
	struct tcp_seg seg = *in;
	struct step st;

	/*
	 * RFC 3168 6.1.1: "If a host has received at least one non-ECN-setup
	 * SYN ... it SHOULD NOT set ECT on data packets": the peer's SYN
	 * again, now without ECE and CWR (the fallback of 6.1.1.1 after a
	 * lost SYN,ACK). Answering ECE and CE marks goes on.
	 */
	if (c->state == TCP_SYN_RECEIVED && (c->fl & TCP_CF_ECN) &&
	    (in->flags & TCP_FLAG_SYN) && tcp_seq_eq(in->seq, c->irs) &&
	    (in->flags & (TCP_FLAG_ECE | TCP_FLAG_CWR)) !=
	        (TCP_FLAG_ECE | TCP_FLAG_CWR))
		c->fl |= TCP_CF_ECN_NO_ECT;
	st = step_paws(c, env, now_us, &seg, out);
	if (st.stop)
		return st.v;
	st = step_seq(c, env, now_us, &seg, out);
	if (st.stop)
		return st.v;
	st = step_rst(c, env, now_us, &seg, out);
	if (st.stop)
		return st.v;
	/* Third: security (IP security options) is not implemented. */
	st = step_syn(c, env, now_us, &seg, out);
	if (st.stop)
		return st.v;
	st = step_ack(c, env, now_us, &seg, out);
	if (st.stop) {
		if (c->state != TCP_CLOSED)
			tcp_conn__output(c, env, now_us, out);
		return st.v;
	}
	ecn_receive(c, in);
	return after_sync_text(c, env, now_us, &seg, out);
}

struct tcp_verdict tcp_conn_input(struct tcp_conn *c, const struct tcp_env *env,
                                  uint64_t now_us, const struct tcp_tuple *t,
                                  const struct tcp_seg *seg,
                                  struct tcp_out *out)
{
	switch (c->state) {
	case TCP_CLOSED:
		return input_closed(c, env, now_us, t, seg, out);
	case TCP_LISTEN:
		return input_listen(c, env, now_us, t, seg, out);
	case TCP_SYN_SENT:
		return input_syn_sent(c, env, now_us, seg, out);
	default:
		return input_sync(c, env, now_us, seg, out);
	}
}
