/* SPDX-License-Identifier: MIT */
/*
 * The web admin's listener (webadmin.h): one libmicrohttpd daemon with
 * one internal thread, separate from the public front end (src/http/),
 * which shares none of its paths. This file and admin_fields.c (the
 * query and form fields) are the only ones of the web admin that see
 * libmicrohttpd: it turns a request into struct sv_admin_req and the
 * pages' struct sv_admin_resp into a response, and adds the security
 * headers every answer carries.
 *
 * A request's life, in MHD's callbacks:
 *  - on_uri: allocates the request state, keeps the raw path (routes
 *    are matched on it exactly: no %-decoding, no letter case games).
 *  - first handler call, headers only: method (405), URL length (414),
 *    ambiguous framing (400), for a POST its Content-Type (415: url-
 *    encoded forms or multipart/form-data only) and a declared length
 *    over the cap of that type (413).
 *  - body chunks: kept up to the cap; a chunked body that outgrows it
 *    drops the connection (MHD 0.9.75 takes a response only on the first
 *    call or after the whole request).
 *  - last call: query and form fields decoded (MHD's post processor, run
 *    over the whole body) and checked (UTF-8, no NUL, no control but tab,
 *    CR, LF; 400 otherwise: admin_fields.c), then routed (admin_route.c)
 *    and answered.
 *  - on_completed: logs one line and frees the state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/config.h"
#include "util/alloc.h"
#include "util/log.h"
#include "webadmin/admin_internal.h"
#include "webadmin/webadmin.h"
#include "webadmin/webadmin_internal.h"

#define MAX_CONNECTIONS 64
#define MAX_PER_IP 16
#define HEADER_MEMORY (32 * 1024)
#define MAX_PEM (256 * 1024)
/* The public TLS listeners' (http/http_tls.h): TLS 1.2 and 1.3 only. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static const char csp[] = "default-src 'none'; style-src 'self'; "
	"img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
	"base-uri 'none'";

struct sv_webadmin {
	struct MHD_Daemon *d;      /* owned */
	struct sv_admin_app app;
	char *db_path;             /* owned; app.db_path borrows it */
	char *cert, *key;          /* owned PEM texts, or NULL */
	uint16_t port;
};

/* ------------------------------------------------------------------ */
/* Responses                                                          */

static enum MHD_Result add_security_headers(struct MHD_Response *resp) {
	static const char *const h[][2] = {
		{ "Content-Security-Policy", csp },
		{ "X-Frame-Options", "DENY" },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "same-origin" }, /* no-referrer would
								 * make Origin "null" */
		{ "Cross-Origin-Opener-Policy", "same-origin" },
		{ "Cross-Origin-Resource-Policy", "same-origin" },
		{ "Cache-Control", "no-store" },
	};
	for (size_t i = 0; i < sizeof(h) / sizeof(*h); i++) {
		if (MHD_add_response_header(resp, h[i][0], h[i][1]) != MHD_YES) {
			return MHD_NO;
		}
	}
	return MHD_YES;
}

/* Queues resp's page (taken over) with its headers; 500 text when a
 * response cannot be made. */
static enum MHD_Result send_resp(struct MHD_Connection *c,
		struct sv_webadmin_req *r, struct sv_admin_resp *resp) {
	size_t len = 0;
	char *bytes = resp->body.data != NULL ? sv_buf_take(&resp->body, &len)
		: NULL;
	struct MHD_Response *m = bytes != NULL ?
		MHD_create_response_from_buffer_with_free_callback(len, bytes,
			sv_free) :
		MHD_create_response_from_buffer(0, (void *)"",
			MHD_RESPMEM_PERSISTENT);
	if (m == NULL) {
		sv_free(bytes);
		return MHD_NO;
	}
	char retry[16];
	snprintf(retry, sizeof(retry), "%u", resp->retry_after);
	bool ok = add_security_headers(m) == MHD_YES &&
		MHD_add_response_header(m, "Content-Type",
			resp->content_type != NULL ? resp->content_type :
			"text/plain; charset=utf-8") == MHD_YES &&
		(resp->location[0] == '\0' || MHD_add_response_header(m,
			"Location", resp->location) == MHD_YES) &&
		(resp->cookie[0] == '\0' || MHD_add_response_header(m,
			"Set-Cookie", resp->cookie) == MHD_YES) &&
		(resp->disposition[0] == '\0' || MHD_add_response_header(m,
			"Content-Disposition", resp->disposition) == MHD_YES) &&
		(resp->retry_after == 0 || MHD_add_response_header(m,
			"Retry-After", retry) == MHD_YES) &&
		(resp->status != MHD_HTTP_METHOD_NOT_ALLOWED ||
			MHD_add_response_header(m, "Allow",
				"GET, HEAD, POST") == MHD_YES);
	enum MHD_Result q = ok ? MHD_queue_response(c, resp->status, m) :
		MHD_NO;
	MHD_destroy_response(m);
	r->status = resp->status;
	return q;
}

/* A fixed short text answer (405, 413, 414, 415, 400). */
static enum MHD_Result send_text(struct MHD_Connection *c,
		struct sv_webadmin_req *r, unsigned status, const char *text) {
	struct sv_admin_resp resp = { .status = status };
	sv_buf_init(&resp.body, 4096);
	if (sv_buf_printf(&resp.body, "%s\n", text) != SV_OK) {
		return MHD_NO;
	}
	return send_resp(c, r, &resp);
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */

struct header_count {
	unsigned content_length, transfer_encoding;
	bool chunked_only;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind,
		const char *key, const char *value) {
	struct header_count *n = cls;
	(void)kind;
	if (strcasecmp(key, "Content-Length") == 0) {
		n->content_length++;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		n->transfer_encoding++;
		n->chunked_only = value != NULL &&
			strcasecmp(value, "chunked") == 0;
	}
	return MHD_YES;
}

/* The body type of a POST from its Content-Type, and its cap. */
static enum sv_webadmin_body body_kind_of(const char *ct, size_t *cap) {
	static const char form[] = "application/x-www-form-urlencoded";
	static const char multi[] = "multipart/form-data";
	if (ct == NULL) {
		return SV_WEBADMIN_BODY_NONE;
	}
	if (strncasecmp(ct, form, sizeof(form) - 1) == 0 &&
			(ct[sizeof(form) - 1] == '\0' ||
			ct[sizeof(form) - 1] == ';')) {
		*cap = SV_WEBADMIN_MAX_FORM;
		return SV_WEBADMIN_BODY_FORM;
	}
	if (strncasecmp(ct, multi, sizeof(multi) - 1) == 0 &&
			ct[sizeof(multi) - 1] == ';') {
		*cap = SV_WEBADMIN_MAX_UPLOAD;
		return SV_WEBADMIN_BODY_MULTIPART;
	}
	return SV_WEBADMIN_BODY_NONE;
}

/* Headers only: everything that can be refused before the body. */
static enum MHD_Result first_call(struct MHD_Connection *c,
		struct sv_webadmin_req *r, const char *method) {
	snprintf(r->method, sizeof(r->method), "%s", method);
	bool post = strcmp(method, "POST") == 0;
	if (!post && strcmp(method, "GET") != 0 &&
			strcmp(method, "HEAD") != 0) {
		return send_text(c, r, MHD_HTTP_METHOD_NOT_ALLOWED,
			"method not allowed");
	}
	if (r->url_len > SV_WEBADMIN_MAX_URL) {
		return send_text(c, r, 414, "URI too long");
	}
	struct header_count n = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &n);
	if (n.content_length > 1 || n.transfer_encoding > 1 ||
			(n.transfer_encoding == 1 && (!n.chunked_only ||
			n.content_length > 0))) {
		return send_text(c, r, MHD_HTTP_BAD_REQUEST,
			"ambiguous message framing");
	}
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"Content-Length");
	unsigned long long declared = 0;
	if (cl != NULL) {
		char *end;
		errno = 0;
		declared = strtoull(cl, &end, 10);
		if (cl[0] < '0' || cl[0] > '9' || *end != '\0' ||
				errno != 0) {
			return send_text(c, r, MHD_HTTP_BAD_REQUEST,
				"bad Content-Length");
		}
	}
	r->cap = 0;
	if (post) {
		r->kind = body_kind_of(MHD_lookup_connection_value(c,
			MHD_HEADER_KIND, "Content-Type"), &r->cap);
		if (r->kind == SV_WEBADMIN_BODY_NONE && (declared > 0 ||
				n.transfer_encoding > 0)) {
			return send_text(c, r,
				415, "forms only: "
				"application/x-www-form-urlencoded or "
				"multipart/form-data");
		}
	}
	if (declared > r->cap) {
		return send_text(c, r, 413,
			"request body too large");
	}
	/* max counts the NUL: cap bytes fit */
	sv_buf_init(&r->body, r->cap + 1);
	return MHD_YES;
}

/* The whole request is in: fields, route, answer. */
static enum MHD_Result last_call(struct sv_webadmin *wa,
		struct MHD_Connection *c, struct sv_webadmin_req *r,
		const char *method) {
	struct sv_admin_req rq = {
		.method = method, .path = r->path, .client = r->client,
		.now = time(NULL),
	};
	struct sv_admin_resp resp = { .status = 500 };
	sv_buf_init(&resp.body, SV_ADMIN_MAX_PAGE);
	int args = MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND,
		NULL, NULL);
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, sv_admin_on_query,
		&rq.query);
	int rc = args < 0 || rq.query.n != (size_t)args ? SV_EINVAL :
		sv_admin_parse_body(c, r, &rq.form);
	char why[160] = "malformed query or form";
	if (rc == SV_OK && (!sv_admin_fields_ok(&rq.query, why, sizeof(why)) ||
			!sv_admin_fields_ok(&rq.form, why, sizeof(why)))) {
		rc = SV_EINVAL;
	}
	enum MHD_Result ret;
	if (rc != SV_OK) {
		ret = send_text(c, r, MHD_HTTP_BAD_REQUEST, why);
	} else {
		rq.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
			sv_admin_cookie_name(wa->app.tls));
		rq.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			"Origin");
		rq.fetch_site = MHD_lookup_connection_value(c,
			MHD_HEADER_KIND, "Sec-Fetch-Site");
		rq.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			"Host");
		sv_admin_route(&wa->app, &rq, &resp);
		if (rq.has_session) {
			memcpy(r->user, rq.session.user, sizeof(r->user));
		}
		ret = send_resp(c, r, &resp);
	}
	sv_buf_finish(&resp.body);
	sv_admin_fields_free(&rq.query);
	sv_admin_fields_free(&rq.form);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
		const char *url, const char *method, const char *version,
		const char *data, size_t *size, void **req_cls) {
	struct sv_webadmin *wa = cls;
	struct sv_webadmin_req *r = *req_cls;
	(void)url; /* decoded by MHD: we route on the raw r->path */
	(void)version;
	if (r == NULL) {
		return MHD_NO;
	}
	if (!r->started) {
		r->started = true;
		return first_call(c, r, method);
	}
	if (*size != 0) {
		if (sv_buf_append(&r->body, data, *size) != SV_OK) {
			return MHD_NO; /* over the cap (chunked), or no memory */
		}
		*size = 0;
		return MHD_YES;
	}
	return last_call(wa, c, r, method);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
	(void)cls;
	struct sv_webadmin_req *r = sv_calloc(1, sizeof(*r));
	if (r == NULL) {
		return NULL;
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sv_config_address_text(ci != NULL ? ci->client_addr : NULL, r->client,
		sizeof(r->client));
	size_t n = strlen(uri);
	const char *q = memchr(uri, '?', n);
	size_t plen = q != NULL ? (size_t)(q - uri) : n;
	r->url_len = n;
	plen = plen < SV_WEBADMIN_MAX_URL ? plen : SV_WEBADMIN_MAX_URL;
	memcpy(r->path, uri, plen);
	r->path[plen] = '\0';
	sv_buf_init(&r->body, 1);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *c,
		void **req_cls, enum MHD_RequestTerminationCode toe) {
	(void)cls;
	(void)c;
	struct sv_webadmin_req *r = *req_cls;
	if (r == NULL) {
		return;
	}
	*req_cls = NULL;
	char path[96];
	sv_log_info("admin: %s \"%s\" %u client=%s%s%s%s", r->method,
		sv_log_escape(r->path, path, sizeof(path)), r->status,
		r->client, r->user[0] != '\0' ? " user=" : "", r->user,
		toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		" end=aborted");
	sv_buf_finish(&r->body);
	sv_free(r);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
	char msg[512], esc[512];
	(void)cls;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0) {
		return;
	}
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) {
		msg[--len] = '\0';
	}
	sv_log_warnx("admin: mhd: %s", sv_log_escape(msg, esc, sizeof(esc)));
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                     */

static bool is_loopback(const struct sockaddr_storage *ss) {
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *in6 = (const void *)ss;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

int sv_webadmin_check(const struct sv_webadmin_config *cfg,
		struct sv_err *err) {
	struct sockaddr_storage ss;
	unsigned len;
	struct sv_err why;
	if (sv_config_parse_listen(cfg->listen, &ss, &len, &why) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "admin-%s", why.msg);
	}
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
		return sv_errf(err, SV_EINVAL, "admin-listen: --tls-cert and "
			"--tls-key go together");
	}
	if (!is_loopback(&ss) && cfg->tls_cert == NULL) {
		return sv_errf(err, SV_EINVAL, "admin-listen: %.80s is not a "
			"loopback address: the web admin is served there over "
			"HTTPS only (--tls-cert and --tls-key)", cfg->listen);
	}
	return SV_OK;
}

/* Reads a PEM file into an owned string. */
static char *read_pem(const char *path, struct sv_err *err) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sv_errf(err, SV_EIO, "admin-listen: %s: %s", path,
			strerror(errno));
		return NULL;
	}
	struct sv_buf b;
	sv_buf_init(&b, MAX_PEM);
	char chunk[4096];
	ssize_t n;
	int rc = SV_OK;
	while (rc == SV_OK && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR) {
			continue;
		}
		rc = n < 0 ? SV_EIO : sv_buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	char *text = rc == SV_OK ? sv_buf_take(&b, NULL) : NULL;
	sv_buf_finish(&b);
	if (text == NULL) {
		sv_errf(err, rc == SV_OK ? SV_ENOMEM : SV_EIO,
			"admin-listen: %s: cannot read it", path);
	}
	return text;
}

struct sv_webadmin *sv_webadmin_start(const struct sv_webadmin_config *cfg,
		struct sv_err *err) {
	if (sv_webadmin_check(cfg, err) != SV_OK) {
		return NULL;
	}
	struct sockaddr_storage ss;
	unsigned ss_len;
	if (sv_config_parse_listen(cfg->listen, &ss, &ss_len, err) != SV_OK) {
		return NULL;
	}
	struct sv_webadmin *wa = sv_calloc(1, sizeof(*wa));
	if (wa == NULL || (wa->db_path = sv_strdup(cfg->db_path)) == NULL ||
			(wa->app.limiter = sv_admin_limiter_create()) == NULL) {
		sv_errf(err, SV_ENOMEM, "admin-listen: out of memory");
		sv_webadmin_stop(wa);
		return NULL;
	}
	wa->app.db_path = wa->db_path;
	wa->app.holder = cfg->holder;
	wa->app.changed = cfg->changed;
	wa->app.ctx = cfg->ctx;
	wa->app.tls = cfg->tls_cert != NULL;
	if (wa->app.tls && ((wa->cert = read_pem(cfg->tls_cert, err)) == NULL
			|| (wa->key = read_pem(cfg->tls_key, err)) == NULL)) {
		sv_webadmin_stop(wa);
		return NULL;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (ss.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
	}
	if (wa->app.tls) {
		flags |= MHD_USE_TLS;
	}
	unsigned timeout = cfg->timeout_s != 0 ? cfg->timeout_s : 30;
	/* the TLS options last: a plain daemon's list ends before them
	 * (MHD reads no further than MHD_OPTION_END) */
	wa->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, wa,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, (void *)NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)wa,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)wa,
		wa->app.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
		wa->cert, MHD_OPTION_HTTPS_MEM_KEY, wa->key,
		MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
		MHD_OPTION_END);
	if (wa->d == NULL) {
		sv_errf(err, SV_EIO, "admin-listen: %.80s: cannot start the "
			"server (address in use, or a bad certificate?)",
			cfg->listen);
		sv_webadmin_stop(wa);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(wa->d,
		MHD_DAEMON_INFO_BIND_PORT);
	wa->port = info != NULL ? info->port : 0;
	return wa;
}

uint16_t sv_webadmin_port(const struct sv_webadmin *wa) {
	return wa != NULL ? wa->port : 0;
}

bool sv_webadmin_is_tls(const struct sv_webadmin *wa) {
	return wa != NULL && wa->app.tls;
}

void sv_webadmin_stop(struct sv_webadmin *wa) {
	if (wa == NULL) {
		return;
	}
	if (wa->d != NULL) {
		MHD_stop_daemon(wa->d);
	}
	sv_admin_limiter_destroy(wa->app.limiter);
	sv_free(wa->db_path);
	if (wa->key != NULL) { /* the private key: no copy left behind */
		volatile char *k = wa->key;
		for (size_t i = 0; k[i] != '\0'; i++) {
			k[i] = '\0';
		}
	}
	sv_free(wa->key);
	sv_free(wa->cert);
	sv_free(wa);
}
