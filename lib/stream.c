// SPDX-License-Identifier: GPL-2.0
/*
 * The stream format: a header, blocks that share one model state, and an
 * end record with the CRC32 of everything (docs/FORMAT.md). Built for pipes
 * and the serial link, where a block is cut whenever the sender has nothing
 * more to send for now: the model carries over, so short blocks after
 * earlier ones still compress well.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "bytes.h"
#include "error.h"
#include "header.h"
#include "out.h"
#include "wire/crc32.h"

/* Block head: raw length, payload length (varints), optional CRC32. */
#define BLOCK_HEAD_MAX	(2 * VARINT_MAX + 4)
#define END_LEN		5	/* 0x00 and the CRC32 of all bytes */

struct ncmp_stream_enc {
	struct block_coder coder;
	uint64_t model_id;
	unsigned int flags;
	uint8_t header[STREAM_HEADER_LEN];
	size_t header_sent;
	uint8_t *raw;			/* the block being filled */
	size_t raw_len;
	uint8_t *coded;			/* a coded block, at coded + coded_at, */
	size_t coded_at;		/* waiting to be written */
	size_t coded_len;
	size_t coded_sent;
	uint32_t crc_all;
	bool ended;
	uint64_t in_bytes;
	uint64_t out_bytes;
	int err;
};

int ncmp_stream_enc_new(ncmp_stream_enc **out, const ncmp_model *model,
			unsigned int flags)
{
	struct ncmp_header_info h = { .flags = flags };
	struct ncmp_stream_enc *e;

	*out = NULL;
	if (!model || flags & ~NCMP_STREAM_BLOCK_CRC)
		return NCMP_E_PARAM;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NCMP_E_NOMEM;
	e->flags = flags;
	e->model_id = model->id;
	h.model_id = model->id;
	stream_header_write(e->header, &h);
	e->raw = malloc(NCMP_STREAM_BLOCK_MAX);
	e->coded = malloc(BLOCK_HEAD_MAX + NCMP_STREAM_BLOCK_MAX);
	if (!e->raw || !e->coded || block_coder_init(&e->coder, model)) {
		ncmp_stream_enc_free(e);
		return NCMP_E_NOMEM;
	}
	*out = e;
	return 0;
}

void ncmp_stream_enc_free(ncmp_stream_enc *e)
{
	if (!e)
		return;
	block_coder_fini(&e->coder);
	free(e->raw);
	free(e->coded);
	free(e);
}

/* Code the buffered bytes as one block into e->coded. */
static void code_block(struct ncmp_stream_enc *e)
{
	uint8_t head[BLOCK_HEAD_MAX];
	uint8_t *payload = e->coded + BLOCK_HEAD_MAX;
	uint32_t crc = ncmp_crc32(0, e->raw, e->raw_len);
	size_t n, h;

	e->crc_all = ncmp_crc32(e->crc_all, e->raw, e->raw_len);
	/* the model learns every byte, even of a block stored raw */
	n = block_encode(&e->coder, e->raw, e->raw_len, payload,
			 e->raw_len - 1, true);
	if (n == SIZE_MAX) {
		memcpy(payload, e->raw, e->raw_len);
		n = e->raw_len;
	}
	h = put_varint(head, (uint32_t)e->raw_len);
	h += put_varint(head + h, (uint32_t)n);
	if (e->flags & NCMP_STREAM_BLOCK_CRC) {
		put_le32(head + h, crc);
		h += 4;
	}
	/* the head goes right before the payload: one piece to write */
	memcpy(payload - h, head, h);
	e->coded_at = BLOCK_HEAD_MAX - h;
	e->coded_len = h + n;
	e->coded_sent = 0;
	e->raw_len = 0;
}

static void code_end(struct ncmp_stream_enc *e)
{
	e->coded[0] = 0;
	put_le32(e->coded + 1, e->crc_all);
	e->coded_at = 0;
	e->coded_len = END_LEN;
	e->coded_sent = 0;
	e->ended = true;
}

int ncmp_stream_encode(ncmp_stream_enc *e, struct ncmp_out *out,
		       struct ncmp_in *in, enum ncmp_end end)
{
	size_t n;

	if (e->err)
		return e->err;
	if (in->pos > in->size || out->pos > out->size ||
	    (e->ended && in->pos < in->size)) {
		e->err = NCMP_E_PARAM;
		return e->err;
	}
	for (;;) {
		if (!ncmp_out_put(e->header, STREAM_HEADER_LEN, &e->header_sent,
				  out, &e->out_bytes) ||
		    !ncmp_out_put(e->coded + e->coded_at, e->coded_len,
				  &e->coded_sent, out, &e->out_bytes))
			return 1;
		if (in->pos < in->size) {
			n = in->size - in->pos;
			if (n > NCMP_STREAM_BLOCK_MAX - e->raw_len)
				n = NCMP_STREAM_BLOCK_MAX - e->raw_len;
			memcpy(e->raw + e->raw_len,
			       (const uint8_t *)in->src + in->pos, n);
			e->raw_len += n;
			in->pos += n;
			e->in_bytes += n;
			if (e->raw_len == NCMP_STREAM_BLOCK_MAX)
				code_block(e);
			continue;
		}
		if (end == NCMP_CONTINUE || e->ended)
			return 0;
		if (e->raw_len)
			code_block(e);
		else if (end == NCMP_END)
			code_end(e);
		else
			return 0;
	}
}

/* ---- decoder ------------------------------------------------------------ */

enum stream_phase {
	S_HEADER,
	S_HEAD,			/* a block head, or the end record's 0x00 */
	S_PAYLOAD,
	S_END_CRC,
	S_DONE,
};

struct ncmp_stream_dec {
	struct block_coder coder;
	uint64_t model_id;
	struct ncmp_header_info info;
	enum stream_phase phase;
	uint8_t buf[BLOCK_HEAD_MAX + STREAM_HEADER_LEN];
	size_t have;
	uint32_t raw_len;
	uint32_t payload_len;
	uint32_t crc;
	uint64_t block_at;		/* offset of the block's head */
	uint8_t *payload;
	uint8_t *raw;
	size_t raw_sent;		/* of a decoded block being written */
	bool raw_ready;
	uint32_t crc_all;
	uint64_t blocks;
	uint64_t in_bytes;
	uint64_t out_bytes;
	int err;
	char msg[NCMP_MSG_MAX];
};

int ncmp_stream_dec_new(ncmp_stream_dec **out, const ncmp_model *model)
{
	struct ncmp_stream_dec *d;

	*out = NULL;
	if (!model)
		return NCMP_E_PARAM;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NCMP_E_NOMEM;
	d->model_id = model->id;
	d->payload = malloc(NCMP_STREAM_BLOCK_MAX);
	d->raw = malloc(NCMP_STREAM_BLOCK_MAX);
	if (!d->payload || !d->raw || block_coder_init(&d->coder, model)) {
		ncmp_stream_dec_free(d);
		return NCMP_E_NOMEM;
	}
	*out = d;
	return 0;
}

void ncmp_stream_dec_free(ncmp_stream_dec *d)
{
	if (!d)
		return;
	block_coder_fini(&d->coder);
	free(d->payload);
	free(d->raw);
	free(d);
}

const char *ncmp_stream_dec_message(const ncmp_stream_dec *d)
{
	return d->msg;
}

void ncmp_stream_dec_progress(const ncmp_stream_dec *d, uint64_t *in_bytes,
			      uint64_t *out_bytes)
{
	*in_bytes = d->in_bytes;
	*out_bytes = d->out_bytes;
}

static int fail(struct ncmp_stream_dec *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ncmp_stream_dec *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->err = err;
	return err;
}

/* Move one input byte into d->buf. */
static void take_byte(struct ncmp_stream_dec *d, struct ncmp_in *in)
{
	d->buf[d->have++] = ((const uint8_t *)in->src)[in->pos++];
	d->in_bytes++;
}

static int parse_header(struct ncmp_stream_dec *d, struct ncmp_in *in)
{
	char want[17], got[17];
	int r;

	take_byte(d, in);
	r = ncmp_peek(d->buf, d->have, &d->info);
	if (r > 0)
		return 0;
	if (r == NCMP_E_MAGIC)
		return fail(d, r, "not an ncmp stream (bad magic)");
	if (r == NCMP_E_VERSION)
		return fail(d, r, "stream format version %u; this decoder reads %u",
			    d->buf[4], FORMAT_VERSION);
	if (r)
		return fail(d, r, "stream header damaged (offset 0)");
	if (d->info.format != NCMP_FORMAT_STREAM)
		return fail(d, NCMP_E_MAGIC,
			    "this is an .ncmp file, not an ncmp stream");
	if (d->info.model_id != d->model_id)
		return fail(d, NCMP_E_MODEL_UNKNOWN,
			    "stream coded with model %s, not with model %s",
			    ncmp_model_id_str(d->info.model_id, want),
			    ncmp_model_id_str(d->model_id, got));
	d->have = 0;
	d->phase = S_HEAD;
	return 0;
}

static int parse_head(struct ncmp_stream_dec *d, struct ncmp_in *in)
{
	size_t crc_len = d->info.flags & NCMP_STREAM_BLOCK_CRC ? 4 : 0;
	int a, b = 0;

	if (!d->have)
		d->block_at = d->in_bytes;
	take_byte(d, in);
	a = get_varint(d->buf, d->have, &d->raw_len);
	if (a > 0 && !d->raw_len) {
		d->have = 0;
		d->phase = S_END_CRC;
		return 0;
	}
	if (a > 0)
		b = get_varint(d->buf + a, d->have - (size_t)a, &d->payload_len);
	if (a < 0 || b < 0)
		return fail(d, NCMP_E_BLOCK_HEADER,
			    "block %llu at offset %llu: bad length field",
			    (unsigned long long)d->blocks,
			    (unsigned long long)d->block_at);
	if (!a || !b || d->have < (size_t)(a + b) + crc_len)
		return 0;
	if (crc_len)
		d->crc = get_le32(d->buf + a + b);
	if (d->raw_len > NCMP_STREAM_BLOCK_MAX ||
	    d->payload_len > d->raw_len ||
	    (d->payload_len < d->raw_len && d->payload_len < 4))
		return fail(d, NCMP_E_BLOCK_HEADER,
			    "block %llu at offset %llu: impossible lengths (raw %u, payload %u)",
			    (unsigned long long)d->blocks,
			    (unsigned long long)d->block_at, d->raw_len,
			    d->payload_len);
	d->have = 0;
	d->phase = S_PAYLOAD;
	return 0;
}

static int decode_payload(struct ncmp_stream_dec *d)
{
	unsigned long long idx = d->blocks, at = d->block_at;
	uint32_t crc;
	size_t bad;

	if (d->payload_len == d->raw_len) {
		memcpy(d->raw, d->payload, d->raw_len);
		block_absorb(&d->coder, d->raw, d->raw_len);
	} else if (block_decode(&d->coder, d->payload, d->payload_len, d->raw,
				d->raw_len, &bad)) {
		return fail(d, NCMP_E_BLOCK_DATA,
			    "block %llu at offset %llu: payload does not decode (noticed at payload byte %zu)",
			    idx, at, bad);
	}
	crc = ncmp_crc32(0, d->raw, d->raw_len);
	if (d->info.flags & NCMP_STREAM_BLOCK_CRC && crc != d->crc)
		return fail(d, NCMP_E_CRC,
			    "block %llu at offset %llu: CRC32 mismatch (stored %08x, decoded data %08x)",
			    idx, at, d->crc, crc);
	d->crc_all = ncmp_crc32(d->crc_all, d->raw, d->raw_len);
	d->blocks++;
	d->raw_sent = 0;
	d->raw_ready = true;
	d->have = 0;
	d->phase = S_HEAD;
	return 0;
}

static int take_payload(struct ncmp_stream_dec *d, struct ncmp_in *in)
{
	size_t n = d->payload_len - d->have;

	if (n > in->size - in->pos)
		n = in->size - in->pos;
	memcpy(d->payload + d->have, (const uint8_t *)in->src + in->pos, n);
	d->have += n;
	in->pos += n;
	d->in_bytes += n;
	return d->have == d->payload_len ? decode_payload(d) : 0;
}

static int check_end(struct ncmp_stream_dec *d, struct ncmp_in *in)
{
	take_byte(d, in);
	if (d->have < 4)
		return 0;
	if (get_le32(d->buf) != d->crc_all)
		return fail(d, NCMP_E_CRC,
			    "end of stream at offset %llu: CRC32 of all data mismatch (stored %08x, data %08x)",
			    (unsigned long long)(d->in_bytes - 5),
			    get_le32(d->buf), d->crc_all);
	d->phase = S_DONE;
	return 0;
}

static int stream_truncated(struct ncmp_stream_dec *d)
{
	static const char *const where[] = {
		[S_HEADER] = "in the stream header",
		[S_HEAD] = "in a block head or before the end of the stream",
		[S_PAYLOAD] = "in a block payload",
		[S_END_CRC] = "in the end record",
	};

	return fail(d, NCMP_E_TRUNCATED, "truncated at offset %llu %s (block %llu)",
		    (unsigned long long)d->in_bytes, where[d->phase],
		    (unsigned long long)d->blocks);
}

int ncmp_stream_decode(ncmp_stream_dec *d, struct ncmp_out *out,
		       struct ncmp_in *in, enum ncmp_end end)
{
	int r = 0;

	if (d->err)
		return d->err;
	if (in->pos > in->size || out->pos > out->size)
		return fail(d, NCMP_E_PARAM, "bad buffer");
	for (;;) {
		if (d->raw_ready) {
			if (!ncmp_out_put(d->raw, d->raw_len, &d->raw_sent,
					  out, &d->out_bytes))
				return 1;
			d->raw_ready = false;
		}
		if (d->phase == S_DONE)
			return 0;
		if (in->pos == in->size)
			return end == NCMP_END ? stream_truncated(d) : 1;
		switch (d->phase) {
		case S_HEADER:
			r = parse_header(d, in);
			break;
		case S_HEAD:
			r = parse_head(d, in);
			break;
		case S_PAYLOAD:
			r = take_payload(d, in);
			break;
		default:
			r = check_end(d, in);
			break;
		}
		if (r)
			return r;
	}
}
