/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "store.h"
