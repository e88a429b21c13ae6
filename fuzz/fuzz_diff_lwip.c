/* SPDX-License-Identifier: MIT
 *
 * fuzz_diff_lwip: lwIP (plugins/lwip, Debian's liblwip) against the
 * reference (plugins/ref), both linked in, through fuzz_diff.c. Each new
 * difference signature is printed once and becomes a libFuzzer feature;
 * FUZZ_DIFF_STRICT=1 traps on the first difference instead.
 *
 * Environment: FUZZ_DIFF_STRICT=1 (trap), FUZZ_DIFF_DEBUG=1 (every record
 * and packet), FUZZ_DIFF_SELF=1 (B is the reference too: must give no
 * difference at all), FUZZ_DIFF_QUIET=1 (no signature lines),
 * FUZZ_DIFF_KNOWN=0 (report the known findings of DIFF.md too),
 * FUZZ_DIFF_STATS=1 (counts at exit), FUZZ_DIFF_SAVE=DIR (the first input
 * of each new signature as DIR/sig-XXX, for `shakedown repro --diff`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_diff.h"
#include "lwip_plugin.h"
#include "ref_plugin.h"

#define SIG_N 4096
#define COV_N 16384

/* libFuzzer reads these after each input as features of their own. */
__attribute__((section("__libfuzzer_extra_counters"),
               used)) static uint8_t g_sig[SIG_N];
__attribute__((section("__libfuzzer_extra_counters"),
               used)) static uint8_t g_cov[COV_N];

static uint8_t g_seen[SIG_N / 8];
static struct fd_cfg g_cfg;
static bool g_strict, g_quiet, g_self, g_armed;
static const char *g_save;
static unsigned long g_runs, g_diffs, g_sigs, g_desyncs;

static const char *const kind_name[FD_REC_KINDS] = { "time", "seg", "app" };

static void stats(void)
{
	fprintf(stderr,
	        "fuzz_diff_lwip: %lu inputs, %lu with a difference (%lu "
	        "signatures), %lu desynchronized (allowed)\n",
	        g_runs, g_diffs, g_sigs, g_desyncs);
}

static void arm(void)
{
	const char *e;

	if (g_armed)
		return;
	g_armed = true;
	g_strict = (e = getenv("FUZZ_DIFF_STRICT")) && *e == '1';
	g_quiet = (e = getenv("FUZZ_DIFF_QUIET")) && *e == '1';
	g_self = (e = getenv("FUZZ_DIFF_SELF")) && *e == '1';
	g_cfg.a = sd_plugin_ref();
	g_cfg.b = g_self ? sd_plugin_ref() : sd_plugin_lwip();
	g_cfg.a_config = fd_ref_lwip_config;
	g_cfg.a_config_n = fd_ref_lwip_config_n;
	g_cfg.b_profile = "lwip";
	g_cfg.sig_counters = g_sig;
	g_cfg.sig_n = SIG_N;
	g_cfg.cov_counters = g_cov;
	g_cfg.cov_n = COV_N;
	g_cfg.debug = (e = getenv("FUZZ_DIFF_DEBUG")) && *e == '1';
	g_cfg.log = g_strict || g_self;
	g_cfg.known = !((e = getenv("FUZZ_DIFF_KNOWN")) && *e == '0');
	if (g_self) {
		/* B gets A's configuration: the same stack twice. */
		g_cfg.b_profile = "default";
		g_cfg.b_config = fd_ref_lwip_config;
		g_cfg.b_config_n = fd_ref_lwip_config_n;
	}
	g_save = getenv("FUZZ_DIFF_SAVE");
	if ((e = getenv("FUZZ_DIFF_STATS")) && *e == '1')
		atexit(stats);
}

/* The input of a new signature, as FUZZ_DIFF_SAVE/sig-XXX. */
static void save(unsigned idx, const uint8_t *data, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sig-%03x", g_save, idx);
	f = fopen(path, "wb");
	if (!f)
		return;
	if (fwrite(data, 1, size, f) != size)
		fprintf(stderr, "fuzz_diff_lwip: cannot write %s\n", path);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fd_diff d;
	enum fd_verdict v;
	unsigned idx;

	arm();
	g_runs++;
	v = fd_run(&g_cfg, data, size, NULL, &d);
	if (v == FD_DESYNC)
		g_desyncs++;
	if (v == FD_SKIP) {
		fprintf(stderr, "fuzz_diff_lwip: cannot run: %s\n", d.a);
		abort();
	}
	if (v != FD_DIFF)
		return 0;
	g_diffs++;
	if (g_strict || g_self) {
		fprintf(stderr,
		        "fuzz_diff_lwip: difference at record %u (%s%s%s, "
		        "reference in %s): %s: reference %s, %s %s\n"
		        "records:\n%s",
		        d.rec, kind_name[d.kind], d.call >= 0 ? " " : "",
		        d.call >= 0 ? fd_call_name((enum fd_call)d.call) : "",
		        d.state, d.field, d.a, g_cfg.b->name, d.b, fd_log());
		__builtin_trap();
	}
	idx = d.sig % SIG_N;
	g_sig[idx] = 1;
	if (!(g_seen[idx / 8] & (1u << (idx % 8)))) {
		g_seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
		g_sigs++;
		if (g_save)
			save(idx, data, size);
		if (!g_quiet)
			fprintf(stderr,
			        "fuzz_diff_lwip: new signature %03x: %s%s%s in "
			        "%s: %s: reference %s, %s %s\n",
			        idx, kind_name[d.kind], d.call >= 0 ? " " : "",
			        d.call >= 0 ? fd_call_name((enum fd_call)d.call)
			                    : "",
			        d.state, d.field, d.a, g_cfg.b->name, d.b);
	}
	return 0;
}
