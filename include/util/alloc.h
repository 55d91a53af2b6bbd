/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ALLOC_H
#define SUIVANT_ALLOC_H

#include <stddef.h>

/*
 * Every allocation in src/ goes through these wrappers so that tests can
 * make the Nth allocation fail (SQLite's fault simulation idea) and prove
 * that each error path returns SV_ENOMEM instead of crashing.
 * They behave like their libc namesakes; sv_free(NULL) is a no-op.
 * sv_calloc and sv_reallocarray check n * size for overflow.
 */
void *sv_malloc(size_t size);
void *sv_calloc(size_t n, size_t size);
void *sv_realloc(void *p, size_t size);
void *sv_reallocarray(void *p, size_t n, size_t size);
char *sv_strdup(const char *s);
char *sv_strndup(const char *s, size_t n);
void sv_free(void *p);

/*
 * For an array that has stopped growing (cap elements of size bytes at
 * p, n of them used): the block shrunk to the n used elements, or NULL
 * when there is nothing to give back (n 0 or not below cap) or the
 * shrink failed; p then stays as it was, valid and larger.
 */
void *sv_shrink_array(void *p, size_t n, size_t cap, size_t size);

/*
 * Test hook: after n more successful allocations, every allocation fails
 * until sv_alloc_fail_after(-1) is called. Thread-safe (atomic counter).
 */
void sv_alloc_fail_after(long n);

/*
 * Test hook: counts the successful allocations (sv_malloc, sv_calloc,
 * sv_realloc and the functions built on them, in every thread) from
 * sv_alloc_count_start() to sv_alloc_count_stop(), which returns the count.
 */
void sv_alloc_count_start(void);
unsigned long sv_alloc_count_stop(void);

#endif
