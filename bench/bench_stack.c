/* SPDX-License-Identifier: MIT
 *
 * Figures of the reference stack (issue 2): segment processing in a bulk
 * transfer between two connections wired back to back in memory, connection
 * churn (open, exchange, close, TIME-WAIT expiry), and the size of the
 * connection record. A benchmark, not a test: it prints figures next to their
 * aims and exits 0, unless the stack stalls or corrupts data (a stack bug).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpref/conn.h"
#include "tcpref/stack.h"

#ifndef SD_BUILD_FLAGS
#define SD_BUILD_FLAGS "?"
#endif

#define AIM_SEGS_PER_S 5e6   /* issue 2: >= 5 million segments/s per core */
#define AIM_CONNS_PER_S 5e5  /* issue 2: >= 500,000 connections/s per core */
#define AIM_CONN_BYTES 1024u /* issue 2: <= 1 KiB without buffers */

#define BULK_BUF_BYTES (256u * 1024) /* rx and tx of each bulk end */
#define CHURN_BUF_BYTES (16u * 1024) /* rx and tx of each churn end */
#define OUT_SEGS 512u                /* tcp_out capacity of each end */
#define OUT_SEG_BYTES 1500u          /* payload room per output entry */
#define PAT_PERIOD 251u              /* stream byte x is x % 251 */
#define CHURN_MSG_BYTES 100u         /* one exchange each way per conn */
#define STACK_SLOTS 8u               /* slots of each tcp_stack */
#define VERIFY_BYTES (32u << 20)     /* content-checked transfer */
#define CALIBRATE_BYTES (512u << 20) /* sizes the timed bulk runs */
#define MAX_REPS 15

/* ---- Clocks and small helpers -------------------------------------------- */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench_stack: FATAL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static void *xalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, (size_t)n * sizeof(v[0]));
	qsort(s, (size_t)n, sizeof(s[0]), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double min_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* ---- Environment ----------------------------------------------------------
 */

struct bench_ctx {
	uint64_t isn_state; /* xorshift64 state, never 0 */
};

static uint32_t bench_isn(void *ctx, const struct tcp_tuple *t, uint64_t now_us)
{
	struct bench_ctx *b = ctx;
	uint64_t x = b->isn_state;

	(void)t;
	(void)now_us;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b->isn_state = x;
	return (uint32_t)x;
}

static void bench_panic(void *ctx, const char *file, int line, const char *expr)
{
	(void)ctx;
	die("stack invariant failed at %s:%d: %s", file, line, expr);
}

/* ---- Two reference connections back to back ------------------------------ */

struct end {
	struct tcp_conn c;
	struct tcp_tuple t; /* as seen by this end: laddr = own address */
	struct tcp_out out;
	struct tcp_out_seg *segs;
	uint8_t *data;
	uint8_t *rx, *tx;
	uint32_t buf_bytes;
};

struct pair {
	struct end a, b; /* a opens actively and sends; b listens */
	struct tcp_cfg cfg;
	struct bench_ctx ctx;
	struct tcp_env env;
	uint64_t now_us;
	/* Counters of segments given to tcp_conn_input, both directions. */
	uint64_t segs_in;
	uint64_t data_segs_in;
	uint64_t payload_in; /* bytes carried, retransmissions included */
	uint64_t not_accepted;
	uint32_t drops[TCP_WHY_COUNT];
	uint64_t timer_jumps;  /* times the driver waited for a deadline */
	uint32_t loss_every;   /* drop every n-th data segment; 0 = none */
	uint64_t data_offered; /* data segments seen by deliver() */
	uint64_t lost;         /* data segments dropped on purpose */
};

static void end_alloc(struct end *e, uint32_t buf_bytes)
{
	e->buf_bytes = buf_bytes;
	e->rx = xalloc(buf_bytes);
	e->tx = xalloc(buf_bytes);
	e->segs = xalloc(OUT_SEGS * sizeof(e->segs[0]));
	e->data = xalloc((size_t)OUT_SEGS * OUT_SEG_BYTES);
}

static void end_free(struct end *e)
{
	free(e->rx);
	free(e->tx);
	free(e->segs);
	free(e->data);
}

static struct pair *pair_new(uint32_t buf_bytes)
{
	struct pair *p = xalloc(sizeof(*p));

	end_alloc(&p->a, buf_bytes);
	end_alloc(&p->b, buf_bytes);
	tcp_addr_v4(&p->a.t.laddr, 192, 0, 2, 1);
	tcp_addr_v4(&p->a.t.raddr, 192, 0, 2, 2);
	p->a.t.lport = 40000;
	p->a.t.rport = 80;
	p->b.t.laddr = p->a.t.raddr;
	p->b.t.raddr = p->a.t.laddr;
	p->b.t.lport = p->a.t.rport;
	p->b.t.rport = p->a.t.lport;
	p->ctx.isn_state = 0x9e3779b97f4a7c15ull;
	p->env.isn = bench_isn;
	p->env.panic = bench_panic;
	p->env.ctx = &p->ctx;
	p->now_us = 1000000;
	return p;
}

static void pair_free(struct pair *p)
{
	end_free(&p->a);
	end_free(&p->b);
	free(p);
}

static void pair_reset_counters(struct pair *p)
{
	p->segs_in = p->data_segs_in = p->payload_in = 0;
	p->not_accepted = p->timer_jumps = 0;
	p->data_offered = p->lost = 0;
	memset(p->drops, 0, sizeof(p->drops));
}

/* tcp_conn_init on both ends and a fresh, empty output array each. */
static void pair_init_conns(struct pair *p)
{
	struct end *e[2] = { &p->a, &p->b };

	for (int i = 0; i < 2; i++) {
		tcp_conn_init(&e[i]->c, &p->cfg, e[i]->rx, e[i]->buf_bytes,
		              e[i]->tx, e[i]->buf_bytes);
		tcp_out_init(&e[i]->out, e[i]->segs, OUT_SEGS, e[i]->data,
		             OUT_SEGS * OUT_SEG_BYTES);
	}
}

/*
 * Gives every segment in from's output to 'to', in order, then empties
 * from's output. The payload pointers point into from->data, which nothing
 * writes until the reset at the end, so no copy is needed. With loss_every
 * set, every loss_every-th data segment is lost on the way.
 */
static uint32_t deliver(struct pair *p, struct end *from, struct end *to)
{
	const struct tcp_out_seg *s = from->segs;
	uint32_t i, n = from->out.n;

	for (i = 0; i < n; i++) {
		struct tcp_verdict v;

		if (p->loss_every && s[i].seg.payload_bytes &&
		    ++p->data_offered % p->loss_every == 0) {
			p->lost++;
			continue;
		}
		v = tcp_conn_input(&to->c, &p->env, p->now_us, &to->t,
		                   &s[i].seg, &to->out);
		if (s[i].seg.payload_bytes) {
			p->data_segs_in++;
			p->payload_in += s[i].seg.payload_bytes;
		}
		if (v.disp != TCP_DISP_ACCEPT) {
			p->not_accepted++;
			p->drops[v.why]++;
		}
	}
	p->segs_in += n;
	tcp_out_reset(&from->out);
	return n;
}

/* Polls an end whose earliest deadline has come. */
static void poll_due(struct pair *p, struct end *e)
{
	if (tcp_conn_next_deadline_us(&e->c) <= p->now_us)
		tcp_conn_poll(&e->c, &p->env, p->now_us, &e->out);
}

/*
 * Moves segments both ways until both outputs stay empty and no deadline
 * is due; never advances time. Used for the handshake and the churn.
 */
static void pump(struct pair *p)
{
	for (int round = 0; round < 1000; round++) {
		uint32_t moved = deliver(p, &p->a, &p->b);

		moved += deliver(p, &p->b, &p->a);
		poll_due(p, &p->a);
		poll_due(p, &p->b);
		if (moved == 0 && p->a.out.n == 0 && p->b.out.n == 0)
			return;
	}
	die("pump: segments still moving after 1000 rounds (a %s, b %s)",
	    tcp_state_name(p->a.c.state), tcp_state_name(p->b.c.state));
}

static void pair_open(struct pair *p)
{
	struct tcp_tuple lt = p->b.t;
	int r;

	memset(&lt.raddr, 0, sizeof(lt.raddr));
	lt.rport = 0;
	r = tcp_conn_open_passive(&p->b.c, &p->env, p->now_us, &lt);
	if (r != 0)
		die("open_passive: %d", r);
	r = tcp_conn_open_active(&p->a.c, &p->env, p->now_us, &p->a.t,
	                         &p->a.out);
	if (r != 0)
		die("open_active: %d", r);
	pump(p);
	if (p->a.c.state != TCP_ESTABLISHED || p->b.c.state != TCP_ESTABLISHED)
		die("handshake ended in %s / %s", tcp_state_name(p->a.c.state),
		    tcp_state_name(p->b.c.state));
}

static void dump_end(const char *name, const struct end *e, uint64_t now)
{
	const struct tcp_conn *c = &e->c;
	uint64_t d = tcp_conn_next_deadline_us(c);

	fprintf(stderr,
	        "  %s: %s fl=0x%06" PRIx32 " snd_una=%" PRIu32
	        " snd_nxt=%" PRIu32 " snd_max=%" PRIu32 " snd_wnd=%" PRIu32
	        " cwnd=%" PRIu32 " ssthresh=%" PRIu32 " tx.len=%" PRIu32
	        "\n      rcv_nxt=%" PRIu32 " rcv_adv=%" PRIu32
	        " rx.len=%" PRIu32 " reasm.n=%u rto_us=%" PRIu32
	        " dupacks=%u out.n=%" PRIu32 " overflow=%" PRIu32
	        " next_deadline=%s%" PRIu64 "\n",
	        name, tcp_state_name(c->state), c->fl, c->snd_una.v,
	        c->snd_nxt.v, c->snd_max.v, c->snd_wnd, c->cwnd, c->ssthresh,
	        c->tx.len, c->rcv_nxt.v, c->rcv_adv.v, c->rx.len,
	        (unsigned)c->reasm.n, c->rto_us, (unsigned)c->dupacks, e->out.n,
	        e->out.overflow, d == TCP_NO_DEADLINE ? "none/" : "+",
	        d == TCP_NO_DEADLINE ? 0 : d - now);
}

static void dump_drops(const struct pair *p)
{
	for (int w = 0; w < TCP_WHY_COUNT; w++)
		if (p->drops[w])
			fprintf(stderr, "  dropped %" PRIu32 " x %s (%s)\n",
			        p->drops[w], tcp_why_name((enum tcp_why)w),
			        tcp_why_ref((enum tcp_why)w));
}

/* ---- Figure 1: bulk transfer ----------------------------------------------
 */

struct bulk_result {
	double wall_s, cpu_s;
	uint64_t bytes;
	uint64_t segs_in, data_segs_in, payload_in;
	uint64_t not_accepted, timer_jumps, rounds;
	uint64_t ctl_overflow, lost;
	bool failed; /* a stack bug was reported on stderr */
};

/*
 * Sends 'total' bytes from a to b; b reads everything as soon as it
 * arrives. With 'check' every byte read is compared with the pattern.
 * Corrupted data and a transfer that stops making progress are stack bugs:
 * the run stops, reports them with a dump of both connections on stderr and
 * returns with 'failed' set.
 */
static struct bulk_result bulk_run(struct pair *p, const uint8_t *pat,
                                   uint8_t *sink, uint64_t total, bool check)
{
	struct bulk_result r;
	struct end *a = &p->a, *b = &p->b;
	uint64_t sent = 0, rcvd = 0, rounds = 0, last_rounds = 0;
	uint64_t ctl_overflow = 0;
	uint64_t progress_us = p->now_us;
	double w0, c0;

	memset(&r, 0, sizeof(r));
	pair_init_conns(p);
	pair_open(p);
	pair_reset_counters(p);
	w0 = mono_s();
	c0 = cpu_s();
	while (rcvd < total) {
		uint32_t moved;
		int n;

		rounds++;
		if (sent < total) {
			uint64_t want = total - sent;

			if (want > a->buf_bytes)
				want = a->buf_bytes;
			n = tcp_conn_send(&a->c, &p->env, p->now_us,
			                  pat + sent % PAT_PERIOD,
			                  (uint32_t)want, 0, &a->out);
			if (n < 0)
				die("bulk: send returned %s after %" PRIu64
				    " bytes",
				    tcp_err_name(n), sent);
			sent += (uint64_t)n;
		}
		moved = deliver(p, a, b);
		n = tcp_conn_recv(&b->c, &p->env, p->now_us, sink, b->buf_bytes,
		                  &b->out);
		if (n > 0) {
			for (int i = 0; check && i < n; i++) {
				uint64_t x = rcvd + (uint64_t)i;

				if (sink[i] == (uint8_t)(x % PAT_PERIOD))
					continue;
				fflush(stdout);
				fprintf(stderr,
				        "bench_stack: STACK BUG: corrupted "
				        "data: stream byte %" PRIu64
				        " (seq %" PRIu32 ") read as %u, "
				        "expected %u; %" PRIu64
				        " data segments lost so far\n",
				        x, (uint32_t)(a->c.iss.v + 1 + x),
				        sink[i], (unsigned)(x % PAT_PERIOD),
				        p->lost);
				goto fail;
			}
			rcvd += (uint64_t)n;
			progress_us = p->now_us;
			last_rounds = rounds;
		} else if (n != TCP_EWOULDBLOCK) {
			die("bulk: recv returned %s after %" PRIu64 " bytes",
			    tcp_err_name(n), rcvd);
		}
		moved += deliver(p, b, a);
		ctl_overflow += a->out.overflow + b->out.overflow;
		a->out.overflow = b->out.overflow = 0;
		/* Each round is 10 us of virtual time: RTT samples stay small.
		 */
		p->now_us += 10;
		poll_due(p, a);
		poll_due(p, b);
		if (moved == 0 && a->out.n == 0 && b->out.n == 0 &&
		    rcvd < total) {
			/* Nothing in flight: wait for the earliest deadline. */
			uint64_t da = tcp_conn_next_deadline_us(&a->c);
			uint64_t db = tcp_conn_next_deadline_us(&b->c);
			uint64_t d = da < db ? da : db;

			if (d == TCP_NO_DEADLINE) {
				fflush(stdout);
				fprintf(stderr,
				        "bench_stack: STACK BUG: "
				        "nothing in flight, no deadline\n");
				goto stall;
			}
			if (d > p->now_us)
				p->now_us = d;
			p->timer_jumps++;
			tcp_conn_poll(&a->c, &p->env, p->now_us, &a->out);
			tcp_conn_poll(&b->c, &p->env, p->now_us, &b->out);
		}
		if (p->now_us - progress_us > 60000000ull ||
		    rounds - last_rounds > 100000) {
			fflush(stdout);
			fprintf(stderr, "bench_stack: STACK BUG: no progress "
			                "for 60 s of virtual time or 100000 "
			                "rounds\n");
			goto stall;
		}
	}
	r.wall_s = mono_s() - w0;
	r.cpu_s = cpu_s() - c0;
	if (rcvd != total || sent != total)
		die("bulk: sent %" PRIu64 ", received %" PRIu64
		    ", expected %" PRIu64,
		    sent, rcvd, total);
	r.bytes = rcvd;
	r.segs_in = p->segs_in;
	r.data_segs_in = p->data_segs_in;
	r.payload_in = p->payload_in;
	r.not_accepted = p->not_accepted;
	r.timer_jumps = p->timer_jumps;
	r.rounds = rounds;
	r.ctl_overflow = ctl_overflow;
	r.lost = p->lost;
	return r;

stall:
	fprintf(stderr,
	        "bench_stack: STALL: bulk transfer stopped at %" PRIu64
	        " of %" PRIu64 " bytes received (%" PRIu64
	        " sent), round %" PRIu64 ", virtual time %" PRIu64
	        " us (last progress at %" PRIu64 " us)\n",
	        rcvd, total, sent, rounds, p->now_us, progress_us);
fail:
	dump_end("a (sender)", a, p->now_us);
	dump_end("b (receiver)", b, p->now_us);
	dump_drops(p);
	r.failed = true;
	return r;
}

/* ---- Figure 2: connection churn -------------------------------------------
 */

static void expect_state(const struct end *e, const char *who, enum tcp_state s,
                         const char *when, uint64_t i)
{
	if (e->c.state != s)
		die("churn conn %" PRIu64 ": %s is %s after %s, expected %s", i,
		    who, tcp_state_name(e->c.state), when, tcp_state_name(s));
}

static void expect_recv(struct pair *p, struct end *e, const char *who,
                        int want, uint64_t i)
{
	uint8_t buf[CHURN_MSG_BYTES + 1];
	int n =
	    tcp_conn_recv(&e->c, &p->env, p->now_us, buf, sizeof(buf), &e->out);

	if (n != want)
		die("churn conn %" PRIu64 ": %s read %d bytes, expected %d", i,
		    who, n, want);
}

/*
 * One full connection between two tcp_conn records: active open on a,
 * passive on b, 100 bytes each way, close from a, close from b, 2*MSL.
 */
static void churn_one(struct pair *p, const uint8_t *msg, uint64_t i)
{
	struct end *a = &p->a, *b = &p->b;
	int n;

	pair_init_conns(p);
	pair_open(p);
	n = tcp_conn_send(&a->c, &p->env, p->now_us, msg, CHURN_MSG_BYTES, 0,
	                  &a->out);
	if (n != (int)CHURN_MSG_BYTES)
		die("churn conn %" PRIu64 ": a send returned %d", i, n);
	n = tcp_conn_send(&b->c, &p->env, p->now_us, msg, CHURN_MSG_BYTES, 0,
	                  &b->out);
	if (n != (int)CHURN_MSG_BYTES)
		die("churn conn %" PRIu64 ": b send returned %d", i, n);
	pump(p);
	expect_recv(p, a, "a", CHURN_MSG_BYTES, i);
	expect_recv(p, b, "b", CHURN_MSG_BYTES, i);
	tcp_conn_close(&a->c, &p->env, p->now_us, TCP_CLOSE_SEND, &a->out);
	pump(p);
	expect_state(b, "b", TCP_CLOSE_WAIT, "a's close", i);
	expect_recv(p, b, "b", 0, i); /* end of stream */
	tcp_conn_close(&b->c, &p->env, p->now_us, TCP_CLOSE_SEND, &b->out);
	pump(p);
	expect_state(a, "a", TCP_TIME_WAIT, "b's close", i);
	expect_state(b, "b", TCP_CLOSED, "b's close", i);
	p->now_us += 2 * p->cfg.msl_us;
	tcp_conn_poll(&a->c, &p->env, p->now_us, &a->out);
	expect_state(a, "a", TCP_CLOSED, "2*MSL", i);
	if (a->out.n || b->out.n)
		die("churn conn %" PRIu64 ": output after CLOSED", i);
	p->now_us += 1000; /* the next connection starts a little later */
}

struct churn_result {
	double wall_s, cpu_s;
	uint64_t conns, segs_in;
};

static struct churn_result churn_run(struct pair *p, uint64_t conns)
{
	struct churn_result r;
	uint8_t msg[CHURN_MSG_BYTES];
	double w0, c0;

	memset(msg, 'x', sizeof(msg));
	pair_reset_counters(p);
	w0 = mono_s();
	c0 = cpu_s();
	for (uint64_t i = 0; i < conns; i++)
		churn_one(p, msg, i);
	r.wall_s = mono_s() - w0;
	r.cpu_s = cpu_s() - c0;
	r.conns = conns;
	r.segs_in = p->segs_in;
	if (p->not_accepted) {
		dump_drops(p);
		die("churn: %" PRIu64 " segments not accepted",
		    p->not_accepted);
	}
	return r;
}

/* ---- Figure 2b: churn through the multi-connection table ----------------- */

struct side {
	struct tcp_stack st;
	struct tcp_stack_slot *slots;
	uint8_t *bufmem;
	struct tcp_addr addr;
	struct tcp_out out;
	struct tcp_out_seg *segs;
	uint8_t *data;
};

struct spair {
	struct side a, b; /* a connects; b listens on port 80 */
	struct tcp_cfg cfg;
	struct bench_ctx ctx;
	struct tcp_env env;
	uint64_t now_us;
	uint64_t segs_in, not_accepted;
	uint32_t drops[TCP_WHY_COUNT];
	int listener;
};

static void side_init(struct spair *sp, struct side *s, uint8_t last)
{
	int r;

	s->slots = xalloc(STACK_SLOTS * sizeof(s->slots[0]));
	s->bufmem = xalloc((size_t)STACK_SLOTS * 2 * CHURN_BUF_BYTES);
	s->segs = xalloc(OUT_SEGS * sizeof(s->segs[0]));
	s->data = xalloc((size_t)OUT_SEGS * OUT_SEG_BYTES);
	tcp_out_init(&s->out, s->segs, OUT_SEGS, s->data,
	             OUT_SEGS * OUT_SEG_BYTES);
	tcp_addr_v4(&s->addr, 192, 0, 2, last);
	r = tcp_stack_init(&s->st, &sp->cfg, s->slots, STACK_SLOTS, s->bufmem,
	                   CHURN_BUF_BYTES, CHURN_BUF_BYTES);
	if (r != 0)
		die("tcp_stack_init: %s", tcp_err_name(r));
}

static void side_free(struct side *s)
{
	free(s->slots);
	free(s->bufmem);
	free(s->segs);
	free(s->data);
}

static uint32_t sdeliver(struct spair *sp, struct side *from, struct side *to)
{
	uint32_t i, n = from->out.n;

	for (i = 0; i < n; i++) {
		struct tcp_verdict v;

		v = tcp_stack_input(&to->st, &sp->env, sp->now_us, &from->addr,
		                    &to->addr, &from->segs[i].seg, &to->out);
		if (v.disp != TCP_DISP_ACCEPT) {
			sp->not_accepted++;
			sp->drops[v.why]++;
		}
	}
	sp->segs_in += n;
	tcp_out_reset(&from->out);
	return n;
}

static void spoll_due(struct spair *sp, struct side *s)
{
	if (tcp_stack_next_deadline_us(&s->st) <= sp->now_us)
		tcp_stack_poll(&s->st, &sp->env, sp->now_us, &s->out);
}

static void spump(struct spair *sp)
{
	for (int round = 0; round < 1000; round++) {
		uint32_t moved = sdeliver(sp, &sp->a, &sp->b);

		moved += sdeliver(sp, &sp->b, &sp->a);
		spoll_due(sp, &sp->a);
		spoll_due(sp, &sp->b);
		if (moved == 0 && sp->a.out.n == 0 && sp->b.out.n == 0)
			return;
	}
	die("tcp_stack churn: segments still moving after 1000 rounds");
}

static struct spair *spair_new(void)
{
	struct spair *sp = xalloc(sizeof(*sp));

	tcp_cfg_init(&sp->cfg, TCP_PROFILE_DEFAULT);
	sp->ctx.isn_state = 0x2545f4914f6cdd1dull;
	sp->env.isn = bench_isn;
	sp->env.panic = bench_panic;
	sp->env.ctx = &sp->ctx;
	sp->now_us = 1000000;
	side_init(sp, &sp->a, 1);
	side_init(sp, &sp->b, 2);
	sp->listener = tcp_stack_listen(&sp->b.st, &sp->env, sp->now_us,
	                                &sp->b.addr, 80, 16);
	if (sp->listener < 0)
		die("tcp_stack_listen: %s", tcp_err_name(sp->listener));
	return sp;
}

static void spair_free(struct spair *sp)
{
	side_free(&sp->a);
	side_free(&sp->b);
	free(sp);
}

static void sexpect_recv(struct spair *sp, struct side *s, int h,
                         const char *who, int want, uint64_t i)
{
	uint8_t buf[CHURN_MSG_BYTES + 1];
	struct tcp_conn *c = tcp_stack_conn(&s->st, h);
	int n;

	if (!c)
		die("tcp_stack churn conn %" PRIu64 ": %s handle %d is free", i,
		    who, h);
	n = tcp_conn_recv(c, &sp->env, sp->now_us, buf, sizeof(buf), &s->out);
	if (n != want)
		die("tcp_stack churn conn %" PRIu64
		    ": %s read %d bytes, expected %d",
		    i, who, n, want);
}

/*
 * The same connection life through tcp_stack on both sides: connect,
 * accept, 100 bytes each way, full close from a, then from b, 2*MSL; both
 * tables must end with only the listener in use.
 */
static void schurn_one(struct spair *sp, const uint8_t *msg, uint64_t i)
{
	struct tcp_tuple t;
	int ha, hb, n;

	memset(&t, 0, sizeof(t));
	t.laddr = sp->a.addr;
	t.raddr = sp->b.addr;
	t.lport = 40000;
	t.rport = 80;
	ha = tcp_stack_connect(&sp->a.st, &sp->env, sp->now_us, &t, &sp->a.out);
	if (ha < 0)
		die("tcp_stack churn conn %" PRIu64 ": connect: %s", i,
		    tcp_err_name(ha));
	spump(sp);
	hb = tcp_stack_accept(&sp->b.st, sp->listener);
	if (hb < 0)
		die("tcp_stack churn conn %" PRIu64 ": accept: %s", i,
		    tcp_err_name(hb));
	n = tcp_conn_send(tcp_stack_conn(&sp->a.st, ha), &sp->env, sp->now_us,
	                  msg, CHURN_MSG_BYTES, 0, &sp->a.out);
	if (n != (int)CHURN_MSG_BYTES)
		die("tcp_stack churn conn %" PRIu64 ": a send: %d", i, n);
	n = tcp_conn_send(tcp_stack_conn(&sp->b.st, hb), &sp->env, sp->now_us,
	                  msg, CHURN_MSG_BYTES, 0, &sp->b.out);
	if (n != (int)CHURN_MSG_BYTES)
		die("tcp_stack churn conn %" PRIu64 ": b send: %d", i, n);
	spump(sp);
	sexpect_recv(sp, &sp->a, ha, "a", CHURN_MSG_BYTES, i);
	sexpect_recv(sp, &sp->b, hb, "b", CHURN_MSG_BYTES, i);
	n = tcp_stack_close(&sp->a.st, &sp->env, sp->now_us, ha, TCP_CLOSE_FULL,
	                    &sp->a.out);
	if (n != 0)
		die("tcp_stack churn conn %" PRIu64 ": a close: %s", i,
		    tcp_err_name(n));
	spump(sp);
	sexpect_recv(sp, &sp->b, hb, "b", 0, i);
	n = tcp_stack_close(&sp->b.st, &sp->env, sp->now_us, hb, TCP_CLOSE_FULL,
	                    &sp->b.out);
	if (n != 0)
		die("tcp_stack churn conn %" PRIu64 ": b close: %s", i,
		    tcp_err_name(n));
	spump(sp);
	sp->now_us += 2 * sp->cfg.msl_us;
	tcp_stack_poll(&sp->a.st, &sp->env, sp->now_us, &sp->a.out);
	tcp_stack_poll(&sp->b.st, &sp->env, sp->now_us, &sp->b.out);
	if (tcp_stack_used(&sp->a.st) != 0 || tcp_stack_used(&sp->b.st) != 1)
		die("tcp_stack churn conn %" PRIu64
		    ": slots in use after 2*MSL: a %" PRIu32
		    " (want 0), b %" PRIu32 " (want 1)",
		    i, tcp_stack_used(&sp->a.st), tcp_stack_used(&sp->b.st));
	if (sp->a.out.n || sp->b.out.n)
		die("tcp_stack churn conn %" PRIu64 ": output after CLOSED", i);
	sp->now_us += 1000;
}

static struct churn_result schurn_run(struct spair *sp, uint64_t conns)
{
	struct churn_result r;
	uint8_t msg[CHURN_MSG_BYTES];
	double w0, c0;

	memset(msg, 'y', sizeof(msg));
	sp->segs_in = sp->not_accepted = 0;
	w0 = mono_s();
	c0 = cpu_s();
	for (uint64_t i = 0; i < conns; i++)
		schurn_one(sp, msg, i);
	r.wall_s = mono_s() - w0;
	r.cpu_s = cpu_s() - c0;
	r.conns = conns;
	r.segs_in = sp->segs_in;
	if (sp->not_accepted) {
		for (int w = 0; w < TCP_WHY_COUNT; w++)
			if (sp->drops[w])
				fprintf(stderr, "  dropped %" PRIu32 " x %s\n",
				        sp->drops[w],
				        tcp_why_name((enum tcp_why)w));
		die("tcp_stack churn: %" PRIu64 " segments not accepted",
		    sp->not_accepted);
	}
	return r;
}

/* ---- Reporting ------------------------------------------------------------
 */

static void fmt_rate(char *buf, size_t cap, double v, const char *unit)
{
	if (v >= 1e9)
		snprintf(buf, cap, "%.2f G%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(buf, cap, "%.2f M%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(buf, cap, "%.1f k%s", v / 1e3, unit);
	else
		snprintf(buf, cap, "%.1f %s", v, unit);
}

static void rule(void)
{
	printf("  %.*s\n", 96,
	       "----------------------------------------------------------"
	       "------------------------------------------------------");
}

/* One row: name, median (wall clock), min..max, median on CPU time, aim. */
static void row(const char *name, const double *wall, const double *cpu,
                int reps, const char *unit, double aim)
{
	char med[32], lo[32], hi[32], cm[32], am[32] = "", ratio[16] = "";
	double m = median(wall, reps);

	fmt_rate(med, sizeof(med), m, unit);
	fmt_rate(lo, sizeof(lo), min_of(wall, reps), "");
	fmt_rate(hi, sizeof(hi), max_of(wall, reps), "");
	fmt_rate(cm, sizeof(cm), median(cpu, reps), unit);
	if (aim > 0) {
		fmt_rate(am, sizeof(am), aim, unit);
		snprintf(ratio, sizeof(ratio), "%.2f", m / aim);
	}
	printf("  %-34s %13s  %9s..%-9s %13s %11s %6s\n", name, med, lo, hi, cm,
	       am, ratio);
}

static void header(const char *title)
{
	printf("\n  %s\n", title);
	rule();
	printf("  %-34s %13s  %20s %13s %11s %6s\n", "figure", "median(wall)",
	       "min..max(wall)", "median(cpu)", "aim", "ratio");
	rule();
}

/* ---- Main -----------------------------------------------------------------
 */

struct bulk_variant {
	const char *name;
	bool delayed_ack;
	bool nagle;
	uint32_t loss_every; /* drop every n-th data segment; 0 = none */
};

static void usage(void)
{
	fprintf(stderr,
	        "usage: bench_stack [-r reps (1..%d)] [-t seconds "
	        "per run] [-f all|bulk|churn]\n",
	        MAX_REPS);
	exit(1);
}

/* Prints one bulk figure; returns false when a stack bug was reported. */
static bool bench_bulk(const struct bulk_variant *var, int reps, double run_s,
                       const uint8_t *pat, uint8_t *sink)
{
	struct pair *p = pair_new(BULK_BUF_BYTES);
	double segs[MAX_REPS], segs_c[MAX_REPS], data[MAX_REPS],
	    data_c[MAX_REPS], bytes[MAX_REPS], bytes_c[MAX_REPS];
	struct bulk_result r;
	uint64_t total;
	char title[160];

	tcp_cfg_init(&p->cfg, TCP_PROFILE_DEFAULT);
	p->cfg.delayed_ack = var->delayed_ack;
	p->cfg.nagle = var->nagle;
	p->loss_every = var->loss_every;

	/*
	 * A content-checked transfer first, then an unchecked one whose speed
	 * sizes the timed runs.
	 */
	r = bulk_run(p, pat, sink, VERIFY_BYTES, true);
	if (!r.failed)
		r = bulk_run(p, pat, sink, CALIBRATE_BYTES, false);
	if (r.failed) {
		printf("\n  Bulk transfer, %s: STACK BUG, see stderr; no "
		       "figure\n",
		       var->name);
		pair_free(p);
		return false;
	}
	total = (uint64_t)((double)r.bytes / r.wall_s * run_s);
	total = total < (64ull << 20) ? (64ull << 20) : total;
	total = total > (32ull << 30) ? (32ull << 30) : total;

	for (int i = 0; i < reps; i++) {
		r = bulk_run(p, pat, sink, total, false);
		if (r.failed) {
			printf("\n  Bulk transfer, %s: STACK BUG in run %d, "
			       "see stderr\n",
			       var->name, i + 1);
			pair_free(p);
			return false;
		}
		segs[i] = (double)r.segs_in / r.wall_s;
		segs_c[i] = (double)r.segs_in / r.cpu_s;
		data[i] = (double)r.data_segs_in / r.wall_s;
		data_c[i] = (double)r.data_segs_in / r.cpu_s;
		bytes[i] = (double)r.bytes / r.wall_s;
		bytes_c[i] = (double)r.bytes / r.cpu_s;
	}
	snprintf(title, sizeof(title),
	         "Bulk transfer, %s: %.0f MiB a->b per run, median of %d",
	         var->name, (double)total / (1 << 20), reps);
	header(title);
	row("segments/s (all, both directions)", segs, segs_c, reps, "seg/s",
	    AIM_SEGS_PER_S);
	row("data segments/s", data, data_c, reps, "seg/s", 0);
	row("payload bytes/s (read by b)", bytes, bytes_c, reps, "B/s", 0);
	rule();
	printf("  last run: %" PRIu64 " segments in (%" PRIu64 " data, %" PRIu64
	       " pure ACK/ctl), %.2f data segs per ACK, %" PRIu64
	       " bytes delivered,\n"
	       "  %" PRIu64 " payload bytes carried (%" PRIu64
	       " more than delivered), %" PRIu64 " data segs lost on purpose,"
	       " %" PRIu64 " rounds, %" PRIu64 " timer waits, %" PRIu64
	       " not accepted, %" PRIu64 " ctl segs lost to a full tcp_out\n",
	       r.segs_in, r.data_segs_in, r.segs_in - r.data_segs_in,
	       r.segs_in > r.data_segs_in
	           ? (double)r.data_segs_in /
	                 (double)(r.segs_in - r.data_segs_in)
	           : 0.0,
	       r.bytes, r.payload_in, r.payload_in - r.bytes, r.lost, r.rounds,
	       r.timer_jumps, r.not_accepted, r.ctl_overflow);
	if (var->delayed_ack && !var->loss_every &&
	    r.segs_in > r.data_segs_in &&
	    r.data_segs_in > 2 * (r.segs_in - r.data_segs_in) + 16)
		printf("  note: b acknowledges less often than every second "
		       "full-sized segment (RFC 5681 4.2, SHLD-19)\n");
	pair_free(p);
	return true;
}

int main(int argc, char **argv)
{
	int reps = 5;
	double run_s = 1.0;
	const char *only = "all";
	const struct bulk_variant variants[] = {
		{ "default profile (delayed ACK, Nagle)", true, true, 0 },
		{ "ACK every segment (no delayed ACK, nodelay)", false, false,
		  0 },
		{ "default profile, every 97th data segment lost", true, true,
		  97 },
	};
	int bugs = 0;
	uint8_t *pat, *sink;
	double t_start = mono_s();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			run_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			only = argv[++i];
		else
			usage();
	}
	if (reps < 1 || reps > MAX_REPS || !(run_s > 0) ||
	    (strcmp(only, "all") && strcmp(only, "bulk") &&
	     strcmp(only, "churn")))
		usage();

	printf("bench_stack: figures of the reference TCP stack (issue 2)\n");
	printf("  build: %s; single thread; wall = CLOCK_MONOTONIC, cpu = "
	       "CLOCK_THREAD_CPUTIME_ID\n",
	       SD_BUILD_FLAGS);
	printf("  bulk: mss 1460, timestamps + SACK + wscale, rx/tx %u KiB "
	       "per end, tcp_out %u segs;\n"
	       "  every segment goes straight from one end's tcp_out into the "
	       "other's tcp_conn_input.\n",
	       BULK_BUF_BYTES / 1024, OUT_SEGS);

	/* Figure 3 first: it costs nothing. */
	header("Memory (sizeof, without buffers)");
	printf("  %-34s %13zu %35s %6.2f\n", "struct tcp_conn (bytes)",
	       sizeof(struct tcp_conn), "<= 1024 B",
	       (double)sizeof(struct tcp_conn) / AIM_CONN_BYTES);
	printf("  %-34s %13zu\n", "struct tcp_seg (bytes)",
	       sizeof(struct tcp_seg));
	printf("  %-34s %13zu\n", "struct tcp_out_seg (bytes)",
	       sizeof(struct tcp_out_seg));
	printf("  %-34s %13zu\n", "struct tcp_stack_slot (bytes)",
	       sizeof(struct tcp_stack_slot));
	rule();
	fflush(stdout);

	/* Figure 1. */
	pat = xalloc(BULK_BUF_BYTES + PAT_PERIOD);
	sink = xalloc(BULK_BUF_BYTES);
	for (uint32_t i = 0; i < BULK_BUF_BYTES + PAT_PERIOD; i++)
		pat[i] = (uint8_t)(i % PAT_PERIOD);
	for (size_t v = 0; v < TCP_ARRAY_LEN(variants); v++) {
		if (!strcmp(only, "churn"))
			break;
		if (!bench_bulk(&variants[v], reps, run_s, pat, sink))
			bugs++;
		fflush(stdout);
	}
	free(pat);
	free(sink);

	/* Figure 2. */
	if (strcmp(only, "bulk")) {
		struct pair *p = pair_new(CHURN_BUF_BYTES);
		struct spair *sp = spair_new();
		double c[MAX_REPS], cc[MAX_REPS], s[MAX_REPS], sc[MAX_REPS];
		struct churn_result r, sr;
		uint64_t n, sn;
		char title[160];

		tcp_cfg_init(&p->cfg, TCP_PROFILE_DEFAULT);
		r = churn_run(p, 20000); /* warm-up and sizing */
		n = (uint64_t)((double)r.conns / r.wall_s * run_s / 2);
		n = n < 20000 ? 20000 : n;
		sr = schurn_run(sp, 20000);
		sn = (uint64_t)((double)sr.conns / sr.wall_s * run_s / 2);
		sn = sn < 20000 ? 20000 : sn;
		for (int i = 0; i < reps; i++) {
			r = churn_run(p, n);
			c[i] = (double)r.conns / r.wall_s;
			cc[i] = (double)r.conns / r.cpu_s;
			sr = schurn_run(sp, sn);
			s[i] = (double)sr.conns / sr.wall_s;
			sc[i] = (double)sr.conns / sr.cpu_s;
		}
		snprintf(title, sizeof(title),
		         "Connection churn: open, 100 B each way, close a, "
		         "close b, 2*MSL; median of %d",
		         reps);
		header(title);
		row("conns/s, two tcp_conn records", c, cc, reps, "conn/s",
		    AIM_CONNS_PER_S);
		row("conns/s, through tcp_stack", s, sc, reps, "conn/s",
		    AIM_CONNS_PER_S);
		rule();
		printf("  %" PRIu64 " and %" PRIu64
		       " connections per run; %.1f and %.1f segments "
		       "processed per connection;\n"
		       "  tcp_stack: %u slots per side, one listener, "
		       "rx/tx %u KiB per slot\n",
		       n, sn, (double)r.segs_in / (double)r.conns,
		       (double)sr.segs_in / (double)sr.conns, STACK_SLOTS,
		       CHURN_BUF_BYTES / 1024);
		pair_free(p);
		spair_free(sp);
	}
	printf("\n  total time %.1f s\n", mono_s() - t_start);
	if (bugs) {
		printf("  %d figure(s) not measured: the stack corrupted data "
		       "or stalled (details on stderr)\n",
		       bugs);
		return 2;
	}
	return 0;
}
