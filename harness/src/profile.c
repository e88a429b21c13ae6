/* SPDX-License-Identifier: MIT
 *
 * Target profiles: the parser of the files in conformance/profiles/
 * ("key = value"
 * lines, "deviation PATH REQ "reason"" lines, '#' comments), with
 * file:line errors, and the look-ups the runner and the report make
 * ("// requires: KEY=VALUE", the deviation listed for a script).
 */
#include "shakedown/profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shakedown/script.h"

#ifndef SHAKEDOWN_PROFILE_DIR
#define SHAKEDOWN_PROFILE_DIR "conformance/profiles"
#endif

#define PROFILE_FILE_MAX (1 << 20)

enum kind {
	K_WORD,    /* one word: [A-Za-z0-9_.+-] */
	K_TEXT,    /* the rest of the line */
	K_BOOL,    /* yes or no */
	K_UINT,    /* a whole number, 0 to 10^9 */
	K_OPTIONS, /* a packetdrill option list "<mss 1460,...>" or "none" */
	K_CHOICE,  /* one of the words of the key's 'choices' */
};

/* ecn: yes (asks and accepts), accept (when asked) or no. */
static const char *const ecn_choices[] = { "yes", "accept", "no", NULL };
/* ack_every_second: what the every-second-segment ACK rule counts. */
static const char *const ack_choices[] = { "full", "any", NULL };

/* Every key a profile may declare (README.md of conformance/profiles). */
static const struct {
	const char *key;
	enum kind kind;
	const char *const *choices; /* K_CHOICE: the words, NULL-ended */
} keys[] = {
	{ "target", K_WORD, NULL },
	{ "stack", K_WORD, NULL },
	{ "description", K_TEXT, NULL },
	{ "rfc5961", K_BOOL, NULL },
	{ "legacy", K_BOOL, NULL },
	{ "rfc1337", K_BOOL, NULL },
	{ "ecn", K_CHOICE, ecn_choices },
	{ "timestamps", K_BOOL, NULL },
	{ "sack", K_BOOL, NULL },
	{ "timewait_reopen", K_BOOL, NULL },
	{ "challenge_ack_limit", K_UINT, NULL },
	{ "challenge_ack_window_s", K_UINT, NULL },
	{ "initial_window", K_WORD, NULL },
	{ "delayed_ack_max_ms", K_UINT, NULL },
	{ "quick_ack", K_BOOL, NULL },
	{ "ack_every_second", K_CHOICE, ack_choices },
	{ "push_extra", K_BOOL, NULL },
	{ "rto_initial_ms", K_UINT, NULL },
	{ "rto_min_ms", K_UINT, NULL },
	{ "rto_max_s", K_UINT, NULL },
	{ "syn_rto_after_loss_s", K_UINT, NULL },
	{ "syn_retries", K_UINT, NULL },
	{ "syn_give_up_s", K_UINT, NULL },
	{ "synack_retries", K_UINT, NULL },
	{ "synack_give_up_s", K_UINT, NULL },
	{ "msl_s", K_UINT, NULL },
	{ "time_wait_s", K_UINT, NULL },
	{ "timer_slack_pct", K_UINT, NULL },
	{ "timer_tick_ms", K_UINT, NULL },
	{ "default_ttl", K_UINT, NULL },
	{ "syn_options", K_OPTIONS, NULL },
	{ "synack_options", K_OPTIONS, NULL },
};

static int find_key(const char *k)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, k) == 0)
			return (int)i;
	return -1;
}

static bool word_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-' || c == '+' ||
	       c == '/';
}

/* A parser over one line [s, e). */
struct lp {
	const char *file;
	int line;
	const char *s, *e, *bol; /* cursor, end, beginning of the line */
	struct diag *d;
};

static int err(struct lp *l, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int err(struct lp *l, const char *at, const char *fmt, ...)
{
	char msg[DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_set(l->d, l->file, l->line, at ? (int)(at - l->bol) + 1 : 0,
	                l->bol, (size_t)(l->e - l->bol), "%s", msg);
}

static void skip_blanks(struct lp *l)
{
	while (l->s < l->e && (*l->s == ' ' || *l->s == '\t'))
		l->s++;
}

/* Reads a word into buf; its length, 0 when there is none. */
static size_t word(struct lp *l, char *buf, size_t n)
{
	const char *w = l->s;

	while (l->s < l->e && word_char((unsigned char)*l->s))
		l->s++;
	snprintf(buf, n, "%.*s", (int)(l->s - w), w);
	return (size_t)(l->s - w);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	nv = realloc(*v, nc * size);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

/* Checks "<...>"-style option lists with the script parser. */
static int check_options(struct lp *l, const char *at, const char *val)
{
	char text[PROFILE_VAL_MAX + 32];
	struct script s = { 0 };
	struct diag d;

	if (strcmp(val, "none") == 0)
		return 0;
	if (val[0] != '<')
		return err(l, at,
		           "expected an option list such as <mss 1460,nop,"
		           "wscale 7> (or none), got '%s'",
		           val);
	snprintf(text, sizeof(text), "0 > S 0:0(0) %s\n", val);
	diag_clear(&d);
	if (script_parse(&s, l->file, text, strlen(text), &d) != 0)
		return err(l, at, "bad option list '%s': %s", val, d.msg);
	script_free(&s);
	return 0;
}

/* Checks that val is one of the words of choices ("a, b or c"). */
static int check_choice(struct lp *l, const char *at, const char *key,
                        const char *const *choices, const char *val)
{
	char list[PROFILE_VAL_MAX];
	size_t off = 0, n = 0;

	for (n = 0; choices[n] != NULL; n++)
		if (strcmp(val, choices[n]) == 0)
			return 0;
	list[0] = '\0';
	for (size_t i = 0; i < n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		                        i == 0       ? ""
		                        : i + 1 == n ? " or "
		                                     : ", ",
		                        choices[i]);
	return err(l, at, "expected %s for '%s', got '%s'", list, key, val);
}

static int key_line(struct profile *p, struct lp *l)
{
	char key[PROFILE_KEY_MAX + 8], val[PROFILE_VAL_MAX + 8];
	const char *kat = l->s, *vat;
	const char *end = l->e;
	int k;

	if (word(l, key, sizeof(key)) == 0)
		return err(l, l->s,
		           "expected 'key = value' or 'deviation', "
		           "got '%c'",
		           *l->s);
	if (strlen(key) >= PROFILE_KEY_MAX)
		return err(l, kat, "key too long");
	k = find_key(key);
	if (k < 0)
		return err(l, kat,
		           "unknown key '%s' (see conformance/profiles/"
		           "README.md for the keys)",
		           key);
	skip_blanks(l);
	if (l->s >= l->e || *l->s != '=')
		return err(l, l->s, "expected '=' after '%s'", key);
	l->s++;
	skip_blanks(l);
	vat = l->s;
	while (end > l->s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == l->s)
		return err(l, l->s, "expected a value for '%s'", key);
	if ((size_t)(end - l->s) >= PROFILE_VAL_MAX)
		return err(l, vat, "value too long (at most %d bytes)",
		           PROFILE_VAL_MAX - 1);
	snprintf(val, sizeof(val), "%.*s", (int)(end - l->s), l->s);
	switch (keys[k].kind) {
	case K_WORD:
		for (const char *c = val; *c; c++)
			if (!word_char((unsigned char)*c))
				return err(l, vat + (c - val),
				           "expected one word for '%s', got "
				           "'%s'",
				           key, val);
		break;
	case K_BOOL:
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return err(l, vat,
			           "expected yes or no for '%s', got "
			           "'%s'",
			           key, val);
		break;
	case K_CHOICE:
		if (check_choice(l, vat, key, keys[k].choices, val) != 0)
			return -1;
		break;
	case K_UINT: {
		char *e;
		unsigned long v;

		errno = 0;
		v = strtoul(val, &e, 10);
		if (!isdigit((unsigned char)val[0]) || *e != '\0' ||
		    errno != 0 || v > 1000000000ul)
			return err(l, vat,
			           "expected a whole number for '%s', got "
			           "'%s'",
			           key, val);
		break;
	}
	case K_OPTIONS:
		if (check_options(l, vat, val) != 0)
			return -1;
		break;
	case K_TEXT:
	default:
		break;
	}
	for (size_t i = 0; i < p->kv_n; i++)
		if (strcmp(p->kv[i].key, key) == 0)
			return err(l, kat, "'%s' set twice (first on line %d)",
			           key, p->kv[i].line);
	if (grow((void **)&p->kv, &p->kv_cap, p->kv_n, sizeof(*p->kv)) != 0)
		return err(l, NULL, "out of memory");
	snprintf(p->kv[p->kv_n].key, PROFILE_KEY_MAX, "%.*s",
	         PROFILE_KEY_MAX - 1, key);
	snprintf(p->kv[p->kv_n].val, PROFILE_VAL_MAX, "%.*s",
	         PROFILE_VAL_MAX - 1, val);
	p->kv[p->kv_n].line = l->line;
	p->kv_n++;
	return 0;
}

/* deviation PATH REQ "reason" */
static int dev_line(struct profile *p, struct lp *l)
{
	struct profile_dev dv;
	char buf[PROFILE_PATH_MAX + 8];
	const char *at;
	size_t len;

	memset(&dv, 0, sizeof(dv));
	skip_blanks(l);
	at = l->s;
	len = word(l, buf, sizeof(buf));
	if (len == 0)
		return err(l, at,
		           "expected 'deviation PATH REQUIREMENT "
		           "\"reason\"', got no PATH");
	if (len >= PROFILE_PATH_MAX)
		return err(l, at, "path too long");
	if (len < 5 || strcmp(buf + len - 4, ".pkt") != 0)
		return err(l, at,
		           "expected the path of a .pkt vector, got '%s'", buf);
	snprintf(dv.path, sizeof(dv.path), "%.*s", PROFILE_PATH_MAX - 1, buf);
	skip_blanks(l);
	at = l->s;
	len = word(l, buf, sizeof(buf));
	if (len == 0)
		return err(l, at,
		           "expected a requirement ID (MUST-13, SHLD-5, "
		           "MAY-2, rfc7323-3.2) after the path");
	if (len >= PROFILE_KEY_MAX)
		return err(l, at, "requirement ID too long");
	snprintf(dv.req, sizeof(dv.req), "%.*s", PROFILE_KEY_MAX - 1, buf);
	skip_blanks(l);
	at = l->s;
	if (l->s >= l->e || *l->s != '"')
		return err(l, at, "expected a quoted reason after '%s'",
		           dv.req);
	l->s++;
	while (l->s < l->e && *l->s != '"')
		l->s++;
	if (l->s >= l->e)
		return err(l, at, "unterminated reason (missing '\"')");
	len = (size_t)(l->s - at - 1);
	if (len == 0)
		return err(l, at, "the reason is empty");
	if (len >= PROFILE_REASON_MAX)
		return err(l, at, "reason too long (at most %d bytes)",
		           PROFILE_REASON_MAX - 1);
	snprintf(dv.reason, sizeof(dv.reason), "%.*s", (int)len, at + 1);
	l->s++;
	skip_blanks(l);
	if (l->s < l->e)
		return err(l, l->s, "unexpected text after the reason");
	for (size_t i = 0; i < p->dev_n; i++)
		if (strcmp(p->dev[i].path, dv.path) == 0)
			return err(l, NULL,
			           "deviation for '%s' listed twice (first on "
			           "line %d)",
			           dv.path, p->dev[i].line);
	dv.line = l->line;
	if (grow((void **)&p->dev, &p->dev_cap, p->dev_n, sizeof(*p->dev)) != 0)
		return err(l, NULL, "out of memory");
	p->dev[p->dev_n++] = dv;
	return 0;
}

/* The end of the line's content: before a '#' outside quotes. */
static const char *content_end(const char *s, const char *e)
{
	bool q = false;

	for (; s < e; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == '#' && !q)
			return s;
	}
	return e;
}

int profile_parse(struct profile *p, const char *file, const char *text,
                  size_t len, struct diag *d)
{
	const char *s = text, *end = text + len;
	const char *base = strrchr(file, '/');
	struct lp l = { .file = file, .d = d };

	snprintf(p->name, sizeof(p->name), "%s", base ? base + 1 : file);
	snprintf(p->file, sizeof(p->file), "%s", file);
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *le = eol ? eol : end;

		l.line++;
		l.bol = s;
		l.e = le;
		if (l.e > s && l.e[-1] == '\r')
			l.e--;
		for (const char *c = s; c < l.e; c++)
			if ((unsigned char)*c < 32 && *c != '\t')
				return err(&l, c, "control byte 0x%02x",
				           (unsigned char)*c);
		l.e = content_end(s, l.e);
		l.s = s;
		skip_blanks(&l);
		if (l.s < l.e) {
			int rc;

			if ((size_t)(l.e - l.s) > 10 &&
			    strncmp(l.s, "deviation", 9) == 0 &&
			    (l.s[9] == ' ' || l.s[9] == '\t')) {
				l.s += 9;
				rc = dev_line(p, &l);
			} else {
				rc = key_line(p, &l);
			}
			if (rc != 0)
				return -1;
		}
		s = eol ? eol + 1 : end;
	}
	if (profile_get(p, "target") == NULL) {
		l.line = 0;
		return diag_set(d, file, 0, 0, NULL, 0,
		                "no 'target = NAME' line (which target does "
		                "this profile describe?)");
	}
	return 0;
}

int profile_load(struct profile *p, const char *path, struct diag *d)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (fp == NULL)
		return diag_set(d, path, 0, 0, NULL, 0, "cannot read: %s",
		                strerror(errno));
	buf = malloc(PROFILE_FILE_MAX);
	if (buf == NULL) {
		fclose(fp);
		return diag_set(d, path, 0, 0, NULL, 0, "out of memory");
	}
	n = fread(buf, 1, PROFILE_FILE_MAX, fp);
	if (ferror(fp) || n == PROFILE_FILE_MAX) {
		fclose(fp);
		free(buf);
		return diag_set(d, path, 0, 0, NULL, 0,
		                n == PROFILE_FILE_MAX ? "file too large"
		                                      : "cannot read");
	}
	fclose(fp);
	rc = profile_parse(p, path, buf, n, d);
	free(buf);
	return rc;
}

static bool try_file(const char *dir, const char *name, char *out, size_t n)
{
	if (dir == NULL || dir[0] == '\0')
		return false;
	if (snprintf(out, n, "%s/%s", dir, name) >= (int)n)
		return false;
	return access(out, R_OK) == 0;
}

int profile_find(const char *name, const char *target, char *out, size_t n)
{
	const char *dirs[] = { getenv("SHAKEDOWN_PROFILE_DIR"),
		               "conformance/profiles", SHAKEDOWN_PROFILE_DIR };
	char alt[128];

	if (strchr(name, '/') != NULL) {
		snprintf(out, n, "%s", name);
		return access(name, R_OK) == 0 ? 0 : -1;
	}
	if (strcmp(name, "default") == 0)
		name = target;
	snprintf(alt, sizeof(alt), "%s-%s", target, name);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (try_file(dirs[i], name, out, n) ||
		    try_file(dirs[i], alt, out, n))
			return 0;
	return -1;
}

const char *profile_get(const struct profile *p, const char *key)
{
	for (size_t i = 0; p != NULL && i < p->kv_n; i++)
		if (strcmp(p->kv[i].key, key) == 0)
			return p->kv[i].val;
	return NULL;
}

int profile_requires(const struct profile *p, const char *req, char *why,
                     size_t n)
{
	char key[PROFILE_KEY_MAX];
	const char *eq = strchr(req, '='), *want = "yes", *have;
	bool neg = false;
	size_t kl = eq ? (size_t)(eq - req) : strlen(req);

	if (eq != NULL && eq > req && eq[-1] == '!') {
		neg = true;
		kl--;
	}
	if (kl >= sizeof(key))
		kl = sizeof(key) - 1;
	memcpy(key, req, kl);
	key[kl] = '\0';
	if (eq != NULL)
		want = eq + 1;
	have = profile_get(p, key);
	if (have == NULL)
		return -1;
	if ((strcmp(have, want) == 0) != neg)
		return 1;
	snprintf(why, n, "requires %s; profile %s has %s = %s", req, p->name,
	         key, have);
	return 0;
}

const struct profile_dev *profile_deviation(const struct profile *p,
                                            const char *path)
{
	size_t pl = strlen(path);

	for (size_t i = 0; p != NULL && i < p->dev_n; i++) {
		const char *dp = p->dev[i].path;
		size_t dl = strlen(dp);

		if (dl <= pl && strcmp(path + pl - dl, dp) == 0 &&
		    (dl == pl || path[pl - dl - 1] == '/'))
			return &p->dev[i];
	}
	return NULL;
}

void profile_free(struct profile *p)
{
	free(p->kv);
	free(p->dev);
	memset(p, 0, sizeof(*p));
}
