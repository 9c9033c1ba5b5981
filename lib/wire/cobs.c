// SPDX-License-Identifier: GPL-2.0
/*
 * COBS encoding and decoding. A code byte n (1..255) is followed by n - 1
 * data bytes; a zero follows unless n is 255 or the run is the last one.
 * Decoding is done by one streaming decoder that both the tty receive path
 * (byte by byte) and ncmp_cobs_decode() (a whole buffer) use.
 */
#include "cobs.h"

int ncmp_cobs_encode(const u8 *src, size_t len, u8 *dst, size_t dst_size)
{
	size_t code_pos = 0;
	size_t out = 1;
	size_t i;
	u8 code = 1;

	/* The first test keeps the multiplication from overflowing. */
	if (len >= dst_size || dst_size < NCMP_COBS_MAX_ENCODED(len))
		return -ENOSPC;

	for (i = 0; i < len; i++) {
		if (src[i]) {
			dst[out++] = src[i];
			if (++code < 0xff)
				continue;
			/* A full run at the very end needs no empty run. */
			if (i + 1 == len)
				break;
		}
		dst[code_pos] = code;
		code_pos = out++;
		code = 1;
	}
	dst[code_pos] = code;
	return out;
}

int ncmp_cobs_decode(const u8 *src, size_t len, u8 *dst, size_t dst_size)
{
	struct ncmp_cobs_rx rx;
	size_t i;

	if (!len)
		return -EINVAL;

	ncmp_cobs_rx_init(&rx, dst, dst_size);
	for (i = 0; i < len; i++) {
		if (!src[i])
			return -EINVAL;
		ncmp_cobs_rx_byte(&rx, src[i], false);
	}

	switch (ncmp_cobs_rx_byte(&rx, 0, false)) {
	case NCMP_COBS_RX_FRAME:
		return rx.len;
	case NCMP_COBS_RX_OVERLONG:
		return -ENOSPC;
	default:
		return -EINVAL;
	}
}

void ncmp_cobs_rx_init(struct ncmp_cobs_rx *rx, u8 *buf, size_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	ncmp_cobs_rx_reset(rx);
}

void ncmp_cobs_rx_reset(struct ncmp_cobs_rx *rx)
{
	rx->len = 0;
	rx->left = 0;
	rx->zero_due = false;
	rx->started = false;
	rx->overlong = false;
	rx->errflag = false;
}

static void ncmp_cobs_rx_put(struct ncmp_cobs_rx *rx, u8 byte)
{
	if (rx->len < rx->cap)
		rx->buf[rx->len++] = byte;
	else
		rx->overlong = true;
}

static enum ncmp_cobs_rx_result ncmp_cobs_rx_end(struct ncmp_cobs_rx *rx)
{
	enum ncmp_cobs_rx_result res;

	if (!rx->started)
		return NCMP_COBS_RX_MORE;

	/* A tty error explains whatever else is wrong, so it wins. */
	if (rx->errflag)
		res = NCMP_COBS_RX_ERRFLAG;
	else if (rx->overlong)
		res = NCMP_COBS_RX_OVERLONG;
	else if (rx->left)
		res = NCMP_COBS_RX_MALFORMED;
	else
		res = NCMP_COBS_RX_FRAME;

	/* Keep buf and len: a completed frame stays readable until the next byte. */
	rx->left = 0;
	rx->zero_due = false;
	rx->started = false;
	rx->overlong = false;
	rx->errflag = false;
	return res;
}

enum ncmp_cobs_rx_result ncmp_cobs_rx_byte(struct ncmp_cobs_rx *rx, u8 byte,
					   bool err)
{
	if (!byte && !err)
		return ncmp_cobs_rx_end(rx);

	if (!rx->started) {
		rx->started = true;
		rx->len = 0;
	}
	if (err)
		rx->errflag = true;
	if (rx->errflag || rx->overlong)
		return NCMP_COBS_RX_MORE;

	if (rx->left) {
		ncmp_cobs_rx_put(rx, byte);
		rx->left--;
	} else {
		if (rx->zero_due)
			ncmp_cobs_rx_put(rx, 0);
		rx->left = byte - 1;
		rx->zero_due = byte != 0xff;
	}
	return NCMP_COBS_RX_MORE;
}
