/* SPDX-License-Identifier: MIT */
/*
 * The web admin's HTML writer (admin_html.h), over libxml2's
 * xmlTextWriter into an xmlBuffer. No indentation, no XML declaration:
 * the document starts with the HTML5 doctype. libxml2's allocation
 * failures that its writer does not report are counted by answer.h's
 * hooks: a document during whose writing one happened is refused.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "answer/answer.h"
#include "util/alloc.h"
#include "webadmin/admin_html.h"

#define MAX_DEPTH 64

struct sv_html {
	xmlBufferPtr xb;        /* owned */
	xmlTextWriterPtr w;     /* owned; writes into xb */
	const char *open[MAX_DEPTH]; /* static tag names of open elements */
	size_t depth;
	unsigned long xml_failures; /* sv_answer_xml_alloc_failures at new */
	bool failed;
};

static const char *const void_tags[] = { "input", "meta", "link", "br",
	"hr", "img" };

static bool is_void(const char *tag) {
	for (size_t i = 0; i < sizeof(void_tags) / sizeof(*void_tags); i++) {
		if (strcmp(tag, void_tags[i]) == 0) {
			return true;
		}
	}
	return false;
}

struct sv_html *sv_html_new(void) {
	struct sv_html *h = sv_calloc(1, sizeof(*h));
	if (h == NULL) {
		return NULL;
	}
	h->xml_failures = sv_answer_xml_alloc_failures();
	h->xb = xmlBufferCreate();
	h->w = h->xb != NULL ? xmlNewTextWriterMemory(h->xb, 0) : NULL;
	if (h->w == NULL || xmlTextWriterWriteDTD(h->w, BAD_CAST "html", NULL,
			NULL, NULL) < 0) {
		sv_html_free(h);
		return NULL;
	}
	return h;
}

void sv_html_free(struct sv_html *h) {
	if (h == NULL) {
		return;
	}
	if (h->w != NULL) {
		xmlFreeTextWriter(h->w);
	}
	if (h->xb != NULL) {
		xmlBufferFree(h->xb);
	}
	sv_free(h);
}

static void check(struct sv_html *h, int r) {
	if (r < 0) {
		h->failed = true;
	}
}

static void open_va(struct sv_html *h, const char *tag, va_list ap) {
	if (h->failed) {
		return;
	}
	if (h->depth == MAX_DEPTH) {
		h->failed = true;
		return;
	}
	check(h, xmlTextWriterStartElement(h->w, BAD_CAST tag));
	for (;;) {
		const char *name = va_arg(ap, const char *);
		if (name == NULL) {
			break;
		}
		const char *value = va_arg(ap, const char *);
		if (value != NULL && !h->failed) {
			check(h, xmlTextWriterWriteAttribute(h->w, BAD_CAST name,
				BAD_CAST value));
		}
	}
	h->open[h->depth++] = tag;
}

void sv_html_open(struct sv_html *h, const char *tag, ...) {
	va_list ap;
	va_start(ap, tag);
	open_va(h, tag, ap);
	va_end(ap);
}

void sv_html_close(struct sv_html *h) {
	if (h->failed) {
		return;
	}
	if (h->depth == 0) {
		h->failed = true;
		return;
	}
	const char *tag = h->open[--h->depth];
	check(h, is_void(tag) ? xmlTextWriterEndElement(h->w) :
		xmlTextWriterFullEndElement(h->w));
}

void sv_html_text(struct sv_html *h, const char *text) {
	if (!h->failed && text != NULL && text[0] != '\0') {
		check(h, xmlTextWriterWriteString(h->w, BAD_CAST text));
	}
}

void sv_html_textf(struct sv_html *h, const char *fmt, ...) {
	if (h->failed) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	check(h, xmlTextWriterWriteVFormatString(h->w, fmt, ap));
	va_end(ap);
}

void sv_html_elem(struct sv_html *h, const char *tag, const char *text,
		...) {
	va_list ap;
	va_start(ap, text);
	open_va(h, tag, ap);
	va_end(ap);
	sv_html_text(h, text);
	sv_html_close(h);
}

int sv_html_finish(struct sv_html *h, struct sv_buf *out, struct sv_err *err) {
	while (!h->failed && h->depth > 0) {
		sv_html_close(h);
	}
	if (!h->failed) {
		check(h, xmlTextWriterEndDocument(h->w));
		check(h, xmlTextWriterFlush(h->w));
	}
	int rc = SV_OK;
	if (h->failed || sv_answer_xml_alloc_failures() != h->xml_failures) {
		rc = sv_errf(err, SV_ENOMEM, "html: the writer failed");
	} else {
		rc = sv_buf_append(out, xmlBufferContent(h->xb),
			(size_t)xmlBufferLength(h->xb));
		if (rc == SV_OK) {
			rc = sv_buf_append(out, "\n", 1);
		}
		if (rc != SV_OK) {
			sv_errf(err, rc, "html: page too large");
		}
	}
	sv_html_free(h);
	return rc;
}
