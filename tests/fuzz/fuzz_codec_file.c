// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the .ncmp file decoder on arbitrary bytes.
 *
 * Invariants checked (abort on violation):
 *  - one thread and two threads give the same output and the same result;
 *  - fed in pieces whose sizes come from the input, the decoder agrees
 *    with one call on the whole input;
 *  - whatever decodes, re-encoded and decoded again, comes back the same.
 */
#include "fuzz_codec.h"

struct run {
	int result;		/* last return value */
	size_t len;
	uint8_t out[FUZZ_OUT_MAX];
};

static struct run a, b;

/* Decode @data, @step bytes per call (0: all at once). */
static void decode(const uint8_t *data, size_t size, unsigned int threads,
		   unsigned int flags, size_t step, struct run *r)
{
	struct ncmp_out out = { r->out, FUZZ_OUT_MAX, 0 };
	struct ncmp_in in;
	ncmp_file_dec *d;
	size_t pos = 0;
	int k;

	if (ncmp_file_dec_new(&d, fuzz_model, threads, flags))
		abort();
	for (k = 0; k < 100000; k++) {
		in = (struct ncmp_in){ data + pos, size - pos, 0 };
		if (step && in.size > step)
			in.size = step;
		r->result = ncmp_file_decode(d, &out, &in, pos + in.size == size ?
					     NCMP_END : NCMP_CONTINUE);
		pos += in.pos;
		if (in.pos > in.size || out.pos > out.size)
			abort();
		/* forced: a damaged block is reported, then written */
		if (r->result == NCMP_E_CRC || r->result == NCMP_E_BLOCK_DATA)
			if (flags)
				continue;
		if (r->result <= 0 || out.pos == out.size)
			break;
	}
	if (r->result < 0 && !ncmp_file_dec_message(d)[0])
		abort();
	r->len = out.pos;
	ncmp_file_dec_free(d);
}

static void same(const struct run *x, const struct run *y)
{
	if (x->result != y->result || x->len != y->len ||
	    memcmp(x->out, y->out, x->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t coded[FUZZ_OUT_MAX + FUZZ_OUT_MAX / 8 + 4096];
	unsigned int flags = size && data[size - 1] & 1 ? NCMP_DEC_FORCE : 0;
	char msg[NCMP_MSG_MAX];
	long long n;

	decode(data, size, 1, flags, 0, &a);
	decode(data, size, 2, flags, 0, &b);
	same(&a, &b);
	decode(data, size, 1, flags, size ? 1 + data[0] % 97 : 0, &b);
	/* all at once, the output can fill up where pieces did not */
	if (a.len < FUZZ_OUT_MAX)
		same(&a, &b);
	if (a.result || flags)
		return 0;
	n = ncmp_file_compress(fuzz_model, a.out, a.len, coded, sizeof(coded),
			       NCMP_BLOCK_MIN, 1);
	if (n < 0)
		abort();
	if (ncmp_file_decompress(fuzz_model, coded, (size_t)n, b.out,
				 FUZZ_OUT_MAX, 1, msg) != (long long)a.len ||
	    memcmp(a.out, b.out, a.len))
		abort();
	return 0;
}
