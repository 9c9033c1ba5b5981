// SPDX-License-Identifier: GPL-2.0
/*
 * hcm int8 kernels: y[j] = w[j] . x for int8 w and x, in scalar C, AVX2
 * and NEON. Products of two int8 fit in 15 bits and the sums in int32
 * without overflow for any n the model allows (n <= 2048), and no
 * instruction used saturates, so every path returns the same integers.
 */
#include <stdlib.h>
#include <string.h>

#include "model_hcm_kern.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HCM_HAVE_AVX2 1
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#define HCM_HAVE_NEON 1
#endif

static void gemv_scalar(const int8_t *w, const int8_t *x, int32_t *y,
			uint32_t n_out, uint32_t n_in)
{
	for (uint32_t j = 0; j < n_out; j++) {
		const int8_t *row = w + (size_t)j * n_in;
		int32_t acc = 0;

		for (uint32_t i = 0; i < n_in; i++)
			acc += row[i] * x[i];
		y[j] = acc;
	}
}

#ifdef HCM_HAVE_AVX2
__attribute__((target("avx2")))
static inline int32_t hsum_avx2(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* Sign-extend to 16 bits, then vpmaddwd: exact, never saturates. */
__attribute__((target("avx2")))
static void gemv_avx2(const int8_t *w, const int8_t *x, int32_t *y,
		      uint32_t n_out, uint32_t n_in)
{
	int16_t xs[HCM_KERN_MAX_IN] __attribute__((aligned(32)));

	for (uint32_t i = 0; i < n_in; i += 16)
		_mm256_store_si256((__m256i *)(xs + i), _mm256_cvtepi8_epi16(
			_mm_loadu_si128((const __m128i *)(x + i))));
	uint32_t j = 0;

	for (; j + 4 <= n_out; j += 4) {
		const int8_t *row = w + (size_t)j * n_in;
		__m256i acc[4];
		__m128i s;

		for (int r = 0; r < 4; r++)
			acc[r] = _mm256_setzero_si256();
		for (uint32_t i = 0; i < n_in; i += 16) {
			__m256i xv = _mm256_load_si256((const __m256i *)(xs + i));

			for (int r = 0; r < 4; r++) {
				__m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(
					(const __m128i *)(row + r * n_in + i)));

				acc[r] = _mm256_add_epi32(acc[r],
							  _mm256_madd_epi16(wv, xv));
			}
		}
		acc[0] = _mm256_hadd_epi32(acc[0], acc[1]);
		acc[2] = _mm256_hadd_epi32(acc[2], acc[3]);
		acc[0] = _mm256_hadd_epi32(acc[0], acc[2]);
		s = _mm_add_epi32(_mm256_castsi256_si128(acc[0]),
				  _mm256_extracti128_si256(acc[0], 1));
		_mm_storeu_si128((__m128i *)(y + j), s);
	}
	for (; j < n_out; j++) {
		const int8_t *row = w + (size_t)j * n_in;
		__m256i acc = _mm256_setzero_si256();

		for (uint32_t i = 0; i < n_in; i += 16) {
			__m256i wv = _mm256_cvtepi8_epi16(
				_mm_loadu_si128((const __m128i *)(row + i)));
			__m256i xv = _mm256_load_si256((const __m256i *)(xs + i));

			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(wv, xv));
		}
		y[j] = hsum_avx2(acc);
	}
}

static bool cpu_has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}
#endif

#ifdef HCM_HAVE_NEON
/* vmull_s8 gives exact 16-bit products; vpadalq_s16 widens as it adds. */
static void gemv_neon(const int8_t *w, const int8_t *x, int32_t *y,
		      uint32_t n_out, uint32_t n_in)
{
	for (uint32_t j = 0; j < n_out; j++) {
		const int8_t *row = w + (size_t)j * n_in;
		int32x4_t acc = vdupq_n_s32(0);

		for (uint32_t i = 0; i < n_in; i += 16) {
			int8x16_t wv = vld1q_s8(row + i);
			int8x16_t xv = vld1q_s8(x + i);

			acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(wv),
							vget_low_s8(xv)));
			acc = vpadalq_s16(acc, vmull_high_s8(wv, xv));
		}
		y[j] = vaddvq_s32(acc);
	}
}
#endif

static hcm_gemv_fn gemv_for(enum hcm_isa isa)
{
	switch (isa) {
#ifdef HCM_HAVE_AVX2
	case HCM_ISA_AVX2:
		return cpu_has_avx2() ? gemv_avx2 : NULL;
#endif
#ifdef HCM_HAVE_NEON
	case HCM_ISA_NEON:
		return gemv_neon;
#endif
	case HCM_ISA_SCALAR:
		return gemv_scalar;
	default:
		return NULL;
	}
}

static enum hcm_isa isa_from_env(void)
{
	const char *s = getenv("NCMP_ISA");

	if (!s)
		return HCM_ISA_AUTO;
	if (!strcmp(s, "scalar"))
		return HCM_ISA_SCALAR;
	if (!strcmp(s, "avx2"))
		return HCM_ISA_AVX2;
	if (!strcmp(s, "neon"))
		return HCM_ISA_NEON;
	return HCM_ISA_AUTO;
}

hcm_gemv_fn hcm_gemv = gemv_scalar;
static enum hcm_isa hcm_isa_cur = HCM_ISA_SCALAR;

enum hcm_isa hcm_select_isa(enum hcm_isa isa)
{
	static const enum hcm_isa best[] = {
		HCM_ISA_AVX2, HCM_ISA_NEON, HCM_ISA_SCALAR,
	};
	hcm_gemv_fn fn = NULL;

	if (isa == HCM_ISA_AUTO)
		isa = isa_from_env();
	if (isa != HCM_ISA_AUTO) {
		fn = gemv_for(isa);
	} else {
		for (size_t i = 0; !fn; i++) {
			isa = best[i];
			fn = gemv_for(isa);
		}
	}
	if (!fn) {
		isa = HCM_ISA_SCALAR;
		fn = gemv_scalar;
	}
	__atomic_store_n(&hcm_gemv, fn, __ATOMIC_RELAXED);
	__atomic_store_n(&hcm_isa_cur, isa, __ATOMIC_RELAXED);
	return isa;
}

enum hcm_isa hcm_current_isa(void)
{
	return __atomic_load_n(&hcm_isa_cur, __ATOMIC_RELAXED);
}

const char *hcm_isa_name(enum hcm_isa isa)
{
	switch (isa) {
	case HCM_ISA_SCALAR:
		return "scalar";
	case HCM_ISA_AVX2:
		return "avx2";
	case HCM_ISA_NEON:
		return "neon";
	default:
		return "auto";
	}
}
