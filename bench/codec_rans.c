// SPDX-License-Identifier: GPL-2.0
/*
 * codec_rans FILE...: the rANS coder of libncmp alone, with a static
 * order-0 model (each file's byte counts, quantised by the library's CDF
 * rule), on one core. Prints, per file and precision, the coded size and
 * the encode and decode speed (best of several runs), after checking that
 * decoding gives the file back.
 *
 * The decoder uses four interleaved states and a slot-to-byte table, which
 * is how a static model gets speed out of rans.h; the adaptive models of
 * the codec cannot use either (each prediction needs the byte before).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdf.h"
#include "rans.h"

#define LANES	4	/* decode() spells the four out */
#define RUNS	5

struct model {
	unsigned int bits;
	uint32_t cdf[257];
	uint32_t start[256], freq[256];
	uint8_t *slot_byte;	/* 2^bits entries */
	/*
	 * For 12 bits, one load per symbol: byte << 24 | (slot - start) << 12
	 * | freq (a frequency is at most 2^12 - 255, so 12 bits hold it).
	 */
	uint32_t *slot_info;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void model_init(struct model *m, const uint8_t *p, size_t n,
		       unsigned int bits)
{
	uint32_t count[256] = { 0 };
	unsigned int s;
	size_t i;

	for (i = 0; i < n; i++)
		count[p[i]]++;
	m->bits = bits;
	cdf_from_weights(count, bits, m->cdf);
	m->slot_byte = malloc((size_t)1 << bits);
	m->slot_info = malloc(sizeof(uint32_t) << bits);
	if (!m->slot_byte || !m->slot_info)
		exit(1);
	for (s = 0; s < 256; s++) {
		m->start[s] = m->cdf[s];
		m->freq[s] = m->cdf[s + 1] - m->cdf[s];
		memset(m->slot_byte + m->cdf[s], (int)s, m->freq[s]);
		for (i = m->cdf[s]; i < m->cdf[s + 1]; i++)
			m->slot_info[i] = s << 24 | (uint32_t)(i - m->cdf[s]) << 12 |
					  m->freq[s];
	}
}

/* Returns where the coded bytes start in buf[0..cap). */
static uint8_t *encode(const struct model *m, const uint8_t *src, size_t n,
		       uint8_t *buf, size_t cap)
{
	uint8_t *p = buf + cap;
	uint32_t x[LANES];
	size_t i;
	int k;

	for (k = 0; k < LANES; k++)
		rans_enc_init(&x[k]);
	for (i = n; i--;)
		rans_enc_put(&x[i % LANES], &p, m->start[src[i]],
			     m->freq[src[i]], m->bits);
	for (k = LANES; k--;)
		rans_enc_flush(&x[k], &p);
	return p;
}

/*
 * One symbol of lane state x: the decoder d holds the shared position;
 * with @fast, the caller checked that the bytes are there.
 */
static inline uint8_t step(const struct model *m, struct rans_dec *d,
			   uint32_t *x, unsigned int bits, bool fast)
{
	uint32_t slot, start, freq, e;
	unsigned int s;

	d->x = *x;
	slot = rans_dec_slot(d, bits);
	if (bits == 12) {
		/* start = slot - (slot - start), from the packed entry */
		e = m->slot_info[slot];
		s = e >> 24;
		start = slot - (e >> 12 & 0xfff);
		freq = e & 0xfff;
	} else {
		s = m->slot_byte[slot];
		start = m->start[s];
		freq = m->freq[s];
	}
	if (fast)
		rans_dec_advance_fast(d, start, freq, bits);
	else
		rans_dec_advance(d, start, freq, bits);
	*x = d->x;
	return (uint8_t)s;
}

/*
 * Always inlined with a constant @bits (see decode()): shifts by a
 * constant are cheaper than by a variable, in the loop that counts.
 */
static inline __attribute__((always_inline)) int
decode_bits(const struct model *m, const uint8_t *p, const uint8_t *end,
	    uint8_t *dst, size_t n, unsigned int bits)
{
	uint32_t x0, x1, x2, x3;
	struct rans_dec d;
	bool fast;
	size_t i;

	/* one decoder reads the bytes; the four states take turns in it */
	rans_dec_init(&d, p, end);
	x0 = d.x;
	rans_dec_init(&d, d.p, end);
	x1 = d.x;
	rans_dec_init(&d, d.p, end);
	x2 = d.x;
	rans_dec_init(&d, d.p, end);
	x3 = d.x;
	for (i = 0; i + 4 <= n; i += 4) {
		/* one bounds check for four symbols */
		fast = rans_dec_room(&d, 4);
		dst[i] = step(m, &d, &x0, bits, fast);
		dst[i + 1] = step(m, &d, &x1, bits, fast);
		dst[i + 2] = step(m, &d, &x2, bits, fast);
		dst[i + 3] = step(m, &d, &x3, bits, fast);
	}
	if (i < n)
		dst[i++] = step(m, &d, &x0, bits, false);
	if (i < n)
		dst[i++] = step(m, &d, &x1, bits, false);
	if (i < n)
		dst[i++] = step(m, &d, &x2, bits, false);
	d.x = x0;
	if (!rans_dec_ended(&d))
		return -1;
	d.x = x1;
	if (!rans_dec_ended(&d))
		return -1;
	d.x = x2;
	if (!rans_dec_ended(&d))
		return -1;
	d.x = x3;
	return rans_dec_ended(&d) && d.p == end ? 0 : -1;
}

static int decode(const struct model *m, const uint8_t *p, const uint8_t *end,
		  uint8_t *dst, size_t n)
{
	return m->bits == 12 ? decode_bits(m, p, end, dst, n, 12) :
	       decode_bits(m, p, end, dst, n, 16);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0)
		return NULL;
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		return NULL;
	fclose(f);
	*n = (size_t)len;
	return buf;
}

int main(int argc, char **argv)
{
	static const unsigned int precisions[] = { 12, 16 };
	double t, enc, dec;
	uint8_t *src, *buf, *out, *p;
	struct model m;
	size_t n, cap;
	int a, r, i;

	if (argc < 2) {
		fprintf(stderr, "usage: codec_rans FILE...\n");
		return 2;
	}
	printf("| file | bytes | bits | coded bpb | encode MB/s | decode MB/s |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (a = 1; a < argc; a++) {
		src = read_file(argv[a], &n);
		if (!src) {
			fprintf(stderr, "codec_rans: cannot read %s\n", argv[a]);
			return 1;
		}
		cap = RANS_BOUND(n) + LANES * RANS_FLUSH;
		buf = malloc(cap);
		out = malloc(n + 1);
		if (!buf || !out)
			return 1;
		for (i = 0; i < 2; i++) {
			model_init(&m, src, n, precisions[i]);
			enc = dec = 1e9;
			for (r = 0; r < RUNS; r++) {
				t = now();
				p = encode(&m, src, n, buf, cap);
				t = now() - t;
				enc = t < enc ? t : enc;
				t = now();
				if (decode(&m, p, buf + cap, out, n) ||
				    memcmp(out, src, n)) {
					fprintf(stderr, "codec_rans: %s does not round-trip\n",
						argv[a]);
					return 1;
				}
				t = now() - t;
				dec = t < dec ? t : dec;
			}
			printf("| %s | %zu | %u | %.3f | %.0f | %.0f |\n",
			       strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 :
			       argv[a], n, m.bits,
			       8.0 * (double)(buf + cap - p) / (double)n,
			       (double)n / enc / 1e6, (double)n / dec / 1e6);
			free(m.slot_byte);
			free(m.slot_info);
		}
		free(src);
		free(buf);
		free(out);
	}
	return 0;
}
