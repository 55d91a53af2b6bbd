/* SPDX-License-Identifier: MIT */
/*
 * Apple configuration profiles over HTTP (PROTOCOLS.md 5): the profile
 * endpoints, which hand an address to the snapshot (the compiled
 * .mobileconfig answer, filled for it) and sign the result when a signer
 * was configured, and the page at "/" where a person types an address and
 * downloads the profile. Nothing is rendered here.
 *
 * There is no standard URL: /email.mobileconfig?email=ADDR is ours (what
 * the page's form asks for), /mobileconfig?emailaddress=ADDR and
 * /mobileconfig/ are automx2's, and both parameter names work on every
 * route. The value is form-decoded by MHD and read with its length, so a
 * decoded %00 is refused by sv_address_parse like any bad address.
 *
 * A profile names the address, so it is "private" for caches; signing
 * happens per request because the signed bytes embed that address.
 */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define PARAM_EMAIL "email"
#define PARAM_EMAILADDRESS "emailaddress"
#define TEXT_HTML "text/html; charset=utf-8"

/*
 * The page: static bytes, no script, no request data. The form builds
 * email.mobileconfig?email=ADDR relative to "/", so the page also works
 * behind a proxy that mounts suivant under a path.
 */
static const char page[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"fr\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, "
	"initial-scale=1\">\n"
	"<title>Configurer la messagerie / Set up mail</title>\n"
	"<style>\n"
	"body{font-family:system-ui,-apple-system,sans-serif;max-width:36rem;"
	"margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1f}\n"
	"label{display:block;font-weight:600;margin-top:1.25rem}\n"
	"input{font-size:1.1rem;padding:.5rem;width:100%;"
	"box-sizing:border-box}\n"
	"button{font-size:1.1rem;padding:.5rem 1rem;margin-top:.75rem}\n"
	".en{color:#555}\n"
	"</style>\n"
	"</head>\n"
	"<body>\n"
	"<main>\n"
	"<h1>Configurer la messagerie<br>"
	"<span lang=\"en\" class=\"en\">Set up mail</span></h1>\n"
	"<p>Pour iPhone, iPad et Mac : saisissez votre adresse, "
	"téléchargez le profil, puis installez-le depuis les Réglages. "
	"Votre mot de passe vous sera demandé à l’installation ; il n’est "
	"jamais envoyé à ce site.</p>\n"
	"<p lang=\"en\" class=\"en\">For iPhone, iPad and Mac: type your "
	"address, download the profile, then install it from Settings. "
	"Your password is asked for during installation; it is never sent "
	"to this site.</p>\n"
	"<form method=\"get\" action=\"email.mobileconfig\">\n"
	"<label for=\"email\">Adresse e-mail "
	"<span lang=\"en\" class=\"en\">/ E-mail address</span></label>\n"
	"<input id=\"email\" name=\"email\" type=\"email\" required "
	"maxlength=\"254\" autocomplete=\"email\" autocapitalize=\"none\" "
	"spellcheck=\"false\" placeholder=\"jean.dupont@exemple.fr\">\n"
	"<button type=\"submit\">Télécharger le profil "
	"<span lang=\"en\">/ Download the profile</span></button>\n"
	"</form>\n"
	"</main>\n"
	"</body>\n"
	"</html>\n";

/* The page needs its inline style and its form, nothing else. */
#define PAGE_CSP "default-src 'none'; style-src 'unsafe-inline'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

enum MHD_Result sv_http_mobileconfig_page(const struct sv_http_call *call) {
	size_t len = sizeof(page) - 1;
	/* PERSISTENT only aliases the bytes: a static array outlives MHD */
	struct MHD_Response *resp = MHD_create_response_from_buffer(len,
		(void *)(uintptr_t)page, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret;
	if (sv_http_common_headers(resp) != SV_OK ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_HTML) !=
				MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CACHE_CONTROL,
				"public, max-age=" SV_HTTP_STR(SV_HTTP_MAX_AGE)) !=
				MHD_YES ||
			MHD_add_response_header(resp,
				"Content-Security-Policy", PAGE_CSP) != MHD_YES ||
			MHD_add_response_header(resp, "Referrer-Policy",
				"no-referrer") != MHD_YES) {
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, MHD_HTTP_OK, resp, len);
	}
	MHD_destroy_response(resp); /* MHD holds its own reference */
	return ret;
}

/* Queues body (taken over, sv_free'd by MHD) as the 200 profile. */
static enum MHD_Result queue_profile(const struct sv_http_call *call,
		struct sv_buf *body, const char *content_type,
		const char *domain) {
	/* A normalised LDH domain: nothing in it needs quoting. */
	char disposition[SV_DOMAIN_MAX + 64];
	int dn = snprintf(disposition, sizeof(disposition),
		"attachment; filename=\"%s.mobileconfig\"", domain);
	size_t len;
	char *bytes = sv_buf_take(body, &len);
	struct MHD_Response *resp = bytes == NULL ? NULL :
		MHD_create_response_from_buffer_with_free_callback(len, bytes,
			sv_free);
	if (resp == NULL || dn < 0 || (size_t)dn >= sizeof(disposition)) {
		if (resp != NULL) {
			MHD_destroy_response(resp);
		} else {
			sv_free(bytes);
		}
		sv_log_warnx("mobileconfig: %s: out of memory", domain);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret;
	if (sv_http_common_headers(resp) != SV_OK ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_TYPE, content_type) !=
				MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_DISPOSITION,
				disposition) != MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CACHE_CONTROL,
				"private, max-age=" SV_HTTP_STR(SV_HTTP_MAX_AGE)) !=
				MHD_YES) {
		sv_log_warnx("mobileconfig: %s: out of memory", domain);
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, MHD_HTTP_OK, resp, len);
	}
	MHD_destroy_response(resp); /* MHD holds its own reference */
	return ret;
}

/* The address from email or emailaddress; 400 reasons in err. */
static int request_address(struct MHD_Connection *c,
		struct sv_address *addr, struct sv_err *err) {
	const char *a, *b;
	size_t an, bn;
	bool has_a = sv_http_query_param(c, PARAM_EMAIL, &a, &an);
	bool has_b = sv_http_query_param(c, PARAM_EMAILADDRESS, &b, &bn);
	if (!has_a && !has_b) {
		return sv_errf(err, SV_EINVAL, "missing (?" PARAM_EMAIL
			"=ADDRESS)");
	}
	if (has_a && has_b && (an != bn || memcmp(a, b, an) != 0)) {
		return sv_errf(err, SV_EINVAL, PARAM_EMAIL " and "
			PARAM_EMAILADDRESS " differ");
	}
	return has_a ? sv_address_parse(a, an, addr, err) :
		sv_address_parse(b, bn, addr, err);
}

enum MHD_Result sv_http_mobileconfig(const struct sv_http_call *call) {
	struct sv_err err = { "" };
	struct sv_address addr;
	if (request_address(call->c, &addr, &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
			PARAM_EMAIL, err.msg);
	}
	sv_http_note_domain(call, addr.domain);
	struct sv_answer_facts facts = {
		.domain = addr.domain,
		.address = addr.address,
		.local = addr.local,
	};
	struct sv_buf plist;
	const char *content_type = NULL;
	sv_buf_init(&plist, SV_HTTP_MAX_ANSWER);
	int rc = sv_snapshot_answer(call->r->snap, SV_FORMAT_MOBILECONFIG,
		&facts, &plist, &content_type);
	if (rc == SV_ENOTFOUND) {
		sv_buf_finish(&plist);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_NO_CONFIG);
	}
	if (rc != SV_OK || content_type == NULL) {
		sv_buf_finish(&plist);
		sv_log_warnx("mobileconfig: %s: %s", addr.domain,
			sv_rc_str(rc));
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	if (call->signer == NULL) {
		return queue_profile(call, &plist, content_type, addr.domain);
	}
	struct sv_buf signed_der;
	sv_buf_init(&signed_der, SV_HTTP_MAX_ANSWER);
	rc = sv_sign_cms_sign(call->signer, plist.data, plist.len,
		&signed_der, &err);
	sv_buf_finish(&plist);
	if (rc != SV_OK) {
		sv_buf_finish(&signed_der);
		sv_log_warnx("mobileconfig: %s: %s", addr.domain, err.msg);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	return queue_profile(call, &signed_der, content_type, addr.domain);
}
