/* SPDX-License-Identifier: MIT
 *
 * The runner: walks a parsed script's events on the target's clock, injects
 * inbound segments, matches outbound ones field by field, runs the socket
 * calls, and records everything in a run log that the ladder diagram, the
 * reports and the pcap writer read afterwards.
 */
#ifndef SHAKEDOWN_RUN_H
#define SHAKEDOWN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/diag.h"
#include "shakedown/edges.h"
#include "shakedown/profile.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

/* One packet as the ladder shows it: relative numbers, decoded options. */
struct runlog_pkt {
	char dir;       /* '<' to the stack, '>' from the stack */
	uint16_t flags; /* TCP_FLAG_* */
	uint32_t seq;   /* relative to the sender's ISN */
	uint32_t len;   /* payload bytes */
	bool has_ack;
	uint32_t ack;   /* relative to the receiver's ISN */
	uint32_t win;   /* window field as sent */
	uint8_t ecn;    /* IP ECN field (TCP_ECN_*); shown when not Not-ECT */
	char opts[128]; /* "mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7" */
	/* An ICMP error instead of a segment: "icmp unreachable
	 * port_unreachable"; seq and len then give the quoted range. */
	char icmp[56];
};

enum runlog_kind {
	RUNLOG_PKT,     /* a segment crossed: injected or sent by the stack */
	RUNLOG_SYSCALL, /* a socket call and what it returned */
	RUNLOG_COMMAND, /* a shell command (run or not) */
	RUNLOG_NOTE,    /* something the reader should know ("skipped ...") */
};

struct runlog_ev {
	enum runlog_kind kind;
	uint64_t t_us;   /* target time */
	int line;        /* script line; 0 for an unexpected packet */
	bool unexpected; /* a packet the script did not ask for */
	bool failed;     /* the event where the run failed */
	struct runlog_pkt pkt;
	char text[192];      /* syscall/command/note text as shown */
	char state[16];      /* stack state after the event ("ESTABLISHED") */
	bool state_inferred; /* the state was inferred from the wire */
};

/* Everything a run produced. Owned by the caller; run_result_free(). */
struct run_result {
	enum {
		RUN_PASS,
		RUN_FAIL,
		RUN_SKIP
	} outcome;
	struct diag diag;      /* why it failed (file:line: field: ...) */
	char skip_reason[160]; /* why it was skipped */
	double elapsed_us;     /* wall time of the run */
	uint64_t target_us;    /* target time at the end */
	struct runlog_ev *log; /* events in order */
	size_t log_n, log_cap;
	/* Raw packets for pcap, with their target times. */
	struct run_raw {
		uint64_t t_us;
		size_t len;
		uint8_t *bytes;
	} * raw;
	size_t raw_n, raw_cap;
	bool commands_skipped; /* the target did not run shell commands */
	/* For the ladder's column titles; zero/"" when not filled in. */
	struct target_addrs addrs; /* the addresses and ports the run used */
	char target[16];           /* target name ("ref") */
	/*
	 * The checklist edges the run took (edges.h; [0]: state changes no
	 * edge fits), when the target can tell (have_edges); counted from
	 * the reference's trace, or inferred from the wire (edges_inferred).
	 */
	bool have_edges, edges_inferred;
	uint64_t edges[SD_EDGES + 1];
	/*
	 * run_opts.infer_wire on a target that traces its edges: the edges
	 * inferred from the wire as well (infer.h), to check the inference
	 * against the trace (tests only).
	 */
	bool have_wire_edges;
	uint64_t wire_edges[SD_EDGES + 1];
};

struct run_opts {
	const struct target_ops *target;
	struct target_opts topts;
	uint64_t tolerance_us; /* real-time targets: slack around times */
	bool keep_raw;         /* record raw packets (for --pcap-dir) */
	/*
	 * The target profile (conformance/profiles/) or NULL: answers
	 * "// requires: KEY" and "KEY=VALUE" before the target does.
	 */
	const struct profile *profile;
	/*
	 * Run over IPv6 (--ipv6) unless the script says "// ip: ipv4"; a
	 * script saying "// ip: ipv6" runs over IPv6 either way. Only zero
	 * addresses take the family's defaults (run_addrs_default_ipv6).
	 */
	bool ipv6;
	/*
	 * Tests: infer the edges from the wire (run_result.wire_edges) even
	 * when the target traces them. A target without an edges op always
	 * gets inferred edges in run_result.edges.
	 */
	bool infer_wire;
};

/*
 * Fills the zero fields of *a with the defaults: the stack at 192.0.2.1
 * port 8080, the script side at 192.0.2.2 port 40000 (TEST-NET-1).
 * run_script() applies it to a copy of o->topts.addrs.
 */
void run_addrs_default(struct target_addrs *a);

/*
 * The same for an IPv6 run: the stack at 2001:db8::1, the script side at
 * 2001:db8::2 (the documentation prefix, RFC 3849), same ports.
 */
void run_addrs_default_ipv6(struct target_addrs *a);

/*
 * Runs one parsed script. Returns 0 when the run happened (pass, fail or
 * skip in r->outcome) or -1 when the target could not even start (r->diag
 * says why). r must be zeroed; free it with run_result_free().
 */
int run_script(const struct script *s, const struct run_opts *o,
               struct run_result *r);

void run_result_free(struct run_result *r);

/*
 * The invariants checked on every packet the stack sends (rfc9293-checklist
 * 4.16): the IPv4 header checksum and the TCP checksum (MUST-2; skipped
 * when check_csum is false), every option other than EOL/NOP carries a
 * length that fits (MUST-68), the bytes after an EOL are zero (MUST-69),
 * and MSS appears only on a SYN (MUST-65). A packet that is not IP/TCP at
 * all is left to the segment matching. Returns 0 when the packet passes,
 * else -1 with "field: ..." (no file:line) in msg.
 */
int run_check_invariants(const uint8_t *pkt, size_t len, bool check_csum,
                         char *msg, size_t n);

#endif
