/* SPDX-License-Identifier: MIT
 *
 * Smoke test of sd_ref.so through the plugin interface alone: dlopen() the
 * module, play the peer with packets built by the stack's own wire helpers
 * (handshake, data both ways, close, TIME-WAIT to CLOSED), and check an
 * active open, the profiles and the "// config:" words. Usage:
 * ref_plugin_smoke PATH/sd_ref.so
 */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shakedown/stack_plugin.h"
#include "tcpref/seg.h"
#include "tcpref/wire.h"

#define PEER_ISN 1000u
#define STACK_PORT 8080
#define PEER_PORT 40000

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #cond);                              \
			failures++;                                            \
		}                                                              \
	} while (0)

#define CHECK_EQ(want, got)                                                    \
	do {                                                                   \
		long long w_ = (long long)(want), g_ = (long long)(got);       \
		if (w_ != g_) {                                                \
			fprintf(stderr,                                        \
			        "%s:%d: %s: expected %lld, got %lld\n",        \
			        __FILE__, __LINE__, #got, w_, g_);             \
			failures++;                                            \
		}                                                              \
	} while (0)

/* One end of the test: the plugin's table and an instance. */
struct world {
	const struct sd_stack_plugin *p;
	void *inst;
	struct tcp_addr stack, peer;
	uint8_t buf[2048];
	struct tcp_seg seg; /* the last segment taken by take() */
	size_t seg_payload;
};

static void config_init(struct sd_plugin_config *c, const char *profile,
                        const char *const *words, size_t n)
{
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t p6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	memset(c, 0, sizeof(*c));
	c->abi = SD_PLUGIN_ABI;
	c->stack4.family = c->peer4.family = AF_INET;
	memcpy(c->stack4.addr, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(c->peer4.addr, (uint8_t[]){ 192, 0, 2, 2 }, 4);
	c->stack6.family = c->peer6.family = AF_INET6;
	memcpy(c->stack6.addr, s6, 16);
	memcpy(c->peer6.addr, p6, 16);
	c->stack4.port = c->stack6.port = STACK_PORT;
	c->peer4.port = c->peer6.port = PEER_PORT;
	c->mtu = 1500;
	c->profile = profile;
	c->config = words;
	c->config_n = n;
}

static int world_open(struct world *w, const struct sd_stack_plugin *p,
                      const char *profile)
{
	struct sd_plugin_config c;
	char why[256] = "";
	int rc;

	memset(w, 0, sizeof(*w));
	w->p = p;
	config_init(&c, profile, NULL, 0);
	rc = p->create(&w->inst, &c, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "create: %d: %s\n", rc, why);
	tcp_addr_v4(&w->stack, 192, 0, 2, 1);
	tcp_addr_v4(&w->peer, 192, 0, 2, 2);
	return rc;
}

/* Sends the peer's segment (flags, seq, ack, payload) to the stack. */
static void inject(struct world *w, uint16_t flags, uint32_t seq, uint32_t ack,
                   const char *data)
{
	struct tcp_seg s;
	uint8_t pkt[1600];
	size_t tl, il;

	memset(&s, 0, sizeof(s));
	s.sport = PEER_PORT;
	s.dport = STACK_PORT;
	s.seq = tcp_seq_make(seq);
	s.ack = tcp_seq_make(ack);
	s.flags = flags;
	s.wnd = 65535;
	if (flags & TCP_FLAG_SYN) {
		s.opts.present = TCP_OPTF_MSS;
		s.opts.mss = 1460;
	}
	if (data) {
		s.payload = (const uint8_t *)data;
		s.payload_bytes = (uint32_t)strlen(data);
	}
	tl = tcp_seg_emit(&s, &w->peer, &w->stack, pkt + 20, sizeof(pkt) - 20);
	il = tcp_wire_ip_emit(&w->peer, &w->stack, 64, 0, 1, tl, pkt, 20);
	CHECK(tl > 0 && il == 20);
	w->p->input(w->inst, pkt, il + tl);
}

/* Takes the next packet the stack sent into w->seg; false when none. */
static bool take(struct world *w)
{
	struct tcp_ip_info ip;
	long n = w->p->output(w->inst, w->buf, sizeof(w->buf));

	if (n <= 0)
		return false;
	if (tcp_wire_ip_parse(w->buf, (size_t)n, &ip) != TCP_WHY_NONE ||
	    tcp_seg_parse(&w->seg, ip.tcp, ip.tcp_len, &ip.src, &ip.dst) !=
	        TCP_WHY_NONE) {
		fprintf(stderr,
		        "the stack sent a packet that does not parse\n");
		failures++;
		return false;
	}
	CHECK(tcp_addr_eq(&ip.src, &w->stack) &&
	      tcp_addr_eq(&ip.dst, &w->peer));
	w->seg_payload = w->seg.payload_bytes;
	return true;
}

/* Runs the stack's timers until it sends something (or none is left). */
static bool take_after_timers(struct world *w)
{
	int i;

	for (i = 0; i < 100; i++) {
		uint64_t dl;

		if (take(w))
			return true;
		dl = w->p->next_deadline(w->inst);
		if (dl == SD_PLUGIN_NO_DEADLINE)
			return false;
		w->p->advance(w->inst, dl);
	}
	return false;
}

/* Passive open, data both ways, active close down to CLOSED. */
static void test_passive(const struct sd_stack_plugin *p)
{
	struct world w;
	struct sd_plugin_addr any = { .family = AF_INET, .port = STACK_PORT };
	struct sd_plugin_addr peer;
	char rbuf[64];
	uint32_t iss;
	int lh, ch;

	if (world_open(&w, p, "ref") != 0) {
		failures++;
		return;
	}
	lh = p->socket(w.inst, AF_INET);
	CHECK_EQ(0, lh);
	CHECK_EQ(0, p->bind(w.inst, lh, &any));
	CHECK_EQ(0, p->listen(w.inst, lh, 1));
	CHECK_EQ(-EAGAIN, p->accept(w.inst, lh, &peer));
	CHECK(strcmp(p->state(w.inst, -1), "LISTEN") == 0);

	/* RFC 9293 3.5: SYN, SYN-ACK, ACK. */
	inject(&w, TCP_FLAG_SYN, PEER_ISN, 0, NULL);
	CHECK(take(&w));
	CHECK_EQ(TCP_FLAG_SYN | TCP_FLAG_ACK, w.seg.flags);
	CHECK_EQ(PEER_ISN + 1, w.seg.ack.v);
	CHECK_EQ(STACK_PORT, w.seg.sport);
	CHECK_EQ(PEER_PORT, w.seg.dport);
	CHECK(w.seg.opts.present & TCP_OPTF_MSS);
	CHECK_EQ(1460, w.seg.opts.mss);
	iss = w.seg.seq.v;
	CHECK(strcmp(p->state(w.inst, -1), "SYN-RECEIVED") == 0);
	inject(&w, TCP_FLAG_ACK, PEER_ISN + 1, iss + 1, NULL);
	CHECK(!take(&w));
	CHECK(p->poll(w.inst, lh, POLLIN) & POLLIN);
	ch = p->accept(w.inst, lh, &peer);
	CHECK(ch >= 0);
	CHECK_EQ(AF_INET, peer.family);
	CHECK_EQ(PEER_PORT, peer.port);
	CHECK(memcmp(peer.addr, (uint8_t[]){ 192, 0, 2, 2 }, 4) == 0);
	CHECK(strcmp(p->state(w.inst, ch), "ESTABLISHED") == 0);
	CHECK_EQ(POLLOUT, p->poll(w.inst, ch, POLLIN | POLLOUT));

	/* Data from the peer: readable, ACKed (delayed, RFC 9293 3.8.6.3). */
	CHECK_EQ(-EAGAIN, p->recv(w.inst, ch, rbuf, sizeof(rbuf), 0));
	inject(&w, TCP_FLAG_ACK | TCP_FLAG_PSH, PEER_ISN + 1, iss + 1, "hello");
	CHECK(p->poll(w.inst, ch, POLLIN) & POLLIN);
	CHECK_EQ(5, p->recv(w.inst, ch, rbuf, sizeof(rbuf), 0));
	CHECK(memcmp(rbuf, "hello", 5) == 0);
	CHECK(take_after_timers(&w));
	CHECK_EQ(TCP_FLAG_ACK, w.seg.flags);
	CHECK_EQ(PEER_ISN + 6, w.seg.ack.v);

	/* Data from the application. */
	CHECK_EQ(3, p->send(w.inst, ch, "abc", 3, 0));
	CHECK(take(&w));
	CHECK_EQ(3, w.seg_payload);
	CHECK_EQ(iss + 1, w.seg.seq.v);
	CHECK(memcmp(w.seg.payload, "abc", 3) == 0);
	inject(&w, TCP_FLAG_ACK, PEER_ISN + 6, iss + 4, NULL);

	/* Active close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSED. */
	CHECK_EQ(0, p->close(w.inst, ch));
	CHECK(take(&w));
	CHECK_EQ(TCP_FLAG_FIN | TCP_FLAG_ACK, w.seg.flags);
	CHECK(strcmp(p->state(w.inst, -1), "FIN-WAIT-1") == 0);
	inject(&w, TCP_FLAG_ACK, PEER_ISN + 6, iss + 5, NULL);
	CHECK(strcmp(p->state(w.inst, -1), "FIN-WAIT-2") == 0);
	inject(&w, TCP_FLAG_FIN | TCP_FLAG_ACK, PEER_ISN + 6, iss + 5, NULL);
	CHECK(take(&w));
	CHECK_EQ(PEER_ISN + 7, w.seg.ack.v);
	CHECK(strcmp(p->state(w.inst, -1), "TIME-WAIT") == 0);
	/* 2 MSL of the default profile, 240 s (RFC 9293 3.4.2), from the
	 * time of the FIN: 200 ms, when the delayed ACK went. */
	CHECK_EQ(200000u + 240000000u, p->next_deadline(w.inst));
	p->advance(w.inst, p->next_deadline(w.inst));
	CHECK(strcmp(p->state(w.inst, -1), "CLOSED") == 0);
	CHECK_EQ(SD_PLUGIN_NO_DEADLINE, p->next_deadline(w.inst));
	CHECK_EQ(-EBADF, p->close(w.inst, ch));
	CHECK_EQ(0, p->close(w.inst, lh));
	p->destroy(w.inst);
}

/* Active open: EINPROGRESS, the scripted port first, the outcome once. */
static void test_active(const struct sd_stack_plugin *p)
{
	struct world w;
	struct sd_plugin_addr to = { .family = AF_INET, .port = PEER_PORT };
	unsigned len = sizeof(int);
	int h, v = -1;

	if (world_open(&w, p, "default") != 0) {
		failures++;
		return;
	}
	memcpy(to.addr, (uint8_t[]){ 192, 0, 2, 2 }, 4);
	h = p->socket(w.inst, AF_INET);
	CHECK_EQ(-EINPROGRESS, p->connect(w.inst, h, &to));
	CHECK_EQ(-EALREADY, p->connect(w.inst, h, &to));
	CHECK_EQ(0, p->poll(w.inst, h, POLLOUT));
	CHECK(take(&w));
	CHECK_EQ(TCP_FLAG_SYN, w.seg.flags);
	CHECK_EQ(STACK_PORT, w.seg.sport);
	/* The default profile's SYN: MSS, SACK-permitted, TS, WS (RFC 7323
	 * TSval = virtual ms + the fixed offset). */
	CHECK_EQ(TCP_OPTF_MSS | TCP_OPTF_SACKOK | TCP_OPTF_TS | TCP_OPTF_WS,
	         w.seg.opts.present);
	CHECK_EQ(0x00100000u, w.seg.opts.tsval);
	/* A RST refuses it (RFC 9293 3.10.7.3): POLLERR, SO_ERROR, then
	 * connect() tells the outcome too (Linux). */
	inject(&w, TCP_FLAG_RST | TCP_FLAG_ACK, 0, w.seg.seq.v + 1, NULL);
	CHECK(p->poll(w.inst, h, POLLOUT) & POLLERR);
	CHECK_EQ(0, p->getsockopt(w.inst, h, SOL_SOCKET, SO_ERROR, &v, &len));
	CHECK_EQ(ECONNREFUSED, v);
	CHECK_EQ(-ECONNREFUSED, p->connect(w.inst, h, &to));
	CHECK_EQ(0, p->close(w.inst, h));

	/* The legacy profile sends only MSS on a SYN. */
	p->destroy(w.inst);
	if (world_open(&w, p, "ref-legacy") != 0) {
		failures++;
		return;
	}
	h = p->socket(w.inst, AF_INET);
	CHECK_EQ(-EINPROGRESS, p->connect(w.inst, h, &to));
	CHECK(take(&w));
	CHECK_EQ(TCP_OPTF_MSS, w.seg.opts.present);
	p->destroy(w.inst);
}

/* Profiles and "// config:" words: unknown ones are refused. */
static void test_config(const struct sd_stack_plugin *p)
{
	static const char *const good[] = { "profile=legacy", "mss=536",
		                            "rcvbuf=1024" };
	static const char *const bad[] = { "timestamps=0", "mtu=1280" };
	static const char *const range[] = { "mss=10" };
	struct sd_plugin_config c;
	char why[256];
	void *inst = NULL;

	config_init(&c, "default", good, 3);
	CHECK_EQ(0, p->create(&inst, &c, why, sizeof(why)));
	p->destroy(inst);
	config_init(&c, "default", bad, 2);
	CHECK_EQ(1, p->create(&inst, &c, why, sizeof(why)));
	CHECK(strstr(why, "mtu") != NULL);
	CHECK(inst == NULL);
	config_init(&c, "default", range, 1);
	CHECK_EQ(1, p->create(&inst, &c, why, sizeof(why)));
	config_init(&c, "lwip", NULL, 0);
	CHECK_EQ(-1, p->create(&inst, &c, why, sizeof(why)));
	CHECK(strstr(why, "lwip") != NULL);
	c.profile = "ecn";
	CHECK_EQ(0, p->create(&inst, &c, why, sizeof(why)));
	p->destroy(inst);
}

int main(int argc, char **argv)
{
	void *dl;
	sd_stack_plugin_fn fn;
	const struct sd_stack_plugin *p;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/sd_ref.so\n", argv[0]);
		return 2;
	}
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	*(void **)&fn = dlsym(dl, SD_PLUGIN_ENTRY);
	if (!fn) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 1;
	}
	p = fn();
	CHECK_EQ(SD_PLUGIN_ABI, p->abi);
	CHECK(strcmp(p->name, "ref") == 0);
	test_passive(p);
	test_active(p);
	test_config(p);
	dlclose(dl);
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("ref plugin smoke: all checks passed\n");
	return 0;
}
