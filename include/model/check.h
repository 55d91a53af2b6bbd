/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CHECK_H
#define SUIVANT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/err.h"

/*
 * What `suivant check` finds in a provider beyond the store's
 * constraints: the validator's verdict (sv_provider_validate), whether
 * the snapshot will serve it (sv_provider_check_servable), lints that
 * are legal but most likely mistakes (a port/socket pairing that
 * contradicts the port's registration, a server listed twice, a type
 * whose only servers are plain, plain servers published beside TLS
 * ones, a service over plain http or listed twice) and notices
 * (passwords over an unencrypted connection, plain servers left out of
 * the answers, plain-only types the admin publishes on purpose with
 * --publish-plaintext). Model layer: no
 * I/O, no state, thread-safe.
 */

enum sv_check_severity {
	SV_CHECK_ERROR,   /* the provider, or part of it, is not served */
	SV_CHECK_WARNING, /* served, but probably not what was meant */
	SV_CHECK_NOTICE,  /* deliberate-looking, worth knowing (passwords
	                   * over a plain connection: common, deprecated
	                   * by RFC 8314; a port/socket pairing a provider
	                   * is known to run on purpose) */
};

struct sv_check_problem {
	enum sv_check_severity severity;
	const char *provider;  /* borrowed from the provider checked */
	int64_t server;        /* the server's store id; 0 = not about one */
	const char *domain;    /* borrowed; NULL = not about one domain */
	char message[SV_ERR_MSG_MAX]; /* one line, names the field */
};

/* Called once per problem; p is valid during the call only. */
typedef void (*sv_check_report_fn)(const struct sv_check_problem *p,
	void *ctx);

/*
 * Reports every problem of pv through report, in a stable order
 * (provider-level, then servers, then services, in priority order), and
 * returns their
 * count. A provider that fails the validator gets that one error (its
 * other findings would rest on bad data) plus, when it has no domain,
 * what the rest of it holds.
 */
size_t sv_check_provider(const struct sv_provider *pv,
	sv_check_report_fn report, void *ctx);

/*
 * The port/socket lint for one TCP server (imap, pop3, smtp): false when
 * the pairing agrees with the port's registration or the port is not a
 * registered mail port; true with the reason written to msg (size n,
 * always NUL-terminated): "SSL on port 143, which is IMAP with STARTTLS
 * (IMAP over SSL is port 993)". Used by check and by `server add|set`,
 * which warn but store (a provider may really run that way).
 */
bool sv_check_port_socket(enum sv_server_type type, int port,
	enum sv_socket socket, char *msg, size_t n);

/*
 * sv_provider_validate, except that pv may have no domain yet (an admin
 * creates a provider before its domains): such a provider is validated
 * as if it had one domain ("*") that none of its servers is bound to, so
 * every other rule still applies. Callers make sure servers bound to a
 * domain name one of pv's.
 */
int sv_check_validate_draft(const struct sv_provider *pv,
	struct sv_err *err);

#endif
