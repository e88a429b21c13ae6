/* SPDX-License-Identifier: MIT
 *
 * Conformance vectors as fuzz_conn inputs (gen_seeds --target conn): each
 * vector runs on the reference target, then its story is written as
 * fuzz_conn records, chosen by running the input built so far through
 * fuzz_conn's own driver (fc_run), so that the driver walks the same
 * states as the reference did.
 */
#ifndef SHAKEDOWN_CONN_SEEDS_H
#define SHAKEDOWN_CONN_SEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One vector's seed and how closely the driver follows the reference. */
struct conn_seed {
	uint8_t *bytes; /* the fuzz_conn input (malloc'd) */
	size_t len;
	unsigned records;  /* fuzz_conn records in it */
	char profile[16];  /* reference profile it ran with: ref, legacy, ecn */
	unsigned events;   /* events of the script */
	unsigned written;  /* ... written as records (or nothing to write) */
	unsigned unsaid;   /* ... the record format cannot say: left out */
	char why[160];     /* the first few reasons, for the report */
	unsigned compared; /* events after which the reference had a state */
	unsigned same;     /* ... and the driver was in the same one */
	uint32_t ref_states, drv_states; /* states visited, 1 << tcp_state */
	/* State changes seen (after events and timers), from -> 1 << to;
	 * tcp_state has fewer than 16 values. */
	uint16_t ref_edges[16], drv_edges[16];
	int ref_final, drv_final; /* the last state (tcp_state), or -1 */
	/* NULL, or the limit of fuzz_conn the story runs into before its end:
	 * "2 h" (its clock), "256 records", "512 bytes" (its max_len). */
	const char *limit;
	bool failed;    /* an oracle of fuzz_conn failed on the seed */
	char fail[512]; /* its message */
};

/*
 * Makes the seed of the vector at 'path'. Returns 0 with *out filled
 * (conn_seed_free() it), or -1 with why[0..n) when the vector gives none:
 * it does not parse, or no reference profile (ref, legacy, ecn) runs it
 * to a pass. Not reentrant (fuzz_conn's driver is not).
 */
int conn_seed_make(const char *path, struct conn_seed *out, char *why,
                   size_t n);

void conn_seed_free(struct conn_seed *s);

#endif
