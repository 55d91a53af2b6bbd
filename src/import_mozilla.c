/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "import_mozilla.h"
