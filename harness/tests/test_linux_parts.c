/* SPDX-License-Identifier: MIT
 *
 * Tests of the parts of the linux target that need no privileges: frames
 * built with libnet (frame.c) carry exactly the runner's IP packets, also
 * deliberately broken ones, and run results survive the trip through a
 * pipe between a script's process and the CLI (result_io.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "frame.h"
#include "result_io.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

static const char fixture[] =
    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+0  bind(3, ..., ...) = 0\n"
    "+0  listen(3, 1) = 0\n"
    "+.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 1 ecr 0,nop,"
    "wscale 7>\n"
    "+0  > S. 0:0(0) ack 1 <...>\n"
    "+.1 < . 1:1(0) ack 1 win 65535 <nop,nop,TS val 2 ecr 0>\n"
    "+0  accept(3, ..., ...) = 4\n"
    "+.1 < P. 1:101(100) ack 1 win 65535 <nop,nop,TS val 3 ecr 0>\n"
    "+0~+.2 > . 1:1(0) ack 101 <...>\n"
    "+.1 close(4) = 0\n"
    "+0  > F. 1:1(0) ack 101 <...>\n";

/* Runs the fixture on the reference target, keeping the raw packets. */
static void ref_run_ip(struct run_result *r, bool ipv6)
{
	struct script s;
	struct diag d;
	struct run_opts o;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	diag_clear(&d);
	if (script_parse(&s, "t.pkt", fixture, strlen(fixture), &d) != 0)
		fail_msg("parse: %d:%d: %s", d.line, d.col, d.msg);
	memset(&o, 0, sizeof(o));
	o.target = &target_ref_ops;
	o.keep_raw = true;
	o.ipv6 = ipv6;
	assert_int_equal(run_script(&s, &o, r), 0);
	script_free(&s);
	if (r->raw_n < 6)
		fail_msg("expected at least 6 packets, got %zu (%s)", r->raw_n,
		         r->diag.msg);
}

static void ref_run(struct run_result *r)
{
	ref_run_ip(r, false);
}

static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 1 },
                     src[6] = { 2, 0, 0, 0, 0, 2 };

static void check_frame(struct frame_builder *b, const uint8_t *ip, size_t len,
                        size_t *patched)
{
	uint8_t out[TARGET_PKT_MAX + 64];
	char err[160];
	size_t n = frame_build(b, dst, src, ip, len, out, sizeof(out), patched,
	                       err, sizeof(err));

	if (n == 0)
		fail_msg("frame_build: %s", err);
	assert_int_equal(n, FRAME_ETH_HDR + len);
	assert_memory_equal(out, dst, 6);
	assert_memory_equal(out + 6, src, 6);
	if ((ip[0] >> 4) == 6) {
		assert_int_equal(out[12], 0x86);
		assert_int_equal(out[13], 0xdd);
	} else {
		assert_int_equal(out[12], 0x08);
		assert_int_equal(out[13], 0x00);
	}
	assert_memory_equal(out + FRAME_ETH_HDR, ip, len);
}

/* libnet rebuilds every well-formed segment byte for byte: no patching. */
static void test_frame_exact(void **state)
{
	struct run_result r;
	char err[160];
	struct frame_builder *b = frame_builder_new(err, sizeof(err));
	size_t i, patched;

	(void)state;
	if (!b)
		fail_msg("frame_builder_new: %s", err);
	ref_run(&r);
	for (i = 0; i < r.raw_n; i++) {
		check_frame(b, r.raw[i].bytes, r.raw[i].len, &patched);
		assert_int_equal(patched, 0);
	}
	run_result_free(&r);
	frame_builder_free(b);
}

/* The same over IPv6: libnet_build_ipv6, type 0x86DD, no patching. */
static void test_frame_exact_ipv6(void **state)
{
	struct run_result r;
	char err[160];
	struct frame_builder *b = frame_builder_new(err, sizeof(err));
	size_t i, patched;

	(void)state;
	if (!b)
		fail_msg("frame_builder_new: %s", err);
	ref_run_ip(&r, true);
	for (i = 0; i < r.raw_n; i++) {
		assert_int_equal(r.raw[i].bytes[0] >> 4, 6);
		check_frame(b, r.raw[i].bytes, r.raw[i].len, &patched);
		assert_int_equal(patched, 0);
	}
	/* A broken TCP checksum is still carried as written. */
	r.raw[0].bytes[40 + 16] ^= 0x5a;
	check_frame(b, r.raw[0].bytes, r.raw[0].len, &patched);
	assert_true(patched > 0);
	run_result_free(&r);
	frame_builder_free(b);
}

/* A bad checksum, a data offset past the end, the NS bit: patched in. */
static void test_frame_broken(void **state)
{
	struct run_result r;
	char err[160];
	struct frame_builder *b = frame_builder_new(err, sizeof(err));
	uint8_t pkt[TARGET_PKT_MAX];
	size_t len, patched;

	(void)state;
	if (!b)
		fail_msg("frame_builder_new: %s", err);
	ref_run(&r);
	len = r.raw[0].len; /* the SYN, with options */
	memcpy(pkt, r.raw[0].bytes, len);
	pkt[20 + 16] ^= 0x5a; /* TCP checksum */
	check_frame(b, pkt, len, &patched);
	assert_true(patched > 0);
	pkt[20 + 12] = (uint8_t)(0xf0 | 0x01); /* doff 60 > len, NS */
	check_frame(b, pkt, len, &patched);
	assert_true(patched > 0);
	pkt[10] ^= 0xff; /* IP header checksum */
	check_frame(b, pkt, len, &patched);
	run_result_free(&r);
	frame_builder_free(b);
}

/* A result written by result_io_write reads back the same. */
static void test_result_roundtrip(void **state)
{
	struct run_result r, back;
	FILE *fp = tmpfile();
	uint8_t *buf;
	long len;
	size_t i;
	int rc = 7;

	(void)state;
	assert_non_null(fp);
	ref_run(&r);
	r.outcome = RUN_FAIL;
	snprintf(r.diag.msg, sizeof(r.diag.msg), "seq: expected 1, got 2");
	r.diag.line = 9;
	assert_int_equal(result_io_write(fileno(fp), 0, &r), 0);
	len = lseek(fileno(fp), 0, SEEK_CUR);
	assert_true(len > 0);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(pread(fileno(fp), buf, (size_t)len, 0), len);
	memset(&back, 0, sizeof(back));
	assert_int_equal(result_io_read(buf, (size_t)len, &rc, &back), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(back.outcome, RUN_FAIL);
	assert_string_equal(back.diag.msg, r.diag.msg);
	assert_int_equal(back.diag.line, 9);
	assert_int_equal(back.log_n, r.log_n);
	assert_int_equal(back.raw_n, r.raw_n);
	assert_string_equal(back.target, "ref");
	for (i = 0; i < r.log_n; i++)
		assert_string_equal(back.log[i].text, r.log[i].text);
	for (i = 0; i < r.raw_n; i++) {
		assert_int_equal(back.raw[i].len, r.raw[i].len);
		assert_int_equal(back.raw[i].t_us, r.raw[i].t_us);
		assert_memory_equal(back.raw[i].bytes, r.raw[i].bytes,
		                    r.raw[i].len);
	}
	run_result_free(&back);
	/* Cut short (a process killed while writing): refused. */
	memset(&back, 0, sizeof(back));
	assert_int_equal(result_io_read(buf, (size_t)len - 1, &rc, &back), -1);
	assert_int_equal(result_io_read(buf, 10, &rc, &back), -1);
	free(buf);
	fclose(fp);
	run_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_exact),
		cmocka_unit_test(test_frame_broken),
		cmocka_unit_test(test_frame_exact_ipv6),
		cmocka_unit_test(test_result_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
