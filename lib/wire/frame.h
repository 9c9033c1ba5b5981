/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ncmp frame layout (docs/PROTOCOL.md has the full description). Before
 * COBS encoding a frame is
 *
 *	offset	size	field
 *	0	1	type (high nibble) | flags (low nibble)
 *	1	4	session, big-endian
 *	5	1	seq
 *	6	1	ack
 *	7	2	payload length, big-endian
 *	9	len	payload
 *	9+len	4	CRC-32/IEEE of bytes 0..9+len-1, little-endian
 *
 * and on the wire it is 0x00, COBS(frame), 0x00.
 */
#ifndef NCMP_WIRE_FRAME_H
#define NCMP_WIRE_FRAME_H

#include "wire_types.h"
#include "cobs.h"

#define NCMP_PROTO_VERSION	1

#define NCMP_FRAME_HDR_LEN	9
#define NCMP_FRAME_CRC_LEN	4
#define NCMP_FRAME_OVERHEAD	(NCMP_FRAME_HDR_LEN + NCMP_FRAME_CRC_LEN)

/* Largest DATA payload any build accepts; the MTU parameter is below it. */
#define NCMP_MTU_MAX		4096
#define NCMP_MTU_MIN		64
#define NCMP_MTU_DEFAULT	1024

/* Largest frame before COBS, and on the wire with both delimiters. */
#define NCMP_FRAME_MAX		(NCMP_FRAME_OVERHEAD + NCMP_MTU_MAX)
#define NCMP_WIRE_MAX		(NCMP_COBS_MAX_ENCODED(NCMP_FRAME_MAX) + 2)

/**
 * enum ncmp_frame_type - the type nibble
 * @NCMP_FT_SYNC: handshake request; session = sender's nonce, payload =
 *	&struct ncmp_sync; the receiver answers with SYNC_ACK
 * @NCMP_FT_SYNC_ACK: handshake answer, same layout, never answered
 * @NCMP_FT_DATA: reliable, sequenced payload of 1..NCMP_MTU_MAX bytes
 * @NCMP_FT_ACK: acknowledgment only; flags NCMP_FF_BUSY, NCMP_FF_REJ
 * @NCMP_FT_KEEPALIVE: liveness probe; the receiver answers with an ACK
 * @NCMP_FT_EOS: reliable, sequenced end-of-stream mark, no payload
 * @NCMP_FT_RST: the sender is closing the session; no payload
 */
enum ncmp_frame_type {
	NCMP_FT_SYNC = 1,
	NCMP_FT_SYNC_ACK = 2,
	NCMP_FT_DATA = 3,
	NCMP_FT_ACK = 4,
	NCMP_FT_KEEPALIVE = 5,
	NCMP_FT_EOS = 6,
	NCMP_FT_RST = 7,
};

/*
 * ACK flags. BUSY: the frame numbered @ack arrived but the reader had no
 * room; it was dropped, send it again later. REJ: send again from @ack now
 * (a gap was seen, or the reader made room after a BUSY).
 */
#define NCMP_FF_BUSY		0x1
#define NCMP_FF_REJ		0x2

/* Payload of SYNC and SYNC_ACK, big-endian on the wire. */
#define NCMP_SYNC_LEN		8

/**
 * struct ncmp_sync - decoded SYNC/SYNC_ACK payload
 * @version: NCMP_PROTO_VERSION of the sender
 * @window: DATA frames the sender keeps in flight (informational)
 * @mtu: largest DATA payload the sender wants to receive
 * @echo: the receiver's nonce as the sender knows it, 0 if unknown
 */
struct ncmp_sync {
	u8 version;
	u8 window;
	u16 mtu;
	u32 echo;
};

/**
 * struct ncmp_frame_hdr - decoded frame header
 * @type: &enum ncmp_frame_type
 * @flags: NCMP_FF_* (ACK only; zero elsewhere)
 * @session: SYNC/SYNC_ACK: the sender's nonce; others: the link id
 * @seq: DATA/EOS: sequence number; others 0
 * @ack: next seq the sender expects (DATA, ACK, KEEPALIVE, EOS); others 0
 * @len: payload length
 */
struct ncmp_frame_hdr {
	u8 type;
	u8 flags;
	u32 session;
	u8 seq;
	u8 ack;
	u16 len;
};

/**
 * ncmp_frame_seal() - write header and CRC around a payload in place
 * @buf: frame buffer; the @hdr->len payload bytes must already be at
 *	buf + NCMP_FRAME_HDR_LEN, and NCMP_FRAME_OVERHEAD + @hdr->len bytes
 *	must be writable
 * @hdr: header to write
 *
 * Return: the frame length, NCMP_FRAME_OVERHEAD + @hdr->len.
 */
size_t ncmp_frame_seal(u8 *buf, const struct ncmp_frame_hdr *hdr);

/**
 * ncmp_frame_parse() - validate a decoded frame and read its header
 * @buf: frame bytes (after COBS decoding, without delimiters)
 * @len: their number
 * @hdr: filled in on success
 *
 * Checks, in this order: size at least NCMP_FRAME_OVERHEAD, CRC, length
 * field equal to the real payload size and at most NCMP_MTU_MAX, known
 * type, flags and payload size allowed for that type.
 *
 * Return: 0, the payload is at buf + NCMP_FRAME_HDR_LEN; -EMSGSIZE for a
 * frame too short, too long or whose length field disagrees; -EBADMSG for
 * a CRC mismatch; -EPROTO for an unknown type, unknown flags or a payload
 * size the type does not allow.
 */
int ncmp_frame_parse(const u8 *buf, size_t len, struct ncmp_frame_hdr *hdr);

/**
 * ncmp_sync_put() - serialise a SYNC/SYNC_ACK payload
 * @p: NCMP_SYNC_LEN bytes of output
 * @s: values
 */
void ncmp_sync_put(u8 *p, const struct ncmp_sync *s);

/**
 * ncmp_sync_get() - read and check a SYNC/SYNC_ACK payload
 * @p: NCMP_SYNC_LEN bytes (frame_parse has checked the size)
 * @s: output
 *
 * Return: 0; -EPROTO if the version is not NCMP_PROTO_VERSION, the MTU is
 * below NCMP_MTU_MIN or the window is 0.
 */
int ncmp_sync_get(const u8 *p, struct ncmp_sync *s);

#endif /* NCMP_WIRE_FRAME_H */
