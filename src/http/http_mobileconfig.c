/* SPDX-License-Identifier: MIT */
/*
 * Apple configuration profiles over HTTP (PROTOCOLS.md 5): the profile
 * endpoints, which read the address and hand it with the route's format
 * to the answer pipeline (src/http/http_answer.c: the compiled
 * .mobileconfig answer filled for it, signed when a signer was
 * configured, sent as an attachment), and the page at "/" where a person
 * types an address and downloads the profile, or gets a QR code of the
 * profile's URL for a phone (the page's only per-request part,
 * render_page.h: the code cannot be compiled ahead, it is the
 * address's).
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
#include <string.h>

#include "answer/render_page.h"
#include "http/http_answer.h"
#include "http/http_endpoints.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define PARAM_EMAIL "email"
#define PARAM_EMAILADDRESS "emailaddress"

/*
 * The page, in three static parts: the head and the introduction, the
 * form, the end. The form GETs email.mobileconfig?email=ADDR relative to
 * "/", so the page also works behind a proxy that mounts suivant under a
 * path; its second button GETs the page itself with the address, which
 * then shows the QR code section (render_page.h) between the
 * introduction and the form, for a person at a laptop whose phone is the
 * device to set up; its third GETs settings?email=ADDR, the settings
 * page for people who type them by hand (http_settings.c). No script; nothing from the request but a valid
 * address, escaped by the writer.
 */
#define PAGE_HEAD \
	"<!DOCTYPE html>\n" \
	"<html lang=\"fr\">\n" \
	"<head>\n" \
	"<meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" content=\"width=device-width, " \
	"initial-scale=1\">\n" \
	"<title>Configurer la messagerie / Set up mail</title>\n" \
	"<style>\n" \
	"body{font-family:system-ui,-apple-system,sans-serif;max-width:36rem;" \
	"margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1f}\n" \
	"label{display:block;font-weight:600;margin-top:1.25rem}\n" \
	"input{font-size:1.1rem;padding:.5rem;width:100%;" \
	"box-sizing:border-box}\n" \
	"button{font-size:1.1rem;padding:.5rem 1rem;margin-top:.75rem}\n" \
	".en{color:#555}\n" \
	".qr svg{display:block;margin:1rem 0;max-width:100%;height:auto}\n" \
	"</style>\n" \
	"</head>\n" \
	"<body>\n" \
	"<main>\n" \
	"<h1>Configurer la messagerie<br>" \
	"<span lang=\"en\" class=\"en\">Set up mail</span></h1>\n" \
	"<p>Pour iPhone, iPad et Mac : saisissez votre adresse, " \
	"téléchargez le profil, puis installez-le depuis les Réglages. " \
	"Votre mot de passe vous sera demandé à l’installation ; il n’est " \
	"jamais envoyé à ce site.</p>\n" \
	"<p lang=\"en\" class=\"en\">For iPhone, iPad and Mac: type your " \
	"address, download the profile, then install it from Settings. " \
	"Your password is asked for during installation; it is never sent " \
	"to this site.</p>\n"

#define PAGE_FORM \
	"<form method=\"get\" action=\"email.mobileconfig\">\n" \
	"<label for=\"email\">Adresse e-mail " \
	"<span lang=\"en\" class=\"en\">/ E-mail address</span></label>\n" \
	"<input id=\"email\" name=\"email\" type=\"email\" required " \
	"maxlength=\"254\" autocomplete=\"email\" autocapitalize=\"none\" " \
	"spellcheck=\"false\" placeholder=\"jean.dupont@exemple.fr\">\n" \
	"<button type=\"submit\">Télécharger le profil " \
	"<span lang=\"en\">/ Download the profile</span></button>\n" \
	"<button type=\"submit\" formaction=\"./\">Code QR pour un " \
	"téléphone <span lang=\"en\">/ QR code for a phone</span>" \
	"</button>\n" \
	"<button type=\"submit\" formaction=\"settings\">Paramètres à " \
	"saisir à la main <span lang=\"en\">/ Settings to type by " \
	"hand</span></button>\n" \
	"</form>\n"

#define PAGE_TAIL \
	"</main>\n" \
	"</body>\n" \
	"</html>\n"

static const char page[] = PAGE_HEAD PAGE_FORM PAGE_TAIL;

/* The page needs its inline style and its form, nothing else
 * (SV_HTTP_PAGE_CSP): the QR code is inline SVG markup, which fetches
 * nothing. */

/* Queues a page (resp, len bytes) with the page's headers. */
static enum MHD_Result queue_page(const struct sv_http_call *call,
		struct MHD_Response *resp, size_t len, enum sv_http_cache cache) {
	if (resp == NULL) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret;
	if (sv_http_add_headers(resp, SV_HTTP_TEXT_HTML, NULL, cache) !=
				SV_OK ||
			sv_http_add_page_headers(resp, false) != SV_OK) {
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, MHD_HTTP_OK, resp, len);
	}
	MHD_destroy_response(resp); /* MHD holds its own reference */
	return ret;
}

/* Appends s percent-encoded: everything but RFC 3986's unreserved. */
static int append_encoded(struct sv_buf *b, const char *s) {
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
			p++) {
		char e[3] = { (char)*p, 0, 0 };
		size_t n = 1;
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				(*p >= '0' && *p <= '9') || *p == '-' ||
				*p == '.' || *p == '_' || *p == '~')) {
			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			n = 3;
		}
		int rc = sv_buf_append(b, e, n);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/*
 * The ":PORT" of the Host header, or "" (sv_http_host_domain has checked
 * it: at most 5 digits after the last ':', no IP literal).
 */
static const char *host_port(struct MHD_Connection *c) {
	const char *h = NULL;
	size_t n = 0;
	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_HOST, sizeof(MHD_HTTP_HEADER_HOST) - 1,
			&h, &n) != MHD_YES || h == NULL) {
		return "";
	}
	while (n > 0 && h[n - 1] != ':') {
		n--;
	}
	return n > 0 ? h + n - 1 : "";
}

/*
 * The page with the QR section for addr: the profile's absolute URL on
 * the Host the person reached (https: a phone must fetch the profile
 * from the public, TLS-terminated name), built per request, bounded by
 * the address's and the Host's limits.
 */
static enum MHD_Result address_page(const struct sv_http_call *call,
		const struct sv_address *addr) {
	char domain[SV_DOMAIN_MAX + 1];
	struct sv_err err = { "" };
	if (sv_http_host_domain(call->c, domain, &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST, "Host",
			err.msg);
	}
	struct sv_buf href, url, body;
	sv_buf_init(&href, SV_PAGE_MAX_URL);
	sv_buf_init(&url, SV_PAGE_MAX_URL + 1);
	sv_buf_init(&body, SV_HTTP_MAX_ANSWER);
	int rc = sv_buf_append_str(&href, "email.mobileconfig?email=");
	if (rc == SV_OK) {
		rc = append_encoded(&href, addr->address);
	}
	if (rc == SV_OK) {
		rc = sv_buf_printf(&url, "https://%s%s/%s", domain,
			host_port(call->c), href.data);
	}
	if (rc == SV_OK) {
		rc = sv_buf_append(&body, PAGE_HEAD, sizeof(PAGE_HEAD) - 1);
	}
	if (rc == SV_OK) {
		rc = sv_render_page_qr(addr->address, url.data, href.data, &body,
			&err);
	}
	if (rc == SV_OK) {
		rc = sv_buf_append(&body, "\n" PAGE_FORM PAGE_TAIL,
			sizeof("\n" PAGE_FORM PAGE_TAIL) - 1);
	}
	sv_buf_finish(&href);
	sv_buf_finish(&url);
	if (rc != SV_OK) {
		sv_log_warnx("page: %s", err.msg[0] != '\0' ? err.msg :
			sv_rc_str(rc));
		sv_buf_finish(&body);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	size_t len;
	char *bytes = sv_buf_take(&body, &len);
	struct MHD_Response *resp = bytes == NULL ? NULL :
		MHD_create_response_from_buffer_with_free_callback(len, bytes,
			sv_free);
	if (resp == NULL) {
		sv_free(bytes);
	}
	/* made for one address: kept out of shared caches */
	return queue_page(call, resp, len, SV_HTTP_CACHE_PRIVATE);
}

enum MHD_Result sv_http_mobileconfig_page(const struct sv_http_call *call) {
	static const char *const names[] = { PARAM_EMAIL };
	struct sv_address addr;
	if (sv_http_query_address(call->c, names, 1, &addr, NULL) == SV_OK) {
		return address_page(call, &addr);
	}
	/* no address, or not a valid one: the page as it always is, with
	 * nothing of the request in it */
	size_t len = sizeof(page) - 1;
	/* PERSISTENT only aliases the bytes: a static array outlives MHD */
	return queue_page(call, MHD_create_response_from_buffer(len,
		(void *)(uintptr_t)page, MHD_RESPMEM_PERSISTENT), len,
		SV_HTTP_CACHE_PUBLIC);
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
