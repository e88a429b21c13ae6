/* SPDX-License-Identifier: MIT
 *
 * The reference stack (stack/, tcpref) behind the plugin interface
 * (stack_plugin.h): one tcp_stack per instance on the harness's clock, its
 * ISN key, ephemeral ports and timestamp offset fixed so that two runs send
 * the same bytes, with the profiles and "// config:" settings of the
 * suite. The harness's ref target (harness/src/target_ref.c) is this code
 * linked in and observed (ref_plugin.h); sd_ref.so is the same behind
 * dlopen(), the proof that the interface is complete (issue 8).
 */
#include "ref_plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ref_internal.h"
#include "shakedown/script_config.h"
#include "tcpref/seg.h"
#include "tcpref/wire.h"

/*
 * The RFC 6528 secret of every run: a fixed key keeps the ISNs
 * pseudo-random across 4-tuples and times yet identical from run to run.
 */
#define SD_REF_ISN_K0 0x73686b646f776e31ull /* "shkdown1" */
#define SD_REF_ISN_K1 0x7265662d69736e21ull /* "ref-isn!" */

/* ---- Environment ----------------------------------------------------- */

static uint32_t ref_isn(void *ctx, const struct tcp_tuple *tu, uint64_t now_us)
{
	struct sd_ref *r = ctx;

	return tcp_isn_rfc6528(&r->key, tu, now_us);
}

/*
 * Ephemeral ports: the stack's scripted port first (8080), so that an
 * active open uses the same 4-tuple as a passive one and the harness needs
 * no port learning; further connections take the next ones. A port another
 * open socket has bound is not ephemeral (as in Linux's bind table).
 */
static uint16_t ref_port(void *ctx)
{
	struct sd_ref *r = ctx;
	uint16_t p;
	size_t i;
	bool taken;

	do {
		p = r->next_port++;
		taken = false;
		for (i = 0; i < SD_REF_SOCKS && !taken; i++)
			taken = r->socks[i].used && r->socks[i].bound &&
			        r->socks[i].port == p;
	} while (taken && p != 0);
	return p;
}

/* A fixed offset: TSval is the virtual time in milliseconds plus it. */
static uint32_t ref_ts_offset(void *ctx, const struct tcp_tuple *tu)
{
	(void)ctx;
	(void)tu;
	return SD_REF_TS_OFFSET;
}

static int ref_slot_of(const struct sd_ref *r, const struct tcp_conn *c)
{
	uint32_t i;

	for (i = 0; i < SD_REF_SLOTS; i++)
		if (&r->slots[i].conn == c)
			return (int)i;
	return -1;
}

/*
 * The latest connection (not a listener opening or closing) to change
 * state becomes the script's connection, for state(-1).
 */
static void ref_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct sd_ref *r = ctx;
	int i;

	if (r->observed && r->obs.trace)
		r->obs.trace(r->obs.ctx, ev);
	if (ev->kind != TCP_TRACE_STATE)
		return;
	i = ref_slot_of(r, ev->conn);
	if (i < 0 || (ev->from == TCP_CLOSED && ev->to == TCP_LISTEN) ||
	    (ev->from == TCP_LISTEN && ev->to == TCP_CLOSED))
		return;
	r->prim_set = true;
	r->prim = i;
	r->prim_state = ev->to;
}

/* A broken invariant of the stack is a finding: it ends the process. */
static void ref_panic(void *ctx, const char *file, int line, const char *expr)
{
	(void)ctx;
	fprintf(stderr, "%s:%d: reference stack invariant failed: %s\n", file,
	        line, expr);
	abort();
}

/* ---- Output queue ---------------------------------------------------- */

/* Room for one more packet at the tail of the queue, or NULL. */
static struct sd_ref_qpkt *ref_q_slot(struct sd_ref *r)
{
	if (r->q_head > 0 && r->q_head == r->q_n) {
		r->q_head = r->q_n = 0;
	} else if (r->q_n == r->q_cap && r->q_head > 0) {
		memmove(r->q, r->q + r->q_head,
		        (r->q_n - r->q_head) * sizeof(*r->q));
		r->q_n -= r->q_head;
		r->q_head = 0;
	}
	if (r->q_n - r->q_head >= SD_REF_QUEUE_MAX)
		return NULL;
	if (r->q_n == r->q_cap) {
		size_t cap = r->q_cap ? r->q_cap * 2 : 16;
		struct sd_ref_qpkt *q = realloc(r->q, cap * sizeof(*q));

		if (!q)
			return NULL;
		r->q = q;
		r->q_cap = cap;
	}
	return &r->q[r->q_n++];
}

/*
 * Turns the segments in r->out into queued IP packets (an observer sees
 * them first): the connection's TOS, TTL (64 by default) and IPv4 options; a
 * source route sends the packet to its first hop, the checksum covering
 * the final destination (RFC 9293 3.9.2.1, RFC 791 3.1).
 */
void sd_ref_flush(struct sd_ref *r)
{
	uint32_t i;

	if (r->observed && r->obs.segments)
		r->obs.segments(r->obs.ctx, &r->out);
	for (i = 0; i < r->out.n; i++) {
		const struct tcp_out_seg *os = &r->out.segs[i];
		struct sd_ref_qpkt *p = ref_q_slot(r);
		size_t ip_len, tcp_len;

		if (!p) {
			r->q_lost++;
			continue;
		}
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
		                          os->ip.tos, r->ip_id++, os->ip.opts,
		                          os->ip.opt_len, tcp_len, p->buf,
		                          ip_len) != ip_len) {
			r->q_n--;
			r->q_lost++;
			continue;
		}
		p->len = ip_len + tcp_len;
	}
	r->overflow += r->out.overflow;
	tcp_out_reset(&r->out);
}

/* ---- Configuration --------------------------------------------------- */

/*
 * The built-in configurations of the ref target (default, rfc5961,
 * legacy, and ecn: default asking for ECN on active opens), also under the
 * names of their profile files (conformance/profiles/ref, ref-legacy,
 * ref-ecn). Returns 0 with *p and *ecn_on, or -1 for an unknown name.
 */
static int ref_profile(const char *name, enum tcp_profile *p, bool *ecn_on)
{
	*ecn_on = false;
	if (!name || name[0] == '\0' || strcmp(name, "default") == 0 ||
	    strcmp(name, "ref") == 0) {
		*p = TCP_PROFILE_DEFAULT;
	} else if (strcmp(name, "ecn") == 0 || strcmp(name, "ref-ecn") == 0) {
		*p = TCP_PROFILE_DEFAULT;
		*ecn_on = true; /* RFC 3168 6.1.1: ask */
	} else if (strcmp(name, "rfc5961") == 0) {
		*p = TCP_PROFILE_RFC5961;
	} else if (strcmp(name, "legacy") == 0 ||
	           strcmp(name, "ref-legacy") == 0) {
		*p = TCP_PROFILE_LEGACY;
	} else {
		return -1;
	}
	return 0;
}

/*
 * The script's "// config:" settings on top of the profile, as the ref
 * target applies them. Returns 0, or -1 with the reason for a word that is
 * not one of them.
 */
static int ref_config(struct sd_ref *r, const struct sd_plugin_config *cfg,
                      char *why, size_t why_n)
{
	static const enum tcp_profile profs[3] = { TCP_PROFILE_DEFAULT,
		                                   TCP_PROFILE_RFC5961,
		                                   TCP_PROFILE_LEGACY };
	struct tcp_cfg *c = &r->cfg;
	size_t i;

	for (i = 0; i < cfg->config_n; i++) {
		enum script_config_key key;
		uint64_t v;

		if (!cfg->config[i]) {
			snprintf(why, why_n, "config: a NULL setting");
			return -1;
		}
		if (script_config_parse(cfg->config[i], &key, &v, why, why_n) !=
		    0)
			return -1;
		switch (key) {
		case SCRIPT_CFG_PROFILE: {
			uint8_t ecn = c->ecn;
			uint16_t mtu = c->mtu;

			tcp_cfg_init(c, profs[v]);
			c->ecn = ecn;
			c->mtu = mtu;
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
			r->rx_bytes = (uint32_t)v;
			break;
		case SCRIPT_CFG_SNDBUF:
			r->tx_bytes = (uint32_t)v;
			break;
		case SCRIPT_CFG_COUNT:
		default:
			snprintf(why, why_n, "config: unknown setting '%s'",
			         cfg->config[i]);
			return -1;
		}
	}
	return 0;
}

/* An address of the configuration; false when it is no IPv4/IPv6 one. */
static bool ref_cfg_addr(const struct sd_plugin_addr *a, int want,
                         struct tcp_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family != want)
		return false;
	out->family = want == AF_INET6 ? TCP_AF_INET6 : TCP_AF_INET;
	memcpy(out->a, a->addr, want == AF_INET6 ? 16 : 4);
	return true;
}

/* ---- Instance -------------------------------------------------------- */

/*
 * One destroyed instance kept for the next create(), with its buffers: a
 * differential fuzzer creates and destroys thousands of instances a second,
 * and under ASan a fresh megabyte of buffers each time (malloc, poisoning,
 * quarantine) cost more than the run itself. Nothing of the old instance
 * survives but allocated memory: create() clears the record, and the stack
 * never reads a buffer byte it did not write. Calls come from one thread
 * (stack_plugin.h).
 */
static struct sd_ref *ref_spare;

static void ref_free(struct sd_ref *r)
{
	free(r->q);
	free(r->bufmem);
	free(r->outdata);
	free(r);
}

static void ref_destroy(void *inst)
{
	struct sd_ref *r = inst;

	if (!r)
		return;
	if (ref_spare == NULL && r->bufmem && r->outdata) {
		ref_spare = r;
		return;
	}
	ref_free(r);
}

/* The spare goes when the module is unloaded (dlclose) or the process ends. */
__attribute__((destructor)) static void ref_spare_free(void)
{
	if (ref_spare != NULL)
		ref_free(ref_spare);
	ref_spare = NULL;
}

/* A cleared instance, with the buffers of the spare one when there is one. */
static struct sd_ref *ref_alloc(void)
{
	struct sd_ref *r = ref_spare;
	uint8_t *bufmem, *outdata;
	struct sd_ref_qpkt *q;
	size_t q_cap;

	if (r == NULL)
		return calloc(1, sizeof(*r));
	ref_spare = NULL;
	bufmem = r->bufmem;
	outdata = r->outdata;
	q = r->q;
	q_cap = r->q_cap;
	memset(r, 0, sizeof(*r));
	r->bufmem = bufmem;
	r->outdata = outdata;
	r->q = q;
	r->q_cap = q_cap;
	return r;
}

static int ref_create(void **inst, const struct sd_plugin_config *cfg,
                      char *why, size_t why_n)
{
	struct sd_ref *r;
	enum tcp_profile prof;
	bool ecn_on;
	int rc;

	*inst = NULL;
	if (cfg->abi != SD_PLUGIN_ABI) {
		snprintf(why, why_n,
		         "ref: built for plugin ABI %d, the harness has %u",
		         SD_PLUGIN_ABI, (unsigned)cfg->abi);
		return -1;
	}
	if (ref_profile(cfg->profile, &prof, &ecn_on) != 0) {
		snprintf(why, why_n,
		         "ref: unknown profile '%s' (known: default, rfc5961, "
		         "legacy, ecn, ref, ref-legacy, ref-ecn)",
		         cfg->profile);
		return -1;
	}
	r = ref_alloc();
	if (!r) {
		snprintf(why, why_n, "ref: out of memory");
		return -1;
	}
	if (!ref_cfg_addr(&cfg->stack4, AF_INET, &r->stack4) ||
	    !ref_cfg_addr(&cfg->peer4, AF_INET, &r->peer4) ||
	    !ref_cfg_addr(&cfg->stack6, AF_INET6, &r->stack6) ||
	    !ref_cfg_addr(&cfg->peer6, AF_INET6, &r->peer6)) {
		ref_destroy(r);
		snprintf(why, why_n,
		         "ref: the configuration's addresses are not AF_INET "
		         "and AF_INET6 ones");
		return -1;
	}
	r->stack_port = cfg->stack4.port ? cfg->stack4.port : cfg->stack6.port;
	tcp_cfg_init(&r->cfg, prof);
	if (ecn_on)
		r->cfg.ecn = TCP_ECN_MODE_ON;
	if (cfg->mtu >= 68 && cfg->mtu != r->cfg.mtu) {
		r->cfg.mtu = cfg->mtu;
		if (r->cfg.mss > cfg->mtu - 40)
			r->cfg.mss = (uint16_t)(cfg->mtu - 40);
	}
	r->rx_bytes = SD_REF_RX_BYTES;
	r->tx_bytes = SD_REF_TX_BYTES;
	rc = ref_config(r, cfg, why, why_n);
	if (rc != 0) {
		ref_destroy(r);
		return 1; /* a setting this plugin does not have: skip */
	}
	if (!r->bufmem)
		r->bufmem = malloc((size_t)SD_REF_SLOTS *
		                   (SD_REF_RX_BYTES + SD_REF_TX_BYTES));
	if (!r->outdata)
		r->outdata = malloc(SD_REF_OUT_DATA);
	if (!r->bufmem || !r->outdata) {
		ref_destroy(r);
		snprintf(why, why_n, "ref: out of memory");
		return -1;
	}
	r->key.k0 = SD_REF_ISN_K0;
	r->key.k1 = SD_REF_ISN_K1;
	r->env.isn = ref_isn;
	r->env.ephemeral_port = ref_port;
	r->env.ts_offset = ref_ts_offset;
	r->env.trace = ref_trace;
	r->env.panic = ref_panic;
	r->env.ctx = r;
	r->next_port = r->stack_port;
	if (tcp_stack_init(&r->st, &r->cfg, r->slots, SD_REF_SLOTS, r->bufmem,
	                   r->rx_bytes, r->tx_bytes) != 0) {
		ref_destroy(r);
		snprintf(why, why_n, "ref: cannot initialize the stack");
		return -1;
	}
	tcp_out_init(&r->out, r->segs, SD_REF_OUT_SEGS, r->outdata,
	             SD_REF_OUT_DATA);
	*inst = r;
	return 0;
}

/* ---- Packets and time ------------------------------------------------ */

static void ref_input(void *inst, const uint8_t *pkt, size_t len)
{
	struct sd_ref *r = inst;

	if (len > 0 && (pkt[0] >> 4) == 4)
		sd_ref_sock_family(r, TCP_AF_INET);
	else if (len > 0 && (pkt[0] >> 4) == 6)
		sd_ref_sock_family(r, TCP_AF_INET6);
	(void)tcp_stack_input_packet(&r->st, &r->env, r->now_us, pkt, len,
	                             &r->out);
	sd_ref_flush(r);
}

static long ref_output(void *inst, uint8_t *buf, size_t cap)
{
	struct sd_ref *r = inst;
	const struct sd_ref_qpkt *q;

	if (r->q_head == r->q_n)
		return 0;
	q = &r->q[r->q_head++];
	if (q->len > cap)
		return -EMSGSIZE;
	memcpy(buf, q->buf, q->len);
	return (long)q->len;
}

/*
 * Runs the stack's timers in the order they fall due, each at its own
 * time (the segments they send carry it in TSval), then sets the clock.
 */
static void ref_advance(void *inst, uint64_t now_us)
{
	struct sd_ref *r = inst;
	uint32_t steps = 0;

	for (;;) {
		uint64_t dl = tcp_stack_next_deadline_us(&r->st);

		if (dl == TCP_NO_DEADLINE || dl > now_us ||
		    ++steps > SD_REF_POLL_STEPS)
			break;
		if (dl > r->now_us)
			r->now_us = dl;
		tcp_stack_poll(&r->st, &r->env, r->now_us, &r->out);
		sd_ref_flush(r);
		if (r->observed)
			return; /* the observer calls again for the next */
	}
	if (now_us > r->now_us)
		r->now_us = now_us;
}

static uint64_t ref_next_deadline(void *inst)
{
	struct sd_ref *r = inst;
	uint64_t dl = tcp_stack_next_deadline_us(&r->st);

	_Static_assert(TCP_NO_DEADLINE == SD_PLUGIN_NO_DEADLINE,
	               "the stack and the plugin interface say 'no deadline' "
	               "alike");
	return dl;
}

/* ---- Introspection --------------------------------------------------- */

/*
 * h = -1: the script's connection, the latest connection (not a listener)
 * to change state, as its last transition left it; before any, LISTEN
 * when a listener exists, else CLOSED.
 */
static const char *ref_state(void *inst, int h)
{
	struct sd_ref *r = inst;
	uint32_t i;

	if (h >= 0)
		return sd_ref_sock_state(r, h);
	if (h != -1)
		return NULL;
	if (r->prim_set)
		return tcp_state_name(r->prim_state);
	for (i = 0; i < SD_REF_SLOTS; i++)
		if (r->slots[i].use == TCP_SLOT_APP && r->slots[i].listener)
			return tcp_state_name(TCP_LISTEN);
	return tcp_state_name(TCP_CLOSED);
}

/* ---- For the harness's ref target ------------------------------------ */

void sd_ref_observe(void *inst, const struct sd_ref_observer *obs)
{
	struct sd_ref *r = inst;

	r->obs = *obs;
	r->observed = true;
}

void sd_ref_view(void *inst, struct sd_ref_view *v)
{
	struct sd_ref *r = inst;

	v->cfg = &r->cfg;
	v->slots = r->slots;
	v->n = SD_REF_SLOTS;
	v->rx_bytes = r->rx_bytes;
	v->tx_bytes = r->tx_bytes;
	v->out = &r->out;
}

int sd_ref_stack_handle(void *inst, int h)
{
	struct sd_ref *r = inst;

	if (h < 0 || h >= SD_REF_SOCKS || !r->socks[h].used)
		return -1;
	return r->socks[h].h;
}

void sd_ref_lost(void *inst, uint32_t *overflow, uint32_t *unqueued)
{
	struct sd_ref *r = inst;

	*overflow = r->overflow;
	*unqueued = r->q_lost;
}

int sd_ref_profile(const char *name, int *prof, int *ecn_on)
{
	enum tcp_profile p;
	bool on;

	if (ref_profile(name, &p, &on) != 0)
		return -1;
	*prof = (int)p;
	*ecn_on = on;
	return 0;
}

/* ---- The table ------------------------------------------------------- */

static const struct sd_stack_plugin ref_plugin = {
	.abi = SD_PLUGIN_ABI,
	.name = "ref",
	.description = "the reference TCP of shakedown (stack/, RFC 9293 with "
	               "RFC 5961, 6298, 7323), as the ref target configures "
	               "it",
	.create = ref_create,
	.destroy = ref_destroy,
	.input = ref_input,
	.output = ref_output,
	.advance = ref_advance,
	.next_deadline = ref_next_deadline,
	.socket = sd_ref_socket,
	.bind = sd_ref_bind,
	.listen = sd_ref_listen,
	.accept = sd_ref_accept,
	.connect = sd_ref_connect,
	.send = sd_ref_send,
	.recv = sd_ref_recv,
	.shutdown = sd_ref_shutdown,
	.close = sd_ref_close,
	.setsockopt = sd_ref_setsockopt,
	.getsockopt = sd_ref_getsockopt,
	.poll = sd_ref_poll,
	.state = ref_state,
};

const struct sd_stack_plugin *sd_plugin_ref(void)
{
	return &ref_plugin;
}
