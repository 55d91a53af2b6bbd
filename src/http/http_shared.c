/* SPDX-License-Identifier: MIT */
/*
 * Ready responses kept per compiled answer (http/http_shared.h): a list
 * per snapshot slot, newest first, that only grows (by compare-and-swap)
 * until the snapshot is freed, so readers walk it without a lock.
 */
#include <stdatomic.h>
#include <string.h>

#include "http/http_shared.h"
#include "http/http_response.h"
#include "util/alloc.h"
#include "util/buf.h"

/* What libmicrohttpd allocates for a response and its three headers,
 * about: charged to the snapshot's budget beside our own bytes. */
#define MHD_RESPONSE_BYTES 512

struct shared {
	struct shared *next;       /* older, or NULL */
	unsigned depth;            /* entries from this one to the end */
	struct MHD_Response *resp; /* our reference */
	size_t len;                /* body bytes, for the access line */
	char domain[];             /* the domain filled in */
};

/* The snapshot's free function of its slots: a whole list. */
static void shared_free(void *obj) {
	for (struct shared *n = obj, *next; n != NULL; n = next) {
		next = n->next;
		MHD_destroy_response(n->resp); /* MHD frees it after the last
			* connection sending it is done */
		sv_free(n);
	}
}

static struct shared *find(struct shared *n, const char *domain) {
	for (; n != NULL; n = n->next) {
		if (strcmp(n->domain, domain) == 0) {
			return n;
		}
	}
	return NULL;
}

/* A new entry for facts->domain, its response made from m's answer of
 * format; NULL when the answer cannot be made or memory is short. */
static struct shared *make(struct sv_snapshot *s,
		const struct sv_snapshot_match *m, enum sv_format format,
		const struct sv_answer_facts *facts) {
	struct sv_buf out;
	const char *content_type = NULL;
	sv_buf_init(&out, SV_HTTP_MAX_ANSWER);
	size_t dlen = strlen(facts->domain);
	struct shared *n = NULL;
	char *bytes = NULL;
	size_t len = 0;
	if (sv_snapshot_answer_of(m, format, facts, &out, &content_type) !=
			SV_OK || content_type == NULL ||
			(bytes = sv_buf_take(&out, &len)) == NULL ||
			!sv_snapshot_kept_charge(s, sizeof(*n) + dlen + 1 +
				len + MHD_RESPONSE_BYTES) ||
			(n = sv_malloc(sizeof(*n) + dlen + 1)) == NULL) {
		sv_free(bytes);
		sv_buf_finish(&out);
		return NULL;
	}
	n->resp = MHD_create_response_from_buffer_with_free_callback(len,
		bytes, sv_free);
	if (n->resp == NULL) {
		sv_free(bytes);
		sv_free(n);
		return NULL;
	}
	if (sv_http_add_headers(n->resp, content_type, NULL,
			SV_HTTP_CACHE_PUBLIC) != SV_OK) {
		MHD_destroy_response(n->resp); /* frees bytes */
		sv_free(n);
		return NULL;
	}
	n->len = len;
	memcpy(n->domain, facts->domain, dlen + 1);
	return n;
}

/*
 * Adds mine to the list in slot, whose head was head, unless another
 * thread added the same domain meanwhile (then mine is freed and theirs
 * returned) or the list is full (NULL: mine is the caller's). A freed or
 * refused entry's bytes stay charged: races are few, the budget a bound.
 */
static struct shared *publish(_Atomic(void *) *slot, struct shared *head,
		struct shared *mine) {
	void *seen = head;
	for (;;) {
		struct shared *old = seen;
		mine->next = old;
		mine->depth = old != NULL ? old->depth + 1 : 1;
		if (mine->depth > SV_HTTP_SHARED_DOMAINS) {
			mine->next = NULL;
			return NULL;
		}
		if (atomic_compare_exchange_strong(slot, &seen, mine)) {
			return mine;
		}
		/* seen: the new head, whose entries may hold this domain */
		struct shared *theirs = find(seen, mine->domain);
		if (theirs != NULL) {
			mine->next = NULL;
			shared_free(mine);
			return theirs;
		}
	}
}

bool sv_http_shared_queue(const struct sv_http_call *call,
		const struct sv_snapshot_match *m, enum sv_format format,
		const struct sv_answer_facts *facts, enum MHD_Result *ret) {
	struct sv_snapshot *s = call->r->snap;
	_Atomic(void *) *slot = sv_snapshot_kept_slot(s, m, format,
		shared_free);
	if (slot == NULL) {
		return false;
	}
	struct shared *head = atomic_load(slot);
	struct shared *n = find(head, facts->domain);
	if (n == NULL) {
		if (head != NULL && head->depth >= SV_HTTP_SHARED_DOMAINS) {
			return false;
		}
		struct shared *mine = make(s, m, format, facts);
		if (mine == NULL) {
			return false;
		}
		n = publish(slot, head, mine);
		if (n == NULL) { /* filled meanwhile: mine serves this once */
			*ret = sv_http_queue(call, MHD_HTTP_OK, mine->resp,
				mine->len);
			shared_free(mine);
			return true;
		}
	}
	*ret = sv_http_queue(call, MHD_HTTP_OK, n->resp, n->len);
	return true;
}
