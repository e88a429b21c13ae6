/* SPDX-License-Identifier: MIT
 *
 * Broken plugin modules for the loader's messages (harness/tests/
 * test_plugin.sh), one per build: SD_BAD_NOSYM exports no entry symbol,
 * SD_BAD_ABI claims ABI 999, SD_BAD_MISSING has create() and destroy() but
 * no input().
 */
#include <stddef.h>

#include "shakedown/stack_plugin.h"

#ifdef SD_BAD_NOSYM
/* Something exported, but not SD_PLUGIN_ENTRY. */
int sd_bad_not_a_plugin(void);

int sd_bad_not_a_plugin(void)
{
	return 0;
}
#else
static int bad_create(void **inst, const struct sd_plugin_config *cfg,
                      char *why, size_t why_n)
{
	(void)cfg;
	(void)why;
	(void)why_n;
	*inst = NULL;
	return -1;
}

static void bad_destroy(void *inst)
{
	(void)inst;
}

static const struct sd_stack_plugin bad = {
#ifdef SD_BAD_ABI
	.abi = 999,
#else
	.abi = SD_PLUGIN_ABI,
#endif
	.name = "bad",
	.description = "a broken module for the loader's tests",
	.create = bad_create,
	.destroy = bad_destroy,
};

const struct sd_stack_plugin *shakedown_stack_plugin(void);

const struct sd_stack_plugin *shakedown_stack_plugin(void)
{
	return &bad;
}
#endif
