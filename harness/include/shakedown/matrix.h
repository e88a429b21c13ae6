/* SPDX-License-Identifier: MIT
 *
 * The requirement matrix ('shakedown matrix'): every RFC 9293 Appendix B
 * requirement of conformance/requirements.tsv, the vectors whose
 * "// tags:" name it, their outcome on a target, and a summary per keyword.
 */
#ifndef SHAKEDOWN_MATRIX_H
#define SHAKEDOWN_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shakedown/diag.h"

/* The keyword families the summary counts. */
enum mx_family {
	MX_MUST,
	MX_SHOULD,
	MX_MAY,
	MX_REC,
	MX_FAMILY_N
};

/* The checklist's classes. */
enum mx_class {
	MX_WIRE,
	MX_API,
	MX_INTERNAL,
	MX_CLASS_N
};

/* One requirement: a line of requirements.tsv. */
struct mx_req {
	char *id;         /* "MUST-11" */
	char *section;    /* "3.5" */
	char *keyword;    /* body keyword: "MUST", "MUST NOT", "SHOULD" ... */
	char *needs;      /* the checklist's stimulus codes, "L A" or "-" */
	char *paraphrase; /* one line */
	char *reason;     /* why there may be no vector; may be "" */
	enum mx_family family;
	enum mx_class cls;
	size_t *vec; /* indexes into matrix.vecs of the vectors tagging it */
	size_t vec_n;
};

/* One vector and its outcome on the target. */
struct mx_vec {
	char *path;
	char *outcome; /* "PASS", "FAIL", "SKIP", "DEVIATES" */
	char **tags;   /* the words of its "// tags:" lines */
	size_t tag_n;
};

/* The summary of one family. */
struct mx_sum {
	size_t total;
	size_t n[MX_CLASS_N];        /* requirements per class */
	size_t covered[MX_CLASS_N];  /* with at least one vector */
	size_t passing[MX_CLASS_N];  /* covered, and every vector passes */
	size_t reasoned[MX_CLASS_N]; /* no vector, but a reason */
};

struct matrix {
	struct mx_req *reqs; /* sorted: MUST, SHLD, MAY, REC, by number */
	size_t req_n;
	struct mx_vec *vecs; /* in the order added */
	size_t vec_n, vec_cap;
	struct mx_sum sum[MX_FAMILY_N];
	size_t unknown_n; /* tags naming an ID the table does not have */
};

/*
 * Loads requirements.tsv into an empty *m: '#' lines and blank lines are
 * skipped; every other line is 7 tab-separated fields. Returns 0, or -1
 * with *d saying file:line and what is wrong.
 */
int matrix_load(struct matrix *m, const char *path, struct diag *d);

/*
 * Reads the "// tags:" words of the script at path. Returns 0, or -1 when
 * it cannot be read (errno set).
 */
int matrix_read_tags(const char *path, char ***tags, size_t *n);

/* Adds a vector and its outcome. 0, or -1 when unreadable or out of memory. */
int matrix_add(struct matrix *m, const char *path, const char *outcome);

/*
 * Links vectors to requirements and computes the summary; warns on err
 * (when not NULL) of tags that name an unknown requirement ID.
 */
void matrix_finish(struct matrix *m, FILE *err);

/* "covered: PASS", "no vector", ... the status of one requirement. */
const char *matrix_status(const struct matrix *m, const struct mx_req *r);

/* The summary line of one family: "MUST: 53 of 53 wire-checkable ...". */
void matrix_summary_line(const struct matrix *m, enum mx_family f, char *buf,
                         size_t n);

void matrix_print_text(const struct matrix *m, FILE *fp);
void matrix_print_markdown(const struct matrix *m, const char *target,
                           const char *profile, FILE *fp);
void matrix_print_json(const struct matrix *m, const char *target,
                       const char *profile, FILE *fp);

/* True when a wire-checkable MUST has no vector or a tagged vector failed. */
bool matrix_failed(const struct matrix *m);

void matrix_free(struct matrix *m);

#endif
