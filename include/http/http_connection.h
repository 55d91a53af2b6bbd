/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_CONNECTION_H
#define SUIVANT_HTTP_CONNECTION_H

/*
 * Connections and requests in libmicrohttpd's callbacks
 * (src/http/http_connection.c), which src/http/http.c gives every daemon
 * it starts. cls is the server (struct sv_http), but for
 * sv_http_on_connection, whose cls is the daemon's struct listener
 * (http/http_server_internal.h). Private to src/http/.
 */

#include <stdarg.h>
#include <stddef.h>

#include <microhttpd.h>

/* The access handler (MHD_AccessHandlerCallback). */
enum MHD_Result sv_http_on_request(void *cls, struct MHD_Connection *c,
	const char *url, const char *method, const char *version,
	const char *data, size_t *size, void **req_cls);
/* MHD_OPTION_URI_LOG_CALLBACK: starts a request at its request line. */
void *sv_http_on_uri(void *cls, const char *uri, struct MHD_Connection *c);
/* MHD_OPTION_NOTIFY_COMPLETED: ends a request. */
void sv_http_on_completed(void *cls, struct MHD_Connection *c,
	void **req_cls, enum MHD_RequestTerminationCode toe);
/* MHD_OPTION_NOTIFY_CONNECTION. */
void sv_http_on_connection(void *cls, struct MHD_Connection *c,
	void **socket_context, enum MHD_ConnectionNotificationCode toe);
/* MHD's own diagnostics: one escaped line each, through our logger. */
void sv_http_on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
