/* SPDX-License-Identifier: MIT */
/*
 * suivant provider add|set|rm|list|show: providers and their extras
 * (documentation and enable-instruction links with their texts, webmail,
 * OAuth2). Options that edit a provider are recorded in argv order and
 * applied in that order to the model (the new provider for `add`, the
 * stored one, read in the same transaction, for `set`), so that
 * "--clear-doc --doc URL --doc-text en:TEXT" means what it says; the
 * store then validates the result with the shared validator and writes
 * it, all in one transaction.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_provider_show.h"
#include "cli/cli_write.h"
#include "http/config.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

static const char usage[] =
	"usage: suivant provider add|set|rm|list|show [--db FILE] [--json] ...\n"
	"\n"
	"  suivant provider add ID --name NAME [--short-name S] [EXTRAS]\n"
	"  suivant provider set ID [--name NAME] [--short-name S] [EXTRAS]\n"
	"  suivant provider rm ID\n"
	"  suivant provider list\n"
	"  suivant provider show ID\n"
	"\n"
	"ID is the provider's host-name form (example.net); `rm` also removes\n"
	"its domains and servers. A provider is served once it has a domain\n"
	"(suivant domain add), an imap or pop3 server and an smtp server\n"
	"(suivant server add); `list` and `show` tell why one is not.\n"
	"\n"
	"  --name NAME            display name (1..60 characters)\n"
	"  --short-name S         short display name (1..20 characters)\n"
	"  --clear-short-name     remove it\n"
	"EXTRAS, applied in the order given:\n"
	"  --doc URL              a documentation page (kept if already there)\n"
	"  --doc-text LANG:TEXT   its description in LANG (en:Setup guide;\n"
	"                         :TEXT for no language), for the --doc just\n"
	"                         given or the provider's only one; replaces\n"
	"                         the text in the same language\n"
	"  --clear-doc            remove every documentation page\n"
	"  --enable URL           where users enable IMAP/POP/SMTP access\n"
	"  --enable-text LANG:TEXT  its instructions, as --doc-text\n"
	"  --clear-enable         remove every enable page\n"
	"  --webmail URL          the webmail login page\n"
	"  --webmail-username TEMPLATE  its login (e.g. %EMAILADDRESS%)\n"
	"  --clear-webmail        remove the webmail details\n"
	"  --oauth2-issuer HOST   OAuth2 issuer (required for the others)\n"
	"  --oauth2-scope SCOPES  space-separated scopes\n"
	"  --oauth2-auth-url URL  authorization endpoint\n"
	"  --oauth2-token-url URL token endpoint\n"
	"  --clear-oauth2         remove the OAuth2 details\n"
	"  --publish-plaintext    list plain (no TLS) servers even beside\n"
	"                         TLS servers of the same type\n"
	"  --no-publish-plaintext leave them out (the default: no client\n"
	"                         is offered a downgrade)\n"
	"Common:\n"
	SV_CLI_USAGE_OPTIONS("             ")
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 invalid value or id taken, 66\n"
	"no such database or provider, 75 database busy.\n";

enum {
	OPT_NAME = 256, OPT_SHORT, OPT_CLEAR_SHORT, OPT_DOC, OPT_DOC_TEXT,
	OPT_CLEAR_DOC, OPT_ENABLE, OPT_ENABLE_TEXT, OPT_CLEAR_ENABLE,
	OPT_WEBMAIL, OPT_WEBMAIL_USER, OPT_CLEAR_WEBMAIL, OPT_OAUTH_ISSUER,
	OPT_OAUTH_SCOPE, OPT_OAUTH_AUTH, OPT_OAUTH_TOKEN, OPT_CLEAR_OAUTH,
	OPT_PLAINTEXT, OPT_NO_PLAINTEXT,
};

static const struct option edit_options[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "short-name", required_argument, NULL, OPT_SHORT },
	{ "clear-short-name", no_argument, NULL, OPT_CLEAR_SHORT },
	{ "doc", required_argument, NULL, OPT_DOC },
	{ "doc-text", required_argument, NULL, OPT_DOC_TEXT },
	{ "clear-doc", no_argument, NULL, OPT_CLEAR_DOC },
	{ "enable", required_argument, NULL, OPT_ENABLE },
	{ "enable-text", required_argument, NULL, OPT_ENABLE_TEXT },
	{ "clear-enable", no_argument, NULL, OPT_CLEAR_ENABLE },
	{ "webmail", required_argument, NULL, OPT_WEBMAIL },
	{ "webmail-username", required_argument, NULL, OPT_WEBMAIL_USER },
	{ "clear-webmail", no_argument, NULL, OPT_CLEAR_WEBMAIL },
	{ "oauth2-issuer", required_argument, NULL, OPT_OAUTH_ISSUER },
	{ "oauth2-scope", required_argument, NULL, OPT_OAUTH_SCOPE },
	{ "oauth2-auth-url", required_argument, NULL, OPT_OAUTH_AUTH },
	{ "oauth2-token-url", required_argument, NULL, OPT_OAUTH_TOKEN },
	{ "clear-oauth2", no_argument, NULL, OPT_CLEAR_OAUTH },
	{ "publish-plaintext", no_argument, NULL, OPT_PLAINTEXT },
	{ "no-publish-plaintext", no_argument, NULL, OPT_NO_PLAINTEXT },
	{ NULL, 0, NULL, 0 },
};

#define MAX_OPS 64

/* The editing options, in argv order. */
struct edits {
	const char *cmd;                /* for on_opt's diagnostics */
	struct {
		int val;
		const char *arg; /* borrowed from argv; NULL for --clear-* */
	} ops[MAX_OPS];
	size_t n;
	bool has_name;
	char id[SV_CLI_DOMAIN_ROW_MAX]; /* the verb's ID, normalised */
};

/* "LANG:TEXT" -> lang (NULL when empty) and text; false without ':'. */
static bool split_text(const char *arg, char *lang, size_t langsz,
		const char **text) {
	const char *colon = strchr(arg, ':');
	if (colon == NULL || (size_t)(colon - arg) >= langsz) {
		return false;
	}
	memcpy(lang, arg, (size_t)(colon - arg));
	lang[colon - arg] = '\0';
	*text = colon + 1;
	return true;
}

static int on_opt(int val, const char *arg, void *ctx) {
	struct edits *e = ctx;
	if (e->n == MAX_OPS) {
		sv_cli_error(e->cmd, "more than %d options", MAX_OPS);
		return EX_USAGE;
	}
	if (val == OPT_DOC_TEXT || val == OPT_ENABLE_TEXT) {
		char lang[64];
		const char *text;
		if (!split_text(arg, lang, sizeof(lang), &text)) {
			char shown[80];
			sv_cli_error(e->cmd, "--%s: '%s' is not LANG:TEXT (e.g. "
				"'en:Setup guide', or ':TEXT' without a "
				"language)", val == OPT_DOC_TEXT ? "doc-text" :
				"enable-text",
				sv_log_escape(arg, shown, sizeof(shown)));
			return EX_DATAERR;
		}
	}
	e->has_name |= val == OPT_NAME;
	e->ops[e->n].val = val;
	e->ops[e->n].arg = arg;
	e->n++;
	return EX_OK;
}

/* *dst = copy of v (NULL clears); SV_ENOMEM leaves *dst alone. */
static int set_str(char **dst, const char *v) {
	char *copy = NULL;
	if (v != NULL && (copy = sv_strdup(v)) == NULL) {
		return SV_ENOMEM;
	}
	sv_free(*dst);
	*dst = copy;
	return SV_OK;
}

static void drop_links(struct sv_provider *pv, enum sv_link_kind kind) {
	size_t k = 0;
	for (size_t i = 0; i < pv->n_links; i++) {
		struct sv_link *l = &pv->links[i];
		if (l->kind != kind) {
			pv->links[k++] = *l;
			continue;
		}
		sv_free(l->url);
		for (size_t t = 0; t < l->n_texts; t++) {
			sv_free(l->texts[t].lang);
			sv_free(l->texts[t].text);
		}
		sv_free(l->texts);
	}
	pv->n_links = k;
}

/* The link of kind with url, added when missing; its index in *idx. */
static int select_link(struct sv_provider *pv, enum sv_link_kind kind,
		const char *url, size_t *idx) {
	for (size_t i = 0; i < pv->n_links; i++) {
		if (pv->links[i].kind == kind &&
				strcmp(pv->links[i].url, url) == 0) {
			*idx = i;
			return SV_OK;
		}
	}
	if (sv_provider_add_link(pv, kind, url, NULL) != SV_OK) {
		return SV_ENOMEM;
	}
	*idx = pv->n_links - 1;
	return SV_OK;
}

/* Sets the text in lang (NULL: none) of link l, replacing the same lang. */
static int set_text(struct sv_link *l, const char *lang, const char *text) {
	for (size_t i = 0; i < l->n_texts; i++) {
		struct sv_text *t = &l->texts[i];
		if ((t->lang == NULL && lang == NULL) || (t->lang != NULL &&
				lang != NULL && strcmp(t->lang, lang) == 0)) {
			return set_str(&t->text, text);
		}
	}
	return sv_link_add_text(l, lang, text);
}

static int add_text(struct sv_provider *pv, enum sv_link_kind kind,
		const char *flag, bool chosen, size_t idx, const char *arg,
		struct sv_err *err) {
	if (!chosen) { /* the provider's only link of this kind */
		size_t n = 0;
		for (size_t i = 0; i < pv->n_links; i++) {
			if (pv->links[i].kind == kind) {
				idx = i;
				n++;
			}
		}
		if (n != 1) {
			return sv_errf(err, SV_EINVAL, "--%s: provider %s has "
				"%zu %s links; name one with --%.*s URL first",
				flag, pv->id, n, sv_link_kind_name(kind),
				(int)(strlen(flag) - 5), flag);
		}
	}
	char lang[64];
	const char *text = "";
	split_text(arg, lang, sizeof(lang), &text); /* checked in on_opt */
	if (set_text(&pv->links[idx], lang[0] != '\0' ? lang : NULL, text)
			!= SV_OK) {
		return sv_errf(err, SV_ENOMEM, "out of memory");
	}
	return SV_OK;
}

/* The text field of pv that option val sets to its value, or NULL. */
static char **text_field(struct sv_provider *pv, int val) {
	switch (val) {
	case OPT_NAME: return &pv->display_name;
	case OPT_SHORT: return &pv->short_name;
	case OPT_WEBMAIL: return &pv->webmail.login_page;
	case OPT_WEBMAIL_USER: return &pv->webmail.username;
	case OPT_OAUTH_ISSUER: return &pv->oauth2.issuer;
	case OPT_OAUTH_SCOPE: return &pv->oauth2.scope;
	case OPT_OAUTH_AUTH: return &pv->oauth2.auth_url;
	case OPT_OAUTH_TOKEN: return &pv->oauth2.token_url;
	default: return NULL;
	}
}

/* Applies e's options to pv, in order. Values are checked by the store. */
static int apply(const struct edits *e, struct sv_provider *pv,
		struct sv_err *err) {
	bool doc_chosen = false, enable_chosen = false;
	size_t doc = 0, enable = 0;
	for (size_t i = 0; i < e->n; i++) {
		const char *arg = e->ops[i].arg;
		int rc = SV_OK;
		switch (e->ops[i].val) {
		case OPT_CLEAR_SHORT:
			rc = set_str(&pv->short_name, NULL);
			break;
		case OPT_DOC:
			rc = select_link(pv, SV_LINK_DOCUMENTATION, arg, &doc);
			doc_chosen = true;
			break;
		case OPT_ENABLE:
			rc = select_link(pv, SV_LINK_ENABLE, arg, &enable);
			enable_chosen = true;
			break;
		case OPT_DOC_TEXT:
			if ((rc = add_text(pv, SV_LINK_DOCUMENTATION,
					"doc-text", doc_chosen, doc, arg, err))
					!= SV_OK) {
				return rc;
			}
			break;
		case OPT_ENABLE_TEXT:
			if ((rc = add_text(pv, SV_LINK_ENABLE, "enable-text",
					enable_chosen, enable, arg, err))
					!= SV_OK) {
				return rc;
			}
			break;
		case OPT_CLEAR_DOC:
			drop_links(pv, SV_LINK_DOCUMENTATION);
			doc_chosen = false;
			enable_chosen = false; /* indexes moved */
			break;
		case OPT_CLEAR_ENABLE:
			drop_links(pv, SV_LINK_ENABLE);
			doc_chosen = false;
			enable_chosen = false;
			break;
		case OPT_CLEAR_WEBMAIL: sv_webmail_finish(&pv->webmail); break;
		case OPT_CLEAR_OAUTH: sv_oauth2_finish(&pv->oauth2); break;
		case OPT_PLAINTEXT: pv->publish_plaintext = true; break;
		case OPT_NO_PLAINTEXT: pv->publish_plaintext = false; break;
		default: { /* the options that set one text field */
			char **field = text_field(pv, e->ops[i].val);
			rc = field != NULL ? set_str(field, arg) : SV_EINVAL;
			break;
		}
		}
		if (rc != SV_OK) {
			return sv_errf(err, rc, "out of memory");
		}
	}
	return SV_OK;
}

/* The group's start (struct sv_cli_group): on_opt's messages name cmd. */
static int start(const char *cmd, int argc, char **argv, void *ctx) {
	(void)argc;
	(void)argv;
	((struct edits *)ctx)->cmd = cmd;
	return -1;
}

/* The group's parsed: the verb's ID, normalised into e->id. */
static int parsed(const struct sv_cli_verb_args *a, void *ctx) {
	struct edits *e = ctx;
	struct sv_err err = { "" };
	if (a->o.n_args == 1 && sv_cli_provider_id(a->o.args[0], "ID", e->id,
			sizeof(e->id), &err) != SV_OK) {
		return sv_cli_fail(a->cmd, SV_EINVAL, &err);
	}
	return -1;
}

/* Whether the snapshot serves pv, and why not. */
static bool served(const struct sv_provider *pv, struct sv_err *why) {
	return sv_provider_validate(pv, why) == SV_OK &&
		sv_provider_check_servable(pv, why) == SV_OK;
}

/* One verb's provider and what removing it took. */
struct change {
	const struct edits *e;
	const char *id;               /* normalised; borrowed */
	struct sv_provider *pv;       /* add, set: owned */
	struct sv_store_removed gone; /* rm */
};

static int add_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct change *c = ctx;
	return sv_store_provider_add(st, c->pv, err);
}

static int set_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct change *c = ctx;
	int rc = sv_store_load_provider(st, c->id, &c->pv, err);
	if (rc == SV_OK) {
		rc = apply(c->e, c->pv, err);
	}
	if (rc == SV_OK) {
		rc = sv_store_provider_set(st, c->pv, err);
	}
	return rc;
}

static struct json_t *id_json(void *ctx) {
	const struct change *c = ctx;
	return json_pack("{s:s}", "id", c->id);
}

static void added_text(void *ctx) {
	printf("added provider %s\n", ((const struct change *)ctx)->id);
}

static void changed_text(void *ctx) {
	printf("changed provider %s\n", ((const struct change *)ctx)->id);
}

static int provider_add(const struct sv_cli_verb_args *a, void *ctx) {
	const struct edits *e = ctx;
	if (!e->has_name) {
		sv_cli_error(a->cmd, "--name NAME is required");
		return sv_cli_usage_error(usage);
	}
	struct sv_err err = { "" };
	struct change c = { .e = e, .id = e->id, .pv = sv_provider_create() };
	int rc = c.pv == NULL || set_str(&c.pv->id, e->id) != SV_OK ?
		sv_errf(&err, SV_ENOMEM, "out of memory") :
		apply(e, c.pv, &err);
	int status = sv_cli_write_checked(rc, &err, &(struct sv_cli_write){
		.cmd = a->cmd, .opts = &a->o, .change = add_change,
		.json = id_json, .text = added_text, .ctx = &c });
	sv_provider_destroy(c.pv);
	return status;
}

static int provider_set(const struct sv_cli_verb_args *a, void *ctx) {
	const struct edits *e = ctx;
	if (e->n == 0) {
		sv_cli_error(a->cmd, "nothing to change");
		return sv_cli_usage_error(usage);
	}
	struct change c = { .e = e, .id = e->id, .pv = NULL };
	int status = sv_cli_write(&(struct sv_cli_write){ .cmd = a->cmd,
		.opts = &a->o, .change = set_change, .json = id_json,
		.text = changed_text, .ctx = &c });
	sv_provider_destroy(c.pv);
	return status;
}

static int rm_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct change *c = ctx;
	return sv_store_provider_rm(st, c->id, &c->gone, err);
}

/* services_removed only when there were some: the output of a provider
 * without services stays what it was before services existed. */
static struct json_t *rm_json(void *ctx) {
	const struct change *c = ctx;
	return sv_cli_json_count(json_pack("{s:s, s:I, s:I, s:I}", "id",
		c->id, "domains_removed", (json_int_t)c->gone.domains,
		"servers_removed", (json_int_t)c->gone.servers,
		"links_removed", (json_int_t)c->gone.links),
		"services_removed", c->gone.services);
}

static void rm_text(void *ctx) {
	const struct change *c = ctx;
	printf("removed provider %s with %lld domain(s), %lld server(s)%s "
		"%lld link(s)", c->id, (long long)c->gone.domains,
		(long long)c->gone.servers, c->gone.services > 0 ? "," : " and",
		(long long)c->gone.links);
	if (c->gone.services > 0) {
		printf(" and %lld service(s)", (long long)c->gone.services);
	}
	printf("\n");
}

static int provider_rm(const struct sv_cli_verb_args *a, void *ctx) {
	const struct edits *e = ctx;
	struct change c = { .e = e, .id = e->id, .pv = NULL };
	return sv_cli_write(&(struct sv_cli_write){ .cmd = a->cmd,
		.opts = &a->o, .change = rm_change, .json = rm_json,
		.text = rm_text, .ctx = &c });
}

static int print_list(const char *cmd, struct sv_provider **pvs, size_t n,
		bool json) {
	json_t *arr = json ? json_array() : NULL;
	struct sv_cli_table t;
	sv_cli_table_init(&t, 5);
	sv_cli_table_add(&t, (const char *const[]){ "ID", "NAME", "DOMAINS",
		"SERVERS", "STATUS" });
	for (size_t i = 0; i < n; i++) {
		const struct sv_provider *pv = pvs[i];
		struct sv_err why = { "" };
		bool ok = served(pv, &why);
		if (json) {
			arr = sv_cli_json_push(arr, json_pack(
				"{s:s, s:s?, s:s?, s:I, s:I, s:b, s:s?}",
				"id", pv->id, "name", pv->display_name,
				"short_name", pv->short_name,
				"domains", (json_int_t)pv->n_domains,
				"servers", (json_int_t)pv->n_servers,
				"served", ok, "problem", ok ? NULL : why.msg));
			continue;
		}
		char nd[24], ns[24], status_text[SV_ERR_MSG_MAX + 16];
		snprintf(nd, sizeof(nd), "%zu", pv->n_domains);
		snprintf(ns, sizeof(ns), "%zu", pv->n_servers);
		snprintf(status_text, sizeof(status_text), "%s%s",
			ok ? "served" : "not served: ", ok ? "" : why.msg);
		sv_cli_table_add(&t, (const char *const[]){ pv->id,
			pv->display_name, nd, ns, status_text });
	}
	if (json) {
		sv_cli_table_finish(&t);
		return sv_cli_print_json(cmd, arr);
	}
	return sv_cli_table_emit(cmd, &t);
}

static int provider_list(const struct sv_cli_verb_args *a, void *ctx) {
	(void)ctx;
	return sv_cli_list(a->cmd, &a->o, NULL, print_list);
}

/* sv_cli_list hands over exactly the one provider asked for. */
static int print_show(const char *cmd, struct sv_provider **pvs, size_t n,
		bool json) {
	(void)cmd;
	(void)n;
	return sv_cli_provider_show_print(pvs[0], json);
}

static int provider_show(const struct sv_cli_verb_args *a, void *ctx) {
	const struct edits *e = ctx;
	return sv_cli_list(a->cmd, &a->o, e->id, print_show);
}

int sv_cli_provider(int argc, char **argv) {
	static const struct sv_cli_group group = {
		.usage = usage, .arg = "provider ID", .options = edit_options,
		.on_opt = on_opt, .start = start, .parsed = parsed,
		.add = { provider_add, true }, .list = { provider_list, false },
		.rm = { provider_rm, false }, .set = { provider_set, true },
		.show = { provider_show, false },
	};
	struct edits e = { .cmd = NULL };
	return sv_cli_dispatch(argc, argv, &group, &e);
}
