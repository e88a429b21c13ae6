/* SPDX-License-Identifier: MIT
 *
 * lwIP as a shakedown stack: Debian's liblwip (2.1.3) driven in-process,
 * without its tcpip thread, through the raw TCP API. One netif hands every
 * IP packet lwIP sends to the harness (no ARP, no Ethernet) and takes the
 * harness's packets through lwIP's own ip_input(); time is the harness's
 * virtual clock only (README.md in this folder says how).
 */
#define _DEFAULT_SOURCE /* initstate(), setstate(), struct linger */

#include "lwip_plugin.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

/* The export attribute of the functions that replace liblwip's own. */
#define LW_INTERPOSE __attribute__((visibility("default")))

#define LW_SOCKS 64 /* handles and not yet accepted connections */
#define LW_TICK_MS TCP_TMR_INTERVAL /* lwIP's TCP timer: 250 ms */
#define LW_REASS_MS 1000            /* lwIP's IP_TMR_INTERVAL */
#define LW_ISS_START 6510u          /* tcp_next_iss()'s first value (2.1) */
#define LW_RAND_SEED 1u /* rand()'s seed in a process that never seeds it */
#define LW_PKT_MAX 65535

/* ---- Instance ------------------------------------------------------- */

/* One packet lwIP sent, waiting for output(). */
struct lw_pkt {
	struct lw_pkt *next;
	size_t len;
	uint8_t data[];
};

/* The socket-like state of one handle (or of a connection lwIP has
 * accepted and the application has not yet taken with accept()). */
struct lw_sock {
	struct tcp_pcb *pcb; /* NULL when lwIP freed it or we let it go */
	int domain;          /* AF_INET or AF_INET6 */
	unsigned used : 1;
	unsigned visible : 1;    /* has a handle (accept() returned it) */
	unsigned fresh : 1;      /* pcb from tcp_new(), in no lwIP list yet */
	unsigned listening : 1;  /* pcb is a tcp_pcb_listen */
	unsigned connecting : 1; /* connect() was called */
	unsigned connected : 1;  /* the handshake of an active open ended */
	unsigned reported : 1;   /* connect() has reported the success */
	unsigned shut_rd : 1;
	unsigned shut_wr : 1;
	unsigned rx_fin : 1;  /* the peer's FIN reached the application */
	unsigned gone : 1;    /* the connection ended (reset, timeout, close) */
	unsigned zombie : 1;  /* closed by the application, FIN not queued */
	unsigned nodelay : 1; /* TCP_NODELAY (inherited on accept()) */
	unsigned linger_on : 1;
	int linger_s;
	int err;         /* pending error (positive errno), 0 when none */
	struct pbuf *rx; /* received data the application has not read */
	int parent;      /* listener of a connection not yet accepted, -1 */
	uint32_t order;  /* arrival order in the listener's accept queue */
};

struct lw_inst {
	struct netif netif;
	uint64_t now_us;          /* the harness's clock */
	int tcp_armed;            /* lwIP's TCP timer is running */
	uint64_t tcp_due_ms;      /* ... and is due then */
	uint64_t reass_due_ms;    /* next reassembly tick, when reass_left */
	unsigned reass_left;      /* reassembly ticks still to run */
	uint32_t iss;             /* tcp_next_iss()'s counter */
	uint16_t ip4_id_base;     /* IPv4 packets lwIP sent before us */
	struct lw_pkt *out_head;  /* packets for output(), oldest first */
	struct lw_pkt **out_tail; /* where the next one is linked */
	uint32_t accept_order;
	int in_input;                    /* inside input(): lwIP may abort */
	struct tcp_pcb *last_pcb;        /* latest connection (for state(-1)) */
	uint16_t last_lport, last_rport; /* its ports, against reuse */
	ip_addr_t me4, me6;
	uint16_t mtu;
	struct lw_sock socks[LW_SOCKS];
};

/* lwIP is one set of globals: one live instance per process. */
static struct lw_inst *g_inst;
static int g_lwip_ready;   /* lwip_init() ran (it must run only once) */
static uint64_t g_ticks;   /* tcp_tmr() calls in this process */
static uint16_t g_ip4_out; /* IPv4 packets lwIP handed our netif */

/* What the plugin was doing, for the message of a failed lwIP assertion. */
static const char *volatile g_doing = "nothing";
static volatile uint64_t g_doing_us;
static struct sigaction g_prev_abrt;
static int g_abrt_hooked;

/* ---- Functions that replace liblwip's own --------------------------- */

/*
 * liblwip.so calls these through its PLT, so a definition that comes
 * before it in the lookup scope wins: the plugin's, whether the plugin is
 * dlopen()ed (RTLD_LOCAL puts the plugin ahead of its own dependencies)
 * or linked into an executable. lwip_plugin_cycle checks that it happens.
 */

/* Debian's port reads CLOCK_MONOTONIC here; lwIP reads the harness's. */
LW_INTERPOSE u32_t sys_now(void)
{
	return g_inst ? (u32_t)(g_inst->now_us / 1000) : 0;
}

/*
 * lwIP calls this when a pcb enters the active or TIME-WAIT list; its own
 * version (timeouts.c) starts a 250 ms sys_timeout() that calls tcp_tmr()
 * and restarts itself while any such pcb remains. Ours keeps exactly that
 * rule on the virtual clock, in the instance, so that destroy() can stop
 * it (lwIP's flag and timeout list are statics nothing resets).
 */
LW_INTERPOSE void tcp_timer_needed(void)
{
	struct lw_inst *in = g_inst;

	if (in && !in->tcp_armed && (tcp_active_pcbs || tcp_tw_pcbs)) {
		in->tcp_armed = 1;
		in->tcp_due_ms = in->now_us / 1000 + LW_TICK_MS;
	}
}

/*
 * 2.1.3's ISN generator, unchanged: a counter that starts at 6510 and
 * grows by tcp_ticks at every ISN. lwIP keeps it in a function-local
 * static that lwip_init() does not reset; here it lives in the instance,
 * so every instance starts from 6510 like a fresh process.
 */
LW_INTERPOSE u32_t tcp_next_iss(struct tcp_pcb *pcb)
{
	(void)pcb;
	if (!g_inst)
		return LW_ISS_START;
	g_inst->iss += tcp_ticks;
	return g_inst->iss;
}

/* ---- lwIP assertions ------------------------------------------------ */

static void lw_write_str(const char *s)
{
	ssize_t r = write(2, s, strlen(s));

	(void)r;
}

static void lw_on_abort(int sig)
{
	char num[24];
	size_t i = sizeof num;
	uint64_t t = g_doing_us;

	num[--i] = '\0';
	do {
		num[--i] = (char)('0' + t % 10);
		t /= 10;
	} while (t && i > 0);
	lw_write_str(
	    "\nsd_lwip: lwIP called abort(): an lwIP assertion failed "
	    "(LWIP_PLATFORM_ASSERT printed \"Assertion ... failed at "
	    "line N in FILE\" on stdout just before). This is a finding "
	    "about lwIP, not a harness crash. The plugin was in ");
	lw_write_str(g_doing);
	lw_write_str(" at virtual time ");
	lw_write_str(num + i);
	lw_write_str(" us.\n");
	sigaction(SIGABRT, &g_prev_abrt, NULL);
	/* A fuzzer's own handler (libFuzzer's) reports the crash next. */
	if (g_prev_abrt.sa_flags & SA_SIGINFO) {
		siginfo_t si;

		memset(&si, 0, sizeof si);
		si.si_signo = sig;
		g_prev_abrt.sa_sigaction(sig, &si, NULL);
	} else if (g_prev_abrt.sa_handler != SIG_DFL &&
	           g_prev_abrt.sa_handler != SIG_IGN) {
		g_prev_abrt.sa_handler(sig);
	}
	/* Back in abort(), which raises SIGABRT again with the old
	 * disposition. */
}

static void lw_hook_abort(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = lw_on_abort;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGABRT, &sa, &g_prev_abrt) == 0)
		g_abrt_hooked = 1;
}

static void lw_unhook_abort(void)
{
	if (g_abrt_hooked)
		sigaction(SIGABRT, &g_prev_abrt, NULL);
	g_abrt_hooked = 0;
}

static void lw_doing(struct lw_inst *in, const char *what)
{
	g_doing = what;
	g_doing_us = in->now_us;
}

/* ---- Addresses ------------------------------------------------------ */

static int lw_addr_in(const struct sd_plugin_addr *a, ip_addr_t *ip)
{
	if (a->family == AF_INET) {
		uint32_t v;

		memcpy(&v, a->addr, 4);
		ip_addr_set_ip4_u32_val(*ip, v);
		return 0;
	}
	if (a->family == AF_INET6) {
		memset(ip, 0, sizeof *ip);
		IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(ip)->addr, a->addr, 16);
		ip6_addr_clear_zone(ip_2_ip6(ip));
		return 0;
	}
	return -1;
}

static void lw_addr_out(const ip_addr_t *ip, uint16_t port,
                        struct sd_plugin_addr *a)
{
	memset(a, 0, sizeof *a);
	if (IP_IS_V6_VAL(*ip)) {
		a->family = AF_INET6;
		memcpy(a->addr, ip_2_ip6(ip)->addr, 16);
	} else {
		uint32_t v = ip4_addr_get_u32(ip_2_ip4(ip));

		a->family = AF_INET;
		memcpy(a->addr, &v, 4);
	}
	a->port = port;
}

/* ---- The netif: packets out ----------------------------------------- */

static void lw_queue(struct lw_inst *in, struct pbuf *p, int v4)
{
	struct lw_pkt *k;

	if (p->tot_len == 0)
		return;
	k = malloc(sizeof *k + p->tot_len);
	if (!k)
		return;
	k->next = NULL;
	k->len = pbuf_copy_partial(p, k->data, p->tot_len, 0);
	if (v4 && k->len >= 20) {
		/*
		 * lwIP numbers IPv4 packets from a file-scope counter (ip4.c)
		 * that lwip_init() does not reset. Number them from where the
		 * counter stood at create(), as a fresh process would, and
		 * mend the header checksum.
		 */
		unsigned hl = (k->data[0] & 0x0fu) * 4u;
		uint16_t id = (uint16_t)(k->data[4] << 8 | k->data[5]);
		uint32_t sum = 0;

		id = (uint16_t)(id - in->ip4_id_base);
		k->data[4] = (uint8_t)(id >> 8);
		k->data[5] = (uint8_t)id;
		if (hl >= 20 && hl <= k->len) {
			k->data[10] = k->data[11] = 0;
			for (unsigned i = 0; i < hl; i += 2)
				sum += (uint32_t)(k->data[i] << 8 |
				                  k->data[i + 1]);
			while (sum >> 16)
				sum = (sum & 0xffffu) + (sum >> 16);
			k->data[10] = (uint8_t)(~sum >> 8);
			k->data[11] = (uint8_t)~sum;
		}
	}
	*in->out_tail = k;
	in->out_tail = &k->next;
}

static err_t lw_netif_out4(struct netif *nif, struct pbuf *p,
                           const ip4_addr_t *dst)
{
	struct lw_inst *in = nif->state;

	g_ip4_out++;
	/* The harness is one unicast peer: multicast and broadcast (IGMP)
	 * have nobody to go to. */
	if (ip4_addr_ismulticast(dst) || ip4_addr_isbroadcast(dst, nif))
		return ERR_OK;
	lw_queue(in, p, 1);
	return ERR_OK;
}

static err_t lw_netif_out6(struct netif *nif, struct pbuf *p,
                           const ip6_addr_t *dst)
{
	struct lw_inst *in = nif->state;

	if (ip6_addr_ismulticast(dst))
		return ERR_OK; /* MLD, router and neighbour solicitations */
	lw_queue(in, p, 0);
	return ERR_OK;
}

static err_t lw_netif_init(struct netif *nif)
{
	struct lw_inst *in = nif->state;

	nif->name[0] = 's';
	nif->name[1] = 'd';
	nif->output = lw_netif_out4;
	nif->output_ip6 = lw_netif_out6;
	nif->mtu = in->mtu;
#if LWIP_ND6_ALLOW_RA_UPDATES
	nif->mtu6 = in->mtu;
#endif
	nif->flags = 0; /* bare IP: no ARP, no Ethernet, no IGMP, no MLD */
	return ERR_OK;
}

/* ---- Sockets -------------------------------------------------------- */

static int lw_in_list(struct tcp_pcb *list, const struct tcp_pcb *pcb)
{
	for (; list; list = list->next)
		if (list == pcb)
			return 1;
	return 0;
}

/* Whether pcb is still a pcb of lwIP's (it frees TIME-WAIT pcbs, among
 * others, without telling anyone). */
static int lw_pcb_alive(const struct tcp_pcb *pcb)
{
	return lw_in_list(tcp_active_pcbs, pcb) ||
	       lw_in_list(tcp_tw_pcbs, pcb) ||
	       lw_in_list(tcp_bound_pcbs, pcb) ||
	       lw_in_list((struct tcp_pcb *)tcp_listen_pcbs.pcbs, pcb);
}

/* The socket's pcb if lwIP still has it for this socket, else NULL. */
static struct tcp_pcb *lw_pcb(struct lw_sock *s)
{
	if (!s->pcb)
		return NULL;
	if (s->fresh)
		return s->pcb;
	if (!lw_pcb_alive(s->pcb) || s->pcb->callback_arg != s) {
		s->pcb = NULL;
		s->gone = 1;
	}
	return s->pcb;
}

static struct lw_sock *lw_sock_get(struct lw_inst *in, int h)
{
	if (h < 0 || h >= LW_SOCKS || !in->socks[h].used ||
	    !in->socks[h].visible)
		return NULL;
	return &in->socks[h];
}

static int lw_sock_new(struct lw_inst *in)
{
	for (int i = 0; i < LW_SOCKS; i++) {
		if (!in->socks[i].used) {
			memset(&in->socks[i], 0, sizeof in->socks[i]);
			in->socks[i].used = 1;
			in->socks[i].parent = -1;
			return i;
		}
	}
	return -1;
}

static void lw_sock_free(struct lw_sock *s)
{
	if (s->rx)
		pbuf_free(s->rx);
	memset(s, 0, sizeof *s);
	s->parent = -1;
}

/* Cuts every tie from the pcb back to the socket. */
static void lw_detach(struct tcp_pcb *pcb)
{
	if (pcb->state == LISTEN) {
		tcp_arg(pcb, NULL);
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static void lw_remember(struct lw_inst *in, struct tcp_pcb *pcb)
{
	in->last_pcb = pcb;
	in->last_lport = pcb->local_port;
	in->last_rport = pcb->remote_port;
}

static err_t lw_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                        err_t err)
{
	struct lw_sock *s = arg;

	(void)err;
	if (!s) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		s->rx_fin = 1;
		return ERR_OK;
	}
	if (s->rx) {
		/* What is unread is at most the window (TCP_WND, 64 KiB - 1):
		 * the application's reads open it (tcp_recved()). */
		if ((uint32_t)s->rx->tot_len + p->tot_len > 0xffffu)
			return ERR_MEM; /* lwIP keeps it and retries */
		pbuf_cat(s->rx, p);
	} else {
		s->rx = p;
	}
	return ERR_OK;
}

static void lw_err_cb(void *arg, err_t err)
{
	struct lw_sock *s = arg;

	if (!s)
		return;
	s->pcb = NULL;
	s->gone = 1;
	switch (err) {
	case ERR_RST:
		/* RFC 9293 3.10.7.3: a reset in SYN-SENT (or in the
		 * SYN-RECEIVED of an active open) refuses the connection. */
		s->err =
		    s->connecting && !s->connected ? ECONNREFUSED : ECONNRESET;
		break;
	case ERR_ABRT:
		/* By a timer (retransmissions, keep-alive, FIN-WAIT-2) or,
		 * inside input(), by lwIP itself (data after SHUT_RD). */
		s->err = g_inst && g_inst->in_input ? ECONNABORTED : ETIMEDOUT;
		break;
	case ERR_CLSD: /* LAST-ACK ended normally */
		break;
	default:
		s->err = EIO;
		break;
	}
	if (s->zombie)
		lw_sock_free(s);
}

static err_t lw_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lw_sock *s = arg;

	(void)pcb;
	(void)err;
	if (s)
		s->connected = 1;
	return ERR_OK;
}

static void lw_attach(struct lw_sock *s, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, s);
	tcp_recv(pcb, lw_recv_cb);
	tcp_err(pcb, lw_err_cb);
}

static err_t lw_accept_cb(void *arg, struct tcp_pcb *npcb, err_t err)
{
	struct lw_sock *ls = arg;
	struct lw_inst *in = g_inst;
	struct lw_sock *s;
	int i;

	if (!ls || !in || err != ERR_OK || !npcb)
		return ERR_VAL;
	i = lw_sock_new(in);
	if (i < 0)
		return ERR_MEM; /* lwIP aborts the connection */
	s = &in->socks[i];
	s->pcb = npcb;
	s->domain = ls->domain;
	s->parent = (int)(ls - in->socks);
	s->order = in->accept_order++;
	s->connected = 1;
	s->nodelay = ls->nodelay;
	s->linger_on = ls->linger_on;
	s->linger_s = ls->linger_s;
	if (s->nodelay)
		tcp_nagle_disable(npcb);
	lw_attach(s, npcb);
	lw_remember(in, npcb);
	return ERR_OK;
}

/*
 * Closes the pcb as close(2) would once the socket lets it go: a FIN, or
 * a RST when data is unread (lwIP's tcp_close() decides). Never called
 * from inside an lwIP callback.
 */
static void lw_close_pcb(struct lw_sock *s, struct tcp_pcb *pcb)
{
	lw_detach(pcb);
	if (tcp_close(pcb) == ERR_OK) {
		/* tcp_close() may have freed the pcb: touch it no more. */
		lw_sock_free(s);
		return;
	}
	/*
	 * No room for the FIN in the send queue (TCP_SND_QUEUELEN): lwIP's
	 * netconn layer tries again when data is acknowledged; the plugin
	 * after each input() and each tick. The socket keeps the pcb (for
	 * lw_err_cb) but has no handle any more.
	 */
	s->zombie = 1;
	s->visible = 0;
	tcp_arg(pcb, s);
	tcp_err(pcb, lw_err_cb);
}

static void lw_retry_zombies(struct lw_inst *in)
{
	for (int i = 0; i < LW_SOCKS; i++) {
		struct lw_sock *s = &in->socks[i];
		struct tcp_pcb *pcb;

		if (!s->used || !s->zombie)
			continue;
		pcb = lw_pcb(s);
		if (!pcb) {
			lw_sock_free(s);
			continue;
		}
		lw_close_pcb(s, pcb);
	}
}

/* ---- Timers --------------------------------------------------------- */

static uint64_t lw_next_ms(const struct lw_inst *in)
{
	uint64_t t = UINT64_MAX;

	if (in->tcp_armed)
		t = in->tcp_due_ms;
	if (in->reass_left && in->reass_due_ms < t)
		t = in->reass_due_ms;
	return t;
}

/* Runs every timer due at or before now_us, each at its own time. */
static void lw_run_timers(struct lw_inst *in, uint64_t now_us)
{
	for (;;) {
		uint64_t t = lw_next_ms(in);

		if (t == UINT64_MAX || t * 1000 > now_us)
			break;
		in->now_us = t * 1000;
		if (in->reass_left && in->reass_due_ms == t) {
			lw_doing(in, "ip_reass_tmr()");
			ip_reass_tmr();
			ip6_reass_tmr();
			in->reass_left--;
			in->reass_due_ms += LW_REASS_MS;
		}
		if (in->tcp_armed && in->tcp_due_ms == t) {
			lw_doing(in, "tcp_tmr()");
			tcp_tmr();
			g_ticks++;
			/* As lwIP's tcpip_tcp_timer(): again in 250 ms while
			 * an active or TIME-WAIT pcb remains. */
			if (tcp_active_pcbs || tcp_tw_pcbs)
				in->tcp_due_ms = t + LW_TICK_MS;
			else
				in->tcp_armed = 0;
			lw_retry_zombies(in);
		}
	}
}

/* ---- Instance ------------------------------------------------------- */

static void lw_init_once(void)
{
	static char state[128];
	char *prev;

	if (g_lwip_ready)
		return;
	/* lwip_init() draws the first ephemeral port (and the UDP one) from
	 * rand() (Debian's LWIP_RAND): draw them from a private state seeded
	 * like a fresh process's, and leave the caller's rand() alone. */
	prev = initstate(LW_RAND_SEED, state, sizeof state);
	lwip_init();
	setstate(prev);
	g_lwip_ready = 1;
}

/* Puts lwIP's TCP module where a fresh process has it. */
static void lw_tcp_reset(void)
{
	static char state[128];
	char *prev;

	/* tcp_tmr() runs tcp_slowtmr() on every other call, counted by a
	 * static of tcp.c: make the next call a slow one, as the first of a
	 * process is. With no pcb a call does nothing else. */
	if (g_ticks & 1) {
		tcp_tmr();
		g_ticks++;
	}
	tcp_ticks = 0;
	/* The first ephemeral port, from the second rand() of a fresh
	 * process (lwip_init() draws UDP's first). */
	prev = initstate(LW_RAND_SEED, state, sizeof state);
	(void)rand();
	tcp_init();
	setstate(prev);
}

static int lw_create(void **instp, const struct sd_plugin_config *cfg,
                     char *why, size_t why_n)
{
	struct lw_inst *in;
	ip4_addr_t mask, gw;

	*instp = NULL;
	if (cfg->abi != SD_PLUGIN_ABI) {
		snprintf(why, why_n, "lwip plugin built for ABI %d, harness %u",
		         SD_PLUGIN_ABI, (unsigned)cfg->abi);
		return -1;
	}
	if (cfg->config_n > 0) {
		snprintf(why, why_n, "lwip: unknown config key '%s'",
		         cfg->config[0]);
		return 1;
	}
	if (g_inst) {
		snprintf(why, why_n,
		         "lwip keeps its state in globals: one instance per "
		         "process, and one is alive");
		return 1;
	}
	if (cfg->stack4.family != AF_INET || cfg->stack6.family != AF_INET6) {
		snprintf(why, why_n, "lwip: stack4/stack6 must be IPv4/IPv6");
		return -1;
	}
	in = calloc(1, sizeof *in);
	if (!in) {
		snprintf(why, why_n, "lwip: out of memory");
		return -1;
	}
	in->out_tail = &in->out_head;
	in->iss = LW_ISS_START;
	in->mtu = cfg->mtu ? cfg->mtu : 1500;
	in->ip4_id_base = g_ip4_out;
	for (int i = 0; i < LW_SOCKS; i++)
		in->socks[i].parent = -1;
	lw_addr_in(&cfg->stack4, &in->me4);
	lw_addr_in(&cfg->stack6, &in->me6);

	lw_init_once();
	g_inst = in;
	lw_hook_abort();
	lw_doing(in, "create()");
	lw_tcp_reset();

	/* TEST-NET-1 is a /24; the one netif is also the default route. */
	IP4_ADDR(&mask, 255, 255, 255, 0);
	ip4_addr_set_zero(&gw);
	if (!netif_add(&in->netif, ip_2_ip4(&in->me4), &mask, &gw, in,
	               lw_netif_init, ip_input)) {
		g_inst = NULL;
		lw_unhook_abort();
		free(in);
		snprintf(why, why_n, "lwip: netif_add() failed");
		return -1;
	}
	/* The IPv6 address is usable at once: no duplicate address
	 * detection, no router solicitation (nd6_tmr() never runs). */
	netif_ip6_addr_set(&in->netif, 0, ip_2_ip6(&in->me6));
	netif_ip6_addr_set_state(&in->netif, 0, IP6_ADDR_PREFERRED);
	netif_set_default(&in->netif);
	netif_set_link_up(&in->netif);
	netif_set_up(&in->netif);
	*instp = in;
	return 0;
}

/* Frees a pcb whatever its state, sending nothing. */
static void lw_drop_pcb(struct tcp_pcb *pcb)
{
	lw_detach(pcb);
	if (pcb->state == LISTEN || pcb->state == CLOSED)
		tcp_close(pcb); /* frees at once, sends nothing */
	else
		tcp_abandon(pcb, 0); /* no RST */
}

static void lw_destroy(void *inst)
{
	struct lw_inst *in = inst;
	struct lw_pkt *k;

	if (!in)
		return;
	lw_doing(in, "destroy()");
	/* Every pcb of every list, then those only a socket knows (fresh
	 * from tcp_new()). */
	while (tcp_listen_pcbs.pcbs)
		lw_drop_pcb((struct tcp_pcb *)tcp_listen_pcbs.pcbs);
	while (tcp_active_pcbs)
		lw_drop_pcb(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		lw_drop_pcb(tcp_tw_pcbs);
	while (tcp_bound_pcbs)
		lw_drop_pcb(tcp_bound_pcbs);
	for (int i = 0; i < LW_SOCKS; i++) {
		struct lw_sock *s = &in->socks[i];

		if (s->used && s->fresh && s->pcb)
			lw_drop_pcb(s->pcb);
		if (s->used)
			lw_sock_free(s);
	}
	/* Fragments waiting for reassembly time out. */
	if (in->reass_left)
		for (int i = 0; i < 256; i++) {
			ip_reass_tmr();
			ip6_reass_tmr();
		}
	netif_remove(&in->netif);
	while ((k = in->out_head)) {
		in->out_head = k->next;
		free(k);
	}
	g_inst = NULL;
	lw_unhook_abort();
	g_doing = "nothing";
	free(in);
}

/* ---- Packets and time ----------------------------------------------- */

/* Whether an IP packet is a fragment (reassembly then holds pbufs until
 * its timer frees them). */
static int lw_is_fragment(const uint8_t *pkt, size_t len)
{
	if (len >= 20 && pkt[0] >> 4 == 4)
		return (pkt[6] & 0x3f) != 0 || pkt[7] != 0; /* MF, offset */
	if (len >= 40 && pkt[0] >> 4 == 6)
		return pkt[6] == IP6_NEXTH_FRAGMENT ||
		       pkt[6] == IP6_NEXTH_HOPBYHOP ||
		       pkt[6] == IP6_NEXTH_ROUTING ||
		       pkt[6] == IP6_NEXTH_DESTOPTS;
	return 0;
}

static void lw_input(void *inst, const uint8_t *pkt, size_t len)
{
	struct lw_inst *in = inst;
	struct tcp_pcb *head;
	struct pbuf *p;

	if (len == 0 || len > LW_PKT_MAX)
		return;
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, pkt, (u16_t)len);
	if (lw_is_fragment(pkt, len) && !in->reass_left) {
		/* lwIP's IP_TMR_INTERVAL timer, on the 1 s grid of the
		 * instance, for as long as a fragment can be held. */
		in->reass_due_ms =
		    (in->now_us / 1000 / LW_REASS_MS + 1) * LW_REASS_MS;
		in->reass_left = 256;
	}
	lw_doing(in, "input()");
	head = tcp_active_pcbs;
	in->in_input = 1;
	in->netif.input(p, &in->netif); /* ip_input() frees p */
	in->in_input = 0;
	/* A passive open is a connection (state(-1)) from its SYN on; lwIP
	 * puts new pcbs at the head of the active list. Only a pcb this
	 * packet created: an older one in SYN-RECEIVED (a second connection)
	 * does not take the place of a later active open. */
	if (tcp_active_pcbs && tcp_active_pcbs != head &&
	    tcp_active_pcbs != in->last_pcb &&
	    tcp_active_pcbs->state == SYN_RCVD)
		lw_remember(in, tcp_active_pcbs);
	lw_retry_zombies(in);
}

static long lw_output(void *inst, uint8_t *buf, size_t cap)
{
	struct lw_inst *in = inst;
	struct lw_pkt *k = in->out_head;
	long n;

	if (!k)
		return 0;
	in->out_head = k->next;
	if (!in->out_head)
		in->out_tail = &in->out_head;
	if (k->len > cap) {
		free(k);
		return -EMSGSIZE;
	}
	memcpy(buf, k->data, k->len);
	n = (long)k->len;
	free(k);
	return n;
}

static void lw_advance(void *inst, uint64_t now_us)
{
	struct lw_inst *in = inst;

	if (now_us < in->now_us)
		return;
	lw_run_timers(in, now_us);
	in->now_us = now_us;
}

static uint64_t lw_next_deadline(void *inst)
{
	uint64_t t = lw_next_ms(inst);

	return t == UINT64_MAX ? SD_PLUGIN_NO_DEADLINE : t * 1000;
}

/* ---- Socket-like calls ---------------------------------------------- */

static int lw_errno(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOMEM;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_VAL:
	case ERR_ARG:
		return -EINVAL;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_ABRT:
		return -ECONNABORTED;
	default:
		return -EIO;
	}
}

static int lw_socket(void *inst, int domain)
{
	struct lw_inst *in = inst;
	struct lw_sock *s;
	struct tcp_pcb *pcb;
	int h;

	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	h = lw_sock_new(in);
	if (h < 0)
		return -EMFILE;
	lw_doing(in, "socket()");
	pcb = tcp_new_ip_type(domain == AF_INET ? IPADDR_TYPE_V4
	                                        : IPADDR_TYPE_V6);
	if (!pcb) {
		in->socks[h].used = 0;
		return -ENOBUFS;
	}
	s = &in->socks[h];
	s->visible = 1;
	s->fresh = 1;
	s->domain = domain;
	s->pcb = pcb;
	lw_attach(s, pcb);
	return h;
}

static int lw_bind(void *inst, int h, const struct sd_plugin_addr *a)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	ip_addr_t ip;
	err_t e;

	if (!s)
		return -EBADF;
	if (a->family != s->domain || lw_addr_in(a, &ip) < 0)
		return -EINVAL;
	pcb = lw_pcb(s);
	if (!pcb || !s->fresh)
		return -EINVAL; /* bound, listening or connected */
	if (!ip_addr_isany(&ip) && !ip_addr_cmp(&ip, &in->me4) &&
	    !ip_addr_cmp(&ip, &in->me6))
		return -EADDRNOTAVAIL;
	lw_doing(in, "bind()");
	e = tcp_bind(pcb, &ip, a->port);
	if (e != ERR_OK)
		return lw_errno(e);
	s->fresh = 0;
	return 0;
}

static int lw_listen(void *inst, int h, int backlog)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb, *lpcb;
	err_t e = ERR_OK;

	if (!s)
		return -EBADF;
	if (s->listening)
		return 0; /* Linux: a new backlog, nothing else */
	pcb = lw_pcb(s);
	if (!pcb || pcb->state != CLOSED)
		return -EINVAL;
	lw_doing(in, "listen()");
	if (s->fresh) {
		/* Linux binds an unbound socket to an ephemeral port. */
		e = tcp_bind(pcb,
		             s->domain == AF_INET ? IP4_ADDR_ANY : IP6_ADDR_ANY,
		             0);
		if (e != ERR_OK)
			return lw_errno(e);
		s->fresh = 0;
	}
	if (backlog < 0)
		backlog = 0;
	if (backlog > 255)
		backlog = 255;
	/* tcp_listen() replaces the pcb by a smaller listening one. */
	lpcb = tcp_listen_with_backlog_and_err(pcb, (u8_t)backlog, &e);
	if (!lpcb)
		return lw_errno(e);
	s->pcb = lpcb;
	s->listening = 1;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, lw_accept_cb);
	return 0;
}

static int lw_accept(void *inst, int h, struct sd_plugin_addr *peer)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct lw_sock *c = NULL;

	if (!s)
		return -EBADF;
	if (!s->listening)
		return -EINVAL;
	for (int i = 0; i < LW_SOCKS; i++) {
		struct lw_sock *t = &in->socks[i];

		if (t->used && !t->visible && !t->zombie && t->parent == h &&
		    (!c || t->order < c->order))
			c = t;
	}
	if (!c)
		return -EAGAIN;
	c->visible = 1;
	c->parent = -1;
	if (peer) {
		struct tcp_pcb *pcb = lw_pcb(c);

		memset(peer, 0, sizeof *peer);
		if (pcb)
			lw_addr_out(&pcb->remote_ip, pcb->remote_port, peer);
		else
			peer->family = c->domain;
	}
	return (int)(c - in->socks);
}

static int lw_connect(void *inst, int h, const struct sd_plugin_addr *a)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	ip_addr_t ip;
	err_t e;

	if (!s)
		return -EBADF;
	if (s->listening)
		return -EISCONN;
	if (s->connecting) {
		/* Linux: the outcome of a nonblocking connect() once, then
		 * EISCONN (or EALREADY while it runs). */
		if (s->err) {
			int err = s->err;

			s->err = 0;
			return -err;
		}
		if (s->connected && !s->reported) {
			s->reported = 1;
			return 0;
		}
		if (s->connected)
			return -EISCONN;
		if (s->gone)
			return -ECONNABORTED;
		return -EALREADY;
	}
	if (a->family != s->domain || lw_addr_in(a, &ip) < 0)
		return -EAFNOSUPPORT;
	pcb = lw_pcb(s);
	if (!pcb || pcb->state != CLOSED)
		return -EINVAL;
	lw_doing(in, "connect()");
	e = tcp_connect(pcb, &ip, a->port, lw_connected_cb);
	if (e != ERR_OK)
		return lw_errno(e);
	s->fresh = 0;
	s->connecting = 1;
	lw_remember(in, pcb);
	return -EINPROGRESS;
}

static long lw_send(void *inst, int h, const void *buf, size_t len, int flags)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	size_t room;
	u8_t wf = TCP_WRITE_FLAG_COPY;
	err_t e;

	if (!s)
		return -EBADF;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP; /* lwIP cannot send urgent data */
	if (flags & MSG_MORE)
		wf |= TCP_WRITE_FLAG_MORE;
	if (s->err) {
		int err = s->err;

		s->err = 0;
		return -err;
	}
	if (s->listening)
		return -ENOTCONN;
	pcb = lw_pcb(s);
	if (!pcb)
		return -EPIPE;
	if (pcb->state == SYN_SENT || pcb->state == SYN_RCVD)
		return -EAGAIN;
	if (s->shut_wr ||
	    (pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT))
		return -EPIPE;
	if (len == 0)
		return 0;
	room = tcp_sndbuf(pcb);
	if (len > room)
		len = room;
	if (len > 0xffff)
		len = 0xffff;
	if (len == 0)
		return -EAGAIN;
	lw_doing(in, "send()");
	/* tcp_write() refuses what would pass TCP_SND_QUEUELEN segments:
	 * write less, as lwIP's netconn layer does. */
	while ((e = tcp_write(pcb, buf, (u16_t)len, wf)) == ERR_MEM && len > 1)
		len /= 2;
	if (e == ERR_MEM)
		return -EAGAIN;
	if (e != ERR_OK)
		return lw_errno(e);
	tcp_output(pcb);
	return (long)len;
}

static long lw_recv(void *inst, int h, void *buf, size_t len, int flags)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;

	if (!s)
		return -EBADF;
	if (s->listening)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EINVAL; /* lwIP takes no urgent data out of band */
	pcb = lw_pcb(s);
	if (s->rx && len > 0) {
		u16_t n = (u16_t)(len < s->rx->tot_len ? len : s->rx->tot_len);

		pbuf_copy_partial(s->rx, buf, n, 0);
		if (!(flags & MSG_PEEK)) {
			lw_doing(in, "recv()");
			s->rx = pbuf_free_header(s->rx, n);
			/* Reading opens the window again. */
			if (pcb)
				tcp_recved(pcb, n);
		}
		return n;
	}
	if (s->rx_fin || s->shut_rd)
		return 0;
	if (s->err) {
		int err = s->err;

		s->err = 0;
		return -err;
	}
	if (s->gone)
		return 0;
	if (!pcb || pcb->state == CLOSED)
		return -ENOTCONN;
	return -EAGAIN;
}

static int lw_shutdown(void *inst, int h, int how)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	int rd = how == SHUT_RD || how == SHUT_RDWR;
	int wr = how == SHUT_WR || how == SHUT_RDWR;
	err_t e;

	if (!s)
		return -EBADF;
	if (!rd && !wr)
		return -EINVAL;
	pcb = lw_pcb(s);
	if (!pcb || pcb->state == CLOSED || s->listening) {
		s->shut_rd |= rd;
		s->shut_wr |= wr;
		return s->listening ? 0 : -ENOTCONN;
	}
	lw_doing(in, "shutdown()");
	/* lwIP's own socket layer calls tcp_shutdown() the same way: SHUT_RD
	 * sets TF_RXCLOSED (later data is answered with a RST), SHUT_WR
	 * queues the FIN, both is tcp_close(). */
	e = tcp_shutdown(pcb, rd && !s->shut_rd, wr && !s->shut_wr);
	s->shut_rd |= rd;
	s->shut_wr |= wr;
	return e == ERR_OK ? 0 : lw_errno(e);
}

static int lw_close(void *inst, int h)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;

	if (!s)
		return -EBADF;
	lw_doing(in, "close()");
	pcb = lw_pcb(s);
	if (s->listening) {
		/* Connections nobody accepted are reset, as Linux does. */
		for (int i = 0; i < LW_SOCKS; i++) {
			struct lw_sock *c = &in->socks[i];

			if (!c->used || c->visible || c->parent != h)
				continue;
			if (lw_pcb(c)) {
				struct tcp_pcb *cp = c->pcb;

				lw_detach(cp);
				tcp_abort(cp);
			}
			lw_sock_free(c);
		}
		if (pcb) {
			lw_detach(pcb);
			tcp_close(pcb);
		}
		lw_sock_free(s);
		return 0;
	}
	if (!pcb) {
		lw_sock_free(s);
		return 0;
	}
	if (s->linger_on && s->linger_s == 0 && !s->fresh &&
	    pcb->state != CLOSED) {
		/* RFC 9293 3.10.5: SO_LINGER {1, 0} makes close() ABORT. */
		lw_detach(pcb);
		tcp_abort(pcb);
		lw_sock_free(s);
		return 0;
	}
	lw_close_pcb(s, pcb);
	return 0;
}

static int lw_opt_int(const void *val, unsigned len, int *v)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

static int lw_setsockopt(void *inst, int h, int level, int name,
                         const void *val, unsigned len)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	int v = 0;

	if (!s)
		return -EBADF;
	pcb = lw_pcb(s);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l;

		if (!val || len < sizeof l)
			return -EINVAL;
		memcpy(&l, val, sizeof l);
		s->linger_on = l.l_onoff != 0;
		s->linger_s = l.l_linger;
		return 0;
	}
	if (lw_opt_int(val, len, &v) < 0)
		return -EINVAL;
	if (level == SOL_SOCKET) {
		u8_t o;

		switch (name) {
		case SO_REUSEADDR:
			o = SOF_REUSEADDR;
			break;
		case SO_KEEPALIVE:
			o = SOF_KEEPALIVE;
			break;
		default:
			return -ENOPROTOOPT;
		}
		if (pcb && v)
			ip_set_option(pcb, o);
		else if (pcb)
			ip_reset_option(pcb, o);
		return 0;
	}
	if (level == IPPROTO_TCP) {
		if (name == TCP_NODELAY) {
			s->nodelay = v != 0;
			if (pcb && !s->listening && v)
				tcp_nagle_disable(pcb);
			else if (pcb && !s->listening)
				tcp_nagle_enable(pcb);
			return 0;
		}
		if (name != TCP_KEEPIDLE && name != TCP_KEEPINTVL &&
		    name != TCP_KEEPCNT)
			return -ENOPROTOOPT;
		if (v < 1)
			return -EINVAL;
		if (!pcb || s->listening)
			return 0; /* lwIP has no per-listener value */
		if (name == TCP_KEEPIDLE)
			pcb->keep_idle = (u32_t)v * 1000;
		else if (name == TCP_KEEPINTVL)
			pcb->keep_intvl = (u32_t)v * 1000;
		else
			pcb->keep_cnt = (u32_t)v;
		return 0;
	}
	if ((level == IPPROTO_IP && s->domain == AF_INET) ||
	    (level == IPPROTO_IPV6 && s->domain == AF_INET6)) {
		int tos = level == IPPROTO_IP ? IP_TOS : IPV6_TCLASS;
		int ttl = level == IPPROTO_IP ? IP_TTL : IPV6_UNICAST_HOPS;

		if (name != tos && name != ttl)
			return -ENOPROTOOPT;
		if (v < -1 || v > 255)
			return -EINVAL;
		if (!pcb)
			return 0;
		/* As lwIP's lwip_setsockopt(): the value goes to the pcb
		 * as it is (ECN bits included). */
		if (name == tos)
			pcb->tos = (u8_t)(v < 0 ? 0 : v);
		else
			pcb->ttl = (u8_t)(v < 0 ? TCP_TTL : v);
		return 0;
	}
	return -ENOPROTOOPT;
}

static int lw_getsockopt(void *inst, int h, int level, int name, void *val,
                         unsigned *len)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	int v;

	if (!s)
		return -EBADF;
	if (!val || !len)
		return -EINVAL;
	pcb = lw_pcb(s);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l = { s->linger_on, s->linger_s };

		if (*len < sizeof l)
			return -EINVAL;
		memcpy(val, &l, sizeof l);
		*len = sizeof l;
		return 0;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR:
			v = s->err;
			s->err = 0;
			break;
		case SO_TYPE:
			v = SOCK_STREAM;
			break;
		case SO_REUSEADDR:
			v = pcb && ip_get_option(pcb, SOF_REUSEADDR) ? 1 : 0;
			break;
		case SO_KEEPALIVE:
			v = pcb && ip_get_option(pcb, SOF_KEEPALIVE) ? 1 : 0;
			break;
		default:
			return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_TCP) {
		switch (name) {
		case TCP_NODELAY:
			v = s->nodelay;
			break;
		case TCP_MAXSEG:
			v = pcb && !s->listening ? pcb->mss : TCP_MSS;
			break;
		case TCP_KEEPIDLE:
			v = pcb && !s->listening
			        ? (int)(pcb->keep_idle / 1000)
			        : (int)(TCP_KEEPIDLE_DEFAULT / 1000);
			break;
		case TCP_KEEPINTVL:
			v = pcb && !s->listening
			        ? (int)(pcb->keep_intvl / 1000)
			        : (int)(TCP_KEEPINTVL_DEFAULT / 1000);
			break;
		case TCP_KEEPCNT:
			v = pcb && !s->listening ? (int)pcb->keep_cnt
			                         : (int)TCP_KEEPCNT_DEFAULT;
			break;
		default:
			return -ENOPROTOOPT;
		}
	} else if ((level == IPPROTO_IP && s->domain == AF_INET) ||
	           (level == IPPROTO_IPV6 && s->domain == AF_INET6)) {
		if (name == (level == IPPROTO_IP ? IP_TOS : IPV6_TCLASS))
			v = pcb ? pcb->tos : 0;
		else if (name ==
		         (level == IPPROTO_IP ? IP_TTL : IPV6_UNICAST_HOPS))
			v = pcb ? pcb->ttl : TCP_TTL;
		else
			return -ENOPROTOOPT;
	} else {
		return -ENOPROTOOPT;
	}
	if (*len < sizeof v)
		return -EINVAL;
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

static short lw_poll(void *inst, int h, short events)
{
	struct lw_inst *in = inst;
	struct lw_sock *s = lw_sock_get(in, h);
	struct tcp_pcb *pcb;
	short ev = 0;
	int rcv_shut, snd_shut;
	enum tcp_state st;

	if (!s)
		return POLLNVAL;
	if (s->listening) {
		for (int i = 0; i < LW_SOCKS; i++) {
			struct lw_sock *c = &in->socks[i];

			if (c->used && !c->visible && !c->zombie &&
			    c->parent == h)
				ev |= POLLIN;
		}
		return (short)(ev & events);
	}
	/* Linux's tcp_poll(), over lwIP's state. */
	pcb = lw_pcb(s);
	st = pcb ? pcb->state : CLOSED;
	rcv_shut = s->rx_fin || s->shut_rd || s->gone;
	snd_shut = s->shut_wr || s->gone;
	if ((rcv_shut && snd_shut) || st == CLOSED)
		ev |= POLLHUP;
	if (rcv_shut)
		ev |= POLLIN;
	if (st != SYN_SENT && st != SYN_RCVD) {
		if (s->rx)
			ev |= POLLIN;
		if (snd_shut || !pcb || st == CLOSED ||
		    (tcp_sndbuf(pcb) > 0 &&
		     tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN))
			ev |= POLLOUT;
	}
	if (s->err)
		ev |= POLLERR;
	return (short)(ev & (events | POLLERR | POLLHUP));
}

/* ---- Introspection -------------------------------------------------- */

static const char *lw_state_name(enum tcp_state st)
{
	switch (st) {
	case CLOSED:
		return "CLOSED";
	case LISTEN:
		return "LISTEN";
	case SYN_SENT:
		return "SYN-SENT";
	case SYN_RCVD:
		return "SYN-RECEIVED";
	case ESTABLISHED:
		return "ESTABLISHED";
	case FIN_WAIT_1:
		return "FIN-WAIT-1";
	case FIN_WAIT_2:
		return "FIN-WAIT-2";
	case CLOSE_WAIT:
		return "CLOSE-WAIT";
	case CLOSING:
		return "CLOSING";
	case LAST_ACK:
		return "LAST-ACK";
	case TIME_WAIT:
		return "TIME-WAIT";
	}
	return NULL;
}

static const char *lw_state(void *inst, int h)
{
	struct lw_inst *in = inst;
	struct lw_sock *s;
	struct tcp_pcb *pcb;

	if (h == -1) {
		pcb = in->last_pcb;
		if (!pcb)
			return NULL;
		if (!lw_pcb_alive(pcb) || pcb->local_port != in->last_lport ||
		    pcb->remote_port != in->last_rport)
			return "CLOSED";
		return lw_state_name(pcb->state);
	}
	s = lw_sock_get(in, h);
	if (!s)
		return NULL;
	pcb = lw_pcb(s);
	return pcb ? lw_state_name(pcb->state) : "CLOSED";
}

/* ---- The table ------------------------------------------------------ */

static const struct sd_stack_plugin lw_plugin = {
	.abi = SD_PLUGIN_ABI,
	.name = "lwip",
	.description = "lwIP " LWIP_VERSION_STRING
	               " (Debian liblwip, Hurd lwipopts.h: TCP_MSS 1460, "
	               "TCP_WND 65535, wscale 1, no SACK, no timestamps), raw "
	               "API, no tcpip thread, virtual time",
	.create = lw_create,
	.destroy = lw_destroy,
	.input = lw_input,
	.output = lw_output,
	.advance = lw_advance,
	.next_deadline = lw_next_deadline,
	.socket = lw_socket,
	.bind = lw_bind,
	.listen = lw_listen,
	.accept = lw_accept,
	.connect = lw_connect,
	.send = lw_send,
	.recv = lw_recv,
	.shutdown = lw_shutdown,
	.close = lw_close,
	.setsockopt = lw_setsockopt,
	.getsockopt = lw_getsockopt,
	.poll = lw_poll,
	.state = lw_state,
};

const struct sd_stack_plugin *sd_plugin_lwip(void)
{
	return &lw_plugin;
}
