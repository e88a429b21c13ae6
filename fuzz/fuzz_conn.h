/* SPDX-License-Identifier: MIT
 *
 * fuzz_conn as a library: runs one input through the same driver and
 * oracles as the fuzz target and reports every step to an observer.
 * `shakedown repro` uses it to turn an input into a script, gen_seeds
 * (conn_seeds.c) to turn a conformance vector into an input.
 */
#ifndef SHAKEDOWN_FUZZ_CONN_H
#define SHAKEDOWN_FUZZ_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpref/conn.h"
#include "tcpref/seg.h"
#include "tcpref/types.h"

/* The application calls of fuzz_conn's records. */
enum fc_call {
	FC_CALL_LISTEN,  /* arg: b (bit 0: port 80/81, 1: bind the address,
	                    2-3: backlog) */
	FC_CALL_CONNECT, /* arg: b (bits 0-1: remote port 5000+, bit 2: bind
	                    local port 80 + bit 3) */
	FC_CALL_ACCEPT,
	FC_CALL_SEND, /* arg: bytes offered */
	FC_CALL_SEND_URGENT,
	FC_CALL_RECV, /* arg: buffer size */
	FC_CALL_SHUTDOWN,
	FC_CALL_CLOSE,
	FC_CALL_ABORT,
	FC_CALL_SOCKOPT /* arg: b (bit 0 nodelay, 1 keepalive, 2 set user
	                   timeout to (b >> 3) * 10 s) */
};

/* Input byte 1: more of the configuration (0: as before it existed). */
#define FC_EXT_IPV6 0x01        /* fd00::1 and fd00::2, ICMPv6 errors */
#define FC_EXT_ISN_MASK 0x06    /* the ISN function: */
#define FC_EXT_ISN_RFC6528 0x02 /*   RFC 6528 with a fixed key */
#define FC_EXT_ISN_FIXED 0x04   /*   0xFFFFF000 for every connection */
#define FC_EXT_SMALL_OUT 0x08   /* output array of 2 segments, 1500 B */
#define FC_EXT_KEEPALIVE 0x10   /* keep-alive on for new connections */

/* Every hook but state is required; now_us is the driver's virtual time. */
struct fc_obs {
	void *ctx;
	/* The configuration of the run: selector byte and the result. */
	void (*setup)(void *ctx, uint8_t sel, uint8_t ext,
	              const struct tcp_cfg *cfg, uint32_t rx_bytes,
	              uint32_t tx_bytes);
	/* Time advanced to now_us; the stack's timers run next. */
	void (*time)(void *ctx, uint64_t now_us);
	/* A peer segment about to be injected (its IPv4 packet). */
	void (*seg)(void *ctx, uint64_t now_us, const struct tcp_seg *seg,
	            const uint8_t *pkt, size_t len);
	/* An ICMP error about to be injected. */
	void (*icmp)(void *ctx, uint64_t now_us, uint8_t type, uint8_t code,
	             const uint8_t *pkt, size_t len);
	/* An application call on slot h and what it returned (the stack's
	 * result: a handle, a byte count, or a negative TCP_ERR_*). */
	void (*app)(void *ctx, uint64_t now_us, enum fc_call call, int h,
	            uint32_t arg, int ret);
	/* A segment the stack emitted during the step. */
	void (*out)(void *ctx, uint64_t now_us, const struct tcp_out_seg *os);
	/* An oracle failed: the run stops here. */
	void (*fail)(void *ctx, const char *msg);
	/* Optional (may be NULL): a connection changed state; h is its slot,
	 * or -1 for one outside the slots. */
	void (*state)(void *ctx, uint64_t now_us, int h, enum tcp_state from,
	              enum tcp_state to);
};

/*
 * Runs one input. Returns 0 when every oracle held, 1 when one failed
 * (after obs->fail). Not reentrant: the driver's state is static.
 */
int fc_run(const uint8_t *data, size_t size, const struct fc_obs *obs);

/* The driver reads at most FC_MAX_RECORDS records, and none once its
 * clock (1 s at the start) has reached FC_MAX_TIME_US. */
#ifndef FC_MAX_RECORDS
#define FC_MAX_RECORDS 256
#endif
#define FC_MAX_TIME_US (2ull * 3600ull * 1000000ull)

/* The ports fuzz_conn's records use: local 80/81, remote 5000..5003. */
#define FC_LPORT0 80
#define FC_RPORT0 5000

#endif
