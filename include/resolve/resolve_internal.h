/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RESOLVE_INTERNAL_H
#define SUIVANT_RESOLVE_INTERNAL_H

/*
 * Private to src/resolve/: the c-ares helpers that dns_query.c defines
 * and both it (the one-shot queries) and mx_resolver.c (the server's
 * resolver thread) drive their channels with. Internal because it hands
 * out c-ares' own types (ares_channel), which only these two files may
 * see (tests/lint.py, OWNERS).
 */

#include <poll.h>
#include <stdint.h>
#include <sys/select.h> /* ares.h needs fd_set and struct timeval */
#include <sys/time.h>

#include <ares.h>

#include "resolve/mx_cache.h"
#include "util/err.h"

/* ---- dns_query.c ---- */

/* CLOCK_MONOTONIC in milliseconds: deadlines and cache expiries. */
int64_t sv_dns_now_ms(void);
/* A --resolver value ("IP", "IP:PORT", "[IPv6]:PORT") into c-ares' form
 * in csv (64 bytes suffice); SV_EINVAL with the reason. */
int sv_dns_server_csv(const char *s, char *csv, size_t size,
	struct sv_err *err);
/* A channel on server (NULL: the system's) answering within timeout_ms;
 * SV_OK with *out (ares_destroy it), or SV_EINVAL / SV_EIO / SV_ENOMEM. */
int sv_dns_channel_open(const char *server, unsigned timeout_ms,
	ares_channel *out, struct sv_err *err);
/* An MX answer (c-ares' status and buffer) as hosts, most preferred
 * first, and how long to cache it. */
void sv_dns_read_answer(int status, const unsigned char *abuf, int alen,
	struct sv_mx_hosts *out, int64_t *ttl_ms);
/* The channel's sockets as poll(2) entries in fds (room for
 * ARES_GETSOCK_MAXNUM); returns the count. */
nfds_t sv_dns_ares_pollfds(ares_channel ch, struct pollfd *fds);
/* Lets c-ares read and write what poll(2) found ready, then run its
 * timeouts. */
void sv_dns_ares_handle(ares_channel ch, const struct pollfd *fds,
	nfds_t n);
/* c-ares' wait before its next retransmission, in ms, at most max. */
int sv_dns_ares_wait_ms(ares_channel ch, int max);

#endif
