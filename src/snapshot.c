/* SPDX-License-Identifier: MIT */
/*
 * The immutable snapshot: providers, their compiled answers and the domain
 * index, built once and then only read by any number of threads.
 *
 * Index: two open-addressing hash tables (FNV-1a, linear probing, load
 * factor <= 1/2) mapping a name to an entry: one for exact domains, one for
 * "*.suffix" rows keyed by the suffix. A lookup of a.b.example.com tries
 * the exact table, then the suffix table with b.example.com, example.com,
 * com (the first hit is the longest suffix), then the "*" entry.
 *
 * Ownership: the snapshot owns the providers array and every provider in
 * it, every answer (listed in answers[]), the entries and the tables.
 * Entries borrow their pattern from their provider's domains.
 */
#define _DEFAULT_SOURCE /* glibc's malloc_trim, beside POSIX */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __GLIBC__ /* known once a libc header is in */
#include <malloc.h>
#endif

#include "alloc.h"
#include "render_autoconfig.h"
#include "render_autodiscover.h"
#include "render_mobileconfig.h"
#include "snapshot.h"

struct entry {
	const char *pattern;                /* borrowed from the provider */
	const struct sv_provider *provider; /* borrowed */
	const struct sv_answer *answers[SV_FORMAT_COUNT]; /* borrowed */
};

struct table {
	uint32_t *slots; /* entry index + 1; 0 = empty */
	size_t mask;     /* capacity - 1 (capacity a power of two) */
};

struct sv_snapshot {
	atomic_size_t refs;
	uint64_t generation;
	struct sv_provider **providers; /* owned, and each provider */
	size_t n_providers;
	struct sv_answer **answers;     /* owned, and each answer */
	size_t n_answers, cap_answers;
	struct entry *entries;          /* owned */
	size_t n_entries, cap_entries;
	struct table exact, suffix;
	const struct entry *catch_all;  /* borrowed from entries, or NULL */
};

static uint64_t hash_name(const char *s, size_t n) {
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The key an entry is stored under in its table. */
static const char *entry_key(const struct entry *e) {
	return e->pattern[0] == '*' && e->pattern[1] == '.' ?
		e->pattern + 2 : e->pattern;
}

static int table_init(struct table *t, size_t n) {
	size_t cap = 16;
	while (cap < n * 2) {
		cap *= 2;
	}
	t->slots = sv_calloc(cap, sizeof(*t->slots));
	t->mask = cap - 1;
	return t->slots != NULL ? SV_OK : SV_ENOMEM;
}

static const struct entry *table_find(const struct sv_snapshot *s,
		const struct table *t, const char *key, size_t len) {
	if (t->slots == NULL) {
		return NULL;
	}
	for (size_t i = hash_name(key, len) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t v = t->slots[i];
		if (v == 0) {
			return NULL;
		}
		const struct entry *e = &s->entries[v - 1];
		const char *k = entry_key(e);
		if (strncmp(k, key, len) == 0 && k[len] == '\0') {
			return e;
		}
	}
}

/*
 * Inserts entry idx; false when its key is already present. One hash and
 * one probe sequence: the first empty slot ends both the duplicate search
 * and the search for a place (entries are never removed).
 */
static bool table_insert(struct sv_snapshot *s, struct table *t, size_t idx) {
	const char *key = entry_key(&s->entries[idx]);
	size_t len = strlen(key);
	size_t i = hash_name(key, len) & t->mask;
	for (; t->slots[i] != 0; i = (i + 1) & t->mask) {
		const char *k = entry_key(&s->entries[t->slots[i] - 1]);
		if (strcmp(k, key) == 0) {
			return false;
		}
	}
	t->slots[i] = (uint32_t)(idx + 1);
	return true;
}

static int keep_answer(struct sv_snapshot *s, struct sv_answer *a) {
	if (s->n_answers == s->cap_answers) {
		size_t cap = s->cap_answers ? s->cap_answers * 2 : 64;
		struct sv_answer **d = sv_reallocarray(s->answers, cap,
			sizeof(*d));
		if (d == NULL) {
			sv_answer_destroy(a);
			return SV_ENOMEM;
		}
		s->answers = d;
		s->cap_answers = cap;
	}
	s->answers[s->n_answers++] = a;
	return SV_OK;
}

/* Renders every format of pv for override (NULL = provider-wide). */
static int render_all(struct sv_snapshot *s, const struct sv_provider *pv,
		const char *override, const struct sv_answer **out,
		struct sv_err *err) {
	struct sv_answer *a = NULL;
	int rc = sv_render_autoconfig(pv, override, &a, err);
	if (rc != SV_OK) {
		return rc;
	}
	if ((rc = keep_answer(s, a)) != SV_OK) {
		return sv_errf(err, rc, "out of memory");
	}
	out[SV_FORMAT_AUTOCONFIG] = a;
	a = NULL;
	if ((rc = sv_render_mobileconfig(pv, override, &a, err)) != SV_OK) {
		return rc;
	}
	if ((rc = keep_answer(s, a)) != SV_OK) {
		return sv_errf(err, rc, "out of memory");
	}
	out[SV_FORMAT_MOBILECONFIG] = a;
	a = NULL;
	if ((rc = sv_render_autodiscover(pv, override, &a, err)) != SV_OK) {
		return rc;
	}
	if ((rc = keep_answer(s, a)) != SV_OK) {
		return sv_errf(err, rc, "out of memory");
	}
	out[SV_FORMAT_AUTODISCOVER] = a;
	return SV_OK;
}

static int add_provider(struct sv_snapshot *s, const struct sv_provider *pv,
		void (*warn)(const char *, const char *), struct sv_err *err) {
	const struct sv_answer *wide[SV_FORMAT_COUNT] = { 0 };
	int rc = render_all(s, pv, NULL, wide, err);
	if (rc != SV_OK) {
		return rc;
	}
	for (size_t i = 0; i < pv->n_domains; i++) {
		const char *d = pv->domains[i];
		struct entry *e = &s->entries[s->n_entries];
		e->pattern = d;
		e->provider = pv;
		memcpy(e->answers, wide, sizeof(wide));
		if (sv_provider_domain_has_servers(pv, d)) {
			if ((rc = render_all(s, pv, d, e->answers, err)) !=
					SV_OK) {
				return rc;
			}
		}
		bool fresh;
		if (strcmp(d, "*") == 0) {
			fresh = s->catch_all == NULL;
			if (fresh) {
				s->catch_all = e;
			}
		} else if (d[0] == '*') {
			fresh = table_insert(s, &s->suffix, s->n_entries);
		} else {
			fresh = table_insert(s, &s->exact, s->n_entries);
		}
		if (!fresh) {
			if (warn != NULL) {
				warn(pv->id, "a domain is already served by "
					"another provider; this row is ignored");
			}
			continue;
		}
		s->n_entries++;
	}
	return SV_OK;
}

struct sv_snapshot *sv_snapshot_build(struct sv_provider **pvs, size_t n,
		uint64_t generation, size_t *skipped,
		void (*warn)(const char *provider_id, const char *reason),
		struct sv_err *err) {
	size_t n_skipped = 0;
	size_t n_domains = 0, n_suffixes = 0;
	struct sv_snapshot *s = sv_calloc(1, sizeof(*s));
	if (s == NULL) {
		for (size_t i = 0; i < n; i++) {
			sv_provider_destroy(pvs[i]);
		}
		sv_free(pvs);
		sv_errf(err, SV_ENOMEM, "out of memory");
		return NULL;
	}
	atomic_init(&s->refs, 1);
	s->generation = generation;
	s->providers = pvs;
	s->n_providers = n;
	for (size_t i = 0; i < n; i++) {
		n_domains += pvs[i]->n_domains;
		for (size_t k = 0; k < pvs[i]->n_domains; k++) {
			n_suffixes += pvs[i]->domains[k][0] == '*';
		}
	}
	if (n_domains >= UINT32_MAX / 2) {
		sv_errf(err, SV_ETOOBIG, "too many domains (%zu)", n_domains);
		goto fail;
	}
	s->entries = sv_calloc(n_domains ? n_domains : 1, sizeof(*s->entries));
	if (s->entries == NULL || table_init(&s->exact, n_domains) != SV_OK ||
			table_init(&s->suffix, n_suffixes) != SV_OK) {
		sv_errf(err, SV_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct sv_err why;
		if (sv_provider_validate(pvs[i], &why) != SV_OK ||
				sv_provider_check_servable(pvs[i], &why) !=
				SV_OK) {
			n_skipped++;
			if (warn != NULL) {
				warn(pvs[i]->id, why.msg);
			}
			continue;
		}
		int rc = add_provider(s, pvs[i], warn, err);
		if (rc != SV_OK) {
			goto fail;
		}
	}
	if (skipped != NULL) {
		*skipped = n_skipped;
	}
	return s;
fail:
	sv_snapshot_release(s);
	return NULL;
}

static void snapshot_free(struct sv_snapshot *s) {
	for (size_t i = 0; i < s->n_answers; i++) {
		sv_answer_destroy(s->answers[i]);
	}
	sv_free(s->answers);
	for (size_t i = 0; i < s->n_providers; i++) {
		sv_provider_destroy(s->providers[i]);
	}
	sv_free(s->providers);
	sv_free(s->entries);
	sv_free(s->exact.slots);
	sv_free(s->suffix.slots);
	sv_free(s);
}

void sv_snapshot_release(struct sv_snapshot *s) {
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
		snapshot_free(s);
#ifdef __GLIBC__
		/* A big snapshot is many small blocks lying below the next
		 * snapshot's: without a trim glibc keeps their pages (1M
		 * domains: 772 MB resident after a reload, 493 MB with it).
		 * Only reloads, failed builds and shutdown get here. */
		malloc_trim(0);
#endif
	}
}

struct sv_snapshot *sv_snapshot_retain(struct sv_snapshot *s) {
	atomic_fetch_add(&s->refs, 1);
	return s;
}

uint64_t sv_snapshot_generation(const struct sv_snapshot *s) {
	return s->generation;
}

size_t sv_snapshot_domain_count(const struct sv_snapshot *s) {
	return s->n_entries;
}

size_t sv_snapshot_provider_count(const struct sv_snapshot *s) {
	return s->n_providers;
}

int sv_snapshot_lookup(const struct sv_snapshot *s, const char *domain,
		struct sv_snapshot_match *out) {
	const struct entry *e = table_find(s, &s->exact, domain,
		strlen(domain));
	for (const char *p = strchr(domain, '.'); e == NULL && p != NULL;
			p = strchr(p + 1, '.')) {
		e = table_find(s, &s->suffix, p + 1, strlen(p + 1));
	}
	if (e == NULL) {
		e = s->catch_all;
	}
	if (e == NULL) {
		return SV_ENOTFOUND;
	}
	out->provider = e->provider;
	memcpy(out->answers, e->answers, sizeof(out->answers));
	out->pattern = e->pattern;
	return SV_OK;
}

int sv_snapshot_answer(const struct sv_snapshot *s, enum sv_format format,
		const struct sv_answer_facts *facts, struct sv_buf *out,
		const char **content_type) {
	struct sv_snapshot_match m;
	if ((unsigned)format >= SV_FORMAT_COUNT) {
		return SV_EINVAL;
	}
	int rc = sv_snapshot_lookup(s, facts->domain, &m);
	if (rc != SV_OK) {
		return rc;
	}
	const struct sv_answer *a = m.answers[format];
	if (a == NULL) {
		return SV_ENOTFOUND;
	}
	*content_type = a->content_type;
	return sv_answer_fill(a, facts, out);
}

int sv_snapshot_holder_init(struct sv_snapshot_holder *h) {
	h->current = NULL;
	return pthread_mutex_init(&h->lock, NULL) == 0 ? SV_OK : SV_ENOMEM;
}

void sv_snapshot_holder_finish(struct sv_snapshot_holder *h) {
	sv_snapshot_release(h->current);
	h->current = NULL;
	pthread_mutex_destroy(&h->lock);
}

void sv_snapshot_holder_publish(struct sv_snapshot_holder *h,
		struct sv_snapshot *s) {
	pthread_mutex_lock(&h->lock);
	struct sv_snapshot *old = h->current;
	h->current = s;
	pthread_mutex_unlock(&h->lock);
	sv_snapshot_release(old); /* outside the lock: may free a lot */
}

struct sv_snapshot *sv_snapshot_holder_acquire(struct sv_snapshot_holder *h) {
	/* The lock makes "read current, add a reference" atomic with respect
	 * to publish, which could otherwise free current in between. */
	pthread_mutex_lock(&h->lock);
	struct sv_snapshot *s = h->current;
	if (s != NULL) {
		sv_snapshot_retain(s);
	}
	pthread_mutex_unlock(&h->lock);
	return s;
}
