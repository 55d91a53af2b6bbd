/* SPDX-License-Identifier: MIT */
/* Helpers of the unit tests that need no module of suivant's (test_base.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/name.h"

#include "test_base.h"

int sv_test_db_file(char *path, size_t size, const char *name) {
	int n = snprintf(path, size, "/tmp/suivant-test-%s-XXXXXX", name);
	if (n < 0 || (size_t)n >= size) {
		return -1;
	}
	int fd = mkstemp(path);
	if (fd < 0) {
		return -1;
	}
	close(fd);
	return 0;
}

void sv_test_db_unlink(const char *path) {
	static const char *const beside[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(beside) / sizeof(*beside); i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s%s", path, beside[i]);
		unlink(p);
	}
}

struct sv_test_db *sv_test_db_new(const char *name) {
	struct sv_test_db *db = calloc(1, sizeof(*db));
	if (db == NULL || sv_test_db_file(db->path, sizeof(db->path),
			name) != 0) {
		free(db);
		return NULL;
	}
	return db;
}

void sv_test_db_free(struct sv_test_db *db) {
	if (db != NULL) {
		sv_test_db_unlink(db->path);
	}
	free(db);
}

struct sockaddr_storage sv_test_addr(const char *a) {
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	}
	return ss;
}

char *sv_test_host_of(char *buf, size_t n) {
	size_t o = 0;
	while (n - o > 64) {
		memset(buf + o, 'a', 63);
		o += 63;
		buf[o++] = '.';
	}
	memset(buf + o, 'b', n - o);
	buf[n] = '\0';
	return buf;
}

void sv_test_int_is(const char *what, long long got, long long want) {
	if (got != want) {
		fail_msg("%s: got %lld, want %lld", what, got, want);
	}
}

void sv_test_str_is(const char *what, const char *got, const char *want) {
	if (got == NULL || want == NULL ? got != want : strcmp(got, want) != 0) {
		fail_msg("%s: got \"%s\", want \"%s\"", what,
			got ? got : "(null)", want ? want : "(null)");
	}
}

void sv_test_pred_is(const char *what, bool (*pred)(const char *s),
		const struct sv_test_pred_case *c, size_t n) {
	for (size_t i = 0; i < n; i++) {
		if (pred(c[i].in) != c[i].want) {
			fail_msg("%s(\"%s\") is %s", what, c[i].in,
				c[i].want ? "false" : "true");
		}
	}
}

void sv_test_pred_all(const char *what, bool (*pred)(const char *s),
		const char *const *list, size_t n, bool want) {
	for (size_t i = 0; i < n; i++) {
		struct sv_test_pred_case c = { list[i], want };
		sv_test_pred_is(what, pred, &c, 1);
	}
}

void sv_test_parts(const char *what, const char *doc,
		const struct sv_test_part *p, size_t n) {
	assert_non_null(doc);
	for (size_t i = 0; i < n; i++) {
		if ((strstr(doc, p[i].text) != NULL) != p[i].has) {
			fail_msg("%s: \"%s\" is %s", what, p[i].text,
				p[i].has ? "missing" : "there");
		}
	}
}

void sv_test_in_order(const char *what, const char *doc,
		const char *const *texts, size_t n) {
	const char *at = doc;
	for (size_t i = 0; i < n; i++) {
		const char *next = strstr(at, texts[i]);
		if (next == NULL) {
			fail_msg("%s: \"%s\" is %s", what, texts[i],
				strstr(doc, texts[i]) ? "out of order" :
				"missing");
		}
		at = next + 1;
	}
}

static bool hostname_lower(const char *s) {
	return sv_is_hostname(s, true);
}

static bool hostname_any(const char *s) {
	return sv_is_hostname(s, false);
}

void sv_test_hostnames(const char *const *ok, size_t nok,
		const char *const *bad, size_t nbad) {
	sv_test_pred_all("sv_is_hostname(lower)", hostname_lower, ok, nok,
		true);
	sv_test_pred_all("sv_is_hostname", hostname_any, bad, nbad, false);
	assert_false(sv_is_hostname(NULL, false));
}

double sv_test_now_s(void) {
	struct timespec ts;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
