/* SPDX-License-Identifier: MIT
 *
 * shakedown repro (repro.c): a fuzz_conn input to a .pkt script that
 * reproduces its failure on the reference target.
 */
#ifndef SHAKEDOWN_REPRO_H
#define SHAKEDOWN_REPRO_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Reads the fuzz_conn input at in_path, shrinks it while the same oracle
 * fails (do_shrink), writes the script to out_path (NULL: stdout) and runs
 * it on the reference target. Progress and the verdict go to log. Returns
 * 0 when the script reproduces the failure (or the input fails no oracle
 * and was written as it ran), 1 when it cannot be written as a script or
 * does not reproduce, 2 for I/O errors.
 */
int repro_main(const char *in_path, const char *out_path, bool do_shrink,
               FILE *log);

#endif
