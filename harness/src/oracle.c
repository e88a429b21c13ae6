/* SPDX-License-Identifier: MIT
 *
 * The protocol oracle (oracle.h): legal state transitions with their causes,
 * sequence variables in order, queues and windows within their buffers,
 * every emitted segment well-formed and inside the sequence space, no RST
 * for a RST, nothing in reply to an ICMP error.
 */
#include "shakedown/oracle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shakedown/edges.h"
#include "tcpref/wire.h"

/*
 * The oracle is not part of what a fuzzer explores: no coverage feedback
 * from it (it would only add noise and cost speed).
 */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define OR_FN __attribute__((no_sanitize("coverage")))
#endif
#endif
#ifndef OR_FN
#define OR_FN
#endif

__attribute__((format(printf, 2, 3))) OR_FN static void
or_fail(struct sd_oracle *o, const char *fmt, ...)
{
	va_list ap;

	if (o->failed)
		return;
	o->failed = true;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
	va_end(ap);
}

/* True for the name the stack gives what it has no name for ("?"):
 * strcmp(s, "?") == 0 without a call to strcmp, which libFuzzer intercepts
 * in its builds (and records both strings, on every step). */
OR_FN static inline bool unnamed(const char *s)
{
	return s[0] == '?' && s[1] == '\0';
}

/* Records the first violation and leaves the calling check. */
#define FAIL(...)                                                              \
	do {                                                                   \
		or_fail(o, __VA_ARGS__);                                       \
		return;                                                        \
	} while (0)

OR_FN void sd_oracle_init(struct sd_oracle *o, const struct tcp_cfg *cfg,
                          const struct tcp_stack_slot *slots, size_t n,
                          uint32_t rx_bytes, uint32_t tx_bytes)
{
	size_t k;

	o->cfg = cfg;
	o->slots = slots;
	o->n = n < SD_ORACLE_SLOTS ? n : SD_ORACLE_SLOTS;
	o->rx_bytes = rx_bytes;
	o->tx_bytes = tx_bytes;
	o->step = SD_STEP_TIME;
	o->have_in = false;
	o->trace_n = 0;
	memset(o->sh, 0, sizeof(o->sh));
	memset(o->snap, 0, sizeof(o->snap));
	for (k = 0; k < SD_ORACLE_SLOTS; k++)
		o->sh[k].state = TCP_CLOSED;
	o->failed = false;
	o->msg[0] = '\0';
}

const struct sd_oracle_shadow *sd_oracle_slot(const struct sd_oracle *o,
                                              size_t k)
{
	return &o->sh[k < SD_ORACLE_SLOTS ? k : 0];
}

/* ---- Legal transitions --------------------------------------------------- */

#define C(x) (1u << TCP_CAUSE_##x)

/* Causes every state but LISTEN, CLOSED and TIME-WAIT may close with. */
#define OR_ABORTS                                                              \
	(C(USER_ABORT) | C(RCV_RST) | C(TIMEOUT_USER) | C(ICMP_HARD_ERROR))

/*
 * The causes allowed for each (from, to) pair: RFC 9293's diagram, the
 * edge list E001..E115 of the conformance checklist, and the documented
 * extras (ICMP hard errors, SHLD-26; keep-alive and user timeouts; SHLD-3
 * data after close; the RFC 1122 / 6191 TIME-WAIT reopening).
 */
OR_FN static uint32_t allowed_causes(const struct sd_oracle *o,
                                     const struct sd_oracle_shadow *sh,
                                     enum tcp_state from, enum tcp_state to)
{
	bool legacy = !o->cfg->rfc5961;
	uint32_t syn_win = legacy ? C(RCV_SYN_IN_WINDOW) : 0;

	switch (from) {
	case TCP_CLOSED:
		if (to == TCP_LISTEN)
			return C(USER_OPEN_PASSIVE);
		if (to == TCP_SYN_SENT)
			return C(USER_OPEN_ACTIVE);
		return 0;
	case TCP_LISTEN:
		if (to == TCP_CLOSED)
			return C(USER_CLOSE) | C(USER_ABORT);
		if (to == TCP_SYN_SENT)
			return C(USER_OPEN_ACTIVE);
		if (to == TCP_SYN_RECEIVED)
			return C(RCV_SYN);
		return 0;
	case TCP_SYN_SENT:
		if (to == TCP_CLOSED)
			return OR_ABORTS | C(USER_CLOSE);
		if (to == TCP_ESTABLISHED)
			return C(RCV_SYN_ACK);
		if (to == TCP_SYN_RECEIVED)
			return C(RCV_SYN);
		return 0;
	case TCP_SYN_RECEIVED:
		if (to == TCP_LISTEN)
			return sh->passive && !sh->reopened
			           ? C(RCV_RST) | C(RCV_SYN_RESTART)
			           : 0;
		if (to == TCP_TIME_WAIT)
			return sh->reopened ? C(RCV_RST) | C(RCV_SYN_RESTART)
			                    : 0;
		if (to == TCP_CLOSED)
			return C(USER_ABORT) | C(TIMEOUT_USER) |
			       C(ICMP_HARD_ERROR) |
			       (!sh->passive && !sh->reopened
			            ? C(RCV_RST) | syn_win
			            : 0);
		if (to == TCP_ESTABLISHED)
			return C(RCV_ACK);
		if (to == TCP_CLOSE_WAIT)
			return C(RCV_FIN);
		if (to == TCP_FIN_WAIT_1)
			return C(USER_CLOSE);
		return 0;
	case TCP_ESTABLISHED:
		if (to == TCP_CLOSE_WAIT)
			return C(RCV_FIN);
		if (to == TCP_FIN_WAIT_1)
			return C(USER_CLOSE);
		if (to == TCP_CLOSED)
			return OR_ABORTS | syn_win | C(TIMEOUT_KEEPALIVE) |
			       C(RCV_DATA_AFTER_CLOSE);
		return 0;
	case TCP_FIN_WAIT_1:
		if (to == TCP_FIN_WAIT_2)
			return C(RCV_ACK);
		if (to == TCP_CLOSING)
			return C(RCV_FIN);
		if (to == TCP_TIME_WAIT)
			return C(RCV_FIN_ACK);
		if (to == TCP_CLOSED)
			return OR_ABORTS | syn_win | C(RCV_DATA_AFTER_CLOSE);
		return 0;
	case TCP_FIN_WAIT_2:
		if (to == TCP_TIME_WAIT)
			return C(RCV_FIN);
		if (to == TCP_CLOSED)
			return OR_ABORTS | syn_win | C(TIMEOUT_KEEPALIVE) |
			       C(RCV_DATA_AFTER_CLOSE);
		return 0;
	case TCP_CLOSE_WAIT:
		if (to == TCP_LAST_ACK)
			return C(USER_CLOSE);
		if (to == TCP_CLOSED)
			return OR_ABORTS | syn_win | C(TIMEOUT_KEEPALIVE);
		return 0;
	case TCP_CLOSING:
		if (to == TCP_TIME_WAIT)
			return C(RCV_ACK);
		if (to == TCP_CLOSED)
			return OR_ABORTS | syn_win;
		return 0;
	case TCP_LAST_ACK:
		if (to == TCP_CLOSED)
			return OR_ABORTS | syn_win | C(RCV_ACK);
		return 0;
	case TCP_TIME_WAIT:
		if (to == TCP_CLOSED)
			return C(TIMEOUT_TIME_WAIT) | C(USER_ABORT) | syn_win |
			       (o->cfg->rfc1337 ? 0 : C(RCV_RST));
		if (to == TCP_SYN_RECEIVED)
			return o->cfg->timewait_reopen ? C(RCV_SYN_REOPEN) : 0;
		return 0;
	default:
		return 0;
	}
}

/* True when a change with 'cause' may happen during a step of this kind. */
OR_FN static bool cause_fits_step(enum sd_step step, enum tcp_cause cause,
                                  enum tcp_state from, enum tcp_state to)
{
	switch (cause) {
	case TCP_CAUSE_USER_OPEN_PASSIVE:
		/* A listener's child is opened passively during the SYN. */
		return step == SD_STEP_APP || step == SD_STEP_SEG;
	case TCP_CAUSE_USER_OPEN_ACTIVE:
		return step == SD_STEP_APP;
	case TCP_CAUSE_USER_CLOSE:
		/* A CLOSE queued in SYN-RECEIVED takes effect on its ACK. */
		return step == SD_STEP_APP ||
		       (step == SD_STEP_SEG && from == TCP_ESTABLISHED &&
		        to == TCP_FIN_WAIT_1);
	case TCP_CAUSE_USER_ABORT:
		/* Eviction of a released slot for a new connection. */
		return step == SD_STEP_APP ||
		       (step == SD_STEP_SEG &&
		        (from == TCP_TIME_WAIT || from == TCP_LAST_ACK ||
		         from == TCP_CLOSING));
	case TCP_CAUSE_TIMEOUT_TIME_WAIT:
	case TCP_CAUSE_TIMEOUT_USER:
	case TCP_CAUSE_TIMEOUT_KEEPALIVE:
		return step == SD_STEP_TIME;
	case TCP_CAUSE_ICMP_HARD_ERROR:
		return step == SD_STEP_ICMP;
	default: /* RCV_* */
		return step == SD_STEP_SEG;
	}
}

static const char *step_name(enum sd_step s)
{
	static const char *const n[] = { "time", "segment", "app call",
		                         "icmp" };

	return n[s];
}

/* The slot of a connection record, or -1 (none, or not of the table). */
OR_FN static int slot_of(const struct sd_oracle *o, const struct tcp_conn *c)
{
	const uint8_t *base = (const uint8_t *)&o->slots[0].conn;
	const uint8_t *p = (const uint8_t *)c;
	ptrdiff_t off = p - base;

	if (!c || p < base || off % (ptrdiff_t)sizeof(o->slots[0]) != 0 ||
	    (size_t)off / sizeof(o->slots[0]) >= o->n)
		return -1;
	return (int)((size_t)off / sizeof(o->slots[0]));
}

/*
 * A connection ends during the step: the stack traces the change before it
 * clears the record, so its SND.NXT, SND.MAX and RCV.NXT are still those
 * of the incarnation the snapshot saw, moved on by what the step did before
 * the end (a retransmission, then the RST of an abort).
 */
OR_FN static void note_end(struct sd_oracle *o, const struct tcp_conn *c)
{
	int k = slot_of(o, c);
	struct sd_oracle_snap *sn;

	if (k < 0 || !o->snap[k].valid ||
	    !tcp_tuple_eq(&o->snap[k].tuple, &c->tuple) ||
	    !tcp_seq_eq(o->snap[k].iss, c->iss))
		return;
	sn = &o->snap[k];
	sn->ended = true;
	sn->end_nxt = c->snd_nxt;
	if (tcp_seq_gt(c->snd_max, sn->snd_max))
		sn->snd_max = c->snd_max;
	if (tcp_seq_gt(c->rcv_nxt, sn->rcv_nxt))
		sn->rcv_nxt = c->rcv_nxt;
}

OR_FN void sd_oracle_trace(struct sd_oracle *o, const struct tcp_trace_ev *ev)
{
	/* Every reason a segment is dropped for has a name and an RFC
	 * reference (the run log shows them). */
	if (ev->kind == TCP_TRACE_DROP &&
	    (unnamed(tcp_why_name(ev->why)) || unnamed(tcp_why_ref(ev->why)))) {
		or_fail(o, "a segment dropped for reason %d, which has no name",
		        (int)ev->why);
		return;
	}
	if (ev->kind == TCP_TRACE_DROP && o->edge_hits &&
	    o->drop_n < sizeof(o->drops) / sizeof(o->drops[0])) {
		o->drops[o->drop_n].slot = slot_of(o, ev->conn);
		o->drops[o->drop_n].why = ev->why;
		o->drop_n++;
	}
	if (ev->kind != TCP_TRACE_STATE)
		return;
	if (ev->to == TCP_CLOSED || ev->to == TCP_LISTEN)
		note_end(o, ev->conn);
	if (o->trace_n >= SD_ORACLE_TRACE_MAX) {
		or_fail(o, "more than %d state changes in one step",
		        SD_ORACLE_TRACE_MAX);
		return;
	}
	o->trace[o->trace_n++] = *ev;
}

OR_FN static void check_trace(struct sd_oracle *o)
{
	unsigned i;

	for (i = 0; i < o->trace_n; i++) {
		const struct tcp_trace_ev *ev = &o->trace[i];
		const uint8_t *base = (const uint8_t *)&o->slots[0].conn;
		const uint8_t *p = (const uint8_t *)ev->conn;
		ptrdiff_t off = p - base;
		struct sd_oracle_shadow *sh;
		size_t k;

		if (p < base || off % (ptrdiff_t)sizeof(o->slots[0]) != 0 ||
		    (size_t)off / sizeof(o->slots[0]) >= o->n)
			FAIL("trace: state change of a record outside the "
			     "table");
		k = (size_t)off / sizeof(o->slots[0]);
		sh = &o->sh[k];
		if ((unsigned)ev->from >= TCP_STATE_COUNT ||
		    (unsigned)ev->to >= TCP_STATE_COUNT ||
		    (unsigned)ev->cause >= TCP_CAUSE_COUNT)
			FAIL("trace: state or cause out of range");
		if (ev->from != sh->state)
			FAIL("trace: slot %zu left %s but was in %s (a "
			     "transition not traced)",
			     k, tcp_state_name(ev->from),
			     tcp_state_name(sh->state));
		if (!(allowed_causes(o, sh, ev->from, ev->to) &
		      (1u << ev->cause)))
			FAIL("illegal transition %s -> %s (%s)%s%s",
			     tcp_state_name(ev->from), tcp_state_name(ev->to),
			     tcp_cause_name(ev->cause),
			     sh->passive ? " [passive]" : "",
			     sh->reopened ? " [reopened]" : "");
		if (unnamed(tcp_state_name(ev->to)) ||
		    unnamed(tcp_cause_name(ev->cause)))
			FAIL("trace: a state or cause without a name");
		if (!cause_fits_step(o->step, ev->cause, ev->from, ev->to))
			FAIL("transition %s -> %s (%s) during a %s step",
			     tcp_state_name(ev->from), tcp_state_name(ev->to),
			     tcp_cause_name(ev->cause), step_name(o->step));
		if (o->state_hits)
			o->state_hits[ev->to]++;
		if (o->debug)
			fprintf(stderr, "  slot %zu: %s -> %s (%s)\n", k,
			        tcp_state_name(ev->from),
			        tcp_state_name(ev->to),
			        tcp_cause_name(ev->cause));
		/* Shadow bookkeeping of the incarnation. */
		if (ev->to == TCP_SYN_RECEIVED) {
			sh->passive = ev->from == TCP_LISTEN;
			sh->reopened = ev->from == TCP_TIME_WAIT;
		} else if (ev->to != TCP_ESTABLISHED &&
		           ev->to != TCP_CLOSE_WAIT &&
		           ev->to != TCP_FIN_WAIT_1 && ev->to != TCP_CLOSED) {
			if (ev->from == TCP_SYN_RECEIVED)
				sh->reopened = sh->passive = false;
		}
		if (ev->to == TCP_SYN_RECEIVED || ev->to == TCP_LISTEN ||
		    ev->to == TCP_SYN_SENT ||
		    (ev->from == TCP_SYN_RECEIVED && ev->to == TCP_TIME_WAIT)) {
			sh->have_irs = false;
			sh->gen++;
		}
		sh->state = ev->to;
	}
	o->trace_n = 0;
}

/* ---- Connection invariants ----------------------------------------------- */

OR_FN static void check_ring(struct sd_oracle *o, const struct tcp_ring *r,
                             uint32_t cap, const char *nm)
{
	if (r->cap != cap)
		FAIL("%s ring capacity changed: %u, buffer %u", nm, r->cap,
		     cap);
	if (r->len > r->cap)
		FAIL("%s queue length %u beyond its buffer of %u", nm, r->len,
		     r->cap);
	if (r->cap > 0 && r->head >= r->cap)
		FAIL("%s ring head %u outside its buffer of %u", nm, r->head,
		     r->cap);
}

OR_FN static void check_conn(struct sd_oracle *o, size_t k)
{
	const struct tcp_conn *c = &o->slots[k].conn;
	const struct sd_oracle_shadow *sh = &o->sh[k];
	struct tcp_status st;
	unsigned i;
	uint32_t end = 0;

	if (c->state != sh->state)
		FAIL("slot %zu is in %s, the trace says %s", k,
		     tcp_state_name(c->state), tcp_state_name(sh->state));
	check_ring(o, &c->rx, o->rx_bytes, "receive");
	check_ring(o, &c->tx, o->tx_bytes, "send");
	if (c->reasm.n > TCP_REASM_MAX)
		FAIL("reassembly holds %u blocks, max %d", c->reasm.n,
		     TCP_REASM_MAX);
	for (i = 0; i < c->reasm.n; i++) {
		uint32_t off = c->reasm.blk[i].off, l = c->reasm.blk[i].len;

		if (l == 0 || (i > 0 && off <= end) ||
		    (uint64_t)c->rx.len + off + l > c->rx.cap)
			FAIL("reassembly block %u (off %u len %u, queue %u) "
			     "empty, overlapping or beyond the buffer",
			     i, off, l, c->rx.len);
		end = off + l;
	}
	if (c->rcv_wnd > c->rx.cap)
		FAIL("RCV.WND %u larger than the receive buffer %u", c->rcv_wnd,
		     c->rx.cap);
	/* What the user sees (tcp_conn_status, the STATUS call of 3.9.1.6)
	 * agrees with the record. */
	tcp_conn_status(c, &st);
	/* (The urgent pointer may point past the data received so far.) */
	if (st.state != c->state || st.bytes_readable > c->rx.len ||
	    st.rcv_wnd > c->rx.cap ||
	    (uint64_t)st.bytes_unacked + st.bytes_unsent > c->tx.len + 2u)
		FAIL("STATUS disagrees with the record in %s: readable %u of "
		     "%u, window %u, unacked %u + unsent %u of %u",
		     tcp_state_name(c->state), st.bytes_readable, c->rx.len,
		     st.rcv_wnd, st.bytes_unacked, st.bytes_unsent, c->tx.len);
	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN)
		return;
	if (!tcp_seq_le(c->snd_una, c->snd_nxt))
		FAIL("SND.UNA %u > SND.NXT %u in %s", c->snd_una.v,
		     c->snd_nxt.v, tcp_state_name(c->state));
	if (!tcp_seq_le(c->snd_nxt, c->snd_max))
		FAIL("SND.NXT %u > SND.MAX %u in %s", c->snd_nxt.v,
		     c->snd_max.v, tcp_state_name(c->state));
	if (!tcp_seq_le(c->iss, c->snd_una))
		FAIL("SND.UNA %u below ISS %u in %s", c->snd_una.v, c->iss.v,
		     tcp_state_name(c->state));
	if (tcp_seq_diff(c->snd_max, c->snd_una) > c->tx.len + 2u)
		FAIL("%u octets in flight but only %u queued (+SYN+FIN) in %s",
		     tcp_seq_diff(c->snd_max, c->snd_una), c->tx.len,
		     tcp_state_name(c->state));
}

/* Learns the IRS of slot k's incarnation once it is synchronized; a free
 * slot's shadow starts over (its incarnation count goes on). */
OR_FN static void note_irs(struct sd_oracle *o, size_t k)
{
	const struct tcp_conn *c = &o->slots[k].conn;
	struct sd_oracle_shadow *sh = &o->sh[k];

	if (o->slots[k].use == TCP_SLOT_FREE) {
		uint32_t gen = sh->gen;

		memset(sh, 0, sizeof(*sh));
		sh->state = TCP_CLOSED;
		sh->gen = gen;
		return;
	}
	if (!sh->have_irs && c->state != TCP_CLOSED && c->state != TCP_LISTEN &&
	    c->state != TCP_SYN_SENT) {
		sh->have_irs = true;
		sh->irs = c->irs;
	}
}

/* ---- Emitted segments ---------------------------------------------------- */

OR_FN void sd_oracle_begin(struct sd_oracle *o, enum sd_step step,
                           const struct tcp_seg *in)
{
	size_t k;

	o->step = step;
	o->app_send = false;
	o->app_slot = -1;
	o->drop_n = 0;
	o->have_in = in != NULL;
	if (in) {
		o->in = *in;
		o->in.payload = NULL; /* not kept: only numbers are compared */
	}
	for (k = 0; k < o->n; k++) {
		const struct tcp_conn *c = &o->slots[k].conn;
		struct sd_oracle_snap *s = &o->snap[k];

		o->before[k] =
		    o->slots[k].use != TCP_SLOT_FREE ? c->state : TCP_CLOSED;
		s->valid = o->slots[k].use != TCP_SLOT_FREE &&
		           c->state != TCP_CLOSED && c->state != TCP_LISTEN;
		s->ended = false;
		if (!s->valid)
			continue;
		s->tuple = c->tuple;
		s->state = c->state;
		s->iss = c->iss;
		s->snd_una = c->snd_una;
		s->snd_nxt = c->snd_nxt;
		s->snd_max = c->snd_max;
		s->irs = c->irs;
		s->rcv_nxt = c->rcv_nxt;
	}
}

/* The segment lies in space already sent: ISS =< SEQ, SEQ+LEN =< SND.MAX,
 * and its ACK in IRS+1 .. RCV.NXT. */
OR_FN static bool seg_in_space(const struct tcp_seg *s, tcp_seq iss,
                               tcp_seq snd_max, tcp_seq irs, tcp_seq rcv_nxt)
{
	tcp_seq end = tcp_seq_add(s->seq, tcp_seg_len(s));

	if (!tcp_seq_ge(s->seq, iss) || !tcp_seq_le(end, snd_max))
		return false;
	if (s->flags & TCP_FLAG_ACK)
		return tcp_seq_ge(s->ack, tcp_seq_add(irs, 1)) &&
		       tcp_seq_le(s->ack, rcv_nxt);
	return true;
}

/* It must emit, parse back with a valid checksum and say the same thing. */
OR_FN static void check_round_trip(struct sd_oracle *o,
                                   const struct tcp_out_seg *os)
{
	const struct tcp_seg *s = &os->seg;
	struct tcp_seg p;
	size_t tl, hl = os->tuple.laddr.family == TCP_AF_INET6
	                    ? TCP_IP6_HDR
	                    : TCP_IP4_HDR_MIN;
	enum tcp_why w;

	tl = tcp_seg_emit(s, &os->tuple.laddr, &os->tuple.raddr,
	                  o->scratch + hl, sizeof(o->scratch) - hl);
	if (tl == 0)
		FAIL("emitted segment does not serialize (options 0x%x, %u "
		     "payload bytes)",
		     s->opts.present, s->payload_bytes);
	/* The TCP bytes parse back against the tuple's addresses (the IP
	 * layer is the harness's; fuzz_wire checks its round trip). */
	w = tcp_seg_parse(&p, o->scratch + hl, tl, &os->tuple.laddr,
	                  &os->tuple.raddr);
	if (w != TCP_WHY_NONE)
		FAIL("emitted segment does not parse: %s", tcp_why_name(w));
	if (p.seq.v != s->seq.v || p.flags != s->flags || p.wnd != s->wnd ||
	    p.payload_bytes != s->payload_bytes || p.sport != s->sport ||
	    p.dport != s->dport ||
	    ((s->flags & TCP_FLAG_ACK) && p.ack.v != s->ack.v) ||
	    (s->payload_bytes &&
	     memcmp(p.payload, s->payload, s->payload_bytes) != 0))
		FAIL("emitted segment changes in a parse round trip");
	if ((s->opts.present & ~TCP_OPTF_RAW) !=
	    (p.opts.present & ~TCP_OPTF_RAW))
		FAIL("options of an emitted segment change in a round trip");
	if (o->emitted)
		o->emitted(o->ctx, os, o->scratch + hl, tl);
}

OR_FN static void check_rst(struct sd_oracle *o, const struct tcp_out_seg *os)
{
	const struct tcp_seg *s = &os->seg;
	const struct tcp_seg *in = o->have_in ? &o->in : NULL;
	size_t k;

	/* 3.10.7.1 forms, or <SEQ=SND.NXT> of the record. */
	if (in && (in->flags & TCP_FLAG_ACK) && s->seq.v == in->ack.v)
		return;
	if (in && (s->flags & TCP_FLAG_ACK) &&
	    s->ack.v == in->seq.v + tcp_seg_len(in))
		return;
	for (k = 0; k < o->n; k++) {
		if (o->snap[k].valid &&
		    tcp_tuple_eq(&o->snap[k].tuple, &os->tuple) &&
		    (s->seq.v == o->snap[k].snd_nxt.v ||
		     (o->snap[k].ended && s->seq.v == o->snap[k].end_nxt.v)))
			return;
		if (o->slots[k].use != TCP_SLOT_FREE &&
		    tcp_tuple_eq(&o->slots[k].conn.tuple, &os->tuple) &&
		    s->seq.v == o->slots[k].conn.snd_nxt.v)
			return;
	}
	FAIL("RST with SEQ %u: neither SND.NXT nor the offending segment's "
	     "ACK",
	     s->seq.v);
}

OR_FN static void check_space(struct sd_oracle *o, const struct tcp_out_seg *os)
{
	const struct tcp_seg *s = &os->seg;
	const struct tcp_conn *c = NULL;
	bool ok = false, found = false;
	size_t k;

	for (k = 0; k < o->n && !ok; k++) {
		const struct tcp_conn *ck = &o->slots[k].conn;
		const struct sd_oracle_snap *sn = &o->snap[k];

		if (o->slots[k].use != TCP_SLOT_FREE &&
		    ck->state != TCP_CLOSED && ck->state != TCP_LISTEN &&
		    tcp_tuple_eq(&ck->tuple, &os->tuple)) {
			found = true;
			ok = seg_in_space(s, ck->iss, ck->snd_max, ck->irs,
			                  ck->rcv_nxt);
			if (!(s->flags & TCP_FLAG_SYN) &&
			    ((uint64_t)s->wnd << ck->rcv_wscale) >=
			        (uint64_t)ck->rx.cap + (1ull << ck->rcv_wscale))
				FAIL("window %u << %u advertised beyond the "
				     "receive buffer %u",
				     s->wnd, ck->rcv_wscale, ck->rx.cap);
		}
		if (!ok && sn->valid && tcp_tuple_eq(&sn->tuple, &os->tuple)) {
			found = true;
			ok = seg_in_space(s, sn->iss, sn->snd_max, sn->irs,
			                  sn->rcv_nxt);
		}
	}
	if (!found)
		FAIL("non-RST segment (flags 0x%03x) from no connection",
		     s->flags);
	if (ok)
		return;
	for (k = 0; k < o->n; k++)
		if (tcp_tuple_eq(&o->slots[k].conn.tuple, &os->tuple))
			c = &o->slots[k].conn;
	FAIL("segment SEQ %u LEN %u ACK %u flags 0x%03x outside the sequence "
	     "space sent (ISS..SND.MAX) or received (IRS+1..RCV.NXT)%s%s "
	     "ISS %u SND.MAX %u IRS %u RCV.NXT %u",
	     s->seq.v, tcp_seg_len(s), s->ack.v, s->flags, c ? ": " : "",
	     c ? tcp_state_name(c->state) : "", c ? c->iss.v : 0,
	     c ? c->snd_max.v : 0, c ? c->irs.v : 0, c ? c->rcv_nxt.v : 0);
}

OR_FN static void check_out(struct sd_oracle *o, const struct tcp_out *out,
                            uint32_t first)
{
	uint32_t i;

	for (i = first; i < out->n && !o->failed; i++) {
		const struct tcp_out_seg *os = &out->segs[i];
		const struct tcp_seg *s = &os->seg;

		if (o->step == SD_STEP_ICMP)
			FAIL("an ICMP error drew a segment in reply");
		if ((s->flags & TCP_FLAG_RST) && o->have_in &&
		    (o->in.flags & TCP_FLAG_RST))
			FAIL("a RST was answered with a RST");
		check_round_trip(o, os);
		if (o->failed)
			return;
		if (s->flags & TCP_FLAG_RST)
			check_rst(o, os);
		else
			check_space(o, os);
	}
}

/* ---- Edges taken (edges.h) ----------------------------------------------- */

OR_FN static void count_edges(struct sd_oracle *o, const struct tcp_out *out,
                              uint32_t first)
{
	bool changed[SD_ORACLE_SLOTS] = { false },
	     rexmit[SD_ORACLE_SLOTS] = { false };
	uint16_t fl = o->have_in ? o->in.flags : 0;
	unsigned i;
	size_t k;

	for (i = 0; i < o->trace_n; i++) {
		const struct tcp_trace_ev *ev = &o->trace[i];
		int sk = slot_of(o, ev->conn);

		if (sk >= 0)
			changed[sk] = true;
		o->edge_hits[sd_edge_of_change(ev->from, ev->to, ev->cause)]++;
	}
	for (i = 0; i < o->drop_n; i++) {
		int sk = o->drops[i].slot;
		enum tcp_state st = sk >= 0 ? o->before[sk] : TCP_CLOSED;
		int e;

		if (sk >= 0 && changed[sk])
			continue; /* the change is the edge */
		e = sd_edge_of_drop(st, o->drops[i].why, fl);
		if (e > 0)
			o->edge_hits[e]++;
		if (sk >= 0)
			changed[sk] = true; /* not also "accepted" */
	}
	for (k = 0; k < o->n; k++) {
		const struct sd_oracle_snap *sn = &o->snap[k];
		int e = 0;

		if (!sn->valid || changed[k])
			continue;
		if (o->step == SD_STEP_SEG && o->have_in &&
		    sn->tuple.lport == o->in.dport &&
		    sn->tuple.rport == o->in.sport)
			e = sd_edge_of_accept(o->before[k], fl);
		else if (o->step == SD_STEP_APP && o->app_send &&
		         o->app_slot == (int)k)
			e = sd_edge_of_send(o->before[k]);
		if (e > 0)
			o->edge_hits[e]++;
	}
	if (o->step != SD_STEP_TIME || !out)
		return;
	/* A timer step that resent something below SND.MAX (keep-alive
	 * probes, at SND.UNA - 1, are not retransmissions). */
	for (i = first; i < out->n; i++) {
		const struct tcp_out_seg *os = &out->segs[i];

		for (k = 0; k < o->n; k++) {
			const struct sd_oracle_snap *sn = &o->snap[k];

			if (!sn->valid || !tcp_tuple_eq(&sn->tuple, &os->tuple))
				continue;
			if ((os->seg.flags & TCP_FLAG_SYN) ||
			    (tcp_seq_lt(os->seg.seq, sn->snd_max) &&
			     os->seg.seq.v != sn->snd_una.v - 1u))
				rexmit[k] = true;
		}
	}
	for (k = 0; k < o->n; k++)
		if (rexmit[k] && !changed[k]) {
			int e = sd_edge_of_retransmit(o->before[k]);

			if (e > 0)
				o->edge_hits[e]++;
		}
}

OR_FN int sd_oracle_end(struct sd_oracle *o, const struct tcp_out *out,
                        uint32_t first)
{
	size_t k;

	if (!o->failed && o->edge_hits)
		count_edges(o, out, first);
	if (!o->failed)
		check_trace(o);
	if (!o->failed && out)
		check_out(o, out, first);
	for (k = 0; k < o->n && !o->failed; k++) {
		note_irs(o, k);
		if (o->slots[k].use != TCP_SLOT_FREE)
			check_conn(o, k);
	}
	o->have_in = false;
	o->trace_n = 0;
	return o->failed ? -1 : 0;
}
