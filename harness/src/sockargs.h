/* SPDX-License-Identifier: MIT
 *
 * The arguments of a script's socket call as the targets read them (the
 * linux target's sock_linux.c, and target_plugin.c, which runs the ref
 * target too): an argument's expression, its integer value ("..." taking a
 * default), the expression a value is written back to, the entries of a
 * poll() list, and the option value of setsockopt() and getsockopt().
 */
#ifndef SHAKEDOWN_SOCKARGS_H
#define SHAKEDOWN_SOCKARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "shakedown/diag.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

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

/*
 * The message for argument i that is not what the call takes (an integer,
 * a known symbol or "..."); returns -1.
 */
int sockargs_bad(struct diag *d, const struct script *s,
                 const struct script_event *ev, unsigned i);

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

/* An option value: an int, SO_LINGER's struct, or IP_OPTIONS' bytes. */
union sockargs_optval {
	int i;
	struct linger l;
	uint8_t b[40]; /* IP_OPTIONS: at most 40 bytes */
};

/*
 * The level and name of setsockopt() or getsockopt() (arguments 2 and 3);
 * 0, or -1 with *d.
 */
int sockargs_opt_name(const struct script *s, const struct script_event *ev,
                      int64_t *level, int64_t *name, struct diag *d);

/*
 * The arguments of setsockopt(): level, name, the value (argument 4, as
 * the option takes it: {l_onoff=..., l_linger=...} for SO_LINGER, a byte
 * list for IP_OPTIONS, else an integer) into *val, and its length
 * (argument 5; "..." or a length out of 0 .. sizeof(*val) is the value's
 * natural one). Returns 0, or -1 with *d.
 */
int sockargs_setsockopt(const struct script *s, const struct script_event *ev,
                        int64_t *level, int64_t *name,
                        union sockargs_optval *val, unsigned *len,
                        struct diag *d);

/* Whether level and name are SO_LINGER, whose value is a struct linger. */
bool sockargs_is_linger(int64_t level, int64_t name);

/*
 * What getsockopt() returned into the script's expressions: val (a struct
 * linger when linger, else an int) into argument 4, len into argument 5.
 */
void sockargs_getsockopt_out(const struct script *s,
                             const struct script_event *ev, bool linger,
                             const union sockargs_optval *val, int64_t len,
                             struct target_sysret *r);

#endif
