/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_ISPDB_H
#define SUIVANT_RENDER_ISPDB_H

#include <stddef.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * Renders pv as a complete Mozilla provider file (config-v1.1.xml, the
 * format of Thunderbird's ISP database and of `suivant import`): the
 * admin's view, unlike the public answer (render_autoconfig.h). Every
 * domain in order, displayName and displayShortName only when set,
 * <publishPlaintext> in suivant's namespace when pv->publish_plaintext
 * (import_mozilla.h), every
 * server in priority order whatever its type (ews/owa/graph with <url>,
 * exchange with <owaURL>/<ewsURL>), placeholders left as templates,
 * absent values absent, every link inside <emailProvider> (an <enable>
 * that a source file had under <clientConfig> comes back in its canonical
 * place), then <webMail> and <oAuth2>. Importing the result gives pv back
 * (server ids aside). Indented with two spaces, UTF-8, XML declaration.
 *
 * Servers bound to one domain (struct sv_server.domain) cannot be said in
 * this format, which has no per-domain servers: they are left out, an XML
 * comment in the document says how many, and *n_left_out (may be NULL)
 * receives the count so that the caller can warn. Services bound to one
 * domain are left out the same way (a comment of their own), not counted
 * in *n_left_out. The services written are the root-level sections after
 * <emailProvider> (render_mozilla.h), and make the document version 1.2.
 *
 * Appends the document to out. Returns SV_OK, SV_EINVAL (pv has no id),
 * SV_ENOMEM or SV_ETOOBIG (out's limit; out is then empty, as sv_buf
 * does). Pure and thread-safe once xmlInitParser() has run.
 */
int sv_render_ispdb(const struct sv_provider *pv, struct sv_buf *out,
	size_t *n_left_out, struct sv_err *err);

#endif
