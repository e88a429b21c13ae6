/* SPDX-License-Identifier: MIT
 *
 * Maps what the reference stack reports about a step onto the edges of
 * table 2.2 of the conformance checklist (conformance/edges.tsv). Self-loops
 * come from the drop reasons (each names its RFC 9293 step), state changes
 * from their causes.
 */
#include "shakedown/edges.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpref/wire.h"

#define S(x) TCP_##x

int sd_edge_of_change(enum tcp_state from, enum tcp_state to,
                      enum tcp_cause cause)
{
	switch (from) {
	case S(CLOSED):
		return to == S(LISTEN) ? 1 : to == S(SYN_SENT) ? 2 : 0;
	case S(LISTEN):
		if (to == S(CLOSED))
			return cause == TCP_CAUSE_USER_ABORT ? 7 : 6;
		if (to == S(SYN_SENT))
			return 8;
		return to == S(SYN_RECEIVED) ? 11 : 0;
	case S(SYN_SENT):
		if (to == S(ESTABLISHED))
			return 18;
		if (to == S(SYN_RECEIVED))
			return 19;
		if (to != S(CLOSED))
			return 0;
		switch (cause) {
		case TCP_CAUSE_RCV_RST:
			return 16;
		case TCP_CAUSE_USER_CLOSE:
			return 21;
		case TCP_CAUSE_USER_ABORT:
			return 22;
		case TCP_CAUSE_TIMEOUT_USER:
			return 24;
		default:
			return 0; /* ICMP hard error: SHLD-26, not an edge */
		}
	case S(SYN_RECEIVED):
		if (to == S(LISTEN))
			return cause == TCP_CAUSE_RCV_RST ? 27 : 31;
		if (to == S(ESTABLISHED))
			return 36;
		if (to == S(CLOSE_WAIT))
			return 37;
		if (to == S(FIN_WAIT_1))
			return 38;
		if (to != S(CLOSED))
			return 0; /* TIME-WAIT: a reopening undone */
		switch (cause) {
		case TCP_CAUSE_RCV_RST:
			return 28;
		case TCP_CAUSE_RCV_SYN_IN_WINDOW:
			return 33;
		case TCP_CAUSE_USER_ABORT:
			return 39;
		case TCP_CAUSE_TIMEOUT_USER:
			return 41;
		default:
			return 0;
		}
	default:
		break;
	}
	/* The synchronized states: E044.., one block of edges each. */
	if (to == S(CLOSED)) {
		static const struct {
			enum tcp_state s;
			int rst, syn, abort, timeout, ack;
		} t[] = {
			{ S(ESTABLISHED), 44, 48, 55, 57, 0 },
			{ S(FIN_WAIT_1), 63, 66, 67, 69, 0 },
			{ S(FIN_WAIT_2), 73, 76, 77, 0, 0 },
			{ S(CLOSE_WAIT), 82, 85, 86, 88, 0 },
			{ S(CLOSING), 91, 94, 95, 97, 0 },
			{ S(LAST_ACK), 100, 103, 104, 106, 98 },
			{ S(TIME_WAIT), 109, 113, 115, 0, 0 },
		};
		unsigned i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			if (t[i].s != from)
				continue;
			switch (cause) {
			case TCP_CAUSE_RCV_RST:
				return t[i].rst;
			case TCP_CAUSE_RCV_SYN_IN_WINDOW:
				return t[i].syn;
			case TCP_CAUSE_USER_ABORT:
				return t[i].abort;
			case TCP_CAUSE_TIMEOUT_USER:
				return t[i].timeout;
			case TCP_CAUSE_RCV_ACK:
				return t[i].ack;
			case TCP_CAUSE_TIMEOUT_TIME_WAIT:
				return from == S(TIME_WAIT) ? 108 : 0;
			default:
				return 0; /* keep-alive, ICMP, data after close
				           */
			}
		}
		return 0;
	}
	if (from == S(ESTABLISHED))
		return to == S(CLOSE_WAIT) ? 52 : to == S(FIN_WAIT_1) ? 54 : 0;
	if (from == S(FIN_WAIT_1))
		return to == S(FIN_WAIT_2)  ? 58
		       : to == S(CLOSING)   ? 59
		       : to == S(TIME_WAIT) ? 60
		                            : 0;
	if (from == S(FIN_WAIT_2))
		return to == S(TIME_WAIT) ? 70 : 0;
	if (from == S(CLOSE_WAIT))
		return to == S(LAST_ACK) ? 78 : 0;
	if (from == S(CLOSING))
		return to == S(TIME_WAIT) ? 89 : 0;
	if (from == S(TIME_WAIT))
		return to == S(SYN_RECEIVED) ? 112 : 0;
	return 0;
}

/*
 * The self-loops of the synchronized states, per state: a segment that
 * fails the acceptability test, an RST outside the window, an RST in the
 * window (challenge ACK), a SYN (challenge ACK).
 */
static const struct {
	enum tcp_state s;
	int bad_seq, rst_out, rst_chal, syn_chal;
} sync_loops[] = {
	{ S(SYN_RECEIVED), 25, 26, 29, 32 },
	{ S(ESTABLISHED), 42, 43, 45, 47 },
	{ S(FIN_WAIT_1), 62, 62, 64, 65 },
	{ S(FIN_WAIT_2), 72, 72, 74, 75 },
	{ S(CLOSE_WAIT), 80, 80, 83, 84 },
	{ S(CLOSING), 90, 90, 92, 93 },
	{ S(LAST_ACK), 99, 99, 101, 102 },
	{ S(TIME_WAIT), 114, 114, 110, 111 },
};

int sd_edge_of_drop(enum tcp_state s, enum tcp_why why, uint16_t flags)
{
	unsigned i;

	switch (s) {
	case S(CLOSED):
		if (why == TCP_WHY_CLOSED_RST)
			return 5;
		if (why == TCP_WHY_CLOSED_NO_TCB)
			return (flags & TCP_FLAG_ACK) ? 4 : 3;
		return 0;
	case S(LISTEN):
		return why == TCP_WHY_LISTEN_RST      ? 9
		       : why == TCP_WHY_LISTEN_ACK    ? 10
		       : why == TCP_WHY_LISTEN_NO_SYN ? 13
		                                      : 0;
	case S(SYN_SENT):
		if (flags & TCP_FLAG_RST)
			return why == TCP_WHY_SYNSENT_RST_NO_ACK ||
			               why == TCP_WHY_SYNSENT_BAD_ACK
			           ? 15
			           : 0;
		return why == TCP_WHY_SYNSENT_BAD_ACK  ? 14
		       : why == TCP_WHY_SYNSENT_NO_SYN ? 20
		                                       : 0;
	default:
		break;
	}
	for (i = 0; i < sizeof(sync_loops) / sizeof(sync_loops[0]); i++) {
		if (sync_loops[i].s != s)
			continue;
		switch (why) {
		case TCP_WHY_SEQ_NOT_ACCEPTABLE:
		case TCP_WHY_PAWS:
		case TCP_WHY_NO_TIMESTAMP:
			/* TIME-WAIT: a retransmitted FIN is E107. */
			if (s == S(TIME_WAIT) && (flags & TCP_FLAG_FIN))
				return 107;
			return sync_loops[i].bad_seq;
		case TCP_WHY_RST_OUT_OF_WINDOW:
			return sync_loops[i].rst_out;
		case TCP_WHY_RST_CHALLENGE:
			return sync_loops[i].rst_chal;
		case TCP_WHY_SYN_CHALLENGE:
			return sync_loops[i].syn_chal;
		case TCP_WHY_RST_TIME_WAIT:
			return 114; /* RFC 1337: an RST taken as unacceptable */
		case TCP_WHY_NO_ACK:
			return s == S(SYN_RECEIVED)  ? 34
			       : s == S(ESTABLISHED) ? 49
			                             : 0;
		case TCP_WHY_SYNRCVD_BAD_ACK:
			return 35;
		case TCP_WHY_ACK_NOT_ACCEPTABLE:
		case TCP_WHY_ACK_UNSENT:
			return s == S(SYN_RECEIVED)  ? 35
			       : s == S(ESTABLISHED) ? 50
			                             : 0;
		default:
			return 0;
		}
	}
	return 0;
}

int sd_edge_of_accept(enum tcp_state s, uint16_t flags)
{
	switch (s) {
	case S(ESTABLISHED):
		return 51;
	case S(FIN_WAIT_1):
		return 61;
	case S(FIN_WAIT_2):
		return 71;
	case S(CLOSE_WAIT):
		return 81;
	case S(TIME_WAIT):
		return (flags & TCP_FLAG_FIN) ? 107 : 114;
	default:
		return 0;
	}
}

int sd_edge_of_retransmit(enum tcp_state s)
{
	switch (s) {
	case S(SYN_SENT):
		return 23;
	case S(SYN_RECEIVED):
		return 40;
	case S(ESTABLISHED):
		return 56;
	case S(FIN_WAIT_1):
		return 68;
	case S(CLOSE_WAIT):
		return 87;
	case S(CLOSING):
		return 96;
	case S(LAST_ACK):
		return 105;
	default:
		return 0;
	}
}

int sd_edge_of_send(enum tcp_state s)
{
	return s == S(ESTABLISHED) ? 53 : s == S(CLOSE_WAIT) ? 79 : 0;
}

/* ---- The table and the transitions file ------------------------------- */

/* Copies field i (tab-separated) of line into dst[0..n). */
static bool field(const char *line, int i, char *dst, size_t n)
{
	const char *p = line;
	size_t len;

	while (i-- > 0) {
		p = strchr(p, '\t');
		if (!p)
			return false;
		p++;
	}
	len = strcspn(p, "\t\r\n");
	if (len >= n)
		len = n - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return true;
}

int sd_edges_load(const char *path, struct sd_edge *tab, char *why, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512], id[8];
	int lineno = 0, got = 0;

	if (!f) {
		snprintf(why, n, "%s: cannot read the edge table", path);
		return -1;
	}
	memset(tab, 0, sizeof(*tab) * (SD_EDGES + 1));
	while (fgets(line, sizeof(line), f)) {
		struct sd_edge *e;
		int k;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!field(line, 0, id, sizeof(id)) || id[0] != 'E' ||
		    sscanf(id + 1, "%d", &k) != 1 || k < 1 || k > SD_EDGES) {
			snprintf(why, n,
			         "%s:%d: expected an edge ID E001..E%03d", path,
			         lineno, SD_EDGES);
			fclose(f);
			return -1;
		}
		e = &tab[k];
		if (!field(line, 1, e->from, sizeof(e->from)) ||
		    !field(line, 2, e->event, sizeof(e->event)) ||
		    !field(line, 3, e->to, sizeof(e->to)) ||
		    !field(line, 4, e->section, sizeof(e->section)) ||
		    !field(line, 5, e->kind, sizeof(e->kind))) {
			snprintf(why, n,
			         "%s:%d: expected 6 tab-separated fields", path,
			         lineno);
			fclose(f);
			return -1;
		}
		got++;
	}
	fclose(f);
	if (got != SD_EDGES) {
		snprintf(why, n, "%s: %d edges, expected %d", path, got,
		         SD_EDGES);
		return -1;
	}
	return 0;
}

void sd_edges_write(FILE *f, const uint64_t *hits, const struct sd_edge *tab,
                    bool inferred, const char *what)
{
	int k, taken = 0;

	for (k = 1; k <= SD_EDGES; k++)
		taken += hits[k] > 0;
	fprintf(f, "# RFC 9293 state-machine edges taken by %s (%s).\n", what,
	        inferred ? "INFERRED from the segments on the wire"
	                 : "counted from the reference stack's trace");
	fprintf(f, "# %d of %d edges taken. id\tfrom\tevent\tto\tkind\tcount\n",
	        taken, SD_EDGES);
	for (k = 1; k <= SD_EDGES; k++) {
		if (tab)
			fprintf(f, "E%03d\t%s\t%s\t%s\t%s\t%llu\n", k,
			        tab[k].from, tab[k].event, tab[k].to,
			        tab[k].kind, (unsigned long long)hits[k]);
		else
			fprintf(f, "E%03d\t\t\t\t\t%llu\n", k,
			        (unsigned long long)hits[k]);
	}
	fprintf(f,
	        "-\t\t(state changes no edge fits: ICMP, keep-alive, "
	        "data after close, undone reopenings)\t\t\t%llu\n",
	        (unsigned long long)hits[0]);
}

void sd_edges_append_env(const uint64_t *hits)
{
	const char *path = getenv("SHAKEDOWN_EDGES_OUT");
	char line[48];
	int fd, k, n;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	for (k = 0; k <= SD_EDGES; k++) {
		if (hits[k] == 0)
			continue;
		n = snprintf(line, sizeof(line), "E%03d %llu\n", k,
		             (unsigned long long)hits[k]);
		if (n > 0 && write(fd, line, (size_t)n) != n)
			break;
	}
	close(fd);
}
