/* SPDX-License-Identifier: MIT */
/*
 * Autodiscover v1 request bodies: untrusted XML in, an address and the
 * requested response schema out. The XML goes through sv_xml_parse, the
 * project's one safe parser (no DTD, no entity, no network, UTF-8 only,
 * size cap), so billion-laughs and external-entity bodies never get past
 * the parser; what is left here is walking a small tree without recursion
 * and refusing anything ambiguous (two addresses, two Request elements).
 *
 * Privacy: the reasons written to err are constant phrases (plus a line
 * number). libxml2's own messages can quote element names from the body
 * and the body may hold a password-bearing client's data, so they are not
 * passed on.
 *
 * No state, no allocation besides libxml2's tree (freed before return).
 */
#include <stdbool.h>
#include <string.h>

#include <libxml/tree.h>

#include "request/autodiscover_request.h"
#include "util/xml_safe.h"

static bool is_xml_space(unsigned char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* True when n is an element named local in namespace ns. */
static bool is_element(const xmlNode *n, const char *ns, const char *local) {
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		n->ns->href != NULL &&
		strcmp((const char *)n->ns->href, ns) == 0 &&
		strcmp((const char *)n->name, local) == 0;
}

/*
 * The only child element of parent named local in ns: SV_OK with *out,
 * SV_ENOTFOUND when there is none, SV_EINVAL when there are several.
 */
static int only_child(const xmlNode *parent, const char *ns,
		const char *local, const xmlNode **out) {
	*out = NULL;
	for (const xmlNode *c = parent->children; c != NULL; c = c->next) {
		if (!is_element(c, ns, local)) {
			continue;
		}
		if (*out != NULL) {
			return SV_EINVAL;
		}
		*out = c;
	}
	return *out != NULL ? SV_OK : SV_ENOTFOUND;
}

/*
 * The text of el, trimmed of XML white space, into out (size
 * SV_AUTODISCOVER_MAX_TEXT + 1); *len gets its length. Text and CDATA
 * children are concatenated; comments and processing instructions are
 * skipped; any other child (an element, an entity reference) is an error,
 * as is text longer than SV_AUTODISCOVER_MAX_TEXT before trimming.
 */
static int element_text(const xmlNode *el, char *out, size_t *len) {
	size_t n = 0;
	for (const xmlNode *c = el->children; c != NULL; c = c->next) {
		switch (c->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE: {
			const char *t = (const char *)c->content;
			size_t tl = t != NULL ? strlen(t) : 0;
			if (tl > SV_AUTODISCOVER_MAX_TEXT - n) {
				return SV_EINVAL;
			}
			memcpy(out + n, t, tl);
			n += tl;
			break;
		}
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		default:
			return SV_EINVAL;
		}
	}
	size_t start = 0;
	while (start < n && is_xml_space((unsigned char)out[start])) {
		start++;
	}
	while (n > start && is_xml_space((unsigned char)out[n - 1])) {
		n--;
	}
	memmove(out, out + start, n - start);
	out[n - start] = '\0';
	*len = n - start;
	return SV_OK;
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

/* Reads the request out of a parsed document. */
static int read_request(const xmlDoc *doc, struct sv_autodiscover_request *out,
		struct sv_err *err) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	const char *ns = NULL;
	if (root != NULL && is_element(root, SV_AUTODISCOVER_NS_REQUEST_OUTLOOK,
			"Autodiscover")) {
		ns = SV_AUTODISCOVER_NS_REQUEST_OUTLOOK;
	} else if (root != NULL && is_element(root,
			SV_AUTODISCOVER_NS_REQUEST_MOBILESYNC, "Autodiscover")) {
		ns = SV_AUTODISCOVER_NS_REQUEST_MOBILESYNC;
	} else {
		return sv_errf(err, SV_EINVAL, "body: the root is not "
			"Autodiscover in a request namespace");
	}
	const xmlNode *req, *addr, *schema;
	int rc = only_child(root, ns, "Request", &req);
	if (rc != SV_OK) {
		return sv_errf(err, SV_EINVAL, "body: %s Request element",
			rc == SV_ENOTFOUND ? "no" : "more than one");
	}
	rc = only_child(req, ns, "EMailAddress", &addr);
	if (rc != SV_OK) {
		return sv_errf(err, SV_EINVAL, "body: %s EMailAddress element",
			rc == SV_ENOTFOUND ? "no" : "more than one");
	}
	rc = only_child(req, ns, "AcceptableResponseSchema", &schema);
	if (rc != SV_OK) {
		return sv_errf(err, SV_EINVAL, "body: %s "
			"AcceptableResponseSchema element",
			rc == SV_ENOTFOUND ? "no" : "more than one");
	}
	char text[SV_AUTODISCOVER_MAX_TEXT + 1];
	size_t len;
	if (element_text(addr, text, &len) != SV_OK) {
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
	if (element_text(schema, text, &len) != SV_OK) {
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
	xmlDoc *doc = NULL;
	long line = 1;
	struct sv_err why = { "" };
	int rc = sv_xml_parse(body != NULL ? body : "", body != NULL ? len : 0,
		SV_AUTODISCOVER_MAX_REQUEST, &doc, &line, &why);
	if (rc == SV_ENOMEM) {
		return sv_errf(err, rc, "body: out of memory");
	}
	if (rc != SV_OK) {
		/* libxml2's messages may quote the body: see safe_reason() */
		return sv_errf(err, rc == SV_ETOOBIG ? SV_ETOOBIG : SV_EINVAL,
			"body: line %ld: %s", line, safe_reason(why.msg));
	}
	rc = read_request(doc, out, err);
	xmlFreeDoc(doc);
	if (rc != SV_OK) {
		memset(&out->address, 0, sizeof(out->address));
		out->schema = SV_AUTODISCOVER_SCHEMA_OTHER;
	}
	return rc;
}
