/* SPDX-License-Identifier: MIT
 *
 * The host's TCP-level socket option numbers for the reference plugin.
 * <netinet/tcp.h> cannot be included next to the tcpref headers (their
 * TCP_LISTEN and tcp_seq clash), so ref_tcpopt.c reads them alone.
 */
#ifndef SD_REF_TCPOPT_H
#define SD_REF_TCPOPT_H

struct sd_ref_tcpopt {
	int nodelay, maxseg, keepidle, keepintvl, keepcnt, user_timeout;
};

extern const struct sd_ref_tcpopt sd_ref_tcpopt;

#endif
