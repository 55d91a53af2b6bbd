/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_BUNDLE_H
#define SUIVANT_BUNDLE_H

#include <stddef.h>

#include "store/store.h"
#include "store/store_schema.h"
#include "util/err.h"

/*
 * The bundled data: the Mozilla provider files of db/ (named by their
 * path below db/, e.g. "free.fr.xml", "ispdb/126.com.xml"), compiled into
 * the binary by src/embed.py as bundle_data.c in the build tree, and their
 * installer (bundle.c). The files are read-only, static storage.
 */
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
