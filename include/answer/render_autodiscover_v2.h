/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_AUTODISCOVER_V2_H
#define SUIVANT_RENDER_AUTODISCOVER_V2_H

#include "answer/answer.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * Microsoft Autodiscover v2 (PROTOCOLS.md 4): the JSON answers, beside
 * the v1 XML ones (render_autodiscover.h). Pure: model in, bytes out;
 * JSON from jansson only.
 */

#define SV_AUTODISCOVER_JSON_CONTENT_TYPE "application/json; charset=utf-8"

/*
 * Autodiscover v2 for Protocol=ActiveSync and Protocol=EWS:
 * {"Protocol":"ActiveSync","Url":URL} (or "EWS") with the first service
 * of that type, compact, key order kept, the URL's tokens as URL slots,
 * content type SV_AUTODISCOVER_JSON_CONTENT_TYPE. SV_OK with *out NULL
 * for a provider without one (its domains then answer 404).
 */
sv_answer_renderer sv_render_autodiscover_v2_activesync;
sv_answer_renderer sv_render_autodiscover_v2_ews;

/*
 * Autodiscover v2: appends {"Protocol":"AutodiscoverV1","Url":"https://
 * autodiscover.DOMAIN/autodiscover/autodiscover.xml"} for a normalised
 * domain (an LDH name, see sv_domain_normalize). SV_OK, SV_EINVAL for a
 * domain that is not a host name, SV_ETOOBIG, SV_ENOMEM (out emptied).
 */
int sv_render_autodiscover_v2(const char *domain, struct sv_buf *out,
	struct sv_err *err);

/*
 * Autodiscover v2 error body {"ErrorCode":code,"ErrorMessage":message}.
 * Both must be valid UTF-8 (jansson escapes them); SV_EINVAL otherwise.
 */
int sv_render_autodiscover_v2_error(const char *code, const char *message,
	struct sv_buf *out, struct sv_err *err);

#endif
