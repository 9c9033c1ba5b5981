/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The quantisation rule: how a model's prediction becomes the integer CDF
 * that rANS codes with. It exists once; every model kind, the encoder and
 * the decoder go through it.
 *
 * A model states its prediction as cumulative weights over the 256 byte
 * values, P(0) = 0 <= P(1) <= ... <= P(256) < 2^32 (weights of bytes below
 * s add up to P(s)). With M = 2^bits, the CDF is
 *
 *	C(s)   = s + floor(P(s) * (M - 256) / 2^32)	for 0 <= s < 256
 *	C(256) = M
 *
 * and byte s gets the range [C(s), C(s + 1)). The "+ s" gives every byte a
 * frequency of at least 1, so any byte can be coded; since P(256) < 2^32,
 * flooring loses less than one unit per byte plus M * (2^32 - P(256)) /
 * 2^32, and that remainder goes to byte 255. Only integer arithmetic is
 * used, so every CPU computes the same CDF.
 */
#ifndef NCMP_CDF_H
#define NCMP_CDF_H

#include <stdint.h>

#define CDF_BITS_MIN	12
#define CDF_BITS_MAX	16

/* M - 256: what P is scaled by. */
static inline uint32_t cdf_scale(unsigned int bits)
{
	return (1u << bits) - 256;
}

/*
 * C(s) for s < 256 from Q(s) = P(s) * cdf_scale(bits). Nothing is rounded
 * before the shift, so a model may fold the scale into its own weights and
 * get exactly the C(s) of cdf_point().
 */
static inline uint32_t cdf_point_q(uint64_t q, unsigned int s)
{
	return s + (uint32_t)(q >> 32);
}

/* C(s) for s < 256, from P(s) < 2^32. */
static inline uint32_t cdf_point(uint64_t p, unsigned int s, unsigned int bits)
{
	return cdf_point_q(p * cdf_scale(bits), s);
}

/*
 * cdf_from_weights() - the CDF of a model that gives each byte a weight
 * (a static order-0 model: bench/codec_rans, the rANS tests).
 * @w: 256 weights, any scale (all zero means uniform)
 * @bits: CDF_BITS_MIN..CDF_BITS_MAX
 * @cdf: out, C(0) .. C(256)
 */
void cdf_from_weights(const uint32_t w[256], unsigned int bits,
		      uint32_t cdf[257]);

#endif /* NCMP_CDF_H */
