/* SPDX-License-Identifier: MIT
 *
 * The reference stack (stack/) as a plugin: the table of
 * shakedown/stack_plugin.h, for entry.c and for binaries that link several
 * plugins statically (a differential fuzzer).
 */
#ifndef SD_REF_PLUGIN_H
#define SD_REF_PLUGIN_H

#include "shakedown/stack_plugin.h"

/* The plugin's table (static storage, never freed). */
const struct sd_stack_plugin *sd_plugin_ref(void);

#endif
