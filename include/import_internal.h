/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_IMPORT_INTERNAL_H
#define SUIVANT_IMPORT_INTERNAL_H

/*
 * Shared by the files of the Mozilla importer only: import_mozilla.c (the
 * parser and the mapping onto the model), import_repair.c (the --repair
 * fixes) and import_line.c (finding a validator message's element).
 * Nothing here is part of the import API (import_mozilla.h).
 */
#include <stdbool.h>

#include <libxml/tree.h>

#include "err.h"
#include "import_mozilla.h"
#include "model.h"

/* Room for a quoted excerpt of a bad value in a message. */
#define IMP_QUOTE_MAX 40

/* One import in progress. */
struct imp {
	const char *name;        /* borrowed: the file name for messages */
	struct sv_err *err;      /* borrowed; may be NULL */
	struct sv_provider *pv;  /* owned until handed to the caller */
	const struct sv_import_options *opt; /* borrowed; never NULL */
};

/* ---- import_mozilla.c ---- */

/* n's line in the file, or 0 when libxml2 does not know it. */
long imp_line_of(const xmlNode *n);
/* Formats "name:line: message" into im->err and returns rc. */
int imp_fail(const struct imp *im, long line, int rc,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "name: out of memory" into im->err; returns SV_ENOMEM. */
int imp_oom(const struct imp *im);
/*
 * Copies at most IMP_QUOTE_MAX bytes of s into out
 * (IMP_QUOTE_MAX + 4 bytes) for a message: control characters
 * become '?', a longer value ends in "...". Returns out.
 */
const char *imp_quote(const char *s, char *out);
/* n is an element called name, without a namespace. */
bool imp_is_elem(const xmlNode *n, const char *name);
/* n's local name, for messages. */
const char *imp_elem_name(const xmlNode *n);

/* ---- import_repair.c: only with im->opt->repair ---- */

/* Reports one repair as "name:line: repaired <message>". */
void imp_repaired(const struct imp *im, long line,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Closes every known placeholder that misses its closing '%' in the
 * template *tpl of element n ("%EMAILADDRESS" -> "%EMAILADDRESS%"),
 * replacing *tpl (owned) and reporting the repair. Complete tokens are
 * copied whole, so "%EMAILLOCALPART%%%EMAILDOMAIN%" is left alone.
 * Returns SV_OK or SV_ENOMEM.
 */
int imp_repair_template(const struct imp *im,
	const xmlNode *n, char **tpl);
/*
 * With the repair option: lower-cases the ASCII letters of s in place
 * when that turns it into a value ok() accepts, and reports it as what.
 * SV_OK (repaired or not) or SV_ENOMEM.
 */
int imp_repair_case(const struct imp *im, const xmlNode *n,
	char *s, const char *what, bool (*ok)(const char *));
/*
 * With the repair option: drops a displayShortName over the limit (see
 * import_mozilla.h for why it is not cut); line is the element's.
 */
void imp_repair_short_name(struct imp *im, long line);

/* ---- import_line.c ---- */

/*
 * The line of the element an sv_provider_validate() message is about,
 * found again in doc, or 0 when the message names nothing we can find.
 */
long imp_validator_line(const xmlDoc *doc, const char *msg);

#endif
