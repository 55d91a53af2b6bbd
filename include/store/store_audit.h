/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_STORE_AUDIT_H
#define SUIVANT_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

/*
 * The web admin's audit trail (schema/0005_webadmin.sql). Calls run in
 * the caller's transaction when one is open: a change and its audit row
 * commit together.
 */

/* One audit row. Strings are owned by a list (sv_store_audit_free) and
 * borrowed by sv_store_audit_add. */
struct sv_audit_entry {
	int64_t id;          /* assigned by the store; ignored by add */
	int64_t at;          /* Unix seconds, UTC */
	char *actor;         /* the account that made the change */
	char *action;        /* "server set", "domain add"... */
	char *provider_id;   /* NULL when about no provider */
	char *before_json;   /* JSON text of the object before; NULL: none */
	char *after_json;    /* the same after; NULL: none (removed) */
};

int sv_store_audit_add(struct sv_store *st, const struct sv_audit_entry *e,
	struct sv_err *err);
/*
 * The newest limit rows (0: all), newest first, into an owned array of
 * *n entries (sv_store_audit_free).
 */
int sv_store_audit_list(struct sv_store *st, size_t limit,
	struct sv_audit_entry **out, size_t *n, struct sv_err *err);
void sv_store_audit_free(struct sv_audit_entry *list, size_t n);

#endif
