/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_BUNDLE_H
#define SUIVANT_BUNDLE_H

#include <stddef.h>

#include "store/store.h"
#include "util/err.h"

/*
 * The bundled data (db/ *.xml: Mozilla provider files compiled into the
 * binary) and the schema migrations (schema/ *.sql).
 */
struct sv_embedded_file {
	const char *name;   /* file name, e.g. "free.fr.xml" */
	const char *data;   /* NUL-terminated contents */
	size_t len;
};

extern const struct sv_embedded_file sv_embedded_schema[];
extern const size_t sv_embedded_schema_count;
extern const struct sv_embedded_file sv_embedded_data[];
extern const size_t sv_embedded_data_count;

/*
 * Imports every bundled provider file into st in one transaction (all or
 * nothing). *n_providers receives the count (may be NULL). A bundled file
 * that fails to parse or validate is a build bug: SV_EINVAL naming it.
 */
int sv_bundle_install(struct sv_store *st, size_t *n_providers,
	struct sv_err *err);

#endif
