/* SPDX-License-Identifier: MIT */
/*
 * The PACC document (render_pacc.h). What it says is sv_pacc_view's
 * decision; this file only spells it. jansson writes the text (sorted
 * keys, compact, UTF-8 as is), then the builder cuts it at each
 * %EMAILDOMAIN%: the view admits no other token, so every other byte is
 * the same for every request and every build.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answer/render_pacc.h"
#include "answer/render_util.h"
#include "model/pacc.h"

/* o[key] = {inner_key: value}; false when out of memory. */
static bool set_one(json_t *o, const char *key, const char *inner_key,
		const char *value) {
	json_t *inner = json_pack("{s:s}", inner_key, value);
	return inner != NULL && json_object_set_new(o, key, inner) == 0;
}

/*
 * The document of v, or NULL when out of memory. The parts are linked
 * with json_object_set (a reference of its own) and the local ones
 * dropped at the end, so no failure leaks one.
 */
static json_t *document(const struct sv_pacc_view *v) {
	json_t *doc = json_object();
	json_t *protocols = json_object();
	json_t *auth = json_object();
	json_t *info = json_object();
	json_t *provider = json_object();
	bool ok = json_object_set(doc, "protocols", protocols) == 0 &&
		json_object_set(doc, "authentication", auth) == 0 &&
		json_object_set(doc, "info", info) == 0 &&
		json_object_set(info, "provider", provider) == 0 &&
		json_object_set_new(provider, "name", json_string(v->name)) == 0
		&& json_object_set_new(auth, "password",
			json_boolean(v->password)) == 0;
	for (int p = 0; ok && p < SV_PACC_PROTOCOL_COUNT; p++) {
		const char *key = sv_pacc_protocol_key(p);
		if (v->server[p] != NULL) {
			ok = set_one(protocols, key, "host",
				v->server[p]->hostname);
		} else if (v->service[p] != NULL) {
			ok = set_one(protocols, key, "url", v->service[p]->url);
		}
	}
	if (ok && v->oauth_issuer != NULL) {
		json_t *inner = json_pack("{s:s+}", "issuer",
			v->oauth_scheme, v->oauth_issuer);
		ok = inner != NULL && json_object_set_new(auth,
			"oauth-public", inner) == 0;
	}
	if (ok && v->short_name != NULL) {
		ok = json_object_set_new(provider, "shortName",
			json_string(v->short_name)) == 0;
	}
	if (ok && v->documentation != NULL) {
		ok = set_one(info, "help", "documentation", v->documentation);
	}
	json_decref(protocols);
	json_decref(auth);
	json_decref(info);
	json_decref(provider);
	if (!ok) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int sv_render_pacc(const struct sv_provider *pv, const char *override_domain,
		struct sv_answer **out, struct sv_err *err) {
	*out = NULL;
	if (pv->id == NULL) {
		return sv_errf(err, SV_EINVAL, "pacc: provider without id");
	}
	struct sv_pacc_view v;
	struct sv_err why;
	if (sv_pacc_view(pv, override_domain, &v, &why) != SV_OK) {
		return SV_OK; /* not sayable: 404, and check's notice */
	}
	json_t *doc = document(&v);
	char *s = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)
		: NULL;
	json_decref(doc);
	if (s == NULL) {
		return sv_errf(err, SV_ENOMEM, "pacc: %s: out of memory",
			pv->id);
	}
	struct sv_render_text t = { s, strlen(s) };
	int rc = sv_render_answer("pacc", pv->id, SV_PACC_CONTENT_TYPE,
		sv_render_write_raw_domain, &t, out, err);
	free(s);
	return rc;
}
