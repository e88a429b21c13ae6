/* SPDX-License-Identifier: MIT
 *
 * The exported entry point of sd_lwip.so: the harness finds it with
 * dlsym(SD_PLUGIN_ENTRY) and gets the lwIP plugin's table.
 */
#include "lwip_plugin.h"

__attribute__((visibility("default"))) const struct sd_stack_plugin *
shakedown_stack_plugin(void);

__attribute__((visibility("default"))) const struct sd_stack_plugin *
shakedown_stack_plugin(void)
{
	return sd_plugin_lwip();
}
