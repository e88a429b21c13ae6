/* SPDX-License-Identifier: MIT
 *
 * The socket calls of scripts, emulated over the reference stack for the
 * ref target: descriptors from 3, blocking and O_NONBLOCK behaviour, socket
 * options, poll() and the errno values Linux returns, so that packetdrill
 * scripts written against Linux run unchanged. Arguments written "..."
 * take the run's addresses: bind() to the stack's address and port,
 * connect() to the script side's.
 */
#include "target_ref.h"

#include "shakedown/tcp_errno.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockargs.h"
#include "symtab.h"

#define REF_POLL_MAX 8       /* pollfd entries per poll() */
#define REF_MAXSEG_MIN 88    /* Linux refuses smaller TCP_MAXSEG values */
#define REF_MAXSEG_MAX 32767 /* ... and larger ones */
#define REF_DEFAULT_TTL 64   /* Linux: ip_default_ttl, IPv6 hop_limit */

/* What write() sends: the payload bytes are not part of any check. */
static const uint8_t ref_zeros[REF_RX_BYTES];

int target_ref__errno(int tcp_err)
{
	return sd_tcp_errno(tcp_err); /* tcp_errno.h, shared with plugins/ref */
}

/* ---- Results --------------------------------------------------------- */

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

/* ---- Arguments ------------------------------------------------------- */

/*
 * IP_OPTIONS as Linux reads them (ip_options_get): a loose or strict
 * source route lists the hops h1 .. hn; the packets go to h1 and carry
 * <type, len, 4, h2 .. hn, final destination> (RFC 791 3.1; the final
 * address fills the last slot). Other options go as they are. Fills *ip
 * for a connection to 'raddr'; false for a malformed route.
 */
static bool user_route(const struct ref_sock *k, const struct tcp_addr *raddr,
                       struct tcp_ip_out *ip)
{
	size_t i = 0, len;

	ip->opt_len = 0;
	ip->has_nexthop = false;
	ip->route_user = false;
	if (k->ipopt_len == 0)
		return true;
	if (raddr->family != TCP_AF_INET)
		return false;
	memset(ip->opts, 0, sizeof(ip->opts));
	memcpy(ip->opts, k->ipopts, k->ipopt_len);
	ip->opt_len = (uint8_t)((k->ipopt_len + 3u) & ~3u);
	while (i < k->ipopt_len) {
		uint8_t *o = ip->opts + i;

		if (o[0] == TCP_IPOPT_EOL)
			break;
		if (o[0] == TCP_IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= k->ipopt_len || o[1] < 2 ||
		    o[1] > k->ipopt_len - i)
			return false;
		len = o[1];
		if (o[0] == TCP_IPOPT_LSRR || o[0] == TCP_IPOPT_SSRR) {
			if (len < 7 || (len - 3) % 4 != 0 || o[2] != 4)
				return false;
			memset(&ip->nexthop, 0, sizeof(ip->nexthop));
			ip->nexthop.family = TCP_AF_INET;
			memcpy(ip->nexthop.a, o + 3, 4);
			memmove(o + 3, o + 7, len - 7);
			memcpy(o + len - 4, raddr->a, 4);
			ip->has_nexthop = true;
			ip->route_user = true;
		}
		i += len;
	}
	return true;
}

static int bad_arg(struct diag *d, const struct script *s,
                   const struct script_event *ev, unsigned i)
{
	return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
	                "%s: argument %u: expected an integer, a symbol the "
	                "reference target knows or ...",
	                ev->u.sys.name, i + 1);
}

/* ---- Descriptors ----------------------------------------------------- */

static struct ref_sock *sock_get(struct target *t, int64_t fd)
{
	if (fd < REF_FD_BASE || fd >= REF_FD_BASE + REF_FDS)
		return NULL;
	return t->socks[fd - REF_FD_BASE].used ? &t->socks[fd - REF_FD_BASE]
	                                       : NULL;
}

static int sock_alloc(struct target *t)
{
	int i;

	for (i = 0; i < REF_FDS; i++) {
		if (!t->socks[i].used) {
			memset(&t->socks[i], 0, sizeof(t->socks[i]));
			t->socks[i].used = true;
			t->socks[i].h = -1;
			return REF_FD_BASE + i;
		}
	}
	return -1;
}

static struct tcp_conn *sock_conn(struct target *t, const struct ref_sock *k)
{
	return k->h < 0 ? NULL : tcp_stack_conn(&t->st, k->h);
}

/* The connection's error not yet reported to the application, or 0. */
static int sock_pending_err(struct target *t, const struct ref_sock *k)
{
	const struct tcp_conn *c = sock_conn(t, k);

	if (!c || k->err_taken || c->err == 0)
		return 0;
	return target_ref__errno(c->err);
}

static int sock_take_err(struct target *t, struct ref_sock *k)
{
	int e = sock_pending_err(t, k);

	if (e)
		k->err_taken = true;
	return e;
}

static bool state_connecting(enum tcp_state s)
{
	return s == TCP_SYN_SENT || s == TCP_SYN_RECEIVED;
}

/*
 * The TOS / Traffic Class and TTL / hop limit socket k asks of IP, for the
 * run's family (an AF_INET6 socket in an IPv4 run sends IPv4, and then
 * IP_TOS and IP_TTL apply, as on Linux). TTL 0 is the default, 64.
 */
static void sock_ip(const struct target *t, const struct ref_sock *k,
                    struct tcp_ip_out *ip)
{
	bool v6 = t->o.addrs.stack_addr.family == TCP_AF_INET6;

	ip->tos = v6 ? k->tclass : k->tos;
	ip->ttl = v6 ? (k->hops_set ? k->hops : 0) : k->ttl;
}

/* Hands k's TOS and TTL to its connection or listener (MUST-48, SHLD-21). */
static void sock_apply_ip(struct target *t, struct ref_sock *k)
{
	struct tcp_conn *c = sock_conn(t, k);
	struct tcp_ip_out ip;

	if (!c)
		return;
	ip = c->ip; /* IPv4 options and next hop stay */
	sock_ip(t, k, &ip);
	tcp_conn_set_ip(c, &ip);
}

/* Applies the options set before the connection existed. */
static void sock_apply(struct target *t, struct ref_sock *k)
{
	struct tcp_conn *c = sock_conn(t, k);

	if (!c)
		return;
	sock_apply_ip(t, k);
	tcp_conn_set_nodelay(c, k->nodelay);
	tcp_conn_set_keepalive(c, k->keepalive);
	if (k->user_to_ms > 0)
		tcp_conn_set_user_timeout(c, (uint64_t)k->user_to_ms * 1000u);
}

static int flush(struct target *t, struct diag *d)
{
	return target_ref__flush(t, d);
}

/* ---- socket, bind, listen -------------------------------------------- */

static int sys_socket(struct target *t, const struct script *s,
                      const struct script_event *ev, struct target_sysret *r,
                      struct diag *d)
{
	int64_t dom, type, proto;
	bool v6 = t->o.addrs.stack_addr.family == TCP_AF_INET6;
	int fd;

	/* "..." is the run's family; an AF_INET6 socket also carries an IPv4
	 * run (v4-mapped, as on Linux); an AF_INET one cannot carry IPv6. */
	if (sockargs_int(s, ev, 0, v6 ? AF_INET6 : AF_INET, &dom) != 0)
		return bad_arg(d, s, ev, 0);
	if (sockargs_int(s, ev, 1, SOCK_STREAM, &type) != 0)
		return bad_arg(d, s, ev, 1);
	if (sockargs_int(s, ev, 2, IPPROTO_TCP, &proto) != 0)
		return bad_arg(d, s, ev, 2);
	if (dom != AF_INET6 && (dom != AF_INET || v6))
		return sys_err(t, r, EAFNOSUPPORT);
	if ((type & ~(int64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM ||
	    (proto != 0 && proto != IPPROTO_TCP))
		return sys_err(t, r, EPROTONOSUPPORT);
	fd = sock_alloc(t);
	if (fd < 0)
		return sys_err(t, r, EMFILE);
	t->socks[fd - REF_FD_BASE].nonblock = (type & SOCK_NONBLOCK) != 0;
	t->socks[fd - REF_FD_BASE].v6 = dom == AF_INET6;
	return sys_ok(t, r, fd);
}

/* Whether local port 'port' is taken for socket k (bind semantics). */
static bool port_busy(struct target *t, const struct ref_sock *k, uint16_t port)
{
	uint32_t i;
	int j;

	for (j = 0; j < REF_FDS; j++) {
		const struct ref_sock *o = &t->socks[j];

		if (!o->used || o == k || !o->bound || o->port != port)
			continue;
		if (o->kind == REF_SOCK_LISTEN || !k->reuseaddr ||
		    !o->reuseaddr)
			return true;
	}
	/* Connections the application gave up (TIME-WAIT ...) hold their
	 * port until they end, unless SO_REUSEADDR. */
	for (i = 0; i < REF_SLOTS && !k->reuseaddr; i++)
		if (t->slots[i].use == TCP_SLOT_RELEASED &&
		    t->slots[i].conn.tuple.lport == port)
			return true;
	return false;
}

/* The unspecified address (INADDR_ANY, in6addr_any). */
static bool addr_any(const struct tcp_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->a, zero, a->family == TCP_AF_INET6 ? 16 : 4) == 0;
}

static int sys_bind(struct target *t, const struct script *s,
                    const struct script_event *ev, struct ref_sock *k,
                    struct target_sysret *r, struct diag *d)
{
	uint16_t port = t->o.addrs.stack_port;
	struct tcp_addr a = t->o.addrs.stack_addr;
	int rc = target_sockaddr_arg(s, sockargs_expr(ev, 1), true, &a, &port);

	if (rc < 0)
		return bad_arg(d, s, ev, 1);
	if (rc > 0)
		return sys_err(t, r, EINVAL);
	/* RFC 9293 3.9.1.1 (MUST-43): OPEN takes a local address; the
	 * reference host has one, the stack's, besides "any". */
	if (!addr_any(&a) && !tcp_addr_eq(&a, &t->o.addrs.stack_addr))
		return sys_err(t, r, EADDRNOTAVAIL);
	if (port == 0)
		port = t->o.addrs.stack_port;
	if (k->bound || k->kind != REF_SOCK_NEW)
		return sys_err(t, r, EINVAL);
	if (port_busy(t, k, port))
		return sys_err(t, r, EADDRINUSE);
	k->bound = true;
	k->port = port;
	return sys_ok(t, r, 0);
}

static int sys_listen(struct target *t, const struct script *s,
                      const struct script_event *ev, struct ref_sock *k,
                      struct target_sysret *r, struct diag *d)
{
	int64_t backlog;
	int h;

	if (sockargs_int(s, ev, 1, 128, &backlog) != 0)
		return bad_arg(d, s, ev, 1);
	if (k->kind == REF_SOCK_LISTEN)
		return sys_ok(t, r, 0);
	if (k->kind != REF_SOCK_NEW)
		return sys_err(t, r, EINVAL);
	if (!k->bound) { /* Linux binds an unbound listener to a port */
		if (port_busy(t, k, t->o.addrs.stack_port))
			return sys_err(t, r, EADDRINUSE);
		k->bound = true;
		k->port = t->o.addrs.stack_port;
	}
	if (backlog < 0)
		backlog = 0;
	h = tcp_stack_listen(&t->st, &t->env, t->now_us, NULL, k->port,
	                     (uint32_t)(backlog > 4096 ? 4096 : backlog));
	if (h < 0)
		return sys_err(t, r, target_ref__errno(h));
	k->kind = REF_SOCK_LISTEN;
	k->h = h;
	sock_apply(t, k);
	if (flush(t, d) != 0)
		return -1;
	return sys_ok(t, r, 0);
}

/* ---- accept, connect ------------------------------------------------- */

/* 1 with *r when accept() completes now, 0 when it would block. */
static int try_accept(struct target *t, int fd, struct target_sysret *r)
{
	struct ref_sock *k = sock_get(t, fd), *n;
	int nfd, h;

	if (!k)
		return sys_err(t, r, EBADF);
	if (k->kind != REF_SOCK_LISTEN)
		return sys_err(t, r, EINVAL);
	nfd = sock_alloc(t);
	if (nfd < 0)
		return sys_err(t, r, EMFILE);
	h = tcp_stack_accept(&t->st, k->h);
	if (h < 0) {
		t->socks[nfd - REF_FD_BASE].used = false;
		if (h == TCP_EWOULDBLOCK)
			return 0;
		return sys_err(t, r, target_ref__errno(h));
	}
	n = &t->socks[nfd - REF_FD_BASE];
	n->kind = REF_SOCK_CONN;
	n->h = h;
	n->bound = true;
	n->port = k->port;
	/* Options are inherited by the stack; O_NONBLOCK is not (accept4). */
	n->nodelay = k->nodelay;
	n->keepalive = k->keepalive;
	n->rcvbuf = k->rcvbuf;
	n->sndbuf = k->sndbuf;
	n->v6 = k->v6;
	n->tos = k->tos;
	n->ttl = k->ttl;
	n->tclass = k->tclass;
	n->hops_set = k->hops_set;
	n->hops = k->hops;
	return sys_ok(t, r, nfd);
}

/*
 * 1 with *r once a connection attempt has an outcome (0, or the error the
 * stack reported), 0 while it is still in SYN-SENT/SYN-RECEIVED.
 */
static int try_connect(struct target *t, int fd, struct target_sysret *r)
{
	struct ref_sock *k = sock_get(t, fd);
	const struct tcp_conn *c;
	int e;

	if (!k)
		return sys_err(t, r, EBADF);
	c = sock_conn(t, k);
	if (!c)
		return sys_err(t, r, ECONNABORTED);
	if (state_connecting(c->state))
		return 0;
	k->connecting = false;
	if (c->state == TCP_CLOSED) {
		e = sock_take_err(t, k);
		return sys_err(t, r, e ? e : ECONNREFUSED);
	}
	return sys_ok(t, r, 0);
}

static int sys_connect(struct target *t, const struct script *s,
                       const struct script_event *ev, int fd,
                       struct ref_sock *k, struct target_sysret *r,
                       struct diag *d)
{
	struct tcp_ip_out ip;
	struct tcp_tuple tu;
	struct tcp_addr ra = t->o.addrs.script_addr;
	uint16_t rport = t->o.addrs.script_port;
	int h, rc;

	rc = target_sockaddr_arg(s, sockargs_expr(ev, 1), true, &ra, &rport);
	if (rc < 0)
		return bad_arg(d, s, ev, 1);
	if (rc > 0)
		return sys_err(t, r, EAFNOSUPPORT);
	/* RFC 9293 3.9.1.1 (MUST-46): no active OPEN to a broadcast or
	 * multicast address; ENETUNREACH as Linux says it. */
	if (ra.family == TCP_AF_INET &&
	    (ra.a[0] >= 224 || (ra.a[0] == 192 && ra.a[1] == 0 &&
	                        ra.a[2] == 2 && ra.a[3] == 255)))
		return sys_err(t, r, ENETUNREACH);
	if (ra.family == TCP_AF_INET6 && ra.a[0] == 0xff)
		return sys_err(t, r, ENETUNREACH);
	if (!tcp_addr_eq(&ra, &t->o.addrs.script_addr) ||
	    rport != t->o.addrs.script_port)
		return diag_set(
		    d, s->path, ev->line, ev->col, NULL, 0,
		    "connect: the reference target reaches only the "
		    "script side (its address and port 40000); "
		    "write ... or those");

	if (k->kind == REF_SOCK_LISTEN)
		return sys_err(t, r, EISCONN);
	if (k->kind == REF_SOCK_CONN) {
		if (!k->connecting)
			return sys_err(t, r, EISCONN);
		/* A second connect() after a nonblocking one (Linux):
		 * EALREADY while it goes on, then its outcome once. */
		if (try_connect(t, fd, r))
			return 1;
		if (k->nonblock)
			return sys_err(t, r, EALREADY);
		return 0;
	}
	memset(&tu, 0, sizeof(tu));
	tu.laddr = t->o.addrs.stack_addr;
	tu.lport = k->bound ? k->port : 0;
	tu.raddr = t->o.addrs.script_addr;
	tu.rport = t->o.addrs.script_port;
	/* The SYN already carries the socket's TOS and TTL (MUST-48/49)
	 * and the application's source route (MUST-51). */
	memset(&ip, 0, sizeof(ip));
	sock_ip(t, k, &ip);
	if (!user_route(k, &tu.raddr, &ip))
		return sys_err(t, r, EINVAL);
	h = tcp_stack_connect_ip(&t->st, &t->env, t->now_us, &tu, &ip, &t->out);
	if (flush(t, d) != 0)
		return -1;
	if (h < 0)
		return sys_err(t, r,
		               h == TCP_EADDRINUSE && !k->bound
		                   ? EADDRNOTAVAIL
		                   : target_ref__errno(h));
	k->kind = REF_SOCK_CONN;
	k->h = h;
	k->connecting = true;
	if (!k->bound) {
		k->bound = true;
		k->port = tcp_stack_conn(&t->st, h)->tuple.lport;
	}
	sock_apply(t, k);
	if (k->nonblock)
		return sys_err(t, r, EINPROGRESS);
	return try_connect(t, fd, r);
}

/* ---- read, write ----------------------------------------------------- */

static int try_read(struct target *t, int fd, uint32_t len,
                    struct target_sysret *r, struct diag *d)
{
	struct ref_sock *k = sock_get(t, fd);
	struct tcp_conn *c;
	int n, e;

	if (!k)
		return sys_err(t, r, EBADF);
	if (k->kind != REF_SOCK_CONN)
		return sys_err(t, r, ENOTCONN);
	c = sock_conn(t, k);
	if (!c || k->shut_rd)
		return sys_ok(t, r, 0);
	if (len == 0)
		return sys_ok(t, r, 0);
	if (state_connecting(c->state))
		return 0;
	if (len > sizeof(t->iobuf))
		len = sizeof(t->iobuf);
	n = tcp_conn_recv(c, &t->env, t->now_us, t->iobuf, len, &t->out);
	if (flush(t, d) != 0)
		return -1;
	if (n >= 0) {
		sys_ok(t, r, n);
		r->data = t->iobuf; /* the runner checks the bytes */
		return 1;
	}
	if (n == TCP_EWOULDBLOCK)
		return 0;
	/* Linux reports a connection's error once; then end of stream. */
	e = sock_take_err(t, k);
	if (e)
		return sys_err(t, r, e);
	return sys_ok(t, r, 0);
}

/*
 * Queues what fits of the pending write; 1 with *r when everything is
 * queued (or it failed), 0 while waiting for room.
 */
static int try_write(struct target *t, struct ref_pending *p,
                     struct target_sysret *r, struct diag *d)
{
	struct ref_sock *k = sock_get(t, p->fd);
	struct tcp_conn *c;
	int e;

	if (!k)
		return sys_err(t, r, EBADF);
	if (k->kind != REF_SOCK_CONN)
		return sys_err(t, r, EPIPE);
	c = sock_conn(t, k);
	e = sock_take_err(t, k);
	if (e)
		return p->done_bytes ? sys_ok(t, r, p->done_bytes)
		                     : sys_err(t, r, e);
	if (!c || k->shut_wr || k->err_taken)
		return p->done_bytes ? sys_ok(t, r, p->done_bytes)
		                     : sys_err(t, r, EPIPE);
	if (state_connecting(c->state))
		return 0;
	while (p->done_bytes < p->len) {
		uint32_t chunk = p->len - p->done_bytes;
		int n;

		if (chunk > sizeof(ref_zeros))
			chunk = sizeof(ref_zeros);
		n = tcp_conn_send(c, &t->env, t->now_us, ref_zeros, chunk,
		                  p->send_flags, &t->out);
		if (flush(t, d) != 0)
			return -1;
		if (n < 0) {
			/* An abortive end (RST, timeout, ICMP) reports its
			 * error; a local close reports EPIPE. */
			e = n != TCP_ECLOSING && n != TCP_ENOTCONN &&
			            n != TCP_EINVAL
			        ? sock_take_err(t, k)
			        : EPIPE;
			if (p->done_bytes)
				return sys_ok(t, r, p->done_bytes);
			return sys_err(t, r, e ? e : EPIPE);
		}
		p->done_bytes += (uint32_t)n;
		if ((uint32_t)n < chunk)
			break;
	}
	if (p->done_bytes == p->len)
		return sys_ok(t, r, p->len);
	return 0;
}

/* ---- shutdown, close ------------------------------------------------- */

static int sys_shutdown(struct target *t, const struct script *s,
                        const struct script_event *ev, struct ref_sock *k,
                        struct target_sysret *r, struct diag *d)
{
	const struct tcp_conn *c = sock_conn(t, k);
	int64_t how;

	if (sockargs_int(s, ev, 1, SHUT_RDWR, &how) != 0)
		return bad_arg(d, s, ev, 1);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return sys_err(t, r, EINVAL);
	if (k->kind != REF_SOCK_CONN || !c || c->state == TCP_CLOSED)
		return sys_err(t, r, ENOTCONN);
	if (how == SHUT_RD || how == SHUT_RDWR)
		k->shut_rd = true;
	if ((how == SHUT_WR || how == SHUT_RDWR) && !k->shut_wr) {
		k->shut_wr = true;
		(void)tcp_stack_close(&t->st, &t->env, t->now_us, k->h,
		                      TCP_CLOSE_SEND, &t->out);
		if (flush(t, d) != 0)
			return -1;
	}
	return sys_ok(t, r, 0);
}

static int sys_close(struct target *t, struct ref_sock *k,
                     struct target_sysret *r, struct diag *d)
{
	if (k->h >= 0 && tcp_stack_slot_use(&t->st, k->h) == TCP_SLOT_APP) {
		/* SO_LINGER with a zero timeout: close() aborts (RST). */
		if (k->kind == REF_SOCK_CONN && k->linger_on &&
		    k->linger_s == 0)
			(void)tcp_stack_abort(&t->st, &t->env, t->now_us, k->h,
			                      &t->out);
		else
			(void)tcp_stack_close(&t->st, &t->env, t->now_us, k->h,
			                      TCP_CLOSE_FULL, &t->out);
	}
	memset(k, 0, sizeof(*k));
	k->h = -1;
	if (flush(t, d) != 0)
		return -1;
	return sys_ok(t, r, 0);
}

/* ---- setsockopt, getsockopt ------------------------------------------ */

/*
 * IPPROTO_IP and IPPROTO_IPV6 options as Linux takes them on a TCP socket
 * (RFC 9293 3.9.1.9 MUST-48, SHLD-21; 3.9.2 MUST-49): IP_TOS and
 * IPV6_TCLASS set the DSCP, and their ECN bits are dropped, since the ECN
 * field is TCP's (RFC 3168 6.1; Linux's __ip_sock_set_tos and IPV6_TCLASS
 * do the same for SOCK_STREAM); -1 is the default TCLASS, 0. IP_TTL takes
 * 1..255 or -1 (the default, 64); IPV6_UNICAST_HOPS -1..255 (0 is taken as
 * the default here, while Linux would send hop limit 0). An AF_INET socket
 * has no IPPROTO_IPV6 level. A connection takes a new value at once, for
 * its next segment; a listener passes it to later children.
 */
static int ip_setsockopt(struct target *t, struct ref_sock *k, int64_t level,
                         int64_t name, int64_t v, struct target_sysret *r)
{
	if (level == IPPROTO_IPV6 && !k->v6)
		return sys_err(t, r, ENOPROTOOPT);
	if (level == IPPROTO_IP && name == IP_TOS) {
		k->tos = (uint8_t)(v & 0xfc);
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		if (v != -1 && (v < 1 || v > 255))
			return sys_err(t, r, EINVAL);
		k->ttl = v == -1 ? 0 : (uint8_t)v;
	} else if (level == IPPROTO_IPV6 && name == IPV6_TCLASS) {
		if (v < -1 || v > 255)
			return sys_err(t, r, EINVAL);
		k->tclass = v == -1 ? 0 : (uint8_t)(v & 0xfc);
	} else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS) {
		if (v < -1 || v > 255)
			return sys_err(t, r, EINVAL);
		k->hops_set = v != -1;
		k->hops = v == -1 ? 0 : (uint8_t)v;
	} else {
		return sys_err(t, r, ENOPROTOOPT);
	}
	sock_apply_ip(t, k);
	return sys_ok(t, r, 0);
}

/* getsockopt() of the same options: 0 with *v, or an errno value. */
static int ip_getsockopt(const struct ref_sock *k, int64_t level, int64_t name,
                         int64_t *v)
{
	if (level == IPPROTO_IPV6 && !k->v6)
		return ENOPROTOOPT;
	if (level == IPPROTO_IP && name == IP_TOS)
		*v = k->tos;
	else if (level == IPPROTO_IP && name == IP_TTL)
		*v = k->ttl ? k->ttl : REF_DEFAULT_TTL;
	else if (level == IPPROTO_IPV6 && name == IPV6_TCLASS)
		*v = k->tclass;
	else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS)
		*v = k->hops_set ? k->hops : REF_DEFAULT_TTL;
	else
		return ENOPROTOOPT;
	return 0;
}

static int sys_setsockopt(struct target *t, const struct script *s,
                          const struct script_event *ev, struct ref_sock *k,
                          struct target_sysret *r, struct diag *d)
{
	int64_t level, name, v = 0;
	struct tcp_conn *c = sock_conn(t, k);

	if (sockargs_int(s, ev, 1, -1, &level) != 0)
		return bad_arg(d, s, ev, 1);
	if (sockargs_int(s, ev, 2, -1, &name) != 0)
		return bad_arg(d, s, ev, 2);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		int64_t on = 0, secs = 0;
		int32_t x = sockargs_expr(ev, 3);

		if (symtab_expr_int(s, symtab_struct_field(s, x, "l_onoff"),
		                    &on) < 0 ||
		    symtab_expr_int(s, symtab_struct_field(s, x, "l_linger"),
		                    &secs) < 0)
			return bad_arg(d, s, ev, 3);
		k->linger_on = on != 0;
		k->linger_s = secs;
		return sys_ok(t, r, 0);
	}
	if (level == IPPROTO_IP && name == IP_OPTIONS) {
		/* RFC 9293 3.9.2.1 (MUST-51): a source route for the
		 * connection, given as a list of bytes. */
		uint8_t b[TCP_IP_OPTS_MAX];
		int n =
		    symtab_expr_bytes(s, sockargs_expr(ev, 3), b, sizeof(b));

		if (n < 0)
			return bad_arg(d, s, ev, 3);
		memcpy(k->ipopts, b, (size_t)n);
		k->ipopt_len = (uint8_t)n;
		if (c) {
			struct tcp_ip_out ip = c->ip;

			if (!user_route(k, &c->tuple.raddr, &ip))
				return sys_err(t, r, EINVAL);
			tcp_conn_set_ip(c, &ip);
		}
		return sys_ok(t, r, 0);
	}
	if (sockargs_int(s, ev, 3, 0, &v) != 0)
		return bad_arg(d, s, ev, 3);
	if (level == IPPROTO_IP || level == IPPROTO_IPV6)
		return ip_setsockopt(t, k, level, name, v, r);
	if (level == SOL_SOCKET) {
		if (name == SO_REUSEADDR)
			k->reuseaddr = v != 0;
		else if (name == SO_REUSEPORT)
			; /* accepted; one listener per port here anyway */
		else if (name == SO_KEEPALIVE) {
			k->keepalive = v != 0;
			if (c)
				tcp_conn_set_keepalive(c, k->keepalive);
		} else if (name == SO_RCVBUF)
			k->rcvbuf = v; /* buffers are fixed per slot */
		else if (name == SO_SNDBUF)
			k->sndbuf = v;
		else
			return sys_err(t, r, ENOPROTOOPT);
		return sys_ok(t, r, 0);
	}
	if (level != IPPROTO_TCP)
		return sys_err(t, r, ENOPROTOOPT);
	if (name == symtab_tcpopt.nodelay) {
		k->nodelay = v != 0;
		if (c)
			tcp_conn_set_nodelay(c, k->nodelay);
	} else if (name == symtab_tcpopt.maxseg) {
		/* The MSS we advertise is a stack-wide setting: it applies
		 * to the SYNs sent after this call. */
		if (v < REF_MAXSEG_MIN || v > REF_MAXSEG_MAX)
			return sys_err(t, r, EINVAL);
		k->maxseg = v;
		t->cfg.mss =
		    (uint16_t)(v < t->cfg.mtu - 40 ? v : t->cfg.mtu - 40);
	} else if (name == symtab_tcpopt.user_timeout) {
		if (v < 0)
			return sys_err(t, r, EINVAL);
		k->user_to_ms = v;
		if (c)
			tcp_conn_set_user_timeout(c,
			                          v ? (uint64_t)v * 1000u
			                            : t->cfg.user_timeout_us);
	} else if (name == symtab_tcpopt.keepidle ||
	           name == symtab_tcpopt.keepintvl ||
	           name == symtab_tcpopt.keepcnt) {
		if (v < 1)
			return sys_err(t, r, EINVAL);
		if (name == symtab_tcpopt.keepidle)
			t->cfg.keepalive_idle_us = (uint64_t)v * 1000000u;
		else if (name == symtab_tcpopt.keepintvl)
			t->cfg.keepalive_intvl_us = (uint64_t)v * 1000000u;
		else
			t->cfg.keepalive_probes = (uint32_t)v;
	} else {
		return sys_err(t, r, ENOPROTOOPT);
	}
	return sys_ok(t, r, 0);
}

static int sys_getsockopt(struct target *t, const struct script *s,
                          const struct script_event *ev, struct ref_sock *k,
                          struct target_sysret *r, struct diag *d)
{
	int64_t level, name, v;
	const struct tcp_conn *c = sock_conn(t, k);
	int32_t vx = sockargs_out_expr(s, ev, 3),
	        lx = sockargs_out_expr(s, ev, 4);

	if (sockargs_int(s, ev, 1, -1, &level) != 0)
		return bad_arg(d, s, ev, 1);
	if (sockargs_int(s, ev, 2, -1, &name) != 0)
		return bad_arg(d, s, ev, 2);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		int32_t x = sockargs_expr(ev, 3);

		sys_ok(t, r, 0);
		target_sysret_out(r, symtab_struct_field(s, x, "l_onoff"),
		                  k->linger_on, "l_onoff");
		target_sysret_out(r, symtab_struct_field(s, x, "l_linger"),
		                  k->linger_s, "l_linger");
		target_sysret_out(r, lx, 8, "optlen");
		return 1;
	}
	if (level == SOL_SOCKET) {
		if (name == SO_ERROR)
			v = sock_take_err(t, k);
		else if (name == SO_REUSEADDR)
			v = k->reuseaddr;
		else if (name == SO_KEEPALIVE)
			v = k->keepalive;
		else if (name == SO_RCVBUF)
			v = k->rcvbuf ? 2 * k->rcvbuf : t->rx_bytes;
		else if (name == SO_SNDBUF)
			v = k->sndbuf ? 2 * k->sndbuf : t->tx_bytes;
		else
			return sys_err(t, r, ENOPROTOOPT);
	} else if (level == IPPROTO_TCP) {
		if (name == symtab_tcpopt.nodelay)
			v = k->nodelay;
		else if (name == symtab_tcpopt.maxseg)
			v = c && tcp_state_is_synchronized(c->state)
			        ? c->snd_mss
			        : (k->maxseg ? k->maxseg : t->cfg.mss);
		else if (name == symtab_tcpopt.user_timeout)
			v = k->user_to_ms;
		else
			return sys_err(t, r, ENOPROTOOPT);
	} else if (level == IPPROTO_IP || level == IPPROTO_IPV6) {
		int e = ip_getsockopt(k, level, name, &v);

		if (e)
			return sys_err(t, r, e);
	} else {
		return sys_err(t, r, ENOPROTOOPT);
	}
	sys_ok(t, r, 0);
	target_sysret_out(r, vx, v, "optval");
	target_sysret_out(r, lx, 4, "optlen");
	return 1;
}

/* ---- fcntl, poll ----------------------------------------------------- */

static int sys_fcntl(struct target *t, const struct script *s,
                     const struct script_event *ev, struct ref_sock *k,
                     struct target_sysret *r, struct diag *d)
{
	int64_t cmd, arg;

	if (sockargs_int(s, ev, 1, -1, &cmd) != 0)
		return bad_arg(d, s, ev, 1);
	if (cmd == F_GETFL)
		return sys_ok(t, r, O_RDWR | (k->nonblock ? O_NONBLOCK : 0));
	if (cmd != F_SETFL)
		return sys_err(t, r, EINVAL);
	if (sockargs_int(s, ev, 2, 0, &arg) != 0)
		return bad_arg(d, s, ev, 2);
	k->nonblock = (arg & O_NONBLOCK) != 0;
	return sys_ok(t, r, 0);
}

/* Whether listener slot h has a child ready for accept(). */
static bool accept_ready(const struct target *t, int h)
{
	uint32_t i;

	for (i = 0; i < REF_SLOTS; i++)
		if (t->slots[i].use == TCP_SLOT_PENDING &&
		    t->slots[i].parent == h && t->slots[i].ready_seq != 0)
			return true;
	return false;
}

/*
 * The poll mask of descriptor fd, after Linux's tcp_poll(): HUP once both
 * directions are shut (or the connection is CLOSED), IN with data or after
 * the peer's FIN (with RDHUP), OUT when there is room to write or writing is
 * shut (a write would not block), nothing but ERR/HUP while connecting.
 */
static int64_t sock_mask(struct target *t, int64_t fd)
{
	struct ref_sock *k = sock_get(t, fd);
	const struct tcp_conn *c;
	int64_t m = 0;
	bool rd_shut, wr_shut;

	if (!k)
		return POLLNVAL;
	if (k->kind == REF_SOCK_LISTEN)
		return accept_ready(t, k->h) ? POLLIN | POLLRDNORM : 0;
	c = sock_conn(t, k);
	if (k->kind == REF_SOCK_NEW || !c)
		return POLLOUT | POLLWRNORM | POLLHUP;
	if (sock_pending_err(t, k))
		m |= POLLERR;
	rd_shut =
	    k->shut_rd || (c->fl & TCP_CF_FIN_RCVD) || c->state == TCP_CLOSED;
	wr_shut = k->shut_wr || c->state == TCP_CLOSED;
	if (rd_shut && wr_shut)
		m |= POLLHUP;
	if (rd_shut)
		m |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (state_connecting(c->state))
		return m;
	if (c->rx.len > 0)
		m |= POLLIN | POLLRDNORM;
	if (c->fl & TCP_CF_URG_SIGNAL)
		m |= POLLPRI;
	if (wr_shut) {
		m |= POLLOUT | POLLWRNORM;
	} else {
		uint32_t room = c->tx.cap - c->tx.len;

		if (room > 0 && room >= c->tx.len / 2)
			m |= POLLOUT | POLLWRNORM;
	}
	return m;
}

/* 1 with *r when poll() returns now (events, or timeout 0), else 0. */
static int try_poll(struct target *t, const struct script *s,
                    const struct script_event *ev, bool timed_out,
                    struct target_sysret *r, struct diag *d)
{
	struct sockargs_pollfd pf[REF_POLL_MAX];
	int64_t revents[REF_POLL_MAX];
	int k, n, ready = 0;

	n = sockargs_poll_list(s, ev, pf, REF_POLL_MAX, d);
	if (n < 0)
		return -1;
	for (k = 0; k < n; k++) {
		revents[k] = sock_mask(t, pf[k].fd) &
		             (pf[k].events | POLLERR | POLLHUP | POLLNVAL);
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

/* ---- Dispatch -------------------------------------------------------- */

/* Tries to finish pending call p; 1 with *r when it did. */
static int pending_attempt(struct target *t, struct ref_pending *p,
                           struct target_sysret *r, struct diag *d)
{
	switch (p->call) {
	case REF_CALL_ACCEPT:
		return try_accept(t, p->fd, r);
	case REF_CALL_CONNECT:
		return try_connect(t, p->fd, r);
	case REF_CALL_READ:
		return try_read(t, p->fd, p->len, r, d);
	case REF_CALL_WRITE:
		return try_write(t, p, r, d);
	case REF_CALL_POLL:
		return try_poll(t, p->s, p->ev, t->now_us >= p->deadline_us, r,
		                d);
	case REF_CALL_NONE:
	default:
		return 0;
	}
}

void target_ref__try_pending(struct target *t)
{
	struct ref_pending *p = &t->pend;
	struct target_sysret r;
	struct diag d;
	int rc;

	if (p->call == REF_CALL_NONE || p->complete)
		return;
	memset(&r, 0, sizeof(r));
	diag_clear(&d);
	rc = pending_attempt(t, p, &r, &d);
	if (rc == 0)
		return;
	if (rc < 0) { /* cannot happen after the first attempt succeeded */
		r.done = true;
		r.ret = -1;
		r.err = EIO;
		r.t_us = t->now_us;
	}
	p->r = r;
	p->complete = true;
}

uint64_t target_ref__pending_deadline(const struct target *t)
{
	if (t->pend.call == REF_CALL_POLL && !t->pend.complete)
		return t->pend.deadline_us;
	return TCP_NO_DEADLINE;
}

/* Starts pending call p for a call that blocks (r->done stays false). */
static int block(struct target *t, struct ref_pending *p,
                 struct target_sysret *r)
{
	t->pend = *p;
	t->pend.complete = false;
	memset(r, 0, sizeof(*r));
	r->done = false;
	r->t_us = t->now_us;
	return 0;
}

static int sys_dispatch(struct target *t, const struct script *s,
                        const struct script_event *ev, struct target_sysret *r,
                        struct diag *d)
{
	const char *name = ev->u.sys.name;
	struct ref_pending p;
	struct ref_sock *k;
	int64_t fd, v;
	int rc;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.ev = ev;
	p.deadline_us = TCP_NO_DEADLINE;
	if (strcmp(name, "socket") == 0)
		return sys_socket(t, s, ev, r, d);
	if (strcmp(name, "poll") == 0) {
		int64_t timeout;

		if (sockargs_int(s, ev, 2, -1, &timeout) != 0)
			return bad_arg(d, s, ev, 2);
		rc = try_poll(t, s, ev, timeout == 0, r, d);
		if (rc != 0)
			return rc;
		p.call = REF_CALL_POLL;
		if (timeout > 0)
			p.deadline_us = t->now_us + (uint64_t)timeout * 1000u;
		return block(t, &p, r);
	}
	if (sockargs_int(s, ev, 0, -1, &fd) != 0)
		return bad_arg(d, s, ev, 0);
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
		p.call = REF_CALL_ACCEPT;
		return block(t, &p, r);
	}
	if (strcmp(name, "connect") == 0) {
		rc = sys_connect(t, s, ev, p.fd, k, r, d);
		if (rc != 0)
			return rc;
		p.call = REF_CALL_CONNECT;
		return block(t, &p, r);
	}
	if (strcmp(name, "read") == 0 || strcmp(name, "recv") == 0) {
		int64_t flags = 0;

		if (sockargs_int(s, ev, 2, REF_RX_BYTES, &v) != 0)
			return bad_arg(d, s, ev, 2);
		if (name[0] == 'r' && name[1] == 'e' && name[2] == 'c' &&
		    sockargs_int(s, ev, 3, 0, &flags) != 0)
			return bad_arg(d, s, ev, 3);
		if (v < 0)
			return sys_err(t, r, EINVAL);
		p.len = (uint32_t)(v > UINT32_MAX ? UINT32_MAX : v);
		rc = try_read(t, p.fd, p.len, r, d);
		if (rc != 0)
			return rc;
		if (k->nonblock || (flags & MSG_DONTWAIT))
			return sys_err(t, r, EAGAIN);
		p.call = REF_CALL_READ;
		return block(t, &p, r);
	}
	if (strcmp(name, "write") == 0 || strcmp(name, "send") == 0) {
		int64_t flags = 0;

		if (sockargs_int(s, ev, 2, 0, &v) != 0)
			return bad_arg(d, s, ev, 2);
		if (name[0] == 's' && sockargs_int(s, ev, 3, 0, &flags) != 0)
			return bad_arg(d, s, ev, 3);
		if (v < 0)
			return sys_err(t, r, EINVAL);
		p.len = (uint32_t)(v > UINT32_MAX ? UINT32_MAX : v);
		p.send_flags = TCP_SEND_PUSH;
		if (flags & MSG_OOB)
			p.send_flags |= TCP_SEND_URGENT;
		rc = try_write(t, &p, r, d);
		if (rc != 0)
			return rc;
		if (k->nonblock || (flags & MSG_DONTWAIT))
			return p.done_bytes ? sys_ok(t, r, p.done_bytes)
			                    : sys_err(t, r, EAGAIN);
		p.call = REF_CALL_WRITE;
		return block(t, &p, r);
	}
	if (strcmp(name, "shutdown") == 0)
		return sys_shutdown(t, s, ev, k, r, d);
	if (strcmp(name, "close") == 0)
		return sys_close(t, k, r, d);
	if (strcmp(name, "setsockopt") == 0)
		return sys_setsockopt(t, s, ev, k, r, d);
	if (strcmp(name, "getsockopt") == 0)
		return sys_getsockopt(t, s, ev, k, r, d);
	if (strcmp(name, "fcntl") == 0)
		return sys_fcntl(t, s, ev, k, r, d);
	return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
	                "%s: not supported by the reference target", name);
}

int target_ref__syscall(struct target *t, const struct script *s,
                        const struct script_event *ev, struct target_sysret *r,
                        struct diag *d)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->t_us = t->now_us;
	if (t->pend.call != REF_CALL_NONE)
		return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
		                "%s: another system call is still blocked",
		                ev->u.sys.name);
	target_ref__begin(t, SD_STEP_APP, NULL, 0);
	rc = sys_dispatch(t, s, ev, r, d);
	if (rc < 0)
		return -1;
	/* A SEND for the oracle's edge count (E053, E079). */
	if (strcmp(ev->u.sys.name, "write") == 0 ||
	    strcmp(ev->u.sys.name, "send") == 0) {
		int64_t fd;
		const struct ref_sock *k;

		if (sockargs_int(s, ev, 0, -1, &fd) == 0 &&
		    (k = sock_get(t, fd)) != NULL && k->h >= 0) {
			t->oracle.app_send = true;
			t->oracle.app_slot = k->h;
		}
	}
	/* The call's segments were flushed; this ends the oracle's step. */
	return target_ref__flush(t, d) != 0 ? -1 : 0;
}
