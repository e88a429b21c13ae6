/* SPDX-License-Identifier: MIT
 *
 * The connection-layer test fixture: a deterministic environment and the
 * helpers that reach each RFC 9293 state through real transitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static uint32_t fx_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	struct fx *f = ctx;

	(void)t;
	(void)now_us;
	return LOCAL_ISN + 0x10000u * f->isn_calls++;
}

static uint16_t fx_port(void *ctx)
{
	(void)ctx;
	return LOCAL_PORT;
}

static uint32_t fx_ts(void *ctx, const struct tcp_tuple *t)
{
	(void)ctx;
	(void)t;
	return 1000;
}

static void fx_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct fx *f = ctx;

	if (f->trace_n < FX_TRACE_MAX)
		f->trace[f->trace_n++] = *ev;
}

struct fx *fx_new(enum tcp_profile p)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tcp_cfg_init(&f->cfg, p);
	f->env.isn = fx_isn;
	f->env.ephemeral_port = fx_port;
	f->env.ts_offset = fx_ts;
	f->env.trace = fx_trace;
	f->env.ctx = f;
	tcp_addr_v4(&f->tuple.laddr, 192, 0, 2, 1);
	tcp_addr_v4(&f->tuple.raddr, 192, 0, 2, 2);
	f->tuple.lport = LOCAL_PORT;
	f->tuple.rport = REMOTE_PORT;
	f->now_us = 1000000; /* 1 s: keeps "time zero" out of the way */
	tcp_out_init(&f->out, f->segs, FX_OUT_SEGS, f->data, sizeof(f->data));
	fx_reinit(f);
	return f;
}

void fx_reinit(struct fx *f)
{
	tcp_conn_init(&f->c, &f->cfg, f->rx, FX_RX_BYTES, f->tx, FX_TX_BYTES);
	f->trace_n = 0;
	fx_clear(f);
}

void fx_free(struct fx *f)
{
	free(f);
}

void fx_clear(struct fx *f)
{
	tcp_out_reset(&f->out);
}

struct tcp_verdict fx_input(struct fx *f, struct tcp_seg seg)
{
	fx_clear(f);
	return tcp_conn_input(&f->c, &f->env, f->now_us, &f->tuple, &seg,
	                      &f->out);
}

void fx_advance(struct fx *f, uint64_t us)
{
	uint64_t end = f->now_us + us;

	for (;;) {
		uint64_t d = tcp_conn_next_deadline_us(&f->c);

		if (d > end)
			break;
		if (d > f->now_us)
			f->now_us = d;
		tcp_conn_poll(&f->c, &f->env, f->now_us, &f->out);
		if (tcp_conn_next_deadline_us(&f->c) <= f->now_us &&
		    f->out.n >= f->out.cap)
			break; /* output full: let the test look */
		if (tcp_conn_next_deadline_us(&f->c) == d)
			break; /* no progress: avoid spinning */
	}
	f->now_us = end;
}

uint32_t fx_una(const struct fx *f)
{
	return f->c.snd_una.v;
}

uint32_t fx_nxt(const struct fx *f)
{
	return f->c.snd_nxt.v;
}

void fx_assert_seg(const struct tcp_seg *s, uint16_t flags, uint32_t seq,
                   uint32_t ack, const char *file, int line)
{
	if (s->flags != flags || s->seq.v != seq ||
	    ((flags & TCP_FLAG_ACK) && s->ack.v != ack)) {
		fprintf(stderr,
		        "%s:%d: segment: expected flags 0x%03x seq %u ack %u, "
		        "got flags 0x%03x seq %u ack %u\n",
		        file, line, flags, seq, ack, s->flags, s->seq.v,
		        s->ack.v);
		fail();
	}
}

int fx_saw_transition(const struct fx *f, enum tcp_state from,
                      enum tcp_state to)
{
	unsigned i;

	for (i = 0; i < f->trace_n; i++)
		if (f->trace[i].kind == TCP_TRACE_STATE &&
		    f->trace[i].from == from && f->trace[i].to == to)
			return 1;
	return 0;
}

void fx_assert_verdict(struct tcp_verdict v, enum tcp_disp disp,
                       enum tcp_why why, const char *file, int line)
{
	static const char *const dn[] = { "ACCEPT", "DROP", "DROP_ACK",
		                          "DROP_RST" };

	if (v.disp != disp || v.why != why) {
		fprintf(stderr, "%s:%d: verdict: expected %s/%s, got %s/%s\n",
		        file, line, (unsigned)disp < 4 ? dn[disp] : "?",
		        tcp_why_name(why),
		        (unsigned)v.disp < 4 ? dn[v.disp] : "?",
		        tcp_why_name(v.why));
		fail();
	}
}

unsigned fx_transitions_since(const struct fx *f, unsigned mark)
{
	unsigned i, n = 0;

	for (i = mark; i < f->trace_n; i++)
		if (f->trace[i].kind == TCP_TRACE_STATE)
			n++;
	return n;
}

int fx_saw_drop_since(const struct fx *f, unsigned mark, enum tcp_why why)
{
	unsigned i;

	for (i = mark; i < f->trace_n; i++)
		if (f->trace[i].kind == TCP_TRACE_DROP &&
		    f->trace[i].why == why)
			return 1;
	return 0;
}

/* ---- Reaching states ----------------------------------------------------- */

void fx_listen(struct fx *f)
{
	struct tcp_tuple lt = f->tuple;

	memset(&lt.raddr, 0, sizeof(lt.raddr));
	lt.rport = 0;
	assert_int_equal(tcp_conn_open_passive(&f->c, &f->env, f->now_us, &lt),
	                 0);
	assert_state(f, TCP_LISTEN);
	fx_clear(f);
}

void fx_syn_received(struct fx *f)
{
	struct tcp_verdict v;

	fx_listen(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                       .opts = { .present = TCP_OPTF_MSS,
	                                 .mss = FX_MSS }));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
	           REMOTE_ISN + 1);
	f->peer_nxt = REMOTE_ISN + 1;
	fx_clear(f);
}

void fx_syn_sent(struct fx *f)
{
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 0);
	assert_state(f, TCP_SYN_SENT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
	fx_clear(f);
}

void fx_syn_received_active(struct fx *f)
{
	fx_syn_sent(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_SYN_RECEIVED);
	f->peer_nxt = REMOTE_ISN + 1;
	fx_clear(f);
}

void fx_established(struct fx *f)
{
	fx_syn_received(f);
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_ESTABLISHED);
	assert_no_output(f);
	fx_clear(f);
}

void fx_established_active(struct fx *f)
{
	fx_syn_sent(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                   .seq = SEQ(REMOTE_ISN), .ack = SEQ(LOCAL_ISN + 1),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 1);
	f->peer_nxt = REMOTE_ISN + 1;
	fx_clear(f);
}

void fx_fin_wait_1(struct fx *f)
{
	fx_established(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_ACK, LOCAL_ISN + 1,
	           f->peer_nxt);
	fx_clear(f);
}

void fx_fin_wait_2(struct fx *f)
{
	fx_fin_wait_1(f);
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 2)));
	assert_state(f, TCP_FIN_WAIT_2);
	assert_no_output(f);
	fx_clear(f);
}

void fx_close_wait(struct fx *f)
{
	fx_established(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_FIN | TCP_FLAG_ACK,
	                   .seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_CLOSE_WAIT);
	f->peer_nxt++;
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, f->peer_nxt);
	fx_clear(f);
}

void fx_closing(struct fx *f)
{
	fx_fin_wait_1(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_FIN | TCP_FLAG_ACK,
	                   .seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_CLOSING);
	f->peer_nxt++;
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt);
	fx_clear(f);
}

void fx_last_ack(struct fx *f)
{
	fx_close_wait(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_LAST_ACK);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_ACK, LOCAL_ISN + 1,
	           f->peer_nxt);
	fx_clear(f);
}

void fx_time_wait(struct fx *f)
{
	fx_fin_wait_2(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_FIN | TCP_FLAG_ACK,
	                   .seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 2)));
	assert_state(f, TCP_TIME_WAIT);
	f->peer_nxt++;
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt);
	fx_clear(f);
}

/* ---- Data-path helpers ----------------------------------------------------
 */

void fx_stamp(const struct fx *f, struct tcp_seg *s)
{
	if (!(f->c.fl & TCP_CF_TS) || (s->flags & TCP_FLAG_RST))
		return;
	s->opts.present |= TCP_OPTF_TS;
	s->opts.tsval = (uint32_t)(f->now_us / 1000u) + 5000u;
	s->opts.tsecr = f->c.ts_offset;
}

void fx_established_opts(struct fx *f, const struct tcp_opts *syn)
{
	struct tcp_seg s =
	    SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN));
	struct tcp_verdict v;

	fx_listen(f);
	s.opts = *syn;
	if (s.opts.present & TCP_OPTF_TS) {
		s.opts.tsval = (uint32_t)(f->now_us / 1000u) + 5000u;
		s.opts.tsecr = 0;
	}
	v = fx_input(f, s);
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	f->peer_nxt = REMOTE_ISN + 1;
	s = SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1));
	fx_stamp(f, &s);
	fx_input(f, s);
	assert_state(f, TCP_ESTABLISHED);
	fx_clear(f);
}

struct tcp_verdict fx_ack(struct fx *f, uint32_t ack, uint16_t wnd)
{
	struct tcp_seg s =
	    SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(ack), .wnd = wnd);

	fx_stamp(f, &s);
	return fx_input(f, s);
}

struct tcp_verdict fx_data(struct fx *f, uint32_t seq, const uint8_t *p,
                           uint32_t n)
{
	struct tcp_seg s = SEG_IN(.seq = SEQ(seq), .ack = SEQ(f->c.snd_una.v),
	                          .payload = p, .payload_bytes = n);

	fx_stamp(f, &s);
	return fx_input(f, s);
}

int fx_write(struct fx *f, uint32_t n, unsigned flags)
{
	static const uint32_t chunk = 4096;
	uint8_t buf[4096];
	uint32_t done = 0;

	while (done < n) {
		uint32_t k = n - done < chunk ? n - done : chunk;
		int r;

		for (uint32_t i = 0; i < k; i++)
			buf[i] = fx_pattern(done + i);
		r = tcp_conn_send(&f->c, &f->env, f->now_us, buf, k, flags,
		                  &f->out);
		if (r <= 0)
			return done ? (int)done : r;
		done += (uint32_t)r;
		if ((uint32_t)r < k)
			break;
	}
	return (int)done;
}

uint32_t fx_out_bytes(const struct fx *f)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < f->out.n; i++)
		n += f->out.segs[i].seg.payload_bytes;
	return n;
}

uint64_t fx_run_until_output(struct fx *f, uint64_t max_us)
{
	uint64_t start = f->now_us;
	unsigned guard = 0;

	fx_clear(f);
	for (;;) {
		uint64_t d = tcp_conn_next_deadline_us(&f->c);

		if (++guard > 100000)
			fail_msg("deadline %llu never advances",
			         (unsigned long long)d);

		if (d == TCP_NO_DEADLINE || d > start + max_us) {
			f->now_us = start + max_us;
			return max_us + 1;
		}
		if (d > f->now_us)
			f->now_us = d;
		tcp_conn_poll(&f->c, &f->env, f->now_us, &f->out);
		if (f->out.n > 0 || f->c.state == TCP_CLOSED)
			return f->now_us - start;
	}
}

/* ---- Timestamps and trace checks ------------------------------------------
 */

void fx_established_ts(struct fx *f, uint32_t peer_tsval)
{
	struct tcp_verdict v;
	uint32_t our_tsval;

	fx_listen(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                       .opts = { .present = TCP_OPTF_MSS | TCP_OPTF_TS,
	                                 .mss = FX_MSS,
	                                 .tsval = peer_tsval,
	                                 .tsecr = 0 }));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
	           REMOTE_ISN + 1);
	/* RFC 7323 3.2: the SYN,ACK answers TSopt and echoes the TSval. */
	assert_true(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	assert_int_equal(OUT(f, 0)->opts.tsecr, peer_tsval);
	our_tsval = OUT(f, 0)->opts.tsval;
	f->peer_nxt = REMOTE_ISN + 1;
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1),
	                    .opts = { .present = TCP_OPTF_TS,
	                              .tsval = peer_tsval,
	                              .tsecr = our_tsval }));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state(f, TCP_ESTABLISHED);
	assert_true(f->c.fl & TCP_CF_TS);
	assert_no_output(f);
	fx_clear(f);
}

void fx_assert_trace(const struct fx *f, unsigned mark,
                     const struct fx_ev *want, unsigned n, const char *file,
                     int line)
{
	unsigned i, got = f->trace_n - mark;

	if (got != n) {
		fprintf(stderr, "%s:%d: trace: expected %u events, got %u\n",
		        file, line, n, got);
		for (i = mark; i < f->trace_n; i++)
			fprintf(stderr, "  [%u] %s %s -> %s cause %s why %s\n",
			        i - mark,
			        f->trace[i].kind == TCP_TRACE_STATE ? "STATE"
			                                            : "DROP",
			        tcp_state_name(f->trace[i].from),
			        tcp_state_name(f->trace[i].to),
			        tcp_cause_name(f->trace[i].cause),
			        tcp_why_name(f->trace[i].why));
		fail();
	}
	for (i = 0; i < n; i++) {
		const struct tcp_trace_ev *e = &f->trace[mark + i];
		const struct fx_ev *w = &want[i];
		int bad = e->kind != w->kind;

		if (!bad && w->kind == TCP_TRACE_STATE)
			bad = e->from != w->from || e->to != w->to ||
			      e->cause != w->cause;
		if (!bad && w->kind == TCP_TRACE_DROP)
			bad = e->why != w->why;
		if (bad) {
			fprintf(stderr,
			        "%s:%d: trace[%u]: expected %s %s -> %s (%s) / "
			        "why %s, got %s %s -> %s (%s) / why %s\n",
			        file, line, i,
			        w->kind == TCP_TRACE_STATE ? "STATE" : "DROP",
			        tcp_state_name(w->from), tcp_state_name(w->to),
			        tcp_cause_name(w->cause), tcp_why_name(w->why),
			        e->kind == TCP_TRACE_STATE ? "STATE" : "DROP",
			        tcp_state_name(e->from), tcp_state_name(e->to),
			        tcp_cause_name(e->cause), tcp_why_name(e->why));
			fail();
		}
	}
}
