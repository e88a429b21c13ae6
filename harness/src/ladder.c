/* SPDX-License-Identifier: MIT
 *
 * Draws a run log as a ladder diagram: the script's side on the left, the
 * stack on the right, an arrow per segment, socket calls against the stack's
 * line, and the stack's state in a column on the right when it changes.
 * Output only; the log is read, never changed.
 */
#include "shakedown/ladder.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpref/wire.h"

/*
 * A row: "     time line  |<lane>|  STATE  !! mark". The prefix is 16
 * columns, the lane 58 between two bars, the state column up to 24.
 */
#define LANE_W 58
#define TEXT_MAX 512 /* longest text drawn for one event (cut beyond) */

#define C_RESET "\033[0m"
#define C_IN "\033[36m"
#define C_OUT "\033[32m"
#define C_BAD "\033[1;31m"
#define C_STATE "\033[1m"

struct lctx {
	FILE *fp;
	bool color;
};

/* Copies src into dst (n bytes), printable ASCII only: others become '?'. */
static void clean_copy(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	for (; src[i] != '\0' && i + 1 < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	dst[i] = '\0';
}

void ladder_format_flags(unsigned flags, char *buf, size_t n)
{
	static const struct {
		unsigned bit;
		char ch;
	} names[] = {
		{ TCP_FLAG_SYN, 'S' }, { TCP_FLAG_FIN, 'F' },
		{ TCP_FLAG_RST, 'R' }, { TCP_FLAG_PSH, 'P' },
		{ TCP_FLAG_URG, 'U' }, { TCP_FLAG_ECE, 'E' },
		{ TCP_FLAG_CWR, 'W' }, { TCP_FLAG_ACK, '.' },
	};
	size_t k = 0;

	if (n == 0) {
		return;
	}
	for (size_t i = 0; i < TCP_ARRAY_LEN(names) && k + 1 < n; i++) {
		if (flags & names[i].bit) {
			buf[k++] = names[i].ch;
		}
	}
	if (k == 0 && n > 1) {
		buf[k++] = '-'; /* no flag at all */
	}
	buf[k] = '\0';
}

int ladder_format_pkt(const struct runlog_pkt *p, bool with_opts, char *buf,
                      size_t n)
{
	/* An ECN field other than Not-ECT is shown as in scripts: "[ce]". */
	static const char *const ecn_names[] = { "noecn", "ect1", "ect0",
		                                 "ce" };
	char flags[16], ack[24] = "", opts[sizeof(p->opts)];

	if (p->icmp[0])
		return snprintf(buf, n, "%s [%u:%u(%u)]", p->icmp, p->seq,
		                p->seq + p->len, p->len);
	ladder_format_flags(p->flags, flags, sizeof(flags));
	if (p->has_ack) {
		snprintf(ack, sizeof(ack), " ack %u", p->ack);
	}
	clean_copy(opts, sizeof(opts), p->opts);
	return snprintf(buf, n, "%s%s%s%s %u:%u(%u)%s win %u%s%s%s",
	                p->ecn ? "[" : "", p->ecn ? ecn_names[p->ecn & 3] : "",
	                p->ecn ? "] " : "", flags, p->seq, p->seq + p->len,
	                p->len, ack, p->win, with_opts && opts[0] ? " <" : "",
	                with_opts ? opts : "", with_opts && opts[0] ? ">" : "");
}

/* "192.0.2.1:8080" or "[2001:db8::1]:8080"; defaults when unset. */
static void format_endpoint(char *buf, size_t n, const struct tcp_addr *a,
                            uint16_t port, const char *def)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->family == TCP_AF_INET &&
	    inet_ntop(AF_INET, a->a, ip, sizeof(ip)) != NULL) {
		snprintf(buf, n, "%s:%u", ip, port);
	} else if (a->family == TCP_AF_INET6 &&
	           inet_ntop(AF_INET6, a->a, ip, sizeof(ip)) != NULL) {
		snprintf(buf, n, "[%s]:%u", ip, port);
	} else {
		snprintf(buf, n, "%s", def);
	}
}

/* Seconds with three decimals, or six when the time is not whole ms. */
static void format_time(char *buf, size_t n, uint64_t t_us)
{
	unsigned long long s = (unsigned long long)(t_us / 1000000u);
	unsigned long long us = (unsigned long long)(t_us % 1000000u);

	if (us % 1000u == 0) {
		snprintf(buf, n, "%llu.%03llu", s, us / 1000u);
	} else {
		snprintf(buf, n, "%llu.%06llu", s, us);
	}
}

/*
 * Prints one row. 'lane' is at most LANE_W visible characters and is padded;
 * 'right' (the state) and 'mark' may be "" and come after the right bar.
 */
static void put_row(const struct lctx *c, const char *time, const char *line,
                    const char *lane, const char *lane_color, const char *right,
                    const char *mark)
{
	bool col = c->color && lane_color != NULL;

	fprintf(c->fp, "%9s %4s  |%s%-*.*s%s|", time, line,
	        col ? lane_color : "", LANE_W, LANE_W, lane,
	        col ? C_RESET : "");
	if (right[0] != '\0') {
		fprintf(c->fp, "  %s%-*s%s", c->color ? C_STATE : "",
		        mark[0] != '\0' ? 13 : 0, right,
		        c->color ? C_RESET : "");
	}
	if (mark[0] != '\0') {
		fprintf(c->fp, "%s%s%s%s", right[0] ? " " : "  ",
		        c->color ? C_BAD : "", mark, c->color ? C_RESET : "");
	}
	/* A row never ends in blanks, so that diffs and tests stay exact. */
	fputc('\n', c->fp);
}

/*
 * Cuts the next chunk of at most w characters off *text, preferring to break
 * after ", " or ',' or at a blank. Returns the chunk length; *text advances
 * past it and past the blanks that follow.
 */
static size_t next_chunk(const char **text, size_t w)
{
	const char *t = *text;
	size_t len = strlen(t), cut = len;

	if (len > w) {
		cut = 0;
		/* After a comma first (options, arguments), else at a blank. */
		for (size_t i = w; i > w / 2 && cut == 0; i--) {
			cut = t[i - 1] == ',' ? i : 0;
		}
		for (size_t i = w; i > w / 2 && cut == 0; i--) {
			cut = t[i] == ' ' ? i : 0;
		}
		if (cut == 0) {
			cut = w;
		}
	}
	*text = t + cut;
	while (**text == ' ') {
		(*text)++;
	}
	return cut;
}

/*
 * Lays text out in the lane, wrapped: indented by 'indent' from the left, or
 * right-aligned against the stack's line when 'right_align'. The first row
 * carries time, line, state and mark; the others only the text.
 */
static void put_text(const struct lctx *c, const char *time, const char *line,
                     const char *text, int indent, bool right_align,
                     const char *lane_color, const char *right,
                     const char *mark)
{
	char lane[LANE_W + 1];
	size_t w = (size_t)(LANE_W - indent - (right_align ? 1 : 0));
	bool first = true;

	do {
		const char *start = text;
		size_t k = next_chunk(&text, w);

		if (right_align) {
			snprintf(lane, sizeof(lane), "%*.*s ", LANE_W - 1,
			         (int)k, start);
		} else {
			snprintf(lane, sizeof(lane), "%*s%.*s", indent, "",
			         (int)k, start);
		}
		put_row(c, first ? time : "", first ? line : "", lane,
		        lane_color, first ? right : "", first ? mark : "");
		first = false;
	} while (*text != '\0');
}

/* An arrow: "---- label ---...-->" inbound, "<--- label ---...---" outbound. */
static void make_arrow(char *lane, char dir, const char *label)
{
	size_t room = LANE_W - 10; /* "---- " + label + " " + at least 4 */
	size_t len = strlen(label), k;

	if (len > room) {
		len = room;
	}
	k = (size_t)snprintf(lane, LANE_W + 1, "%s %.*s ",
	                     dir == '<' ? "----" : "<---", (int)len, label);
	while (k < LANE_W) {
		lane[k++] = '-';
	}
	if (dir == '<') {
		lane[LANE_W - 1] = '>';
	}
	lane[LANE_W] = '\0';
}

static void draw_pkt(const struct lctx *c, const struct runlog_ev *ev,
                     const char *time, const char *line, const char *right,
                     const char *mark)
{
	char full[TEXT_MAX], opts[sizeof(ev->pkt.opts)], lane[LANE_W + 1];
	const char *color = ev->unexpected || ev->failed
	                        ? C_BAD
	                        : (ev->pkt.dir == '<' ? C_IN : C_OUT);

	if (ladder_format_pkt(&ev->pkt, true, full, sizeof(full)) <=
	    LANE_W - 10) {
		make_arrow(lane, ev->pkt.dir, full);
		put_row(c, time, line, lane, color, right, mark);
		return;
	}
	/* Too long for one arrow: the options go under it, wrapped. */
	ladder_format_pkt(&ev->pkt, false, full, sizeof(full));
	make_arrow(lane, ev->pkt.dir, full);
	put_row(c, time, line, lane, color, right, mark);
	clean_copy(opts, sizeof(opts), ev->pkt.opts);
	snprintf(full, sizeof(full), "<%s>", opts);
	put_text(c, "", "", full, 2, false, color, "", "");
}

static void draw_event(const struct lctx *c, const struct runlog_ev *ev,
                       const char *right)
{
	char time[32], line[16] = "", text[TEXT_MAX], mark[48] = "";

	format_time(time, sizeof(time), ev->t_us);
	if (ev->line > 0) {
		snprintf(line, sizeof(line), "%d", ev->line);
	}
	if (ev->unexpected || ev->failed) {
		snprintf(mark, sizeof(mark), "!! %s%s%s",
		         ev->unexpected ? "unexpected" : "",
		         ev->unexpected && ev->failed ? ", " : "",
		         ev->failed ? "failed here" : "");
	}
	clean_copy(text, sizeof(text), ev->text);
	switch (ev->kind) {
	case RUNLOG_PKT:
		draw_pkt(c, ev, time, line, right, mark);
		break;
	case RUNLOG_SYSCALL:
	case RUNLOG_COMMAND:
		/* Calls and commands happen on the stack's side. */
		put_text(c, time, line, text[0] ? text : "?", 1, true,
		         ev->failed ? C_BAD : NULL, right, mark);
		break;
	case RUNLOG_NOTE:
	default: {
		char note[TEXT_MAX + 8];

		snprintf(note, sizeof(note), "note: %s", text);
		put_text(c, time, line, note, 2, false,
		         ev->failed ? C_BAD : NULL, right, mark);
		break;
	}
	}
}

static void draw_header(const struct lctx *c, const struct run_result *r,
                        const struct ladder_opts *o)
{
	char ep[80], left[96], right[96], lane[LANE_W + 1];
	const char *target = r->target[0] ? r->target : "ref";
	int lw;

	if (o->left != NULL) {
		clean_copy(left, sizeof(left), o->left);
	} else {
		format_endpoint(ep, sizeof(ep), &r->addrs.script_addr,
		                r->addrs.script_port, "192.0.2.2:40000");
		snprintf(left, sizeof(left), "script %s", ep);
	}
	if (o->right != NULL) {
		clean_copy(right, sizeof(right), o->right);
	} else {
		format_endpoint(ep, sizeof(ep), &r->addrs.stack_addr,
		                r->addrs.stack_port, "192.0.2.1:8080");
		snprintf(right, sizeof(right), "%.15s %s", target, ep);
	}
	/* Titles sit over the two lines: left-aligned, right-aligned. */
	lw = LANE_W + 2 - (int)strlen(right);
	if (lw < 1) {
		lw = 1;
	}
	fprintf(c->fp, "%9s %4s  %-*.*s%s  %s\n", "time", "line", lw, lw - 1,
	        left, right, "state");
	memset(lane, ' ', LANE_W);
	lane[LANE_W] = '\0';
	put_row(c, "", "", lane, NULL, "", "");
}

void ladder_print(const struct run_result *r, const struct ladder_opts *o,
                  FILE *fp)
{
	static const struct ladder_opts defaults = { 0 };
	struct lctx c = { .fp = fp, .color = o != NULL && o->color };
	char prev[sizeof(r->log[0].state) + 1] = "";
	bool any_failed = false;

	if (o == NULL) {
		o = &defaults;
	}
	draw_header(&c, r, o);
	for (size_t i = 0; i < r->log_n; i++) {
		const struct runlog_ev *ev = &r->log[i];
		char state[sizeof(ev->state) + 1], right[48] = "";

		/* The state column shows a state only when it changes. */
		memcpy(state, ev->state, sizeof(ev->state));
		state[sizeof(ev->state)] = '\0';
		clean_copy(state, sizeof(state), state);
		if (state[0] != '\0' && strcmp(state, prev) != 0) {
			snprintf(right, sizeof(right), "%s%s", state,
			         ev->state_inferred ? " (inferred)" : "");
			memcpy(prev, state, sizeof(prev));
		}
		draw_event(&c, ev, right);
		any_failed = any_failed || ev->failed;
		if (ev->failed && o->upto_failure) {
			break;
		}
	}
	if (r->outcome == RUN_FAIL && !any_failed) {
		char msg[DIAG_MSG_MAX + 16], time[32], line[16] = "";

		/* The first line of the message; the report prints it all. */
		snprintf(msg, sizeof(msg), "!! failed: %.*s",
		         (int)strcspn(r->diag.msg, "\n"), r->diag.msg);
		clean_copy(msg, sizeof(msg), msg);
		format_time(time, sizeof(time), r->target_us);
		if (r->diag.line > 0) {
			snprintf(line, sizeof(line), "%d", r->diag.line);
		}
		put_text(&c, time, line, msg, 2, false, C_BAD, "", "");
	} else {
		char lane[LANE_W + 1];

		memset(lane, ' ', LANE_W);
		lane[LANE_W] = '\0';
		put_row(&c, "", "", lane, NULL, "", "");
	}
}

char *ladder_string(const struct run_result *r, const struct ladder_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL) {
		return NULL;
	}
	ladder_print(r, o, fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
