/* SPDX-License-Identifier: MIT
 *
 * Types shared by every layer of the reference stack: addresses and the
 * 4-tuple, the eleven RFC 9293 states, the drop reasons and transition causes
 * reported in traces and verdicts, and the error codes of the user calls.
 * Each list is an X-macro so that its enum and its name table cannot drift.
 */
#ifndef TCPREF_TYPES_H
#define TCPREF_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Addresses --------------------------------------------------------- */

#define TCP_AF_INET 4
#define TCP_AF_INET6 6

/* An IPv4 or IPv6 address; IPv4 uses the first four bytes of 'a'. */
struct tcp_addr {
	uint8_t family; /* TCP_AF_INET or TCP_AF_INET6; 0 = unspecified */
	uint8_t a[16];  /* network byte order */
};

/* A connection's identity, seen from the local end. */
struct tcp_tuple {
	struct tcp_addr laddr;
	struct tcp_addr raddr;
	uint16_t lport; /* host byte order */
	uint16_t rport; /* host byte order */
};

bool tcp_addr_eq(const struct tcp_addr *a, const struct tcp_addr *b);
bool tcp_tuple_eq(const struct tcp_tuple *a, const struct tcp_tuple *b);
/* A unicast IPv4 or IPv6 address: not unspecified, multicast or broadcast
 * (RFC 9293 3.9.2.3, MUST-46, MUST-57, MUST-63). */
bool tcp_addr_unicast(const struct tcp_addr *a);
/* Fills *a with the IPv4 address b0.b1.b2.b3. */
void tcp_addr_v4(struct tcp_addr *a, uint8_t b0, uint8_t b1, uint8_t b2,
                 uint8_t b3);

/* ---- States (RFC 9293 section 3.3.2) ---------------------------------- */

#define TCP_STATES(X)                                                          \
	X(CLOSED, "CLOSED")                                                    \
	X(LISTEN, "LISTEN")                                                    \
	X(SYN_SENT, "SYN-SENT")                                                \
	X(SYN_RECEIVED, "SYN-RECEIVED")                                        \
	X(ESTABLISHED, "ESTABLISHED")                                          \
	X(FIN_WAIT_1, "FIN-WAIT-1")                                            \
	X(FIN_WAIT_2, "FIN-WAIT-2")                                            \
	X(CLOSE_WAIT, "CLOSE-WAIT")                                            \
	X(CLOSING, "CLOSING")                                                  \
	X(LAST_ACK, "LAST-ACK")                                                \
	X(TIME_WAIT, "TIME-WAIT")

enum tcp_state {
#define TCP_X_ENUM(name, str) TCP_##name,
	TCP_STATES(TCP_X_ENUM)
#undef TCP_X_ENUM
	TCP_STATE_COUNT
};

/* The RFC spelling of a state ("SYN-RECEIVED"); "?" when out of range. */
const char *tcp_state_name(enum tcp_state s);
/* True for the synchronized states (RFC 9293 3.5.2 group 3). */
bool tcp_state_is_synchronized(enum tcp_state s);

/* ---- Verdict reasons (drops and notable accepts) ---------------------- */

/*
 * Every dropped segment gets one of these, tied to the RFC step that drops
 * it. The string is the RFC reference printed in traces and by oracles.
 */
#define TCP_WHYS(X)                                                            \
	X(NONE, "accepted")                                                    \
	X(TRUNCATED, "RFC 9293 3.1: shorter than the TCP header")              \
	X(BAD_DOFF, "RFC 9293 3.1: data offset < 5 or past the segment")       \
	X(BAD_CSUM, "RFC 9293 3.1: checksum failure (MUST-3)")                 \
	X(BAD_OPTION, "RFC 9293 3.1: impossible option length (MUST-7)")       \
	X(NOT_IP, "not an IPv4/IPv6 packet carrying TCP")                      \
	X(BAD_IP, "malformed IP header")                                       \
	X(IP_FRAGMENT, "IP fragment (no reassembly)")                          \
	X(BAD_ADDR, "RFC 9293 3.9.2.3: broadcast/multicast address (MUST-57)") \
	X(CLOSED_RST, "RFC 9293 3.10.7.1: RST to a closed port ignored")       \
	X(CLOSED_NO_TCB, "RFC 9293 3.10.7.1: no connection, reset sent")       \
	X(LISTEN_RST, "RFC 9293 3.10.7.2 first: RST in LISTEN ignored")        \
	X(LISTEN_ACK, "RFC 9293 3.10.7.2 second: ACK in LISTEN, reset sent")   \
	X(LISTEN_NO_SYN, "RFC 9293 3.10.7.2 fourth: no SYN in LISTEN")         \
	X(BACKLOG_FULL, "listener backlog full")                               \
	X(TABLE_FULL, "connection table full")                                 \
	X(SYNSENT_BAD_ACK, "RFC 9293 3.10.7.3 first: unacceptable ACK")        \
	X(SYNSENT_RST_NO_ACK, "RFC 9293 3.10.7.3 second: RST without ACK")     \
	X(SYNSENT_NO_SYN, "RFC 9293 3.10.7.3 fifth: neither SYN nor RST")      \
	X(PAWS, "RFC 7323 5.3 R1: timestamp older than TS.Recent")             \
	X(NO_TIMESTAMP, "RFC 7323 3.2: non-RST segment without TSopt")         \
	X(SEQ_NOT_ACCEPTABLE, "RFC 9293 3.10.7.4 first: not acceptable")       \
	X(RST_OUT_OF_WINDOW, "RFC 9293 3.10.7.4 second: RST out of window")    \
	X(RST_CHALLENGE, "RFC 5961 3.2: RST in window, challenge ACK")         \
	X(RST_TIME_WAIT, "RFC 1337: RST in TIME-WAIT ignored")                 \
	X(SYN_CHALLENGE, "RFC 5961 4.2: SYN in synchronized state")            \
	X(SYN_RESET, "RFC 9293 3.10.7.4 fourth: in-window SYN, reset")         \
	X(SYN_RESTART, "RFC 9293 3.10.7.4 fourth: SYN, to LISTEN/TIME-WAIT")   \
	X(NO_ACK, "RFC 9293 3.10.7.4 fifth: ACK bit off")                      \
	X(ACK_NOT_ACCEPTABLE, "RFC 5961 5.2: ACK outside acceptable range")    \
	X(ACK_UNSENT, "RFC 9293 3.10.7.4 fifth: ACK for unsent data")          \
	X(SYNRCVD_BAD_ACK, "RFC 9293 3.10.7.4 fifth: SYN-RECEIVED bad ACK")    \
	X(REASSEMBLY_FULL, "out-of-order segment with no free hole slot")      \
	X(TEXT_AFTER_FIN, "RFC 9293 3.10.7.4 seventh: text after FIN")         \
	X(DATA_AFTER_CLOSE,                                                    \
	  "RFC 9293 3.6.1: data after close, reset (SHLD-3)")                  \
	X(ICMP_BAD, "RFC 792/4443: malformed ICMP error or bad checksum")      \
	X(ICMP_IGNORED, "ICMP message that reports no error to TCP")           \
	X(ICMP_QUENCH, "RFC 9293 3.9.2.2: Source Quench discarded (MUST-55)")  \
	X(ICMP_NO_CONN, "RFC 9293 3.9.2.2: ICMP error for no connection")      \
	X(ICMP_SEQ, "RFC 5927 4.1: quoted SEQ outside SND.UNA..SND.MAX")

enum tcp_why {
#define TCP_X_ENUM(name, str) TCP_WHY_##name,
	TCP_WHYS(TCP_X_ENUM)
#undef TCP_X_ENUM
	TCP_WHY_COUNT
};

const char *tcp_why_name(enum tcp_why w); /* "SEQ_NOT_ACCEPTABLE" */
const char *tcp_why_ref(enum tcp_why w);  /* "RFC 9293 3.10.7.4 first..." */

/* ---- Causes of state changes ------------------------------------------ */

#define TCP_CAUSES(X)                                                          \
	X(USER_OPEN_PASSIVE, "user: passive OPEN")                             \
	X(USER_OPEN_ACTIVE, "user: active OPEN")                               \
	X(USER_CLOSE, "user: CLOSE")                                           \
	X(USER_ABORT, "user: ABORT")                                           \
	X(RCV_SYN, "seg: SYN")                                                 \
	X(RCV_SYN_ACK, "seg: SYN,ACK")                                         \
	X(RCV_ACK, "seg: ACK")                                                 \
	X(RCV_FIN, "seg: FIN")                                                 \
	X(RCV_FIN_ACK, "seg: FIN acking our FIN")                              \
	X(RCV_RST, "seg: RST")                                                 \
	X(RCV_SYN_IN_WINDOW, "seg: SYN in window (legacy reset)")              \
	X(RCV_SYN_REOPEN, "seg: SYN reopening TIME-WAIT (3.6.1 MAY-2)")        \
	X(RCV_SYN_RESTART, "seg: SYN in SYN-RECEIVED from LISTEN/TIME-WAIT")   \
	X(RCV_DATA_AFTER_CLOSE, "seg: data after full close")                  \
	X(TIMEOUT_TIME_WAIT, "timeout: 2MSL")                                  \
	X(TIMEOUT_USER, "timeout: user timeout / R2")                          \
	X(TIMEOUT_KEEPALIVE, "timeout: keep-alive probes unanswered")          \
	X(ICMP_HARD_ERROR, "icmp: hard error (3.9.2.2 SHLD-26)")

enum tcp_cause {
#define TCP_X_ENUM(name, str) TCP_CAUSE_##name,
	TCP_CAUSES(TCP_X_ENUM)
#undef TCP_X_ENUM
	TCP_CAUSE_COUNT
};

const char *tcp_cause_name(enum tcp_cause c);

/* ---- Errors of the user calls (negative return values) ---------------- */

#define TCP_ERRS(X)                                                            \
	X(OK, 0, "success")                                                    \
	X(EINVAL, -1, "invalid argument")                                      \
	X(ENOTCONN, -2, "connection does not exist")                           \
	X(EEXIST, -3, "connection already exists")                             \
	X(ECLOSING, -4, "connection closing")                                  \
	X(EWOULDBLOCK, -5, "operation would block (queued)")                   \
	X(ERESET, -6, "connection reset")                                      \
	X(EREFUSED, -7, "connection refused")                                  \
	X(ETIMEDOUT, -8, "connection timed out")                               \
	X(ENOBUFS, -9, "no buffer space")                                      \
	X(EADDRINUSE, -10, "address already in use")                           \
	X(ENOMEM, -11, "connection table full")                                \
	X(EADDRNOTAVAIL, -12, "invalid remote address")                        \
	X(ENETUNREACH, -13, "network unreachable (ICMP)")                      \
	X(EHOSTUNREACH, -14, "host unreachable (ICMP)")                        \
	X(ENOPROTOOPT, -15, "protocol unreachable (ICMP)")                     \
	X(EMSGSIZE, -16, "fragmentation needed (ICMP)")                        \
	X(EPROTO, -17, "parameter problem (ICMP)")

enum tcp_err {
#define TCP_X_ENUM(name, val, str) TCP_##name = val,
	TCP_ERRS(TCP_X_ENUM)
#undef TCP_X_ENUM
};

const char *tcp_err_name(int err); /* "ERESET"; "?" for unknown values */
const char *tcp_err_str(int err);  /* "connection reset" */

#endif
