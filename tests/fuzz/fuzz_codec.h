/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the codec's fuzz targets: the o2mix model, read once from
 * tests/golden/o2mix.ncmm (three directories above the fuzzer binary), and
 * a bounded sink for decoded bytes. The seed corpora are coded with it.
 */
#ifndef NCMP_FUZZ_CODEC_H
#define NCMP_FUZZ_CODEC_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ncmp.h"

/* Decoded bytes kept per input: beyond it the target stops decoding. */
#define FUZZ_OUT_MAX	(1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static ncmp_model *fuzz_model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], msg[NCMP_MSG_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int i;

	(void)argc;
	(void)argv;
	if (n <= 0)
		abort();
	exe[n] = 0;
	for (i = 0; i < 3; i++)
		*strrchr(exe, '/') = 0;
	snprintf(path, sizeof(path), "%s/tests/golden/o2mix.ncmm", exe);
	if (ncmp_model_load_file(&fuzz_model, path, msg)) {
		fprintf(stderr, "fuzz: %s\n", msg);
		abort();
	}
	return 0;
}

#endif /* NCMP_FUZZ_CODEC_H */
