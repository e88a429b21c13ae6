/* SPDX-License-Identifier: MIT
 *
 * Results for people and for CI: the per-script lines, the diagnostic and
 * the ladder of a failure, the closing line, and JUnit XML and JSON files.
 * Script text can hold any bytes, so every string written to XML or JSON is
 * made valid there (escaped, invalid UTF-8 replaced by U+FFFD).
 */
#include "shakedown/report.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shakedown/ladder.h"

void report_init(struct report *rp, FILE *out)
{
	memset(rp, 0, sizeof(*rp));
	rp->out = out;
	rp->keep = true;
}

/* ---- Recording ----------------------------------------------------------- */

/* strdup() that keeps going with "" when memory runs out (NULL-safe). */
static char *dup_str(const char *s, bool *oom)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL) {
		*oom = true;
	}
	return d;
}

static char **dup_words(const char (*words)[SCRIPT_NAME_MAX], size_t n,
                        bool *oom)
{
	char **v;

	if (n == 0) {
		return NULL;
	}
	v = calloc(n, sizeof(*v));
	if (v == NULL) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = strndup(words[i], SCRIPT_NAME_MAX);
		*oom = *oom || v[i] == NULL;
	}
	return v;
}

/* "file:line: msg" (with ":col" when asked and known) or "file: msg". */
static void diag_text(char *buf, size_t n, const struct diag *d,
                      const char *path, bool with_col)
{
	const char *file = d->file[0] ? d->file : path;

	if (d->line > 0 && d->col > 0 && with_col) {
		snprintf(buf, n, "%s:%d:%d: %s", file, d->line, d->col, d->msg);
	} else if (d->line > 0) {
		snprintf(buf, n, "%s:%d: %s", file, d->line, d->msg);
	} else {
		snprintf(buf, n, "%s: %s", file, d->msg);
	}
}

/* diag_print() into a string that the caller frees; NULL without memory. */
static char *diag_string(const struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL) {
		return NULL;
	}
	diag_print(d, fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static struct report_entry *new_entry(struct report *rp)
{
	if (rp->entry_n == rp->entry_cap) {
		size_t cap = rp->entry_cap ? rp->entry_cap * 2 : 64;
		struct report_entry *e =
		    realloc(rp->entries, cap * sizeof(*rp->entries));

		if (e == NULL) {
			return NULL;
		}
		rp->entries = e;
		rp->entry_cap = cap;
	}
	memset(&rp->entries[rp->entry_n], 0, sizeof(rp->entries[0]));
	return &rp->entries[rp->entry_n++];
}

int report_add(struct report *rp, const char *path, const struct script *s,
               const struct run_result *r, const struct diag *err)
{
	static const struct diag none = { 0 };
	struct ladder_opts lo = { .upto_failure = true, .color = rp->color };
	char msg[DIAG_MSG_MAX + 300] = "";
	enum report_outcome oc;
	char *ladder = NULL;
	int line = 0;
	bool oom = false;
	const struct profile_dev *dev =
	    r != NULL ? profile_deviation(rp->profile, path) : NULL;

	if (err == NULL) {
		err = &none;
	}
	if (r == NULL) {
		/* It never ran: a parse error (with its caret) or no target. */
		oc = REPORT_FAIL;
		diag_text(msg, sizeof(msg), err, path, true);
		line = err->line;
		fprintf(rp->out, "FAIL %s\n", path);
		diag_print(err, rp->out);
		if (rp->keep) {
			ladder = diag_string(err); /* the caret, for CI */
			oom = ladder == NULL;
		}
	} else if (r->outcome == RUN_PASS && dev != NULL) {
		/* Listed as a deviation, but the target now conforms. */
		oc = REPORT_PASS;
		rp->no_longer++;
		snprintf(msg, sizeof(msg),
		         "deviation no longer seen: %s (profile %s, line %d)",
		         dev->req, rp->profile->name, dev->line);
		fprintf(rp->out, "PASS %s (%.2f ms): %s\n", path,
		        r->elapsed_us / 1000.0, msg);
	} else if (r->outcome == RUN_PASS) {
		oc = REPORT_PASS;
		fprintf(rp->out, "PASS %s (%.2f ms)\n", path,
		        r->elapsed_us / 1000.0);
	} else if (r->outcome == RUN_FAIL && dev != NULL) {
		/* Fails where the profile says the target departs. */
		oc = REPORT_DEVIATES;
		diag_text(msg, sizeof(msg), &r->diag, path, false);
		line = r->diag.line;
		fprintf(rp->out, "DEVIATES %s: %s %s\n    %s\n", path, dev->req,
		        dev->reason, msg);
	} else if (r->outcome == RUN_SKIP) {
		oc = REPORT_SKIP;
		snprintf(msg, sizeof(msg), "%s", r->skip_reason);
		fprintf(rp->out, "SKIP %s: %s\n", path, msg);
	} else {
		oc = REPORT_FAIL;
		diag_text(msg, sizeof(msg), &r->diag, path, false);
		line = r->diag.line;
		fprintf(rp->out, "FAIL %s\n%s\n", path, msg);
	}
	if (r != NULL && (oc == REPORT_FAIL || rp->verbose)) {
		lo.upto_failure = oc == REPORT_FAIL || oc == REPORT_DEVIATES;
		if (!rp->no_ladder) {
			ladder_print(r, &lo, rp->out);
		}
		if (oc == REPORT_FAIL && rp->keep) {
			lo.color = false;
			ladder = ladder_string(r, &lo);
			oom = ladder == NULL;
		}
	}
	fflush(rp->out);

	switch (oc) {
	case REPORT_PASS:
		rp->passed++;
		break;
	case REPORT_FAIL:
		rp->failed++;
		break;
	case REPORT_SKIP:
		rp->skipped++;
		break;
	case REPORT_DEVIATES:
		rp->deviated++;
		break;
	}
	if (rp->keep) {
		struct report_entry *e = new_entry(rp);

		if (e == NULL) {
			free(ladder);
			return -1;
		}
		e->path = dup_str(path, &oom);
		e->outcome = oc;
		e->time_ms = r != NULL ? r->elapsed_us / 1000.0 : 0.0;
		e->target_ms = r != NULL ? (double)r->target_us / 1000.0 : 0.0;
		e->message = dup_str(msg, &oom);
		e->line = line;
		e->ladder = ladder;
		if (dev != NULL) {
			e->dev_req = dup_str(dev->req, &oom);
			e->dev_reason = dup_str(dev->reason, &oom);
		}
		if (s != NULL) {
			e->tag_n = s->tag_n;
			e->tags = dup_words(s->tags, s->tag_n, &oom);
			e->require_n = s->require_n;
			e->requires =
			    dup_words(s->requires, s->require_n, &oom);
		}
	} else {
		free(ladder);
	}
	return oom ? -1 : 0;
}

void report_summary(const struct report *rp)
{
	if (rp->deviated > 0 || rp->no_longer > 0) {
		fprintf(rp->out,
		        "%zu deviated as expected (profile %s), %zu listed "
		        "deviations no longer seen\n",
		        rp->deviated,
		        rp->profile != NULL ? rp->profile->name : "?",
		        rp->no_longer);
	}
	fprintf(rp->out, "%zu passed, %zu failed, %zu skipped\n", rp->passed,
	        rp->failed, rp->skipped);
	fflush(rp->out);
}

void report_free(struct report *rp)
{
	for (size_t i = 0; i < rp->entry_n; i++) {
		struct report_entry *e = &rp->entries[i];

		free(e->path);
		free(e->message);
		free(e->ladder);
		free(e->dev_req);
		free(e->dev_reason);
		for (size_t k = 0; e->tags != NULL && k < e->tag_n; k++) {
			free(e->tags[k]);
		}
		for (size_t k = 0; e->requires != NULL && k < e->require_n;
		     k++) {
			free(e->requires[k]);
		}
		free(e->tags);
		free(e->requires);
	}
	free(rp->entries);
	rp->entries = NULL;
	rp->entry_n = rp->entry_cap = 0;
}

/* ---- Text made valid for XML and JSON ------------------------------------ */

/*
 * Decodes one UTF-8 sequence at s. Returns its length and sets *cp, or 0
 * when it is not valid UTF-8 (overlong, surrogate, beyond U+10FFFF, cut).
 */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) { /* also stops at the NUL */
			return 0;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		return 0;
	}
	*cp = c;
	return n;
}

/* Writes s as XML character data; attr: also quotes and newlines. */
static void xml_text(FILE *fp, const char *str, bool attr)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s != '\0') {
		uint32_t cp = 0;
		size_t n = utf8_next(s, &cp);

		if (n == 0 || cp == 0xfffe || cp == 0xffff) {
			fputs("\xef\xbf\xbd", fp); /* U+FFFD */
			s += 1;
			continue;
		}
		switch (cp) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs(attr ? "&quot;" : "\"", fp);
			break;
		case '\n':
		case '\t':
		case '\r':
			if (attr) {
				fprintf(fp, "&#%u;", (unsigned)cp);
			} else {
				fputc((int)cp, fp);
			}
			break;
		default:
			if (cp < 0x20) {
				fputc('?', fp); /* not allowed in XML 1.0 */
			} else {
				fwrite(s, 1, n, fp);
			}
		}
		s += n;
	}
}

/* Writes s inside CDATA sections; "]]>" is split across two. */
static void xml_cdata(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputs("<![CDATA[", fp);
	while (*s != '\0') {
		uint32_t cp = 0;
		size_t n = utf8_next(s, &cp);

		if (n == 0 || cp == 0xfffe || cp == 0xffff) {
			fputs("\xef\xbf\xbd", fp);
			s += 1;
			continue;
		}
		if (strncmp((const char *)s, "]]>", 3) == 0) {
			fputs("]]]]><![CDATA[>", fp);
			s += 3;
			continue;
		}
		if (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') {
			fputc('?', fp);
		} else {
			fwrite(s, 1, n, fp);
		}
		s += n;
	}
	fputs("]]>", fp);
}

/* Writes s as a JSON string, quotes included. */
static void json_str(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	fputc('"', fp);
	while (*s != '\0') {
		uint32_t cp = 0;
		size_t n = utf8_next(s, &cp);

		if (n == 0) {
			fputs("\\ufffd", fp);
			s += 1;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f) {
				fprintf(fp, "\\u%04x", (unsigned)cp);
			} else {
				fwrite(s, 1, n, fp);
			}
		}
		s += n;
	}
	fputc('"', fp);
}

/* ---- JUnit XML ----------------------------------------------------------- */

void report_junit_fp(const struct report *rp, FILE *fp)
{
	double total_s = 0;
	size_t failed = 0, skipped = 0;

	for (size_t i = 0; i < rp->entry_n; i++) {
		total_s += rp->entries[i].time_ms / 1000.0;
		failed += rp->entries[i].outcome == REPORT_FAIL;
		/* JUnit has no "deviates": a deviation is a skip there. */
		skipped += rp->entries[i].outcome == REPORT_SKIP ||
		           rp->entries[i].outcome == REPORT_DEVIATES;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fprintf(fp,
	        "<testsuites name=\"shakedown\" tests=\"%zu\" failures=\"%zu\" "
	        "errors=\"0\" skipped=\"%zu\" time=\"%.6f\">\n",
	        rp->entry_n, failed, skipped, total_s);
	fprintf(
	    fp,
	    "  <testsuite name=\"shakedown\" tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"0\" skipped=\"%zu\" time=\"%.6f\">\n",
	    rp->entry_n, failed, skipped, total_s);
	for (size_t i = 0; i < rp->entry_n; i++) {
		const struct report_entry *e = &rp->entries[i];
		const char *slash = strrchr(e->path, '/');

		/* classname: the script's folder, so CI groups by area. */
		fputs("    <testcase classname=\"", fp);
		if (slash != NULL) {
			char *dir = strndup(e->path, (size_t)(slash - e->path));

			xml_text(fp, dir != NULL ? dir : "shakedown", true);
			free(dir);
		} else {
			fputs("shakedown", fp);
		}
		fputs("\" name=\"", fp);
		xml_text(fp, e->path, true);
		fputs("\" file=\"", fp);
		xml_text(fp, e->path, true);
		fprintf(fp, "\" time=\"%.6f\"", e->time_ms / 1000.0);
		if (e->outcome == REPORT_PASS) {
			fputs("/>\n", fp);
			continue;
		}
		fputs(">\n", fp);
		if (e->outcome == REPORT_SKIP) {
			fputs("      <skipped message=\"", fp);
			xml_text(fp, e->message, true);
			fputs("\"/>\n", fp);
		} else if (e->outcome == REPORT_DEVIATES) {
			fputs("      <skipped type=\"deviates\" message=\"",
			      fp);
			xml_text(fp, "DEVIATES ", true);
			xml_text(fp, e->dev_req, true);
			xml_text(fp, " ", true);
			xml_text(fp, e->dev_reason, true);
			xml_text(fp, ": ", true);
			xml_text(fp, e->message, true);
			fputs("\"/>\n", fp);
		} else {
			fputs("      <failure type=\"failure\" message=\"", fp);
			xml_text(fp, e->message, true);
			fputs("\">", fp);
			xml_cdata(fp, e->message);
			if (e->ladder != NULL) {
				fputs("\n", fp);
				xml_cdata(fp, e->ladder);
			}
			fputs("</failure>\n", fp);
		}
		fputs("    </testcase>\n", fp);
	}
	fputs("  </testsuite>\n</testsuites>\n", fp);
}

/* Opens path, runs the writer, closes; -1 with *d naming the path. */
static int write_file(const struct report *rp, const char *path,
                      void (*writer)(const struct report *, FILE *),
                      struct diag *d)
{
	FILE *fp = fopen(path, "w");
	bool bad;

	if (fp == NULL) {
		return diag_set(d, path, 0, 0, NULL, 0, "cannot write: %s",
		                strerror(errno));
	}
	writer(rp, fp);
	bad = ferror(fp) != 0;
	if (fclose(fp) != 0 || bad) {
		return diag_set(d, path, 0, 0, NULL, 0, "cannot write: %s",
		                strerror(errno));
	}
	return 0;
}

int report_write_junit(const struct report *rp, const char *path,
                       struct diag *d)
{
	return write_file(rp, path, report_junit_fp, d);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_words(FILE *fp, char *const *w, size_t n)
{
	fputc('[', fp);
	for (size_t i = 0; w != NULL && i < n; i++) {
		if (i > 0) {
			fputs(", ", fp);
		}
		json_str(fp, w[i]);
	}
	fputc(']', fp);
}

void report_json_fp(const struct report *rp, FILE *fp)
{
	static const char *const names[] = {
		[REPORT_PASS] = "pass",
		[REPORT_FAIL] = "fail",
		[REPORT_SKIP] = "skip",
		[REPORT_DEVIATES] = "deviates",
	};

	fputs("[", fp);
	for (size_t i = 0; i < rp->entry_n; i++) {
		const struct report_entry *e = &rp->entries[i];

		fputs(i > 0 ? ",\n  {" : "\n  {", fp);
		fputs("\"path\": ", fp);
		json_str(fp, e->path);
		fprintf(fp,
		        ", \"outcome\": \"%s\", \"time_ms\": %.3f, "
		        "\"target_ms\": %.3f",
		        names[e->outcome], e->time_ms, e->target_ms);
		fputs(", \"message\": ", fp);
		json_str(fp, e->message);
		fprintf(fp, ", \"line\": %d, \"tags\": ", e->line);
		json_words(fp, e->tags, e->tag_n);
		fputs(", \"requires\": ", fp);
		json_words(fp, e->requires, e->require_n);
		if (e->dev_req != NULL) {
			fputs(", \"deviation\": {\"requirement\": ", fp);
			json_str(fp, e->dev_req);
			fputs(", \"reason\": ", fp);
			json_str(fp, e->dev_reason);
			fputs("}", fp);
		}
		fputs("}", fp);
	}
	fputs(rp->entry_n > 0 ? "\n]\n" : "]\n", fp);
}

int report_write_json(const struct report *rp, const char *path, struct diag *d)
{
	return write_file(rp, path, report_json_fp, d);
}
