/* SPDX-License-Identifier: MIT */
/*
 * Shared by the unit tests that fail libxml2's allocations on purpose.
 * Include from exactly one file of a test binary.
 */
#ifndef SUIVANT_TEST_XML_TESTING_H
#define SUIVANT_TEST_XML_TESTING_H

#include <libxml/xmlerror.h>

/* gcc says __SANITIZE_ADDRESS__; clang answers __has_feature instead. */
#if defined(__SANITIZE_ADDRESS__)
#define SV_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SV_TEST_ASAN 1
#endif
#endif

#ifdef SV_TEST_ASAN
/*
 * libxml2 2.9.14 leaks on allocation-failure paths we drive on purpose:
 * xmlTextWriterStartElement and xmlTextWriterStartDTD (the plist DOCTYPE
 * of Apple profiles) ignore a failed xmlListPushFront and lose their
 * stack entry and the entry's name (the builder reports SV_ENOMEM).
 * Only those upstream paths are suppressed; full stacks make the name's
 * allocation carry the xmlTextWriterStart* frame too.
 */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *__asan_default_options(void) {
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void) {
	return "leak:xmlTextWriterStartElement\n"
		"leak:xmlTextWriterStartDTD\n";
}
#endif

/* libxml2's generic error handler during injected failures: silent. */
static inline void sv_test_xml_quiet(void *ctx, const char *fmt, ...) {
	(void)ctx;
	(void)fmt;
}

#endif
