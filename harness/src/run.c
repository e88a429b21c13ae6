/* SPDX-License-Identifier: MIT
 *
 * The runner: walks a parsed script's events on the target's clock, builds
 * and injects the inbound segments, matches the outbound ones field by
 * field, runs the socket calls and shell commands, and records everything
 * in the run log (run.h). It talks to the target only through target_ops.
 *
 * Semantics, following packetdrill where it defines them:
 *
 * Time. An absolute time counts from the start of the script (target time
 * 0); a relative one ("+0.1") from the previous event's time. The previous
 * event's time is its scripted start, also for a blocking call written
 * "start...end": the lines after it happen while it blocks (they are what
 * unblocks it), as in packetdrill's
 *
 *       0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
 *     +.1...+.2 connect(3, ..., ...) = 0
 *      +0 > S 0:0(0) <...>                  (0.1: when connect() starts)
 *     +.1 < S. 0:0(0) ack 1 win 5792        (0.2: connect() returns)
 *
 * After a '*' event or a '~' range it is the time the event really happened
 * (packetdrill adjusts later relative times the same way). The ends of
 * ranges and of blocking calls written with '+' count from the previous
 * event, like their starts. run_opts.tolerance_us widens every window on
 * both sides; the reference target runs with 0: exact virtual times. On a
 * virtual clock, the profile's timer_tick_ms widens by one tick, on the
 * late side, the window of an outbound segment or of a call's return due
 * after the latest inbound packet, call or command (what a timer does),
 * for stacks whose timers count ticks (struct runner, tick_us).
 *
 * Sequence numbers. The script side's ISN is RUN_REMOTE_ISN (0): inbound
 * sequence numbers are sent as written, as packetdrill does, and the
 * stack's acknowledgments and SACK blocks are shown relative to it. The
 * stack's ISN is learned from its SYN or SYN-ACK: the stack's outbound
 * sequence numbers are shown relative to it, and inbound "ack" values and
 * SACK blocks are mapped by adding it. It is learned again only for a new
 * connection (a connect(), or a SYN arriving in CLOSED, LISTEN or TIME-WAIT),
 * so that a SYN-ACK retransmitted with a different ISN fails on "seq".
 *
 * Timestamps. Inbound TSval is sent as written. The stack's TSval clock is
 * learned from the first outbound segment whose script line gives a TS
 * option: ts_map = actual TSval - scripted TSval. An inbound TSecr is sent
 * as written + ts_map when the segment has ACK set (RFC 7323 3.2: TSecr is
 * valid only then) and the mapping is known, else as written. On outbound
 * segments TSecr is compared exactly (it echoes a value the script chose);
 * TSval is NOT compared with the script, because the TS clock rate is the
 * implementation's choice (RFC 7323 5.4: 1 ms to 1 s), but it must not go
 * backwards (RFC 7323 5.4 monotonicity). packetdrill compares TSval within
 * a tolerance; scripts still show the value for readers.
 *
 * Inbound defaults. An inbound segment without "win" gets 65535; options
 * are written byte for byte in the script's order (TCP_OPTF_RAW), padded
 * with zeros (EOL) to a multiple of 4; "<...>" on an inbound segment means
 * no options; the payload is zeros.
 *
 * Strictness, beyond packetdrill. An outbound segment the script does not
 * expect fails the run: one sent before an inbound packet, a system call or
 * a command is due (packets sent at exactly that time by a timer may still
 * be claimed by the '>' lines that follow), one sent instead of the
 * expected one, or one sent by the time of the last event and never
 * claimed. Segments that later timers would send (retransmissions minutes
 * after the last event) are not waited for. A missing segment says what
 * was expected, by when, and what the stack sent instead (looking ahead
 * RUN_LOOKAHEAD_VIRTUAL_US on a virtual clock, RUN_LOOKAHEAD_REAL_US on a
 * real one).
 *
 * System calls. Every call may block: it stays pending while later events
 * run (like packetdrill's system call thread) and must return at its
 * scripted time: the end of "start...end", or at once otherwise. A second
 * call while one is pending is an error. A call still blocked when the
 * next event is due after its expected return, or at the end of the
 * script, fails the run.
 */
#include "shakedown/run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "shakedown/infer.h"
#include "symtab.h"
#include "tcpref/seg.h"
#include "tcpref/wire.h"

#define RUN_REMOTE_ISN 0u     /* the script side's ISN: numbers as written */
#define RUN_DEFAULT_WIN 65535 /* inbound window when "win" is omitted */
#define RUN_LOOKAHEAD_VIRTUAL_US (600ull * 1000000ull)
#define RUN_LOOKAHEAD_REAL_US (1ull * 1000000ull)
#define RUN_PKT_TEXT 256
/* An option kind the script language has no name for ("opt<kind>"). */
#define RUN_OPT_UNKNOWN ((enum script_opt_kind)(SCRIPT_OPT_TS + 1))

/* Inbound payload bytes (the content is not part of any check). */
#define RUN_FDS 64 /* descriptors whose reads are checked byte by byte */

/* A pending system call, as the runner sees it. */
struct run_pending {
	bool active;
	const struct script_event *ev;
	uint64_t lo_us, hi_us; /* window its return must fall in */
	uint64_t expect_us;    /* scripted return time */
	char call[160];        /* "accept(3, ..., ...)" */
};

struct runner {
	const struct script *s;
	const struct run_opts *o; /* &oo */
	struct run_opts oo;       /* the caller's, addresses defaulted */
	const struct target_ops *ops;
	struct target *t;
	struct run_result *r;
	bool failed;
	bool oom;
	bool cmd_noted;   /* the "commands not run" note is in the log */
	int last_line;    /* line of the latest event processed */
	uint64_t base_us; /* time that relative times count from */
	/* Sequence and timestamp mapping (see the top of the file). */
	bool isn_stale; /* learn the stack's ISN from its next SYN */
	uint32_t stack_isn;
	bool isn_prev_set; /* isn_prev: the ISN of the connection before */
	uint32_t isn_prev;
	uint64_t isn_prev_us; /* when its SYN was sent */
	uint64_t isn_us;      /* when the SYN of stack_isn was sent */
	bool ts_known;
	uint32_t ts_map;
	bool ts_prev_set;
	uint32_t ts_prev;    /* the stack's latest TSval, for monotonicity */
	uint64_t ts_prev_us; /* when it was sent */
	uint16_t stack_port; /* learned from the stack's packets */
	uint16_t ip_id;
	/*
	 * Check the TCP and IPv4 header checksums of outbound packets
	 * (MUST-2). The linux target's TAP is opened without IFF_VNET_HDR
	 * and never gets TUNSETOFFLOAD, so the kernel cannot hand it a
	 * CHECKSUM_PARTIAL frame (the tun driver drops NETIF_F_HW_CSUM
	 * unless offloads are set): every frame carries its full checksum
	 * and the check applies to every target.
	 */
	bool check_csum;
	/*
	 * The profile's "push_extra = yes": an outbound PSH the script does
	 * not write is accepted (RFC 9293 3.9.1.2: PSH is no record marker
	 * and its placement the sender's; one the script writes must come).
	 */
	bool push_extra;
	/*
	 * The profile's "timer_tick_ms", on a virtual clock only (a real
	 * one has --tolerance-us): a stack whose timers count whole ticks
	 * (lwIP: 500 ms) fires one at the first tick at or after it is due,
	 * so a segment a timer sends, or a call whose outcome a timer
	 * decides, may come up to one tick after its window. Such an event
	 * is due after the latest inbound packet, call or command
	 * (cause_us): what a stack does at once in answer to those keeps
	 * its exact window. 0 for the reference: its timers fire at exact
	 * virtual times.
	 */
	uint64_t tick_us;
	uint64_t cause_us; /* when the latest inbound packet, call or
	                      command happened */
	struct run_pending pend;
	/* Wire inference of the edges (infer.h); NULL when not wanted. */
	struct sd_infer *inf;
	/*
	 * The script side's payload bytes are run_byte(seq) of their
	 * sequence number (relative to its ISN); rd_off[fd] counts the
	 * bytes read on fd so far, so that every read is checked to return
	 * the next bytes of the stream: none lost, doubled or out of order.
	 */
	uint32_t rd_off[RUN_FDS];
	uint32_t rd_base[RUN_FDS]; /* sequence number of its first byte */
	bool rd_based[RUN_FDS];    /* rd_base taken (at its first read) */
	uint32_t syn_seq;          /* the script side's latest SYN */
	uint8_t payload[TARGET_PKT_MAX];
	struct runlog_ev scratch; /* where log entries go when out of memory */
	struct target_pkt pkt;
	uint8_t out[TARGET_PKT_MAX]; /* the inbound packet being built */
};

/*
 * The byte the script side sends at relative sequence number seq: a mix
 * of all its bits, so that a byte taken from a neighbouring position, the
 * same position a window or a wrap away, or a zero byte never matches by
 * chance (at most 1 in 256).
 */
static uint8_t run_byte(uint32_t seq)
{
	uint32_t h = seq * 0x9e3779b1u;

	return (uint8_t)((h >> 24) ^ (h >> 11) ^ 0x5a);
}

/* ---- Formatting -------------------------------------------------------- */

/* "1.100" (seconds, at least three decimals). */
static const char *fmt_time(uint64_t us, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%" PRIu64 ".%06" PRIu64, us / 1000000u,
	                   us % 1000000u);

	while (len > 0 && (size_t)len < n && buf[len - 1] == '0' &&
	       buf[len - 4] != '.')
		buf[--len] = '\0';
	return buf;
}

static void fmt_flags(uint16_t flags, char *buf, size_t n)
{
	static const struct {
		uint16_t bit;
		char c;
	} order[] = {
		{ TCP_FLAG_SYN, 'S' }, { TCP_FLAG_FIN, 'F' },
		{ TCP_FLAG_RST, 'R' }, { TCP_FLAG_PSH, 'P' },
		{ TCP_FLAG_URG, 'U' }, { TCP_FLAG_ECE, 'E' },
		{ TCP_FLAG_CWR, 'W' }, { TCP_FLAG_ACK, '.' },
	};
	size_t k, at = 0;

	for (k = 0; k < TCP_ARRAY_LEN(order) && at + 1 < n; k++)
		if (flags & order[k].bit)
			buf[at++] = order[k].c;
	if (at == 0 && n > 1)
		buf[at++] = '-'; /* no flags at all */
	if (n > 0)
		buf[at < n ? at : n - 1] = '\0';
}

/* Appends printf text to buf at *off, keeping it NUL-terminated. */
static void cat(char *buf, size_t n, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cat(char *buf, size_t n, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, n - *off, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	*off += (size_t)w < n - *off ? (size_t)w : n - *off - 1;
}

/* Options in script notation, without the angle brackets. */
static void fmt_opts(const struct script_opt *opts, size_t n, char *buf,
                     size_t cap)
{
	size_t k, off = 0;
	uint8_t b;

	buf[0] = '\0';
	for (k = 0; k < n; k++) {
		const struct script_opt *x = &opts[k];

		if (k > 0)
			cat(buf, cap, &off, ",");
		switch (x->kind) {
		case SCRIPT_OPT_NOP:
			cat(buf, cap, &off, "nop");
			break;
		case SCRIPT_OPT_EOL:
			cat(buf, cap, &off, "eol");
			break;
		case SCRIPT_OPT_MSS:
			cat(buf, cap, &off, "mss %" PRIu32, x->val);
			break;
		case SCRIPT_OPT_WSCALE:
			cat(buf, cap, &off, "wscale %" PRIu32, x->val);
			break;
		case SCRIPT_OPT_SACKOK:
			cat(buf, cap, &off, "sackOK");
			break;
		case SCRIPT_OPT_SACK:
			cat(buf, cap, &off, "sack");
			for (b = 0; b < x->sack_n && b < SCRIPT_MAX_SACK; b++)
				cat(buf, cap, &off, " %" PRIu32 ":%" PRIu32,
				    x->sack[b].left, x->sack[b].right);
			break;
		case SCRIPT_OPT_TS:
			cat(buf, cap, &off, "TS val %" PRIu32 " ecr %" PRIu32,
			    x->val, x->ecr);
			break;
		default:
			/* Unknown kinds decoded from the wire: "opt<kind>". */
			cat(buf, cap, &off, "opt%u", (unsigned)x->val);
			break;
		}
	}
}

/* packetdrill's name of an IP ECN field (TCP_ECN_*): "ect0". */
static const char *ecn_name(unsigned wire)
{
	static const char *const names[] = { "noecn", "ect1", "ect0", "ce" };

	return names[wire & TCP_ECN_MASK];
}

/* The codepoint a script wrote ("[ect0]"): its name, NULL when none. */
static const char *script_ecn_name(uint8_t e)
{
	switch (e) {
	case SCRIPT_ECN_NOT_ECT:
		return "noecn";
	case SCRIPT_ECN_ECT1:
		return "ect1";
	case SCRIPT_ECN_ECT0:
		return "ect0";
	case SCRIPT_ECN_CE:
		return "ce";
	case SCRIPT_ECN_ECT01:
		return "ect01";
	default:
		return NULL;
	}
}

/*
 * A segment in packetdrill notation: "> S. 0:0(0) ack 1 win 65535 <...>",
 * after the ECN codepoint when 'ecn' names one ("> [ect0] P. ...").
 */
static void fmt_pkt(char dir, const char *ecn, uint16_t flags, uint32_t seq,
                    uint32_t len, bool has_ack, uint32_t ack, bool has_win,
                    uint32_t win, bool has_urg, uint32_t urg, const char *opts,
                    char *buf, size_t n)
{
	char f[16];
	size_t off = 0;

	buf[0] = '\0';
	fmt_flags(flags, f, sizeof(f));
	cat(buf, n, &off, "%c ", dir);
	if (ecn)
		cat(buf, n, &off, "[%s] ", ecn);
	cat(buf, n, &off, "%s %" PRIu32 ":%" PRIu32 "(%" PRIu32 ")", f, seq,
	    seq + len, len);
	if (has_ack)
		cat(buf, n, &off, " ack %" PRIu32, ack);
	if (has_win)
		cat(buf, n, &off, " win %" PRIu32, win);
	if (has_urg)
		cat(buf, n, &off, " urg %" PRIu32, urg);
	if (opts)
		cat(buf, n, &off, " <%s>", opts);
}

static void fmt_script_pkt(const struct script_packet *p, char *buf, size_t n)
{
	char o[160];

	if (p->opts_any)
		snprintf(o, sizeof(o), "...");
	else
		fmt_opts(p->opts, p->opt_n, o, sizeof(o));
	fmt_pkt(p->dir, script_ecn_name(p->ecn), p->flags, p->seq_start, p->len,
	        p->has_ack, p->ack, p->has_win, p->win, p->has_urg, p->urg,
	        p->opts_any || p->opt_n ? o : NULL, buf, n);
}

static void fmt_log_pkt(const struct runlog_pkt *p, char *buf, size_t n)
{
	if (p->icmp[0]) {
		snprintf(buf, n, "%c %s [%" PRIu32 ":%" PRIu32 "(%" PRIu32 ")]",
		         p->dir, p->icmp, p->seq, p->seq + p->len, p->len);
		return;
	}
	fmt_pkt(p->dir, p->ecn ? ecn_name(p->ecn) : NULL, p->flags, p->seq,
	        p->len, p->has_ack, p->ack, true, p->win, false, 0,
	        p->opts[0] ? p->opts : NULL, buf, n);
}

/* "-1 EAGAIN (Resource temporarily unavailable)" or "4". */
static void fmt_ret(int64_t ret, int err, char *buf, size_t n)
{
	const char *name = symtab_errno_name(err);

	if (ret == -1 && err != 0)
		snprintf(buf, n, "-1 %s (%s)", name ? name : "E?",
		         strerror(err));
	else
		snprintf(buf, n, "%" PRId64, ret);
}

/* "accept(3, ..., ...)" */
static void fmt_call(const struct script *s, const struct script_syscall *sc,
                     char *buf, size_t n)
{
	size_t off = 0;
	uint8_t k;
	char a[96];

	buf[0] = '\0';
	cat(buf, n, &off, "%s(", sc->name);
	for (k = 0; k < sc->argc && k < SCRIPT_MAX_ARGS; k++) {
		symtab_expr_render(s, sc->args[k], a, sizeof(a));
		cat(buf, n, &off, "%s%s", k ? ", " : "", a);
	}
	cat(buf, n, &off, ")");
}

/* ---- The run log ------------------------------------------------------- */

static struct runlog_ev *log_add(struct runner *x, enum runlog_kind kind,
                                 int line)
{
	struct run_result *r = x->r;
	struct runlog_ev *e;
	const char *st;

	if (r->log_n == r->log_cap) {
		size_t cap = r->log_cap ? r->log_cap * 2 : 32;
		struct runlog_ev *l = realloc(r->log, cap * sizeof(*l));

		if (!l) {
			x->oom = true;
			memset(&x->scratch, 0, sizeof(x->scratch));
			return &x->scratch;
		}
		r->log = l;
		r->log_cap = cap;
	}
	e = &r->log[r->log_n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->line = line;
	e->t_us = x->ops->now_us(x->t);
	st = x->ops->state ? x->ops->state(x->t) : NULL;
	if (st)
		snprintf(e->state, sizeof(e->state), "%s", st);
	return e;
}

/* Refreshes the state of the latest entry (after the event took effect). */
static void log_state(struct runner *x, struct runlog_ev *e)
{
	const char *st = x->ops->state ? x->ops->state(x->t) : NULL;

	if (st)
		snprintf(e->state, sizeof(e->state), "%s", st);
}

static void raw_add(struct runner *x, uint64_t t_us, const uint8_t *b,
                    size_t len)
{
	struct run_result *r = x->r;
	struct run_raw *w;

	if (!x->o->keep_raw)
		return;
	if (r->raw_n == r->raw_cap) {
		size_t cap = r->raw_cap ? r->raw_cap * 2 : 32;
		struct run_raw *v = realloc(r->raw, cap * sizeof(*v));

		if (!v) {
			x->oom = true;
			return;
		}
		r->raw = v;
		r->raw_cap = cap;
	}
	w = &r->raw[r->raw_n];
	w->bytes = malloc(len ? len : 1);
	if (!w->bytes) {
		x->oom = true;
		return;
	}
	memcpy(w->bytes, b, len);
	w->len = len;
	w->t_us = t_us;
	r->raw_n++;
}

/*
 * Moves the target's notes into the log: drops always; state changes only
 * when time passed on its own (a timer changed the state between events):
 * changes caused by an event show as that event's state.
 */
static void take_notes(struct runner *x, bool time_passed)
{
	struct target_note n;

	if (!x->ops->next_note)
		return;
	while (x->ops->next_note(x->t, &n) == 1) {
		struct runlog_ev *e;

		if (n.kind == TARGET_NOTE_STATE && !time_passed)
			continue;
		e = log_add(x, RUNLOG_NOTE, 0);
		e->t_us = n.t_us;
		snprintf(e->text, sizeof(e->text), "%s", n.text);
		if (n.kind == TARGET_NOTE_STATE)
			snprintf(e->state, sizeof(e->state), "%s", n.state);
	}
}

/* ---- Failing ----------------------------------------------------------- */

static void fail(struct runner *x, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct runner *x, int line, const char *fmt, ...)
{
	char msg[DIAG_MSG_MAX];
	va_list ap;

	if (x->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->failed = true;
	x->r->outcome = RUN_FAIL;
	diag_set(&x->r->diag, x->s->path ? x->s->path : "", line, 0, NULL, 0,
	         "%s", msg);
}

/*
 * Stops the run as SKIP: the target cannot run what the script asks at
 * 'line' (an option its stack does not have). Nothing was wrong so far.
 */
static void skip_run(struct runner *x, int line, const char *why)
{
	struct runlog_ev *n;

	if (x->failed)
		return;
	x->failed = true; /* stops the run like a failure, but is none */
	x->r->outcome = RUN_SKIP;
	snprintf(x->r->skip_reason, sizeof(x->r->skip_reason), "line %d: %.*s",
	         line, (int)sizeof(x->r->skip_reason) - 12, why);
	n = log_add(x, RUNLOG_NOTE, line);
	snprintf(n->text, sizeof(n->text), "skipped: %s", why);
}

/* Fails with a target's own diagnostic, placed at the event's line. */
static void fail_diag(struct runner *x, int line, const struct diag *d)
{
	if (d->line > 0 && d->file[0] != '\0') {
		if (!x->failed) {
			x->failed = true;
			x->r->outcome = RUN_FAIL;
			x->r->diag = *d;
		}
		return;
	}
	fail(x, line, "%s", d->msg[0] ? d->msg : "target error");
}

/* ---- Times ------------------------------------------------------------- */

static uint64_t resolve(const struct runner *x, enum script_time_kind k,
                        int64_t us)
{
	int64_t v = k == SCRIPT_TIME_REL ? (int64_t)x->base_us + us : us;

	return v < 0 ? 0 : (uint64_t)v;
}

/*
 * The window [*lo, *hi] in which event ev is due, and its scripted start.
 * Returns false for '*' (any time).
 */
static bool ev_window(const struct runner *x, const struct script_event *ev,
                      uint64_t *start, uint64_t *lo, uint64_t *hi)
{
	const struct script_time *tm = &ev->time;
	uint64_t tol = x->o->tolerance_us, end;

	if (tm->kind == SCRIPT_TIME_ANY)
		return false;
	*start = resolve(x, tm->kind, tm->start_us);
	end = resolve(x, tm->end_kind, tm->end_us);
	if (end < *start)
		end = *start;
	*lo = *start > tol ? *start - tol : 0;
	*hi = end + tol;
	return true;
}

static bool ev_is_range(const struct script_event *ev)
{
	const struct script_time *tm = &ev->time;

	return tm->kind == SCRIPT_TIME_ANY || tm->end_kind != tm->kind ||
	       tm->end_us != tm->start_us;
}

/* After event ev, sets the base of the next relative time. */
static void ev_done(struct runner *x, const struct script_event *ev,
                    uint64_t start)
{
	if (ev_is_range(ev))
		x->base_us = x->ops->now_us(x->t);
	else
		x->base_us = start; /* a blocking call's start, see the top */
}

/* ---- Packets from the stack --------------------------------------------- */

/* The stack's segment, decoded. */
struct run_seg {
	struct tcp_ip_info ip;  /* ip.dst: the final destination */
	struct tcp_addr ip_dst; /* the IP header's (a source route's hop) */
	const uint8_t *ip_opts; /* IPv4 options as sent */
	size_t ip_opt_len;
	struct tcp_seg seg;
	struct script_opt opts[SCRIPT_MAX_OPTS + 1];
	size_t opt_n;
	bool opts_bad; /* more options than we keep, or a bad length */
	bool has_ts;
	uint32_t tsval, tsecr;
};

/* ---- Invariants on every outbound segment ------------------------------ */

/*
 * rfc9293-checklist 4.16: checked on every packet the stack sends, claimed
 * by a script line or not, before any field is compared. See run.h.
 */
int run_check_invariants(const uint8_t *pkt, size_t len, bool check_csum,
                         char *msg, size_t n)
{
	struct tcp_ip_info ip;
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;
	const uint8_t *area;
	size_t olen, doff, i, pos;
	uint16_t flags;
	int rc;

	if (check_csum && len >= 20 && pkt[0] >> 4 == 4) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;

		if (ihl >= 20 && ihl <= len &&
		    tcp_wire_csum_fold(tcp_wire_csum_add(0, pkt, ihl)) != 0) {
			snprintf(msg, n,
			         "checksum: packet from the stack has a bad "
			         "IPv4 header checksum (0x%04x) (MUST-2)",
			         (unsigned)(pkt[10] << 8 | pkt[11]));
			return -1;
		}
	}
	if (tcp_wire_ip_parse(pkt, len, &ip) != TCP_WHY_NONE || ip.tcp_len < 20)
		return 0; /* not TCP/IP: the segment matching says so */
	/* With a source route the checksum covers the final destination. */
	if (ip.src.family == TCP_AF_INET)
		(void)tcp_wire_ip4_route_final(pkt, ip.ip_hdr_bytes, &ip.dst);
	if (check_csum &&
	    !tcp_wire_tcp_csum_ok(&ip.src, &ip.dst, ip.tcp, ip.tcp_len)) {
		snprintf(msg, n,
		         "checksum: segment from the stack has a bad TCP "
		         "checksum (0x%04x), correct is 0x%04x (MUST-2)",
		         (unsigned)(ip.tcp[16] << 8 | ip.tcp[17]),
		         (unsigned)tcp_wire_tcp_csum(&ip.src, &ip.dst, ip.tcp,
		                                     ip.tcp_len));
		return -1;
	}
	doff = (size_t)(ip.tcp[12] >> 4) * 4;
	if (doff < 20 || doff > ip.tcp_len)
		return 0; /* a bad data offset: left to the matching */
	flags = (uint16_t)(ip.tcp[13] | (ip.tcp[12] & 0x01) << 8);
	area = ip.tcp + 20;
	olen = doff - 20;
	tcp_wire_opt_iter_init(&it, area, olen);
	for (;;) {
		pos = it.off;
		rc = tcp_wire_opt_next(&it, &o);
		if (rc < 0) {
			snprintf(msg, n,
			         "options: segment from the stack has option "
			         "kind %u at offset %zu without a valid length "
			         "(MUST-68)",
			         (unsigned)area[pos], pos);
			return -1;
		}
		if (rc == 0)
			break;
		if (o.kind == TCP_OPT_MSS && !(flags & TCP_FLAG_SYN)) {
			snprintf(msg, n,
			         "options: segment from the stack carries MSS "
			         "without SYN (MUST-65)");
			return -1;
		}
	}
	if (pos < olen && area[pos] == TCP_OPT_EOL) {
		for (i = pos + 1; i < olen; i++) {
			if (area[i] != 0) {
				snprintf(msg, n,
				         "options: segment from the stack has "
				         "non-zero byte 0x%02x at offset %zu "
				         "after EOL (MUST-69)",
				         (unsigned)area[i], i);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * x->ops->recv, with the invariants checked on the packet received: a
 * violation logs the packet, fails the run at 'line' and still returns 1
 * (callers stop because x->failed is set).
 */
static int recv_out(struct runner *x, uint64_t deadline_us, int line,
                    struct diag *dg)
{
	char msg[DIAG_MSG_MAX - 64];
	struct runlog_ev *e;
	int rc;

	rc = x->ops->recv(x->t, deadline_us, &x->pkt, dg);
	if (rc != 1 || x->failed)
		return rc;
	sd_infer_outbound(x->inf, x->pkt.t_us, x->pkt.buf, x->pkt.len);
	if (run_check_invariants(x->pkt.buf, x->pkt.len, x->check_csum, msg,
	                         sizeof(msg)) == 0)
		return rc;
	raw_add(x, x->pkt.t_us, x->pkt.buf, x->pkt.len);
	e = log_add(x, RUNLOG_NOTE, line);
	e->t_us = x->pkt.t_us;
	e->failed = true;
	snprintf(e->text, sizeof(e->text), "%.180s", msg);
	fail(x, line > 0 ? line : x->last_line, "%s", msg);
	return rc;
}

static int decode(const struct target_pkt *p, struct run_seg *d)
{
	struct tcp_wire_opt_iter it;
	struct tcp_wire_opt o;
	size_t olen, i;
	const uint8_t *area;
	int rc;

	memset(d, 0, sizeof(*d));
	if (tcp_wire_ip_parse(p->buf, p->len, &d->ip) != TCP_WHY_NONE)
		return -1;
	d->ip_dst = d->ip.dst;
	if (d->ip.src.family == TCP_AF_INET) {
		d->ip_opts = p->buf + TCP_IP4_HDR_MIN;
		d->ip_opt_len = d->ip.ip_hdr_bytes - TCP_IP4_HDR_MIN;
		(void)tcp_wire_ip4_route_final(p->buf, d->ip.ip_hdr_bytes,
		                               &d->ip.dst);
	}
	if (tcp_seg_parse(&d->seg, d->ip.tcp, d->ip.tcp_len, &d->ip.src,
	                  &d->ip.dst) != TCP_WHY_NONE)
		return -1;
	/* Every option in order (the parser keeps only the known ones). */
	area = d->seg.opts.raw;
	olen = d->seg.opts.raw_len;
	tcp_wire_opt_iter_init(&it, area, olen);
	for (;;) {
		struct script_opt *x;
		size_t pos = it.off;

		rc = tcp_wire_opt_next(&it, &o);
		if (rc != 1) {
			/* EOL ends the list; what follows is padding. */
			if (rc == 0 && pos < olen && area[pos] == TCP_OPT_EOL &&
			    d->opt_n < SCRIPT_MAX_OPTS) {
				memset(&d->opts[d->opt_n], 0,
				       sizeof(d->opts[0]));
				d->opts[d->opt_n++].kind = SCRIPT_OPT_EOL;
			}
			break;
		}

		if (d->opt_n == SCRIPT_MAX_OPTS) {
			d->opts_bad = true;
			break;
		}
		x = &d->opts[d->opt_n++];
		memset(x, 0, sizeof(*x));
		switch (o.kind) {
		case TCP_OPT_NOP:
			x->kind = SCRIPT_OPT_NOP;
			break;
		case TCP_OPT_MSS:
			x->kind = SCRIPT_OPT_MSS;
			x->val = o.len == 4 ? tcp_wire_rd16(o.data) : 0;
			break;
		case TCP_OPT_WS:
			x->kind = SCRIPT_OPT_WSCALE;
			x->val = o.len == 3 ? o.data[0] : 0;
			break;
		case TCP_OPT_SACKOK:
			x->kind = SCRIPT_OPT_SACKOK;
			break;
		case TCP_OPT_SACK:
			x->kind = SCRIPT_OPT_SACK;
			for (i = 0; i + 8 <= (size_t)o.len - 2 &&
			            x->sack_n < SCRIPT_MAX_SACK;
			     i += 8) {
				x->sack[x->sack_n].left =
				    tcp_wire_rd32(o.data + i) - RUN_REMOTE_ISN;
				x->sack[x->sack_n].right =
				    tcp_wire_rd32(o.data + i + 4) -
				    RUN_REMOTE_ISN;
				x->sack_n++;
			}
			break;
		case TCP_OPT_TS:
			x->kind = SCRIPT_OPT_TS;
			if (o.len == 10) {
				d->has_ts = true;
				d->tsval = tcp_wire_rd32(o.data);
				d->tsecr = tcp_wire_rd32(o.data + 4);
				x->val = d->tsval;
				x->ecr = d->tsecr;
			}
			break;
		default:
			x->kind = RUN_OPT_UNKNOWN;
			x->val = o.kind;
			break;
		}
	}
	if (rc < 0)
		d->opts_bad = true;
	return 0;
}

static bool opt_equal(const struct script_opt *want,
                      const struct script_opt *got)
{
	uint8_t b;

	if (want->kind != got->kind)
		return false;
	switch (want->kind) {
	case SCRIPT_OPT_MSS:
	case SCRIPT_OPT_WSCALE:
		return want->val == got->val;
	case SCRIPT_OPT_TS:
		return want->ecr == got->ecr; /* TSval: see the top */
	case SCRIPT_OPT_SACK:
		if (want->sack_n != got->sack_n)
			return false;
		for (b = 0; b < want->sack_n && b < SCRIPT_MAX_SACK; b++)
			if (want->sack[b].left != got->sack[b].left ||
			    want->sack[b].right != got->sack[b].right)
				return false;
		return true;
	default:
		return true;
	}
}

/* Fills a log packet from a decoded stack segment (relative numbers). */
static void log_pkt_out(struct runner *x, const struct run_seg *d,
                        struct runlog_pkt *p)
{
	struct script_opt shown[SCRIPT_MAX_OPTS + 1];
	size_t k;

	memset(p, 0, sizeof(*p));
	p->dir = '>';
	p->flags = d->seg.flags;
	p->seq = d->seg.seq.v - x->stack_isn;
	p->len = d->seg.payload_bytes;
	p->has_ack = (d->seg.flags & TCP_FLAG_ACK) != 0;
	p->ack = d->seg.ack.v - RUN_REMOTE_ISN;
	p->win = d->seg.wnd;
	p->ecn = d->ip.tos & TCP_ECN_MASK;
	/* TSval in the script's terms once the mapping is known. */
	for (k = 0; k < d->opt_n; k++) {
		shown[k] = d->opts[k];
		if (shown[k].kind == SCRIPT_OPT_TS && x->ts_known)
			shown[k].val -= x->ts_map;
	}
	fmt_opts(shown, d->opt_n, p->opts, sizeof(p->opts));
}

/* Learns the ISN and the ports from a stack segment (see the top). */
static void learn(struct runner *x, const struct run_seg *d)
{
	x->stack_port = d->seg.sport;
	if ((d->seg.flags & TCP_FLAG_SYN) && x->isn_stale) {
		if (x->isn_us != UINT64_MAX) {
			x->isn_prev = x->stack_isn;
			x->isn_prev_us = x->isn_us;
			x->isn_prev_set = true;
		}
		x->isn_us = x->pkt.t_us;
		x->stack_isn = d->seg.seq.v;
		x->isn_stale = false;
		x->ts_known = false;
		x->ts_prev_set = false;
	}
}

static void learn_ts(struct runner *x, const struct run_seg *d,
                     const struct script_packet *want)
{
	size_t k;

	if (!d->has_ts || x->ts_known || !want || want->opts_any)
		return;
	for (k = 0; k < want->opt_n; k++) {
		if (want->opts[k].kind == SCRIPT_OPT_TS) {
			x->ts_map = d->tsval - want->opts[k].val;
			x->ts_known = true;
			return;
		}
	}
}

/*
 * Logs a segment the stack sent that no script line claims and fails the
 * run with it. 'why' completes "expected ...".
 */
static void unexpected(struct runner *x, const struct target_pkt *p, int line,
                       const char *why)
{
	struct run_seg d;
	struct runlog_ev *e;
	char text[RUN_PKT_TEXT], t1[32];

	raw_add(x, p->t_us, p->buf, p->len);
	e = log_add(x, RUNLOG_PKT, 0);
	e->t_us = p->t_us;
	e->unexpected = true;
	e->failed = !x->failed;
	if (decode(p, &d) != 0) {
		fail(x, line,
		     "segment: expected %s, got a malformed packet of %zu "
		     "bytes (sent at %s s)",
		     why, p->len, fmt_time(p->t_us, t1, sizeof(t1)));
		return;
	}
	learn(x, &d);
	log_pkt_out(x, &d, &e->pkt);
	fmt_log_pkt(&e->pkt, text, sizeof(text));
	fail(x, line, "segment: expected %s, got %s (sent at %s s)", why, text,
	     fmt_time(p->t_us, t1, sizeof(t1)));
}

/* Fails on every segment the stack sent up to 'upto'; 0 when none. */
static int drain_unexpected(struct runner *x, uint64_t upto, int line,
                            const char *why)
{
	struct diag d;
	int rc;

	diag_clear(&d);
	rc = recv_out(x, upto, line, &d);
	if (rc < 0) {
		fail_diag(x, line, &d);
		return -1;
	}
	if (rc == 0)
		return 0;
	unexpected(x, &x->pkt, line, why);
	return -1;
}

/* ---- System call results ------------------------------------------------ */

/*
 * The bytes of a read/recv must be the next ones of the script side's
 * stream on that descriptor (see run_byte). MSG_PEEK reads are checked
 * without moving on; MSG_OOB reads are not checked (the urgent byte may
 * or may not be in the stream). socket() and accept() start a stream.
 */
static bool check_read_data(struct runner *x, const struct script_event *ev,
                            const struct target_sysret *got)
{
	const struct script_syscall *sc = &ev->u.sys;
	int64_t fd = -1, flags = 0;
	uint32_t i, off;
	bool recv_call = strcmp(sc->name, "recv") == 0;

	if ((strcmp(sc->name, "socket") == 0 ||
	     strcmp(sc->name, "accept") == 0) &&
	    got->ret >= 0 && got->ret < RUN_FDS) {
		x->rd_off[got->ret] = 0;
		x->rd_based[got->ret] = false;
	}
	if ((!recv_call && strcmp(sc->name, "read") != 0) || got->ret <= 0 ||
	    got->data == NULL || sc->argc < 1 ||
	    symtab_expr_int(x->s, sc->args[0], &fd) != 1 || fd < 0 ||
	    fd >= RUN_FDS)
		return true;
	if (recv_call && sc->argc >= 4 &&
	    symtab_expr_int(x->s, sc->args[3], &flags) < 0)
		flags = 0;
	if (flags & MSG_OOB)
		return true;
	/* The stream of a descriptor begins after the script side's SYN
	 * of its connection: the latest one when the first bytes are read
	 * (one connection at a time, as the runner's mapping assumes). */
	if (!x->rd_based[fd]) {
		x->rd_base[fd] = x->syn_seq + 1;
		x->rd_based[fd] = true;
	}
	off = x->rd_off[fd];
	for (i = 0; i < (uint32_t)got->ret; i++) {
		uint32_t seq = x->rd_base[fd] + off + i;
		uint8_t want = run_byte(seq);

		if (got->data[i] != want) {
			fail(x, ev->line,
			     "%s: data: expected byte 0x%02x (sequence "
			     "number %" PRIu32 ") at offset %" PRIu32
			     " of the %" PRId64 " bytes read, got 0x%02x: "
			     "bytes lost, doubled, reordered or not the ones "
			     "sent",
			     sc->name, want, seq, i, got->ret, got->data[i]);
			return false;
		}
	}
	if (!(flags & MSG_PEEK))
		x->rd_off[fd] = off + (uint32_t)got->ret;
	return true;
}

static void sys_result(struct runner *x, const struct script_event *ev,
                       const struct target_sysret *got, uint64_t lo,
                       uint64_t hi, uint64_t expect, const char *call)
{
	const struct script_syscall *sc = &ev->u.sys;
	struct runlog_ev *e;
	char gr[96], er[96], t1[32], t2[32];
	int64_t want;
	int rk, werr = 0;
	uint8_t k;

	sd_infer_return(x->inf, got->t_us, got);
	fmt_ret(got->ret, got->err, gr, sizeof(gr));
	e = log_add(x, RUNLOG_SYSCALL, ev->line);
	e->t_us = got->t_us;
	snprintf(e->text, sizeof(e->text), "%s = %s", call, gr);
	rk = symtab_expr_int(x->s, sc->ret, &want);
	if (sc->err[0] != '\0') {
		werr = symtab_errno_value(sc->err);
		if (werr < 0) {
			e->failed = !x->failed;
			fail(x, ev->line, "%s: unknown errno name %s", sc->name,
			     sc->err);
			return;
		}
	}
	if (rk < 0) {
		e->failed = !x->failed;
		fail(x, ev->line,
		     "%s: the expected return value is not an integer",
		     sc->name);
		return;
	}
	snprintf(er, sizeof(er), "%s", "...");
	if (rk == 1)
		fmt_ret(want, werr, er, sizeof(er));
	if ((rk == 1 && got->ret != want) ||
	    (sc->err[0] != '\0' && got->err != werr)) {
		e->failed = !x->failed;
		fail(x, ev->line, "%s: expected %s, got %s", sc->name, er, gr);
		return;
	}
	for (k = 0; k < got->out_n && k < TARGET_OUT_MAX; k++) {
		const struct target_out *o = &got->outs[k];
		int64_t v;
		int ok = symtab_expr_int(x->s, o->expr, &v);

		if (ok == 0 || (ok == 1 && v == o->val))
			continue;
		e->failed = !x->failed;
		if (ok < 0) {
			fail(x, ev->line,
			     "%s: %s: the expected value is not an integer",
			     sc->name, o->what);
		} else if (strcmp(o->what, "revents") == 0) {
			symtab_poll_render(v, er, sizeof(er));
			symtab_poll_render(o->val, gr, sizeof(gr));
			fail(x, ev->line, "%s: %s: expected %s, got %s",
			     sc->name, o->what, er, gr);
		} else {
			fail(x, ev->line,
			     "%s: %s: expected %" PRId64 ", got %" PRId64,
			     sc->name, o->what, v, o->val);
		}
		return;
	}
	if (!check_read_data(x, ev, got)) {
		e->failed = !x->failed;
		return;
	}
	if (got->t_us < lo || got->t_us > hi) {
		e->failed = !x->failed;
		if (ev->time.blocking)
			fail(x, ev->line,
			     "%s: expected to return at %s s, returned at %s "
			     "s",
			     sc->name, fmt_time(expect, t1, sizeof(t1)),
			     fmt_time(got->t_us, t2, sizeof(t2)));
		else
			fail(x, ev->line,
			     "%s: expected to return at once (%s s), blocked "
			     "until %s s",
			     sc->name, fmt_time(expect, t1, sizeof(t1)),
			     fmt_time(got->t_us, t2, sizeof(t2)));
	}
}

/* Checks whether the pending call returned; logs and checks it if so. */
static void pend_poll(struct runner *x)
{
	struct target_sysret got;
	struct diag d;

	if (!x->pend.active || x->failed)
		return;
	diag_clear(&d);
	if (x->ops->poll_syscall(x->t, &got, &d) < 0) {
		fail_diag(x, x->pend.ev->line, &d);
		return;
	}
	if (!got.done)
		return;
	x->pend.active = false;
	sys_result(x, x->pend.ev, &got, x->pend.lo_us, x->pend.hi_us,
	           x->pend.expect_us, x->pend.call);
}

/*
 * Before an event due at t_us: a pending call that should have returned
 * earlier gets its time and then fails if it is still blocked. Time moves
 * to its deadline only (packets stay queued for the event).
 */
static void pend_check(struct runner *x, uint64_t t_us)
{
	struct diag d;
	char t1[32];

	if (!x->pend.active || x->failed || t_us <= x->pend.hi_us)
		return;
	diag_clear(&d);
	if (x->ops->now_us(x->t) < x->pend.hi_us &&
	    x->ops->advance_to(x->t, x->pend.hi_us, &d) < 0) {
		fail_diag(x, x->pend.ev->line, &d);
		return;
	}
	take_notes(x, true);
	pend_poll(x);
	if (x->pend.active && !x->failed) {
		struct runlog_ev *e = log_add(x, RUNLOG_NOTE, x->pend.ev->line);

		snprintf(e->text, sizeof(e->text), "%s still blocked",
		         x->pend.call);
		e->failed = true;
		fail(x, x->pend.ev->line,
		     "%s: expected to return by %s s, still blocked",
		     x->pend.ev->u.sys.name,
		     fmt_time(x->pend.hi_us, t1, sizeof(t1)));
	}
}

/*
 * Brings the target to time t_us for an inbound packet, a call or a
 * command on line 'line': segments sent before it are unexpected, except
 * those sent at exactly t_us by timers (the '>' lines after it may claim
 * them).
 */
static int reach(struct runner *x, uint64_t t_us, int line)
{
	struct diag d;
	char why[96], t1[32];
	uint64_t now = x->ops->now_us(x->t);

	pend_check(x, t_us);
	if (x->failed)
		return -1;
	snprintf(why, sizeof(why), "none before line %d at %s s", line,
	         fmt_time(t_us, t1, sizeof(t1)));
	if (drain_unexpected(x, now, line, why) != 0)
		return -1;
	if (t_us > now) {
		/* Waiting for a packet first stops time at the first one
		 * sent too early, however far away t_us is. */
		if (t_us - 1 > now) {
			int rc = drain_unexpected(x, t_us - 1, line, why);

			take_notes(x, true);
			pend_poll(x);
			if (rc != 0 || x->failed)
				return -1;
		}
		diag_clear(&d);
		if (x->ops->advance_to(x->t, t_us, &d) < 0) {
			fail_diag(x, line, &d);
			return -1;
		}
		take_notes(x, true);
		pend_poll(x);
		if (x->failed)
			return -1;
	}
	return 0;
}

/* ---- Events -------------------------------------------------------------- */

static bool state_is(const char *st, const char *a, const char *b,
                     const char *c)
{
	return !st || strcmp(st, a) == 0 || strcmp(st, b) == 0 ||
	       strcmp(st, c) == 0;
}

/* An inbound SACK block's relative number, mapped by the stack's ISN. */
static uint32_t sack_abs(void *ctx, uint32_t rel)
{
	const struct runner *x = ctx;

	return rel + x->stack_isn;
}

/* Writes the script's options as raw bytes; returns the length or -1. */
static int build_opts(struct runner *x, const struct script_packet *p,
                      uint8_t *b, size_t cap)
{
	return script_packet_opts(p, b, cap, sack_abs, x, x->ts_known,
	                          x->ts_map);
}

/*
 * Applies "// shakedown: doff=N bad_csum csum=N" to a built segment (its
 * options were replaced before it was built). The IP header is left as is,
 * so it stays valid; a data offset past the segment keeps the bytes as
 * they are. The checksum is recomputed unless one is given.
 */
static void break_segment(const struct script_break *b,
                          const struct tcp_addr *src,
                          const struct tcp_addr *dst, uint8_t *tcp,
                          size_t tcp_len)
{
	uint16_t c;

	if (b->has_doff)
		tcp_wire_set_doff(tcp, b->doff);
	tcp_wire_set_csum(tcp, 0);
	tcp_wire_tcp_csum_fill(src, dst, tcp, tcp_len);
	if (b->has_csum) {
		tcp_wire_set_csum(tcp, b->csum);
	} else if (b->bad_csum) {
		/* Never the right value nor its one's complement twin
		 * (0x0000 == 0xffff): flip alternate bits. */
		c = (uint16_t)((tcp[TCP_OFF_CSUM] << 8) |
		               tcp[TCP_OFF_CSUM + 1]);
		tcp_wire_set_csum(tcp, (uint16_t)(c ^ 0x5555));
	}
}

/*
 * The addresses of an inbound packet: the run's, or "src=" / "dst=" of its
 * "shakedown:" comment, which must be of the run's family. false after
 * fail().
 */
static bool inbound_addrs(struct runner *x, const struct script_event *ev,
                          struct tcp_addr *src, struct tcp_addr *dst)
{
	const struct script_break *b = &ev->u.pkt.brk;
	const struct target_addrs *a = &x->o->topts.addrs;

	*src = a->script_addr;
	*dst = a->stack_addr;
	if (b->has_src) {
		memset(src, 0, sizeof(*src));
		src->family = b->src.family;
		memcpy(src->a, b->src.a, sizeof(src->a));
	}
	if (b->has_dst) {
		memset(dst, 0, sizeof(*dst));
		dst->family = b->dst.family;
		memcpy(dst->a, b->dst.a, sizeof(dst->a));
	}
	if (src->family != a->stack_addr.family ||
	    dst->family != a->stack_addr.family) {
		fail(x, ev->line,
		     "ip: expected %s addresses in src= and dst= (this run "
		     "is %s), got %s",
		     a->stack_addr.family == TCP_AF_INET6 ? "IPv6" : "IPv4",
		     a->stack_addr.family == TCP_AF_INET6 ? "IPv6" : "IPv4",
		     a->stack_addr.family == TCP_AF_INET6 ? "IPv4" : "IPv6");
		return false;
	}
	return true;
}

/*
 * "ipopts=HEX": inserts the IPv4 options after the 20-byte header of the
 * packet in x->out (ip_len + tcp_len bytes), padded with End of Option
 * List to a multiple of 4 (RFC 791 3.1), and fixes IHL, total length and
 * the header checksum. Returns the new header length, or 0 after fail().
 */
static size_t insert_ip_options(struct runner *x, const struct script_event *ev,
                                size_t ip_len, size_t tcp_len)
{
	const struct script_break *b = &ev->u.pkt.brk;
	size_t olen = ((size_t)b->ipopt_len + 3u) & ~(size_t)3u;

	if (ip_len != TCP_IP4_HDR_MIN) {
		fail(x, ev->line,
		     "ipopts: expected an IPv4 run (IPv6 has extension "
		     "headers, not options), got IPv6");
		return 0;
	}
	if (ip_len + olen + tcp_len > 0xffffu) {
		fail(x, ev->line, "ipopts: expected a packet below 64 KiB");
		return 0;
	}
	memmove(x->out + ip_len + olen, x->out + ip_len, tcp_len);
	memset(x->out + ip_len, 0, olen);
	memcpy(x->out + ip_len, b->ipopts, b->ipopt_len);
	ip_len += olen;
	x->out[0] = (uint8_t)(0x40u | (ip_len / 4));
	tcp_wire_wr16(x->out + 2, (uint16_t)(ip_len + tcp_len));
	tcp_wire_wr16(x->out + 10, 0);
	tcp_wire_wr16(x->out + 10,
	              tcp_wire_csum_fold(tcp_wire_csum_add(0, x->out, ip_len)));
	return ip_len;
}

/*
 * "< icmp TYPE CODE [mtu N] [start:end(len)]": an ICMP (ICMPv6 in an IPv6
 * run) error from the script's host (or "src=") quoting the IP header and
 * the first 8 bytes (RFC 792) of the stack's segment start:end, with the
 * run's ports (or "qsport=", "qdport=").
 */
static void ev_icmp(struct runner *x, const struct script_event *ev,
                    uint64_t start)
{
	const struct script_packet *sp = &ev->u.pkt;
	const struct script_icmp *ic = &sp->icmp;
	const struct target_addrs *a = &x->o->topts.addrs;
	bool v6 = a->stack_addr.family == TCP_AF_INET6;
	int type = v6 ? ic->type6 : ic->type4;
	int code = v6 ? ic->code6 : ic->code4;
	uint8_t q[TCP_IP6_HDR + TCP_ICMP_QUOTE];
	struct tcp_addr src, dst;
	struct runlog_ev *e;
	struct diag d;
	size_t qhl, len;

	if (type < 0 || code < 0) {
		fail(x, ev->line,
		     "icmp: expected a message that exists in %s, got '%s' "
		     "(no %s counterpart)",
		     v6 ? "ICMPv6" : "ICMP", ic->name, v6 ? "ICMPv6" : "ICMP");
		return;
	}
	if (!inbound_addrs(x, ev, &src, &dst))
		return;
	/* The quoted packet: the stack's own, from it to the script. */
	qhl = tcp_wire_ip_emit(&a->stack_addr, &a->script_addr, 64, 0, 0,
	                       TCP_HDR_MIN + sp->len, q, sizeof(q));
	if (qhl == 0) {
		fail(x, ev->line,
		     "len: expected a quoted segment that fits in one IP "
		     "packet, got %" PRIu32 " payload bytes",
		     sp->len);
		return;
	}
	tcp_wire_wr16(q + qhl,
	              sp->brk.has_qsport ? sp->brk.qsport : x->stack_port);
	tcp_wire_wr16(q + qhl + 2,
	              sp->brk.has_qdport ? sp->brk.qdport : a->script_port);
	tcp_wire_wr32(q + qhl + 4, x->stack_isn + sp->seq_start);
	len = tcp_wire_icmp_emit(&src, &dst, (uint8_t)type, (uint8_t)code,
	                         ic->has_mtu ? ic->mtu : 0, q,
	                         qhl + TCP_ICMP_QUOTE, x->out, sizeof(x->out));
	if (len == 0) {
		fail(x, ev->line, "icmp: the message could not be built");
		return;
	}
	if (sp->brk.ipopt_len > 0) {
		size_t hl =
		    insert_ip_options(x, ev, v6 ? TCP_IP6_HDR : TCP_IP4_HDR_MIN,
		                      len -
		                          (v6 ? TCP_IP6_HDR : TCP_IP4_HDR_MIN));

		if (hl == 0)
			return;
		len += hl - TCP_IP4_HDR_MIN;
	}
	raw_add(x, x->ops->now_us(x->t), x->out, len);
	sd_infer_icmp(x->inf, x->ops->now_us(x->t));
	e = log_add(x, RUNLOG_PKT, ev->line);
	e->pkt.dir = '<';
	e->pkt.seq = sp->seq_start;
	e->pkt.len = sp->len;
	snprintf(e->pkt.icmp, sizeof(e->pkt.icmp), "icmp %s", ic->name);
	diag_clear(&d);
	if (x->ops->inject(x->t, x->out, len, &d) < 0) {
		e->failed = true;
		fail_diag(x, ev->line, &d);
		return;
	}
	/* e first: take_notes() may move the log (realloc). */
	log_state(x, e);
	take_notes(x, false);
	pend_poll(x);
	ev_done(x, ev, start);
}

static void ev_inbound(struct runner *x, const struct script_event *ev)
{
	const struct script_packet *sp = &ev->u.pkt;
	const struct target_addrs *a = &x->o->topts.addrs;
	uint8_t opts[TCP_OPT_SPACE_MAX + 64];
	uint64_t start, lo, hi;
	struct tcp_addr src, dst;
	struct tcp_seg seg;
	struct runlog_ev *e;
	struct diag d;
	size_t ip_len, tcp_len;
	uint32_t k;
	int olen;

	if (!ev_window(x, ev, &start, &lo, &hi))
		start = x->ops->now_us(x->t);
	if (reach(x, start, ev->line) != 0)
		return;
	x->cause_us = x->ops->now_us(x->t);
	if (sp->is_icmp) {
		ev_icmp(x, ev, start);
		return;
	}
	if (!inbound_addrs(x, ev, &src, &dst))
		return;
	/* A SYN reaching no synchronized connection opens a new one. */
	if ((sp->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
	    state_is(x->ops->state ? x->ops->state(x->t) : NULL, "CLOSED",
	             "LISTEN", "TIME-WAIT"))
		x->isn_stale = true;
	memset(&seg, 0, sizeof(seg));
	seg.sport = a->script_port;
	seg.dport = x->stack_port;
	seg.seq.v = RUN_REMOTE_ISN + sp->seq_start;
	seg.ack.v = sp->has_ack ? sp->ack + x->stack_isn : 0;
	seg.flags = sp->flags;
	seg.wnd = (uint16_t)(sp->has_win ? sp->win : RUN_DEFAULT_WIN);
	seg.urp = sp->has_urg ? sp->urg : 0;
	if (sp->flags & TCP_FLAG_SYN)
		x->syn_seq = sp->seq_start;
	/* Data bytes follow the SYN's sequence number, if there is one. */
	for (k = 0; k < sp->len && k < sizeof(x->payload); k++)
		x->payload[k] = run_byte(
		    sp->seq_start + k + ((sp->flags & TCP_FLAG_SYN) ? 1u : 0u));
	seg.payload = x->payload;
	seg.payload_bytes = sp->len;
	olen = sp->opts_any ? 0 : build_opts(x, sp, opts, sizeof(opts));
	if (olen < 0 || olen > TCP_OPT_SPACE_MAX) {
		fail(x, ev->line,
		     "options: expected at most %d bytes of options, got "
		     "more",
		     TCP_OPT_SPACE_MAX);
		return;
	}
	if (sp->has_win && sp->win > 0xffff) {
		fail(x, ev->line,
		     "win: expected a 16-bit window field, got %" PRIu32,
		     sp->win);
		return;
	}
	if (sp->brk.has_opts) {
		/* "// shakedown: opts=HEX": these bytes, padded with zeros. */
		memcpy(opts, sp->brk.opts, sp->brk.opt_len);
		olen = sp->brk.opt_len;
	}
	if (olen > 0) {
		seg.opts.present = TCP_OPTF_RAW;
		seg.opts.raw = opts;
		seg.opts.raw_len = (uint8_t)olen;
	}
	ip_len = a->script_addr.family == TCP_AF_INET6 ? TCP_IP6_HDR
	                                               : TCP_IP4_HDR_MIN;
	tcp_len = tcp_seg_emit(&seg, &src, &dst, x->out + ip_len,
	                       sizeof(x->out) - ip_len - SCRIPT_IPOPTS_MAX);
	/* "[ce]" and the others: the ECN field of the TOS / Traffic Class. */
	if (tcp_len == 0 ||
	    tcp_wire_ip_emit(&src, &dst, 64, script_ecn_wire(sp->ecn),
	                     x->ip_id++, tcp_len, x->out, ip_len) != ip_len) {
		fail(x, ev->line,
		     "len: expected a segment that fits in one IP packet, "
		     "got %" PRIu32 " payload bytes",
		     sp->len);
		return;
	}
	if (sp->brk.set)
		break_segment(&sp->brk, &src, &dst, x->out + ip_len, tcp_len);
	if (sp->brk.ipopt_len > 0) {
		ip_len = insert_ip_options(x, ev, ip_len, tcp_len);
		if (ip_len == 0)
			return;
	}
	raw_add(x, x->ops->now_us(x->t), x->out, ip_len + tcp_len);
	sd_infer_inbound(x->inf, x->ops->now_us(x->t), x->out,
	                 ip_len + tcp_len);
	e = log_add(x, RUNLOG_PKT, ev->line);
	e->pkt.dir = '<';
	e->pkt.flags = sp->flags;
	e->pkt.seq = sp->seq_start;
	e->pkt.len = sp->len;
	e->pkt.has_ack = (sp->flags & TCP_FLAG_ACK) != 0;
	e->pkt.ack = sp->ack;
	e->pkt.win = seg.wnd;
	e->pkt.ecn = script_ecn_wire(sp->ecn);
	if (!sp->opts_any)
		fmt_opts(sp->opts, sp->opt_n, e->pkt.opts, sizeof(e->pkt.opts));
	diag_clear(&d);
	if (x->ops->inject(x->t, x->out, ip_len + tcp_len, &d) < 0) {
		e->failed = true;
		fail_diag(x, ev->line, &d);
		return;
	}
	/* e first: take_notes() may move the log (realloc). */
	log_state(x, e);
	take_notes(x, false);
	pend_poll(x);
	ev_done(x, ev, start);
}

/* Bytes as hex digits, "none" when there are none. */
static void fmt_hex(const uint8_t *b, size_t len, char *buf, size_t n)
{
	size_t off = 0, i;

	buf[0] = '\0';
	if (len == 0) {
		snprintf(buf, n, "none");
		return;
	}
	for (i = 0; i < len && off + 3 <= n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%02x", b[i]);
}

/* "192.0.2.1" or "2001:db8::1"; "?" for anything else. */
static void fmt_addr(const struct tcp_addr *a, char *buf, size_t n)
{
	if (!((a->family == TCP_AF_INET &&
	       inet_ntop(AF_INET, a->a, buf, (socklen_t)n) != NULL) ||
	      (a->family == TCP_AF_INET6 &&
	       inet_ntop(AF_INET6, a->a, buf, (socklen_t)n) != NULL)))
		snprintf(buf, n, "?");
}

/*
 * "// shakedown: isn_delta=MIN~MAX" on an outbound SYN (MUST-8): the ISN
 * of this connection minus the ISN of the one before, modulo 2^32.
 */
static bool check_isn_delta(struct runner *x, const struct script_event *ev)
{
	const struct script_break *b = &ev->u.pkt.brk;
	char t1[32];
	uint32_t dlt;

	if (!x->isn_prev_set) {
		fail(x, ev->line,
		     "isn: expected an earlier connection's SYN to compare "
		     "this ISN with (isn_delta=), got none");
		return false;
	}
	dlt = x->stack_isn - x->isn_prev;
	if (dlt < b->isn_delta_min || dlt > b->isn_delta_max) {
		fail(x, ev->line,
		     "isn: expected the ISN to advance by %" PRIu32 "~%" PRIu32
		     " since the SYN of the connection before (%s s "
		     "earlier), got %" PRIu32,
		     b->isn_delta_min, b->isn_delta_max,
		     fmt_time(x->isn_us - x->isn_prev_us, t1, sizeof(t1)), dlt);
		return false;
	}
	return true;
}

/* The flags of an outbound segment against the script's. */
static bool flags_match(const struct runner *x, uint16_t got, uint16_t want)
{
	if (got == want)
		return true;
	return x->push_extra && (got & TCP_FLAG_PSH) &&
	       !(want & TCP_FLAG_PSH) && (got & ~TCP_FLAG_PSH) == want;
}

/* Compares the stack's segment with the script's; false after fail(). */
static bool compare(struct runner *x, const struct script_event *ev,
                    const struct run_seg *d, const struct runlog_pkt *lp)
{
	const struct script_packet *sp = &ev->u.pkt;
	const struct target_addrs *a = &x->o->topts.addrs;
	char w[RUN_PKT_TEXT], g[RUN_PKT_TEXT];
	size_t k;

	/* MUST-44, MUST-45: the connection's own addresses, every time. */
	if (!tcp_addr_eq(&d->ip.src, &a->stack_addr) ||
	    !tcp_addr_eq(&d->ip.dst, &a->script_addr)) {
		char ws[48], wd[48], gs[48], gd[48];

		fmt_addr(&a->stack_addr, ws, sizeof(ws));
		fmt_addr(&a->script_addr, wd, sizeof(wd));
		fmt_addr(&d->ip.src, gs, sizeof(gs));
		fmt_addr(&d->ip.dst, gd, sizeof(gd));
		fail(x, ev->line, "ip: expected %s > %s, got %s > %s", ws, wd,
		     gs, gd);
		return false;
	}
	if (sp->brk.has_dst) {
		struct tcp_addr want;
		char ws[48], gs[48];

		memset(&want, 0, sizeof(want));
		want.family = sp->brk.dst.family;
		memcpy(want.a, sp->brk.dst.a, sizeof(want.a));
		if (!tcp_addr_eq(&want, &d->ip_dst)) {
			fmt_addr(&want, ws, sizeof(ws));
			fmt_addr(&d->ip_dst, gs, sizeof(gs));
			fail(x, ev->line,
			     "ip dst: expected %s (the first hop), got %s", ws,
			     gs);
			return false;
		}
	}
	if (sp->brk.ipopt_len > 0 || sp->brk.no_ipopts) {
		uint8_t want[SCRIPT_IPOPTS_MAX + 3];
		size_t wl = ((size_t)sp->brk.ipopt_len + 3u) & ~(size_t)3u;

		memset(want, 0, sizeof(want));
		memcpy(want, sp->brk.ipopts, sp->brk.ipopt_len);
		if (wl != d->ip_opt_len ||
		    (wl > 0 && memcmp(want, d->ip_opts, wl) != 0)) {
			char wh[2 * SCRIPT_IPOPTS_MAX + 8],
			    gh[2 * SCRIPT_IPOPTS_MAX + 8];

			fmt_hex(want, wl, wh, sizeof(wh));
			fmt_hex(d->ip_opts, d->ip_opt_len, gh, sizeof(gh));
			fail(x, ev->line, "ipopts: expected %s, got %s", wh,
			     gh);
			return false;
		}
	}
	if (!flags_match(x, d->seg.flags, sp->flags)) {
		fmt_flags(sp->flags, w, sizeof(w));
		fmt_flags(d->seg.flags, g, sizeof(g));
		fail(x, ev->line, "flags: expected %s, got %s", w, g);
		return false;
	}
	if (lp->seq != sp->seq_start) {
		fail(x, ev->line, "seq: expected %" PRIu32 ", got %" PRIu32,
		     sp->seq_start, lp->seq);
		return false;
	}
	if (lp->len != sp->len) {
		fail(x, ev->line, "len: expected %" PRIu32 ", got %" PRIu32,
		     sp->len, lp->len);
		return false;
	}
	if (sp->has_ack && lp->ack != sp->ack) {
		fail(x, ev->line, "ack: expected %" PRIu32 ", got %" PRIu32,
		     sp->ack, lp->ack);
		return false;
	}
	if (sp->brk.has_isn_delta && !check_isn_delta(x, ev))
		return false;
	if (sp->has_win && d->seg.wnd != sp->win) {
		fail(x, ev->line, "win: expected %" PRIu32 ", got %u", sp->win,
		     (unsigned)d->seg.wnd);
		return false;
	}
	if (sp->has_urg && d->seg.urp != sp->urg) {
		fail(x, ev->line, "urg: expected %u, got %u", (unsigned)sp->urg,
		     (unsigned)d->seg.urp);
		return false;
	}
	if (!sp->opts_any) {
		size_t n = d->opt_n;
		bool same;

		/* Zero padding after the options is no option. */
		if (n > 0 && d->opts[n - 1].kind == SCRIPT_OPT_EOL &&
		    (sp->opt_n == 0 ||
		     sp->opts[sp->opt_n - 1].kind != SCRIPT_OPT_EOL))
			n--;
		same = !d->opts_bad && n == sp->opt_n;

		for (k = 0; same && k < n; k++)
			same = opt_equal(&sp->opts[k], &d->opts[k]);
		if (!same) {
			fmt_opts(sp->opts, sp->opt_n, w, sizeof(w));
			fail(x, ev->line, "options: expected <%s>, got <%s>", w,
			     lp->opts);
			return false;
		}
	}
	/* The IP layer: "[ect0]" ..., "// shakedown: tos=N ttl=N". */
	if (sp->ecn != SCRIPT_ECN_NONE) {
		unsigned got = d->ip.tos & TCP_ECN_MASK;
		bool same = sp->ecn == SCRIPT_ECN_ECT01
		                ? got == TCP_ECN_ECT0 || got == TCP_ECN_ECT1
		                : got == script_ecn_wire(sp->ecn);

		if (!same) {
			fail(x, ev->line, "ecn: expected [%s], got [%s]",
			     script_ecn_name(sp->ecn), ecn_name(got));
			return false;
		}
	}
	if (sp->brk.has_tos && d->ip.tos != sp->brk.tos) {
		fail(x, ev->line, "tos: expected 0x%02x, got 0x%02x",
		     (unsigned)sp->brk.tos, (unsigned)d->ip.tos);
		return false;
	}
	if (sp->brk.has_ttl && d->ip.ttl != sp->brk.ttl) {
		fail(x, ev->line, "ttl: expected %u, got %u",
		     (unsigned)sp->brk.ttl, (unsigned)d->ip.ttl);
		return false;
	}
	/* RFC 7323 5.4: a 1 ms..1 s clock may wrap the half space after
	 * 24.8 days; compare only within a day of the previous TSval. */
	if (d->has_ts && x->ts_prev_set &&
	    x->pkt.t_us - x->ts_prev_us < 86400ull * 1000000u &&
	    (int32_t)(d->tsval - x->ts_prev) < 0) {
		fail(x, ev->line,
		     "options: expected a TS val not below the previous "
		     "one (%" PRIu32 "), got %" PRIu32,
		     x->ts_prev - (x->ts_known ? x->ts_map : 0),
		     d->tsval - (x->ts_known ? x->ts_map : 0));
		return false;
	}
	return true;
}

static void ev_outbound(struct runner *x, const struct script_event *ev)
{
	const struct script_packet *sp = &ev->u.pkt;
	uint64_t start, lo, hi, look;
	char want[RUN_PKT_TEXT], got[RUN_PKT_TEXT], t1[32], t2[32], t3[32];
	struct run_seg d;
	struct runlog_ev *e;
	struct diag dg;
	bool timed, ok;
	int rc;

	look = x->ops->virtual_clock ? RUN_LOOKAHEAD_VIRTUAL_US
	                             : RUN_LOOKAHEAD_REAL_US;
	timed = ev_window(x, ev, &start, &lo, &hi);
	if (!timed) {
		start = lo = x->ops->now_us(x->t);
		hi = lo + look;
	} else if (x->tick_us > 0 && start > x->cause_us) {
		hi += x->tick_us; /* sent by a timer of a tick-based stack */
	}
	pend_check(x, start);
	if (x->failed)
		return;
	fmt_script_pkt(sp, want, sizeof(want));
	diag_clear(&dg);
	rc = recv_out(x, hi, ev->line, &dg);
	if (rc < 0) {
		fail_diag(x, ev->line, &dg);
		return;
	}
	take_notes(x, true);
	pend_poll(x);
	if (x->failed)
		return;
	if (rc == 0) {
		/* Missing: say what came instead, if anything. */
		diag_clear(&dg);
		rc = recv_out(x, hi + look, ev->line, &dg);
		e = log_add(x, RUNLOG_NOTE, ev->line);
		e->t_us = hi;
		e->failed = true;
		snprintf(e->text, sizeof(e->text), "missing: %.160s", want);
		if (rc == 1 && decode(&x->pkt, &d) == 0) {
			struct runlog_ev *u;

			raw_add(x, x->pkt.t_us, x->pkt.buf, x->pkt.len);
			/* The diagram stops at the entry marked failed: the
			 * segment that came instead is the last one. */
			e->failed = false;
			u = log_add(x, RUNLOG_PKT, 0);
			u->t_us = x->pkt.t_us;
			u->unexpected = true;
			u->failed = true;
			learn(x, &d);
			log_pkt_out(x, &d, &u->pkt);
			fmt_log_pkt(&u->pkt, got, sizeof(got));
			fail(x, ev->line,
			     "segment: expected %s by %s s, got %s at %s s "
			     "instead",
			     want, fmt_time(hi, t1, sizeof(t1)), got,
			     fmt_time(x->pkt.t_us, t2, sizeof(t2)));
		} else {
			fail(x, ev->line,
			     "segment: expected %s by %s s, got nothing (up "
			     "to %s s)",
			     want, fmt_time(hi, t1, sizeof(t1)),
			     fmt_time(hi + look, t2, sizeof(t2)));
		}
		return;
	}
	if (decode(&x->pkt, &d) != 0) {
		unexpected(x, &x->pkt, ev->line, want);
		return;
	}
	learn(x, &d);
	learn_ts(x, &d, sp);
	raw_add(x, x->pkt.t_us, x->pkt.buf, x->pkt.len);
	e = log_add(x, RUNLOG_PKT, ev->line);
	e->t_us = x->pkt.t_us;
	log_pkt_out(x, &d, &e->pkt);
	fmt_log_pkt(&e->pkt, got, sizeof(got));
	if (x->pkt.t_us < lo) {
		/* Sent before its window: a different segment is one the
		 * script did not expect; the same one is early. */
		e->failed = true;
		if (!flags_match(x, d.seg.flags, sp->flags) ||
		    e->pkt.seq != sp->seq_start || e->pkt.len != sp->len) {
			e->unexpected = true;
			e->line = 0;
			fail(x, ev->line,
			     "segment: expected %s at %s s, got %s at %s s",
			     want, fmt_time(start, t1, sizeof(t1)), got,
			     fmt_time(x->pkt.t_us, t2, sizeof(t2)));
			return;
		}
	}
	ok = compare(x, ev, &d, &e->pkt);
	if (!ok) {
		e->failed = true;
		diag_append(&x->r->diag, "\n    script: %s\n    actual: %s",
		            want, got);
		return;
	}
	if (x->pkt.t_us < lo || x->pkt.t_us > hi) {
		e->failed = true;
		if (ev_is_range(ev) && timed)
			fail(x, ev->line, "time: expected %s~%s s, got %s s",
			     fmt_time(lo, t1, sizeof(t1)),
			     fmt_time(hi, t2, sizeof(t2)),
			     fmt_time(x->pkt.t_us, t3, sizeof(t3)));
		else
			fail(x, ev->line, "time: expected %s s, got %s s",
			     fmt_time(start, t1, sizeof(t1)),
			     fmt_time(x->pkt.t_us, t2, sizeof(t2)));
		return;
	}
	if (d.has_ts) {
		x->ts_prev = d.tsval;
		x->ts_prev_us = x->pkt.t_us;
		x->ts_prev_set = true;
	}
	log_state(x, e);
	ev_done(x, ev, start);
}

static void ev_syscall(struct runner *x, const struct script_event *ev)
{
	const struct script_syscall *sc = &ev->u.sys;
	struct target_sysret got;
	uint64_t start, lo, hi, expect, cause, tol = x->o->tolerance_us;
	char call[160];
	struct diag d;
	int rc;

	if (!ev_window(x, ev, &start, &lo, &hi))
		start = x->ops->now_us(x->t);
	if (reach(x, start, ev->line) != 0)
		return;
	cause = x->cause_us;
	x->cause_us = x->ops->now_us(x->t);
	fmt_call(x->s, sc, call, sizeof(call));
	/*
	 * In real time a call that returns at once can come back after the
	 * target's grace period on a loaded machine and be taken for a
	 * blocking one: give it until the end of its window before calling
	 * the next call a mistake of the script.
	 */
	if (x->pend.active && !x->ops->virtual_clock &&
	    x->ops->now_us(x->t) < x->pend.hi_us) {
		diag_clear(&d);
		if (x->ops->advance_to(x->t, x->pend.hi_us, &d) < 0) {
			fail_diag(x, ev->line, &d);
			return;
		}
		take_notes(x, true);
		pend_poll(x);
		/* Still there: it is late, not the script wrong. */
		pend_check(x, UINT64_MAX);
		if (x->failed)
			return;
	}
	if (x->pend.active) {
		struct runlog_ev *e = log_add(x, RUNLOG_SYSCALL, ev->line);

		snprintf(e->text, sizeof(e->text), "%s", call);
		e->failed = true;
		fail(x, ev->line,
		     "%s: expected no call while %s (line %d) is blocked",
		     sc->name, x->pend.call, x->pend.ev->line);
		return;
	}
	if (strcmp(sc->name, "connect") == 0)
		x->isn_stale = true;
	expect = ev->time.blocking ? resolve(x, ev->time.block_end_kind,
	                                     ev->time.block_end_us)
	                           : start;
	lo = expect > tol ? expect - tol : 0;
	hi = expect + tol;
	/* Due after the latest packet or call: a timer of a tick-based
	 * stack may decide its outcome (a read that reports ETIMEDOUT). */
	if (x->tick_us > 0 && expect > cause)
		hi += x->tick_us;
	diag_clear(&d);
	sd_infer_call(x->inf, x->ops->now_us(x->t), x->s, sc);
	rc = x->ops->syscall(x->t, x->s, ev, &got, &d);
	if (rc != 0) {
		struct runlog_ev *e = log_add(x, RUNLOG_SYSCALL, ev->line);

		snprintf(e->text, sizeof(e->text), "%s", call);
		if (rc > 0) {
			skip_run(x, ev->line, d.msg);
			return;
		}
		e->failed = true;
		fail_diag(x, ev->line, &d);
		return;
	}
	take_notes(x, false);
	if (got.done) {
		sys_result(x, ev, &got, lo, hi, expect, call);
	} else {
		struct runlog_ev *e = log_add(x, RUNLOG_SYSCALL, ev->line);

		snprintf(e->text, sizeof(e->text), "%s ... (blocks)", call);
		x->pend.active = true;
		x->pend.ev = ev;
		x->pend.lo_us = lo;
		x->pend.hi_us = hi;
		x->pend.expect_us = expect;
		snprintf(x->pend.call, sizeof(x->pend.call), "%s", call);
	}
	ev_done(x, ev, start);
}

static void ev_command(struct runner *x, const struct script_event *ev)
{
	const char *cmd = script_string_at(x->s, ev->u.cmd.text);
	uint64_t start, lo, hi;
	struct runlog_ev *e;
	struct diag d;
	int rc;

	if (!ev_window(x, ev, &start, &lo, &hi))
		start = x->ops->now_us(x->t);
	if (reach(x, start, ev->line) != 0)
		return;
	x->cause_us = x->ops->now_us(x->t);
	if (!cmd)
		cmd = "";
	diag_clear(&d);
	rc = x->ops->command ? x->ops->command(x->t, cmd, &d) : 0;
	e = log_add(x, RUNLOG_COMMAND, ev->line);
	snprintf(e->text, sizeof(e->text), "`%.150s`%s", cmd,
	         rc == 0 ? " (not run)" : "");
	if (rc < 0) {
		e->failed = true;
		fail_diag(x, ev->line, &d);
		return;
	}
	if (rc == 0) {
		x->r->commands_skipped = true;
		if (!x->cmd_noted) {
			struct runlog_ev *n = log_add(x, RUNLOG_NOTE, ev->line);

			x->cmd_noted = true;
			snprintf(n->text, sizeof(n->text),
			         "shell commands configure a kernel; the %s "
			         "target does not run them",
			         x->ops->name);
		}
	}
	take_notes(x, false);
	pend_poll(x);
	ev_done(x, ev, start);
}

/* After the last event: a blocked call and unclaimed segments fail. */
static void finish(struct runner *x)
{
	char why[96];
	int line = x->last_line;

	if (x->pend.active) {
		pend_check(x, UINT64_MAX);
		if (x->failed)
			return;
	}
	snprintf(why, sizeof(why), "none after the last event (line %d)", line);
	(void)drain_unexpected(x, x->ops->now_us(x->t), line, why);
	take_notes(x, false);
}

/* ---- Entry points -------------------------------------------------------- */

static double wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Whether the target satisfies every "// requires:"; else RUN_SKIP. */
static bool requirements_met(const struct script *s, const struct run_opts *o,
                             struct run_result *r)
{
	size_t k;

	for (k = 0; k < s->require_n && k < SCRIPT_MAX_REQUIRES; k++) {
		char why[sizeof(r->skip_reason)];
		int pr;

		why[0] = '\0';
		/* The profile's declared values first, then the target. */
		pr = profile_requires(o->profile, s->requires[k], why,
		                      sizeof(why));
		if (pr == 1)
			continue;
		if (pr < 0 && o->target->satisfies &&
		    o->target->satisfies(&o->topts, s->requires[k], why,
		                         sizeof(why)))
			continue;
		r->outcome = RUN_SKIP;
		if (why[0] == '\0')
			snprintf(why, sizeof(why),
			         "requires %s; target %s does not provide it",
			         s->requires[k], o -> target -> name);
		snprintf(r->skip_reason, sizeof(r->skip_reason), "%s", why);
		return false;
	}
	return true;
}

void run_addrs_default(struct target_addrs *a)
{
	if (a->stack_addr.family == 0)
		tcp_addr_v4(&a->stack_addr, 192, 0, 2, 1);
	if (a->script_addr.family == 0)
		tcp_addr_v4(&a->script_addr, 192, 0, 2, 2);
	if (a->stack_port == 0)
		a->stack_port = 8080;
	if (a->script_port == 0)
		a->script_port = 40000;
}

void run_addrs_default_ipv6(struct target_addrs *a)
{
	static const uint8_t net[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	if (a->stack_addr.family == 0) {
		memset(&a->stack_addr, 0, sizeof(a->stack_addr));
		a->stack_addr.family = TCP_AF_INET6;
		memcpy(a->stack_addr.a, net, sizeof(net));
		a->stack_addr.a[15] = 1;
	}
	if (a->script_addr.family == 0) {
		memset(&a->script_addr, 0, sizeof(a->script_addr));
		a->script_addr.family = TCP_AF_INET6;
		memcpy(a->script_addr.a, net, sizeof(net));
		a->script_addr.a[15] = 2;
	}
	run_addrs_default(a);
}

int run_script(const struct script *s, const struct run_opts *o_in,
               struct run_result *r)
{
	struct run_opts oo = *o_in;
	const struct run_opts *o = &oo;
	struct runner *x;
	double t0 = wall_us();
	struct diag d;
	size_t i;
	int rc;

	if (s->ip_version == 6 || (s->ip_version == 0 && oo.ipv6))
		run_addrs_default_ipv6(&oo.topts.addrs);
	else
		run_addrs_default(&oo.topts.addrs);
	r->outcome = RUN_PASS;
	r->addrs = o->topts.addrs;
	snprintf(r->target, sizeof(r->target), "%s",
	         o->target ? o->target->name : "");
	if (!o->target) {
		diag_set(&r->diag, "", 0, 0, NULL, 0, "no target");
		return -1;
	}
	if (!requirements_met(s, o, r)) {
		r->elapsed_us = wall_us() - t0;
		return 0;
	}
	if (s->config_n > 0 && !o->target->takes_config) {
		r->outcome = RUN_SKIP;
		snprintf(r->skip_reason, sizeof(r->skip_reason),
		         "sets the reference stack's configuration (// "
		         "config:); target %s has no such settings",
		         o->target->name);
		r->elapsed_us = wall_us() - t0;
		return 0;
	}
	oo.topts.config = s->config;
	oo.topts.config_n = s->config_n;
	x = calloc(1, sizeof(*x));
	if (!x) {
		diag_set(&r->diag, "", 0, 0, NULL, 0, "out of memory");
		return -1;
	}
	x->s = s;
	x->oo = oo;
	x->o = &x->oo;
	x->ops = o->target;
	x->r = r;
	x->isn_stale = true;
	x->isn_us = UINT64_MAX; /* no SYN seen yet */
	x->check_csum = true;
	{
		const char *pe =
		    o->profile ? profile_get(o->profile, "push_extra") : NULL;

		x->push_extra = pe != NULL && strcmp(pe, "yes") == 0;
	}
	if (x->ops->virtual_clock && o->profile != NULL) {
		const char *tk = profile_get(o->profile, "timer_tick_ms");

		/* The profile parser checked it: a whole number. */
		x->tick_us = tk ? strtoull(tk, NULL, 10) * 1000u : 0;
	}
	x->stack_port = o->topts.addrs.stack_port;
	/*
	 * Targets that cannot report their edges get them inferred from the
	 * wire (infer.h): the stack answers at once on a virtual clock,
	 * within the tolerance (at least 2 ms) on a real one.
	 */
	if (!x->ops->edges || o->infer_wire)
		x->inf = sd_infer_new(&x->o->topts.addrs, x->ops->virtual_clock,
		                      o->tolerance_us > 2000 ? o->tolerance_us
		                                             : 2000);
	diag_clear(&d);
	rc = x->ops->open(&x->t, &o->topts, &d);
	if (rc != 0) {
		if (rc > 0) { /* the target cannot run this script */
			r->outcome = RUN_SKIP;
			snprintf(r->skip_reason, sizeof(r->skip_reason), "%.*s",
			         (int)sizeof(r->skip_reason) - 1, d.msg);
		} else {
			r->diag = d;
		}
		sd_infer_free(x->inf);
		free(x);
		r->elapsed_us = wall_us() - t0;
		return rc > 0 ? 0 : -1;
	}
	for (i = 0; i < s->event_n && !x->failed; i++) {
		const struct script_event *ev = &s->events[i];

		x->last_line = ev->line;
		switch (ev->kind) {
		case SCRIPT_EV_PACKET:
			if (ev->u.pkt.dir == '<')
				ev_inbound(x, ev);
			else
				ev_outbound(x, ev);
			break;
		case SCRIPT_EV_SYSCALL:
			ev_syscall(x, ev);
			break;
		case SCRIPT_EV_COMMAND:
			ev_command(x, ev);
			break;
		default:
			fail(x, ev->line, "event: unknown kind %d",
			     (int)ev->kind);
			break;
		}
	}
	if (!x->failed)
		finish(x);
	if (x->oom && !x->failed)
		fail(x, x->last_line, "run: out of memory for the run log");
	r->target_us = x->ops->now_us(x->t);
	if (x->ops->edges) {
		r->have_edges = true;
		r->edges_inferred = !x->ops->edges(x->t, r->edges);
	}
	if (x->inf) {
		uint64_t hits[SD_EDGES + 1];

		sd_infer_edges(x->inf, hits);
		if (!x->ops->edges) {
			memcpy(r->edges, hits, sizeof(r->edges));
			r->have_edges = true;
			r->edges_inferred = true;
		}
		if (o->infer_wire) {
			memcpy(r->wire_edges, hits, sizeof(r->wire_edges));
			r->have_wire_edges = true;
		}
		sd_infer_free(x->inf);
	}
	x->ops->close(x->t);
	free(x);
	r->elapsed_us = wall_us() - t0;
	return 0;
}

void run_result_free(struct run_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->raw_n; i++)
		free(r->raw[i].bytes);
	free(r->raw);
	free(r->log);
	r->raw = NULL;
	r->log = NULL;
	r->raw_n = r->raw_cap = r->log_n = r->log_cap = 0;
}
