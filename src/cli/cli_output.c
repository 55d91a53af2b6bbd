/* SPDX-License-Identifier: MIT */
/*
 * What every command prints and returns: exit codes, diagnostics and the
 * --json error report, JSON output, rendered documents and aligned tables
 * (cli_common.c parses what they are given).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli_output.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/utf8.h"

int sv_cli_exit_code(int rc) {
	switch (rc) {
	case SV_OK: return EX_OK;
	case SV_EINVAL: return EX_DATAERR;
	case SV_ENOTFOUND: return EX_NOINPUT;
	case SV_EEXIST: return EX_DATAERR;
	case SV_ETOOBIG: return EX_DATAERR;
	case SV_ENOMEM: return EX_OSERR;
	case SV_EDB: return EX_IOERR;
	case SV_EIO: return EX_IOERR;
	case SV_EBUSY: return EX_TEMPFAIL;
	default: return EX_SOFTWARE;
	}
}

/*
 * Spelled out rather than left to sv_cli_exit_code so that the rule every
 * command follows for its database reads in one place: "missing" is only
 * ever a file that is not there; one that is there but unusable is an I/O
 * error, like a read that fails, and never 65, which `check` and the
 * admin verbs keep for invalid provider data.
 */
int sv_cli_db_exit_code(int rc) {
	switch (rc) {
	case SV_ENOTFOUND: return EX_NOINPUT;
	case SV_EDB: return EX_IOERR;
	case SV_EBUSY: return EX_TEMPFAIL;
	default: return sv_cli_exit_code(rc);
	}
}

int sv_cli_db_fail(const char *cmd, int rc, const struct sv_err *err) {
	sv_cli_error_field(cmd, "--db", "%s", err->msg);
	return sv_cli_db_exit_code(rc);
}

/* ------------------------------------------------------------------ */
/* Diagnostics and the --json error report                            */

/*
 * The one piece of mutable state outside a command's own: how this
 * process reports errors, set by main before the command runs (--json)
 * and filled by the command's diagnostics, all on the main thread.
 * messages is NULL without --json.
 */
static struct {
	json_t *messages;  /* owned array of strings, in order */
	json_t *lines;     /* owned: the same as printed without --json */
	char field[80];    /* the first field named, "" for none */
	bool failed;       /* a message could not be kept */
} report;

void sv_cli_report_start(bool json) {
	json_decref(report.messages);
	json_decref(report.lines);
	memset(&report, 0, sizeof(report));
	if (json) {
		report.messages = json_array();
		report.lines = json_array();
		report.failed = report.messages == NULL ||
			report.lines == NULL;
	}
}

bool sv_cli_report_json(void) {
	return report.messages != NULL || report.failed;
}

/* msg as a JSON string: as is when it is UTF-8, else escaped. */
static json_t *json_text(const char *msg) {
	json_t *v = json_string(msg);
	if (v == NULL) {
		char shown[1024];
		v = json_string(sv_log_escape(msg, shown, sizeof(shown)));
	}
	return v;
}

/* "suivant: cmd: msg"; main's own (cmd NULL) "suivant: msg". */
static void print_line(const char *cmd, const char *msg) {
	fprintf(stderr, "suivant: %s%s%s\n", cmd != NULL ? cmd : "",
		cmd != NULL ? ": " : "", msg);
}

/* The error's field, unless one was named already. */
void sv_cli_report_field(const char *field) {
	if (report.field[0] == '\0') {
		snprintf(report.field, sizeof(report.field), "%s", field);
	}
}

static void verror(const char *cmd, const char *field, const char *fmt,
	va_list ap) __attribute__((format(printf, 3, 0)));

static void verror(const char *cmd, const char *field, const char *fmt,
		va_list ap) {
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!sv_cli_report_json()) {
		print_line(cmd, msg);
		return;
	}
	char line[1200];
	snprintf(line, sizeof(line), "suivant: %s%s%s", cmd != NULL ? cmd : "",
		cmd != NULL ? ": " : "", msg);
	if (report.messages == NULL || json_array_append_new(report.messages,
			json_text(msg)) != 0 || json_array_append_new(
			report.lines, json_text(line)) != 0) {
		report.failed = true;
	}
	if (field == NULL && strncmp(msg, "--", 2) == 0) {
		/* messages name their option first: "--port: '0' is not..." */
		size_t n = 2 + strspn(msg + 2, "abcdefghijklmnopqrstuvwxyz"
			"0123456789-");
		if (n > 2 && (msg[n] == ':' || msg[n] == ' ') &&
				n < sizeof(report.field)) {
			char name[sizeof(report.field)];
			memcpy(name, msg, n);
			name[n] = '\0';
			sv_cli_report_field(name);
		}
	}
	if (field != NULL) {
		sv_cli_report_field(field);
	}
}

void sv_cli_error(const char *cmd, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	verror(cmd, NULL, fmt, ap);
	va_end(ap);
}

void sv_cli_error_field(const char *cmd, const char *field,
		const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	verror(cmd, field, fmt, ap);
	va_end(ap);
}

void sv_cli_note(const char *cmd, const char *fmt, ...) {
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_line(cmd, msg);
}

int sv_cli_usage_error(const char *usage) {
	if (!sv_cli_report_json()) {
		fputs(usage, stderr);
	}
	return EX_USAGE;
}

int sv_cli_report_end(const char *cmd, int status) {
	json_t *messages = report.messages;
	size_t n = json_array_size(messages);
	if (status == EX_OK) {
		/* kept for an error that did not come: shown as usual */
		for (size_t i = 0; i < json_array_size(report.lines); i++) {
			fprintf(stderr, "%s\n", json_string_value(
				json_array_get(report.lines, i)));
		}
	} else if (sv_cli_report_json()) {
		char fallback[128];
		snprintf(fallback, sizeof(fallback), "%s: see 'suivant %s%s"
			"--help'", status == EX_USAGE ? "bad usage" : "failed",
			cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
		json_t *o = json_pack("{s:s, s:s?, s:i}", "error", n > 0 ?
			json_string_value(json_array_get(messages, 0)) :
			fallback, "field", report.field[0] != '\0' ?
			report.field : NULL, "exit", status);
		if (o != NULL && n > 1) {
			json_object_set(o, "messages", messages);
		}
		char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		/* out of memory: still one JSON object, without the details */
		fprintf(stderr, "%s\n", text != NULL ? text :
			"{\"error\": \"out of memory\", \"field\": null, "
			"\"exit\": 71}");
		free(text); /* json_dumps allocates with jansson's malloc */
		json_decref(o);
	}
	sv_cli_report_start(false);
	return status;
}

/* ------------------------------------------------------------------ */
/* Output                                                             */

int sv_cli_print_json(const char *cmd, struct json_t *v) {
	char *text = v != NULL ? json_dumps(v, JSON_INDENT(2)) : NULL;
	json_decref(v);
	if (text == NULL) {
		sv_cli_error(cmd, "cannot build the JSON output: out of memory");
		return EX_OSERR;
	}
	int status = EX_OK;
	if (puts(text) == EOF || fflush(stdout) != 0) {
		sv_cli_error(cmd, "cannot write the output");
		status = EX_IOERR;
	}
	free(text); /* json_dumps allocates with jansson's malloc */
	return status;
}

json_t *sv_cli_json_push(json_t *arr, json_t *v) {
	if (json_array_append_new(arr, v) != 0) { /* v dropped, even here */
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *sv_cli_json_names(const char *const *names, size_t n) {
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		arr = sv_cli_json_push(arr, json_string(names[i]));
	}
	return arr;
}

void sv_cli_join(char *buf, size_t size, const char *const *names,
		size_t n) {
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + len, size - len, "%s%s", i > 0 ? "," : "",
			names[i]);
		if (k < 0 || (size_t)k >= size - len) {
			break;
		}
		len += (size_t)k;
	}
}
int sv_cli_print_doc(const char *cmd, int rc, const struct sv_buf *out,
		const char *verb, const char *what) {
	if (rc != SV_OK) {
		sv_cli_error(cmd, "cannot %s %s: %s", verb, what,
			sv_rc_str(rc));
		return sv_cli_exit_code(rc);
	}
	if (fwrite(out->data, 1, out->len, stdout) != out->len ||
			fflush(stdout) != 0) {
		sv_cli_error(cmd, "cannot write %s", what);
		return EX_IOERR;
	}
	return EX_OK;
}

void sv_cli_table_init(struct sv_cli_table *t, size_t n_cols) {
	memset(t, 0, sizeof(*t));
	t->n_cols = n_cols;
}

void sv_cli_table_add_owned(struct sv_cli_table *t, const char *pid,
		const char **cells) {
	if (pid == NULL) { /* no provider column */
		memmove(&cells[1], &cells[2], (t->n_cols - 1) * sizeof(*cells));
	}
	sv_cli_table_add(t, cells);
}

void sv_cli_table_add(struct sv_cli_table *t, const char *const *cells) {
	if (t->failed) {
		return;
	}
	if (t->n_rows == t->cap) {
		size_t cap = t->cap != 0 ? t->cap * 2 : 16;
		char **d = sv_reallocarray(t->cells, cap * t->n_cols,
			sizeof(*d));
		if (d == NULL) {
			t->failed = true;
			return;
		}
		t->cells = d;
		t->cap = cap;
	}
	char **row = &t->cells[t->n_rows * t->n_cols];
	for (size_t i = 0; i < t->n_cols; i++) {
		row[i] = sv_strdup(cells[i] != NULL ? cells[i] : "-");
		if (row[i] == NULL) {
			for (size_t k = 0; k < i; k++) {
				sv_free(row[k]);
			}
			t->failed = true;
			return;
		}
	}
	t->n_rows++;
}

/* Display width: code points, as terminals show most text. */
static size_t text_width(const char *s) {
	size_t n = strlen(s), w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = sv_utf8_decode((const unsigned char *)s + i, n - i,
			&cp);
		i += k != 0 ? k : 1;
		w++;
	}
	return w;
}

int sv_cli_table_print(const struct sv_cli_table *t, FILE *f) {
	if (t->failed) {
		return SV_ENOMEM;
	}
	size_t *width = sv_calloc(t->n_cols != 0 ? t->n_cols : 1,
		sizeof(*width));
	if (width == NULL) {
		return SV_ENOMEM;
	}
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			size_t w = text_width(t->cells[r * t->n_cols + c]);
			width[c] = w > width[c] ? w : width[c];
		}
	}
	int rc = SV_OK;
	for (size_t r = 0; r < t->n_rows && rc == SV_OK; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *cell = t->cells[r * t->n_cols + c];
			bool last = c + 1 == t->n_cols;
			int pad = last ? 0 : (int)(width[c] - text_width(cell));
			if (fprintf(f, "%s%*s%s", cell, pad, "",
					last ? "\n" : "  ") < 0) {
				rc = SV_EIO;
				break;
			}
		}
	}
	sv_free(width);
	if (rc == SV_OK && fflush(f) != 0) {
		rc = SV_EIO;
	}
	return rc;
}

void sv_cli_table_finish(struct sv_cli_table *t) {
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
		sv_free(t->cells[i]);
	}
	sv_free(t->cells);
	memset(t, 0, sizeof(*t));
}

json_t *sv_cli_json_count(json_t *o, const char *key, int64_t n) {
	if (o != NULL && n != 0 &&
			json_object_set_new(o, key, json_integer(n)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}
