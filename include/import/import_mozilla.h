/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_IMPORT_MOZILLA_H
#define SUIVANT_IMPORT_MOZILLA_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/err.h"

/*
 * Reads a Mozilla provider file (config-v1.1.xml) into the model. libxml2
 * parses with no network, no DTD loading, no entity substitution and a
 * size cap; a DOCTYPE is refused. Unknown elements are ignored (the
 * format's must-ignore rule), comments and whitespace dropped.
 * Server priorities are assigned from document order (10, 20, 30...).
 * The result is validated with sv_provider_validate.
 */

#define SV_IMPORT_MAX_FILE (1024 * 1024)

/*
 * suivant's own settings in a provider file live in this namespace, as
 * children of <emailProvider>, so that no Mozilla element name is taken
 * and other readers skip them (the format's must-ignore rule):
 *   <publishPlaintext xmlns="SV_MOZILLA_SUIVANT_NS">true</publishPlaintext>
 * sets struct sv_provider.publish_plaintext (true or false, any letter
 * case; absent is false). The export writes it only when true, so that
 * every other provider's file stays the plain Mozilla format.
 */
#define SV_MOZILLA_SUIVANT_NS "https://github.com/suivant/suivant/ns/provider"
#define SV_MOZILLA_PUBLISH_PLAINTEXT "publishPlaintext"

/*
 * Parses len bytes named name (used in messages). On success *out is an
 * owned provider (free with sv_provider_destroy). On failure returns
 * SV_EINVAL (or SV_ETOOBIG / SV_ENOMEM) with "name:line: what is wrong" in
 * err and *out untouched.
 */
int sv_import_mozilla_memory(const char *buf, size_t len, const char *name,
	struct sv_provider **out, struct sv_err *err);

/* Reads path (at most SV_IMPORT_MAX_FILE bytes) then as above. */
int sv_import_mozilla_file(const char *path, struct sv_provider **out,
	struct sv_err *err);

/*
 * A <usernameField/>, <passwordField/> or <loginButton/> with neither id
 * nor name is kept as an empty id, which the renderers write back as the
 * bare element (render_mozilla.h).
 *
 * Notes for both functions. sv_import_mozilla_file also returns
 * SV_ENOTFOUND ("path: No such file or directory") and SV_EIO (read
 * error, or a file that changed while being read). Messages carry a line
 * whenever one exists; the size cap, I/O and allocation failures give
 * "name: ..." only. A file of exactly SV_IMPORT_MAX_FILE bytes is accepted.
 * Thread-safe (no shared state) once xmlInitParser() has run.
 */

/*
 * Options of the _ex variants (NULL options = all false, as above).
 *
 * repair: fix the typos whose fix is unambiguous instead of refusing the
 * file, and report each one through on_repair as
 * "name:line: repaired <what>: 'FROM' -> 'TO'" (one line, no newline).
 * Without repair each of these stays an error (or, for displayNameShort,
 * an unknown element that is ignored). The repairs:
 *  - a known placeholder missing its closing '%' in a hostname, username
 *    or webmail username ("%EMAILADDRESS" -> "%EMAILADDRESS%"); only the
 *    full token name counts ("%EMAILADDR" stays an error);
 *  - an emailProvider id or a domain with upper-case ASCII letters:
 *    lower-cased (when the result is valid);
 *  - a domain listed again: the repeat is dropped;
 *  - a displayShortName over SV_MODEL_MAX_SHORT_NAME characters: dropped
 *    (a cut name would be a label nobody chose; the element is optional
 *    and no client relies on it);
 *  - <displayNameShort> (an ISPDB typo) read as displayShortName when the
 *    provider has no displayShortName;
 *  - Stalwart's spellings of the service sections (an earlier draft's):
 *    <addressBook> read as <addressbook>, <serverURL> as <url>,
 *    <authentication>http-basic</...> (and http-digest) as
 *    <authentication system="http">Basic</...> (Digest).
 * on_repair may be NULL; it is called during the import, so a file that
 * is rejected later may have reported repairs already.
 */
struct sv_import_options {
	bool repair;
	/* accept plain http service URLs (sv_service.insecure) instead of
	 * refusing them */
	bool allow_insecure;
	void (*on_repair)(void *ctx, const char *msg);
	void *ctx;          /* passed to on_repair */
};

int sv_import_mozilla_memory_ex(const char *buf, size_t len,
	const char *name, const struct sv_import_options *opt,
	struct sv_provider **out, struct sv_err *err);
int sv_import_mozilla_file_ex(const char *path,
	const struct sv_import_options *opt, struct sv_provider **out,
	struct sv_err *err);

#endif
