/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_SHARED_H
#define SUIVANT_HTTP_SHARED_H

#include <stdbool.h>

#include <microhttpd.h>

#include "answer/answer.h"
#include "http/http_request.h" /* struct sv_http_call */
#include "snapshot/snapshot.h"

/*
 * Ready responses for answers that are the same for every request: a
 * compiled answer filled with a domain and no address, sent to a GET or a
 * HEAD with the headers sv_http_answer gives it (nosniff, its
 * Content-Type, Cache-Control public). The first such request makes the
 * MHD response and keeps it in the snapshot's slot of that answer
 * (sv_snapshot_kept_slot); the next ones for that domain queue it again,
 * as the fixed responses are: libmicrohttpd 0.9.75 counts a response's
 * references itself (a mutex of its own, taken by MHD_queue_response and
 * MHD_destroy_response, as for every response). No fill, no response
 * made or destroyed, no allocation per request.
 *
 * A slot keeps the responses of at most SV_HTTP_SHARED_DOMAINS domains
 * (one answer serves all the domains of its provider, and each fills its
 * own name into it), the snapshot at most SV_SNAPSHOT_KEPT_MAX bytes of
 * them; beyond that, and whenever one cannot be made (memory), requests
 * take the per-request path. They are freed with the snapshot, after its
 * last request: a response still being sent is MHD's until it is sent
 * (its own reference).
 */
#define SV_HTTP_SHARED_DOMAINS 8

/*
 * Queues the ready response of m's answer of format filled with facts
 * (domain only: the caller checked that the request is a GET or a HEAD
 * for an answer served unfilled, see sv_http_answer), making and keeping
 * it if it is the first; *ret is MHD's verdict. false when it did not
 * queue anything (no slot, the slot or the budget full, the answer could
 * not be made): the caller then answers as for any request.
 */
bool sv_http_shared_queue(const struct sv_http_call *call,
	const struct sv_snapshot_match *m, enum sv_format format,
	const struct sv_answer_facts *facts, enum MHD_Result *ret);

#endif
