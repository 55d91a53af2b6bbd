/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "placeholder.h"
