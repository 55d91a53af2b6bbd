/* SPDX-License-Identifier: MIT */
/*
 * The ceiling of our HTTP stack on this machine: libmicrohttpd answering
 * every request with one constant buffer (epoll thread pool, TURBO), no
 * routing, no lookup. tests/bench/run.py runs it beside suivant and nginx
 * so that suivant's rate can be read as a share of what MHD itself allows.
 *
 * With CERT and KEY it serves HTTPS through MHD's own GnuTLS set-up (the
 * same priorities and poll loop as suivant), which measures what
 * libmicrohttpd 0.9.75 + GnuTLS allow for handshakes; "tickets" adds TLS
 * session tickets (one
 * random key, enabled on each connection's session when MHD announces
 * the connection), "notickets" leaves them off, so that resumption's
 * share can be read off the same run.
 *
 * usage: mhd_constant PORT THREADS FILE [CERT KEY tickets|notickets]
 * Prints "ready port=N" once serving (PORT 0: a free port).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

static struct MHD_Response *constant;
static gnutls_datum_t ticket_key;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
		const char *url, const char *method, const char *version,
		const char *data, size_t *size, void **req_cls) {
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)data;
	/* Answer on the second call, as suivant does: a response queued on
	 * the first (headers-only) call goes out with "Connection: close"
	 * in MHD 0.9.75 (observed), which would measure reconnects. */
	static int first_seen;
	if (*req_cls == NULL) {
		*req_cls = &first_seen;
		return MHD_YES;
	}
	if (*size != 0) {
		*size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(c, MHD_HTTP_OK, constant);
}

/* MHD has set up the connection's GnuTLS session, the handshake has not
 * started: the place to enable tickets. */
static void on_connection(void *cls, struct MHD_Connection *c,
		void **socket_context, enum MHD_ConnectionNotificationCode toe) {
	(void)cls;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED || ticket_key.data == NULL) {
		return;
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && gnutls_session_ticket_enable_server(
			(gnutls_session_t)ci->tls_session, &ticket_key) < 0) {
		fprintf(stderr, "mhd_constant: cannot enable tickets\n");
	}
}

static char *slurp(const char *path, size_t *n) {
	static char buf[2][1 << 16];
	static int used;
	FILE *f = fopen(path, "rb");
	if (f == NULL || used == 2) {
		perror(path);
		exit(66);
	}
	char *b = buf[used++];
	*n = fread(b, 1, sizeof(buf[0]) - 1, f);
	b[*n] = '\0';
	fclose(f);
	return b;
}

int main(int argc, char **argv) {
	static char body[1 << 16];
	if (argc != 4 && argc != 7) {
		fprintf(stderr, "usage: mhd_constant PORT THREADS FILE "
			"[CERT KEY tickets|notickets]\n");
		return 64;
	}
	FILE *f = fopen(argv[3], "rb");
	size_t n = f != NULL ? fread(body, 1, sizeof(body), f) : 0;
	if (f == NULL || n == 0) {
		perror(argv[3]);
		return 66;
	}
	fclose(f);
	constant = MHD_create_response_from_buffer(n, body,
		MHD_RESPMEM_PERSISTENT);
	if (constant == NULL || MHD_add_response_header(constant,
			"Content-Type", "text/xml; charset=utf-8") != MHD_YES) {
		return 70;
	}
	/* poll for TLS, as suivant does (src/http/http.c: MHD 0.9.75's
	 * epoll loop spins on recv() while a handshake waits) */
	unsigned flags = (argc == 7 ? MHD_USE_POLL_INTERNAL_THREAD :
		MHD_USE_EPOLL_INTERNAL_THREAD) | MHD_USE_TURBO;
	struct MHD_Daemon *d;
	unsigned threads = (unsigned)strtoul(argv[2], NULL, 10);
	uint16_t port = (uint16_t)strtoul(argv[1], NULL, 10);
	if (argc == 7) {
		size_t cn, kn;
		const char *cert = slurp(argv[4], &cn), *key = slurp(argv[5],
			&kn);
		if (strcmp(argv[6], "tickets") == 0 &&
				gnutls_session_ticket_key_generate(&ticket_key) <
				0) {
			return 70;
		}
		d = MHD_start_daemon(flags | MHD_USE_TLS, port, NULL, NULL,
			answer, NULL,
			MHD_OPTION_THREAD_POOL_SIZE, threads,
			MHD_OPTION_CONNECTION_LIMIT, 4096U,
			MHD_OPTION_HTTPS_MEM_CERT, cert,
			MHD_OPTION_HTTPS_MEM_KEY, key,
			MHD_OPTION_HTTPS_PRIORITIES,
			"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
			MHD_OPTION_NOTIFY_CONNECTION, on_connection,
			(void *)NULL,
			MHD_OPTION_END);
	} else {
		d = MHD_start_daemon(flags, port, NULL, NULL, answer, NULL,
			MHD_OPTION_THREAD_POOL_SIZE, threads,
			MHD_OPTION_CONNECTION_LIMIT, 4096U,
			MHD_OPTION_END);
	}
	const union MHD_DaemonInfo *info = d == NULL ? NULL :
		MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL) {
		return 71;
	}
	/* PORT 0: any free port, said here (run.py reads it) */
	printf("ready port=%u\n", (unsigned)info->port);
	fflush(stdout);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sig;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(constant);
	gnutls_free(ticket_key.data);
	return 0;
}
