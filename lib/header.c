// SPDX-License-Identifier: GPL-2.0
/* Headers, block headers and trailers of the two formats (header.h). */
#include <string.h>

#include "bytes.h"
#include "header.h"
#include "wire/crc32.h"

void file_header_write(uint8_t *p, const struct ncmp_header_info *h)
{
	bool known = h->content_size != NCMP_SIZE_UNKNOWN;

	memcpy(p, FILE_MAGIC, 4);
	p[4] = FORMAT_VERSION;
	p[5] = known ? FILE_FLAG_SIZE : 0;
	put_le16(p + 6, 0);
	put_be64(p + 8, h->model_id);
	put_le32(p + 16, h->block_size);
	put_le64(p + 20, known ? h->content_size : 0);
	put_le32(p + 28, ncmp_crc32(0, p, 28));
}

/* CRC32 of the 12 header bytes followed by the block number (LE64). */
static uint32_t block_check(const uint8_t *p, uint64_t index)
{
	uint8_t num[8];

	put_le64(num, index);
	return ncmp_crc32(ncmp_crc32(0, p, 12), num, 8);
}

void block_header_write(uint8_t *p, const struct block_header *b,
			uint64_t index)
{
	put_le32(p, b->raw_len);
	put_le32(p + 4, b->payload_len);
	put_le32(p + 8, b->crc);
	put_le32(p + 12, block_check(p, index));
}

void trailer_write(uint8_t *p, const struct trailer *t)
{
	put_le32(p, 0);
	put_le64(p + 4, t->blocks);
	put_le64(p + 12, t->content_size);
	put_le32(p + 20, ncmp_crc32(0, p, 20));
}

void stream_header_write(uint8_t *p, const struct ncmp_header_info *h)
{
	memcpy(p, STREAM_MAGIC, 4);
	p[4] = FORMAT_VERSION;
	p[5] = (uint8_t)h->flags;
	put_be64(p + 6, h->model_id);
	put_le32(p + 14, ncmp_crc32(0, p, 14));
}

int block_header_parse(const uint8_t *p, uint32_t block_size, uint64_t index,
		       struct block_header *b, const char **why)
{
	b->raw_len = get_le32(p);
	b->payload_len = get_le32(p + 4);
	b->crc = get_le32(p + 8);
	if (block_check(p, index) != get_le32(p + 12))
		*why = "header damaged, or block out of place";
	else if (b->raw_len > block_size)
		*why = "raw length exceeds the block size";
	else if (b->payload_len > b->raw_len)
		*why = "payload longer than the raw bytes";
	else if (b->payload_len < b->raw_len && b->payload_len < 4)
		*why = "coded payload shorter than an rANS state";
	else
		return 0;
	return NCMP_E_BLOCK_HEADER;
}

int trailer_parse(const uint8_t *p, struct trailer *t)
{
	if (get_le32(p) || ncmp_crc32(0, p, 20) != get_le32(p + 20))
		return NCMP_E_TRAILER;
	t->blocks = get_le64(p + 4);
	t->content_size = get_le64(p + 12);
	return 0;
}

static int file_header_parse(const uint8_t *p, struct ncmp_header_info *h)
{
	bool known = p[5] & FILE_FLAG_SIZE;

	h->format = NCMP_FORMAT_FILE;
	h->version = p[4];
	h->header_size = FILE_HEADER_LEN;
	if (ncmp_crc32(0, p, 28) != get_le32(p + 28) || p[5] & ~FILE_FLAG_SIZE ||
	    get_le16(p + 6))
		return NCMP_E_HEADER;
	h->flags = 0;
	h->model_id = get_be64(p + 8);
	h->block_size = get_le32(p + 16);
	h->content_size = known ? get_le64(p + 20) : NCMP_SIZE_UNKNOWN;
	/* an unknown size is stored as 0; a known one cannot be all ones */
	if (h->block_size < NCMP_BLOCK_MIN || h->block_size > NCMP_BLOCK_MAX ||
	    (!known && get_le64(p + 20)) ||
	    (known && h->content_size == NCMP_SIZE_UNKNOWN))
		return NCMP_E_HEADER;
	return 0;
}

static int stream_header_parse(const uint8_t *p, struct ncmp_header_info *h)
{
	h->format = NCMP_FORMAT_STREAM;
	h->version = p[4];
	h->header_size = STREAM_HEADER_LEN;
	if (ncmp_crc32(0, p, 14) != get_le32(p + 14) ||
	    p[5] & ~NCMP_STREAM_BLOCK_CRC)
		return NCMP_E_HEADER;
	h->flags = p[5];
	h->model_id = get_be64(p + 6);
	h->block_size = NCMP_STREAM_BLOCK_MAX;
	h->content_size = NCMP_SIZE_UNKNOWN;
	return 0;
}

int ncmp_peek(const void *src, size_t len, struct ncmp_header_info *info)
{
	const uint8_t *p = src;
	size_t n = len < 4 ? len : 4, need;
	bool file;

	memset(info, 0, sizeof(*info));
	if (memcmp(p, FILE_MAGIC, n) && memcmp(p, STREAM_MAGIC, n))
		return NCMP_E_MAGIC;
	if (len < 5)
		return (int)(5 - len);
	/* the version first: a newer format is not reported as damage */
	if (p[4] != FORMAT_VERSION)
		return NCMP_E_VERSION;
	file = !memcmp(p, FILE_MAGIC, 4);
	need = file ? FILE_HEADER_LEN : STREAM_HEADER_LEN;
	if (len < need)
		return (int)(need - len);
	return file ? file_header_parse(p, info) : stream_header_parse(p, info);
}
