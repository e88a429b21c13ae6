/* SPDX-License-Identifier: MIT
 *
 * Timers of the reference connection besides the RTO estimator: zero-window
 * probing and window shrinking (RFC 9293 3.8.6.1, MUST-34..37, SHLD-15,
 * SHLD-29, SHLD-30), keep-alive (3.8.4, MUST-24..29, SHLD-12) and the user
 * timeout / R2 (3.8.3, 3.10.8, MUST-20..23).
 */
#include "fixture.h"

#include <string.h>

#define MS 1000ull
#define SEC 1000000ull

static struct fx *est(void)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	fx_established(f);
	return f;
}

/* The peer closes its window: <SEQ=peer_nxt><ACK=SND.UNA><WND=0>. */
static void zero_window(struct fx *f)
{
	fx_ack(f, fx_una(f), 0);
	assert_int_equal(f->c.snd_wnd, 0);
	fx_clear(f);
}

/* ---- ESTABLISHED: zero window ----------------------------------------------
 */

/* SHLD-29, MUST-36: the first probe about one RTO after the window closed. */
static void test_established_zero_window_first_probe_after_rto(void **state)
{
	struct fx *f = est();

	(void)state;
	zero_window(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_no_output(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), f->c.rto_us);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 1);
	assert_int_equal(OUT(f, 0)->payload[0], fx_pattern(0));
	fx_free(f);
}

/* SHLD-30: probe intervals grow exponentially, capped at persist_max_us. */
static void test_established_zero_window_probe_backoff_capped(void **state)
{
	static const uint64_t gap_s[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
	struct fx *f = est();

	(void)state;
	assert_int_equal(f->cfg.persist_max_us, 60 * SEC);
	zero_window(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	for (unsigned i = 0; i < TCP_ARRAY_LEN(gap_s); i++) {
		assert_int_equal(fx_run_until_output(f, 200 * SEC),
		                 gap_s[i] * SEC);
		assert_nout(f, 1);
		assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
		assert_int_equal(OUT(f, 0)->payload_bytes, 1);
		fx_ack(f, LOCAL_ISN + 1, 0); /* answered, still closed */
	}
	fx_free(f);
}

/*
 * MUST-37: a peer that keeps answering the probes with a zero window keeps
 * the connection (1 hour of virtual time); MUST-36: when the window opens,
 * transmission resumes at once.
 */
static void
test_established_zero_window_answered_probes_survive_1h(void **state)
{
	struct fx *f = est();
	uint64_t end;
	unsigned probes = 0;

	(void)state;
	zero_window(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	end = f->now_us + 3600 * SEC;
	while (f->now_us < end) {
		assert_true(fx_run_until_output(f, 200 * SEC) <= 60 * SEC);
		assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
		probes++;
		fx_ack(f, LOCAL_ISN + 1, 0);
	}
	assert_true(probes >= 60);
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.err, 0);
	fx_ack(f, LOCAL_ISN + 1, 65535);
	/*
	 * The probe octet is in flight; everything after it goes now, or
	 * (Nagle holds a short segment behind the unacked probe octet) once
	 * the SWS override timer runs out.
	 */
	if (f->out.n == 0)
		assert_true(fx_run_until_output(f, 10 * SEC) <=
		            f->cfg.sws_override_us);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 2);
	assert_int_equal(fx_out_bytes(f), 99);
	fx_ack(f, LOCAL_ISN + 101, 65535);
	assert_int_equal(f->c.tx.len, 0);
	fx_free(f);
}

/* MUST-34, SHLD-15: after a shrink, no new data beyond the right edge. */
static void test_established_window_shrinks_no_data_beyond_edge(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 4000, 0), 4000);
	assert_nout(f, 4);
	/* Right edge pulled back from +65536 to +2001 (< SND.NXT). */
	fx_ack(f, LOCAL_ISN + 1001, 1000);
	assert_no_output(f);
	assert_int_equal(fx_write(f, 5000, 0), 5000);
	assert_no_output(f);
	assert_state(f, TCP_ESTABLISHED);
	/* SHLD-16: data inside the shrunk window is retransmitted on RTO. */
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1001);
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	fx_free(f);
}

/*
 * MUST-35, MUST-36, MUST-37: a window shrunk to zero with data in flight is
 * probed (not silently timed out), for as long as the peer answers; when
 * it opens again the unacknowledged data is resent.
 */
static void test_established_window_shrinks_to_zero_probed_forever(void **state)
{
	struct fx *f = est();
	uint64_t end;

	(void)state;
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	assert_nout(f, 2);
	zero_window(f);
	end = f->now_us + 3600 * SEC;
	while (f->now_us < end) {
		assert_true(fx_run_until_output(f, 200 * SEC) <= 120 * SEC);
		assert_state(f, TCP_ESTABLISHED);
		assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
		assert_true(OUT(f, 0)->payload_bytes >= 1);
		fx_ack(f, LOCAL_ISN + 1, 0);
	}
	assert_state(f, TCP_ESTABLISHED);
	fx_ack(f, LOCAL_ISN + 1, 65535);
	if (f->out.n == 0)
		assert_true(fx_run_until_output(f, 130 * SEC) <= 120 * SEC);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
	assert_true(OUT(f, 0)->payload_bytes > 1);
	fx_free(f);
}

/* MUST-36: a FIN waiting behind a zero window is probed for, not stuck. */
static void test_established_close_behind_zero_window_probed(void **state)
{
	struct fx *f = est();

	(void)state;
	zero_window(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	assert_true(fx_run_until_output(f, 10 * SEC) <= 2 * SEC);
	assert_true(fx_run_until_output(f, 10 * SEC) <= 5 * SEC);
	fx_ack(f, LOCAL_ISN + 1, 65535);
	if (f->out.n == 0)
		fx_run_until_output(f, 10 * SEC);
	assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_ACK, LOCAL_ISN + 1,
	           f->peer_nxt);
	fx_free(f);
}

/* ---- ESTABLISHED: keep-alive ----------------------------------------------
 */

/* MUST-25: off by default: nothing after hours of idleness. */
static void test_established_keepalive_default_off_no_probe(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_false(f->cfg.keepalive);
	assert_int_equal(fx_run_until_output(f, 5 * 3600 * SEC),
	                 5 * 3600 * SEC + 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/*
 * MUST-24, MUST-28, SHLD-12: switched on, the first probe comes after
 * keepalive_idle_us (>= 2 h) with SEQ = SND.NXT - 1 and no data.
 */
static void test_established_keepalive_on_probe_after_idle(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_true(f->cfg.keepalive_idle_us >= 7200 * SEC);
	tcp_conn_set_keepalive(&f->c, true);
	assert_int_equal(fx_run_until_output(f, 5 * 3600 * SEC),
	                 f->cfg.keepalive_idle_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN, f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	fx_free(f);
}

/* MUST-24: keep-alive on by configuration needs no user call to fire. */
static void test_established_keepalive_by_cfg_probe_after_idle(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	f->cfg.keepalive = true;
	fx_reinit(f);
	fx_established(f);
	assert_int_equal(fx_run_until_output(f, 5 * 3600 * SEC),
	                 f->cfg.keepalive_idle_us);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN, f->peer_nxt);
	fx_free(f);
}

/* An answered probe resets the idle clock: next probe a full idle later. */
static void test_established_keepalive_answered_next_after_idle(void **state)
{
	struct fx *f = est();

	(void)state;
	tcp_conn_set_keepalive(&f->c, true);
	fx_run_until_output(f, 5 * 3600 * SEC);
	assert_nout(f, 1);
	fx_ack(f, LOCAL_ISN + 1, 65535);
	assert_no_output(f);
	assert_int_equal(fx_run_until_output(f, 5 * 3600 * SEC),
	                 f->cfg.keepalive_idle_us);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/* MUST-26: no probe while data is waiting for acknowledgment or traffic flows.
 */
static void test_established_keepalive_traffic_postpones_probe(void **state)
{
	struct fx *f = est();
	uint8_t d[10] = { 0 };

	(void)state;
	tcp_conn_set_keepalive(&f->c, true);
	fx_advance(f, 3600 * SEC);
	fx_data(f, f->peer_nxt, d, 10);
	f->peer_nxt += 10;
	assert_int_equal(fx_run_until_output(f, 3 * 3600 * SEC),
	                 f->cfg.delack_us);
	assert_int_equal(OUT(f, 0)->ack.v, f->peer_nxt); /* the delayed ACK */
	assert_int_equal(fx_run_until_output(f, 3 * 3600 * SEC),
	                 f->cfg.keepalive_idle_us - f->cfg.delack_us);
	fx_free(f);
}

/* MUST-29: one unanswered probe does not end the connection. */
static void
test_established_keepalive_one_unanswered_probe_survives(void **state)
{
	struct fx *f = est();

	(void)state;
	tcp_conn_set_keepalive(&f->c, true);
	fx_run_until_output(f, 5 * 3600 * SEC);
	assert_int_equal(fx_run_until_output(f, 3600 * SEC),
	                 f->cfg.keepalive_intvl_us);
	assert_nout(f, 1);
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.err, 0);
	fx_free(f);
}

/* MUST-29: keepalive_probes unanswered probes end it with ETIMEDOUT. */
static void test_established_keepalive_probes_unanswered_etimedout(void **state)
{
	struct fx *f = est();
	uint64_t t0 = f->now_us;
	uint32_t probes = 0;

	(void)state;
	tcp_conn_set_keepalive(&f->c, true);
	while (f->c.state != TCP_CLOSED) {
		uint64_t w = fx_run_until_output(f, 5 * 3600 * SEC);

		assert_true(w <= 5 * 3600 * SEC);
		if (f->c.state != TCP_CLOSED) {
			assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN,
			           f->peer_nxt);
			probes++;
		}
	}
	assert_int_equal(probes, f->cfg.keepalive_probes);
	assert_int_equal(f->now_us - t0, f->cfg.keepalive_idle_us +
	                                     f->cfg.keepalive_probes *
	                                         f->cfg.keepalive_intvl_us);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	assert_true(fx_saw_transition(f, TCP_ESTABLISHED, TCP_CLOSED));
	assert_int_equal(f->trace[f->trace_n - 1].cause,
	                 TCP_CAUSE_TIMEOUT_KEEPALIVE);
	fx_free(f);
}

/* ---- User timeout / R2 ----------------------------------------------------
 */

/* 3.10.8 USER TIMEOUT (MUST-20): data unacked for user_timeout_us. */
static void test_established_silent_peer_user_timeout_etimedout(void **state)
{
	struct fx *f = est();
	uint64_t t0 = f->now_us;
	uint8_t b[4];

	(void)state;
	assert_true(f->cfg.user_timeout_us >= 100 * SEC); /* SHLD-11 */
	assert_int_equal(fx_write(f, 100, 0), 100);
	fx_advance(f, f->cfg.user_timeout_us - 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_true(f->now_us - t0 <= f->cfg.user_timeout_us);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	assert_int_equal(f->trace[f->trace_n - 1].cause,
	                 TCP_CAUSE_TIMEOUT_USER);
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, b, 4, 0,
	                               &f->out),
	                 TCP_ETIMEDOUT);
	fx_free(f);
}

/* MUST-21: the user timeout is settable per connection. */
static void test_established_user_timeout_set_per_connection(void **state)
{
	struct fx *f = est();

	(void)state;
	tcp_conn_set_user_timeout(&f->c, 10 * SEC);
	assert_int_equal(fx_write(f, 100, 0), 100);
	fx_advance(f, 10 * SEC - 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	fx_free(f);
}

/*
 * MUST-20: after an ACK of part of the data, the rest still times out
 * (counted from that ACK).
 */
static void test_established_partial_ack_then_silence_etimedout(void **state)
{
	struct fx *f = est();
	uint64_t t_ack;

	(void)state;
	tcp_conn_set_user_timeout(&f->c, 30 * SEC);
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	f->now_us += 500 * MS;
	fx_ack(f, LOCAL_ISN + 1001, 65535);
	t_ack = f->now_us;
	fx_advance(f, 30 * SEC - 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_true(f->now_us - t_ack <= 30 * SEC);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	fx_free(f);
}

/* MUST-23: a SYN is retried for at least 3 minutes (syn_timeout_us). */
static void test_syn_sent_no_answer_gives_up_after_syn_timeout(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	assert_true(f->cfg.syn_timeout_us >= 180 * SEC);
	fx_syn_sent(f);
	fx_advance(f, f->cfg.syn_timeout_us - 1);
	assert_state(f, TCP_SYN_SENT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_established_zero_window_first_probe_after_rto),
		cmocka_unit_test(
		    test_established_zero_window_probe_backoff_capped),
		cmocka_unit_test(
		    test_established_zero_window_answered_probes_survive_1h),
		cmocka_unit_test(
		    test_established_window_shrinks_no_data_beyond_edge),
		cmocka_unit_test(
		    test_established_window_shrinks_to_zero_probed_forever),
		cmocka_unit_test(
		    test_established_close_behind_zero_window_probed),
		cmocka_unit_test(
		    test_established_keepalive_default_off_no_probe),
		cmocka_unit_test(
		    test_established_keepalive_on_probe_after_idle),
		cmocka_unit_test(
		    test_established_keepalive_by_cfg_probe_after_idle),
		cmocka_unit_test(
		    test_established_keepalive_answered_next_after_idle),
		cmocka_unit_test(
		    test_established_keepalive_traffic_postpones_probe),
		cmocka_unit_test(
		    test_established_keepalive_one_unanswered_probe_survives),
		cmocka_unit_test(
		    test_established_keepalive_probes_unanswered_etimedout),
		cmocka_unit_test(
		    test_established_silent_peer_user_timeout_etimedout),
		cmocka_unit_test(
		    test_established_user_timeout_set_per_connection),
		cmocka_unit_test(
		    test_established_partial_ack_then_silence_etimedout),
		cmocka_unit_test(
		    test_syn_sent_no_answer_gives_up_after_syn_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
