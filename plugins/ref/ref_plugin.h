/* SPDX-License-Identifier: MIT
 *
 * The reference stack (stack/) as a plugin: the table of
 * shakedown/stack_plugin.h, for entry.c and for binaries that link several
 * plugins statically (a differential fuzzer, the harness's ref target), and
 * the few extras only the reference gives its built-in target.
 */
#ifndef SD_REF_PLUGIN_H
#define SD_REF_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "shakedown/stack_plugin.h"

struct tcp_cfg;
struct tcp_out;
struct tcp_stack_slot;
struct tcp_trace_ev;

/* The plugin's table (static storage, never freed). */
const struct sd_stack_plugin *sd_plugin_ref(void);

/* ---- For the harness's ref target (not part of stack_plugin.h) ------- */

/*
 * Watches an instance: every trace event of its stack (state changes,
 * dropped segments), and the segments of every stack call before they
 * become packets. While watched, advance() runs at most one timer step, so
 * that the caller sees each step on its own.
 */
struct sd_ref_observer {
	void *ctx;
	void (*trace)(void *ctx, const struct tcp_trace_ev *ev);
	void (*segments)(void *ctx, const struct tcp_out *out);
};

void sd_ref_observe(void *inst, const struct sd_ref_observer *obs);

/* What the protocol oracle reads: the stack's table and configuration. */
struct sd_ref_view {
	const struct tcp_cfg *cfg;
	const struct tcp_stack_slot *slots;
	size_t n;
	uint32_t rx_bytes, tx_bytes;
	const struct tcp_out *out; /* the segments not yet made packets */
};

void sd_ref_view(void *inst, struct sd_ref_view *v);

/* The stack's handle behind plugin handle h, or -1 when none. */
int sd_ref_stack_handle(void *inst, int h);

/* Control segments lost to a full output array, packets that could not be
 * written or queued, since create(). */
void sd_ref_lost(void *inst, uint32_t *overflow, uint32_t *unqueued);

/*
 * The profile names the plugin knows (default, rfc5961, legacy, ecn, and
 * ref, ref-legacy, ref-ecn): 0 with the stack profile (enum tcp_profile)
 * in *prof and whether ECN is asked for, or -1.
 */
int sd_ref_profile(const char *name, int *prof, int *ecn_on);

#endif
