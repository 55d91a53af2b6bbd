/* SPDX-License-Identifier: MIT */
/*
 * Dropping root for good (include/util/privdrop.h): supplementary groups
 * first (they need root to change), then the group ids, then the user
 * ids, all three of each, then a check that it worked.
 */
#define _GNU_SOURCE /* setresuid, setresgid, getresuid, getresgid */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/privdrop.h"

int sv_privdrop_resolve(const char *name, struct sv_privdrop_user *out,
		struct sv_err *err) {
	if (name == NULL || name[0] == '\0' ||
			strlen(name) >= sizeof(out->name)) {
		return sv_errf(err, SV_EINVAL, "user: '%.64s' is not a user "
			"name", name != NULL ? name : "");
	}
	errno = 0;
	const struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		return sv_errf(err, SV_ENOTFOUND, "user: no user '%s'%s%s",
			name, errno != 0 ? ": " : "",
			errno != 0 ? strerror(errno) : "");
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		return sv_errf(err, SV_EINVAL, "user: '%s' has uid or gid 0: "
			"it would keep root's rights", name);
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return SV_OK;
}

int sv_privdrop_to(const struct sv_privdrop_user *u, struct sv_err *err) {
	if (setgroups(1, &u->gid) != 0) {
		return sv_errf(err, SV_EIO, "user %s: setgroups: %s", u->name,
			strerror(errno));
	}
	if (setresgid(u->gid, u->gid, u->gid) != 0) {
		return sv_errf(err, SV_EIO, "user %s: setresgid: %s", u->name,
			strerror(errno));
	}
	if (setresuid(u->uid, u->uid, u->uid) != 0) {
		return sv_errf(err, SV_EIO, "user %s: setresuid: %s", u->name,
			strerror(errno));
	}
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
			ru != u->uid || eu != u->uid || su != u->uid ||
			rg != u->gid || eg != u->gid || sg != u->gid) {
		return sv_errf(err, SV_EIO, "user %s: the ids did not change",
			u->name);
	}
	if (setuid(0) == 0) {
		return sv_errf(err, SV_EIO, "user %s: root could be taken back",
			u->name);
	}
	return SV_OK;
}
