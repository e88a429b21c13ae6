/* SPDX-License-Identifier: MIT
 *
 * RFC 6528 initial sequence numbers for struct tcp_env implementations:
 * a 4 us clock plus SipHash-2-4 of the connection's 4-tuple under a secret
 * key. Written from the SipHash paper (Aumasson and Bernstein, 2012).
 */

#include "tcpref/isn.h"
#include "mem.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_absorb(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static uint64_t rd_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t tcp_siphash24(uint64_t k0, uint64_t k1, const uint8_t *p, size_t n)
{
	struct sip s = {
		k0 ^ 0x736f6d6570736575ull,
		k1 ^ 0x646f72616e646f6dull,
		k0 ^ 0x6c7967656e657261ull,
		k1 ^ 0x7465646279746573ull,
	};
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		sip_absorb(&s, rd_le64(p + i, 8));
	/* The last block: the tail bytes and the length (p may be NULL). */
	sip_absorb(&s, (n > i ? rd_le64(p + i, n - i) : 0) |
	                   (uint64_t)(n & 0xff) << 56);
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint32_t tcp_isn_rfc6528(const struct tcp_isn_key *key,
                         const struct tcp_tuple *t, uint64_t now_us)
{
	uint8_t buf[2 * 17 + 4];
	size_t n = 0;

	/* F(localip, localport, remoteip, remoteport, secretkey). */
	buf[n++] = t->laddr.family;
	memcpy(buf + n, t->laddr.a, 16);
	n += 16;
	buf[n++] = t->raddr.family;
	memcpy(buf + n, t->raddr.a, 16);
	n += 16;
	buf[n++] = (uint8_t)(t->lport >> 8);
	buf[n++] = (uint8_t)t->lport;
	buf[n++] = (uint8_t)(t->rport >> 8);
	buf[n++] = (uint8_t)t->rport;
	/* M: a timer that ticks every 4 microseconds (MUST-8). */
	return (uint32_t)(now_us / 4) +
	       (uint32_t)tcp_siphash24(key->k0, key->k1, buf, n);
}
