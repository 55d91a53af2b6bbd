/* SPDX-License-Identifier: MIT */
/*
 * suivant serve, once its options are parsed (cli_serve.c): binds the
 * listeners and the web admin, drops privileges, opens the dataset and
 * starts its watcher, then waits for signals: SIGHUP reopens the log,
 * reloads the TLS certificate and asks the watcher for a reload, SIGINT
 * and SIGTERM stop.
 */
#include <signal.h> /* before the test: defines __GLIBC__ */
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

#include "cli/cli_serve_run.h"
#include "cli/cli_output.h"
#include "dataset/dataset.h"
#include "http/config.h"
#include "http/http.h"
#include "store/store.h"
#include "util/log.h"
#include "util/privdrop.h"
#include "webadmin/webadmin.h"

/*
 * The free heap top each malloc arena keeps rather than giving back to
 * the kernel. With glibc's default (128 KiB: four of MHD's 32 KiB
 * connection pools) every burst of new connections faulted fresh pages
 * in after the last one's were given back: page faults and madvise(2)
 * were about 15% of the server's CPU samples under Connection: close, and
 * CPU per request fell by 9% without them (tests/bench/RESULTS.md).
 * 16 MiB holds 512 pools per arena.
 */
#define HEAP_KEEP_BYTES (16 * 1024 * 1024)

/*
 * The malloc arenas: glibc gives each thread that allocates an arena of
 * its own, up to eight per core, and each keeps up to HEAP_KEEP_BYTES of
 * free heap (above). Two (the main one and one more) brought the benchmark's
 * peak RSS from 28.7 to 23.6 MB with its throughput within the run's
 * noise (tests/bench/RESULTS.md, "two glibc arenas"): the request path
 * allocates little, and mostly from each thread's tcache, which takes
 * no arena lock. An operator's own MALLOC_ARENA_MAX, or
 * glibc.malloc.arena_max in GLIBC_TUNABLES, is glibc's to apply and
 * wins (suivant-serve(1), ENVIRONMENT).
 */
#define ARENAS_MAX 2

static void keep_heap(void) {
#ifdef __GLIBC__
	/* AddressSanitizer's allocator refuses: no matter there */
	if (mallopt(M_TRIM_THRESHOLD, HEAP_KEEP_BYTES) != 1) {
		sv_log_debug("serve: mallopt(M_TRIM_THRESHOLD) refused: the "
			"heap is trimmed as by default");
	}
	const char *tunables = getenv("GLIBC_TUNABLES");
	if (getenv("MALLOC_ARENA_MAX") == NULL && (tunables == NULL ||
			strstr(tunables, "glibc.malloc.arena_max") == NULL) &&
			mallopt(M_ARENA_MAX, ARENAS_MAX) != 1) {
		sv_log_debug("serve: mallopt(M_ARENA_MAX) refused: glibc's "
			"default number of arenas");
	}
#endif
}

/* SIGHUP: a renewed certificate replaces the old one, a bad one does not. */
static void reload_tls(struct sv_http *http, const struct sv_config *cfg) {
	struct sv_err err = { "" };
	if (cfg->n_listen_tls == 0) {
		return;
	}
	if (sv_http_reload_tls(http, &err) != SV_OK) {
		sv_log_warnx("tls reload failed, keeping the current "
			"certificate: %s", err.msg);
		return;
	}
	sv_log_info("tls: reloaded %s", cfg->tls_cert);
}

/* The web admin committed a change: reload now, not at the next poll. */
/* ctx: the watcher's slot, empty until the watcher runs (the web admin
 * starts before it, while serve may still be root). */
static void admin_changed(void *ctx) {
	_Atomic(struct sv_dataset_watcher *) *slot = ctx;
	struct sv_dataset_watcher *w = atomic_load(slot);
	if (w != NULL) {
		sv_dataset_watcher_poke(w);
	}
}

/* The watcher's report of each reload, for /metrics. */
static void note_reload(void *ctx, bool ok) {
	sv_http_note_reload(ctx, ok);
}

/*
 * Creates cfg->db_path from the bundled data when there is no such file,
 * migrates it when an older release made it (sv_store_upgrade), and
 * loads it into ds, with a watcher in *w unless check_only: created
 * first, so that its baseline predates the load (dataset.h). *n_domains:
 * the domains loaded. An exit code; on failure *w is NULL.
 */
static int open_dataset(const struct sv_config *cfg, bool check_only,
		struct sv_dataset *ds, struct sv_dataset_watcher **w,
		size_t *n_domains) {
	struct sv_err err = { "" };
	bool created = false;
	*w = NULL;
	int rc = sv_dataset_init_file(cfg->db_path, true, &created, &err);
	if (rc != SV_OK) {
		sv_cli_error("serve", "cannot create %s: %s", cfg->db_path,
			err.msg);
		return EX_CANTCREAT;
	}
	if (created) {
		sv_log_info("created %s from the bundled data", cfg->db_path);
	}
	int from = 0;
	if (!created && sv_store_upgrade(cfg->db_path, &from, &err) != SV_OK) {
		/* the load below refuses the old schema and says why */
		sv_log_warnx("cannot migrate %s: %s", cfg->db_path, err.msg);
	} else if (from != 0 && from < sv_store_schema_version()) {
		sv_log_info("migrated %s from schema %d to %d", cfg->db_path,
			from, sv_store_schema_version());
	}
	if (!check_only && (*w = sv_dataset_watcher_create(ds, &err)) ==
			NULL) {
		sv_cli_error("serve", "%s", err.msg);
		return EX_OSERR;
	}
	rc = sv_dataset_load(ds, &err);
	if (rc != SV_OK) {
		sv_dataset_watcher_stop(*w);
		*w = NULL;
		return sv_cli_db_fail("serve", rc, &err);
	}
	struct sv_snapshot *snap = sv_snapshot_holder_acquire(
		sv_dataset_holder(ds));
	*n_domains = sv_snapshot_domain_count(snap);
	sv_log_info("loaded %s: %zu providers, %zu domains", cfg->db_path,
		sv_snapshot_provider_count(snap), *n_domains);
	sv_snapshot_release(snap);
	return EX_OK;
}

/* Waits for SIGINT or SIGTERM; on SIGHUP, reopens and reloads. */
static void serve_loop(struct sv_http *http, const struct sv_config *cfg,
		const sigset_t *signals, struct sv_dataset_watcher *w) {
	struct sv_err err = { "" };
	for (;;) {
		int sig = sigwaitinfo(signals, NULL);
		if (sig == SIGINT || sig == SIGTERM) {
			sv_log_info("signal %d: shutting down", sig);
			sd_notify(0, "STOPPING=1");
			return;
		}
		if (sig == SIGHUP) {
			if (sv_log_reopen(&err) != SV_OK) {
				sv_log_warnx("%s", err.msg);
			}
			reload_tls(http, cfg);
			sv_dataset_watcher_poke(w); /* reloads the data too */
		}
	}
}

/*
 * Serves the data of ds until SIGINT or SIGTERM (or, check_only, loads
 * it and returns). The listeners are bound first, then, when user is set
 * (started as root), every id is dropped to it before the database is
 * created or read: the server reads and reloads its data with the rights
 * it runs with, and the file it creates is the user's. Until the data is
 * loaded requests get 503; "ready" and systemd's READY=1 come after. The
 * web admin (admin, or NULL) is started with the public listeners, before
 * the drop; it pokes the watcher once there is one. An exit code.
 */
int sv_cli_serve_run(const struct sv_config *cfg, bool check_only,
		const struct sv_privdrop_user *user, struct sv_dataset *ds,
		struct sv_webadmin_config *admin) {
	/* Block the signals we wait for before any thread exists, so every
	 * worker inherits the mask and only sigwaitinfo sees them. */
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	keep_heap();

	struct sv_err err = { "" };
	struct sv_http *http = NULL;
	if (!check_only && (http = sv_http_start(cfg, sv_dataset_holder(ds),
			&err)) == NULL) {
		sv_cli_error("serve", "%s", err.msg);
		return EX_UNAVAILABLE;
	}
	/* bound and its key read before the drop, like the public ones */
	_Atomic(struct sv_dataset_watcher *) w_slot = NULL;
	struct sv_webadmin *wa = NULL;
	if (admin != NULL && !check_only) {
		admin->holder = sv_dataset_holder(ds);
		admin->changed = admin_changed;
		admin->ctx = &w_slot;
		admin->timeout_s = cfg->timeout_s;
		wa = sv_webadmin_start(admin, &err);
		if (wa == NULL) {
			sv_cli_error("serve", "%s", err.msg);
			sv_http_stop(http);
			return EX_UNAVAILABLE;
		}
	}
	if (user != NULL) {
		if (sv_privdrop_to(user, &err) != SV_OK) {
			sv_cli_error("serve", "%s", err.msg);
			sv_webadmin_stop(wa);
			sv_http_stop(http);
			return EX_OSERR;
		}
		sv_log_info("running as user %s (uid %lu, gid %lu)", user->name,
			(unsigned long)user->uid, (unsigned long)user->gid);
	}
	struct sv_dataset_watcher *w;
	size_t n_domains = 0;
	int status = open_dataset(cfg, check_only, ds, &w, &n_domains);
	if (status != EX_OK || check_only) {
		sv_webadmin_stop(wa);
		sv_http_stop(http);
		return status;
	}
	const struct sv_dataset_watch watch = {
		.reloaded = note_reload,
		.ctx = http,
	};
	if (sv_dataset_watcher_start(w, &watch, &err) != SV_OK) {
		sv_cli_error("serve", "%s", err.msg);
		sv_webadmin_stop(wa);
		sv_dataset_watcher_stop(w);
		sv_http_stop(http);
		return EX_OSERR;
	}
	atomic_store(&w_slot, w);
	for (size_t i = 0; i < sv_http_listener_count(http); i++) {
		printf("ready port=%u%s\n", (unsigned)sv_http_port(http, i),
			sv_http_is_tls(http, i) ? " tls" : "");
	}
	if (wa != NULL) {
		printf("ready admin port=%u%s\n", (unsigned)sv_webadmin_port(wa),
			sv_webadmin_is_tls(wa) ? " tls" : "");
	}
	fflush(stdout);
	/* access lines are batched per thread from here on (log.h) */
	if (sv_log_batch_start() != SV_OK) {
		sv_log_warnx("access log: no flusher thread, writing each line "
			"at once");
	}
	/* systemd Type=notify: the data is loaded and every socket bound
	 * (no-op when NOTIFY_SOCKET is unset) */
	sd_notifyf(0, "READY=1\nSTATUS=serving %zu domains", n_domains);
	serve_loop(http, cfg, &signals, w);
	sv_webadmin_stop(wa); /* before the watcher it pokes */
	sv_dataset_watcher_stop(w); /* no reload, no note_reload after this */
	sv_http_stop(http);
	sv_log_batch_stop(); /* every worker has stopped: write their lines */
	return EX_OK;
}
