/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "address.h"
