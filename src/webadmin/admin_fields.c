/* SPDX-License-Identifier: MIT */
/*
 * A web admin request's query and form fields (webadmin_internal.h): the
 * query arguments as MHD decodes them, the body through MHD's post
 * processor (url-encoded forms and multipart/form-data, values handed
 * in pieces), and the checks every field passes before a page sees it
 * (UTF-8, no NUL, no control but tab, CR, LF). The listener (webadmin.c)
 * calls these on a request's last call.
 */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "util/alloc.h"
#include "util/log.h"
#include "util/utf8.h"
#include "webadmin/admin_internal.h"
#include "webadmin/webadmin_internal.h"

/* Text a page may hold: UTF-8 without NUL, noncharacters or controls
 * other than tab, CR and LF. */
static bool text_ok(const char *s, size_t n) {
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = sv_utf8_decode((const unsigned char *)s + i, n - i,
			&cp);
		if (k == 0 || cp == 0 || sv_utf8_is_noncharacter(cp) ||
				(sv_utf8_is_control(cp) && cp != '\t' &&
				cp != '\r' && cp != '\n')) {
			return false;
		}
		i += k;
	}
	return true;
}

void sv_admin_fields_free(struct sv_admin_fields *f) {
	for (size_t i = 0; i < f->n; i++) {
		sv_free(f->v[i].name);
		sv_free(f->v[i].value);
	}
	f->n = 0;
}

/* Adds a field (copies); false when there are too many, a name is too
 * long, or memory is short. */
static bool field_add(struct sv_admin_fields *f, const char *name,
		size_t name_len, const char *value, size_t len, bool file) {
	if (f->n == SV_ADMIN_MAX_FIELDS || name_len == 0 ||
			name_len > SV_ADMIN_MAX_FIELD_NAME ||
			memchr(name, '\0', name_len) != NULL) {
		return false;
	}
	struct sv_admin_field *v = &f->v[f->n];
	v->name = sv_strndup(name, name_len);
	v->value = sv_malloc(len + 1);
	if (v->name == NULL || v->value == NULL) {
		sv_free(v->name);
		sv_free(v->value);
		return false;
	}
	memcpy(v->value, value, len);
	v->value[len] = '\0';
	v->len = len;
	v->file = file;
	f->n++;
	return true;
}

/* Checks every field's name and value; the first bad one's name into
 * why. */
bool sv_admin_fields_ok(const struct sv_admin_fields *f, char *why,
		size_t size) {
	for (size_t i = 0; i < f->n; i++) {
		const struct sv_admin_field *v = &f->v[i];
		if (!text_ok(v->name, strlen(v->name)) ||
				!text_ok(v->value, v->len)) {
			char shown[80];
			snprintf(why, size, "field %s: not UTF-8 text, or holds "
				"a NUL or control character",
				sv_log_escape(v->name, shown, sizeof(shown)));
			return false;
		}
	}
	return true;
}

/* Adds one query argument to the fields at cls; stops at the first
 * that field_add refuses (the caller then finds fewer fields than
 * arguments). */
enum MHD_Result sv_admin_on_query(void *cls, enum MHD_ValueKind kind,
		const char *key, size_t key_size, const char *value,
		size_t value_size) {
	(void)kind;
	return field_add(cls, key, key_size, value != NULL ? value : "",
		value != NULL ? value_size : 0, false) ? MHD_YES : MHD_NO;
}

/* The post processor hands values in pieces: off 0 starts a field. */
struct post_ctx {
	struct sv_admin_fields *f;
	struct sv_buf value;
	char name[SV_ADMIN_MAX_FIELD_NAME + 1];
	size_t name_len;
	bool open, file, failed;
};

static bool post_flush(struct post_ctx *p) {
	if (!p->open) {
		return true;
	}
	p->open = false;
	bool ok = field_add(p->f, p->name, p->name_len,
		p->value.data != NULL ? p->value.data : "", p->value.len,
		p->file);
	sv_buf_reset(&p->value);
	return ok;
}

static enum MHD_Result on_post(void *cls, enum MHD_ValueKind kind,
		const char *key, const char *filename, const char *content_type,
		const char *transfer_encoding, const char *data, uint64_t off,
		size_t size) {
	struct post_ctx *p = cls;
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	size_t klen = strlen(key);
	if (off == 0 || !p->open || klen != p->name_len ||
			memcmp(key, p->name, klen) != 0) {
		if (!post_flush(p) || klen == 0 ||
				klen > SV_ADMIN_MAX_FIELD_NAME) {
			p->failed = true;
			return MHD_NO;
		}
		memcpy(p->name, key, klen);
		p->name[klen] = '\0';
		p->name_len = klen;
		p->open = true;
		p->file = filename != NULL;
	}
	if (size > 0 && sv_buf_append(&p->value, data, size) != SV_OK) {
		p->failed = true;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Decodes r's body into form. SV_OK, or SV_EINVAL (malformed, too many
 * fields) or SV_ENOMEM. */
int sv_admin_parse_body(struct MHD_Connection *c, struct sv_webadmin_req *r,
		struct sv_admin_fields *form) {
	if (r->kind == SV_WEBADMIN_BODY_NONE || r->body.len == 0) {
		return SV_OK;
	}
	struct post_ctx p = { .f = form };
	sv_buf_init(&p.value, r->cap + 1);
	struct MHD_PostProcessor *pp = MHD_create_post_processor(c,
		16 * 1024, on_post, &p);
	if (pp == NULL) {
		sv_buf_finish(&p.value);
		return SV_EINVAL; /* e.g. multipart without a boundary */
	}
	enum MHD_Result ok = MHD_post_process(pp, r->body.data, r->body.len);
	enum MHD_Result done = MHD_destroy_post_processor(pp);
	bool flushed = post_flush(&p);
	sv_buf_finish(&p.value);
	if (ok != MHD_YES || done != MHD_YES || p.failed || !flushed) {
		return SV_EINVAL;
	}
	return SV_OK;
}
