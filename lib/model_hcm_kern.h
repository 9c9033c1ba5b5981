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
	/*
	 * The two mixers over all HCM_NIN inputs (unused ones are 0):
	 * dot[m] = x . w<m> ...
	 */
	void (*mix_dot)(const int32_t *x, const int32_t *w0, const int32_t *w1,
			int64_t *dot);
	/* ... and their update, w<m>[i] += (x[i] * err<m>) >> HCM_MIX_SHIFT. */
	void (*mix_update)(int32_t *w0, int32_t *w1, const int32_t *x,
			   int32_t err0, int32_t err1);
};

/* The kernels hcm_select_isa() chose; scalar until then. */
extern const struct hcm_kernels *hcm_kern;

enum hcm_isa hcm_current_isa(void);

#endif /* NCMP_MODEL_HCM_KERN_H */
