/* SPDX-License-Identifier: MIT */
/*
 * The HTTP front end: one libmicrohttpd daemon per listen address, each
 * with an internal epoll thread pool, and the per-request state. In
 * src/http/: routing is http_route.c, reading a request http_request.c,
 * responses http_response.c, the access line and counters
 * http_metrics.c, the request deadline and connection limits
 * http_deadline.c, header checks http_framing.c; endpoints
 * (http_<name>.c) read a routed request and hand (format, facts) to the
 * answer pipeline (http_answer.c). Nothing here runs SQL or builds
 * markup.
 *
 * A connection's life: MHD_CONNECTION_NOTIFY_STARTED makes its state
 * (struct connection, which holds its one request at a time), registers
 * it in the deadline registry (its descriptor, its client address, a
 * deadline for its first request; over --max-connections or --max-per-ip
 * it is marked to be refused, or let in on the admin reserve) and keeps
 * the state in MHD's socket context; MHD_CONNECTION_NOTIFY_CLOSED, which
 * MHD 0.9.75 delivers before it closes the socket, ends a request still
 * live (MHD does not always call the completion callback), unregisters
 * and frees.
 *
 * A request's life, in MHD's callbacks:
 *  - on_uri (URI log callback, once per request, before the headers are
 *    parsed): starts the request in its connection's state, keeps the raw
 *    path and the raw URL length (MHD hands the handler a decoded path
 *    only, where a %00 would silently cut the string) and decides whether
 *    the access line must hide the path (an address follows a private
 *    prefix), so that no early refusal logs it.
 *  - MHD reads the headers. If their cookies do not fit in the connection
 *    memory, MHD 0.9.75 cannot answer correctly: refuse_on_mhd_error
 *    shuts the connection down before it writes anything.
 *  - on_request, first call (headers only, on_headers): who the client is
 *    (a trusted proxy's X-Forwarded-For, http_client.c), 503 + Connection:
 *    close over a limit, 414 for an overlong URL, 400 for ambiguous Host
 *    or body framing or a folded header line, 413 for a declared body
 *    over SV_HTTP_MAX_BODY (src/http/http_framing.c), else takes a
 *    snapshot reference (503 if none was published) and waits for the
 *    rest.
 *  - on_request, next calls: body chunks are counted; a POST's are kept
 *    in r->body (Autodiscover reads it; it is never logged), others are
 *    dropped; a chunked body that outgrows the cap drops the connection,
 *    as MHD 0.9.75 accepts a response only on the first call or after
 *    the whole request. A chunk line that outgrows the connection memory
 *    (a 40 KB chunk extension) is refused by refuse_on_mhd_error: MHD
 *    would answer it 500.
 *  - on_request, last call: routes and queues exactly one response;
 *    queueing lifts the deadline (lock-free store).
 *  - on_completed (or the connection's close): re-arms the deadline for
 *    the next request on a kept alive connection, logs and counts the
 *    request (the status MHD sent itself, when it answered for us),
 *    releases the snapshot reference (held until here so that answer
 *    bytes stay valid while MHD sends them) and the body.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_client.h"
#include "http/http_deadline.h"
#include "http/http_framing.h"
#include "http/http_metrics.h"
#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "http/http_route.h"
#include "http/http_tls.h"
#include "resolve/mx_resolver.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

/* MHD's limits, a backstop above ours: half again plus some, capped. */
#define BACKSTOP(n) ((n) > SV_CONFIG_MAX_CONN_LIMIT / 2 ? \
	SV_CONFIG_MAX_CONN_LIMIT : (n) + (n) / 2 + 64)

/* What a daemon's connection notifications need. */
struct listener {
	struct sv_http *srv; /* the server it belongs to */
	struct sv_http_tls *tls; /* borrowed from srv; NULL if plain */
	unsigned index;
};

struct sv_http {
	struct sv_snapshot_holder *holder; /* borrowed; outlives the server */
	struct sv_sign_cms *signer;        /* borrowed (cfg); may be NULL */
	struct sv_http_fixed fixed[SV_HTTP_FIXED_COUNT]; /* owned responses */
	struct MHD_Daemon *daemons[2 * SV_CONFIG_MAX_LISTEN]; /* owned */
	uint16_t ports[2 * SV_CONFIG_MAX_LISTEN];
	bool tls[2 * SV_CONFIG_MAX_LISTEN];
	size_t n_daemons;
	struct listener listeners[2 * SV_CONFIG_MAX_LISTEN];
	struct sv_http_tls *creds;         /* owned; NULL without TLS */
	struct sv_http_deadline *reg;      /* owned; outlives the daemons */
	struct sv_http_metrics metrics;
	struct sv_mx_resolver *mx;         /* owned: MX rows' look-ups */
	unsigned grace_s;                  /* sv_http_stop's wait for
	                                    * in-flight requests */
};

/*
 * A connection's state, in MHD's socket context from
 * MHD_CONNECTION_NOTIFY_STARTED to _CLOSED: its registry entry and the
 * one request it is reading or answering (MHD answers a connection's
 * requests one after the other). The request lives here rather than in an
 * allocation of its own because MHD 0.9.75 does not always end a request
 * through the completion callback: when it gives up on a request's
 * headers (out of connection memory while parsing cookies) it closes the
 * connection without it, and the request's state, snapshot reference and
 * body buffer went with it (a remote memory leak). A request still live
 * at the close is ended there.
 */
/* What MHD is doing for a connection without calling us. */
enum unattended {
	UNATTENDED_NONE,
	UNATTENDED_HEADERS, /* reading the headers, after the request line */
	UNATTENDED_CHUNKS,  /* reading a chunked body's chunk lines */
};

struct connection {
	struct MHD_Connection *c;
	struct sv_http_conn *reg; /* registry entry, or NULL (out of memory) */
	int fd;                   /* MHD's; only ever shut down here */
	bool live;                /* req is in use */
	enum unattended unattended; /* and on its thread's list when not
	                           * UNATTENDED_NONE */
	struct connection *prev, *next; /* that list */
	struct sv_http_req req;
};

/*
 * The connections of this thread for which MHD works without calling us:
 * reading a request's headers (from the request line, on_uri, to the
 * first handler call) or a chunked body (from the first handler call to
 * the last), and only until the request ends. MHD's logger is told no
 * connection: this list is how refuse_on_mhd_error finds the one MHD is
 * about to answer wrongly. Thread-local: MHD 0.9.75 makes every callback
 * of a connection, its close included, from the one thread that accepted
 * it (or, without internal threads, from the caller's).
 */
static _Thread_local struct connection *unattended;

static void unattended_remove(struct connection *cn) {
	if (cn->unattended == UNATTENDED_NONE) {
		return;
	}
	if (cn->prev != NULL) {
		cn->prev->next = cn->next;
	} else {
		unattended = cn->next;
	}
	if (cn->next != NULL) {
		cn->next->prev = cn->prev;
	}
	cn->unattended = UNATTENDED_NONE;
}

static void unattended_add(struct connection *cn, enum unattended what) {
	unattended_remove(cn);
	cn->prev = NULL;
	cn->next = unattended;
	if (unattended != NULL) {
		unattended->prev = cn;
	}
	unattended = cn;
	cn->unattended = what;
}

/* Ends cn's request: re-arms the deadline for the next request on a
 * kept-alive connection, logs and counts it, releases the snapshot
 * reference (held until here so that answer bytes stay valid while MHD
 * sends them) and the body. */
static void finish(struct sv_http *srv, struct connection *cn,
		enum MHD_RequestTerminationCode toe) {
	struct sv_http_req *r = &cn->req;
	struct timespec now;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
		now = r->t0; /* cannot happen with CLOCK_MONOTONIC */
	}
	if (r->conn != NULL) { /* kept alive: the next request's clock */
		sv_http_deadline_rearm(srv->reg, r->conn, &now);
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->conn != NULL &&
			sv_http_deadline_dropped(r->conn)) {
		/* MHD saw the janitor's shutdown(2) as a socket error */
		toe = MHD_REQUEST_TERMINATED_TIMEOUT_REACHED;
	}
	sv_http_account(&srv->metrics, r, toe, &now);
	sv_buf_finish(&r->body);
	sv_http_mx_free(r->mx);
	sv_snapshot_release(r->snap);
	r->snap = NULL;
	cn->live = false;
	unattended_remove(cn);
}

/* The connection state a request lives in. */
static struct connection *connection_of_req(struct sv_http_req *r) {
	return (struct connection *)(void *)((char *)r -
		offsetof(struct connection, req));
}

/* The connection state of c, or NULL (out of memory at its start). */
static struct connection *connection_of(struct MHD_Connection *c) {
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * First handler call, headers only: who the client is, then the refusals
 * that need no route (503 over a limit, 414, 400 for ambiguous or folded
 * framing, 413), then a snapshot reference (503 if none was published
 * yet).
 */
static enum MHD_Result on_headers(struct sv_http *srv,
		struct sv_http_call *call, const char *method) {
	struct sv_http_req *r = call->r;
	struct MHD_Connection *c = call->c;
	size_t mlen = strlen(method);
	mlen = mlen < sizeof(r->method) - 1 ? mlen : sizeof(r->method) - 1;
	memcpy(r->method, method, mlen);
	r->method[mlen] = '\0';
	sv_http_client_identify(c, &srv->metrics, r);
	enum sv_http_over over = SV_HTTP_OVER_TOTAL; /* unregistered: out of
	                                              * memory */
	if (r->conn != NULL) {
		over = sv_http_deadline_is_proxy(r->conn) ?
			sv_http_deadline_attach(srv->reg, r->conn,
				(const struct sockaddr *)&r->client_sa) :
			sv_http_deadline_over_limit(r->conn);
	}
	if (over == SV_HTTP_OVER_TOTAL || over == SV_HTTP_OVER_PER_IP) {
		atomic_fetch_add_explicit(&srv->metrics.over_limit[
			over == SV_HTTP_OVER_PER_IP], 1, memory_order_relaxed);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_OVER_LIMIT);
	}
	r->reserve = over == SV_HTTP_OVER_RESERVE;
	if (r->url_len > SV_HTTP_MAX_URL) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_URI_TOO_LONG);
	}
	if (sv_http_framing_ambiguous(c)) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_BAD_FRAMING);
	}
	if (sv_http_header_folded(c, method)) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_FOLDED);
	}
	if (sv_http_body_too_large(c)) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_TOO_LARGE);
	}
	r->snap = sv_snapshot_holder_acquire(srv->holder);
	if (r->snap == NULL) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_UNAVAILABLE);
	}
	if (sv_http_body_chunked(c)) { /* MHD reads its chunk lines alone */
		unattended_add(connection_of_req(r), UNATTENDED_CHUNKS);
	}
	/* max counts the NUL: SV_HTTP_MAX_BODY bytes fit */
	sv_buf_init(&r->body, SV_HTTP_MAX_BODY + 1);
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
		const char *url, const char *method, const char *version,
		const char *data, size_t *size, void **req_cls) {
	struct sv_http *srv = cls;
	struct sv_http_req *r = *req_cls;
	(void)url; /* decoded by MHD, cut at a %00: we route on r->path */
	(void)version;
	if (r == NULL) { /* no connection state: out of memory */
		return MHD_NO;
	}
	struct sv_http_call call = { .c = c, .r = r, .fixed = srv->fixed,
		.format = SV_FORMAT_COUNT, .signer = srv->signer,
		.metrics = &srv->metrics, .mx = srv->mx };
	if (!r->started) {
		r->started = true;
		unattended_remove(connection_of_req(r));
		return on_headers(srv, &call, method);
	}
	if (*size != 0) { /* a body chunk: counted, capped, kept if POST */
		if (*size > SV_HTTP_MAX_BODY - r->body_len) {
			return MHD_NO; /* over the cap: cannot happen with a
			                * Content-Length checked on the first call */
		}
		if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 &&
				sv_buf_append(&r->body, data, *size) != SV_OK) {
			return MHD_NO; /* out of memory */
		}
		r->body_len += *size;
		*size = 0;
		return MHD_YES;
	}
	unattended_remove(connection_of_req(r)); /* the whole body is in */
	return sv_http_route(&call, method);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
	struct sv_http *srv = cls;
	struct connection *cn = connection_of(c);
	if (cn == NULL) {
		return NULL;
	}
	if (cn->live) { /* cannot happen: MHD ends a request before the next */
		finish(srv, cn, MHD_REQUEST_TERMINATED_WITH_ERROR);
	}
	unattended_add(cn, UNATTENDED_HEADERS);
	struct sv_http_req *r = &cn->req;
	/* zeroed up to the text buffers, which are written here */
	memset(r, 0, offsetof(struct sv_http_req, client_sa));
	r->conn = cn->reg;
	r->endpoint = SV_HTTP_EP_NONE;
	r->domain[0] = '\0';
	cn->live = true;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sv_http_client_peer(r, ci != NULL ? ci->client_addr : NULL);
	if (clock_gettime(CLOCK_MONOTONIC, &r->t0) != 0) {
		r->t0.tv_sec = 0;
		r->t0.tv_nsec = 0;
	}
	size_t n = strlen(uri);
	const char *q = memchr(uri, '?', n);
	size_t plen = q != NULL ? (size_t)(q - uri) : n;
	r->url_len = n;
	r->path_len = plen < SV_HTTP_MAX_URL ? plen : SV_HTTP_MAX_URL;
	memcpy(r->path, uri, r->path_len);
	r->path[r->path_len] = '\0';
	r->log_prefix = sv_http_route_private_prefix(r->path, r->path_len);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *c,
		void **req_cls, enum MHD_RequestTerminationCode toe) {
	struct sv_http *srv = cls;
	struct sv_http_req *r = *req_cls;
	if (r == NULL) {
		return;
	}
	*req_cls = NULL;
	struct connection *cn = connection_of_req(r);
	if (r->status == 0 && !r->refused) {
		/* answered by MHD itself (431, 400...): log what it sent */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
			MHD_CONNECTION_INFO_HTTP_STATUS);
		r->status = ci != NULL ? ci->http_status : 0;
	}
	finish(srv, cn, toe);
}

/* Registers each connection, before any of its requests, and
 * unregisters it before MHD closes its socket. */
static void on_connection(void *cls, struct MHD_Connection *c,
		void **socket_context, enum MHD_ConnectionNotificationCode toe) {
	const struct listener *l = cls;
	struct connection *cn = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (cn != NULL && cn->live) { /* ended without completion */
			finish(l->srv, cn, MHD_REQUEST_TERMINATED_WITH_ERROR);
		}
		if (cn != NULL) {
			unattended_remove(cn);
		}
		if (cn != NULL) {
			sv_http_deadline_close(l->srv->reg, cn->reg);
			sv_free(cn);
		}
		*socket_context = NULL;
		atomic_fetch_sub_explicit(&l->srv->metrics.open_connections, 1,
			memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&l->srv->metrics.open_connections, 1,
		memory_order_relaxed);
	if (l->tls != NULL) { /* MHD made the session; no handshake yet */
		const union MHD_ConnectionInfo *ts = MHD_get_connection_info(c,
			MHD_CONNECTION_INFO_GNUTLS_SESSION);
		if (ts == NULL || sv_http_tls_session_start(l->tls,
				(gnutls_session_t)ts->tls_session) != SV_OK) {
			sv_log_warnx("tls: session tickets not enabled on a "
				"connection");
		}
	}
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *addr = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	/* NULL (out of memory): on_uri makes no request state, and
	 * on_request closes the connection */
	cn = fd != NULL ? sv_calloc(1, sizeof(*cn)) : NULL;
	if (cn != NULL) {
		cn->c = c;
		cn->fd = fd->connect_fd;
		/* NULL (out of memory) gets a 503 from on_request */
		cn->reg = sv_http_deadline_open(l->srv->reg, l->index,
			fd->connect_fd, addr != NULL ? addr->client_addr : NULL);
	}
	*socket_context = cn;
}

/*
 * Two things libmicrohttpd 0.9.75 cannot answer correctly, which it
 * reports through its logger (told no connection) from the thread of the
 * connection concerned, before it writes anything:
 *  - cookies that do not fit in the connection memory (a few hundred in
 *    4 KB do): it then closes the connection unanswered or sends two
 *    status lines back to back, never calling us for that request. The
 *    connection is the one of this thread still reading its headers
 *    whose header block is complete (MHD_CONNECTION_INFO_REQUEST_HEADER_
 *    SIZE) with no response queued: any other that got that far has had
 *    its first handler call.
 *  - a chunk line longer than the connection memory (a 40 KB chunk
 *    extension): it answers 500, a server error for a client's. The
 *    connection is one of this thread reading chunk lines; when there are
 *    several, which one is not known, and the 500 goes out.
 * Either connection is refused cleanly instead: shut down, so that MHD's
 * sending fails and nothing is sent; its access line says end=refused.
 */
static void refuse_on_mhd_error(const char *msg) {
	static const char pool[] = "Not enough memory in pool";
	static const char e500[] = "Error processing request (HTTP response "
		"code is 500";
	struct connection *found = NULL;
	if (strncmp(msg, pool, sizeof(pool) - 1) == 0) {
		for (struct connection *cn = unattended; cn != NULL;
				cn = cn->next) {
			if (cn->unattended == UNATTENDED_HEADERS &&
					MHD_get_connection_info(cn->c,
					MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE) !=
					NULL && MHD_get_connection_info(cn->c,
					MHD_CONNECTION_INFO_HTTP_STATUS) == NULL) {
				found = cn;
				break;
			}
		}
	} else if (strncmp(msg, e500, sizeof(e500) - 1) == 0) {
		for (struct connection *cn = unattended; cn != NULL;
				cn = cn->next) {
			if (cn->unattended != UNATTENDED_CHUNKS) {
				continue;
			}
			if (found != NULL) {
				return; /* which one is not known */
			}
			found = cn;
		}
	}
	if (found != NULL) {
		unattended_remove(found);
		found->req.refused = true;
		(void)shutdown(found->fd, SHUT_RDWR); /* MHD's send fails */
	}
}

/* MHD's own diagnostics: one escaped line each, through our logger. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
	char msg[512], esc[512];
	(void)cls;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0) {
		return;
	}
	refuse_on_mhd_error(msg);
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) {
		msg[--len] = '\0';
	}
	sv_http_route_mask_private(msg); /* MHD may name the path */
	sv_log_warnx("mhd: %s", sv_log_escape(msg, esc, sizeof(esc)));
}

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
	MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, (void *)NULL, \
	MHD_OPTION_CONNECTION_LIMIT, \
		BACKSTOP((cfg)->conn_limit + (cfg)->admin_reserve), \
	/* a trusted proxy is one address for many clients: MHD's limit \
	 * would cap it (ours counts the clients it forwards) */ \
	MHD_OPTION_PER_IP_CONNECTION_LIMIT, (srv)->metrics.n_proxies != 0 ? \
		0U : BACKSTOP((cfg)->per_ip_limit), \
	MHD_OPTION_CONNECTION_TIMEOUT, (cfg)->timeout_s, \
	MHD_OPTION_CONNECTION_MEMORY_LIMIT, (cfg)->conn_memory, \
	MHD_OPTION_STRICT_FOR_CLIENT, (int)1, \
	MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)(srv), \
	MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)(srv), \
	MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)(l)

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
			on_request, srv, COMMON_OPTIONS(srv, cfg, l),
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_THREAD_POOL_SIZE, threads,
			MHD_OPTION_HTTPS_CERT_CALLBACK, sv_http_tls_retrieve,
			MHD_OPTION_HTTPS_PRIORITIES, SV_HTTP_TLS_PRIORITIES,
			MHD_OPTION_END);
	} else {
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
			COMMON_OPTIONS(srv, cfg, l),
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
		MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
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
	srv->reg = sv_http_deadline_create((unsigned)(n + (driven ? 0 :
		cfg->n_listen_tls)),
		cfg->conn_limit, cfg->per_ip_limit, cfg->request_timeout_s,
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
