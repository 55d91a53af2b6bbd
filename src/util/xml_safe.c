/* SPDX-License-Identifier: MIT */
/*
 * Safe parsing of untrusted XML. libxml2 is told not to touch the network
 * or load DTDs and not to substitute entities; on top of that a DOCTYPE
 * stops the parser in its internalSubset callback, before a single
 * declaration is read, so entity expansion attacks (billion laughs, XXE)
 * have nothing to work with. Errors go to a structured handler on this
 * parser context only: the global handlers are shared by every thread.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include "util/xml_safe.h"

/* libxml2 2.12 made the error passed to structured handlers const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_ptr;
#else
typedef xmlError *xml_error_ptr;
#endif

/* Parser-side state, reached from libxml2 callbacks via ctxt->_private. */
struct parse_state {
	const struct sv_xml_sax *sax; /* NULL when building a tree */
	unsigned depth;    /* elements open (without a tree) */
	long doctype_line; /* > 0 once a DOCTYPE was seen */
	bool has_error;    /* first libxml2 error recorded below */
	bool oom;          /* that error was an allocation failure */
	long error_line;
	char error_msg[160];
};

static bool is_xml_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void on_xml_error(void *data, xml_error_ptr e) {
	xmlParserCtxtPtr ctxt = data;
	struct parse_state *ps = ctxt->_private;
	if (ps == NULL || ps->has_error || e == NULL ||
			e->level < XML_ERR_ERROR) {
		return;
	}
	ps->has_error = true;
	ps->oom = e->code == XML_ERR_NO_MEMORY;
	ps->error_line = e->line > 0 ? e->line : 1;
	/* libxml2 messages end in '\n' and may add a second line: keep one */
	const char *m = e->message != NULL ? e->message : "XML error";
	size_t n = strcspn(m, "\r\n");
	while (n > 0 && is_xml_space(m[n - 1])) {
		n--;
	}
	if (n >= sizeof(ps->error_msg)) {
		n = sizeof(ps->error_msg) - 1;
	}
	memcpy(ps->error_msg, m, n);
	ps->error_msg[n] = '\0';
}

/*
 * SAX internalSubset: called on "<!DOCTYPE name ids" before the internal
 * subset's declarations are parsed. Stopping here means no entity is ever
 * declared, let alone expanded.
 */
static void on_doctype(void *data, const xmlChar *name,
		const xmlChar *external_id, const xmlChar *system_id) {
	xmlParserCtxtPtr ctxt = data;
	struct parse_state *ps = ctxt->_private;
	(void)name;
	(void)external_id;
	(void)system_id;
	if (ps != NULL && ps->doctype_line == 0) {
		int line = xmlSAX2GetLineNumber(ctxt);
		ps->doctype_line = line > 0 ? line : 1;
	}
	xmlStopParser(ctxt);
}

/*
 * Without a tree, elements go through these two: the push parser does not
 * enforce libxml2's nesting limit (xmlParserMaxDepth: an element under
 * more than 256 others, without XML_PARSE_HUGE) as the memory reader
 * does, so this does, with the same fatal error.
 */
#define MAX_DEPTH 256

static void on_start(void *data, const xmlChar *local, const xmlChar *prefix,
		const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
	xmlParserCtxtPtr ctxt = data;
	struct parse_state *ps = ctxt->_private;
	if (ps->depth++ > MAX_DEPTH) {
		if (!ps->has_error) {
			ps->has_error = true;
			int line = xmlSAX2GetLineNumber(ctxt);
			ps->error_line = line > 0 ? line : 1;
			snprintf(ps->error_msg, sizeof(ps->error_msg),
				"Excessive depth in document: %d use "
				"XML_PARSE_HUGE option", MAX_DEPTH);
		}
		xmlStopParser(ctxt);
		return;
	}
	if (ps->sax->start != NULL) {
		ps->sax->start(data, local, prefix, uri, nb_namespaces,
			namespaces, nb_attributes, nb_defaulted, attributes);
	}
}

static void on_end(void *data, const xmlChar *local, const xmlChar *prefix,
		const xmlChar *uri) {
	xmlParserCtxtPtr ctxt = data;
	struct parse_state *ps = ctxt->_private;
	ps->depth--;
	if (ps->sax->end != NULL) {
		ps->sax->end(data, local, prefix, uri);
	}
}

static bool is_utf8_name(const xmlChar *enc) {
	static const char *const names[] = { "UTF-8", "UTF8" };
	for (size_t k = 0; k < 2; k++) {
		size_t i = 0;
		for (; names[k][i] != '\0' && enc[i] != '\0'; i++) {
			char c = (char)enc[i];
			if (c >= 'a' && c <= 'z') {
				c = (char)(c - 'a' + 'A');
			}
			if (c != names[k][i]) {
				break;
			}
		}
		if (names[k][i] == '\0' && enc[i] == '\0') {
			return true;
		}
	}
	return false;
}

static int fail(long *line, long at, struct sv_err *err, const char *msg) {
	*line = at;
	return sv_errf(err, SV_EINVAL, "%s", msg);
}

/* Byte-level checks libxml2 would do less plainly, or not at all. */
static int check_bytes(const char *buf, size_t len, long *line,
		struct sv_err *err) {
	if (len == 0) {
		return fail(line, 1, err, "empty document");
	}
	const unsigned char *u = (const unsigned char *)buf;
	if (len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) ||
			(u[0] == 0xff && u[1] == 0xfe))) {
		return fail(line, 1, err,
			"UTF-16 byte order mark: the document must be UTF-8");
	}
	const char *nul = memchr(buf, '\0', len);
	if (nul != NULL) {
		long at = 1;
		for (const char *p = buf; p < nul; p++) {
			at += *p == '\n';
		}
		return fail(line, at, err, "NUL byte in the document");
	}
	/*
	 * After an optional UTF-8 BOM the document starts with '<' or white
	 * space; this also keeps libxml2 from guessing UCS-4 or EBCDIC.
	 */
	size_t i = len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ?
		3 : 0;
	if (i < len && u[i] != '<' && !is_xml_space((char)u[i])) {
		return fail(line, 1, err,
			"not a UTF-8 XML document (it must start with '<')");
	}
	return SV_OK;
}

/*
 * The declared encoding, as xmlSAX2EndDocument would give it to a tree:
 * the context's (UTF-8 or UTF-16 declared), else the first input's (any
 * other one, which libxml2 switched to).
 */
static const xmlChar *declared_encoding(xmlParserCtxtPtr ctxt,
		const xmlDoc *d) {
	if (d != NULL) {
		return d->encoding;
	}
	if (ctxt->encoding != NULL) {
		return ctxt->encoding;
	}
	if (ctxt->inputNr > 0 && ctxt->inputTab[0] != NULL) {
		return ctxt->inputTab[0]->encoding;
	}
	return NULL;
}

/*
 * The one parse behind sv_xml_parse and sv_xml_parse_sax: with sax NULL
 * libxml2's tree builder, otherwise only sax's callbacks (no tree, no
 * ID table). Either way the same checks, options, DOCTYPE stop and
 * error capture.
 */
static int parse(const char *buf, size_t len, size_t max,
		const struct sv_xml_sax *sax, xmlDoc **doc, long *line,
		struct sv_err *err) {
	*line = 1;
	if (len > max || len > (size_t)0x7fffffff) {
		return sv_errf(err, SV_ETOOBIG, "document of %zu bytes, over "
			"the limit of %zu", len, max);
	}
	int rc = check_bytes(buf, len, line, err);
	if (rc != SV_OK) {
		return rc;
	}
	/*
	 * Without a tree, libxml2's push parser: given the whole document
	 * at once it parses it in one go, while the memory reader asks its
	 * input to grow before nearly every token of a small document
	 * (about a quarter of an Autodiscover request's parse, issue #22).
	 */
	xmlParserCtxtPtr ctxt = sax != NULL ?
		xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL) :
		xmlNewParserCtxt();
	if (ctxt == NULL || ctxt->sax == NULL) {
		xmlFreeParserCtxt(ctxt);
		return sv_errf(err, SV_ENOMEM, "out of memory");
	}
	struct parse_state ps = { .sax = sax };
	ctxt->_private = &ps;
	if (sax != NULL) {
		/* nothing of SAX2's tree builder is left */
		memset(ctxt->sax, 0, sizeof(*ctxt->sax));
		ctxt->sax->initialized = XML_SAX2_MAGIC;
		ctxt->sax->startElementNs = on_start;
		ctxt->sax->endElementNs = on_end;
		ctxt->sax->characters = sax->text;
		ctxt->sax->ignorableWhitespace = sax->text;
		ctxt->sax->cdataBlock = sax->text;
	}
	ctxt->sax->serror = on_xml_error; /* this context only */
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = NULL;
	/*
	 * Not NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE. NOERROR
	 * and NOWARNING silence the unstructured channels; BIG_LINES keeps
	 * line numbers past 65535 right.
	 */
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR |
		XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
	xmlDoc *d = NULL;
	if (sax != NULL) {
		/* nonzero only for options libxml2 does not know */
		if (xmlCtxtUseOptions(ctxt, options) == 0) {
			xmlParseChunk(ctxt, buf, (int)len, 1);
		} else {
			ps.has_error = true;
			ps.error_line = 1;
			snprintf(ps.error_msg, sizeof(ps.error_msg),
				"libxml2 refused the parser options");
		}
	} else {
		d = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
			options);
	}
	const xmlChar *enc = NULL;
	if (ps.doctype_line > 0 || (d != NULL && (d->intSubset != NULL ||
			d->extSubset != NULL))) {
		rc = fail(line, ps.doctype_line > 0 ? ps.doctype_line : 1, err,
			"DOCTYPE is not allowed (no DTD, no entity "
			"declarations)");
	} else if (ps.has_error && ps.oom) {
		rc = sv_errf(err, SV_ENOMEM, "out of memory");
	} else if (ps.has_error) {
		rc = fail(line, ps.error_line, err, ps.error_msg);
	} else if ((sax == NULL && d == NULL) || !ctxt->wellFormed) {
		rc = fail(line, 1, err, "not well-formed XML");
	} else if ((enc = declared_encoding(ctxt, d)) != NULL &&
			!is_utf8_name(enc)) {
		*line = 1;
		rc = sv_errf(err, SV_EINVAL, "encoding '%.40s' is not UTF-8",
			(const char *)enc);
	}
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	if (rc != SV_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	if (doc != NULL) {
		*doc = d;
	}
	return SV_OK;
}

int sv_xml_parse(const char *buf, size_t len, size_t max, xmlDoc **doc,
		long *line, struct sv_err *err) {
	*doc = NULL;
	return parse(buf, len, max, NULL, doc, line, err);
}

int sv_xml_parse_sax(const char *buf, size_t len, size_t max,
		const struct sv_xml_sax *sax, long *line, struct sv_err *err) {
	return parse(buf, len, max, sax, NULL, line, err);
}

void *sv_xml_sax_data(void *ctx) {
	const xmlParserCtxt *ctxt = ctx;
	const struct parse_state *ps = ctxt->_private;
	return ps->sax->data;
}
