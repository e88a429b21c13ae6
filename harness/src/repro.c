/* SPDX-License-Identifier: MIT
 *
 * shakedown repro: turns a fuzz_conn input into a readable conformance
 * script. The input is shrunk while the same oracle still fails, replayed
 * through fuzz_conn's own driver with an observer that records every step,
 * written as a .pkt script (one connection, relative sequence numbers, the
 * driver's configuration as "// config:"), and run on the reference target
 * to check that the script fails the same way.
 */
#include "repro.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_conn.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"
#include "target_ref.h"
#include "tcpref/wire.h"

#define RP_T0_US 1000000u /* fuzz_conn's clock starts at 1 s */
#define RP_OPT_MAX 40

/* One recorded step of the driver. */
struct rp_ev {
	enum {
		RP_SEG,
		RP_ICMP,
		RP_APP,
		RP_OUT
	} kind;
	uint64_t t_us;
	struct tcp_seg seg;      /* SEG, OUT (payload pointer not kept) */
	uint8_t ecn;             /* SEG: the IP header's ECN field */
	uint8_t raw[RP_OPT_MAX]; /* the options as on the wire */
	uint8_t raw_len;
	bool have_wire;         /* raw[] holds them (else: no options) */
	struct tcp_tuple tuple; /* OUT */
	uint8_t type, code;     /* ICMP */
	bool from_peer;         /* ICMP: sent by the peer, not a router */
	uint16_t mtu;           /* ICMP */
	uint16_t qsport, qdport;
	uint32_t qseq;
	enum fc_call call; /* APP */
	int h, ret;
	uint32_t arg;
};

struct rp {
	struct rp_ev *ev;
	size_t n, cap;
	bool oom;
	uint8_t sel, ext;
	struct tcp_cfg cfg;
	uint32_t rx_bytes, tx_bytes;
	bool failed;
	char msg[512];
};

/* ---- Recording ----------------------------------------------------------- */

static struct rp_ev *rp_add(struct rp *r, int kind, uint64_t t_us)
{
	struct rp_ev *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct rp_ev *p = realloc(r->ev, cap * sizeof(*p));

		if (!p) {
			r->oom = true;
			return NULL;
		}
		r->ev = p;
		r->cap = cap;
	}
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->t_us = t_us;
	return e;
}

/* The option bytes of seg as tcp_seg_emit lays them out. */
static void wire_opts(struct rp_ev *e, const struct tcp_seg *seg,
                      const struct tcp_tuple *t)
{
	static uint8_t buf[TCP_HDR_MAX + 65536];
	struct tcp_seg s = *seg;
	size_t n, doff;

	s.payload_bytes = 0; /* only the header is wanted */
	s.payload = NULL;
	n = tcp_seg_emit(&s, &t->laddr, &t->raddr, buf, sizeof(buf));
	if (n < TCP_HDR_MIN)
		return;
	doff = (size_t)(buf[12] >> 4) * 4u;
	if (doff < TCP_HDR_MIN || doff > n)
		return;
	e->raw_len = (uint8_t)(doff - TCP_HDR_MIN);
	memcpy(e->raw, buf + TCP_HDR_MIN, e->raw_len);
	e->have_wire = true;
}

static void ob_setup(void *ctx, uint8_t sel, uint8_t ext,
                     const struct tcp_cfg *cfg, uint32_t rx_bytes,
                     uint32_t tx_bytes)
{
	struct rp *r = ctx;

	r->sel = sel;
	r->ext = ext;
	r->cfg = *cfg;
	r->rx_bytes = rx_bytes;
	r->tx_bytes = tx_bytes;
}

static void ob_time(void *ctx, uint64_t now_us)
{
	(void)ctx;
	(void)now_us;
}

static void ob_seg(void *ctx, uint64_t now_us, const struct tcp_seg *seg,
                   const uint8_t *pkt, size_t len)
{
	struct rp *r = ctx;
	struct rp_ev *e = rp_add(r, RP_SEG, now_us);
	size_t hl;

	if (!e)
		return;
	e->seg = *seg;
	e->seg.payload = NULL;
	hl = len > 0 && (pkt[0] >> 4) == 6 ? TCP_IP6_HDR : TCP_IP4_HDR_MIN;
	if (len > 1) /* the ECN field: low bits of the TOS / Traffic Class */
		e->ecn = hl == TCP_IP6_HDR ? (pkt[1] >> 4) & 3 : pkt[1] & 3;
	if (len >= hl + TCP_HDR_MIN) {
		size_t doff = (size_t)(pkt[hl + 12] >> 4) * 4u;

		if (doff >= TCP_HDR_MIN && hl + doff <= len) {
			e->raw_len = (uint8_t)(doff - TCP_HDR_MIN);
			memcpy(e->raw, pkt + hl + TCP_HDR_MIN, e->raw_len);
			e->have_wire = true;
		}
	}
	e->seg.opts.raw = NULL;
}

static void ob_icmp(void *ctx, uint64_t now_us, uint8_t type, uint8_t code,
                    const uint8_t *pkt, size_t len)
{
	struct rp *r = ctx;
	struct rp_ev *e = rp_add(r, RP_ICMP, now_us);
	const uint8_t *q;

	if (!e)
		return;
	e->type = type;
	e->code = code;
	/* IP + ICMP (8) + the quoted IP header + 8 bytes of TCP. */
	if (len > 0 && (pkt[0] >> 4) == 6) {
		if (len < 40 + 8 + 40 + 8)
			return;
		e->from_peer = pkt[23] == 2; /* fd00::2: the peer */
		e->mtu = (uint16_t)tcp_wire_rd32(pkt + 40 + 4);
		q = pkt + 40 + 8 + 40;
	} else {
		if (len < 20 + 8 + 20 + 8)
			return;
		e->from_peer = pkt[15] == 2; /* 10.0.0.2: the peer */
		e->mtu = tcp_wire_rd16(pkt + 20 + 6);
		q = pkt + 20 + 8 + 20;
	}
	e->qsport = tcp_wire_rd16(q);
	e->qdport = tcp_wire_rd16(q + 2);
	e->qseq = tcp_wire_rd32(q + 4);
}

static void ob_app(void *ctx, uint64_t now_us, enum fc_call call, int h,
                   uint32_t arg, int ret)
{
	struct rp *r = ctx;
	struct rp_ev *e = rp_add(r, RP_APP, now_us);

	if (!e)
		return;
	e->call = call;
	e->h = h;
	e->arg = arg;
	e->ret = ret;
}

static void ob_out(void *ctx, uint64_t now_us, const struct tcp_out_seg *os)
{
	struct rp *r = ctx;
	struct rp_ev *e = rp_add(r, RP_OUT, now_us);

	if (!e)
		return;
	e->seg = os->seg;
	e->seg.payload = NULL;
	e->tuple = os->tuple;
	wire_opts(e, &os->seg, &os->tuple);
	e->seg.opts.raw = NULL;
}

static void ob_fail(void *ctx, const char *msg)
{
	struct rp *r = ctx;

	r->failed = true;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

static void rp_reset(struct rp *r)
{
	r->n = 0;
	r->oom = false;
	r->failed = false;
	r->msg[0] = '\0';
}

static int rp_record(struct rp *r, const uint8_t *data, size_t size)
{
	struct fc_obs o = { r,      ob_setup, ob_time, ob_seg, ob_icmp,
		            ob_app, ob_out,   ob_fail, NULL };

	rp_reset(r);
	return fc_run(data, size, &o);
}

/* ---- Shrinking ----------------------------------------------------------- */

/* A failure's kind: its message without the numbers in it. */
static void failure_kind(const char *msg, char *out, size_t n)
{
	size_t j = 0;

	for (; *msg && j + 1 < n; msg++)
		if (!isdigit((unsigned char)*msg))
			out[j++] = *msg;
	out[j] = '\0';
}

static bool same_failure(struct rp *r, const uint8_t *d, size_t n,
                         const char *kind)
{
	char k[sizeof(r->msg)];

	if (rp_record(r, d, n) == 0)
		return false;
	failure_kind(r->msg, k, sizeof(k));
	return strcmp(k, kind) == 0;
}

/*
 * Removes chunks of bytes (halves down to single bytes) while the input
 * still fails with the same kind of message; then lowers bytes towards 0.
 * Returns the new size (the input shrinks in place).
 */
static size_t shrink(struct rp *r, uint8_t *d, size_t n, const char *kind,
                     unsigned *tries)
{
	uint8_t *tmp = malloc(n ? n : 1);
	size_t chunk, i;
	bool progress = true;

	if (!tmp)
		return n;
	while (progress && *tries < 200000) {
		progress = false;
		/* Halves down to 16 bytes, then every size from 15 to 1 (a
		 * record is 2 to 12 bytes: removing one whole keeps the
		 * records after it aligned). */
		for (chunk = n / 2; chunk >= 1;
		     chunk = chunk > 16 ? chunk / 2 : chunk - 1) {
			for (i = 1; i + chunk <= n && *tries < 200000;) {
				memcpy(tmp, d, i);
				memcpy(tmp + i, d + i + chunk, n - i - chunk);
				++*tries;
				if (same_failure(r, tmp, n - chunk, kind)) {
					memcpy(d, tmp, n - chunk);
					n -= chunk;
					progress = true;
				} else {
					i++;
				}
			}
		}
	}
	for (i = 1; i < n && *tries < 200000; i++) {
		uint8_t keep = d[i];

		if (keep == 0)
			continue;
		d[i] = 0;
		++*tries;
		if (!same_failure(r, d, n, kind))
			d[i] = keep;
	}
	free(tmp);
	return n;
}

/* ---- Writing the script -------------------------------------------------- */

struct wr {
	char *buf;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void wr(struct wr *w,
                                                     const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		size_t room = w->cap - w->len;

		va_start(ap, fmt);
		k = vsnprintf(w->buf ? w->buf + w->len : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0) {
			w->oom = true;
			return;
		}
		if ((size_t)k < room) {
			w->len += (size_t)k;
			return;
		}
		{
			size_t cap = (w->cap + (size_t)k + 1) * 2;
			char *p = realloc(w->buf, cap);

			if (!p) {
				w->oom = true;
				return;
			}
			w->buf = p;
			w->cap = cap;
		}
	}
}

static void wr_flags(struct wr *w, uint16_t f)
{
	char s[12];
	size_t j = 0;

	if (f & TCP_FLAG_SYN)
		s[j++] = 'S';
	if (f & TCP_FLAG_FIN)
		s[j++] = 'F';
	if (f & TCP_FLAG_RST)
		s[j++] = 'R';
	if (f & TCP_FLAG_PSH)
		s[j++] = 'P';
	if (f & TCP_FLAG_URG)
		s[j++] = 'U';
	if (f & TCP_FLAG_ECE)
		s[j++] = 'E';
	if (f & TCP_FLAG_CWR)
		s[j++] = 'W';
	if (f & TCP_FLAG_ACK)
		s[j++] = '.';
	s[j] = '\0';
	wr(w, "%s", j ? s : "-");
}

static void wr_time(struct wr *w, uint64_t t_us)
{
	uint64_t t = t_us > RP_T0_US ? t_us - RP_T0_US : 0;

	wr(w, "%" PRIu64 ".%06" PRIu64, t / 1000000u, t % 1000000u);
}

/* What the conversion knows about the one connection. */
struct conv {
	uint16_t lport, rport; /* fuzz_conn's ports of the connection */
	bool have_pair;
	uint32_t peer_base; /* the script side's sequence 0 */
	bool have_peer_base;
	uint32_t stack_isn; /* the stack's ISN once it sent a SYN */
	bool have_stack_isn;
	int fd_of[8];     /* fuzz slot -> descriptor, or -1 */
	bool fd_used[16]; /* descriptors 3.. in use */
	int listen_fd;
	bool connected;   /* a connect() was written */
	bool any_connect; /* the input connects (anywhere in it) */
	bool have_main_lport;
	uint16_t main_lport; /* fuzz_conn's local port of the connection */
	uint16_t alt_port;   /* the port of the next idle listener */
	bool v6;
	unsigned lines; /* events written */
	char why[200];  /* set when the input cannot be written */
};

static int fd_alloc(struct conv *c)
{
	int i;

	for (i = 0; i < 16; i++)
		if (!c->fd_used[i]) {
			c->fd_used[i] = true;
			return REF_FD_BASE + i;
		}
	return -1;
}

static void fd_free(struct conv *c, int fd)
{
	if (fd >= REF_FD_BASE && fd < REF_FD_BASE + 16)
		c->fd_used[fd - REF_FD_BASE] = false;
}

/* Checks that (lport, rport) is the one connection's pair. */
static bool pair_ok(struct conv *c, uint16_t lport, uint16_t rport)
{
	if (!c->have_pair) {
		c->have_pair = true;
		c->lport = lport;
		c->rport = rport;
		return true;
	}
	if (c->lport == lport && c->rport == rport)
		return true;
	snprintf(c->why, sizeof(c->why),
	         "the input uses more than one connection (ports %u:%u and "
	         "%u:%u); scripts drive one",
	         c->lport, c->rport, lport, rport);
	return false;
}

/*
 * The options from their wire bytes, in order, NOP and EOL included (an
 * outbound list must match kind for kind). Bytes the list syntax cannot
 * say (unknown kinds, bad lengths) make the whole list a "// shakedown:
 * opts=" word instead: returns false then.
 */
static bool wr_opts(struct wr *w, struct conv *c, const struct rp_ev *e,
                    bool inbound)
{
	const uint8_t *p = e->raw;
	size_t n = e->raw_len, i = 0, j;
	struct wr tmp = { 0 };
	bool ok = true, first = true;

	if (!e->have_wire || n == 0)
		return true;
	while (i < n && ok) {
		uint8_t kind = p[i], len;

		wr(&tmp, "%s", first ? " <" : ",");
		first = false;
		if (kind == 0 || kind == 1) {
			wr(&tmp, "%s", kind ? "nop" : "eol");
			i++;
			continue;
		}
		if (i + 1 >= n || p[i + 1] < 2 || i + p[i + 1] > n) {
			ok = false;
			break;
		}
		len = p[i + 1];
		if (kind == 2 && len == 4) {
			wr(&tmp, "mss %u", tcp_wire_rd16(p + i + 2));
		} else if (kind == 3 && len == 3) {
			wr(&tmp, "wscale %u", p[i + 2]);
		} else if (kind == 4 && len == 2) {
			wr(&tmp, "sackOK");
		} else if (kind == 8 && len == 10) {
			wr(&tmp, "TS val %u ecr %u", tcp_wire_rd32(p + i + 2),
			   tcp_wire_rd32(p + i + 6));
		} else if (kind == 5 && len >= 10 && (len - 2) % 8 == 0) {
			uint32_t base = inbound ? c->stack_isn : c->peer_base;

			wr(&tmp, "sack");
			for (j = i + 2; j + 8 <= (size_t)i + len; j += 8)
				wr(&tmp, " %u:%u", tcp_wire_rd32(p + j) - base,
				   tcp_wire_rd32(p + j + 4) - base);
		} else {
			ok = false;
		}
		i += len;
	}
	if (ok && !tmp.oom) {
		wr(w, "%.*s>", (int)tmp.len, tmp.buf);
	} else if (inbound) {
		wr(w, "  // shakedown: opts=");
		for (i = 0; i < n; i++)
			wr(w, "%02x", p[i]);
	} else {
		wr(w, " <...>");
	}
	free(tmp.buf);
	return ok;
}

static const char *errname(int tcp_err)
{
	const char *n = strerrorname_np(target_ref__errno(tcp_err));

	return n ? n : "EINVAL";
}

static void wr_ret(struct wr *w, int ret)
{
	if (ret >= 0)
		wr(w, " = %d\n", ret);
	else
		wr(w, " = -1 %s\n", errname(ret));
}

static bool conv_seg(struct wr *w, struct conv *c, const struct rp_ev *e)
{
	const struct tcp_seg *s = &e->seg;
	uint32_t len = s->payload_bytes, seq;
	static const char *const ecn[4] = { "", "[ect1] ", "[ect0] ", "[ce] " };

	if (!pair_ok(c, s->dport, s->sport))
		return false;
	if (!c->have_peer_base) {
		c->peer_base =
		    (s->flags & TCP_FLAG_SYN) ? s->seq.v : s->seq.v - 1u;
		c->have_peer_base = true;
	}
	seq = s->seq.v - c->peer_base;
	if (s->flags & TCP_FLAG_AE)
		wr(w, "// (the input also set the AE bit, which scripts cannot "
		      "write)\n");
	wr_time(w, e->t_us);
	if ((s->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST |
	                 TCP_FLAG_PSH | TCP_FLAG_URG | TCP_FLAG_ECE |
	                 TCP_FLAG_CWR | TCP_FLAG_ACK)) == 0) {
		snprintf(
		    c->why, sizeof(c->why),
		    "a segment without flags (scripts write at least one)");
		return false;
	}
	wr(w, " < %s", ecn[e->ecn & 3]);
	wr_flags(w, s->flags);
	wr(w, " %u:%u(%u)", seq, seq + len, len);
	if (s->flags & TCP_FLAG_ACK)
		wr(w, " ack %u",
		   s->ack.v - (c->have_stack_isn ? c->stack_isn : 0));
	wr(w, " win %u", s->wnd);
	if (s->flags & TCP_FLAG_URG)
		wr(w, " urg %u", s->urp);
	(void)wr_opts(w, c, e, true);
	wr(w, "\n");
	return true;
}

static bool conv_out(struct wr *w, struct conv *c, const struct rp_ev *e)
{
	const struct tcp_seg *s = &e->seg;
	uint32_t len = s->payload_bytes, seq;

	if (!pair_ok(c, e->tuple.lport, e->tuple.rport))
		return false;
	if ((s->flags & TCP_FLAG_SYN) &&
	    (!c->have_stack_isn || s->seq.v != c->stack_isn)) {
		c->stack_isn = s->seq.v;
		c->have_stack_isn = true;
	}
	seq = s->seq.v - (c->have_stack_isn ? c->stack_isn : 0);
	wr_time(w, e->t_us);
	wr(w, " > ");
	wr_flags(w, s->flags);
	wr(w, " %u:%u(%u)", seq, seq + len, len);
	if (s->flags & TCP_FLAG_ACK)
		wr(w, " ack %u", s->ack.v - c->peer_base);
	wr(w, " win %u", s->wnd);
	if (s->flags & TCP_FLAG_URG)
		wr(w, " urg %u", s->urp);
	(void)wr_opts(w, c, e, false);
	wr(w, "\n");
	return true;
}

static bool conv_icmp(struct wr *w, struct conv *c, const struct rp_ev *e,
                      bool v6)
{
	uint32_t q;

	if (!pair_ok(c, e->qsport, e->qdport))
		return false;
	q = e->qseq - (c->have_stack_isn ? c->stack_isn : 0);
	wr_time(w, e->t_us);
	wr(w, " < icmp %u %u", e->type, e->code);
	if ((!v6 && e->type == 3 && e->code == 4) || (v6 && e->type == 2))
		wr(w, " mtu %u", e->mtu);
	wr(w, " [%u:%u(0)]", q, q);
	if (!e->from_peer)
		wr(w, "  // shakedown: src=%s",
		   v6 ? "2001:db8:1::1" : "198.51.100.1");
	wr(w, "\n");
	return true;
}

static bool conv_app(struct wr *w, struct conv *c, const struct rp_ev *e)
{
	int fd = e->h >= 0 && e->h < 8 ? c->fd_of[e->h] : -1;

	switch (e->call) {
	case FC_CALL_LISTEN:
		if (e->ret < 0)
			return true; /* changed nothing */
		if (e->ret < 8 && c->fd_of[e->ret] >= 0) {
			/* LISTEN again on a listener: a new backlog. */
			wr_time(w, e->t_us);
			wr(w, " listen(%d, %u) = 0\n", c->fd_of[e->ret],
			   (e->arg >> 2) & 3u);
			return true;
		}
		fd = fd_alloc(c);
		c->fd_of[e->ret] = fd;
		wr_time(w, e->t_us);
		wr(w, " socket(..., SOCK_STREAM, IPPROTO_TCP) = %d\n", fd);
		wr(w, "+0 fcntl(%d, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n", fd);
		if (c->listen_fd < 0 && !c->any_connect &&
		    (!c->have_main_lport ||
		     c->main_lport == FC_LPORT0 + (e->arg & 1u))) {
			/* The listener of the script's connection: the
			 * stack's port. */
			c->listen_fd = fd;
			wr(w, "+0 bind(%d, ..., ...) = 0\n", fd);
		} else {
			/* A listener no segment of the script reaches. */
			wr(w,
			   "+0 bind(%d, {sa_family=%s, %s=htons(%u)}, ...) = "
			   "0\n",
			   fd, c->v6 ? "AF_INET6" : "AF_INET",
			   c->v6 ? "sin6_port" : "sin_port", c->alt_port++);
		}
		wr(w, "+0 listen(%d, %u) = 0\n", fd, (e->arg >> 2) & 3u);
		return true;
	case FC_CALL_CONNECT:
		if (e->ret < 0)
			return true;
		if (c->connected) {
			snprintf(c->why, sizeof(c->why),
			         "the input connects twice");
			return false;
		}
		c->connected = true;
		fd = fd_alloc(c);
		c->fd_of[e->ret] = fd;
		wr_time(w, e->t_us);
		wr(w, " socket(..., SOCK_STREAM, IPPROTO_TCP) = %d\n", fd);
		wr(w, "+0 fcntl(%d, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n", fd);
		wr(w, "+0 connect(%d, ..., ...) = -1 EINPROGRESS\n", fd);
		return true;
	case FC_CALL_ACCEPT:
		if (fd < 0 || fd != c->listen_fd)
			return true;
		wr_time(w, e->t_us);
		if (e->ret >= 0) {
			int nfd = fd_alloc(c);

			c->fd_of[e->ret] = nfd;
			wr(w, " accept(%d, ..., ...) = %d\n", fd, nfd);
		} else {
			wr(w, " accept(%d, ..., ...) = -1 EAGAIN\n", fd);
		}
		return true;
	default:
		break;
	}
	if (fd < 0)
		return true; /* a slot the application does not hold */
	wr_time(w, e->t_us);
	switch (e->call) {
	case FC_CALL_SEND:
		wr(w, " write(%d, ..., %u)", fd, e->arg);
		wr_ret(w, e->ret);
		break;
	case FC_CALL_SEND_URGENT:
		wr(w, " send(%d, ..., %u, MSG_OOB)", fd, e->arg);
		wr_ret(w, e->ret);
		break;
	case FC_CALL_RECV:
		wr(w, " read(%d, ..., %u)", fd, e->arg);
		wr_ret(w, e->ret);
		break;
	case FC_CALL_SHUTDOWN:
		wr(w, " shutdown(%d, SHUT_WR)", fd);
		wr_ret(w, e->ret < 0 ? e->ret : 0);
		break;
	case FC_CALL_CLOSE:
	case FC_CALL_ABORT:
		if (e->call == FC_CALL_ABORT)
			wr(w,
			   " setsockopt(%d, SOL_SOCKET, SO_LINGER, "
			   "{l_onoff=1, l_linger=0}, 8) = 0\n+0",
			   fd);
		wr(w, " close(%d) = 0\n", fd);
		fd_free(c, fd);
		if (fd == c->listen_fd)
			c->listen_fd = -1;
		c->fd_of[e->h] = -1;
		break;
	case FC_CALL_SOCKOPT:
		wr(w,
		   " setsockopt(%d, IPPROTO_TCP, TCP_NODELAY, [%u], 4) = 0\n",
		   fd, e->arg & 1u);
		wr(w,
		   "+0 setsockopt(%d, SOL_SOCKET, SO_KEEPALIVE, [%u], 4) = 0\n",
		   fd, (e->arg >> 1) & 1u);
		if (e->arg & 4)
			wr(w,
			   "+0 setsockopt(%d, IPPROTO_TCP, TCP_USER_TIMEOUT, "
			   "[%u], 4) = 0\n",
			   fd, (e->arg >> 3) * 10000u);
		break;
	default:
		break;
	}
	return true;
}

/* The driver's configuration as "// config:" words. */
static void wr_config(struct wr *w, const struct rp *r)
{
	static const char *const prof[3] = { "default", "rfc5961", "legacy" };
	const struct tcp_cfg *c = &r->cfg;
	int p = !c->rfc5961 ? 2 : 0;

	wr(w, "// config: profile=%s timestamps=%d sack=%d wscale=%d", prof[p],
	   c->timestamps, c->sack, c->wscale);
	wr(w, " rcvbuf=%u sndbuf=%u mss=%u\n", r->rx_bytes, r->tx_bytes,
	   c->mss);
	wr(w,
	   "// config: ecn=%d rfc1337=%d delayed_ack=%d nagle=%d msl_ms=%" PRIu64
	   "\n",
	   c->ecn, c->rfc1337, c->delayed_ack, c->nagle, c->msl_us / 1000u);
	wr(w,
	   "// config: keepalive_idle_ms=%" PRIu64
	   " keepalive_intvl_ms=%" PRIu64
	   " keepalive_probes=%u user_timeout_ms=%" PRIu64 " keepalive=%d\n",
	   c->keepalive_idle_us / 1000u, c->keepalive_intvl_us / 1000u,
	   c->keepalive_probes, c->user_timeout_us / 1000u, c->keepalive);
}

static int convert(const struct rp *r, const char *from, size_t size,
                   struct wr *w, char *why, size_t whyn)
{
	struct conv c;
	size_t i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 8; i++)
		c.fd_of[i] = -1;
	c.listen_fd = -1;
	c.v6 = (r->ext & FC_EXT_IPV6) != 0;
	c.alt_port = 8081;
	for (i = 0; i < r->n; i++) {
		const struct rp_ev *e = &r->ev[i];

		if (e->kind == RP_APP && e->call == FC_CALL_CONNECT &&
		    e->ret >= 0)
			c.any_connect = true;
		if (!c.have_main_lport &&
		    (e->kind == RP_SEG || e->kind == RP_OUT)) {
			c.have_main_lport = true;
			c.main_lport =
			    e->kind == RP_SEG ? e->seg.dport : e->tuple.lport;
		}
	}
	wr(w,
	   "// Reproducer written by 'shakedown repro' from %s (%zu bytes "
	   "of fuzz_conn input).\n",
	   from, size);
	if (r->failed)
		wr(w,
		   "// The reference failed an oracle at the last step below:\n"
		   "//   %s\n"
		   "// Run it with: shakedown run FILE. To keep it as a "
		   "regression vector,\n"
		   "// fix the stack, then write the segments the RFC asks "
		   "for after that step\n"
		   "// (the lines after it show what the broken stack sent).\n",
		   r->msg);
	else
		wr(w, "// No oracle failed: this is the input's run as a "
		      "script.\n");
	if (r->ext & FC_EXT_SMALL_OUT) {
		snprintf(why, whyn,
		         "the input gives the stack an output array of two "
		         "segments, which scripts cannot set");
		return -1;
	}
	wr(w, "// tags: fuzz\n");
	if (r->ext & FC_EXT_IPV6)
		wr(w, "// ip: ipv6\n");
	wr_config(w, r);
	for (i = 0; i < r->n && !c.why[0]; i++) {
		const struct rp_ev *e = &r->ev[i];
		size_t before = w->len;
		bool ok = true;

		switch (e->kind) {
		case RP_SEG:
			ok = conv_seg(w, &c, e);
			break;
		case RP_OUT:
			ok = conv_out(w, &c, e);
			break;
		case RP_ICMP:
			ok = conv_icmp(w, &c, e, (r->ext & FC_EXT_IPV6) != 0);
			break;
		case RP_APP:
			ok = conv_app(w, &c, e);
			break;
		}
		if (!ok)
			break;
		if (e->kind != RP_OUT && w->len > before)
			c.lines++;
	}
	if (!c.why[0] && c.lines == 0)
		snprintf(c.why, sizeof(c.why),
		         "nothing in the input reaches the stack as a script "
		         "could say it");
	if (c.why[0]) {
		snprintf(why, whyn, "%s", c.why);
		return -1;
	}
	return w->oom ? -1 : 0;
}

/*
 * Runs the script text on the reference target. Returns 1 when it fails
 * with the oracle's message (want_fail) or passes (!want_fail), else 0;
 * *how says what happened.
 */
static int verify(const char *path, const char *text, size_t len,
                  bool want_fail, char *how, size_t n)
{
	struct script s;
	struct diag d;
	struct run_opts o;
	struct run_result res;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	diag_clear(&d);
	if (script_parse(&s, path, text, len, &d) != 0) {
		snprintf(how, n, "the script does not parse: %d:%d: %s", d.line,
		         d.col, d.msg);
		return 0;
	}
	o.target = &target_ref_ops;
	o.topts.profile = "default";
	if (run_script(&s, &o, &res) != 0) {
		snprintf(how, n, "the run did not start: %s", res.diag.msg);
	} else if (res.outcome == RUN_FAIL &&
	           strstr(res.diag.msg, "reference invariant violated")) {
		snprintf(how, n, "line %d: %s", res.diag.line, res.diag.msg);
		rc = want_fail;
	} else if (res.outcome == RUN_FAIL) {
		snprintf(how, n, "it fails at line %d: %s", res.diag.line,
		         res.diag.msg);
	} else if (res.outcome == RUN_PASS) {
		snprintf(how, n, "it passes");
		rc = !want_fail;
	} else {
		snprintf(how, n, "skipped: %s", res.skip_reason);
	}
	run_result_free(&res);
	script_free(&s);
	return rc;
}

int repro_main(const char *in_path, const char *out_path, bool do_shrink,
               FILE *log)
{
	FILE *f = fopen(in_path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;
	struct rp r;
	struct wr w = { 0 };
	char kind[512], why[320], how[700];
	unsigned tries = 0;
	int rc = 1;
	FILE *out;

	memset(&r, 0, sizeof(r));
	if (!f) {
		fprintf(log, "shakedown repro: %s: %s\n", in_path,
		        strerror(errno));
		return 2;
	}
	for (;;) {
		size_t k;

		if (size == cap) {
			uint8_t *p;

			cap = cap ? cap * 2 : 4096;
			p = realloc(data, cap);
			if (!p)
				break;
			data = p;
		}
		k = fread(data + size, 1, cap - size, f);
		size += k;
		if (k == 0)
			break;
	}
	fclose(f);
	if (!data || size == 0) {
		fprintf(log, "shakedown repro: %s: empty input\n", in_path);
		free(data);
		return 2;
	}
	if (rp_record(&r, data, size) != 0) {
		fprintf(log, "shakedown repro: %s fails: %s\n", in_path, r.msg);
		if (do_shrink) {
			size_t n0 = size;

			failure_kind(r.msg, kind, sizeof(kind));
			size = shrink(&r, data, size, kind, &tries);
			fprintf(log,
			        "shakedown repro: shrunk from %zu to %zu "
			        "bytes (%u runs)\n",
			        n0, size, tries);
			(void)rp_record(&r, data, size);
		}
	} else {
		fprintf(log,
		        "shakedown repro: %s: no oracle fails; writing its "
		        "run as a script\n",
		        in_path);
	}
	if (r.oom || convert(&r, in_path, size, &w, why, sizeof(why)) != 0) {
		fprintf(log,
		        "shakedown repro: cannot write it as a script: %s\n",
		        r.oom ? "out of memory" : why);
		goto done;
	}
	out = out_path ? fopen(out_path, "w") : stdout;
	if (!out || fwrite(w.buf, 1, w.len, out) != w.len) {
		fprintf(log, "shakedown repro: %s: %s\n",
		        out_path ? out_path : "stdout", strerror(errno));
		if (out && out != stdout)
			fclose(out);
		rc = 2;
		goto done;
	}
	if (out != stdout)
		fclose(out);
	if (verify(out_path ? out_path : "repro.pkt", w.buf, w.len, r.failed,
	           how, sizeof(how))) {
		fprintf(log, "shakedown repro: %s %s on ref: %s\n",
		        out_path ? out_path : "the script",
		        r.failed ? "reproduces the failure" : "runs the same",
		        how);
		rc = 0;
	} else {
		fprintf(log,
		        "shakedown repro: the script does NOT %s on ref: %s\n",
		        r.failed ? "reproduce the failure" : "run the same",
		        how);
	}
done:
	free(w.buf);
	free(r.ev);
	free(data);
	return rc;
}
