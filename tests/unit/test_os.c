/* SPDX-License-Identifier: MIT */
/* Temporary database files for the store tests (test_db.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_db.h"

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
