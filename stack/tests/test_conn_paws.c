/* SPDX-License-Identifier: MIT
 *
 * PAWS (RFC 7323 5.3) and the timestamp rules of RFC 7323 3.2 and 5.5 in
 * the reference connection, after a handshake whose SYN carried TSopt
 * (fx_established_ts): R1 (old TSval -> ACK and drop, RST exempt), R3 (the
 * TS.Recent update rule), a non-RST segment without TSopt dropped, and
 * TS.Recent invalid after 24 days. The PAWS test runs before the RFC 9293
 * 3.10.7.4 sequence check (checklist 2.3, step 0).
 *
 * The peer's initial TSval TS0 sits just below 2^32 so that its clock wraps
 * during the tests; comparisons are modular (RFC 7323 5.2).
 */
#include "fixture.h"

#include <string.h>

#define SND_NXT (LOCAL_ISN + 1u)
#define TS0 0xFFFFFF00u
#define DAY (24ull * 3600 * 1000000)
#define TSOPT(v) .opts = { .present = TCP_OPTF_TS, .tsval = (v), .tsecr = 0 }

static uint8_t payload[64];

static struct fx *est_ts(void)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	fx_established_ts(f, TS0);
	assert_int_equal(f->c.ts_recent, TS0);
	return f;
}

/* The ACK we send echoes TS.Recent (RFC 7323 3.2, 4.3). */
static void assert_ack_echoes(const struct fx *f, unsigned i, uint32_t tsecr)
{
	assert_true(OUT(f, i)->opts.present & TCP_OPTF_TS);
	assert_int_equal(OUT(f, i)->opts.tsecr, tsecr);
}

/* ==== ESTABLISHED: R1, the PAWS test ====================================== */

/* R1: SEG.TSval < TS.Recent -> <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, drop. */
static void test_established_old_tsval_dropped_with_ack(void **state)
{
	struct fx *f = est_ts();
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0 - 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_ack_echoes(f, 0, TS0);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_int_equal(f->c.rx.len, 0);
	assert_int_equal(f->c.ts_recent, TS0);
	assert_trace(f, m, TR_DROP(TCP_WHY_PAWS));
	fx_free(f);
}

/* R1 comes before the sequence check: an old TSval out of window is PAWS. */
static void test_established_old_tsval_checked_before_seq(void **state)
{
	struct fx *f = est_ts();
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt - 100),
	                       .ack = SEQ(SND_NXT), .payload = payload,
	                       .payload_bytes = 10, TSOPT(TS0 - 0x1000)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_PAWS));
	fx_free(f);
}

/* R1: nothing of a PAWS-failed segment is processed, not even its ACK. */
static void test_established_old_tsval_ack_not_processed(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 20,
	                               0, &f->out),
	                 20);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(SND_NXT + 20), TSOPT(TS0 - 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_int_equal(f->c.snd_una.v, SND_NXT);
	fx_free(f);
}

/* RFC 7323 5.2/5.3 R1: a RST is exempt; an old TSval does not stop it. */
static void test_established_old_tsval_rst_exempt(void **state)
{
	struct fx *f = est_ts();
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt),
	                       TSOPT(TS0 - 0x10000)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	fx_free(f);
}

/* RST exempt from PAWS, but RFC 5961 3.2 still applies to it. */
static void
test_established_old_tsval_rst_in_window_challenge_acked(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + 1), TSOPT(TS0 - 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_RST_CHALLENGE);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/* R1 is "SEG.TSval < TS.Recent": an equal TSval passes. */
static void test_established_equal_tsval_accepted(void **state)
{
	struct fx *f = est_ts();
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + 10);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* RFC 7323 5.2: TSval order is modular; 0x10 is newer than 0xFFFFFF00. */
static void test_established_tsval_wrap_is_newer(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(0x10)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.ts_recent, 0x10);
	f->peer_nxt += 10;
	/* Now 0xFFFFFF80 is older than 0x10: PAWS drops it. */
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(0xFFFFFF80u)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_ack_echoes(f, 0, 0x10);
	fx_free(f);
}

/* ==== ESTABLISHED: R3, the TS.Recent update rule ========================== */

/* R3: SEG.TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent -> TS.Recent. */
static void
test_established_newer_tsval_in_order_updates_ts_recent(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	assert_int_equal(f->c.last_ack_sent.v, f->peer_nxt);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0 + 7)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.ts_recent, TS0 + 7);
	/* The (delayed) ACK echoes the new value. */
	fx_advance(f, f->cfg.delack_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt + 10);
	assert_ack_echoes(f, 0, TS0 + 7);
	fx_free(f);
}

/*
 * R3: an out-of-order segment (SEG.SEQ > Last.ACK.sent) is accepted but
 * its TSval is not recorded; the duplicate ACK echoes the old TS.Recent.
 */
static void test_established_newer_tsval_out_of_order_not_recorded(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt + 100),
	                       .ack = SEQ(SND_NXT), .payload = payload,
	                       .payload_bytes = 10, TSOPT(TS0 + 50)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.ts_recent, TS0);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_ack_echoes(f, 0, TS0);
	fx_free(f);
}

/* R3 only after R2: a segment failing the sequence check records nothing. */
static void
test_established_newer_tsval_unacceptable_seq_not_recorded(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt - 50),
	                       .ack = SEQ(SND_NXT), .payload = payload,
	                       .payload_bytes = 10, TSOPT(TS0 + 50)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_int_equal(f->c.ts_recent, TS0);
	assert_ack_echoes(f, 0, TS0);
	fx_free(f);
}

/* ==== ESTABLISHED: segments without TSopt (RFC 7323 3.2) ================== */

/* "a TCP SHOULD silently drop" a non-RST segment without TSopt; no abort. */
static void test_established_segment_without_tsopt_dropped(void **state)
{
	struct fx *f = est_ts();
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_NO_TIMESTAMP);
	assert_state(f, TCP_ESTABLISHED);
	assert_no_output(f);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_NO_TIMESTAMP));
	/* Not even a FIN without TSopt is taken. */
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_NO_TIMESTAMP);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/* RFC 7323 3.2: the RST is the exception; it needs no TSopt. */
static void test_established_rst_without_tsopt_accepted(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	fx_free(f);
}

/* RFC 7323 3.2: our RST carries no TSopt requirement; ACKs always carry it. */
static void test_established_our_segments_carry_tsopt(void **state)
{
	struct fx *f = est_ts();

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 10,
	                               0, &f->out),
	                 10);
	assert_nout(f, 1);
	assert_true(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	assert_int_equal(OUT(f, 0)->opts.tsecr, TS0);
	/* TSval: a 1 ms clock plus the per-connection offset (fixture: 1000).
	 */
	assert_int_equal(OUT(f, 0)->opts.tsval, f->now_us / 1000 + 1000);
	fx_free(f);
}

/* Without negotiation (SYN had no TSopt) TSopt is ignored and not needed. */
static void test_established_not_negotiated_tsopt_ignored(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	fx_established(f);
	assert_false(f->c.fl & TCP_CF_TS);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                    .payload = payload, .payload_bytes = 10, TSOPT(1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt + 10), .ack = SEQ(SND_NXT),
	                    .payload = payload, .payload_bytes = 10, TSOPT(0)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt + 20), .ack = SEQ(SND_NXT),
	                    .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + 30);
	/* Our ACK carries no TSopt either. */
	fx_advance(f, f->cfg.delack_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt + 30);
	assert_false(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	fx_free(f);
}

/* ==== ESTABLISHED: TS.Recent validity (RFC 7323 5.5) ====================== */

/* After more than 24 days idle TS.Recent is invalid: the segment is taken. */
static void
test_established_stale_ts_recent_after_24_days_accepted(void **state)
{
	struct fx *f = est_ts();
	unsigned m;
	struct tcp_verdict v;

	(void)state;
	fx_advance(f, 24 * DAY + 1);
	assert_state(f, TCP_ESTABLISHED);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0 - 0x40000000u)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + 10);
	assert_int_equal(f->c.ts_recent, TS0 - 0x40000000u);
	assert_trace_empty(f, m);
	fx_free(f);
}

/*
 * RFC 7323 5.5 with R3: a stale TS.Recent skips R1, but only an acceptable
 * segment (SEG.SEQ =< Last.ACK.sent) may record its TSval. An old duplicate
 * outside the window must not plant a TS.Recent that then fails the peer's
 * real segments.
 */
static void
test_established_stale_ts_recent_unacceptable_seq_not_recorded(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	fx_advance(f, 24 * DAY + 1);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt - 100),
	                       .ack = SEQ(SND_NXT), .payload = payload,
	                       .payload_bytes = 10, TSOPT(TS0 - 10)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_int_equal(f->c.ts_recent, TS0);
	/* The peer's clock moved on less than the duplicate's: still taken. */
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0 - 20)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.ts_recent, TS0 - 20);
	fx_free(f);
}

/* Exactly 24 days is not "more than": PAWS still applies. */
static void test_established_ts_recent_at_24_days_still_valid(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	fx_advance(f, 24 * DAY);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0 - 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_int_equal(f->c.ts_recent, TS0);
	fx_free(f);
}

/* ==== TIME-WAIT: PAWS in a closing state ================================== */

/* PAWS guards every synchronized state: an old duplicate in TIME-WAIT. */
static void test_time_wait_old_tsval_dropped_with_ack(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 1),
	                       TSOPT(TS0 + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_TIME_WAIT);
	f->peer_nxt++;
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 1),
	                       TSOPT(TS0 + 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT + 1, f->peer_nxt);
	assert_ack_echoes(f, 0, TS0 + 2);
	assert_trace(f, m, TR_DROP(TCP_WHY_PAWS));
	fx_free(f);
}

/*
 * R3 with SEG.TSval = TS.Recent records it again, and with it the time of
 * the update: RFC 7323 5.5 invalidates TS.Recent after 24 days *idle*. A
 * peer whose clock did not tick but that kept sending keeps PAWS alive:
 * 25 days after the handshake, 5 after the last update, R1 still applies.
 */
static void test_established_equal_tsval_renews_ts_recent_age(void **state)
{
	struct fx *f = est_ts();
	struct tcp_verdict v;

	(void)state;
	fx_advance(f, 20 * DAY);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       TSOPT(TS0)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	fx_advance(f, 5 * DAY);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10,
	                       TSOPT(TS0 - 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_int_equal(f->c.rx.len, 0);
	fx_free(f);
}

/*
 * RFC 7323 5.2: a RST is acceptable whatever its timestamp, so it must not
 * set TS.Recent either (R3 skips RSTs). With the rfc1337 switch a RST in
 * TIME-WAIT is ignored; the peer's retransmitted FIN, with its real clock,
 * is then still acknowledged (E107) instead of failing PAWS.
 */
static void test_time_wait_ignored_rst_leaves_ts_recent(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	f->cfg.rfc1337 = true;
	fx_established_ts(f, TS0);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 1),
	                       TSOPT(TS0 + 2)));
	assert_state(f, TCP_TIME_WAIT);
	f->peer_nxt++;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt),
	                       TSOPT(TS0 + 0x1000)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_TIME_WAIT);
	assert_state(f, TCP_TIME_WAIT);
	assert_int_equal(f->c.ts_recent, TS0 + 2);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt - 1),
	                       .ack = SEQ(SND_NXT + 1), TSOPT(TS0 + 3)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT + 1, f->peer_nxt);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established_old_tsval_dropped_with_ack),
		cmocka_unit_test(test_established_old_tsval_checked_before_seq),
		cmocka_unit_test(test_established_old_tsval_ack_not_processed),
		cmocka_unit_test(test_established_old_tsval_rst_exempt),
		cmocka_unit_test(
		    test_established_old_tsval_rst_in_window_challenge_acked),
		cmocka_unit_test(test_established_equal_tsval_accepted),
		cmocka_unit_test(test_established_tsval_wrap_is_newer),
		cmocka_unit_test(
		    test_established_newer_tsval_in_order_updates_ts_recent),
		cmocka_unit_test(
		    test_established_newer_tsval_out_of_order_not_recorded),
		cmocka_unit_test(
		    test_established_newer_tsval_unacceptable_seq_not_recorded),
		cmocka_unit_test(
		    test_established_segment_without_tsopt_dropped),
		cmocka_unit_test(test_established_rst_without_tsopt_accepted),
		cmocka_unit_test(test_established_our_segments_carry_tsopt),
		cmocka_unit_test(test_established_not_negotiated_tsopt_ignored),
		cmocka_unit_test(
		    test_established_stale_ts_recent_after_24_days_accepted),
		cmocka_unit_test(
		    test_established_stale_ts_recent_unacceptable_seq_not_recorded),
		cmocka_unit_test(
		    test_established_ts_recent_at_24_days_still_valid),
		cmocka_unit_test(test_time_wait_old_tsval_dropped_with_ack),
		cmocka_unit_test(
		    test_established_equal_tsval_renews_ts_recent_age),
		cmocka_unit_test(test_time_wait_ignored_rst_leaves_ts_recent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
