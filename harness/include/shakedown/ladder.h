/* SPDX-License-Identifier: MIT
 *
 * The ladder diagram of a run: the script's side on the left, the stack on
 * the right, one arrow per segment with its flags, relative numbers and
 * options, the socket calls on the stack's side and the stack's state when it
 * changes, the way TCP textbooks draw the handshake and the close. Reads a
 * run log (run.h); never runs anything.
 */
#ifndef SHAKEDOWN_LADDER_H
#define SHAKEDOWN_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shakedown/run.h"

#define LADDER_WIDTH 100 /* columns of a row without long marks */

struct ladder_opts {
	const char *left; /* left column title; NULL: "script <addr:port>" */
	const char
	    *right; /* right column title; NULL: "<target> <addr:port>" */
	bool upto_failure; /* stop after the event marked failed */
	bool color;        /* ANSI colours (only for a terminal) */
};

/*
 * Prints the run log of r as a ladder diagram to fp. 'o' may be NULL for the
 * defaults. The log's strings may hold any bytes (they come from scripts);
 * control characters are printed as '?'.
 */
void ladder_print(const struct run_result *r, const struct ladder_opts *o,
                  FILE *fp);

/*
 * Returns the ladder as a NUL-terminated string that the caller frees with
 * free(), or NULL when out of memory.
 */
char *ladder_string(const struct run_result *r, const struct ladder_opts *o);

/*
 * Writes a segment in packetdrill's notation to buf (always NUL-terminated,
 * cut to n): "S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK>". With
 * with_opts false the "<...>" part is left out. Returns the length that the
 * whole text has (snprintf convention).
 */
int ladder_format_pkt(const struct runlog_pkt *p, bool with_opts, char *buf,
                      size_t n);

/* "SFRPUEW." letters of TCP_FLAG_* bits into buf (at least 12 bytes). */
void ladder_format_flags(unsigned flags, char *buf, size_t n);

#endif
