/* SPDX-License-Identifier: MIT
 *
 * The reference RFC 9293 connection: the third layer, a sans-I/O state
 * machine. Pure: no I/O, no clock, no allocation, no globals. Time enters as
 * now_us, everything random through struct tcp_env, and segments to send are
 * appended to a caller-owned struct tcp_out.
 */
#ifndef TCPREF_CONN_H
#define TCPREF_CONN_H

#include "seg.h"
#include "seq.h"
#include "types.h"

#define TCP_NO_DEADLINE UINT64_MAX
#define TCP_REASM_MAX 8 /* out-of-order blocks held beyond RCV.NXT */

/* ---- Configuration: every choice the RFCs leave open ------------------- */

enum tcp_profile {
	TCP_PROFILE_DEFAULT, /* a careful modern stack: RFC 5961 on, ... */
	TCP_PROFILE_RFC5961, /* same as DEFAULT, named for scripts */
	TCP_PROFILE_LEGACY,  /* RFC 793 rules: no RFC 5961, no options */
};

/*
 * ECN (RFC 9293 3.8.2 SHLD-8, RFC 3168): what a connection does about it.
 * ACCEPT takes part when the peer's SYN asks (an ECN-setup SYN) but never
 * asks itself; ON also asks with an ECN-setup SYN on every active open.
 */
enum tcp_ecn_mode {
	TCP_ECN_MODE_OFF,    /* never: plain SYN,ACK to an ECN-setup SYN */
	TCP_ECN_MODE_ACCEPT, /* passive opens only (Linux's tcp_ecn=2) */
	TCP_ECN_MODE_ON,     /* ask on active opens and accept (tcp_ecn=1) */
};

struct tcp_cfg {
	bool rfc5961; /* RFC 5961 RST/SYN/ACK checks (3.10.7.4, MAY-12) */
	bool rfc1337; /* ignore RST in TIME-WAIT (RFC 1337 TIME-WAIT hazard) */
	/*
	 * RFC 9293 3.6.1 MAY-2 / SHLD-4 (RFC 6191): a SYN acceptable as a new
	 * incarnation may reopen a connection in TIME-WAIT (edge E112). On in
	 * the modern profiles (Linux and the BSDs do it), off in LEGACY (RFC
	 * 793 has no such rule; it came with RFC 1122 4.2.2.13). The
	 * connection layer only offers the test and the action
	 * (tcp_conn_timewait_syn_acceptable/_reopen); tcp_stack_input() uses
	 * them. tcp_conn_input() itself never reopens.
	 */
	bool timewait_reopen;
	bool delayed_ack; /* SHLD-18 */
	bool nagle;       /* SHLD-7; per connection with tcp_conn_set_nodelay */
	bool keepalive;   /* default for new connections; off (MUST-25) */
	bool timestamps;  /* offer TSopt on SYN (RFC 7323) */
	bool sack;        /* offer SACK-permitted on SYN (RFC 2018) */
	bool wscale;      /* offer window scale on SYN (RFC 7323) */
	uint8_t wscale_shift; /* our receive window shift, 0..14 */
	uint8_t ecn;          /* enum tcp_ecn_mode (SHLD-8) */
	uint16_t mss;         /* MSS we advertise (MUST-14), <= MTU - 40 */
	uint16_t mtu;         /* local interface MTU, caps the send MSS */
	uint32_t challenge_ack_limit;     /* per connection, per window */
	uint64_t challenge_ack_window_us; /* RFC 5961 7: 10 per 5 s example */
	uint64_t msl_us;                  /* TIME-WAIT lasts 2 * msl_us */
	uint64_t rto_initial_us;          /* RFC 6298 2.1: 1 s */
	uint64_t rto_min_us;              /* RFC 6298 2.4: 1 s */
	uint64_t rto_max_us;              /* RFC 6298 2.5: at least 60 s */
	uint64_t user_timeout_us;         /* R2 for data (RFC 9293 3.8.3) */
	uint64_t syn_timeout_us;          /* R2 for SYN, >= 3 min (MUST-23) */
	uint32_t r1_retries;              /* R1: soft error after this many */
	uint64_t delack_us;               /* < 500 ms (MUST-40) */
	uint64_t keepalive_idle_us;       /* >= 2 h by default (MUST-28) */
	uint64_t keepalive_intvl_us;      /* between unanswered probes */
	uint32_t keepalive_probes;    /* probes before giving up (MUST-29) */
	uint32_t initial_window_segs; /* 0: RFC 5681 3.1 formula */
	uint64_t persist_max_us;      /* cap of zero-window probe backoff */
	uint64_t sws_override_us;     /* RFC 9293 3.8.6.2.1 override timer */
};

/* Fills *cfg with the values of a profile. */
void tcp_cfg_init(struct tcp_cfg *cfg, enum tcp_profile p);

/* ---- Environment: everything nondeterministic is injected -------------- */

enum tcp_trace_kind {
	TCP_TRACE_STATE, /* from -> to because of 'cause' */
	TCP_TRACE_DROP,  /* a segment was dropped for 'why' */
};

struct tcp_conn;

struct tcp_trace_ev {
	enum tcp_trace_kind kind;
	const struct tcp_conn *conn;
	uint64_t now_us;
	enum tcp_state from;
	enum tcp_state to;
	enum tcp_cause cause; /* TCP_TRACE_STATE */
	enum tcp_why why;     /* TCP_TRACE_DROP */
};

struct tcp_env {
	/* Initial send sequence number for a new connection (RFC 6528 style).
	 */
	uint32_t (*isn)(void *ctx, const struct tcp_tuple *t, uint64_t now_us);
	/* A local port for an active open without one. */
	uint16_t (*ephemeral_port)(void *ctx);
	/* Offset added to the millisecond TSval clock of a connection. */
	uint32_t (*ts_offset)(void *ctx, const struct tcp_tuple *t);
	/* One call per state change and per dropped segment; may be NULL. */
	void (*trace)(void *ctx, const struct tcp_trace_ev *ev);
	/* Called when an internal invariant fails; NULL traps. */
	void (*panic)(void *ctx, const char *file, int line, const char *expr);
	void *ctx;
};

/* ---- Output: caller-owned arrays --------------------------------------- */

/*
 * What TCP asks of IP for one segment (RFC 9293 3.9.2): the TOS / Traffic
 * Class byte (Diffserv and ECN fields; MUST-48, SHLD-22), the TTL or hop
 * limit (MUST-49; 0: IP's default) and IPv4 options (a source route,
 * MUST-51..53). With a source route the packet goes first to 'nexthop'
 * (has_nexthop) while the TCP checksum still covers the final
 * destination, the tuple's remote address (3.1).
 */
#define TCP_IP_OPTS_MAX 40

struct tcp_ip_out {
	uint8_t tos;
	uint8_t ttl;
	uint8_t opt_len; /* bytes of opts, a multiple of 4 */
	bool route_user; /* opts hold a source route the user gave (MUST-52) */
	bool has_nexthop;
	uint8_t opts[TCP_IP_OPTS_MAX];
	struct tcp_addr nexthop;
};

struct tcp_out_seg {
	struct tcp_tuple tuple; /* local = source, remote = destination */
	struct tcp_seg seg;     /* payload points into tcp_out.data */
	struct tcp_ip_out ip;   /* the connection's IP parameters */
};

/*
 * Segments produced by one call. The caller owns both arrays; payloads are
 * copied into 'data', so they stay valid until the caller reuses it. When
 * either array is full the stack stops producing data segments (they stay
 * queued for the next poll) and counts lost control segments in 'overflow'.
 */
struct tcp_out {
	struct tcp_out_seg *segs;
	uint32_t cap;       /* entries in segs */
	uint32_t n;         /* entries used */
	uint8_t *data;      /* payload storage */
	uint32_t data_cap;  /* bytes in data */
	uint32_t data_used; /* bytes used */
	uint32_t overflow;  /* control segments that did not fit */
};

static inline void tcp_out_init(struct tcp_out *o, struct tcp_out_seg *segs,
                                uint32_t cap, uint8_t *data, uint32_t data_cap)
{
	o->segs = segs;
	o->cap = cap;
	o->n = 0;
	o->data = data;
	o->data_cap = data_cap;
	o->data_used = 0;
	o->overflow = 0;
}

static inline void tcp_out_reset(struct tcp_out *o)
{
	o->n = 0;
	o->data_used = 0;
	o->overflow = 0;
}

/* ---- Verdicts ---------------------------------------------------------- */

enum tcp_disp {
	TCP_DISP_ACCEPT,   /* processed */
	TCP_DISP_DROP,     /* discarded silently */
	TCP_DISP_DROP_ACK, /* discarded, an ACK was sent */
	TCP_DISP_DROP_RST, /* discarded, a RST was sent */
};

struct tcp_verdict {
	enum tcp_disp disp;
	enum tcp_why why; /* TCP_WHY_NONE when accepted */
};

/* ---- The connection record --------------------------------------------- */

/* A byte ring over caller-owned storage. */
struct tcp_ring {
	uint8_t *buf;
	uint32_t cap;  /* bytes */
	uint32_t head; /* index of the first byte */
	uint32_t len;  /* bytes stored from head */
};

/* Out-of-order data held beyond RCV.NXT (SHLD-31), as offsets. */
struct tcp_reasm {
	uint8_t n;    /* blocks in use, sorted by off, disjoint */
	uint8_t last; /* index of the block most recently grown (RFC 2018 4) */
	struct {
		uint32_t off; /* from RCV.NXT */
		uint32_t len;
	} blk[TCP_REASM_MAX];
};

/* Bits of tcp_conn.fl. */
#define TCP_CF_PASSIVE                                                         \
	0x00000001u /* SYN-RECEIVED entered from LISTEN (MUST-11) */
#define TCP_CF_FIN_QUEUED 0x00000002u /* user CLOSE: FIN after the data */
#define TCP_CF_FIN_SENT 0x00000004u   /* FIN has sequence number fin_seq */
#define TCP_CF_FIN_RCVD 0x00000008u   /* peer's FIN accepted */
#define TCP_CF_TS 0x00000010u         /* timestamps negotiated */
#define TCP_CF_SACK 0x00000020u       /* SACK permitted both ways */
#define TCP_CF_WS 0x00000040u         /* window scaling both ways */
#define TCP_CF_NODELAY 0x00000080u    /* Nagle off (MUST-17) */
#define TCP_CF_KEEPALIVE 0x00000100u  /* keep-alives on (MUST-24) */
#define TCP_CF_APP_GONE 0x00000200u   /* full close: no more reading */
#define TCP_CF_ACK_NOW 0x00000400u    /* an ACK must go out now */
#define TCP_CF_RECOVERY 0x00000800u   /* in fast recovery (RFC 5681 3.2) */
#define TCP_CF_RTT_TIMING 0x00001000u /* rtt_seq/rtt_start_us valid */
#define TCP_CF_RCV_URG 0x00002000u    /* rcv_up valid */
#define TCP_CF_SND_URG 0x00004000u    /* snd_up valid */
#define TCP_CF_SOFT_ERROR 0x00008000u /* R1 passed (MUST-47 soft error) */
#define TCP_CF_RTX_SYN 0x00010000u    /* the SYN was retransmitted (6298 5.7) */
#define TCP_CF_PEER_WS 0x00020000u    /* the SYN we got carried WS */
#define TCP_CF_PEER_TS 0x00040000u    /* ... TSopt */
#define TCP_CF_PEER_SACK 0x00080000u  /* ... SACK-permitted */
#define TCP_CF_URG_SIGNAL 0x00100000u /* urgent pointer advanced, unread */
#define TCP_CF_OUT_BLOCKED 0x00200000u   /* *out was full: poll again now */
#define TCP_CF_PERSIST_PROBE 0x00400000u /* snd_nxt advanced by a probe */
#define TCP_CF_REOPENED                                                        \
	0x00800000u /* SYN-RECEIVED entered from TIME-WAIT (3.6.1 MAY-2) */
#define TCP_CF_FIN_HELD 0x01000000u /* peer FIN beyond a hole, at rcv_fin */
/*
 * ECN (RFC 3168 6.1): ECN is in use (the setup SYNs were exchanged, 6.1.1);
 * our SYN or SYN,ACK is ECN-setup; a CE mark awaits the peer's CWR, so ECE
 * goes on every ACK (6.1.3); cwnd was reduced, so CWR goes on the next new
 * data (6.1.2); an ECE came at a 1-MSS cwnd, so no new data leaves before
 * t_rtx expires (6.1.2); the peer's SYN came again without ECE and CWR, so
 * no data of ours is ECT (6.1.1 SHOULD NOT), ECN being kept otherwise.
 */
#define TCP_CF_ECN 0x02000000u
#define TCP_CF_ECN_SYN 0x04000000u
#define TCP_CF_ECE_SEND 0x08000000u
#define TCP_CF_CWR_SEND 0x10000000u
#define TCP_CF_ECN_WAIT 0x20000000u
#define TCP_CF_ECN_NO_ECT 0x40000000u

/*
 * What a connection reopened from TIME-WAIT keeps of its previous
 * incarnation, so that it can go back to TIME-WAIT when the reopening SYN
 * turns out to be an old duplicate (RFC 9293 3.6.1 condition (2)): the
 * sequence and window variables, the timestamp state and the flags that
 * TIME-WAIT uses to answer segments (3.10.7.4: ACKs of retransmitted FINs,
 * challenge ACKs, PAWS). Valid while TCP_CF_REOPENED is set. Timers,
 * queues and congestion state are not kept: TIME-WAIT has none but its
 * 2*MSL wait, which restarts. Unread data of the old incarnation is lost.
 */
struct tcp_tw_prev {
	tcp_seq iss;
	tcp_seq irs;
	tcp_seq snd_una;
	tcp_seq snd_nxt;
	tcp_seq snd_max;
	tcp_seq fin_seq;
	tcp_seq rcv_nxt;
	tcp_seq rcv_adv;
	uint32_t snd_wnd;
	uint32_t max_snd_wnd;
	uint32_t ts_recent;
	uint32_t ts_offset;
	uint32_t fl; /* TCP_CF_* of TIME-WAIT, TCP_CF_REOPENED cleared */
	uint64_t ts_recent_us;
	uint16_t peer_mss;
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
};

struct tcp_conn {
	enum tcp_state state;
	uint32_t fl;  /* TCP_CF_* */
	int err;      /* pending error for the user: ERESET, EREFUSED, ... */
	int icmp_err; /* last soft ICMP error (SHLD-25), 0 when none */
	struct tcp_ip_out ip;      /* what every segment asks of IP (3.9.2) */
	const struct tcp_cfg *cfg; /* borrowed; outlives the connection */
	struct tcp_tuple tuple;
	struct tcp_tuple listen_tuple; /* the passive OPEN's sockets */

	/* Send sequence variables (RFC 9293 3.3.1). */
	tcp_seq iss;
	tcp_seq snd_una;
	tcp_seq snd_nxt;
	tcp_seq snd_max; /* highest sequence number sent + 1 */
	tcp_seq snd_wl1;
	tcp_seq snd_wl2;
	tcp_seq snd_up;       /* first octet after urgent data (MUST-62) */
	tcp_seq fin_seq;      /* sequence number of our FIN when FIN_SENT */
	tcp_seq recover;      /* RFC 6582 recovery point */
	tcp_seq ecn_recover;  /* SND.MAX at the last cwnd reduction (6.1.2) */
	uint32_t snd_wnd;     /* scaled, bytes */
	uint32_t max_snd_wnd; /* largest window seen (RFC 5961 5.2, SWS) */
	uint16_t snd_mss;     /* effective send MSS, without options */
	uint16_t peer_mss;    /* MSS option received, 536 when absent */
	uint8_t snd_wscale;   /* shift applied to received windows */
	uint8_t rcv_wscale;   /* shift applied to windows we send */

	/* Receive sequence variables. */
	tcp_seq irs;
	tcp_seq rcv_nxt;
	tcp_seq rcv_up;
	tcp_seq rcv_adv;  /* right edge last advertised: never moves left */
	tcp_seq rcv_fin;  /* a held FIN (TCP_CF_FIN_HELD, SHLD-31) */
	uint32_t rcv_wnd; /* bytes */

	/* Timestamps (RFC 7323). */
	uint32_t ts_recent;
	uint32_t ts_offset;
	uint64_t ts_recent_us; /* when ts_recent was set (24-day rule) */
	tcp_seq last_ack_sent;

	/* RTT estimation (RFC 6298), microseconds. */
	uint32_t srtt_us; /* 0: no sample yet */
	uint32_t rttvar_us;
	uint32_t rto_us; /* current RTO including backoff */
	tcp_seq rtt_seq; /* segment being timed */
	uint64_t rtt_start_us;

	/* Congestion control (RFC 5681). */
	uint32_t cwnd;        /* bytes */
	uint32_t ssthresh;    /* bytes */
	uint32_t bytes_acked; /* for congestion avoidance */
	uint8_t dupacks;

	/* Retransmission and timers: absolute deadlines or TCP_NO_DEADLINE. */
	uint8_t rtx_count;     /* consecutive timeouts of the head segment */
	uint8_t persist_shift; /* zero-window probe backoff */
	uint8_t ka_sent;       /* unanswered keep-alive probes */
	uint64_t t_rtx;
	uint64_t t_persist;
	uint64_t t_delack;
	uint64_t t_keepalive;
	uint64_t t_timewait;
	uint64_t t_sws;           /* sender SWS override */
	uint64_t rtx_first_us;    /* user timeout base; TCP_NO_DEADLINE: none */
	uint64_t last_rcv_us;     /* for keep-alive idleness */
	uint64_t last_snd_us;     /* for idle restart (RFC 5681 4.1) */
	uint64_t user_timeout_us; /* per connection R2 (MUST-21) */

	/* RFC 5961 7 challenge ACK throttle, per connection. */
	uint64_t chack_window_start_us;
	uint32_t chack_count;

	/* Delayed ACK accounting. */
	uint32_t unacked_rcv_bytes;
	uint16_t rcv_mss_seen; /* largest segment text received */

	/* SACK blocks received from the peer (RFC 2018 scoreboard). */
	uint8_t sacked_n;
	struct tcp_sack_block sacked[TCP_SACK_MAX];

	struct tcp_reasm reasm;
	struct tcp_tw_prev tw_prev; /* TCP_CF_REOPENED: the old incarnation */
	struct tcp_ring rx; /* received, not yet read; ooo data beyond len */
	struct tcp_ring tx; /* unacked + unsent data, starting at SND.UNA */
};

/* ---- User calls (RFC 9293 3.10) ---------------------------------------- */

/* Flags of tcp_conn_send(). */
#define TCP_SEND_PUSH 0x1   /* MAY-15 */
#define TCP_SEND_URGENT 0x2 /* all of this send is urgent (MUST-30) */

/* How tcp_conn_close() closes. */
#define TCP_CLOSE_SEND 0 /* RFC CLOSE: no more sending, still receive */
#define TCP_CLOSE_FULL 1 /* socket close(): also stop reading (SHLD-3) */

/*
 * Prepares a CLOSED connection with caller-owned buffers. The buffers and
 * cfg must outlive the connection. Never fails.
 */
void tcp_conn_init(struct tcp_conn *c, const struct tcp_cfg *cfg,
                   uint8_t *rxbuf, uint32_t rx_bytes, uint8_t *txbuf,
                   uint32_t tx_bytes);

/*
 * Passive OPEN (3.10.1): CLOSED -> LISTEN. t->laddr/lport name the local
 * socket; raddr family 0 and rport 0 mean "any remote". Returns 0 or
 * TCP_EEXIST when the connection is not CLOSED.
 */
int tcp_conn_open_passive(struct tcp_conn *c, const struct tcp_env *env,
                          uint64_t now_us, const struct tcp_tuple *t);

/*
 * Active OPEN (3.10.1): CLOSED or LISTEN -> SYN-SENT, sending a SYN. The
 * tuple must be fully specified. Returns 0, TCP_EEXIST, or
 * TCP_EADDRNOTAVAIL for a broadcast/multicast/unspecified remote (MUST-46).
 */
int tcp_conn_open_active(struct tcp_conn *c, const struct tcp_env *env,
                         uint64_t now_us, const struct tcp_tuple *t,
                         struct tcp_out *out);

/*
 * SEND (3.10.2): queues up to len bytes and transmits what the windows
 * allow. Returns the number of bytes queued (possibly 0 when the buffer is
 * full) or a negative tcp_err (ENOTCONN, ECLOSING, or the pending ERESET /
 * ETIMEDOUT ...). 'data' is copied.
 */
int tcp_conn_send(struct tcp_conn *c, const struct tcp_env *env,
                  uint64_t now_us, const uint8_t *data, uint32_t len,
                  unsigned flags, struct tcp_out *out);

/*
 * RECEIVE (3.10.3): copies up to cap in-order bytes into buf. Returns the
 * number copied, 0 at end of stream (FIN received and everything read),
 * TCP_EWOULDBLOCK when nothing is there yet, or a negative tcp_err. Opening
 * the window may send a window update into *out.
 */
int tcp_conn_recv(struct tcp_conn *c, const struct tcp_env *env,
                  uint64_t now_us, uint8_t *buf, uint32_t cap,
                  struct tcp_out *out);

/* CLOSE (3.10.4), with how = TCP_CLOSE_SEND or TCP_CLOSE_FULL. */
int tcp_conn_close(struct tcp_conn *c, const struct tcp_env *env,
                   uint64_t now_us, int how, struct tcp_out *out);

/* ABORT (3.10.5): sends RST where the RFC says so, then CLOSED. */
int tcp_conn_abort(struct tcp_conn *c, const struct tcp_env *env,
                   uint64_t now_us, struct tcp_out *out);

/* STATUS (3.10.6). */
struct tcp_status {
	enum tcp_state state;
	struct tcp_tuple tuple;
	uint32_t snd_wnd;
	uint32_t rcv_wnd;
	uint32_t bytes_unacked; /* in flight */
	uint32_t bytes_unsent;  /* queued, not yet sent */
	uint32_t bytes_readable;
	uint32_t urgent_bytes; /* unread urgent data (MUST-33) */
	bool urgent_signal;    /* urgent pointer advanced (MUST-32) */
	bool soft_error;       /* R1 passed (MUST-47, SHLD-9) */
	int icmp_err;          /* last soft ICMP error (SHLD-25), or 0 */
	bool peer_fin;         /* peer closed gracefully (MUST-12) */
	int err;               /* pending ERESET etc.: abortive end */
	uint32_t srtt_us, rto_us, cwnd, ssthresh;
	uint16_t snd_mss;
};
void tcp_conn_status(const struct tcp_conn *c, struct tcp_status *st);

/*
 * The IP parameters of every later segment (struct tcp_ip_out): TOS, TTL,
 * IPv4 options. Set on a CLOSED record before tcp_conn_open_active(), they
 * apply to the SYN too (the OPEN keeps them). An opt_len above
 * TCP_IP_OPTS_MAX is taken as no options.
 */
void tcp_conn_set_ip(struct tcp_conn *c, const struct tcp_ip_out *ip);

/* Socket options. */
void tcp_conn_set_nodelay(struct tcp_conn *c, bool on);          /* MUST-17 */
void tcp_conn_set_keepalive(struct tcp_conn *c, bool on);        /* MUST-24 */
void tcp_conn_set_user_timeout(struct tcp_conn *c, uint64_t us); /* MUST-21 */

/* ---- Events ------------------------------------------------------------ */

/*
 * SEGMENT ARRIVES (3.10.7) for a segment already checked by tcp_seg_parse
 * and addressed to this connection; t is the tuple as seen locally (laddr =
 * destination of the segment). 'seg' may come from untrusted input. Replies
 * are appended to *out.
 */
struct tcp_verdict tcp_conn_input(struct tcp_conn *c, const struct tcp_env *env,
                                  uint64_t now_us, const struct tcp_tuple *t,
                                  const struct tcp_seg *seg,
                                  struct tcp_out *out);

/*
 * An ICMP error about this connection (RFC 9293 3.9.2.2, MUST-54), already
 * demultiplexed by the quoted 4-tuple and classed by tcp_icmp_classify()
 * ('cls' is an enum tcp_icmp_class, 'err' the error it gave); qseq is the
 * quoted sequence number. RFC 5927 4.1: the error is acted on only when
 * SND.UNA =< qseq < SND.MAX (SND.MAX rather than SND.NXT: after a timeout
 * SND.NXT is pulled back while the segments beyond it are still out).
 * Source Quench is discarded (MUST-55). A soft error never aborts
 * (MUST-56); it is kept for the user (SHLD-25): tcp_conn_status() shows
 * it, and a connection that later times out reports it instead of
 * ETIMEDOUT (as 4.4BSD's t_softerror and Linux's sk_err_soft do). New data
 * acknowledged clears it. A hard error aborts the connection in any state
 * but LISTEN, CLOSED and TIME-WAIT (SHLD-26) without sending anything: the
 * user sees 'err'. Returns ACCEPT when acted on, else a DROP with
 * TCP_WHY_ICMP_QUENCH, TCP_WHY_ICMP_SEQ, TCP_WHY_ICMP_NO_CONN (LISTEN,
 * CLOSED) or TCP_WHY_ICMP_IGNORED.
 */
struct tcp_verdict tcp_conn_icmp(struct tcp_conn *c, const struct tcp_env *env,
                                 uint64_t now_us, int cls, int err,
                                 tcp_seq qseq);

/*
 * RFC 9293 3.6.1 (MAY-2, SHLD-4): reopening a connection in TIME-WAIT with
 * a new SYN (edge E112). tcp_conn_input() never does this by itself: it
 * keeps E111 (challenge ACK, RFC 5961 4.2) or E113 (legacy reset) for every
 * SYN in TIME-WAIT. A reopened connection is useful only to an application
 * that accepts it, which the connection layer cannot know; the table
 * (tcp_stack_input) calls these two when a listener takes the SYN.
 *
 * True when c is in TIME-WAIT, cfg->timewait_reopen is on and seg (SYN
 * without ACK and RST) is acceptable as a new incarnation, by RFC 6191 2:
 *  - timestamps on the old connection: a SYN carrying TSopt (with
 *    cfg->timestamps on, so that the new incarnation uses them) is
 *    acceptable when TSval > TS.Recent, or TSval = TS.Recent and
 *    SEG.SEQ > RCV.NXT; a SYN without TSopt when SEG.SEQ > RCV.NXT;
 *  - no timestamps on the old connection: a SYN with TSopt is acceptable
 *    (it cannot be an old duplicate of a connection that had none), one
 *    without when SEG.SEQ > RCV.NXT.
 * RCV.NXT lies one past the peer's FIN, the last sequence number seen, so
 * SEG.SEQ > RCV.NXT is one octet stricter than RFC 6191's "greater than
 * the last sequence number seen": the test 4.3BSD and Linux apply to the
 * MAY of RFC 1122 4.2.2.13 (tcp_input.c, tcp_timewait_state_process).
 * A SYN that is not acceptable keeps E111: RFC 6191 would drop it
 * silently, RFC 5961 4.2 answers it with a (throttled) challenge ACK (and
 * an old TSval draws PAWS's ACK first, RFC 7323 5.3).
 */
bool tcp_conn_timewait_syn_acceptable(const struct tcp_conn *c,
                                      const struct tcp_seg *seg);

/*
 * Reopens c from TIME-WAIT with the SYN seg (t is the tuple as seen
 * locally; it must be c's): the record is reinitialized (buffers, cfg and
 * tuple kept, TCP_CF_REOPENED set, the old incarnation saved in tw_prev),
 * then the SYN is processed as in LISTEN (3.10.7.2 third): TIME-WAIT ->
 * SYN-RECEIVED (TCP_CAUSE_RCV_SYN_REOPEN), <SEQ=ISS'><ACK=SEG.SEQ+1>
 * <CTL=SYN,ACK> into *out. ISS' is env->isn() when that lies above the old
 * SND.MAX in sequence space (3.6.1 condition (1)), else old SND.MAX +
 * TCP_TW_ISS_INCR.
 *
 * Condition (2): while in that SYN-RECEIVED, an acceptable RST (the peer's
 * answer when the SYN was an old duplicate) or a SYN (3.10.7.4 fourth,
 * where a passive open would go back to LISTEN) puts the saved incarnation
 * back in TIME-WAIT, with its 2*MSL wait restarted.
 *
 * Returns 0, or TCP_EINVAL with nothing changed when
 * tcp_conn_timewait_syn_acceptable() is false or t is not c's tuple.
 */
int tcp_conn_timewait_reopen(struct tcp_conn *c, const struct tcp_env *env,
                             uint64_t now_us, const struct tcp_tuple *t,
                             const struct tcp_seg *seg, struct tcp_out *out);

/*
 * ISS' = old SND.MAX + TCP_TW_ISS_INCR when env->isn() is not above the old
 * SND.MAX. 65535 + 2 is the step Linux takes for every reopened connection
 * (tcp_timewait_state_process: tw_snd_nxt + 65535 + 2). Any ISS' above the
 * old SND.MAX meets condition (1); this one also puts the whole old
 * incarnation more than one unscaled window below the new SND.UNA, so that
 * a stray ACK of the old one fails RFC 5961 5.2 (SEG.ACK >= SND.UNA -
 * MAX.SND.WND) instead of passing as a duplicate ACK of the new one.
 */
#define TCP_TW_ISS_INCR 65537u

/*
 * Runs every timer due at now_us (3.10.8) and sends whatever the windows now
 * allow (including data held back when *out was full).
 */
void tcp_conn_poll(struct tcp_conn *c, const struct tcp_env *env,
                   uint64_t now_us, struct tcp_out *out);

/* The earliest absolute time tcp_conn_poll() has work, or TCP_NO_DEADLINE. */
uint64_t tcp_conn_next_deadline_us(const struct tcp_conn *c);

/*
 * The reply 3.10.7.1 prescribes for a segment that reached no connection:
 * nothing for a RST, else <SEQ=SEG.ACK><CTL=RST> or
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. t is the tuple as seen locally.
 */
void tcp_reply_closed(const struct tcp_tuple *t, const struct tcp_seg *seg,
                      struct tcp_out *out);

#endif
