// SPDX-License-Identifier: GPL-2.0
/*
 * hcm_eval: measure an hcm model (raw export, training/export.py --raw) on
 * files: ideal code length of each file whole and cut into independent
 * blocks, and the model's speed. A research tool for the model sweep; the
 * codec's own numbers come from bench/.
 *
 *   [HCM_ADAPT_BITS=18] hcm_eval MODEL.raw BLOCK FILE...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_hcm.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		n = 0;
	fclose(f);
	*len = n;
	return buf;
}

static uint32_t rd32(const uint8_t **p)
{
	uint32_t v;

	memcpy(&v, *p, 4);
	*p += 4;
	return v;
}

static void load_raw(struct hcm_net *net, const uint8_t *p)
{
	static int32_t mix[HCM_NIN];
	uint32_t rows;

	p += 4;
	net->n_ctx = rd32(&p);
	for (uint32_t k = 0; k < net->n_ctx; k++)
		net->order[k] = rd32(&p);
	net->table_bits = rd32(&p);
	net->emb = rd32(&p);
	net->n_layers = rd32(&p);
	for (uint32_t l = 0; l < net->n_layers; l++) {
		net->layer[l].n_in = rd32(&p);
		net->layer[l].n_out = rd32(&p);
		net->layer[l].shift = rd32(&p);
	}
	net->head_shift = rd32(&p);
	for (uint32_t i = 0; i < HCM_NIN; i++)
		mix[i] = (int32_t)rd32(&p);
	net->mix_init = mix;
	for (uint32_t k = 0; k < net->n_ctx; k++) {
		rows = net->order[k] == 1 ? 256 : 1u << net->table_bits;
		net->table[k] = (const int8_t *)p;
		p += (size_t)rows * net->emb;
	}
	for (uint32_t l = 0; l < net->n_layers; l++) {
		net->layer[l].w = (const int8_t *)p;
		p += (size_t)net->layer[l].n_in * net->layer[l].n_out;
		net->layer[l].b = (const int32_t *)p;
		p += 4 * net->layer[l].n_out;
		hcm_layer_prepare(&net->layer[l]);
	}
	net->head_w = (const int8_t *)p;
	p += 256 * net->layer[net->n_layers - 1].n_out;
	net->head_b = (const int32_t *)p;
}

static double code_block(struct hcm_state *st, const uint8_t *p, size_t n)
{
	double bits = 0;

	hcm_state_reset(st);
	for (size_t i = 0; i < n; i++) {
		for (int b = 7; b >= 0; b--) {
			unsigned int bit = (p[i] >> b) & 1;
			unsigned int pr = hcm_predict(st);

			bits -= log2((bit ? pr : 4096 - pr) / 4096.0);
			hcm_update(st, bit);
		}
	}
	return bits;
}

int main(int argc, char **argv)
{
	struct hcm_net net = { 0 };
	size_t mlen, block;
	uint8_t *model;
	double tw = 0, tb = 0, total = 0, secs = 0;
	char msg[256];
	unsigned int adapt = 18;

	if (argc < 4)
		return 2;
	model = slurp(argv[1], &mlen);
	if (!model)
		return 1;
	load_raw(&net, model);
	if (hcm_net_check(&net, msg)) {
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	block = strtoul(argv[2], NULL, 0);
	if (getenv("HCM_ADAPT_BITS"))
		adapt = (unsigned int)atoi(getenv("HCM_ADAPT_BITS"));
	for (int a = 3; a < argc; a++) {
		size_t n;
		uint8_t *d = slurp(argv[a], &n);
		struct hcm_state *sw, *sb;
		struct timespec t0, t1;
		double w, b = 0;

		if (!d)
			continue;
		sw = hcm_state_new(&net, adapt);
		sb = hcm_state_new(&net, adapt);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		w = code_block(sw, d, n);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		secs += t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		for (size_t o = 0; block && o < n; o += block)
			b += code_block(sb, d + o, n - o < block ? n - o : block);
		tw += w;
		tb += b;
		total += n;
		hcm_state_free(sw);
		hcm_state_free(sb);
		free(d);
	}
	printf("bytes %.0f whole %.4f bpb block %.4f bpb speed %.2f MB/s isa %s\n",
	       total, tw / total, tb / total, total / secs / 1e6,
	       hcm_isa_name(hcm_select_isa(HCM_ISA_AUTO)));
	return 0;
}
