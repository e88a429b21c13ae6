/* SPDX-License-Identifier: MIT
 *
 * The public interface between shakedown and a TCP stack it loads from a
 * shared object (`shakedown run --target plugin:PATH.so`): one table of
 * functions that creates an instance, takes and gives IP packets, runs on
 * the harness's clock and offers non-blocking socket-like calls. Written
 * for stack authors; harness/PLUGINS.md is the guide.
 */
#ifndef SHAKEDOWN_STACK_PLUGIN_H
#define SHAKEDOWN_STACK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface. A plugin built against another one is
 * refused at load time with both numbers. */
#define SD_PLUGIN_ABI 1

/* The symbol the harness looks up with dlsym(): a function returning the
 * plugin's table (static storage, never freed). */
#define SD_PLUGIN_ENTRY "shakedown_stack_plugin"

/* No timer pending (next_deadline). */
#define SD_PLUGIN_NO_DEADLINE UINT64_MAX

/*
 * A socket address: family AF_INET or AF_INET6 (the host's values), the
 * address in network byte order (4 or 16 bytes used) and the port in host
 * byte order.
 */
struct sd_plugin_addr {
	int family;
	uint8_t addr[16];
	uint16_t port;
};

/*
 * What the harness tells an instance when it creates it. All pointers stay
 * valid only during create(): copy what you keep.
 */
struct sd_plugin_config {
	uint32_t abi; /* SD_PLUGIN_ABI of the harness */
	/*
	 * The stack's own addresses and the address of the script's peer
	 * (TEST-NET: 192.0.2.1 and 192.0.2.2, 2001:db8::1 and 2001:db8::2).
	 * Every packet the harness injects is addressed to the stack's
	 * address; every packet the stack sends to the peer must be given back
	 * through output(). There is no link layer: no ARP, no neighbour
	 * discovery, no Ethernet header.
	 */
	struct sd_plugin_addr stack4, peer4;
	struct sd_plugin_addr stack6, peer6;
	uint16_t mtu; /* of the one interface: 1500 */
	/* The profile the run uses ("lwip", "default"); may be ignored. */
	const char *profile;
	/*
	 * The script's "// config: KEY=VALUE" lines, config_n of them. A
	 * plugin that does not know a key must refuse to create (return 1):
	 * the harness then reports the script as skipped with the reason.
	 */
	const char *const *config;
	size_t config_n;
};

/*
 * The table a plugin exports. Every call is made from one thread, the
 * harness's, and never from inside another call of the same instance.
 *
 * Time: the harness owns the clock. It starts at 0 at create() and only
 * moves through advance(now_us), monotonically. A plugin must read no other
 * clock if runs are to be reproducible.
 *
 * Socket calls never block: where a blocking socket would wait they return
 * -EAGAIN (accept, recv, send) or -EINPROGRESS (connect), and the harness
 * retries after each packet and each advance() to emulate blocking calls of
 * the script. Handles are the plugin's own non-negative integers; the
 * harness maps the script's descriptors (3, 4, ...) onto them. Errors are
 * negative errno values of the host (-ECONNRESET); levels, option names and
 * flags are the host's values (<sys/socket.h>, <netinet/in.h>,
 * <netinet/tcp.h>, <poll.h>).
 *
 * Functions marked optional may be NULL.
 */
struct sd_stack_plugin {
	uint32_t abi;     /* SD_PLUGIN_ABI the plugin was built against */
	const char *name; /* short name: "lwip", "ref" */
	/* One line: which stack, which version, how it is configured. */
	const char *description;

	/* ---- Instance --------------------------------------------------- */

	/*
	 * Creates an instance into *inst. Returns 0; 1 when this plugin
	 * cannot run the configuration (an unknown "// config:" key, a second
	 * instance of a stack with global state), with the reason in
	 * why[0..why_n); -1 on failure, with the reason.
	 */
	int (*create)(void **inst, const struct sd_plugin_config *cfg,
	              char *why, size_t why_n);
	/* Releases everything the instance holds, open connections too. */
	void (*destroy)(void *inst);

	/* ---- Packets and time ------------------------------------------- */

	/*
	 * Gives the stack one IPv4 or IPv6 packet (header + TCP segment), at
	 * the current time. The stack owns no pointer into pkt afterwards.
	 */
	void (*input)(void *inst, const uint8_t *pkt, size_t len);
	/*
	 * Takes the oldest packet the stack sent and has not given yet: its
	 * length (copied to buf), 0 when there is none, -EMSGSIZE when it is
	 * longer than cap (the packet is dropped).
	 */
	long (*output)(void *inst, uint8_t *buf, size_t cap);
	/* Moves the clock to now_us and runs every timer due by then. */
	void (*advance)(void *inst, uint64_t now_us);
	/*
	 * The earliest time at which advance() would do something
	 * (retransmit, send a delayed ACK, end TIME-WAIT), or
	 * SD_PLUGIN_NO_DEADLINE. A tick-based stack returns its next tick
	 * while it has timers running. The harness never advances past it
	 * without calling advance() there.
	 */
	uint64_t (*next_deadline)(void *inst);

	/* ---- Socket-like calls ------------------------------------------ */

	/* socket(domain, SOCK_STREAM, IPPROTO_TCP): a handle or -errno. */
	int (*socket)(void *inst, int domain);
	int (*bind)(void *inst, int h, const struct sd_plugin_addr *a);
	int (*listen)(void *inst, int h, int backlog);
	/* A new handle, the peer's address in *peer; -EAGAIN when none. */
	int (*accept)(void *inst, int h, struct sd_plugin_addr *peer);
	/* 0, or -EINPROGRESS: completion shows as POLLOUT (or POLLERR) in
	 * poll() and the outcome in getsockopt(SOL_SOCKET, SO_ERROR). */
	int (*connect)(void *inst, int h, const struct sd_plugin_addr *a);
	/* Bytes queued (maybe fewer than len) or -errno; -EAGAIN when the
	 * send buffer is full. flags: MSG_* of the host (MSG_OOB, ...). */
	long (*send)(void *inst, int h, const void *buf, size_t len, int flags);
	/* Bytes read, 0 at end of stream, -EAGAIN when nothing is there. */
	long (*recv)(void *inst, int h, void *buf, size_t len, int flags);
	/* how: SHUT_RD, SHUT_WR, SHUT_RDWR. */
	int (*shutdown)(void *inst, int h, int how);
	/* Releases the handle (the connection closes as close(2) would:
	 * FIN, or RST with unread data or SO_LINGER 0). */
	int (*close)(void *inst, int h);
	/*
	 * Socket options: 0 or -errno; -ENOPROTOOPT for an option the stack
	 * does not have (the harness then reports the script skipped, not
	 * failed). Values are ints unless the option says otherwise (struct
	 * linger for SO_LINGER).
	 */
	int (*setsockopt)(void *inst, int h, int level, int name,
	                  const void *val, unsigned len);
	int (*getsockopt)(void *inst, int h, int level, int name, void *val,
	                  unsigned *len);
	/* The events of events (POLLIN, POLLOUT) that are ready, plus POLLERR
	 * and POLLHUP whenever they hold; never waits. */
	short (*poll)(void *inst, int h, short events);

	/* ---- Introspection (optional) ----------------------------------- */

	/*
	 * The RFC 9293 state of the connection behind handle h, in the RFC's
	 * spelling ("ESTABLISHED", "TIME-WAIT"), or NULL when unknown. h = -1
	 * asks for the latest connection that is not a listener, even after
	 * its handle was closed (a connection in TIME-WAIT has none). Used
	 * for the ladder diagram; without it the harness infers the state
	 * from the wire.
	 */
	const char *(*state)(void *inst, int h);
};

/* The type of the function named SD_PLUGIN_ENTRY. */
typedef const struct sd_stack_plugin *(*sd_stack_plugin_fn)(void);

#ifdef __cplusplus
}
#endif

#endif
