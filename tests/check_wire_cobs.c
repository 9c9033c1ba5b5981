// SPDX-License-Identifier: GPL-2.0
/*
 * COBS: the reference examples, round trips at every length up to 2 KiB,
 * rejection of malformed input, and the byte-by-byte streaming decoder.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/cobs.h"
#include "check_wire.h"

#define BIG 2048

static u8 enc[NCMP_COBS_MAX_ENCODED(BIG)];
static u8 dec[BIG + 16];
static u8 src[BIG];

/* Encode @raw and compare with @want, then decode back. */
static void check_vector(const u8 *raw, size_t rawlen, const u8 *want,
			 size_t wantlen)
{
	int n = ncmp_cobs_encode(raw, rawlen, enc, sizeof(enc));

	ck_assert_int_eq(n, (int)wantlen);
	ck_assert_mem_eq(enc, want, wantlen);
	n = ncmp_cobs_decode(want, wantlen, dec, sizeof(dec));
	ck_assert_int_eq(n, (int)rawlen);
	if (rawlen)
		ck_assert_mem_eq(dec, raw, rawlen);
}

#define VEC(raw, want) check_vector(raw, sizeof(raw), want, sizeof(want))

START_TEST(short_reference_examples_encode_and_decode)
{
	static const u8 r1[] = { 0x00 }, w1[] = { 0x01, 0x01 };
	static const u8 r2[] = { 0x00, 0x00 }, w2[] = { 0x01, 0x01, 0x01 };
	static const u8 r3[] = { 0x00, 0x11, 0x00 };
	static const u8 w3[] = { 0x01, 0x02, 0x11, 0x01 };
	static const u8 r4[] = { 0x11, 0x22, 0x00, 0x33 };
	static const u8 w4[] = { 0x03, 0x11, 0x22, 0x02, 0x33 };
	static const u8 r5[] = { 0x11, 0x22, 0x33, 0x44 };
	static const u8 w5[] = { 0x05, 0x11, 0x22, 0x33, 0x44 };
	static const u8 r6[] = { 0x11, 0x00, 0x00, 0x00 };
	static const u8 w6[] = { 0x02, 0x11, 0x01, 0x01, 0x01 };
	static const u8 w0[] = { 0x01 };

	check_vector(NULL, 0, w0, sizeof(w0));
	VEC(r1, w1);
	VEC(r2, w2);
	VEC(r3, w3);
	VEC(r4, w4);
	VEC(r5, w5);
	VEC(r6, w6);
}
END_TEST

START_TEST(runs_of_254_and_255_nonzero_bytes_use_the_ff_code)
{
	u8 raw[256], want[260];
	int i;

	/* 01..FE: one full run, no empty run after it */
	for (i = 0; i < 254; i++)
		raw[i] = i + 1;
	want[0] = 0xff;
	memcpy(want + 1, raw, 254);
	check_vector(raw, 254, want, 255);

	/* 00 01..FE: a zero, then a full run */
	raw[0] = 0;
	for (i = 1; i < 255; i++)
		raw[i] = i;
	want[0] = 0x01;
	want[1] = 0xff;
	memcpy(want + 2, raw + 1, 254);
	check_vector(raw, 255, want, 256);

	/* 01..FF: a full run, then a run of one */
	for (i = 0; i < 255; i++)
		raw[i] = i + 1;
	want[0] = 0xff;
	memcpy(want + 1, raw, 254);
	want[255] = 0x02;
	want[256] = 0xff;
	check_vector(raw, 255, want, 257);

	/* 02..FF 00: a full run, then the zero */
	for (i = 0; i < 254; i++)
		raw[i] = i + 2;
	raw[254] = 0;
	want[0] = 0xff;
	memcpy(want + 1, raw, 254);
	want[255] = 0x01;
	want[256] = 0x01;
	check_vector(raw, 255, want, 257);

	/* 03..FF 00 01: 253 bytes, the zero, then one byte */
	for (i = 0; i < 253; i++)
		raw[i] = i + 3;
	raw[253] = 0;
	raw[254] = 1;
	want[0] = 0xfe;
	memcpy(want + 1, raw, 253);
	want[254] = 0x02;
	want[255] = 0x01;
	check_vector(raw, 255, want, 256);
}
END_TEST

START_TEST(a_full_run_followed_by_an_empty_run_decodes_too)
{
	u8 in[256];
	int i, n;

	/* Some encoders add the empty run; the result must be the same. */
	in[0] = 0xff;
	for (i = 1; i < 255; i++)
		in[i] = i;
	in[255] = 0x01;
	n = ncmp_cobs_decode(in, sizeof(in), dec, sizeof(dec));
	ck_assert_int_eq(n, 254);
	ck_assert_mem_eq(dec, in + 1, 254);
}
END_TEST

static void fill(u8 *p, size_t len, uint64_t *rng, unsigned int zero_per_256)
{
	size_t i;

	for (i = 0; i < len; i++) {
		u32 r = test_rand(rng);

		p[i] = (r & 0xff) < zero_per_256 ? 0 : (r >> 8) % 255 + 1;
	}
}

START_TEST(random_buffers_of_every_length_round_trip_without_zeros)
{
	static const unsigned int density[] = { 0, 1, 16, 128, 256 };
	uint64_t rng = test_seed(2);
	size_t len;
	int n, d;

	for (d = 0; d < 5; d++) {
		for (len = 0; len <= BIG; len++) {
			fill(src, len, &rng, density[d]);
			n = ncmp_cobs_encode(src, len, enc, sizeof(enc));
			ck_assert_int_ge(n, (int)len + 1);
			ck_assert_int_le(n, (int)NCMP_COBS_MAX_ENCODED(len));
			ck_assert_ptr_null(memchr(enc, 0, n));
			n = ncmp_cobs_decode(enc, n, dec, sizeof(dec));
			ck_assert_int_eq(n, (int)len);
			ck_assert_mem_eq(dec, src, len);
		}
	}
}
END_TEST

START_TEST(decoding_in_place_works)
{
	uint64_t rng = test_seed(3);
	int n;

	fill(src, 1000, &rng, 8);
	n = ncmp_cobs_encode(src, 1000, enc, sizeof(enc));
	n = ncmp_cobs_decode(enc, n, enc, sizeof(enc));
	ck_assert_int_eq(n, 1000);
	ck_assert_mem_eq(enc, src, 1000);
}
END_TEST

START_TEST(decode_rejects_malformed_input)
{
	static const u8 zero_inside[] = { 0x03, 0x11, 0x00 };
	static const u8 overrun[] = { 0x05, 0x11, 0x22 };
	static const u8 overrun_later[] = { 0x02, 0x11, 0x04, 0x22 };
	static const u8 lone_zero[] = { 0x00 };

	ck_assert_int_eq(ncmp_cobs_decode(zero_inside, 0, dec, sizeof(dec)),
			 -EINVAL);
	ck_assert_int_eq(ncmp_cobs_decode(zero_inside, sizeof(zero_inside), dec,
					  sizeof(dec)), -EINVAL);
	ck_assert_int_eq(ncmp_cobs_decode(lone_zero, 1, dec, sizeof(dec)),
			 -EINVAL);
	ck_assert_int_eq(ncmp_cobs_decode(overrun, sizeof(overrun), dec,
					  sizeof(dec)), -EINVAL);
	ck_assert_int_eq(ncmp_cobs_decode(overrun_later, sizeof(overrun_later),
					  dec, sizeof(dec)), -EINVAL);
}
END_TEST

START_TEST(decode_and_encode_refuse_small_output_buffers)
{
	static const u8 in[] = { 0x05, 0x11, 0x22, 0x33, 0x44 };

	ck_assert_int_eq(ncmp_cobs_decode(in, sizeof(in), dec, 3), -ENOSPC);
	ck_assert_int_eq(ncmp_cobs_decode(in, sizeof(in), dec, 4), 4);
	ck_assert_int_eq(ncmp_cobs_encode(in, 5, enc, 5), -ENOSPC);
	ck_assert_int_eq(ncmp_cobs_encode(in, 5, enc, 6), 6);
	ck_assert_int_eq(ncmp_cobs_encode(in, 0, enc, 0), -ENOSPC);
}
END_TEST

/* Feed @len bytes to @rx, collecting the result of each byte. */
static int feed(struct ncmp_cobs_rx *rx, const u8 *p, size_t len,
		enum ncmp_cobs_rx_result *last)
{
	int frames = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		*last = ncmp_cobs_rx_byte(rx, p[i], false);
		if (*last != NCMP_COBS_RX_MORE)
			frames++;
	}
	return frames;
}

START_TEST(streaming_decoder_splits_frames_at_delimiters)
{
	static const u8 wire[] = { 0x00, 0x00, 0x03, 0x11, 0x22, 0x02, 0x33,
				   0x00, 0x00, 0x00, 0x01, 0x01, 0x00 };
	static const u8 want1[] = { 0x11, 0x22, 0x00, 0x33 };
	struct ncmp_cobs_rx rx;
	u8 buf[16];
	size_t i;
	int frames = 0;

	ncmp_cobs_rx_init(&rx, buf, sizeof(buf));
	for (i = 0; i < sizeof(wire); i++) {
		enum ncmp_cobs_rx_result r = ncmp_cobs_rx_byte(&rx, wire[i], false);

		if (r == NCMP_COBS_RX_MORE)
			continue;
		ck_assert_int_eq(r, NCMP_COBS_RX_FRAME);
		frames++;
		if (frames == 1) {
			ck_assert_uint_eq(rx.len, sizeof(want1));
			ck_assert_mem_eq(rx.buf, want1, sizeof(want1));
		} else {
			ck_assert_uint_eq(rx.len, 1);
			ck_assert_uint_eq(rx.buf[0], 0);
		}
	}
	/* adjacent delimiters are empty frames and are ignored */
	ck_assert_int_eq(frames, 2);
}
END_TEST

START_TEST(streaming_decoder_drops_overlong_frames_and_recovers)
{
	struct ncmp_cobs_rx rx;
	enum ncmp_cobs_rx_result last;
	u8 buf[100], wire[400];
	uint64_t rng = test_seed(4);
	int n;

	ncmp_cobs_rx_init(&rx, buf, sizeof(buf));
	/* 101 bytes do not fit, 100 do */
	fill(src, 101, &rng, 8);
	n = ncmp_cobs_encode(src, 101, wire, sizeof(wire));
	wire[n] = 0;
	ck_assert_int_eq(feed(&rx, wire, n + 1, &last), 1);
	ck_assert_int_eq(last, NCMP_COBS_RX_OVERLONG);
	ck_assert_uint_le(rx.len, sizeof(buf));

	n = ncmp_cobs_encode(src, 100, wire, sizeof(wire));
	wire[n] = 0;
	ck_assert_int_eq(feed(&rx, wire, n + 1, &last), 1);
	ck_assert_int_eq(last, NCMP_COBS_RX_FRAME);
	ck_assert_uint_eq(rx.len, 100);
	ck_assert_mem_eq(rx.buf, src, 100);
}
END_TEST

START_TEST(streaming_decoder_drops_truncated_frames)
{
	static const u8 wire[] = { 0x05, 0x11, 0x22, 0x00, 0x02, 0x33, 0x00 };
	struct ncmp_cobs_rx rx;
	u8 buf[16];

	ncmp_cobs_rx_init(&rx, buf, sizeof(buf));
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[0], false), NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[1], false), NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[2], false), NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[3], false),
			 NCMP_COBS_RX_MALFORMED);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[4], false), NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[5], false), NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, wire[6], false), NCMP_COBS_RX_FRAME);
	ck_assert_uint_eq(rx.len, 1);
	ck_assert_uint_eq(rx.buf[0], 0x33);
}
END_TEST

START_TEST(a_tty_error_flag_poisons_only_its_frame)
{
	static const u8 frame[] = { 0x03, 0x11, 0x22, 0x00 };
	struct ncmp_cobs_rx rx;
	u8 buf[16];
	size_t i;

	ncmp_cobs_rx_init(&rx, buf, sizeof(buf));
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, frame[i], i == 1),
				 NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, 0, false), NCMP_COBS_RX_ERRFLAG);

	/* A flagged 0x00 (a break) is corruption, not a delimiter. */
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, 0, true), NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, 0, false), NCMP_COBS_RX_ERRFLAG);

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, frame[i], false),
				 NCMP_COBS_RX_MORE);
	ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, 0, false), NCMP_COBS_RX_FRAME);
	ck_assert_uint_eq(rx.len, 2);
}
END_TEST

START_TEST(streaming_decoder_agrees_with_whole_buffer_decode_on_garbage)
{
	struct ncmp_cobs_rx rx;
	uint64_t rng = test_seed(5);
	u8 buf[64], junk[80];
	int round;

	ncmp_cobs_rx_init(&rx, buf, sizeof(buf));
	for (round = 0; round < 20000; round++) {
		size_t len = test_rand(&rng) % sizeof(junk) + 1, i;
		enum ncmp_cobs_rx_result r = NCMP_COBS_RX_MORE;
		int want;

		fill(junk, len, &rng, 0);
		want = ncmp_cobs_decode(junk, len, dec, sizeof(buf));
		for (i = 0; i < len; i++)
			ck_assert_int_eq(ncmp_cobs_rx_byte(&rx, junk[i], false),
					 NCMP_COBS_RX_MORE);
		r = ncmp_cobs_rx_byte(&rx, 0, false);
		if (want >= 0) {
			ck_assert_int_eq(r, NCMP_COBS_RX_FRAME);
			ck_assert_int_eq((int)rx.len, want);
			ck_assert_mem_eq(rx.buf, dec, want);
		} else {
			ck_assert_int_eq(r, want == -ENOSPC ?
					 NCMP_COBS_RX_OVERLONG :
					 NCMP_COBS_RX_MALFORMED);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire_cobs");
	TCase *tc = tcase_create("cobs");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, short_reference_examples_encode_and_decode);
	tcase_add_test(tc, runs_of_254_and_255_nonzero_bytes_use_the_ff_code);
	tcase_add_test(tc, a_full_run_followed_by_an_empty_run_decodes_too);
	tcase_add_test(tc, random_buffers_of_every_length_round_trip_without_zeros);
	tcase_add_test(tc, decoding_in_place_works);
	tcase_add_test(tc, decode_rejects_malformed_input);
	tcase_add_test(tc, decode_and_encode_refuse_small_output_buffers);
	tcase_add_test(tc, streaming_decoder_splits_frames_at_delimiters);
	tcase_add_test(tc, streaming_decoder_drops_overlong_frames_and_recovers);
	tcase_add_test(tc, streaming_decoder_drops_truncated_frames);
	tcase_add_test(tc, a_tty_error_flag_poisons_only_its_frame);
	tcase_add_test(tc, streaming_decoder_agrees_with_whole_buffer_decode_on_garbage);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
