/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_MODEL_VALIDATE_SERVER_H
#define SUIVANT_MODEL_VALIDATE_SERVER_H

/*
 * The rules for one server of a provider (model_validate_server.c), which
 * the validator (model_validate.c, model.h) applies to each; not part of
 * the model API.
 */
#include <stddef.h>

#include "model/model.h"
#include "util/err.h"

/* pv->servers[i]: SV_OK, or SV_EINVAL with a message naming the server
 * ("server 2 (smtp): port: 0 is not in 1..65535"). */
int model_check_server(const struct sv_provider *pv, size_t i,
	struct sv_err *err);

#endif
