// SPDX-License-Identifier: GPL-2.0
/*
 * Frame header, CRC and SYNC payload: building and strict parsing. Every
 * multi-byte header field is big-endian; the CRC is stored little-endian,
 * the byte order in which a reflected CRC is shifted out.
 */
#include "frame.h"
#include "crc32.h"

static void ncmp_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void ncmp_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static u16 ncmp_get_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 ncmp_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/**
 * struct ncmp_frame_rule - what a frame type may carry
 * @min_len: smallest payload
 * @max_len: largest payload
 * @flags: flags allowed
 */
struct ncmp_frame_rule {
	u16 min_len;
	u16 max_len;
	u8 flags;
};

static const struct ncmp_frame_rule ncmp_frame_rules[NCMP_FT_RST + 1] = {
	[NCMP_FT_SYNC] = { NCMP_SYNC_LEN, NCMP_SYNC_LEN, 0 },
	[NCMP_FT_SYNC_ACK] = { NCMP_SYNC_LEN, NCMP_SYNC_LEN, 0 },
	[NCMP_FT_DATA] = { 1, NCMP_MTU_MAX, 0 },
	[NCMP_FT_ACK] = { 0, 0, NCMP_FF_BUSY | NCMP_FF_REJ },
	[NCMP_FT_KEEPALIVE] = { 0, 0, 0 },
	[NCMP_FT_EOS] = { 0, 0, 0 },
	[NCMP_FT_RST] = { 0, 0, 0 },
};

size_t ncmp_frame_seal(u8 *buf, const struct ncmp_frame_hdr *hdr)
{
	size_t n = NCMP_FRAME_HDR_LEN + hdr->len;
	u32 crc;

	buf[0] = hdr->type << 4 | (hdr->flags & 0xf);
	ncmp_put_be32(buf + 1, hdr->session);
	buf[5] = hdr->seq;
	buf[6] = hdr->ack;
	ncmp_put_be16(buf + 7, hdr->len);

	crc = ncmp_crc32(0, buf, n);
	buf[n] = crc;
	buf[n + 1] = crc >> 8;
	buf[n + 2] = crc >> 16;
	buf[n + 3] = crc >> 24;
	return n + NCMP_FRAME_CRC_LEN;
}

int ncmp_frame_parse(const u8 *buf, size_t len, struct ncmp_frame_hdr *hdr)
{
	const struct ncmp_frame_rule *rule;
	size_t n;
	u32 crc;

	if (len < NCMP_FRAME_OVERHEAD || len > NCMP_FRAME_MAX)
		return -EMSGSIZE;

	n = len - NCMP_FRAME_CRC_LEN;
	crc = (u32)buf[n] | (u32)buf[n + 1] << 8 | (u32)buf[n + 2] << 16 |
	      (u32)buf[n + 3] << 24;
	if (crc != ncmp_crc32(0, buf, n))
		return -EBADMSG;

	hdr->type = buf[0] >> 4;
	hdr->flags = buf[0] & 0xf;
	hdr->session = ncmp_get_be32(buf + 1);
	hdr->seq = buf[5];
	hdr->ack = buf[6];
	hdr->len = ncmp_get_be16(buf + 7);
	if (hdr->len != n - NCMP_FRAME_HDR_LEN)
		return -EMSGSIZE;

	if (hdr->type < NCMP_FT_SYNC || hdr->type > NCMP_FT_RST)
		return -EPROTO;
	rule = &ncmp_frame_rules[hdr->type];
	if (hdr->len < rule->min_len || hdr->len > rule->max_len ||
	    hdr->flags & ~rule->flags)
		return -EPROTO;
	return 0;
}

void ncmp_sync_put(u8 *p, const struct ncmp_sync *s)
{
	p[0] = s->version;
	p[1] = s->window;
	ncmp_put_be16(p + 2, s->mtu);
	ncmp_put_be32(p + 4, s->echo);
}

int ncmp_sync_get(const u8 *p, struct ncmp_sync *s)
{
	s->version = p[0];
	s->window = p[1];
	s->mtu = ncmp_get_be16(p + 2);
	s->echo = ncmp_get_be32(p + 4);
	if (s->version != NCMP_PROTO_VERSION || s->mtu < NCMP_MTU_MIN ||
	    !s->window)
		return -EPROTO;
	return 0;
}
