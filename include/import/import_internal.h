/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_IMPORT_INTERNAL_H
#define SUIVANT_IMPORT_INTERNAL_H

/*
 * Private to the Mozilla importer, one module over several files that
 * share struct imp (the import in progress): import_mozilla.c (the entry
 * points and the document level, import_mozilla.h) calls import_value.c
 * (texts and values), import_server.c (server sections),
 * import_service.c (calendar, addressbook, fileShare), import_extras.c
 * (links, webMail, oAuth2), import_repair.c (the --repair fixes) and
 * import_line.c (finding a validator problem's element), which all call
 * import_common.c (messages, tree access); nothing calls upwards.
 * Nothing here is part of the import API (import_mozilla.h).
 */
#include <stdbool.h>

#include <libxml/tree.h>

#include "import/import_mozilla.h"
#include "model/model.h"
#include "util/err.h"

/* Room for a quoted excerpt of a bad value in a message. */
#define IMP_QUOTE_MAX 40

/* One import in progress. */
struct imp {
	const char *name;        /* borrowed: the file name for messages */
	struct sv_err *err;      /* borrowed; may be NULL */
	struct sv_provider *pv;  /* owned until handed to the caller */
	const struct sv_import_options *opt; /* borrowed; never NULL */
};

/* ---- import_common.c ---- */

/* n's line in the file, or 0 when libxml2 does not know it. */
long imp_line_of(const xmlNode *n);
/* Formats "name:line: message" into im->err and returns rc. */
int imp_fail(const struct imp *im, long line, int rc,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "name: out of memory" into im->err; returns SV_ENOMEM. */
int imp_oom(const struct imp *im);
/*
 * Room for one more of what ("servers") beside the count the provider
 * holds: SV_OK below max, else "more than max what" at n's line.
 */
int imp_room(const struct imp *im, const xmlNode *n, size_t count,
	int max, const char *what);
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
/*
 * The error for a second n where one is allowed ("duplicate <name>" at
 * n's line): keeping either copy would drop the other silently.
 */
int imp_duplicate(const struct imp *im, const xmlNode *n);

/* ---- import_value.c: every failure names n's line ---- */

/*
 * The trimmed text of element n into *out (owned). An empty text is an
 * error naming the element. Returns SV_OK, SV_EINVAL or SV_ENOMEM.
 */
int imp_text_of(const struct imp *im, const xmlNode *n, char **out);
/* Like imp_text_of, for a single-valued field: a second one is an error. */
int imp_scalar(const struct imp *im, const xmlNode *n, char **field);
/* A child element that holds one string: its name and its field. */
struct imp_scalar_field {
	const char *name;
	char **field;
};
/* imp_scalar of n into the field of the one of fields[0..count) that n
 * is named for; SV_OK, doing nothing, when it is none of them. */
int imp_scalar_field(const struct imp *im, const xmlNode *n,
	const struct imp_scalar_field *fields, size_t count);
/* SV_OK the first time section n is seen (*seen is then set), the
 * duplicate's error after. */
int imp_once(const struct imp *im, const xmlNode *n, bool *seen);
/*
 * Attribute name (no namespace) of element n: *out receives an owned copy,
 * or NULL when absent. When required, absence or an empty value is an
 * error.
 */
int imp_attr_of(const struct imp *im, const xmlNode *n, const char *name,
	bool required, char **out);
/* "true"/"false" in any letter case into a tristate field still unset. */
int imp_parse_bool(const struct imp *im, const xmlNode *n,
	enum sv_tristate *field);
/*
 * A decimal in min..max held by element n (or by its attribute attr when
 * attr is not NULL) into *field, which must still hold unset (a duplicate
 * is an error).
 */
int imp_parse_number(const struct imp *im, const xmlNode *n,
	const char *attr, long min, long max, int unset, int *field);
/*
 * The placeholder check of template *tpl_io (a host name when hostname);
 * with the repair option, unterminated placeholders are closed first,
 * replacing *tpl_io (owned).
 */
int imp_check_template(const struct imp *im, const xmlNode *n,
	char **tpl_io, bool hostname);
/* imp_scalar of n into *field, then imp_check_template of it. */
int imp_scalar_template(const struct imp *im, const xmlNode *n,
	char **field, bool hostname);

/* ---- import_server.c ---- */

/*
 * An <incomingServer> (outgoing false) or <outgoingServer> section n,
 * appended to im->pv with the next priority.
 */
int imp_map_server(struct imp *im, const xmlNode *n, bool outgoing);

/* ---- import_service.c ---- */

/*
 * A root-level service section n (calendar, addressbook, fileShare, or
 * Stalwart's addressBook), appended to im->pv with the next priority.
 */
int imp_map_service(struct imp *im, const xmlNode *n);
/* n is one of those sections. */
bool imp_is_service_elem(const xmlNode *n);
/*
 * An <incomingServer> whose type is a URL-based account (activeSync, ews,
 * owa, jmap, graph: sv_service_type_parse_xml) becomes a service of that
 * type, appended to im->pv with the next service priority.
 */
int imp_map_account(struct imp *im, const xmlNode *n);
/* n is such an incomingServer. */
bool imp_is_account_elem(const xmlNode *n);

/* ---- import_extras.c ---- */

/*
 * A link element n of the given kind: its URL in attribute url_attr, its
 * texts in the children called text_name (optional lang attribute).
 */
int imp_map_link(struct imp *im, const xmlNode *n, enum sv_link_kind kind,
	const char *url_attr, const char *text_name);
/* <webMail> into im->pv->webmail; *seen makes a second one an error. */
int imp_map_webmail(struct imp *im, const xmlNode *n, bool *seen);
/* <oAuth2> into im->pv->oauth2; *seen makes a second one an error. */
int imp_map_oauth2(struct imp *im, const xmlNode *n, bool *seen);

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
 * The line of the element an sv_provider_problem() problem is about,
 * found again in doc, or 0 when it cannot be found.
 */
long imp_validator_line(const xmlDoc *doc, const struct sv_problem *p);

#endif
