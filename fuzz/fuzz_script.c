/* SPDX-License-Identifier: MIT
 *
 * Fuzz target: the script parser (script_parse) on any bytes. It must never
 * crash, hang or leak; the sanitizers (ASan, LSan, UBSan) are the oracle.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shakedown/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s;
	struct diag d;

	memset(&s, 0, sizeof(s));
	diag_clear(&d);
	if (script_parse(&s, "fuzz.pkt", (const char *)data, size, &d) == 0) {
		if (s.event_n == 0) {
			fprintf(stderr, "fuzz_script: invariant: a script that "
			                "parses has at least one event\n");
			__builtin_trap();
		}
		script_free(&s);
	} else {
		if (s.event_n != 0 || s.events != NULL) {
			fprintf(stderr, "fuzz_script: invariant: a failed "
			                "parse leaves the script empty\n");
			__builtin_trap();
		}
		if (d.msg[0] == '\0') {
			fprintf(stderr, "fuzz_script: invariant: a failed "
			                "parse says why\n");
			__builtin_trap();
		}
	}
	return 0;
}
