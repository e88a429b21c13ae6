/* SPDX-License-Identifier: MIT
 *
 * shakedown repro --diff (repro_diff.c): a fuzz_diff input to a .pkt script
 * that the reference passes and the other stack fails where they differ.
 */
#ifndef SHAKEDOWN_REPRO_DIFF_H
#define SHAKEDOWN_REPRO_DIFF_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Loads sd_ref.so and sd_STACK.so from the plugins/ folder next to the
 * executable, runs the input at in_path through fuzz_diff's driver (the
 * reference with its defaults), shrinks it while the same difference
 * shows (do_shrink), and writes the script to out_path (NULL: stdout).
 * Returns 0 when written, 1 when the input shows no difference, 2 for
 * I/O errors or plugins that cannot be loaded.
 */
int repro_diff_main(const char *stack, const char *in_path,
                    const char *out_path, bool do_shrink, FILE *log);

#endif
