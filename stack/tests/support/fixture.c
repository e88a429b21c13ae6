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
