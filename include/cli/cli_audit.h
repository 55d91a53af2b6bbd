/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_AUDIT_H
#define SUIVANT_CLI_AUDIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The contract of src/cli/cli_audit.c beyond its command (cli.h): the
 * time format of `audit` that other commands print too, into the
 * caller's buffer.
 */

/* Unix time t as "2026-11-22T04:06:54Z" (UTC) into out. */
void sv_cli_utc_time(int64_t t, char *out, size_t size);

#endif
