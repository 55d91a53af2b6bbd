/* SPDX-License-Identifier: MIT */
/*
 * Apple configuration profiles over HTTP (PROTOCOLS.md 5): the profile
 * endpoints, which read the address and hand it with the route's format
 * to the answer pipeline (src/http/http_answer.c: the compiled
 * .mobileconfig answer filled for it, signed when a signer was
 * configured, sent as an attachment), and the page at "/" where a person
 * types an address and downloads the profile. Nothing is rendered here.
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
#include <stdint.h>

#include "http/http_internal.h"

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
	if (sv_http_add_headers(resp, TEXT_HTML, NULL, SV_HTTP_CACHE_PUBLIC) !=
			SV_OK ||
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

enum MHD_Result sv_http_mobileconfig(const struct sv_http_call *call) {
	static const char *const names[] = { PARAM_EMAIL, PARAM_EMAILADDRESS };
	struct sv_err err = { "" };
	struct sv_address addr;
	int rc = sv_http_query_address(call->c, names, 2, &addr, &err);
	if (rc == SV_ENOTFOUND) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
			PARAM_EMAIL, "missing (?" PARAM_EMAIL "=ADDRESS)");
	}
	if (rc != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
			PARAM_EMAIL, err.msg);
	}
	struct sv_answer_facts facts = sv_answer_facts_of_address(&addr);
	return sv_http_answer(call, call->format, &facts);
}
