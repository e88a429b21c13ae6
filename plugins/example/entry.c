/* SPDX-License-Identifier: MIT
 *
 * The exported entry point of sd_example.so: the one symbol the harness
 * looks up (SD_PLUGIN_ENTRY), returning the example plugin's table. Kept
 * apart so that a binary can link several plugins statically.
 */
#include "example_plugin.h"

__attribute__((visibility("default"))) const struct sd_stack_plugin *
shakedown_stack_plugin(void);

const struct sd_stack_plugin *shakedown_stack_plugin(void)
{
	return sd_plugin_example();
}
