/* SPDX-License-Identifier: MIT
 *
 * pcap captures of a run through libpcap: pcap_open_dead(DLT_RAW) (written
 * as LINKTYPE_RAW, which Wireshark and tshark decode as IPv4 or IPv6 from the
 * version nibble), one pcap_dump() per packet stamped with the run's clock.
 */
#include "shakedown/pcapw.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

int pcapw_write(const struct run_result *r, const char *path, struct diag *d)
{
	pcap_t *p = pcap_open_dead(DLT_RAW, PCAPW_SNAPLEN);
	pcap_dumper_t *dp;
	int rc = 0;

	if (p == NULL) {
		return diag_set(d, path, 0, 0, NULL, 0,
		                "cannot start a pcap capture (out of memory)");
	}
	dp = pcap_dump_open(p, path);
	if (dp == NULL) {
		diag_set(d, path, 0, 0, NULL, 0, "cannot write pcap: %s",
		         pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	for (size_t i = 0; i < r->raw_n; i++) {
		const struct run_raw *raw = &r->raw[i];
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		/* The run's clock starts at 0: the same run, the same bytes. */
		h.ts.tv_sec = (time_t)(raw->t_us / 1000000u);
		h.ts.tv_usec = (suseconds_t)(raw->t_us % 1000000u);
		h.len = (bpf_u_int32)raw->len;
		h.caplen =
		    (bpf_u_int32)(raw->len > PCAPW_SNAPLEN ? PCAPW_SNAPLEN
		                                           : raw->len);
		pcap_dump((u_char *)dp, &h, raw->bytes);
	}
	if (pcap_dump_flush(dp) != 0) {
		rc = diag_set(d, path, 0, 0, NULL, 0, "cannot write pcap: %s",
		              strerror(errno));
	}
	pcap_dump_close(dp);
	pcap_close(p);
	return rc;
}

int pcapw_path(const char *dir, const char *script, char *buf, size_t n)
{
	size_t len, k;
	int w;

	while (strncmp(script, "./", 2) == 0 || script[0] == '/') {
		script += script[0] == '/' ? 1 : 2;
	}
	len = strlen(script);
	if (len >= 4 && strcmp(script + len - 4, ".pkt") == 0) {
		len -= 4;
	}
	w = snprintf(buf, n, "%s/%.*s.pcap", dir, (int)len, script);
	if (w < 0 || (size_t)w >= n) {
		return -1;
	}
	/* Only the script part: the folder given may have slashes. */
	for (k = strlen(dir) + 1; k < (size_t)w; k++) {
		if (buf[k] == '/') {
			buf[k] = '_';
		}
	}
	return 0;
}
