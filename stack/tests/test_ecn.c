/* SPDX-License-Identifier: MIT
 *
 * ECN in the reference connection (RFC 9293 3.8.2 SHLD-8, RFC 3168 6.1):
 * negotiation by ECN-setup SYN and SYN,ACK in both roles (6.1.1), ECT(0)
 * on new data only (6.1.2, 6.1.4-6.1.6), the receiver's ECE until CWR
 * (6.1.3), the sender's once-per-window reduction with CWR (6.1.2), the
 * 1-MSS timer rule, and the TOS byte: the DSCP the user set, the ECN field
 * TCP's own (MUST-48, SHLD-22). Last, the table: the IP header's ECN field
 * reaches the connection, and a SYN,ACK leaves with the listener's TOS and
 * TTL.
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "tcpref/stack.h"
#include "tcpref/wire.h"

#define MS 1000ull
#define SEC 1000000ull
#define L(x) (LOCAL_ISN + 1u + (uint32_t)(x))  /* our stream offset x */
#define R(x) (REMOTE_ISN + 1u + (uint32_t)(x)) /* the peer's offset x */
#define ECE TCP_FLAG_ECE
#define CWR TCP_FLAG_CWR
#define ACK TCP_FLAG_ACK
#define PSH TCP_FLAG_PSH
#define SYN TCP_FLAG_SYN

static const uint8_t text[1000];

/* The ECN field of output segment i. */
static unsigned ecn_of(const struct fx *f, uint32_t i)
{
	return f->out.segs[i].ip.tos & TCP_ECN_MASK;
}

/* LISTEN, then a SYN with these flags (MSS FX_MSS): the SYN,ACK is out. */
static struct fx *syn_rcvd(enum tcp_ecn_mode mode, uint16_t syn_flags)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	f->cfg.ecn = (uint8_t)mode;
	fx_listen(f);
	fx_input(f, SEG_IN(.flags = syn_flags, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_nout(f, 1);
	f->peer_nxt = REMOTE_ISN + 1;
	return f;
}

/* ESTABLISHED by a passive open after an ECN-setup SYN: ECN in use. */
static struct fx *est_ecn(void)
{
	struct fx *f = syn_rcvd(TCP_ECN_MODE_ACCEPT, SYN | ECE | CWR);

	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(L(0))));
	assert_state(f, TCP_ESTABLISHED);
	assert_true(f->c.fl & TCP_CF_ECN);
	fx_clear(f);
	return f;
}

/* Active OPEN in 'mode'; returns with the SYN in the output. */
static struct fx *syn_sent(enum tcp_ecn_mode mode)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	f->cfg.ecn = (uint8_t)mode;
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 0);
	assert_nout(f, 1);
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT); /* 6.1.1 */
	return f;
}

/* The SYN,ACK with these flags (SYN and ACK added) arrives in SYN-SENT. */
static void synack(struct fx *f, uint16_t flags)
{
	fx_input(f, SEG_IN(.flags = SYN | ACK | flags, .seq = SEQ(REMOTE_ISN),
	                   .ack = SEQ(L(0)),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_ESTABLISHED);
	f->peer_nxt = REMOTE_ISN + 1;
}

/* Writes 1000 bytes; the one segment that leaves has this ECN field. */
static void write_one(struct fx *f, unsigned ecn, uint16_t flags)
{
	fx_clear(f);
	assert_int_equal(fx_write(f, 1000, 0), 1000);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 1000);
	assert_int_equal(OUT(f, 0)->flags, flags);
	assert_int_equal(ecn_of(f, 0), ecn);
}

/* Peer text of n bytes at its offset off, with an IP ECN field. */
static struct tcp_verdict peer_text(struct fx *f, uint32_t off, uint32_t n,
                                    uint8_t ecn, uint16_t flags)
{
	return fx_input(f,
	                SEG_IN(.flags = ACK | PSH | flags, .seq = SEQ(R(off)),
	                       .ack = SEQ(fx_una(f)), .payload = text,
	                       .payload_bytes = n, .ecn = ecn));
}

/* ---- Negotiation (6.1.1) ------------------------------------------------- */

/* An ECN-setup SYN (ECE, CWR) gets an ECN-setup SYN,ACK: ECE alone. */
static void test_listen_ecn_setup_syn_synack_ece_only(void **state)
{
	struct fx *f = syn_rcvd(TCP_ECN_MODE_ACCEPT, SYN | ECE | CWR);

	(void)state;
	assert_seg(OUT(f, 0), SYN | ACK | ECE, LOCAL_ISN, REMOTE_ISN + 1);
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT); /* never ECT */
	assert_true(f->c.fl & TCP_CF_ECN);
	/* Its retransmission is the same ECN-setup SYN,ACK. */
	assert_true(fx_run_until_output(f, 2 * SEC) <= 2 * SEC);
	assert_seg(OUT(f, 0), SYN | ACK | ECE, LOCAL_ISN, REMOTE_ISN + 1);
	fx_free(f);
}

/* A SYN with only one of the two flags is no ECN-setup SYN. */
static void test_listen_syn_ece_or_cwr_alone_plain_synack(void **state)
{
	static const uint16_t one[] = { ECE, CWR };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct fx *f = syn_rcvd(TCP_ECN_MODE_ON, SYN | one[i]);

		assert_seg(OUT(f, 0), SYN | ACK, LOCAL_ISN, REMOTE_ISN + 1);
		assert_false(f->c.fl & (TCP_CF_ECN | TCP_CF_ECN_SYN));
		fx_free(f);
	}
}

/* The SYN again without ECE and CWR (the peer's fallback after a lost
 * SYN,ACK): no ECT on our data (6.1.1 SHOULD NOT). */
static void test_synrcvd_plain_syn_again_no_ect(void **state)
{
	struct fx *f = syn_rcvd(TCP_ECN_MODE_ACCEPT, SYN | ECE | CWR);

	(void)state;
	fx_input(f, SEG_IN(.flags = SYN, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_true(f->c.fl & TCP_CF_ECN_NO_ECT);
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(L(0))));
	assert_state(f, TCP_ESTABLISHED);
	write_one(f, TCP_ECN_NOT_ECT, ACK | PSH);
	fx_free(f);
}

/* ECN off: the same SYN gets a plain SYN,ACK and data stays Not-ECT. */
static void test_listen_ecn_off_plain_synack_not_ect(void **state)
{
	struct fx *f = syn_rcvd(TCP_ECN_MODE_OFF, SYN | ECE | CWR);

	(void)state;
	assert_seg(OUT(f, 0), SYN | ACK, LOCAL_ISN, REMOTE_ISN + 1);
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(L(0))));
	write_one(f, TCP_ECN_NOT_ECT, ACK | PSH);
	fx_free(f);
}

/* The legacy profile has no ECN; the default ones accept it. */
static void test_profiles_ecn_modes(void **state)
{
	struct tcp_cfg c;

	(void)state;
	tcp_cfg_init(&c, TCP_PROFILE_DEFAULT);
	assert_int_equal(c.ecn, TCP_ECN_MODE_ACCEPT);
	tcp_cfg_init(&c, TCP_PROFILE_RFC5961);
	assert_int_equal(c.ecn, TCP_ECN_MODE_ACCEPT);
	tcp_cfg_init(&c, TCP_PROFILE_LEGACY);
	assert_int_equal(c.ecn, TCP_ECN_MODE_OFF);
}

/* ON asks with an ECN-setup SYN; an ECN-setup SYN,ACK turns ECN on. */
static void test_synsent_ecn_on_setup_syn_and_synack(void **state)
{
	struct fx *f = syn_sent(TCP_ECN_MODE_ON);

	(void)state;
	assert_seg(OUT(f, 0), SYN | ECE | CWR, LOCAL_ISN, 0);
	synack(f, ECE);
	assert_true(f->c.fl & TCP_CF_ECN);
	/* The ACK of the SYN,ACK is a pure ACK: Not-ECT, no ECE or CWR. */
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), ACK, L(0), R(0));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	fx_free(f);
}

/* A SYN,ACK with ECE and CWR reflects our flags: no ECN. */
static void test_synsent_synack_ece_cwr_is_no_ecn_setup(void **state)
{
	static const uint16_t fl[] = { ECE | CWR, 0, CWR };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct fx *f = syn_sent(TCP_ECN_MODE_ON);

		synack(f, fl[i]);
		assert_false(f->c.fl & TCP_CF_ECN);
		write_one(f, TCP_ECN_NOT_ECT, ACK | PSH);
		fx_free(f);
	}
}

/* ACCEPT never asks, and an ECN-setup SYN,ACK nobody asked for is ignored:
 * no ECT without an ECN-setup SYN sent (6.1.1). */
static void test_synsent_accept_unasked_synack_ece_ignored(void **state)
{
	struct fx *f = syn_sent(TCP_ECN_MODE_ACCEPT);

	(void)state;
	assert_seg(OUT(f, 0), SYN, LOCAL_ISN, 0);
	synack(f, ECE);
	assert_false(f->c.fl & TCP_CF_ECN);
	write_one(f, TCP_ECN_NOT_ECT, ACK | PSH);
	fx_free(f);
}

/* 6.1.1.1: the retransmitted SYN is plain, and ECN is then off for good. */
static void test_synsent_syn_retransmitted_without_ecn(void **state)
{
	struct fx *f = syn_sent(TCP_ECN_MODE_ON);

	(void)state;
	assert_true(fx_run_until_output(f, 2 * SEC) <= 2 * SEC);
	assert_seg(OUT(f, 0), SYN, LOCAL_ISN, 0);
	synack(f, ECE);
	assert_false(f->c.fl & TCP_CF_ECN);
	write_one(f, TCP_ECN_NOT_ECT, ACK | PSH);
	fx_free(f);
}

/* Simultaneous open: both SYNs ECN-setup; our SYN,ACK is ECN-setup. */
static void test_synsent_simultaneous_open_ecn(void **state)
{
	struct fx *f = syn_sent(TCP_ECN_MODE_ON);

	(void)state;
	fx_input(f, SEG_IN(.flags = SYN | ECE | CWR, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_state(f, TCP_SYN_RECEIVED);
	assert_seg(OUT(f, 0), SYN | ACK | ECE, LOCAL_ISN, REMOTE_ISN + 1);
	assert_true(f->c.fl & TCP_CF_ECN);
	fx_free(f);

	/* A plain SYN from the peer: plain SYN,ACK, no ECN. */
	f = syn_sent(TCP_ECN_MODE_ON);
	fx_input(f, SEG_IN(.flags = SYN, .seq = SEQ(REMOTE_ISN),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }));
	assert_seg(OUT(f, 0), SYN | ACK, LOCAL_ISN, REMOTE_ISN + 1);
	assert_false(f->c.fl & TCP_CF_ECN);
	fx_free(f);
}

/* ---- Sender: which segments are ECT (6.1.2, 6.1.4-6.1.6) ----------------- */

/* New data ECT(0); the FIN alone and the ACK of peer data Not-ECT. */
static void test_established_new_data_ect0_acks_and_fin_not(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	fx_ack(f, L(1000), 65535);
	/* Peer data: two full segments draw an ACK at once, Not-ECT. */
	peer_text(f, 0, 1000, TCP_ECN_ECT0, 0);
	peer_text(f, 1000, 1000, TCP_ECN_ECT0, 0);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), ACK, L(1000), R(2000));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	fx_clear(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_FIN | ACK, L(1000), R(2000));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	fx_free(f);
}

/* 6.1.5: a retransmission is Not-ECT without CWR; the timeout was a
 * reduction, so the next new data carries CWR (6.1.2), once. */
static void test_established_rto_retransmission_not_ect_then_cwr(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	assert_true(fx_run_until_output(f, 2 * SEC) <= 2 * SEC);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), ACK | PSH, L(0), R(0));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	fx_ack(f, L(1000), 65535);
	write_one(f, TCP_ECN_ECT0, ACK | PSH | CWR);
	fx_ack(f, L(2000), 65535);
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	fx_free(f);
}

/* 6.1.6: a zero-window probe carries new data but is Not-ECT. */
static void test_established_window_probe_not_ect(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	fx_ack(f, L(1000), 0);
	assert_int_equal(fx_write(f, 1000, 0), 1000);
	assert_no_output(f);
	assert_true(fx_run_until_output(f, 2 * SEC) <= 2 * SEC);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 1);
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	assert_false(OUT(f, 0)->flags & CWR);
	fx_free(f);
}

/* MUST-48, SHLD-22: the DSCP the user set is kept on every segment; the
 * ECN field is TCP's whatever the user wrote into it. */
static void test_established_tos_dscp_kept_ecn_field_tcps(void **state)
{
	struct fx *f = est_ecn();
	struct tcp_ip_out ip = f->c.ip;

	(void)state;
	ip.tos = 0xb9; /* EF with ECT(1) in the ECN bits */
	tcp_conn_set_ip(&f->c, &ip);
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	assert_int_equal(f->out.segs[0].ip.tos, 0xba);
	peer_text(f, 0, 1000, TCP_ECN_NOT_ECT, 0);
	peer_text(f, 1000, 1000, TCP_ECN_NOT_ECT, 0);
	assert_nout(f, 1);
	assert_int_equal(f->out.segs[0].ip.tos, 0xb8);
	fx_free(f);
}

/* ---- Receiver: ECE until CWR (6.1.3, 6.1.5) ------------------------------ */

static void test_established_ce_echoed_until_cwr(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	/* CE on a data segment: the (delayed) ACK carries ECE. */
	peer_text(f, 0, 1000, TCP_ECN_CE, 0);
	assert_no_output(f);
	assert_true(fx_run_until_output(f, 500 * MS) <= 200 * MS);
	assert_seg(OUT(f, 0), ACK | ECE, L(0), R(1000));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	/* Later ACKs repeat it, for unmarked data too. */
	peer_text(f, 1000, 1000, TCP_ECN_ECT0, 0);
	assert_true(fx_run_until_output(f, 500 * MS) <= 200 * MS);
	assert_seg(OUT(f, 0), ACK | ECE, L(0), R(2000));
	/* Our own data carries it too. */
	write_one(f, TCP_ECN_ECT0, ACK | PSH | ECE);
	/* The peer's CWR ends it. */
	peer_text(f, 2000, 1000, TCP_ECN_ECT0, CWR);
	assert_true(fx_run_until_output(f, 500 * MS) <= 200 * MS);
	assert_seg(OUT(f, 0), ACK, L(1000), R(3000));
	/* A CWR segment that is itself CE starts it again. */
	peer_text(f, 3000, 1000, TCP_ECN_CE, CWR);
	assert_true(fx_run_until_output(f, 500 * MS) <= 200 * MS);
	assert_seg(OUT(f, 0), ACK | ECE, L(1000), R(4000));
	fx_free(f);
}

/* 6.1.5: CE on a segment outside the window is ignored. */
static void test_established_ce_out_of_window_ignored(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	peer_text(f, 100000, 1000, TCP_ECN_CE, 0);
	assert_nout(f, 1); /* the ACK of 3.10.7.4 first */
	assert_seg(OUT(f, 0), ACK, L(0), R(0));
	peer_text(f, 0, 1000, TCP_ECN_NOT_ECT, 0);
	assert_true(fx_run_until_output(f, 500 * MS) <= 200 * MS);
	assert_seg(OUT(f, 0), ACK, L(0), R(1000));
	fx_free(f);
}

/* Without ECN in use, CE means nothing (6.1.1). */
static void test_established_no_ecn_ce_not_echoed(void **state)
{
	struct fx *f = syn_rcvd(TCP_ECN_MODE_ACCEPT, SYN);

	(void)state;
	fx_input(f, SEG_IN(.seq = SEQ(f->peer_nxt), .ack = SEQ(L(0))));
	peer_text(f, 0, 1000, TCP_ECN_CE, 0);
	assert_true(fx_run_until_output(f, 500 * MS) <= 200 * MS);
	assert_seg(OUT(f, 0), ACK, L(0), R(1000));
	fx_free(f);
}

/* ---- Sender: the response to ECE (6.1.2) --------------------------------- */

/* Four segments out (IW 4 at SMSS 1000), one ACK of all with ECE: cwnd
 * halved to 2000 and not grown, ssthresh 2000, CWR on the first new data
 * segment only. */
static void test_established_ece_halves_cwnd_cwr_on_next_data(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	assert_int_equal(fx_write(f, 4000, 0), 4000);
	assert_nout(f, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(ecn_of(f, i), TCP_ECN_ECT0);
	assert_int_equal(f->c.cwnd, 4000);
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(4000))));
	assert_int_equal(f->c.cwnd, 2000);
	assert_int_equal(f->c.ssthresh, 2000);
	assert_true(f->c.fl & TCP_CF_CWR_SEND);
	fx_clear(f);
	assert_int_equal(fx_write(f, 4000, 0), 4000);
	assert_nout(f, 2);
	assert_seg(OUT(f, 0), ACK | CWR, L(4000), R(0));
	assert_seg(OUT(f, 1), ACK, L(5000), R(0));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_ECT0);
	assert_int_equal(ecn_of(f, 1), TCP_ECN_ECT0);
	fx_free(f);
}

/* ECE for data of the window already reduced for is no new signal; an
 * ECE that covers data sent after the reduction is. */
static void test_established_ece_once_per_window(void **state)
{
	struct fx *f = est_ecn();

	(void)state;
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	assert_nout(f, 2);
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(1000))));
	assert_int_equal(f->c.cwnd, 2000);
	write_one(f, TCP_ECN_ECT0, ACK | PSH | CWR);
	/* ECE again, acking only the old window (up to L(2000)). */
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(2000))));
	assert_int_equal(f->c.cwnd, 2000); /* neither halved nor grown */
	assert_false(f->c.fl & TCP_CF_CWR_SEND);
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	/* ECE acking the CWR segment: a new window, a new reduction. */
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(3000))));
	assert_int_equal(f->c.cwnd, 1000);
	assert_true(f->c.fl & TCP_CF_CWR_SEND);
	fx_free(f);
}

/* No reaction during loss recovery: fast retransmit was the reduction for
 * this window and queued CWR itself. */
static void test_established_fast_retransmit_queues_cwr(void **state)
{
	struct fx *f = est_ecn();
	uint32_t ss;

	(void)state;
	assert_int_equal(fx_write(f, 4000, 0), 4000);
	for (unsigned i = 0; i < 3; i++)
		fx_ack(f, L(0), 65535);
	assert_true(f->c.fl & TCP_CF_RECOVERY);
	assert_true(f->c.fl & TCP_CF_CWR_SEND);
	assert_nout(f, 1); /* the retransmission: Not-ECT, no CWR */
	assert_seg(OUT(f, 0), ACK, L(0), R(0));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_NOT_ECT);
	ss = f->c.ssthresh;
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(0))));
	assert_int_equal(f->c.ssthresh, ss);
	fx_free(f);
}

/* With cwnd at one SMSS an ECE restarts the retransmission timer, and no
 * new data leaves before it expires ("MUST reset the retransmit timer"). */
static void test_established_ece_at_one_smss_waits_for_timer(void **state)
{
	struct fx *f = est_ecn();
	uint64_t t0, waited;

	(void)state;
	write_one(f, TCP_ECN_ECT0, ACK | PSH);
	/* A timeout: cwnd is one SMSS, the ECN window starts anew after. */
	assert_true(fx_run_until_output(f, 2 * SEC) <= 2 * SEC);
	fx_ack(f, L(1000), 65535);
	assert_int_equal(f->c.cwnd, 2000); /* slow start from one SMSS */
	write_one(f, TCP_ECN_ECT0, ACK | PSH | CWR);
	f->c.cwnd = 1000; /* as if reduced again by a second timeout */
	t0 = f->now_us;
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(2000))));
	assert_true(f->c.fl & TCP_CF_ECN_WAIT);
	assert_int_equal(f->c.cwnd, 1000);
	assert_true(f->c.t_rtx == t0 + f->c.rto_us);
	fx_clear(f);
	assert_int_equal(fx_write(f, 1000, 0), 1000);
	assert_no_output(f);
	waited = fx_run_until_output(f, 10 * SEC);
	assert_int_equal(waited, f->c.rto_us);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), ACK | PSH | CWR, L(2000), R(0));
	assert_int_equal(ecn_of(f, 0), TCP_ECN_ECT0);
	assert_false(f->c.fl & TCP_CF_ECN_WAIT);
	fx_free(f);
}

/* The ACK of the rest of the flight does not end the wait early. */
static void test_established_ecn_wait_survives_full_ack(void **state)
{
	struct fx *f = est_ecn();
	uint64_t t0, waited;

	(void)state;
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	assert_nout(f, 2);
	f->c.cwnd = 1000; /* as if a timeout had left one SMSS */
	t0 = f->now_us;
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(1000))));
	assert_true(f->c.fl & TCP_CF_ECN_WAIT);
	f->now_us += 100 * MS;
	fx_ack(f, L(2000), 65535);
	assert_true(f->c.fl & TCP_CF_ECN_WAIT);
	assert_true(f->c.t_rtx == t0 + f->c.rto_us);
	fx_clear(f);
	assert_int_equal(fx_write(f, 1000, 0), 1000);
	assert_no_output(f);
	waited = fx_run_until_output(f, 10 * SEC);
	assert_int_equal(waited, f->c.rto_us - 100 * MS);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), ACK | PSH | CWR, L(2000), R(0));
	fx_free(f);
}

/* ECE is ignored on a connection without ECN. */
static void test_established_no_ecn_ece_ignored(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_established(f);
	assert_int_equal(fx_write(f, 2000, 0), 2000);
	fx_input(f, SEG_IN(.flags = ACK | ECE, .seq = SEQ(R(0)),
	                   .ack = SEQ(L(1000))));
	assert_int_equal(f->c.cwnd, 5000); /* slow start as usual */
	assert_false(f->c.fl & TCP_CF_CWR_SEND);
	fx_free(f);
}

/* ---- The table: ECN field in, listener's TOS and TTL out ----------------- */

#define SX_SLOTS 4
#define SX_BUF 8192

struct sx {
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_stack st;
	struct tcp_stack_slot slots[SX_SLOTS];
	uint8_t bufmem[SX_SLOTS * 2 * SX_BUF];
	struct tcp_out out;
	struct tcp_out_seg segs[16];
	uint8_t data[16 * 1500];
	struct tcp_addr me, peer;
};

static uint32_t sx_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	(void)ctx;
	(void)t;
	(void)now_us;
	return LOCAL_ISN;
}

static struct sx *sx_new(void)
{
	struct sx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	tcp_cfg_init(&x->cfg, TCP_PROFILE_DEFAULT);
	x->env.isn = sx_isn;
	assert_int_equal(tcp_stack_init(&x->st, &x->cfg, x->slots, SX_SLOTS,
	                                x->bufmem, SX_BUF, SX_BUF),
	                 0);
	tcp_out_init(&x->out, x->segs, 16, x->data, sizeof(x->data));
	tcp_addr_v4(&x->me, 192, 0, 2, 1);
	tcp_addr_v4(&x->peer, 192, 0, 2, 2);
	return x;
}

/* Sends the peer's segment as an IPv4 packet with this TOS octet. */
static void sx_packet(struct sx *x, struct tcp_seg seg, uint8_t tos)
{
	uint8_t pkt[1600];
	size_t n;

	n = tcp_seg_emit(&seg, &x->peer, &x->me, pkt + TCP_IP4_HDR_MIN,
	                 sizeof(pkt) - TCP_IP4_HDR_MIN);
	assert_true(n > 0);
	assert_int_equal(tcp_wire_ip_emit(&x->peer, &x->me, 64, tos, 1, n, pkt,
	                                  TCP_IP4_HDR_MIN),
	                 TCP_IP4_HDR_MIN);
	tcp_out_reset(&x->out);
	(void)tcp_stack_input_packet(&x->st, &x->env, 0, pkt,
	                             TCP_IP4_HDR_MIN + n, &x->out);
}

static void test_stack_synack_listener_tos_ttl_ce_reaches_conn(void **state)
{
	struct sx *x = sx_new();
	struct tcp_ip_out ip;
	int l;

	(void)state;
	l = tcp_stack_listen(&x->st, &x->env, 0, NULL, LOCAL_PORT, 4);
	assert_true(l >= 0);
	memset(&ip, 0, sizeof(ip));
	ip.tos = 0x28;
	ip.ttl = 9;
	tcp_conn_set_ip(tcp_stack_conn(&x->st, l), &ip);
	/* An ECN-setup SYN, itself Not-ECT. */
	sx_packet(x,
	          SEG_IN(.flags = SYN | ECE | CWR, .seq = SEQ(REMOTE_ISN),
	                 .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS }),
	          0);
	assert_int_equal(x->out.n, 1);
	assert_int_equal(x->segs[0].seg.flags, SYN | ACK | ECE);
	assert_int_equal(x->segs[0].ip.tos, 0x28); /* MUST-48 */
	assert_int_equal(x->segs[0].ip.ttl, 9);    /* MUST-49 */
	sx_packet(x, SEG_IN(.seq = SEQ(R(0)), .ack = SEQ(L(0))), 0);
	/* Two full segments, the second CE-marked in its IP header. */
	sx_packet(x,
	          SEG_IN(.seq = SEQ(R(0)), .ack = SEQ(L(0)), .payload = text,
	                 .payload_bytes = 1000),
	          0x28 | TCP_ECN_ECT0);
	sx_packet(x,
	          SEG_IN(.seq = SEQ(R(1000)), .ack = SEQ(L(0)), .payload = text,
	                 .payload_bytes = 1000),
	          0x28 | TCP_ECN_CE);
	assert_int_equal(x->out.n, 1);
	assert_int_equal(x->segs[0].seg.flags, ACK | ECE);
	assert_int_equal(x->segs[0].ip.tos, 0x28);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_ecn_setup_syn_synack_ece_only),
		cmocka_unit_test(test_listen_syn_ece_or_cwr_alone_plain_synack),
		cmocka_unit_test(test_synrcvd_plain_syn_again_no_ect),
		cmocka_unit_test(test_listen_ecn_off_plain_synack_not_ect),
		cmocka_unit_test(test_profiles_ecn_modes),
		cmocka_unit_test(test_synsent_ecn_on_setup_syn_and_synack),
		cmocka_unit_test(test_synsent_synack_ece_cwr_is_no_ecn_setup),
		cmocka_unit_test(
		    test_synsent_accept_unasked_synack_ece_ignored),
		cmocka_unit_test(test_synsent_syn_retransmitted_without_ecn),
		cmocka_unit_test(test_synsent_simultaneous_open_ecn),
		cmocka_unit_test(
		    test_established_new_data_ect0_acks_and_fin_not),
		cmocka_unit_test(
		    test_established_rto_retransmission_not_ect_then_cwr),
		cmocka_unit_test(test_established_window_probe_not_ect),
		cmocka_unit_test(test_established_tos_dscp_kept_ecn_field_tcps),
		cmocka_unit_test(test_established_ce_echoed_until_cwr),
		cmocka_unit_test(test_established_ce_out_of_window_ignored),
		cmocka_unit_test(test_established_no_ecn_ce_not_echoed),
		cmocka_unit_test(
		    test_established_ece_halves_cwnd_cwr_on_next_data),
		cmocka_unit_test(test_established_ece_once_per_window),
		cmocka_unit_test(test_established_fast_retransmit_queues_cwr),
		cmocka_unit_test(
		    test_established_ece_at_one_smss_waits_for_timer),
		cmocka_unit_test(test_established_ecn_wait_survives_full_ack),
		cmocka_unit_test(test_established_no_ecn_ece_ignored),
		cmocka_unit_test(
		    test_stack_synack_listener_tos_ttl_ce_reaches_conn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
