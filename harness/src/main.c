/* SPDX-License-Identifier: MIT
 *
 * build/shakedown, the command line: "run" runs scripts and reports on them,
 * "show" draws the ladder diagram of one script, "help" explains either.
 * Options are parsed with getopt_long; every error says what to do next.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shakedown/diag.h"
#include "shakedown/ladder.h"
#include "shakedown/pcapw.h"
#include "shakedown/report.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

#ifndef SHAKEDOWN_VERSION
#define SHAKEDOWN_VERSION "0.1"
#endif

#define EXIT_USAGE 2    /* bad usage or unreadable input */
#define MAX_DEPTH 64    /* folder nesting followed (symlink loops) */
#define PROGRESS_MIN 20 /* scripts before a progress line is worth it */

static const char usage_top[] =
    "Usage: shakedown COMMAND [OPTION]... [ARG]...\n"
    "A conformance and fuzzing harness for TCP implementations.\n"
    "\n"
    "Commands:\n"
    "  run PATH...     run packetdrill-syntax scripts (files, or folders\n"
    "                  searched for *.pkt) and report on each\n"
    "  show SCRIPT     run one script and draw its ladder diagram\n"
    "  help [COMMAND]  show the help of a command\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help and exit\n"
    "      --version   print the version and exit\n"
    "\n"
    "'shakedown COMMAND --help' describes the options of a command.\n";

static const char usage_run[] =
    "Usage: shakedown run [OPTION]... PATH...\n"
    "Run packetdrill-syntax scripts against a target: each PATH is a script\n"
    "or a folder searched recursively for *.pkt (in sorted order). Prints\n"
    "PASS, FAIL or SKIP per script, the ladder diagram of every failure, and\n"
    "ends with the line \"N passed, N failed, N skipped\".\n"
    "\n"
    "Options:\n"
    "  -t, --target NAME   target to test (default: ref, the reference\n"
    "                      stack in-process on a virtual clock)\n"
    "  -p, --profile NAME  target profile (ref: default, rfc5961, legacy)\n"
    "      --junit FILE    also write the results as JUnit XML to FILE\n"
    "      --json FILE     also write the results as JSON to FILE\n"
    "      --pcap-dir DIR  write a pcap of every run to\n"
    "                      DIR/<script path, '/' as '_'>.pcap\n"
    "  -v, --verbose       draw the ladder of every script, not only of\n"
    "                      failures\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 when nothing failed, 1 when a script failed, 2 for bad\n"
    "usage or an unreadable path.\n"
    "\n"
    "Example: shakedown run --junit report.xml conformance/\n";

static const char usage_show[] =
    "Usage: shakedown show [OPTION]... SCRIPT\n"
    "Run one script and draw its ladder diagram (the script's side on the\n"
    "left, the stack on the right, one arrow per segment and the stack's\n"
    "state as it changes), whether it passes or fails, then its result.\n"
    "\n"
    "Options:\n"
    "  -t, --target NAME   target to test (default: ref)\n"
    "  -p, --profile NAME  target profile (ref: default, rfc5961, legacy)\n"
    "      --pcap FILE     also write the run's packets to FILE (pcap)\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 when the script passed or was skipped, 1 when it\n"
    "failed, 2 for bad usage or an unreadable path.\n";

/* Options of run and show. */
struct cli {
	const char *cmd;       /* "run" or "show" */
	const char *target;    /* target name */
	const char *profile;   /* NULL: the target's default */
	const char *junit;     /* --junit FILE */
	const char *json;      /* --json FILE */
	const char *pcap_dir;  /* --pcap-dir DIR */
	const char *pcap_file; /* show --pcap FILE */
	bool verbose;
};

/* A growing list of script paths; each one owned. */
struct paths {
	char **v;
	size_t n, cap;
};

/* ---- Option parsing ------------------------------------------------------ */

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "shakedown%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'shakedown%s%s --help')\n", cmd ? " " : "",
	        cmd ? cmd : "");
	return EXIT_USAGE;
}

/* The option getopt_long stopped at, without any "=value". */
static const char *bad_option(char **argv, char *buf, size_t n)
{
	const char *arg = argv[optind - 1];

	if (optopt != 0 && strncmp(arg, "--", 2) != 0) {
		snprintf(buf, n, "-%c", optopt);
	} else {
		snprintf(buf, n, "%.*s", (int)strcspn(arg, "="), arg);
	}
	return buf;
}

enum {
	OPT_JUNIT = 256,
	OPT_JSON,
	OPT_PCAP_DIR,
	OPT_PCAP
};

/*
 * Parses the options of "run" or "show" (argv[0] is the command). Returns
 * -1 to go on with the operands at argv[optind], or an exit status.
 */
static int parse_opts(struct cli *c, int argc, char **argv)
{
	static const struct option run_opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "pcap-dir", required_argument, NULL, OPT_PCAP_DIR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option show_opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool run = strcmp(c->cmd, "run") == 0;
	char buf[64];
	int ch;

	opterr = 0; /* our messages name the option and suggest --help */
	optind = 1;
	while ((ch = getopt_long(argc, argv, run ? ":t:p:vh" : ":t:p:h",
	                         run ? run_opts : show_opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			c->target = optarg;
			break;
		case 'p':
			c->profile = optarg;
			break;
		case 'v':
			c->verbose = true;
			break;
		case OPT_JUNIT:
			c->junit = optarg;
			break;
		case OPT_JSON:
			c->json = optarg;
			break;
		case OPT_PCAP_DIR:
			c->pcap_dir = optarg;
			break;
		case OPT_PCAP:
			c->pcap_file = optarg;
			break;
		case 'h':
			fputs(run ? usage_run : usage_show, stdout);
			return 0;
		case ':':
			return usage_error(c->cmd, "option '%s' needs a value",
			                   bad_option(argv, buf, sizeof(buf)));
		default:
			return usage_error(c->cmd, "unknown option '%s'",
			                   bad_option(argv, buf, sizeof(buf)));
		}
	}
	return -1;
}

/* ---- Finding the scripts ------------------------------------------------- */

static int paths_add(struct paths *p, const char *path)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL) {
			return -1;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = strdup(path);
	return p->v[p->n] != NULL ? (int)(p->n++, 0) : -1;
}

static void paths_free(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i]);
	}
	free(p->v);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pkt(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && strcmp(name + len - 4, ".pkt") == 0;
}

/* Skips ".", ".." and hidden entries (editor and VCS files). */
static int visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int cant_read(const char *path, int err)
{
	fprintf(stderr, "shakedown: cannot read '%s': %s\n", path,
	        strerror(err));
	return EXIT_USAGE;
}

/* Adds the *.pkt files under dir, recursively. 0 or an exit status. */
static int walk(struct paths *p, const char *dir, int depth)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, visible, alphasort);
	int rc = 0;

	if (n < 0) {
		return cant_read(dir, errno);
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		size_t dl = strlen(dir);
		struct stat st;

		if (rc == 0 && snprintf(path, sizeof(path), "%s%s%s", dir,
		                        dl > 0 && dir[dl - 1] == '/' ? "" : "/",
		                        list[i]->d_name) >= (int)sizeof(path)) {
			rc = cant_read(list[i]->d_name, ENAMETOOLONG);
		}
		if (rc == 0 && stat(path, &st) != 0) {
			rc = cant_read(path, errno);
		}
		if (rc == 0 && S_ISDIR(st.st_mode)) {
			rc = depth < MAX_DEPTH ? walk(p, path, depth + 1)
			                       : cant_read(path, ELOOP);
		} else if (rc == 0 && S_ISREG(st.st_mode) &&
		           is_pkt(list[i]->d_name)) {
			if (access(path, R_OK) != 0) {
				rc = cant_read(path, errno);
			} else if (paths_add(p, path) != 0) {
				rc = cant_read(path, ENOMEM);
			}
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* Expands the operands into the script list. 0 or an exit status. */
static int collect(struct paths *p, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct stat st;
		size_t before = p->n;
		int rc;

		if (stat(argv[i], &st) != 0) {
			return cant_read(argv[i], errno);
		}
		if (!S_ISDIR(st.st_mode)) {
			/* A file named on the command line runs, any name. */
			if (access(argv[i], R_OK) != 0) {
				return cant_read(argv[i], errno);
			}
			if (paths_add(p, argv[i]) != 0) {
				return cant_read(argv[i], ENOMEM);
			}
			continue;
		}
		rc = walk(p, argv[i], 0);
		if (rc != 0) {
			return rc;
		}
		if (p->n == before) {
			fprintf(stderr,
			        "shakedown: no *.pkt scripts under '%s'\n",
			        argv[i]);
			return EXIT_USAGE;
		}
		/* One order for all, however the folders were nested. */
		qsort(p->v + before, p->n - before, sizeof(*p->v), cmp_path);
	}
	return 0;
}

/* ---- Running ------------------------------------------------------------- */

/* Options for one run of 'path'; 'dir' receives the script's folder. */
static void make_run_opts(struct run_opts *ro, const struct cli *c,
                          const struct target_ops *t, const char *path,
                          char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		snprintf(dir, n, ".");
	} else {
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
	}
	memset(ro, 0, sizeof(*ro));
	ro->target = t;
	ro->topts.profile = c->profile;
	ro->topts.script_dir = dir;
	ro->topts.verbose = c->verbose;
	ro->keep_raw = c->pcap_dir != NULL || c->pcap_file != NULL;
}

/*
 * Parses and runs one script into *r. Returns 1 when it ran (*r holds the
 * result), 0 when it did not (*err says why: a parse error or a target that
 * could not start).
 */
static int run_one(const struct cli *c, const struct target_ops *t,
                   const char *path, struct script *s, struct run_result *r,
                   struct diag *err)
{
	struct run_opts ro;
	char dir[PATH_MAX];

	diag_clear(err);
	if (script_parse_file(s, path, err) != 0) {
		return 0;
	}
	make_run_opts(&ro, c, t, path, dir, sizeof(dir));
	if (run_script(s, &ro, r) != 0) {
		*err = r->diag;
		return 0;
	}
	if (r->target[0] == '\0') {
		snprintf(r->target, sizeof(r->target), "%s", t->name);
	}
	return 1;
}

/*
 * A script with a sibling NAME.err is a test of the language itself: it
 * must fail to parse, and the first line of its error must be the first line
 * of NAME.err. Loads that line into want; 1 when the file exists.
 */
static int expected_error(const char *path, char *want, size_t n)
{
	char errpath[PATH_MAX];
	size_t len = strlen(path);
	FILE *fp;

	if (len < 4 || len + 1 > sizeof(errpath))
		return 0;
	memcpy(errpath, path, len - 4);
	memcpy(errpath + len - 4, ".err", 5);
	fp = fopen(errpath, "r");
	if (fp == NULL)
		return 0;
	if (fgets(want, (int)n, fp) == NULL)
		want[0] = '\0';
	fclose(fp);
	want[strcspn(want, "\r\n")] = '\0';
	return 1;
}

/* Checks a NAME.err script: PASS when it fails to parse exactly so. */
static void check_expected_error(const char *path, const char *want,
                                 struct run_result *r)
{
	struct script s = { 0 };
	struct diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	diag_clear(&d);
	r->outcome = RUN_PASS;
	if (script_parse_file(&s, path, &d) == 0) {
		script_free(&s);
		r->outcome = RUN_FAIL;
		diag_set(&r->diag, path, 0, 0, NULL, 0,
		         "expected the parse error '%s', but the script parsed",
		         want);
		return;
	}
	fp = open_memstream(&text, &len);
	if (fp != NULL) {
		diag_print(&d, fp);
		fclose(fp);
	}
	if (text == NULL || strncmp(text, want, strlen(want)) != 0 ||
	    (text[strlen(want)] != '\n' && text[strlen(want)] != '\0')) {
		if (text != NULL)
			text[strcspn(text, "\n")] = '\0';
		r->outcome = RUN_FAIL;
		diag_set(&r->diag, path, 0, 0, NULL, 0,
		         "parse error: expected '%s', got '%s'", want,
		         text != NULL ? text : "(none)");
	}
	free(text);
}

static int write_pcap(const struct run_result *r, const char *file)
{
	struct diag d;

	diag_clear(&d);
	if (pcapw_write(r, file, &d) != 0) {
		fprintf(stderr, "shakedown: %s: %s\n", d.file, d.msg);
		return -1;
	}
	return 0;
}

static const struct target_ops *find_target(const struct cli *c)
{
	const struct target_ops *t = target_find(c->target);

	if (t == NULL) {
		fprintf(
		    stderr,
		    "shakedown %s: unknown target '%s' (known: ref; try 'shakedown %s --help')\n",
		    c->cmd, c->target, c->cmd);
	}
	return t;
}

static bool want_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	       term != NULL && strcmp(term, "dumb") != 0;
}

static int cmd_run(int argc, char **argv)
{
	struct cli c = { .cmd = "run", .target = "ref" };
	struct paths p = { 0 };
	struct report rp;
	const struct target_ops *t;
	bool io_error = false, progress;
	int rc = parse_opts(&c, argc, argv);

	if (rc >= 0) {
		return rc;
	}
	if (optind >= argc) {
		return usage_error("run", "%s", "no PATH given");
	}
	t = find_target(&c);
	if (t == NULL) {
		return EXIT_USAGE;
	}
	if (c.pcap_dir != NULL && mkdir(c.pcap_dir, 0777) != 0 &&
	    errno != EEXIST) {
		fprintf(stderr, "shakedown: cannot create '%s': %s\n",
		        c.pcap_dir, strerror(errno));
		return EXIT_USAGE;
	}
	rc = collect(&p, argc - optind, argv + optind);
	if (rc != 0) {
		paths_free(&p);
		return rc;
	}

	report_init(&rp, stdout);
	rp.verbose = c.verbose;
	rp.color = want_color();
	rp.keep = c.junit != NULL || c.json != NULL;
	/* A progress line only where it does not mix with the results. */
	progress = p.n >= PROGRESS_MIN && isatty(STDERR_FILENO) &&
	           !isatty(STDOUT_FILENO);
	for (size_t i = 0; i < p.n; i++) {
		struct script s = { 0 };
		struct run_result r = { 0 };
		struct diag err;

		if (progress) {
			fprintf(stderr, "\r[%zu/%zu] %s\033[K", i + 1, p.n,
			        p.v[i]);
		}
		char want[DIAG_MSG_MAX];

		if (expected_error(p.v[i], want, sizeof(want))) {
			check_expected_error(p.v[i], want, &r);
			if (report_add(&rp, p.v[i], NULL, &r, NULL) != 0) {
				io_error = true;
			}
		} else if (run_one(&c, t, p.v[i], &s, &r, &err)) {
			char file[PATH_MAX];

			if (report_add(&rp, p.v[i], &s, &r, NULL) != 0) {
				io_error = true;
			}
			if (c.pcap_dir != NULL &&
			    (pcapw_path(c.pcap_dir, p.v[i], file,
			                sizeof(file)) != 0 ||
			     write_pcap(&r, file) != 0)) {
				io_error = true;
			}
		} else if (report_add(&rp, p.v[i], NULL, NULL, &err) != 0) {
			io_error = true;
		}
		run_result_free(&r);
		script_free(&s);
	}
	if (progress) {
		fputs("\r\033[K", stderr);
	}
	report_summary(&rp);

	if (c.junit != NULL || c.json != NULL) {
		struct diag d;

		diag_clear(&d);
		if ((c.junit != NULL &&
		     report_write_junit(&rp, c.junit, &d) != 0) ||
		    (c.json != NULL &&
		     report_write_json(&rp, c.json, &d) != 0)) {
			fprintf(stderr, "shakedown: %s: %s\n", d.file, d.msg);
			io_error = true;
		}
	}
	rc = io_error ? EXIT_USAGE : rp.failed > 0 ? 1 : 0;
	report_free(&rp);
	paths_free(&p);
	return rc;
}

static int cmd_show(int argc, char **argv)
{
	struct cli c = { .cmd = "show", .target = "ref" };
	struct script s = { 0 };
	struct run_result r = { 0 };
	struct report rp;
	struct diag err;
	const struct target_ops *t;
	const char *path;
	int rc = parse_opts(&c, argc, argv);

	if (rc >= 0) {
		return rc;
	}
	if (optind >= argc) {
		return usage_error("show", "%s", "no SCRIPT given");
	}
	if (argc - optind > 1) {
		return usage_error("show", "one SCRIPT at a time, got '%s' too",
		                   argv[optind + 1]);
	}
	path = argv[optind];
	t = find_target(&c);
	if (t == NULL) {
		return EXIT_USAGE;
	}
	if (access(path, R_OK) != 0) {
		return cant_read(path, errno);
	}

	report_init(&rp, stdout);
	rp.keep = false;
	rp.no_ladder = true; /* drawn here, in full */
	if (run_one(&c, t, path, &s, &r, &err)) {
		struct ladder_opts lo = { .color = want_color() };

		ladder_print(&r, &lo, stdout);
		report_add(&rp, path, &s, &r, NULL);
		if (c.pcap_file != NULL && write_pcap(&r, c.pcap_file) != 0) {
			rc = EXIT_USAGE;
		}
	} else {
		report_add(&rp, path, NULL, NULL, &err);
	}
	if (rc < 0) {
		rc = rp.failed > 0 ? 1 : 0;
	}
	run_result_free(&r);
	script_free(&s);
	report_free(&rp);
	return rc;
}

/* ---- Commands ------------------------------------------------------------ */

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_top, stdout);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0) {
		fputs(usage_run, stdout);
	} else if (strcmp(argv[1], "show") == 0) {
		fputs(usage_show, stdout);
	} else if (strcmp(argv[1], "help") == 0) {
		fputs(usage_top, stdout);
	} else {
		return usage_error(NULL, "no command '%s'", argv[1]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		fputs(usage_top, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage_top, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("shakedown %s\n", SHAKEDOWN_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0) {
		return cmd_run(argc - 1, argv + 1);
	}
	if (strcmp(cmd, "show") == 0) {
		return cmd_show(argc - 1, argv + 1);
	}
	if (strcmp(cmd, "help") == 0) {
		return cmd_help(argc - 1, argv + 1);
	}
	if (cmd[0] == '-') {
		return usage_error(NULL, "unknown option '%s'", cmd);
	}
	return usage_error(NULL, "unknown command '%s'", cmd);
}
