/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: Mozilla provider files (sv_import_mozilla_memory_ex),
 * without and with --repair. The first input byte picks the mode, the rest
 * is the file. An imported provider must pass the validator (the importer
 * promises a validated model) and render as a well-formed autoconfig
 * answer once filled for an address of its first domain (issue #8).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "answer/answer.h"
#include "answer/render_autoconfig.h"
#include "import/import_mozilla.h"
#include "model/model.h"
#include "util/buf.h"

static void on_repair(void *ctx, const char *msg) {
	(void)ctx;
	if (msg == NULL) {
		abort();
	}
}

static void render_check(const struct sv_provider *pv) {
	if (pv->n_domains == 0 || pv->domains[0][0] == '*') {
		return;
	}
	struct sv_answer *a = NULL;
	struct sv_err err;
	if (sv_render_autoconfig(pv, NULL, &a, &err) != SV_OK) {
		return; /* e.g. not servable: the snapshot skips it */
	}
	struct sv_answer_facts f = { .domain = pv->domains[0],
		.address = "jean@example.fr", .local = "jean" };
	struct sv_buf out;
	sv_buf_init(&out, 4 * 1024 * 1024);
	if (sv_answer_fill(a, &f, &out) == SV_OK) {
		xmlDocPtr doc = xmlReadMemory(out.data, (int)out.len, NULL,
			NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
			XML_PARSE_NOWARNING);
		if (doc == NULL) {
			abort(); /* a valid provider gave malformed XML */
		}
		xmlFreeDoc(doc);
	}
	sv_buf_finish(&out);
	sv_answer_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size == 0) {
		return 0;
	}
	struct sv_import_options opt = { .repair = (data[0] & 1) != 0,
		.on_repair = on_repair, .ctx = NULL };
	struct sv_provider *pv = NULL;
	struct sv_err err;
	int rc = sv_import_mozilla_memory_ex((const char *)data + 1, size - 1,
		"fuzz.xml", &opt, &pv, &err);
	if (rc == SV_OK) {
		if (pv == NULL || sv_provider_validate(pv, &err) != SV_OK) {
			abort();
		}
		render_check(pv);
		sv_provider_destroy(pv);
	} else if (pv != NULL) {
		abort(); /* *out untouched on failure */
	}
	return 0;
}
