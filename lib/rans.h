/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rANS with a 32-bit state and byte-wise renormalisation.
 *
 * READ ME FIRST
 *
 * 1. rANS is a stack: the encoder codes the symbols in *reverse* order, last
 *    symbol first, so that the decoder reads them forwards. The encoder is
 *    therefore always given a finished array of (start, freq) ranges, which
 *    the caller filled by running its model forwards.
 * 2. The encoder writes its bytes *backwards*, from the end of a buffer
 *    towards its start; the decoder reads them forwards.
 * 3. Several states may share one byte buffer ("interleaving"): encode with
 *    states k = i % n in reverse, flush them in reverse order, and decode
 *    with state i % n. The decoder needs no extra information; each state
 *    costs a 4-byte flush.
 *
 * The state x always lies in [RANS_L, 256 * RANS_L) = [2^23, 2^31) between
 * symbols. A symbol with range [start, start + freq) out of a total of
 * 2^bits (bits <= 16) is coded as
 *
 *	encode:	x' = (x / freq) << bits  +  x % freq  +  start
 *	decode:	x  = freq * (x' >> bits) + (x' & (2^bits - 1)) - start
 *
 * The encoder first shifts bytes out until x < ((RANS_L >> bits) << 8) *
 * freq, which keeps x' below 2^31; the decoder shifts bytes in while
 * x < RANS_L. Both loops move at most two bytes per symbol (bits <= 16), so
 * n symbols never take more than 2n + 4 bytes.
 *
 * The encoder starts from x = RANS_L, and a decoder that was given the
 * encoder's bytes ends there too, having read exactly those bytes: so
 * streams can be concatenated without lengths, and rans_dec_ended() is a
 * free integrity check.
 */
#ifndef NCMP_RANS_H
#define NCMP_RANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RANS_L		(1u << 23)
#define RANS_FLUSH	4	/* bytes a state takes at the end */

/* Worst-case output of n symbols coded with one state. */
#define RANS_BOUND(n)	(2 * (size_t)(n) + RANS_FLUSH)

static inline void rans_enc_init(uint32_t *x)
{
	*x = RANS_L;
}

/*
 * Push one symbol; *p moves towards the start of the buffer. At most two
 * bytes go out (see above): both candidates are written and *p moves by
 * the number that counts, without a branch on the data. The extra byte
 * lands below the new *p, where later output overwrites it; the buffer
 * bound leaves room for it.
 */
static inline void rans_enc_put(uint32_t *x, uint8_t **p, uint32_t start,
				uint32_t freq, unsigned int bits)
{
	uint32_t x_max = ((RANS_L >> bits) << 8) * freq;
	uint32_t v = *x;
	uint32_t n = (v >= x_max) + ((uint64_t)v >= (uint64_t)x_max << 8);

	(*p)[-1] = (uint8_t)v;
	(*p)[-2] = (uint8_t)(v >> 8);
	*p -= n;
	v = (uint32_t)((uint64_t)v >> (8 * n));
	*x = ((v / freq) << bits) + v % freq + start;
}

/* Write the final state, little-endian as the decoder reads it. */
static inline void rans_enc_flush(const uint32_t *x, uint8_t **p)
{
	*p -= 4;
	(*p)[0] = (uint8_t)*x;
	(*p)[1] = (uint8_t)(*x >> 8);
	(*p)[2] = (uint8_t)(*x >> 16);
	(*p)[3] = (uint8_t)(*x >> 24);
}

/*
 * Decoder over [p, end). Every read is bounds-checked: hostile input can
 * make the decoder fail, never read outside the buffer.
 */
struct rans_dec {
	uint32_t x;
	const uint8_t *p;
	const uint8_t *end;
	bool bad;		/* ran out of bytes or started from a bad state */
};

static inline void rans_dec_init(struct rans_dec *d, const uint8_t *p,
				 const uint8_t *end)
{
	d->p = p;
	d->end = end;
	d->bad = end - p < 4;
	if (d->bad) {
		d->x = RANS_L;
		return;
	}
	d->x = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
	d->p += 4;
	/* an encoder never flushes a state outside [L, 256 L) */
	if (d->x < RANS_L || d->x >= RANS_L << 8) {
		d->bad = true;
		d->x = RANS_L;
	}
}

/* The slot the next symbol's range must contain: a value in [0, 2^bits). */
static inline uint32_t rans_dec_slot(const struct rans_dec *d, unsigned int bits)
{
	return d->x & ((1u << bits) - 1);
}

/* Whether @symbols more symbols can be decoded without reaching the end. */
static inline bool rans_dec_room(const struct rans_dec *d, size_t symbols)
{
	return (size_t)(d->end - d->p) >= 2 * symbols;
}

/*
 * Pop the symbol whose range [start, start + freq) holds the slot, then
 * read bytes while x < RANS_L. With bits <= 16 the new x is at least
 * 2^(23 - 16), so it takes at most two bytes: n = [x < 2^23] + [x < 2^15].
 * Reading both candidates and shifting by n does it without a branch on the
 * data (which would be mispredicted half the time). The caller must know
 * that two bytes remain (rans_dec_room()); interleaved decoders check once
 * for several symbols.
 */
static inline void rans_dec_advance_fast(struct rans_dec *d, uint32_t start,
					 uint32_t freq, unsigned int bits)
{
	uint32_t x = freq * (d->x >> bits) + (d->x & ((1u << bits) - 1)) - start;
	uint32_t n = (x < RANS_L) + (x < (RANS_L >> 8));
	uint32_t v = (uint32_t)d->p[0] << 8 | d->p[1];

	d->x = (uint32_t)((uint64_t)x << (8 * n)) | v >> (8 * (2 - n));
	d->p += n;
}

/* rans_dec_advance_fast() where room is known, else a careful loop. */
static inline void rans_dec_advance(struct rans_dec *d, uint32_t start,
				    uint32_t freq, unsigned int bits)
{
	uint32_t x;

	if (rans_dec_room(d, 1)) {
		rans_dec_advance_fast(d, start, freq, bits);
		return;
	}
	x = freq * (d->x >> bits) + (d->x & ((1u << bits) - 1)) - start;
	while (x < RANS_L) {
		if (d->p == d->end) {
			/* keep the state valid so a caller may go on */
			d->bad = true;
			x = RANS_L;
			break;
		}
		x = x << 8 | *d->p++;
	}
	d->x = x;
}

/* True when the decoder is back at the encoder's initial state. */
static inline bool rans_dec_ended(const struct rans_dec *d)
{
	return !d->bad && d->x == RANS_L;
}

#endif /* NCMP_RANS_H */
