/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_LOG_H
#define SUIVANT_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * Logging to stderr (journald and containers collect it) or to a file,
 * one line per call, prefixed with an ISO 8601 UTC time and a level; or,
 * with SV_LOG_JSON, one JSON object per line: {"time","level","msg"}, and
 * for access lines the fields of struct sv_log_access instead of "msg". sv_log_warn appends
 * strerror(errno); the x variants do not. errno is preserved. sv_fatal and
 * sv_fatalx exit(1) and are for start-up only. Safe from any thread.
 * Callers escape request-controlled text (sv_log_escape) before logging it.
 */
void sv_log_set_verbose(bool verbose);

enum sv_log_format { SV_LOG_TEXT, SV_LOG_JSON };
/* Text (the default) or JSON lines. Call before any thread starts. */
void sv_log_set_format(enum sv_log_format format);
/* Parses "text" or "json". SV_OK or SV_EINVAL. */
int sv_log_parse_format(const char *s, enum sv_log_format *out);
/*
 * Appends to path (created 0640) instead of stderr; path is copied, and
 * NULL goes back to stderr. sv_log_reopen() opens the same path again (for
 * log rotation, on SIGHUP) and is a no-op on stderr. Both return SV_OK, or
 * SV_EIO with err set and the previous destination kept. Safe while other
 * threads log (the descriptor is swapped atomically).
 */
int sv_log_open_file(const char *path, struct sv_err *err);
int sv_log_reopen(struct sv_err *err);

/*
 * One access line. Every string is borrowed for the call and already
 * safe to print as is (the caller escapes request text with sv_log_escape
 * and never passes a query string, a body or an Authorization header).
 */
struct sv_log_access {
	const char *client; /* numeric client address, or "-" */
	const char *method; /* "-" when the request line was unusable */
	const char *path;   /* path without the query */
	unsigned status;    /* 0 = no response was queued */
	size_t bytes;       /* response body bytes */
	long ms;            /* from request line to completion */
	const char *domain; /* domain answered for, or "-" */
	const char *end;    /* why it ended early ("timeout"...), or NULL */
	const char *mx;     /* what the MX look-up found ("timeout"...), or
	                     * NULL when the domain needed none */
};
void sv_log_access(const struct sv_log_access *a);

/*
 * Batching of access lines (a server's hot path): after
 * sv_log_batch_start() each thread collects its access lines in its own
 * buffer of at most PIPE_BUF bytes, written with one write(2) when full and
 * by a flusher thread at most 250 ms after a line was logged. Lines stay
 * whole and never interleave; other lines are still written at once.
 * sv_log_flush() writes every pending line now (sv_log_reopen and
 * sv_log_open_file call it first). sv_log_batch_stop() stops the flusher,
 * flushes, and goes back to writing every line at once: call it after the
 * threads that log access lines have stopped. Serve thread only; start
 * returns SV_ENOMEM (lines written at once) if no thread could be made.
 */
int sv_log_batch_start(void);
void sv_log_batch_stop(void);
void sv_log_flush(void);
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
