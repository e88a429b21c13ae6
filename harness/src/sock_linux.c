/* SPDX-License-Identifier: MIT
 *
 * The script's socket calls on the linux target, as real system calls in
 * the run's network namespace. Script descriptors (3, 4, ...) map to real
 * ones; arguments written "..." take the run's addresses as on the ref
 * target (bind() and an implicit bind before listen() or connect() use
 * 192.0.2.1:8080, connect() goes to 192.0.2.2:40000), so that both targets
 * use the same 4-tuple. Calls that may block (accept, connect, read, recv,
 * write, send, poll, close) run on a worker thread, one at a time as in
 * packetdrill: a call still running after a short grace period is reported
 * as blocking and completes later through poll_syscall, with the time the
 * kernel returned. Return values and errno are the kernel's.
 */
#include "target_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockargs.h"
#include "symtab.h"

#define LX_BADFD 0x3fffffff    /* never open: the kernel answers EBADF */
#define LX_BUF_MAX (16u << 20) /* bytes one read()/write() may move */

/* ---- The worker thread -------------------------------------------------- */

static void lx_kick(int sig)
{
	(void)sig; /* only interrupts a blocked call (no SA_RESTART) */
}

static void run_call(struct lx_call *c)
{
	struct pollfd p[LX_POLL_MAX];
	int i;

	errno = 0;
	switch (c->op) {
	case LX_OP_ACCEPT:
		c->ret = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		break;
	case LX_OP_CONNECT:
		c->ret = connect(c->fd, (const struct sockaddr *)c->addr,
		                 (socklen_t)c->addr_len);
		break;
	case LX_OP_READ:
		c->ret = recv(c->fd, c->buf, c->len, c->arg);
		break;
	case LX_OP_WRITE:
		c->ret = send(c->fd, c->buf, c->len, c->arg | MSG_NOSIGNAL);
		break;
	case LX_OP_CLOSE:
		c->ret = close(c->fd);
		break;
	case LX_OP_SHUTDOWN:
		c->ret = shutdown(c->fd, c->arg);
		break;
	case LX_OP_POLL:
		for (i = 0; i < c->nfds; i++) {
			p[i].fd = c->pfd[i].fd;
			p[i].events = c->pfd[i].events;
			p[i].revents = 0;
		}
		c->ret = poll(p, (nfds_t)c->nfds, c->timeout_ms);
		for (i = 0; i < c->nfds; i++)
			c->pfd[i].revents = p[i].revents;
		break;
	default:
		c->ret = -1;
		errno = ENOSYS;
		break;
	}
	c->err = c->ret < 0 ? errno : 0;
}

static void *worker_main(void *arg)
{
	struct target *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		uint64_t one = 1;

		while (!t->has_job && !t->stop)
			pthread_cond_wait(&t->cv, &t->mu);
		if (t->stop) {
			/* A job submitted but not started yet (the thread was
			 * not scheduled before the run ended) is dropped:
			 * left set, worker_stop() would wait for it forever. */
			t->has_job = false;
			break;
		}
		t->in_syscall = true;
		pthread_mutex_unlock(&t->mu);
		run_call(&t->job);
		t->job.t_us = target_linux__now(t);
		pthread_mutex_lock(&t->mu);
		t->in_syscall = false;
		t->has_job = false;
		t->job_done = true;
		if (write(t->wake, &one, sizeof(one)) < 0) {
			/* the main thread also checks job_done itself */
		}
	}
	t->in_syscall = false;
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int target_linux__worker_start(struct target *t, struct diag *d)
{
	struct sigaction sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lx_kick;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a kick ends a blocked call */
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = pthread_create(&t->worker, NULL, worker_main, t);
	if (rc != 0)
		return diag_set(
		    d, "", 0, 0, NULL, 0,
		    "linux: cannot start the system call thread: %s",
		    strerror(rc));
	t->worker_on = true;
	return 0;
}

void target_linux__worker_stop(struct target *t)
{
	if (!t->worker_on)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	for (;;) {
		bool busy;
		struct timespec ts = { 0, 1000000 };

		pthread_mutex_lock(&t->mu);
		busy = t->in_syscall || t->has_job;
		pthread_mutex_unlock(&t->mu);
		if (!busy)
			break;
		/* A call blocked at the end of the run: interrupt it. */
		pthread_kill(t->worker, SIGUSR2);
		nanosleep(&ts, NULL);
	}
	pthread_join(t->worker, NULL);
	t->worker_on = false;
	if (t->job.op == LX_OP_READ || t->job.op == LX_OP_WRITE) {
		free(t->job.buf);
		t->job.buf = NULL;
	}
}

void target_linux__close_fds(struct target *t)
{
	int i;

	for (i = 0; i < LX_FDS; i++) {
		if (t->fds[i] >= 0)
			close(t->fds[i]);
		t->fds[i] = -1;
	}
}

/* ---- Results ------------------------------------------------------------ */

static void ret_set(struct target *t, struct target_sysret *r, long ret,
                    int err, uint64_t t_us)
{
	(void)t;
	r->done = true;
	r->ret = ret;
	r->err = ret < 0 ? err : 0;
	r->t_us = t_us;
}

/* ---- Descriptors -------------------------------------------------------- */

static int real_fd(const struct target *t, int64_t fd)
{
	if (fd < LX_FD_BASE || fd >= LX_FD_BASE + LX_FDS ||
	    t->fds[fd - LX_FD_BASE] < 0)
		return LX_BADFD;
	return t->fds[fd - LX_FD_BASE];
}

/* The lowest free script descriptor for real descriptor rfd, or -1. */
static int fd_map(struct target *t, int rfd)
{
	int i;

	for (i = 0; i < LX_FDS; i++) {
		if (t->fds[i] < 0) {
			t->fds[i] = rfd;
			return LX_FD_BASE + i;
		}
	}
	return -1;
}

static socklen_t sockaddr_of(int rfd, const struct tcp_addr *a, uint16_t port,
                             void *out)
{
	int dom = AF_INET;
	socklen_t dl = sizeof(dom);

	(void)getsockopt(rfd, SOL_SOCKET, SO_DOMAIN, &dom, &dl);
	if (dom == AF_INET6) {
		struct sockaddr_in6 s6;

		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(port);
		if (a->family == TCP_AF_INET6) {
			memcpy(&s6.sin6_addr, a->a, 16);
		} else { /* v4-mapped */
			s6.sin6_addr.s6_addr[10] = 0xff;
			s6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&s6.sin6_addr.s6_addr[12], a->a, 4);
		}
		memcpy(out, &s6, sizeof(s6));
		return sizeof(s6);
	} else {
		struct sockaddr_in s4;

		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = htons(port);
		memcpy(&s4.sin_addr, a->a, 4);
		memcpy(out, &s4, sizeof(s4));
		return sizeof(s4);
	}
}

static bool is_bound(int rfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(rfd, (struct sockaddr *)&ss, &len) != 0)
		return true; /* let the real call report the error */
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_port != 0;
	if (ss.ss_family == AF_INET6)
		return ((struct sockaddr_in6 *)&ss)->sin6_port != 0;
	return true;
}

/* Binds an unbound socket to the stack's address and port (as ref). */
static void bind_default(struct target *t, int rfd)
{
	uint8_t sa[28];
	socklen_t len;

	if (is_bound(rfd))
		return;
	len =
	    sockaddr_of(rfd, &t->o.addrs.stack_addr, t->o.addrs.stack_port, sa);
	/* EADDRINUSE: the kernel picks an ephemeral port instead. */
	(void)bind(rfd, (const struct sockaddr *)sa, len);
}

/* ---- Calls on the worker --------------------------------------------------
 */

/* Turns the worker's finished call into *r (on the main thread). */
static void complete(struct target *t, struct target_sysret *r)
{
	struct lx_call *c = &t->job;
	int i, ready = 0;

	memset(r, 0, sizeof(*r));
	ret_set(t, r, c->ret, c->err, c->t_us);
	switch (c->op) {
	case LX_OP_ACCEPT:
		if (c->ret >= 0) {
			int sfd = fd_map(t, (int)c->ret);

			if (sfd < 0) {
				close((int)c->ret);
				ret_set(t, r, -1, EMFILE, c->t_us);
			} else {
				r->ret = sfd;
			}
		}
		break;
	case LX_OP_READ:
		/* The bytes stay for the runner until the next read. */
		free(t->rdbuf);
		t->rdbuf = c->buf;
		c->buf = NULL;
		if (c->ret > 0)
			r->data = t->rdbuf;
		break;
	case LX_OP_WRITE:
		free(c->buf);
		c->buf = NULL;
		break;
	case LX_OP_POLL:
		if (c->ret < 0)
			break;
		for (i = 0; i < c->nfds; i++) {
			if (c->pfd_nval[i])
				c->pfd[i].revents = POLLNVAL;
			if (c->pfd[i].revents)
				ready++;
		}
		r->ret = ready;
		for (i = 0; i < c->nfds; i++)
			target_sysret_out(r, c->revents_expr[i],
			                  c->pfd[i].revents, "revents");
		break;
	default:
		break;
	}
	c->op = LX_OP_NONE;
}

/*
 * Hands t->job to the worker and waits up to the grace period (or for
 * ever, for calls that cannot block), reading frames meanwhile.
 */
static int submit(struct target *t, bool may_block, struct target_sysret *r,
                  struct diag *d)
{
	uint64_t until = target_linux__now(t) + LX_GRACE_US;
	bool done;

	pthread_mutex_lock(&t->mu);
	t->job_done = false;
	t->has_job = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	for (;;) {
		int rc;

		pthread_mutex_lock(&t->mu);
		done = t->job_done;
		pthread_mutex_unlock(&t->mu);
		if (done)
			break;
		if (may_block && target_linux__now(t) >= until)
			break;
		rc = target_linux__wait(t, may_block ? until : UINT64_MAX / 2,
		                        LXW_WAKE, -1, d);
		if (rc < 0)
			return -1;
	}
	if (done) {
		complete(t, r);
		return 0;
	}
	memset(r, 0, sizeof(*r));
	r->done = false;
	r->t_us = target_linux__now(t);
	t->pending = true;
	return 0;
}

int target_linux__poll_syscall(struct target *t, struct target_sysret *r,
                               struct diag *d)
{
	bool done;

	(void)d;
	memset(r, 0, sizeof(*r));
	if (!t->pending)
		return 0;
	pthread_mutex_lock(&t->mu);
	done = t->job_done;
	pthread_mutex_unlock(&t->mu);
	if (!done)
		return 0;
	t->pending = false;
	complete(t, r);
	return 0;
}

/* ---- The calls ------------------------------------------------------------
 */

static int sys_socket(struct target *t, const struct script *s,
                      const struct script_event *ev, struct target_sysret *r,
                      struct diag *d)
{
	int64_t dom, type, proto;
	int rfd, sfd;

	/* "..." is the run's family. */
	if (sockargs_int(s, ev, 0,
	                 t->o.addrs.stack_addr.family == TCP_AF_INET6 ? AF_INET6
	                                                              : AF_INET,
	                 &dom) != 0)
		return sockargs_bad(d, s, ev, 0);
	if (sockargs_int(s, ev, 1, SOCK_STREAM, &type) != 0)
		return sockargs_bad(d, s, ev, 1);
	if (sockargs_int(s, ev, 2, IPPROTO_TCP, &proto) != 0)
		return sockargs_bad(d, s, ev, 2);
	rfd = socket((int)dom, (int)type | SOCK_CLOEXEC, (int)proto);
	if (rfd < 0) {
		ret_set(t, r, -1, errno, target_linux__now(t));
		return 0;
	}
	sfd = fd_map(t, rfd);
	if (sfd < 0) {
		close(rfd);
		ret_set(t, r, -1, EMFILE, target_linux__now(t));
		return 0;
	}
	ret_set(t, r, sfd, 0, target_linux__now(t));
	return 0;
}

static int sys_setsockopt(struct target *t, const struct script *s,
                          const struct script_event *ev, int rfd,
                          struct target_sysret *r, struct diag *d)
{
	int64_t level, name;
	union sockargs_optval val;
	unsigned len;
	long rc;

	if (sockargs_setsockopt(s, ev, &level, &name, &val, &len, d) != 0)
		return -1;
	rc = setsockopt(rfd, (int)level, (int)name, &val, (socklen_t)len);
	ret_set(t, r, rc, errno, target_linux__now(t));
	return 0;
}

static int sys_getsockopt(struct target *t, const struct script *s,
                          const struct script_event *ev, int rfd,
                          struct target_sysret *r, struct diag *d)
{
	int64_t level, name, len;
	union {
		union sockargs_optval v;
		uint8_t raw[256];
	} val;
	socklen_t sl;
	long rc;
	bool linger;

	memset(&val, 0, sizeof(val));
	if (sockargs_opt_name(s, ev, &level, &name, d) != 0)
		return -1;
	linger = sockargs_is_linger(level, name);
	if (sockargs_int(s, ev, 4, linger ? sizeof(struct linger) : sizeof(int),
	                 &len) != 0)
		len = linger ? sizeof(struct linger) : sizeof(int);
	if (len < 0 || len > (int64_t)sizeof(val))
		len = sizeof(int);
	sl = (socklen_t)len;
	rc = getsockopt(rfd, (int)level, (int)name, &val, &sl);
	ret_set(t, r, rc, errno, target_linux__now(t));
	if (rc < 0)
		return 0;
	sockargs_getsockopt_out(s, ev, linger, &val.v, sl, r);
	return 0;
}

static int sys_poll(struct target *t, const struct script *s,
                    const struct script_event *ev, struct target_sysret *r,
                    struct diag *d)
{
	struct sockargs_pollfd pf[LX_POLL_MAX];
	struct lx_call *c = &t->job;
	int64_t timeout;
	int k, n;

	if (sockargs_int(s, ev, 2, -1, &timeout) != 0)
		return sockargs_bad(d, s, ev, 2);
	n = sockargs_poll_list(s, ev, pf, LX_POLL_MAX, d);
	if (n < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	c->op = LX_OP_POLL;
	for (k = 0; k < n; k++) {
		c->pfd[k].fd = real_fd(t, pf[k].fd);
		c->pfd[k].events = (short)pf[k].events;
		c->pfd_nval[k] = c->pfd[k].fd == LX_BADFD;
		if (c->pfd_nval[k])
			c->pfd[k].fd = -1;
		c->revents_expr[k] = pf[k].revents_expr;
	}
	c->nfds = n;
	c->timeout_ms = (int)timeout;
	return submit(t, timeout != 0, r, d);
}

static int sys_dispatch(struct target *t, const struct script *s,
                        const struct script_event *ev, struct target_sysret *r,
                        struct diag *d)
{
	const char *name = ev->u.sys.name;
	struct lx_call *c = &t->job;
	int64_t fd, v, flags = 0;
	int rfd;
	long rc;

	if (strcmp(name, "socket") == 0)
		return sys_socket(t, s, ev, r, d);
	if (strcmp(name, "poll") == 0)
		return sys_poll(t, s, ev, r, d);
	if (sockargs_int(s, ev, 0, -1, &fd) != 0)
		return sockargs_bad(d, s, ev, 0);
	rfd = real_fd(t, fd);
	memset(c, 0, sizeof(*c));
	c->fd = rfd;
	if (strcmp(name, "bind") == 0) {
		uint8_t sa[28];
		struct tcp_addr a = t->o.addrs.stack_addr;
		uint16_t port = t->o.addrs.stack_port;
		socklen_t len;

		if (target_sockaddr_arg(s, sockargs_expr(ev, 1), false, &a,
		                        &port) < 0)
			return sockargs_bad(d, s, ev, 1);
		len = sockaddr_of(rfd, &a, port, sa);
		rc = bind(rfd, (const struct sockaddr *)sa, len);
		ret_set(t, r, rc, errno, target_linux__now(t));
		return 0;
	}
	if (strcmp(name, "listen") == 0) {
		if (sockargs_int(s, ev, 1, 128, &v) != 0)
			return sockargs_bad(d, s, ev, 1);
		if (rfd != LX_BADFD)
			bind_default(t, rfd);
		rc = listen(rfd, (int)v);
		ret_set(t, r, rc, errno, target_linux__now(t));
		return 0;
	}
	if (strcmp(name, "accept") == 0) {
		c->op = LX_OP_ACCEPT;
		return submit(t, true, r, d);
	}
	if (strcmp(name, "connect") == 0) {
		struct tcp_addr a = t->o.addrs.script_addr;
		uint16_t port = t->o.addrs.script_port;

		if (target_sockaddr_arg(s, sockargs_expr(ev, 1), false, &a,
		                        &port) < 0)
			return sockargs_bad(d, s, ev, 1);
		if (rfd != LX_BADFD)
			bind_default(t, rfd);
		c->addr_len = sockaddr_of(rfd, &a, port, c->addr);
		c->op = LX_OP_CONNECT;
		return submit(t, true, r, d);
	}
	if (strcmp(name, "read") == 0 || strcmp(name, "recv") == 0 ||
	    strcmp(name, "write") == 0 || strcmp(name, "send") == 0) {
		bool rd = name[0] == 'r';
		bool has_flags =
		    strcmp(name, "recv") == 0 || strcmp(name, "send") == 0;

		if (sockargs_int(s, ev, 2, rd ? LX_IO_MAX : 0, &v) != 0)
			return sockargs_bad(d, s, ev, 2);
		if (has_flags && sockargs_int(s, ev, 3, 0, &flags) != 0)
			return sockargs_bad(d, s, ev, 3);
		if (v < 0 || v > (int64_t)LX_BUF_MAX)
			return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
			                "%s: argument 3: expected a length "
			                "from 0 to %u",
			                name, LX_BUF_MAX);
		c->buf = calloc(1, (size_t)v + 1);
		if (!c->buf)
			return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
			                "%s: out of memory", name);
		c->len = (size_t)v;
		c->arg = (int)flags;
		c->op = rd ? LX_OP_READ : LX_OP_WRITE;
		return submit(t, true, r, d);
	}
	if (strcmp(name, "shutdown") == 0) {
		if (sockargs_int(s, ev, 1, SHUT_RDWR, &v) != 0)
			return sockargs_bad(d, s, ev, 1);
		rc = shutdown(rfd, (int)v);
		ret_set(t, r, rc, errno, target_linux__now(t));
		return 0;
	}
	if (strcmp(name, "close") == 0) {
		if (rfd != LX_BADFD)
			t->fds[fd - LX_FD_BASE] = -1;
		c->op = LX_OP_CLOSE; /* blocks with SO_LINGER */
		return submit(t, true, r, d);
	}
	if (strcmp(name, "setsockopt") == 0)
		return sys_setsockopt(t, s, ev, rfd, r, d);
	if (strcmp(name, "getsockopt") == 0)
		return sys_getsockopt(t, s, ev, rfd, r, d);
	if (strcmp(name, "fcntl") == 0) {
		int64_t cmd, arg = 0;

		if (sockargs_int(s, ev, 1, -1, &cmd) != 0)
			return sockargs_bad(d, s, ev, 1);
		if (sockargs_int(s, ev, 2, 0, &arg) != 0)
			return sockargs_bad(d, s, ev, 2);
		if (cmd != F_GETFL && cmd != F_SETFL)
			return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
			                "fcntl: only F_GETFL and F_SETFL are "
			                "supported");
		rc = cmd == F_GETFL ? fcntl(rfd, F_GETFL)
		                    : fcntl(rfd, F_SETFL, (int)arg);
		ret_set(t, r, rc, errno, target_linux__now(t));
		return 0;
	}
	return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
	                "%s: not supported by the linux target", name);
}

int target_linux__syscall(struct target *t, const struct script *s,
                          const struct script_event *ev,
                          struct target_sysret *r, struct diag *d)
{
	memset(r, 0, sizeof(*r));
	r->t_us = target_linux__now(t);
	if (t->pending)
		return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
		                "%s: another system call is still blocked",
		                ev->u.sys.name);
	errno = 0;
	return sys_dispatch(t, s, ev, r, d) < 0 ? -1 : 0;
}
