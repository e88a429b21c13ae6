/* SPDX-License-Identifier: MIT
 *
 * fuzz_pair: two reference stacks talking to each other through a channel
 * that the input controls, with application traffic on both ends and
 * protocol oracles checked after every step; each failing oracle prints one
 * line naming the invariant and traps.
 *
 * Stack A (192.0.2.1) is the client: its application connects to B
 * (192.0.2.2), which listens on port 80 and accepts. Every emitted segment
 * becomes an IPv4 packet in the channel of its direction, due after the
 * channel's latency; time advances event by event (a packet falls due, a
 * timer of a stack runs out), so that nothing happens out of time order.
 * A packet older than the MSL is dropped when it falls due (the network
 * does not keep segments longer, RFC 9293 3.4.2).
 *
 * Input: byte 0 configures stack A, byte 1 the channel and stack B, then
 * records of an opcode byte and its fields (missing bytes read as zero):
 *   op % 8 = 0,1  advance virtual time (op >> 3 & 3: ms, to the next
 *                 event, seconds, tens of seconds; one byte of amount)
 *            2,6  a channel action on direction op >> 3 & 1 (0: A to B):
 *                 op >> 4 & 7 = deliver the head now, drop it, duplicate
 *                 it, swap it with the next, delay it (100 ms or 1 ms
 *                 units), mark it CE, deliver the whole direction; one
 *                 byte of argument
 *            3    mutate a field of an in-flight packet of direction
 *                 op >> 3 & 1, checksum fixed when op >> 4 & 1: op >> 5
 *                 = flags, SEQ, ACK, window, a payload byte, an option
 *                 byte, SEQ or ACK by 1024s; bytes: packet, value, offset
 *            4,5,7  an application call on side op >> 3 & 1 (0: A);
 *                 op >> 4 = connect/accept, send, recv, shutdown, close,
 *                 abort, options; one byte of argument
 *   op 0xFF ends the records early.
 * Byte 0 is fuzz_conn's selector (profile, timestamps, SACK, window
 * scale, small buffers and timers for both, ECN on A, toggles of RFC
 * 1337, delayed ACK and Nagle); byte 1: bits 0-1 the latency (1, 5, 40,
 * 200 ms), bit 2 B differs from A (bits 3-5 toggle its timestamps, SACK,
 * window scale, bit 6 LEGACY, bit 7 the toggles).
 * Then the channel is reliable (no more drops, delays or mutations) and
 * both applications read everything, shut down, read to the end and
 * close, while virtual time runs on (bounded) until both stacks are idle.
 *
 * Oracles: those of harness/src/oracle.c (as fuzz_conn's), one per
 * stack: legal transitions with their causes, SND.UNA =< SND.NXT =<
 * SND.MAX, queues and windows within their buffers, every emitted segment
 * serializes and parses back with a valid checksum and lies in its
 * connection's sequence space, no RST answers a RST. Then fuzz_pair's
 * own: state changes only on the stack acted on; every emitted segment
 * has the pair's addresses and its IPv4 packet parses; a packet that does
 * not parse (a mutation that broke its checksum) draws nothing; every
 * byte read is the next byte the peer's application wrote (no duplicate,
 * no reordering, nothing never sent), the end of stream comes after all
 * of them and only once the peer closed; a connection ends abnormally
 * only when the run allows it (losses, delays, a user timeout, an
 * abortive call, port reuse, a valid mutation); a user timeout more than
 * RTO.max after the channel became reliable is a failure; and at the end,
 * unless the run excuses it, every connection was accepted, each side
 * read exactly what the other wrote, and both ends are CLOSED or in
 * TIME-WAIT. Known stack issues found by this target are described where
 * they are tolerated (FP_STRICT_* turns each into a failure).
 * FUZZ_PAIR_DEBUG=1 prints every step, FUZZ_PAIR_STATS=1 the states
 * reached and the outcomes at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shakedown/oracle.h"
#include "tcpref/conn.h"
#include "tcpref/seg.h"
#include "tcpref/stack.h"
#include "tcpref/types.h"
#include "tcpref/wire.h"

#define FP_SLOTS_A 6
#define FP_SLOTS_B 8
#define FP_SLOTS_MAX 8
#define FP_BUF_MAX 4096
#define FP_OUT_SEGS 64
#define FP_OUT_DATA (FP_OUT_SEGS * 1500)
#ifndef FP_MAX_RECORDS
#define FP_MAX_RECORDS 256
#endif
#define FP_MAX_TIME_US (2ull * 3600ull * 1000000ull)
#define FP_FINAL_US (3ull * 3600ull * 1000000ull)
#ifndef FP_FINAL_EVENTS
#define FP_FINAL_EVENTS 20000u
#endif
#define FP_FINAL_EXCUSED 2000u
#define FP_STEP_EVENTS 512u
#define FP_SPIN_MAX 32u
#define FP_TRACE_MAX 64
#define FP_QCAP 32
#define FP_PKT_MAX (TCP_IP4_HDR_MIN + TCP_IP_OPTS_MAX + TCP_HDR_MAX + 1500)
#define FP_CONNS 8
#define FP_MAX_CONNECTS 4
#define FP_PORT_B 80
#define FP_PORT_A0 40000

#define FP_A 0
#define FP_B 1

/*
 * One connection an application held (A: connected, B: accepted): what it
 * wrote and read. Its byte stream is pat_byte(side, ISS, offset), so the
 * reader, knowing its IRS, knows what every byte must be.
 */
struct fp_conn {
	int h;                /* slot handle */
	bool open;            /* the application holds the handle */
	bool over;            /* this incarnation ended (CLOSED, or reopened) */
	bool shut;            /* the application closed its sending side */
	bool eof;             /* recv returned end of stream */
	bool have_irs;        /* irs is known */
	enum tcp_state state; /* last state seen in the trace */
	uint32_t iss, irs;
	uint16_t lport;
	uint64_t written; /* bytes tcp_conn_send accepted */
	uint64_t read;    /* bytes recv returned */
};

struct fp;

struct fp_side {
	struct fp *f;
	int id; /* FP_A or FP_B */
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_stack st;
	struct tcp_addr addr;
	uint32_t nslots, rx_bytes, tx_bytes;
	uint32_t isn_calls;
	uint16_t port_calls;
	int listener; /* B: the listener's handle */
	int cur;      /* index in conns of the app's connection, or -1 */
	unsigned nconns;
	unsigned spin; /* polls in a row at one instant */
	struct fp_conn conns[FP_CONNS];
	/* The shared protocol oracle of this stack (f->oracle[id]). */
	struct sd_oracle *oracle;
	struct tcp_stack_slot slots[FP_SLOTS_MAX];
};

/* Bits of fp_pkt.mut: which fields a mutation changed. */
#define FP_MUT_CONTENT 1 /* flags, SEQ or payload: the data it carries */
#define FP_MUT_OTHER 2   /* ACK, window, options */

/* An in-flight IPv4 packet. */
struct fp_pkt {
	uint64_t born; /* when it was sent (lifetime: MSL) */
	uint64_t due;  /* when it arrives */
	uint16_t len;
	uint8_t mut; /* FP_MUT_* */
	uint8_t b[FP_PKT_MAX];
};

/* The packets of one direction: pool indices in order of arrival. */
struct fp_chan {
	unsigned n;
	uint8_t ord[FP_QCAP];
	bool used[FP_QCAP];
};

struct fp_tev {
	int side;
	uint32_t irs; /* the record's IRS when the event happened */
	struct tcp_trace_ev ev;
};

struct fp {
	struct fp_side side[2];
	struct fp_chan q[2]; /* q[d]: packets from side d to side 1 - d */
	struct tcp_out out;
	uint64_t now_us;
	uint64_t latency_us;
	uint64_t msl_us;
	int step_side;
	bool seg_bad; /* the delivered packet does not parse */
	bool final;   /* the reliable phase at the end */
	unsigned trace_n;
	unsigned connects;
	/*
	 * History, for the oracles that need to know what the network and
	 * the applications did: losses (drops of any kind, delays), a user
	 * timeout set, calls that end a connection abortively or lose data
	 * (abort, full close before the end of stream, a close in SYN-SENT),
	 * evictions and port reuse (which may meet the old incarnation's
	 * TIME-WAIT: a timeout too), a mutated packet that was taken as
	 * valid (per direction: one that changed the data it carries).
	 */
	unsigned lossy;
	bool excuse_timeout;
	bool excuse_rst;
	bool valid_mut;
	bool taint[2];
	bool abnormal; /* a connection ended other than by the close path */
	bool timed_out;
	bool storm_sig;          /* the known ACK-storm pattern was seen */
	bool lost_ack;           /* a valid ACK was dropped for its SEQ */
	unsigned lossy_final;    /* losses when the channel became reliable */
	uint32_t full_drops[2];  /* SYNs dropped for a full backlog or table */
	uint32_t unacc_final[2]; /* segments not acceptable, at final_us */
	uint64_t final_us;       /* when the channel became reliable */
	/* Not cleared per input: large buffers, written before read. */
	struct fp_pkt pool[2][FP_QCAP];
	/*
	 * One shared oracle (harness/src/oracle.c) per stack, as fuzz_conn
	 * has one: sd_oracle_init resets what it keeps between steps, its
	 * 64 KiB scratch needs no clearing.
	 */
	struct sd_oracle oracle[2];
	struct tcp_out_seg segs[FP_OUT_SEGS];
	struct fp_tev trace[FP_TRACE_MAX];
	uint8_t outdata[FP_OUT_DATA];
	uint8_t bufmem[2][FP_SLOTS_MAX * 2 * FP_BUF_MAX];
	uint8_t scratch[FP_PKT_MAX];
	uint8_t appbuf[FP_BUF_MAX];
	uint8_t sendbuf[FP_BUF_MAX];
};

static struct fp g_fp;

/*
 * The oracles are not part of what the fuzzer explores: no coverage
 * feedback from them (it would only add noise and cost speed).
 */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define FP_ORACLE __attribute__((no_sanitize("coverage")))
#endif
#endif
#ifndef FP_ORACLE
#define FP_ORACLE
#endif

/* FUZZ_PAIR_STATS=1: states reached and outcomes over the whole run. */
static uint64_t g_state_hits[2][TCP_STATE_COUNT];
static uint64_t g_inputs, g_pairs, g_data_ab, g_data_ba, g_checked, g_excused,
    g_both_closed, g_storm, g_ka_seq, g_lost_ack;
static uint64_t g_why[4]; /* why excused: abnormal end, mutation, call */
static bool g_stats_armed;

static bool g_debug; /* FUZZ_PAIR_DEBUG=1: print every step */

static const char *const g_name[2] = { "A", "B" };

/* -DFP_NO_TRAP (analysis builds only): report and go on. */
#ifdef FP_NO_TRAP
#define FP_TRAP() ((void)0)
#else
#define FP_TRAP() __builtin_trap()
#endif
#define FP_FAIL(...)                                                           \
	do {                                                                   \
		fprintf(stderr,                                                \
		        "fuzz_pair: invariant violated: " __VA_ARGS__);        \
		fputc('\n', stderr);                                           \
		FP_TRAP();                                                     \
	} while (0)

/* ---- The applications' byte streams ------------------------------------- */

/* Byte 'off' of the stream that side 'side' sends on a connection whose
 * ISS is 'iss'. */
static inline uint8_t pat_byte(int side, uint32_t iss, uint64_t off)
{
	uint32_t x = (iss ^ (side ? 0x9E3779B9u : 0x2545F491u)) +
	             (uint32_t)off * 2654435761u;

	x ^= x >> 15;
	x *= 0x85EBCA6Bu;
	x ^= x >> 13;
	return (uint8_t)x;
}

/* Outside coverage like the oracles, which check it. */
FP_ORACLE static void fill_pat(uint8_t *p, int side, uint32_t iss, uint64_t off,
                               uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = pat_byte(side, iss, off + i);
}

/* ---- Input reader -------------------------------------------------------- */

struct fp_rd {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t rd8(struct fp_rd *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

/* ---- Environment --------------------------------------------------------- */

static uint32_t fp_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	struct fp_side *s = ctx;

	(void)t;
	(void)now_us;
	/* Near the 2^32 (A) and 2^31 (B) wraps; 16 M apart per connection. */
	return (s->id == FP_A ? 0xFFFFF000u : 0x7FFFF000u) +
	       0x01000000u * s->isn_calls++;
}

static uint16_t fp_port(void *ctx)
{
	struct fp_side *s = ctx;

	return (uint16_t)(FP_PORT_A0 + s->port_calls++);
}

static uint32_t fp_ts_offset(void *ctx, const struct tcp_tuple *t)
{
	struct fp_side *s = ctx;

	return (s->id == FP_A ? 0x7FFFFF00u : 0xFFFFFF00u) + t->rport;
}

static void fp_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct fp_side *s = ctx;
	struct fp *f = s->f;

	sd_oracle_trace(s->oracle, ev);
	if (ev->kind != TCP_TRACE_STATE)
		return;
	/* fuzz_pair's own record: the side and the IRS at the time, for
	 * the application records and the abnormal-end oracle. */
	if (f->trace_n >= FP_TRACE_MAX)
		FP_FAIL("more than %d state changes in one step", FP_TRACE_MAX);
	f->trace[f->trace_n].side = s->id;
	f->trace[f->trace_n].irs = ev->conn->irs.v;
	f->trace[f->trace_n].ev = *ev;
	f->trace_n++;
}

static void fp_panic(void *ctx, const char *file, int line, const char *expr)
{
	struct fp_side *s = ctx;

	FP_FAIL("stack %s: assertion %s at %s:%d", g_name[s->id], expr, file,
	        line);
}

static void print_stats(void)
{
	int s;

	fprintf(stderr,
	        "fuzz_pair: %llu inputs; A and B both established: %llu; "
	        "data A->B read: %llu, B->A read: %llu; end-to-end check "
	        "made: %llu (passed, both ends CLOSED or TIME-WAIT: %llu), "
	        "excused: %llu\n",
	        (unsigned long long)g_inputs, (unsigned long long)g_pairs,
	        (unsigned long long)g_data_ab, (unsigned long long)g_data_ba,
	        (unsigned long long)g_checked,
	        (unsigned long long)g_both_closed,
	        (unsigned long long)g_excused);
	fprintf(stderr,
	        "fuzz_pair: excused for an abnormal end: %llu, a valid "
	        "mutation: %llu, an abortive call, early close, eviction or "
	        "port reuse: %llu, the ACK-storm pattern: %llu\n",
	        (unsigned long long)g_why[0], (unsigned long long)g_why[1],
	        (unsigned long long)g_why[2], (unsigned long long)g_why[3]);
	fprintf(stderr,
	        "fuzz_pair: inputs with the ACK-storm pattern: %llu; with "
	        "valid ACKs dropped for their SEQ: %llu, timeouts excused "
	        "for it: %llu\n",
	        (unsigned long long)g_storm, (unsigned long long)g_lost_ack,
	        (unsigned long long)g_ka_seq);
	fprintf(stderr, "fuzz_pair: TCP_TRACE_STATE destinations:  A  B\n");
	for (s = 0; s < TCP_STATE_COUNT; s++)
		fprintf(stderr, "  %-13s %llu %llu\n",
		        tcp_state_name((enum tcp_state)s),
		        (unsigned long long)g_state_hits[0][s],
		        (unsigned long long)g_state_hits[1][s]);
}

/*
 * A connection ended other than by the close path: CLOSED from a state
 * where data could still be lost, except LAST-ACK's final ACK. TIME-WAIT
 * has nothing left to lose; a SYN-RECEIVED that dies (a listener's child
 * for an old duplicate SYN, say) leaves the peer to find out by a RST,
 * which counts then.
 */
FP_ORACLE static bool abnormal_end(const struct tcp_trace_ev *ev)
{
	if (ev->to != TCP_CLOSED)
		return false;
	switch (ev->from) {
	case TCP_TIME_WAIT:
	case TCP_SYN_RECEIVED:
	case TCP_LISTEN:
	case TCP_CLOSED:
		return false;
	case TCP_LAST_ACK:
		return ev->cause != TCP_CAUSE_RCV_ACK;
	default:
		return true;
	}
}

/*
 * How long after the channel became reliable a user timeout (R2) may still
 * legitimately end a synchronized connection: retransmissions are at most
 * RTO.max apart, so one of them went out on the reliable channel at least
 * a round trip (two latencies and a delayed ACK, with room to spare)
 * before the timeout, and a live peer acknowledges it.
 */
static uint64_t reliable_grace(const struct fp *f)
{
	const struct tcp_cfg *a = &f->side[FP_A].cfg, *b = &f->side[FP_B].cfg;
	uint64_t rto =
	    a->rto_max_us > b->rto_max_us ? a->rto_max_us : b->rto_max_us;
	uint64_t da = a->delack_us > b->delack_us ? a->delack_us : b->delack_us;

	return rto + 2u * f->latency_us + da + 5000000u;
}

/*
 * Known stack issue (found by this target, not fixed here): the stack
 * drops a valid ACK when its SEQ is not acceptable (3.10.7.4 first) and
 * does not make the "special allowance" the RFC asks for valid ACKs with
 * a zero window. Its own pure ACKs carry SEQ = SND.NXT, and a zero-window
 * probe octet the receiver refused leaves that one past the receiver's
 * RCV.NXT: with its window still zero the receiver drops every ACK of
 * the prober without looking at its ACK field, answers to its keep-alive
 * probes (it gives up on a live peer) and acknowledgments of its FIN or
 * data (it retransmits until R2 ends the connection, on a perfect
 * channel) among them. deliver() notes when a segment of the pair is
 * such a lost ACK: zero length, not acceptable, and either beyond
 * RCV.NXT or acknowledging something new. FP_STRICT_KA=1 makes the
 * timeouts that follow oracle failures; by default a run that shows it
 * is excused from the timeout oracles (and counted).
 */
#ifndef FP_STRICT_KA
#define FP_STRICT_KA 0
#endif

/* 3.10.7.4 first, for a zero-length segment at 'seq'. */
static bool ack_acceptable(tcp_seq rcv_nxt, tcp_seq rcv_adv, tcp_seq seq)
{
	if (!tcp_seq_gt(rcv_adv, rcv_nxt))
		return tcp_seq_eq(seq, rcv_nxt);
	return tcp_seq_in(seq, rcv_nxt, rcv_adv);
}

/* Before 'in' goes to side 'to': is it a valid ACK the stack will lose? */
FP_ORACLE static void note_lost_ack(struct fp *f, int to,
                                    const struct tcp_seg *in)
{
	const struct fp_side *s = &f->side[to];
	const struct tcp_conn *c;
	struct tcp_tuple t;
	int h;

	if (f->lost_ack || tcp_seg_len(in) != 0 ||
	    !(in->flags & TCP_FLAG_ACK) ||
	    (in->flags & (TCP_FLAG_RST | TCP_FLAG_SYN)))
		return;
	memset(&t, 0, sizeof(t));
	t.laddr = s->addr;
	t.raddr = f->side[1 - to].addr;
	t.lport = in->dport;
	t.rport = in->sport;
	h = tcp_stack_demux(&s->st, &t);
	if (h < 0)
		return;
	c = &s->slots[h].conn;
	if (!tcp_state_is_synchronized(c->state) ||
	    ack_acceptable(c->rcv_nxt, c->rcv_adv, in->seq))
		return;
	if (tcp_seq_gt(in->seq, c->rcv_nxt) ||
	    (tcp_seq_gt(in->ack, c->snd_una) &&
	     tcp_seq_le(in->ack, c->snd_max))) {
		f->lost_ack = true;
		g_lost_ack++;
		if (g_debug)
			fprintf(stderr,
			        "  known issue: a valid ACK dropped for "
			        "its SEQ\n");
	}
}

/*
 * RFC 9293 gives a connection only so many ways to die: the user's ABORT
 * or a close that loses data, a RST (the peer aborted, or lost its state),
 * a timeout (R2 / user timeout, keep-alive), an ICMP hard error. When the
 * run so far rules each of them out (no loss, no delay, no mutation taken
 * as valid, no abortive call, no eviction, no port reuse), no connection
 * may end abnormally.
 */
FP_ORACLE static void check_abnormal(struct fp *f, int side,
                                     const struct fp_tev *t)
{
	const struct tcp_trace_ev *ev = &t->ev;
	bool timeout = ev->cause == TCP_CAUSE_TIMEOUT_USER ||
	               ev->cause == TCP_CAUSE_TIMEOUT_KEEPALIVE;

	if (!abnormal_end(ev))
		return;
	f->abnormal = true;
	if (timeout && f->lost_ack && !FP_STRICT_KA) {
		g_ka_seq++;
		f->timed_out = true;
		return;
	}
	if (timeout && f->final && ev->cause == TCP_CAUSE_TIMEOUT_USER &&
	    !f->valid_mut && !f->excuse_rst && !f->storm_sig &&
	    f->lossy == f->lossy_final && /* every segment since arrived */
	    ev->now_us - f->final_us > reliable_grace(f))
		FP_FAIL("%s: %s -> CLOSED (%s) %llu s after the channel "
		        "became reliable: retransmissions were never "
		        "acknowledged",
		        g_name[side], tcp_state_name(ev->from),
		        tcp_cause_name(ev->cause),
		        (unsigned long long)((ev->now_us - f->final_us) /
		                             1000000u));
	if (timeout) {
		if (!f->lossy && !f->excuse_timeout && !f->valid_mut)
			FP_FAIL("%s: %s -> CLOSED (%s) though no segment was "
			        "lost or delayed, no user timeout was set and "
			        "no port reused",
			        g_name[side], tcp_state_name(ev->from),
			        tcp_cause_name(ev->cause));
		f->timed_out = true;
		return;
	}
	if (!f->lossy && !f->excuse_timeout && !f->excuse_rst &&
	    !f->valid_mut && !f->timed_out)
		FP_FAIL("%s: %s -> CLOSED (%s) though no segment was lost, "
		        "delayed or mutated and neither application aborted "
		        "or closed early",
		        g_name[side], tcp_state_name(ev->from),
		        tcp_cause_name(ev->cause));
}

/* The application's record of the connection in slot k, if any. */
static struct fp_conn *conn_of_slot(struct fp_side *s, size_t k)
{
	unsigned i;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i].h == (int)k && !s->conns[i].over)
			return &s->conns[i];
	return NULL;
}

/*
 * What fuzz_pair adds to the oracle's check of the state changes (which
 * ran first, in after_step): only the stack a step drove changes state,
 * the abnormal-end oracle, and the applications' records follow their
 * incarnations.
 */
FP_ORACLE static void check_trace(struct fp *f)
{
	unsigned i;

	for (i = 0; i < f->trace_n; i++) {
		const struct tcp_trace_ev *ev = &f->trace[i].ev;
		int sd = f->trace[i].side;
		struct fp_side *s = &f->side[sd];
		struct fp_conn *e = NULL;
		size_t k;

		if (sd != f->step_side)
			FP_FAIL("%s changed state during a step of %s",
			        g_name[sd], g_name[f->step_side]);
		if (g_debug)
			fprintf(stderr, "  %s: %s -> %s (%s)\n", g_name[sd],
			        tcp_state_name(ev->from),
			        tcp_state_name(ev->to),
			        tcp_cause_name(ev->cause));
		check_abnormal(f, sd, &f->trace[i]);
		/* The application's record follows its incarnation. */
		for (k = 0; k < s->nslots; k++)
			if (&s->slots[k].conn == ev->conn)
				e = conn_of_slot(s, k);
		if (e) {
			if (ev->from == TCP_TIME_WAIT &&
			    ev->to == TCP_SYN_RECEIVED) {
				/* Reopened: a new incarnation, the old one
				 * ended in TIME-WAIT. */
				e->over = true;
			} else {
				e->state = ev->to;
				if (ev->to == TCP_CLOSED)
					e->over = true;
				if (!e->have_irs &&
				    tcp_state_is_synchronized(ev->to)) {
					e->have_irs = true;
					e->irs = f->trace[i].irs;
				}
			}
		}
	}
	f->trace_n = 0;
}

/* ---- The applications' reads --------------------------------------------- */

/* The record, on side 'side', of the connection whose ISS is 'iss'. */
static struct fp_conn *writer_of(struct fp *f, int side, uint32_t iss)
{
	struct fp_side *s = &f->side[side];
	unsigned i;

	for (i = s->nconns; i-- > 0;)
		if (s->conns[i].iss == iss)
			return &s->conns[i];
	return NULL;
}

/*
 * An oracle (checks every byte read): no coverage. The reader's bytes must
 * be exactly the next bytes its peer's application wrote: no duplicate,
 * nothing out of order, nothing never sent; the end of the stream only
 * after all of them, and only once the peer closed. A direction in which
 * a mutated packet with a valid checksum changed flags, SEQ or payload is
 * exempt: such a packet is a legitimate peer segment saying something
 * else.
 */
FP_ORACLE static int app_recv(struct fp *f, struct fp_side *s, uint32_t cap)
{
	struct fp_conn *e = &s->conns[s->cur];
	struct tcp_conn *c = tcp_stack_conn(&s->st, e->h);
	int peer = 1 - s->id;
	struct fp_conn *w;
	int r, i;

	if (cap > sizeof(f->appbuf))
		cap = sizeof(f->appbuf);
	if (cap == 0)
		cap = 1;
	r = tcp_conn_recv(c, &s->env, f->now_us, f->appbuf, cap, &f->out);
	if (r < 0)
		return r;
	if ((uint32_t)r > cap)
		FP_FAIL("recv returned %d bytes for a buffer of %u", r, cap);
	if (!e->have_irs)
		FP_FAIL("%s: recv returned %d on a connection never "
		        "synchronized (%s)",
		        g_name[s->id], r, tcp_state_name(c->state));
	if (c->state != TCP_CLOSED && c->irs.v != e->irs)
		FP_FAIL("%s: the IRS of an open connection changed from %u to "
		        "%u",
		        g_name[s->id], e->irs, c->irs.v);
	if (r == 0)
		e->eof = true;
	if (f->taint[peer]) {
		e->read += (uint32_t)r;
		return r;
	}
	w = writer_of(f, peer, e->irs);
	if (r == 0) {
		if (!w || !w->shut)
			FP_FAIL("%s: end of stream, but %s's application never "
			        "closed (IRS %u)",
			        g_name[s->id], g_name[peer], e->irs);
		if (e->read != w->written)
			FP_FAIL("%s: end of stream after %llu bytes, %s wrote "
			        "%llu",
			        g_name[s->id], (unsigned long long)e->read,
			        g_name[peer], (unsigned long long)w->written);
		return 0;
	}
	if (!w)
		FP_FAIL("%s: read %d bytes of a connection (IRS %u) %s's "
		        "application never had",
		        g_name[s->id], r, e->irs, g_name[peer]);
	for (i = 0; i < r; i++) {
		uint8_t want = pat_byte(peer, e->irs, e->read);

		if (e->read >= w->written)
			FP_FAIL("%s: read byte %llu, %s wrote only %llu",
			        g_name[s->id], (unsigned long long)e->read,
			        g_name[peer], (unsigned long long)w->written);
		if (f->appbuf[i] != want)
			FP_FAIL("%s read byte %llu = 0x%02x, %s wrote 0x%02x "
			        "there (duplicate, reordered or never sent)",
			        g_name[s->id], (unsigned long long)e->read,
			        f->appbuf[i], g_name[peer], want);
		e->read++;
	}
	return r;
}

/* ---- The channel ----------------------------------------------------------
 */

/* Inserts pool entry 'idx' by its due time, after the entries due no later
 * (arrival order is stable). */
static void chan_insert(struct fp *f, int d, unsigned idx)
{
	struct fp_chan *q = &f->q[d];
	uint64_t due = f->pool[d][idx].due;
	unsigned pos = q->n;

	while (pos > 0 && f->pool[d][q->ord[pos - 1]].due > due) {
		q->ord[pos] = q->ord[pos - 1];
		pos--;
	}
	q->ord[pos] = (uint8_t)idx;
	q->used[idx] = true;
	q->n++;
}

/* Takes the entry at position 'pos' out of the order (not freed). */
static unsigned chan_take(struct fp *f, int d, unsigned pos)
{
	struct fp_chan *q = &f->q[d];
	unsigned idx = q->ord[pos];

	memmove(&q->ord[pos], &q->ord[pos + 1], q->n - pos - 1);
	q->n--;
	return idx;
}

static int chan_alloc(struct fp *f, int d)
{
	unsigned i;

	for (i = 0; i < FP_QCAP; i++)
		if (!f->q[d].used[i])
			return (int)i;
	return -1;
}

/*
 * The oracle checked every emitted segment (it serializes and parses back
 * to the same thing with a valid checksum, lies in its connection's
 * sequence space, no RST for a RST). What is fuzz_pair's own: the
 * addresses are the pair's, and the IPv4 packet that goes into the channel
 * (with the segment's IP options, TTL and TOS, which carries ECN: not the
 * oracle's plain header) parses as IP around the TCP bytes. Then it goes
 * into the channel (or is lost when the channel is full).
 */
FP_ORACLE static void check_out(struct fp *f)
{
	struct fp_side *sd = &f->side[f->step_side];
	struct fp_side *peer = &f->side[1 - f->step_side];
	int d = f->step_side;
	uint32_t i;

	if (f->out.overflow)
		f->lossy++;
	if (f->seg_bad && f->out.n > 0)
		FP_FAIL("%s: a packet that does not parse drew a reply",
		        g_name[sd->id]);
	for (i = 0; i < f->out.n; i++) {
		const struct tcp_out_seg *o = &f->out.segs[i];
		const struct tcp_seg *s = &o->seg;
		struct tcp_ip_info ip;
		size_t tl, hl, ihl;
		int idx;

		if (g_debug)
			fprintf(stderr,
			        "  %s out %u > %u flags 0x%03x seq %u ack %u "
			        "win %u len %u\n",
			        g_name[sd->id], s->sport, s->dport, s->flags,
			        s->seq.v, s->ack.v, s->wnd, s->payload_bytes);
		if (!tcp_addr_eq(&o->tuple.laddr, &sd->addr) ||
		    !tcp_addr_eq(&o->tuple.raddr, &peer->addr))
			FP_FAIL("%s: segment with addresses not of the pair",
			        g_name[sd->id]);
		ihl = TCP_IP4_HDR_MIN +
		      (o->ip.opt_len <= TCP_IP_OPTS_MAX ? o->ip.opt_len : 0);
		tl = tcp_seg_emit(s, &o->tuple.laddr, &o->tuple.raddr,
		                  f->scratch + ihl, sizeof(f->scratch) - ihl);
		hl =
		    tcp_wire_ip_emit_opts(&o->tuple.laddr, &o->tuple.raddr,
		                          o->ip.ttl ? o->ip.ttl : 64, o->ip.tos,
		                          0, o->ip.opts, ihl - TCP_IP4_HDR_MIN,
		                          tl, f->scratch, ihl);
		if (tl == 0 || hl != ihl)
			FP_FAIL("%s: IP packet of an emitted segment not "
			        "written",
			        g_name[sd->id]);
		if (tcp_wire_ip_parse(f->scratch, hl + tl, &ip) !=
		        TCP_WHY_NONE ||
		    ip.tcp_len != tl)
			FP_FAIL("%s: emitted packet does not parse as IP",
			        g_name[sd->id]);
		/* Into the channel. */
		idx = chan_alloc(f, d);
		if (idx < 0) {
			f->lossy++;
			if (g_debug)
				fprintf(stderr, "  channel full: lost\n");
			continue;
		}
		memcpy(f->pool[d][idx].b, f->scratch, hl + tl);
		f->pool[d][idx].len = (uint16_t)(hl + tl);
		f->pool[d][idx].born = f->now_us;
		f->pool[d][idx].due = f->now_us + f->latency_us;
		f->pool[d][idx].mut = 0;
		chan_insert(f, d, (unsigned)idx);
	}
	tcp_out_reset(&f->out);
}

/*
 * After a step of f->step_side: the shared oracle first (state changes and
 * their causes, emitted segments, every slot), then fuzz_pair's own.
 */
FP_ORACLE static void after_step(struct fp *f)
{
	struct fp_side *s = &f->side[f->step_side];
	size_t k;

	if (f->seg_bad && f->trace_n > 0)
		FP_FAIL("%s: a packet that does not parse changed a state",
		        g_name[s->id]);
	if (sd_oracle_end(s->oracle, &f->out, 0) != 0)
		FP_FAIL("%s: %s", g_name[s->id], s->oracle->msg);
	check_trace(f);
	check_out(f);
	k = s->st.drops[TCP_WHY_BACKLOG_FULL] + s->st.drops[TCP_WHY_TABLE_FULL];
	if (k != f->full_drops[s->id]) {
		f->full_drops[s->id] = (uint32_t)k;
		f->lossy++; /* a SYN dropped: the peer times out, maybe */
	}
	if (s->st.evictions)
		f->excuse_rst = true;
	f->seg_bad = false;
}

/* ---- Steps ----------------------------------------------------------------
 */

/* Before a step of 'side': what drives it, the inbound segment if any. */
static void begin(struct fp *f, int side, enum sd_step step,
                  const struct tcp_seg *in)
{
	sd_oracle_begin(f->side[side].oracle, step, in);
	f->step_side = side;
}

static bool apps_service(struct fp *f);

/*
 * Delivers the packet at position 'pos' of direction d to its stack, or
 * drops it when it outlived the MSL.
 */
static void deliver(struct fp *f, int d, unsigned pos)
{
	unsigned idx = chan_take(f, d, pos);
	struct fp_pkt *p = &f->pool[d][idx];
	struct fp_side *to = &f->side[1 - d];
	struct tcp_ip_info ip;
	struct tcp_seg in;
	bool ok;

	if (f->now_us - p->born > f->msl_us) {
		f->lossy++;
		f->q[d].used[idx] = false;
		if (g_debug)
			fprintf(stderr,
			        "t=%llu %s>%s packet older than MSL: "
			        "dropped\n",
			        (unsigned long long)f->now_us, g_name[d],
			        g_name[1 - d]);
		return;
	}
	/* The checksum of a packet nobody changed was checked when it was
	 * sent (the oracle, check_out): only a mutated one needs the full
	 * parse. */
	ok = tcp_wire_ip_parse(p->b, p->len, &ip) == TCP_WHY_NONE &&
	     tcp_seg_parse(&in, ip.tcp, ip.tcp_len, p->mut ? &ip.src : NULL,
	                   p->mut ? &ip.dst : NULL) == TCP_WHY_NONE;
	if (p->mut) {
		if (ok) {
			/* A legitimate segment saying something else. */
			f->valid_mut = true;
			if (p->mut & FP_MUT_CONTENT)
				f->taint[d] = true;
		} else {
			f->lossy++; /* MUST-3 / MUST-7: dropped */
		}
	} else if (!ok) {
		FP_FAIL("a packet nobody mutated does not parse");
	}
	if (ok)
		note_lost_ack(f, 1 - d, &in);
	f->seg_bad = !ok;
	begin(f, 1 - d, SD_STEP_SEG, ok ? &in : NULL);
	if (g_debug) {
		if (ok)
			fprintf(stderr,
			        "t=%llu %s>%s %u > %u flags 0x%03x seq %u ack "
			        "%u win %u len %u%s\n",
			        (unsigned long long)f->now_us, g_name[d],
			        g_name[1 - d], in.sport, in.dport, in.flags,
			        in.seq.v, in.ack.v, in.wnd, in.payload_bytes,
			        p->mut ? " (mutated)" : "");
		else
			fprintf(stderr, "t=%llu %s>%s bad packet\n",
			        (unsigned long long)f->now_us, g_name[d],
			        g_name[1 - d]);
	}
	(void)tcp_stack_input_packet(&to->st, &to->env, f->now_us, p->b, p->len,
	                             &f->out);
	after_step(f);
	f->q[d].used[idx] = false;
}

static void poll_side(struct fp *f, int side)
{
	struct fp_side *s = &f->side[side];

	begin(f, side, SD_STEP_TIME, NULL);
	if (g_debug)
		fprintf(stderr, "t=%llu %s poll\n",
		        (unsigned long long)f->now_us, g_name[side]);
	tcp_stack_poll(&s->st, &s->env, f->now_us, &f->out);
	after_step(f);
	if (g_debug && s->spin > 1) {
		uint32_t k;

		for (k = 0; k < s->nslots; k++) {
			const struct tcp_conn *c = &s->slots[k].conn;

			if (s->slots[k].use == TCP_SLOT_FREE)
				continue;
			fprintf(stderr,
			        "  %s slot %u %s fl 0x%08x rtx %lld persist "
			        "%lld delack %lld ka %lld tw %lld sws %lld\n",
			        g_name[side], k, tcp_state_name(c->state),
			        c->fl, (long long)c->t_rtx,
			        (long long)c->t_persist, (long long)c->t_delack,
			        (long long)c->t_keepalive,
			        (long long)c->t_timewait, (long long)c->t_sws);
		}
	}
}

/*
 * The next deadline of a side. One still due after FP_SPIN_MAX polls at
 * the same instant fails the run (an event loop would spin); one made due
 * by an application call between two polls is fine. This target found the
 * SWS override timer (RFC 9293 3.8.6.2.1) staying due while the peer's
 * window was zero (fixed in conn.c; fp_repro_stale_sws_deadline).
 */
static uint64_t side_deadline(struct fp *f, int side)
{
	return tcp_stack_next_deadline_us(&f->side[side].st);
}

/* The end-to-end oracle does not apply to this run (final_check). */
static bool excused(const struct fp *f)
{
	return f->abnormal || f->valid_mut || f->excuse_rst || f->storm_sig;
}

/*
 * Known stack issue (found by this target, open): the stack's pure ACKs
 * carry SEQ = SND.MAX, which the peer does not always find
 * acceptable (RFC 9293 3.10.7.4 first: RCV.NXT =< SEG.SEQ < RCV.NXT +
 * RCV.WND for a zero-length segment, SEG.SEQ = RCV.NXT with a zero
 * window). An unacceptable ACK is answered by an ACK and dropped before
 * its ACK field is looked at. When that holds both ways, every ACK draws
 * an ACK from the other end that is dropped in turn: an ACK storm, one
 * chain per segment that started it, at the speed of the channel. Seen:
 *  - both ends filled the other's window exactly while a hole keeps
 *    RCV.NXT back: SND.NXT is the right edge, outside the half-open
 *    window (lasts until a retransmission fills a hole);
 *  - (fixed: pure ACKs now carry SND.MAX; fp_repro_ack_storm_after_gobackn
 *    stays as its regression input) both ends pulled SND.NXT back to
 *    SND.UNA after a retransmission timeout (go back N) while the other
 *    had already received all they sent: SEQ < RCV.NXT, no ACK field was
 *    ever processed again, and both ends went on until R2.
 * The pattern: a synchronized pair each of whose SND.MAX (the SEQ of its
 * pure ACKs) the other would not accept, while both drop segments as not
 * acceptable. With
 * FP_STRICT_STORM=1 the end-to-end oracles fail on it (no quiescence, or
 * a user timeout long after the channel became reliable); by default a
 * run that shows it is excused from them (and counted), so that fuzzing
 * goes on past it.
 */
#ifndef FP_STRICT_STORM
#define FP_STRICT_STORM 0
#endif
#define FP_STORM_DROPS 50u

FP_ORACLE static void storm_check(struct fp *f)
{
	const struct fp_side *a = &f->side[FP_A], *b = &f->side[FP_B];
	uint32_t i, j;

	if (f->storm_sig || FP_STRICT_STORM ||
	    a->st.drops[TCP_WHY_SEQ_NOT_ACCEPTABLE] <
	        f->unacc_final[FP_A] + FP_STORM_DROPS ||
	    b->st.drops[TCP_WHY_SEQ_NOT_ACCEPTABLE] <
	        f->unacc_final[FP_B] + FP_STORM_DROPS)
		return;
	for (i = 0; i < a->nslots; i++) {
		const struct tcp_conn *x = &a->slots[i].conn;

		if (a->slots[i].use == TCP_SLOT_FREE ||
		    !tcp_state_is_synchronized(x->state))
			continue;
		for (j = 0; j < b->nslots; j++) {
			const struct tcp_conn *y = &b->slots[j].conn;

			if (b->slots[j].use == TCP_SLOT_FREE ||
			    !tcp_state_is_synchronized(y->state) ||
			    y->tuple.lport != x->tuple.rport ||
			    y->tuple.rport != x->tuple.lport)
				continue;
			/* Pure ACKs carry SND.MAX (conn.c). */
			if (!ack_acceptable(y->rcv_nxt, y->rcv_adv,
			                    x->snd_max) &&
			    !ack_acceptable(x->rcv_nxt, x->rcv_adv,
			                    y->snd_max)) {
				f->storm_sig = true;
				g_storm++;
				if (g_debug)
					fprintf(stderr,
					        "  known ACK-storm pattern\n");
				return;
			}
		}
	}
}

/*
 * Runs the events due up to 'until' in time order (packets falling due,
 * then the stacks' timers; A before B at the same instant). Returns false
 * when the budget ran out first: time then stays at the last event, so
 * that no timer runs late.
 */
static bool run_until(struct fp *f, uint64_t until, unsigned *budget)
{
	for (;;) {
		uint64_t t = TCP_NO_DEADLINE, dl[2];
		int what = -1, i;

		for (i = 0; i < 2; i++) {
			if (f->q[i].n > 0 &&
			    f->pool[i][f->q[i].ord[0]].due < t) {
				t = f->pool[i][f->q[i].ord[0]].due;
				what = i;
			}
		}
		for (i = 0; i < 2; i++) {
			dl[i] = side_deadline(f, i);
			if (dl[i] < t) {
				t = dl[i];
				what = 2 + i;
			}
		}
		if (what < 0 || t > until) {
			/* Nothing due: the applications may still act. */
			if (f->final && apps_service(f))
				continue;
			break;
		}
		if (*budget == 0)
			return false;
		/* The end-to-end oracle is off for this run already: no
		 * need to wait out a storm or a desynchronized pair. */
		if (f->final && *budget < FP_FINAL_EVENTS - FP_FINAL_EXCUSED &&
		    excused(f))
			return true;
		(*budget)--;
		if (t > f->now_us) {
			f->now_us = t;
			f->side[0].spin = f->side[1].spin = 0;
		}
		if (what < 2) {
			deliver(f, what, 0);
		} else {
			struct fp_side *s = &f->side[what - 2];

			if (++s->spin > FP_SPIN_MAX)
				FP_FAIL("%s: deadline %llu still due after %u "
				        "polls at %llu",
				        g_name[s->id],
				        (unsigned long long)dl[what - 2],
				        FP_SPIN_MAX,
				        (unsigned long long)f->now_us);
			poll_side(f, what - 2);
		}
		if (f->final) {
			(void)apps_service(f);
			storm_check(f);
		}
	}
	if (until > f->now_us && until != TCP_NO_DEADLINE) {
		f->now_us = until;
		f->side[0].spin = f->side[1].spin = 0;
	}
	return true;
}

static void do_time(struct fp *f, struct fp_rd *r, uint8_t op)
{
	uint8_t b = rd8(r);
	uint64_t until = f->now_us, t;
	unsigned budget = FP_STEP_EVENTS;
	int i;

	switch ((op >> 3) & 3) {
	case 0: /* small: up to 255 ms */
		until += (uint64_t)b * 1000u;
		break;
	case 1: /* to the next event, plus a little */
		t = TCP_NO_DEADLINE;
		for (i = 0; i < 2; i++) {
			uint64_t dl = side_deadline(f, i);

			if (dl < t)
				t = dl;
			if (f->q[i].n > 0 && f->pool[i][f->q[i].ord[0]].due < t)
				t = f->pool[i][f->q[i].ord[0]].due;
		}
		if (t != TCP_NO_DEADLINE && t > until)
			until = t;
		until += b;
		break;
	case 2: /* seconds */
		until += (uint64_t)b * 1000000u;
		break;
	default: /* large: up to ~42 minutes */
		until += (uint64_t)b * 10000000u;
		break;
	}
	if (g_debug)
		fprintf(stderr, "t=%llu advance to %llu\n",
		        (unsigned long long)f->now_us,
		        (unsigned long long)until);
	(void)run_until(f, until, &budget);
}

/* Rewrites the IPv4 header checksum of a packet in the channel. */
static void ip4_csum_fix(uint8_t *b)
{
	size_t ihl = (size_t)(b[0] & 0x0F) * 4u;

	b[10] = b[11] = 0;
	tcp_wire_wr16(b + 10, tcp_wire_csum_fold(tcp_wire_csum_add(0, b, ihl)));
}

static void do_channel(struct fp *f, struct fp_rd *r, uint8_t op)
{
	int d = (op >> 3) & 1;
	uint8_t a = rd8(r);
	struct fp_chan *q = &f->q[d];
	struct fp_pkt *p;
	unsigned idx;
	int n;

	if (q->n == 0)
		return;
	p = &f->pool[d][q->ord[0]];
	if (g_debug)
		fprintf(stderr, "t=%llu channel %s>%s action %u arg %u\n",
		        (unsigned long long)f->now_us, g_name[d], g_name[1 - d],
		        (op >> 4) & 7u, a);
	switch ((op >> 4) & 7) {
	case 0: /* deliver the head now */
		deliver(f, d, 0);
		break;
	case 1: /* drop the head */
		idx = chan_take(f, d, 0);
		q->used[idx] = false;
		f->lossy++;
		break;
	case 2: /* duplicate the head; the copy arrives up to 255 ms later */
		n = chan_alloc(f, d);
		if (n < 0)
			break;
		f->pool[d][n] = *p;
		f->pool[d][n].due = f->now_us + f->latency_us + a * 1000u;
		chan_insert(f, d, (unsigned)n);
		break;
	case 3: /* swap the head and the next (their times too) */
		if (q->n >= 2) {
			struct fp_pkt *p1 = &f->pool[d][q->ord[1]];
			uint64_t due = p->due;
			uint8_t t = q->ord[0];

			p->due = p1->due;
			p1->due = due;
			q->ord[0] = q->ord[1];
			q->ord[1] = t;
		}
		break;
	case 4: /* delay the head by 100 ms units */
	case 5: /* delay the head by 1 ms units */
		idx = chan_take(f, d, 0);
		f->pool[d][idx].due += (uint64_t)(a + 1u) *
		                       (((op >> 4) & 7) == 4 ? 100000u : 1000u);
		chan_insert(f, d, idx);
		f->lossy++;
		break;
	case 6: /* a router marks congestion (RFC 3168 5): ECT -> CE */
		if ((p->b[1] & TCP_ECN_MASK) == TCP_ECN_ECT0 ||
		    (p->b[1] & TCP_ECN_MASK) == TCP_ECN_ECT1) {
			p->b[1] |= TCP_ECN_CE;
			ip4_csum_fix(p->b);
		}
		break;
	default: /* deliver the whole direction, in order */
		while (q->n > 0)
			deliver(f, d, 0);
		break;
	}
}

static void do_mutate(struct fp *f, struct fp_rd *r, uint8_t op)
{
	int d = (op >> 3) & 1;
	bool fix = (op >> 4) & 1;
	unsigned field = (op >> 5) & 7;
	uint8_t which = rd8(r), v = rd8(r), at = rd8(r);
	struct fp_chan *q = &f->q[d];
	struct fp_pkt *p;
	struct tcp_ip_info ip;
	struct tcp_wire_view view;
	uint8_t *t;
	size_t olen, plen, hb;
	uint8_t before[4], mut = 0;
	size_t off = 0, width = 0;

	if (q->n == 0)
		return;
	p = &f->pool[d][q->ord[which % q->n]];
	if (tcp_wire_ip_parse(p->b, p->len, &ip) != TCP_WHY_NONE ||
	    tcp_wire_view_init(&view, ip.tcp, ip.tcp_len) != TCP_WHY_NONE)
		return;
	t = p->b + ip.ip_hdr_bytes;
	hb = view.hdr_bytes;
	olen = hb - TCP_HDR_MIN;
	plen = ip.tcp_len - hb;
	switch (field) {
	case 0: /* flags (byte 13) */
		off = TCP_OFF_FLAGS;
		width = 1;
		mut = FP_MUT_CONTENT;
		break;
	case 1: /* SEQ by a small delta */
	case 6: /* SEQ by 1024s */
		off = TCP_OFF_SEQ;
		width = 4;
		mut = FP_MUT_CONTENT;
		break;
	case 2: /* ACK by a small delta */
	case 7: /* ACK by 1024s */
		off = TCP_OFF_ACK;
		width = 4;
		mut = FP_MUT_OTHER;
		break;
	case 3: /* window */
		off = TCP_OFF_WND;
		width = 2;
		mut = FP_MUT_OTHER;
		break;
	case 4: /* a payload byte */
		if (plen == 0)
			return;
		off = hb + at % plen;
		width = 1;
		mut = FP_MUT_CONTENT;
		break;
	default: /* an option byte */
		if (olen == 0)
			return;
		off = TCP_HDR_MIN + at % olen;
		width = 1;
		mut = FP_MUT_OTHER;
		break;
	}
	memcpy(before, t + off, width);
	switch (field) {
	case 1:
	case 2:
		tcp_wire_wr32(t + off,
		              tcp_wire_rd32(t + off) + (uint32_t)(int8_t)v);
		break;
	case 6:
	case 7:
		tcp_wire_wr32(t + off, tcp_wire_rd32(t + off) +
		                           (uint32_t)(int8_t)v * 1024u);
		break;
	case 3:
		tcp_wire_wr16(t + off, (uint16_t)(tcp_wire_rd16(t + off) ^
		                                  (uint16_t)(v << (at & 8))));
		break;
	default:
		t[off] ^= v;
		break;
	}
	if (memcmp(before, t + off, width) == 0)
		return; /* nothing changed */
	p->mut |= mut;
	if (fix)
		tcp_wire_tcp_csum_fill(&ip.src, &ip.dst, t, ip.tcp_len);
	if (g_debug)
		fprintf(stderr,
		        "t=%llu mutate %s>%s packet %u field %u by %u%s\n",
		        (unsigned long long)f->now_us, g_name[d], g_name[1 - d],
		        which % q->n, field, v, fix ? ", checksum fixed" : "");
}

/* ---- The applications ------------------------------------------------------
 */

static struct fp_conn *new_conn(struct fp_side *s, int h)
{
	struct tcp_conn *c = tcp_stack_conn(&s->st, h);
	struct fp_conn *e;

	if (s->nconns >= FP_CONNS || !c)
		return NULL;
	e = &s->conns[s->nconns];
	memset(e, 0, sizeof(*e));
	e->h = h;
	e->open = true;
	e->state = c->state;
	e->iss = c->iss.v;
	e->lport = c->tuple.lport;
	if (s->id == FP_B) {
		e->have_irs = true;
		e->irs = c->irs.v;
	}
	s->cur = (int)s->nconns++;
	return e;
}

static void app_send(struct fp *f, struct fp_side *s, uint32_t n,
                     unsigned flags)
{
	struct fp_conn *e = &s->conns[s->cur];
	struct tcp_conn *c = tcp_stack_conn(&s->st, e->h);
	int r;

	if (n > sizeof(f->sendbuf))
		n = sizeof(f->sendbuf);
	if (c->iss.v != e->iss && c->state != TCP_CLOSED)
		FP_FAIL("%s: the ISS of an open connection changed",
		        g_name[s->id]);
	fill_pat(f->sendbuf, s->id, e->iss, e->written, n);
	r = tcp_conn_send(c, &s->env, f->now_us, f->sendbuf, n, flags, &f->out);
	if (r > 0) {
		if ((uint32_t)r > n)
			FP_FAIL("send accepted %d bytes of %u", r, n);
		if (e->shut)
			FP_FAIL("%s: send accepted %d bytes after CLOSE",
			        g_name[s->id], r);
		e->written += (uint32_t)r;
	}
}

/* CLOSE: TCP_CLOSE_SEND (shutdown) or TCP_CLOSE_FULL (gives the handle up). */
static void app_close(struct fp *f, struct fp_side *s, int how)
{
	struct fp_conn *e = &s->conns[s->cur];
	struct tcp_conn *c = tcp_stack_conn(&s->st, e->h);

	/* 3.10.4: a CLOSE in SYN-SENT deletes the TCB, queued data too. */
	if (c->state == TCP_SYN_SENT)
		f->excuse_rst = true;
	/* SHLD-3: a full close before the end of the stream may reset. */
	if (how == TCP_CLOSE_FULL && !e->eof)
		f->excuse_rst = true;
	(void)tcp_stack_close(&s->st, &s->env, f->now_us, e->h, how, &f->out);
	e->shut = true;
	if (how == TCP_CLOSE_FULL) {
		e->open = false;
		s->cur = -1;
	}
}

/* One application call: the step around it and its oracles. */
static void app_call(struct fp *f, struct fp_side *s, unsigned code,
                     uint8_t arg)
{
	struct tcp_conn *c;
	struct tcp_tuple t;
	int h;

	if (s->cur < 0 && code != 0 && code != 15)
		return; /* no connection to act on */
	begin(f, s->id, SD_STEP_APP, NULL);
	if (g_debug)
		fprintf(stderr, "t=%llu %s app call %u arg %u\n",
		        (unsigned long long)f->now_us, g_name[s->id], code,
		        arg);
	switch (code) {
	case 0:
	case 15: /* A: connect; B: accept */
		if (s->cur >= 0)
			break;
		if (s->id == FP_B) {
			h = tcp_stack_accept(&s->st, s->listener);
			if (h >= 0 && !new_conn(s, h)) {
				/* No room to record it: the app aborts it. */
				f->excuse_rst = true;
				(void)tcp_stack_abort(&s->st, &s->env,
				                      f->now_us, h, &f->out);
			}
			break;
		}
		if (f->connects >= FP_MAX_CONNECTS)
			break;
		memset(&t, 0, sizeof(t));
		t.laddr = s->addr;
		t.raddr = f->side[FP_B].addr;
		t.rport = FP_PORT_B;
		if ((arg & 1) && s->nconns > 0) {
			/* The previous connection's port: B may reopen
			 * its TIME-WAIT (RFC 9293 3.6.1, RFC 6191). */
			t.lport = s->conns[s->nconns - 1].lport;
			/* B's old incarnation may hold the 4-tuple in
			 * TIME-WAIT (2 MSL) and refuse the new SYN. */
			f->excuse_rst = true;
			f->excuse_timeout = true;
		}
		h = tcp_stack_connect(&s->st, &s->env, f->now_us, &t, &f->out);
		if (h >= 0) {
			f->connects++;
			if (!new_conn(s, h)) {
				f->excuse_rst = true;
				(void)tcp_stack_abort(&s->st, &s->env,
				                      f->now_us, h, &f->out);
			}
		}
		break;
	case 1:
	case 2:
	case 3:
	case 12: /* send */
		app_send(f, s, (uint32_t)(arg & 0x7F) * 32u + 1u,
		         (arg & 0x80) ? TCP_SEND_PUSH : 0);
		break;
	case 4:
	case 5:
	case 13: /* recv */
		(void)app_recv(f, s, (arg & 0x80) ? FP_BUF_MAX : arg + 1u);
		break;
	case 6:
	case 14: /* recv until nothing is left */
		for (h = 0; h < 8; h++)
			if (app_recv(f, s, FP_BUF_MAX) <= 0)
				break;
		break;
	case 7: /* shutdown */
		app_close(f, s, TCP_CLOSE_SEND);
		break;
	case 8: /* close */
		app_close(f, s, TCP_CLOSE_FULL);
		break;
	case 9: /* abort */
		f->excuse_rst = true;
		(void)tcp_stack_abort(&s->st, &s->env, f->now_us,
		                      s->conns[s->cur].h, &f->out);
		s->conns[s->cur].open = false;
		s->cur = -1;
		break;
	case 10: /* socket options */
		c = tcp_stack_conn(&s->st, s->conns[s->cur].h);
		tcp_conn_set_nodelay(c, arg & 1);
		tcp_conn_set_keepalive(c, (arg & 2) != 0);
		if (arg & 4) {
			f->excuse_timeout = true;
			tcp_conn_set_user_timeout(c, (uint64_t)(arg >> 3) *
			                                 10000000u);
		}
		break;
	default: /* send urgent data */
		app_send(f, s, (uint32_t)(arg & 63) + 1u, TCP_SEND_URGENT);
		break;
	}
	after_step(f);
}

/*
 * The applications of the reliable phase: B accepts what is ready; each
 * reads all there is, shuts down once established, and closes for good
 * after the end of the stream (or once the connection is gone). Returns
 * true when it did something (each of these happens a bounded number of
 * times).
 */
static bool app_service(struct fp *f, struct fp_side *s)
{
	struct tcp_conn *c;
	struct fp_conn *e;
	bool did = false;
	int i;

	if (s->cur < 0 && s->id == FP_B) {
		int h = tcp_stack_accept(&s->st, s->listener);

		if (h >= 0) {
			begin(f, s->id, SD_STEP_APP, NULL);
			if (!new_conn(s, h)) {
				f->excuse_rst = true;
				(void)tcp_stack_abort(&s->st, &s->env,
				                      f->now_us, h, &f->out);
			}
			after_step(f);
			did = true;
		}
	}
	if (s->cur < 0)
		return did;
	e = &s->conns[s->cur];
	c = tcp_stack_conn(&s->st, e->h);
	if (c->rx.len > 0 || (!e->eof && (c->fl & TCP_CF_FIN_RCVD))) {
		begin(f, s->id, SD_STEP_APP, NULL);
		for (i = 0; i < 16; i++)
			if (app_recv(f, s, FP_BUF_MAX) <= 0)
				break;
		after_step(f);
		did = true;
	}
	if (!e->shut &&
	    (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)) {
		begin(f, s->id, SD_STEP_APP, NULL);
		app_close(f, s, TCP_CLOSE_SEND);
		after_step(f);
		did = true;
	}
	if ((e->eof && e->shut) || c->state == TCP_CLOSED) {
		begin(f, s->id, SD_STEP_APP, NULL);
		app_close(f, s, TCP_CLOSE_FULL);
		after_step(f);
		did = true;
	}
	return did;
}

/* Both applications, until neither has anything left to do now. */
static bool apps_service(struct fp *f)
{
	bool any = false;
	int i;

	for (i = 0; i < 16; i++) {
		bool a = app_service(f, &f->side[FP_A]);
		bool b = app_service(f, &f->side[FP_B]);

		if (!a && !b)
			break;
		any = true;
	}
	return any;
}

/* ---- The end-to-end oracle ------------------------------------------------
 */

/*
 * After the reliable phase: when nothing in the run could legitimately
 * end a connection early or lose data (no connection ended abnormally, no
 * mutated packet was taken as valid, no abort, early close, eviction or
 * port reuse), every connection A opened was accepted by B, each side
 * read exactly what the other wrote up to the end of the stream, and both
 * ends are CLOSED or in TIME-WAIT. Losses and delays do not excuse a
 * failure here: TCP recovers from them, or gives up with a timeout that
 * counts as an abnormal end.
 */
FP_ORACLE static void final_check(struct fp *f, bool quiet)
{
	struct fp_side *a = &f->side[FP_A], *b = &f->side[FP_B];
	unsigned i, j;

	for (i = 0; i < b->nconns; i++)
		if (writer_of(f, FP_A, b->conns[i].irs))
			break;
	if (i < b->nconns)
		g_pairs++;
	for (i = 0; i < b->nconns; i++)
		if (b->conns[i].read > 0)
			g_data_ab++;
	for (i = 0; i < a->nconns; i++)
		if (a->conns[i].read > 0)
			g_data_ba++;
	if (a->nconns == 0)
		return;
	if (excused(f)) {
		g_excused++;
		g_why[0] += f->abnormal;
		g_why[1] += f->valid_mut;
		g_why[2] += f->excuse_rst;
		g_why[3] += f->storm_sig;
		return;
	}
	g_checked++;
	if (!quiet)
		FP_FAIL("no quiescence: %u events of the reliable phase did "
		        "not end the connections (segments dropped as not "
		        "acceptable: A %u, B %u)",
		        FP_FINAL_EVENTS,
		        a->st.drops[TCP_WHY_SEQ_NOT_ACCEPTABLE],
		        b->st.drops[TCP_WHY_SEQ_NOT_ACCEPTABLE]);
	for (i = 0; i < a->nconns; i++) {
		const struct fp_conn *ea = &a->conns[i];
		const struct fp_conn *eb = NULL;

		for (j = 0; j < b->nconns; j++)
			if (b->conns[j].irs == ea->iss)
				eb = &b->conns[j];
		if (!eb)
			FP_FAIL("A's connection %u (ISS %u, %s) was never "
			        "accepted by B",
			        i, ea->iss, tcp_state_name(ea->state));
		if (!(ea->over || ea->state == TCP_TIME_WAIT) ||
		    !(eb->over || eb->state == TCP_TIME_WAIT))
			FP_FAIL("connection %u not finished after close: A in "
			        "%s, B in %s",
			        i, tcp_state_name(ea->state),
			        tcp_state_name(eb->state));
		if (!ea->eof || !eb->eof)
			FP_FAIL("connection %u: end of stream not seen (A %d, "
			        "B %d)",
			        i, ea->eof, eb->eof);
		if (ea->read != eb->written || eb->read != ea->written)
			FP_FAIL("connection %u: A read %llu of B's %llu bytes, "
			        "B read %llu of A's %llu",
			        i, (unsigned long long)ea->read,
			        (unsigned long long)eb->written,
			        (unsigned long long)eb->read,
			        (unsigned long long)ea->written);
	}
	for (j = 0; j < b->nconns; j++)
		if (!writer_of(f, FP_A, b->conns[j].irs))
			FP_FAIL("B accepted a connection (IRS %u) A never "
			        "opened",
			        b->conns[j].irs);
	g_both_closed++;
}

static void final_phase(struct fp *f)
{
	unsigned budget = FP_FINAL_EVENTS;
	bool quiet;

	f->final = true;
	f->final_us = f->now_us;
	f->lossy_final = f->lossy;
	f->unacc_final[FP_A] =
	    f->side[FP_A].st.drops[TCP_WHY_SEQ_NOT_ACCEPTABLE];
	f->unacc_final[FP_B] =
	    f->side[FP_B].st.drops[TCP_WHY_SEQ_NOT_ACCEPTABLE];
	if (g_debug)
		fprintf(stderr, "t=%llu reliable from now on\n",
		        (unsigned long long)f->now_us);
	(void)apps_service(f);
	quiet = run_until(f, f->now_us + FP_FINAL_US, &budget);
	final_check(f, quiet);
}

/* ---- Entry point ------------------------------------------------------------
 */

/* fuzz_conn's selector byte: profile, options, small, ECN, toggles. */
static void cfg_from(struct tcp_cfg *cfg, uint8_t sel, bool small)
{
	static const enum tcp_profile prof[4] = { TCP_PROFILE_DEFAULT,
		                                  TCP_PROFILE_RFC5961,
		                                  TCP_PROFILE_LEGACY,
		                                  TCP_PROFILE_DEFAULT };

	tcp_cfg_init(cfg, prof[sel & 3]);
	cfg->timestamps = (sel & 4) != 0;
	cfg->sack = (sel & 8) != 0;
	cfg->wscale = (sel & 16) != 0;
	if (!cfg->wscale)
		cfg->wscale_shift = 0;
	if (small) {
		cfg->mss = 536;
		cfg->keepalive_idle_us = 30000000u;
		cfg->keepalive_intvl_us = 5000000u;
		cfg->keepalive_probes = 2;
		cfg->user_timeout_us = 60000000u;
		cfg->msl_us = 10000000u;
	}
	if (sel & 64)
		cfg->ecn = TCP_ECN_MODE_ON;
	if (sel & 128) {
		cfg->rfc1337 = !cfg->rfc1337;
		cfg->delayed_ack = !cfg->delayed_ack;
		cfg->nagle = !cfg->nagle;
	}
}

static void setup_side(struct fp *f, int id, uint32_t nslots, bool small)
{
	struct fp_side *s = &f->side[id];

	s->f = f;
	s->id = id;
	s->nslots = nslots;
	s->rx_bytes = s->tx_bytes = small ? 1024u : FP_BUF_MAX;
	s->cur = -1;
	s->listener = -1;
	s->env.isn = fp_isn;
	s->env.ephemeral_port = fp_port;
	s->env.ts_offset = fp_ts_offset;
	s->env.trace = fp_trace;
	s->env.panic = fp_panic;
	s->env.ctx = s;
	s->oracle = &f->oracle[id]; /* the trace hook feeds it */
	tcp_addr_v4(&s->addr, 192, 0, 2, (uint8_t)(1 + id));
	memset(f->bufmem[id], 0xA5, (size_t)nslots * 2u * s->rx_bytes);
	if (tcp_stack_init(&s->st, &s->cfg, s->slots, nslots, f->bufmem[id],
	                   s->rx_bytes, s->tx_bytes) != 0)
		FP_FAIL("tcp_stack_init failed");
	sd_oracle_init(s->oracle, &s->cfg, s->slots, nslots, s->rx_bytes,
	               s->tx_bytes);
	s->oracle->state_hits = g_state_hits[id];
}

static void setup(struct fp *f, uint8_t s0, uint8_t s1)
{
	static const uint64_t lat_ms[4] = { 1, 5, 40, 200 };
	bool small = (s0 & 32) != 0;
	struct fp_side *b = &f->side[FP_B];

	/* Clear the small state; the big buffers stay as they are, the
	 * slot buffers are filled with a fixed pattern. */
	memset(f, 0, offsetof(struct fp, pool));
	cfg_from(&f->side[FP_A].cfg, s0, small);
	if (s1 & 4) {
		/* B differs: its options, profile and toggles. */
		uint8_t sb = s0 ^ (uint8_t)((s1 >> 1) & 0x1C);

		if (s1 & 64)
			sb = (uint8_t)((sb & ~3u) | 2u); /* LEGACY */
		sb &= (uint8_t)~64u;                     /* ECN: accept */
		if (s1 & 128)
			sb ^= 128;
		cfg_from(&b->cfg, sb, small);
	} else {
		cfg_from(&b->cfg, (uint8_t)(s0 & ~64u), small);
	}
	f->latency_us = lat_ms[s1 & 3] * 1000u;
	f->msl_us = f->side[FP_A].cfg.msl_us < b->cfg.msl_us
	                ? f->side[FP_A].cfg.msl_us
	                : b->cfg.msl_us;
	f->now_us = 1000000u;
	tcp_out_init(&f->out, f->segs, FP_OUT_SEGS, f->outdata,
	             sizeof(f->outdata));
	setup_side(f, FP_A, FP_SLOTS_A, small);
	setup_side(f, FP_B, FP_SLOTS_B, small);
	begin(f, FP_B, SD_STEP_APP, NULL);
	b->listener = tcp_stack_listen(&b->st, &b->env, f->now_us, &b->addr,
	                               FP_PORT_B, FP_CONNS);
	if (b->listener < 0)
		FP_FAIL("B cannot listen: %s", tcp_err_name(b->listener));
	after_step(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp *f = &g_fp;
	struct fp_rd r = { data, size, 0 };
	unsigned nrec = 0;
	uint8_t s0, s1;

	if (!g_stats_armed) {
		g_stats_armed = true;
		if (getenv("FUZZ_PAIR_STATS"))
			atexit(print_stats);
		g_debug = getenv("FUZZ_PAIR_DEBUG") != NULL;
	}
	if (size < 2)
		return 0;
	g_inputs++;
	s0 = rd8(&r);
	s1 = rd8(&r);
	setup(f, s0, s1);
	while (r.i < r.n && nrec++ < FP_MAX_RECORDS &&
	       f->now_us < FP_MAX_TIME_US) {
		uint8_t op = rd8(&r);

		if (op == 0xFF)
			break; /* reliable from here on */
		switch (op & 7) {
		case 0:
		case 1:
			do_time(f, &r, op);
			break;
		case 2:
		case 6:
			do_channel(f, &r, op);
			break;
		case 3:
			do_mutate(f, &r, op);
			break;
		default: {
			uint8_t arg = rd8(&r);

			app_call(f, &f->side[(op >> 3) & 1], (op >> 4) & 15u,
			         arg);
			break;
		}
		}
	}
	final_phase(f);
	return 0;
}
