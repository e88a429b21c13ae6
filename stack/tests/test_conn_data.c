/* SPDX-License-Identifier: MIT
 *
 * The data path of the reference connection: reassembly (SHLD-31), SACK
 * blocks we send (RFC 2018 4), delayed ACK (SHLD-18, SHLD-19, MUST-40),
 * Nagle and sender SWS avoidance (SHLD-7, MUST-17, MUST-38, MUST-61),
 * receiver SWS avoidance and window edges (MUST-39, SHLD-14), urgent data
 * (MUST-30..33, MUST-62), window scaling (RFC 7323, MUST-1) and the send
 * MSS (MUST-15, MUST-16).
 */
#include "fixture.h"

#include <string.h>

#define MS 1000ull
#define SEC 1000000ull
#define L(x) (LOCAL_ISN + 1u + (uint32_t)(x)) /* our stream offset x */

static uint8_t pat[8192];

static struct fx *est(void)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	for (uint32_t i = 0; i < sizeof(pat); i++)
		pat[i] = fx_pattern(i);
	fx_established(f);
	return f;
}

static struct fx *est_opts(uint8_t present, uint16_t mss, uint8_t ws)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_opts o = { .present = present, .mss = mss, .ws_shift = ws };

	for (uint32_t i = 0; i < sizeof(pat); i++)
		pat[i] = fx_pattern(i);
	fx_established_opts(f, &o);
	return f;
}

/* Peer text at stream offset off (from the first octet after its SYN). */
static struct tcp_verdict peer(struct fx *f, uint32_t off, uint32_t n)
{
	return fx_data(f, REMOTE_ISN + 1 + off, pat + off, n);
}

static int app_read(struct fx *f, uint8_t *buf, uint32_t cap)
{
	fx_clear(f);
	return tcp_conn_recv(&f->c, &f->env, f->now_us, buf, cap, &f->out);
}

/* ---- ESTABLISHED: reassembly ----------------------------------------------
 */

/*
 * SHLD-31: out-of-order text is held; RFC 5681 4.2: it draws an immediate
 * duplicate ACK, and the segment filling the gap an immediate ACK.
 */
static void
test_established_out_of_order_held_dup_ack_then_gap_fill(void **state)
{
	struct fx *f = est();
	uint8_t got[300];
	struct tcp_verdict v;

	(void)state;
	v = peer(f, 100, 100);
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1);
	assert_int_equal(f->c.rx.len, 0);
	peer(f, 0, 100);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 201);
	assert_int_equal(app_read(f, got, sizeof(got)), 200);
	assert_memory_equal(got, pat, 200);
	fx_free(f);
}

/* Overlapping segments are merged; every octet is delivered once, in order. */
static void test_established_overlapping_segments_reassembled(void **state)
{
	struct fx *f = est();
	uint8_t got[500];

	(void)state;
	peer(f, 100, 200);
	peer(f, 200, 200);
	peer(f, 350, 20); /* inside */
	assert_int_equal(f->c.reasm.n, 1);
	peer(f, 0, 150);
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 400);
	peer(f, 390, 20); /* old and new together */
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 410);
	assert_int_equal(app_read(f, got, sizeof(got)), 410);
	assert_memory_equal(got, pat, 410);
	fx_free(f);
}

/* TCP_REASM_MAX holes: a further disjoint block is dropped with an ACK. */
static void test_established_reassembly_full_drops_with_ack(void **state)
{
	struct fx *f = est();
	struct tcp_verdict v;

	(void)state;
	for (uint32_t i = 0; i < TCP_REASM_MAX; i++) {
		v = peer(f, 100 + 200 * i, 50);
		assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	}
	v = peer(f, 100 + 200 * TCP_REASM_MAX, 50);
	assert_int_equal(v.disp, TCP_DISP_DROP_ACK);
	assert_int_equal(v.why, TCP_WHY_REASSEMBLY_FULL);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1);
	/* Growing a held block needs no new slot. */
	v = peer(f, 150, 50);
	assert_int_equal(v.disp, TCP_DISP_ACCEPT);
	assert_int_equal(f->c.reasm.n, TCP_REASM_MAX);
	/* The gap fill delivers the first block and what it touches. */
	peer(f, 0, 100);
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 200);
	fx_free(f);
}

/* RFC 9293 3.4: sequence arithmetic across 2^32 (REMOTE_ISN 0xFFFFFFF0). */
static void test_established_data_across_seq_wrap(void **state)
{
	struct fx *f = est();
	uint8_t got[100];

	(void)state;
	peer(f, 10, 30); /* 0xFFFFFFFB..0x18: spans the wrap, out of order */
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1);
	peer(f, 0, 10);
	assert_int_equal(f->c.rcv_nxt.v, 0x19u);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), 0x19u);
	assert_int_equal(app_read(f, got, sizeof(got)), 40);
	assert_memory_equal(got, pat, 40);
	fx_free(f);
}

/* ---- ESTABLISHED: SACK blocks we send (RFC 2018 4) ----------------------- */

/* First block = the most recent segment; 3 blocks beside TSopt. */
static void test_established_sack_ts_first_block_most_recent_max_3(void **state)
{
	struct fx *f =
	    est_opts(TCP_OPTF_MSS | TCP_OPTF_SACKOK | TCP_OPTF_TS, 1000, 0);
	const struct tcp_opts *o;

	(void)state;
	assert_true(f->c.fl & TCP_CF_SACK);
	assert_true(f->c.fl & TCP_CF_TS);
	for (uint32_t i = 1; i <= 4; i++)
		peer(f, 1000 * i, 100);
	assert_nout(f, 1);
	o = &OUT(f, 0)->opts;
	assert_true(o->present & TCP_OPTF_SACK);
	assert_true(o->present & TCP_OPTF_TS);
	assert_int_equal(o->sack_n, 3);
	assert_int_equal(o->sack[0].left.v, REMOTE_ISN + 1 + 4000);
	assert_int_equal(o->sack[0].right.v, REMOTE_ISN + 1 + 4100);
	/* Growing an older block makes it the first one. */
	peer(f, 2100, 100);
	o = &OUT(f, 0)->opts;
	assert_int_equal(o->sack[0].left.v, REMOTE_ISN + 1 + 2000);
	assert_int_equal(o->sack[0].right.v, REMOTE_ISN + 1 + 2200);
	fx_free(f);
}

/* Without TSopt, 4 blocks fit. */
static void test_established_sack_no_ts_four_blocks(void **state)
{
	struct fx *f = est_opts(TCP_OPTF_MSS | TCP_OPTF_SACKOK, 1000, 0);
	const struct tcp_opts *o;

	(void)state;
	for (uint32_t i = 1; i <= 5; i++)
		peer(f, 1000 * i, 100);
	o = &OUT(f, 0)->opts;
	assert_int_equal(o->sack_n, 4);
	assert_int_equal(o->sack[0].left.v, REMOTE_ISN + 1 + 5000);
	fx_free(f);
}

/* RFC 2018 2: no SACK option unless SACK-permitted was exchanged. */
static void test_established_no_sackok_no_sack_blocks(void **state)
{
	struct fx *f = est();

	(void)state;
	peer(f, 1000, 100);
	assert_nout(f, 1);
	assert_false(OUT(f, 0)->opts.present & TCP_OPTF_SACK);
	fx_free(f);
}

/* ---- ESTABLISHED: delayed ACK ----------------------------------------------
 */

/* SHLD-18, MUST-40: one segment is acknowledged within delack_us < 500 ms. */
static void test_established_one_segment_ack_delayed_below_500ms(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_true(f->cfg.delack_us < 500 * MS);
	peer(f, 0, 500);
	assert_no_output(f);
	assert_int_equal(fx_run_until_output(f, SEC), f->cfg.delack_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 501);
	fx_free(f);
}

/* SHLD-19: at least every second full-sized segment is acknowledged. */
static void test_established_two_full_segments_acked_at_once(void **state)
{
	struct fx *f = est();

	(void)state;
	peer(f, 0, 1460);
	assert_no_output(f);
	peer(f, 1460, 1460);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->ack.v, REMOTE_ISN + 1 + 2920);
	fx_free(f);
}

/* SHLD-19 with timestamps: a full-sized segment is then 12 bytes shorter. */
static void test_established_ts_two_full_segments_acked_at_once(void **state)
{
	struct fx *f = est_opts(TCP_OPTF_MSS | TCP_OPTF_TS, 1000, 0);
	uint32_t full = f->cfg.mss - 12u;

	(void)state;
	peer(f, 0, full);
	assert_no_output(f);
	peer(f, full, full);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->ack.v, REMOTE_ISN + 1 + 2 * full);
	fx_free(f);
}

/* ---- ESTABLISHED: Nagle, sender SWS, PSH ----------------------------------
 */

/* SHLD-7: a small write waits while data is in flight, goes on the ACK. */
static void test_established_small_writes_nagle_held_until_ack(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 10, 0), 10);
	assert_nout(f, 1);
	fx_clear(f);
	assert_int_equal(fx_write(f, 10, 0), 10);
	assert_int_equal(fx_write(f, 10, 0), 10);
	assert_no_output(f);
	fx_ack(f, L(10), 65535);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(10));
	assert_int_equal(OUT(f, 0)->payload_bytes, 20);
	fx_free(f);
}

/* MUST-17: with TCP_NODELAY small writes go at once. */
static void test_established_nodelay_small_writes_sent_at_once(void **state)
{
	struct fx *f = est();

	(void)state;
	tcp_conn_set_nodelay(&f->c, true);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_write(f, 10, 0), 10);
	assert_nout(f, 3);
	assert_int_equal(OUT(f, 2)->seq.v, L(20));
	fx_free(f);
}

/*
 * SHLD-27/28: a bulk write leaves in full-sized segments; MUST-61: PSH on
 * the segment that empties the send queue, not before.
 */
static void test_established_bulk_write_full_segments_psh_last(void **state)
{
	struct fx *f = est();

	(void)state;
	tcp_conn_set_nodelay(&f->c, true);
	assert_int_equal(fx_write(f, 3500, 0), 3500);
	assert_nout(f, 4);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(OUT(f, i)->payload_bytes, 1000);
		assert_false(OUT(f, i)->flags & TCP_FLAG_PSH);
	}
	assert_int_equal(OUT(f, 3)->payload_bytes, 500);
	assert_true(OUT(f, 3)->flags & TCP_FLAG_PSH);
	fx_free(f);
}

/* With Nagle, the short tail waits for the ACK and then carries PSH. */
static void test_established_bulk_write_nagle_tail_psh_after_ack(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 3500, 0), 3500);
	assert_nout(f, 3);
	fx_ack(f, L(3000), 65535);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 500);
	assert_true(OUT(f, 0)->flags & TCP_FLAG_PSH);
	fx_free(f);
}

/* RFC 9293 3.8.6.2.1 (MUST-38): held data goes when the override fires. */
static void
test_established_held_small_write_sent_by_override_timer(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 10, 0), 10);
	fx_clear(f);
	assert_int_equal(fx_write(f, 10, 0), 10);
	assert_no_output(f);
	assert_true(f->cfg.sws_override_us >= 100 * MS &&
	            f->cfg.sws_override_us <= SEC);
	assert_int_equal(fx_run_until_output(f, 10 * SEC),
	                 f->cfg.sws_override_us);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(10));
	assert_int_equal(OUT(f, 0)->payload_bytes, 10);
	fx_free(f);
}

/* ---- ESTABLISHED: receive window --------------------------------------------
 */

static void fill_rx(struct fx *f)
{
	struct tcp_status st;

	for (uint32_t off = 0; off < FX_RX_BYTES; off += 1024)
		peer(f, off, 1024);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.rcv_wnd, 0);
	assert_int_equal(st.bytes_readable, FX_RX_BYTES);
}

/* MUST-39: window updates only once the right edge can move by min(MSS, buf/2).
 */
static void
test_established_app_reads_window_update_after_sizeable_step(void **state)
{
	struct fx *f = est();
	uint8_t got[2000];

	(void)state;
	fill_rx(f);
	assert_int_equal(app_read(f, got, 100), 100);
	assert_no_output(f);
	assert_int_equal(app_read(f, got, 1000), 1000);
	assert_no_output(f);
	assert_int_equal(app_read(f, got, 400), 400);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1 + FX_RX_BYTES);
	assert_int_equal(OUT(f, 0)->wnd, 1500);
	fx_free(f);
}

/* MUST-66 / 3.8.6.1: a zero-window probe gets an ACK with window 0. */
static void test_established_zero_rcv_window_probe_acked_window_0(void **state)
{
	struct fx *f = est();

	(void)state;
	fill_rx(f);
	peer(f, FX_RX_BYTES, 1);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1 + FX_RX_BYTES);
	assert_int_equal(OUT(f, 0)->wnd, 0);
	fx_free(f);
}

/* SHLD-14: across data and reads, RCV.NXT + RCV.WND never moves left. */
static void test_established_rcv_right_edge_never_moves_left(void **state)
{
	struct fx *f = est();
	uint8_t got[1000];
	uint32_t off = 0, edge = REMOTE_ISN + 1 + FX_RX_BYTES;

	(void)state;
	for (unsigned i = 0; i < 60; i++) {
		uint32_t n = 300 + (i * 137) % 700;

		if (off + n <= sizeof(pat) &&
		    tcp_seq_ge(SEQ(edge), SEQ(REMOTE_ISN + 1 + off + n)))
			peer(f, off, n), off += n;
		else
			fx_clear(f);
		tcp_conn_recv(&f->c, &f->env, f->now_us, got,
		              (uint32_t)((i * 53) % sizeof(got)), &f->out);
		fx_advance(f, f->cfg.delack_us);
		for (uint32_t k = 0; k < f->out.n; k++) {
			uint32_t e = OUT(f, k)->ack.v + OUT(f, k)->wnd;

			assert_true(tcp_seq_ge(SEQ(e), SEQ(edge)));
			edge = e;
		}
		if (off + 1000 > sizeof(pat))
			break;
	}
	assert_true(off > FX_RX_BYTES / 2);
	fx_free(f);
}

/* ---- ESTABLISHED: urgent data ----------------------------------------------
 */

/* MUST-30, MUST-62: URG set; SEG.SEQ + SEG.UP = octet after the urgent data. */
static void test_established_send_urgent_sets_urg_and_pointer(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 5, TCP_SEND_URGENT), 5);
	assert_nout(f, 1);
	assert_true(OUT(f, 0)->flags & TCP_FLAG_URG);
	assert_int_equal(OUT(f, 0)->seq.v + OUT(f, 0)->urp, L(5));
	fx_free(f);
}

/* MUST-31: urgent data longer than a segment: URG on each, pointer fixed. */
static void test_established_send_urgent_longer_than_segment(void **state)
{
	struct fx *f = est();

	(void)state;
	tcp_conn_set_nodelay(&f->c, true);
	assert_int_equal(fx_write(f, 2500, TCP_SEND_URGENT), 2500);
	assert_nout(f, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(OUT(f, i)->flags & TCP_FLAG_URG);
		assert_int_equal(OUT(f, i)->seq.v + OUT(f, i)->urp, L(2500));
	}
	fx_ack(f, L(2500), 65535);
	fx_clear(f);
	assert_int_equal(fx_write(f, 10, 0), 10);
	assert_false(OUT(f, 0)->flags & TCP_FLAG_URG);
	fx_free(f);
}

static struct tcp_verdict peer_urg(struct fx *f, uint32_t off, uint32_t n,
                                   uint16_t urp)
{
	struct tcp_seg s =
	    SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_URG,
	           .seq = SEQ(REMOTE_ISN + 1 + off), .ack = SEQ(fx_una(f)),
	           .urp = urp, .payload = pat + off, .payload_bytes = n);

	fx_stamp(f, &s);
	return fx_input(f, s);
}

/* MUST-32, MUST-33: the user learns of urgent data and how much is left. */
static void test_established_receive_urg_signals_and_counts(void **state)
{
	struct fx *f = est();
	struct tcp_status st;
	uint8_t got[10];

	(void)state;
	peer_urg(f, 0, 10, 4);
	tcp_conn_status(&f->c, &st);
	assert_true(st.urgent_signal);
	assert_int_equal(st.urgent_bytes, 4);
	assert_int_equal(app_read(f, got, 4), 4);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.urgent_bytes, 0);
	assert_false(st.urgent_signal);
	fx_free(f);
}

/*
 * MUST-31 receive side, 3.10.7.4 sixth: a pointer beyond the segment holds;
 * a lower pointer does not move it back.
 */
static void test_established_receive_urg_longer_than_segment(void **state)
{
	struct fx *f = est();
	struct tcp_status st;

	(void)state;
	peer_urg(f, 0, 100, 250);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(st.urgent_bytes, 250);
	peer_urg(f, 100, 100, 150);
	peer_urg(f, 200, 100, 10);
	tcp_conn_status(&f->c, &st);
	assert_int_equal(f->c.rcv_up.v, REMOTE_ISN + 1 + 250);
	assert_int_equal(st.urgent_bytes, 250);
	assert_int_equal(st.bytes_readable, 300);
	fx_free(f);
}

/* ---- ESTABLISHED: window scale and MSS ------------------------------------
 */

/* RFC 7323 2.3: windows we send are shifted, windows we get are scaled. */
static void test_established_ws_windows_shifted_both_ways(void **state)
{
	struct fx *f = est_opts(TCP_OPTF_MSS | TCP_OPTF_WS, 1000, 2);

	(void)state;
	assert_true(f->c.fl & TCP_CF_WS);
	assert_int_equal(f->c.rcv_wscale, f->cfg.wscale_shift);
	peer(f, 0, 100);
	f->peer_nxt += 100;
	fx_run_until_output(f, SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->wnd, (FX_RX_BYTES - 100) >> 7);
	fx_ack(f, L(0), 100);
	assert_int_equal(f->c.snd_wnd, 400);
	fx_free(f);
}

/* MUST-1: the window field is unsigned (and 32-bit once scaled). */
static void test_established_window_field_unsigned(void **state)
{
	struct fx *f = est();
	struct fx *g = est_opts(TCP_OPTF_MSS | TCP_OPTF_WS, 1000, 14);

	(void)state;
	fx_ack(f, L(0), 40000);
	assert_int_equal(f->c.snd_wnd, 40000);
	fx_ack(f, L(0), 65535);
	assert_int_equal(f->c.snd_wnd, 65535);
	fx_ack(g, L(0), 0xFFFF);
	assert_int_equal(g->c.snd_wnd, 0xFFFFu << 14);
	fx_free(f);
	fx_free(g);
}

/* MUST-16, RFC 6691: with TSopt each segment carries 12 bytes less data. */
static void test_established_ts_segments_12_bytes_shorter(void **state)
{
	struct fx *f = est_opts(TCP_OPTF_MSS | TCP_OPTF_TS, 1000, 0);

	(void)state;
	assert_int_equal(fx_write(f, 3000, 0), 3000);
	assert_true(f->out.n >= 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(OUT(f, i)->payload_bytes, 988);
	assert_true(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	fx_free(f);
}

/* MUST-15: without an MSS option the send MSS is 536 (IPv4). */
static void test_established_no_mss_option_segments_536(void **state)
{
	struct fx *f = est_opts(0, 0, 0);

	(void)state;
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	assert_true(f->out.n >= 3);
	assert_int_equal(OUT(f, 0)->payload_bytes, 536);
	assert_int_equal(OUT(f, 1)->payload_bytes, 536);
	fx_free(f);
}

/*
 * SHLD-19, RFC 5681 4.2: "full-sized" is what the peer sends, not our MSS:
 * a peer with MSS 1000 gets an ACK for every second 1000-byte segment.
 */
static void test_established_two_peer_mss_segments_acked_at_once(void **state)
{
	struct fx *f = est();

	(void)state;
	peer(f, 0, FX_MSS);
	assert_no_output(f);
	peer(f, FX_MSS, FX_MSS);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->ack.v, REMOTE_ISN + 1 + 2 * FX_MSS);
	fx_free(f);
}

/*
 * SHLD-31: two held blocks of different sizes. Filling the first gap
 * merges the first block; the second stays where it was in sequence space
 * and is merged when its own gap is filled.
 */
static void test_established_two_holes_filled_in_turn(void **state)
{
	struct fx *f = est();
	uint8_t got[64];

	(void)state;
	peer(f, 5, 15);
	peer(f, 30, 10);
	assert_int_equal(f->c.reasm.n, 2);
	peer(f, 0, 5);
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 20);
	peer(f, 20, 10);
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 40);
	assert_int_equal(f->c.reasm.n, 0);
	assert_int_equal(app_read(f, got, sizeof(got)), 40);
	assert_memory_equal(got, pat, 40);
	fx_free(f);
}

/*
 * MUST-30, MUST-31, RFC 9293 3.10.7.4 sixth: RCV.UP <- max(RCV.UP,
 * SEG.UP). A retransmission whose urgent pointer ends exactly at RCV.NXT
 * (the old octets trimmed) still names unread urgent data: signalled.
 */
static void test_established_urg_pointer_at_rcv_nxt_after_trim(void **state)
{
	struct fx *f = est();
	struct tcp_status st;

	(void)state;
	peer(f, 0, 10);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_URG,
	                   .seq = SEQ(REMOTE_ISN + 1 + 5), .ack = SEQ(L(0)),
	                   .urp = 5, .payload = pat + 5, .payload_bytes = 10));
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 15);
	tcp_conn_status(&f->c, &st);
	assert_true(st.urgent_signal);
	assert_int_equal(st.urgent_bytes, 10);
	fx_free(f);
}

/*
 * SHLD-7 with MUST-38: RFC 9293 3.8.6.2.1 rule (3), "[SND.NXT = SND.UNA
 * and] min(D,U) >= Fs * Max(SND.WND)": with Nagle on, half the peer's
 * largest window is a reason to send a short segment only when nothing is
 * in flight. Peer window 1800 (< 2 MSS): 950 octets wait for the ACK.
 */
static void
test_established_nagle_half_window_waits_while_in_flight(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	for (uint32_t i = 0; i < sizeof(pat); i++)
		pat[i] = fx_pattern(i);
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                   .wnd = 1800,
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 1), .ack = SEQ(L(0)),
	                   .wnd = 1800));
	assert_state(f, TCP_ESTABLISHED);
	fx_clear(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_nout(f, 1);
	fx_clear(f);
	assert_int_equal(tcp_conn_send(&f->c, &f->env, f->now_us, pat + 100,
	                               950, 0, &f->out),
	                 950);
	assert_no_output(f);
	fx_ack(f, L(100), 1800);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->seq.v, L(100));
	assert_int_equal(OUT(f, 0)->payload_bytes, 950);
	fx_free(f);
}

/*
 * SHLD-31 (checklist td_fin_out_of_order): a FIN beyond a hole is held
 * with the text before it, and draws a duplicate ACK (RFC 5681 4.2). When
 * the hole fills, RCV.NXT covers the text and the FIN, the ACK says so,
 * and the user reads the text, then the end of the stream (E052).
 */
static void test_established_fin_beyond_hole_held_until_gap_filled(void **state)
{
	struct fx *f = est();
	uint8_t got[64];
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                    .seq = SEQ(REMOTE_ISN + 1 + 10), .ack = SEQ(L(0)),
	                    .payload = pat + 10, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1);
	peer(f, 0, 10);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 1 + 21);
	assert_int_equal(app_read(f, got, sizeof(got)), 20);
	assert_memory_equal(got, pat, 20);
	assert_int_equal(app_read(f, got, sizeof(got)), 0);
	fx_free(f);
}

/* The same for a FIN alone beyond the hole, in FIN-WAIT-2 (E070). */
static void test_fin_wait_2_bare_fin_beyond_hole_held(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 1), .ack = SEQ(L(1))));
	assert_state(f, TCP_FIN_WAIT_2);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
	                   .seq = SEQ(REMOTE_ISN + 1 + 10), .ack = SEQ(L(1))));
	assert_state(f, TCP_FIN_WAIT_2);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(1), REMOTE_ISN + 1);
	fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 1), .ack = SEQ(L(1)),
	                   .payload = pat, .payload_bytes = 10));
	assert_state(f, TCP_TIME_WAIT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(1), REMOTE_ISN + 1 + 11);
	fx_free(f);
}

/*
 * MUST-30, MUST-62: urgent mode ends when the ACK reaches the urgent
 * pointer (SEG.ACK >= SND.UP): later data goes without URG.
 */
static void test_established_urgent_acked_then_data_without_urg(void **state)
{
	struct fx *f = est();

	(void)state;
	assert_int_equal(fx_write(f, 5, TCP_SEND_URGENT), 5);
	assert_true(OUT(f, 0)->flags & TCP_FLAG_URG);
	fx_ack(f, L(5), 65535);
	fx_clear(f);
	assert_int_equal(fx_write(f, 5, 0), 5);
	assert_nout(f, 1);
	assert_false(OUT(f, 0)->flags & TCP_FLAG_URG);
	fx_free(f);
}

/*
 * SHLD-18, RFC 9293 3.10.7.4 seventh: the ACK "should be piggybacked on a
 * segment being transmitted". Once it rode on our data, the delayed-ACK
 * timer is cancelled: no extra pure ACK follows.
 */
static void test_established_piggybacked_ack_cancels_delayed_ack(void **state)
{
	struct fx *f = est();

	(void)state;
	peer(f, 0, 500);
	assert_no_output(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->ack.v, REMOTE_ISN + 501);
	fx_clear(f);
	fx_advance(f, f->cfg.delack_us + 1);
	assert_no_output(f);
	fx_free(f);
}

/*
 * RFC 9293 3.8.6 / MUST-34: the FIN occupies one octet of sequence space
 * and must fit the peer's window. Window 100, 100 octets and CLOSE: the
 * text goes now, the FIN once the window opens.
 */
static void test_established_fin_waits_for_window_room(void **state)
{
	struct fx *f = est();

	(void)state;
	fx_ack(f, L(0), 100);
	fx_clear(f);
	assert_int_equal(fx_write(f, 100, 0), 100);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	assert_false(OUT(f, 0)->flags & TCP_FLAG_FIN);
	fx_ack(f, L(100), 100);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_FIN, L(100),
	           REMOTE_ISN + 1);
	fx_free(f);
}

/*
 * MUST-40, SHLD-18: the ACK delay is counted from the first unacknowledged
 * segment; a second small segment does not push the deadline back.
 */
static void test_established_delayed_ack_deadline_not_pushed_back(void **state)
{
	struct fx *f = est();

	(void)state;
	peer(f, 0, 100);
	fx_advance(f, f->cfg.delack_us / 2);
	peer(f, 100, 50); /* 150 octets: less than two "full" segments */
	assert_no_output(f);
	assert_int_equal(fx_run_until_output(f, SEC), f->cfg.delack_us / 2);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, L(0), REMOTE_ISN + 151);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_established_out_of_order_held_dup_ack_then_gap_fill),
		cmocka_unit_test(
		    test_established_overlapping_segments_reassembled),
		cmocka_unit_test(
		    test_established_reassembly_full_drops_with_ack),
		cmocka_unit_test(test_established_data_across_seq_wrap),
		cmocka_unit_test(
		    test_established_sack_ts_first_block_most_recent_max_3),
		cmocka_unit_test(test_established_sack_no_ts_four_blocks),
		cmocka_unit_test(test_established_no_sackok_no_sack_blocks),
		cmocka_unit_test(
		    test_established_one_segment_ack_delayed_below_500ms),
		cmocka_unit_test(
		    test_established_two_full_segments_acked_at_once),
		cmocka_unit_test(
		    test_established_ts_two_full_segments_acked_at_once),
		cmocka_unit_test(
		    test_established_small_writes_nagle_held_until_ack),
		cmocka_unit_test(
		    test_established_nodelay_small_writes_sent_at_once),
		cmocka_unit_test(
		    test_established_bulk_write_full_segments_psh_last),
		cmocka_unit_test(
		    test_established_bulk_write_nagle_tail_psh_after_ack),
		cmocka_unit_test(
		    test_established_held_small_write_sent_by_override_timer),
		cmocka_unit_test(
		    test_established_app_reads_window_update_after_sizeable_step),
		cmocka_unit_test(
		    test_established_zero_rcv_window_probe_acked_window_0),
		cmocka_unit_test(
		    test_established_rcv_right_edge_never_moves_left),
		cmocka_unit_test(
		    test_established_send_urgent_sets_urg_and_pointer),
		cmocka_unit_test(
		    test_established_send_urgent_longer_than_segment),
		cmocka_unit_test(
		    test_established_receive_urg_signals_and_counts),
		cmocka_unit_test(
		    test_established_receive_urg_longer_than_segment),
		cmocka_unit_test(test_established_ws_windows_shifted_both_ways),
		cmocka_unit_test(test_established_window_field_unsigned),
		cmocka_unit_test(test_established_ts_segments_12_bytes_shorter),
		cmocka_unit_test(test_established_no_mss_option_segments_536),
		cmocka_unit_test(
		    test_established_two_peer_mss_segments_acked_at_once),
		cmocka_unit_test(test_established_two_holes_filled_in_turn),
		cmocka_unit_test(
		    test_established_urg_pointer_at_rcv_nxt_after_trim),
		cmocka_unit_test(
		    test_established_nagle_half_window_waits_while_in_flight),
		cmocka_unit_test(
		    test_established_fin_beyond_hole_held_until_gap_filled),
		cmocka_unit_test(test_fin_wait_2_bare_fin_beyond_hole_held),
		cmocka_unit_test(
		    test_established_urgent_acked_then_data_without_urg),
		cmocka_unit_test(
		    test_established_piggybacked_ack_cancels_delayed_ack),
		cmocka_unit_test(test_established_fin_waits_for_window_room),
		cmocka_unit_test(
		    test_established_delayed_ack_deadline_not_pushed_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
