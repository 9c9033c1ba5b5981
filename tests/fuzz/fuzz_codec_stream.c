// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the stream decoder on arbitrary bytes.
 *
 * Invariants checked (abort on violation):
 *  - fed in pieces whose sizes come from the input, the decoder agrees
 *    with one call on the whole input, and consumes the same bytes;
 *  - whatever decodes, re-encoded as a stream with blocks cut where the
 *    input says, decodes back the same.
 */
#include "fuzz_codec.h"

struct run {
	int result;
	size_t used;		/* input consumed */
	size_t len;
	uint8_t out[FUZZ_OUT_MAX];
};

static struct run a, b;

static void decode(const uint8_t *data, size_t size, size_t step,
		   struct run *r)
{
	struct ncmp_out out = { r->out, FUZZ_OUT_MAX, 0 };
	struct ncmp_in in;
	ncmp_stream_dec *d;
	size_t pos = 0;

	if (ncmp_stream_dec_new(&d, fuzz_model))
		abort();
	do {
		in = (struct ncmp_in){ data + pos, size - pos, 0 };
		if (step && in.size > step)
			in.size = step;
		r->result = ncmp_stream_decode(d, &out, &in,
					       pos + in.size == size ?
					       NCMP_END : NCMP_CONTINUE);
		pos += in.pos;
		if (in.pos > in.size)
			abort();
	} while (r->result > 0 && out.pos < out.size);
	if (r->result < 0 && !ncmp_stream_dec_message(d)[0])
		abort();
	r->used = pos;
	r->len = out.pos;
	ncmp_stream_dec_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t coded[2 * FUZZ_OUT_MAX + 4096];
	struct ncmp_out out = { coded, sizeof(coded), 0 };
	struct ncmp_in in;
	ncmp_stream_enc *e;
	size_t pos, cut;

	decode(data, size, 0, &a);
	decode(data, size, size ? 1 + data[0] % 61 : 0, &b);
	if (a.len < FUZZ_OUT_MAX &&
	    (a.result != b.result || a.used != b.used || a.len != b.len ||
	     memcmp(a.out, b.out, a.len)))
		abort();
	if (a.result)
		return 0;
	if (ncmp_stream_enc_new(&e, fuzz_model, size & 1 ? NCMP_STREAM_BLOCK_CRC : 0))
		abort();
	for (pos = 0; pos < a.len; pos += cut) {
		cut = 1 + data[pos % size] * 37u;
		if (cut > a.len - pos)
			cut = a.len - pos;
		in = (struct ncmp_in){ a.out + pos, cut, 0 };
		if (ncmp_stream_encode(e, &out, &in, NCMP_FLUSH))
			abort();
	}
	in = (struct ncmp_in){ NULL, 0, 0 };
	if (ncmp_stream_encode(e, &out, &in, NCMP_END))
		abort();
	ncmp_stream_enc_free(e);
	decode(coded, out.pos, 0, &b);
	if (b.result || b.used != out.pos || b.len != a.len ||
	    memcmp(a.out, b.out, a.len))
		abort();
	return 0;
}
