/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_WEBADMIN_INTERNAL_H
#define SUIVANT_WEBADMIN_INTERNAL_H

/*
 * Private to the web admin's two libmicrohttpd files: webadmin.c (the
 * listener: MHD's callbacks, the responses, start and stop) and
 * admin_fields.c (a request's query and form fields). Both read the
 * state MHD hands from one callback of a request to the next, so it is
 * shared here; the pages (admin_internal.h) never see MHD or it.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "util/buf.h"
#include "webadmin/admin_internal.h"

#define SV_WEBADMIN_MAX_URL 2048

enum sv_webadmin_body {
	SV_WEBADMIN_BODY_NONE, SV_WEBADMIN_BODY_FORM,
	SV_WEBADMIN_BODY_MULTIPART
};

/* One request, from on_uri to on_completed (webadmin.c). */
struct sv_webadmin_req {
	bool started;
	size_t url_len;
	char path[SV_WEBADMIN_MAX_URL + 1]; /* raw, without the query */
	enum sv_webadmin_body kind;
	size_t cap;                /* body bytes allowed */
	struct sv_buf body;
	unsigned status;           /* queued, for the log */
	char client[INET6_ADDRSTRLEN];
	char user[SV_ACCOUNT_NAME_MAX + 1];
	char method[8];
};

/* ---- admin_fields.c: a request's query and form fields ---- */

/* Frees every field's name and value; f is left empty. */
void sv_admin_fields_free(struct sv_admin_fields *f);
/* Checks every field's name and value; the first bad one's name into
 * why. */
bool sv_admin_fields_ok(const struct sv_admin_fields *f, char *why,
	size_t size);
/* Adds one query argument to the fields at cls (MHD's
 * MHD_get_connection_values_n callback); stops at the first that cannot
 * be added (the caller then finds fewer fields than arguments). */
enum MHD_Result sv_admin_on_query(void *cls, enum MHD_ValueKind kind,
	const char *key, size_t key_size, const char *value,
	size_t value_size);
/* Decodes r's body into form. SV_OK, or SV_EINVAL (malformed, too many
 * fields) or SV_ENOMEM. */
int sv_admin_parse_body(struct MHD_Connection *c, struct sv_webadmin_req *r,
	struct sv_admin_fields *form);

#endif
