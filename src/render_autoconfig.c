/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "render_autoconfig.h"
