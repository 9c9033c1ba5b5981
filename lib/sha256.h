/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4), only to name models: a model's id is the first 8
 * bytes of the SHA-256 of its file.
 */
#ifndef NCMP_SHA256_H
#define NCMP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif /* NCMP_SHA256_H */
