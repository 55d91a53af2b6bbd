/* SPDX-License-Identifier: MIT */
/*
 * Temporary database files for the store tests (tests/unit/test_db.c):
 * an empty file made with mkstemp in /tmp, and its removal together with
 * the -wal, -shm and -journal files SQLite may leave beside it.
 */
#ifndef SUIVANT_TEST_DB_H
#define SUIVANT_TEST_DB_H

#include <stddef.h>

/*
 * Creates an empty file /tmp/suivant-test-<name>-XXXXXX and writes its
 * path into path (size bytes). 0, or -1 when it cannot.
 */
int sv_test_db_file(char *path, size_t size, const char *name);

/* Removes path and the files SQLite keeps beside it (those present). */
void sv_test_db_unlink(const char *path);

#endif
