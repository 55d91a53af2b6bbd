/* SPDX-License-Identifier: MIT */
/*
 * Mozilla provider files (config-v1.1.xml) into the model.
 *
 * The bytes are checked first (size cap, no NUL, no UTF-16/32 or EBCDIC
 * opening), then parsed by libxml2 into a tree with a parser context of our
 * own: no network, no DTD loading, no entity substitution. A DOCTYPE stops
 * the parser from its SAX callback before any declaration of the internal
 * subset is read, so entity expansion attacks never start. Errors arrive
 * through the context's structured error callback (never the process-wide
 * one) and only the first is kept, as "name:line: message".
 *
 * The tree is then mapped element by element onto a struct sv_provider.
 * Elements are matched by local name and only when they have no namespace;
 * anything else is ignored (the format's must-ignore rule). What we do
 * understand is taken strictly: an unknown server type, socket type,
 * authentication method or boolean, a bad port, a missing required child,
 * a duplicated single-valued child are errors naming the line, because
 * skipping them would lose data silently. Finally sv_provider_problem
 * checks what the model requires, and the problem's field and index lead
 * back to the element's line (import_line.c).
 *
 * This file holds the entry points and the document and <emailProvider>
 * levels; import_value.c reads texts and values, import_server.c maps the
 * server sections, import_extras.c the links, <webMail> and <oAuth2>, and
 * import_common.c holds what they all use (messages, tree access), so
 * that no file of the importer calls back into one that calls it.
 *
 * With the repair option (import_mozilla.h lists the cases) a few typos
 * whose fix is unambiguous are fixed where they are read, each reported
 * through the caller's callback with the element's line; everything else
 * stays as strict as without it. The fixes live in import_repair.c,
 * and import_line.c finds the line a model validator problem is about;
 * import_internal.h is what these files share.
 *
 * Ownership: the provider under construction is owned by struct imp until
 * it is handed to the caller; strings are copied out of the libxml2 tree
 * with alloc.h, so the tree is freed before returning on every path. No
 * global mutable state: several threads may import at once, provided
 * xmlInitParser() ran first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "import/import_internal.h"
#include "import/import_mozilla.h"
#include "model/placeholder.h"
#include "util/alloc.h"
#include "util/xml_safe.h"

static const struct sv_import_options no_options = { .repair = false };

/* ------------------------------------------------------------------ */
/* Provider and document */

static int map_domain(struct imp *im, const xmlNode *n) {
	char *d = NULL;
	int rc = imp_text_of(im, n, &d);
	if (rc != SV_OK) {
		return rc;
	}
	char q[IMP_QUOTE_MAX + 4];
	if (imp_repair_case(im, n, d, "domain", sv_is_domain_pattern) !=
			SV_OK) {
		sv_free(d);
		return SV_ENOMEM;
	}
	if (im->opt->repair && sv_provider_has_domain(im->pv, d)) {
		imp_repaired(im, imp_line_of(n), "domain listed twice: '%s' -> "
			"dropped", imp_quote(d, q));
		sv_free(d);
		return SV_OK;
	}
	if (!sv_is_domain_pattern(d)) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL, "domain: '%s' is "
			"not a lower-case domain name%s", imp_quote(d, q),
			sv_name_numeric_tld_note(d, true));
	} else if (sv_provider_add_domain(im->pv, d) != SV_OK) {
		rc = imp_oom(im);
	}
	sv_free(d);
	return rc;
}

/* An element of suivant's own namespace (import_mozilla.h). */
static bool is_suivant_elem(const xmlNode *n, const char *name) {
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		n->ns->href != NULL && strcmp((const char *)n->ns->href,
			SV_MOZILLA_SUIVANT_NS) == 0 &&
		strcmp((const char *)n->name, name) == 0;
}

static int map_provider(struct imp *im, const xmlNode *ep) {
	struct sv_provider *pv = im->pv;
	enum sv_tristate plaintext = SV_UNSET;
	long short_line = imp_line_of(ep);
	const xmlNode *typo = NULL; /* <displayNameShort>, with repair */
	int rc = imp_attr_of(im, ep, "id", true, &pv->id);
	if (rc != SV_OK) {
		return rc;
	}
	rc = imp_repair_case(im, ep, pv->id, "emailProvider id",
		sv_is_domain_name);
	if (rc != SV_OK) {
		return rc;
	}
	if (!sv_is_domain_name(pv->id)) {
		char q[IMP_QUOTE_MAX + 4];
		return imp_fail(im, imp_line_of(ep), SV_EINVAL,
			"emailProvider id '%s' is not a lower-case host name%s",
			imp_quote(pv->id, q),
			sv_name_numeric_tld_note(pv->id, true));
	}
	for (const xmlNode *c = ep->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "domain")) {
			rc = map_domain(im, c);
		} else if (imp_is_elem(c, "displayName")) {
			rc = imp_scalar(im, c, &pv->display_name);
		} else if (imp_is_elem(c, "displayShortName")) {
			rc = imp_scalar(im, c, &pv->short_name);
			short_line = imp_line_of(c);
		} else if (imp_is_elem(c, "displayNameShort") &&
				im->opt->repair && typo == NULL) {
			typo = c;
		} else if (imp_is_account_elem(c)) {
			rc = imp_map_account(im, c);
		} else if (imp_is_elem(c, "incomingServer")) {
			rc = imp_map_server(im, c, false);
		} else if (imp_is_elem(c, "outgoingServer")) {
			rc = imp_map_server(im, c, true);
		} else if (imp_is_elem(c, "documentation")) {
			rc = imp_map_link(im, c, SV_LINK_DOCUMENTATION, "url",
				"descr");
		} else if (imp_is_elem(c, "enable")) {
			rc = imp_map_link(im, c, SV_LINK_ENABLE, "visiturl",
				"instruction");
		} else if (imp_is_elem(c, "instruction")) {
			rc = imp_map_link(im, c, SV_LINK_INSTRUCTION, "url",
				"descr");
		} else if (is_suivant_elem(c, SV_MOZILLA_PUBLISH_PLAINTEXT)) {
			rc = imp_parse_bool(im, c, &plaintext);
		}
	}
	pv->publish_plaintext = plaintext == SV_TRUE;
	if (rc == SV_OK && pv->n_domains == 0) {
		rc = imp_fail(im, imp_line_of(ep), SV_EINVAL,
			"<emailProvider> has no <domain>");
	}
	if (rc == SV_OK && typo != NULL && pv->short_name == NULL) {
		rc = imp_text_of(im, typo, &pv->short_name);
		short_line = imp_line_of(typo);
		if (rc == SV_OK) {
			imp_repaired(im, short_line, "<displayNameShort> "
				"(a typo) -> <displayShortName>");
		}
	}
	if (rc == SV_OK) {
		imp_repair_short_name(im, short_line);
	}
	return rc;
}

static int map_document(struct imp *im, const xmlDoc *doc) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root == NULL) {
		return imp_fail(im, 1, SV_EINVAL, "no root element");
	}
	if (!imp_is_elem(root, "clientConfig")) {
		if (root->ns != NULL && root->ns->href != NULL) {
			char q[IMP_QUOTE_MAX + 4];
			return imp_fail(im, imp_line_of(root), SV_EINVAL,
				"root element is %s in namespace '%s', "
				"expected clientConfig without namespace",
				imp_elem_name(root),
				imp_quote((const char *)root->ns->href, q));
		}
		return imp_fail(im, imp_line_of(root), SV_EINVAL,
			"root element is %s, expected clientConfig",
			imp_elem_name(root));
	}
	long provider_line = 0;
	bool webmail = false, oauth2 = false;
	int rc = SV_OK;
	for (const xmlNode *c = root->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "emailProvider")) {
			if (provider_line != 0) {
				return imp_fail(im, imp_line_of(c), SV_EINVAL,
					"second <emailProvider> (the first "
					"is at line %ld)", provider_line);
			}
			provider_line = imp_line_of(c) > 0 ? imp_line_of(c) : 1;
			rc = map_provider(im, c);
		} else if (imp_is_elem(c, "enable")) {
			/* misplaced by some ISPDB files; kept */
			rc = imp_map_link(im, c, SV_LINK_ENABLE, "visiturl",
				"instruction");
		} else if (imp_is_service_elem(c)) {
			rc = imp_map_service(im, c);
		} else if (imp_is_elem(c, "webMail")) {
			rc = imp_map_webmail(im, c, &webmail);
		} else if (imp_is_elem(c, "oAuth2")) {
			rc = imp_map_oauth2(im, c, &oauth2);
		}
	}
	if (rc == SV_OK && provider_line == 0) {
		rc = imp_fail(im, imp_line_of(root), SV_EINVAL,
			"<clientConfig> has no <emailProvider>");
	}
	return rc;
}

/* Parses buf into *doc (owned, xmlFreeDoc) or reports why not. */
static int parse(const struct imp *im, const char *buf, size_t len,
		xmlDoc **doc) {
	struct sv_err e = { .msg = "" };
	long line = 1;
	int rc = sv_xml_parse(buf, len, SV_IMPORT_MAX_FILE, doc, &line, &e);
	if (rc == SV_ENOMEM) {
		return imp_oom(im);
	}
	if (rc == SV_ETOOBIG) {
		return sv_errf(im->err, rc, "%s: %zu bytes, over the import "
			"limit of %d bytes", im->name, len, SV_IMPORT_MAX_FILE);
	}
	if (rc != SV_OK) {
		return imp_fail(im, line, rc, "%s", e.msg);
	}
	return SV_OK;
}

int sv_import_mozilla_memory(const char *buf, size_t len, const char *name,
		struct sv_provider **out, struct sv_err *err) {
	return sv_import_mozilla_memory_ex(buf, len, name, NULL, out, err);
}

int sv_import_mozilla_memory_ex(const char *buf, size_t len,
		const char *name, const struct sv_import_options *opt,
		struct sv_provider **out, struct sv_err *err) {
	struct imp im = {
		.name = name != NULL ? name : "<memory>",
		.err = err,
		.opt = opt != NULL ? opt : &no_options,
	};
	xmlDoc *doc;
	int rc = parse(&im, buf, len, &doc);
	if (rc != SV_OK) {
		return rc;
	}
	im.pv = sv_provider_create();
	if (im.pv == NULL) {
		rc = imp_oom(&im);
	} else {
		rc = map_document(&im, doc);
	}
	if (rc == SV_OK) {
		struct sv_problem p;
		rc = sv_provider_problem(im.pv, &p);
		long line = rc != SV_OK ? imp_validator_line(doc, &p) : 0;
		if (rc == SV_ENOMEM) {
			imp_oom(&im);
		} else if (rc != SV_OK && line > 0) {
			imp_fail(&im, line, rc, "%s", p.err.msg);
		} else if (rc != SV_OK) {
			sv_errf(err, rc, "%s: %s", im.name, p.err.msg);
		}
	}
	xmlFreeDoc(doc);
	if (rc != SV_OK) {
		sv_provider_destroy(im.pv);
		return rc;
	}
	*out = im.pv;
	return SV_OK;
}

int sv_import_mozilla_file(const char *path, struct sv_provider **out,
		struct sv_err *err) {
	return sv_import_mozilla_file_ex(path, NULL, out, err);
}

int sv_import_mozilla_file_ex(const char *path,
		const struct sv_import_options *opt, struct sv_provider **out,
		struct sv_err *err) {
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		return sv_errf(err, e == ENOENT ? SV_ENOTFOUND : SV_EIO,
			"%s: %s", path, strerror(e));
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = SV_OK;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = sv_errf(err, SV_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = sv_errf(err, SV_EINVAL, "%s: not a regular file", path);
		goto done;
	}
	if (st.st_size > SV_IMPORT_MAX_FILE) {
		rc = sv_errf(err, SV_ETOOBIG, "%s: %lld bytes, over the "
			"import limit of %d bytes", path,
			(long long)st.st_size, SV_IMPORT_MAX_FILE);
		goto done;
	}
	/* one byte more than announced, to notice a file that grew */
	size_t cap = (size_t)st.st_size + 1;
	if ((buf = sv_malloc(cap)) == NULL) {
		rc = sv_errf(err, SV_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = sv_errf(err, SV_EIO, "%s: %s", path,
				strerror(errno));
			goto done;
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
	}
	if (len == cap) {
		rc = sv_errf(err, SV_EIO, "%s: file changed while being read",
			path);
		goto done;
	}
	rc = sv_import_mozilla_memory_ex(buf, len, path, opt, out, err);
done:
	sv_free(buf);
	close(fd);
	return rc;
}
