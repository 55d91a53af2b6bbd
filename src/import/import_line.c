/* SPDX-License-Identifier: MIT */
/*
 * Finding again, in the parsed tree, the element that a model validator
 * message is about, so that an import error names its line even when the
 * problem is only found after the mapping (sv_provider_validate).
 */
#include <stdbool.h>
#include <string.h>

#include "import/import_internal.h"

/* The children of emailProvider that map_provider turns into links. */
static bool is_link_elem(const xmlNode *n) {
	return imp_is_elem(n, "documentation") || imp_is_elem(n, "enable") ||
		imp_is_elem(n, "instruction");
}

/*
 * The line of the element a validator message is about, found again in the
 * tree. sv_provider_validate names the field first ("server 2 (smtp): ...",
 * "domain 3: ...", "link 1 (enable): ...", "webmail: ...", "id: ..."),
 * counting from 1 in model order, which is document order here because
 * every such element above added exactly one entry. 0 when the message
 * names nothing we can find; the caller then prints no line.
 */
long imp_validator_line(const xmlDoc *doc, const char *msg) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	const xmlNode *ep = root != NULL ? root->children : NULL;
	while (ep != NULL && !imp_is_elem(ep, "emailProvider")) {
		ep = ep->next;
	}
	if (ep == NULL) {
		return 0;
	}
	static const struct {
		const char *prefix; /* of the message */
		const char *elem;   /* a child of emailProvider, or NULL */
		bool indexed;       /* a number follows the prefix */
	} fields[] = {
		{ "id:", NULL, false },
		{ "display_name:", "displayName", false },
		{ "short_name:", "displayShortName", false },
		{ "domains:", NULL, false },
		{ "servers:", NULL, false },
		{ "domain ", "domain", true },
		{ "server ", "*server", true },
		{ "link ", "*link", true },
		{ "webmail:", "*webMail", false },
		{ "oauth2:", "*oAuth2", false },
	};
	size_t f = 0;
	size_t nf = sizeof(fields) / sizeof(fields[0]);
	while (f < nf && strncmp(msg, fields[f].prefix,
			strlen(fields[f].prefix)) != 0) {
		f++;
	}
	if (f == nf) {
		return 0;
	}
	const char *elem = fields[f].elem;
	if (elem == NULL) {
		return imp_line_of(ep);
	}
	size_t want = 1;
	if (fields[f].indexed) {
		const char *p = msg + strlen(fields[f].prefix);
		want = 0;
		for (; *p >= '0' && *p <= '9' && want < 100000; p++) {
			want = want * 10 + (size_t)(*p - '0');
		}
		if (want == 0) {
			return 0;
		}
	}
	size_t seen = 0;
	if (strcmp(elem, "*webMail") == 0 || strcmp(elem, "*oAuth2") == 0) {
		for (const xmlNode *c = root->children; c != NULL;
				c = c->next) {
			if (imp_is_elem(c, elem + 1)) {
				return imp_line_of(c);
			}
		}
		return 0;
	}
	if (strcmp(elem, "*link") == 0) {
		/* links: in emailProvider, and <enable> under clientConfig */
		for (const xmlNode *c = root->children; c != NULL;
				c = c->next) {
			if (c == ep) {
				for (const xmlNode *l = ep->children; l != NULL;
						l = l->next) {
					if (is_link_elem(l) &&
							++seen == want) {
						return imp_line_of(l);
					}
				}
			} else if (imp_is_elem(c, "enable") && ++seen == want) {
				return imp_line_of(c);
			}
		}
		return 0;
	}
	for (const xmlNode *c = ep->children; c != NULL; c = c->next) {
		bool match = strcmp(elem, "*server") == 0 ?
			imp_is_elem(c, "incomingServer") ||
			imp_is_elem(c, "outgoingServer") : imp_is_elem(c, elem);
		if (match && ++seen == want) {
			return imp_line_of(c);
		}
	}
	return 0;
}

