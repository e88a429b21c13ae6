/* SPDX-License-Identifier: MIT
 *
 * Initial sequence numbers as RFC 9293 3.4.1 (MUST-8, SHLD-1) and RFC 6528
 * describe them: a 4-microsecond clock plus a keyed pseudo-random function
 * of the 4-tuple. Pure: the caller passes the time and the secret key, so a
 * struct tcp_env can wrap it and runs stay reproducible.
 */
#ifndef TCPREF_ISN_H
#define TCPREF_ISN_H

#include "types.h"

/* The secret of RFC 6528's F(): 128 bits, chosen by the caller. */
struct tcp_isn_key {
	uint64_t k0;
	uint64_t k1;
};

/* SipHash-2-4 of p[0..n) under the 128-bit key (k0, k1). */
uint64_t tcp_siphash24(uint64_t k0, uint64_t k1, const uint8_t *p, size_t n);

/*
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey) where M
 * ticks every 4 microseconds (RFC 6528 3) and F is SipHash-2-4, truncated
 * to 32 bits. t and key may not be NULL.
 */
uint32_t tcp_isn_rfc6528(const struct tcp_isn_key *key,
                         const struct tcp_tuple *t, uint64_t now_us);

#endif
