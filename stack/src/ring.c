/* SPDX-License-Identifier: MIT
 *
 * The byte ring behind each connection's send and receive queues, and the
 * fixed list of out-of-order blocks held beyond RCV.NXT (RFC 9293 3.10.7.4
 * seventh step, SHLD-31). Both work on caller-owned storage only.
 */

#include "internal.h"
#include "mem.h"

void tcp_ring_init(struct tcp_ring *r, uint8_t *buf, uint32_t cap)
{
	r->buf = buf;
	r->cap = buf ? cap : 0;
	r->head = 0;
	r->len = 0;
}

/* Copies n bytes into the ring at absolute position pos (mod cap). */
static void ring_put(struct tcp_ring *r, uint32_t pos, const uint8_t *p,
                     uint32_t n)
{
	uint32_t first;

	if (n == 0)
		return;
	pos %= r->cap;
	first = r->cap - pos;
	if (first > n)
		first = n;
	memcpy(r->buf + pos, p, first);
	if (n > first)
		memcpy(r->buf, p + first, n - first);
}

uint32_t tcp_ring_append(struct tcp_ring *r, const uint8_t *p, uint32_t n)
{
	uint32_t room = tcp_ring_free(r);

	if (n > room)
		n = room;
	if (n == 0)
		return 0;
	ring_put(r, r->head + r->len, p, n);
	r->len += n;
	return n;
}

void tcp_ring_write_beyond(struct tcp_ring *r, uint32_t off, const uint8_t *p,
                           uint32_t n)
{
	if (n == 0 || r->cap == 0)
		return;
	ring_put(r, r->head + r->len + off, p, n);
}

void tcp_ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *p,
                   uint32_t n)
{
	uint32_t pos, first;

	if (n == 0 || r->cap == 0)
		return;
	pos = (r->head + off) % r->cap;
	first = r->cap - pos;
	if (first > n)
		first = n;
	memcpy(p, r->buf + pos, first);
	if (n > first)
		memcpy(p + first, r->buf, n - first);
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	if (r->cap)
		r->head = (r->head + n) % r->cap;
	/*
	 * The head is not rewound when the ring empties: out-of-order data
	 * may already sit beyond len at positions relative to it.
	 */
	r->len -= n;
}

void tcp_ring_commit(struct tcp_ring *r, uint32_t n)
{
	if (n > tcp_ring_free(r))
		n = tcp_ring_free(r);
	r->len += n;
}

/* ---- Out-of-order blocks ------------------------------------------------ */

void tcp_reasm_init(struct tcp_reasm *q)
{
	q->n = 0;
	q->last = 0;
}

static void reasm_remove(struct tcp_reasm *q, unsigned i)
{
	memmove(&q->blk[i], &q->blk[i + 1], (q->n - i - 1) * sizeof(q->blk[0]));
	q->n--;
	if (q->last > i)
		q->last--;
	else if (q->last == i)
		q->last = 0;
}

int tcp_reasm_add(struct tcp_reasm *q, uint32_t off, uint32_t len)
{
	uint32_t end = off + len;
	unsigned i, j;

	if (len == 0)
		return 0;
	/* Find the first block that ends at or after off (touching merges). */
	for (i = 0; i < q->n; i++)
		if (q->blk[i].off + q->blk[i].len >= off)
			break;
	if (i == q->n || q->blk[i].off > end) {
		/* Disjoint: insert a new block at i. */
		if (q->n == TCP_REASM_MAX)
			return -1;
		memmove(&q->blk[i + 1], &q->blk[i],
		        (q->n - i) * sizeof(q->blk[0]));
		q->blk[i].off = off;
		q->blk[i].len = len;
		q->n++;
		q->last = (uint8_t)i;
		return 0;
	}
	/* Merge into block i, then swallow following blocks it now reaches. */
	if (off < q->blk[i].off) {
		q->blk[i].len += q->blk[i].off - off;
		q->blk[i].off = off;
	}
	if (end > q->blk[i].off + q->blk[i].len)
		q->blk[i].len = end - q->blk[i].off;
	for (j = i + 1;
	     j < q->n && q->blk[j].off <= q->blk[i].off + q->blk[i].len;) {
		uint32_t jend = q->blk[j].off + q->blk[j].len;

		if (jend > q->blk[i].off + q->blk[i].len)
			q->blk[i].len = jend - q->blk[i].off;
		reasm_remove(q, j);
	}
	q->last = (uint8_t)i;
	return 0;
}

uint32_t tcp_reasm_advance(struct tcp_reasm *q, uint32_t adv)
{
	unsigned i = 0;
	uint32_t got = 0;

	while (i < q->n) {
		uint32_t end = q->blk[i].off + q->blk[i].len;

		if (end <= adv) {
			reasm_remove(q, i);
			continue;
		}
		if (q->blk[i].off <= adv) {
			q->blk[i].len = end - adv;
			q->blk[i].off = 0;
		} else {
			q->blk[i].off -= adv;
		}
		i++;
	}
	if (q->n > 0 && q->blk[0].off == 0) {
		got = q->blk[0].len;
		reasm_remove(q, 0);
	}
	return got;
}
