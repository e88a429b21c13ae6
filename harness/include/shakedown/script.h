/* SPDX-License-Identifier: MIT
 *
 * The script language: packetdrill's syntax (see conformance/SYNTAX.md),
 * parsed into an event list in which every event knows its file:line:col.
 * Parsing is separate from running (STYLE R5): script_parse() never touches
 * a target. Anything unsupported is a parse error with a caret, never a
 * silent skip.
 */
#ifndef SHAKEDOWN_SCRIPT_H
#define SHAKEDOWN_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/diag.h"

#define SCRIPT_MAX_OPTS 16 /* TCP options listed on one segment */
#define SCRIPT_MAX_SACK 4  /* blocks in one "sack" option */
#define SCRIPT_MAX_ARGS 8  /* arguments of one system call */
#define SCRIPT_NAME_MAX 32 /* system call, symbol and errno names */

/*
 * Limits that keep hostile input (fuzzers, binary files) from using
 * unbounded time or memory. Going past one is a parse error.
 */
#define SCRIPT_MAX_BYTES (64u << 20)   /* whole script text */
#define SCRIPT_LINE_MAX 65536          /* bytes on one line */
#define SCRIPT_MAX_EVENTS 20000        /* events in one script */
#define SCRIPT_MAX_EXPRS 200000        /* expression pool entries */
#define SCRIPT_MAX_STRINGS (16u << 20) /* string pool bytes */
#define SCRIPT_MAX_DEPTH 32            /* nesting of [ ] and { } */
#define SCRIPT_TIME_MAX_S 100000000    /* largest time, in seconds */

/* ---- Time ---------------------------------------------------------------- */

enum script_time_kind {
	SCRIPT_TIME_ABS, /* "0.100": from the start of the script */
	SCRIPT_TIME_REL, /* "+0.1": from the previous event's time */
	SCRIPT_TIME_ANY, /* "*": whenever it happens (outbound only) */
};

/*
 * When an event happens. A range "0.1~0.2" (or "+0~+0.3") gives an end;
 * without one end_us == start_us. A blocking system call written
 * "0.1...0.2 accept(...)" has its start in start_us and the time it must
 * return in block_end_us (0 and block_end_kind ABS when not blocking).
 */
struct script_time {
	enum script_time_kind kind;
	int64_t start_us;
	enum script_time_kind end_kind;
	int64_t end_us;
	bool blocking; /* "start...end" form */
	enum script_time_kind block_end_kind;
	int64_t block_end_us;
};

/* ---- TCP segments -------------------------------------------------------- */

enum script_opt_kind {
	SCRIPT_OPT_NOP,
	SCRIPT_OPT_EOL,
	SCRIPT_OPT_MSS,    /* val */
	SCRIPT_OPT_WSCALE, /* val */
	SCRIPT_OPT_SACKOK,
	SCRIPT_OPT_SACK, /* sack[0..sack_n) */
	SCRIPT_OPT_TS,   /* val, ecr */
};

struct script_opt {
	enum script_opt_kind kind;
	uint32_t val; /* MSS, wscale shift, or TS val */
	uint32_t ecr; /* TS ecr */
	uint8_t sack_n;
	struct {
		uint32_t left, right; /* relative, as written ("sack 1:1001") */
	} sack[SCRIPT_MAX_SACK];
	int col; /* where it starts on the line, for diagnostics */
};

/*
 * A deliberately broken inbound segment: "// shakedown: bad_csum
 * opts=fe00 doff=4" after the packet (SYNTAX.md, "Broken segments"). The
 * runner builds the segment as usual, then patches it.
 */
#define SCRIPT_BRK_OPTS_MAX 40 /* raw option bytes ("opts=") */

#define SCRIPT_IPOPTS_MAX 40 /* IPv4 option bytes ("ipopts=") */

struct script_break {
	bool set; /* any directive given */
	/* IP layer, inbound: "src=ADDR", "dst=ADDR", "ipopts=HEX". */
	bool has_src, has_dst;
	struct {
		uint8_t family; /* 4 or 6 (TCP_AF_INET, TCP_AF_INET6) */
		uint8_t a[16];  /* network byte order */
	} src, dst;
	uint8_t ipopt_len; /* > 0: these IPv4 options, padded to 4 bytes */
	uint8_t ipopts[SCRIPT_IPOPTS_MAX];
	bool no_ipopts; /* outbound "ipopts=none": no IP options */
	/* ICMP errors: "qsport=N", "qdport=N" replace the quoted ports. */
	bool has_qsport, has_qdport;
	uint16_t qsport, qdport;
	/* Outbound SYN: "isn_delta=MIN~MAX" (see SYNTAX.md, "Broken segments").
	 */
	bool has_isn_delta;
	uint32_t isn_delta_min, isn_delta_max;
	/* Outbound: "tos=N" (the whole TOS / Traffic Class octet), "ttl=N"
	 * (TTL or hop limit) the packet must carry. */
	bool has_tos, has_ttl;
	uint8_t tos, ttl;
	bool bad_csum; /* "bad_csum": a checksum that is always wrong */
	bool has_csum; /* "csum=N": this checksum field, as is */
	uint16_t csum;
	bool has_opts; /* "opts=HEX": these bytes replace the options */
	uint8_t opt_len;
	uint8_t opts[SCRIPT_BRK_OPTS_MAX];
	bool has_doff; /* "doff=N": this data offset (0..15 words) */
	uint8_t doff;
};

/*
 * "< icmp TYPE [CODE] [mtu N] [start:end(len)]": an ICMP (or, in an IPv6
 * run, ICMPv6) error quoting the stack's segment start:end. Named types
 * and codes have a number for each family; -1 where one family has no
 * counterpart (source_quench in IPv6), which the runner reports.
 */
struct script_icmp {
	int16_t type4, code4; /* ICMP (RFC 792) */
	int16_t type6, code6; /* ICMPv6 (RFC 4443) */
	char name[48];        /* "unreachable port_unreachable" */
	bool has_mtu;         /* "mtu N": the next-hop MTU field */
	uint32_t mtu;
};

/*
 * The ECN codepoint written before the flags, in packetdrill's brackets
 * ("< [ce] . 1:1001(1000) ack 1"): inbound, the ECN field the packet
 * carries; outbound, the one it must carry. NONE: not written (inbound
 * Not-ECT, outbound not checked).
 */
enum script_ecn {
	SCRIPT_ECN_NONE,
	SCRIPT_ECN_NOT_ECT, /* [noecn] */
	SCRIPT_ECN_ECT1,    /* [ect1] */
	SCRIPT_ECN_ECT0,    /* [ect0] */
	SCRIPT_ECN_CE,      /* [ce] */
	SCRIPT_ECN_ECT01,   /* [ect01]: ECT(0) or ECT(1), outbound only */
};

struct script_packet {
	char dir;     /* '<' inbound (to the stack), '>' outbound */
	uint8_t ecn;  /* enum script_ecn */
	bool is_icmp; /* an ICMP error (inbound only), see icmp */
	struct script_icmp icmp;
	uint16_t flags;     /* TCP_FLAG_* from tcpref/wire.h */
	uint32_t seq_start; /* relative to the sender's ISN */
	uint32_t seq_end;
	uint32_t len; /* payload bytes, "(len)" */
	bool has_ack; /* "ack N" given */
	uint32_t ack; /* relative to the receiver's ISN */
	bool has_win; /* "win N" given (omitted outbound: unchecked) */
	uint32_t win;
	bool has_urg; /* "urg N" given */
	uint16_t urg;
	bool opts_any; /* "<...>": options not checked */
	uint8_t opt_n; /* options as listed, in order */
	struct script_opt opts[SCRIPT_MAX_OPTS];
	struct script_break brk; /* "// shakedown: ..." (inbound only) */
};

/* ---- System calls -------------------------------------------------------- */

enum script_expr_kind {
	SCRIPT_EXPR_INT,      /* 42, -1, 0x10 */
	SCRIPT_EXPR_ELLIPSIS, /* ... */
	SCRIPT_EXPR_SYMBOL,   /* SOCK_STREAM, O_NONBLOCK, POLLIN */
	SCRIPT_EXPR_STRING,   /* "text" */
	SCRIPT_EXPR_OR,       /* a | b (lhs, rhs) */
	SCRIPT_EXPR_LIST,     /* [a, b]: elems */
	SCRIPT_EXPR_STRUCT,   /* {name=a, ...}: elems with field names */
	SCRIPT_EXPR_FIELD,    /* name=value inside a struct: lhs */
};

/* An argument tree; nodes live in the script's expression pool. */
struct script_expr {
	enum script_expr_kind kind;
	int64_t num;                /* INT */
	char name[SCRIPT_NAME_MAX]; /* SYMBOL, FIELD name, STRING (cut) */
	int32_t lhs, rhs;           /* pool indexes, -1 when none */
	int32_t first, count;       /* LIST/STRUCT: elems in elem pool */
	int col;
	int32_t str; /* STRING: whole text in the string pool; else -1 */
};

struct script_syscall {
	char name[SCRIPT_NAME_MAX]; /* "socket", "setsockopt", ... */
	uint8_t argc;
	int32_t args[SCRIPT_MAX_ARGS]; /* expression pool indexes */
	int32_t ret;                   /* expected return value expression */
	char err[SCRIPT_NAME_MAX];     /* expected errno name, "" if none */
	char err_text[64]; /* "Operation now in progress" (no parentheses,
	                      cut at 63 bytes), "" if none */
};

/* ---- Events -------------------------------------------------------------- */

enum script_event_kind {
	SCRIPT_EV_PACKET,
	SCRIPT_EV_SYSCALL,
	SCRIPT_EV_COMMAND, /* `shell command` */
};

struct script_event {
	enum script_event_kind kind;
	int line; /* 1-based line of the event in the script */
	int col;  /* column where the event starts (its time) */
	struct script_time time;
	union {
		struct script_packet pkt;
		struct script_syscall sys;
		struct {
			/* Offset of the command in the string pool. */
			int32_t text;
		} cmd;
	} u;
};

/* Comment extensions: "// tags: ...", "// requires: ...", "// config: ..."
 * and "// ip: ...". */
#define SCRIPT_MAX_TAGS 32
#define SCRIPT_MAX_REQUIRES 8
#define SCRIPT_MAX_CONFIG 24

/*
 * A parsed script. Owned by the caller; release with script_free(). Pools
 * grow as needed; indexes stay valid until script_free().
 */
struct script {
	char *path;                  /* as given to script_parse */
	struct script_event *events; /* in file order */
	size_t event_n;
	struct script_expr *exprs; /* expression pool */
	size_t expr_n, expr_cap;
	int32_t *elems; /* LIST/STRUCT element pool */
	size_t elem_n, elem_cap;
	char *strings; /* string pool (commands, STRING args) */
	size_t strings_n, strings_cap;
	size_t tag_n;
	char tags[SCRIPT_MAX_TAGS][SCRIPT_NAME_MAX]; /* MUST-11 ... */
	size_t require_n;
	char requires[SCRIPT_MAX_REQUIRES][SCRIPT_NAME_MAX]; /* rfc5961 ... */
	/* "// config: KEY=VALUE ...": settings of the reference stack
	 * (checked by script_config_check; only the ref target has them). */
	size_t config_n;
	char config[SCRIPT_MAX_CONFIG][SCRIPT_NAME_MAX];
	/* "// ip: ipv4" (4) or "// ip: ipv6" (6); 0: the run decides. */
	uint8_t ip_version;
};

/*
 * Parses the 'len' bytes of 'text' (any bytes: binary, huge lines, no final
 * newline) read from 'path'. Returns 0 and fills *s, or -1 with *d naming
 * the first error (file:line:col, what was expected, the source line for
 * the caret); *s is then empty and needs no script_free(). Never crashes,
 * never reads outside text, never runs anything.
 */
int script_parse(struct script *s, const char *path, const char *text,
                 size_t len, struct diag *d);

/* Reads the file at path and parses it; -1 with *d for I/O errors too. */
int script_parse_file(struct script *s, const char *path, struct diag *d);

/* Frees everything script_parse() allocated. Safe on a zeroed script. */
void script_free(struct script *s);

/* Pool accessors (NULL / 0 for -1 or out-of-range indexes). */
const struct script_expr *script_expr_at(const struct script *s, int32_t i);
const char *script_string_at(const struct script *s, int32_t off);

/*
 * Element k (0-based) of a LIST or STRUCT expression (a FIELD for a
 * STRUCT), or NULL when e is not one or k is out of range.
 */
const struct script_expr *script_expr_elem(const struct script *s,
                                           const struct script_expr *e,
                                           int32_t k);

/*
 * The value of field 'name' of a STRUCT expression ("fd" in
 * {fd=4, events=POLLIN}), or NULL when there is no such field.
 */
const struct script_expr *script_expr_field(const struct script *s,
                                            const struct script_expr *e,
                                            const char *name);

/* Names of the supported system calls, NULL-terminated. */
extern const char *const script_syscall_names[];

/* The settings of "// config:" (one KEY=VALUE word each). */
enum script_config_key {
	SCRIPT_CFG_PROFILE,
	SCRIPT_CFG_TIMESTAMPS,
	SCRIPT_CFG_SACK,
	SCRIPT_CFG_WSCALE,
	SCRIPT_CFG_ECN,
	SCRIPT_CFG_RFC1337,
	SCRIPT_CFG_DELAYED_ACK,
	SCRIPT_CFG_NAGLE,
	SCRIPT_CFG_MSS,
	SCRIPT_CFG_MSL_MS,
	SCRIPT_CFG_KEEPALIVE_IDLE_MS,
	SCRIPT_CFG_KEEPALIVE_INTVL_MS,
	SCRIPT_CFG_KEEPALIVE_PROBES,
	SCRIPT_CFG_USER_TIMEOUT_MS,
	SCRIPT_CFG_KEEPALIVE,
	SCRIPT_CFG_RCVBUF,
	SCRIPT_CFG_SNDBUF,
	SCRIPT_CFG_COUNT
};

/*
 * Checks one "KEY=VALUE" word of "// config:". Returns 0 with the key in
 * *key and the value in *val (profile: 0 default, 1 rfc5961, 2 legacy), or
 * -1 with a message in why[0..n).
 */
int script_config_word(const char *word, enum script_config_key *key,
                       uint64_t *val, char *why, size_t n);

/*
 * The options of an inbound packet as the bytes to send, in the script's
 * order: sack_abs(ctx, N) maps a SACK block's relative number to the
 * stack's sequence space, and TSecr gets ts_map added when ts_known and
 * the packet has ACK (RFC 7323 3.2). Returns the length, or -1 when the
 * options do not fit in cap bytes or one cannot be written.
 */
int script_packet_opts(const struct script_packet *p, uint8_t *b, size_t cap,
                       uint32_t (*sack_abs)(void *ctx, uint32_t rel), void *ctx,
                       bool ts_known, uint32_t ts_map);

/* The IP ECN field an inbound "[...]" puts on the wire (Not-ECT if none). */
uint8_t script_ecn_wire(uint8_t e);

#endif
