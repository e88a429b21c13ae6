/* SPDX-License-Identifier: MIT
 *
 * Helpers every target shares: recording the values a socket call writes
 * back through its pointer arguments, for the runner to check, and reading
 * a socket address argument.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "shakedown/target.h"
#include "symtab.h"

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

int target_sockaddr_arg(const struct script *s, int32_t expr, bool same_family,
                        struct tcp_addr *a, uint16_t *port)
{
	struct symtab_sockaddr sa;
	int rc = symtab_sockaddr(s, expr, &sa);

	if (rc <= 0)
		return rc;
	if (same_family &&
	    (sa.family == AF_INET6) != (a->family == TCP_AF_INET6))
		return 1;
	if (sa.has_addr) {
		memset(a, 0, sizeof(*a));
		a->family = sa.family == AF_INET6 ? TCP_AF_INET6 : TCP_AF_INET;
		memcpy(a->a, sa.addr, sa.family == AF_INET6 ? 16 : 4);
	}
	if (sa.has_port)
		*port = sa.port;
	return 0;
}
