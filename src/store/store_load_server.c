/* SPDX-License-Identifier: MIT */
/*
 * The loader's servers and services (store_load.c describes the load):
 * each kind comes with its auth methods in one pass over a LEFT JOIN.
 */
#include <limits.h>
#include <string.h>

#include "store/store_internal.h"

/*
 * A kind of row loaded with its auth methods in one pass (servers,
 * services): the LEFT JOIN (aliases s and a) yields one row per method, or
 * one row with a NULL method, grouped by the row's id (column 0); column
 * 1 is its provider, column 2 its type, and method_col the method. The
 * kind's names are read through store_kind.c, its own columns by read.
 */
#define GROUPED_ORDER_ALL \
	" ORDER BY s.provider_id, s.priority, s.id, a.position"
#define GROUPED_ORDER_ONE \
	" WHERE s.provider_id = ?1 ORDER BY s.priority, s.id, a.position"

struct grouped {
	enum store_kind kind;
	const char *all, *one; /* the queries, for store_load_prepare */
	int method_col;
	/* Fills row (its id and type set, the rest zeroed) from the
	 * current row's own columns. */
	int (*read)(struct store_loader *ld, sqlite3_stmt *st, void *row,
		struct sv_err *err);
};

/* Moves row (if it holds one: pv set) into its provider pv. */
static int flush_grouped(struct sv_provider *pv, const struct grouped *g,
		void *row, struct sv_err *err) {
	if (pv == NULL) {
		return SV_OK;
	}
	if (store_kind_move(g->kind, pv, row) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "store: load: out of memory");
	}
	return SV_OK;
}

/*
 * Fills row (zeroed) from the current row of st, whose id is id: *pv gets
 * its provider, then the columns every kind has, then the kind's own.
 */
static int start_row(struct store_loader *ld, sqlite3_stmt *st,
		const struct grouped *g, int64_t id, void *row,
		struct sv_provider **pv, struct sv_err *err) {
	const char *pid = NULL, *type = NULL;
	struct sv_provider *found = NULL;
	int rc = store_col_text(ld, st, 1, &pid, err);
	if (rc == SV_OK) {
		rc = store_find_provider(ld, pid, &found, err);
	}
	if (rc != SV_OK) {
		return rc;
	}
	*pv = found;
	*store_kind_id(g->kind, row) = id;
	rc = store_col_text(ld, st, 2, &type, err);
	if (rc == SV_OK && (type == NULL ||
			store_kind_type_parse(g->kind, row, type) != SV_OK)) {
		/* a type a later release serves: refused, not dropped */
		rc = sv_errf(err, SV_EDB, "store: %s %lld: type %s is not "
			"known to this suivant", store_kind_what(g->kind),
			(long long)id, type != NULL ? type : "NULL");
	}
	return rc == SV_OK ? g->read(ld, st, row, err) : rc;
}

/* Adds method m, by its name, to row's auth methods. */
static int add_method(enum store_kind k, void *row, const char *m,
		struct sv_err *err) {
	size_t *n_auth = store_kind_n_auth(k, row);
	long long id = (long long)*store_kind_id(k, row);
	if (*n_auth == SV_MODEL_MAX_AUTH) {
		return sv_errf(err, SV_EDB, "store: %s %lld: too many auth "
			"methods", store_kind_what(k), id);
	}
	if (store_kind_auth_parse(k, row, *n_auth, m) != SV_OK) {
		return sv_errf(err, SV_EDB, "store: %s %lld: auth method %s is "
			"not known to this suivant", store_kind_what(k), id, m);
	}
	++*n_auth;
	return SV_OK;
}

static int load_grouped(struct store_loader *ld, const struct grouped *g,
		struct sv_err *err) {
	sqlite3_stmt *st;
	int rc = store_load_prepare(ld, g->all, g->one, &st, err);
	if (rc != SV_OK) {
		return rc;
	}
	union store_row cur;
	memset(&cur, 0, sizeof(cur));
	void *row = &cur; /* the row being filled */
	const int64_t *row_id = store_kind_id(g->kind, row);
	const char *what = store_kind_what(g->kind);
	struct sv_provider *cur_pv = NULL; /* NULL: row holds nothing */
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (cur_pv == NULL || id != *row_id) {
			rc = flush_grouped(cur_pv, g, row, err);
			cur_pv = NULL;
			store_kind_finish(g->kind, row);
			if (rc == SV_OK) {
				rc = start_row(ld, st, g, id, row, &cur_pv, err);
			}
		}
		const char *m = NULL;
		if (rc == SV_OK) {
			rc = store_col_text(ld, st, g->method_col, &m, err);
		}
		if (rc == SV_OK && m != NULL) {
			rc = add_method(g->kind, row, m, err);
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(ld->db, src, err, "store: load %ss", what);
	}
	if (rc == SV_OK) {
		rc = flush_grouped(cur_pv, g, row, err);
	}
	store_kind_finish(g->kind, row);
	store_finalize(st);
	return rc;
}

/* Server columns, in the order of SERVERS_SQL. */
enum {
	SC_ID, SC_PROVIDER, SC_TYPE, SC_HOSTNAME, SC_PORT, SC_SOCKET,
	SC_USERNAME, SC_PRIORITY, SC_DOMAIN, SC_URL, SC_OWA_URL, SC_EWS_URL,
	SC_HAS_POP3, SC_LEAVE, SC_DAYS, SC_BIFF, SC_INTERVAL, SC_GLOBAL,
	SC_ADD_THIS, SC_RESTRICTION, SC_METHOD,
};

/* Fills s (its id and type set) from the server columns of the current
 * row. */
static int read_server(struct store_loader *ld, sqlite3_stmt *st, void *cur,
		struct sv_err *err) {
	struct sv_server *s = cur;
	const char *t;
	int rc = store_col_text(ld, st, SC_SOCKET, &t, err);
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
	if ((rc = store_col_int(st, SC_PORT, 1, 65535, 0, &s->port, err))
			!= SV_OK
		|| (rc = store_col_int(st, SC_PRIORITY, INT_MIN, INT_MAX, 0,
			&s->priority, err)) != SV_OK
		|| (rc = store_col_int(st, SC_HAS_POP3, 0, 1, 0, &has_pop3,
			err)) != SV_OK
		|| (rc = store_col_tristate(st, SC_LEAVE,
			&s->pop3.leave_on_server, err)) != SV_OK
		|| (rc = store_col_int(st, SC_DAYS, 0, INT_MAX, -1,
			&s->pop3.days_to_leave, err)) != SV_OK
		|| (rc = store_col_tristate(st, SC_BIFF,
			&s->pop3.download_on_biff, err)) != SV_OK
		|| (rc = store_col_int(st, SC_INTERVAL, 0, INT_MAX, -1,
			&s->pop3.check_interval_min, err)) != SV_OK
		|| (rc = store_col_tristate(st, SC_GLOBAL,
			&s->use_global_preferred_server, err)) != SV_OK
		|| (rc = store_col_tristate(st, SC_ADD_THIS,
			&s->add_this_server, err)) != SV_OK) {
		return rc;
	}
	s->has_pop3 = has_pop3 != 0;
	if ((rc = store_col_dup(ld, st, SC_HOSTNAME, &s->hostname, err))
			!= SV_OK
		|| (rc = store_col_dup(ld, st, SC_USERNAME, &s->username, err))
			!= SV_OK
		|| (rc = store_col_dup(ld, st, SC_DOMAIN, &s->domain, err))
			!= SV_OK
		|| (rc = store_col_dup(ld, st, SC_URL, &s->url, err)) != SV_OK
		|| (rc = store_col_dup(ld, st, SC_OWA_URL, &s->owa_url, err))
			!= SV_OK
		|| (rc = store_col_dup(ld, st, SC_EWS_URL, &s->ews_url, err))
			!= SV_OK
		|| (rc = store_col_dup(ld, st, SC_RESTRICTION, &s->restriction,
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

/* Service columns, in the order of SERVICES_SQL. */
enum {
	VC_ID, VC_PROVIDER, VC_TYPE, VC_URL, VC_USERNAME, VC_PRIORITY,
	VC_DOMAIN, VC_INSECURE, VC_METHOD,
};

/* Fills s (its id and type set) from the service columns of the current
 * row. */
static int read_service(struct store_loader *ld, sqlite3_stmt *st, void *cur,
		struct sv_err *err) {
	struct sv_service *s = cur;
	int rc, insecure = 0;
	if ((rc = store_col_int(st, VC_PRIORITY, INT_MIN, INT_MAX, 0,
			&s->priority, err)) != SV_OK
		|| (rc = store_col_int(st, VC_INSECURE, 0, 1, 0, &insecure,
			err)) != SV_OK
		|| (rc = store_col_dup(ld, st, VC_URL, &s->url, err)) != SV_OK
		|| (rc = store_col_dup(ld, st, VC_USERNAME, &s->username, err))
			!= SV_OK
		|| (rc = store_col_dup(ld, st, VC_DOMAIN, &s->domain, err))
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

static const struct grouped kinds[] = {
	[STORE_SERVER] = { STORE_SERVER, SERVERS_SQL GROUPED_ORDER_ALL,
		SERVERS_SQL GROUPED_ORDER_ONE, SC_METHOD, read_server },
	[STORE_SERVICE] = { STORE_SERVICE, SERVICES_SQL GROUPED_ORDER_ALL,
		SERVICES_SQL GROUPED_ORDER_ONE, VC_METHOD, read_service },
};

int store_load_rows(struct store_loader *ld, enum store_kind k,
		struct sv_err *err) {
	return load_grouped(ld, &kinds[k], err);
}
