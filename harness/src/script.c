/* SPDX-License-Identifier: MIT
 *
 * The script parser (script.h): a hand-written scanner and recursive-descent
 * parser for packetdrill's syntax as conformance/SYNTAX.md describes it. One
 * pass over the text, O(n) in its length, bounded recursion and memory.
 */
#include "shakedown/script.h"
#include "shakedown/script_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpref/seg.h"
#include "tcpref/wire.h"

const char *const script_syscall_names[] = {
	"socket",     "bind",  "listen", "accept",   "connect", "read",
	"write",      "send",  "recv",   "shutdown", "close",   "setsockopt",
	"getsockopt", "fcntl", "poll",   NULL,
};

#define SYSCALL_LIST                                                           \
	"socket, bind, listen, accept, connect, read, write, send, recv, "     \
	"shutdown, close, setsockopt, getsockopt, fcntl, poll"

/* Parser state: a cursor over the text plus the script being built. */
struct parser {
	struct script *s;
	struct diag *d;
	const char *path;
	const char *t; /* the text, len bytes, not NUL-terminated */
	size_t len;
	size_t pos;        /* next byte to read */
	int line;          /* 1-based line of pos */
	size_t line_start; /* offset of the first byte of that line */
	int depth;         /* current nesting of [ and { */
	int64_t prev_us;   /* absolute time of the previous event */
	size_t end_pos;    /* where the event's "~end" or "...end" starts */
	int32_t *stack;    /* scratch: elements of the lists being parsed */
	size_t stack_n, stack_cap;
	int last_line; /* line where the last event ended (0: none yet) */
};

/* ---- Errors -------------------------------------------------------------- */

/* Records an error at byte 'pos' of the line that starts at 'ls'. */
static int perr_v(struct parser *p, int line, size_t ls, size_t pos,
                  const char *fmt, va_list ap)
{
	char msg[DIAG_MSG_MAX];
	const char *nl;
	size_t end;

	if (ls > p->len)
		ls = p->len;
	if (pos < ls)
		pos = ls;
	nl = memchr(p->t + ls, '\n', p->len - ls);
	end = nl != NULL ? (size_t)(nl - p->t) : p->len;
	if (pos > end)
		pos = end;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	return diag_set(p->d, p->path, line, (int)(pos - ls) + 1, p->t + ls,
	                end - ls, "%s", msg);
}

/* An error at 'pos' on the current line. Returns -1. */
static int perr(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = perr_v(p, p->line, p->line_start, pos, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error at 'pos' on an earlier line (line, line start ls). */
static int perr_line(struct parser *p, int line, size_t ls, size_t pos,
                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int perr_line(struct parser *p, int line, size_t ls, size_t pos,
                     const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = perr_v(p, line, ls, pos, fmt, ap);
	va_end(ap);
	return rc;
}

static int col_of(const struct parser *p, size_t pos)
{
	return (int)(pos - p->line_start) + 1;
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident_char(int c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Text bytes: printable ASCII, tab, CR and (in comments, strings) UTF-8. */
static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* What the text holds at pos, for "expected X, got Y" messages. */
static const char *describe(const struct parser *p, size_t pos, char *buf,
                            size_t size)
{
	unsigned char c;
	size_t n = 0;

	if (pos >= p->len)
		return "end of file";
	c = (unsigned char)p->t[pos];
	if (c == '\n' ||
	    (c == '\r' && (pos + 1 >= p->len || p->t[pos + 1] == '\n')))
		return "end of line";
	if (c == '/' && pos + 1 < p->len && p->t[pos + 1] == '/')
		return "end of line";
	if (c == ' ' || c == '\t')
		return "a blank";
	if (c < 0x20 || c >= 0x7f) {
		snprintf(buf, size, "byte 0x%02X (%s)", c,
		         c >= 0x80 ? "non-ASCII outside a comment or string"
		                   : "not text: a binary file?");
		return buf;
	}
	if (is_ident_char(c) || c == '.') {
		while (pos + n < p->len && n < 24 &&
		       (is_ident_char((unsigned char)p->t[pos + n]) ||
		        p->t[pos + n] == '.'))
			n++;
		bool more = pos + n < p->len &&
		            is_ident_char((unsigned char)p->t[pos + n]);
		snprintf(buf, size, "'%.*s%s'", (int)n, p->t + pos,
		         more ? "..." : "");
		return buf;
	}
	snprintf(buf, size, "'%c'", c);
	return buf;
}

/* "expected <what>, got <what is there>" at the cursor. Returns -1. */
static int expected(struct parser *p, const char *what)
{
	char buf[64];

	return perr(p, p->pos, "expected %s, got %s", what,
	            describe(p, p->pos, buf, sizeof(buf)));
}

/* ---- Pools --------------------------------------------------------------- */

/* Grows *arr (elements of 'size' bytes) to hold at least 'need'. */
static int grow(struct parser *p, void **arr, size_t *cap, size_t need,
                size_t size, size_t limit, const char *what)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	if (need > limit)
		return perr(p, p->pos, "too many %s (at most %zu per script)",
		            what, limit);
	ncap = *cap != 0 ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if (ncap > limit)
		ncap = limit;
	n = realloc(*arr, ncap * size);
	if (n == NULL)
		return perr(p, p->pos, "out of memory while parsing");
	*arr = n;
	*cap = ncap;
	return 0;
}

static int32_t new_expr(struct parser *p, enum script_expr_kind kind,
                        size_t pos)
{
	struct script *s = p->s;
	struct script_expr *e;

	if (grow(p, (void **)&s->exprs, &s->expr_cap, s->expr_n + 1,
	         sizeof(*s->exprs), SCRIPT_MAX_EXPRS, "expressions") < 0)
		return -1;
	e = &s->exprs[s->expr_n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->lhs = e->rhs = -1;
	e->str = -1;
	e->col = col_of(p, pos);
	return (int32_t)s->expr_n++;
}

/* Reserves n bytes plus a NUL in the string pool; returns the offset. */
static int32_t reserve_string(struct parser *p, size_t n)
{
	struct script *s = p->s;
	size_t off = s->strings_n;

	if (grow(p, (void **)&s->strings, &s->strings_cap, off + n + 1, 1,
	         SCRIPT_MAX_STRINGS, "string bytes") < 0)
		return -1;
	s->strings[off + n] = '\0';
	s->strings_n = off + n + 1;
	return (int32_t)off;
}

static int push_elem(struct parser *p, int32_t e)
{
	if (grow(p, (void **)&p->stack, &p->stack_cap, p->stack_n + 1,
	         sizeof(*p->stack), SCRIPT_MAX_EXPRS, "expressions") < 0)
		return -1;
	p->stack[p->stack_n++] = e;
	return 0;
}

/* Moves the scratch elements from 'mark' up into the element pool. */
static int pop_elems(struct parser *p, size_t mark, int32_t list)
{
	struct script *s = p->s;
	size_t n = p->stack_n - mark;

	if (grow(p, (void **)&s->elems, &s->elem_cap, s->elem_n + n,
	         sizeof(*s->elems), SCRIPT_MAX_EXPRS, "list elements") < 0)
		return -1;
	if (n > 0)
		memcpy(s->elems + s->elem_n, p->stack + mark,
		       n * sizeof(int32_t));
	s->exprs[list].first = (int32_t)s->elem_n;
	s->exprs[list].count = (int32_t)n;
	s->elem_n += n;
	p->stack_n = mark;
	return 0;
}

/* ---- Scanning ------------------------------------------------------------ */

static int peek_at(const struct parser *p, size_t k)
{
	return p->pos + k < p->len ? (unsigned char)p->t[p->pos + k] : -1;
}

static int peek(const struct parser *p)
{
	return peek_at(p, 0);
}

static bool at_ellipsis(const struct parser *p)
{
	return peek(p) == '.' && peek_at(p, 1) == '.' && peek_at(p, 2) == '.';
}

/* The cursor is at the start of a line: refuses overlong lines. */
static int check_line(struct parser *p)
{
	const char *nl = memchr(p->t + p->pos, '\n', p->len - p->pos);
	size_t n =
	    nl != NULL ? (size_t)(nl - (p->t + p->pos)) : p->len - p->pos;

	if (n > SCRIPT_LINE_MAX)
		return perr(p, p->line_start + SCRIPT_LINE_MAX,
		            "line is too long (%zu bytes; at most %d)", n,
		            SCRIPT_LINE_MAX);
	return 0;
}

/* Steps over the '\n' at the cursor. */
static int newline(struct parser *p)
{
	p->pos++;
	p->line++;
	p->line_start = p->pos;
	return check_line(p);
}

/* Stores the words of a "tags:" or "requires:" comment. */
static int comment_words(struct parser *p, size_t pos, size_t end,
                         char (*dst)[SCRIPT_NAME_MAX], size_t *n, size_t max,
                         const char *what)
{
	while (pos < end) {
		size_t w = pos;

		if (p->t[pos] == ' ' || p->t[pos] == '\t' || p->t[pos] == ',' ||
		    p->t[pos] == '\r') {
			pos++;
			continue;
		}
		while (pos < end && p->t[pos] != ' ' && p->t[pos] != '\t' &&
		       p->t[pos] != ',' && p->t[pos] != '\r')
			pos++;
		if (pos - w >= SCRIPT_NAME_MAX)
			return perr(
			    p, w,
			    "%s '%.20s...' is too long (at most %d bytes)",
			    what, p->t + w, SCRIPT_NAME_MAX - 1);
		if (*n >= max)
			return perr(p, w,
			            "too many %ss (at most %zu per script)",
			            what, max);
		memcpy(dst[*n], p->t + w, pos - w);
		dst[*n][pos - w] = '\0';
		(*n)++;
	}
	return 0;
}

/*
 * "// ip: ipv4" or "// ip: ipv6": the IP version the script runs over,
 * whatever the command line says. One word; a second "ip:" comment may
 * only repeat it.
 */
static int ip_comment(struct parser *p, size_t pos, size_t end)
{
	size_t w, e;
	uint8_t v = 0;

	while (pos < end && (p->t[pos] == ' ' || p->t[pos] == '\t'))
		pos++;
	w = pos;
	while (pos < end && p->t[pos] != ' ' && p->t[pos] != '\t' &&
	       p->t[pos] != '\r')
		pos++;
	e = pos;
	while (pos < end &&
	       (p->t[pos] == ' ' || p->t[pos] == '\t' || p->t[pos] == '\r'))
		pos++;
	if (e - w == 4 && memcmp(p->t + w, "ipv4", 4) == 0)
		v = 4;
	else if (e - w == 4 && memcmp(p->t + w, "ipv6", 4) == 0)
		v = 6;
	if (v == 0 || pos < end) {
		size_t bs = v == 0 ? w : pos, be = v == 0 ? e : end;

		if (be == bs)
			return perr(p, bs,
			            "expected ipv4 or ipv6 after 'ip:', got "
			            "the end of the line");
		if (v != 0)
			return perr(p, bs,
			            "expected the end of the line after 'ip: "
			            "ipv%u', got '%.*s'",
			            (unsigned)v,
			            (int)(be - bs > 20 ? 20 : be - bs),
			            p->t + bs);
		return perr(p, bs,
		            "expected ipv4 or ipv6 after 'ip:', got '%.*s'",
		            (int)(be - bs > 20 ? 20 : be - bs), p->t + bs);
	}
	if (p->s->ip_version != 0 && p->s->ip_version != v)
		return perr(p, w,
		            "conflicting 'ip:' comments: ipv%u, then ipv%u",
		            (unsigned)p->s->ip_version, (unsigned)v);
	p->s->ip_version = v;
	return 0;
}

static int hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A number of a "shakedown:" word, decimal or 0x hex, in [w, e). */
static int brk_number(struct parser *p, size_t w, size_t e, uint32_t max,
                      const char *what, uint32_t *v)
{
	size_t i = w;
	uint64_t x = 0; /* 64 bits: no wrap before the range check */
	int base = 10;

	if (e - w > 2 && p->t[w] == '0' && (p->t[w + 1] | 0x20) == 'x') {
		base = 16;
		i += 2;
	}
	if (i == e)
		return perr(p, w, "expected a number after '%s=', got %s", what,
		            w == e ? "nothing" : "'0x' alone");
	for (; i < e; i++) {
		int dv = hex_val((unsigned char)p->t[i]);

		if (dv < 0 || dv >= base)
			return perr(p, i,
			            "expected a %s digit in '%s=', got '%c'",
			            base == 16 ? "hex" : "decimal", what,
			            p->t[i]);
		x = x * (uint64_t)base + (uint64_t)dv;
		if (x > max)
			return perr(p, w,
			            "%s=%.*s is out of range (at most %u)",
			            what, (int)(e - w > 20 ? 20 : e - w),
			            p->t + w, (unsigned)max);
	}
	*v = (uint32_t)x;
	return 0;
}

/*
 * "opts=HEX" and "ipopts=HEX": hex bytes, two digits each, optionally
 * separated by ','; at most 'max' of them into buf, their number in *n.
 */
static int brk_hex(struct parser *p, size_t w, size_t e, const char *what,
                   uint8_t *buf, uint8_t *n, size_t max)
{
	size_t i = w;

	if (i == e)
		return perr(p, w,
		            "expected hex option bytes after '%s=' (e.g. "
		            "%s=fe00), got nothing",
		            what, what);
	*n = 0;
	while (i < e) {
		int hi = hex_val((unsigned char)p->t[i]);
		int lo = i + 1 < e ? hex_val((unsigned char)p->t[i + 1]) : -1;

		if (hi < 0 || lo < 0) {
			size_t at = hi < 0 ? i : i + 1;

			if (at >= e)
				return perr(
				    p, i,
				    "expected two hex digits per option "
				    "byte in '%s=', got an odd number",
				    what);
			return perr(p, i,
			            "expected a hex digit in '%s=', got '%c'",
			            what, p->t[at]);
		}
		if (*n >= max)
			return perr(p, i,
			            "too many option bytes in '%s=' (at most "
			            "%zu)",
			            what, max);
		buf[(*n)++] = (uint8_t)(hi * 16 + lo);
		i += 2;
		if (i < e && p->t[i] == ',') {
			i++;
			if (i == e)
				return perr(p, i,
				            "expected a hex byte after ',' in "
				            "'%s=', got nothing",
				            what);
		}
	}
	return 0;
}

#define BRK_WORDS                                                              \
	"bad_csum, csum=, opts=, doff=, src=, dst=, ipopts=, qsport=, "        \
	"qdport=, isn_delta=, tos= or ttl="

/* "src=ADDR", "dst=ADDR": an IPv4 or IPv6 address in [w, e). */
static int brk_addr(struct parser *p, size_t w, size_t e, const char *what,
                    uint8_t *family, uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n = e - w;

	memset(a, 0, 16);
	*family = 0;
	if (n == 0 || n >= sizeof(buf))
		return perr(p, w,
		            "expected an IPv4 or IPv6 address after '%s=', "
		            "got %s",
		            what, n == 0 ? "nothing" : "a longer word");
	memcpy(buf, p->t + w, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1) {
		*family = TCP_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a) == 1) {
		*family = TCP_AF_INET6;
		return 0;
	}
	return perr(p, w,
	            "expected an IPv4 or IPv6 address after '%s=', got '%s'",
	            what, buf);
}

/* "isn_delta=MIN~MAX": two numbers below 2^32. */
static int brk_range(struct parser *p, size_t w, size_t e,
                     struct script_break *b)
{
	size_t t = w;

	while (t < e && p->t[t] != '~')
		t++;
	if (t == e)
		return perr(p, w,
		            "expected 'MIN~MAX' after 'isn_delta=' (e.g. "
		            "isn_delta=250000~2147483647)");
	if (brk_number(p, w, t, UINT32_MAX, "isn_delta", &b->isn_delta_min) <
	        0 ||
	    brk_number(p, t + 1, e, UINT32_MAX, "isn_delta",
	               &b->isn_delta_max) < 0)
		return -1;
	if (b->isn_delta_min > b->isn_delta_max)
		return perr(p, w, "isn_delta=%u~%u: the range is empty",
		            (unsigned)b->isn_delta_min,
		            (unsigned)b->isn_delta_max);
	b->has_isn_delta = true;
	return 0;
}

static bool brk_is(const struct parser *p, size_t w, size_t eq, size_t e,
                   const char *word, bool value)
{
	size_t n = strlen(word);

	return eq - w == n && memcmp(p->t + w, word, n) == 0 &&
	       (value ? eq < e : eq == e);
}

/*
 * "// shakedown: WORD ..." after a packet on the same line: how to break an
 * inbound segment, its IP layer, the quote of an ICMP error, or what to
 * check of an outbound packet: a SYN's ISN, the TOS octet, the TTL, the
 * IP destination and options (SYNTAX.md, "Broken segments").
 */
static int brk_comment(struct parser *p, size_t kw, size_t pos, size_t end)
{
	struct script_event *ev;
	struct script_packet *pk;
	struct script_break *b;
	bool any = false;

	if (p->s->event_n == 0 || p->last_line != p->line)
		return perr(p, kw,
		            "a 'shakedown:' comment must follow a packet on "
		            "the same line");
	ev = &p->s->events[p->s->event_n - 1];
	if (ev->kind != SCRIPT_EV_PACKET)
		return perr(p, kw,
		            "a 'shakedown:' comment applies to packets only");
	pk = &ev->u.pkt;
	b = &pk->brk;
	while (pos < end) {
		size_t w, e, eq;
		uint32_t v;
		bool out_ok = false, tcp_only = false, icmp_only = false;

		if (p->t[pos] == ' ' || p->t[pos] == '\t' ||
		    p->t[pos] == '\r') {
			pos++;
			continue;
		}
		w = pos;
		while (pos < end && p->t[pos] != ' ' && p->t[pos] != '\t' &&
		       p->t[pos] != '\r')
			pos++;
		e = pos;
		for (eq = w; eq < e && p->t[eq] != '='; eq++)
			;
		any = true;
		if (brk_is(p, w, eq, e, "bad_csum", false)) {
			tcp_only = true;
			if (b->bad_csum || b->has_csum)
				return perr(p, w,
				            "checksum given twice in a "
				            "'shakedown:' comment");
			b->bad_csum = true;
		} else if (brk_is(p, w, eq, e, "csum", true)) {
			tcp_only = true;
			if (b->bad_csum || b->has_csum)
				return perr(p, w,
				            "checksum given twice in a "
				            "'shakedown:' comment");
			if (brk_number(p, eq + 1, e, 0xffff, "csum", &v) < 0)
				return -1;
			b->has_csum = true;
			b->csum = (uint16_t)v;
		} else if (brk_is(p, w, eq, e, "opts", true)) {
			tcp_only = true;
			if (b->has_opts)
				return perr(p, w,
				            "'opts=' given twice in a "
				            "'shakedown:' comment");
			if (brk_hex(p, eq + 1, e, "opts", b->opts, &b->opt_len,
			            SCRIPT_BRK_OPTS_MAX) < 0)
				return -1;
			b->has_opts = true;
		} else if (brk_is(p, w, eq, e, "doff", true)) {
			tcp_only = true;
			if (b->has_doff)
				return perr(p, w,
				            "'doff=' given twice in a "
				            "'shakedown:' comment");
			if (brk_number(p, eq + 1, e, 15, "doff", &v) < 0)
				return -1;
			b->has_doff = true;
			b->doff = (uint8_t)v;
		} else if (brk_is(p, w, eq, e, "src", true) ||
		           brk_is(p, w, eq, e, "dst", true)) {
			bool src = p->t[w] == 's';
			bool *has = src ? &b->has_src : &b->has_dst;

			out_ok = !src; /* outbound: the first hop expected */
			if (*has)
				return perr(
				    p, w,
				    "'%s=' given twice in a 'shakedown:' "
				    "comment",
				    src ? "src" : "dst");
			if (brk_addr(p, eq + 1, e, src ? "src" : "dst",
			             src ? &b->src.family : &b->dst.family,
			             src ? b->src.a : b->dst.a) < 0)
				return -1;
			*has = true;
		} else if (brk_is(p, w, eq, e, "ipopts", true)) {
			out_ok = true; /* outbound: the options expected */
			if (b->ipopt_len > 0 || b->no_ipopts)
				return perr(p, w,
				            "'ipopts=' given twice in a "
				            "'shakedown:' comment");
			if (pk->dir == '>' && e - eq - 1 == 4 &&
			    memcmp(p->t + eq + 1, "none", 4) == 0)
				b->no_ipopts = true;
			else if (brk_hex(p, eq + 1, e, "ipopts", b->ipopts,
			                 &b->ipopt_len, SCRIPT_IPOPTS_MAX) < 0)
				return -1;
		} else if (brk_is(p, w, eq, e, "qsport", true) ||
		           brk_is(p, w, eq, e, "qdport", true)) {
			bool sp = p->t[w + 1] == 's';
			bool *has = sp ? &b->has_qsport : &b->has_qdport;

			icmp_only = true;
			if (*has)
				return perr(p, w,
				            "'%s=' given twice in a "
				            "'shakedown:' comment",
				            sp ? "qsport" : "qdport");
			if (brk_number(p, eq + 1, e, 0xffff,
			               sp ? "qsport" : "qdport", &v) < 0)
				return -1;
			*has = true;
			*(sp ? &b->qsport : &b->qdport) = (uint16_t)v;
		} else if (brk_is(p, w, eq, e, "isn_delta", true)) {
			out_ok = true;
			if (b->has_isn_delta)
				return perr(p, w,
				            "'isn_delta=' given twice in a "
				            "'shakedown:' comment");
			if (pk->dir != '>' ||
			    (pk->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) !=
			        TCP_FLAG_SYN)
				return perr(
				    p, w,
				    "'isn_delta=' applies to an outbound "
				    "SYN ('> S') only");
			if (brk_range(p, eq + 1, e, b) < 0)
				return -1;
		} else if (brk_is(p, w, eq, e, "tos", true) ||
		           brk_is(p, w, eq, e, "ttl", true)) {
			/* IP fields every outbound packet can be checked for
			 * (MUST-48, MUST-49, SHLD-22). */
			bool tos = p->t[w + 1] == 'o';
			bool *has = tos ? &b->has_tos : &b->has_ttl;

			out_ok = true;
			if (*has)
				return perr(p, w,
				            "'%s=' given twice in a "
				            "'shakedown:' comment",
				            tos ? "tos" : "ttl");
			if (pk->dir != '>')
				return perr(p, w,
				            "'%s=' applies to outbound ('>') "
				            "packets only",
				            tos ? "tos" : "ttl");
			if (brk_number(p, eq + 1, e, 0xff, tos ? "tos" : "ttl",
			               &v) < 0)
				return -1;
			*has = true;
			*(tos ? &b->tos : &b->ttl) = (uint8_t)v;
		} else {
			return perr(p, w,
			            "expected " BRK_WORDS
			            " in a 'shakedown:' comment, got '%.*s'",
			            (int)(e - w > 20 ? 20 : e - w), p->t + w);
		}
		if (!out_ok && pk->dir != '<')
			return perr(
			    p, w,
			    "'%.*s' applies to inbound ('<') packets only",
			    (int)(eq - w > 20 ? 20 : eq - w), p->t + w);
		if (tcp_only && pk->is_icmp)
			return perr(
			    p, w, "'%.*s' applies to TCP segments, not to ICMP",
			    (int)(eq - w > 20 ? 20 : eq - w), p->t + w);
		if (icmp_only && !pk->is_icmp)
			return perr(p, w,
			            "'%.*s' applies to ICMP errors ('< icmp') "
			            "only",
			            (int)(eq - w > 20 ? 20 : eq - w), p->t + w);
	}
	if (!any)
		return perr(p, end,
		            "expected " BRK_WORDS
		            " after 'shakedown:', got the end of the line");
	b->set = true;
	return 0;
}

/* A "//" comment up to (not including) the end of the line. */
static int line_comment(struct parser *p)
{
	const char *nl = memchr(p->t + p->pos, '\n', p->len - p->pos);
	size_t end = nl != NULL ? (size_t)(nl - p->t) : p->len;
	size_t pos = p->pos + 2;

	for (size_t i = pos; i < end; i++)
		if (is_control((unsigned char)p->t[i]))
			return perr(
			    p, i,
			    "control byte 0x%02X in a comment (not text: a binary file?)",
			    (unsigned char)p->t[i]);
	while (pos < end && (p->t[pos] == ' ' || p->t[pos] == '\t'))
		pos++;
	if (end - pos >= 5 && memcmp(p->t + pos, "tags:", 5) == 0) {
		if (comment_words(p, pos + 5, end, p->s->tags, &p->s->tag_n,
		                  SCRIPT_MAX_TAGS, "tag") < 0)
			return -1;
	} else if (end - pos >= 9 && memcmp(p->t + pos, "requires:", 9) == 0) {
		if (comment_words(p, pos + 9, end, p->s->requires,
		                  &p->s->require_n, SCRIPT_MAX_REQUIRES,
		                  "requirement") < 0)
			return -1;
	} else if (end - pos >= 7 && memcmp(p->t + pos, "config:", 7) == 0) {
		size_t first = p->s->config_n, k;

		if (comment_words(p, pos + 7, end, p->s->config,
		                  &p->s->config_n, SCRIPT_MAX_CONFIG,
		                  "config setting") < 0)
			return -1;
		for (k = first; k < p->s->config_n; k++) {
			char why[320];
			enum script_config_key key;
			uint64_t v;
			/* Within the line: the text has no NUL at its end
			 * (found by fuzz_script: strstr read past it). */
			const char *at =
			    memmem(p->t + pos, end - pos, p->s->config[k],
			           strlen(p->s->config[k]));

			if (script_config_word(p->s->config[k], &key, &v, why,
			                       sizeof(why)) != 0)
				return perr(p, at ? (size_t)(at - p->t) : pos,
				            "%s", why);
		}
	} else if (end - pos >= 3 && memcmp(p->t + pos, "ip:", 3) == 0) {
		if (ip_comment(p, pos + 3, end) < 0)
			return -1;
	} else if (end - pos >= 10 &&
	           memcmp(p->t + pos, "shakedown:", 10) == 0) {
		if (brk_comment(p, pos, pos + 10, end) < 0)
			return -1;
	}
	p->pos = end;
	return 0;
}

static int block_comment(struct parser *p)
{
	int line = p->line;
	size_t ls = p->line_start, start = p->pos;

	p->pos += 2;
	for (;;) {
		int c = peek(p);

		if (c < 0)
			return perr_line(
			    p, line, ls, start,
			    "unterminated comment: '/*' has no closing '*/'");
		if (c == '*' && peek_at(p, 1) == '/') {
			p->pos += 2;
			return 0;
		}
		if (c == '\n') {
			if (newline(p) < 0)
				return -1;
			continue;
		}
		if (is_control((unsigned char)c))
			return perr(
			    p, p->pos,
			    "control byte 0x%02X in a comment (not text: a binary file?)",
			    (unsigned char)c);
		p->pos++;
	}
}

/*
 * Skips blanks and block comments; with 'nl' also line comments and line
 * ends (inside parentheses and between events).
 */
static int skip_space(struct parser *p, bool nl)
{
	for (;;) {
		int c = peek(p);

		if (c == ' ' || c == '\t' || c == '\r') {
			p->pos++;
		} else if (c == '/' && peek_at(p, 1) == '*') {
			if (block_comment(p) < 0)
				return -1;
		} else if (nl && c == '/' && peek_at(p, 1) == '/') {
			if (line_comment(p) < 0)
				return -1;
		} else if (nl && c == '\n') {
			if (newline(p) < 0)
				return -1;
		} else {
			return 0;
		}
	}
}

/* End of the event's line: a line end, a "//" comment or the end. */
static bool at_eol(const struct parser *p)
{
	int c = peek(p);

	return c < 0 || c == '\n' || (c == '/' && peek_at(p, 1) == '/');
}

/* Reads a name [A-Za-z_][A-Za-z0-9_]* into buf (SCRIPT_NAME_MAX). */
static int read_ident(struct parser *p, char *buf)
{
	size_t start = p->pos, n;

	while (p->pos < p->len && is_ident_char((unsigned char)p->t[p->pos]))
		p->pos++;
	n = p->pos - start;
	if (n >= SCRIPT_NAME_MAX)
		return perr(
		    p, start,
		    "name '%.20s...' is too long (at most %d characters)",
		    p->t + start, SCRIPT_NAME_MAX - 1);
	memcpy(buf, p->t + start, n);
	buf[n] = '\0';
	return 0;
}

/*
 * Reads an unsigned number (decimal or 0x hex) no larger than 'max'.
 * 'what' names it in the error when there is none.
 */
static int read_uint(struct parser *p, uint64_t max, uint64_t *v,
                     const char *what, const char *name)
{
	size_t start = p->pos;
	bool hex = false, over = false;
	uint64_t x = 0;
	int digits = 0;

	if (!is_digit(peek(p)))
		return expected(p, what);
	if (peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'X')) {
		hex = true;
		p->pos += 2;
	}
	for (;;) {
		int c = peek(p), dv;

		if (is_digit(c))
			dv = c - '0';
		else if (hex && c >= 'a' && c <= 'f')
			dv = c - 'a' + 10;
		else if (hex && c >= 'A' && c <= 'F')
			dv = c - 'A' + 10;
		else
			break;
		if (x > (UINT64_MAX - (uint64_t)dv) / (hex ? 16 : 10))
			over = true;
		else
			x = x * (hex ? 16 : 10) + (uint64_t)dv;
		digits++;
		p->pos++;
	}
	if (is_ident_char(peek(p)) || (hex && digits == 0)) {
		while (is_ident_char(peek(p)))
			p->pos++;
		return perr(p, start, "malformed number '%.*s'",
		            (int)(p->pos - start > 24 ? 24 : p->pos - start),
		            p->t + start);
	}
	if (over || x > max)
		return perr(p, start, "%s %.*s is out of range (at most %llu)",
		            name,
		            (int)(p->pos - start > 24 ? 24 : p->pos - start),
		            p->t + start, (unsigned long long)max);
	*v = x;
	return 0;
}

static int read_u32(struct parser *p, uint32_t max, uint32_t *v,
                    const char *what, const char *name)
{
	uint64_t x;

	if (read_uint(p, max, &x, what, name) < 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Expects character c (after blanks) or fails with "expected <what>". */
static int expect_char(struct parser *p, int c, const char *what)
{
	if (skip_space(p, false) < 0)
		return -1;
	if (peek(p) != c)
		return expected(p, what);
	p->pos++;
	return 0;
}

/* ---- Times --------------------------------------------------------------- */

/* Formats microseconds as seconds with at least three decimals. */
static const char *fmt_time(int64_t us, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%lld.%06lld", (long long)(us / 1000000),
	                 (long long)(us % 1000000));

	while (n > 0 && buf[n - 1] == '0' && buf[n - 4] != '.')
		buf[--n] = '\0';
	return buf;
}

/* One time value: [+](digits[.digits] | .digits), in microseconds. */
static int read_time_value(struct parser *p, enum script_time_kind *kind,
                           int64_t *us, const char *what)
{
	size_t start = p->pos;
	int64_t sec = 0, frac = 0;
	int fd = 0;

	*kind = SCRIPT_TIME_ABS;
	if (peek(p) == '+') {
		*kind = SCRIPT_TIME_REL;
		p->pos++;
	}
	if (!is_digit(peek(p)) && !(peek(p) == '.' && is_digit(peek_at(p, 1))))
		return expected(p, what);
	while (is_digit(peek(p))) {
		sec = sec * 10 + (peek(p) - '0');
		p->pos++;
		if (sec > SCRIPT_TIME_MAX_S)
			return perr(p, start,
			            "time is too large (at most %d seconds)",
			            SCRIPT_TIME_MAX_S);
	}
	if (peek(p) == '.' && is_digit(peek_at(p, 1))) {
		p->pos++;
		while (is_digit(peek(p))) {
			if (++fd > 6)
				return perr(
				    p, p->pos,
				    "time has more than 6 decimals (the resolution is 1 microsecond)");
			frac = frac * 10 + (peek(p) - '0');
			p->pos++;
		}
	}
	while (fd++ < 6)
		frac *= 10;
	*us = sec * 1000000 + frac;
	return 0;
}

static int parse_time(struct parser *p, struct script_time *t)
{
	memset(t, 0, sizeof(*t));
	t->block_end_kind = SCRIPT_TIME_ABS;
	if (peek(p) == '*') {
		p->pos++;
		t->kind = t->end_kind = SCRIPT_TIME_ANY;
		return 0;
	}
	if (read_time_value(
	        p, &t->kind, &t->start_us,
	        "a time (such as 0, 0.100, +0, +.1 or *) at the start of the event") <
	    0)
		return -1;
	t->end_kind = t->kind;
	t->end_us = t->start_us;
	if (peek(p) == '~') {
		p->end_pos = ++p->pos;
		return read_time_value(p, &t->end_kind, &t->end_us,
		                       "the end of the time range after '~'");
	}
	if (at_ellipsis(p)) {
		p->pos += 3;
		p->end_pos = p->pos;
		t->blocking = true;
		return read_time_value(
		    p, &t->block_end_kind, &t->block_end_us,
		    "the end of the blocking time after '...'");
	}
	return 0;
}

/* Absolute time of a value written relative to the previous event. */
static int64_t resolve(const struct parser *p, enum script_time_kind k,
                       int64_t us)
{
	return k == SCRIPT_TIME_REL ? p->prev_us + us : us;
}

/*
 * Checks the event's time once its kind is known: times never go
 * backwards, ranges are not reversed, '*' and "..." fit the event.
 */
static int check_time(struct parser *p, const struct script_event *ev,
                      size_t tpos, bool outbound)
{
	const struct script_time *t = &ev->time;
	char a[32], b[32];
	int64_t start, end;

	if (t->kind == SCRIPT_TIME_ANY) {
		if (!outbound)
			return perr(
			    p, tpos,
			    "'*' (any time) is allowed only for outbound packets ('>')");
		return 0;
	}
	if (t->blocking && ev->kind != SCRIPT_EV_SYSCALL)
		return perr(
		    p, tpos,
		    "a blocking time 'start...end' is allowed only for system calls");
	start = resolve(p, t->kind, t->start_us);
	if (start < p->prev_us)
		return perr(
		    p, tpos,
		    "time %s is before the previous event's time %s (times must not go backwards)",
		    fmt_time(start, a, sizeof(a)),
		    fmt_time(p->prev_us, b, sizeof(b)));
	end = resolve(p, t->end_kind, t->end_us);
	if (end < start)
		return perr(
		    p, p->end_pos,
		    "bad time range: the end (%s) is before the start (%s)",
		    fmt_time(end, a, sizeof(a)), fmt_time(start, b, sizeof(b)));
	if (t->blocking) {
		end = resolve(p, t->block_end_kind, t->block_end_us);
		if (end < start)
			return perr(
			    p, p->end_pos,
			    "bad blocking time: the end (%s) is before the start (%s)",
			    fmt_time(end, a, sizeof(a)),
			    fmt_time(start, b, sizeof(b)));
	}
	if (start > (int64_t)SCRIPT_TIME_MAX_S * 1000000 ||
	    end > (int64_t)SCRIPT_TIME_MAX_S * 1000000)
		return perr(p, tpos, "time is too large (at most %d seconds)",
		            SCRIPT_TIME_MAX_S);
	/*
	 * As in packetdrill, the next relative time counts from this event's
	 * start, also for a blocking call: the events that happen while the
	 * call blocks (the SYN a blocking connect sends) follow it with "+0".
	 */
	p->prev_us = start;
	return 0;
}

/* ---- Packets ------------------------------------------------------------- */

static int flag_bit(int c)
{
	switch (c) {
	case 'S':
		return TCP_FLAG_SYN;
	case '.':
		return TCP_FLAG_ACK;
	case 'P':
		return TCP_FLAG_PSH;
	case 'F':
		return TCP_FLAG_FIN;
	case 'R':
		return TCP_FLAG_RST;
	case 'U':
		return TCP_FLAG_URG;
	case 'E':
		return TCP_FLAG_ECE;
	case 'W':
		return TCP_FLAG_CWR;
	default:
		return 0;
	}
}

static int parse_flags(struct parser *p, struct script_packet *pkt)
{
	int c = peek(p);

	if (c < 0x21 || c > 0x7e)
		return expected(p, "TCP flags (S . P F R U E W)");
	for (; c >= 0x21 && c <= 0x7e; c = peek(p)) {
		int bit = flag_bit(c);

		if (bit == 0)
			return perr(
			    p, p->pos,
			    "unknown TCP flag '%c' (expected S . P F R U E W)",
			    c);
		if (pkt->flags & bit)
			return perr(p, p->pos, "TCP flag '%c' is given twice",
			            c);
		pkt->flags |= (uint16_t)bit;
		p->pos++;
	}
	return 0;
}

static int parse_sack(struct parser *p, struct script_opt *o)
{
	if (skip_space(p, false) < 0)
		return -1;
	if (!is_digit(peek(p)))
		return expected(p, "a SACK block 'left:right' after 'sack'");
	while (is_digit(peek(p))) {
		uint32_t l, r;

		if (o->sack_n >= SCRIPT_MAX_SACK)
			return perr(p, p->pos,
			            "too many SACK blocks (at most %d)",
			            SCRIPT_MAX_SACK);
		if (read_u32(p, UINT32_MAX, &l, "the left edge of a SACK block",
		             "SACK edge") < 0 ||
		    expect_char(p, ':', "':' in the SACK block 'left:right'") <
		        0 ||
		    skip_space(p, false) < 0 ||
		    read_u32(p, UINT32_MAX, &r,
		             "the right edge of a SACK block", "SACK edge") < 0)
			return -1;
		o->sack[o->sack_n].left = l;
		o->sack[o->sack_n].right = r;
		o->sack_n++;
		if (skip_space(p, false) < 0)
			return -1;
	}
	return 0;
}

static int expect_word(struct parser *p, const char *word, const char *what)
{
	char name[SCRIPT_NAME_MAX];
	size_t start;

	if (skip_space(p, false) < 0)
		return -1;
	start = p->pos;
	if (!is_ident_start(peek(p)))
		return expected(p, what);
	if (read_ident(p, name) < 0)
		return -1;
	if (strcmp(name, word) != 0) {
		p->pos = start;
		return expected(p, what);
	}
	return skip_space(p, false);
}

#define OPT_LIST "mss, wscale, sackOK, sack, TS, nop, eol"

static int parse_option(struct parser *p, struct script_opt *o)
{
	char name[SCRIPT_NAME_MAX];
	size_t start = p->pos;
	uint32_t v;

	memset(o, 0, sizeof(*o));
	o->col = col_of(p, start);
	if (!is_ident_start(peek(p)))
		return expected(p, "a TCP option (" OPT_LIST ")");
	if (read_ident(p, name) < 0)
		return -1;
	if (strcmp(name, "nop") == 0) {
		o->kind = SCRIPT_OPT_NOP;
	} else if (strcmp(name, "eol") == 0) {
		o->kind = SCRIPT_OPT_EOL;
	} else if (strcmp(name, "sackOK") == 0) {
		o->kind = SCRIPT_OPT_SACKOK;
	} else if (strcmp(name, "mss") == 0) {
		o->kind = SCRIPT_OPT_MSS;
		if (skip_space(p, false) < 0 ||
		    read_u32(p, 65535, &v, "the MSS value after 'mss'", "mss") <
		        0)
			return -1;
		o->val = v;
	} else if (strcmp(name, "wscale") == 0) {
		o->kind = SCRIPT_OPT_WSCALE;
		if (skip_space(p, false) < 0 ||
		    read_u32(p, 255, &v, "the shift count after 'wscale'",
		             "wscale") < 0)
			return -1;
		o->val = v;
	} else if (strcmp(name, "sack") == 0) {
		o->kind = SCRIPT_OPT_SACK;
		return parse_sack(p, o);
	} else if (strcmp(name, "TS") == 0) {
		o->kind = SCRIPT_OPT_TS;
		if (expect_word(p, "val", "'val' after 'TS'") < 0 ||
		    read_u32(p, UINT32_MAX, &o->val, "the TS value after 'val'",
		             "TS val") < 0 ||
		    expect_word(p, "ecr", "'ecr' after the TS value") < 0 ||
		    read_u32(p, UINT32_MAX, &o->ecr,
		             "the TS echo reply after 'ecr'", "TS ecr") < 0)
			return -1;
	} else {
		return perr(p, start,
		            "unknown TCP option '%s' (expected " OPT_LIST ")",
		            name);
	}
	return 0;
}

static int parse_options(struct parser *p, struct script_packet *pkt)
{
	size_t open = p->pos;
	char what[96];

	p->pos++; /* '<' */
	if (skip_space(p, false) < 0)
		return -1;
	if (at_ellipsis(p)) {
		p->pos += 3;
		pkt->opts_any = true;
		return expect_char(p, '>', "'>' after '<...'");
	}
	snprintf(what, sizeof(what),
	         "',' or '>' to close the option list opened at column %d",
	         col_of(p, open));
	for (;;) {
		if (pkt->opt_n >= SCRIPT_MAX_OPTS)
			return perr(p, p->pos,
			            "too many TCP options (at most %d)",
			            SCRIPT_MAX_OPTS);
		if (parse_option(p, &pkt->opts[pkt->opt_n]) < 0)
			return -1;
		pkt->opt_n++;
		if (skip_space(p, false) < 0)
			return -1;
		if (peek(p) == '>') {
			p->pos++;
			return 0;
		}
		if (peek(p) != ',')
			return expected(p, what);
		p->pos++;
		if (skip_space(p, false) < 0)
			return -1;
	}
}

/*
 * ICMP error types and codes by name, with their ICMP (RFC 792, RFC 1812
 * 5.2.7.1) and ICMPv6 (RFC 4443) numbers; -1: no counterpart.
 */
struct icmp_name {
	const char *name;
	int16_t v4, v6;
};

static const struct icmp_name icmp_types[] = {
	{ "unreachable", 3, 1 },     { "source_quench", 4, -1 },
	{ "time_exceeded", 11, 3 },  { "parameter_problem", 12, 4 },
	{ "packet_too_big", -1, 2 },
};

/* Destination Unreachable codes (frag_needed is Packet Too Big in v6). */
static const struct icmp_name icmp_unreach_codes[] = {
	{ "net_unreachable", 0, 0 },
	{ "host_unreachable", 1, 3 },
	{ "protocol_unreachable", 2, -1 },
	{ "port_unreachable", 3, 4 },
	{ "frag_needed", 4, 0 },
	{ "source_route_failed", 5, -1 },
	{ "net_unknown", 6, 0 },
	{ "host_unknown", 7, 3 },
	{ "host_isolated", 8, -1 },
	{ "net_prohibited", 9, 1 },
	{ "host_prohibited", 10, 1 },
	{ "net_tos", 11, -1 },
	{ "host_tos", 12, -1 },
	{ "admin_prohibited", 13, 1 },
};

static const struct icmp_name icmp_time_codes[] = {
	{ "ttl_exceeded", 0, 0 },
	{ "reassembly_timeout", 1, 1 },
};

static const struct icmp_name *icmp_lookup(const struct icmp_name *t, size_t n,
                                           const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* A TYPE or CODE word: a name of tab[], or a number 0..255 (both
 * families). */
static int icmp_word(struct parser *p, const struct icmp_name *tab, size_t n,
                     const char *what, int16_t *v4, int16_t *v6)
{
	char name[SCRIPT_NAME_MAX];
	size_t at = p->pos;
	uint32_t v;

	if (is_digit(peek(p))) {
		if (read_u32(p, 255, &v, what,
		             tab == icmp_types ? "ICMP type" : "ICMP code") < 0)
			return -1;
		*v4 = *v6 = (int16_t)v;
		return 0;
	}
	if (!is_ident_start(peek(p)) || read_ident(p, name) < 0)
		return expected(p, what);
	{
		const struct icmp_name *e = icmp_lookup(tab, n, name);

		if (e == NULL) {
			p->pos = at;
			return expected(p, what);
		}
		*v4 = e->v4;
		*v6 = e->v6;
	}
	return 0;
}

/* The quoted segment "[start:end(len)]" of an ICMP error. */
static int parse_quote(struct parser *p, struct script_packet *pkt)
{
	size_t start = p->pos;

	if (expect_char(p, '[', "the quoted segment '[start:end(length)]'") <
	        0 ||
	    skip_space(p, false) < 0 ||
	    read_u32(p, UINT32_MAX, &pkt->seq_start,
	             "the quoted sequence range 'start:end(length)'",
	             "sequence number") < 0 ||
	    expect_char(p, ':', "':' in the quoted range 'start:end(length)'") <
	        0 ||
	    read_u32(p, UINT32_MAX, &pkt->seq_end,
	             "the end of the quoted range 'start:end(length)'",
	             "sequence number") < 0 ||
	    expect_char(p, '(', "'(' and the length in 'start:end(length)'") <
	        0 ||
	    read_u32(p, UINT32_MAX, &pkt->len,
	             "the length in 'start:end(length)'", "length") < 0 ||
	    expect_char(p, ')', "')' after the length in 'start:end(length)'") <
	        0 ||
	    skip_space(p, false) < 0 ||
	    expect_char(p, ']', "']' after the quoted segment") < 0)
		return -1;
	if (pkt->seq_end - pkt->seq_start != pkt->len)
		return perr(
		    p, start + 1,
		    "sequence range %u:%u spans %u bytes but the length says %u",
		    pkt->seq_start, pkt->seq_end, pkt->seq_end - pkt->seq_start,
		    pkt->len);
	return 0;
}

/*
 * "< icmp TYPE [CODE] [mtu N] [start:end(length)]" (SYNTAX.md, "ICMP
 * errors"): an error message about the stack's segment start:end.
 */
static int parse_icmp(struct parser *p, struct script_packet *pkt)
{
	struct script_icmp *ic = &pkt->icmp;
	size_t tstart = p->pos, cstart;
	char name[SCRIPT_NAME_MAX];

	pkt->is_icmp = true;
	if (pkt->dir != '<')
		return perr(p, tstart - 4,
		            "ICMP from the stack ('> icmp') is not checked: "
		            "only inbound ICMP errors ('< icmp') exist");
	if (skip_space(p, false) < 0)
		return -1;
	tstart = p->pos;
	if (icmp_word(p, icmp_types, TCP_ARRAY_LEN(icmp_types),
	              "an ICMP type (unreachable, source_quench, "
	              "time_exceeded, parameter_problem, packet_too_big or "
	              "a number)",
	              &ic->type4, &ic->type6) < 0)
		return -1;
	snprintf(ic->name, sizeof(ic->name), "%.*s", (int)(p->pos - tstart),
	         p->t + tstart);
	ic->code4 = ic->code6 = 0;
	if (skip_space(p, false) < 0)
		return -1;
	cstart = p->pos;
	if (is_ident_start(peek(p)) || is_digit(peek(p))) {
		const struct icmp_name *tab = NULL;
		size_t n = 0;
		int16_t c4, c6;
		size_t save = p->pos;

		if (is_ident_start(peek(p))) {
			if (read_ident(p, name) < 0)
				return -1;
			p->pos = save;
		}
		if (!is_digit(peek(p)) && strcmp(name, "mtu") == 0)
			goto after_code;
		if (ic->type4 == 3) {
			tab = icmp_unreach_codes;
			n = TCP_ARRAY_LEN(icmp_unreach_codes);
		} else if (ic->type4 == 11) {
			tab = icmp_time_codes;
			n = TCP_ARRAY_LEN(icmp_time_codes);
		}
		if (icmp_word(p, tab, n,
		              tab == icmp_unreach_codes
		                  ? "an unreachable code (net_unreachable, "
		                    "host_unreachable, protocol_unreachable, "
		                    "port_unreachable, frag_needed, ... or a "
		                    "number)"
		              : tab == icmp_time_codes
		                  ? "a time_exceeded code (ttl_exceeded, "
		                    "reassembly_timeout or a number)"
		                  : "a code number",
		              &c4, &c6) < 0)
			return -1;
		ic->code4 = c4;
		ic->code6 = c6;
		/* IPv6 has Packet Too Big where IPv4 has a code. */
		if (tab == icmp_unreach_codes && c4 == 4 && c6 == 0 &&
		    !is_digit(p->t[cstart])) {
			ic->type6 = 2;
			ic->code6 = 0;
		}
		if (tab == icmp_unreach_codes && c6 < 0)
			ic->type6 = -1;
		snprintf(ic->name, sizeof(ic->name), "%.*s",
		         (int)(p->pos - tstart), p->t + tstart);
		if (skip_space(p, false) < 0)
			return -1;
	}
after_code:
	if (is_ident_start(peek(p))) {
		size_t kw = p->pos;

		if (read_ident(p, name) < 0)
			return -1;
		if (strcmp(name, "mtu") != 0) {
			p->pos = kw;
			return expected(p, "'mtu N' or the quoted segment "
			                   "'[start:end(length)]'");
		}
		if (skip_space(p, false) < 0 ||
		    read_u32(p, 0xffff, &ic->mtu, "a number after 'mtu'",
		             "mtu") < 0 ||
		    skip_space(p, false) < 0)
			return -1;
		ic->has_mtu = true;
	}
	if (parse_quote(p, pkt) < 0 || skip_space(p, false) < 0)
		return -1;
	if (!at_eol(p))
		return expected(p, "the end of the line after the quoted "
		                   "segment");
	return 0;
}

/*
 * packetdrill's ECN codepoint before the flags: "[noecn]", "[ect0]",
 * "[ect1]", "[ce]", and outbound "[ect01]" (either ECT). The cursor is on
 * the '['.
 */
static int parse_ecn(struct parser *p, struct script_packet *pkt)
{
	static const struct {
		const char *name;
		uint8_t ecn;
	} names[] = {
		{ "noecn", SCRIPT_ECN_NOT_ECT }, { "ect0", SCRIPT_ECN_ECT0 },
		{ "ect1", SCRIPT_ECN_ECT1 },     { "ce", SCRIPT_ECN_CE },
		{ "ect01", SCRIPT_ECN_ECT01 },
	};
	char name[SCRIPT_NAME_MAX];
	size_t at, k;

	p->pos++;
	if (skip_space(p, false) < 0)
		return -1;
	at = p->pos;
	if (!is_ident_start(peek(p)))
		return expected(p, "an ECN codepoint (noecn, ect0, ect1, ce "
		                   "or ect01) after '['");
	if (read_ident(p, name) < 0)
		return -1;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(name, names[k].name) == 0)
			break;
	if (k == sizeof(names) / sizeof(names[0])) {
		if (strcmp(name, "tos") == 0 || strcmp(name, "ttl") == 0)
			return perr(p, at,
			            "'[%s ...]' is not supported; write '// "
			            "shakedown: %s=N' after an outbound packet",
			            name, name);
		return perr(p, at,
		            "unknown ECN codepoint '%s' (expected noecn, ect0, "
		            "ect1, ce or ect01)",
		            name);
	}
	if (names[k].ecn == SCRIPT_ECN_ECT01 && pkt->dir != '>')
		return perr(p, at,
		            "'[ect01]' applies to outbound ('>') packets only; "
		            "an inbound packet carries one codepoint");
	pkt->ecn = names[k].ecn;
	if (expect_char(p, ']', "']' after the ECN codepoint") < 0 ||
	    skip_space(p, false) < 0)
		return -1;
	if (p->len - p->pos >= 4 && memcmp(p->t + p->pos, "icmp", 4) == 0)
		return perr(p, at - 1,
		            "an ECN codepoint '[%s]' applies to TCP segments, "
		            "not to ICMP",
		            name);
	return 0;
}

static int parse_packet(struct parser *p, struct script_packet *pkt)
{
	size_t start;
	uint32_t span;

	pkt->dir = (char)peek(p);
	p->pos++;
	if (skip_space(p, false) < 0)
		return -1;
	if (peek(p) == '[' && parse_ecn(p, pkt) < 0)
		return -1;
	if (p->len - p->pos >= 4 && memcmp(p->t + p->pos, "icmp", 4) == 0 &&
	    (p->len - p->pos == 4 || !is_ident_char(p->t[p->pos + 4]))) {
		p->pos += 4;
		return parse_icmp(p, pkt);
	}
	if (parse_flags(p, pkt) < 0 || skip_space(p, false) < 0)
		return -1;
	start = p->pos;
	if (read_u32(p, UINT32_MAX, &pkt->seq_start,
	             "the sequence range 'start:end(length)' after the flags",
	             "sequence number") < 0 ||
	    expect_char(p, ':',
	                "':' in the sequence range 'start:end(length)'") < 0 ||
	    skip_space(p, false) < 0 ||
	    read_u32(p, UINT32_MAX, &pkt->seq_end,
	             "the end of the sequence range 'start:end(length)'",
	             "sequence number") < 0 ||
	    expect_char(p, '(', "'(' and the length in 'start:end(length)'") <
	        0 ||
	    skip_space(p, false) < 0 ||
	    read_u32(p, UINT32_MAX, &pkt->len,
	             "the length in 'start:end(length)'", "length") < 0 ||
	    expect_char(p, ')', "')' after the length in 'start:end(length)'") <
	        0)
		return -1;
	span = pkt->seq_end - pkt->seq_start;
	if (span != pkt->len)
		return perr(
		    p, start,
		    "sequence range %u:%u spans %u bytes but the length says %u",
		    pkt->seq_start, pkt->seq_end, span, pkt->len);
	for (;;) {
		char name[SCRIPT_NAME_MAX];
		size_t kw;
		uint32_t v;

		if (skip_space(p, false) < 0)
			return -1;
		if (at_eol(p))
			return 0;
		if (peek(p) == '<')
			return parse_options(p, pkt);
		kw = p->pos;
		if (!is_ident_start(peek(p)))
			return expected(
			    p,
			    "'ack', 'win', 'urg', '<options>' or the end of the line");
		if (read_ident(p, name) < 0)
			return -1;
		if (strcmp(name, "ack") == 0) {
			if (pkt->has_ack)
				return perr(p, kw, "'ack' is given twice");
			if (skip_space(p, false) < 0 ||
			    read_u32(p, UINT32_MAX, &pkt->ack,
			             "a number after 'ack'", "ack") < 0)
				return -1;
			pkt->has_ack = true;
		} else if (strcmp(name, "win") == 0) {
			if (pkt->has_win)
				return perr(p, kw, "'win' is given twice");
			if (skip_space(p, false) < 0 ||
			    read_u32(p, 65535, &pkt->win,
			             "a number after 'win'", "win") < 0)
				return -1;
			pkt->has_win = true;
		} else if (strcmp(name, "urg") == 0) {
			if (pkt->has_urg)
				return perr(p, kw, "'urg' is given twice");
			if (skip_space(p, false) < 0 ||
			    read_u32(p, 65535, &v, "a number after 'urg'",
			             "urg") < 0)
				return -1;
			pkt->urg = (uint16_t)v;
			pkt->has_urg = true;
		} else {
			p->pos = kw;
			return expected(
			    p,
			    "'ack', 'win', 'urg', '<options>' or the end of the line");
		}
	}
}

/* ---- System calls -------------------------------------------------------- */

static int parse_expr(struct parser *p, int32_t *out);

/* A number, possibly negative, for arguments and return values. */
static int parse_int(struct parser *p, int32_t *out)
{
	size_t start = p->pos;
	bool neg = false;
	uint64_t v;
	int32_t e;

	if (peek(p) == '-') {
		neg = true;
		p->pos++;
	}
	if (read_uint(p, INT64_MAX, &v, "a number after '-'", "number") < 0)
		return -1;
	if ((e = new_expr(p, SCRIPT_EXPR_INT, start)) < 0)
		return -1;
	p->s->exprs[e].num = neg ? -(int64_t)v : (int64_t)v;
	*out = e;
	return 0;
}

static int parse_string(struct parser *p, int32_t *out)
{
	size_t start = p->pos, i, n = 0;
	int32_t e, off;
	char *dst;

	for (i = start + 1; i < p->len && p->t[i] != '"'; i++) {
		unsigned char c = (unsigned char)p->t[i];

		if (c == '\n')
			break;
		if (is_control(c))
			return perr(p, i, "control byte 0x%02X in a string", c);
		if (c == '\\' && i + 1 < p->len && p->t[i + 1] != '\n')
			i++;
		n++;
	}
	if (i >= p->len || p->t[i] != '"')
		return perr(
		    p, start,
		    "unterminated string: '\"' has no closing '\"' on this line");
	if ((e = new_expr(p, SCRIPT_EXPR_STRING, start)) < 0 ||
	    (off = reserve_string(p, n)) < 0)
		return -1;
	dst = p->s->strings + off;
	for (i = start + 1; p->t[i] != '"'; i++) {
		char c = p->t[i];

		if (c == '\\') {
			c = p->t[++i];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		*dst++ = c;
	}
	p->pos = i + 1;
	p->s->exprs[e].str = off;
	snprintf(p->s->exprs[e].name, SCRIPT_NAME_MAX, "%s",
	         p->s->strings + off);
	*out = e;
	return 0;
}

/* [a, b, ...] or {name=a, ...}; the cursor is on the bracket. */
static int parse_list(struct parser *p, int32_t *out)
{
	bool is_struct = peek(p) == '{';
	int close = is_struct ? '}' : ']';
	size_t open = p->pos, mark = p->stack_n;
	char what[128];
	int32_t e;

	if (++p->depth > SCRIPT_MAX_DEPTH)
		return perr(
		    p, open,
		    "too deeply nested: more than %d levels of [ ] and { }",
		    SCRIPT_MAX_DEPTH);
	if ((e = new_expr(p, is_struct ? SCRIPT_EXPR_STRUCT : SCRIPT_EXPR_LIST,
	                  open)) < 0)
		return -1;
	snprintf(what, sizeof(what),
	         "',' or '%c' to close the '%c' opened at line %d, column %d",
	         close, is_struct ? '{' : '[', p->line, col_of(p, open));
	p->pos++;
	if (skip_space(p, true) < 0)
		return -1;
	if (peek(p) != close) {
		for (;;) {
			int32_t item;

			if (is_struct) {
				size_t fpos = p->pos;
				int32_t val;

				if (!is_ident_start(peek(p)))
					return expected(
					    p,
					    "a field name (such as l_onoff=) in '{ }'");
				if ((item = new_expr(p, SCRIPT_EXPR_FIELD,
				                     fpos)) < 0 ||
				    read_ident(p, p->s->exprs[item].name) < 0 ||
				    skip_space(p, true) < 0)
					return -1;
				if (peek(p) != '=') {
					char w[64];

					snprintf(
					    w, sizeof(w),
					    "'=' after the field name '%s'",
					    p->s->exprs[item].name);
					return expected(p, w);
				}
				p->pos++;
				if (skip_space(p, true) < 0 ||
				    parse_expr(p, &val) < 0)
					return -1;
				p->s->exprs[item].lhs = val;
			} else if (parse_expr(p, &item) < 0) {
				return -1;
			}
			if (push_elem(p, item) < 0 || skip_space(p, true) < 0)
				return -1;
			if (peek(p) == close)
				break;
			if (peek(p) != ',')
				return expected(p, what);
			p->pos++;
			if (skip_space(p, true) < 0)
				return -1;
		}
	}
	p->pos++;
	p->depth--;
	*out = e;
	return pop_elems(p, mark, e);
}

static int parse_primary(struct parser *p, int32_t *out)
{
	size_t start = p->pos;
	int c = peek(p);
	int32_t e;

	if (at_ellipsis(p)) {
		if ((e = new_expr(p, SCRIPT_EXPR_ELLIPSIS, start)) < 0)
			return -1;
		p->pos += 3;
		*out = e;
		return 0;
	}
	if (c == '-' || is_digit(c))
		return parse_int(p, out);
	if (c == '"')
		return parse_string(p, out);
	if (c == '[' || c == '{')
		return parse_list(p, out);
	if (is_ident_start(c)) {
		if ((e = new_expr(p, SCRIPT_EXPR_SYMBOL, start)) < 0 ||
		    read_ident(p, p->s->exprs[e].name) < 0 ||
		    skip_space(p, true) < 0)
			return -1;
		if (peek(p) == '(') {
			const char *fn = p->s->exprs[e].name;
			bool port = strcmp(fn, "htons") == 0;
			bool addr = strcmp(fn, "inet_addr") == 0 ||
			            strcmp(fn, "inet6_addr") == 0;
			int32_t in;

			/* packetdrill's sockaddr helpers: htons(8080) is the
			 * port 8080, inet_addr("192.0.2.1") the address. */
			if (!port && !addr)
				return perr(
				    p, start,
				    "function calls such as '%s(...)' are not supported in arguments (only htons(N), inet_addr(\"A\") and inet6_addr(\"A\"); write the value, a SYMBOL or ...)",
				    fn);
			p->pos++;
			if (skip_space(p, true) < 0)
				return -1;
			if (port ? !is_digit(peek(p)) : peek(p) != '"')
				return expected(p,
				                port
				                    ? "a port number in htons()"
				                    : "an address \"A\" in "
				                      "inet_addr()");
			if ((port ? parse_int(p, &in) : parse_string(p, &in)) <
			        0 ||
			    skip_space(p, true) < 0 ||
			    expect_char(p, ')', "')' after the argument") < 0)
				return -1;
			*out = in;
			return 0;
		}
		*out = e;
		return 0;
	}
	return expected(
	    p,
	    "an argument (a number, a SYMBOL, \"string\", [list], {struct} or ...)");
}

/* primary { '|' primary } */
static int parse_expr(struct parser *p, int32_t *out)
{
	int32_t lhs, rhs, e;

	if (parse_primary(p, &lhs) < 0)
		return -1;
	for (;;) {
		size_t bar;

		if (skip_space(p, true) < 0)
			return -1;
		if (peek(p) != '|')
			break;
		bar = p->pos++;
		if (skip_space(p, true) < 0 || parse_primary(p, &rhs) < 0 ||
		    (e = new_expr(p, SCRIPT_EXPR_OR, bar)) < 0)
			return -1;
		p->s->exprs[e].lhs = lhs;
		p->s->exprs[e].rhs = rhs;
		lhs = e;
	}
	*out = lhs;
	return 0;
}

static bool is_errno_name(const char *n)
{
	if (n[0] != 'E' || n[1] == '\0')
		return false;
	for (const char *c = n + 1; *c != '\0'; c++)
		if (!((*c >= 'A' && *c <= 'Z') || is_digit(*c)))
			return false;
	return true;
}

/* "= ret [ERRNO [(text)]]" after the closing parenthesis. */
static int parse_result(struct parser *p, struct script_syscall *sc)
{
	char what[96];
	size_t start;
	int c;

	snprintf(what, sizeof(what), "'= result' after '%s(...)'", sc->name);
	if (skip_space(p, false) < 0)
		return -1;
	if (peek(p) != '=')
		return expected(p, what);
	p->pos++;
	if (skip_space(p, false) < 0)
		return -1;
	start = p->pos;
	c = peek(p);
	if (at_ellipsis(p)) {
		if ((sc->ret = new_expr(p, SCRIPT_EXPR_ELLIPSIS, start)) < 0)
			return -1;
		p->pos += 3;
	} else if (c == '-' || is_digit(c)) {
		if (parse_int(p, &sc->ret) < 0)
			return -1;
	} else if (is_ident_start(c)) {
		/* A SYMBOL, or flags ORed on this line: "= O_RDWR|O_NONBLOCK".
		 */
		if ((sc->ret = new_expr(p, SCRIPT_EXPR_SYMBOL, start)) < 0 ||
		    read_ident(p, p->s->exprs[sc->ret].name) < 0)
			return -1;
		for (;;) {
			int32_t rhs, e;
			size_t bar;

			if (skip_space(p, false) < 0)
				return -1;
			if (peek(p) != '|')
				break;
			bar = p->pos++;
			if (skip_space(p, false) < 0)
				return -1;
			if (!is_ident_start(peek(p)))
				return expected(p, "a SYMBOL after '|'");
			if ((rhs = new_expr(p, SCRIPT_EXPR_SYMBOL, p->pos)) <
			        0 ||
			    read_ident(p, p->s->exprs[rhs].name) < 0 ||
			    (e = new_expr(p, SCRIPT_EXPR_OR, bar)) < 0)
				return -1;
			p->s->exprs[e].lhs = sc->ret;
			p->s->exprs[e].rhs = rhs;
			sc->ret = e;
		}
	} else {
		return expected(
		    p, "a return value (a number, a SYMBOL or ...) after '='");
	}
	if (skip_space(p, false) < 0)
		return -1;
	if (at_eol(p))
		return 0;
	start = p->pos;
	if (!is_ident_start(peek(p)))
		return expected(
		    p, "an errno name (such as EAGAIN) or the end of the line");
	if (read_ident(p, sc->err) < 0)
		return -1;
	if (!is_errno_name(sc->err)) {
		sc->err[0] = '\0';
		p->pos = start;
		return expected(
		    p, "an errno name (such as EAGAIN) or the end of the line");
	}
	if (skip_space(p, false) < 0)
		return -1;
	if (peek(p) == '(') {
		size_t open = p->pos, i = p->pos + 1, n;
		int depth = 1;

		for (; i < p->len && p->t[i] != '\n'; i++) {
			unsigned char b = (unsigned char)p->t[i];

			if (is_control(b))
				return perr(
				    p, i,
				    "control byte 0x%02X in the errno text", b);
			if (b == '(')
				depth++;
			else if (b == ')' && --depth == 0)
				break;
		}
		if (i >= p->len || p->t[i] != ')')
			return perr(
			    p, open,
			    "unterminated errno text: '(' has no closing ')' on this line");
		n = i - open - 1;
		if (n >= sizeof(sc->err_text))
			n = sizeof(sc->err_text) - 1;
		memcpy(sc->err_text, p->t + open + 1, n);
		sc->err_text[n] = '\0';
		p->pos = i + 1;
	}
	return 0;
}

static int parse_syscall(struct parser *p, struct script_syscall *sc,
                         size_t name_pos)
{
	int line = p->line;
	size_t ls = p->line_start, open = p->pos;
	char what[128];
	int i;

	for (i = 0; script_syscall_names[i] != NULL; i++)
		if (strcmp(script_syscall_names[i], sc->name) == 0)
			break;
	if (script_syscall_names[i] == NULL)
		return perr(p, name_pos,
		            "unknown system call '%s' (supported: " SYSCALL_LIST
		            ")",
		            sc->name);
	sc->ret = -1;
	for (i = 0; i < SCRIPT_MAX_ARGS; i++)
		sc->args[i] = -1;
	snprintf(
	    what, sizeof(what),
	    "',' or ')' after an argument of '%s' (opened at line %d, column %d)",
	    sc->name, line, (int)(open - ls) + 1);
	p->pos++; /* '(' */
	if (skip_space(p, true) < 0)
		return -1;
	if (peek(p) != ')') {
		for (;;) {
			if (sc->argc >= SCRIPT_MAX_ARGS)
				return perr(p, p->pos,
				            "too many arguments (at most %d)",
				            SCRIPT_MAX_ARGS);
			if (parse_expr(p, &sc->args[sc->argc]) < 0)
				return -1;
			sc->argc++;
			if (skip_space(p, true) < 0)
				return -1;
			if (peek(p) == ')')
				break;
			if (peek(p) != ',')
				return expected(p, what);
			p->pos++;
			if (skip_space(p, true) < 0)
				return -1;
		}
	}
	p->pos++;
	return parse_result(p, sc);
}

/* ---- Commands and events ------------------------------------------------- */

static int parse_command(struct parser *p, struct script_event *ev)
{
	int line = p->line;
	size_t ls = p->line_start, start = p->pos, n;
	bool blank = true;
	int32_t off;

	p->pos++;
	for (;;) {
		int c = peek(p);

		if (c < 0)
			return perr_line(
			    p, line, ls, start,
			    "unterminated command: '`' has no closing '`'");
		if (c == '`')
			break;
		if (c == '\n') {
			if (newline(p) < 0)
				return -1;
			continue;
		}
		if (is_control((unsigned char)c))
			return perr(
			    p, p->pos,
			    "control byte 0x%02X in a command (not text: a binary file?)",
			    (unsigned char)c);
		if (c != ' ' && c != '\t' && c != '\r')
			blank = false;
		p->pos++;
	}
	if (blank)
		return perr_line(p, line, ls, start,
		                 "empty shell command '``'");
	n = p->pos - start - 1;
	if ((off = reserve_string(p, n)) < 0)
		return -1;
	memcpy(p->s->strings + off, p->t + start + 1, n);
	p->pos++;
	ev->kind = SCRIPT_EV_COMMAND;
	ev->u.cmd.text = off;
	return 0;
}

static int unsupported_at_start(struct parser *p)
{
	if (peek(p) == '%' && peek_at(p, 1) == '{')
		return perr(
		    p, p->pos,
		    "Python blocks '%%{ ... }%%' are not supported; check the socket with events instead, e.g. getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0");
	if (peek(p) == '-' && peek_at(p, 1) == '-')
		return perr(
		    p, p->pos,
		    "packetdrill command-line options in scripts ('--name=value') are not supported; the target profile sets these values");
	return 0;
}

static int add_event(struct parser *p, const struct script_event *ev,
                     size_t pos)
{
	struct script *s = p->s;
	size_t n = s->event_n;

	if (n >= SCRIPT_MAX_EVENTS)
		return perr(p, pos, "too many events (at most %d per script)",
		            SCRIPT_MAX_EVENTS);
	/* No capacity field: the array holds 16, 32, 64, ... events. */
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		size_t ncap = n == 0 ? 16 : n * 2;
		void *nv = realloc(s->events, ncap * sizeof(*s->events));

		if (nv == NULL)
			return perr(p, pos, "out of memory while parsing");
		s->events = nv;
	}
	s->events[s->event_n++] = *ev;
	return 0;
}

static int parse_event(struct parser *p)
{
	struct script_event ev;
	size_t tpos = p->pos, body;
	bool outbound = false;
	int c;

	memset(&ev, 0, sizeof(ev));
	ev.line = p->line;
	ev.col = col_of(p, tpos);
	if (unsupported_at_start(p) < 0)
		return -1;
	if (peek(p) == '`') {
		/* packetdrill allows a command without a time: "+0". */
		ev.time.kind = ev.time.end_kind = SCRIPT_TIME_REL;
		ev.time.block_end_kind = SCRIPT_TIME_ABS;
		if (parse_command(p, &ev) < 0)
			return -1;
		return add_event(p, &ev, tpos);
	}
	if (parse_time(p, &ev.time) < 0 || skip_space(p, false) < 0 ||
	    unsupported_at_start(p) < 0)
		return -1;
	body = p->pos;
	c = peek(p);
	if (c == '<' || c == '>') {
		ev.kind = SCRIPT_EV_PACKET;
		outbound = c == '>';
		if (check_time(p, &ev, tpos, outbound) < 0 ||
		    parse_packet(p, &ev.u.pkt) < 0)
			return -1;
	} else if (c == '`') {
		ev.kind = SCRIPT_EV_COMMAND;
		if (check_time(p, &ev, tpos, false) < 0 ||
		    parse_command(p, &ev) < 0)
			return -1;
	} else if (is_ident_start(c)) {
		struct script_syscall *sc = &ev.u.sys;

		ev.kind = SCRIPT_EV_SYSCALL;
		if (read_ident(p, sc->name) < 0 || skip_space(p, false) < 0)
			return -1;
		if (peek(p) != '(') {
			bool known = false;

			for (int i = 0; script_syscall_names[i] != NULL; i++)
				known |= strcmp(script_syscall_names[i],
				                sc->name) == 0;
			if (known)
				return expected(
				    p, "'(' after the system call name");
			p->pos = body;
			return expected(
			    p,
			    "a packet ('<' or '>'), a system call or a `command` after the time");
		}
		if (check_time(p, &ev, tpos, false) < 0 ||
		    parse_syscall(p, sc, body) < 0)
			return -1;
	} else {
		return expected(
		    p,
		    "a packet ('<' or '>'), a system call or a `command` after the time");
	}
	return add_event(p, &ev, tpos);
}

static int parse_all(struct parser *p)
{
	if (p->len > SCRIPT_MAX_BYTES)
		return diag_set(p->d, p->path, 0, 0, NULL, 0,
		                "script is too large (%zu bytes; at most %u)",
		                p->len, SCRIPT_MAX_BYTES);
	if (check_line(p) < 0)
		return -1;
	for (;;) {
		if (skip_space(p, true) < 0)
			return -1;
		if (p->pos >= p->len)
			break;
		if (parse_event(p) < 0)
			return -1;
		p->last_line = p->line;
		if (skip_space(p, false) < 0)
			return -1;
		if (!at_eol(p))
			return expected(p,
			                "the end of the line after the event");
	}
	if (p->s->event_n == 0)
		return expected(
		    p,
		    "at least one event (a packet, a system call or a `command`)");
	return 0;
}

/* ---- Public API ---------------------------------------------------------- */

int script_parse(struct script *s, const char *path, const char *text,
                 size_t len, struct diag *d)
{
	struct parser p;
	int rc;

	memset(s, 0, sizeof(*s));
	diag_clear(d);
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.d = d;
	p.path = path != NULL ? path : "";
	p.t = text != NULL ? text : "";
	p.len = text != NULL ? len : 0;
	p.line = 1;
	rc = parse_all(&p);
	free(p.stack);
	if (rc == 0) {
		s->path = strdup(p.path);
		if (s->path == NULL)
			rc = diag_set(d, p.path, 0, 0, NULL, 0,
			              "out of memory while parsing");
	}
	if (rc < 0) {
		script_free(s);
		if (d->msg[0] == '\0')
			diag_set(d, p.path, 0, 0, NULL, 0, "parse error");
		return -1;
	}
	return 0;
}

int script_parse_file(struct script *s, const char *path, struct diag *d)
{
	FILE *fp;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	diag_clear(d);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return diag_set(d, path, 0, 0, NULL, 0, "cannot open: %s",
		                strerror(errno));
	for (;;) {
		size_t got;

		if (n == cap) {
			char *nb;

			if (cap > SCRIPT_MAX_BYTES) {
				free(buf);
				fclose(fp);
				return diag_set(
				    d, path, 0, 0, NULL, 0,
				    "script is too large (more than %u bytes)",
				    SCRIPT_MAX_BYTES);
			}
			cap = cap != 0 ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(fp);
				return diag_set(
				    d, path, 0, 0, NULL, 0,
				    "out of memory reading the script");
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;

		free(buf);
		fclose(fp);
		return diag_set(d, path, 0, 0, NULL, 0, "cannot read: %s",
		                strerror(e));
	}
	fclose(fp);
	rc = script_parse(s, path, buf != NULL ? buf : "", n, d);
	free(buf);
	return rc;
}

void script_free(struct script *s)
{
	free(s->path);
	free(s->events);
	free(s->exprs);
	free(s->elems);
	free(s->strings);
	memset(s, 0, sizeof(*s));
}

const struct script_expr *script_expr_at(const struct script *s, int32_t i)
{
	if (i < 0 || (size_t)i >= s->expr_n)
		return NULL;
	return &s->exprs[i];
}

const char *script_string_at(const struct script *s, int32_t off)
{
	if (off < 0 || (size_t)off >= s->strings_n)
		return NULL;
	return &s->strings[off];
}

const struct script_expr *
script_expr_elem(const struct script *s, const struct script_expr *e, int32_t k)
{
	if (e == NULL ||
	    (e->kind != SCRIPT_EXPR_LIST && e->kind != SCRIPT_EXPR_STRUCT) ||
	    k < 0 || k >= e->count || e->first < 0 ||
	    (size_t)e->first + (size_t)k >= s->elem_n)
		return NULL;
	return script_expr_at(s, s->elems[e->first + k]);
}

const struct script_expr *script_expr_field(const struct script *s,
                                            const struct script_expr *e,
                                            const char *name)
{
	if (e == NULL || e->kind != SCRIPT_EXPR_STRUCT)
		return NULL;
	for (int32_t k = 0; k < e->count; k++) {
		const struct script_expr *f = script_expr_elem(s, e, k);

		if (f != NULL && f->kind == SCRIPT_EXPR_FIELD &&
		    strcmp(f->name, name) == 0)
			return script_expr_at(s, f->lhs);
	}
	return NULL;
}

/* ---- "// config:" ------------------------------------------------------ */

/* The table and the checks live in script_config.h, which plugins/ref reads
 * too (it links no harness code). */
int script_config_word(const char *word, enum script_config_key *key,
                       uint64_t *val, char *why, size_t n)
{
	return script_config_parse(word, key, val, why, n);
}

/* ---- Options as bytes -----------------------------------------------------
 */

int script_packet_opts(const struct script_packet *p, uint8_t *b, size_t cap,
                       uint32_t (*sack_abs)(void *ctx, uint32_t rel), void *ctx,
                       bool ts_known, uint32_t ts_map)
{
	size_t n = 0, k;
	uint8_t s;

	for (k = 0; k < p->opt_n && k < SCRIPT_MAX_OPTS; k++) {
		const struct script_opt *o = &p->opts[k];
		size_t need = 1;
		uint32_t ecr;

		switch (o->kind) {
		case SCRIPT_OPT_MSS:
			need = 4;
			break;
		case SCRIPT_OPT_WSCALE:
			need = 3;
			break;
		case SCRIPT_OPT_SACKOK:
			need = 2;
			break;
		case SCRIPT_OPT_SACK:
			need = 2 + 8 * (size_t)o->sack_n;
			break;
		case SCRIPT_OPT_TS:
			need = 10;
			break;
		default:
			break;
		}
		if (n + need > cap)
			return -1;
		switch (o->kind) {
		case SCRIPT_OPT_NOP:
			b[n] = TCP_OPT_NOP;
			break;
		case SCRIPT_OPT_EOL:
			b[n] = TCP_OPT_EOL;
			break;
		case SCRIPT_OPT_MSS:
			b[n] = TCP_OPT_MSS;
			b[n + 1] = 4;
			tcp_wire_wr16(b + n + 2, (uint16_t)o->val);
			break;
		case SCRIPT_OPT_WSCALE:
			b[n] = TCP_OPT_WS;
			b[n + 1] = 3;
			b[n + 2] = (uint8_t)o->val;
			break;
		case SCRIPT_OPT_SACKOK:
			b[n] = TCP_OPT_SACKOK;
			b[n + 1] = 2;
			break;
		case SCRIPT_OPT_SACK:
			b[n] = TCP_OPT_SACK;
			b[n + 1] = (uint8_t)need;
			for (s = 0; s < o->sack_n && s < SCRIPT_MAX_SACK; s++) {
				tcp_wire_wr32(b + n + 2 + 8 * s,
				              sack_abs(ctx, o->sack[s].left));
				tcp_wire_wr32(b + n + 6 + 8 * s,
				              sack_abs(ctx, o->sack[s].right));
			}
			break;
		case SCRIPT_OPT_TS:
			ecr = o->ecr;
			if (ts_known && (p->flags & TCP_FLAG_ACK))
				ecr += ts_map;
			b[n] = TCP_OPT_TS;
			b[n + 1] = 10;
			tcp_wire_wr32(b + n + 2, o->val);
			tcp_wire_wr32(b + n + 6, ecr);
			break;
		default:
			return -1;
		}
		n += need;
	}
	return (int)n;
}

/* The IP ECN field an inbound "[...]" puts on the wire (Not-ECT if none). */
uint8_t script_ecn_wire(uint8_t e)
{
	switch (e) {
	case SCRIPT_ECN_ECT1:
		return TCP_ECN_ECT1;
	case SCRIPT_ECN_ECT0:
		return TCP_ECN_ECT0;
	case SCRIPT_ECN_CE:
		return TCP_ECN_CE;
	default:
		return TCP_ECN_NOT_ECT;
	}
}
