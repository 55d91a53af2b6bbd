/* SPDX-License-Identifier: MIT */
/*
 * The RFC 6764 redirect targets (render_wellknown.h): a service URL's
 * bare context, written raw (it is a header value, not XML) through an
 * answer builder so that the domain is a slot like in every other answer.
 * The URL was validated (service_url.c: printable ASCII, no space), and
 * the slot's value is an LDH name, so the filled bytes can go into a
 * header as they are.
 */
#include "answer/render_util.h"
#include "answer/render_wellknown.h"
#include "model/service_url.h"

/* What write_location() writes: url[0..len). */
struct target {
	const char *url;
	size_t len;
};

static int write_location(struct sv_answer_builder *b, const void *ctx) {
	const struct target *t = ctx;
	return sv_render_raw_domain(b, t->url, t->len);
}

static int render(const char *what, enum sv_service_type type,
		const struct sv_provider *pv, const char *override_domain,
		struct sv_answer **out, struct sv_err *err) {
	*out = NULL;
	if (pv->id == NULL) {
		return sv_errf(err, SV_EINVAL, "%s: provider without id", what);
	}
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES];
	size_t n = sv_provider_services_for(pv, override_domain, svc,
		SV_MODEL_MAX_SERVICES);
	const struct sv_service *s = NULL;
	for (size_t i = 0; i < n && s == NULL; i++) {
		s = svc[i]->type == type ? svc[i] : NULL;
	}
	if (s == NULL) {
		return SV_OK;
	}
	struct sv_service_url u;
	struct sv_err why;
	if (s->url == NULL || sv_service_url_parse(s->url, "url", &u, &why) !=
			SV_OK) {
		return sv_errf(err, SV_EINVAL, "%s: %s: %s", what, pv->id,
			s->url == NULL ? "service without url" : why.msg);
	}
	struct target t = { .url = s->url, .len = u.context_len };
	return sv_render_answer(what, pv->id, SV_WELLKNOWN_CONTENT_TYPE,
		write_location, &t, out, err);
}

int sv_render_caldav_location(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render("caldav", SV_SERVICE_CALDAV, pv, override_domain, out,
		err);
}

int sv_render_carddav_location(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render("carddav", SV_SERVICE_CARDDAV, pv, override_domain, out,
		err);
}
