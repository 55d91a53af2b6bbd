/* SPDX-License-Identifier: MIT */
/*
 * The line pool of compiled answers: one arena of literal chunks per
 * snapshot, where sv_answer_intern() stores each distinct line once, so
 * that the thousands of providers of a large snapshot share their common
 * markup (tests/bench/RESULTS.md: 408 -> 198 MB at 1M domains). A builder's
 * answer starts with a private pool (one chunk per literal run) and is
 * rewritten into the shared one. The lookup table lives only while
 * interning; sv_answer_pool_seal() frees it once the snapshot is built.
 */
#include <assert.h>
#include <string.h>

#include "answer/answer_internal.h"
#include "util/alloc.h"
#include "util/hash.h"

struct sv_answer_pool *sv_answer_pool_create(void) {
	return sv_calloc(1, sizeof(struct sv_answer_pool));
}

void sv_answer_pool_destroy(struct sv_answer_pool *p) {
	if (p == NULL) {
		return;
	}
	sv_free(p->arena);
	sv_free(p->chunks);
	sv_free(p->slots);
	sv_free(p);
}

size_t sv_answer_pool_bytes(const struct sv_answer_pool *p) {
	return sizeof(*p) + p->cap_arena + p->cap_chunks * sizeof(*p->chunks) +
		(p->slots != NULL ? (p->mask + 1) * sizeof(*p->slots) : 0);
}

size_t sv_answer_pool_chunks(const struct sv_answer_pool *p) {
	return p->n_chunks;
}

size_t sv_answer_bytes(const struct sv_answer *a) {
	return sizeof(*a) + a->n_ops * sizeof(a->ops[0]);
}

int sv_answer_pool_add(struct sv_answer_pool *p, const char *s, size_t n,
		uint32_t *idx) {
	if (n > UINT32_MAX || p->n_arena + n > UINT32_MAX ||
			p->n_chunks >= SV_ANSWER_OP_SLOT - 1) {
		return SV_ETOOBIG;
	}
	if (p->n_arena + n > p->cap_arena) {
		size_t cap = p->cap_arena != 0 ? p->cap_arena : 256;
		while (cap < p->n_arena + n) {
			cap *= 2;
		}
		char *a = sv_realloc(p->arena, cap);
		if (a == NULL) {
			return SV_ENOMEM;
		}
		p->arena = a;
		p->cap_arena = cap;
	}
	if (p->n_chunks == p->cap_chunks) {
		uint32_t cap = p->cap_chunks != 0 ? p->cap_chunks * 2 : 16;
		struct chunk *c = sv_reallocarray(p->chunks, cap, sizeof(*c));
		if (c == NULL) {
			return SV_ENOMEM;
		}
		p->chunks = c;
		p->cap_chunks = cap;
	}
	if (n > 0) {
		memcpy(p->arena + p->n_arena, s, n);
	}
	p->chunks[p->n_chunks] = (struct chunk){
		.off = (uint32_t)p->n_arena, .len = (uint32_t)n };
	p->n_arena += n;
	*idx = p->n_chunks++;
	return SV_OK;
}

int sv_answer_pool_reserve(struct sv_answer_pool *p, size_t bytes,
		size_t chunks) {
	if (p->n_arena + bytes > p->cap_arena) {
		char *a = sv_realloc(p->arena, p->n_arena + bytes);
		if (a == NULL) {
			return SV_ENOMEM;
		}
		p->arena = a;
		p->cap_arena = p->n_arena + bytes;
	}
	if (p->n_chunks + chunks > p->cap_chunks) {
		if (p->n_chunks + chunks >= SV_ANSWER_OP_SLOT) {
			return SV_ETOOBIG;
		}
		struct chunk *c = sv_reallocarray(p->chunks,
			p->n_chunks + chunks, sizeof(*c));
		if (c == NULL) {
			return SV_ENOMEM;
		}
		p->chunks = c;
		p->cap_chunks = (uint32_t)(p->n_chunks + chunks);
	}
	return SV_OK;
}

/* (Re)builds the lookup table for at least want chunks (load <= 1/2). */
static int pool_rehash(struct sv_answer_pool *p, size_t want) {
	size_t cap = 1024;
	while (cap < want * 2) {
		cap *= 2;
	}
	uint32_t *slots = sv_calloc(cap, sizeof(*slots));
	if (slots == NULL) {
		return SV_ENOMEM;
	}
	for (uint32_t k = 0; k < p->n_chunks; k++) {
		const struct chunk *c = &p->chunks[k];
		size_t i = (size_t)sv_hash_bytes(p->arena + c->off, c->len) &
			(cap - 1);
		while (slots[i] != 0) {
			i = (i + 1) & (cap - 1);
		}
		slots[i] = k + 1;
	}
	sv_free(p->slots);
	p->slots = slots;
	p->mask = cap - 1;
	return SV_OK;
}

/* The index of the chunk holding s[0..n), added if new. */
static int pool_intern(struct sv_answer_pool *p, const char *s, size_t n,
		uint32_t *idx) {
	if (p->slots == NULL || (size_t)p->n_chunks + 1 > (p->mask + 1) / 2) {
		int rc = pool_rehash(p, (size_t)p->n_chunks * 2 + 1);
		if (rc != SV_OK) {
			return rc;
		}
	}
	size_t i = (size_t)sv_hash_bytes(s, n) & p->mask;
	for (; p->slots[i] != 0; i = (i + 1) & p->mask) {
		const struct chunk *c = &p->chunks[p->slots[i] - 1];
		if (c->len == n && memcmp(p->arena + c->off, s, n) == 0) {
			*idx = p->slots[i] - 1;
			return SV_OK;
		}
	}
	int rc = sv_answer_pool_add(p, s, n, idx);
	if (rc == SV_OK) {
		p->slots[i] = *idx + 1;
	}
	return rc;
}

void sv_answer_pool_seal(struct sv_answer_pool *p) {
	sv_free(p->slots);
	p->slots = NULL;
	p->mask = 0;
	char *a = sv_shrink_array(p->arena, p->n_arena, p->cap_arena, 1);
	if (a != NULL) {
		p->arena = a;
		p->cap_arena = p->n_arena;
	}
	struct chunk *c = sv_shrink_array(p->chunks, p->n_chunks,
		p->cap_chunks, sizeof(*c));
	if (c != NULL) {
		p->chunks = c;
		p->cap_chunks = p->n_chunks;
	}
}

struct sv_answer *sv_answer_alloc(size_t n_ops) {
	if (n_ops > UINT32_MAX) {
		return NULL;
	}
	struct sv_answer *a = sv_malloc(sizeof(*a) + n_ops * sizeof(a->ops[0]));
	if (a != NULL) {
		memset(a, 0, sizeof(*a));
		a->n_ops = (uint32_t)n_ops;
	}
	return a;
}

int sv_answer_intern(struct sv_answer_pool *pool, struct sv_answer **ap) {
	const struct sv_answer *a = *ap;
	const struct sv_answer_pool *src = a->pool;
	/* one op per line: count them first */
	size_t n_ops = 0;
	for (uint32_t i = 0; i < a->n_ops; i++) {
		uint32_t op = a->ops[i];
		if (op & SV_ANSWER_OP_SLOT) {
			n_ops++;
			continue;
		}
		const struct chunk *c = &src->chunks[op];
		const char *b = src->arena + c->off, *end = b + c->len;
		while (b < end) {
			const char *nl = memchr(b, '\n', (size_t)(end - b));
			b = nl != NULL ? nl + 1 : end;
			n_ops++;
		}
	}
	struct sv_answer *out = sv_answer_alloc(n_ops);
	if (out == NULL) {
		return SV_ENOMEM;
	}
	out->content_type = a->content_type;
	out->escape = a->escape;
	out->n_literal = a->n_literal;
	out->pool = pool;
	size_t k = 0;
	for (uint32_t i = 0; i < a->n_ops; i++) {
		uint32_t op = a->ops[i];
		if (op & SV_ANSWER_OP_SLOT) {
			out->ops[k++] = op;
			continue;
		}
		const struct chunk *c = &src->chunks[op];
		const char *b = src->arena + c->off, *end = b + c->len;
		while (b < end) {
			const char *nl = memchr(b, '\n', (size_t)(end - b));
			const char *e = nl != NULL ? nl + 1 : end;
			uint32_t idx;
			int rc = pool_intern(pool, b, (size_t)(e - b), &idx);
			if (rc != SV_OK) {
				sv_free(out);
				return rc;
			}
			out->ops[k++] = idx;
			b = e;
		}
	}
	assert(k == n_ops);
	sv_answer_destroy(*ap);
	*ap = out;
	return SV_OK;
}

void sv_answer_destroy(struct sv_answer *a) {
	if (a == NULL) {
		return;
	}
	sv_answer_pool_destroy(a->own_pool);
	sv_free(a);
}
