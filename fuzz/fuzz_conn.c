/* SPDX-License-Identifier: MIT
 *
 * fuzz_conn: one reference stack driven by records decoded from the input
 * (time steps, peer segments placed relative to the connection's sequence
 * space, application calls, ICMP errors), with protocol oracles checked
 * after every step; each failing oracle prints one line and traps.
 *
 * Input: byte 0 selects the configuration, byte 1 more of it (FC_EXT_*
 * of fuzz_conn.h: IPv6, the ISN function, a small output array, keep-alive
 * on), then records of an opcode byte and its fields (missing bytes read as
 * zero):
 *   op % 8 = 0,1  advance virtual time, then tcp_stack_poll
 *            2..4 inject a peer segment (IPv4 packet through the parser)
 *            5,6  an application call
 *            7    an ICMP error quoting a recently emitted segment
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_conn.h"
#include "shakedown/edges.h"
#include "shakedown/oracle.h"
#include "tcpref/conn.h"
#include "tcpref/isn.h"
#include "tcpref/seg.h"
#include "tcpref/stack.h"
#include "tcpref/types.h"
#include "tcpref/wire.h"

#define FC_SLOTS 4
#define FC_RX_MAX 4096
#define FC_TX_MAX 4096
#define FC_OUT_SEGS 64
#define FC_OUT_DATA (FC_OUT_SEGS * 1500)
#define FC_RECENT 4
#define FC_TIME_STEPS 256 /* timer rounds of one time record, at most */
#define FC_PKT_MAX (TCP_IP6_HDR + TCP_HDR_MAX + 1500)
#define FC_MAX_PAYLOAD 1400

struct fc {
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_stack st;
	struct tcp_out out;
	uint64_t now_us;
	uint32_t rx_bytes, tx_bytes;
	uint32_t isn_calls;
	uint8_t ext; /* input byte 1: FC_EXT_* */
	size_t hl;   /* IP header length: 20, or 40 with FC_EXT_IPV6 */
	struct tcp_isn_key isn_key;
	uint16_t port_calls;
	struct tcp_addr local, peer, router;
	uint32_t peer_isn[4];
	/* The application's reads: bytes read in incarnation read_gen. */
	uint64_t read_off[FC_SLOTS];
	uint32_t read_gen[FC_SLOTS];
	/* Payload octets the peer ever sent on each (local, remote) port. */
	uint64_t sent[10][4];
	/* The first bytes of the last segments emitted, to quote in ICMP
	 * errors: their TCP bytes and addresses; the IP header is written
	 * when one is quoted. */
	unsigned recent_n;
	struct tcp_addr recent_src[FC_RECENT], recent_dst[FC_RECENT];
	uint16_t recent_tl[FC_RECENT]; /* the whole TCP length */
	uint8_t recent[FC_RECENT][48];
	/* Not cleared per input: large scratch buffers, the trace of a step
	 * (entries below trace_n are always written first), and the slots,
	 * every field of which tcp_stack_init() sets. */
	struct tcp_out_seg segs[FC_OUT_SEGS];
	struct tcp_stack_slot slots[FC_SLOTS];
	struct sd_oracle oracle;
	uint8_t outdata[FC_OUT_DATA];
	uint8_t bufmem[FC_SLOTS * (FC_RX_MAX + FC_TX_MAX)];
	uint8_t pkt[FC_PKT_MAX];
	uint8_t payload[FC_MAX_PAYLOAD];
	uint8_t appbuf[FC_RX_MAX];
	uint8_t expect[FC_RX_MAX]; /* what the application should read */
};

static struct fc g_fc;

/*
 * The receive buffers in g_fc.bufmem that may differ from the fill pattern
 * of setup(): those of every slot that held a connection since the last
 * fill (all of bufmem before the first), as offsets and lengths. Only
 * those are filled again, so that a read of bytes the stack never stored
 * gives the same bytes in every run, never the peer's stream that an
 * earlier input stored there (app_recv would then miss it, or not,
 * depending on the inputs before). The send buffers are not filled: what
 * the stack takes from them is sent, and nothing in this target reads
 * the payload it sends (the oracle's round trip compares it with itself).
 */
static struct {
	size_t off, len;
} g_rxdirty[FC_SLOTS];
static bool g_fill_all = true;

/* What the application sends: byte i of a send call is (uint8_t)i. Filled
 * once, not per call (a byte loop in instrumented code costs a traced
 * compare per byte). */
static uint8_t g_sendpat[FC_TX_MAX];

/*
 * The oracles are not part of what the fuzzer explores: no coverage
 * feedback from them (it would only add noise and cost speed). noinline:
 * inlined into the instrumented driver they would lose the attribute.
 */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define FC_ORACLE __attribute__((no_sanitize("coverage"), noinline))
#endif
#endif
#ifndef FC_ORACLE
#define FC_ORACLE
#endif

/* States reached over the whole run (FUZZ_CONN_STATS=1 prints them). */
static uint64_t g_state_hits[TCP_STATE_COUNT];
static bool g_stats_armed;

static bool g_debug; /* FUZZ_CONN_DEBUG=1: print every step */

/* The checklist edges taken over the whole run, when SHAKEDOWN_EDGES_OUT
 * names a file to append them to at exit (make coverage); else unused. */
static uint64_t g_edge_hits[SD_EDGES + 1];
static bool g_count_edges;

static void write_edges(void)
{
	sd_edges_append_env(g_edge_hits);
}

/* The observer of fc_run(), or NULL when fuzzing. */
static const struct fc_obs *g_obs;
static jmp_buf g_obs_jmp;

/*
 * A failed oracle: the observer hears it and the run stops there, or (when
 * fuzzing) one line on stderr and a trap. -DFC_NO_TRAP (analysis builds
 * only) reports with FUZZ_CONN_DEBUG=1 and goes on.
 */
__attribute__((format(printf, 1, 2))) static void fc_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g_obs) {
		g_obs->fail(g_obs->ctx, msg);
		longjmp(g_obs_jmp, 1);
	}
#ifdef FC_NO_TRAP
	if (g_debug)
		fprintf(stderr, "fuzz_conn: invariant violated: %s\n", msg);
#else
	fprintf(stderr, "fuzz_conn: invariant violated: %s\n", msg);
	__builtin_trap();
#endif
}
#define FC_FAIL(...) fc_fail(__VA_ARGS__)

/* ---- The peer's byte stream: a function of the sequence number --------- */

/*
 * The byte the peer sends at sequence number seq is g_stream[seq % FC_PERIOD]
 * (a hash of seq % FC_PERIOD, filled once by arm()), so its payloads are
 * read from the table in place rather than written per segment. The period
 * is prime: a byte delivered from the wrong place is caught unless the
 * distance is a multiple of it, and the slots' rings (powers of two, at
 * most FC_RX_MAX) never put stale bytes that far apart: their distance is
 * a multiple of the ring's size, coprime with it, so at least
 * FC_PERIOD * 1024 bytes, more than an input can send. The table runs
 * FC_RX_MAX bytes past the period so that any run of up to that many
 * sequence numbers is one contiguous slice, except across the wrap of the
 * 32-bit sequence space (2^32 is not a multiple of the period), where
 * peer_bytes() pieces the two sides together.
 */
#define FC_PERIOD 65521u
#define FC_PEER_MUL 2654435761u

static uint8_t g_stream[FC_PERIOD + FC_RX_MAX];

static void stream_fill(void)
{
	uint32_t i, x;

	for (i = 0; i < FC_PERIOD; i++) {
		x = i * FC_PEER_MUL;
		g_stream[i] = (uint8_t)((x >> 24) ^ (x >> 11));
	}
	memcpy(g_stream + FC_PERIOD, g_stream, FC_RX_MAX);
}

static inline uint8_t peer_byte(uint32_t seq)
{
	return g_stream[seq % FC_PERIOD];
}

/* The peer's n (<= FC_RX_MAX) bytes from seq0: a slice of g_stream, or,
 * across the wrap of the sequence space, the two slices copied to buf. */
FC_ORACLE static const uint8_t *peer_bytes(uint8_t *buf, uint32_t seq0,
                                           uint32_t n)
{
	uint32_t first = 0u - seq0; /* bytes before the wrap; 0: none */

	if (first == 0 || n <= first)
		return g_stream + seq0 % FC_PERIOD;
	memcpy(buf, g_stream + seq0 % FC_PERIOD, first);
	memcpy(buf + first, g_stream, n - first);
	return buf;
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

	switch (f->ext & FC_EXT_ISN_MASK) {
	case FC_EXT_ISN_RFC6528:
		return tcp_isn_rfc6528(&f->isn_key, t, now_us);
	case FC_EXT_ISN_FIXED:
		/* The same ISN every time: a reopened TIME-WAIT must pick
		 * one above the old SND.MAX itself (RFC 6191). */
		return 0xFFFFF000u;
	default:
		/* Near the 2^32 wrap so that wrapping is always exercised. */
		return 0xFFFFF000u + 0x01000000u * f->isn_calls++;
	}
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

/* The observer's state hook: outside coverage like the oracles. */
FC_ORACLE static void fc_obs_state(struct fc *f, const struct tcp_trace_ev *ev)
{
	int h = -1, i;

	for (i = 0; i < FC_SLOTS; i++)
		if (&f->slots[i].conn == ev->conn)
			h = i;
	g_obs->state(g_obs->ctx, f->now_us, h, ev->from, ev->to);
}

/* A connection began, changed or ended: its receive buffer may have been
 * written. (A slot's buffers are only written while it holds one, and
 * every connection begins with a traced change from CLOSED.) */
static void note_dirty(struct fc *f, const struct tcp_conn *c)
{
	uintptr_t base = (uintptr_t)f->bufmem, b = (uintptr_t)c->rx.buf;
	uintptr_t at = (uintptr_t)c - (uintptr_t)f->slots;
	size_t k = (size_t)(at / sizeof(f->slots[0]));

	if ((uintptr_t)c < (uintptr_t)f->slots || k >= FC_SLOTS ||
	    c != &f->slots[k].conn || b < base || b - base >= sizeof(f->bufmem))
		return;
	g_rxdirty[k].off = (size_t)(b - base);
	g_rxdirty[k].len = c->rx.cap < sizeof(f->bufmem) - g_rxdirty[k].off
	                       ? c->rx.cap
	                       : sizeof(f->bufmem) - g_rxdirty[k].off;
}

static void fc_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct fc *f = ctx;

	if (ev->kind == TCP_TRACE_STATE && ev->conn)
		note_dirty(f, ev->conn);
	sd_oracle_trace(&f->oracle, ev);
	if (g_obs && g_obs->state && ev->kind == TCP_TRACE_STATE)
		fc_obs_state(f, ev);
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

/* The sent[] entry of a port pair (ports as the fuzzer chooses them). */
static uint64_t *sent_of(struct fc *f, uint16_t lport, uint16_t rport)
{
	unsigned l = lport < 100u ? (lport & 1u) : 2u + (lport & 7u);

	return &f->sent[l][rport & 3u];
}

/* ---- The application's reads ----------------------------------------------
 */

/* strcmp(a, b) == 0 without a call to strcmp, which libFuzzer intercepts
 * (and then records both strings) when the target is built for it. */
FC_ORACLE static bool str_is(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

FC_ORACLE static void fc_obs_app(struct fc *f, enum fc_call call, int h,
                                 uint32_t arg, int ret)
{
	if (g_obs)
		g_obs->app(g_obs->ctx, f->now_us, call, h, arg, ret);
	/* Every error a call returns has a name and a text for the user. */
	if (ret < 0 && (str_is(tcp_err_name(ret), "?") ||
	                str_is(tcp_err_str(ret), "unknown error")))
		FC_FAIL("app call %d returned error %d, which has no name",
		        call, ret);
}

/* memcmp(a, b, n) == 0, eight bytes a load and without a call to memcmp,
 * which libFuzzer intercepts to trace. */
FC_ORACLE static bool same_bytes(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint64_t x, y;
	uint32_t i = 0;

	for (; n - i >= 8; i += 8) {
		__builtin_memcpy(&x, a + i, 8);
		__builtin_memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* An oracle (checks every byte read): no coverage, no compare tracing. */
FC_ORACLE static void app_recv(struct fc *f, int h, uint32_t n)
{
	struct tcp_conn *c = tcp_stack_conn(&f->st, h);
	const struct sd_oracle_shadow *sh = sd_oracle_slot(&f->oracle, h);
	const uint8_t *expect;
	uint32_t seq;
	int r, m;
	int i;

	if (n > sizeof(f->appbuf))
		n = sizeof(f->appbuf);
	r = tcp_conn_recv(c, &f->env, f->now_us, f->appbuf, n, &f->out);
	fc_obs_app(f, FC_CALL_RECV, h, n, r);
	if (r < 0)
		return;
	if (f->read_gen[h] != sh->gen) { /* a new incarnation in the slot */
		f->read_gen[h] = sh->gen;
		f->read_off[h] = 0;
	}
	if ((uint32_t)r > n)
		FC_FAIL("recv returned %d bytes for a buffer of %u", r, n);
	if (r > 0 && !sh->have_irs)
		FC_FAIL("recv returned %d bytes before any SYN was taken", r);
	/* Byte i was sent at IRS + 1 + read_off + i (the bytes in the
	 * buffer: -DFC_NO_TRAP goes on after the failure above). */
	m = (uint32_t)r < n ? r : (int)n;
	seq = sh->irs.v + 1u + (uint32_t)f->read_off[h];
	expect = peer_bytes(f->expect, seq, (uint32_t)m);
	i = m;
	if (m > 0 && !same_bytes(f->appbuf, expect, (uint32_t)m))
		for (i = 0; i < m && f->appbuf[i] == expect[i]; i++)
			;
	if (i < m)
		FC_FAIL("app read byte %llu (seq %u) = 0x%02x, the peer sent "
		        "0x%02x there (duplicate, reordered or never sent)",
		        (unsigned long long)f->read_off[h] + (unsigned)i,
		        seq + (uint32_t)i, f->appbuf[i],
		        peer_byte(seq + (uint32_t)i));
	f->read_off[h] += (uint64_t)r;
	if (f->read_off[h] > *sent_of(f, c->tuple.lport, c->tuple.rport))
		FC_FAIL("app read %llu bytes, the peer sent only %llu",
		        (unsigned long long)f->read_off[h],
		        (unsigned long long)*sent_of(f, c->tuple.lport,
		                                     c->tuple.rport));
}

/* ---- Steps ----------------------------------------------------------------
 */

/* The oracle's copy of each emitted segment: kept for ICMP quotes. */
FC_ORACLE static void remember(void *ctx, const struct tcp_out_seg *os,
                               const uint8_t *tcp, size_t tl)
{
	struct fc *f = ctx;
	unsigned i = f->recent_n++ % FC_RECENT;

	f->recent_src[i] = os->tuple.laddr;
	f->recent_dst[i] = os->tuple.raddr;
	f->recent_tl[i] = (uint16_t)(tl < 0xffffu ? tl : 0xffffu);
	memcpy(f->recent[i], tcp,
	       tl < sizeof(f->recent[0]) ? tl : sizeof(f->recent[0]));
}

FC_ORACLE static void before_step(struct fc *f, enum sd_step step,
                                  const struct tcp_seg *in)
{
	sd_oracle_begin(&f->oracle, step, in);
}

FC_ORACLE static void after_step(struct fc *f)
{
	uint32_t i;

	if (g_debug)
		for (i = 0; i < f->out.n; i++) {
			const struct tcp_seg *s = &f->out.segs[i].seg;

			fprintf(stderr,
			        "  out %u > %u flags 0x%03x seq %u ack %u win "
			        "%u len %u\n",
			        s->sport, s->dport, s->flags, s->seq.v,
			        s->ack.v, s->wnd, s->payload_bytes);
		}
	if (g_obs)
		for (i = 0; i < f->out.n; i++)
			g_obs->out(g_obs->ctx, f->now_us, &f->out.segs[i]);
	if (sd_oracle_end(&f->oracle, &f->out, 0) != 0)
		FC_FAIL("%s", f->oracle.msg);
	tcp_out_reset(&f->out);
}

/* ---- Records ----------------------------------------------------------------
 */

/*
 * Time passes to a target time; the stack's timers run at their deadlines
 * on the way, each a step of its own (as on the reference target, so that
 * `shakedown repro` scripts see the same times).
 */
static void do_time(struct fc *f, struct fc_rd *r, uint8_t op)
{
	uint8_t b = rd8(r);
	uint64_t t, to = f->now_us;
	unsigned steps = 0;

	switch ((op >> 3) & 3) {
	case 0: /* small: up to 255 ms */
		to += (uint64_t)b * 1000u;
		break;
	case 1: /* to the next deadline, plus a little */
		t = tcp_stack_next_deadline_us(&f->st);
		if (t != TCP_NO_DEADLINE && t > to)
			to = t;
		to += b;
		break;
	case 2: /* seconds */
		to += (uint64_t)b * 1000000u;
		break;
	default: /* large: up to ~42 minutes */
		to += (uint64_t)b * 10000000u;
		break;
	}
	while (steps++ < FC_TIME_STEPS) {
		t = tcp_stack_next_deadline_us(&f->st);
		if (t == TCP_NO_DEADLINE || t > to)
			break;
		if (t > f->now_us)
			f->now_us = t;
		before_step(f, SD_STEP_TIME, NULL);
		if (g_debug)
			fprintf(stderr, "t=%llu poll\n",
			        (unsigned long long)f->now_us);
		if (g_obs)
			g_obs->time(g_obs->ctx, f->now_us);
		tcp_stack_poll(&f->st, &f->env, f->now_us, &f->out);
		after_step(f);
	}
	if (steps <= FC_TIME_STEPS)
		f->now_us = to;
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
		else if (s->conn.tuple.raddr.family == f->local.family)
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
	seg.payload = peer_bytes(f->payload, seq0, plen);
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
	tl = tcp_seg_emit(&seg, &f->peer, &f->local, f->pkt + f->hl,
	                  sizeof(f->pkt) - f->hl);
	if (tl == 0)
		return; /* options do not fit: nothing sent */
	hl = tcp_wire_ip_emit(&f->peer, &f->local, 64, (uint8_t)(op >> 6), 0,
	                      tl, f->pkt, f->hl);
	if (hl == 0)
		return;
	*sent_of(f, t.lport, t.rport) += plen;
	before_step(f, SD_STEP_SEG, &seg);
	if (g_debug)
		fprintf(stderr,
		        "t=%llu seg %u > %u flags 0x%03x seq %u ack %u win %u "
		        "len %u opts 0x%02x\n",
		        (unsigned long long)f->now_us, seg.sport, seg.dport,
		        seg.flags, seg.seq.v, seg.ack.v, seg.wnd, plen,
		        seg.opts.present);
	if (g_obs)
		g_obs->seg(g_obs->ctx, f->now_us, &seg, f->pkt, hl + tl);
	(void)tcp_stack_input_packet(&f->st, &f->env, f->now_us, f->pkt,
	                             hl + tl, &f->out);
	after_step(f);
}

static void do_app(struct fc *f, struct fc_rd *r)
{
	uint8_t a = rd8(r), b = rd8(r);
	int h = a & 3;
	struct tcp_conn *c = tcp_stack_conn(&f->st, h);
	bool app = tcp_stack_slot_use(&f->st, h) == TCP_SLOT_APP;
	struct tcp_tuple t;
	uint32_t n;
	int ret;

	before_step(f, SD_STEP_APP, NULL);
	if (g_debug)
		fprintf(stderr, "t=%llu app call %u on %d arg %u\n",
		        (unsigned long long)f->now_us, (a >> 2) & 15u, h, b);
	switch ((a >> 2) & 15) {
	case 0:
	case 1: /* listen */
		ret = tcp_stack_listen(&f->st, &f->env, f->now_us,
		                       (b & 2) ? &f->local : NULL,
		                       (uint16_t)(FC_LPORT0 + (b & 1)),
		                       (uint32_t)(b >> 2) & 3);
		fc_obs_app(f, FC_CALL_LISTEN, h, b, ret);
		break;
	case 2:
	case 3: /* connect */
		memset(&t, 0, sizeof(t));
		t.laddr = f->local;
		t.raddr = f->peer;
		t.rport = (uint16_t)(FC_RPORT0 + (b & 3));
		t.lport = (b & 4) ? (uint16_t)(FC_LPORT0 + ((b >> 3) & 1)) : 0;
		ret =
		    tcp_stack_connect(&f->st, &f->env, f->now_us, &t, &f->out);
		fc_obs_app(f, FC_CALL_CONNECT, h, b, ret);
		break;
	case 4: /* accept */
		ret = tcp_stack_accept(&f->st, h);
		fc_obs_app(f, FC_CALL_ACCEPT, h, b, ret);
		break;
	case 5:
	case 6:
	case 7: /* send */
		if (app && !f->slots[h].listener) {
			n = (uint32_t)b * 16u;
			if (n > sizeof(g_sendpat))
				n = sizeof(g_sendpat);
			ret = tcp_conn_send(c, &f->env, f->now_us, g_sendpat, n,
			                    (a & 0x40) ? TCP_SEND_PUSH : 0,
			                    &f->out);
			f->oracle.app_send = true; /* E053, E079 */
			f->oracle.app_slot = h;
			fc_obs_app(f, FC_CALL_SEND, h, n, ret);
		}
		break;
	case 8:
	case 9:
	case 10: /* recv */
		if (app && !f->slots[h].listener)
			app_recv(f, h, (b & 0x80) ? sizeof(f->appbuf) : b + 1u);
		break;
	case 11: /* shutdown */
		ret = tcp_stack_close(&f->st, &f->env, f->now_us, h,
		                      TCP_CLOSE_SEND, &f->out);
		fc_obs_app(f, FC_CALL_SHUTDOWN, h, b, ret);
		break;
	case 12: /* close */
		ret = tcp_stack_close(&f->st, &f->env, f->now_us, h,
		                      TCP_CLOSE_FULL, &f->out);
		fc_obs_app(f, FC_CALL_CLOSE, h, b, ret);
		break;
	case 13: /* abort */
		ret = tcp_stack_abort(&f->st, &f->env, f->now_us, h, &f->out);
		fc_obs_app(f, FC_CALL_ABORT, h, b, ret);
		break;
	case 14: /* socket options */
		if (app) {
			tcp_conn_set_nodelay(c, b & 1);
			tcp_conn_set_keepalive(c, (b & 2) != 0);
			if (b & 4)
				tcp_conn_set_user_timeout(c,
				                          (uint64_t)(b >> 3) *
				                              10000000u);
			fc_obs_app(f, FC_CALL_SOCKOPT, h, b, 0);
		}
		break;
	default: /* send with the urgent flag */
		if (app && !f->slots[h].listener) {
			n = (uint32_t)(b & 63) + 1u;
			ret = tcp_conn_send(c, &f->env, f->now_us, g_sendpat, n,
			                    TCP_SEND_URGENT, &f->out);
			fc_obs_app(f, FC_CALL_SEND_URGENT, h, n, ret);
		}
		break;
	}
	after_step(f);
}

static void do_icmp(struct fc *f, struct fc_rd *r)
{
	static const uint8_t types[8][2] = {
		{ 3, 0 }, { 3, 1 },  { 3, 2 },  { 3, 3 },
		{ 3, 4 }, { 11, 0 }, { 12, 0 }, { 4, 0 },
	};
	/* ICMPv6: unreachable (1) codes 0, 1, 3, 4; Packet Too Big (2);
	 * time exceeded (3); parameter problem (4) codes 0, 1. */
	static const uint8_t types6[8][2] = {
		{ 1, 0 }, { 1, 1 }, { 1, 3 }, { 1, 4 },
		{ 2, 0 }, { 3, 0 }, { 4, 0 }, { 4, 1 },
	};
	const uint8_t(*tt)[2] = f->hl == TCP_IP6_HDR ? types6 : types;
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
	/* The first 48 bytes of the segment's IP packet. */
	if (tcp_wire_ip_emit(&f->recent_src[i], &f->recent_dst[i], 64, 0, 0,
	                     f->recent_tl[i], q, sizeof(q)) != f->hl)
		return;
	ql = f->hl + f->recent_tl[i];
	if (ql > sizeof(q))
		ql = sizeof(q);
	memcpy(q + f->hl, f->recent[i], ql - f->hl);
	if (ql < f->hl + TCP_ICMP_QUOTE)
		return;
	/* Move the quoted SEQ a little: in or out of SND.UNA..SND.MAX. */
	if (a & 0x80) {
		uint32_t s = tcp_wire_rd32(q + f->hl + TCP_OFF_SEQ);

		tcp_wire_wr32(q + f->hl + TCP_OFF_SEQ, s + (uint32_t)sdelta(d));
	}
	if (a & 0x40)
		ql = f->hl + TCP_ICMP_QUOTE;
	type = tt[(a >> 2) & 7][0];
	code = tt[(a >> 2) & 7][1];
	if ((a & 0x20) && (a & 0x80) == 0) {
		type = d & 0x0F;
		code = (uint8_t)(d >> 4);
	}
	n = tcp_wire_icmp_emit((a & 0x10) ? &f->peer : &f->router, &f->local,
	                       type, code,
	                       (a & 0x10)             ? 0
	                       : f->hl == TCP_IP6_HDR ? 1280u
	                                              : 576u,
	                       q, ql, f->pkt, sizeof(f->pkt));
	if (n == 0)
		return;
	before_step(f, SD_STEP_ICMP, NULL);
	if (g_debug)
		fprintf(stderr, "t=%llu icmp type %u code %u\n",
		        (unsigned long long)f->now_us, type, code);
	if (g_obs)
		g_obs->icmp(g_obs->ctx, f->now_us, type, code, f->pkt, n);
	(void)tcp_stack_input_packet(&f->st, &f->env, f->now_us, f->pkt, n,
	                             &f->out);
	after_step(f);
}

/* ---- Entry point ----------------------------------------------------------
 */

static void setup(struct fc *f, uint8_t sel, uint8_t ext)
{
	static const enum tcp_profile prof[4] = { TCP_PROFILE_DEFAULT,
		                                  TCP_PROFILE_RFC5961,
		                                  TCP_PROFILE_LEGACY,
		                                  TCP_PROFILE_DEFAULT };
	size_t i;

	/* Clear the small state; the big scratch buffers stay as they are,
	 * and the receive buffers hold a fixed pattern (refilled where the
	 * last input may have written: g_rxdirty). */
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
	f->ext = ext;
	if (ext & FC_EXT_IPV6) {
		/* fd00::1, ::2 and ::fe (a unique local prefix). */
		f->local.family = f->peer.family = f->router.family =
		    TCP_AF_INET6;
		f->local.a[0] = f->peer.a[0] = f->router.a[0] = 0xfd;
		f->local.a[15] = 1;
		f->peer.a[15] = 2;
		f->router.a[15] = 0xfe;
		f->hl = TCP_IP6_HDR;
	} else {
		tcp_addr_v4(&f->local, 10, 0, 0, 1);
		tcp_addr_v4(&f->peer, 10, 0, 0, 2);
		tcp_addr_v4(&f->router, 10, 0, 0, 254);
		f->hl = TCP_IP4_HDR_MIN;
	}
	f->isn_key.k0 = 0x66757a7a5f636f6eull; /* "fuzz_con" */
	f->isn_key.k1 = 0x6e2d69736e6b6579ull; /* "n-isnkey" */
	if (ext & FC_EXT_KEEPALIVE)
		f->cfg.keepalive = true;
	f->peer_isn[0] = 0xFFFFFFF0u;
	f->peer_isn[1] = 0x00001000u;
	f->peer_isn[2] = 0x7FFFFFF8u;
	f->peer_isn[3] = 0x80000010u;
	f->now_us = 1000000u;
	if (g_fill_all) {
		memset(f->bufmem, 0xA5, sizeof(f->bufmem));
		g_fill_all = false;
	}
	for (i = 0; i < FC_SLOTS; i++) {
		memset(f->bufmem + g_rxdirty[i].off, 0xA5, g_rxdirty[i].len);
		g_rxdirty[i].len = 0;
	}
	if (ext & FC_EXT_SMALL_OUT) /* room for 2 segments: output blocks */
		tcp_out_init(&f->out, f->segs, 2, f->outdata, 1500);
	else
		tcp_out_init(&f->out, f->segs, FC_OUT_SEGS, f->outdata,
		             sizeof(f->outdata));
	if (tcp_stack_init(&f->st, &f->cfg, f->slots, FC_SLOTS, f->bufmem,
	                   f->rx_bytes, f->tx_bytes) != 0)
		FC_FAIL("tcp_stack_init failed");
	sd_oracle_init(&f->oracle, &f->cfg, f->slots, FC_SLOTS, f->rx_bytes,
	               f->tx_bytes);
	f->oracle.state_hits = g_state_hits;
	f->oracle.edge_hits = g_count_edges ? g_edge_hits : NULL;
	f->oracle.debug = g_debug;
	f->oracle.emitted = remember;
	f->oracle.ctx = f;
}

/* The records of one input, after its selector byte. */
static void run_records(struct fc *f, struct fc_rd *r)
{
	unsigned nrec = 0;

	while (r->i < r->n && nrec++ < FC_MAX_RECORDS &&
	       f->now_us < FC_MAX_TIME_US) {
		uint8_t op = rd8(r);

		switch (op & 7) {
		case 0:
		case 1:
			do_time(f, r, op);
			break;
		case 2:
		case 3:
		case 4:
			do_segment(f, r, op);
			break;
		case 5:
		case 6:
			do_app(f, r);
			break;
		default:
			do_icmp(f, r);
			break;
		}
	}
}

static void arm(void)
{
	size_t i;

	if (g_stats_armed)
		return;
	g_stats_armed = true;
	stream_fill();
	for (i = 0; i < sizeof(g_sendpat); i++)
		g_sendpat[i] = (uint8_t)i;
	if (getenv("FUZZ_CONN_STATS"))
		atexit(print_stats);
	g_debug = getenv("FUZZ_CONN_DEBUG") != NULL;
	if (getenv("SHAKEDOWN_EDGES_OUT")) {
		g_count_edges = true;
		atexit(write_edges);
	}
}

int fc_run(const uint8_t *data, size_t size, const struct fc_obs *obs)
{
	struct fc *f = &g_fc;
	struct fc_rd r = { data, size, 0 };
	uint8_t sel, ext;

	arm();
	if (size == 0)
		return 0;
	g_obs = obs;
	if (setjmp(g_obs_jmp) != 0) {
		g_obs = NULL;
		return 1;
	}
	sel = rd8(&r);
	ext = rd8(&r);
	setup(f, sel, ext);
	if (obs)
		obs->setup(obs->ctx, sel, ext, &f->cfg, f->rx_bytes,
		           f->tx_bytes);
	run_records(f, &r);
	g_obs = NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)fc_run(data, size, NULL);
	return 0;
}
