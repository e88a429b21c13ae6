/* SPDX-License-Identifier: MIT
 *
 * Internal interfaces shared by the files of the connection layer: the byte
 * ring, the out-of-order block list and the helpers that the segment-arrival
 * code (conn_input.c) and the user/timer code (conn.c) both call.
 */
#ifndef TCPREF_INTERNAL_H
#define TCPREF_INTERNAL_H

#include "tcpref/conn.h"

/* Internal invariant check (STYLE R20): never for input-dependent facts. */
#define TCP_ASSERT(env, cond)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			tcp_conn__panic((env), __FILE__, __LINE__, #cond);     \
	} while (0)

void tcp_conn__panic(const struct tcp_env *env, const char *file, int line,
                     const char *expr);

/* ---- ring.c: byte ring and reassembly blocks ---------------------------- */

void tcp_ring_init(struct tcp_ring *r, uint8_t *buf, uint32_t cap);
/* Appends up to n bytes; returns how many fit. */
uint32_t tcp_ring_append(struct tcp_ring *r, const uint8_t *p, uint32_t n);
/* Writes n bytes at offset off past the stored bytes (off + n <= free). */
void tcp_ring_write_beyond(struct tcp_ring *r, uint32_t off, const uint8_t *p,
                           uint32_t n);
/* Copies n bytes starting off bytes from head (off + n <= len + free). */
void tcp_ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *p,
                   uint32_t n);
void tcp_ring_consume(struct tcp_ring *r, uint32_t n);
/* Extends len by n bytes already written beyond it. */
void tcp_ring_commit(struct tcp_ring *r, uint32_t n);
static inline uint32_t tcp_ring_free(const struct tcp_ring *r)
{
	return r->cap - r->len;
}

void tcp_reasm_init(struct tcp_reasm *q);
/*
 * Records [off, off + len) as held. Returns 0, or -1 when a new block is
 * needed and all TCP_REASM_MAX are in use (nothing changes then).
 */
int tcp_reasm_add(struct tcp_reasm *q, uint32_t off, uint32_t len);
/*
 * After RCV.NXT advanced by 'adv' bytes: shifts the blocks, drops what is
 * now below zero, and returns the length of a block that now starts at 0
 * (removing it), or 0.
 */
uint32_t tcp_reasm_advance(struct tcp_reasm *q, uint32_t adv);

/* ---- conn.c helpers used by conn_input.c -------------------------------- */

void tcp_conn__set_state(struct tcp_conn *c, const struct tcp_env *env,
                         uint64_t now_us, enum tcp_state to,
                         enum tcp_cause cause);
struct tcp_verdict tcp_conn__drop(struct tcp_conn *c, const struct tcp_env *env,
                                  uint64_t now_us, enum tcp_disp disp,
                                  enum tcp_why why);
/* Appends a control segment (no payload) built for this connection. */
void tcp_conn__send_ctl(struct tcp_conn *c, uint64_t now_us, uint16_t flags,
                        tcp_seq seq, tcp_seq ack, struct tcp_out *out);
/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, the reply of 3.10.7.4 first. */
void tcp_conn__send_ack(struct tcp_conn *c, uint64_t now_us,
                        struct tcp_out *out);
/* The SYN or SYN,ACK of this connection (with its options), seq = ISS. */
void tcp_conn__send_syn(struct tcp_conn *c, uint64_t now_us, bool ack,
                        struct tcp_out *out);
/*
 * Bookkeeping after any cwnd reduction (timeout, fast retransmit, ECE):
 * CWR on the next new data of an ECN connection, and no further ECN
 * response for the data sent so far (RFC 3168 6.1.2).
 */
void tcp_conn__cwnd_reduced(struct tcp_conn *c);
/* Sends data, FIN and pending ACKs as windows, Nagle and SWS allow. */
void tcp_conn__output(struct tcp_conn *c, const struct tcp_env *env,
                      uint64_t now_us, struct tcp_out *out);
/* Flushes queues and timers and enters CLOSED with 'err' for the user. */
void tcp_conn__close_now(struct tcp_conn *c, const struct tcp_env *env,
                         uint64_t now_us, int err, enum tcp_cause cause);
/* SYN-RECEIVED (from a passive OPEN) -> LISTEN, flushing everything. */
void tcp_conn__return_to_listen(struct tcp_conn *c, const struct tcp_env *env,
                                uint64_t now_us, enum tcp_cause cause);
/*
 * RFC 9293 3.6.1 MAY-2: saves the TIME-WAIT incarnation in c->tw_prev, sets
 * TCP_CF_REOPENED and reinitializes the rest (buffers, cfg, tuple kept);
 * the state stays TIME-WAIT for the caller's transition.
 */
void tcp_conn__timewait_leave(struct tcp_conn *c, const struct tcp_env *env);
/* 3.6.1 condition (2): SYN-RECEIVED (reopened) -> the saved TIME-WAIT. */
void tcp_conn__return_to_timewait(struct tcp_conn *c, const struct tcp_env *env,
                                  uint64_t now_us, enum tcp_cause cause);
/* Starts (or restarts) TIME-WAIT's 2*MSL timer. */
void tcp_conn__start_timewait(struct tcp_conn *c, uint64_t now_us);
/* Size of the fixed IP and TCP headers: 40 (IPv4) or 60 (IPv6). */
uint32_t tcp_conn__ip_tcp_hdr(const struct tcp_conn *c);
/* Recomputes the effective send MSS and the initial window. */
void tcp_conn__set_mss(struct tcp_conn *c, uint16_t peer_mss);
/* Sender MSS less the option bytes every data segment carries. */
uint32_t tcp_conn__eff_mss(const struct tcp_conn *c);
/* RFC 5681 3.1: the initial window for the current MSS. */
uint32_t tcp_conn__initial_window(const struct tcp_conn *c);
/* RTO from SRTT/RTTVAR (RFC 6298 2.2-2.5), ending any backoff. */
void tcp_conn__rto_reset(struct tcp_conn *c);
/* Takes a new RTT sample (RFC 6298 2.2/2.3). */
void tcp_conn__rtt_sample(struct tcp_conn *c, uint64_t rtt_us);
/* The sequence number of the first data byte held in tx. */
tcp_seq tcp_conn__tx_seq0(const struct tcp_conn *c);
/* The 32-bit window we can accept: RCV.ADV - RCV.NXT. */
uint32_t tcp_conn__rcv_wnd(const struct tcp_conn *c);
/* TSval of our clock at now_us. */
uint32_t tcp_conn__tsval(const struct tcp_conn *c, uint64_t now_us);
/* Schedules an ACK for received data (delayed-ACK rules, RFC 5681 4.2). */
void tcp_conn__ack_data(struct tcp_conn *c, uint64_t now_us, uint32_t bytes,
                        bool now);

#endif
