/* SPDX-License-Identifier: MIT */
/*
 * The store's loader: rows to model. sv_store_load reads each table once,
 * in one read transaction, ordered so that rows arrive in model order
 * (providers by id, domains and links by position, servers and services
 * by priority then id); child rows find their provider by comparing with
 * the previous row's provider, else by binary search in the id-sorted
 * provider array, so loading stays linear in the number of rows. The same queries with
 * "WHERE provider_id = ?1" load a single provider (sv_store_load_provider,
 * the admin commands), so both views are built by the same code.
 *
 * Ownership: the loader owns the providers it builds until it hands the
 * array to the caller; column texts are borrowed until the next step and
 * copied with sv_strdup.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"

struct loader {
	sqlite3 *db;
	const char *only;         /* borrowed; NULL = every provider */
	struct sv_provider **pvs; /* owned, sorted by id */
	size_t n, cap;
	size_t last;              /* index of the last provider found */
};

/*
 * Prepares the query for every provider (all), or the one for ld->only
 * (one: the same query with "WHERE ... = ?1") with ?1 bound.
 */
static int load_prepare(struct loader *ld, const char *all, const char *one,
		sqlite3_stmt **out, struct sv_err *err) {
	int rc = store_prepare(ld->db, ld->only != NULL ? one : all, out, err);
	if (rc != SV_OK || ld->only == NULL) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_text(*out, 1, ld->only, &src);
	if (src != SQLITE_OK) {
		rc = store_db_fail(ld->db, src, err, "store: load: bind");
		store_finalize(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * Column i as a borrowed string valid until the next step, or NULL for SQL
 * NULL. A string with an embedded NUL would be silently cut: refuse it.
 */
static int col_text(struct loader *ld, sqlite3_stmt *s, int i,
		const char **out, struct sv_err *err) {
	*out = NULL;
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		return SV_OK;
	}
	const char *t = (const char *)sqlite3_column_text(s, i);
	if (t == NULL) {
		return store_db_fail(ld->db, SQLITE_NOMEM, err, "store: load");
	}
	int len = sqlite3_column_bytes(s, i);
	if (len < 0 || strlen(t) != (size_t)len) {
		return sv_errf(err, SV_EDB, "store: %s: NUL byte in text",
			sqlite3_column_name(s, i));
	}
	*out = t;
	return SV_OK;
}

/* Copies column i into *dst (which must be NULL), NULL staying NULL. */
static int col_dup(struct loader *ld, sqlite3_stmt *s, int i, char **dst,
		struct sv_err *err) {
	const char *t;
	int rc = col_text(ld, s, i, &t, err);
	if (rc != SV_OK || t == NULL) {
		return rc;
	}
	*dst = sv_strdup(t);
	return *dst != NULL ? SV_OK
		: sv_errf(err, SV_ENOMEM, "store: load: out of memory");
}

/* Column i as an int in lo..hi; SQL NULL gives absent. */
static int col_int(sqlite3_stmt *s, int i, int lo, int hi, int absent,
		int *out, struct sv_err *err) {
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		*out = absent;
		return SV_OK;
	}
	int64_t v = sqlite3_column_int64(s, i);
	if (v < lo || v > hi) {
		return sv_errf(err, SV_EDB, "store: %s: %lld out of range",
			sqlite3_column_name(s, i), (long long)v);
	}
	*out = (int)v;
	return SV_OK;
}

static int col_tristate(sqlite3_stmt *s, int i, enum sv_tristate *out,
		struct sv_err *err) {
	int v = -1;
	int rc = col_int(s, i, 0, 1, -1, &v, err);
	if (rc == SV_OK) {
		*out = v < 0 ? SV_UNSET : v == 0 ? SV_FALSE : SV_TRUE;
	}
	return rc;
}

static int cmp_provider(const void *key, const void *elem) {
	const struct sv_provider *const *pv = elem;
	return strcmp(key, (*pv)->id);
}

/*
 * The provider with this id. Child rows come grouped by provider, so the
 * last one found nearly always matches. A row whose provider is missing
 * (written with foreign keys off) makes the load fail.
 */
static int find_provider(struct loader *ld, const char *id,
		struct sv_provider **out, struct sv_err *err) {
	if (id == NULL) {
		return sv_errf(err, SV_EDB, "store: row without provider");
	}
	if (ld->last < ld->n && strcmp(ld->pvs[ld->last]->id, id) == 0) {
		*out = ld->pvs[ld->last];
		return SV_OK;
	}
	struct sv_provider **p = bsearch(id, ld->pvs, ld->n,
		sizeof(*ld->pvs), cmp_provider);
	if (p == NULL) {
		return sv_errf(err, SV_EDB, "store: no provider %s", id);
	}
	ld->last = (size_t)(p - ld->pvs);
	*out = *p;
	return SV_OK;
}

#define PROVIDERS_SQL \
	"SELECT id, display_name, short_name, webmail_login_page," \
	" webmail_info_url, webmail_username," \
	" webmail_username_field_id, webmail_username_field_name," \
	" webmail_password_field_id, webmail_password_field_name," \
	" webmail_login_button_id, webmail_login_button_name," \
	" oauth2_issuer, oauth2_scope, oauth2_auth_url," \
	" oauth2_token_url, webmail_wait_redirect_prefix, publish_plaintext" \
	" FROM providers"

static int load_providers(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = load_prepare(ld, PROVIDERS_SQL " ORDER BY id",
		PROVIDERS_SQL " WHERE id = ?1", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		if (ld->n == ld->cap) {
			size_t cap = ld->cap != 0 ? ld->cap * 2 : 16;
			struct sv_provider **p = sv_reallocarray(ld->pvs, cap,
				sizeof(*p));
			if (p == NULL) {
				rc = sv_errf(err, SV_ENOMEM,
					"store: load: out of memory");
				break;
			}
			ld->pvs = p;
			ld->cap = cap;
		}
		struct sv_provider *pv = sv_provider_create();
		if (pv == NULL) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
			break;
		}
		ld->pvs[ld->n++] = pv; /* owned by ld from here */
		struct sv_webmail *w = &pv->webmail;
		struct sv_oauth2 *o = &pv->oauth2;
		char **dst[] = {
			&pv->id, &pv->display_name, &pv->short_name,
			&w->login_page, &w->info_url, &w->username,
			&w->username_field_id, &w->username_field_name,
			&w->password_field_id, &w->password_field_name,
			&w->login_button_id, &w->login_button_name,
			&o->issuer, &o->scope, &o->auth_url, &o->token_url,
			&w->wait_redirect_prefix,
		};
		for (size_t i = 0; rc == SV_OK && i < sizeof(dst) / sizeof(*dst);
				i++) {
			rc = col_dup(ld, s, (int)i, dst[i], err);
		}
		int plain = 0;
		if (rc == SV_OK) {
			rc = col_int(s, (int)(sizeof(dst) / sizeof(*dst)), 0, 1,
				0, &plain, err);
			pv->publish_plaintext = plain == 1;
		}
		if (rc == SV_OK && (pv->id == NULL || (ld->n > 1
				&& strcmp(ld->pvs[ld->n - 2]->id, pv->id) >= 0))) {
			/* bsearch relies on strcmp order */
			rc = sv_errf(err, SV_EDB,
				"store: provider ids out of order");
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(ld->db, src, err, "store: load providers");
	}
	store_finalize(s);
	return rc;
}

/* Domain rows and MX rows (schema/0007) share one position sequence;
 * SQLite merges the two ordered scans. */
#define DOMAINS_SQL(where) \
	"SELECT provider_id, name, position FROM domains" where \
	" UNION ALL SELECT provider_id, name, position FROM domain_mx" where

static int load_domains(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = load_prepare(ld, DOMAINS_SQL("") " ORDER BY 1, 3",
		DOMAINS_SQL(" WHERE provider_id = ?1") " ORDER BY 3", &s,
		err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *pid = NULL, *name = NULL;
		struct sv_provider *pv = NULL;
		rc = col_text(ld, s, 0, &pid, err);
		if (rc == SV_OK) {
			rc = find_provider(ld, pid, &pv, err);
		}
		if (rc == SV_OK) {
			rc = col_text(ld, s, 1, &name, err);
		}
		if (rc == SV_OK && name == NULL) {
			rc = sv_errf(err, SV_EDB, "store: NULL domain");
		}
		if (rc == SV_OK && sv_provider_add_domain(pv, name) != SV_OK) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(ld->db, src, err, "store: load domains");
	}
	store_finalize(s);
	return rc;
}

/*
 * A kind of row loaded with its auth methods in one pass (servers,
 * services): the LEFT JOIN (aliases s and a) yields one row per method, or
 * one row with a NULL method, grouped by the row's id (column 0); column
 * 1 is its provider. The kind reads a row's own columns and its methods.
 */
#define GROUPED_ORDER_ALL \
	" ORDER BY s.provider_id, s.priority, s.id, a.position"
#define GROUPED_ORDER_ONE \
	" WHERE s.provider_id = ?1 ORDER BY s.priority, s.id, a.position"

struct grouped {
	const char *all, *one; /* the queries, for load_prepare */
	const char *what;      /* "server": messages */
	int method_col;
	void *cur;             /* the row being filled, zeroed; its id and
	                        * its count of auth methods: */
	const int64_t *cur_id;
	size_t *cur_n_auth;
	/* Fills the zeroed cur from the current row's columns. */
	int (*read)(struct loader *ld, sqlite3_stmt *st, void *cur,
		struct sv_err *err);
	/* Parses method m into cur's next auth slot (*cur_n_auth, below
	 * SV_MODEL_MAX_AUTH): SV_OK, or SV_EDB with err set. */
	int (*method)(void *cur, const char *m, struct sv_err *err);
	/* Moves cur into pv (cur zeroed), as sv_provider_add_server. */
	int (*move)(struct sv_provider *pv, void *cur);
	void (*finish)(void *cur);
};

/* Moves g->cur (if it holds a row: pv set) into its provider pv. */
static int flush_grouped(struct sv_provider *pv, const struct grouped *g,
		struct sv_err *err) {
	if (pv == NULL) {
		return SV_OK;
	}
	if (g->move(pv, g->cur) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "store: load: out of memory");
	}
	return SV_OK;
}

static int load_grouped(struct loader *ld, const struct grouped *g,
		struct sv_err *err) {
	sqlite3_stmt *st;
	int rc = load_prepare(ld, g->all, g->one, &st, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_provider *cur_pv = NULL; /* NULL: g->cur holds nothing */
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (cur_pv == NULL || id != *g->cur_id) {
			rc = flush_grouped(cur_pv, g, err);
			cur_pv = NULL;
			g->finish(g->cur);
			const char *pid = NULL;
			struct sv_provider *pv = NULL;
			if (rc == SV_OK) {
				rc = col_text(ld, st, 1, &pid, err);
			}
			if (rc == SV_OK) {
				rc = find_provider(ld, pid, &pv, err);
			}
			if (rc == SV_OK) {
				cur_pv = pv;
				rc = g->read(ld, st, g->cur, err);
			}
		}
		const char *m = NULL;
		if (rc == SV_OK) {
			rc = col_text(ld, st, g->method_col, &m, err);
		}
		if (rc != SV_OK || m == NULL) {
			continue;
		}
		if (*g->cur_n_auth == SV_MODEL_MAX_AUTH) {
			rc = sv_errf(err, SV_EDB, "store: %s %lld: too many "
				"auth methods", g->what, (long long)*g->cur_id);
		} else if ((rc = g->method(g->cur, m, err)) == SV_OK) {
			++*g->cur_n_auth;
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(ld->db, src, err, "store: load %ss",
			g->what);
	}
	if (rc == SV_OK) {
		rc = flush_grouped(cur_pv, g, err);
	}
	g->finish(g->cur);
	store_finalize(st);
	return rc;
}

/* Server columns, in the order of the SELECT in load_servers. */
enum {
	SC_ID, SC_PROVIDER, SC_TYPE, SC_HOSTNAME, SC_PORT, SC_SOCKET,
	SC_USERNAME, SC_PRIORITY, SC_DOMAIN, SC_URL, SC_OWA_URL, SC_EWS_URL,
	SC_HAS_POP3, SC_LEAVE, SC_DAYS, SC_BIFF, SC_INTERVAL, SC_GLOBAL,
	SC_ADD_THIS, SC_RESTRICTION, SC_METHOD,
};

/* Fills a zeroed s from the server columns of the current row. */
static int read_server(struct loader *ld, sqlite3_stmt *st, void *cur,
		struct sv_err *err) {
	struct sv_server *s = cur;
	const char *t;
	s->id = sqlite3_column_int64(st, SC_ID);
	int rc = col_text(ld, st, SC_TYPE, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (t == NULL || sv_server_type_parse(t, &s->type) != SV_OK) {
		return sv_errf(err, SV_EDB, "store: server %lld: bad type",
			(long long)s->id);
	}
	rc = col_text(ld, st, SC_SOCKET, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (t == NULL) {
		s->socket = SV_SOCKET_NONE;
	} else if (sv_socket_parse(t, &s->socket) != SV_OK) {
		return sv_errf(err, SV_EDB, "store: server %lld: bad socket",
			(long long)s->id);
	}
	int has_pop3 = 0;
	if ((rc = col_int(st, SC_PORT, 1, 65535, 0, &s->port, err))
			!= SV_OK
		|| (rc = col_int(st, SC_PRIORITY, INT_MIN, INT_MAX, 0,
			&s->priority, err)) != SV_OK
		|| (rc = col_int(st, SC_HAS_POP3, 0, 1, 0, &has_pop3, err))
			!= SV_OK
		|| (rc = col_tristate(st, SC_LEAVE,
			&s->pop3.leave_on_server, err)) != SV_OK
		|| (rc = col_int(st, SC_DAYS, 0, INT_MAX, -1,
			&s->pop3.days_to_leave, err)) != SV_OK
		|| (rc = col_tristate(st, SC_BIFF,
			&s->pop3.download_on_biff, err)) != SV_OK
		|| (rc = col_int(st, SC_INTERVAL, 0, INT_MAX, -1,
			&s->pop3.check_interval_min, err)) != SV_OK
		|| (rc = col_tristate(st, SC_GLOBAL,
			&s->use_global_preferred_server, err)) != SV_OK
		|| (rc = col_tristate(st, SC_ADD_THIS, &s->add_this_server,
			err)) != SV_OK) {
		return rc;
	}
	s->has_pop3 = has_pop3 != 0;
	if ((rc = col_dup(ld, st, SC_HOSTNAME, &s->hostname, err)) != SV_OK
		|| (rc = col_dup(ld, st, SC_USERNAME, &s->username, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, SC_DOMAIN, &s->domain, err)) != SV_OK
		|| (rc = col_dup(ld, st, SC_URL, &s->url, err)) != SV_OK
		|| (rc = col_dup(ld, st, SC_OWA_URL, &s->owa_url, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, SC_EWS_URL, &s->ews_url, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, SC_RESTRICTION, &s->restriction,
			err)) != SV_OK) {
		return rc;
	}
	return SV_OK;
}

/*
 * Servers and their auth methods in one pass: the LEFT JOIN yields one row
 * per method (or one row with a NULL method), grouped by server.
 */
#define SERVERS_SQL \
	"SELECT s.id, s.provider_id, s.type, s.hostname, s.port," \
	" s.socket, s.username, s.priority, s.domain, s.url," \
	" s.owa_url, s.ews_url, s.has_pop3, s.pop3_leave_on_server," \
	" s.pop3_days_to_leave, s.pop3_download_on_biff," \
	" s.pop3_check_interval_min, s.use_global_preferred_server," \
	" s.add_this_server, s.restriction, a.method" \
	" FROM servers AS s" \
	" LEFT JOIN server_auth AS a ON a.server_id = s.id"

static int server_method(void *cur, const char *m, struct sv_err *err) {
	struct sv_server *s = cur;
	return sv_auth_parse(m, &s->auth[s->n_auth]) == SV_OK ? SV_OK :
		sv_errf(err, SV_EDB, "store: server %lld: bad auth method",
			(long long)s->id);
}

static int server_move(struct sv_provider *pv, void *cur) {
	return sv_provider_add_server(pv, cur, NULL);
}

static void server_finish(void *cur) {
	sv_server_finish(cur);
}

static int load_servers(struct loader *ld, struct sv_err *err) {
	struct sv_server cur = { 0 };
	return load_grouped(ld, &(struct grouped){
		.all = SERVERS_SQL GROUPED_ORDER_ALL,
		.one = SERVERS_SQL GROUPED_ORDER_ONE,
		.what = "server", .method_col = SC_METHOD, .cur = &cur,
		.cur_id = &cur.id, .cur_n_auth = &cur.n_auth,
		.read = read_server,
		.method = server_method, .move = server_move,
		.finish = server_finish }, err);
}

/* Service columns, in the order of the SELECT in load_services. */
enum {
	VC_ID, VC_PROVIDER, VC_TYPE, VC_URL, VC_USERNAME, VC_PRIORITY,
	VC_DOMAIN, VC_INSECURE, VC_METHOD,
};

/* Fills a zeroed s from the service columns of the current row. */
static int read_service(struct loader *ld, sqlite3_stmt *st, void *cur,
		struct sv_err *err) {
	struct sv_service *s = cur;
	const char *t;
	int insecure = 0;
	s->id = sqlite3_column_int64(st, VC_ID);
	int rc = col_text(ld, st, VC_TYPE, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (t == NULL || sv_service_type_parse(t, &s->type) != SV_OK) {
		/* a type a later release serves: refused, not dropped */
		return sv_errf(err, SV_EDB, "store: service %lld: type %s is "
			"not known to this suivant", (long long)s->id,
			t != NULL ? t : "NULL");
	}
	if ((rc = col_int(st, VC_PRIORITY, INT_MIN, INT_MAX, 0, &s->priority,
			err)) != SV_OK
		|| (rc = col_int(st, VC_INSECURE, 0, 1, 0, &insecure, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, VC_URL, &s->url, err)) != SV_OK
		|| (rc = col_dup(ld, st, VC_USERNAME, &s->username, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, VC_DOMAIN, &s->domain, err))
			!= SV_OK) {
		return rc;
	}
	s->insecure = insecure != 0;
	return SV_OK;
}

#define SERVICES_SQL \
	"SELECT s.id, s.provider_id, s.type, s.url, s.username," \
	" s.priority, s.domain, s.insecure, a.method" \
	" FROM services AS s" \
	" LEFT JOIN service_auth AS a ON a.service_id = s.id"

static int service_method(void *cur, const char *m, struct sv_err *err) {
	struct sv_service *s = cur;
	return sv_service_auth_parse(m, &s->auth[s->n_auth]) == SV_OK ?
		SV_OK : sv_errf(err, SV_EDB, "store: service %lld: auth method "
			"%s is not known to this suivant", (long long)s->id, m);
}

static int service_move(struct sv_provider *pv, void *cur) {
	return sv_provider_add_service(pv, cur, NULL);
}

static void service_finish(void *cur) {
	sv_service_finish(cur);
}

/* Services and their auth methods in one pass, like load_servers. */
static int load_services(struct loader *ld, struct sv_err *err) {
	struct sv_service cur = { 0 };
	return load_grouped(ld, &(struct grouped){
		.all = SERVICES_SQL GROUPED_ORDER_ALL,
		.one = SERVICES_SQL GROUPED_ORDER_ONE,
		.what = "service", .method_col = VC_METHOD, .cur = &cur,
		.cur_id = &cur.id, .cur_n_auth = &cur.n_auth,
		.read = read_service,
		.method = service_method, .move = service_move,
		.finish = service_finish }, err);
}

#define LINKS_SQL \
	"SELECT l.id, l.provider_id, l.kind, l.url, t.lang, t.text" \
	" FROM links AS l" \
	" LEFT JOIN link_texts AS t ON t.link_id = l.id"

/* Links and their texts in one pass, like load_servers. */
static int load_links(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = load_prepare(ld, LINKS_SQL
		" ORDER BY l.provider_id, l.position, t.position",
		LINKS_SQL " WHERE l.provider_id = ?1"
		" ORDER BY l.position, t.position", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_link *cur = NULL; /* borrowed from its provider */
	int64_t cur_id = 0;
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *pid = NULL, *kind = NULL, *url = NULL;
		const char *lang = NULL, *text = NULL;
		if (cur == NULL || id != cur_id) {
			struct sv_provider *pv = NULL;
			enum sv_link_kind k;
			cur = NULL;
			if ((rc = col_text(ld, s, 1, &pid, err)) != SV_OK
				|| (rc = find_provider(ld, pid, &pv, err))
					!= SV_OK
				|| (rc = col_text(ld, s, 2, &kind, err)) != SV_OK
				|| (rc = col_text(ld, s, 3, &url, err))
					!= SV_OK) {
				break;
			}
			if (kind == NULL || url == NULL
					|| sv_link_kind_parse(kind, &k) != SV_OK) {
				rc = sv_errf(err, SV_EDB,
					"store: link %lld: bad kind or url",
					(long long)id);
				break;
			}
			if (sv_provider_add_link(pv, k, url, &cur) != SV_OK) {
				rc = sv_errf(err, SV_ENOMEM,
					"store: load: out of memory");
				break;
			}
			cur_id = id;
		}
		if ((rc = col_text(ld, s, 4, &lang, err)) != SV_OK
			|| (rc = col_text(ld, s, 5, &text, err)) != SV_OK) {
			break;
		}
		if (text != NULL && sv_link_add_text(cur, lang, text) != SV_OK) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(ld->db, src, err, "store: load links");
	}
	store_finalize(s);
	return rc;
}

int store_load(struct sv_store *st, const char *only,
		struct sv_provider ***out, size_t *n, struct sv_err *err) {
	*out = NULL;
	*n = 0;
	/* A caller's open transaction already gives a consistent view. */
	bool own = sqlite3_get_autocommit(st->db) != 0;
	if (own) {
		int rc = store_exec(st->db, "BEGIN", err, "store: load: begin");
		if (rc != SV_OK) {
			return rc;
		}
	}
	struct loader ld = { .db = st->db, .only = only };
	int rc = load_providers(&ld, err);
	if (rc == SV_OK) {
		rc = load_domains(&ld, err);
	}
	if (rc == SV_OK) {
		rc = load_servers(&ld, err);
	}
	if (rc == SV_OK) {
		rc = load_services(&ld, err);
	}
	if (rc == SV_OK) {
		rc = load_links(&ld, err);
	}
	if (own) {
		if (rc == SV_OK) {
			rc = store_exec(st->db, "COMMIT", err,
				"store: load: commit");
		}
		if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
			store_exec_quiet(st->db, "ROLLBACK");
		}
	}
	if (rc != SV_OK) {
		sv_store_free_providers(ld.pvs, ld.n);
		return rc;
	}
	*out = ld.pvs;
	*n = ld.n;
	return SV_OK;
}

int sv_store_load(struct sv_store *st, struct sv_provider ***out, size_t *n,
		struct sv_err *err) {
	return store_load(st, NULL, out, n, err);
}

void sv_store_free_providers(struct sv_provider **pvs, size_t n) {
	if (pvs == NULL) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sv_provider_destroy(pvs[i]);
	}
	sv_free(pvs);
}
