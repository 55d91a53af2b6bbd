/* SPDX-License-Identifier: MIT */
/*
 * The shape every admin verb shares (provider, domain, server, service): a
 * write is open the database, one transaction around the change, commit,
 * then the result as JSON or text; a listing is open read-only, load,
 * print (the server and service verbs build on these: cli_row.c). Kept
 * in one place so that each verb states only its change and its output,
 * and so that every verb fails, rolls back and reports the same way.
 */
#include <stdio.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli_write.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "store/store.h"

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
		rc = w->change(st, w->ctx, &err);
	}
	if (rc == SV_OK) {
		rc = sv_store_commit(st, &err);
	}
	sv_store_rollback(st);
	sv_store_close(st);
	if (rc != SV_OK) {
		return w->status != NULL && *w->status != EX_OK ? *w->status :
			sv_cli_fail(w->cmd, rc, &err);
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

int sv_cli_write_checked(int rc, const struct sv_err *err,
		const struct sv_cli_write *w) {
	return rc != SV_OK ? sv_cli_fail(w->cmd, rc, err) : sv_cli_write(w);
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

int sv_cli_list_provider(const char *cmd, const struct sv_cli_opts *opts,
		const char *provider, sv_cli_print_fn *print) {
	char id[SV_CLI_DOMAIN_ROW_MAX];
	struct sv_err err = { "" };
	int rc = provider == NULL ? SV_OK : sv_cli_provider_id(provider,
		"--provider", id, sizeof(id), &err);
	if (rc != SV_OK) {
		return sv_cli_fail(cmd, rc, &err);
	}
	return sv_cli_list(cmd, opts, provider != NULL ? id : NULL, print);
}
