// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: two ARQ state machines wired together, driven by an
 * event sequence decoded from the input (writes, EOS, partial transmits
 * with drops, bit flips, truncation and tty error flags, time steps,
 * timers, full readers, restarts, parameter changes, forged control
 * frames).
 *
 * Invariants checked (abort on violation):
 *  - every byte delivered is the next byte of the sender's stream for
 *    the current session (byte i of a session is mix(i)), so delivery is
 *    always an in-order, gap-free, duplicate-free prefix;
 *  - end-of-stream marks arrive exactly where the sender put them;
 *  - write never takes more than tx_room offered; the TX queue and the
 *    in-flight count stay within their bounds;
 *  - encoded output starts with a delimiter and holds no other 0x00
 *    before its final delimiter.
 * The peer is honest: noise and forged frames may do anything but make
 * an ACK in the session claim more than the reader has (do_forge()).
 * ASan and UBSan catch out-of-bounds accesses and overflows.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/arq.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define EOS_MAX 32

struct fend {
	struct ncmp_arq arq;
	u32 rnd;
	/* writer: bytes accepted and EOS offsets in the current session */
	u64 sent;
	u64 eos_off[EOS_MAX];
	int eos_n;
	/* reader: bytes delivered in the current session */
	u64 got;
	int eos_got;
	bool full;
	bool failed;
};

static struct fend ends[2];
static u32 now;

static u8 mix(u64 i)
{
	u64 x = (i + 1) * 0x9e3779b97f4a7c15ULL;

	return (x ^ x >> 29 ^ x >> 47) & 0xff;
}

static const struct fend *peer_of(const struct fend *e)
{
	return &ends[e == &ends[0]];
}

static int f_deliver(void *ctx, const u8 *p, size_t len, bool eos)
{
	struct fend *e = ctx;
	const struct fend *peer = peer_of(e);
	size_t i;
	int k;
	bool found = false;

	if (e->full)
		return -ENOSPC;
	if (eos) {
		if (p || len)
			abort();
		for (k = 0; k < peer->eos_n; k++)
			found |= peer->eos_off[k] == e->got;
		if (!found)
			abort();
		e->eos_got++;
		return 0;
	}
	if (!len || len > NCMP_MTU_MAX)
		abort();
	for (i = 0; i < len; i++)
		if (p[i] != mix(e->got + i))
			abort();
	e->got += len;
	return 0;
}

static void f_event(void *ctx, enum ncmp_arq_event ev)
{
	struct fend *e = ctx;

	switch (ev) {
	case NCMP_ARQ_EV_LINK_UP:
		/* a new session: the reader starts counting again */
		e->got = 0;
		e->eos_got = 0;
		break;
	case NCMP_ARQ_EV_LINK_DOWN:
	case NCMP_ARQ_EV_PEER_RESET:
		e->failed = true;
		break;
	case NCMP_ARQ_EV_TX_ACKED:
		break;
	default:
		abort();
	}
}

static u32 f_random(void *ctx)
{
	struct fend *e = ctx;

	e->rnd = e->rnd * 1103515245 + 12345;
	return e->rnd;
}

static const struct ncmp_arq_ops f_ops = {
	.deliver = f_deliver,
	.event = f_event,
	.random = f_random,
};

struct input {
	const u8 *p;
	size_t left;
};

static u8 next(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static void start(struct fend *e)
{
	ncmp_arq_start(&e->arq, now);
	e->sent = 0;
	e->eos_n = 0;
	e->failed = false;
}

static void check_bounds(const struct fend *e)
{
	const struct ncmp_arq *a = &e->arq;
	u8 in_flight = a->snd_max - a->snd_una;

	if (a->slot_count > NCMP_TX_SLOTS || in_flight > a->slot_count ||
	    in_flight > NCMP_WINDOW_MAX || a->wire_pos > a->wire_len ||
	    a->cobs.len > a->cobs.cap)
		abort();
}

static void do_write(struct fend *e, struct input *in)
{
	static u8 buf[3 * NCMP_MTU_MAX];
	size_t len = (size_t)next(in) << (next(in) & 7) % sizeof(buf);
	size_t room = ncmp_arq_tx_room(&e->arq), n, i;

	if (len > sizeof(buf))
		len = sizeof(buf);
	for (i = 0; i < len; i++)
		buf[i] = mix(e->sent + i);
	n = ncmp_arq_write(&e->arq, buf, len);
	if (n > len || n > room || (n < len && n < room))
		abort();
	e->sent += n;
}

static void do_eos(struct fend *e)
{
	/* the record of marks is finite; so are the marks per session */
	if (e->eos_n == EOS_MAX || ncmp_arq_write_eos(&e->arq))
		return;
	e->eos_off[e->eos_n++] = e->sent;
}

/* Move up to @max bytes from @from to @to, damaged as @how says. */
static void do_transmit(struct fend *from, struct fend *to, struct input *in)
{
	u8 how = next(in);
	size_t max = (size_t)next(in) * 16 + 1, n, i;
	static u8 buf[NCMP_WIRE_MAX], flags[NCMP_WIRE_MAX];
	const u8 *p;

	n = ncmp_arq_tx_peek(&from->arq, &p, now);
	if (n > NCMP_WIRE_MAX)
		abort();
	if (n > max)
		n = max;
	if (!n)
		return;
	/* a fresh frame starts with a delimiter; no other 0x00 but the last */
	if (from->arq.wire_pos == 0 && p[0])
		abort();
	for (i = 1; i < n; i++)
		if (!p[i] && from->arq.wire_pos + i != from->arq.wire_len - 1u)
			abort();
	memcpy(buf, p, n);
	ncmp_arq_tx_consume(&from->arq, n);
	memset(flags, 0, n);

	switch (how & 7) {
	case 0:			/* lost on the wire */
		return;
	case 1:			/* a bit flips */
		buf[next(in) % n] ^= 1 << (how >> 5);
		break;
	case 2:			/* the tty flags a byte */
		flags[next(in) % n] = 1;
		break;
	case 3:			/* cut short */
		n = next(in) % n;
		break;
	default:
		break;
	}
	ncmp_arq_rx(&to->arq, buf, (how & 7) == 2 ? flags : NULL, n, now);
}

/*
 * A valid control frame the peer never sent: CRC right, maybe session too.
 * In the session, its ACK number is one the peer did send (a late copy):
 * a frame that acknowledged what the reader never got would make the
 * sender drop it, and with 8-bit sequence numbers a later frame could then
 * pass for it. Nothing on the wire tells that from the truth; the CRC and
 * the session are what keep noise and strangers from acknowledging.
 */
static void do_forge(struct fend *to, struct input *in)
{
	const struct fend *peer = peer_of(to);
	u32 session = to->arq.nonce ^ to->arq.peer_nonce;
	static const u8 types[] = {
		NCMP_FT_SYNC, NCMP_FT_SYNC_ACK, NCMP_FT_ACK,
		NCMP_FT_KEEPALIVE, NCMP_FT_RST,
	};
	u8 raw[NCMP_FRAME_OVERHEAD + NCMP_SYNC_LEN], wire[64];
	struct ncmp_frame_hdr h = { 0 };
	struct ncmp_sync s;
	u8 sel = next(in);
	int w;

	h.type = types[sel % sizeof(types)];
	h.session = sel & 0x80 ? session : (u32)next(in) << 24 | next(in);
	h.ack = next(in);
	if (h.session == session)
		h.ack = peer->arq.rcv_nxt - h.ack % (NCMP_WINDOW_MAX + 1);
	if (h.type == NCMP_FT_ACK)
		h.flags = next(in) & (NCMP_FF_BUSY | NCMP_FF_REJ);
	if (h.type == NCMP_FT_SYNC || h.type == NCMP_FT_SYNC_ACK) {
		s.version = NCMP_PROTO_VERSION;
		s.window = next(in) % NCMP_WINDOW_MAX + 1;
		s.mtu = NCMP_MTU_MIN + next(in) * 16;
		s.echo = sel & 0x40 ? to->arq.nonce : 0;
		ncmp_sync_put(raw + NCMP_FRAME_HDR_LEN, &s);
		h.len = NCMP_SYNC_LEN;
	}
	w = ncmp_cobs_encode(raw, ncmp_frame_seal(raw, &h), wire + 1,
			     sizeof(wire) - 2);
	wire[0] = 0;
	wire[w + 1] = 0;
	ncmp_arq_rx(&to->arq, wire, NULL, w + 2, now);
}

static void do_params(struct fend *e, struct input *in)
{
	struct ncmp_arq_params p = e->arq.params;
	static const u32 bauds[] = { 9600, 115200, 921600, 3000000 };

	p.window = next(in) % NCMP_WINDOW_MAX + 1;
	p.mtu = NCMP_MTU_MIN + (next(in) << 4) % (NCMP_MTU_MAX - NCMP_MTU_MIN + 1);
	p.baud = bauds[next(in) % 4];
	p.retries = next(in) % 12 + 1;
	if (ncmp_arq_set_params(&e->arq, &p))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	int i;

	now = (u32)next(&in) << 24 | (u32)next(&in) << 8;
	for (i = 0; i < 2; i++) {
		memset(&ends[i], 0, sizeof(ends[i]));
		ends[i].rnd = i + 1;
		ncmp_arq_init(&ends[i].arq, &f_ops, &ends[i]);
		start(&ends[i]);
	}

	while (in.left) {
		u8 op = next(&in);
		struct fend *e = &ends[op & 1], *peer = &ends[!(op & 1)];
		u32 t;

		switch (op >> 1 & 15) {
		case 0:
		case 1:
		case 2:
			do_write(e, &in);
			break;
		case 3:
			do_eos(e);
			break;
		case 4:
		case 5:
		case 6:
		case 7:
			do_transmit(e, peer, &in);
			break;
		case 8:
			now += next(&in);
			break;
		case 9:
			now += (u32)next(&in) * 64;
			break;
		case 10:
			if (ncmp_arq_deadline(&e->arq, &t))
				now = t;
			ncmp_arq_timer(&e->arq, now);
			break;
		case 11:
			e->full = !e->full;
			if (!e->full)
				ncmp_arq_rx_ready(&e->arq);
			break;
		case 12:
			if (e->failed || next(&in) & 1)
				start(e);
			else
				ncmp_arq_shutdown(&e->arq);
			break;
		case 13:
			do_params(e, &in);
			break;
		case 14:
			do_forge(e, &in);
			break;
		default:
			ncmp_arq_timer(&e->arq, now);
			break;
		}
		check_bounds(e);
		check_bounds(peer);
	}
	return 0;
}
