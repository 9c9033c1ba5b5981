// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: COBS and the frame parser on arbitrary bytes.
 *
 * Invariants checked (abort on violation):
 *  - the streaming decoder never stores more than its buffer holds;
 *  - every frame that parses re-seals to exactly the same bytes;
 *  - whole-buffer decoding agrees with the streaming decoder;
 *  - encoding the input never yields 0x00 and decodes back to the input.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/cobs.h"
#include "wire/frame.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u8 rx_buf[NCMP_FRAME_MAX];
static u8 tmp[NCMP_FRAME_MAX];
static u8 enc[NCMP_COBS_MAX_ENCODED(1 << 16)];
static u8 dec[1 << 16];

static void check_frame(const u8 *frame, size_t len)
{
	struct ncmp_frame_hdr h;
	struct ncmp_sync s;

	if (ncmp_frame_parse(frame, len, &h))
		return;
	if (h.len != len - NCMP_FRAME_OVERHEAD)
		abort();
	memcpy(tmp, frame, len);
	if (ncmp_frame_seal(tmp, &h) != len || memcmp(tmp, frame, len))
		abort();
	if (h.type == NCMP_FT_SYNC || h.type == NCMP_FT_SYNC_ACK)
		ncmp_sync_get(frame + NCMP_FRAME_HDR_LEN, &s);
}

/* The input as a byte stream from a tty; a byte with 0xE5 after it is "flagged". */
static void stream(const u8 *data, size_t size)
{
	struct ncmp_cobs_rx rx;
	size_t i, start = 0;

	ncmp_cobs_rx_init(&rx, rx_buf, sizeof(rx_buf));
	for (i = 0; i < size; i++) {
		bool err = i + 1 < size && data[i + 1] == 0xe5;
		enum ncmp_cobs_rx_result r = ncmp_cobs_rx_byte(&rx, data[i], err);
		int n;

		if (rx.len > rx.cap)
			abort();
		if (!data[i] && !err) {
			/* cross-check with the whole-buffer decoder */
			n = i > start ? ncmp_cobs_decode(data + start, i - start,
							 tmp, sizeof(tmp)) : 0;
			if (r == NCMP_COBS_RX_FRAME &&
			    (n != (int)rx.len || memcmp(tmp, rx.buf, n)))
				abort();
			start = i + 1;
		}
		if (r == NCMP_COBS_RX_FRAME)
			check_frame(rx.buf, rx.len);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	int n, m;

	if (size > sizeof(dec))
		return 0;

	stream(data, size);
	check_frame(data, size);

	n = ncmp_cobs_encode(data, size, enc, sizeof(enc));
	if (n < 0 || memchr(enc, 0, n))
		abort();
	m = ncmp_cobs_decode(enc, n, dec, sizeof(dec));
	if (m != (int)size || memcmp(dec, data, size))
		abort();
	return 0;
}
