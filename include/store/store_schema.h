/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_STORE_SCHEMA_H
#define SUIVANT_STORE_SCHEMA_H

#include <stddef.h>

/*
 * The schema migrations (schema/NNNN_name.sql), compiled into the binary
 * by src/embed.py as store_schema.c in the build tree, sorted by name; the
 * store applies those a database lacks (store.c). Read-only, static
 * storage: nobody frees them.
 */

/* A file compiled into the binary (here and in dataset/bundle.h). */
struct sv_embedded_file {
	const char *name;   /* file name, e.g. "0001_init.sql" */
	const char *data;   /* NUL-terminated contents */
	size_t len;
};

extern const struct sv_embedded_file sv_embedded_schema[];
extern const size_t sv_embedded_schema_count;

#endif
