/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_DNS_CHECK_H
#define SUIVANT_CLI_DNS_CHECK_H

#include <stdbool.h>

/*
 * The contract of src/cli/cli_dns_check.c: `suivant dns check`'s
 * comparison of a zone with what a resolver publishes, for cli_dns.c.
 * The zone stays the caller's.
 */

/*
 * `suivant dns check`'s comparison: asks resolver
 * ("IP[:PORT]") for each name and type of z, prints a line per record
 * (or JSON) and returns the exit code: 0 all published, 65 any missing
 * or different, 69 when the server did not answer, 64 / 71 when it
 * cannot be asked.
 */
struct sv_dns_zone;
int sv_cli_dns_check(const struct sv_dns_zone *z, const char *resolver,
	bool json);

#endif
