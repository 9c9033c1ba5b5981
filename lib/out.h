/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Draining a finished piece (a header, a block, a trailer) into the
 * caller's struct ncmp_out across as many calls as its room needs; the
 * file and stream coders share it.
 */
#ifndef NCMP_OUT_H
#define NCMP_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ncmp.h"

/* Copy what is left of src[*sent..len) into @out; true once all is out. */
static inline bool ncmp_out_put(const uint8_t *src, size_t len, size_t *sent,
				struct ncmp_out *out, uint64_t *counter)
{
	size_t n = len - *sent;

	if (n > out->size - out->pos)
		n = out->size - out->pos;
	memcpy((uint8_t *)out->dst + out->pos, src + *sent, n);
	out->pos += n;
	*sent += n;
	*counter += n;
	return *sent == len;
}

#endif /* NCMP_OUT_H */
