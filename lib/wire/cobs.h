/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999). Encoded
 * data never contains 0x00, so 0x00 delimits frames on the wire. The
 * overhead is one byte per started run of 254 bytes.
 */
#ifndef NCMP_WIRE_COBS_H
#define NCMP_WIRE_COBS_H

#include "wire_types.h"

/* Worst-case encoded size of @n bytes, n + n / 254 + 1, without delimiters. */
#define NCMP_COBS_MAX_ENCODED(n)	((n) * 255 / 254 + 1)

/**
 * ncmp_cobs_encode() - encode a buffer
 * @src: bytes to encode
 * @len: number of bytes, 0 allowed (encodes to the single byte 0x01)
 * @dst: output; must not overlap @src
 * @dst_size: room at @dst
 *
 * No delimiter is written; the caller adds the 0x00 bytes around frames.
 *
 * Return: the encoded length (at most NCMP_COBS_MAX_ENCODED(@len)), or
 * -ENOSPC if @dst_size is below NCMP_COBS_MAX_ENCODED(@len) (nothing is
 * written then).
 */
int ncmp_cobs_encode(const u8 *src, size_t len, u8 *dst, size_t dst_size);

/**
 * ncmp_cobs_decode() - decode one complete encoded frame
 * @src: encoded bytes, without delimiters
 * @len: number of bytes
 * @dst: output; may be the same buffer as @src (decoding never writes ahead
 *	of reading) but must not otherwise overlap it
 * @dst_size: room at @dst
 *
 * Return: the decoded length; -EINVAL for malformed input (empty, a 0x00
 * byte inside, a code byte running past the end); -ENOSPC if the result
 * does not fit in @dst_size.
 */
int ncmp_cobs_decode(const u8 *src, size_t len, u8 *dst, size_t dst_size);

/**
 * enum ncmp_cobs_rx_result - what a byte fed to the streaming decoder did
 * @NCMP_COBS_RX_MORE: byte consumed, no frame ended (also for the empty
 *	"frame" between two adjacent delimiters, which is ignored)
 * @NCMP_COBS_RX_FRAME: a delimiter completed a well-formed frame; it is in
 *	rx->buf[0..rx->len) until the next byte is fed
 * @NCMP_COBS_RX_OVERLONG: a delimiter ended a frame that did not fit the
 *	buffer; it was dropped
 * @NCMP_COBS_RX_MALFORMED: a delimiter ended a frame whose last code byte
 *	promised more bytes than came (truncation); it was dropped
 * @NCMP_COBS_RX_ERRFLAG: a delimiter ended a frame in which the tty flagged
 *	a byte (parity, framing, overrun, break); it was dropped
 */
enum ncmp_cobs_rx_result {
	NCMP_COBS_RX_MORE,
	NCMP_COBS_RX_FRAME,
	NCMP_COBS_RX_OVERLONG,
	NCMP_COBS_RX_MALFORMED,
	NCMP_COBS_RX_ERRFLAG,
};

/**
 * struct ncmp_cobs_rx - streaming decoder, fed one received byte at a time
 * @buf: decoded bytes of the frame in progress (caller's memory)
 * @cap: size of @buf; longer frames are dropped, never stored
 * @len: decoded bytes so far
 * @left: bytes still to copy in the current run
 * @zero_due: a 0x00 belongs before the next run (previous code was < 0xFF)
 * @started: at least one byte of the current frame has been seen
 * @overlong: the current frame has outgrown @buf; drop it at the delimiter
 * @errflag: the tty flagged a byte of the current frame; drop it
 *
 * Decoding happens in place as bytes arrive, so memory is exactly @cap
 * bytes however long the garbage between two delimiters is.
 */
struct ncmp_cobs_rx {
	u8 *buf;
	size_t cap;
	size_t len;
	u8 left;
	bool zero_due;
	bool started;
	bool overlong;
	bool errflag;
};

/**
 * ncmp_cobs_rx_init() - set up a streaming decoder
 * @rx: decoder
 * @buf: frame buffer, owned by the caller
 * @cap: its size, normally the largest decoded frame the protocol allows
 */
void ncmp_cobs_rx_init(struct ncmp_cobs_rx *rx, u8 *buf, size_t cap);

/**
 * ncmp_cobs_rx_reset() - forget the frame in progress
 * @rx: decoder
 */
void ncmp_cobs_rx_reset(struct ncmp_cobs_rx *rx);

/**
 * ncmp_cobs_rx_byte() - feed one received byte
 * @rx: decoder
 * @byte: the byte
 * @err: the tty reported an error for this byte (the byte is then treated
 *	as a corrupt data byte, even if it is 0x00: a break reads as 0x00)
 *
 * Return: &enum ncmp_cobs_rx_result.
 */
enum ncmp_cobs_rx_result ncmp_cobs_rx_byte(struct ncmp_cobs_rx *rx, u8 byte,
					   bool err);

#endif /* NCMP_WIRE_COBS_H */
