// SPDX-License-Identifier: GPL-2.0
/*
 * The rANS coder and the CDF quantisation rule, with static models: round
 * trips on random and adversarial distributions at every precision, and a
 * decoder fed damaged or short input.
 */
#include "check_codec.h"
#include "cdf.h"
#include "rans.h"

/* The byte s with cdf[s] <= slot < cdf[s + 1], for slot < cdf[256]. */
static unsigned int cdf_find(const uint32_t *cdf, uint32_t slot)
{
	unsigned int lo = 0, hi = 256, mid;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (cdf[mid] <= slot)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Code @n symbols with one fixed CDF; decode and compare. */
static size_t round_trip(const uint8_t *sym, size_t n, const uint32_t *cdf,
			 unsigned int bits, unsigned int lanes)
{
	size_t cap = RANS_BOUND(n) + RANS_FLUSH * lanes;
	uint8_t *buf = malloc(cap), *p = buf + cap, *out = malloc(n + 1);
	uint32_t x[4], slot;
	struct rans_dec d[4];
	const uint8_t *at;
	unsigned int s, k;
	size_t i;

	ck_assert(buf && out);
	for (k = 0; k < lanes; k++)
		rans_enc_init(&x[k]);
	for (i = n; i--;)
		rans_enc_put(&x[i % lanes], &p, cdf[sym[i]],
			     cdf[sym[i] + 1] - cdf[sym[i]], bits);
	for (k = lanes; k--;)
		rans_enc_flush(&x[k], &p);
	/* interleaved states read one buffer: "at" is the shared position */
	for (at = p, k = 0; k < lanes; k++) {
		rans_dec_init(&d[k], at, buf + cap);
		at = d[k].p;
	}
	for (i = 0; i < n; i++) {
		k = i % lanes;
		d[k].p = at;
		slot = rans_dec_slot(&d[k], bits);
		s = cdf_find(cdf, slot);
		ck_assert(cdf[s] <= slot && slot < cdf[s + 1]);
		rans_dec_advance(&d[k], cdf[s], cdf[s + 1] - cdf[s], bits);
		at = d[k].p;
		out[i] = (uint8_t)s;
	}
	ck_assert_msg(!memcmp(out, sym, n), "symbols differ (n %zu)", n);
	for (k = 0; k < lanes; k++)
		ck_assert(rans_dec_ended(&d[k]));
	ck_assert(at == buf + cap);
	i = (size_t)(buf + cap - p);
	free(buf);
	free(out);
	return i;
}

static void check_cdf(const uint32_t *cdf, unsigned int bits)
{
	unsigned int s;

	ck_assert_uint_eq(cdf[0], 0);
	ck_assert_uint_eq(cdf[256], 1u << bits);
	for (s = 0; s < 256; s++)
		ck_assert_msg(cdf[s + 1] > cdf[s], "byte %u has no range", s);
}

/* Symbols drawn from the distribution of @w. */
static void draw(uint8_t *sym, size_t n, const uint32_t *w, uint64_t seed)
{
	uint64_t total = 0, r;
	unsigned int s;
	size_t i;

	for (s = 0; s < 256; s++)
		total += w[s];
	for (i = 0; i < n; i++) {
		if (!total) {
			sym[i] = (uint8_t)rnd(&seed);
			continue;
		}
		r = rnd(&seed) % total;
		for (s = 0; r >= w[s]; s++)
			r -= w[s];
		sym[i] = (uint8_t)s;
	}
}

START_TEST(every_byte_keeps_a_range_whatever_the_weights)
{
	uint32_t w[256], cdf[257];
	uint64_t seed = 1;
	unsigned int bits, s, k;

	for (bits = CDF_BITS_MIN; bits <= CDF_BITS_MAX; bits++) {
		for (k = 0; k < 50; k++) {
			for (s = 0; s < 256; s++)
				w[s] = k % 3 == 0 ? (uint32_t)rnd(&seed) :
				       k % 3 == 1 ? (uint32_t)(rnd(&seed) % 3) :
				       (s == k ? UINT32_MAX : 0);
			cdf_from_weights(w, bits, cdf);
			check_cdf(cdf, bits);
		}
	}
}
END_TEST

START_TEST(all_zero_weights_give_a_uniform_cdf)
{
	uint32_t w[256] = { 0 }, cdf[257];
	unsigned int s;

	/* flooring moves a unit here and there, never more */
	cdf_from_weights(w, 16, cdf);
	for (s = 0; s < 256; s++)
		ck_assert_uint_le(cdf[s + 1] - cdf[s] - 255, 2);
}
END_TEST

START_TEST(one_certain_symbol_costs_almost_nothing)
{
	uint32_t w[256] = { 0 }, cdf[257];
	size_t n = 65536, len;
	uint8_t *sym = malloc(n);
	unsigned int bits = (unsigned int)_i;

	ck_assert(sym);
	w[97] = 1000000;
	cdf_from_weights(w, bits, cdf);
	check_cdf(cdf, bits);
	memset(sym, 97, n);
	len = round_trip(sym, n, cdf, bits, 1);
	/* the floor is log2(M / (M - 255)) bits: 0.093 at 12 bits */
	ck_assert_msg(len * 8 < n / 10 + 64, "%zu bytes for %zu certain symbols",
		      len, n);
	/* and the 255 unlikely bytes still code */
	sym[100] = 0;
	sym[2000] = 255;
	round_trip(sym, n, cdf, bits, 1);
	free(sym);
}
END_TEST

START_TEST(uniform_symbols_cost_eight_bits)
{
	uint32_t w[256], cdf[257];
	size_t n = 65536, len;
	uint8_t *sym = malloc(n);
	unsigned int s;

	ck_assert(sym);
	for (s = 0; s < 256; s++)
		w[s] = 1;
	cdf_from_weights(w, 16, cdf);
	draw(sym, n, w, 7);
	len = round_trip(sym, n, cdf, 16, 1);
	ck_assert_uint_ge(len, n);
	ck_assert_uint_le(len, n + n / 200 + 8);
	free(sym);
}
END_TEST

START_TEST(random_distributions_round_trip_at_every_length)
{
	static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 17, 255, 256, 4095,
				       4096, 65535, 65536 };
	uint32_t w[256], cdf[257];
	unsigned int bits, s, i;
	uint64_t seed = 42;
	uint8_t *sym = malloc(65536);

	ck_assert(sym);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		bits = CDF_BITS_MIN + i % (CDF_BITS_MAX - CDF_BITS_MIN + 1);
		/* skewed: a few heavy symbols, many light ones */
		for (s = 0; s < 256; s++)
			w[s] = (uint32_t)(rnd(&seed) % 1000) *
			       (s % 17 ? 1 : 5000);
		cdf_from_weights(w, bits, cdf);
		draw(sym, lens[i], w, seed);
		round_trip(sym, lens[i], cdf, bits, 1);
	}
	free(sym);
}
END_TEST

START_TEST(interleaved_states_share_one_buffer)
{
	uint32_t w[256], cdf[257];
	uint64_t seed = 9;
	uint8_t *sym = malloc(10000);
	unsigned int s, lanes;

	ck_assert(sym);
	for (s = 0; s < 256; s++)
		w[s] = (uint32_t)(rnd(&seed) % 50);
	cdf_from_weights(w, 14, cdf);
	draw(sym, 10000, w, 3);
	for (lanes = 1; lanes <= 4; lanes++)
		round_trip(sym, 10000, cdf, 14, lanes);
	free(sym);
}
END_TEST

START_TEST(symbols_coded_against_the_odds_still_round_trip)
{
	uint32_t w[256] = { 0 }, cdf[257];
	uint8_t *sym = malloc(65536);
	size_t len, i;

	ck_assert(sym);
	/* the model is sure of byte 0; the data never has it */
	w[0] = UINT32_MAX;
	cdf_from_weights(w, 16, cdf);
	for (i = 0; i < 65536; i++)
		sym[i] = (uint8_t)(1 + i % 255);
	len = round_trip(sym, 65536, cdf, 16, 1);
	/* frequency 1 of 2^16: 16 bits each, the worst case */
	ck_assert_uint_le(len, RANS_BOUND(65536));
	free(sym);
}
END_TEST

START_TEST(decoder_never_reads_past_short_input)
{
	uint8_t buf[16] = { 0 }, *p;
	struct rans_dec d;
	uint32_t x;
	size_t n;
	int i;

	/* under 4 bytes: no state at all */
	for (n = 0; n < 4; n++) {
		rans_dec_init(&d, buf, buf + n);
		ck_assert(!rans_dec_ended(&d));
	}
	/* a state below RANS_L can come only from damage */
	memset(buf, 0, 4);
	rans_dec_init(&d, buf, buf + 4);
	ck_assert(!rans_dec_ended(&d));
	/* a valid state, then more symbols than bytes */
	p = buf + 8;
	rans_enc_init(&x);
	rans_enc_put(&x, &p, 0, 1, 16);
	rans_enc_flush(&x, &p);
	rans_dec_init(&d, p, buf + 8);
	for (i = 0; i < 100; i++)
		rans_dec_advance(&d, 0, 1, 16);
	ck_assert(d.p <= buf + 8);
	ck_assert(!rans_dec_ended(&d));
}
END_TEST

static Suite *rans_suite(void)
{
	Suite *s = suite_create("codec_rans");
	TCase *tc = tcase_create("rans");

	tcase_add_test(tc, every_byte_keeps_a_range_whatever_the_weights);
	tcase_add_test(tc, all_zero_weights_give_a_uniform_cdf);
	tcase_add_loop_test(tc, one_certain_symbol_costs_almost_nothing,
			    CDF_BITS_MIN, CDF_BITS_MAX + 1);
	tcase_add_test(tc, uniform_symbols_cost_eight_bits);
	tcase_add_test(tc, random_distributions_round_trip_at_every_length);
	tcase_add_test(tc, interleaved_states_share_one_buffer);
	tcase_add_test(tc, symbols_coded_against_the_odds_still_round_trip);
	tcase_add_test(tc, decoder_never_reads_past_short_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rans_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
