/* SPDX-License-Identifier: MIT */
/*
 * The SQL source's front: which client a URL goes to, and the checks
 * every URL gets first (sql_source.h). A mysql:// URL is parsed here;
 * a postgresql:// one is libpq's to read (it knows more parameters than
 * we would), once we have made sure no password is in it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "source/sql_source.h"

#define URL_MAX 2048

enum kind { KIND_NONE, KIND_PG, KIND_MYSQL };

static enum kind kind_of(const char *url, size_t *rest) {
	static const struct {
		const char *prefix;
		enum kind kind;
	} schemes[] = {
		{ "postgresql://", KIND_PG }, { "postgres://", KIND_PG },
		{ "mysql://", KIND_MYSQL }, { "mariadb://", KIND_MYSQL },
	};
	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncmp(url, schemes[i].prefix, n) == 0) {
			*rest = n;
			return schemes[i].kind;
		}
	}
	return KIND_NONE;
}

/* Whether the authority (before the first '/' or '?') holds a "user:pass"
 * userinfo, or the query a password parameter. */
static bool has_password(const char *s) {
	size_t auth = strcspn(s, "/?");
	const char *at = memchr(s, '@', auth);
	if (at != NULL && memchr(s, ':', (size_t)(at - s)) != NULL) {
		return true;
	}
	const char *q = strchr(s, '?');
	while (q != NULL) {
		q++;
		if (strncmp(q, "password=", 9) == 0) {
			return true;
		}
		q = strchr(q, '&');
	}
	return false;
}

static int hexval(char c) {
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
		c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (room for n + 1); false on a NUL or a
 * bad escape. */
static bool decode(const char *s, size_t n, char *out) {
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n) {
				return false;
			}
			if ((hi = hexval(s[i + 1])) < 0 ||
					(lo = hexval(s[i + 2])) < 0 ||
					(hi == 0 && lo == 0)) {
				return false;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return true;
}

/* Parses the part of a mysql:// URL after the scheme into u, its strings
 * decoded into buf (room for strlen(s) + 4 bytes). */
static int parse_mysql(const char *s, char *buf, struct sv_sql_mysql_url *u,
		struct sv_err *err) {
	memset(u, 0, sizeof(*u));
	size_t auth = strcspn(s, "/?");
	const char *at = memchr(s, '@', auth);
	const char *h = s;
	char *p = buf;
	if (at != NULL) {
		if (!decode(s, (size_t)(at - s), p)) {
			return sv_errf(err, SV_EINVAL, "--from: bad user name");
		}
		u->user = p;
		p += strlen(p) + 1;
		h = at + 1;
	}
	size_t hlen = (size_t)(s + auth - h);
	const char *colon = memchr(h, ':', hlen);
	size_t name_len = colon != NULL ? (size_t)(colon - h) : hlen;
	if (name_len > 0) {
		memcpy(p, h, name_len);
		p[name_len] = '\0';
		u->host = p;
		p += name_len + 1;
	}
	if (colon != NULL) {
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (end != h + hlen || end == colon + 1 || port == 0 ||
				port > 65535) {
			return sv_errf(err, SV_EINVAL,
				"--from: port is not in 1..65535");
		}
		u->port = (unsigned)port;
	}
	const char *rest = s + auth;
	if (*rest == '/') {
		size_t n = strcspn(rest + 1, "?");
		if (n > 0) {
			if (!decode(rest + 1, n, p)) {
				return sv_errf(err, SV_EINVAL,
					"--from: bad database name");
			}
			u->db = p;
			p += strlen(p) + 1;
		}
		rest += 1 + n;
	}
	while (*rest == '?' || *rest == '&') {
		rest++;
		size_t n = strcspn(rest, "&");
		if (strncmp(rest, "socket=", 7) == 0 && n > 7) {
			if (!decode(rest + 7, n - 7, p)) {
				return sv_errf(err, SV_EINVAL,
					"--from: bad socket path");
			}
			u->socket = p;
			p += strlen(p) + 1;
		} else {
			return sv_errf(err, SV_EINVAL, "--from: a mysql:// URL "
				"takes only the parameter socket=PATH");
		}
		rest += n;
	}
	return SV_OK;
}

int sv_sql_source_check_url(const char *url, struct sv_err *err) {
	size_t rest = 0;
	if (strlen(url) > URL_MAX) {
		return sv_errf(err, SV_EINVAL, "--from: longer than %d bytes",
			URL_MAX);
	}
	enum kind k = kind_of(url, &rest);
	if (k == KIND_NONE) {
		return sv_errf(err, SV_EINVAL, "--from: expected a "
			"postgresql:// or mysql:// URL");
	}
	if (has_password(url + rest)) {
		return sv_errf(err, SV_EINVAL, "--from: the URL holds a "
			"password: give it with --password-file or %s instead",
			k == KIND_PG ? "PGPASSWORD" : "MYSQL_PWD");
	}
	if (k == KIND_MYSQL) {
		char buf[URL_MAX + 4];
		struct sv_sql_mysql_url u;
		return parse_mysql(url + rest, buf, &u, err);
	}
	return SV_OK;
}

int sv_sql_source_read(const char *url, const char *password,
		const char *query, sv_sql_row_fn row, void *ctx,
		struct sv_err *err) {
	int rc = sv_sql_source_check_url(url, err);
	if (rc != SV_OK) {
		return rc;
	}
	size_t rest = 0;
	if (kind_of(url, &rest) == KIND_PG) {
		return sv_sql_source_read_pg(url, password, query, row, ctx,
			err);
	}
	char buf[URL_MAX + 4];
	struct sv_sql_mysql_url u;
	rc = parse_mysql(url + rest, buf, &u, err);
	if (rc == SV_OK) {
		if (password == NULL) {
			password = getenv("MYSQL_PWD");
		}
		rc = sv_sql_source_read_mysql(&u, password, query, row, ctx,
			err);
	}
	return rc;
}
