/* SPDX-License-Identifier: MIT
 *
 * Unit tests of the connection table (stack/src/stack.c): the RFC 9293
 * 3.10.7.1 reply for closed ports, listeners and their children, the
 * backlog and accept queue, demultiplexing by 4-tuple, eviction, ephemeral
 * ports and the packet entry point. Every state is reached through real
 * segments and user calls (STYLE R34); segments come from templates (R33).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tcpref/stack.h"

/* ---- Fixture ------------------------------------------------------------- */

#define SX_SLOTS 8
#define SX_RX_BYTES 2048
#define SX_TX_BYTES 2048
#define SX_OUT_SEGS 32
#define SX_PORTS_MAX 8

#define LOCAL_ISN 0xFFFFFF00u /* first ISS; each further one is +0x40 */
#define ISS_STEP 0x40u
#define REMOTE_ISN 0xFFFFFFF0u /* the peers' ISN: wraps after 16 octets */
#define LPORT 80
#define RPORT_A 40000
#define RPORT_B 40001
#define RPORT_C 40002

struct sx_ctx {
	uint32_t isn_calls;
	uint16_t ports[SX_PORTS_MAX]; /* what ephemeral_port returns, in turn */
	unsigned ports_n, ports_i;    /* past the end: the last one again */
	unsigned port_calls;
	unsigned null_drops; /* TCP_TRACE_DROP events with conn NULL */
	enum tcp_why last_null_why;
	unsigned drops; /* all TCP_TRACE_DROP events */
};

struct sx {
	struct sx_ctx ctx;
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_stack st;
	struct tcp_stack_slot slots[SX_SLOTS];
	uint8_t bufmem[SX_SLOTS * (SX_RX_BYTES + SX_TX_BYTES)];
	struct tcp_out out;
	struct tcp_out_seg segs[SX_OUT_SEGS];
	uint8_t data[SX_OUT_SEGS * 1500];
	uint64_t now_us;
	struct tcp_addr local, local2, remote_a, remote_b;
};

static uint32_t sx_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	struct sx_ctx *c = ctx;

	(void)t;
	(void)now_us;
	return LOCAL_ISN + ISS_STEP * c->isn_calls++;
}

static uint16_t sx_port(void *ctx)
{
	struct sx_ctx *c = ctx;

	c->port_calls++;
	if (c->ports_n == 0)
		return 0;
	if (c->ports_i < c->ports_n)
		return c->ports[c->ports_i++];
	return c->ports[c->ports_n - 1];
}

static uint32_t sx_ts_offset(void *ctx, const struct tcp_tuple *t)
{
	(void)ctx;
	(void)t;
	return 0;
}

static void sx_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct sx_ctx *c = ctx;

	if (ev->kind != TCP_TRACE_DROP)
		return;
	c->drops++;
	if (!ev->conn) {
		c->null_drops++;
		c->last_null_why = ev->why;
	}
}

static void sx_init_table(struct sx *f, uint32_t n)
{
	assert_true(n <= SX_SLOTS);
	assert_int_equal(tcp_stack_init(&f->st, &f->cfg, f->slots, n, f->bufmem,
	                                SX_RX_BYTES, SX_TX_BYTES),
	                 0);
}

static struct sx *sx_new(void)
{
	struct sx *f = test_calloc(1, sizeof(*f));

	assert_non_null(f);
	tcp_cfg_init(&f->cfg, TCP_PROFILE_DEFAULT);
	f->env.isn = sx_isn;
	f->env.ephemeral_port = sx_port;
	f->env.ts_offset = sx_ts_offset;
	f->env.trace = sx_trace;
	f->env.ctx = &f->ctx;
	tcp_out_init(&f->out, f->segs, SX_OUT_SEGS, f->data, sizeof(f->data));
	f->now_us = 1000000;
	tcp_addr_v4(&f->local, 10, 0, 0, 1);
	tcp_addr_v4(&f->local2, 10, 0, 0, 2);
	tcp_addr_v4(&f->remote_a, 192, 0, 2, 10);
	tcp_addr_v4(&f->remote_b, 192, 0, 2, 11);
	sx_init_table(f, SX_SLOTS);
	return f;
}

static void sx_free(struct sx *f)
{
	test_free(f);
}

/* Templates (STYLE R33): later designated initializers override. */
#define SEQ(x) ((tcp_seq){ (uint32_t)(x) })
#define SEG_IN(...)                                                            \
	((struct tcp_seg){ .sport = RPORT_A,                                   \
	                   .dport = LPORT,                                     \
	                   .seq.v = REMOTE_ISN + 1,                            \
	                   .flags = TCP_FLAG_ACK,                              \
	                   .wnd = 65535,                                       \
	                   __VA_ARGS__ })
#define SYN_IN(...)                                                            \
	SEG_IN(.seq.v = REMOTE_ISN, .flags = TCP_FLAG_SYN, __VA_ARGS__)

/* Feeds one segment from src to dst; the output is cleared first. */
static struct tcp_verdict sx_in(struct sx *f, const struct tcp_addr *src,
                                const struct tcp_addr *dst, struct tcp_seg seg)
{
	tcp_out_reset(&f->out);
	return tcp_stack_input(&f->st, &f->env, f->now_us, src, dst, &seg,
	                       &f->out);
}

/* The slot tcp_stack_demux picks for a segment src:sport -> dst:dport. */
static int sx_find(struct sx *f, const struct tcp_addr *src, uint16_t sport,
                   const struct tcp_addr *dst, uint16_t dport)
{
	struct tcp_tuple t;

	memset(&t, 0, sizeof(t));
	t.laddr = *dst;
	t.raddr = *src;
	t.lport = dport;
	t.rport = sport;
	return tcp_stack_demux(&f->st, &t);
}

static int sx_listen(struct sx *f, const struct tcp_addr *laddr,
                     uint32_t backlog)
{
	int h =
	    tcp_stack_listen(&f->st, &f->env, f->now_us, laddr, LPORT, backlog);

	assert_true(h >= 0);
	return h;
}

/* Assertions that name what they compare. */
#define assert_state_name(c, s)                                                \
	assert_string_equal(tcp_state_name((c)->state), tcp_state_name(s))
#define assert_disp(v, d, w)                                                   \
	do {                                                                   \
		assert_int_equal((v).disp, (d));                               \
		assert_string_equal(tcp_why_name((v).why), tcp_why_name(w));   \
	} while (0)
#define OUT(f, i) (&(f)->out.segs[(i)].seg)

static void sx_assert_seg(const struct tcp_seg *s, uint16_t flags, uint32_t seq,
                          uint32_t ack)
{
	assert_int_equal(s->flags, flags);
	assert_int_equal(s->seq.v, seq);
	if (flags & TCP_FLAG_ACK)
		assert_int_equal(s->ack.v, ack);
}

/* The state of slot h, which must be in use. */
static const struct tcp_conn *sx_conn(struct sx *f, int h)
{
	const struct tcp_conn *c = tcp_stack_conn(&f->st, h);

	assert_non_null(c);
	return c;
}

/*
 * A SYN from src:sport to dst:LPORT, answered by <SEQ=ISS><ACK=RCV.NXT>
 * <CTL=SYN,ACK> from a new child in SYN-RECEIVED. Returns the child's slot;
 * *iss gets its ISS.
 */
static int sx_syn(struct sx *f, const struct tcp_addr *src, uint16_t sport,
                  const struct tcp_addr *dst, uint32_t *iss)
{
	struct tcp_verdict v = sx_in(f, src, dst, SYN_IN(.sport = sport));
	int h;

	assert_disp(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->out.n, 1);
	assert_int_equal(OUT(f, 0)->flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(OUT(f, 0)->ack.v, REMOTE_ISN + 1);
	assert_int_equal(OUT(f, 0)->sport, LPORT);
	assert_int_equal(OUT(f, 0)->dport, sport);
	*iss = OUT(f, 0)->seq.v;
	h = sx_find(f, src, sport, dst, LPORT);
	assert_true(h >= 0);
	assert_state_name(sx_conn(f, h), TCP_SYN_RECEIVED);
	assert_int_equal(tcp_stack_slot_use(&f->st, h), TCP_SLOT_PENDING);
	return h;
}

/* The ACK completing the handshake of a child with ISS iss. */
static void sx_ack(struct sx *f, const struct tcp_addr *src, uint16_t sport,
                   const struct tcp_addr *dst, uint32_t iss)
{
	struct tcp_verdict v =
	    sx_in(f, src, dst, SEG_IN(.sport = sport, .ack = SEQ(iss + 1)));
	int h = sx_find(f, src, sport, dst, LPORT);

	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_true(h >= 0);
	assert_state_name(sx_conn(f, h), TCP_ESTABLISHED);
}

/* A full passive handshake; returns the (not yet accepted) child. */
static int sx_handshake(struct sx *f, const struct tcp_addr *src,
                        uint16_t sport, const struct tcp_addr *dst,
                        uint32_t *iss)
{
	int h = sx_syn(f, src, sport, dst, iss);

	sx_ack(f, src, sport, dst, *iss);
	return h;
}

/*
 * An active open from local:lport to remote_a:rport, completed by the
 * peer's SYN,ACK: returns the handle, in ESTABLISHED; *iss gets its ISS.
 */
static int sx_connect_established(struct sx *f, uint16_t lport, uint16_t rport,
                                  uint32_t *iss)
{
	struct tcp_tuple t;
	struct tcp_verdict v;
	int h;

	memset(&t, 0, sizeof(t));
	t.laddr = f->local;
	t.raddr = f->remote_a;
	t.lport = lport;
	t.rport = rport;
	tcp_out_reset(&f->out);
	h = tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
	assert_true(h >= 0);
	assert_int_equal(f->out.n, 1);
	assert_int_equal(OUT(f, 0)->flags, TCP_FLAG_SYN);
	*iss = OUT(f, 0)->seq.v;
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.sport = rport, .dport = lport, .seq = SEQ(REMOTE_ISN),
	                 .flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                 .ack = SEQ(*iss + 1)));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state_name(sx_conn(f, h), TCP_ESTABLISHED);
	return h;
}

/* Releases every app handle and lets TIME-WAIT run out: nothing may stay. */
static void sx_assert_drains(struct sx *f)
{
	uint32_t i;

	for (i = 0; i < f->st.n; i++)
		if (tcp_stack_slot_use(&f->st, (int)i) == TCP_SLOT_APP)
			assert_int_equal(tcp_stack_abort(&f->st, &f->env,
			                                 f->now_us, (int)i,
			                                 &f->out),
			                 0);
	tcp_out_reset(&f->out);
	tcp_stack_poll(&f->st, &f->env, f->now_us + 4 * f->cfg.msl_us, &f->out);
	assert_int_equal(tcp_stack_used(&f->st), 0);
}

/* ===== CLOSED: no connection (RFC 9293 3.10.7.1) ===== */

static void test_closed_syn_without_ack_gets_rst_ack(void **state)
{
	struct sx *f = sx_new();
	static const uint8_t text[10] = "0123456789";
	struct tcp_verdict v;

	(void)state;
	/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SEG.LEN counts the
	 * SYN, the text and the FIN: 1 + 10 + 1. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SYN_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_FIN, .payload = text,
	                 .payload_bytes = sizeof(text)));
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_int_equal(f->out.n, 1);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0,
	              REMOTE_ISN + 12);
	assert_int_equal(OUT(f, 0)->sport, LPORT);
	assert_int_equal(OUT(f, 0)->dport, RPORT_A);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	assert_true(tcp_addr_eq(&f->out.segs[0].tuple.laddr, &f->local));
	assert_true(tcp_addr_eq(&f->out.segs[0].tuple.raddr, &f->remote_a));
	assert_int_equal(f->st.drops[TCP_WHY_CLOSED_NO_TCB], 1);
	assert_int_equal(f->st.segs_in, 1);
	/* Traced with no connection. */
	assert_int_equal(f->ctx.null_drops, 1);
	assert_int_equal(f->ctx.last_null_why, TCP_WHY_CLOSED_NO_TCB);
	assert_int_equal(tcp_stack_used(&f->st), 0);
	sx_free(f);
}

static void test_closed_ack_gets_rst_with_seq_of_ack(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;

	(void)state;
	/* If the ACK bit is on: <SEQ=SEG.ACK><CTL=RST>. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
	                 .ack = SEQ(0xFFFFFFFEu),
	                 .payload = (const uint8_t *)"xy", .payload_bytes = 2));
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_int_equal(f->out.n, 1);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_RST, 0xFFFFFFFEu, 0);
	assert_int_equal(OUT(f, 0)->sport, LPORT);
	assert_int_equal(OUT(f, 0)->dport, RPORT_A);
	sx_free(f);
}

static void test_closed_rst_not_answered(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;

	(void)state;
	/* "An incoming segment containing a RST is discarded." */
	v = sx_in(f, &f->remote_a, &f->local, SEG_IN(.flags = TCP_FLAG_RST));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_CLOSED_RST);
	assert_int_equal(f->out.n, 0);
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK, .ack = SEQ(7)));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_CLOSED_RST);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(f->st.drops[TCP_WHY_CLOSED_RST], 2);
	assert_int_equal(f->ctx.null_drops, 2);
	sx_free(f);
}

static void test_closed_port_with_listener_elsewhere_gets_rst(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, NULL, 1);
	v = sx_in(f, &f->remote_a, &f->local, SYN_IN(.dport = LPORT + 1));
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0,
	              REMOTE_ISN + 1);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

/* ===== LISTEN (RFC 9293 3.10.7.2) ===== */

static void test_listen_syn_creates_child_in_syn_received(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, NULL, 4);
	c = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss);
	/* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> from a new slot. */
	assert_int_equal(iss, LOCAL_ISN);
	assert_int_not_equal(c, l);
	assert_state_name(sx_conn(f, l), TCP_LISTEN);
	assert_int_equal(sx_conn(f, c)->tuple.lport, LPORT);
	assert_int_equal(sx_conn(f, c)->tuple.rport, RPORT_A);
	assert_true(tcp_addr_eq(&sx_conn(f, c)->tuple.laddr, &f->local));
	assert_true(tcp_addr_eq(&sx_conn(f, c)->tuple.raddr, &f->remote_a));
	assert_int_equal(tcp_stack_used(&f->st), 2);
	/* Not acceptable before the handshake completes. */
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_listen_ack_gets_rst_from_listener(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, NULL, 4);
	/* 3.10.7.2 second: <SEQ=SEG.ACK><CTL=RST>; no child. */
	v = sx_in(f, &f->remote_a, &f->local, SEG_IN(.ack = SEQ(1234)));
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_LISTEN_ACK);
	assert_int_equal(f->out.n, 1);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_RST, 1234, 0);
	assert_int_equal(OUT(f, 0)->dport, RPORT_A);
	/* SYN,ACK is an ACK too: no child either. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SYN_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .ack = SEQ(99)));
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_LISTEN_ACK);
	/* 3.10.7.2 first: a RST is ignored. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SYN_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_RST));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_LISTEN_RST);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

static void test_listen_second_listener_same_socket_in_use(void **state)
{
	struct sx *f = sx_new();

	(void)state;
	sx_listen(f, NULL, 1);
	sx_listen(f, &f->local, 1);
	assert_int_equal(tcp_stack_listen(&f->st, &f->env, f->now_us, NULL,
	                                  LPORT, 1),
	                 TCP_EADDRINUSE);
	assert_int_equal(tcp_stack_listen(&f->st, &f->env, f->now_us, &f->local,
	                                  LPORT, 1),
	                 TCP_EADDRINUSE);
	assert_int_equal(tcp_stack_listen(&f->st, &f->env, f->now_us, &f->local,
	                                  0, 1),
	                 TCP_EINVAL);
	assert_int_equal(tcp_stack_used(&f->st), 2);
	sx_free(f);
}

static void test_listen_specific_address_beats_any(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss_a, iss_b;
	int any, spec, ca, cb;

	(void)state;
	any = sx_listen(f, NULL, 4);
	spec = sx_listen(f, &f->local, 4);
	/* To 10.0.0.1: the listener bound to it, though "any" is older. */
	ca = sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss_a);
	/* To 10.0.0.2: only "any" matches. */
	cb = sx_handshake(f, &f->remote_a, RPORT_A, &f->local2, &iss_b);
	assert_int_not_equal(ca, cb);
	assert_int_equal(f->slots[ca].parent, spec);
	assert_int_equal(f->slots[cb].parent, any);
	assert_int_equal(tcp_stack_accept(&f->st, any), cb);
	assert_int_equal(tcp_stack_accept(&f->st, any), TCP_EWOULDBLOCK);
	assert_int_equal(tcp_stack_accept(&f->st, spec), ca);
	/* The child of "any" answers from the address it was reached at. */
	assert_true(tcp_addr_eq(&sx_conn(f, cb)->tuple.laddr, &f->local2));
	sx_assert_drains(f);
	sx_free(f);
}

static void test_listen_specific_address_only_other_address_closed(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, &f->local, 4);
	v = sx_in(f, &f->remote_a, &f->local2, SYN_IN());
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0,
	              REMOTE_ISN + 1);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

static void test_listen_backlog_full_drops_syn(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, NULL, 1);
	/* A child in SYN-RECEIVED already fills a backlog of one. */
	c = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss);
	v = sx_in(f, &f->remote_a, &f->local, SYN_IN(.sport = RPORT_B));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BACKLOG_FULL);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(f->st.drops[TCP_WHY_BACKLOG_FULL], 1);
	assert_int_equal(tcp_stack_used(&f->st), 2);
	/* Established but not accepted: still full. */
	sx_ack(f, &f->remote_a, RPORT_A, &f->local, iss);
	v = sx_in(f, &f->remote_a, &f->local, SYN_IN(.sport = RPORT_B));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BACKLOG_FULL);
	/* accept() makes room: the retransmitted SYN now gets a child. */
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	sx_syn(f, &f->remote_a, RPORT_B, &f->local, &iss);
	assert_int_equal(tcp_stack_used(&f->st), 3);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_listen_table_full_drops_syn(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss;

	(void)state;
	sx_init_table(f, 2);
	sx_listen(f, NULL, 8);
	sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss);
	/* Nothing evictable: the child waits for accept, not TIME-WAIT. */
	v = sx_in(f, &f->remote_a, &f->local, SYN_IN(.sport = RPORT_B));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_TABLE_FULL);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(f->st.drops[TCP_WHY_TABLE_FULL], 1);
	assert_int_equal(f->st.evictions, 0);
	sx_free(f);
}

/* ===== SYN-RECEIVED children (RFC 9293 3.10.7.4) ===== */

static void test_syn_received_ack_completes_accept_returns_child(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, &f->local, 4);
	c = sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_PENDING);
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_APP);
	assert_state_name(sx_conn(f, c), TCP_ESTABLISHED);
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	/* Only listeners the app holds accept. */
	assert_int_equal(tcp_stack_accept(&f->st, c), TCP_EINVAL);
	assert_int_equal(tcp_stack_accept(&f->st, -1), TCP_EINVAL);
	assert_int_equal(tcp_stack_accept(&f->st, SX_SLOTS), TCP_EINVAL);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_syn_received_rst_frees_child_listener_stays(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, NULL, 4);
	c = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss);
	/* An acceptable RST (SEQ = RCV.NXT): back to LISTEN (E027), which
	 * for a child of the table means gone. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(REMOTE_ISN + 1)));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_int_equal(f->out.n, 0);
	assert_null(tcp_stack_conn(&f->st, c));
	assert_int_equal(tcp_stack_used(&f->st), 1);
	assert_state_name(sx_conn(f, l), TCP_LISTEN);
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	/* The listener still takes the same 4-tuple afresh. */
	f->ctx.isn_calls = 0;
	sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss);
	assert_int_equal(iss, LOCAL_ISN);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_syn_received_in_window_syn_frees_child(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, NULL, 4);
	c = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss);
	/* 3.10.7.4 fourth: a SYN in SYN-RECEIVED of a passive open returns
	 * to LISTEN (E031); the table drops the child. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN + 1)));
	assert_int_not_equal(v.disp, TCP_DISP_ACCEPT);
	assert_null(tcp_stack_conn(&f->st, c));
	assert_state_name(sx_conn(f, l), TCP_LISTEN);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

static void test_established_rst_before_accept_frees_child(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, NULL, 4);
	c = sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss);
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(REMOTE_ISN + 1)));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_null(tcp_stack_conn(&f->st, c));
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

static void test_syn_received_timeout_frees_child(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	uint64_t t;
	int c, i;

	(void)state;
	sx_listen(f, NULL, 4);
	c = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss);
	/* The SYN,ACK is retransmitted until the user timeout gives up. */
	for (i = 0; i < 64 && tcp_stack_conn(&f->st, c); i++) {
		t = tcp_stack_next_deadline_us(&f->st);
		assert_true(t != TCP_NO_DEADLINE);
		tcp_out_reset(&f->out);
		tcp_stack_poll(&f->st, &f->env, t, &f->out);
	}
	assert_null(tcp_stack_conn(&f->st, c));
	assert_int_equal(tcp_stack_used(&f->st), 1);
	assert_int_equal(tcp_stack_next_deadline_us(&f->st), TCP_NO_DEADLINE);
	sx_free(f);
}

/* ===== ESTABLISHED: several connections ===== */

static void test_established_two_conns_demuxed_by_tuple(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss_a, iss_b, iss_c;
	uint8_t buf[16];
	int l, a, b, c;

	(void)state;
	l = sx_listen(f, NULL, 4);
	/* Same remote address, two ports; a third from another address with
	 * the first port. Their handshakes interleave. */
	a = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss_a);
	b = sx_syn(f, &f->remote_a, RPORT_B, &f->local, &iss_b);
	c = sx_syn(f, &f->remote_b, RPORT_A, &f->local, &iss_c);
	assert_int_equal(iss_a, LOCAL_ISN);
	assert_int_equal(iss_b, LOCAL_ISN + ISS_STEP);
	assert_int_equal(iss_c, LOCAL_ISN + 2 * ISS_STEP);
	sx_ack(f, &f->remote_b, RPORT_A, &f->local, iss_c);
	sx_ack(f, &f->remote_a, RPORT_B, &f->local, iss_b);
	sx_ack(f, &f->remote_a, RPORT_A, &f->local, iss_a);
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	assert_int_equal(tcp_stack_accept(&f->st, l), b);
	assert_int_equal(tcp_stack_accept(&f->st, l), a);

	/* Each connection's data goes to that connection only; the text
	 * crosses the 2^32 wrap of the peers' sequence space. */
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.sport = RPORT_B, .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
	             .ack = SEQ(iss_b + 1), .payload = (const uint8_t *)"bbbb",
	             .payload_bytes = 4));
	sx_in(f, &f->remote_b, &f->local,
	      SEG_IN(.sport = RPORT_A, .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
	             .ack = SEQ(iss_c + 1),
	             .payload = (const uint8_t *)"cccccccccccccccccccc",
	             .payload_bytes = 20));
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.sport = RPORT_A, .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
	             .ack = SEQ(iss_a + 1), .payload = (const uint8_t *)"aa",
	             .payload_bytes = 2));
	assert_int_equal(tcp_conn_recv(tcp_stack_conn(&f->st, a), &f->env,
	                               f->now_us, buf, sizeof(buf), &f->out),
	                 2);
	assert_memory_equal(buf, "aa", 2);
	assert_int_equal(tcp_conn_recv(tcp_stack_conn(&f->st, b), &f->env,
	                               f->now_us, buf, sizeof(buf), &f->out),
	                 4);
	assert_memory_equal(buf, "bbbb", 4);
	assert_int_equal(tcp_conn_recv(tcp_stack_conn(&f->st, c), &f->env,
	                               f->now_us, buf, sizeof(buf), &f->out),
	                 16);
	assert_memory_equal(buf, "cccccccccccccccc", 16);
	assert_int_equal(sx_conn(f, c)->rcv_nxt.v, REMOTE_ISN + 21);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_established_ipv6_child_of_any_listener(void **state)
{
	struct sx *f = sx_new();
	struct tcp_addr l6, r6;
	uint32_t iss;
	int l, c, c4;

	(void)state;
	memset(&l6, 0, sizeof(l6));
	l6.family = TCP_AF_INET6;
	l6.a[0] = 0x20;
	l6.a[1] = 0x01;
	l6.a[2] = 0x0d;
	l6.a[3] = 0xb8;
	l6.a[15] = 1;
	r6 = l6;
	r6.a[15] = 2;
	/* "Any" covers both families; the same ports over IPv4 are another
	 * connection. */
	l = sx_listen(f, NULL, 4);
	c = sx_handshake(f, &r6, RPORT_A, &l6, &iss);
	c4 = sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss);
	assert_int_not_equal(c, c4);
	assert_int_equal(sx_conn(f, c)->tuple.laddr.family, TCP_AF_INET6);
	assert_true(tcp_addr_eq(&sx_conn(f, c)->tuple.raddr, &r6));
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	assert_int_equal(tcp_stack_accept(&f->st, l), c4);
	/* Mixed families never match anything. */
	assert_disp(sx_in(f, &f->remote_a, &l6, SYN_IN()), TCP_DISP_DROP,
	            TCP_WHY_BAD_ADDR);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_accept_order_follows_handshake_completion(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss_a, iss_b, iss_c;
	int l, a, b, c;

	(void)state;
	l = sx_listen(f, NULL, 8);
	a = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss_a);
	b = sx_syn(f, &f->remote_a, RPORT_B, &f->local, &iss_b);
	c = sx_syn(f, &f->remote_a, RPORT_C, &f->local, &iss_c);
	/* A child that gets data and FIN with the handshake's ACK, before
	 * accept, is still handed over, in CLOSE-WAIT. It completed first,
	 * so it comes first, though its slot index is higher. */
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.sport = RPORT_C,
	             .flags = TCP_FLAG_ACK | TCP_FLAG_FIN | TCP_FLAG_PSH,
	             .ack = SEQ(iss_c + 1), .payload = (const uint8_t *)"hi",
	             .payload_bytes = 2));
	assert_state_name(sx_conn(f, c), TCP_CLOSE_WAIT);
	sx_ack(f, &f->remote_a, RPORT_B, &f->local, iss_b);
	assert_true(b < c);
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	assert_int_equal(tcp_stack_accept(&f->st, l), b);
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	sx_ack(f, &f->remote_a, RPORT_A, &f->local, iss_a);
	assert_int_equal(tcp_stack_accept(&f->st, l), a);
	sx_assert_drains(f);
	sx_free(f);
}

/* ===== Closing: release, TIME-WAIT and eviction ===== */

/*
 * Active close of h (ESTABLISHED, ISS iss, peer at rport) through FIN-WAIT-1
 * to TIME-WAIT by the peer's FIN,ACK; the app gives the handle up.
 */
static void sx_to_time_wait(struct sx *f, int h, uint16_t lport, uint16_t rport,
                            uint32_t iss)
{
	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_close(&f->st, &f->env, f->now_us, h,
	                                 TCP_CLOSE_FULL, &f->out),
	                 0);
	assert_int_equal(tcp_stack_slot_use(&f->st, h), TCP_SLOT_RELEASED);
	assert_state_name(sx_conn(f, h), TCP_FIN_WAIT_1);
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.sport = rport, .dport = lport,
	             .flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	             .ack = SEQ(iss + 2)));
	assert_state_name(sx_conn(f, h), TCP_TIME_WAIT);
}

/* The peer closes first, then the app: LAST-ACK, handle given up. */
static void sx_to_last_ack(struct sx *f, int h, uint16_t lport, uint16_t rport,
                           uint32_t iss)
{
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.sport = rport, .dport = lport,
	             .flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	             .ack = SEQ(iss + 1)));
	assert_state_name(sx_conn(f, h), TCP_CLOSE_WAIT);
	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_close(&f->st, &f->env, f->now_us, h,
	                                 TCP_CLOSE_FULL, &f->out),
	                 0);
	assert_state_name(sx_conn(f, h), TCP_LAST_ACK);
}

static void test_time_wait_released_freed_after_2msl(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int h;

	(void)state;
	h = sx_connect_established(f, 50000, LPORT, &iss);
	sx_to_time_wait(f, h, 50000, LPORT, iss);
	assert_int_equal(tcp_stack_next_deadline_us(&f->st),
	                 f->now_us + 2 * f->cfg.msl_us);
	tcp_stack_poll(&f->st, &f->env, f->now_us + 2 * f->cfg.msl_us - 1,
	               &f->out);
	assert_non_null(tcp_stack_conn(&f->st, h));
	tcp_stack_poll(&f->st, &f->env, f->now_us + 2 * f->cfg.msl_us, &f->out);
	assert_null(tcp_stack_conn(&f->st, h));
	assert_int_equal(tcp_stack_used(&f->st), 0);
	sx_free(f);
}

static void test_last_ack_released_freed_on_final_ack(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int h;

	(void)state;
	h = sx_connect_established(f, 50000, LPORT, &iss);
	sx_to_last_ack(f, h, 50000, LPORT, iss);
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.sport = LPORT, .dport = 50000, .seq = SEQ(REMOTE_ISN + 2),
	             .ack = SEQ(iss + 2)));
	assert_null(tcp_stack_conn(&f->st, h));
	assert_int_equal(tcp_stack_used(&f->st), 0);
	sx_free(f);
}

static void test_table_full_evicts_time_wait_before_last_ack(void **state)
{
	struct sx *f = sx_new();
	struct tcp_tuple t;
	uint32_t iss0, iss1, iss2;
	int h0, h1, h2, h;

	(void)state;
	sx_init_table(f, 3);
	h0 = sx_connect_established(f, 50000, LPORT, &iss0);
	h1 = sx_connect_established(f, 50001, LPORT, &iss1);
	h2 = sx_connect_established(f, 50002, LPORT, &iss2);
	/* The oldest goes to LAST-ACK, the next one to TIME-WAIT. */
	sx_to_last_ack(f, h0, 50000, LPORT, iss0);
	sx_to_time_wait(f, h1, 50001, LPORT, iss1);

	memset(&t, 0, sizeof(t));
	t.laddr = f->local;
	t.raddr = f->remote_a;
	t.lport = 50003;
	t.rport = LPORT;
	tcp_out_reset(&f->out);
	h = tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
	/* TIME-WAIT goes first, though LAST-ACK is older; nothing is sent
	 * for it (3.10.5), only the new SYN. */
	assert_int_equal(h, h1);
	assert_int_equal(f->st.evictions, 1);
	assert_int_equal(f->out.n, 1);
	assert_int_equal(OUT(f, 0)->flags, TCP_FLAG_SYN);
	assert_state_name(sx_conn(f, h1), TCP_SYN_SENT);
	assert_int_equal(sx_conn(f, h1)->tuple.lport, 50003);
	assert_state_name(sx_conn(f, h0), TCP_LAST_ACK);

	/* Next, LAST-ACK; then nothing is left to take. */
	t.lport = 50004;
	h = tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
	assert_int_equal(h, h0);
	assert_int_equal(f->st.evictions, 2);
	t.lport = 50005;
	assert_int_equal(tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
	                                   &f->out),
	                 TCP_ENOMEM);
	assert_state_name(sx_conn(f, h2), TCP_ESTABLISHED);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_table_full_syn_evicts_time_wait(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int l, h, c;

	(void)state;
	sx_init_table(f, 2);
	l = sx_listen(f, NULL, 4);
	h = sx_connect_established(f, 50000, 8080, &iss);
	sx_to_time_wait(f, h, 50000, 8080, iss);
	c = sx_syn(f, &f->remote_b, RPORT_A, &f->local, &iss);
	assert_int_equal(c, h);
	assert_int_equal(f->slots[c].parent, l);
	assert_int_equal(f->st.evictions, 1);
	sx_free(f);
}

/* ===== TIME-WAIT reopened by a new SYN (RFC 9293 3.6.1 MAY-2, E112) ===== */

#define NEW_SEQ (REMOTE_ISN + 100000u) /* a SYN above the old RCV.NXT */

/*
 * A child of listener l from remote_a:RPORT_A, accepted, closed actively
 * by the app and put in TIME-WAIT by the peer's FIN: the slot is RELEASED.
 * Returns the slot; *iss gets the old ISS.
 */
static int sx_server_time_wait(struct sx *f, int l, uint32_t *iss)
{
	int c = sx_handshake(f, &f->remote_a, RPORT_A, &f->local, iss);

	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	sx_to_time_wait(f, c, LPORT, RPORT_A, *iss);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_RELEASED);
	return c;
}

static void test_time_wait_syn_reopens_as_listener_child(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss, iss2;
	int l, c;

	(void)state;
	l = sx_listen(f, &f->local, 4);
	c = sx_server_time_wait(f, l, &iss);
	v = sx_in(f, &f->remote_a, &f->local, SYN_IN(.seq = SEQ(NEW_SEQ)));
	assert_disp(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	/* <SEQ=ISS'><ACK=SEG.SEQ+1><CTL=SYN,ACK>, ISS' above the old SND.MAX
	 * (iss + 2 after our FIN): the environment's next ISN. */
	assert_int_equal(f->out.n, 1);
	iss2 = OUT(f, 0)->seq.v;
	sx_assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK,
	              LOCAL_ISN + ISS_STEP, NEW_SEQ + 1);
	assert_true(tcp_seq_gt(SEQ(iss2), SEQ(iss + 2)));
	/* The same slot, now a pending child of the listener. */
	assert_int_equal(sx_find(f, &f->remote_a, RPORT_A, &f->local, LPORT),
	                 c);
	assert_state_name(sx_conn(f, c), TCP_SYN_RECEIVED);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_PENDING);
	assert_int_equal(f->slots[c].parent, l);
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	assert_int_equal(f->st.drops[TCP_WHY_SYN_CHALLENGE], 0);
	/* The handshake completes; accept() returns it. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.seq = SEQ(NEW_SEQ + 1), .ack = SEQ(iss2 + 1)));
	assert_disp(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state_name(sx_conn(f, c), TCP_ESTABLISHED);
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_APP);
	assert_int_equal(tcp_stack_used(&f->st), 2);
	sx_assert_drains(f);
	sx_free(f);
}

/* 3.6.1 condition (2): the child goes back to TIME-WAIT, released again. */
static void test_time_wait_reopened_child_rst_back_to_time_wait(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, NULL, 1);
	c = sx_server_time_wait(f, l, &iss);
	sx_in(f, &f->remote_a, &f->local, SYN_IN(.seq = SEQ(NEW_SEQ)));
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_PENDING);
	/* The peer knew nothing of it: <SEQ=SEG.ACK><CTL=RST>. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(NEW_SEQ + 1)));
	assert_disp(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->out.n, 0);
	assert_state_name(sx_conn(f, c), TCP_TIME_WAIT);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_RELEASED);
	assert_int_equal(f->slots[c].parent, -1);
	assert_int_equal(tcp_stack_accept(&f->st, l), TCP_EWOULDBLOCK);
	/* The backlog (1) is free again: another client gets a child. */
	sx_syn(f, &f->remote_b, RPORT_A, &f->local, &iss);
	/* The old TIME-WAIT answers as before, then ends after 2*MSL. */
	v = sx_in(f, &f->remote_a, &f->local,
	          SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                 .seq = SEQ(REMOTE_ISN + 1)));
	assert_disp(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, REMOTE_ISN + 2);
	tcp_stack_poll(&f->st, &f->env, f->now_us + 2 * f->cfg.msl_us, &f->out);
	assert_null(tcp_stack_conn(&f->st, c));
	sx_assert_drains(f);
	sx_free(f);
}

/*
 * No listener to accept a new incarnation, or no room in its backlog, or
 * the app still holds the handle: the TIME-WAIT connection challenges the
 * SYN (E111, RFC 5961 4.2) and stays.
 */
static void sx_assert_syn_challenged(struct sx *f, int h, uint16_t lport,
                                     uint16_t rport, uint32_t iss)
{
	struct tcp_verdict v =
	    sx_in(f, &f->remote_a, &f->local,
	          SYN_IN(.sport = rport, .dport = lport, .seq = SEQ(NEW_SEQ)));

	/* NEW_SEQ lies beyond the window: the sequence check answers. */
	assert_disp(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_int_equal(f->out.n, 1);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_ACK, iss + 2, REMOTE_ISN + 2);
	/* In the window: RFC 5961 4.2, the challenge ACK (E111). */
	v = sx_in(f, &f->remote_a, &f->local,
	          SYN_IN(.sport = rport, .dport = lport,
	                 .seq = SEQ(REMOTE_ISN + 9)));
	assert_disp(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	assert_int_equal(f->out.n, 1);
	sx_assert_seg(OUT(f, 0), TCP_FLAG_ACK, iss + 2, REMOTE_ISN + 2);
	assert_state_name(sx_conn(f, h), TCP_TIME_WAIT);
}

static void test_time_wait_syn_without_listener_challenge_acked(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int h;

	(void)state;
	/* An active close of our own connection to remote_a:LPORT; nobody
	 * listens on local port 50000. */
	h = sx_connect_established(f, 50000, LPORT, &iss);
	sx_to_time_wait(f, h, 50000, LPORT, iss);
	sx_assert_syn_challenged(f, h, 50000, LPORT, iss);
	assert_int_equal(tcp_stack_slot_use(&f->st, h), TCP_SLOT_RELEASED);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_time_wait_syn_backlog_full_challenge_acked(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss, iss_b;
	int l, c;

	(void)state;
	l = sx_listen(f, &f->local, 1);
	c = sx_server_time_wait(f, l, &iss);
	sx_syn(f, &f->remote_b, RPORT_A, &f->local, &iss_b);
	sx_assert_syn_challenged(f, c, LPORT, RPORT_A, iss);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_RELEASED);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_time_wait_held_by_app_not_reopened(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int l, c;

	(void)state;
	l = sx_listen(f, &f->local, 4);
	c = sx_handshake(f, &f->remote_a, RPORT_A, &f->local, &iss);
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	/* CLOSE without giving the handle up: TIME-WAIT, still the app's. */
	assert_int_equal(tcp_stack_close(&f->st, &f->env, f->now_us, c,
	                                 TCP_CLOSE_SEND, &f->out),
	                 0);
	sx_in(f, &f->remote_a, &f->local,
	      SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	             .ack = SEQ(iss + 2)));
	assert_state_name(sx_conn(f, c), TCP_TIME_WAIT);
	sx_assert_syn_challenged(f, c, LPORT, RPORT_A, iss);
	assert_int_equal(tcp_stack_slot_use(&f->st, c), TCP_SLOT_APP);
	sx_assert_drains(f);
	sx_free(f);
}

/* cfg.timewait_reopen off: E111 even with a listener. */
static void test_time_wait_syn_reopen_off_challenge_acked(void **state)
{
	struct sx *f = sx_new();
	uint32_t iss;
	int l, c;

	(void)state;
	f->cfg.timewait_reopen = false;
	l = sx_listen(f, &f->local, 4);
	c = sx_server_time_wait(f, l, &iss);
	sx_assert_syn_challenged(f, c, LPORT, RPORT_A, iss);
	sx_assert_drains(f);
	sx_free(f);
}

/* ===== Active open: ephemeral ports ===== */

static void test_connect_ephemeral_port_collision_retries(void **state)
{
	struct sx *f = sx_new();
	struct tcp_tuple t;
	int h0, h1;

	(void)state;
	f->ctx.ports[0] = 50000;
	f->ctx.ports[1] = 50000; /* taken by then: drawn again */
	f->ctx.ports[2] = 0;     /* never a port: drawn again */
	f->ctx.ports[3] = 50001;
	f->ctx.ports_n = 4;
	memset(&t, 0, sizeof(t));
	t.laddr = f->local;
	t.raddr = f->remote_a;
	t.rport = LPORT;
	h0 = tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
	assert_true(h0 >= 0);
	assert_int_equal(sx_conn(f, h0)->tuple.lport, 50000);
	h1 = tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
	assert_true(h1 >= 0);
	assert_int_equal(sx_conn(f, h1)->tuple.lport, 50001);
	assert_int_equal(f->ctx.port_calls, 4);
	/* Another remote port makes 50001 usable again. */
	t.rport = LPORT + 1;
	f->ctx.port_calls = 0;
	assert_true(
	    tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out) >= 0);
	assert_int_equal(f->ctx.port_calls, 1);
	sx_assert_drains(f);
	sx_free(f);
}

static void test_connect_ephemeral_ports_exhausted_fails_cleanly(void **state)
{
	struct sx *f = sx_new();
	struct tcp_tuple t;

	(void)state;
	f->ctx.ports[0] = 50000;
	f->ctx.ports_n = 1; /* always 50000 */
	memset(&t, 0, sizeof(t));
	t.laddr = f->local;
	t.raddr = f->remote_a;
	t.rport = LPORT;
	assert_true(
	    tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out) >= 0);
	f->ctx.port_calls = 0;
	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
	                                   &f->out),
	                 TCP_EADDRINUSE);
	assert_int_equal(f->ctx.port_calls, TCP_STACK_EPHEMERAL_TRIES);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	/* An explicit port that is taken fails the same way. */
	t.lport = 50000;
	assert_int_equal(tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
	                                   &f->out),
	                 TCP_EADDRINUSE);
	sx_free(f);
}

static void test_connect_bad_remote_refused(void **state)
{
	struct sx *f = sx_new();
	struct tcp_tuple t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.laddr = f->local;
	t.lport = 50000;
	t.rport = LPORT;
	/* MUST-46: no OPEN to broadcast or multicast. */
	tcp_addr_v4(&t.raddr, 224, 0, 0, 1);
	assert_int_equal(tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
	                                   &f->out),
	                 TCP_EADDRNOTAVAIL);
	tcp_addr_v4(&t.raddr, 255, 255, 255, 255);
	assert_int_equal(tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
	                                   &f->out),
	                 TCP_EADDRNOTAVAIL);
	/* No local address: the stack does no routing. */
	t.raddr = f->remote_a;
	memset(&t.laddr, 0, sizeof(t.laddr));
	assert_int_equal(tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
	                                   &f->out),
	                 TCP_EINVAL);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(tcp_stack_used(&f->st), 0);
	sx_free(f);
}

/* ===== Packets: IP layer checks ===== */

/* Builds an IPv4 packet of seg from src to dst; returns its length. */
static size_t sx_packet(const struct tcp_addr *src, const struct tcp_addr *dst,
                        struct tcp_seg seg, uint8_t *buf, size_t cap)
{
	size_t tcp_len = tcp_seg_emit(&seg, src, dst, buf + TCP_IP4_HDR_MIN,
	                              cap - TCP_IP4_HDR_MIN);
	size_t ip_len;

	assert_true(tcp_len >= TCP_HDR_MIN);
	ip_len = tcp_wire_ip_emit(src, dst, 64, 0, 1, tcp_len, buf, cap);
	assert_int_equal(ip_len, TCP_IP4_HDR_MIN);
	return ip_len + tcp_len;
}

static void test_packet_good_syn_reaches_listener(void **state)
{
	struct sx *f = sx_new();
	uint8_t pkt[128];
	size_t len =
	    sx_packet(&f->remote_a, &f->local, SYN_IN(), pkt, sizeof(pkt));
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, NULL, 4);
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, len,
	                           &f->out);
	assert_disp(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->out.n, 1);
	assert_int_equal(OUT(f, 0)->flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(tcp_stack_used(&f->st), 2);
	sx_free(f);
}

static void test_packet_bad_checksum_dropped(void **state)
{
	struct sx *f = sx_new();
	uint8_t pkt[128];
	size_t len =
	    sx_packet(&f->remote_a, &f->local, SYN_IN(), pkt, sizeof(pkt));
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, NULL, 4);
	pkt[TCP_IP4_HDR_MIN + TCP_OFF_CSUM] ^= 0x01;
	/* MUST-3: dropped before any connection sees it; no RST either. */
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, len,
	                           &f->out);
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BAD_CSUM);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	assert_int_equal(f->st.drops[TCP_WHY_BAD_CSUM], 1);
	assert_int_equal(f->ctx.last_null_why, TCP_WHY_BAD_CSUM);
	/* Garbage gets a verdict too. */
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, 7, &f->out);
	assert_int_equal(v.disp, TCP_DISP_DROP);
	assert_int_equal(f->st.segs_in, 2);
	sx_free(f);
}

static void test_packet_multicast_destination_dropped(void **state)
{
	struct sx *f = sx_new();
	struct tcp_addr mc;
	uint8_t pkt[128];
	size_t len;
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, NULL, 4);
	/* MUST-57: silently, even with a listener on any address. */
	tcp_addr_v4(&mc, 224, 0, 0, 1);
	len = sx_packet(&f->remote_a, &mc, SYN_IN(), pkt, sizeof(pkt));
	v = tcp_stack_input_packet(&f->st, &f->env, f->now_us, pkt, len,
	                           &f->out);
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BAD_ADDR);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

static void test_input_broadcast_or_multicast_source_dropped(void **state)
{
	struct sx *f = sx_new();
	struct tcp_addr a, b;
	struct tcp_verdict v;

	(void)state;
	sx_listen(f, NULL, 4);
	/* MUST-63: broadcast and unspecified sources; no RST to them. */
	tcp_addr_v4(&a, 255, 255, 255, 255);
	v = sx_in(f, &a, &f->local, SYN_IN());
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BAD_ADDR);
	tcp_addr_v4(&a, 0, 0, 0, 0);
	v = sx_in(f, &a, &f->local, SEG_IN(.dport = 9));
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BAD_ADDR);
	/* IPv6 multicast (ff00::/8) in either place. */
	memset(&a, 0, sizeof(a));
	a.family = TCP_AF_INET6;
	a.a[0] = 0x20;
	a.a[1] = 0x01;
	a.a[15] = 1;
	b = a;
	b.a[0] = 0xff;
	b.a[1] = 0x02;
	v = sx_in(f, &a, &b, SYN_IN());
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BAD_ADDR);
	v = sx_in(f, &b, &a, SYN_IN());
	assert_disp(v, TCP_DISP_DROP, TCP_WHY_BAD_ADDR);
	assert_int_equal(f->out.n, 0);
	assert_int_equal(f->st.drops[TCP_WHY_BAD_ADDR], 4);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	sx_free(f);
}

/* ===== Closing a listener ===== */

static void test_listen_close_resets_unaccepted_children(void **state)
{
	struct sx *f = sx_new();
	struct tcp_verdict v;
	uint32_t iss_a, iss_b, iss_c;
	int l, a, b, c;
	unsigned i, rst_a = 0, rst_b = 0;

	(void)state;
	l = sx_listen(f, NULL, 8);
	c = sx_handshake(f, &f->remote_b, RPORT_C, &f->local, &iss_c);
	assert_int_equal(tcp_stack_accept(&f->st, l), c);
	a = sx_syn(f, &f->remote_a, RPORT_A, &f->local, &iss_a);
	b = sx_handshake(f, &f->remote_a, RPORT_B, &f->local, &iss_b);

	tcp_out_reset(&f->out);
	assert_int_equal(tcp_stack_close(&f->st, &f->env, f->now_us, l,
	                                 TCP_CLOSE_FULL, &f->out),
	                 0);
	/* 3.10.5: <SEQ=SND.NXT><CTL=RST> from SYN-RECEIVED and
	 * ESTABLISHED; the accepted child is the app's and stays. */
	assert_int_equal(f->out.n, 2);
	for (i = 0; i < f->out.n; i++) {
		const struct tcp_seg *s = OUT(f, i);

		assert_int_equal(s->flags & TCP_FLAG_RST, TCP_FLAG_RST);
		if (s->dport == RPORT_A && s->seq.v == iss_a + 1)
			rst_a++;
		if (s->dport == RPORT_B && s->seq.v == iss_b + 1)
			rst_b++;
	}
	assert_int_equal(rst_a, 1);
	assert_int_equal(rst_b, 1);
	assert_null(tcp_stack_conn(&f->st, l));
	assert_null(tcp_stack_conn(&f->st, a));
	assert_null(tcp_stack_conn(&f->st, b));
	assert_state_name(sx_conn(f, c), TCP_ESTABLISHED);
	assert_int_equal(tcp_stack_used(&f->st), 1);
	/* The port is closed now. */
	v = sx_in(f, &f->remote_a, &f->local, SYN_IN(.sport = RPORT_A));
	assert_disp(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	/* A closed handle is no handle. */
	assert_int_equal(tcp_stack_close(&f->st, &f->env, f->now_us, l,
	                                 TCP_CLOSE_FULL, &f->out),
	                 TCP_EINVAL);
	sx_assert_drains(f);
	sx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_syn_without_ack_gets_rst_ack),
		cmocka_unit_test(test_closed_ack_gets_rst_with_seq_of_ack),
		cmocka_unit_test(test_closed_rst_not_answered),
		cmocka_unit_test(
		    test_closed_port_with_listener_elsewhere_gets_rst),
		cmocka_unit_test(test_listen_syn_creates_child_in_syn_received),
		cmocka_unit_test(test_listen_ack_gets_rst_from_listener),
		cmocka_unit_test(
		    test_listen_second_listener_same_socket_in_use),
		cmocka_unit_test(test_listen_specific_address_beats_any),
		cmocka_unit_test(
		    test_listen_specific_address_only_other_address_closed),
		cmocka_unit_test(test_listen_backlog_full_drops_syn),
		cmocka_unit_test(test_listen_table_full_drops_syn),
		cmocka_unit_test(
		    test_syn_received_ack_completes_accept_returns_child),
		cmocka_unit_test(
		    test_syn_received_rst_frees_child_listener_stays),
		cmocka_unit_test(test_syn_received_in_window_syn_frees_child),
		cmocka_unit_test(
		    test_established_rst_before_accept_frees_child),
		cmocka_unit_test(test_syn_received_timeout_frees_child),
		cmocka_unit_test(test_established_two_conns_demuxed_by_tuple),
		cmocka_unit_test(test_established_ipv6_child_of_any_listener),
		cmocka_unit_test(
		    test_accept_order_follows_handshake_completion),
		cmocka_unit_test(test_time_wait_released_freed_after_2msl),
		cmocka_unit_test(test_last_ack_released_freed_on_final_ack),
		cmocka_unit_test(
		    test_table_full_evicts_time_wait_before_last_ack),
		cmocka_unit_test(test_table_full_syn_evicts_time_wait),
		cmocka_unit_test(test_time_wait_syn_reopens_as_listener_child),
		cmocka_unit_test(
		    test_time_wait_reopened_child_rst_back_to_time_wait),
		cmocka_unit_test(
		    test_time_wait_syn_without_listener_challenge_acked),
		cmocka_unit_test(
		    test_time_wait_syn_backlog_full_challenge_acked),
		cmocka_unit_test(test_time_wait_held_by_app_not_reopened),
		cmocka_unit_test(test_time_wait_syn_reopen_off_challenge_acked),
		cmocka_unit_test(test_connect_ephemeral_port_collision_retries),
		cmocka_unit_test(
		    test_connect_ephemeral_ports_exhausted_fails_cleanly),
		cmocka_unit_test(test_connect_bad_remote_refused),
		cmocka_unit_test(test_packet_good_syn_reaches_listener),
		cmocka_unit_test(test_packet_bad_checksum_dropped),
		cmocka_unit_test(test_packet_multicast_destination_dropped),
		cmocka_unit_test(
		    test_input_broadcast_or_multicast_source_dropped),
		cmocka_unit_test(test_listen_close_resets_unaccepted_children),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
