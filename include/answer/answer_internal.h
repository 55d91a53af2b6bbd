/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ANSWER_INTERNAL_H
#define SUIVANT_ANSWER_INTERNAL_H

/*
 * Private to compiled answers: answer.c (the builder and the fill path)
 * and answer_pool.c (the line pool and interning) share the pool's
 * layout, which nothing else may touch. Nothing else includes this
 * header.
 */

#include <stddef.h>
#include <stdint.h>

#include "answer/answer.h"

struct chunk {
	uint32_t off, len; /* into arena */
};

struct sv_answer_pool {
	char *arena;            /* owned bytes of every chunk */
	size_t n_arena, cap_arena;
	struct chunk *chunks;   /* owned */
	uint32_t n_chunks, cap_chunks;
	uint32_t *slots;        /* owned lookup table: chunk index + 1, 0 =
	                         * empty; NULL for a private pool or sealed */
	size_t mask;            /* capacity - 1 */
};

/* ---- answer_pool.c ---- */

/* Appends a chunk without looking for an equal one; its index in *idx.
 * SV_ETOOBIG past 32-bit offsets or indexes, SV_ENOMEM. */
int sv_answer_pool_add(struct sv_answer_pool *p, const char *s, size_t n,
	uint32_t *idx);
/* Makes room for bytes more bytes and chunks more chunks. SV_ENOMEM. */
int sv_answer_pool_reserve(struct sv_answer_pool *p, size_t bytes,
	size_t chunks);
/* An answer with room for n_ops ops, zeroed but for n_ops; NULL when
 * out of memory or n_ops does not fit 32 bits. Freed by
 * sv_answer_destroy(). */
struct sv_answer *sv_answer_alloc(size_t n_ops);

#endif
