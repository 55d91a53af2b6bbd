/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/store/store_admin.c (issue #3: the admin commands' mutations):
 * each mutation checks what it names, validates the edited provider with
 * the shared validator, writes only what changes (server ids stay), and
 * on any failure (refusal, busy database, allocation failure at any
 * point) leaves every table as it was; and the names a sync checks
 * itself (store_sync.c). Each test gets a fresh temporary
 * database file, removed with its -wal and -shm companions afterwards.
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
#include <unistd.h>

#include <sqlite3.h>

#include "model/model.h"
#include "store/store.h"
#include "store/store_internal.h" /* the connection, for busy timeouts */
#include "util/alloc.h"

#include "test_base.h"

/* ---- fixtures ---- */

struct fixture {
	struct sv_test_db *db;
	struct sv_store *st;
	int64_t imap, smtp; /* the servers of a seeded store (seed) */
};

static int teardown(void **state) {
	struct fixture *f = *state;
	sv_store_close(f->st);
	sv_test_db_free(f->db);
	free(f);
	return 0;
}

static int setup(void **state) {
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return -1;
	}
	*state = f;
	f->db = sv_test_db_new("admin");
	if (f->db == NULL || (f->st = sv_store_open(f->db->path,
			SV_STORE_CREATE, NULL)) == NULL) {
		teardown(state);
		return -1;
	}
	return 0;
}

static struct sv_store *store_of(void **state) {
	return ((struct fixture *)*state)->st;
}

static const char *path_of(void **state) {
	return ((struct fixture *)*state)->db->path;
}

/* ---- raw views of the tables ---- */

static int64_t raw_int(const char *path, const char *sql) {
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
		NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

/*
 * A digest of every row of every table, to prove that a refused or
 * failed call changed nothing at all.
 */
static int64_t digest(const char *path) {
	return raw_int(path, "SELECT"
		" (SELECT count(*) FROM providers)"
		" + 10 * (SELECT count(*) FROM domains)"
		" + 100 * (SELECT count(*) FROM servers)"
		" + 1000 * (SELECT count(*) FROM server_auth)"
		" + 10000 * (SELECT count(*) FROM links)"
		" + 100000 * (SELECT count(*) FROM link_texts)"
		" + 1000000 * (SELECT coalesce(sum(port * 7 + priority), 0)"
		"   FROM servers)"
		" + (SELECT coalesce(sum(length(name) * position), 0)"
		"   FROM domains)"
		" + (SELECT coalesce(sum(length(coalesce(display_name, ''))),"
		"   0) FROM providers)");
}

/* ---- building blocks ---- */

static struct sv_provider *provider_new(const char *id, const char *name) {
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	pv->id = sv_strdup(id);
	pv->display_name = name != NULL ? sv_strdup(name) : NULL;
	assert_non_null(pv->id);
	return pv;
}

static struct sv_server tcp(enum sv_server_type type, const char *host,
		int port, enum sv_socket sock) {
	struct sv_server s = {
		.type = type, .hostname = (char *)host, .port = port,
		.socket = sock, .username = (char *)"%EMAILADDRESS%",
		.pop3 = { SV_UNSET, -1, SV_UNSET, -1 },
	};
	s.auth[s.n_auth++] = SV_AUTH_PASSWORD_CLEARTEXT;
	return s;
}

static void ok(int rc, const struct sv_err *err) {
	if (rc != SV_OK) {
		print_error("unexpected failure: %s\n", err->msg);
	}
	assert_int_equal(rc, SV_OK);
}

/* Stores a new provider id, display name name, with nothing else yet. */
static void add_provider(struct sv_store *st, const char *id,
		const char *name) {
	struct sv_err err = { "" };
	struct sv_provider *pv = provider_new(id, name);
	ok(sv_store_provider_add(st, pv, &err), &err);
	sv_provider_destroy(pv);
}

/* A provider p.example with domains p.example, p.net, two servers. */
static void seed(struct sv_store *st, int64_t *imap, int64_t *smtp) {
	struct sv_err err = { "" };
	add_provider(st, "p.example", "P");
	ok(sv_store_domain_add(st, "p.example", "p.example", &err), &err);
	ok(sv_store_domain_add(st, "p.example", "p.net", &err), &err);
	struct sv_server s = tcp(SV_SERVER_IMAP, "imap.p.example", 993,
		SV_SOCKET_SSL);
	ok(sv_store_server_add(st, "p.example", &s, imap, &err), &err);
	s = tcp(SV_SERVER_SMTP, "smtp.p.example", 465, SV_SOCKET_SSL);
	ok(sv_store_server_add(st, "p.example", &s, smtp, &err), &err);
}

/* setup, then seed: the fixture of the tests that start from p.example. */
static int setup_seeded(void **state) {
	if (setup(state) != 0) {
		return -1;
	}
	struct fixture *f = *state;
	seed(f->st, &f->imap, &f->smtp);
	return 0;
}

/* ---- providers ---- */

static void test_provider_add_draft_and_refusals(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	struct sv_provider *pv = provider_new("p.example", "P");
	/* no domain yet: allowed (a draft), loaded back as stored */
	ok(sv_store_provider_add(st, pv, &err), &err);
	struct sv_provider *got = NULL;
	ok(sv_store_load_provider(st, "p.example", &got, &err), &err);
	assert_string_equal(got->id, "p.example");
	assert_string_equal(got->display_name, "P");
	assert_int_equal(got->n_domains, 0);
	sv_provider_destroy(got);
	int64_t before = digest(path_of(state));
	assert_int_equal(sv_store_provider_add(st, pv, &err), SV_EEXIST);
	assert_string_equal(err.msg, "provider p.example already exists");
	sv_provider_destroy(pv);
	pv = provider_new("Bad_Id", "X");
	assert_int_equal(sv_store_provider_add(st, pv, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "id:"));
	sv_provider_destroy(pv);
	pv = provider_new("q.example", "");
	assert_int_equal(sv_store_provider_add(st, pv, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "display_name"));
	sv_provider_destroy(pv);
	assert_int_equal(digest(path_of(state)), before);
	assert_int_equal(sv_store_load_provider(st, "nobody.example", &got,
		&err), SV_ENOTFOUND);
	assert_null(got);
	assert_string_equal(err.msg, "no provider nobody.example");
}

static void test_provider_set_keeps_servers(void **state) {
	const struct fixture *f = *state;
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	struct sv_provider *pv = NULL;
	ok(sv_store_load_provider(st, "p.example", &pv, &err), &err);
	sv_free(pv->display_name);
	pv->display_name = sv_strdup("Renamed");
	struct sv_link *l = NULL;
	assert_int_equal(sv_provider_add_link(pv, SV_LINK_DOCUMENTATION,
		"https://p.example/help", &l), SV_OK);
	assert_int_equal(sv_link_add_text(l, "en", "Help"), SV_OK);
	pv->oauth2.issuer = sv_strdup("accounts.p.example");
	/* pv's own server list is ignored: the stored one stays */
	sv_server_finish(&pv->servers[1]);
	pv->n_servers = 1;
	ok(sv_store_provider_set(st, pv, &err), &err);
	sv_provider_destroy(pv);
	ok(sv_store_load_provider(st, "p.example", &pv, &err), &err);
	assert_string_equal(pv->display_name, "Renamed");
	assert_int_equal(pv->n_links, 1);
	assert_string_equal(pv->links[0].texts[0].text, "Help");
	assert_string_equal(pv->oauth2.issuer, "accounts.p.example");
	assert_int_equal(pv->n_servers, 2);
	assert_int_equal(pv->servers[0].id, f->imap);
	assert_int_equal(pv->servers[1].id, f->smtp);
	assert_int_equal(pv->n_domains, 2);
	/* invalid: refused, unchanged */
	int64_t before = digest(path_of(state));
	sv_free(pv->oauth2.issuer);
	pv->oauth2.issuer = NULL;
	pv->oauth2.scope = sv_strdup("imap");
	assert_int_equal(sv_store_provider_set(st, pv, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "oauth2: issuer: missing"));
	assert_int_equal(digest(path_of(state)), before);
	sv_free(pv->id);
	pv->id = sv_strdup("nobody.example");
	assert_int_equal(sv_store_provider_set(st, pv, &err), SV_ENOTFOUND);
	sv_provider_destroy(pv);
}

static void test_provider_rm_cascades(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	struct sv_store_removed gone = { 0 };
	ok(sv_store_provider_rm(st, "p.example", &gone, &err), &err);
	assert_int_equal(gone.domains, 2);
	assert_int_equal(gone.servers, 2);
	assert_int_equal(digest(path_of(state)), 0);
	assert_int_equal(sv_store_provider_rm(st, "p.example", NULL, &err),
		SV_ENOTFOUND);
}

/* ---- domains ---- */

static void test_domain_add_rm(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	add_provider(st, "q.example", "Q");
	int64_t before = digest(path_of(state));
	assert_int_equal(sv_store_domain_add(st, "q.example", "p.net", &err),
		SV_EEXIST);
	assert_string_equal(err.msg,
		"domain p.net already belongs to provider p.example");
	assert_int_equal(sv_store_domain_add(st, "p.example", "p.net", &err),
		SV_EEXIST);
	assert_int_equal(sv_store_domain_add(st, "nobody.example", "x.fr",
		&err), SV_ENOTFOUND);
	assert_int_equal(sv_store_domain_add(st, "q.example", "Upper.fr",
		&err), SV_EINVAL);
	assert_int_equal(sv_store_domain_add(st, "q.example", "*.*.fr",
		&err), SV_EINVAL);
	assert_int_equal(digest(path_of(state)), before);
	ok(sv_store_domain_add(st, "q.example", "*", &err), &err);
	ok(sv_store_domain_add(st, "q.example", "*.q.example", &err), &err);
	char *owner = NULL;
	ok(sv_store_domain_owner(st, "*", &owner, &err), &err);
	assert_string_equal(owner, "q.example");
	sv_free(owner);
	/* a server bound to p.net goes with it */
	struct sv_server s = tcp(SV_SERVER_IMAP, "imap.p.net", 993,
		SV_SOCKET_SSL);
	s.domain = (char *)"p.net";
	int64_t bound;
	ok(sv_store_server_add(st, "p.example", &s, &bound, &err), &err);
	struct sv_store_removed gone = { 0 };
	ok(sv_store_domain_rm(st, "p.net", &owner, &gone, &err), &err);
	assert_string_equal(owner, "p.example");
	assert_int_equal(gone.servers, 1);
	sv_free(owner);
	owner = NULL;
	assert_int_equal(sv_store_domain_rm(st, "p.net", &owner, NULL, &err),
		SV_ENOTFOUND);
	assert_null(owner);
	struct sv_provider *pv = NULL;
	size_t idx;
	assert_int_equal(sv_store_load_server(st, bound, &pv, &idx, &err),
		SV_ENOTFOUND);
	/* domain order is kept: new rows go after the others */
	ok(sv_store_domain_add(st, "p.example", "a.example", &err), &err);
	ok(sv_store_load_provider(st, "p.example", &pv, &err), &err);
	assert_int_equal(pv->n_domains, 2);
	assert_string_equal(pv->domains[0], "p.example");
	assert_string_equal(pv->domains[1], "a.example");
	sv_provider_destroy(pv);
}

/* ---- servers ---- */

static void test_server_add_set_rm(void **state) {
	const struct fixture *f = *state;
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	assert_true(f->imap > 0 && f->smtp > f->imap);
	struct sv_provider *pv = NULL;
	size_t idx = 99;
	ok(sv_store_load_server(st, f->smtp, &pv, &idx, &err), &err);
	assert_string_equal(pv->id, "p.example");
	assert_int_equal(pv->servers[idx].id, f->smtp);
	/* change the port and bind it to p.net: the id stays */
	struct sv_server s = pv->servers[idx];
	s.port = 587;
	s.socket = SV_SOCKET_STARTTLS;
	s.domain = (char *)"p.net";
	s.auth[s.n_auth++] = SV_AUTH_OAUTH2;
	ok(sv_store_server_set(st, &s, &err), &err);
	sv_provider_destroy(pv);
	ok(sv_store_load_server(st, f->smtp, &pv, &idx, &err), &err);
	assert_int_equal(pv->servers[idx].port, 587);
	assert_int_equal(pv->servers[idx].socket, SV_SOCKET_STARTTLS);
	assert_string_equal(pv->servers[idx].domain, "p.net");
	assert_int_equal(pv->servers[idx].n_auth, 2);
	assert_int_equal(pv->servers[idx].auth[1], SV_AUTH_OAUTH2);
	/* refusals name the server by id, and change nothing */
	int64_t before = digest(path_of(state));
	s = pv->servers[idx];
	s.hostname = (char *)"mail.%EMAILADDRESS";
	assert_int_equal(sv_store_server_set(st, &s, &err), SV_EINVAL);
	char want[SV_ERR_MSG_MAX];
	snprintf(want, sizeof(want), "server %lld (smtp): hostname: "
		"placeholder %%EMAILADDRESS is missing its closing '%%'",
		(long long)f->smtp);
	assert_string_equal(err.msg, want);
	s = pv->servers[idx];
	s.domain = (char *)"q.example";
	assert_int_equal(sv_store_server_set(st, &s, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "q.example is not a domain of "
		"provider p.example"));
	struct sv_server n = tcp(SV_SERVER_IMAP, "imap.p.example", 993,
		SV_SOCKET_SSL);
	n.auth[0] = SV_AUTH_NONE;
	assert_int_equal(sv_store_server_add(st, "p.example", &n, NULL, &err),
		SV_EINVAL);
	assert_string_equal(err.msg, "new server (imap): authentication 1: "
		"none is for outgoing (smtp) servers only");
	/* a stored server's id in the row added is ignored: still new */
	n.id = f->smtp;
	assert_int_equal(sv_store_server_add(st, "p.example", &n, NULL, &err),
		SV_EINVAL);
	assert_string_equal(err.msg, "new server (imap): authentication 1: "
		"none is for outgoing (smtp) servers only");
	n = tcp(SV_SERVER_IMAP, "imap.p.example", 993, SV_SOCKET_SSL);
	assert_int_equal(sv_store_server_add(st, "nobody.example", &n, NULL,
		&err), SV_ENOTFOUND);
	s.id = 424242;
	s.domain = NULL;
	assert_int_equal(sv_store_server_set(st, &s, &err), SV_ENOTFOUND);
	assert_string_equal(err.msg, "no server 424242");
	assert_int_equal(sv_store_server_rm(st, 424242, NULL, &err),
		SV_ENOTFOUND);
	assert_int_equal(digest(path_of(state)), before);
	sv_provider_destroy(pv);
	char *owner = NULL;
	ok(sv_store_server_rm(st, f->imap, &owner, &err), &err);
	assert_string_equal(owner, "p.example");
	sv_free(owner);
	/* ids are never reused */
	int64_t again = 0;
	ok(sv_store_server_add(st, "p.example", &n, &again, &err), &err);
	assert_true(again > f->smtp);
}

static void test_server_limit(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	struct sv_server s = tcp(SV_SERVER_IMAP, "imap.p.example", 993,
		SV_SOCKET_SSL);
	for (int i = 2; i < SV_MODEL_MAX_SERVERS; i++) {
		ok(sv_store_server_add(st, "p.example", &s, NULL, &err), &err);
	}
	int64_t before = digest(path_of(state));
	assert_int_equal(sv_store_server_add(st, "p.example", &s, NULL, &err),
		SV_EINVAL);
	assert_string_equal(err.msg, "servers: 65 is more than the 64 allowed");
	assert_int_equal(digest(path_of(state)), before);
}

/* ---- transactions ---- */

static void test_caller_transaction(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	int64_t before = digest(path_of(state));
	/* inside the caller's transaction: a failed call undoes only
	 * itself, the caller's rollback undoes everything */
	ok(sv_store_begin(st, &err), &err);
	ok(sv_store_domain_add(st, "p.example", "x.fr", &err), &err);
	assert_int_equal(sv_store_domain_add(st, "p.example", "x.fr", &err),
		SV_EEXIST);
	char *owner = NULL;
	ok(sv_store_domain_owner(st, "x.fr", &owner, &err), &err);
	sv_free(owner);
	sv_store_rollback(st);
	assert_int_equal(digest(path_of(state)), before);
	assert_int_equal(sv_store_domain_owner(st, "x.fr", &owner, &err),
		SV_ENOTFOUND);
}

static void test_readonly_refuses(void **state) {
	const struct fixture *f = *state;
	struct sv_err err = { "" };
	int64_t before = digest(path_of(state));
	struct sv_store *ro = sv_store_open(path_of(state), SV_STORE_READONLY,
		&err);
	assert_non_null(ro);
	assert_int_equal(sv_store_domain_add(ro, "p.example", "x.fr", &err),
		SV_EDB);
	assert_string_equal(err.msg, "store: opened read-only");
	assert_int_equal(sv_store_provider_rm(ro, "p.example", NULL, &err),
		SV_EDB);
	assert_int_equal(sv_store_server_rm(ro, f->imap, NULL, &err), SV_EDB);
	sv_store_close(ro);
	assert_int_equal(digest(path_of(state)), before);
}

static void test_busy(void **state) {
	struct sv_err err = { "" };
	int64_t before = digest(path_of(state));
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open_v2(path_of(state), &other,
		SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
		NULL), SQLITE_OK);
	struct sv_store *st = store_of(state);
	/* the store waits 5 s by default; the test need not */
	assert_int_equal(sqlite3_busy_timeout(st->db, 50), SQLITE_OK);
	assert_int_equal(sv_store_domain_add(st, "p.example", "x.fr", &err),
		SV_EBUSY);
	struct sv_server s = tcp(SV_SERVER_IMAP, "imap.p.example", 143,
		SV_SOCKET_STARTTLS);
	assert_int_equal(sv_store_server_add(st, "p.example", &s, NULL, &err),
		SV_EBUSY);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_close(other), SQLITE_OK);
	assert_int_equal(digest(path_of(state)), before);
	/* the connection is usable again */
	ok(sv_store_domain_add(st, "p.example", "x.fr", &err), &err);
}

/* ---- allocation failures ---- */

/*
 * Runs op with the nth allocation failing, for n = 0, 1, ... until it
 * succeeds: every failure must be SV_ENOMEM and leave the tables as they
 * were. Returns how many failures were injected.
 */
typedef int (*op_fn)(struct sv_store *st, void *arg, struct sv_err *err);

static long fail_each_alloc(void **state, op_fn op, void *arg) {
	struct sv_store *st = store_of(state);
	int64_t before = digest(path_of(state));
	long n;
	for (n = 0; n < 100000; n++) {
		struct sv_err err = { "" };
		sv_alloc_fail_after(n);
		int rc = op(st, arg, &err);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			break;
		}
		if (rc != SV_ENOMEM) {
			print_error("allocation %ld: %s\n", n, err.msg);
		}
		assert_int_equal(rc, SV_ENOMEM);
		assert_int_equal(digest(path_of(state)), before);
	}
	return n;
}

static int op_provider_add(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_provider_add(st, arg, err);
}

static int op_domain_add(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_domain_add(st, "p.example", arg, err);
}

static int op_server_add(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_server_add(st, "p.example", arg, NULL, err);
}

static int op_server_set(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_server_set(st, arg, err);
}

static int op_provider_set(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_provider_set(st, arg, err);
}

static int op_domain_rm(struct sv_store *st, void *arg,
		struct sv_err *err) {
	char *owner = NULL;
	int rc = sv_store_domain_rm(st, arg, &owner, NULL, err);
	sv_free(owner);
	return rc;
}

/* A removal by id, of a server or a service: which, and the id. */
struct rm_by_id {
	int (*rm)(struct sv_store *st, int64_t id, char **provider_id,
		struct sv_err *err);
	int64_t id;
};

static int op_rm_by_id(struct sv_store *st, void *arg,
		struct sv_err *err) {
	const struct rm_by_id *r = arg;
	char *owner = NULL;
	int rc = r->rm(st, r->id, &owner, err);
	sv_free(owner);
	return rc;
}

static int op_service_add(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_service_add(st, "p.example", arg, NULL, err);
}

static int op_service_set(struct sv_store *st, void *arg,
		struct sv_err *err) {
	return sv_store_service_set(st, arg, err);
}

static void test_alloc_failures(void **state) {
	struct sv_err err = { "" };
	struct sv_provider *pv = provider_new("p.example", "P");
	struct sv_link *l = NULL;
	assert_int_equal(sv_provider_add_link(pv, SV_LINK_ENABLE,
		"https://p.example/enable", &l), SV_OK);
	assert_int_equal(sv_link_add_text(l, "en", "Enable IMAP"), SV_OK);
	/* adding a small provider allocates nothing: still run it */
	assert_true(fail_each_alloc(state, op_provider_add, pv) >= 0);
	sv_provider_destroy(pv);
	/* over 64 domains, the validator allocates too */
	for (int i = 0; i < 70; i++) {
		char d[32];
		snprintf(d, sizeof(d), "d%d.p.example", i);
		ok(sv_store_domain_add(store_of(state), "p.example", d, &err),
			&err);
	}
	assert_true(fail_each_alloc(state, op_domain_add, "x.fr") > 70);
	struct sv_server s = tcp(SV_SERVER_SMTP, "smtp.p.example", 587,
		SV_SOCKET_STARTTLS);
	s.domain = (char *)"x.fr";
	assert_true(fail_each_alloc(state, op_server_add, &s) > 70);
	struct sv_provider *stored = NULL;
	size_t idx = 0;
	ok(sv_store_load_provider(store_of(state), "p.example", &stored,
		&err), &err);
	int64_t id = stored->servers[0].id;
	struct sv_server edit = stored->servers[0];
	edit.port = 465;
	edit.socket = SV_SOCKET_SSL;
	assert_true(fail_each_alloc(state, op_server_set, &edit) > 70);
	sv_free(stored->display_name);
	stored->display_name = sv_strdup("Renamed");
	assert_true(fail_each_alloc(state, op_provider_set, stored) > 70);
	sv_provider_destroy(stored);
	ok(sv_store_load_server(store_of(state), id, &stored, &idx, &err),
		&err);
	assert_int_equal(stored->servers[idx].port, 465);
	assert_string_equal(stored->display_name, "Renamed");
	assert_int_equal(stored->n_links, 1);
	sv_provider_destroy(stored);
	assert_true(fail_each_alloc(state, op_rm_by_id, &(struct rm_by_id){
		sv_store_server_rm, id }) > 0);
	/* services take the same steps as servers, by kind (store_kind.c):
	 * the service side of each, and its row kept through a failure */
	struct sv_service v = { .type = SV_SERVICE_CALDAV,
		.url = (char *)"https://dav.p.example/", .n_auth = 1,
		.auth = { SV_SAUTH_HTTP_BASIC }, .domain = (char *)"x.fr" };
	assert_true(fail_each_alloc(state, op_service_add, &v) > 70);
	ok(sv_store_load_provider(store_of(state), "p.example", &stored,
		&err), &err);
	assert_int_equal(stored->n_services, 1);
	struct sv_service vedit = stored->services[0];
	vedit.url = (char *)"https://cal.p.example/";
	assert_true(fail_each_alloc(state, op_service_set, &vedit) > 70);
	id = vedit.id;
	sv_provider_destroy(stored);
	ok(sv_store_load_service(store_of(state), id, &stored, &idx, &err),
		&err);
	assert_string_equal(stored->services[idx].url,
		"https://cal.p.example/");
	sv_provider_destroy(stored);
	assert_true(fail_each_alloc(state, op_rm_by_id, &(struct rm_by_id){
		sv_store_service_rm, id }) > 0);
	assert_true(fail_each_alloc(state, op_domain_rm, "x.fr") > 0);
}

/* ---- sync (store_sync.c) ---- */

/*
 * The sync checks each name in C and runs its INSERT without SQLite's
 * CHECKs: a name the CHECK would refuse is still refused (nothing
 * written), and the connection keeps its CHECKs afterwards.
 */
static void test_sync_checks_names(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	struct sv_store_sync r;
	const char *names[] = { "b.example", "a.example", "p.net" };
	ok(sv_store_sync_domains(st, "p.example", names, 3, false, &r, &err),
		&err);
	assert_int_equal(r.added, 2);
	assert_int_equal(r.hand, 1);
	assert_int_equal(raw_int(path_of(state), "SELECT count(*) FROM"
		" domains WHERE provider_id = 'p.example' AND position >= 0"),
		4);
	int64_t before = digest(path_of(state));
	const char *bad[][3] = {
		{ "a.example", "b.example", "c..example" },
		{ "a.example", "b.example", "C.example" },
		{ "a.example", "b.example", "-c.example" },
		{ "a.example", "b.example", "c_d.example" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(sv_store_sync_domains(st, "p.example", bad[i],
			3, false, &r, &err), SV_EINVAL);
		assert_non_null(strstr(err.msg, bad[i][2]));
		assert_int_equal(digest(path_of(state)), before);
	}
	/* the flag was put back: raw SQL on the same connection is checked */
	assert_int_equal(sqlite3_exec(st->db, "INSERT INTO domains (name,"
		" provider_id, position) VALUES ('x..example', 'p.example', 9)",
		NULL, NULL, NULL) & 0xff, SQLITE_CONSTRAINT);
	assert_int_equal(digest(path_of(state)), before);
}

/*
 * The same names again: every count as before, and nothing written (the
 * sync skips the statements it has no row for); a name another provider
 * has is still named, and a name gone is still removed.
 */
static void test_sync_again(void **state) {
	struct sv_store *st = store_of(state);
	struct sv_err err = { "" };
	add_provider(st, "q.example", "Q");
	ok(sv_store_domain_add(st, "q.example", "q.net", &err), &err);
	struct sv_store_sync r;
	const char *names[] = { "a.example", "b.example", "c.example",
		"d.example", "e.example", "f.example", "g.example",
		"h.example", "i.example", "j.example", "p.net", "q.net" };
	const size_t n = sizeof(names) / sizeof(*names);
	ok(sv_store_sync_domains(st, "p.example", names, n, false, &r, &err),
		&err);
	assert_int_equal(r.added, 10);
	int64_t before = digest(path_of(state));
	for (int i = 0; i < 2; i++) {
		ok(sv_store_sync_domains(st, "p.example", names, n, false, &r,
			&err), &err);
		assert_int_equal(r.input, n);
		assert_int_equal(r.before, 10);
		assert_int_equal(r.added, 0);
		assert_int_equal(r.removed, 0);
		assert_int_equal(r.kept, 10);
		assert_int_equal(r.hand, 1);
		assert_int_equal(r.conflict, 1);
		assert_int_equal(r.n_examples, 1);
		assert_string_equal(r.conflicts[0].name, "q.net");
		assert_string_equal(r.conflicts[0].owner, "q.example");
		assert_int_equal(digest(path_of(state)), before);
	}
	/* one gone (10%, allowed), none new */
	ok(sv_store_sync_domains(st, "p.example", names + 1, n - 1, false, &r,
		&err), &err);
	assert_int_equal(r.removed, 1);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.kept, 9);
	assert_int_equal(raw_int(path_of(state), "SELECT count(*) FROM"
		" domains WHERE name = 'a.example'"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define S(f) cmocka_unit_test_setup_teardown(f, setup_seeded, teardown)

int main(void) {
	const struct CMUnitTest tests[] = {
		T(test_provider_add_draft_and_refusals),
		S(test_provider_set_keeps_servers),
		S(test_provider_rm_cascades),
		S(test_domain_add_rm),
		S(test_server_add_set_rm),
		S(test_server_limit),
		S(test_caller_transaction),
		S(test_readonly_refuses),
		S(test_busy),
		T(test_alloc_failures),
		S(test_sync_checks_names),
		S(test_sync_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
