/* SPDX-License-Identifier: MIT
 *
 * Diagnostics that users can act on: a fixed-size message buffer with the
 * place it refers to (file:line:col), printed with the source line and a
 * caret under the column. Every harness function that can fail fills one.
 */
#ifndef SHAKEDOWN_DIAG_H
#define SHAKEDOWN_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define DIAG_MSG_MAX 1024
#define DIAG_LINE_MAX 160 /* source line kept for the caret display */

struct diag {
	char file[256];          /* "" when not tied to a file */
	int line;                /* 1-based; 0 when unknown */
	int col;                 /* 1-based; 0 when unknown */
	char msg[DIAG_MSG_MAX];  /* "expected X, got Y" style text */
	char src[DIAG_LINE_MAX]; /* the source line, truncated, or "" */
	int src_col;             /* caret column within src, 1-based */
};

/* Clears *d. */
void diag_clear(struct diag *d);

/*
 * Sets the message (printf format) and the place. 'src' is the whole source
 * line (not NUL-terminated, src_len bytes) or NULL; long lines are cut around
 * the column so that the caret stays visible. Returns -1 for convenience.
 */
int diag_set(struct diag *d, const char *file, int line, int col,
             const char *src, size_t src_len, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Appends to the message (printf format), truncating when full. */
void diag_append(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Prints "file:line:col: error: msg" (":col" or ":line:col" left out when
 * 0, "file: " when there is no file), then, when the source line is known
 * and not empty, that line and a caret line, both indented by four spaces.
 * The caret line copies the tabs of the source line so that the caret
 * lands under the column; bytes that are not printable show as '?'.
 * Nothing for an empty diag.
 */
void diag_print(const struct diag *d, FILE *fp);

#endif
