/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block coder: bytes <-> rANS payload, driven by a model state. Both
 * formats code their blocks with it; the file format resets the model
 * before each block, the stream format never does.
 *
 * A payload is a sequence of segments, one per BLOCK_SEGMENT bytes (the
 * last may be shorter), each an rANS stream with one state (rans.h). The
 * decoder knows where a segment ends because rANS reads exactly what was
 * written, so segments carry no lengths. Segments bound the encoder's
 * memory: it keeps the ranges of one segment, not of a whole block. Each
 * costs a 4-byte flush, 0.002 bits per byte.
 */
#ifndef NCMP_BLOCK_H
#define NCMP_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define BLOCK_SEGMENT	(1u << 14)
#define SEGMENT_RANGES	(RANGES_PER_BYTE * BLOCK_SEGMENT)

struct block_coder {
	struct model_state ms;
	uint32_t *ranges;	/* start << 16 | freq of one segment's symbols */
	uint8_t *seg;		/* one segment's rANS output, written backwards */
};

int block_coder_init(struct block_coder *c, const struct ncmp_model *m);
/* The heap a coder for @m holds: its model state and segment buffers. */
size_t block_coder_size(const struct ncmp_model *m);
void block_coder_fini(struct block_coder *c);

/* Back to the model state before the first byte. */
void block_reset(struct block_coder *c);

/*
 * block_encode() - code @n bytes of @src into @dst, at most @cap bytes.
 * Returns the payload length, or SIZE_MAX when it does not fit in @cap (the
 * caller then stores the bytes raw). With @keep_state the model learns
 * every byte even when the payload does not fit, as the stream format
 * needs; without it, coding stops at the first segment that does not fit.
 */
size_t block_encode(struct block_coder *c, const uint8_t *src, size_t n,
		    uint8_t *dst, size_t cap, bool keep_state);

/* Let the model learn bytes that were stored raw (stream format). */
void block_absorb(struct block_coder *c, const uint8_t *src, size_t n);

/*
 * block_decode() - decode @n bytes from the payload [@src, @src + @len).
 * Returns 0, or NCMP_E_BLOCK_DATA when the payload does not decode to
 * exactly @n bytes using exactly @len bytes; then *@bad_at is the payload
 * offset where that was noticed, and @dst holds what was decoded up to
 * the end of the failing segment (right up to where the damage is) and
 * zeros after it.
 */
int block_decode(struct block_coder *c, const uint8_t *src, size_t len,
		 uint8_t *dst, size_t n, size_t *bad_at);

#endif /* NCMP_BLOCK_H */
