/* SPDX-License-Identifier: MIT
 *
 * The reference target: the plugin target (target_plugin.c) driving the
 * reference plugin (plugins/ref, linked in), one tcp_stack per run on a
 * virtual clock. What only the reference gives comes through its extension
 * (ref_plugin.h): the protocol oracle after every step, the notes of state
 * changes and dropped segments, the checklist edges from the stack's trace.
 */
#include "target_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_plugin.h"
#include "tcpref/seg.h"
#include "tcpref/stack.h"
#include "tcpref/wire.h"

#define REF_NOTES 64 /* notes kept until the runner takes them */

/* The extension's state of one run. */
struct ref_x {
	void *inst; /* the plugin's instance */
	struct sd_ref_view v;
	struct target_note notes[REF_NOTES]; /* ring */
	size_t note_head, note_n;
	/* The protocol oracle, checked after every step (oracle.h). */
	struct sd_oracle oracle;
	enum sd_step step;            /* the step under way */
	bool ended;                   /* a stack call of it ended it already */
	uint64_t edges[SD_EDGES + 1]; /* edges taken (oracle.edge_hits) */
};

/* ---- Notes ----------------------------------------------------------- */

static void ref_note_push(struct ref_x *x, const struct target_note *n)
{
	size_t at;

	if (x->note_n == REF_NOTES) { /* full: the oldest goes */
		x->note_head = (x->note_head + 1) % REF_NOTES;
		x->note_n--;
	}
	at = (x->note_head + x->note_n) % REF_NOTES;
	x->notes[at] = *n;
	x->note_n++;
}

static bool ref_is_slot(const struct ref_x *x, const struct tcp_conn *c)
{
	size_t i;

	for (i = 0; i < x->v.n; i++)
		if (&x->v.slots[i].conn == c)
			return true;
	return false;
}

/*
 * Every trace event goes to the oracle; state changes of connections (not
 * of listeners opening or closing) and dropped segments become notes for
 * the run log.
 */
static void ref_trace(void *ctx, const struct tcp_trace_ev *ev)
{
	struct ref_x *x = ctx;
	struct target_note n;

	sd_oracle_trace(&x->oracle, ev);
	memset(&n, 0, sizeof(n));
	n.t_us = ev->now_us;
	if (ev->kind == TCP_TRACE_DROP) {
		n.kind = TARGET_NOTE_DROP;
		snprintf(n.text, sizeof(n.text), "dropped: %s",
		         tcp_why_ref(ev->why));
		ref_note_push(x, &n);
		return;
	}
	if (!ref_is_slot(x, ev->conn) ||
	    (ev->from == TCP_CLOSED && ev->to == TCP_LISTEN) ||
	    (ev->from == TCP_LISTEN && ev->to == TCP_CLOSED))
		return;
	n.kind = TARGET_NOTE_STATE;
	snprintf(n.state, sizeof(n.state), "%s", tcp_state_name(ev->to));
	snprintf(n.text, sizeof(n.text), "%s -> %s (%s)",
	         tcp_state_name(ev->from), tcp_state_name(ev->to),
	         tcp_cause_name(ev->cause));
	ref_note_push(x, &n);
}

static int ref_next_note(struct target *t, struct target_note *n)
{
	struct ref_x *x = target_plugin__ext(t);

	if (x->note_n == 0)
		return 0;
	*n = x->notes[x->note_head];
	x->note_head = (x->note_head + 1) % REF_NOTES;
	x->note_n--;
	return 1;
}

/* ---- The oracle's steps ---------------------------------------------- */

/*
 * Before a step: what drives it (an inbound TCP segment is parsed to know
 * its flags and numbers; a packet that does not parse is dropped by the
 * stack and changes nothing).
 */
static void ref_begin(void *ctx, enum sd_step step, const uint8_t *pkt,
                      size_t len)
{
	struct ref_x *x = ctx;
	struct tcp_ip_info ip;
	struct tcp_seg seg;

	x->step = step;
	x->ended = false;
	if (pkt && len >= TCP_IP4_HDR_MIN &&
	    (((pkt[0] >> 4) == 4 && pkt[9] == TCP_IPPROTO_ICMP) ||
	     (len >= TCP_IP6_HDR && (pkt[0] >> 4) == 6 &&
	      pkt[6] == TCP_IPPROTO_ICMPV6))) {
		sd_oracle_begin(&x->oracle, SD_STEP_ICMP, NULL);
		return;
	}
	if (pkt && tcp_wire_ip_parse(pkt, len, &ip) == TCP_WHY_NONE &&
	    tcp_seg_parse(&seg, ip.tcp, ip.tcp_len, &ip.src, &ip.dst) ==
	        TCP_WHY_NONE) {
		sd_oracle_begin(&x->oracle, step, &seg);
		return;
	}
	sd_oracle_begin(&x->oracle, step, NULL);
}

/* The segments of one stack call, before they become packets. */
static void ref_segments(void *ctx, const struct tcp_out *out)
{
	struct ref_x *x = ctx;

	(void)sd_oracle_end(&x->oracle, out, 0); /* a failure stays */
	x->ended = true;
}

/* A SEND, for the oracle's edge count (E053, E079). */
static void ref_sent(void *ctx, int h)
{
	struct ref_x *x = ctx;
	int sh = sd_ref_stack_handle(x->inst, h);

	if (sh >= 0) {
		x->oracle.app_send = true;
		x->oracle.app_slot = sh;
	}
}

/*
 * Ends the step: the oracle's verdict, then what the output lost. A packet
 * or a timer is one stack call, which ended the step when it ran (a timer
 * step may run none); the application's calls get a last check, which
 * counts a SEND (ref_sent).
 */
static int ref_end(void *ctx, struct diag *d)
{
	struct ref_x *x = ctx;
	uint32_t overflow, unqueued;
	bool again = x->step == SD_STEP_APP || !x->ended;

	if ((again && sd_oracle_end(&x->oracle, x->v.out, 0) != 0) ||
	    x->oracle.failed)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "reference invariant violated: %s",
		                x->oracle.msg);
	sd_ref_lost(x->inst, &overflow, &unqueued);
	if (unqueued > 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "ref: the stack produced %u segments that "
		                "cannot be written or queued",
		                (unsigned)unqueued);
	if (overflow > 0)
		return diag_set(
		    d, "", 0, 0, NULL, 0,
		    "ref: %u control segments did not fit the output "
		    "array",
		    (unsigned)overflow);
	return 0;
}

/* ---- Instance --------------------------------------------------------- */

/* The profiles of the ref target: the plugin's, less its file names. */
static int ref_profile(const char *name, int *prof, int *ecn_on)
{
	if (name && strcmp(name, "default") != 0 && strcmp(name, "ecn") != 0 &&
	    strcmp(name, "rfc5961") != 0 && strcmp(name, "legacy") != 0)
		return -1;
	return sd_ref_profile(name ? name : "default", prof, ecn_on);
}

static int ref_check(const struct target_opts *o, struct diag *d)
{
	int prof, ecn_on;

	if (ref_profile(o->profile, &prof, &ecn_on) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "ref: unknown profile '%s' (known: default, "
		                "rfc5961, legacy, ecn)",
		                o->profile);
	return 0;
}

static int ref_attach(void *inst, void **xp, struct diag *d)
{
	struct ref_x *x = calloc(1, sizeof(*x));
	struct sd_ref_observer obs;

	if (!x)
		return diag_set(d, "", 0, 0, NULL, 0, "ref: out of memory");
	x->inst = inst;
	sd_ref_view(inst, &x->v);
	sd_oracle_init(&x->oracle, x->v.cfg, x->v.slots, x->v.n, x->v.rx_bytes,
	               x->v.tx_bytes);
	x->oracle.edge_hits = x->edges;
	obs.ctx = x;
	obs.trace = ref_trace;
	obs.segments = ref_segments;
	sd_ref_observe(inst, &obs);
	*xp = x;
	return 0;
}

static void ref_detach(void *ctx)
{
	struct ref_x *x = ctx;

	sd_edges_append_env(x->edges);
	free(x);
}

static const struct target_plugin_ext ref_ext = {
	.who = "ref",
	.calls_by = "the reference target",
	.option_errors = true,
	.script_peer_only = true,
	.no_sendto = true,
	.check = ref_check,
	.attach = ref_attach,
	.detach = ref_detach,
	.begin = ref_begin,
	.sent = ref_sent,
	.end = ref_end,
};

static int ref_open(struct target **tp, const struct target_opts *o,
                    struct diag *d)
{
	return target_plugin__open(tp, o, sd_plugin_ref(), &ref_ext, d);
}

/*
 * "default" and "rfc5961" apply the RFC 5961 mitigations; "legacy" is RFC
 * 793 as written; "ecn" is "default" asking for ECN on active opens.
 */
static bool ref_satisfies(const struct target_opts *o, const char *req,
                          char *why, size_t n)
{
	const char *name = o->profile ? o->profile : "default";
	int p, ecn_on;

	if (ref_profile(name, &p, &ecn_on) != 0) {
		snprintf(why, n, "unknown profile '%s'", name);
		return false;
	}
	if (strcmp(req, "rfc5961") == 0 && p != TCP_PROFILE_LEGACY)
		return true;
	if (strcmp(req, "legacy") == 0 && p == TCP_PROFILE_LEGACY)
		return true;
	if (strcmp(req, "ecn") == 0 && ecn_on)
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
	struct ref_x *x = target_plugin__ext(t);

	memcpy(hits, x->edges, sizeof(x->edges));
	return true;
}

const struct target_ops target_ref_ops = {
	.name = "ref",
	.virtual_clock = true,
	.satisfies = ref_satisfies,
	.open = ref_open,
	.close = target_plugin__close,
	.now_us = target_plugin__now_us,
	.advance_to = target_plugin__advance_to,
	.inject = target_plugin__inject,
	.recv = target_plugin__recv,
	.syscall = target_plugin__syscall,
	.poll_syscall = target_plugin__poll_syscall,
	.command = target_plugin__command,
	.state = target_plugin__state,
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
