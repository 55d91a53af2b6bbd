/* SPDX-License-Identifier: MIT */
/*
 * Shared unit-test helpers (test_support.h): building providers, golden
 * files and allocation-failure loops, written once for the renderers'
 * tests. Everything here asserts through cmocka, so a helper's failure
 * fails the test that called it.
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

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "test_support.h"
#include "util/alloc.h"

/* Allocation-failure loops give up here: the code under test never ends. */
#define ALLOC_LOOP_MAX 100000

char *sv_test_dup(const char *s) {
	if (s == NULL) {
		return NULL;
	}
	char *d = sv_strdup(s);
	assert_non_null(d);
	return d;
}

struct sv_provider *sv_test_provider_new(const char *id,
		const char *display_name, const char *short_name) {
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	pv->id = sv_test_dup(id);
	pv->display_name = sv_test_dup(display_name);
	pv->short_name = sv_test_dup(short_name);
	return pv;
}

struct sv_server *sv_test_add_server(struct sv_provider *pv,
		const struct sv_test_server *sp) {
	struct sv_server s;
	memset(&s, 0, sizeof(s));
	s.type = sp->type;
	s.hostname = sv_test_dup(sp->host);
	s.port = sp->port;
	s.socket = sp->socket;
	s.username = sv_test_dup(sp->user);
	memcpy(s.auth, sp->auth, sizeof(s.auth));
	s.n_auth = sp->n_auth;
	s.domain = sv_test_dup(sp->domain);
	s.pop3.days_to_leave = -1;
	s.pop3.check_interval_min = -1;
	s.priority = (int)pv->n_servers * 10;
	struct sv_server *out = NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, &out), SV_OK);
	assert_non_null(out);
	return out;
}

struct sv_service *sv_test_add_service(struct sv_provider *pv,
		enum sv_service_type type, const char *url, const char *user,
		const char *domain) {
	struct sv_service s;
	memset(&s, 0, sizeof(s));
	s.type = type;
	s.url = sv_test_dup(url);
	s.username = sv_test_dup(user);
	s.domain = sv_test_dup(domain);
	s.auth[0] = SV_SAUTH_HTTP_BASIC;
	s.n_auth = 1;
	s.priority = (int)pv->n_services * 10;
	struct sv_service *out = NULL;
	assert_int_equal(sv_provider_add_service(pv, &s, &out), SV_OK);
	assert_non_null(out);
	return out;
}

char *sv_test_read_file(const char *path, size_t *len) {
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		return NULL;
	}
	struct sv_buf b;
	sv_buf_init(&b, SV_TEST_OUT_MAX);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		assert_int_equal(sv_buf_append(&b, chunk, n), SV_OK);
	}
	assert_int_equal(ferror(fp), 0);
	fclose(fp);
	return sv_buf_take(&b, len);
}

void sv_test_golden_check(const char *dir, const char *name,
		const char *ext, const char *got, size_t len) {
	char path[512];
	int n = snprintf(path, sizeof(path), "%s%s%s", dir, name, ext);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	const char *update = getenv("SUIVANT_UPDATE_GOLDEN");
	if (update != NULL && strcmp(update, "1") == 0) {
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(got, 1, len, fp), len);
		assert_int_equal(fclose(fp), 0);
		return;
	}
	size_t want_len = 0;
	char *want = sv_test_read_file(path, &want_len);
	if (want == NULL) {
		fail_msg("%s: missing (run with SUIVANT_UPDATE_GOLDEN=1)", path);
	}
	bool same = want_len == len && memcmp(want, got, len) == 0;
	sv_free(want);
	if (!same) {
		/* Leave the output next to the build for a diff. */
		char got_path[600];
		n = snprintf(got_path, sizeof(got_path), "%s.got", name);
		assert_true(n > 0 && (size_t)n < sizeof(got_path));
		FILE *fp = fopen(got_path, "wb");
		if (fp != NULL) {
			fwrite(got, 1, len, fp);
			fclose(fp);
		}
		fail_msg("%s differs (output in %s)", path, got_path);
	}
}

/* fn's answer for pv (fails the test when fn fails); may be NULL. */
static struct sv_answer *rendered(sv_test_answer_fn fn,
		const struct sv_provider *pv, const char *override_domain) {
	struct sv_answer *a = NULL;
	struct sv_err err = { "" };
	int rc = fn(pv, override_domain, &a, &err);
	if (rc != SV_OK) {
		fail_msg("render %s: %s", pv->id, err.msg);
	}
	return a;
}

char *sv_test_render_fill(sv_test_answer_fn fn, const char *content_type,
		const struct sv_provider *pv, const char *override_domain,
		const struct sv_answer_facts *f, size_t *len) {
	struct sv_answer *a = rendered(fn, pv, override_domain);
	assert_non_null(a);
	assert_string_equal(a->content_type, content_type);
	struct sv_buf out;
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(sv_answer_fill(a, f, &out), SV_OK);
	sv_answer_destroy(a);
	char *s = sv_buf_take(&out, len);
	assert_non_null(s);
	return s;
}

/* sv_test_expect_parts(), and the golden file what when golden. */
static void parts_of(const struct sv_test_renderer *r, const char *what,
		bool golden, const struct sv_provider *pv,
		const char *override_domain, const struct sv_answer_facts *f,
		const struct sv_test_part *p, size_t n) {
	size_t len;
	char *doc = sv_test_render_fill(r->fn, r->content_type, pv,
		override_domain, f, &len);
	if (r->check != NULL) {
		r->check(doc, len);
	}
	if (golden) {
		sv_test_golden_check(r->golden_dir, what, r->golden_ext, doc,
			len);
	}
	sv_test_parts(what, doc, p, n);
	sv_free(doc);
}

long sv_test_renderer_alloc_case(const struct sv_test_renderer *r,
		const struct sv_provider *pv, const struct sv_answer_facts *f) {
	return sv_test_answer_alloc_case(r->fn, r->content_type, pv, f);
}

void sv_test_expect_parts(const struct sv_test_renderer *r,
		const char *what, const struct sv_provider *pv,
		const char *override_domain, const struct sv_answer_facts *f,
		const struct sv_test_part *p, size_t n) {
	parts_of(r, what, false, pv, override_domain, f, p, n);
}

void sv_test_golden_parts(const struct sv_test_renderer *r,
		const char *name, const struct sv_provider *pv,
		const char *override_domain, const struct sv_answer_facts *f,
		const struct sv_test_part *p, size_t n) {
	parts_of(r, name, true, pv, override_domain, f, p, n);
}

int sv_test_provider_setup(void **state) {
	const struct sv_test_maker *m = *state;
	*state = m->make();
	return *state != NULL ? 0 : -1;
}

int sv_test_provider_teardown(void **state) {
	sv_provider_destroy(*state);
	return 0;
}

void sv_test_render_refused(sv_test_answer_fn fn,
		const struct sv_provider *pv, const char *in_msg) {
	static struct sv_answer sentinel;
	struct sv_answer *a = &sentinel; /* must be reset to NULL */
	struct sv_err err = { "" };
	assert_int_equal(fn(pv, NULL, &a, &err), SV_EINVAL);
	assert_null(a);
	if (in_msg != NULL && strstr(err.msg, in_msg) == NULL) {
		fail_msg("'%s' not in '%s'", in_msg, err.msg);
	}
}

void sv_test_refused_with(sv_test_answer_fn fn,
		const struct sv_provider *pv, char **field, const char *value,
		const char *in_msg) {
	char *own = *field;
	*field = sv_test_dup(value);
	sv_test_render_refused(fn, pv, in_msg);
	sv_free(*field);
	*field = own;
}

void sv_test_refused_port_socket(sv_test_answer_fn fn,
		struct sv_provider *pv, size_t i, const char *in_msg) {
	assert_true(i < pv->n_servers);
	struct sv_server *s = &pv->servers[i];
	int port = s->port;
	s->port = 0;
	sv_test_render_refused(fn, pv, in_msg);
	s->port = port;
	enum sv_socket sock = s->socket;
	s->socket = SV_SOCKET_NONE;
	sv_test_render_refused(fn, pv, NULL);
	s->socket = sock;
}

void sv_test_render_ok(sv_test_answer_fn fn, const struct sv_provider *pv) {
	sv_answer_destroy(rendered(fn, pv, NULL));
}

struct sv_answer *sv_test_render(sv_test_answer_fn fn,
		const struct sv_provider *pv) {
	struct sv_answer *a = rendered(fn, pv, NULL);
	assert_non_null(a);
	return a;
}

long sv_test_answer_alloc_case(sv_test_answer_fn fn,
		const char *content_type, const struct sv_provider *pv,
		const struct sv_answer_facts *f) {
	size_t want_len;
	char *want = sv_test_render_fill(fn, content_type, pv, NULL, f,
		&want_len);
	long n = sv_test_answer_alloc_loop(fn, pv, f, want, want_len);
	sv_free(want);
	return n;
}

/* libxml2's generic error handler during injected failures: silent. */
static void quiet(void *ctx, const char *fmt, ...) {
	(void)ctx;
	(void)fmt;
}

/*
 * Fails allocation n = 0, 1, ... in fn(ctx) until it succeeds: every
 * failure must be SV_ENOMEM with out empty (what names the case), the
 * success must give want. Returns how many attempts failed.
 */
static long buf_fail_loop(const char *what, sv_test_buf_fn fn, void *ctx,
		const char *want, size_t want_len) {
	for (long n = 0;; n++) {
		assert_true(n < ALLOC_LOOP_MAX);
		struct sv_buf out;
		sv_buf_init(&out, SV_TEST_OUT_MAX);
		sv_alloc_fail_after(n);
		int rc = fn(ctx, &out);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			assert_int_equal(out.len, want_len);
			assert_memory_equal(out.data, want, want_len);
			sv_buf_finish(&out);
			return n;
		}
		if (rc != SV_ENOMEM) {
			fail_msg("%s: allocation %ld failed, got %d", what, n,
				rc);
		}
		assert_null(out.data);
		sv_buf_finish(&out);
	}
}

/* An answer and the facts it is filled with, for fill(). */
struct fill_ctx {
	const struct sv_answer *a;
	const struct sv_answer_facts *f;
};

static int fill(void *ctx, struct sv_buf *out) {
	const struct fill_ctx *c = ctx;
	return sv_answer_fill(c->a, c->f, out);
}

long sv_test_answer_alloc_loop(sv_test_answer_fn fn,
		const struct sv_provider *pv, const struct sv_answer_facts *f,
		const char *want, size_t want_len) {
	xmlSetGenericErrorFunc(NULL, quiet); /* libxml2's "out of memory" */
	long n = 0;
	for (;; n++) {
		assert_true(n < ALLOC_LOOP_MAX);
		struct sv_answer *a = NULL;
		sv_alloc_fail_after(n);
		int rc = fn(pv, NULL, &a, NULL);
		sv_alloc_fail_after(-1);
		if (rc != SV_OK) {
			assert_int_equal(rc, SV_ENOMEM);
			assert_null(a);
			continue;
		}
		struct sv_buf out;
		sv_buf_init(&out, SV_TEST_OUT_MAX);
		assert_int_equal(sv_answer_fill(a, f, &out), SV_OK);
		bool same = out.len == want_len &&
			memcmp(out.data, want, want_len) == 0;
		sv_buf_finish(&out);
		if (!same) {
			sv_answer_destroy(a);
			fail_msg("render succeeded after allocation failure %ld "
				"with different bytes", n);
		}
		struct fill_ctx c = { a, f };
		buf_fail_loop("fill", fill, &c, want, want_len);
		sv_answer_destroy(a);
		break;
	}
	xmlSetGenericErrorFunc(NULL, NULL);
	return n;
}

long sv_test_buf_alloc_loop(const char *what, sv_test_buf_fn fn, void *ctx) {
	struct sv_buf out;
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(fn(ctx, &out), SV_OK);
	size_t want_len;
	char *want = sv_buf_take(&out, &want_len);
	assert_non_null(want);
	xmlSetGenericErrorFunc(NULL, quiet);
	long n = buf_fail_loop(what, fn, ctx, want, want_len);
	xmlSetGenericErrorFunc(NULL, NULL);
	print_message("%s: %ld allocation failure points\n", what, n);
	sv_free(want);
	return n;
}

int sv_test_xml_setup(void **state) {
	(void)state;
	if (sv_answer_xml_memory_setup() != SV_OK) {
		return -1;
	}
	xmlInitParser();
	return 0;
}

int sv_test_xml_teardown(void **state) {
	(void)state;
	xmlCleanupParser();
	return 0;
}
