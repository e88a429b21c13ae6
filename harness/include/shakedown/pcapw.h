/* SPDX-License-Identifier: MIT
 *
 * Writes the raw packets of a run (run_result.raw) to a pcap capture through
 * libpcap, link type raw IP (LINKTYPE_RAW: IPv4 and IPv6 alike), timestamped
 * from the run's clock. The reference target's clock is virtual and starts at
 * 0, so its captures are byte-identical from run to run.
 */
#ifndef SHAKEDOWN_PCAPW_H
#define SHAKEDOWN_PCAPW_H

#include "shakedown/diag.h"
#include "shakedown/run.h"

#define PCAPW_SNAPLEN 65535 /* bytes kept of each packet */

/*
 * Writes every packet of r->raw to the file at path (created or truncated).
 * Returns 0, or -1 with *d naming the path and the reason.
 */
int pcapw_write(const struct run_result *r, const char *path, struct diag *d);

/*
 * The capture file name for a script: 'script' with its leading "./" and
 * "/" dropped, a final ".pkt" removed and every '/' turned into '_', then
 * ".pcap" ("vectors/handshake/a.pkt" -> "vectors_handshake_a.pcap"), joined
 * to dir. Returns 0, or -1 when it does not fit in n bytes.
 */
int pcapw_path(const char *dir, const char *script, char *buf, size_t n);

#endif
