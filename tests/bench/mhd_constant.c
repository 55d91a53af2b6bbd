/* SPDX-License-Identifier: MIT */
/*
 * The ceiling of our HTTP stack on this machine: libmicrohttpd answering
 * every request with one constant buffer (epoll thread pool, TURBO), no
 * routing, no lookup. tests/bench/run.py runs it beside suivant and nginx
 * so that suivant's rate can be read as a share of what MHD itself allows.
 * usage: mhd_constant PORT THREADS FILE
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static struct MHD_Response *constant;

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

int main(int argc, char **argv) {
	static char body[1 << 16];
	if (argc != 4) {
		fprintf(stderr, "usage: mhd_constant PORT THREADS FILE\n");
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
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO,
		(uint16_t)strtoul(argv[1], NULL, 10), NULL, NULL, answer, NULL,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)strtoul(argv[2], NULL, 10),
		MHD_OPTION_CONNECTION_LIMIT, 4096U,
		MHD_OPTION_END);
	if (d == NULL) {
		return 71;
	}
	printf("ready\n");
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
	return 0;
}
