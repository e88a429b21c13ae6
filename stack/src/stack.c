/* SPDX-License-Identifier: MIT
 *
 * The connection table of the reference stack, above the state machine:
 * listeners with backlogs, demultiplexing by 4-tuple, the reply for
 * segments to closed ports (RFC 9293 3.10.7.1) and a documented eviction
 * policy when the fixed, caller-owned table is full (STYLE R29).
 */

#include "tcpref/stack.h"
#include "internal.h"
#include "mem.h"
#include "tcpref/wire.h"

/* ---- Slots ------------------------------------------------------------- */

static bool valid_index(const struct tcp_stack *st, int h)
{
	return h >= 0 && (uint32_t)h < st->n;
}

/* A handle the application may use for user calls. */
static struct tcp_stack_slot *app_slot(struct tcp_stack *st, int h)
{
	if (!valid_index(st, h) || st->slots[h].use != TCP_SLOT_APP)
		return NULL;
	return &st->slots[h];
}

static uint8_t *slot_rxbuf(const struct tcp_stack *st, uint32_t i)
{
	return st->bufmem + (size_t)i * ((size_t)st->rx_bytes + st->tx_bytes);
}

static void slot_free(struct tcp_stack *st, uint32_t i)
{
	struct tcp_stack_slot *s = &st->slots[i];

	s->use = TCP_SLOT_FREE;
	s->listener = false;
	s->parent = -1;
	s->backlog = 0;
	s->alloc_seq = 0;
	s->ready_seq = 0;
}

/*
 * Gives slot i a fresh CLOSED connection over its own buffers and marks it
 * used. The previous record, if any, is overwritten.
 */
static void slot_take(struct tcp_stack *st, uint32_t i, enum tcp_slot_use use)
{
	struct tcp_stack_slot *s = &st->slots[i];
	uint8_t *rx = slot_rxbuf(st, i);

	tcp_conn_init(&s->conn, st->cfg, rx, st->rx_bytes, rx + st->rx_bytes,
	              st->tx_bytes);
	s->use = use;
	s->listener = false;
	s->parent = -1;
	s->backlog = 0;
	s->alloc_seq = ++st->next_seq;
	s->ready_seq = 0;
}

/* The first free slot in index order, or -1. */
static int slot_find_free(const struct tcp_stack *st)
{
	uint32_t i;

	for (i = 0; i < st->n; i++)
		if (st->slots[i].use == TCP_SLOT_FREE)
			return (int)i;
	return -1;
}

/*
 * Eviction policy (STYLE R29, after lwIP's tcp_alloc): when no slot is free,
 * the stack takes one from a connection the application no longer holds
 * (RELEASED), in this order of classes:
 *
 *   1. TIME-WAIT: only the 2*MSL wait is lost (RFC 9293 3.6.1 lets a
 *      TIME-WAIT end early only for a new SYN; losing it early is the
 *      standard trade of tables that cannot grow);
 *   2. LAST-ACK: our FIN may be lost, the peer has already closed;
 *   3. CLOSING: both sides have closed, only ACKs are missing.
 *
 * Within a class the oldest connection (smallest alloc_seq) goes first.
 * The victim is aborted with tcp_conn_abort(), which in these three states
 * sends nothing (3.10.5: "respond with ok and delete the TCB"). Connections
 * the app holds, listeners, children waiting for accept and connections in
 * any other state are never evicted. Returns the freed index, or -1.
 */
static int slot_evict(struct tcp_stack *st, const struct tcp_env *env,
                      uint64_t now_us, struct tcp_out *out)
{
	static const enum tcp_state order[] = { TCP_TIME_WAIT, TCP_LAST_ACK,
		                                TCP_CLOSING };
	size_t k;
	uint32_t i;

	for (k = 0; k < TCP_ARRAY_LEN(order); k++) {
		int best = -1;

		for (i = 0; i < st->n; i++) {
			const struct tcp_stack_slot *s = &st->slots[i];

			if (s->use != TCP_SLOT_RELEASED ||
			    s->conn.state != order[k])
				continue;
			if (best < 0 ||
			    s->alloc_seq < st->slots[best].alloc_seq)
				best = (int)i;
		}
		if (best >= 0) {
			tcp_conn_abort(&st->slots[best].conn, env, now_us, out);
			slot_free(st, (uint32_t)best);
			st->evictions++;
			return best;
		}
	}
	return -1;
}

/* A free slot, by eviction if needed; -1 when the table is full. */
static int slot_alloc(struct tcp_stack *st, const struct tcp_env *env,
                      uint64_t now_us, struct tcp_out *out)
{
	int i = slot_find_free(st);

	return i >= 0 ? i : slot_evict(st, env, now_us, out);
}

/*
 * Updates the bookkeeping of slot i after anything may have changed its
 * state, and frees it when nobody needs it any more:
 *  - a child waiting for accept that went back to LISTEN (RST or SYN in
 *    SYN-RECEIVED entered from LISTEN, RFC 9293 3.10.7.4 second and fourth)
 *    or to CLOSED is dropped from the table: the listener itself keeps
 *    listening, so the LISTEN copy is not needed;
 *  - a child that reached ESTABLISHED or CLOSE-WAIT joins the accept queue;
 *  - a child reopened from TIME-WAIT that went back to it (RFC 9293 3.6.1
 *    condition (2), see input_timewait_syn) is released again, as it was;
 *  - a released connection is freed once CLOSED.
 */
static void slot_update(struct tcp_stack *st, uint32_t i)
{
	struct tcp_stack_slot *s = &st->slots[i];

	switch (s->use) {
	case TCP_SLOT_PENDING:
		if (s->conn.state == TCP_CLOSED ||
		    s->conn.state == TCP_LISTEN) {
			slot_free(st, i);
		} else if (s->conn.state == TCP_TIME_WAIT) {
			s->use = TCP_SLOT_RELEASED;
			s->parent = -1;
			s->ready_seq = 0;
		} else if (s->ready_seq == 0 &&
		           (s->conn.state == TCP_ESTABLISHED ||
		            s->conn.state == TCP_CLOSE_WAIT))
			s->ready_seq = ++st->next_seq;
		break;
	case TCP_SLOT_RELEASED:
		if (s->conn.state == TCP_CLOSED)
			slot_free(st, i);
		break;
	case TCP_SLOT_FREE:
	case TCP_SLOT_APP:
	default:
		/* The app decides when its handles go away. */
		break;
	}
}

/* Children of listener 'h' not yet accepted (the backlog in use). */
static uint32_t pending_children(const struct tcp_stack *st, int h)
{
	uint32_t i, n = 0;

	for (i = 0; i < st->n; i++)
		if (st->slots[i].use == TCP_SLOT_PENDING &&
		    st->slots[i].parent == h)
			n++;
	return n;
}

/*
 * Aborts the children of listener 'h' not yet accepted: 3.10.5 sends
 * <SEQ=SND.NXT><CTL=RST> from SYN-RECEIVED, ESTABLISHED and CLOSE-WAIT.
 */
static void abort_children(struct tcp_stack *st, const struct tcp_env *env,
                           uint64_t now_us, int h, struct tcp_out *out)
{
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		struct tcp_stack_slot *s = &st->slots[i];

		if (s->use != TCP_SLOT_PENDING || s->parent != h)
			continue;
		tcp_conn_abort(&s->conn, env, now_us, out);
		slot_free(st, i);
	}
}

/* ---- Addresses ---------------------------------------------------------- */

/* A usable local address, or "any" (family 0). */
static bool laddr_ok(const struct tcp_addr *a)
{
	return a->family == 0 || tcp_addr_unicast(a);
}

/* ---- Setup and user calls ----------------------------------------------- */

int tcp_stack_init(struct tcp_stack *st, const struct tcp_cfg *cfg,
                   struct tcp_stack_slot *slots, uint32_t n, uint8_t *bufmem,
                   uint32_t rx_bytes, uint32_t tx_bytes)
{
	uint64_t per = (uint64_t)rx_bytes + tx_bytes;
	uint32_t i;

	if (!st || !cfg || !slots || n == 0)
		return TCP_EINVAL;
	if (per > 0 && !bufmem)
		return TCP_EINVAL;
	if (per > 0 && (uint64_t)n > (uint64_t)SIZE_MAX / per)
		return TCP_EINVAL;
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->slots = slots;
	st->n = n;
	st->bufmem = bufmem;
	st->rx_bytes = rx_bytes;
	st->tx_bytes = tx_bytes;
	for (i = 0; i < n; i++) {
		slot_take(st, i, TCP_SLOT_FREE);
		slot_free(st, i);
	}
	st->next_seq = 0;
	return 0;
}

int tcp_stack_listen(struct tcp_stack *st, const struct tcp_env *env,
                     uint64_t now_us, const struct tcp_addr *laddr,
                     uint16_t lport, uint32_t backlog)
{
	struct tcp_tuple t;
	uint32_t i;
	int h, r;

	memset(&t, 0, sizeof(t));
	if (laddr && laddr->family != 0) {
		if (laddr->family != TCP_AF_INET &&
		    laddr->family != TCP_AF_INET6)
			return TCP_EINVAL;
		if (!laddr_ok(laddr))
			return TCP_EADDRNOTAVAIL;
		t.laddr.family = laddr->family;
		memcpy(t.laddr.a, laddr->a,
		       laddr->family == TCP_AF_INET ? 4 : 16);
	}
	if (lport == 0)
		return TCP_EINVAL;
	t.lport = lport;
	/* One listener per local socket (3.10.1: "connection already exists"
	 * in spirit; sockets call it EADDRINUSE). */
	for (i = 0; i < st->n; i++) {
		const struct tcp_stack_slot *s = &st->slots[i];

		if (s->use != TCP_SLOT_FREE && s->listener &&
		    s->conn.state == TCP_LISTEN &&
		    s->conn.tuple.lport == lport &&
		    tcp_addr_eq(&s->conn.tuple.laddr, &t.laddr))
			return TCP_EADDRINUSE;
	}
	/* Listeners never evict: losing a TIME-WAIT to a listen() is no
	 * better than failing it. */
	h = slot_find_free(st);
	if (h < 0)
		return TCP_ENOMEM;
	slot_take(st, (uint32_t)h, TCP_SLOT_APP);
	r = tcp_conn_open_passive(&st->slots[h].conn, env, now_us, &t);
	if (r < 0) {
		slot_free(st, (uint32_t)h);
		return r;
	}
	st->slots[h].listener = true;
	/* Linux allows one waiting connection for backlog 0. */
	st->slots[h].backlog = backlog > 0 ? backlog : 1;
	return h;
}

/* True when a connection other than a listener already has tuple *t. */
static bool tuple_in_use(const struct tcp_stack *st, const struct tcp_tuple *t)
{
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		const struct tcp_stack_slot *s = &st->slots[i];

		if (s->use == TCP_SLOT_FREE || s->conn.state == TCP_CLOSED ||
		    s->conn.state == TCP_LISTEN)
			continue;
		if (tcp_tuple_eq(&s->conn.tuple, t))
			return true;
	}
	return false;
}

int tcp_stack_connect(struct tcp_stack *st, const struct tcp_env *env,
                      uint64_t now_us, const struct tcp_tuple *t,
                      struct tcp_out *out)
{
	return tcp_stack_connect_ip(st, env, now_us, t, NULL, out);
}

int tcp_stack_connect_ip(struct tcp_stack *st, const struct tcp_env *env,
                         uint64_t now_us, const struct tcp_tuple *t,
                         const struct tcp_ip_out *ip, struct tcp_out *out)
{
	struct tcp_tuple tt;
	int h, r, k;

	if (!t || !env)
		return TCP_EINVAL;
	if ((t->laddr.family != TCP_AF_INET &&
	     t->laddr.family != TCP_AF_INET6) ||
	    t->raddr.family != t->laddr.family)
		return TCP_EINVAL;
	/* MUST-46: refuse a remote that is not unicast, before any side
	 * effect (tcp_conn_open_active checks it again). */
	if (!tcp_addr_unicast(&t->raddr) || t->rport == 0)
		return TCP_EADDRNOTAVAIL;
	if (!tcp_addr_unicast(&t->laddr))
		return TCP_EADDRNOTAVAIL;
	tt = *t;
	if (tt.lport == 0) {
		if (!env->ephemeral_port)
			return TCP_EINVAL;
		/* A bounded number of draws: the environment's generator
		 * decides the ports, the stack only skips taken 4-tuples. */
		for (k = 0; k < TCP_STACK_EPHEMERAL_TRIES; k++) {
			tt.lport = env->ephemeral_port(env->ctx);
			if (tt.lport != 0 && !tuple_in_use(st, &tt))
				break;
		}
		if (k == TCP_STACK_EPHEMERAL_TRIES)
			return TCP_EADDRINUSE;
	} else if (tuple_in_use(st, &tt)) {
		return TCP_EADDRINUSE;
	}
	h = slot_alloc(st, env, now_us, out);
	if (h < 0)
		return TCP_ENOMEM;
	slot_take(st, (uint32_t)h, TCP_SLOT_APP);
	if (ip)
		tcp_conn_set_ip(&st->slots[h].conn, ip);
	r = tcp_conn_open_active(&st->slots[h].conn, env, now_us, &tt, out);
	if (r < 0) {
		slot_free(st, (uint32_t)h);
		return r;
	}
	return h;
}

int tcp_stack_accept(struct tcp_stack *st, int listener)
{
	const struct tcp_stack_slot *l = app_slot(st, listener);
	int best = -1;
	uint32_t i;

	if (!l || !l->listener || l->conn.state != TCP_LISTEN)
		return TCP_EINVAL;
	/* The accept queue: oldest ready_seq first (R25). */
	for (i = 0; i < st->n; i++) {
		const struct tcp_stack_slot *s = &st->slots[i];

		if (s->use != TCP_SLOT_PENDING || s->parent != listener ||
		    s->ready_seq == 0)
			continue;
		if (best < 0 || s->ready_seq < st->slots[best].ready_seq)
			best = (int)i;
	}
	if (best < 0)
		return TCP_EWOULDBLOCK;
	st->slots[best].use = TCP_SLOT_APP;
	st->slots[best].parent = -1;
	return best;
}

int tcp_stack_close(struct tcp_stack *st, const struct tcp_env *env,
                    uint64_t now_us, int h, int how, struct tcp_out *out)
{
	struct tcp_stack_slot *s = app_slot(st, h);
	int r;

	if (!s || (how != TCP_CLOSE_SEND && how != TCP_CLOSE_FULL))
		return TCP_EINVAL;
	if (s->listener) {
		abort_children(st, env, now_us, h, out);
		/* 3.10.4 LISTEN: "delete TCB, enter CLOSED state". */
		r = tcp_conn_close(&s->conn, env, now_us, TCP_CLOSE_FULL, out);
		slot_free(st, (uint32_t)h);
		return r;
	}
	r = tcp_conn_close(&s->conn, env, now_us, how, out);
	if (how == TCP_CLOSE_FULL) {
		s->use = TCP_SLOT_RELEASED;
		slot_update(st, (uint32_t)h);
	}
	return r;
}

int tcp_stack_abort(struct tcp_stack *st, const struct tcp_env *env,
                    uint64_t now_us, int h, struct tcp_out *out)
{
	struct tcp_stack_slot *s = app_slot(st, h);

	if (!s)
		return TCP_EINVAL;
	if (s->listener)
		abort_children(st, env, now_us, h, out);
	/* ENOTCONN from an already CLOSED record is no failure here: the
	 * handle goes away either way. */
	(void)tcp_conn_abort(&s->conn, env, now_us, out);
	slot_free(st, (uint32_t)h);
	return 0;
}

/* ---- Segment arrival ---------------------------------------------------- */

/* A drop decided by the stack itself, traced like the connection's own. */
static struct tcp_verdict stack_drop(const struct tcp_env *env, uint64_t now_us,
                                     struct tcp_stack_slot *s,
                                     enum tcp_disp disp, enum tcp_why why)
{
	return tcp_conn__drop(s ? &s->conn : NULL, env, now_us, disp, why);
}

static struct tcp_verdict count(struct tcp_stack *st, struct tcp_verdict v)
{
	st->segs_in++;
	if (v.disp != TCP_DISP_ACCEPT && (unsigned)v.why < TCP_WHY_COUNT)
		st->drops[v.why]++;
	return v;
}

/* The most specific listener for local socket t->laddr:t->lport, or -1. */
static int find_listener(const struct tcp_stack *st, const struct tcp_tuple *t)
{
	int any = -1;
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		const struct tcp_stack_slot *s = &st->slots[i];

		if (s->use == TCP_SLOT_FREE || !s->listener ||
		    s->conn.state != TCP_LISTEN ||
		    s->conn.tuple.lport != t->lport)
			continue;
		if (tcp_addr_eq(&s->conn.tuple.laddr, &t->laddr))
			return (int)i;
		if (s->conn.tuple.laddr.family == 0 && any < 0)
			any = (int)i;
	}
	return any;
}

int tcp_stack_demux(const struct tcp_stack *st, const struct tcp_tuple *t)
{
	uint32_t i;
	int l;

	/* A synchronized or synchronizing connection with this 4-tuple. */
	for (i = 0; i < st->n; i++) {
		const struct tcp_stack_slot *s = &st->slots[i];

		if (s->use == TCP_SLOT_FREE || s->conn.state == TCP_CLOSED ||
		    s->conn.state == TCP_LISTEN)
			continue;
		if (tcp_tuple_eq(&s->conn.tuple, t))
			return (int)i;
	}
	/* Else the most specific listener on the port. */
	l = find_listener(st, t);
	return l >= 0 ? l : TCP_ENOTCONN;
}

/*
 * RFC 9293 3.10.7.1, CLOSED: "all data in the incoming segment is
 * discarded. An incoming segment containing a RST is discarded. An incoming
 * segment not containing a RST causes a RST to be sent in response."
 * tcp_reply_closed() builds <SEQ=SEG.ACK><CTL=RST> or
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 */
static struct tcp_verdict input_closed(const struct tcp_env *env,
                                       uint64_t now_us,
                                       const struct tcp_tuple *t,
                                       const struct tcp_seg *seg,
                                       struct tcp_out *out)
{
	if (seg->flags & TCP_FLAG_RST)
		return stack_drop(env, now_us, NULL, TCP_DISP_DROP,
		                  TCP_WHY_CLOSED_RST);
	tcp_reply_closed(t, seg, out);
	return stack_drop(env, now_us, NULL, TCP_DISP_DROP_RST,
	                  TCP_WHY_CLOSED_NO_TCB);
}

/* Children inherit the listener's socket options. */
static void inherit_options(struct tcp_conn *c, const struct tcp_conn *l)
{
	tcp_conn_set_nodelay(c, (l->fl & TCP_CF_NODELAY) != 0);
	tcp_conn_set_keepalive(c, (l->fl & TCP_CF_KEEPALIVE) != 0);
	tcp_conn_set_user_timeout(c, l->user_timeout_us);
	/* The listener's TOS and TTL (MUST-48, MUST-49). */
	c->ip.tos = l->ip.tos;
	c->ip.ttl = l->ip.ttl;
}

/*
 * A SYN (no RST, no ACK) to listener h: RFC 9293 3.10.7.2 third. The
 * listener stays in LISTEN to take further SYNs, as socket stacks do; a
 * fresh slot, opened passively on the listener's local socket, takes the
 * SYN into SYN-RECEIVED instead. It remembers its parent for accept and is
 * dropped again if it goes back to LISTEN or to CLOSED before accept.
 */
static struct tcp_verdict
input_syn(struct tcp_stack *st, const struct tcp_env *env, uint64_t now_us,
          int h, const struct tcp_tuple *t, const struct tcp_seg *seg,
          const struct tcp_ip_out *rr, struct tcp_out *out)
{
	struct tcp_stack_slot *l = &st->slots[h];
	struct tcp_stack_slot *c;
	struct tcp_verdict v;
	int ci, r;

	/* The backlog counts children in SYN-RECEIVED and those waiting for
	 * accept. A full backlog drops the SYN silently, so that the peer
	 * retransmits it later (as Linux does), rather than refusing it. */
	if (pending_children(st, h) >= l->backlog)
		return stack_drop(env, now_us, l, TCP_DISP_DROP,
		                  TCP_WHY_BACKLOG_FULL);
	ci = slot_alloc(st, env, now_us, out);
	if (ci < 0)
		return stack_drop(env, now_us, l, TCP_DISP_DROP,
		                  TCP_WHY_TABLE_FULL);
	c = &st->slots[ci];
	slot_take(st, (uint32_t)ci, TCP_SLOT_PENDING);
	c->parent = h;
	r = tcp_conn_open_passive(&c->conn, env, now_us, &l->conn.tuple);
	TCP_ASSERT(env, r == 0); /* a fresh record is CLOSED */
	/* Before the SYN: the SYN,ACK is the child's first segment and
	 * already carries the listener's TOS and TTL, as on Linux, and the
	 * SYN's return route (MUST-53). */
	inherit_options(&c->conn, &l->conn);
	if (rr) {
		memcpy(c->conn.ip.opts, rr->opts, sizeof(c->conn.ip.opts));
		c->conn.ip.opt_len = rr->opt_len;
		c->conn.ip.nexthop = rr->nexthop;
		c->conn.ip.has_nexthop = rr->has_nexthop;
	}
	v = tcp_conn_input(&c->conn, env, now_us, t, seg, out);
	slot_update(st, (uint32_t)ci);
	return v;
}

/*
 * A SYN to slot h in TIME-WAIT: RFC 9293 3.6.1 MAY-2 and SHLD-4 (RFC 6191),
 * edge E112. When cfg->timewait_reopen is on, the SYN is acceptable as a
 * new incarnation (tcp_conn_timewait_syn_acceptable), the application has
 * given the slot up (RELEASED: a handle it still holds is not taken from
 * it) and a listener on the local socket has backlog room, the slot
 * becomes that listener's child and tcp_conn_timewait_reopen() takes the
 * SYN into SYN-RECEIVED; accept() then returns it like any child. If the
 * SYN was an old duplicate, the child goes back to TIME-WAIT and is
 * released again (slot_update). Otherwise returns false and the connection
 * answers the SYN itself (E111 challenge ACK, E113 legacy reset): with no
 * listener to accept it, a reopened connection would serve nobody.
 */
static bool input_timewait_syn(struct tcp_stack *st, const struct tcp_env *env,
                               uint64_t now_us, int h,
                               const struct tcp_tuple *t,
                               const struct tcp_seg *seg, struct tcp_out *out)
{
	struct tcp_stack_slot *s = &st->slots[h];
	int l;

	if (s->use != TCP_SLOT_RELEASED ||
	    !tcp_conn_timewait_syn_acceptable(&s->conn, seg))
		return false;
	l = find_listener(st, t);
	if (l < 0 || pending_children(st, l) >= st->slots[l].backlog)
		return false;
	{
		/* The SYN,ACK of the new incarnation is the listener's. */
		struct tcp_ip_out ip = s->conn.ip;

		s->conn.ip.tos = st->slots[l].conn.ip.tos;
		s->conn.ip.ttl = st->slots[l].conn.ip.ttl;
		if (tcp_conn_timewait_reopen(&s->conn, env, now_us, t, seg,
		                             out) != 0) {
			s->conn.ip = ip;
			return false;
		}
	}
	s->use = TCP_SLOT_PENDING;
	s->parent = l;
	s->alloc_seq = ++st->next_seq; /* a new incarnation */
	s->ready_seq = 0;
	inherit_options(&s->conn, &st->slots[l].conn);
	return true;
}

/*
 * RFC 9293 3.9.2.1 (MUST-53, SHLD-24; RFC 1122 4.2.3.8): the return route
 * of a completed source route goes with the connection that took the
 * segment: the SYN's for a new passive connection, a later segment's in
 * place of the earlier one, unless the user gave a route (MUST-52). TOS
 * and TTL stay as they are.
 */
static void take_route(struct tcp_conn *c, const struct tcp_ip_out *rr)
{
	if (!rr || c->ip.route_user || c->state == TCP_CLOSED ||
	    c->state == TCP_LISTEN)
		return;
	memcpy(c->ip.opts, rr->opts, sizeof(c->ip.opts));
	c->ip.opt_len = rr->opt_len;
	c->ip.nexthop = rr->nexthop;
	c->ip.has_nexthop = rr->has_nexthop;
}

static struct tcp_verdict
input_seg(struct tcp_stack *st, const struct tcp_env *env, uint64_t now_us,
          const struct tcp_addr *src, const struct tcp_addr *dst,
          const struct tcp_seg *seg, const struct tcp_ip_out *rr,
          struct tcp_out *out)
{
	struct tcp_tuple t;
	struct tcp_stack_slot *s;
	struct tcp_verdict v;
	int h;

	/* MUST-57, MUST-63 (see tcp_addr_unicast); no reply of any kind. */
	if (!tcp_addr_unicast(src) || !tcp_addr_unicast(dst) ||
	    src->family != dst->family)
		return stack_drop(env, now_us, NULL, TCP_DISP_DROP,
		                  TCP_WHY_BAD_ADDR);
	/* The tuple as seen locally: the segment's destination is ours. */
	memset(&t, 0, sizeof(t));
	t.laddr.family = dst->family;
	memcpy(t.laddr.a, dst->a, dst->family == TCP_AF_INET ? 4 : 16);
	t.raddr.family = src->family;
	memcpy(t.raddr.a, src->a, src->family == TCP_AF_INET ? 4 : 16);
	t.lport = seg->dport;
	t.rport = seg->sport;

	h = tcp_stack_demux(st, &t);
	if (h < 0)
		return input_closed(env, now_us, &t, seg, out);
	s = &st->slots[h];
	if (s->listener && s->conn.state == TCP_LISTEN &&
	    (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_RST | TCP_FLAG_ACK)) ==
	        TCP_FLAG_SYN)
		return input_syn(st, env, now_us, h, &t, seg, rr, out);
	if (s->conn.state == TCP_TIME_WAIT &&
	    input_timewait_syn(st, env, now_us, h, &t, seg, out))
		return (struct tcp_verdict){ TCP_DISP_ACCEPT, TCP_WHY_NONE };
	/* Anything else to a listener gets 3.10.7.2 from the listener itself
	 * (RST ignored, ACK answered with RST, the rest dropped). */
	v = tcp_conn_input(&s->conn, env, now_us, &t, seg, out);
	if (v.disp == TCP_DISP_ACCEPT && !s->listener)
		take_route(&s->conn, rr);
	slot_update(st, (uint32_t)h);
	return v;
}

struct tcp_verdict tcp_stack_input(struct tcp_stack *st,
                                   const struct tcp_env *env, uint64_t now_us,
                                   const struct tcp_addr *src,
                                   const struct tcp_addr *dst,
                                   const struct tcp_seg *seg,
                                   struct tcp_out *out)
{
	return count(st, input_seg(st, env, now_us, src, dst, seg, NULL, out));
}

struct tcp_verdict tcp_stack_icmp_input(struct tcp_stack *st,
                                        const struct tcp_env *env,
                                        uint64_t now_us,
                                        const struct tcp_icmp_info *ic)
{
	struct tcp_tuple t;
	struct tcp_stack_slot *s;
	struct tcp_verdict v;
	int cls, err, h;

	cls = (int)tcp_icmp_classify(ic->family, ic->type, ic->code, &err);
	if (cls == TCP_ICMP_QUENCH) /* MUST-55, before any lookup */
		return count(st, stack_drop(env, now_us, NULL, TCP_DISP_DROP,
		                            TCP_WHY_ICMP_QUENCH));
	if (cls == TCP_ICMP_IGNORE)
		return count(st, stack_drop(env, now_us, NULL, TCP_DISP_DROP,
		                            TCP_WHY_ICMP_IGNORED));
	/* MUST-54: the quoted segment is one we sent, so its source is the
	 * local end of the connection and its destination the remote one. */
	memset(&t, 0, sizeof(t));
	t.laddr = ic->qsrc;
	t.raddr = ic->qdst;
	t.lport = ic->qsport;
	t.rport = ic->qdport;
	h = tcp_stack_demux(st, &t);
	if (h < 0 || st->slots[h].listener ||
	    !tcp_tuple_eq(&st->slots[h].conn.tuple, &t))
		return count(st, stack_drop(env, now_us, NULL, TCP_DISP_DROP,
		                            TCP_WHY_ICMP_NO_CONN));
	s = &st->slots[h];
	v = tcp_conn_icmp(&s->conn, env, now_us, cls, err,
	                  (tcp_seq){ ic->qseq });
	slot_update(st, (uint32_t)h);
	return count(st, v);
}

struct tcp_verdict tcp_stack_input_packet(struct tcp_stack *st,
                                          const struct tcp_env *env,
                                          uint64_t now_us, const uint8_t *pkt,
                                          size_t len, struct tcp_out *out)
{
	struct tcp_ip_info ip;
	struct tcp_ip_out rr;
	bool has_rr = false;
	struct tcp_seg seg;
	enum tcp_why why;

	/* RFC 9293 3.9.2.2: ICMP and ICMPv6 errors go to their connection. */
	if (len >= TCP_IP6_HDR && (pkt[0] >> 4) == 6 &&
	    pkt[6] == TCP_IPPROTO_ICMPV6) {
		struct tcp_icmp_info ic;

		why = tcp_wire_icmp_parse(pkt, len, &ic);
		if (why != TCP_WHY_NONE)
			return count(st, stack_drop(env, now_us, NULL,
			                            TCP_DISP_DROP, why));
		return tcp_stack_icmp_input(st, env, now_us, &ic);
	}
	if (len >= TCP_IP4_HDR_MIN && (pkt[0] >> 4) == 4 &&
	    pkt[9] == TCP_IPPROTO_ICMP) {
		struct tcp_icmp_info ic;

		why = tcp_wire_icmp_parse(pkt, len, &ic);
		if (why != TCP_WHY_NONE)
			return count(st, stack_drop(env, now_us, NULL,
			                            TCP_DISP_DROP, why));
		return tcp_stack_icmp_input(st, env, now_us, &ic);
	}
	why = tcp_wire_ip_parse(pkt, len, &ip);
	if (why != TCP_WHY_NONE)
		return count(st,
		             stack_drop(env, now_us, NULL, TCP_DISP_DROP, why));
	/* MUST-3: verify the checksum of every segment (src and dst given). */
	why = tcp_seg_parse(&seg, ip.tcp, ip.tcp_len, &ip.src, &ip.dst);
	if (why != TCP_WHY_NONE)
		return count(st,
		             stack_drop(env, now_us, NULL, TCP_DISP_DROP, why));
	seg.ecn = ip.tos & TCP_ECN_MASK; /* RFC 3168 6.1.3 */
	/* A completed IPv4 source route gives a return route (MUST-53). */
	if (ip.src.family == TCP_AF_INET && ip.ip_hdr_bytes > TCP_IP4_HDR_MIN)
		has_rr = tcp_wire_ip4_return_route(pkt, ip.ip_hdr_bytes,
		                                   &ip.src, &rr);
	return count(st, input_seg(st, env, now_us, &ip.src, &ip.dst, &seg,
	                           has_rr ? &rr : NULL, out));
}

/* ---- Timers and queries ------------------------------------------------- */

void tcp_stack_poll(struct tcp_stack *st, const struct tcp_env *env,
                    uint64_t now_us, struct tcp_out *out)
{
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		struct tcp_stack_slot *s = &st->slots[i];

		if (s->use == TCP_SLOT_FREE)
			continue;
		if (tcp_conn_next_deadline_us(&s->conn) <= now_us)
			tcp_conn_poll(&s->conn, env, now_us, out);
		slot_update(st, i);
	}
}

uint64_t tcp_stack_next_deadline_us(const struct tcp_stack *st)
{
	uint64_t d = TCP_NO_DEADLINE;
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		uint64_t di;

		if (st->slots[i].use == TCP_SLOT_FREE)
			continue;
		di = tcp_conn_next_deadline_us(&st->slots[i].conn);
		if (di < d)
			d = di;
	}
	return d;
}

struct tcp_conn *tcp_stack_conn(struct tcp_stack *st, int h)
{
	if (!valid_index(st, h) || st->slots[h].use == TCP_SLOT_FREE)
		return NULL;
	return &st->slots[h].conn;
}

enum tcp_slot_use tcp_stack_slot_use(const struct tcp_stack *st, int h)
{
	return valid_index(st, h) ? st->slots[h].use : TCP_SLOT_FREE;
}

uint32_t tcp_stack_used(const struct tcp_stack *st)
{
	uint32_t i, n = 0;

	for (i = 0; i < st->n; i++)
		if (st->slots[i].use != TCP_SLOT_FREE)
			n++;
	return n;
}
