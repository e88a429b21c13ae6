/* SPDX-License-Identifier: MIT
 *
 * A run's result through a pipe: the child process that ran a script (the
 * linux target runs each script in a process of its own) writes its struct
 * run_result, and the parent reads it back to report it. Both ends are the
 * same binary, so fixed-size structs travel as they are in memory.
 */
#ifndef SHAKEDOWN_RESULT_IO_H
#define SHAKEDOWN_RESULT_IO_H

#include <stddef.h>
#include <stdint.h>

#include "shakedown/run.h"

/*
 * Writes rc (run_script's return value) and *r to descriptor fd. 0, or -1
 * when the pipe broke.
 */
int result_io_write(int fd, int rc, const struct run_result *r);

/*
 * Decodes buf[0..len) into *rc and *r (zeroed by the caller; free with
 * run_result_free). 0, or -1 when the bytes are incomplete or damaged.
 */
int result_io_read(const uint8_t *buf, size_t len, int *rc,
                   struct run_result *r);

#endif
