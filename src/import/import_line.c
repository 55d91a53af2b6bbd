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

static bool is_server_elem(const xmlNode *n) {
	return (imp_is_elem(n, "incomingServer") && !imp_is_account_elem(n)) ||
		imp_is_elem(n, "outgoingServer");
}

/*
 * The *n-th (from 0) child of parent that is an element called name, or
 * that is() accepts when name is NULL. *n is counted down by the children
 * that match, so that a search can go on in another parent.
 */
static const xmlNode *nth_child(const xmlNode *parent, const char *name,
		bool (*is)(const xmlNode *), size_t *n) {
	for (const xmlNode *c = parent->children; c != NULL; c = c->next) {
		if ((name != NULL ? imp_is_elem(c, name) : is(c)) &&
				(*n)-- == 0) {
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
	const xmlNode *found = NULL;
	for (const xmlNode *c = root->children; c != NULL && found == NULL;
			c = c->next) {
		if (c == ep) {
			found = nth_child(ep, NULL, is_link_elem, &n);
		} else if (imp_is_elem(c, "enable") && n-- == 0) {
			found = c;
		}
	}
	return found;
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
	/* Where each field's element is: the index-th match (index is 0 for
	 * the fields that have none) among the children of emailProvider,
	 * or of clientConfig; emailProvider itself when nothing is named. */
	static const struct {
		bool in_root;
		const char *name;
		bool (*is)(const xmlNode *);
	} where[] = {
		[SV_FIELD_DISPLAY_NAME] = { false, "displayName", NULL },
		[SV_FIELD_SHORT_NAME] = { false, "displayShortName", NULL },
		[SV_FIELD_DOMAIN] = { false, "domain", NULL },
		[SV_FIELD_SERVER] = { false, NULL, is_server_elem },
		[SV_FIELD_WEBMAIL] = { true, "webMail", NULL },
		[SV_FIELD_OAUTH2] = { true, "oAuth2", NULL },
	};
	size_t at = p->index;
	const xmlNode *n = ep;
	if (p->field == SV_FIELD_LINK) {
		n = nth_link(root, ep, at);
	} else if (p->field == SV_FIELD_SERVICE) {
		/* URL-based accounts first (emailProvider is read first),
		 * then the root-level sections */
		n = nth_child(ep, NULL, imp_is_account_elem, &at);
		if (n == NULL) {
			n = nth_child(root, NULL, imp_is_service_elem, &at);
		}
	} else if ((size_t)p->field < sizeof(where) / sizeof(where[0]) &&
			(where[p->field].name != NULL ||
			where[p->field].is != NULL)) {
		n = nth_child(where[p->field].in_root ? root : ep,
			where[p->field].name, where[p->field].is, &at);
	}
	return n != NULL ? imp_line_of(n) : 0;
}
