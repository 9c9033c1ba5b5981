// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the model file parser on arbitrary bytes.
 *
 * Half of the inputs get their length field and CRC32 fixed up first, so
 * that mutations reach the sections instead of stopping at the CRC.
 *
 * Invariants checked (abort on violation):
 *  - a refused file comes with a message and no model;
 *  - a loaded model's id is the start of the SHA-256 of the bytes, and its
 *    parameters, metadata and tensors can all be listed;
 *  - a loaded model small enough to run codes a short text and decodes it
 *    back through the file format.
 */
#include "fuzz_codec.h"
#include "bytes.h"
#include "sha256.h"
#include "wire/crc32.h"

static const char text[] = "$GPGGA,170958.972,5200.8499,N,00421.7860,E,0,00,"
			   "0.0,48.8,M,0.0,M,,0000*52\n{\"class\":\"TPV\"}\n";

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	static uint8_t coded[4096], back[sizeof(text)], fixed[1 << 16];
	const uint8_t *data = input;
	struct ncmp_model_info info;
	struct ncmp_tensor_info t;
	uint8_t digest[SHA256_LEN];
	char msg[NCMP_MSG_MAX] = "";
	const char *k, *v;
	ncmp_model *m;
	long long n;
	size_t i;
	int r;

	if (size >= 20 && size <= sizeof(fixed) && input[size - 1] & 1) {
		memcpy(fixed, input, size);
		put_le32(fixed + 8, (uint32_t)size);
		put_le32(fixed + size - 4, ncmp_crc32(0, fixed, size - 4));
		data = fixed;
	}
	r = ncmp_model_load_buffer(&m, data, size, msg);
	if (r) {
		if (m || !msg[0])
			abort();
		return 0;
	}
	ncmp_model_info(m, &info);
	sha256(data, size, digest);
	if (info.id != ((uint64_t)digest[0] << 56 | (uint64_t)digest[1] << 48 |
			(uint64_t)digest[2] << 40 | (uint64_t)digest[3] << 32 |
			(uint64_t)digest[4] << 24 | (uint64_t)digest[5] << 16 |
			(uint64_t)digest[6] << 8 | digest[7]))
		abort();
	for (i = 0; i < info.n_params; i++)
		if (ncmp_model_param(m, i, &k, &v) || !*k)
			abort();
	for (i = 0; i < info.n_meta; i++)
		if (ncmp_model_meta(m, i, &k, &v) || !*k)
			abort();
	for (i = 0; i < info.n_tensors; i++)
		if (ncmp_model_tensor(m, i, &t) || !t.count)
			abort();
	if (info.state_size <= (64u << 20)) {
		n = ncmp_file_compress(m, text, sizeof(text), coded,
				       sizeof(coded), 0, 1);
		if (n < 0 || ncmp_file_decompress(m, coded, (size_t)n, back,
						  sizeof(back), 1, msg) !=
			     (long long)sizeof(text) ||
		    memcmp(back, text, sizeof(text)))
			abort();
	}
	ncmp_model_free(m);
	return 0;
}
