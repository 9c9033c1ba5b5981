/* SPDX-License-Identifier: GPL-2.0 */
/* hcm int8 matrix-vector kernels (internal to model_hcm*.c). */
#ifndef NCMP_MODEL_HCM_KERN_H
#define NCMP_MODEL_HCM_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include "model_hcm.h"

/* Longest input vector a layer may have. */
#define HCM_KERN_MAX_IN	(HCM_MAX_CTX * HCM_MAX_WIDTH)

/* y[j] = sum_i w[j * n_in + i] * x[i]; n_in a multiple of 16. */
typedef void (*hcm_gemv_fn)(const int8_t *w, const int8_t *x, int32_t *y,
			    uint32_t n_out, uint32_t n_in);

/* The kernel hcm_select_isa() chose; scalar until then. */
extern hcm_gemv_fn hcm_gemv;

enum hcm_isa hcm_current_isa(void);

#endif /* NCMP_MODEL_HCM_KERN_H */
