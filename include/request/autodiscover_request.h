/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_AUTODISCOVER_REQUEST_H
#define SUIVANT_AUTODISCOVER_REQUEST_H

#include <stddef.h>

#include "request/address.h"
#include "request/autodiscover_ns.h"
#include "util/err.h"

/*
 * Microsoft Autodiscover v1 ("POX") request bodies (PROTOCOLS.md 3.2):
 *
 *   <Autodiscover xmlns=".../outlook/requestschema/2006">
 *     <Request>
 *       <EMailAddress>jean@example.fr</EMailAddress>
 *       <AcceptableResponseSchema>.../outlook/responseschema/2006a
 *       </AcceptableResponseSchema>
 *     </Request>
 *   </Autodiscover>
 *
 * Namespaces are compared exactly (autodiscover_ns.h).
 */

/* Largest request body read (bytes); larger is SV_ETOOBIG (HTTP 413). */
#define SV_AUTODISCOVER_MAX_REQUEST (16 * 1024)
/* Longest text of a request element, surrounding white space included. */
#define SV_AUTODISCOVER_MAX_TEXT 1024

/* What the request's AcceptableResponseSchema asks for. */
enum sv_autodiscover_schema {
	SV_AUTODISCOVER_SCHEMA_OUTLOOK,    /* 2006a, or the older 2006 */
	SV_AUTODISCOVER_SCHEMA_MOBILESYNC, /* ActiveSync */
	SV_AUTODISCOVER_SCHEMA_OTHER,      /* anything else: error 601 */
};

struct sv_autodiscover_request {
	enum sv_autodiscover_schema schema;
	struct sv_address address; /* parsed by sv_address_parse */
};

/*
 * Parses an untrusted request body of len bytes (need not be NUL-
 * terminated) with sv_xml_parse_sax (no DTD, no entities, no network, UTF-8
 * only, at most SV_AUTODISCOVER_MAX_REQUEST bytes). Elements are matched
 * by namespace and local name, so prefixes are fine; a UTF-8 BOM is fine.
 * The root is Autodiscover in one of the two request namespaces; exactly
 * one Request child in that namespace, holding exactly one EMailAddress
 * and exactly one AcceptableResponseSchema (other children, such as the
 * Exchange LegacyDN, are ignored). Element text is the concatenation of
 * its text and CDATA children (comments and processing instructions are
 * skipped, a child element is an error), with XML white space trimmed at
 * both ends.
 *
 * Returns SV_OK with *out filled (an unknown schema is SV_OK with
 * SV_AUTODISCOVER_SCHEMA_OTHER: the request is valid, the answer is error
 * 601); SV_EINVAL for anything malformed or missing (error 600);
 * SV_ETOOBIG when len is over the cap; SV_ENOMEM. err (may be NULL) gets a
 * short reason that never quotes the body. Thread-safe once
 * xmlInitParser() has run.
 */
int sv_autodiscover_request_parse(const char *body, size_t len,
	struct sv_autodiscover_request *out, struct sv_err *err);

#endif
