/* SPDX-License-Identifier: MIT */
/*
 * What the answer renderers share around their writers (render_util.h):
 * the provider and server checks, the choice of the servers a client can
 * use, and the builder's init/write/finish sequence. Messages keep the
 * renderer's name first so a log line says which format refused what.
 */
#include <string.h>

#include <libxml/xmlwriter.h>

#include "answer/render_util.h"
#include "model/placeholder.h"

bool sv_render_absent(const char *s) {
	return s == NULL || s[0] == '\0';
}

int sv_render_check_provider(const char *what, const struct sv_provider *pv,
		struct sv_err *err) {
	if (pv->id == NULL) {
		return sv_errf(err, SV_EINVAL, "%s: provider without id", what);
	}
	if (pv->n_servers > SV_MODEL_MAX_SERVERS) {
		return sv_errf(err, SV_ETOOBIG, "%s: %s: more than %d servers",
			what, pv->id, SV_MODEL_MAX_SERVERS);
	}
	return SV_OK;
}

int sv_render_check_server(const char *what, const struct sv_provider *pv,
		const struct sv_server *s, unsigned flags, struct sv_err *err) {
	const char *type = sv_server_type_name(s->type);
	if (sv_render_absent(s->hostname)) {
		return sv_errf(err, SV_EINVAL, "%s: %s: %s server without "
			"hostname", what, pv->id, type);
	}
	if (s->port < 1 || s->port > 65535) {
		return sv_errf(err, SV_EINVAL, "%s: %s: %s server: port %d is "
			"not in 1..65535", what, pv->id, type, s->port);
	}
	if (s->socket != SV_SOCKET_PLAIN && s->socket != SV_SOCKET_SSL &&
			s->socket != SV_SOCKET_STARTTLS) {
		return sv_errf(err, SV_EINVAL, "%s: %s: %s server without "
			"socket type", what, pv->id, type);
	}
	if ((flags & SV_RENDER_NEED_AUTH) != 0 &&
			(s->n_auth == 0 || s->n_auth > SV_MODEL_MAX_AUTH)) {
		return sv_errf(err, SV_EINVAL, "%s: %s: %s server: %zu "
			"authentication methods", what, pv->id, type, s->n_auth);
	}
	return SV_OK;
}

/* What a mail client sets up from an answer: imap, pop3, smtp. */
static bool is_mail(enum sv_server_type t) {
	return t == SV_SERVER_IMAP || t == SV_SERVER_POP3 || t == SV_SERVER_SMTP;
}

int sv_render_select_servers(const char *what, const struct sv_provider *pv,
		const char *override_domain, unsigned flags,
		const struct sv_server **out, size_t *n, struct sv_err *err) {
	*n = 0;
	int rc = sv_render_check_provider(what, pv, err);
	if (rc != SV_OK) {
		return rc;
	}
	const struct sv_server *all[SV_MODEL_MAX_SERVERS];
	size_t n_all = sv_provider_servers_for(pv, override_domain, all,
		SV_MODEL_MAX_SERVERS);
	size_t n_mail = 0; /* all[0..n_mail) holds the checked ones */
	bool seen[SV_SERVER_TYPE_COUNT] = { false };
	for (size_t i = 0; i < n_all; i++) {
		if (!is_mail(all[i]->type)) {
			continue;
		}
		if ((flags & SV_RENDER_FIRST_OF_TYPE) != 0) {
			if (seen[all[i]->type]) {
				continue;
			}
			seen[all[i]->type] = true;
		}
		rc = sv_render_check_server(what, pv, all[i], flags, err);
		if (rc != SV_OK) {
			return rc;
		}
		all[n_mail++] = all[i];
	}
	/* Incoming first, then outgoing, each group in priority order. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n_mail; i++) {
			bool outgoing = sv_server_type_is_outgoing(all[i]->type);
			if (outgoing == (pass == 1)) {
				out[(*n)++] = all[i];
			}
		}
	}
	return SV_OK;
}

const struct sv_service *sv_render_first_of(
		const struct sv_service *const *svc, size_t n,
		enum sv_service_type type) {
	for (size_t i = 0; i < n; i++) {
		if (svc[i]->type == type) {
			return svc[i];
		}
	}
	return NULL;
}

int sv_render_first_service(const char *what, const struct sv_provider *pv,
		const char *override_domain, enum sv_service_type type,
		const struct sv_service **out, struct sv_err *err) {
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES];
	int rc = sv_render_check_provider(what, pv, err);
	*out = rc != SV_OK ? NULL : sv_render_first_of(svc,
		sv_provider_services_for(pv, override_domain, svc,
			SV_MODEL_MAX_SERVICES), type);
	return rc;
}

int sv_render_answer(const char *what, const char *id,
		const char *content_type, sv_render_write_fn write, const void *ctx,
		struct sv_answer **out, struct sv_err *err) {
	struct sv_answer_builder b;
	int rc = sv_answer_builder_init(&b, content_type);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "%s: %s: out of memory", what, id);
	}
	if (write(&b, ctx) < 0) {
		/* Template errors are the builder's; a writer error is memory. */
		rc = b.failed != 0 ? b.failed : SV_ENOMEM;
		sv_answer_builder_abandon(&b);
		return sv_errf(err, rc, "%s: %s: cannot write the document: %s",
			what, id, sv_rc_str(rc));
	}
	rc = sv_answer_builder_finish(&b, out, NULL);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "%s: %s: cannot compile the answer: %s",
			what, id, sv_rc_str(rc));
	}
	return SV_OK;
}

int sv_render_raw_domain(struct sv_answer_builder *b, const char *text,
		size_t len) {
	const char *tok = sv_token_text(SV_TOKEN_EMAILDOMAIN);
	size_t tok_len = strlen(tok);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *q = p;
		while (q < end && ((size_t)(end - q) < tok_len ||
				memcmp(q, tok, tok_len) != 0)) {
			q++;
		}
		if (q > p && xmlTextWriterWriteRawLen(b->w, BAD_CAST p,
				(int)(q - p)) < 0) {
			return -1;
		}
		if (q < end) {
			if (sv_answer_builder_slot(b, SV_SLOT_DOMAIN) < 0) {
				return -1;
			}
			q += tok_len;
		}
		p = q;
	}
	return 0;
}

int sv_render_write_raw_domain(struct sv_answer_builder *b, const void *ctx) {
	const struct sv_render_text *t = ctx;
	return sv_render_raw_domain(b, t->s, t->len);
}
