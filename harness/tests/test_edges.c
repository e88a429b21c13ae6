/* SPDX-License-Identifier: MIT
 *
 * Tests of the edge classifier (harness/src/edges.c) and of the edge table
 * conformance/edges.tsv: state changes, drop reasons, accepted segments,
 * timers and SEND calls map onto the checklist's edges; a script run on the
 * reference counts the edges it took; the transitions file lists all 115.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "shakedown/edges.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"
#include "tcpref/wire.h"

static void test_changes_map_to_edges(void **state)
{
	(void)state;
	assert_int_equal(sd_edge_of_change(TCP_CLOSED, TCP_LISTEN,
	                                   TCP_CAUSE_USER_OPEN_PASSIVE),
	                 1);
	assert_int_equal(sd_edge_of_change(TCP_SYN_SENT, TCP_ESTABLISHED,
	                                   TCP_CAUSE_RCV_SYN_ACK),
	                 18);
	assert_int_equal(sd_edge_of_change(TCP_SYN_RECEIVED, TCP_LISTEN,
	                                   TCP_CAUSE_RCV_RST),
	                 27);
	assert_int_equal(sd_edge_of_change(TCP_ESTABLISHED, TCP_CLOSED,
	                                   TCP_CAUSE_RCV_RST),
	                 44);
	assert_int_equal(sd_edge_of_change(TCP_FIN_WAIT_1, TCP_TIME_WAIT,
	                                   TCP_CAUSE_RCV_FIN_ACK),
	                 60);
	assert_int_equal(sd_edge_of_change(TCP_LAST_ACK, TCP_CLOSED,
	                                   TCP_CAUSE_RCV_ACK),
	                 98);
	assert_int_equal(sd_edge_of_change(TCP_TIME_WAIT, TCP_CLOSED,
	                                   TCP_CAUSE_TIMEOUT_TIME_WAIT),
	                 108);
	assert_int_equal(sd_edge_of_change(TCP_TIME_WAIT, TCP_SYN_RECEIVED,
	                                   TCP_CAUSE_RCV_SYN_REOPEN),
	                 112);
	/* Keep-alive and ICMP closes are not edges of the checklist. */
	assert_int_equal(sd_edge_of_change(TCP_ESTABLISHED, TCP_CLOSED,
	                                   TCP_CAUSE_TIMEOUT_KEEPALIVE),
	                 0);
}

static void test_drops_and_loops_map_to_edges(void **state)
{
	(void)state;
	assert_int_equal(sd_edge_of_drop(TCP_CLOSED, TCP_WHY_CLOSED_RST,
	                                 TCP_FLAG_RST),
	                 5);
	assert_int_equal(sd_edge_of_drop(TCP_CLOSED, TCP_WHY_CLOSED_NO_TCB,
	                                 TCP_FLAG_ACK),
	                 4);
	assert_int_equal(sd_edge_of_drop(TCP_CLOSED, TCP_WHY_CLOSED_NO_TCB,
	                                 TCP_FLAG_SYN),
	                 3);
	assert_int_equal(sd_edge_of_drop(TCP_LISTEN, TCP_WHY_LISTEN_ACK,
	                                 TCP_FLAG_ACK),
	                 10);
	assert_int_equal(sd_edge_of_drop(TCP_SYN_SENT,
	                                 TCP_WHY_SYNSENT_RST_NO_ACK,
	                                 TCP_FLAG_RST),
	                 15);
	assert_int_equal(sd_edge_of_drop(TCP_ESTABLISHED, TCP_WHY_RST_CHALLENGE,
	                                 TCP_FLAG_RST),
	                 45);
	assert_int_equal(sd_edge_of_drop(TCP_ESTABLISHED, TCP_WHY_ACK_UNSENT,
	                                 TCP_FLAG_ACK),
	                 50);
	assert_int_equal(sd_edge_of_drop(TCP_TIME_WAIT,
	                                 TCP_WHY_SEQ_NOT_ACCEPTABLE,
	                                 TCP_FLAG_FIN | TCP_FLAG_ACK),
	                 107);
	assert_int_equal(sd_edge_of_accept(TCP_ESTABLISHED, TCP_FLAG_ACK), 51);
	assert_int_equal(sd_edge_of_retransmit(TCP_SYN_SENT), 23);
	assert_int_equal(sd_edge_of_send(TCP_CLOSE_WAIT), 79);
	assert_int_equal(sd_edge_of_send(TCP_LISTEN), 0);
}

static void test_table_loads_all_edges(void **state)
{
	static struct sd_edge tab[SD_EDGES + 1];
	char why[256];

	(void)state;
	assert_int_equal(sd_edges_load(SD_SOURCE_DIR "/conformance/edges.tsv",
	                               tab, why, sizeof(why)),
	                 0);
	assert_string_equal(tab[36].from, "SYN-RECEIVED");
	assert_string_equal(tab[36].to, "ESTABLISHED");
	assert_string_equal(tab[115].kind, "base");
	assert_int_equal(sd_edges_load("/nonexistent/edges.tsv", tab, why,
	                               sizeof(why)),
	                 -1);
	assert_non_null(strstr(why, "cannot read"));
}

/* A passive open, data both ways, the peer's FIN, our close: the edges. */
static void test_run_counts_edges_of_a_script(void **state)
{
	static const char text[] =
	    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0 bind(3, ..., ...) = 0\n"
	    "+0 listen(3, 1) = 0\n"
	    "+0 < S 0:0(0) win 65535 <mss 1000>\n"
	    "+0 > S. 0:0(0) ack 1 <mss 1460>\n"
	    "+.1 < . 1:1(0) ack 1 win 65535\n"
	    "+0 accept(3, ..., ...) = 4\n"
	    "+0 write(4, ..., 100) = 100\n"
	    "+0 > P. 1:101(100) ack 1\n"
	    "+.1 < . 1:1(0) ack 101 win 65535\n"
	    "+0 < F. 1:1(0) ack 101 win 65535\n"
	    "+0 > . 101:101(0) ack 2\n"
	    "+0 close(4) = 0\n"
	    "+0 > F. 101:101(0) ack 2\n"
	    "+.1 < . 2:2(0) ack 102 win 65535\n";
	struct script s;
	struct diag d;
	struct run_opts o;
	struct run_result r;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	assert_int_equal(script_parse(&s, "edges.pkt", text, strlen(text), &d),
	                 0);
	o.target = &target_ref_ops;
	assert_int_equal(run_script(&s, &o, &r), 0);
	assert_int_equal(r.outcome, RUN_PASS);
	assert_true(r.have_edges);
	assert_false(r.edges_inferred);
	assert_true(r.edges[1] > 0);  /* CLOSED -> LISTEN */
	assert_true(r.edges[11] > 0); /* LISTEN -> SYN-RECEIVED */
	assert_true(r.edges[36] > 0); /* -> ESTABLISHED */
	assert_true(r.edges[53] > 0); /* SEND */
	assert_true(r.edges[51] > 0); /* acceptable ACK */
	assert_true(r.edges[52] > 0); /* FIN: CLOSE-WAIT */
	assert_true(r.edges[78] > 0); /* CLOSE: LAST-ACK */
	assert_true(r.edges[98] > 0); /* ACK of our FIN: CLOSED */
	assert_int_equal(r.edges[44], 0);
	run_result_free(&r);
	script_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_map_to_edges),
		cmocka_unit_test(test_drops_and_loops_map_to_edges),
		cmocka_unit_test(test_table_loads_all_edges),
		cmocka_unit_test(test_run_counts_edges_of_a_script),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
