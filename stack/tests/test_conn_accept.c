/* SPDX-License-Identifier: MIT
 *
 * The segment acceptability test of RFC 9293 3.10.7.4 first (Table 6; 3.4
 * Table 5), in ESTABLISHED: the four cases SEG.LEN 0/>0 x RCV.WND 0/>0 at
 * the boundaries RCV.NXT-1, RCV.NXT, RCV.NXT+RCV.WND-1 and RCV.NXT+RCV.WND,
 * across the 2^32 wrap, and MUST-66 (a zero window still processes ACK, URG
 * and RST).
 *
 * After fx_established(): RCV.NXT = REMOTE_ISN + 1 = 0xFFFFFFF1 and RCV.WND
 * = FX_RX_BYTES, so the window [0xFFFFFFF1, 0x00001FF1) straddles the wrap.
 * fill_window() then makes RCV.WND = 0 with RCV.NXT = 0x00001FF1.
 *
 * Every unacceptable non-RST segment gets <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
 * and is dropped; nothing in it (text, FIN, ACK) is processed.
 */
#include "fixture.h"

#include <string.h>

#define SND_NXT (LOCAL_ISN + 1u)
#define WND FX_RX_BYTES

static uint8_t payload[FX_RX_BYTES + 16];

static int setup_payload(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 17u + 9u);
	return 0;
}

static struct fx *est(void)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	fx_established(f);
	assert_int_equal(f->c.rcv_nxt.v, 0xFFFFFFF1u);
	assert_int_equal(f->c.rcv_adv.v - f->c.rcv_nxt.v, WND);
	return f;
}

/* Fills the receive window with one segment; the user reads nothing. */
static void fill_window(struct fx *f)
{
	struct tcp_status st;
	struct tcp_verdict v;

	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = WND));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	f->peer_nxt += WND;
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, f->c.snd_nxt.v, f->peer_nxt);
	assert_int_equal(OUT(f, 0)->wnd, 0);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.rcv_wnd, 0);
	fx_clear(f);
}

/* The segment fails the test: ACK <SND.NXT, RCV.NXT>, dropped, no effect. */
static void expect_unacceptable(struct fx *f, struct tcp_seg seg)
{
	uint32_t rcv_nxt = f->c.rcv_nxt.v, rx_len = f->c.rx.len;
	unsigned m = fx_mark(f);
	struct tcp_verdict v = fx_input(f, seg);

	assert_verdict(v, TCP_DISP_DROP_ACK, TCP_WHY_SEQ_NOT_ACCEPTABLE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, rcv_nxt);
	assert_int_equal(f->c.rcv_nxt.v, rcv_nxt);
	assert_int_equal(f->c.rx.len, rx_len);
	assert_int_equal(f->c.reasm.n, 0);
	assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
}

/* The segment passes the test and is processed (no drop traced). */
static void expect_acceptable(struct fx *f, struct tcp_seg seg)
{
	unsigned m = fx_mark(f);
	struct tcp_verdict v = fx_input(f, seg);

	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_ESTABLISHED);
	assert_trace_empty(f, m);
}

/* ==== ESTABLISHED: SEG.LEN = 0, RCV.WND > 0 =============================== */
/* Acceptable when RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND. */

static void
test_established_empty_seg_at_rcv_nxt_minus_1_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt - 1),
	                              .ack = SEQ(SND_NXT)));
	fx_free(f);
}

static void test_established_empty_seg_at_rcv_nxt_acceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_acceptable(f,
	                  SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT)));
	assert_no_output(f); /* an ACK is never ACKed */
	fx_free(f);
}

/* RCV.NXT+RCV.WND-1 = 0x00001FF0, on the far side of the wrap. */
static void
test_established_empty_seg_at_right_edge_minus_1_acceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_acceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND - 1),
	                            .ack = SEQ(SND_NXT)));
	assert_no_output(f);
	fx_free(f);
}

static void test_established_empty_seg_at_right_edge_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND),
	                              .ack = SEQ(SND_NXT)));
	fx_free(f);
}

/* Sequence number 0 lies inside the wrapped window. */
static void
test_established_empty_seg_at_zero_across_wrap_acceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_acceptable(f, SEG_IN(.seq = SEQ(0), .ack = SEQ(SND_NXT)));
	assert_no_output(f);
	fx_free(f);
}

/* Half the sequence space away is outside, not "negative". */
static void
test_established_empty_seg_half_space_away_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + 0x80000000u),
	                              .ack = SEQ(SND_NXT)));
	fx_free(f);
}

/* ==== ESTABLISHED: SEG.LEN = 0, RCV.WND = 0 =============================== */
/* Acceptable when SEG.SEQ = RCV.NXT. */

static void
test_established_zero_window_empty_seg_at_rcv_nxt_acceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	fill_window(f);
	expect_acceptable(f,
	                  SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT)));
	assert_no_output(f);
	fx_free(f);
}

static void
test_established_zero_window_empty_seg_at_rcv_nxt_minus_1_unacceptable(
    void **state)
{
	struct fx *f = est();

	(void)state;
	fill_window(f);
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt - 1),
	                              .ack = SEQ(SND_NXT)));
	assert_int_equal(OUT(f, 0)->wnd, 0);
	fx_free(f);
}

static void
test_established_zero_window_empty_seg_at_rcv_nxt_plus_1_unacceptable(
    void **state)
{
	struct fx *f = est();

	(void)state;
	fill_window(f);
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + 1),
	                              .ack = SEQ(SND_NXT)));
	fx_free(f);
}

/* ==== ESTABLISHED: SEG.LEN > 0, RCV.WND = 0 =============================== */
/* Never acceptable; at RCV.NXT the ACK/URG/RST fields still count (MUST-66). */

/* A zero-window probe: the octet is not taken, the probe is answered. */
static void
test_established_zero_window_data_at_rcv_nxt_not_taken_acked(void **state)
{
	struct fx *f = est();
	unsigned m;
	struct tcp_verdict v;

	(void)state;
	fill_window(f);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 1));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_int_equal(f->c.rx.len, WND);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	assert_int_equal(OUT(f, 0)->wnd, 0);
	assert_trace_empty(f, m);
	fx_free(f);
}

static void
test_established_zero_window_data_below_rcv_nxt_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	fill_window(f);
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt - 1),
	                              .ack = SEQ(SND_NXT), .payload = payload,
	                              .payload_bytes = 1));
	fx_free(f);
}

static void
test_established_zero_window_data_above_rcv_nxt_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	fill_window(f);
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + 1),
	                              .ack = SEQ(SND_NXT), .payload = payload,
	                              .payload_bytes = 1));
	fx_free(f);
}

/* A FIN occupies one octet (SEG.LEN = 1): not taken with a zero window. */
static void test_established_zero_window_fin_at_rcv_nxt_not_taken(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	fill_window(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	fx_free(f);
}

/* ==== ESTABLISHED: SEG.LEN > 0, RCV.WND > 0 =============================== */
/*
 * Acceptable when RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND or
 * RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND.
 */

/* Last octet at RCV.NXT-1: an old duplicate. */
static void
test_established_data_ending_at_rcv_nxt_minus_1_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt - 1),
	                              .ack = SEQ(SND_NXT), .payload = payload,
	                              .payload_bytes = 1));
	fx_free(f);
}

/* Last octet at RCV.NXT: acceptable; only the new part is processed. */
static void
test_established_data_ending_at_rcv_nxt_acceptable_trimmed(void **state)
{
	struct fx *f = est();
	uint8_t b = 0;

	(void)state;
	expect_acceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt - 1),
	                            .ack = SEQ(SND_NXT), .payload = payload,
	                            .payload_bytes = 2));
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + 1);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, &b, 1,
	                               &f->out),
	                 1);
	assert_int_equal(b, payload[1]);
	fx_free(f);
}

/* First octet at RCV.NXT; the text runs across 2^32 and is delivered whole. */
static void
test_established_data_at_rcv_nxt_across_wrap_acceptable(void **state)
{
	struct fx *f = est();
	uint8_t buf[64];

	(void)state;
	expect_acceptable(f,
	                  SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                         .payload = payload, .payload_bytes = 40));
	assert_int_equal(f->c.rcv_nxt.v, 0xFFFFFFF1u + 40u);
	assert_int_equal(f->c.rcv_nxt.v, 0x19u);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 40);
	assert_memory_equal(buf, payload, 40);
	fx_free(f);
}

/* One octet at RCV.NXT+RCV.WND-1: acceptable, held (SHLD-31), dup ACK. */
static void
test_established_data_at_right_edge_minus_1_acceptable_held(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_acceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND - 1),
	                            .ack = SEQ(SND_NXT), .payload = payload,
	                            .payload_bytes = 1));
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_int_equal(f->c.reasm.n, 1);
	assert_int_equal(f->c.reasm.blk[0].off, WND - 1);
	assert_int_equal(f->c.reasm.blk[0].len, 1);
	/* RFC 5681 4.2 / MAY-13: out-of-order data is ACKed at once. */
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
	fx_free(f);
}

/* First octet inside, the rest past the edge: acceptable, trimmed to fit. */
static void
test_established_data_straddling_right_edge_acceptable_trimmed(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_acceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND - 1),
	                            .ack = SEQ(SND_NXT), .payload = payload,
	                            .payload_bytes = 5));
	assert_int_equal(f->c.reasm.n, 1);
	assert_int_equal(f->c.reasm.blk[0].off, WND - 1);
	assert_int_equal(f->c.reasm.blk[0].len, 1);
	fx_free(f);
}

static void test_established_data_at_right_edge_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND),
	                              .ack = SEQ(SND_NXT), .payload = payload,
	                              .payload_bytes = 1));
	fx_free(f);
}

/*
 * Starting at RCV.NXT-1 and ending at RCV.NXT+RCV.WND: neither its first
 * nor its last octet is in the window, so Table 6 read literally rejects
 * it (although its middle is new). The reference follows the table.
 */
static void
test_established_data_covering_whole_window_unacceptable(void **state)
{
	struct fx *f = est();

	(void)state;
	expect_unacceptable(f, SEG_IN(.seq = SEQ(f->peer_nxt - 1),
	                              .ack = SEQ(SND_NXT), .payload = payload,
	                              .payload_bytes = WND + 2));
	fx_free(f);
}

/* An unacceptable segment's ACK field is not processed. */
static void test_established_unacceptable_seg_ack_ignored(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	fx_clear(f);
	assert_int_equal(f->c.snd_nxt.v, SND_NXT + 100);
	{
		unsigned m = fx_mark(f);
		struct tcp_verdict v =
		    fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt + WND),
		                       .ack = SEQ(SND_NXT + 100)));

		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT + 100, f->peer_nxt);
		assert_int_equal(f->c.snd_una.v, SND_NXT);
		assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
	}
	fx_free(f);
}

/* ==== ESTABLISHED: zero window still processes ACK, URG, RST (MUST-66) ==== */

/* 3.4 / 3.10.7.4 first: "special allowance ... to accept valid ACKs". */
static void test_established_zero_window_probe_ack_processed(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, payload, 100,
	                               0, &f->out),
	                 100);
	fx_clear(f);
	fill_window(f);
	assert_int_equal(f->c.snd_una.v, SND_NXT);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT + 100),
	                    .payload = payload, .payload_bytes = 1));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.snd_una.v, SND_NXT + 100);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT + 100, f->peer_nxt);
	fx_free(f);
}

/* MUST-66: a RST at RCV.NXT is processed with a zero window. */
static void test_established_zero_window_rst_processed(void **state)
{
	struct fx *f = est();
	unsigned m;
	struct tcp_verdict v;

	(void)state;
	fill_window(f);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt)));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	assert_no_output(f);
	assert_trace(f, m,
	             TR_STATE(TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST));
	fx_free(f);
}

/* MUST-66: a RST carrying text at RCV.NXT (SHLD-2) too. */
static void test_established_zero_window_rst_with_data_processed(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	fill_window(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(f->peer_nxt),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(f->c.err, TCP_ERESET);
	fx_free(f);
}

/* With a zero window a RST off RCV.NXT is outside the window: dropped. */
static void test_established_zero_window_rst_off_rcv_nxt_dropped(void **state)
{
	struct fx *f = est();
	unsigned m;
	struct tcp_verdict v;

	(void)state;
	fill_window(f);
	m = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
	                       .seq = SEQ(f->peer_nxt + 1)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_RST_OUT_OF_WINDOW);
	assert_state(f, TCP_ESTABLISHED);
	assert_no_output(f);
	assert_trace(f, m, TR_DROP(TCP_WHY_RST_OUT_OF_WINDOW));
	fx_free(f);
}

/* MUST-66, MUST-31: URG is processed with a zero window; the user is told. */
static void test_established_zero_window_urg_processed(void **state)
{
	struct fx *f = est();
	struct tcp_status st;
	struct tcp_verdict v;

	(void)state;
	fill_window(f);
	tcp_conn_status(&f->c, &st);
	assert_false(st.urgent_signal);
	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_URG,
	                    .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                    .urp = 3, .payload = payload, .payload_bytes = 1));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	tcp_conn_status(&f->c, &st);
	assert_true(st.urgent_signal);
	assert_int_equal(f->c.rcv_up.v, f->peer_nxt + 3);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 first: with a zero window a SYN at RCV.NXT (SEG.LEN 1)
 * is not acceptable and gets the first step's ACK. The allowance for a zero
 * window (MUST-66: ACK, URG, RST) does not extend to SYN, so the segment
 * never reaches the fourth step: no challenge ACK (RFC 5961), and in the
 * legacy profile no in-window reset.
 */
static void test_established_zero_window_syn_at_rcv_nxt_acked(void **state)
{
	static const enum tcp_profile prof[] = { TCP_PROFILE_DEFAULT,
		                                 TCP_PROFILE_LEGACY };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct fx *f = fx_new(prof[i]);
		unsigned m;
		struct tcp_verdict v;

		fx_established(f);
		fill_window(f);
		m = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
		                       .seq = SEQ(f->peer_nxt)));
		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_state(f, TCP_ESTABLISHED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt);
		assert_trace(f, m, TR_DROP(TCP_WHY_SEQ_NOT_ACCEPTABLE));
		fx_free(f);
	}
}

/*
 * RFC 9293 3.10.7.4 first: text beyond the window is trimmed "including
 * SYN and FIN": the octets that fit are taken, the FIN is not (E052 needs
 * the FIN at RCV.NXT; the peer sends it again).
 */
static void test_established_text_and_fin_beyond_window_fin_cut(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = WND + 5));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + WND);
	assert_int_equal(f->c.rx.len, WND);
	assert_state(f, TCP_ESTABLISHED);
	assert_false(f->c.fl & TCP_CF_FIN_RCVD);
	fx_free(f);
}

/*
 * The reference's choice (not the literal trim of 3.10.7.4 first): text
 * that ends exactly at the right edge keeps the FIN that follows it, since
 * the FIN needs no buffer space; with a zero window a lone FIN is still
 * not taken (test_established_zero_window_fin_at_rcv_nxt_not_taken).
 */
static void test_established_text_to_right_edge_with_fin_fin_taken(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = WND));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_int_equal(f->c.rx.len, WND);
	assert_int_equal(f->c.rcv_nxt.v, f->peer_nxt + WND + 1);
	assert_state(f, TCP_CLOSE_WAIT);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4 first ("only the new parts are processed") and eighth:
 * a retransmission of text already taken plus the FIN, whose last octet
 * (the FIN) is RCV.NXT, is acceptable; the old text is trimmed and the FIN
 * processed (E052).
 */
static void
test_established_old_text_with_fin_at_rcv_nxt_fin_taken(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                   .payload = payload, .payload_bytes = 10));
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                       .seq = SEQ(f->peer_nxt), .ack = SEQ(SND_NXT),
	                       .payload = payload, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_int_equal(f->c.rx.len, 10);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, SND_NXT, f->peer_nxt + 11);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_established_empty_seg_at_rcv_nxt_minus_1_unacceptable),
		cmocka_unit_test(
		    test_established_empty_seg_at_rcv_nxt_acceptable),
		cmocka_unit_test(
		    test_established_empty_seg_at_right_edge_minus_1_acceptable),
		cmocka_unit_test(
		    test_established_empty_seg_at_right_edge_unacceptable),
		cmocka_unit_test(
		    test_established_empty_seg_at_zero_across_wrap_acceptable),
		cmocka_unit_test(
		    test_established_empty_seg_half_space_away_unacceptable),
		cmocka_unit_test(
		    test_established_zero_window_empty_seg_at_rcv_nxt_acceptable),
		cmocka_unit_test(
		    test_established_zero_window_empty_seg_at_rcv_nxt_minus_1_unacceptable),
		cmocka_unit_test(
		    test_established_zero_window_empty_seg_at_rcv_nxt_plus_1_unacceptable),
		cmocka_unit_test(
		    test_established_zero_window_data_at_rcv_nxt_not_taken_acked),
		cmocka_unit_test(
		    test_established_zero_window_data_below_rcv_nxt_unacceptable),
		cmocka_unit_test(
		    test_established_zero_window_data_above_rcv_nxt_unacceptable),
		cmocka_unit_test(
		    test_established_zero_window_fin_at_rcv_nxt_not_taken),
		cmocka_unit_test(
		    test_established_data_ending_at_rcv_nxt_minus_1_unacceptable),
		cmocka_unit_test(
		    test_established_data_ending_at_rcv_nxt_acceptable_trimmed),
		cmocka_unit_test(
		    test_established_data_at_rcv_nxt_across_wrap_acceptable),
		cmocka_unit_test(
		    test_established_data_at_right_edge_minus_1_acceptable_held),
		cmocka_unit_test(
		    test_established_data_straddling_right_edge_acceptable_trimmed),
		cmocka_unit_test(
		    test_established_data_at_right_edge_unacceptable),
		cmocka_unit_test(
		    test_established_data_covering_whole_window_unacceptable),
		cmocka_unit_test(test_established_unacceptable_seg_ack_ignored),
		cmocka_unit_test(
		    test_established_zero_window_probe_ack_processed),
		cmocka_unit_test(test_established_zero_window_rst_processed),
		cmocka_unit_test(
		    test_established_zero_window_rst_with_data_processed),
		cmocka_unit_test(
		    test_established_zero_window_rst_off_rcv_nxt_dropped),
		cmocka_unit_test(test_established_zero_window_urg_processed),
		cmocka_unit_test(
		    test_established_zero_window_syn_at_rcv_nxt_acked),
		cmocka_unit_test(
		    test_established_text_and_fin_beyond_window_fin_cut),
		cmocka_unit_test(
		    test_established_text_to_right_edge_with_fin_fin_taken),
		cmocka_unit_test(
		    test_established_old_text_with_fin_at_rcv_nxt_fin_taken),
	};

	return cmocka_run_group_tests(tests, setup_payload, NULL);
}
