// SPDX-License-Identifier: GPL-2.0
/*
 * The hcm model: the C runtime against the parity vectors that the Python
 * reference of the integer arithmetic wrote (training/export.py), on every
 * kernel this CPU has; identical coded bytes from every kernel; round trips;
 * and rejection of malformed hcm model files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_hcm.h"
#include "ncmp.h"
#include "wire/crc32.h"

/* The shipped models; each has parity vectors beside it (NAME.vec). */
static const char *const models[] = { "default", "large" };

static char *path_of(const char *rel)
{
	const char *dir = getenv("NCMP_SRCDIR");
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : ".", rel);
	return buf;
}

static ncmp_model *load_model(const char *name)
{
	char msg[NCMP_MSG_MAX], rel[64];
	ncmp_model *m;
	int err;

	snprintf(rel, sizeof(rel), "models/%s.ncmm", name);
	err = ncmp_model_load_file(&m, path_of(rel), msg);
	ck_assert_msg(!err, "%s: %s", rel, msg);
	return m;
}

/* Read "TAG v v v ..." into @v; returns the count. */
static size_t read_row(FILE *f, const char *tag, long *v, size_t max)
{
	char word[16];
	size_t n = 0;
	int c;

	ck_assert_int_eq(fscanf(f, "%15s", word), 1);
	ck_assert_str_eq(word, tag);
	while ((c = fgetc(f)) == ' ') {
		ck_assert_uint_lt(n, max);
		ck_assert_int_eq(fscanf(f, "%ld", &v[n]), 1);
		n++;
	}
	ck_assert_int_eq(c, '\n');
	return n;
}

static size_t read_input(FILE *f, uint8_t *in, size_t max)
{
	char hex[2 * 1024 + 1];
	size_t n;
	unsigned int b;

	ck_assert_int_eq(fscanf(f, "hcm-parity 1 input %2048s", hex), 1);
	n = strlen(hex) / 2;
	ck_assert_uint_le(n, max);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		in[i] = (uint8_t)b;
	}
	return n;
}

/* Every layer, node logit and probability must equal the vectors. */
static void check_vectors(const struct hcm_net *net, const char *name)
{
	static int8_t x[HCM_MAX_CTX * HCM_MAX_WIDTH];
	static int8_t layers[HCM_MAX_LAYERS][HCM_MAX_WIDTH];
	static long v[HCM_MAX_CTX * HCM_MAX_WIDTH];
	uint8_t in[1024];
	size_t n, cnt, nl;
	char tag[8], rel[64];
	FILE *f;

	snprintf(rel, sizeof(rel), "models/%s.vec", name);
	f = fopen(path_of(rel), "r");
	ck_assert_msg(f != NULL, "cannot open %s", rel);
	n = read_input(f, in, sizeof(in));
	ck_assert_int_eq(fscanf(f, " layers %zu\n", &nl), 1);
	ck_assert_uint_eq(nl, net->n_layers + 1);
	for (size_t t = 0; t < n; t++) {
		const int8_t *h = layers[net->n_layers - 1];
		unsigned int node = 1;

		hcm_net_trunk(net, in, t, x, layers);
		cnt = read_row(f, "l0", v, HCM_MAX_CTX * HCM_MAX_WIDTH);
		ck_assert_uint_eq(cnt, net->n_ctx * net->emb);
		for (size_t i = 0; i < cnt; i++)
			ck_assert_msg(x[i] == v[i], "byte %zu: embedding %zu", t, i);
		for (uint32_t l = 0; l < net->n_layers; l++) {
			snprintf(tag, sizeof(tag), "l%u", l + 1);
			cnt = read_row(f, tag, v, HCM_MAX_WIDTH);
			ck_assert_uint_eq(cnt, net->layer[l].n_out);
			for (size_t i = 0; i < cnt; i++)
				ck_assert_msg(layers[l][i] == v[i],
					      "byte %zu: layer %u unit %zu: %d, reference %ld",
					      t, l + 1, i, layers[l][i], v[i]);
		}
		cnt = read_row(f, "n", v, 8);
		ck_assert_uint_eq(cnt, 8);
		for (int b = 0; b < 8; b++) {
			ck_assert_int_eq(hcm_net_node_logit(net, h, node), v[b]);
			node = node * 2 + ((in[t] >> (7 - b)) & 1);
		}
		read_row(f, "p", v + 8, 8);
		for (int b = 0; b < 8; b++)
			ck_assert_uint_eq(hcm_squash((int)v[b]), v[8 + b]);
	}
	fclose(f);
}

static const enum hcm_isa isas[] = {
	HCM_ISA_SCALAR, HCM_ISA_AVX2, HCM_ISA_AVXVNNI, HCM_ISA_NEON,
};

START_TEST(runtime_matches_the_python_reference_on_every_kernel)
{
	ncmp_model *m = load_model(models[_i]);
	size_t ran = 0;

	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		if (hcm_select_isa(isas[i]) != isas[i])
			continue;
		check_vectors(hcm_model_net(m), models[_i]);
		ran++;
	}
	ck_assert_uint_ge(ran, 1);
	hcm_select_isa(HCM_ISA_AUTO);
	ncmp_model_free(m);
}
END_TEST

/*
 * A net of random weights with the extremes (-128, 127) everywhere, two
 * layers and a 16-byte tail: every kernel must compute what the scalar
 * path does, whether the first layer's weights hold -128 (_i == 0: the
 * kernels may not move the embeddings' sign onto them) or not (_i == 1).
 */
static uint32_t rnd_state;

static int8_t rnd_i8(int lo)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	switch (rnd_state >> 29) {
	case 0:
		return (int8_t)lo;
	case 1:
		return 127;
	default:
		return (int8_t)(lo + (int)((rnd_state >> 8) % (uint32_t)(128 - lo)));
	}
}

static int8_t *rnd_tensor(size_t n, int lo)
{
	int8_t *t = malloc(n);

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < n; i++)
		t[i] = rnd_i8(lo);
	return t;
}

START_TEST(kernels_agree_on_extreme_weights)
{
	static const uint32_t width[] = { 48, 32 };
	static int8_t x[2][HCM_MAX_CTX * HCM_MAX_WIDTH];
	static int8_t layers[2][HCM_MAX_LAYERS][HCM_MAX_WIDTH];
	static int32_t bias[256];
	struct hcm_net net = {
		.n_ctx = 3, .order = { 1, 2, HCM_WORD }, .table_bits = 8,
		.emb = 16, .n_layers = 2, .head_shift = 6, .head_b = bias,
	};
	uint8_t hist[64];
	int ref[256];
	int8_t *owned[8];
	size_t n_owned = 0;

	rnd_state = 7 + (uint32_t)_i;
	net.mix_init = bias;
	for (uint32_t k = 0; k < net.n_ctx; k++)
		net.table[k] = owned[n_owned++] = rnd_tensor(256 * 16, -128);
	for (uint32_t l = 0, n_in = 48; l < 2; n_in = width[l++]) {
		struct hcm_layer *ly = &net.layer[l];

		ly->n_in = n_in;
		ly->n_out = width[l];
		ly->shift = 8;
		ly->b = bias;
		ly->w = owned[n_owned++] = rnd_tensor(n_in * width[l],
						       _i ? -127 : -128);
		hcm_layer_prepare(ly);
		ck_assert(ly->w_s7 == _i);
	}
	net.head_w = owned[n_owned++] = rnd_tensor(256 * 32, -128);
	for (int i = 0; i < 256; i++)
		bias[i] = (int32_t)(i * 97 % 8192) - 4096;
	ck_assert_int_eq(hcm_net_check(&net, NULL), 0);
	for (size_t i = 0; i < sizeof(hist); i++)
		hist[i] = (uint8_t)rnd_i8(-128);
	for (size_t t = 0; t < sizeof(hist); t++) {
		hcm_select_isa(HCM_ISA_SCALAR);
		hcm_net_trunk(&net, hist, t, x[0], layers[0]);
		for (unsigned int node = 1; node < 256; node++)
			ref[node] = hcm_net_node_logit(&net, layers[0][1], node);
		for (size_t i = 1; i < sizeof(isas) / sizeof(isas[0]); i++) {
			if (hcm_select_isa(isas[i]) != isas[i])
				continue;
			hcm_net_trunk(&net, hist, t, x[1], layers[1]);
			ck_assert_mem_eq(layers[1][0], layers[0][0], width[0]);
			ck_assert_mem_eq(layers[1][1], layers[0][1], width[1]);
			for (unsigned int node = 1; node < 256; node++)
				ck_assert_int_eq(hcm_net_node_logit(&net, layers[1][1], node),
						 ref[node]);
		}
	}
	hcm_select_isa(HCM_ISA_AUTO);
	while (n_owned)
		free(owned[--n_owned]);
}
END_TEST

/* Text with repeats, binary noise and long runs: every model path. */
static uint8_t *sample(size_t n)
{
	static const char *const words[] = {
		"{\"time\":", "\"lat\":", "ERROR ", "INFO ", "int ", "return ",
		"\n", ",", "0", "1", "2", "sensor", "  ", "$GPGGA,",
	};
	uint8_t *p = malloc(n);
	uint32_t x = 12345;
	size_t i = 0;

	ck_assert_ptr_nonnull(p);
	while (i < n) {
		x = x * 1103515245 + 12345;
		if ((x >> 28) == 0) {
			p[i++] = (uint8_t)(x >> 8);
			continue;
		}
		for (const char *w = words[(x >> 16) % 14]; *w && i < n; w++)
			p[i++] = (uint8_t)*w;
	}
	return p;
}

START_TEST(every_kernel_codes_the_same_bytes_and_round_trips)
{
	ncmp_model *m = load_model("default");
	size_t n = 40000, cap = ncmp_file_bound(n, 4096);
	uint8_t *src = sample(n), *ref = malloc(cap), *out = malloc(cap);
	uint8_t *back = malloc(n);
	long long len, rlen = -1;

	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		if (hcm_select_isa(isas[i]) != isas[i])
			continue;
		len = ncmp_file_compress(m, src, n, out, cap, 4096, 2);
		ck_assert_int_gt(len, 0);
		ck_assert_int_lt(len, (long long)n / 2);
		if (rlen < 0) {
			rlen = len;
			memcpy(ref, out, (size_t)len);
		}
		ck_assert_msg(len == rlen && !memcmp(out, ref, (size_t)len),
			      "%s codes differently", hcm_isa_name(isas[i]));
		ck_assert_int_eq(ncmp_file_decompress(m, ref, (size_t)rlen,
						      back, n, 1, NULL),
				 (long long)n);
		ck_assert_mem_eq(back, src, n);
	}
	hcm_select_isa(HCM_ISA_AUTO);
	free(src);
	free(ref);
	free(out);
	free(back);
	ncmp_model_free(m);
}
END_TEST

/* The model file with one PARM value replaced (same length), CRC fixed. */
static int load_patched(const char *from, const char *to)
{
	FILE *f = fopen(path_of("models/default.ncmm"), "rb");
	size_t len, got;
	uint8_t *buf, *p;
	char msg[NCMP_MSG_MAX];
	ncmp_model *m;
	uint32_t crc;
	int err;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len);
	got = fread(buf, 1, len, f);
	fclose(f);
	ck_assert_uint_eq(got, len);
	p = memmem(buf, len, from, strlen(from));
	ck_assert_ptr_nonnull(p);
	memcpy(p, to, strlen(to));
	crc = ncmp_crc32(0, buf, len - 4);
	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t)(crc >> (8 * i));
	err = ncmp_model_load_buffer(&m, buf, len, msg);
	free(buf);
	if (!err)
		ncmp_model_free(m);
	return err;
}

START_TEST(malformed_hcm_parameters_are_rejected)
{
	ck_assert_int_eq(load_patched("emb=16\n", "emb=32\n"),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_int_eq(load_patched("layers=1\n", "layers=2\n"),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_int_eq(load_patched("orders=1,", "orders=9,"),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_int_eq(load_patched("prob_bits=12", "prob_bits=16"),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_int_eq(load_patched("head_shift=3", "head_shift=0"),
			 NCMP_E_MODEL_FORMAT);
	/* a model for another adaptive stage would code different bits */
	ck_assert_int_eq(load_patched("stage=2\n", "stage=1\n"),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_int_eq(load_patched("stage=2\n", "stage=3\n"),
			 NCMP_E_MODEL_FORMAT);
	ck_assert_int_eq(load_patched("stage=2\n", "stage=2\n"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_hcm");
	TCase *tc = tcase_create("hcm");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, runtime_matches_the_python_reference_on_every_kernel,
			    0, sizeof(models) / sizeof(models[0]));
	tcase_add_loop_test(tc, kernels_agree_on_extreme_weights, 0, 2);
	tcase_add_test(tc, every_kernel_codes_the_same_bytes_and_round_trips);
	tcase_add_test(tc, malformed_hcm_parameters_are_rejected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
