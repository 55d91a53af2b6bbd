/* SPDX-License-Identifier: MIT */
/*
 * PostgreSQL through libpq: the URL is handed to libpq as a connection
 * string (expand_dbname), a password from a file as its own parameter,
 * and the rows come one at a time (single-row mode), so a million
 * domains are never held as one result.
 */
#include <string.h>

#include <libpq-fe.h>

#include "source/sql_source.h"

/* libpq's message, on one line and escaped (it may quote the server). */
static int pg_fail(PGconn *c, int rc, const char *what, struct sv_err *err) {
	char shown[SV_ERR_MSG_MAX];
	const char *msg = c != NULL ? PQerrorMessage(c) : "out of memory";
	return sv_errf(err, rc, "postgresql: %s: %s", what,
		sv_sql_source_message(msg, shown, sizeof(shown)));
}

int sv_sql_source_read_pg(const char *url, const char *password,
		const char *query, sv_sql_row_fn row, void *ctx,
		struct sv_err *err) {
	const char *keys[] = { "dbname", "password", "connect_timeout",
		NULL };
	const char *values[] = { url, password, "10", NULL };
	if (password == NULL) { /* libpq then reads PGPASSWORD, ~/.pgpass */
		keys[1] = "connect_timeout";
		values[1] = "10";
		keys[2] = NULL;
	}
	PGconn *c = PQconnectdbParams(keys, values, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		int rc = pg_fail(c, SV_EIO, "cannot connect", err);
		PQfinish(c);
		return rc;
	}
	if (!PQsendQuery(c, query) || !PQsetSingleRowMode(c)) {
		int rc = pg_fail(c, SV_EDB, "query", err);
		PQfinish(c);
		return rc;
	}
	int rc = SV_OK;
	PGresult *res;
	while ((res = PQgetResult(c)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (rc == SV_OK && st == PGRES_SINGLE_TUPLE) {
			if (PQnfields(res) < 1) {
				rc = sv_errf(err, SV_EDB,
					"postgresql: the query returns no column");
			} else {
				rc = row(ctx, PQgetisnull(res, 0, 0) ? NULL :
					PQgetvalue(res, 0, 0),
					(size_t)PQgetlength(res, 0, 0));
			}
		} else if (rc == SV_OK && st != PGRES_TUPLES_OK) {
			char shown[SV_ERR_MSG_MAX];
			rc = sv_errf(err, SV_EDB, "postgresql: query: %s",
				sv_sql_source_message(PQresultErrorMessage(res),
					shown, sizeof(shown)));
		}
		PQclear(res); /* drained to the end even after a failure */
	}
	PQfinish(c);
	return rc;
}
