/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model interface, as the coder sees it.
 *
 * A model kind is an architecture: code that, given a model's parameters
 * and weights, keeps a state that predicts what comes next. Per byte it
 * gives the coder the byte's range [start, start + freq) in a quantised CDF
 * with total 2^prob_bits, then learns the actual byte. A kind may code a
 * byte as one symbol of 256 (o2mix) or as several smaller symbols, such as
 * 8 binary decisions: the coder only sees ranges.
 *
 * The entry points work on runs of bytes, so the per-byte loop, which is
 * where the time goes, has no indirect calls: encode() runs the model
 * forwards and lists every range (the rANS encoder then codes them in
 * reverse), decode() pulls its slots from the rANS decoder (rans.h). Both
 * must build each CDF with the same integer code, so the two ends agree on
 * every CPU; cdf.h has the quantisation rule for 256-symbol CDFs.
 *
 * Adding a kind: implement struct model_kind in model_<arch>.c and list it
 * in kinds[] in model.c.
 */
#ifndef NCMP_MODEL_H
#define NCMP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ncmp.h"

struct model_kv {
	const char *key;
	const char *value;
};

/* A weight tensor of a model file; data points into the file image. */
struct model_tensor {
	char name[33];
	unsigned int type;		/* TENSOR_I8 ... */
	unsigned int ndim;
	uint32_t dims[4];		/* unused dimensions are 1 */
	uint64_t count;
	int32_t scale_mul;		/* real value = v * scale_mul / 2^scale_shift */
	unsigned int scale_shift;
	const void *data;
};

enum tensor_type {
	TENSOR_I8 = 1,
	TENSOR_U8 = 2,
	TENSOR_I16 = 3,
	TENSOR_I32 = 4,
};

struct model_kind;

struct ncmp_model {
	uint64_t id;
	const struct model_kind *kind;
	char arch[32];
	unsigned int prob_bits;		/* set by the kind's load() */
	size_t state_size;		/* set by the kind's load() */
	const uint8_t *file;		/* the whole model file */
	uint8_t *owned;			/* file, if it is the model's copy */
	size_t file_len;
	char *param_text;		/* storage of the keys and values */
	struct model_kv *params;
	size_t n_params;
	char *meta_text;
	struct model_kv *meta;
	size_t n_meta;
	struct model_tensor *tensors;
	size_t n_tensors;
	void *priv;			/* the kind's parsed parameters */
};

/* Most ranges a kind may give for one byte. */
#define RANGES_PER_BYTE	8

struct rans_dec;

struct model_kind {
	const char *arch;
	/* Check m's parameters and tensors, set prob_bits, state_size, priv. */
	int (*load)(struct ncmp_model *m, char *msg);
	void (*unload)(struct ncmp_model *m);
	void *(*state_new)(const struct ncmp_model *m);
	void (*state_free)(void *st);
	/* Back to the state before the first byte. */
	void (*reset)(void *st);
	/*
	 * Code @n bytes: store their ranges, in coding order, as
	 * start << 16 | freq in @ranges (room for RANGES_PER_BYTE * n) and
	 * learn each byte; returns the number of ranges.
	 */
	size_t (*encode)(void *st, const uint8_t *src, size_t n,
			 uint32_t *ranges);
	/*
	 * Decode @n bytes into @dst, taking each symbol from @d and learning
	 * each byte. Damaged input must not make it fail or read outside
	 * @dst: the rANS decoder notices (rans_dec_ended()).
	 */
	void (*decode)(void *st, struct rans_dec *d, uint8_t *dst, size_t n);
	/* Learn @n bytes that were not coded (stored blocks). */
	void (*absorb)(void *st, const uint8_t *src, size_t n);
};

/* A model state as the block coder holds it. */
struct model_state {
	const struct model_kind *kind;
	void *st;
	unsigned int bits;
};

int model_state_init(struct model_state *ms, const struct ncmp_model *m);
void model_state_fini(struct model_state *ms);

/*
 * For kinds: the integer parameter @key, which must lie in [lo, hi]; and a
 * check that every parameter is one of @known (NULL-terminated). Both
 * write a message and return NCMP_E_MODEL_FORMAT on failure.
 */
int model_param_int(const struct ncmp_model *m, const char *key, long lo,
		    long hi, long *v, char *msg);
int model_params_known(const struct ncmp_model *m, const char *const *known,
		       char *msg);

/* The built-in default model file. */
extern const uint8_t model_builtin[];
extern const size_t model_builtin_len;

#endif /* NCMP_MODEL_H */
