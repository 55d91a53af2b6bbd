/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the unit tests (tests/unit/test_support.c): providers
 * built in C with the model's appenders, golden files compared byte for
 * byte (SUIVANT_UPDATE_GOLDEN=1 rewrites them), and the loops that fail
 * allocation n = 0, 1, ... in turn. Every helper fails the running cmocka
 * test on an unexpected result; include cmocka.h before this header.
 */
#ifndef SUIVANT_TEST_SUPPORT_H
#define SUIVANT_TEST_SUPPORT_H

#include <stddef.h>

#include "answer/answer.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

#include "test_base.h"

/* Cap of every output buffer the helpers create. */
#define SV_TEST_OUT_MAX (1024 * 1024)

/* sv_strdup(s), or NULL for NULL; the copy is owned (sv_free). */
char *sv_test_dup(const char *s);

/*
 * An empty provider with these (copied) names, any of them may be NULL;
 * owned by the caller (sv_provider_destroy).
 */
struct sv_provider *sv_test_provider_new(const char *id,
	const char *display_name, const char *short_name);

/* What sv_test_add_server() copies into a new server. */
struct sv_test_server {
	enum sv_server_type type;
	const char *host;
	int port;
	enum sv_socket socket;
	const char *user;
	enum sv_auth auth[SV_MODEL_MAX_AUTH];
	size_t n_auth;
	const char *domain; /* NULL: provider-wide */
};

/*
 * Appends a server made from sp (POP3 options unset, priority 10 per
 * server already there) and returns it, borrowed from pv.
 */
struct sv_server *sv_test_add_server(struct sv_provider *pv,
	const struct sv_test_server *sp);

/*
 * Appends a service of type with these (copied) url, username (may be
 * NULL) and domain (may be NULL), authenticated by HTTP Basic, priority
 * 10 per service already there; returns it, borrowed from pv.
 */
struct sv_service *sv_test_add_service(struct sv_provider *pv,
	enum sv_service_type type, const char *url, const char *user,
	const char *domain);

/*
 * The whole file at path in a NUL-terminated buffer owned by the caller
 * (sv_free), *len its size; NULL when the file cannot be opened.
 */
char *sv_test_read_file(const char *path, size_t *len);

/*
 * Compares got with the golden file <dir><name><ext>, or rewrites it when
 * SUIVANT_UPDATE_GOLDEN=1. A difference leaves got in ./<name>.got for a
 * diff and fails the test.
 */
void sv_test_golden_check(const char *dir, const char *name,
	const char *ext, const char *got, size_t len);

/* sv_render_autoconfig() and its siblings that build an answer. */
typedef int (*sv_test_answer_fn)(const struct sv_provider *pv,
	const char *override_domain, struct sv_answer **out,
	struct sv_err *err);

/*
 * Renders pv with fn (whose answer must have content_type), fills it
 * with f and returns the bytes, owned by the caller (sv_free).
 */
char *sv_test_render_fill(sv_test_answer_fn fn, const char *content_type,
	const struct sv_provider *pv, const char *override_domain,
	const struct sv_answer_facts *f, size_t *len);

/*
 * Fails allocation n = 0, 1, ... (ours, and libxml2's through the hooks)
 * in fn until it succeeds, then each allocation of the fill in turn: every
 * failure must be SV_ENOMEM with nothing out, and both a success after
 * the failures and the fill must give want. libxml2's messages are
 * silenced meanwhile. Returns how many renders failed.
 */
long sv_test_answer_alloc_loop(sv_test_answer_fn fn,
	const struct sv_provider *pv, const struct sv_answer_facts *f,
	const char *want, size_t want_len);

/*
 * fn must refuse pv: SV_EINVAL, its answer pointer reset to NULL, and a
 * message containing in_msg unless in_msg is NULL.
 */
void sv_test_render_refused(sv_test_answer_fn fn,
	const struct sv_provider *pv, const char *in_msg);

/*
 * fn must refuse pv (as sv_test_render_refused, in_msg alike) while
 * *field, a string of pv's, holds a copy of value (NULL: none); *field
 * has its own value back after.
 */
void sv_test_refused_with(sv_test_answer_fn fn,
	const struct sv_provider *pv, char **field, const char *value,
	const char *in_msg);

/*
 * fn must refuse pv once server i's port is 0 (in_msg as
 * sv_test_render_refused), then once its socket is SV_SOCKET_NONE (any
 * message); each has its own value back after.
 */
void sv_test_refused_port_socket(sv_test_answer_fn fn,
	struct sv_provider *pv, size_t i, const char *in_msg);

/* fn must render pv (the answer is dropped). */
void sv_test_render_ok(sv_test_answer_fn fn, const struct sv_provider *pv);

/* fn's answer for pv, which fn must render; owned by the caller. */
struct sv_answer *sv_test_render(sv_test_answer_fn fn,
	const struct sv_provider *pv);

/*
 * A whole allocation-failure case: the reference bytes from fn and f
 * (sv_test_render_fill with content_type), then
 * sv_test_answer_alloc_loop. Returns the loop's count.
 */
long sv_test_answer_alloc_case(sv_test_answer_fn fn,
	const char *content_type, const struct sv_provider *pv,
	const struct sv_answer_facts *f);

/* A renderer into a buffer; ctx is the test's own. */
typedef int (*sv_test_buf_fn)(void *ctx, struct sv_buf *out);

/*
 * Renders once with fn for the reference bytes, then fails allocation
 * n = 0, 1, ... until fn succeeds again: every failure must be SV_ENOMEM
 * with out empty, and the success must give the reference bytes. libxml2's
 * messages are silenced meanwhile; what names the case in messages.
 * Returns how many attempts failed.
 */
long sv_test_buf_alloc_loop(const char *what, sv_test_buf_fn fn, void *ctx);

/* A renderer under test: how its answers are made and checked. */
struct sv_test_renderer {
	sv_test_answer_fn fn;
	const char *content_type;
	/* well-formedness and what every answer shares; NULL: nothing */
	void (*check)(const char *doc, size_t len);
	/* the golden files of sv_test_golden_parts: <dir><name><ext> */
	const char *golden_dir, *golden_ext;
};

/* sv_test_answer_alloc_case of the renderer r. */
long sv_test_renderer_alloc_case(const struct sv_test_renderer *r,
	const struct sv_provider *pv, const struct sv_answer_facts *f);

/*
 * Renders pv with r->fn, fills it with f, checks the bytes with r->check
 * and their n parts (sv_test_parts, what naming the case).
 */
void sv_test_expect_parts(const struct sv_test_renderer *r,
	const char *what, const struct sv_provider *pv,
	const char *override_domain, const struct sv_answer_facts *f,
	const struct sv_test_part *p, size_t n);

/*
 * The same, the bytes also compared with the golden file name
 * (sv_test_golden_check), name naming the case.
 */
void sv_test_golden_parts(const struct sv_test_renderer *r,
	const char *name, const struct sv_provider *pv,
	const char *override_domain, const struct sv_answer_facts *f,
	const struct sv_test_part *p, size_t n);

/*
 * A test that starts from a provider made by make (SV_TEST_WITH): the
 * cmocka setup gives the test that provider as *state, the teardown
 * destroys it, also when the test fails.
 */
struct sv_test_maker {
	struct sv_provider *(*make)(void);
};

int sv_test_provider_setup(void **state);
int sv_test_provider_teardown(void **state);

#define SV_TEST_WITH(fn, maker) cmocka_unit_test_prestate_setup_teardown(fn, \
	sv_test_provider_setup, sv_test_provider_teardown, &(maker))

/*
 * cmocka group setup and teardown of the tests that write XML: as main.c
 * does, libxml2 allocates through alloc.h (counted, so that its
 * allocations can be failed), then the parser is initialised; the
 * teardown cleans the parser up.
 */
int sv_test_xml_setup(void **state);
int sv_test_xml_teardown(void **state);

#endif
