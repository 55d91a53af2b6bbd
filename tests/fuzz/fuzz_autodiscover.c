/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: Autodiscover v1 request bodies, the one XML document
 * the server parses from the network (sv_autodiscover_request_parse). A
 * success must hold a valid address whose domain is normalised (issue #8).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/model.h"
#include "request/autodiscover_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	struct sv_autodiscover_request req;
	struct sv_err err;
	int rc = sv_autodiscover_request_parse((const char *)data, size, &req,
		&err);
	if (rc == SV_OK) {
		if (req.schema != SV_AUTODISCOVER_SCHEMA_OUTLOOK &&
				req.schema != SV_AUTODISCOVER_SCHEMA_MOBILESYNC &&
				req.schema != SV_AUTODISCOVER_SCHEMA_OTHER) {
			abort();
		}
		if (!sv_is_hostname(req.address.domain, true) ||
				req.address.local[0] == '\0') {
			abort();
		}
	} else if (rc != SV_EINVAL && rc != SV_ETOOBIG && rc != SV_ENOMEM) {
		abort();
	}
	return 0;
}
