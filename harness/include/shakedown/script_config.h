/* SPDX-License-Identifier: MIT
 *
 * The "// config:" settings of the reference stack (conformance/SYNTAX.md,
 * "Reference stack settings") as one header-only table and checker, so that
 * the script parser and the reference plugin (plugins/ref, which links no
 * harness code) read the same names and bounds.
 */
#ifndef SHAKEDOWN_SCRIPT_CONFIG_H
#define SHAKEDOWN_SCRIPT_CONFIG_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shakedown/script.h"

/* One setting: its name and the smallest and largest value. */
struct script_config_info {
	const char *name;
	uint64_t min, max;
};

/* The setting of key k, or NULL when k is out of range. */
static inline const struct script_config_info *
script_config_info(enum script_config_key k)
{
	/* clang-format off */
	static const struct script_config_info keys[SCRIPT_CFG_COUNT] = {
		/* default, rfc5961, legacy (names) */
		[SCRIPT_CFG_PROFILE] = { "profile", 0, 2 },
		[SCRIPT_CFG_TIMESTAMPS] = { "timestamps", 0, 1 },
		[SCRIPT_CFG_SACK] = { "sack", 0, 1 },
		[SCRIPT_CFG_WSCALE] = { "wscale", 0, 1 },
		/* off, accept, on (enum tcp_ecn_mode) */
		[SCRIPT_CFG_ECN] = { "ecn", 0, 2 },
		[SCRIPT_CFG_RFC1337] = { "rfc1337", 0, 1 },
		[SCRIPT_CFG_DELAYED_ACK] = { "delayed_ack", 0, 1 },
		[SCRIPT_CFG_NAGLE] = { "nagle", 0, 1 },
		[SCRIPT_CFG_MSS] = { "mss", 64, 65495 },
		[SCRIPT_CFG_MSL_MS] = { "msl_ms", 1, 3600000 },
		[SCRIPT_CFG_KEEPALIVE_IDLE_MS] = { "keepalive_idle_ms", 1, 86400000 },
		[SCRIPT_CFG_KEEPALIVE_INTVL_MS] = { "keepalive_intvl_ms", 1, 86400000 },
		[SCRIPT_CFG_KEEPALIVE_PROBES] = { "keepalive_probes", 1, 1000 },
		[SCRIPT_CFG_USER_TIMEOUT_MS] = { "user_timeout_ms", 1, 86400000 },
		[SCRIPT_CFG_KEEPALIVE] = { "keepalive", 0, 1 },
		[SCRIPT_CFG_RCVBUF] = { "rcvbuf", 256, 65536 },
		[SCRIPT_CFG_SNDBUF] = { "sndbuf", 256, 65536 },
	};
	/* clang-format on */

	return (unsigned)k < SCRIPT_CFG_COUNT ? &keys[k] : NULL;
}

/* The names of the values of "profile=", by value. */
static inline const char *script_config_profile_name(uint64_t v)
{
	static const char *const names[] = { "default", "rfc5961", "legacy" };

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : NULL;
}

/*
 * Checks one "KEY=VALUE" word (the word may be untrusted). Returns 0 with
 * the key in *key and the value in *val (profile: 0 default, 1 rfc5961, 2
 * legacy), or -1 with a one-line message in why[0..n).
 */
static inline int script_config_parse(const char *word,
                                      enum script_config_key *key,
                                      uint64_t *val, char *why, size_t n)
{
	const char *eq = strchr(word, '=');
	const struct script_config_info *ci = NULL;
	size_t kl;
	unsigned i;
	char *end;

	if (!eq) {
		snprintf(why, n, "config: expected KEY=VALUE, got '%s'", word);
		return -1;
	}
	kl = (size_t)(eq - word);
	for (i = 0; i < SCRIPT_CFG_COUNT; i++) {
		ci = script_config_info((enum script_config_key)i);
		if (strlen(ci->name) == kl && memcmp(ci->name, word, kl) == 0)
			break;
	}
	if (i == SCRIPT_CFG_COUNT) {
		snprintf(
		    why, n,
		    "config: unknown setting '%.*s' (the settings are listed "
		    "in conformance/SYNTAX.md, 'Reference stack "
		    "settings')",
		    (int)kl, word);
		return -1;
	}
	*key = (enum script_config_key)i;
	if (i == SCRIPT_CFG_PROFILE) { /* a name */
		uint64_t j;

		for (j = 0; script_config_profile_name(j) != NULL; j++)
			if (strcmp(eq + 1, script_config_profile_name(j)) ==
			    0) {
				*val = j;
				return 0;
			}
		snprintf(why, n,
		         "config: profile must be default, rfc5961 or legacy, "
		         "got '%s'",
		         eq + 1);
		return -1;
	}
	errno = 0;
	*val = strtoull(eq + 1, &end, 10);
	if (eq[1] < '0' || eq[1] > '9' || *end != '\0' || errno != 0 ||
	    *val < ci->min || *val > ci->max) {
		snprintf(why, n,
		         "config: %s must be a number from %llu to %llu, "
		         "got '%s'",
		         ci->name, (unsigned long long)ci->min,
		         (unsigned long long)ci->max, eq + 1);
		return -1;
	}
	return 0;
}

#endif
