/* SPDX-License-Identifier: MIT */
/*
 * The export renderer: a provider as a full Mozilla provider file, the
 * admin's view (render_ispdb.h). The element writers are the public
 * answer's own (render_mozilla.c) in their admin view, so the two
 * documents cannot drift apart; only the frame differs here: every
 * domain instead of the requested one, no display-name fallback, servers
 * in stored priority order (incoming and outgoing interleaved as the
 * source had them) and templates written literally.
 *
 * libxml2 2.9.14's writer can drop text silently when an allocation
 * fails (answer.h); the allocation-failure count kept by
 * sv_answer_xml_memory_setup() is compared before and after, so such a
 * document is refused rather than exported truncated.
 */
#include <stdbool.h>

#include <libxml/xmlwriter.h>

#include "answer/answer.h"
#include "answer/render_ispdb.h"
#include "answer/render_mozilla.h"
#include "answer/render_util.h"
#include "import/import_mozilla.h"

static int opt_text_el(xmlTextWriterPtr w, const char *name,
		const char *value) {
	return !sv_render_absent(value) ? xmlTextWriterWriteElement(w, BAD_CAST name,
		BAD_CAST value) : 0;
}

/* A comment saying that n servers (or services) bound to one domain
 * were left out. */
static int left_out_comment(xmlTextWriterPtr w, size_t n, const char *what) {
	return xmlTextWriterWriteFormatComment(w, " suivant: %zu %s%s "
		"bound to a single domain not exported: the Mozilla format "
		"cannot say which domain a %s is for ", n, what,
		n == 1 ? "" : "s", what);
}

static int write_document(xmlTextWriterPtr w, const struct sv_provider *pv,
		size_t *n_left_out) {
	/* Provider-wide services only, like servers (see left_out); the
	 * URL-based accounts (acc) apart: they go among the servers. */
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES];
	const struct sv_service *acc[SV_MODEL_MAX_SERVICES];
	size_t n_svc = 0, n_acc = 0, svc_left_out = 0;
	for (size_t i = 0; i < pv->n_services; i++) {
		const struct sv_service *x = &pv->services[i];
		if (x->domain != NULL) {
			svc_left_out++;
		} else if (n_svc + n_acc >= SV_MODEL_MAX_SERVICES) {
			return -1; /* more than the validator allows */
		} else if (sv_service_type_is_account(x->type)) {
			acc[n_acc++] = x;
		} else {
			svc[n_svc++] = x;
		}
	}
	const struct sv_mozilla_writer mw = {
		.w = w,
		.view = SV_MOZILLA_ADMIN,
		.template_text = NULL, /* placeholders intact */
		.url_text = NULL,
	};
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
			xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
			xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "clientConfig") < 0 ||
			xmlTextWriterWriteAttribute(w, BAD_CAST "version",
				BAD_CAST SV_MOZILLA_VERSION(n_svc + n_acc)) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "emailProvider") < 0 ||
			xmlTextWriterWriteAttribute(w, BAD_CAST "id",
				BAD_CAST pv->id) < 0) {
		return -1;
	}
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (opt_text_el(w, "domain", pv->domains[i]) < 0) {
			return -1;
		}
	}
	if (opt_text_el(w, "displayName", pv->display_name) < 0 ||
			opt_text_el(w, "displayShortName", pv->short_name) < 0 ||
			(pv->publish_plaintext && xmlTextWriterWriteElementNS(w,
				NULL, BAD_CAST SV_MOZILLA_PUBLISH_PLAINTEXT,
				BAD_CAST SV_MOZILLA_SUIVANT_NS,
				BAD_CAST "true") < 0)) {
		return -1;
	}
	/*
	 * Accounts where their priority puts them among the servers (both
	 * sorted), so that a new import numbers them as before
	 * (import_service.c) and which comes first survives the trip.
	 */
	size_t left_out = 0, a = 0;
	for (size_t i = 0; i < pv->n_servers; i++) {
		const struct sv_server *s = &pv->servers[i];
		if (s->domain != NULL) {
			left_out++;
			continue;
		}
		for (; a < n_acc && acc[a]->priority < s->priority; a++) {
			if (sv_render_mozilla_service(&mw, acc[a]) < 0) {
				return -1;
			}
		}
		if (sv_render_mozilla_server(&mw, s) < 0) {
			return -1;
		}
	}
	for (; a < n_acc; a++) {
		if (sv_render_mozilla_service(&mw, acc[a]) < 0) {
			return -1;
		}
	}
	if ((left_out > 0 && left_out_comment(w, left_out, "server") < 0) ||
			(svc_left_out > 0 && left_out_comment(w, svc_left_out,
				"service") < 0)) {
		return -1;
	}
	if (sv_render_mozilla_tail(&mw, pv, svc, n_svc) < 0) {
		return -1;
	}
	*n_left_out = left_out;
	return 0;
}

int sv_render_ispdb(const struct sv_provider *pv, struct sv_buf *out,
		size_t *n_left_out, struct sv_err *err) {
	if (pv->id == NULL) {
		return sv_errf(err, SV_EINVAL, "export: provider without id");
	}
	unsigned long failures = sv_answer_xml_alloc_failures();
	size_t left_out = 0;
	int rc = SV_ENOMEM;
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb != NULL ? xmlNewTextWriterMemory(xb, 0) : NULL;
	if (w == NULL || write_document(w, pv, &left_out) < 0) {
		sv_errf(err, rc, "export: %s: cannot write the document: %s",
			pv->id, sv_rc_str(rc));
		goto done;
	}
	xmlFreeTextWriter(w); /* flushes into xb */
	w = NULL;
	if (sv_answer_xml_alloc_failures() != failures) {
		sv_errf(err, rc, "export: %s: out of memory in libxml2",
			pv->id);
		goto done;
	}
	rc = sv_buf_append(out, xmlBufferContent(xb),
		(size_t)xmlBufferLength(xb));
	if (rc != SV_OK) {
		sv_errf(err, rc, "export: %s: output limit reached", pv->id);
		goto done;
	}
	if (n_left_out != NULL) {
		*n_left_out = left_out;
	}
done:
	xmlFreeTextWriter(w);
	xmlBufferFree(xb);
	return rc;
}
