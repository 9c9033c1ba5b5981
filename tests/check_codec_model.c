// SPDX-License-Identifier: GPL-2.0
/*
 * Model files (docs/FORMAT.md, "Model file"): loading, ids, the search by
 * id, and a parser that refuses every malformed or damaged file with a
 * message instead of trusting it.
 */
#include "check_codec.h"
#include "bytes.h"
#include "model.h"
#include "sha256.h"
#include "wire/crc32.h"

#define O2MIX_PARAMS "prob_bits=16\norder2_bits=12\ninc=4\nlimit0=8000\n" \
		     "limit1=2000\nlimit2=500\nesc=96\n"

struct section {
	const char *tag;
	const void *data;
	size_t len;		/* 0: strlen(data) */
};

/* Assemble a model file; returns its length. */
static size_t build(const struct section *s, size_t n, uint8_t *out)
{
	size_t off = 16, len, i;

	memset(out, 0, 4096);
	for (i = 0; i < n; i++) {
		len = s[i].len ? s[i].len : strlen(s[i].data);
		memcpy(out + off, s[i].tag, 4);
		put_le32(out + off + 4, (uint32_t)len);
		memcpy(out + off + 8, s[i].data, len);
		off += 8 + (len + 7) / 8 * 8;
	}
	memcpy(out, "NCMM", 4);
	put_le16(out + 4, 1);
	put_le32(out + 8, (uint32_t)off + 4);
	put_le32(out + 12, (uint32_t)n);
	put_le32(out + off, ncmp_crc32(0, out, off));
	return off + 4;
}

/* Load, expecting @err and a message containing @text. */
static void expect(const uint8_t *buf, size_t len, int err, const char *text)
{
	char msg[NCMP_MSG_MAX] = "";
	ncmp_model *m;
	int r;

	r = ncmp_model_load_buffer(&m, buf, len, msg);
	ck_assert_msg(r == err, "got %s (%s), expected %s", ncmp_error_name(r),
		      msg, ncmp_error_name(err));
	if (err) {
		ck_assert_ptr_null(m);
		ck_assert_msg(strstr(msg, text), "'%s' lacks '%s'", msg, text);
	} else {
		ncmp_model_free(m);
	}
}

static size_t o2mix_file(uint8_t *buf, const char *params)
{
	const struct section s[] = {
		{ "ARCH", "o2mix", 0 },
		{ "PARM", params, 0 },
		{ "META", "name=test\n", 0 },
	};

	return build(s, 3, buf);
}

START_TEST(the_built_in_model_loads)
{
	struct ncmp_model_info info;
	uint8_t digest[SHA256_LEN];
	ncmp_model *m;

	ck_assert_int_eq(ncmp_model_load_default(&m, NULL), 0);
	ncmp_model_info(m, &info);
	sha256(model_builtin, model_builtin_len, digest);
	ck_assert(info.id == get_be64(digest));
	ck_assert_uint_eq(info.file_size, model_builtin_len);
	ck_assert_uint_ge(info.prob_bits, 12);
	ck_assert_uint_le(info.prob_bits, 16);
	ck_assert_uint_gt(info.state_size, 0);
	ncmp_model_free(m);
}
END_TEST

START_TEST(a_model_file_shows_its_parameters_and_metadata)
{
	const char *key, *value;
	uint8_t buf[4096];
	ncmp_model *m;
	size_t len;

	len = o2mix_file(buf, O2MIX_PARAMS);
	ck_assert_int_eq(ncmp_model_load_buffer(&m, buf, len, NULL), 0);
	ck_assert_int_eq(ncmp_model_param(m, 1, &key, &value), 0);
	ck_assert_str_eq(key, "order2_bits");
	ck_assert_str_eq(value, "12");
	ck_assert_int_eq(ncmp_model_param(m, 7, &key, &value), NCMP_E_PARAM);
	ck_assert_int_eq(ncmp_model_meta(m, 0, &key, &value), 0);
	ck_assert_str_eq(key, "name");
	ck_assert_str_eq(value, "test");
	ncmp_model_free(m);
}
END_TEST

START_TEST(damaged_headers_are_refused)
{
	uint8_t buf[4096], bad[4096];
	size_t len, cut;

	len = o2mix_file(buf, O2MIX_PARAMS);
	expect(buf, len, 0, NULL);
	for (cut = 0; cut < len; cut++)
		expect(buf, cut, NCMP_E_MODEL_FORMAT,
		       cut < 20 ? "too short" : "truncated");
	memcpy(bad, buf, len);
	bad[0] = 'X';
	expect(bad, len, NCMP_E_MODEL_FORMAT, "magic");
	memcpy(bad, buf, len);
	put_le16(bad + 4, 2);
	expect(bad, len, NCMP_E_VERSION, "version 2");
	memcpy(bad, buf, len);
	bad[len / 2] ^= 4;
	expect(bad, len, NCMP_E_MODEL_FORMAT, "CRC32");
	memcpy(bad, buf, len);
	put_le16(bad + 6, 1);
	put_le32(bad + len - 4, ncmp_crc32(0, bad, len - 4));
	expect(bad, len, NCMP_E_MODEL_FORMAT, "flags");
}
END_TEST

START_TEST(every_flipped_bit_is_refused)
{
	uint8_t buf[4096];
	size_t len, bit;
	ncmp_model *m;

	len = o2mix_file(buf, O2MIX_PARAMS);
	for (bit = 0; bit < len * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << bit % 8);
		ck_assert_msg(ncmp_model_load_buffer(&m, buf, len, NULL) < 0,
			      "bit %zu", bit);
		buf[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
}
END_TEST

START_TEST(sections_are_checked)
{
	uint8_t buf[4096];
	size_t len;
	const struct section no_arch[] = { { "PARM", O2MIX_PARAMS, 0 } };
	const struct section two_arch[] = { { "ARCH", "o2mix", 0 },
		{ "ARCH", "o2mix", 0 }, { "PARM", O2MIX_PARAMS, 0 } };
	const struct section unknown_arch[] = { { "ARCH", "lstm9", 0 } };
	const struct section critical[] = { { "ARCH", "o2mix", 0 },
		{ "PARM", O2MIX_PARAMS, 0 }, { "NEW!", "x", 0 } };
	const struct section optional[] = { { "ARCH", "o2mix", 0 },
		{ "PARM", O2MIX_PARAMS, 0 }, { "note", "skip me", 0 } };

	expect(buf, build(no_arch, 1, buf), NCMP_E_MODEL_FORMAT, "no ARCH");
	expect(buf, build(two_arch, 3, buf), NCMP_E_MODEL_FORMAT, "ARCH");
	expect(buf, build(unknown_arch, 1, buf), NCMP_E_MODEL_ARCH, "'lstm9'");
	expect(buf, build(critical, 3, buf), NCMP_E_MODEL_FORMAT, "'NEW!'");
	expect(buf, build(optional, 3, buf), 0, NULL);
	/* a section longer than the file */
	len = build(critical, 2, buf);
	put_le32(buf + 16 + 4, 4000);
	put_le32(buf + len - 4, ncmp_crc32(0, buf, len - 4));
	expect(buf, len, NCMP_E_MODEL_FORMAT, "bad length");
	/* padding must be zeros */
	len = build(critical, 2, buf);
	buf[16 + 8 + 5] = 1;
	put_le32(buf + len - 4, ncmp_crc32(0, buf, len - 4));
	expect(buf, len, NCMP_E_MODEL_FORMAT, "bad length");
}
END_TEST

START_TEST(text_sections_are_checked)
{
	static const struct {
		const char *params;
		const char *why;
	} bad[] = {
		{ "prob_bits=16", "newline" },
		{ "prob_bits=16\nnoequals\n", "not key=value" },
		{ "Prob_bits=16\n", "bad key" },
		{ "=16\n", "bad key" },
		{ "prob_bits=16\nprob_bits=15\n", "twice" },
	};
	uint8_t buf[4096];
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(buf, o2mix_file(buf, bad[i].params),
		       NCMP_E_MODEL_FORMAT, bad[i].why);
	/* a NUL inside the text */
	len = o2mix_file(buf, "prob_bits=1X\n");
	buf[16 + 16 + 8 + 11] = 0;
	put_le32(buf + len - 4, ncmp_crc32(0, buf, len - 4));
	expect(buf, len, NCMP_E_MODEL_FORMAT, "NUL");
}
END_TEST

START_TEST(parameters_are_checked_by_the_kind)
{
	uint8_t buf[4096];

	expect(buf, o2mix_file(buf, "order2_bits=12\n"), NCMP_E_MODEL_FORMAT,
	       "prob_bits");
	expect(buf, o2mix_file(buf, "prob_bits=17\n" "order2_bits=12\n"),
	       NCMP_E_MODEL_FORMAT, "prob_bits");
	expect(buf, o2mix_file(buf, O2MIX_PARAMS "colour=blue\n"),
	       NCMP_E_MODEL_FORMAT, "unknown parameter 'colour'");
	expect(buf, o2mix_file(buf, "prob_bits=+16\norder2_bits=12\ninc=4\n"
			       "limit0=8000\nlimit1=2000\nlimit2=500\nesc=96\n"),
	       NCMP_E_MODEL_FORMAT, "prob_bits");
	/* counts must fit the 16-bit trees: limit + inc <= 65535 */
	expect(buf, o2mix_file(buf, "prob_bits=16\norder2_bits=12\ninc=4\n"
			       "limit0=65534\nlimit1=2000\nlimit2=500\nesc=96\n"),
	       NCMP_E_MODEL_FORMAT, "limit0");
}
END_TEST

/* A TNSR section: 56-byte header, then the values. */
static size_t tensor(uint8_t *t, const char *name, unsigned int type,
		     uint32_t d0, uint32_t d1, size_t data_len)
{
	memset(t, 0, 56 + data_len);
	memcpy(t, name, strlen(name));
	t[32] = (uint8_t)type;
	t[33] = 2;
	t[34] = 7;			/* scale 3 / 2^7 */
	put_le32(t + 36, 3);
	put_le32(t + 40, d0);
	put_le32(t + 44, d1);
	put_le32(t + 48, 1);
	put_le32(t + 52, 1);
	return 56 + data_len;
}

START_TEST(tensors_are_parsed_and_checked)
{
	uint8_t buf[4096], t[512];
	struct section s[] = { { "ARCH", "o2mix", 0 },
		{ "PARM", O2MIX_PARAMS, 0 }, { "TNSR", t, 0 } };

	/* well formed: the parser accepts it, then o2mix says it has none */
	s[2].len = tensor(t, "emb.0", 3, 4, 8, 4 * 8 * 2);
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "no tensors");
	s[2].len = tensor(t, "emb.0", 3, 4, 8, 4 * 8 * 2 - 1);
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "data bytes");
	s[2].len = tensor(t, "emb.0", 9, 4, 8, 4 * 8);
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "bad type");
	s[2].len = tensor(t, "Emb", 1, 4, 8, 4 * 8);
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "bad name");
	s[2].len = tensor(t, "emb", 1, 0, 8, 0);
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "dimension");
	/* dimensions whose product overflows 64 bits */
	s[2].len = tensor(t, "emb", 1, 0xffffffffu, 0xffffffffu, 8);
	t[33] = 4;
	put_le32(t + 48, 0xffffffffu);
	put_le32(t + 52, 0xffffffffu);
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "data bytes");
	s[2].len = 20;
	expect(buf, build(s, 3, buf), NCMP_E_MODEL_FORMAT, "truncated");
}
END_TEST

START_TEST(a_model_is_found_by_its_id)
{
	char dir[] = "/tmp/ncmp-models-XXXXXX", path[PATH_MAX], msg[NCMP_MSG_MAX];
	ncmp_model *m, *found;
	uint8_t buf[4096];
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	len = o2mix_file(buf, "prob_bits=16\norder2_bits=11\ninc=4\n"
			 "limit0=8000\nlimit1=2000\nlimit2=500\nesc=96\n");
	write_whole(path_join(path, dir, "/not-a-model.txt"), "x", 1);
	write_whole(path_join(path, dir, "/a.ncmm"), "junk", 4);
	write_whole(path_join(path, dir, "/b.ncmm"), buf, len);
	ck_assert_int_eq(ncmp_model_load_buffer(&m, buf, len, NULL), 0);
	ck_assert_int_eq(ncmp_model_find(&found, ncmp_model_id(m), dir, msg), 0);
	ck_assert(ncmp_model_id(found) == ncmp_model_id(m));
	ncmp_model_free(found);
	/* a directory list, as in $PATH, with missing entries */
	snprintf(msg, sizeof(msg), "/nonexistent::%s", dir);
	ck_assert_int_eq(ncmp_model_find(&found, ncmp_model_id(m), msg, NULL), 0);
	ncmp_model_free(found);
	/* an id nobody has: the message names it */
	ck_assert_int_eq(ncmp_model_find(&found, 0xfeedull, dir, msg),
			 NCMP_E_MODEL_UNKNOWN);
	ck_assert_ptr_null(found);
	ck_assert_ptr_nonnull(strstr(msg, "000000000000feed"));
	ncmp_model_free(m);
	/* the built-in model needs no directory */
	ck_assert_int_eq(ncmp_model_load_default(&m, NULL), 0);
	ck_assert_int_eq(ncmp_model_find(&found, ncmp_model_id(m), NULL, NULL), 0);
	ncmp_model_free(found);
	ncmp_model_free(m);
	unlink(path_join(path, dir, "/not-a-model.txt"));
	unlink(path_join(path, dir, "/a.ncmm"));
	unlink(path_join(path, dir, "/b.ncmm"));
	rmdir(dir);
}
END_TEST

START_TEST(unreadable_model_files_are_reported)
{
	char msg[NCMP_MSG_MAX];
	ncmp_model *m;

	ck_assert_int_eq(ncmp_model_load_file(&m, "/nonexistent.ncmm", msg),
			 NCMP_E_IO);
	ck_assert_ptr_nonnull(strstr(msg, "/nonexistent.ncmm"));
	ck_assert_int_eq(ncmp_model_load_file(&m, "/tmp", msg),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_ptr_nonnull(strstr(msg, "regular file"));
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("codec_model");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, the_built_in_model_loads);
	tcase_add_test(tc, a_model_file_shows_its_parameters_and_metadata);
	tcase_add_test(tc, damaged_headers_are_refused);
	tcase_add_test(tc, every_flipped_bit_is_refused);
	tcase_add_test(tc, sections_are_checked);
	tcase_add_test(tc, text_sections_are_checked);
	tcase_add_test(tc, parameters_are_checked_by_the_kind);
	tcase_add_test(tc, tensors_are_parsed_and_checked);
	tcase_add_test(tc, a_model_is_found_by_its_id);
	tcase_add_test(tc, unreadable_model_files_are_reported);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
