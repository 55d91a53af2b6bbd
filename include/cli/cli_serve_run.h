/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_SERVE_RUN_H
#define SUIVANT_CLI_SERVE_RUN_H

#include <stdbool.h>

/*
 * The contract of src/cli/cli_serve_run.c: running `serve` once
 * cli_serve.c has parsed and checked its command line. Everything it is
 * given stays the caller's: cli_serve.c destroys the dataset once this
 * has returned and every reader of it has stopped.
 */

/*
 * `serve` once its options are parsed and checked (cli_serve.c): serves
 * the data of ds until SIGINT or SIGTERM, or with check_only loads it
 * and returns; drops to user when it is not NULL (started as root); runs
 * the web admin when admin is not NULL. An exit code.
 */
struct sv_config;
struct sv_privdrop_user;
struct sv_dataset;
struct sv_webadmin_config;
int sv_cli_serve_run(const struct sv_config *cfg, bool check_only,
	const struct sv_privdrop_user *user, struct sv_dataset *ds,
	struct sv_webadmin_config *admin);

#endif
