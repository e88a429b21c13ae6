/* SPDX-License-Identifier: MIT
 *
 * The plugin target: a TCP stack in a shared object behind stack_plugin.h
 * (`--target plugin:PATH.so`, or `--target NAME` for a module sd_NAME.so),
 * run in-process on a virtual clock like the reference. The script's
 * descriptors (3, 4, ...) map onto the plugin's handles; O_NONBLOCK lives
 * here, and a call that would block is tried again after every packet the
 * stack is given and every advance() of its clock until it completes.
 * harness/PLUGINS.md is the guide for stack authors.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pktq.h"
#include "shakedown/run.h"
#include "shakedown/stack_plugin.h"
#include "shakedown/target.h"
#include "sockargs.h"
#include "symtab.h"
#include "target_ref.h"

#ifndef SHAKEDOWN_PLUGIN_BUILD_DIR
#define SHAKEDOWN_PLUGIN_BUILD_DIR "build/plugins"
#endif

#define PL_FDS 32              /* script descriptors 3 .. 3 + PL_FDS - 1 */
#define PL_FD_BASE REF_FD_BASE /* socket() = 3, as scripts expect */
#define PL_POLL_MAX 8          /* pollfd entries per poll() */
#define PL_IO_MAX 65536u       /* bytes one read() takes, one send() offers */
#define PL_QUEUE_MAX 4096      /* sent packets waiting for the runner */
#define PL_STUCK_MAX                                                           \
	1000      /* advance() calls at one time that leave a                  \
	             deadline at or before it: a plugin bug */
#define PL_SKIP 2 /* sys_*: the target cannot run the call */

/* What write() sends: the payload bytes are not part of any check. */
static const uint8_t pl_zeros[PL_IO_MAX];

/* One script descriptor. */
struct pl_sock {
	bool used;
	int h;         /* the plugin's handle */
	bool nonblock; /* O_NONBLOCK: the harness's, never the plugin's */
	bool bound; /* bind() done (by the script or before listen/connect) */
	struct sd_plugin_addr peer; /* what connect() was given */
};

enum pl_call {
	PL_CALL_NONE,
	PL_CALL_ACCEPT,
	PL_CALL_CONNECT,
	PL_CALL_READ,
	PL_CALL_WRITE,
	PL_CALL_POLL,
};

/* The one socket call that may be blocked at a time. */
struct pl_pending {
	enum pl_call call;
	int fd;
	size_t len;        /* READ: buffer size; WRITE: bytes asked */
	size_t done_bytes; /* WRITE: bytes the stack took so far */
	int flags;         /* READ, WRITE: MSG_* handed to the plugin */
	const struct script *s;
	const struct script_event *ev;
	uint64_t deadline_us; /* POLL: its timeout, or SD_PLUGIN_NO_DEADLINE */
	bool complete;        /* r holds the result, not yet polled */
	struct target_sysret r;
};

struct target {
	struct target_opts o;
	char name[16]; /* the plugin's name */
	char who[24];  /* messages start with it: "plugin NAME", "ref" */
	void *dl;      /* dlopen() handle of the module; NULL when linked in */
	const struct sd_stack_plugin *p;
	const struct target_plugin_ext *ext; /* a built-in target's, or NULL */
	void *x;                             /* ext's state (attach) */
	void *inst;      /* the instance; NULL until create() succeeded */
	uint64_t now_us; /* the virtual clock; the plugin's is the same */
	struct pktq q;   /* output()'s packets, sent at virtual times */
	struct pl_sock socks[PL_FDS];
	struct pl_pending pend;
	uint8_t pkt[TARGET_PKT_MAX]; /* output()'s buffer */
	uint8_t io[PL_IO_MAX];       /* the bytes of the last read */
};

/* ---- Loading and checking a module --------------------------------- */

/* The first function a plugin must have and does not, or NULL. */
static const char *pl_missing(const struct sd_stack_plugin *p)
{
	/* clang-format off */
	const struct {
		bool have;
		const char *name;
	} req[] = {
		{ p->create != NULL, "create" },
		{ p->destroy != NULL, "destroy" },
		{ p->input != NULL, "input" },
		{ p->output != NULL, "output" },
		{ p->advance != NULL, "advance" },
		{ p->next_deadline != NULL, "next_deadline" },
		{ p->socket != NULL, "socket" },
		{ p->bind != NULL, "bind" },
		{ p->listen != NULL, "listen" },
		{ p->accept != NULL, "accept" },
		{ p->connect != NULL, "connect" },
		{ p->send != NULL, "send" },
		{ p->recv != NULL, "recv" },
		{ p->shutdown != NULL, "shutdown" },
		{ p->close != NULL, "close" },
		{ p->setsockopt != NULL, "setsockopt" },
		{ p->getsockopt != NULL, "getsockopt" },
		{ p->poll != NULL, "poll" },
	};
	/* clang-format on */
	size_t i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!req[i].have)
			return req[i].name;
	return NULL;
}

/*
 * A plugin's name names its target and its profile: 1 to 15 letters,
 * digits, '-', '_' or '.'.
 */
static bool pl_name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 15)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

/*
 * The table of the module dl (loaded from path), checked: 0 with *out, or
 * -1 with one line in why.
 */
static int pl_table(void *dl, const char *path,
                    const struct sd_stack_plugin **out, char *why, size_t n)
{
	const struct sd_stack_plugin *p;
	sd_stack_plugin_fn fn;
	const char *miss;
	void *sym;

	(void)dlerror();
	sym = dlsym(dl, SD_PLUGIN_ENTRY);
	if (!sym) {
		snprintf(why, n,
		         "plugin '%s' has no symbol %s (a plugin exports it "
		         "with SD_PLUGIN_ENTRY; see harness/PLUGINS.md)",
		         path, SD_PLUGIN_ENTRY);
		return -1;
	}
	/* POSIX: dlsym()'s pointer converts to the function's type. */
	memcpy(&fn, &sym, sizeof(fn));
	p = fn();
	if (!p) {
		snprintf(why, n, "plugin '%s': %s() returned no table", path,
		         SD_PLUGIN_ENTRY);
		return -1;
	}
	if (p->abi != SD_PLUGIN_ABI) {
		snprintf(why, n,
		         "plugin '%s' is built for plugin ABI %u, this "
		         "shakedown has ABI %d (rebuild it against this "
		         "harness's include/shakedown/stack_plugin.h)",
		         path, (unsigned)p->abi, SD_PLUGIN_ABI);
		return -1;
	}
	if (!pl_name_ok(p->name)) {
		snprintf(why, n,
		         "plugin '%s': its name must be 1 to 15 letters, "
		         "digits, '-', '_' or '.'",
		         path);
		return -1;
	}
	miss = pl_missing(p);
	if (miss) {
		snprintf(why, n,
		         "plugin '%s' (%s) lacks the function %s(), which "
		         "every plugin must have",
		         path, p->name, miss);
		return -1;
	}
	*out = p;
	return 0;
}

static const struct target_ops target_plugin_ops;

int target_plugin_load(struct target_plugin *m, const char *path, char *why,
                       size_t n)
{
	const struct sd_stack_plugin *p;
	char abs[PATH_MAX];
	const char *e;

	memset(m, 0, sizeof(*m));
	/* A path without '/' would make dlopen() search the system. */
	if (!realpath(path, abs)) {
		snprintf(why, n, "cannot load plugin '%s': %s", path,
		         strerror(errno));
		return -1;
	}
	if (strlen(abs) >= sizeof(m->path)) {
		snprintf(why, n, "cannot load plugin '%s': %s", path,
		         strerror(ENAMETOOLONG));
		return -1;
	}
	m->dl = dlopen(abs, RTLD_NOW | RTLD_LOCAL);
	if (!m->dl) {
		e = dlerror();
		snprintf(why, n, "cannot load plugin '%s': %s", path,
		         e ? e : "dlopen failed");
		return -1;
	}
	if (pl_table(m->dl, path, &p, why, n) != 0) {
		target_plugin_unload(m);
		return -1;
	}
	snprintf(m->name, sizeof(m->name), "%s", p->name);
	snprintf(m->path, sizeof(m->path), "%s", abs);
	m->table = p;
	m->ops = target_plugin_ops;
	m->ops.name = m->name;
	return 0;
}

void target_plugin_unload(struct target_plugin *m)
{
	if (m->dl)
		dlclose(m->dl);
	m->dl = NULL;
	m->table = NULL;
}

/* Appends dir to the list dirs (n used) unless it is there already. */
static void dir_add(char (*dirs)[PATH_MAX], size_t *n, const char *dir)
{
	size_t i;

	if (!dir || !dir[0] || strlen(dir) >= PATH_MAX)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(dirs[i], dir) == 0)
			return;
	snprintf(dirs[(*n)++], PATH_MAX, "%s", dir);
}

int target_plugin_find(const char *name, char *path, size_t n, char *why,
                       size_t wn)
{
	char dirs[3][PATH_MAX];
	char exe[PATH_MAX];
	const char *env = getenv("SHAKEDOWN_PLUGIN_DIR");
	size_t nd = 0, i, at;
	ssize_t len;

	if (!pl_name_ok(name)) {
		snprintf(why, wn, "no plugin can be named '%s'", name);
		return -1;
	}
	dir_add(dirs, &nd, env);
	/* The folder plugins/ next to this binary (build/plugins). */
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *slash;

		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash &&
		    (size_t)(slash - exe) + sizeof("/plugins") <= sizeof(exe)) {
			memcpy(slash, "/plugins", sizeof("/plugins"));
			dir_add(dirs, &nd, exe);
		}
	}
	dir_add(dirs, &nd, SHAKEDOWN_PLUGIN_BUILD_DIR);
	for (i = 0; i < nd; i++) {
		if (snprintf(path, n, "%s/sd_%s.so", dirs[i], name) < (int)n &&
		    access(path, F_OK) == 0)
			return 0;
	}
	at = (size_t)snprintf(why, wn, "no sd_%s.so in", name);
	for (i = 0; i < nd && at < wn; i++)
		at += (size_t)snprintf(why + at, wn - at, "%s %s", i ? "," : "",
		                       dirs[i]);
	if (at < wn && (!env || !env[0]))
		snprintf(why + at, wn - at, " ($SHAKEDOWN_PLUGIN_DIR unset)");
	return -1;
}

/* ---- Results and arguments ------------------------------------------ */

static int sys_ok(struct target *t, struct target_sysret *r, int64_t ret)
{
	r->done = true;
	r->ret = ret;
	r->err = 0;
	r->t_us = t->now_us;
	return 1;
}

static int sys_err(struct target *t, struct target_sysret *r, int err)
{
	r->done = true;
	r->ret = -1;
	r->err = err;
	r->t_us = t->now_us;
	return 1;
}

/* The errno value of a plugin's negative result (EIO if it is none). */
static int pl_errno(long rc)
{
	return rc < 0 && rc >= -4095 ? (int)-rc : EIO;
}

/* A plugin result that breaks the contract of stack_plugin.h. */
static int pl_broken(struct target *t, struct diag *d, const char *what,
                     long rc)
{
	return diag_set(d, "", 0, 0, NULL, 0,
	                "%s: %s returned %ld, which stack_plugin.h "
	                "does not allow",
	                t->who, what, rc);
}

static void pl_addr(struct sd_plugin_addr *pa, const struct tcp_addr *a,
                    uint16_t port)
{
	memset(pa, 0, sizeof(*pa));
	pa->family = a->family == TCP_AF_INET6 ? AF_INET6 : AF_INET;
	memcpy(pa->addr, a->a, pa->family == AF_INET6 ? 16 : 4);
	pa->port = port;
}

/* ---- Output queue and clock ------------------------------------------ */

/* Takes every packet output() has into the queue, sent now. */
static int pl_drain(struct target *t, struct diag *d)
{
	for (;;) {
		long n = t->p->output(t->inst, t->pkt, sizeof(t->pkt));
		int rc;

		if (n == 0)
			return 0;
		if (n == -EMSGSIZE)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "%s: a packet longer than %u "
			                "bytes (output() said -EMSGSIZE)",
			                t->who, (unsigned)sizeof(t->pkt));
		if (n < 0 || (size_t)n > sizeof(t->pkt))
			return pl_broken(t, d, "output()", n);
		rc = pktq_push(&t->q, t->pkt, (size_t)n, t->now_us,
		               PL_QUEUE_MAX);
		if (rc == PKTQ_FULL)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "%s: the stack sent more than %d "
			                "packets that no script line took",
			                t->who, PL_QUEUE_MAX);
		if (rc != 0)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "plugin: out of memory");
	}
}

static int pl_try_pending(struct target *t, struct diag *d);

/* A step begins, for a built-in target's extension (its oracle). */
static void pl_begin(struct target *t, enum sd_step step, const uint8_t *pkt,
                     size_t len)
{
	if (t->ext && t->ext->begin)
		t->ext->begin(t->x, step, pkt, len);
}

/* The step ended: 0, or -1 with *d when the extension objects. */
static int pl_end(struct target *t, struct diag *d)
{
	return t->ext && t->ext->end ? t->ext->end(t->x, d) : 0;
}

/* The application's step: the blocked call tried again. */
static int pl_app_step(struct target *t, struct diag *d)
{
	pl_begin(t, SD_STEP_APP, NULL, 0);
	if (pl_try_pending(t, d) != 0)
		return -1;
	return pl_end(t, d);
}

/* The next time something happens: a plugin timer or a poll() timeout. */
static uint64_t pl_deadline(const struct target *t)
{
	uint64_t a = t->p->next_deadline(t->inst);

	if (t->pend.call == PL_CALL_POLL && !t->pend.complete &&
	    t->pend.deadline_us < a)
		a = t->pend.deadline_us;
	return a;
}

/*
 * Moves the clock to 'at' (not back), runs the plugin's timers there,
 * collects what it sent and tries the blocked call. *stuck counts the
 * advances at one time that leave a deadline due.
 */
static int pl_step(struct target *t, uint64_t at, unsigned *stuck,
                   struct diag *d)
{
	if (at > t->now_us) {
		t->now_us = at;
		*stuck = 0;
	} else if (++*stuck > PL_STUCK_MAX) {
		return diag_set(d, "", 0, 0, NULL, 0,
		                "%s: next_deadline() stays at %llu us "
		                "after advance(%llu) ran its timers",
		                t->who,
		                (unsigned long long)t->p->next_deadline(
		                    t->inst),
		                (unsigned long long)t->now_us);
	}
	pl_begin(t, SD_STEP_TIME, NULL, 0);
	t->p->advance(t->inst, t->now_us);
	if (pl_end(t, d) != 0 || pl_drain(t, d) != 0)
		return -1;
	return pl_app_step(t, d);
}

int target_plugin__advance_to(struct target *t, uint64_t t_us, struct diag *d)
{
	unsigned stuck = 0;

	for (;;) {
		uint64_t dl = pl_deadline(t);

		if (dl == SD_PLUGIN_NO_DEADLINE || dl > t_us)
			break;
		if (pl_step(t, dl, &stuck, d) != 0)
			return -1;
	}
	if (t_us > t->now_us)
		return pl_step(t, t_us, &stuck, d);
	return 0;
}

int target_plugin__recv(struct target *t, uint64_t deadline_us,
                        struct target_pkt *p, struct diag *d)
{
	unsigned stuck = 0;

	for (;;) {
		uint64_t dl;

		if (!pktq_empty(&t->q))
			return pktq_take(&t->q, deadline_us, p);
		dl = pl_deadline(t);
		if (dl == SD_PLUGIN_NO_DEADLINE || dl > deadline_us) {
			/* Nothing due before the deadline: the clock goes
			 * there, and a tick-based stack may still send. */
			if (deadline_us <= t->now_us)
				return 0;
			if (pl_step(t, deadline_us, &stuck, d) != 0)
				return -1;
			continue;
		}
		if (pl_step(t, dl, &stuck, d) != 0)
			return -1;
	}
}

int target_plugin__inject(struct target *t, const uint8_t *pkt, size_t len,
                          struct diag *d)
{
	pl_begin(t, SD_STEP_SEG, pkt, len);
	t->p->input(t->inst, pkt, len);
	if (pl_end(t, d) != 0 || pl_drain(t, d) != 0)
		return -1;
	return pl_app_step(t, d);
}

/* ---- Descriptors ----------------------------------------------------- */

static struct pl_sock *sock_get(struct target *t, int64_t fd)
{
	if (fd < PL_FD_BASE || fd >= PL_FD_BASE + PL_FDS)
		return NULL;
	return t->socks[fd - PL_FD_BASE].used ? &t->socks[fd - PL_FD_BASE]
	                                      : NULL;
}

/* The lowest free descriptor, or -1. */
static int sock_free(const struct target *t)
{
	int i;

	for (i = 0; i < PL_FDS; i++)
		if (!t->socks[i].used)
			return PL_FD_BASE + i;
	return -1;
}

static struct pl_sock *sock_take(struct target *t, int fd, int h)
{
	struct pl_sock *k = &t->socks[fd - PL_FD_BASE];

	memset(k, 0, sizeof(*k));
	k->used = true;
	k->h = h;
	return k;
}

/*
 * Binds an unbound socket to the stack's address and port before listen(),
 * as the ref and linux targets do, so that the script's SYNs reach it.
 * (connect() leaves the choice of a local port to the plugin, as the ref
 * target does with its ephemeral ports, which start at the scripted one.)
 */
static void bind_default(struct target *t, struct pl_sock *k)
{
	struct sd_plugin_addr a;

	if (k->bound)
		return;
	pl_addr(&a, &t->o.addrs.stack_addr, t->o.addrs.stack_port);
	if (t->p->bind(t->inst, k->h, &a) == 0)
		k->bound = true;
}

/*
 * An option the plugin does not have (-ENOPROTOOPT): the script cannot run
 * here, unless it expects exactly that error.
 */
static bool no_option(const struct target *t, const struct script_event *ev,
                      int rc)
{
	if (t->ext && t->ext->option_errors)
		return false;
	return rc == -ENOPROTOOPT && strcmp(ev->u.sys.err, "ENOPROTOOPT") != 0;
}

static int skip_option(struct target *t, const struct script *s,
                       const struct script_event *ev, struct diag *d)
{
	char level[48], name[48];

	symtab_expr_render(s, sockargs_expr(ev, 1), level, sizeof(level));
	symtab_expr_render(s, sockargs_expr(ev, 2), name, sizeof(name));
	diag_set(d, s->path, ev->line, ev->col, NULL, 0,
	         "%s(%s, %s): %s does not have this option "
	         "(ENOPROTOOPT)",
	         ev->u.sys.name, level, name, t->who);
	return PL_SKIP;
}

/* ---- socket, bind, listen --------------------------------------------- */

static int sys_socket(struct target *t, const struct script *s,
                      const struct script_event *ev, struct target_sysret *r,
                      struct diag *d)
{
	bool v6 = t->o.addrs.stack_addr.family == TCP_AF_INET6;
	int64_t dom, type, proto;
	int fd, h;

	if (sockargs_int(s, ev, 0, v6 ? AF_INET6 : AF_INET, &dom) != 0)
		return sockargs_bad(d, s, ev, 0);
	if (sockargs_int(s, ev, 1, SOCK_STREAM, &type) != 0)
		return sockargs_bad(d, s, ev, 1);
	if (sockargs_int(s, ev, 2, IPPROTO_TCP, &proto) != 0)
		return sockargs_bad(d, s, ev, 2);
	if ((type & ~(int64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM ||
	    (proto != 0 && proto != IPPROTO_TCP))
		return sys_err(t, r, EPROTONOSUPPORT);
	if (dom != AF_INET && dom != AF_INET6)
		return sys_err(t, r, EAFNOSUPPORT);
	fd = sock_free(t);
	if (fd < 0)
		return sys_err(t, r, EMFILE);
	h = t->p->socket(t->inst, (int)dom);
	if (h < 0)
		return sys_err(t, r, pl_errno(h));
	sock_take(t, fd, h)->nonblock = (type & SOCK_NONBLOCK) != 0;
	return sys_ok(t, r, fd);
}

static int sys_bind(struct target *t, const struct script *s,
                    const struct script_event *ev, struct pl_sock *k,
                    struct target_sysret *r, struct diag *d)
{
	struct tcp_addr a = t->o.addrs.stack_addr;
	uint16_t port = t->o.addrs.stack_port;
	struct sd_plugin_addr pa;
	int rc;

	if (target_sockaddr_arg(s, sockargs_expr(ev, 1), false, &a, &port) < 0)
		return sockargs_bad(d, s, ev, 1);
	pl_addr(&pa, &a, port);
	rc = t->p->bind(t->inst, k->h, &pa);
	if (rc < 0)
		return sys_err(t, r, pl_errno(rc));
	k->bound = true;
	return sys_ok(t, r, 0);
}

static int sys_listen(struct target *t, const struct script *s,
                      const struct script_event *ev, struct pl_sock *k,
                      struct target_sysret *r, struct diag *d)
{
	int64_t backlog;
	int rc;

	if (sockargs_int(s, ev, 1, 128, &backlog) != 0)
		return sockargs_bad(d, s, ev, 1);
	if (backlog < 0)
		backlog = 0;
	bind_default(t, k);
	rc =
	    t->p->listen(t->inst, k->h, (int)(backlog > 4096 ? 4096 : backlog));
	if (rc < 0)
		return sys_err(t, r, pl_errno(rc));
	return sys_ok(t, r, 0);
}

/* ---- accept, connect --------------------------------------------------- */

/* 1 with *r when accept() completes now, 0 when it would block. */
static int try_accept(struct target *t, int fd, struct target_sysret *r)
{
	struct pl_sock *k = sock_get(t, fd), *n;
	struct sd_plugin_addr peer;
	int nfd, h;

	if (!k)
		return sys_err(t, r, EBADF);
	nfd = sock_free(t);
	if (nfd < 0)
		return sys_err(t, r, EMFILE);
	memset(&peer, 0, sizeof(peer));
	h = t->p->accept(t->inst, k->h, &peer);
	if (h == -EAGAIN)
		return 0;
	if (h < 0)
		return sys_err(t, r, pl_errno(h));
	/* O_NONBLOCK is not inherited (accept4 without flags). */
	n = sock_take(t, nfd, h);
	n->bound = true;
	return sys_ok(t, r, nfd);
}

/* The socket's pending error (getsockopt SO_ERROR), 0 when none. */
static int so_error(struct target *t, const struct pl_sock *k)
{
	int v = 0;
	unsigned len = sizeof(v);

	if (t->p->getsockopt(t->inst, k->h, SOL_SOCKET, SO_ERROR, &v, &len) !=
	        0 ||
	    v < 0)
		return 0;
	return v;
}

/*
 * A blocking connect(): 1 with *r once poll() shows the outcome (POLLOUT,
 * POLLERR or POLLHUP) and SO_ERROR says which, 0 while it goes on.
 */
static int try_connect(struct target *t, int fd, struct target_sysret *r)
{
	struct pl_sock *k = sock_get(t, fd);
	short m;
	int e;

	if (!k)
		return sys_err(t, r, EBADF);
	m = t->p->poll(t->inst, k->h, POLLOUT);
	if (!(m & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	e = so_error(t, k);
	if (e)
		return sys_err(t, r, e);
	if ((m & POLLOUT) && !(m & POLLERR)) {
		/*
		 * The application's connect() returned 0: tell the plugin
		 * with the call a non-blocking caller makes (Linux: the
		 * outcome once, 0 here), so that a later connect() on the
		 * socket is EISCONN as on the ref target.
		 */
		(void)t->p->connect(t->inst, k->h, &k->peer);
		return sys_ok(t, r, 0);
	}
	return sys_err(t, r, ECONNREFUSED);
}

/*
 * Whether a connect() to a:port may go on where only the script side is
 * reachable: to it, or to a broadcast or multicast address, which the stack
 * refuses itself (RFC 9293 3.9.1.1, MUST-46).
 */
static bool script_side(const struct target *t, const struct tcp_addr *a,
                        uint16_t port)
{
	if (a->family == TCP_AF_INET &&
	    (a->a[0] >= 224 || (a->a[0] == 192 && a->a[1] == 0 &&
	                        a->a[2] == 2 && a->a[3] == 255)))
		return true;
	if (a->family == TCP_AF_INET6 && a->a[0] == 0xff)
		return true;
	return tcp_addr_eq(a, &t->o.addrs.script_addr) &&
	       port == t->o.addrs.script_port;
}

static int sys_connect(struct target *t, const struct script *s,
                       const struct script_event *ev, struct pl_sock *k,
                       struct target_sysret *r, struct diag *d)
{
	struct tcp_addr a = t->o.addrs.script_addr;
	uint16_t port = t->o.addrs.script_port;
	bool only = t->ext && t->ext->script_peer_only;
	struct sd_plugin_addr pa;
	int rc;

	rc = target_sockaddr_arg(s, sockargs_expr(ev, 1), only, &a, &port);
	if (rc < 0)
		return sockargs_bad(d, s, ev, 1);
	if (rc > 0)
		return sys_err(t, r, EAFNOSUPPORT);
	if (only && !script_side(t, &a, port))
		return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
		                "connect: the reference target reaches only "
		                "the script side (its address and port "
		                "40000); write ... or those");
	pl_addr(&pa, &a, port);
	k->peer = pa;
	rc = t->p->connect(t->inst, k->h, &pa);
	if (rc == 0)
		return sys_ok(t, r, 0);
	if (rc != -EINPROGRESS || k->nonblock)
		return sys_err(t, r, pl_errno(rc));
	return 0; /* blocks until the handshake has an outcome */
}

/* ---- read, write ------------------------------------------------------- */

static int try_read(struct target *t, struct pl_pending *p,
                    struct target_sysret *r, struct diag *d)
{
	struct pl_sock *k = sock_get(t, p->fd);
	long n;

	if (!k)
		return sys_err(t, r, EBADF);
	n = t->p->recv(t->inst, k->h, t->io, p->len, p->flags);
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return sys_err(t, r, pl_errno(n));
	if ((size_t)n > p->len)
		return pl_broken(t, d, "recv()", n);
	sys_ok(t, r, n);
	r->data = t->io; /* the runner checks the bytes */
	return 1;
}

/*
 * Gives the stack what it takes of the pending write; 1 with *r when all
 * is taken (or it failed), 0 while it waits for room.
 */
static int try_write(struct target *t, struct pl_pending *p,
                     struct target_sysret *r, struct diag *d)
{
	struct pl_sock *k = sock_get(t, p->fd);

	if (!k)
		return sys_err(t, r, EBADF);
	do {
		size_t chunk = p->len - p->done_bytes;
		long n;

		if (chunk > sizeof(pl_zeros))
			chunk = sizeof(pl_zeros);
		n = t->p->send(t->inst, k->h, pl_zeros, chunk, p->flags);
		if (n == -EAGAIN || (n == 0 && chunk > 0))
			return 0;
		if (n < 0)
			return p->done_bytes
			           ? sys_ok(t, r, (int64_t)p->done_bytes)
			           : sys_err(t, r, pl_errno(n));
		if ((size_t)n > chunk)
			return pl_broken(t, d, "send()", n);
		p->done_bytes += (size_t)n;
		if ((size_t)n < chunk)
			return 0;
	} while (p->done_bytes < p->len);
	return sys_ok(t, r, (int64_t)p->len);
}

/* ---- setsockopt, getsockopt ------------------------------------------- */

static int sys_setsockopt(struct target *t, const struct script *s,
                          const struct script_event *ev, struct pl_sock *k,
                          struct target_sysret *r, struct diag *d)
{
	int64_t level, name;
	union sockargs_optval val;
	unsigned len;
	int rc;

	if (sockargs_setsockopt(s, ev, &level, &name, &val, &len, d) != 0)
		return -1;
	rc = t->p->setsockopt(t->inst, k->h, (int)level, (int)name, &val, len);
	if (no_option(t, ev, rc))
		return skip_option(t, s, ev, d);
	if (rc < 0)
		return sys_err(t, r, pl_errno(rc));
	return sys_ok(t, r, 0);
}

static int sys_getsockopt(struct target *t, const struct script *s,
                          const struct script_event *ev, struct pl_sock *k,
                          struct target_sysret *r, struct diag *d)
{
	int64_t level, name;
	union sockargs_optval val;
	unsigned len;
	bool linger;
	int rc;

	memset(&val, 0, sizeof(val));
	if (sockargs_opt_name(s, ev, &level, &name, d) != 0)
		return -1;
	linger = sockargs_is_linger(level, name);
	len = linger ? sizeof(struct linger) : sizeof(int);
	rc = t->p->getsockopt(t->inst, k->h, (int)level, (int)name, &val, &len);
	if (no_option(t, ev, rc))
		return skip_option(t, s, ev, d);
	if (rc < 0)
		return sys_err(t, r, pl_errno(rc));
	if (len > sizeof(val))
		return pl_broken(t, d, "getsockopt() length", (long)len);
	sys_ok(t, r, 0);
	sockargs_getsockopt_out(s, ev, linger, &val, len, r);
	return 1;
}

/* ---- fcntl, poll -------------------------------------------------------- */

/* O_NONBLOCK is the harness's: the plugin's calls never block anyway. */
static int sys_fcntl(struct target *t, const struct script *s,
                     const struct script_event *ev, struct pl_sock *k,
                     struct target_sysret *r, struct diag *d)
{
	int64_t cmd, arg;

	if (sockargs_int(s, ev, 1, -1, &cmd) != 0)
		return sockargs_bad(d, s, ev, 1);
	if (cmd == F_GETFL)
		return sys_ok(t, r, O_RDWR | (k->nonblock ? O_NONBLOCK : 0));
	if (cmd != F_SETFL)
		return sys_err(t, r, EINVAL);
	if (sockargs_int(s, ev, 2, 0, &arg) != 0)
		return sockargs_bad(d, s, ev, 2);
	k->nonblock = (arg & O_NONBLOCK) != 0;
	return sys_ok(t, r, 0);
}

/* 1 with *r when poll() returns now (events, or timed out), else 0. */
static int try_poll(struct target *t, const struct script *s,
                    const struct script_event *ev, bool timed_out,
                    struct target_sysret *r, struct diag *d)
{
	struct sockargs_pollfd pf[PL_POLL_MAX];
	int64_t revents[PL_POLL_MAX];
	int k, n, ready = 0;

	n = sockargs_poll_list(s, ev, pf, PL_POLL_MAX, d);
	if (n < 0)
		return -1;
	for (k = 0; k < n; k++) {
		const struct pl_sock *so = sock_get(t, pf[k].fd);
		int64_t want = pf[k].events | POLLERR | POLLHUP;

		revents[k] =
		    so ? t->p->poll(t->inst, so->h, (short)pf[k].events) & want
		       : POLLNVAL;
		if (revents[k])
			ready++;
	}
	if (ready == 0 && !timed_out)
		return 0;
	sys_ok(t, r, ready);
	for (k = 0; k < n; k++)
		target_sysret_out(r, pf[k].revents_expr, revents[k], "revents");
	return 1;
}

/* ---- Blocking calls --------------------------------------------------- */

/* Tries pending call p; 1 with *r when it completed, 0, or -1 with *d. */
static int pending_attempt(struct target *t, struct pl_pending *p,
                           struct target_sysret *r, struct diag *d)
{
	switch (p->call) {
	case PL_CALL_ACCEPT:
		return try_accept(t, p->fd, r);
	case PL_CALL_CONNECT:
		return try_connect(t, p->fd, r);
	case PL_CALL_READ:
		return try_read(t, p, r, d);
	case PL_CALL_WRITE:
		return try_write(t, p, r, d);
	case PL_CALL_POLL:
		return try_poll(t, p->s, p->ev, t->now_us >= p->deadline_us, r,
		                d);
	case PL_CALL_NONE:
	default:
		return 0;
	}
}

static int pl_try_pending(struct target *t, struct diag *d)
{
	struct pl_pending *p = &t->pend;
	struct target_sysret r;
	int rc;

	if (p->call == PL_CALL_NONE || p->complete)
		return 0;
	memset(&r, 0, sizeof(r));
	rc = pending_attempt(t, p, &r, d);
	if (rc < 0)
		return -1;
	if (pl_drain(t, d) != 0)
		return -1;
	if (rc > 0) {
		p->r = r;
		p->complete = true;
	}
	return 0;
}

/* Makes p the blocked call (r->done stays false). */
static int block(struct target *t, const struct pl_pending *p,
                 struct target_sysret *r)
{
	t->pend = *p;
	t->pend.complete = false;
	memset(r, 0, sizeof(*r));
	r->done = false;
	r->t_us = t->now_us;
	return 0;
}

int target_plugin__poll_syscall(struct target *t, struct target_sysret *r,
                                struct diag *d)
{
	(void)d;
	memset(r, 0, sizeof(*r));
	if (t->pend.call == PL_CALL_NONE || !t->pend.complete)
		return 0;
	*r = t->pend.r;
	r->done = true;
	t->pend.call = PL_CALL_NONE;
	t->pend.complete = false;
	return 0;
}

/* ---- Dispatch --------------------------------------------------------- */

/* read, recv: 1 (done), 0 (blocks) or -1. */
static int sys_read(struct target *t, const struct script *s,
                    const struct script_event *ev, struct pl_sock *k,
                    struct pl_pending *p, struct target_sysret *r,
                    struct diag *d)
{
	int64_t v, flags = 0;
	int rc;

	if (sockargs_int(s, ev, 2, PL_IO_MAX, &v) != 0)
		return sockargs_bad(d, s, ev, 2);
	if (strcmp(ev->u.sys.name, "recv") == 0 &&
	    sockargs_int(s, ev, 3, 0, &flags) != 0)
		return sockargs_bad(d, s, ev, 3);
	if (v < 0)
		return sys_err(t, r, EINVAL);
	p->len = (size_t)(v > PL_IO_MAX ? PL_IO_MAX : v);
	p->flags = (int)(flags & ~(int64_t)MSG_DONTWAIT);
	rc = try_read(t, p, r, d);
	if (rc != 0)
		return rc;
	if (k->nonblock || (flags & MSG_DONTWAIT))
		return sys_err(t, r, EAGAIN);
	p->call = PL_CALL_READ;
	return block(t, p, r);
}

/* write, send, sendto (whose address a connected socket ignores). */
static int sys_write(struct target *t, const struct script *s,
                     const struct script_event *ev, struct pl_sock *k,
                     struct pl_pending *p, struct target_sysret *r,
                     struct diag *d)
{
	int64_t v, flags = 0;
	long n;
	int rc;

	if (sockargs_int(s, ev, 2, 0, &v) != 0)
		return sockargs_bad(d, s, ev, 2);
	if (ev->u.sys.name[0] == 's' && sockargs_int(s, ev, 3, 0, &flags) != 0)
		return sockargs_bad(d, s, ev, 3);
	if (v < 0)
		return sys_err(t, r, EINVAL);
	p->len = (size_t)v;
	p->flags = (int)(flags & ~(int64_t)(MSG_DONTWAIT | MSG_NOSIGNAL));
	if (v == 0) { /* the stack still says whether it could send */
		n = t->p->send(t->inst, k->h, pl_zeros, 0, p->flags);
		return n < 0 && n != -EAGAIN ? sys_err(t, r, pl_errno(n))
		                             : sys_ok(t, r, 0);
	}
	rc = try_write(t, p, r, d);
	if (rc != 0)
		return rc;
	if (k->nonblock || (flags & MSG_DONTWAIT))
		return p->done_bytes ? sys_ok(t, r, (int64_t)p->done_bytes)
		                     : sys_err(t, r, EAGAIN);
	p->call = PL_CALL_WRITE;
	return block(t, p, r);
}

static int sys_dispatch(struct target *t, const struct script *s,
                        const struct script_event *ev, struct target_sysret *r,
                        struct diag *d)
{
	const char *name = ev->u.sys.name;
	struct pl_pending p;
	struct pl_sock *k;
	int64_t fd, v;
	int rc;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.ev = ev;
	p.deadline_us = SD_PLUGIN_NO_DEADLINE;
	if (strcmp(name, "socket") == 0)
		return sys_socket(t, s, ev, r, d);
	if (strcmp(name, "poll") == 0) {
		if (sockargs_int(s, ev, 2, -1, &v) != 0)
			return sockargs_bad(d, s, ev, 2);
		rc = try_poll(t, s, ev, v == 0, r, d);
		if (rc != 0)
			return rc;
		p.call = PL_CALL_POLL;
		if (v > 0)
			p.deadline_us = t->now_us + (uint64_t)v * 1000u;
		return block(t, &p, r);
	}
	if (sockargs_int(s, ev, 0, -1, &fd) != 0)
		return sockargs_bad(d, s, ev, 0);
	k = sock_get(t, fd);
	if (!k)
		return sys_err(t, r, EBADF);
	p.fd = (int)fd;
	if (strcmp(name, "bind") == 0)
		return sys_bind(t, s, ev, k, r, d);
	if (strcmp(name, "listen") == 0)
		return sys_listen(t, s, ev, k, r, d);
	if (strcmp(name, "accept") == 0) {
		rc = try_accept(t, p.fd, r);
		if (rc != 0)
			return rc;
		if (k->nonblock)
			return sys_err(t, r, EAGAIN);
		p.call = PL_CALL_ACCEPT;
		return block(t, &p, r);
	}
	if (strcmp(name, "connect") == 0) {
		rc = sys_connect(t, s, ev, k, r, d);
		if (rc != 0)
			return rc;
		p.call = PL_CALL_CONNECT;
		return block(t, &p, r);
	}
	if (strcmp(name, "read") == 0 || strcmp(name, "recv") == 0)
		return sys_read(t, s, ev, k, &p, r, d);
	if (strcmp(name, "write") == 0 || strcmp(name, "send") == 0 ||
	    (strcmp(name, "sendto") == 0 && !(t->ext && t->ext->no_sendto)))
		return sys_write(t, s, ev, k, &p, r, d);
	if (strcmp(name, "shutdown") == 0) {
		if (sockargs_int(s, ev, 1, SHUT_RDWR, &v) != 0)
			return sockargs_bad(d, s, ev, 1);
		rc = t->p->shutdown(t->inst, k->h, (int)v);
		return rc < 0 ? sys_err(t, r, pl_errno(rc)) : sys_ok(t, r, 0);
	}
	if (strcmp(name, "close") == 0) {
		rc = t->p->close(t->inst, k->h);
		memset(k, 0, sizeof(*k)); /* the descriptor is gone anyway */
		return rc < 0 ? sys_err(t, r, pl_errno(rc)) : sys_ok(t, r, 0);
	}
	if (strcmp(name, "setsockopt") == 0)
		return sys_setsockopt(t, s, ev, k, r, d);
	if (strcmp(name, "getsockopt") == 0)
		return sys_getsockopt(t, s, ev, k, r, d);
	if (strcmp(name, "fcntl") == 0)
		return sys_fcntl(t, s, ev, k, r, d);
	return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
	                "%s: not supported by %s", name,
	                t->ext && t->ext->calls_by ? t->ext->calls_by
	                                           : "the plugin target");
}

/* For the extension: a write() or send() on a descriptor is a SEND. */
static void pl_sent(struct target *t, const struct script *s,
                    const struct script_event *ev)
{
	const struct pl_sock *k;
	int64_t fd;

	if (!t->ext || !t->ext->sent ||
	    (strcmp(ev->u.sys.name, "write") != 0 &&
	     strcmp(ev->u.sys.name, "send") != 0))
		return;
	if (sockargs_int(s, ev, 0, -1, &fd) == 0 &&
	    (k = sock_get(t, fd)) != NULL)
		t->ext->sent(t->x, k->h);
}

int target_plugin__syscall(struct target *t, const struct script *s,
                           const struct script_event *ev,
                           struct target_sysret *r, struct diag *d)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->t_us = t->now_us;
	if (t->pend.call != PL_CALL_NONE)
		return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
		                "%s: another system call is still blocked",
		                ev->u.sys.name);
	pl_begin(t, SD_STEP_APP, NULL, 0);
	rc = sys_dispatch(t, s, ev, r, d);
	if (rc < 0)
		return -1;
	pl_sent(t, s, ev);
	if (pl_end(t, d) != 0 || pl_drain(t, d) != 0)
		return -1;
	return rc == PL_SKIP ? 1 : 0;
}

/* ---- Instance --------------------------------------------------------- */

void target_plugin__close(struct target *t)
{
	if (!t)
		return;
	if (t->x && t->ext->detach)
		t->ext->detach(t->x);
	if (t->inst)
		t->p->destroy(t->inst);
	pktq_free(&t->q);
	if (t->dl)
		dlclose(t->dl);
	free(t);
}

/*
 * The addresses the plugin learns: the run's for its family, the defaults
 * of run.h for the other one.
 */
static void pl_config_addrs(const struct target_opts *o,
                            struct sd_plugin_config *c)
{
	struct target_addrs v4, v6;

	memset(&v4, 0, sizeof(v4));
	memset(&v6, 0, sizeof(v6));
	if (o->addrs.stack_addr.family == TCP_AF_INET6)
		v6 = o->addrs;
	else
		v4 = o->addrs;
	run_addrs_default(&v4);
	run_addrs_default_ipv6(&v6);
	pl_addr(&c->stack4, &v4.stack_addr, v4.stack_port);
	pl_addr(&c->peer4, &v4.script_addr, v4.script_port);
	pl_addr(&c->stack6, &v6.stack_addr, v6.stack_port);
	pl_addr(&c->peer6, &v6.script_addr, v6.script_port);
}

/*
 * Creates the instance of t->p (loaded or linked in) for the options *o;
 * as target_ops.open, t released on failure.
 */
static int pl_create(struct target **tp, struct target *t,
                     const struct target_opts *o, struct diag *d)
{
	const char *words[SCRIPT_MAX_CONFIG];
	struct sd_plugin_config cfg;
	char why[DIAG_MSG_MAX - 64];
	size_t i;
	int rc;

	snprintf(t->name, sizeof(t->name), "%s", t->p->name);
	if (t->ext && t->ext->who)
		snprintf(t->who, sizeof(t->who), "%s", t->ext->who);
	else
		snprintf(t->who, sizeof(t->who), "plugin %s", t->name);
	memset(&cfg, 0, sizeof(cfg));
	cfg.abi = SD_PLUGIN_ABI;
	pl_config_addrs(o, &cfg);
	cfg.mtu = 1500;
	cfg.profile = o->profile ? o->profile : "default";
	for (i = 0; i < o->config_n && i < SCRIPT_MAX_CONFIG; i++)
		words[i] = o->config[i];
	cfg.config = words;
	cfg.config_n = i;
	why[0] = '\0';
	rc = t->p->create(&t->inst, &cfg, why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	if (rc != 0) {
		t->inst = NULL;
		if (rc == 1)
			diag_set(d, "", 0, 0, NULL, 0, "%s: %s", t->who,
			         why[0] ? why
			                : "cannot run this configuration");
		else
			diag_set(d, "", 0, 0, NULL, 0,
			         "%s: create() failed: %s", t->who,
			         why[0] ? why : "no reason given");
		target_plugin__close(t);
		return rc == 1 ? 1 : -1;
	}
	if ((t->ext && t->ext->attach &&
	     t->ext->attach(t->inst, &t->x, d) != 0) ||
	    pl_drain(t, d) != 0) {
		target_plugin__close(t);
		return -1;
	}
	*tp = t;
	return 0;
}

/* A fresh instance record, or NULL with *d. */
static struct target *pl_alloc(const struct target_opts *o, struct diag *d)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t) {
		diag_set(d, "", 0, 0, NULL, 0, "plugin: out of memory");
		return NULL;
	}
	t->o = *o;
	t->pend.call = PL_CALL_NONE;
	return t;
}

static int pl_open(struct target **tp, const struct target_opts *o,
                   struct diag *d)
{
	char why[DIAG_MSG_MAX - 64];
	struct target *t;

	*tp = NULL;
	if (!o->plugin)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "plugin target: no module to load");
	t = pl_alloc(o, d);
	if (!t)
		return -1;
	t->dl = dlopen(o->plugin, RTLD_NOW | RTLD_LOCAL);
	if (!t->dl) {
		const char *e = dlerror();

		diag_set(d, "", 0, 0, NULL, 0, "cannot load plugin '%s': %s",
		         o->plugin, e ? e : "dlopen failed");
		target_plugin__close(t);
		return -1;
	}
	if (pl_table(t->dl, o->plugin, &t->p, why, sizeof(why)) != 0) {
		diag_set(d, "", 0, 0, NULL, 0, "%s", why);
		target_plugin__close(t);
		return -1;
	}
	return pl_create(tp, t, o, d);
}

int target_plugin__open(struct target **tp, const struct target_opts *o,
                        const struct sd_stack_plugin *p,
                        const struct target_plugin_ext *ext, struct diag *d)
{
	struct target *t;

	*tp = NULL;
	if (ext && ext->check && ext->check(o, d) != 0)
		return -1;
	t = pl_alloc(o, d);
	if (!t)
		return -1;
	t->p = p;
	t->ext = ext;
	return pl_create(tp, t, o, d);
}

void *target_plugin__ext(struct target *t)
{
	return t->x;
}

uint64_t target_plugin__now_us(struct target *t)
{
	return t->now_us;
}

/* Shell commands configure a kernel: a plugin has none. */
int target_plugin__command(struct target *t, const char *cmd, struct diag *d)
{
	(void)t;
	(void)cmd;
	(void)d;
	return 0;
}

/* The plugin's own word when it has state(); else the runner infers. */
const char *target_plugin__state(struct target *t)
{
	return t->p->state ? t->p->state(t->inst, -1) : NULL;
}

/*
 * The plugin target's operations; target_plugin_load() copies them and
 * names the copy after the plugin. Every run is a process of its own, since
 * stacks such as lwIP keep global state. The edges are inferred from the
 * wire (no edges op), as for linux.
 */
static const struct target_ops target_plugin_ops = {
	.name = "plugin",
	.virtual_clock = true,
	.satisfies = NULL,
	.open = pl_open,
	.close = target_plugin__close,
	.now_us = target_plugin__now_us,
	.advance_to = target_plugin__advance_to,
	.inject = target_plugin__inject,
	.recv = target_plugin__recv,
	.syscall = target_plugin__syscall,
	.poll_syscall = target_plugin__poll_syscall,
	.command = target_plugin__command,
	.state = target_plugin__state,
	.next_note = NULL,
	.preflight = NULL,
	.own_process = true,
	.edges = NULL,
	.takes_config = true,
};
