/* SPDX-License-Identifier: MIT
 *
 * fuzz_empty: a libFuzzer target that does nothing but read its input, the
 * baseline the benchmark (bench/bench_fuzz.sh) divides the other targets'
 * executions per second by: what libFuzzer itself costs on this machine.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Touch the input so that the call is not optimised away. */
	volatile uint8_t sink = 0;

	if (size > 0)
		sink = (uint8_t)(data[0] ^ data[size - 1]);
	(void)sink;
	return 0;
}
