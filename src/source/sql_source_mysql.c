/* SPDX-License-Identifier: MIT */
/*
 * MariaDB and MySQL through libmariadb (Connector/C): rows are streamed
 * (mysql_use_result), not stored.
 */
#include <string.h>

#include <mysql.h>

#include "source/sql_source.h"

static int my_fail(MYSQL *m, int rc, const char *what, struct sv_err *err) {
	char shown[SV_ERR_MSG_MAX];
	return sv_errf(err, rc, "mysql: %s: %s", what,
		sv_sql_source_message(m != NULL ? mysql_error(m) :
			"out of memory", shown, sizeof(shown)));
}

int sv_sql_source_read_mysql(const struct sv_sql_mysql_url *u,
		const char *password, const char *query, sv_sql_row_fn row,
		void *ctx, struct sv_err *err) {
	MYSQL *m = mysql_init(NULL);
	if (m == NULL) {
		return my_fail(NULL, SV_ENOMEM, "init", err);
	}
	unsigned timeout = 10;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(m, u->host, u->user, password, u->db, u->port,
			u->socket, 0) == NULL) {
		int rc = my_fail(m, SV_EIO, "cannot connect", err);
		mysql_close(m);
		return rc;
	}
	if (mysql_real_query(m, query, strlen(query)) != 0) {
		int rc = my_fail(m, SV_EDB, "query", err);
		mysql_close(m);
		return rc;
	}
	MYSQL_RES *res = mysql_use_result(m);
	if (res == NULL || mysql_num_fields(res) < 1) {
		int rc = res == NULL && mysql_errno(m) != 0 ?
			my_fail(m, SV_EDB, "query", err) :
			sv_errf(err, SV_EDB, "mysql: the query returns no column");
		mysql_free_result(res);
		mysql_close(m);
		return rc;
	}
	int rc = SV_OK;
	MYSQL_ROW r;
	while ((r = mysql_fetch_row(res)) != NULL) {
		if (rc == SV_OK) {
			unsigned long *len = mysql_fetch_lengths(res);
			rc = row(ctx, r[0], r[0] != NULL ? len[0] : 0);
		}
	}
	if (rc == SV_OK && mysql_errno(m) != 0) {
		rc = my_fail(m, SV_EDB, "reading the rows", err);
	}
	mysql_free_result(res);
	mysql_close(m);
	return rc;
}
