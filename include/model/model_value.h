/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_MODEL_VALUE_H
#define SUIVANT_MODEL_VALUE_H

/*
 * The checks of single values (model_value.c) that the provider rules
 * (model_validate.c) are made of; not part of the model API (model.h).
 * Every check returns SV_OK or SV_EINVAL with a message that starts with
 * where (the field's name) and quotes the value through model_shown().
 */
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* How much of a value an error message shows. */
#define MODEL_SHOWN_MAX 64

/*
 * Writes a printable, bounded copy of s into buf (bufsz >= 8) for an
 * error message: valid non-control UTF-8 is kept, other bytes become
 * \xNN, and a long value is cut with "...". Returns buf.
 */
const char *model_shown(const char *s, char *buf, size_t bufsz);
/*
 * A text field: valid UTF-8, no control character nor noncharacter
 * (sv_utf8_is_noncharacter), at most max_bytes bytes. *chars (may be
 * NULL) receives the number of code points.
 */
int model_check_text(const char *s, size_t max_bytes, const char *where,
	size_t *chars, struct sv_err *err);
/* A name shown to users: non-empty text of at most max characters. */
int model_check_name(const char *s, size_t max, const char *where,
	struct sv_err *err);
/* s starts with the lower-case ASCII prefix, in any letter case. */
bool model_has_prefix_nocase(const char *s, const char *prefix);
/* An http(s) URL with a non-empty authority, no space, placeholders ok. */
int model_check_url(const char *s, const char *where, struct sv_err *err);
/* A username-like template: text, <= SV_MODEL_MAX_TEMPLATE, valid tokens. */
int model_check_template(const char *s, const char *where,
	struct sv_err *err);
/* A server's hostname template: the same, with the tokens a host allows. */
int model_check_hostname(const char *s, const char *where,
	struct sv_err *err);
/* One of the checks above, for model_check_required. */
typedef int model_check_fn(const char *s, const char *where,
	struct sv_err *err);
/*
 * A field that must be set: "w: name: missing" when s is NULL, else
 * check(s) with where "w: name" (at most 127 bytes).
 */
int model_check_required(const char *s, const char *w, const char *name,
	model_check_fn *check, struct sv_err *err);
/* A language tag: 1..35 letters, digits and hyphens, a letter first. */
bool model_is_lang(const char *s);

#endif
