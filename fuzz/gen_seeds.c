/* SPDX-License-Identifier: MIT
 *
 * Generates the seed corpora of the fuzz targets from the conformance
 * scripts: the scripts themselves (fuzz_script), every packet their runs
 * on the reference target exchange, IPv4 and IPv6 (fuzz_wire), or one
 * fuzz_conn input per vector that replays its story (fuzz_conn, see
 * conn_seeds.h).
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conn_seeds.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"
#include "tcpref/wire.h"

#define SEEDS_DEFAULT_MAX 300

struct blob {
	uint64_t hash;  /* FNV-1a of the bytes: the seed's file name */
	uint64_t shape; /* what kind of input it is; one of each goes first */
	size_t len;
	uint8_t *bytes;
};

struct blobs {
	struct blob *v;
	size_t n, cap;
};

struct strs {
	char **v;
	size_t n, cap;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "gen_seeds: out of memory\n");
		exit(1);
	}
	return q;
}

static uint64_t fnv1a(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ull

static void blobs_add(struct blobs *b, const uint8_t *p, size_t len,
                      uint64_t shape)
{
	struct blob *x;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	x = &b->v[b->n++];
	x->hash = fnv1a(p, len, FNV_BASIS);
	x->shape = shape;
	x->len = len;
	x->bytes = xrealloc(NULL, len ? len : 1);
	memcpy(x->bytes, p, len);
}

static void strs_add(struct strs *s, const char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n] = xrealloc(NULL, strlen(str) + 1);
	strcpy(s->v[s->n++], str);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_hash(const void *a, const void *b)
{
	const struct blob *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Collects the .pkt files under 'path' (a file or a directory tree). */
static int find_pkts(struct strs *out, const char *path)
{
	struct stat st;
	struct strs sub = { 0 };
	struct dirent *e;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (ends_with(path, ".pkt"))
			strs_add(out, path);
		return 0;
	}
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char p[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		strs_add(&sub, p);
	}
	closedir(d);
	qsort(sub.v, sub.n, sizeof(*sub.v), cmp_str);
	for (size_t i = 0; i < sub.n; i++) {
		if (find_pkts(out, sub.v[i]) != 0)
			return -1;
		free(sub.v[i]);
	}
	free(sub.v);
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/*
 * The shape of a packet: IP version, protocol, TCP flags, the sequence of
 * option kinds, payload or not, IP options or not. ICMP: version and type.
 */
static uint64_t packet_shape(const uint8_t *p, size_t len)
{
	struct tcp_ip_info ip;
	struct tcp_wire_view v;
	uint8_t key[64];
	size_t k = 0;

	if (len == 0)
		return 0;
	key[k++] = p[0] >> 4;
	if (tcp_wire_ip_parse(p, len, &ip) != TCP_WHY_NONE ||
	    tcp_wire_view_init(&v, ip.tcp, ip.tcp_len) != TCP_WHY_NONE) {
		size_t ihl = (p[0] >> 4) == 4 ? (size_t)(p[0] & 15) * 4 : 40;

		key[k++] = 0xff;
		if (ihl < len)
			key[k++] = p[ihl]; /* ICMP type */
	} else {
		struct tcp_wire_opt_iter it;
		struct tcp_wire_opt o;
		const uint8_t *opts;
		size_t opt_len, pl;
		uint16_t fl = tcp_wire_flags(&v);

		key[k++] = (uint8_t)fl;
		key[k++] = (uint8_t)(fl >> 8);
		key[k++] = ip.ip_hdr_bytes > TCP_IP4_HDR_MIN &&
		           ip.ip_hdr_bytes != TCP_IP6_HDR;
		(void)tcp_wire_payload(&v, &pl);
		key[k++] = pl > 0;
		opts = tcp_wire_opts(&v, &opt_len);
		tcp_wire_opt_iter_init(&it, opts, opt_len);
		while (k < sizeof(key) && tcp_wire_opt_next(&it, &o) > 0)
			key[k++] = o.kind;
	}
	return fnv1a(key, k, FNV_BASIS);
}

/* Runs one script on the reference target and keeps its packets. */
static void run_one(struct blobs *b, const char *path, bool ipv6)
{
	struct script s;
	struct run_result r;
	struct run_opts o;
	struct diag d;
	char dir[4096];
	const char *slash = strrchr(path, '/');

	memset(&s, 0, sizeof(s));
	diag_clear(&d);
	if (script_parse_file(&s, path, &d) != 0)
		return; /* the parser's own test scripts: nothing to run */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
	         slash ? path : ".");
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.target = &target_ref_ops;
	o.topts.script_dir = dir;
	o.keep_raw = true;
	o.ipv6 = ipv6;
	if (run_script(&s, &o, &r) == 0) {
		for (size_t i = 0; i < r.raw_n; i++)
			blobs_add(b, r.raw[i].bytes, r.raw[i].len,
			          packet_shape(r.raw[i].bytes, r.raw[i].len));
	}
	run_result_free(&r);
	script_free(&s);
}

/* Sorts by hash, drops duplicates. */
static void blobs_dedup(struct blobs *b)
{
	size_t w = 0;

	qsort(b->v, b->n, sizeof(*b->v), cmp_hash);
	for (size_t i = 0; i < b->n; i++) {
		if (w > 0 && b->v[w - 1].hash == b->v[i].hash &&
		    b->v[w - 1].len == b->v[i].len &&
		    memcmp(b->v[w - 1].bytes, b->v[i].bytes, b->v[i].len) ==
		        0) {
			free(b->v[i].bytes);
			continue;
		}
		b->v[w++] = b->v[i];
	}
	b->n = w;
}

static int write_seed(const char *outdir, const struct blob *x, size_t *wrote)
{
	char path[4096];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%016llx", outdir,
	         (unsigned long long)x->hash);
	if (stat(path, &st) == 0)
		return 0; /* already there: the name is the content's hash */
	f = fopen(path, "wb");
	if (f == NULL || fwrite(x->bytes, 1, x->len, f) != x->len ||
	    fclose(f) != 0) {
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	(*wrote)++;
	return 0;
}

/*
 * Writes at most 'max' seeds: first one of every shape (in hash order),
 * then the rest in hash order, so that the choice is deterministic and
 * spread over the kinds of input.
 */
static int write_seeds(const char *outdir, struct blobs *b, size_t max,
                       size_t *picked, size_t *wrote)
{
	bool *taken = xrealloc(NULL, (b->n ? b->n : 1) * sizeof(bool));
	int rc = 0;

	memset(taken, 0, (b->n ? b->n : 1) * sizeof(bool));
	*picked = *wrote = 0;
	for (size_t i = 0; i < b->n && *picked < max && rc == 0; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = taken[j] && b->v[j].shape == b->v[i].shape;
		if (seen)
			continue;
		taken[i] = true;
		(*picked)++;
		rc = write_seed(outdir, &b->v[i], wrote);
	}
	for (size_t i = 0; i < b->n && *picked < max && rc == 0; i++) {
		if (taken[i])
			continue;
		taken[i] = true;
		(*picked)++;
		rc = write_seed(outdir, &b->v[i], wrote);
	}
	free(taken);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen_seeds [--max N] [-v] --target wire|script|conn "
	           "OUTDIR PATH...\n"
	           "  PATH: .pkt files or directories searched for them\n"
	           "  conn: one seed per vector, vec-<folder>-<name>; -v "
	           "prints how each\n"
	           "        replays (states compared with the reference)\n");
}

/* The states of a bit set, "LISTEN,ESTABLISHED". */
static void states_str(uint32_t set, char *buf, size_t n)
{
	size_t k = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < TCP_STATE_COUNT && k + 1 < n; i++)
		if (set & (1u << i))
			k +=
			    (size_t)snprintf(buf + k, n - k, "%s%s",
			                     k ? "," : "",
			                     tcp_state_name((enum tcp_state)i));
}

static const char *state_str(int st)
{
	return st < 0 ? "-" : tcp_state_name((enum tcp_state)st);
}

/* The seed's file name: vec-<folder>-<name> of .../<folder>/<name>.pkt. */
static void seed_name(const char *path, char *buf, size_t n)
{
	const char *base = strrchr(path, '/'), *dir = base;
	size_t bl;

	base = base ? base + 1 : path;
	bl = strlen(base);
	if (ends_with(base, ".pkt"))
		bl -= 4;
	while (dir && dir > path && dir[-1] != '/')
		dir--;
	if (dir && dir != base - 1)
		snprintf(buf, n, "vec-%.*s-%.*s", (int)(base - 1 - dir), dir,
		         (int)bl, base);
	else
		snprintf(buf, n, "vec-%.*s", (int)bl, base);
}

/*
 * fuzz_conn: one input per vector (vec-<folder>-<name>), and how closely
 * fuzz_conn's driver follows the reference's run: the state after each
 * event, the states visited and the last one.
 */
static int gen_conn(const char *outdir, const struct strs *pkts, bool verbose)
{
	unsigned seeds = 0, none = 0, failed = 0, final_same = 0;
	unsigned visited_same = 0, all_same = 0, edges_same = 0, limited = 0;
	unsigned long events = 0, written = 0, unsaid = 0, compared = 0;
	unsigned long same = 0, bytes = 0;
	int rc = 0;

	for (size_t k = 0; k < pkts->n; k++) {
		struct conn_seed cs;
		char why[200], name[512], path[4096], a[200], b[200];
		bool edges;
		FILE *f;

		if (conn_seed_make(pkts->v[k], &cs, why, sizeof(why)) != 0) {
			none++;
			printf("gen_seeds: %s: no seed: %s\n", pkts->v[k], why);
			continue;
		}
		seed_name(pkts->v[k], name, sizeof(name));
		edges = memcmp(cs.ref_edges, cs.drv_edges,
		               sizeof(cs.ref_edges)) == 0;
		events += cs.events;
		written += cs.written;
		unsaid += cs.unsaid;
		compared += cs.compared;
		same += cs.same;
		final_same += cs.ref_final == cs.drv_final;
		visited_same += cs.ref_states == cs.drv_states;
		all_same += cs.same == cs.compared;
		edges_same += edges;
		limited += cs.limit != NULL;
		states_str(cs.ref_states, a, sizeof(a));
		states_str(cs.drv_states, b, sizeof(b));
		if (verbose || cs.failed)
			printf("%s: profile %s, %zu bytes, %u records; events "
			       "%u: %u written, %u unsaid%s%s%s; state after "
			       "an event %u/%u the same, final %s/%s, visited "
			       "%s%s%s, changes %s%s%s\n",
			       name, cs.profile, cs.len, cs.records, cs.events,
			       cs.written, cs.unsaid, cs.why[0] ? " (" : "",
			       cs.why, cs.why[0] ? ")" : "", cs.same,
			       cs.compared, state_str(cs.ref_final),
			       state_str(cs.drv_final), a,
			       cs.ref_states == cs.drv_states ? ""
			                                      : " / driver ",
			       cs.ref_states == cs.drv_states ? "" : b,
			       edges ? "the same" : "differ",
			       cs.limit ? "; stops at fuzz_conn's " : "",
			       cs.limit ? cs.limit : "");
		if (cs.failed) {
			/* Not a seed: the oracle or the reference is wrong,
			 * and replay_fuzz_conn would fail on it. */
			failed++;
			printf("gen_seeds: %s: fuzz_conn's oracle fails on its "
			       "seed, left out: %s\n",
			       pkts->v[k], cs.fail);
			conn_seed_free(&cs);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", outdir, name);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(cs.bytes, 1, cs.len, f) != cs.len ||
		    fclose(f) != 0) {
			fprintf(stderr, "gen_seeds: %s: %s\n", path,
			        strerror(errno));
			if (f != NULL)
				fclose(f);
			rc = 1;
		} else {
			seeds++;
			bytes += cs.len;
		}
		conn_seed_free(&cs);
	}
	printf("gen_seeds: fuzz_conn: %zu scripts, %u seeds in %s (%lu "
	       "bytes), %u without a seed, %u left out (an oracle fails)\n",
	       pkts->n, seeds, outdir, bytes, none, failed);
	printf("gen_seeds: fuzz_conn: of %lu events, %lu written as records "
	       "(or needing none), %lu unsaid; the driver's state after an "
	       "event equals the reference's for %lu of %lu\n",
	       events, written, unsaid, same, compared);
	printf("gen_seeds: fuzz_conn: of %u vectors, the driver has every "
	       "state the same %u, the same final state %u, the same states "
	       "visited %u, the same state changes %u; %u stop at a limit of "
	       "fuzz_conn (2 h, 256 records, 512 bytes)\n",
	       seeds + failed, all_same, final_same, visited_same, edges_same,
	       limited);
	return rc;
}

int main(int argc, char **argv)
{
	struct strs pkts = { 0 };
	struct blobs b = { 0 };
	const char *target = NULL, *outdir;
	size_t max = SEEDS_DEFAULT_MAX, picked, wrote;
	bool verbose = false;
	int i = 1, rc = 0;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
			target = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
			max = strtoul(argv[i + 1], NULL, 10);
			i += 2;
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
			i++;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (target == NULL || argc - i < 2 || max == 0 ||
	    (strcmp(target, "wire") != 0 && strcmp(target, "script") != 0 &&
	     strcmp(target, "conn") != 0)) {
		usage(stderr);
		return 2;
	}
	outdir = argv[i++];
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_seeds: %s: %s\n", outdir, strerror(errno));
		return 2;
	}
	for (; i < argc; i++)
		if (find_pkts(&pkts, argv[i]) != 0)
			return 2;
	if (strcmp(target, "conn") == 0) {
		rc = gen_conn(outdir, &pkts, verbose);
		for (size_t k = 0; k < pkts.n; k++)
			free(pkts.v[k]);
		free(pkts.v);
		return rc;
	}
	for (size_t k = 0; k < pkts.n; k++) {
		if (strcmp(target, "script") == 0) {
			size_t len;
			uint8_t *t = slurp(pkts.v[k], &len);

			if (t == NULL) {
				fprintf(stderr, "gen_seeds: %s: %s\n",
				        pkts.v[k], strerror(errno));
				return 2;
			}
			/* One shape per directory: every folder is seeded. */
			const char *sl = strrchr(pkts.v[k], '/');
			blobs_add(&b, t, len,
			          fnv1a((const uint8_t *)pkts.v[k],
			                sl ? (size_t)(sl - pkts.v[k]) : 0,
			                FNV_BASIS));
			free(t);
		} else {
			run_one(&b, pkts.v[k], false);
			run_one(&b, pkts.v[k], true);
		}
	}
	blobs_dedup(&b);
	if (write_seeds(outdir, &b, max, &picked, &wrote) != 0)
		rc = 1;
	printf("gen_seeds: fuzz_%s: %zu scripts, %zu unique inputs, %zu "
	       "picked, %zu new files in %s\n",
	       target, pkts.n, b.n, picked, wrote, outdir);
	for (size_t k = 0; k < pkts.n; k++)
		free(pkts.v[k]);
	free(pkts.v);
	for (size_t k = 0; k < b.n; k++)
		free(b.v[k].bytes);
	free(b.v);
	return rc;
}
