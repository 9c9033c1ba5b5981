/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tests of lib/wire: a seeded PRNG, so that every
 * "random" test is reproducible from its seed.
 */
#ifndef NCMP_CHECK_WIRE_H
#define NCMP_CHECK_WIRE_H

#include <stdint.h>

/* xorshift64*: small, fast, good enough to pick test cases */
static inline uint32_t test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static inline uint64_t test_seed(uint64_t seed)
{
	return seed * 0x9e3779b97f4a7c15ULL | 1;
}

#endif /* NCMP_CHECK_WIRE_H */
