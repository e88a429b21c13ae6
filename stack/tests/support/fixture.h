/* SPDX-License-Identifier: MIT
 *
 * Test fixture for the connection layer: one reference connection facing a
 * scripted peer, a deterministic environment (ISNs near the 2^32 wrap), a
 * captured output and a trace log. States are reached through real
 * transitions only (STYLE R34); segments come from templates (R33).
 */
#ifndef TEST_FIXTURE_H
#define TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcpref/conn.h"

#define LOCAL_ISN 0xFFFFFF00u  /* our ISS: wraps after 256 octets */
#define REMOTE_ISN 0xFFFFFFF0u /* the peer's ISN: wraps after 16 */
#define LOCAL_PORT 8080
#define REMOTE_PORT 40000
#define FX_RX_BYTES 8192
#define FX_TX_BYTES 65536
#define FX_OUT_SEGS 128
#define FX_TRACE_MAX 64
#define FX_MSS 1000 /* the peer's MSS: keeps segment counts small */

struct fx {
	struct tcp_cfg cfg;
	struct tcp_env env;
	struct tcp_conn c;
	struct tcp_tuple tuple; /* as seen by the connection */
	uint64_t now_us;
	uint32_t isn_calls;
	struct tcp_out out;
	struct tcp_out_seg segs[FX_OUT_SEGS];
	uint8_t data[FX_OUT_SEGS * 1500];
	uint8_t rx[FX_RX_BYTES];
	uint8_t tx[FX_TX_BYTES];
	/* The trace: every state change and drop, in order. */
	unsigned trace_n;
	struct tcp_trace_ev trace[FX_TRACE_MAX];
	/* The peer's sequence bookkeeping. */
	uint32_t peer_nxt; /* next sequence number the peer sends */
};

/* Template of an inbound segment; later designated initializers override. */
#define SEG_IN(...)                                                            \
	((struct tcp_seg){ .sport = REMOTE_PORT,                               \
	                   .dport = LOCAL_PORT,                                \
	                   .flags = TCP_FLAG_ACK,                              \
	                   .wnd = 65535,                                       \
	                   __VA_ARGS__ })
#define SEQ(x) ((tcp_seq){ (uint32_t)(x) })

/* Heap-allocates a fixture with cfg of profile p; free with fx_free. */
struct fx *fx_new(enum tcp_profile p);
void fx_free(struct fx *f);
/* Re-creates the connection after the test changed f->cfg. */
void fx_reinit(struct fx *f);

/* Feeds one segment (output is cleared first). */
struct tcp_verdict fx_input(struct fx *f, struct tcp_seg seg);
/* Advances virtual time by us, running every deadline on the way. */
void fx_advance(struct fx *f, uint64_t us);
/* Clears the captured output. */
void fx_clear(struct fx *f);

/* Inbound segment helpers relative to the connection's state. */
uint32_t fx_una(const struct fx *f); /* our SND.UNA as a raw number */
uint32_t fx_nxt(const struct fx *f); /* our SND.NXT */

/*
 * Reach a state through real transitions. Options on the peer's SYN are
 * MSS FX_MSS only (no timestamps, SACK or window scale) unless the helper
 * says otherwise; after each, the output is cleared.
 */
void fx_listen(struct fx *f);
void fx_syn_received(struct fx *f);        /* passive: LISTEN + SYN */
void fx_syn_sent(struct fx *f);            /* active OPEN */
void fx_syn_received_active(struct fx *f); /* SYN-SENT + SYN (simultaneous) */
void fx_established(struct fx *f);         /* passive open + final ACK */
void fx_established_active(struct fx *f);  /* active open + SYN,ACK */
void fx_fin_wait_1(struct fx *f);          /* established + CLOSE */
void fx_fin_wait_2(struct fx *f);          /* + ACK of our FIN */
void fx_close_wait(struct fx *f);          /* established + peer FIN */
void fx_closing(struct fx *f);             /* FIN-WAIT-1 + peer FIN */
void fx_last_ack(struct fx *f);            /* CLOSE-WAIT + CLOSE */
void fx_time_wait(struct fx *f);           /* FIN-WAIT-2 + peer FIN */

/* Assertions that name the field. */
#define assert_state(f, s)                                                     \
	assert_string_equal(tcp_state_name((f)->c.state), tcp_state_name(s))
#define assert_no_output(f) assert_int_equal((f)->out.n, 0)
#define assert_nout(f, count) assert_int_equal((f)->out.n, (count))
#define assert_seq_equal(a, b) assert_int_equal((uint32_t)(a), (uint32_t)(b))
/* The i-th output segment. */
#define OUT(f, i) (&(f)->out.segs[(i)].seg)
/* Checks flags, seq and (when ACK is set) ack of an output segment. */
void fx_assert_seg(const struct tcp_seg *s, uint16_t flags, uint32_t seq,
                   uint32_t ack, const char *file, int line);
#define assert_seg(s, flags, seq, ack)                                         \
	fx_assert_seg((s), (flags), (seq), (ack), __FILE__, __LINE__)
/* True if the trace holds a transition from -> to. */
int fx_saw_transition(const struct fx *f, enum tcp_state from,
                      enum tcp_state to);

/* ---- Verdict and trace helpers (test_conn_open/synrcvd) ------------------ */

/* Checks disp and why of a verdict, naming both on failure. */
void fx_assert_verdict(struct tcp_verdict v, enum tcp_disp disp,
                       enum tcp_why why, const char *file, int line);
#define assert_verdict(v, disp, why)                                           \
	fx_assert_verdict((v), (disp), (why), __FILE__, __LINE__)
/* Position in the trace; pass to the *_since helpers below. */
#define fx_mark(f) ((f)->trace_n)
/* Number of state changes traced since 'mark'. */
unsigned fx_transitions_since(const struct fx *f, unsigned mark);
/* True if a drop for 'why' was traced since 'mark'. */
int fx_saw_drop_since(const struct fx *f, unsigned mark, enum tcp_why why);

/* ---- Data-path helpers (test_conn_rtx/cc/data/timers) -------------------- */

/*
 * Passive open whose SYN carries exactly 'syn' (MSS, WS, SACKOK, TS as the
 * test chooses; a TSval is filled in when TS is present). The final ACK is
 * stamped with TSopt when timestamps were negotiated. Output is cleared.
 */
void fx_established_opts(struct fx *f, const struct tcp_opts *syn);
/* Adds the peer's TSopt (TSval from virtual time) when TS is negotiated. */
void fx_stamp(const struct fx *f, struct tcp_seg *s);
/* A pure ACK from the peer: SEQ=peer_nxt, ACK=ack, window field wnd. */
struct tcp_verdict fx_ack(struct fx *f, uint32_t ack, uint16_t wnd);
/* Peer text at seq with ACK = our SND.UNA and window 65535, stamped. */
struct tcp_verdict fx_data(struct fx *f, uint32_t seq, const uint8_t *p,
                           uint32_t n);
/* The application writes n bytes of fx_pattern(k) for k = 0..n-1. */
int fx_write(struct fx *f, uint32_t n, unsigned flags);
static inline uint8_t fx_pattern(uint32_t k)
{
	return (uint8_t)(k * 7u + 3u);
}
/* Sum of payload bytes of the captured output. */
uint32_t fx_out_bytes(const struct fx *f);

/*
 * Clears the output, then advances virtual time deadline by deadline until
 * the connection emits something or max_us passed. Returns the time waited
 * (max_us + 1 when nothing came).
 */
uint64_t fx_run_until_output(struct fx *f, uint64_t max_us);

/* ---- Timestamps and trace checks (test_conn_paws/established/closing) ---- */

/*
 * ESTABLISHED through a passive open whose SYN carries MSS FX_MSS and TSopt
 * <TSval=peer_tsval, TSecr=0>; the final ACK carries TSval=peer_tsval and
 * echoes the SYN,ACK's TSval. Timestamps are negotiated (RFC 7323 3.2) and
 * TS.Recent = peer_tsval. Output is cleared.
 */
void fx_established_ts(struct fx *f, uint32_t peer_tsval);

/* One expected trace event: a state change or a drop. */
struct fx_ev {
	enum tcp_trace_kind kind;
	enum tcp_state from, to; /* TCP_TRACE_STATE */
	enum tcp_cause cause;    /* TCP_TRACE_STATE */
	enum tcp_why why;        /* TCP_TRACE_DROP */
};
#define TR_STATE(a, b, c)                                                      \
	((struct fx_ev){                                                       \
	    .kind = TCP_TRACE_STATE, .from = (a), .to = (b), .cause = (c) })
#define TR_DROP(w) ((struct fx_ev){ .kind = TCP_TRACE_DROP, .why = (w) })
/* Checks that the trace since 'mark' is exactly want[0..n). */
void fx_assert_trace(const struct fx *f, unsigned mark,
                     const struct fx_ev *want, unsigned n, const char *file,
                     int line);
#define assert_trace(f, mark, ...)                                             \
	do {                                                                   \
		const struct fx_ev want_[] = { __VA_ARGS__ };                  \
		fx_assert_trace((f), (mark), want_,                            \
		                (unsigned)(sizeof(want_) / sizeof(want_[0])),  \
		                __FILE__, __LINE__);                           \
	} while (0)
#define assert_trace_empty(f, mark)                                            \
	fx_assert_trace((f), (mark), NULL, 0, __FILE__, __LINE__)

#endif
