/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "snapshot.h"
