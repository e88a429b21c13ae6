/* SPDX-License-Identifier: MIT
 *
 * Ethernet frames built with libnet for the linux target (see frame.h). The
 * libnet context is created with LIBNET_NONE: it only constructs packets,
 * which libnet_adv_cull_packet hands back; nothing is ever sent by libnet.
 */
#include "frame.h"

#include <arpa/inet.h>
#include <libnet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct frame_builder {
	libnet_t *l;
};

struct frame_builder *frame_builder_new(char *err, size_t n)
{
	char ebuf[LIBNET_ERRBUF_SIZE];
	struct frame_builder *b = calloc(1, sizeof(*b));

	if (!b) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	ebuf[0] = '\0';
	b->l = libnet_init(LIBNET_NONE, NULL, ebuf);
	if (!b->l) {
		snprintf(err, n, "libnet_init: %s", ebuf);
		free(b);
		return NULL;
	}
	return b;
}

void frame_builder_free(struct frame_builder *b)
{
	if (!b)
		return;
	libnet_destroy(b->l);
	free(b);
}

/*
 * libnet_adv_cull_packet() hands back the packet built so far. libnet 1.1.6
 * (Debian 12) allows it only in LIBNET_LINK_ADV mode, later versions also
 * with LIBNET_NONE: the context claims the link mode for the duration of
 * the call (nothing is sent either way; the context has no device).
 */
static int cull(libnet_t *l, uint8_t **pkt, uint32_t *len)
{
	int saved = l->injection_type;
	int rc;

	l->injection_type = LIBNET_LINK_ADV;
	rc = libnet_adv_cull_packet(l, pkt, len);
	l->injection_type = saved;
	return rc;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The frame as Ethernet header + the packet unchanged, built by libnet. */
static size_t build_wrapped(struct frame_builder *b, const uint8_t dst[6],
                            const uint8_t src[6], uint16_t type,
                            const uint8_t *ip, size_t len, uint8_t *out,
                            size_t cap, char *err, size_t n)
{
	uint8_t *pkt = NULL;
	uint32_t plen = 0;
	size_t got = 0;

	libnet_clear_packet(b->l);
	if (libnet_build_ethernet(dst, src, type, ip, (uint32_t)len, b->l, 0) ==
	        -1 ||
	    cull(b->l, &pkt, &plen) == -1) {
		snprintf(err, n, "libnet: %s", libnet_geterror(b->l));
		return 0;
	}
	if (plen > cap) {
		snprintf(err, n, "frame of %u bytes does not fit", plen);
	} else {
		memcpy(out, pkt, plen);
		got = plen;
	}
	libnet_adv_free_packet(b->l, pkt);
	return got;
}

/* Builds the IP layer of ip[] (IPv4 or IPv6, see frame_build) in b. */
static int build_ip(struct frame_builder *b, const uint8_t *ip, size_t len)
{
	if ((ip[0] >> 4) == 6) {
		struct libnet_in6_addr src, dst;
		uint8_t tc = (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
		uint32_t fl = (uint32_t)(ip[1] & 0x0f) << 16 |
		              (uint32_t)ip[2] << 8 | ip[3];

		memcpy(src.libnet_s6_addr, ip + 8, 16);
		memcpy(dst.libnet_s6_addr, ip + 24, 16);
		return libnet_build_ipv6(tc, fl, (uint16_t)(len - 40), ip[6],
		                         ip[7], src, dst, NULL, 0, b->l,
		                         0) == -1
		           ? -1
		           : 0;
	} else {
		uint32_t saddr, daddr;

		memcpy(&saddr, ip + 12, 4);
		memcpy(&daddr, ip + 16, 4);
		return libnet_build_ipv4((uint16_t)len, ip[1], rd16(ip + 4),
		                         rd16(ip + 6), ip[8], ip[9], 0, saddr,
		                         daddr, NULL, 0, b->l, 0) == -1
		           ? -1
		           : 0;
	}
}

size_t frame_build(struct frame_builder *b, const uint8_t dst[6],
                   const uint8_t src[6], const uint8_t *ip, size_t len,
                   uint8_t *out, size_t cap, size_t *patched, char *err,
                   size_t n)
{
	const uint8_t *tcp;
	size_t ihl, doff, olen, tcplen, i, got;
	uint8_t *pkt = NULL;
	uint32_t plen = 0;
	uint16_t type;
	bool plain;

	*patched = 0;
	if (len < 1) {
		snprintf(err, n, "empty packet");
		return 0;
	}
	/* Only a plain IP header with a whole TCP header is rebuilt: IPv4
	 * without options or fragments, IPv6 without extension headers. */
	if ((ip[0] >> 4) == 6) {
		type = FRAME_ETHERTYPE_IPV6;
		ihl = 40;
		plain = len >= 60 && ip[6] == 6 && rd16(ip + 4) == len - 40;
	} else {
		type = FRAME_ETHERTYPE_IPV4;
		ihl = len >= 20 ? (size_t)(ip[0] & 0x0f) * 4 : 0;
		plain = (ip[0] >> 4) == 4 && ihl == 20 && len >= 40 &&
		        rd16(ip + 2) == len && ip[9] == 6 &&
		        (rd16(ip + 6) & 0x3fff) == 0;
	}
	if (!plain)
		return build_wrapped(b, dst, src, type, ip, len, out, cap, err,
		                     n);
	tcp = ip + ihl;
	tcplen = len - ihl;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tcplen)
		doff = 20; /* a broken data offset: patched below */
	olen = doff - 20;

	libnet_clear_packet(b->l);
	if ((olen > 0 && libnet_build_tcp_options(tcp + 20, (uint32_t)olen,
	                                          b->l, 0) == -1) ||
	    libnet_build_tcp(rd16(tcp), rd16(tcp + 2), rd32(tcp + 4),
	                     rd32(tcp + 8), tcp[13], rd16(tcp + 14), 0,
	                     rd16(tcp + 18), (uint16_t)tcplen,
	                     tcplen > doff ? tcp + doff : NULL,
	                     (uint32_t)(tcplen - doff), b->l, 0) == -1 ||
	    build_ip(b, ip, len) != 0 ||
	    libnet_build_ethernet(dst, src, type, NULL, 0, b->l, 0) == -1 ||
	    cull(b->l, &pkt, &plen) == -1) {
		snprintf(err, n, "libnet: %s", libnet_geterror(b->l));
		return 0;
	}
	got = 0;
	if (plen != FRAME_ETH_HDR + len || plen > cap) {
		snprintf(err, n,
		         "libnet built a frame of %u bytes for a packet of %zu",
		         plen, len);
	} else {
		memcpy(out, pkt, plen);
		/* What libnet cannot express is copied from the packet. */
		for (i = 0; i < len; i++) {
			if (out[FRAME_ETH_HDR + i] != ip[i]) {
				out[FRAME_ETH_HDR + i] = ip[i];
				(*patched)++;
			}
		}
		got = plen;
	}
	libnet_adv_free_packet(b->l, pkt);
	return got;
}
