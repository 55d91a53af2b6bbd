/* SPDX-License-Identifier: MIT */
/*
 * Microsoft Autodiscover v2 (PROTOCOLS.md 4), render_autodiscover_v2.h:
 * the JSON answers, beside the v1 XML ones of render_autodiscover.c.
 *
 * v2 answers are JSON, written with jansson into a stack buffer (json_
 * dumpb), then copied into the caller's sv_buf.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answer/render_autodiscover_v2.h"
#include "answer/render_util.h"
#include "util/utf8.h"

#define V2_JSON_MAX 2048

static bool valid_utf8(const char *s) {
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = sv_utf8_decode(p + i, n - i, &cp);
		if (k == 0) {
			return false;
		}
		i += k;
	}
	return true;
}

/*
 * Appends {"k1":"v1","k2":"v2"} (key order kept) to out. Values must be
 * valid UTF-8; jansson escapes them (and every non-ASCII character, so
 * the body is plain ASCII).
 */
static int append_pair_object(const char *k1, const char *v1,
		const char *k2, const char *v2, struct sv_buf *out,
		struct sv_err *err) {
	if (!valid_utf8(v1) || !valid_utf8(v2)) {
		sv_buf_finish(out);
		return sv_errf(err, SV_EINVAL, "autodiscover: JSON value is "
			"not UTF-8");
	}
	json_t *o = json_object();
	if (o == NULL || json_object_set_new(o, k1, json_string(v1)) != 0 ||
			json_object_set_new(o, k2, json_string(v2)) != 0) {
		json_decref(o);
		sv_buf_finish(out);
		return sv_errf(err, SV_ENOMEM, "autodiscover: out of memory");
	}
	char text[V2_JSON_MAX];
	size_t len = json_dumpb(o, text, sizeof(text),
		JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (len == 0 || len >= sizeof(text)) {
		sv_buf_finish(out);
		return sv_errf(err, len == 0 ? SV_ENOMEM : SV_ETOOBIG,
			"autodiscover: cannot write the JSON document");
	}
	int rc = sv_buf_append(out, text, len);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "autodiscover: %s", sv_rc_str(rc));
	}
	return SV_OK;
}

int sv_render_autodiscover_v2(const char *domain, struct sv_buf *out,
		struct sv_err *err) {
	if (!sv_is_domain_name(domain)) {
		sv_buf_finish(out);
		return sv_errf(err, SV_EINVAL, "autodiscover: not a host name");
	}
	char url[sizeof("https://autodiscover.") + SV_DOMAIN_MAX +
		sizeof("/autodiscover/autodiscover.xml")];
	int n = snprintf(url, sizeof(url),
		"https://autodiscover.%s/autodiscover/autodiscover.xml", domain);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		sv_buf_finish(out);
		return sv_errf(err, SV_ETOOBIG, "autodiscover: URL too long");
	}
	return append_pair_object("Protocol", "AutodiscoverV1", "Url", url,
		out, err);
}

/* What write_v2_url() writes: the JSON text, tokens left in its URL. */
static int write_v2_url(struct sv_answer_builder *b, const void *ctx) {
	return sv_answer_builder_url_raw(b, ctx);
}

/*
 * {"Protocol":protocol,"Url":URL} for the first service of type t, as a
 * compiled answer: jansson writes the JSON with the URL template in it
 * (its tokens are plain ASCII letters and '%', which JSON leaves alone),
 * and the builder cuts the tokens into URL slots.
 */
static int render_v2(const char *what, const char *protocol,
		enum sv_service_type t, const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	const struct sv_service *s;
	int rc = sv_render_first_service(what, pv, override_domain, t, &s,
		err);
	if (rc != SV_OK || s == NULL) {
		return rc; /* none: 404 (http_answer.c) */
	}
	if (s->url == NULL || !valid_utf8(s->url)) {
		return sv_errf(err, SV_EINVAL, "%s: %s: service without a "
			"valid url", what, pv->id);
	}
	json_t *o = json_object();
	char *text = NULL;
	if (o != NULL && json_object_set_new(o, "Protocol",
			json_string(protocol)) == 0 && json_object_set_new(o,
			"Url", json_string(s->url)) == 0) {
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
			JSON_ENSURE_ASCII);
	}
	json_decref(o);
	if (text == NULL) {
		return sv_errf(err, SV_ENOMEM, "%s: %s: out of memory", what,
			pv->id);
	}
	rc = sv_render_answer(what, pv->id, SV_AUTODISCOVER_JSON_CONTENT_TYPE,
		write_v2_url, text, out, err);
	free(text); /* jansson's allocator */
	return rc;
}

int sv_render_autodiscover_v2_activesync(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render_v2("autodiscover-v2-activesync", "ActiveSync",
		SV_SERVICE_ACTIVESYNC, pv, override_domain, out, err);
}

int sv_render_autodiscover_v2_ews(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render_v2("autodiscover-v2-ews", "EWS", SV_SERVICE_EWS, pv,
		override_domain, out, err);
}

int sv_render_autodiscover_v2_error(const char *code, const char *message,
		struct sv_buf *out, struct sv_err *err) {
	return append_pair_object("ErrorCode", code, "ErrorMessage", message,
		out, err);
}
