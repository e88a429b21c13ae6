/* SPDX-License-Identifier: MIT
 *
 * The example plugin: a host on which every TCP port is closed, the
 * smallest real stack behind shakedown/stack_plugin.h and the template to
 * copy (harness/PLUGINS.md walks through it).
 */
#ifndef SD_EXAMPLE_PLUGIN_H
#define SD_EXAMPLE_PLUGIN_H

#include "shakedown/stack_plugin.h"

/* The plugin's table (static storage, never freed). */
const struct sd_stack_plugin *sd_plugin_example(void);

#endif
