/* SPDX-License-Identifier: MIT
 *
 * Target profiles (conformance/profiles/): the values a target chose where
 * the RFCs leave a choice (TIME-WAIT length, initial RTO, options on SYN,
 * ...) and the deviations from RFC 9293 expected of it. Vectors read values
 * through "// requires: KEY=VALUE"; the report turns a failure of a listed
 * vector into DEVIATES. The format is described in
 * conformance/profiles/README.md.
 */
#ifndef SHAKEDOWN_PROFILE_H
#define SHAKEDOWN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "shakedown/diag.h"

#define PROFILE_KEY_MAX 32
#define PROFILE_VAL_MAX 160
#define PROFILE_PATH_MAX 256
#define PROFILE_REASON_MAX 200

/* One "key = value" line. */
struct profile_kv {
	char key[PROFILE_KEY_MAX];
	char val[PROFILE_VAL_MAX];
	int line;
};

/* One "deviation PATH REQ "reason"" line. */
struct profile_dev {
	char path[PROFILE_PATH_MAX]; /* vector path, matched as a suffix */
	char req[PROFILE_KEY_MAX];   /* "MUST-23", "rfc7323-3.2" */
	char reason[PROFILE_REASON_MAX];
	int line;
};

/* A loaded profile. Owned by the caller; profile_free(). */
struct profile {
	char name[64];   /* file name without the folder ("linux") */
	char file[4096]; /* the file it was read from */
	struct profile_kv *kv;
	size_t kv_n, kv_cap;
	struct profile_dev *dev;
	size_t dev_n, dev_cap;
};

/*
 * Parses profile text (len bytes, need not be NUL-terminated); 'file'
 * names it in errors. 0, or -1 with *d = "file:line: what is wrong".
 * *p must be zeroed; it is filled as far as parsing went.
 */
int profile_parse(struct profile *p, const char *file, const char *text,
                  size_t len, struct diag *d);

/* Reads and parses the file at path. 0, or -1 with *d. */
int profile_load(struct profile *p, const char *path, struct diag *d);

/*
 * Finds profile 'name' for target 'target': a name with a '/' is a path;
 * otherwise NAME, then TARGET-NAME ("legacy" on ref: "ref-legacy";
 * "default" means TARGET) in $SHAKEDOWN_PROFILE_DIR,
 * ./conformance/profiles and the source tree's conformance/profiles.
 * Writes the path to out; 0, or -1 when none exists.
 */
int profile_find(const char *name, const char *target, char *out, size_t n);

/* The value of key, or NULL when the profile does not declare it. */
const char *profile_get(const struct profile *p, const char *key);

/*
 * Whether the profile meets one "// requires:" word: "KEY" (KEY = yes),
 * "KEY=VALUE" or "KEY!=VALUE". Returns 1 (met), 0 (not met, why filled)
 * or -1 when the profile does not declare KEY (the target decides).
 */
int profile_requires(const struct profile *p, const char *req, char *why,
                     size_t n);

/* The deviation listed for the script at path, or NULL. */
const struct profile_dev *profile_deviation(const struct profile *p,
                                            const char *path);

void profile_free(struct profile *p);

#endif
