/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the unit tests that need no module of suivant's beyond
 * util/ (tests/unit/test_base.c; test_support.h holds those built on the
 * model and the renderers): temporary database files (an empty file made
 * with mkstemp in /tmp, removed together with the -wal, -shm and -journal
 * files SQLite may leave beside it), client socket addresses, long host
 * names, and the checks of table-driven tests, whose failure names the
 * case. Include cmocka.h before this header.
 */
#ifndef SUIVANT_TEST_BASE_H
#define SUIVANT_TEST_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * Creates an empty file /tmp/suivant-test-<name>-XXXXXX and writes its
 * path into path (size bytes). 0, or -1 when it cannot.
 */
int sv_test_db_file(char *path, size_t size, const char *name);

/* Removes path and the files SQLite keeps beside it (those present). */
void sv_test_db_unlink(const char *path);

/* A temporary database file, as the state of a cmocka fixture. */
struct sv_test_db {
	char path[64];
};

/*
 * A new temporary database file named after name (sv_test_db_file),
 * owned by the caller (sv_test_db_free); NULL when it cannot be made.
 */
struct sv_test_db *sv_test_db_new(const char *name);

/* Removes db's file (sv_test_db_unlink) and frees db; NULL is fine. */
void sv_test_db_free(struct sv_test_db *db);

/*
 * The address a ("192.0.2.1", or IPv6 when it holds a ':'), port 0, as
 * a client's; fails the running test when a is not one.
 */
struct sockaddr_storage sv_test_addr(const char *a);

/*
 * A host name of exactly n octets (n >= 5) into buf (n + 1 bytes):
 * 63-octet labels of 'a', then one shorter label of 'b' (never starting
 * with '-', never all digits). Returns buf.
 */
char *sv_test_host_of(char *buf, size_t n);

/* Seconds on the monotonic clock, for tests that wait. */
double sv_test_now_s(void);

/*
 * The main() of a unit test program: the cmocka tests that follow setup
 * and teardown (the group's, either may be NULL) run as one group. A
 * trailing comma after the last test is fine.
 */
#define SV_TEST_MAIN(setup, teardown, ...) \
	int main(void) { \
		const struct CMUnitTest tests[] = { __VA_ARGS__ }; \
		return cmocka_run_group_tests(tests, setup, teardown); \
	}

/* The number of elements of the array a (a table of cases). */
#define SV_TEST_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Table-driven tests: got must equal want, else the running test fails
 * with a message that names the case (what).
 */
void sv_test_int_is(const char *what, long long got, long long want);

/* Likewise for strings; NULL equals only NULL. */
void sv_test_str_is(const char *what, const char *got, const char *want);

/* A string and what a predicate must answer for it. */
struct sv_test_pred_case {
	const char *in;
	bool want;
};

/*
 * A string and the string that must come of it (a result, a message or
 * its start; NULL where none must): a row of a table-driven test.
 */
struct sv_test_str_case {
	const char *in;
	const char *want;
};

/*
 * pred(c[i].in) must be c[i].want for each of the n cases; a failure
 * names the predicate (what) and the input.
 */
void sv_test_pred_is(const char *what, bool (*pred)(const char *s),
	const struct sv_test_pred_case *c, size_t n);

/* pred must answer want for each of the n strings of list. */
void sv_test_pred_all(const char *what, bool (*pred)(const char *s),
	const char *const *list, size_t n, bool want);

/*
 * Checks of a rendered document: a piece of text it must hold (has) or
 * must not hold (!has). SV_TEST_PARTS(...) turns a list of SV_TEST_HAS /
 * SV_TEST_LACKS into the array and count sv_test_parts() takes.
 */
struct sv_test_part {
	const char *text;
	bool has;
};

#define SV_TEST_HAS(s) { (s), true }
#define SV_TEST_LACKS(s) { (s), false }
#define SV_TEST_PARTS(...) (const struct sv_test_part[]){ __VA_ARGS__ }, \
	SV_TEST_LEN(((const struct sv_test_part[]){ __VA_ARGS__ }))

/*
 * Each of the n parts must be in doc, or absent from it; a failure names
 * the case (what) and the part.
 */
void sv_test_parts(const char *what, const char *doc,
	const struct sv_test_part *p, size_t n);

/*
 * Each of the n texts must be in doc, each after the start of the one
 * before; a failure names the case (what) and the text.
 */
void sv_test_in_order(const char *what, const char *doc,
	const char *const *texts, size_t n);

/*
 * sv_is_hostname() must accept each of the nok names of ok in lower case
 * only, and refuse NULL and each of the nbad names of bad in any case.
 */
void sv_test_hostnames(const char *const *ok, size_t nok,
	const char *const *bad, size_t nbad);

#endif
