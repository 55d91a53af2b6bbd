/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ANSWER_H
#define SUIVANT_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/xmlwriter.h>

#include "model/placeholder.h"
#include "request/address.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * A compiled answer: a document rendered once (when a snapshot is built)
 * and cut into literal byte runs and slots that each request fills with its
 * own facts. Filling is a few memcpy calls: no XML writer, no SQL, no lock
 * on the request path.
 *
 * Slots:
 *  - SV_SLOT_DOMAIN: the requested domain (always known: it chose the
 *    answer). Domains are validated LDH host names, copied as they are.
 *  - SV_SLOT_EMAILADDRESS / _EMAILLOCALPART / _EMAILDOMAIN: the address
 *    parts when the request carried an address, else the placeholder token
 *    itself ("%EMAILLOCALPART%") so that the client substitutes it.
 *    Address parts are escaped for the answer's syntax (XML text).
 *    A page for people gives words instead of tokens (facts->absent).
 *  - SV_SLOT_DOMAIN_REVERSED: the requested domain's labels in reverse
 *    order ("mail.example.fr" gives "fr.example.mail"), the prefix of a
 *    reverse-DNS identifier (Apple's PayloadIdentifier).
 *  - SV_SLOT_EMAILADDRESS_URL / _EMAILLOCALPART_URL: the same address
 *    parts inside a URL: every byte but letters, digits and
 *    -._~!$()*+,;=:@ percent-encoded (so a local part's '/', '?', '#',
 *    '%', '&' or UTF-8 cannot change the URL's structure, and nothing is
 *    left to escape in XML); the token itself without an address.
 *  - SV_SLOT_UUID_PROFILE / _MAIL / _CALDAV / _CARDDAV: name-based
 *    (version 5, SHA-1) UUIDs in upper-case text, from
 *    SV_ANSWER_UUID_NAMESPACE and "profile:", "mail:", "caldav:" or
 *    "carddav:" followed by the address with its local part's
 *    ASCII letters lower-cased: the same address always gives the same
 *    UUIDs (a re-installed Apple profile replaces the old one), different
 *    addresses or roles give different ones. They need an address: filling
 *    them without one is SV_EINVAL.
 */
enum sv_slot {
	SV_SLOT_NONE = -1,
	SV_SLOT_DOMAIN = 0,
	SV_SLOT_EMAILADDRESS,
	SV_SLOT_EMAILLOCALPART,
	SV_SLOT_EMAILDOMAIN,
	SV_SLOT_DOMAIN_REVERSED,
	SV_SLOT_UUID_PROFILE,
	SV_SLOT_UUID_MAIL,
	SV_SLOT_EMAILADDRESS_URL,
	SV_SLOT_EMAILLOCALPART_URL,
	SV_SLOT_UUID_CALDAV,
	SV_SLOT_UUID_CARDDAV,
	SV_SLOT_COUNT
};

/*
 * Namespace of the name-based UUID slots. Fixed forever: changing it
 * changes every UUID, so profiles installed before would be duplicated
 * instead of replaced.
 */
#define SV_ANSWER_UUID_NAMESPACE "3f0b7c52-8d1e-4a6b-9c2f-5e7a1d4b8c60"

/* How slot values are escaped. */
enum sv_escape {
	SV_ESCAPE_XML, /* & < > " ' as entities */
};

/*
 * Literal bytes live in a pool of chunks: one arena of bytes and a table
 * of (offset, length) pairs. An answer is a sequence of 32-bit ops, each
 * either a chunk index or a slot (SV_ANSWER_OP_SLOT | slot). A finished
 * builder's answer has a private pool (one chunk per literal run);
 * sv_answer_intern() moves it into a pool shared by every answer of a
 * snapshot, cut into lines, each distinct line stored once: the answers
 * of 44,000 providers are mostly the same lines ("<port>993</port>",
 * "<key>PayloadType</key>"...) around a few of their own.
 */
#define SV_ANSWER_OP_SLOT 0x80000000u

struct sv_answer_pool;

struct sv_answer {
	const char *content_type;          /* static string */
	const struct sv_answer_pool *pool; /* literal chunks */
	struct sv_answer_pool *own_pool;   /* owned private pool, or NULL */
	uint32_t n_ops;
	uint32_t escape;                   /* enum sv_escape */
	size_t n_literal;                  /* literal bytes, all chunks */
	uint32_t ops[];                    /* in output order */
};

/*
 * What every format's renderer (render_<format>.h) is: pv's answer for
 * the provider-wide view (override_domain NULL) or for override_domain, a
 * domain of pv that has its own servers (sv_provider_servers_for). On
 * success *out is an owned answer (sv_answer_destroy) with the format's
 * content type; otherwise the rc, err saying why. Pure and thread-safe.
 * The snapshot compiles one answer per provider and kind through its
 * table of renderers (snapshot.c).
 */
struct sv_provider;
typedef int sv_answer_renderer(const struct sv_provider *pv,
	const char *override_domain, struct sv_answer **out,
	struct sv_err *err);

/* An empty pool whose sv_answer_intern() stores each distinct line once. */
struct sv_answer_pool *sv_answer_pool_create(void);
/* Frees the pool. Every answer interned in it must be destroyed first. */
void sv_answer_pool_destroy(struct sv_answer_pool *p);
/*
 * Rewrites *a (an answer with a private pool, from a builder) to use pool
 * instead: same output, its literal lines shared with the answers interned
 * before. On success the old answer is freed and *a replaced; on SV_ENOMEM
 * *a is left as it was. Not thread-safe for one pool.
 */
int sv_answer_intern(struct sv_answer_pool *pool, struct sv_answer **a);
/* After the last intern: frees the pool's lookup table and gives back the
 * slack of its arrays. Interning afterwards still works (it rebuilds). */
void sv_answer_pool_seal(struct sv_answer_pool *p);
/* Bytes held by the pool (arena + chunk table + lookup table), and the
 * number of distinct chunks, for statistics. */
size_t sv_answer_pool_bytes(const struct sv_answer_pool *p);
size_t sv_answer_pool_chunks(const struct sv_answer_pool *p);
/* Bytes held by one answer (its struct and ops; not the shared pool). */
size_t sv_answer_bytes(const struct sv_answer *a);

/* Facts of one request. address and local are NULL when no address was
 * given; domain is never NULL. Values are raw (unescaped) UTF-8. A request
 * that names only a domain is { .domain = d }. */
struct sv_answer_facts {
	const char *domain;
	const char *address;
	const char *local;
	const char *const *absent; /* NULL, or indexed by enum sv_slot: what
	                   * an address slot holds without an address (raw
	                   * text, escaped or URL-encoded as the slot is), a
	                   * NULL entry meaning the token; for pages a
	                   * person reads (render_settings.h) */
};

/*
 * The facts of a request that carried an address (sv_address_parse): its
 * normalised domain, the whole address and the local part as typed. They
 * borrow from addr. Every front end (the HTTP endpoints, `suivant lookup`)
 * builds them here, so none can fill an answer differently.
 */
struct sv_answer_facts sv_answer_facts_of_address(
	const struct sv_address *addr);

/*
 * The facts of Evolution's request (SV_FORMAT_EVOLUTION): the domain
 * alone when addr is Evolution's stand-in (sv_address_is_evolution_user),
 * so that the answer keeps the %EMAILADDRESS% and %EMAILLOCALPART%
 * tokens Evolution fills with the real address and never says
 * "EVOLUTIONUSER"; else those of the address, as above.
 */
struct sv_answer_facts sv_answer_facts_of_evolution(
	const struct sv_address *addr);

/* Frees a and what it owns. NULL is a no-op. */
void sv_answer_destroy(struct sv_answer *a);

/*
 * Appends the filled answer to out. Returns SV_OK, or SV_ETOOBIG /
 * SV_ENOMEM (out is then empty, see sv_buf), or SV_EINVAL (out emptied too)
 * when an address part holds a control byte other than tab or newline,
 * which XML cannot carry (addresses are validated upstream, so this is a
 * caller's bug), or when a UUID slot has no address or one over 254
 * bytes. When f->address is set but f->local is NULL, the local part is
 * taken as the address up to its last '@'. Thread-safe: a is read only.
 */
int sv_answer_fill(const struct sv_answer *a, const struct sv_answer_facts *f,
	struct sv_buf *out);

/*
 * libxml2 2.9.14's text writer does not report every allocation failure:
 * xmlTextWriterWriteString drops its text when xmlEncodeSpecialChars fails,
 * xmlTextWriterStartElement ignores a failed push on its element stack, so
 * a document can come out truncated or even malformed while every call
 * returned >= 0 (tests/unit/test_render_autoconfig.c shows it). This routes
 * libxml2's allocations through alloc.h (so tests can fail them too) and
 * counts their failures; a builder during whose life any libxml2
 * allocation failed finishes with SV_ENOMEM instead of a corrupt answer.
 * The count is process-wide: a failure in another thread's libxml2 use
 * also fails a concurrent build (a snapshot rebuild then keeps the old
 * one). Call once in main, before xmlInitParser() and before any thread
 * starts. Returns SV_OK, or SV_EINVAL if libxml2 refused the hooks.
 * Without it, builders cannot see these failures.
 */
int sv_answer_xml_memory_setup(void);

/* Number of libxml2 allocation failures seen since the setup. */
unsigned long sv_answer_xml_alloc_failures(void);

/*
 * Builds an answer from libxml2's text writer. Usage:
 *   struct sv_answer_builder b;
 *   if (sv_answer_builder_init(&b, content_type) != SV_OK) ...
 *   xmlTextWriter calls on b.w ..., with sv_answer_builder_slot() and
 *   sv_answer_builder_template() where request facts go,
 *   sv_answer_builder_finish(&b, &answer)  (or _abandon on error)
 * Every writer call's result must be checked by the caller (< 0 = error).
 */
struct sv_answer_builder_part {
	size_t off;         /* into the writer's buffer, for literal parts */
	size_t len;
	enum sv_slot slot;  /* SV_SLOT_NONE for a literal run */
};

struct sv_answer_builder {
	xmlBufferPtr xb;      /* owned */
	xmlTextWriterPtr w;   /* owned; writes into xb */
	struct sv_answer_builder_part *parts; /* owned until finish */
	size_t n_parts, cap_parts;
	size_t mark;          /* xb offset where the current literal run began */
	const char *content_type;
	unsigned long xml_failures; /* sv_answer_xml_alloc_failures() at init */
	int failed;           /* 0, or the enum sv_rc of the first failed
	                       * slot or template call (SV_ENOMEM, or
	                       * SV_EINVAL for an invalid template) */
	bool domain_token_is_domain; /* set by the caller: templates write
	                       * %EMAILDOMAIN% as SV_SLOT_DOMAIN, the
	                       * requested domain, even without an
	                       * address; for answers whose client
	                       * cannot fill that token (Evolution's,
	                       * Autodiscover's answer to a GET) */
};

int sv_answer_builder_init(struct sv_answer_builder *b,
	const char *content_type);
/*
 * Ends the literal run at the writer's current position (closing a pending
 * start tag first) and appends a slot. Returns 0 or -1 like the writer.
 */
int sv_answer_builder_slot(struct sv_answer_builder *b, enum sv_slot slot);
/*
 * Writes a placeholder template as element text: literal pieces escaped
 * by the writer, EMAILADDRESS / EMAILLOCALPART / EMAILDOMAIN tokens as
 * slots (EMAILDOMAIN as SV_SLOT_DOMAIN with domain_token_is_domain),
 * %REALNAME% literally (the server never knows it). The template must be
 * valid (sv_placeholder_validate); returns 0 or -1.
 */
int sv_answer_builder_template(struct sv_answer_builder *b, const char *tpl);
/*
 * Writes a service URL template (model/service_url.h) as element text:
 * literal pieces escaped by the writer, %EMAILADDRESS% and
 * %EMAILLOCALPART% as their _URL slots, %EMAILDOMAIN% as its slot (a
 * domain is an LDH name: nothing to encode). The template must be valid;
 * returns 0 or -1.
 */
int sv_answer_builder_url(struct sv_answer_builder *b, const char *tpl);
/*
 * The same for a document that is not XML (a JSON text holding service
 * URL templates, already in its own syntax): literal pieces written as
 * they are, tokens as the URL slots, whose values need no escaping in
 * JSON either (percent-encoded, or an LDH domain). Returns 0 or -1.
 */
int sv_answer_builder_url_raw(struct sv_answer_builder *b,
	const char *text);
/*
 * Call after the document is ended (e.g. xmlTextWriterEndDocument). On
 * success *out is an owned answer (free with sv_answer_destroy); else *out
 * is NULL and the result is b->failed or SV_ENOMEM. The builder is finished
 * either way.
 */
int sv_answer_builder_finish(struct sv_answer_builder *b,
	struct sv_answer **out, struct sv_err *err);
/* Frees everything after a failure. Safe on a zeroed builder. */
void sv_answer_builder_abandon(struct sv_answer_builder *b);

#endif
