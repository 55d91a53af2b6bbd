/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/store/store.c and the schema migrations: opening and
 * migrating (a first-release database too), refusing files that are not
 * ours, round-tripping every field of the model, replacing providers
 * without orphans, domain conflicts that leave the database unchanged,
 * CHECK constraints and triggers against raw SQL,
 * and allocation failures during load and put. Each test gets a fresh
 * temporary file (mkstemp in /tmp) that is removed with its -wal and -shm
 * companions afterwards; tests that need no raw SQL access also run on
 * ":memory:".
 *
 * SV_STORE_BENCH=N (environment) makes test_load_many put N domains
 * (100 per provider) and print how long sv_store_load takes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "model/model.h"
#include "store/store.h"
#include "util/alloc.h"

#include "test_base.h"

/* ---- fixtures ---- */

static int setup_tmp(void **state) {
	*state = sv_test_db_new("store");
	return *state != NULL ? 0 : -1;
}

static int teardown_tmp(void **state) {
	sv_test_db_free(*state);
	return 0;
}

static const char *fixture_path(void **state) {
	return ((struct sv_test_db *)*state)->path;
}

static struct sv_store *open_ok(const char *path, enum sv_store_mode mode) {
	struct sv_err err = { .msg = "" };
	struct sv_store *st = sv_store_open(path, mode, &err);
	if (st == NULL) {
		print_error("open %s: %s\n", path, err.msg);
	}
	assert_non_null(st);
	return st;
}

/* ---- raw SQLite access, as an admin with the sqlite3 shell would ---- */

static sqlite3 *raw_open(const char *path) {
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
		SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL,
		NULL, NULL), SQLITE_OK);
	return db;
}

static void raw_close(sqlite3 *db) {
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t raw_int(sqlite3 *db, const char *sql) {
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	return v;
}

static void raw_exec(sqlite3 *db, const char *sql) {
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		print_error("%s: %s\n", sql, msg != NULL ? msg : "?");
	}
	sqlite3_free(msg);
	assert_int_equal(rc, SQLITE_OK);
}

/* Row counts of every table, to prove that nothing is left behind. */
struct counts {
	int64_t providers, domains, servers, auth, links, texts;
	int64_t services, service_auth;
};

/* The row counts of path's database; its services tables only when
 * services (a database from before them has none: 0). */
static struct counts raw_counts_of(const char *path, bool services) {
	sqlite3 *db = raw_open(path);
	struct counts c = {
		raw_int(db, "SELECT count(*) FROM providers"),
		raw_int(db, "SELECT count(*) FROM domains"),
		raw_int(db, "SELECT count(*) FROM servers"),
		raw_int(db, "SELECT count(*) FROM server_auth"),
		raw_int(db, "SELECT count(*) FROM links"),
		raw_int(db, "SELECT count(*) FROM link_texts"),
		0, 0,
	};
	if (services) {
		c.services = raw_int(db, "SELECT count(*) FROM services");
		c.service_auth = raw_int(db,
			"SELECT count(*) FROM service_auth");
	}
	raw_close(db);
	return c;
}

static struct counts raw_counts(const char *path) {
	return raw_counts_of(path, true);
}

static void assert_counts(struct counts got, struct counts want) {
	assert_int_equal(got.providers, want.providers);
	assert_int_equal(got.domains, want.domains);
	assert_int_equal(got.servers, want.servers);
	assert_int_equal(got.auth, want.auth);
	assert_int_equal(got.links, want.links);
	assert_int_equal(got.texts, want.texts);
	assert_int_equal(got.services, want.services);
	assert_int_equal(got.service_auth, want.service_auth);
}

/* ---- building providers ---- */

static char *xdup(const char *s) {
	if (s == NULL) {
		return NULL;
	}
	char *d = sv_strdup(s);
	assert_non_null(d);
	return d;
}

static struct sv_provider *provider_new(const char *id) {
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	pv->id = xdup(id);
	return pv;
}

static void add_domain(struct sv_provider *pv, const char *name) {
	assert_int_equal(sv_provider_add_domain(pv, name), SV_OK);
}

/* A TCP server; returns the stored copy for further fields. */
static struct sv_server *add_tcp(struct sv_provider *pv,
		enum sv_server_type type, const char *host, int port,
		enum sv_socket sock, const char *user, int priority) {
	struct sv_server s = {
		.type = type,
		.hostname = xdup(host),
		.port = port,
		.socket = sock,
		.username = xdup(user),
		.priority = priority,
		.pop3 = { SV_UNSET, -1, SV_UNSET, -1 },
	};
	struct sv_server *out = NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, &out), SV_OK);
	return out;
}

static struct sv_server *add_url_server(struct sv_provider *pv,
		enum sv_server_type type, const char *url, int priority) {
	struct sv_server s = {
		.type = type,
		.url = xdup(url),
		.priority = priority,
		.pop3 = { SV_UNSET, -1, SV_UNSET, -1 },
	};
	struct sv_server *out = NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, &out), SV_OK);
	return out;
}

static void auth(struct sv_server *s, enum sv_auth a) {
	assert_true(s->n_auth < SV_MODEL_MAX_AUTH);
	s->auth[s->n_auth++] = a;
}

static struct sv_link *add_link(struct sv_provider *pv,
		enum sv_link_kind kind, const char *url) {
	struct sv_link *l = NULL;
	assert_int_equal(sv_provider_add_link(pv, kind, url, &l), SV_OK);
	return l;
}

static void add_text(struct sv_link *l, const char *lang, const char *t) {
	assert_int_equal(sv_link_add_text(l, lang, t), SV_OK);
}

static struct sv_service *add_service(struct sv_provider *pv,
		enum sv_service_type type, const char *url, const char *user,
		int priority) {
	struct sv_service s = {
		.type = type, .url = xdup(url), .username = xdup(user),
		.priority = priority,
	};
	struct sv_service *out = NULL;
	assert_int_equal(sv_provider_add_service(pv, &s, &out), SV_OK);
	return out;
}

static void assert_valid(const struct sv_provider *pv) {
	struct sv_err err = { .msg = "" };
	int rc = sv_provider_validate(pv, &err);
	if (rc != SV_OK) {
		print_error("invalid test provider %s: %s\n", pv->id, err.msg);
	}
	assert_int_equal(rc, SV_OK);
}

/*
 * A provider that sets every field of the model at least once: all three
 * tristate values, POP3 options, every server type, webmail, oauth2, a
 * per-domain override, several auth methods in a non-alphabetical order,
 * and links with and without lang. Servers are in priority order, as the
 * model keeps them.
 */
static struct sv_provider *full_provider(const char *id) {
	struct sv_provider *pv = provider_new(id);
	pv->display_name = xdup("Exemple Messagerie \xc3\xa9t\xc3\xa9");
	pv->short_name = xdup("Exemple");
	add_domain(pv, id);
	add_domain(pv, "exemple.org");
	add_domain(pv, "*.exemple.net");
	add_domain(pv, "courriel.exemple.com");

	struct sv_server *s = add_tcp(pv, SV_SERVER_IMAP, "imap.exemple.fr",
		993, SV_SOCKET_SSL, "%EMAILADDRESS%", 0);
	auth(s, SV_AUTH_OAUTH2);
	auth(s, SV_AUTH_PASSWORD_CLEARTEXT);
	auth(s, SV_AUTH_PASSWORD_ENCRYPTED);
	s->use_global_preferred_server = SV_TRUE;

	s = add_tcp(pv, SV_SERVER_SMTP, "smtp.exemple.fr", 465, SV_SOCKET_SSL,
		NULL, 0);
	auth(s, SV_AUTH_CLIENT_IP_ADDRESS);
	auth(s, SV_AUTH_PASSWORD_CLEARTEXT);
	s->add_this_server = SV_TRUE;
	s->use_global_preferred_server = SV_FALSE;
	s->restriction = xdup("client-IP-address");

	s = add_tcp(pv, SV_SERVER_SMTP, "smtp.exemple.org", 587,
		SV_SOCKET_STARTTLS, "%EMAILLOCALPART%", 0);
	s->domain = xdup("exemple.org");
	auth(s, SV_AUTH_NONE);
	auth(s, SV_AUTH_SMTP_AFTER_POP);
	s->add_this_server = SV_FALSE;

	s = add_tcp(pv, SV_SERVER_POP3, "pop.%EMAILDOMAIN%", 995,
		SV_SOCKET_SSL, "%EMAILLOCALPART%%%EMAILDOMAIN%", 10);
	auth(s, SV_AUTH_PASSWORD_ENCRYPTED);
	s->has_pop3 = true;
	s->pop3 = (struct sv_pop3_options){ SV_TRUE, 7, SV_FALSE, 15 };

	s = add_tcp(pv, SV_SERVER_POP3, "pop2.exemple.fr", 110,
		SV_SOCKET_PLAIN, "recent:%EMAILADDRESS%", 10);
	auth(s, SV_AUTH_PLAIN);
	auth(s, SV_AUTH_SECURE);
	s->has_pop3 = true;
	s->pop3 = (struct sv_pop3_options){ SV_UNSET, 0, SV_TRUE, -1 };

	s = add_tcp(pv, SV_SERVER_EXCHANGE, "outlook.exemple.fr", 443,
		SV_SOCKET_SSL, "%EMAILADDRESS%", 20);
	auth(s, SV_AUTH_NTLM);
	auth(s, SV_AUTH_GSSAPI);
	s->owa_url = xdup("https://outlook.exemple.fr/owa/");
	s->ews_url = xdup("https://outlook.exemple.fr/EWS/Exchange.asmx");

	s = add_url_server(pv, SV_SERVER_EWS,
		"https://ews.exemple.fr/EWS/Exchange.asmx", 30);
	auth(s, SV_AUTH_TLS_CLIENT_CERT);
	s = add_url_server(pv, SV_SERVER_OWA, "https://owa.exemple.fr/", 30);
	auth(s, SV_AUTH_PASSWORD_CLEARTEXT);
	s = add_url_server(pv, SV_SERVER_GRAPH,
		"https://graph.exemple.fr/v1.0/", 40);
	auth(s, SV_AUTH_OAUTH2);
	s->username = xdup("%EMAILADDRESS%");

	struct sv_service *v = add_service(pv, SV_SERVICE_CALDAV,
		"https://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/",
		"%EMAILADDRESS%", 0);
	v->auth[v->n_auth++] = SV_SAUTH_OAUTH2;
	v->auth[v->n_auth++] = SV_SAUTH_HTTP_BASIC;
	v = add_service(pv, SV_SERVICE_CALDAV, "http://cal.exemple.org/",
		NULL, 0);
	v->auth[v->n_auth++] = SV_SAUTH_HTTP_DIGEST;
	v->insecure = true;
	v->domain = xdup("exemple.org");
	v = add_service(pv, SV_SERVICE_CARDDAV,
		"https://dav.exemple.fr:8443/card/?u=%EMAILLOCALPART%", NULL,
		5);
	v->auth[v->n_auth++] = SV_SAUTH_HTTP_BASIC;
	v = add_service(pv, SV_SERVICE_WEBDAV, "https://files.exemple.fr/",
		"%EMAILLOCALPART%", 9);
	v->auth[v->n_auth++] = SV_SAUTH_HTTP_BASIC;

	struct sv_link *l = add_link(pv, SV_LINK_DOCUMENTATION,
		"https://aide.exemple.fr/messagerie");
	add_text(l, "fr", "Param\xc3\xa8tres de messagerie");
	add_text(l, "en", "Mail settings");
	l = add_link(pv, SV_LINK_ENABLE, "https://exemple.fr/activer");
	add_text(l, NULL, "Enable IMAP first");
	add_text(l, "de-CH", "IMAP zuerst aktivieren");
	add_link(pv, SV_LINK_INSTRUCTION, "http://exemple.fr/aide?x=1&y=2");

	struct sv_webmail *w = &pv->webmail;
	w->login_page = xdup("https://webmail.exemple.fr/");
	w->info_url = xdup("https://webmail.exemple.fr/login");
	w->wait_redirect_prefix = xdup("https://webmail.exemple.fr/boite");
	w->username = xdup("%EMAILADDRESS%");
	w->username_field_id = xdup("user");
	w->username_field_name = xdup("login");
	w->password_field_id = xdup("pass");
	w->password_field_name = xdup("password");
	w->login_button_id = xdup("go");
	w->login_button_name = xdup("submit");

	pv->oauth2.issuer = xdup("accounts.exemple.fr");
	pv->oauth2.scope = xdup("mail offline_access");
	pv->oauth2.auth_url = xdup("https://accounts.exemple.fr/auth");
	pv->oauth2.token_url = xdup("https://accounts.exemple.fr/token");
	assert_valid(pv);
	return pv;
}

/* A small valid provider with one imap and one smtp server. */
static struct sv_provider *small_provider(const char *id, const char *d1,
		const char *d2) {
	struct sv_provider *pv = provider_new(id);
	add_domain(pv, d1);
	if (d2 != NULL) {
		add_domain(pv, d2);
	}
	char host[300];
	snprintf(host, sizeof(host), "imap.%s", id);
	auth(add_tcp(pv, SV_SERVER_IMAP, host, 993, SV_SOCKET_SSL,
		"%EMAILADDRESS%", 0), SV_AUTH_PASSWORD_CLEARTEXT);
	snprintf(host, sizeof(host), "smtp.%s", id);
	auth(add_tcp(pv, SV_SERVER_SMTP, host, 465, SV_SOCKET_SSL,
		"%EMAILADDRESS%", 0), SV_AUTH_PASSWORD_CLEARTEXT);
	assert_valid(pv);
	return pv;
}

/* ---- comparing providers ---- */

/* A string field of a model struct, by name (STR_FIELD). */
struct str_field {
	const char *name;
	size_t off;
};

#define STR_FIELD(type, f) { #f, offsetof(type, f) }

/*
 * Each of the n string fields f of got must equal want's (NULL only
 * NULL); a failure names the field.
 */
static void same_strings(const void *got, const void *want,
		const struct str_field *f, size_t n) {
	for (size_t i = 0; i < n; i++) {
		sv_test_str_is(f[i].name,
			*(char *const *)((const char *)got + f[i].off),
			*(char *const *)((const char *)want + f[i].off));
	}
}

#define SERVER_STR(f) STR_FIELD(struct sv_server, f)

static const struct str_field server_strings[] = {
	SERVER_STR(hostname), SERVER_STR(username), SERVER_STR(domain),
	SERVER_STR(url), SERVER_STR(owa_url), SERVER_STR(ews_url),
	SERVER_STR(restriction),
};

#define SERVICE_STR(f) STR_FIELD(struct sv_service, f)

static const struct str_field service_strings[] = {
	SERVICE_STR(url), SERVICE_STR(username), SERVICE_STR(domain),
};

#define PROVIDER_STR(f) STR_FIELD(struct sv_provider, f)

static const struct str_field provider_strings[] = {
	PROVIDER_STR(id), PROVIDER_STR(display_name),
	PROVIDER_STR(short_name),
	PROVIDER_STR(webmail.login_page), PROVIDER_STR(webmail.info_url),
	PROVIDER_STR(webmail.wait_redirect_prefix),
	PROVIDER_STR(webmail.username),
	PROVIDER_STR(webmail.username_field_id),
	PROVIDER_STR(webmail.username_field_name),
	PROVIDER_STR(webmail.password_field_id),
	PROVIDER_STR(webmail.password_field_name),
	PROVIDER_STR(webmail.login_button_id),
	PROVIDER_STR(webmail.login_button_name),
	PROVIDER_STR(oauth2.issuer), PROVIDER_STR(oauth2.scope),
	PROVIDER_STR(oauth2.auth_url), PROVIDER_STR(oauth2.token_url),
};

static void assert_server_eq(const struct sv_server *got,
		const struct sv_server *want) {
	same_strings(got, want, server_strings, SV_TEST_LEN(server_strings));
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->port, want->port);
	assert_int_equal(got->socket, want->socket);
	assert_int_equal(got->n_auth, want->n_auth);
	for (size_t i = 0; i < want->n_auth; i++) {
		assert_int_equal(got->auth[i], want->auth[i]);
	}
	assert_int_equal(got->priority, want->priority);
	assert_int_equal(got->has_pop3, want->has_pop3);
	if (want->has_pop3) {
		assert_int_equal(got->pop3.leave_on_server,
			want->pop3.leave_on_server);
		assert_int_equal(got->pop3.days_to_leave,
			want->pop3.days_to_leave);
		assert_int_equal(got->pop3.download_on_biff,
			want->pop3.download_on_biff);
		assert_int_equal(got->pop3.check_interval_min,
			want->pop3.check_interval_min);
	} else { /* stored as absent */
		assert_int_equal(got->pop3.leave_on_server, SV_UNSET);
		assert_int_equal(got->pop3.days_to_leave, -1);
		assert_int_equal(got->pop3.download_on_biff, SV_UNSET);
		assert_int_equal(got->pop3.check_interval_min, -1);
	}
	assert_int_equal(got->use_global_preferred_server,
		want->use_global_preferred_server);
	assert_int_equal(got->add_this_server, want->add_this_server);
	assert_true(got->id > 0);
}

static void assert_provider_eq(const struct sv_provider *got,
		const struct sv_provider *want) {
	same_strings(got, want, provider_strings,
		SV_TEST_LEN(provider_strings));
	assert_int_equal(got->n_domains, want->n_domains);
	for (size_t i = 0; i < want->n_domains; i++) {
		assert_string_equal(got->domains[i], want->domains[i]);
	}
	assert_int_equal(got->n_servers, want->n_servers);
	for (size_t i = 0; i < want->n_servers; i++) {
		assert_server_eq(&got->servers[i], &want->servers[i]);
		for (size_t j = 0; j < i; j++) {
			assert_true(got->servers[j].id != got->servers[i].id);
		}
	}
	assert_int_equal(got->n_services, want->n_services);
	for (size_t i = 0; i < want->n_services; i++) {
		const struct sv_service *g = &got->services[i];
		const struct sv_service *w = &want->services[i];
		same_strings(g, w, service_strings,
			SV_TEST_LEN(service_strings));
		assert_int_equal(g->type, w->type);
		assert_int_equal(g->priority, w->priority);
		assert_int_equal(g->insecure, w->insecure);
		assert_int_equal(g->n_auth, w->n_auth);
		for (size_t k = 0; k < w->n_auth; k++) {
			assert_int_equal(g->auth[k], w->auth[k]);
		}
		assert_true(g->id > 0);
	}
	assert_int_equal(got->n_links, want->n_links);
	for (size_t i = 0; i < want->n_links; i++) {
		const struct sv_link *g = &got->links[i], *w = &want->links[i];
		assert_int_equal(g->kind, w->kind);
		sv_test_str_is("link url", g->url, w->url);
		assert_int_equal(g->n_texts, w->n_texts);
		for (size_t j = 0; j < w->n_texts; j++) {
			sv_test_str_is("link text lang", g->texts[j].lang,
				w->texts[j].lang);
			sv_test_str_is("link text", g->texts[j].text,
				w->texts[j].text);
		}
	}
}

static void put_ok(struct sv_store *st, const struct sv_provider *pv) {
	struct sv_err err = { .msg = "" };
	int rc = sv_store_put_provider(st, pv, &err);
	if (rc != SV_OK) {
		print_error("put %s: %s\n", pv->id, err.msg);
	}
	assert_int_equal(rc, SV_OK);
}

/* Loads and checks that exactly the given providers come back, in order. */
static void assert_loads(struct sv_store *st,
		const struct sv_provider *const *want, size_t n) {
	struct sv_err err = { .msg = "" };
	struct sv_provider **pvs = NULL;
	size_t got = 0;
	int rc = sv_store_load(st, &pvs, &got, &err);
	if (rc != SV_OK) {
		print_error("load: %s\n", err.msg);
	}
	assert_int_equal(rc, SV_OK);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_provider_eq(pvs[i], want[i]);
	}
	sv_store_free_providers(pvs, got);
}

/* ---- open and migrate ---- */

static void test_create_migrates(void **state) {
	const char *path = fixture_path(state); /* exists, empty */
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	int64_t n = -1;
	assert_int_equal(sv_store_count_providers(st, &n, NULL), SV_OK);
	assert_int_equal(n, 0);
	sv_store_close(st);

	assert_true(sv_store_schema_version() >= 1);
	sqlite3 *db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
		sv_store_schema_version());
	assert_int_equal(raw_int(db, "PRAGMA application_id"),
		SV_STORE_APPLICATION_ID);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_journal_mode"
		" WHERE journal_mode = 'wal'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"
		" WHERE type = 'table' AND name IN ('providers', 'domains',"
		" 'servers', 'server_auth', 'links', 'link_texts')"), 6);
	raw_close(db);

	/* Opening again migrates nothing and keeps the data. */
	st = open_ok(path, SV_STORE_CREATE);
	sv_store_close(st);
	st = open_ok(path, SV_STORE_READWRITE);
	sv_store_close(st);
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
		sv_store_schema_version());
	raw_close(db);
}

static void test_create_new_file(void **state) {
	char path[96];
	snprintf(path, sizeof(path), "%s.new", fixture_path(state));
	unlink(path);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	sv_store_close(st);
	st = open_ok(path, SV_STORE_READONLY);
	sv_store_close(st);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s.new-wal", fixture_path(state));
	unlink(path);
	snprintf(path, sizeof(path), "%s.new-shm", fixture_path(state));
	unlink(path);
}

static void test_memory_database(void **state) {
	(void)state;
	struct sv_store *st = open_ok(":memory:", SV_STORE_CREATE);
	struct sv_provider *pv = full_provider("exemple.fr");
	put_ok(st, pv);
	const struct sv_provider *want[] = { pv };
	assert_loads(st, want, 1);
	sv_provider_destroy(pv);
	sv_store_close(st);
}

static void test_reopen_readonly(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *pv = full_provider("exemple.fr");
	put_ok(st, pv);
	sv_store_close(st);

	struct sv_store *ro = open_ok(path, SV_STORE_READONLY);
	const struct sv_provider *want[] = { pv };
	assert_loads(ro, want, 1);

	/* The server never writes. */
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_store_put_provider(ro, pv, &err), SV_EDB);
	assert_non_null(strstr(err.msg, "read-only"));
	assert_int_not_equal(sv_store_begin(ro, &err), SV_OK);
	sv_store_rollback(ro);

	/* data_version moves when another connection commits. */
	int64_t v1 = 0, v2 = 0, v3 = 0;
	assert_int_equal(sv_store_data_version(ro, &v1, NULL), SV_OK);
	assert_int_equal(sv_store_data_version(ro, &v2, NULL), SV_OK);
	assert_int_equal(v1, v2);
	struct sv_store *rw = open_ok(path, SV_STORE_READWRITE);
	struct sv_provider *other = small_provider("autre.fr", "autre.fr",
		NULL);
	put_ok(rw, other);
	assert_int_equal(sv_store_data_version(ro, &v3, NULL), SV_OK);
	assert_int_not_equal(v1, v3);
	int64_t n = 0;
	assert_int_equal(sv_store_count_providers(ro, &n, NULL), SV_OK);
	assert_int_equal(n, 2);
	sv_store_close(rw);
	sv_store_close(ro);
	sv_provider_destroy(other);
	sv_provider_destroy(pv);
}

static void test_open_missing(void **state) {
	char path[96];
	snprintf(path, sizeof(path), "%s.missing", fixture_path(state));
	struct sv_err err = { .msg = "" };
	struct sv_store *st = (struct sv_store *)&err; /* must become NULL */
	assert_int_equal(sv_store_open_rc(path, SV_STORE_READONLY, &st, &err),
		SV_ENOTFOUND);
	assert_null(st);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(sv_store_open_rc(path, SV_STORE_READWRITE, &st,
		&err), SV_ENOTFOUND);
	assert_null(sv_store_open(path, SV_STORE_READONLY, NULL));
	assert_int_equal(access(path, F_OK), -1); /* nothing created */
	snprintf(path, sizeof(path), "/nonexistent-dir/x/y.sqlite");
	assert_int_equal(sv_store_open_rc(path, SV_STORE_CREATE, &st, &err),
		SV_EDB);
	assert_null(st);
}

/* Expects every mode in modes to refuse path with SV_EDB. */
static void assert_refused(const char *path, const char *msg_part) {
	const enum sv_store_mode modes[] = {
		SV_STORE_READONLY, SV_STORE_READWRITE, SV_STORE_CREATE,
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		struct sv_err err = { .msg = "" };
		struct sv_store *st = NULL;
		int rc = sv_store_open_rc(path, modes[i], &st, &err);
		if (rc != SV_EDB) {
			print_error("mode %zu: rc %d: %s\n", i, rc, err.msg);
		}
		assert_int_equal(rc, SV_EDB);
		assert_null(st);
		if (msg_part != NULL) {
			assert_non_null(strstr(err.msg, msg_part));
		}
	}
}

static void test_open_refuses_foreign(void **state) {
	const char *path = fixture_path(state);
	/* Another application's SQLite database. */
	sqlite3 *db = raw_open(path);
	raw_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
	raw_close(db);
	assert_refused(path, "not a suivant database");
	/* ... left untouched: not switched to WAL, not migrated */
	db = raw_open(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_journal_mode"
		" WHERE journal_mode = 'delete'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);
	/* Someone else's application_id, no tables. */
	raw_exec(db, "DROP TABLE t; PRAGMA application_id = 1234");
	raw_close(db);
	assert_refused(path, "not a suivant database");
}

static void test_open_refuses_not_sqlite(void **state) {
	const char *path = fixture_path(state);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 64; i++) {
		fputs("this is a text file, not a database\n", f);
	}
	assert_int_equal(fclose(f), 0);
	assert_refused(path, path);
}

static void test_open_refuses_empty_readonly(void **state) {
	const char *path = fixture_path(state); /* mkstemp: 0 bytes */
	struct sv_err err = { .msg = "" };
	struct sv_store *st = NULL;
	assert_int_equal(sv_store_open_rc(path, SV_STORE_READONLY, &st, &err),
		SV_EDB);
	assert_non_null(strstr(err.msg, "not a suivant database"));
	assert_int_equal(sv_store_open_rc(path, SV_STORE_READWRITE, &st,
		&err), SV_EDB);
	assert_null(st);
}

static void test_open_refuses_newer(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	sv_store_close(st);
	sqlite3 *db = raw_open(path);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		sv_store_schema_version() + 1);
	raw_exec(db, sql);
	raw_close(db);
	assert_refused(path, "newer suivant");
}

static void test_readonly_refuses_unmigrated(void **state) {
	const char *path = fixture_path(state);
	/* Ours, but without a schema: only possible by hand. */
	sqlite3 *db = raw_open(path);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
		SV_STORE_APPLICATION_ID);
	raw_exec(db, sql);
	raw_close(db);
	struct sv_err err = { .msg = "" };
	struct sv_store *st = NULL;
	assert_int_equal(sv_store_open_rc(path, SV_STORE_READONLY, &st, &err),
		SV_EDB);
	/* A writer migrates it, after which the reader accepts it. */
	st = open_ok(path, SV_STORE_READWRITE);
	sv_store_close(st);
	st = open_ok(path, SV_STORE_READONLY);
	sv_store_close(st);
}

/* A migrated database at path stores a calendar for provider_id. */
static void assert_takes_service(const char *path, const char *provider_id,
		const char *url) {
	struct sv_store *st = open_ok(path, SV_STORE_READWRITE);
	struct sv_service s = { .type = SV_SERVICE_CALDAV, .url = (char *)url,
		.n_auth = 1, .auth = { SV_SAUTH_HTTP_BASIC } };
	int64_t id = 0;
	assert_int_equal(sv_store_service_add(st, provider_id, &s, &id, NULL),
		SV_OK);
	assert_true(id > 0);
	sv_store_close(st);
}

/*
 * A database the first release made: schema/0001_init.sql alone, as
 * that release applied it (with its user_version and application_id),
 * holding rows. A writer's open migrates it in place: the rows are all
 * there, the provider loads as it was stored, services can be added, and
 * the answers it serves are those of the same provider stored today.
 */
static void test_migrates_previous_release(void **state) {
	const char *path = fixture_path(state);
	size_t len = 0;
	char *v1 = NULL;
	FILE *f = fopen(SV_SOURCE_ROOT "/schema/0001_init.sql", "rb");
	assert_non_null(f);
	v1 = sv_malloc(1 << 20);
	assert_non_null(v1);
	len = fread(v1, 1, (1 << 20) - 1, f);
	fclose(f);
	v1[len] = '\0';
	sqlite3 *db = raw_open(path);
	raw_exec(db, "BEGIN");
	raw_exec(db, v1);
	sv_free(v1);
	char sql[96];
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;"
		" PRAGMA user_version = 1", SV_STORE_APPLICATION_ID);
	raw_exec(db, sql);
	raw_exec(db, "COMMIT");
	raw_exec(db,
		"INSERT INTO providers (id, display_name) VALUES"
		" ('vieux.fr', 'Vieux');"
		"INSERT INTO domains VALUES ('vieux.fr', 'vieux.fr', 0),"
		" ('vieux.org', 'vieux.fr', 1);"
		"INSERT INTO servers (id, provider_id, type, hostname, port,"
		" socket, username, priority) VALUES"
		" (7, 'vieux.fr', 'imap', 'imap.%EMAILDOMAIN%', 993, 'SSL',"
		" '%EMAILLOCALPART%', 10),"
		" (8, 'vieux.fr', 'smtp', 'smtp.vieux.fr', 465, 'SSL', NULL, 20);"
		"INSERT INTO servers (id, provider_id, type, hostname, port,"
		" socket, domain, priority) VALUES (9, 'vieux.fr', 'imap',"
		" 'imap.vieux.org', 143, 'STARTTLS', 'vieux.org', 5);"
		"INSERT INTO server_auth VALUES (7, 0, 'OAuth2'),"
		" (7, 1, 'password-cleartext'), (8, 0, 'password-cleartext'),"
		" (9, 0, 'password-encrypted');"
		"INSERT INTO links (id, provider_id, kind, position, url) VALUES"
		" (3, 'vieux.fr', 'documentation', 0, 'https://vieux.fr/aide');"
		"INSERT INTO link_texts VALUES (3, 0, 'fr', 'Aide');");
	raw_close(db);
	struct counts before = raw_counts_of(path, false);

	/* The server (read-only) refuses it until a writer migrates it. */
	struct sv_store *st = NULL;
	assert_int_equal(sv_store_open_rc(path, SV_STORE_READONLY, &st, NULL),
		SV_EDB);
	int from = -1;
	assert_int_equal(sv_store_upgrade(path, &from, NULL), SV_OK);
	assert_int_equal(from, 1);
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
		sv_store_schema_version());
	assert_int_equal(raw_int(db, "SELECT count(*) FROM services"), 0);
	raw_close(db);
	struct counts after = raw_counts(path);
	after.services = after.service_auth = 0;
	assert_counts(after, before);
	/* Once is enough: a current database is left alone. */
	assert_int_equal(sv_store_upgrade(path, &from, NULL), SV_OK);
	assert_int_equal(from, sv_store_schema_version());

	st = open_ok(path, SV_STORE_READONLY);
	struct sv_provider *old = NULL;
	assert_int_equal(sv_store_load_provider(st, "vieux.fr", &old, NULL),
		SV_OK);
	sv_store_close(st);
	assert_int_equal(old->n_servers, 3);
	assert_int_equal(old->servers[0].id, 9); /* priority order */
	assert_int_equal(old->servers[1].n_auth, 2);
	assert_int_equal(old->n_services, 0);
	assert_valid(old);

	/* The same rows written today load the same. */
	char fresh[128];
	snprintf(fresh, sizeof(fresh), "%s.fresh", path);
	unlink(fresh);
	st = open_ok(fresh, SV_STORE_CREATE);
	put_ok(st, old);
	struct sv_provider *now = NULL;
	assert_int_equal(sv_store_load_provider(st, "vieux.fr", &now, NULL),
		SV_OK);
	sv_store_close(st);
	assert_provider_eq(now, old);
	sv_provider_destroy(now);
	unlink(fresh);
	snprintf(sql, sizeof(sql), "%s.fresh-wal", path);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s.fresh-shm", path);
	unlink(sql);

	/* And the migrated one takes services. */
	assert_takes_service(path, "vieux.fr", "https://dav.vieux.fr/");
	sv_provider_destroy(old);
}

/*
 * A database made by the first release (schema/0001_init.sql, with a
 * provider) migrates in place: its rows stay, and the columns added since
 * (0006: webmail_wait_redirect_prefix) load as absent and can be set.
 */
static void test_migrates_a_0001_database(void **state) {
	const char *path = fixture_path(state);
	FILE *f = fopen(SV_SOURCE_ROOT "/schema/0001_init.sql", "rb");
	assert_non_null(f);
	static char sql[64 * 1024];
	size_t n = fread(sql, 1, sizeof(sql) - 1, f);
	assert_true(n > 0 && n < sizeof(sql) - 1);
	fclose(f);
	sql[n] = '\0';
	sqlite3 *db = raw_open(path);
	raw_exec(db, sql);
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d",
		SV_STORE_APPLICATION_ID);
	raw_exec(db, pragma);
	raw_exec(db, "PRAGMA user_version = 1");
	raw_exec(db, "INSERT INTO providers (id, webmail_login_page,"
		" webmail_info_url) VALUES ('exemple.fr',"
		" 'https://webmail.exemple.fr/', 'https://webmail.exemple.fr/in')");
	raw_close(db);

	struct sv_store *st = open_ok(path, SV_STORE_READWRITE);
	struct sv_provider *pv = NULL;
	assert_int_equal(sv_store_load_provider(st, "exemple.fr", &pv, NULL),
		SV_OK);
	assert_string_equal(pv->webmail.info_url,
		"https://webmail.exemple.fr/in");
	assert_null(pv->webmail.wait_redirect_prefix);
	sv_provider_destroy(pv);
	sv_store_close(st);
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
		sv_store_schema_version());
	raw_exec(db, "UPDATE providers SET webmail_wait_redirect_prefix ="
		" 'https://webmail.exemple.fr/boite'");
	/* the column's CHECK: a URL, and only with webmail_info_url */
	assert_int_equal(sqlite3_exec(db, "UPDATE providers SET"
		" webmail_info_url = NULL", NULL, NULL, NULL),
		SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "UPDATE providers SET"
		" webmail_wait_redirect_prefix = 'boite'", NULL, NULL, NULL),
		SQLITE_CONSTRAINT);
	raw_close(db);
}

/* The migrations in order: an older release's database is a prefix. */
static const char *const older_schema[] = {
	SV_SOURCE_ROOT "/schema/0001_init.sql",
	SV_SOURCE_ROOT "/schema/0005_webadmin.sql",
	SV_SOURCE_ROOT "/schema/0006_webmail_wait_redirect.sql",
	SV_SOURCE_ROOT "/schema/0007_hosting.sql",
	SV_SOURCE_ROOT "/schema/0008_publish_plaintext.sql",
	SV_SOURCE_ROOT "/schema/0009_services.sql",
};

/*
 * Makes at path the database that applying the first n_files migrations
 * in turn made, with one provider stored, recorded as schema version.
 */
static void make_older_database(const char *path, size_t n_files,
		int version) {
	assert_true(n_files <= sizeof(older_schema) / sizeof(*older_schema));
	const char *const *files = older_schema;
	sqlite3 *db = raw_open(path);
	static char sql[64 * 1024];
	for (size_t i = 0; i < n_files; i++) {
		FILE *f = fopen(files[i], "rb");
		assert_non_null(f);
		size_t n = fread(sql, 1, sizeof(sql) - 1, f);
		assert_true(n > 0 && n < sizeof(sql) - 1);
		fclose(f);
		sql[n] = '\0';
		raw_exec(db, sql);
	}
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d",
		SV_STORE_APPLICATION_ID);
	raw_exec(db, pragma);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	raw_exec(db, pragma);
	raw_exec(db, "INSERT INTO providers (id) VALUES ('exemple.fr')");
	raw_close(db);
}

/*
 * Opens the older database at path for writing, then checks that it
 * reached this binary's version with publish_plaintext (0008): its
 * provider left at the safe default, and the stored value loaded.
 */
static void assert_migrated_to_publish_plaintext(const char *path) {
	struct sv_store *st = open_ok(path, SV_STORE_READWRITE);
	struct sv_provider *pv = NULL;
	assert_int_equal(sv_store_load_provider(st, "exemple.fr", &pv, NULL),
		SV_OK);
	assert_false(pv->publish_plaintext);
	sv_provider_destroy(pv);
	sv_store_close(st);
	sqlite3 *db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
		sv_store_schema_version());
	assert_int_equal(raw_int(db, "SELECT publish_plaintext FROM providers"
		" WHERE id = 'exemple.fr'"), 0);
	raw_exec(db, "UPDATE providers SET publish_plaintext = 1");
	assert_int_equal(sqlite3_exec(db, "UPDATE providers SET"
		" publish_plaintext = 2", NULL, NULL, NULL), SQLITE_CONSTRAINT);
	raw_close(db);
	st = open_ok(path, SV_STORE_READONLY);
	assert_int_equal(sv_store_load_provider(st, "exemple.fr", &pv, NULL),
		SV_OK);
	assert_true(pv->publish_plaintext);
	sv_provider_destroy(pv);
	sv_store_close(st);
}

/*
 * The release before hosting shipped schema 0001 and 0005 (user_version
 * 5). A later migration numbered below that would be skipped on such a
 * database, so every migration added since must still be applied to it:
 * hosting's domain_mx table (0007) must exist, publish_plaintext (0008)
 * must be there, and the services tables (0009): the provider takes a
 * service.
 */
static void test_migrates_a_version_5_database(void **state) {
	const char *path = fixture_path(state);
	make_older_database(path, 2, 5);
	assert_migrated_to_publish_plaintext(path);
	sqlite3 *db = raw_open(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"
		" WHERE name = 'domain_mx'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_table_info("
		"'providers') WHERE name = 'webmail_wait_redirect_prefix'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"
		" WHERE type = 'table' AND name IN ('services', 'service_auth')"),
		2);
	raw_close(db);
	assert_takes_service(path, "exemple.fr", "https://dav.exemple.fr/cal/");
}

/*
 * A database made with hosting but before publish_plaintext (user_version
 * 7) gets 0008 and 0009 applied.
 */
static void test_migrates_a_version_7_database(void **state) {
	const char *path = fixture_path(state);
	make_older_database(path, 4, 7);
	assert_migrated_to_publish_plaintext(path);
	assert_takes_service(path, "exemple.fr", "https://dav.exemple.fr/cal/");
}

static int cmp_str(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The rows a query returns, one line each ('|' between values), sorted,
 * appended to *out (owned by the caller).
 */
static void raw_dump(sqlite3 *db, const char *sql, char **out) {
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	char *rows[64];
	size_t n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_true(n < sizeof(rows) / sizeof(*rows));
		char *line = sqlite3_mprintf("%s:", sql);
		for (int c = 0; c < sqlite3_column_count(s); c++) {
			const unsigned char *v = sqlite3_column_text(s, c);
			char *next = sqlite3_mprintf("%s|%s", line,
				v != NULL ? (const char *)v : "NULL");
			sqlite3_free(line);
			line = next;
		}
		rows[n++] = line;
	}
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	qsort(rows, n, sizeof(*rows), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *next = sqlite3_mprintf("%s%s\n", *out != NULL ? *out : "",
			rows[i]);
		sqlite3_free(rows[i]);
		sqlite3_free(*out);
		*out = next;
	}
}

/*
 * Every row of every table but the four 0010 touches, and the queries
 * given for those: what 0010 must leave as it was.
 */
static char *dump_others(sqlite3 *db, const char *const *queries,
		size_t n_queries) {
	char *out = NULL;
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master"
		" WHERE type = 'table' AND name NOT IN ('servers',"
		" 'server_auth', 'services', 'service_auth', 'sqlite_sequence')"
		" ORDER BY name", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char *q = sqlite3_mprintf("SELECT * FROM \"%w\"",
			(const char *)sqlite3_column_text(s, 0));
		raw_dump(db, q, &out);
		sqlite3_free(q);
	}
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	for (size_t i = 0; i < n_queries; i++) {
		raw_dump(db, queries[i], &out);
	}
	assert_non_null(out);
	return out;
}

/*
 * Before the services model, the importer stored ews, owa and graph
 * entries as URL-typed servers rows. 0010 moves those the services model
 * can hold onto services (methods renamed, Basic once, priority and
 * username kept), removes a row whose service is already there without
 * adding it twice, and leaves what it cannot hold (a method with no HTTP
 * name, plain http, a URL the service parser refuses) where it was; every
 * other row of every table stays byte for byte.
 */
static void test_migrates_legacy_url_servers(void **state) {
	const char *path = fixture_path(state);
	make_older_database(path, 6, 9);
	sqlite3 *db = raw_open(path);
	raw_exec(db, "INSERT INTO domains VALUES ('exemple.fr', 'exemple.fr',"
		" 0);"
		"INSERT INTO servers (id, provider_id, type, hostname, port,"
		" socket, priority) VALUES (1, 'exemple.fr', 'imap',"
		" 'imap.exemple.fr', 993, 'SSL', 10);"
		"INSERT INTO servers (id, provider_id, type, url, username,"
		" priority) VALUES"
		" (2, 'exemple.fr', 'ews', 'https://mail.exemple.fr/EWS/"
		"Exchange.asmx', '%EMAILADDRESS%', 20),"
		" (3, 'exemple.fr', 'graph', 'https://graph.exemple.fr/', NULL,"
		" 30),"
		" (4, 'exemple.fr', 'owa', 'http://mail.exemple.fr/owa/', NULL,"
		" 40),"
		" (5, 'exemple.fr', 'owa', 'https://mail.exemple.fr/owa/', NULL,"
		" 50),"
		" (6, 'exemple.fr', 'ews', 'https://u@mail.exemple.fr/EWS/',"
		" NULL, 60);"
		"INSERT INTO server_auth VALUES (1, 0, 'password-cleartext'),"
		" (2, 0, 'plain'), (2, 1, 'OAuth2'), (2, 2, 'password-cleartext'),"
		" (3, 0, 'password-encrypted'), (4, 0, 'password-cleartext'),"
		" (5, 0, 'password-cleartext'), (6, 0, 'OAuth2');"
		"INSERT INTO services (id, provider_id, type, url, priority)"
		" VALUES (9, 'exemple.fr', 'owa', 'https://mail.exemple.fr/owa/',"
		" 45);"
		"INSERT INTO service_auth VALUES (9, 0, 'OAuth2'),"
		" (9, 1, 'http-basic');"
		"INSERT INTO links (id, provider_id, kind, position, url) VALUES"
		" (1, 'exemple.fr', 'documentation', 0, 'https://exemple.fr/');");
	/* the same queries after: no service had id 10 before */
	static const char *const kept[] = {
		"SELECT * FROM servers WHERE id NOT IN (2, 5)",
		"SELECT * FROM server_auth WHERE server_id NOT IN (2, 5)",
		"SELECT * FROM services WHERE id <> 10",
		"SELECT * FROM service_auth WHERE service_id <> 10",
	};
	char *want = dump_others(db, kept, sizeof(kept) / sizeof(*kept));
	raw_close(db);

	struct sv_store *st = open_ok(path, SV_STORE_READWRITE);
	struct sv_provider *pv = NULL;
	assert_int_equal(sv_store_load_provider(st, "exemple.fr", &pv, NULL),
		SV_OK);
	sv_store_close(st);
	assert_int_equal(pv->n_servers, 4);
	assert_int_equal(pv->n_services, 2);
	const struct sv_service *ews = &pv->services[0];
	assert_int_equal(ews->type, SV_SERVICE_EWS);
	assert_string_equal(ews->url, "https://mail.exemple.fr/EWS/"
		"Exchange.asmx");
	assert_string_equal(ews->username, "%EMAILADDRESS%");
	assert_int_equal(ews->priority, 20);
	assert_null(ews->domain);
	assert_int_equal(ews->n_auth, 2);
	assert_int_equal(ews->auth[0], SV_SAUTH_HTTP_BASIC);
	assert_int_equal(ews->auth[1], SV_SAUTH_OAUTH2);
	assert_int_equal(pv->services[1].id, 9);
	sv_provider_destroy(pv);

	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
		sv_store_schema_version());
	/* a new id after the highest, so no stale id names it */
	assert_int_equal(raw_int(db, "SELECT id FROM services WHERE type ="
		" 'ews'"), 10);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM service_auth"
		" WHERE service_id = 10 AND ((position = 0 AND method ="
		" 'http-basic') OR (position = 1 AND method = 'OAuth2'))"), 2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM service_auth"),
		4);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_temp_master"),
		0);
	char *got = dump_others(db, kept, sizeof(kept) / sizeof(*kept));
	assert_int_equal(raw_int(db, "SELECT count(*) FROM servers WHERE id IN"
		" (2, 5)"), 0);
	raw_close(db);
	assert_string_equal(got, want);
	sqlite3_free(want);
	sqlite3_free(got);
}

/* ---- put and load ---- */

static void test_roundtrip_every_field(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *pv = full_provider("exemple.fr");
	put_ok(st, pv);
	const struct sv_provider *want[] = { pv };
	assert_loads(st, want, 1);

	/* What load gives back is valid and stores back identically. */
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	assert_int_equal(sv_store_load(st, &pvs, &n, NULL), SV_OK);
	assert_int_equal(n, 1);
	put_ok(st, pvs[0]);
	assert_loads(st, want, 1);
	sv_store_free_providers(pvs, n);
	sv_store_close(st);

	/* Absent values are NULL in SQL, not "" or 0. */
	sqlite3 *db = raw_open(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM servers"
		" WHERE type = 'smtp' AND username IS NULL"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM servers"
		" WHERE type IN ('ews', 'owa', 'graph') AND port IS NULL"
		" AND socket IS NULL AND hostname IS NULL"), 3);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM servers"
		" WHERE pop3_days_to_leave = 0 AND pop3_leave_on_server IS NULL"
		" AND pop3_check_interval_min IS NULL"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM link_texts"
		" WHERE lang IS NULL"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM servers"
		" WHERE domain = 'exemple.org'"), 1);
	raw_close(db);
	sv_provider_destroy(pv);
}

static void test_load_order(void **state) {
	(void)state;
	struct sv_store *st = open_ok(":memory:", SV_STORE_CREATE);
	/* Servers out of priority order, domains out of alphabetical order. */
	struct sv_provider *b = provider_new("b.example");
	add_domain(b, "zz.example");
	add_domain(b, "b.example");
	add_domain(b, "*.mm.example");
	auth(add_tcp(b, SV_SERVER_IMAP, "imap5.b.example", 993, SV_SOCKET_SSL,
		"u", 5), SV_AUTH_PASSWORD_CLEARTEXT);
	auth(add_tcp(b, SV_SERVER_SMTP, "smtp0.b.example", 465, SV_SOCKET_SSL,
		"u", 0), SV_AUTH_PASSWORD_CLEARTEXT);
	auth(add_tcp(b, SV_SERVER_IMAP, "imap0.b.example", 993, SV_SOCKET_SSL,
		"u", 0), SV_AUTH_PASSWORD_CLEARTEXT);
	auth(add_tcp(b, SV_SERVER_POP3, "pop5.b.example", 995, SV_SOCKET_SSL,
		"u", 5), SV_AUTH_PASSWORD_CLEARTEXT);
	auth(add_tcp(b, SV_SERVER_SMTP, "smtpm.b.example", 587,
		SV_SOCKET_STARTTLS, "u", -3), SV_AUTH_PASSWORD_CLEARTEXT);
	assert_valid(b);
	struct sv_provider *a = small_provider("a.example", "a.example", NULL);
	put_ok(st, b);
	put_ok(st, a);

	struct sv_provider **pvs = NULL;
	size_t n = 0;
	assert_int_equal(sv_store_load(st, &pvs, &n, NULL), SV_OK);
	assert_int_equal(n, 2);
	assert_string_equal(pvs[0]->id, "a.example");
	assert_string_equal(pvs[1]->id, "b.example");
	const struct sv_provider *lb = pvs[1];
	assert_int_equal(lb->n_domains, 3);
	assert_string_equal(lb->domains[0], "zz.example");
	assert_string_equal(lb->domains[1], "b.example");
	assert_string_equal(lb->domains[2], "*.mm.example");
	const char *order[] = { "smtpm.b.example", "smtp0.b.example",
		"imap0.b.example", "imap5.b.example", "pop5.b.example" };
	assert_int_equal(lb->n_servers, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(lb->servers[i].hostname, order[i]);
		if (i > 0) {
			assert_true(lb->servers[i - 1].priority <=
				lb->servers[i].priority);
		}
	}
	sv_store_free_providers(pvs, n);
	sv_store_free_providers(NULL, 0);
	sv_provider_destroy(a);
	sv_provider_destroy(b);
	sv_store_close(st);
}

static void test_load_empty(void **state) {
	(void)state;
	struct sv_store *st = open_ok(":memory:", SV_STORE_CREATE);
	struct sv_provider **pvs = (struct sv_provider **)&st;
	size_t n = 99;
	assert_int_equal(sv_store_load(st, &pvs, &n, NULL), SV_OK);
	assert_int_equal(n, 0);
	sv_store_free_providers(pvs, n);
	sv_store_close(st);
}

static void test_replace_keeps_no_orphans(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *full = full_provider("exemple.fr");
	struct sv_provider *keep = small_provider("autre.fr", "autre.fr",
		"autre.net");
	put_ok(st, keep);
	put_ok(st, full);
	const struct counts both = { 2, 6, 11, 17, 3, 4, 4, 5 };
	assert_counts(raw_counts(path), both);

	int64_t max_id = 0;
	{
		sqlite3 *db = raw_open(path);
		max_id = raw_int(db, "SELECT max(id) FROM servers");
		raw_close(db);
	}
	/* Same id, far less: one domain, two servers, no links, no extras. */
	struct sv_provider *small = small_provider("exemple.fr", "exemple.fr",
		NULL);
	put_ok(st, small);
	assert_counts(raw_counts(path), (struct counts){ 2, 3, 4, 4, 0, 0, 0, 0 });
	const struct sv_provider *want[] = { keep, small };
	assert_loads(st, want, 2);
	/* The domains it gave up are free for another provider now. */
	struct sv_provider *taker = small_provider("preneur.fr", "exemple.org",
		"*.exemple.net");
	put_ok(st, taker);

	/* Putting the same provider twice changes nothing but server ids. */
	put_ok(st, keep);
	put_ok(st, keep);
	assert_counts(raw_counts(path), (struct counts){ 3, 5, 6, 6, 0, 0, 0, 0 });
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	assert_int_equal(sv_store_load(st, &pvs, &n, NULL), SV_OK);
	assert_int_equal(n, 3);
	assert_true(pvs[0]->servers[0].id > max_id); /* autre.fr: new ids */
	sv_store_free_providers(pvs, n);

	sv_provider_destroy(taker);
	sv_provider_destroy(small);
	sv_provider_destroy(keep);
	sv_provider_destroy(full);
	sv_store_close(st);
}

static void test_conflict_leaves_db_unchanged(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *a = full_provider("exemple.fr");
	put_ok(st, a);
	struct counts before = raw_counts(path);

	/* The conflicting domain comes last: the earlier ones were fine. */
	struct sv_provider *b = small_provider("b.fr", "b.fr", "exemple.org");
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_store_put_provider(st, b, &err), SV_EEXIST);
	assert_string_equal(err.msg,
		"domain exemple.org belongs to provider exemple.fr");
	assert_counts(raw_counts(path), before);
	const struct sv_provider *want[] = { a };
	assert_loads(st, want, 1);

	/* Replacing a with a domain of b is refused the same way. */
	struct sv_provider *c = small_provider("c.fr", "c.fr", NULL);
	put_ok(st, c);
	before = raw_counts(path);
	add_domain(a, "c.fr");
	assert_int_equal(sv_store_put_provider(st, a, &err), SV_EEXIST);
	assert_string_equal(err.msg, "domain c.fr belongs to provider c.fr");
	assert_counts(raw_counts(path), before);

	/* Inside the caller's transaction only the failed put is undone. */
	struct sv_provider *d = small_provider("d.fr", "d.fr", NULL);
	assert_int_equal(sv_store_begin(st, &err), SV_OK);
	put_ok(st, d);
	assert_int_equal(sv_store_put_provider(st, b, &err), SV_EEXIST);
	int64_t n = 0;
	assert_int_equal(sv_store_count_providers(st, &n, NULL), SV_OK);
	assert_int_equal(n, 3);
	assert_int_equal(sv_store_commit(st, &err), SV_OK);
	before.providers++;
	before.domains++;
	before.servers += 2;
	before.auth += 2;
	assert_counts(raw_counts(path), before);

	sv_provider_destroy(d);
	sv_provider_destroy(c);
	sv_provider_destroy(b);
	sv_provider_destroy(a);
	sv_store_close(st);
}

static void test_put_invalid_writes_nothing(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *pv = small_provider("exemple.fr", "exemple.fr",
		NULL);
	pv->servers[0].port = 0;
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_store_put_provider(st, pv, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "port"));
	sv_provider_destroy(pv);

	/* small_provider validated a lower-case id; break it afterwards */
	pv = small_provider("exemple.fr", "exemple.fr", NULL);
	pv->id[0] = 'E';
	assert_int_equal(sv_store_put_provider(st, pv, &err), SV_EINVAL);
	assert_counts(raw_counts(path), (struct counts){ 0, 0, 0, 0, 0, 0, 0, 0 });
	sv_provider_destroy(pv);
	sv_store_close(st);
}

static void test_transactions(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *a = small_provider("a.fr", "a.fr", NULL);
	struct sv_provider *b = small_provider("b.fr", "b.fr", NULL);
	struct sv_err err = { .msg = "" };

	assert_int_equal(sv_store_begin(st, &err), SV_OK);
	assert_int_not_equal(sv_store_begin(st, &err), SV_OK); /* no nesting */
	put_ok(st, a);
	sv_store_rollback(st);
	sv_store_rollback(st); /* nothing open: no-op */
	assert_counts(raw_counts(path), (struct counts){ 0, 0, 0, 0, 0, 0, 0, 0 });

	assert_int_equal(sv_store_begin(st, &err), SV_OK);
	put_ok(st, a);
	put_ok(st, b);
	/* A load inside the transaction sees its own writes. */
	const struct sv_provider *want[] = { a, b };
	assert_loads(st, want, 2);
	assert_int_equal(sv_store_commit(st, &err), SV_OK);
	assert_counts(raw_counts(path), (struct counts){ 2, 2, 4, 4, 0, 0, 0, 0 });
	assert_int_not_equal(sv_store_commit(st, &err), SV_OK);
	sv_store_rollback(NULL);

	sv_provider_destroy(b);
	sv_provider_destroy(a);
	sv_store_close(st);
	sv_store_close(NULL);
}

/* ---- the schema on its own: raw SQL ---- */

/* Statements that must fail with a constraint error, each on its own. */
static const char *const junk[] = {
	/* providers */
	"INSERT INTO providers (id) VALUES ('Exemple.fr')",
	"INSERT INTO providers (id) VALUES ('a b.fr')",
	"INSERT INTO providers (id) VALUES ('.a.fr')",
	"INSERT INTO providers (id) VALUES ('a.fr.')",
	"INSERT INTO providers (id) VALUES ('a..fr')",
	"INSERT INTO providers (id) VALUES ('-a.fr')",
	"INSERT INTO providers (id) VALUES ('a-.fr')",
	"INSERT INTO providers (id) VALUES ('a_b.fr')",
	"INSERT INTO providers (id) VALUES ('')",
	"INSERT INTO providers (id) VALUES (NULL)",
	"INSERT INTO providers (id) VALUES (x'612e6672')", /* a blob */
	"INSERT INTO providers (id) VALUES ("
		"replace(hex(zeroblob(127)), '0', 'a'))", /* 254 chars */
	"INSERT INTO providers (id) VALUES ('a.fr')", /* duplicate */
	"INSERT INTO providers (id, display_name) VALUES ('x.fr', '')",
	"INSERT INTO providers (id, display_name) VALUES ('x.fr',"
		" replace(hex(zeroblob(31)), '0', 'n') || 'n')", /* 63 */
	"INSERT INTO providers (id, short_name) VALUES ('x.fr',"
		" '123456789012345678901')",
	"INSERT INTO providers (id, webmail_username) VALUES ('x.fr', 'u')",
	"INSERT INTO providers (id, webmail_login_page)"
		" VALUES ('x.fr', 'ftp://x.fr/')",
	"INSERT INTO providers (id, webmail_login_page)"
		" VALUES ('x.fr', 'https:///x')",
	"INSERT INTO providers (id, webmail_login_page)"
		" VALUES ('x.fr', 'https://x.fr/a b')",
	"INSERT INTO providers (id, oauth2_scope) VALUES ('x.fr', 'mail')",
	"INSERT INTO providers (id, oauth2_issuer) VALUES ('x.fr', '')",
	"INSERT INTO providers (id, oauth2_issuer, oauth2_token_url)"
		" VALUES ('x.fr', 'i', 'token')",
	/* domains */
	"INSERT INTO domains VALUES ('A.fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('*.', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('**', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('*.*', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('x*.fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('*x.fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('x.*.fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('*.-x.fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('x..fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('x.fr.', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('x fr', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('', 'a.fr', 10)",
	"INSERT INTO domains VALUES ('x.fr', 'nobody.fr', 10)",
	"INSERT INTO domains VALUES ('x.fr', 'a.fr', -1)",
	"INSERT INTO domains VALUES ('x.fr', 'a.fr', 0)", /* position taken */
	"INSERT INTO domains VALUES ('a.fr', 'b.fr', 10)", /* name taken */
	"UPDATE domains SET provider_id = 'b.fr' WHERE name = 'a.fr'",
	/* servers */
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'nntp', 'h.fr', 119, 'plain')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'IMAP', 'h.fr', 993, 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'imap', 'h.fr', 0, 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'imap', 'h.fr', 65536, 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'imap', 'h.fr', 'abc', 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'imap', 'h.fr', 993, 'ssl')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'imap', 'h_x.fr', 993, 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('a.fr', 'imap', '', 993, 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, socket)"
		" VALUES ('a.fr', 'imap', 'h.fr', 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port)"
		" VALUES ('a.fr', 'smtp', 'h.fr', 465)",
	"INSERT INTO servers (provider_id, type, port, socket)"
		" VALUES ('a.fr', 'pop3', 995, 'SSL')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket)"
		" VALUES ('nobody.fr', 'imap', 'h.fr', 993, 'SSL')",
	"INSERT INTO servers (provider_id, type) VALUES ('a.fr', 'ews')",
	"INSERT INTO servers (provider_id, type, url)"
		" VALUES ('a.fr', 'ews', 'ews.fr')",
	"INSERT INTO servers (provider_id, type, url, hostname)"
		" VALUES ('a.fr', 'graph', 'https://g.fr/', 'g.fr')",
	"INSERT INTO servers (provider_id, type, url, port)"
		" VALUES ('a.fr', 'owa', 'https://o.fr/', 443)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" owa_url) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL',"
		" 'https://o.fr/')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" url) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL',"
		" 'https://o.fr/')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" has_pop3) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL', 1)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" pop3_days_to_leave) VALUES ('a.fr', 'pop3', 'h.fr', 995,"
		" 'SSL', 7)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" has_pop3, pop3_check_interval_min) VALUES ('a.fr', 'pop3',"
		" 'h.fr', 995, 'SSL', 1, 0)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" has_pop3, pop3_days_to_leave) VALUES ('a.fr', 'pop3',"
		" 'h.fr', 995, 'SSL', 1, -1)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" has_pop3, pop3_leave_on_server) VALUES ('a.fr', 'pop3',"
		" 'h.fr', 995, 'SSL', 1, 2)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" has_pop3) VALUES ('a.fr', 'pop3', 'h.fr', 995, 'SSL', 2)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" use_global_preferred_server) VALUES ('a.fr', 'imap', 'h.fr',"
		" 993, 'SSL', -1)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" add_this_server) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL',"
		" 1)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" restriction) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL',"
		" 'client-IP-address')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" domain) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL', 'b.fr')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" domain) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL', 'zz.fr')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" priority) VALUES ('a.fr', 'imap', 'h.fr', 993, 'SSL',"
		" 4294967296)",
	"UPDATE servers SET domain = 'b.fr' WHERE id = 1",
	"UPDATE servers SET port = 70000 WHERE id = 1",
	/* server_auth */
	"INSERT INTO server_auth VALUES (1, 5, 'foo')",
	"INSERT INTO server_auth VALUES (1, 5, 'oauth2')",
	"INSERT INTO server_auth VALUES (1, 8, 'NTLM')",
	"INSERT INTO server_auth VALUES (1, -1, 'NTLM')",
	"INSERT INTO server_auth VALUES (1, 0, 'NTLM')", /* position taken */
	"INSERT INTO server_auth VALUES (1, 5, 'password-cleartext')",
	"INSERT INTO server_auth VALUES (1, 5, 'none')", /* imap */
	"INSERT INTO server_auth VALUES (99, 0, 'NTLM')",
	"UPDATE server_auth SET method = 'smtp-after-pop' WHERE server_id = 1",
	/* links */
	"INSERT INTO links (provider_id, kind, position, url)"
		" VALUES ('a.fr', 'faq', 5, 'https://a.fr/')",
	"INSERT INTO links (provider_id, kind, position, url)"
		" VALUES ('a.fr', 'enable', 5, NULL)",
	"INSERT INTO links (provider_id, kind, position, url)"
		" VALUES ('a.fr', 'enable', 5, 'javascript:alert(1)')",
	"INSERT INTO links (provider_id, kind, position, url)"
		" VALUES ('a.fr', 'enable', 0, 'https://a.fr/')",
	"INSERT INTO links (provider_id, kind, position, url)"
		" VALUES ('nobody.fr', 'enable', 5, 'https://a.fr/')",
	/* link_texts */
	"INSERT INTO link_texts VALUES (1, 5, 'en', NULL)",
	"INSERT INTO link_texts VALUES (1, 5, '', 't')",
	"INSERT INTO link_texts VALUES (1, 5, '1en', 't')",
	"INSERT INTO link_texts VALUES (1, 5, 'en_US', 't')",
	"INSERT INTO link_texts VALUES (1, 0, 'en', 't')", /* position taken */
	"INSERT INTO link_texts VALUES (99, 0, 'en', 't')",
	"INSERT INTO link_texts VALUES (1, 5, 'en',"
		" replace(hex(zeroblob(2049)), '0', 'x'))", /* 4098 chars */
	/* services */
	"INSERT INTO services (provider_id, type, url) VALUES"
		" ('a.fr', 'ical', 'https://d.a.fr/')",
	"INSERT INTO services (provider_id, type, url) VALUES"
		" ('a.fr', 'caldav', 'http://d.a.fr/')", /* not insecure */
	"INSERT INTO services (provider_id, type, url) VALUES"
		" ('a.fr', 'caldav', 'https://d.a.fr/#x')",
	"INSERT INTO services (provider_id, type, url) VALUES"
		" ('a.fr', 'caldav', 'ftp://d.a.fr/')",
	"INSERT INTO services (provider_id, type, url) VALUES"
		" ('a.fr', 'caldav', 'https://d.a.fr/' ||"
		" replace(hex(zeroblob(1017)), '0', 'x'))", /* 2049 chars */
	"INSERT INTO services (provider_id, type, url, domain) VALUES"
		" ('a.fr', 'caldav', 'https://d.a.fr/', 'b.fr')",
	"INSERT INTO services (provider_id, type, url, insecure) VALUES"
		" ('a.fr', 'caldav', 'https://d.a.fr/', 2)",
	"INSERT INTO service_auth VALUES (1, 0, 'password-cleartext')",
	"INSERT INTO service_auth VALUES (1, 1, 'http-basic')", /* again */
	"INSERT INTO service_auth VALUES (1, 8, 'OAuth2')",
	"INSERT INTO service_auth VALUES (99, 0, 'OAuth2')",
	"UPDATE domains SET provider_id = 'b.fr' WHERE name = 'c.fr'",
};

/* Rows every junk statement would otherwise fit next to. */
static const char baseline[] =
	"INSERT INTO providers (id) VALUES ('a.fr'), ('b.fr');"
	"INSERT INTO domains VALUES ('a.fr', 'a.fr', 0), ('c.fr', 'a.fr', 1),"
	" ('b.fr', 'b.fr', 0);"
	"INSERT INTO servers (id, provider_id, type, hostname, port, socket)"
	" VALUES (1, 'a.fr', 'imap', 'h.fr', 993, 'SSL');"
	"INSERT INTO server_auth VALUES (1, 0, 'password-cleartext');"
	"INSERT INTO links (id, provider_id, kind, position, url)"
	" VALUES (1, 'a.fr', 'documentation', 0, 'https://a.fr/doc');"
	"INSERT INTO link_texts VALUES (1, 0, 'fr', 'Aide');"
	"INSERT INTO services (id, provider_id, type, url, domain)"
	" VALUES (1, 'a.fr', 'caldav', 'https://d.a.fr/', 'c.fr');"
	"INSERT INTO service_auth VALUES (1, 0, 'http-basic');";

/* Statements that must succeed: the CHECKs are not just refusing all. */
static const char *const fine[] = {
	"INSERT INTO providers (id, display_name, short_name) VALUES"
		" ('x-1.example', 'X', 'x'), ('localhost', NULL, NULL)",
	"INSERT INTO providers (id, display_name) VALUES ('y.fr',"
		" replace(hex(zeroblob(30)), '0', '\xc3\xa9'))", /* 60 chars */
	"INSERT INTO providers (id) VALUES ("
		"replace(hex(zeroblob(63)), '0', 'a') || '.' ||"
		" replace(hex(zeroblob(63)), '0', 'b'))", /* 253 chars */
	"INSERT INTO providers (id, webmail_login_page, webmail_username,"
		" oauth2_issuer, oauth2_auth_url) VALUES ('z.fr',"
		" 'HTTPS://w.z.fr/', '%EMAILADDRESS%', 'z', 'http://z.fr/a')",
	"INSERT INTO domains VALUES ('*', 'a.fr', 2), ('*.x.fr', 'a.fr', 3),"
		" ('xn--bcher-kva.de', 'a.fr', 4), ('a-b.c-d', 'a.fr', 5)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" domain, priority) VALUES ('a.fr', 'smtp', 'smtp.%EMAILDOMAIN%',"
		" 587, 'STARTTLS', 'c.fr', -5)",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" has_pop3, pop3_leave_on_server, pop3_days_to_leave,"
		" pop3_download_on_biff, pop3_check_interval_min) VALUES"
		" ('a.fr', 'pop3', 'pop.a.fr', 995, 'SSL', 1, 0, 0, 1, 10)",
	"INSERT INTO servers (provider_id, type, url) VALUES"
		" ('a.fr', 'graph', 'https://graph.a.fr/')",
	"INSERT INTO servers (provider_id, type, hostname, port, socket,"
		" owa_url) VALUES ('a.fr', 'exchange', 'ex.a.fr', 443, 'SSL',"
		" 'https://ex.a.fr/owa')",
	"INSERT INTO server_auth VALUES (1, 7, 'OAuth2')",
	"INSERT INTO link_texts VALUES (1, 1, NULL, ''),"
		" (1, 2, 'zh-Hant-TW', 'x')",
	"INSERT INTO services (provider_id, type, url, username, insecure,"
		" priority) VALUES ('a.fr', 'webdav', 'HTTP://f.a.fr/', '', 1,"
		" -3), ('a.fr', 'ews', 'https://e.a.fr/EWS/Exchange.asmx', NULL,"
		" 0, 0)",
	"INSERT INTO service_auth VALUES (1, 7, 'NTLM')",
};

static void test_checks_reject_junk(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	sv_store_close(st);
	sqlite3 *db = raw_open(path);
	raw_exec(db, baseline);
	struct counts base = raw_counts(path);
	for (size_t i = 0; i < sizeof(junk) / sizeof(*junk); i++) {
		int rc = sqlite3_exec(db, junk[i], NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_CONSTRAINT) {
			print_error("accepted or wrong error (%d: %s): %s\n",
				rc, sqlite3_errmsg(db), junk[i]);
		}
		assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);
	}
	assert_counts(raw_counts(path), base);
	raw_exec(db, "UPDATE servers SET port = 143, socket = 'STARTTLS'"
		" WHERE id = 1");
	for (size_t i = 0; i < sizeof(fine) / sizeof(*fine); i++) {
		raw_exec(db, fine[i]);
	}
	/* Deleting a provider takes everything it owns along. */
	raw_exec(db, "DELETE FROM providers WHERE id = 'a.fr'");
	assert_int_equal(raw_int(db, "SELECT count(*) FROM domains"
		" WHERE provider_id = 'a.fr'"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM servers"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM server_auth"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM links"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM link_texts"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM services"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM service_auth"), 0);
	raw_close(db);
}

/* A row that the schema would take but the model cannot: load refuses. */
static void test_load_refuses_orphans(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	sv_store_close(st);
	sqlite3 *db = raw_open(path);
	raw_exec(db, "PRAGMA foreign_keys = OFF;"
		"INSERT INTO providers (id) VALUES ('a.fr');"
		"INSERT INTO domains VALUES ('a.fr', 'a.fr', 0),"
		" ('z.fr', 'zz.fr', 0)");
	raw_close(db);
	st = open_ok(path, SV_STORE_READONLY);
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_store_load(st, &pvs, &n, &err), SV_EDB);
	assert_non_null(strstr(err.msg, "zz.fr"));
	assert_null(pvs);
	assert_int_equal(n, 0);
	sv_store_close(st);
}

/*
 * Names this build does not know in rows the schema takes (a later
 * release's type or method; the server ones written with the checks off,
 * as that release's schema would allow): load refuses the whole file and
 * names the kind of row and the name, for servers and services alike.
 */
static void test_load_refuses_unknown_names(void **state) {
	static const struct {
		const char *sql;
		const char *row, *name; /* both in the message */
	} cases[] = {
		{ "PRAGMA ignore_check_constraints = ON;"
			"UPDATE servers SET type = 'zzz'", "store: server ",
			": type zzz is not known to this suivant" },
		{ "PRAGMA ignore_check_constraints = ON;"
			"UPDATE server_auth SET method = 'zzz'"
			" WHERE position = 0", "store: server ",
			": auth method zzz is not known to this suivant" },
		{ "PRAGMA ignore_check_constraints = ON;"
			"UPDATE services SET type = 'zzz'", "store: service ",
			": type zzz is not known to this suivant" },
		{ "UPDATE service_auth SET method = 'NTLM'"
			" WHERE position = 0", "store: service ",
			": auth method NTLM is not known to this suivant" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char path[512], side[520];
		snprintf(path, sizeof(path), "%s.%zu", fixture_path(state), i);
		struct sv_store *st = open_ok(path, SV_STORE_CREATE);
		struct sv_provider *pv = full_provider("exemple.fr");
		put_ok(st, pv);
		sv_provider_destroy(pv);
		sv_store_close(st);
		sqlite3 *db = raw_open(path);
		raw_exec(db, cases[i].sql);
		raw_close(db);
		st = open_ok(path, SV_STORE_READONLY);
		struct sv_provider **pvs = NULL;
		size_t n = 0;
		struct sv_err err = { .msg = "" };
		int rc = sv_store_load(st, &pvs, &n, &err);
		if (rc != SV_EDB || strstr(err.msg, cases[i].row) == NULL ||
				strstr(err.msg, cases[i].name) == NULL) {
			fail_msg("%s: got %d, \"%s\"", cases[i].sql, rc,
				err.msg);
		}
		assert_null(pvs);
		assert_int_equal(n, 0);
		sv_store_close(st);
		assert_int_equal(unlink(path), 0);
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
}

/* ---- allocation failures ---- */

static void test_load_alloc_failure(void **state) {
	const char *path = fixture_path(state);
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_provider *a = full_provider("exemple.fr");
	struct sv_provider *b = small_provider("b.fr", "b.fr", "*.b.fr");
	put_ok(st, a);
	put_ok(st, b);
	const struct sv_provider *want[] = { b, a };
	long n;
	for (n = 0; n < 100000; n++) {
		struct sv_provider **pvs = NULL;
		size_t count = 0;
		struct sv_err err = { .msg = "" };
		sv_alloc_fail_after(n);
		int rc = sv_store_load(st, &pvs, &count, &err);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			assert_int_equal(count, 2);
			for (size_t i = 0; i < count; i++) {
				assert_provider_eq(pvs[i], want[i]);
			}
			sv_store_free_providers(pvs, count);
			break;
		}
		assert_int_equal(rc, SV_ENOMEM);
		assert_null(pvs);
		assert_int_equal(count, 0);
		/* The connection is still usable: no transaction left. */
		int64_t np = 0;
		assert_int_equal(sv_store_count_providers(st, &np, NULL), SV_OK);
		assert_int_equal(np, 2);
	}
	assert_true(n > 10); /* failures were really injected */
	put_ok(st, b);
	sv_provider_destroy(b);
	sv_provider_destroy(a);
	sv_store_close(st);
}

static void test_put_and_open_alloc_failure(void **state) {
	const char *path = fixture_path(state);
	/* Opening allocates the store handle itself. */
	struct sv_store *st = NULL;
	long n;
	for (n = 0; n < 1000; n++) {
		sv_alloc_fail_after(n);
		int rc = sv_store_open_rc(path, SV_STORE_CREATE, &st, NULL);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			break;
		}
		assert_int_equal(rc, SV_ENOMEM);
		assert_null(st);
	}
	assert_non_null(st);
	/* Over 64 domains, the validator allocates for its duplicate check. */
	struct sv_provider *pv = small_provider("exemple.fr", "exemple.fr",
		NULL);
	for (int i = 0; i < 70; i++) {
		char d[32];
		snprintf(d, sizeof(d), "d%d.exemple.fr", i);
		add_domain(pv, d);
	}
	for (n = 0; n < 1000; n++) {
		sv_alloc_fail_after(n);
		int rc = sv_store_put_provider(st, pv, NULL);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			break;
		}
		assert_int_equal(rc, SV_ENOMEM);
		assert_counts(raw_counts(path),
			(struct counts){ 0, 0, 0, 0, 0, 0, 0, 0 });
	}
	assert_true(n > 0);
	const struct sv_provider *want[] = { pv };
	assert_loads(st, want, 1);
	sv_provider_destroy(pv);
	sv_store_close(st);
}

/* ---- volume ---- */

static void test_load_many(void **state) {
	const char *path = fixture_path(state);
	const char *env = getenv("SV_STORE_BENCH");
	long n_domains = env != NULL ? strtol(env, NULL, 10) : 20000;
	const long per = 100;
	long n_providers = n_domains / per > 0 ? n_domains / per : 1;
	struct sv_store *st = open_ok(path, SV_STORE_CREATE);
	struct sv_err err = { .msg = "" };
	double t0 = sv_test_now_s();
	assert_int_equal(sv_store_begin(st, &err), SV_OK);
	for (long p = 0; p < n_providers; p++) {
		char id[64];
		snprintf(id, sizeof(id), "p%ld.example", p);
		struct sv_provider *pv = small_provider(id, id, NULL);
		for (long d = 1; d < per; d++) {
			char name[80];
			snprintf(name, sizeof(name), "d%ld.%s", d, id);
			add_domain(pv, name);
		}
		put_ok(st, pv);
		sv_provider_destroy(pv);
	}
	assert_int_equal(sv_store_commit(st, &err), SV_OK);
	sv_store_close(st);
	double t1 = sv_test_now_s();

	st = open_ok(path, SV_STORE_READONLY);
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	double t2 = sv_test_now_s();
	assert_int_equal(sv_store_load(st, &pvs, &n, &err), SV_OK);
	double t3 = sv_test_now_s();
	assert_int_equal(n, (size_t)n_providers);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += pvs[i]->n_domains;
		assert_int_equal(pvs[i]->n_servers, 2);
		assert_string_equal(pvs[i]->domains[0], pvs[i]->id);
	}
	assert_int_equal(total, (size_t)(n_providers * per));
	if (env != NULL) {
		fprintf(stderr, "store bench: %zu domains, %zu providers: "
			"put %.2f s, load %.3f s\n", total, n, t1 - t0,
			t3 - t2);
	}
	sv_store_free_providers(pvs, n);
	sv_store_close(st);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_tmp, teardown_tmp)

int main(void) {
	const struct CMUnitTest tests[] = {
		T(test_create_migrates),
		T(test_create_new_file),
		T(test_memory_database),
		T(test_reopen_readonly),
		T(test_open_missing),
		T(test_open_refuses_foreign),
		T(test_open_refuses_not_sqlite),
		T(test_open_refuses_empty_readonly),
		T(test_open_refuses_newer),
		T(test_readonly_refuses_unmigrated),
		T(test_migrates_previous_release),
		T(test_migrates_a_0001_database),
		T(test_migrates_a_version_5_database),
		T(test_migrates_a_version_7_database),
		T(test_migrates_legacy_url_servers),
		T(test_roundtrip_every_field),
		T(test_load_order),
		T(test_load_empty),
		T(test_replace_keeps_no_orphans),
		T(test_conflict_leaves_db_unchanged),
		T(test_put_invalid_writes_nothing),
		T(test_transactions),
		T(test_checks_reject_junk),
		T(test_load_refuses_orphans),
		T(test_load_refuses_unknown_names),
		T(test_load_alloc_failure),
		T(test_put_and_open_alloc_failure),
		T(test_load_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
