/* SPDX-License-Identifier: MIT
 *
 * Ethernet frames for the TAP device of the linux target, built with libnet
 * (LIBNET_NONE: construct only, never send) from the IPv4 or IPv6 + TCP
 * packet the runner hands over; fields libnet cannot express are patched
 * afterwards.
 */
#ifndef SHAKEDOWN_FRAME_H
#define SHAKEDOWN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_ETH_HDR 14
#define FRAME_ETHERTYPE_IPV4 0x0800
#define FRAME_ETHERTYPE_IPV6 0x86dd

struct frame_builder; /* a libnet context */

/* A builder, or NULL with the reason in err[0..n). */
struct frame_builder *frame_builder_new(char *err, size_t n);
void frame_builder_free(struct frame_builder *b);

/*
 * Builds the Ethernet frame carrying IP packet ip[0..len) from src to dst
 * into out[0..cap). An IPv4 or IPv6 packet with a TCP header is rebuilt
 * layer by layer (TCP options, TCP, IPv4 or IPv6, Ethernet with type
 * 0x0800 or 0x86DD) from its parsed fields, TCP options byte for byte;
 * then every byte the result differs in from the given packet (a checksum
 * or a data offset the script broke on purpose, the NS bit, ...) is
 * patched, so the frame carries exactly ip[]. Other packets (IPv4 with
 * options or fragments, IPv6 with extension headers, not TCP) travel as
 * the Ethernet payload. Returns the frame length, or 0 with err[0..n).
 * *patched receives the number of bytes patched.
 */
size_t frame_build(struct frame_builder *b, const uint8_t dst[6],
                   const uint8_t src[6], const uint8_t *ip, size_t len,
                   uint8_t *out, size_t cap, size_t *patched, char *err,
                   size_t n);

#endif
