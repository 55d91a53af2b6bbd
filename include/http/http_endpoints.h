/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_ENDPOINTS_H
#define SUIVANT_HTTP_ENDPOINTS_H

/*
 * The endpoints: the route handlers of src/http/http_route.c, one
 * section per file that defines them (http_<name>.c). One group header
 * rather than one each, because a handler file declares one or two
 * functions of the same shape (sv_http_handler) and the router is their
 * one caller. Private to the HTTP front end (src/http/).
 */

#include <microhttpd.h>

struct sv_http_call; /* http/http_request.h */

/* ---- http_tls_ask.c ---- */

/*
 * GET|HEAD /tls/ask?domain=NAME (admin-only route): 200 "ok" when NAME
 * is "autoconfig.", "autodiscover." or "ua-auto-config." followed by a
 * domain served by an exact, "*.suffix" or MX row; 404 otherwise (the
 * catch-all "*" does not count: a certificate for every name pointed at
 * us is what a CA's rate limits would punish); 400 without a valid
 * domain parameter. Caddy's on-demand TLS asks this before it gets a
 * certificate (deploy/Caddyfile).
 */
enum MHD_Result sv_http_tls_ask(const struct sv_http_call *call);

/* ---- http_autoconfig.c ---- */

/* Where the autoconfig endpoints take the domain from without an address. */
enum sv_http_autoconfig_from {
	SV_HTTP_FROM_HOST,       /* Host minus a leading "autoconfig." */
	SV_HTTP_FROM_HOST_RETRY, /* Host, then Host minus "autoconfig." */
	SV_HTTP_FROM_PATH,       /* the path after the route prefix */
};

/*
 * GET|HEAD of a config-v1.1.xml: the domain comes from the emailaddress
 * query parameter when present (400 if malformed), else as variant says;
 * then sv_http_answer with call->format (200, 404 for an unknown domain,
 * 500).
 */
enum MHD_Result sv_http_autoconfig(const struct sv_http_call *call);

/* ---- http_mobileconfig.c ---- */

/*
 * GET|HEAD of an Apple profile: the address comes from the query
 * parameter email or emailaddress (either name; both given must agree),
 * 400 when missing or malformed; then sv_http_answer with call->format
 * (for SV_FORMAT_MOBILECONFIG: 200 application/x-apple-aspen-config with
 * Content-Disposition attachment; filename="<domain>.mobileconfig",
 * CMS-signed when call->signer is set; 404 for an unknown domain, 500).
 */
enum MHD_Result sv_http_mobileconfig(const struct sv_http_call *call);
/*
 * GET|HEAD /: a static HTML page (French and English) with a form that
 * asks for an address and downloads its profile, no request data in it;
 * with ?email=ADDR (a valid address; anything else gets the static page)
 * the same page with a QR code of ADDR's profile URL on the Host
 * (render_page.h), made for that request (Cache-Control private).
 */
enum MHD_Result sv_http_mobileconfig_page(const struct sv_http_call *call);

/* ---- http_settings.c ---- */

/*
 * GET|HEAD /settings?email=ADDR or ?domain=DOM: the settings page in
 * French or English (?lang=, else Accept-Language, else French) through
 * sv_http_answer; the domain form shows words for the address parts.
 * 400 page for a missing or malformed address or domain, 404 page for a
 * domain not served.
 */
enum MHD_Result sv_http_settings(const struct sv_http_call *call);
/* GET|HEAD /settings.css: the pages' stylesheet (sv_settings_css), the
 * same for everyone (public cache), like the profile page. */
enum MHD_Result sv_http_settings_css(const struct sv_http_call *call);

/* ---- http_autodiscover.c ---- */

/* Where the Autodiscover v2 endpoint takes the address from. */
enum sv_http_autodiscover_from {
	SV_HTTP_AD_FROM_QUERY, /* ?Email=ADDR */
	SV_HTTP_AD_FROM_PATH,  /* the path after .../autodiscover.json/v1.0/ */
};

/*
 * /autodiscover/autodiscover.xml (Autodiscover v1, "POX"): POST with a
 * request body (text/xml, application/xml or no Content-Type; 415
 * otherwise) gets the Outlook settings document (200), or an Error
 * document: 600 (malformed body, missing address; HTTP 200), 601 (schema
 * other than Outlook; HTTP 200), 500 (domain not served; HTTP 404), 603
 * (internal failure; HTTP 500). GET and HEAD are answered from the
 * Host, minus "autodiscover." or "autoconfig.": the domain's settings
 * without an address (SV_FORMAT_AUTODISCOVER_DOMAIN, 200), or the fixed
 * 404 for a domain not served or a Host that names none (400 without a
 * Host). The body is read from call->r->body and never logged. The
 * settings are sv_http_answer's for call->format.
 */
enum MHD_Result sv_http_autodiscover(const struct sv_http_call *call);
/*
 * GET|HEAD /autodiscover/autodiscover.json?Email=ADDR&Protocol=P and
 * .../autodiscover.json/v1.0/ADDR?Protocol=P (Autodiscover v2): parameter
 * names in any letter case, P = AutodiscoverV1 (any case) gets 200 JSON
 * {"Protocol","Url"} naming https://autodiscover.DOMAIN/autodiscover/
 * autodiscover.xml; P ActiveSync or EWS (any case): the provider's URL
 * of that service (sv_http_answer, formats AUTODISCOVER_V2_*), 404 JSON
 * when it has none; another or no P, a missing, repeated or malformed
 * address: 400 JSON {"ErrorCode","ErrorMessage"}; unknown domain 404 JSON.
 */
enum MHD_Result sv_http_autodiscover_json(const struct sv_http_call *call);

/* ---- http_wellknown.c ---- */

/*
 * GET, HEAD or PROPFIND (its body, if any, is read up to the cap and
 * ignored) of /.well-known/caldav or /.well-known/carddav (RFC 6764
 * section 5): the domain is the Host header's (400 when malformed), else,
 * when that has nothing of call->format, the Host without a leading
 * "autoconfig." or "autodiscover."; then sv_http_answer with call->format:
 * 301 to the stored service's bare context, 404 when the domain has no
 * such service. No query parameter is read: nothing of the request but
 * its resolved domain reaches the Location header.
 */
enum MHD_Result sv_http_wellknown_dav(const struct sv_http_call *call);

/*
 * GET or HEAD of PACC's /.well-known/user-agent-configuration.json
 * (model/pacc.h): the domain is the Host header's (400 when malformed)
 * without a leading "ua-auto-config.", the name clients ask it on (the
 * bare domain works too); then sv_http_answer with call->format: the
 * compiled JSON, the same bytes `suivant dns` hashes into the TXT
 * record, or 404 when the domain is not served or PACC cannot say its
 * provider. No query parameter is read.
 */
enum MHD_Result sv_http_pacc(const struct sv_http_call *call);

/* ---- http_admin.c ---- */

/*
 * GET|HEAD /healthz: 200 JSON {"status":"ok","generation","loaded_at",
 * "age_seconds","providers","domains"} about the snapshot being served;
 * /metrics: Prometheus text format 0.0.4 (requests by endpoint and
 * status, a latency histogram, reloads, snapshot size and age). Both 403
 * to clients outside call->metrics->admin.
 */
enum MHD_Result sv_http_healthz(const struct sv_http_call *call);
enum MHD_Result sv_http_metrics_page(const struct sv_http_call *call);

#endif
