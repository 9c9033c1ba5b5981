// SPDX-License-Identifier: GPL-2.0
/*
 * roundtrip FILE: a program built against an installed libncmp (the
 * header and pkg-config's flags only, nothing from the source tree) that
 * codes FILE with the built-in model and decodes it again. tests/install/run
 * links it against the shared and the static library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ncmp.h>

static unsigned char *read_file(const char *path, size_t *len)
{
	unsigned char *buf = NULL, *p;
	size_t cap = 0, n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	*len = 0;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char msg[NCMP_MSG_MAX];
	unsigned char *src, *enc = NULL, *dec = NULL;
	ncmp_model *model = NULL;
	long long n_enc, n_dec;
	size_t len, cap;
	int err, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: roundtrip FILE\n");
		return 2;
	}
	src = read_file(argv[1], &len);
	if (!src) {
		perror(argv[1]);
		return 1;
	}
	err = ncmp_model_load_default(&model, msg);
	if (err) {
		fprintf(stderr, "roundtrip: %s\n", msg);
		goto out;
	}
	cap = ncmp_file_bound(len, 0);
	enc = malloc(cap);
	dec = malloc(len ? len : 1);
	if (!enc || !dec)
		goto out;
	n_enc = ncmp_file_compress(model, src, len, enc, cap, 0, 1);
	if (n_enc < 0) {
		fprintf(stderr, "roundtrip: compress: %s\n", ncmp_error_name((int)n_enc));
		goto out;
	}
	n_dec = ncmp_file_decompress(model, enc, (size_t)n_enc, dec, len, 1, msg);
	if (n_dec < 0) {
		fprintf(stderr, "roundtrip: decompress: %s\n", msg);
		goto out;
	}
	if ((size_t)n_dec != len || memcmp(src, dec, len)) {
		fprintf(stderr, "roundtrip: the decoded bytes differ\n");
		goto out;
	}
	printf("libncmp %s: %zu bytes -> %lld -> %lld, identical\n",
	       NCMP_VERSION_STRING, len, n_enc, n_dec);
	ret = 0;
out:
	ncmp_model_free(model);
	free(enc);
	free(dec);
	free(src);
	return ret;
}
