/* SPDX-License-Identifier: MIT
 *
 * The protocol oracle: invariants of a reference stack checked after every
 * step that drives it (a time step, an inbound segment, an application
 * call, an ICMP error). fuzz_conn traps on a violation; the reference
 * target fails the script's run with the message.
 */
#ifndef SHAKEDOWN_ORACLE_H
#define SHAKEDOWN_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpref/conn.h"
#include "tcpref/seg.h"
#include "tcpref/stack.h"
#include "tcpref/types.h"

#define SD_ORACLE_SLOTS 16     /* slots of the checked table, at most */
#define SD_ORACLE_TRACE_MAX 64 /* state changes in one step, at most */

/* What drove a step: the causes of the state changes it may contain. */
enum sd_step {
	SD_STEP_TIME,
	SD_STEP_SEG,
	SD_STEP_APP,
	SD_STEP_ICMP
};

/* What the oracle remembers of one slot between steps. */
struct sd_oracle_shadow {
	enum tcp_state state; /* last state seen in the trace */
	bool have_irs;        /* the incarnation's IRS is known */
	bool reopened;        /* SYN-RECEIVED entered from TIME-WAIT */
	bool passive;         /* SYN-RECEIVED entered from LISTEN */
	tcp_seq irs;
	uint32_t gen; /* incremented at each new incarnation */
};

/* A slot's variables before a step, to judge the segments it emitted;
 * when the connection ends during the step (CLOSED, or back to LISTEN),
 * widened to what they were at that moment: it may have sent before, and
 * its RST carries the SND.NXT it had then (end_nxt). */
struct sd_oracle_snap {
	bool valid;
	bool ended;
	struct tcp_tuple tuple;
	enum tcp_state state;
	tcp_seq iss, snd_una, snd_nxt, snd_max, irs, rcv_nxt;
	tcp_seq end_nxt;
};

struct sd_oracle {
	const struct tcp_cfg *cfg;
	const struct tcp_stack_slot *slots;
	size_t n;
	uint32_t rx_bytes, tx_bytes; /* the table's buffer sizes */
	enum sd_step step;
	bool have_in; /* the step's inbound segment, when it had one */
	struct tcp_seg in;
	unsigned trace_n;
	struct tcp_trace_ev trace[SD_ORACLE_TRACE_MAX];
	struct sd_oracle_shadow sh[SD_ORACLE_SLOTS];
	struct sd_oracle_snap snap[SD_ORACLE_SLOTS];
	/* Optional: counts of state-change destinations (fuzz_conn stats). */
	uint64_t *state_hits; /* TCP_STATE_COUNT entries, or NULL */
	/*
	 * Optional: counts of the checklist edges the steps took
	 * (edges.h; SD_EDGES + 1 entries, [0] = state changes no edge
	 * fits). A step that is a SEND sets app_send and app_slot before
	 * sd_oracle_end (sd_oracle_begin clears them).
	 */
	uint64_t *edge_hits;
	bool app_send;
	int app_slot;
	unsigned drop_n;
	struct {
		int slot; /* -1: no connection */
		enum tcp_why why;
	} drops[8];
	enum tcp_state before[SD_ORACLE_SLOTS];
	/* Optional: print each state change to stderr. */
	bool debug;
	/* Optional: each emitted segment as the oracle serialized it to
	 * parse it back, its tl TCP bytes (from os->tuple.laddr to
	 * os->tuple.raddr), e.g. to quote in ICMP errors. */
	void (*emitted)(void *ctx, const struct tcp_out_seg *os,
	                const uint8_t *tcp, size_t tl);
	void *ctx;
	uint8_t scratch[TCP_IP6_HDR + TCP_HDR_MAX + 65536];
	bool failed;
	char msg[320]; /* the first violation */
};

/*
 * Starts checking the table slots[0..n) (n <= SD_ORACLE_SLOTS) built by
 * tcp_stack_init with these buffer sizes, before anything ran on it.
 */
void sd_oracle_init(struct sd_oracle *o, const struct tcp_cfg *cfg,
                    const struct tcp_stack_slot *slots, size_t n,
                    uint32_t rx_bytes, uint32_t tx_bytes);

/*
 * Before a step: what drives it, and the inbound segment when it is one
 * (as parsed, or as built; NULL otherwise).
 */
void sd_oracle_begin(struct sd_oracle *o, enum sd_step step,
                     const struct tcp_seg *in);

/* Every trace event of the stack during the step (others are ignored). */
void sd_oracle_trace(struct sd_oracle *o, const struct tcp_trace_ev *ev);

/*
 * After the step, with the segments it emitted (out->segs[first..n)):
 * checks the state changes, the segments and every slot. 0, or -1 with
 * the first violation in o->msg (and every later call fails the same).
 */
int sd_oracle_end(struct sd_oracle *o, const struct tcp_out *out,
                  uint32_t first);

/*
 * The shadow of slot k: its incarnation number (changes when a new
 * connection begins there) and IRS when known (the application's reads
 * start at IRS+1).
 */
const struct sd_oracle_shadow *sd_oracle_slot(const struct sd_oracle *o,
                                              size_t k);

#endif
