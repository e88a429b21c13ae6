/* SPDX-License-Identifier: MIT
 *
 * The errno values of the host for the reference stack's error codes (enum
 * tcp_err), as Linux reports the same conditions: one header-only map for
 * every emulation of sockets over tcpref (the ref target, plugins/ref).
 */
#ifndef SHAKEDOWN_TCP_ERRNO_H
#define SHAKEDOWN_TCP_ERRNO_H

#include <errno.h>

#include "tcpref/types.h"

/* The errno value (positive) of a negative tcp_err; EINVAL when unknown. */
static inline int sd_tcp_errno(int tcp_err)
{
	switch (tcp_err) {
	case TCP_ERESET:
		return ECONNRESET;
	case TCP_EREFUSED:
		return ECONNREFUSED;
	case TCP_ETIMEDOUT:
		return ETIMEDOUT;
	case TCP_ENETUNREACH:
		return ENETUNREACH;
	case TCP_EHOSTUNREACH:
		return EHOSTUNREACH;
	case TCP_ENOPROTOOPT:
		return ENOPROTOOPT;
	case TCP_EMSGSIZE:
		return EMSGSIZE;
	case TCP_EPROTO:
		return EPROTO;
	case TCP_ENOTCONN:
		return ENOTCONN;
	case TCP_ECLOSING:
		return EPIPE;
	case TCP_EWOULDBLOCK:
		return EAGAIN;
	case TCP_EADDRINUSE:
		return EADDRINUSE;
	case TCP_EADDRNOTAVAIL:
		return EADDRNOTAVAIL;
	case TCP_ENOMEM:
	case TCP_ENOBUFS:
		return ENOBUFS;
	case TCP_EEXIST:
		return EISCONN;
	case TCP_EINVAL:
	default:
		return EINVAL;
	}
}

#endif
