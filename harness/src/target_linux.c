/* SPDX-License-Identifier: MIT
 *
 * The linux target: the kernel of this machine, in a network namespace of
 * its own. open() calls unshare(CLONE_NEWNET) in the calling process (the
 * CLI runs every linux script in a child process of its own), brings up lo,
 * creates a TAP device inside the new namespace with 192.0.2.1/24 and a
 * permanent neighbour entry for the script side (192.0.2.2), or for an IPv6
 * run 2001:db8::1/64 (no DAD, no router solicitations) and a permanent
 * neighbour entry for 2001:db8::2, and from then
 * on the script's segments travel as Ethernet frames through the TAP. The
 * namespace and the device belong to the process alone: nothing is created
 * in the root namespace, and when the process ends, for any reason, they
 * vanish with it. Time is real: CLOCK_MONOTONIC since open().
 */
#include "target_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LX_IFNAME "sd0"
#define LX_CMD_OUT 700 /* bytes of a failed command's output shown */

/* Locally administered MACs of the TAP (the stack) and the script side. */
static const uint8_t lx_tap_mac[6] = { 0x02, 0x73, 0x64, 0x00, 0x00, 0x01 };
static const uint8_t lx_peer_mac[6] = { 0x02, 0x73, 0x64, 0x00, 0x00, 0x02 };

static const char lx_howto[] =
    "run it as root, e.g. sudo build/shakedown run --target linux "
    "PATH...";

/* ---- Clock ------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t target_linux__now(const struct target *t)
{
	return (mono_ns() - t->t0_ns) / 1000u;
}

static uint64_t lx_now_us(struct target *t)
{
	return target_linux__now(t);
}

/* ---- Frames from the TAP ----------------------------------------------- */

/* The IP packet in an Ethernet frame when it is TCP; else NULL. */
static const uint8_t *frame_tcp(const uint8_t *f, size_t len, size_t *ip_len)
{
	uint16_t type;
	const uint8_t *ip = f + FRAME_ETH_HDR;
	size_t n;

	if (len < FRAME_ETH_HDR + 20)
		return NULL;
	type = (uint16_t)(f[12] << 8 | f[13]);
	n = len - FRAME_ETH_HDR;
	if (type == FRAME_ETHERTYPE_IPV4 && (ip[0] >> 4) == 4 && ip[9] == 6) {
		size_t tot = (size_t)(ip[2] << 8 | ip[3]);

		*ip_len = tot >= 20 && tot <= n ? tot : n;
		return ip;
	}
	if (type == FRAME_ETHERTYPE_IPV6 && n >= 40 && (ip[0] >> 4) == 6 &&
	    ip[6] == 6) {
		size_t pl = (size_t)(ip[4] << 8 | ip[5]);

		*ip_len = 40 + pl <= n ? 40 + pl : n;
		return ip;
	}
	return NULL; /* ARP, IPv6 neighbour discovery, ... */
}

/* Reads every frame waiting on the TAP; 1 when a TCP one was queued. */
static int tap_drain(struct target *t, struct diag *d)
{
	int got = 0;

	for (;;) {
		ssize_t n = read(t->tap, t->frame, sizeof(t->frame));
		const uint8_t *ip;
		size_t ip_len = 0;
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return got;
			return diag_set(d, "", 0, 0, NULL, 0,
			                "linux: reading the TAP device: %s",
			                strerror(errno));
		}
		ip = frame_tcp(t->frame, (size_t)n, &ip_len);
		if (!ip || ip_len > TARGET_PKT_MAX)
			continue;
		rc = pktq_push(&t->q, ip, ip_len, target_linux__now(t),
		               LX_QUEUE_MAX);
		if (rc == PKTQ_FULL)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "linux: the kernel sent more than %d "
			                "segments that no script line took",
			                LX_QUEUE_MAX);
		if (rc != 0)
			return diag_set(d, "", 0, 0, NULL, 0,
			                "linux: out of memory");
		got = 1;
	}
}

int target_linux__wait(struct target *t, uint64_t until_us, int stop, int extra,
                       struct diag *d)
{
	for (;;) {
		struct pollfd p[3];
		struct timespec ts;
		uint64_t now = target_linux__now(t), left;
		int n, rc;

		p[0].fd = t->tap;
		p[0].events = POLLIN;
		p[1].fd = t->wake;
		p[1].events = POLLIN;
		p[2].fd = extra;
		p[2].events = POLLIN;
		n = extra >= 0 ? 3 : 2;
		left = until_us > now ? until_us - now : 0;
		/*
		 * The kernel lets a poll timeout fire late by 0.1% of its
		 * length (up to 100 ms): a 61 s wait ended 57 ms late. Waiting
		 * in slices of at most 100 ms keeps that under 0.1 ms.
		 */
		if (left > 100000u)
			left = 100000u;
		ts.tv_sec = (time_t)(left / 1000000u);
		ts.tv_nsec = (long)(left % 1000000u) * 1000;
		rc = ppoll(p, (nfds_t)n, &ts, NULL);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return diag_set(d, "", 0, 0, NULL, 0,
			                "linux: ppoll: %s", strerror(errno));
		}
		if (p[0].revents & POLLIN) {
			int got = tap_drain(t, d);

			if (got < 0)
				return -1;
			if (got > 0 && (stop & LXW_PKT))
				return LXW_PKT;
		}
		if (p[1].revents & POLLIN) {
			uint64_t v;

			if (read(t->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return diag_set(d, "", 0, 0, NULL, 0,
				                "linux: eventfd: %s",
				                strerror(errno));
			if (stop & LXW_WAKE)
				return LXW_WAKE;
		}
		if (n == 3 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			return 4;
		if (target_linux__now(t) >= until_us)
			return 0;
	}
}

/* ---- Setting up the namespace ------------------------------------------- */

static int set_flags(int ctl, const char *name, short on, struct diag *d)
{
	struct ifreq r;

	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", name);
	if (ioctl(ctl, SIOCGIFFLAGS, &r) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: SIOCGIFFLAGS %s: %s", name,
		                strerror(errno));
	r.ifr_flags = (short)(r.ifr_flags | on);
	if (ioctl(ctl, SIOCSIFFLAGS, &r) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: SIOCSIFFLAGS %s: %s", name,
		                strerror(errno));
	return 0;
}

static void sin_of(struct sockaddr *sa, const struct tcp_addr *a)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, a->a, 4);
	memcpy(sa, &sin, sizeof(sin));
}

/* Writes a per-namespace sysctl under /proc/sys; ENOENT is no error. */
static int write_sysctl(const char *path, const char *val, struct diag *d)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT
		           ? 0
		           : diag_set(d, "", 0, 0, NULL, 0, "linux: %s: %s",
		                      path, strerror(errno));
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return diag_set(d, "", 0, 0, NULL, 0, "linux: %s: %s", path,
		                strerror(errno));
	return 0;
}

/* The error of a step that needs privileges, in one line. */
static int no_priv(struct diag *d, const char *what, int err)
{
	if (err == EPERM || err == EACCES)
		return diag_set(
		    d, "", 0, 0, NULL, 0,
		    "the linux target needs root (or CAP_NET_ADMIN "
		    "and CAP_SYS_ADMIN) and /dev/net/tun: %s failed "
		    "(%s); %s",
		    what, strerror(err), lx_howto);
	if (err == ENOENT || err == ENODEV || err == ENXIO)
		return diag_set(
		    d, "", 0, 0, NULL, 0,
		    "the linux target needs /dev/net/tun: %s failed "
		    "(%s); load the tun module (modprobe tun) or, in "
		    "a container, pass the device "
		    "(--device /dev/net/tun)",
		    what, strerror(err));
	return diag_set(d, "", 0, 0, NULL, 0, "linux: %s: %s", what,
	                strerror(err));
}

/* ---- IPv6 set-up over rtnetlink ------------------------------------------ */

/* An rtnetlink request: header, family message, attributes. */
struct lx_nlreq {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct ndmsg nd;
	} u;
	uint8_t attrs[96];
};

/* Appends attribute (type, data[0..len)) to the request. */
static void nl_attr(struct lx_nlreq *q, uint16_t type, const void *data,
                    size_t len)
{
	size_t at = NLMSG_ALIGN(q->nh.nlmsg_len);
	struct rtattr a;

	a.rta_type = type;
	a.rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy((uint8_t *)q + at, &a, sizeof(a));
	memcpy((uint8_t *)q + at + RTA_LENGTH(0), data, len);
	q->nh.nlmsg_len = (uint32_t)(at + RTA_ALIGN(a.rta_len));
}

/* Sends the request on NETLINK_ROUTE socket fd and waits for its ack. */
static int nl_talk(int fd, struct lx_nlreq *q, const char *what, struct diag *d)
{
	union {
		struct nlmsghdr nh;
		uint8_t b[4096];
	} resp;
	ssize_t n;

	q->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	q->nh.nlmsg_seq = 1;
	if (send(fd, q, q->nh.nlmsg_len, 0) != (ssize_t)q->nh.nlmsg_len)
		return diag_set(d, "", 0, 0, NULL, 0, "linux: %s: %s", what,
		                strerror(errno));
	for (;;) {
		const struct nlmsghdr *h;
		size_t left;

		n = recv(fd, &resp, sizeof(resp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return diag_set(d, "", 0, 0, NULL, 0, "linux: %s: %s",
			                what,
			                n < 0 ? strerror(errno) : "no ack");
		left = (size_t)n;
		for (h = &resp.nh; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error == 0)
				return 0;
			return diag_set(d, "", 0, 0, NULL, 0, "linux: %s: %s",
			                what, strerror(-e->error));
		}
	}
}

/*
 * The TAP of an IPv6 run: 2001:db8::1/64 without DAD (usable at once) and
 * a permanent neighbour entry for the script side (no neighbour
 * discovery). The TAP is up.
 */
/*
 * The kernel adds the routes of a new IPv6 address (the local one and the
 * prefix's) from a work queue, a little after RTM_NEWADDR returns, even
 * without DAD; a segment injected before is not answered. Waits (at most
 * 200 ms, in 1 ms steps) until a route to the script side exists, seen
 * through a UDP connect() (no packet is sent).
 */
static void wait_ipv6_routes(const struct target_addrs *a)
{
	struct sockaddr_in6 sa;
	int i, fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(9);
	memcpy(&sa.sin6_addr, a->script_addr.a, 16);
	for (i = 0; i < 200; i++) {
		struct timespec ts = { 0, 1000000 };

		if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		nanosleep(&ts, NULL);
	}
	close(fd);
}

static int setup_tap6(struct target *t, struct diag *d)
{
	const struct target_addrs *a = &t->o.addrs;
	unsigned idx = if_nametoindex(t->ifname);
	struct lx_nlreq q;
	int fd, rc;

	if (idx == 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: if_nametoindex %s: %s", t->ifname,
		                strerror(errno));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: socket(NETLINK_ROUTE): %s",
		                strerror(errno));
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = NLMSG_LENGTH(sizeof(q.u.ifa));
	q.nh.nlmsg_type = RTM_NEWADDR;
	q.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	q.u.ifa.ifa_family = AF_INET6;
	q.u.ifa.ifa_prefixlen = 64;
	q.u.ifa.ifa_flags = IFA_F_NODAD | IFA_F_PERMANENT;
	q.u.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	q.u.ifa.ifa_index = idx;
	nl_attr(&q, IFA_LOCAL, a->stack_addr.a, 16);
	nl_attr(&q, IFA_ADDRESS, a->stack_addr.a, 16);
	rc = nl_talk(fd, &q, "adding the IPv6 address (RTM_NEWADDR)", d);
	if (rc == 0) {
		memset(&q, 0, sizeof(q));
		q.nh.nlmsg_len = NLMSG_LENGTH(sizeof(q.u.nd));
		q.nh.nlmsg_type = RTM_NEWNEIGH;
		q.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
		q.u.nd.ndm_family = AF_INET6;
		q.u.nd.ndm_ifindex = (int)idx;
		q.u.nd.ndm_state = NUD_PERMANENT;
		nl_attr(&q, NDA_DST, a->script_addr.a, 16);
		nl_attr(&q, NDA_LLADDR, t->peer_mac, 6);
		rc = nl_talk(fd, &q,
		             "adding the IPv6 neighbour entry (RTM_NEWNEIGH)",
		             d);
	}
	close(fd);
	if (rc == 0)
		wait_ipv6_routes(a);
	return rc;
}

/* Per-device IPv6 sysctls of the TAP, written before it goes up. */
static int tap_ipv6_sysctls(const struct target *t, bool v6, struct diag *d)
{
	/* IPv4 runs: no IPv6 at all, so no DAD, no router solicitations,
	 * no MLD reports among the segments. IPv6 runs: IPv6 without DAD,
	 * router solicitations, RAs or a link-local address (nothing to
	 * announce; neighbour entries are static). */
	static const char *const off[][2] = { { "disable_ipv6", "1" } };
	static const char *const on[][2] = {
		{ "disable_ipv6", "0" },  { "accept_dad", "0" },
		{ "dad_transmits", "0" }, { "router_solicitations", "0" },
		{ "accept_ra", "0" },     { "addr_gen_mode", "1" },
	};
	const char *const(*kv)[2] = v6 ? on : off;
	size_t k, n = v6 ? TCP_ARRAY_LEN(on) : TCP_ARRAY_LEN(off);
	char path[128];

	for (k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s",
		         t->ifname, kv[k][0]);
		if (write_sysctl(path, kv[k][1], d) != 0)
			return -1;
	}
	return 0;
}

static int setup_tap(struct target *t, struct diag *d)
{
	const struct target_addrs *a = &t->o.addrs;
	bool v6 = a->stack_addr.family == TCP_AF_INET6;
	struct ifreq r;
	struct arpreq ar;
	struct sockaddr_in *mask;

	if (a->stack_addr.family != a->script_addr.family ||
	    (a->stack_addr.family != TCP_AF_INET && !v6))
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: the stack's and the script's addresses "
		                "must both be IPv4 or both IPv6");
	t->tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->tap < 0)
		return no_priv(d, "opening /dev/net/tun", errno);
	memset(&r, 0, sizeof(r));
	r.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", LX_IFNAME);
	if (ioctl(t->tap, TUNSETIFF, &r) != 0)
		return no_priv(d, "creating the TAP device (TUNSETIFF)", errno);
	/*
	 * Persistent: closing the descriptor then leaves the device to the
	 * namespace's own teardown (deferred, batched with the namespace's
	 * other devices) instead of unregistering it synchronously in
	 * close(), which costs tens of milliseconds per run. The namespace
	 * still dies with the process: a virtual device is deleted with it,
	 * never moved to the root namespace.
	 */
	if (ioctl(t->tap, TUNSETPERSIST, 1) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: TUNSETPERSIST: %s", strerror(errno));
	snprintf(t->ifname, sizeof(t->ifname), "%s", r.ifr_name);
	memcpy(t->tap_mac, lx_tap_mac, 6);
	memcpy(t->peer_mac, lx_peer_mac, 6);

	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", t->ifname);
	r.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(r.ifr_hwaddr.sa_data, t->tap_mac, 6);
	if (ioctl(t->ctl, SIOCSIFHWADDR, &r) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: SIOCSIFHWADDR: %s", strerror(errno));
	if (tap_ipv6_sysctls(t, v6, d) != 0)
		return -1;
	if (v6)
		return set_flags(t->ctl, t->ifname, IFF_UP | IFF_RUNNING, d) !=
		               0
		           ? -1
		           : setup_tap6(t, d);

	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", t->ifname);
	sin_of(&r.ifr_addr, &a->stack_addr);
	if (ioctl(t->ctl, SIOCSIFADDR, &r) != 0)
		return diag_set(d, "", 0, 0, NULL, 0, "linux: SIOCSIFADDR: %s",
		                strerror(errno));
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", t->ifname);
	mask = (struct sockaddr_in *)(void *)&r.ifr_netmask;
	mask->sin_family = AF_INET;
	mask->sin_addr.s_addr = htonl(0xffffff00u);
	if (ioctl(t->ctl, SIOCSIFNETMASK, &r) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: SIOCSIFNETMASK: %s", strerror(errno));
	if (set_flags(t->ctl, t->ifname, IFF_UP | IFF_RUNNING, d) != 0)
		return -1;

	/* The script side's MAC, permanently: the kernel never ARPs. */
	memset(&ar, 0, sizeof(ar));
	sin_of(&ar.arp_pa, &a->script_addr);
	ar.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(ar.arp_ha.sa_data, t->peer_mac, 6);
	ar.arp_flags = ATF_PERM | ATF_COM;
	snprintf(ar.arp_dev, sizeof(ar.arp_dev), "%s", t->ifname);
	if (ioctl(t->ctl, SIOCSARP, &ar) != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: adding the neighbour entry (SIOCSARP): "
		                "%s",
		                strerror(errno));
	return 0;
}

static void lx_close(struct target *t)
{
	if (!t)
		return;
	target_linux__worker_stop(t);
	target_linux__close_fds(t);
	if (t->tap >= 0)
		close(t->tap);
	if (t->ctl >= 0)
		close(t->ctl);
	if (t->wake >= 0)
		close(t->wake);
	if (t->diag >= 0)
		close(t->diag);
	frame_builder_free(t->fb);
	free(t->rdbuf);
	pktq_free(&t->q);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

static int lx_open(struct target **tp, const struct target_opts *o,
                   struct diag *d)
{
	struct target *t;
	char err[160];
	int i;

	*tp = NULL;
	if (o->profile && strcmp(o->profile, "default") != 0)
		return diag_set(d, "", 0, 0, NULL, 0,
		                "linux: unknown profile '%s' (known: default)",
		                o->profile);
	t = calloc(1, sizeof(*t));
	if (!t)
		return diag_set(d, "", 0, 0, NULL, 0, "linux: out of memory");
	t->o = *o;
	snprintf(t->script_dir, sizeof(t->script_dir), "%s",
	         o->script_dir ? o->script_dir : ".");
	t->o.script_dir = t->script_dir;
	t->o.profile = "default";
	t->tap = t->ctl = t->wake = t->diag = -1;
	for (i = 0; i < LX_FDS; i++)
		t->fds[i] = -1;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->t0_ns = mono_ns();
	if (unshare(CLONE_NEWNET) != 0) {
		no_priv(d, "unshare(CLONE_NEWNET)", errno);
		lx_close(t);
		return -1;
	}
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	t->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->diag =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (t->ctl < 0 || t->wake < 0) {
		diag_set(d, "", 0, 0, NULL, 0, "linux: socket/eventfd: %s",
		         strerror(errno));
		lx_close(t);
		return -1;
	}
	t->fb = frame_builder_new(err, sizeof(err));
	if (!t->fb) {
		diag_set(d, "", 0, 0, NULL, 0, "linux: %s", err);
		lx_close(t);
		return -1;
	}
	if (set_flags(t->ctl, "lo", IFF_UP, d) != 0 || setup_tap(t, d) != 0 ||
	    target_linux__worker_start(t, d) != 0) {
		lx_close(t);
		return -1;
	}
	snprintf(t->state, sizeof(t->state), "CLOSED");
	t->t0_ns = mono_ns();
	*tp = t;
	return 0;
}

/* ---- Packets ------------------------------------------------------------ */

static int lx_advance_to(struct target *t, uint64_t t_us, struct diag *d)
{
	if (target_linux__now(t) >= t_us)
		return 0;
	return target_linux__wait(t, t_us, 0, -1, d) < 0 ? -1 : 0;
}

/*
 * The Ethernet destination of an injected packet: the TAP's address, or
 * for an IP destination that is broadcast or multicast (vectors of MUST-57)
 * the group address a real link would use: ff:ff:ff:ff:ff:ff for an IPv4
 * broadcast (255.255.255.255 or the TAP subnet's 192.0.2.255),
 * 01:00:5e + 23 bits for IPv4 multicast (RFC 1112 6.4), 33:33 + 32 bits
 * for IPv6 multicast (RFC 2464 7).
 */
static void dst_mac(const struct target *t, const uint8_t *pkt, size_t len,
                    uint8_t mac[6])
{
	memcpy(mac, t->tap_mac, 6);
	if (len >= 20 && (pkt[0] >> 4) == 4) {
		const uint8_t *d = pkt + 16;

		if ((d[0] == 255 && d[1] == 255 && d[2] == 255 &&
		     d[3] == 255) ||
		    (d[0] == 192 && d[1] == 0 && d[2] == 2 && d[3] == 255)) {
			memset(mac, 0xff, 6);
		} else if ((d[0] & 0xf0) == 0xe0) {
			mac[0] = 0x01;
			mac[1] = 0x00;
			mac[2] = 0x5e;
			mac[3] = d[1] & 0x7f;
			mac[4] = d[2];
			mac[5] = d[3];
		}
	} else if (len >= 40 && (pkt[0] >> 4) == 6 && pkt[24] == 0xff) {
		mac[0] = 0x33;
		mac[1] = 0x33;
		memcpy(mac + 2, pkt + 36, 4);
	}
}

static int lx_inject(struct target *t, const uint8_t *pkt, size_t len,
                     struct diag *d)
{
	uint8_t buf[TARGET_PKT_MAX + FRAME_ETH_HDR];
	uint8_t mac[6];
	char err[160];
	size_t n, patched = 0;
	ssize_t w;

	dst_mac(t, pkt, len, mac);
	n = frame_build(t->fb, mac, t->peer_mac, pkt, len, buf, sizeof(buf),
	                &patched, err, sizeof(err));
	if (n == 0)
		return diag_set(d, "", 0, 0, NULL, 0, "linux: frame: %s", err);
	do {
		w = write(t->tap, buf, n);
	} while (w < 0 && errno == EINTR);
	t->touched = true;
	if (w < 0 || (size_t)w != n)
		return diag_set(
		    d, "", 0, 0, NULL, 0,
		    "linux: writing %zu bytes to the TAP device: %s", n,
		    w < 0 ? strerror(errno) : "short write");
	/* A pending call this segment unblocks (accept, read) gets a moment
	 * to return, so that the next event sees it returned. */
	if (t->pending &&
	    target_linux__wait(t, target_linux__now(t) + LX_GRACE_US / 2,
	                       LXW_WAKE, -1, d) < 0)
		return -1;
	return 0;
}

static int lx_recv(struct target *t, uint64_t deadline_us, struct target_pkt *p,
                   struct diag *d)
{
	for (;;) {
		int rc;

		if (!pktq_empty(&t->q))
			return pktq_take(&t->q, deadline_us, p);
		if (target_linux__now(t) >= deadline_us) {
			/* A last look: frames already waiting count. */
			rc = tap_drain(t, d);
			if (rc < 0)
				return -1;
			if (rc == 0)
				return 0;
			continue;
		}
		if (target_linux__wait(t, deadline_us, LXW_PKT, -1, d) < 0)
			return -1;
		/* The wait returns at the deadline or on frames; loop. */
		if (pktq_empty(&t->q) && target_linux__now(t) >= deadline_us)
			return 0;
	}
}

/* ---- Shell commands ----------------------------------------------------- */

/* Whether the script has done nothing on the wire or with sockets yet. */
static bool lx_setup_phase(const struct target *t)
{
	int i;

	for (i = 0; i < LX_FDS; i++)
		if (t->fds[i] >= 0)
			return false;
	/* q.n: no frame read yet (it stays above 0 after the first). */
	return t->q.n == 0 && !t->pending && !t->touched;
}

/*
 * Runs a shell command of the script with /bin/sh in the script's folder,
 * inside the run's namespace (a child process inherits it). Setup commands
 * (before the script's first socket or segment, such as packetdrill's
 * "0 `../common/defaults.sh`") do not count as script time: the clock
 * stops while they run, so that "0 socket(...)" after them is on time.
 */
static int lx_command(struct target *t, const char *cmd, struct diag *d)
{
	char out[4096];
	size_t out_n = 0;
	int pfd[2], status = 0;
	bool setup = lx_setup_phase(t);
	uint64_t t_start = mono_ns();
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return diag_set(d, "", 0, 0, NULL, 0, "linux: pipe: %s",
		                strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return diag_set(d, "", 0, 0, NULL, 0, "linux: fork: %s",
		                strerror(errno));
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir(t->script_dir) != 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[512];
		ssize_t n = read(pfd[0], buf, sizeof(buf));

		if (n > 0) {
			size_t k = (size_t)n;

			if (k > sizeof(out) - 1 - out_n)
				k = sizeof(out) - 1 - out_n;
			memcpy(out + out_n, buf, k);
			out_n += k;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			break;
		}
		/* Frames keep being read (and timed) while it runs. */
		if (target_linux__wait(t, UINT64_MAX / 2, 0, pfd[0], d) < 0) {
			close(pfd[0]);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out[out_n] = '\0';
	while (out_n > 0 && (out[out_n - 1] == '\n' || out[out_n - 1] == ' '))
		out[--out_n] = '\0';
	if (setup)
		t->t0_ns += mono_ns() - t_start;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFEXITED(status))
		diag_set(d, "", 0, 0, NULL, 0,
		         "command: expected exit status 0, got %d (run in %s "
		         "with /bin/sh)%s%.*s",
		         WEXITSTATUS(status), t->script_dir,
		         out_n ? "; output:\n    " : "", LX_CMD_OUT, out);
	else
		diag_set(d, "", 0, 0, NULL, 0,
		         "command: killed by signal %d%s%.*s", WTERMSIG(status),
		         out_n ? "; output:\n    " : "", LX_CMD_OUT, out);
	return -1;
}

/* ---- The kernel's TCP state --------------------------------------------- */

/* TCP state codes (include/net/tcp_states.h), as sock_diag reports them. */
static const char *kernel_state(unsigned st)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN-SENT",   [3] = "SYN-RECEIVED",
		[4] = "FIN-WAIT-1",  [5] = "FIN-WAIT-2", [6] = "TIME-WAIT",
		[7] = "CLOSED",      [8] = "CLOSE-WAIT", [9] = "LAST-ACK",
		[10] = "LISTEN",     [11] = "CLOSING",   [12] = "SYN-RECEIVED",
	};

	return st < sizeof(names) / sizeof(names[0]) && names[st] ? names[st]
	                                                          : NULL;
}

/*
 * The state of the script's connection, asked of the kernel through
 * sock_diag (NETLINK_SOCK_DIAG) for the run's 4-tuple: an exact lookup,
 * which falls back to a socket listening on the stack's port as the
 * kernel's own lookup does; no socket is CLOSED. (/proc/net/tcp would walk
 * the whole established hash, shared by all namespaces: milliseconds.)
 */
static const char *lx_state(struct target *t)
{
	const struct target_addrs *a = &t->o.addrs;
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} q;
	union {
		struct nlmsghdr nh;
		uint8_t b[8192];
	} resp;
	const char *st = NULL;
	ssize_t n;

	if (t->diag < 0)
		return NULL;
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.nh.nlmsg_seq = ++t->diag_seq;
	q.req.sdiag_family =
	    a->stack_addr.family == TCP_AF_INET6 ? AF_INET6 : AF_INET;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0u;
	q.req.id.idiag_sport = htons(a->stack_port);
	q.req.id.idiag_dport = htons(a->script_port);
	memcpy(&q.req.id.idiag_src[0], a->stack_addr.a,
	       a->stack_addr.family == TCP_AF_INET6 ? 16 : 4);
	memcpy(&q.req.id.idiag_dst[0], a->script_addr.a,
	       a->script_addr.family == TCP_AF_INET6 ? 16 : 4);
	q.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (send(t->diag, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		return NULL;
	for (;;) {
		const struct nlmsghdr *h;
		size_t left;

		n = recv(t->diag, &resp, sizeof(resp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		left = (size_t)n;
		for (h = &resp.nh; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != t->diag_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				st = "CLOSED"; /* ENOENT: no such socket */
			} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				const struct inet_diag_msg *m = NLMSG_DATA(h);

				st = kernel_state(m->idiag_state);
			}
			if (!st)
				continue;
			/* The lookup falls back to the listener: once the
			 * script's connection existed, that means it is gone.
			 */
			if (strcmp(st, "LISTEN") == 0 && t->conn_seen)
				st = "CLOSED";
			else if (strcmp(st, "LISTEN") != 0 &&
			         strcmp(st, "CLOSED") != 0)
				t->conn_seen = true;
			snprintf(t->state, sizeof(t->state), "%s", st);
			return t->state;
		}
	}
}

/* ---- Target operations -------------------------------------------------- */

/* Linux has RFC 5961's challenge ACKs (since 3.6); no legacy mode. */
static bool lx_satisfies(const struct target_opts *o, const char *req,
                         char *why, size_t n)
{
	(void)o;
	if (strcmp(req, "rfc5961") == 0)
		return true;
	/* Scripts written for the kernel's own choices (conformance/compat). */
	if (strcmp(req, "linux") == 0)
		return true;
	snprintf(why, n, "requires %s; target linux does not provide it", req);
	return false;
}

/*
 * Whether this machine can run the target: a child process tries what
 * open() needs (a network namespace and a TAP device in it) and exits with
 * the step that failed.
 */
static int lx_preflight(char *why, size_t n)
{
	struct diag d;
	int status = 0, err = 0, step = 0;
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(why, n, "linux: pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, n, "linux: fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int res[2] = { 0, 0 }, fd;
		struct ifreq r;

		if (unshare(CLONE_NEWNET) != 0) {
			res[0] = 1;
			res[1] = errno;
		} else if ((fd = open("/dev/net/tun", O_RDWR)) < 0) {
			res[0] = 2;
			res[1] = errno;
		} else {
			memset(&r, 0, sizeof(r));
			r.ifr_flags = IFF_TAP | IFF_NO_PI;
			if (ioctl(fd, TUNSETIFF, &r) != 0) {
				res[0] = 3;
				res[1] = errno;
			} else {
				/* Deleted with the namespace, off the
				 * exit path (see setup_tap). */
				(void)ioctl(fd, TUNSETPERSIST, 1);
			}
		}
		if (write(pfd[1], res, sizeof(res)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	{
		int res[2] = { 4, 0 };

		if (read(pfd[0], res, sizeof(res)) == (ssize_t)sizeof(res)) {
			step = res[0];
			err = res[1];
		} else {
			step = 4;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (step == 0)
		return 0;
	diag_clear(&d);
	if (step == 1)
		no_priv(&d, "unshare(CLONE_NEWNET)", err);
	else if (step == 2)
		no_priv(&d, "opening /dev/net/tun", err);
	else if (step == 3)
		no_priv(&d, "creating a TAP device (TUNSETIFF)", err);
	else
		diag_set(&d, "", 0, 0, NULL, 0,
		         "linux: the privilege check's process died");
	snprintf(why, n, "%s", d.msg);
	return -1;
}

const struct target_ops target_linux_ops = {
	.name = "linux",
	.virtual_clock = false,
	.satisfies = lx_satisfies,
	.open = lx_open,
	.close = lx_close,
	.now_us = lx_now_us,
	.advance_to = lx_advance_to,
	.inject = lx_inject,
	.recv = lx_recv,
	.syscall = target_linux__syscall,
	.poll_syscall = target_linux__poll_syscall,
	.command = lx_command,
	.state = lx_state,
	.next_note = NULL,
	.preflight = lx_preflight,
	.own_process = true,
};
