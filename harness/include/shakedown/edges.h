/* SPDX-License-Identifier: MIT
 *
 * The state-machine edges of RFC 9293 (E001..E115 of the conformance
 * checklist, conformance/edges.tsv) and how a step of the reference stack
 * maps onto them: from its state changes, the reasons it dropped segments
 * for, and what drove the step.
 */
#ifndef SHAKEDOWN_EDGES_H
#define SHAKEDOWN_EDGES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tcpref/types.h"

#define SD_EDGES 115 /* E001..E115; index 0 counts steps with no edge */

/* The edge of a state change (from, to, cause); 0 when none fits. */
int sd_edge_of_change(enum tcp_state from, enum tcp_state to,
                      enum tcp_cause cause);

/*
 * The edge of a segment the stack dropped in state s for reason why (flags:
 * the segment's, to tell RST/ACK/FIN apart); 0 when none fits. A segment
 * with no connection has s = TCP_CLOSED.
 */
int sd_edge_of_drop(enum tcp_state s, enum tcp_why why, uint16_t flags);

/* An acceptable segment that left the state as it was. */
int sd_edge_of_accept(enum tcp_state s, uint16_t flags);

/* A retransmission timeout in state s; a SEND call in state s. */
int sd_edge_of_retransmit(enum tcp_state s);
int sd_edge_of_send(enum tcp_state s);

/* One edge of conformance/edges.tsv. */
struct sd_edge {
	char from[16], to[16];
	char event[160];
	char section[48];
	char kind[8]; /* base, 5961, legacy, opt, sec */
};

/*
 * Reads the edge table (conformance/edges.tsv) into tab[1..SD_EDGES]. 0, or
 * -1 with a message in why[0..n) (the file cannot be read, or a line is
 * malformed).
 */
int sd_edges_load(const char *path, struct sd_edge *tab, char *why, size_t n);

/*
 * Writes the transitions file: a comment header, then one line per edge
 * "ID<TAB>FROM<TAB>EVENT<TAB>TO<TAB>KIND<TAB>COUNT" (tab may be NULL: then
 * only the IDs and counts), then "-<TAB>(state changes no edge fits)<TAB>N".
 * 'inferred' marks counts inferred from the wire rather than traced.
 */
void sd_edges_write(FILE *f, const uint64_t *hits, const struct sd_edge *tab,
                    bool inferred, const char *what);

/*
 * When the environment variable SHAKEDOWN_EDGES_OUT names a file, appends
 * "Eddd COUNT" for every edge taken (one write per line, so that processes
 * running at once can share the file); `make coverage` sums them. Nothing
 * otherwise.
 */
void sd_edges_append_env(const uint64_t *hits);

#endif
