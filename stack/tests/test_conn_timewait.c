/* SPDX-License-Identifier: MIT
 *
 * TIME-WAIT reopened by a new SYN: RFC 9293 3.6.1 MAY-2 and SHLD-4 (RFC
 * 6191), edge E112 of the conformance checklist (section 2.2), through
 * tcp_conn_timewait_syn_acceptable() and tcp_conn_timewait_reopen(). The
 * table (test_stack.c) decides when to call them; tcp_conn_input() never
 * reopens, so E111 (challenge ACK) and E113 (legacy reset) stay as
 * test_conn_closing.c checks them.
 *
 * Numbers after fx_time_wait (no timestamps): SND.NXT = SND.MAX = OLD_SND,
 * RCV.NXT = OLD_RCV (past the peer's FIN). The fixture's ISN generator
 * gives LOCAL_ISN + 0x10000 on its second call: above OLD_SND.
 */
#include "fixture.h"

#include <string.h>

#define OLD_SND (LOCAL_ISN + 2u)
#define OLD_RCV (REMOTE_ISN + 2u)
#define NEW_ISN (LOCAL_ISN + 0x10000u) /* the environment's second ISN */
#define TS0 0x7FFFFF00u                /* the peer's TSval on the old SYN */
#define TS_TW (TS0 + 2u)               /* TS.Recent in TIME-WAIT */
#define SEC 1000000ull
#define TSOPT(v) .opts = { .present = TCP_OPTF_TS, .tsval = (v), .tsecr = 0 }
#define SYN(s, ...) SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(s), __VA_ARGS__)

/* TIME-WAIT after a passive open whose SYN carried TSopt: TS.Recent TS_TW. */
static void time_wait_ts(struct fx *f)
{
	struct tcp_verdict v;

	fx_established_ts(f, TS0);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(OLD_SND),
	                       TSOPT(TS0 + 1)));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state(f, TCP_FIN_WAIT_2);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_FIN | TCP_FLAG_ACK,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(OLD_SND),
	                       TSOPT(TS_TW)));
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_state(f, TCP_TIME_WAIT);
	f->peer_nxt++;
	assert_int_equal(f->peer_nxt, OLD_RCV);
	assert_int_equal(f->c.ts_recent, TS_TW);
	assert_true(f->c.fl & TCP_CF_TS);
	fx_clear(f);
}

static int reopen(struct fx *f, struct tcp_seg seg)
{
	fx_clear(f);
	return tcp_conn_timewait_reopen(&f->c, &f->env, f->now_us, &f->tuple,
	                                &seg, &f->out);
}

static bool acceptable(const struct fx *f, struct tcp_seg seg)
{
	return tcp_conn_timewait_syn_acceptable(&f->c, &seg);
}

/* The reopened SYN-RECEIVED: <SEQ=iss><ACK=seq+1><CTL=SYN,ACK>, traced. */
static void assert_reopened(const struct fx *f, unsigned mark, uint32_t iss,
                            uint32_t seq)
{
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, iss, seq + 1);
	/* 3.6.1 condition (1): above everything the old incarnation used. */
	assert_true(tcp_seq_gt(SEQ(iss), SEQ(OLD_SND)));
	assert_int_equal(f->c.iss.v, iss);
	assert_int_equal(f->c.snd_nxt.v, iss + 1);
	assert_int_equal(f->c.irs.v, seq);
	assert_int_equal(f->c.rcv_nxt.v, seq + 1);
	assert_true(f->c.fl & TCP_CF_REOPENED);
	assert_false(f->c.fl & TCP_CF_PASSIVE);
	assert_trace(f, mark,
	             TR_STATE(TCP_TIME_WAIT, TCP_SYN_RECEIVED,
	                      TCP_CAUSE_RCV_SYN_REOPEN));
}

/* The old incarnation answers a retransmitted FIN as before (E107). */
static void assert_old_time_wait_answers(struct fx *f, bool ts)
{
	struct tcp_seg fin =
	    SEG_IN(.flags = TCP_FLAG_FIN | TCP_FLAG_ACK,
	           .seq = SEQ(OLD_RCV - 1), .ack = SEQ(OLD_SND));
	struct tcp_verdict v;

	if (ts) {
		fin.opts.present = TCP_OPTF_TS;
		fin.opts.tsval = TS_TW;
	}
	v = fx_input(f, fin);
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, OLD_SND, OLD_RCV);
	assert_int_equal((OUT(f, 0)->opts.present & TCP_OPTF_TS) != 0, ts);
	if (ts)
		assert_int_equal(OUT(f, 0)->opts.tsecr, TS_TW);
}

/* ==== Configuration ======================================================= */

/* On in the modern profiles (as Linux, BSD), off in LEGACY (RFC 793). */
static void test_cfg_timewait_reopen_by_profile(void **state)
{
	struct tcp_cfg cfg;

	(void)state;
	tcp_cfg_init(&cfg, TCP_PROFILE_DEFAULT);
	assert_true(cfg.timewait_reopen);
	tcp_cfg_init(&cfg, TCP_PROFILE_RFC5961);
	assert_true(cfg.timewait_reopen);
	tcp_cfg_init(&cfg, TCP_PROFILE_LEGACY);
	assert_false(cfg.timewait_reopen);
}

/* ==== E112 without timestamps: SEG.SEQ > RCV.NXT ========================== */

static void test_time_wait_syn_above_rcv_nxt_reopens(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 100000u;
	unsigned m;

	(void)state;
	fx_time_wait(f);
	fx_advance(f, 10 * SEC);
	m = fx_mark(f);
	assert_true(acceptable(f, SYN(seq)));
	assert_int_equal(reopen(f, SYN(seq, .opts = { .present = TCP_OPTF_MSS,
	                                              .mss = FX_MSS })),
	                 0);
	assert_reopened(f, m, NEW_ISN, seq);
	assert_false(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	/* The 2*MSL wait is gone; the SYN,ACK is under retransmission. */
	assert_int_equal(f->c.t_timewait, TCP_NO_DEADLINE);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c),
	                 f->now_us + f->cfg.rto_initial_us);
	/* The handshake completes as any passive one (E036). */
	m = fx_mark(f);
	fx_input(f, SEG_IN(.seq = SEQ(seq + 1), .ack = SEQ(NEW_ISN + 1)));
	assert_state(f, TCP_ESTABLISHED);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_SYN_RECEIVED, TCP_ESTABLISHED,
	                      TCP_CAUSE_RCV_ACK));
	fx_free(f);
}

/*
 * SEG.SEQ = RCV.NXT or below: maybe an old duplicate. tcp_conn_input()
 * answers as before: E111 in the window, the sequence check's ACK below it
 * (3.10.7.4 first), the same <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> either way.
 */
static void test_time_wait_syn_at_or_below_rcv_nxt_not_acceptable(void **state)
{
	static const struct {
		uint32_t seq;
		enum tcp_why why;
	} cases[] = {
		{ OLD_RCV, TCP_WHY_SYN_CHALLENGE },
		{ OLD_RCV - 1, TCP_WHY_SEQ_NOT_ACCEPTABLE },
		{ OLD_RCV - 5000, TCP_WHY_SEQ_NOT_ACCEPTABLE },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < TCP_ARRAY_LEN(cases); i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		struct tcp_verdict v;
		unsigned m;

		fx_time_wait(f);
		m = fx_mark(f);
		assert_false(acceptable(f, SYN(cases[i].seq)));
		/* Refused without side effects: no ISN drawn, nothing sent. */
		assert_int_equal(reopen(f, SYN(cases[i].seq)), TCP_EINVAL);
		assert_int_equal(f->isn_calls, 1);
		assert_state(f, TCP_TIME_WAIT);
		assert_no_output(f);
		assert_trace_empty(f, m);
		v = fx_input(f, SYN(cases[i].seq));
		assert_verdict(v, TCP_DISP_DROP_ACK, cases[i].why);
		assert_state(f, TCP_TIME_WAIT);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, OLD_SND, OLD_RCV);
		fx_free(f);
	}
}

/* Only a SYN without ACK and RST opens anything (3.10.7.2 third). */
static void test_time_wait_syn_with_ack_or_rst_not_acceptable(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 100000u;

	(void)state;
	fx_time_wait(f);
	assert_false(
	    acceptable(f, SYN(seq, .flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                      .ack = SEQ(1))));
	assert_false(
	    acceptable(f, SYN(seq, .flags = TCP_FLAG_SYN | TCP_FLAG_RST)));
	assert_false(acceptable(f, SEG_IN(.seq = SEQ(seq))));
	assert_int_equal(reopen(f,
	                        SYN(seq, .flags = TCP_FLAG_SYN | TCP_FLAG_ACK)),
	                 TCP_EINVAL);
	assert_state(f, TCP_TIME_WAIT);
	fx_free(f);
}

/* Only from TIME-WAIT, and only for this connection's own 4-tuple. */
static void test_reopen_outside_time_wait_or_other_tuple_einval(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 100000u;
	struct tcp_tuple other;
	struct tcp_seg syn = SYN(seq);

	(void)state;
	fx_fin_wait_2(f);
	assert_false(acceptable(f, SYN(seq)));
	assert_int_equal(reopen(f, SYN(seq)), TCP_EINVAL);
	assert_state(f, TCP_FIN_WAIT_2);
	fx_free(f);

	f = fx_new(TCP_PROFILE_DEFAULT);
	fx_time_wait(f);
	other = f->tuple;
	other.rport++;
	assert_int_equal(tcp_conn_timewait_reopen(&f->c, &f->env, f->now_us,
	                                          &other, &syn, &f->out),
	                 TCP_EINVAL);
	assert_state(f, TCP_TIME_WAIT);
	assert_no_output(f);
	fx_free(f);
}

/* cfg.timewait_reopen off: nothing is acceptable, E111 / E113 stay. */
static void test_time_wait_reopen_off_keeps_e111(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 7u; /* in the window: E111 */
	struct tcp_verdict v;

	(void)state;
	f->cfg.timewait_reopen = false;
	fx_reinit(f);
	fx_time_wait(f);
	assert_false(acceptable(f, SYN(seq)));
	assert_int_equal(reopen(f, SYN(seq)), TCP_EINVAL);
	v = fx_input(f, SYN(seq));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	assert_state(f, TCP_TIME_WAIT);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, OLD_SND, OLD_RCV);
	fx_free(f);

	/* LEGACY has it off by default. */
	f = fx_new(TCP_PROFILE_LEGACY);
	fx_time_wait(f);
	assert_false(acceptable(f, SYN(seq)));
	fx_free(f);
}

/* 3.6.1 condition (1): an ISN not above the old SND.MAX is replaced. */
static uint32_t isn_low(void *ctx, const struct tcp_tuple *t, uint64_t now)
{
	(void)ctx;
	(void)t;
	(void)now;
	return OLD_SND - 100u;
}

static uint32_t isn_equal(void *ctx, const struct tcp_tuple *t, uint64_t now)
{
	(void)ctx;
	(void)t;
	(void)now;
	return OLD_SND;
}

static void test_time_wait_reopen_iss_above_old_snd_max(void **state)
{
	uint32_t (*const isns[])(void *, const struct tcp_tuple *,
	                         uint64_t) = { isn_low, isn_equal };
	uint32_t seq = OLD_RCV + 7u;
	unsigned i;

	(void)state;
	for (i = 0; i < TCP_ARRAY_LEN(isns); i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		unsigned m;

		fx_time_wait(f);
		f->env.isn = isns[i];
		m = fx_mark(f);
		assert_int_equal(reopen(f, SYN(seq)), 0);
		assert_reopened(f, m, OLD_SND + TCP_TW_ISS_INCR, seq);
		fx_free(f);
	}
}

/* ==== E112 with timestamps (RFC 6191 2) ====================================
 */

/* TSval > TS.Recent decides, even with SEG.SEQ below RCV.NXT. */
static void test_time_wait_ts_syn_newer_tsval_reopens(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV - 1000u;
	struct tcp_seg syn =
	    SYN(seq, .opts = { .present = TCP_OPTF_MSS | TCP_OPTF_TS,
	                       .mss = FX_MSS,
	                       .tsval = TS_TW + 1 });
	unsigned m;

	(void)state;
	time_wait_ts(f);
	m = fx_mark(f);
	assert_true(acceptable(f, syn));
	assert_int_equal(reopen(f, syn), 0);
	assert_reopened(f, m, NEW_ISN, seq);
	/* RFC 7323 3.2: the SYN,ACK answers TSopt, echoing the new TSval. */
	assert_true(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	assert_int_equal(OUT(f, 0)->opts.tsecr, TS_TW + 1);
	assert_int_equal(f->c.ts_recent, TS_TW + 1);
	fx_input(f, SEG_IN(.seq = SEQ(seq + 1), .ack = SEQ(NEW_ISN + 1),
	                   TSOPT(TS_TW + 2)));
	assert_state(f, TCP_ESTABLISHED);
	assert_true(f->c.fl & TCP_CF_TS);
	fx_free(f);
}

/* The other cases of RFC 6191 2 after a connection with timestamps. */
static void test_time_wait_ts_syn_acceptability(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t hi = OLD_RCV + 10u, lo = OLD_RCV;

	(void)state;
	time_wait_ts(f);
	/* An older TSval never, whatever the sequence number. */
	assert_false(acceptable(f, SYN(hi, TSOPT(TS_TW - 1))));
	assert_false(acceptable(f, SYN(hi, TSOPT(TS_TW - 0x10000000u))));
	/* An equal TSval: the sequence number breaks the tie. */
	assert_true(acceptable(f, SYN(hi, TSOPT(TS_TW))));
	assert_false(acceptable(f, SYN(lo, TSOPT(TS_TW))));
	/* Newer is modular (RFC 7323 5.2): across 2^31 it is older. */
	assert_true(acceptable(f, SYN(lo, TSOPT(TS_TW + 0x7FFFFFFFu))));
	assert_false(acceptable(f, SYN(lo, TSOPT(TS_TW + 0x80000000u))));
	/* No TSopt on the SYN: the sequence number alone. */
	assert_true(acceptable(f, SYN(hi)));
	assert_false(acceptable(f, SYN(lo)));
	/* Timestamps off here: the new incarnation would not use them. */
	f->cfg.timestamps = false;
	assert_false(acceptable(f, SYN(lo, TSOPT(TS_TW + 1))));
	assert_true(acceptable(f, SYN(hi, TSOPT(TS_TW - 1))));
	fx_free(f);
}

/* An old TSval keeps the TIME-WAIT answer: PAWS (RFC 7323 5.3) ACKs it. */
static void test_time_wait_ts_syn_old_tsval_keeps_time_wait(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_seg syn = SYN(OLD_RCV + 10u, TSOPT(TS_TW - 1));
	struct tcp_verdict v;

	(void)state;
	time_wait_ts(f);
	assert_int_equal(reopen(f, syn), TCP_EINVAL);
	v = fx_input(f, syn);
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, OLD_SND, OLD_RCV);
	/* A newer TSval still reaches E111 in tcp_conn_input(). */
	v = fx_input(f, SYN(OLD_RCV + 10u, TSOPT(TS_TW + 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	assert_state(f, TCP_TIME_WAIT);
	fx_free(f);
}

/* No timestamps before: a SYN with TSopt cannot be an old duplicate. */
static void test_time_wait_no_ts_syn_with_tsopt_acceptable(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	unsigned m;

	(void)state;
	fx_time_wait(f);
	assert_true(acceptable(f, SYN(OLD_RCV - 3u, TSOPT(1))));
	m = fx_mark(f);
	assert_int_equal(reopen(f, SYN(OLD_RCV - 3u, TSOPT(1))), 0);
	assert_reopened(f, m, NEW_ISN, OLD_RCV - 3u);
	assert_true(f->c.fl & TCP_CF_TS);
	fx_free(f);
}

/* ==== Condition (2): the SYN was an old duplicate ========================= */

/*
 * The peer, not in SYN-SENT, answers our SYN,ACK with <SEQ=SEG.ACK>
 * <CTL=RST> (3.10.7.1/3.10.7.3), which lies at RCV.NXT: the saved
 * TIME-WAIT comes back, answers as before and waits 2*MSL afresh.
 */
static void test_reopened_rst_returns_to_time_wait(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 100000u;
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	fx_time_wait(f);
	fx_advance(f, 30 * SEC);
	assert_int_equal(reopen(f, SYN(seq)), 0);
	fx_advance(f, 2 * SEC); /* one SYN,ACK retransmission */
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(seq + 1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_TIME_WAIT);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_SYN_RECEIVED, TCP_TIME_WAIT,
	                      TCP_CAUSE_RCV_RST));
	/* What is restored. */
	assert_false(f->c.fl & TCP_CF_REOPENED);
	assert_true(f->c.fl & TCP_CF_FIN_RCVD);
	assert_true(f->c.fl & TCP_CF_FIN_SENT);
	assert_int_equal(f->c.iss.v, LOCAL_ISN);
	assert_int_equal(f->c.snd_una.v, OLD_SND);
	assert_int_equal(f->c.snd_nxt.v, OLD_SND);
	assert_int_equal(f->c.snd_max.v, OLD_SND);
	assert_int_equal(f->c.rcv_nxt.v, OLD_RCV);
	assert_int_equal(f->c.err, 0);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c),
	                 f->now_us + 2 * f->cfg.msl_us);
	/* It answers as the old connection would (E107, E111). */
	assert_old_time_wait_answers(f, false);
	v = fx_input(f, SYN(OLD_RCV));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	/* And it may be reopened again by a good SYN. */
	assert_true(acceptable(f, SYN(seq + 10)));
	m = fx_mark(f);
	fx_advance(f, 2 * f->cfg.msl_us);
	assert_state(f, TCP_CLOSED);
	assert_trace(f, m,
	             TR_STATE(TCP_TIME_WAIT, TCP_CLOSED,
	                      TCP_CAUSE_TIMEOUT_TIME_WAIT));
	fx_free(f);
}

/* With timestamps: TS.Recent and our TSval clock come back as well. */
static void test_reopened_rst_restores_timestamps(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 5u;
	struct tcp_verdict v;

	(void)state;
	time_wait_ts(f);
	assert_int_equal(reopen(f, SYN(seq, TSOPT(TS_TW + 50))), 0);
	assert_int_equal(f->c.ts_recent, TS_TW + 50);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(seq + 1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_TIME_WAIT);
	assert_true(f->c.fl & TCP_CF_TS);
	assert_int_equal(f->c.ts_recent, TS_TW);
	assert_old_time_wait_answers(f, true);
	/* PAWS against the restored TS.Recent. */
	v = fx_input(f, SEG_IN(.seq = SEQ(OLD_RCV), .ack = SEQ(OLD_SND),
	                       TSOPT(TS_TW - 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_PAWS);
	fx_free(f);
}

/* RFC 5961 3.2 still applies: an in-window RST off RCV.NXT is challenged. */
static void test_reopened_rst_in_window_challenged(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 100000u;
	struct tcp_verdict v;

	(void)state;
	fx_time_wait(f);
	assert_int_equal(reopen(f, SYN(seq)), 0);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(seq + 9)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_RST_CHALLENGE);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, NEW_ISN + 1, seq + 1);
	fx_free(f);
}

/* 3.10.7.4 fourth: where a passive open goes back to LISTEN, a reopened
 * one goes back to TIME-WAIT. */
static void test_reopened_syn_in_window_returns_to_time_wait(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t seq = OLD_RCV + 100000u;
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	fx_time_wait(f);
	assert_int_equal(reopen(f, SYN(seq)), 0);
	m = fx_mark(f);
	v = fx_input(f, SYN(seq + 1));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYN_RESTART);
	assert_state(f, TCP_TIME_WAIT);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_SYN_RECEIVED, TCP_TIME_WAIT,
	                      TCP_CAUSE_RCV_SYN_RESTART),
	             TR_DROP(TCP_WHY_SYN_RESTART));
	assert_old_time_wait_answers(f, false);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_timewait_reopen_by_profile),
		/* E112 without timestamps */
		cmocka_unit_test(test_time_wait_syn_above_rcv_nxt_reopens),
		cmocka_unit_test(
		    test_time_wait_syn_at_or_below_rcv_nxt_not_acceptable),
		cmocka_unit_test(
		    test_time_wait_syn_with_ack_or_rst_not_acceptable),
		cmocka_unit_test(
		    test_reopen_outside_time_wait_or_other_tuple_einval),
		cmocka_unit_test(test_time_wait_reopen_off_keeps_e111),
		cmocka_unit_test(test_time_wait_reopen_iss_above_old_snd_max),
		/* E112 with timestamps (RFC 6191) */
		cmocka_unit_test(test_time_wait_ts_syn_newer_tsval_reopens),
		cmocka_unit_test(test_time_wait_ts_syn_acceptability),
		cmocka_unit_test(
		    test_time_wait_ts_syn_old_tsval_keeps_time_wait),
		cmocka_unit_test(
		    test_time_wait_no_ts_syn_with_tsopt_acceptable),
		/* Condition (2) */
		cmocka_unit_test(test_reopened_rst_returns_to_time_wait),
		cmocka_unit_test(test_reopened_rst_restores_timestamps),
		cmocka_unit_test(test_reopened_rst_in_window_challenged),
		cmocka_unit_test(
		    test_reopened_syn_in_window_returns_to_time_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
