/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_XML_SAFE_H
#define SUIVANT_XML_SAFE_H

#include <stddef.h>

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

#endif
