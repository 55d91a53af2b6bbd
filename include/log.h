/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_LOG_H
#define SUIVANT_LOG_H

#include <stdbool.h>

/*
 * Logging to stderr (journald and containers collect it), one line per
 * call, prefixed with an ISO 8601 UTC time and a level. sv_log_warn appends
 * strerror(errno); the x variants do not. errno is preserved. sv_fatal and
 * sv_fatalx exit(1) and are for start-up only. Safe from any thread.
 * Callers escape request-controlled text (sv_log_escape) before logging it.
 */
void sv_log_set_verbose(bool verbose);
void sv_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void sv_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
_Noreturn void sv_fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Copies s into out (size outsz >= 1, always NUL-terminated) with control
 * bytes, backslash, double quote and non-ASCII written as \xHH, truncating
 * with "..." when it does not fit. Returns out.
 */
char *sv_log_escape(const char *s, char *out, size_t outsz);

#endif
