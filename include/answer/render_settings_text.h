/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_SETTINGS_TEXT_H
#define SUIVANT_RENDER_SETTINGS_TEXT_H

#include "answer/answer.h"
#include "answer/render_settings.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * The settings page's table (render_settings.h) as text, for `suivant
 * lookup --format settings`: one block per server, for a terminal,
 * appended to out with the facts' address (or the absent words)
 * substituted. SV_OK, the table's errors, or sv_buf's (out emptied).
 */
int sv_render_settings_text(const struct sv_provider *pv,
	const char *override_domain, const struct sv_answer_facts *facts,
	enum sv_settings_lang lang, struct sv_buf *out, struct sv_err *err);

#endif
