/* SPDX-License-Identifier: MIT */
/*
 * The HTTP front end: one libmicrohttpd daemon per listen address, each
 * with an internal epoll thread pool. In src/http/: connections and
 * requests in MHD's callbacks are http_connection.c, routing is
 * http_route.c, reading a request http_request.c, responses
 * http_response.c, the access line and counters http_metrics.c, the
 * request deadline and connection limits http_deadline.c, header checks
 * http_framing.c; endpoints (http_<name>.c) read a routed request and
 * hand (format, facts) to the answer pipeline (http_answer.c). Nothing
 * here runs SQL or builds markup.
 *
 * struct sv_http owns the daemons, the fixed responses, the deadline
 * registry (its janitor thread), the TLS credentials (src/http/http_tls.c,
 * whose current pair is the front end's one file-scope variable: GnuTLS's
 * callback takes no user pointer) and the metrics counters.
 *
 * Limits: ours (the registry's counts) answer 503; MHD's own limits are
 * set above them and the admin reserve (BACKSTOP) only so that a flood
 * cannot exhaust descriptors, and MHD drops what exceeds those without an
 * answer. With trusted proxies MHD's per-address limit is off: a proxy is
 * one address for many clients, which the registry counts one by one.
 *
 * Plain and TLS listeners are separate daemons with the same options; a
 * TLS daemon asks sv_http_tls_retrieve for its certificate at each
 * handshake, so SIGHUP swaps certificates without a restart.
 * sv_http_stop is graceful: MHD_quiesce_daemon closes the listening
 * sockets, requests in flight finish (bounded by the idle timeout and
 * the request deadline), then the daemons stop, then the janitor.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/http.h"
#include "http/http_connection.h"
#include "http/http_deadline.h"
#include "http/http_metrics.h"
#include "http/http_response.h"
#include "http/http_server_internal.h"
#include "http/http_tls.h"
#include "resolve/mx_resolver.h"
#include "util/alloc.h"
#include "util/log.h"

/* MHD's limits, a backstop above ours: half again plus some, capped. */
#define BACKSTOP(n) ((n) > SV_CONFIG_MAX_CONN_LIMIT / 2 ? \
	SV_CONFIG_MAX_CONN_LIMIT : (n) + (n) / 2 + 64)

static unsigned online_cpus(void) {
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1) {
		return 1;
	}
	return n > SV_CONFIG_MAX_THREADS ? SV_CONFIG_MAX_THREADS :
		(unsigned)n;
}

/* Options every daemon gets, plain, TLS or driven (a macro: MHD takes
 * varargs). */
#define COMMON_OPTIONS(srv, cfg, l) \
	/* first, or MHD logs the options' problems its own way */ \
	MHD_OPTION_EXTERNAL_LOGGER, sv_http_on_mhd_log, (void *)NULL, \
	MHD_OPTION_CONNECTION_LIMIT, \
		BACKSTOP((cfg)->conn_limit + (cfg)->admin_reserve), \
	/* a trusted proxy is one address for many clients: MHD's limit \
	 * would cap it (ours counts the clients it forwards) */ \
	MHD_OPTION_PER_IP_CONNECTION_LIMIT, (srv)->metrics.n_proxies != 0 ? \
		0U : BACKSTOP((cfg)->per_ip_limit), \
	MHD_OPTION_CONNECTION_TIMEOUT, (cfg)->timeout_s, \
	MHD_OPTION_CONNECTION_MEMORY_LIMIT, (cfg)->conn_memory, \
	MHD_OPTION_STRICT_FOR_CLIENT, (int)1, \
	MHD_OPTION_URI_LOG_CALLBACK, sv_http_on_uri, (void *)(srv), \
	MHD_OPTION_NOTIFY_COMPLETED, sv_http_on_completed, (void *)(srv), \
	MHD_OPTION_NOTIFY_CONNECTION, sv_http_on_connection, (void *)(l)

static int listen_one(struct sv_http *srv, const struct sv_config *cfg,
		const char *addr, bool tls, struct sv_err *err) {
	struct sockaddr_storage ss;
	unsigned ss_len;
	int rc = sv_config_parse_listen(addr, &ss, &ss_len, err);
	if (rc != SV_OK) {
		return rc;
	}
	/*
	 * ITC: MHD_quiesce_daemon needs it, for a graceful stop. TURBO: a
	 * new connection is read at once, reads and writes are tried before
	 * epoll says ready, and MHD closes without shutdown(SHUT_WR) first;
	 * close(2) sends the same FIN, and a socket with unread input gets a
	 * reset either way. 7-9% less CPU per request (tests/bench).
	 * SUSPEND_RESUME: a request waiting for DNS (http_mx.c).
	 */
	unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_TURBO |
		MHD_ALLOW_SUSPEND_RESUME;
	/*
	 * TLS daemons poll(2), plain ones use epoll. With epoll, MHD 0.9.75
	 * leaves a connection whose handshake waits for the client in its
	 * ready list (MHD_run_tls_handshake_ does not clear READ_READY on
	 * GNUTLS_E_AGAIN), so the thread spins on recv() until the client's
	 * next flight: ~80 failed recv calls per handshake and a third of
	 * its CPU (tests/bench/RESULTS.md). poll waits for readability.
	 */
	flags |= tls ? MHD_USE_POLL_INTERNAL_THREAD :
		MHD_USE_EPOLL_INTERNAL_THREAD;
	if (ss.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
	}
	unsigned threads = cfg->threads != 0 ? cfg->threads : online_cpus();
	/* MHD splits its connection limit among the pool's threads and
	 * refuses to start when one would get none */
	unsigned backstop = BACKSTOP(cfg->conn_limit + cfg->admin_reserve);
	threads = threads < backstop ? threads : backstop;
	struct listener *l = &srv->listeners[srv->n_daemons];
	l->srv = srv;
	l->tls = tls ? srv->creds : NULL;
	l->index = (unsigned)srv->n_daemons;
	struct MHD_Daemon *d;
	if (tls) {
		d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL,
			sv_http_on_request, srv, COMMON_OPTIONS(srv, cfg, l),
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_THREAD_POOL_SIZE, threads,
			MHD_OPTION_HTTPS_CERT_CALLBACK, sv_http_tls_retrieve,
			MHD_OPTION_HTTPS_PRIORITIES, SV_HTTP_TLS_PRIORITIES,
			MHD_OPTION_END);
	} else {
		d = MHD_start_daemon(flags, 0, NULL, NULL, sv_http_on_request,
			srv, COMMON_OPTIONS(srv, cfg, l),
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_THREAD_POOL_SIZE, threads,
			MHD_OPTION_END);
	}
	if (d == NULL) {
		return sv_errf(err, SV_EIO, "%s: %.80s: cannot start the "
			"server (address in use or not available?)",
			tls ? "listen-tls" : "listen", addr);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d,
		MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		MHD_stop_daemon(d);
		return sv_errf(err, SV_EIO, "listen: %.80s: cannot find the "
			"bound port", addr);
	}
	srv->daemons[srv->n_daemons] = d;
	srv->ports[srv->n_daemons] = info->port;
	srv->tls[srv->n_daemons] = tls;
	srv->n_daemons++;
	return SV_OK;
}

/*
 * The driven daemon (sv_http_start_driven): no listening socket, no
 * thread; the caller hands it connections and runs it.
 */
static int start_driven(struct sv_http *srv, const struct sv_config *cfg,
		struct sv_err *err) {
	struct listener *l = &srv->listeners[0];
	l->srv = srv;
	l->index = 0;
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET |
		MHD_USE_ERROR_LOG, 0, NULL, NULL, sv_http_on_request, srv,
		COMMON_OPTIONS(srv, cfg, l), MHD_OPTION_END);
	if (d == NULL) {
		return sv_errf(err, SV_EIO, "http: cannot start the driven "
			"server");
	}
	srv->daemons[0] = d;
	srv->n_daemons = 1;
	return SV_OK;
}

static struct sv_http *start(const struct sv_config *cfg,
		struct sv_snapshot_holder *h, bool driven, struct sv_err *err) {
	if (sv_config_check(cfg, err) != SV_OK) {
		return NULL;
	}
	struct sv_http *srv = sv_calloc(1, sizeof(*srv));
	if (srv == NULL) {
		sv_errf(err, SV_ENOMEM, "http: out of memory");
		return NULL;
	}
	srv->holder = h;
	srv->signer = cfg->signer;
	srv->grace_s = cfg->timeout_s;
	atomic_store(&srv->metrics.loaded_at, (long long)time(NULL));
	if (sv_config_parse_nets(cfg->admin_allow != NULL ? cfg->admin_allow :
			SV_CONFIG_DEFAULT_ADMIN_ALLOW, srv->metrics.admin,
			&srv->metrics.n_admin, err) != SV_OK) {
		goto fail;
	}
	if (cfg->trusted_proxy != NULL && sv_config_parse_net_list(
			"trusted-proxy", cfg->trusted_proxy, srv->metrics.proxies,
			&srv->metrics.n_proxies, err) != SV_OK) {
		goto fail;
	}
	if (sv_http_fixed_create(srv->fixed, err) != SV_OK) {
		goto fail;
	}
	srv->mx = sv_mx_resolver_create(&(struct sv_mx_resolver_opts){
		.server = cfg->resolver, .cache_max = cfg->mx_cache,
		.max_inflight = cfg->mx_max_inflight }, err);
	if (srv->mx == NULL) {
		goto fail;
	}
	size_t n = cfg->n_listen != 0 || cfg->n_listen_tls != 0 ?
		cfg->n_listen : 1;
	if (driven) {
		n = 1;
	}
	srv->reg = sv_http_deadline_create(&(struct sv_http_deadline_limits){
		.listeners = (unsigned)(n + (driven ? 0 : cfg->n_listen_tls)),
		.limit = cfg->conn_limit, .per_ip = cfg->per_ip_limit,
		.timeout_s = cfg->request_timeout_s },
		&srv->metrics.deadline_drops, err);
	if (srv->reg == NULL) {
		goto fail;
	}
	const struct sv_http_deadline_policy policy = {
		.prefix4 = cfg->prefix4, .prefix6 = cfg->prefix6,
		.proxies = srv->metrics.proxies,
		.n_proxies = srv->metrics.n_proxies,
		.admin = srv->metrics.admin, .n_admin = srv->metrics.n_admin,
		.reserve = cfg->admin_reserve,
	};
	sv_http_deadline_set_policy(srv->reg, &policy);
	if (driven) {
		if (start_driven(srv, cfg, err) != SV_OK) {
			goto fail;
		}
		return srv;
	}
	for (size_t i = 0; i < n; i++) {
		const char *addr = cfg->n_listen != 0 ? cfg->listen[i] :
			SV_CONFIG_DEFAULT_LISTEN;
		if (listen_one(srv, cfg, addr, false, err) != SV_OK) {
			goto fail;
		}
	}
	if (cfg->n_listen_tls != 0) {
		int rc;
		srv->creds = sv_http_tls_create(cfg->tls_cert, cfg->tls_key,
			&rc, err);
		if (srv->creds == NULL) {
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->n_listen_tls; i++) {
		if (listen_one(srv, cfg, cfg->listen_tls[i], true, err) !=
				SV_OK) {
			goto fail;
		}
	}
	return srv;
fail:
	sv_http_stop(srv);
	return NULL;
}

struct sv_http *sv_http_start(const struct sv_config *cfg,
		struct sv_snapshot_holder *h, struct sv_err *err) {
	return start(cfg, h, false, err);
}

struct sv_http *sv_http_start_driven(const struct sv_config *cfg,
		struct sv_snapshot_holder *h, struct sv_err *err) {
	return start(cfg, h, true, err);
}

int sv_http_add_connection(struct sv_http *srv, int fd,
		const struct sockaddr *sa, unsigned sa_len) {
	return MHD_add_connection(srv->daemons[0], fd, sa, sa_len) == MHD_YES ?
		SV_OK : SV_EIO;
}

void sv_http_run(struct sv_http *srv) {
	(void)MHD_run(srv->daemons[0]);
}

size_t sv_http_listener_count(const struct sv_http *srv) {
	return srv != NULL ? srv->n_daemons : 0;
}

uint16_t sv_http_port(const struct sv_http *srv, size_t i) {
	return srv != NULL && i < srv->n_daemons ? srv->ports[i] : 0;
}

bool sv_http_is_tls(const struct sv_http *srv, size_t i) {
	return srv != NULL && i < srv->n_daemons && srv->tls[i];
}

int sv_http_reload_tls(struct sv_http *srv, struct sv_err *err) {
	if (srv == NULL || srv->creds == NULL) {
		return SV_OK;
	}
	int rc = sv_http_tls_reload(srv->creds, err);
	atomic_fetch_add(&srv->metrics.tls_reloads[rc == SV_OK], 1);
	return rc;
}

int sv_http_check_tls(const char *cert, const char *key, struct sv_err *err) {
	int rc = SV_OK;
	struct sv_http_tls *t = sv_http_tls_create(cert, key, &rc, err);
	sv_http_tls_destroy(t);
	return rc;
}

void sv_http_note_reload(struct sv_http *srv, bool ok) {
	if (srv == NULL) {
		return;
	}
	atomic_fetch_add(&srv->metrics.reloads[ok], 1);
	if (ok) {
		atomic_store(&srv->metrics.loaded_at, (long long)time(NULL));
	}
}

/* Connections still open on every daemon. */
static unsigned open_connections(const struct sv_http *srv) {
	unsigned n = 0;
	for (size_t i = 0; i < srv->n_daemons; i++) {
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(
			srv->daemons[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		n += info != NULL ? info->num_connections : 0;
	}
	return n;
}

void sv_http_stop(struct sv_http *srv) {
	if (srv == NULL) {
		return;
	}
	/* Stop accepting first (the listening sockets close now, so a
	 * restarted instance can bind), then let in-flight requests finish:
	 * idle keep-alive connections end by the idle timeout, which bounds
	 * the wait. */
	for (size_t i = 0; i < srv->n_daemons; i++) {
		MHD_socket fd = MHD_quiesce_daemon(srv->daemons[i]);
		if (fd != MHD_INVALID_SOCKET) {
			close(fd);
		}
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned left;
	while (srv->n_daemons > 0 && (left = open_connections(srv)) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= (time_t)srv->grace_s) {
			sv_log_warnx("stop: %u connections still open after "
				"%u s, closing them", left, srv->grace_s);
			break;
		}
		const struct timespec tick = { 0, 20 * 1000 * 1000L };
		nanosleep(&tick, NULL);
	}
	/* Requests still waiting for DNS are answered (and resumed) now:
	 * MHD must not be stopped with a connection suspended. The resolver
	 * stays readable for requests still running. */
	sv_mx_resolver_stop(srv->mx);
	/* completion callbacks run here and release snapshot references */
	for (size_t i = 0; i < srv->n_daemons; i++) {
		MHD_stop_daemon(srv->daemons[i]);
		srv->daemons[i] = NULL;
	}
	sv_mx_resolver_destroy(srv->mx); /* no request is left to use it */
	srv->n_daemons = 0;
	/* every connection is closed, so unregistered: the janitor goes */
	sv_http_deadline_destroy(srv->reg);
	sv_http_fixed_destroy(srv->fixed); /* no daemon can queue them now */
	sv_http_body_spares_free(); /* bodies MHD gave back in this thread */
	sv_http_tls_destroy(srv->creds); /* no handshake can use them now */
	sv_free(srv);
}
