/* SPDX-License-Identifier: MIT
 *
 * The lwIP plugin's table, for the module's entry.c and for programs that
 * link the plugin statically (the differential fuzzer, the cycle test).
 */
#ifndef SD_LWIP_PLUGIN_H
#define SD_LWIP_PLUGIN_H

#include "shakedown/stack_plugin.h"

/*
 * Debian's liblwip (2.1) driven in-process on the harness's clock. lwIP
 * keeps its state in globals, so only one instance lives at a time:
 * create() refuses a second one (returns 1) and destroy() brings lwIP back
 * to a state in which the next create() behaves exactly like the first.
 */
const struct sd_stack_plugin *sd_plugin_lwip(void);

#endif
