/* SPDX-License-Identifier: GPL-2.0 */
/* hcm int8 kernels (internal to model_hcm*.c). */
#ifndef NCMP_MODEL_HCM_KERN_H
#define NCMP_MODEL_HCM_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include "model_hcm.h"

/* Longest input vector a layer may have. */
#define HCM_KERN_MAX_IN	(HCM_MAX_CTX * HCM_MAX_WIDTH)

/* (acc + 2^(s-1)) >> s: round half up, as the Python reference does. */
static inline int32_t hcm_round_shift(int32_t acc, uint32_t s)
{
	return (acc + (1 << (s - 1))) >> s;
}

/*
 * A bit counter: a 22-bit probability of a 1 above a 10-bit count n; the
 * step after n updates is rate[n] / 65536, and n stops at HCM_CTR_LIMIT.
 */
#define HCM_CTR_LIMIT	255

static inline uint32_t hcm_ctr_next(uint32_t v, uint32_t bit,
				    const uint32_t *rate)
{
	uint32_t n = v & 1023;
	int64_t p = v >> 10;

	p += ((((int64_t)bit << 22) - p) * rate[n]) >> 16;
	if (n < HCM_CTR_LIMIT)
		n++;
	return (uint32_t)p << 10 | n;
}

/* The mixer's learning rate: w += (x * err) >> HCM_MIX_SHIFT. */
#define HCM_MIX_SHIFT	13

/* One set of kernels; every set returns the same integers. */
struct hcm_kernels {
	/*
	 * A dense layer: y[j] = clamp(round_shift(b[j] + w[j] . x), 0, 127).
	 * @x_signed: x may hold any int8 (embeddings); otherwise it is an
	 * activation in 0..127.
	 */
	void (*layer)(const struct hcm_layer *ly, const int8_t *x,
		      bool x_signed, int8_t *y);
	/* w . x for an activation x in 0..127; n a multiple of 16. */
	int32_t (*dot_u7)(const int8_t *w, const int8_t *x, uint32_t n);
	/* The mixer over all HCM_NIN inputs (unused ones are 0): x . w ... */
	int64_t (*mix_dot)(const int32_t *x, const int32_t *w);
	/* ... and its update, w[i] += (x[i] * err) >> HCM_MIX_SHIFT. */
	void (*mix_update)(int32_t *w, const int32_t *x, int32_t err);
	/*
	 * The counters of node @node in the buckets @slot[0..n): their
	 * addresses to @cp, values to @cv and stretch(p) to @in.
	 */
	void (*ctr_fetch)(uint32_t *const *slot, uint32_t node, uint32_t n,
			  const int32_t *stretch, uint32_t **cp, uint32_t *cv,
			  int32_t *in);
	/* *cp[k] = hcm_ctr_next(cv[k], bit, rate) for k < n. */
	void (*ctr_update)(uint32_t *const *cp, const uint32_t *cv, uint32_t n,
			   uint32_t bit, const uint32_t *rate);
};

/* The kernels hcm_select_isa() chose; scalar until then. */
extern const struct hcm_kernels *hcm_kern;

enum hcm_isa hcm_current_isa(void);

#endif /* NCMP_MODEL_HCM_KERN_H */
