// SPDX-License-Identifier: GPL-2.0
/*
 * Damaged and hostile input: truncation at every length, every single bit
 * flipped, wrong magic, unknown version or model, lengths that lie, a block
 * whose CRC fails, data after the end. Each must give its own error code
 * and a message naming the block and offset, and the decoder must never
 * write a block it has not verified (unless forced).
 */
#include "check_codec.h"
#include "bytes.h"
#include "header.h"
#include "wire/crc32.h"

static ncmp_model *model;
static uint8_t *raw;		/* test input: 10000 bytes of a log */
static size_t raw_len;

static void setup(void)
{
	char path[PATH_MAX];
	size_t n;

	model = o2mix_model();
	path_join(path, corpus_dir(), "/test/log/loghub/OpenSSH/OpenSSH_2k.log");
	raw = read_whole(path, &n);
	ck_assert_uint_ge(n, 10000);
	raw_len = 10000;
}

static void teardown(void)
{
	ncmp_model_free(model);
	free(raw);
}

static uint8_t *encode(size_t n, unsigned int bs, size_t *len)
{
	size_t cap = ncmp_file_bound(n, bs);
	uint8_t *dst = malloc(cap);
	long long r;

	ck_assert(dst);
	r = ncmp_file_compress(model, raw, n, dst, cap, bs, 1);
	ck_assert_int_gt(r, 0);
	*len = (size_t)r;
	return dst;
}

struct result {
	int err;		/* first error, or 0 */
	size_t out;		/* bytes written */
	char msg[NCMP_MSG_MAX];
};

/*
 * Decode @len bytes, in one piece or byte by byte; with @force go on after
 * each damaged block. The output must always be what the input was, up to
 * where it stops: nothing unverified is ever written.
 */
static struct result decode(const uint8_t *src, size_t len,
			    unsigned int threads, unsigned int flags,
			    bool bytewise, int *errors)
{
	uint8_t *dst = malloc(raw_len + 1);
	struct ncmp_out out = { dst, raw_len, 0 };
	struct ncmp_in in = { src, len, 0 };
	struct result res = { 0, 0, "" };
	enum ncmp_end end = NCMP_END;
	ncmp_file_dec *d;
	size_t pos = 0;
	int r;

	ck_assert(dst && !ncmp_file_dec_new(&d, model, threads, flags));
	if (errors)
		*errors = 0;
	for (;;) {
		if (bytewise) {
			in = (struct ncmp_in){ src + pos, pos < len ? 1 : 0, 0 };
			end = pos + 1 < len ? NCMP_CONTINUE : NCMP_END;
		}
		r = ncmp_file_decode(d, &out, &in, end);
		if (bytewise)
			pos += in.pos;
		if (r < 0 && !res.err) {
			res.err = r;
			snprintf(res.msg, sizeof(res.msg), "%s",
				 ncmp_file_dec_message(d));
		}
		if (r < 0 && errors)
			(*errors)++;
		if (r < 0 && flags && (r == NCMP_E_CRC || r == NCMP_E_BLOCK_DATA))
			continue;
		if (r <= 0)
			break;
		/* with NCMP_END and room to spare the decoder must finish */
		ck_assert_msg(end == NCMP_CONTINUE,
			      "decoder wants more room than the input had bytes");
	}
	res.out = out.pos;
	if (!flags)
		ck_assert_msg(!memcmp(dst, raw, out.pos),
			      "unverified bytes written (%s)", res.msg);
	ncmp_file_dec_free(d);
	free(dst);
	return res;
}

/* Rewrite the CRC32 that covers p[0..n) and is stored at p[n]. */
static void fix_crc(uint8_t *p, size_t n)
{
	put_le32(p + n, ncmp_crc32(0, p, n));
}

/* Rewrite the check value of the header of block @index at @p. */
static void fix_block_check(uint8_t *p, uint64_t index)
{
	struct block_header b = { get_le32(p), get_le32(p + 4), get_le32(p + 8) };

	block_header_write(p, &b, index);
}

START_TEST(intact_file_decodes)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.out, raw_len);
	r = decode(f, len, 1, 0, true, NULL);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.out, raw_len);
	free(f);
}
END_TEST

START_TEST(truncation_at_any_length_is_reported)
{
	unsigned int threads = _i ? 3 : 1;
	struct result r;
	uint8_t *f;
	size_t len, cut;

	raw_len = 3000;
	f = encode(raw_len, 512, &len);
	/* with threads, every seventh length: each run starts three */
	for (cut = 0; cut < len; cut += threads > 1 ? 7 : 1) {
		r = decode(f, cut, threads, 0, false, NULL);
		ck_assert_msg(r.err == NCMP_E_TRUNCATED, "cut at %zu: %s", cut,
			      ncmp_error_name(r.err));
		ck_assert_msg(strstr(r.msg, "truncated"), "%s", r.msg);
		/* only whole, verified blocks come out */
		ck_assert(r.out % 512 == 0 || r.out == raw_len);
	}
	free(f);
}
END_TEST

START_TEST(every_flipped_bit_is_caught)
{
	struct result r;
	uint8_t *f;
	size_t len, bit;

	raw_len = 1000;
	f = encode(raw_len, 512, &len);
	for (bit = 0; bit < len * 8; bit++) {
		f[bit / 8] ^= (uint8_t)(1u << bit % 8);
		r = decode(f, len, 1, 0, false, NULL);
		ck_assert_msg(r.err < 0, "bit %zu flipped, not noticed", bit);
		ck_assert_msg(r.msg[0], "bit %zu: no message", bit);
		f[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	free(f);
}
END_TEST

START_TEST(wrong_magic_is_not_ncmp_data)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	memcpy(f, "\x1f\x8b\x08\x00", 4);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_MAGIC);
	ck_assert_uint_eq(r.out, 0);
	ck_assert_ptr_nonnull(strstr(r.msg, "magic"));
	free(f);
}
END_TEST

START_TEST(unknown_version_is_named)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	f[4] = 7;
	fix_crc(f, 28);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_VERSION);
	ck_assert_ptr_nonnull(strstr(r.msg, "version 7"));
	free(f);
}
END_TEST

START_TEST(unknown_model_is_named)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	put_be64(f + 8, 0x0123456789abcdefull);
	fix_crc(f, 28);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_MODEL_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(r.msg, "0123456789abcdef"));
	free(f);
}
END_TEST

START_TEST(bad_header_fields_are_damage)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	put_le32(f + 16, 100);		/* block size below the minimum */
	fix_crc(f, 28);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_HEADER);
	free(f);
	f = encode(raw_len, 4096, &len);
	f[5] |= 0x80;			/* a flag nobody defined */
	fix_crc(f, 28);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_HEADER);
	free(f);
}
END_TEST

/* Offset of block @k's header in a file of 4096-byte blocks. */
static size_t block_at(const uint8_t *f, unsigned int k)
{
	size_t off = FILE_HEADER_LEN;

	while (k--)
		off += BLOCK_HEADER_LEN + get_le32(f + off + 4);
	return off;
}

START_TEST(lengths_that_lie_are_caught_at_their_block)
{
	static const struct {
		unsigned int field;	/* byte offset in the block header */
		int delta;
		int err;
	} lies[] = {
		{ 0, 1, NCMP_E_BLOCK_HEADER },		/* raw > block size */
		{ 0, -1, NCMP_E_BLOCK_DATA },		/* raw too small */
		{ 4, 4096, NCMP_E_BLOCK_HEADER },	/* payload > raw */
		{ 4, -1, NCMP_E_BLOCK_DATA },		/* payload too short */
		{ 4, 1, NCMP_E_BLOCK_DATA },		/* payload too long */
	};
	unsigned int i = (unsigned int)_i;
	char want[64];
	struct result r;
	uint8_t *f;
	size_t len, at;

	f = encode(raw_len, 4096, &len);
	at = block_at(f, 1);
	put_le32(f + at + lies[i].field,
		 get_le32(f + at + lies[i].field) + (uint32_t)lies[i].delta);
	fix_block_check(f + at, 1);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_msg(r.err == lies[i].err, "lie %u: %s (%s)", i,
		      ncmp_error_name(r.err), r.msg);
	snprintf(want, sizeof(want), "block 1 at offset %zu", at);
	ck_assert_msg(strstr(r.msg, want), "lie %u: '%s' lacks '%s'", i, r.msg,
		      want);
	/* block 0 was good and is out; nothing of block 1 is */
	ck_assert_uint_eq(r.out, 4096);
	free(f);
}
END_TEST

START_TEST(a_block_whose_crc_fails_is_not_written)
{
	unsigned int threads = _i ? 4 : 1;
	char want[64];
	struct result r;
	uint8_t *f;
	size_t len, at;

	f = encode(raw_len, 4096, &len);
	at = block_at(f, 1);
	put_le32(f + at + 8, get_le32(f + at + 8) ^ 1);
	fix_block_check(f + at, 1);
	r = decode(f, len, threads, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_CRC);
	snprintf(want, sizeof(want), "block 1 at offset %zu: CRC32 mismatch", at);
	ck_assert_msg(strstr(r.msg, want), "'%s'", r.msg);
	ck_assert_uint_eq(r.out, 4096);
	free(f);
}
END_TEST

START_TEST(force_writes_damaged_blocks_and_goes_on)
{
	int errors;
	struct result r;
	uint8_t *f;
	size_t len, at;

	f = encode(raw_len, 4096, &len);
	/* block 0: wrong CRC; block 1: a payload byte damaged */
	at = block_at(f, 0);
	put_le32(f + at + 8, get_le32(f + at + 8) ^ 1);
	fix_block_check(f + at, 0);
	f[block_at(f, 1) + BLOCK_HEADER_LEN + 40] ^= 0x10;
	r = decode(f, len, (unsigned int)_i + 1, NCMP_DEC_FORCE, false, &errors);
	ck_assert_int_eq(r.err, NCMP_E_CRC);
	ck_assert_int_eq(errors, 2);
	/* every block came out, in place; the first one intact */
	ck_assert_uint_eq(r.out, raw_len);
	free(f);
}
END_TEST

START_TEST(data_after_the_end_is_reported)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	f = realloc(f, len + 3);
	ck_assert(f);
	memcpy(f + len, "abc", 3);
	r = decode(f, len + 3, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_TRAILING);
	ck_assert_uint_eq(r.out, raw_len);
	free(f);
}
END_TEST

START_TEST(a_block_out_of_place_is_caught_at_once)
{
	char want[64];
	struct result r;
	uint8_t *f, *g;
	size_t len, a, b;

	/* drop block 1: block 2 arrives where block 1 should be */
	f = encode(raw_len, 4096, &len);
	a = block_at(f, 1);
	b = block_at(f, 2);
	g = malloc(len + (b - a));
	ck_assert(g);
	memcpy(g, f, a);
	memcpy(g + a, f + b, len - b);
	r = decode(g, len - (b - a), 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_BLOCK_HEADER);
	snprintf(want, sizeof(want), "block 1 at offset %zu", a);
	ck_assert_msg(strstr(r.msg, want), "'%s'", r.msg);
	ck_assert_uint_eq(r.out, 4096);
	/* and a block repeated */
	memcpy(g, f, b);
	memcpy(g + b, f + a, len - a);
	r = decode(g, len + (b - a), 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_BLOCK_HEADER);
	ck_assert_uint_eq(r.out, 8192);
	free(f);
	free(g);
}
END_TEST

START_TEST(trailer_totals_must_match_the_blocks)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	put_le64(f + len - 20, 2);	/* 2 blocks, where there are 3 */
	fix_crc(f + len - 24, 20);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_TRAILER);
	ck_assert_ptr_nonnull(strstr(r.msg, "end marker"));
	ck_assert_uint_eq(r.out, raw_len);
	free(f);
}
END_TEST

START_TEST(a_declared_length_that_lies_is_caught)
{
	struct result r;
	uint8_t *f;
	size_t len;

	f = encode(raw_len, 4096, &len);
	put_le64(f + 20, raw_len - 1);
	fix_crc(f, 28);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_BLOCK_HEADER);
	put_le64(f + 20, raw_len + 1);
	fix_crc(f, 28);
	r = decode(f, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_TRAILER);
	free(f);
}
END_TEST

START_TEST(errors_are_final_without_force)
{
	uint8_t dst[64];
	struct ncmp_out out = { dst, sizeof(dst), 0 };
	struct ncmp_in in = { "NCMQ", 4, 0 };
	ncmp_file_dec *d;

	ck_assert(!ncmp_file_dec_new(&d, model, 1, 0));
	ck_assert_int_eq(ncmp_file_decode(d, &out, &in, NCMP_CONTINUE),
			 NCMP_E_MAGIC);
	in = (struct ncmp_in){ "NCMP", 4, 0 };
	ck_assert_int_eq(ncmp_file_decode(d, &out, &in, NCMP_CONTINUE),
			 NCMP_E_MAGIC);
	ncmp_file_dec_free(d);
}
END_TEST

/* ---- the stream format ------------------------------------------------- */

static uint8_t *stream_encode(size_t n, unsigned int flags, size_t *len)
{
	uint8_t *dst = malloc(2 * n + 1024);
	struct ncmp_out out = { dst, 2 * n + 1024, 0 };
	struct ncmp_in in;
	ncmp_stream_enc *e;
	size_t pos;

	ck_assert(dst && !ncmp_stream_enc_new(&e, model, flags));
	/* blocks of 300 bytes, as an interactive sender would make them */
	for (pos = 0; pos < n; pos += in.size) {
		in = (struct ncmp_in){ raw + pos, n - pos < 300 ? n - pos : 300, 0 };
		ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_FLUSH), 0);
	}
	in = (struct ncmp_in){ NULL, 0, 0 };
	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_END), 0);
	ncmp_stream_enc_free(e);
	*len = out.pos;
	return dst;
}

static struct result stream_decode(const uint8_t *src, size_t len,
				   bool verified)
{
	uint8_t *dst = malloc(raw_len + 1);
	struct ncmp_out out = { dst, raw_len, 0 };
	struct ncmp_in in = { src, len, 0 };
	struct result res = { 0, 0, "" };
	ncmp_stream_dec *d;

	ck_assert(dst && !ncmp_stream_dec_new(&d, model));
	res.err = ncmp_stream_decode(d, &out, &in, NCMP_END);
	snprintf(res.msg, sizeof(res.msg), "%s", ncmp_stream_dec_message(d));
	res.out = out.pos;
	if (verified)
		ck_assert_msg(!memcmp(dst, raw, out.pos),
			      "unverified bytes written (%s)", res.msg);
	ncmp_stream_dec_free(d);
	free(dst);
	return res;
}

START_TEST(stream_truncation_at_any_length_is_reported)
{
	struct result r;
	uint8_t *s;
	size_t len, cut;

	raw_len = 2000;
	s = stream_encode(raw_len, NCMP_STREAM_BLOCK_CRC, &len);
	for (cut = 0; cut < len; cut++) {
		r = stream_decode(s, cut, true);
		ck_assert_msg(r.err == NCMP_E_TRUNCATED, "cut at %zu: %s", cut,
			      ncmp_error_name(r.err));
		ck_assert(r.out % 300 == 0 || r.out == raw_len);
	}
	r = stream_decode(s, len, true);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.out, raw_len);
	free(s);
}
END_TEST

START_TEST(stream_flipped_bits_are_caught)
{
	bool block_crc = _i;
	struct result r;
	uint8_t *s;
	size_t len, bit;

	raw_len = 1000;
	s = stream_encode(raw_len, block_crc ? NCMP_STREAM_BLOCK_CRC : 0, &len);
	for (bit = 0; bit < len * 8; bit++) {
		s[bit / 8] ^= (uint8_t)(1u << bit % 8);
		/* without block CRCs damage shows at the latest at the end */
		r = stream_decode(s, len, block_crc);
		ck_assert_msg(r.err < 0, "bit %zu flipped, not noticed", bit);
		s[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	free(s);
}
END_TEST

START_TEST(stream_for_another_model_is_refused)
{
	struct result r;
	uint8_t *s;
	size_t len;

	s = stream_encode(raw_len, 0, &len);
	put_be64(s + 6, 42);
	fix_crc(s, 14);
	r = stream_decode(s, len, true);
	ck_assert_int_eq(r.err, NCMP_E_MODEL_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(r.msg, "000000000000002a"));
	free(s);
}
END_TEST

START_TEST(file_and_stream_decoders_refuse_each_other)
{
	struct result r;
	uint8_t *s;
	size_t len;

	s = stream_encode(raw_len, 0, &len);
	r = decode(s, len, 1, 0, false, NULL);
	ck_assert_int_eq(r.err, NCMP_E_MAGIC);
	ck_assert_ptr_nonnull(strstr(r.msg, "stream"));
	free(s);
	s = encode(raw_len, 4096, &len);
	r = stream_decode(s, len, true);
	ck_assert_int_eq(r.err, NCMP_E_MAGIC);
	free(s);
}
END_TEST

static Suite *damage_suite(void)
{
	Suite *s = suite_create("codec_damage");
	TCase *file = tcase_create("file");
	TCase *stream = tcase_create("stream");

	tcase_add_checked_fixture(file, setup, teardown);
	tcase_add_checked_fixture(stream, setup, teardown);
	tcase_set_timeout(file, 300);
	tcase_set_timeout(stream, 300);
	tcase_add_test(file, intact_file_decodes);
	tcase_add_loop_test(file, truncation_at_any_length_is_reported, 0, 2);
	tcase_add_test(file, every_flipped_bit_is_caught);
	tcase_add_test(file, wrong_magic_is_not_ncmp_data);
	tcase_add_test(file, unknown_version_is_named);
	tcase_add_test(file, unknown_model_is_named);
	tcase_add_test(file, bad_header_fields_are_damage);
	tcase_add_loop_test(file, lengths_that_lie_are_caught_at_their_block,
			    0, 5);
	tcase_add_loop_test(file, a_block_whose_crc_fails_is_not_written, 0, 2);
	tcase_add_loop_test(file, force_writes_damaged_blocks_and_goes_on, 0, 3);
	tcase_add_test(file, data_after_the_end_is_reported);
	tcase_add_test(file, a_block_out_of_place_is_caught_at_once);
	tcase_add_test(file, trailer_totals_must_match_the_blocks);
	tcase_add_test(file, a_declared_length_that_lies_is_caught);
	tcase_add_test(file, errors_are_final_without_force);
	suite_add_tcase(s, file);
	tcase_add_test(stream, stream_truncation_at_any_length_is_reported);
	tcase_add_loop_test(stream, stream_flipped_bits_are_caught, 0, 2);
	tcase_add_test(stream, stream_for_another_model_is_refused);
	tcase_add_test(stream, file_and_stream_decoders_refuse_each_other);
	suite_add_tcase(s, stream);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(damage_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
