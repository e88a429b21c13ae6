/* SPDX-License-Identifier: MIT
 *
 * Differential fuzzing as a library: one input drives two stacks behind
 * stack_plugin.h (A, the reference; B, the stack under test) with the same
 * decoded records and compares what each shows on the wire and to the
 * application, after the normalizations of fuzz/DIFF.md. fuzz_diff_lwip.c
 * is the libFuzzer target; `shakedown repro --diff` (repro_diff.c) turns an
 * input into a script through the observer.
 */
#ifndef SHAKEDOWN_FUZZ_DIFF_H
#define SHAKEDOWN_FUZZ_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/stack_plugin.h"

/* The records of an input (after its setup byte). */
enum fd_kind {
	FD_REC_TIME, /* virtual time passes */
	FD_REC_SEG,  /* a segment from the peer */
	FD_REC_APP,  /* an application call on both stacks */
	FD_REC_KINDS
};

/* The application calls of FD_REC_APP records. */
enum fd_call {
	FD_CALL_LISTEN,    /* socket, bind FD_LPORT, listen */
	FD_CALL_ACCEPT,    /* on the listener */
	FD_CALL_CONNECT,   /* socket, connect to the peer's FD_RPORT */
	FD_CALL_SEND,      /* arg: bytes offered */
	FD_CALL_RECV,      /* arg: buffer size */
	FD_CALL_SHUT_WR,   /* shutdown(SHUT_WR) */
	FD_CALL_SHUT_RDWR, /* shutdown(SHUT_RDWR) */
	FD_CALL_CLOSE,     /* close the connection's handle */
	FD_CALL_ABORT,     /* SO_LINGER {1, 0}, then close: RST */
	FD_CALL_NODELAY,   /* arg: TCP_NODELAY value */
	FD_CALL_KEEPALIVE, /* arg: SO_KEEPALIVE value */
	FD_CALL_POLL,      /* poll(POLLIN | POLLOUT) */
	FD_CALL_CLOSE_LISTENER,
	FD_CALL_COUNT
};

const char *fd_call_name(enum fd_call c);

/* Addresses and ports of every run (TEST-NET-1, RFC 5737). */
#define FD_STACK_ADDR 0xC0000201u /* 192.0.2.1 */
#define FD_PEER_ADDR 0xC0000202u  /* 192.0.2.2 */
#define FD_LPORT 8080             /* the stack's port (the harness's default) */
#define FD_RPORT 40000            /* the peer's port (the script side's) */

/* A TCP segment as the driver sees it: absolute numbers. */
struct fd_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20
	                  ECE 0x40 CWR 0x80 */
	uint16_t wnd, urp;
	uint16_t len; /* payload bytes */
	uint16_t mss; /* MSS option value, when FD_OPT_MSS */
	uint8_t ws;   /* window scale shift, when FD_OPT_WS */
	uint8_t opts; /* FD_OPT_* present */
	uint32_t tsval, tsecr;
	uint32_t dsum;       /* hash of the payload */
	const uint8_t *data; /* the payload (valid during the callback) */
};
#define FD_OPT_MSS 0x01
#define FD_OPT_WS 0x02
#define FD_OPT_SACKOK 0x04
#define FD_OPT_TS 0x08
#define FD_OPT_SACK 0x10
#define FD_OPT_OTHER 0x20

/* The first difference of a run. */
struct fd_diff {
	unsigned rec;      /* index of the record (0: the first) */
	enum fd_kind kind; /* its kind */
	int call;          /* enum fd_call for FD_REC_APP, else -1 */
	const char *state; /* A's state before the record */
	const char *field; /* what differs ("seg[0].ack", "app.ret") */
	char a[96], b[96]; /* the two values, as text */
	uint32_t sig;      /* coarse signature: kind, state, field */
};

/*
 * The observer of fd_run (every hook optional). now_us is the driver's
 * virtual time; side 0 is A, 1 is B.
 */
struct fd_obs {
	void *ctx;
	/* The peer's ISN of the run. */
	void (*setup)(void *ctx, uint32_t peer_isn);
	/* A time record ends at now_us (timers ran on the way). */
	void (*time)(void *ctx, uint64_t now_us);
	/* A peer segment as injected into side's stack. */
	void (*seg)(void *ctx, int side, uint64_t now_us,
	            const struct fd_seg *s);
	/* An application call and what each stack returned (for RECV, the
	 * bytes read; for ACCEPT the handle or error). */
	void (*app)(void *ctx, uint64_t now_us, enum fd_call call, uint32_t arg,
	            long ret_a, long ret_b);
	/* A packet a stack sent; timer: during a time record. */
	void (*out)(void *ctx, int side, uint64_t now_us,
	            const struct fd_seg *s, bool timer);
	/* The first difference (the run stops after it). */
	void (*diff)(void *ctx, const struct fd_diff *d);
};

/* What drives a run beyond the input. */
struct fd_cfg {
	const struct sd_stack_plugin *a, *b;
	const char *const *a_config; /* A's "// config:" words */
	size_t a_config_n;
	const char *b_profile;       /* B's profile name ("lwip") */
	const char *const *b_config; /* B's "// config:" words */
	size_t b_config_n;
	/* libFuzzer extra counters (may be NULL): one per difference
	 * signature, and B's behaviour (state before/after each record). */
	uint8_t *sig_counters;
	size_t sig_n;
	uint8_t *cov_counters;
	size_t cov_n;
	bool debug; /* every record and packet on stderr */
	bool known; /* normalize the known findings (DIFF.md, K01...) */
	/* The TCP options compared (FD_OPT_*); 0: all. repro --diff runs
	 * the reference with its defaults, which offer more on a SYN. */
	uint8_t opt_mask;
	bool log; /* keep the text of the records (fd_log) */
};

/* The result of fd_run. */
enum fd_verdict {
	FD_SAME,   /* no difference */
	FD_DIFF,   /* a difference not allowed by DIFF.md: *d */
	FD_DESYNC, /* an allowed difference that ends the comparison */
	FD_SKIP,   /* a stack could not be created (reason in d->a) */
};

/*
 * Runs one input through A and B. Returns the verdict; *d (may be NULL)
 * gets the first difference. Not reentrant.
 */
enum fd_verdict fd_run(const struct fd_cfg *cfg, const uint8_t *data,
                       size_t size, const struct fd_obs *obs,
                       struct fd_diff *d);

/* The text of the records of the last run (cfg->log). */
const char *fd_log(void);

/* The ref plugin's "// config:" words that mirror lwIP's build
 * (lwipopts.h of Debian's liblwip-dev), and their number. */
extern const char *const fd_ref_lwip_config[];
extern const size_t fd_ref_lwip_config_n;

/* Caps of one input. */
#define FD_MAX_RECORDS 128
#define FD_MAX_TIME_US (900ull * 1000000ull)
/* Bytes the application may have written and the peer not acked: under
 * every initial window (RFC 5681 3.1 with an MSS of 536), DIFF.md A09. */
#define FD_FLIGHT_MAX 2048u

#endif
