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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdf.h"
#include "rans.h"

#define LANES	4
#define RUNS	5

struct model {
	unsigned int bits;
	uint32_t cdf[257];
	uint32_t start[256], freq[256];
	uint8_t *slot_byte;	/* 2^bits entries */
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
	if (!m->slot_byte)
		exit(1);
	for (s = 0; s < 256; s++) {
		m->start[s] = m->cdf[s];
		m->freq[s] = m->cdf[s + 1] - m->cdf[s];
		memset(m->slot_byte + m->cdf[s], (int)s, m->freq[s]);
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

static int decode(const struct model *m, const uint8_t *p, const uint8_t *end,
		  uint8_t *dst, size_t n)
{
	unsigned int bits = m->bits, s, k;
	uint32_t x[LANES];
	struct rans_dec d;
	size_t i;

	/* one decoder reads the bytes; the lanes' states take turns in it */
	rans_dec_init(&d, p, end);
	for (k = 0; k < LANES; k++) {
		x[k] = d.x;
		if (k + 1 < LANES)
			rans_dec_init(&d, d.p, end);
	}
	for (i = 0; i < n; i++) {
		k = i % LANES;
		d.x = x[k];
		s = m->slot_byte[rans_dec_slot(&d, bits)];
		rans_dec_advance(&d, m->start[s], m->freq[s], bits);
		x[k] = d.x;
		dst[i] = (uint8_t)s;
	}
	for (k = 0; k < LANES; k++) {
		d.x = x[k];
		if (!rans_dec_ended(&d))
			return -1;
	}
	return d.p == end ? 0 : -1;
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
		}
		free(src);
		free(buf);
		free(out);
	}
	return 0;
}
