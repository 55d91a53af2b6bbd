/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_PROVIDER_SHOW_H
#define SUIVANT_CLI_PROVIDER_SHOW_H

#include <stdbool.h>

struct sv_provider;

/*
 * The contract of src/cli/cli_provider_show.c: `provider show`'s output,
 * for cli_provider.c. The provider is borrowed.
 */

/* Prints pv for `provider show`; an exit code. */
int sv_cli_provider_show_print(const struct sv_provider *pv, bool json);

#endif
