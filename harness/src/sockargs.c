/* SPDX-License-Identifier: MIT
 *
 * Reading the arguments of a script's socket calls for the targets that
 * emulate them (sockargs.h).
 */
#include "sockargs.h"

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
