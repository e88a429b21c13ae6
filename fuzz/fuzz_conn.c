/* SPDX-License-Identifier: MIT
 *
 * fuzz_conn: one reference stack driven by records decoded from the input
 * (time steps, peer segments placed relative to the connection's sequence
 * space, application calls, ICMP errors), with protocol oracles checked
 * after every step; each failing oracle prints one line and traps.
 *
 * Input: byte 0 selects the configuration, then records of an opcode byte
 * and its fields (missing bytes read as zero):
 *   op % 8 = 0,1  advance virtual time, then tcp_stack_poll
 *            2..4 inject a peer segment (IPv4 packet through the parser)
 *            5,6  an application call
 *            7    an ICMP error quoting a recently emitted segment
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpref/conn.h"
#include "tcpref/seg.h"
#include "tcpref/stack.h"
#include "tcpref/types.h"
#include "tcpref/wire.h"

#define FC_SLOTS 4
#define FC_RX_MAX 4096
#define FC_TX_MAX 4096
#define FC_OUT_SEGS 64
#define FC_OUT_DATA (FC_OUT_SEGS * 1500)
#ifndef FC_MAX_RECORDS
#define FC_MAX_RECORDS 256
#endif
#define FC_MAX_TIME_US (2ull * 3600ull * 1000000ull)
#define FC_TRACE_MAX 64
#define FC_RECENT 4
#define FC_PKT_MAX (TCP_IP4_HDR_MIN + TCP_HDR_MAX + 1500)
#define FC_LPORT0 80
#define FC_RPORT0 5000
#define FC_MAX_PAYLOAD 1400

/* Where a step came from: what causes a state change may name. */
enum fc_step {
	FC_STEP_TIME,
	FC_STEP_SEG,
	FC_STEP_APP,
	FC_STEP_ICMP
};

/* What the oracles remember of one slot between steps. */
struct fc_shadow {
	enum tcp_state state; /* last state seen in the trace */
	bool have_irs;        /* the incarnation's IRS is known */
	bool reopened;        /* SYN-RECEIVED entered from TIME-WAIT */
	bool passive;         /* SYN-RECEIVED entered from LISTEN */
	tcp_seq irs;
	uint64_t read_off; /* bytes the app read from IRS+1 */
};

/* A slot's variables before a step, to judge the segments it emitted. */
struct fc_snap {
	bool valid;
	struct tcp_tuple tuple;
	enum tcp_state state;
	tcp_seq iss, snd_una, snd_nxt, snd_max, irs, rcv_nxt;
};

struct fc {
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_stack st;
	struct tcp_stack_slot slots[FC_SLOTS];
	struct tcp_out out;
	uint64_t now_us;
	uint32_t rx_bytes, tx_bytes;
	uint32_t isn_calls;
	uint16_t port_calls;
	struct tcp_addr local, peer, router;
	uint32_t peer_isn[4];
	enum fc_step step;
	bool seg_rst; /* the injected segment carried RST */
	unsigned trace_n;
	struct fc_shadow sh[FC_SLOTS];
	struct fc_snap snap[FC_SLOTS];
	/* Payload octets the peer ever sent on each (local, remote) port. */
	uint64_t sent[10][4];
	unsigned recent_n;
	uint8_t recent[FC_RECENT][48];
	uint8_t recent_len[FC_RECENT];
	/* Not cleared per input: large scratch buffers, and the trace of a
	 * step (entries below trace_n are always written first). */
	struct tcp_out_seg segs[FC_OUT_SEGS];
	struct tcp_trace_ev trace[FC_TRACE_MAX];
	uint8_t outdata[FC_OUT_DATA];
	uint8_t bufmem[FC_SLOTS * (FC_RX_MAX + FC_TX_MAX)];
	uint8_t pkt[FC_PKT_MAX];
	uint8_t scratch[FC_PKT_MAX];
	uint8_t payload[FC_MAX_PAYLOAD];
	uint8_t appbuf[FC_RX_MAX];
};

static struct fc g_fc;

/* What the application sends: byte i of a send call is (uint8_t)i. Filled
 * once, not per call (a byte loop in instrumented code costs a traced
 * compare per byte). */
static uint8_t g_sendpat[FC_TX_MAX];

/*
 * The oracles are not part of what the fuzzer explores: no coverage
 * feedback from them (it would only add noise and cost speed).
 */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define FC_ORACLE __attribute__((no_sanitize("coverage")))
#endif
#endif
#ifndef FC_ORACLE
#define FC_ORACLE
#endif

/* States reached over the whole run (FUZZ_CONN_STATS=1 prints them). */
static uint64_t g_state_hits[TCP_STATE_COUNT];
static bool g_stats_armed;

static bool g_debug; /* FUZZ_CONN_DEBUG=1: print every step */

/* -DFC_NO_TRAP (analysis builds only): report and go on. */
#ifdef FC_NO_TRAP
#define FC_TRAP() ((void)0)
#define FC_REPORT() g_debug
#else
#define FC_REPORT() 1
#define FC_TRAP() __builtin_trap()
#endif
#define FC_FAIL(...)                                                           \
	do {                                                                   \
		if (FC_REPORT()) {                                             \
			fprintf(                                               \
			    stderr,                                            \
			    "fuzz_conn: invariant violated: " __VA_ARGS__);    \
			fputc('\n', stderr);                                   \
		}                                                              \
		FC_TRAP();                                                     \
	} while (0)

/* ---- The peer's byte stream: a function of the sequence number --------- */

static inline uint8_t peer_byte(uint32_t seq)
{
	uint32_t x = seq * 2654435761u;

	return (uint8_t)((x >> 24) ^ (x >> 11));
}

/* The peer's payload at seq0: outside coverage like the oracles, which
 * check it (one traced compare per byte otherwise). */
FC_ORACLE static void fill_peer(uint8_t *p, uint32_t seq0, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = peer_byte(seq0 + i);
}

/* ---- Input reader -------------------------------------------------------- */

struct fc_rd {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t rd8(struct fc_rd *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

static uint16_t rd16(struct fc_rd *r)
{
	uint16_t hi = rd8(r);

	return (uint16_t)(hi << 8 | rd8(r));
}

static uint32_t rd32(struct fc_rd *r)
{
	uint32_t hi = rd16(r);

	return hi << 16 | rd16(r);
}

/* ---- Environment --------------------------------------------------------- */

static uint32_t fc_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	struct fc *f = ctx;

	(void)t;
	(void)now_us;
	/* Starts near the 2^32 wrap so that wrapping is always exercised. */
	return 0xFFFFF000u + 0x01000000u * f->isn_calls++;
}

static uint16_t fc_port(void *ctx)
{
	struct fc *f = ctx;

	return (uint16_t)(40000u + (f->port_calls++ & 7u));
}

static uint32_t fc_ts_offset(void *ctx, const struct tcp_tuple *t)
{
	(void)ctx;
	return 0x7FFFFF00u + t->rport;
}

static void fc_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct fc *f = ctx;

	if (ev->kind != TCP_TRACE_STATE)
		return;
	if (f->trace_n >= FC_TRACE_MAX)
		FC_FAIL("more than %d state changes in one step", FC_TRACE_MAX);
	f->trace[f->trace_n++] = *ev;
}

static void fc_panic(void *ctx, const char *file, int line, const char *expr)
{
	(void)ctx;
	FC_FAIL("stack assertion %s at %s:%d", expr, file, line);
}

static void print_stats(void)
{
	int s;

	fprintf(stderr, "fuzz_conn: TCP_TRACE_STATE destinations:\n");
	for (s = 0; s < TCP_STATE_COUNT; s++)
		fprintf(stderr, "  %-13s %llu\n",
		        tcp_state_name((enum tcp_state)s),
		        (unsigned long long)g_state_hits[s]);
}

/* ---- Legal transitions --------------------------------------------------- */

#define C(x) (1u << TCP_CAUSE_##x)

/* Causes every state but LISTEN, CLOSED and TIME-WAIT may close with. */
#define FC_ABORTS                                                              \
	(C(USER_ABORT) | C(RCV_RST) | C(TIMEOUT_USER) | C(ICMP_HARD_ERROR))

/*
 * The causes allowed for each (from, to) pair: RFC 9293's diagram, the
 * edge list E001..E115 of the conformance checklist, and the documented
 * extras (ICMP hard errors, SHLD-26; keep-alive and user timeouts; SHLD-3
 * data after close; the RFC 1122 / 6191 TIME-WAIT reopening).
 */
FC_ORACLE static uint32_t allowed_causes(const struct fc *f,
                                         const struct fc_shadow *sh,
                                         enum tcp_state from, enum tcp_state to)
{
	bool legacy = !f->cfg.rfc5961;
	uint32_t syn_win = legacy ? C(RCV_SYN_IN_WINDOW) : 0;

	switch (from) {
	case TCP_CLOSED:
		if (to == TCP_LISTEN)
			return C(USER_OPEN_PASSIVE);
		if (to == TCP_SYN_SENT)
			return C(USER_OPEN_ACTIVE);
		return 0;
	case TCP_LISTEN:
		if (to == TCP_CLOSED)
			return C(USER_CLOSE) | C(USER_ABORT);
		if (to == TCP_SYN_SENT)
			return C(USER_OPEN_ACTIVE);
		if (to == TCP_SYN_RECEIVED)
			return C(RCV_SYN);
		return 0;
	case TCP_SYN_SENT:
		if (to == TCP_CLOSED)
			return FC_ABORTS | C(USER_CLOSE);
		if (to == TCP_ESTABLISHED)
			return C(RCV_SYN_ACK);
		if (to == TCP_SYN_RECEIVED)
			return C(RCV_SYN);
		return 0;
	case TCP_SYN_RECEIVED:
		if (to == TCP_LISTEN)
			return sh->passive && !sh->reopened
			           ? C(RCV_RST) | C(RCV_SYN_RESTART)
			           : 0;
		if (to == TCP_TIME_WAIT)
			return sh->reopened ? C(RCV_RST) | C(RCV_SYN_RESTART)
			                    : 0;
		if (to == TCP_CLOSED)
			return C(USER_ABORT) | C(TIMEOUT_USER) |
			       C(ICMP_HARD_ERROR) |
			       (!sh->passive && !sh->reopened
			            ? C(RCV_RST) | syn_win
			            : 0);
		if (to == TCP_ESTABLISHED)
			return C(RCV_ACK);
		if (to == TCP_CLOSE_WAIT)
			return C(RCV_FIN);
		if (to == TCP_FIN_WAIT_1)
			return C(USER_CLOSE);
		return 0;
	case TCP_ESTABLISHED:
		if (to == TCP_CLOSE_WAIT)
			return C(RCV_FIN);
		if (to == TCP_FIN_WAIT_1)
			return C(USER_CLOSE);
		if (to == TCP_CLOSED)
			return FC_ABORTS | syn_win | C(TIMEOUT_KEEPALIVE) |
			       C(RCV_DATA_AFTER_CLOSE);
		return 0;
	case TCP_FIN_WAIT_1:
		if (to == TCP_FIN_WAIT_2)
			return C(RCV_ACK);
		if (to == TCP_CLOSING)
			return C(RCV_FIN);
		if (to == TCP_TIME_WAIT)
			return C(RCV_FIN_ACK);
		if (to == TCP_CLOSED)
			return FC_ABORTS | syn_win | C(RCV_DATA_AFTER_CLOSE);
		return 0;
	case TCP_FIN_WAIT_2:
		if (to == TCP_TIME_WAIT)
			return C(RCV_FIN);
		if (to == TCP_CLOSED)
			return FC_ABORTS | syn_win | C(TIMEOUT_KEEPALIVE) |
			       C(RCV_DATA_AFTER_CLOSE);
		return 0;
	case TCP_CLOSE_WAIT:
		if (to == TCP_LAST_ACK)
			return C(USER_CLOSE);
		if (to == TCP_CLOSED)
			return FC_ABORTS | syn_win | C(TIMEOUT_KEEPALIVE);
		return 0;
	case TCP_CLOSING:
		if (to == TCP_TIME_WAIT)
			return C(RCV_ACK);
		if (to == TCP_CLOSED)
			return FC_ABORTS | syn_win;
		return 0;
	case TCP_LAST_ACK:
		if (to == TCP_CLOSED)
			return FC_ABORTS | syn_win | C(RCV_ACK);
		return 0;
	case TCP_TIME_WAIT:
		if (to == TCP_CLOSED)
			return C(TIMEOUT_TIME_WAIT) | C(USER_ABORT) | syn_win |
			       (f->cfg.rfc1337 ? 0 : C(RCV_RST));
		if (to == TCP_SYN_RECEIVED)
			return f->cfg.timewait_reopen ? C(RCV_SYN_REOPEN) : 0;
		return 0;
	default:
		return 0;
	}
}

/* True when a change with 'cause' may happen during a step of this kind. */
FC_ORACLE static bool cause_fits_step(enum fc_step step, enum tcp_cause cause,
                                      enum tcp_state from, enum tcp_state to)
{
	switch (cause) {
	case TCP_CAUSE_USER_OPEN_PASSIVE:
		/* A listener's child is opened passively during the SYN. */
		return step == FC_STEP_APP || step == FC_STEP_SEG;
	case TCP_CAUSE_USER_OPEN_ACTIVE:
		return step == FC_STEP_APP;
	case TCP_CAUSE_USER_CLOSE:
		/* A CLOSE queued in SYN-RECEIVED takes effect on its ACK. */
		return step == FC_STEP_APP ||
		       (step == FC_STEP_SEG && from == TCP_ESTABLISHED &&
		        to == TCP_FIN_WAIT_1);
	case TCP_CAUSE_USER_ABORT:
		/* Eviction of a released slot for a new connection. */
		return step == FC_STEP_APP ||
		       (step == FC_STEP_SEG &&
		        (from == TCP_TIME_WAIT || from == TCP_LAST_ACK ||
		         from == TCP_CLOSING));
	case TCP_CAUSE_TIMEOUT_TIME_WAIT:
	case TCP_CAUSE_TIMEOUT_USER:
	case TCP_CAUSE_TIMEOUT_KEEPALIVE:
		return step == FC_STEP_TIME;
	case TCP_CAUSE_ICMP_HARD_ERROR:
		return step == FC_STEP_ICMP;
	default: /* RCV_* */
		return step == FC_STEP_SEG;
	}
}

static const char *step_name(enum fc_step s)
{
	static const char *const n[] = { "time", "segment", "app call",
		                         "icmp" };

	return n[s];
}

FC_ORACLE static void check_trace(struct fc *f)
{
	unsigned i;

	for (i = 0; i < f->trace_n; i++) {
		const struct tcp_trace_ev *ev = &f->trace[i];
		const uint8_t *base = (const uint8_t *)&f->slots[0].conn;
		const uint8_t *p = (const uint8_t *)ev->conn;
		ptrdiff_t off = p - base;
		struct fc_shadow *sh;
		size_t k;

		if (p < base || off % (ptrdiff_t)sizeof(f->slots[0]) != 0 ||
		    (size_t)off / sizeof(f->slots[0]) >= FC_SLOTS)
			FC_FAIL("trace: state change of a record outside the "
			        "table");
		k = (size_t)off / sizeof(f->slots[0]);
		sh = &f->sh[k];
		if ((unsigned)ev->from >= TCP_STATE_COUNT ||
		    (unsigned)ev->to >= TCP_STATE_COUNT ||
		    (unsigned)ev->cause >= TCP_CAUSE_COUNT)
			FC_FAIL("trace: state or cause out of range");
		if (ev->from != sh->state)
			FC_FAIL("trace: slot %zu left %s but was in %s "
			        "(a transition not traced)",
			        k, tcp_state_name(ev->from),
			        tcp_state_name(sh->state));
		if (!(allowed_causes(f, sh, ev->from, ev->to) &
		      (1u << ev->cause)))
			FC_FAIL("illegal transition %s -> %s (%s)%s%s",
			        tcp_state_name(ev->from),
			        tcp_state_name(ev->to),
			        tcp_cause_name(ev->cause),
			        sh->passive ? " [passive]" : "",
			        sh->reopened ? " [reopened]" : "");
		if (!cause_fits_step(f->step, ev->cause, ev->from, ev->to))
			FC_FAIL("transition %s -> %s (%s) during a %s step",
			        tcp_state_name(ev->from),
			        tcp_state_name(ev->to),
			        tcp_cause_name(ev->cause), step_name(f->step));
		g_state_hits[ev->to]++;
		if (g_debug)
			fprintf(stderr, "  slot %zu: %s -> %s (%s)\n", k,
			        tcp_state_name(ev->from),
			        tcp_state_name(ev->to),
			        tcp_cause_name(ev->cause));
		/* Shadow bookkeeping of the incarnation. */
		if (ev->to == TCP_SYN_RECEIVED) {
			sh->passive = ev->from == TCP_LISTEN;
			sh->reopened = ev->from == TCP_TIME_WAIT;
		} else if (ev->to != TCP_ESTABLISHED &&
		           ev->to != TCP_CLOSE_WAIT &&
		           ev->to != TCP_FIN_WAIT_1 && ev->to != TCP_CLOSED) {
			if (ev->from == TCP_SYN_RECEIVED)
				sh->reopened = sh->passive = false;
		}
		if (ev->to == TCP_SYN_RECEIVED || ev->to == TCP_LISTEN ||
		    ev->to == TCP_SYN_SENT ||
		    (ev->from == TCP_SYN_RECEIVED && ev->to == TCP_TIME_WAIT)) {
			sh->have_irs = false;
			sh->read_off = 0;
		}
		sh->state = ev->to;
	}
	f->trace_n = 0;
}

/* ---- Connection invariants ------------------------------------------------
 */

FC_ORACLE static void check_ring(const struct tcp_ring *r, uint32_t cap,
                                 const char *nm)
{
	if (r->cap != cap)
		FC_FAIL("%s ring capacity changed: %u, buffer %u", nm, r->cap,
		        cap);
	if (r->len > r->cap)
		FC_FAIL("%s queue length %u beyond its buffer of %u", nm,
		        r->len, r->cap);
	if (r->cap > 0 && r->head >= r->cap)
		FC_FAIL("%s ring head %u outside its buffer of %u", nm, r->head,
		        r->cap);
}

FC_ORACLE static void check_conn(const struct fc *f, size_t k)
{
	const struct tcp_conn *c = &f->slots[k].conn;
	const struct fc_shadow *sh = &f->sh[k];
	unsigned i;
	uint32_t end = 0;

	if (c->state != sh->state)
		FC_FAIL("slot %zu is in %s, the trace says %s", k,
		        tcp_state_name(c->state), tcp_state_name(sh->state));
	check_ring(&c->rx, f->rx_bytes, "receive");
	check_ring(&c->tx, f->tx_bytes, "send");
	if (c->reasm.n > TCP_REASM_MAX)
		FC_FAIL("reassembly holds %u blocks, max %d", c->reasm.n,
		        TCP_REASM_MAX);
	for (i = 0; i < c->reasm.n; i++) {
		uint32_t o = c->reasm.blk[i].off, l = c->reasm.blk[i].len;

		if (l == 0 || (i > 0 && o <= end) ||
		    (uint64_t)c->rx.len + o + l > c->rx.cap)
			FC_FAIL("reassembly block %u (off %u len %u, queue "
			        "%u) empty, overlapping or beyond the buffer",
			        i, o, l, c->rx.len);
		end = o + l;
	}
	if (c->rcv_wnd > c->rx.cap)
		FC_FAIL("RCV.WND %u larger than the receive buffer %u",
		        c->rcv_wnd, c->rx.cap);
	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN)
		return;
	if (!tcp_seq_le(c->snd_una, c->snd_nxt))
		FC_FAIL("SND.UNA %u > SND.NXT %u in %s", c->snd_una.v,
		        c->snd_nxt.v, tcp_state_name(c->state));
	if (!tcp_seq_le(c->snd_nxt, c->snd_max))
		FC_FAIL("SND.NXT %u > SND.MAX %u in %s", c->snd_nxt.v,
		        c->snd_max.v, tcp_state_name(c->state));
	if (!tcp_seq_le(c->iss, c->snd_una))
		FC_FAIL("SND.UNA %u below ISS %u in %s", c->snd_una.v, c->iss.v,
		        tcp_state_name(c->state));
	if (tcp_seq_diff(c->snd_max, c->snd_una) > c->tx.len + 2u)
		FC_FAIL("%u octets in flight but only %u queued (+SYN+FIN) "
		        "in %s",
		        tcp_seq_diff(c->snd_max, c->snd_una), c->tx.len,
		        tcp_state_name(c->state));
}

/* The sent[] entry of a port pair (ports as the fuzzer chooses them). */
static uint64_t *sent_of(struct fc *f, uint16_t lport, uint16_t rport)
{
	unsigned l = lport < 100u ? (lport & 1u) : 2u + (lport & 7u);

	return &f->sent[l][rport & 3u];
}

/* ---- The application's reads ----------------------------------------------
 */

FC_ORACLE static void note_irs(struct fc *f)
{
	size_t k;

	for (k = 0; k < FC_SLOTS; k++) {
		const struct tcp_conn *c = &f->slots[k].conn;
		struct fc_shadow *sh = &f->sh[k];

		if (f->slots[k].use == TCP_SLOT_FREE) {
			memset(sh, 0, sizeof(*sh));
			sh->state = TCP_CLOSED;
			continue;
		}
		if (!sh->have_irs && c->state != TCP_CLOSED &&
		    c->state != TCP_LISTEN && c->state != TCP_SYN_SENT) {
			sh->have_irs = true;
			sh->irs = c->irs;
		}
	}
}

/* An oracle (checks every byte read): no coverage, no compare tracing. */
FC_ORACLE static void app_recv(struct fc *f, int h, uint32_t n)
{
	struct tcp_conn *c = tcp_stack_conn(&f->st, h);
	struct fc_shadow *sh = &f->sh[h];
	int r;
	int i;

	if (n > sizeof(f->appbuf))
		n = sizeof(f->appbuf);
	r = tcp_conn_recv(c, &f->env, f->now_us, f->appbuf, n, &f->out);
	if (r < 0)
		return;
	if ((uint32_t)r > n)
		FC_FAIL("recv returned %d bytes for a buffer of %u", r, n);
	if (r > 0 && !sh->have_irs)
		FC_FAIL("recv returned %d bytes before any SYN was taken", r);
	for (i = 0; i < r; i++) {
		uint32_t seq = sh->irs.v + 1u + (uint32_t)sh->read_off;

		if (f->appbuf[i] != peer_byte(seq))
			FC_FAIL("app read byte %llu (seq %u) = 0x%02x, the "
			        "peer sent 0x%02x there (duplicate, reordered "
			        "or never sent)",
			        (unsigned long long)sh->read_off, seq,
			        f->appbuf[i], peer_byte(seq));
		sh->read_off++;
	}
	if (sh->read_off > *sent_of(f, c->tuple.lport, c->tuple.rport))
		FC_FAIL("app read %llu bytes, the peer sent only %llu",
		        (unsigned long long)sh->read_off,
		        (unsigned long long)*sent_of(f, c->tuple.lport,
		                                     c->tuple.rport));
}

/* ---- Emitted segments
 * -------------------------------------------------------- */

FC_ORACLE static void take_snapshots(struct fc *f)
{
	size_t k;

	for (k = 0; k < FC_SLOTS; k++) {
		const struct tcp_conn *c = &f->slots[k].conn;
		struct fc_snap *s = &f->snap[k];

		s->valid = f->slots[k].use != TCP_SLOT_FREE &&
		           c->state != TCP_CLOSED && c->state != TCP_LISTEN;
		if (!s->valid)
			continue;
		s->tuple = c->tuple;
		s->state = c->state;
		s->iss = c->iss;
		s->snd_una = c->snd_una;
		s->snd_nxt = c->snd_nxt;
		s->snd_max = c->snd_max;
		s->irs = c->irs;
		s->rcv_nxt = c->rcv_nxt;
	}
}

/* The segment lies in space already sent: ISS =< SEQ, SEQ+LEN =< SND.MAX,
 * and its ACK in IRS+1 .. RCV.NXT. */
FC_ORACLE static bool seg_in_space(const struct tcp_seg *s, tcp_seq iss,
                                   tcp_seq snd_max, tcp_seq irs,
                                   tcp_seq rcv_nxt)
{
	tcp_seq end = tcp_seq_add(s->seq, tcp_seg_len(s));

	if (!tcp_seq_ge(s->seq, iss) || !tcp_seq_le(end, snd_max))
		return false;
	if (s->flags & TCP_FLAG_ACK)
		return tcp_seq_ge(s->ack, tcp_seq_add(irs, 1)) &&
		       tcp_seq_le(s->ack, rcv_nxt);
	return true;
}

FC_ORACLE static void remember(struct fc *f, const uint8_t *pkt, size_t len)
{
	unsigned i = f->recent_n++ % FC_RECENT;

	if (len > sizeof(f->recent[0]))
		len = sizeof(f->recent[0]);
	memcpy(f->recent[i], pkt, len);
	f->recent_len[i] = (uint8_t)len;
}

FC_ORACLE static void check_out(struct fc *f, const struct tcp_seg *in)
{
	uint32_t i;
	size_t k;

	for (i = 0; i < f->out.n; i++) {
		const struct tcp_out_seg *o = &f->out.segs[i];
		const struct tcp_seg *s = &o->seg;
		struct tcp_seg p;
		size_t tl, hl;
		bool ok = false, found = false;
		enum tcp_why w;

		if (g_debug)
			fprintf(
			    stderr,
			    "  out %u > %u flags 0x%03x seq %u ack %u win %u "
			    "len %u\n",
			    s->sport, s->dport, s->flags, s->seq.v, s->ack.v,
			    s->wnd, s->payload_bytes);
		if (f->step == FC_STEP_ICMP)
			FC_FAIL("an ICMP error drew a segment in reply");
		if ((s->flags & TCP_FLAG_RST) && f->seg_rst)
			FC_FAIL("a RST was answered with a RST");
		if (!tcp_addr_eq(&o->tuple.laddr, &f->local) ||
		    !tcp_addr_eq(&o->tuple.raddr, &f->peer))
			FC_FAIL("segment with addresses not of the tuple");
		/* It must emit, parse back with a valid checksum and say
		 * the same thing. */
		tl = tcp_seg_emit(s, &o->tuple.laddr, &o->tuple.raddr,
		                  f->scratch + TCP_IP4_HDR_MIN,
		                  sizeof(f->scratch) - TCP_IP4_HDR_MIN);
		if (tl == 0)
			FC_FAIL("emitted segment does not serialize (options "
			        "%u)",
			        s->opts.present);
		hl = tcp_wire_ip_emit(&o->tuple.laddr, &o->tuple.raddr, 64, 0,
		                      0, tl, f->scratch, TCP_IP4_HDR_MIN);
		if (hl != TCP_IP4_HDR_MIN)
			FC_FAIL("IP header of an emitted segment not written");
		/* The TCP bytes parse back against the tuple's addresses
		 * (the IP header is the harness's, written for the ICMP
		 * quotes; fuzz_wire checks its round trip). */
		w = tcp_seg_parse(&p, f->scratch + hl, tl, &o->tuple.laddr,
		                  &o->tuple.raddr);
		if (w != TCP_WHY_NONE)
			FC_FAIL("emitted segment does not parse: %s",
			        tcp_why_name(w));
		if (p.seq.v != s->seq.v || p.flags != s->flags ||
		    p.wnd != s->wnd || p.payload_bytes != s->payload_bytes ||
		    p.sport != s->sport || p.dport != s->dport ||
		    ((s->flags & TCP_FLAG_ACK) && p.ack.v != s->ack.v) ||
		    (s->payload_bytes &&
		     memcmp(p.payload, s->payload, s->payload_bytes) != 0))
			FC_FAIL(
			    "emitted segment changes in a parse round trip");
		if ((s->opts.present & ~TCP_OPTF_RAW) !=
		    (p.opts.present & ~TCP_OPTF_RAW))
			FC_FAIL("options of an emitted segment change in a "
			        "round trip");
		remember(f, f->scratch, hl + tl);
		if (s->flags & TCP_FLAG_RST) {
			/* 3.10.7.1 forms, or <SEQ=SND.NXT> of the record. */
			if (in && (in->flags & TCP_FLAG_ACK) &&
			    s->seq.v == in->ack.v)
				continue;
			if (in && (s->flags & TCP_FLAG_ACK) &&
			    s->ack.v == in->seq.v + tcp_seg_len(in))
				continue;
			for (k = 0; k < FC_SLOTS && !ok; k++)
				ok = (f->snap[k].valid &&
				      tcp_tuple_eq(&f->snap[k].tuple,
				                   &o->tuple) &&
				      s->seq.v == f->snap[k].snd_nxt.v) ||
				     (f->slots[k].use != TCP_SLOT_FREE &&
				      tcp_tuple_eq(&f->slots[k].conn.tuple,
				                   &o->tuple) &&
				      s->seq.v == f->slots[k].conn.snd_nxt.v);
			if (!ok)
				FC_FAIL("RST with SEQ %u: neither SND.NXT nor "
				        "the offending segment's ACK",
				        s->seq.v);
			continue;
		}
		for (k = 0; k < FC_SLOTS && !ok; k++) {
			const struct tcp_conn *c = &f->slots[k].conn;
			const struct fc_snap *sn = &f->snap[k];

			if (f->slots[k].use != TCP_SLOT_FREE &&
			    c->state != TCP_CLOSED && c->state != TCP_LISTEN &&
			    tcp_tuple_eq(&c->tuple, &o->tuple)) {
				found = true;
				ok = seg_in_space(s, c->iss, c->snd_max, c->irs,
				                  c->rcv_nxt);
				if (!(s->flags & TCP_FLAG_SYN) &&
				    ((uint64_t)s->wnd << c->rcv_wscale) >=
				        (uint64_t)c->rx.cap +
				            (1ull << c->rcv_wscale))
					FC_FAIL("window %u << %u advertised "
					        "beyond the receive buffer %u",
					        s->wnd, c->rcv_wscale,
					        c->rx.cap);
			}
			if (!ok && sn->valid &&
			    tcp_tuple_eq(&sn->tuple, &o->tuple)) {
				found = true;
				ok = seg_in_space(s, sn->iss, sn->snd_max,
				                  sn->irs, sn->rcv_nxt);
			}
		}
		if (!found)
			FC_FAIL("non-RST segment (flags 0x%03x) from no "
			        "connection",
			        s->flags);
		if (!ok) {
			const struct tcp_conn *c = NULL;

			for (k = 0; k < FC_SLOTS; k++)
				if (tcp_tuple_eq(&f->slots[k].conn.tuple,
				                 &o->tuple))
					c = &f->slots[k].conn;
			FC_FAIL(
			    "segment SEQ %u LEN %u ACK %u flags 0x%03x "
			    "outside the sequence space sent (ISS..SND.MAX) "
			    "or received (IRS+1..RCV.NXT)%s%s ISS %u "
			    "SND.MAX %u IRS %u RCV.NXT %u",
			    s->seq.v, tcp_seg_len(s), s->ack.v, s->flags,
			    c ? ": " : "", c ? tcp_state_name(c->state) : "",
			    c ? c->iss.v : 0, c ? c->snd_max.v : 0,
			    c ? c->irs.v : 0, c ? c->rcv_nxt.v : 0);
		}
	}
	tcp_out_reset(&f->out);
}

FC_ORACLE static void after_step(struct fc *f, const struct tcp_seg *in)
{
	size_t k;

	check_trace(f);
	check_out(f, in);
	note_irs(f);
	for (k = 0; k < FC_SLOTS; k++)
		if (f->slots[k].use != TCP_SLOT_FREE)
			check_conn(f, k);
	f->seg_rst = false;
}

/* ---- Records ----------------------------------------------------------------
 */

static void do_time(struct fc *f, struct fc_rd *r, uint8_t op)
{
	uint8_t b = rd8(r);
	uint64_t t;
	int i;

	switch ((op >> 3) & 3) {
	case 0: /* small: up to 255 ms */
		f->now_us += (uint64_t)b * 1000u;
		break;
	case 1: /* to the next deadline, plus a little */
		t = tcp_stack_next_deadline_us(&f->st);
		if (t != TCP_NO_DEADLINE && t > f->now_us)
			f->now_us = t;
		f->now_us += b;
		break;
	case 2: /* seconds */
		f->now_us += (uint64_t)b * 1000000u;
		break;
	default: /* large: up to ~42 minutes */
		f->now_us += (uint64_t)b * 10000000u;
		break;
	}
	/* Several rounds so that timers due together all run. */
	for (i = 0; i < 4; i++) {
		take_snapshots(f);
		if (g_debug)
			fprintf(stderr, "t=%llu poll\n",
			        (unsigned long long)f->now_us);
		tcp_stack_poll(&f->st, &f->env, f->now_us, &f->out);
		after_step(f, NULL);
		if (tcp_stack_next_deadline_us(&f->st) > f->now_us)
			break;
	}
}

static int32_t sdelta(uint8_t b)
{
	return (int32_t)(int8_t)b;
}

static void do_segment(struct fc *f, struct fc_rd *r, uint8_t op)
{
	uint8_t tsel = rd8(r), smode = rd8(r), sd = rd8(r);
	uint8_t amode = rd8(r), ad = rd8(r);
	uint8_t fl = rd8(r), wb = rd8(r), lb = rd8(r), ob = rd8(r);
	struct tcp_tuple t;
	struct tcp_seg seg;
	const struct tcp_conn *c = NULL;
	struct tcp_stack_slot *s = &f->slots[tsel & 3];
	uint32_t isn;
	uint32_t plen, i, seq0;
	size_t tl, hl;
	int h;

	/* The 4-tuple: a slot's own, or a peer port to a local port. */
	memset(&t, 0, sizeof(t));
	t.laddr = f->local;
	t.raddr = f->peer;
	t.lport = (uint16_t)(FC_LPORT0 + ((tsel >> 5) & 1));
	t.rport = (uint16_t)(FC_RPORT0 + ((tsel >> 3) & 3));
	if ((tsel & 4) && s->use != TCP_SLOT_FREE &&
	    s->conn.state != TCP_CLOSED) {
		if (s->listener)
			t.lport = s->conn.tuple.lport;
		else if (s->conn.tuple.raddr.family == TCP_AF_INET)
			t = s->conn.tuple;
	}
	isn = f->peer_isn[(t.rport - FC_RPORT0) & 3];
	h = tcp_stack_demux(&f->st, &t);
	if (h >= 0 && f->slots[h].conn.state != TCP_LISTEN)
		c = &f->slots[h].conn;

	memset(&seg, 0, sizeof(seg));
	seg.sport = t.rport;
	seg.dport = t.lport;
	seg.flags = (uint16_t)(fl | ((op & 0x80) ? TCP_FLAG_AE : 0));
	/* SEQ: relative to RCV.NXT, the window's right edge, IRS, or raw. */
	switch (smode & 3) {
	case 0:
		seg.seq.v = (c ? c->rcv_nxt.v : isn) + (uint32_t)sdelta(sd);
		break;
	case 1:
		seg.seq.v = (c ? c->rcv_nxt.v + c->rcv_wnd : isn) +
		            (uint32_t)sdelta(sd);
		break;
	case 2:
		seg.seq.v = (c && c->state != TCP_SYN_SENT ? c->irs.v : isn) +
		            ((uint32_t)sd << ((smode >> 2) & 3) * 4);
		break;
	default:
		seg.seq.v = rd32(r);
		break;
	}
	/* ACK: SND.UNA, SND.NXT, SND.MAX plus a small delta, or raw. */
	switch (amode & 3) {
	case 0:
		seg.ack.v = (c ? c->snd_una.v : 0) + (uint32_t)sdelta(ad);
		break;
	case 1:
		seg.ack.v = (c ? c->snd_nxt.v : 0) + (uint32_t)sdelta(ad);
		break;
	case 2:
		seg.ack.v = (c ? c->snd_max.v : 0) + (uint32_t)sdelta(ad);
		break;
	default:
		seg.ack.v = rd32(r);
		break;
	}
	/* Window: 0, small, the byte scaled, or full. */
	switch (wb >> 6) {
	case 0:
		seg.wnd = (uint16_t)(wb & 0x3F);
		break;
	case 1:
		seg.wnd = (uint16_t)((wb & 0x3F) << 6);
		break;
	case 2:
		seg.wnd = (uint16_t)((wb & 0x3F) << 10);
		break;
	default:
		seg.wnd = 65535;
		break;
	}
	if (fl & TCP_FLAG_URG)
		seg.urp = rd8(r);
	/* Payload: the peer's stream at these sequence numbers. */
	plen = (lb & 0x80) ? (uint32_t)(lb & 0x7F) * 16u : (lb & 0x7Fu) >> 2;
	if (plen > FC_MAX_PAYLOAD)
		plen = FC_MAX_PAYLOAD;
	seq0 = seg.seq.v + ((seg.flags & TCP_FLAG_SYN) ? 1u : 0u);
	fill_peer(f->payload, seq0, plen);
	seg.payload = f->payload;
	seg.payload_bytes = plen;
	/* Options. */
	if (ob & 0x80) {
		uint8_t n = rd8(r) % 41u;

		seg.opts.present = TCP_OPTF_RAW;
		seg.opts.raw = r->p + r->i;
		if (n > r->n - r->i)
			n = (uint8_t)(r->n - r->i);
		seg.opts.raw_len = n;
		r->i += n;
	} else {
		if (ob & 1) {
			seg.opts.present |= TCP_OPTF_MSS;
			seg.opts.mss = (ob & 0x40) ? rd16(r) : 1000;
		}
		if (ob & 2) {
			seg.opts.present |= TCP_OPTF_WS;
			seg.opts.ws_shift = rd8(r) & 0x0F;
		}
		if (ob & 4) {
			uint8_t d = rd8(r);

			seg.opts.present |= TCP_OPTF_TS;
			seg.opts.tsval = (c ? c->ts_recent : 0x10000u) +
			                 (uint32_t)sdelta(d) * 16u;
			seg.opts.tsecr = (c && c->state != TCP_SYN_SENT)
			                     ? (uint32_t)(f->now_us / 1000u) +
			                           fc_ts_offset(f, &t)
			                     : 0;
		}
		if (ob & 8)
			seg.opts.present |= TCP_OPTF_SACKOK;
		if (ob & 0x10) {
			uint8_t n = (uint8_t)(1 + ((ob >> 5) & 1));

			seg.opts.present |= TCP_OPTF_SACK;
			seg.opts.sack_n = n;
			for (i = 0; i < n; i++) {
				uint32_t a = (c ? c->snd_una.v : 0) +
				             (uint32_t)rd8(r) * 16u;

				seg.opts.sack[i].left.v = a;
				seg.opts.sack[i].right.v =
				    a + (uint32_t)rd8(r) * 16u;
			}
		}
	}
	tl = tcp_seg_emit(&seg, &f->peer, &f->local, f->pkt + TCP_IP4_HDR_MIN,
	                  sizeof(f->pkt) - TCP_IP4_HDR_MIN);
	if (tl == 0)
		return; /* options do not fit: nothing sent */
	hl = tcp_wire_ip_emit(&f->peer, &f->local, 64, (uint8_t)(op >> 6), 0,
	                      tl, f->pkt, TCP_IP4_HDR_MIN);
	if (hl == 0)
		return;
	*sent_of(f, t.lport, t.rport) += plen;
	f->seg_rst = (seg.flags & TCP_FLAG_RST) != 0;
	take_snapshots(f);
	f->step = FC_STEP_SEG;
	if (g_debug)
		fprintf(stderr,
		        "t=%llu seg %u > %u flags 0x%03x seq %u ack %u win %u "
		        "len %u opts 0x%02x\n",
		        (unsigned long long)f->now_us, seg.sport, seg.dport,
		        seg.flags, seg.seq.v, seg.ack.v, seg.wnd, plen,
		        seg.opts.present);
	(void)tcp_stack_input_packet(&f->st, &f->env, f->now_us, f->pkt,
	                             hl + tl, &f->out);
	after_step(f, &seg);
}

static void do_app(struct fc *f, struct fc_rd *r)
{
	uint8_t a = rd8(r), b = rd8(r);
	int h = a & 3;
	struct tcp_conn *c = tcp_stack_conn(&f->st, h);
	bool app = tcp_stack_slot_use(&f->st, h) == TCP_SLOT_APP;
	struct tcp_tuple t;
	uint32_t n;

	take_snapshots(f);
	f->step = FC_STEP_APP;
	if (g_debug)
		fprintf(stderr, "t=%llu app call %u on %d arg %u\n",
		        (unsigned long long)f->now_us, (a >> 2) & 15u, h, b);
	switch ((a >> 2) & 15) {
	case 0:
	case 1: /* listen */
		(void)tcp_stack_listen(&f->st, &f->env, f->now_us,
		                       (b & 2) ? &f->local : NULL,
		                       (uint16_t)(FC_LPORT0 + (b & 1)),
		                       (uint32_t)(b >> 2) & 3);
		break;
	case 2:
	case 3: /* connect */
		memset(&t, 0, sizeof(t));
		t.laddr = f->local;
		t.raddr = f->peer;
		t.rport = (uint16_t)(FC_RPORT0 + (b & 3));
		t.lport = (b & 4) ? (uint16_t)(FC_LPORT0 + ((b >> 3) & 1)) : 0;
		(void)tcp_stack_connect(&f->st, &f->env, f->now_us, &t,
		                        &f->out);
		break;
	case 4: /* accept */
		(void)tcp_stack_accept(&f->st, h);
		break;
	case 5:
	case 6:
	case 7: /* send */
		if (app && !f->slots[h].listener) {
			n = (uint32_t)b * 16u;
			if (n > sizeof(g_sendpat))
				n = sizeof(g_sendpat);
			(void)tcp_conn_send(c, &f->env, f->now_us, g_sendpat, n,
			                    (a & 0x40) ? TCP_SEND_PUSH : 0,
			                    &f->out);
		}
		break;
	case 8:
	case 9:
	case 10: /* recv */
		if (app && !f->slots[h].listener)
			app_recv(f, h, (b & 0x80) ? sizeof(f->appbuf) : b + 1u);
		break;
	case 11: /* shutdown */
		(void)tcp_stack_close(&f->st, &f->env, f->now_us, h,
		                      TCP_CLOSE_SEND, &f->out);
		break;
	case 12: /* close */
		(void)tcp_stack_close(&f->st, &f->env, f->now_us, h,
		                      TCP_CLOSE_FULL, &f->out);
		break;
	case 13: /* abort */
		(void)tcp_stack_abort(&f->st, &f->env, f->now_us, h, &f->out);
		break;
	case 14: /* socket options */
		if (app) {
			tcp_conn_set_nodelay(c, b & 1);
			tcp_conn_set_keepalive(c, (b & 2) != 0);
			if (b & 4)
				tcp_conn_set_user_timeout(c,
				                          (uint64_t)(b >> 3) *
				                              10000000u);
		}
		break;
	default: /* send with the urgent flag */
		if (app && !f->slots[h].listener) {
			n = (uint32_t)(b & 63) + 1u;
			(void)tcp_conn_send(c, &f->env, f->now_us, g_sendpat, n,
			                    TCP_SEND_URGENT, &f->out);
		}
		break;
	}
	after_step(f, NULL);
}

static void do_icmp(struct fc *f, struct fc_rd *r)
{
	static const uint8_t types[8][2] = {
		{ 3, 0 }, { 3, 1 },  { 3, 2 },  { 3, 3 },
		{ 3, 4 }, { 11, 0 }, { 12, 0 }, { 4, 0 },
	};
	uint8_t a = rd8(r), d = rd8(r);
	uint8_t q[48];
	unsigned i;
	size_t ql, n;
	uint8_t type, code;

	if (f->recent_n == 0)
		return;
	i = (f->recent_n - 1u - (a & 3u)) % FC_RECENT;
	if ((a & 3u) >= f->recent_n)
		i = (f->recent_n - 1u) % FC_RECENT;
	ql = f->recent_len[i];
	memcpy(q, f->recent[i], ql);
	if (ql < TCP_IP4_HDR_MIN + TCP_ICMP_QUOTE)
		return;
	/* Move the quoted SEQ a little: in or out of SND.UNA..SND.MAX. */
	if (a & 0x80) {
		uint32_t s = tcp_wire_rd32(q + TCP_IP4_HDR_MIN + TCP_OFF_SEQ);

		tcp_wire_wr32(q + TCP_IP4_HDR_MIN + TCP_OFF_SEQ,
		              s + (uint32_t)sdelta(d));
	}
	if (a & 0x40)
		ql = TCP_IP4_HDR_MIN + TCP_ICMP_QUOTE;
	type = types[(a >> 2) & 7][0];
	code = types[(a >> 2) & 7][1];
	if ((a & 0x20) && (a & 0x80) == 0) {
		type = d & 0x0F;
		code = (uint8_t)(d >> 4);
	}
	n = tcp_wire_icmp_emit((a & 0x10) ? &f->peer : &f->router, &f->local,
	                       type, code, (a & 0x10) ? 0 : 576u, q, ql, f->pkt,
	                       sizeof(f->pkt));
	if (n == 0)
		return;
	take_snapshots(f);
	f->step = FC_STEP_ICMP;
	if (g_debug)
		fprintf(stderr, "t=%llu icmp type %u code %u\n",
		        (unsigned long long)f->now_us, type, code);
	(void)tcp_stack_input_packet(&f->st, &f->env, f->now_us, f->pkt, n,
	                             &f->out);
	after_step(f, NULL);
}

/* ---- Entry point ----------------------------------------------------------
 */

static void setup(struct fc *f, uint8_t sel)
{
	static const enum tcp_profile prof[4] = { TCP_PROFILE_DEFAULT,
		                                  TCP_PROFILE_RFC5961,
		                                  TCP_PROFILE_LEGACY,
		                                  TCP_PROFILE_DEFAULT };
	size_t k;

	/* Clear the small state; the big scratch buffers stay as they are,
	 * and the slot buffers are filled with a fixed pattern. */
	memset(f, 0, offsetof(struct fc, segs));
	tcp_cfg_init(&f->cfg, prof[sel & 3]);
	f->cfg.timestamps = (sel & 4) != 0;
	f->cfg.sack = (sel & 8) != 0;
	f->cfg.wscale = (sel & 16) != 0;
	if (!f->cfg.wscale)
		f->cfg.wscale_shift = 0;
	if (sel & 32) {
		/* Small: tiny buffers and short timers. */
		f->rx_bytes = 1024;
		f->tx_bytes = 1024;
		f->cfg.mss = 536;
		f->cfg.keepalive_idle_us = 30000000u;
		f->cfg.keepalive_intvl_us = 5000000u;
		f->cfg.keepalive_probes = 2;
		f->cfg.user_timeout_us = 60000000u;
		f->cfg.msl_us = 10000000u;
	} else {
		f->rx_bytes = FC_RX_MAX;
		f->tx_bytes = FC_TX_MAX;
	}
	if (sel & 64)
		f->cfg.ecn = TCP_ECN_MODE_ON;
	if (sel & 128) {
		f->cfg.rfc1337 = !f->cfg.rfc1337;
		f->cfg.delayed_ack = !f->cfg.delayed_ack;
		f->cfg.nagle = !f->cfg.nagle;
	}
	f->env.isn = fc_isn;
	f->env.ephemeral_port = fc_port;
	f->env.ts_offset = fc_ts_offset;
	f->env.trace = fc_trace;
	f->env.panic = fc_panic;
	f->env.ctx = f;
	tcp_addr_v4(&f->local, 10, 0, 0, 1);
	tcp_addr_v4(&f->peer, 10, 0, 0, 2);
	tcp_addr_v4(&f->router, 10, 0, 0, 254);
	f->peer_isn[0] = 0xFFFFFFF0u;
	f->peer_isn[1] = 0x00001000u;
	f->peer_isn[2] = 0x7FFFFFF8u;
	f->peer_isn[3] = 0x80000010u;
	f->now_us = 1000000u;
	for (k = 0; k < FC_SLOTS; k++)
		f->sh[k].state = TCP_CLOSED;
	memset(f->bufmem, 0xA5, (size_t)FC_SLOTS * (f->rx_bytes + f->tx_bytes));
	tcp_out_init(&f->out, f->segs, FC_OUT_SEGS, f->outdata,
	             sizeof(f->outdata));
	if (tcp_stack_init(&f->st, &f->cfg, f->slots, FC_SLOTS, f->bufmem,
	                   f->rx_bytes, f->tx_bytes) != 0)
		FC_FAIL("tcp_stack_init failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fc *f = &g_fc;
	struct fc_rd r = { data, size, 0 };
	unsigned nrec = 0;

	if (!g_stats_armed) {
		size_t i;

		g_stats_armed = true;
		for (i = 0; i < sizeof(g_sendpat); i++)
			g_sendpat[i] = (uint8_t)i;
		if (getenv("FUZZ_CONN_STATS"))
			atexit(print_stats);
		g_debug = getenv("FUZZ_CONN_DEBUG") != NULL;
	}
	if (size == 0)
		return 0;
	setup(f, rd8(&r));
	while (r.i < r.n && nrec++ < FC_MAX_RECORDS &&
	       f->now_us < FC_MAX_TIME_US) {
		uint8_t op = rd8(&r);

		switch (op & 7) {
		case 0:
		case 1:
			f->step = FC_STEP_TIME;
			do_time(f, &r, op);
			break;
		case 2:
		case 3:
		case 4:
			do_segment(f, &r, op);
			break;
		case 5:
		case 6:
			do_app(f, &r);
			break;
		default:
			do_icmp(f, &r);
			break;
		}
	}
	return 0;
}
