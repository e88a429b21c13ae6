/* SPDX-License-Identifier: MIT
 *
 * Turns a conformance vector into a fuzz_conn input that makes the driver
 * replay the vector's story: the vector runs on the reference target, then
 * the events of its run log are written as records in the order they
 * happened, each one encoded after running the input built so far through
 * fc_run with an observer (the stack's ISN, what it sent, which slot a
 * call got), so that every SEQ, ACK and quoted SEQ lands where the script
 * put it.
 */
#define _GNU_SOURCE

#include "conn_seeds.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_conn.h"
#include "shakedown/profile.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"
#include "symtab.h"
#include "tcpref/seg.h"
#include "tcpref/wire.h"

#define CS_T0_US 1000000u       /* fuzz_conn's clock at the start */
#define CS_PEER_ISN 0xFFFFFFF0u /* fuzz_conn's peer ISN for port 5000 */
#define CS_MAX_IN 512           /* fuzz_conn.options' max_len */
#define CS_DRV_WINDOW 4096      /* fuzz_conn's receive buffer, FC_RX_MAX */
#define CS_FDS 16               /* descriptors the script holds at once */
#define CS_WRITES 256           /* writes of one connection remembered */
#define CS_CHUNK_MAX                                                           \
	1392              /* largest payload of one record (16 * 87 <= 1400)   \
	                   */
#define CS_CHUNKS 16      /* records one inbound segment may take */
#define CS_REF_PORT 8080  /* the reference target's port for the stack */
#define CS_NORET (-10000) /* no application call was made */

/* ---- What fc_run reports ------------------------------------------------ */

enum cs_kind {
	CS_TIME,
	CS_SEG,
	CS_ICMP,
	CS_APP,
	CS_OUT,
	CS_STATE
};

struct cs_step {
	uint8_t kind;
	uint64_t t_us;
	uint32_t seq, ack; /* SEG, OUT; ICMP: the quoted SEQ */
	uint16_t flags;    /* SEG, OUT */
	uint16_t lport;    /* OUT: the stack's port */
	bool has_ts;       /* OUT */
	uint32_t tsval;
	int call, h, ret; /* APP; STATE: h */
	uint8_t from, to; /* STATE */
};

struct cs_obs {
	struct cs_step *v;
	size_t n, cap;
	bool oom, failed;
	char msg[512];
};

static struct cs_step *obs_add(struct cs_obs *o, int kind, uint64_t t_us)
{
	struct cs_step *s;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		struct cs_step *v = realloc(o->v, cap * sizeof(*v));

		if (v == NULL) {
			o->oom = true;
			return NULL;
		}
		o->v = v;
		o->cap = cap;
	}
	s = &o->v[o->n++];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	s->t_us = t_us;
	return s;
}

static void ob_setup(void *ctx, uint8_t sel, uint8_t ext,
                     const struct tcp_cfg *cfg, uint32_t rx_bytes,
                     uint32_t tx_bytes)
{
	(void)ctx;
	(void)sel;
	(void)ext;
	(void)cfg;
	(void)rx_bytes;
	(void)tx_bytes;
}

static void ob_time(void *ctx, uint64_t now_us)
{
	(void)obs_add(ctx, CS_TIME, now_us);
}

static void ob_seg(void *ctx, uint64_t now_us, const struct tcp_seg *seg,
                   const uint8_t *pkt, size_t len)
{
	struct cs_step *s = obs_add(ctx, CS_SEG, now_us);

	(void)pkt;
	(void)len;
	if (s == NULL)
		return;
	s->seq = seg->seq.v;
	s->ack = seg->ack.v;
	s->flags = seg->flags;
}

/* The SEQ quoted by an ICMP error (IPv4 or IPv6, no options). */
static void ob_icmp(void *ctx, uint64_t now_us, uint8_t type, uint8_t code,
                    const uint8_t *pkt, size_t len)
{
	struct cs_step *s = obs_add(ctx, CS_ICMP, now_us);
	size_t hl, qhl;

	(void)type;
	(void)code;
	if (s == NULL || len < 1)
		return;
	hl = (pkt[0] >> 4) == 6 ? TCP_IP6_HDR : (size_t)(pkt[0] & 15) * 4u;
	if (len < hl + 8 + 1)
		return;
	qhl = (pkt[hl + 8] >> 4) == 6 ? TCP_IP6_HDR
	                              : (size_t)(pkt[hl + 8] & 15) * 4u;
	if (len < hl + 8 + qhl + 8)
		return;
	s->seq = tcp_wire_rd32(pkt + hl + 8 + qhl + 4);
}

static void ob_app(void *ctx, uint64_t now_us, enum fc_call call, int h,
                   uint32_t arg, int ret)
{
	struct cs_step *s = obs_add(ctx, CS_APP, now_us);

	(void)arg;
	if (s == NULL)
		return;
	s->call = (int)call;
	s->h = h;
	s->ret = ret;
}

static void ob_out(void *ctx, uint64_t now_us, const struct tcp_out_seg *os)
{
	struct cs_step *s = obs_add(ctx, CS_OUT, now_us);

	if (s == NULL)
		return;
	s->seq = os->seg.seq.v;
	s->ack = os->seg.ack.v;
	s->flags = os->seg.flags;
	s->lport = os->tuple.lport;
	s->has_ts = (os->seg.opts.present & TCP_OPTF_TS) != 0;
	s->tsval = os->seg.opts.tsval;
}

static void ob_fail(void *ctx, const char *msg)
{
	struct cs_obs *o = ctx;

	o->failed = true;
	snprintf(o->msg, sizeof(o->msg), "%s", msg);
}

static void ob_state(void *ctx, uint64_t now_us, int h, enum tcp_state from,
                     enum tcp_state to)
{
	struct cs_step *s = obs_add(ctx, CS_STATE, now_us);

	if (s == NULL)
		return;
	s->h = h;
	s->from = (uint8_t)from;
	s->to = (uint8_t)to;
}

/* ---- The conversion -------------------------------------------------- */

/* A descriptor of the script, as the reference target's sockets see it. */
struct cs_fd {
	bool used, bound, listener, conn;
	bool linger0, nodelay, keepalive;
	int fd;
	int slot;      /* the driver's slot, or -1 */
	uint16_t port; /* the reference's local port */
	uint32_t user_to_ms;
};

/* One write: where its bytes are in the script's and the driver's
 * sequence space (relative to the stack's ISN). */
struct cs_write {
	uint32_t s, n; /* the script's */
	uint32_t d, m; /* the driver's (send records take multiples of 16) */
};

struct cs {
	const struct script *s;
	bool v6;
	uint8_t in[CS_MAX_IN];
	size_t len;
	struct cs_obs ob;
	size_t done; /* steps of the last committed run */
	uint64_t now_us;
	bool stop; /* the driver would read no more records */
	/* The driver's side of the script's connection. */
	uint32_t isn;
	bool isn_stale;
	bool ts_known;
	uint32_t ts_map;
	bool have_ts;
	uint32_t ts_off; /* TSval - ms clock of the latest segment with TS */
	uint16_t lport;  /* the stack's port of the latest segment (80, 81) */
	bool in_time;    /* the latest step was a timer round */
	int drv_last;    /* the latest state of the sequence compared */
	bool prim_set;
	uint8_t prim; /* the state of the latest connection to change */
	struct cs_write w[CS_WRITES];
	size_t wn;
	uint32_t s_next, d_next;
	struct cs_fd fds[CS_FDS];
	uint16_t next_port;
	struct conn_seed *out;
};

static int cs_run(struct cs *c, size_t len)
{
	struct fc_obs o = { &c->ob, ob_setup, ob_time, ob_seg,  ob_icmp,
		            ob_app, ob_out,   ob_fail, ob_state };

	c->ob.n = 0;
	c->ob.oom = false;
	c->ob.failed = false;
	c->ob.msg[0] = '\0';
	return fc_run(c->in, len, &o);
}

static void unsaid(struct cs *c, const struct script_event *ev,
                   const char *what)
{
	size_t k = strlen(c->out->why);

	if (c->stop) /* the real reason: a limit, or a failed oracle */
		what = c->out->limit ? c->out->limit : "an oracle failed";
	c->out->unsaid++;
	if (k + 16 < sizeof(c->out->why))
		snprintf(c->out->why + k, sizeof(c->out->why) - k, "%s%d: %s",
		         k ? "; " : "", ev->line, what);
}

static void writes_reset(struct cs *c)
{
	c->wn = 0;
	c->s_next = c->d_next = 1;
}

/*
 * A number of the stack's sequence space as the script writes it
 * (relative to its ISN) to the driver's: send records write multiples of
 * 16 bytes, so each write may leave more bytes on the driver's side; an
 * ACK of a write's end acknowledges the driver's whole write.
 */
static uint32_t cs_map(const struct cs *c, uint32_t a)
{
	size_t i;

	for (i = 0; i < c->wn; i++) {
		const struct cs_write *w = &c->w[i];
		uint32_t off = a - w->s;

		if (off >= 0x80000000u) /* before it (mod 2^32) */
			return a - w->s + w->d;
		if (off < w->n) /* inside: as far into the driver's bytes */
			return w->d + (off < w->m ? off : w->m);
		if (off == w->n)
			return w->d + w->m;
	}
	return a - c->s_next + c->d_next;
}

/* The next state of a sequence: a change adds the edge last -> st. */
static void seq_add(uint16_t *edges, int *last, int st)
{
	if (*last >= 0 && *last != st)
		edges[*last] |= (uint16_t)(1u << st);
	*last = st;
}

/* The steps of the last committed run that are new: what they tell. */
static void cs_scan(struct cs *c)
{
	size_t i;

	for (i = c->done; i < c->ob.n; i++) {
		const struct cs_step *st = &c->ob.v[i];

		switch (st->kind) {
		case CS_TIME:
			c->in_time = true;
			break;
		case CS_SEG:
		case CS_ICMP:
		case CS_APP:
			c->in_time = false;
			break;
		case CS_OUT:
			c->lport = st->lport;
			if ((st->flags & TCP_FLAG_SYN) && c->isn_stale) {
				c->isn = st->seq;
				c->isn_stale = false;
				c->ts_known = false;
			}
			if (st->has_ts) {
				c->have_ts = true;
				c->ts_off =
				    st->tsval - (uint32_t)(st->t_us / 1000u);
			}
			break;
		case CS_STATE:
			/* As the reference target: listeners opening and
			 * closing do not count, nor connections outside the
			 * slots. */
			if (st->h < 0 ||
			    (st->from == TCP_CLOSED && st->to == TCP_LISTEN) ||
			    (st->from == TCP_LISTEN && st->to == TCP_CLOSED))
				break;
			c->prim_set = true;
			c->prim = st->to;
			if (c->in_time) { /* as the reference's timer notes */
				c->out->drv_states |= 1u << st->to;
				seq_add(c->out->drv_edges, &c->drv_last,
				        st->to);
			}
			break;
		default:
			break;
		}
	}
	c->done = c->ob.n;
}

static int cs_prim(const struct cs *c)
{
	size_t i;

	if (c->prim_set)
		return c->prim;
	for (i = 0; i < CS_FDS; i++)
		if (c->fds[i].used && c->fds[i].listener && c->fds[i].slot >= 0)
			return TCP_LISTEN;
	return TCP_CLOSED;
}

/* Runs the whole input and takes in what the new records did. */
static void cs_commit(struct cs *c)
{
	if (cs_run(c, c->len) != 0 && !c->out->failed) {
		c->out->failed = true;
		snprintf(c->out->fail, sizeof(c->out->fail), "%s", c->ob.msg);
	}
	cs_scan(c);
	if (c->out->failed || c->ob.oom)
		c->stop = true;
}

static bool cs_put(struct cs *c, const uint8_t *b, size_t n)
{
	if (!c->stop && c->out->records >= FC_MAX_RECORDS) {
		c->out->limit = "256 records";
		c->stop = true;
	}
	if (!c->stop && c->len + n > sizeof(c->in)) {
		c->out->limit = "512 bytes";
		c->stop = true;
	}
	if (c->stop)
		return false;
	memcpy(c->in + c->len, b, n);
	c->len += n;
	c->out->records++;
	return true;
}

/* Runs the input with b[0..n) appended, not kept: the first step of
 * 'kind' that the record made, or NULL. */
static const struct cs_step *cs_probe(struct cs *c, const uint8_t *b, size_t n,
                                      int kind)
{
	size_t i;

	if (!c->stop && c->len + n > sizeof(c->in)) {
		c->out->limit = "512 bytes"; /* a seed is a prefix, no holes */
		c->stop = true;
	}
	if (c->stop)
		return NULL;
	memcpy(c->in + c->len, b, n);
	(void)cs_run(c, c->len + n);
	for (i = c->done; i < c->ob.n; i++)
		if (c->ob.v[i].kind == kind)
			return &c->ob.v[i];
	return NULL;
}

/* Time records up to the reference's time t_us (to the millisecond). */
static void cs_advance(struct cs *c, uint64_t t_us)
{
	uint64_t to = CS_T0_US + t_us, ms;
	uint8_t r[2];
	bool any = false;

	if (c->stop || to <= c->now_us + 500u)
		return;
	if (to >= FC_MAX_TIME_US) { /* the driver reads no more records */
		c->out->limit = "2 h";
		c->stop = true;
		return;
	}
	ms = (to - c->now_us + 500u) / 1000u;
	while (ms >= 10000u && !c->stop) { /* 10 s steps */
		uint64_t k = ms / 10000u > 255 ? 255 : ms / 10000u;

		r[0] = 0x18;
		r[1] = (uint8_t)k;
		if (cs_put(c, r, 2)) {
			ms -= k * 10000u;
			c->now_us += k * 10000000u;
			any = true;
		}
	}
	if (ms >= 1000u && !c->stop) { /* seconds */
		r[0] = 0x10;
		r[1] = (uint8_t)(ms / 1000u);
		if (cs_put(c, r, 2)) {
			c->now_us += (ms / 1000u) * 1000000u;
			ms %= 1000u;
			any = true;
		}
	}
	while (ms > 0 && !c->stop) { /* milliseconds */
		uint64_t k = ms > 255 ? 255 : ms;

		r[0] = 0x00;
		r[1] = (uint8_t)k;
		if (cs_put(c, r, 2)) {
			ms -= k;
			c->now_us += k * 1000u;
			any = true;
		}
	}
	if (any)
		cs_commit(c);
}

/* Appends an application record and runs it: what the call returned,
 * or CS_NORET when the driver made none. */
static int cs_app(struct cs *c, uint8_t a, uint8_t b)
{
	uint8_t r[3] = { 5, a, b };
	size_t from = c->done, i;
	int ret = CS_NORET;

	if (!cs_put(c, r, 3))
		return CS_NORET;
	cs_commit(c);
	for (i = from; i < c->ob.n; i++)
		if (c->ob.v[i].kind == CS_APP)
			ret = c->ob.v[i].ret;
	return ret;
}

/* ---- Segments ---------------------------------------------------------- */

/* The fields of one segment record, SEQ and ACK as absolute targets. */
struct cs_seg {
	uint8_t ecn, tsel, fl, wb, lb, ob, urp;
	uint32_t seq, ack;
	bool ack_matters;
	bool beyond_ok; /* left out when past the driver's window */
	uint8_t ox[48]; /* what follows for the options */
	size_t oxn;
};

static size_t seg_enc(const struct cs_seg *g, uint8_t sm, uint8_t sd,
                      uint8_t am, uint8_t ad, uint8_t *b)
{
	size_t n = 0;

	/* Bit 7 of the opcode is also the AE flag: ECT(0) and CE carry it. */
	b[n++] = (uint8_t)(2u | (uint8_t)(g->ecn << 6));
	b[n++] = g->tsel;
	b[n++] = sm;
	b[n++] = sd;
	b[n++] = am;
	b[n++] = ad;
	b[n++] = g->fl;
	b[n++] = g->wb;
	b[n++] = g->lb;
	b[n++] = g->ob;
	if ((sm & 3) == 3) {
		tcp_wire_wr32(b + n, g->seq);
		n += 4;
	}
	if ((am & 3) == 3) {
		tcp_wire_wr32(b + n, g->ack);
		n += 4;
	}
	if (g->fl & TCP_FLAG_URG)
		b[n++] = g->urp;
	memcpy(b + n, g->ox, g->oxn);
	return n + g->oxn;
}

static bool fits8(uint32_t d)
{
	return d + 128u < 256u;
}

/*
 * Appends the segment, SEQ and ACK in the shortest encoding that hits the
 * targets (relative to RCV.NXT / IRS, SND.UNA / NXT / MAX, or raw).
 * Returns false when the driver would not send it.
 */
static bool cs_segment(struct cs *c, const struct cs_seg *g)
{
	uint8_t b[80];
	const struct cs_step *p;
	uint8_t sm = 3, sd = 0, am = 3, ad = 0;
	uint32_t d, base;
	size_t n;
	unsigned k;

	n = seg_enc(g, 0, 0, 0, 0, b);
	p = cs_probe(c, b, n, CS_SEG);
	if (p == NULL)
		return false;
	d = g->seq - p->seq;
	/* A later part of a long segment that lies past RCV.NXT + the
	 * driver's buffer: the driver would drop it for the window. */
	if (g->beyond_ok && d >= CS_DRV_WINDOW && d < 0x80000000u)
		return true;
	if (fits8(d)) {
		sm = 0;
		sd = (uint8_t)d;
	}
	if (!g->ack_matters) {
		am = 0; /* the field means nothing without ACK */
	} else if (fits8(g->ack - p->ack)) {
		am = 0;
		ad = (uint8_t)(g->ack - p->ack);
	}
	for (k = 1; k <= 2 && am == 3; k++) { /* SND.NXT, SND.MAX */
		n = seg_enc(g, 0, 0, (uint8_t)k, 0, b);
		p = cs_probe(c, b, n, CS_SEG);
		if (p != NULL && fits8(g->ack - p->ack)) {
			am = (uint8_t)k;
			ad = (uint8_t)(g->ack - p->ack);
		}
	}
	if (sm == 3) { /* IRS + a byte shifted by 0, 4, 8 or 12 bits */
		n = seg_enc(g, 2, 0, 0, 0, b);
		p = cs_probe(c, b, n, CS_SEG);
		base = p ? p->seq : 0;
		for (k = 0; k < 4 && p != NULL && sm == 3; k++) {
			d = g->seq - base;
			if ((d & ((1u << (4 * k)) - 1u)) == 0 &&
			    (d >> (4 * k)) <= 255u) {
				sm = (uint8_t)(2u | k << 2);
				sd = (uint8_t)(d >> (4 * k));
			}
		}
	}
	/* The bases do not depend on the deltas: this lands on target. */
	n = seg_enc(g, sm, sd, am, ad, b);
	if (!cs_put(c, b, n))
		return false;
	cs_commit(c);
	return true;
}

/* The window byte of a record: the value itself when one encodes it,
 * else the nearest (0..63, 64 * 0..63, 1024 * 0..63, 65535). */
static uint8_t win_byte(uint32_t w)
{
	uint32_t best = 0, bd = UINT32_MAX, v, dv;
	uint8_t bb = 0;
	unsigned m, k;

	for (m = 0; m < 4; m++) {
		for (k = 0; k < 64; k++) {
			v = m == 0   ? k
			    : m == 1 ? k << 6
			    : m == 2 ? k << 10
			             : 65535u;
			dv = v > w ? v - w : w - v;
			if (dv < bd || (dv == bd && v > best)) {
				bd = dv;
				best = v;
				bb = (uint8_t)(m << 6 | (m == 3 ? 0 : k));
			}
			if (m == 3)
				break;
		}
	}
	return bb;
}

/* A SACK block's relative number in the driver's sequence space. */
static uint32_t cs_sack_abs(void *ctx, uint32_t rel)
{
	const struct cs *c = ctx;

	return c->isn + cs_map(c, rel);
}

/* The script's options as bytes, the way the runner builds them. */
static int cs_opts(const struct cs *c, const struct script_packet *p,
                   uint8_t *b, size_t cap)
{
	return script_packet_opts(p, b, cap, cs_sack_abs, (void *)c,
	                          c->ts_known, c->ts_map);
}

/*
 * The record's option fields: the structured bits (MSS, WS, SACKOK) when
 * the driver's layout of them gives exactly these bytes, else the raw
 * bytes.
 */
static void cs_seg_opts(struct cs_seg *g, const uint8_t *raw, size_t n)
{
	struct tcp_seg seg;
	uint8_t buf[TCP_HDR_MAX];
	size_t i = 0, len;
	bool ok = n > 0;

	g->ob = 0;
	g->oxn = 0;
	if (n == 0)
		return;
	memset(&seg, 0, sizeof(seg));
	while (i < n && ok) {
		uint8_t kind = raw[i];

		if (kind == TCP_OPT_NOP || kind == TCP_OPT_EOL) {
			i++;
			continue;
		}
		if (i + 1 >= n || raw[i + 1] < 2 || i + raw[i + 1] > n) {
			ok = false;
			break;
		}
		if (kind == TCP_OPT_MSS && raw[i + 1] == 4 &&
		    !(seg.opts.present & TCP_OPTF_MSS)) {
			seg.opts.present |= TCP_OPTF_MSS;
			seg.opts.mss = tcp_wire_rd16(raw + i + 2);
		} else if (kind == TCP_OPT_WS && raw[i + 1] == 3 &&
		           raw[i + 2] < 16 &&
		           !(seg.opts.present & TCP_OPTF_WS)) {
			seg.opts.present |= TCP_OPTF_WS;
			seg.opts.ws_shift = raw[i + 2];
		} else if (kind == TCP_OPT_SACKOK && raw[i + 1] == 2 &&
		           !(seg.opts.present & TCP_OPTF_SACKOK)) {
			seg.opts.present |= TCP_OPTF_SACKOK;
		} else {
			ok = false;
		}
		i += raw[i + 1];
	}
	if (ok) {
		struct tcp_addr a;

		tcp_addr_v4(&a, 10, 0, 0, 1);
		len = tcp_seg_emit(&seg, &a, &a, buf, sizeof(buf));
		ok = len >= TCP_HDR_MIN &&
		     (size_t)(buf[12] >> 4) * 4u == TCP_HDR_MIN + n &&
		     memcmp(buf + TCP_HDR_MIN, raw, n) == 0;
	}
	if (ok) {
		if (seg.opts.present & TCP_OPTF_MSS) {
			g->ob |= 1;
			if (seg.opts.mss != 1000) {
				g->ob |= 0x40;
				tcp_wire_wr16(g->ox + g->oxn, seg.opts.mss);
				g->oxn += 2;
			}
		}
		if (seg.opts.present & TCP_OPTF_WS) {
			g->ob |= 2;
			g->ox[g->oxn++] = seg.opts.ws_shift;
		}
		if (seg.opts.present & TCP_OPTF_SACKOK)
			g->ob |= 8;
		return;
	}
	g->ob = 0x80;
	g->ox[0] = (uint8_t)n;
	memcpy(g->ox + 1, raw, n);
	g->oxn = 1 + n;
}

static void cs_inbound(struct cs *c, const struct script_event *ev)
{
	const struct script_packet *p = &ev->u.pkt;
	const struct script_break *k = &p->brk;
	uint8_t raw[64];
	uint32_t lens[CS_CHUNKS], left = p->len, off = 0;
	unsigned nch = 0, i;
	int on = 0, st;
	struct cs_seg g;

	if (k->has_src || k->has_dst) {
		unsaid(c, ev, "segment from or to another address");
		return;
	}
	if (k->bad_csum || k->has_csum || k->has_doff) {
		unsaid(c, ev, "broken checksum or data offset");
		return;
	}
	if (k->has_opts) {
		memcpy(raw, k->opts, k->opt_len);
		on = k->opt_len;
	} else if (!p->opts_any) {
		on = cs_opts(c, p, raw, sizeof(raw));
	}
	if (on < 0 || on > 40) {
		unsaid(c, ev, "options longer than 40 bytes");
		return;
	}
	/* Payload: up to 31 bytes, or multiples of 16, per record. */
	while (left > 31 && nch + 1 < CS_CHUNKS) {
		uint32_t m = left - left % 16;

		lens[nch++] = m > CS_CHUNK_MAX ? CS_CHUNK_MAX : m;
		left -= lens[nch - 1];
	}
	if (left > 31)
		left = 31; /* a huge segment: cut */
	if (left > 0 || nch == 0)
		lens[nch++] = left;
	/* A SYN reaching no synchronized connection: the stack's next SYN
	 * has the ISN of a new connection. */
	st = cs_prim(c);
	if ((p->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
	    (st == TCP_CLOSED || st == TCP_LISTEN || st == TCP_TIME_WAIT)) {
		c->isn_stale = true;
		writes_reset(c);
	}
	memset(&g, 0, sizeof(g));
	g.ecn = script_ecn_wire(p->ecn);
	g.tsel = c->lport == FC_LPORT0 + 1 ? 0x20 : 0;
	g.wb = win_byte(p->has_win ? p->win : 65535u);
	g.ack = p->has_ack ? c->isn + cs_map(c, p->ack) : 0;
	g.ack_matters = (p->flags & TCP_FLAG_ACK) != 0;
	for (i = 0; i < nch && !c->stop; i++) {
		uint16_t fl = p->flags;
		bool first = i == 0, last = i + 1 == nch;

		if (!first)
			fl &= (uint16_t)~TCP_FLAG_SYN;
		if (!last)
			fl &= (uint16_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH |
			                   TCP_FLAG_RST);
		g.seq = CS_PEER_ISN + p->seq_start + off +
		        (!first && (p->flags & TCP_FLAG_SYN) ? 1u : 0u);
		g.urp = 0;
		if ((fl & TCP_FLAG_URG) && p->urg > off) {
			uint32_t u = p->urg - off;

			g.urp = (uint8_t)(u > 255 ? 255 : u);
		} else {
			fl &= (uint16_t)~TCP_FLAG_URG;
		}
		g.fl = (uint8_t)fl;
		g.beyond_ok = !first;
		g.lb = lens[i] <= 31 ? (uint8_t)(lens[i] << 2)
		                     : (uint8_t)(0x80u | lens[i] / 16u);
		/* A SYN's options go on its first record only. */
		g.ob = 0;
		g.oxn = 0;
		if (first || !(p->flags & TCP_FLAG_SYN))
			cs_seg_opts(&g, raw, (size_t)on);
		if (!cs_segment(c, &g)) {
			unsaid(c, ev, "the driver cannot send this segment");
			return;
		}
		off += lens[i];
	}
}

/* ---- ICMP -------------------------------------------------------------- */

static void cs_icmp(struct cs *c, const struct script_event *ev)
{
	/* fuzz_conn's tables (do_icmp), ICMP and ICMPv6. */
	static const uint8_t types[8][2] = {
		{ 3, 0 }, { 3, 1 },  { 3, 2 },  { 3, 3 },
		{ 3, 4 }, { 11, 0 }, { 12, 0 }, { 4, 0 },
	};
	static const uint8_t types6[8][2] = {
		{ 1, 0 }, { 1, 1 }, { 1, 3 }, { 1, 4 },
		{ 2, 0 }, { 3, 0 }, { 4, 0 }, { 4, 1 },
	};
	const struct script_packet *p = &ev->u.pkt;
	const uint8_t(*tt)[2] = c->v6 ? types6 : types;
	int type = c->v6 ? p->icmp.type6 : p->icmp.type4;
	int code = c->v6 ? p->icmp.code6 : p->icmp.code4;
	uint8_t peer = p->brk.has_src ? 0 : 0x10, r[3];
	uint32_t q, best_d = 0;
	int idx = -1, best = -1;
	unsigned k;

	if (p->brk.has_qsport || p->brk.has_qdport) {
		unsaid(c, ev, "ICMP error quoting other ports");
		return;
	}
	if (type < 0 || code < 0 || type > 15 || code > 15) {
		unsaid(c, ev, "ICMP type or code fuzz_conn cannot send");
		return;
	}
	for (k = 0; k < 8; k++)
		if (tt[k][0] == type && tt[k][1] == code)
			idx = (int)k;
	q = c->isn + cs_map(c, p->seq_start);
	/* Type and code as given, from the right source, quoting one of
	 * the four latest segments as it is. */
	for (k = 0; k < 4; k++) {
		const struct cs_step *s;

		r[0] = 7;
		r[1] = (uint8_t)(k | 0x20 | peer);
		r[2] = (uint8_t)(type | code << 4);
		s = cs_probe(c, r, 3, CS_ICMP);
		if (s == NULL)
			continue;
		if (s->seq == q) {
			if (cs_put(c, r, 3))
				cs_commit(c);
			return;
		}
		if (fits8(q - s->seq) && best < 0) { /* the latest */
			best = (int)k;
			best_d = q - s->seq;
		}
	}
	/* The table's type (its source goes with it) and the quoted SEQ
	 * moved by a little. */
	if (best >= 0 && idx >= 0) {
		r[0] = 7;
		r[1] = (uint8_t)((unsigned)best | (unsigned)idx << 2 | 0x80);
		r[2] = (uint8_t)best_d;
		if (cs_put(c, r, 3))
			cs_commit(c);
		return;
	}
	unsaid(c, ev, "no recent segment of the stack near the quoted SEQ");
}

/* ---- Socket calls ------------------------------------------------------ */

static struct cs_fd *fd_get(struct cs *c, int64_t fd)
{
	size_t i;

	for (i = 0; i < CS_FDS; i++)
		if (c->fds[i].used && c->fds[i].fd == fd)
			return &c->fds[i];
	return NULL;
}

static struct cs_fd *fd_new(struct cs *c, int64_t fd)
{
	size_t i;

	for (i = 0; i < CS_FDS; i++)
		if (!c->fds[i].used) {
			memset(&c->fds[i], 0, sizeof(c->fds[i]));
			c->fds[i].used = true;
			c->fds[i].fd = (int)fd;
			c->fds[i].slot = -1;
			return &c->fds[i];
		}
	return NULL;
}

/* The reference target's ephemeral ports (ref_port): 8080 on, skipping
 * ports an open socket holds. */
static uint16_t cs_ephemeral(struct cs *c)
{
	unsigned tries;
	size_t i;

	for (tries = 0; tries < 64; tries++) {
		uint16_t p = c->next_port++;
		bool taken = false;

		for (i = 0; i < CS_FDS && !taken; i++)
			taken = c->fds[i].used && c->fds[i].bound &&
			        c->fds[i].port == p;
		if (!taken)
			return p;
	}
	return CS_REF_PORT;
}

/* The socket options of fd on its slot: one sockopt record. */
static void cs_sockopt(struct cs *c, const struct cs_fd *f)
{
	uint8_t b;

	if (f->slot < 0)
		return;
	b = (uint8_t)((f->nodelay ? 1 : 0) | (f->keepalive ? 2 : 0));
	if (f->user_to_ms > 0) {
		uint32_t u = (f->user_to_ms + 5000u) / 10000u;

		b |= (uint8_t)(4u | (u < 1 ? 1 : u > 31 ? 31 : u) << 3);
	}
	(void)cs_app(c, (uint8_t)(0x38 | f->slot), b);
}

static bool arg_int(const struct script *s, const struct script_event *ev,
                    unsigned i, int64_t dflt, int64_t *v)
{
	const struct script_syscall *sc = &ev->u.sys;
	int32_t x = i < sc->argc ? sc->args[i] : -1;
	const struct script_expr *e = x < 0 ? NULL : script_expr_at(s, x);
	int rc;

	if (e && e->kind == SCRIPT_EXPR_LIST) {
		if (e->count < 1 || e->first < 0 ||
		    (size_t)e->first >= s->elem_n)
			return false;
		x = s->elems[e->first];
	}
	rc = symtab_expr_int(s, x, v);
	if (rc == 0)
		*v = dflt;
	return rc >= 0;
}

static void cs_setsockopt(struct cs *c, const struct script_event *ev,
                          struct cs_fd *f)
{
	int64_t level, name, v = 0;

	if (!arg_int(c->s, ev, 1, -1, &level) ||
	    !arg_int(c->s, ev, 2, -1, &name)) {
		unsaid(c, ev, "setsockopt arguments");
		return;
	}
	if (level == SOL_SOCKET && name == SO_LINGER) {
		int32_t x = ev->u.sys.argc > 3 ? ev->u.sys.args[3] : -1;
		int64_t on = 0, secs = 0;

		if (symtab_expr_int(c->s,
		                    symtab_struct_field(c->s, x, "l_onoff"),
		                    &on) < 0 ||
		    symtab_expr_int(c->s,
		                    symtab_struct_field(c->s, x, "l_linger"),
		                    &secs) < 0)
			return;
		f->linger0 = on != 0 && secs == 0;
		return;
	}
	if (!arg_int(c->s, ev, 3, 0, &v))
		return;
	if (level == SOL_SOCKET &&
	    (name == SO_REUSEADDR || name == SO_REUSEPORT ||
	     name == SO_RCVBUF || name == SO_SNDBUF))
		return; /* nothing the stack sees (buffers are per slot) */
	if (level == SOL_SOCKET && name == SO_KEEPALIVE) {
		f->keepalive = v != 0;
	} else if (level == IPPROTO_TCP && name == symtab_tcpopt.nodelay) {
		f->nodelay = v != 0;
	} else if (level == IPPROTO_TCP && name == symtab_tcpopt.user_timeout &&
	           v >= 0) {
		f->user_to_ms = (uint32_t)(v > 310000 ? 310000 : v);
	} else {
		unsaid(c, ev, "socket option fuzz_conn has no record for");
		return;
	}
	cs_sockopt(c, f);
}

/* True for calls that return at once or fail without changing anything. */
static bool want_error(const struct script_syscall *sc, const char *but)
{
	return sc->err[0] != '\0' && (but == NULL || strcmp(sc->err, but));
}

static void cs_syscall(struct cs *c, const struct script_event *ev)
{
	const struct script_syscall *sc = &ev->u.sys;
	const char *name = sc->name;
	int64_t fdn = -1, want = -1, v;
	bool want_int = symtab_expr_int(c->s, sc->ret, &want) == 1;
	struct cs_fd *f;
	int ret;

	if (strcmp(name, "socket") == 0) {
		if (want_int && want >= 0 && fd_new(c, want) == NULL)
			unsaid(c, ev, "too many descriptors");
		return;
	}
	if (strcmp(name, "poll") == 0 || strcmp(name, "fcntl") == 0 ||
	    strcmp(name, "getsockopt") == 0)
		return; /* nothing a record says; the stack is unchanged */
	if (!arg_int(c->s, ev, 0, -1, &fdn) || (f = fd_get(c, fdn)) == NULL)
		return; /* EBADF and the like */
	if (strcmp(name, "bind") == 0) {
		if (!want_error(sc, NULL)) {
			f->bound = true;
			f->port = CS_REF_PORT;
		}
	} else if (strcmp(name, "listen") == 0) {
		int64_t bl = 128;

		if (want_error(sc, NULL) || f->listener || f->conn)
			return;
		(void)arg_int(c->s, ev, 1, 128, &bl);
		bl = bl < 0 ? 0 : bl > 3 ? 3 : bl;
		if (!f->bound) {
			f->bound = true;
			f->port = CS_REF_PORT;
		}
		ret = cs_app(c, 0x00,
		             (uint8_t)(bl << 2 | (f->port != CS_REF_PORT)));
		if (ret >= 0) {
			f->listener = true;
			f->slot = ret;
			if (f->nodelay || f->keepalive || f->user_to_ms)
				cs_sockopt(c, f);
		}
	} else if (strcmp(name, "connect") == 0) {
		/* A blocking connect that fails later did send its SYN. */
		if ((want_error(sc, "EINPROGRESS") && !ev->time.blocking) ||
		    f->listener || f->conn)
			return;
		if (!f->bound) {
			f->bound = true;
			f->port = cs_ephemeral(c);
		}
		c->isn_stale = true;
		writes_reset(c);
		ret = cs_app(c, 0x08,
		             (uint8_t)(4 | (f->port != CS_REF_PORT ? 8 : 0)));
		if (ret >= 0) {
			f->conn = true;
			f->slot = ret;
			if (f->nodelay || f->keepalive || f->user_to_ms)
				cs_sockopt(c, f);
		}
	} else if (strcmp(name, "accept") == 0) {
		struct cs_fd *n;

		if (want_error(sc, NULL) || !f->listener || f->slot < 0)
			return;
		ret = cs_app(c, (uint8_t)(0x10 | f->slot), 0);
		if (ret < 0) {
			unsaid(c, ev, "accept fails in the driver");
			return;
		}
		n = want_int ? fd_new(c, want) : NULL;
		if (n != NULL) {
			n->conn = n->bound = true;
			n->port = f->port;
			n->slot = ret;
			n->nodelay = f->nodelay;
			n->keepalive = f->keepalive;
			n->user_to_ms = f->user_to_ms;
		}
	} else if (strcmp(name, "write") == 0 || strcmp(name, "send") == 0) {
		int64_t len = 0, flags = 0;
		uint32_t bytes, m = 0;
		struct cs_write *w;

		if (want_error(sc, NULL) || !f->conn || f->slot < 0)
			return;
		(void)arg_int(c->s, ev, 2, 0, &len);
		if (name[0] == 's')
			(void)arg_int(c->s, ev, 3, 0, &flags);
		bytes = (uint32_t)(want_int && want >= 0 ? want : len);
		if (bytes == 0)
			return;
		if (flags & MSG_OOB) {
			/* Urgent records send 1..64 bytes: the rest first. */
			uint32_t u = (bytes - 1) % 16 + 1, q = (bytes - u) / 16;

			if (bytes <= 64)
				u = bytes, q = 0;
			if (q > 0) {
				ret = cs_app(c, (uint8_t)(0x54 | f->slot),
				             (uint8_t)(q > 255 ? 255 : q));
				m += ret > 0 ? (uint32_t)ret : 0;
			}
			ret = cs_app(c, (uint8_t)(0x3c | f->slot),
			             (uint8_t)(u - 1));
		} else {
			uint32_t q = (bytes + 15) / 16;

			ret = cs_app(c, (uint8_t)(0x54 | f->slot),
			             (uint8_t)(q > 255 ? 255 : q));
		}
		m += ret > 0 ? (uint32_t)ret : 0;
		if (c->wn < CS_WRITES) {
			w = &c->w[c->wn++];
			w->s = c->s_next;
			w->n = bytes;
			w->d = c->d_next;
			w->m = m;
		}
		c->s_next += bytes;
		c->d_next += m;
	} else if (strcmp(name, "read") == 0 || strcmp(name, "recv") == 0) {
		if (!f->conn || f->slot < 0)
			return;
		(void)arg_int(c->s, ev, 2, 65536, &v);
		(void)cs_app(c, (uint8_t)(0x20 | f->slot),
		             v >= 128 ? 0x80
		             : v > 0  ? (uint8_t)(v - 1)
		                      : 0);
	} else if (strcmp(name, "shutdown") == 0) {
		if (want_error(sc, NULL) || !f->conn || f->slot < 0)
			return;
		v = -1;
		(void)arg_int(c->s, ev, 1, -1, &v);
		if (v == SHUT_RD)
			return; /* the stack is not told */
		(void)cs_app(c, (uint8_t)(0x2c | f->slot), 0);
	} else if (strcmp(name, "close") == 0) {
		if (f->slot >= 0)
			(void)cs_app(c,
			             (uint8_t)((f->conn && f->linger0 ? 0x34
			                                              : 0x30) |
			                       f->slot),
			             0);
		f->used = false;
	} else if (strcmp(name, "setsockopt") == 0) {
		if (!want_error(sc, NULL))
			cs_setsockopt(c, ev, f);
	} else {
		unsaid(c, ev, "a call fuzz_conn has no record for");
	}
}

/* ---- The vector ---------------------------------------------------------- */

static int state_of(const char *name)
{
	int i;

	for (i = 0; i < TCP_STATE_COUNT; i++)
		if (strcmp(name, tcp_state_name((enum tcp_state)i)) == 0)
			return i;
	return -1;
}

/* Accept and read are written when they returned, the rest when called. */
static bool at_return(const struct script_event *ev)
{
	const char *n = ev->u.sys.name;

	return ev->kind == SCRIPT_EV_SYSCALL &&
	       (strcmp(n, "accept") == 0 || strcmp(n, "read") == 0 ||
	        strcmp(n, "recv") == 0);
}

/* Runs the vector on the reference target with profile 'name'. */
static int run_ref(const struct script *s, const char *name,
                   struct run_result *r)
{
	struct profile prof;
	struct run_opts o;
	struct diag d;
	char path[4096];
	int rc;

	memset(&prof, 0, sizeof(prof));
	memset(&o, 0, sizeof(o));
	memset(r, 0, sizeof(*r));
	diag_clear(&d);
	if (profile_find(name, "ref", path, sizeof(path)) != 0 ||
	    profile_load(&prof, path, &d) != 0)
		return -1;
	o.target = &target_ref_ops;
	o.profile = &prof;
	o.topts.profile = profile_get(&prof, "stack");
	rc = run_script(s, &o, r);
	profile_free(&prof);
	return rc == 0 && r->outcome == RUN_PASS ? 0 : -1;
}

static void cs_event(struct cs *c, const struct script_event *ev, uint64_t t_us)
{
	cs_advance(c, t_us);
	if (c->stop)
		return;
	switch (ev->kind) {
	case SCRIPT_EV_PACKET:
		if (ev->u.pkt.dir == '>') {
			const struct script_packet *p = &ev->u.pkt;
			size_t k;

			/* The runner's TS map: the stack's clock against
			 * the values the script writes. */
			for (k = 0; k < p->opt_n && !p->opts_any; k++)
				if (p->opts[k].kind == SCRIPT_OPT_TS &&
				    !c->ts_known && c->have_ts) {
					c->ts_map =
					    (uint32_t)(c->now_us / 1000u) +
					    c->ts_off - p->opts[k].val;
					c->ts_known = true;
				}
		} else if (ev->u.pkt.is_icmp) {
			cs_icmp(c, ev);
		} else {
			cs_inbound(c, ev);
		}
		break;
	case SCRIPT_EV_SYSCALL:
		cs_syscall(c, ev);
		break;
	default:
		break; /* shell commands configure a kernel */
	}
}

static void convert(struct cs *c, const struct run_result *ref)
{
	const struct script *s = c->s;
	size_t *first, *last, i, k;
	bool *done;
	int line, ref_last = -1;

	first = calloc(s->event_n + 1, sizeof(*first));
	last = calloc(s->event_n + 1, sizeof(*last));
	done = calloc(s->event_n + 1, sizeof(*done));
	if (!first || !last || !done)
		goto out;
	for (k = 0; k < s->event_n; k++)
		first[k] = last[k] = SIZE_MAX;
	/* Which log entries belong to which event. */
	for (i = 0; i < ref->log_n; i++) {
		line = ref->log[i].line;
		for (k = 0; k < s->event_n && line > 0; k++)
			if (s->events[k].line == line) {
				if (first[k] == SIZE_MAX)
					first[k] = i;
				last[k] = i;
				break;
			}
	}
	for (i = 0; i < ref->log_n; i++) {
		const struct runlog_ev *e = &ref->log[i];
		int rs = e->state[0] ? state_of(e->state) : -1;

		if (rs >= 0) {
			c->out->ref_states |= 1u << rs;
			c->out->ref_final = rs;
			seq_add(c->out->ref_edges, &ref_last, rs);
		}
		for (k = 0; k < s->event_n; k++)
			if (!done[k] && s->events[k].line == e->line &&
			    e->line > 0)
				break;
		if (k == s->event_n ||
		    i != (at_return(&s->events[k]) ? last[k] : first[k]))
			continue;
		done[k] = true;
		if (!c->stop) {
			unsigned u = c->out->unsaid;

			cs_event(c, &s->events[k], e->t_us);
			c->out->written += c->out->unsaid == u;
		} else {
			unsaid(c, &s->events[k], "stopped");
		}
		/* The state after the event, on both sides. */
		if (!c->out->failed) {
			int ds = cs_prim(c);

			c->out->drv_states |= 1u << ds;
			c->out->drv_final = ds;
			seq_add(c->out->drv_edges, &c->drv_last, ds);
			if (rs >= 0) {
				c->out->compared++;
				c->out->same += rs == ds;
			}
		}
	}
out:
	free(first);
	free(last);
	free(done);
}

int conn_seed_make(const char *path, struct conn_seed *out, char *why, size_t n)
{
	static const char *const profs[3] = { "ref", "legacy", "ecn" };
	struct script s;
	struct run_result ref;
	struct tcp_cfg cfg;
	struct diag d;
	struct cs *c;
	unsigned p;
	uint8_t sel;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	diag_clear(&d);
	if (script_parse_file(&s, path, &d) != 0) {
		snprintf(why, n, "does not parse: %s", d.msg);
		return -1;
	}
	for (p = 0; p < 3; p++) {
		if (run_ref(&s, profs[p], &ref) == 0)
			break;
		run_result_free(&ref);
	}
	if (p == 3) {
		snprintf(why, n,
		         "no reference profile (ref, legacy, ecn) "
		         "runs it to a pass");
		script_free(&s);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(why, n, "out of memory");
		run_result_free(&ref);
		script_free(&s);
		return -1;
	}
	snprintf(out->profile, sizeof(out->profile), "%s", profs[p]);
	out->ref_final = out->drv_final = -1;
	out->events = (unsigned)s.event_n;
	c->s = &s;
	c->out = out;
	c->v6 = s.ip_version == 6;
	c->now_us = CS_T0_US;
	c->isn_stale = true;
	c->drv_last = -1;
	c->lport = FC_LPORT0;
	c->next_port = CS_REF_PORT;
	writes_reset(c);
	/* Byte 0: the profile, timestamps, SACK and window scaling as the
	 * profile has them, ECN asked for with "ecn". Byte 1: IPv6. */
	tcp_cfg_init(&cfg, p == 1 ? TCP_PROFILE_LEGACY : TCP_PROFILE_DEFAULT);
	sel = (uint8_t)((p == 1 ? 2 : 0) | (cfg.timestamps ? 4 : 0) |
	                (cfg.sack ? 8 : 0) | (cfg.wscale ? 16 : 0) |
	                (p == 2 ? 64 : 0));
	c->in[0] = sel;
	c->in[1] = c->v6 ? FC_EXT_IPV6 : 0;
	c->len = 2;
	cs_commit(c);
	convert(c, &ref);
	if (!c->stop)
		cs_commit(c);
	out->len = c->len;
	out->bytes = malloc(c->len);
	if (out->bytes != NULL)
		memcpy(out->bytes, c->in, c->len);
	free(c->ob.v);
	free(c);
	run_result_free(&ref);
	script_free(&s);
	if (out->bytes == NULL) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	return 0;
}

void conn_seed_free(struct conn_seed *s)
{
	free(s->bytes);
	s->bytes = NULL;
}
