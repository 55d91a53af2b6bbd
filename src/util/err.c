/* SPDX-License-Identifier: MIT */
/*
 * Error messages: a fixed buffer in the caller's struct sv_err, so that
 * reporting an error never allocates and never fails.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/err.h"

int sv_errf(struct sv_err *err, int rc, const char *fmt, ...) {
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		if (n < 0) {
			err->msg[0] = '\0';
		}
	}
	return rc;
}

const char *sv_rc_str(int rc) {
	switch (rc) {
	case SV_OK: return "ok";
	case SV_EINVAL: return "invalid input";
	case SV_ENOTFOUND: return "not found";
	case SV_EEXIST: return "already exists";
	case SV_ETOOBIG: return "too big";
	case SV_ENOMEM: return "out of memory";
	case SV_EDB: return "database error";
	case SV_EIO: return "I/O error";
	case SV_EBUSY: return "database busy";
	case SV_EAGAIN: return "not known yet";
	default: return "unknown error";
	}
}
