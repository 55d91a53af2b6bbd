/* SPDX-License-Identifier: MIT */
/*
 * stderr logger. Each line is formatted into one buffer and written with a
 * single write(2) so that lines from worker threads never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static atomic_bool verbose_on;

void sv_log_set_verbose(bool verbose) {
	atomic_store(&verbose_on, verbose);
}

static void vlog(const char *level, int errnum, const char *fmt, va_list ap) {
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n = 0;
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
			gmtime_r(&ts.tv_sec, &tm) != NULL) {
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	int k = snprintf(line + n, sizeof(line) - n, "%s: ", level);
	n += k > 0 ? (size_t)k : 0;
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n += k > 0 ? (size_t)k : 0;
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
	}
	if (errnum != 0) {
		char ebuf[128];
		const char *es = strerror_r(errnum, ebuf, sizeof(ebuf)) == 0 ?
			ebuf : "unknown error";
		k = snprintf(line + n, sizeof(line) - n, ": %s", es);
		n += k > 0 ? (size_t)k : 0;
		if (n >= sizeof(line)) {
			n = sizeof(line) - 1;
		}
	}
	if (n >= sizeof(line) - 1) {
		n = sizeof(line) - 2;
	}
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w; /* nowhere left to report a failed log write */
}

#define LOG_BODY(level, errnum)                                          \
	do {                                                             \
		int saved = errno;                                       \
		va_list ap;                                              \
		va_start(ap, fmt);                                       \
		vlog(level, errnum, fmt, ap);                            \
		va_end(ap);                                              \
		errno = saved;                                           \
	} while (0)

void sv_log_warn(const char *fmt, ...) {
	int e = errno;
	LOG_BODY("warning", e);
}

void sv_log_warnx(const char *fmt, ...) {
	LOG_BODY("warning", 0);
}

void sv_log_info(const char *fmt, ...) {
	LOG_BODY("info", 0);
}

void sv_log_debug(const char *fmt, ...) {
	if (atomic_load(&verbose_on)) {
		LOG_BODY("debug", 0);
	}
}

void sv_fatal(const char *fmt, ...) {
	int e = errno;
	LOG_BODY("fatal", e);
	exit(1);
}

void sv_fatalx(const char *fmt, ...) {
	LOG_BODY("fatal", 0);
	exit(1);
}

char *sv_log_escape(const char *s, char *out, size_t outsz) {
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
			p++) {
		int plain = *p >= 0x20 && *p < 0x7f && *p != '\\' && *p != '"';
		size_t need = plain ? 1 : 4;
		if (o + need + 4 > outsz) { /* keep room for "..." + NUL */
			if (outsz >= 4) {
				memcpy(out + (o < outsz - 4 ? o : outsz - 4),
					"...", 3);
				o = (o < outsz - 4 ? o : outsz - 4) + 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o < outsz ? o : outsz - 1] = '\0';
	return out;
}
