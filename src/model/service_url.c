/* SPDX-License-Identifier: MIT */
/*
 * Service URLs (service_url.h): the syntax the validator enforces and the
 * parts the renderers need, from one parser. Tokens are recognised with
 * the placeholder module's own splitter, so a URL and a username template
 * cannot disagree on what a placeholder is.
 */
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "model/model_value.h"
#include "model/placeholder.h"
#include "model/service_url.h"
#include "util/name.h"

/* What %EMAILDOMAIN% stands for when the host is checked. */
#define SAMPLE_DOMAIN "example.org"

/* Pieces a URL of SV_MODEL_MAX_URL bytes can need: a token is at least
 * 10 bytes long, and literal pieces lie between tokens. */
#define MAX_PIECES (SV_MODEL_MAX_URL / 5 + 2)

static bool is_hex(char c) {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

/* RFC 3986 characters of a URL, '%' apart (checked with the tokens). */
static bool is_url_char(unsigned char c) {
	return c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|}", c) == NULL;
}

/* Checks the host template h[0..n): tokens and the expanded name. */
static int check_host(const char *url, const char *h, size_t n,
		const char *where, struct sv_err *err) {
	char shown[MODEL_SHOWN_MAX];
	char host[SV_DOMAIN_MAX + 1];
	size_t len = 0;
	const char *tok = "%EMAILDOMAIN%";
	size_t tok_len = strlen(tok);
	for (size_t i = 0; i < n;) {
		const char *add = h + i;
		size_t k = 1;
		if (h[i] == '%') {
			if (n - i < tok_len || memcmp(h + i, tok, tok_len) != 0) {
				return sv_errf(err, SV_EINVAL, "%s: '%s': only "
					"%%EMAILDOMAIN%% may appear in the host",
					where, model_shown(url, shown,
					sizeof(shown)));
			}
			add = SAMPLE_DOMAIN;
			k = strlen(SAMPLE_DOMAIN);
			i += tok_len;
		} else {
			i++;
		}
		if (k > sizeof(host) - 1 - len) {
			return sv_errf(err, SV_EINVAL, "%s: '%s': host longer "
				"than %d bytes", where, model_shown(url, shown,
				sizeof(shown)), SV_DOMAIN_MAX);
		}
		memcpy(host + len, add, k);
		len += k;
	}
	host[len] = '\0';
	if (!sv_is_hostname(host, false)) {
		return sv_errf(err, SV_EINVAL, "%s: '%s': the host is not a "
			"host name%s", where, model_shown(url, shown,
			sizeof(shown)), sv_name_numeric_tld_note(host, false));
	}
	return SV_OK;
}

/* The port after ':' in p[0..n): 1..65535, digits only. */
static int parse_port(const char *p, size_t n, int *port) {
	long v = 0;
	if (n == 0 || n > 5) {
		return SV_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return SV_EINVAL;
		}
		v = v * 10 + (p[i] - '0');
	}
	if (v < 1 || v > 65535) {
		return SV_EINVAL;
	}
	*port = (int)v;
	return SV_OK;
}

/* Sets u->context_len from the split pieces (service_url.h). */
static void find_context(const char *url, const struct sv_tpl_piece *pc,
		size_t n, struct sv_service_url *u) {
	const char *at = NULL; /* the first address token */
	const char *p = url;
	for (size_t i = 0; i < n && at == NULL; i++) {
		if (pc[i].is_token && (pc[i].token == SV_TOKEN_EMAILADDRESS ||
				pc[i].token == SV_TOKEN_EMAILLOCALPART)) {
			at = p;
		}
		p += pc[i].is_token ? strlen(sv_token_text(pc[i].token)) :
			pc[i].lit_len;
	}
	u->context_len = strlen(url);
	if (at == NULL) {
		return;
	}
	/* the host holds no such token (check_host), so at is in the path */
	const char *query = memchr(u->path, '?', (size_t)(at - u->path));
	if (query != NULL) {
		u->context_len = (size_t)(query - url);
		return;
	}
	const char *slash = u->path;
	for (const char *q = u->path; q < at; q++) {
		if (*q == '/') {
			slash = q;
		}
	}
	u->context_len = (size_t)(slash + 1 - url);
}

int sv_service_url_parse(const char *url, const char *where,
		struct sv_service_url *out, struct sv_err *err) {
	char shown[MODEL_SHOWN_MAX];
	struct sv_service_url u = { 0 };
	size_t len = strlen(url);
	if (len == 0) {
		return sv_errf(err, SV_EINVAL, "%s: empty", where);
	}
	if (len > SV_MODEL_MAX_URL) {
		return sv_errf(err, SV_EINVAL, "%s: %zu bytes is more than the "
			"%d allowed", where, len, SV_MODEL_MAX_URL);
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (!is_url_char(c)) {
			return sv_errf(err, SV_EINVAL, "%s: '%s': byte 0x%02X "
				"at %zu is not allowed in a URL (percent-encode "
				"it; write host names as A-labels)", where,
				model_shown(url, shown, sizeof(shown)), c,
				i + 1);
		}
	}
	const char *rest;
	if (model_has_prefix_nocase(url, "https://")) {
		u.https = true;
		rest = url + 8;
	} else if (model_has_prefix_nocase(url, "http://")) {
		rest = url + 7;
	} else {
		return sv_errf(err, SV_EINVAL, "%s: '%s' is not an http or "
			"https URL", where, model_shown(url, shown,
			sizeof(shown)));
	}
	if (strchr(url, '#') != NULL) {
		return sv_errf(err, SV_EINVAL, "%s: '%s' has a fragment ('#')",
			where, model_shown(url, shown, sizeof(shown)));
	}
	size_t auth_len = strcspn(rest, "/?");
	if (rest[auth_len] != '/') {
		return sv_errf(err, SV_EINVAL, "%s: '%s' has no path (add at "
			"least '/')", where, model_shown(url, shown,
			sizeof(shown)));
	}
	if (memchr(rest, '@', auth_len) != NULL) {
		return sv_errf(err, SV_EINVAL, "%s: '%s' has user information "
			"('@' before the path): give the login as the username",
			where, model_shown(url, shown, sizeof(shown)));
	}
	if (auth_len > 0 && rest[0] == '[') {
		return sv_errf(err, SV_EINVAL, "%s: '%s': an IP literal is not "
			"allowed, give a host name", where, model_shown(url,
			shown, sizeof(shown)));
	}
	const char *colon = memchr(rest, ':', auth_len);
	u.host = rest;
	u.host_len = colon != NULL ? (size_t)(colon - rest) : auth_len;
	if (u.host_len == 0) {
		return sv_errf(err, SV_EINVAL, "%s: '%s' has no host", where,
			model_shown(url, shown, sizeof(shown)));
	}
	if (colon != NULL && parse_port(colon + 1, auth_len - u.host_len - 1,
			&u.port) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "%s: '%s': the port is not a "
			"number in 1..65535", where, model_shown(url, shown,
			sizeof(shown)));
	}
	u.path = rest + auth_len;
	int rc = check_host(url, u.host, u.host_len, where, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_tpl_piece pieces[MAX_PIECES];
	size_t n = 0;
	struct sv_err sub = { "" };
	if (sv_placeholder_split(url, pieces, MAX_PIECES, &n, &sub) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "%s: %s", where, sub.msg);
	}
	for (size_t i = 0; i < n; i++) {
		if (pieces[i].is_token) {
			if (pieces[i].token == SV_TOKEN_REALNAME) {
				return sv_errf(err, SV_EINVAL, "%s: '%s': "
					"%%REALNAME%% cannot appear in a URL",
					where, model_shown(url, shown,
					sizeof(shown)));
			}
			continue;
		}
		const char *p = pieces[i].lit;
		for (size_t k = 0; k < pieces[i].lit_len; k++) {
			if (p[k] == '%' && (k + 2 >= pieces[i].lit_len ||
					!is_hex(p[k + 1]) || !is_hex(p[k + 2]))) {
				return sv_errf(err, SV_EINVAL, "%s: '%s': '%%' "
					"is neither a placeholder nor followed "
					"by two hex digits", where,
					model_shown(url, shown, sizeof(shown)));
			}
		}
	}
	find_context(url, pieces, n, &u);
	if (out != NULL) {
		*out = u;
	}
	return SV_OK;
}

int sv_service_url_port(const struct sv_service_url *u) {
	return u->port != 0 ? u->port : u->https ? 443 : 80;
}
