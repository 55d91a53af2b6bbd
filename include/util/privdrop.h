/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_PRIVDROP_H
#define SUIVANT_PRIVDROP_H

#include <sys/types.h>

#include "util/err.h"

/*
 * Giving up root, OpenSMTPD's way: a process started as root resolves
 * the user it will run as first (so that a typo stops it before it does
 * anything), opens what needs root (listening sockets, key files), then
 * drops every id at once and checks that root cannot be taken back.
 */

#define SV_PRIVDROP_NAME_MAX 64

struct sv_privdrop_user {
	uid_t uid;
	gid_t gid;
	char name[SV_PRIVDROP_NAME_MAX]; /* for messages */
};

/*
 * Looks name up in the user database. SV_OK with *out; SV_ENOTFOUND when
 * there is no such user; SV_EINVAL when it is root (uid 0) or its group
 * is gid 0, which would keep root's rights; err says which.
 */
int sv_privdrop_resolve(const char *name, struct sv_privdrop_user *out,
	struct sv_err *err);

/*
 * setgroups to u's primary group alone, then setresgid and setresuid to
 * u's ids (real, effective and saved: no way back), then checks that the
 * ids are u's and that setuid(0) fails. glibc applies these to every
 * thread of the process. SV_OK, or SV_EIO with err (the caller must stop:
 * the process may be half-dropped).
 */
int sv_privdrop_to(const struct sv_privdrop_user *u, struct sv_err *err);

#endif
