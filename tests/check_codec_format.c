// SPDX-License-Identifier: GPL-2.0
/*
 * The .ncmp file and stream formats on real data: every file of the test
 * corpus round-trips at block sizes 256 B, 4K, 64K and 1M; thread counts do
 * not change a byte of the output; streaming in tiny pieces gives what
 * one-shot calls give; the stream format carries its model across blocks.
 */
#include "check_codec.h"

static ncmp_model *model;

static void setup(void)
{
	model = o2mix_model();
}

static void teardown(void)
{
	ncmp_model_free(model);
}

static uint8_t *compress(const uint8_t *src, size_t n, unsigned int bs,
			 unsigned int threads, size_t *len)
{
	size_t cap = ncmp_file_bound(n, bs);
	uint8_t *dst = malloc(cap);
	long long r;

	ck_assert(dst);
	r = ncmp_file_compress(model, src, n, dst, cap, bs, threads);
	ck_assert_msg(r > 0, "compress: %s", ncmp_error_name((int)r));
	*len = (size_t)r;
	return dst;
}

static void check_decompress(const uint8_t *src, size_t n, const uint8_t *raw,
			     size_t raw_len, unsigned int threads,
			     const char *what)
{
	char msg[NCMP_MSG_MAX];
	uint8_t *dst = malloc(raw_len + 1);
	long long r;

	ck_assert(dst);
	r = ncmp_file_decompress(model, src, n, dst, raw_len, threads, msg);
	ck_assert_msg(r == (long long)raw_len, "%s: %lld (%s)", what, r, msg);
	ck_assert_msg(!memcmp(dst, raw, raw_len), "%s: output differs", what);
	free(dst);
}

static const unsigned int block_sizes[] = { 256, 4096, 65536, 1u << 20 };

START_TEST(every_corpus_file_round_trips_at_every_block_size)
{
	unsigned int bs = block_sizes[_i];
	char dir[PATH_MAX], **files;
	uint64_t raw = 0, coded = 0;
	uint8_t *buf, *enc;
	size_t n, len, count, i;

	path_join(dir, corpus_dir(), "/test");
	files = list_files(dir, &count);
	ck_assert_uint_gt(count, 100);
	for (i = 0; i < count; i++) {
		buf = read_whole(files[i], &n);
		enc = compress(buf, n, bs, 1, &len);
		ck_assert_uint_le(len, ncmp_file_bound(n, bs));
		check_decompress(enc, len, buf, n, 1, files[i]);
		raw += n;
		coded += len;
		free(buf);
		free(enc);
	}
	/* the corpus is text and telemetry: it compresses at any block size */
	ck_assert_msg(coded < raw * 3 / 4, "%llu -> %llu bytes at %u",
		      (unsigned long long)raw, (unsigned long long)coded, bs);
	list_free(files);
}
END_TEST

/* The first files of each class, one after the other (about 2 MB). */
static uint8_t *corpus_sample(size_t *len)
{
	static const char *const classes[] = { "code", "json", "log", "mixed",
		"telemetry-binary", "telemetry-text" };
	char dir[PATH_MAX], **files;
	uint8_t *out = NULL, *buf;
	size_t n, count, i, k;

	*len = 0;
	for (k = 0; k < 6; k++) {
		path_join(dir, corpus_dir(), "/test/");
		path_join(dir, strdupa(dir), classes[k]);
		files = list_files(dir, &count);
		for (i = 0; i < count && i < 3; i++) {
			buf = read_whole(files[i], &n);
			if (n > 400000)
				n = 400000;
			out = realloc(out, *len + n);
			ck_assert(out);
			memcpy(out + *len, buf, n);
			*len += n;
			free(buf);
		}
		list_free(files);
	}
	return out;
}

START_TEST(thread_counts_give_identical_files)
{
	static const unsigned int sizes[] = { 4096, 65536 };
	uint8_t *raw, *one, *more;
	size_t n, len1, len;
	unsigned int k, t;

	raw = corpus_sample(&n);
	for (k = 0; k < 2; k++) {
		one = compress(raw, n, sizes[k], 1, &len1);
		for (t = 2; t <= 4; t += 2) {
			more = compress(raw, n, sizes[k], t, &len);
			ck_assert_uint_eq(len, len1);
			ck_assert_msg(!memcmp(one, more, len),
				      "%u threads, %u-byte blocks: output differs",
				      t, sizes[k]);
			check_decompress(more, len, raw, n, t, "threads");
			free(more);
		}
		free(one);
	}
	free(raw);
}
END_TEST

/* Encode feeding @step bytes at a time into an @room-byte output. */
static uint8_t *encode_pieces(const uint8_t *src, size_t n, size_t step,
			      size_t room, unsigned int threads, size_t *len)
{
	struct ncmp_file_params p = { 4096, threads, NCMP_SIZE_UNKNOWN };
	size_t cap = ncmp_file_bound(n, 4096), pos = 0;
	uint8_t *dst = malloc(cap);
	struct ncmp_out out = { dst, 0, 0 };
	struct ncmp_in in;
	ncmp_file_enc *e;
	int r;

	ck_assert(dst);
	ck_assert(!ncmp_file_enc_new(&e, model, &p));
	do {
		in = (struct ncmp_in){ src + pos, n - pos < step ? n - pos : step, 0 };
		pos += in.size;
		do {
			out.size = out.pos + room < cap ? out.pos + room : cap;
			r = ncmp_file_encode(e, &out, &in,
					     pos == n ? NCMP_END : NCMP_CONTINUE);
			ck_assert_int_ge(r, 0);
		} while (r > 0 || in.pos < in.size);
	} while (pos < n);
	ncmp_file_enc_free(e);
	*len = out.pos;
	return dst;
}

START_TEST(streaming_in_small_pieces_gives_the_one_shot_file)
{
	struct ncmp_header_info h;
	uint8_t *raw, *one, *pieces, *dec;
	size_t n, len1, len, pos = 0;
	struct ncmp_out out;
	struct ncmp_in in;
	ncmp_file_dec *d;
	int r;

	raw = corpus_sample(&n);
	n = 300000;
	one = compress(raw, n, 4096, 1, &len1);
	pieces = encode_pieces(raw, n, 7, 5, 2, &len);
	/* the one-shot call knows the size; the streaming one does not */
	ck_assert_uint_eq(len, len1);
	ck_assert(!ncmp_peek(pieces, len, &h));
	ck_assert(h.content_size == NCMP_SIZE_UNKNOWN);
	ck_assert(!ncmp_peek(one, len1, &h));
	ck_assert_uint_eq(h.content_size, n);
	ck_assert(!memcmp(one + 32, pieces + 32, len - 32));
	/* and decoding in pieces gives the input back */
	dec = malloc(n);
	ck_assert(dec && !ncmp_file_dec_new(&d, model, 3, 0));
	out = (struct ncmp_out){ dec, 0, 0 };
	do {
		in = (struct ncmp_in){ pieces + pos, len - pos < 3 ? len - pos : 3, 0 };
		pos += in.size;
		do {
			out.size = out.pos + 11 < n ? out.pos + 11 : n;
			r = ncmp_file_decode(d, &out, &in,
					     pos == len ? NCMP_END : NCMP_CONTINUE);
			ck_assert_msg(r >= 0, "%s", ncmp_file_dec_message(d));
		} while (in.pos < in.size || (r > 0 && pos == len));
	} while (pos < len);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(out.pos, n);
	ck_assert(!memcmp(dec, raw, n));
	ncmp_file_dec_free(d);
	free(dec);
	free(raw);
	free(one);
	free(pieces);
}
END_TEST

START_TEST(empty_input_gives_a_header_and_a_trailer)
{
	uint8_t dst[64], out[1];
	char msg[NCMP_MSG_MAX];
	long long r;

	r = ncmp_file_compress(model, "", 0, dst, sizeof(dst), 0, 1);
	ck_assert_int_eq(r, 32 + 24);
	ck_assert_int_eq(ncmp_file_decompress(model, dst, (size_t)r, out, 0, 1,
					      msg), 0);
}
END_TEST

START_TEST(incompressible_blocks_are_stored_raw)
{
	size_t n = 100000, len, i;
	uint8_t *raw = malloc(n), *enc;
	uint64_t seed = 5;

	ck_assert(raw);
	for (i = 0; i < n; i++)
		raw[i] = (uint8_t)rnd(&seed);
	enc = compress(raw, n, 4096, 1, &len);
	/* header, 25 block headers, trailer: nothing grows */
	ck_assert_uint_eq(len, 32 + n + 25 * 16 + 24);
	check_decompress(enc, len, raw, n, 1, "random");
	free(raw);
	free(enc);
}
END_TEST

START_TEST(declared_size_must_match_the_input)
{
	struct ncmp_file_params p = { 0, 1, 10 };
	uint8_t dst[256];
	struct ncmp_out out = { dst, sizeof(dst), 0 };
	struct ncmp_in in = { "0123456789abc", 13, 0 };
	ncmp_file_enc *e;

	ck_assert(!ncmp_file_enc_new(&e, model, &p));
	ck_assert_int_eq(ncmp_file_encode(e, &out, &in, NCMP_END), NCMP_E_SIZE);
	ncmp_file_enc_free(e);
	in = (struct ncmp_in){ "0123", 4, 0 };
	out.pos = 0;
	ck_assert(!ncmp_file_enc_new(&e, model, &p));
	ck_assert_int_eq(ncmp_file_encode(e, &out, &in, NCMP_END), NCMP_E_SIZE);
	ncmp_file_enc_free(e);
}
END_TEST

START_TEST(small_output_buffer_is_reported)
{
	uint8_t dst[40];

	ck_assert_int_eq(ncmp_file_compress(model, "hello", 5, dst, sizeof(dst),
					    0, 1), NCMP_E_DST_SIZE);
}
END_TEST

/* Stream-encode @n bytes in random pieces, flushing now and then. */
static uint8_t *stream_encode(const uint8_t *src, size_t n, unsigned int flags,
			      uint64_t seed, size_t *len)
{
	size_t cap = n + n / 8 + 4096, pos = 0, k;
	uint8_t *dst = malloc(cap);
	struct ncmp_out out = { dst, cap, 0 };
	struct ncmp_in in;
	ncmp_stream_enc *e;
	enum ncmp_end end;

	ck_assert(dst);
	ck_assert(!ncmp_stream_enc_new(&e, model, flags));
	while (pos < n) {
		k = (size_t)(rnd(&seed) % 3000);
		if (k > n - pos)
			k = n - pos;
		in = (struct ncmp_in){ src + pos, k, 0 };
		end = rnd(&seed) % 4 ? NCMP_CONTINUE : NCMP_FLUSH;
		ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, end), 0);
		ck_assert_uint_eq(in.pos, k);
		pos += k;
	}
	in = (struct ncmp_in){ NULL, 0, 0 };
	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_END), 0);
	ncmp_stream_enc_free(e);
	*len = out.pos;
	return dst;
}

static void stream_check(const uint8_t *enc, size_t len, const uint8_t *raw,
			 size_t n, size_t step)
{
	uint8_t *dec = malloc(n + 1);
	struct ncmp_out out = { dec, n, 0 };
	struct ncmp_in in;
	ncmp_stream_dec *d;
	size_t pos = 0;
	int r = 1;

	ck_assert(dec && !ncmp_stream_dec_new(&d, model));
	while (r > 0) {
		in = (struct ncmp_in){ enc + pos, len - pos < step ? len - pos : step, 0 };
		r = ncmp_stream_decode(d, &out, &in, pos + in.size == len ?
				       NCMP_END : NCMP_CONTINUE);
		ck_assert_msg(r >= 0, "%s", ncmp_stream_dec_message(d));
		pos += in.pos;
	}
	ck_assert_uint_eq(pos, len);
	ck_assert_uint_eq(out.pos, n);
	ck_assert(!memcmp(dec, raw, n));
	ncmp_stream_dec_free(d);
	free(dec);
}

START_TEST(stream_format_round_trips_with_flushes)
{
	unsigned int flags = _i ? NCMP_STREAM_BLOCK_CRC : 0;
	struct ncmp_header_info h;
	uint8_t *raw, *enc;
	size_t n, len;

	raw = corpus_sample(&n);
	enc = stream_encode(raw, n, flags, 11, &len);
	ck_assert(!ncmp_peek(enc, len, &h));
	ck_assert_int_eq(h.format, NCMP_FORMAT_STREAM);
	ck_assert_uint_eq(h.flags, flags);
	ck_assert(h.model_id == ncmp_model_id(model));
	stream_check(enc, len, raw, n, 4093);
	stream_check(enc, len, raw, n, 1);
	free(raw);
	free(enc);
}
END_TEST

/* Code @msg as one block of stream @e; returns its coded size. */
static size_t stream_block(ncmp_stream_enc *e, const char *msg)
{
	uint8_t buf[4096];
	struct ncmp_out out = { buf, sizeof(buf), 0 };
	struct ncmp_in in = { msg, strlen(msg), 0 };

	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_FLUSH), 0);
	return out.pos;
}

START_TEST(stream_blocks_share_what_the_model_learnt)
{
	static const char msg[] =
		"{\"class\":\"TPV\",\"device\":\"/dev/ttyAMA0\",\"mode\":3,"
		"\"lat\":52.1234567,\"lon\":4.7654321,\"alt\":12.5}\n";
	size_t first, later = 0;
	ncmp_stream_enc *e;
	int i;

	ck_assert(!ncmp_stream_enc_new(&e, model, 0));
	first = stream_block(e, msg) - 18;	/* the first output has the header */
	for (i = 0; i < 20; i++)
		later = stream_block(e, msg);
	ncmp_stream_enc_free(e);
	ck_assert_msg(later * 3 < first, "first %zu bytes, twentieth %zu",
		      first, later);
}
END_TEST

START_TEST(a_flush_with_nothing_buffered_writes_nothing)
{
	uint8_t buf[64];
	struct ncmp_out out = { buf, sizeof(buf), 0 };
	struct ncmp_in in = { NULL, 0, 0 };
	ncmp_stream_enc *e;

	ck_assert(!ncmp_stream_enc_new(&e, model, 0));
	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_FLUSH), 0);
	ck_assert_uint_eq(out.pos, 18);	/* the header only */
	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_FLUSH), 0);
	ck_assert_uint_eq(out.pos, 18);
	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_END), 0);
	ck_assert_uint_eq(out.pos, 18 + 5);
	ncmp_stream_enc_free(e);
	stream_check(buf, out.pos, (const uint8_t *)"", 0, 1);
}
END_TEST

START_TEST(decoding_stops_at_the_end_of_a_stream)
{
	uint8_t *enc, *two;
	size_t len;
	struct ncmp_in in;
	struct ncmp_out out;
	uint8_t dec[16];
	ncmp_stream_dec *d;

	enc = stream_encode((const uint8_t *)"abcdef", 6, 0, 1, &len);
	two = malloc(2 * len);
	ck_assert(two);
	memcpy(two, enc, len);
	memcpy(two + len, enc, len);
	/* two streams back to back: the decoder leaves the second one */
	ck_assert(!ncmp_stream_dec_new(&d, model));
	in = (struct ncmp_in){ two, 2 * len, 0 };
	out = (struct ncmp_out){ dec, sizeof(dec), 0 };
	ck_assert_int_eq(ncmp_stream_decode(d, &out, &in, NCMP_END), 0);
	ck_assert_uint_eq(in.pos, len);
	ck_assert_uint_eq(out.pos, 6);
	ck_assert(!memcmp(dec, "abcdef", 6));
	ncmp_stream_dec_free(d);
	free(enc);
	free(two);
}
END_TEST

static Suite *format_suite(void)
{
	Suite *s = suite_create("codec_format");
	TCase *corpus = tcase_create("corpus");
	TCase *api = tcase_create("api");

	tcase_add_checked_fixture(corpus, setup, teardown);
	tcase_add_checked_fixture(api, setup, teardown);
	/* the whole corpus at one block size per check: a few seconds each */
	tcase_set_timeout(corpus, 600);
	tcase_add_loop_test(corpus, every_corpus_file_round_trips_at_every_block_size,
			    0, 4);
	tcase_add_test(corpus, thread_counts_give_identical_files);
	tcase_add_test(corpus, streaming_in_small_pieces_gives_the_one_shot_file);
	tcase_add_loop_test(corpus, stream_format_round_trips_with_flushes, 0, 2);
	suite_add_tcase(s, corpus);
	tcase_add_test(api, empty_input_gives_a_header_and_a_trailer);
	tcase_add_test(api, incompressible_blocks_are_stored_raw);
	tcase_add_test(api, declared_size_must_match_the_input);
	tcase_add_test(api, small_output_buffer_is_reported);
	tcase_add_test(api, stream_blocks_share_what_the_model_learnt);
	tcase_add_test(api, a_flush_with_nothing_buffered_writes_nothing);
	tcase_add_test(api, decoding_stops_at_the_end_of_a_stream);
	suite_add_tcase(s, api);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(format_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
