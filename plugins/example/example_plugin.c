/* SPDX-License-Identifier: MIT
 *
 * The example plugin: a host on which every TCP port is closed. It answers
 * each segment as RFC 9293 3.10.7.1 says a TCP in the CLOSED state must,
 * over IPv4 and IPv6; socket() gives handles and every other call is
 * refused, since no connection can ever exist here. Short on purpose: it
 * is the template a stack author copies (harness/PLUGINS.md walks through
 * it), and a real stack, small enough to read in one sitting.
 */
#include "example_plugin.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define EX_SOCKS 16   /* handles 0 .. EX_SOCKS - 1 */
#define EX_QUEUE 8    /* resets waiting for output(); more are dropped */
#define EX_PKT_MAX 60 /* the largest reset: IPv6 header 40 + TCP 20 */
#define EX_TTL 64     /* IPv4 TTL and IPv6 hop limit of what we send */

#define EX_FIN 0x01 /* TCP header flags (RFC 9293 3.1) */
#define EX_SYN 0x02
#define EX_RST 0x04
#define EX_ACK 0x10

/* A packet this host sent, waiting for output(). */
struct ex_pkt {
	size_t len;
	uint8_t b[EX_PKT_MAX];
};

/*
 * One instance. All its state lives here and none in globals, so that the
 * harness (or a fuzzer linking this statically) may run several at once.
 */
struct ex_host {
	uint8_t addr4[4], addr6[16]; /* our addresses, network byte order */
	uint64_t now_us;             /* the harness's clock (no timers here) */
	bool sock[EX_SOCKS];         /* which handles are open */
	struct ex_pkt q[EX_QUEUE];   /* ring: q[head], ... n packets */
	size_t head, n;
};

/* ---- Bytes on the wire ---------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Adds len bytes to an Internet checksum's running sum (RFC 1071). */
static uint32_t sum(uint32_t acc, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += get16(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return acc;
}

/* The checksum of a running sum: 0 over bytes that carry a right one. */
static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/*
 * The TCP checksum of seg[0..len) with its pseudo-header (RFC 9293 3.1;
 * for IPv6, RFC 8200 8.1): source and destination address (alen bytes
 * each), protocol 6, TCP length. alen is 4 or 16.
 */
static uint16_t tcp_sum(const uint8_t *src, const uint8_t *dst, size_t alen,
                        const uint8_t *seg, size_t len)
{
	uint32_t acc = sum(sum(0, src, alen), dst, alen);

	return fold(sum(acc + 6 + (uint32_t)len, seg, len));
}

/*
 * Queues a reset from me:sport to peer:dport. A full queue drops it: a
 * reset may be lost like any segment, and the peer will send again.
 */
static void send_rst(struct ex_host *h, const uint8_t *me, const uint8_t *peer,
                     size_t alen, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags)
{
	size_t ip_len = alen == 4 ? 20 : 40;
	struct ex_pkt *p;
	uint8_t *tcp;

	if (h->n == EX_QUEUE)
		return;
	p = &h->q[(h->head + h->n++) % EX_QUEUE];
	memset(p->b, 0, sizeof(p->b));
	p->len = ip_len + 20;
	if (alen == 4) { /* RFC 791: no options, DF, identification 0 */
		p->b[0] = 0x45;
		put16(p->b + 2, (uint32_t)p->len);
		put16(p->b + 6, 0x4000);
		p->b[8] = EX_TTL;
		p->b[9] = 6;
		memcpy(p->b + 12, me, 4);
		memcpy(p->b + 16, peer, 4);
		put16(p->b + 10, fold(sum(0, p->b, 20)));
	} else { /* RFC 8200 */
		p->b[0] = 0x60;
		put16(p->b + 4, 20);
		p->b[6] = 6;
		p->b[7] = EX_TTL;
		memcpy(p->b + 8, me, 16);
		memcpy(p->b + 24, peer, 16);
	}
	tcp = p->b + ip_len; /* no options, window 0, urgent pointer 0 */
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 16, tcp_sum(me, peer, alen, tcp, 20));
}

/* ---- The TCP: CLOSED, always ------------------------------------------ */

/*
 * RFC 9293 3.10.7.1, a segment arriving in CLOSED: "all data in the
 * incoming segment is discarded. An incoming segment containing a RST is
 * discarded. An incoming segment not containing a RST causes a RST to be
 * sent in response. The acknowledgment and sequence field values are
 * selected to make the reset sequence acceptable to the TCP endpoint that
 * sent the offending segment."
 */
static void segment_arrives(struct ex_host *h, const uint8_t *src,
                            const uint8_t *dst, size_t alen, const uint8_t *seg,
                            size_t len)
{
	uint8_t flags = seg[13];
	uint32_t data = (uint32_t)(len - (size_t)(seg[12] >> 4) * 4);

	if (flags & EX_RST)
		return;
	if (flags & EX_ACK) {
		/* "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>" */
		send_rst(h, dst, src, alen, get16(seg + 2), get16(seg),
		         get32(seg + 8), 0, EX_RST);
	} else {
		/* "If the ACK bit is off, sequence number zero is used,
		 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>", where SEG.LEN
		 * counts the data and the SYN and FIN flags (3.3.1). */
		uint32_t seg_len = data + ((flags & EX_SYN) ? 1u : 0u) +
		                   ((flags & EX_FIN) ? 1u : 0u);

		send_rst(h, dst, src, alen, get16(seg + 2), get16(seg), 0,
		         get32(seg + 4) + seg_len, EX_RST | EX_ACK);
	}
}

/*
 * input(): takes the IP header off. What is not a whole, intact TCP
 * segment to one of our addresses is dropped in silence: a bad IPv4
 * header checksum (RFC 1122 3.2.1.2), a fragment (this host does not
 * reassemble), an IPv6 extension header (none is supported), a data
 * offset outside the segment or a bad TCP checksum (RFC 9293 3.1, MUST-3).
 */
static void ex_input(void *inst, const uint8_t *pkt, size_t len)
{
	struct ex_host *h = inst;
	const uint8_t *src, *dst, *seg;
	size_t alen, seg_len, hl, off;

	if (len >= 20 && pkt[0] >> 4 == 4) {
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl < 20 || get16(pkt + 2) < hl || get16(pkt + 2) > len ||
		    pkt[9] != 6 || (get16(pkt + 6) & 0x3fff) != 0 ||
		    fold(sum(0, pkt, hl)) != 0 ||
		    memcmp(pkt + 16, h->addr4, 4) != 0)
			return;
		src = pkt + 12;
		dst = pkt + 16;
		alen = 4;
		seg = pkt + hl;
		seg_len = get16(pkt + 2) - hl;
	} else if (len >= 40 && pkt[0] >> 4 == 6) {
		if (pkt[6] != 6 || 40u + get16(pkt + 4) > len ||
		    memcmp(pkt + 24, h->addr6, 16) != 0)
			return;
		src = pkt + 8;
		dst = pkt + 24;
		alen = 16;
		seg = pkt + 40;
		seg_len = get16(pkt + 4);
	} else {
		return;
	}
	if (seg_len < 20)
		return;
	off = (size_t)(seg[12] >> 4) * 4;
	if (off < 20 || off > seg_len ||
	    tcp_sum(src, dst, alen, seg, seg_len) != 0)
		return;
	segment_arrives(h, src, dst, alen, seg, seg_len);
}

static long ex_output(void *inst, uint8_t *buf, size_t cap)
{
	struct ex_host *h = inst;
	const struct ex_pkt *p;

	if (h->n == 0)
		return 0;
	p = &h->q[h->head];
	h->head = (h->head + 1) % EX_QUEUE;
	h->n--;
	if (p->len > cap)
		return -EMSGSIZE;
	memcpy(buf, p->b, p->len);
	return (long)p->len;
}

/* No timers: the clock is only noted, and nothing is ever due. */
static void ex_advance(void *inst, uint64_t now_us)
{
	struct ex_host *h = inst;

	h->now_us = now_us;
}

static uint64_t ex_next_deadline(void *inst)
{
	(void)inst;
	return SD_PLUGIN_NO_DEADLINE;
}

/* ---- Instance ---------------------------------------------------------- */

static int ex_create(void **inst, const struct sd_plugin_config *cfg, char *why,
                     size_t why_n)
{
	struct ex_host *h;

	/* This stack has no settings: any "// config:" key is unknown, and
	 * the harness reports the script as skipped with this reason. */
	if (cfg->config_n > 0) {
		snprintf(why, why_n, "the example stack has no setting '%s'",
		         cfg->config[0]);
		return 1;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(why, why_n, "out of memory");
		return -1;
	}
	memcpy(h->addr4, cfg->stack4.addr, 4);
	memcpy(h->addr6, cfg->stack6.addr, 16);
	*inst = h;
	return 0;
}

static void ex_destroy(void *inst)
{
	free(inst);
}

/* ---- Socket calls -------------------------------------------------------- */

static bool ex_open(void *inst, int s)
{
	const struct ex_host *h = inst;

	return s >= 0 && s < EX_SOCKS && h->sock[s];
}

static int ex_socket(void *inst, int domain)
{
	struct ex_host *h = inst;
	int s;

	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	for (s = 0; s < EX_SOCKS; s++) {
		if (!h->sock[s]) {
			h->sock[s] = true;
			return s;
		}
	}
	return -EMFILE;
}

/*
 * bind, listen, connect, accept: this host opens no connection, active or
 * passive, so each is an operation it does not support.
 */
static int ex_bind(void *inst, int s, const struct sd_plugin_addr *a)
{
	(void)a;
	return ex_open(inst, s) ? -EOPNOTSUPP : -EBADF;
}

static int ex_listen(void *inst, int s, int backlog)
{
	(void)backlog;
	return ex_open(inst, s) ? -EOPNOTSUPP : -EBADF;
}

static int ex_accept(void *inst, int s, struct sd_plugin_addr *peer)
{
	(void)peer;
	return ex_open(inst, s) ? -EOPNOTSUPP : -EBADF;
}

static int ex_connect(void *inst, int s, const struct sd_plugin_addr *a)
{
	(void)a;
	return ex_open(inst, s) ? -EOPNOTSUPP : -EBADF;
}

/* send, recv, shutdown: a socket that is not connected (POSIX). */
static long ex_send(void *inst, int s, const void *buf, size_t len, int flags)
{
	(void)buf;
	(void)len;
	(void)flags;
	return ex_open(inst, s) ? -ENOTCONN : -EBADF;
}

static long ex_recv(void *inst, int s, void *buf, size_t len, int flags)
{
	(void)buf;
	(void)len;
	(void)flags;
	return ex_open(inst, s) ? -ENOTCONN : -EBADF;
}

static int ex_shutdown(void *inst, int s, int how)
{
	(void)how;
	return ex_open(inst, s) ? -ENOTCONN : -EBADF;
}

static int ex_close(void *inst, int s)
{
	struct ex_host *h = inst;

	if (!ex_open(inst, s))
		return -EBADF;
	h->sock[s] = false;
	return 0;
}

/* No options at all: the harness skips a script that sets one. */
static int ex_setsockopt(void *inst, int s, int level, int name,
                         const void *val, unsigned len)
{
	(void)level;
	(void)name;
	(void)val;
	(void)len;
	return ex_open(inst, s) ? -ENOPROTOOPT : -EBADF;
}

/* SO_ERROR only: without a connection there is never an error to give. */
static int ex_getsockopt(void *inst, int s, int level, int name, void *val,
                         unsigned *len)
{
	const int zero = 0;

	if (!ex_open(inst, s))
		return -EBADF;
	if (level != SOL_SOCKET || name != SO_ERROR)
		return -ENOPROTOOPT;
	if (*len < sizeof(zero))
		return -EINVAL;
	memcpy(val, &zero, sizeof(zero));
	*len = sizeof(zero);
	return 0;
}

/*
 * Never connected: nothing will ever arrive (POLLHUP), and a write fails
 * at once rather than waits (POLLOUT), as Linux reports such a socket.
 */
static short ex_poll(void *inst, int s, short events)
{
	if (!ex_open(inst, s))
		return POLLNVAL;
	return (short)(POLLHUP | (events & POLLOUT));
}

/* Every connection of this host is CLOSED: there is none. */
static const char *ex_state(void *inst, int s)
{
	(void)inst;
	(void)s;
	return "CLOSED";
}

static const struct sd_stack_plugin ex_plugin = {
	.abi = SD_PLUGIN_ABI,
	.name = "example",
	.description = "the example plugin: a host with every TCP port "
	               "closed (RFC 9293 3.10.7.1), IPv4 and IPv6",
	.create = ex_create,
	.destroy = ex_destroy,
	.input = ex_input,
	.output = ex_output,
	.advance = ex_advance,
	.next_deadline = ex_next_deadline,
	.socket = ex_socket,
	.bind = ex_bind,
	.listen = ex_listen,
	.accept = ex_accept,
	.connect = ex_connect,
	.send = ex_send,
	.recv = ex_recv,
	.shutdown = ex_shutdown,
	.close = ex_close,
	.setsockopt = ex_setsockopt,
	.getsockopt = ex_getsockopt,
	.poll = ex_poll,
	.state = ex_state,
};

const struct sd_stack_plugin *sd_plugin_example(void)
{
	return &ex_plugin;
}
