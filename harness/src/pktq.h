/* SPDX-License-Identifier: MIT
 *
 * The queue of packets a stack under test sent and the runner has not taken
 * yet, with the time each was sent: the linux target fills it from its TAP
 * device, the plugin target from the plugin's output().
 */
#ifndef SHAKEDOWN_PKTQ_H
#define SHAKEDOWN_PKTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/target.h"

struct pktq_pkt {
	uint64_t t_us; /* when the stack sent it */
	size_t len;
	uint8_t *buf; /* IPv4 or IPv6 header + TCP, malloc'd */
};

/*
 * v[head .. n): sent, not yet taken. All zero is an empty queue; n stays
 * above 0 once a packet was pushed, until pktq_free().
 */
struct pktq {
	struct pktq_pkt *v;
	size_t head, n, cap;
};

#define PKTQ_FULL (-1)  /* pktq_push: max packets wait already */
#define PKTQ_NOMEM (-2) /* pktq_push: out of memory */

/*
 * Appends a copy of the len bytes at buf, sent at t_us, unless max packets
 * wait already. Returns 0, PKTQ_FULL or PKTQ_NOMEM.
 */
int pktq_push(struct pktq *q, const uint8_t *buf, size_t len, uint64_t t_us,
              size_t max);

/* Whether no packet waits. */
bool pktq_empty(const struct pktq *q);

/*
 * The oldest packet into *p when it was sent at or before deadline_us:
 * 1, or 0 (none waits, or it is later) with *p untouched.
 */
int pktq_take(struct pktq *q, uint64_t deadline_us, struct target_pkt *p);

/* Frees what q holds; q is empty again. */
void pktq_free(struct pktq *q);

#endif
