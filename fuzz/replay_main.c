/* SPDX-License-Identifier: MIT
 *
 * The replay driver of the fuzz targets: runs LLVMFuzzerTestOneInput over
 * every file named on the command line or found in a named directory, in
 * sorted order, and prints one summary line. ctest runs it over corpus/.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* The sanitizers call this before they exit on a report (when linked). */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
/* LeakSanitizer: a leak check now, reported but not fatal (when linked). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

#define REPLAY_MAX_BYTES (16u << 20) /* larger files are refused */

static const char *prog = "replay";
static const char *current; /* the input being run, for crash messages */

struct paths {
	char **v;
	size_t n, cap;
};

static int paths_add(struct paths *p, const char *path)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = strdup(path);
	if (p->v[p->n] == NULL)
		return -1;
	p->n++;
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the regular files directly inside 'dir' (dot files skipped). */
static int add_dir(struct paths *p, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = paths_add(p, path);
	}
	closedir(d);
	return rc;
}

static void report_crash(void)
{
	if (current != NULL)
		fprintf(stderr, "%s: crash on %s\n", prog, current);
}

/* __builtin_trap() (SIGILL) and abort(): name the input, then die. */
static void on_signal(int sig)
{
	if (current != NULL) {
		ssize_t w;

		w = write(2, prog, strlen(prog));
		w = write(2, ": crash on ", 11);
		w = write(2, current, strlen(current));
		w = write(2, "\n", 1);
		(void)w;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads a whole file; NULL on error (with a message). */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *b;

			cap = cap ? cap * 2 : 4096;
			if (cap > REPLAY_MAX_BYTES)
				break;
			b = realloc(buf, cap);
			if (b == NULL)
				break;
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: %s: unreadable or too large\n", prog,
		        path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	/* Exactly the input's size, as libFuzzer passes it: a target that
	 * reads past the end then trips AddressSanitizer here too (the
	 * spare capacity of the read buffer hid such reads). */
	{
		uint8_t *b = realloc(buf, n > 0 ? n : 1);

		if (b != NULL)
			buf = b;
	}
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	struct paths p = { 0 };
	size_t i, ran = 0, leaks = 0;
	const char *slash;
	int rc = 0;

	slash = strrchr(argv[0], '/');
	prog = slash ? slash + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", prog);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < (size_t)argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
			        strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (add_dir(&p, argv[i]) != 0)
				rc = 1;
		} else if (paths_add(&p, argv[i]) != 0) {
			rc = 1;
		}
	}
	if (rc != 0)
		goto out;
	if (p.n == 0) {
		fprintf(stderr,
		        "%s: no inputs (an empty corpus tests nothing)\n",
		        prog);
		rc = 1;
		goto out;
	}
	qsort(p.v, p.n, sizeof(*p.v), cmp_path);
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(report_crash);
	signal(SIGILL, on_signal);
	signal(SIGABRT, on_signal);
	for (i = 0; i < p.n; i++) {
		size_t len = 0;
		uint8_t *buf = read_file(p.v[i], &len);

		if (buf == NULL) {
			rc = 1;
			continue;
		}
		current = p.v[i];
		LLVMFuzzerTestOneInput(buf, len);
		current = NULL;
		free(buf);
		ran++;
		/* A leak is a failure of this input, not of the whole run. */
		if (__lsan_do_recoverable_leak_check != NULL &&
		    __lsan_do_recoverable_leak_check() != 0) {
			fprintf(stderr, "%s: leak on %s\n", prog, p.v[i]);
			leaks++;
		}
	}
	printf("%s: %zu inputs, %zu crashes\n", prog, ran, leaks);
	fflush(stdout); /* LSan ends the process at exit without flushing */
	if (leaks > 0)
		rc = 1;
out:
	for (i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	return rc;
}
