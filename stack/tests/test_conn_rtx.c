/* SPDX-License-Identifier: MIT
 *
 * Retransmission of the reference connection: the RFC 6298 RTO estimator
 * and timer rules (MUST-18), exponential backoff, Karn's rule, the SYN-loss
 * rule (6298 5.7), the R1 soft error (RFC 9293 3.8.3) and what is resent
 * (the earliest unacknowledged segment, SYN, SYN,ACK and FIN). Every state
 * is reached through real transitions (STYLE R34).
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

/* Passive open whose final ACK arrives rtt_us after the SYN,ACK. */
static void established_after_rtt(struct fx *f, uint64_t rtt_us)
{
	fx_syn_received(f);
	f->now_us += rtt_us;
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_ESTABLISHED);
	fx_clear(f);
}

static void assert_payload_is_pattern(const struct tcp_seg *s, uint32_t k0)
{
	for (uint32_t i = 0; i < s->payload_bytes; i++)
		assert_int_equal(s->payload[i], fx_pattern(k0 + i));
}

/* ---- SYN-SENT / SYN-RECEIVED --------------------------------------------- */

/* MUST-18, RFC 6298 2.1: before any sample the RTO is 1 s. */
static void test_syn_sent_no_synack_syn_resent_after_1s(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	assert_int_equal(f->cfg.rto_initial_us, SEC);
	fx_syn_sent(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
	/* RFC 6298 5.5: the next one after 2 s. */
	assert_int_equal(fx_run_until_output(f, 10 * SEC), 2 * SEC);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
	fx_free(f);
}

/* RFC 9293 3.10.8, RFC 6298 5.4: the SYN,ACK is retransmitted. */
static void test_syn_received_no_ack_synack_resent_after_1s(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_received(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
	           REMOTE_ISN + 1);
	fx_free(f);
}

/*
 * RFC 6298 5.7: the SYN timed out, so the RTO is 3 s once data flows;
 * RFC 5681 3.1: and the initial window is one segment.
 */
static void test_syn_sent_synack_after_lost_syn_rto_3s(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_status st;

	(void)state;
	fx_syn_sent(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                   .seq = SEQ(REMOTE_ISN), .ack = SEQ(LOCAL_ISN + 1),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_ESTABLISHED);
	f->peer_nxt = REMOTE_ISN + 1;
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.rto_us, 3 * SEC);
	assert_int_equal(st.cwnd, FX_MSS);
	fx_clear(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_nout(f, 1);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), 3 * SEC);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH, LOCAL_ISN + 1,
	           REMOTE_ISN + 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	fx_free(f);
}

/* ---- ESTABLISHED: the estimator ------------------------------------------ */

/* RFC 6298 2.2: first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT+4*RTTVAR. */
static void test_established_first_sample_srtt_r_rttvar_half(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_status st;

	(void)state;
	f->cfg.rto_min_us = 1 * MS; /* let the formula show */
	fx_reinit(f);
	established_after_rtt(f, 100 * MS);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.srtt_us, 100 * MS);
	assert_int_equal(f->c.rttvar_us, 50 * MS);
	assert_int_equal(st.rto_us, 300 * MS);
	fx_free(f);
}

/*
 * RFC 6298 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'| (first), then
 * SRTT = 7/8 SRTT + 1/8 R'. 100/50 ms and R' = 200 ms: 112.5/62.5 ms.
 */
static void test_established_second_sample_alpha_beta(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_status st;

	(void)state;
	f->cfg.rto_min_us = 1 * MS;
	fx_reinit(f);
	established_after_rtt(f, 100 * MS);
	assert_int_equal(fx_write(f, 100, 0), 100);
	fx_advance(f, 200 * MS);
	fx_ack(f, LOCAL_ISN + 101, 65535);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.srtt_us, 112500);
	assert_int_equal(f->c.rttvar_us, 62500);
	assert_int_equal(st.rto_us, 112500 + 4 * 62500);
	fx_free(f);
}

/* RFC 6298 2.4: a 10 ms RTT still gives an RTO of 1 s (rto_min_us). */
static void test_established_small_rtt_rto_floor_1s(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_status st;

	(void)state;
	assert_int_equal(f->cfg.rto_min_us, SEC);
	established_after_rtt(f, 10 * MS);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.srtt_us, 10 * MS);
	assert_int_equal(st.rto_us, SEC);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
	fx_free(f);
}

/* RFC 6298 2.4: the floor is a parameter (Linux uses 200 ms). */
static void test_established_small_rtt_rto_floor_from_cfg(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	f->cfg.rto_min_us = 200 * MS;
	fx_reinit(f);
	established_after_rtt(f, 10 * MS);
	assert_int_equal(f->c.rto_us, 200 * MS);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), 200 * MS);
	fx_free(f);
}

/*
 * RFC 6298 5.5 (MUST-19 of RFC 9293 points at 6298): every expiry doubles
 * the RTO; 2.5: a ceiling of at least 60 s.
 */
static void
test_established_repeated_timeouts_double_up_to_rto_max(void **state)
{
	static const uint64_t gap_s[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
	struct tcp_cfg def;
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	tcp_cfg_init(&def, TCP_PROFILE_DEFAULT);
	assert_true(def.rto_max_us >= 60 * SEC);
	f->cfg.rto_max_us = 60 * SEC;
	f->cfg.user_timeout_us = 3600 * SEC;
	fx_reinit(f);
	fx_established(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	for (unsigned i = 0; i < TCP_ARRAY_LEN(gap_s); i++) {
		assert_int_equal(fx_run_until_output(f, 200 * SEC),
		                 gap_s[i] * SEC);
		assert_nout(f, 1);
		assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
		assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	}
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/*
 * RFC 6298 3 (Karn, MUST-18): the ACK of a retransmitted segment gives no
 * sample and the backed-off RTO stays; the next segment sent once and
 * acknowledged is sampled again.
 */
static void test_established_ack_of_retransmission_karn_no_sample(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	f->cfg.rto_min_us = 1 * MS;
	fx_reinit(f);
	established_after_rtt(f, 100 * MS);
	assert_int_equal(f->c.rto_us, 300 * MS);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), 300 * MS);
	assert_int_equal(f->c.rto_us, 600 * MS);
	f->now_us += 50 * MS;
	fx_ack(f, LOCAL_ISN + 101, 65535);
	assert_int_equal(f->c.srtt_us, 100 * MS);
	assert_int_equal(f->c.rttvar_us, 50 * MS);
	assert_int_equal(f->c.rto_us, 600 * MS); /* backoff kept */
	/* A fresh segment, acked after 100 ms: a sample again. */
	fx_clear(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	f->now_us += 100 * MS;
	fx_ack(f, LOCAL_ISN + 201, 65535);
	assert_int_equal(f->c.srtt_us, 100 * MS);
	assert_int_equal(f->c.rttvar_us, 37500);
	assert_int_equal(f->c.rto_us, 250 * MS);
	fx_free(f);
}

/* ---- ESTABLISHED: the timer -----------------------------------------------
 */

/* RFC 6298 5.1 and 5.2: started by data, stopped when all is acked. */
static void test_established_all_acked_rtx_timer_stopped(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_int_equal(f->c.t_rtx, f->now_us + SEC);
	fx_ack(f, LOCAL_ISN + 101, 65535);
	assert_int_equal(f->c.t_rtx, TCP_NO_DEADLINE);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	assert_int_equal(fx_run_until_output(f, 3600 * SEC), 3600 * SEC + 1);
	fx_free(f);
}

/* RFC 6298 5.3: an ACK of new data restarts the timer at now + RTO. */
static void test_established_partial_ack_restarts_rtx_timer(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	assert_nout(f, 2);
	f->now_us += 500 * MS;
	fx_ack(f, LOCAL_ISN + 1001, 65535);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1001);
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	assert_payload_is_pattern(OUT(f, 0), 1000);
	fx_free(f);
}

/*
 * RFC 6298 5.4: on expiry the earliest unacknowledged segment is resent
 * (one segment: RFC 5681 loss window); the ACK lets the rest follow
 * (go back N).
 */
static void
test_established_timeout_resends_earliest_then_go_back_n(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 3000, 0), 3000);
	assert_nout(f, 3);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	assert_payload_is_pattern(OUT(f, 0), 0);
	fx_ack(f, LOCAL_ISN + 1001, 65535);
	assert_nout(f, 2);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1001);
	assert_int_equal(OUT(f, 1)->seq.v, LOCAL_ISN + 2001);
	assert_payload_is_pattern(OUT(f, 1), 2000);
	fx_free(f);
}

/* RFC 9293 3.10.8 / 6298 5.4: a FIN is retransmitted like data. */
static void test_fin_wait_1_no_ack_fin_resent_after_1s(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_fin_wait_1(f);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_ACK, LOCAL_ISN + 1,
	           f->peer_nxt);
	fx_free(f);
}

/* The FIN that followed lost data is resent behind that data. */
static void test_fin_wait_1_lost_data_and_fin_resent_together(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 500, 0), 500);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	assert_int_equal(fx_run_until_output(f, 10 * SEC), SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, LOCAL_ISN + 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 500);
	assert_true(OUT(f, 0)->flags & TCP_FLAG_FIN);
	fx_ack(f, LOCAL_ISN + 502, 65535);
	assert_state(f, TCP_FIN_WAIT_2);
	fx_free(f);
}

/*
 * RFC 9293 3.8.3 R1 (SHLD-10, MUST-47 via tcp_conn_status): after
 * r1_retries timeouts a soft error is reported; an ACK clears it.
 */
static void test_established_r1_timeouts_soft_error_then_cleared(void **state)
{
	struct fx *f = est();
	struct tcp_status st;

	(void)state;
	assert_int_equal(fx_write(f, 100, 0), 100);
	for (uint32_t i = 1; i <= f->cfg.r1_retries; i++) {
		tcp_conn_status(&f->c, &st);
		assert_false(st.soft_error);
		assert_int_not_equal(fx_run_until_output(f, 100 * SEC),
		                     100 * SEC + 1);
	}
	tcp_conn_status(&f->c, &st);
	assert_true(st.soft_error);
	assert_int_equal(st.state, TCP_ESTABLISHED);
	assert_int_equal(st.err, 0);
	fx_ack(f, LOCAL_ISN + 101, 65535);
	tcp_conn_status(&f->c, &st);
	assert_false(st.soft_error);
	fx_free(f);
}

/*
 * MUST-20, RFC 9293 3.10.8 USER TIMEOUT: the clock runs from the moment
 * data is outstanding. With everything acknowledged it stops; new data
 * after a long idle time gets the full user timeout, not a give-up at its
 * first retransmission timeout.
 */
static void test_established_idle_then_loss_retransmits(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_status st;

	(void)state;
	fx_established(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	fx_ack(f, LOCAL_ISN + 101, 65535);
	fx_advance(f, 2 * f->cfg.user_timeout_us);
	fx_clear(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_int_not_equal(fx_run_until_output(f, 10 * SEC), 10 * SEC + 1);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.err, 0);
	fx_free(f);
}

/*
 * SHLD-9, MUST-47: R1 counts retransmissions of the same segment; an ACK of
 * new data starts the count again: 2 timeouts, an ACK, 2 more timeouts
 * stay below R1 = 3.
 */
static void test_established_r1_count_restarts_after_new_ack(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_status st;

	(void)state;
	fx_established(f);
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	fx_run_until_output(f, 10 * SEC);
	fx_run_until_output(f, 10 * SEC);
	fx_ack(f, LOCAL_ISN + 1001, 65535);
	fx_run_until_output(f, 10 * SEC);
	fx_run_until_output(f, 10 * SEC);
	tcp_conn_status(&f->c, &st);
	assert_false(st.soft_error);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_sent_no_synack_syn_resent_after_1s),
		cmocka_unit_test(
		    test_syn_received_no_ack_synack_resent_after_1s),
		cmocka_unit_test(test_syn_sent_synack_after_lost_syn_rto_3s),
		cmocka_unit_test(
		    test_established_first_sample_srtt_r_rttvar_half),
		cmocka_unit_test(test_established_second_sample_alpha_beta),
		cmocka_unit_test(test_established_small_rtt_rto_floor_1s),
		cmocka_unit_test(test_established_small_rtt_rto_floor_from_cfg),
		cmocka_unit_test(
		    test_established_repeated_timeouts_double_up_to_rto_max),
		cmocka_unit_test(
		    test_established_ack_of_retransmission_karn_no_sample),
		cmocka_unit_test(test_established_all_acked_rtx_timer_stopped),
		cmocka_unit_test(
		    test_established_partial_ack_restarts_rtx_timer),
		cmocka_unit_test(
		    test_established_timeout_resends_earliest_then_go_back_n),
		cmocka_unit_test(test_fin_wait_1_no_ack_fin_resent_after_1s),
		cmocka_unit_test(
		    test_fin_wait_1_lost_data_and_fin_resent_together),
		cmocka_unit_test(
		    test_established_r1_timeouts_soft_error_then_cleared),
		cmocka_unit_test(test_established_idle_then_loss_retransmits),
		cmocka_unit_test(
		    test_established_r1_count_restarts_after_new_ack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
