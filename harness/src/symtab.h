/* SPDX-License-Identifier: MIT
 *
 * The names scripts use for constants (SOCK_STREAM, O_NONBLOCK, POLLIN,
 * ...) and errno values, with the values the host's headers give them (the
 * values Linux uses), and the evaluation and display of system call
 * argument expressions. Shared by the runner and the targets.
 */
#ifndef SHAKEDOWN_SYMTAB_H
#define SHAKEDOWN_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/script.h"

/*
 * TCP-level option numbers. <netinet/tcp.h> cannot be included next to the
 * tcpref headers (its TCP_LISTEN, tcp_seq, ... clash), so the files that
 * use the stack read them here.
 */
struct symtab_tcpopt {
	int nodelay, maxseg, keepidle, keepintvl, keepcnt, user_timeout;
};
extern const struct symtab_tcpopt symtab_tcpopt;

/* The value of a symbol such as "SO_LINGER"; false when unknown. */
bool symtab_value(const char *name, int64_t *v);

/* "ECONNRESET" for an errno value; NULL when unknown. */
const char *symtab_errno_name(int err);

/* The errno value of "ECONNRESET" (or "EWOULDBLOCK"); -1 when unknown. */
int symtab_errno_value(const char *name);

/*
 * Evaluates expression 'i' of s as an integer: INT, SYMBOL and OR of
 * those. Returns 1 with *v, 0 for "..." or a missing expression (i < 0),
 * and -1 for anything else (a list, a struct, an unknown symbol).
 */
int symtab_expr_int(const struct script *s, int32_t i, int64_t *v);

/*
 * Expression i as bytes: a list of integers 0..255 ("[0x83, 7, 4, 192, 0,
 * 2, 7]"), at most max of them, into buf. Returns their number, or -1.
 */
int symtab_expr_bytes(const struct script *s, int32_t i, uint8_t *buf,
                      size_t max);

/* A socket address written as a struct (bind, connect). */
struct symtab_sockaddr {
	int family;    /* AF_INET or AF_INET6 (sa_family / sin_family) */
	bool has_port; /* sin_port / sin6_port given */
	uint16_t port; /* host order: htons(8080) is 8080 */
	bool has_addr; /* sin_addr / sin6_addr given */
	uint8_t addr[16];
};

/*
 * Expression i as a socket address: {sa_family=AF_INET,
 * sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")} (sin6_* for
 * IPv6). Returns 1 with *sa, 0 when i is "..." or absent (the run's
 * default), -1 for anything else (an unknown field, an address that does
 * not parse, a family that does not match the address).
 */
int symtab_sockaddr(const struct script *s, int32_t i,
                    struct symtab_sockaddr *sa);

/*
 * Writes expression 'i' the way the script spells it ("[1]",
 * "{l_onoff=1, l_linger=0}", "O_RDWR|O_NONBLOCK") into buf, always
 * NUL-terminated and cut to n. Returns the length written.
 */
size_t symtab_expr_render(const struct script *s, int32_t i, char *buf,
                          size_t n);

/*
 * Writes a poll() event mask as names joined by '|' ("POLLIN|POLLOUT",
 * "0") into buf (cut to n).
 */
void symtab_poll_render(int64_t mask, char *buf, size_t n);

/*
 * The pool index of the value of field 'name' of the STRUCT expression at
 * index x ({l_onoff=1, l_linger=0}), or -1 when there is none.
 */
int32_t symtab_struct_field(const struct script *s, int32_t x,
                            const char *name);

#endif
