/* SPDX-License-Identifier: MIT */
/*
 * Autodiscover v1 request bodies: untrusted XML in, an address and the
 * requested response schema out. The XML goes through sv_xml_parse_sax,
 * the project's one safe parser (no DTD, no entity, no network, UTF-8 only,
 * size cap), so billion-laughs and external-entity bodies never get past
 * the parser; what is left here is picking the two values out as the
 * parser streams (no tree to build, walk and free: the POST's cost, issue
 * #22) and refusing anything ambiguous (two addresses, two Request
 * elements).
 *
 * Privacy: the reasons written to err are constant phrases (plus a line
 * number). libxml2's own messages can quote element names from the body
 * and the body may hold a password-bearing client's data, so they are not
 * passed on.
 *
 * No state; the only allocations are libxml2's parser context's (freed
 * before return).
 */
#include <stdbool.h>
#include <string.h>

#include <libxml/parser.h>

#include "request/autodiscover_request.h"
#include "util/xml_safe.h"

static bool is_xml_space(unsigned char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* How many elements of one name a parent held, up to "several". */
enum count { NONE, ONE, SEVERAL };

/* The text of EMailAddress or AcceptableResponseSchema, as it streams. */
struct text {
	enum count count;  /* such elements in the Request */
	bool bad;          /* a child element, or too long */
	size_t len;
	char data[SV_AUTODISCOVER_MAX_TEXT + 1];
};

/*
 * What the callbacks learn of the document. Depth 1 is the root, 2 its
 * children, 3 the Request's children. Only the first Request is read: a
 * second one is an error whatever it holds.
 */
struct reader {
	const char *ns;    /* the root's request namespace; NULL: not ours */
	enum count requests;
	bool in_request;   /* inside the first Request */
	unsigned depth;
	struct text *open; /* the element whose text is being read */
	struct text addr, schema;
};

static bool named(const xmlChar *uri, const char *ns, const xmlChar *local,
		const char *name) {
	return uri != NULL && strcmp((const char *)uri, ns) == 0 &&
		strcmp((const char *)local, name) == 0;
}

static void add(enum count *c) {
	*c = *c == NONE ? ONE : SEVERAL;
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
		const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
	struct reader *r = sv_xml_sax_data(ctx);
	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_attributes;
	(void)nb_defaulted;
	(void)attributes;
	r->depth++;
	if (r->open != NULL) {
		r->open->bad = true; /* element text is text only */
	} else if (r->depth == 1) {
		if (named(uri, SV_AUTODISCOVER_NS_REQUEST_OUTLOOK, local,
				"Autodiscover")) {
			r->ns = SV_AUTODISCOVER_NS_REQUEST_OUTLOOK;
		} else if (named(uri, SV_AUTODISCOVER_NS_REQUEST_MOBILESYNC,
				local, "Autodiscover")) {
			r->ns = SV_AUTODISCOVER_NS_REQUEST_MOBILESYNC;
		}
	} else if (r->depth == 2 && r->ns != NULL &&
			named(uri, r->ns, local, "Request")) {
		add(&r->requests);
		r->in_request = r->requests == ONE;
	} else if (r->depth == 3 && r->in_request) {
		struct text *t = named(uri, r->ns, local, "EMailAddress") ?
			&r->addr : named(uri, r->ns, local,
			"AcceptableResponseSchema") ? &r->schema : NULL;
		if (t != NULL) {
			add(&t->count);
			/* a second one is an error: its text does not matter */
			r->open = t->count == ONE ? t : NULL;
		}
	}
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
		const xmlChar *uri) {
	struct reader *r = sv_xml_sax_data(ctx);
	(void)local;
	(void)prefix;
	(void)uri;
	if (r->depth == 3) {
		r->open = NULL;
	} else if (r->depth == 2) {
		r->in_request = false;
	}
	r->depth--;
}

/*
 * Text and CDATA of the element being read, in pieces; comments and
 * processing instructions are not reported. Text inside one of its
 * children needs no care: the child made it bad.
 */
static void on_text(void *ctx, const xmlChar *s, int n) {
	struct reader *r = sv_xml_sax_data(ctx);
	struct text *t = r->open;
	if (t == NULL || t->bad || n <= 0) {
		return;
	}
	if ((size_t)n > SV_AUTODISCOVER_MAX_TEXT - t->len) {
		t->bad = true;
		return;
	}
	memcpy(t->data + t->len, s, (size_t)n);
	t->len += (size_t)n;
}

/*
 * t's text trimmed of XML white space, NUL-terminated in place; *len gets
 * its length. SV_EINVAL when it was not plain text of at most
 * SV_AUTODISCOVER_MAX_TEXT bytes.
 */
static int trimmed(struct text *t, const char **text, size_t *len) {
	if (t->bad) {
		return SV_EINVAL;
	}
	size_t start = 0, n = t->len;
	while (start < n && is_xml_space((unsigned char)t->data[start])) {
		start++;
	}
	while (n > start && is_xml_space((unsigned char)t->data[n - 1])) {
		n--;
	}
	t->data[n] = '\0';
	*text = t->data + start;
	*len = n - start;
	return SV_OK;
}

static const char *how_many(enum count c) {
	return c == NONE ? "no" : "more than one";
}

static enum sv_autodiscover_schema schema_of(const char *s) {
	if (strcmp(s, SV_AUTODISCOVER_NS_OUTLOOK) == 0 ||
			strcmp(s, SV_AUTODISCOVER_NS_OUTLOOK_2006) == 0) {
		return SV_AUTODISCOVER_SCHEMA_OUTLOOK;
	}
	if (strcmp(s, SV_AUTODISCOVER_NS_MOBILESYNC) == 0) {
		return SV_AUTODISCOVER_SCHEMA_MOBILESYNC;
	}
	return SV_AUTODISCOVER_SCHEMA_OTHER;
}

/* The request out of what the callbacks saw of a well-formed document. */
static int read_request(struct reader *r, struct sv_autodiscover_request *out,
		struct sv_err *err) {
	if (r->ns == NULL) {
		return sv_errf(err, SV_EINVAL, "body: the root is not "
			"Autodiscover in a request namespace");
	}
	if (r->requests != ONE) {
		return sv_errf(err, SV_EINVAL, "body: %s Request element",
			how_many(r->requests));
	}
	if (r->addr.count != ONE) {
		return sv_errf(err, SV_EINVAL, "body: %s EMailAddress element",
			how_many(r->addr.count));
	}
	if (r->schema.count != ONE) {
		return sv_errf(err, SV_EINVAL, "body: %s "
			"AcceptableResponseSchema element",
			how_many(r->schema.count));
	}
	const char *text;
	size_t len;
	if (trimmed(&r->addr, &text, &len) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "body: EMailAddress is not "
			"plain text of at most %d bytes",
			SV_AUTODISCOVER_MAX_TEXT);
	}
	struct sv_err why;
	if (sv_address_parse(text, len, &out->address, &why) != SV_OK) {
		/* address.h's reasons never quote the input */
		return sv_errf(err, SV_EINVAL, "body: EMailAddress: %s",
			why.msg);
	}
	if (trimmed(&r->schema, &text, &len) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "body: AcceptableResponseSchema "
			"is not plain text of at most %d bytes",
			SV_AUTODISCOVER_MAX_TEXT);
	}
	out->schema = schema_of(text);
	return SV_OK;
}

/*
 * sv_xml_parse's own messages that are constant phrases, safe to pass on;
 * any other (libxml2's, or one quoting the declared encoding) is not.
 */
static const char *safe_reason(const char *msg) {
	static const char *const constant[] = {
		"DOCTYPE is not allowed", "empty document", "UTF-16 byte order",
		"NUL byte", "not a UTF-8 XML document", "not well-formed XML",
	};
	for (size_t i = 0; i < sizeof(constant) / sizeof(constant[0]); i++) {
		if (strncmp(msg, constant[i], strlen(constant[i])) == 0) {
			return msg;
		}
	}
	if (strncmp(msg, "encoding '", 10) == 0) {
		return "the declared encoding is not UTF-8";
	}
	return "not well-formed, or beyond the parser's limits";
}

int sv_autodiscover_request_parse(const char *body, size_t len,
		struct sv_autodiscover_request *out, struct sv_err *err) {
	memset(out, 0, sizeof(*out));
	out->schema = SV_AUTODISCOVER_SCHEMA_OTHER;
	if (len > SV_AUTODISCOVER_MAX_REQUEST) {
		return sv_errf(err, SV_ETOOBIG, "body: longer than %d bytes",
			SV_AUTODISCOVER_MAX_REQUEST);
	}
	struct reader r; /* not = { 0 }: the text buffers need no clearing */
	r.ns = NULL;
	r.requests = NONE;
	r.in_request = false;
	r.depth = 0;
	r.open = NULL;
	r.addr.count = r.schema.count = NONE;
	r.addr.bad = r.schema.bad = false;
	r.addr.len = r.schema.len = 0;
	const struct sv_xml_sax sax = {
		.start = on_start, .end = on_end, .text = on_text, .data = &r,
	};
	long line = 1;
	struct sv_err why = { "" };
	int rc = sv_xml_parse_sax(body != NULL ? body : "",
		body != NULL ? len : 0, SV_AUTODISCOVER_MAX_REQUEST, &sax,
		&line, &why);
	if (rc == SV_ENOMEM) {
		return sv_errf(err, rc, "body: out of memory");
	}
	if (rc != SV_OK) {
		/* libxml2's messages may quote the body: see safe_reason() */
		return sv_errf(err, rc == SV_ETOOBIG ? SV_ETOOBIG : SV_EINVAL,
			"body: line %ld: %s", line, safe_reason(why.msg));
	}
	rc = read_request(&r, out, err);
	if (rc != SV_OK) {
		memset(&out->address, 0, sizeof(out->address));
		out->schema = SV_AUTODISCOVER_SCHEMA_OTHER;
	}
	return rc;
}
