/* SPDX-License-Identifier: MIT
 *
 * The socket-like calls of the reference plugin over tcp_stack, the only
 * socket emulation of the reference (the ref target runs it too): Linux's
 * errno values, socket options, poll() masks, connect() that goes on in
 * the background, close() that resets with unread data or SO_LINGER 0. Nothing
 * blocks: where a socket would wait, the call says -EAGAIN (or -EINPROGRESS,
 * -EALREADY for connect) and the harness tries again.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "ref_internal.h"
#include "shakedown/tcp_errno.h"

#define REF_MAXSEG_MIN 88    /* Linux refuses smaller TCP_MAXSEG values */
#define REF_MAXSEG_MAX 32767 /* ... and larger ones */
#define REF_DEFAULT_TTL 64   /* Linux: ip_default_ttl, IPv6 hop_limit */
#define REF_CHUNK 65536u     /* bytes per tcp_conn_send/recv call */

/* ---- Handles --------------------------------------------------------- */

static struct sd_ref_sock *sock_get(struct sd_ref *r, int h)
{
	if (h < 0 || h >= SD_REF_SOCKS || !r->socks[h].used)
		return NULL;
	return &r->socks[h];
}

static int sock_alloc(struct sd_ref *r)
{
	int i;

	for (i = 0; i < SD_REF_SOCKS; i++) {
		if (!r->socks[i].used) {
			memset(&r->socks[i], 0, sizeof(r->socks[i]));
			r->socks[i].used = true;
			r->socks[i].h = -1;
			return i;
		}
	}
	return -1;
}

static struct tcp_conn *sock_conn(struct sd_ref *r, const struct sd_ref_sock *k)
{
	return k->h < 0 ? NULL : tcp_stack_conn(&r->st, k->h);
}

/* The connection's error not yet reported to the application, or 0. */
static int sock_pending_err(struct sd_ref *r, const struct sd_ref_sock *k)
{
	const struct tcp_conn *c = sock_conn(r, k);

	if (!c || k->err_taken || c->err == 0)
		return 0;
	return sd_tcp_errno(c->err);
}

static int sock_take_err(struct sd_ref *r, struct sd_ref_sock *k)
{
	int e = sock_pending_err(r, k);

	if (e)
		k->err_taken = true;
	return e;
}

static bool state_connecting(enum tcp_state s)
{
	return s == TCP_SYN_SENT || s == TCP_SYN_RECEIVED;
}

/* ---- Addresses ------------------------------------------------------- */

/*
 * A plugin address as the stack's: IPv4 for AF_INET and for an IPv4-mapped
 * AF_INET6 address (::ffff:a.b.c.d, as an AF_INET6 socket carries IPv4 on
 * Linux). false for another family.
 */
static bool addr_in(const struct sd_plugin_addr *a, struct tcp_addr *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0,    0,
		                            0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, sizeof(*out));
	if (a->family == AF_INET) {
		out->family = TCP_AF_INET;
		memcpy(out->a, a->addr, 4);
	} else if (a->family == AF_INET6 &&
	           memcmp(a->addr, mapped, sizeof(mapped)) == 0) {
		out->family = TCP_AF_INET;
		memcpy(out->a, a->addr + 12, 4);
	} else if (a->family == AF_INET6) {
		out->family = TCP_AF_INET6;
		memcpy(out->a, a->addr, 16);
	} else {
		return false;
	}
	return true;
}

/* The peer of a connection for accept(): v4-mapped on an AF_INET6 socket. */
static void addr_out(const struct tcp_addr *a, uint16_t port, bool v6sock,
                     struct sd_plugin_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->port = port;
	if (a->family == TCP_AF_INET6) {
		out->family = AF_INET6;
		memcpy(out->addr, a->a, 16);
	} else if (v6sock) {
		out->family = AF_INET6;
		out->addr[10] = 0xff;
		out->addr[11] = 0xff;
		memcpy(out->addr + 12, a->a, 4);
	} else {
		out->family = AF_INET;
		memcpy(out->addr, a->a, 4);
	}
}

/* The unspecified address (INADDR_ANY, in6addr_any). */
static bool addr_any(const struct tcp_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->a, zero, a->family == TCP_AF_INET6 ? 16 : 4) == 0;
}

/* ---- IP parameters --------------------------------------------------- */

/*
 * IP_OPTIONS as Linux reads them (ip_options_get): a loose or strict
 * source route lists the hops h1 .. hn; the packets go to h1 and carry
 * <type, len, 4, h2 .. hn, final destination> (RFC 791 3.1; the final
 * address fills the last slot). Other options go as they are. Fills *ip
 * for a connection to 'raddr'; false for a malformed route.
 */
static bool user_route(const struct sd_ref_sock *k,
                       const struct tcp_addr *raddr, struct tcp_ip_out *ip)
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

/*
 * The IP version socket k sends with: its connection's; for a listener
 * the run's (an AF_INET6 socket in an IPv4 run sends IPv4, and then IP_TOS
 * and IP_TTL apply, as on Linux), guessed from the socket's family until
 * the first packet tells.
 */
static uint8_t sock_family(const struct sd_ref *r, const struct sd_ref_sock *k,
                           const struct tcp_conn *c)
{
	if (c && k->kind == SD_REF_SOCK_CONN)
		return c->tuple.laddr.family;
	if (r->family)
		return r->family;
	return k->v6 ? TCP_AF_INET6 : TCP_AF_INET;
}

/* The TOS / Traffic Class and TTL / hop limit k asks of IP for family f.
 * TTL 0 is the default, 64. */
static void sock_ip(const struct sd_ref_sock *k, uint8_t f,
                    struct tcp_ip_out *ip)
{
	bool v6 = f == TCP_AF_INET6;

	ip->tos = v6 ? k->tclass : k->tos;
	ip->ttl = v6 ? (k->hops_set ? k->hops : 0) : k->ttl;
}

/* Hands k's TOS and TTL to its connection or listener (MUST-48, SHLD-21). */
static void sock_apply_ip(struct sd_ref *r, struct sd_ref_sock *k)
{
	struct tcp_conn *c = sock_conn(r, k);
	struct tcp_ip_out ip;

	if (!c)
		return;
	ip = c->ip; /* IPv4 options and next hop stay */
	sock_ip(k, sock_family(r, k, c), &ip);
	tcp_conn_set_ip(c, &ip);
}

/* Applies the options set before the connection existed. */
static void sock_apply(struct sd_ref *r, struct sd_ref_sock *k)
{
	struct tcp_conn *c = sock_conn(r, k);

	if (!c)
		return;
	sock_apply_ip(r, k);
	tcp_conn_set_nodelay(c, k->nodelay);
	tcp_conn_set_keepalive(c, k->keepalive);
	if (k->user_to_ms > 0)
		tcp_conn_set_user_timeout(c, (uint64_t)k->user_to_ms * 1000u);
}

void sd_ref_sock_family(struct sd_ref *r, uint8_t family)
{
	int i;

	if (r->family == family)
		return;
	r->family = family;
	/* Listeners pass TOS and TTL to the children of this family. */
	for (i = 0; i < SD_REF_SOCKS; i++)
		if (r->socks[i].used && r->socks[i].kind == SD_REF_SOCK_LISTEN)
			sock_apply_ip(r, &r->socks[i]);
}

/* ---- socket, bind, listen -------------------------------------------- */

int sd_ref_socket(void *inst, int domain)
{
	struct sd_ref *r = inst;
	int h;

	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	h = sock_alloc(r);
	if (h < 0)
		return -EMFILE;
	r->socks[h].v6 = domain == AF_INET6;
	return h;
}

/* Whether local port 'port' is taken for socket k (bind semantics). */
static bool port_busy(struct sd_ref *r, const struct sd_ref_sock *k,
                      uint16_t port)
{
	uint32_t i;
	int j;

	for (j = 0; j < SD_REF_SOCKS; j++) {
		const struct sd_ref_sock *o = &r->socks[j];

		if (!o->used || o == k || !o->bound || o->port != port)
			continue;
		if (o->kind == SD_REF_SOCK_LISTEN || !k->reuseaddr ||
		    !o->reuseaddr)
			return true;
	}
	/* Connections the application gave up (TIME-WAIT ...) hold their
	 * port until they end, unless SO_REUSEADDR. */
	for (i = 0; i < SD_REF_SLOTS && !k->reuseaddr; i++)
		if (r->slots[i].use == TCP_SLOT_RELEASED &&
		    r->slots[i].conn.tuple.lport == port)
			return true;
	return false;
}

int sd_ref_bind(void *inst, int h, const struct sd_plugin_addr *a)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	struct tcp_addr la;
	uint16_t port;

	if (!k)
		return -EBADF;
	if (!a || !addr_in(a, &la) || (!k->v6 && a->family != AF_INET))
		return -EINVAL;
	/* RFC 9293 3.9.1.1 (MUST-43): OPEN takes a local address; the
	 * reference host has one per IP version, besides "any". */
	if (!addr_any(&la) && !tcp_addr_eq(&la, &r->stack4) &&
	    !tcp_addr_eq(&la, &r->stack6))
		return -EADDRNOTAVAIL;
	port = a->port ? a->port : r->stack_port;
	if (k->bound || k->kind != SD_REF_SOCK_NEW)
		return -EINVAL;
	if (port_busy(r, k, port))
		return -EADDRINUSE;
	k->bound = true;
	k->port = port;
	return 0;
}

int sd_ref_listen(void *inst, int h, int backlog)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	int sh;

	if (!k)
		return -EBADF;
	if (k->kind == SD_REF_SOCK_LISTEN)
		return 0;
	if (k->kind != SD_REF_SOCK_NEW)
		return -EINVAL;
	if (!k->bound) { /* Linux binds an unbound listener to a port */
		if (port_busy(r, k, r->stack_port))
			return -EADDRINUSE;
		k->bound = true;
		k->port = r->stack_port;
	}
	if (backlog < 0)
		backlog = 0;
	sh = tcp_stack_listen(&r->st, &r->env, r->now_us, NULL, k->port,
	                      (uint32_t)(backlog > 4096 ? 4096 : backlog));
	if (sh < 0)
		return -sd_tcp_errno(sh);
	k->kind = SD_REF_SOCK_LISTEN;
	k->h = sh;
	sock_apply(r, k);
	sd_ref_flush(r);
	return 0;
}

/* ---- accept, connect ------------------------------------------------- */

int sd_ref_accept(void *inst, int h, struct sd_plugin_addr *peer)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h), *n;
	const struct tcp_conn *c;
	int nh, sh;

	if (!k)
		return -EBADF;
	if (k->kind != SD_REF_SOCK_LISTEN)
		return -EINVAL;
	nh = sock_alloc(r);
	if (nh < 0)
		return -EMFILE;
	sh = tcp_stack_accept(&r->st, k->h);
	if (sh < 0) {
		r->socks[nh].used = false;
		return -sd_tcp_errno(sh); /* EWOULDBLOCK: -EAGAIN */
	}
	n = &r->socks[nh];
	n->kind = SD_REF_SOCK_CONN;
	n->h = sh;
	n->bound = true;
	n->port = k->port;
	/* Options are inherited by the stack; these are the socket's. */
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
	c = tcp_stack_conn(&r->st, sh);
	if (peer && c)
		addr_out(&c->tuple.raddr, c->tuple.rport, n->v6, peer);
	return nh;
}

/*
 * The outcome of a connection attempt once it has one: 1 with *res (0 or
 * -errno, reported once), 0 while in SYN-SENT / SYN-RECEIVED.
 */
static int try_connect(struct sd_ref *r, struct sd_ref_sock *k, int *res)
{
	const struct tcp_conn *c = sock_conn(r, k);
	int e;

	if (!c) {
		*res = -ECONNABORTED;
		return 1;
	}
	if (state_connecting(c->state))
		return 0;
	k->connecting = false;
	if (c->state == TCP_CLOSED) {
		e = sock_take_err(r, k);
		*res = -(e ? e : ECONNREFUSED);
		return 1;
	}
	*res = 0;
	return 1;
}

/* RFC 9293 3.9.1.1 (MUST-46): no active OPEN to a broadcast or multicast
 * address (the TEST-NET's broadcast included). */
static bool addr_not_unicast(const struct sd_ref *r, const struct tcp_addr *a)
{
	if (a->family == TCP_AF_INET6)
		return a->a[0] == 0xff;
	return a->a[0] >= 224 ||
	       (memcmp(a->a, r->stack4.a, 3) == 0 && a->a[3] == 255);
}

int sd_ref_connect(void *inst, int h, const struct sd_plugin_addr *a)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	struct tcp_ip_out ip;
	struct tcp_tuple tu;
	struct tcp_addr ra;
	int sh, res;

	if (!k)
		return -EBADF;
	if (!a || (!k->v6 && a->family != AF_INET) || !addr_in(a, &ra))
		return -EAFNOSUPPORT;
	/* Linux says ENETUNREACH. */
	if (addr_not_unicast(r, &ra))
		return -ENETUNREACH;
	if (k->kind == SD_REF_SOCK_LISTEN)
		return -EISCONN;
	if (k->kind == SD_REF_SOCK_CONN) {
		if (!k->connecting)
			return -EISCONN;
		/* A second connect() (Linux): EALREADY while it goes on,
		 * then its outcome, once. */
		if (try_connect(r, k, &res))
			return res;
		return -EALREADY;
	}
	memset(&tu, 0, sizeof(tu));
	tu.laddr = ra.family == TCP_AF_INET6 ? r->stack6 : r->stack4;
	tu.lport = k->bound ? k->port : 0;
	tu.raddr = ra;
	tu.rport = a->port;
	/* The SYN already carries the socket's TOS and TTL (MUST-48/49)
	 * and the application's source route (MUST-51). */
	memset(&ip, 0, sizeof(ip));
	sock_ip(k, ra.family, &ip);
	if (!user_route(k, &tu.raddr, &ip))
		return -EINVAL;
	sd_ref_sock_family(r, ra.family);
	sh =
	    tcp_stack_connect_ip(&r->st, &r->env, r->now_us, &tu, &ip, &r->out);
	sd_ref_flush(r);
	if (sh < 0)
		return sh == TCP_EADDRINUSE && !k->bound ? -EADDRNOTAVAIL
		                                         : -sd_tcp_errno(sh);
	k->kind = SD_REF_SOCK_CONN;
	k->h = sh;
	k->connecting = true;
	if (!k->bound) {
		k->bound = true;
		k->port = tcp_stack_conn(&r->st, sh)->tuple.lport;
	}
	sock_apply(r, k);
	return -EINPROGRESS;
}

/* ---- send, recv ------------------------------------------------------ */

long sd_ref_send(void *inst, int h, const void *buf, size_t len, int flags)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	const uint8_t *p = buf;
	unsigned sflags = TCP_SEND_PUSH;
	struct tcp_conn *c;
	size_t done = 0;
	int e;

	if (!k)
		return -EBADF;
	if (k->kind != SD_REF_SOCK_CONN)
		return -EPIPE;
	c = sock_conn(r, k);
	e = sock_take_err(r, k);
	if (e)
		return -e;
	if (!c || k->shut_wr || k->err_taken)
		return -EPIPE;
	if (state_connecting(c->state))
		return -EAGAIN;
	if (flags & MSG_OOB)
		sflags |= TCP_SEND_URGENT;
	/* In pieces of at most 64 KiB, as the ref target writes. */
	while (done < len) {
		uint32_t chunk =
		    len - done > REF_CHUNK ? REF_CHUNK : (uint32_t)(len - done);
		int n = tcp_conn_send(c, &r->env, r->now_us, p + done, chunk,
		                      sflags, &r->out);

		sd_ref_flush(r);
		if (n < 0) {
			/* An abortive end (RST, timeout, ICMP) reports its
			 * error; a local close reports EPIPE. */
			e = n != TCP_ECLOSING && n != TCP_ENOTCONN &&
			            n != TCP_EINVAL
			        ? sock_take_err(r, k)
			        : EPIPE;
			if (done)
				return (long)done;
			return -(e ? e : EPIPE);
		}
		done += (uint32_t)n;
		if ((uint32_t)n < chunk)
			break;
	}
	if (done == 0 && len > 0)
		return -EAGAIN;
	return (long)done;
}

long sd_ref_recv(void *inst, int h, void *buf, size_t len, int flags)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	struct tcp_conn *c;
	int n, e;

	(void)flags; /* MSG_PEEK and MSG_WAITALL are not emulated */
	if (!k)
		return -EBADF;
	if (k->kind != SD_REF_SOCK_CONN)
		return -ENOTCONN;
	c = sock_conn(r, k);
	if (!c || k->shut_rd || len == 0)
		return 0;
	if (state_connecting(c->state))
		return -EAGAIN;
	if (len > REF_CHUNK)
		len = REF_CHUNK;
	n = tcp_conn_recv(c, &r->env, r->now_us, buf, (uint32_t)len, &r->out);
	sd_ref_flush(r);
	if (n >= 0)
		return n;
	if (n == TCP_EWOULDBLOCK)
		return -EAGAIN;
	/* Linux reports a connection's error once; then end of stream. */
	e = sock_take_err(r, k);
	return e ? -e : 0;
}

/* ---- shutdown, close ------------------------------------------------- */

int sd_ref_shutdown(void *inst, int h, int how)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	const struct tcp_conn *c;

	if (!k)
		return -EBADF;
	c = sock_conn(r, k);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (k->kind != SD_REF_SOCK_CONN || !c || c->state == TCP_CLOSED)
		return -ENOTCONN;
	if (how == SHUT_RD || how == SHUT_RDWR)
		k->shut_rd = true;
	if ((how == SHUT_WR || how == SHUT_RDWR) && !k->shut_wr) {
		k->shut_wr = true;
		/* RFC 9293 3.10.4: CLOSE of the sending side only. */
		(void)tcp_stack_close(&r->st, &r->env, r->now_us, k->h,
		                      TCP_CLOSE_SEND, &r->out);
		sd_ref_flush(r);
	}
	return 0;
}

int sd_ref_close(void *inst, int h)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);

	if (!k)
		return -EBADF;
	if (k->h >= 0 && tcp_stack_slot_use(&r->st, k->h) == TCP_SLOT_APP) {
		/* SO_LINGER with a zero timeout: close() aborts (3.10.5). A
		 * full close with unread data resets in the stack (SHLD-3). */
		if (k->kind == SD_REF_SOCK_CONN && k->linger_on &&
		    k->linger_s == 0)
			(void)tcp_stack_abort(&r->st, &r->env, r->now_us, k->h,
			                      &r->out);
		else
			(void)tcp_stack_close(&r->st, &r->env, r->now_us, k->h,
			                      TCP_CLOSE_FULL, &r->out);
	}
	memset(k, 0, sizeof(*k));
	k->h = -1;
	sd_ref_flush(r);
	return 0;
}

/* ---- setsockopt, getsockopt ------------------------------------------ */

/*
 * IPPROTO_IP and IPPROTO_IPV6 options as Linux takes them on a TCP socket
 * (RFC 9293 3.9.1.9 MUST-48, SHLD-21; 3.9.2 MUST-49): IP_TOS and
 * IPV6_TCLASS set the DSCP, and their ECN bits are dropped, since the ECN
 * field is TCP's (RFC 3168 6.1); -1 is the default TCLASS, 0. IP_TTL takes
 * 1..255 or -1 (the default, 64); IPV6_UNICAST_HOPS -1..255 (0 is taken as
 * the default, as on the ref target). An AF_INET socket has no
 * IPPROTO_IPV6 level. A connection takes a new value at once, for its next
 * segment; a listener passes it to later children.
 */
static int ip_setsockopt(struct sd_ref *r, struct sd_ref_sock *k, int level,
                         int name, int v)
{
	if (level == IPPROTO_IPV6 && !k->v6)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IP && name == IP_TOS) {
		k->tos = (uint8_t)(v & 0xfc);
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		if (v != -1 && (v < 1 || v > 255))
			return -EINVAL;
		k->ttl = v == -1 ? 0 : (uint8_t)v;
	} else if (level == IPPROTO_IPV6 && name == IPV6_TCLASS) {
		if (v < -1 || v > 255)
			return -EINVAL;
		k->tclass = v == -1 ? 0 : (uint8_t)(v & 0xfc);
	} else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS) {
		if (v < -1 || v > 255)
			return -EINVAL;
		k->hops_set = v != -1;
		k->hops = v == -1 ? 0 : (uint8_t)v;
	} else {
		return -ENOPROTOOPT;
	}
	sock_apply_ip(r, k);
	return 0;
}

/* getsockopt() of the same options: 0 with *v, or -errno. */
static int ip_getsockopt(const struct sd_ref_sock *k, int level, int name,
                         int *v)
{
	if (level == IPPROTO_IPV6 && !k->v6)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IP && name == IP_TOS)
		*v = k->tos;
	else if (level == IPPROTO_IP && name == IP_TTL)
		*v = k->ttl ? k->ttl : REF_DEFAULT_TTL;
	else if (level == IPPROTO_IPV6 && name == IPV6_TCLASS)
		*v = k->tclass;
	else if (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS)
		*v = k->hops_set ? k->hops : REF_DEFAULT_TTL;
	else
		return -ENOPROTOOPT;
	return 0;
}

/* SOL_SOCKET options (int values). */
static int so_setsockopt(struct sd_ref_sock *k, struct tcp_conn *c, int name,
                         int v)
{
	if (name == SO_REUSEADDR) {
		k->reuseaddr = v != 0;
	} else if (name == SO_REUSEPORT) {
		; /* accepted; one listener per port here anyway */
	} else if (name == SO_KEEPALIVE) {
		k->keepalive = v != 0;
		if (c)
			tcp_conn_set_keepalive(c, k->keepalive);
	} else if (name == SO_RCVBUF) {
		k->rcvbuf = v; /* buffers are fixed per slot */
	} else if (name == SO_SNDBUF) {
		k->sndbuf = v;
	} else {
		return -ENOPROTOOPT;
	}
	return 0;
}

/* IPPROTO_TCP options (int values). */
static int tcp_setsockopt(struct sd_ref *r, struct sd_ref_sock *k,
                          struct tcp_conn *c, int name, int v)
{
	if (name == sd_ref_tcpopt.nodelay) {
		k->nodelay = v != 0;
		if (c)
			tcp_conn_set_nodelay(c, k->nodelay);
	} else if (name == sd_ref_tcpopt.maxseg) {
		/* The MSS we advertise is a stack-wide setting: it applies
		 * to the SYNs sent after this call. */
		if (v < REF_MAXSEG_MIN || v > REF_MAXSEG_MAX)
			return -EINVAL;
		k->maxseg = v;
		r->cfg.mss =
		    (uint16_t)(v < r->cfg.mtu - 40 ? v : r->cfg.mtu - 40);
	} else if (name == sd_ref_tcpopt.user_timeout) {
		if (v < 0)
			return -EINVAL;
		k->user_to_ms = v;
		if (c)
			tcp_conn_set_user_timeout(c,
			                          v ? (uint64_t)v * 1000u
			                            : r->cfg.user_timeout_us);
	} else if (name == sd_ref_tcpopt.keepidle ||
	           name == sd_ref_tcpopt.keepintvl ||
	           name == sd_ref_tcpopt.keepcnt) {
		/* Stack-wide, as on the ref target. */
		if (v < 1)
			return -EINVAL;
		if (name == sd_ref_tcpopt.keepidle)
			r->cfg.keepalive_idle_us = (uint64_t)v * 1000000u;
		else if (name == sd_ref_tcpopt.keepintvl)
			r->cfg.keepalive_intvl_us = (uint64_t)v * 1000000u;
		else
			r->cfg.keepalive_probes = (uint32_t)v;
	} else {
		return -ENOPROTOOPT;
	}
	return 0;
}

int sd_ref_setsockopt(void *inst, int h, int level, int name, const void *val,
                      unsigned len)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	struct tcp_conn *c;
	int v;

	if (!k)
		return -EBADF;
	c = sock_conn(r, k);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l;

		if (!val || len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		k->linger_on = l.l_onoff != 0;
		k->linger_s = l.l_linger;
		return 0;
	}
	if (level == IPPROTO_IP && name == IP_OPTIONS) {
		/* RFC 9293 3.9.2.1 (MUST-51): a source route for the
		 * connection, as bytes. */
		if ((!val && len > 0) || len > TCP_IP_OPTS_MAX)
			return -EINVAL;
		if (len > 0)
			memcpy(k->ipopts, val, len);
		k->ipopt_len = (uint8_t)len;
		if (c) {
			struct tcp_ip_out ip = c->ip;

			if (!user_route(k, &c->tuple.raddr, &ip))
				return -EINVAL;
			tcp_conn_set_ip(c, &ip);
		}
		return 0;
	}
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (level == IPPROTO_IP || level == IPPROTO_IPV6)
		return ip_setsockopt(r, k, level, name, v);
	if (level == SOL_SOCKET)
		return so_setsockopt(k, c, name, v);
	if (level == IPPROTO_TCP)
		return tcp_setsockopt(r, k, c, name, v);
	return -ENOPROTOOPT;
}

int sd_ref_getsockopt(void *inst, int h, int level, int name, void *val,
                      unsigned *len)
{
	struct sd_ref *r = inst;
	struct sd_ref_sock *k = sock_get(r, h);
	const struct tcp_conn *c;
	int v, e;

	if (!k)
		return -EBADF;
	if (!val || !len)
		return -EINVAL;
	c = sock_conn(r, k);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l;

		if (*len < sizeof(l))
			return -EINVAL;
		memset(&l, 0, sizeof(l));
		l.l_onoff = k->linger_on;
		l.l_linger = k->linger_s;
		memcpy(val, &l, sizeof(l));
		*len = sizeof(l);
		return 0;
	}
	if (*len < sizeof(int))
		return -EINVAL;
	if (level == SOL_SOCKET) {
		if (name == SO_ERROR)
			v = sock_take_err(r, k);
		else if (name == SO_REUSEADDR)
			v = k->reuseaddr;
		else if (name == SO_KEEPALIVE)
			v = k->keepalive;
		else if (name == SO_RCVBUF)
			v = k->rcvbuf ? (int)(2 * k->rcvbuf) : (int)r->rx_bytes;
		else if (name == SO_SNDBUF)
			v = k->sndbuf ? (int)(2 * k->sndbuf) : (int)r->tx_bytes;
		else
			return -ENOPROTOOPT;
	} else if (level == IPPROTO_TCP) {
		if (name == sd_ref_tcpopt.nodelay)
			v = k->nodelay;
		else if (name == sd_ref_tcpopt.maxseg)
			v = c && tcp_state_is_synchronized(c->state)
			        ? c->snd_mss
			        : (int)(k->maxseg ? k->maxseg : r->cfg.mss);
		else if (name == sd_ref_tcpopt.user_timeout)
			v = (int)k->user_to_ms;
		else
			return -ENOPROTOOPT;
	} else if (level == IPPROTO_IP || level == IPPROTO_IPV6) {
		e = ip_getsockopt(k, level, name, &v);
		if (e)
			return e;
	} else {
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

/* ---- poll, state ----------------------------------------------------- */

/* Whether listener slot h has a child ready for accept(). */
static bool accept_ready(const struct sd_ref *r, int h)
{
	uint32_t i;

	for (i = 0; i < SD_REF_SLOTS; i++)
		if (r->slots[i].use == TCP_SLOT_PENDING &&
		    r->slots[i].parent == h && r->slots[i].ready_seq != 0)
			return true;
	return false;
}

/*
 * The poll mask of socket k, after Linux's tcp_poll(): HUP once both
 * directions are shut (or the connection is CLOSED), IN with data or after
 * the peer's FIN (with RDHUP), OUT when there is room to write or writing is
 * shut (a write would not block), nothing but ERR/HUP while connecting.
 */
static short sock_mask(struct sd_ref *r, const struct sd_ref_sock *k)
{
	const struct tcp_conn *c;
	short m = 0;
	bool rd_shut, wr_shut;

	if (k->kind == SD_REF_SOCK_LISTEN)
		return accept_ready(r, k->h) ? POLLIN | POLLRDNORM : 0;
	c = sock_conn(r, k);
	if (k->kind == SD_REF_SOCK_NEW || !c)
		return POLLOUT | POLLWRNORM | POLLHUP;
	if (sock_pending_err(r, k))
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

short sd_ref_poll(void *inst, int h, short events)
{
	struct sd_ref *r = inst;
	const struct sd_ref_sock *k = sock_get(r, h);

	if (!k)
		return POLLNVAL;
	return (short)(sock_mask(r, k) & (events | POLLERR | POLLHUP));
}

const char *sd_ref_sock_state(struct sd_ref *r, int h)
{
	const struct sd_ref_sock *k = sock_get(r, h);
	const struct tcp_conn *c;

	if (!k)
		return NULL;
	if (k->kind == SD_REF_SOCK_LISTEN)
		return tcp_state_name(TCP_LISTEN);
	c = sock_conn(r, k);
	return tcp_state_name(c ? c->state : TCP_CLOSED);
}
