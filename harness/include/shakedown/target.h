/* SPDX-License-Identifier: MIT
 *
 * The one small table every target implements (STYLE R4): open a fresh
 * instance for one script run, inject an IP packet, wait for the packets the
 * stack sends, run a socket call, run a shell command, close. The runner
 * (run.c) only talks to targets through it.
 */
#ifndef SHAKEDOWN_TARGET_H
#define SHAKEDOWN_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shakedown/diag.h"
#include "shakedown/edges.h"
#include "shakedown/script.h"
#include "tcpref/types.h"

#define TARGET_PKT_MAX 65535

/* Addresses and ports of a run: the stack's side and the script's side. */
struct target_addrs {
	struct tcp_addr stack_addr;  /* 192.0.2.1 (TEST-NET-1) by default */
	struct tcp_addr script_addr; /* 192.0.2.2 */
	uint16_t stack_port;         /* port the stack listens on: 8080 */
	uint16_t script_port;        /* the script side's port: 40000 */
};

struct target_opts {
	struct target_addrs addrs;
	const char *profile;    /* "default", "rfc5961", "legacy" */
	const char *script_dir; /* folder of the script (shell commands) */
	/*
	 * The script's "// config:" words (script_config_word), for the
	 * targets that take them (target_ops.takes_config).
	 */
	const char (*config)[SCRIPT_NAME_MAX];
	size_t config_n;
	bool verbose;
	/* The plugin target: the module to load (an absolute path). */
	const char *plugin;
};

/* A packet the stack sent, with the target's time of sending. */
struct target_pkt {
	uint64_t t_us;
	size_t len;
	uint8_t buf[TARGET_PKT_MAX]; /* IPv4 or IPv6 header + TCP */
};

#define TARGET_OUT_MAX 16 /* values one call writes back through pointers */

/*
 * A value a call wrote back through a pointer argument, to be compared with
 * the script's expression at pool index 'expr' (the "[0]" of getsockopt,
 * the "revents=POLLIN" of poll, the fields of a struct linger).
 */
struct target_out {
	int32_t expr;  /* script expression pool index of the expected value */
	int64_t val;   /* what the call wrote */
	char what[24]; /* name for diagnostics: "optval", "revents" */
};

/* What a socket call returned. */
struct target_sysret {
	bool done;     /* false: the call blocks (still pending) */
	int64_t ret;   /* return value (-1 on error, as for syscalls) */
	int err;       /* errno value (host <errno.h>), 0 when none */
	uint64_t t_us; /* when it returned */
	/*
	 * read/recv: the bytes the call returned (ret of them), owned by
	 * the target and valid until its next call; NULL when the target
	 * does not give them (the runner then checks only the count).
	 */
	const uint8_t *data;
	/* Values written back through pointers ([0] of getsockopt, poll). */
	int64_t out_val;                        /* outs[0].val when out_n > 0 */
	uint8_t out_n;                          /* entries used in outs */
	struct target_out outs[TARGET_OUT_MAX]; /* checked by the runner */
};

/*
 * Something the target noticed that the run log should show: a state change
 * of the script's connection (driven by a timer between scripted events, or
 * by an event) or a segment the stack dropped, with the reason.
 */
struct target_note {
	enum {
		TARGET_NOTE_STATE,
		TARGET_NOTE_DROP
	} kind;
	uint64_t t_us;  /* target time when it happened */
	char state[16]; /* STATE: the new state ("CLOSED") */
	char text[96];  /* "TIME-WAIT -> CLOSED (timeout: 2MSL)" */
};

struct target;

struct target_ops {
	const char *name;   /* "ref", "linux" */
	bool virtual_clock; /* time jumps (ref) rather than passes (linux) */
	/*
	 * Whether a run with options *o satisfies "// requires: req" (for
	 * example "rfc5961"). false with a reason in why[0..n) (NUL-terminated)
	 * when not. NULL: the target satisfies no requirement.
	 */
	bool (*satisfies)(const struct target_opts *o, const char *req,
	                  char *why, size_t n);
	/*
	 * Creates an instance for one run; 0, 1 when this target cannot run
	 * the script (the run is SKIP, the reason in d->msg), or -1 with *d.
	 */
	int (*open)(struct target **t, const struct target_opts *o,
	            struct diag *d);
	/* Releases everything the instance holds. */
	void (*close)(struct target *t);
	/* Time since the run began, in microseconds. */
	uint64_t (*now_us)(struct target *t);
	/* Lets time pass until t_us (virtual: jumps; real: sleeps). */
	int (*advance_to)(struct target *t, uint64_t t_us, struct diag *d);
	/* Gives one IP packet to the stack at the current time. */
	int (*inject)(struct target *t, const uint8_t *pkt, size_t len,
	              struct diag *d);
	/*
	 * Waits until deadline_us for the next packet the stack sends.
	 * Returns 1 with *p (time advances to its sending time), 0 when the
	 * deadline passed with nothing (time is then deadline_us), -1 with *d.
	 */
	int (*recv)(struct target *t, uint64_t deadline_us,
	            struct target_pkt *p, struct diag *d);
	/*
	 * Starts the socket call of event ev. Returns 0 with *r telling
	 * whether it completed (a call that blocks completes later through
	 * poll_syscall), 1 when the target cannot run the call (an option
	 * its stack does not have: the run stops as SKIP, the reason in
	 * d->msg), or -1 with *d.
	 */
	int (*syscall)(struct target *t, const struct script *s,
	               const struct script_event *ev, struct target_sysret *r,
	               struct diag *d);
	/* Whether the pending blocking call completed (r->done). */
	int (*poll_syscall)(struct target *t, struct target_sysret *r,
	                    struct diag *d);
	/*
	 * A shell command of the script. Returns 1 when run, 0 when this
	 * target does not run commands (the reference never changes the
	 * host), -1 with *d when it failed.
	 */
	int (*command)(struct target *t, const char *cmd, struct diag *d);
	/*
	 * The stack's state for the ladder diagram ("ESTABLISHED"), or NULL
	 * when the target cannot tell (then the harness infers it).
	 */
	const char *(*state)(struct target *t);
	/*
	 * Optional (may be NULL). Pops the oldest note not yet taken: 1 with
	 * *n, 0 when there is none.
	 */
	int (*next_note)(struct target *t, struct target_note *n);
	/*
	 * Optional (may be NULL). Whether this machine can run the target
	 * at all: 0, or -1 with one line in why[0..n) saying what is missing
	 * and how to run it (the CLI prints it and exits 2).
	 */
	int (*preflight)(char *why, size_t n);
	/*
	 * Every run must happen in a process of its own (open() changes the
	 * process, e.g. moves it into a network namespace that must vanish
	 * with it): the CLI forks a child per script.
	 */
	bool own_process;
	/*
	 * Optional (may be NULL). The checklist edges the instance took so
	 * far into hits[0..SD_EDGES] (edges.h); returns true when they come
	 * from the stack's own trace, false when inferred from the wire.
	 */
	bool (*edges)(struct target *t, uint64_t *hits);
	/*
	 * The script's "// config:" lines go to open() (target_opts.config);
	 * on other targets a script that has them is SKIP.
	 */
	bool takes_config;
};

/*
 * Records that the call wrote val back through the argument whose script
 * expression is expr ("what" names it in messages); ignored when expr < 0
 * or when TARGET_OUT_MAX values are recorded already.
 */
void target_sysret_out(struct target_sysret *r, int32_t expr, int64_t val,
                       const char *what);

/*
 * The socket address argument at script expression expr (bind, connect:
 * {sa_family=..., sin_port=htons(N), sin_addr=inet_addr("A")}) into *a and
 * *port; "..." or no argument leaves them as they are. Returns 0, -1 for
 * an argument that is no socket address, or 1 (nothing changed) when
 * same_family is set and its family is not that of *a.
 */
int target_sockaddr_arg(const struct script *s, int32_t expr, bool same_family,
                        struct tcp_addr *a, uint16_t *port);

/* The targets built into this harness; NULL when the name is unknown. */
const struct target_ops *target_find(const char *name);

/* ---- The plugin target (target_plugin.c, stack_plugin.h) ------------- */

#define TARGET_PLUGIN_PATH_MAX 4096

struct sd_stack_plugin; /* stack_plugin.h */

/*
 * A plugin module the CLI loaded: the target that runs it, named after the
 * plugin's table (its "name"), and the path every run loads it from
 * (target_opts.plugin). Owned by the caller; target_plugin_unload().
 */
struct target_plugin {
	struct target_ops ops;
	char name[16];                       /* the plugin's name */
	char path[TARGET_PLUGIN_PATH_MAX];   /* absolute path of the module */
	void *dl;                            /* dlopen() handle */
	const struct sd_stack_plugin *table; /* its checked table */
};

/*
 * Loads the module at 'path' (dlopen) and checks it: the entry symbol
 * SD_PLUGIN_ENTRY, the ABI number, a name and every required function.
 * Returns 0, or -1 with one line in why[0..n) (dlerror's text, a missing
 * symbol or function, both ABI numbers). 'path' may be untrusted input;
 * the module itself is trusted code, run in this process.
 */
int target_plugin_load(struct target_plugin *m, const char *path, char *why,
                       size_t n);

/* Releases what target_plugin_load() took; m may be unloaded twice. */
void target_plugin_unload(struct target_plugin *m);

/*
 * Finds the module of the plugin named 'name' (sd_NAME.so) in, in order:
 * $SHAKEDOWN_PLUGIN_DIR, the folder plugins/ next to the running binary,
 * and the build's plugins folder (SHAKEDOWN_PLUGIN_BUILD_DIR). Returns 0
 * with its path in path[0..n), or -1 with the folders tried in
 * why[0..wn) ("no sd_NAME.so in DIR, DIR ($SHAKEDOWN_PLUGIN_DIR unset)").
 */
int target_plugin_find(const char *name, char *path, size_t n, char *why,
                       size_t wn);

extern const struct target_ops target_ref_ops;
extern const struct target_ops target_linux_ops;

#endif
