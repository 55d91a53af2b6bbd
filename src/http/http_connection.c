/* SPDX-License-Identifier: MIT */
/*
 * The HTTP front end's connections and requests, in the libmicrohttpd
 * callbacks that src/http/http.c gives every daemon it starts.
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
 *  - sv_http_on_uri (URI log callback, once per request, before the headers
 *    are parsed): starts the request in its connection's state, keeps the raw
 *    path and the raw URL length (MHD hands the handler a decoded path only,
 *    where a %00 would silently cut the string) and decides whether the access
 *    line must hide the path (an address follows a private prefix), so that no
 *    early refusal logs it.
 *  - MHD reads the headers. If their cookies do not fit in the connection
 *    memory, MHD 0.9.75 cannot answer correctly: refuse_on_mhd_error shuts the
 *    connection down before it writes anything.
 *  - sv_http_on_request, first call (headers only, on_headers): who the client
 *    is (a trusted proxy's X-Forwarded-For, http_client.c), 503 + Connection:
 *    close over a limit, 414 for an overlong URL, 400 for ambiguous Host or
 *    body framing or a folded header line, 413 for a declared body over
 *    SV_HTTP_MAX_BODY (src/http/http_framing.c), else takes a snapshot
 *    reference (503 if none was published) and waits for the rest.
 *  - sv_http_on_request, next calls: body chunks are counted; a POST's are
 *    kept in r->body (Autodiscover reads it; it is never logged), others are
 *    dropped; a chunked body that outgrows the cap drops the connection, as
 *    MHD 0.9.75 accepts a response only on the first call or after the whole
 *    request. A chunk line that outgrows the connection memory (a 40 KB chunk
 *    extension) is refused by refuse_on_mhd_error: MHD would answer it 500.
 *  - sv_http_on_request, last call: routes and queues exactly one response;
 *    queueing lifts the deadline (lock-free store).
 *  - sv_http_on_completed (or the connection's close): re-arms the deadline
 *    for the next request on a kept alive connection, logs and counts the
 *    request (the status MHD sent itself, when it answered for us), releases
 *    the snapshot reference (held until here so that answer bytes stay valid
 *    while MHD sends them) and the body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http/http_client.h"
#include "http/http_connection.h"
#include "http/http_deadline.h"
#include "http/http_framing.h"
#include "http/http_metrics.h"
#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "http/http_route.h"
#include "http/http_server_internal.h"
#include "http/http_tls.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

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
 * reading a request's headers (from the request line, sv_http_on_uri, to the
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

enum MHD_Result sv_http_on_request(void *cls, struct MHD_Connection *c,
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

void *sv_http_on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
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

void sv_http_on_completed(void *cls, struct MHD_Connection *c,
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
void sv_http_on_connection(void *cls, struct MHD_Connection *c,
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
	/* NULL (out of memory): sv_http_on_uri makes no request state, and
	 * sv_http_on_request closes the connection */
	cn = fd != NULL ? sv_calloc(1, sizeof(*cn)) : NULL;
	if (cn != NULL) {
		cn->c = c;
		cn->fd = fd->connect_fd;
		/* NULL (out of memory) gets a 503 from sv_http_on_request */
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

void sv_http_on_mhd_log(void *cls, const char *fmt, va_list ap) {
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
