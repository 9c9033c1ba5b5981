// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32/IEEE: published check values, chaining, and agreement with a
 * bit-at-a-time reference on random data.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/crc32.h"
#include "check_wire.h"

static u32 crc_of(const char *s)
{
	return ncmp_crc32(0, s, strlen(s));
}

START_TEST(crc_of_123456789_is_the_published_check_value)
{
	ck_assert_uint_eq(crc_of("123456789"), 0xcbf43926);
}
END_TEST

START_TEST(crc_matches_other_known_vectors)
{
	static const u8 zeros[32];
	u8 ones[32];

	memset(ones, 0xff, sizeof(ones));
	ck_assert_uint_eq(crc_of(""), 0);
	ck_assert_uint_eq(crc_of("a"), 0xe8b7be43);
	ck_assert_uint_eq(crc_of("abc"), 0x352441c2);
	ck_assert_uint_eq(crc_of("The quick brown fox jumps over the lazy dog"),
			  0x414fa339);
	ck_assert_uint_eq(ncmp_crc32(0, zeros, sizeof(zeros)), 0x190a55ad);
	ck_assert_uint_eq(ncmp_crc32(0, ones, sizeof(ones)), 0xff6cab0b);
}
END_TEST

START_TEST(crc_of_data_followed_by_its_le_crc_is_the_fixed_residue)
{
	u8 buf[13] = "123456789";
	u32 crc = ncmp_crc32(0, buf, 9);

	buf[9] = crc;
	buf[10] = crc >> 8;
	buf[11] = crc >> 16;
	buf[12] = crc >> 24;
	/* the CRC-32/IEEE residue: what a receiver checking "all bytes" sees */
	ck_assert_uint_eq(ncmp_crc32(0, buf, 13), 0x2144df1c);
}
END_TEST

START_TEST(crc_can_be_computed_in_pieces)
{
	static const char s[] = "The quick brown fox jumps over the lazy dog";
	size_t n = strlen(s), cut;

	for (cut = 0; cut <= n; cut++) {
		u32 crc = ncmp_crc32(0, s, cut);

		ck_assert_uint_eq(ncmp_crc32(crc, s + cut, n - cut), 0x414fa339);
	}
}
END_TEST

/* The textbook definition, one bit at a time, to compare against. */
static u32 crc_bitwise(const u8 *p, size_t len)
{
	u32 crc = 0xffffffff;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320 : crc >> 1;
	}
	return ~crc;
}

START_TEST(crc_agrees_with_a_bitwise_reference_on_random_data)
{
	static u8 buf[4096];
	uint64_t rng = test_seed(1);
	int round;

	for (round = 0; round < 200; round++) {
		size_t len = test_rand(&rng) % sizeof(buf), i;

		for (i = 0; i < len; i++)
			buf[i] = test_rand(&rng);
		ck_assert_uint_eq(ncmp_crc32(0, buf, len), crc_bitwise(buf, len));
	}
}
END_TEST

START_TEST(crc_detects_every_single_bit_flip)
{
	u8 buf[64];
	u32 good;
	size_t bit;

	for (bit = 0; bit < sizeof(buf); bit++)
		buf[bit] = bit * 37;
	good = ncmp_crc32(0, buf, sizeof(buf));
	for (bit = 0; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= 1 << (bit % 8);
		ck_assert_uint_ne(ncmp_crc32(0, buf, sizeof(buf)), good);
		buf[bit / 8] ^= 1 << (bit % 8);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire_crc32");
	TCase *tc = tcase_create("crc32");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, crc_of_123456789_is_the_published_check_value);
	tcase_add_test(tc, crc_matches_other_known_vectors);
	tcase_add_test(tc, crc_of_data_followed_by_its_le_crc_is_the_fixed_residue);
	tcase_add_test(tc, crc_can_be_computed_in_pieces);
	tcase_add_test(tc, crc_agrees_with_a_bitwise_reference_on_random_data);
	tcase_add_test(tc, crc_detects_every_single_bit_flip);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
