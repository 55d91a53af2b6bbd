/* SPDX-License-Identifier: MIT */
/*
 * FNV-1a (Fowler, Noll, Vo), 32-bit: one byte per xor and multiply, the
 * same value everywhere, forever. The table hash of the hot path is
 * inline in hash.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/hash.h"

#define FNV1A32_PRIME 16777619u

uint32_t sv_fnv1a32(uint32_t h, const void *p, size_t n) {
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * FNV1A32_PRIME;
	}
	return h;
}
