/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: e-mail addresses and domain names from untrusted input
 * (the emailaddress= query value after MHD's percent-decoding, the Host
 * header, the v1.1/DOMAIN path). The whole input goes to sv_address_parse
 * and to sv_domain_normalize, embedded NULs included. Besides the
 * sanitizers, it checks the contract: a success gives NUL-terminated,
 * bounded, lower-case LDH output, and normalising a normalised domain
 * gives it back unchanged (issue #8).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/model.h"
#include "request/address.h"

static void check_domain(const char *d) {
	size_t n = strnlen(d, SV_DOMAIN_MAX + 1);
	if (n == 0 || n > SV_DOMAIN_MAX || !sv_is_hostname(d, true)) {
		abort();
	}
	char again[SV_DOMAIN_MAX + 1];
	struct sv_err err;
	if (sv_domain_normalize(d, n, again, sizeof(again), &err) != SV_OK ||
			strcmp(again, d) != 0) {
		abort(); /* normalisation must be idempotent */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	const char *s = (const char *)data;
	struct sv_err err;
	struct sv_address a;
	if (sv_address_parse(s, size, &a, &err) == SV_OK) {
		size_t nl = strnlen(a.local, sizeof(a.local));
		size_t na = strnlen(a.address, sizeof(a.address));
		if (nl == 0 || nl > SV_LOCALPART_MAX || na > SV_ADDRESS_MAX ||
				memchr(a.local, '@', nl) != NULL) {
			abort();
		}
		check_domain(a.domain);
	} else if (strnlen(err.msg, sizeof(err.msg)) >= sizeof(err.msg)) {
		abort();
	}
	char out[SV_DOMAIN_MAX + 1];
	if (sv_domain_normalize(s, size, out, sizeof(out), &err) == SV_OK) {
		check_domain(out);
	}
	return 0;
}
