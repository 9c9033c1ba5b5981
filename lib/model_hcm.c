// SPDX-License-Identifier: GPL-2.0
/*
 * hcm: network forward pass and the online adaptation around it (see
 * model_hcm.h). All arithmetic is integer; right shifts of negative values
 * are arithmetic (floor), as on every compiler and CPU ncmp supports, and
 * as the Python reference (training/ncmpnet.py) computes them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model_hcm.h"
#include "model_hcm_kern.h"

#define HASH_MUL	0x2F0B3A4Du
#define MIX_MUL		0x2C1B3C6Du
#define SEED_MUL	0x9E3779B1u
#define WORD_LEN	8
#define SHAPE_LEN	8
#define STRETCH_MAX	2047

#define MATCH_MIN	5	/* bytes a match must share to be used */
#define MATCH_LEN_MAX	31
#define MATCH_SURE	16	/* a match this long forgets its misses */
#define MATCH_GIVE_UP	16	/* misses in a row that end a match */
#define CTR_LIMIT	60	/* counters adapt at >= 1/(limit + 1.5) */
/*
 * Two mixers: one with a weight set per match state (4), which learns fast
 * enough for a 4 KiB block, and one per bit position x match state x class
 * of the last byte (digit, letter, other: 96), which is sharper once it has
 * seen enough. Their sets share one array. A final mixer of two weights
 * (starting at 1/2 each) weighs their outputs.
 */
#define MIX_FAST	4
#define MIX_SETS	(MIX_FAST + 8 * 4 * 3)
#define MIX_LR_MIN	48	/* learning rate, 1/16 units: MIN + ... */
#define MIX_LR_BOOST	256	/* ... BOOST * HALF / (HALF + updates) */
#define MIX_LR_HALF	256
#define FINAL_LR	2
#define APM_RATE	5
#define APM_CTX		(256 * 16)	/* (class of c1, partial byte) */

/* 2 / (2n + 3) in 16-bit fixed point: the step after n updates. */
static uint32_t ctr_rate[CTR_LIMIT + 1];

struct hcm_state {
	const struct hcm_net *net;
	unsigned int log2_size;
	uint32_t gen;			/* generation: reset() bumps it */
	uint64_t hist;			/* last 8 bytes, newest in the low byte */
	uint32_t c0;			/* 1, then the byte's bits so far */
	uint32_t bitpos;
	uint32_t n_adapt;		/* adaptive contexts: the net's + extra */
	uint32_t ctx_hash[HCM_MAX_CTX];	/* this byte's, of the net's contexts */
	uint32_t adapt_hash[HCM_MAX_CTX + HCM_EXTRA];	/* ... of n_adapt */
	uint32_t shape_k;		/* the net's shape context; n_ctx: none */
	uint32_t c1_mix;		/* c1 for the sharp mixer: 0..2 */
	uint32_t c1_apm;		/* c1's APM row group, shifted */
	uint32_t *ctr;			/* n_adapt tables of 2^log2_size */
	void *ctr_mem;			/* ctr, before aligning it */
	uint32_t *slot[HCM_MAX_CTX + HCM_EXTRA];	/* nibble buckets */
	uint32_t line_start;		/* pos of the current line */
	uint32_t prev_line;		/* pos of the line before */
	uint32_t ctr0[256];		/* order 0 */
	int8_t x[HCM_KERN_MAX_IN] __attribute__((aligned(32)));
	int8_t h[HCM_MAX_WIDTH];	/* network output for this byte */
	int32_t st[HCM_NIN];		/* mixer inputs; unused ones stay 0 */
	int32_t mix_w[MIX_SETS][HCM_NIN];
	uint32_t mix_count[MIX_SETS];	/* updates of each set */
	uint32_t mix_set[2];		/* each mixer's set for this bit */
	int32_t mix_pr[2];		/* ... and its P(1) */
	int32_t mix_out[2];		/* their stretched outputs */
	int32_t final_w[2];		/* the final mixer's weights */
	int32_t pr_mix;			/* its P(1) */
	/* match model */
	uint8_t *buf;
	uint32_t buf_mask;
	uint32_t pos;			/* bytes seen */
	uint32_t base;			/* pos at the last reset */
	uint32_t *match_tab;
	uint32_t match_mask;
	uint32_t match_ptr;
	uint32_t match_len;		/* bytes verified since the last miss */
	uint32_t match_miss;		/* misses since it was last sure */
	uint32_t match_missed;		/* misses in a row */
	int32_t match_bit;		/* expected bit, or -1 */
	uint32_t match_sm[4][MATCH_LEN_MAX + 1][2];	/* misses, len, bit */
	/* APM over (class of c1, partial byte) */
	uint16_t apm[APM_CTX][33];
	uint32_t apm_gen[APM_CTX];	/* rows are reset lazily */
	uint32_t apm_idx;
	int32_t pr;			/* final P(1), 12 bits */
	int16_t stretch_tab[4096];
};

/* 4096 / (1 + e^(-x/256)) at x = -2048, -1920, ..., 2048, rounded. */
static const int16_t squash_pts[33] = {
	1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546,
	2048, 2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079,
	4086, 4090, 4092, 4094, 4095,
};

static int32_t squash(int32_t d)
{
	int32_t w;

	if (d > STRETCH_MAX)
		d = STRETCH_MAX;
	if (d < -STRETCH_MAX)
		d = -STRETCH_MAX;
	w = d & 127;
	d = (d >> 7) + 16;
	return (squash_pts[d] * (128 - w) + squash_pts[d + 1] * w + 64) >> 7;
}

/* stretch(p) = the least d with squash(d) >= p: the inverse of squash. */
static void stretch_init(int16_t *tab)
{
	int32_t p = 0;

	for (int32_t d = -STRETCH_MAX; d <= STRETCH_MAX; d++) {
		int32_t v = squash(d);

		while (p <= v && p < 4096)
			tab[p++] = (int16_t)d;
	}
	while (p < 4096)
		tab[p++] = STRETCH_MAX;
}

static uint32_t mix32(uint32_t h)
{
	h ^= h >> 15;
	h *= MIX_MUL;
	return h ^ (h >> 12);
}

static bool is_word(uint32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '_';
}

/*
 * The class of a byte in the shape context: digit, a-f, g-z, A-F, G-Z, or
 * the byte itself. Hex and decimal runs, words and the punctuation between
 * them have a shape even where their bytes are new to the block.
 */
static const uint8_t shape_of[256] = {
	['0' ... '9'] = 1, ['a' ... 'f'] = 2, ['g' ... 'z'] = 3,
	['A' ... 'F'] = 4, ['G' ... 'Z'] = 5,
};

static uint32_t shape_class(uint32_t c)
{
	uint32_t t = shape_of[c];

	return t ? 256 + t : c;
}

/* The mixed 32-bit hash of context k (order >= 2, word or shape). */
static uint32_t ctx_hash(uint32_t k, uint32_t order, uint64_t hist)
{
	uint32_t h = (k + 1) * SEED_MUL;
	uint32_t n = order == HCM_WORD ? WORD_LEN :
		     order == HCM_SHAPE ? SHAPE_LEN : order;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = (uint32_t)(hist >> (8 * i)) & 255;

		if (order == HCM_WORD && !is_word(c))
			break;
		if (order == HCM_SHAPE)
			c = shape_class(c);
		h = (h + c + 1) * HASH_MUL;
	}
	return mix32(h);
}

static uint64_t hist_of(const uint8_t *hist, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)hist[n - 1 - i] << (8 * i);
	return v;
}

static int32_t clamp(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * The trunk from this byte's context hashes: the embeddings go to @x, each
 * layer's output to @layers (NULL: only the last, to @h).
 */
static void trunk(const struct hcm_net *net, const uint32_t *hash,
		  uint64_t hist, int8_t *x, int8_t (*layers)[HCM_MAX_WIDTH],
		  int8_t *h)
{
	const struct hcm_kernels *kern = hcm_kern;
	int8_t a[2][HCM_MAX_WIDTH] __attribute__((aligned(32)));
	const int8_t *in = x;

	for (uint32_t k = 0; k < net->n_ctx; k++) {
		uint32_t row = net->order[k] == 1 ? (uint32_t)(hist & 255) :
			       hash[k] >> (32 - net->table_bits);
		const int8_t *src = net->table[k] + (size_t)row * net->emb;

		/* emb is a multiple of 16: fixed-size copies stay inline */
		for (uint32_t j = 0; j < net->emb; j += 16)
			memcpy(x + k * net->emb + j, src + j, 16);
	}
	for (uint32_t l = 0; l < net->n_layers; l++) {
		const struct hcm_layer *ly = &net->layer[l];

		kern->layer(ly, in, l == 0, a[l & 1]);
		if (layers)
			memcpy(layers[l], a[l & 1], ly->n_out);
		in = a[l & 1];
	}
	memcpy(h, in, net->layer[net->n_layers - 1].n_out);
}

void hcm_net_trunk(const struct hcm_net *net, const uint8_t *hist, size_t n,
		   int8_t *x, int8_t (*layers)[HCM_MAX_WIDTH])
{
	uint64_t v = hist_of(hist, n);
	uint32_t hash[HCM_MAX_CTX];
	int8_t h[HCM_MAX_WIDTH];

	for (uint32_t k = 0; k < net->n_ctx; k++)
		hash[k] = ctx_hash(k, net->order[k], v);
	trunk(net, hash, v, x, layers, h);
}

unsigned int hcm_squash(int d)
{
	return (unsigned int)squash(d);
}

int hcm_net_node_logit(const struct hcm_net *net, const int8_t *h,
		       unsigned int node)
{
	uint32_t width = net->layer[net->n_layers - 1].n_out;
	int32_t acc = hcm_kern->dot_u7(net->head_w + (size_t)node * width, h,
				       width);

	return clamp(hcm_round_shift(acc + net->head_b[node], net->head_shift),
		     -STRETCH_MAX, STRETCH_MAX);
}

void hcm_layer_prepare(struct hcm_layer *ly)
{
	ly->w_s7 = !memchr(ly->w, 0x80, (size_t)ly->n_out * ly->n_in);
	for (uint32_t j = 0; j < ly->n_out; j++) {
		const int8_t *row = ly->w + (size_t)j * ly->n_in;
		int32_t sum = 0;

		for (uint32_t i = 0; i < ly->n_in; i++)
			sum += row[i];
		ly->w_sum[j] = sum;
	}
}

int hcm_net_check(const struct hcm_net *net, char *msg)
{
	uint32_t n_in = net->n_ctx * net->emb;

	if (net->n_ctx < 1 || net->n_ctx > HCM_MAX_CTX)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: bad number of contexts");
	if (net->table_bits < 8 || net->table_bits > 24)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: table_bits out of range");
	if (!net->emb || net->emb % 16 || net->emb > HCM_MAX_WIDTH)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: bad embedding width");
	for (uint32_t k = 0; k < net->n_ctx; k++)
		if (net->order[k] > HCM_SHAPE || !net->table[k])
			return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: bad context");
	if (net->n_layers < 1 || net->n_layers > HCM_MAX_LAYERS)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: bad number of layers");
	for (uint32_t l = 0; l < net->n_layers; l++) {
		const struct hcm_layer *ly = &net->layer[l];

		if (ly->n_in != n_in || !ly->n_out || ly->n_out % 16 ||
		    ly->n_out > HCM_MAX_WIDTH || !ly->w || !ly->b ||
		    ly->shift < 1 || ly->shift > 30)
			return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: bad layer shape");
		n_in = ly->n_out;
	}
	if (!net->head_w || !net->head_b || !net->mix_init ||
	    net->head_shift < 1 || net->head_shift > 30)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "hcm: bad head");
	return 0;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void once_init(void)
{
	for (uint32_t n = 0; n <= CTR_LIMIT; n++)
		ctr_rate[n] = 131072 / (2 * n + 3);
	hcm_select_isa(HCM_ISA_AUTO);
}

static unsigned int clamp_log2(unsigned int n)
{
	return n < 12 ? 12 : n > 20 ? 20 : n;
}

/*
 * Net contexts above order 4 get no counters: the match model covers long
 * contexts: their counters cost 8% of the time for under 0.3% on 4 KiB
 * blocks (1% at most on whole files).
 */
static bool has_counters(uint32_t order)
{
	return order == HCM_WORD || order == HCM_SHAPE || order <= 4;
}

static uint32_t adapt_count(const struct hcm_net *net)
{
	uint32_t n = HCM_EXTRA;

	for (uint32_t k = 0; k < net->n_ctx; k++)
		n += has_counters(net->order[k]);
	return n;
}

size_t hcm_state_size(const struct hcm_net *net, unsigned int log2_size)
{
	unsigned int l = clamp_log2(log2_size);

	return sizeof(struct hcm_state) +
	       ((size_t)adapt_count(net) << (l + 2)) + 64 +	/* counters */
	       ((size_t)1 << l) +			/* match history */
	       ((size_t)1 << l);			/* match table */
}

struct hcm_state *hcm_state_new(const struct hcm_net *net,
				unsigned int log2_size)
{
	struct hcm_state *st;
	unsigned int l = clamp_log2(log2_size);

	pthread_once(&init_once, once_init);
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->net = net;
	st->log2_size = l;
	st->n_adapt = adapt_count(net);
	for (st->shape_k = 0; st->shape_k < net->n_ctx; st->shape_k++)
		if (net->order[st->shape_k] == HCM_SHAPE)
			break;
	/* a bucket in one cache line; calloc keeps untouched pages free */
	st->ctr_mem = calloc(((size_t)st->n_adapt << l) + 16, sizeof(uint32_t));
	st->ctr = (uint32_t *)(((uintptr_t)st->ctr_mem + 63) & ~(uintptr_t)63);
	st->buf_mask = (1u << l) - 1;
	st->buf = calloc((size_t)1 << l, 1);
	st->match_mask = (1u << (l - 2)) - 1;
	st->match_tab = calloc((size_t)1 << (l - 2), sizeof(uint32_t));
	if (!st->ctr_mem || !st->buf || !st->match_tab) {
		hcm_state_free(st);
		return NULL;
	}
	stretch_init(st->stretch_tab);
	hcm_state_reset(st);
	return st;
}

void hcm_state_free(struct hcm_state *st)
{
	if (!st)
		return;
	free(st->ctr_mem);
	free(st->buf);
	free(st->match_tab);
	free(st);
}

/* Counter: 22-bit probability of a 1 above a 10-bit count. */
#define CTR_INIT	(1u << 31)

static void ctr_update(uint32_t *c, uint32_t bit)
{
	uint32_t v = *c, n = v & 1023;
	int64_t p = v >> 10;

	p += ((((int64_t)bit << 22) - p) * ctr_rate[n]) >> 16;
	if (n < CTR_LIMIT)
		n++;
	*c = (uint32_t)p << 10 | n;
}

static int32_t ctr_stretch(const struct hcm_state *st, uint32_t c)
{
	return st->stretch_tab[c >> 20];
}

/*
 * Contexts only the adaptive part uses, for data the network's n-gram
 * contexts miss: a sparse one (the two bytes before the last, for binary
 * records), a column one (the byte above in the previous line and the
 * last byte, for tables and logs), and the byte the match model expects
 * with how sure it is, which learns what follows a near-repeat (a counter
 * that ticks, a field that changes in its low byte), alone and with the
 * shape @shape of the last bytes (a timestamp's last digit, a port number:
 * where a repeat is least to be trusted).
 */
static void extra_hashes(const struct hcm_state *st, uint32_t shape,
			 uint32_t *h)
{
	uint32_t col = st->pos - st->line_start;
	uint32_t above = 0, expect = 0;

	if (st->prev_line + col < st->line_start)
		above = st->buf[(st->prev_line + col) & st->buf_mask];
	if (st->match_len)
		expect = (256 + st->buf[st->match_ptr & st->buf_mask]) << 3 |
			 (st->match_len < 8 ? 1 : st->match_len < 16 ? 2 : 3) |
			 (st->match_miss ? 4 : 0);
	h[0] = mix32((uint32_t)(st->hist >> 8 & 0xffff) * HASH_MUL + 0x51);
	h[1] = mix32((above << 8 | (uint32_t)(st->hist & 255)) * HASH_MUL +
		     0x52);
	h[2] = mix32(expect * HASH_MUL + 0x55);
	h[3] = mix32((expect * HASH_MUL + 0x56) ^ shape);
}

/*
 * Point each context at its bucket of 16 counters for the current nibble.
 * Counter 0 is unused by the bit tree (nodes are 1..15), so it holds the
 * bucket's tag: the generation and 8 more bits of the hash. A bucket with
 * another tag belongs to an earlier block or another context and starts
 * afresh, so reset() never has to clear the tables.
 */
static uint32_t bucket_hash(uint32_t ctx_hash, uint32_t salt)
{
	return (ctx_hash + salt) * 0x85EBCA6Bu;
}

static uint32_t *bucket(const struct hcm_state *st, uint32_t k, uint32_t i)
{
	uint32_t l = st->log2_size;

	return st->ctr + ((size_t)k << l) + ((i >> (32 - l)) & ~15u);
}

/* The salt of the second nibble's buckets, after the first nibble @hi. */
static uint32_t nibble_salt(uint32_t hi)
{
	return (hi & 15) * 0x9E3779B1u + 1;
}

/*
 * With one bit of the first nibble left, fetch the second nibble's buckets
 * for both values of that bit, so nibble_start() finds them in cache.
 */
static void nibble_prefetch(const struct hcm_state *st)
{
	uint32_t s0 = nibble_salt(st->c0 << 1), s1 = nibble_salt(st->c0 << 1 | 1);

	for (uint32_t k = 0; k < st->n_adapt; k++) {
		__builtin_prefetch(bucket(st, k,
					  bucket_hash(st->adapt_hash[k], s0)));
		__builtin_prefetch(bucket(st, k,
					  bucket_hash(st->adapt_hash[k], s1)));
	}
}

static void nibble_start(struct hcm_state *st)
{
	static const uint32_t fresh[15] = {
		CTR_INIT, CTR_INIT, CTR_INIT, CTR_INIT, CTR_INIT, CTR_INIT,
		CTR_INIT, CTR_INIT, CTR_INIT, CTR_INIT, CTR_INIT, CTR_INIT,
		CTR_INIT, CTR_INIT, CTR_INIT,
	};
	uint32_t salt = st->bitpos ? nibble_salt(st->c0) : 0;
	uint32_t l = st->log2_size, gen = st->gen << 8, n = st->n_adapt;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = bucket_hash(st->adapt_hash[k], salt);
		uint32_t tag = gen | ((i >> (24 - l)) & 255);
		uint32_t *b = bucket(st, k, i);

		if (b[0] != tag) {
			b[0] = tag;
			memcpy(b + 1, fresh, sizeof(fresh));
		}
		st->slot[k] = b;
	}
}

/* The start of a byte: hashes, the network, the first nibble's slots. */
static void byte_start(struct hcm_state *st)
{
	const struct hcm_net *net = st->net;

	uint32_t c1 = (uint32_t)st->hist & 255, k1 = shape_class(c1);
	uint32_t n = 0, shape;

	for (uint32_t k = 0; k < net->n_ctx; k++) {
		st->ctx_hash[k] = net->order[k] == 1 ?
			mix32(c1 * HASH_MUL + k) :
			ctx_hash(k, net->order[k], st->hist);
		if (has_counters(net->order[k]))
			st->adapt_hash[n++] = st->ctx_hash[k];
	}
	shape = st->shape_k < net->n_ctx ? st->ctx_hash[st->shape_k] :
		ctx_hash(HCM_MAX_CTX, HCM_SHAPE, st->hist);
	extra_hashes(st, shape, st->adapt_hash + n);
	/* what the bits of this byte choose by c1: digit, letter, other ... */
	st->c1_mix = k1 == 257 ? 0 : k1 > 256 ? 1 : 2;
	/* ... and the APM row: the class, punctuation by its low 3 bits */
	st->c1_apm = (k1 > 255 ? k1 - 256 : c1 == ' ' ? 6 : c1 == '\n' ? 7 :
		      8 + (c1 & 7)) << 8;
	/* fetch the first nibble's counters while the network runs */
	for (uint32_t k = 0; k < st->n_adapt; k++)
		__builtin_prefetch(bucket(st, k,
					  bucket_hash(st->adapt_hash[k], 0)));
	trunk(net, st->ctx_hash, st->hist, st->x, NULL, st->h);
}

/* Forget all positions: when they would wrap, and at a generation wrap. */
static void clear_positions(struct hcm_state *st)
{
	memset(st->match_tab, 0, sizeof(uint32_t) * (st->match_mask + 1));
	st->match_len = 0;
	st->match_miss = 0;
	st->match_missed = 0;
	st->pos = 0;
	st->base = 0;
	st->line_start = 0;
	st->prev_line = 0;
}

void hcm_state_reset(struct hcm_state *st)
{
	const struct hcm_net *net = st->net;

	if (++st->gen >= 1u << 24) {
		memset(st->ctr, 0, (sizeof(uint32_t) * st->n_adapt) <<
		       st->log2_size);
		memset(st->apm_gen, 0, sizeof(st->apm_gen));
		clear_positions(st);
		st->gen = 1;
	}
	for (size_t i = 0; i < 256; i++)
		st->ctr0[i] = CTR_INIT;
	for (uint32_t m = 0; m < 4; m++) {
		for (uint32_t i = 0; i <= MATCH_LEN_MAX; i++) {
			/* a longer match is more likely to go on */
			uint32_t p = 4096 - 2048 / (i + 2);

			st->match_sm[m][i][0] = (4096 - p) << 20;
			st->match_sm[m][i][1] = p << 20;
		}
	}
	for (uint32_t s = 0; s < MIX_SETS; s++)
		memcpy(st->mix_w[s], net->mix_init, sizeof(st->mix_w[s]));
	memset(st->mix_count, 0, sizeof(st->mix_count));
	st->final_w[0] = 1 << 15;
	st->final_w[1] = 1 << 15;
	st->hist = 0;
	st->base = st->pos;
	st->line_start = st->pos;
	st->prev_line = st->pos;
	st->match_ptr = 0;
	st->match_len = 0;
	st->match_miss = 0;
	st->match_missed = 0;
	st->c0 = 1;
	st->bitpos = 0;
	byte_start(st);
	nibble_start(st);
}

/* The node of the bit tree within the current nibble: 1..15. */
static uint32_t nibble_node(const struct hcm_state *st)
{
	uint32_t b = st->bitpos;

	if (b < 4)
		return st->c0;
	b -= 4;
	return 1u << b | (st->c0 & ((1u << b) - 1));
}

static int32_t apm_predict(struct hcm_state *st, int32_t pr)
{
	int32_t s = st->stretch_tab[pr] + 2048;
	int32_t lo = s >> 7, w = s & 127;
	uint16_t *t = st->apm[st->apm_idx];

	if (st->apm_gen[st->apm_idx] != st->gen) {
		st->apm_gen[st->apm_idx] = st->gen;
		for (uint32_t j = 0; j < 33; j++)
			t[j] = (uint16_t)(squash(((int32_t)j - 16) * 128) * 16);
	}

	st->apm_idx = st->apm_idx * 33 + (uint32_t)lo + (w >> 6);
	return (t[lo] * (128 - w) + t[lo + 1] * w) >> 11;
}

static void apm_update(struct hcm_state *st, uint32_t bit)
{
	uint16_t *t = &st->apm[0][0] + st->apm_idx;
	int32_t target = bit ? 65535 : 0;

	*t = (uint16_t)(*t + ((target - (int32_t)*t) >> APM_RATE));
}

/* The counter of the match model's expected bit. */
static uint32_t *match_ctr(struct hcm_state *st)
{
	uint32_t miss = st->match_miss < 3 ? st->match_miss : 3;

	return &st->match_sm[miss][st->match_len][st->match_bit];
}

/* A mixer's sum (16.16) as a stretch-domain value. */
static int32_t clamp_dot(int64_t dot)
{
	dot >>= 16;
	return dot < -STRETCH_MAX ? -STRETCH_MAX :
	       dot > STRETCH_MAX ? STRETCH_MAX : (int32_t)dot;
}

unsigned int hcm_predict(struct hcm_state *st)
{
	const struct hcm_net *net = st->net;
	int32_t *in = st->st;
	uint32_t n = 0, match, node = nibble_node(st);
	int64_t dot[2];
	int32_t pr;

	in[n++] = hcm_net_node_logit(net, st->h, st->c0);
	in[n++] = ctr_stretch(st, st->ctr0[st->c0]);
	for (uint32_t k = 0; k < st->n_adapt; k++)
		in[n++] = ctr_stretch(st, st->slot[k][node]);
	st->match_bit = -1;
	if (st->match_len &&
	    ((st->buf[st->match_ptr & st->buf_mask] | 256u) >>
	     (8 - st->bitpos)) == st->c0)
		st->match_bit = (st->buf[st->match_ptr & st->buf_mask] >>
				 (7 - st->bitpos)) & 1;
	in[n++] = st->match_bit < 0 ? 0 : ctr_stretch(st, *match_ctr(st));
	in[n++] = 256;
	match = st->match_bit < 0 ? 0 :
		st->match_len < 16 ? 1 + (uint32_t)st->match_bit : 3;
	st->mix_set[0] = match;
	st->mix_set[1] = MIX_FAST + (st->bitpos * 4 + match) * 3 + st->c1_mix;
	hcm_kern->mix_dot(in, st->mix_w[st->mix_set[0]],
			  st->mix_w[st->mix_set[1]], dot);
	for (uint32_t i = 0; i < 2; i++) {
		st->mix_out[i] = clamp_dot(dot[i]);
		st->mix_pr[i] = squash(st->mix_out[i]);
	}
	st->pr_mix = squash(clamp_dot((int64_t)st->final_w[0] * st->mix_out[0] +
				      (int64_t)st->final_w[1] * st->mix_out[1]));
	st->apm_idx = st->c1_apm | st->c0;
	pr = (st->pr_mix + 3 * apm_predict(st, st->pr_mix) + 2) >> 2;
	st->pr = clamp(pr, 1, 4095);
	return (unsigned int)st->pr;
}

static void match_byte(struct hcm_state *st, uint32_t c)
{
	uint32_t h;

	if (st->pos >= 1u << 31)
		clear_positions(st);
	st->buf[st->pos & st->buf_mask] = (uint8_t)c;
	st->pos++;
	/*
	 * A miss does not end a match: records and log lines differ in a few
	 * bytes (a counter, a timestamp) and then go on as before, so the
	 * pointer follows, less trusted, until a better candidate turns up.
	 */
	if (st->match_len) {
		st->match_ptr++;
		if (st->buf[(st->match_ptr - 1) & st->buf_mask] != c) {
			st->match_len = 1;
			st->match_miss++;
			if (++st->match_missed == MATCH_GIVE_UP) {
				/* not a near-repeat any more: look again */
				st->match_len = 0;
				st->match_miss = 0;
				st->match_missed = 0;
			}
		} else {
			st->match_missed = 0;
			if (st->match_len < MATCH_LEN_MAX)
				st->match_len++;
		}
		if (st->match_len >= MATCH_SURE)
			st->match_miss = 0;
	}
	if (st->pos - st->base < MATCH_MIN)
		return;
	h = (uint32_t)((st->hist & ((1ull << (8 * MATCH_MIN)) - 1)) *
		       0x9E3779B97F4A7C15ull >> 40) & st->match_mask;
	if (st->match_len < MATCH_MIN) {
		uint32_t p = st->match_tab[h];

		/* verify the candidate: the hash may collide */
		if (p > st->base && st->pos - p < st->buf_mask) {
			uint32_t len = 0;

			while (len < MATCH_LEN_MAX && len < p - st->base &&
			       st->buf[(p - 1 - len) & st->buf_mask] ==
			       st->buf[(st->pos - 1 - len) & st->buf_mask])
				len++;
			if (len >= MATCH_MIN) {
				st->match_len = len;
				st->match_miss = 0;
				st->match_ptr = p;
			}
		}
	}
	st->match_tab[h] = st->pos;
}

void hcm_update(struct hcm_state *st, unsigned int bit)
{
	uint32_t node = nibble_node(st);
	int32_t target = (int32_t)bit << 12, err[2];
	int32_t final_err = (target - st->pr_mix) * FINAL_LR;

	for (uint32_t i = 0; i < 2; i++) {
		/* a weight set learns fast at first, then settles */
		uint32_t s = st->mix_set[i], n = st->mix_count[s];
		int32_t lr = MIX_LR_MIN +
			     MIX_LR_BOOST * MIX_LR_HALF / (MIX_LR_HALF + n);

		st->final_w[i] += (st->mix_out[i] * final_err) >> HCM_MIX_SHIFT;
		err[i] = ((target - st->mix_pr[i]) * lr) >> 4;
		if (n < 65535)
			st->mix_count[s] = n + 1;
	}
	hcm_kern->mix_update(st->mix_w[st->mix_set[0]],
			     st->mix_w[st->mix_set[1]], st->st, err[0], err[1]);
	ctr_update(&st->ctr0[st->c0], bit);
	for (uint32_t k = 0; k < st->n_adapt; k++)
		ctr_update(&st->slot[k][node], bit);
	if (st->match_bit >= 0)
		ctr_update(match_ctr(st), bit);
	apm_update(st, bit);

	st->c0 = st->c0 << 1 | bit;
	st->bitpos++;
	if (st->bitpos == 8) {
		uint32_t c = st->c0 & 255;

		st->hist = st->hist << 8 | c;
		match_byte(st, c);
		if (c == '\n') {
			st->prev_line = st->line_start;
			st->line_start = st->pos;
		}
		st->c0 = 1;
		st->bitpos = 0;
		byte_start(st);
		nibble_start(st);
	} else if (st->bitpos == 4) {
		nibble_start(st);
	} else if (st->bitpos == 3) {
		nibble_prefetch(st);
	}
}
