/* SPDX-License-Identifier: MIT */
/*
 * The answer pipeline's success path allocates nothing of ours
 * (src/http/http_answer.c, src/http/http_response.c): the real front end
 * (sv_http_start on the bundled data, plain HTTP on 127.0.0.1) answers
 * requests on one kept-alive connection while the allocation hook of
 * src/util/alloc.c counts. Every request also passes through parts that
 * are not the answer pipeline (the request state, routing, the access
 * line), so each kind of answer is compared with a 404 for an unknown
 * path sent the same way (same method, same body): the two counts must
 * be equal. The bodies are checked too, so that a response that lost its
 * bytes cannot pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dataset/dataset.h"
#include "http/config.h"
#include "http/http.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/alloc.h"
#include "util/log.h"

#define ROUNDS 40      /* requests counted per kind */
#define WARM 8         /* requests before counting starts */

static const char post_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
	"autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>"
	"jean.dupont@free.fr</EMailAddress><AcceptableResponseSchema>http://"
	"schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/"
	"2006a</AcceptableResponseSchema></Request></Autodiscover>";

struct fixture {
	char dir[64];
	char db[96];
	struct sv_dataset *ds;
	struct sv_http *http;
	int fd;            /* one kept-alive connection */
	char resp[65536];  /* the last response, NUL-terminated */
};

static int setup(void **state) {
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return -1;
	}
	struct sv_err err;
	bool created;
	snprintf(f->dir, sizeof(f->dir), "/tmp/suivant-test-answer-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/suivant.db", f->dir);
	/* the access lines of a few hundred requests: not on the terminal */
	if (sv_log_open_file("/dev/null", &err) != SV_OK ||
			sv_dataset_init_file(f->db, true, &created, &err) !=
			SV_OK ||
			(f->ds = sv_dataset_create(f->db, &err)) == NULL ||
			sv_dataset_load(f->ds, &err) != SV_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	struct sv_config cfg;
	sv_config_init(&cfg);
	cfg.listen[0] = "127.0.0.1:0";
	cfg.n_listen = 1;
	cfg.threads = 2;
	f->http = sv_http_start(&cfg, sv_dataset_holder(f->ds), &err);
	if (f->http == NULL) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons(sv_http_port(f->http, 0)) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { 10, 0 };
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (f->fd < 0 || setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			sizeof(tv)) != 0 || connect(f->fd,
			(struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("setup: connect");
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state) {
	struct fixture *f = *state;
	close(f->fd);
	sv_http_stop(f->http);
	sv_dataset_destroy(f->ds);
	unlink(f->db);
	char wal[128];
	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", f->db);
	unlink(wal);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Sends one request on the connection and reads its whole response
 * (Content-Length framed) into f->resp; returns the status. */
static int request(struct fixture *f, const char *method, const char *host,
		const char *target, const char *body) {
	char req[2048];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s\r\n"
		"Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
		method, target, host, body != NULL ? strlen(body) : 0,
		body != NULL ? body : "");
	assert_true(n > 0 && (size_t)n < sizeof(req));
	assert_int_equal(send(f->fd, req, (size_t)n, 0), n);
	size_t got = 0;
	const char *end = NULL;
	size_t want = 0;
	for (;;) {
		ssize_t r = recv(f->fd, f->resp + got, sizeof(f->resp) - 1 - got,
			0);
		assert_true(r > 0);
		got += (size_t)r;
		f->resp[got] = '\0';
		if (end == NULL && (end = strstr(f->resp, "\r\n\r\n")) !=
				NULL) {
			const char *cl = strstr(f->resp, "Content-Length: ");
			assert_non_null(cl);
			want = (size_t)(end + 4 - f->resp) +
				strtoul(cl + 16, NULL, 10);
		}
		if (end != NULL && got >= want) {
			break;
		}
	}
	assert_int_equal(got, want); /* nothing pipelined behind it */
	return atoi(f->resp + 9);
}

/* Our allocations for ROUNDS identical requests, after WARM of them. */
static unsigned long count(struct fixture *f, int status,
		const char *method, const char *host, const char *target,
		const char *body, const char *expect) {
	for (int i = 0; i < WARM; i++) {
		assert_int_equal(request(f, method, host, target, body),
			status);
	}
	sv_alloc_count_start();
	for (int i = 0; i < ROUNDS; i++) {
		assert_int_equal(request(f, method, host, target, body),
			status);
	}
	unsigned long n = sv_alloc_count_stop();
	if (expect != NULL && strstr(f->resp, expect) == NULL) {
		fail_msg("%s %s: no \"%s\" in %.300s", method, target, expect,
			f->resp);
	}
	return n;
}

static void check_kind(struct fixture *f, const char *method,
		const char *host, const char *target, const char *body,
		const char *expect) {
	unsigned long base = count(f, 404, method, host, "/no-such-path",
		body, NULL);
	unsigned long answer = count(f, 200, method, host, target, body,
		expect);
	if (answer != base) {
		fail_msg("%s %s: %lu allocations for %d answers, %lu for as "
			"many 404s", method, target, answer, ROUNDS, base);
	}
}

static void test_host_form_get(void **state) {
	check_kind(*state, "GET", "autoconfig.free.fr",
		"/mail/config-v1.1.xml", NULL, "<domain>free.fr</domain>");
}

static void test_address_get(void **state) {
	check_kind(*state, "GET", "autoconfig.gmail.com",
		"/mail/config-v1.1.xml?emailaddress=jean.dupont%40gmail.com",
		NULL, "<username>jean.dupont@gmail.com</username>");
}

static void test_ispdb_get(void **state) {
	check_kind(*state, "GET", "localhost", "/v1.1/free.fr", NULL,
		"</clientConfig>");
}

static void test_autodiscover_post(void **state) {
	check_kind(*state, "POST", "autodiscover.free.fr",
		"/autodiscover/autodiscover.xml", post_body, "</Autodiscover>");
}

static void test_alternating_sizes(void **state) {
	/* answers of different sizes in turn on one connection: the body
	 * grows to the larger once, then serves both */
	struct fixture *f = *state;
	static const char *const hosts[] = { "autoconfig.gmail.com",
		"autoconfig.free.fr" };
	static const char *const targets[] = {
		"/mail/config-v1.1.xml?emailaddress=a%40gmail.com",
		"/mail/config-v1.1.xml" };
	unsigned long n[2]; /* [0] 404s, [1] answers */
	for (int answers = 0; answers < 2; answers++) {
		for (int i = 0; i < 2 * WARM + 2 * ROUNDS; i++) {
			if (i == 2 * WARM) {
				sv_alloc_count_start();
			}
			assert_int_equal(request(f, "GET", hosts[i % 2],
				answers ? targets[i % 2] : "/no-such-path", NULL),
				answers ? 200 : 404);
		}
		n[answers] = sv_alloc_count_stop();
	}
	assert_int_equal(n[1], n[0]);
}

/*
 * Answers the same for every request are made once and queued again
 * (src/http/http_shared.c): clients on connections of their own ask at
 * once, by GET and HEAD, for the Host-form answer of ten domains of one
 * provider (one compiled answer: eight are kept, the others take the
 * per-request path). Every response must be what the answer pipeline
 * gives: status 200, the headers it sets, the body filled with its own
 * domain (sv_snapshot_answer), and the same bytes every time but Date.
 */
#define SHARED_CLIENTS 6
#define SHARED_ASKS 60
static const char *const shared_domains[] = { "2die4.com",
	"accountant.com", "activist.com", "adexec.com", "africamail.com",
	"aircraftmail.com", "alabama.usa.com", "alaska.usa.com",
	"allergist.com", "alumni.com" };
#define N_SHARED (sizeof(shared_domains) / sizeof(shared_domains[0]))

struct shared_client {
	in_port_t port;
	int first;              /* which request it starts with */
	char *want[N_SHARED][2]; /* [domain][head]: the expected response */
	const char *failed;     /* why, or NULL */
};

/* resp without its Date line, in place. */
static void drop_date(char *resp) {
	char *d = strstr(resp, "\r\nDate: ");
	if (d != NULL) {
		char *eol = strstr(d + 2, "\r\n");
		memmove(d, eol, strlen(eol) + 1);
	}
}

static void *shared_client(void *arg) {
	struct shared_client *c = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons(c->port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char resp[8192];
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			sizeof(tv)) != 0 || connect(fd, (struct sockaddr *)&sa,
			sizeof(sa)) != 0) {
		c->failed = "connect";
		return NULL;
	}
	for (int i = c->first; i < c->first + SHARED_ASKS && !c->failed;
			i++) {
		size_t d = (size_t)i % N_SHARED;
		int head = (i / (int)N_SHARED) % 2;
		char req[256];
		int n = snprintf(req, sizeof(req), "%s /mail/config-v1.1.xml "
			"HTTP/1.1\r\nHost: autoconfig.%s\r\n\r\n",
			head ? "HEAD" : "GET", shared_domains[d]);
		if (send(fd, req, (size_t)n, 0) != n) {
			c->failed = "send";
			break;
		}
		size_t got = 0, want = 0;
		const char *end = NULL;
		while (end == NULL || got < want) {
			ssize_t r = recv(fd, resp + got, sizeof(resp) - 1 - got,
				0);
			if (r <= 0) {
				c->failed = "recv";
				break;
			}
			got += (size_t)r;
			resp[got] = '\0';
			if (end == NULL && (end = strstr(resp, "\r\n\r\n")) !=
					NULL) {
				const char *cl = strstr(resp,
					"Content-Length: ");
				want = (size_t)(end + 4 - resp) + (head ||
					cl == NULL ? 0 :
					strtoul(cl + 16, NULL, 10));
			}
		}
		if (c->failed == NULL) {
			drop_date(resp);
			if (strcmp(resp, c->want[d][head]) != 0) {
				c->failed = shared_domains[d];
			}
		}
	}
	close(fd);
	return NULL;
}

static void test_shared_answers_concurrent(void **state) {
	struct fixture *f = *state;
	struct sv_snapshot *snap = sv_snapshot_holder_acquire(
		sv_dataset_holder(f->ds));
	assert_non_null(snap);
	struct shared_client c[SHARED_CLIENTS];
	char *want[N_SHARED][2];
	for (size_t d = 0; d < N_SHARED; d++) {
		struct sv_answer_facts facts = { .domain = shared_domains[d] };
		struct sv_buf body;
		const char *ct;
		sv_buf_init(&body, 1 << 16);
		assert_int_equal(sv_snapshot_answer(snap, SV_FORMAT_AUTOCONFIG,
			&facts, &body, &ct), SV_OK);
		char domain[128];
		snprintf(domain, sizeof(domain), "<domain>%s</domain>",
			shared_domains[d]);
		assert_non_null(strstr(body.data, domain));
		for (int head = 0; head < 2; head++) {
			want[d][head] = malloc(body.len + 1024);
			assert_non_null(want[d][head]);
			/* MHD's order: ours as added, then its own */
			snprintf(want[d][head], body.len + 1024,
				"HTTP/1.1 200 OK\r\n"
				"X-Content-Type-Options: nosniff\r\n"
				"Content-Type: %s\r\n"
				"Cache-Control: public, max-age=%d\r\n"
				"Content-Length: %zu\r\n\r\n%s", ct,
				SV_HTTP_MAX_AGE, body.len,
				head ? "" : body.data);
		}
		sv_buf_finish(&body);
	}
	sv_snapshot_release(snap);
	pthread_t t[SHARED_CLIENTS];
	for (int i = 0; i < SHARED_CLIENTS; i++) {
		c[i] = (struct shared_client){
			.port = sv_http_port(f->http, 0), .first = i * 7 };
		memcpy(c[i].want, want, sizeof(want));
		assert_int_equal(pthread_create(&t[i], NULL, shared_client,
			&c[i]), 0);
	}
	for (int i = 0; i < SHARED_CLIENTS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	for (int i = 0; i < SHARED_CLIENTS; i++) {
		if (c[i].failed != NULL) {
			fail_msg("client %d: %s", i, c[i].failed);
		}
	}
	for (size_t d = 0; d < N_SHARED; d++) {
		free(want[d][0]);
		free(want[d][1]);
	}
}

/*
 * A kept answer that cannot be made (make() in src/http/http_shared.c:
 * one of our allocations fails, at any point) falls back to the
 * per-request path: the client still gets the whole answer, the same
 * bytes, and nothing leaks (the ASan builds check that). Each round
 * loads a new snapshot, whose kept lists are empty, so that make() runs
 * again with one more allocation allowed than the round before, up to
 * the count a round takes when nothing fails.
 */
static void test_shared_answer_allocation_fails(void **state) {
	struct fixture *f = *state;
	const char *host = "autoconfig.free.fr";
	const char *target = "/mail/config-v1.1.xml";
	struct sv_err err;
	/* warm: this connection's thread has grown its recycled body */
	assert_int_equal(request(f, "GET", host, target, NULL), 200);
	assert_non_null(strstr(f->resp, "<domain>free.fr</domain>"));
	drop_date(f->resp);
	char *want = strdup(f->resp);
	assert_non_null(want);
	assert_int_equal(sv_dataset_load(f->ds, &err), SV_OK);
	sv_alloc_count_start();
	assert_int_equal(request(f, "GET", host, target, NULL), 200);
	long full = (long)sv_alloc_count_stop();
	assert_true(full > 0); /* the kept entry was made */
	for (long n = 0; n <= full; n++) {
		assert_int_equal(sv_dataset_load(f->ds, &err), SV_OK);
		sv_alloc_fail_after(n);
		int status = request(f, "GET", host, target, NULL);
		sv_alloc_fail_after(-1);
		drop_date(f->resp);
		if (status != 200 || strcmp(f->resp, want) != 0) {
			fail_msg("allocation %ld of %ld failing: %.300s", n + 1,
				full, f->resp);
		}
		/* kept or not, the next request gets the same answer */
		assert_int_equal(request(f, "GET", host, target, NULL), 200);
		drop_date(f->resp);
		assert_string_equal(f->resp, want);
	}
	free(want);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_form_get),
		cmocka_unit_test(test_address_get),
		cmocka_unit_test(test_ispdb_get),
		cmocka_unit_test(test_autodiscover_post),
		cmocka_unit_test(test_alternating_sizes),
		cmocka_unit_test(test_shared_answers_concurrent),
		cmocka_unit_test(test_shared_answer_allocation_fails),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
