/* SPDX-License-Identifier: MIT
 *
 * The plugin target's extension for built-in targets: the ref target
 * (target_ref.c) is the plugin target (target_plugin.c) driving the
 * statically linked reference plugin, plus what only the reference gives
 * (the protocol oracle after every step, notes, edges from its trace). Not
 * part of the harness API.
 */
#ifndef SHAKEDOWN_TARGET_REF_H
#define SHAKEDOWN_TARGET_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/oracle.h"
#include "shakedown/stack_plugin.h"
#include "shakedown/target.h"
#include "shakedown/tcp_errno.h"

/* The ref target's descriptors start here: scripts expect socket() = 3. */
#define REF_FD_BASE 3

/* Maps a negative tcp_err to an errno value (ECONNRESET, ...). */
static inline int target_ref__errno(int tcp_err)
{
	return sd_tcp_errno(tcp_err);
}

/* What a built-in target adds to the plugin target; every hook optional. */
struct target_plugin_ext {
	const char *who;       /* messages start "who: ...": "ref" */
	const char *calls_by;  /* "not supported by the reference target" */
	bool option_errors;    /* ENOPROTOOPT is the call's result, no SKIP */
	bool script_peer_only; /* connect() reaches only the script side */
	bool no_sendto;        /* sendto() is not supported */
	/* Before create(): 0, or -1 with *d. */
	int (*check)(const struct target_opts *o, struct diag *d);
	/* After create(): the extension's state in *x; 0, or -1 with *d. */
	int (*attach)(void *inst, void **x, struct diag *d);
	/* Before destroy(). */
	void (*detach)(void *x);
	/* A step begins: time, a packet (pkt, len) or the application. */
	void (*begin)(void *x, enum sd_step step, const uint8_t *pkt,
	              size_t len);
	/* The application step is a send on plugin handle h. */
	void (*sent)(void *x, int h);
	/* The step ended: 0, or -1 with *d. */
	int (*end)(void *x, struct diag *d);
};

/*
 * Opens the plugin target on table p, linked in, with the extension ext
 * (may be NULL); returns as target_ops.open.
 */
int target_plugin__open(struct target **tp, const struct target_opts *o,
                        const struct sd_stack_plugin *p,
                        const struct target_plugin_ext *ext, struct diag *d);

/* The extension's state of an instance (attach()'s *x). */
void *target_plugin__ext(struct target *t);

/* The plugin target's operations, for a built-in target's table. */
void target_plugin__close(struct target *t);
uint64_t target_plugin__now_us(struct target *t);
int target_plugin__advance_to(struct target *t, uint64_t t_us, struct diag *d);
int target_plugin__inject(struct target *t, const uint8_t *pkt, size_t len,
                          struct diag *d);
int target_plugin__recv(struct target *t, uint64_t deadline_us,
                        struct target_pkt *p, struct diag *d);
int target_plugin__syscall(struct target *t, const struct script *s,
                           const struct script_event *ev,
                           struct target_sysret *r, struct diag *d);
int target_plugin__poll_syscall(struct target *t, struct target_sysret *r,
                                struct diag *d);
int target_plugin__command(struct target *t, const char *cmd, struct diag *d);
const char *target_plugin__state(struct target *t);

#endif
