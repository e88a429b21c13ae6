/* SPDX-License-Identifier: MIT
 *
 * The reference target: one tcp_stack per run, in-process, on a virtual
 * clock that jumps to the next scripted event or the next stack deadline,
 * so a script spanning minutes of TCP time runs in microseconds. Every
 * source of nondeterminism (ISNs, ephemeral ports, timestamp offsets) is a
 * fixed function of the run, so two runs send the same bytes.
 */
#include "target_ref.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpref/seg.h"
#include "tcpref/wire.h"

/*
 * The RFC 6528 secret of every reference run. A fixed key keeps the ISNs
 * pseudo-random across 4-tuples and times (as a real stack's) yet identical
 * from run to run.
 */
#define REF_ISN_K0 0x73686b646f776e31ull /* "shkdown1" */
#define REF_ISN_K1 0x7265662d69736e21ull /* "ref-isn!" */

/* ---- Environment ----------------------------------------------------- */

static uint32_t ref_isn(void *ctx, const struct tcp_tuple *tu, uint64_t now_us)
{
	struct target *t = ctx;

	return tcp_isn_rfc6528(&t->key, tu, now_us);
}

/*
 * Ephemeral ports: the stack's scripted port first (8080), so that an
 * active open uses the same 4-tuple as a passive one and the runner's
 * packets need no port learning; further connections take the next ones.
 */
static uint16_t ref_port(void *ctx)
{
	struct target *t = ctx;
	uint16_t p;
	size_t i;
	bool taken;

	/* A port another open socket has bound is not ephemeral (as in
	 * Linux's bind table); the bounded loop skips those. */
	do {
		p = t->next_port++;
		taken = false;
		for (i = 0; i < REF_FDS && !taken; i++)
			taken = t->socks[i].used && t->socks[i].bound &&
			        t->socks[i].port == p;
	} while (taken && p != 0);
	return p;
}

/* A fixed offset: TSval is the virtual time in milliseconds plus it. */
static uint32_t ref_ts_offset(void *ctx, const struct tcp_tuple *tu)
{
	(void)ctx;
	(void)tu;
	return REF_TS_OFFSET;
}

static void ref_note_push(struct target *t, const struct target_note *n)
{
	size_t at;

	if (t->note_n == REF_NOTES) { /* full: the oldest goes */
		t->note_head = (t->note_head + 1) % REF_NOTES;
		t->note_n--;
	}
	at = (t->note_head + t->note_n) % REF_NOTES;
	t->notes[at] = *n;
	t->note_n++;
}

static int ref_slot_of(const struct target *t, const struct tcp_conn *c)
{
	uint32_t i;

	for (i = 0; i < REF_SLOTS; i++)
		if (&t->slots[i].conn == c)
			return (int)i;
	return -1;
}

/*
 * Records state changes of connections (not of listeners opening or
 * closing) and dropped segments as notes for the run log; the latest
 * connection to change state becomes the script's connection.
 */
static void ref_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct target *t = ctx;
	struct target_note n;
	int i;

	sd_oracle_trace(&t->oracle, ev);
	memset(&n, 0, sizeof(n));
	n.t_us = ev->now_us;
	if (ev->kind == TCP_TRACE_DROP) {
		n.kind = TARGET_NOTE_DROP;
		snprintf(n.text, sizeof(n.text), "dropped: %s",
		         tcp_why_ref(ev->why));
		ref_note_push(t, &n);
		return;
	}
	i = ref_slot_of(t, ev->conn);
	if (i < 0 || (ev->from == TCP_CLOSED && ev->to == TCP_LISTEN) ||
	    (ev->from == TCP_LISTEN && ev->to == TCP_CLOSED))
		return;
	t->prim_set = true;
	t->prim = i;
	t->prim_state = ev->to;
	n.kind = TARGET_NOTE_STATE;
	snprintf(n.state, sizeof(n.state), "%s", tcp_state_name(ev->to));
	snprintf(n.text, sizeof(n.text), "%s -> %s (%s)",
	         tcp_state_name(ev->from), tcp_state_name(ev->to),
	         tcp_cause_name(ev->cause));
	ref_note_push(t, &n);
}

static void ref_panic(void *ctx, const char *file, int line, const char *expr)
{
	(void)ctx;
	fprintf(stderr, "%s:%d: reference stack invariant failed: %s\n", file,
	        line, expr);
	abort();
}

/* ---- Output queue ---------------------------------------------------- */

static struct ref_qpkt *ref_q_slot(struct target *t, struct diag *d)
{
	if (t->q_head > 0 && t->q_head == t->q_n) {
		t->q_head = t->q_n = 0;
	} else if (t->q_n == t->q_cap && t->q_head > 0) {
		memmove(t->q, t->q + t->q_head,
		        (t->q_n - t->q_head) * sizeof(*t->q));
		t->q_n -= t->q_head;
		t->q_head = 0;
	}
	if (t->q_n - t->q_head >= REF_QUEUE_MAX) {
		diag_set(d, "", 0, 0, NULL, 0,
		         "ref: the stack sent more than %d segments that no "
		         "script line took",
		         REF_QUEUE_MAX);
		return NULL;
	}
	if (t->q_n == t->q_cap) {
		size_t cap = t->q_cap ? t->q_cap * 2 : 16;
		struct ref_qpkt *q = realloc(t->q, cap * sizeof(*q));

		if (!q) {
			diag_set(d, "", 0, 0, NULL, 0,
			         "ref: out of memory queueing a packet");
			return NULL;
		}
		t->q = q;
		t->q_cap = cap;
	}
	return &t->q[t->q_n++];
}

/*
 * Before a step: what drives it, for the oracle (an inbound TCP segment is
 * parsed to know its flags and numbers; a packet that does not parse is
 * dropped by the stack and changes nothing).
 */
void target_ref__begin(struct target *t, enum sd_step step, const uint8_t *pkt,
                       size_t len)
{
	struct tcp_ip_info ip;
	struct tcp_seg seg;

	if (pkt && len >= TCP_IP4_HDR_MIN &&
	    (((pkt[0] >> 4) == 4 && pkt[9] == TCP_IPPROTO_ICMP) ||
	     (len >= TCP_IP6_HDR && (pkt[0] >> 4) == 6 &&
	      pkt[6] == TCP_IPPROTO_ICMPV6))) {
		sd_oracle_begin(&t->oracle, SD_STEP_ICMP, NULL);
		return;
	}
	if (pkt && tcp_wire_ip_parse(pkt, len, &ip) == TCP_WHY_NONE &&
	    tcp_seg_parse(&seg, ip.tcp, ip.tcp_len, &ip.src, &ip.dst) ==
	        TCP_WHY_NONE) {
		sd_oracle_begin(&t->oracle, step, &seg);
		return;
	}
	sd_oracle_begin(&t->oracle, step, NULL);
}

/*
 * Ends the step for the oracle, then turns the segments in t->out into
 * queued packets.
 */
int target_ref__flush(struct target *t, struct diag *d)
{
	uint32_t i;
	int rc = 0;

	if (sd_oracle_end(&t->oracle, &t->out, 0) != 0) {
		tcp_out_reset(&t->out);
		return diag_set(d, "", 0, 0, NULL, 0,
		                "reference invariant violated: %s",
		                t->oracle.msg);
	}

	for (i = 0; i < t->out.n && rc == 0; i++) {
		const struct tcp_out_seg *os = &t->out.segs[i];
		struct ref_qpkt *p = ref_q_slot(t, d);
		size_t ip_len, tcp_len;

		if (!p) {
			rc = -1;
			break;
		}
		/* The IP layer: the connection's TOS, TTL (64 by default)
		 * and options; a source route sends the packet to its first
		 * hop, the checksum covering the final destination (3.1). */
		ip_len = os->tuple.laddr.family == TCP_AF_INET6
		             ? TCP_IP6_HDR
		             : TCP_IP4_HDR_MIN + os->ip.opt_len;
		tcp_len =
		    tcp_seg_emit(&os->seg, &os->tuple.laddr, &os->tuple.raddr,
		                 p->buf + ip_len, sizeof(p->buf) - ip_len);
		if (tcp_len == 0 ||
		    tcp_wire_ip_emit_opts(&os->tuple.laddr,
		                          os->ip.has_nexthop ? &os->ip.nexthop
		                                             : &os->tuple.raddr,
		                          os->ip.ttl ? os->ip.ttl : 64,
		                          os->ip.tos, t->ip_id++, os->ip.opts,
		                          os->ip.opt_len, tcp_len, p->buf,
		                          ip_len) != ip_len) {
			t->q_n--;
			rc = diag_set(d, "", 0, 0, NULL, 0,
			              "ref: the stack produced a segment that "
			              "cannot be written (%u payload bytes)",
			              (unsigned)os->seg.payload_bytes);
			break;
		}
		p->len = ip_len + tcp_len;
		p->t_us = t->now_us;
	}
	t->overflow += t->out.overflow;
	tcp_out_reset(&t->out);
	if (rc == 0 && t->overflow > 0)
		rc = diag_set(d, "", 0, 0, NULL, 0,
		              "ref: %u control segments did not fit the output "
		              "array",
		              (unsigned)t->overflow);
	return rc;
}

/* ---- Clock ----------------------------------------------------------- */

static uint64_t ref_next_deadline(const struct target *t)
{
	uint64_t a = tcp_stack_next_deadline_us(&t->st);
	uint64_t b = target_ref__pending_deadline(t);

	return a < b ? a : b;
}

/* Runs the timers due at 'at' (>= now) and tries the pending call. */
static int ref_step(struct target *t, uint64_t at, struct diag *d)
{
	if (at > t->now_us)
		t->now_us = at;
	target_ref__begin(t, SD_STEP_TIME, NULL, 0);
	tcp_stack_poll(&t->st, &t->env, t->now_us, &t->out);
	if (target_ref__flush(t, d) != 0)
		return -1;
	target_ref__begin(t, SD_STEP_APP, NULL, 0);
	target_ref__try_pending(t);
	return target_ref__flush(t, d);
}

static int ref_advance_to(struct target *t, uint64_t t_us, struct diag *d)
{
	uint32_t steps = 0;

	for (;;) {
		uint64_t dl = ref_next_deadline(t);

		if (dl == TCP_NO_DEADLINE || dl > t_us)
			break;
		if (++steps > REF_POLL_STEPS)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "ref: the stack keeps a deadline at "
			                "%llu us that polling does not clear",
			                (unsigned long long)dl);
		if (ref_step(t, dl, d) != 0)
			return -1;
	}
	if (t_us > t->now_us)
		t->now_us = t_us;
	return 0;
}

static int ref_recv(struct target *t, uint64_t deadline_us,
                    struct target_pkt *p, struct diag *d)
{
	uint32_t steps = 0;

	for (;;) {
		uint64_t dl;

		if (t->q_head < t->q_n) {
			const struct ref_qpkt *q = &t->q[t->q_head];

			/* Queued packets were sent at or before now. */
			if (q->t_us > deadline_us)
				return 0;
			p->t_us = q->t_us;
			p->len = q->len;
			memcpy(p->buf, q->buf, q->len);
			t->q_head++;
			return 1;
		}
		dl = ref_next_deadline(t);
		if (dl == TCP_NO_DEADLINE || dl > deadline_us) {
			if (deadline_us > t->now_us)
				t->now_us = deadline_us;
			return 0;
		}
		if (++steps > REF_POLL_STEPS)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "ref: the stack keeps a deadline at "
			                "%llu us that polling does not clear",
			                (unsigned long long)dl);
		if (ref_step(t, dl, d) != 0)
			return -1;
	}
}

/* ---- Target operations ----------------------------------------------- */

/*
 * The built-in configurations: the stack's profiles, and "ecn", the default
 * one that also asks for ECN on active opens (TCP_ECN_MODE_ON).
 */
static int ref_profile(const char *name, enum tcp_profile *p)
{
	if (!name || strcmp(name, "default") == 0 || strcmp(name, "ecn") == 0)
		*p = TCP_PROFILE_DEFAULT;
	else if (strcmp(name, "rfc5961") == 0)
		*p = TCP_PROFILE_RFC5961;
	else if (strcmp(name, "legacy") == 0)
		*p = TCP_PROFILE_LEGACY;
	else
		return -1;
	return 0;
}

/*
 * The script's "// config:" settings on top of the profile (the words were
 * checked when the script was parsed).
 */
static void ref_config(struct target *t, const struct target_opts *o)
{
	static const enum tcp_profile profs[3] = { TCP_PROFILE_DEFAULT,
		                                   TCP_PROFILE_RFC5961,
		                                   TCP_PROFILE_LEGACY };
	struct tcp_cfg *c = &t->cfg;
	size_t i;

	for (i = 0; i < o->config_n; i++) {
		char why[160];
		enum script_config_key key;
		uint64_t v;

		if (script_config_word(o->config[i], &key, &v, why,
		                       sizeof(why)) != 0)
			continue;
		switch (key) {
		case SCRIPT_CFG_PROFILE: {
			uint8_t ecn = c->ecn;

			tcp_cfg_init(c, profs[v]);
			c->ecn = ecn;
			break;
		}
		case SCRIPT_CFG_TIMESTAMPS:
			c->timestamps = v != 0;
			break;
		case SCRIPT_CFG_SACK:
			c->sack = v != 0;
			break;
		case SCRIPT_CFG_WSCALE:
			c->wscale = v != 0;
			if (!v)
				c->wscale_shift = 0;
			break;
		case SCRIPT_CFG_ECN:
			c->ecn = (uint8_t)v; /* off, accept, on */
			break;
		case SCRIPT_CFG_RFC1337:
			c->rfc1337 = v != 0;
			break;
		case SCRIPT_CFG_DELAYED_ACK:
			c->delayed_ack = v != 0;
			break;
		case SCRIPT_CFG_NAGLE:
			c->nagle = v != 0;
			break;
		case SCRIPT_CFG_MSS:
			c->mss = (uint16_t)v;
			break;
		case SCRIPT_CFG_MSL_MS:
			c->msl_us = v * 1000u;
			break;
		case SCRIPT_CFG_KEEPALIVE_IDLE_MS:
			c->keepalive_idle_us = v * 1000u;
			break;
		case SCRIPT_CFG_KEEPALIVE_INTVL_MS:
			c->keepalive_intvl_us = v * 1000u;
			break;
		case SCRIPT_CFG_KEEPALIVE_PROBES:
			c->keepalive_probes = (uint32_t)v;
			break;
		case SCRIPT_CFG_USER_TIMEOUT_MS:
			c->user_timeout_us = v * 1000u;
			break;
		case SCRIPT_CFG_KEEPALIVE:
			c->keepalive = v != 0;
			break;
		case SCRIPT_CFG_RCVBUF:
			t->rx_bytes = (uint32_t)v;
			break;
		case SCRIPT_CFG_SNDBUF:
			t->tx_bytes = (uint32_t)v;
			break;
		case SCRIPT_CFG_COUNT:
			break;
		}
	}
}

static void ref_close(struct target *t)
{
	if (!t)
		return;
	sd_edges_append_env(t->edges);
	free(t->q);
	free(t->bufmem);
	free(t->outdata);
	free(t);
}

static int ref_open(struct target **tp, const struct target_opts *o,
                    struct diag *d)
{
	struct target *t;
	enum tcp_profile prof;

	*tp = NULL;
	if (ref_profile(o->profile, &prof) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "ref: unknown profile '%s' (known: default, "
		                "rfc5961, legacy, ecn)",
		                o->profile);
	t = calloc(1, sizeof(*t));
	if (!t)
		return diag_set(d, "", 0, 0, NULL, 0, "ref: out of memory");
	t->o = *o;
	snprintf(t->profile, sizeof(t->profile), "%s",
	         o->profile ? o->profile : "default");
	t->o.profile = t->profile;
	t->bufmem = malloc((size_t)REF_SLOTS * (REF_RX_BYTES + REF_TX_BYTES));
	t->outdata = malloc(REF_OUT_DATA);
	if (!t->bufmem || !t->outdata) {
		ref_close(t);
		return diag_set(d, "", 0, 0, NULL, 0, "ref: out of memory");
	}
	tcp_cfg_init(&t->cfg, prof);
	if (strcmp(t->profile, "ecn") == 0)
		t->cfg.ecn = TCP_ECN_MODE_ON; /* RFC 3168 6.1.1: ask */
	t->rx_bytes = REF_RX_BYTES;
	t->tx_bytes = REF_TX_BYTES;
	ref_config(t, o);
	t->key.k0 = REF_ISN_K0;
	t->key.k1 = REF_ISN_K1;
	t->env.isn = ref_isn;
	t->env.ephemeral_port = ref_port;
	t->env.ts_offset = ref_ts_offset;
	t->env.trace = ref_trace;
	t->env.panic = ref_panic;
	t->env.ctx = t;
	t->next_port = o->addrs.stack_port;
	if (tcp_stack_init(&t->st, &t->cfg, t->slots, REF_SLOTS, t->bufmem,
	                   t->rx_bytes, t->tx_bytes) != 0) {
		ref_close(t);
		return diag_set(d, "", 0, 0, NULL, 0,
		                "ref: cannot initialize the stack");
	}
	tcp_out_init(&t->out, t->segs, REF_OUT_SEGS, t->outdata, REF_OUT_DATA);
	sd_oracle_init(&t->oracle, &t->cfg, t->slots, REF_SLOTS, t->rx_bytes,
	               t->tx_bytes);
	t->oracle.edge_hits = t->edges;
	t->pend.call = REF_CALL_NONE;
	*tp = t;
	return 0;
}

static uint64_t ref_now_us(struct target *t)
{
	return t->now_us;
}

static int ref_inject(struct target *t, const uint8_t *pkt, size_t len,
                      struct diag *d)
{
	target_ref__begin(t, SD_STEP_SEG, pkt, len);
	(void)tcp_stack_input_packet(&t->st, &t->env, t->now_us, pkt, len,
	                             &t->out);
	if (target_ref__flush(t, d) != 0)
		return -1;
	target_ref__begin(t, SD_STEP_APP, NULL, 0);
	target_ref__try_pending(t);
	return target_ref__flush(t, d);
}

static int ref_poll_syscall(struct target *t, struct target_sysret *r,
                            struct diag *d)
{
	(void)d;
	memset(r, 0, sizeof(*r));
	if (t->pend.call == REF_CALL_NONE || !t->pend.complete)
		return 0;
	*r = t->pend.r;
	r->done = true;
	t->pend.call = REF_CALL_NONE;
	t->pend.complete = false;
	return 0;
}

/* Shell commands configure a kernel: the reference never runs them. */
static int ref_command(struct target *t, const char *cmd, struct diag *d)
{
	(void)t;
	(void)cmd;
	(void)d;
	return 0;
}

/*
 * The state of the script's connection: the latest connection (not a
 * listener) to change state, as its last transition left it; before any,
 * LISTEN when a listener exists, else CLOSED.
 */
static const char *ref_state(struct target *t)
{
	uint32_t i;

	if (t->prim_set)
		return tcp_state_name(t->prim_state);
	for (i = 0; i < REF_SLOTS; i++)
		if (t->slots[i].use == TCP_SLOT_APP && t->slots[i].listener)
			return tcp_state_name(TCP_LISTEN);
	return tcp_state_name(TCP_CLOSED);
}

static int ref_next_note(struct target *t, struct target_note *n)
{
	if (t->note_n == 0)
		return 0;
	*n = t->notes[t->note_head];
	t->note_head = (t->note_head + 1) % REF_NOTES;
	t->note_n--;
	return 1;
}

/*
 * "default" and "rfc5961" apply the RFC 5961 mitigations; "legacy" is RFC
 * 793 as written; "ecn" is "default" asking for ECN on active opens.
 */
static bool ref_satisfies(const struct target_opts *o, const char *req,
                          char *why, size_t n)
{
	enum tcp_profile p;
	const char *name = o->profile ? o->profile : "default";

	if (ref_profile(name, &p) != 0) {
		snprintf(why, n, "unknown profile '%s'", name);
		return false;
	}
	if (strcmp(req, "rfc5961") == 0 && p != TCP_PROFILE_LEGACY)
		return true;
	if (strcmp(req, "legacy") == 0 && p == TCP_PROFILE_LEGACY)
		return true;
	if (strcmp(req, "ecn") == 0 && strcmp(name, "ecn") == 0)
		return true;
	snprintf(why, n,
	         "requires %s; target ref (profile %s) does not "
	         "provide it",
	         req, name);
	return false;
}

/* The edges the oracle counted from the stack's trace. */
static bool ref_edges(struct target *t, uint64_t *hits)
{
	memcpy(hits, t->edges, sizeof(t->edges));
	return true;
}

const struct target_ops target_ref_ops = {
	.name = "ref",
	.virtual_clock = true,
	.satisfies = ref_satisfies,
	.open = ref_open,
	.close = ref_close,
	.now_us = ref_now_us,
	.advance_to = ref_advance_to,
	.inject = ref_inject,
	.recv = ref_recv,
	.syscall = target_ref__syscall,
	.poll_syscall = ref_poll_syscall,
	.command = ref_command,
	.state = ref_state,
	.next_note = ref_next_note,
	.edges = ref_edges,
	.takes_config = true,
};

const struct target_ops *target_find(const char *name)
{
	if (name && strcmp(name, target_ref_ops.name) == 0)
		return &target_ref_ops;
	if (name && strcmp(name, target_linux_ops.name) == 0)
		return &target_linux_ops;
	return NULL;
}
