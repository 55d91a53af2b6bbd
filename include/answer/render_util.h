/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_UTIL_H
#define SUIVANT_RENDER_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "answer/answer.h"
#include "model/model.h"
#include "util/err.h"

/*
 * The frame the answer renderers (render_autoconfig.c,
 * render_autodiscover.c, render_mobileconfig.c, render_pacc.c,
 * render_wellknown.c) share: the checks a provider must pass before a
 * writer sees it, the selection of the servers and of the service a
 * client can use, and the builder's init/write/finish sequence with its
 * error messages. Pure and thread-safe; every message
 * starts with "<what>: " where what names the format ("autoconfig").
 */

/* True when s is NULL or "": both mean "absent" in a document. */
bool sv_render_absent(const char *s);

/*
 * SV_OK when pv has an id and at most SV_MODEL_MAX_SERVERS servers (so
 * arrays of that size hold any selection); else SV_EINVAL or SV_ETOOBIG
 * with a message in err.
 */
int sv_render_check_provider(const char *what, const struct sv_provider *pv,
	struct sv_err *err);

/* Flags of sv_render_check_server() and sv_render_select_servers(). */
#define SV_RENDER_NEED_AUTH 0x1 /* 1..SV_MODEL_MAX_AUTH methods */
#define SV_RENDER_FIRST_OF_TYPE 0x2 /* selection: only the first (the
                                  * preferred) imap, pop3 and smtp server */

/*
 * SV_OK when s has a hostname, a port in 1..65535 and a socket type
 * (plain, SSL or STARTTLS), plus what flags ask; else SV_EINVAL naming
 * pv and s in err. Guards direct callers: the snapshot only renders
 * validated providers.
 */
int sv_render_check_server(const char *what, const struct sv_provider *pv,
	const struct sv_server *s, unsigned flags, struct sv_err *err);

/*
 * The imap, pop3 and smtp servers a client of override_domain gets (NULL:
 * the provider-wide view, sv_provider_servers_for()), each checked with
 * sv_render_check_server(flags) in priority order, then written to out
 * incoming first, outgoing last, each group in priority order (the first
 * server of a kind is the client's default, PROTOCOLS.md 2); with
 * SV_RENDER_FIRST_OF_TYPE only that first server of each type. out must
 * hold SV_MODEL_MAX_SERVERS pointers, borrowed from pv; *n gets the count.
 * Calls sv_render_check_provider() first. SV_OK or its/the check's error.
 */
int sv_render_select_servers(const char *what, const struct sv_provider *pv,
	const char *override_domain, unsigned flags,
	const struct sv_server **out, size_t *n, struct sv_err *err);

/* The first service of type among svc[0..n) (priority order), or NULL. */
const struct sv_service *sv_render_first_of(
	const struct sv_service *const *svc, size_t n,
	enum sv_service_type type);

/*
 * The preferred service of type a client of override_domain gets (the
 * first of that type in sv_provider_services_for() order) into *out,
 * borrowed from pv; NULL when there is none. Calls
 * sv_render_check_provider() first. SV_OK or the check's error.
 */
int sv_render_first_service(const char *what, const struct sv_provider *pv,
	const char *override_domain, enum sv_service_type type,
	const struct sv_service **out, struct sv_err *err);

/*
 * Writes text[0..len) raw (no escaping: the caller's bytes are already in
 * the document's syntax) with every %EMAILDOMAIN% as SV_SLOT_DOMAIN, the
 * requested domain (an LDH name, safe in a header, a URL or a JSON
 * string). 0 or -1 like the libxml2 writer.
 */
int sv_render_raw_domain(struct sv_answer_builder *b, const char *text,
	size_t len);

/* Writes a whole document into b; 0 or -1 like the libxml2 writer. */
typedef int (*sv_render_write_fn)(struct sv_answer_builder *b,
	const void *ctx);

/* What sv_render_write_raw_domain() writes: s[0..len), borrowed. */
struct sv_render_text {
	const char *s;
	size_t len;
};

/*
 * An sv_render_write_fn for a document that is one text (ctx: a struct
 * sv_render_text): sv_render_raw_domain() of it.
 */
int sv_render_write_raw_domain(struct sv_answer_builder *b, const void *ctx);

/*
 * Starts a builder for content_type, runs write(b, ctx) and compiles the
 * answer into *out (owned, sv_answer_destroy). A writer failure is the
 * builder's own error (a bad template) or SV_ENOMEM; the builder is
 * always finished or abandoned. id names the provider in err.
 */
int sv_render_answer(const char *what, const char *id,
	const char *content_type, sv_render_write_fn write, const void *ctx,
	struct sv_answer **out, struct sv_err *err);

#endif
