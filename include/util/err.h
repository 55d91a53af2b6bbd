/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ERR_H
#define SUIVANT_ERR_H

/*
 * Result codes and one-line error messages shared by every module.
 * Functions return an int holding an enum sv_rc (SV_OK == 0); a trailing
 * struct sv_err *err (may be NULL) receives a human message. There is no
 * global error state.
 */

enum sv_rc {
	SV_OK = 0,
	SV_EINVAL,    /* bad input: the message names the field */
	SV_ENOTFOUND, /* no such domain, provider, server or file */
	SV_EEXIST,    /* the thing already exists / conflicts */
	SV_ETOOBIG,   /* a size limit was reached */
	SV_ENOMEM,    /* allocation failed */
	SV_EDB,       /* SQLite failed or the database is not ours */
	SV_EIO,       /* file or socket I/O failed */
	SV_EBUSY,     /* the database is locked by another writer, or a
	               * resource is at its limit (too many DNS queries) */
	SV_EAGAIN,    /* not known yet: ask again once it is (an MX
	               * look-up in flight) */
};

#define SV_ERR_MSG_MAX 256

struct sv_err {
	char msg[SV_ERR_MSG_MAX]; /* one line, no trailing newline */
};

/*
 * Formats into err (may be NULL) and returns rc, so that callers can write
 * `return sv_errf(err, SV_EINVAL, "port: %s is not a number", s);`.
 * A message longer than SV_ERR_MSG_MAX - 1 bytes is truncated.
 */
int sv_errf(struct sv_err *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Short constant name of a result code ("invalid input", ...). */
const char *sv_rc_str(int rc);

#endif
