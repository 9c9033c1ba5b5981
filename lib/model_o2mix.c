// SPDX-License-Identifier: GPL-2.0
/*
 * "o2mix": adaptive order-0, order-1 and order-2 byte statistics, mixed by
 * Witten-Bell interpolation. It needs no weights. It was the placeholder
 * that let the formats be built before the pretrained model, and it stays
 * the fast model of the tests. docs/CODEC.md describes it as an algorithm.
 *
 * For each order k the state keeps a count per byte in the current context
 * (the last k bytes): n_k(s), their total T_k and the number of bytes seen,
 * D_k. The prediction interpolates from the highest order down:
 *
 *	p(s) = l2 n2(s)/T2 + (1 - l2) [l1 n1(s)/T1 + (1 - l1) [l0 n0(s)/T0 +
 *	       (1 - l0) / 256]],	lk = Tk / (Tk + Ek),  Ek = 1 + Dk esc / 16
 *
 * in 32-bit fixed point: a_k is the weight of one count of order k and u
 * that of the uniform share, so the cumulative weight is
 * P(s) = sum_k a_k F_k(s) + u s with F_k(s) the counts of bytes below s, and
 * cdf.h turns P into the CDF (the code keeps a_k and u multiplied by the
 * CDF scale, which saves a multiplication per step and changes nothing).
 *
 * The counts live in a two-level Fenwick tree (a tree over 16 groups of 16
 * bytes, and a tree within each group), so F_k(s), an increment and the
 * decoder's search for the slot's byte take 4 + 4 steps instead of a pass
 * over 256 bytes, and touch two cache lines of a row.
 *
 * Counts grow by "inc" per byte and are halved (rounding up, so a seen byte
 * stays seen) when T_k exceeds "limit<k>", which makes the model follow
 * changing data. The order-2 table is hashed and each row remembers its
 * context: a row found holding another context starts afresh. Rows also
 * carry the generation of the state, so a reset (every .ncmp block) costs
 * nothing: stale rows are cleared when next used.
 */
#include <stdlib.h>
#include <string.h>

#include "cdf.h"
#include "error.h"
#include "model.h"
#include "rans.h"

struct o2mix_params {
	unsigned int bits;		/* CDF precision */
	unsigned int order2_bits;	/* log2 of the order-2 rows */
	unsigned int inc;
	unsigned int limit[3];
	unsigned int esc;		/* escape weight per byte seen, /16 */
};

struct row {
	uint32_t gen;			/* the state generation it belongs to */
	uint16_t ctx;			/* the context it holds */
	uint16_t total;			/* T */
	uint16_t distinct;		/* D */
	uint16_t pad[11];
	uint16_t grp[16];		/* tree of the 16 group totals */
	uint16_t leaf[16][16];		/* tree of the counts, per group */
};

struct o2mix_state {
	const struct o2mix_params *p;
	uint32_t gen;
	unsigned int c1, c2;		/* the last byte and the one before */
	struct row *cur[3];		/* the rows of the current context */
	uint64_t a[3];			/* weight of one count, per order, scaled */
	uint64_t u;			/* weight of the uniform share per byte, scaled */
	struct row *table[3];		/* 1, 256 and 2^order2_bits rows */
	size_t rows[3];
	void *mem[3];			/* the tables' allocations */
};

/*
 * A Fenwick tree over 16 values, t[i - 1] holding node i: node i sums the
 * values (i - lowbit(i), i], so node 16 is the total.
 */
static inline uint32_t fen16_prefix(const uint16_t *t, unsigned int j)
{
	uint32_t sum = 0;

	for (; j; j &= j - 1)
		sum += t[j - 1];
	return sum;
}

/* Value j: node j + 1 minus the nodes below it down to its range start. */
static inline uint32_t fen16_value(const uint16_t *t, unsigned int j)
{
	unsigned int i, stop = (j + 1) & j;
	uint32_t n = t[j];

	for (i = j; i > stop; i &= i - 1)
		n -= t[i - 1];
	return n;
}

static inline void fen16_add(uint16_t *t, unsigned int j, unsigned int inc)
{
	unsigned int i;

	for (i = j + 1; i <= 16; i += i & -i)
		t[i - 1] += inc;
}

/* Tree to values and back, in place. */
static void fen16_to_values(uint16_t *t)
{
	unsigned int i;

	for (i = 16; i; i--)
		if (i + (i & -i) <= 16)
			t[i + (i & -i) - 1] -= t[i - 1];
}

static void fen16_from_values(uint16_t *t)
{
	unsigned int i;

	for (i = 1; i <= 16; i++)
		if (i + (i & -i) <= 16)
			t[i + (i & -i) - 1] += t[i - 1];
}

/* Counts of the bytes below s. */
static inline uint32_t row_prefix(const struct row *r, unsigned int s)
{
	return fen16_prefix(r->grp, s >> 4) + fen16_prefix(r->leaf[s >> 4], s & 15);
}

static inline uint32_t row_count(const struct row *r, unsigned int s)
{
	return fen16_value(r->leaf[s >> 4], s & 15);
}

static inline void row_add(struct row *r, unsigned int s, unsigned int inc)
{
	fen16_add(r->grp, s >> 4, inc);
	fen16_add(r->leaf[s >> 4], s & 15, inc);
}

/* Halve every count, rounding up so that a seen byte stays seen. */
static void row_halve(struct row *r)
{
	unsigned int g, j;

	r->total = 0;
	for (g = 0; g < 16; g++) {
		fen16_to_values(r->leaf[g]);
		for (j = 0; j < 16; j++)
			r->leaf[g][j] = (r->leaf[g][j] + 1) >> 1;
		fen16_from_values(r->leaf[g]);
		r->grp[g] = r->leaf[g][15];
		r->total += r->grp[g];
	}
	fen16_from_values(r->grp);
}

static struct row *row_get(struct o2mix_state *st, int k, size_t idx,
			   unsigned int ctx)
{
	struct row *r = &st->table[k][idx];

	if (r->gen != st->gen || r->ctx != ctx) {
		memset(r, 0, sizeof(*r));
		r->gen = st->gen;
		r->ctx = (uint16_t)ctx;
	}
	return r;
}

/* Interpolation weights for the current context (see the top comment). */
static void prepare(struct o2mix_state *st)
{
	uint32_t rest = UINT32_MAX, den, a;
	uint64_t scale = cdf_scale(st->p->bits);
	const struct row *r;
	int k;

	for (k = 2; k >= 0; k--) {
		r = st->cur[k];
		st->a[k] = 0;
		if (!r->total)
			continue;
		den = r->total + 1 + ((r->distinct * st->p->esc) >> 4);
		a = rest / den;
		rest -= a * r->total;
		st->a[k] = a * scale;
	}
	st->u = (rest >> 8) * scale;
}

static void select_rows(struct o2mix_state *st)
{
	unsigned int ctx2 = st->c2 << 8 | st->c1;
	uint32_t h = (uint32_t)ctx2 * 0x9e3779b1u;

	st->cur[0] = row_get(st, 0, 0, 0);
	st->cur[1] = row_get(st, 1, st->c1, st->c1);
	st->cur[2] = row_get(st, 2, h >> (32 - st->p->order2_bits), ctx2);
	prepare(st);
}

static void o2mix_reset(void *p)
{
	struct o2mix_state *st = p;
	int k;

	if (++st->gen == 0) {
		/* generations wrapped: clear for real, once in 2^32 resets */
		for (k = 0; k < 3; k++)
			memset(st->table[k], 0, st->rows[k] * sizeof(struct row));
		st->gen = 1;
	}
	st->c1 = 0;
	st->c2 = 0;
	select_rows(st);
}

static inline void range(const struct o2mix_state *st, unsigned int s,
			 uint32_t *start, uint32_t *freq)
{
	uint64_t lo = st->u * s, hi = st->u;
	uint32_t end;
	int k;

	for (k = 0; k < 3; k++) {
		lo += st->a[k] * row_prefix(st->cur[k], s);
		hi += st->a[k] * row_count(st->cur[k], s);
	}
	*start = cdf_point_q(lo, s);
	end = s == 255 ? 1u << st->p->bits : cdf_point_q(lo + hi, s + 1);
	*freq = end - *start;
}

/*
 * One level of the decoder's search: the last j in 0..15 with
 * C(base + j * width) <= slot, where t are the three rows' trees at that
 * level and *acc is Q(base). In the descent, node j + step covers the
 * step * width bytes after base + j * width, which gives the uniform share.
 * Branch-free, since which way each step goes is as unpredictable as the
 * data.
 */
static inline unsigned int descend(const struct o2mix_state *st,
				   const uint16_t *t0, const uint16_t *t1,
				   const uint16_t *t2, unsigned int base,
				   unsigned int width, uint32_t slot,
				   uint64_t *acc)
{
	uint64_t cand, take, uw = st->u * width;
	unsigned int j = 0, i, step;

	for (step = 8; step; step >>= 1) {
		i = j + step;
		cand = *acc + st->a[0] * t0[i - 1] + st->a[1] * t1[i - 1] +
		       st->a[2] * t2[i - 1] + uw * step;
		take = -(uint64_t)(cdf_point_q(cand, base + i * width) <= slot);
		j += step & (unsigned int)take;
		*acc += (cand - *acc) & take;
	}
	return j;
}

static inline unsigned int find(const struct o2mix_state *st, uint32_t slot,
				uint32_t *start, uint32_t *freq)
{
	const struct row *r0 = st->cur[0], *r1 = st->cur[1], *r2 = st->cur[2];
	uint64_t q = 0, hi = st->u;
	unsigned int g, s;
	uint32_t end;
	int k;

	g = descend(st, r0->grp, r1->grp, r2->grp, 0, 16, slot, &q);
	s = g * 16 + descend(st, r0->leaf[g], r1->leaf[g], r2->leaf[g], g * 16,
			     1, slot, &q);
	for (k = 0; k < 3; k++)
		hi += st->a[k] * row_count(st->cur[k], s);
	*start = cdf_point_q(q, s);
	end = s == 255 ? 1u << st->p->bits : cdf_point_q(q + hi, s + 1);
	*freq = end - *start;
	return s;
}

static inline void update(struct o2mix_state *st, unsigned int s)
{
	unsigned int inc = st->p->inc;
	struct row *r;
	int k;

	for (k = 0; k < 3; k++) {
		r = st->cur[k];
		if (!row_count(r, s))
			r->distinct++;
		row_add(r, s, inc);
		r->total += inc;
		if (r->total > st->p->limit[k])
			row_halve(r);
	}
	st->c2 = st->c1;
	st->c1 = s;
	select_rows(st);
}

static size_t o2mix_encode(void *p, const uint8_t *src, size_t n,
			   uint32_t *ranges)
{
	struct o2mix_state *st = p;
	uint32_t start, freq;
	size_t i;

	for (i = 0; i < n; i++) {
		range(st, src[i], &start, &freq);
		ranges[i] = start << 16 | freq;
		update(st, src[i]);
	}
	return n;
}

static void o2mix_decode(void *p, struct rans_dec *d, uint8_t *dst, size_t n)
{
	struct o2mix_state *st = p;
	unsigned int bits = st->p->bits, s;
	uint32_t start, freq;
	size_t i;

	for (i = 0; i < n; i++) {
		s = find(st, rans_dec_slot(d, bits), &start, &freq);
		rans_dec_advance(d, start, freq, bits);
		update(st, s);
		dst[i] = (uint8_t)s;
	}
}

static void o2mix_absorb(void *p, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		update(p, src[i]);
}

static void o2mix_state_free(void *p)
{
	struct o2mix_state *st = p;
	int k;

	if (!st)
		return;
	for (k = 0; k < 3; k++)
		free(st->mem[k]);
	free(st);
}

static void *o2mix_state_new(const struct ncmp_model *m)
{
	struct o2mix_state *st = calloc(1, sizeof(*st));
	int k;

	if (!st)
		return NULL;
	st->p = m->priv;
	st->rows[0] = 1;
	st->rows[1] = 256;
	st->rows[2] = (size_t)1 << st->p->order2_bits;
	for (k = 0; k < 3; k++) {
		/*
		 * calloc(): large tables come as untouched zero pages, so a
		 * state costs memory only for the rows it uses. Rows start
		 * on a cache line, so that a row's header and group tree
		 * share one.
		 */
		st->mem[k] = calloc(1, st->rows[k] * sizeof(struct row) + 63);
		if (!st->mem[k]) {
			o2mix_state_free(st);
			return NULL;
		}
		/* zeroed rows have generation 0, which no state uses */
		st->table[k] = (struct row *)(((uintptr_t)st->mem[k] + 63) &
					      ~(uintptr_t)63);
	}
	o2mix_reset(st);
	return st;
}

static const char *const o2mix_keys[] = {
	"prob_bits", "order2_bits", "inc", "limit0", "limit1", "limit2", "esc",
	NULL,
};

static int o2mix_load(struct ncmp_model *m, char *msg)
{
	struct o2mix_params *p;
	long v[7];
	int i, err;

	if (m->n_tensors)
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "o2mix models have no tensors");
	err = model_params_known(m, o2mix_keys, msg);
	if (!err)
		err = model_param_int(m, "prob_bits", CDF_BITS_MIN,
				      CDF_BITS_MAX, &v[0], msg);
	if (!err)
		err = model_param_int(m, "order2_bits", 8, 20, &v[1], msg);
	if (!err)
		err = model_param_int(m, "inc", 1, 255, &v[2], msg);
	/* the Fenwick nodes are 16 bits: a total may reach limit + inc */
	for (i = 3; i < 6 && !err; i++)
		err = model_param_int(m, o2mix_keys[i], 1, 65535 - v[2], &v[i],
				      msg);
	if (!err)
		err = model_param_int(m, "esc", 0, 4096, &v[6], msg);
	if (err)
		return err;
	p = malloc(sizeof(*p));
	if (!p)
		return NCMP_E_NOMEM;
	p->bits = (unsigned int)v[0];
	p->order2_bits = (unsigned int)v[1];
	p->inc = (unsigned int)v[2];
	for (i = 0; i < 3; i++)
		p->limit[i] = (unsigned int)v[3 + i];
	p->esc = (unsigned int)v[6];
	m->priv = p;
	m->prob_bits = p->bits;
	m->state_size = sizeof(struct o2mix_state) +
			(257 + ((size_t)1 << p->order2_bits)) * sizeof(struct row);
	return 0;
}

static void o2mix_unload(struct ncmp_model *m)
{
	free(m->priv);
}

const struct model_kind o2mix_kind = {
	.arch = "o2mix",
	.load = o2mix_load,
	.unload = o2mix_unload,
	.state_new = o2mix_state_new,
	.state_free = o2mix_state_free,
	.reset = o2mix_reset,
	.encode = o2mix_encode,
	.decode = o2mix_decode,
	.absorb = o2mix_absorb,
};
