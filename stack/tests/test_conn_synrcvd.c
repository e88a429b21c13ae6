/* SPDX-License-Identifier: MIT
 *
 * Unit tests of the reference connection in SYN-RECEIVED, reached from
 * LISTEN (passive) and from SYN-SENT (simultaneous open): one test per
 * state-machine edge of rfc9293-checklist.md 2.2 (E025-E041), plus option
 * negotiation on the SYN,ACK, text on the SYN, SYN,ACK retransmission and
 * the user calls of checklist 2.4. RFC 9293 3.10 is the oracle; both the
 * default (RFC 5961) and the legacy (RFC 793) profiles run where they
 * differ. States are reached through real transitions (STYLE R34).
 *
 * Not covered here, on purpose: E030 (`sec` kind). IP security/compartment
 * (RFC 9293 3.10.7.4 third) is not implemented by the reference.
 */
#include "fixture.h"

#include <string.h>

#define SEC 1000000ull

/* RCV.NXT and the receive window after the fixtures' SYN. */
#define RNXT (REMOTE_ISN + 1)
#define RWND FX_RX_BYTES

static const enum tcp_profile profiles[] = { TCP_PROFILE_DEFAULT,
	                                     TCP_PROFILE_LEGACY };

static struct tcp_status status_of(const struct fx *f)
{
	struct tcp_status st;

	tcp_conn_status(&f->c, &st);
	return st;
}

/* SYN-RECEIVED from LISTEN (passive) or from SYN-SENT (active). */
static void reach(struct fx *f, bool passive)
{
	if (passive)
		fx_syn_received(f);
	else
		fx_syn_received_active(f);
	assert_int_equal((f->c.fl & TCP_CF_PASSIVE) != 0, passive);
}

static int send_bytes(struct fx *f, uint32_t n)
{
	static const uint8_t zero[4096];

	assert_true(n <= sizeof(zero));
	return tcp_conn_send(&f->c, &f->env, f->now_us, zero, n, 0, &f->out);
}

static unsigned out_sizes(const struct fx *f, uint32_t *sizes, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < f->out.n && n < max; i++)
		if (f->out.segs[i].seg.payload_bytes > 0)
			sizes[n++] = f->out.segs[i].seg.payload_bytes;
	return n;
}

/* The peer's final ACK of the handshake, ACK = ISS+1. */
#define FINAL_ACK(...)                                                         \
	SEG_IN(.seq = SEQ(RNXT), .ack = SEQ(LOCAL_ISN + 1), __VA_ARGS__)

/* =========================================================================
 * SYN-RECEIVED: sequence check (RFC 9293 3.10.7.4 first)
 * ========================================================================= */

/*
 * E025, RFC 9293 3.10.7.4 first: a segment that fails the acceptability
 * test, with no RST, draws <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and is
 * dropped; here text right of the window and text left of RCV.NXT.
 */
static void test_syn_received_unacceptable_seq_sends_ack(void **state)
{
	static const uint8_t text[10] = "0123456789";

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.seq = SEQ(RNXT + RWND + 100),
		                       .ack = SEQ(LOCAL_ISN + 1),
		                       .payload = text, .payload_bytes = 10));
		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, RNXT);
		v = fx_input(f, SEG_IN(.seq = SEQ(RNXT - 20),
		                       .ack = SEQ(LOCAL_ISN + 1),
		                       .payload = text, .payload_bytes = 10));
		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, RNXT);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		/* The ACK field of a dropped segment was not used. */
		assert_seq_equal(fx_una(f), LOCAL_ISN);
		fx_free(f);
	}
}

/*
 * E025 and checklist 2.5 #1, RFC 9293 3.10.7.4 first: a retransmitted SYN
 * lies left of RCV.NXT and fails the sequence check: an ACK is sent
 * (<SEQ=ISS+1><ACK=RCV.NXT>), the state is kept.
 */
static void test_syn_received_duplicate_syn_sends_ack(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
		                       .seq = SEQ(REMOTE_ISN),
		                       .opts = { .present = TCP_OPTF_MSS,
		                                 .mss = FX_MSS }));
		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, RNXT);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		fx_free(f);
	}
}

/* =========================================================================
 * SYN-RECEIVED: RST (RFC 9293 3.10.7.4 second, MUST-11)
 * ========================================================================= */

/* E026, RFC 9293 3.10.7.4 first/second: a RST outside the window is dropped
 * silently. */
static void test_syn_received_rst_out_of_window_dropped(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
		                       .seq = SEQ(RNXT + RWND)));
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
		assert_no_output(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
		                       .seq = SEQ(REMOTE_ISN),
		                       .ack = SEQ(LOCAL_ISN + 1)));
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
		assert_no_output(f);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		fx_free(f);
	}
}

/*
 * E027 and MUST-11, RFC 9293 3.10.7.4 second: an acceptable RST (SEQ =
 * RCV.NXT; with RFC 5961 it must be exact) in a SYN-RECEIVED reached from
 * LISTEN returns the connection to LISTEN, without telling the user; the
 * retransmission queue is flushed and the listener takes the next SYN.
 */
static void test_syn_received_passive_rst_returns_to_listen(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(profiles); i++) {
		struct fx *f = fx_new(profiles[i]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, true);
		mark = fx_mark(f);
		v = fx_input(f,
		             SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(RNXT)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_LISTEN);
		assert_no_output(f);
		assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_LISTEN));
		assert_int_equal(fx_transitions_since(f, mark), 1);
		assert_int_equal(f->trace[f->trace_n - 1].cause,
		                 TCP_CAUSE_RCV_RST);
		assert_int_equal(f->c.err,
		                 0); /* "The user need not be informed." */
		assert_int_equal(f->c.tuple.rport, 0);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_advance(f, 10 * SEC);
		assert_no_output(f); /* no SYN,ACK retransmission */
		/* A new SYN from another port gets a fresh ISS. */
		v = fx_input(f,
		             SEG_IN(.sport = REMOTE_PORT + 1,
		                    .flags = TCP_FLAG_SYN, .seq = SEQ(5000)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK,
		           LOCAL_ISN + 0x10000u, 5001);
		fx_free(f);
	}
}

/*
 * E027 (legacy profile), RFC 9293 3.10.7.4 second: without RFC 5961 any
 * RST inside the window is acceptable.
 */
static void
test_syn_received_legacy_passive_rst_in_window_returns_to_listen(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	reach(f, true);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(RNXT + 100)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_LISTEN);
	assert_no_output(f);
	assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_LISTEN));
	fx_free(f);
}

/*
 * E028 and MUST-11, RFC 9293 3.10.7.4 second: in a SYN-RECEIVED reached
 * from SYN-SENT an acceptable RST means "connection refused": CLOSED.
 */
static void test_syn_received_active_rst_closes_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(profiles); i++) {
		struct fx *f = fx_new(profiles[i]);
		struct tcp_verdict v;
		uint32_t seq =
		    profiles[i] == TCP_PROFILE_LEGACY ? RNXT + 100 : RNXT;

		reach(f, false);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(seq)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_CLOSED);
		assert_no_output(f);
		assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_CLOSED));
		assert_false(
		    fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_LISTEN));
		assert_int_equal(f->c.err, TCP_EREFUSED);
		assert_int_equal(send_bytes(f, 1), TCP_EREFUSED);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_free(f);
	}
}

/*
 * E029, RFC 9293 3.10.7.4 second (RFC 5961 3.2): a RST inside the window
 * but not at RCV.NXT draws a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>
 * and is dropped, for either origin.
 */
static void test_syn_received_rst_in_window_sends_challenge_ack(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, i == 0);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
		                       .seq = SEQ(RNXT + 1)));
		assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_RST_CHALLENGE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, RNXT);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		/* The genuine peer answers at the challenge's ACK value. */
		v = fx_input(f,
		             SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(RNXT)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, i == 0 ? TCP_LISTEN : TCP_CLOSED);
		fx_free(f);
	}
}

/* E030 (SYN-RECEIVED, security/compartment mismatch) is a `sec` edge: skipped.
 */

/* =========================================================================
 * SYN-RECEIVED: SYN (RFC 9293 3.10.7.4 fourth)
 * ========================================================================= */

/*
 * E031, RFC 9293 3.10.7.4 fourth: a SYN that passed the sequence check in
 * a SYN-RECEIVED from a passive OPEN returns the connection to LISTEN (in
 * both profiles: RFC 5961 does not change this case).
 */
static void test_syn_received_passive_syn_returns_to_listen(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(profiles); i++) {
		struct fx *f = fx_new(profiles[i]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, true);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
		                       .seq = SEQ(RNXT + 100)));
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYN_RESTART);
		assert_state(f, TCP_LISTEN);
		assert_no_output(f);
		assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_LISTEN));
		assert_int_equal(fx_transitions_since(f, mark), 1);
		assert_int_equal(f->trace[mark].cause,
		                 TCP_CAUSE_RCV_SYN_RESTART);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_free(f);
	}
}

/*
 * E032, RFC 9293 3.10.7.4 fourth (RFC 5961 4.2): in a SYN-RECEIVED from
 * SYN-SENT a SYN draws a challenge ACK and is dropped.
 */
static void test_syn_received_active_syn_sends_challenge_ack(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	reach(f, false);
	mark = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(RNXT + 100)));
	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SYN_CHALLENGE);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, RNXT);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	fx_free(f);
}

/*
 * E033, RFC 9293 3.10.7.4 fourth (the RFC 793 text, legacy profile): a SYN
 * in the window is an error: send a reset, signal "reset", CLOSED.
 */
static void test_syn_received_legacy_active_syn_in_window_resets(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	reach(f, false);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(RNXT + 100)));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_SYN_RESET);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	/* The 3.10.7.1 form, which a restarted peer in SYN-SENT accepts. */
	assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0, RNXT + 101);
	assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_CLOSED));
	assert_int_equal(f->trace[f->trace_n - 2].cause,
	                 TCP_CAUSE_RCV_SYN_IN_WINDOW);
	assert_int_equal(f->c.err, TCP_ERESET);
	fx_free(f);
}

/* =========================================================================
 * SYN-RECEIVED: ACK (RFC 9293 3.10.7.4 fifth)
 * ========================================================================= */

/* E034, RFC 9293 3.10.7.4 fifth: "if the ACK bit is off, drop the segment". */
static void test_syn_received_no_ack_dropped(void **state)
{
	static const uint8_t text[4] = "data";

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		uint8_t buf[8];
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_PSH, .seq = SEQ(RNXT),
		                       .payload = text, .payload_bytes = 4));
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_NO_ACK);
		assert_no_output(f);
		v = fx_input(f,
		             SEG_IN(.flags = TCP_FLAG_FIN, .seq = SEQ(RNXT)));
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_NO_ACK);
		assert_no_output(f);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		assert_seq_equal(f->c.rcv_nxt.v, RNXT);
		assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
		                               sizeof(buf), &f->out),
		                 TCP_EWOULDBLOCK);
		fx_free(f);
	}
}

/*
 * E035, RFC 9293 3.10.7.4 fifth and 3.5.2: an ACK outside SND.UNA <
 * SEG.ACK =< SND.NXT draws <SEQ=SEG.ACK><CTL=RST>; the state is kept.
 */
static void test_syn_received_bad_ack_gets_rst(void **state)
{
	const uint32_t acks[] = { LOCAL_ISN, LOCAL_ISN - 1, LOCAL_ISN + 2,
		                  LOCAL_ISN + 1000 };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		for (unsigned k = 0; k < TCP_ARRAY_LEN(acks); k++) {
			struct tcp_verdict v =
			    fx_input(f, SEG_IN(.seq = SEQ(RNXT),
			                       .ack = SEQ(acks[k])));

			assert_verdict(v, TCP_DISP_DROP_RST,
			               TCP_WHY_SYNRCVD_BAD_ACK);
			assert_state(f, TCP_SYN_RECEIVED);
			assert_nout(f, 1);
			assert_seg(OUT(f, 0), TCP_FLAG_RST, acks[k], 0);
		}
		assert_int_equal(fx_transitions_since(f, mark), 0);
		assert_seq_equal(fx_una(f), LOCAL_ISN);
		fx_free(f);
	}
}

/*
 * E036, RFC 9293 3.10.7.4 fifth: SND.UNA < SEG.ACK =< SND.NXT: ESTABLISHED
 * with SND.WND = SEG.WND, SND.WL1 = SEG.SEQ, SND.WL2 = SEG.ACK; nothing to
 * send, the SYN,ACK timer stops.
 */
static void test_syn_received_ack_enters_established(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		v = fx_input(f, FINAL_ACK(.wnd = 2000));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_ESTABLISHED);
		assert_no_output(f);
		assert_true(
		    fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_ESTABLISHED));
		assert_int_equal(fx_transitions_since(f, mark), 1);
		assert_int_equal(f->trace[mark].cause, TCP_CAUSE_RCV_ACK);
		assert_seq_equal(fx_una(f), LOCAL_ISN + 1);
		assert_seq_equal(fx_nxt(f), LOCAL_ISN + 1);
		assert_int_equal(status_of(f).snd_wnd, 2000);
		assert_seq_equal(f->c.snd_wl1.v, RNXT);
		assert_seq_equal(f->c.snd_wl2.v, LOCAL_ISN + 1);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_free(f);
	}
}

/*
 * E037, RFC 9293 3.10.7.4 fifth and eighth: an acceptable ACK carrying a
 * FIN (and text): ESTABLISHED, the text is taken, then CLOSE-WAIT with an
 * ACK covering the FIN.
 */
static void test_syn_received_ack_with_fin_enters_close_wait(void **state)
{
	static const uint8_t text[3] = "xyz";

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		uint8_t buf[8];

		reach(f, i < 2);
		v = fx_input(f, FINAL_ACK(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
		                          .payload = text, .payload_bytes = 3));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_CLOSE_WAIT);
		assert_true(
		    fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_ESTABLISHED));
		assert_true(
		    fx_saw_transition(f, TCP_ESTABLISHED, TCP_CLOSE_WAIT));
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, RNXT + 4);
		assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
		                               sizeof(buf), &f->out),
		                 3);
		assert_memory_equal(buf, text, 3);
		assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
		                               sizeof(buf), &f->out),
		                 0);
		fx_free(f);
	}
}

/* =========================================================================
 * SYN-RECEIVED: user calls (RFC 9293 3.10.1-3.10.5, checklist 2.4)
 * ========================================================================= */

/*
 * E038, RFC 9293 3.10.4 SYN-RECEIVED: "If no SENDs have been issued and
 * there is no pending data to send, then form a FIN segment and send it,
 * and enter FIN-WAIT-1". The FIN follows the SYN (SEQ = ISS+1); an ACK of
 * both moves on to FIN-WAIT-2.
 */
static void test_syn_received_close_sends_fin(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);
		struct tcp_verdict v;
		unsigned mark;

		reach(f, i < 2);
		mark = fx_mark(f);
		assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
		                                TCP_CLOSE_SEND, &f->out),
		                 0);
		assert_state(f, TCP_FIN_WAIT_1);
		assert_true(
		    fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1));
		assert_int_equal(fx_transitions_since(f, mark), 1);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_ACK,
		           LOCAL_ISN + 1, RNXT);
		assert_int_equal(OUT(f, 0)->payload_bytes, 0);
		assert_seq_equal(fx_nxt(f), LOCAL_ISN + 2);
		/* The peer acknowledges the SYN and the FIN. */
		v = fx_input(f, SEG_IN(.seq = SEQ(RNXT),
		                       .ack = SEQ(LOCAL_ISN + 2)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_FIN_WAIT_2);
		assert_no_output(f);
		fx_free(f);
	}
}

/*
 * E038 then E040 / 3.10.8: after CLOSE in SYN-RECEIVED the head of the
 * retransmission queue is still the SYN: a timeout resends the SYN,ACK
 * (not a FIN at ISS). Once the SYN alone is acknowledged, the FIN is what
 * the next timeout resends.
 */
static void test_syn_received_close_then_timeout_resends_syn_ack(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		struct tcp_verdict v;

		reach(f, i == 0);
		assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
		                                TCP_CLOSE_SEND, &f->out),
		                 0);
		fx_clear(f);
		fx_advance(f, SEC);
		assert_state(f, TCP_FIN_WAIT_1);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
		           RNXT);
		/* Only the SYN is acknowledged: the FIN is still out. */
		v = fx_input(f, SEG_IN(.seq = SEQ(RNXT),
		                       .ack = SEQ(LOCAL_ISN + 1)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_FIN_WAIT_1);
		assert_no_output(f);
		assert_true(tcp_conn_next_deadline_us(&f->c) !=
		            TCP_NO_DEADLINE);
		assert_true(fx_run_until_output(f, 10 * SEC) <= 10 * SEC);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_ACK,
		           LOCAL_ISN + 1, RNXT);
		v = fx_input(f, SEG_IN(.seq = SEQ(RNXT),
		                       .ack = SEQ(LOCAL_ISN + 2)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_FIN_WAIT_2);
		fx_free(f);
	}
}

/*
 * RFC 9293 3.10.4 SYN-RECEIVED, the other branch: with data queued the
 * CLOSE waits for ESTABLISHED; then data and FIN go out (FIN-WAIT-1).
 */
static void test_syn_received_close_with_data_queued_waits(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	reach(f, true);
	assert_int_equal(send_bytes(f, 10), 10);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_no_output(f);
	/* 3.10.2: no SEND after CLOSE. */
	assert_int_equal(send_bytes(f, 1), TCP_ECLOSING);
	v = fx_input(f, FINAL_ACK());
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_FIN_WAIT_1);
	assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_ESTABLISHED));
	assert_true(fx_saw_transition(f, TCP_ESTABLISHED, TCP_FIN_WAIT_1));
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_ACK,
	           LOCAL_ISN + 1, RNXT);
	assert_int_equal(OUT(f, 0)->payload_bytes, 10);
	v = fx_input(f, SEG_IN(.seq = SEQ(RNXT), .ack = SEQ(LOCAL_ISN + 12)));
	assert_state(f, TCP_FIN_WAIT_2);
	fx_free(f);
}

/*
 * E039, RFC 9293 3.10.5 SYN-RECEIVED: ABORT sends <SEQ=SND.NXT><CTL=RST>,
 * flushes everything and enters CLOSED.
 */
static void test_syn_received_abort_sends_rst(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		struct fx *f = fx_new(profiles[i % 2]);

		reach(f, i < 2);
		assert_int_equal(send_bytes(f, 10), 10);
		assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us,
		                                &f->out),
		                 0);
		assert_state(f, TCP_CLOSED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_RST, LOCAL_ISN + 1, 0);
		assert_int_equal(OUT(f, 0)->payload_bytes, 0);
		assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_CLOSED));
		assert_int_equal(f->trace[f->trace_n - 1].cause,
		                 TCP_CAUSE_USER_ABORT);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_clear(f);
		fx_advance(f, 10 * SEC);
		assert_no_output(f);
		fx_free(f);
	}
}

/* 2.4, RFC 9293 3.10.1 / 3.10.3: OPEN -> EEXIST; RECEIVE is queued. */
static void test_syn_received_open_again_fails_eexist(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		struct tcp_tuple lt = f->tuple;
		uint8_t buf[4];
		unsigned mark;

		reach(f, i == 0);
		mark = fx_mark(f);
		lt.rport = 0;
		memset(&lt.raddr, 0, sizeof(lt.raddr));
		assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
		                                      &f->tuple, &f->out),
		                 TCP_EEXIST);
		assert_int_equal(tcp_conn_open_passive(&f->c, &f->env,
		                                       f->now_us, &lt),
		                 TCP_EEXIST);
		assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
		                               4, &f->out),
		                 TCP_EWOULDBLOCK);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_int_equal(status_of(f).state, TCP_SYN_RECEIVED);
		assert_no_output(f);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		fx_free(f);
	}
}

/*
 * 2.4, RFC 9293 3.10.2 SYN-RECEIVED: "Queue the data for transmission
 * after entering ESTABLISHED state."
 */
static void test_syn_received_send_queued_until_established(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct fx *f = fx_new(TCP_PROFILE_LEGACY);

		reach(f, i == 0);
		assert_int_equal(send_bytes(f, 10), 10);
		assert_no_output(f);
		assert_int_equal(status_of(f).bytes_unsent, 10);
		fx_input(f, FINAL_ACK());
		assert_state(f, TCP_ESTABLISHED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH,
		           LOCAL_ISN + 1, RNXT);
		assert_int_equal(OUT(f, 0)->payload_bytes, 10);
		fx_free(f);
	}
}

/* =========================================================================
 * SYN-RECEIVED: timeouts (RFC 9293 3.10.8, 3.8.3)
 * ========================================================================= */

/*
 * E040, RFC 9293 3.10.8 and RFC 6298 2.1, 5.5: the SYN,ACK is resent after
 * 1 s, 2 s, 4 s, each <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with the same
 * options. The handshake then completes with RTO >= 3 s (RFC 6298 5.7) and
 * a one-segment initial window (RFC 5681 3.1).
 */
static void test_syn_received_timeout_retransmits_syn_ack(void **state)
{
	const uint64_t iv[] = { 1, 2, 4 };

	(void)state;
	for (unsigned p = 0; p < 2; p++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		unsigned mark;

		reach(f, p == 0);
		mark = fx_mark(f);
		for (unsigned i = 0; i < TCP_ARRAY_LEN(iv); i++) {
			fx_clear(f);
			fx_advance(f, iv[i] * SEC - 1);
			assert_no_output(f);
			fx_advance(f, 1);
			assert_nout(f, 1);
			assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK,
			           LOCAL_ISN, RNXT);
			assert_int_equal(OUT(f, 0)->opts.present, TCP_OPTF_MSS);
			assert_int_equal(status_of(f).rto_us, 2 * iv[i] * SEC);
			assert_state(f, TCP_SYN_RECEIVED);
		}
		assert_int_equal(fx_transitions_since(f, mark), 0);
		fx_input(f, FINAL_ACK());
		assert_state(f, TCP_ESTABLISHED);
		assert_true(status_of(f).rto_us >= 3 * SEC);
		assert_int_equal(status_of(f).cwnd, FX_MSS);
		fx_free(f);
	}
}

/*
 * E041, RFC 9293 3.10.8 and 3.8.3 (MUST-23): with no answer the SYN,ACK is
 * retransmitted for at least 3 minutes, then the connection closes
 * ("connection aborted due to user timeout"), sending nothing.
 */
static void test_syn_received_timeout_closes(void **state)
{
	(void)state;
	for (unsigned p = 0; p < 2; p++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		uint64_t t0;
		unsigned i;

		reach(f, p == 0);
		t0 = f->now_us;
		fx_advance(f, 180 * SEC - 1);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 7);
		for (i = 0; i < f->out.n; i++)
			assert_seg(OUT(f, i), TCP_FLAG_SYN | TCP_FLAG_ACK,
			           LOCAL_ISN, RNXT);
		fx_clear(f);
		fx_advance(f, 120 * SEC);
		assert_state(f, TCP_CLOSED);
		assert_no_output(f);
		assert_true(fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_CLOSED));
		assert_int_equal(f->trace[f->trace_n - 1].cause,
		                 TCP_CAUSE_TIMEOUT_USER);
		assert_true(f->trace[f->trace_n - 1].now_us - t0 >= 180 * SEC);
		assert_int_equal(f->c.err, TCP_ETIMEDOUT);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_free(f);
	}
}

/* =========================================================================
 * SYN-RECEIVED: options and text on the SYN (RFC 9293 3.7.1, RFC 7323,
 * RFC 2018, 3.10.7.2 third)
 * ========================================================================= */

/*
 * RFC 9293 3.7.1 (MUST-14), RFC 7323 2.2 and 3.2, RFC 2018 2: the SYN,ACK
 * always carries MSS, and WS, TS, SACK-permitted only when the SYN did.
 * TSecr echoes the SYN's TSval; the SYN,ACK window is not scaled.
 */
static void test_syn_received_syn_ack_echoes_only_offered_options(void **state)
{
	const uint8_t offers[] = {
		0,
		TCP_OPTF_WS,
		TCP_OPTF_TS,
		TCP_OPTF_SACKOK,
		TCP_OPTF_WS | TCP_OPTF_SACKOK,
		TCP_OPTF_WS | TCP_OPTF_TS | TCP_OPTF_SACKOK,
	};

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(offers); i++) {
		struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
		const struct tcp_seg *s;
		struct tcp_verdict v;

		fx_listen(f);
		v = fx_input(
		    f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
		              .opts = { .present =
		                            (uint8_t)(TCP_OPTF_MSS | offers[i]),
		                        .mss = FX_MSS,
		                        .ws_shift = 2,
		                        .tsval = 777 }));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_nout(f, 1);
		s = OUT(f, 0);
		assert_seg(s, TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN, RNXT);
		assert_int_equal(s->opts.present, TCP_OPTF_MSS | offers[i]);
		assert_int_equal(s->opts.mss, 1460);
		assert_int_equal(s->wnd, FX_RX_BYTES);
		if (offers[i] & TCP_OPTF_WS)
			assert_int_equal(s->opts.ws_shift, 7);
		if (offers[i] & TCP_OPTF_TS) {
			assert_int_equal(s->opts.tsecr, 777);
			assert_int_equal(s->opts.tsval,
			                 f->now_us / 1000 + 1000);
		}
		assert_int_equal((f->c.fl & TCP_CF_WS) != 0,
		                 (offers[i] & TCP_OPTF_WS) != 0);
		assert_int_equal((f->c.fl & TCP_CF_TS) != 0,
		                 (offers[i] & TCP_OPTF_TS) != 0);
		assert_int_equal((f->c.fl & TCP_CF_SACK) != 0,
		                 (offers[i] & TCP_OPTF_SACKOK) != 0);
		fx_free(f);
	}
}

/* Legacy profile: nothing but MSS is offered back, whatever the SYN had. */
static void test_syn_received_legacy_syn_ack_mss_only(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);

	(void)state;
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS | TCP_OPTF_WS |
	                                        TCP_OPTF_TS | TCP_OPTF_SACKOK,
	                             .mss = FX_MSS,
	                             .ws_shift = 2,
	                             .tsval = 777 }));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN, RNXT);
	assert_int_equal(OUT(f, 0)->opts.present, TCP_OPTF_MSS);
	assert_false(f->c.fl & (TCP_CF_WS | TCP_CF_TS | TCP_CF_SACK));
	/* Unscaled windows both ways; no TSopt needed on the final ACK. */
	fx_input(f, FINAL_ACK(.wnd = 3));
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(status_of(f).snd_wnd, 3);
	fx_free(f);
}

/*
 * MUST-15 (RFC 9293 3.7.1): a SYN without MSS means 536 for IPv4; the
 * data segments sent after the handshake are at most 536 octets.
 */
static void test_syn_received_syn_without_mss_assumes_536(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t sz[8];

	(void)state;
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN)));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_int_equal(status_of(f).snd_mss, 536);
	fx_input(f, FINAL_ACK());
	assert_state(f, TCP_ESTABLISHED);
	tcp_conn_set_nodelay(&f->c, true);
	fx_clear(f);
	assert_int_equal(send_bytes(f, 2000), 2000);
	assert_int_equal(out_sizes(f, sz, 8), 4);
	assert_int_equal(sz[0], 536);
	assert_int_equal(sz[1], 536);
	assert_int_equal(sz[2], 536);
	assert_int_equal(sz[3], 392);
	assert_seg(OUT(f, 3), TCP_FLAG_ACK | TCP_FLAG_PSH, LOCAL_ISN + 1609,
	           RNXT);
	fx_free(f);
}

/*
 * MUST-16 (RFC 9293 3.7.1) and RFC 6691: the SYN's MSS (1000) bounds the
 * segments, less the 12 option bytes of TSopt once timestamps are on.
 */
static void test_syn_received_mss_option_bounds_segments(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t sz[8];

	(void)state;
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS | TCP_OPTF_TS,
	                             .mss = FX_MSS,
	                             .tsval = 100 }));
	assert_state(f, TCP_SYN_RECEIVED);
	/* RFC 7323 3.2: with TS negotiated the final ACK carries TSopt. */
	fx_input(f, FINAL_ACK(.opts = { .present = TCP_OPTF_TS,
	                                .tsval = 101,
	                                .tsecr = OUT(f, 0)->opts.tsval }));
	assert_state(f, TCP_ESTABLISHED);
	tcp_conn_set_nodelay(&f->c, true);
	fx_clear(f);
	assert_int_equal(send_bytes(f, 2500), 2500);
	assert_int_equal(out_sizes(f, sz, 8), 3);
	assert_int_equal(sz[0], FX_MSS - 12);
	assert_int_equal(sz[1], FX_MSS - 12);
	assert_int_equal(sz[2], 2500 - 2 * (FX_MSS - 12));
	fx_free(f);
}

/*
 * RFC 7323 2.2-2.3: the SYN's window is not scaled (SND.WND = 1000 in
 * SYN-RECEIVED), its shift 15 is used as 14, and the final ACK's window is
 * scaled by it.
 */
static void test_syn_received_ws_above_14_clamped(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .wnd = 1000,
	                   .opts = { .present = TCP_OPTF_MSS | TCP_OPTF_WS,
	                             .mss = FX_MSS,
	                             .ws_shift = 15 }));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_int_equal(status_of(f).snd_wnd, 1000);
	assert_int_equal(f->c.snd_wscale, 14);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->opts.ws_shift, 7);
	assert_int_equal(OUT(f, 0)->wnd, FX_RX_BYTES);
	fx_input(f, FINAL_ACK(.wnd = 2));
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(status_of(f).snd_wnd, 2u << 14);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.2 third: text on the SYN is "queued for processing
 * later": the SYN,ACK acknowledges only the SYN, nothing is readable in
 * SYN-RECEIVED, and after the final ACK the text (which crosses 2^32) is
 * delivered and acknowledged.
 */
static void test_syn_received_syn_text_delivered_after_established(void **state)
{
	static const uint8_t text[20] = "abcdefghijklmnopqrst";

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(profiles); i++) {
		struct fx *f = fx_new(profiles[i]);
		struct tcp_verdict v;
		uint8_t buf[32];

		fx_listen(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
		                       .seq = SEQ(REMOTE_ISN), .payload = text,
		                       .payload_bytes = 20));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
		           RNXT);
		assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
		                               sizeof(buf), &f->out),
		                 TCP_EWOULDBLOCK);
		/* The peer's ACK, sent after its 20 octets (SEQ = ISN+21). */
		v = fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 21),
		                       .ack = SEQ(LOCAL_ISN + 1)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_ESTABLISHED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1,
		           REMOTE_ISN + 21);
		assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
		                               sizeof(buf), &f->out),
		                 20);
		assert_memory_equal(buf, text, 20);
		fx_free(f);
	}
}

/*
 * RFC 9293 3.10.7.3 fourth (simultaneous open): "If there are other
 * controls or text in the segment, queue them for processing after the
 * ESTABLISHED state has been reached".
 */
static void
test_syn_received_active_syn_text_delivered_after_established(void **state)
{
	static const uint8_t text[5] = "hello";
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint8_t buf[8];

	(void)state;
	fx_syn_sent(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .payload = text, .payload_bytes = 5));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN, RNXT);
	fx_input(f,
	         SEG_IN(.seq = SEQ(REMOTE_ISN + 6), .ack = SEQ(LOCAL_ISN + 1)));
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 6);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 5);
	assert_memory_equal(buf, text, 5);
	fx_free(f);
}

/*
 * RFC 6298 5.7: the SYN,ACK was retransmitted, so once the handshake
 * completes the RTO is at least 3 s (here the backed-off 2 s is raised;
 * Karn's rule gives no sample from the retransmitted SYN,ACK).
 */
static void test_syn_received_synack_retransmitted_ack_sets_rto_3s(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_received(f);
	assert_int_equal(fx_run_until_output(f, 2 * SEC), SEC);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN, RNXT);
	assert_int_equal(status_of(f).rto_us, 2 * SEC);
	fx_input(f, FINAL_ACK());
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(status_of(f).rto_us, 3 * SEC);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.2 third and 3.10.4: text on the SYN is held; CLOSE in
 * SYN-RECEIVED sends the FIN and enters FIN-WAIT-1 (E038). The ACK of SYN
 * and FIN (E058) also releases the held text: it becomes readable and is
 * acknowledged at once.
 */
static void test_syn_received_syn_text_then_close_delivered_on_ack(void **state)
{
	static const uint8_t text[10] = "0123456789";
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	uint8_t buf[16];

	(void)state;
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .payload = text, .payload_bytes = 10));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_FIN_WAIT_1);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(RNXT + 10), .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_FIN_WAIT_2);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 2, RNXT + 10);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 10);
	assert_memory_equal(buf, text, 10);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_received_unacceptable_seq_sends_ack),
		cmocka_unit_test(test_syn_received_duplicate_syn_sends_ack),
		cmocka_unit_test(test_syn_received_rst_out_of_window_dropped),
		cmocka_unit_test(
		    test_syn_received_passive_rst_returns_to_listen),
		cmocka_unit_test(
		    test_syn_received_legacy_passive_rst_in_window_returns_to_listen),
		cmocka_unit_test(test_syn_received_active_rst_closes_refused),
		cmocka_unit_test(
		    test_syn_received_rst_in_window_sends_challenge_ack),
		cmocka_unit_test(
		    test_syn_received_passive_syn_returns_to_listen),
		cmocka_unit_test(
		    test_syn_received_active_syn_sends_challenge_ack),
		cmocka_unit_test(
		    test_syn_received_legacy_active_syn_in_window_resets),
		cmocka_unit_test(test_syn_received_no_ack_dropped),
		cmocka_unit_test(test_syn_received_bad_ack_gets_rst),
		cmocka_unit_test(test_syn_received_ack_enters_established),
		cmocka_unit_test(
		    test_syn_received_ack_with_fin_enters_close_wait),
		cmocka_unit_test(test_syn_received_close_sends_fin),
		cmocka_unit_test(
		    test_syn_received_close_then_timeout_resends_syn_ack),
		cmocka_unit_test(
		    test_syn_received_close_with_data_queued_waits),
		cmocka_unit_test(test_syn_received_abort_sends_rst),
		cmocka_unit_test(test_syn_received_open_again_fails_eexist),
		cmocka_unit_test(
		    test_syn_received_send_queued_until_established),
		cmocka_unit_test(test_syn_received_timeout_retransmits_syn_ack),
		cmocka_unit_test(test_syn_received_timeout_closes),
		cmocka_unit_test(
		    test_syn_received_syn_ack_echoes_only_offered_options),
		cmocka_unit_test(test_syn_received_legacy_syn_ack_mss_only),
		cmocka_unit_test(test_syn_received_syn_without_mss_assumes_536),
		cmocka_unit_test(test_syn_received_mss_option_bounds_segments),
		cmocka_unit_test(test_syn_received_ws_above_14_clamped),
		cmocka_unit_test(
		    test_syn_received_syn_text_delivered_after_established),
		cmocka_unit_test(
		    test_syn_received_active_syn_text_delivered_after_established),
		cmocka_unit_test(
		    test_syn_received_synack_retransmitted_ack_sets_rto_3s),
		cmocka_unit_test(
		    test_syn_received_syn_text_then_close_delivered_on_ack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
