/* SPDX-License-Identifier: MIT
 *
 * Symbol and errno tables for scripts, and the evaluation and display of
 * system call argument expressions (see symtab.h). Values come from the
 * host's headers: on Linux they are the values packetdrill scripts assume.
 */
#include "symtab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct symtab_ent {
	const char *name;
	int64_t val;
};

#define SYM(x)                                                                 \
	{                                                                      \
#x, (int64_t)(x)                                               \
	}
#define SYMTAB_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct symtab_tcpopt symtab_tcpopt = {
	.nodelay = TCP_NODELAY,
	.maxseg = TCP_MAXSEG,
	.keepidle = TCP_KEEPIDLE,
	.keepintvl = TCP_KEEPINTVL,
	.keepcnt = TCP_KEEPCNT,
	.user_timeout = TCP_USER_TIMEOUT,
};

/* clang-format off */
static const struct symtab_ent symtab_syms[] = {
	SYM(AF_INET), SYM(AF_INET6), SYM(AF_UNSPEC), SYM(PF_INET),
	SYM(PF_INET6),
	SYM(SOCK_STREAM), SYM(SOCK_DGRAM), SYM(SOCK_NONBLOCK),
	SYM(SOCK_CLOEXEC),
	SYM(IPPROTO_TCP), SYM(IPPROTO_IP), SYM(IPPROTO_IPV6), SYM(IP_OPTIONS),
	SYM(SOL_SOCKET), SYM(SOL_TCP),
	SYM(SO_REUSEADDR), SYM(SO_REUSEPORT), SYM(SO_LINGER), SYM(SO_RCVBUF),
	SYM(SO_SNDBUF), SYM(SO_KEEPALIVE), SYM(SO_ERROR),
	SYM(TCP_NODELAY), SYM(TCP_MAXSEG), SYM(TCP_KEEPIDLE),
	SYM(TCP_KEEPINTVL), SYM(TCP_KEEPCNT), SYM(TCP_USER_TIMEOUT),
	SYM(IP_TOS), SYM(IP_TTL), SYM(IPV6_TCLASS), SYM(IPV6_UNICAST_HOPS),
	SYM(F_GETFL), SYM(F_SETFL),
	SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM(O_NONBLOCK),
	SYM(POLLIN), SYM(POLLPRI), SYM(POLLOUT), SYM(POLLERR), SYM(POLLHUP),
	SYM(POLLNVAL), SYM(POLLRDNORM), SYM(POLLRDBAND), SYM(POLLWRNORM),
	SYM(POLLWRBAND), SYM(POLLRDHUP),
	SYM(SHUT_RD), SYM(SHUT_WR), SYM(SHUT_RDWR),
	SYM(MSG_OOB), SYM(MSG_PEEK), SYM(MSG_DONTWAIT), SYM(MSG_WAITALL),
	SYM(MSG_NOSIGNAL),
};

static const struct symtab_ent symtab_errnos[] = {
	SYM(EPERM), SYM(ENOENT), SYM(EINTR), SYM(EIO), SYM(EBADF),
	SYM(EAGAIN), SYM(ENOMEM), SYM(EACCES), SYM(EFAULT), SYM(EBUSY),
	SYM(EEXIST), SYM(EINVAL), SYM(ENFILE), SYM(EMFILE), SYM(ENOSPC),
	SYM(EPIPE), SYM(ENOTSOCK), SYM(EDESTADDRREQ), SYM(EMSGSIZE),
	SYM(EPROTOTYPE), SYM(ENOPROTOOPT), SYM(EPROTONOSUPPORT),
	SYM(EOPNOTSUPP), SYM(EAFNOSUPPORT), SYM(EADDRINUSE),
	SYM(EADDRNOTAVAIL), SYM(ENETDOWN), SYM(ENETUNREACH),
	SYM(ECONNABORTED), SYM(ECONNRESET), SYM(ENOBUFS), SYM(EISCONN),
	SYM(ENOTCONN), SYM(ETIMEDOUT), SYM(ECONNREFUSED), SYM(EHOSTUNREACH),
	SYM(EALREADY), SYM(EINPROGRESS), SYM(EPROTO), SYM(EHOSTDOWN),
	/* Aliases last, so that a value prints with its usual name. */
	SYM(EWOULDBLOCK),
};
/* clang-format on */

static const struct symtab_ent *symtab_find(const struct symtab_ent *t,
                                            size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

bool symtab_value(const char *name, int64_t *v)
{
	const struct symtab_ent *e;

	e = symtab_find(symtab_syms, SYMTAB_LEN(symtab_syms), name);
	/* An errno name is a value too: SO_ERROR's [ECONNREFUSED]. */
	if (!e)
		e = symtab_find(symtab_errnos, SYMTAB_LEN(symtab_errnos), name);
	if (!e)
		return false;
	*v = e->val;
	return true;
}

const char *symtab_errno_name(int err)
{
	size_t i;

	for (i = 0; i < SYMTAB_LEN(symtab_errnos); i++)
		if (symtab_errnos[i].val == err)
			return symtab_errnos[i].name;
	return NULL;
}

int symtab_errno_value(const char *name)
{
	const struct symtab_ent *e;

	e = symtab_find(symtab_errnos, SYMTAB_LEN(symtab_errnos), name);
	return e ? (int)e->val : -1;
}

int symtab_expr_int(const struct script *s, int32_t i, int64_t *v)
{
	const struct script_expr *e = i < 0 ? NULL : script_expr_at(s, i);
	int64_t a, b;

	if (!e)
		return 0;
	switch (e->kind) {
	case SCRIPT_EXPR_INT:
		*v = e->num;
		return 1;
	case SCRIPT_EXPR_ELLIPSIS:
		return 0;
	case SCRIPT_EXPR_SYMBOL:
		return symtab_value(e->name, v) ? 1 : -1;
	case SCRIPT_EXPR_OR:
		if (symtab_expr_int(s, e->lhs, &a) != 1 ||
		    symtab_expr_int(s, e->rhs, &b) != 1)
			return -1;
		*v = a | b;
		return 1;
	default:
		return -1;
	}
}

int symtab_expr_bytes(const struct script *s, int32_t i, uint8_t *buf,
                      size_t max)
{
	const struct script_expr *e = i < 0 ? NULL : script_expr_at(s, i);
	int32_t k;

	if (!e || e->kind != SCRIPT_EXPR_LIST || e->count < 0 ||
	    (size_t)e->count > max || e->first < 0 ||
	    (size_t)e->first + (size_t)e->count > s->elem_n)
		return -1;
	for (k = 0; k < e->count; k++) {
		int64_t v;

		if (symtab_expr_int(s, s->elems[e->first + k], &v) != 1 ||
		    v < 0 || v > 255)
			return -1;
		buf[k] = (uint8_t)v;
	}
	return (int)e->count;
}

int symtab_sockaddr(const struct script *s, int32_t i,
                    struct symtab_sockaddr *sa)
{
	const struct script_expr *e = i < 0 ? NULL : script_expr_at(s, i);
	int addr_family = 0;
	int32_t k;

	memset(sa, 0, sizeof(*sa));
	if (!e || e->kind == SCRIPT_EXPR_ELLIPSIS)
		return 0;
	if (e->kind != SCRIPT_EXPR_STRUCT)
		return -1;
	for (k = 0; k < e->count; k++) {
		const struct script_expr *f = script_expr_elem(s, e, (size_t)k);
		const struct script_expr *v;
		int64_t n;

		if (!f || f->kind != SCRIPT_EXPR_FIELD)
			return -1;
		v = script_expr_at(s, f->lhs);
		if (!v)
			return -1;
		if (strcmp(f->name, "sa_family") == 0 ||
		    strcmp(f->name, "sin_family") == 0 ||
		    strcmp(f->name, "sin6_family") == 0) {
			if (symtab_expr_int(s, f->lhs, &n) != 1 ||
			    (n != AF_INET && n != AF_INET6))
				return -1;
			sa->family = (int)n;
		} else if (strcmp(f->name, "sin_port") == 0 ||
		           strcmp(f->name, "sin6_port") == 0) {
			if (symtab_expr_int(s, f->lhs, &n) != 1 || n < 0 ||
			    n > 65535)
				return -1;
			sa->port = (uint16_t)n;
			sa->has_port = true;
		} else if (strcmp(f->name, "sin_addr") == 0 ||
		           strcmp(f->name, "sin6_addr") == 0) {
			const char *txt = v->kind == SCRIPT_EXPR_STRING
			                      ? script_string_at(s, v->str)
			                      : NULL;

			if (!txt)
				return -1;
			if (inet_pton(AF_INET, txt, sa->addr) == 1)
				addr_family = AF_INET;
			else if (inet_pton(AF_INET6, txt, sa->addr) == 1)
				addr_family = AF_INET6;
			else
				return -1;
			if (sa->family == 0)
				sa->family = addr_family;
			sa->has_addr = true;
		} else {
			return -1;
		}
	}
	if (sa->family == 0 || (sa->has_addr && addr_family != sa->family))
		return -1;
	return 1;
}

/* Appends to buf at *off, keeping it NUL-terminated. */
static void symtab_cat(char *buf, size_t n, size_t *off, const char *text)
{
	size_t len = strlen(text);

	if (n == 0 || *off >= n - 1)
		return;
	if (len > n - 1 - *off)
		len = n - 1 - *off;
	memcpy(buf + *off, text, len);
	*off += len;
	buf[*off] = '\0';
}

static void symtab_render_at(const struct script *s, int32_t i, char *buf,
                             size_t n, size_t *off, int depth)
{
	const struct script_expr *e = i < 0 ? NULL : script_expr_at(s, i);
	char num[32];
	int32_t k;

	if (!e || depth > 16) {
		symtab_cat(buf, n, off, "?");
		return;
	}
	switch (e->kind) {
	case SCRIPT_EXPR_INT:
		snprintf(num, sizeof(num), "%lld", (long long)e->num);
		symtab_cat(buf, n, off, num);
		break;
	case SCRIPT_EXPR_ELLIPSIS:
		symtab_cat(buf, n, off, "...");
		break;
	case SCRIPT_EXPR_SYMBOL:
		symtab_cat(buf, n, off, e->name);
		break;
	case SCRIPT_EXPR_STRING:
		symtab_cat(buf, n, off, "\"");
		symtab_cat(buf, n, off, e->name);
		symtab_cat(buf, n, off, "\"");
		break;
	case SCRIPT_EXPR_OR:
		symtab_render_at(s, e->lhs, buf, n, off, depth + 1);
		symtab_cat(buf, n, off, "|");
		symtab_render_at(s, e->rhs, buf, n, off, depth + 1);
		break;
	case SCRIPT_EXPR_LIST:
	case SCRIPT_EXPR_STRUCT:
		symtab_cat(buf, n, off,
		           e->kind == SCRIPT_EXPR_LIST ? "[" : "{");
		for (k = 0; k < e->count; k++) {
			size_t at = (size_t)e->first + (size_t)k;

			if (k > 0)
				symtab_cat(buf, n, off, ", ");
			if (e->first < 0 || at >= s->elem_n) {
				symtab_cat(buf, n, off, "?");
				continue;
			}
			symtab_render_at(s, s->elems[at], buf, n, off,
			                 depth + 1);
		}
		symtab_cat(buf, n, off,
		           e->kind == SCRIPT_EXPR_LIST ? "]" : "}");
		break;
	case SCRIPT_EXPR_FIELD:
		symtab_cat(buf, n, off, e->name);
		symtab_cat(buf, n, off, "=");
		symtab_render_at(s, e->lhs, buf, n, off, depth + 1);
		break;
	default:
		symtab_cat(buf, n, off, "?");
		break;
	}
}

size_t symtab_expr_render(const struct script *s, int32_t i, char *buf,
                          size_t n)
{
	size_t off = 0;

	if (n == 0)
		return 0;
	buf[0] = '\0';
	symtab_render_at(s, i, buf, n, &off, 0);
	return off;
}

void symtab_poll_render(int64_t mask, char *buf, size_t n)
{
	static const char *const names[] = {
		"POLLIN",     "POLLPRI",    "POLLOUT",    "POLLERR",
		"POLLHUP",    "POLLNVAL",   "POLLRDNORM", "POLLRDBAND",
		"POLLWRNORM", "POLLWRBAND", "POLLRDHUP",
	};
	size_t off = 0, k;
	int64_t left = mask, v;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (k = 0; k < SYMTAB_LEN(names); k++) {
		if (!symtab_value(names[k], &v) || !(left & v))
			continue;
		if (off > 0)
			symtab_cat(buf, n, &off, "|");
		symtab_cat(buf, n, &off, names[k]);
		left &= ~v;
	}
	if (left != 0 || off == 0) {
		char num[24];

		snprintf(num, sizeof(num), "%s0x%llx", off > 0 ? "|" : "",
		         (unsigned long long)left);
		symtab_cat(buf, n, &off, left == 0 && off == 0 ? "0" : num);
	}
}

int32_t symtab_struct_field(const struct script *s, int32_t x, const char *name)
{
	const struct script_expr *e = x < 0 ? NULL : script_expr_at(s, x);
	int32_t k;

	if (!e || e->kind != SCRIPT_EXPR_STRUCT || e->first < 0)
		return -1;
	for (k = 0; k < e->count; k++) {
		size_t at = (size_t)e->first + (size_t)k;
		const struct script_expr *f;

		if (at >= s->elem_n)
			return -1;
		f = script_expr_at(s, s->elems[at]);
		if (f && f->kind == SCRIPT_EXPR_FIELD &&
		    strcmp(f->name, name) == 0)
			return f->lhs;
	}
	return -1;
}
