// SPDX-License-Identifier: GPL-2.0
/*
 * xcodec: code a file with libncmp's one-shot API and the built-in model,
 * for the cross-architecture check (tests/xarch/run-xarch), which runs it
 * natively and, cross-built for aarch64, under qemu-aarch64. The kernels
 * (scalar, AVX2, NEON) are chosen with NCMP_ISA.
 *
 *   xcodec encode|decode BLOCKSIZE IN OUT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncmp.h"

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	char msg[NCMP_MSG_MAX] = "";
	unsigned char *in, *out;
	size_t n, cap;
	long long len;
	ncmp_model *m;
	FILE *f;

	if (argc != 5 || (strcmp(argv[1], "encode") && strcmp(argv[1], "decode"))) {
		fprintf(stderr, "usage: xcodec encode|decode BLOCKSIZE IN OUT\n");
		return 2;
	}
	in = slurp(argv[3], &n);
	if (!in || ncmp_model_load_default(&m, msg)) {
		fprintf(stderr, "xcodec: %s\n", in ? msg : argv[3]);
		return 1;
	}
	if (!strcmp(argv[1], "encode")) {
		cap = ncmp_file_bound(n, (unsigned int)atoi(argv[2]));
		out = malloc(cap);
		len = out ? ncmp_file_compress(m, in, n, out, cap,
					      (unsigned int)atoi(argv[2]), 1) : -1;
	} else {
		struct ncmp_header_info hi;

		if (ncmp_peek(in, n, &hi) || hi.content_size > (1u << 30)) {
			fprintf(stderr, "xcodec: %s: not an .ncmp file\n", argv[3]);
			return 1;
		}
		cap = (size_t)hi.content_size;
		out = malloc(cap ? cap : 1);
		len = out ? ncmp_file_decompress(m, in, n, out, cap, 1, msg) : -1;
	}
	if (len < 0) {
		fprintf(stderr, "xcodec: %s: %s %s\n", argv[3],
			ncmp_error_name((int)len), msg);
		return 1;
	}
	f = fopen(argv[4], "wb");
	if (!f || fwrite(out, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
		fprintf(stderr, "xcodec: cannot write %s\n", argv[4]);
		return 1;
	}
	ncmp_model_free(m);
	free(in);
	free(out);
	return 0;
}
