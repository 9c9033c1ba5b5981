// SPDX-License-Identifier: GPL-2.0
/*
 * The .ncmp file format: streaming encoder and decoder, and the one-shot
 * calls built on them. Blocks are independent (the model is reset before
 * each), so they are coded as jobs of a pool (pool.h), in parallel when
 * there are threads, and written in order.
 *
 * The decoder writes a block only once its CRC32 has been checked. When the
 * parser finds damage after some blocks are in flight, it keeps the error
 * until those blocks are written, so the output is every good block before
 * the damage, and the error reported is the first one in file order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "header.h"
#include "model.h"
#include "out.h"
#include "pool.h"
#include "wire/crc32.h"

struct ncmp_file_enc {
	const struct ncmp_model *model;
	struct pool *pool;
	uint32_t block_size;
	uint64_t content_size;
	struct job *fill;		/* the block being filled */
	uint8_t header[FILE_HEADER_LEN];
	size_t header_sent;
	uint8_t trailer[TRAILER_LEN];
	size_t trailer_sent;
	bool trailer_ready;
	uint64_t blocks;
	uint64_t in_bytes;
	uint64_t out_bytes;
	int err;
};

enum dec_phase {
	PHASE_HEADER,
	PHASE_BLOCK,		/* block header or trailer */
	PHASE_PAYLOAD,
	PHASE_END,
};

struct ncmp_file_dec {
	const struct ncmp_model *model;
	struct pool *pool;
	unsigned int threads;
	unsigned int flags;
	struct ncmp_header_info info;
	enum dec_phase phase;
	uint8_t buf[FILE_HEADER_LEN];	/* header, block header or trailer */
	size_t have;
	struct job *fill;		/* the block whose payload arrives */
	uint64_t blocks;
	uint64_t raw_total;		/* raw bytes of the blocks so far */
	uint64_t in_bytes;		/* = offset of the next input byte */
	uint64_t out_bytes;
	int err;			/* final error */
	int pending;			/* parse error, returned once blocks drain */
	char msg[NCMP_MSG_MAX];
	char pending_msg[NCMP_MSG_MAX];
};

/* ---- encoder ------------------------------------------------------------ */

/* The block header goes in front of the payload, so a job is one write. */
static void encode_job(struct job *j, struct block_coder *c)
{
	struct block_header b = { .raw_len = j->raw_len };
	size_t n;

	block_reset(c);
	b.crc = ncmp_crc32(0, j->raw, j->raw_len);
	n = block_encode(c, j->raw, j->raw_len, j->payload + BLOCK_HEADER_LEN,
			 j->raw_len - 1, false);
	if (n == SIZE_MAX) {
		memcpy(j->payload + BLOCK_HEADER_LEN, j->raw, j->raw_len);
		n = j->raw_len;
	}
	b.payload_len = (uint32_t)n;
	block_header_write(j->payload, &b, j->index);
	j->payload_len = BLOCK_HEADER_LEN + b.payload_len;
}

int ncmp_file_enc_new(ncmp_file_enc **out, const ncmp_model *model,
		      const struct ncmp_file_params *params)
{
	struct ncmp_header_info h = { 0 };
	unsigned int threads = params && params->threads ? params->threads : 1;
	struct ncmp_file_enc *e;
	int err;

	*out = NULL;
	h.block_size = params && params->block_size ? params->block_size :
		       NCMP_BLOCK_DEFAULT;
	h.content_size = params ? params->content_size : NCMP_SIZE_UNKNOWN;
	h.model_id = model ? model->id : 0;
	if (!model || threads > NCMP_THREADS_MAX ||
	    h.block_size < NCMP_BLOCK_MIN || h.block_size > NCMP_BLOCK_MAX)
		return NCMP_E_PARAM;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NCMP_E_NOMEM;
	e->model = model;
	e->block_size = h.block_size;
	e->content_size = h.content_size;
	file_header_write(e->header, &h);
	err = pool_new(&e->pool, model, threads, encode_job);
	if (err) {
		free(e);
		return err;
	}
	*out = e;
	return 0;
}

void ncmp_file_enc_free(ncmp_file_enc *e)
{
	if (!e)
		return;
	pool_free(e->pool);
	free(e);
}

static int enc_fail(struct ncmp_file_enc *e, int err)
{
	e->err = err;
	return err;
}

static void enc_submit(struct ncmp_file_enc *e)
{
	e->fill->index = e->blocks++;
	pool_submit(e->pool, e->fill);
	e->fill = NULL;
}

/* Take input into the block being filled (a job must be free). */
static int enc_take(struct ncmp_file_enc *e, struct ncmp_in *in)
{
	size_t n = in->size - in->pos;
	int err;

	if (!e->fill) {
		e->fill = pool_get(e->pool, e->block_size,
				   BLOCK_HEADER_LEN + e->block_size, &err);
		if (!e->fill)
			return err;
	}
	if (n > e->block_size - e->fill->raw_len)
		n = e->block_size - e->fill->raw_len;
	if (e->content_size != NCMP_SIZE_UNKNOWN &&
	    n > e->content_size - e->in_bytes)
		return NCMP_E_SIZE;
	memcpy(e->fill->raw + e->fill->raw_len, (const uint8_t *)in->src + in->pos,
	       n);
	e->fill->raw_len += (uint32_t)n;
	in->pos += n;
	e->in_bytes += n;
	if (e->fill->raw_len == e->block_size)
		enc_submit(e);
	return 0;
}

int ncmp_file_encode(ncmp_file_enc *e, struct ncmp_out *out,
		     struct ncmp_in *in, enum ncmp_end end)
{
	struct trailer t;
	struct job *j;
	int r;

	if (e->err)
		return e->err;
	if (in->pos > in->size || out->pos > out->size ||
	    (e->trailer_ready && in->pos < in->size))
		return enc_fail(e, NCMP_E_PARAM);
	for (;;) {
		if (!ncmp_out_put(e->header, FILE_HEADER_LEN, &e->header_sent,
				  out, &e->out_bytes))
			return 1;
		while ((j = pool_oldest(e->pool, false))) {
			if (!ncmp_out_put(j->payload, j->payload_len, &j->sent,
					  out, &e->out_bytes))
				return 1;
			pool_release(e->pool, j);
		}
		if (in->pos < in->size) {
			if (!e->fill && pool_full(e->pool)) {
				pool_oldest(e->pool, true);
				continue;
			}
			r = enc_take(e, in);
			if (r)
				return enc_fail(e, r);
			continue;
		}
		if (end != NCMP_END)
			return 0;
		if (e->fill) {
			enc_submit(e);
			continue;
		}
		if (pool_busy(e->pool)) {
			pool_oldest(e->pool, true);
			continue;
		}
		if (!e->trailer_ready) {
			if (e->content_size != NCMP_SIZE_UNKNOWN &&
			    e->content_size != e->in_bytes)
				return enc_fail(e, NCMP_E_SIZE);
			t.blocks = e->blocks;
			t.content_size = e->in_bytes;
			trailer_write(e->trailer, &t);
			e->trailer_ready = true;
		}
		return ncmp_out_put(e->trailer, TRAILER_LEN, &e->trailer_sent,
				    out, &e->out_bytes) ? 0 : 1;
	}
}

void ncmp_file_enc_progress(const ncmp_file_enc *e, uint64_t *in_bytes,
			    uint64_t *out_bytes)
{
	*in_bytes = e->in_bytes;
	*out_bytes = e->out_bytes;
}

/* ---- decoder ------------------------------------------------------------ */

static void decode_job(struct job *j, struct block_coder *c)
{
	if (j->payload_len == j->raw_len) {
		memcpy(j->raw, j->payload, j->raw_len);
	} else {
		block_reset(c);
		j->status = block_decode(c, j->payload, j->payload_len, j->raw,
					 j->raw_len, &j->bad_at);
	}
	j->crc_data = ncmp_crc32(0, j->raw, j->raw_len);
	if (!j->status && j->crc_data != j->crc)
		j->status = NCMP_E_CRC;
}

int ncmp_file_dec_new(ncmp_file_dec **out, const ncmp_model *model,
		      unsigned int threads, unsigned int flags)
{
	struct ncmp_file_dec *d;

	*out = NULL;
	if (!model || threads > NCMP_THREADS_MAX || flags & ~NCMP_DEC_FORCE)
		return NCMP_E_PARAM;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NCMP_E_NOMEM;
	d->model = model;
	d->threads = threads ? threads : 1;
	d->flags = flags;
	*out = d;
	return 0;
}

void ncmp_file_dec_free(ncmp_file_dec *d)
{
	if (!d)
		return;
	pool_free(d->pool);
	free(d);
}

const char *ncmp_file_dec_message(const ncmp_file_dec *d)
{
	return d->msg;
}

void ncmp_file_dec_progress(const ncmp_file_dec *d, uint64_t *in_bytes,
			    uint64_t *out_bytes)
{
	*in_bytes = d->in_bytes;
	*out_bytes = d->out_bytes;
}

static int dec_fail(struct ncmp_file_dec *d, int err)
{
	d->err = err;
	return err;
}

/* Keep a parse error until the blocks before it are written. */
static int dec_defer(struct ncmp_file_dec *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int dec_defer(struct ncmp_file_dec *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->pending_msg, sizeof(d->pending_msg), fmt, ap);
	va_end(ap);
	d->pending = err;
	return err;
}

/* Move input into d->buf until it holds @len bytes; true when it does. */
static bool gather(struct ncmp_file_dec *d, struct ncmp_in *in, size_t len)
{
	size_t n = len - d->have;

	if (n > in->size - in->pos)
		n = in->size - in->pos;
	memcpy(d->buf + d->have, (const uint8_t *)in->src + in->pos, n);
	d->have += n;
	in->pos += n;
	d->in_bytes += n;
	return d->have == len;
}

static int parse_header(struct ncmp_file_dec *d, struct ncmp_in *in)
{
	char want[17], got[17];
	int r;

	/* one byte at a time through ncmp_peek(), which says what it needs */
	do {
		gather(d, in, d->have + 1);
		r = ncmp_peek(d->buf, d->have, &d->info);
	} while (r > 0 && in->pos < in->size);
	if (r > 0)
		return 0;
	if (r == NCMP_E_MAGIC)
		return dec_defer(d, r, "not an .ncmp file (bad magic)");
	if (r == NCMP_E_VERSION)
		return dec_defer(d, r, "format version %u; this decoder reads %u",
				 d->buf[4], FORMAT_VERSION);
	if (r)
		return dec_defer(d, r, "file header damaged (offset 0)");
	if (d->info.format != NCMP_FORMAT_FILE)
		return dec_defer(d, NCMP_E_MAGIC,
				 "this is an ncmp stream, not an .ncmp file");
	if (d->info.model_id != d->model->id)
		return dec_defer(d, NCMP_E_MODEL_UNKNOWN,
				 "coded with model %s, not with model %s",
				 ncmp_model_id_str(d->info.model_id, want),
				 ncmp_model_id_str(d->model->id, got));
	r = pool_new(&d->pool, d->model, d->threads, decode_job);
	if (r)
		return dec_defer(d, r, "%s", ncmp_error_name(r));
	d->have = 0;
	d->phase = PHASE_BLOCK;
	return 0;
}

static int parse_trailer(struct ncmp_file_dec *d)
{
	uint64_t at = d->in_bytes - TRAILER_LEN;
	uint64_t size = d->info.content_size;
	struct trailer t;

	if (trailer_parse(d->buf, &t))
		return dec_defer(d, NCMP_E_TRAILER,
				 "end marker at offset %llu damaged",
				 (unsigned long long)at);
	if (t.blocks != d->blocks || t.content_size != d->raw_total ||
	    (size != NCMP_SIZE_UNKNOWN && size != d->raw_total))
		return dec_defer(d, NCMP_E_TRAILER,
				 "end marker at offset %llu: %llu blocks and %llu bytes, but the file holds %llu blocks and %llu bytes",
				 (unsigned long long)at,
				 (unsigned long long)t.blocks,
				 (unsigned long long)t.content_size,
				 (unsigned long long)d->blocks,
				 (unsigned long long)d->raw_total);
	d->phase = PHASE_END;
	return 0;
}

/* Called with a free job in the pool; returns 0 or a (deferred) error. */
static int parse_block(struct ncmp_file_dec *d, struct ncmp_in *in)
{
	uint64_t at = d->in_bytes - d->have;
	struct block_header b;
	const char *why;
	struct job *j;
	int err;

	if (d->have < 4 && !gather(d, in, 4))
		return 0;
	if (!d->buf[0] && !d->buf[1] && !d->buf[2] && !d->buf[3])
		return gather(d, in, TRAILER_LEN) ? parse_trailer(d) : 0;
	if (!gather(d, in, BLOCK_HEADER_LEN))
		return 0;
	if (block_header_parse(d->buf, d->info.block_size, d->blocks, &b, &why))
		return dec_defer(d, NCMP_E_BLOCK_HEADER,
				 "block %llu at offset %llu: %s",
				 (unsigned long long)d->blocks,
				 (unsigned long long)at, why);
	if (d->info.content_size != NCMP_SIZE_UNKNOWN &&
	    b.raw_len > d->info.content_size - d->raw_total)
		return dec_defer(d, NCMP_E_BLOCK_HEADER,
				 "block %llu at offset %llu: more bytes than the %llu the header declares",
				 (unsigned long long)d->blocks,
				 (unsigned long long)at,
				 (unsigned long long)d->info.content_size);
	j = pool_get(d->pool, b.raw_len, b.payload_len, &err);
	if (!j)
		return dec_defer(d, err, "%s", ncmp_error_name(err));
	j->raw_len = b.raw_len;
	j->payload_len = b.payload_len;
	j->crc = b.crc;
	j->index = d->blocks++;
	j->offset = at;
	d->raw_total += b.raw_len;
	d->fill = j;
	d->have = 0;
	d->phase = PHASE_PAYLOAD;
	return 0;
}

/* Return the oldest finished block's error once, or write it out. */
static int drain(struct ncmp_file_dec *d, struct ncmp_out *out)
{
	uint64_t payload_at;
	struct job *j;

	while ((j = pool_oldest(d->pool, false))) {
		if (j->status && !j->reported) {
			j->reported = true;
			payload_at = j->offset + BLOCK_HEADER_LEN;
			if (j->status == NCMP_E_CRC)
				set_msg(d->msg, 0,
					"block %llu at offset %llu: CRC32 mismatch (stored %08x, decoded data %08x)",
					(unsigned long long)j->index,
					(unsigned long long)j->offset,
					j->crc, j->crc_data);
			else
				set_msg(d->msg, 0,
					"block %llu at offset %llu: payload does not decode (noticed at offset %llu)",
					(unsigned long long)j->index,
					(unsigned long long)j->offset,
					(unsigned long long)(payload_at + j->bad_at));
			/* with force, the next call writes the block anyway */
			return d->flags & NCMP_DEC_FORCE ? j->status :
			       dec_fail(d, j->status);
		}
		if (!ncmp_out_put(j->raw, j->raw_len, &j->sent, out, &d->out_bytes))
			return 1;
		pool_release(d->pool, j);
	}
	return 0;
}

/* The input ended: say where the data is cut. */
static int truncated(struct ncmp_file_dec *d)
{
	unsigned long long at = d->in_bytes;

	if (d->phase == PHASE_HEADER)
		set_msg(d->msg, 0, "truncated: %zu of the %d header bytes",
			d->have, FILE_HEADER_LEN);
	else if (d->phase == PHASE_PAYLOAD)
		set_msg(d->msg, 0,
			"truncated at offset %llu: block %llu payload has %zu of %u bytes",
			at, (unsigned long long)d->fill->index, d->have,
			d->fill->payload_len);
	else if (d->have)
		set_msg(d->msg, 0,
			"truncated at offset %llu: block %llu header has %zu of %d bytes",
			at, (unsigned long long)d->blocks, d->have,
			d->have >= 4 && !d->buf[0] && !d->buf[1] && !d->buf[2] &&
			!d->buf[3] ? TRAILER_LEN : BLOCK_HEADER_LEN);
	else
		set_msg(d->msg, 0,
			"truncated at offset %llu: no end marker after block %llu",
			at, (unsigned long long)d->blocks - 1);
	return dec_fail(d, NCMP_E_TRUNCATED);
}

static void take_payload(struct ncmp_file_dec *d, struct ncmp_in *in)
{
	struct job *j = d->fill;
	size_t n = j->payload_len - d->have;

	if (n > in->size - in->pos)
		n = in->size - in->pos;
	memcpy(j->payload + d->have, (const uint8_t *)in->src + in->pos, n);
	d->have += n;
	in->pos += n;
	d->in_bytes += n;
	if (d->have < j->payload_len)
		return;
	pool_submit(d->pool, j);
	d->fill = NULL;
	d->have = 0;
	d->phase = PHASE_BLOCK;
}

int ncmp_file_decode(ncmp_file_dec *d, struct ncmp_out *out,
		     struct ncmp_in *in, enum ncmp_end end)
{
	int r;

	if (d->err)
		return d->err;
	if (in->pos > in->size || out->pos > out->size)
		return dec_fail(d, NCMP_E_PARAM);
	for (;;) {
		r = d->pool ? drain(d, out) : 0;
		if (r)
			return r;
		if (d->pending || d->phase == PHASE_END ||
		    in->pos == in->size) {
			/*
			 * Nothing to parse. Finish the blocks in flight if no
			 * more input can come; else let them run meanwhile.
			 */
			if (d->pool && pool_busy(d->pool)) {
				if (!d->pending && d->phase != PHASE_END &&
				    end != NCMP_END)
					return 1;
				pool_oldest(d->pool, true);
				continue;
			}
			if (d->pending) {
				memcpy(d->msg, d->pending_msg, sizeof(d->msg));
				return dec_fail(d, d->pending);
			}
			if (d->phase == PHASE_END && in->pos < in->size) {
				set_msg(d->msg, 0,
					"%zu bytes after the end marker (offset %llu)",
					in->size - in->pos,
					(unsigned long long)d->in_bytes);
				return dec_fail(d, NCMP_E_TRAILING);
			}
			if (d->phase == PHASE_END)
				return 0;
			return end == NCMP_END ? truncated(d) : 1;
		}
		if (d->phase == PHASE_HEADER)
			parse_header(d, in);
		else if (d->phase == PHASE_PAYLOAD)
			take_payload(d, in);
		else if (pool_full(d->pool))
			pool_oldest(d->pool, true);
		else
			parse_block(d, in);
	}
}

/* ---- one-shot ----------------------------------------------------------- */

size_t ncmp_file_bound(size_t len, unsigned int block_size)
{
	size_t bs = block_size ? block_size : NCMP_BLOCK_DEFAULT;

	return FILE_HEADER_LEN + len + (len / bs + 1) * BLOCK_HEADER_LEN +
	       TRAILER_LEN;
}

size_t ncmp_file_memory(const ncmp_model *model, unsigned int block_size,
			unsigned int threads)
{
	size_t bs = block_size ? block_size : NCMP_BLOCK_DEFAULT;

	/* the encoder's payload holds a block header too; a decoder's less */
	return pool_size(model, threads ? threads : 1, bs,
			 BLOCK_HEADER_LEN + bs);
}

long long ncmp_file_compress(const ncmp_model *model, const void *src,
			     size_t len, void *dst, size_t cap,
			     unsigned int block_size, unsigned int threads)
{
	struct ncmp_file_params p = {
		.block_size = block_size,
		.threads = threads,
		.content_size = len,
	};
	struct ncmp_in in = { src, len, 0 };
	struct ncmp_out out = { dst, cap, 0 };
	ncmp_file_enc *e;
	int r;

	r = ncmp_file_enc_new(&e, model, &p);
	if (r)
		return r;
	r = ncmp_file_encode(e, &out, &in, NCMP_END);
	ncmp_file_enc_free(e);
	if (r > 0)
		return NCMP_E_DST_SIZE;
	return r ? r : (long long)out.pos;
}

long long ncmp_file_decompress(const ncmp_model *model, const void *src,
			       size_t len, void *dst, size_t cap,
			       unsigned int threads, char *msg)
{
	struct ncmp_in in = { src, len, 0 };
	struct ncmp_out out = { dst, cap, 0 };
	ncmp_file_dec *d;
	int r;

	r = ncmp_file_dec_new(&d, model, threads, 0);
	if (r)
		return set_msg(msg, r, "%s", ncmp_error_name(r));
	r = ncmp_file_decode(d, &out, &in, NCMP_END);
	if (r > 0)
		r = set_msg(msg, NCMP_E_DST_SIZE, "output buffer too small");
	else if (r)
		set_msg(msg, r, "%s", d->msg);
	ncmp_file_dec_free(d);
	return r ? r : (long long)out.pos;
}
