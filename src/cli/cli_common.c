/* SPDX-License-Identifier: MIT */
/*
 * What every command shares to read its command line: option parsing and
 * verb dispatch, the database it opens, argument parsers. What they print
 * and the exit codes they return are cli_output.c's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/name.h"

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
					sv_cli_report_field(field);
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

int sv_cli_load_all(const char *cmd, const char *path,
		struct sv_provider ***pvs, size_t *n) {
	struct sv_store *st;
	int status = sv_cli_open_store(cmd, path, SV_STORE_READONLY, &st);
	if (status != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	int rc = sv_store_load(st, pvs, n, &err);
	sv_store_close(st);
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
