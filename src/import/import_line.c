/* SPDX-License-Identifier: MIT */
/*
 * Finding again, in the parsed tree, the element that a model validator
 * problem is about (its field and index: sv_provider_problem), so that an
 * import error names its line even when the problem is only found after
 * the mapping.
 */
#include <stdbool.h>
#include <stddef.h>

#include "import/import_internal.h"

/* The children of emailProvider that map_provider turns into links. */
static bool is_link_elem(const xmlNode *n) {
	return imp_is_elem(n, "documentation") || imp_is_elem(n, "enable") ||
		imp_is_elem(n, "instruction");
}

/* The n-th (from 0) child of parent that is an element called name, or
 * with name NULL a server section. */
static const xmlNode *nth_child(const xmlNode *parent, const char *name,
		size_t n) {
	for (const xmlNode *c = parent->children; c != NULL; c = c->next) {
		bool match = name != NULL ? imp_is_elem(c, name) :
			imp_is_elem(c, "incomingServer") ||
			imp_is_elem(c, "outgoingServer");
		if (match && n-- == 0) {
			return c;
		}
	}
	return NULL;
}

/*
 * The n-th (from 0) link: map_document reads them in document order from
 * emailProvider and from <enable> elements misplaced under clientConfig.
 */
static const xmlNode *nth_link(const xmlNode *root, const xmlNode *ep,
		size_t n) {
	for (const xmlNode *c = root->children; c != NULL; c = c->next) {
		if (c == ep) {
			for (const xmlNode *l = ep->children; l != NULL;
					l = l->next) {
				if (is_link_elem(l) && n-- == 0) {
					return l;
				}
			}
		} else if (imp_is_elem(c, "enable") && n-- == 0) {
			return c;
		}
	}
	return NULL;
}

/*
 * The line of the element problem p is about, found again in the tree.
 * Indexes are model order, which is document order here because every
 * such element added exactly one entry. 0 when the element cannot be
 * found; the caller then prints no line.
 */
long imp_validator_line(const xmlDoc *doc, const struct sv_problem *p) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	const xmlNode *ep = root != NULL ? root->children : NULL;
	while (ep != NULL && !imp_is_elem(ep, "emailProvider")) {
		ep = ep->next;
	}
	if (ep == NULL) {
		return 0;
	}
	const xmlNode *n = NULL;
	switch (p->field) {
	case SV_FIELD_PROVIDER:
	case SV_FIELD_ID:
	case SV_FIELD_DOMAINS:
	case SV_FIELD_SERVERS:
		n = ep;
		break;
	case SV_FIELD_DISPLAY_NAME:
		n = nth_child(ep, "displayName", 0);
		break;
	case SV_FIELD_SHORT_NAME:
		n = nth_child(ep, "displayShortName", 0);
		break;
	case SV_FIELD_DOMAIN:
		n = nth_child(ep, "domain", p->index);
		break;
	case SV_FIELD_SERVER:
		n = nth_child(ep, NULL, p->index);
		break;
	case SV_FIELD_LINK:
		n = nth_link(root, ep, p->index);
		break;
	case SV_FIELD_WEBMAIL:
		n = nth_child(root, "webMail", 0);
		break;
	case SV_FIELD_OAUTH2:
		n = nth_child(root, "oAuth2", 0);
		break;
	}
	return n != NULL ? imp_line_of(n) : 0;
}
