/* SPDX-License-Identifier: MIT
 *
 * Smoke tests of the connection layer: every fixture reaches its state
 * through real transitions, and two reference connections wired back to
 * back complete a handshake, a transfer in both directions and a close.
 */
#include "fixture.h"

#include <string.h>

static void test_fixtures_reach_every_state(void **state)
{
	void (*reach[])(struct fx *) = {
		fx_listen,      fx_syn_received,
		fx_syn_sent,    fx_syn_received_active,
		fx_established, fx_established_active,
		fx_fin_wait_1,  fx_fin_wait_2,
		fx_close_wait,  fx_closing,
		fx_last_ack,    fx_time_wait,
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(reach) / sizeof(reach[0]); i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

		reach[i](f);
		fx_free(f);
	}
}

static void test_time_wait_timeout_closes_after_2msl(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_time_wait(f);
	fx_advance(f, 2 * f->cfg.msl_us - 1);
	assert_state(f, TCP_TIME_WAIT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_true(fx_saw_transition(f, TCP_TIME_WAIT, TCP_CLOSED));
	fx_free(f);
}

/* ---- Two reference stacks back to back ----------------------------------- */

struct end {
	struct tcp_conn c;
	struct tcp_tuple t;
	uint8_t rx[16384], tx[65536];
	struct tcp_out out;
	struct tcp_out_seg segs[64];
	uint8_t data[64 * 1500];
};

static uint32_t isn_a(void *ctx, const struct tcp_tuple *t, uint64_t now)
{
	(void)ctx;
	(void)t;
	(void)now;
	return 0xFFFFF000u;
}

/* When non-zero, every drop_every-th data segment is lost in transit. */
static unsigned drop_every, data_seen;
/* When set, this end's application reads after every segment it gets. */
static struct end *eager_reader;
static uint8_t *sink;
static uint32_t sink_len, sink_cap;

/* Delivers everything in 'from's output to 'to'; returns segments moved. */
static unsigned deliver(struct end *from, struct end *to,
                        const struct tcp_env *env, uint64_t now)
{
	unsigned i, n = from->out.n;
	struct tcp_out_seg copy[64];
	uint8_t data[64 * 1500];

	memcpy(copy, from->segs, n * sizeof(copy[0]));
	memcpy(data, from->data, from->out.data_used);
	for (i = 0; i < n; i++)
		if (copy[i].seg.payload)
			copy[i].seg.payload =
			    data + (copy[i].seg.payload - from->data);
	tcp_out_reset(&from->out);
	for (i = 0; i < n; i++) {
		if (drop_every && copy[i].seg.payload_bytes > 0 &&
		    ++data_seen % drop_every == 0)
			continue;
		tcp_conn_input(&to->c, env, now, &to->t, &copy[i].seg,
		               &to->out);
	}
	/* Read what is in order while later data may still be held. */
	if (to == eager_reader && sink_len < sink_cap) {
		int r = tcp_conn_recv(&to->c, env, now, sink + sink_len,
		                      sink_cap - sink_len, &to->out);

		if (r > 0)
			sink_len += (uint32_t)r;
	}
	return n;
}

static void pump(struct end *a, struct end *b, const struct tcp_env *env,
                 uint64_t *now)
{
	for (int rounds = 0; rounds < 10000; rounds++) {
		unsigned moved =
		    deliver(a, b, env, *now) + deliver(b, a, env, *now);

		if (moved == 0) {
			uint64_t da = tcp_conn_next_deadline_us(&a->c);
			uint64_t db = tcp_conn_next_deadline_us(&b->c);
			uint64_t d = da < db ? da : db;

			if (d == TCP_NO_DEADLINE)
				return;
			if (d > *now)
				*now = d;
			tcp_conn_poll(&a->c, env, *now, &a->out);
			tcp_conn_poll(&b->c, env, *now, &b->out);
			if (a->out.n == 0 && b->out.n == 0 &&
			    (a->c.state == TCP_CLOSED ||
			     a->c.state == TCP_TIME_WAIT) &&
			    (b->c.state == TCP_CLOSED ||
			     b->c.state == TCP_TIME_WAIT))
				return;
		}
	}
}

static void run_pair_transfer_and_close(unsigned lose_every)
{
	static struct end a, b;
	struct tcp_cfg cfg;
	struct tcp_env env = { .isn = isn_a };
	uint64_t now = 1000000;
	static uint8_t msg[200000], got[200000];
	uint32_t sent = 0, rcvd = 0;
	int r;

	drop_every = lose_every;
	data_seen = 0;
	eager_reader = lose_every ? &b : NULL;
	sink = got;
	sink_len = 0;
	sink_cap = sizeof(got);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* Not periodic: misplaced bytes must not read back the same. */
	for (uint32_t i = 0, x = 2463534242u; i < sizeof(msg); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		msg[i] = (uint8_t)x;
	}
	tcp_cfg_init(&cfg, TCP_PROFILE_DEFAULT);
	tcp_conn_init(&a.c, &cfg, a.rx, sizeof(a.rx), a.tx, sizeof(a.tx));
	tcp_conn_init(&b.c, &cfg, b.rx, sizeof(b.rx), b.tx, sizeof(b.tx));
	tcp_out_init(&a.out, a.segs, 64, a.data, sizeof(a.data));
	tcp_out_init(&b.out, b.segs, 64, b.data, sizeof(b.data));
	tcp_addr_v4(&a.t.laddr, 192, 0, 2, 1);
	tcp_addr_v4(&a.t.raddr, 192, 0, 2, 2);
	a.t.lport = 1111;
	a.t.rport = 2222;
	b.t.laddr = a.t.raddr;
	b.t.raddr = a.t.laddr;
	b.t.lport = 2222;
	b.t.rport = 1111;

	struct tcp_tuple lt = b.t;
	memset(&lt.raddr, 0, sizeof(lt.raddr));
	lt.rport = 0;
	assert_int_equal(tcp_conn_open_passive(&b.c, &env, now, &lt), 0);
	assert_int_equal(tcp_conn_open_active(&a.c, &env, now, &a.t, &a.out),
	                 0);
	pump(&a, &b, &env, &now);
	assert_string_equal(tcp_state_name(a.c.state), "ESTABLISHED");
	assert_string_equal(tcp_state_name(b.c.state), "ESTABLISHED");
	assert_true(a.c.fl & TCP_CF_TS);
	assert_true(a.c.fl & TCP_CF_SACK);
	assert_true(a.c.fl & TCP_CF_WS);

	while (rcvd < sizeof(msg)) {
		if (sent < sizeof(msg)) {
			r = tcp_conn_send(&a.c, &env, now, msg + sent,
			                  (uint32_t)(sizeof(msg) - sent), 0,
			                  &a.out);
			assert_true(r >= 0);
			sent += (uint32_t)r;
		}
		pump(&a, &b, &env, &now);
		if (eager_reader) {
			rcvd = sink_len;
			continue;
		}
		r = tcp_conn_recv(&b.c, &env, now, got + rcvd,
		                  (uint32_t)(sizeof(got) - rcvd), &b.out);
		if (r > 0)
			rcvd += (uint32_t)r;
		else
			assert_int_equal(r, TCP_EWOULDBLOCK);
	}
	eager_reader = NULL;
	assert_memory_equal(msg, got, sizeof(msg));
	drop_every = 0;

	assert_int_equal(tcp_conn_close(&a.c, &env, now, TCP_CLOSE_SEND,
	                                &a.out),
	                 0);
	pump(&a, &b, &env, &now);
	assert_string_equal(tcp_state_name(b.c.state), "CLOSE-WAIT");
	assert_int_equal(tcp_conn_recv(&b.c, &env, now, got, 10, &b.out), 0);
	assert_int_equal(tcp_conn_close(&b.c, &env, now, TCP_CLOSE_SEND,
	                                &b.out),
	                 0);
	pump(&a, &b, &env, &now);
	assert_string_equal(tcp_state_name(b.c.state), "CLOSED");
	assert_string_equal(tcp_state_name(a.c.state), "CLOSED");
	assert_int_equal(b.c.err, 0);
}

static void test_pair_transfer_and_close(void **state)
{
	(void)state;
	run_pair_transfer_and_close(0);
}

/*
 * Regression: with losses, out-of-order data is held while the reader
 * empties the buffer, and gaps are filled with several holes open.
 */
static void test_pair_transfer_with_loss_delivers_exact_bytes(void **state)
{
	(void)state;
	run_pair_transfer_and_close(7);
	run_pair_transfer_and_close(3);
}

/*
 * Regression: two holes open, the first filled, then the second. The block
 * beyond the second hole must still be found where it was written.
 */
static void
test_established_two_holes_filled_in_order_delivers_bytes(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint8_t data[500], got[600];
	uint32_t base;
	int r;

	(void)state;
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + i / 7);
	fx_established(f);
	base = f->peer_nxt;
	/* [0,100) held back; [100,200) arrives; [200,300) held; [300,500). */
	fx_input(f, SEG_IN(.seq = SEQ(base + 300), .ack = SEQ(LOCAL_ISN + 1),
	                   .payload = data + 300, .payload_bytes = 200));
	fx_input(f, SEG_IN(.seq = SEQ(base + 100), .ack = SEQ(LOCAL_ISN + 1),
	                   .payload = data + 100, .payload_bytes = 100));
	assert_int_equal(f->c.reasm.n, 2);
	fx_input(f, SEG_IN(.seq = SEQ(base), .ack = SEQ(LOCAL_ISN + 1),
	                   .payload = data, .payload_bytes = 100));
	assert_seq_equal(f->c.rcv_nxt.v, base + 200);
	fx_input(f, SEG_IN(.seq = SEQ(base + 200), .ack = SEQ(LOCAL_ISN + 1),
	                   .payload = data + 200, .payload_bytes = 100));
	assert_seq_equal(f->c.rcv_nxt.v, base + 500);
	r = tcp_conn_recv(&f->c, &f->env, f->now_us, got, sizeof(got), &f->out);
	assert_int_equal(r, 500);
	assert_memory_equal(got, data, 500);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_reach_every_state),
		cmocka_unit_test(test_time_wait_timeout_closes_after_2msl),
		cmocka_unit_test(test_pair_transfer_and_close),
		cmocka_unit_test(
		    test_pair_transfer_with_loss_delivers_exact_bytes),
		cmocka_unit_test(
		    test_established_two_holes_filled_in_order_delivers_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
