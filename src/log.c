/* SPDX-License-Identifier: MIT */
/*
 * The logger: stderr or an append-only file, text or JSON lines. Each line
 * is formatted into one buffer and written with a single write(2) so that
 * lines from worker threads never interleave. JSON is encoded by jansson
 * (json_dumpb into the line buffer), never by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "log.h"

#define LINE_MAX_BYTES 2048

static atomic_bool verbose_on;
static atomic_int json_on;
static atomic_int log_fd = STDERR_FILENO;
static char *log_path; /* owned; only the serve thread changes it */

void sv_log_set_format(enum sv_log_format format) {
	atomic_store(&json_on, format == SV_LOG_JSON);
}

int sv_log_parse_format(const char *s, enum sv_log_format *out) {
	if (strcmp(s, "text") == 0) {
		*out = SV_LOG_TEXT;
	} else if (strcmp(s, "json") == 0) {
		*out = SV_LOG_JSON;
	} else {
		return SV_EINVAL;
	}
	return SV_OK;
}

/*
 * Opens path for appending and makes it the destination. A second file
 * replaces the first under the same descriptor number (dup2 is atomic),
 * so a thread writing meanwhile writes to one file or the other, never to
 * a closed descriptor.
 */
static int open_into(const char *path, struct sv_err *err) {
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		return sv_errf(err, SV_EIO, "log file: %s: %s", path,
			strerror(errno));
	}
	int cur = atomic_load(&log_fd);
	if (cur == STDERR_FILENO) {
		atomic_store(&log_fd, fd);
		return SV_OK;
	}
	if (dup2(fd, cur) < 0 || fcntl(cur, F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;
		close(fd);
		return sv_errf(err, SV_EIO, "log file: %s: %s", path,
			strerror(e));
	}
	close(fd);
	return SV_OK;
}

int sv_log_open_file(const char *path, struct sv_err *err) {
	if (path == NULL) {
		atomic_store(&log_fd, STDERR_FILENO);
		sv_free(log_path);
		log_path = NULL;
		return SV_OK;
	}
	char *copy = sv_strdup(path);
	if (copy == NULL) {
		return sv_errf(err, SV_ENOMEM, "log file: out of memory");
	}
	int rc = open_into(path, err);
	if (rc != SV_OK) {
		sv_free(copy);
		return rc;
	}
	sv_free(log_path);
	log_path = copy;
	return SV_OK;
}

int sv_log_reopen(struct sv_err *err) {
	return log_path != NULL ? open_into(log_path, err) : SV_OK;
}

static void emit(char *line, size_t n, size_t cap) {
	if (n >= cap - 1) {
		n = cap - 2;
	}
	line[n++] = '\n';
	ssize_t w = write(atomic_load(&log_fd), line, n);
	(void)w; /* nowhere left to report a failed log write */
}

static size_t timestamp(char *out, size_t size) {
	struct timespec ts;
	struct tm tm;
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
			gmtime_r(&ts.tv_sec, &tm) != NULL) {
		return strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	out[0] = '\0';
	return 0;
}

/* Writes o as one JSON line (o is consumed); drops it if it cannot. */
static void emit_json(json_t *o) {
	char line[LINE_MAX_BYTES];
	if (o == NULL) {
		return;
	}
	size_t n = json_dumpb(o, line, sizeof(line) - 1,
		JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (n == 0 || n > sizeof(line) - 1) {
		return; /* too long for one line: dropped rather than cut */
	}
	emit(line, n, sizeof(line));
}

void sv_log_set_verbose(bool verbose) {
	atomic_store(&verbose_on, verbose);
}

static void vlog(const char *level, int errnum, const char *fmt, va_list ap) {
	char line[LINE_MAX_BYTES];
	size_t n = 0;
	bool json = atomic_load(&json_on);
	if (!json) {
		n = timestamp(line, sizeof(line));
		int k = snprintf(line + n, sizeof(line) - n, "%s%s: ",
			n > 0 ? " " : "", level);
		n += k > 0 ? (size_t)k : 0;
	}
	int k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
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
	if (!json) {
		emit(line, n, sizeof(line));
		return;
	}
	char ts[32];
	timestamp(ts, sizeof(ts));
	line[n] = '\0';
	/* "s#" would take invalid UTF-8 and fail: messages are ASCII-escaped
	 * by their callers, and a stray byte makes jansson refuse the line */
	emit_json(json_pack("{s:s, s:s, s:s}", "time", ts, "level", level,
		"msg", line));
}

void sv_log_access(const struct sv_log_access *a) {
	if (atomic_load(&json_on)) {
		char ts[32];
		timestamp(ts, sizeof(ts));
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, "
			"s:I, s:s}", "time", ts, "level", "info", "client",
			a->client, "method", a->method, "path", a->path,
			"status", (int)a->status, "bytes", (json_int_t)a->bytes,
			"ms", (json_int_t)a->ms, "domain", a->domain);
		if (o != NULL && a->end != NULL &&
				json_object_set_new(o, "end",
					json_string(a->end)) != 0) {
			json_decref(o);
			o = NULL;
		}
		emit_json(o);
		return;
	}
	char status[16];
	if (a->status != 0) {
		snprintf(status, sizeof(status), "%u", a->status);
	} else {
		snprintf(status, sizeof(status), "-");
	}
	sv_log_info("access: %s \"%s\" %s bytes=%zu ms=%ld domain=%s "
		"client=%s%s%s", a->method, a->path, status, a->bytes, a->ms,
		a->domain, a->client, a->end != NULL ? " end=" : "",
		a->end != NULL ? a->end : "");
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
