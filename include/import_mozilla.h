/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_IMPORT_MOZILLA_H
#define SUIVANT_IMPORT_MOZILLA_H

#include <stddef.h>

#include "err.h"
#include "model.h"

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
 * Notes for both functions. sv_import_mozilla_file also returns
 * SV_ENOTFOUND ("path: No such file or directory") and SV_EIO (read
 * error, or a file that changed while being read). Messages carry a line
 * whenever one exists; the size cap, I/O and allocation failures give
 * "name: ..." only. A file of exactly SV_IMPORT_MAX_FILE bytes is accepted.
 * Thread-safe (no shared state) once xmlInitParser() has run.
 */

#endif
