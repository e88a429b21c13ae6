/* SPDX-License-Identifier: MIT
 *
 * The exported entry point of sd_ref.so: the one symbol the harness looks
 * up (SD_PLUGIN_ENTRY), returning the reference plugin's table.
 */
#include "ref_plugin.h"

__attribute__((visibility("default"))) const struct sd_stack_plugin *
shakedown_stack_plugin(void);

const struct sd_stack_plugin *shakedown_stack_plugin(void)
{
	return sd_plugin_ref();
}
