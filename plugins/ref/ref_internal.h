/* SPDX-License-Identifier: MIT
 *
 * Internals of the reference plugin shared by ref_plugin.c (the instance:
 * stack, clock, configuration, queue of sent packets) and ref_sock.c (the
 * socket calls emulated over tcp_stack). Every name outside a file starts with
 * sd_ref_, so that several plugins can be linked into one binary.
 */
#ifndef SD_REF_INTERNAL_H
#define SD_REF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ref_plugin.h"
#include "ref_tcpopt.h"
#include "shakedown/stack_plugin.h"
#include "tcpref/isn.h"
#include "tcpref/stack.h"

/* The limits of one instance (of one run of the ref target). */
#define SD_REF_SLOTS 8         /* connections of one instance (listeners too) */
#define SD_REF_RX_BYTES 65536u /* receive buffer per connection, at most */
#define SD_REF_TX_BYTES 65536u /* send buffer per connection, at most */
#define SD_REF_OUT_SEGS 64     /* segments one stack call may produce */
#define SD_REF_OUT_DATA (SD_REF_OUT_SEGS * 1500u)
#define SD_REF_QPKT_MAX 2048 /* largest packet queued (MTU 1500 + slack) */
#define SD_REF_SOCKS 16      /* handles 0 .. SD_REF_SOCKS - 1 */
#define SD_REF_TS_OFFSET 0x00100000u /* TSval = virtual ms + this, always */
#define SD_REF_POLL_STEPS 1000000u   /* bound on timer runs per advance */
#define SD_REF_QUEUE_MAX 4096        /* sent packets not taken by output() */

/* A packet the stack sent, waiting for output(). */
struct sd_ref_qpkt {
	size_t len;
	uint8_t buf[SD_REF_QPKT_MAX]; /* IPv4/IPv6 header + TCP segment */
};

enum sd_ref_sock_kind {
	SD_REF_SOCK_NEW,    /* socket(): no connection yet (maybe bound) */
	SD_REF_SOCK_LISTEN, /* listen() */
	SD_REF_SOCK_CONN,   /* connect() or accept(): h is a connection */
};

/* One socket handle (O_NONBLOCK is the harness's business). */
struct sd_ref_sock {
	bool used;
	enum sd_ref_sock_kind kind;
	int h;              /* stack handle, -1 when none */
	bool bound;         /* bind() done */
	uint16_t port;      /* bound local port */
	bool reuseaddr;     /* SO_REUSEADDR */
	bool keepalive;     /* SO_KEEPALIVE */
	bool nodelay;       /* TCP_NODELAY */
	bool linger_on;     /* SO_LINGER l_onoff */
	int linger_s;       /* SO_LINGER l_linger, seconds */
	int64_t rcvbuf;     /* SO_RCVBUF as set (reported doubled) */
	int64_t sndbuf;     /* SO_SNDBUF as set (reported doubled) */
	int64_t maxseg;     /* TCP_MAXSEG as set, 0 when not */
	int64_t user_to_ms; /* TCP_USER_TIMEOUT, 0 when not set */
	bool shut_rd;       /* shutdown(SHUT_RD) */
	bool shut_wr;       /* shutdown(SHUT_WR) */
	bool connecting;    /* connect() whose outcome connect() has not told */
	bool err_taken;     /* the connection's error was reported once */
	/* IP level (MUST-48, MUST-49): the values the application set. */
	bool v6;           /* an AF_INET6 socket (IPPROTO_IPV6 options) */
	uint8_t tos;       /* IP_TOS, DSCP only: the ECN bits are TCP's */
	uint8_t ttl;       /* IP_TTL; 0: the default (64) */
	uint8_t tclass;    /* IPV6_TCLASS, DSCP only */
	bool hops_set;     /* IPV6_UNICAST_HOPS given (not -1) */
	uint8_t hops;      /* ... its value */
	uint8_t ipopt_len; /* IP_OPTIONS as set (a user source route) */
	uint8_t ipopts[TCP_IP_OPTS_MAX];
};

/* One instance: a tcp_stack on the harness's clock. */
struct sd_ref {
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_isn_key key;
	struct tcp_stack st;
	struct tcp_stack_slot slots[SD_REF_SLOTS];
	uint8_t
	    *bufmem; /* SD_REF_SLOTS * (SD_REF_RX_BYTES + SD_REF_TX_BYTES) */
	uint32_t rx_bytes,
	    tx_bytes;    /* per connection: SD_REF_*_BYTES or less */
	uint64_t now_us; /* the harness's clock */
	struct tcp_out out;
	struct tcp_out_seg segs[SD_REF_OUT_SEGS];
	uint8_t *outdata;      /* SD_REF_OUT_DATA bytes */
	uint32_t overflow;     /* control segments lost to a full tcp_out */
	struct sd_ref_qpkt *q; /* queue of sent packets, q[q_head..q_n) */
	size_t q_head, q_n, q_cap;
	uint32_t q_lost;    /* packets lost to a full queue or no memory */
	uint16_t ip_id;     /* IPv4 identification of the next packet */
	uint16_t next_port; /* next ephemeral port */
	/* The addresses of the run (sd_plugin_config). */
	struct tcp_addr stack4, stack6, peer4, peer6;
	uint16_t stack_port; /* the stack's scripted port: 8080 */
	/* The IP version of the run (TCP_AF_INET or _INET6) as the first
	 * packet or connect() showed it; 0 before. */
	uint8_t family;
	/* The script's connection, for state(): the latest non-listener. */
	bool prim_set;
	int prim;
	enum tcp_state prim_state;
	struct sd_ref_sock socks[SD_REF_SOCKS];
	/* The harness's ref target (sd_ref_observe), or none. */
	struct sd_ref_observer obs;
	bool observed;
};

/* Turns the segments in r->out into queued packets. */
void sd_ref_flush(struct sd_ref *r);

/* Tells the sockets the run's IP version (the first packet's). */
void sd_ref_sock_family(struct sd_ref *r, uint8_t family);

/* The state of handle h for state() (h >= 0), or NULL. */
const char *sd_ref_sock_state(struct sd_ref *r, int h);

/* The socket calls of the table (ref_sock.c). */
int sd_ref_socket(void *inst, int domain);
int sd_ref_bind(void *inst, int h, const struct sd_plugin_addr *a);
int sd_ref_listen(void *inst, int h, int backlog);
int sd_ref_accept(void *inst, int h, struct sd_plugin_addr *peer);
int sd_ref_connect(void *inst, int h, const struct sd_plugin_addr *a);
long sd_ref_send(void *inst, int h, const void *buf, size_t len, int flags);
long sd_ref_recv(void *inst, int h, void *buf, size_t len, int flags);
int sd_ref_shutdown(void *inst, int h, int how);
int sd_ref_close(void *inst, int h);
int sd_ref_setsockopt(void *inst, int h, int level, int name, const void *val,
                      unsigned len);
int sd_ref_getsockopt(void *inst, int h, int level, int name, void *val,
                      unsigned *len);
short sd_ref_poll(void *inst, int h, short events);

#endif
