/* SPDX-License-Identifier: MIT
 *
 * Wire inference of the RFC 9293 state-machine edges (edges.h) for a target
 * that cannot report them: an observer of the script's one connection that
 * sees what the runner sees (the segments injected, the segments the stack
 * sends, the socket calls and their results, the target's clock) and counts
 * an edge only when the stack's reactions on the wire support it.
 */
#ifndef SHAKEDOWN_INFER_H
#define SHAKEDOWN_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/edges.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

struct sd_infer;

/*
 * A fresh observer for one run between the addresses and ports *a (the
 * stack's port is learned from the segments). On a virtual clock the
 * stack answers an injected segment at the same instant; on a real one
 * within answer_us. NULL when out of memory (every function takes NULL
 * and then does nothing).
 */
struct sd_infer *sd_infer_new(const struct target_addrs *a, bool virtual_clock,
                              uint64_t answer_us);
void sd_infer_free(struct sd_infer *f);

/* An IP packet the runner gave to the stack at t_us (as injected). */
void sd_infer_inbound(struct sd_infer *f, uint64_t t_us, const uint8_t *pkt,
                      size_t len);

/* An ICMP error the runner gave to the stack at t_us. */
void sd_infer_icmp(struct sd_infer *f, uint64_t t_us);

/* An IP packet the stack sent at t_us. */
void sd_infer_outbound(struct sd_infer *f, uint64_t t_us, const uint8_t *pkt,
                       size_t len);

/* A socket call of script s starting at t_us. */
void sd_infer_call(struct sd_infer *f, uint64_t t_us, const struct script *s,
                   const struct script_syscall *sc);

/*
 * What the latest call returned, at t_us (ret, errno value err; outs:
 * values written back, e.g. getsockopt's SO_ERROR).
 */
void sd_infer_return(struct sd_infer *f, uint64_t t_us,
                     const struct target_sysret *r);

/*
 * Runs the inference over everything recorded and writes the edge counts
 * into hits[0..SD_EDGES] (hits[0] stays 0: the inference names no change
 * that fits no edge).
 */
void sd_infer_edges(struct sd_infer *f, uint64_t *hits);

#endif
