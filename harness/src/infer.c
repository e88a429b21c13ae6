/* SPDX-License-Identifier: MIT
 *
 * Infers the RFC 9293 state-machine edges of the script's connection from
 * what crossed the wire (infer.h), for targets that cannot trace them. The
 * runner records every segment it injects, every segment the stack sends,
 * every socket call with its result, with the target's times; at the end
 * they are replayed in time order through a shadow of the connection.
 *
 * How an edge is believed. For each injected segment the shadow works out
 * what RFC 9293 (3.10.7, with RFC 5961 where the two differ) makes of it
 * and what the stack must then answer: a SYN,ACK, a reset of a given form,
 * an acknowledgment at RCV.NXT (a segment that fails the acceptability
 * test, a challenge ACK), an acknowledgment that moves past new text or a
 * FIN, or nothing. The edge counts only when the stack's answer is the one
 * predicted. Answers are the stack's segments that follow the injected one
 * within the answer window (the same instant on a virtual clock); text and
 * FINs are confirmed by any later acknowledgment that covers them. Where
 * RFC 9293 allows two readings (RFC 5961 or RFC 793 for a RST or SYN in
 * the window), each has its answer and the one seen decides.
 *
 * Silent outcomes. Some segments have no answer whichever way they go: a
 * RST that resets and one that is ignored look the same on the wire. Then
 * the shadow keeps both hypotheses (the connection gone, the connection
 * alive) and counts nothing until later evidence decides: a segment of the
 * old connection from the stack (alive), a reset or a fresh SYN,ACK in
 * answer to what the old connection would have taken quietly (gone), a
 * call failing with ECONNRESET, ECONNREFUSED or EPIPE (gone). The same
 * holds after an ICMP error (it may or may not end the connection).
 *
 * User calls. listen() = 0 is E001, close() of the listener E006; a SEND
 * (write or send returning > 0) counts in ESTABLISHED and CLOSE-WAIT.
 * close() and shutdown() move the shadow at once, as the stack does, and
 * count when the stack's FIN (E038, E054, E078) or, for an abort or for
 * unread data, its RST (E039, E055, E067, E077, E086) shows. Calls failing
 * with ETIMEDOUT count the user timeout of the state, unless keep-alive was
 * on (a keep-alive timeout is no edge).
 *
 * Timers. A segment the stack sends that repeats sequence space already
 * sent (not a keep-alive probe at SND.UNA - 1), with no injected segment
 * in its answer window, is a retransmission timeout (E023, E040, E056,
 * ...). A TIME-WAIT gone by the time a later segment draws a reset is
 * E108 (the shadow assumes the stack did not evict it for lack of room).
 *
 * Deliberately not counted (ambiguous on the wire): a SYN answered with a
 * SYN,ACK of a new ISN in TIME-WAIT (E112, or E108 then E011: a reopening
 * and a listener after 2*MSL look the same); a segment without timestamps
 * on a connection that negotiated them (RFC 7323 lets the stack drop it
 * silently or take it); segments whose first or last sequence number lies
 * within one window-scale unit of the window's right edge; ABORT or CLOSE
 * of a TIME-WAIT, CLOSING or LAST-ACK connection until the stack shows the
 * connection is gone; the child a listener spawns (the reference counts
 * its CLOSED -> LISTEN, E001, which has no trace on the wire); segments
 * with a bad checksum, data offset or option length, and segments of
 * other connections (other addresses or ports).
 */
#include "shakedown/infer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "symtab.h"
#include "tcpref/seg.h"
#include "tcpref/wire.h"

#define IF_EVENTS_MAX 16384 /* more: the inference gives up (no edges) */
#define IF_FDS 64
#define IF_PENDS 16
#define IF_HELD 8

#define F_SYN TCP_FLAG_SYN
#define F_ACK TCP_FLAG_ACK
#define F_RST TCP_FLAG_RST
#define F_FIN TCP_FLAG_FIN

/* ---- Recording ----------------------------------------------------------- */

enum if_kind {
	IF_IN,   /* a segment injected */
	IF_ICMP, /* an ICMP error injected */
	IF_OUT,  /* a segment the stack sent */
	IF_CALL, /* a socket call starting (its result filled in later) */
	IF_RET,  /* a socket call returning */
};

enum if_call {
	C_OTHER,
	C_SOCKET,
	C_LISTEN,
	C_ACCEPT,
	C_CONNECT,
	C_CLOSE,
	C_SHUTDOWN,
	C_SEND, /* write, send: the calls the reference counts as SEND */
	C_IO,   /* other reads and writes: their errors still tell */
	C_SETSOCKOPT,
	C_GETSOCKOPT,
};

struct if_seg {
	uint32_t seq, ack, len; /* len: payload bytes */
	uint16_t flags, win;
	uint16_t sport, dport;
	bool tuple_ok; /* the run's addresses and the script's port */
	bool broken;   /* one the stack must drop: checksum, offset, option */
	bool has_ws, has_ts;
	uint8_t ws;
	uint32_t tsval;
};

struct if_callrec {
	enum if_call call;
	int fd;          /* -1 when not a small integer */
	int64_t a1, a2;  /* shutdown: how; set/getsockopt: level, name */
	int64_t v1, v2;  /* setsockopt: the value, or l_onoff and l_linger */
	bool done;       /* the result is known */
	int64_t ret;     /* what it returned */
	int err;         /* errno value, 0 when none */
	bool has_out;    /* getsockopt: the value written back */
	int64_t out_val; /* ... */
};

struct if_ev {
	uint8_t kind;
	bool used; /* an outbound segment taken as an answer */
	uint64_t t_us;
	uint32_t order; /* arrival order: ties keep it */
	union {
		struct if_seg seg;
		struct if_callrec call;
	} u;
};

struct sd_infer {
	struct target_addrs addrs;
	uint64_t window_us; /* answer window: 0 on a virtual clock */
	struct if_ev *ev;
	size_t n, cap;
	bool overflow;
	size_t last_call; /* index of the latest IF_CALL, n when none */
};

struct sd_infer *sd_infer_new(const struct target_addrs *a, bool virtual_clock,
                              uint64_t answer_us)
{
	struct sd_infer *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->addrs = *a;
	f->window_us = virtual_clock ? 0 : answer_us;
	f->last_call = (size_t)-1;
	return f;
}

void sd_infer_free(struct sd_infer *f)
{
	if (!f)
		return;
	free(f->ev);
	free(f);
}

static struct if_ev *ev_add(struct sd_infer *f, uint8_t kind, uint64_t t_us)
{
	struct if_ev *e;

	if (f->overflow)
		return NULL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 128;
		struct if_ev *v;

		if (cap > IF_EVENTS_MAX)
			cap = IF_EVENTS_MAX;
		if (f->n >= cap) {
			f->overflow = true;
			return NULL;
		}
		v = realloc(f->ev, cap * sizeof(*v));
		if (!v) {
			f->overflow = true;
			return NULL;
		}
		f->ev = v;
		f->cap = cap;
	}
	e = &f->ev[f->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->t_us = t_us;
	e->order = (uint32_t)f->n;
	f->n++;
	return e;
}

/*
 * Decodes an IP packet into *s; false when it is no TCP segment at all.
 * 'inbound': the script's (its checksum is checked: the stack must drop a
 * bad one), else the stack's.
 */
static bool seg_decode(const struct sd_infer *f, const uint8_t *pkt, size_t len,
                       bool inbound, struct if_seg *s)
{
	const struct target_addrs *a = &f->addrs;
	struct tcp_ip_info ip;
	struct tcp_seg g;
	enum tcp_why why;

	memset(s, 0, sizeof(*s));
	why = tcp_wire_ip_parse(pkt, len, &ip);
	if (why != TCP_WHY_NONE) {
		if (!inbound)
			return false;
		s->broken = true; /* the IP layer drops it */
		return true;
	}
	/* A source route the stack sends ends at the script's host (the
	 * header names the first hop); one it receives is complete. */
	if (!inbound && ip.src.family == TCP_AF_INET)
		(void)tcp_wire_ip4_route_final(pkt, ip.ip_hdr_bytes, &ip.dst);
	memset(&g, 0, sizeof(g));
	why = tcp_seg_parse(&g, ip.tcp, ip.tcp_len, inbound ? &ip.src : NULL,
	                    inbound ? &ip.dst : NULL);
	if (why == TCP_WHY_TRUNCATED && !inbound)
		return false;
	s->broken = why != TCP_WHY_NONE;
	s->seq = g.seq.v;
	s->ack = g.ack.v;
	s->len = g.payload_bytes;
	s->flags = g.flags;
	s->win = g.wnd;
	s->sport = g.sport;
	s->dport = g.dport;
	s->has_ws = (g.opts.present & TCP_OPTF_WS) != 0;
	s->ws = g.opts.ws_shift > 14 ? 14 : g.opts.ws_shift;
	s->has_ts = (g.opts.present & TCP_OPTF_TS) != 0;
	s->tsval = g.opts.tsval;
	if (inbound)
		s->tuple_ok = tcp_addr_eq(&ip.src, &a->script_addr) &&
		              tcp_addr_eq(&ip.dst, &a->stack_addr) &&
		              g.sport == a->script_port;
	else
		s->tuple_ok = tcp_addr_eq(&ip.src, &a->stack_addr) &&
		              tcp_addr_eq(&ip.dst, &a->script_addr) &&
		              g.dport == a->script_port;
	return true;
}

/* A segment that went in (to the stack) or out, as an event. */
static void seg_event(struct sd_infer *f, uint64_t t_us, const uint8_t *pkt,
                      size_t len, bool inbound)
{
	struct if_seg s;
	struct if_ev *e;

	if (!f || !seg_decode(f, pkt, len, inbound, &s))
		return;
	e = ev_add(f, inbound ? IF_IN : IF_OUT, t_us);
	if (e)
		e->u.seg = s;
}

void sd_infer_inbound(struct sd_infer *f, uint64_t t_us, const uint8_t *pkt,
                      size_t len)
{
	seg_event(f, t_us, pkt, len, true);
}

void sd_infer_icmp(struct sd_infer *f, uint64_t t_us)
{
	if (f)
		(void)ev_add(f, IF_ICMP, t_us);
}

void sd_infer_outbound(struct sd_infer *f, uint64_t t_us, const uint8_t *pkt,
                       size_t len)
{
	seg_event(f, t_us, pkt, len, false);
}

/* Argument k of a call as an integer ("[1]" counts as 1); false if none. */
static bool arg_int(const struct script *s, const struct script_syscall *sc,
                    unsigned k, int64_t *v)
{
	uint8_t b[1];

	if (k >= sc->argc || k >= SCRIPT_MAX_ARGS)
		return false;
	if (symtab_expr_int(s, sc->args[k], v) == 1)
		return true;
	if (symtab_expr_bytes(s, sc->args[k], b, sizeof(b)) == 1) {
		*v = b[0];
		return true;
	}
	return false;
}

static enum if_call call_kind(const char *name)
{
	static const struct {
		const char *name;
		enum if_call call;
	} t[] = {
		{ "socket", C_SOCKET },
		{ "listen", C_LISTEN },
		{ "accept", C_ACCEPT },
		{ "accept4", C_ACCEPT },
		{ "connect", C_CONNECT },
		{ "close", C_CLOSE },
		{ "shutdown", C_SHUTDOWN },
		{ "write", C_SEND },
		{ "send", C_SEND },
		{ "writev", C_IO },
		{ "sendto", C_IO },
		{ "sendmsg", C_IO },
		{ "read", C_IO },
		{ "recv", C_IO },
		{ "readv", C_IO },
		{ "recvfrom", C_IO },
		{ "recvmsg", C_IO },
		{ "poll", C_OTHER },
		{ "setsockopt", C_SETSOCKOPT },
		{ "getsockopt", C_GETSOCKOPT },
	};
	size_t k;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (strcmp(name, t[k].name) == 0)
			return t[k].call;
	return C_OTHER;
}

void sd_infer_call(struct sd_infer *f, uint64_t t_us, const struct script *s,
                   const struct script_syscall *sc)
{
	struct if_callrec *c;
	struct if_ev *e;
	int64_t v;

	if (!f)
		return;
	e = ev_add(f, IF_CALL, t_us);
	if (!e) {
		f->last_call = (size_t)-1;
		return;
	}
	f->last_call = f->n - 1;
	c = &e->u.call;
	c->call = call_kind(sc->name);
	c->fd = -1;
	if (c->call != C_SOCKET && arg_int(s, sc, 0, &v) && v >= 0 &&
	    v < IF_FDS)
		c->fd = (int)v;
	if (c->call == C_SHUTDOWN && arg_int(s, sc, 1, &v))
		c->a1 = v;
	if (c->call == C_SETSOCKOPT || c->call == C_GETSOCKOPT) {
		if (!arg_int(s, sc, 1, &c->a1) || !arg_int(s, sc, 2, &c->a2))
			c->call = C_OTHER;
	}
	if (c->call == C_SETSOCKOPT && sc->argc > 3) {
		if (c->a1 == SOL_SOCKET && c->a2 == SO_LINGER) {
			int32_t x = sc->args[3];

			if (symtab_expr_int(s,
			                    symtab_struct_field(s, x,
			                                        "l_onoff"),
			                    &c->v1) != 1 ||
			    symtab_expr_int(s,
			                    symtab_struct_field(s, x,
			                                        "l_linger"),
			                    &c->v2) != 1)
				c->call = C_OTHER;
		} else if (!arg_int(s, sc, 3, &c->v1)) {
			c->call = C_OTHER;
		}
	}
}

void sd_infer_return(struct sd_infer *f, uint64_t t_us,
                     const struct target_sysret *r)
{
	struct if_callrec *c, rec;
	struct if_ev *e;

	if (!f || f->last_call >= f->n || f->overflow)
		return;
	c = &f->ev[f->last_call].u.call;
	c->done = true;
	c->ret = r->ret;
	c->err = r->ret < 0 ? r->err : 0;
	if (r->out_n > 0) {
		c->has_out = true;
		c->out_val = r->out_val;
	}
	rec = *c;
	e = ev_add(f, IF_RET, t_us); /* may move f->ev */
	if (e)
		e->u.call = rec;
}

/* ---- The shadow of the connection ---------------------------------------- */

static bool lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* a in [lo, hi) */
static bool in_range(uint32_t a, uint32_t lo, uint32_t hi)
{
	return le(lo, a) && lt(a, hi);
}

struct conn {
	enum tcp_state st;      /* TCP_CLOSED: no connection */
	bool passive;           /* entered SYN-RECEIVED from LISTEN */
	int fd;                 /* the application's descriptor; -1: none yet */
	unsigned gen;           /* which connection of the run */
	uint16_t lport;         /* the stack's port */
	uint32_t iss, una, max; /* the stack's side: ISS, SND.UNA, SND.MAX */
	bool fin_sent;
	uint32_t fin_seq;
	uint32_t rcv;   /* RCV.NXT: what the stack has taken */
	uint32_t right; /* right edge of the stack's receive window */
	bool right_known;
	uint8_t sws, pws;        /* window shifts: the stack's, the script's */
	bool stack_ws, stack_ts; /* options of the stack's SYN */
	uint8_t stack_wsv;
	uint32_t max_snd_wnd; /* MAX.SND.WND: the script's largest window */
	bool ts_on;           /* both SYNs carried timestamps */
	bool ts_recent_set;
	uint32_t ts_recent;
	bool app_gone; /* close() (not shutdown()): text now draws a reset */
	bool shut_wr;
	/* Text and a FIN held beyond a hole (SHLD-31), until it fills. */
	uint32_t held_lo[IF_HELD], held_hi[IF_HELD];
	uint8_t held_n;
	bool held_lost; /* more ranges than kept */
	bool held_fin;
	uint32_t held_fin_seq;
};

struct pend {
	int edge;
	uint32_t thr; /* counted once the stack acknowledges thr */
	unsigned gen;
	bool change;   /* a state change: nothing else counts meanwhile */
	uint64_t t_us; /* of the segment */
};

struct model {
	struct sd_infer *f;
	uint64_t *hits;
	bool listening;
	int lfd;
	struct conn c;
	bool known; /* c is trusted */
	/* Silent and possibly fatal: c is the connection gone, alive the
	 * connection still there; the evidence decides. */
	bool doubt;
	struct conn alive;
	int edge_dead, edge_alive;
	/* Edges of later segments under each hypothesis, counted with it;
	 * dead_unsure: a later silent event could have ended it too. */
	int later_dead[4], later_alive[4];
	uint8_t n_dead, n_alive;
	bool dead_unsure, alive_unsure;
	/* close(), shutdown() or abort: counted when the FIN or RST shows */
	bool close_pending;
	unsigned close_gen;
	int close_edge_fin, close_edge_rst;
	bool close_dead; /* the RST ends the connection */
	bool connect_pending;
	int connect_fd;
	struct pend pend[IF_PENDS];
	size_t pend_n;
	bool linger0[IF_FDS], keepalive[IF_FDS];
	unsigned gen_next;
};

static void count(struct model *m, int e)
{
	if (e > 0 && e <= SD_EDGES)
		m->hits[e]++;
}

static bool change_pending(const struct model *m)
{
	size_t k;

	for (k = 0; k < m->pend_n; k++)
		if (m->pend[k].change && m->pend[k].gen == m->c.gen)
			return true;
	return false;
}

/* Whether an edge of the connection may be counted now. */
static bool sure(const struct model *m)
{
	return m->known && !m->doubt && !change_pending(m);
}

static void pend_add(struct model *m, int e, uint32_t thr, bool change,
                     uint64_t t_us)
{
	struct pend *p;

	if (m->pend_n == IF_PENDS) {
		m->known = false; /* too much in flight to follow */
		return;
	}
	p = &m->pend[m->pend_n++];
	p->edge = e;
	p->thr = thr;
	p->gen = m->c.gen;
	p->change = change;
	p->t_us = t_us;
}

static void pend_drop_all(struct model *m)
{
	m->pend_n = 0;
}

/* The connection gone: CLOSED (a listener still answers for the port). */
static void conn_gone(struct conn *c)
{
	c->st = TCP_CLOSED;
	c->fd = -1;
}

static void doubt_resolve(struct model *m, bool dead)
{
	uint8_t k;

	if (!m->doubt)
		return;
	m->doubt = false;
	if (dead) {
		if (m->dead_unsure)
			return;
		count(m, m->edge_dead);
		for (k = 0; k < m->n_dead; k++)
			count(m, m->later_dead[k]);
	} else {
		m->c = m->alive;
		if (m->alive_unsure)
			return;
		count(m, m->edge_alive);
		for (k = 0; k < m->n_alive; k++)
			count(m, m->later_alive[k]);
	}
}

/* An edge a hypothesis took later, counted if it turns out true. */
static void later(int *v, uint8_t *n, bool *unsure, int e)
{
	if (e <= 0)
		return;
	if (*n == 4)
		*unsure = true;
	else
		v[(*n)++] = e;
}

static void doubt_begin(struct model *m, const struct conn *alive,
                        int edge_dead, int edge_alive)
{
	if (m->doubt) {
		/* A second silent event before the first was decided. */
		m->doubt = false;
		m->known = false;
		return;
	}
	m->doubt = true;
	m->alive = *alive;
	m->edge_dead = m->known ? edge_dead : 0;
	m->edge_alive = m->known ? edge_alive : 0;
	m->n_dead = m->n_alive = 0;
	m->dead_unsure = m->alive_unsure = false;
}

/* A fresh connection: everything about the old one is forgotten. */
static void conn_new(struct model *m, struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->gen = ++m->gen_next;
	c->fd = -1;
}

/* ---- What the stack must answer ------------------------------------------ */

enum expect {
	X_SILENT, /* no answer */
	X_ACK,    /* an ACK at RCV.NXT (v) */
	X_RST,    /* <SEQ=v><CTL=RST> */
	X_RSTACK, /* <SEQ=0><ACK=v><CTL=RST,ACK> */
	X_SYNACK, /* a SYN,ACK acknowledging v */
	X_ADV,    /* an acknowledgment reaching v, now or later */
};

struct outcome {
	uint8_t x;
	uint32_t v;
	bool synack_ok; /* X_ACK: a SYN,ACK at ISS answers too */
	int edge[3];
	uint8_t ne;
	struct conn after; /* the connection once the segment took effect */
	bool change;       /* X_ADV: the state changed, the ACK confirms it */
	bool doubt;        /* silent and fatal: after gone or c alive */
	int edge_alive;
	bool new_conn; /* X_SYNACK: a new connection with the answer's ISS */
	bool active;   /* ... entered from SYN-SENT (simultaneous open) */
};

struct plan {
	struct outcome o[3];
	uint8_t n;
	bool ambiguous; /* count nothing, whatever the answer */
};

static struct outcome *o_add(struct plan *p, const struct conn *c, uint8_t x,
                             uint32_t v)
{
	struct outcome *o = &p->o[p->n < 3 ? p->n++ : 2];

	memset(o, 0, sizeof(*o));
	o->after = *c;
	o->x = x;
	o->v = v;
	return o;
}

static void o_edge(struct outcome *o, int e)
{
	if (e > 0 && o->ne < 3)
		o->edge[o->ne++] = e;
}

/* A segment the stack may have dropped in silence: for all the wire shows
 * the connection is gone, in doubt until evidence that it lives on, which
 * then counts edge e. */
static struct outcome *o_silent(struct plan *p, const struct conn *gone, int e)
{
	struct outcome *o = o_add(p, gone, X_SILENT, 0);

	o->doubt = true;
	o->edge_alive = e;
	return o;
}

static uint32_t seg_len(const struct if_seg *s)
{
	return s->len + ((s->flags & F_SYN) ? 1u : 0u) +
	       ((s->flags & F_FIN) ? 1u : 0u);
}

/* The stack's receive window as the shadow knows it. */
static uint32_t rcv_wnd(const struct conn *c, int32_t slack)
{
	int64_t w;

	if (!c->right_known)
		return 0x7fffffffu;
	w = (int64_t)(int32_t)(c->right - c->rcv) + slack;
	return w < 0 ? 0 : (uint32_t)w;
}

/* Table 6 of 3.10.7.4, with the window widened by 'slack'. */
static bool acceptable(const struct conn *c, const struct if_seg *s,
                       int32_t slack)
{
	uint32_t len = seg_len(s), wnd = rcv_wnd(c, slack);
	uint32_t right = c->rcv + wnd;

	if (len == 0 && wnd == 0)
		return s->seq == c->rcv;
	if (len == 0)
		return in_range(s->seq, c->rcv, right);
	if (wnd == 0)
		return false;
	return in_range(s->seq, c->rcv, right) ||
	       in_range(s->seq + len - 1, c->rcv, right);
}

/* Text [lo, hi) held beyond a hole. */
static void held_add(struct conn *c, uint32_t lo, uint32_t hi)
{
	if (!lt(lo, hi))
		return;
	if (c->held_n == IF_HELD) {
		c->held_lost = true;
		return;
	}
	c->held_lo[c->held_n] = lo;
	c->held_hi[c->held_n] = hi;
	c->held_n++;
}

/*
 * RCV.NXT moved: held text it reaches is taken too. false when text was
 * held that the shadow did not keep (it cannot tell how far RCV.NXT goes).
 */
static bool held_merge(struct conn *c)
{
	bool more = true, lost = false;
	uint8_t k;

	while (more) {
		more = false;
		for (k = 0; k < c->held_n; k++) {
			if (!le(c->held_lo[k], c->rcv))
				continue;
			if (lt(c->rcv, c->held_hi[k]))
				c->rcv = c->held_hi[k];
			c->held_lo[k] = c->held_lo[c->held_n - 1];
			c->held_hi[k] = c->held_hi[c->held_n - 1];
			c->held_n--;
			more = true;
			lost = lost || c->held_lost;
			break;
		}
	}
	return !lost;
}

/* The edge of a reset that ends the connection in its state. */
static int reset_edge(const struct conn *c)
{
	if (c->st == TCP_SYN_RECEIVED)
		return c->passive ? 27 : 28;
	return sd_edge_of_change(c->st, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

/* 3.10.7.1: no connection and no listener. */
static void plan_closed(const struct model *m, const struct if_seg *s,
                        struct plan *p)
{
	struct outcome *o;

	if (s->flags & F_RST) {
		o = o_add(p, &m->c, X_SILENT, 0);
		o_edge(o, sd_edge_of_drop(TCP_CLOSED, TCP_WHY_CLOSED_RST,
		                          s->flags));
	} else if (s->flags & F_ACK) {
		o = o_add(p, &m->c, X_RST, s->ack);
		o_edge(o, sd_edge_of_drop(TCP_CLOSED, TCP_WHY_CLOSED_NO_TCB,
		                          s->flags));
	} else {
		o = o_add(p, &m->c, X_RSTACK, s->seq + seg_len(s));
		o_edge(o, sd_edge_of_drop(TCP_CLOSED, TCP_WHY_CLOSED_NO_TCB,
		                          s->flags));
	}
}

/* 3.10.7.2: a listener, no connection. */
static void plan_listen(const struct model *m, const struct if_seg *s,
                        struct plan *p)
{
	struct outcome *o;

	if (s->flags & F_RST) {
		o = o_add(p, &m->c, X_SILENT, 0);
		o_edge(o, 9);
	} else if (s->flags & F_ACK) {
		o = o_add(p, &m->c, X_RST, s->ack);
		o_edge(o, 10);
	} else if (s->flags & F_SYN) {
		o = o_add(p, &m->c, X_SYNACK, s->seq + 1);
		o_edge(o, 11);
		o->new_conn = true;
		/* A FIN on the SYN: what becomes of it is the stack's
		 * choice (held or not); the connection's state then is. */
		if (s->flags & F_FIN)
			p->ambiguous = true;
	} else {
		o = o_add(p, &m->c, X_SILENT, 0);
		o_edge(o, 13);
	}
}

/* 3.10.7.3: SYN-SENT. */
static void plan_syn_sent(const struct model *m, const struct if_seg *s,
                          struct plan *p)
{
	const struct conn *c = &m->c;
	struct outcome *o;
	struct conn gone = *c;

	conn_gone(&gone);
	if ((s->flags & F_ACK) && (le(s->ack, c->iss) || lt(c->max, s->ack))) {
		if (s->flags & F_RST) {
			/* Dropped (E015): silent, so it waits for evidence
			 * that the connection lives on. */
			o_silent(p, &gone, 15);
		} else {
			o = o_add(p, c, X_RST, s->ack);
			o_edge(o, 14);
		}
		return;
	}
	if (s->flags & F_RST) {
		o = o_silent(p, &gone, (s->flags & F_ACK) ? 0 : 15);
		if (s->flags & F_ACK)
			o_edge(o, 16);
		return;
	}
	if (!(s->flags & F_SYN)) {
		o = o_add(p, c, X_SILENT, 0);
		o_edge(o, 20);
		return;
	}
	if (s->flags & F_ACK) {
		o = o_add(p, c, X_ADV, s->seq + 1);
		o_edge(o, 18);
		o->change = true;
		o->after.st = TCP_ESTABLISHED;
		o->after.una = s->ack;
		o->after.rcv = s->seq + 1;
		o->after.ts_on = c->stack_ts && s->has_ts;
		o->after.ts_recent_set = o->after.ts_on;
		o->after.ts_recent = s->tsval;
		if (c->stack_ws && s->has_ws) {
			o->after.sws = c->stack_wsv;
			o->after.pws = s->ws;
		}
		o->after.max_snd_wnd = s->win;
		o->after.right_known = false;
		/* Text on the SYN,ACK is taken at the seventh step (our SYN
		 * offered the window); a FIN on it the shadow does not
		 * follow. */
		o->after.rcv = s->seq + 1 + s->len;
		if (s->flags & F_FIN)
			p->ambiguous = true;
		return;
	}
	/* Simultaneous open (E019): <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. */
	o = o_add(p, c, X_SYNACK, s->seq + 1);
	o_edge(o, 19);
	o->new_conn = true;
	o->active = true;
	if (s->len > 0 || (s->flags & F_FIN))
		p->ambiguous = true;
}

/* The synchronized states and SYN-RECEIVED: 3.10.7.4. */
static void plan_sync(const struct model *m, const struct if_seg *s,
                      struct plan *p)
{
	const struct conn *c = &m->c;
	enum tcp_state st = c->st;
	bool syn = s->flags & F_SYN, rst = s->flags & F_RST,
	     fin = s->flags & F_FIN;
	int32_t slack = (int32_t)(1u << c->sws);
	bool acc, zw = false;
	uint32_t len = s->len, rcv0 = c->rcv, end;
	struct conn gone = *c, a;
	struct outcome *o;
	int e_state[2] = { 0, 0 };
	uint8_t ns = 0;

	conn_gone(&gone);
	/* Timestamps (RFC 7323): PAWS, or a segment without them. */
	if (c->ts_on && !rst) {
		if (!s->has_ts) {
			p->ambiguous = true;
		} else if (c->ts_recent_set && lt(s->tsval, c->ts_recent)) {
			o = o_add(p, c, X_ACK, c->rcv);
			o->synack_ok = st == TCP_SYN_RECEIVED;
			o_edge(o, sd_edge_of_drop(st, TCP_WHY_PAWS, s->flags));
			return;
		}
	}
	/* TIME-WAIT and a SYN: a challenge ACK, an ACK of an unacceptable
	 * segment, a legacy reset, or a new incarnation. */
	if (st == TCP_TIME_WAIT && syn && !rst) {
		acc = acceptable(c, s, 0);
		if (acc != acceptable(c, s, slack) ||
		    acc != acceptable(c, s, -slack))
			p->ambiguous = true;
		o = o_add(p, c, X_ACK, c->rcv);
		o_edge(o, acc ? 111 : 114);
		o = o_add(p, c, X_SYNACK, s->seq + 1);
		o->new_conn = true; /* E112, or E108 + E011: not counted */
		if (acc) {
			o = o_add(p, &gone,
			          (s->flags & F_ACK) ? X_RST : X_RSTACK,
			          (s->flags & F_ACK) ? s->ack
			                             : s->seq + seg_len(s));
			o_edge(o, 113);
		}
		return;
	}
	/* First: the acceptability test (near the right edge of the window
	 * stacks round differently: ambiguous). */
	acc = acceptable(c, s, 0);
	if (rcv_wnd(c, 0) > 0 &&
	    (acc != acceptable(c, s, slack) || acc != acceptable(c, s, -slack)))
		p->ambiguous = true;
	if (!acc && rcv_wnd(c, 0) == 0 && s->seq == c->rcv && !syn && !rst &&
	    c->right_known) {
		/* MUST-66: a zero window still takes ACK, URG and RST. */
		zw = true;
		len = 0;
		fin = false;
		acc = true;
	}
	if (!acc) {
		if (rst) {
			o_silent(p, &gone,
			         sd_edge_of_drop(st, TCP_WHY_RST_OUT_OF_WINDOW,
			                         s->flags));
			return;
		}
		o = o_add(p, c, X_ACK, c->rcv);
		o->synack_ok = st == TCP_SYN_RECEIVED;
		o_edge(o, sd_edge_of_drop(st, TCP_WHY_SEQ_NOT_ACCEPTABLE,
		                          s->flags));
		return;
	}
	/* Second: RST. RFC 5961: only at RCV.NXT; in the window elsewhere a
	 * challenge ACK. RFC 793: anywhere in the window. */
	if (rst) {
		int chal = sd_edge_of_drop(st, TCP_WHY_RST_CHALLENGE, s->flags);

		/* 3.5.2, RFC 5961 3.2 1): a RST is judged by its SEQ alone;
		 * one below RCV.NXT whose text reaches into the window is
		 * dropped silently. A stack that judges the whole segment
		 * sends a challenge ACK instead (Linux). */
		if (s->seq != c->rcv &&
		    !in_range(s->seq, c->rcv, c->rcv + rcv_wnd(c, 0))) {
			o = o_add(p, c, X_ACK, c->rcv);
			o_edge(o, chal);
			o_silent(p, &gone,
			         sd_edge_of_drop(st, TCP_WHY_RST_OUT_OF_WINDOW,
			                         s->flags));
			return;
		}
		if (s->seq != c->rcv) {
			o = o_add(p, c, X_ACK, c->rcv);
			o_edge(o, chal);
		}
		o = o_add(p, &gone, X_SILENT, 0);
		o->doubt = true;
		o_edge(o, reset_edge(c));
		/* Alive after a silent RST in the window: its challenge ACK
		 * was held back by the rate limit (RFC 5961 7). */
		if (s->seq != c->rcv)
			o->edge_alive = chal;
		/* RFC 1337: TIME-WAIT may ignore a RST (E114). */
		if (st == TCP_TIME_WAIT && s->seq == c->rcv)
			o->edge_alive =
			    sd_edge_of_drop(st, TCP_WHY_RST_TIME_WAIT,
			                    s->flags);
		return;
	}
	/* Fourth: SYN (third, security, is not modelled). */
	if (syn) {
		if (st == TCP_SYN_RECEIVED && c->passive) {
			/* "return to the LISTEN state" (E031): silent. */
			o = o_add(p, &gone, X_SILENT, 0);
			o->doubt = true;
			o_edge(o, 31);
			return;
		}
		o = o_add(p, c, X_ACK, c->rcv);
		o_edge(o, sd_edge_of_drop(st, TCP_WHY_SYN_CHALLENGE, s->flags));
		o = o_add(p, &gone, (s->flags & F_ACK) ? X_RST : X_RSTACK,
		          (s->flags & F_ACK) ? s->ack : s->seq + seg_len(s));
		o_edge(o, sd_edge_of_change(st, TCP_CLOSED,
		                            TCP_CAUSE_RCV_SYN_IN_WINDOW));
		return;
	}
	/* Fifth: the ACK field. */
	if (!(s->flags & F_ACK)) {
		o = o_add(p, c, X_SILENT, 0);
		o_edge(o, sd_edge_of_drop(st, TCP_WHY_NO_ACK, s->flags));
		return;
	}
	a = *c;
	if (st == TCP_SYN_RECEIVED) {
		if (le(s->ack, c->una) || lt(c->max, s->ack)) {
			o = o_add(p, c, X_RST, s->ack);
			o_edge(o, 35);
			return;
		}
		a.st = TCP_ESTABLISHED;
		e_state[ns++] = 36;
	} else {
		bool old =
		    c->max_snd_wnd > 0 && lt(s->ack, c->una - c->max_snd_wnd);

		if (lt(c->max, s->ack) || old) {
			/* RFC 5961 5.2 / "acks something not yet sent". */
			uint32_t b = c->una - c->max_snd_wnd;

			o = o_add(p, c, X_ACK, c->rcv);
			o_edge(o, sd_edge_of_drop(st, TCP_WHY_ACK_UNSENT,
			                          s->flags));
			if (old && !lt(c->max, s->ack) && len == 0 && !fin) {
				/* RFC 793: an old ACK is ignored. */
				o = o_add(p, c, X_SILENT, 0);
				o_edge(o, sd_edge_of_accept(st, s->flags));
			}
			/* MAX.SND.WND as the stack counts it may differ by
			 * the scaling of the windows. */
			if (old && in_range(s->ack, b - (uint32_t)slack,
			                    b + (uint32_t)slack))
				p->ambiguous = true;
			return;
		}
	}
	if (lt(a.una, s->ack))
		a.una = s->ack;
	if (c->pws <= 14) {
		uint32_t w = (uint32_t)s->win << c->pws;

		if (w > a.max_snd_wnd)
			a.max_snd_wnd = w;
	}
	if (a.fin_sent && lt(a.fin_seq, a.una)) {
		/* Our FIN is acknowledged. */
		if (a.st == TCP_FIN_WAIT_1) {
			a.st = TCP_FIN_WAIT_2;
			e_state[ns++] = 58;
		} else if (a.st == TCP_CLOSING) {
			a.st = TCP_TIME_WAIT;
			o = o_add(p, &a, X_SILENT, 0);
			o_edge(o, 89);
			return;
		} else if (a.st == TCP_LAST_ACK) {
			conn_gone(&a);
			o = o_add(p, &a, X_SILENT, 0);
			o_edge(o, 98);
			return;
		}
	}
	if (c->ts_on && s->has_ts && le(s->seq, c->rcv) &&
	    (!a.ts_recent_set || le(a.ts_recent, s->tsval))) {
		a.ts_recent = s->tsval;
		a.ts_recent_set = true;
	}
	/* Seventh: the text. */
	end = s->seq + len;
	if (len > 0 && (a.st == TCP_ESTABLISHED || a.st == TCP_FIN_WAIT_1 ||
	                a.st == TCP_FIN_WAIT_2)) {
		if (a.app_gone && a.st != TCP_ESTABLISHED) {
			/* SHLD-3: text for an application that closed: the
			 * connection resets (no edge). */
			conn_gone(&a);
			(void)o_add(p, &a, X_RST, c->max);
			return;
		}
		if (c->right_known && lt(c->right, end))
			end = c->right; /* trimmed to the window */
		if (lt(c->rcv, s->seq)) {
			/* Beyond a hole: held, a duplicate ACK at once. */
			held_add(&a, s->seq, end);
			if (fin && end == s->seq + len && !a.held_fin) {
				a.held_fin = true;
				a.held_fin_seq = end;
			}
			o = o_add(p, &a, X_ACK, c->rcv);
			if (ns == 0)
				o_edge(o, sd_edge_of_accept(st, s->flags));
			else
				p->ambiguous = true;
			return;
		}
		if (lt(a.rcv, end))
			a.rcv = end;
		if (!held_merge(&a))
			p->ambiguous = true;
	}
	/* Eighth: the FIN, if all before it was taken. A state that had
	 * one already stays (RCV.NXT does not move again); an ACK at once. */
	if (fin && !zw &&
	    (a.st == TCP_CLOSE_WAIT || a.st == TCP_CLOSING ||
	     a.st == TCP_LAST_ACK || a.st == TCP_TIME_WAIT)) {
		o = o_add(p, &a, X_ACK, a.rcv);
		if (ns == 0)
			o_edge(o, sd_edge_of_accept(st, s->flags));
		else
			p->ambiguous = true;
		return;
	}
	if (!zw && ((fin && s->seq + len == a.rcv) ||
	            (a.held_fin && a.held_fin_seq == a.rcv))) {
		a.held_fin = false;
		a.rcv++;
		switch (a.st) {
		case TCP_ESTABLISHED:
			a.st = TCP_CLOSE_WAIT;
			e_state[ns < 2 ? ns++ : 1] = 52;
			break;
		case TCP_FIN_WAIT_1:
			a.st = TCP_CLOSING;
			e_state[ns < 2 ? ns++ : 1] = 59;
			break;
		case TCP_FIN_WAIT_2:
			a.st = TCP_TIME_WAIT;
			e_state[ns < 2 ? ns++ : 1] = 70;
			break;
		default:
			break;
		}
		o = o_add(p, &a, X_ADV, a.rcv);
	} else if (fin && !zw && lt(a.rcv, s->seq + len)) {
		/* A FIN beyond a hole: held, a duplicate ACK. */
		if (!a.held_fin) {
			a.held_fin = true;
			a.held_fin_seq = s->seq + len;
		}
		o = o_add(p, &a, X_ACK, c->rcv);
		if (ns > 0)
			p->ambiguous = true;
		else
			o_edge(o, sd_edge_of_accept(st, s->flags));
		return;
	} else if (zw) {
		o = o_add(p, &a, X_ACK, c->rcv);
	} else if (lt(rcv0, a.rcv)) {
		o = o_add(p, &a, X_ADV, rcv0 + 1);
	} else {
		o = o_add(p, &a, X_SILENT, 0);
	}
	if (ns > 0) {
		o_edge(o, e_state[0]);
		if (ns > 1)
			o_edge(o, e_state[1]);
		o->change = o->x == X_ADV;
	} else {
		o_edge(o, sd_edge_of_accept(st, s->flags));
	}
}

static void plan_in(const struct model *m, const struct if_seg *s,
                    struct plan *p)
{
	memset(p, 0, sizeof(*p));
	switch (m->c.st) {
	case TCP_CLOSED:
		if (m->listening)
			plan_listen(m, s, p);
		else
			plan_closed(m, s, p);
		break;
	case TCP_LISTEN:
		plan_listen(m, s, p);
		break;
	case TCP_SYN_SENT:
		plan_syn_sent(m, s, p);
		break;
	default:
		plan_sync(m, s, p);
		break;
	}
}

/* ---- Answers ------------------------------------------------------------- */

static bool is_pure_ack(const struct if_seg *a)
{
	return (a->flags & (F_SYN | F_RST | F_FIN | F_ACK)) == F_ACK &&
	       a->len == 0;
}

static bool is_synack(const struct if_seg *a)
{
	return (a->flags & (F_SYN | F_ACK | F_RST)) == (F_SYN | F_ACK);
}

static bool answer_like(const struct if_seg *a)
{
	return (a->flags & F_RST) || is_synack(a) || is_pure_ack(a);
}

/* Whether output a is of the connection (its ports). */
static bool out_ours(const struct model *m, const struct if_seg *a)
{
	return a->tuple_ok &&
	       (m->c.st == TCP_CLOSED || !m->c.lport || a->sport == m->c.lport);
}

/*
 * The first answer-like segment the stack sent in answer to input i: in
 * its answer window, before any later input; inputs at the same instant
 * may lie between (on a virtual clock the runner may read their answers
 * only after them). *skipped says whether one did. -1 when none.
 */
static long first_answer(const struct sd_infer *f, const struct model *m,
                         size_t i, bool *skipped)
{
	uint64_t t = f->ev[i].t_us;
	size_t j;

	*skipped = false;
	for (j = i + 1; j < f->n; j++) {
		const struct if_ev *e = &f->ev[j];

		if (e->kind == IF_RET)
			continue;
		if (e->kind != IF_OUT) {
			if (e->t_us > t)
				break;
			*skipped = true;
			continue;
		}
		if (e->t_us > t + f->window_us)
			break;
		if (e->used || !out_ours(m, &e->u.seg) ||
		    !answer_like(&e->u.seg))
			continue;
		return (long)j;
	}
	return -1;
}

/* Whether outcome o fits the stack's answer to input i; *take: the answer. */
static bool fits(const struct sd_infer *f, const struct model *m, size_t i,
                 const struct outcome *o, long *take)
{
	bool skipped;
	long j = first_answer(f, m, i, &skipped);
	const struct if_seg *a = j >= 0 ? &f->ev[j].u.seg : NULL;

	*take = -1;
	switch (o->x) {
	case X_SILENT:
		return !a || skipped;
	case X_ACK:
		if (a && ((is_pure_ack(a) && a->ack == o->v) ||
		          (o->synack_ok && is_synack(a) && a->ack == o->v &&
		           a->seq == m->c.iss))) {
			*take = j;
			return true;
		}
		return false;
	case X_RST:
		if (a && (a->flags & F_RST) && a->seq == o->v) {
			*take = j;
			return true;
		}
		return false;
	case X_RSTACK:
		if (a && (a->flags & (F_RST | F_ACK)) == (F_RST | F_ACK) &&
		    a->ack == o->v) {
			*take = j;
			return true;
		}
		return false;
	case X_SYNACK:
		if (a && is_synack(a) && a->ack == o->v &&
		    (!o->active || a->seq == m->c.iss) &&
		    (o->active || m->c.st == TCP_CLOSED ||
		     m->c.st == TCP_LISTEN || a->seq != m->c.iss)) {
			*take = j;
			return true;
		}
		return false;
	case X_ADV:
		if (!a || skipped)
			return true;
		if (a->flags & F_RST)
			return false;
		if (is_pure_ack(a)) {
			if (le(o->v, a->ack)) {
				*take = j;
				return true;
			}
			return false;
		}
		return true;
	default:
		return false;
	}
}

/* ---- Replaying the run --------------------------------------------------- */

static void learn_out(struct model *m, size_t i, bool spontaneous);

/*
 * Whether an injected packet lies within the answer window before output
 * i. Only those before it in the replay can have drawn it: the runner
 * reads a segment after the injection it answers, and on a real clock the
 * times order them.
 */
static bool near_input(const struct sd_infer *f, size_t i)
{
	uint64_t t = f->ev[i].t_us;
	size_t k;

	for (k = i; k-- > 0;) {
		const struct if_ev *e = &f->ev[k];

		if (e->t_us + f->window_us < t)
			break;
		if (e->kind == IF_IN || e->kind == IF_ICMP)
			return true;
	}
	return false;
}

/* The connection a SYN s and the stack's SYN,ACK a begin. */
static void start_conn(struct model *m, const struct if_seg *s,
                       const struct if_seg *a, bool active)
{
	struct conn c;

	if (active) {
		c = m->c; /* simultaneous open: the SYN-SENT one goes on */
	} else {
		conn_new(m, &c);
		c.passive = true;
		c.iss = a->seq;
		c.stack_ws = a->has_ws;
		c.stack_wsv = a->ws;
		c.stack_ts = a->has_ts;
	}
	c.st = TCP_SYN_RECEIVED;
	c.lport = a->sport;
	c.una = c.iss;
	c.max = c.iss + 1;
	c.fin_sent = false;
	c.rcv = s->seq + 1;
	c.right = a->ack + a->win; /* a SYN's window is not scaled */
	c.right_known = true;
	c.ts_on = c.stack_ts && s->has_ts;
	c.ts_recent_set = c.ts_on;
	c.ts_recent = s->tsval;
	c.sws = c.pws = 0;
	if (c.stack_ws && s->has_ws) {
		c.sws = c.stack_wsv;
		c.pws = s->ws;
	}
	c.max_snd_wnd = s->win;
	m->c = c;
	m->known = true;
	m->doubt = false;
	if (!active)
		pend_drop_all(m);
}

/* Applies outcome o of input i (answer: the segment taken, or NULL). */
static void commit(struct model *m, size_t i, const struct plan *p,
                   const struct outcome *o, const struct if_seg *answer)
{
	const struct if_seg *s = &m->f->ev[i].u.seg;
	bool ok = sure(m) && !p->ambiguous;
	struct conn before = m->c;
	uint8_t k;

	if (o->new_conn) {
		if (!answer)
			return;
		start_conn(m, s, answer, o->active);
		if (ok)
			for (k = 0; k < o->ne; k++)
				count(m, o->edge[k]);
		return;
	}
	m->c = o->after;
	if (p->ambiguous && o->after.st != before.st)
		m->known = false;
	if (o->doubt) {
		doubt_begin(m, &before, ok && o->ne ? o->edge[0] : 0,
		            ok ? o->edge_alive : 0);
		return;
	}
	if (!ok)
		return;
	if (o->x == X_ADV) {
		for (k = 0; k < o->ne; k++)
			pend_add(m, o->edge[k], o->v, o->change,
			         m->f->ev[i].t_us);
		return;
	}
	for (k = 0; k < o->ne; k++)
		count(m, o->edge[k]);
}

/* The first outcome of input i that fits the stack's answer: applied. */
static bool apply(struct model *m, size_t i)
{
	struct sd_infer *f = m->f;
	struct plan p;
	uint8_t k;
	long take;

	plan_in(m, &f->ev[i].u.seg, &p);
	for (k = 0; k < p.n; k++) {
		if (!fits(f, m, i, &p.o[k], &take))
			continue;
		commit(m, i, &p, &p.o[k],
		       take >= 0 ? &f->ev[take].u.seg : NULL);
		if (take >= 0) {
			f->ev[take].used = true;
			learn_out(m, (size_t)take, false);
		}
		return true;
	}
	return false;
}

/*
 * Input i fits both hypotheses of a doubt: each moves on by its own
 * outcome, and keeps the edges it would have taken.
 */
static void doubt_both(struct model *m, size_t i, struct model *md,
                       const struct plan *pd, struct model *ma,
                       const struct plan *pa)
{
	const struct outcome *od = NULL, *oa = NULL;
	long td = -1, ta = -1, t;
	uint8_t k;

	for (k = 0; k < pd->n && !od; k++)
		if (fits(m->f, md, i, &pd->o[k], &t)) {
			od = &pd->o[k];
			td = t;
		}
	for (k = 0; k < pa->n && !oa; k++)
		if (fits(m->f, ma, i, &pa->o[k], &t)) {
			oa = &pa->o[k];
			ta = t;
		}
	if (!od || !oa || od->new_conn || oa->new_conn || td != ta) {
		m->doubt = false;
		m->known = false;
		return;
	}
	/* The dead hypothesis: no connection, nothing silent can end. */
	if (od->doubt || od->x == X_ADV || pd->ambiguous)
		m->dead_unsure = true;
	else
		for (k = 0; k < od->ne; k++)
			later(m->later_dead, &m->n_dead, &m->dead_unsure,
			      od->edge[k]);
	if (!od->doubt)
		m->c = od->after;
	/* The alive one: a second silent event. Should the connection
	 * turn out gone, either could have ended it. */
	if (oa->doubt) {
		if (oa->ne > 0)
			m->dead_unsure = true;
		later(m->later_alive, &m->n_alive, &m->alive_unsure,
		      pa->ambiguous ? 0 : oa->edge_alive);
	} else if (oa->x == X_ADV || pa->ambiguous) {
		m->alive_unsure = true;
		m->alive = oa->after;
	} else {
		for (k = 0; k < oa->ne; k++)
			later(m->later_alive, &m->n_alive, &m->alive_unsure,
			      oa->edge[k]);
		m->alive = oa->after;
	}
	if (td >= 0)
		m->f->ev[td].used = true;
}

/*
 * Input i met a connection the shadow is in doubt about: the outcomes of
 * both hypotheses against the answer may decide it.
 */
static void doubt_try(struct model *m, size_t i)
{
	const struct if_seg *s = &m->f->ev[i].u.seg;
	struct model md = *m, ma = *m;
	struct plan pd, pa;
	bool fd = false, fa = false;
	uint8_t k;
	long t;

	md.doubt = ma.doubt = false;
	ma.c = m->alive;
	plan_in(&md, s, &pd);
	plan_in(&ma, s, &pa);
	for (k = 0; k < pd.n; k++)
		fd = fd || fits(m->f, &md, i, &pd.o[k], &t);
	for (k = 0; k < pa.n; k++)
		fa = fa || fits(m->f, &ma, i, &pa.o[k], &t);
	if (fd != fa) {
		doubt_resolve(m, fd);
	} else if (!fd) {
		m->doubt = false;
		m->known = false;
	} else {
		doubt_both(m, i, &md, &pd, &ma, &pa);
	}
}

/*
 * With the shadow lost: a SYN answered by a SYN,ACK (of another ISS than
 * an active open's) starts a connection it can follow again.
 */
static bool resync(struct model *m, size_t i)
{
	struct sd_infer *f = m->f;
	const struct if_seg *s = &f->ev[i].u.seg, *a;
	bool skipped;
	long j = first_answer(f, m, i, &skipped);

	if (j < 0 || (s->flags & (F_SYN | F_ACK | F_RST)) != F_SYN)
		return false;
	a = &f->ev[j].u.seg;
	if (!is_synack(a) || a->ack != s->seq + 1 ||
	    (m->c.st == TCP_SYN_SENT && a->seq == m->c.iss))
		return false;
	start_conn(m, s, a, false);
	f->ev[j].used = true;
	learn_out(m, (size_t)j, false);
	return true;
}

/* Whether the live connection would take plain ACK s without a word. */
static bool gone_quietly(const struct model *m, const struct if_seg *s)
{
	struct plan p;

	plan_in(m, s, &p);
	return p.n == 1 && p.o[0].x == X_SILENT && !p.o[0].doubt &&
	       !p.ambiguous;
}

static void do_in(struct model *m, size_t i)
{
	const struct sd_infer *f = m->f;
	const struct if_seg *s = &f->ev[i].u.seg;
	bool skipped;
	long j;

	if (!s->tuple_ok || s->broken)
		return; /* not the connection's, or dropped unseen */
	if (m->c.st != TCP_CLOSED && m->c.lport && s->dport != m->c.lport)
		return;
	if (m->doubt)
		doubt_try(m, i);
	if (m->doubt || !m->known) {
		/* Undecided, or lost: only a new connection helps. */
		(void)resync(m, i);
		return;
	}
	if (apply(m, i))
		return;
	/* No outcome fits: what did the stack answer? */
	j = first_answer(f, m, i, &skipped);
	if (j < 0 || skipped)
		return; /* silence where an answer was due: nothing known */
	if ((f->ev[j].u.seg.flags & F_RST) && m->c.st == TCP_TIME_WAIT &&
	    !(s->flags & (F_RST | F_SYN))) {
		/* The TIME-WAIT is gone (2*MSL passed): E108, then the
		 * segment meets the listener or nothing. */
		if (sure(m))
			count(m, 108);
		conn_gone(&m->c);
		pend_drop_all(m);
		if (!apply(m, i))
			m->known = false;
		return;
	}
	if ((f->ev[j].u.seg.flags & F_RST) && f->ev[j].u.seg.seq == s->ack &&
	    (s->flags & (F_SYN | F_RST | F_FIN | F_ACK)) == F_ACK &&
	    s->len == 0 && m->c.st != TCP_SYN_SENT && gone_quietly(m, s)) {
		/* A plain ACK the connection would have taken quietly drew
		 * the reset of no connection: it had ended unseen (a user
		 * timeout); the segment meets the listener or nothing. */
		conn_gone(&m->c);
		pend_drop_all(m);
		if (!apply(m, i))
			m->known = false;
		return;
	}
	if (f->ev[j].u.seg.flags & F_RST) {
		m->known = false;
		return;
	}
	/* A SYN,ACK of a new connection; else an ACK where none was due:
	 * the stack did not take the segment as the shadow would have, and
	 * nothing changes. */
	(void)resync(m, i);
}

/* A segment the stack sent: learning, timers, FIN and RST of the user. */
static void learn_out(struct model *m, size_t i, bool spontaneous)
{
	const struct sd_infer *f = m->f;
	const struct if_seg *a = &f->ev[i].u.seg;
	struct conn *c = &m->c;
	uint32_t end;
	size_t k;

	if (!a->tuple_ok)
		return;
	/* A segment of the connection in doubt, other than a reset: it
	 * lives. */
	if (m->doubt && !(a->flags & F_RST) && m->alive.st != TCP_CLOSED &&
	    (!m->alive.lport || a->sport == m->alive.lport) &&
	    ((a->flags & F_ACK) ||
	     (m->alive.st == TCP_SYN_SENT && a->seq == m->alive.iss)))
		doubt_resolve(m, false);
	if ((a->flags & (F_SYN | F_ACK | F_RST)) == F_SYN) {
		/* Our SYN: an active open, or its retransmission. */
		if (c->st == TCP_SYN_SENT && a->seq == c->iss &&
		    (!c->lport || a->sport == c->lport)) {
			if (spontaneous && sure(m) && !near_input(f, i))
				count(m, sd_edge_of_retransmit(TCP_SYN_SENT));
			return;
		}
		if (m->connect_pending) {
			bool listener = m->listening && m->connect_fd == m->lfd;

			m->connect_pending = false;
			/* A new connection on the tuple of one in doubt: that
			 * one is gone (none but TIME-WAIT could share it). */
			if (m->doubt && m->alive.lport == a->sport &&
			    m->alive.st != TCP_TIME_WAIT)
				doubt_resolve(m, true);
			m->doubt = false;
			pend_drop_all(m);
			conn_new(m, c);
			c->st = TCP_SYN_SENT;
			c->fd = m->connect_fd;
			c->lport = a->sport;
			c->iss = c->una = a->seq;
			c->max = a->seq + 1;
			c->stack_ws = a->has_ws;
			c->stack_wsv = a->ws;
			c->stack_ts = a->has_ts;
			m->known = true;
			count(m, listener ? 8 : 2);
			return;
		}
		m->known = false;
		return;
	}
	if (a->flags & F_RST) {
		if (spontaneous && m->close_pending && m->close_gen == c->gen &&
		    (!c->lport || a->sport == c->lport) && le(c->una, a->seq) &&
		    le(a->seq, c->max)) {
			/* The user's abort, or a close with unread data. */
			count(m, m->close_edge_rst);
			m->close_pending = false;
			conn_gone(c);
			return;
		}
		if (spontaneous && c->st != TCP_CLOSED &&
		    (!c->lport || a->sport == c->lport)) {
			/* A reset from nowhere: the connection is gone, no
			 * edge says why. */
			m->doubt = false;
			conn_gone(c);
			m->known = false;
		}
		return;
	}
	if (c->st == TCP_CLOSED || (c->lport && a->sport != c->lport))
		return; /* no connection the shadow follows */
	/* Nothing but a SYN goes out in SYN-SENT, no text in SYN-RECEIVED:
	 * the shadow lost the connection. */
	if ((c->st == TCP_SYN_SENT && !(a->flags & F_SYN)) ||
	    (c->st == TCP_SYN_RECEIVED && a->len > 0))
		m->known = false;
	if (m->close_pending && m->close_gen != c->gen)
		m->close_pending = false;
	if (a->flags & F_SYN) {
		/* Our SYN,ACK again. */
		if (a->seq == c->iss && lt(c->una, c->iss + 1) && spontaneous &&
		    sure(m) && !near_input(f, i))
			count(m, sd_edge_of_retransmit(c->st));
	} else {
		end = a->seq + a->len + ((a->flags & F_FIN) ? 1u : 0u);
		/* Sequence space sent before: a retransmission (not a
		 * keep-alive probe at SND.UNA - 1). */
		if ((a->len > 0 || (a->flags & F_FIN)) && lt(a->seq, c->max) &&
		    !(a->len <= 1 && a->seq == c->una - 1 &&
		      c->una == c->max) &&
		    spontaneous && sure(m) && !near_input(f, i))
			count(m, sd_edge_of_retransmit(c->st));
		if ((a->flags & F_FIN) && !c->fin_sent &&
		    in_range(a->seq + a->len, c->una, c->max + 1)) {
			c->fin_sent = true;
			c->fin_seq = a->seq + a->len;
			if (m->close_pending && m->close_gen == c->gen) {
				if (sure(m))
					count(m, m->close_edge_fin);
				m->close_pending = false;
			} else {
				m->known = false; /* a FIN nobody asked for */
			}
		}
		if (lt(c->max, end) && le(c->una, a->seq))
			c->max = end;
	}
	if (!(a->flags & F_ACK))
		return;
	/* The stack's RCV.NXT and window. */
	if (lt(c->rcv, a->ack) && lt(a->ack - c->rcv, 0x40000000u))
		c->rcv = a->ack;
	{
		uint32_t w =
		    (a->flags & F_SYN) ? a->win : (uint32_t)a->win << c->sws;

		if (!c->right_known || lt(c->right, a->ack + w)) {
			c->right = a->ack + w;
			c->right_known = true;
		}
	}
	/* Text and FINs the stack acknowledged now. */
	for (k = 0; k < m->pend_n;) {
		struct pend *p = &m->pend[k];

		if (p->gen != c->gen) {
			m->pend[k] = m->pend[--m->pend_n];
			continue;
		}
		if (le(p->thr, a->ack)) {
			count(m, p->edge);
			m->pend[k] = m->pend[--m->pend_n];
			continue;
		}
		if (f->ev[i].t_us > p->t_us + f->window_us) {
			/* Later, and still not acknowledged: not taken. */
			if (p->change)
				m->known = false;
			m->pend[k] = m->pend[--m->pend_n];
			continue;
		}
		k++;
	}
}

/*
 * A close() (full), shutdown(SHUT_WR) or an abort (SO_LINGER 0 and close)
 * of the connection's descriptor, in state c->st.
 */
static void user_close(struct model *m, bool abort, bool full)
{
	struct conn *c = &m->c;
	enum tcp_state st = c->st;
	int e_abort = sd_edge_of_change(st, TCP_CLOSED, TCP_CAUSE_USER_ABORT);
	struct conn before = *c;

	if (full)
		c->app_gone = true;
	switch (st) {
	case TCP_SYN_SENT:
		/* 3.10.4 / 3.10.5: delete the TCB; nothing is sent. */
		if (sure(m))
			count(m, abort ? 22 : 21);
		conn_gone(c);
		return;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
		/* A FIN follows, or for an abort (or unread data, SHLD-3)
		 * <SEQ=SND.NXT><CTL=RST>. */
		m->close_pending = true;
		m->close_gen = c->gen;
		m->close_edge_rst = full && sure(m) ? e_abort : 0;
		m->close_edge_fin = 0;
		if (abort) {
			conn_gone(c);
			return;
		}
		if (c->shut_wr || c->fin_sent)
			return; /* the FIN went already */
		c->shut_wr = true;
		if (st == TCP_CLOSE_WAIT) {
			c->st = TCP_LAST_ACK;
			m->close_edge_fin = sure(m) ? 78 : 0;
		} else if (st == TCP_ESTABLISHED || st == TCP_SYN_RECEIVED) {
			c->st = TCP_FIN_WAIT_1;
			m->close_edge_fin =
			    sure(m) ? (st == TCP_ESTABLISHED ? 54 : 38) : 0;
		}
		return;
	case TCP_CLOSING:
	case TCP_LAST_ACK:
	case TCP_TIME_WAIT:
		/* An abort sends nothing here: later segments tell whether
		 * the connection went. A plain close changes nothing. */
		if (abort) {
			conn_gone(c);
			doubt_begin(m, &before, e_abort, 0);
		}
		return;
	default:
		return;
	}
}

static bool fatal_err(int err)
{
	return err == ECONNRESET || err == ECONNREFUSED || err == EPIPE;
}

/* close() of the connection's descriptor while in doubt about it. */
static void close_in_doubt(struct model *m, bool abort)
{
	struct model t = *m;

	/* The alive hypothesis closes (nothing counted: the shadow does
	 * not know it lives); the dead one has nothing to close. */
	t.doubt = false;
	t.known = false;
	t.c = m->alive;
	user_close(&t, abort, true);
	if (t.doubt) {
		m->doubt = false;
		m->known = false;
		return;
	}
	m->alive = t.c;
	m->alive.fd = -1;
	m->close_pending = t.close_pending;
	m->close_gen = t.close_gen;
	m->close_edge_fin = m->close_edge_rst = 0;
}

static void do_call(struct model *m, const struct if_callrec *k)
{
	struct conn *c = &m->c;
	bool ok = k->done && k->ret >= 0;

	switch (k->call) {
	case C_SOCKET:
		if (ok && k->ret < IF_FDS) {
			m->linger0[k->ret] = false;
			m->keepalive[k->ret] = false;
		}
		break;
	case C_LISTEN:
		if (ok && !(m->listening && m->lfd == k->fd)) {
			m->listening = true;
			m->lfd = k->fd;
			count(m, 1);
		}
		break;
	case C_CONNECT:
		if (k->fd < 0 ||
		    ((c->st != TCP_CLOSED || m->doubt) &&
		     (c->fd == k->fd || (m->doubt && m->alive.fd == k->fd))))
			break; /* the same connection, asked again */
		if (k->done && k->ret < 0 && k->err != EINPROGRESS &&
		    k->err != EALREADY && k->err != EINTR &&
		    !fatal_err(k->err) && k->err != ETIMEDOUT)
			break; /* refused at once: no SYN */
		m->connect_pending = true;
		m->connect_fd = k->fd;
		break;
	case C_CLOSE:
		if (k->fd < 0 || !ok)
			break;
		if (m->listening && k->fd == m->lfd) {
			m->listening = false;
			count(m, 6);
			/* Its children not yet accepted go with it (3.10.5:
			 * a RST from the synchronized ones). */
			if (m->doubt && m->alive.passive && m->alive.fd < 0) {
				m->doubt = false;
				m->known = false;
			}
			if (c->st != TCP_CLOSED && c->passive && c->fd < 0 &&
			    c->st != TCP_TIME_WAIT) {
				m->close_pending = true;
				m->close_gen = c->gen;
				m->close_edge_fin = 0;
				m->close_edge_rst =
				    sure(m) ? sd_edge_of_change(
				                  c->st, TCP_CLOSED,
				                  TCP_CAUSE_USER_ABORT)
				            : 0;
				conn_gone(c);
			}
		} else if (m->doubt && m->alive.fd == k->fd) {
			close_in_doubt(m, m->linger0[k->fd]);
		} else if (c->fd == k->fd && c->st != TCP_CLOSED) {
			user_close(m, m->linger0[k->fd], true);
		}
		if (c->fd == k->fd)
			c->fd = -1;
		m->linger0[k->fd] = false;
		m->keepalive[k->fd] = false;
		break;
	case C_SHUTDOWN:
		if (ok && k->fd >= 0 && c->fd == k->fd && !m->doubt &&
		    (k->a1 == SHUT_WR || k->a1 == SHUT_RDWR) &&
		    c->st != TCP_CLOSED)
			user_close(m, false, false);
		break;
	case C_SEND:
		if (ok && k->ret > 0 && k->fd >= 0 && c->fd == k->fd && sure(m))
			count(m, sd_edge_of_send(c->st));
		else if (ok && k->ret > 0 && k->fd >= 0 && m->doubt &&
		         m->alive.fd == k->fd && m->known)
			later(m->later_alive, &m->n_alive, &m->alive_unsure,
			      sd_edge_of_send(m->alive.st));
		break;
	case C_SETSOCKOPT:
		if (ok && k->fd >= 0 && k->a1 == SOL_SOCKET) {
			if (k->a2 == SO_LINGER)
				m->linger0[k->fd] = k->v1 != 0 && k->v2 == 0;
			else if (k->a2 == SO_KEEPALIVE)
				m->keepalive[k->fd] = k->v1 != 0;
		}
		break;
	default:
		break;
	}
}

/* A call returning: accept's descriptor; errors that tell the end. */
static void do_ret(struct model *m, const struct if_callrec *k)
{
	int err = k->err;
	bool mine;

	if (k->call == C_ACCEPT) {
		if (k->ret >= 0 && k->ret < IF_FDS) {
			struct conn *c = m->doubt ? &m->alive : &m->c;

			if (c->st != TCP_CLOSED && c->passive && c->fd < 0)
				c->fd = (int)k->ret;
		}
		return;
	}
	mine = k->fd >= 0 &&
	       (k->fd == m->c.fd || (m->doubt && k->fd == m->alive.fd) ||
	        (k->call == C_CONNECT && k->fd == m->connect_fd));
	if (!mine)
		return;
	if (k->call == C_GETSOCKOPT && k->a1 == SOL_SOCKET &&
	    k->a2 == SO_ERROR && k->ret == 0 && k->has_out)
		err = (int)k->out_val;
	if (fatal_err(err)) {
		if (m->doubt)
			doubt_resolve(m, true);
		else if (m->c.st != TCP_CLOSED)
			m->known = false; /* gone without a sign */
		return;
	}
	if (err == ETIMEDOUT && k->call != C_GETSOCKOPT && !m->doubt &&
	    m->c.st != TCP_CLOSED) {
		/* R2 or the user timeout (not a keep-alive's). */
		if (sure(m) && !m->keepalive[k->fd])
			count(m, sd_edge_of_change(m->c.st, TCP_CLOSED,
			                           TCP_CAUSE_TIMEOUT_USER));
		conn_gone(&m->c);
		return;
	}
	/* Data taken for sending: the connection lives. */
	if (k->call == C_SEND && k->ret > 0 && m->doubt)
		doubt_resolve(m, false);
}

static void do_icmp(struct model *m)
{
	struct conn alive = m->c;

	if (m->c.st == TCP_CLOSED || m->doubt)
		return;
	/* A hard error may end the connection (no edge either way). */
	conn_gone(&m->c);
	doubt_begin(m, &alive, 0, 0);
}

static int ev_cmp(const void *pa, const void *pb)
{
	const struct if_ev *a = pa, *b = pb;

	if (a->t_us != b->t_us)
		return a->t_us < b->t_us ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

void sd_infer_edges(struct sd_infer *f, uint64_t *hits)
{
	struct model *m;
	size_t i;

	memset(hits, 0, sizeof(*hits) * (SD_EDGES + 1));
	if (!f || f->overflow || f->n == 0)
		return;
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->f = f;
	m->hits = hits;
	m->lfd = -1;
	m->connect_fd = -1;
	m->known = true; /* a fresh target: nothing listens, nothing open */
	m->c.st = TCP_CLOSED;
	m->c.fd = -1;
	qsort(f->ev, f->n, sizeof(f->ev[0]), ev_cmp);
	f->last_call = (size_t)-1; /* indexes moved */
	for (i = 0; i < f->n; i++) {
		struct if_ev *e = &f->ev[i];

		switch (e->kind) {
		case IF_IN:
			do_in(m, i);
			break;
		case IF_ICMP:
			do_icmp(m);
			break;
		case IF_OUT:
			if (!e->used)
				learn_out(m, i, true);
			break;
		case IF_CALL:
			do_call(m, &e->u.call);
			break;
		case IF_RET:
			do_ret(m, &e->u.call);
			break;
		default:
			break;
		}
	}
	/* Replaying again gives the same counts. */
	for (i = 0; i < f->n; i++)
		f->ev[i].used = false;
	free(m);
}
