/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_PACC_H
#define SUIVANT_RENDER_PACC_H

#include "answer/answer.h"
#include "model/model.h"
#include "util/err.h"

/*
 * The PACC document (model/pacc.h, pinned to SV_PACC_DRAFT) of
 * override_domain's view (NULL: the provider-wide view): JSON written by
 * jansson with its keys sorted and no white space, so that the same data
 * always gives the same bytes (the DNS TXT record holds their SHA-256).
 * Its only slot is %EMAILDOMAIN% as SV_SLOT_DOMAIN (an LDH name: nothing
 * to escape in a JSON string); nothing of a request but the domain it
 * resolved to can reach it.
 *
 *   {"authentication":{"oauth-public":{"issuer":"..."},"password":true},
 *    "info":{"help":{"documentation":"..."},
 *            "provider":{"name":"...","shortName":"..."}},
 *    "protocols":{"imap":{"host":"..."},"submit":{"host":"..."},
 *                 "caldav":{"url":"..."}}}
 *
 * SV_OK with *out an owned answer (sv_answer_destroy), or with *out NULL
 * when the provider cannot be said in PACC (sv_pacc_view's reason is
 * `suivant check`'s notice; the request gets 404); SV_ENOMEM. Pure.
 */
sv_answer_renderer sv_render_pacc;

#endif
