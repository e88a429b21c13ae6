/* SPDX-License-Identifier: MIT
 *
 * Shared types of the reference stack: address and 4-tuple comparison, and
 * the name tables of states, drop reasons, causes and errors, each generated
 * from the X-macros in types.h so that an enum and its names cannot drift.
 */

#include "tcpref/types.h"
#include "mem.h"

/* ---- Addresses --------------------------------------------------------- */

/*
 * Two addresses are equal when their families match and so do the address
 * bytes that family uses: four for IPv4, all sixteen otherwise. Bytes 4..15
 * of an IPv4 address are ignored, so a caller that left them dirty still
 * gets the right answer.
 */
bool tcp_addr_eq(const struct tcp_addr *a, const struct tcp_addr *b)
{
	uint64_t x[2], y[2];

	if (a->family != b->family)
		return false;
	/* Word loads, not memcmp: the fuzz targets' libFuzzer intercepts
	 * every memcmp call, and the stack compares tuples on each segment. */
	if (a->family == TCP_AF_INET) {
		uint32_t u, v;

		memcpy(&u, a->a, 4);
		memcpy(&v, b->a, 4);
		return u == v;
	}
	memcpy(x, a->a, 16);
	memcpy(y, b->a, 16);
	return x[0] == y[0] && x[1] == y[1];
}

/*
 * True for an address a segment may carry as source or destination:
 * IPv4 or IPv6, not unspecified, not multicast, not broadcast.
 * RFC 9293 3.9.2.3: "An incoming SYN with an invalid source address MUST be
 * ignored either by TCP or by the IP layer" (MUST-63) and "A TCP
 * implementation MUST silently discard an incoming SYN segment that is
 * addressed to a broadcast or multicast address" (MUST-57); "this guidance
 * is applicable to all incoming segments, not just SYNs", so the stack
 * checks every segment, which also keeps 3.10.7.1 replies from going to
 * such addresses; an active OPEN checks its remote too (MUST-46). IPv4
 * 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved, including the limited
 * broadcast 255.255.255.255) are refused; a subnet-directed broadcast
 * cannot be recognized without interface configuration, which the stack
 * does not have. IPv6 multicast is ff00::/8; the unspecified address
 * (0.0.0.0, ::) is refused in both.
 */
bool tcp_addr_unicast(const struct tcp_addr *a)
{
	uint64_t w[2];
	uint32_t v;

	switch (a->family) {
	case TCP_AF_INET:
		memcpy(&v, a->a, 4);
		return a->a[0] < 224 && v != 0;
	case TCP_AF_INET6:
		memcpy(w, a->a, 16);
		return a->a[0] != 0xff && (w[0] | w[1]) != 0;
	default:
		return false;
	}
}

bool tcp_tuple_eq(const struct tcp_tuple *a, const struct tcp_tuple *b)
{
	return a->lport == b->lport && a->rport == b->rport &&
	       tcp_addr_eq(&a->laddr, &b->laddr) &&
	       tcp_addr_eq(&a->raddr, &b->raddr);
}

void tcp_addr_v4(struct tcp_addr *a, uint8_t b0, uint8_t b1, uint8_t b2,
                 uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = TCP_AF_INET;
	a->a[0] = b0;
	a->a[1] = b1;
	a->a[2] = b2;
	a->a[3] = b3;
}

/* ---- States ------------------------------------------------------------ */

static const char *const tcp_state_names[] = {
#define TCP_X_NAME(name, str) [TCP_##name] = str,
	TCP_STATES(TCP_X_NAME)
#undef TCP_X_NAME
};
_Static_assert(TCP_ARRAY_LEN(tcp_state_names) == TCP_STATE_COUNT,
               "tcp_state_names must have one entry per state");

const char *tcp_state_name(enum tcp_state s)
{
	if ((unsigned)s >= TCP_STATE_COUNT)
		return "?";
	return tcp_state_names[s];
}

/*
 * RFC 9293 3.5.2 "Reset Generation" sorts the states into three groups;
 * group 3 is the synchronized states: "ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2,
 * CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT". SYN-RECEIVED is in group 2
 * (non-synchronized: "LISTEN, SYN-SENT, SYN-RECEIVED") and is false here,
 * even though 3.10.7.4 processes segments in SYN-RECEIVED with the same
 * steps as the synchronized states: that shared pipeline is the state
 * machine's business, while this predicate answers the 3.5.2 question of
 * how an unacceptable segment is answered (RST versus empty ACK).
 */
/* clang-format off */
static const bool tcp_state_synchronized[] = {
	[TCP_CLOSED] = false,
	[TCP_LISTEN] = false,
	[TCP_SYN_SENT] = false,
	[TCP_SYN_RECEIVED] = false,
	[TCP_ESTABLISHED] = true,
	[TCP_FIN_WAIT_1] = true,
	[TCP_FIN_WAIT_2] = true,
	[TCP_CLOSE_WAIT] = true,
	[TCP_CLOSING] = true,
	[TCP_LAST_ACK] = true,
	[TCP_TIME_WAIT] = true,
};
/* clang-format on */
_Static_assert(TCP_ARRAY_LEN(tcp_state_synchronized) == TCP_STATE_COUNT,
               "tcp_state_synchronized must have one entry per state");

bool tcp_state_is_synchronized(enum tcp_state s)
{
	if ((unsigned)s >= TCP_STATE_COUNT)
		return false;
	return tcp_state_synchronized[s];
}

/* ---- Verdict reasons --------------------------------------------------- */

static const char *const tcp_why_names[] = {
#define TCP_X_NAME(name, str) [TCP_WHY_##name] = #name,
	TCP_WHYS(TCP_X_NAME)
#undef TCP_X_NAME
};
_Static_assert(TCP_ARRAY_LEN(tcp_why_names) == TCP_WHY_COUNT,
               "tcp_why_names must have one entry per reason");

static const char *const tcp_why_refs[] = {
#define TCP_X_REF(name, str) [TCP_WHY_##name] = str,
	TCP_WHYS(TCP_X_REF)
#undef TCP_X_REF
};
_Static_assert(TCP_ARRAY_LEN(tcp_why_refs) == TCP_WHY_COUNT,
               "tcp_why_refs must have one entry per reason");

const char *tcp_why_name(enum tcp_why w)
{
	if ((unsigned)w >= TCP_WHY_COUNT)
		return "?";
	return tcp_why_names[w];
}

const char *tcp_why_ref(enum tcp_why w)
{
	if ((unsigned)w >= TCP_WHY_COUNT)
		return "?";
	return tcp_why_refs[w];
}

/* ---- Causes ------------------------------------------------------------ */

static const char *const tcp_cause_names[] = {
#define TCP_X_NAME(name, str) [TCP_CAUSE_##name] = str,
	TCP_CAUSES(TCP_X_NAME)
#undef TCP_X_NAME
};
_Static_assert(TCP_ARRAY_LEN(tcp_cause_names) == TCP_CAUSE_COUNT,
               "tcp_cause_names must have one entry per cause");

const char *tcp_cause_name(enum tcp_cause c)
{
	if ((unsigned)c >= TCP_CAUSE_COUNT)
		return "?";
	return tcp_cause_names[c];
}

/* ---- Errors ------------------------------------------------------------ */

/*
 * The error values are negative and need not be dense, so the lookups are
 * switches generated from the list rather than indexed tables. A duplicate
 * value in TCP_ERRS would be a duplicate case label: a compile error.
 */
const char *tcp_err_name(int err)
{
	switch (err) {
#define TCP_X_CASE(name, val, str)                                             \
	case val:                                                              \
		return #name;
		TCP_ERRS(TCP_X_CASE)
#undef TCP_X_CASE
	default:
		return "?";
	}
}

const char *tcp_err_str(int err)
{
	switch (err) {
#define TCP_X_CASE(name, val, str)                                             \
	case val:                                                              \
		return str;
		TCP_ERRS(TCP_X_CASE)
#undef TCP_X_CASE
	default:
		return "unknown error";
	}
}
