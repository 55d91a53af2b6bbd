/* SPDX-License-Identifier: MIT */
/*
 * The QR section of the profile page (render_page.h): libqrencode makes
 * the code, libxml2's text writer writes the markup. The modules become
 * one <path>: each run of dark modules in a row is a rectangle
 * "M x y h n v 1 h -n z", so a code of any version is one element of a
 * few kilobytes, which librsvg, browsers and printers draw the same.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>
#include <qrencode.h>

#include "answer/answer.h"
#include "answer/render_page.h"

/* White modules around the code, as ISO/IEC 18004 asks for scanning. */
#define QUIET 4
/* Drawn size in CSS pixels: big enough for a phone's camera. */
#define SIZE "264"

/* The path of the dark modules of qr into d. SV_OK or sv_buf's rc. */
static int module_path(const QRcode *qr, struct sv_buf *d) {
	int w = qr->width;
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if ((qr->data[y * w + x] & 1) == 0) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (qr->data[y * w + x + run] & 1)) {
				run++;
			}
			int rc = sv_buf_printf(d, "M%d %dh%dv1h-%dz", x + QUIET,
				y + QUIET, run, run);
			if (rc != SV_OK) {
				return rc;
			}
			x += run;
		}
	}
	return SV_OK;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

/* <h2>fr<br><span lang="en">en</span></h2>, as the page's own titles. */
static int title(xmlTextWriterPtr w, const char *fr, const char *en) {
	if (xmlTextWriterStartElement(w, BAD_CAST "h2") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST fr) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "br") < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "span") < 0 ||
			attr(w, "lang", "en") < 0 || attr(w, "class", "en") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST en) < 0 ||
			xmlTextWriterEndElement(w) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

static int write_section(xmlTextWriterPtr w, const char *address,
		const char *url, const char *href, int modules,
		const char *path) {
	char box[32], label[SV_PAGE_MAX_URL + 32];
	snprintf(box, sizeof(box), "0 0 %d %d", modules, modules);
	snprintf(label, sizeof(label), "QR code: %s", url);
	if (xmlTextWriterStartElement(w, BAD_CAST "section") < 0 ||
			attr(w, "class", "qr") < 0 ||
			title(w, "Sur un téléphone", "On a phone") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "p") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST "Visez ce code avec "
				"l’appareil photo de l’iPhone ou de l’iPad pour "
				"installer le profil de ") < 0 ||
			xmlTextWriterWriteElement(w, BAD_CAST "strong",
				BAD_CAST address) < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST ". ") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "span") < 0 ||
			attr(w, "lang", "en") < 0 || attr(w, "class", "en") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST "Point the iPhone's or "
				"iPad's camera at this code to install the profile "
				"of ") < 0 ||
			xmlTextWriterWriteElement(w, BAD_CAST "strong",
				BAD_CAST address) < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST ".") < 0 ||
			xmlTextWriterEndElement(w) < 0 || /* span */
			xmlTextWriterEndElement(w) < 0 || /* p */
			xmlTextWriterStartElement(w, BAD_CAST "svg") < 0 ||
			attr(w, "xmlns", "http://www.w3.org/2000/svg") < 0 ||
			attr(w, "viewBox", box) < 0 ||
			attr(w, "width", SIZE) < 0 || attr(w, "height", SIZE) < 0 ||
			attr(w, "role", "img") < 0 ||
			attr(w, "aria-label", label) < 0 ||
			attr(w, "shape-rendering", "crispEdges") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "rect") < 0 ||
			attr(w, "width", "100%") < 0 ||
			attr(w, "height", "100%") < 0 ||
			attr(w, "fill", "#fff") < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "path") < 0 ||
			attr(w, "fill", "#000") < 0 || attr(w, "d", path) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterEndElement(w) < 0 || /* svg */
			xmlTextWriterStartElement(w, BAD_CAST "p") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "a") < 0 ||
			attr(w, "href", href) < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST "Télécharger le "
				"profil ") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "span") < 0 ||
			attr(w, "lang", "en") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST "/ Download the "
				"profile") < 0 ||
			xmlTextWriterEndElement(w) < 0 || /* span */
			xmlTextWriterEndElement(w) < 0 || /* a */
			xmlTextWriterEndElement(w) < 0 || /* p */
			xmlTextWriterEndElement(w) < 0) { /* section */
		return -1;
	}
	return xmlTextWriterFlush(w);
}

int sv_render_page_qr(const char *address, const char *url,
		const char *href, struct sv_buf *out, struct sv_err *err) {
	size_t n = strlen(url);
	if (n == 0 || n > SV_PAGE_MAX_URL) {
		sv_buf_finish(out);
		return sv_errf(err, SV_EINVAL, "page: URL of %zu bytes", n);
	}
	errno = 0;
	QRcode *qr = QRcode_encodeString8bit(url, 0, QR_ECLEVEL_M);
	if (qr == NULL) {
		int rc = errno == ENOMEM ? SV_ENOMEM : SV_EINVAL;
		sv_buf_finish(out);
		return sv_errf(err, rc, "page: no QR code for a URL of %zu "
			"bytes", n);
	}
	struct sv_buf path;
	sv_buf_init(&path, out->max);
	int rc = module_path(qr, &path);
	int modules = qr->width + 2 * QUIET;
	QRcode_free(qr);
	if (rc == SV_OK && path.data == NULL) {
		rc = SV_EINVAL; /* no dark module: not a QR code */
	}
	if (rc != SV_OK) {
		sv_buf_finish(&path);
		sv_buf_finish(out);
		return sv_errf(err, rc, "page: QR code: %s", sv_rc_str(rc));
	}
	unsigned long failures = sv_answer_xml_alloc_failures();
	rc = SV_ENOMEM;
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb != NULL ? xmlNewTextWriterMemory(xb, 0) : NULL;
	if (w != NULL && write_section(w, address, url, href, modules,
			path.data) >= 0 &&
			sv_answer_xml_alloc_failures() == failures) {
		rc = sv_buf_append(out, xmlBufferContent(xb),
			(size_t)xmlBufferLength(xb));
	} else {
		sv_buf_finish(out);
	}
	xmlFreeTextWriter(w);
	xmlBufferFree(xb);
	sv_buf_finish(&path);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "page: cannot write the QR section: %s",
			sv_rc_str(rc));
	}
	return SV_OK;
}
