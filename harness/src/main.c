/* SPDX-License-Identifier: MIT
 *
 * build/shakedown, the command line: "run" runs scripts and reports on them,
 * "show" draws the ladder diagram of one script, "help" explains either.
 * Options are parsed with getopt_long; every error says what to do next.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shakedown/diag.h"
#include "shakedown/ladder.h"
#include "shakedown/matrix.h"
#include "shakedown/pcapw.h"
#include "shakedown/profile.h"
#include "shakedown/report.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

#include "repro.h"
#include "repro_diff.h"
#include "result_io.h"

#ifndef SHAKEDOWN_VERSION
#define SHAKEDOWN_VERSION "0.1"
#endif

#define EXIT_USAGE 2              /* bad usage or unreadable input */
#define MAX_DEPTH 64              /* folder nesting followed (symlink loops) */
#define PROGRESS_AFTER_S 2.0      /* no progress line for shorter runs */
#define PROGRESS_TICK_MS 250      /* how often it is redrawn while waiting */
#define MAX_TIME_S 100000000      /* largest --max-time, like script times */
#define TOLERANCE_DEFAULT_US 4000 /* real-time slack, like packetdrill */
#define JOBS_MAX 256
#define RUN_WATCHDOG_SLACK_S                                                   \
	60 /* a run is killed this long past its timeline */

static const char usage_top[] =
    "Usage: shakedown COMMAND [OPTION]... [ARG]...\n"
    "A conformance and fuzzing harness for TCP implementations.\n"
    "\n"
    "Commands:\n"
    "  run PATH...     run packetdrill-syntax scripts (files, or folders\n"
    "                  searched for *.pkt) and report on each\n"
    "  show SCRIPT     run one script and draw its ladder diagram\n"
    "  matrix PATH...  the RFC 9293 requirement matrix: every Appendix B\n"
    "                  requirement, the vectors that check it, their outcome\n"
    "  repro FILE      turn a fuzz_conn input (a crash of make fuzz) into a\n"
    "                  .pkt script that reproduces it on the reference\n"
    "  help [COMMAND]  show the help of a command\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help and exit\n"
    "      --version   print the version and exit\n"
    "\n"
    "'shakedown COMMAND --help' describes the options of a command.\n";

static const char usage_repro[] =
    "Usage: shakedown repro [OPTION]... FILE\n"
    "Turn a fuzz_conn input (a crash file of make fuzz, or any input of\n"
    "corpus/fuzz_conn/) into a packetdrill-syntax script. The input is first\n"
    "shrunk while the same oracle still fails, then replayed through\n"
    "fuzz_conn's driver and written as a script of one connection, with the\n"
    "driver's stack settings as \"// config:\" lines; the script is then run\n"
    "on the reference target, which must fail it with the same oracle.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   write the script to FILE (default: stdout)\n"
    "      --no-shrink     keep the input as it is\n"
    "      --diff STACK    FILE is a fuzz_diff input (fuzz_diff_lwip): write\n"
    "                      the reference's side as a script that --target\n"
    "                      ref passes and --target STACK fails where the\n"
    "                      two differ (plugins/sd_ref.so, sd_STACK.so)\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 reproduced (or no oracle fails and the run was written\n"
    "as it is), 1 not expressible as a script or not reproduced (the reason\n"
    "is printed), 2 usage or I/O error.\n";

static const char usage_run[] =
    "Usage: shakedown run [OPTION]... PATH...\n"
    "Run packetdrill-syntax scripts against a target: each PATH is a script\n"
    "or a folder searched recursively for *.pkt (in sorted order). Prints\n"
    "PASS, FAIL or SKIP per script, the ladder diagram of every failure, and\n"
    "ends with the line \"N passed, N failed, N skipped\".\n"
    "\n"
    "Options:\n"
    "  -t, --target NAME   target to test: ref (default; the reference\n"
    "                      stack in-process on a virtual clock), linux\n"
    "                      (this machine's kernel in a network namespace\n"
    "                      of its own behind a TAP device, in real time;\n"
    "                      needs root or CAP_NET_ADMIN + CAP_SYS_ADMIN),\n"
    "                      plugin:PATH.so (a stack in a shared object\n"
    "                      behind include/shakedown/stack_plugin.h, on a\n"
    "                      virtual clock; harness/PLUGINS.md), or the\n"
    "                      NAME of a plugin whose sd_NAME.so is in\n"
    "                      $SHAKEDOWN_PLUGIN_DIR or build/plugins (lwip)\n"
    "  -p, --profile NAME  target profile: a file of conformance/profiles/\n"
    "                      (NAME or TARGET-NAME) or a path; default: the\n"
    "                      target's name (ref, linux). Its values answer\n"
    "                      \"// requires:\"; a listed vector that fails is\n"
    "                      DEVIATES, not FAIL\n"
    "  -j, --jobs N        run up to N scripts at once, each in a process\n"
    "                      of its own (linux always uses a process per\n"
    "                      script; results are reported in script order)\n"
    "      --tolerance-us U  real-time targets: slack in microseconds\n"
    "                      around every scripted time (default 4000)\n"
    "      --ipv6          run over IPv6 (stack 2001:db8::1, script side\n"
    "                      2001:db8::2) unless a script says \"// ip: ipv4\"\n"
    "      --junit FILE    also write the results as JUnit XML to FILE\n"
    "      --json FILE     also write the results as JSON to FILE\n"
    "      --transitions FILE  write the RFC 9293 state-machine edges\n"
    "                      (E001..E115 of conformance/edges.tsv) the runs\n"
    "                      took, with counts, to FILE ('-': stdout); the\n"
    "                      reference counts them from its own trace; for\n"
    "                      other targets they are inferred from the\n"
    "                      segments on the wire and the file says so\n"
    "      --pcap-dir DIR  write a pcap of every run to\n"
    "                      DIR/<script path, '/' as '_'>.pcap\n"
    "      --max-time S    skip (SKIP) every script whose timeline is\n"
    "                      longer than S seconds when each event comes on\n"
    "                      time (real-time targets wait all of it: a\n"
    "                      TIME-WAIT takes minutes); for quick CI runs\n"
    "  -v, --verbose       draw the ladder of every script, not only of\n"
    "                      failures\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 when nothing failed, 1 when a script failed, 2 for bad\n"
    "usage or an unreadable path.\n"
    "\n"
    "Example: shakedown run --junit report.xml conformance/\n"
    "         sudo shakedown run --target linux --jobs 8 conformance/\n"
    "         shakedown run --target plugin:./sd_mystack.so conformance/\n";

static const char usage_show[] =
    "Usage: shakedown show [OPTION]... SCRIPT\n"
    "Run one script and draw its ladder diagram (the script's side on the\n"
    "left, the stack on the right, one arrow per segment and the stack's\n"
    "state as it changes), whether it passes or fails, then its result.\n"
    "\n"
    "Options:\n"
    "  -t, --target NAME   target to test: ref (default), linux,\n"
    "                      plugin:PATH.so or a plugin's NAME (see\n"
    "                      'shakedown run --help')\n"
    "  -p, --profile NAME  target profile: a file of conformance/profiles/\n"
    "                      (NAME or TARGET-NAME) or a path; default: the\n"
    "                      target's name (ref, linux). Its values answer\n"
    "                      \"// requires:\"; a listed vector that fails is\n"
    "                      DEVIATES, not FAIL\n"
    "      --tolerance-us U  real-time targets: slack in microseconds\n"
    "                      around every scripted time (default 4000)\n"
    "      --ipv6          run over IPv6 unless the script says\n"
    "                      \"// ip: ipv4\"\n"
    "      --pcap FILE     also write the run's packets to FILE (pcap)\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 when the script passed or was skipped, 1 when it\n"
    "failed, 2 for bad usage or an unreadable path.\n";

static const char usage_matrix[] =
    "Usage: shakedown matrix [OPTION]... PATH...\n"
    "Print the RFC 9293 requirement matrix: for every requirement ID of\n"
    "Appendix B (conformance/requirements.tsv) its keyword, its class (wire,\n"
    "api or internal), the vectors under PATH whose \"// tags:\" name it and\n"
    "their outcome on the target (each is run, quietly), or the reason\n"
    "there is none; then a summary line per keyword, such as\n"
    "\"MUST: 53 of 53 wire-checkable covered, 53 passing; ...\". The output\n"
    "is sorted and has no times: conformance/REQUIREMENTS.md is\n"
    "'shakedown matrix --markdown conformance/vectors' (make requirements).\n"
    "\n"
    "Options:\n"
    "  -t, --target NAME   target to run the vectors on: ref (default),\n"
    "                      linux, plugin:PATH.so or a plugin's NAME (see\n"
    "                      'shakedown run --help')\n"
    "  -p, --profile NAME  target profile, as for run\n"
    "      --json          print the matrix as JSON\n"
    "      --markdown      print the matrix as a Markdown document\n"
    "      --requirements FILE  the requirement table to use (default:\n"
    "                      conformance/requirements.tsv of the source tree)\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 when every wire-checkable MUST has a vector and no\n"
    "tagged vector failed, 1 otherwise, 2 for bad usage, an unreadable\n"
    "path or a bad requirement table.\n";

/* Options of run and show. */
struct cli {
	const char *cmd;       /* "run" or "show" */
	const char *target;    /* target name */
	const char *profile;   /* NULL: the target's default */
	struct profile *prof;  /* the loaded profile, or NULL */
	const char *junit;     /* --junit FILE */
	const char *json;      /* --json FILE */
	const char *pcap_dir;  /* --pcap-dir DIR */
	const char *pcap_file; /* show --pcap FILE */
	bool verbose;
	bool ipv6;               /* --ipv6 */
	long jobs;               /* --jobs N; 0 when not given */
	uint64_t tolerance_us;   /* --tolerance-us U */
	uint64_t max_time_us;    /* --max-time S; 0 when not given */
	const char *transitions; /* --transitions FILE */
	const char *plugin;      /* the plugin target's module, or NULL */
};

/* The checklist edges the runs of this command took (--transitions). */
static struct {
	uint64_t hits[SD_EDGES + 1];
	unsigned runs;
	bool inferred;
} run_edges;

/* The profile of this command (one per process; forked runs inherit it). */
static struct profile cli_profile;

/* The module of a plugin target (one per process; forked runs inherit it). */
static struct target_plugin cli_plugin;

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
	OPT_MAX_TIME,
	OPT_JSON,
	OPT_PCAP_DIR,
	OPT_PCAP,
	OPT_TOLERANCE,
	OPT_IPV6,
	OPT_TRANSITIONS
};

/* A whole decimal number in [lo, hi]; false otherwise. */
static bool parse_num(const char *arg, long lo, long hi, long *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < lo || n > hi)
		return false;
	*v = n;
	return true;
}

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
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-time", required_argument, NULL, OPT_MAX_TIME },
		{ "tolerance-us", required_argument, NULL, OPT_TOLERANCE },
		{ "ipv6", no_argument, NULL, OPT_IPV6 },
		{ "transitions", required_argument, NULL, OPT_TRANSITIONS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option show_opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "tolerance-us", required_argument, NULL, OPT_TOLERANCE },
		{ "ipv6", no_argument, NULL, OPT_IPV6 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool run = strcmp(c->cmd, "run") == 0;
	char buf[64];
	long v;
	int ch;

	opterr = 0; /* our messages name the option and suggest --help */
	optind = 1;
	while ((ch = getopt_long(argc, argv, run ? ":t:p:j:vh" : ":t:p:h",
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
		case OPT_IPV6:
			c->ipv6 = true;
			break;
		case OPT_TRANSITIONS:
			c->transitions = optarg;
			break;
		case OPT_MAX_TIME:
			if (!parse_num(optarg, 1, MAX_TIME_S, &v))
				return usage_error(
				    c->cmd,
				    "--max-time: expected whole "
				    "seconds from 1 to 100000000, "
				    "got '%s'",
				    optarg);
			c->max_time_us = (uint64_t)v * 1000000u;
			break;
		case 'j':
			if (!parse_num(optarg, 1, JOBS_MAX, &c->jobs))
				return usage_error(c->cmd,
				                   "--jobs: expected a number "
				                   "from 1 to 256, got '%s'",
				                   optarg);
			break;
		case OPT_TOLERANCE:
			if (!parse_num(optarg, 0, 60000000, &v))
				return usage_error(c->cmd,
				                   "--tolerance-us: expected "
				                   "microseconds from 0 to "
				                   "60000000, got '%s'",
				                   optarg);
			c->tolerance_us = (uint64_t)v;
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
	ro->profile = c->prof;
	if (c->prof != NULL) {
		/* The profile names the target's own configuration. */
		ro->topts.profile = profile_get(c->prof, "stack");
	}
	ro->topts.script_dir = dir;
	ro->topts.verbose = c->verbose;
	ro->topts.plugin = c->plugin;
	ro->keep_raw = c->pcap_dir != NULL || c->pcap_file != NULL;
	ro->ipv6 = c->ipv6;
	/* The reference runs on exact virtual times. */
	ro->tolerance_us = t->virtual_clock ? 0 : c->tolerance_us;
}

/*
 * How long script s takes when every event comes on time: the latest end
 * of an event's window (or of a blocking call), relative times counting
 * from the previous event's start as the runner counts them. '*' events
 * add nothing. What a real-time run waits at least, if it passes.
 */
static uint64_t script_timeline_us(const struct script *s)
{
	int64_t base = 0, last = 0;

	for (size_t i = 0; i < s->event_n; i++) {
		const struct script_time *tm = &s->events[i].time;
		int64_t start, end;

		if (tm->kind == SCRIPT_TIME_ANY)
			continue;
		start = tm->kind == SCRIPT_TIME_REL ? base + tm->start_us
		                                    : tm->start_us;
		end = tm->end_kind == SCRIPT_TIME_REL ? base + tm->end_us
		                                      : tm->end_us;
		if (tm->blocking) {
			int64_t b = tm->block_end_kind == SCRIPT_TIME_REL
			                ? base + tm->block_end_us
			                : tm->block_end_us;

			end = b > end ? b : end;
		}
		last = end > last ? end : last;
		last = start > last ? start : last;
		base = start;
	}
	return last > 0 ? (uint64_t)last : 0;
}

/*
 * --max-time: true when script s takes longer than allowed; *r is then a
 * SKIP that says so.
 */
static bool too_long(const struct cli *c, const struct target_ops *t,
                     const struct script *s, struct run_result *r)
{
	uint64_t us = c->max_time_us > 0 ? script_timeline_us(s) : 0;

	if (us <= c->max_time_us)
		return false;
	memset(r, 0, sizeof(*r));
	r->outcome = RUN_SKIP;
	snprintf(r->skip_reason, sizeof(r->skip_reason),
	         "its timeline (%.1f s) is longer than --max-time %llu s",
	         (double)us / 1e6,
	         (unsigned long long)(c->max_time_us / 1000000u));
	snprintf(r->target, sizeof(r->target), "%s", t->name);
	return true;
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
	if (too_long(c, t, s, r)) {
		return 1;
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

/*
 * A target that is not built in: "plugin:PATH" loads the module PATH; NAME
 * loads sd_NAME.so from the plugin folders (target_plugin_find). NULL with
 * one line in why.
 */
static const struct target_ops *load_plugin(struct cli *c, char *why, size_t n)
{
	char path[TARGET_PLUGIN_PATH_MAX], where[DIAG_MSG_MAX / 2];
	const char *mod = c->target;

	if (strncmp(mod, "plugin:", 7) == 0) {
		mod += 7;
		if (mod[0] == '\0') {
			snprintf(why, n,
			         "--target plugin:PATH needs the path of a "
			         "plugin module (try 'shakedown %s --help')",
			         c->cmd);
			return NULL;
		}
	} else if (target_plugin_find(mod, path, sizeof(path), where,
	                              sizeof(where)) == 0) {
		mod = path;
	} else {
		snprintf(
		    why, n,
		    "unknown target '%s': not built in (ref, linux) and "
		    "not a plugin: %s; a plugin module loads with "
		    "--target plugin:PATH.so%s (try 'shakedown %s --help')",
		    c->target, where,
		    strcmp(c->target, "lwip") == 0
		        ? "; the lwip plugin is built only when "
		          "liblwip-dev is installed: apt-get install -y "
		          "liblwip-dev, then rebuild"
		        : "",
		    c->cmd);
		return NULL;
	}
	if (target_plugin_load(&cli_plugin, mod, why, n) != 0)
		return NULL;
	c->plugin = cli_plugin.path;
	return &cli_plugin.ops;
}

static const struct target_ops *find_target(struct cli *c)
{
	const struct target_ops *t = target_find(c->target);

	if (t == NULL) {
		char why[DIAG_MSG_MAX];

		t = load_plugin(c, why, sizeof(why));
		if (t == NULL) {
			fprintf(stderr, "shakedown %s: %s\n", c->cmd, why);
			return NULL;
		}
	}
	if (t->preflight != NULL) {
		char why[DIAG_MSG_MAX];

		why[0] = '\0';
		if (t->preflight(why, sizeof(why)) != 0) {
			fprintf(stderr, "shakedown %s: %s\n", c->cmd, why);
			return NULL;
		}
	}
	return t;
}

/*
 * Loads the profile of --profile NAME, or the target's own (named after it)
 * when there is one. A NAME that is no file is passed to the target as the
 * name of its built-in configuration (ref: default, rfc5961, legacy, ecn).
 * Returns -1 to go on, or an exit status.
 */
static int load_profile(struct cli *c, const struct target_ops *t,
                        struct profile *prof)
{
	const char *name = c->profile != NULL ? c->profile : t->name;
	const char *want;
	char path[4096];
	struct diag d;

	if (profile_find(name, t->name, path, sizeof(path)) != 0) {
		if (strchr(name, '/') != NULL) {
			return cant_read(name, errno != 0 ? errno : ENOENT);
		}
		return -1; /* no file: the target's built-in choices */
	}
	diag_clear(&d);
	if (profile_load(prof, path, &d) != 0) {
		fprintf(stderr, "shakedown %s: bad profile: ", c->cmd);
		diag_print(&d, stderr);
		profile_free(prof);
		return EXIT_USAGE;
	}
	want = profile_get(prof, "target");
	if (want == NULL || strcmp(want, t->name) != 0) {
		fprintf(stderr,
		        "shakedown %s: profile '%s' (%s) describes target "
		        "'%s', not '%s' (try --target %s)\n",
		        c->cmd, prof->name, path, want ? want : "?", t->name,
		        want ? want : "?");
		profile_free(prof);
		return EXIT_USAGE;
	}
	c->prof = prof;
	return -1;
}

static bool want_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	       term != NULL && strcmp(term, "dumb") != 0;
}

/* ---- Outcomes, in-process or from a child process ------------------------ */

/* What became of one script. */
struct outcome {
	enum {
		OUT_CHECKED, /* a NAME.err script: r says whether it matched */
		OUT_RAN,     /* s and r hold the run */
		OUT_NOT_RUN, /* err says why (parse error, target failure) */
	} kind;
	bool ready;
	struct script s;
	struct run_result r;
	struct diag err;
};

static void outcome_free(struct outcome *o)
{
	run_result_free(&o->r);
	script_free(&o->s);
}

/* Reports one outcome (and writes its pcap); true on an I/O error. */
static bool report_outcome(const struct cli *c, struct report *rp,
                           const char *path, struct outcome *o)
{
	bool io_error = false;
	char file[PATH_MAX];
	int k;

	if ((o->kind == OUT_CHECKED || o->kind == OUT_RAN) && o->r.have_edges &&
	    o->r.outcome != RUN_SKIP) {
		for (k = 0; k <= SD_EDGES; k++)
			run_edges.hits[k] += o->r.edges[k];
		run_edges.runs++;
		run_edges.inferred |= o->r.edges_inferred;
	}
	switch (o->kind) {
	case OUT_CHECKED:
		io_error = report_add(rp, path, NULL, &o->r, NULL) != 0;
		break;
	case OUT_RAN:
		io_error = report_add(rp, path, &o->s, &o->r, NULL) != 0;
		if (c->pcap_dir != NULL &&
		    (pcapw_path(c->pcap_dir, path, file, sizeof(file)) != 0 ||
		     write_pcap(&o->r, file) != 0)) {
			io_error = true;
		}
		break;
	case OUT_NOT_RUN:
	default:
		io_error = report_add(rp, path, NULL, NULL, &o->err) != 0;
		break;
	}
	outcome_free(o);
	fflush(stdout);
	return io_error;
}

/*
 * --transitions FILE: the edges every run took, summed, with the table of
 * conformance/edges.tsv (SHAKEDOWN_EDGES) when it can be read; traced by
 * the reference, inferred from the wire for every other target (infer.h).
 */
static int write_transitions(const struct cli *c, const struct target_ops *t)
{
	static struct sd_edge tab[SD_EDGES + 1];
	char why[256], what[128];
	bool have_tab;
	FILE *f;

	have_tab = sd_edges_load(SHAKEDOWN_EDGES, tab, why, sizeof(why)) == 0;
	if (!have_tab)
		fprintf(stderr, "shakedown: --transitions: %s (IDs only)\n",
		        why);
	f = strcmp(c->transitions, "-") == 0 ? stdout
	                                     : fopen(c->transitions, "w");
	if (!f) {
		fprintf(stderr, "shakedown: %s: %s\n", c->transitions,
		        strerror(errno));
		return -1;
	}
	snprintf(what, sizeof(what), "%u run%s on target %s", run_edges.runs,
	         run_edges.runs == 1 ? "" : "s", t->name);
	sd_edges_write(f, run_edges.hits, have_tab ? tab : NULL,
	               run_edges.inferred, what);
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "shakedown: %s: %s\n", c->transitions,
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* Runs one script in this process. */
static void run_inline(const struct cli *c, const struct target_ops *t,
                       const char *path, struct outcome *o)
{
	char want[DIAG_MSG_MAX];

	memset(o, 0, sizeof(*o));
	o->ready = true;
	if (expected_error(path, want, sizeof(want))) {
		o->kind = OUT_CHECKED;
		check_expected_error(path, want, &o->r);
	} else if (run_one(c, t, path, &o->s, &o->r, &o->err)) {
		o->kind = OUT_RAN;
	} else {
		o->kind = OUT_NOT_RUN;
	}
}

/* ---- The progress line ------------------------------------------------- */

/*
 * On stderr when it is a terminal, once a run has taken PROGRESS_AFTER_S:
 * "[done/total] N running, T s: next script to report". It is erased
 * before every result line (stdout is often the same terminal), redrawn
 * after, and erased for good before the closing line.
 */
struct progress {
	bool on;     /* stderr is a terminal */
	bool shown;  /* a line is on the screen now */
	double t0;   /* start of the run, monotonic seconds */
	double last; /* when it was last drawn */
	size_t total;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_init(struct progress *pg, size_t total)
{
	memset(pg, 0, sizeof(*pg));
	pg->on = isatty(STDERR_FILENO);
	pg->t0 = mono_s();
	pg->total = total;
}

static void progress_clear(struct progress *pg)
{
	if (pg->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		pg->shown = false;
	}
}

/* Draws the line: done scripts reported, running ones, the next one. */
static void progress_draw(struct progress *pg, size_t done, size_t running,
                          const char *next)
{
	struct winsize ws;
	double el;
	char head[96];
	int cols = 80, room;
	size_t len;

	if (!pg->on || (el = mono_s() - pg->t0) < PROGRESS_AFTER_S ||
	    (!pg->shown && el - pg->last < 0.1)) {
		return; /* too early; or results stream: at most 10 a second */
	}
	pg->last = el;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		cols = ws.ws_col;
	}
	snprintf(head, sizeof(head), "[%zu/%zu] %zu running, %.0f s", done,
	         pg->total, running, el);
	/* One screen line at most: a wrapped line cannot be erased. */
	room = cols - 1 - (int)strlen(head) - 2;
	len = next != NULL ? strlen(next) : 0;
	fprintf(stderr, "\r%.*s", cols - 1, head);
	if (len > 0 && room > 4) {
		if ((int)len > room) {
			fprintf(stderr, ": ...%s",
			        next + len - (size_t)room + 3);
		} else {
			fprintf(stderr, ": %s", next);
		}
	}
	fputs("\033[K", stderr);
	fflush(stderr);
	pg->shown = true;
}

/* A script running in a child process. */
struct child {
	pid_t pid;
	int fd; /* read end of the result pipe; -1 when the slot is free */
	size_t idx;
	uint8_t *buf;
	size_t n, cap;
};

/*
 * Prepares outcome o for path: NAME.err checks and parse errors are done
 * here (ready); otherwise forks a child that runs the parsed script and
 * writes its result to a pipe (the linux target's namespace lives and dies
 * with that child). Returns 1 when a child was started into *ch.
 */
static int spawn(const struct cli *c, const struct target_ops *t,
                 const char *path, struct outcome *o, struct child *ch)
{
	char want[DIAG_MSG_MAX], dir[PATH_MAX];
	struct run_opts ro;
	pid_t parent = getpid();
	int pfd[2];

	memset(o, 0, sizeof(*o));
	if (expected_error(path, want, sizeof(want))) {
		o->kind = OUT_CHECKED;
		check_expected_error(path, want, &o->r);
		o->ready = true;
		return 0;
	}
	diag_clear(&o->err);
	if (script_parse_file(&o->s, path, &o->err) != 0) {
		o->kind = OUT_NOT_RUN;
		o->ready = true;
		return 0;
	}
	if (too_long(c, t, &o->s, &o->r)) {
		o->kind = OUT_RAN;
		o->ready = true;
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		pfd[0] = pfd[1] = -1;
	}
	if (pfd[0] < 0 || (ch->pid = fork()) < 0) {
		if (pfd[0] >= 0) {
			close(pfd[0]);
			close(pfd[1]);
		}
		o->kind = OUT_NOT_RUN;
		diag_set(&o->err, path, 0, 0, NULL, 0,
		         "cannot start a process for the run: %s",
		         strerror(errno));
		o->ready = true;
		return 0;
	}
	if (ch->pid == 0) {
		struct run_result r = { 0 };
		int rc;

		close(pfd[0]);
		/* The run (and its namespace) ends when the CLI does. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(1);
		}
		/*
		 * A watchdog: a run that hangs (a kernel timer that never
		 * fires, a call that never returns) is killed by SIGALRM a
		 * minute past its own timeline, and reported as killed.
		 */
		alarm((unsigned)(script_timeline_us(&o->s) / 1000000u) +
		      RUN_WATCHDOG_SLACK_S);
		make_run_opts(&ro, c, t, path, dir, sizeof(dir));
		rc = run_script(&o->s, &ro, &r);
		_exit(result_io_write(pfd[1], rc, &r) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	ch->fd = pfd[0];
	ch->n = 0;
	return 1;
}

/* Reads what child ch wrote; true when its pipe reached end of file. */
static bool child_read(struct child *ch)
{
	for (;;) {
		ssize_t got;

		if (ch->n == ch->cap) {
			size_t cap = ch->cap ? ch->cap * 2 : 65536;
			uint8_t *b = realloc(ch->buf, cap);

			if (b == NULL) {
				return true; /* decoded as a broken result */
			}
			ch->buf = b;
			ch->cap = cap;
		}
		got = read(ch->fd, ch->buf + ch->n, ch->cap - ch->n);
		if (got > 0) {
			ch->n += (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR) {
			continue;
		}
		return got == 0 || errno != EAGAIN;
	}
}

/* Collects child ch's result into o once its pipe is closed. */
static void child_finish(const struct target_ops *t, const char *path,
                         struct child *ch, struct outcome *o)
{
	int status = 0, rc = 0;

	close(ch->fd);
	ch->fd = -1;
	while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR) {
	}
	o->ready = true;
	if (result_io_read(ch->buf, ch->n, &rc, &o->r) != 0) {
		memset(&o->r, 0, sizeof(o->r));
		o->kind = OUT_RAN;
		o->r.outcome = RUN_FAIL;
		snprintf(o->r.target, sizeof(o->r.target), "%s", t->name);
		if (WIFSIGNALED(status)) {
			diag_set(&o->r.diag, path, 0, 0, NULL, 0,
			         "the run's process was killed by signal %d "
			         "(%s) before it reported",
			         WTERMSIG(status), strsignal(WTERMSIG(status)));
		} else {
			diag_set(&o->r.diag, path, 0, 0, NULL, 0,
			         "the run's process ended (exit status %d) "
			         "without a result",
			         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
	} else if (rc != 0) {
		o->kind = OUT_NOT_RUN;
		o->err = o->r.diag;
		run_result_free(&o->r);
	} else {
		o->kind = OUT_RAN;
		if (o->r.target[0] == '\0') {
			snprintf(o->r.target, sizeof(o->r.target), "%s",
			         t->name);
		}
	}
	ch->n = 0;
}

/* A script in the order runs start: its index and its timeline. */
struct start {
	size_t idx;
	uint64_t us;
};

static int cmp_start(const void *a, const void *b)
{
	const struct start *x = a, *y = b;

	if (x->us != y->us) {
		return x->us > y->us ? -1 : 1;
	}
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The order in which to start the scripts with several jobs on a real-time
 * target: longest timeline first. A job's wall time is mostly its script's
 * timeline, so a long script started last would run alone at the end
 * (longest-processing-time-first scheduling). Results are still reported
 * in script order. NULL means script order (one job, a virtual clock, or
 * no memory).
 */
static size_t *start_order(const struct target_ops *t, const struct paths *p,
                           size_t jobs)
{
	struct start *st;
	size_t *order;

	if (jobs < 2 || t->virtual_clock || p->n < 2) {
		return NULL;
	}
	st = calloc(p->n, sizeof(*st));
	order = calloc(p->n, sizeof(*order));
	if (st == NULL || order == NULL) {
		free(st);
		free(order);
		return NULL;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct script s = { 0 };
		struct diag d;

		st[i].idx = i;
		diag_clear(&d);
		if (script_parse_file(&s, p->v[i], &d) == 0) {
			st[i].us = script_timeline_us(&s);
			script_free(&s);
		}
	}
	qsort(st, p->n, sizeof(*st), cmp_start);
	for (size_t i = 0; i < p->n; i++) {
		order[i] = st[i].idx;
	}
	free(st);
	return order;
}

/*
 * Runs every script in a child process of its own, up to c->jobs (at least
 * one) at a time, and reports them in script order as they complete.
 * Returns true on an I/O error of the reports.
 */
static bool run_forked(const struct cli *c, const struct target_ops *t,
                       const struct paths *p, struct report *rp,
                       struct progress *pg)
{
	size_t jobs = c->jobs > 0 ? (size_t)c->jobs : 1;
	struct outcome *outs = calloc(p->n ? p->n : 1, sizeof(*outs));
	struct child *kids = calloc(jobs, sizeof(*kids));
	struct pollfd *pf = calloc(jobs, sizeof(*pf));
	size_t *order = start_order(t, p, jobs);
	size_t next_start = 0, next_report = 0, active = 0, k;
	bool io_error = false;

	if (outs == NULL || kids == NULL || pf == NULL) {
		fprintf(stderr, "shakedown: out of memory\n");
		free(outs);
		free(kids);
		free(pf);
		free(order);
		return true;
	}
	for (k = 0; k < jobs; k++) {
		kids[k].fd = -1;
	}
	while (next_report < p->n) {
		size_t n = 0;

		while (active < jobs && next_start < p->n) {
			size_t i =
			    order != NULL ? order[next_start] : next_start;

			next_start++;

			for (k = 0; kids[k].fd >= 0; k++) {
			}
			if (spawn(c, t, p->v[i], &outs[i], &kids[k])) {
				fcntl(kids[k].fd, F_SETFL, O_NONBLOCK);
				kids[k].idx = i;
				active++;
			}
		}
		while (next_report < p->n && outs[next_report].ready) {
			progress_clear(pg);
			io_error |= report_outcome(c, rp, p->v[next_report],
			                           &outs[next_report]);
			next_report++;
		}
		if (active == 0) {
			continue;
		}
		progress_draw(pg, next_report, active, p->v[next_report]);
		for (k = 0; k < jobs; k++) {
			if (kids[k].fd >= 0) {
				pf[n].fd = kids[k].fd;
				pf[n].events = POLLIN;
				pf[n].revents = 0;
				n++;
			}
		}
		if (poll(pf, (nfds_t)n, pg->on ? PROGRESS_TICK_MS : -1) < 0 &&
		    errno != EINTR) {
			fprintf(stderr, "shakedown: poll: %s\n",
			        strerror(errno));
			io_error = true;
			break;
		}
		for (k = 0; k < jobs; k++) {
			struct child *ch = &kids[k];

			if (ch->fd >= 0 && child_read(ch)) {
				child_finish(t, p->v[ch->idx], ch,
				             &outs[ch->idx]);
				active--;
			}
		}
	}
	for (k = 0; k < jobs; k++) {
		if (kids[k].fd >= 0) {
			kill(kids[k].pid, SIGKILL);
			close(kids[k].fd);
			waitpid(kids[k].pid, NULL, 0);
		}
		free(kids[k].buf);
	}
	for (k = next_report; k < p->n; k++) {
		outcome_free(&outs[k]);
	}
	free(outs);
	free(kids);
	free(pf);
	free(order);
	return io_error;
}

static int cmd_run(int argc, char **argv)
{
	struct cli c = { .cmd = "run",
		         .target = "ref",
		         .tolerance_us = TOLERANCE_DEFAULT_US };
	struct paths p = { 0 };
	struct report rp;
	const struct target_ops *t;
	struct progress pg;
	bool io_error = false;
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
	rc = load_profile(&c, t, &cli_profile);
	if (rc >= 0) {
		return rc;
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
	rp.profile = c.prof;
	progress_init(&pg, p.n);
	if (t->own_process || c.jobs > 0) {
		io_error = run_forked(&c, t, &p, &rp, &pg);
	} else {
		for (size_t i = 0; i < p.n; i++) {
			struct outcome o;

			progress_draw(&pg, i, 1, p.v[i]);
			run_inline(&c, t, p.v[i], &o);
			progress_clear(&pg);
			io_error |= report_outcome(&c, &rp, p.v[i], &o);
		}
	}
	progress_clear(&pg);
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
	if (c.transitions != NULL && write_transitions(&c, t) != 0)
		io_error = true;
	/* Deviations the profile expects do not fail the run. */
	rc = io_error ? EXIT_USAGE : rp.failed > 0 ? 1 : 0;
	report_free(&rp);
	paths_free(&p);
	profile_free(&cli_profile);
	target_plugin_unload(&cli_plugin);
	return rc;
}

static int cmd_show(int argc, char **argv)
{
	struct cli c = { .cmd = "show",
		         .target = "ref",
		         .tolerance_us = TOLERANCE_DEFAULT_US };
	struct script s = { 0 };
	struct run_result r = { 0 };
	struct report rp;
	struct diag err;
	const struct target_ops *t;
	const char *path;
	bool ran;
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
	rc = load_profile(&c, t, &cli_profile);
	if (rc >= 0) {
		return rc;
	}

	report_init(&rp, stdout);
	rp.keep = false;
	rp.no_ladder = true; /* drawn here, in full */
	rp.profile = c.prof;
	if (t->own_process) {
		/* One child, as for run: the namespace dies with it. */
		struct outcome o;
		struct child ch = { .fd = -1 };

		if (spawn(&c, t, path, &o, &ch)) {
			while (!child_read(&ch)) {
			}
			child_finish(t, path, &ch, &o);
			free(ch.buf);
		}
		s = o.s;
		r = o.r;
		err = o.err;
		ran = o.kind == OUT_RAN;
	} else {
		ran = run_one(&c, t, path, &s, &r, &err);
	}
	if (ran) {
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
	profile_free(&cli_profile);
	target_plugin_unload(&cli_plugin);
	return rc;
}

/* ---- The requirement matrix ---------------------------------------------- */

#ifndef SHAKEDOWN_REQUIREMENTS
#define SHAKEDOWN_REQUIREMENTS "conformance/requirements.tsv"
#endif

static const char *report_word(enum report_outcome oc)
{
	switch (oc) {
	case REPORT_PASS:
		return "PASS";
	case REPORT_SKIP:
		return "SKIP";
	case REPORT_DEVIATES:
		return "DEVIATES";
	case REPORT_FAIL:
	default:
		return "FAIL";
	}
}

enum {
	MX_TEXT = -1,
	MX_JSON = -2,
	MX_MARKDOWN = -3
};

/* Parses the options of "matrix"; a format (< 0), or an exit status. */
static int parse_matrix_opts(struct cli *c, int argc, char **argv,
                             const char **reqs)
{
	enum {
		OPT_MX_JSON = 300,
		OPT_MX_MARKDOWN,
		OPT_MX_REQS
	};
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, OPT_MX_JSON },
		{ "markdown", no_argument, NULL, OPT_MX_MARKDOWN },
		{ "requirements", required_argument, NULL, OPT_MX_REQS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int format = MX_TEXT;
	char buf[64];
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":t:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			c->target = optarg;
			break;
		case 'p':
			c->profile = optarg;
			break;
		case OPT_MX_JSON:
		case OPT_MX_MARKDOWN: {
			int want = ch == OPT_MX_JSON ? MX_JSON : MX_MARKDOWN;

			if (format != MX_TEXT && format != want)
				return usage_error("matrix", "%s",
				                   "--json and --markdown "
				                   "exclude each other");
			format = want;
			break;
		}
		case OPT_MX_REQS:
			*reqs = optarg;
			break;
		case 'h':
			fputs(usage_matrix, stdout);
			return 0;
		case ':':
			return usage_error("matrix",
			                   "option '%s' needs a value",
			                   bad_option(argv, buf, sizeof(buf)));
		default:
			return usage_error("matrix", "unknown option '%s'",
			                   bad_option(argv, buf, sizeof(buf)));
		}
	}
	return format;
}

static int cmd_matrix(int argc, char **argv)
{
	struct cli c = { .cmd = "matrix",
		         .target = "ref",
		         .tolerance_us = TOLERANCE_DEFAULT_US };
	const char *reqs = SHAKEDOWN_REQUIREMENTS;
	struct matrix m;
	struct paths p = { 0 };
	struct report rp;
	struct progress pg;
	const struct target_ops *t;
	struct diag d;
	bool io_error = false;
	FILE *quiet;
	int format = parse_matrix_opts(&c, argc, argv, &reqs);
	int rc;

	if (format >= 0) {
		return format;
	}
	if (optind >= argc) {
		return usage_error("matrix", "%s", "no PATH given");
	}
	diag_clear(&d);
	if (matrix_load(&m, reqs, &d) != 0) {
		fprintf(stderr, "shakedown matrix: bad requirement table: ");
		diag_print(&d, stderr);
		return EXIT_USAGE;
	}
	t = find_target(&c);
	rc = t == NULL ? EXIT_USAGE : load_profile(&c, t, &cli_profile);
	if (rc < 0) {
		rc = collect(&p, argc - optind, argv + optind);
	}
	quiet = rc == 0 ? fopen("/dev/null", "w") : NULL;
	if (rc == 0 && quiet == NULL) {
		rc = cant_read("/dev/null", errno);
	}
	if (rc != 0) {
		matrix_free(&m);
		paths_free(&p);
		profile_free(&cli_profile);
		return rc;
	}

	/* The run path of "run", its lines going nowhere. */
	report_init(&rp, quiet);
	rp.keep = true;
	rp.no_ladder = true;
	rp.profile = c.prof;
	progress_init(&pg, p.n);
	if (t->own_process) {
		io_error = run_forked(&c, t, &p, &rp, &pg);
	} else {
		for (size_t i = 0; i < p.n; i++) {
			struct outcome o;

			progress_draw(&pg, i, 1, p.v[i]);
			run_inline(&c, t, p.v[i], &o);
			progress_clear(&pg);
			io_error |= report_outcome(&c, &rp, p.v[i], &o);
		}
	}
	progress_clear(&pg);
	for (size_t i = 0; i < rp.entry_n && !io_error; i++) {
		if (matrix_add(&m, rp.entries[i].path,
		               report_word(rp.entries[i].outcome)) != 0) {
			io_error = cant_read(rp.entries[i].path, errno) != 0;
		}
	}
	if (!io_error) {
		const char *prof = c.profile != NULL ? c.profile : t->name;

		matrix_finish(&m, stderr);
		if (format == MX_JSON)
			matrix_print_json(&m, t->name, prof, stdout);
		else if (format == MX_MARKDOWN)
			matrix_print_markdown(&m, t->name, prof, stdout);
		else
			matrix_print_text(&m, stdout);
	}
	rc = io_error ? EXIT_USAGE : matrix_failed(&m) ? 1 : 0;
	if (fflush(stdout) != 0) {
		rc = EXIT_USAGE;
	}
	fclose(quiet);
	report_free(&rp);
	matrix_free(&m);
	paths_free(&p);
	profile_free(&cli_profile);
	target_plugin_unload(&cli_plugin);
	return rc;
}

/* ---- Commands ------------------------------------------------------------ */

static int cmd_repro(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-shrink", no_argument, NULL, 'S' },
		{ "diff", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	const char *diff = NULL;
	bool do_shrink = true;
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'S':
			do_shrink = false;
			break;
		case 'D':
			diff = optarg;
			break;
		case 'h':
			fputs(usage_repro, stdout);
			return 0;
		case ':':
			return usage_error("repro", "option '%s' needs a value",
			                   argv[optind - 1]);
		default:
			return usage_error("repro", "unknown option '%s'",
			                   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("repro", "%s", "no FILE given");
	if (argc - optind > 1)
		return usage_error("repro", "one FILE at a time, got '%s' too",
		                   argv[optind + 1]);
	if (diff)
		return repro_diff_main(diff, argv[optind], out, do_shrink,
		                       stderr);
	return repro_main(argv[optind], out, do_shrink, stderr);
}

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
	} else if (strcmp(argv[1], "matrix") == 0) {
		fputs(usage_matrix, stdout);
	} else if (strcmp(argv[1], "repro") == 0) {
		fputs(usage_repro, stdout);
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
	if (strcmp(cmd, "matrix") == 0) {
		return cmd_matrix(argc - 1, argv + 1);
	}
	if (strcmp(cmd, "repro") == 0) {
		return cmd_repro(argc - 1, argv + 1);
	}
	if (strcmp(cmd, "help") == 0) {
		return cmd_help(argc - 1, argv + 1);
	}
	if (cmd[0] == '-') {
		return usage_error(NULL, "unknown option '%s'", cmd);
	}
	return usage_error(NULL, "unknown command '%s'", cmd);
}
