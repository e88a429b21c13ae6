/* SPDX-License-Identifier: MIT
 *
 * Tests of the RFC 6528 ISN generator: SipHash-2-4 against the reference
 * vectors of its paper, the 4 us clock (MUST-8) and the per-tuple keyed
 * offset (SHLD-1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcpref/isn.h"

/* Key 00 01 .. 0f, as in the SipHash paper's appendix. */
#define K0 0x0706050403020100ull
#define K1 0x0f0e0d0c0b0a0908ull

static void test_siphash_empty_matches_reference_vector(void **state)
{
	(void)state;
	assert_int_equal(tcp_siphash24(K0, K1, NULL, 0), 0x726fdb47dd0e0e31ull);
}

static void test_siphash_15_bytes_matches_paper_example(void **state)
{
	uint8_t m[15];

	(void)state;
	for (unsigned i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	/* The worked example of the paper: message 00 .. 0e. */
	assert_int_equal(tcp_siphash24(K0, K1, m, sizeof(m)),
	                 0xa129ca6149be45e5ull);
}

static struct tcp_tuple tuple(uint16_t rport)
{
	struct tcp_tuple t = { .lport = 80, .rport = rport };

	tcp_addr_v4(&t.laddr, 192, 0, 2, 1);
	tcp_addr_v4(&t.raddr, 198, 51, 100, 7);
	return t;
}

static void test_isn_advances_one_per_4us(void **state)
{
	struct tcp_isn_key key = { K0, K1 };
	struct tcp_tuple t = tuple(4000);
	uint32_t a = tcp_isn_rfc6528(&key, &t, 1000000);
	uint32_t b = tcp_isn_rfc6528(&key, &t, 1000000 + 4 * 12345);

	(void)state;
	assert_int_equal((uint32_t)(b - a), 12345);
}

static void test_isn_differs_per_tuple_and_key(void **state)
{
	struct tcp_isn_key key = { K0, K1 }, key2 = { K0 + 1, K1 };
	struct tcp_tuple t1 = tuple(4000), t2 = tuple(4001);

	(void)state;
	assert_int_not_equal(tcp_isn_rfc6528(&key, &t1, 0),
	                     tcp_isn_rfc6528(&key, &t2, 0));
	assert_int_not_equal(tcp_isn_rfc6528(&key, &t1, 0),
	                     tcp_isn_rfc6528(&key2, &t1, 0));
	/* Deterministic: the same inputs give the same ISN. */
	assert_int_equal(tcp_isn_rfc6528(&key, &t1, 77),
	                 tcp_isn_rfc6528(&key, &t1, 77));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_empty_matches_reference_vector),
		cmocka_unit_test(test_siphash_15_bytes_matches_paper_example),
		cmocka_unit_test(test_isn_advances_one_per_4us),
		cmocka_unit_test(test_isn_differs_per_tuple_and_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
