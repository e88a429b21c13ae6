/* SPDX-License-Identifier: MIT
 *
 * What a run of many scripts tells its user: one line per script
 * ("PASS path (0.12 ms)", "FAIL path", "SKIP path: reason"), on failure the
 * diagnostic and the ladder up to the failure, the closing line
 * "N passed, N failed, N skipped", and the same results as JUnit XML and
 * JSON for CI.
 */
#ifndef SHAKEDOWN_REPORT_H
#define SHAKEDOWN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shakedown/diag.h"
#include "shakedown/profile.h"
#include "shakedown/run.h"
#include "shakedown/script.h"

enum report_outcome {
	REPORT_PASS,
	REPORT_FAIL,
	REPORT_SKIP,
	REPORT_DEVIATES, /* failed where the profile lists a deviation */
};

/* One script's result as the machine-readable reports keep it. */
struct report_entry {
	char *path;                  /* script path as given */
	enum report_outcome outcome; /* pass, fail or skip */
	double time_ms;              /* wall time of the run */
	double target_ms;            /* target time at the end of the run */
	char *message;               /* failure or skip text; "" for a pass */
	int line;                    /* script line of the failure; 0 if none */
	char *ladder;                /* the ladder (failures only) or NULL */
	/* The profile's deviation for this script ("MUST-23"), or NULL. */
	char *dev_req, *dev_reason;
	size_t tag_n, require_n;
	char **tags;     /* "// tags:" words of the script */
	char **requires; /* "// requires:" words of the script */
};

/* The results of one command. Owned by the caller; report_free(). */
struct report {
	FILE *out;      /* per-script lines and the closing line */
	bool verbose;   /* ladder for every script, not only failures */
	bool color;     /* ANSI colours in ladders (terminals only) */
	bool keep;      /* keep entries for report_write_junit/json */
	bool no_ladder; /* never print ladders (the caller draws them) */
	size_t passed, failed, skipped;
	/*
	 * The target profile, or NULL. A failure of a script it lists a
	 * deviation for counts in 'deviated', not 'failed'; a pass of one in
	 * 'passed' and in 'no_longer' ("deviation no longer seen").
	 */
	const struct profile *profile;
	size_t deviated, no_longer;
	struct report_entry *entries;
	size_t entry_n, entry_cap;
};

/* Starts an empty report that prints to out. */
void report_init(struct report *rp, FILE *out);

/*
 * Records and prints the result of one script. 's' is the parsed script
 * (NULL when parsing failed); 'r' the run (NULL when it never ran, then
 * 'err' says why: a parse error, printed with its caret, or a target that
 * could not start). Returns 0, or -1 when out of memory.
 */
int report_add(struct report *rp, const char *path, const struct script *s,
               const struct run_result *r, const struct diag *err);

/*
 * Prints "N deviated as expected (profile P), N listed deviations no longer
 * seen" when there were any, then "N passed, N failed, N skipped" alone on
 * the last line.
 */
void report_summary(const struct report *rp);

/*
 * Writes the kept entries as JUnit XML (one testsuite "shakedown", a
 * testcase per script, failure messages with the ladder in CDATA, skipped
 * elements, times in seconds) to the file at path. 0, or -1 with *d.
 */
int report_write_junit(const struct report *rp, const char *path,
                       struct diag *d);

/*
 * Writes the kept entries as a JSON array of objects {path, outcome,
 * time_ms, target_ms, message, line, tags, requires} to the file at path.
 * time_ms is the run's wall time, target_ms the target's clock at its end
 * (the script's own timeline, up to where it stopped). 0, or -1 with *d.
 */
int report_write_json(const struct report *rp, const char *path,
                      struct diag *d);

/* The JUnit and JSON writers on an open stream (the tests use these). */
void report_junit_fp(const struct report *rp, FILE *fp);
void report_json_fp(const struct report *rp, FILE *fp);

/* Frees the kept entries; the counters stay. */
void report_free(struct report *rp);

#endif
