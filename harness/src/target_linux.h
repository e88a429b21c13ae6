/* SPDX-License-Identifier: MIT
 *
 * Internals of the linux target, shared by target_linux.c (the private
 * network namespace, the TAP device, the clock, frames, shell commands, the
 * kernel's TCP state) and sock_linux.c (the script's socket calls as real
 * system calls, run on a worker thread so that blocking calls never stall
 * the packet side).
 */
#ifndef SHAKEDOWN_TARGET_LINUX_H
#define SHAKEDOWN_TARGET_LINUX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "pktq.h"
#include "shakedown/target.h"

#define LX_FDS 32         /* script descriptors 3 .. 3 + LX_FDS - 1 */
#define LX_FD_BASE 3      /* packetdrill scripts expect socket() = 3 */
#define LX_POLL_MAX 8     /* pollfd entries of one poll() */
#define LX_IO_MAX 65536   /* read()/write() bytes per call at most */
#define LX_QUEUE_MAX 4096 /* frames read but not yet taken */
#define LX_GRACE_US 1500  /* a call still running after this blocks */

/* The system call the worker thread runs. */
enum lx_op {
	LX_OP_NONE,
	LX_OP_ACCEPT,
	LX_OP_CONNECT,
	LX_OP_READ,  /* recv(fd, buf, len, flags) */
	LX_OP_WRITE, /* send(fd, buf, len, flags | MSG_NOSIGNAL) */
	LX_OP_CLOSE,
	LX_OP_POLL,
	LX_OP_SHUTDOWN,
	LX_OP_OTHER, /* a call made on the main thread, result in place */
};

/* One call handed to the worker, and what it returned. */
struct lx_call {
	enum lx_op op;
	int fd;  /* real descriptor */
	int arg; /* flags, how */
	size_t len;
	void *buf;
	uint8_t addr[28]; /* sockaddr for connect */
	unsigned addr_len;
	struct {
		int fd;
		short events, revents;
	} pfd[LX_POLL_MAX];
	int nfds;
	int timeout_ms;
	/* Results, written by the worker. */
	long ret;
	int err;
	uint64_t t_us;
	/* For the translation of the result on the main thread. */
	const struct script *s;
	const struct script_event *ev;
	int32_t revents_expr[LX_POLL_MAX];
	bool pfd_nval[LX_POLL_MAX];
};

struct target {
	struct target_opts o;
	char script_dir[4096];
	uint64_t t0_ns; /* CLOCK_MONOTONIC at the end of open() */
	int tap;        /* the TAP device's descriptor */
	int ctl;        /* an AF_INET datagram socket for ioctls */
	int wake;       /* eventfd: the worker finished a call */
	int diag;       /* NETLINK_SOCK_DIAG socket for state(), or -1 */
	uint32_t diag_seq;
	char ifname[16];
	uint8_t tap_mac[6], peer_mac[6];
	struct frame_builder *fb;
	uint8_t frame[TARGET_PKT_MAX + 64];
	/* Frames the stack sent, read and not yet taken. */
	struct pktq q;
	/* Script descriptor fd -> real descriptor (fds[fd - LX_FD_BASE]). */
	int fds[LX_FDS];
	/* The worker thread and its one call. */
	pthread_t worker;
	bool worker_on;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool has_job, job_done, stop, in_syscall;
	struct lx_call job;
	bool pending;   /* a call returned done=false and is not collected */
	bool touched;   /* a segment was injected (setup phase over) */
	bool conn_seen; /* state() saw the script's connection */
	char state[16];
	uint8_t *rdbuf; /* the bytes of the last read, for the runner */
};

/* Microseconds since open(). */
uint64_t target_linux__now(const struct target *t);

/* What ends target_linux__wait() early. */
#define LXW_WAKE 1 /* the worker finished a call */
#define LXW_PKT 2  /* a TCP segment from the stack was queued */

/*
 * Reads frames from the TAP into the queue until 'until_us' (target time)
 * or an event in 'stop' (LXW_*); 'extra' (or -1) is one more descriptor to
 * watch. Returns LXW_WAKE or LXW_PKT for those, 4 when 'extra' is
 * readable, 0 at the deadline, -1 with *d.
 */
int target_linux__wait(struct target *t, uint64_t until_us, int stop, int extra,
                       struct diag *d);

/* sock_linux.c */
int target_linux__worker_start(struct target *t, struct diag *d);
void target_linux__worker_stop(struct target *t);
void target_linux__close_fds(struct target *t);
int target_linux__syscall(struct target *t, const struct script *s,
                          const struct script_event *ev,
                          struct target_sysret *r, struct diag *d);
int target_linux__poll_syscall(struct target *t, struct target_sysret *r,
                               struct diag *d);

#endif
