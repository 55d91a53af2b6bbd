/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_SQL_SOURCE_H
#define SUIVANT_SQL_SOURCE_H

#include <stddef.h>

#include "util/err.h"

/*
 * A hoster's own SQL database as a source of customer domains (`suivant
 * sync`): one query, its first column, row by row (streamed: a million
 * rows never sit in memory at once). PostgreSQL through libpq, MariaDB
 * and MySQL through libmariadb; both are the client libraries those
 * servers ship, so every authentication and TLS setting they know works.
 *
 * URLs:
 *   postgresql://[USER@][HOST][:PORT][/DB][?PARAM=VALUE...]  (libpq's own
 *     syntax, postgres:// too; host=/run/postgresql for a socket)
 *   mysql://[USER@][HOST][:PORT][/DB][?socket=PATH]  (mariadb:// too)
 * A password is never part of a URL (command lines are visible to every
 * user of the machine): it comes from password (a --password-file's
 * first line), else from the client library's environment variable
 * (PGPASSWORD; MYSQL_PWD), else from libpq's ~/.pgpass. Messages never
 * hold the password nor the URL.
 */

/* Called for each row: the first column's bytes (NULL for SQL NULL).
 * SV_OK to go on; anything else stops the read and is returned. */
typedef int (*sv_sql_row_fn)(void *ctx, const char *value, size_t len);

/*
 * Checks url's form: SV_OK, or SV_EINVAL with the reason (an unknown
 * scheme, a password in it, a bad port).
 */
int sv_sql_source_check_url(const char *url, struct sv_err *err);

/*
 * Runs query on the database at url and hands each row to row. Returns
 * SV_OK; SV_EIO when the database cannot be reached or refuses the login
 * (EX_UNAVAILABLE); SV_EDB when the query fails or returns no column
 * (EX_IOERR); SV_EINVAL for a bad url; row's own code; SV_ENOMEM. err
 * holds the client library's reason.
 */
int sv_sql_source_read(const char *url, const char *password,
	const char *query, sv_sql_row_fn row, void *ctx, struct sv_err *err);

/* ---- sql_message.c ---- */

/*
 * A client library's message (several lines, the server's quotes) as one
 * line for a diagnostic: white space runs become one space, double
 * quotes single ones, the rest is escaped (sv_log_escape). Returns out.
 */
const char *sv_sql_source_message(const char *msg, char *out, size_t size);

/* ---- sql_source_pg.c ---- */

int sv_sql_source_read_pg(const char *url, const char *password,
	const char *query, sv_sql_row_fn row, void *ctx, struct sv_err *err);

/* ---- sql_source_mysql.c ---- */

/* The parts of a mysql:// URL (strings borrowed from the parser). */
struct sv_sql_mysql_url {
	const char *user, *host, *db, *socket; /* NULL when absent */
	unsigned port;                         /* 0 when absent */
};
int sv_sql_source_read_mysql(const struct sv_sql_mysql_url *u,
	const char *password, const char *query, sv_sql_row_fn row, void *ctx,
	struct sv_err *err);

#endif
