/* SPDX-License-Identifier: MIT */
/*
 * The logger: stderr or an append-only file, text or JSON lines. Each line
 * is formatted into one buffer and written with a single write(2) so that
 * lines from worker threads never interleave. JSON is encoded by jansson
 * (json_dumpb into the line buffer), never by hand.
 *
 * Access lines, once sv_log_batch_start() ran, are batched per thread: each
 * thread appends whole lines to its own buffer (registered in a list, with
 * a mutex only that thread and the flusher take) and writes it with one
 * write(2) when the next line would not fit. The buffer holds at most
 * PIPE_BUF bytes, so that even on a pipe (stderr under systemd) a write is
 * atomic and never interleaves with another thread's. A flusher thread
 * writes every pending buffer every 250 ms (sv_log_flush), so a line waits
 * at most that long on a quiet server; warnings and other lines are
 * written at once. sv_log_batch_stop() flushes everything and goes back to
 * writing at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/alloc.h"
#include "util/log.h"

#define LINE_MAX_BYTES 2048

static atomic_bool verbose_on;
static atomic_int json_on;
static atomic_int log_fd = STDERR_FILENO;
static char *log_path; /* owned; only the serve thread changes it */

/* PIPE_BUF (4096 on Linux): the largest write a pipe keeps whole. */
#define BATCH_BYTES PIPE_BUF
#define FLUSH_INTERVAL_NS (250 * 1000 * 1000L)

struct batch {
	pthread_mutex_t lock; /* its thread and sv_log_flush(); uncontended */
	size_t len;
	struct batch *next;   /* in the list of every thread's batch */
	char data[BATCH_BYTES];
};

static atomic_bool batching;
static pthread_mutex_t batches_lock = PTHREAD_MUTEX_INITIALIZER;
static struct batch *batches;        /* guarded by batches_lock; kept for
                                      * the process's life once made */
static _Thread_local struct batch *my_batch;
static pthread_t flusher;
static bool flusher_running;         /* serve thread only */
static pthread_mutex_t flusher_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flusher_cond;  /* on CLOCK_MONOTONIC: made by
                                      * sv_log_batch_start */
static bool flusher_stop;            /* guarded by flusher_lock */

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
	sv_log_flush();
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
	sv_log_flush(); /* lines logged before the rotation go to the old file */
	return log_path != NULL ? open_into(log_path, err) : SV_OK;
}

static void write_out(const char *data, size_t n) {
	ssize_t w = write(atomic_load(&log_fd), data, n);
	(void)w; /* nowhere left to report a failed log write */
}

/* This thread's batch, made and registered on first use; NULL if out of
 * memory (the caller then writes at once). */
static struct batch *batch_get(void) {
	if (my_batch != NULL) {
		return my_batch;
	}
	struct batch *b = sv_malloc(sizeof(*b));
	if (b == NULL) {
		return NULL;
	}
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		sv_free(b);
		return NULL;
	}
	b->len = 0;
	pthread_mutex_lock(&batches_lock);
	b->next = batches;
	batches = b;
	pthread_mutex_unlock(&batches_lock);
	my_batch = b;
	return b;
}

/* Writes line[0..n) plus a newline, at once or through this thread's
 * batch. line has room for the newline at line[n] when n < cap - 1. */
static void emit_line(char *line, size_t n, size_t cap, bool batch) {
	if (n >= cap - 1) {
		n = cap - 2;
	}
	line[n++] = '\n';
	struct batch *b = batch && atomic_load(&batching) ? batch_get() : NULL;
	if (b == NULL || n > sizeof(b->data)) {
		write_out(line, n);
		return;
	}
	pthread_mutex_lock(&b->lock);
	if (b->len + n > sizeof(b->data)) {
		write_out(b->data, b->len);
		b->len = 0;
	}
	memcpy(b->data + b->len, line, n);
	b->len += n;
	pthread_mutex_unlock(&b->lock);
}

void sv_log_flush(void) {
	pthread_mutex_lock(&batches_lock);
	for (struct batch *b = batches; b != NULL; b = b->next) {
		pthread_mutex_lock(&b->lock);
		if (b->len != 0) {
			write_out(b->data, b->len);
			b->len = 0;
		}
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_unlock(&batches_lock);
}

static void *flusher_main(void *arg) {
	(void)arg;
	pthread_mutex_lock(&flusher_lock);
	while (!flusher_stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += FLUSH_INTERVAL_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&flusher_cond, &flusher_lock, &until);
		pthread_mutex_unlock(&flusher_lock);
		sv_log_flush();
		pthread_mutex_lock(&flusher_lock);
	}
	pthread_mutex_unlock(&flusher_lock);
	return NULL;
}

int sv_log_batch_start(void) {
	if (flusher_running) {
		return SV_OK;
	}
	flusher_stop = false;
	/* a monotonic wait: a step of the wall clock cannot hold lines back */
	pthread_condattr_t attr;
	if (pthread_condattr_init(&attr) != 0) {
		return SV_ENOMEM;
	}
	int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0) {
		rc = pthread_cond_init(&flusher_cond, &attr);
	}
	pthread_condattr_destroy(&attr);
	if (rc != 0) {
		return SV_ENOMEM;
	}
	if (pthread_create(&flusher, NULL, flusher_main, NULL) != 0) {
		pthread_cond_destroy(&flusher_cond);
		return SV_ENOMEM; /* lines are then written at once */
	}
	flusher_running = true;
	atomic_store(&batching, true);
	return SV_OK;
}

void sv_log_batch_stop(void) {
	atomic_store(&batching, false);
	if (flusher_running) {
		pthread_mutex_lock(&flusher_lock);
		flusher_stop = true;
		pthread_cond_signal(&flusher_cond);
		pthread_mutex_unlock(&flusher_lock);
		pthread_join(flusher, NULL);
		pthread_cond_destroy(&flusher_cond);
		flusher_running = false;
	}
	sv_log_flush();
}

/* The text of this thread's last second: one strftime per second and
 * thread instead of one per line. */
static _Thread_local time_t ts_second = (time_t)-1;
static _Thread_local char ts_text[32];
static _Thread_local size_t ts_len;

static size_t timestamp(char *out, size_t size) {
	struct timespec ts;
	struct tm tm;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		out[0] = '\0';
		return 0;
	}
	if (ts.tv_sec != ts_second) {
		ts_len = gmtime_r(&ts.tv_sec, &tm) != NULL ?
			strftime(ts_text, sizeof(ts_text),
				"%Y-%m-%dT%H:%M:%SZ", &tm) : 0;
		ts_second = ts_len != 0 ? ts.tv_sec : (time_t)-1;
	}
	if (ts_len == 0 || ts_len >= size) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, ts_text, ts_len + 1);
	return ts_len;
}

/* Writes o as one JSON line (o is consumed); drops it if it cannot. */
static void emit_json(json_t *o, bool batch) {
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
	emit_line(line, n, sizeof(line), batch);
}

void sv_log_set_verbose(bool verbose) {
	atomic_store(&verbose_on, verbose);
}

static void vlog(const char *level, int errnum, bool batch, const char *fmt,
		va_list ap) __attribute__((format(printf, 4, 0)));

static void vlog(const char *level, int errnum, bool batch, const char *fmt,
		va_list ap) {
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
		emit_line(line, n, sizeof(line), batch);
		return;
	}
	char ts[32];
	timestamp(ts, sizeof(ts));
	line[n] = '\0';
	/* "s#" would take invalid UTF-8 and fail: messages are ASCII-escaped
	 * by their callers, and a stray byte makes jansson refuse the line */
	emit_json(json_pack("{s:s, s:s, s:s}", "time", ts, "level", level,
		"msg", line), batch);
}

/*
 * A line being written without printf: the access line is formatted once
 * a request, and vsnprintf of it was an eighth of a plain GET's user time
 * (tests/bench/RESULTS.md, issue 22). Appends keep the first cap - 1 bytes
 * of the whole text, as vsnprintf into the same buffer would.
 */
struct line {
	char *p;
	size_t n, cap;
};

static void put(struct line *l, const char *s, size_t len) {
	size_t room = l->cap - 1 - l->n;
	len = len < room ? len : room;
	memcpy(l->p + l->n, s, len);
	l->n += len;
}

static void put_str(struct line *l, const char *s) {
	put(l, s, strlen(s));
}

/* v in decimal, with a '-' when neg (v is then the magnitude). */
static void put_num(struct line *l, bool neg, unsigned long long v) {
	char d[24];
	size_t i = sizeof(d);
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg) {
		d[--i] = '-';
	}
	put(l, d + i, sizeof(d) - i);
}

static void put_long(struct line *l, long v) {
	put_num(l, v < 0, v < 0 ? 0ULL - (unsigned long long)v :
		(unsigned long long)v);
}

/* The text access line: vlog's "TIME info: " and then
 * access: METHOD "PATH" STATUS bytes=N ms=N domain=D client=C[ end=E][ mx=M] */
static void access_text(const struct sv_log_access *a) {
	char buf[LINE_MAX_BYTES];
	struct line l = { buf, 0, sizeof(buf) };
	l.n = timestamp(buf, sizeof(buf));
	put_str(&l, l.n > 0 ? " info: access: " : "info: access: ");
	put_str(&l, a->method);
	put(&l, " \"", 2);
	put_str(&l, a->path);
	put(&l, "\" ", 2);
	if (a->status != 0) {
		put_num(&l, false, a->status);
	} else {
		put(&l, "-", 1);
	}
	put_str(&l, " bytes=");
	put_num(&l, false, a->bytes);
	put_str(&l, " ms=");
	put_long(&l, a->ms);
	put_str(&l, " domain=");
	put_str(&l, a->domain);
	put_str(&l, " client=");
	put_str(&l, a->client);
	if (a->end != NULL) {
		put_str(&l, " end=");
		put_str(&l, a->end);
	}
	if (a->mx != NULL) {
		put_str(&l, " mx=");
		put_str(&l, a->mx);
	}
	emit_line(buf, l.n, sizeof(buf), true);
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
		if (o != NULL && ((a->end != NULL &&
				json_object_set_new(o, "end",
					json_string(a->end)) != 0) ||
				(a->mx != NULL && json_object_set_new(o, "mx",
					json_string(a->mx)) != 0))) {
			json_decref(o);
			o = NULL;
		}
		emit_json(o, true);
		return;
	}
	access_text(a);
}

#define LOG_BODY(level, errnum)                                          \
	do {                                                             \
		int saved = errno;                                       \
		va_list ap;                                              \
		va_start(ap, fmt);                                       \
		vlog(level, errnum, false, fmt, ap);                     \
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
