/* SPDX-License-Identifier: MIT
 *
 * RFC 5961 in the reference connection (TCP_PROFILE_DEFAULT), as adopted by
 * RFC 9293 3.10.7.4 second, fourth and fifth (MAY-12): RST exact / in the
 * window / outside it (5961 3.2), SYN challenge ACK in every synchronized
 * state (5961 4.2), the ACK range SND.UNA-MAX.SND.WND =< SEG.ACK =< SND.NXT
 * (5961 5.2), and the challenge-ACK throttle of 5961 7 (10 per 5 s, kept per
 * connection against CVE-2016-5696). The legacy profile (RFC 793 rules) is
 * checked for the contrast.
 *
 * After fx_established(): SND.UNA = SND.NXT = LOCAL_ISN + 1, RCV.NXT =
 * f->peer_nxt, RCV.WND = FX_RX_BYTES, MAX.SND.WND = 65535 (the peer's
 * window; no scaling).
 */
#include "fixture.h"

#include <string.h>

#define SND_NXT (LOCAL_ISN + 1u)
#define WND FX_RX_BYTES
#define SEC 1000000ull

static uint8_t payload[64];

/* A synchronized state: how to reach it, SND.NXT and the peer's ACK. */
struct st {
	const char *name;
	void (*reach)(struct fx *);
	enum tcp_state state;
	uint32_t snd_nxt;
	uint32_t peer_ack;
};

static const struct st SYNC[] = {
	{ "ESTABLISHED", fx_established, TCP_ESTABLISHED, LOCAL_ISN + 1,
	  LOCAL_ISN + 1 },
	{ "FIN-WAIT-1", fx_fin_wait_1, TCP_FIN_WAIT_1, LOCAL_ISN + 2,
	  LOCAL_ISN + 1 },
	{ "FIN-WAIT-2", fx_fin_wait_2, TCP_FIN_WAIT_2, LOCAL_ISN + 2,
	  LOCAL_ISN + 2 },
	{ "CLOSE-WAIT", fx_close_wait, TCP_CLOSE_WAIT, LOCAL_ISN + 1,
	  LOCAL_ISN + 1 },
	{ "CLOSING", fx_closing, TCP_CLOSING, LOCAL_ISN + 2, LOCAL_ISN + 1 },
	{ "LAST-ACK", fx_last_ack, TCP_LAST_ACK, LOCAL_ISN + 2, LOCAL_ISN + 1 },
	{ "TIME-WAIT", fx_time_wait, TCP_TIME_WAIT, LOCAL_ISN + 2,
	  LOCAL_ISN + 2 },
};

static struct fx *est(enum tcp_profile p)
{
	struct fx *f = fx_new(p);

	fx_established(f);
	return f;
}

/* Sends an in-window RST (SEQ = RCV.NXT + 1) and checks the challenge ACK. */
static void expect_challenge(struct fx *f, struct tcp_seg seg, enum tcp_why why,
                             uint32_t snd_nxt)
{
	unsigned m = fx_mark(f);
	struct tcp_verdict v = fx_input(f, seg);

	assert_verdict(v, TCP_DISP_DROP_ACK, why);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, snd_nxt, f->peer_nxt);
	assert_trace(f, m, TR_DROP(why));
}

/* The same, once the throttle is exhausted: silent drop, same reason. */
static void expect_throttled(struct fx *f, struct tcp_seg seg, enum tcp_why why)
{
	unsigned m = fx_mark(f);
	struct tcp_verdict v = fx_input(f, seg);

	assert_verdict(v, TCP_DISP_DROP, why);
	assert_no_output(f);
	assert_trace(f, m, TR_DROP(why));
}

#define RST_IN_WINDOW(f)                                                       \
	SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ((f)->peer_nxt + 1))

/* ==== ESTABLISHED: RST (RFC 5961 3.2) ===================================== */

/* 5961 3.2 check 3: SEQ = RCV.NXT+RCV.WND-1 is in the window: challenge. */
static void
test_established_rst_at_right_edge_minus_1_challenge_acked(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);

	(void)state;
	expect_challenge(f,
	                 SEG_IN(.flags = TCP_FLAG_RST,
	                        .seq = SEQ(f->peer_nxt + WND - 1)),
	                 TCP_WHY_RST_CHALLENGE, SND_NXT);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/* 5961 3.2 check 1: SEQ = RCV.NXT+RCV.WND is outside: silent drop. */
static void test_established_rst_at_right_edge_dropped(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + WND)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
	assert_no_output(f);
	assert_state(f, TCP_ESTABLISHED);
	assert_trace(f, m, TR_DROP(TCP_WHY_RST_OUT_OF_WINDOW));
	fx_free(f);
}

/* 5961 3.2 check 1: SEQ = RCV.NXT-1 is outside: silent drop. */
static void test_established_rst_below_rcv_nxt_dropped(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
	                    .seq = SEQ(f->peer_nxt - 1), .ack = SEQ(SND_NXT)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
	assert_no_output(f);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/* 5961 3.2 check 2: SEQ = RCV.NXT resets, whatever the ACK field says. */
static void test_established_rst_exact_resets_whatever_ack(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(SND_NXT + 5000)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	fx_free(f);
}

/*
 * 5961 3.2: "the peer ... sends a RST with SEQ = the challenge ACK's
 * acknowledgment number", which then passes check 2.
 */
static void
test_established_rst_challenge_answered_by_exact_rst_resets(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	uint32_t ack;
	unsigned m;

	(void)state;
	expect_challenge(f,
	                 SEG_IN(.flags = TCP_FLAG_RST,
	                        .seq = SEQ(f->peer_nxt + 500)),
	                 TCP_WHY_RST_CHALLENGE, SND_NXT);
	ack = OUT(f, 0)->ack.v;
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(ack)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	fx_free(f);
}

/* ==== Every synchronized state: SYN and RST (RFC 5961 4.2, 3.2) ========= */

/* 5961 4.2: SYN with or without ACK -> challenge ACK, state kept. */
static void test_synchronized_states_syn_challenge_acked(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(SYNC); i++) {
		const struct st *s = &SYNC[i];
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		struct tcp_status st;

		print_message("  %s\n", s->name);
		s->reach(f);
		expect_challenge(f,
		                 SEG_IN(.flags = TCP_FLAG_SYN,
		                        .seq = SEQ(f->peer_nxt)),
		                 TCP_WHY_SYN_CHALLENGE, s->snd_nxt);
		assert_state(f, s->state);
		/* At the right edge of RCV.WND (8191 after a FIN: it stays
		 * put). */
		tcp_conn_status(&f->c, &st);
		expect_challenge(f,
		                 SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
		                        .seq =
		                            SEQ(f->peer_nxt + st.rcv_wnd - 1),
		                        .ack = SEQ(s->peer_ack)),
		                 TCP_WHY_SYN_CHALLENGE, s->snd_nxt);
		assert_state(f, s->state);
		fx_free(f);
	}
}

/* 5961 4.2: a restarted peer answers the challenge with a RST that resets. */
static void test_established_syn_challenge_answered_by_rst_resets(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	expect_challenge(f,
	                 SEG_IN(.flags = TCP_FLAG_SYN,
	                        .seq = SEQ(f->peer_nxt + 9)),
	                 TCP_WHY_SYN_CHALLENGE, SND_NXT);
	/* The peer has no connection: 3.10.7.1 RST <SEQ=SEG.ACK>. */
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(OUT(f, 0)->ack.v)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	fx_free(f);
}

/* 5961 3.2 check 3 in every synchronized state. */
static void test_synchronized_states_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(SYNC); i++) {
		const struct st *s = &SYNC[i];
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

		print_message("  %s\n", s->name);
		s->reach(f);
		expect_challenge(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE,
		                 s->snd_nxt);
		assert_state(f, s->state);
		fx_free(f);
	}
}

/* Legacy (RFC 793): any in-window RST resets, in every synchronized state. */
static void test_synchronized_states_rst_in_window_resets_legacy(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(SYNC); i++) {
		const struct st *s = &SYNC[i];
		struct fx *f = fx_new(TCP_PROFILE_LEGACY);
		struct tcp_verdict v;
		unsigned m;

		print_message("  %s\n", s->name);
		s->reach(f);
		m = fx_mark(f);
		v = fx_input(f, RST_IN_WINDOW(f));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_CLOSED);
		assert_no_output(f);
		assert_trace(f, m,
		             TR_STATE(s->state, TCP_CLOSED, TCP_CAUSE_RCV_RST));
		fx_free(f);
	}
}

/* ==== ACK range (RFC 5961 5.2, MAY-12) ==================================== */

/* SEG.ACK = SND.UNA - MAX.SND.WND is the lowest acceptable value. */
static void test_established_ack_at_lower_bound_accepted(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	uint32_t low = SND_NXT - f->c.max_snd_wnd;
	struct tcp_verdict v;
	unsigned m = fx_mark(f);

	(void)state;
	assert_int_equal(f->c.max_snd_wnd, 65535);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(low),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + 10);
	assert_int_equal(f->c.snd_una.v, SND_NXT);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK, text dropped. */
static void test_established_ack_below_lower_bound_challenge_acked(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	uint32_t low = SND_NXT - f->c.max_snd_wnd;

	(void)state;
	expect_challenge(f,
	                 SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(low - 1),
	                        .payload = payload, .payload_bytes = 10),
	                 TCP_WHY_ACK_NOT_ACCEPTABLE, SND_NXT);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_int_equal(f->c.rx.len, 0);
	fx_free(f);
}

/* SEG.ACK = SND.NXT is the highest acceptable value. */
static void test_established_ack_at_snd_nxt_accepted(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	tcp_conn_send(&f->c, &f->env, f->now_us, payload, 20, 0, &f->out);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 20)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.snd_una.v, SND_NXT + 20);
	fx_free(f);
}

/* SEG.ACK = SND.NXT + 1: challenge ACK. */
static void test_established_ack_above_snd_nxt_challenge_acked(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);

	(void)state;
	tcp_conn_send(&f->c, &f->env, f->now_us, payload, 20, 0, &f->out);
	expect_challenge(f,
	                 SEG_IN(.seq = SEQ(f->peer_nxt),
	                        .ack = SEQ(SND_NXT + 21)),
	                 TCP_WHY_ACK_NOT_ACCEPTABLE, SND_NXT + 20);
	assert_int_equal(f->c.snd_una.v, SND_NXT);
	fx_free(f);
}

/* The ACK range applies in every synchronized state. */
static void
test_synchronized_states_ack_above_snd_nxt_challenge_acked(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(SYNC); i++) {
		const struct st *s = &SYNC[i];
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

		print_message("  %s\n", s->name);
		s->reach(f);
		expect_challenge(f,
		                 SEG_IN(.seq = SEQ(f->peer_nxt),
		                        .ack = SEQ(s->snd_nxt + 1)),
		                 TCP_WHY_ACK_NOT_ACCEPTABLE, s->snd_nxt);
		assert_state(f, s->state);
		fx_free(f);
	}
}

/* Legacy: an ACK far below SND.UNA is a duplicate; the text is taken. */
static void test_established_old_ack_ignored_legacy(void **state)
{
	struct fx *f = est(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;
	unsigned m = fx_mark(f);

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(SND_NXT - 0x100000u),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + 10);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* ==== Challenge-ACK throttle (RFC 5961 7) ================================= */

/* At most 10 challenge ACKs in any 5 s; the rest are dropped silently. */
static void test_established_challenge_acks_limited_to_10_per_5s(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);

	(void)state;
	assert_int_equal(f->cfg.challenge_ack_limit, 10);
	assert_int_equal(f->cfg.challenge_ack_window_us, 5 * SEC);
	for (unsigned i = 0; i < 10; i++) {
		expect_challenge(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE,
		                 SND_NXT);
		fx_advance(f, 100000); /* 0.1 s apart */
	}
	expect_throttled(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE);
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/* RST, SYN and bad-ACK challenges share one budget. */
static void
test_established_challenge_ack_limit_shared_by_rst_syn_ack(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	const struct tcp_seg syn =
	    SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(f->peer_nxt));
	const struct tcp_seg bad_ack =
	    SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 1));

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		expect_challenge(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE,
		                 SND_NXT);
	for (unsigned i = 0; i < 3; i++)
		expect_challenge(f, syn, TCP_WHY_SYN_CHALLENGE, SND_NXT);
	for (unsigned i = 0; i < 3; i++)
		expect_challenge(f, bad_ack, TCP_WHY_ACK_NOT_ACCEPTABLE,
		                 SND_NXT);
	expect_throttled(f, syn, TCP_WHY_SYN_CHALLENGE);
	expect_throttled(f, bad_ack, TCP_WHY_ACK_NOT_ACCEPTABLE);
	expect_throttled(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE);
	/* The step-1 ACK for an unacceptable segment is not throttled. */
	{
		struct tcp_verdict v =
		    fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND),
		                       .ack = SEQ(SND_NXT)));

		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_nout(f, 1);
	}
	fx_free(f);
}

/* The budget comes back once 5 s have passed since the window began. */
static void
test_established_challenge_ack_limit_resets_after_window(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	uint64_t t0 = f->now_us;

	(void)state;
	for (unsigned i = 0; i < 10; i++)
		expect_challenge(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE,
		                 SND_NXT);
	expect_throttled(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE);
	fx_advance(f, 5 * SEC - 1);
	assert_int_equal(f->now_us - t0, 5 * SEC - 1);
	expect_throttled(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE);
	fx_advance(f, 1);
	for (unsigned i = 0; i < 10; i++)
		expect_challenge(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE,
		                 SND_NXT);
	expect_throttled(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE);
	fx_free(f);
}

/* CVE-2016-5696: one connection's exhausted budget does not affect another. */
static void test_established_challenge_ack_limit_per_connection(void **state)
{
	struct fx *a = est(TCP_PROFILE_DEFAULT);
	struct fx *b = est(TCP_PROFILE_DEFAULT);

	(void)state;
	for (unsigned i = 0; i < 10; i++)
		expect_challenge(a, RST_IN_WINDOW(a), TCP_WHY_RST_CHALLENGE,
		                 SND_NXT);
	expect_throttled(a, RST_IN_WINDOW(a), TCP_WHY_RST_CHALLENGE);
	expect_challenge(b, RST_IN_WINDOW(b), TCP_WHY_RST_CHALLENGE, SND_NXT);
	fx_free(a);
	fx_free(b);
}

/* A throttled connection still resets on an exact RST (5961 3.2 check 2). */
static void test_established_throttled_exact_rst_still_resets(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	for (unsigned i = 0; i < 10; i++)
		expect_challenge(f, RST_IN_WINDOW(f), TCP_WHY_RST_CHALLENGE,
		                 SND_NXT);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	fx_free(f);
}

/*
 * RFC 9293 3.5.2 ("A reset is valid if its sequence number is in the
 * window") and RFC 5961 3.2 check 1: a RST whose text starts left of
 * RCV.NXT and ends in the window passes Table 6 (its last octet is in the
 * window), but SEG.SEQ is outside the window: silent drop, no challenge
 * ACK, no reset, its text unused (SHLD-2 lets a RST carry text; the RST
 * is still judged by SEG.SEQ as sent). Found by fuzz_diff_lwip.
 */
/* A RST with ten octets of text starting five below RCV.NXT: dropped. */
static void rst_text_straddling_rcv_nxt_dropped(enum tcp_profile prof)
{
	struct fx *f = est(prof);
	struct tcp_verdict v;

	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt - 5),
	                    .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
	assert_no_output(f);
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.rx.len, 0);
	fx_free(f);
}

static void test_established_rst_text_straddling_rcv_nxt_dropped(void **state)
{
	(void)state;
	rst_text_straddling_rcv_nxt_dropped(TCP_PROFILE_DEFAULT);
}

/* The same under the legacy profile (RFC 793): 3.5.2 holds there too. */
static void
test_established_rst_text_straddling_rcv_nxt_dropped_legacy(void **state)
{
	(void)state;
	rst_text_straddling_rcv_nxt_dropped(TCP_PROFILE_LEGACY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_established_rst_at_right_edge_minus_1_challenge_acked),
		cmocka_unit_test(test_established_rst_at_right_edge_dropped),
		cmocka_unit_test(test_established_rst_below_rcv_nxt_dropped),
		cmocka_unit_test(
		    test_established_rst_exact_resets_whatever_ack),
		cmocka_unit_test(
		    test_established_rst_challenge_answered_by_exact_rst_resets),
		cmocka_unit_test(test_synchronized_states_syn_challenge_acked),
		cmocka_unit_test(
		    test_established_syn_challenge_answered_by_rst_resets),
		cmocka_unit_test(
		    test_synchronized_states_rst_in_window_challenge_acked),
		cmocka_unit_test(
		    test_synchronized_states_rst_in_window_resets_legacy),
		cmocka_unit_test(test_established_ack_at_lower_bound_accepted),
		cmocka_unit_test(
		    test_established_ack_below_lower_bound_challenge_acked),
		cmocka_unit_test(test_established_ack_at_snd_nxt_accepted),
		cmocka_unit_test(
		    test_established_ack_above_snd_nxt_challenge_acked),
		cmocka_unit_test(
		    test_synchronized_states_ack_above_snd_nxt_challenge_acked),
		cmocka_unit_test(test_established_old_ack_ignored_legacy),
		cmocka_unit_test(
		    test_established_challenge_acks_limited_to_10_per_5s),
		cmocka_unit_test(
		    test_established_challenge_ack_limit_shared_by_rst_syn_ack),
		cmocka_unit_test(
		    test_established_challenge_ack_limit_resets_after_window),
		cmocka_unit_test(
		    test_established_challenge_ack_limit_per_connection),
		cmocka_unit_test(
		    test_established_throttled_exact_rst_still_resets),
		cmocka_unit_test(
		    test_established_rst_text_straddling_rcv_nxt_dropped),
		cmocka_unit_test(
		    test_established_rst_text_straddling_rcv_nxt_dropped_legacy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
