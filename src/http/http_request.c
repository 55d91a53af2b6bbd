/* SPDX-License-Identifier: MIT */
/*
 * Reading a request, for the router and every endpoint: ASCII case
 * comparison (paths, header names, parameter names and tokens are
 * compared without regard to letter case, whatever the locale), query
 * parameters (by exact name or in any case), the address a request
 * carries in its query, the domain its Host header names, and noting the
 * domain answered for (the access line and the metrics show it). Values
 * are MHD's, read with their length so that a decoded %00 is seen and
 * refused by the parsers rather than cutting the value. Nothing here
 * answers: endpoints decide what a missing or bad value means.
 */
#include <string.h>

#include "http/http_request.h"

bool sv_http_ascii_caseeq(const char *a, const char *b, size_t n) {
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z') {
			x = (unsigned char)(x - 'A' + 'a');
		}
		if (y >= 'A' && y <= 'Z') {
			y = (unsigned char)(y - 'A' + 'a');
		}
		if (x != y) {
			return false;
		}
	}
	return true;
}

bool sv_http_caseeq_lit(const char *s, size_t n, const char *lit) {
	return strlen(lit) == n && sv_http_ascii_caseeq(s, lit, n);
}

bool sv_http_query_param(struct MHD_Connection *c, const char *name,
		const char **v, size_t *n) {
	*v = NULL;
	*n = 0;
	if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, name,
			strlen(name), v, n) != MHD_YES) {
		return false;
	}
	if (*v == NULL) { /* "?name" without "=" */
		*v = "";
		*n = 0;
	}
	return true;
}

bool sv_http_header(struct MHD_Connection *c, const char *name,
		const char **v, size_t *n) {
	*v = NULL;
	*n = 0;
	return MHD_lookup_connection_value_n(c, MHD_HEADER_KIND, name,
		strlen(name), v, n) == MHD_YES && *v != NULL;
}

struct anycase {
	struct sv_http_param *ps;
	size_t n;
};

static enum MHD_Result on_param(void *cls, enum MHD_ValueKind kind,
		const char *key, size_t key_size, const char *value,
		size_t value_size) {
	const struct anycase *a = cls;
	(void)kind;
	for (size_t i = 0; i < a->n; i++) {
		struct sv_http_param *p = &a->ps[i];
		if (sv_http_caseeq_lit(key, key_size, p->name)) {
			p->seen++;
			p->value = value != NULL ? value : "";
			p->len = value != NULL ? value_size : 0;
		}
	}
	return MHD_YES;
}

void sv_http_query_params_anycase(struct MHD_Connection *c,
		struct sv_http_param *ps, size_t n) {
	struct anycase a = { ps, n };
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, on_param, &a);
}

int sv_http_query_address(struct MHD_Connection *c,
		const char *const *names, size_t n, struct sv_address *addr,
		struct sv_err *err) {
	const char *v = NULL;
	size_t vn = 0;
	const char *given = NULL; /* the first name present */
	for (size_t i = 0; i < n; i++) {
		const char *w;
		size_t wn;
		if (!sv_http_query_param(c, names[i], &w, &wn)) {
			continue;
		}
		if (given == NULL) {
			given = names[i];
			v = w;
			vn = wn;
		} else if (wn != vn || memcmp(w, v, vn) != 0) {
			return sv_errf(err, SV_EINVAL, "%s and %s differ",
				given, names[i]);
		}
	}
	if (given == NULL) {
		return SV_ENOTFOUND;
	}
	return sv_address_parse(v, vn, addr, err);
}

int sv_http_host_domain(struct MHD_Connection *c, char *out,
		struct sv_err *err) {
	const char *h;
	size_t n;
	if (!sv_http_header(c, MHD_HTTP_HEADER_HOST, &h, &n) || n == 0) {
		return sv_errf(err, SV_EINVAL, "missing");
	}
	if (h[0] == '[') {
		return sv_errf(err, SV_EINVAL, "IP literals are not served");
	}
	for (size_t i = n; i > 0; i--) {
		if (h[i - 1] == ':') {
			size_t digits = n - i;
			if (digits > 5) {
				return sv_errf(err, SV_EINVAL, "bad port");
			}
			for (size_t k = i; k < n; k++) {
				if (h[k] < '0' || h[k] > '9') {
					return sv_errf(err, SV_EINVAL,
						"bad port");
				}
			}
			n = i - 1;
			break;
		}
	}
	return sv_domain_normalize(h, n, out, SV_DOMAIN_MAX + 1, err);
}

void sv_http_note_domain(const struct sv_http_call *call, const char *d) {
	size_t n = strlen(d);
	n = n < sizeof(call->r->domain) - 1 ? n : sizeof(call->r->domain) - 1;
	memcpy(call->r->domain, d, n);
	call->r->domain[n] = '\0';
}
