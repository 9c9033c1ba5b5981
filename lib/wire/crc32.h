/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC-32/IEEE as used by zlib, Ethernet and PNG ("CRC-32/ISO-HDLC"):
 * reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR
 * 0xFFFFFFFF. ncmp_crc32(0, "123456789", 9) == 0xCBF43926.
 */
#ifndef NCMP_WIRE_CRC32_H
#define NCMP_WIRE_CRC32_H

#include "wire_types.h"

/**
 * ncmp_crc32() - CRC-32/IEEE of a buffer, continuing a previous value
 * @crc: 0 to start, or the result for the preceding bytes
 * @buf: bytes to add
 * @len: number of bytes
 *
 * Same contract as zlib's crc32(): the pre- and post-inversion are done
 * inside, so ncmp_crc32(ncmp_crc32(0, a, n), b, m) equals the CRC of a
 * followed by b. (The kernel's crc32_le() does no inversion; this equals
 * ~crc32_le(~crc, buf, len).)
 *
 * Return: the CRC of all bytes so far.
 */
u32 ncmp_crc32(u32 crc, const void *buf, size_t len);

#endif /* NCMP_WIRE_CRC32_H */
