/* SPDX-License-Identifier: MIT
 *
 * The arguments of a script's socket call as the targets that emulate the
 * calls read them (target_plugin.c, which runs the ref target too): an
 * argument's expression, its integer value ("..." taking a default), the
 * expression a value is written back to, and the entries of a poll() list.
 */
#ifndef SHAKEDOWN_SOCKARGS_H
#define SHAKEDOWN_SOCKARGS_H

#include <stdint.h>

#include "shakedown/diag.h"
#include "shakedown/script.h"

/* The expression pool index of argument i of ev, or -1 when absent. */
int32_t sockargs_expr(const struct script_event *ev, unsigned i);

/*
 * Integer argument i: *v gets its value, or dflt for "..." or a missing
 * argument. A list "[v]" counts as its first element. Returns 0, or -1 for
 * something that is no integer.
 */
int sockargs_int(const struct script *s, const struct script_event *ev,
                 unsigned i, int64_t dflt, int64_t *v);

/*
 * The expression a value is written back to through argument i ("[x]" of
 * getsockopt gives x's index), or -1 when there is none.
 */
int32_t sockargs_out_expr(const struct script *s, const struct script_event *ev,
                          unsigned i);

/* One entry of a poll() list: {fd=N, events=..., revents=...}. */
struct sockargs_pollfd {
	int64_t fd;
	int64_t events;
	int32_t revents_expr; /* where revents is written back, or -1 */
};

/*
 * The list of poll()'s first argument, at most max entries, into p[];
 * returns their number, or -1 with *d (the message names the call's line
 * and what was expected).
 */
int sockargs_poll_list(const struct script *s, const struct script_event *ev,
                       struct sockargs_pollfd *p, int max, struct diag *d);

#endif
