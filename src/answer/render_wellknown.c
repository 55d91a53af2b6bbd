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

static int render(const char *what, enum sv_service_type type,
		const struct sv_provider *pv, const char *override_domain,
		struct sv_answer **out, struct sv_err *err) {
	*out = NULL;
	const struct sv_service *s;
	int rc = sv_render_first_service(what, pv, override_domain, type, &s,
		err);
	if (rc != SV_OK || s == NULL) {
		return rc;
	}
	struct sv_service_url u;
	struct sv_err why;
	if (s->url == NULL || sv_service_url_parse(s->url, "url", &u, &why) !=
			SV_OK) {
		return sv_errf(err, SV_EINVAL, "%s: %s: %s", what, pv->id,
			s->url == NULL ? "service without url" : why.msg);
	}
	struct sv_render_text t = { .s = s->url, .len = u.context_len };
	return sv_render_answer(what, pv->id, SV_WELLKNOWN_CONTENT_TYPE,
		sv_render_write_raw_domain, &t, out, err);
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
