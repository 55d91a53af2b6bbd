/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HASH_H
#define SUIVANT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Non-cryptographic hashes, one of each kind (hash.c, and the inline one
 * below for the hot path).
 */

/*
 * 32-bit FNV-1a of p[0..n), continuing from h: start from SV_FNV1A32_INIT
 * and feed pieces in order (the result is the hash of their
 * concatenation). For values that must stay the same across versions and
 * machines (the Autodiscover Error Id of a host name) and small tables
 * keyed by a few bytes (connections per client address). Thread-safe.
 */
#define SV_FNV1A32_INIT 2166136261u
uint32_t sv_fnv1a32(uint32_t h, const void *p, size_t n);

/*
 * A fast non-cryptographic hash of s[0..n) for in-memory tables (the
 * snapshot's domain index and answer line pool, import's ids): eight
 * bytes per multiply instead of FNV-1a's one, then murmur3's 64-bit
 * finaliser so that the low bits (the table index) depend on every input
 * byte. Not for anything an attacker can aim at a fixed table: the tables
 * are built from the operator's data, and requests only look names up.
 */
static inline uint64_t sv_hash_bytes(const char *s, size_t n) {
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	if (n > 0) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#endif
