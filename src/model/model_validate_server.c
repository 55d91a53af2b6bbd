/* SPDX-License-Identifier: MIT */
/*
 * The validator's rules for one server (model_validate.c runs them for
 * each, in document order): a TCP server's hostname, port and socket, or
 * a URL-based one's URL; username, authentication methods, POP3 options,
 * Exchange URLs, the outgoing-only options and the domain it is bound to.
 * Messages name the server as "server 2 (smtp): ...".
 */
#include <stdio.h>

#include "model/model.h"
#include "model/model_validate_server.h"
#include "model/model_value.h"

static bool is_tristate(enum sv_tristate t) {
	return t == SV_UNSET || t == SV_FALSE || t == SV_TRUE;
}

/* hostname, port and socket of a TCP server (imap, pop3, smtp, exchange). */
static int check_tcp(const struct sv_server *s, const char *w,
		struct sv_err *err) {
	int rc = model_check_required(s->hostname, w, "hostname",
		model_check_hostname, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (s->port < 1 || s->port > 65535) {
		return sv_errf(err, SV_EINVAL,
			"%s: port: %d is not in 1..65535", w, s->port);
	}
	if (s->socket == SV_SOCKET_NONE) {
		return sv_errf(err, SV_EINVAL,
			"%s: socket: missing (plain, SSL or STARTTLS)", w);
	}
	if (s->socket != SV_SOCKET_PLAIN && s->socket != SV_SOCKET_SSL &&
			s->socket != SV_SOCKET_STARTTLS) {
		return sv_errf(err, SV_EINVAL, "%s: socket: unknown value %d",
			w, (int)s->socket);
	}
	if (s->url != NULL) {
		return sv_errf(err, SV_EINVAL,
			"%s: url: only ews, owa and graph servers have one", w);
	}
	return SV_OK;
}

/* url of a URL-based server (ews, owa, graph), and no TCP fields. */
static int check_url_server(const struct sv_server *s, const char *w,
		struct sv_err *err) {
	int rc = model_check_required(s->url, w, "url", model_check_url, err);
	if (rc != SV_OK) {
		return rc;
	}
	const struct {
		const char *name;
		bool set;
	} tcp[] = {
		{ "hostname", s->hostname != NULL },
		{ "port", s->port != 0 },
		{ "socket", s->socket != SV_SOCKET_NONE },
	};
	for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
		if (tcp[i].set) {
			return sv_errf(err, SV_EINVAL, "%s: %s: not used by "
				"URL-based servers", w, tcp[i].name);
		}
	}
	return SV_OK;
}

static int check_auth(const struct sv_server *s, const char *w,
		struct sv_err *err) {
	if (s->n_auth == 0) {
		return sv_errf(err, SV_EINVAL,
			"%s: authentication: none (at least one is required)",
			w);
	}
	if (s->n_auth > SV_MODEL_MAX_AUTH) {
		return sv_errf(err, SV_EINVAL,
			"%s: authentication: %zu methods is more than the %d "
			"allowed", w, s->n_auth, SV_MODEL_MAX_AUTH);
	}
	for (size_t i = 0; i < s->n_auth; i++) {
		enum sv_auth a = s->auth[i];
		if ((unsigned)a >= SV_AUTH_COUNT) {
			return sv_errf(err, SV_EINVAL,
				"%s: authentication %zu: unknown value %d", w,
				i + 1, (int)a);
		}
		for (size_t j = 0; j < i; j++) {
			if (s->auth[j] == a) {
				return sv_errf(err, SV_EINVAL,
					"%s: authentication %zu: %s is already "
					"listed", w, i + 1, sv_auth_name(a));
			}
		}
		if (sv_auth_is_outgoing_only(a) &&
				!sv_server_type_is_outgoing(s->type)) {
			return sv_errf(err, SV_EINVAL,
				"%s: authentication %zu: %s is for outgoing "
				"(smtp) servers only", w, i + 1,
				sv_auth_name(a));
		}
	}
	return SV_OK;
}

static int check_pop3(const struct sv_server *s, const char *w,
		struct sv_err *err) {
	if (!s->has_pop3) {
		return SV_OK;
	}
	if (s->type != SV_SERVER_POP3) {
		return sv_errf(err, SV_EINVAL,
			"%s: pop3: options are for pop3 servers only", w);
	}
	const struct sv_pop3_options *o = &s->pop3;
	if (!is_tristate(o->leave_on_server) ||
			!is_tristate(o->download_on_biff)) {
		return sv_errf(err, SV_EINVAL,
			"%s: pop3: boolean option out of range", w);
	}
	if (o->days_to_leave < -1) {
		return sv_errf(err, SV_EINVAL,
			"%s: pop3: days to leave: %d is negative", w,
			o->days_to_leave);
	}
	if (o->check_interval_min < -1 || o->check_interval_min == 0) {
		return sv_errf(err, SV_EINVAL,
			"%s: pop3: check interval: %d is not a number of "
			"minutes >= 1", w, o->check_interval_min);
	}
	return SV_OK;
}

int model_check_server(const struct sv_provider *pv, size_t i,
		struct sv_err *err) {
	const struct sv_server *s = &pv->servers[i];
	char w[64];
	if ((unsigned)s->type >= SV_SERVER_TYPE_COUNT) {
		return sv_errf(err, SV_EINVAL, "server %zu: type: unknown "
			"value %d", i + 1, (int)s->type);
	}
	snprintf(w, sizeof(w), "server %zu (%s)", i + 1,
		sv_server_type_name(s->type));

	int rc = sv_server_type_is_url_based(s->type) ?
		check_url_server(s, w, err) : check_tcp(s, w, err);
	if (rc != SV_OK) {
		return rc;
	}
	char where[96];
	if (s->username != NULL) {
		snprintf(where, sizeof(where), "%s: username", w);
		rc = model_check_template(s->username, where, err);
		if (rc != SV_OK) {
			return rc;
		}
	}
	if ((rc = check_auth(s, w, err)) != SV_OK ||
			(rc = check_pop3(s, w, err)) != SV_OK) {
		return rc;
	}
	if (s->type != SV_SERVER_EXCHANGE &&
			(s->owa_url != NULL || s->ews_url != NULL)) {
		return sv_errf(err, SV_EINVAL, "%s: owa/ews URL: only exchange "
			"servers have them", w);
	}
	if (s->owa_url != NULL) {
		snprintf(where, sizeof(where), "%s: owa URL", w);
		if ((rc = model_check_url(s->owa_url, where, err)) != SV_OK) {
			return rc;
		}
	}
	if (s->ews_url != NULL) {
		snprintf(where, sizeof(where), "%s: ews URL", w);
		if ((rc = model_check_url(s->ews_url, where, err)) != SV_OK) {
			return rc;
		}
	}
	if (!is_tristate(s->use_global_preferred_server) ||
			!is_tristate(s->add_this_server)) {
		return sv_errf(err, SV_EINVAL,
			"%s: boolean option out of range", w);
	}
	bool outgoing = sv_server_type_is_outgoing(s->type);
	if (s->add_this_server != SV_UNSET && !outgoing) {
		return sv_errf(err, SV_EINVAL, "%s: addThisServer: for "
			"outgoing (smtp) servers only", w);
	}
	if (s->restriction != NULL) {
		if (!outgoing) {
			return sv_errf(err, SV_EINVAL, "%s: restriction: for "
				"outgoing (smtp) servers only", w);
		}
		snprintf(where, sizeof(where), "%s: restriction", w);
		rc = model_check_text(s->restriction, SV_MODEL_MAX_TEXT, where,
			NULL, err);
		if (rc != SV_OK) {
			return rc;
		}
		if (s->restriction[0] == '\0') {
			return sv_errf(err, SV_EINVAL, "%s: empty", where);
		}
	}
	if (s->domain != NULL && !sv_provider_has_domain(pv, s->domain)) {
		char buf[MODEL_SHOWN_MAX];
		return sv_errf(err, SV_EINVAL,
			"%s: domain: '%s' is not one of the provider's "
			"domains", w, model_shown(s->domain, buf, sizeof(buf)));
	}
	if (s->domain != NULL && sv_is_mx_prefixed(s->domain)) {
		/* an MX row stands for many domains, none of them known here */
		return sv_errf(err, SV_EINVAL, "%s: domain: a server cannot be "
			"bound to an MX row", w);
	}
	return SV_OK;
}
