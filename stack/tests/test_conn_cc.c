/* SPDX-License-Identifier: MIT
 *
 * Congestion control of the reference connection (RFC 9293 3.8.2, MUST-19):
 * RFC 5681 initial window, slow start, congestion avoidance, loss window,
 * fast retransmit / fast recovery with RFC 6582 partial ACKs, idle restart,
 * the RFC 2018 SACK scoreboard on the sending side, and a 1 MB transfer
 * between two reference connections over a lossy path.
 */
#include "fixture.h"

#include <string.h>

#define MS 1000ull
#define SEC 1000000ull
#define L(x) (LOCAL_ISN + 1u + (uint32_t)(x)) /* our stream offset x */

static struct fx *est(void)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	fx_established(f);
	return f;
}

static struct fx *est_mss(uint16_t mss, uint8_t extra)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_opts o = { .present = (uint8_t)(TCP_OPTF_MSS | extra),
		              .mss = mss };

	if (mss > 1460) {
		f->cfg.mtu = 9000;
		fx_reinit(f);
	}
	fx_established_opts(f, &o);
	return f;
}

/* 30000 bytes queued; four single ACKs: cwnd 8000 and 8000 in flight. */
static void grow_to_8_segments(struct fx *f)
{
	assert_int_equal(fx_write(f, 30000, 0), 30000);
	assert_nout(f, 4);
	for (uint32_t i = 1; i <= 4; i++)
		fx_ack(f, L(i * 1000), 65535);
	assert_int_equal(f->c.cwnd, 8000);
	assert_int_equal(f->c.snd_max.v, L(12000));
	fx_clear(f);
}

static void dupacks(struct fx *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fx_ack(f, fx_una(f), 65535);
}

/* ---- ESTABLISHED: RFC 5681 3.1 ------------------------------------------- */

/* IW: 4 segments when SMSS <= 1095, and not a byte more before an ACK. */
static void test_established_smss_1000_initial_window_4_segments(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 20000, 0), 20000);
	assert_nout(f, 4);
	assert_int_equal(fx_out_bytes(f), 4000);
	assert_int_equal(f->c.cwnd, 4000);
	fx_clear(f);
	fx_advance(f, 900 * MS); /* before the RTO: nothing else */
	assert_no_output(f);
	fx_free(f);
}

/* IW: 3 segments when 1095 < SMSS <= 2190. */
static void test_established_smss_1460_initial_window_3_segments(void **state)
{
	struct fx *f = est_mss(1460, 0);

	(void)state;
	assert_int_equal(fx_write(f, 20000, 0), 20000);
	assert_nout(f, 3);
	assert_int_equal(fx_out_bytes(f), 3 * 1460);
	fx_free(f);
}

/* IW: 2 segments when SMSS > 2190. */
static void test_established_smss_2200_initial_window_2_segments(void **state)
{
	struct fx *f = est_mss(2200, 0);

	(void)state;
	assert_int_equal(fx_write(f, 20000, 0), 20000);
	assert_nout(f, 2);
	assert_int_equal(fx_out_bytes(f), 2 * 2200);
	fx_free(f);
}

/* Slow start: cwnd += min(N, SMSS) per ACK, also for a stretch ACK. */
static void test_established_slow_start_ack_adds_at_most_smss(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 20000, 0), 20000);
	fx_ack(f, L(1000), 65535);
	assert_int_equal(f->c.cwnd, 5000);
	assert_nout(f, 2);
	fx_ack(f, L(3000), 65535); /* two segments at once */
	assert_int_equal(f->c.cwnd, 6000);
	assert_nout(f, 3);
	fx_free(f);
}

/* Congestion avoidance: cwnd grows by one SMSS per cwnd of acked bytes. */
static void test_established_congestion_avoidance_one_smss_per_rtt(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 20000, 0), 20000);
	assert_int_not_equal(fx_run_until_output(f, 10 * SEC), 10 * SEC + 1);
	assert_int_equal(f->c.ssthresh, 2000);
	assert_int_equal(f->c.cwnd, 1000);
	fx_ack(f, L(1000), 65535); /* slow start: 2000 = ssthresh */
	assert_int_equal(f->c.cwnd, 2000);
	fx_ack(f, L(2000), 65535);
	assert_int_equal(f->c.cwnd, 2000);
	fx_ack(f, L(3000), 65535);
	assert_int_equal(f->c.cwnd, 3000);
	assert_true(tcp_seq_ge(f->c.snd_max, SEQ(L(6000))));
	fx_ack(f, L(4000), 65535);
	fx_ack(f, L(5000), 65535);
	assert_int_equal(f->c.cwnd, 3000);
	fx_ack(f, L(6000), 65535);
	assert_int_equal(f->c.cwnd, 4000);
	fx_free(f);
}

/* RTO: ssthresh = max(FlightSize/2, 2*SMSS), cwnd = 1 SMSS (loss window). */
static void test_established_rto_halves_ssthresh_cwnd_one_smss(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(4000));
	assert_int_equal(f->c.ssthresh, 4000);
	assert_int_equal(f->c.cwnd, 1000);
	fx_free(f);
}

/* RFC 5681 3.2: the third duplicate ACK resends SND.UNA; cwnd = ssthresh+3. */
static void test_established_three_dupacks_fast_retransmit(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	dupacks(f, 2);
	assert_no_output(f);
	dupacks(f, 1);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(4000));
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	assert_int_equal(f->c.ssthresh, 4000);
	assert_int_equal(f->c.cwnd, 4000 + 3 * 1000);
	assert_true(f->c.fl & TCP_CF_RECOVERY);
	fx_free(f);
}

/* RFC 5681 3.2 step 4: each further duplicate ACK inflates cwnd by SMSS. */
static void test_established_further_dupacks_inflate_cwnd(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	dupacks(f, 3);
	dupacks(f, 1);
	assert_int_equal(f->c.cwnd, 8000);
	assert_no_output(f);
	dupacks(f, 1);
	assert_int_equal(f->c.cwnd, 9000);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(12000));
	fx_free(f);
}

/* RFC 6582 3.2 step 3: a full ACK ends recovery and deflates the window. */
static void test_established_full_ack_ends_recovery_deflates(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	dupacks(f, 5);
	fx_ack(f, L(12000), 65535);
	assert_false(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.ssthresh, 4000);
	assert_true(f->c.cwnd <= 4000);
	assert_true(f->c.cwnd >= 1000);
	fx_free(f);
}

/*
 * RFC 6582 3.2 step 3: a partial ACK resends the next hole at once and
 * stays in recovery; step 4: later duplicate ACKs keep inflating.
 */
static void test_established_partial_ack_resends_next_hole(void **state)
{
	struct fx *f = est();
	uint32_t cwnd;

	(void)state;
	grow_to_8_segments(f);
	dupacks(f, 3);
	fx_ack(f, L(6000), 65535); /* 4000 and 5000 arrived, 6000 lost */
	assert_true(f->out.n >= 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(6000));
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	assert_true(f->c.fl & TCP_CF_RECOVERY);
	cwnd = f->c.cwnd;
	dupacks(f, 1);
	assert_int_equal(f->c.cwnd, cwnd + 1000);
	fx_free(f);
}

/* RFC 5681 4.1: after idling longer than an RTO, restart from IW. */
static void test_established_idle_over_rto_restarts_with_iw(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 8000, 0), 8000);
	for (uint32_t i = 1; i <= 8; i++)
		fx_ack(f, L(i * 1000), 65535);
	assert_int_equal(f->c.tx.len, 0);
	assert_true(f->c.cwnd > 4000);
	fx_advance(f, 5 * SEC);
	fx_clear(f);
	assert_int_equal(fx_write(f, 20000, 0), 20000);
	assert_true(fx_out_bytes(f) <= 4000);
	fx_free(f);
}

/* ---- ESTABLISHED: the SACK scoreboard (RFC 2018) --------------------------
 */

static struct tcp_verdict sack_ack(struct fx *f, uint32_t ack, uint32_t l,
                                   uint32_t r)
{
	struct tcp_seg s = SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(ack));

	s.opts.present = TCP_OPTF_SACK;
	s.opts.sack_n = 1;
	s.opts.sack[0].left = SEQ(l);
	s.opts.sack[0].right = SEQ(r);
	fx_stamp(f, &s);
	return fx_input(f, s);
}

/* RFC 2018 3: blocks received are recorded. */
static void test_established_sack_blocks_recorded(void **state)
{
	struct fx *f = est_mss(1000, TCP_OPTF_SACKOK);

	(void)state;
	assert_true(f->c.fl & TCP_CF_SACK);
	assert_int_equal(fx_write(f, 4000, 0), 4000);
	sack_ack(f, L(0), L(2000), L(3000));
	assert_int_equal(f->c.sacked_n, 1);
	assert_int_equal(f->c.sacked[0].left.v, L(2000));
	assert_int_equal(f->c.sacked[0].right.v, L(3000));
	fx_free(f);
}

/* RFC 2018 5: the fast retransmission stops at the first SACKed octet. */
static void test_established_sack_fast_retransmit_stops_at_block(void **state)
{
	struct fx *f = est_mss(1000, TCP_OPTF_SACKOK);

	(void)state;
	tcp_conn_set_nodelay(&f->c, true);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(fx_write(f, 300, 0), 300);
	assert_int_equal(f->c.snd_max.v, L(1500));
	for (unsigned i = 0; i < 3; i++)
		sack_ack(f, L(0), L(300), L(1500));
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(0));
	assert_int_equal(OUT(f, 0)->payload_bytes, 300);
	fx_free(f);
}

/* RFC 2018 5.1: after an RTO the SACKed bits are turned off. */
static void test_established_rto_clears_sack_scoreboard(void **state)
{
	struct fx *f = est_mss(1000, TCP_OPTF_SACKOK);

	(void)state;
	assert_int_equal(fx_write(f, 4000, 0), 4000);
	sack_ack(f, L(0), L(500), L(2000));
	assert_int_equal(f->c.sacked_n, 1);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_int_equal(f->c.sacked_n, 0);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(0));
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	fx_free(f);
}

/* ---- Two reference connections over a lossy path ------------------------- */

struct end {
	struct tcp_conn c;
	struct tcp_tuple t;
	uint8_t rx[16384], tx[65536];
	struct tcp_out out;
	struct tcp_out_seg segs[64];
	uint8_t data[64 * 1500];
};

static uint32_t isn_b(void *ctx, const struct tcp_tuple *t, uint64_t now)
{
	(void)ctx;
	(void)now;
	return t->lport == 1111 ? 0xFFFFF000u : 0x7FFFFF00u;
}

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Moves 'from's output to 'to', dropping about loss_pct percent. */
static unsigned deliver_lossy(struct end *from, struct end *to,
                              const struct tcp_env *env, uint64_t now,
                              uint32_t *rng, unsigned loss_pct)
{
	static struct tcp_out_seg copy[64];
	static uint8_t data[64 * 1500];
	unsigned i, n = from->out.n;

	memcpy(copy, from->segs, n * sizeof(copy[0]));
	memcpy(data, from->data, from->out.data_used);
	for (i = 0; i < n; i++)
		if (copy[i].seg.payload)
			copy[i].seg.payload =
			    data + (copy[i].seg.payload - from->data);
	tcp_out_reset(&from->out);
	for (i = 0; i < n; i++) {
		if (xorshift32(rng) % 100 < loss_pct)
			continue;
		tcp_conn_input(&to->c, env, now, &to->t, &copy[i].seg,
		               &to->out);
	}
	return n;
}

/* Runs both ends until nothing moves and no timer is due before 'until'. */
static void settle(struct end *a, struct end *b, const struct tcp_env *env,
                   uint64_t *now, uint32_t *rng, unsigned loss)
{
	for (int i = 0; i < 100000; i++) {
		unsigned moved = deliver_lossy(a, b, env, *now, rng, loss) +
		                 deliver_lossy(b, a, env, *now, rng, loss);
		uint64_t da, db, d;

		if (moved)
			continue;
		da = tcp_conn_next_deadline_us(&a->c);
		db = tcp_conn_next_deadline_us(&b->c);
		d = da < db ? da : db;
		if (d == TCP_NO_DEADLINE)
			return;
		if (d > *now)
			*now = d;
		tcp_conn_poll(&a->c, env, *now, &a->out);
		tcp_conn_poll(&b->c, env, *now, &b->out);
		if (a->out.n == 0 && b->out.n == 0 &&
		    (a->c.state == TCP_CLOSED || a->c.state == TCP_TIME_WAIT) &&
		    (b->c.state == TCP_CLOSED || b->c.state == TCP_TIME_WAIT))
			return;
	}
}

/*
 * 1 MB from a to b with about 3% of segments lost in each direction: the
 * receiver reads exactly the bytes sent, then both ends close cleanly.
 */
static void test_established_pair_1mb_lossy_transfer_exact(void **state)
{
	static struct end a, b;
	static uint8_t msg[1 << 20], got[1 << 20];
	struct tcp_cfg cfg;
	struct tcp_env env = { .isn = isn_b };
	uint64_t now = 1000000, t_start;
	uint32_t sent = 0, rcvd = 0, rng = 0x2545F491u;
	unsigned loops = 0;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (uint32_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(xorshift32(&rng) >> 24);
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
	{
		struct tcp_tuple lt = b.t;

		memset(&lt.raddr, 0, sizeof(lt.raddr));
		lt.rport = 0;
		assert_int_equal(tcp_conn_open_passive(&b.c, &env, now, &lt),
		                 0);
	}
	assert_int_equal(tcp_conn_open_active(&a.c, &env, now, &a.t, &a.out),
	                 0);
	settle(&a, &b, &env, &now, &rng, 0);
	assert_int_equal(a.c.state, TCP_ESTABLISHED);
	assert_int_equal(b.c.state, TCP_ESTABLISHED);
	assert_true(a.c.fl & TCP_CF_SACK);

	t_start = now;
	while (rcvd < sizeof(msg)) {
		unsigned moved;
		int r;

		assert_true(++loops < 2000000);
		if (sent < sizeof(msg)) {
			r = tcp_conn_send(&a.c, &env, now, msg + sent,
			                  (uint32_t)(sizeof(msg) - sent), 0,
			                  &a.out);
			assert_true(r >= 0);
			sent += (uint32_t)r;
		}
		moved = deliver_lossy(&a, &b, &env, now, &rng, 3) +
		        deliver_lossy(&b, &a, &env, now, &rng, 3);
		r = tcp_conn_recv(&b.c, &env, now, got + rcvd,
		                  (uint32_t)(sizeof(got) - rcvd), &b.out);
		if (r > 0) {
			rcvd += (uint32_t)r;
			continue;
		}
		assert_int_equal(r, TCP_EWOULDBLOCK);
		if (moved == 0 && b.out.n == 0 && a.out.n == 0) {
			uint64_t da = tcp_conn_next_deadline_us(&a.c);
			uint64_t db = tcp_conn_next_deadline_us(&b.c);
			uint64_t d = da < db ? da : db;

			assert_true(d != TCP_NO_DEADLINE); /* no deadlock */
			if (d > now)
				now = d;
			tcp_conn_poll(&a.c, &env, now, &a.out);
			tcp_conn_poll(&b.c, &env, now, &b.out);
		}
	}
	assert_memory_equal(msg, got, sizeof(msg));
	assert_true(now - t_start < 3600 * SEC);
	assert_int_equal(a.c.state, TCP_ESTABLISHED);

	assert_int_equal(tcp_conn_close(&a.c, &env, now, TCP_CLOSE_SEND,
	                                &a.out),
	                 0);
	settle(&a, &b, &env, &now, &rng, 0);
	assert_int_equal(b.c.state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_conn_recv(&b.c, &env, now, got, 10, &b.out), 0);
	assert_int_equal(tcp_conn_close(&b.c, &env, now, TCP_CLOSE_SEND,
	                                &b.out),
	                 0);
	settle(&a, &b, &env, &now, &rng, 0);
	assert_int_equal(b.c.state, TCP_CLOSED);
	assert_int_equal(a.c.state, TCP_CLOSED);
	assert_int_equal(a.c.err, 0);
	assert_int_equal(b.c.err, 0);
}

/*
 * RFC 6582 3.2 step 3, option (1): a full ACK sets cwnd to
 * min(ssthresh, max(FlightSize, SMSS) + SMSS). With nothing left in flight
 * that is 2 SMSS (ssthresh is 4000 here), not 1 SMSS.
 */
static void
test_established_full_ack_nothing_in_flight_cwnd_2_smss(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 12000, 0), 12000);
	for (uint32_t i = 1; i <= 4; i++)
		fx_ack(f, L(i * 1000), 65535);
	assert_int_equal(f->c.snd_max.v, L(12000));
	dupacks(f, 3);
	assert_true(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.ssthresh, 4000);
	fx_ack(f, L(12000), 65535);
	assert_false(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.cwnd, 2000);
	fx_free(f);
}

/*
 * RFC 6582 3.2 step 4: a partial ACK deflates cwnd by the data it
 * acknowledges and, as it acknowledges at least one SMSS, adds one SMSS
 * back: 7000 - 2000 + 1000.
 */
static void test_established_partial_ack_deflates_adds_back_smss(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	dupacks(f, 3);
	assert_int_equal(f->c.cwnd, 7000);
	fx_ack(f, L(6000), 65535);
	assert_true(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.cwnd, 6000);
	fx_free(f);
}

/*
 * RFC 5681 2 / 3.2: duplicate ACKs are counted in a row; an ACK of new
 * data restarts the count, so two then two more are no third duplicate.
 */
static void test_established_new_ack_restarts_dupack_count(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	dupacks(f, 2);
	fx_ack(f, L(5000), 65535);
	fx_clear(f);
	dupacks(f, 2);
	assert_false(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.ssthresh, UINT32_MAX);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 fifth: SND.UNA <- SEG.ACK. After an RTO went back to
 * SND.UNA (RFC 6298 5.4), an ACK of everything sent moves SND.NXT with it:
 * the next segment is new data at the ACK, not a resend.
 */
static void
test_established_ack_beyond_snd_nxt_after_rto_sends_new(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_int_equal(OUT(f, 0)->seq.v, L(4000));
	fx_ack(f, L(12000), 65535);
	assert_true(f->out.n >= 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(12000));
	fx_free(f);
}

/*
 * RFC 5681 3.2 step 2: ssthresh = max(FlightSize / 2, 2*SMSS). Three
 * segments in flight: half is 1500, the floor 2000 applies.
 */
static void test_established_fast_retransmit_ssthresh_floor_2_smss(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 3000, 0), 3000);
	assert_nout(f, 3);
	dupacks(f, 3);
	assert_true(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.ssthresh, 2000);
	fx_free(f);
}

/*
 * RFC 5681 2, definition of a duplicate ACK, (b): "the incoming
 * acknowledgment carries no data". Three segments of peer text with the
 * same ACK are no loss signal.
 */
static void test_established_data_with_same_ack_not_dupacks(void **state)
{
	struct fx *f = est();
	static const uint8_t text[30] = "abcdefghijklmnopqrstuvwxyz0123";

	(void)state;
	grow_to_8_segments(f);
	for (uint32_t i = 0; i < 3; i++)
		fx_data(f, REMOTE_ISN + 1 + 10 * i, text + 10 * i, 10);
	assert_false(f->c.fl & TCP_CF_RECOVERY);
	assert_int_equal(f->c.ssthresh, UINT32_MAX);
	fx_free(f);
}

/* RFC 6298 3 (Karn): a fast retransmission ends the RTT measurement. */
static void test_established_fast_retransmit_stops_rtt_timing(void **state)
{
	struct fx *f = est();

	(void)state;
	grow_to_8_segments(f);
	assert_true(f->c.fl & TCP_CF_RTT_TIMING);
	dupacks(f, 3);
	assert_false(f->c.fl & TCP_CF_RTT_TIMING);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_established_smss_1000_initial_window_4_segments),
		cmocka_unit_test(
		    test_established_smss_1460_initial_window_3_segments),
		cmocka_unit_test(
		    test_established_smss_2200_initial_window_2_segments),
		cmocka_unit_test(
		    test_established_slow_start_ack_adds_at_most_smss),
		cmocka_unit_test(
		    test_established_congestion_avoidance_one_smss_per_rtt),
		cmocka_unit_test(
		    test_established_rto_halves_ssthresh_cwnd_one_smss),
		cmocka_unit_test(
		    test_established_three_dupacks_fast_retransmit),
		cmocka_unit_test(test_established_further_dupacks_inflate_cwnd),
		cmocka_unit_test(
		    test_established_full_ack_ends_recovery_deflates),
		cmocka_unit_test(
		    test_established_partial_ack_resends_next_hole),
		cmocka_unit_test(
		    test_established_idle_over_rto_restarts_with_iw),
		cmocka_unit_test(test_established_sack_blocks_recorded),
		cmocka_unit_test(
		    test_established_sack_fast_retransmit_stops_at_block),
		cmocka_unit_test(test_established_rto_clears_sack_scoreboard),
		cmocka_unit_test(
		    test_established_pair_1mb_lossy_transfer_exact),
		cmocka_unit_test(
		    test_established_full_ack_nothing_in_flight_cwnd_2_smss),
		cmocka_unit_test(
		    test_established_partial_ack_deflates_adds_back_smss),
		cmocka_unit_test(
		    test_established_new_ack_restarts_dupack_count),
		cmocka_unit_test(
		    test_established_ack_beyond_snd_nxt_after_rto_sends_new),
		cmocka_unit_test(
		    test_established_fast_retransmit_ssthresh_floor_2_smss),
		cmocka_unit_test(
		    test_established_data_with_same_ack_not_dupacks),
		cmocka_unit_test(
		    test_established_fast_retransmit_stops_rtt_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
