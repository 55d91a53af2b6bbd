/* SPDX-License-Identifier: MIT */
/*
 * GET /settings?email=ADDR or ?domain=DOM: the settings page
 * (render_settings.h), compiled per provider and language like every
 * answer and served through the one pipeline (sv_http_answer). This file
 * only reads the request: the address or the domain, and the language.
 *
 * Language: ?lang=fr or ?lang=en (the page's link to the other language)
 * wins; else the first of French and English by the Accept-Language
 * q-values (RFC 9110 12.5.4; "*" counts for both, ties go to the one
 * listed first); else French, the language of the help desk this
 * replaces. Responses say Vary: Accept-Language.
 *
 * A missing or malformed address or domain gets the page's 400 in that
 * language, an unknown domain its 404 (http_answer.c). The values are
 * form-decoded by MHD and read with their lengths, so a decoded %00 or a
 * byte that is not UTF-8 is refused by the parsers like any bad input,
 * and the 400 page shows only the parser's reason, never the input.
 *
 * GET /settings.css: the pages' one stylesheet, a static constant
 * (render_settings.h), served as it is to everyone.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "answer/render_settings.h"
#include "http/http_answer.h"
#include "http/http_endpoints.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define PARAM_EMAIL "email"
#define PARAM_DOMAIN "domain"
#define PARAM_LANG "lang"

/* q-value of one Accept-Language element's parameters ";q=0.5": 0..1000,
 * 1000 without one; a malformed q counts as 0 (RFC 9110: ignore). */
static int qvalue(const char *p, size_t n) {
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != ';') {
			continue;
		}
		size_t j = i + 1;
		while (j < n && (p[j] == ' ' || p[j] == '\t')) {
			j++;
		}
		if (j + 1 < n && (p[j] == 'q' || p[j] == 'Q') &&
				p[j + 1] == '=') {
			j += 2;
			if (j >= n || (p[j] != '0' && p[j] != '1')) {
				return 0;
			}
			int q = (p[j] - '0') * 1000, scale = 100;
			j++;
			if (j < n && p[j] == '.') {
				for (j++; j < n && p[j] >= '0' && p[j] <= '9' &&
						scale > 0; j++, scale /= 10) {
					q += (p[j] - '0') * scale;
				}
			}
			return q > 1000 ? 1000 : q;
		}
	}
	return 1000;
}

/* The language of an Accept-Language value v[0..n). */
static enum sv_settings_lang accept_language(const char *v, size_t n) {
	int best_fr = -1, best_en = -1; /* -1: not listed */
	int first = -1;                  /* which was listed first */
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && v[e] != ',') {
			e++;
		}
		size_t t = i;
		while (t < e && (v[t] == ' ' || v[t] == '\t')) {
			t++;
		}
		size_t tag_end = t;
		while (tag_end < e && v[tag_end] != ';' && v[tag_end] != ' ' &&
				v[tag_end] != '-' && v[tag_end] != '\t') {
			tag_end++;
		}
		int q = qvalue(v + tag_end, e - tag_end);
		bool is_fr = sv_http_caseeq_lit(v + t, tag_end - t, "fr");
		bool is_en = sv_http_caseeq_lit(v + t, tag_end - t, "en");
		bool any = tag_end - t == 1 && v[t] == '*';
		if ((is_fr || any) && q > best_fr && q > 0) {
			best_fr = q;
			first = first < 0 && !any ? SV_SETTINGS_FR : first;
		}
		if ((is_en || any) && q > best_en && q > 0) {
			best_en = q;
			first = first < 0 && !any ? SV_SETTINGS_EN : first;
		}
		i = e + 1;
	}
	if (best_en > best_fr) {
		return SV_SETTINGS_EN;
	}
	if (best_en == best_fr && best_en > 0 && first == SV_SETTINGS_EN) {
		return SV_SETTINGS_EN;
	}
	return SV_SETTINGS_FR;
}

static enum sv_settings_lang request_language(struct MHD_Connection *c) {
	const char *v;
	size_t n;
	if (sv_http_query_param(c, PARAM_LANG, &v, &n)) {
		if (sv_http_caseeq_lit(v, n, "en")) {
			return SV_SETTINGS_EN;
		}
		if (sv_http_caseeq_lit(v, n, "fr")) {
			return SV_SETTINGS_FR;
		}
	}
	if (sv_http_header(c, MHD_HTTP_HEADER_ACCEPT_LANGUAGE, &v, &n)) {
		return accept_language(v, n);
	}
	return SV_SETTINGS_FR;
}

enum MHD_Result sv_http_settings(const struct sv_http_call *call) {
	enum sv_settings_lang lang = request_language(call->c);
	enum sv_format format = lang == SV_SETTINGS_EN ?
		SV_FORMAT_SETTINGS_EN : SV_FORMAT_SETTINGS;
	struct sv_err err = { "" };
	const char *v;
	size_t n;
	/* the other language's link carries domain= and an empty email=
	 * when the page was for a domain: an empty email is no address */
	if (sv_http_query_param(call->c, PARAM_EMAIL, &v, &n) && n > 0) {
		struct sv_address addr;
		if (sv_address_parse(v, n, &addr, &err) != SV_OK) {
			return sv_http_page_error(call, format,
				MHD_HTTP_BAD_REQUEST, err.msg);
		}
		struct sv_answer_facts facts = sv_answer_facts_of_address(&addr);
		return sv_http_answer(call, format, &facts);
	}
	if (sv_http_query_param(call->c, PARAM_DOMAIN, &v, &n) && n > 0) {
		char domain[SV_DOMAIN_MAX + 1];
		if (sv_domain_normalize(v, n, domain, sizeof(domain), &err) !=
				SV_OK) {
			return sv_http_page_error(call, format,
				MHD_HTTP_BAD_REQUEST, err.msg);
		}
		struct sv_answer_facts facts = {
			.domain = domain,
			.absent = sv_render_settings_absent(lang),
		};
		return sv_http_answer(call, format, &facts);
	}
	return sv_http_page_error(call, format, MHD_HTTP_BAD_REQUEST,
		lang == SV_SETTINGS_EN ? "no address (?email=) nor domain "
		"(?domain=) given" : "ni adresse (?email=) ni domaine "
		"(?domain=) donnés");
}

enum MHD_Result sv_http_settings_css(const struct sv_http_call *call) {
	return sv_http_queue_static(call, sv_settings_css, sv_settings_css_len,
		SV_SETTINGS_CSS_CONTENT_TYPE, SV_HTTP_CACHE_PUBLIC);
}
