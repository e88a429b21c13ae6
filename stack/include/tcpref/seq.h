/* SPDX-License-Identifier: MIT
 *
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4). Sequence
 * numbers are a distinct type so that lengths and sequence numbers cannot be
 * mixed by accident; every comparison is done on unsigned values.
 */
#ifndef TCPREF_SEQ_H
#define TCPREF_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* A TCP sequence (or acknowledgment) number. */
typedef struct {
	uint32_t v;
} tcp_seq;

static inline tcp_seq tcp_seq_make(uint32_t v)
{
	return (tcp_seq){ v };
}

/* a < b in sequence space: the forward distance from b to a is negative. */
static inline bool tcp_seq_lt(tcp_seq a, tcp_seq b)
{
	return ((a.v - b.v) & 0x80000000u) != 0;
}

static inline bool tcp_seq_le(tcp_seq a, tcp_seq b)
{
	return a.v == b.v || tcp_seq_lt(a, b);
}

static inline bool tcp_seq_gt(tcp_seq a, tcp_seq b)
{
	return tcp_seq_lt(b, a);
}

static inline bool tcp_seq_ge(tcp_seq a, tcp_seq b)
{
	return tcp_seq_le(b, a);
}

static inline bool tcp_seq_eq(tcp_seq a, tcp_seq b)
{
	return a.v == b.v;
}

/* s + n, wrapping. */
static inline tcp_seq tcp_seq_add(tcp_seq s, uint32_t n)
{
	return (tcp_seq){ s.v + n };
}

/* s - n, wrapping. */
static inline tcp_seq tcp_seq_sub(tcp_seq s, uint32_t n)
{
	return (tcp_seq){ s.v - n };
}

/* The forward distance a - b; meaningful only when a >= b. */
static inline uint32_t tcp_seq_diff(tcp_seq a, tcp_seq b)
{
	return a.v - b.v;
}

/* lo <= s < hi, the half-open interval used by the acceptability test. */
static inline bool tcp_seq_in(tcp_seq s, tcp_seq lo, tcp_seq hi)
{
	return tcp_seq_le(lo, s) && tcp_seq_lt(s, hi);
}

static inline tcp_seq tcp_seq_max(tcp_seq a, tcp_seq b)
{
	return tcp_seq_lt(a, b) ? b : a;
}

static inline tcp_seq tcp_seq_min(tcp_seq a, tcp_seq b)
{
	return tcp_seq_lt(a, b) ? a : b;
}

#endif
