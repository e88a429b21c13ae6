/* SPDX-License-Identifier: MIT
 *
 * The serializer of run results between a script's process and the CLI
 * (see result_io.h): a magic number, the fixed-size fields, the run log,
 * the raw packets with their lengths, and a closing magic number, so that
 * a child killed half-way is told apart from a finished one.
 */
#include "result_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RIO_MAGIC 0x73645231u /* "sdR1" */
#define RIO_END 0x73644e44u   /* "sdND" */
#define RIO_MAX_LOG 10000000u
#define RIO_MAX_RAW 10000000u

struct rio_head {
	uint32_t magic;
	int32_t rc;
	int32_t outcome;
	uint8_t commands_skipped;
	struct diag diag;
	char skip_reason[sizeof(((struct run_result *)0)->skip_reason)];
	double elapsed_us;
	uint64_t target_us;
	struct target_addrs addrs;
	char target[sizeof(((struct run_result *)0)->target)];
	uint8_t have_edges, edges_inferred;
	uint64_t edges[SD_EDGES + 1];
	uint64_t log_n, raw_n;
};

static int put(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int result_io_write(int fd, int rc, const struct run_result *r)
{
	struct rio_head h;
	uint32_t end = RIO_END;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.magic = RIO_MAGIC;
	h.rc = rc;
	h.outcome = (int32_t)r->outcome;
	h.commands_skipped = r->commands_skipped;
	h.diag = r->diag;
	memcpy(h.skip_reason, r->skip_reason, sizeof(h.skip_reason));
	h.elapsed_us = r->elapsed_us;
	h.target_us = r->target_us;
	h.addrs = r->addrs;
	h.have_edges = r->have_edges;
	h.edges_inferred = r->edges_inferred;
	memcpy(h.edges, r->edges, sizeof(h.edges));
	memcpy(h.target, r->target, sizeof(h.target));
	h.log_n = r->log_n;
	h.raw_n = r->raw_n;
	if (put(fd, &h, sizeof(h)) != 0 ||
	    (r->log_n && put(fd, r->log, r->log_n * sizeof(*r->log)) != 0))
		return -1;
	for (i = 0; i < r->raw_n; i++) {
		uint64_t hdr[2] = { r->raw[i].t_us, r->raw[i].len };

		if (put(fd, hdr, sizeof(hdr)) != 0 ||
		    put(fd, r->raw[i].bytes, r->raw[i].len) != 0)
			return -1;
	}
	return put(fd, &end, sizeof(end));
}

struct rio_cur {
	const uint8_t *b;
	size_t len, off;
};

static int get(struct rio_cur *c, void *p, size_t n)
{
	if (n > c->len - c->off)
		return -1;
	memcpy(p, c->b + c->off, n);
	c->off += n;
	return 0;
}

int result_io_read(const uint8_t *buf, size_t len, int *rc,
                   struct run_result *r)
{
	struct rio_cur c = { buf, len, 0 };
	struct rio_head h;
	uint32_t end;
	size_t i;

	if (get(&c, &h, sizeof(h)) != 0 || h.magic != RIO_MAGIC ||
	    h.log_n > RIO_MAX_LOG || h.raw_n > RIO_MAX_RAW ||
	    h.log_n * sizeof(*r->log) > len - c.off)
		return -1;
	*rc = h.rc;
	r->outcome = h.outcome == RUN_FAIL   ? RUN_FAIL
	             : h.outcome == RUN_SKIP ? RUN_SKIP
	                                     : RUN_PASS;
	r->commands_skipped = h.commands_skipped != 0;
	r->diag = h.diag;
	r->diag.file[sizeof(r->diag.file) - 1] = '\0';
	r->diag.msg[sizeof(r->diag.msg) - 1] = '\0';
	r->diag.src[sizeof(r->diag.src) - 1] = '\0';
	memcpy(r->skip_reason, h.skip_reason, sizeof(r->skip_reason));
	r->skip_reason[sizeof(r->skip_reason) - 1] = '\0';
	r->elapsed_us = h.elapsed_us;
	r->target_us = h.target_us;
	r->addrs = h.addrs;
	r->have_edges = h.have_edges != 0;
	r->edges_inferred = h.edges_inferred != 0;
	memcpy(r->edges, h.edges, sizeof(r->edges));
	memcpy(r->target, h.target, sizeof(r->target));
	r->target[sizeof(r->target) - 1] = '\0';
	if (h.log_n > 0) {
		r->log = malloc(h.log_n * sizeof(*r->log));
		if (!r->log || get(&c, r->log, h.log_n * sizeof(*r->log)) != 0)
			goto bad;
		r->log_n = r->log_cap = h.log_n;
	}
	if (h.raw_n > 0) {
		r->raw = calloc(h.raw_n, sizeof(*r->raw));
		if (!r->raw)
			goto bad;
		r->raw_cap = h.raw_n;
		for (i = 0; i < h.raw_n; i++) {
			uint64_t hdr[2];

			if (get(&c, hdr, sizeof(hdr)) != 0 ||
			    hdr[1] > len - c.off)
				goto bad;
			r->raw[i].bytes = malloc(hdr[1] ? hdr[1] : 1);
			if (!r->raw[i].bytes)
				goto bad;
			r->raw_n = i + 1;
			r->raw[i].t_us = hdr[0];
			r->raw[i].len = hdr[1];
			(void)get(&c, r->raw[i].bytes, hdr[1]);
		}
	}
	if (get(&c, &end, sizeof(end)) != 0 || end != RIO_END || c.off != len)
		goto bad;
	for (i = 0; i < r->log_n; i++) {
		r->log[i].text[sizeof(r->log[i].text) - 1] = '\0';
		r->log[i].state[sizeof(r->log[i].state) - 1] = '\0';
		r->log[i].pkt.opts[sizeof(r->log[i].pkt.opts) - 1] = '\0';
	}
	return 0;
bad:
	run_result_free(r);
	return -1;
}
