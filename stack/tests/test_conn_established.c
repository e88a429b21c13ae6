/* SPDX-License-Identifier: MIT
 *
 * The reference connection in ESTABLISHED: one test per state-machine edge
 * E042-E057 of the conformance checklist (section 2.2) that applies to the
 * reference's profiles, plus RST with data (SHLD-2), MUST-12 (the user can
 * tell a FIN from a RST) and SHLD-3 (full close with unread data).
 *
 * Kinds: base edges run in TCP_PROFILE_DEFAULT and, where the outcome is the
 * same, in TCP_PROFILE_LEGACY; 5961 edges run in DEFAULT; legacy edges in
 * LEGACY. E046 (security/compartment mismatch, kind sec) is not tested: the
 * reference implements no IP security options (3.10.7.4 third).
 *
 * After fx_established(): SND.UNA = SND.NXT = LOCAL_ISN + 1, RCV.NXT =
 * f->peer_nxt = REMOTE_ISN + 1 and RCV.WND = FX_RX_BYTES (the receive window
 * straddles the 2^32 wrap).
 */
#include "fixture.h"

#include <string.h>

#define SND_NXT (LOCAL_ISN + 1u)
#define WND FX_RX_BYTES
#define SEC 1000000ull

static uint8_t payload[4096];

static int setup_payload(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13u + 1u);
	return 0;
}

static struct fx *est(enum tcp_profile p)
{
	struct fx *f = fx_new(p);

	fx_established(f);
	return f;
}

/* ==== ESTABLISHED: first, sequence number check ========================== */

/* E042 (base), RFC 9293 3.10.7.4 first: unacceptable -> ACK, drop. */
static void check_unacceptable_acked(enum tcp_profile p)
{
	struct fx *f = est(p);
	unsigned m = fx_mark(f);
	uint32_t rcv_nxt = f->peer_nxt;
	struct tcp_verdict v;

	/* Text entirely right of the window. */
	v = fx_input(f, SEG_IN(.seq = SEQ(rcv_nxt + WND), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, rcv_nxt);
	assert_int_equal(f->c.rx.len, 0);
	/* An old duplicate entirely left of RCV.NXT. */
	v = fx_input(f, SEG_IN(.seq = SEQ(rcv_nxt - 20), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, rcv_nxt);
	assert_seq_equal(f->c.rcv_nxt.v, rcv_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE),
	             TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
	fx_free(f);
}

static void test_established_unacceptable_seq_acked_and_dropped(void **state)
{
	(void)state;
	check_unacceptable_acked(TCP_PROFILE_DEFAULT);
}

static void
test_established_unacceptable_seq_acked_and_dropped_legacy(void **state)
{
	(void)state;
	check_unacceptable_acked(TCP_PROFILE_LEGACY);
}

/* ==== ESTABLISHED: second, RST ============================================ */

/* E043 (base), 3.10.7.4 first/second: RST outside the window, silent drop. */
static void check_rst_out_of_window(enum tcp_profile p)
{
	struct fx *f = est(p);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + WND)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
	assert_no_output(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt - 1)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
	assert_no_output(f);
	assert_state(f, TCP_ESTABLISHED);
	assert_trace(f, m, TR_DROP(TCP_WHY_RST_OUT_OF_WINDOW),
	             TR_DROP(TCP_WHY_RST_OUT_OF_WINDOW));
	fx_free(f);
}

static void test_established_rst_out_of_window_dropped(void **state)
{
	(void)state;
	check_rst_out_of_window(TCP_PROFILE_DEFAULT);
}

static void test_established_rst_out_of_window_dropped_legacy(void **state)
{
	(void)state;
	check_rst_out_of_window(TCP_PROFILE_LEGACY);
}

/* E044 (base), 3.10.7.4 second, RFC 5961 3.2: RST at RCV.NXT resets. */
static void test_established_rst_exact_resets(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;
	uint8_t buf[8];

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	/* "any outstanding RECEIVEs and SEND should receive reset". */
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, buf, 1, 0,
	                               &f->out),
	                 TCP_ERESET);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 TCP_ERESET);
	fx_free(f);
}

/* E044 (base, RFC 793 rule): without RFC 5961 any in-window RST resets. */
static void test_established_rst_in_window_resets_legacy(void **state)
{
	struct fx *f = est(TCP_PROFILE_LEGACY);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + WND - 1)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	fx_free(f);
}

/* E045 (5961), RFC 5961 3.2: in-window RST, SEQ != RCV.NXT -> challenge ACK. */
static void test_established_rst_in_window_challenge_acked(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + 1)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_RST_CHALLENGE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_RST_CHALLENGE));
	fx_free(f);
}

/* SHLD-2, RFC 9293 3.5.3: a RST may carry data; it is still a reset. */
static void test_established_rst_with_data_resets(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 40));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	fx_free(f);
}

/* SHLD-2 (legacy): the same with RFC 793 RST rules. */
static void test_established_rst_with_data_resets_legacy(void **state)
{
	struct fx *f = est(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt + 5),
	                    .payload = payload, .payload_bytes = 40));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	fx_free(f);
}

/* E046 (sec): not tested, IP security/compartment is not implemented. */

/* ==== ESTABLISHED: fourth, SYN ============================================ */

/* E047 (5961), 3.10.7.4 fourth, RFC 5961 4.2: SYN -> challenge ACK. */
static void test_established_syn_challenge_acked(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	/* In the window, no ACK bit: a peer that lost its state. */
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
	                       .seq = SEQ(f->peer_nxt + 100)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	/*
	 * Outside the window (the original SYN again): the first step already
	 * answers with the same ACK ("this step would not be reached").
	 */
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_state(f, TCP_ESTABLISHED);
	assert_trace(f, m, TR_DROP(TCP_WHY_SYN_CHALLENGE),
	             TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
	fx_free(f);
}

/* E048 (legacy), 3.10.7.4 fourth (RFC 793 text): in-window SYN -> RST. */
static void test_established_syn_in_window_resets_legacy(void **state)
{
	struct fx *f = est(TCP_PROFILE_LEGACY);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
	                       .seq = SEQ(f->peer_nxt + 100)));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_SYN_RESET);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	assert_nout(f, 1);
	/* The 3.10.7.1 form, which a restarted peer in SYN-SENT accepts. */
	assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0,
	           f->peer_nxt + 101);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED,
	                      TCP_CAUSE_RCV_SYN_IN_WINDOW),
	             TR_DROP(TCP_WHY_SYN_RESET));
	fx_free(f);
}

/* E042 (legacy view of a SYN): outside the window it gets the step-1 ACK. */
static void test_established_syn_out_of_window_acked_legacy(void **state)
{
	struct fx *f = est(TCP_PROFILE_LEGACY);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
	fx_free(f);
}

/* ==== ESTABLISHED: fifth, ACK ============================================= */

/* E049 (base), 3.10.7.4 fifth: "if the ACK bit is off drop the segment". */
static void check_no_ack_dropped(enum tcp_profile p)
{
	struct fx *f = est(p);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_PSH, .seq = SEQ(f->peer_nxt),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_NO_ACK);
	assert_state(f, TCP_ESTABLISHED);
	assert_no_output(f);
	assert_int_equal(f->c.rx.len, 0);
	assert_seq_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_trace(f, m, TR_DROP(TCP_WHY_NO_ACK));
	fx_free(f);
}

static void test_established_no_ack_bit_dropped(void **state)
{
	(void)state;
	check_no_ack_dropped(TCP_PROFILE_DEFAULT);
}

static void test_established_no_ack_bit_dropped_legacy(void **state)
{
	(void)state;
	check_no_ack_dropped(TCP_PROFILE_LEGACY);
}

/*
 * E050 (base), 3.10.7.4 fifth: SEG.ACK > SND.NXT -> ACK, drop (text too).
 * With RFC 5961 5.2 the same reply comes from the ACK range check.
 */
static void check_ack_unsent(enum tcp_profile p, enum tcp_why why)
{
	struct fx *f = est(p);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 1),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP_ACK, why);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_int_equal(f->c.rx.len, 0);
	assert_seq_equal(f->c.snd_una.v, SND_NXT);
	assert_trace(f, m, TR_DROP(why));
	fx_free(f);
}

static void test_established_ack_above_snd_nxt_acked_and_dropped(void **state)
{
	(void)state;
	check_ack_unsent(TCP_PROFILE_DEFAULT, TCP_WHY_ACK_NOT_ACCEPTABLE);
}

static void
test_established_ack_above_snd_nxt_acked_and_dropped_legacy(void **state)
{
	(void)state;
	check_ack_unsent(TCP_PROFILE_LEGACY, TCP_WHY_ACK_UNSENT);
}

/* E050 (5961), RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND -> ACK, drop. */
static void test_established_ack_too_old_acked_and_dropped(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);
	uint32_t ack = SND_NXT - f->c.max_snd_wnd - 1;
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(ack),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_ACK_NOT_ACCEPTABLE);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_int_equal(f->c.rx.len, 0);
	assert_trace(f, m, TR_DROP(TCP_WHY_ACK_NOT_ACCEPTABLE));
	fx_free(f);
}

/* E051 (base), 3.10.7.4 seventh: in-window text taken, ACK (delayed). */
static void check_data_accepted(enum tcp_profile p)
{
	struct fx *f = est(p);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;
	uint8_t buf[100];

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 100));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_ESTABLISHED);
	assert_seq_equal(f->c.rcv_nxt.v, f->peer_nxt + 100);
	/* SHLD-18/MUST-40: one small segment may wait for the delayed ACK. */
	assert_no_output(f);
	fx_advance(f, f->cfg.delack_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt + 100);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 100);
	assert_memory_equal(buf, payload, 100);
	assert_trace_empty(f, m);
	fx_free(f);
}

static void test_established_data_accepted_and_acked(void **state)
{
	(void)state;
	check_data_accepted(TCP_PROFILE_DEFAULT);
}

static void test_established_data_accepted_and_acked_legacy(void **state)
{
	(void)state;
	check_data_accepted(TCP_PROFILE_LEGACY);
}

/* E051 (base), 3.10.7.4 fifth: SND.UNA < SEG.ACK =< SND.NXT advances SND.UNA.
 */
static void test_established_ack_of_sent_data_advances_snd_una(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	struct tcp_verdict v;
	unsigned m;

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	assert_nout(f, 1);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(SND_NXT + 100)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_no_output(f);
	assert_seq_equal(f->c.snd_una.v, SND_NXT + 100);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.bytes_unacked, 0);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* ==== ESTABLISHED: eighth, FIN ============================================ */

/* E052 (base), 3.10.7.4 eighth: FIN -> CLOSE-WAIT, ACK covering the FIN. */
static void check_fin(enum tcp_profile p)
{
	struct fx *f = est(p);
	unsigned m = fx_mark(f);
	struct tcp_verdict v;
	uint8_t buf[32];

	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt + 11);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSE_WAIT,
	                      TCP_CAUSE_RCV_FIN));
	/* FIN implies PUSH: the text is readable, then end of stream. */
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 10);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 0);
	fx_free(f);
}

static void test_established_fin_enters_close_wait(void **state)
{
	(void)state;
	check_fin(TCP_PROFILE_DEFAULT);
}

static void test_established_fin_enters_close_wait_legacy(void **state)
{
	(void)state;
	check_fin(TCP_PROFILE_LEGACY);
}

/* ==== ESTABLISHED: user calls ============================================= */

/* E053 (base), 3.10.2: SEND segmentizes with ACK = RCV.NXT. */
static void test_established_send_emits_data(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH, SND_NXT,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	assert_memory_equal(OUT(f, 0)->payload, payload, 100);
	assert_seq_equal(f->c.snd_nxt.v, SND_NXT + 100);
	assert_trace_empty(f, m);
	fx_free(f);
}

/* E054 (base), 3.10.4: CLOSE -> FIN-WAIT-1, FIN after the queued data. */
static void test_established_close_sends_fin_after_data(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	fx_clear(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_FIN, SND_NXT + 100,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_FIN_WAIT_1,
	                      TCP_CAUSE_USER_CLOSE));
	fx_free(f);
}

/* E055 (base), 3.10.5: ABORT -> <SEQ=SND.NXT><CTL=RST>, CLOSED. */
static void test_established_abort_sends_rst(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	(void)state;
	assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us, &f->out), 0);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, SND_NXT, 0);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED,
	                      TCP_CAUSE_USER_ABORT));
	fx_free(f);
}

/* ==== ESTABLISHED: timeouts =============================================== */

/* E056 (base), 3.10.8, RFC 6298 5.4: RTO resends the oldest segment. */
static void test_established_rto_retransmits_oldest(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m;

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	fx_clear(f);
	m = fx_mark(f);
	fx_advance(f, f->c.rto_us - 1);
	assert_no_output(f);
	fx_advance(f, 1);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH, SND_NXT,
	           f->peer_nxt);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	assert_trace_empty(f, m);
	fx_free(f);
}

/*
 * E057 (base), 3.10.8 USER TIMEOUT, 3.8.3 (MUST-20): when the user timeout
 * expires the connection is closed with "connection aborted due to user
 * timeout" (ETIMEDOUT). It fires when it expires, not at the next
 * backed-off retransmission.
 */
static void test_established_user_timeout_closes_etimedout(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	unsigned m;
	uint64_t t0 = f->now_us;

	(void)state;
	tcp_conn_set_user_timeout(&f->c, 10 * SEC);
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	m = fx_mark(f);
	fx_advance(f, 10 * SEC - 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_clear(f);
	fx_advance(f, 1);
	assert_int_equal(f->now_us - t0, 10 * SEC);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f); /* RFC 9293 sends nothing on a user timeout */
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED,
	                      TCP_CAUSE_TIMEOUT_USER));
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.err, TCP_ETIMEDOUT);
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 1, 0,
	                               &f->out),
	                 TCP_ETIMEDOUT);
	fx_free(f);
}

/*
 * E057 (base), MUST-20: after an ACK made progress, the rest of the data is
 * still subject to the user timeout (R2 counts from the last progress).
 */
static void test_established_user_timeout_after_partial_ack_closes(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned m;
	uint64_t t1;

	(void)state;
	tcp_conn_set_user_timeout(&f->c, 10 * SEC);
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 2000,
	                               0, &f->out),
	                 2000);
	assert_int_equal(f->c.snd_nxt.v, SND_NXT + 2000);
	fx_advance(f, SEC / 2);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt),
	                       .ack = SEQ(SND_NXT + 1000)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	t1 = f->now_us;
	m = fx_mark(f);
	fx_advance(f, 10 * SEC - 1);
	assert_state(f, TCP_ESTABLISHED);
	fx_advance(f, 1);
	assert_int_equal(f->now_us - t1, 10 * SEC);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED,
	                      TCP_CAUSE_TIMEOUT_USER));
	fx_free(f);
}

/* ==== ESTABLISHED: how the user learns of the end (MUST-12, SHLD-3) ====== */

/* MUST-12, 3.6: a RST is reported as an abort, distinct from a FIN. */
static void test_established_rst_reported_as_reset(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	uint8_t buf[16];

	(void)state;
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                   .payload = payload, .payload_bytes = 5));
	fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt + 5)));
	assert_state(f, TCP_CLOSED);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.err, TCP_ERESET);
	assert_false(st.peer_fin);
	/* "All segment queues should be flushed": unread data is gone. */
	assert_int_equal(st.bytes_readable, 0);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 TCP_ERESET);
	fx_free(f);
}

/* MUST-12, 3.6: a FIN is reported as a normal close (end of stream). */
static void test_established_fin_reported_as_end_of_stream(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	uint8_t buf[16];

	(void)state;
	fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                   .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                   .payload = payload, .payload_bytes = 5));
	assert_state(f, TCP_CLOSE_WAIT);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.err, 0);
	assert_true(st.peer_fin);
	assert_int_equal(st.bytes_readable, 5);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 5);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 0);
	fx_free(f);
}

/* SHLD-3, 3.6.1: a full close with unread data sends RST to show the loss. */
static void test_established_full_close_with_unread_data_sends_rst(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m;

	(void)state;
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                   .payload = payload, .payload_bytes = 10));
	assert_int_equal(f->c.rx.len, 10);
	fx_clear(f);
	m = fx_mark(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_FULL, &f->out),
	                 0);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, SND_NXT, 0);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED,
	                      TCP_CAUSE_USER_ABORT));
	fx_free(f);
}

/* SHLD-3 counterpart: a full close with nothing unread sends a FIN. */
static void
test_established_full_close_without_unread_data_sends_fin(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	unsigned m = fx_mark(f);

	(void)state;
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_FULL, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_FIN, SND_NXT,
	           f->peer_nxt);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_FIN_WAIT_1,
	                      TCP_CAUSE_USER_CLOSE));
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 fifth: the send window is taken from a segment only if
 * SND.WL1 < SEG.SEQ (or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK); "the
 * check here prevents using old segments to update the window". A segment
 * starting before the last update (acceptable: it ends in the window) has
 * its new text taken, but its window is ignored.
 */
static void test_established_segment_older_than_wl1_keeps_window(void **state)
{
	struct fx *f = est(TCP_PROFILE_DEFAULT);
	struct tcp_status st;
	uint32_t p = f->peer_nxt;
	struct tcp_verdict v;

	(void)state;
	fx_input(f, SEG_IN(.seq = SEQ(p), .ack = SEQ(SND_NXT), .wnd = 5000,
	                   .payload = payload, .payload_bytes = 100));
	fx_input(f,
	         SEG_IN(.seq = SEQ(p + 100), .ack = SEQ(SND_NXT), .wnd = 2000,
	                .payload = payload + 100, .payload_bytes = 100));
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.snd_wnd, 2000);
	v = fx_input(f, SEG_IN(.seq = SEQ(p + 50), .ack = SEQ(SND_NXT),
	                       .wnd = 9000, .payload = payload + 50,
	                       .payload_bytes = 200));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, p + 250);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.snd_wnd, 2000);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_established_unacceptable_seq_acked_and_dropped),
		cmocka_unit_test(
		    test_established_unacceptable_seq_acked_and_dropped_legacy),
		cmocka_unit_test(test_established_rst_out_of_window_dropped),
		cmocka_unit_test(
		    test_established_rst_out_of_window_dropped_legacy),
		cmocka_unit_test(test_established_rst_exact_resets),
		cmocka_unit_test(test_established_rst_in_window_resets_legacy),
		cmocka_unit_test(
		    test_established_rst_in_window_challenge_acked),
		cmocka_unit_test(test_established_rst_with_data_resets),
		cmocka_unit_test(test_established_rst_with_data_resets_legacy),
		cmocka_unit_test(test_established_syn_challenge_acked),
		cmocka_unit_test(test_established_syn_in_window_resets_legacy),
		cmocka_unit_test(
		    test_established_syn_out_of_window_acked_legacy),
		cmocka_unit_test(test_established_no_ack_bit_dropped),
		cmocka_unit_test(test_established_no_ack_bit_dropped_legacy),
		cmocka_unit_test(
		    test_established_ack_above_snd_nxt_acked_and_dropped),
		cmocka_unit_test(
		    test_established_ack_above_snd_nxt_acked_and_dropped_legacy),
		cmocka_unit_test(
		    test_established_ack_too_old_acked_and_dropped),
		cmocka_unit_test(test_established_data_accepted_and_acked),
		cmocka_unit_test(
		    test_established_data_accepted_and_acked_legacy),
		cmocka_unit_test(
		    test_established_ack_of_sent_data_advances_snd_una),
		cmocka_unit_test(test_established_fin_enters_close_wait),
		cmocka_unit_test(test_established_fin_enters_close_wait_legacy),
		cmocka_unit_test(test_established_send_emits_data),
		cmocka_unit_test(test_established_close_sends_fin_after_data),
		cmocka_unit_test(test_established_abort_sends_rst),
		cmocka_unit_test(test_established_rto_retransmits_oldest),
		cmocka_unit_test(
		    test_established_user_timeout_closes_etimedout),
		cmocka_unit_test(
		    test_established_user_timeout_after_partial_ack_closes),
		cmocka_unit_test(test_established_rst_reported_as_reset),
		cmocka_unit_test(
		    test_established_fin_reported_as_end_of_stream),
		cmocka_unit_test(
		    test_established_full_close_with_unread_data_sends_rst),
		cmocka_unit_test(
		    test_established_full_close_without_unread_data_sends_fin),
		cmocka_unit_test(
		    test_established_segment_older_than_wl1_keeps_window),
	};

	return cmocka_run_group_tests(tests, setup_payload, NULL);
}
