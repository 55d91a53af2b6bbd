/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_SNAPSHOT_H
#define SUIVANT_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "answer/answer.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * An immutable, self-contained view of the whole data set, built once from
 * the store's providers and then only read: the domain index (exact names
 * in a hash table, "*.suffix" rows matched label by label from the left so
 * the longest suffix wins, then the "*" row) and, per provider and per
 * domain with servers of its own, the compiled answers of every format.
 * Requests hold a reference (snapshot_holder.h: acquire, then release) from their
 * first byte to their last, so a snapshot replaced by a live reload is
 * freed only when its last request is done.
 */

enum sv_format {
	SV_FORMAT_AUTOCONFIG, /* Mozilla config-v1.1.xml */
	SV_FORMAT_MOBILECONFIG, /* Apple .mobileconfig plist (needs an address) */
	SV_FORMAT_AUTODISCOVER, /* Microsoft Autodiscover v1, Outlook schema
	                         * (needs an address) */
	SV_FORMAT_CALDAV,       /* the RFC 6764 /.well-known/caldav target */
	SV_FORMAT_CARDDAV,      /* and /.well-known/carddav's */
	SV_FORMAT_EVOLUTION,  /* config-v1.1.xml as Evolution reads it: one
	                       * server per type, %EMAILDOMAIN% filled
	                       * (render_autoconfig.h) */
	SV_FORMAT_AUTODISCOVER_DOMAIN, /* Autodiscover v1 settings without an
	                       * address, for a GET (render_autodiscover.h);
	                       * absent for a provider whose host names need
	                       * the address */
	SV_FORMAT_PACC,       /* PACC's user-agent-configuration.json
	                       * (render_pacc.h); absent for a provider
	                       * PACC cannot say */
	SV_FORMAT_SETTINGS,   /* the settings page for people, in French
	                       * (render_settings.h) */
	SV_FORMAT_SETTINGS_EN, /* the same page in English */
	SV_FORMAT_AUTODISCOVER_MOBILESYNC, /* Autodiscover v1, mobilesync
	                       * (ActiveSync) schema; absent without an
	                       * ActiveSync service */
	SV_FORMAT_AUTODISCOVER_V2_ACTIVESYNC, /* v2 JSON, Protocol=ActiveSync;
	                       * absent without ActiveSync */
	SV_FORMAT_AUTODISCOVER_V2_EWS, /* v2 JSON, Protocol=EWS; absent
	                       * without EWS */
	SV_FORMAT_COUNT
};

/* The name of a format: "autoconfig", "mobileconfig", "autodiscover",
 * "caldav", "carddav", "evolution", "autodiscover-domain", "pacc",
 * "settings-html", "settings-html-en", "mobilesync",
 * "autodiscover-v2-activesync", "autodiscover-v2-ews"; NULL for a value
 * out of range. */
const char *sv_format_name(enum sv_format f);
/* The format of that name; SV_OK, or SV_EINVAL for an unknown name. */
int sv_format_parse(const char *name, enum sv_format *out);

struct sv_snapshot;

/* What a domain resolved to. Pointers borrow from the snapshot. */
struct sv_snapshot_match {
	const struct sv_provider *provider;
	const struct sv_answer *answers[SV_FORMAT_COUNT];
	const char *pattern; /* the domain row that matched: "x.fr", "*.fr",
	                      * "mx:*.hoster.example", "*" */
	const char *mx_host; /* for an MX row, the MX host that matched it
	                      * (borrowed from the caller's sv_snapshot_mx);
	                      * else NULL */
	size_t target;       /* which answers[] these are, for
	                      * sv_snapshot_kept_slot */
};

/*
 * A mail domain's MX hosts as a resolver found them: normalised names
 * (sv_domain_normalize), most preferred first. Borrowed for the call.
 */
struct sv_snapshot_mx {
	const char *const *hosts;
	size_t n;
};

/*
 * Builds a snapshot from n providers, taking ownership of the array and of
 * every provider in it (even on failure). Providers that fail
 * sv_provider_validate or sv_provider_check_servable are left out and
 * counted in *skipped (may be NULL), each reported through warn (may be
 * NULL) with its reason. generation is a caller's counter shown in logs.
 * Returns the snapshot with one reference held by the caller, or NULL with
 * err set.
 */
struct sv_snapshot *sv_snapshot_build(struct sv_provider **pvs, size_t n,
	uint64_t generation, size_t *skipped,
	void (*warn)(const char *provider_id, const char *reason),
	struct sv_err *err);

/* Drops a reference; the last one frees the snapshot. NULL is a no-op. */
void sv_snapshot_release(struct sv_snapshot *s);
/* Adds a reference (for a holder or a request). */
struct sv_snapshot *sv_snapshot_retain(struct sv_snapshot *s);

uint64_t sv_snapshot_generation(const struct sv_snapshot *s);
size_t sv_snapshot_domain_count(const struct sv_snapshot *s);
size_t sv_snapshot_provider_count(const struct sv_snapshot *s);

/*
 * Resolves a normalised domain (sv_domain_normalize) in this order: the
 * exact name, else the longest "*.suffix" row strictly above it, else
 * (when the snapshot has MX rows) the first of mx->hosts that an MX row
 * matches (its "mx:HOST" row, else its longest "mx:*.SUFFIX" row), else
 * "*". Returns SV_OK, SV_ENOTFOUND, or SV_EAGAIN when the answer depends
 * on the domain's MX hosts and mx is NULL (not known yet: resolve them
 * and call again). Thread-safe; never blocks.
 */
int sv_snapshot_resolve(const struct sv_snapshot *s, const char *domain,
	const struct sv_snapshot_mx *mx, struct sv_snapshot_match *out);
/* Whether any MX row is served (requests may then need a DNS look-up). */
bool sv_snapshot_has_mx_rows(const struct sv_snapshot *s);

/*
 * sv_snapshot_resolve for a domain known to have no MX host that
 * matters: exact, longest "*.suffix", then "*"; never SV_EAGAIN. For
 * callers that cannot resolve names (a static export) or that ask about
 * a name other than a mail domain.
 */
int sv_snapshot_lookup(const struct sv_snapshot *s, const char *domain,
	struct sv_snapshot_match *out);

/*
 * The whole request path in one call: resolves facts->domain and appends
 * the filled answer of format to out; *content_type receives the static
 * content type. SV_ENOTFOUND for an unknown domain. Used by both the HTTP
 * server and `suivant lookup`, so they cannot disagree.
 */
int sv_snapshot_answer(const struct sv_snapshot *s, enum sv_format format,
	const struct sv_answer_facts *facts, struct sv_buf *out,
	const char **content_type);
/* The same for a domain already resolved into m (sv_snapshot_resolve). */
int sv_snapshot_answer_of(const struct sv_snapshot_match *m,
	enum sv_format format, const struct sv_answer_facts *facts,
	struct sv_buf *out, const char **content_type);

/*
 * Objects a front end keeps beside the compiled answers, made from them
 * and living as long as the snapshot: the HTTP server's ready responses
 * for answers that are the same for every request (src/http/
 * http_shared.c). The snapshot knows nothing of them but a slot per
 * answer and a function that frees what a slot holds.
 *
 * The slot of m's answer of format (m from sv_snapshot_resolve on s): an
 * atomic pointer, NULL until a front end stores an object there (with a
 * compare-and-swap: the loser frees its own). Every object stored is
 * given to free_obj when s is freed, after its last reference; free_obj
 * is s's for good once a slot was asked with it, and NULL is returned
 * when asked with another, when m has no answer of that format or when
 * the slots could not be allocated (the front end then does without).
 * Thread-safe and lock-free.
 */
typedef void sv_snapshot_kept_free(void *obj);
_Atomic(void *) *sv_snapshot_kept_slot(struct sv_snapshot *s,
	const struct sv_snapshot_match *m, enum sv_format format,
	sv_snapshot_kept_free *free_obj);
/*
 * Charges bytes to s's budget for kept objects (SV_SNAPSHOT_KEPT_MAX):
 * true when they fit, false (nothing charged) when they do not, and the
 * object should not be made. Charges are never given back: kept objects
 * live as long as the snapshot. Thread-safe and lock-free.
 */
#define SV_SNAPSHOT_KEPT_MAX (2u * 1024 * 1024)
bool sv_snapshot_kept_charge(struct sv_snapshot *s, size_t bytes);

#endif
