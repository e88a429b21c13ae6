/* SPDX-License-Identifier: MIT
 *
 * The reference connection in the closing states FIN-WAIT-1, FIN-WAIT-2,
 * CLOSE-WAIT, CLOSING, LAST-ACK and TIME-WAIT: one test per state-machine
 * edge E058-E115 of the conformance checklist (section 2.2) that applies to
 * the reference's profiles, plus half-close, SHLD-3 after a full close, the
 * user-call errors of 3.10.2/3.10.4 and the RFC 1337 TIME-WAIT switch.
 *
 * Kinds: base edges run in TCP_PROFILE_DEFAULT; 5961 edges in DEFAULT;
 * legacy edges in TCP_PROFILE_LEGACY. E112 (TIME-WAIT SYN accepted as a new
 * incarnation, 3.6.1 MAY-2, RFC 6191) is never taken by tcp_conn_input(),
 * which keeps E111/E113 here; test_conn_timewait.c and test_stack.c test
 * it.
 *
 * Sequence numbers after each fixture (RCV.NXT is always f->peer_nxt):
 *   FIN-WAIT-1  SND.UNA = LOCAL_ISN + 1, SND.NXT = LOCAL_ISN + 2 (FIN out)
 *   FIN-WAIT-2  SND.UNA = SND.NXT = LOCAL_ISN + 2
 *   CLOSE-WAIT  SND.UNA = SND.NXT = LOCAL_ISN + 1, peer FIN counted
 *   CLOSING     SND.UNA = LOCAL_ISN + 1, SND.NXT = LOCAL_ISN + 2
 *   LAST-ACK    SND.UNA = LOCAL_ISN + 1, SND.NXT = LOCAL_ISN + 2
 *   TIME-WAIT   SND.UNA = SND.NXT = LOCAL_ISN + 2
 */
#include "fixture.h"

#include <string.h>

#define WND FX_RX_BYTES
#define SEC 1000000ull

static uint8_t payload[4096];

static int setup_payload(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 11u + 5u);
	return 0;
}

/* A closing state: how to reach it and the numbers that hold there. */
struct st {
	void (*reach)(struct fx *);
	enum tcp_state state;
	uint32_t snd_nxt;  /* our SND.NXT */
	uint32_t peer_ack; /* what the peer acknowledges (its RCV.NXT) */
};

static const struct st FW1 = { fx_fin_wait_1, TCP_FIN_WAIT_1, LOCAL_ISN + 2,
	                       LOCAL_ISN + 1 };
static const struct st FW2 = { fx_fin_wait_2, TCP_FIN_WAIT_2, LOCAL_ISN + 2,
	                       LOCAL_ISN + 2 };
static const struct st CW = { fx_close_wait, TCP_CLOSE_WAIT, LOCAL_ISN + 1,
	                      LOCAL_ISN + 1 };
static const struct st CLG = { fx_closing, TCP_CLOSING, LOCAL_ISN + 2,
	                       LOCAL_ISN + 1 };
static const struct st LA = { fx_last_ack, TCP_LAST_ACK, LOCAL_ISN + 2,
	                      LOCAL_ISN + 1 };
static const struct st TW = { fx_time_wait, TCP_TIME_WAIT, LOCAL_ISN + 2,
	                      LOCAL_ISN + 2 };

static struct fx *reach(const struct st *s, enum tcp_profile p)
{
	struct fx *f = fx_new(p);

	s->reach(f);
	return f;
}

/* ---- Shared checks --------------------------------------------------------
 */

/* 3.10.7.4 first: an unacceptable segment draws <SEQ=SND.NXT><ACK=RCV.NXT>. */
static void check_unacceptable(const struct st *s, enum tcp_profile p,
                               struct tcp_seg seg_rel, bool retransmitted_fin)
{
	struct fx *f = reach(s, p);
	struct tcp_verdict v;
	struct tcp_seg seg = seg_rel;
	unsigned m = fx_mark(f);

	if (retransmitted_fin) {
		/* The peer's FIN again: SEG.SEQ = RCV.NXT - 1, one octet. */
		seg = SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
		             .seq = SEQ(f->peer_nxt - 1),
		             .ack = SEQ(s->peer_ack));
	} else {
		seg.seq = SEQ(f->peer_nxt + seg_rel.seq.v);
		seg.ack = SEQ(s->peer_ack);
	}
	v = fx_input(f, seg);
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, s->state);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, s->snd_nxt, f->peer_nxt);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
	fx_free(f);
}

/* 3.10.7.4 second: an acceptable RST (SEQ = RCV.NXT) closes. */
static void check_rst_closes(const struct st *s, enum tcp_profile p,
                             uint32_t seq_off, int err)
{
	struct fx *f = reach(s, p);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + seq_off)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, err);
	assert_no_output(f);
	assert_trace(f, m, TR_STATE(s->state, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/* RFC 5961 3.2 / 3.10.7.4 second, check 3: in-window RST -> challenge ACK. */
static void check_rst_challenge(const struct st *s)
{
	struct fx *f = reach(s, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_RST_CHALLENGE);
	assert_state(f, s->state);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, s->snd_nxt, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_RST_CHALLENGE));
	fx_free(f);
}

/* RFC 5961 4.2 / 3.10.7.4 fourth: SYN -> challenge ACK, whatever SEQ. */
static void check_syn_challenge(const struct st *s)
{
	struct fx *f = reach(s, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
	                       .seq = SEQ(f->peer_nxt + 7)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	assert_state(f, s->state);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, s->snd_nxt, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_SYN_CHALLENGE));
	fx_free(f);
}

/* 3.10.7.4 fourth, RFC 793 text: in-window SYN -> RST, CLOSED ("reset"). */
static void check_syn_resets_legacy(const struct st *s)
{
	struct fx *f = reach(s, TCP_PROFILE_LEGACY);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
	                       .seq = SEQ(f->peer_nxt + 7)));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_SYN_RESET);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	assert_nout(f, 1);
	/* The 3.10.7.1 form, which a restarted peer in SYN-SENT accepts. */
	assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0, f->peer_nxt + 8);
	assert_trace(f, m,
	             TR_STATE(s->state, TCP_CLOSED,
	                      TCP_CAUSE_RCV_SYN_IN_WINDOW),
	             TR_DROP(TCP_WHY_SYN_RESET));
	fx_free(f);
}

/* 3.10.5 ABORT: RST from FIN-WAIT-*, CLOSE-WAIT; nothing from the others. */
static void check_abort(const struct st *s, bool rst)
{
	struct fx *f = reach(s, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us, &f->out), 0);
	assert_state(f, TCP_CLOSED);
	if (rst) {
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_RST, s->snd_nxt, 0);
	} else {
		assert_no_output(f);
	}
	assert_trace(f, m,
	             TR_STATE(s->state, TCP_CLOSED, TCP_CAUSE_USER_ABORT));
	fx_free(f);
}

/* 3.10.8 RETRANSMISSION TIMEOUT: our FIN (SEQ = SND.UNA) goes out again. */
static void check_rto_resends_fin(const struct st *s)
{
	struct fx *f = reach(s, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	uint64_t rto = f->c.rto_us;

	/* The fixture sent the FIN at the current time. */
	fx_advance(f, rto - 1);
	assert_no_output(f);
	fx_advance(f, 1);
	assert_state(f, s->state);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_FIN, LOCAL_ISN + 1,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	assert_trace_empty(f, m);
	fx_free(f);
}

/*
 * 3.10.8 USER TIMEOUT (MUST-20): "flush all queues, signal the user error:
 * connection aborted due to user timeout ... enter the CLOSED state", when
 * it expires. 'send_data' first puts data in flight (CLOSE-WAIT).
 */
static void check_user_timeout(const struct st *s, bool send_data)
{
	struct fx *f = reach(s, TCP_PROFILE_DEFAULT);
	uint64_t t0 = f->now_us;
	unsigned m;

	tcp_conn_set_user_timeout(&f->c, 10 * SEC);
	if (send_data)
		assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us,
		                               payload, 100, 0, &f->out),
		                 100);
	m = fx_mark(f);
	fx_advance(f, 10 * SEC - 1);
	assert_state(f, s->state);
	fx_clear(f);
	fx_advance(f, 1);
	assert_int_equal(f->now_us - t0, 10 * SEC);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(s->state, TCP_CLOSED, TCP_CAUSE_TIMEOUT_USER));
	fx_free(f);
}

/* 3.10.2 and 3.10.4: SEND and a second CLOSE -> "connection closing". */
static void check_user_calls_closing(const struct st *s)
{
	struct fx *f = reach(s, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 TCP_ECLOSING);
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 10,
	                               0, &f->out),
	                 TCP_ECLOSING);
	/* "as long as a second FIN is not emitted": nothing at all. */
	assert_no_output(f);
	assert_state(f, s->state);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* ==== FIN-WAIT-1 ========================================================== */

/* E058 (base), 3.10.7.4 fifth: our FIN acknowledged -> FIN-WAIT-2. */
static void test_fin_wait_1_ack_of_fin_enters_fin_wait_2(void **state)
{
	struct fx *f = reach(&FW1, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_FIN_WAIT_2);
	assert_no_output(f);
	assert_seq_equal(f->c.snd_una.v, LOCAL_ISN + 2);
	assert_trace(f, m,
	             TR_STATE(TCP_FIN_WAIT_1, TCP_FIN_WAIT_2,
	                      TCP_CAUSE_RCV_ACK));
	/* No retransmission is pending any more. */
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/* E059 (base), 3.10.7.4 eighth: FIN, ours not acked -> CLOSING, ACK it. */
static void test_fin_wait_1_fin_enters_closing(void **state)
{
	struct fx *f = reach(&FW1, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSING);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt + 1);
	assert_trace(f, m,
	             TR_STATE(TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN));
	fx_free(f);
}

/*
 * E060 (base), 3.10.7.4 fifth + eighth (Figure 5 note 2): a FIN that also
 * acks our FIN -> TIME-WAIT (through FIN-WAIT-2, as step 5 "continue
 * processing in that state" says), ACK it, start the 2 MSL timer.
 */
static void test_fin_wait_1_fin_acking_fin_enters_time_wait(void **state)
{
	struct fx *f = reach(&FW1, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt + 1);
	assert_trace(
	    f, m, TR_STATE(TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK),
	    TR_STATE(TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN));
	assert_int_equal(tcp_conn_next_deadline_us(&f->c),
	                 f->now_us + 2 * f->cfg.msl_us);
	fx_free(f);
}

/* E061 (base), 3.10.7.4 seventh: text still accepted in FIN-WAIT-1, ACKed. */
static void test_fin_wait_1_data_accepted_and_acked(void **state)
{
	struct fx *f = reach(&FW1, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;
	uint8_t buf[64];

	(void)state;
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 1),
	                    .payload = payload, .payload_bytes = 50));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_FIN_WAIT_1);
	fx_advance(f, f->cfg.delack_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt + 50);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 50);
	assert_memory_equal(buf, payload, 50);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E062 (base), 3.10.7.4 first: unacceptable -> ACK, drop. */
static void test_fin_wait_1_unacceptable_seq_acked(void **state)
{
	(void)state;
	check_unacceptable(&FW1, TCP_PROFILE_DEFAULT,
	                   SEG_IN(.seq = SEQ(WND), .payload = payload,
	                          .payload_bytes = 10),
	                   false);
	check_unacceptable(&FW1, TCP_PROFILE_LEGACY,
	                   SEG_IN(.seq = SEQ(WND), .payload = payload,
	                          .payload_bytes = 10),
	                   false);
}

/* E063 (base), 3.10.7.4 second: acceptable RST -> CLOSED, "reset". */
static void test_fin_wait_1_rst_exact_resets(void **state)
{
	(void)state;
	check_rst_closes(&FW1, TCP_PROFILE_DEFAULT, 0, TCP_ERESET);
	check_rst_closes(&FW1, TCP_PROFILE_LEGACY, 100, TCP_ERESET);
}

/* E064 (5961), RFC 5961 3.2: in-window RST, SEQ != RCV.NXT -> challenge. */
static void test_fin_wait_1_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	check_rst_challenge(&FW1);
}

/* E065 (5961), RFC 5961 4.2: SYN -> challenge ACK. */
static void test_fin_wait_1_syn_challenge_acked(void **state)
{
	(void)state;
	check_syn_challenge(&FW1);
}

/* E066 (legacy), 3.10.7.4 fourth (RFC 793): in-window SYN -> RST, CLOSED. */
static void test_fin_wait_1_syn_in_window_resets_legacy(void **state)
{
	(void)state;
	check_syn_resets_legacy(&FW1);
}

/* E067 (base), 3.10.5: ABORT -> <SEQ=SND.NXT><CTL=RST>, CLOSED. */
static void test_fin_wait_1_abort_sends_rst(void **state)
{
	(void)state;
	check_abort(&FW1, true);
}

/* E068 (base), 3.10.8: RTO -> the FIN again. */
static void test_fin_wait_1_rto_retransmits_fin(void **state)
{
	(void)state;
	check_rto_resends_fin(&FW1);
}

/* E069 (base), 3.10.8: user timeout -> CLOSED, ETIMEDOUT. */
static void test_fin_wait_1_user_timeout_closes_etimedout(void **state)
{
	(void)state;
	check_user_timeout(&FW1, false);
}

/* 3.10.4 / 3.10.2: CLOSE again and SEND -> "connection closing". */
static void test_fin_wait_1_close_and_send_return_eclosing(void **state)
{
	(void)state;
	check_user_calls_closing(&FW1);
}

/* ==== FIN-WAIT-2 ========================================================== */

/* E070 (base), 3.10.7.4 eighth: FIN -> TIME-WAIT, ACK, 2 MSL timer. */
static void test_fin_wait_2_fin_enters_time_wait(void **state)
{
	struct fx *f = reach(&FW2, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt + 1);
	assert_trace(f, m,
	             TR_STATE(TCP_FIN_WAIT_2, TCP_TIME_WAIT,
	                      TCP_CAUSE_RCV_FIN));
	assert_int_equal(tcp_conn_next_deadline_us(&f->c),
	                 f->now_us + 2 * f->cfg.msl_us);
	fx_free(f);
}

/* E071 (base), 3.6.1 half-close, 3.10.7.4 seventh: text still received. */
static void test_fin_wait_2_data_accepted_and_acked(void **state)
{
	struct fx *f = reach(&FW2, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;
	uint8_t buf[4096];

	(void)state;
	/* Two full segments: acknowledged at once (SHLD-19). */
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 2),
	                    .payload = payload, .payload_bytes = 3000));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_FIN_WAIT_2);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt + 3000);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 3000);
	assert_memory_equal(buf, payload, 3000);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E072 (base), 3.10.7.4 first: unacceptable -> ACK, drop. */
static void test_fin_wait_2_unacceptable_seq_acked(void **state)
{
	(void)state;
	check_unacceptable(&FW2, TCP_PROFILE_DEFAULT,
	                   SEG_IN(.seq = SEQ(-30), .payload = payload,
	                          .payload_bytes = 10),
	                   false);
	check_unacceptable(&FW2, TCP_PROFILE_LEGACY,
	                   SEG_IN(.seq = SEQ(-30), .payload = payload,
	                          .payload_bytes = 10),
	                   false);
}

/* E073 (base), 3.10.7.4 second: acceptable RST -> CLOSED, "reset". */
static void test_fin_wait_2_rst_exact_resets(void **state)
{
	(void)state;
	check_rst_closes(&FW2, TCP_PROFILE_DEFAULT, 0, TCP_ERESET);
	check_rst_closes(&FW2, TCP_PROFILE_LEGACY, WND - 1, TCP_ERESET);
}

/* E074 (5961). */
static void test_fin_wait_2_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	check_rst_challenge(&FW2);
}

/* E075 (5961). */
static void test_fin_wait_2_syn_challenge_acked(void **state)
{
	(void)state;
	check_syn_challenge(&FW2);
}

/* E076 (legacy). */
static void test_fin_wait_2_syn_in_window_resets_legacy(void **state)
{
	(void)state;
	check_syn_resets_legacy(&FW2);
}

/* E077 (base), 3.10.5. */
static void test_fin_wait_2_abort_sends_rst(void **state)
{
	(void)state;
	check_abort(&FW2, true);
}

/* 3.10.4 / 3.10.2. */
static void test_fin_wait_2_close_and_send_return_eclosing(void **state)
{
	(void)state;
	check_user_calls_closing(&FW2);
}

/*
 * SHLD-3, 3.6.1: after a full close (no more reading, MAY-1), new data
 * draws a RST "to show that data was lost".
 */
static void test_fin_wait_2_data_after_full_close_sends_rst(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	fx_established(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_FULL, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 2)));
	assert_state(f, TCP_FIN_WAIT_2);
	m = fx_mark(f);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 2),
	                    .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_DATA_AFTER_CLOSE);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, LOCAL_ISN + 2, 0);
	assert_trace(f, m,
	             TR_STATE(TCP_FIN_WAIT_2, TCP_CLOSED,
	                      TCP_CAUSE_RCV_DATA_AFTER_CLOSE),
	             TR_DROP(TCP_WHY_DATA_AFTER_CLOSE));
	fx_free(f);
}

/* ==== CLOSE-WAIT ========================================================== */

/* E078 (base), 3.10.4: CLOSE -> LAST-ACK, FIN after the queued data. */
static void test_close_wait_close_sends_fin_enters_last_ack(void **state)
{
	struct fx *f = reach(&CW, TCP_PROFILE_DEFAULT);
	unsigned m;

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	fx_clear(f);
	m = fx_mark(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_LAST_ACK);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_FIN, LOCAL_ISN + 101,
	           f->peer_nxt);
	assert_trace(f, m,
	             TR_STATE(TCP_CLOSE_WAIT, TCP_LAST_ACK,
	                      TCP_CAUSE_USER_CLOSE));
	fx_free(f);
}

/* E079 (base), 3.10.2, 3.6.1 half-close: SEND still works in CLOSE-WAIT. */
static void test_close_wait_send_emits_data(void **state)
{
	struct fx *f = reach(&CW, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH, LOCAL_ISN + 1,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	assert_memory_equal(OUT(f, 0)->payload, payload, 100);
	/* ... and its acknowledgment is processed (E081). */
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 101)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_seq_equal(f->c.snd_una.v, LOCAL_ISN + 101);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E080 (base), 3.10.7.4 first: a retransmitted FIN fails the test -> ACK. */
static void test_close_wait_retransmitted_fin_acked(void **state)
{
	(void)state;
	check_unacceptable(&CW, TCP_PROFILE_DEFAULT, SEG_IN(), true);
	check_unacceptable(&CW, TCP_PROFILE_LEGACY, SEG_IN(), true);
}

/*
 * E081 (base), 3.10.7.4 fifth-seventh: an acceptable ACK is processed; text
 * and URG after the peer's FIN are ignored.
 */
static void test_close_wait_ack_processed_text_ignored(void **state)
{
	struct fx *f = reach(&CW, TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100, 0, &f->out);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_URG,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 101), .urp = 5,
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_no_output(f);
	assert_seq_equal(f->c.snd_una.v, LOCAL_ISN + 101);
	assert_seq_equal(f->c.rcv_nxt.v, f->peer_nxt);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.bytes_readable, 0);
	assert_false(st.urgent_signal);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E082 (base), 3.10.7.4 second: acceptable RST -> CLOSED, "reset". */
static void test_close_wait_rst_exact_resets(void **state)
{
	(void)state;
	check_rst_closes(&CW, TCP_PROFILE_DEFAULT, 0, TCP_ERESET);
	check_rst_closes(&CW, TCP_PROFILE_LEGACY, 3, TCP_ERESET);
}

/* E083 (5961). */
static void test_close_wait_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	check_rst_challenge(&CW);
}

/* E084 (5961). */
static void test_close_wait_syn_challenge_acked(void **state)
{
	(void)state;
	check_syn_challenge(&CW);
}

/* E085 (legacy). */
static void test_close_wait_syn_in_window_resets_legacy(void **state)
{
	(void)state;
	check_syn_resets_legacy(&CW);
}

/* E086 (base), 3.10.5. */
static void test_close_wait_abort_sends_rst(void **state)
{
	(void)state;
	check_abort(&CW, true);
}

/* E087 (base), 3.10.8: RTO -> the oldest unacknowledged data again. */
static void test_close_wait_rto_retransmits_oldest(void **state)
{
	struct fx *f = reach(&CW, TCP_PROFILE_DEFAULT);
	unsigned m;

	(void)state;
	tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100, 0, &f->out);
	fx_clear(f);
	m = fx_mark(f);
	fx_advance(f, f->c.rto_us);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH, LOCAL_ISN + 1,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E088 (base), 3.10.8: user timeout -> CLOSED, ETIMEDOUT. */
static void test_close_wait_user_timeout_closes_etimedout(void **state)
{
	(void)state;
	check_user_timeout(&CW, true);
}

/* MUST-12, 3.10.3: the end of stream is reported as a graceful close. */
static void test_close_wait_recv_reports_end_of_stream(void **state)
{
	struct fx *f = reach(&CW, TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	uint8_t buf[8];

	(void)state;
	tcp_conn_status(&f->c, &st);
	assert_true(st.peer_fin);
	assert_int_equal(st.err, 0);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 0);
	fx_free(f);
}

/* ==== CLOSING ============================================================= */

/* E089 (base), 3.10.7.4 fifth: our FIN acked -> TIME-WAIT, 2 MSL timer. */
static void test_closing_ack_of_fin_enters_time_wait(void **state)
{
	struct fx *f = reach(&CLG, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_TIME_WAIT);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_CLOSING, TCP_TIME_WAIT, TCP_CAUSE_RCV_ACK));
	assert_int_equal(tcp_conn_next_deadline_us(&f->c),
	                 f->now_us + 2 * f->cfg.msl_us);
	fx_free(f);
}

/* E090 (base), 3.10.7.4 first: a retransmitted FIN -> ACK. */
static void test_closing_retransmitted_fin_acked(void **state)
{
	(void)state;
	check_unacceptable(&CLG, TCP_PROFILE_DEFAULT, SEG_IN(), true);
	check_unacceptable(&CLG, TCP_PROFILE_LEGACY, SEG_IN(), true);
}

/* E091 (base), 3.10.7.4 second: acceptable RST -> CLOSED (no signal). */
static void test_closing_rst_exact_closes(void **state)
{
	(void)state;
	check_rst_closes(&CLG, TCP_PROFILE_DEFAULT, 0, 0);
	check_rst_closes(&CLG, TCP_PROFILE_LEGACY, 9, 0);
}

/* E092 (5961). */
static void test_closing_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	check_rst_challenge(&CLG);
}

/* E093 (5961). */
static void test_closing_syn_challenge_acked(void **state)
{
	(void)state;
	check_syn_challenge(&CLG);
}

/* E094 (legacy). */
static void test_closing_syn_in_window_resets_legacy(void **state)
{
	(void)state;
	check_syn_resets_legacy(&CLG);
}

/* E095 (base), 3.10.5: ABORT in CLOSING sends nothing. */
static void test_closing_abort_sends_nothing(void **state)
{
	(void)state;
	check_abort(&CLG, false);
}

/* E096 (base), 3.10.8: RTO -> FIN again. */
static void test_closing_rto_retransmits_fin(void **state)
{
	(void)state;
	check_rto_resends_fin(&CLG);
}

/* E097 (base), 3.10.8: user timeout -> CLOSED, ETIMEDOUT. */
static void test_closing_user_timeout_closes_etimedout(void **state)
{
	(void)state;
	check_user_timeout(&CLG, false);
}

/* 3.10.4 / 3.10.2. */
static void test_closing_close_and_send_return_eclosing(void **state)
{
	(void)state;
	check_user_calls_closing(&CLG);
}

/* ==== LAST-ACK ============================================================ */

/* E098 (base), 3.10.7.4 fifth: our FIN acked -> CLOSED. */
static void test_last_ack_ack_of_fin_closes(void **state)
{
	struct fx *f = reach(&LA, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, 0);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_LAST_ACK, TCP_CLOSED, TCP_CAUSE_RCV_ACK));
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/* 3.10.7.4 fifth, CLOSING/LAST-ACK: an ACK short of our FIN changes nothing. */
static void test_last_ack_ack_below_fin_ignored(void **state)
{
	struct fx *f = reach(&LA, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_LAST_ACK);
	assert_no_output(f);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E099 (base), 3.10.7.4 first: a retransmitted FIN -> ACK. */
static void test_last_ack_retransmitted_fin_acked(void **state)
{
	(void)state;
	check_unacceptable(&LA, TCP_PROFILE_DEFAULT, SEG_IN(), true);
	check_unacceptable(&LA, TCP_PROFILE_LEGACY, SEG_IN(), true);
}

/* E100 (base), 3.10.7.4 second: acceptable RST -> CLOSED. */
static void test_last_ack_rst_exact_closes(void **state)
{
	(void)state;
	check_rst_closes(&LA, TCP_PROFILE_DEFAULT, 0, 0);
	check_rst_closes(&LA, TCP_PROFILE_LEGACY, 1, 0);
}

/* E101 (5961). */
static void test_last_ack_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	check_rst_challenge(&LA);
}

/* E102 (5961). */
static void test_last_ack_syn_challenge_acked(void **state)
{
	(void)state;
	check_syn_challenge(&LA);
}

/* E103 (legacy). */
static void test_last_ack_syn_in_window_resets_legacy(void **state)
{
	(void)state;
	check_syn_resets_legacy(&LA);
}

/* E104 (base), 3.10.5: ABORT in LAST-ACK sends nothing. */
static void test_last_ack_abort_sends_nothing(void **state)
{
	(void)state;
	check_abort(&LA, false);
}

/* E105 (base), 3.10.8: RTO -> FIN again. */
static void test_last_ack_rto_retransmits_fin(void **state)
{
	(void)state;
	check_rto_resends_fin(&LA);
}

/* E106 (base), 3.10.8: user timeout -> CLOSED, ETIMEDOUT. */
static void test_last_ack_user_timeout_closes_etimedout(void **state)
{
	(void)state;
	check_user_timeout(&LA, false);
}

/* 3.10.4 / 3.10.2. */
static void test_last_ack_close_and_send_return_eclosing(void **state)
{
	(void)state;
	check_user_calls_closing(&LA);
}

/* ==== TIME-WAIT =========================================================== */

/*
 * E107 (base), 3.10.7.4 first/fifth/eighth (checklist 2.5 #2): the
 * retransmitted FIN is ACKed and the 2 MSL wait restarts from it.
 */
static void
test_time_wait_retransmitted_fin_acked_and_2msl_restarted(void **state)
{
	struct fx *f = reach(&TW, TCP_PROFILE_DEFAULT);
	uint64_t t_fin, msl2 = 2 * f->cfg.msl_us;
	unsigned m;
	struct tcp_verdict v;

	(void)state;
	fx_advance(f, 60 * SEC);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt - 1),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	t_fin = f->now_us;
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), t_fin + msl2);
	/* Past the original deadline: still waiting. */
	fx_advance(f, msl2 - 1);
	assert_state(f, TCP_TIME_WAIT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE),
	             TR_STATE(TCP_TIME_WAIT, TCP_CLOSED,
	                      TCP_CAUSE_TIMEOUT_TIME_WAIT));
	fx_free(f);
}

/* E108 (base), 3.10.8 TIME-WAIT TIMEOUT (MUST-13): 2 MSL -> CLOSED. */
static void test_time_wait_2msl_timeout_closes(void **state)
{
	struct fx *f = reach(&TW, TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	(void)state;
	fx_advance(f, 2 * f->cfg.msl_us - 1);
	assert_state(f, TCP_TIME_WAIT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, 0);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_TIME_WAIT, TCP_CLOSED,
	                      TCP_CAUSE_TIMEOUT_TIME_WAIT));
	fx_free(f);
}

/* E109 (base), 3.10.7.4 second: acceptable RST -> CLOSED (RFC 1337 off). */
static void test_time_wait_rst_exact_closes(void **state)
{
	(void)state;
	check_rst_closes(&TW, TCP_PROFILE_DEFAULT, 0, 0);
	check_rst_closes(&TW, TCP_PROFILE_LEGACY, 50, 0);
}

/* RFC 1337 (checklist 2.5 #4), cfg.rfc1337: a RST in TIME-WAIT is ignored. */
static void test_time_wait_rst_ignored_with_rfc1337(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	f->cfg.rfc1337 = true;
	fx_reinit(f);
	fx_time_wait(f);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_TIME_WAIT);
	assert_state(f, TCP_TIME_WAIT);
	assert_no_output(f);
	assert_trace(f, m, TR_DROP(TCP_WHY_RST_TIME_WAIT));
	/* The 2 MSL wait is not cut short. */
	fx_advance(f, 2 * f->cfg.msl_us);
	assert_state(f, TCP_CLOSED);
	fx_free(f);
}

/* RFC 1337 in the legacy profile: an in-window RST is ignored as well. */
static void test_time_wait_rst_ignored_with_rfc1337_legacy(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	f->cfg.rfc1337 = true;
	fx_reinit(f);
	fx_time_wait(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + 9)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_TIME_WAIT);
	assert_state(f, TCP_TIME_WAIT);
	assert_no_output(f);
	fx_free(f);
}

/* E110 (5961). */
static void test_time_wait_rst_in_window_challenge_acked(void **state)
{
	(void)state;
	check_rst_challenge(&TW);
}

/* E111 (5961), 3.10.7.4 fourth: SYN (no new incarnation) -> challenge. */
static void test_time_wait_syn_challenge_acked(void **state)
{
	(void)state;
	check_syn_challenge(&TW);
}

/*
 * E112 (opt, MAY-2 / RFC 6191): a SYN accepted as a new incarnation from
 * TIME-WAIT: test_conn_timewait.c (tcp_conn_timewait_reopen) and
 * test_stack.c (the table reopens for a listener).
 */

/* E113 (legacy). */
static void test_time_wait_syn_in_window_resets_legacy(void **state)
{
	(void)state;
	check_syn_resets_legacy(&TW);
}

/*
 * E114 (base), 3.10.7.4 first: any other unacceptable segment -> ACK; only
 * a FIN restarts the 2 MSL wait.
 */
static void test_time_wait_unacceptable_seq_acked(void **state)
{
	struct fx *f = reach(&TW, TCP_PROFILE_DEFAULT);
	uint64_t deadline = tcp_conn_next_deadline_us(&f->c);
	struct tcp_verdict v;
	unsigned m = fx_mark(f);

	(void)state;
	fx_advance(f, SEC);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt - 40),
	                       .ack = SEQ(LOCAL_ISN + 2), .payload = payload,
	                       .payload_bytes = 20));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), deadline);
	assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
	check_unacceptable(&TW, TCP_PROFILE_LEGACY,
	                   SEG_IN(.seq = SEQ(WND), .payload = payload,
	                          .payload_bytes = 1),
	                   false);
	fx_free(f);
}

/* E115 (base), 3.10.5: ABORT in TIME-WAIT sends nothing. */
static void test_time_wait_abort_sends_nothing(void **state)
{
	(void)state;
	check_abort(&TW, false);
}

/* 3.10.4 / 3.10.2. */
static void test_time_wait_close_and_send_return_eclosing(void **state)
{
	(void)state;
	check_user_calls_closing(&TW);
}

/*
 * E098, RFC 9293 3.10.7.4 fifth, LAST-ACK: once our FIN is acknowledged,
 * "delete the TCB, enter the CLOSED state, and return": nothing else in the
 * segment is processed. Here RCV.NXT sits at 0 after the 2^32 wrap and the
 * ACK also carries a FIN at that sequence number: it draws no ACK.
 */
static void test_last_ack_ack_of_fin_with_fin_closes_silently(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t p;
	struct tcp_verdict v;

	(void)state;
	fx_established(f);
	p = f->peer_nxt;
	fx_input(f, SEG_IN(.seq = SEQ(p), .ack = SEQ(LOCAL_ISN + 1),
	                   .payload = payload, .payload_bytes = 14));
	fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                   .seq = SEQ(p + 14), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_CLOSE_WAIT);
	assert_int_equal(f->c.rcv_nxt.v, 0);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_LAST_ACK);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(0), .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 eighth, FIN-WAIT-1: "If our FIN has been ACKed
 * (perhaps in this segment), then enter TIME-WAIT, start the time-wait
 * timer": E060 with the ACK on the FIN. The connection leaves after 2*MSL
 * and not before (MUST-13).
 */
static void test_fin_wait_1_fin_with_ack_starts_2msl_timer(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_fin_wait_1(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                   .seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 2)));
	assert_state(f, TCP_TIME_WAIT);
	fx_advance(f, 2 * f->cfg.msl_us - 1);
	assert_state(f, TCP_TIME_WAIT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 eighth, TIME-WAIT: "Restart the 2 MSL time-wait
 * timeout" also for a FIN that reaches the eighth step (here one at
 * RCV.NXT, which passes the sequence check); RCV.NXT moves only once.
 */
static void test_time_wait_fin_at_rcv_nxt_restarts_2msl(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	fx_time_wait(f);
	fx_advance(f, f->cfg.msl_us);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, f->peer_nxt);
	fx_advance(f, 2 * f->cfg.msl_us - 1);
	assert_state(f, TCP_TIME_WAIT);
	fx_advance(f, 1);
	assert_state(f, TCP_CLOSED);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 eighth, CLOSE-WAIT: "Remain in the CLOSE-WAIT state".
 * The peer's FIN was counted once; a second FIN at RCV.NXT is acknowledged
 * without moving RCV.NXT (a stream has one end).
 */
static void test_close_wait_second_fin_does_not_move_rcv_nxt(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	fx_close_wait(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(LOCAL_ISN + 1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, f->peer_nxt);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 fifth and 3.10.8: an ACK that covers our text but not
 * our FIN (SEG.ACK = the FIN's number) removes the text only; the
 * retransmission timeout then resends the FIN alone.
 */
static void test_fin_wait_1_ack_of_text_only_rto_resends_bare_fin(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_established(f);
	assert_int_equal(fx_write(f, 10, 0), 10);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	fx_input(f,
	         SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(LOCAL_ISN + 11)));
	assert_state(f, TCP_FIN_WAIT_1);
	assert_int_equal(f->c.tx.len, 0);
	assert_int_not_equal(fx_run_until_output(f, 10 * SEC), 10 * SEC + 1);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_FIN, LOCAL_ISN + 11,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* FIN-WAIT-1 */
		cmocka_unit_test(test_fin_wait_1_ack_of_fin_enters_fin_wait_2),
		cmocka_unit_test(test_fin_wait_1_fin_enters_closing),
		cmocka_unit_test(
		    test_fin_wait_1_fin_acking_fin_enters_time_wait),
		cmocka_unit_test(test_fin_wait_1_data_accepted_and_acked),
		cmocka_unit_test(test_fin_wait_1_unacceptable_seq_acked),
		cmocka_unit_test(test_fin_wait_1_rst_exact_resets),
		cmocka_unit_test(test_fin_wait_1_rst_in_window_challenge_acked),
		cmocka_unit_test(test_fin_wait_1_syn_challenge_acked),
		cmocka_unit_test(test_fin_wait_1_syn_in_window_resets_legacy),
		cmocka_unit_test(test_fin_wait_1_abort_sends_rst),
		cmocka_unit_test(test_fin_wait_1_rto_retransmits_fin),
		cmocka_unit_test(test_fin_wait_1_user_timeout_closes_etimedout),
		cmocka_unit_test(
		    test_fin_wait_1_close_and_send_return_eclosing),
		/* FIN-WAIT-2 */
		cmocka_unit_test(test_fin_wait_2_fin_enters_time_wait),
		cmocka_unit_test(test_fin_wait_2_data_accepted_and_acked),
		cmocka_unit_test(test_fin_wait_2_unacceptable_seq_acked),
		cmocka_unit_test(test_fin_wait_2_rst_exact_resets),
		cmocka_unit_test(test_fin_wait_2_rst_in_window_challenge_acked),
		cmocka_unit_test(test_fin_wait_2_syn_challenge_acked),
		cmocka_unit_test(test_fin_wait_2_syn_in_window_resets_legacy),
		cmocka_unit_test(test_fin_wait_2_abort_sends_rst),
		cmocka_unit_test(
		    test_fin_wait_2_close_and_send_return_eclosing),
		cmocka_unit_test(
		    test_fin_wait_2_data_after_full_close_sends_rst),
		/* CLOSE-WAIT */
		cmocka_unit_test(
		    test_close_wait_close_sends_fin_enters_last_ack),
		cmocka_unit_test(test_close_wait_send_emits_data),
		cmocka_unit_test(test_close_wait_retransmitted_fin_acked),
		cmocka_unit_test(test_close_wait_ack_processed_text_ignored),
		cmocka_unit_test(test_close_wait_rst_exact_resets),
		cmocka_unit_test(test_close_wait_rst_in_window_challenge_acked),
		cmocka_unit_test(test_close_wait_syn_challenge_acked),
		cmocka_unit_test(test_close_wait_syn_in_window_resets_legacy),
		cmocka_unit_test(test_close_wait_abort_sends_rst),
		cmocka_unit_test(test_close_wait_rto_retransmits_oldest),
		cmocka_unit_test(test_close_wait_user_timeout_closes_etimedout),
		cmocka_unit_test(test_close_wait_recv_reports_end_of_stream),
		/* CLOSING */
		cmocka_unit_test(test_closing_ack_of_fin_enters_time_wait),
		cmocka_unit_test(test_closing_retransmitted_fin_acked),
		cmocka_unit_test(test_closing_rst_exact_closes),
		cmocka_unit_test(test_closing_rst_in_window_challenge_acked),
		cmocka_unit_test(test_closing_syn_challenge_acked),
		cmocka_unit_test(test_closing_syn_in_window_resets_legacy),
		cmocka_unit_test(test_closing_abort_sends_nothing),
		cmocka_unit_test(test_closing_rto_retransmits_fin),
		cmocka_unit_test(test_closing_user_timeout_closes_etimedout),
		cmocka_unit_test(test_closing_close_and_send_return_eclosing),
		/* LAST-ACK */
		cmocka_unit_test(test_last_ack_ack_of_fin_closes),
		cmocka_unit_test(test_last_ack_ack_below_fin_ignored),
		cmocka_unit_test(test_last_ack_retransmitted_fin_acked),
		cmocka_unit_test(test_last_ack_rst_exact_closes),
		cmocka_unit_test(test_last_ack_rst_in_window_challenge_acked),
		cmocka_unit_test(test_last_ack_syn_challenge_acked),
		cmocka_unit_test(test_last_ack_syn_in_window_resets_legacy),
		cmocka_unit_test(test_last_ack_abort_sends_nothing),
		cmocka_unit_test(test_last_ack_rto_retransmits_fin),
		cmocka_unit_test(test_last_ack_user_timeout_closes_etimedout),
		cmocka_unit_test(test_last_ack_close_and_send_return_eclosing),
		/* TIME-WAIT */
		cmocka_unit_test(
		    test_time_wait_retransmitted_fin_acked_and_2msl_restarted),
		cmocka_unit_test(test_time_wait_2msl_timeout_closes),
		cmocka_unit_test(test_time_wait_rst_exact_closes),
		cmocka_unit_test(test_time_wait_rst_ignored_with_rfc1337),
		cmocka_unit_test(
		    test_time_wait_rst_ignored_with_rfc1337_legacy),
		cmocka_unit_test(test_time_wait_rst_in_window_challenge_acked),
		cmocka_unit_test(test_time_wait_syn_challenge_acked),
		cmocka_unit_test(test_time_wait_syn_in_window_resets_legacy),
		cmocka_unit_test(test_time_wait_unacceptable_seq_acked),
		cmocka_unit_test(test_time_wait_abort_sends_nothing),
		cmocka_unit_test(test_time_wait_close_and_send_return_eclosing),
		cmocka_unit_test(
		    test_last_ack_ack_of_fin_with_fin_closes_silently),
		cmocka_unit_test(
		    test_fin_wait_1_fin_with_ack_starts_2msl_timer),
		cmocka_unit_test(test_time_wait_fin_at_rcv_nxt_restarts_2msl),
		cmocka_unit_test(
		    test_close_wait_second_fin_does_not_move_rcv_nxt),
		cmocka_unit_test(
		    test_fin_wait_1_ack_of_text_only_rto_resends_bare_fin),
	};

	return cmocka_run_group_tests(tests, setup_payload, NULL);
}
