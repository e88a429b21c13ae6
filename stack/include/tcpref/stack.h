/* SPDX-License-Identifier: MIT
 *
 * Several reference connections at once: a fixed, caller-owned table of
 * connection slots with listeners, a backlog per listener, demultiplexing by
 * 4-tuple and the RFC 9293 3.10.7.1 reply for segments that reach no
 * connection. Pure like the rest of stack/: no allocation, no clock, no I/O.
 */
#ifndef TCPREF_STACK_H
#define TCPREF_STACK_H

#include "conn.h"
#include "seg.h"
#include "types.h"

/* Bounded retries when env->ephemeral_port picks a 4-tuple already in use. */
#define TCP_STACK_EPHEMERAL_TRIES 16

/* Who holds a slot (tcp_stack_slot.use). */
enum tcp_slot_use {
	TCP_SLOT_FREE,     /* unused; its memory may be reinitialized */
	TCP_SLOT_APP,      /* the application holds the handle */
	TCP_SLOT_PENDING,  /* a listener's child not yet accepted */
	TCP_SLOT_RELEASED, /* the app gave it up; freed when CLOSED */
};

/*
 * One entry of the table: a connection record plus the stack's bookkeeping.
 * The caller provides the array (tcp_stack_init) and must not touch it while
 * the stack uses it, except through tcp_stack_conn().
 */
struct tcp_stack_slot {
	struct tcp_conn conn;
	enum tcp_slot_use use;
	bool listener;      /* created by tcp_stack_listen() */
	int32_t parent;     /* PENDING: the listener's slot index, else -1 */
	uint32_t backlog;   /* listener: max children not yet accepted, >= 1 */
	uint64_t alloc_seq; /* insertion counter at allocation (R25), > 0 */
	uint64_t ready_seq; /* PENDING: counter when it became acceptable; 0 =
	                       still in SYN-RECEIVED (accept queue order) */
};

/*
 * The table. All fields are read-only for the caller except drops[] and
 * the other counters, which it may reset at will.
 */
struct tcp_stack {
	const struct tcp_cfg *cfg;     /* borrowed; given to every connection */
	struct tcp_stack_slot *slots;  /* caller-owned array of n slots */
	uint32_t n;                    /* slots, >= 1 */
	uint8_t *bufmem;               /* caller-owned, n * (rx + tx) bytes */
	uint32_t rx_bytes;             /* receive buffer per slot */
	uint32_t tx_bytes;             /* send buffer per slot */
	uint64_t next_seq;             /* insertion counter, last value used */
	uint32_t drops[TCP_WHY_COUNT]; /* non-ACCEPT verdicts, by reason */
	uint32_t segs_in;              /* segments given to the input calls */
	uint32_t evictions;            /* slots taken by the eviction policy */
};

/*
 * Prepares a stack over caller-owned memory: 'slots' holds n entries and
 * 'bufmem' n * (rx_bytes + tx_bytes) bytes; slot i uses the rx_bytes at
 * bufmem + i * (rx_bytes + tx_bytes) for receiving and the tx_bytes after
 * them for sending. cfg, slots and bufmem must outlive the stack; nothing is
 * to be freed afterwards. Returns 0, or TCP_EINVAL (NULL pointers, n == 0,
 * a total size that does not fit in size_t), with *st untouched.
 */
int tcp_stack_init(struct tcp_stack *st, const struct tcp_cfg *cfg,
                   struct tcp_stack_slot *slots, uint32_t n, uint8_t *bufmem,
                   uint32_t rx_bytes, uint32_t tx_bytes);

/*
 * Passive OPEN (RFC 9293 3.10.1) on the local socket laddr:lport; laddr
 * NULL or of family 0 means any local address (IPv4 or IPv6). A segment is
 * given to the listener with the most specific address: an exact laddr
 * beats "any". backlog is the number of children that may wait for
 * tcp_stack_accept() (in SYN-RECEIVED or already established); 0 counts as
 * 1, as on Linux. Returns the listener's handle (>= 0), TCP_EINVAL (lport
 * 0, unknown family), TCP_EADDRNOTAVAIL (a multicast or broadcast laddr),
 * TCP_EADDRINUSE (a listener on the same laddr and lport exists) or
 * TCP_ENOMEM (no free slot; listeners never evict). The handle stays valid
 * until tcp_stack_close() or tcp_stack_abort().
 */
int tcp_stack_listen(struct tcp_stack *st, const struct tcp_env *env,
                     uint64_t now_us, const struct tcp_addr *laddr,
                     uint16_t lport, uint32_t backlog);

/*
 * Active OPEN (3.10.1) for the 4-tuple *t; the SYN is appended to *out.
 * t->laddr must be IPv4 or IPv6, of the family of t->raddr. t->lport 0
 * asks env->ephemeral_port for a port, retried up to
 * TCP_STACK_EPHEMERAL_TRIES times while the 4-tuple it gives is in use (0
 * counts as in use). When the table is full a slot is taken by the
 * eviction policy described at tcp_stack_input(). Returns the handle (>= 0)
 * or TCP_EINVAL, TCP_EADDRNOTAVAIL (remote not unicast, MUST-46),
 * TCP_EADDRINUSE (the 4-tuple is taken, or no free ephemeral port was
 * found) or TCP_ENOMEM. On failure nothing changed but the env's draws.
 * The handle stays valid until tcp_stack_close(TCP_CLOSE_FULL) or
 * tcp_stack_abort().
 */
int tcp_stack_connect(struct tcp_stack *st, const struct tcp_env *env,
                      uint64_t now_us, const struct tcp_tuple *t,
                      struct tcp_out *out);

/*
 * tcp_stack_connect() with the IP parameters of the connection (TOS, TTL,
 * a source route: tcp_conn_set_ip) in place before the SYN is sent; ip may
 * be NULL (IP's defaults).
 */
int tcp_stack_connect_ip(struct tcp_stack *st, const struct tcp_env *env,
                         uint64_t now_us, const struct tcp_tuple *t,
                         const struct tcp_ip_out *ip, struct tcp_out *out);

/*
 * Takes the child of 'listener' that became ESTABLISHED first (or went on
 * to CLOSE-WAIT: data and FIN may arrive before accept) and hands it to the
 * application. Returns its handle, TCP_EWOULDBLOCK when none is ready, or
 * TCP_EINVAL when 'listener' is not a listener the app holds.
 */
int tcp_stack_accept(struct tcp_stack *st, int listener);

/*
 * CLOSE (3.10.4) of an app-held handle; how is TCP_CLOSE_SEND or
 * TCP_CLOSE_FULL. With TCP_CLOSE_FULL the handle is given up even when the
 * connection reports an error (as close(2) releases a descriptor): the slot
 * is freed as soon as the connection is CLOSED (at once, or after LAST-ACK
 * or TIME-WAIT, through tcp_stack_input() and tcp_stack_poll()). With
 * TCP_CLOSE_SEND the app keeps the handle and closes it fully later.
 * Closing a listener (either 'how') frees it at once and aborts its
 * children not yet accepted, each sending a RST where 3.10.5 says so.
 * Returns what tcp_conn_close() returned, or TCP_EINVAL for a bad handle
 * or 'how'.
 */
int tcp_stack_close(struct tcp_stack *st, const struct tcp_env *env,
                    uint64_t now_us, int h, int how, struct tcp_out *out);

/*
 * ABORT (3.10.5) of an app-held handle (RST where the RFC says so, into
 * *out) and frees its slot at once; for a listener, its children not yet
 * accepted are aborted too. Returns 0, or TCP_EINVAL for a bad handle.
 */
int tcp_stack_abort(struct tcp_stack *st, const struct tcp_env *env,
                    uint64_t now_us, int h, struct tcp_out *out);

/*
 * SEGMENT ARRIVES for the whole table. src and dst are the IP addresses of
 * the segment (dst is local). Checks the addresses (MUST-57, MUST-63), finds
 * the connection by tcp_stack_demux(), creates a child for a SYN to a
 * listener and otherwise calls tcp_conn_input(); a segment that reaches no
 * connection gets the 3.10.7.1 reply. Replies go to *out (payloads copied
 * into out->data). The contents of src, dst and seg may be untrusted input
 * (the pointers must be valid). Never fails: returns the verdict, which is
 * also counted in st->drops.
 *
 * A SYN (no RST, no ACK) to a listener whose backlog is full is dropped
 * silently (TCP_WHY_BACKLOG_FULL). When it finds the backlog free but the
 * table full, and for tcp_stack_connect(), a slot is evicted from a
 * connection the app has given up, in this order: TIME-WAIT, then
 * LAST-ACK, then CLOSING, the oldest first within each; it is aborted
 * without a RST (3.10.5). Failing that the SYN is dropped
 * (TCP_WHY_TABLE_FULL). Children that go back to LISTEN or to CLOSED before
 * accept are freed at once.
 *
 * A SYN for a connection in TIME-WAIT (RFC 9293 3.6.1 MAY-2, SHLD-4, edge
 * E112) reopens it when cfg->timewait_reopen is on, the SYN is acceptable
 * as a new incarnation (tcp_conn_timewait_syn_acceptable: RFC 6191), the
 * app has released the slot and a listener on the local socket has backlog
 * room: the slot becomes that listener's child in SYN-RECEIVED (see
 * tcp_conn_timewait_reopen) and tcp_stack_accept() returns it once it is
 * established. If it goes back to TIME-WAIT (old duplicate SYN), it is
 * released again. Otherwise the TIME-WAIT connection answers the SYN
 * itself (E111: challenge ACK; E113 in legacy: reset).
 */
struct tcp_verdict tcp_stack_input(struct tcp_stack *st,
                                   const struct tcp_env *env, uint64_t now_us,
                                   const struct tcp_addr *src,
                                   const struct tcp_addr *dst,
                                   const struct tcp_seg *seg,
                                   struct tcp_out *out);

/*
 * An ICMP or ICMPv6 error (RFC 9293 3.9.2.2) parsed by tcp_wire_icmp_parse:
 * classed by tcp_icmp_classify, demultiplexed by the quoted 4-tuple (its
 * source is the local end, MUST-54) to a connection that is not a listener,
 * and handed to tcp_conn_icmp(). Nothing is ever sent in reply. Returns the
 * verdict (ACCEPT when a connection acted on it), counted like a segment's.
 */
struct tcp_verdict tcp_stack_icmp_input(struct tcp_stack *st,
                                        const struct tcp_env *env,
                                        uint64_t now_us,
                                        const struct tcp_icmp_info *ic);

/*
 * Parses an IPv4/IPv6 packet carrying a TCP segment, or an ICMP/ICMPv6
 * error (given to tcp_stack_icmp_input), verifies the TCP
 * checksum (MUST-3) and gives the segment to tcp_stack_input(). 'pkt' may
 * hold any bytes; it is only borrowed for the call. Malformed packets get
 * the parser's reason (NOT_IP, BAD_IP, TRUNCATED, BAD_CSUM, ...) as a DROP
 * verdict, counted like the others.
 */
struct tcp_verdict tcp_stack_input_packet(struct tcp_stack *st,
                                          const struct tcp_env *env,
                                          uint64_t now_us, const uint8_t *pkt,
                                          size_t len, struct tcp_out *out);

/*
 * Runs tcp_conn_poll() on every used slot whose deadline is due at now_us,
 * in slot order (R25), then frees the slots that ended CLOSED and are no
 * longer held by the app.
 */
void tcp_stack_poll(struct tcp_stack *st, const struct tcp_env *env,
                    uint64_t now_us, struct tcp_out *out);

/* The earliest deadline of all used slots, or TCP_NO_DEADLINE. */
uint64_t tcp_stack_next_deadline_us(const struct tcp_stack *st);

/*
 * The slot a segment with local tuple *t (laddr = its destination) goes
 * to: the first slot in index order whose connection is neither CLOSED nor
 * LISTEN and has exactly this 4-tuple; else the listener on t->lport with
 * laddr equal to t->laddr; else a listener on t->lport for any address.
 * Returns the slot index or TCP_ENOTCONN. *t may be untrusted.
 */
int tcp_stack_demux(const struct tcp_stack *st, const struct tcp_tuple *t);

/*
 * The connection in slot h, for the tcp_conn_* user calls (send, recv,
 * status, options). Valid for any used slot, including children not yet
 * accepted (for inspection only: user calls on them are for the app after
 * accept). NULL when h is out of range or the slot is free. The pointer
 * stays valid until the slot is freed.
 */
struct tcp_conn *tcp_stack_conn(struct tcp_stack *st, int h);

/* Who holds slot h; TCP_SLOT_FREE for an out-of-range h. */
enum tcp_slot_use tcp_stack_slot_use(const struct tcp_stack *st, int h);

/* The number of used slots (for leak checks, STYLE R37). */
uint32_t tcp_stack_used(const struct tcp_stack *st);

#endif
