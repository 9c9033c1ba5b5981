/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hcm: the ncmp neural byte model ("hashed-context MLP") with CM-style
 * online adaptation, coding each byte as 8 binary decisions.
 *
 * Per byte a pretrained int8 network reads hashed contexts of the bytes
 * before it (orders 1..8, a word and a shape context), looks up one int8 embedding
 * row per context, runs one or two int8 layers (clipped ReLU to 0..127) and
 * gives, per bit, the logit of the bit-tree node on the byte's path
 * (training/ncmpnet.py is the reference of this arithmetic).
 *
 * Per bit, adaptive parts that encoder and decoder update identically
 * refine it: hashed bit counters for the same contexts and a few more, a
 * match model for long and near repeats, two logistic mixers whose weights
 * start from the values learned offline and a final one, and an APM/SSE
 * stage. Everything is integer; sums are
 * exact and never saturate, so the scalar, AVX2 and NEON paths give the
 * same bits.
 */
#ifndef NCMP_MODEL_HCM_H
#define NCMP_MODEL_HCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ncmp.h"

#define HCM_MAX_CTX	8
#define HCM_MAX_LAYERS	3
#define HCM_MAX_WIDTH	256
#define HCM_WORD	0	/* order code of the word context */
#define HCM_SHAPE	9	/* order code of the shape context */
#define HCM_EXTRA	4	/* adaptive contexts beyond the net's */
#define HCM_NIN		16	/* mixer inputs, padded */

/* A dense int8 layer: out[j] = clamp(round((b[j] + w[j] . x) >> shift)). */
struct hcm_layer {
	const int8_t *w;	/* [n_out][n_in] */
	const int32_t *b;	/* [n_out] */
	uint32_t n_in;		/* multiple of 16 */
	uint32_t n_out;		/* multiple of 16 */
	uint32_t shift;
	/* set by hcm_layer_prepare(): */
	bool w_s7;		/* no weight is -128 */
	int32_t w_sum[HCM_MAX_WIDTH];	/* sum of each row's weights */
};

/* The immutable network; its arrays belong to whoever loaded the model. */
struct hcm_net {
	uint32_t n_ctx;
	uint8_t order[HCM_MAX_CTX];	/* 1..8, HCM_WORD or HCM_SHAPE */
	uint32_t table_bits;		/* rows of tables of order >= 2 */
	uint32_t emb;			/* embedding width, multiple of 16 */
	const int8_t *table[HCM_MAX_CTX];
	uint32_t n_layers;
	struct hcm_layer layer[HCM_MAX_LAYERS];
	const int8_t *head_w;		/* [256][width], row 0 unused */
	const int32_t *head_b;		/* [256] */
	uint32_t head_shift;
	const int32_t *mix_init;	/* [HCM_NIN] initial mixer weights */
};

/* Which arithmetic kernels run; all give identical results. */
enum hcm_isa {
	HCM_ISA_AUTO,
	HCM_ISA_SCALAR,
	HCM_ISA_AVX2,
	HCM_ISA_NEON,
	HCM_ISA_AVXVNNI,
};

/*
 * Choose the kernels for this process: @isa, or with HCM_ISA_AUTO the
 * NCMP_ISA environment variable ("scalar", "avx2", "avxvnni", "neon") or
 * the best the CPU has. Returns the ISA in use; asking for one the CPU or
 * the build lacks gives the scalar path.
 */
enum hcm_isa hcm_select_isa(enum hcm_isa isa);
const char *hcm_isa_name(enum hcm_isa isa);

/* Fill in what the kernels derive from a layer's weights, once. */
void hcm_layer_prepare(struct hcm_layer *ly);

/*
 * Check the shapes of a filled-in net: 0, or NCMP_E_MODEL_FORMAT with a
 * message in @msg (NCMP_MSG_MAX bytes, may be NULL).
 */
int hcm_net_check(const struct hcm_net *net, char *msg);

struct hcm_state;

/*
 * State for coding with @net: @log2_size sizes the adaptive tables and
 * the match history (pass about log2 of the longest block; it is clamped
 * to 12..20). NULL when out of memory.
 */
struct hcm_state *hcm_state_new(const struct hcm_net *net,
				unsigned int log2_size);
void hcm_state_free(struct hcm_state *st);
size_t hcm_state_size(const struct hcm_net *net, unsigned int log2_size);

/* Forget everything: the state is as new (start of an independent block). */
void hcm_state_reset(struct hcm_state *st);

/* P(next bit = 1) in 1..4095 out of 4096; bits go most significant first. */
unsigned int hcm_predict(struct hcm_state *st);

/* Learn the bit just coded. */
void hcm_update(struct hcm_state *st, unsigned int bit);

/*
 * The integer network alone, for parity tests: the trunk for the byte after
 * the history @hist[0..n) (0 bytes before it), with the embeddings in @x
 * (n_ctx * emb bytes) and every layer's output in @layers (n_layers rows);
 * then the stretch-domain logit of bit-tree node 1..255 from the last layer
 * @h, and the 12-bit probability of a logit.
 */
void hcm_net_trunk(const struct hcm_net *net, const uint8_t *hist, size_t n,
		   int8_t *x, int8_t (*layers)[HCM_MAX_WIDTH]);
int hcm_net_node_logit(const struct hcm_net *net, const int8_t *h,
		       unsigned int node);
unsigned int hcm_squash(int d);

/* The network of a loaded model of architecture "hcm" (NULL for others). */
const struct hcm_net *hcm_model_net(const ncmp_model *m);

#endif /* NCMP_MODEL_HCM_H */
