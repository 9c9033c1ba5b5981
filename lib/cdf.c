// SPDX-License-Identifier: GPL-2.0
/* Dense CDFs: for models that produce a weight per byte (see cdf.h). */
#include <stdbool.h>

#include "cdf.h"

void cdf_from_weights(const uint32_t w[256], unsigned int bits,
		      uint32_t cdf[257])
{
	uint64_t sum = 0, prefix = 0;
	unsigned int s, shift = 0;
	uint32_t scale;
	bool uniform;

	for (s = 0; s < 256; s++)
		sum += w[s];
	uniform = !sum;
	if (uniform)
		sum = 256;
	/* scale the weights so that P(256) = (sum >> shift) * scale < 2^32 */
	while (sum >> shift > UINT32_MAX)
		shift++;
	scale = (uint32_t)(UINT32_MAX / (sum >> shift));
	for (s = 0; s < 256; s++) {
		cdf[s] = cdf_point((prefix >> shift) * scale, s, bits);
		prefix += uniform ? 1 : w[s];
	}
	cdf[256] = 1u << bits;
}
