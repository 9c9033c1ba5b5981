// SPDX-License-Identifier: GPL-2.0
/* The block coder (block.h): a model forwards, rANS backwards. */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "rans.h"

/* The segment buffers a coder holds beside its model state. */
#define RANGES_BYTES	(SEGMENT_RANGES * sizeof(*((struct block_coder *)0)->ranges))
#define SEG_BYTES	RANS_BOUND(SEGMENT_RANGES)

int block_coder_init(struct block_coder *c, const struct ncmp_model *m)
{
	memset(c, 0, sizeof(*c));
	c->ranges = malloc(RANGES_BYTES);
	c->seg = malloc(SEG_BYTES);
	if (!c->ranges || !c->seg || model_state_init(&c->ms, m)) {
		block_coder_fini(c);
		return NCMP_E_NOMEM;
	}
	return 0;
}

size_t block_coder_size(const struct ncmp_model *m)
{
	return m->state_size + RANGES_BYTES + SEG_BYTES;
}

void block_coder_fini(struct block_coder *c)
{
	model_state_fini(&c->ms);
	free(c->ranges);
	free(c->seg);
	c->ranges = NULL;
	c->seg = NULL;
}

void block_reset(struct block_coder *c)
{
	c->ms.kind->reset(c->ms.st);
}

/* Code one segment into c->seg; returns its length, *start where it is. */
static size_t encode_segment(struct block_coder *c, const uint8_t *src,
			     size_t n, uint8_t **start)
{
	size_t i = c->ms.kind->encode(c->ms.st, src, n, c->ranges);
	uint8_t *end = c->seg + RANS_BOUND(SEGMENT_RANGES), *p = end;
	unsigned int bits = c->ms.bits;
	uint32_t x;

	rans_enc_init(&x);
	while (i--)
		rans_enc_put(&x, &p, c->ranges[i] >> 16, c->ranges[i] & 0xffff,
			     bits);
	rans_enc_flush(&x, &p);
	*start = p;
	return (size_t)(end - p);
}

size_t block_encode(struct block_coder *c, const uint8_t *src, size_t n,
		    uint8_t *dst, size_t cap, bool keep_state)
{
	size_t done, len, seg, out = 0;
	uint8_t *p;

	for (done = 0; done < n; done += len) {
		len = n - done < BLOCK_SEGMENT ? n - done : BLOCK_SEGMENT;
		if (out == SIZE_MAX) {
			/* no payload: only the model's state matters */
			c->ms.kind->absorb(c->ms.st, src + done, len);
			continue;
		}
		seg = encode_segment(c, src + done, len, &p);
		if (seg <= cap - out) {
			memcpy(dst + out, p, seg);
			out += seg;
			continue;
		}
		out = SIZE_MAX;
		if (!keep_state)
			break;
	}
	return out;
}

void block_absorb(struct block_coder *c, const uint8_t *src, size_t n)
{
	c->ms.kind->absorb(c->ms.st, src, n);
}

int block_decode(struct block_coder *c, const uint8_t *src, size_t len,
		 uint8_t *dst, size_t n, size_t *bad_at)
{
	const uint8_t *p = src, *end = src + len;
	struct rans_dec d;
	size_t done, m;

	for (done = 0; done < n; done += m) {
		m = n - done < BLOCK_SEGMENT ? n - done : BLOCK_SEGMENT;
		rans_dec_init(&d, p, end);
		c->ms.kind->decode(c->ms.st, &d, dst + done, m);
		if (!rans_dec_ended(&d)) {
			/* keep what was decoded: it may help a forced decode */
			memset(dst + done + m, 0, n - done - m);
			*bad_at = (size_t)(d.p - src);
			return NCMP_E_BLOCK_DATA;
		}
		p = d.p;
	}
	if (p != end) {
		*bad_at = (size_t)(p - src);
		return NCMP_E_BLOCK_DATA;
	}
	return 0;
}
