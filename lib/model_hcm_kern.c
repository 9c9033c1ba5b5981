// SPDX-License-Identifier: GPL-2.0
/*
 * hcm int8 kernels: dense layers (y = w . x, requantised to 0..127), the
 * head's dot products and the adaptive stage's vector parts, in scalar C,
 * AVX2, AVX-VNNI and NEON. Products of two int8
 * fit in 15 bits and the sums in int32 without overflow for any n the
 * model allows (n <= 2048), and no instruction used saturates on the
 * values it is given, so every path returns the same integers.
 */
#include <stdlib.h>
#include <string.h>

#include "model_hcm_kern.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
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

static void requant_scalar(const struct hcm_layer *ly, const int32_t *acc,
			   int8_t *y)
{
	for (uint32_t j = 0; j < ly->n_out; j++) {
		int32_t v = hcm_round_shift(acc[j] + ly->b[j], ly->shift);

		y[j] = (int8_t)(v < 0 ? 0 : v > 127 ? 127 : v);
	}
}

static void layer_scalar(const struct hcm_layer *ly, const int8_t *x,
			 bool x_signed, int8_t *y)
{
	int32_t acc[HCM_MAX_WIDTH];

	(void)x_signed;
	gemv_scalar(ly->w, x, acc, ly->n_out, ly->n_in);
	requant_scalar(ly, acc, y);
}

static int32_t dot_scalar(const int8_t *w, const int8_t *x, uint32_t n)
{
	int32_t acc;

	gemv_scalar(w, x, &acc, 1, n);
	return acc;
}

static void mix_dot_scalar(const int32_t *x, const int32_t *w0,
			   const int32_t *w1, int64_t *dot)
{
	dot[0] = 0;
	dot[1] = 0;
	for (uint32_t i = 0; i < HCM_NIN; i++) {
		dot[0] += (int64_t)x[i] * w0[i];
		dot[1] += (int64_t)x[i] * w1[i];
	}
}

static void mix_update_scalar(int32_t *w0, int32_t *w1, const int32_t *x,
			      int32_t err0, int32_t err1)
{
	for (uint32_t i = 0; i < HCM_NIN; i++) {
		w0[i] += (x[i] * err0) >> HCM_MIX_SHIFT;
		w1[i] += (x[i] * err1) >> HCM_MIX_SHIFT;
	}
}

static const struct hcm_kernels kern_scalar = {
	.layer = layer_scalar,
	.dot_u7 = dot_scalar,
	.mix_dot = mix_dot_scalar,
	.mix_update = mix_update_scalar,
};

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

/* The four sums of four accumulators, in order. */
__attribute__((target("avx2")))
static inline __m128i hsum4_avx2(__m256i a0, __m256i a1, __m256i a2,
				 __m256i a3)
{
	a0 = _mm256_hadd_epi32(a0, a1);
	a2 = _mm256_hadd_epi32(a2, a3);
	a0 = _mm256_hadd_epi32(a0, a2);
	return _mm_add_epi32(_mm256_castsi256_si128(a0),
			     _mm256_extracti128_si256(a0, 1));
}

/*
 * Any int8 x and w: sign-extend both to 16 bits, then vpmaddwd (exact).
 * Only for a first layer whose weights hold -128.
 */
__attribute__((target("avx2")))
static void gemv_wide_avx2(const int8_t *w, const int8_t *x, int32_t *y,
			   uint32_t n_out, uint32_t n_in)
{
	int16_t xs[HCM_KERN_MAX_IN] __attribute__((aligned(32)));

	for (uint32_t i = 0; i < n_in; i += 16)
		_mm256_store_si256((__m256i *)(xs + i), _mm256_cvtepi8_epi16(
			_mm_loadu_si128((const __m128i *)(x + i))));
	for (uint32_t j = 0; j < n_out; j++) {
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

/* 32 bytes at @p, or 16 and zeros when only 16 are left. */
__attribute__((target("avx2")))
static inline __m256i load32_avx2(const int8_t *p, uint32_t left)
{
	if (left >= 32)
		return _mm256_loadu_si256((const __m256i *)p);
	return _mm256_inserti128_si256(_mm256_setzero_si256(),
				       _mm_loadu_si128((const __m128i *)p), 0);
}

/*
 * acc += w . x over 32 bytes with vpmaddubsw (u8 x s8, pairs added to s16
 * with saturation) and vpmaddwd by ones. With one factor at most 127 in
 * magnitude and the other at most 128, a pair is at most 32512: it never
 * saturates. Activations (0..127) go in as they are; signed embeddings as
 * |x| with their sign moved onto w (vpsignb), which needs w != -128.
 */
__attribute__((target("avx2")))
static inline __m256i mac_avx2(__m256i acc, __m256i x, __m256i w, bool sign)
{
	__m256i xu = x;

	if (sign) {
		xu = _mm256_abs_epi8(x);
		w = _mm256_sign_epi8(w, x);
	}
	return _mm256_add_epi32(acc, _mm256_madd_epi16(
		_mm256_maddubs_epi16(xu, w), _mm256_set1_epi16(1)));
}

/* Eight rows of w (@r, rows @n apart) against 32 bytes of x. */
__attribute__((target("avx2"), always_inline))
static inline void mac8_avx2(__m256i *a, __m256i x, const int8_t *r,
			     uint32_t n, uint32_t left, bool sign)
{
	a[0] = mac_avx2(a[0], x, load32_avx2(r, left), sign);
	a[1] = mac_avx2(a[1], x, load32_avx2(r + n, left), sign);
	a[2] = mac_avx2(a[2], x, load32_avx2(r + 2 * n, left), sign);
	a[3] = mac_avx2(a[3], x, load32_avx2(r + 3 * n, left), sign);
	a[4] = mac_avx2(a[4], x, load32_avx2(r + 4 * n, left), sign);
	a[5] = mac_avx2(a[5], x, load32_avx2(r + 5 * n, left), sign);
	a[6] = mac_avx2(a[6], x, load32_avx2(r + 6 * n, left), sign);
	a[7] = mac_avx2(a[7], x, load32_avx2(r + 7 * n, left), sign);
}

/* y = w . x, eight rows at a time; see mac_avx2() for @sign. */
__attribute__((target("avx2"), always_inline))
static inline void gemv_u8_avx2(const int8_t *w, const int8_t *x, int32_t *y,
				uint32_t n_out, uint32_t n_in, bool sign)
{
	for (uint32_t j = 0; j < n_out; j += 8) {
		const int8_t *r = w + (size_t)j * n_in;
		__m256i a[8];
		uint32_t i;

		for (int k = 0; k < 8; k++)
			a[k] = _mm256_setzero_si256();
		for (i = 0; i + 32 <= n_in; i += 32)
			mac8_avx2(a, _mm256_loadu_si256((const __m256i *)(x + i)),
				  r + i, n_in, 32, sign);
		if (i < n_in)
			mac8_avx2(a, load32_avx2(x + i, 16), r + i, n_in, 16,
				  sign);
		_mm_storeu_si128((__m128i *)(y + j),
				 hsum4_avx2(a[0], a[1], a[2], a[3]));
		_mm_storeu_si128((__m128i *)(y + j + 4),
				 hsum4_avx2(a[4], a[5], a[6], a[7]));
	}
}

/* Bias, rounding shift, and saturating packs clamp to 0..127, 16 at a time. */
__attribute__((target("avx2")))
static void requant_avx2(const struct hcm_layer *ly, const int32_t *acc,
			 int8_t *y)
{
	__m256i rnd = _mm256_set1_epi32(1 << (ly->shift - 1));
	__m128i cnt = _mm_cvtsi32_si128((int)ly->shift);

	for (uint32_t j = 0; j < ly->n_out; j += 16) {
		__m256i v[2], p;
		__m128i q;

		for (int k = 0; k < 2; k++) {
			v[k] = _mm256_add_epi32(
				_mm256_loadu_si256((const __m256i *)(acc + j + 8 * k)),
				_mm256_loadu_si256((const __m256i *)(ly->b + j + 8 * k)));
			v[k] = _mm256_sra_epi32(_mm256_add_epi32(v[k], rnd), cnt);
		}
		p = _mm256_permute4x64_epi64(_mm256_packs_epi32(v[0], v[1]), 0xd8);
		q = _mm_packs_epi16(_mm256_castsi256_si128(p),
				    _mm256_extracti128_si256(p, 1));
		_mm_storeu_si128((__m128i *)(y + j),
				 _mm_max_epi8(q, _mm_setzero_si128()));
	}
}

__attribute__((target("avx2")))
static void layer_avx2(const struct hcm_layer *ly, const int8_t *x,
		       bool x_signed, int8_t *y)
{
	int32_t acc[HCM_MAX_WIDTH] __attribute__((aligned(32)));

	if (!x_signed)
		gemv_u8_avx2(ly->w, x, acc, ly->n_out, ly->n_in, false);
	else if (ly->w_s7)
		gemv_u8_avx2(ly->w, x, acc, ly->n_out, ly->n_in, true);
	else
		gemv_wide_avx2(ly->w, x, acc, ly->n_out, ly->n_in);
	requant_avx2(ly, acc, y);
}

__attribute__((target("avx2")))
static int32_t dot_u7_avx2(const int8_t *w, const int8_t *x, uint32_t n)
{
	__m256i acc = _mm256_setzero_si256();

	for (uint32_t i = 0; i < n; i += 32)
		acc = mac_avx2(acc, load32_avx2(x + i, n - i),
			       load32_avx2(w + i, n - i), false);
	return hsum_avx2(acc);
}

/* 32 x 32 -> 64-bit products of the even, then the odd lanes. */
__attribute__((target("avx2")))
static inline __m256i mix_acc_avx2(__m256i acc, __m256i xv, const int32_t *w)
{
	__m256i wv = _mm256_loadu_si256((const __m256i *)w);

	acc = _mm256_add_epi64(acc, _mm256_mul_epi32(xv, wv));
	return _mm256_add_epi64(acc, _mm256_mul_epi32(_mm256_srli_epi64(xv, 32),
						      _mm256_srli_epi64(wv, 32)));
}

__attribute__((target("avx2")))
static void mix_dot_avx2(const int32_t *x, const int32_t *w0,
			 const int32_t *w1, int64_t *dot)
{
	__m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
	__m256i lo, hi;

	for (uint32_t i = 0; i < HCM_NIN; i += 8) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + i));

		a0 = mix_acc_avx2(a0, xv, w0 + i);
		a1 = mix_acc_avx2(a1, xv, w1 + i);
	}
	/* lanes: a0 = {p, q, r, s}, a1 = {t, u, v, w}; add the pairs */
	lo = _mm256_unpacklo_epi64(a0, a1);
	hi = _mm256_unpackhi_epi64(a0, a1);
	lo = _mm256_add_epi64(lo, hi);
	_mm_storeu_si128((__m128i *)dot,
			 _mm_add_epi64(_mm256_castsi256_si128(lo),
				       _mm256_extracti128_si256(lo, 1)));
}

__attribute__((target("avx2")))
static inline void mix_step_avx2(int32_t *w, __m256i xv, __m256i e)
{
	__m256i d = _mm256_srai_epi32(_mm256_mullo_epi32(xv, e), HCM_MIX_SHIFT);

	_mm256_storeu_si256((__m256i *)w,
			    _mm256_add_epi32(_mm256_loadu_si256((__m256i *)w), d));
}

__attribute__((target("avx2")))
static void mix_update_avx2(int32_t *w0, int32_t *w1, const int32_t *x,
			    int32_t err0, int32_t err1)
{
	__m256i e0 = _mm256_set1_epi32(err0), e1 = _mm256_set1_epi32(err1);

	for (uint32_t i = 0; i < HCM_NIN; i += 8) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + i));

		mix_step_avx2(w0 + i, xv, e0);
		mix_step_avx2(w1 + i, xv, e1);
	}
}

static const struct hcm_kernels kern_avx2 = {
	.layer = layer_avx2,
	.dot_u7 = dot_u7_avx2,
	.mix_dot = mix_dot_avx2,
	.mix_update = mix_update_avx2,
};

static bool cpu_has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

/*
 * AVX-VNNI: vpdpbusd adds four u8 x s8 products to an int32 lane without
 * saturating, so any int8 x goes in as x + 128 (u8), and the layer
 * subtracts 128 times each row's weight sum (hcm_layer_prepare()).
 */
__attribute__((target("avx2,avxvnni"), always_inline))
static inline void dp8_vnni(__m256i *a, __m256i x, const int8_t *r,
			    uint32_t n, uint32_t left)
{
	a[0] = _mm256_dpbusd_avx_epi32(a[0], x, load32_avx2(r, left));
	a[1] = _mm256_dpbusd_avx_epi32(a[1], x, load32_avx2(r + n, left));
	a[2] = _mm256_dpbusd_avx_epi32(a[2], x, load32_avx2(r + 2 * n, left));
	a[3] = _mm256_dpbusd_avx_epi32(a[3], x, load32_avx2(r + 3 * n, left));
	a[4] = _mm256_dpbusd_avx_epi32(a[4], x, load32_avx2(r + 4 * n, left));
	a[5] = _mm256_dpbusd_avx_epi32(a[5], x, load32_avx2(r + 5 * n, left));
	a[6] = _mm256_dpbusd_avx_epi32(a[6], x, load32_avx2(r + 6 * n, left));
	a[7] = _mm256_dpbusd_avx_epi32(a[7], x, load32_avx2(r + 7 * n, left));
}

__attribute__((target("avx2,avxvnni")))
static void layer_vnni(const struct hcm_layer *ly, const int8_t *x,
		       bool x_signed, int8_t *y)
{
	int32_t acc[HCM_MAX_WIDTH] __attribute__((aligned(32)));
	__m256i off = _mm256_set1_epi8(x_signed ? -128 : 0);
	uint32_t n_in = ly->n_in;

	for (uint32_t j = 0; j < ly->n_out; j += 8) {
		const int8_t *r = ly->w + (size_t)j * n_in;
		__m256i a[8], s;
		uint32_t i;

		for (int k = 0; k < 8; k++)
			a[k] = _mm256_setzero_si256();
		for (i = 0; i + 32 <= n_in; i += 32)
			dp8_vnni(a, _mm256_xor_si256(off, _mm256_loadu_si256(
				(const __m256i *)(x + i))), r + i, n_in, 32);
		if (i < n_in)
			dp8_vnni(a, _mm256_xor_si256(off, load32_avx2(x + i, 16)),
				 r + i, n_in, 16);
		s = _mm256_set_m128i(hsum4_avx2(a[4], a[5], a[6], a[7]),
				     hsum4_avx2(a[0], a[1], a[2], a[3]));
		if (x_signed)
			s = _mm256_sub_epi32(s, _mm256_slli_epi32(_mm256_loadu_si256(
				(const __m256i *)(ly->w_sum + j)), 7));
		_mm256_store_si256((__m256i *)(acc + j), s);
	}
	requant_avx2(ly, acc, y);
}

__attribute__((target("avx2,avxvnni")))
static int32_t dot_u7_vnni(const int8_t *w, const int8_t *x, uint32_t n)
{
	__m256i acc = _mm256_setzero_si256();

	for (uint32_t i = 0; i < n; i += 32)
		acc = _mm256_dpbusd_avx_epi32(acc, load32_avx2(x + i, n - i),
					      load32_avx2(w + i, n - i));
	return hsum_avx2(acc);
}

static const struct hcm_kernels kern_vnni = {
	.layer = layer_vnni,
	.dot_u7 = dot_u7_vnni,
	.mix_dot = mix_dot_avx2,
	.mix_update = mix_update_avx2,
};

/* AVX-VNNI is CPUID leaf 7, subleaf 1, EAX bit 4. */
static bool cpu_has_avxvnni(void)
{
	unsigned int a, b, c, d;

	return cpu_has_avx2() && __get_cpuid_count(7, 1, &a, &b, &c, &d) &&
	       (a >> 4 & 1);
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

static void layer_neon(const struct hcm_layer *ly, const int8_t *x,
		       bool x_signed, int8_t *y)
{
	int32_t acc[HCM_MAX_WIDTH];

	(void)x_signed;
	gemv_neon(ly->w, x, acc, ly->n_out, ly->n_in);
	requant_scalar(ly, acc, y);
}

static int32_t dot_neon(const int8_t *w, const int8_t *x, uint32_t n)
{
	int32_t acc;

	gemv_neon(w, x, &acc, 1, n);
	return acc;
}

static const struct hcm_kernels kern_neon = {
	.layer = layer_neon,
	.dot_u7 = dot_neon,
	.mix_dot = mix_dot_scalar,
	.mix_update = mix_update_scalar,
};
#endif

static const struct hcm_kernels *kernels_for(enum hcm_isa isa)
{
	switch (isa) {
#ifdef HCM_HAVE_AVX2
	case HCM_ISA_AVX2:
		return cpu_has_avx2() ? &kern_avx2 : NULL;
	case HCM_ISA_AVXVNNI:
		return cpu_has_avxvnni() ? &kern_vnni : NULL;
#endif
#ifdef HCM_HAVE_NEON
	case HCM_ISA_NEON:
		return &kern_neon;
#endif
	case HCM_ISA_SCALAR:
		return &kern_scalar;
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
	if (!strcmp(s, "avxvnni"))
		return HCM_ISA_AVXVNNI;
	if (!strcmp(s, "neon"))
		return HCM_ISA_NEON;
	return HCM_ISA_AUTO;
}

const struct hcm_kernels *hcm_kern = &kern_scalar;
static enum hcm_isa hcm_isa_cur = HCM_ISA_SCALAR;

enum hcm_isa hcm_select_isa(enum hcm_isa isa)
{
	static const enum hcm_isa best[] = {
		HCM_ISA_AVXVNNI, HCM_ISA_AVX2, HCM_ISA_NEON, HCM_ISA_SCALAR,
	};
	const struct hcm_kernels *k = NULL;

	if (isa == HCM_ISA_AUTO)
		isa = isa_from_env();
	if (isa != HCM_ISA_AUTO) {
		k = kernels_for(isa);
	} else {
		for (size_t i = 0; !k; i++) {
			isa = best[i];
			k = kernels_for(isa);
		}
	}
	if (!k) {
		isa = HCM_ISA_SCALAR;
		k = &kern_scalar;
	}
	__atomic_store_n(&hcm_kern, k, __ATOMIC_RELAXED);
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
	case HCM_ISA_AVXVNNI:
		return "avxvnni";
	case HCM_ISA_NEON:
		return "neon";
	default:
		return "auto";
	}
}
