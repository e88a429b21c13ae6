/* SPDX-License-Identifier: MIT
 *
 * gen_diff_seeds OUTDIR: writes the seed inputs of fuzz_diff_lwip
 * (corpus/fuzz_diff_lwip/), one file per scenario of RFC 9293's state
 * machine, spelled in fuzz_diff.c's records (see its header comment):
 * passive and active opens, data both ways, each way of closing, resets,
 * out-of-window and out-of-order segments, zero windows, retransmission.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_diff.h"

struct buf {
	uint8_t b[512];
	size_t n;
};

static void put(struct buf *b, unsigned v)
{
	if (b->n < sizeof(b->b))
		b->b[b->n++] = (uint8_t)v;
}

/* Index of a payload length and of a window in fuzz_diff.c's tables. */
enum {
	L0 = 0,
	L1 = 4,
	L2 = 6,
	L10 = 7,
	L100 = 9,
	L500 = 10,
	L1000 = 12
};
enum {
	W0 = 0,
	WMAX = 1,
	W8K = 8
};
/* SEQ modes (bits 0-1) and ACK modes (bits 2-3) of a segment record. */
enum {
	S_NXT = 0,
	S_ACKED = 1,
	S_FAR = 2,
	S_OLD = 3
};
enum {
	A_MAX = 0,
	A_ISN = 4,
	A_UNA = 8,
	A_FAR = 12
};
/* Flags. */
enum {
	FIN = 1,
	SYN = 2,
	RST = 4,
	PSH = 8,
	ACK = 16
};
/* Options: MSS 1460, MSS 536, window scale 7. */
enum {
	O_MSS = 0x01,
	O_MSS536 = 0x11,
	O_WS7 = 0x82
};

static void ms(struct buf *b, unsigned v)
{
	put(b, 0x00);
	put(b, v);
}

static void secs(struct buf *b, unsigned v)
{
	put(b, 0x10);
	put(b, v);
}

static void next_deadline(struct buf *b)
{
	put(b, 0x18);
	put(b, 0);
}

static void seg(struct buf *b, unsigned fl, unsigned mode, int sd, int ad,
                unsigned wnd, unsigned len, unsigned opts)
{
	put(b, 0x02);
	put(b, fl);
	put(b, mode);
	put(b, (unsigned)(sd & 0xFF));
	put(b, (unsigned)(ad & 0xFF));
	put(b, wnd << 4 | len);
	put(b, opts);
}

static void app(struct buf *b, enum fd_call c, unsigned arg)
{
	put(b, 0x05);
	put(b, c);
	put(b, arg);
}

static void ack_all(struct buf *b)
{
	put(b, 0x07);
	put(b, WMAX);
}

/* Listen, the peer's SYN, the handshake's ACK, accept. */
static void passive_open(struct buf *b, unsigned opts)
{
	app(b, FD_CALL_LISTEN, 0);
	seg(b, SYN, S_NXT, 0, 0, WMAX, L0, opts);
	seg(b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
	app(b, FD_CALL_ACCEPT, 0);
}

/* Connect, the peer's SYN-ACK. */
static void active_open(struct buf *b)
{
	app(b, FD_CALL_CONNECT, 0);
	seg(b, SYN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, O_MSS);
}

static int write_seed(const char *dir, const char *name, const struct buf *b)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->b, 1, b->n, f) != b->n) {
		fprintf(stderr, "gen_diff_seeds: %s: %s\n", path,
		        strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	struct buf b;
	int rc = 0;
	unsigned i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_diff_seeds OUTDIR\n");
		return 2;
	}
#define SEED(name, body)                                                       \
	do {                                                                   \
		memset(&b, 0, sizeof(b));                                      \
		put(&b, 0); /* the peer's ISN: 0 */                            \
		body;                                                          \
		rc |= write_seed(argv[1], name, &b);                           \
	} while (0)

	/* RFC 9293 3.5 passive open, data both ways, active close,
	 * TIME-WAIT to its end. */
	SEED("passive-data-close", {
		passive_open(&b, O_MSS);
		seg(&b, ACK | PSH, S_NXT | A_MAX, 0, 0, WMAX, L100, 0);
		app(&b, FD_CALL_RECV, 5);
		app(&b, FD_CALL_SEND, 4);
		ack_all(&b);
		app(&b, FD_CALL_CLOSE, 0);
		seg(&b, FIN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		secs(&b, 200);
	});
	/* The peer closes first: CLOSE-WAIT, LAST-ACK. */
	SEED("passive-peer-close", {
		passive_open(&b, O_MSS);
		seg(&b, ACK | PSH, S_NXT | A_MAX, 0, 0, WMAX, L10, 0);
		seg(&b, FIN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		app(&b, FD_CALL_RECV, 5);
		app(&b, FD_CALL_RECV, 5);
		app(&b, FD_CALL_CLOSE, 0);
		ack_all(&b);
	});
	/* Active open, data, the stack closes. */
	SEED("active-data-close", {
		active_open(&b);
		app(&b, FD_CALL_SEND, 10);
		ack_all(&b);
		seg(&b, ACK | PSH, S_NXT | A_MAX, 0, 0, WMAX, L500, 0);
		ms(&b, 250);
		app(&b, FD_CALL_RECV, 7);
		app(&b, FD_CALL_SHUT_WR, 0);
		ack_all(&b);
		seg(&b, FIN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		app(&b, FD_CALL_CLOSE, 0);
	});
	/* Connection refused: RST,ACK to the SYN. */
	SEED("active-refused", {
		app(&b, FD_CALL_CONNECT, 0);
		seg(&b, RST | ACK, S_NXT | A_MAX, 0, 0, W0, L0, 0);
		app(&b, FD_CALL_POLL, 0);
		app(&b, FD_CALL_SEND, 0);
	});
	/* SYN-ACK acking something else: RST (3.10.7.3). */
	SEED("active-bad-synack", {
		app(&b, FD_CALL_CONNECT, 0);
		seg(&b, SYN | ACK, S_NXT | A_MAX, 0, 5, WMAX, L0, O_MSS);
		next_deadline(&b);
	});
	/* Simultaneous open (3.5, figure 8). */
	SEED("simultaneous-open", {
		app(&b, FD_CALL_CONNECT, 0);
		seg(&b, SYN, S_NXT, 0, 0, WMAX, L0, O_MSS);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		app(&b, FD_CALL_SEND, 3);
	});
	/* A SYN to a port nobody listens on; an ACK to a listener. */
	SEED("closed-port", {
		seg(&b, SYN, S_NXT, 0, 0, WMAX, L0, O_MSS);
		seg(&b, ACK, S_NXT, 0, 0, WMAX, L0, 0);
		app(&b, FD_CALL_LISTEN, 0);
		seg(&b, ACK, S_NXT, 0, 0, WMAX, L0, 0);
		seg(&b, RST, S_NXT, 0, 0, WMAX, L0, 0);
		seg(&b, FIN, S_NXT, 0, 0, WMAX, L0, 0);
	});
	/* Resets in ESTABLISHED: exact, in the window, outside (3.10.7.4,
	 * RFC 5961 3.2). */
	for (i = 0; i < 3; i++) {
		static const char *const names[3] = { "rst-exact",
			                              "rst-in-window",
			                              "rst-out-of-window" };
		SEED(names[i], {
			passive_open(&b, O_MSS);
			seg(&b, RST, i == 2 ? S_FAR : S_NXT, i == 1 ? 100 : 0,
			    0, WMAX, L0, 0);
			app(&b, FD_CALL_RECV, 3);
			app(&b, FD_CALL_SEND, 3);
		});
	}
	/* A SYN in ESTABLISHED: challenge ACK (RFC 5961 4). */
	SEED("syn-in-established", {
		passive_open(&b, O_MSS);
		seg(&b, SYN, S_NXT, 10, 0, WMAX, L0, O_MSS);
		seg(&b, RST, S_NXT, 0, 0, WMAX, L0, 0);
	});
	/* Data out of order, then the hole filled (3.10.7.4). */
	SEED("out-of-order", {
		passive_open(&b, O_MSS);
		seg(&b, ACK, S_NXT | A_MAX, 100, 0, WMAX, L100, 0);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L100, 0);
		app(&b, FD_CALL_RECV, 5);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L10, 0);
		seg(&b, ACK, S_OLD | A_MAX, 0, 0, WMAX, L10, 0);
		seg(&b, ACK, S_FAR | A_MAX, 0, 0, WMAX, L10, 0);
		app(&b, FD_CALL_RECV, 5);
	});
	/* A zero window, the persist timer, the window opening (3.8.6.1). */
	SEED("zero-window", {
		passive_open(&b, O_MSS);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, W0, L0, 0);
		app(&b, FD_CALL_SEND, 10);
		secs(&b, 5);
		secs(&b, 10);
		seg(&b, ACK, S_NXT | A_UNA, 0, 0, W8K, L0, 0);
		ack_all(&b);
	});
	/* Retransmission by timeout, then the ACK (RFC 6298). */
	SEED("rto", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_SEND, 10);
		secs(&b, 4);
		secs(&b, 10);
		ack_all(&b);
		app(&b, FD_CALL_SEND, 4);
		ack_all(&b);
	});
	/* Three duplicate ACKs: fast retransmit (RFC 5681 3.2). */
	SEED("dupacks", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_NODELAY, 1);
		for (i = 0; i < 4; i++)
			app(&b, FD_CALL_SEND, 4);
		seg(&b, ACK, S_NXT | A_UNA, 0, 0, WMAX, L0, 0);
		seg(&b, ACK, S_NXT | A_UNA, 0, 0, WMAX, L0, 0);
		seg(&b, ACK, S_NXT | A_UNA, 0, 0, WMAX, L0, 0);
		ack_all(&b);
	});
	/* Simultaneous close: both FINs cross (CLOSING). */
	SEED("simultaneous-close", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_CLOSE, 0);
		seg(&b, FIN | ACK, S_NXT | A_UNA, 0, 0, WMAX, L0, 0);
		ack_all(&b);
		secs(&b, 130);
	});
	/* Abort: SO_LINGER 0 (RST), close with unread data. */
	SEED("abort", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_ABORT, 0);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L10, 0);
	});
	SEED("close-unread", {
		passive_open(&b, O_MSS);
		seg(&b, ACK | PSH, S_NXT | A_MAX, 0, 0, WMAX, L100, 0);
		app(&b, FD_CALL_CLOSE, 0);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
	});
	/* Half close: the stack shuts down its side, the peer goes on. */
	SEED("half-close", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_SHUT_WR, 0);
		ack_all(&b);
		seg(&b, ACK | PSH, S_NXT | A_MAX, 0, 0, WMAX, L100, 0);
		app(&b, FD_CALL_RECV, 5);
		seg(&b, FIN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		app(&b, FD_CALL_RECV, 5);
		app(&b, FD_CALL_CLOSE, 0);
		secs(&b, 250);
	});
	/* Window scale and MSS options, a segment of 536. */
	SEED("options", {
		passive_open(&b, O_MSS536 | O_WS7);
		app(&b, FD_CALL_SEND, 15);
		ack_all(&b);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, W8K, L1000, 0);
		app(&b, FD_CALL_RECV, 6);
	});
	/* TIME-WAIT, then a new SYN on the same ports (RFC 9293 3.6.1). */
	SEED("timewait-reopen", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_CLOSE, 0);
		ack_all(&b);
		seg(&b, FIN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		ms(&b, 100);
		seg(&b, SYN, S_NXT, 100, 0, WMAX, L0, O_MSS);
		seg(&b, ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, 0);
		app(&b, FD_CALL_ACCEPT, 0);
	});
	/* Keep-alive on, two hours and more of silence (3.8.4). */
	SEED("keepalive", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_KEEPALIVE, 1);
		for (i = 0; i < 3; i++)
			secs(&b, 250);
	});
	/* A SYN retransmitted, then answered late (3.8.1). */
	SEED("syn-retransmit", {
		app(&b, FD_CALL_CONNECT, 0);
		secs(&b, 4);
		seg(&b, SYN | ACK, S_NXT | A_MAX, 0, 0, WMAX, L0, O_MSS);
		app(&b, FD_CALL_POLL, 0);
	});
	/* Unacceptable ACKs in ESTABLISHED: ahead of SND.MAX, old. */
	SEED("bad-acks", {
		passive_open(&b, O_MSS);
		app(&b, FD_CALL_SEND, 4);
		seg(&b, ACK, S_NXT | A_MAX, 0, 20, WMAX, L0, 0);
		seg(&b, ACK, S_NXT | A_FAR, 0, 0, WMAX, L0, 0);
		seg(&b, ACK, S_NXT | A_ISN, 0, 0, WMAX, L10, 0);
		ack_all(&b);
	});
#undef SEED
	return rc;
}
