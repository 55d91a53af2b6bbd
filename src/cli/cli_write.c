/* SPDX-License-Identifier: MIT */
/*
 * The shape every admin verb shares (provider, domain, server, service): a
 * write is open the database, one transaction around the change, commit,
 * then the result as JSON or text; a listing is open read-only, load,
 * print; and the rm and list verbs of servers and services are the same
 * but for their names. Kept
 * in one place so that each verb states only its change and its output,
 * and so that every verb fails, rolls back and reports the same way.
 */
#include <stdint.h>
#include <stdio.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

int sv_cli_fail(const char *cmd, int rc, const struct sv_err *err) {
	sv_cli_error(cmd, "%s", err->msg);
	return sv_cli_exit_code(rc);
}

int sv_cli_write(const struct sv_cli_write *w) {
	struct sv_store *st;
	int status = sv_cli_open_store(w->cmd, w->opts->db,
		SV_STORE_READWRITE, &st);
	if (status != EX_OK) {
		return status;
	}
	/*
	 * The store's write calls nest their savepoint in this transaction,
	 * so a verb that reads before it writes sees no other writer between.
	 */
	struct sv_err err = { "" };
	int rc = sv_store_begin(st, &err);
	if (rc == SV_OK) {
		rc = w->change(st, w->ctx, &status, &err);
	}
	if (rc == SV_OK) {
		rc = sv_store_commit(st, &err);
	}
	sv_store_rollback(st);
	sv_store_close(st);
	if (rc != SV_OK) {
		return status != EX_OK ? status : sv_cli_fail(w->cmd, rc, &err);
	}
	if (w->committed != NULL) {
		w->committed(w->ctx);
	}
	if (w->opts->json) {
		return sv_cli_print_json(w->cmd, w->json(w->ctx));
	}
	w->text(w->ctx);
	return EX_OK;
}

int sv_cli_list(const char *cmd, const struct sv_cli_opts *opts,
		const char *id, sv_cli_print_fn *print) {
	struct sv_store *st;
	int status = sv_cli_open_store(cmd, opts->db, SV_STORE_READONLY, &st);
	if (status != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	int rc = sv_cli_load_providers(st, id, &pvs, &n, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		return sv_cli_fail(cmd, rc, &err);
	}
	status = print(cmd, pvs, n, opts->json);
	sv_store_free_providers(pvs, n);
	return status;
}

int sv_cli_table_emit(const char *cmd, struct sv_cli_table *t) {
	int rc = sv_cli_table_print(t, stdout);
	sv_cli_table_finish(t);
	if (rc != SV_OK) {
		sv_cli_error(cmd, "cannot print the list: %s", sv_rc_str(rc));
		return sv_cli_exit_code(rc);
	}
	return EX_OK;
}

/* What an rm of one row knows. */
struct rm_row {
	const char *what;
	int64_t id;
	int (*rm)(struct sv_store *, int64_t, char **, struct sv_err *);
	char *owner; /* owned, once removed */
};

static int rm_row_change(struct sv_store *st, void *ctx, int *status,
		struct sv_err *err) {
	(void)status;
	struct rm_row *r = ctx;
	return r->rm(st, r->id, &r->owner, err);
}

static struct json_t *rm_row_json(void *ctx) {
	const struct rm_row *r = ctx;
	return json_pack("{s:I, s:s}", "id", (json_int_t)r->id, "provider",
		r->owner);
}

static void rm_row_text(void *ctx) {
	const struct rm_row *r = ctx;
	printf("removed %s %lld of provider %s\n", r->what, (long long)r->id,
		r->owner);
}

int sv_cli_rm_row(const char *cmd, const struct sv_cli_opts *opts,
		const char *what, int64_t id,
		int (*rm)(struct sv_store *st, int64_t id, char **provider_id,
			struct sv_err *err)) {
	struct rm_row r = { .what = what, .id = id, .rm = rm };
	int status = sv_cli_write(&(struct sv_cli_write){ .cmd = cmd,
		.opts = opts, .change = rm_row_change, .json = rm_row_json,
		.text = rm_row_text, .ctx = &r });
	sv_free(r.owner);
	return status;
}

int sv_cli_row_id(const char *cmd, const char *arg, const char *what,
		const char *s, int64_t *id) {
	long long v;
	if (sv_cli_int(s, 1, INT64_MAX, &v) != SV_OK) {
		char shown[80];
		sv_cli_error(cmd, "%s: '%s' is not a %s id (see suivant %s "
			"list)", arg, sv_log_escape(s, shown, sizeof(shown)),
			what, what);
		return EX_DATAERR;
	}
	*id = v;
	return EX_OK;
}

int sv_cli_list_rows(const char *cmd, const struct sv_cli_opts *opts,
		const char *provider, sv_cli_print_fn *print) {
	char id[SV_CLI_DOMAIN_ROW_MAX];
	struct sv_err err = { "" };
	if (provider != NULL && sv_cli_provider_id(provider, "--provider", id,
			sizeof(id), &err) != SV_OK) {
		return sv_cli_fail(cmd, SV_EINVAL, &err);
	}
	return sv_cli_list(cmd, opts, provider != NULL ? id : NULL, print);
}
