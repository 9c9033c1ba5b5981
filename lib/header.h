/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixed-size parts of the two formats: the file header, block header
 * and trailer, and the stream header (docs/FORMAT.md has every byte).
 * Parsers check every field and return NCMP_E_* codes; none trusts a
 * length before checking it.
 */
#ifndef NCMP_HEADER_H
#define NCMP_HEADER_H

#include <stdint.h>

#include "ncmp.h"

#define FILE_MAGIC		"NCMP"
#define STREAM_MAGIC		"NCMS"
#define FORMAT_VERSION		1

#define FILE_HEADER_LEN		32
#define FILE_FLAG_SIZE		1u	/* content size known */
#define BLOCK_HEADER_LEN	16
#define TRAILER_LEN		24
#define STREAM_HEADER_LEN	18

struct block_header {
	uint32_t raw_len;	/* 0 marks the trailer */
	uint32_t payload_len;	/* == raw_len: stored; < raw_len: coded */
	uint32_t crc;		/* CRC32 of the raw bytes */
};

struct trailer {
	uint64_t blocks;
	uint64_t content_size;
};

void file_header_write(uint8_t *p, const struct ncmp_header_info *h);

/*
 * Block @index's header. Its check value covers the block number too, so
 * a block that was dropped, repeated or moved fails at once.
 */
void block_header_write(uint8_t *p, const struct block_header *b,
			uint64_t index);
void trailer_write(uint8_t *p, const struct trailer *t);
void stream_header_write(uint8_t *p, const struct ncmp_header_info *h);

/*
 * Parse a block header (BLOCK_HEADER_LEN bytes) against the block size;
 * a trailer starts with four zero bytes instead (check that first). On
 * failure *@why says what is wrong.
 */
int block_header_parse(const uint8_t *p, uint32_t block_size, uint64_t index,
		       struct block_header *b, const char **why);
int trailer_parse(const uint8_t *p, struct trailer *t);

#endif /* NCMP_HEADER_H */
