/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "http.h"
