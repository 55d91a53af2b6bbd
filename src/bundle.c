/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "bundle.h"
