/* SPDX-License-Identifier: MIT */
/*
 * The immutable snapshot: providers, their compiled answers and the domain
 * index, built once and then only read by any number of threads.
 *
 * Index: two open-addressing hash tables (FNV-1a, linear probing, load
 * factor <= 1/2) of 8-byte slots: one for exact domains, one for
 * "*.suffix" rows keyed by the suffix. A slot holds the offset of its
 * pattern in one arena of names (all patterns, back to back) and the index
 * of its target (provider and answers). No per-row allocation, and a
 * probe touches the slot and the name only. A lookup of a.b.example.com
 * tries the exact table, then the suffix table with b.example.com,
 * example.com, com (the first hit is the longest suffix), then "*".
 *
 * MX rows ("mx:HOST", "mx:*.SUFFIX") have two tables of their own, keyed
 * by the mail server's name: sv_snapshot_resolve tries them with the MX
 * hosts the caller found for the domain, most preferred first, after the
 * domain's own rows and before "*". The snapshot never resolves a name
 * itself: it stays a pure function of the database and the caller's
 * facts, so the DNS cache (src/resolve) lives and expires on its own.
 *
 * Answers are interned in the snapshot's pool (answer.h): each distinct
 * line of every answer is stored once.
 *
 * Ownership: the snapshot owns the providers array and every provider in
 * it, every answer (listed in answers[]) and their pool, the names, the
 * targets and the tables.
 */
#define _DEFAULT_SOURCE /* glibc's malloc_trim, beside POSIX */
#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __GLIBC__ /* known once a libc header is in */
#include <malloc.h>
#endif

#include "answer/render_autoconfig.h"
#include "answer/render_autodiscover.h"
#include "answer/render_autodiscover_v2.h"
#include "answer/render_mobileconfig.h"
#include "answer/render_pacc.h"
#include "answer/render_settings.h"
#include "answer/render_wellknown.h"
#include "snapshot/snapshot.h"
#include "util/alloc.h"
#include "util/hash.h"

/* What a domain row leads to: its provider and its answers, one per
 * provider (provider-wide) and one per domain with servers or services of
 * its own. */
struct target {
	const struct sv_provider *provider; /* borrowed */
	const struct sv_answer *answers[SV_FORMAT_COUNT]; /* borrowed */
};

/* A domain row: 8 bytes, in the table itself (no entry to chase). */
struct slot {
	uint32_t name;   /* offset + 1 of the pattern in names; 0 = empty */
	uint32_t target; /* index in targets */
};

struct table {
	struct slot *slots;
	size_t mask;     /* capacity - 1 (capacity a power of two) */
	size_t skip;     /* bytes of the pattern before its key: 2 for "*." */
};

struct sv_snapshot {
	atomic_size_t refs;
	uint64_t generation;
	struct sv_provider **providers; /* owned, and each provider */
	size_t n_providers;
	struct sv_answer **answers;     /* owned, and each answer */
	size_t n_answers, cap_answers;
	struct sv_answer_pool *pool;    /* owned: the answers' literal lines */
	char *names;                    /* owned arena of NUL-terminated
	                                 * patterns, sized before the build */
	size_t n_names, cap_names;
	struct target *targets;         /* owned */
	size_t n_targets, cap_targets;
	size_t n_entries;               /* domain rows in the index */
	struct table exact, suffix;
	struct table mx_exact, mx_suffix; /* MX rows, by mail server name */
	size_t n_mx;                    /* MX rows in the index */
	struct slot catch_all;          /* the "*" row; name 0 = none */
	/* kept objects (snapshot.h): a slot per target and format, NULL
	 * when they could not be allocated; owned, and what they hold */
	_Atomic(void *) *kept;
	_Atomic(sv_snapshot_kept_free *) kept_free;
	atomic_size_t kept_bytes;       /* charged, of SV_SNAPSHOT_KEPT_MAX */
};

static int table_init(struct table *t, size_t n, size_t skip) {
	size_t cap = 16;
	while (cap < n * 2) {
		cap *= 2;
	}
	t->slots = sv_calloc(cap, sizeof(*t->slots));
	t->mask = cap - 1;
	t->skip = skip;
	return t->slots != NULL ? SV_OK : SV_ENOMEM;
}

/*
 * The slot holding key[0..len), or else the empty slot where it belongs
 * (entries are never removed, so the first empty slot ends the search).
 */
static struct slot *table_probe(const struct sv_snapshot *s,
		const struct table *t, const char *key, size_t len) {
	size_t i = (size_t)sv_hash_bytes(key, len) & t->mask;
	for (;; i = (i + 1) & t->mask) {
		struct slot *sl = &t->slots[i];
		if (sl->name == 0) {
			return sl;
		}
		const char *k = s->names + sl->name - 1 + t->skip;
		if (strncmp(k, key, len) == 0 && k[len] == '\0') {
			return sl;
		}
	}
}

static const struct slot *table_find(const struct sv_snapshot *s,
		const struct table *t, const char *key, size_t len) {
	if (t->slots == NULL) {
		return NULL;
	}
	const struct slot *sl = table_probe(s, t, key, len);
	return sl->name != 0 ? sl : NULL;
}

static int keep_answer(struct sv_snapshot *s, struct sv_answer *a,
		const struct sv_answer **out) {
	int rc = sv_answer_intern(s->pool, &a);
	if (rc != SV_OK) {
		sv_answer_destroy(a);
		return rc;
	}
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
	*out = a;
	return SV_OK;
}

/*
 * The compiled-answer kinds, one row per enum sv_format: its name (for
 * `suivant lookup --format` and log lines) and its renderer. A new format
 * is one renderer and one row here. A renderer may give no answer (SV_OK
 * and NULL) for a provider the format cannot serve: its domains are then
 * not found in that format.
 */
static const struct kind {
	const char *name;
	sv_answer_renderer *render;
} kinds[SV_FORMAT_COUNT] = {
	[SV_FORMAT_AUTOCONFIG] = { "autoconfig", sv_render_autoconfig },
	[SV_FORMAT_MOBILECONFIG] = { "mobileconfig", sv_render_mobileconfig },
	[SV_FORMAT_AUTODISCOVER] = { "autodiscover", sv_render_autodiscover },
	[SV_FORMAT_CALDAV] = { "caldav", sv_render_caldav_location },
	[SV_FORMAT_CARDDAV] = { "carddav", sv_render_carddav_location },
	[SV_FORMAT_EVOLUTION] = { "evolution",
		sv_render_autoconfig_evolution },
	[SV_FORMAT_AUTODISCOVER_DOMAIN] = { "autodiscover-domain",
		sv_render_autodiscover_domain },
	[SV_FORMAT_PACC] = { "pacc", sv_render_pacc },
	[SV_FORMAT_SETTINGS] = { "settings-html", sv_render_settings_fr },
	[SV_FORMAT_SETTINGS_EN] = { "settings-html-en",
		sv_render_settings_en },
	[SV_FORMAT_AUTODISCOVER_MOBILESYNC] = { "mobilesync",
		sv_render_autodiscover_mobilesync },
	[SV_FORMAT_AUTODISCOVER_V2_ACTIVESYNC] = {
		"autodiscover-v2-activesync",
		sv_render_autodiscover_v2_activesync },
	[SV_FORMAT_AUTODISCOVER_V2_EWS] = { "autodiscover-v2-ews",
		sv_render_autodiscover_v2_ews },
};

const char *sv_format_name(enum sv_format f) {
	return (unsigned)f < SV_FORMAT_COUNT ? kinds[f].name : NULL;
}

int sv_format_parse(const char *name, enum sv_format *out) {
	for (size_t i = 0; i < SV_FORMAT_COUNT; i++) {
		if (strcmp(name, kinds[i].name) == 0) {
			*out = (enum sv_format)i;
			return SV_OK;
		}
	}
	return SV_EINVAL;
}

/* Renders every format of pv for override (NULL = provider-wide). */
static int render_all(struct sv_snapshot *s, const struct sv_provider *pv,
		const char *override, const struct sv_answer **out,
		struct sv_err *err) {
	for (size_t i = 0; i < SV_FORMAT_COUNT; i++) {
		struct sv_answer *a = NULL;
		int rc = kinds[i].render(pv, override, &a, err);
		if (rc != SV_OK) {
			return rc;
		}
		if (a == NULL) { /* no answer of this kind: 404 */
			out[i] = NULL;
			continue;
		}
		if ((rc = keep_answer(s, a, &out[i])) != SV_OK) {
			return sv_errf(err, rc, "out of memory");
		}
	}
	return SV_OK;
}

/* A new target for pv; its index in *idx. */
static int add_target(struct sv_snapshot *s, const struct sv_provider *pv,
		size_t *idx) {
	if (s->n_targets == s->cap_targets) {
		size_t cap = s->cap_targets ? s->cap_targets * 2 : 64;
		struct target *t = sv_reallocarray(s->targets, cap, sizeof(*t));
		if (t == NULL) {
			return SV_ENOMEM;
		}
		s->targets = t;
		s->cap_targets = cap;
	}
	*idx = s->n_targets++;
	s->targets[*idx] = (struct target){ .provider = pv };
	return SV_OK;
}

/* The table a domain row goes in; NULL for "*", which has a slot of its
 * own. Its key is the row after the table's skip. */
static struct table *table_of(struct sv_snapshot *s, const char *d) {
	if (sv_is_mx_prefixed(d)) {
		return d[SV_MX_ROW_PREFIX_LEN] == '*' ? &s->mx_suffix :
			&s->mx_exact;
	}
	if (strcmp(d, "*") == 0) {
		return NULL;
	}
	return d[0] == '*' ? &s->suffix : &s->exact;
}

/*
 * A million rows land in random slots of a table far larger than the CPU
 * cache: each insert would wait for its slot's cache line. The build
 * asks for the line PROBE_AHEAD rows before it probes, so the waits
 * overlap.
 */
#define PROBE_AHEAD 8

static void prefetch_slot(struct sv_snapshot *s, const char *d) {
	const struct table *t = table_of(s, d);
	if (t != NULL) {
		size_t len = strlen(d);
		__builtin_prefetch(&t->slots[sv_hash_bytes(d + t->skip,
			len - t->skip) & t->mask]);
	}
}

static int add_provider(struct sv_snapshot *s, const struct sv_provider *pv,
		void (*warn)(const char *, const char *), struct sv_err *err) {
	size_t wide;
	int rc = add_target(s, pv, &wide);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "out of memory");
	}
	{
		const struct sv_answer *answers[SV_FORMAT_COUNT] = { 0 };
		if ((rc = render_all(s, pv, NULL, answers, err)) != SV_OK) {
			return rc;
		}
		memcpy(s->targets[wide].answers, answers, sizeof(answers));
	}
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (i + PROBE_AHEAD < pv->n_domains) {
			prefetch_slot(s, pv->domains[i + PROBE_AHEAD]);
		}
		const char *d = pv->domains[i];
		size_t len = strlen(d);
		struct table *t = table_of(s, d);
		struct slot *sl = t != NULL ? table_probe(s, t, d + t->skip,
			len - t->skip) : &s->catch_all;
		bool mx = t == &s->mx_exact || t == &s->mx_suffix;
		if (sl->name != 0) {
			if (warn != NULL) {
				warn(pv->id, "a domain is already served by "
					"another provider; this row is ignored");
			}
			continue;
		}
		size_t target = wide;
		if (sv_provider_domain_has_own(pv, d)) {
			const struct sv_answer *answers[SV_FORMAT_COUNT] = { 0 };
			if ((rc = render_all(s, pv, d, answers, err)) != SV_OK) {
				return rc;
			}
			if ((rc = add_target(s, pv, &target)) != SV_OK) {
				return sv_errf(err, rc, "out of memory");
			}
			memcpy(s->targets[target].answers, answers,
				sizeof(answers));
		}
		/* the arena was sized for every row: this always fits */
		assert(s->n_names + len + 1 <= s->cap_names);
		memcpy(s->names + s->n_names, d, len + 1);
		sl->name = (uint32_t)(s->n_names + 1);
		sl->target = (uint32_t)target;
		s->n_names += len + 1;
		s->n_entries++;
		s->n_mx += mx;
	}
	return SV_OK;
}

struct sv_snapshot *sv_snapshot_build(struct sv_provider **pvs, size_t n,
		uint64_t generation, size_t *skipped,
		void (*warn)(const char *provider_id, const char *reason),
		struct sv_err *err) {
	size_t n_skipped = 0;
	size_t n_domains = 0, n_suffixes = 0, n_names = 0;
	size_t n_mx_exact = 0, n_mx_suffixes = 0;
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
	atomic_init(&s->kept_free, NULL);
	atomic_init(&s->kept_bytes, 0);
	s->pool = sv_answer_pool_create();
	s->generation = generation;
	s->providers = pvs;
	s->n_providers = n;
	for (size_t i = 0; i < n; i++) {
		n_domains += pvs[i]->n_domains;
		for (size_t k = 0; k < pvs[i]->n_domains; k++) {
			const char *d = pvs[i]->domains[k];
			bool mx = sv_is_mx_prefixed(d);
			bool wild = d[mx ? SV_MX_ROW_PREFIX_LEN : 0] == '*';
			n_suffixes += !mx && wild;
			n_mx_suffixes += mx && wild;
			n_mx_exact += mx && !wild;
			n_names += strlen(d) + 1;
		}
	}
	if (n_domains >= UINT32_MAX / 2 || n_names >= UINT32_MAX) {
		sv_errf(err, SV_ETOOBIG, "too many domains (%zu)", n_domains);
		goto fail;
	}
	s->names = sv_malloc(n_names ? n_names : 1);
	s->cap_names = n_names;
	if (s->names == NULL || s->pool == NULL ||
			table_init(&s->exact, n_domains - n_suffixes -
				n_mx_exact - n_mx_suffixes, 0) != SV_OK ||
			table_init(&s->suffix, n_suffixes, 2) != SV_OK ||
			table_init(&s->mx_exact, n_mx_exact,
				SV_MX_ROW_PREFIX_LEN) != SV_OK ||
			table_init(&s->mx_suffix, n_mx_suffixes,
				SV_MX_ROW_PREFIX_LEN + 2) != SV_OK) {
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
	sv_answer_pool_seal(s->pool);
	struct target *t = sv_shrink_array(s->targets, s->n_targets,
		s->cap_targets, sizeof(*t));
	if (t != NULL) {
		s->targets = t;
		s->cap_targets = s->n_targets;
	}
	/* untouched zero pages until a front end keeps something */
	s->kept = sv_calloc(s->n_targets ? s->n_targets * SV_FORMAT_COUNT :
		1, sizeof(*s->kept));
	if (skipped != NULL) {
		*skipped = n_skipped;
	}
	return s;
fail:
	sv_snapshot_release(s);
	return NULL;
}

static void snapshot_free(struct sv_snapshot *s) {
	sv_snapshot_kept_free *free_obj = atomic_load(&s->kept_free);
	for (size_t i = 0; s->kept != NULL && free_obj != NULL &&
			i < s->n_targets * SV_FORMAT_COUNT; i++) {
		void *obj = atomic_load(&s->kept[i]);
		if (obj != NULL) {
			free_obj(obj);
		}
	}
	sv_free(s->kept);
	for (size_t i = 0; i < s->n_answers; i++) {
		sv_answer_destroy(s->answers[i]);
	}
	sv_free(s->answers);
	sv_answer_pool_destroy(s->pool);
	for (size_t i = 0; i < s->n_providers; i++) {
		sv_provider_destroy(s->providers[i]);
	}
	sv_free(s->providers);
	sv_free(s->names);
	sv_free(s->targets);
	sv_free(s->exact.slots);
	sv_free(s->suffix.slots);
	sv_free(s->mx_exact.slots);
	sv_free(s->mx_suffix.slots);
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

bool sv_snapshot_has_mx_rows(const struct sv_snapshot *s) {
	return s->n_mx != 0;
}

/* The row of name in exact, else of its longest suffix in suffix. */
static const struct slot *find_name(const struct sv_snapshot *s,
		const struct table *exact, const struct table *suffix,
		const char *name) {
	size_t len = strlen(name);
	const struct slot *sl = table_find(s, exact, name, len);
	for (const char *p = memchr(name, '.', len); sl == NULL && p != NULL;
			p = memchr(p + 1, '.', len - (size_t)(p + 1 - name))) {
		sl = table_find(s, suffix, p + 1, len - (size_t)(p + 1 - name));
	}
	return sl;
}

int sv_snapshot_resolve(const struct sv_snapshot *s, const char *domain,
		const struct sv_snapshot_mx *mx, struct sv_snapshot_match *out) {
	out->mx_host = NULL;
	const struct slot *sl = find_name(s, &s->exact, &s->suffix, domain);
	if (sl == NULL && s->n_mx != 0) {
		if (mx == NULL) {
			return SV_EAGAIN;
		}
		for (size_t i = 0; sl == NULL && i < mx->n; i++) {
			sl = find_name(s, &s->mx_exact, &s->mx_suffix,
				mx->hosts[i]);
			out->mx_host = sl != NULL ? mx->hosts[i] : NULL;
		}
	}
	if (sl == NULL && s->catch_all.name != 0) {
		sl = &s->catch_all;
	}
	if (sl == NULL) {
		return SV_ENOTFOUND;
	}
	const struct target *t = &s->targets[sl->target];
	out->provider = t->provider;
	memcpy(out->answers, t->answers, sizeof(out->answers));
	out->pattern = s->names + sl->name - 1;
	out->target = sl->target;
	return SV_OK;
}

int sv_snapshot_lookup(const struct sv_snapshot *s, const char *domain,
		struct sv_snapshot_match *out) {
	static const struct sv_snapshot_mx none = { .n = 0 };
	return sv_snapshot_resolve(s, domain, &none, out);
}

int sv_snapshot_answer_of(const struct sv_snapshot_match *m,
		enum sv_format format, const struct sv_answer_facts *facts,
		struct sv_buf *out, const char **content_type) {
	if ((unsigned)format >= SV_FORMAT_COUNT) {
		return SV_EINVAL;
	}
	const struct sv_answer *a = m->answers[format];
	if (a == NULL) {
		return SV_ENOTFOUND;
	}
	*content_type = a->content_type;
	return sv_answer_fill(a, facts, out);
}

int sv_snapshot_answer(const struct sv_snapshot *s, enum sv_format format,
		const struct sv_answer_facts *facts, struct sv_buf *out,
		const char **content_type) {
	struct sv_snapshot_match m;
	if ((unsigned)format >= SV_FORMAT_COUNT) {
		return SV_EINVAL;
	}
	int rc = sv_snapshot_lookup(s, facts->domain, &m);
	return rc != SV_OK ? rc :
		sv_snapshot_answer_of(&m, format, facts, out, content_type);
}

_Atomic(void *) *sv_snapshot_kept_slot(struct sv_snapshot *s,
		const struct sv_snapshot_match *m, enum sv_format format,
		sv_snapshot_kept_free *free_obj) {
	if (s->kept == NULL || (unsigned)format >= SV_FORMAT_COUNT ||
			m->target >= s->n_targets ||
			m->answers[format] == NULL || free_obj == NULL) {
		return NULL;
	}
	/* Every request comes here: a plain load once the function is set,
	 * since even a failing compare-and-swap takes the cache line away
	 * from the other threads' cores. */
	sv_snapshot_kept_free *had = atomic_load(&s->kept_free);
	if (had == NULL) {
		/* its outcome is in had: NULL when ours was set, else the
		 * function another thread set first */
		(void)atomic_compare_exchange_strong(&s->kept_free, &had,
			free_obj);
	}
	if (had != NULL && had != free_obj) {
		return NULL;
	}
	return &s->kept[m->target * SV_FORMAT_COUNT + format];
}

bool sv_snapshot_kept_charge(struct sv_snapshot *s, size_t bytes) {
	size_t had = atomic_fetch_add(&s->kept_bytes, bytes);
	if (had + bytes > SV_SNAPSHOT_KEPT_MAX || had + bytes < had) {
		atomic_fetch_sub(&s->kept_bytes, bytes);
		return false;
	}
	return true;
}
