/* SPDX-License-Identifier: MIT
 *
 * The queue of packets sent by the stack under test and not yet taken by
 * the runner (pktq.h), shared by the linux and plugin targets.
 */
#include "pktq.h"

#include <stdlib.h>
#include <string.h>

int pktq_push(struct pktq *q, const uint8_t *buf, size_t len, uint64_t t_us,
              size_t max)
{
	struct pktq_pkt *e;

	if (q->head > 0 && q->head == q->n) {
		q->head = q->n = 0;
	} else if (q->n == q->cap && q->head > 0) {
		memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof(*q->v));
		q->n -= q->head;
		q->head = 0;
	}
	if (q->n - q->head >= max)
		return PKTQ_FULL;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 32;
		struct pktq_pkt *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return PKTQ_NOMEM;
		q->v = v;
		q->cap = cap;
	}
	e = &q->v[q->n];
	e->buf = malloc(len);
	if (!e->buf)
		return PKTQ_NOMEM;
	memcpy(e->buf, buf, len);
	e->len = len;
	e->t_us = t_us;
	q->n++;
	return 0;
}

bool pktq_empty(const struct pktq *q)
{
	return q->head == q->n;
}

int pktq_take(struct pktq *q, uint64_t deadline_us, struct target_pkt *p)
{
	struct pktq_pkt *e;

	if (pktq_empty(q) || q->v[q->head].t_us > deadline_us)
		return 0;
	e = &q->v[q->head];
	p->t_us = e->t_us;
	p->len = e->len;
	memcpy(p->buf, e->buf, e->len);
	free(e->buf);
	e->buf = NULL;
	q->head++;
	return 1;
}

void pktq_free(struct pktq *q)
{
	size_t i;

	for (i = q->head; i < q->n; i++)
		free(q->v[i].buf);
	free(q->v);
	memset(q, 0, sizeof(*q));
}
