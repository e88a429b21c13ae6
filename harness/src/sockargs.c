/* SPDX-License-Identifier: MIT
 *
 * Reading the arguments of a script's socket calls for the targets that
 * emulate them (sockargs.h).
 */
#include "sockargs.h"

#include <netinet/in.h>
#include <string.h>

#include "symtab.h"

int32_t sockargs_expr(const struct script_event *ev, unsigned i)
{
	const struct script_syscall *sc = &ev->u.sys;

	return i < sc->argc ? sc->args[i] : -1;
}

int sockargs_int(const struct script *s, const struct script_event *ev,
                 unsigned i, int64_t dflt, int64_t *v)
{
	int32_t x = sockargs_expr(ev, i);
	const struct script_expr *e = x < 0 ? NULL : script_expr_at(s, x);
	int rc;

	if (e && e->kind == SCRIPT_EXPR_LIST) {
		if (e->count < 1 || e->first < 0 ||
		    (size_t)e->first >= s->elem_n)
			return -1;
		x = s->elems[e->first];
	}
	rc = symtab_expr_int(s, x, v);
	if (rc == 0)
		*v = dflt;
	return rc < 0 ? -1 : 0;
}

int32_t sockargs_out_expr(const struct script *s, const struct script_event *ev,
                          unsigned i)
{
	int32_t x = sockargs_expr(ev, i);
	const struct script_expr *e = x < 0 ? NULL : script_expr_at(s, x);

	if (!e)
		return -1;
	if (e->kind == SCRIPT_EXPR_LIST) {
		if (e->count < 1 || e->first < 0 ||
		    (size_t)e->first >= s->elem_n)
			return -1;
		return s->elems[e->first];
	}
	return x;
}

int sockargs_bad(struct diag *d, const struct script *s,
                 const struct script_event *ev, unsigned i)
{
	return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
	                "%s: argument %u: expected an integer, a known symbol "
	                "or ...",
	                ev->u.sys.name, i + 1);
}

int sockargs_poll_list(const struct script *s, const struct script_event *ev,
                       struct sockargs_pollfd *p, int max, struct diag *d)
{
	const struct script_expr *l = script_expr_at(s, sockargs_expr(ev, 0));
	int32_t k;

	if (!l || l->kind != SCRIPT_EXPR_LIST || l->first < 0 ||
	    l->count > max || (size_t)l->first + (size_t)l->count > s->elem_n)
		return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
		                "poll: argument 1: expected a list of at most "
		                "%d {fd=..., events=..., revents=...}",
		                max);
	for (k = 0; k < l->count; k++) {
		int32_t e = s->elems[l->first + k];

		p[k].events = 0; /* "events=..." asks for none */
		if (symtab_expr_int(s, symtab_struct_field(s, e, "fd"),
		                    &p[k].fd) != 1 ||
		    symtab_expr_int(s, symtab_struct_field(s, e, "events"),
		                    &p[k].events) < 0)
			return diag_set(d, s->path, ev->line, ev->col, NULL, 0,
			                "poll: entry %d: expected {fd=N, "
			                "events=..., revents=...}",
			                (int)k + 1);
		p[k].revents_expr = symtab_struct_field(s, e, "revents");
	}
	return l->count;
}

int sockargs_opt_name(const struct script *s, const struct script_event *ev,
                      int64_t *level, int64_t *name, struct diag *d)
{
	if (sockargs_int(s, ev, 1, -1, level) != 0)
		return sockargs_bad(d, s, ev, 1);
	if (sockargs_int(s, ev, 2, -1, name) != 0)
		return sockargs_bad(d, s, ev, 2);
	return 0;
}

bool sockargs_is_linger(int64_t level, int64_t name)
{
	return level == SOL_SOCKET && name == SO_LINGER;
}

int sockargs_setsockopt(const struct script *s, const struct script_event *ev,
                        int64_t *level, int64_t *name,
                        union sockargs_optval *val, unsigned *len,
                        struct diag *d)
{
	int32_t x = sockargs_expr(ev, 3);
	unsigned natural = sizeof(int);
	int64_t v = 0, n;

	memset(val, 0, sizeof(*val));
	if (sockargs_opt_name(s, ev, level, name, d) != 0)
		return -1;
	if (sockargs_is_linger(*level, *name)) {
		int64_t on = 0, secs = 0;

		if (symtab_expr_int(s, symtab_struct_field(s, x, "l_onoff"),
		                    &on) < 0 ||
		    symtab_expr_int(s, symtab_struct_field(s, x, "l_linger"),
		                    &secs) < 0)
			return sockargs_bad(d, s, ev, 3);
		val->l.l_onoff = (int)on;
		val->l.l_linger = (int)secs;
		natural = sizeof(struct linger);
	} else if (*level == IPPROTO_IP && *name == IP_OPTIONS) {
		int nb = symtab_expr_bytes(s, x, val->b, sizeof(val->b));

		if (nb < 0)
			return sockargs_bad(d, s, ev, 3);
		natural = (unsigned)nb;
	} else {
		if (sockargs_int(s, ev, 3, 0, &v) != 0)
			return sockargs_bad(d, s, ev, 3);
		val->i = (int)v;
	}
	if (sockargs_int(s, ev, 4, natural, &n) != 0)
		return sockargs_bad(d, s, ev, 4);
	*len = n < 0 || n > (int64_t)sizeof(*val) ? natural : (unsigned)n;
	return 0;
}

void sockargs_getsockopt_out(const struct script *s,
                             const struct script_event *ev, bool linger,
                             const union sockargs_optval *val, int64_t len,
                             struct target_sysret *r)
{
	if (linger) {
		int32_t x = sockargs_expr(ev, 3);

		target_sysret_out(r, symtab_struct_field(s, x, "l_onoff"),
		                  val->l.l_onoff, "l_onoff");
		target_sysret_out(r, symtab_struct_field(s, x, "l_linger"),
		                  val->l.l_linger, "l_linger");
	} else {
		target_sysret_out(r, sockargs_out_expr(s, ev, 3), val->i,
		                  "optval");
	}
	target_sysret_out(r, sockargs_out_expr(s, ev, 4), len, "optlen");
}
