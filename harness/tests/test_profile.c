/* SPDX-License-Identifier: MIT
 *
 * Tests of the target profile parser (harness/src/profile.c): the format,
 * its errors with file:line:col, "// requires:" look-ups and deviation
 * matching; and of the report's DEVIATES outcome and closing lines. Also
 * parses every shipped profile in conformance/profiles/, and runs the
 * reference with a timer_tick_ms (the runner's tolerance for tick-based
 * stacks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "shakedown/profile.h"
#include "shakedown/report.h"
#include "shakedown/run.h"
#include "shakedown/script.h"
#include "shakedown/target.h"

static const char good[] =
    "# comment\n"
    "target = linux   # trailing\n"
    "\n"
    "  time_wait_s = 60\r\n"
    "quick_ack = yes\n"
    "ecn = accept\n"
    "syn_options = <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 10>\n"
    "description = a # comment after text\n"
    "deviation handshake/a.pkt MUST-23 \"gives up # early\"\n"
    "deviation teardown/b.pkt rfc6298-2.4 \"RTO floor\"  # why\n";

static void test_profile_parses_keys_and_deviations(void **state)
{
	struct profile p = { 0 };
	struct diag d;
	char why[160] = "";

	(void)state;
	diag_clear(&d);
	assert_int_equal(profile_parse(&p, "dir/lx", good, strlen(good), &d),
	                 0);
	assert_string_equal(p.name, "lx");
	assert_string_equal(profile_get(&p, "target"), "linux");
	assert_string_equal(profile_get(&p, "time_wait_s"), "60");
	assert_string_equal(profile_get(&p, "description"), "a");
	assert_null(profile_get(&p, "rto_min_ms"));
	assert_int_equal(p.dev_n, 2);
	assert_string_equal(p.dev[0].reason, "gives up # early");
	assert_string_equal(p.dev[1].req, "rfc6298-2.4");
	assert_int_equal(p.dev[1].line, 10);

	assert_int_equal(profile_requires(&p, "time_wait_s=60", why, 160), 1);
	assert_int_equal(profile_requires(&p, "quick_ack", why, 160), 1);
	assert_int_equal(profile_requires(&p, "time_wait_s!=60", why, 160), 0);
	assert_int_equal(profile_requires(&p, "time_wait_s=240", why, 160), 0);
	assert_string_equal(why, "requires time_wait_s=240; profile lx has "
	                         "time_wait_s = 60");
	assert_int_equal(profile_requires(&p, "rfc5961", why, 160), -1);
	assert_int_equal(profile_requires(NULL, "rfc5961", why, 160), -1);
	assert_int_equal(profile_requires(&p, "ecn!=no", why, 160), 1);
	assert_int_equal(profile_requires(&p, "ecn=yes", why, 160), 0);

	assert_non_null(profile_deviation(&p, "handshake/a.pkt"));
	assert_non_null(
	    profile_deviation(&p, "conformance/vectors/handshake/a.pkt"));
	assert_non_null(profile_deviation(&p, "/abs/x/teardown/b.pkt"));
	assert_null(profile_deviation(&p, "conformance/xhandshake/a.pkt"));
	assert_null(profile_deviation(&p, "a.pkt"));
	assert_null(profile_deviation(NULL, "handshake/a.pkt"));
	profile_free(&p);
}

/* Parses text; the first line of the printed error must be want. */
static void expect_error(const char *text, const char *want)
{
	struct profile p = { 0 };
	struct diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	diag_clear(&d);
	assert_int_equal(profile_parse(&p, "pf", text, strlen(text), &d), -1);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	diag_print(&d, fp);
	fclose(fp);
	out[strcspn(out, "\n")] = '\0';
	if (strcmp(out, want) != 0)
		print_error("got  '%s'\nwant '%s'\n", out, want);
	assert_string_equal(out, want);
	free(out);
	profile_free(&p);
}

static void test_profile_errors_name_file_line_col(void **state)
{
	(void)state;
	expect_error("target = ref\nrto_min = 5\n",
	             "pf:2:1: error: unknown key 'rto_min' (see "
	             "conformance/profiles/README.md for the keys)");
	expect_error("target = ref\nquick_ack = maybe\n",
	             "pf:2:13: error: expected yes or no for 'quick_ack', "
	             "got 'maybe'");
	expect_error("target = ref\ntime_wait_s = -1\n",
	             "pf:2:15: error: expected a whole number for "
	             "'time_wait_s', got '-1'");
	expect_error("target = ref\ntime_wait_s = 99999999999\n",
	             "pf:2:15: error: expected a whole number for "
	             "'time_wait_s', got '99999999999'");
	expect_error("target = ref\ntarget = linux\n",
	             "pf:2:1: error: 'target' set twice (first on line 1)");
	expect_error("target = ref\ntime_wait_s 60\n",
	             "pf:2:13: error: expected '=' after 'time_wait_s'");
	expect_error("target = ref\nmsl_s =\n",
	             "pf:2:8: error: expected a value for 'msl_s'");
	expect_error("target = ref\necn = on\n",
	             "pf:2:7: error: expected yes, accept or no for 'ecn', "
	             "got 'on'");
	expect_error("target = ref\nack_every_second = half\n",
	             "pf:2:20: error: expected full or any for "
	             "'ack_every_second', got 'half'");
	expect_error("target = two words\n",
	             "pf:1:13: error: expected one word for 'target', got "
	             "'two words'");
	expect_error("target = ref\nsyn_options = mss 1460\n",
	             "pf:2:15: error: expected an option list such as <mss "
	             "1460,nop,wscale 7> (or none), got 'mss 1460'");
	expect_error("target = ref\nsyn_options = <mss 99999>\n",
	             "pf:2:15: error: bad option list '<mss 99999>': mss "
	             "99999 is out of range (at most 65535)");
	expect_error("target = ref\ndeviation x.pkt MUST-1 no\n",
	             "pf:2:24: error: expected a quoted reason after "
	             "'MUST-1'");
	expect_error("target = ref\ndeviation x.pkt MUST-1 \"open\n",
	             "pf:2:24: error: unterminated reason (missing '\"')");
	expect_error("target = ref\ndeviation x.pkt MUST-1 \"\"\n",
	             "pf:2:24: error: the reason is empty");
	expect_error("target = ref\ndeviation x.pkt MUST-1 \"a\" b\n",
	             "pf:2:28: error: unexpected text after the reason");
	expect_error("target = ref\ndeviation x.txt MUST-1 \"a\"\n",
	             "pf:2:11: error: expected the path of a .pkt vector, got "
	             "'x.txt'");
	expect_error("target = ref\ndeviation x.pkt\n",
	             "pf:2:16: error: expected a requirement ID (MUST-13, "
	             "SHLD-5, MAY-2, rfc7323-3.2) after the path");
	expect_error("target = ref\ndeviation a.pkt M-1 \"a\"\n"
	             "deviation a.pkt M-2 \"b\"\n",
	             "pf:3: error: deviation for 'a.pkt' listed twice (first "
	             "on line 2)");
	expect_error("target = ref\n= 5\n",
	             "pf:2:1: error: expected 'key = value' or 'deviation', "
	             "got '='");
	expect_error("target = ref\nmsl_s = 1\x01\n",
	             "pf:2:10: error: control byte 0x01");
	expect_error("# nothing\nmsl_s = 1\n",
	             "pf: error: no 'target = NAME' line (which target does "
	             "this profile describe?)");
}

static void test_profile_shipped_files_parse(void **state)
{
	static const char *const names[] = { "ref",     "ref-legacy",
		                             "ref-ecn", "ref-rfc5961",
		                             "linux",   "lwip" };
	/* Keys vectors require: every target must say where it stands. */
	static const char *const keys[] = {
		"rfc5961",         "legacy",
		"rfc1337",         "ecn",
		"timestamps",      "sack",
		"timewait_reopen", "ack_every_second",
		"timer_tick_ms",   "default_ttl",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[512];
		struct profile p = { 0 };
		struct diag d;

		snprintf(path, sizeof(path), "%s/conformance/profiles/%s",
		         SD_SOURCE_DIR, names[i]);
		diag_clear(&d);
		if (profile_load(&p, path, &d) != 0) {
			diag_print(&d, stderr);
			fail();
		}
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (profile_get(&p, keys[k]) == NULL)
				fail_msg("profile %s declares no %s", names[i],
				         keys[k]);
		profile_free(&p);
	}
}

static void test_profile_find_by_name_and_target(void **state)
{
	char path[512];

	(void)state;
	setenv("SHAKEDOWN_PROFILE_DIR", SD_SOURCE_DIR "/conformance/profiles",
	       1);
	assert_int_equal(profile_find("legacy", "ref", path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/ref-legacy"));
	assert_int_equal(profile_find("default", "linux", path, sizeof(path)),
	                 0);
	assert_non_null(strstr(path, "/linux"));
	assert_int_equal(profile_find("nosuch", "ref", path, sizeof(path)), -1);
	assert_int_equal(profile_find("/no/such/file", "ref", path,
	                              sizeof(path)),
	                 -1);
}

/*
 * timer_tick_ms: on a virtual clock, a segment due after the latest
 * inbound packet or call (a timer's) may come up to one tick late; one due
 * at that instant (an answer) keeps its exact time. The reference sends
 * the delayed ACK of 100 octets 200 ms after them.
 */
static int run_with_tick(const char *expect_ack, const char *tick_ms)
{
	char text[1024], prof[128];
	struct script s;
	struct profile p = { 0 };
	struct run_result r;
	struct run_opts o;
	struct diag d;
	int outcome;

	snprintf(text, sizeof(text),
	         "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	         "+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
	         "+0  bind(3, ..., ...) = 0\n"
	         "+0  listen(3, 1) = 0\n"
	         "+0  < S 0:0(0) win 65535 <mss 1000>\n"
	         "+0  > S. 0:0(0) ack 1 <mss 1460>\n"
	         "+.1 < . 1:1(0) ack 1 win 65535\n"
	         "+0  accept(3, ..., ...) = 4\n"
	         "+.1 < P. 1:101(100) ack 1 win 65535\n"
	         "%s > . 1:1(0) ack 101\n",
	         expect_ack);
	snprintf(prof, sizeof(prof), "target = ref\ntimer_tick_ms = %s\n",
	         tick_ms);
	memset(&s, 0, sizeof(s));
	diag_clear(&d);
	assert_int_equal(script_parse(&s, "t.pkt", text, strlen(text), &d), 0);
	assert_int_equal(profile_parse(&p, "tick", prof, strlen(prof), &d), 0);
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.target = &target_ref_ops;
	o.profile = &p;
	assert_int_equal(run_script(&s, &o, &r), 0);
	outcome = (int)r.outcome;
	run_result_free(&r);
	script_free(&s);
	profile_free(&p);
	return outcome;
}

static void test_run_timer_tick_widens_timer_segments_only(void **state)
{
	(void)state;
	/* Due 100 ms after the data, sent after 200 ms. */
	assert_int_equal(run_with_tick("+.1", "0"), RUN_FAIL);
	assert_int_equal(run_with_tick("+.1", "50"), RUN_FAIL);
	assert_int_equal(run_with_tick("+.1", "150"), RUN_PASS);
	assert_int_equal(run_with_tick("+.2", "0"), RUN_PASS);
	/* Due with the data: an answer, whatever the tick. */
	assert_int_equal(run_with_tick("+0", "500"), RUN_FAIL);
}

/* The report: DEVIATES apart from failures, and the closing lines. */
static void test_report_deviates(void **state)
{
	static const char text[] =
	    "target = ref\n"
	    "deviation v/dev.pkt MUST-13 \"keeps TIME-WAIT 60 s\"\n"
	    "deviation v/fixed.pkt MUST-23 \"gave up early\"\n";
	struct profile p = { 0 };
	struct run_result pass = { 0 }, fail = { 0 };
	struct report rp;
	struct diag d;
	char *out = NULL, *js = NULL;
	size_t len = 0, jl = 0;
	FILE *fp = open_memstream(&out, &len), *jf;

	(void)state;
	diag_clear(&d);
	assert_int_equal(profile_parse(&p, "lx", text, strlen(text), &d), 0);
	pass.outcome = RUN_PASS;
	fail.outcome = RUN_FAIL;
	diag_set(&fail.diag, "v/dev.pkt", 40, 0, NULL, 0,
	         "segment: expected none, got > R 2:2(0)");
	report_init(&rp, fp);
	rp.profile = &p;
	assert_int_equal(report_add(&rp, "x/v/dev.pkt", NULL, &fail, NULL), 0);
	assert_int_equal(report_add(&rp, "v/fixed.pkt", NULL, &pass, NULL), 0);
	assert_int_equal(report_add(&rp, "v/other.pkt", NULL, &fail, NULL), 0);
	report_summary(&rp);
	fclose(fp);
	printf("%s", out);
	assert_non_null(strstr(out, "DEVIATES x/v/dev.pkt: MUST-13 keeps "
	                            "TIME-WAIT 60 s\n    v/dev.pkt:40: "
	                            "segment: expected none"));
	assert_non_null(strstr(out, "PASS v/fixed.pkt (0.00 ms): deviation "
	                            "no longer seen: MUST-23 (profile lx, "
	                            "line 3)\n"));
	assert_non_null(strstr(out, "\nFAIL v/other.pkt\n"));
	assert_int_equal(rp.deviated, 1);
	assert_int_equal(rp.failed, 1);
	assert_int_equal(rp.passed, 1);
	assert_int_equal(rp.no_longer, 1);
	assert_string_equal(out + len -
	                        strlen("1 deviated as expected (profile lx), "
	                               "1 listed deviations no longer seen\n"
	                               "1 passed, 1 failed, 0 skipped\n"),
	                    "1 deviated as expected (profile lx), 1 listed "
	                    "deviations no longer seen\n"
	                    "1 passed, 1 failed, 0 skipped\n");

	jf = open_memstream(&js, &jl);
	report_json_fp(&rp, jf);
	fclose(jf);
	assert_non_null(strstr(js, "\"outcome\": \"deviates\""));
	assert_non_null(strstr(js, "\"deviation\": {\"requirement\": "
	                           "\"MUST-13\", \"reason\": \"keeps "
	                           "TIME-WAIT 60 s\"}"));
	free(js);
	js = NULL;
	jf = open_memstream(&js, &jl);
	report_junit_fp(&rp, jf);
	fclose(jf);
	assert_non_null(strstr(js, "<skipped type=\"deviates\" "
	                           "message=\"DEVIATES MUST-13 keeps"));
	assert_non_null(strstr(js, "failures=\"1\""));
	assert_non_null(strstr(js, "skipped=\"1\""));
	free(js);
	report_free(&rp);
	free(out);
	profile_free(&p);
}

/* Without deviations the output ends as it always did. */
static void test_report_no_deviation_line_without_deviations(void **state)
{
	struct report rp;
	struct run_result pass = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	(void)state;
	pass.outcome = RUN_PASS;
	report_init(&rp, fp);
	assert_int_equal(report_add(&rp, "a.pkt", NULL, &pass, NULL), 0);
	report_summary(&rp);
	fclose(fp);
	assert_string_equal(out, "PASS a.pkt (0.00 ms)\n"
	                         "1 passed, 0 failed, 0 skipped\n");
	report_free(&rp);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_parses_keys_and_deviations),
		cmocka_unit_test(test_profile_errors_name_file_line_col),
		cmocka_unit_test(test_profile_shipped_files_parse),
		cmocka_unit_test(test_profile_find_by_name_and_target),
		cmocka_unit_test(
		    test_run_timer_tick_widens_timer_segments_only),
		cmocka_unit_test(test_report_deviates),
		cmocka_unit_test(
		    test_report_no_deviation_line_without_deviations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
