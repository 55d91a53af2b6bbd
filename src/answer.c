/* SPDX-License-Identifier: MIT */
/* Not written yet. */
#include "answer.h"
