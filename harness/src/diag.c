/* SPDX-License-Identifier: MIT
 *
 * Diagnostics (diag.h): a message with its file:line:col, printed with the
 * source line and a caret under the column. Harness layer, no allocation.
 */
#include "shakedown/diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Bytes kept on each side of the column when a long line is cut. */
#define DIAG_CUT_BEFORE 60

void diag_clear(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

/* A byte that can be shown as is on a terminal (tabs are kept as tabs). */
static bool diag_printable(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7f);
}

/*
 * Copies the part of the line to show into d->src: the whole line when it
 * fits, otherwise a window around the column with "..." on the cut sides.
 * Bytes that are not printable ASCII become '?', one for one, so that the
 * caret column stays right.
 */
static void diag_set_src(struct diag *d, const char *src, size_t src_len,
                         int col)
{
	const size_t room = sizeof(d->src) - 1;
	size_t c0 = col > 0 ? (size_t)col - 1 : 0; /* 0-based column */
	size_t start = 0, end = src_len, o = 0;

	/* Trailing CR of a CRLF line is not part of what the user sees. */
	if (end > 0 && src[end - 1] == '\r')
		end--;
	if (c0 > end)
		c0 = end;
	if (end > room) {
		if (c0 > DIAG_CUT_BEFORE)
			start = c0 - DIAG_CUT_BEFORE;
		if (end - start > room - 6)
			end = start + room - 6;
	}
	if (start > 0) {
		memcpy(d->src, "...", 3);
		o = 3;
	}
	for (size_t i = start; i < end && o < room; i++) {
		unsigned char c = (unsigned char)src[i];
		d->src[o++] = diag_printable(c) ? (char)c : '?';
	}
	if (end < src_len && src[end] != '\r' && o + 3 <= room) {
		memcpy(d->src + o, "...", 3);
		o += 3;
	}
	d->src[o] = '\0';
	d->src_col = (int)((start > 0 ? 3 : 0) + (c0 - start)) + 1;
}

int diag_set(struct diag *d, const char *file, int line, int col,
             const char *src, size_t src_len, const char *fmt, ...)
{
	va_list ap;

	diag_clear(d);
	if (file != NULL)
		snprintf(d->file, sizeof(d->file), "%s", file);
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	if (src != NULL)
		diag_set_src(d, src, src_len, col);
	return -1;
}

void diag_append(struct diag *d, const char *fmt, ...)
{
	size_t n = strlen(d->msg);
	va_list ap;

	if (n + 1 >= sizeof(d->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(d->msg + n, sizeof(d->msg) - n, fmt, ap);
	va_end(ap);
}

void diag_print(const struct diag *d, FILE *fp)
{
	if (d->msg[0] == '\0' && d->file[0] == '\0')
		return;
	if (d->file[0] != '\0') {
		fputs(d->file, fp);
		if (d->line > 0) {
			fprintf(fp, ":%d", d->line);
			if (d->col > 0)
				fprintf(fp, ":%d", d->col);
		}
		fputs(": ", fp);
	}
	fprintf(fp, "error: %s\n", d->msg);
	/* No caret for an empty line (an error at the end of the file). */
	if (d->line <= 0 || d->col <= 0 || d->src_col <= 0 || d->src[0] == '\0')
		return;
	fprintf(fp, "    %s\n    ", d->src);
	for (int i = 0; i < d->src_col - 1 && d->src[i] != '\0'; i++)
		fputc(d->src[i] == '\t' ? '\t' : ' ', fp);
	fputs("^\n", fp);
}
