/* SPDX-License-Identifier: MIT */
/*
 * What every command shares: exit codes, error lines, option parsing and
 * verb dispatch, argument parsers, JSON and table output.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "http/config.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/name.h"
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
static void report_field(const char *field) {
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
			report_field(name);
		}
	}
	if (field != NULL) {
		report_field(field);
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
/* Options and verbs                                                  */

enum { OPT_DB = 1 };

/* The option argv[optind - 1] getopt_long refused, for the message. */
static const char *refused_option(int argc, char **argv, int c,
		char *buf, size_t n) {
	if (optopt != 0 && optopt < 256 && c != ':') {
		snprintf(buf, n, "-%c", optopt); /* an unknown short option */
		return buf;
	}
	const char *arg = optind >= 1 && optind <= argc ? argv[optind - 1]
		: "?";
	size_t len = strcspn(arg, "=");
	char shown[80];
	snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1),
		sv_log_escape(arg, shown, sizeof(shown)));
	return buf;
}

int sv_cli_getopt(int argc, char **argv, const char *usage,
		bool accept_json, const struct option *extra,
		int (*on_opt)(int val, const char *arg, void *ctx), void *ctx,
		struct sv_cli_opts *opts) {
	struct option all[SV_CLI_MAX_OPTIONS + 3];
	size_t n = 0;
	all[n++] = (struct option){ "db", required_argument, NULL, OPT_DB };
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	for (size_t i = 0; extra != NULL && extra[i].name != NULL; i++) {
		if (i == SV_CLI_MAX_OPTIONS) { /* a programming error */
			sv_cli_error(argv[0], "too many options");
			return EX_SOFTWARE;
		}
		all[n++] = extra[i];
	}
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	opts->db = SV_CONFIG_DEFAULT_DB;
	opts->json = accept_json && sv_cli_report_json();
	int c, index = -1;
	char field[72];
	optind = 0; /* 0: full re-initialisation (GNU), commands may chain */
	opterr = 0; /* our own messages, which --json can report */
	/* ':' first: a missing value is ':', an unknown option '?' */
	while ((c = getopt_long(argc, argv, ":h", all, &index)) != -1) {
		switch (c) {
		case OPT_DB:
			opts->db = optarg;
			break;
		case 0: /* a flag: getopt_long has set it */
			break;
		case 'h':
			fputs(usage, stdout);
			return EX_OK;
		case '?':
			refused_option(argc, argv, c, field, sizeof(field));
			sv_cli_error_field(argv[0], field,
				"unknown option '%s'", field);
			return sv_cli_usage_error(usage);
		case ':':
			refused_option(argc, argv, c, field, sizeof(field));
			sv_cli_error_field(argv[0], field,
				"option '%s' needs a value", field);
			return sv_cli_usage_error(usage);
		default: {
			int rc = on_opt != NULL ? on_opt(c, optarg, ctx)
				: EX_SOFTWARE;
			if (rc != EX_OK) {
				if (index >= 0 && (size_t)index < n) {
					snprintf(field, sizeof(field), "--%s",
						all[index].name);
					report_field(field);
				}
				return rc;
			}
			break;
		}
		}
		index = -1;
	}
	opts->args = argv + optind;
	opts->n_args = argc - optind;
	return -1;
}

/* --db FILE, --db=FILE, --help, -h: how many arguments at argv[i]. */
static int global_option(int argc, char **argv, int i, bool *help) {
	const char *a = argv[i];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		*help = true;
		return 1;
	}
	if (strncmp(a, "--db=", 5) == 0) {
		return 1;
	}
	if (strcmp(a, "--db") == 0 && i + 1 < argc) {
		return 2;
	}
	return 0;
}

bool sv_cli_hoist(int argc, char **argv, bool *help) {
	*help = false;
	int i = 1, k;
	while (i < argc && (k = global_option(argc, argv, i, help)) > 0) {
		i += k;
	}
	if (i >= argc) {
		return false;
	}
	/* rotate argv[1..i] right by one: the word first, order kept */
	char *word = argv[i];
	memmove(&argv[2], &argv[1], (size_t)(i - 1) * sizeof(*argv));
	argv[1] = word;
	return true;
}

int sv_cli_verb_index(int argc, char **argv, const char *const *names,
		size_t n, const char *usage, size_t *index) {
	bool help;
	if (!sv_cli_hoist(argc, argv, &help)) {
		if (help) {
			fputs(usage, stdout);
			return EX_OK;
		}
		sv_cli_error_field(argv[0], "verb", "missing verb");
		return sv_cli_usage_error(usage);
	}
	const char *verb = argv[1];
	if (strcmp(verb, "help") == 0) {
		fputs(usage, stdout);
		return EX_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(verb, names[i]) == 0) {
			*index = i;
			return -1;
		}
	}
	char shown[64];
	sv_cli_error_field(argv[0], "verb", verb[0] == '-' ?
		"unknown option '%s' (a verb comes first)" :
		"unknown verb '%s'", sv_log_escape(verb, shown, sizeof(shown)));
	return sv_cli_usage_error(usage);
}

int sv_cli_dispatch(int argc, char **argv, const struct sv_cli_group *g,
		void *ctx) {
	const struct sv_cli_verb *all[] = {
		&g->add, &g->list, &g->rm, &g->set, &g->show,
	};
	static const char *const all_names[] = {
		"add", "list", "rm", "set", "show",
	};
	const struct sv_cli_verb *verbs[sizeof(all) / sizeof(*all)];
	const char *names[sizeof(all) / sizeof(*all)];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
		if (all[i]->run != NULL) {
			verbs[n] = all[i];
			names[n++] = all_names[i];
		}
	}
	size_t i = 0;
	int status = sv_cli_verb_index(argc, argv, names, n, g->usage, &i);
	if (status >= 0) {
		return status;
	}
	const struct sv_cli_verb *verb = verbs[i];
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "%s %s", argv[0], names[i]);
	struct sv_cli_verb_args v = { .cmd = cmd };
	argc--;
	argv++;
	status = g->start != NULL ? g->start(cmd, argc, argv, ctx) : -1;
	if (status < 0) {
		status = sv_cli_getopt(argc, argv, g->usage, true,
			verb->options ? g->options : NULL, g->on_opt, ctx, &v.o);
	}
	if (status < 0) {
		status = sv_cli_args(cmd, &v.o, verb == &g->list ? 0 : 1,
			g->arg, g->usage);
	}
	if (status < 0 && g->parsed != NULL) {
		status = g->parsed(&v, ctx);
	}
	return status >= 0 ? status : verb->run(&v, ctx);
}

int sv_cli_open_store(const char *cmd, const char *path,
		enum sv_store_mode mode, struct sv_store **out) {
	struct sv_err err = { "" };
	int rc = sv_store_open_rc(path, mode, out, &err);
	return rc != SV_OK ? sv_cli_db_fail(cmd, rc, &err) : EX_OK;
}

int sv_cli_load_providers(struct sv_store *st, const char *id,
		struct sv_provider ***pvs, size_t *n, struct sv_err *err) {
	*pvs = NULL;
	*n = 0;
	if (id == NULL) {
		return sv_store_load(st, pvs, n, err);
	}
	struct sv_provider *pv = NULL;
	int rc = sv_store_load_provider(st, id, &pv, err);
	if (rc != SV_OK) {
		return rc;
	}
	*pvs = sv_calloc(1, sizeof(**pvs));
	if (*pvs == NULL) {
		sv_provider_destroy(pv);
		return sv_errf(err, SV_ENOMEM, "out of memory");
	}
	(*pvs)[0] = pv;
	*n = 1;
	return SV_OK;
}

/* ------------------------------------------------------------------ */
/* Arguments                                                          */

int sv_cli_domain_row(const char *s, const char *what, char *out,
		size_t outsz, struct sv_err *err) {
	struct sv_err why = { "" };
	if (outsz < SV_CLI_DOMAIN_ROW_MAX) {
		return sv_errf(err, SV_EINVAL, "%s: no room", what);
	}
	if (sv_domain_row_normalize(s, strlen(s), false, out, outsz,
			&why) != SV_OK) {
		char shown[80];
		return sv_errf(err, SV_EINVAL, "%s: '%s': %s (expected a "
			"domain name, '*.suffix' or '*'%s)", what,
			sv_log_escape(s, shown, sizeof(shown)), why.msg,
			strncasecmp(s, SV_MX_ROW_PREFIX, SV_MX_ROW_PREFIX_LEN) ==
			0 ? ", or mx:HOST or mx:*.SUFFIX" : "");
	}
	return SV_OK;
}

int sv_cli_provider_id(const char *s, const char *what, char *out,
		size_t outsz, struct sv_err *err) {
	struct sv_err why = { "" };
	if (sv_domain_normalize(s, strlen(s), out, outsz, &why) != SV_OK) {
		char shown[80];
		return sv_errf(err, SV_EINVAL, "%s: '%s' is not a provider id "
			"(a host name such as example.net): %s", what,
			sv_log_escape(s, shown, sizeof(shown)), why.msg);
	}
	return SV_OK;
}

int sv_cli_int(const char *s, long long lo, long long hi, long long *out) {
	if (s[0] == '\0' || s[0] == ' ' || s[0] == '+' ||
			(s[0] == '-' && (s[1] < '0' || s[1] > '9'))) {
		return SV_EINVAL;
	}
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		return SV_EINVAL;
	}
	*out = v;
	return SV_OK;
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

int sv_cli_opt_string(int val, const char *arg, void *ctx) {
	(void)val;
	*(const char **)ctx = arg;
	return EX_OK;
}

int sv_cli_args(const char *cmd, const struct sv_cli_opts *opts, int n,
		const char *what, const char *usage) {
	if (opts->n_args == n) {
		return -1;
	}
	if (n == 0) {
		char shown[80];
		sv_cli_error(cmd, "unexpected argument '%s'",
			sv_log_escape(opts->args[0], shown, sizeof(shown)));
	} else {
		sv_cli_error(cmd, "expected one %s", what);
	}
	return sv_cli_usage_error(usage);
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
