// SPDX-License-Identifier: GPL-2.0
/*
 * Golden files: small corpus excerpts (the .txt and .bin files in
 * tests/golden, from gpsd, BSD-2-Clause) and what the o2mix model makes of
 * them, checked in.
 * Coding an excerpt must give the checked-in bytes and decoding those must
 * give the excerpt, so any change to a format or to the model's arithmetic
 * shows here. After a deliberate change, rewrite them with
 *
 *	NCMP_GOLDEN_UPDATE=1 build/tests/check_codec_golden
 *
 * and say why in the commit message.
 */
#include "check_codec.h"

static const struct golden {
	const char *raw;
	unsigned int block_size;
} goldens[] = {
	{ "nmea.txt", 1024 },
	{ "gpsd-json.txt", 1024 },
	{ "evermore.c.txt", 65536 },
	{ "sirf.bin", 512 },	/* binary: some blocks are stored raw */
};

#define NGOLDEN (sizeof(goldens) / sizeof(goldens[0]))

static ncmp_model *model;

static void setup(void)
{
	model = o2mix_model();
}

static void teardown(void)
{
	ncmp_model_free(model);
}

static const char *golden_path(const char *name, const char *suffix)
{
	static char path[PATH_MAX];
	char rel[PATH_MAX], tmp[PATH_MAX];

	path_join(tmp, "tests/golden/", name);
	path_join(rel, tmp, suffix);
	return path_join(path, repo_path(rel), "");
}

/* Compare with the golden file, or rewrite it in update mode. */
static void expect_golden(const char *path, const uint8_t *got, size_t len)
{
	uint8_t *want;
	size_t n;

	if (getenv("NCMP_GOLDEN_UPDATE")) {
		write_whole(path, got, len);
		return;
	}
	want = read_whole(path, &n);
	ck_assert_msg(n == len && !memcmp(want, got, n),
		      "%s differs from what the codec makes now (%zu vs %zu bytes)",
		      path, n, len);
	free(want);
}

START_TEST(coding_an_excerpt_gives_its_golden_file)
{
	const struct golden *g = &goldens[_i];
	size_t n, cap;
	uint8_t *raw, *out;
	long long len;

	raw = read_whole(golden_path(g->raw, ""), &n);
	cap = ncmp_file_bound(n, g->block_size);
	out = malloc(cap);
	ck_assert(out);
	len = ncmp_file_compress(model, raw, n, out, cap, g->block_size, 1);
	ck_assert_int_gt(len, 0);
	expect_golden(golden_path(g->raw, ".ncmp"), out, (size_t)len);
	free(raw);
	free(out);
}
END_TEST

START_TEST(a_golden_file_decodes_to_its_excerpt)
{
	const struct golden *g = &goldens[_i];
	char msg[NCMP_MSG_MAX];
	struct ncmp_header_info h;
	uint8_t *raw, *coded, *out;
	size_t n, len;
	long long r;

	raw = read_whole(golden_path(g->raw, ""), &n);
	coded = read_whole(golden_path(g->raw, ".ncmp"), &len);
	ck_assert_int_eq(ncmp_peek(coded, len, &h), 0);
	ck_assert_uint_eq(h.block_size, g->block_size);
	ck_assert_uint_eq(h.content_size, n);
	ck_assert(h.model_id == ncmp_model_id(model));
	out = malloc(n + 1);
	ck_assert(out);
	r = ncmp_file_decompress(model, coded, len, out, n, 2, msg);
	ck_assert_msg(r == (long long)n, "%s", msg);
	ck_assert(!memcmp(out, raw, n));
	free(raw);
	free(coded);
	free(out);
}
END_TEST

/* All excerpts as one stream, a block every 700 bytes, with block CRCs. */
START_TEST(the_golden_stream_codes_and_decodes)
{
	uint8_t *all = NULL, *raw, *coded = malloc(65536), *dec;
	struct ncmp_out out = { coded, 65536, 0 };
	struct ncmp_in in;
	ncmp_stream_enc *e;
	ncmp_stream_dec *d;
	size_t total = 0, n, pos, i;

	ck_assert(coded);
	for (i = 0; i < NGOLDEN; i++) {
		raw = read_whole(golden_path(goldens[i].raw, ""), &n);
		all = realloc(all, total + n);
		ck_assert(all);
		memcpy(all + total, raw, n);
		total += n;
		free(raw);
	}
	ck_assert(!ncmp_stream_enc_new(&e, model, NCMP_STREAM_BLOCK_CRC));
	for (pos = 0; pos < total; pos += in.size) {
		in = (struct ncmp_in){ all + pos, total - pos < 700 ? total - pos : 700, 0 };
		ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_FLUSH), 0);
	}
	in = (struct ncmp_in){ NULL, 0, 0 };
	ck_assert_int_eq(ncmp_stream_encode(e, &out, &in, NCMP_END), 0);
	ncmp_stream_enc_free(e);
	expect_golden(golden_path("all", ".ncms"), coded, out.pos);

	free(coded);
	coded = read_whole(golden_path("all", ".ncms"), &n);
	dec = malloc(total);
	ck_assert(dec && !ncmp_stream_dec_new(&d, model));
	in = (struct ncmp_in){ coded, n, 0 };
	out = (struct ncmp_out){ dec, total, 0 };
	ck_assert_int_eq(ncmp_stream_decode(d, &out, &in, NCMP_END), 0);
	ck_assert_uint_eq(out.pos, total);
	ck_assert(!memcmp(dec, all, total));
	ncmp_stream_dec_free(d);
	free(coded);
	free(dec);
	free(all);
}
END_TEST

START_TEST(a_model_id_is_the_start_of_the_files_sha256)
{
	char cmd[PATH_MAX + 64], want[17], got[17];
	FILE *p;

	/* coreutils, not our own SHA-256, says what the id must be */
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'",
		 repo_path("tests/golden/o2mix.ncmm"));
	p = popen(cmd, "r");
	ck_assert(p != NULL);
	ck_assert(fgets(want, sizeof(want), p) != NULL);
	pclose(p);
	ck_assert_str_eq(ncmp_model_id_str(ncmp_model_id(model), got), want);
}
END_TEST

static Suite *golden_suite(void)
{
	Suite *s = suite_create("codec_golden");
	TCase *tc = tcase_create("golden");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, coding_an_excerpt_gives_its_golden_file, 0,
			    NGOLDEN);
	tcase_add_loop_test(tc, a_golden_file_decodes_to_its_excerpt, 0,
			    NGOLDEN);
	tcase_add_test(tc, the_golden_stream_codes_and_decodes);
	tcase_add_test(tc, a_model_id_is_the_start_of_the_files_sha256);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(golden_suite());
	int failed;

	/* update mode writes files: run the writers before the readers */
	if (getenv("NCMP_GOLDEN_UPDATE"))
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
