/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_WELLKNOWN_H
#define SUIVANT_RENDER_WELLKNOWN_H

#include "answer/answer.h"
#include "model/model.h"
#include "util/err.h"

/* What the answer's bytes are: one URI (RFC 2483). */
#define SV_WELLKNOWN_CONTENT_TYPE "text/uri-list"

/*
 * The target of the RFC 6764 redirects /.well-known/caldav and
 * /.well-known/carddav: the bare context (model/service_url.h) of the
 * preferred caldav or carddav service that override_domain gets
 * (sv_provider_services_for; NULL: the provider-wide view), compiled into
 * an answer whose only slot is %EMAILDOMAIN% as SV_SLOT_DOMAIN: the
 * domain the request resolved to, a normalised LDH name. Every other
 * byte is the stored URL's, so a request can put nothing of its own in
 * the Location header the answer becomes (http_answer.c). A service that
 * needs an address is cut before it ("https://dav.%EMAILDOMAIN%/cal/
 * %EMAILADDRESS%/" gives "https://dav.example.fr/cal/"), never
 * half-expanded.
 *
 * SV_OK with *out an owned answer (sv_answer_destroy), or with *out NULL
 * when there is no such service (the request then gets 404); SV_EINVAL
 * for a service URL the validator would refuse, SV_ENOMEM. Pure.
 */
sv_answer_renderer sv_render_caldav_location;
sv_answer_renderer sv_render_carddav_location;

#endif
