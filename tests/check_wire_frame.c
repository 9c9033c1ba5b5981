// SPDX-License-Identifier: GPL-2.0
/*
 * Frame layout: the exact bytes of a frame, round trips of every type,
 * and the specific error for each kind of malformed frame.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/crc32.h"
#include "wire/frame.h"
#include "check_wire.h"

static u8 buf[NCMP_FRAME_MAX + 16];

static size_t build(u8 type, u8 flags, u16 len)
{
	struct ncmp_frame_hdr h = {
		.type = type, .flags = flags, .session = 0x01020304,
		.seq = 5, .ack = 6, .len = len,
	};
	size_t i;

	for (i = 0; i < len; i++)
		buf[NCMP_FRAME_HDR_LEN + i] = i * 7 + 1;
	return ncmp_frame_seal(buf, &h);
}

START_TEST(a_sealed_frame_has_the_documented_bytes)
{
	static const u8 want_hdr[NCMP_FRAME_HDR_LEN] = {
		0x30, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x00, 0x03,
	};
	size_t n;
	u32 crc;

	buf[NCMP_FRAME_HDR_LEN] = 0xaa;
	buf[NCMP_FRAME_HDR_LEN + 1] = 0xbb;
	buf[NCMP_FRAME_HDR_LEN + 2] = 0xcc;
	n = ncmp_frame_seal(buf, &(struct ncmp_frame_hdr){
		.type = NCMP_FT_DATA, .session = 0x01020304,
		.seq = 5, .ack = 6, .len = 3 });
	ck_assert_uint_eq(n, NCMP_FRAME_OVERHEAD + 3);
	ck_assert_mem_eq(buf, want_hdr, sizeof(want_hdr));
	/* CRC-32/IEEE of header and payload, least significant byte first */
	crc = ncmp_crc32(0, buf, NCMP_FRAME_HDR_LEN + 3);
	ck_assert_uint_eq(buf[12], crc & 0xff);
	ck_assert_uint_eq(buf[13], crc >> 8 & 0xff);
	ck_assert_uint_eq(buf[14], crc >> 16 & 0xff);
	ck_assert_uint_eq(buf[15], crc >> 24);
}
END_TEST

START_TEST(frames_of_every_type_parse_back)
{
	static const struct { u8 type, flags; u16 len; } ok[] = {
		{ NCMP_FT_SYNC, 0, NCMP_SYNC_LEN },
		{ NCMP_FT_SYNC_ACK, 0, NCMP_SYNC_LEN },
		{ NCMP_FT_DATA, 0, 1 },
		{ NCMP_FT_DATA, 0, 1024 },
		{ NCMP_FT_DATA, 0, NCMP_MTU_MAX },
		{ NCMP_FT_ACK, 0, 0 },
		{ NCMP_FT_ACK, NCMP_FF_BUSY, 0 },
		{ NCMP_FT_ACK, NCMP_FF_REJ, 0 },
		{ NCMP_FT_ACK, NCMP_FF_BUSY | NCMP_FF_REJ, 0 },
		{ NCMP_FT_KEEPALIVE, 0, 0 },
		{ NCMP_FT_EOS, 0, 0 },
		{ NCMP_FT_RST, 0, 0 },
	};
	struct ncmp_frame_hdr h;
	size_t i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = build(ok[i].type, ok[i].flags, ok[i].len);
		ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), 0);
		ck_assert_uint_eq(h.type, ok[i].type);
		ck_assert_uint_eq(h.flags, ok[i].flags);
		ck_assert_uint_eq(h.session, 0x01020304);
		ck_assert_uint_eq(h.seq, 5);
		ck_assert_uint_eq(h.ack, 6);
		ck_assert_uint_eq(h.len, ok[i].len);
	}
}
END_TEST

START_TEST(every_single_bit_flip_is_a_crc_error)
{
	struct ncmp_frame_hdr h;
	size_t n = build(NCMP_FT_DATA, 0, 40), bit;

	for (bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= 1 << (bit % 8);
		ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EBADMSG);
		buf[bit / 8] ^= 1 << (bit % 8);
	}
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), 0);
}
END_TEST

/* Rewrite the length field and fix up the CRC, so only the length is bad. */
static void set_len_field(size_t n, u16 len)
{
	u32 crc;

	buf[7] = len >> 8;
	buf[8] = len;
	crc = ncmp_crc32(0, buf, n - NCMP_FRAME_CRC_LEN);
	buf[n - 4] = crc;
	buf[n - 3] = crc >> 8;
	buf[n - 2] = crc >> 16;
	buf[n - 1] = crc >> 24;
}

START_TEST(bad_sizes_and_length_fields_are_length_errors)
{
	struct ncmp_frame_hdr h;
	size_t n = build(NCMP_FT_DATA, 0, 100), k;

	for (k = 0; k < NCMP_FRAME_OVERHEAD; k++)
		ck_assert_int_eq(ncmp_frame_parse(buf, k, &h), -EMSGSIZE);
	ck_assert_int_eq(ncmp_frame_parse(buf, NCMP_FRAME_MAX + 1, &h),
			 -EMSGSIZE);
	set_len_field(n, 99);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EMSGSIZE);
	set_len_field(n, 101);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EMSGSIZE);
	set_len_field(n, 0xffff);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EMSGSIZE);
	set_len_field(n, 100);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), 0);
}
END_TEST

/* Rewrite the type/flags byte and fix up the CRC. */
static void set_type_byte(size_t n, u8 b)
{
	buf[0] = b;
	set_len_field(n, (u16)(n - NCMP_FRAME_OVERHEAD));
}

START_TEST(unknown_types_and_flags_are_protocol_errors)
{
	struct ncmp_frame_hdr h;
	size_t n = build(NCMP_FT_ACK, 0, 0);
	int t;

	set_type_byte(n, 0x00);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	for (t = NCMP_FT_RST + 1; t < 16; t++) {
		set_type_byte(n, t << 4);
		ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	}
	/* ACK knows BUSY and REJ only; the others know no flags at all */
	set_type_byte(n, NCMP_FT_ACK << 4 | 0x4);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	set_type_byte(n, NCMP_FT_KEEPALIVE << 4 | NCMP_FF_BUSY);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	n = build(NCMP_FT_DATA, NCMP_FF_REJ, 10);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
}
END_TEST

START_TEST(payload_sizes_a_type_forbids_are_protocol_errors)
{
	struct ncmp_frame_hdr h;
	size_t n;

	n = build(NCMP_FT_DATA, 0, 0);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	n = build(NCMP_FT_ACK, 0, 1);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	n = build(NCMP_FT_EOS, 0, 4);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	n = build(NCMP_FT_RST, 0, 2);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	n = build(NCMP_FT_SYNC, 0, NCMP_SYNC_LEN - 1);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
	n = build(NCMP_FT_SYNC_ACK, 0, NCMP_SYNC_LEN + 1);
	ck_assert_int_eq(ncmp_frame_parse(buf, n, &h), -EPROTO);
}
END_TEST

START_TEST(sync_payload_round_trips_and_rejects_nonsense)
{
	struct ncmp_sync in = { NCMP_PROTO_VERSION, 8, 4096, 0xdeadbeef }, out;
	static const u8 want[NCMP_SYNC_LEN] = {
		NCMP_PROTO_VERSION, 8, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef,
	};
	u8 p[NCMP_SYNC_LEN];

	ncmp_sync_put(p, &in);
	ck_assert_mem_eq(p, want, sizeof(want));
	ck_assert_int_eq(ncmp_sync_get(p, &out), 0);
	ck_assert_uint_eq(out.version, in.version);
	ck_assert_uint_eq(out.window, 8);
	ck_assert_uint_eq(out.mtu, 4096);
	ck_assert_uint_eq(out.echo, 0xdeadbeef);

	p[0] = NCMP_PROTO_VERSION + 1;
	ck_assert_int_eq(ncmp_sync_get(p, &out), -EPROTO);
	ncmp_sync_put(p, &in);
	p[1] = 0;
	ck_assert_int_eq(ncmp_sync_get(p, &out), -EPROTO);
	ncmp_sync_put(p, &in);
	p[2] = 0;
	p[3] = NCMP_MTU_MIN - 1;
	ck_assert_int_eq(ncmp_sync_get(p, &out), -EPROTO);
}
END_TEST

START_TEST(random_bytes_never_parse_as_a_frame_by_accident)
{
	uint64_t rng = test_seed(7);
	struct ncmp_frame_hdr h;
	int round, ok = 0;

	for (round = 0; round < 100000; round++) {
		size_t n = test_rand(&rng) % 64, i;

		for (i = 0; i < n; i++)
			buf[i] = test_rand(&rng);
		if (!ncmp_frame_parse(buf, n, &h))
			ok++;
	}
	/* a 32-bit CRC lets about one in 4 billion through */
	ck_assert_int_eq(ok, 0);
}
END_TEST

START_TEST(a_1k_data_frame_and_its_ack_cost_under_5_percent)
{
	size_t data = NCMP_COBS_MAX_ENCODED(NCMP_FRAME_OVERHEAD + 1024) + 2;
	size_t ack = NCMP_COBS_MAX_ENCODED(NCMP_FRAME_OVERHEAD) + 2;

	/* stop-and-wait: the line carries the frame, then the ACK */
	ck_assert_uint_ge(1024 * 100, (data + ack) * 95);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire_frame");
	TCase *tc = tcase_create("frame");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, a_sealed_frame_has_the_documented_bytes);
	tcase_add_test(tc, frames_of_every_type_parse_back);
	tcase_add_test(tc, every_single_bit_flip_is_a_crc_error);
	tcase_add_test(tc, bad_sizes_and_length_fields_are_length_errors);
	tcase_add_test(tc, unknown_types_and_flags_are_protocol_errors);
	tcase_add_test(tc, payload_sizes_a_type_forbids_are_protocol_errors);
	tcase_add_test(tc, sync_payload_round_trips_and_rejects_nonsense);
	tcase_add_test(tc, random_bytes_never_parse_as_a_frame_by_accident);
	tcase_add_test(tc, a_1k_data_frame_and_its_ack_cost_under_5_percent);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
