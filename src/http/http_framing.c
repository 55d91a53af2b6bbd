/* SPDX-License-Identifier: MIT */
/*
 * Checks on a request's headers made before its body is read: a body
 * declared larger than we accept, framing that a proxy in front could
 * read differently from us (duplicates, odd transfer codings, header
 * lines folded onto the next). All run on the first handler call, so that the refusal is queued before
 * MHD waits for a body.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/http_framing.h"
#include "http/http_request.h"

/* Content-Length over the cap (MHD has already checked its syntax). */
bool sv_http_body_too_large(struct MHD_Connection *c) {
	const char *v;
	size_t n;
	if (!sv_http_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH, &v, &n)) {
		return false;
	}
	size_t val = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			return true; /* not a length we understand: refuse */
		}
		if (val > SV_HTTP_MAX_BODY) {
			return true; /* stop before any overflow */
		}
		val = val * 10 + (size_t)(v[i] - '0');
	}
	return val > SV_HTTP_MAX_BODY;
}

/*
 * Requests whose Host or body framing a proxy in front could read
 * differently (request smuggling; RFC 9112 3.2, 5.1, 6.1, 6.3): several
 * Host or Content-Length headers, Transfer-Encoding with Content-Length,
 * a transfer coding other than "chunked" alone (MHD 0.9.75 would wait for
 * such a body until the timeout), white space before a header's colon
 * (MHD 0.9.75 keeps "Host " as a name of its own). Answered 400; MHD
 * closes the connection as the body is not read.
 */
struct framing {
	unsigned host, length, te;
	bool chunked, space;
};

static bool header_is(const char *key, const char *name) {
	return sv_http_caseeq_lit(key, strlen(key), name);
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind,
		const char *key, const char *value) {
	struct framing *f = cls;
	(void)kind;
	size_t n = strlen(key);
	if (n > 0 && (key[n - 1] == ' ' || key[n - 1] == '\t')) {
		f->space = true;
	}
	if (header_is(key, MHD_HTTP_HEADER_HOST)) {
		f->host++;
	} else if (header_is(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		f->length++;
	} else if (header_is(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->te++;
		f->chunked = value != NULL && header_is(value, "chunked");
	}
	return MHD_YES;
}

bool sv_http_framing_ambiguous(struct MHD_Connection *c) {
	struct framing f = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	return f.host > 1 || f.length > 1 || f.space ||
		(f.te > 0 && (f.length > 0 || f.te > 1 || !f.chunked));
}

struct fold_check {
	uintptr_t lo, hi; /* the raw header block */
	bool folded;
};

static enum MHD_Result check_in_block(void *cls, enum MHD_ValueKind kind,
		const char *key, size_t key_size, const char *value,
		size_t value_size) {
	struct fold_check *f = cls;
	(void)kind;
	(void)value;
	(void)value_size;
	uintptr_t k = (uintptr_t)key;
	if (k < f->lo || k >= f->hi || key_size > f->hi - k) {
		f->folded = true;
		return MHD_NO; /* one is enough */
	}
	return MHD_YES;
}

bool sv_http_header_folded(struct MHD_Connection *c, const char *method) {
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci == NULL || method == NULL) {
		return true; /* not where MHD 0.9.75 calls us: refuse */
	}
	struct fold_check f = { .lo = (uintptr_t)method,
		.hi = (uintptr_t)method + ci->header_size };
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, check_in_block, &f);
	return f.folded;
}

bool sv_http_body_chunked(struct MHD_Connection *c) {
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}
