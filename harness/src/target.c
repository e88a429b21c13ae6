/* SPDX-License-Identifier: MIT
 *
 * Helpers every target shares: recording the values a socket call writes
 * back through its pointer arguments, for the runner to check.
 */
#include <stdio.h>

#include "shakedown/target.h"

void target_sysret_out(struct target_sysret *r, int32_t expr, int64_t val,
                       const char *what)
{
	struct target_out *o;

	if (expr < 0 || r->out_n >= TARGET_OUT_MAX)
		return;
	o = &r->outs[r->out_n++];
	o->expr = expr;
	o->val = val;
	snprintf(o->what, sizeof(o->what), "%s", what);
	r->out_val = r->outs[0].val;
}
