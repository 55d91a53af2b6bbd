/* SPDX-License-Identifier: MIT */
/*
 * The MX answer cache: a one-writer, many-reader open-addressing table
 * whose readers take no lock (mx_cache.h says why, and how entries are
 * reclaimed and evicted).
 *
 * Invariants the readers rely on:
 *  - an entry is immutable once published, but for its CLOCK mark;
 *  - a slot goes empty -> entry, entry -> entry (a replacement),
 *    entry -> tombstone, tombstone -> entry, never back to empty: a
 *    probe for a name ends at the first empty slot, and at most
 *    MAX_FILL of a table's slots are ever non-empty, so it does end;
 *  - nothing a reader may hold is freed before a grace period.
 * Every atomic here is sequentially consistent except the reader's phase
 * load and the CLOCK mark, as in the snapshot holder's argument.
 */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "resolve/mx_cache.h"
#include "util/alloc.h"
#include "util/hash.h"

const char *sv_mx_status_name(enum sv_mx_status s) {
	switch (s) {
	case SV_MX_FOUND: return "found";
	case SV_MX_NONE: return "none";
	case SV_MX_FAILED: return "failed";
	case SV_MX_TIMEOUT: return "timeout";
	}
	return "unknown";
}

void sv_mx_hosts_init(struct sv_mx_hosts *h, enum sv_mx_status status) {
	h->status = status;
	h->n = 0;
	h->len = 0;
}

int sv_mx_hosts_add(struct sv_mx_hosts *h, const char *host) {
	size_t n = strlen(host) + 1;
	if (h->n == SV_MX_MAX_HOSTS || n > sizeof(h->names) - h->len) {
		return SV_ETOOBIG;
	}
	h->off[h->n++] = h->len;
	memcpy(h->names + h->len, host, n);
	h->len = (uint16_t)(h->len + n);
	return SV_OK;
}

const char *sv_mx_hosts_get(const struct sv_mx_hosts *h, size_t i) {
	return h->names + h->off[i];
}

/* An answer as the table holds it: immutable but for referenced. */
struct entry {
	int64_t expires_ms;
	atomic_bool referenced;  /* CLOCK: used since the hand last passed */
	uint32_t hash;
	uint8_t status, n;
	uint16_t name_len;       /* the domain's bytes, without its NUL */
	uint16_t off[SV_MX_MAX_HOSTS];
	uint16_t len;
	char data[];             /* the domain, NUL, then names[0..len) */
};

struct table {
	size_t mask;             /* slots - 1, a power of two */
	_Atomic(struct entry *) slots[];
};

/* A retired object: an entry or a table, freed after a grace period. */
struct retired {
	void *p;
	struct retired *next;
};

/* At most 3/4 of a table's slots are non-empty. */
#define MAX_FILL(slots) ((slots) / 4 * 3)

static struct entry tombstone_entry;
#define TOMBSTONE (&tombstone_entry)

struct sv_mx_cache {
	_Atomic(struct table *) table;
	atomic_uint phase;
	atomic_size_t readers[2];
	atomic_size_t live;          /* entries in the table */
	/* the writer's own, never read by readers */
	size_t max;
	size_t tombstones;
	size_t hand;                 /* CLOCK hand: a slot index */
	struct retired *retired;
};

static struct table *table_new(size_t slots) {
	struct table *t = sv_calloc(1, sizeof(*t) + slots *
		sizeof(t->slots[0]));
	if (t != NULL) {
		t->mask = slots - 1;
		for (size_t i = 0; i < slots; i++) {
			atomic_init(&t->slots[i], NULL);
		}
	}
	return t;
}

struct sv_mx_cache *sv_mx_cache_create(size_t max, struct sv_err *err) {
	if (max == 0 || max > SV_MX_CACHE_MAX) {
		sv_errf(err, SV_EINVAL, "mx cache: %zu is not in 1..%d", max,
			SV_MX_CACHE_MAX);
		return NULL;
	}
	size_t slots = 16;
	while (MAX_FILL(slots) < max + max / 2) { /* room for tombstones */
		slots *= 2;
	}
	struct sv_mx_cache *c = sv_calloc(1, sizeof(*c));
	struct table *t = table_new(slots);
	if (c == NULL || t == NULL) {
		sv_free(c);
		sv_free(t);
		sv_errf(err, SV_ENOMEM, "mx cache: out of memory");
		return NULL;
	}
	atomic_init(&c->table, t);
	atomic_init(&c->phase, 0);
	atomic_init(&c->readers[0], 0);
	atomic_init(&c->readers[1], 0);
	atomic_init(&c->live, 0);
	c->max = max;
	return c;
}

static void free_retired(struct retired *r) {
	while (r != NULL) {
		struct retired *next = r->next;
		sv_free(r->p);
		sv_free(r);
		r = next;
	}
}

void sv_mx_cache_destroy(struct sv_mx_cache *c) {
	if (c == NULL) {
		return;
	}
	struct table *t = atomic_load(&c->table);
	for (size_t i = 0; i <= t->mask; i++) {
		struct entry *e = atomic_load(&t->slots[i]);
		if (e != NULL && e != TOMBSTONE) {
			sv_free(e);
		}
	}
	sv_free(t);
	free_retired(c->retired);
	sv_free(c);
}

size_t sv_mx_cache_size(struct sv_mx_cache *c) {
	return atomic_load_explicit(&c->live, memory_order_relaxed);
}

static uint32_t hash_of(const char *s, size_t n) {
	return sv_fnv1a32(SV_FNV1A32_INIT, s, n);
}

static bool entry_is(const struct entry *e, uint32_t h, const char *name,
		size_t n) {
	return e->hash == h && e->name_len == n &&
		memcmp(e->data, name, n) == 0;
}

bool sv_mx_cache_get(struct sv_mx_cache *c, const char *domain,
		int64_t now_ms, struct sv_mx_hosts *out) {
	size_t n = strlen(domain);
	uint32_t h = hash_of(domain, n);
	bool found = false;
	unsigned k = atomic_load_explicit(&c->phase, memory_order_relaxed);
	atomic_fetch_add(&c->readers[k], 1);
	struct table *t = atomic_load(&c->table);
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		struct entry *e = atomic_load(&t->slots[i]);
		if (e == NULL) {
			break;
		}
		if (e == TOMBSTONE || !entry_is(e, h, domain, n)) {
			continue;
		}
		if (e->expires_ms > now_ms) {
			found = true;
			out->status = (enum sv_mx_status)e->status;
			out->n = e->n;
			out->len = e->len;
			memcpy(out->off, e->off, sizeof(out->off));
			memcpy(out->names, e->data + e->name_len + 1, e->len);
			if (!atomic_load_explicit(&e->referenced,
					memory_order_relaxed)) {
				atomic_store_explicit(&e->referenced, true,
					memory_order_relaxed);
			}
		}
		break;
	}
	atomic_fetch_sub(&c->readers[k], 1);
	return found;
}

static int retire(struct sv_mx_cache *c, void *p) {
	struct retired *r = sv_malloc(sizeof(*r));
	if (r == NULL) {
		return SV_ENOMEM;
	}
	r->p = p;
	r->next = c->retired;
	c->retired = r;
	return SV_OK;
}

/* Waits until no reader is counted in readers[k] (snapshot.c's drain). */
static void drain(struct sv_mx_cache *c, unsigned k) {
	atomic_store(&c->phase, k ^ 1);
	while (atomic_load(&c->readers[k]) != 0) {
		sched_yield();
	}
}

void sv_mx_cache_reclaim(struct sv_mx_cache *c) {
	if (c->retired == NULL) {
		return;
	}
	struct retired *r = c->retired;
	c->retired = NULL;
	unsigned k = atomic_load(&c->phase);
	drain(c, k);
	drain(c, k ^ 1);
	free_retired(r);
}

/*
 * Copies every live entry into a fresh array of the same size, dropping
 * the tombstones, and publishes it; the old array is retired. On failure
 * (memory) the table stays as it is, tombstones and all: still correct.
 */
static void rebuild(struct sv_mx_cache *c) {
	struct table *old = atomic_load(&c->table);
	struct table *t = table_new(old->mask + 1);
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; i <= old->mask; i++) {
		struct entry *e = atomic_load(&old->slots[i]);
		if (e == NULL || e == TOMBSTONE) {
			continue;
		}
		size_t j = e->hash & t->mask;
		while (atomic_load(&t->slots[j]) != NULL) {
			j = (j + 1) & t->mask;
		}
		atomic_store(&t->slots[j], e);
	}
	if (retire(c, old) != SV_OK) {
		sv_free(t); /* old stays published: nothing lost */
		return;
	}
	atomic_store(&c->table, t);
	c->tombstones = 0;
	c->hand = 0;
}

/* Evicts by CLOCK until at most max entries are left. */
static void evict(struct sv_mx_cache *c, struct table *t) {
	while (atomic_load(&c->live) > c->max) {
		size_t i = c->hand;
		c->hand = (c->hand + 1) & t->mask;
		struct entry *e = atomic_load(&t->slots[i]);
		if (e == NULL || e == TOMBSTONE) {
			continue;
		}
		if (atomic_exchange_explicit(&e->referenced, false,
				memory_order_relaxed)) {
			continue; /* a second chance */
		}
		if (retire(c, e) != SV_OK) {
			return; /* over the bound until the next put */
		}
		atomic_store(&t->slots[i], TOMBSTONE);
		c->tombstones++;
		atomic_fetch_sub(&c->live, 1);
	}
}

int sv_mx_cache_put(struct sv_mx_cache *c, const char *domain,
		const struct sv_mx_hosts *h, int64_t expires_ms) {
	size_t n = strlen(domain);
	if (n > SV_DOMAIN_MAX || h->n > SV_MX_MAX_HOSTS) {
		return SV_EINVAL;
	}
	struct entry *e = sv_malloc(sizeof(*e) + n + 1 + h->len);
	if (e == NULL) {
		return SV_ENOMEM;
	}
	e->expires_ms = expires_ms;
	atomic_init(&e->referenced, true);
	e->hash = hash_of(domain, n);
	e->status = (uint8_t)h->status;
	e->n = (uint8_t)h->n;
	e->name_len = (uint16_t)n;
	memcpy(e->off, h->off, sizeof(e->off));
	e->len = h->len;
	memcpy(e->data, domain, n + 1);
	memcpy(e->data + n + 1, h->names, h->len);

	struct table *t = atomic_load(&c->table);
	if (atomic_load(&c->live) + c->tombstones >= MAX_FILL(t->mask + 1)) {
		rebuild(c); /* tombstones out: an empty slot stays for probes */
		t = atomic_load(&c->table);
		if (atomic_load(&c->live) + c->tombstones >=
				MAX_FILL(t->mask + 1)) {
			sv_free(e); /* the rebuild found no memory */
			return SV_ENOMEM;
		}
	}
	_Atomic(struct entry *) *free_slot = NULL;
	for (size_t i = e->hash & t->mask;; i = (i + 1) & t->mask) {
		struct entry *x = atomic_load(&t->slots[i]);
		if (x == TOMBSTONE) {
			free_slot = free_slot != NULL ? free_slot :
				&t->slots[i];
			continue;
		}
		if (x == NULL) {
			free_slot = free_slot != NULL ? free_slot :
				&t->slots[i];
			break;
		}
		if (entry_is(x, e->hash, domain, n)) {
			if (retire(c, x) != SV_OK) {
				sv_free(e);
				return SV_ENOMEM;
			}
			atomic_store(&t->slots[i], e); /* a replacement */
			return SV_OK;
		}
	}
	if (atomic_load(free_slot) == TOMBSTONE) {
		c->tombstones--;
	}
	atomic_store(free_slot, e);
	atomic_fetch_add(&c->live, 1);
	evict(c, t);
	return SV_OK;
}
