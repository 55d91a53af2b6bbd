/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "cli.h"
