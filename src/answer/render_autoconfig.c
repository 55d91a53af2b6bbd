/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla autoconfig renderer (config-v1.1.xml, PROTOCOLS.md section 1)
 * compiled into a struct sv_answer: the document is written once with
 * libxml2's text writer, and the request's domain and address parts become
 * slots (answer.h). Pure: a provider in, an answer out; no I/O.
 *
 * Choices that go beyond "write what the model says", each for a client:
 *  - Of the servers, only imap and pop3 incoming servers and smtp
 *    outgoing servers are written: the legacy exchange server (hostname
 *    plus owaURL/ewsURL) is left out, KMail and older clients know
 *    nothing else. The URL-based accounts (ews, owa, graph, jmap,
 *    activeSync services) are written as the draft's <incomingServer
 *    type="..."> with a <url> (version="1.2"), after the imap and pop3
 *    servers, so that the first incoming server, every client's default,
 *    stays the one they all know; Thunderbird turns ews, owa and graph
 *    into Exchange accounts and skips the types it does not know, as
 *    KMail and Thunderbird for Android skip them all (the oracles and
 *    tests/clients check it).
 *  - Incoming servers come first, then outgoing ones, each group in the
 *    provider's priority order (the first valid entry is the client's
 *    default, PROTOCOLS.md 2).
 *  - No empty text elements: Thunderbird's JXON reads <x></x> as the
 *    boolean true, so an empty username would become the login "true" and
 *    an empty <pop3/> makes readFromXML throw. Empty strings are absent.
 *  - <username> is always written (item 15). A server without a username
 *    template (NULL or "") gets %EMAILADDRESS%: Thunderbird turns a
 *    missing username into the literal string "undefined" (incoming, and
 *    outgoing with a password method), while the full address is what it
 *    would guess itself and what most providers use. For outgoing servers
 *    without authentication clients ignore the value.
 *  - <displayName> (when NULL or "") falls back to the provider id:
 *    Thunderbird labels an account without one "undefined" (item 12).
 *  - <pop3> options only on pop3 servers (item 23); <restriction> and
 *    <addThisServer> only on outgoing servers. Never a <password> (24).
 *  - An MX row's domain is written as <domain purpose="mx">
 *    (write_mx_domains), after the requested domain.
 *  - The services the domain gets (sv_provider_services_for) follow
 *    <emailProvider> as the draft's root-level sections, and only then
 *    is the document version="1.2": Thunderbird, KMail, Evolution and
 *    Thunderbird for Android ignore root elements they do not know (the
 *    oracles check it), and a provider without services keeps exactly
 *    the 1.1 document it always had. URL placeholders are expanded for
 *    an address (percent-encoded, answer.h), else left for the client.
 *
 * Evolution's answer (sv_render_autoconfig_evolution) is the same
 * document for the way Evolution 3.46 reads it (e_mail_autoconfig, tried
 * against this server by tests/clients/evolution.py): it keeps the LAST
 * incomingServer and outgoingServer of each type, field by field, so a
 * list in preference order hands it the worst server; it gets one server
 * per type instead, the one every other client uses first. Its request
 * carries no real address (EVOLUTIONUSER@domain), and it fills
 * %EMAILDOMAIN% from an empty field (the token becomes ""), so that
 * token is written as the requested domain while %EMAILADDRESS% and
 * %EMAILLOCALPART% stay for Evolution to fill with the real address.
 * It keeps the services too (version 1.2 then): Evolution skips the
 * root sections it does not know, and other readers of the same URL
 * lose nothing.
 *
 * The element writers are shared with the export (render_mozilla.c, in
 * its public view), which fixes the element order inside a server, stable
 * for golden files: hostname, port, socketType, username,
 * authentication..., pop3, restriction, addThisServer,
 * useGlobalPreferredServer.
 */
#include <stdbool.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "answer/render_autoconfig.h"
#include "answer/render_mozilla.h"
#include "answer/render_util.h"

static int attr(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

/* The template hooks of the shared writers: tokens become slots. */
static int template_slots(void *ctx, const char *tpl) {
	return sv_answer_builder_template(ctx, tpl);
}

static int url_slots(void *ctx, const char *tpl) {
	return sv_answer_builder_url(ctx, tpl);
}

/*
 * <domain purpose="mx">NAME</domain> for each MX row of pv ("mx:NAME" or
 * "mx:*.NAME"; the same name once): the domain of the provider's MX
 * hosts, which the draft's clients may look up autoconfig under. It
 * names the hoster, never a customer. Readers of 1.1 skip it: Thunderbird
 * cannot read a domain with an attribute and goes on with the others.
 */
static int write_mx_domains(xmlTextWriterPtr w, const struct sv_provider *pv) {
	for (size_t i = 0; i < pv->n_domains; i++) {
		const char *d = pv->domains[i];
		if (!sv_is_mx_prefixed(d)) {
			continue;
		}
		const char *name = d + SV_MX_ROW_PREFIX_LEN;
		if (name[0] == '*' && name[1] == '.') {
			name += 2;
		}
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			const char *o = pv->domains[k];
			if (sv_is_mx_prefixed(o)) {
				o += SV_MX_ROW_PREFIX_LEN;
				o += o[0] == '*' && o[1] == '.' ? 2 : 0;
				seen = strcmp(o, name) == 0;
			}
		}
		if (!seen && (xmlTextWriterStartElement(w,
				BAD_CAST "domain") < 0 ||
				attr(w, "purpose", "mx") < 0 ||
				xmlTextWriterWriteString(w, BAD_CAST name) < 0 ||
				xmlTextWriterEndElement(w) < 0)) {
			return -1;
		}
	}
	return 0;
}

/* What write_document() writes: pv with the chosen servers and
 * services. */
struct selection {
	const struct sv_provider *pv;
	const struct sv_server *sv[SV_MODEL_MAX_SERVERS]; /* borrowed */
	size_t n;
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES]; /* borrowed */
	size_t n_svc;
	bool domain_filled; /* %EMAILDOMAIN% is the requested domain */
};

static int write_document(struct sv_answer_builder *b, const void *ctx) {
	const struct selection *sel = ctx;
	const struct sv_provider *pv = sel->pv;
	const struct sv_server *const *sv = sel->sv;
	size_t n = sel->n;
	xmlTextWriterPtr w = b->w;
	const struct sv_mozilla_writer mw = {
		.w = w,
		.view = SV_MOZILLA_PUBLIC,
		.template_text = template_slots,
		.url_text = url_slots,
		.ctx = b,
	};
	const char *display = !sv_render_absent(pv->display_name)
		? pv->display_name : pv->id;
	b->domain_token_is_domain = sel->domain_filled;
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
			xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
			xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "clientConfig") < 0 ||
			attr(w, "version", SV_MOZILLA_VERSION(sel->n_svc)) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "emailProvider") < 0 ||
			attr(w, "id", pv->id) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "domain") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_DOMAIN) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			write_mx_domains(w, pv) < 0 ||
			xmlTextWriterWriteElement(w, BAD_CAST "displayName",
				BAD_CAST display) < 0 ||
			(!sv_render_absent(pv->short_name) &&
				xmlTextWriterWriteElement(w,
				BAD_CAST "displayShortName",
				BAD_CAST pv->short_name) < 0)) {
		return -1;
	}
	/* URL-based accounts after the incoming mail servers: a client that
	 * knows IMAP keeps the first one as its default */
	bool accounts_done = false;
	for (size_t i = 0; i <= n; i++) { /* incoming first already */
		if (!accounts_done && (i == n ||
				sv_server_type_is_outgoing(sv[i]->type))) {
			accounts_done = true;
			for (size_t k = 0; k < sel->n_svc; k++) {
				if (sv_service_type_is_account(
						sel->svc[k]->type) &&
						sv_render_mozilla_service(&mw,
							sel->svc[k]) < 0) {
					return -1;
				}
			}
		}
		if (i < n && sv_render_mozilla_server(&mw, sv[i]) < 0) {
			return -1;
		}
	}
	return sv_render_mozilla_tail(&mw, pv, sel->svc, sel->n_svc);
}

/* Both answers: every server (what) or the first of each type. */
static int render(const char *what, const struct sv_provider *pv,
		const char *override_domain, bool evolution,
		struct sv_answer **out, struct sv_err *err) {
	*out = NULL;
	struct selection sel = { .pv = pv, .domain_filled = evolution };
	int rc = sv_render_select_servers(what, pv, override_domain,
		SV_RENDER_NEED_AUTH | (evolution ? SV_RENDER_FIRST_OF_TYPE : 0),
		sel.sv, &sel.n, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (pv->n_services > SV_MODEL_MAX_SERVICES) {
		return sv_errf(err, SV_ETOOBIG, "%s: %s: more than %d "
			"services", what, pv->id, SV_MODEL_MAX_SERVICES);
	}
	sel.n_svc = sv_provider_services_for(pv, override_domain, sel.svc,
		SV_MODEL_MAX_SERVICES);
	return sv_render_answer(what, pv->id, SV_AUTOCONFIG_CONTENT_TYPE,
		write_document, &sel, out, err);
}

int sv_render_autoconfig(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render("autoconfig", pv, override_domain, false, out, err);
}

int sv_render_autoconfig_evolution(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render("evolution", pv, override_domain, true, out, err);
}
