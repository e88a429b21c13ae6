/* SPDX-License-Identifier: MIT
 *
 * shakedown repro --diff STACK FILE: a fuzz_diff input to a .pkt script from
 * the reference's point of view (the peer's segments inbound, the calls as
 * non-blocking socket calls, what the reference sent outbound), so that
 * `shakedown run --target ref` passes it and `--target STACK` fails where
 * the two stacks differ. Both plugins are loaded from the build's plugins/
 * folder (sd_ref.so, sd_STACK.so) and driven by fuzz/fuzz_diff.c.
 */
#include "repro_diff.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_diff.h"
#include "shakedown/target.h"

#define RD_MAX_INPUT 65536
#define RD_FDS 16

/* The script being written. */
struct rd {
	FILE *out;
	unsigned line;    /* lines written so far */
	uint64_t last_us; /* time of the previous event */
	bool started;
	uint32_t peer_isn;
	bool isn_ok; /* the reference's ISN is known */
	uint32_t isn;
	int lfd, cfd; /* the script's listener and connection fds */
	bool used[RD_FDS];
	unsigned diff_line; /* the line of the differing record */
	unsigned rec_line;  /* first line of the current record */
	struct fd_diff d;
	bool have_diff;
};

__attribute__((format(printf, 3, 4))) static void
emit(struct rd *r, uint64_t now_us, const char *fmt, ...)
{
	va_list ap;
	uint64_t dt = r->started ? now_us - r->last_us : now_us;

	if (!r->started)
		fprintf(r->out, "%llu.%06llu ",
		        (unsigned long long)(dt / 1000000u),
		        (unsigned long long)(dt % 1000000u));
	else
		fprintf(r->out, "+%llu.%06llu ",
		        (unsigned long long)(dt / 1000000u),
		        (unsigned long long)(dt % 1000000u));
	r->started = true;
	r->last_us = now_us;
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
	r->line++;
}

static void flags_word(uint8_t fl, char *b)
{
	int n = 0;

	if (fl & 0x02)
		b[n++] = 'S';
	if (fl & 0x01)
		b[n++] = 'F';
	if (fl & 0x04)
		b[n++] = 'R';
	if (fl & 0x08)
		b[n++] = 'P';
	if (fl & 0x20)
		b[n++] = 'U';
	if (fl & 0x40)
		b[n++] = 'E';
	if (fl & 0x80)
		b[n++] = 'W';
	if (fl & 0x10)
		b[n++] = '.';
	b[n] = 0;
}

static void opts_text(const struct fd_seg *s, char *b, size_t n)
{
	size_t k = 0;

	b[0] = 0;
	if (!s->opts)
		return;
	k += (size_t)snprintf(b + k, n - k, " <");
	if (s->opts & FD_OPT_MSS)
		k += (size_t)snprintf(b + k, n - k, "mss %u,", s->mss);
	if (s->opts & FD_OPT_WS)
		k += (size_t)snprintf(b + k, n - k, "nop,wscale %u,", s->ws);
	if (s->opts & FD_OPT_SACKOK)
		k += (size_t)snprintf(b + k, n - k, "nop,nop,sackOK,");
	if (s->opts & FD_OPT_TS)
		k += (size_t)snprintf(b + k, n - k, "nop,nop,TS val %u ecr %u,",
		                      s->tsval, s->tsecr);
	if (k > 2 && b[k - 1] == ',')
		k--;
	snprintf(b + k, n - k, ">");
}

static void obs_setup(void *ctx, uint32_t peer_isn)
{
	struct rd *r = ctx;

	r->peer_isn = peer_isn;
}

static void obs_seg(void *ctx, int side, uint64_t now_us,
                    const struct fd_seg *s)
{
	struct rd *r = ctx;
	char fl[10], ack[32] = "", o[128];
	uint32_t seq = s->seq - r->peer_isn;
	bool syn = s->flags & 0x02;

	if (side != 0)
		return;
	r->rec_line = r->line + 1;
	flags_word(s->flags, fl);
	if (fl[0] == 0) {
		/* A segment without flags: the script language has none. */
		fprintf(r->out,
		        "// (a segment without any flag: not written)\n");
		r->line++;
		return;
	}
	if (s->flags & 0x10)
		snprintf(ack, sizeof(ack), " ack %u",
		         s->ack - (r->isn_ok ? r->isn : 0));
	opts_text(s, o, sizeof(o));
	if (syn && s->seq == r->peer_isn)
		seq = 0;
	emit(r, now_us, "< %s %u:%u(%u)%s win %u%s%s", fl, seq, seq + s->len,
	     s->len, ack, s->wnd, (s->flags & 0x20) ? "" : "", o);
}

static void obs_out(void *ctx, int side, uint64_t now_us,
                    const struct fd_seg *s, bool timer)
{
	struct rd *r = ctx;
	char fl[10], ack[32] = "";
	uint32_t seq;

	(void)timer;
	if (side != 0)
		return;
	if ((s->flags & 0x02) && (!r->isn_ok || s->seq != r->isn)) {
		r->isn_ok = true;
		r->isn = s->seq;
	}
	seq = s->seq - (r->isn_ok ? r->isn : 0);
	flags_word(s->flags, fl);
	if (s->flags & 0x10)
		snprintf(ack, sizeof(ack), " ack %u", s->ack - r->peer_isn);
	emit(r, now_us, "> %s %u:%u(%u)%s%s", fl, seq, seq + s->len, s->len,
	     ack, s->opts ? " <...>" : "");
}

static int new_fd(struct rd *r)
{
	int i;

	for (i = 3; i < RD_FDS; i++)
		if (!r->used[i]) {
			r->used[i] = true;
			return i;
		}
	return -1;
}

static void ret_text(long ret, char *b, size_t n)
{
	if (ret >= 0)
		snprintf(b, n, "%ld", ret);
	else
		snprintf(b, n, "-1 %s",
		         strerrorname_np((int)-ret) ? strerrorname_np((int)-ret)
		                                    : "EIO");
}

static void obs_app(void *ctx, uint64_t now_us, enum fd_call c, uint32_t arg,
                    long ra, long rb)
{
	struct rd *r = ctx;
	char t[64];
	int fd;

	(void)rb;
	r->rec_line = r->line + 1;
	ret_text(ra, t, sizeof(t));
	switch (c) {
	case FD_CALL_LISTEN:
		if (r->lfd >= 0) {
			emit(r, now_us, "listen(%d, %u) = %s", r->lfd, arg, t);
			break;
		}
		fd = new_fd(r);
		emit(r, now_us, "socket(..., SOCK_STREAM, IPPROTO_TCP) = %d",
		     fd);
		emit(r, now_us, "fcntl(%d, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
		     fd);
		emit(r, now_us,
		     "setsockopt(%d, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
		     fd);
		emit(r, now_us, "bind(%d, ..., ...) = 0", fd);
		emit(r, now_us, "listen(%d, %u) = %s", fd, arg, t);
		if (ra >= 0)
			r->lfd = fd;
		else
			r->used[fd] = false;
		break;
	case FD_CALL_ACCEPT:
		if (r->lfd < 0)
			break;
		if (ra >= 0) {
			if (r->cfd >= 0)
				emit(r, now_us, "close(%d) = 0", r->cfd);
			else
				r->cfd = new_fd(r);
			emit(r, now_us, "accept(%d, ..., ...) = %d", r->lfd,
			     r->cfd);
		} else {
			emit(r, now_us, "accept(%d, ..., ...) = %s", r->lfd, t);
		}
		break;
	case FD_CALL_CONNECT:
		if (r->cfd >= 0)
			break;
		fd = new_fd(r);
		r->cfd = fd;
		emit(r, now_us, "socket(..., SOCK_STREAM, IPPROTO_TCP) = %d",
		     fd);
		emit(r, now_us, "fcntl(%d, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
		     fd);
		emit(r, now_us, "connect(%d, ..., ...) = %s", fd, t);
		break;
	case FD_CALL_SEND:
		if (r->cfd >= 0)
			emit(r, now_us, "write(%d, ..., %u) = %s", r->cfd, arg,
			     t);
		break;
	case FD_CALL_RECV:
		if (r->cfd >= 0)
			emit(r, now_us, "read(%d, ..., %u) = %s", r->cfd, arg,
			     t);
		break;
	case FD_CALL_SHUT_WR:
	case FD_CALL_SHUT_RDWR:
		if (r->cfd >= 0)
			emit(r, now_us, "shutdown(%d, %s) = %s", r->cfd,
			     c == FD_CALL_SHUT_WR ? "SHUT_WR" : "SHUT_RDWR", t);
		break;
	case FD_CALL_ABORT:
		if (r->cfd < 0)
			break;
		emit(r, now_us,
		     "setsockopt(%d, SOL_SOCKET, SO_LINGER, {l_onoff=1, "
		     "l_linger=0}, 8) = 0",
		     r->cfd);
		/* fall through */
	case FD_CALL_CLOSE:
		if (r->cfd < 0)
			break;
		emit(r, now_us, "close(%d) = %s", r->cfd, t);
		r->used[r->cfd] = false;
		r->cfd = -1;
		break;
	case FD_CALL_CLOSE_LISTENER:
		if (r->lfd < 0)
			break;
		emit(r, now_us, "close(%d) = %s", r->lfd, t);
		r->used[r->lfd] = false;
		r->lfd = -1;
		break;
	case FD_CALL_NODELAY:
		if (r->cfd >= 0)
			emit(
			    r, now_us,
			    "setsockopt(%d, IPPROTO_TCP, TCP_NODELAY, [%u], 4) "
			    "= %s",
			    r->cfd, arg & 1, t);
		break;
	case FD_CALL_KEEPALIVE:
		if (r->cfd >= 0)
			emit(
			    r, now_us,
			    "setsockopt(%d, SOL_SOCKET, SO_KEEPALIVE, [%u], 4) "
			    "= %s",
			    r->cfd, arg & 1, t);
		break;
	case FD_CALL_POLL:
		if (r->cfd >= 0 && ra >= 0)
			emit(r, now_us,
			     "poll([{fd=%d, events=POLLIN|POLLOUT, "
			     "revents=%s%s%s%s}], 1, 0) = %d",
			     r->cfd, (ra & POLLIN) ? "POLLIN|" : "",
			     (ra & POLLOUT) ? "POLLOUT|" : "",
			     (ra & POLLERR) ? "POLLERR|" : "",
			     (ra & POLLHUP) ? "POLLHUP" : "0", ra ? 1 : 0);
		break;
	default:
		break;
	}
}

static void obs_diff(void *ctx, const struct fd_diff *d)
{
	struct rd *r = ctx;

	r->d = *d;
	r->have_diff = true;
	r->diff_line = r->rec_line;
}

/*
 * The plugin named 'name', found and checked as `--target NAME` does
 * (target_plugin_find, target_plugin_load); NULL after saying why.
 */
static const struct sd_stack_plugin *load(struct target_plugin *m,
                                          const char *name, FILE *log)
{
	char path[TARGET_PLUGIN_PATH_MAX], why[DIAG_MSG_MAX];

	if (target_plugin_find(name, path, sizeof(path), why, sizeof(why)) !=
	        0 ||
	    target_plugin_load(m, path, why, sizeof(why)) != 0) {
		fprintf(log, "shakedown repro: %s\n", why);
		return NULL;
	}
	return m->table;
}

/* A run of the input for the script (A with its defaults, as on
 * --target ref), or for the verdict (cfg as the fuzzer has it). */
static enum fd_verdict run(struct fd_cfg *cfg, const uint8_t *in, size_t n,
                           struct rd *r, FILE *out)
{
	struct fd_obs obs = { 0 };

	memset(r, 0, sizeof(*r));
	r->out = out;
	r->lfd = r->cfd = -1;
	obs.ctx = r;
	obs.setup = obs_setup;
	obs.seg = obs_seg;
	obs.out = obs_out;
	obs.app = obs_app;
	obs.diff = obs_diff;
	return fd_run(cfg, in, n, out ? &obs : NULL, &r->d);
}

/* Same field and record kind: the same difference for shrinking. */
static bool same_diff(const struct fd_diff *a, const struct fd_diff *b)
{
	return a->sig == b->sig;
}

int repro_diff_main(const char *stack, const char *in_path,
                    const char *out_path, bool do_shrink, FILE *log)
{
	static uint8_t in[RD_MAX_INPUT], trial[RD_MAX_INPUT];
	/* The modules stay loaded until the process ends: the CLI runs one
	 * repro and exits. */
	static struct target_plugin mods[2];
	struct fd_cfg cfg;
	struct rd r;
	struct fd_diff want;
	enum fd_verdict v;
	FILE *f, *out;
	size_t n, chunk, i;

	memset(&cfg, 0, sizeof(cfg));
	memset(mods, 0, sizeof(mods));
	cfg.a = load(&mods[0], "ref", log);
	cfg.b = load(&mods[1], stack, log);
	if (!cfg.a || !cfg.b)
		return 2;
	cfg.b_profile = stack;
	/* The known findings stay normalized unless FUZZ_DIFF_KNOWN=0, as in
	 * the fuzzer; the reference's defaults offer timestamps and SACK on
	 * a SYN, which the script's "<...>" does not check. */
	cfg.known = !(getenv("FUZZ_DIFF_KNOWN") &&
	              strcmp(getenv("FUZZ_DIFF_KNOWN"), "0") == 0);
	cfg.opt_mask = FD_OPT_MSS | FD_OPT_WS | FD_OPT_OTHER; /* DIFF.md A17 */
	f = fopen(in_path, "rb");
	if (!f) {
		fprintf(log, "shakedown repro: %s: %s\n", in_path,
		        strerror(errno));
		return 2;
	}
	n = fread(in, 1, sizeof(in), f);
	fclose(f);
	/* The script is the reference with its defaults (what --target ref
	 * runs), so the difference must show with them too. */
	v = run(&cfg, in, n, &r, NULL);
	if (v == FD_SKIP) {
		fprintf(log, "shakedown repro: cannot run: %s\n", r.d.a);
		return 2;
	}
	if (v != FD_DIFF) {
		fprintf(log,
		        "shakedown repro: no difference between ref and %s "
		        "(with the reference's defaults)%s\n",
		        stack,
		        v == FD_DESYNC ? "; the run desynchronized" : "");
		return 1;
	}
	want = r.d;
	fprintf(log, "shakedown repro: record %u: %s differs: ref %s, %s %s\n",
	        want.rec, want.field, want.a, stack, want.b);
	if (do_shrink) {
		for (chunk = 16; chunk >= 1; chunk /= 2) {
			for (i = 1; i + chunk <= n;) {
				memcpy(trial, in, i);
				memcpy(trial + i, in + i + chunk,
				       n - i - chunk);
				if (run(&cfg, trial, n - chunk, &r, NULL) ==
				        FD_DIFF &&
				    same_diff(&r.d, &want)) {
					n -= chunk;
					memcpy(in, trial, n);
				} else {
					i++;
				}
			}
			if (chunk == 1)
				break;
		}
		fprintf(log, "shakedown repro: shrunk to %zu bytes\n", n);
	}
	out = out_path ? fopen(out_path, "w") : stdout;
	if (!out) {
		fprintf(log, "shakedown repro: %s: %s\n", out_path,
		        strerror(errno));
		return 2;
	}
	fprintf(out,
	        "// A difference between the reference and %s found by "
	        "fuzz_diff (shakedown repro --diff %s).\n"
	        "// tags: fuzz_diff\n",
	        stack, stack);
	v = run(&cfg, in, n, &r, out);
	r.line += 2;
	if (v == FD_DIFF)
		fprintf(
		    out,
		    "// The stacks differ in the record at line %u: %s: ref "
		    "%s, %s %s\n",
		    r.diff_line + 2, r.d.field, r.d.a, stack, r.d.b);
	if (out != stdout)
		fclose(out);
	fprintf(log,
	        "shakedown repro: written%s%s; the stacks differ in the record "
	        "at line %u "
	        "(shakedown run --target ref passes it, --target %s should "
	        "fail there)\n",
	        out_path ? " to " : "", out_path ? out_path : "",
	        r.diff_line + 2, stack);
	return 0;
}
