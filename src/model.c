/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "model.h"
