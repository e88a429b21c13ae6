/* SPDX-License-Identifier: MIT
 *
 * A ctest for the lwIP plugin: many create/handshake/destroy cycles in one
 * process must leak nothing (LeakSanitizer at exit) and send the same
 * packets every cycle, and lwIP's clock, TCP timer and ISNs must really be
 * the plugin's (liblwip.so's own are interposed). Built twice: with the
 * plugin linked in (as a fuzzer links it) and, with LW_CYCLE_DLOPEN, with
 * the plugin loaded by dlopen(RTLD_LOCAL) (as the harness loads it).
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifdef LW_CYCLE_DLOPEN
#include <dlfcn.h>

#include "shakedown/stack_plugin.h"
#else
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"
#include "lwip_plugin.h"
#endif

#define MS 1000ull

static const struct sd_stack_plugin *P;
static uint32_t (*sleeptime)(void); /* lwIP's sys_timeouts_sleeptime() */

static const uint8_t ME4[4] = { 192, 0, 2, 1 }, PEER4[4] = { 192, 0, 2, 2 };
static const uint8_t ME6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t PEER6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static int fails;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "lwip_plugin_cycle:%d: ", __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			fails++;                                               \
			return -1;                                             \
		}                                                              \
	} while (0)

/* ---- Packets of the script's peer ------------------------------------ */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* An IPv4 or IPv6 packet from the peer: flags, seq, ack, an MSS option
 * on SYNs, and payload. */
static size_t seg(uint8_t *b, int v6, uint16_t sport, uint16_t dport,
                  uint8_t flags, uint32_t seq, uint32_t ack, const char *data)
{
	size_t ih = v6 ? 40 : 20, th = (flags & 0x02) ? 24 : 20;
	size_t dl = data ? strlen(data) : 0, tl = th + dl;
	uint8_t *t = b + ih;
	uint32_t s;

	memset(b, 0, ih + tl);
	if (v6) {
		b[0] = 0x60;
		put16(b + 4, (uint16_t)tl);
		b[6] = 6;
		b[7] = 64;
		memcpy(b + 8, PEER6, 16);
		memcpy(b + 24, ME6, 16);
		s = sum16(b + 8, 32, 0);
	} else {
		b[0] = 0x45;
		put16(b + 2, (uint16_t)(ih + tl));
		b[8] = 64;
		b[9] = 6;
		memcpy(b + 12, PEER4, 4);
		memcpy(b + 16, ME4, 4);
		put16(b + 10, fold(sum16(b, 20, 0)));
		s = sum16(b + 12, 8, 0);
	}
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((th / 4) << 4);
	t[13] = flags;
	put16(t + 14, 65535);
	if (th == 24) {
		t[20] = 2;
		t[21] = 4;
		put16(t + 22, 1000);
	}
	if (dl)
		memcpy(t + th, data, dl);
	s += 6 + (uint32_t)tl;
	put16(t + 16, fold(sum16(t, tl, s)));
	return ih + tl;
}

/* ---- One cycle ------------------------------------------------------- */

struct run {
	void *inst;
	uint64_t now;
	uint64_t hash; /* FNV-1a over every packet and its time */
	unsigned pkts;
	uint8_t last[2048];
	long last_len;
};

static void take(struct run *r)
{
	uint8_t buf[2048];
	long n;

	while ((n = P->output(r->inst, buf, sizeof buf)) > 0) {
		for (long i = 0; i < n; i++)
			r->hash = (r->hash ^ buf[i]) * 0x100000001b3ull;
		for (int i = 0; i < 8; i++)
			r->hash = (r->hash ^ (uint8_t)(r->now >> (8 * i))) *
			          0x100000001b3ull;
		memcpy(r->last, buf, (size_t)n);
		r->last_len = n;
		r->pkts++;
	}
}

static void inject(struct run *r, const uint8_t *b, size_t n)
{
	P->input(r->inst, b, n);
	take(r);
}

/* Moves the clock to t the way the harness does: through every deadline. */
static void go(struct run *r, uint64_t t)
{
	for (;;) {
		uint64_t d = P->next_deadline(r->inst);

		if (d > t)
			break;
		r->now = d;
		P->advance(r->inst, d);
		take(r);
	}
	r->now = t;
	P->advance(r->inst, t);
	take(r);
}

static int cycle(struct run *r, int first)
{
	struct sd_plugin_config cfg;
	struct sd_plugin_addr a;
	char why[200];
	uint8_t b[256];
	char got[16];
	int one = 1, ls, cs, as, v;
	unsigned vl = sizeof v;
	uint32_t isn, isn6, tcp_off;
	void *second;

	memset(&cfg, 0, sizeof cfg);
	cfg.abi = SD_PLUGIN_ABI;
	cfg.stack4.family = cfg.peer4.family = AF_INET;
	memcpy(cfg.stack4.addr, ME4, 4);
	memcpy(cfg.peer4.addr, PEER4, 4);
	cfg.stack6.family = cfg.peer6.family = AF_INET6;
	memcpy(cfg.stack6.addr, ME6, 16);
	memcpy(cfg.peer6.addr, PEER6, 16);
	cfg.mtu = 1500;
	cfg.profile = "lwip";
	memset(r, 0, sizeof *r);
	r->hash = 0xcbf29ce484222325ull;
	CHECK(P->create(&r->inst, &cfg, why, sizeof why) == 0, "create: %s",
	      why);
	CHECK(P->create(&second, &cfg, why, sizeof why) == 1,
	      "a second live instance was not refused");

	if (first && sleeptime) {
		/* lwip_init() registered lwIP's cyclic timers at sys_now() =
		 * 0, the first due at 100 ms: lwIP reads the virtual clock. */
		go(r, 50 * MS);
		CHECK(sleeptime() == 50,
		      "lwIP's sys_now() is not the plugin's: "
		      "sys_timeouts_sleeptime() = %u at 50 ms, not 50",
		      (unsigned)sleeptime());
	}

	/* Passive open on 192.0.2.1:8080. */
	ls = P->socket(r->inst, AF_INET);
	CHECK(ls >= 0, "socket: %d", ls);
	CHECK(P->setsockopt(r->inst, ls, SOL_SOCKET, SO_REUSEADDR, &one,
	                    sizeof one) == 0,
	      "SO_REUSEADDR");
	memset(&a, 0, sizeof a);
	a.family = AF_INET;
	memcpy(a.addr, ME4, 4);
	a.port = 8080;
	CHECK(P->bind(r->inst, ls, &a) == 0, "bind");
	CHECK(P->listen(r->inst, ls, 1) == 0, "listen");
	go(r, 100 * MS);
	inject(r, b, seg(b, 0, 40000, 8080, 0x02, 1000, 0, NULL));
	CHECK(r->pkts == 1 && r->last_len == 44 && r->last[33] == 0x12,
	      "no SYN,ACK (%u packets)", r->pkts);
	CHECK(r->last[4] == 0 && r->last[5] == 0,
	      "the first IPv4 ID of an instance is %u, not 0",
	      (unsigned)(r->last[4] << 8 | r->last[5]));
	isn = get32(r->last + 24);
	CHECK(isn == 6510, "ISN %u: not 6510, tcp_next_iss() not ours",
	      (unsigned)isn);
	CHECK(P->accept(r->inst, ls, &a) == -EAGAIN, "accept before ACK");
	inject(r, b, seg(b, 0, 40000, 8080, 0x10, 1001, isn + 1, NULL));
	as = P->accept(r->inst, ls, &a);
	CHECK(as >= 0 && a.port == 40000, "accept: %d", as);
	CHECK(strcmp(P->state(r->inst, as), "ESTABLISHED") == 0, "state %s",
	      P->state(r->inst, as));
	inject(r, b, seg(b, 0, 40000, 8080, 0x18, 1001, isn + 1, "hello"));
	CHECK(P->recv(r->inst, as, got, sizeof got, 0) == 5 &&
	          memcmp(got, "hello", 5) == 0,
	      "recv");
	CHECK(P->send(r->inst, as, "world!", 6, 0) == 6, "send");
	take(r);
	CHECK(r->last_len == 46 && memcmp(r->last + 40, "world!", 6) == 0,
	      "data not sent at once (last %ld bytes)", r->last_len);
	inject(r, b, seg(b, 0, 40000, 8080, 0x10, 1006, isn + 7, NULL));

	/* Active open over IPv6 to [2001:db8::2]:9000: the SYN goes again
	 * after lwIP's initial RTO (3 s), so lwIP's TCP timer is ours. */
	cs = P->socket(r->inst, AF_INET6);
	CHECK(cs >= 0, "socket6");
	memset(&a, 0, sizeof a);
	a.family = AF_INET6;
	memcpy(a.addr, PEER6, 16);
	a.port = 9000;
	CHECK(P->connect(r->inst, cs, &a) == -EINPROGRESS, "connect");
	take(r);
	CHECK(r->last_len == 68 && r->last[0] >> 4 == 6 && r->last[53] == 0x02,
	      "no IPv6 SYN (last %ld bytes, %02x)", r->last_len, r->last[0]);
	isn6 = get32(r->last + 44);
	tcp_off = r->pkts;
	go(r, 3500 * MS);
	CHECK(r->pkts > tcp_off && r->last[0] >> 4 == 6 &&
	          r->last[53] == 0x02 && get32(r->last + 44) == isn6,
	      "the SYN was not retransmitted by 3.5 s: lwIP's TCP timer "
	      "did not run");
	CHECK((r->last[40] << 8 | r->last[41]) == 58311,
	      "ephemeral port %u, not 58311 (the second rand() of seed 1, "
	      "846930886, | 0xc000, + 1)",
	      (unsigned)(r->last[40] << 8 | r->last[41]));
	CHECK(P->poll(r->inst, cs, POLLOUT) == 0, "writable in SYN-SENT");
	inject(r, b,
	       seg(b, 1, 9000, (uint16_t)(r->last[40] << 8 | r->last[41]), 0x14,
	           0, isn6 + 1, NULL));
	CHECK(P->poll(r->inst, cs, POLLOUT) & POLLERR, "no POLLERR");
	CHECK(P->getsockopt(r->inst, cs, SOL_SOCKET, SO_ERROR, &v, &vl) == 0 &&
	          v == ECONNREFUSED,
	      "SO_ERROR %d, not ECONNREFUSED", v);
	CHECK(P->close(r->inst, cs) == 0, "close6");

	/* Close the accepted connection (FIN), leave the listener open; the
	 * peer never answers: lwIP retransmits until destroy(). */
	CHECK(P->close(r->inst, as) == 0, "close");
	take(r);
	CHECK(r->last[33] & 0x01, "no FIN");
	go(r, 10000 * MS);
	/* The latest connection is the refused one. */
	CHECK(strcmp(P->state(r->inst, -1), "CLOSED") == 0, "state(-1) %s",
	      P->state(r->inst, -1));
	P->destroy(r->inst);
#ifndef LW_CYCLE_DLOPEN
	/* Nothing of the instance stays in lwIP's lists. */
	CHECK(!tcp_active_pcbs && !tcp_tw_pcbs && !tcp_bound_pcbs &&
	          !tcp_listen_pcbs.pcbs && !netif_list,
	      "destroy() left pcbs or the netif in lwIP's lists");
#endif
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
	struct run r0, r;

#ifdef LW_CYCLE_DLOPEN
	void *h;
	sd_stack_plugin_fn entry;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CYCLES PATH/sd_lwip.so\n", argv[0]);
		return 2;
	}
	h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "lwip_plugin_cycle: %s\n", dlerror());
		return 1;
	}
	entry = (sd_stack_plugin_fn)dlsym(h, SD_PLUGIN_ENTRY);
	sleeptime = (uint32_t(*)(void))dlsym(h, "sys_timeouts_sleeptime");
	if (!entry || !sleeptime) {
		fprintf(stderr, "lwip_plugin_cycle: %s\n", dlerror());
		return 1;
	}
	P = entry();
#else
	P = sd_plugin_lwip();
	sleeptime = sys_timeouts_sleeptime;
#endif
	if (cycle(&r0, 1) < 0)
		return 1;
	for (unsigned i = 1; i < n; i++) {
		if (cycle(&r, 0) < 0)
			return 1;
		if (r.hash != r0.hash || r.pkts != r0.pkts) {
			fprintf(
			    stderr,
			    "lwip_plugin_cycle: cycle %u sent other packets "
			    "than cycle 0 (%u against %u)\n",
			    i, r.pkts, r0.pkts);
			return 1;
		}
	}
	printf("lwip_plugin_cycle: %u cycles, %u packets each, identical "
	       "(hash %016llx)\n",
	       n, r0.pkts, (unsigned long long)r0.hash);
	return fails ? 1 : 0;
}
