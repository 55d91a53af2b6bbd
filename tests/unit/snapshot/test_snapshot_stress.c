/* SPDX-License-Identifier: MIT */
/*
 * The snapshot holder under contention (snapshot.h): READERS threads
 * acquire the current snapshot, answer from it and release it, as
 * requests do (every other round holding the previous one across the
 * next acquire), while the main thread publishes SWAPS new snapshots as
 * fast as it can build them.
 *
 * Checked: no snapshot is freed while a reader is between reading the
 * holder and counting its reference (the window a plain atomic pointer and
 * reference count leaves open, stretched here by a hook that the test's
 * own copy of snapshot_holder.c calls: with that naive scheme this test
 * fails at once, in every build); every acquire returns a snapshot still
 * alive, whose answer is its own generation's, never an older one than the
 * reader saw before; every snapshot built is freed exactly once, after its
 * last reader. The sanitizers watch too: this test runs in the
 * ASan build and, in tests/run-all, under ThreadSanitizer, whose reports
 * fail it. To see the frees, the test is linked with -Wl,--wrap=sv_free:
 * every sv_free in the code under test comes through __wrap_sv_free
 * below, which notes the snapshots among them.
 *
 * Worker threads never call cmocka's assertions (not thread-safe): they
 * count problems, which the main thread asserts after joining them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "test_support.h"
#include "util/alloc.h"

#define READERS 8
#define SWAPS 400
#define TRACKED 4096 /* table of snapshot addresses, > 2 * snapshots */

void __real_sv_free(void *p);
void __wrap_sv_free(void *p);
void sv_snapshot_race_hook(const struct sv_snapshot *s);

/*
 * Every snapshot built, by address (open addressing, never removed: an
 * address reused by a later snapshot takes its entry again). live is 1
 * from registration to the free.
 */
static struct {
	atomic_uintptr_t key;
	atomic_int live;
	atomic_long incarnation; /* snapshots built at this address */
} tracked[TRACKED];
static atomic_long n_built, n_freed, n_problems;

static size_t slot_of(uintptr_t key) {
	return (size_t)((key >> 4) * 0x9E3779B97F4A7C15u % TRACKED);
}

/* The entry of p (added when add), or TRACKED when it has none. */
static size_t find(uintptr_t p, bool add) {
	for (size_t i = slot_of(p), n = 0; n < TRACKED;
			i = (i + 1) % TRACKED, n++) {
		uintptr_t k = atomic_load(&tracked[i].key);
		if (k == p) {
			return i;
		}
		if (k == 0) {
			if (!add) {
				return TRACKED;
			}
			if (atomic_compare_exchange_strong(&tracked[i].key, &k,
					p) || k == p) {
				return i;
			}
		}
	}
	return TRACKED;
}

static void problem(const char *what, unsigned long long gen) {
	if (atomic_fetch_add(&n_problems, 1) < 10) {
		fprintf(stderr, "stress: %s (generation %llu)\n", what, gen);
	}
}

static void track(struct sv_snapshot *s) {
	size_t i = find((uintptr_t)s, true);
	int was = 0;
	if (i == TRACKED || !atomic_compare_exchange_strong(&tracked[i].live,
			&was, 1)) {
		problem("a new snapshot at a live one's address",
			sv_snapshot_generation(s));
	} else {
		atomic_fetch_add(&tracked[i].incarnation, 1);
	}
	atomic_fetch_add(&n_built, 1);
}

static bool is_live(const struct sv_snapshot *s) {
	size_t i = find((uintptr_t)s, false);
	return i != TRACKED && atomic_load(&tracked[i].live) == 1;
}

void __wrap_sv_free(void *p) {
	if (p != NULL) {
		size_t i = find((uintptr_t)p, false);
		int was = 1;
		/* live 1 -> 0 once; an entry at 0 is another allocation that
		 * reuses a freed snapshot's address */
		if (i != TRACKED && atomic_compare_exchange_strong(
				&tracked[i].live, &was, 0)) {
			atomic_fetch_add(&n_freed, 1);
		}
	}
	__real_sv_free(p);
}

/*
 * Called by acquire between reading the current snapshot and counting its
 * reference (snapshot_holder.c, built with -DSV_SNAPSHOT_RACE_HOOK for
 * this test only). Every few calls the reader sleeps there, long enough for the
 * publisher to swap and for other readers to drop their references, and
 * then checks that the snapshot it read was neither freed nor replaced by
 * another at its address meanwhile: what a plain atomic pointer and
 * reference count allows, and this test then reports.
 */
void sv_snapshot_race_hook(const struct sv_snapshot *s) {
	static _Thread_local unsigned calls;
	/* 7: odd, so half the pauses fall in rounds where the reader holds
	 * no other reference (read_loop) */
	if (s == NULL || ++calls % 7 != 0) {
		return;
	}
	size_t i = find((uintptr_t)s, false);
	if (i == TRACKED) {
		problem("read a snapshot never built", 0);
		return;
	}
	long before = atomic_load(&tracked[i].incarnation);
	const struct timespec pause = { 0, 200 * 1000 };
	nanosleep(&pause, NULL);
	if (atomic_load(&tracked[i].live) != 1 ||
			atomic_load(&tracked[i].incarnation) != before) {
		problem("freed while a reader was taking its reference", 0);
	}
}

/* A snapshot of one provider whose IMAP host names its generation. */
static struct sv_snapshot *build(unsigned long long gen) {
	char host[64];
	snprintf(host, sizeof(host), "imap-%llu.example.net", gen);
	struct sv_provider *pv = sv_test_provider_new("example.net",
		"Example", "Example");
	assert_int_equal(sv_provider_add_domain(pv, "example.org"), SV_OK);
	const struct sv_test_server imap = { SV_SERVER_IMAP, host, 993,
		SV_SOCKET_SSL, "%EMAILADDRESS%",
		{ SV_AUTH_PASSWORD_CLEARTEXT }, 1, NULL };
	const struct sv_test_server smtp = { SV_SERVER_SMTP,
		"smtp.example.net", 465, SV_SOCKET_SSL, "%EMAILADDRESS%",
		{ SV_AUTH_PASSWORD_CLEARTEXT }, 1, NULL };
	sv_test_add_server(pv, &imap);
	sv_test_add_server(pv, &smtp);
	struct sv_provider **pvs = sv_calloc(1, sizeof(*pvs));
	assert_non_null(pvs);
	pvs[0] = pv;
	struct sv_err err = { "" };
	struct sv_snapshot *s = sv_snapshot_build(pvs, 1, gen, NULL, NULL,
		&err);
	assert_non_null(s);
	track(s);
	return s;
}

struct reader {
	pthread_t thread;
	struct sv_snapshot_holder *h;
	atomic_bool *stop;
	atomic_int *running;       /* readers past their first round */
	long rounds;
	unsigned long long newest; /* highest generation seen */
};

/* What a request does with its snapshot: an answer, checked. */
static void answer(const struct sv_snapshot *s, struct sv_buf *out) {
	unsigned long long gen = sv_snapshot_generation(s);
	const struct sv_answer_facts facts = {
		.domain = "example.org",
		.address = "jean@example.org",
		.local = "jean",
	};
	char want[64];
	const char *type = NULL;
	snprintf(want, sizeof(want), "imap-%llu.example.net", gen);
	sv_buf_reset(out);
	if (sv_snapshot_answer(s, SV_FORMAT_AUTOCONFIG, &facts, out, &type)
			!= SV_OK) {
		problem("no answer", gen);
	} else if (out->data == NULL || strstr(out->data, want) == NULL) {
		problem("an answer from another generation", gen);
	}
}

static void *read_loop(void *arg) {
	struct reader *r = arg;
	struct sv_snapshot *held = NULL;
	struct sv_buf out;
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	while (!atomic_load(r->stop)) {
		/* Every other round, a reader holds nothing when it acquires
		 * (a reference it holds would keep the snapshot alive
		 * whatever the holder does); otherwise it holds the previous
		 * one across the swaps in between. */
		if (r->rounds % 2 == 0) {
			sv_snapshot_release(held);
			held = NULL;
		}
		struct sv_snapshot *s = sv_snapshot_holder_acquire(r->h);
		if (s == NULL) {
			problem("nothing served", 0);
			break;
		}
		if (!is_live(s)) {
			problem("acquired a freed snapshot", 0);
			break; /* reading it would be a use after free */
		}
		unsigned long long gen = sv_snapshot_generation(s);
		if (gen < r->newest) {
			problem("an older snapshot after a newer one", gen);
		}
		r->newest = gen;
		answer(s, &out);
		/* the one held since the previous round is still intact */
		if (held != NULL && !is_live(held)) {
			problem("a held snapshot was freed", gen);
		}
		sv_snapshot_release(held);
		held = s;
		if (r->rounds++ == 0) {
			atomic_fetch_add(r->running, 1);
		}
	}
	sv_snapshot_release(held);
	sv_buf_finish(&out);
	return NULL;
}

static void test_swaps_under_readers(void **state) {
	(void)state;
	struct sv_snapshot_holder h;
	assert_int_equal(sv_snapshot_holder_init(&h), SV_OK);
	sv_snapshot_holder_publish(&h, build(1));
	atomic_bool stop;
	atomic_int running;
	atomic_init(&stop, false);
	atomic_init(&running, 0);
	struct reader readers[READERS];
	for (size_t i = 0; i < READERS; i++) {
		readers[i] = (struct reader){ .h = &h, .stop = &stop,
			.running = &running };
		assert_int_equal(pthread_create(&readers[i].thread, NULL,
			read_loop, &readers[i]), 0);
	}
	/* every reader in its loop before the swaps start */
	while (atomic_load(&running) < READERS &&
			atomic_load(&n_problems) == 0) {
		sched_yield();
	}
	for (unsigned long long gen = 2; gen <= SWAPS + 1; gen++) {
		sv_snapshot_holder_publish(&h, build(gen));
		if (gen % 16 == 0) {
			sched_yield(); /* let readers hold older ones */
		}
	}
	atomic_store(&stop, true);
	long rounds = 0;
	for (size_t i = 0; i < READERS; i++) {
		assert_int_equal(pthread_join(readers[i].thread, NULL), 0);
		rounds += readers[i].rounds;
	}
	/* only the current one is left, with the holder's reference */
	assert_int_equal(atomic_load(&n_built) - atomic_load(&n_freed), 1);
	sv_snapshot_holder_finish(&h);
	assert_int_equal(atomic_load(&n_problems), 0);
	assert_int_equal(atomic_load(&n_built), SWAPS + 1);
	assert_int_equal(atomic_load(&n_freed), SWAPS + 1);
	for (size_t i = 0; i < TRACKED; i++) {
		assert_int_equal(atomic_load(&tracked[i].live), 0);
	}
	printf("stress: %d readers, %ld acquires across %d swaps\n", READERS,
		rounds, SWAPS);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swaps_under_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
