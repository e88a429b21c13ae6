/* SPDX-License-Identifier: MIT
 *
 * Figures of the harness on the reference target (issue 3): one
 * handshake-and-close script parsed and run in-process (cold, then warm:
 * parse+run, parse only, run only), every script of the conformance/ tree
 * in-process, and the whole tree through the CLI with process start-up. A
 * benchmark, not a test: it prints figures next to their aims and exits 0,
 * unless the reference script stops passing (a harness or stack bug).
 * Run it from the repository root (make bench does), or give -C ROOT.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

#ifndef SD_BUILD_FLAGS
#define SD_BUILD_FLAGS "?"
#endif
#ifndef SD_SHAKEDOWN_PATH
#define SD_SHAKEDOWN_PATH "build-bench/shakedown"
#endif

#define AIM_SCRIPT_US 100.0 /* issue 3: handshake-and-close <= 100 us */
#define AIM_TREE_S 1.0      /* issue 3: conformance/ with start-up << 1 s */

#define FIXTURE "harness/tests/data/passive-open-active-close.pkt"
#define TREE "conformance"
#define MAX_REPS 31
#define MAX_SAMPLES 400000 /* individually timed operations per rep */
#define MAX_DEPTH 16       /* folder nesting under conformance/ */

extern char **environ;

/* ---- Clocks and small helpers -------------------------------------------- */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench_scripts: FATAL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static void *xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n); sorts v in place. */
static double median_inplace(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, (size_t)n * sizeof(v[0]));
	return median_inplace(s, (size_t)n);
}

static double min_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* The whole file at path, NUL-terminated; NULL with errno on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb)
				die("out of memory reading %s", path);
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;

		fclose(fp);
		free(buf);
		errno = e;
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ---- Reporting ------------------------------------------------------------
 */

static void fmt_rate(char *buf, size_t cap, double v, const char *unit)
{
	if (v >= 1e6)
		snprintf(buf, cap, "%.2f M%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(buf, cap, "%.1f k%s", v / 1e3, unit);
	else
		snprintf(buf, cap, "%.1f %s", v, unit);
}

/* A duration given in seconds, in us, ms or s. */
static void fmt_time(char *buf, size_t cap, double s)
{
	if (s < 1e-3)
		snprintf(buf, cap, "%.1f us", s * 1e6);
	else if (s < 1.0)
		snprintf(buf, cap, "%.2f ms", s * 1e3);
	else
		snprintf(buf, cap, "%.3f s", s);
}

static void rule(void)
{
	printf("  %.*s\n", 108,
	       "----------------------------------------------------------"
	       "----------------------------------------------------------");
}

static void header(const char *title)
{
	printf("\n  %s\n", title);
	rule();
	printf("  %-36s %11s  %10s..%-10s %11s %11s %6s %4s\n", "figure",
	       "median", "min", "max", "median(cpu)", "aim", "ratio", "met");
	rule();
}

enum aim_kind {
	AIM_NONE,
	AIM_AT_MOST,  /* a time: met when median <= aim */
	AIM_AT_LEAST, /* a rate: met when median >= aim */
};

/*
 * One row: name, median of the repetitions (wall clock), min..max, median
 * on CPU time (cpu may be NULL), aim and median/aim. is_time selects
 * fmt_time (values in seconds) over fmt_rate (values per second).
 */
static void row(const char *name, const double *wall, const double *cpu,
                int reps, bool is_time, const char *unit, enum aim_kind ak,
                double aim)
{
	char med[32], lo[32], hi[32], cm[32] = "", am[32] = "", ratio[16] = "";
	const char *met = "";
	double m = median(wall, reps);

	if (is_time) {
		fmt_time(med, sizeof(med), m);
		fmt_time(lo, sizeof(lo), min_of(wall, reps));
		fmt_time(hi, sizeof(hi), max_of(wall, reps));
		if (cpu)
			fmt_time(cm, sizeof(cm), median(cpu, reps));
	} else {
		fmt_rate(med, sizeof(med), m, unit);
		fmt_rate(lo, sizeof(lo), min_of(wall, reps), "");
		fmt_rate(hi, sizeof(hi), max_of(wall, reps), "");
		if (cpu)
			fmt_rate(cm, sizeof(cm), median(cpu, reps), unit);
	}
	if (ak != AIM_NONE) {
		char a[24];

		if (is_time)
			fmt_time(a, sizeof(a), aim);
		else
			fmt_rate(a, sizeof(a), aim, unit);
		snprintf(am, sizeof(am), "%s %s",
		         ak == AIM_AT_MOST ? "<=" : ">=", a);
		snprintf(ratio, sizeof(ratio), m / aim < 0.1 ? "%.3f" : "%.2f",
		         m / aim);
		met = (ak == AIM_AT_MOST ? m <= aim : m >= aim) ? "yes" : "NO";
	}
	printf("  %-36s %11s  %10s..%-10s %11s %11s %6s %4s\n", name, med, lo,
	       hi, cm, am, ratio, met);
}

/* ---- Figure 1: one handshake-and-close script ---------------------------- */

static void opts_for(struct run_opts *o, const char *dir)
{
	memset(o, 0, sizeof(*o));
	o->target = target_find("ref");
	if (!o->target)
		die("target_find(\"ref\") returned NULL");
	o->topts.script_dir = dir;
}

static void parse_or_die(struct script *s, const char *path, const char *text,
                         size_t len)
{
	struct diag d;

	memset(s, 0, sizeof(*s));
	diag_clear(&d);
	if (script_parse(s, path, text, len, &d) != 0)
		die("%s:%d:%d: parse error: %s", d.file, d.line, d.col, d.msg);
}

/* Runs s; a run that does not pass is a harness or stack bug. */
static void run_or_die(const struct script *s, const struct run_opts *o)
{
	struct run_result r;

	memset(&r, 0, sizeof(r));
	if (run_script(s, o, &r) != 0)
		die("%s: the target did not start: %s", s->path, r.diag.msg);
	if (r.outcome != RUN_PASS)
		die("%s: expected PASS, got %s: %d: %s", s->path,
		    r.outcome == RUN_FAIL ? "FAIL" : "SKIP", r.diag.line,
		    r.outcome == RUN_SKIP ? r.skip_reason : r.diag.msg);
	run_result_free(&r);
}

enum op {
	OP_PARSE_RUN, /* parse, run, free: what the CLI does per script */
	OP_PARSE,     /* parse and free */
	OP_RUN,       /* run a script parsed beforehand */
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"parse + run (us/script)",
	"parse only (us/script)",
	"run only (us/script)",
};

struct one_ctx {
	const char *text;
	size_t len;
	struct script parsed; /* for OP_RUN */
	struct run_opts o;
	double *samples; /* per-operation wall times of one rep */
};

/* One operation; returns its wall time in seconds. */
static double one_op(struct one_ctx *c, enum op op)
{
	struct script s;
	double t0 = mono_s(), t1;

	switch (op) {
	case OP_PARSE_RUN:
		parse_or_die(&s, FIXTURE, c->text, c->len);
		run_or_die(&s, &c->o);
		script_free(&s);
		break;
	case OP_PARSE:
		parse_or_die(&s, FIXTURE, c->text, c->len);
		script_free(&s);
		break;
	default:
		run_or_die(&c->parsed, &c->o);
		break;
	}
	t1 = mono_s();
	return t1 - t0;
}

struct rep_result {
	double med_s;   /* median of the individually timed operations */
	double wall_s;  /* the whole rep */
	double cpu_s;   /* the whole rep, on CPU time */
	double per_s;   /* operations per second, wall */
	double per_cpu; /* operations per second, CPU */
};

static struct rep_result one_rep(struct one_ctx *c, enum op op, size_t n)
{
	struct rep_result r;
	double w0 = mono_s(), c0 = cpu_s();

	for (size_t i = 0; i < n; i++)
		c->samples[i] = one_op(c, op);
	r.wall_s = mono_s() - w0;
	r.cpu_s = cpu_s() - c0;
	r.med_s = median_inplace(c->samples, n);
	r.per_s = (double)n / r.wall_s;
	r.per_cpu = (double)n / r.cpu_s;
	return r;
}

static void bench_one(int reps, double rep_s)
{
	struct one_ctx c;
	double cold_parse, cold_run, t0;
	double med[OP_COUNT][MAX_REPS], rate[OP_COUNT][MAX_REPS],
	    rate_c[OP_COUNT][MAX_REPS], per_cpu[OP_COUNT][MAX_REPS];
	size_t n[OP_COUNT];
	struct script s;
	char title[160];
	int e;

	memset(&c, 0, sizeof(c));
	c.text = read_file(FIXTURE, &c.len);
	e = errno;
	if (!c.text)
		die("cannot read %s: %s (run from the repository root, or "
		    "give -C ROOT)",
		    FIXTURE, strerror(e));
	opts_for(&c.o, "harness/tests/data");
	c.samples = xalloc(MAX_SAMPLES * sizeof(c.samples[0]));

	/* Cold: the first parse and the first run of the process. */
	t0 = mono_s();
	parse_or_die(&s, FIXTURE, c.text, c.len);
	cold_parse = mono_s() - t0;
	t0 = mono_s();
	run_or_die(&s, &c.o);
	cold_run = mono_s() - t0;
	script_free(&s);

	/* Warm-up and sizing: each timed rep takes about rep_s. */
	parse_or_die(&c.parsed, FIXTURE, c.text, c.len);
	for (int op = 0; op < OP_COUNT; op++) {
		double w = 0;
		size_t k = 0;

		while (w < 0.05 && k < MAX_SAMPLES)
			w += one_op(&c, (enum op)op), k++;
		n[op] = (size_t)((double)k / w * rep_s);
		n[op] = n[op] < 100 ? 100 : n[op];
		n[op] = n[op] > MAX_SAMPLES ? MAX_SAMPLES : n[op];
	}
	/* Interleaved, so that a noisy moment hits every figure alike. */
	for (int i = 0; i < reps; i++)
		for (int op = 0; op < OP_COUNT; op++) {
			struct rep_result r = one_rep(&c, (enum op)op, n[op]);

			med[op][i] = r.med_s;
			rate[op][i] = r.per_s;
			rate_c[op][i] = r.per_cpu;
			per_cpu[op][i] = r.cpu_s / (double)n[op];
		}

	snprintf(title, sizeof(title),
	         "Handshake and close (%s, %zu events), in-process; "
	         "median of %d reps",
	         FIXTURE, c.parsed.event_n, reps);
	header(title);
	printf("  %-36s %11.1f us\n", "cold: first parse of the process",
	       cold_parse * 1e6);
	printf("  %-36s %11.1f us\n", "cold: first run of the process",
	       cold_run * 1e6);
	for (int op = 0; op < OP_COUNT; op++)
		row(op_names[op], med[op], per_cpu[op], reps, true, "",
		    op == OP_PARSE_RUN ? AIM_AT_MOST : AIM_NONE,
		    AIM_SCRIPT_US * 1e-6);
	row("parse + run (scripts/s)", rate[OP_PARSE_RUN], rate_c[OP_PARSE_RUN],
	    reps, false, "/s", AIM_AT_LEAST, 1e6 / AIM_SCRIPT_US);
	row("parse only (scripts/s)", rate[OP_PARSE], rate_c[OP_PARSE], reps,
	    false, "/s", AIM_NONE, 0);
	row("run only (scripts/s)", rate[OP_RUN], rate_c[OP_RUN], reps, false,
	    "/s", AIM_NONE, 0);
	rule();
	printf("  us/script: median of %zu / %zu / %zu individually timed "
	       "operations per rep; cpu column:\n"
	       "  CPU time of the rep / operations. scripts/s: operations / "
	       "wall time of the rep. The run\n"
	       "  keeps no raw packets (as 'shakedown run' without --pcap).\n",
	       n[OP_PARSE_RUN], n[OP_PARSE], n[OP_RUN]);
	script_free(&c.parsed);
	free(c.samples);
	free((char *)c.text);
}

/* ---- Figure 2: the conformance/ tree in-process -------------------------- */

struct tree_script {
	char *path;
	char *dir; /* the script's folder, for target_opts.script_dir */
	char *text;
	size_t len;
	bool want_error; /* a sibling NAME.err: must fail to parse */
	double best_s;   /* fastest parse(+run) seen */
};

struct tree {
	struct tree_script *v;
	size_t n, cap;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void tree_add(struct tree *t, const char *path)
{
	struct tree_script *ts;
	char errpath[4096];
	struct stat st;
	size_t len = strlen(path);
	const char *slash = strrchr(path, '/');

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = realloc(t->v, t->cap * sizeof(t->v[0]));
		if (!t->v)
			die("out of memory");
	}
	ts = &t->v[t->n];
	memset(ts, 0, sizeof(*ts));
	ts->text = read_file(path, &ts->len);
	if (!ts->text) {
		fprintf(stderr, "bench_scripts: skipping %s: %s\n", path,
		        strerror(errno));
		return;
	}
	ts->path = strdup(path);
	ts->dir = strndup(path, slash ? (size_t)(slash - path) : 0);
	if (!ts->path || !ts->dir)
		die("out of memory");
	snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(len - 4), path);
	ts->want_error = stat(errpath, &st) == 0;
	t->n++;
}

/* Adds the *.pkt files under dir, recursively, skipping hidden entries. */
static void tree_walk(struct tree *t, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die("cannot open %s: %s (run from the repository root, or "
		    "give -C ROOT)",
		    dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
			tree_walk(t, path, depth + 1);
		else if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".pkt"))
			tree_add(t, path);
	}
	closedir(d);
}

static int cmp_script(const void *a, const void *b)
{
	return strcmp(((const struct tree_script *)a)->path,
	              ((const struct tree_script *)b)->path);
}

struct tree_counts {
	size_t pass, fail, skip, parse_error, no_target; /* runnable */
	size_t err_ok, err_parsed;                       /* NAME.err */
	double run_s, err_s; /* wall time in runnable and NAME.err scripts */
};

/* One pass over the tree; returns its wall time, *cpu its CPU time. */
static double tree_pass(struct tree *t, struct tree_counts *k, double *cpu)
{
	double w0 = mono_s(), c0 = cpu_s();

	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < t->n; i++) {
		struct tree_script *ts = &t->v[i];
		struct script s;
		struct run_result r;
		struct run_opts o;
		struct diag d;
		double s0 = mono_s(), dt;

		memset(&s, 0, sizeof(s));
		diag_clear(&d);
		if (script_parse(&s, ts->path, ts->text, ts->len, &d) != 0) {
			if (ts->want_error)
				k->err_ok++;
			else
				k->parse_error++;
		} else if (ts->want_error) {
			k->err_parsed++;
			script_free(&s);
		} else {
			memset(&r, 0, sizeof(r));
			opts_for(&o, ts->dir);
			if (run_script(&s, &o, &r) != 0)
				k->no_target++;
			else if (r.outcome == RUN_PASS)
				k->pass++;
			else if (r.outcome == RUN_FAIL)
				k->fail++;
			else
				k->skip++;
			run_result_free(&r);
			script_free(&s);
		}
		dt = mono_s() - s0;
		if (ts->want_error)
			k->err_s += dt;
		else
			k->run_s += dt;
		if (ts->best_s == 0 || dt < ts->best_s)
			ts->best_s = dt;
	}
	*cpu = cpu_s() - c0;
	return mono_s() - w0;
}

static int cmp_slowest(const void *a, const void *b)
{
	const struct tree_script *x = *(const struct tree_script *const *)a;
	const struct tree_script *y = *(const struct tree_script *const *)b;

	return x->best_s < y->best_s ? 1 : x->best_s > y->best_s ? -1 : 0;
}

static void bench_tree(int reps, double rep_s)
{
	struct tree t = { 0 };
	struct tree_counts k;
	double cold, cold_cpu, w, c, per_pass;
	double all[MAX_REPS], all_c[MAX_REPS], run[MAX_REPS], err[MAX_REPS],
	    pass_t[MAX_REPS], pass_c[MAX_REPS];
	size_t runnable = 0, passes;
	char title[160];

	tree_walk(&t, TREE, 0);
	if (t.n == 0) {
		printf("\n  conformance/ tree: no *.pkt scripts; no figure\n");
		return;
	}
	qsort(t.v, t.n, sizeof(t.v[0]), cmp_script);
	for (size_t i = 0; i < t.n; i++)
		runnable += !t.v[i].want_error;

	cold = tree_pass(&t, &k, &cold_cpu);
	passes = (size_t)(rep_s / cold);
	passes = passes < 1 ? 1 : passes;
	for (int i = 0; i < reps; i++) {
		double rs = 0, es = 0;

		w = c = 0;
		for (size_t p = 0; p < passes; p++) {
			double pc;

			w += tree_pass(&t, &k, &pc);
			c += pc;
			rs += k.run_s;
			es += k.err_s;
		}
		per_pass = w / (double)passes;
		pass_t[i] = per_pass;
		pass_c[i] = c / (double)passes;
		all[i] = (double)t.n / per_pass;
		all_c[i] = (double)t.n / pass_c[i];
		run[i] = rs > 0 ? (double)(runnable * passes) / rs : 0;
		err[i] = es > 0 ? (double)((t.n - runnable) * passes) / es : 0;
	}

	snprintf(title, sizeof(title),
	         "The conformance/ tree in-process: %zu scripts (%zu run, %zu "
	         "parse-only .err); median of %d",
	         t.n, runnable, t.n - runnable, reps);
	header(title);
	printf("  %-36s %11s\n", "cold: first pass of the process",
	       (fmt_time(title, sizeof(title), cold), title));
	row("one pass over the tree", pass_t, pass_c, reps, true, "", AIM_NONE,
	    0);
	row("scripts/s (all, .err included)", all, all_c, reps, false, "/s",
	    AIM_NONE, 0);
	if (runnable)
		row("scripts/s, runnable (parse + run)", run, NULL, reps, false,
		    "/s", AIM_NONE, 0);
	if (runnable < t.n)
		row("scripts/s, .err (parse only)", err, NULL, reps, false,
		    "/s", AIM_NONE, 0);
	rule();
	printf("  texts read once beforehand (file I/O is in the next table); "
	       "%zu passes per rep.\n"
	       "  last pass: %zu pass, %zu fail, %zu skip, %zu parse error, "
	       "%zu target error; .err: %zu fail to\n"
	       "  parse as they must, %zu parsed (the run's verdicts are not "
	       "this benchmark's business)\n",
	       passes, k.pass, k.fail, k.skip, k.parse_error, k.no_target,
	       k.err_ok, k.err_parsed);
	if (t.n >= 3) {
		struct tree_script **by = xalloc(t.n * sizeof(by[0]));

		for (size_t i = 0; i < t.n; i++)
			by[i] = &t.v[i];
		qsort(by, t.n, sizeof(by[0]), cmp_slowest);
		printf("  slowest scripts (best of all passes):\n");
		for (size_t i = 0; i < 3; i++)
			printf("    %9.1f us  %s\n", by[i]->best_s * 1e6,
			       by[i]->path);
		free(by);
	}
	for (size_t i = 0; i < t.n; i++) {
		free(t.v[i].path);
		free(t.v[i].dir);
		free(t.v[i].text);
	}
	free(t.v);
}

/* ---- Figure 3: the CLI, process start-up included ------------------------ */

/*
 * Runs argv with stdout and stderr on /dev/null; returns the wall time and
 * the exit status in *status (-1 when it did not exit normally).
 */
static double spawn_wait(char *const argv[], int *status)
{
	posix_spawn_file_actions_t fa;
	double t0;
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	t0 = mono_s();
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	if (rc != 0)
		die("cannot start %s: %s (build it, or give -s PATH)", argv[0],
		    strerror(rc));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	t0 = mono_s() - t0;
	posix_spawn_file_actions_destroy(&fa);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return t0;
}

static void bench_cli(const char *exe, int reps)
{
	char *tree_argv[] = { (char *)exe, "run", TREE, NULL };
	char *one_argv[] = { (char *)exe, "run", FIXTURE, NULL };
	char *ver_argv[] = { (char *)exe, "--version", NULL };
	double tree_t[MAX_REPS], one_t[MAX_REPS], ver_t[MAX_REPS],
	    rate[MAX_REPS];
	int st_tree = 0, st_one = 0, st_ver = 0;
	size_t n = 0;
	struct tree t = { 0 };
	char title[200];

	tree_walk(&t, TREE, 0);
	n = t.n;
	for (size_t i = 0; i < t.n; i++) {
		free(t.v[i].path);
		free(t.v[i].dir);
		free(t.v[i].text);
	}
	free(t.v);

	/* Warm-up: page cache, dynamic loader. */
	(void)spawn_wait(tree_argv, &st_tree);
	for (int i = 0; i < reps; i++) {
		ver_t[i] = spawn_wait(ver_argv, &st_ver);
		one_t[i] = spawn_wait(one_argv, &st_one);
		tree_t[i] = spawn_wait(tree_argv, &st_tree);
		rate[i] = (double)n / tree_t[i];
	}
	snprintf(title, sizeof(title),
	         "The CLI with process start-up (posix_spawn + waitpid, "
	         "output to /dev/null); median of %d",
	         reps);
	header(title);
	row("shakedown --version", ver_t, NULL, reps, true, "", AIM_NONE, 0);
	row("shakedown run <handshake-and-close>", one_t, NULL, reps, true, "",
	    AIM_NONE, 0);
	row("shakedown run conformance/", tree_t, NULL, reps, true, "",
	    AIM_AT_MOST, AIM_TREE_S);
	row("  scripts/s", rate, NULL, reps, false, "/s", AIM_NONE, 0);
	rule();
	printf("  %s; %zu scripts under %s/ at the start of this figure; exit "
	       "statuses %d, %d, %d\n"
	       "  (run: 0 all passed, 1 some failed).\n",
	       exe, n, TREE, st_ver, st_one, st_tree);
}

/* ---- Main -----------------------------------------------------------------
 */

static void usage(void)
{
	fprintf(stderr,
	        "usage: bench_scripts [-r reps (1..%d)] [-t seconds per rep] "
	        "[-f all|one|tree|cli]\n"
	        "                     [-s path/to/shakedown] [-C ROOT]\n",
	        MAX_REPS);
	exit(1);
}

int main(int argc, char **argv)
{
	int reps = 7;
	double rep_s = 0.2;
	const char *only = "all", *exe = SD_SHAKEDOWN_PATH, *root = NULL;
	double t_start = mono_s();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			rep_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			exe = argv[++i];
		else if (!strcmp(argv[i], "-C") && i + 1 < argc)
			root = argv[++i];
		else
			usage();
	}
	if (reps < 1 || reps > MAX_REPS || !(rep_s > 0) ||
	    (strcmp(only, "all") && strcmp(only, "one") &&
	     strcmp(only, "tree") && strcmp(only, "cli")))
		usage();
	if (root && chdir(root) != 0)
		die("cannot change to %s: %s", root, strerror(errno));

	printf("bench_scripts: figures of the harness on the reference target "
	       "(issue 3)\n");
	printf("  build: %s; single thread; wall = CLOCK_MONOTONIC, cpu = "
	       "CLOCK_THREAD_CPUTIME_ID\n",
	       SD_BUILD_FLAGS);
	printf("  ratio = median / aim; times meet their aim at <= 1, rates "
	       "at >= 1\n");
	fflush(stdout);

	if (!strcmp(only, "all") || !strcmp(only, "one"))
		bench_one(reps, rep_s);
	fflush(stdout);
	if (!strcmp(only, "all") || !strcmp(only, "tree"))
		bench_tree(reps, rep_s);
	fflush(stdout);
	if (!strcmp(only, "all") || !strcmp(only, "cli"))
		bench_cli(exe, reps);
	printf("\n  total time %.1f s\n", mono_s() - t_start);
	return 0;
}
