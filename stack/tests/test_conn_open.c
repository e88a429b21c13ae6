/* SPDX-License-Identifier: MIT
 *
 * Unit tests of the reference connection in CLOSED, LISTEN and SYN-SENT:
 * one test per state-machine edge of rfc9293-checklist.md 2.2 (E001-E024),
 * plus the user calls of checklist 2.4, option negotiation on the SYN and
 * SYN,ACK, SYN retransmission and timeout, and simultaneous open. RFC 9293
 * 3.10 is the oracle. States are reached through real transitions (R34).
 *
 * Not covered here, on purpose: E012 and E017 (`sec` kind). IP security /
 * compartment (RFC 9293 3.10.7.2 third, 3.10.7.3 third) is not implemented
 * by the reference, so there is no mismatch to provoke.
 */
#include "fixture.h"

#include <string.h>

#define SEC 1000000ull

/* The options every DEFAULT-profile SYN carries. */
#define OPTS_ALL (TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACKOK | TCP_OPTF_TS)

/* The SYN,ACK a peer sends in answer to our SYN, options as given. */
#define SYNACK_IN(...)                                                         \
	SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .seq = SEQ(REMOTE_ISN),   \
	       .ack = SEQ(LOCAL_ISN + 1), __VA_ARGS__)

static void assert_opts(const struct tcp_seg *s, uint8_t present)
{
	assert_int_equal(s->opts.present, present);
}

static struct tcp_status status_of(const struct fx *f)
{
	struct tcp_status st;

	tcp_conn_status(&f->c, &st);
	return st;
}

/* Payload sizes of the captured output, in order, into sizes[]. */
static unsigned out_sizes(const struct fx *f, uint32_t *sizes, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < f->out.n && n < max; i++)
		if (f->out.segs[i].seg.payload_bytes > 0)
			sizes[n++] = f->out.segs[i].seg.payload_bytes;
	return n;
}

static int send_bytes(struct fx *f, uint32_t n)
{
	static const uint8_t zero[4096];

	assert_true(n <= sizeof(zero));
	return tcp_conn_send(&f->c, &f->env, f->now_us, zero, n, 0, &f->out);
}

/* =========================================================================
 * CLOSED (RFC 9293 3.10.1, 3.10.7.1)
 * ========================================================================= */

/* E001, RFC 9293 3.10.1: passive OPEN enters LISTEN and sends nothing. */
static void test_closed_passive_open_enters_listen(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_tuple lt = f->tuple;

	(void)state;
	memset(&lt.raddr, 0, sizeof(lt.raddr));
	lt.rport = 0;
	assert_int_equal(tcp_conn_open_passive(&f->c, &f->env, f->now_us, &lt),
	                 0);
	assert_state(f, TCP_LISTEN);
	assert_no_output(f);
	assert_true(fx_saw_transition(f, TCP_CLOSED, TCP_LISTEN));
	assert_int_equal(f->trace[0].cause, TCP_CAUSE_USER_OPEN_PASSIVE);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/*
 * E002, RFC 9293 3.10.1: active OPEN sends <SEQ=ISS><CTL=SYN> and enters
 * SYN-SENT; SND.UNA = ISS, SND.NXT = ISS+1. The SYN carries MSS (MUST-14)
 * and, in the default profile, WS, SACK-permitted and TS (TSecr 0 without
 * ACK, RFC 7323 3.2). Its window field is never scaled (RFC 7323 2.2).
 */
static void test_closed_active_open_sends_syn(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	const struct tcp_seg *s;

	(void)state;
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 0);
	assert_state(f, TCP_SYN_SENT);
	assert_true(fx_saw_transition(f, TCP_CLOSED, TCP_SYN_SENT));
	assert_nout(f, 1);
	s = OUT(f, 0);
	assert_seg(s, TCP_FLAG_SYN, LOCAL_ISN, 0);
	assert_int_equal(s->ack.v, 0);
	assert_int_equal(s->sport, LOCAL_PORT);
	assert_int_equal(s->dport, REMOTE_PORT);
	assert_int_equal(s->payload_bytes, 0);
	assert_opts(s, OPTS_ALL);
	assert_int_equal(s->opts.mss, 1460);
	assert_int_equal(s->opts.ws_shift, 7);
	assert_int_equal(s->opts.tsval, f->now_us / 1000 + 1000);
	assert_int_equal(s->opts.tsecr, 0);
	/* The receive buffer is 8192: unscaled in the SYN, not 8192 >> 7. */
	assert_int_equal(s->wnd, FX_RX_BYTES);
	assert_seq_equal(fx_una(f), LOCAL_ISN);
	assert_seq_equal(fx_nxt(f), LOCAL_ISN + 1);
	/* RFC 6298 2.1: the first retransmission after 1 s. */
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), f->now_us + SEC);
	fx_free(f);
}

/* E002 (legacy profile): RFC 793 options only, MSS still sent (MUST-14). */
static void test_closed_active_open_legacy_sends_syn_with_mss_only(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);

	(void)state;
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 0);
	assert_state(f, TCP_SYN_SENT);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
	assert_opts(OUT(f, 0), TCP_OPTF_MSS);
	assert_int_equal(OUT(f, 0)->opts.mss, 1460);
	assert_int_equal(OUT(f, 0)->wnd, FX_RX_BYTES);
	fx_free(f);
}

/*
 * RFC 9293 3.7.1 and RFC 6691: the MSS we send is the MTU less the fixed
 * IPv6 and TCP headers (60); without an MSS option an IPv6 peer is assumed
 * to take 1220 (MUST-15).
 */
static void test_closed_active_open_ipv6_mss_from_mtu(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);

	(void)state;
	memset(&f->tuple.laddr, 0, sizeof(f->tuple.laddr));
	memset(&f->tuple.raddr, 0, sizeof(f->tuple.raddr));
	f->tuple.laddr.family = f->tuple.raddr.family = TCP_AF_INET6;
	f->tuple.laddr.a[0] = f->tuple.raddr.a[0] = 0x20;
	f->tuple.laddr.a[1] = f->tuple.raddr.a[1] = 0x01;
	f->tuple.laddr.a[15] = 1;
	f->tuple.raddr.a[15] = 2;
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 0);
	assert_state(f, TCP_SYN_SENT);
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->opts.mss, 1500 - 60);
	fx_input(f, SYNACK_IN(.opts = { .present = 0 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(status_of(f).snd_mss, 1220);
	fx_free(f);
}

/*
 * E003, RFC 9293 3.10.7.1: a segment without RST and without ACK reaching
 * no connection draws <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SEG.LEN
 * counts the SYN and the text.
 */
static void test_closed_syn_without_ack_gets_rst_ack(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	static const uint8_t text[10] = "0123456789";
	struct tcp_verdict v;
	unsigned mark = fx_mark(f);

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                       .payload = text, .payload_bytes = 10));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	/* REMOTE_ISN + 1 + 10 wraps past 2^32. */
	assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0, REMOTE_ISN + 11);
	assert_int_equal(OUT(f, 0)->sport, LOCAL_PORT);
	assert_int_equal(OUT(f, 0)->dport, REMOTE_PORT);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	assert_true(fx_saw_drop_since(f, mark, TCP_WHY_CLOSED_NO_TCB));
	fx_free(f);
}

/* E003, RFC 9293 3.10.7.1: a bare FIN counts one octet in SEG.LEN. */
static void test_closed_fin_without_ack_gets_rst_ack(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_FIN, .seq = SEQ(0xFFFFFFFFu)));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0);
	fx_free(f);
}

/* E004, RFC 9293 3.10.7.1: with ACK on, the reset is <SEQ=SEG.ACK><CTL=RST>. */
static void test_closed_ack_gets_rst_from_seg_ack(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	static const uint8_t text[3] = "abc";
	struct tcp_verdict v;
	unsigned mark = fx_mark(f);

	(void)state;
	v = fx_input(f, SEG_IN(.seq = SEQ(1234), .ack = SEQ(0xFFFFFFFEu),
	                       .payload = text, .payload_bytes = 3));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, 0xFFFFFFFEu, 0);
	assert_int_equal(OUT(f, 0)->ack.v, 0);
	assert_int_equal(fx_transitions_since(f, mark), 0);

	/* A SYN,ACK is ACK-bearing too. */
	v = fx_input(f, SYNACK_IN());
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, LOCAL_ISN + 1, 0);
	fx_free(f);
}

/* E005, RFC 9293 3.10.7.1: "An incoming segment containing a RST is discarded."
 */
static void test_closed_rst_discarded(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned mark = fx_mark(f);

	(void)state;
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST, .seq = SEQ(7)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_CLOSED_RST);
	assert_no_output(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
	                       .seq = SEQ(7), .ack = SEQ(9)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_CLOSED_RST);
	assert_no_output(f);
	assert_state(f, TCP_CLOSED);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	fx_free(f);
}

/*
 * E004 after a connection ended: an ABORTed SYN-SENT connection is CLOSED
 * and answers the late SYN,ACK with <SEQ=SEG.ACK><CTL=RST> (3.10.7.1).
 */
static void test_closed_after_abort_late_syn_ack_gets_rst(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;

	(void)state;
	fx_syn_sent(f);
	assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us, &f->out), 0);
	v = fx_input(f, SYNACK_IN());
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_CLOSED_NO_TCB);
	assert_state(f, TCP_CLOSED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, LOCAL_ISN + 1, 0);
	fx_free(f);
}

/* ---- CLOSED: user calls (checklist 2.4, RFC 9293 3.10.2-3.10.5) --------- */

/* 3.10.2-3.10.5 CLOSED: SEND, RECEIVE, CLOSE, ABORT: "connection does not
 * exist". */
static void test_closed_user_calls_fail_enotconn(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint8_t buf[4];
	unsigned mark = fx_mark(f);

	(void)state;
	assert_int_equal(send_bytes(f, 4), TCP_ENOTCONN);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf, 4,
	                               &f->out),
	                 TCP_ENOTCONN);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 TCP_ENOTCONN);
	assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us, &f->out),
	                 TCP_ENOTCONN);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	assert_int_equal(status_of(f).state, TCP_CLOSED);
	fx_free(f);
}

/*
 * MUST-46 (RFC 9293 3.9.1.1 / 3.10.1): an active OPEN to a broadcast or
 * multicast address is rejected; so is an unspecified remote socket
 * ("error: remote socket unspecified"). The failed call has no effect.
 */
static void test_closed_active_open_non_unicast_rejected(void **state)
{
	static const uint8_t v4[][4] = {
		{ 224, 0, 0, 1 },       /* multicast */
		{ 239, 255, 255, 250 }, /* multicast */
		{ 255, 255, 255, 255 }, /* limited broadcast */
		{ 0, 0, 0, 0 },         /* unspecified */
	};
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_tuple t;
	unsigned i;

	(void)state;
	for (i = 0; i < TCP_ARRAY_LEN(v4); i++) {
		t = f->tuple;
		tcp_addr_v4(&t.raddr, v4[i][0], v4[i][1], v4[i][2], v4[i][3]);
		assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
		                                      &t, &f->out),
		                 TCP_EADDRNOTAVAIL);
	}
	/* IPv6 multicast ff02::1 and the unspecified ::. */
	t = f->tuple;
	memset(&t.raddr, 0, sizeof(t.raddr));
	memset(&t.laddr, 0, sizeof(t.laddr));
	t.laddr.family = t.raddr.family = TCP_AF_INET6;
	t.laddr.a[0] = 0x20;
	t.laddr.a[15] = 1;
	t.raddr.a[0] = 0xff;
	t.raddr.a[1] = 0x02;
	t.raddr.a[15] = 1;
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us, &t,
	                                      &f->out),
	                 TCP_EADDRNOTAVAIL);
	memset(t.raddr.a, 0, sizeof(t.raddr.a));
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us, &t,
	                                      &f->out),
	                 TCP_EADDRNOTAVAIL);
	/* No remote address family, or no remote port. */
	t = f->tuple;
	memset(&t.raddr, 0, sizeof(t.raddr));
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us, &t,
	                                      &f->out),
	                 TCP_EADDRNOTAVAIL);
	t = f->tuple;
	t.rport = 0;
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us, &t,
	                                      &f->out),
	                 TCP_EADDRNOTAVAIL);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_int_equal(f->trace_n, 0);
	assert_int_equal(f->isn_calls, 0);
	fx_free(f);
}

/* =========================================================================
 * LISTEN (RFC 9293 3.10.1-3.10.5, 3.10.7.2)
 * ========================================================================= */

/* E006, RFC 9293 3.10.4 LISTEN: CLOSE deletes the TCB, CLOSED, nothing sent. */
static void test_listen_close_enters_closed(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_listen(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_true(fx_saw_transition(f, TCP_LISTEN, TCP_CLOSED));
	fx_free(f);
}

/* E007, RFC 9293 3.10.5 LISTEN: ABORT enters CLOSED and sends no RST. */
static void test_listen_abort_enters_closed_without_rst(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_listen(f);
	assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us, &f->out), 0);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_true(fx_saw_transition(f, TCP_LISTEN, TCP_CLOSED));
	fx_free(f);
}

/*
 * E008, RFC 9293 3.10.1 LISTEN: an active OPEN with the remote socket given
 * turns the connection active: SYN-SENT, <SEQ=ISS><CTL=SYN>.
 */
static void test_listen_active_open_sends_syn(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_listen(f);
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 0);
	assert_state(f, TCP_SYN_SENT);
	assert_true(fx_saw_transition(f, TCP_LISTEN, TCP_SYN_SENT));
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
	assert_opts(OUT(f, 0), OPTS_ALL);
	assert_seq_equal(fx_una(f), LOCAL_ISN);
	assert_seq_equal(fx_nxt(f), LOCAL_ISN + 1);
	/* The SYN,ACK of the peer completes it like any active open. */
	fx_input(f,
	         SYNACK_IN(.opts = { .present = TCP_OPTF_MSS, .mss = 1000 }));
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/*
 * E008 / 2.4, RFC 9293 3.10.2 LISTEN: SEND on a listener whose remote
 * socket is unspecified fails ("remote socket unspecified") and changes
 * nothing; an active OPEN to a multicast address from LISTEN fails the
 * same way (MUST-46) and the listener stays.
 */
static void test_listen_send_or_bad_open_fails_stays_listen(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_tuple t;
	unsigned mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	assert_int_equal(send_bytes(f, 10), TCP_ENOTCONN);
	t = f->tuple;
	tcp_addr_v4(&t.raddr, 224, 0, 0, 9);
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us, &t,
	                                      &f->out),
	                 TCP_EADDRNOTAVAIL);
	assert_state(f, TCP_LISTEN);
	assert_no_output(f);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	/* Still a working listener. */
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN)));
	assert_state(f, TCP_SYN_RECEIVED);
	fx_free(f);
}

/* 2.4, RFC 9293 3.10.1 / 3.10.3 LISTEN: OPEN again -> EEXIST; RECEIVE queues.
 */
static void test_listen_open_again_fails_eexist(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_tuple lt = f->tuple;
	uint8_t buf[4];
	unsigned mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	memset(&lt.raddr, 0, sizeof(lt.raddr));
	lt.rport = 0;
	assert_int_equal(tcp_conn_open_passive(&f->c, &f->env, f->now_us, &lt),
	                 TCP_EEXIST);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf, 4,
	                               &f->out),
	                 TCP_EWOULDBLOCK);
	assert_state(f, TCP_LISTEN);
	assert_int_equal(status_of(f).state, TCP_LISTEN);
	assert_no_output(f);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	fx_free(f);
}

/* E009, RFC 9293 3.10.7.2 first: any RST in LISTEN is ignored. */
static void test_listen_rst_ignored(void **state)
{
	const uint16_t flags[] = {
		TCP_FLAG_RST,
		TCP_FLAG_RST | TCP_FLAG_ACK,
		TCP_FLAG_RST | TCP_FLAG_SYN,
		TCP_FLAG_RST | TCP_FLAG_SYN | TCP_FLAG_ACK,
	};
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	unsigned i, mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	for (i = 0; i < TCP_ARRAY_LEN(flags); i++) {
		struct tcp_verdict v =
		    fx_input(f, SEG_IN(.flags = flags[i],
		                       .seq = SEQ(REMOTE_ISN), .ack = SEQ(5)));

		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_LISTEN_RST);
		assert_state(f, TCP_LISTEN);
		assert_no_output(f);
	}
	assert_int_equal(fx_transitions_since(f, mark), 0);
	assert_int_equal(f->isn_calls, 0);
	fx_free(f);
}

/*
 * E010, RFC 9293 3.10.7.2 second: an ACK-bearing segment in LISTEN gets
 * <SEQ=SEG.ACK><CTL=RST>; the listener is unchanged.
 */
static void test_listen_ack_gets_rst(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	static const uint8_t text[5] = "hello";
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	v = fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN), .ack = SEQ(0x80000000u),
	                       .payload = text, .payload_bytes = 5));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_LISTEN_ACK);
	assert_state(f, TCP_LISTEN);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, 0x80000000u, 0);
	assert_int_equal(OUT(f, 0)->sport, LOCAL_PORT);
	assert_int_equal(OUT(f, 0)->dport, REMOTE_PORT);
	/* The listener's remote socket stays unspecified. */
	assert_int_equal(f->c.tuple.rport, 0);
	assert_int_equal(f->c.tuple.raddr.family, 0);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	fx_free(f);
}

/* E010, RFC 9293 3.10.7.2 second: a SYN,ACK is an ACK: reset, no SYN-RECEIVED.
 */
static void test_listen_syn_ack_gets_rst(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                       .seq = SEQ(REMOTE_ISN), .ack = SEQ(77)));
	assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_LISTEN_ACK);
	assert_state(f, TCP_LISTEN);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_RST, 77, 0);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	assert_int_equal(f->isn_calls, 0);
	fx_free(f);
}

/*
 * E011, RFC 9293 3.10.7.2 third: a SYN sets IRS and RCV.NXT = SEG.SEQ+1,
 * selects an ISS, sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and enters
 * SYN-RECEIVED; the unspecified remote socket is filled in.
 */
static void test_listen_syn_enters_syn_received(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_SYN, .seq = SEQ(REMOTE_ISN),
	                    .wnd = 4000,
	                    .opts = { .present = TCP_OPTF_MSS, .mss = 1000 }));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_SYN_RECEIVED);
	assert_true(fx_saw_transition(f, TCP_LISTEN, TCP_SYN_RECEIVED));
	assert_int_equal(fx_transitions_since(f, mark), 1);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
	           REMOTE_ISN + 1);
	assert_int_equal(OUT(f, 0)->sport, LOCAL_PORT);
	assert_int_equal(OUT(f, 0)->dport, REMOTE_PORT);
	assert_int_equal(f->isn_calls, 1);
	assert_true(tcp_tuple_eq(&f->c.tuple, &f->tuple));
	assert_seq_equal(f->c.irs.v, REMOTE_ISN);
	assert_seq_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1);
	assert_seq_equal(fx_una(f), LOCAL_ISN);
	assert_seq_equal(fx_nxt(f), LOCAL_ISN + 1);
	assert_int_equal(status_of(f).snd_wnd, 4000);
	fx_free(f);
}

/*
 * E013, RFC 9293 3.10.7.2 fourth: a segment with none of SYN, RST, ACK (a
 * bare FIN, or text) is dropped without reply.
 */
static void test_listen_no_syn_rst_ack_dropped(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	static const uint8_t text[4] = "data";
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_listen(f);
	mark = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_FIN, .seq = SEQ(REMOTE_ISN)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_LISTEN_NO_SYN);
	assert_no_output(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_PSH, .seq = SEQ(REMOTE_ISN),
	                       .payload = text, .payload_bytes = 4));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_LISTEN_NO_SYN);
	assert_no_output(f);
	assert_state(f, TCP_LISTEN);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	fx_free(f);
}

/* E012 (LISTEN, security/compartment mismatch) is a `sec` edge: skipped. */

/* =========================================================================
 * SYN-SENT (RFC 9293 3.10.7.3, 3.10.8)
 * ========================================================================= */

/*
 * E014, RFC 9293 3.10.7.3 first: SEG.ACK =< ISS or SEG.ACK > SND.NXT is
 * unacceptable: <SEQ=SEG.ACK><CTL=RST>, discard, stay in SYN-SENT.
 */
static void test_syn_sent_bad_ack_gets_rst(void **state)
{
	const uint32_t acks[] = { LOCAL_ISN, LOCAL_ISN - 1, LOCAL_ISN + 2,
		                  LOCAL_ISN + 0x40000000u };
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	unsigned i, mark;

	(void)state;
	fx_syn_sent(f);
	mark = fx_mark(f);
	for (i = 0; i < TCP_ARRAY_LEN(acks); i++) {
		struct tcp_verdict v =
		    fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
		                       .seq = SEQ(REMOTE_ISN),
		                       .ack = SEQ(acks[i])));

		assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_SYNSENT_BAD_ACK);
		assert_state(f, TCP_SYN_SENT);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_RST, acks[i], 0);
	}
	/* A bare ACK is checked the same way. */
	{
		struct tcp_verdict v =
		    fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN),
		                       .ack = SEQ(LOCAL_ISN)));

		assert_verdict(v, TCP_DISP_DROP_RST, TCP_WHY_SYNSENT_BAD_ACK);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_RST, LOCAL_ISN, 0);
	}
	assert_int_equal(fx_transitions_since(f, mark), 0);
	assert_seq_equal(fx_una(f), LOCAL_ISN);
	fx_free(f);
}

/* E015, RFC 9293 3.10.7.3 second: a RST without ACK is dropped. */
static void test_syn_sent_rst_without_ack_ignored(void **state)
{
	enum tcp_profile p[] = { TCP_PROFILE_DEFAULT, TCP_PROFILE_LEGACY };

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(p); i++) {
		struct fx *f = fx_new(p[i]);
		struct tcp_verdict v;
		unsigned mark;

		fx_syn_sent(f);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST,
		                       .seq = SEQ(REMOTE_ISN)));
		assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYNSENT_RST_NO_ACK);
		assert_state(f, TCP_SYN_SENT);
		assert_no_output(f);
		assert_int_equal(fx_transitions_since(f, mark), 0);
		/* The SYN keeps being retransmitted. */
		fx_advance(f, SEC);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
		fx_free(f);
	}
}

/*
 * E015, RFC 9293 3.10.7.3 first: a RST whose ACK is unacceptable is dropped
 * without a reply (never answer a RST).
 */
static void test_syn_sent_rst_with_bad_ack_ignored(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_syn_sent(f);
	mark = fx_mark(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
	                       .seq = SEQ(0), .ack = SEQ(LOCAL_ISN)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYNSENT_BAD_ACK);
	assert_no_output(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
	                       .seq = SEQ(0), .ack = SEQ(LOCAL_ISN + 2)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYNSENT_BAD_ACK);
	assert_no_output(f);
	assert_state(f, TCP_SYN_SENT);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	fx_free(f);
}

/*
 * E016, RFC 9293 3.10.7.3 second: a RST with an acceptable ACK closes the
 * connection and tells the user. With RFC 5961 the SEQ = RCV.NXT check is
 * undefined in SYN-SENT (RCV.NXT is not known; checklist 2.5 #5), so any
 * SEQ is taken in both profiles.
 */
static void test_syn_sent_rst_with_acceptable_ack_closes(void **state)
{
	enum tcp_profile p[] = { TCP_PROFILE_DEFAULT, TCP_PROFILE_LEGACY };

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(p); i++) {
		struct fx *f = fx_new(p[i]);
		struct tcp_verdict v;

		fx_syn_sent(f);
		v = fx_input(f,
		             SEG_IN(.flags = TCP_FLAG_RST | TCP_FLAG_ACK,
		                    .seq = SEQ(0), .ack = SEQ(LOCAL_ISN + 1)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_CLOSED);
		assert_no_output(f);
		assert_true(fx_saw_transition(f, TCP_SYN_SENT, TCP_CLOSED));
		assert_int_equal(f->trace[f->trace_n - 1].cause,
		                 TCP_CAUSE_RCV_RST);
		/* The user learns it: "connection refused" (see conn_input.c).
		 */
		assert_int_equal(f->c.err, TCP_EREFUSED);
		assert_int_equal(send_bytes(f, 1), TCP_EREFUSED);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_free(f);
	}
}

/*
 * E018, RFC 9293 3.10.7.3 fourth: an acceptable SYN,ACK: IRS, RCV.NXT,
 * SND.UNA = SEG.ACK, ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
 */
static void test_syn_sent_syn_ack_enters_established(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	fx_syn_sent(f);
	f->now_us += 50000; /* a 50 ms round trip */
	v = fx_input(f,
	             SYNACK_IN(.wnd = 3000, .opts = { .present = TCP_OPTF_MSS,
	                                              .mss = FX_MSS }));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_ESTABLISHED);
	assert_true(fx_saw_transition(f, TCP_SYN_SENT, TCP_ESTABLISHED));
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 0);
	assert_int_equal(OUT(f, 0)->wnd, FX_RX_BYTES);
	assert_seq_equal(fx_una(f), LOCAL_ISN + 1);
	assert_seq_equal(f->c.irs.v, REMOTE_ISN);
	assert_seq_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1);
	assert_int_equal(status_of(f).snd_wnd, 3000);
	/* RFC 6298 2.2: the SYN gave an RTT sample of 50 ms; timer stopped. */
	assert_int_equal(status_of(f).srtt_us, 50000);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/*
 * E018, RFC 9293 3.10.7.3 fourth: "If there are other controls or text in
 * the segment, then continue processing at the sixth step": text on the
 * SYN,ACK is delivered and acknowledged, here across the 2^32 wrap.
 */
static void test_syn_sent_syn_ack_with_text_delivered(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	static const uint8_t text[20] = "0123456789abcdefghij";
	uint8_t buf[32];
	struct tcp_verdict v;

	(void)state;
	fx_syn_sent(f);
	v = fx_input(f, SYNACK_IN(.payload = text, .payload_bytes = 20));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 21);
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf,
	                               sizeof(buf), &f->out),
	                 20);
	assert_memory_equal(buf, text, 20);
	fx_free(f);
}

/* E018 + 3.10.7.4 eighth: a FIN on the SYN,ACK leads on to CLOSE-WAIT. */
static void test_syn_sent_syn_ack_with_fin_enters_close_wait(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	struct tcp_verdict v;

	(void)state;
	fx_syn_sent(f);
	v = fx_input(f, SYNACK_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK |
	                                   TCP_FLAG_FIN));
	assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
	assert_state(f, TCP_CLOSE_WAIT);
	assert_true(fx_saw_transition(f, TCP_SYN_SENT, TCP_ESTABLISHED));
	assert_true(fx_saw_transition(f, TCP_ESTABLISHED, TCP_CLOSE_WAIT));
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 2);
	assert_true(status_of(f).peer_fin);
	fx_free(f);
}

/*
 * E019, RFC 9293 3.10.7.3 fourth: a SYN without ACK (simultaneous open):
 * SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. The connection stays
 * active-origin (MUST-11: a RST will close, not return to LISTEN).
 */
static void test_syn_sent_syn_enters_syn_received(void **state)
{
	enum tcp_profile p[] = { TCP_PROFILE_DEFAULT, TCP_PROFILE_LEGACY };

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(p); i++) {
		struct fx *f = fx_new(p[i]);
		struct tcp_verdict v;
		unsigned mark;

		fx_syn_sent(f);
		mark = fx_mark(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
		                       .seq = SEQ(REMOTE_ISN), .wnd = 5000));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_true(
		    fx_saw_transition(f, TCP_SYN_SENT, TCP_SYN_RECEIVED));
		assert_int_equal(fx_transitions_since(f, mark), 1);
		assert_nout(f, 1);
		/* Same ISS as the SYN: no new ISN is drawn. */
		assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
		           REMOTE_ISN + 1);
		assert_int_equal(f->isn_calls, 1);
		assert_int_equal(status_of(f).snd_wnd, 5000);
		assert_false(f->c.fl & TCP_CF_PASSIVE);
		fx_free(f);
	}
}

/*
 * E020, RFC 9293 3.10.7.3 fifth: neither SYN nor RST (a bare acceptable
 * ACK, a FIN, text): drop, no reply.
 */
static void test_syn_sent_no_syn_no_rst_dropped(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	static const uint8_t text[2] = "hi";
	struct tcp_verdict v;
	unsigned mark;

	(void)state;
	fx_syn_sent(f);
	mark = fx_mark(f);
	v = fx_input(f,
	             SEG_IN(.seq = SEQ(REMOTE_ISN), .ack = SEQ(LOCAL_ISN + 1)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYNSENT_NO_SYN);
	assert_no_output(f);
	v = fx_input(f,
	             SEG_IN(.flags = TCP_FLAG_FIN | TCP_FLAG_ACK,
	                    .seq = SEQ(REMOTE_ISN), .ack = SEQ(LOCAL_ISN + 1)));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYNSENT_NO_SYN);
	assert_no_output(f);
	v = fx_input(f, SEG_IN(.flags = TCP_FLAG_PSH, .seq = SEQ(REMOTE_ISN),
	                       .payload = text, .payload_bytes = 2));
	assert_verdict(v, TCP_DISP_DROP, TCP_WHY_SYNSENT_NO_SYN);
	assert_no_output(f);
	assert_state(f, TCP_SYN_SENT);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	/* The ACK did not advance SND.UNA. */
	assert_seq_equal(fx_una(f), LOCAL_ISN);
	fx_free(f);
}

/* E021, RFC 9293 3.10.4 SYN-SENT: CLOSE deletes the TCB: CLOSED, nothing sent.
 */
static void test_syn_sent_close_enters_closed(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_sent(f);
	assert_int_equal(tcp_conn_close(&f->c, &f->env, f->now_us,
	                                TCP_CLOSE_SEND, &f->out),
	                 0);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_true(fx_saw_transition(f, TCP_SYN_SENT, TCP_CLOSED));
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_advance(f, 10 * SEC);
	assert_no_output(f);
	fx_free(f);
}

/* E022, RFC 9293 3.10.5 SYN-SENT: ABORT enters CLOSED and sends no RST. */
static void test_syn_sent_abort_enters_closed_without_rst(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_sent(f);
	assert_int_equal(tcp_conn_abort(&f->c, &f->env, f->now_us, &f->out), 0);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f);
	assert_true(fx_saw_transition(f, TCP_SYN_SENT, TCP_CLOSED));
	assert_int_equal(f->trace[f->trace_n - 1].cause, TCP_CAUSE_USER_ABORT);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/*
 * E023, RFC 9293 3.10.8 and RFC 6298 2.1, 5.5: the SYN is retransmitted
 * after 1 s, then 2 s, 4 s, ... (the RTO doubles each time), each copy
 * <SEQ=ISS><CTL=SYN> with its options.
 */
static void test_syn_sent_timeout_retransmits_syn_with_backoff(void **state)
{
	const uint64_t iv[] = { 1, 2, 4, 8, 16, 32, 64 };
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	unsigned i, mark;

	(void)state;
	fx_syn_sent(f);
	mark = fx_mark(f);
	for (i = 0; i < TCP_ARRAY_LEN(iv); i++) {
		fx_clear(f);
		fx_advance(f, iv[i] * SEC - 1);
		assert_no_output(f);
		fx_advance(f, 1);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_SYN, LOCAL_ISN, 0);
		assert_opts(OUT(f, 0), OPTS_ALL);
		assert_int_equal(OUT(f, 0)->opts.mss, 1460);
		/* RFC 6298 2.5: capped at rto_max_us (120 s here). */
		assert_int_equal(status_of(f).rto_us,
		                 2 * iv[i] * SEC < f->cfg.rto_max_us
		                     ? 2 * iv[i] * SEC
		                     : f->cfg.rto_max_us);
		assert_state(f, TCP_SYN_SENT);
	}
	assert_int_equal(fx_transitions_since(f, mark), 0);
	/* A SYN,ACK still completes the open. */
	fx_input(f,
	         SYNACK_IN(.opts = { .present = TCP_OPTF_MSS, .mss = 1000 }));
	assert_state(f, TCP_ESTABLISHED);
	fx_free(f);
}

/*
 * E024, RFC 9293 3.8.3 (MUST-23) and 3.10.8: the open attempt is kept for
 * at least 3 minutes (SYNs at 0, 1, 3, 7, 15, 31, 63, 127 s), then the
 * connection closes with "connection timed out" and sends nothing.
 */
static void test_syn_sent_syn_timeout_closes_etimedout(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint64_t t0 = f->now_us;
	unsigned i;

	(void)state;
	fx_syn_sent(f);
	fx_advance(f, 180 * SEC - 1);
	assert_state(f, TCP_SYN_SENT); /* MUST-23: not before 3 minutes */
	assert_nout(f, 7);
	for (i = 0; i < f->out.n; i++)
		assert_seg(OUT(f, i), TCP_FLAG_SYN, LOCAL_ISN, 0);
	fx_clear(f);
	fx_advance(f, 120 * SEC);
	assert_state(f, TCP_CLOSED);
	assert_no_output(f); /* 3.10.8: no RST from SYN-SENT */
	assert_true(fx_saw_transition(f, TCP_SYN_SENT, TCP_CLOSED));
	assert_int_equal(f->trace[f->trace_n - 1].cause,
	                 TCP_CAUSE_TIMEOUT_USER);
	assert_true(f->trace[f->trace_n - 1].now_us - t0 >= 180 * SEC);
	assert_int_equal(f->c.err, TCP_ETIMEDOUT);
	assert_int_equal(send_bytes(f, 1), TCP_ETIMEDOUT);
	assert_int_equal(tcp_conn_next_deadline_us(&f->c), TCP_NO_DEADLINE);
	fx_free(f);
}

/* ---- SYN-SENT: user calls (checklist 2.4) ------------------------------- */

/* 2.4, RFC 9293 3.10.1: OPEN in SYN-SENT -> "connection already exists". */
static void test_syn_sent_open_again_fails_eexist(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	struct tcp_tuple lt = f->tuple;
	uint8_t buf[4];
	unsigned mark;

	(void)state;
	fx_syn_sent(f);
	mark = fx_mark(f);
	lt.rport = 0;
	memset(&lt.raddr, 0, sizeof(lt.raddr));
	assert_int_equal(tcp_conn_open_active(&f->c, &f->env, f->now_us,
	                                      &f->tuple, &f->out),
	                 TCP_EEXIST);
	assert_int_equal(tcp_conn_open_passive(&f->c, &f->env, f->now_us, &lt),
	                 TCP_EEXIST);
	/* 3.10.3: RECEIVE is queued until ESTABLISHED. */
	assert_int_equal(tcp_conn_recv(&f->c, &f->env, f->now_us, buf, 4,
	                               &f->out),
	                 TCP_EWOULDBLOCK);
	assert_state(f, TCP_SYN_SENT);
	assert_int_equal(status_of(f).state, TCP_SYN_SENT);
	assert_no_output(f);
	assert_int_equal(fx_transitions_since(f, mark), 0);
	assert_int_equal(f->isn_calls, 1);
	fx_free(f);
}

/*
 * 2.4, RFC 9293 3.10.2 SYN-SENT: SEND queues the data until ESTABLISHED;
 * 3.10.7.3 fourth: the ACK of the SYN,ACK "MAY" carry it, and does.
 */
static void test_syn_sent_send_queued_until_established(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);

	(void)state;
	fx_syn_sent(f);
	assert_int_equal(send_bytes(f, 100), 100);
	assert_no_output(f);
	assert_int_equal(status_of(f).bytes_unsent, 100);
	fx_input(f,
	         SYNACK_IN(.opts = { .present = TCP_OPTF_MSS, .mss = 1000 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_nout(f, 1);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK | TCP_FLAG_PSH, LOCAL_ISN + 1,
	           REMOTE_ISN + 1);
	assert_int_equal(OUT(f, 0)->payload_bytes, 100);
	fx_free(f);
}

/* ---- SYN-SENT: options on the SYN,ACK ----------------------------------- */

/*
 * MUST-15 (RFC 9293 3.7.1): no MSS option on the SYN,ACK means 536; the
 * data segments are then at most 536 octets.
 */
static void test_syn_sent_syn_ack_without_mss_assumes_536(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t sz[8];

	(void)state;
	fx_syn_sent(f);
	fx_input(f, SYNACK_IN(.opts = { .present = 0 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(status_of(f).snd_mss, 536);
	tcp_conn_set_nodelay(&f->c, true);
	fx_clear(f);
	assert_int_equal(send_bytes(f, 1200), 1200);
	assert_int_equal(out_sizes(f, sz, 8), 3);
	assert_int_equal(sz[0], 536);
	assert_int_equal(sz[1], 536);
	assert_int_equal(sz[2], 128);
	assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1, REMOTE_ISN + 1);
	assert_seg(OUT(f, 1), TCP_FLAG_ACK, LOCAL_ISN + 537, REMOTE_ISN + 1);
	fx_free(f);
}

/*
 * MUST-16 (RFC 9293 3.7.1) and RFC 6691: the peer's MSS bounds the segment
 * size, less the option bytes each segment carries (12 for TSopt).
 */
static void test_syn_sent_syn_ack_mss_bounds_segments(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);
	uint32_t sz[8];

	(void)state;
	fx_syn_sent(f);
	fx_input(f, SYNACK_IN(.opts = { .present = TCP_OPTF_MSS | TCP_OPTF_TS,
	                                .mss = 700,
	                                .tsval = 42,
	                                .tsecr = 2000 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_true(f->c.fl & TCP_CF_TS);
	assert_int_equal(status_of(f).snd_mss, 700);
	tcp_conn_set_nodelay(&f->c, true);
	fx_clear(f);
	assert_int_equal(send_bytes(f, 1500), 1500);
	assert_int_equal(out_sizes(f, sz, 8), 3);
	assert_int_equal(sz[0], 688);
	assert_int_equal(sz[1], 688);
	assert_int_equal(sz[2], 124);
	assert_true(OUT(f, 0)->opts.present & TCP_OPTF_TS);
	assert_int_equal(OUT(f, 0)->opts.tsecr, 42);
	fx_free(f);
}

/*
 * RFC 9293 3.7.1 (MUST-16 with the MTU, RFC 6691): an MSS larger than our
 * interface carries is capped at MTU - 40.
 */
static void test_syn_sent_syn_ack_large_mss_capped_by_mtu(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);
	uint32_t sz[8];

	(void)state;
	fx_syn_sent(f);
	fx_input(f,
	         SYNACK_IN(.opts = { .present = TCP_OPTF_MSS, .mss = 9000 }));
	assert_int_equal(status_of(f).snd_mss, 1460);
	tcp_conn_set_nodelay(&f->c, true);
	fx_clear(f);
	assert_int_equal(send_bytes(f, 3000), 3000);
	assert_int_equal(out_sizes(f, sz, 8), 3);
	assert_int_equal(sz[0], 1460);
	assert_int_equal(sz[1], 1460);
	assert_int_equal(sz[2], 80);
	fx_free(f);
}

/*
 * RFC 7323 2.2-2.3: the window of the SYN,ACK is not scaled, a shift above
 * 14 is used as 14, later windows are scaled; our windows are scaled by our
 * shift (7) once both sides sent WS.
 */
static void test_syn_sent_syn_ack_ws_above_14_clamped(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_sent(f);
	fx_input(f, SYNACK_IN(.wnd = 1000,
	                      .opts = { .present = TCP_OPTF_MSS | TCP_OPTF_WS,
	                                .mss = 1000,
	                                .ws_shift = 20 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_true(f->c.fl & TCP_CF_WS);
	assert_int_equal(f->c.snd_wscale, 14);
	assert_int_equal(status_of(f).snd_wnd, 1000); /* SYN: not scaled */
	/* Our ACK of the SYN,ACK carries the scaled window 8192 >> 7. */
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->wnd, FX_RX_BYTES >> 7);
	/* A later window is shifted by 14. */
	fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 1),
	                   .ack = SEQ(LOCAL_ISN + 1), .wnd = 3));
	assert_int_equal(status_of(f).snd_wnd, 3u << 14);
	fx_free(f);
}

/*
 * RFC 7323 2.2: scaling needs WS on both SYNs. A SYN,ACK without WS leaves
 * both directions unscaled; SACK and TS are off when it lacks them too.
 */
static void test_syn_sent_syn_ack_without_ws_no_scaling(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	fx_syn_sent(f);
	fx_input(f, SYNACK_IN(.wnd = 1000, .opts = { .present = TCP_OPTF_MSS,
	                                             .mss = 1000 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_false(f->c.fl & (TCP_CF_WS | TCP_CF_TS | TCP_CF_SACK));
	assert_nout(f, 1);
	assert_int_equal(OUT(f, 0)->wnd, FX_RX_BYTES);
	assert_opts(OUT(f, 0), 0);
	fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 1),
	                   .ack = SEQ(LOCAL_ISN + 1), .wnd = 3));
	assert_int_equal(status_of(f).snd_wnd, 3);
	fx_free(f);
}

/*
 * Legacy profile: WS/TS/SACK-permitted were not offered, so options on the
 * SYN,ACK enable nothing (RFC 7323 2.2, 3.2; RFC 2018 2).
 */
static void test_syn_sent_legacy_syn_ack_options_ignored(void **state)
{
	struct fx *f = fx_new(TCP_PROFILE_LEGACY);

	(void)state;
	fx_syn_sent(f);
	fx_input(f, SYNACK_IN(.opts = { .present = OPTS_ALL,
	                                .mss = 1000,
	                                .ws_shift = 5,
	                                .tsval = 9 }));
	assert_state(f, TCP_ESTABLISHED);
	assert_false(f->c.fl & (TCP_CF_WS | TCP_CF_TS | TCP_CF_SACK));
	assert_int_equal(f->c.snd_wscale, 0);
	assert_int_equal(f->c.rcv_wscale, 0);
	assert_nout(f, 1);
	assert_opts(OUT(f, 0), 0);
	assert_int_equal(OUT(f, 0)->wnd, FX_RX_BYTES);
	fx_free(f);
}

/* ---- SYN-SENT: simultaneous open (MUST-10) ------------------------------ */

/*
 * MUST-10 (RFC 9293 3.5, Figure 8), E002 -> E019 -> E036: both ends send a
 * SYN. Our SYN-RECEIVED fails the peer's SYN,ACK on the sequence check (its
 * SYN lies left of RCV.NXT, Appendix A.2) and answers with an ACK; the
 * peer's ACK then completes the open.
 */
static void test_syn_sent_simultaneous_open_reaches_established(void **state)
{
	enum tcp_profile p[] = { TCP_PROFILE_DEFAULT, TCP_PROFILE_LEGACY };

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(p); i++) {
		struct fx *f = fx_new(p[i]);
		struct tcp_verdict v;

		fx_syn_sent(f);
		v = fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN,
		                       .seq = SEQ(REMOTE_ISN),
		                       .opts = { .present = TCP_OPTF_MSS,
		                                 .mss = FX_MSS }));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_SYN | TCP_FLAG_ACK, LOCAL_ISN,
		           REMOTE_ISN + 1);
		/* The peer's SYN,ACK: not acceptable, an ACK in reply. */
		v = fx_input(f, SYNACK_IN());
		assert_verdict(v, TCP_DISP_DROP_ACK,
		               TCP_WHY_SEQ_NOT_ACCEPTABLE);
		assert_state(f, TCP_SYN_RECEIVED);
		assert_nout(f, 1);
		assert_seg(OUT(f, 0), TCP_FLAG_ACK, LOCAL_ISN + 1,
		           REMOTE_ISN + 1);
		/* The peer's ACK of our SYN,ACK. */
		v = fx_input(f, SEG_IN(.seq = SEQ(REMOTE_ISN + 1),
		                       .ack = SEQ(LOCAL_ISN + 1)));
		assert_verdict(v, TCP_DISP_ACCEPT, TCP_WHY_NONE);
		assert_state(f, TCP_ESTABLISHED);
		assert_no_output(f);
		assert_true(fx_saw_transition(f, TCP_CLOSED, TCP_SYN_SENT));
		assert_true(
		    fx_saw_transition(f, TCP_SYN_SENT, TCP_SYN_RECEIVED));
		assert_true(
		    fx_saw_transition(f, TCP_SYN_RECEIVED, TCP_ESTABLISHED));
		assert_seq_equal(fx_una(f), LOCAL_ISN + 1);
		assert_int_equal(tcp_conn_next_deadline_us(&f->c),
		                 TCP_NO_DEADLINE);
		fx_free(f);
	}
}

/* Moves everything in a's output to b and b's to a, at once. */
static unsigned exchange(struct fx *a, struct fx *b)
{
	struct tcp_out_seg sa[FX_OUT_SEGS], sb[FX_OUT_SEGS];
	unsigned na = a->out.n, nb = b->out.n, i;

	memcpy(sa, a->segs, na * sizeof(sa[0]));
	memcpy(sb, b->segs, nb * sizeof(sb[0]));
	/* Handshake segments only: no payload that output could overwrite. */
	for (i = 0; i < na; i++)
		assert_int_equal(sa[i].seg.payload_bytes, 0);
	for (i = 0; i < nb; i++)
		assert_int_equal(sb[i].seg.payload_bytes, 0);
	tcp_out_reset(&a->out);
	tcp_out_reset(&b->out);
	a->out.data_used = b->out.data_used = 0;
	for (i = 0; i < na; i++)
		tcp_conn_input(&b->c, &b->env, b->now_us, &b->tuple, &sa[i].seg,
		               &b->out);
	for (i = 0; i < nb; i++)
		tcp_conn_input(&a->c, &a->env, a->now_us, &a->tuple, &sb[i].seg,
		               &a->out);
	return na + nb;
}

/*
 * MUST-10 end to end: two reference connections open actively at the same
 * time, each in both profiles, and both reach ESTABLISHED with every
 * option negotiated as both sides offered.
 */
static void test_syn_sent_simultaneous_open_two_stacks(void **state)
{
	enum tcp_profile p[] = { TCP_PROFILE_DEFAULT, TCP_PROFILE_LEGACY };

	(void)state;
	for (unsigned i = 0; i < TCP_ARRAY_LEN(p); i++) {
		struct fx *a = fx_new(p[i]), *b = fx_new(p[i]);
		unsigned rounds = 0;

		b->tuple.laddr = a->tuple.raddr;
		b->tuple.raddr = a->tuple.laddr;
		b->tuple.lport = REMOTE_PORT;
		b->tuple.rport = LOCAL_PORT;
		assert_int_equal(tcp_conn_open_active(&a->c, &a->env, a->now_us,
		                                      &a->tuple, &a->out),
		                 0);
		assert_int_equal(tcp_conn_open_active(&b->c, &b->env, b->now_us,
		                                      &b->tuple, &b->out),
		                 0);
		/* SYNs cross, SYN,ACKs cross, ACKs cross. */
		assert_int_equal(exchange(a, b), 2);
		assert_state(a, TCP_SYN_RECEIVED);
		assert_state(b, TCP_SYN_RECEIVED);
		while (exchange(a, b) > 0)
			assert_true(++rounds < 10);
		assert_state(a, TCP_ESTABLISHED);
		assert_state(b, TCP_ESTABLISHED);
		assert_int_equal(rounds, 2);
		assert_seq_equal(a->c.rcv_nxt.v, b->c.snd_nxt.v);
		assert_seq_equal(b->c.rcv_nxt.v, a->c.snd_nxt.v);
		if (p[i] == TCP_PROFILE_DEFAULT) {
			assert_true(a->c.fl & TCP_CF_WS);
			assert_true(a->c.fl & TCP_CF_TS);
			assert_true(a->c.fl & TCP_CF_SACK);
		} else {
			assert_false(a->c.fl &
			             (TCP_CF_WS | TCP_CF_TS | TCP_CF_SACK));
		}
		fx_free(a);
		fx_free(b);
	}
}

/* E017 (SYN-SENT, security/compartment mismatch) is a `sec` edge: skipped. */

/*
 * RFC 7323 2.2: the window of our SYN is never scaled, so with a receive
 * buffer above 64 KiB it offered 65535. Text on the SYN,ACK is processed
 * from the sixth step of 3.10.7.4 and trimmed to that window: the octets
 * past RCV.NXT + 65535 are not taken.
 */
static void
test_syn_sent_synack_text_trimmed_to_unscaled_syn_window(void **state)
{
	static uint8_t big_rx[100000];
	static uint8_t text[65535 + 100];
	struct fx *f = fx_new(TCP_PROFILE_DEFAULT);

	(void)state;
	tcp_conn_init(&f->c, &f->cfg, big_rx, sizeof(big_rx), f->tx,
	              FX_TX_BYTES);
	fx_syn_sent(f);
	fx_input(f, SEG_IN(.flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
	                   .seq = SEQ(REMOTE_ISN), .ack = SEQ(LOCAL_ISN + 1),
	                   .opts = { .present = TCP_OPTF_MSS, .mss = FX_MSS },
	                   .payload = text, .payload_bytes = sizeof(text)));
	assert_state(f, TCP_ESTABLISHED);
	assert_int_equal(f->c.rx.len, 65535);
	assert_int_equal(f->c.rcv_nxt.v, REMOTE_ISN + 1 + 65535);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* CLOSED */
		cmocka_unit_test(test_closed_passive_open_enters_listen),
		cmocka_unit_test(test_closed_active_open_sends_syn),
		cmocka_unit_test(
		    test_closed_active_open_legacy_sends_syn_with_mss_only),
		cmocka_unit_test(test_closed_active_open_ipv6_mss_from_mtu),
		cmocka_unit_test(test_closed_syn_without_ack_gets_rst_ack),
		cmocka_unit_test(test_closed_fin_without_ack_gets_rst_ack),
		cmocka_unit_test(test_closed_ack_gets_rst_from_seg_ack),
		cmocka_unit_test(test_closed_rst_discarded),
		cmocka_unit_test(test_closed_after_abort_late_syn_ack_gets_rst),
		cmocka_unit_test(test_closed_user_calls_fail_enotconn),
		cmocka_unit_test(test_closed_active_open_non_unicast_rejected),
		/* LISTEN */
		cmocka_unit_test(test_listen_close_enters_closed),
		cmocka_unit_test(test_listen_abort_enters_closed_without_rst),
		cmocka_unit_test(test_listen_active_open_sends_syn),
		cmocka_unit_test(
		    test_listen_send_or_bad_open_fails_stays_listen),
		cmocka_unit_test(test_listen_open_again_fails_eexist),
		cmocka_unit_test(test_listen_rst_ignored),
		cmocka_unit_test(test_listen_ack_gets_rst),
		cmocka_unit_test(test_listen_syn_ack_gets_rst),
		cmocka_unit_test(test_listen_syn_enters_syn_received),
		cmocka_unit_test(test_listen_no_syn_rst_ack_dropped),
		/* SYN-SENT */
		cmocka_unit_test(test_syn_sent_bad_ack_gets_rst),
		cmocka_unit_test(test_syn_sent_rst_without_ack_ignored),
		cmocka_unit_test(test_syn_sent_rst_with_bad_ack_ignored),
		cmocka_unit_test(test_syn_sent_rst_with_acceptable_ack_closes),
		cmocka_unit_test(test_syn_sent_syn_ack_enters_established),
		cmocka_unit_test(test_syn_sent_syn_ack_with_text_delivered),
		cmocka_unit_test(
		    test_syn_sent_syn_ack_with_fin_enters_close_wait),
		cmocka_unit_test(test_syn_sent_syn_enters_syn_received),
		cmocka_unit_test(test_syn_sent_no_syn_no_rst_dropped),
		cmocka_unit_test(test_syn_sent_close_enters_closed),
		cmocka_unit_test(test_syn_sent_abort_enters_closed_without_rst),
		cmocka_unit_test(
		    test_syn_sent_timeout_retransmits_syn_with_backoff),
		cmocka_unit_test(test_syn_sent_syn_timeout_closes_etimedout),
		cmocka_unit_test(test_syn_sent_open_again_fails_eexist),
		cmocka_unit_test(test_syn_sent_send_queued_until_established),
		cmocka_unit_test(test_syn_sent_syn_ack_without_mss_assumes_536),
		cmocka_unit_test(test_syn_sent_syn_ack_mss_bounds_segments),
		cmocka_unit_test(test_syn_sent_syn_ack_large_mss_capped_by_mtu),
		cmocka_unit_test(test_syn_sent_syn_ack_ws_above_14_clamped),
		cmocka_unit_test(test_syn_sent_syn_ack_without_ws_no_scaling),
		cmocka_unit_test(test_syn_sent_legacy_syn_ack_options_ignored),
		cmocka_unit_test(
		    test_syn_sent_simultaneous_open_reaches_established),
		cmocka_unit_test(test_syn_sent_simultaneous_open_two_stacks),
		cmocka_unit_test(
		    test_syn_sent_synack_text_trimmed_to_unscaled_syn_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
