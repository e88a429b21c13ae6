/* SPDX-License-Identifier: MIT
 *
 * The differential driver: the same records (time steps, peer segments
 * placed in each stack's own sequence space, application calls) drive two
 * stacks behind stack_plugin.h, and what each shows is compared after every
 * record, under the normalizations of fuzz/DIFF.md (cited by ID here).
 *
 * Input: byte 0 picks the peer's ISN, then records of an opcode byte and
 * its fields (missing bytes read as zero):
 *   op % 8 = 0,1  time passes (ms, 10 ms, s, or to A's next deadline)
 *            2..4 a segment from the peer: flags, SEQ and ACK modes and
 *                 deltas, payload length and window, options
 *            5,6  an application call on both stacks
 *            7    a pure ACK of everything each stack sent
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np */
#endif
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_diff.h"

#define FD_OUT 64          /* segments kept per side and record */
#define FD_PKT 1600        /* largest packet taken from a stack */
#define FD_TIME_STEPS 8192 /* deadlines run per side and record */
#define FD_SETTLE_US (3600ull * 1000000ull) /* A06: settling horizon */
#define FD_SETTLE_MAX_US (72ull * 3600ull * 1000000ull) /* A06: at most */
#define FD_RECV_MAX 65536u
#define FD_K16_WND 2920u /* K16: 2 x 1460 */
#define FD_PAYLOAD_MAX 1460u

/* TCP flags. */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20

/* ---- The ref plugin's configuration that mirrors lwIP ------------------ */

/*
 * Debian's lwipopts.h: TCP_MSS 1460, TCP_WND 0xFFFF with LWIP_WND_SCALE
 * (shift 1), TCP_SND_BUF TCP_WND, no timestamps (LWIP_TCP_TIMESTAMPS off),
 * no SACK (LWIP_TCP_SACK_OUT off), no ECN; lwIP's defaults (opt.h,
 * tcp_priv.h): TCP_MSL 60 s (TIME-WAIT 2 MSL), keep-alive 2 h / 75 s / 9;
 * a RST in TIME-WAIT is ignored (tcp_timewait_input), as RFC 1337 asks.
 */
const char *const fd_ref_lwip_config[] = {
	"timestamps=0",
	"sack=0",
	"wscale=1",
	"ecn=0",
	"mss=1460",
	"msl_ms=60000",
	"keepalive_idle_ms=7200000",
	"keepalive_intvl_ms=75000",
	"keepalive_probes=9",
	"rcvbuf=65535",
	"rfc1337=1",
	"sndbuf=65535",
};
const size_t fd_ref_lwip_config_n =
    sizeof(fd_ref_lwip_config) / sizeof(fd_ref_lwip_config[0]);

/* ---- State ------------------------------------------------------------- */

struct side {
	const struct sd_stack_plugin *p;
	void *inst;
	int lh, ch;         /* listener and connection handles, -1: none */
	bool isn_ok;        /* its SYN or SYN-ACK was seen */
	uint32_t isn;       /* ... its SEQ */
	uint32_t snd_max;   /* highest SEQ + LEN it sent */
	bool ack_ok;        /* it sent an ACK */
	uint32_t ack;       /* ... the latest ACK field */
	uint32_t una;       /* highest ACK the peer sent in its space */
	uint16_t lport;     /* its port of the connection */
	uint32_t written;   /* bytes its application queued */
	bool rd_shut;       /* its application closed or shut down reading */
	bool shut_rd;       /* ... by shutdown(SHUT_RDWR), not close (A32) */
	bool nodelay;       /* TCP_NODELAY is on */
	bool fresh;         /* its next SYN opens a new connection */
	bool probing;       /* its latest data was a zero-window probe ... */
	uint32_t probe_rel; /* ... of this byte (relative to its ISN) */
	uint32_t wl2;       /* the ACK of the peer's latest window (K15) */
	uint64_t now;
	bool spin;     /* a deadline stayed due after advance() */
	bool bad_csum; /* it sent a packet with a bad checksum */
	bool other;    /* it sent from a second connection's port */
	unsigned n;    /* segments of this record */
	struct fd_seg out[FD_OUT];
	uint32_t seq_rel[FD_OUT]; /* SEQ relative to the ISN at the time */
	bool retx[FD_OUT];        /* below snd_max when sent */
	uint8_t rbuf[FD_RECV_MAX];
};

struct fd {
	const struct fd_cfg *cfg;
	const struct fd_obs *obs;
	struct side s[2];
	uint64_t now;
	uint32_t peer_isn, peer_nxt;
	bool peer_fin;     /* the peer sent a FIN (A19) ... */
	uint32_t fin_end;  /* ... and the sequence number after it */
	bool peer_wnd0;    /* the peer's latest ACK offered a zero window */
	bool peer_rst;     /* the peer sent a RST (A30) */
	bool syn_wnd0;     /* a SYN of the peer offered a zero window (K16) */
	uint16_t peer_wnd; /* ... and that window (K10) */
	uint32_t wl1;      /* ... and its SEQ (K15) */
	unsigned chack_n;  /* A27: the reference's challenge ACKs ... */
	uint64_t chack_t0; /* ... in the 5 s from then */
	bool ooo;          /* the peer sent text past RCV.NXT (A29) */
	unsigned rec;
	enum fd_kind kind;
	int call;
	uint8_t sub;         /* flags or call, for signatures */
	uint8_t in_flags;    /* flags of the record's peer segment */
	bool in_len;         /* ... it carries text */
	bool in_unacc;       /* ... it is outside the window, without text */
	const char *state_a; /* A's state before the record */
	struct fd_diff *d;
	enum fd_verdict verdict;
	uint8_t pkt[FD_PKT];
	uint8_t payload[FD_PAYLOAD_MAX];
	uint8_t sendbuf[FD_FLIGHT_MAX];
};

static struct fd g_fd;
static struct fd_diff g_diff;
static char g_log[16384];
static size_t g_log_n;

const char *fd_log(void)
{
	return g_log;
}

__attribute__((format(printf, 2, 3))) static void dlog(struct fd *f,
                                                       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!f->cfg->log && !f->cfg->debug)
		return;
	va_start(ap, fmt);
	if (f->cfg->debug) {
		va_list aq;

		va_copy(aq, ap);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if (f->cfg->log && g_log_n < sizeof(g_log) - 1) {
		n = vsnprintf(g_log + g_log_n, sizeof(g_log) - g_log_n, fmt,
		              ap);
		if (n > 0)
			g_log_n += (size_t)n;
		if (g_log_n > sizeof(g_log) - 1)
			g_log_n = sizeof(g_log) - 1;
	}
	va_end(ap);
}

static const char *const call_names[FD_CALL_COUNT] = {
	"listen",    "accept",    "connect",        "send",  "recv",
	"shut_wr",   "shut_rdwr", "close",          "abort", "nodelay",
	"keepalive", "poll",      "close_listener",
};

const char *fd_call_name(enum fd_call c)
{
	return (unsigned)c < FD_CALL_COUNT ? call_names[c] : "?";
}

/* ---- Bytes ---------------------------------------------------------------
 */

struct rd {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t rd8(struct rd *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

static int32_t sdelta(uint8_t b)
{
	return (int32_t)(int8_t)b;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The peer's byte at sequence number seq (a function of seq alone). */
static inline uint8_t peer_byte(uint32_t seq)
{
	uint32_t x = seq * 2654435761u;

	return (uint8_t)((x >> 24) ^ (x >> 11));
}

/* Byte i of what the application writes. */
static inline uint8_t app_byte(uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) + 0x30u);
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP checksum over the IPv4 pseudo-header and the segment. */
static uint16_t tcp_csum(uint32_t src, uint32_t dst, const uint8_t *tcp,
                         size_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint16_t)len);
	return csum_fold(csum_add(csum_add(0, ph, 12), tcp, len));
}

/* ---- Packets ---------------------------------------------------------- */

/* Writes s as an IPv4 packet from the peer to the stack; its length. */
static size_t build_pkt(uint8_t *b, size_t cap, const struct fd_seg *s,
                        const uint8_t *payload)
{
	uint8_t o[40];
	size_t ol = 0, tl, hl;

	if (s->opts & FD_OPT_MSS) {
		o[ol++] = 2;
		o[ol++] = 4;
		put16(o + ol, s->mss);
		ol += 2;
	}
	if (s->opts & FD_OPT_WS) {
		o[ol++] = 1;
		o[ol++] = 3;
		o[ol++] = 3;
		o[ol++] = s->ws;
	}
	if (s->opts & FD_OPT_SACKOK) {
		o[ol++] = 1;
		o[ol++] = 1;
		o[ol++] = 4;
		o[ol++] = 2;
	}
	if (s->opts & FD_OPT_TS) {
		o[ol++] = 1;
		o[ol++] = 1;
		o[ol++] = 8;
		o[ol++] = 10;
		put32(o + ol, s->tsval);
		put32(o + ol + 4, s->tsecr);
		ol += 8;
	}
	hl = 20 + ol;
	tl = hl + s->len;
	if (20 + tl > cap)
		return 0;
	memset(b, 0, 20 + hl);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(20 + tl));
	put16(b + 6, 0x4000); /* DF */
	b[8] = 64;
	b[9] = 6;
	put32(b + 12, FD_PEER_ADDR);
	put32(b + 16, FD_STACK_ADDR);
	put16(b + 10, csum_fold(csum_add(0, b, 20)));
	put16(b + 20, s->sport);
	put16(b + 22, s->dport);
	put32(b + 24, s->seq);
	put32(b + 28, s->ack);
	b[32] = (uint8_t)((hl / 4) << 4);
	b[33] = s->flags;
	put16(b + 34, s->wnd);
	put16(b + 38, s->urp);
	memcpy(b + 40, o, ol);
	memcpy(b + 20 + hl, payload, s->len);
	put16(b + 36, tcp_csum(FD_PEER_ADDR, FD_STACK_ADDR, b + 20, tl));
	return 20 + tl;
}

/* Parses a packet a stack sent; false when it is no TCP over IPv4. The IP
 * fields are not kept (A12). */
static bool parse_pkt(const uint8_t *b, size_t n, struct fd_seg *s,
                      bool *csum_ok)
{
	size_t ihl, tl, doff, i;
	const uint8_t *t;

	memset(s, 0, sizeof(*s));
	if (n < 40 || (b[0] >> 4) != 4 || b[9] != 6)
		return false;
	ihl = (size_t)(b[0] & 15) * 4;
	tl = get16(b + 2);
	if (ihl < 20 || tl > n || tl < ihl + 20)
		return false;
	t = b + ihl;
	tl -= ihl;
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > tl)
		return false;
	*csum_ok = tcp_csum(get32(b + 12), get32(b + 16), t, tl) == 0;
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->flags = t[13];
	s->wnd = get16(t + 14);
	s->urp = get16(t + 18);
	s->len = (uint16_t)(tl - doff);
	s->data = t + doff;
	s->dsum = hash_bytes(t + doff, s->len);
	for (i = 20; i < doff;) {
		uint8_t k = t[i], l;

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || (l = t[i + 1]) < 2 || i + l > doff) {
			s->opts |= FD_OPT_OTHER;
			break;
		}
		if (k == 2 && l == 4) {
			s->opts |= FD_OPT_MSS;
			s->mss = get16(t + i + 2);
		} else if (k == 3 && l == 3) {
			s->opts |= FD_OPT_WS;
			s->ws = t[i + 2];
		} else if (k == 4 && l == 2) {
			s->opts |= FD_OPT_SACKOK;
		} else if (k == 8 && l == 10) {
			s->opts |= FD_OPT_TS;
			s->tsval = get32(t + i + 2);
			s->tsecr = get32(t + i + 6);
		} else if (k == 5) {
			s->opts |= FD_OPT_SACK;
		} else {
			s->opts |= FD_OPT_OTHER;
		}
		i += l;
	}
	return true;
}

static uint32_t seg_len(const struct fd_seg *s)
{
	return s->len + ((s->flags & F_SYN) ? 1u : 0u) +
	       ((s->flags & F_FIN) ? 1u : 0u);
}

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* "S." and friends, as in a script. */
static void flags_str(uint8_t fl, char *b)
{
	static const char l[8] = { 'F', 'S', 'R', 'P', '.', 'U', 'E', 'W' };
	static const int order[8] = { 1, 0, 2, 3, 5, 6, 7, 4 };
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (fl & (1u << order[i]))
			b[n++] = l[order[i]];
	if (n == 0)
		b[n++] = '-';
	b[n] = 0;
}

/* ---- Signatures and B's coverage -------------------------------------- */

static const char *const state_names[] = {
	"NONE",         "CLOSED",      "LISTEN",     "SYN-SENT",
	"SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT",   "CLOSING",     "LAST-ACK",   "TIME-WAIT",
};
#define FD_STATES 13 /* the names above and "other" */

static unsigned state_idx(const char *s)
{
	unsigned i;

	if (s == NULL)
		return 0;
	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return FD_STATES - 1;
}

/*
 * The connection's state: NULL, "CLOSED" and "LISTEN" alike mean no
 * connection (A16) (the reference names its listener when it has no connection,
 * and a connection reset in SYN-RECEIVED goes back to LISTEN, RFC 9293
 * 3.10.7.4, where lwIP frees it).
 */
static const char *state_of(const struct side *s)
{
	const char *st = s->p->state ? s->p->state(s->inst, -1) : NULL;

	return st && strcmp(st, "LISTEN") != 0 ? st : "CLOSED";
}

static bool alive(const char *st)
{
	return strcmp(st, "CLOSED") != 0 && strcmp(st, "NONE") != 0;
}

static uint32_t mix(uint32_t h, uint32_t v)
{
	return (h ^ v) * 16777619u;
}

static void cov_hit(struct fd *f, uint32_t idx)
{
	uint8_t *c = f->cfg->cov_counters;

	if (c && f->cfg->cov_n) {
		idx %= (uint32_t)f->cfg->cov_n;
		if (c[idx] != 255)
			c[idx]++;
	}
}

/* ---- Differences ----------------------------------------------------------
 */

/* A difference not in DIFF.md: the first one is kept, the run stops. */
__attribute__((format(printf, 3, 0))) static void
vdiff(struct fd *f, const char *field, const char *fmt, va_list ap)
{
	struct fd_diff *d = f->d;
	char both[200];
	char *bar;
	uint32_t h = 2166136261u;
	const char *p;

	if (f->verdict != FD_SAME)
		return;
	f->verdict = FD_DIFF;
	memset(d, 0, sizeof(*d));
	d->rec = f->rec;
	d->kind = f->kind;
	d->call = f->call;
	d->state = f->state_a;
	d->field = field;
	vsnprintf(both, sizeof(both), fmt, ap);
	bar = strchr(both, '|');
	if (bar) {
		*bar = 0;
		snprintf(d->a, sizeof(d->a), "%.95s", both);
		snprintf(d->b, sizeof(d->b), "%.95s", bar + 1);
	} else {
		snprintf(d->a, sizeof(d->a), "%.95s", both);
	}
	/* Coarse: the record's kind and sub-kind, A's state, the field. */
	h = mix(h, (uint32_t)f->kind);
	h = mix(h, f->sub);
	h = mix(h, state_idx(f->state_a));
	for (p = field; *p; p++)
		h = mix(h, (uint8_t)*p);
	d->sig = h;
	dlog(f, "  DIFF at record %u: %s: A %s, B %s\n", f->rec, field, d->a,
	     d->b);
	if (f->obs && f->obs->diff)
		f->obs->diff(f->obs->ctx, d);
}

/* fmt gives "A-value|B-value". */
__attribute__((format(printf, 3, 4))) static void
diff(struct fd *f, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiff(f, field, fmt, ap);
	va_end(ap);
}

/* An allowed difference after which comparing means nothing any more. */
static void desync(struct fd *f, const char *why)
{
	if (f->verdict != FD_SAME)
		return;
	f->verdict = FD_DESYNC;
	dlog(f, "  desync at record %u: %s\n", f->rec, why);
}

/* ---- Taking what a stack sent ---------------------------------------- */

static void take(struct fd *f, int i, bool timer)
{
	struct side *s = &f->s[i];
	struct fd_seg g, raw;
	bool ok;
	long n;
	unsigned guard = 0;

	while (guard++ < 4096 &&
	       (n = s->p->output(s->inst, f->pkt, sizeof(f->pkt))) != 0) {
		char fl[9];

		if (n < 0)
			continue; /* -EMSGSIZE: dropped by the plugin */
		if (!parse_pkt(f->pkt, (size_t)n, &g, &ok))
			continue;
		if (!ok)
			s->bad_csum = true;
		if (g.flags & F_SYN) {
			/* lwIP can give two connections the same ISN (its
			 * counter grows by the ticks since start: none in the
			 * first 500 ms); s->fresh tells them apart. */
			if (!s->isn_ok || g.seq != s->isn || s->fresh) {
				s->fresh = false;
				/* A new connection (RFC 9293 3.4.1): A10. */
				s->isn_ok = true;
				s->isn = g.seq;
				s->snd_max = g.seq;
				s->una = g.seq;
				s->written = 0;
				s->probing = false;
			}
		}
		if (s->isn_ok && g.sport != s->lport && !(g.flags & F_SYN))
			s->other = true;
		s->lport = g.sport;
		/* A22: bytes the peer acknowledged, sent again at the head of
		 * a segment (lwIP after an acknowledged zero-window probe):
		 * the segment is compared from SND.UNA on (the observer still
		 * sees it whole). */
		raw = g;
		if (s->isn_ok && g.len > 0 && !(g.flags & (F_SYN | F_RST)) &&
		    seq_lt(g.seq, s->una) && seq_lt(s->una, g.seq + g.len)) {
			uint32_t cut = s->una - g.seq;

			g.seq += cut;
			g.len = (uint16_t)(g.len - cut);
			g.data += cut;
			g.dsum = hash_bytes(g.data, g.len);
		}
		/* A24: when the window opens after zero-window probing, lwIP
		 * sends the probe byte again with the data that follows, the
		 * reference counts it as sent: the first segment after the
		 * probes is compared from the byte after the probe on. */
		if (s->probing && g.len > 1 && g.seq - s->isn == s->probe_rel) {
			g.seq++;
			g.len--;
			g.data++;
		}
		/* A04: the bytes are checked against what the application
		 * wrote (byte i of the stream at SEQ ISN+1+i), so that data
		 * cut differently compares equal: dsum 0 means right. */
		if (s->isn_ok && g.len > 0 && !(g.flags & F_SYN)) {
			uint32_t off = g.seq - s->isn - 1u, k;
			bool good = true;

			for (k = 0; k < g.len && good; k++)
				good = g.data[k] == app_byte(off + k);
			g.dsum = good ? 0 : (hash_bytes(g.data, g.len) | 1u);
		}
		if (s->n < FD_OUT) {
			s->out[s->n] = g;
			s->out[s->n].data = NULL;
			/* A RST with SEQ 0 answers a segment without ACK
			 * (RFC 9293 3.10.7.1): 0 whatever the ISN (K02). */
			s->seq_rel[s->n] =
			    (g.flags & F_RST) && g.seq == 0
			        ? 0
			        : g.seq - (s->isn_ok ? s->isn : 0);
			s->retx[s->n] =
			    s->isn_ok && seg_len(&g) > 0 &&
			    !seq_lt(s->snd_max, g.seq + seg_len(&g));
			s->n++;
		}
		/* K08: a zero-window probe (a byte a timer sent into a zero
		 * window); any other data ends the probing. */
		if (s->isn_ok && g.len > 0) {
			if (timer && g.len == 1 && f->peer_wnd0) {
				s->probing = true;
				s->probe_rel = g.seq - s->isn;
			} else {
				s->probing = false;
			}
		}
		/* A RST's SEQ is the peer's ACK field when it answers an
		 * unacceptable ACK (RFC 9293 3.10.7.3): no data sent. */
		if (s->isn_ok && !(g.flags & F_RST) &&
		    seq_lt(s->snd_max, g.seq + seg_len(&g)))
			s->snd_max = g.seq + seg_len(&g);
		/* What the stack acked: a RST's ACK field (lwIP sets one on
		 * every RST, K01) acknowledges nothing. */
		if ((g.flags & (F_ACK | F_RST)) == F_ACK) {
			s->ack_ok = true;
			s->ack = g.ack;
		}
		if (f->cfg->debug || f->cfg->log) {
			flags_str(g.flags, fl);
			if (timer)
				dlog(f, "  %c (timer t=%llu ms)", i ? 'B' : 'A',
				     (unsigned long long)(s->now / 1000));
			else
				dlog(f, "  %c", i ? 'B' : 'A');
			dlog(f, " %s %u:%u(%u) ack %u win %u opts 0x%x\n", fl,
			     g.seq - (s->isn_ok ? s->isn : 0),
			     g.seq - (s->isn_ok ? s->isn : 0) + g.len, g.len,
			     (g.flags & F_ACK) ? g.ack - f->peer_isn : 0, g.wnd,
			     g.opts);
		}
		if (f->obs && f->obs->out) {
			raw.data = f->pkt + (size_t)n - raw.len;
			f->obs->out(f->obs->ctx, i, s->now, &raw, timer);
		}
	}
}

/* Runs side i's timers up to time to, each at its deadline (A06). */
static void run_to(struct fd *f, int i, uint64_t to)
{
	struct side *s = &f->s[i];
	unsigned steps = 0, same = 0;
	uint64_t last = UINT64_MAX;
	const char *st = state_of(s);

	while (steps++ < FD_TIME_STEPS) {
		uint64_t d = s->p->next_deadline(s->inst);

		if (d == SD_PLUGIN_NO_DEADLINE || d > to)
			break;
		if (d < s->now)
			d = s->now;
		if (d == last && ++same > 4) {
			s->spin = true; /* due after advance(): no progress */
			break;
		}
		last = d;
		s->p->advance(s->inst, d);
		s->now = d;
		take(f, i, true);
		if (f->cfg->debug && strcmp(st, state_of(s)) != 0) {
			st = state_of(s);
			dlog(f, "  %c at t=%llu us: %s\n", i ? 'B' : 'A',
			     (unsigned long long)d, st);
		}
	}
	if (to > s->now) {
		s->p->advance(s->inst, to);
		s->now = to;
	}
	take(f, i, true);
	if (f->cfg->debug && strcmp(st, state_of(s)) != 0)
		dlog(f, "  %c by t=%llu us: %s\n", i ? 'B' : 'A',
		     (unsigned long long)to, state_of(s));
}

/* ---- Comparison -------------------------------------------------------- */

/* A segment as compared: the normalized fields. */
struct cseg {
	uint8_t flags;
	uint32_t seq, ack;
	uint32_t len;
	uint32_t dsum; /* of the merged payload: a hash chain */
	uint8_t opts;
	uint16_t mss;
	bool retx; /* all of it below SND.MAX when sent */
};

static void cseg_str(const struct cseg *c, char *b, size_t n)
{
	char fl[9];

	flags_str(c->flags, fl);
	snprintf(b, n, "%s %u:%u(%u) ack %u opts 0x%x mss %u", fl, c->seq,
	         c->seq + c->len, c->len, c->ack, c->opts, c->mss);
}

/*
 * The segments of side i in this record, normalized: SEQ from the ISN
 * (A10), ACK from the peer's ISN and only with ACK (A07), no window (A01),
 * PSH on data only (A03), the window scale's presence and not its shift
 * (A02), options as a set (A13),
 * contiguous data segments merged (A04); pure ACKs left out when
 * drop_acks (A05).
 */
static unsigned normalize(struct fd *f, int i, struct cseg *c, bool drop_acks)
{
	struct side *s = &f->s[i];
	unsigned k, n = 0;

	for (k = 0; k < s->n; k++) {
		const struct fd_seg *g = &s->out[k];
		struct cseg x;

		memset(&x, 0, sizeof(x));
		/* A03: PSH only on data (MUST-61: on the last buffered
		 * segment), and only the last piece's once merged (A04). */
		x.flags = g->len ? g->flags : g->flags & (uint8_t)~F_PSH;
		x.seq = s->seq_rel[k];
		x.ack = (g->flags & F_ACK) ? g->ack - f->peer_isn : 0; /* A07 */
		x.len = g->len;
		x.dsum = g->dsum;
		x.opts = g->opts;
		if (g->flags & F_SYN)
			x.mss = g->mss;
		x.retx = s->retx[k] && g->len > 0;
		if (drop_acks && g->len == 0 &&
		    (g->flags & (F_SYN | F_FIN | F_RST)) == 0)
			continue; /* A05 */
		/* A04: data right after data, same flags and ACK: one. */
		if (n > 0 && x.len > 0 && c[n - 1].len > 0 &&
		    (c[n - 1].flags & (F_FIN | F_SYN | F_RST)) == 0 &&
		    c[n - 1].ack == x.ack &&
		    (c[n - 1].flags | F_FIN | F_PSH) ==
		        (x.flags | F_FIN | F_PSH) &&
		    c[n - 1].seq + c[n - 1].len == x.seq) {
			c[n - 1].len += x.len;
			c[n - 1].flags = x.flags;
			c[n - 1].dsum = (c[n - 1].dsum | x.dsum)
			                    ? mix(c[n - 1].dsum, x.dsum) | 1u
			                    : 0;
			continue;
		}
		c[n++] = x;
	}
	/* A03: PSH counts only on data that ends with the last byte the
	 * application wrote (MUST-61); elsewhere it is the sender's. */
	for (k = 0; k < n; k++)
		if (c[k].len > 0 && !(c[k].flags & F_SYN) &&
		    c[k].seq + c[k].len != s->written + 1u)
			c[k].flags &= (uint8_t)~F_PSH;
	return n;
}

/* Whether side s has data queued that Nagle may hold back (RFC 9293
 * 3.7.4): written beyond what it sent, while some is unacknowledged. */
static bool nagled(const struct side *s)
{
	return s->isn_ok && !s->nodelay && seq_lt(s->una, s->snd_max) &&
	       s->written + 1u > s->snd_max - s->isn;
}

/* Compares what A and B sent during the record. */
static void compare_segs(struct fd *f, bool drop_acks)
{
	static struct cseg ca[FD_OUT], cb[FD_OUT];
	unsigned na = normalize(f, 0, ca, drop_acks);
	unsigned nb = normalize(f, 1, cb, drop_acks);
	unsigned k;
	char sa[96], sb[96];
	uint8_t mask = f->cfg->opt_mask ? f->cfg->opt_mask : 0xFF;

	/* A15: a SYN to TIME-WAIT may reopen the connection (MAY-2) or be
	 * refused (RFC 793's RST, RFC 5961's challenge ACK). */
	if (f->kind == FD_REC_SEG && (f->in_flags & (F_SYN | F_ACK)) == F_SYN &&
	    strcmp(f->state_a, "TIME-WAIT") == 0 && na > 0 &&
	    (ca[0].flags & F_SYN) && (nb == 0 || !(cb[0].flags & F_SYN))) {
		desync(f, "A reopened TIME-WAIT, B did not (MAY-2)");
		return;
	}
	/* K07: in SYN-SENT lwIP answers every segment with ACK but no RST,
	 * other than the SYN-ACK it waits for, with a RST and its SYN. */
	if (f->cfg->known && f->kind == FD_REC_SEG &&
	    (f->in_flags & (F_ACK | F_RST)) == F_ACK &&
	    strcmp(f->state_a, "SYN-SENT") == 0 && nb > 0 &&
	    (cb[0].flags & F_RST) && (na == 0 || na != nb)) {
		desync(f, "B reset and resent its SYN in SYN-SENT (K07)");
		return;
	}
	/* A20: a SYN in TIME-WAIT may draw a challenge ACK (RFC 5961 4.2)
	 * or, in the window, a RST (RFC 793). */
	if (f->kind == FD_REC_SEG && (f->in_flags & F_SYN) &&
	    strcmp(f->state_a, "TIME-WAIT") == 0 && na > 0 && nb > 0 &&
	    !(ca[0].flags & F_RST) && (cb[0].flags & F_RST)) {
		desync(f, "B refused a SYN in TIME-WAIT with a RST (A20)");
		return;
	}
	/* A32: text arriving after shutdown(SHUT_RDWR): lwIP's is a
	 * close() (a RST, RFC 9293 3.6.1 SHLD-3), the reference's only
	 * stops reading. */
	if (f->kind == FD_REC_SEG && f->in_len && f->s[1].shut_rd &&
	    f->s[0].ch >= 0 && nb > 0 && (cb[0].flags & F_RST) &&
	    (na == 0 || !(ca[0].flags & F_RST))) {
		desync(f, "B resets on text after shutdown(SHUT_RDWR) (A32)");
		return;
	}
	for (k = 0; k < na && k < nb; k++) {
		const struct cseg *a = &ca[k];
		struct cseg *b = &cb[k];

		if (f->cfg->known && (a->flags & F_RST) && (b->flags & F_RST)) {
			/* K01: lwIP's RST always carries ACK. */
			if (!(a->flags & F_ACK) && (b->flags & F_ACK)) {
				b->flags &= (uint8_t)~F_ACK;
				b->ack = 0;
			}
			/* K02: lwIP answers a segment without ACK with a RST
			 * whose SEQ is the segment's ACK field. */
			if (!(f->in_flags & F_ACK) && a->seq == 0)
				b->seq = a->seq;
			/* K12: lwIP counts SYN and FIN of one segment as one
			 * in SEG.LEN (TCP_TCPLEN). */
			if ((f->in_flags & (F_SYN | F_FIN)) ==
			        (F_SYN | F_FIN) &&
			    b->ack + 1u == a->ack)
				b->ack = a->ack;
		}
		/* A14: one retransmits (go-back-N after a timeout, RFC
		 * 6298 5.4 and RFC 5681 3.1 leave how much), the other sends
		 * new data. */
		if (a->retx != b->retx && a->len > 0 && b->len > 0) {
			desync(f, "one retransmits, the other sends new data");
			return;
		}
		/* A28: queued data sent with an ACK the reference sends
		 * alone: when queued data may go is the sender's (Nagle,
		 * RFC 9293 3.7.4; SWS avoidance, 3.8.6.2.1). */
		if (a->len == 0 && b->len > 0 && !b->retx &&
		    (a->flags & (F_SYN | F_FIN | F_RST)) == 0 &&
		    a->seq == b->seq && a->ack == b->ack) {
			desync(f, "B sent queued data with the ACK (A28)");
			return;
		}
		/* A14: a retransmission may carry more or less than the
		 * first transmission did; its start is compared. */
		if (a->retx && b->retx && a->seq == b->seq &&
		    a->flags == b->flags) {
			if (a->len != b->len)
				desync(f, "retransmissions of different sizes");
			continue;
		}
		/* A04: how much data goes at once under a small window is
		 * the sender's choice (sender SWS avoidance). */
		if (a->len && b->len && a->len != b->len && a->seq == b->seq &&
		    ((a->flags ^ b->flags) & (uint8_t) ~(F_FIN | F_PSH)) == 0) {
			desync(f, "the same data cut differently");
			return;
		}
		cseg_str(a, sa, sizeof(sa));
		cseg_str(b, sb, sizeof(sb));
		if (a->flags != b->flags) {
			diff(f, "seg.flags", "%s|%s", sa, sb);
			return;
		}
		if (a->seq != b->seq) {
			diff(f, "seg.seq", "%s|%s", sa, sb);
			return;
		}
		if (a->ack != b->ack && f->ooo && (a->flags & F_ACK) &&
		    (b->flags & F_ACK)) {
			/* A29: how much out-of-order text each receiver kept
			 * shows in its cumulative ACK. */
			desync(f, "out-of-order text kept differently (A29)");
			return;
		}
		if (a->ack != b->ack) {
			diff(f, "seg.ack", "%s|%s", sa, sb);
			return;
		}
		if (a->len != b->len) {
			diff(f, "seg.len", "%s|%s", sa, sb);
			return;
		}
		if (a->dsum != b->dsum) {
			diff(f, "seg.data", "%s|%s", sa, sb);
			return;
		}
		/* A02: the shift is each side's choice. */
		if (((a->opts ^ b->opts) & mask) != 0 || a->mss != b->mss) {
			diff(f, "seg.opts", "%s|%s", sa, sb);
			return;
		}
	}
	/* A27: the reference throttles its challenge ACKs (RFC 5961 7, 10
	 * in 5 s; a SHOULD), lwIP does not. */
	if (f->kind == FD_REC_SEG &&
	    (!f->in_len || (f->in_flags & (F_SYN | F_RST))) &&
	    alive(f->state_a) && strcmp(f->state_a, "SYN-SENT") != 0) {
		/* Its 5 s begin with the first challenge ACK after the
		 * last ones ran out, as the reference counts them. */
		if (f->s[0].n > 0 && f->s[0].out[0].len == 0 &&
		    (f->s[0].out[0].flags & (uint8_t)~F_PSH) == F_ACK) {
			if (f->chack_n == 0 ||
			    f->now - f->chack_t0 >= 5000000u) {
				f->chack_t0 = f->now;
				f->chack_n = 0;
			}
			f->chack_n++;
		}
	}
	if (f->kind == FD_REC_SEG && f->chack_n >= 10 &&
	    f->now - f->chack_t0 < 5000000u && !f->in_len) {
		if (na == 0 && nb > 0 && cb[0].len == 0 &&
		    cb[0].flags == F_ACK) {
			desync(f,
			       "the reference's challenge ACK throttle (A27)");
			return;
		}
	}
	/* K13: in TIME-WAIT lwIP acknowledges only segments with a length. */
	if (f->cfg->known && f->kind == FD_REC_SEG && f->in_unacc &&
	    !(f->in_flags & (F_SYN | F_FIN | F_RST)) &&
	    strcmp(f->state_a, "TIME-WAIT") == 0 && na > 0 && nb == 0) {
		desync(f, "B does not acknowledge in TIME-WAIT (K13)");
		return;
	}
	/* A29: after out-of-order text, the latest ACKs of the two (one
	 * may have been delayed, A05) tell how much each receiver kept. */
	if (f->ooo && na != nb && f->s[0].ack_ok && f->s[1].ack_ok &&
	    f->s[0].ack != f->s[1].ack) {
		desync(f, "out-of-order text kept differently (A29)");
		return;
	}
	/* A33: a FIN into a zero window, at once (lwIP, as BSD) or later,
	 * on the probe timer (the reference, as Linux). */
	if (f->peer_wnd0 && na == 0 && nb > 0 && cb[0].len == 0 &&
	    (cb[0].flags & (uint8_t)~F_PSH) == (F_FIN | F_ACK)) {
		desync(f, "B sent its FIN into a zero window (A33)");
		return;
	}
	/* A31: lwIP ignores every RST in TIME-WAIT (RFC 1337 4.2); the
	 * reference answers one in the window but off RCV.NXT with a
	 * challenge ACK (RFC 5961 3.2). */
	if (f->kind == FD_REC_SEG && (f->in_flags & F_RST) &&
	    strcmp(f->state_a, "TIME-WAIT") == 0 && na > 0 && nb == 0 &&
	    ca[0].len == 0 && (ca[0].flags & (uint8_t)~F_PSH) == F_ACK) {
		desync(f, "B ignores a RST in TIME-WAIT (A31)");
		return;
	}
	/* K14: lwIP's close() with unread data resets only in ESTABLISHED
	 * and CLOSE-WAIT, and data with a FIN after close() draws no RST. */
	if (f->cfg->known &&
	    ((f->kind == FD_REC_APP &&
	      (f->call == FD_CALL_CLOSE || f->call == FD_CALL_SHUT_RDWR)) ||
	     (f->kind == FD_REC_SEG && f->in_len && (f->in_flags & F_FIN))) &&
	    (strcmp(f->state_a, "FIN-WAIT-1") == 0 ||
	     strcmp(f->state_a, "FIN-WAIT-2") == 0) &&
	    na > 0 && nb == 0 && (ca[0].flags & F_RST)) {
		desync(f, "B closed without a RST over unread data (K14)");
		return;
	}
	/* K05: lwIP sends no immediate ACK while Nagle holds data back. */
	if (f->cfg->known && na > nb && k == nb && ca[k].len == 0 &&
	    (ca[k].flags & (F_SYN | F_FIN | F_RST)) == 0 && nagled(&f->s[1])) {
		desync(f, "B holds its ACK with Nagle-held data (K05)");
		return;
	}
	if (na != nb) {
		if (k < na)
			cseg_str(&ca[k], sa, sizeof(sa));
		else
			snprintf(sa, sizeof(sa), "nothing");
		if (k < nb)
			cseg_str(&cb[k], sb, sizeof(sb));
		else
			snprintf(sb, sizeof(sb), "nothing");
		diff(f, "seg.missing", "%s|%s", sa, sb);
	}
}

/* The wire state both sides must share after a record. */
static void compare_wire(struct fd *f)
{
	const struct side *a = &f->s[0], *b = &f->s[1];

	if (a->isn_ok != b->isn_ok) {
		diff(f, "isn", "%s|%s", a->isn_ok ? "SYN sent" : "no SYN",
		     b->isn_ok ? "SYN sent" : "no SYN");
		return;
	}
	if (a->isn_ok && a->snd_max - a->isn != b->snd_max - b->isn) {
		/* Only timers can make these differ here (A06). */
		desync(f, "SND.MAX differs after timers");
	}
}

static void begin(struct fd *f, enum fd_kind kind, int call, uint8_t sub)
{
	f->kind = kind;
	f->call = call;
	f->sub = sub;
	f->state_a = state_of(&f->s[0]);
	f->s[0].n = f->s[1].n = 0;
}

/* After each record: B's behaviour as coverage, then the states. */
static void end(struct fd *f, const char *b_before, bool timed)
{
	const char *sa = state_of(&f->s[0]);
	const char *sb = state_of(&f->s[1]);
	uint64_t t;
	uint32_t h;

	h = mix(2166136261u, (uint32_t)f->kind);
	h = mix(h, f->sub);
	h = mix(h, state_idx(b_before));
	h = mix(h, state_idx(sb));
	cov_hit(f, h);
	if (f->verdict != FD_SAME)
		return;
	if (f->s[0].other || f->s[1].other) {
		desync(f, "a second connection");
		return;
	}
	if (f->s[1].bad_csum) {
		diff(f, "checksum", "good|bad");
		return;
	}
	if (f->s[1].spin != f->s[0].spin) {
		diff(f, "deadline", "%s|%s",
		     f->s[0].spin ? "due after advance" : "ok",
		     f->s[1].spin ? "due after advance" : "ok");
		return;
	}
	if (strcmp(sa, sb) == 0)
		return;
	if (!timed) {
		diff(f, "state", "%s|%s", sa, sb);
		return;
	}
	/* A06: timers run on their own clocks; let both settle: 60 minutes,
	 * then on in steps of 30 minutes while one connection is alive and
	 * the other not, up to 72 hours (lwIP gives up on data after 12
	 * retransmissions, with an RTO of up to 0x7FFF ticks of 500 ms:
	 * 59 hours at most). */
	for (t = f->now + FD_SETTLE_US;; t += FD_SETTLE_US / 2) {
		run_to(f, 0, t);
		run_to(f, 1, t);
		sa = state_of(&f->s[0]);
		sb = state_of(&f->s[1]);
		if (alive(sa) == alive(sb) || t >= f->now + FD_SETTLE_MAX_US)
			break;
	}
	/* K09: lwIP ends FIN-WAIT-2 20 s after the application closed. */
	if (f->cfg->known && strcmp(sa, "FIN-WAIT-2") == 0 && !alive(sb) &&
	    f->s[1].rd_shut)
		desync(f, "B's FIN-WAIT-2 timed out (K09)");
	/* A21: zero-window probes nobody answers may be given up. */
	else if (f->peer_wnd0 && alive(sa) != alive(sb))
		desync(f, "unanswered zero-window probes (A21)");
	else if (alive(sa) != alive(sb))
		diff(f, "settled", "%s|%s", sa, sb);
	else
		desync(f, "states differ after timers, alike once settled");
}

/* ---- Records ------------------------------------------------------------ */

/* Whether side s sent a retransmission during the record. */
static bool retransmitted(const struct side *s)
{
	unsigned k;

	for (k = 0; k < s->n; k++)
		if (s->retx[k])
			return true;
	return false;
}

static void do_time(struct fd *f, struct rd *r, uint8_t op)
{
	uint8_t b = rd8(r);
	uint64_t to = f->now, t;
	const char *bb;

	switch ((op >> 3) & 3) {
	case 0:
		to += (uint64_t)b * 1000u;
		break;
	case 1:
		to += (uint64_t)b * 10000u;
		break;
	case 2:
		to += (uint64_t)b * 1000000u;
		break;
	default: /* to A's next deadline, plus up to 255 ms */
		t = f->s[0].p->next_deadline(f->s[0].inst);
		if (t != SD_PLUGIN_NO_DEADLINE && t > to &&
		    t - to < FD_MAX_TIME_US)
			to = t;
		to += (uint64_t)b * 1000u;
		break;
	}
	begin(f, FD_REC_TIME, -1, (uint8_t)((op >> 3) & 3));
	bb = state_of(&f->s[1]);
	dlog(f, "#%u t=%llu time +%llu us\n", f->rec,
	     (unsigned long long)f->now, (unsigned long long)(to - f->now));
	run_to(f, 0, to);
	run_to(f, 1, to);
	f->now = to;
	if (f->obs && f->obs->time)
		f->obs->time(f->obs->ctx, f->now);
	/* A06: one stack's retransmission (or probe) timer fired and the
	 * other's did not: their recovery states differ from here on. */
	if (retransmitted(&f->s[0]) != retransmitted(&f->s[1]))
		desync(f, "one stack retransmitted, the other not yet (A06)");
	/* A06: what timers sent is not compared segment by segment. */
	end(f, bb, true);
	if (f->verdict == FD_SAME)
		compare_wire(f);
}

static const uint16_t wnd_tab[16] = {
	0,    65535, 100,   536,   1000,  1460,  2920,  4096,
	8192, 16384, 32768, 65535, 65535, 65535, 65535, 65535,
};
static const uint16_t len_tab[16] = {
	0, 0, 0, 0, 1, 1, 2, 10, 16, 100, 500, 536, 1000, 1200, 1460, 1460,
};
static const uint16_t mss_tab[4] = { 1460, 536, 1000, 64 };
static const uint8_t ws_tab[4] = { 0, 1, 7, 14 };

/*
 * Whether the peer's segment g lies outside the stacks' receive window
 * (RFC 9293 3.10.7.4, first check), taking the driver's RCV.NXT and a
 * window of 65535 (both stacks' buffer).
 */
static bool unacceptable(const struct fd *f, const struct fd_seg *g)
{
	uint32_t len = g->len + ((g->flags & F_FIN) ? 1u : 0u);

	if (!seq_lt(g->seq, f->peer_nxt + 65535u))
		return true;
	if (len == 0)
		return seq_lt(g->seq, f->peer_nxt);
	return !seq_lt(f->peer_nxt, g->seq + len);
}

/*
 * K10 and K11: lwIP takes the ACK and the window of a segment outside its
 * window, and the text and window of a segment whose ACK acknowledges what
 * it never sent. With the known findings normalized, the driver's segments
 * outside the window carry no ACK and its ACKs go no further than SND.MAX.
 */
static void ack_hold(const struct fd *f, const struct side *s, struct fd_seg *g)
{
	if (!s->isn_ok || !(g->flags & F_ACK) || (g->flags & (F_SYN | F_RST)))
		return;
	/* A25: an ACK below SND.UNA acknowledges nothing (RFC 9293
	 * 3.10.7.4, fifth: "it can be ignored"); how far below is still
	 * acceptable is RFC 5961 5.2's MAY-12 (the reference: SND.UNA -
	 * MAX.SND.WND; lwIP: any). The driver's ACKs go no lower. */
	if (seq_lt(g->ack, s->una))
		g->ack = s->una;
	if (!f->cfg->known)
		return;
	if (seq_lt(s->snd_max, g->ack))
		g->ack = s->snd_max;
	if (unacceptable(f, g)) {
		/* Without ACK: lwIP would also take its SEQ as SND.WL1 and
		 * then refuse later windows (tcp_receive()). */
		g->flags &= (uint8_t) ~(F_ACK | F_FIN);
		g->ack = 0;
		g->len = 0; /* K03 */
		g->wnd = f->peer_wnd;
		return;
	}
	/* K15: lwIP takes a window from a segment with the SEQ and ACK of
	 * the last one only when it grows, and a larger one from an older
	 * segment with that ACK. */
	if ((g->seq == f->wl1 && g->ack == s->wl2 && g->wnd < f->peer_wnd) ||
	    seq_lt(g->seq, f->wl1))
		g->wnd = f->peer_wnd;
}

/*
 * K08: lwIP's persist timer stays on when an ACK takes the probe byte and
 * with it the last queued data (assertion, tcp.c:1238); with the known
 * findings normalized the peer never acknowledges a probe byte, as a
 * receiver that keeps its window closed would not.
 */
static void probe_hold(const struct fd *f, const struct side *s,
                       struct fd_seg *g)
{
	uint32_t lim;

	/* Only data is held back: never the ACK of a SYN. */
	if (!f->cfg->known || !s->isn_ok || !(g->flags & F_ACK) ||
	    (g->flags & F_SYN) || !seq_lt(s->isn + 1u, s->snd_max))
		return;
	/* An ACK past SND.MAX would be cut to SND.MAX (K11, ack_hold())
	 * after this: it is held back too. */
	if (s->probing) {
		lim = s->isn + s->probe_rel;
		if (seq_lt(lim, g->ack))
			g->ack = lim;
	}
	/* The other way in: data lwIP moved back to its queue at a timeout
	 * while the window was zero, acknowledged late. While the window
	 * is zero (or closes with this ACK) the peer leaves the last byte
	 * sent unacknowledged. */
	lim = s->snd_max - 1u;
	if ((f->peer_wnd0 || g->wnd == 0) && seq_lt(s->una, s->snd_max) &&
	    seq_lt(lim, g->ack))
		g->ack = lim;
}

/* The peer's segment for side i, from the record's fields. */
static void make_seg(struct fd *f, int i, struct fd_seg *g, uint8_t fl,
                     uint8_t sm, uint8_t sd, uint8_t ad, uint8_t lw, uint8_t ob)
{
	const struct side *s = &f->s[i];
	uint32_t base;

	memset(g, 0, sizeof(*g));
	g->sport = FD_RPORT;
	g->dport = s->isn_ok ? s->lport : FD_LPORT; /* A11 */
	g->flags = fl;
	g->wnd = wnd_tab[lw >> 4]; /* before probe_hold() */
	switch (sm & 3) {
	case 0:
		g->seq = f->peer_nxt + (uint32_t)sdelta(sd);
		break;
	case 1: /* from what the reference acked (the same SEQ for both:
	         * when each acks is its own, A05) */
		g->seq = (f->s[0].ack_ok ? f->s[0].ack : f->peer_nxt) +
		         (uint32_t)sdelta(sd);
		break;
	case 2: /* beyond every window */
		g->seq = f->peer_nxt + 0x10000u + (uint32_t)sd * 64u;
		break;
	default: /* long before RCV.NXT */
		g->seq = f->peer_nxt - 0x10000u - (uint32_t)sd * 64u;
		break;
	}
	if (!s->isn_ok) {
		g->ack = 0x1000u + (uint32_t)sdelta(ad);
	} else {
		switch ((sm >> 2) & 3) {
		case 0:
			base = s->snd_max;
			break;
		case 1:
			base = s->isn;
			break;
		case 2:
			base = s->una;
			break;
		default:
			base = s->snd_max + 0x40000000u;
			break;
		}
		g->ack = base + (uint32_t)sdelta(ad);
		probe_hold(f, s, g);
	}
	g->len = len_tab[lw & 15];
	/* A18: data on a SYN may be dropped (and is then not acked). */
	if (fl & F_SYN)
		g->len = 0;
	/* K16: lwIP cuts segments at the full MSS under a SYN's zero window
	 * and aborts when a window below two of them follows. */
	if (f->cfg->known && f->syn_wnd0 && !(fl & F_SYN) && g->wnd > 0 &&
	    g->wnd < FD_K16_WND)
		g->wnd = FD_K16_WND;
	/* K03: lwIP takes text and FIN of a segment without ACK. */
	if (f->cfg->known && (fl & (F_SYN | F_RST | F_ACK)) == 0) {
		g->len = 0;
		g->flags &= (uint8_t)~F_FIN;
	}
	if (s->isn_ok)
		ack_hold(f, s, g);
	if ((fl & F_URG) != 0)
		g->urp = (uint16_t)(g->len ? g->len : 1);
	/* K04: lwIP takes an MSS option from any segment. */
	if (f->cfg->known && !(fl & F_SYN))
		ob &= (uint8_t)~1u;
	/* A17: with the options compared restricted (repro --diff runs the
	 * reference with its defaults, timestamps and SACK on), the peer
	 * offers neither, so that neither is negotiated, as in the fuzzer's
	 * configuration. */
	if (f->cfg->opt_mask && !(f->cfg->opt_mask & FD_OPT_TS))
		ob &= (uint8_t)~8u;
	if (f->cfg->opt_mask && !(f->cfg->opt_mask & FD_OPT_SACKOK))
		ob &= (uint8_t)~4u;
	if (ob & 1) {
		g->opts |= FD_OPT_MSS;
		g->mss = mss_tab[(ob >> 4) & 3];
	}
	if (ob & 2) {
		g->opts |= FD_OPT_WS;
		g->ws = ws_tab[(ob >> 6) & 3];
	}
	if (ob & 4)
		g->opts |= FD_OPT_SACKOK;
	if (ob & 8) {
		g->opts |= FD_OPT_TS;
		g->tsval = 0x1000u + (uint32_t)f->rec;
		g->tsecr = 0;
	}
}

/* Gives side i the segment g (payload from the peer's stream). */
static void inject(struct fd *f, int i, struct fd_seg *g)
{
	struct side *s = &f->s[i];
	uint32_t k, seq0 = g->seq + ((g->flags & F_SYN) ? 1u : 0u);
	size_t n;

	for (k = 0; k < g->len; k++)
		f->payload[k] = peer_byte(seq0 + k);
	n = build_pkt(f->pkt, sizeof(f->pkt), g, f->payload);
	if (n == 0)
		return;
	/* What the peer acknowledged: not in a RST, nor in a segment
	 * outside the window (RFC 9293 3.10.7.4: both leave SND.UNA). */
	if (s->isn_ok && (g->flags & (F_ACK | F_RST)) == F_ACK &&
	    ((g->flags & F_SYN) ? strcmp(f->state_a, "SYN-SENT") == 0
	                        : !unacceptable(f, g)) &&
	    seq_lt(s->una, g->ack) && !seq_lt(s->snd_max, g->ack))
		s->una = g->ack;
	g->data = f->payload;
	if (f->obs && f->obs->seg)
		f->obs->seg(f->obs->ctx, i, f->now, g);
	s->p->input(s->inst, f->pkt, n);
}

/* The kind of a peer segment, for signatures: coarse on purpose. */
static uint8_t seg_class(const struct fd_seg *g)
{
	if (g->flags & F_RST)
		return 1;
	if (g->flags & F_SYN)
		return (g->flags & F_ACK) ? 3 : 2;
	if (g->flags & F_FIN)
		return 4;
	if (g->flags & F_ACK)
		return g->len ? 5 : 6;
	return 7;
}

static void seg_record(struct fd *f, struct fd_seg *ga, struct fd_seg *gb,
                       bool in_stream)
{
	const char *bb;
	char fl[9];
	bool syn_new;
	const char *sa = state_of(&f->s[0]);

	begin(f, FD_REC_SEG, -1, seg_class(ga));
	f->in_flags = ga->flags;
	f->in_len = ga->len > 0;
	f->in_unacc = ga->len == 0 && unacceptable(f, ga);
	bb = state_of(&f->s[1]);
	flags_str(ga->flags, fl);
	dlog(f, "#%u t=%llu peer %s seq %+d ack %u len %u win %u opts 0x%x\n",
	     f->rec, (unsigned long long)f->now, fl,
	     (int)(ga->seq - f->peer_nxt), ga->ack - f->s[0].isn, ga->len,
	     ga->wnd, ga->opts);
	if (gb->seq != ga->seq ||
	    gb->ack - f->s[1].isn != ga->ack - f->s[0].isn)
		dlog(f, "  (B: seq %+d ack %u)\n", (int)(gb->seq - f->peer_nxt),
		     gb->ack - f->s[1].isn);
	/* A SYN that can open a connection: the peer's ISN (RFC 9293
	 * 3.4.1). */
	syn_new = (ga->flags & F_SYN) &&
	          (!alive(sa) || strcmp(sa, "LISTEN") == 0 ||
	           strcmp(sa, "SYN-SENT") == 0 || strcmp(sa, "TIME-WAIT") == 0);
	/* K16: a SYN either stack may take (lwIP takes a SYN-ACK the
	 * reference refuses, simultaneous-open.pkt). */
	if ((ga->flags & (F_SYN | F_RST)) == F_SYN && ga->wnd == 0)
		f->syn_wnd0 = true;
	if (syn_new) {
		f->peer_isn = ga->seq;
		f->peer_nxt = ga->seq;
		f->peer_fin = false;
		f->ooo = false;
		in_stream = true;
	}
	/* K17: lwIP takes the ACK of a SYN,ACK in SYN-RECEIVED. */
	if (f->cfg->known && strcmp(sa, "SYN-RECEIVED") == 0 &&
	    (ga->flags & (F_SYN | F_ACK | F_RST)) == (F_SYN | F_ACK))
		desync(f, "a SYN,ACK in SYN-RECEIVED (K17)");
	/* K06: lwIP checks no SEQ in SYN-RECEIVED. */
	if (f->cfg->known && strcmp(sa, "SYN-RECEIVED") == 0 &&
	    !(ga->flags & F_RST) && (ga->flags & (F_SYN | F_ACK)) != F_SYN &&
	    ga->seq != f->peer_nxt)
		desync(f, "a segment off RCV.NXT in SYN-RECEIVED (K06)");
	/* A19: sequence space past the peer's own FIN "should not occur"
	 * (RFC 9293 3.10.7.4, seventh and eighth): what a stack makes of a
	 * second FIN or of text after the FIN is not specified. */
	if (f->peer_fin && !(ga->flags & (F_SYN | F_RST)) && seg_len(ga) > 0 &&
	    seq_lt(f->fin_end, ga->seq + seg_len(ga)))
		desync(f, "the peer's sequence space past its FIN");
	inject(f, 0, ga);
	inject(f, 1, gb);
	if (ga->flags & F_RST)
		f->peer_rst = true;
	if (syn_new && strcmp(sa, "SYN-SENT") != 0)
		f->s[0].fresh = f->s[1].fresh = true;
	/* The peer's window as the stacks take it (RFC 9293 3.10.7.4,
	 * fifth: not from a segment older than SND.WL1). */
	if (((ga->flags & (F_ACK | F_SYN | F_RST)) == F_ACK &&
	     !unacceptable(f, ga) && !seq_lt(ga->seq, f->wl1)) ||
	    (syn_new && !(ga->flags & F_RST))) {
		f->peer_wnd0 = ga->wnd == 0;
		f->peer_wnd = ga->wnd;
		f->wl1 = ga->seq;
		f->s[0].wl2 = ga->ack;
		f->s[1].wl2 = gb->ack;
	}
	if (ga->len > 0 && !(ga->flags & (F_SYN | F_RST)) &&
	    seq_lt(f->peer_nxt, ga->seq) && !unacceptable(f, ga))
		f->ooo = true;
	/* A19: a FIN the stacks may keep, even out of order, ends the
	 * peer's stream where it lies. */
	if ((ga->flags & (F_FIN | F_RST | F_SYN)) == F_FIN &&
	    !unacceptable(f, ga) &&
	    (!f->peer_fin || seq_lt(ga->seq + seg_len(ga), f->fin_end))) {
		f->peer_fin = true;
		f->fin_end = ga->seq + seg_len(ga);
	}
	/* A SYN that opens nothing (a synchronized state answers it with
	 * a challenge ACK or a RST) is no part of the stream. */
	if (in_stream && (syn_new || !(ga->flags & F_SYN)) &&
	    !seq_lt(f->peer_nxt, ga->seq) &&
	    seq_lt(f->peer_nxt, ga->seq + seg_len(ga)))
		f->peer_nxt = ga->seq + seg_len(ga);
	take(f, 0, false);
	take(f, 1, false);
	/* A05: in-sequence data may be acked now or later. */
	compare_segs(f, ga->len > 0);
	end(f, bb, false);
}

static void do_segment(struct fd *f, struct rd *r)
{
	uint8_t fl = rd8(r), sm = rd8(r), sd = rd8(r), ad = rd8(r);
	uint8_t lw = rd8(r), ob = rd8(r);
	struct fd_seg ga, gb;

	make_seg(f, 0, &ga, fl, sm, sd, ad, lw, ob);
	make_seg(f, 1, &gb, fl, sm, sd, ad, lw, ob);
	seg_record(f, &ga, &gb, (sm & 3) < 2);
}

/* A pure ACK of all each stack sent, at the peer's next SEQ. */
static void do_ack(struct fd *f, struct rd *r)
{
	uint8_t w = rd8(r);
	struct fd_seg g[2];
	int i;

	for (i = 0; i < 2; i++) {
		memset(&g[i], 0, sizeof(g[i]));
		g[i].sport = FD_RPORT;
		g[i].dport = f->s[i].isn_ok ? f->s[i].lport : FD_LPORT;
		g[i].seq = f->peer_nxt;
		g[i].ack = f->s[i].isn_ok ? f->s[i].snd_max : 0;
		g[i].flags = F_ACK;
		g[i].wnd = wnd_tab[w & 15];
		if (f->cfg->known && f->syn_wnd0 && g[i].wnd > 0 &&
		    g[i].wnd < FD_K16_WND)
			g[i].wnd = FD_K16_WND; /* K16 */
		probe_hold(f, &f->s[i], &g[i]);
	}
	seg_record(f, &g[0], &g[1], true);
}

/* ---- Application calls ------------------------------------------------ */

/* What a call returned, in the classes of A08. */
static int ret_class(long r)
{
	if (r >= 0)
		return 0;
	if (r == -EAGAIN || r == -EWOULDBLOCK || r == -EINPROGRESS ||
	    r == -EALREADY)
		return 1;
	return 2;
}

static const char *ret_str(long r, char *b, size_t n)
{
	if (r >= 0)
		snprintf(b, n, "%ld", r);
	else
		snprintf(b, n, "-%s",
		         strerrorname_np((int)-r) ? strerrorname_np((int)-r)
		                                  : "E?");
	return b;
}

static long call_one(struct fd *f, int i, enum fd_call c, uint32_t arg)
{
	struct side *s = &f->s[i];
	const struct sd_stack_plugin *p = s->p;
	struct sd_plugin_addr a;
	int one = 1, v = (int)arg;
	struct linger lg = { 1, 0 };
	long r;
	int h;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	switch (c) {
	case FD_CALL_LISTEN:
		if (s->lh >= 0)
			return p->listen(s->inst, s->lh, (int)arg);
		h = p->socket(s->inst, AF_INET);
		if (h < 0)
			return h;
		(void)p->setsockopt(s->inst, h, SOL_SOCKET, SO_REUSEADDR, &one,
		                    sizeof(one));
		put32(a.addr, FD_STACK_ADDR);
		a.port = FD_LPORT;
		r = p->bind(s->inst, h, &a);
		if (r == 0)
			r = p->listen(s->inst, h, (int)arg);
		if (r < 0) {
			(void)p->close(s->inst, h);
			return r;
		}
		s->lh = h;
		return 0;
	case FD_CALL_ACCEPT:
		if (s->lh < 0)
			return -EBADF;
		r = p->accept(s->inst, s->lh, &a);
		if (r >= 0) {
			if (s->ch >= 0)
				(void)p->close(s->inst, s->ch);
			s->ch = (int)r;
			s->rd_shut = s->shut_rd = false;
			r = 0;
		}
		return r;
	case FD_CALL_CONNECT:
		if (s->ch >= 0)
			return -EISCONN;
		h = p->socket(s->inst, AF_INET);
		if (h < 0)
			return h;
		put32(a.addr, FD_PEER_ADDR);
		a.port = FD_RPORT;
		s->ch = h;
		s->rd_shut = s->shut_rd = false;
		s->fresh = true;
		return p->connect(s->inst, h, &a);
	case FD_CALL_SEND:
		if (s->ch < 0)
			return -EBADF;
		r = p->send(s->inst, s->ch, f->sendbuf, arg, 0);
		if (r > 0)
			s->written += (uint32_t)r;
		return r;
	case FD_CALL_RECV:
		if (s->ch < 0)
			return -EBADF;
		return p->recv(s->inst, s->ch, s->rbuf, arg, 0);
	case FD_CALL_SHUT_WR:
	case FD_CALL_SHUT_RDWR:
		if (s->ch < 0)
			return -EBADF;
		if (c == FD_CALL_SHUT_RDWR)
			s->rd_shut = s->shut_rd = true;
		return p->shutdown(s->inst, s->ch,
		                   c == FD_CALL_SHUT_WR ? SHUT_WR : SHUT_RDWR);
	case FD_CALL_ABORT:
		if (s->ch < 0)
			return -EBADF;
		r = p->setsockopt(s->inst, s->ch, SOL_SOCKET, SO_LINGER, &lg,
		                  sizeof(lg));
		if (r < 0)
			return r;
		/* fall through */
	case FD_CALL_CLOSE:
		if (s->ch < 0)
			return -EBADF;
		s->rd_shut = true;
		r = p->close(s->inst, s->ch);
		s->ch = -1;
		return r;
	case FD_CALL_CLOSE_LISTENER:
		if (s->lh < 0)
			return -EBADF;
		r = p->close(s->inst, s->lh);
		s->lh = -1;
		return r;
	case FD_CALL_NODELAY:
		if (s->ch < 0)
			return -EBADF;
		v = (int)(arg & 1);
		r = p->setsockopt(s->inst, s->ch, IPPROTO_TCP, TCP_NODELAY, &v,
		                  sizeof(v));
		if (r == 0)
			s->nodelay = v != 0;
		return r;
	case FD_CALL_KEEPALIVE:
		if (s->ch < 0)
			return -EBADF;
		v = (int)(arg & 1);
		return p->setsockopt(s->inst, s->ch, SOL_SOCKET, SO_KEEPALIVE,
		                     &v, sizeof(v));
	case FD_CALL_POLL:
		if (s->ch < 0)
			return -EBADF;
		return p->poll(s->inst, s->ch, POLLIN | POLLOUT);
	default:
		return -EINVAL;
	}
}

static const uint32_t recv_tab[8] = { 1,    10,   100,   536,
	                              1460, 4096, 16384, FD_RECV_MAX };
static const uint32_t send_tab[16] = { 1,    2,    10,   16,  100,  200,
	                               500,  535,  536,  537, 1000, 1459,
	                               1460, 1461, 2000, 2048 };

/* The state of the connection behind side s's connection handle. */
static const char *handle_state(const struct side *s)
{
	const char *st =
	    s->p->state && s->ch >= 0 ? s->p->state(s->inst, s->ch) : NULL;

	return st ? st : "CLOSED";
}

static void do_app(struct fd *f, struct rd *r)
{
	uint8_t a = rd8(r), b = rd8(r);
	enum fd_call c = (enum fd_call)(a % FD_CALL_COUNT);
	uint32_t arg = b, k, outst = 0;
	long ra, rb;
	const char *bb;
	char sa[48], sb[48];
	int i;

	switch (c) {
	case FD_CALL_LISTEN:
		arg = (b & 3) + 1u;
		break;
	case FD_CALL_SEND:
		/* A09: never more outstanding than any initial window. */
		for (i = 0; i < 2; i++) {
			const struct side *s = &f->s[i];
			uint32_t acked = s->isn_ok ? s->una - s->isn : 0;
			uint32_t o;

			acked = acked > 0 ? acked - 1u : 0;
			o = s->written > acked ? s->written - acked : 0;
			if (o > outst)
				outst = o;
		}
		arg = send_tab[b & 15];
		if (outst >= FD_FLIGHT_MAX)
			arg = 0;
		else if (arg > FD_FLIGHT_MAX - outst)
			arg = FD_FLIGHT_MAX - outst;
		for (k = 0; k < arg; k++)
			f->sendbuf[k] = app_byte(f->s[0].written + k);
		if (arg == 0)
			return;
		break;
	case FD_CALL_RECV:
		arg = recv_tab[b & 7];
		break;
	default:
		break;
	}
	begin(f, FD_REC_APP, (int)c, (uint8_t)c);
	bb = state_of(&f->s[1]);
	/* One connection at a time (DIFF.md, limits): a connect() beside a
	 * passive connection not yet accepted makes two, and state(-1)
	 * then names whichever each plugin saw last. */
	if (c == FD_CALL_CONNECT && f->s[0].ch < 0 &&
	    (alive(f->state_a) || alive(bb)))
		desync(f, "connect() beside a passive connection");
	dlog(f, "#%u t=%llu app %s(%u)\n", f->rec, (unsigned long long)f->now,
	     fd_call_name(c), arg);
	ra = call_one(f, 0, c, arg);
	rb = call_one(f, 1, c, arg);
	if (f->obs && f->obs->app)
		f->obs->app(f->obs->ctx, f->now, c, arg, ra, rb);
	take(f, 0, false);
	take(f, 1, false);
	dlog(f, "  = %s | %s\n", ret_str(ra, sa, sizeof(sa)),
	     ret_str(rb, sb, sizeof(sb)));
	cov_hit(f, mix(mix(0x9e3779b9u, (uint32_t)c),
	               (uint32_t)(rb < 0 ? -rb : 1000)));
	if (c == FD_CALL_ACCEPT &&
	    ((ra == -EAGAIN && rb == 0 && !alive(state_of(&f->s[1]))) ||
	     (ra == 0 && rb == 0 &&
	      alive(handle_state(&f->s[0])) !=
	          alive(handle_state(&f->s[1]))))) {
		/* A23: a connection reset before accept() may be dropped
		 * from the queue or handed out (then reporting the reset). */
		desync(f, "B's accept() returned a reset connection (A23)");
	} else if (c == FD_CALL_LISTEN && ret_class(ra) != ret_class(rb) &&
	           (alive(f->state_a) || alive(bb))) {
		/* A26: binding the port of a live connection again after its
		 * listener closed (SO_REUSEADDR) is the API's choice. */
		desync(f, "listen() beside a live connection (A26)");
	} else if (c == FD_CALL_RECV && ra <= 0 && rb > 0 &&
	           (f->s[0].rd_shut ||
	            (f->peer_rst && !alive(handle_state(&f->s[0])) &&
	             !alive(handle_state(&f->s[1]))))) {
		/* A30: text received before the peer's RST or before
		 * shutdown(SHUT_RD) may be flushed (the reference) or still
		 * delivered (lwIP). */
		desync(f, "B delivered text queued before a RST or "
		          "SHUT_RD (A30)");
	} else if (ret_class(ra) != ret_class(rb)) {
		diff(f, "app.ret", "%s|%s", sa, sb);
	} else if (ra >= 0 && (c == FD_CALL_SEND || c == FD_CALL_RECV) &&
	           ra != rb) {
		diff(f, "app.count", "%s|%s", sa, sb);
	} else if (ra > 0 && c == FD_CALL_RECV &&
	           memcmp(f->s[0].rbuf, f->s[1].rbuf, (size_t)ra) != 0) {
		diff(f, "app.data", "%08x|%08x",
		     hash_bytes(f->s[0].rbuf, (size_t)ra),
		     hash_bytes(f->s[1].rbuf, (size_t)ra));
	} else if (c == FD_CALL_POLL && ra >= 0 &&
	           (ra & (POLLIN | POLLOUT | POLLERR)) !=
	               (rb & (POLLIN | POLLOUT | POLLERR))) {
		diff(f, "app.poll", "0x%lx|0x%lx", ra, rb);
	}
	/* A05: window updates after reads are each side's choice. */
	if (f->verdict == FD_SAME)
		compare_segs(f, true);
	end(f, bb, false);
}

/* ---- Entry ------------------------------------------------------------- */

static bool make_side(struct fd *f, int i, char *why, size_t why_n)
{
	struct side *s = &f->s[i];
	const struct sd_stack_plugin *p = i ? f->cfg->b : f->cfg->a;
	struct sd_plugin_config pc;

	memset(&pc, 0, sizeof(pc));
	pc.abi = SD_PLUGIN_ABI;
	pc.stack4.family = pc.peer4.family = AF_INET;
	put32(pc.stack4.addr, FD_STACK_ADDR);
	put32(pc.peer4.addr, FD_PEER_ADDR);
	pc.stack4.port = pc.stack6.port = FD_LPORT;
	pc.peer4.port = pc.peer6.port = FD_RPORT;
	pc.stack6.family = pc.peer6.family = AF_INET6;
	pc.stack6.addr[0] = pc.peer6.addr[0] = 0x20;
	pc.stack6.addr[1] = pc.peer6.addr[1] = 0x01;
	pc.stack6.addr[2] = pc.peer6.addr[2] = 0x0d;
	pc.stack6.addr[3] = pc.peer6.addr[3] = 0xb8;
	pc.stack6.addr[15] = 1;
	pc.peer6.addr[15] = 2;
	pc.mtu = 1500;
	if (i == 0) {
		pc.profile = "default";
		pc.config = f->cfg->a_config;
		pc.config_n = f->cfg->a_config_n;
	} else {
		pc.profile = f->cfg->b_profile;
		pc.config = f->cfg->b_config;
		pc.config_n = f->cfg->b_config_n;
	}
	/* Only the fields the driver sets itself are cleared per input. */
	memset(s, 0, offsetof(struct side, out));
	s->p = p;
	s->lh = s->ch = -1;
	s->lport = FD_LPORT;
	if (p->create(&s->inst, &pc, why, why_n) != 0) {
		s->inst = NULL;
		return false;
	}
	return true;
}

enum fd_verdict fd_run(const struct fd_cfg *cfg, const uint8_t *data,
                       size_t size, const struct fd_obs *obs, struct fd_diff *d)
{
	static const uint32_t isns[4] = { 0x00000000u, 0xFFFFFF00u, 0x7FFFFFF0u,
		                          0x12345678u };
	struct fd *f = &g_fd;
	struct rd r = { data, size, 0 };
	char why[200];
	uint8_t sel;
	int i;

	g_log_n = 0;
	g_log[0] = 0;
	f->cfg = cfg;
	f->obs = obs;
	f->d = d ? d : &g_diff;
	f->verdict = FD_SAME;
	f->now = 0;
	f->rec = 0;
	f->peer_fin = false;
	f->peer_wnd0 = false;
	f->peer_rst = false;
	f->syn_wnd0 = false;
	f->ooo = false;
	f->peer_wnd = 65535;
	f->wl1 = 0;
	f->chack_n = 0;
	f->chack_t0 = 0;
	if (size == 0)
		return FD_SAME;
	sel = rd8(&r);
	f->peer_isn = f->peer_nxt = isns[sel & 3];
	if (!make_side(f, 0, why, sizeof(why))) {
		snprintf(f->d->a, sizeof(f->d->a), "A: %.90s", why);
		return FD_SKIP;
	}
	if (!make_side(f, 1, why, sizeof(why))) {
		snprintf(f->d->a, sizeof(f->d->a), "B: %.90s", why);
		cfg->a->destroy(f->s[0].inst);
		return FD_SKIP;
	}
	if (obs && obs->setup)
		obs->setup(obs->ctx, f->peer_isn);
	/* After the first difference or desync nothing is compared any more;
	 * without an observer (the fuzzer) the records still run, so that
	 * a crash or assertion further on is found all the same. */
	while (r.i < r.n && f->rec < FD_MAX_RECORDS &&
	       f->now < FD_MAX_TIME_US && (f->verdict == FD_SAME || !obs)) {
		uint8_t op = rd8(&r);

		switch (op & 7) {
		case 0:
		case 1:
			do_time(f, &r, op);
			break;
		case 2:
		case 3:
		case 4:
			do_segment(f, &r);
			break;
		case 5:
		case 6:
			do_app(f, &r);
			break;
		default:
			do_ack(f, &r);
			break;
		}
		f->rec++;
	}
	for (i = 0; i < 2; i++)
		f->s[i].p->destroy(f->s[i].inst);
	return f->verdict;
}
