// SPDX-License-Identifier: GPL-2.0
/*
 * The "hcm" model kind: loads an hcm model file (docs/MODEL.md) into a
 * struct hcm_net and codes bytes bit by bit with model_hcm.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"
#include "model_hcm.h"
#include "rans.h"

/* Binary decisions: 0 is [0, M - p1) and 1 is [M - p1, M). */
#define HCM_PROB_BITS	12
#define HCM_M		(1u << HCM_PROB_BITS)

struct hcm_model {
	struct hcm_net net;
	unsigned int adapt_bits;
};

static const char *const hcm_keys[] = {
	"prob_bits", "orders", "table_bits", "emb", "layers", "adapt_bits",
	"shift0", "shift1", "shift2", "head_shift", "stage", NULL,
};

/*
 * The adaptive stage a model's mixer weights (mix.init) were made for: its
 * inputs and their order. A model for another stage would code valid but
 * different bits, so it is refused by name.
 */
#define HCM_STAGE	"2"

static const char *param_str(const struct ncmp_model *m, const char *key)
{
	for (size_t i = 0; i < m->n_params; i++)
		if (!strcmp(m->params[i].key, key))
			return m->params[i].value;
	return NULL;
}

/* "1,2,3,4,6,w,s": orders 1..8, w (word) and s (shape). */
static int parse_orders(struct hcm_net *net, const char *s, char *msg)
{
	net->n_ctx = 0;
	while (s && *s && net->n_ctx < HCM_MAX_CTX) {
		if (*s == 'w')
			net->order[net->n_ctx++] = HCM_WORD;
		else if (*s == 's')
			net->order[net->n_ctx++] = HCM_SHAPE;
		else if (*s >= '1' && *s <= '8')
			net->order[net->n_ctx++] = (uint8_t)(*s - '0');
		else
			break;
		s++;
		if (*s != ',')
			break;
		s++;
	}
	if (!s || *s || !net->n_ctx)
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "hcm: parameter orders missing or malformed");
	return 0;
}

/* The tensor @name, which must have @type and dimensions d0 x d1. */
static const void *tensor(const struct ncmp_model *m, const char *name,
			  unsigned int type, uint32_t d0, uint32_t d1, char *msg)
{
	for (size_t i = 0; i < m->n_tensors; i++) {
		const struct model_tensor *t = &m->tensors[i];

		if (strcmp(t->name, name))
			continue;
		if (t->type != type || t->dims[0] != d0 || t->dims[1] != d1 ||
		    t->dims[2] != 1 || t->dims[3] != 1)
			break;
		return t->data;
	}
	set_msg(msg, NCMP_E_MODEL_FORMAT,
		"hcm: tensor %s missing or not %s [%u, %u]", name,
		type == TENSOR_I8 ? "i8" : "i32", d0, d1);
	return NULL;
}

static int load_layers(struct ncmp_model *m, struct hcm_net *net, char *msg)
{
	uint32_t n_in = net->n_ctx * net->emb;
	char name[32];
	long v;
	int err;

	for (uint32_t l = 0; l < net->n_layers; l++) {
		struct hcm_layer *ly = &net->layer[l];

		snprintf(name, sizeof(name), "shift%u", l);
		err = model_param_int(m, name, 1, 30, &v, msg);
		if (err)
			return err;
		ly->shift = (uint32_t)v;
		snprintf(name, sizeof(name), "fc.%u.b", l);
		for (size_t i = 0; i < m->n_tensors; i++)
			if (!strcmp(m->tensors[i].name, name))
				ly->n_out = m->tensors[i].dims[0];
		ly->n_in = n_in;
		ly->b = tensor(m, name, TENSOR_I32, ly->n_out, 1, msg);
		snprintf(name, sizeof(name), "fc.%u.w", l);
		ly->w = tensor(m, name, TENSOR_I8, ly->n_out, n_in, msg);
		if (!ly->w || !ly->b)
			return NCMP_E_MODEL_FORMAT;
		hcm_layer_prepare(ly);
		n_in = ly->n_out;
	}
	return 0;
}

static int load_net(struct ncmp_model *m, struct hcm_model *hm, char *msg)
{
	struct hcm_net *net = &hm->net;
	uint32_t width;
	char name[32];
	long v[5];
	int err;

	err = model_params_known(m, hcm_keys, msg);
	if (!err && (!param_str(m, "stage") ||
		     strcmp(param_str(m, "stage"), HCM_STAGE)))
		err = set_msg(msg, NCMP_E_MODEL_FORMAT,
			      "hcm: model made for adaptive stage %s, this libncmp has stage "
			      HCM_STAGE " (re-export it with training/export.py)",
			      param_str(m, "stage") ? param_str(m, "stage") : "1");
	if (!err)
		err = model_param_int(m, "prob_bits", HCM_PROB_BITS,
				      HCM_PROB_BITS, &v[0], msg);
	if (!err)
		err = model_param_int(m, "table_bits", 8, 24, &v[1], msg);
	if (!err)
		err = model_param_int(m, "emb", 16, HCM_MAX_WIDTH, &v[2], msg);
	if (!err)
		err = model_param_int(m, "layers", 1, HCM_MAX_LAYERS, &v[3], msg);
	if (!err)
		err = model_param_int(m, "adapt_bits", 12, 20, &v[4], msg);
	if (!err)
		err = parse_orders(net, param_str(m, "orders"), msg);
	if (err)
		return err;
	net->table_bits = (uint32_t)v[1];
	net->emb = (uint32_t)v[2];
	net->n_layers = (uint32_t)v[3];
	hm->adapt_bits = (unsigned int)v[4];
	err = model_param_int(m, "head_shift", 1, 30, &v[0], msg);
	if (err)
		return err;
	net->head_shift = (uint32_t)v[0];
	for (uint32_t k = 0; k < net->n_ctx; k++) {
		snprintf(name, sizeof(name), "emb.%u", k);
		net->table[k] = tensor(m, name, TENSOR_I8,
				       net->order[k] == 1 ? 256 :
				       1u << net->table_bits, net->emb, msg);
		if (!net->table[k])
			return NCMP_E_MODEL_FORMAT;
	}
	err = load_layers(m, net, msg);
	if (err)
		return err;
	width = net->layer[net->n_layers - 1].n_out;
	net->head_w = tensor(m, "head.w", TENSOR_I8, 256, width, msg);
	net->head_b = net->head_w ?
		      tensor(m, "head.b", TENSOR_I32, 256, 1, msg) : NULL;
	net->mix_init = net->head_b ?
			tensor(m, "mix.init", TENSOR_I32, HCM_NIN, 1, msg) : NULL;
	if (!net->mix_init)
		return NCMP_E_MODEL_FORMAT;
	return hcm_net_check(net, msg);
}

static int hcm_load(struct ncmp_model *m, char *msg)
{
	struct hcm_model *hm = calloc(1, sizeof(*hm));
	int err;

	if (!hm)
		return NCMP_E_NOMEM;
	err = load_net(m, hm, msg);
	if (err) {
		free(hm);
		return err;
	}
	m->priv = hm;
	m->prob_bits = HCM_PROB_BITS;
	m->state_size = hcm_state_size(&hm->net, hm->adapt_bits);
	return 0;
}

const struct hcm_net *hcm_model_net(const ncmp_model *m)
{
	const struct hcm_model *hm = m->priv;

	return strcmp(m->arch, "hcm") ? NULL : &hm->net;
}

static void hcm_unload(struct ncmp_model *m)
{
	free(m->priv);
}

static void *hcm_new(const struct ncmp_model *m)
{
	const struct hcm_model *hm = m->priv;

	return hcm_state_new(&hm->net, hm->adapt_bits);
}

static void hcm_free(void *st)
{
	hcm_state_free(st);
}

static void hcm_reset(void *st)
{
	hcm_state_reset(st);
}

static size_t hcm_encode(void *st, const uint8_t *src, size_t n,
			 uint32_t *ranges)
{
	uint32_t *r = ranges;

	for (size_t i = 0; i < n; i++) {
		for (int b = 7; b >= 0; b--) {
			unsigned int bit = (src[i] >> b) & 1;
			uint32_t p1 = hcm_predict(st);

			*r++ = bit ? (HCM_M - p1) << 16 | p1 : HCM_M - p1;
			hcm_update(st, bit);
		}
	}
	return (size_t)(r - ranges);
}

static void hcm_decode(void *st, struct rans_dec *d, uint8_t *dst, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int s = 0;

		for (int b = 0; b < 8; b++) {
			uint32_t p1 = hcm_predict(st);
			unsigned int bit = rans_dec_slot(d, HCM_PROB_BITS) >= HCM_M - p1;

			rans_dec_advance(d, bit ? HCM_M - p1 : 0,
					 bit ? p1 : HCM_M - p1, HCM_PROB_BITS);
			hcm_update(st, bit);
			s = s << 1 | bit;
		}
		dst[i] = (uint8_t)s;
	}
}

static void hcm_absorb(void *st, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int b = 7; b >= 0; b--) {
			hcm_predict(st);
			hcm_update(st, (src[i] >> b) & 1);
		}
	}
}

const struct model_kind hcm_kind = {
	.arch = "hcm",
	.load = hcm_load,
	.unload = hcm_unload,
	.state_new = hcm_new,
	.state_free = hcm_free,
	.reset = hcm_reset,
	.encode = hcm_encode,
	.decode = hcm_decode,
	.absorb = hcm_absorb,
};
