/* SPDX-License-Identifier: MIT
 *
 * Internals of the reference target shared by target_ref.c (the stack, its
 * virtual clock and the queue of packets it sent) and sock_ref.c (the socket
 * calls emulated over tcp_stack). Not part of the harness API.
 */
#ifndef SHAKEDOWN_TARGET_REF_H
#define SHAKEDOWN_TARGET_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/oracle.h"
#include "shakedown/target.h"
#include "tcpref/isn.h"
#include "tcpref/stack.h"

#define REF_SLOTS 8         /* connections of one run (listeners too) */
#define REF_RX_BYTES 65536u /* receive buffer per connection */
#define REF_TX_BYTES 65536u /* send buffer per connection */
#define REF_OUT_SEGS 64     /* segments one stack call may produce */
#define REF_OUT_DATA (REF_OUT_SEGS * 1500u)
#define REF_QPKT_MAX 2048         /* largest packet queued (MTU 1500 + slack) */
#define REF_FDS 16                /* socket descriptors 3 .. 3 + REF_FDS - 1 */
#define REF_FD_BASE 3             /* packetdrill scripts expect socket() = 3 */
#define REF_NOTES 64              /* notes kept until the runner takes them */
#define REF_TS_OFFSET 0x00100000u /* TSval = virtual ms + this, always */
#define REF_POLL_STEPS 1000000u   /* bound on timer runs per advance */
#define REF_QUEUE_MAX 4096        /* sent packets waiting for the runner */

/* A packet the stack sent, waiting for the runner's recv(). */
struct ref_qpkt {
	uint64_t t_us; /* virtual time of sending */
	size_t len;
	uint8_t buf[REF_QPKT_MAX]; /* IPv4 header + TCP segment */
};

enum ref_sock_kind {
	REF_SOCK_NEW,    /* socket(): no connection yet (maybe bound) */
	REF_SOCK_LISTEN, /* listen() */
	REF_SOCK_CONN,   /* connect() or accept(): h is a connection */
};

/* One emulated socket descriptor. */
struct ref_sock {
	bool used;
	enum ref_sock_kind kind;
	int h;              /* stack handle, -1 when none */
	bool nonblock;      /* O_NONBLOCK */
	bool bound;         /* bind() done */
	uint16_t port;      /* bound local port */
	bool reuseaddr;     /* SO_REUSEADDR */
	bool keepalive;     /* SO_KEEPALIVE */
	bool nodelay;       /* TCP_NODELAY */
	bool linger_on;     /* SO_LINGER l_onoff */
	int64_t linger_s;   /* SO_LINGER l_linger, seconds */
	int64_t rcvbuf;     /* SO_RCVBUF as set (reported doubled) */
	int64_t sndbuf;     /* SO_SNDBUF as set (reported doubled) */
	int64_t maxseg;     /* TCP_MAXSEG as set, 0 when not */
	int64_t user_to_ms; /* TCP_USER_TIMEOUT, 0 when not set */
	bool shut_rd;       /* shutdown(SHUT_RD) */
	bool shut_wr;       /* shutdown(SHUT_WR) */
	bool connecting;    /* nonblocking connect() not yet reported */
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

enum ref_call {
	REF_CALL_NONE,
	REF_CALL_ACCEPT,
	REF_CALL_CONNECT,
	REF_CALL_READ,
	REF_CALL_WRITE,
	REF_CALL_POLL,
};

/* The one socket call that may be blocked at a time. */
struct ref_pending {
	enum ref_call call;
	int fd;
	uint32_t len;        /* READ: buffer size; WRITE: bytes asked */
	uint32_t done_bytes; /* WRITE: bytes queued so far */
	unsigned send_flags; /* WRITE: TCP_SEND_* */
	const struct script *s;
	const struct script_event *ev;
	uint64_t deadline_us; /* POLL: timeout; TCP_NO_DEADLINE when none */
	bool complete;        /* r holds the result, not yet polled */
	struct target_sysret r;
};

struct target {
	struct target_opts o;
	char profile[16];
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_isn_key key;
	struct tcp_stack st;
	struct tcp_stack_slot slots[REF_SLOTS];
	uint8_t *bufmem; /* REF_SLOTS * (REF_RX_BYTES + REF_TX_BYTES) */
	uint32_t rx_bytes, tx_bytes; /* per connection: REF_*_BYTES or less */
	uint64_t now_us;             /* the virtual clock */
	struct tcp_out out;
	struct tcp_out_seg segs[REF_OUT_SEGS];
	uint8_t *outdata;   /* REF_OUT_DATA bytes */
	uint32_t overflow;  /* control segments lost to a full tcp_out */
	struct ref_qpkt *q; /* queue of sent packets, q[q_head..q_n) */
	size_t q_head, q_n, q_cap;
	uint16_t ip_id;     /* IPv4 identification of the next packet */
	uint16_t next_port; /* next ephemeral port */
	/* The script's connection, for state(): the latest non-listener. */
	bool prim_set;
	int prim;
	enum tcp_state prim_state;
	struct target_note notes[REF_NOTES]; /* ring */
	size_t note_head, note_n;
	struct ref_sock socks[REF_FDS];
	struct ref_pending pend;
	uint8_t iobuf[REF_RX_BYTES]; /* read() and write() bytes */
	/* The protocol oracle, checked after every step (oracle.h). */
	struct sd_oracle oracle;
	uint64_t edges[SD_EDGES + 1]; /* edges taken (oracle.edge_hits) */
};

/* Starts a step the oracle checks at the next target_ref__flush. */
void target_ref__begin(struct target *t, enum sd_step step, const uint8_t *pkt,
                       size_t len);

/* Turns the segments in t->out into queued IPv4 packets; 0 or -1 with *d. */
int target_ref__flush(struct target *t, struct diag *d);

/* The socket calls (sock_ref.c). */
int target_ref__syscall(struct target *t, const struct script *s,
                        const struct script_event *ev, struct target_sysret *r,
                        struct diag *d);
/* Tries to complete the pending call at t->now_us. */
void target_ref__try_pending(struct target *t);
/* The pending call's own deadline (poll timeout), or TCP_NO_DEADLINE. */
uint64_t target_ref__pending_deadline(const struct target *t);

/* Maps a negative tcp_err to an errno value (ECONNRESET, ...). */
int target_ref__errno(int tcp_err);

#endif
