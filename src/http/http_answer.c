/* SPDX-License-Identifier: MIT */
/*
 * The answer pipeline's last step, one for every endpoint: an endpoint
 * reads its request into facts (sv_answer_facts_of_address, or a domain
 * alone) and calls sv_http_answer with the route's format; everything
 * after that is decided here, the same way for every format:
 *
 *   note the domain (access line, metrics)
 *   -> the snapshot's compiled answer of that format, filled with the facts
 *   -> signed, for formats that are (Apple profiles, with --sign-cert)
 *   -> queued with its status and headers: nosniff, the answer's
 *      Content-Type, a Content-Disposition for formats that are downloads,
 *      Cache-Control by who the answer is for (below)
 *   or, when the domain is not served or the answer cannot be made, the
 *   format's error response (the fixed text ones, Autodiscover's Error
 *   documents, or a page format's HTML page).
 *
 * Cache policy: an answer to a POST is not cached (no-store); an answer
 * filled with an address is private; one that names only a domain is the
 * same for everyone (public). HEAD is GET to us: MHD sends the headers
 * and Content-Length and drops the body. The answers carry no validator
 * (ETag): this is where one would be added, from the snapshot's
 * generation and the facts.
 *
 * Formats differ here only where the table below says so; a format that
 * is a plain document needs no row. The body is filled by
 * sv_snapshot_answer into the thread's recycled body buffer
 * (struct sv_http_body) handed to MHD, which gives it back when it frees
 * the response: no allocation of ours and no lock on this path once the
 * thread has answered once (a signed profile allocates its signature).
 * Why a copy and not an iovec over the compiled answer's chunks: see
 * src/http/http_response.c. An answer the same for every request (no
 * address, a GET or HEAD: same_for_all) skips the fill and the response's
 * making: the one made by its first request is queued again
 * (http/http_shared.h), with the same bytes and headers.
 *
 * The Autodiscover v1 Error documents are queued here too (its endpoint
 * answers its own request errors with them): its not-found and internal
 * errors are this pipeline's error mapping for that format.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answer/render_autodiscover.h"
#include "answer/render_autodiscover_v2.h"
#include "answer/render_settings.h"
#include "answer/sign_cms.h"
#include "http/http_answer.h"
#include "http/http_metrics.h"
#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "http/http_shared.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/log.h"

/* Largest Autodiscover Error document. */
#define ERROR_DOC_MAX 4096

/* How a format's answers go out where they differ from a plain document
 * with the fixed text errors. */
static const struct form {
	const char *download;   /* Content-Disposition: attachment; filename=
	                         * "DOMAIN<download>", or NULL */
	bool sign;              /* CMS-signed when call->signer is set */
	bool autodiscover_errors; /* not found and internal errors as
	                         * Autodiscover Error documents */
	bool redirect;          /* the answer is a 301's Location: no body */
	bool page;              /* a page for people: the page headers
	                         * (CSP...), errors as HTML pages in lang */
	enum sv_settings_lang lang;
	bool schema_601;        /* no answer (the domain not served, or
	                         * served without one) is Autodiscover Error
	                         * 601 (200): the schema is not available */
	const char *v2_absent;  /* errors as Autodiscover v2 JSON; this
	                         * message for a served domain without the
	                         * answer (404 either way) */
} forms[SV_FORMAT_COUNT] = {
	[SV_FORMAT_MOBILECONFIG] = { .download = ".mobileconfig",
		.sign = true },
	[SV_FORMAT_AUTODISCOVER] = { .autodiscover_errors = true },
	[SV_FORMAT_CALDAV] = { .redirect = true },
	[SV_FORMAT_CARDDAV] = { .redirect = true },
	[SV_FORMAT_SETTINGS] = { .page = true, .lang = SV_SETTINGS_FR },
	[SV_FORMAT_SETTINGS_EN] = { .page = true, .lang = SV_SETTINGS_EN },
	[SV_FORMAT_AUTODISCOVER_MOBILESYNC] = { .autodiscover_errors = true,
		.schema_601 = true },
	[SV_FORMAT_AUTODISCOVER_V2_ACTIVESYNC] = {
		.v2_absent = "No ActiveSync URL for this domain." },
	[SV_FORMAT_AUTODISCOVER_V2_EWS] = {
		.v2_absent = "No EWS URL for this domain." },
};

/*
 * Queues 301 with location (a filled redirect answer: the stored URL's
 * bytes and an LDH domain) as its Location and an empty body. A byte that
 * cannot be in a header (a bug upstream: the validator allows printable
 * ASCII only) gives the fixed 500 instead.
 */
static enum MHD_Result queue_redirect(const struct sv_http_call *call,
		const struct sv_buf *location, const char *content_type,
		enum sv_http_cache cache) {
	for (size_t i = 0; i < location->len; i++) {
		unsigned char c = (unsigned char)location->data[i];
		if (c <= 0x20 || c >= 0x7f) {
			sv_log_warnx("%s: %s: the redirect target holds byte "
				"0x%02X", sv_http_endpoint_name(
				call->r->endpoint), call->r->domain, c);
			return sv_http_queue_fixed(call,
				SV_HTTP_FIXED_INTERNAL);
		}
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL,
		MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (resp == NULL || location->len == 0 ||
			sv_http_add_headers(resp, content_type, NULL, cache) !=
				SV_OK ||
			MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
				location->data) != MHD_YES) {
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, MHD_HTTP_MOVED_PERMANENTLY, resp, 0);
	}
	if (resp != NULL) {
		MHD_destroy_response(resp);
	}
	return ret;
}

/*
 * The Error element's Id: "identifies the server" ([MS-OXDSCLI]), so an
 * FNV-1a hash of the host name, the same for every answer of a machine.
 */
static uint32_t server_id(void) {
	char host[256];
	if (gethostname(host, sizeof(host)) != 0) {
		host[0] = '\0';
	}
	host[sizeof(host) - 1] = '\0';
	return sv_fnv1a32(SV_FNV1A32_INIT, host, strlen(host));
}

enum MHD_Result sv_http_autodiscover_error(const struct sv_http_call *call,
		enum sv_autodiscover_error code, unsigned status) {
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
		now.tv_sec = 0;
		now.tv_nsec = 0;
	}
	struct sv_buf out;
	struct sv_err err;
	sv_buf_init(&out, ERROR_DOC_MAX);
	int rc = sv_render_autodiscover_error(code, &now, server_id(), &out,
		&err);
	return sv_http_queue_rendered(call, rc, &err, status, &out,
		SV_AUTODISCOVER_CONTENT_TYPE, SV_HTTP_CACHE_NO_STORE);
}

enum MHD_Result sv_http_page_error(const struct sv_http_call *call,
		enum sv_format format, unsigned status, const char *detail) {
	struct sv_buf out;
	struct sv_err err = { "" };
	sv_buf_init(&out, SV_HTTP_MAX_ANSWER);
	int rc = (unsigned)format < SV_FORMAT_COUNT && forms[format].page ?
		sv_render_settings_error(forms[format].lang, status, detail,
			&out, &err) :
		sv_errf(&err, SV_EINVAL, "%s: no error page",
			sv_http_endpoint_name(call->r->endpoint));
	if (rc != SV_OK) {
		sv_log_warnx("%s", err.msg);
		sv_buf_finish(&out);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	return sv_http_queue_page_buf(call, status, &out,
		SV_HTTP_CACHE_NO_STORE);
}

enum MHD_Result sv_http_autodiscover_v2_error(const struct sv_http_call *call,
		unsigned status, const char *code, const char *message) {
	struct sv_buf out;
	struct sv_err err;
	sv_buf_init(&out, ERROR_DOC_MAX);
	int rc = sv_render_autodiscover_v2_error(code, message, &out, &err);
	return sv_http_queue_rendered(call, rc, &err, status, &out,
		SV_AUTODISCOVER_JSON_CONTENT_TYPE, SV_HTTP_CACHE_NO_STORE);
}

/* The format's answer when its domain is not served (rc SV_ENOTFOUND,
 * served false), is served without an answer of this format (SV_ENOTFOUND,
 * served true) or it could not be made (any other rc). */
static enum MHD_Result queue_error(const struct sv_http_call *call,
		enum sv_format format, int rc, bool served, const char *domain) {
	const struct form *f = &forms[format];
	if (f->page && rc == SV_ENOTFOUND) {
		return sv_http_page_error(call, format, MHD_HTTP_NOT_FOUND,
			domain);
	}
	if (rc == SV_ENOTFOUND && f->schema_601) {
		return sv_http_autodiscover_error(call,
			SV_AUTODISCOVER_ERROR_SCHEMA, MHD_HTTP_OK);
	}
	if (f->v2_absent != NULL) {
		return rc != SV_ENOTFOUND ? sv_http_queue_fixed(call,
				SV_HTTP_FIXED_INTERNAL) :
			sv_http_autodiscover_v2_error(call, MHD_HTTP_NOT_FOUND,
				"NotFound", served ? f->v2_absent :
				"No configuration for this domain.");
	}
	if (f->autodiscover_errors) {
		return rc == SV_ENOTFOUND ?
			sv_http_autodiscover_error(call,
				SV_AUTODISCOVER_ERROR_NO_ADDRESS,
				MHD_HTTP_NOT_FOUND) :
			sv_http_autodiscover_error(call,
				SV_AUTODISCOVER_ERROR_INTERNAL,
				MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
	return sv_http_queue_fixed(call, rc == SV_ENOTFOUND ?
		SV_HTTP_FIXED_NO_CONFIG : SV_HTTP_FIXED_INTERNAL);
}

/*
 * Whether the answer is the same for every such request, its response
 * made once and kept (http/http_shared.h): a GET or HEAD (public cache)
 * without an address, of a format sent as it is filled (no signature, no
 * download name, no redirect, no page with its words for absent parts).
 * What it queues is what the path below queues for it.
 */
static bool same_for_all(const struct sv_http_call *call,
		enum sv_format format, const struct sv_answer_facts *facts) {
	const struct form *f = &forms[format];
	return facts->address == NULL && facts->absent == NULL && !f->sign &&
		f->download == NULL && !f->redirect && !f->page &&
		(strcmp(call->r->method, MHD_HTTP_METHOD_GET) == 0 ||
			strcmp(call->r->method, MHD_HTTP_METHOD_HEAD) == 0);
}

enum MHD_Result sv_http_answer(const struct sv_http_call *call,
		enum sv_format format, const struct sv_answer_facts *facts) {
	const char *name = sv_format_name(format);
	if (name == NULL) { /* a route row without a format: a bug */
		sv_log_warnx("http: route %s serves no format",
			sv_http_endpoint_name(call->r->endpoint));
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	sv_http_note_domain(call, facts->domain);
	struct sv_snapshot_match m;
	enum MHD_Result waiting;
	int rc = sv_http_resolve(call, facts->domain, &m, &waiting);
	if (rc == SV_EAGAIN) {
		return waiting; /* waiting for DNS, or answered */
	}
	bool served = rc == SV_OK;
	enum MHD_Result shared;
	if (served && same_for_all(call, format, facts) &&
			sv_http_shared_queue(call, &m, format, facts, &shared)) {
		return shared;
	}
	/* the thread's recycled body: no allocation once warm */
	struct sv_http_body *body = sv_http_body_get();
	const char *content_type = NULL;
	if (body == NULL) {
		rc = SV_ENOMEM;
	} else if (rc == SV_OK) {
		rc = sv_snapshot_answer_of(&m, format, facts, &body->buf,
			&content_type);
	}
	if (rc == SV_OK && content_type == NULL) {
		rc = SV_EINVAL; /* a compiled answer always has one */
	}
	struct sv_err err = { "" };
	bool sign = forms[format].sign && call->signer != NULL;
	struct sv_buf signed_body; /* the CMS signature, which embeds body */
	sv_buf_init(&signed_body, SV_HTTP_MAX_ANSWER);
	if (rc == SV_OK && sign &&
			(rc = sv_sign_cms_sign(call->signer, body->buf.data,
				body->buf.len, &signed_body, &err)) != SV_OK) {
		sv_log_warnx("%s: %s: %s", name, facts->domain, err.msg);
		sv_http_body_put(body);
		sv_buf_finish(&signed_body);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	if (rc != SV_OK) {
		if (rc != SV_ENOTFOUND) {
			sv_log_warnx("%s: %s: %s", name, facts->domain,
				sv_rc_str(rc));
		}
		sv_http_body_put(body);
		return queue_error(call, format, rc, served, facts->domain);
	}
	if (forms[format].redirect) {
		/* a PROPFIND's answer is not for caches (RFC 9111 3) */
		bool get = strcmp(call->r->method, MHD_HTTP_METHOD_GET) == 0 ||
			strcmp(call->r->method, MHD_HTTP_METHOD_HEAD) == 0;
		enum MHD_Result ret = queue_redirect(call, &body->buf,
			content_type, get ? SV_HTTP_CACHE_PUBLIC :
			SV_HTTP_CACHE_NO_STORE);
		sv_http_body_put(body); /* MHD copied the Location */
		sv_buf_finish(&signed_body);
		return ret;
	}
	char disposition[SV_DOMAIN_MAX + 64];
	if (forms[format].download != NULL) {
		/* a normalised LDH domain: nothing in it needs quoting */
		int n = snprintf(disposition, sizeof(disposition),
			"attachment; filename=\"%s%s\"", facts->domain,
			forms[format].download);
		if (n < 0 || (size_t)n >= sizeof(disposition)) {
			sv_http_body_put(body);
			sv_buf_finish(&signed_body);
			return sv_http_queue_fixed(call,
				SV_HTTP_FIXED_INTERNAL);
		}
	}
	enum sv_http_cache cache =
		strcmp(call->r->method, MHD_HTTP_METHOD_POST) == 0 ?
			SV_HTTP_CACHE_NO_STORE :
		facts->address != NULL ? SV_HTTP_CACHE_PRIVATE :
			SV_HTTP_CACHE_PUBLIC;
	const char *disp = forms[format].download != NULL ? disposition :
		NULL;
	if (sign) { /* the signature has its own buffer */
		sv_http_body_put(body);
		return sv_http_queue_buf(call, MHD_HTTP_OK, &signed_body,
			content_type, disp, cache);
	}
	return sv_http_queue_body_as(call, MHD_HTTP_OK, body, content_type,
		disp, cache, forms[format].page);
}
