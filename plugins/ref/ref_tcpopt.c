/* SPDX-License-Identifier: MIT
 *
 * The host's TCP-level socket option numbers for the reference plugin, read
 * from <netinet/tcp.h> in a file of their own: that header cannot be
 * included next to the tcpref headers.
 */
#include <netinet/tcp.h>

#include "ref_tcpopt.h"

const struct sd_ref_tcpopt sd_ref_tcpopt = {
	.nodelay = TCP_NODELAY,
	.maxseg = TCP_MAXSEG,
	.keepidle = TCP_KEEPIDLE,
	.keepintvl = TCP_KEEPINTVL,
	.keepcnt = TCP_KEEPCNT,
	.user_timeout = TCP_USER_TIMEOUT,
};
