/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian fields and LEB128 varints, the two ways the formats store
 * numbers (docs/FORMAT.md).
 */
#ifndef NCMP_BYTES_H
#define NCMP_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t get_le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Model ids are stored in SHA-256 digest order: big-endian. */
static inline uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Longest varint the formats use: 32-bit values. */
#define VARINT_MAX	5

/* Write @v as LEB128 (7 bits per byte, low first); returns bytes written. */
static inline size_t put_varint(uint8_t *p, uint32_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * Read a varint from [p, p + len): returns its length, 0 if more bytes are
 * needed, or -1 if it is not a minimal encoding of a 32-bit value (the
 * formats allow only the shortest form, so every value has one encoding).
 */
static inline int get_varint(const uint8_t *p, size_t len, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < len && i < VARINT_MAX; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if ((i > 0 && p[i] == 0) || x > UINT32_MAX)
				return -1;
			*v = (uint32_t)x;
			return (int)i + 1;
		}
	}
	return i == VARINT_MAX ? -1 : 0;
}

#endif /* NCMP_BYTES_H */
