/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers with a fault-injection counter and an allocation
 * counter for tests. The counters are the only process-wide mutable state
 * here; they are atomic and never armed outside tests (unarmed, each
 * allocation reads two atomics and writes nothing shared).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static atomic_long fail_countdown = -1;
static atomic_bool counting;
static atomic_ulong counted;

void sv_alloc_count_start(void) {
	atomic_store(&counted, 0);
	atomic_store(&counting, true);
}

unsigned long sv_alloc_count_stop(void) {
	atomic_store(&counting, false);
	return atomic_load(&counted);
}

/* p, counted when counting is armed and p is an allocation. */
static void *count(void *p) {
	if (p != NULL && atomic_load_explicit(&counting,
			memory_order_relaxed)) {
		atomic_fetch_add_explicit(&counted, 1, memory_order_relaxed);
	}
	return p;
}

void sv_alloc_fail_after(long n) {
	atomic_store(&fail_countdown, n);
}

/* True when the injected failure point has been reached. */
static int should_fail(void) {
	long left = atomic_load(&fail_countdown);
	while (left >= 0) {
		if (left == 0) {
			return 1;
		}
		if (atomic_compare_exchange_weak(&fail_countdown, &left,
				left - 1)) {
			return 0;
		}
	}
	return 0;
}

void *sv_malloc(size_t size) {
	return should_fail() ? NULL : count(malloc(size == 0 ? 1 : size));
}

void *sv_calloc(size_t n, size_t size) {
	if (size != 0 && n > SIZE_MAX / size) {
		return NULL;
	}
	return should_fail() ? NULL : count(calloc(n == 0 ? 1 : n,
		size == 0 ? 1 : size));
}

void *sv_realloc(void *p, size_t size) {
	return should_fail() ? NULL : count(realloc(p, size == 0 ? 1 : size));
}

void *sv_reallocarray(void *p, size_t n, size_t size) {
	if (size != 0 && n > SIZE_MAX / size) {
		return NULL;
	}
	return sv_realloc(p, n * size);
}

char *sv_strndup(const char *s, size_t n) {
	char *d = sv_malloc(n + 1);
	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *sv_strdup(const char *s) {
	return sv_strndup(s, strlen(s));
}

void sv_free(void *p) {
	free(p);
}

void *sv_shrink_array(void *p, size_t n, size_t cap, size_t size) {
	if (n == 0 || n >= cap) {
		return NULL;
	}
	return sv_reallocarray(p, n, size);
}
