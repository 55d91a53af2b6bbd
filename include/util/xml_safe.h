/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_XML_SAFE_H
#define SUIVANT_XML_SAFE_H

#include <stddef.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util/err.h"

/*
 * Parses untrusted XML (provider files, Autodiscover request bodies) into
 * a libxml2 tree: no network, no DTD loading, no entity substitution, no
 * XInclude; a DOCTYPE stops the parser before any declaration is read (so
 * no entity can be declared, let alone expanded); UTF-8 only (a UTF-16
 * BOM, a NUL byte or another declared encoding is refused); at most max
 * bytes. libxml2's errors are captured per parser context, never through
 * the global handler, so this is safe from several threads at once once
 * xmlInitParser() has run.
 *
 * On success *doc is owned by the caller (xmlFreeDoc). On failure returns
 * SV_EINVAL with one line in err and the line it concerns in *line (>= 1),
 * SV_ETOOBIG (len > max) or SV_ENOMEM.
 */
int sv_xml_parse(const char *buf, size_t len, size_t max, xmlDoc **doc,
	long *line, struct sv_err *err);

/*
 * The same parse (same checks, limits, nesting limit included, and
 * refusals; libxml2's own messages may differ) without a tree, for
 * readers that only pick a few values out of the document: libxml2 calls
 * start and end for each element (SAX2: local name, prefix, namespace
 * URI, attributes) and text for character data (text, CDATA, white
 * space, predefined entities and character references, in one or more
 * pieces). Nothing else is reported; no ID table is kept, so an xml:id
 * attribute is not checked. Each callback gets libxml2's context as its
 * first argument: sv_xml_sax_data() turns it into data. A callback may
 * not stop the parser; a reader that finds the document unusable notes
 * it in its data and decides after the parse. Returns as sv_xml_parse.
 */
struct sv_xml_sax {
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
	charactersSAXFunc text;
	void *data;
};
int sv_xml_parse_sax(const char *buf, size_t len, size_t max,
	const struct sv_xml_sax *sax, long *line, struct sv_err *err);
/* The data of the sv_xml_sax being parsed, from a callback's context. */
void *sv_xml_sax_data(void *ctx);

#endif
