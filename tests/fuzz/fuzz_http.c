/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the HTTP front end as a whole (issue #16). Raw bytes
 * go to the real server through libmicrohttpd, as a client's would: one
 * daemon with no listener (sv_http_start_driven), reused across inputs,
 * gets one end of a socket pair per input; the other end writes the
 * input, half-closes, and reads until the server closes. So every layer a
 * request crosses runs: MHD's parsing, the framing and folding checks,
 * the client and proxy rules, routing with percent-decoding, query
 * decoding, each endpoint and the answer pipeline, the access line.
 *
 * The first input byte picks the peer: a trusted proxy that is also an
 * admin client (127.0.0.1), another IPv4 client, or an IPv6 one; the
 * rest is the bytes sent. The snapshot is built once from the test
 * providers (tests/data) and free.fr's file (db/). The server must close
 * every connection by itself once its input ended: one still open after
 * ROUNDS_MAX rounds is a hang, reported as a crash. Sanitizers and the
 * leak checker do the rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "fuzz.h"
#include "http/config.h"
#include "http/http.h"
#include "import/import_mozilla.h"
#include "model/model.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/alloc.h"
#include "util/log.h"

#ifndef SV_SOURCE_ROOT
#error "SV_SOURCE_ROOT must name the source tree (tests/fuzz/meson.build)"
#endif

#define ROUNDS_MAX 2000

static const char *const providers[] = {
	"tests/data/providers/hoster.xml",
	"tests/data/providers/idn.xml",
	"tests/data/import/full.xml",
	"tests/data/import/minimal.xml",
	"db/free.fr.xml",
};
#define N_PROVIDERS (sizeof(providers) / sizeof(providers[0]))

static struct sv_snapshot_holder holder;
static struct sv_http *server;

static void die(const char *what, const char *why) {
	fprintf(stderr, "fuzz_http: %s: %s\n", what, why);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
	(void)argc;
	(void)argv;
	xmlInitParser();
	sv_log_set_verbose(false);
	/* the access lines and MHD's warnings would drown libFuzzer's */
	struct sv_err lerr;
	if (sv_log_open_file("/dev/null", &lerr) != SV_OK) {
		die("log", lerr.msg);
	}
	struct sv_provider **pvs = sv_calloc(N_PROVIDERS, sizeof(*pvs));
	if (pvs == NULL) {
		die("providers", "out of memory");
	}
	for (size_t i = 0; i < N_PROVIDERS; i++) {
		char path[4096];
		struct sv_err err;
		snprintf(path, sizeof(path), "%s/%s", SV_SOURCE_ROOT,
			providers[i]);
		if (sv_import_mozilla_file(path, &pvs[i], &err) != SV_OK) {
			die(path, err.msg);
		}
	}
	struct sv_err err;
	struct sv_snapshot *s = sv_snapshot_build(pvs, N_PROVIDERS, 1, NULL,
		NULL, &err);
	if (s == NULL || sv_snapshot_holder_init(&holder) != SV_OK) {
		die("snapshot", s == NULL ? err.msg : "holder");
	}
	sv_snapshot_holder_publish(&holder, s);
	struct sv_config cfg;
	sv_config_init(&cfg);
	cfg.admin_allow = "127.0.0.1/32";
	cfg.trusted_proxy = "127.0.0.1/32";
	cfg.conn_memory = 8 * 1024; /* MHD's memory limits come sooner */
	cfg.per_ip_limit = 4;
	server = sv_http_start_driven(&cfg, &holder, &err);
	if (server == NULL) {
		die("server", err.msg);
	}
	return 0;
}

/* The peer picked by b. */
static socklen_t peer(uint8_t b, struct sockaddr_storage *ss) {
	memset(ss, 0, sizeof(*ss));
	if (b % 3 == 2) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
		in6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::1", &in6->sin6_addr);
		in6->sin6_port = htons(40000);
		return sizeof(*in6);
	}
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, b % 3 == 0 ? "127.0.0.1" : "192.0.2.7",
		&in->sin_addr);
	in->sin_port = htons(40000);
	return sizeof(*in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size == 0) {
		return 0;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		die("socketpair", strerror(errno));
	}
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) != 0) {
		die("fcntl", strerror(errno));
	}
	struct sockaddr_storage ss;
	socklen_t len = peer(data[0], &ss);
	if (sv_http_add_connection(server, sv[0], (struct sockaddr *)&ss,
			(unsigned)len) != SV_OK) {
		die("add connection", "refused");
	}
	const uint8_t *p = data + 1;
	size_t left = size - 1;
	bool closed = false, shut = false;
	char buf[65536];
	for (int round = 0; round < ROUNDS_MAX && !closed; round++) {
		if (left > 0) {
			ssize_t n = send(sv[1], p, left, MSG_NOSIGNAL);
			if (n > 0) {
				p += n;
				left -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN) {
				left = 0; /* the server closed first */
			}
		}
		if (left == 0 && !shut) {
			(void)shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		sv_http_run(server);
		for (;;) {
			ssize_t n = recv(sv[1], buf, sizeof(buf), 0);
			if (n > 0) {
				continue;
			}
			if (n == 0 || errno == ECONNRESET) {
				closed = true;
			}
			break;
		}
	}
	if (!closed) {
		die("connection", "still open once its input ended");
	}
	close(sv[1]);
	sv_http_run(server); /* cleans the closed connection up */
	return 0;
}
