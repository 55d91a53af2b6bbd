/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for log.c's batched access lines: whole lines, none lost or
 * interleaved when several threads log at once (with warnings written at
 * once in between), in text and JSON; a quiet thread's line reaches the
 * file within the flusher's interval; reopen and stop flush; the text
 * access line has the bytes printf made of it before it was hand-written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/alloc.h"
#include "util/log.h"

#include "test_base.h"

enum { THREADS = 4, LINES = 3000 };

static char path[64];

static void temp_log(void) {
	snprintf(path, sizeof(path), "/tmp/sv-test-log-%ld.log", (long)getpid());
	unlink(path);
	struct sv_err err = { "" };
	assert_int_equal(sv_log_open_file(path, &err), SV_OK);
}

static char *slurp(size_t *len) {
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *data = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap + 1);
			assert_non_null(data);
		}
		size_t k = fread(data + n, 1, cap - n, f);
		if (k == 0) {
			break;
		}
		n += k;
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

static void *worker(void *arg) {
	long t = (long)(intptr_t)arg;
	char p[32];
	snprintf(p, sizeof(p), "/t%ld", t);
	for (long i = 0; i < LINES; i++) {
		char dom[32];
		snprintf(dom, sizeof(dom), "d%ld.example", i);
		struct sv_log_access a = { .client = "127.0.0.1", .method = "GET",
			.path = p, .status = 200, .bytes = (size_t)i, .ms = 1,
			.domain = dom, .end = NULL };
		sv_log_access(&a);
		if (i % 500 == 0) {
			sv_log_warnx("warning from thread %ld line %ld", t, i);
		}
	}
	return NULL;
}

static void run_threads(void) {
	pthread_t th[THREADS];
	for (long t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_create(&th[t], NULL, worker,
			(void *)(intptr_t)t), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
	}
}

/*
 * The log file after run_threads() in format fmt, batched; owned by the
 * caller (free). The format is back to text afterwards.
 */
static char *threads_log(enum sv_log_format fmt, size_t *len) {
	temp_log();
	sv_log_set_format(fmt);
	assert_int_equal(sv_log_batch_start(), SV_OK);
	run_threads();
	sv_log_batch_stop();
	sv_log_set_format(SV_LOG_TEXT);
	return slurp(len);
}

static void test_text_lines_whole(void **state) {
	(void)state;
	size_t len;
	char *data = threads_log(SV_LOG_TEXT, &len);
	long count[THREADS] = { 0 }, warnings = 0;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
		long t, i;
		size_t bytes;
		char *acc = strstr(line, " info: access: GET \"/t");
		if (acc != NULL) {
			assert_int_equal(sscanf(acc, " info: access: GET \"/t%ld\" "
				"200 bytes=%zu ms=1 domain=d%ld.example "
				"client=127.0.0.1", &t, &bytes, &i), 3);
			assert_true(t >= 0 && t < THREADS);
			assert_int_equal((long)bytes, i);
			assert_int_equal(i, count[t]); /* in order per thread */
			assert_non_null(strstr(line, "client=127.0.0.1"));
			count[t]++;
		} else {
			assert_non_null(strstr(line, " warning: warning from "
				"thread "));
			warnings++;
		}
	}
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(count[t], LINES);
	}
	assert_int_equal(warnings, THREADS * (LINES / 500));
	free(data);
	unlink(path);
}

static void test_json_lines_whole(void **state) {
	(void)state;
	size_t len;
	char *data = threads_log(SV_LOG_JSON, &len);
	long access = 0, warnings = 0;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);
		assert_non_null(o);
		if (json_object_get(o, "status") != NULL) {
			access++;
		} else {
			assert_string_equal(json_string_value(
				json_object_get(o, "level")), "warning");
			warnings++;
		}
		json_decref(o);
	}
	assert_int_equal(access, THREADS * LINES);
	assert_int_equal(warnings, THREADS * (LINES / 500));
	free(data);
	unlink(path);
}

/* One line on a quiet server is written by the flusher, not held. */
static void test_quiet_line_flushed(void **state) {
	(void)state;
	temp_log();
	assert_int_equal(sv_log_batch_start(), SV_OK);
	struct sv_log_access a = { .client = "-", .method = "GET",
		.path = "/quiet", .status = 404, .bytes = 0, .ms = 0,
		.domain = "-", .end = NULL };
	double t0 = sv_test_now_s();
	sv_log_access(&a);
	size_t len = 0;
	char *data = NULL;
	while (sv_test_now_s() - t0 < 5) {
		free(data);
		data = slurp(&len);
		if (strstr(data, "/quiet") != NULL) {
			break;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000L }, NULL);
	}
	double waited = sv_test_now_s() - t0;
	assert_non_null(strstr(data, "\"/quiet\" 404"));
	assert_true(waited < 1.0); /* the flusher runs every 250 ms */
	free(data);
	/* reopen flushes what is pending into the old file first */
	sv_log_access(&a);
	struct sv_err err = { "" };
	assert_int_equal(sv_log_reopen(&err), SV_OK);
	data = slurp(&len);
	assert_non_null(strstr(strstr(data, "/quiet") + 1, "/quiet"));
	free(data);
	sv_log_batch_stop();
	assert_int_equal(sv_log_open_file(NULL, &err), SV_OK);
	unlink(path);
}

/* The access line's text as log.c wrote it with printf up to 22bd86f. */
static int printf_line(char *out, size_t size, const struct sv_log_access *a) {
	char status[16];
	if (a->status != 0) {
		snprintf(status, sizeof(status), "%u", a->status);
	} else {
		snprintf(status, sizeof(status), "-");
	}
	return snprintf(out, size, "info: access: %s \"%s\" %s bytes=%zu "
		"ms=%ld domain=%s client=%s%s%s%s%s", a->method, a->path,
		status, a->bytes, a->ms, a->domain, a->client,
		a->end != NULL ? " end=" : "", a->end != NULL ? a->end : "",
		a->mx != NULL ? " mx=" : "", a->mx != NULL ? a->mx : "");
}

/* Every field's extremes, each optional part present or not, and a line
 * over the 2,048-byte limit: the same bytes as printf's, cut alike. */
static void test_access_text_bytes(void **state) {
	(void)state;
	static char long_path[3000];
	memset(long_path, 'p', sizeof(long_path) - 1);
	const struct sv_log_access cases[] = {
		{ .client = "192.0.2.1", .method = "GET",
			.path = "/mail/config-v1.1.xml", .status = 200,
			.bytes = 1998, .ms = 0, .domain = "free.fr" },
		{ .client = "2001:db8::1", .method = "POST",
			.path = "/autodiscover/autodiscover.xml",
			.status = 503, .bytes = 0, .ms = 12345,
			.domain = "-", .end = "timeout", .mx = "busy" },
		{ .client = "-", .method = "-", .path = "/v1.1/*",
			.status = 0, .bytes = SIZE_MAX, .ms = LONG_MAX,
			.domain = "-", .end = "client-abort" },
		{ .client = "-", .method = "G\\x00T", .path = "",
			.status = UINT_MAX, .bytes = 10, .ms = LONG_MIN,
			.domain = "example.org", .mx = "nomatch" },
		{ .client = "127.0.0.1", .method = "GET", .path = long_path,
			.status = 414, .bytes = 7, .ms = -1, .domain = "-" },
	};
	struct sv_err err = { "" };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		temp_log();
		sv_log_access(&cases[i]);
		assert_int_equal(sv_log_open_file(NULL, &err), SV_OK);
		size_t len = 0;
		char *data = slurp(&len);
		/* past the timestamp, which printf did not write either */
		const char *got = strstr(data, "info: access: ");
		assert_non_null(got);
		char want[2048 + 64];
		int n = printf_line(want, sizeof(want), &cases[i]);
		assert_true(n > 0);
		/* log.c cut at 2,047 bytes of line, timestamp included, and
		 * the newline then replaced the last of them */
		size_t ts = (size_t)(got - data);
		size_t keep = (size_t)n;
		if (ts + keep > 2046) {
			keep = 2046 - ts;
		}
		assert_int_equal(len - ts, keep + 1);
		assert_memory_equal(got, want, keep);
		assert_int_equal(got[keep], '\n');
		free(data);
		unlink(path);
	}
}

SV_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_text_lines_whole),
	cmocka_unit_test(test_json_lines_whole),
	cmocka_unit_test(test_quiet_line_flushed),
	cmocka_unit_test(test_access_text_bytes),
)
