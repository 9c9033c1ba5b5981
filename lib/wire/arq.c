// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp ARQ: handshake, Go-Back-N with cumulative acknowledgments
 * (stop-and-wait when the window is 1), flow control by withholding
 * acknowledgments, retransmission with backoff, keepalive probes.
 * No I/O, no allocation, no locking: see arq.h for the caller's side and
 * docs/PROTOCOL.md for the protocol.
 */
#include "arq.h"

/* Control frames waiting to be sent, bits of arq->ctl */
#define NCMP_CTL_SYNC_ACK	0x01
#define NCMP_CTL_SYNC		0x02
#define NCMP_CTL_RST		0x04
#define NCMP_CTL_ACK		0x08
#define NCMP_CTL_KEEPALIVE	0x10

/* Frames on the wire are 0x00, COBS(frame), 0x00. */
#define NCMP_WIRE_LEN(frame)	(NCMP_COBS_MAX_ENCODED(frame) + 2)

/* Sequence numbers are 8 bits; a difference above this is "behind". */
#define NCMP_SEQ_AHEAD_MAX	127

static bool ncmp_time_reached(u32 now, u32 t)
{
	return (int)(now - t) >= 0;
}

/* Milliseconds to send @bytes at @baud, 10 bits per byte, rounded up. */
static u32 ncmp_wire_ms(u32 baud, u32 bytes)
{
	return (bytes * 10000 + baud - 1) / baud;
}

static bool ncmp_arq_open(const struct ncmp_arq *arq)
{
	return arq->state == NCMP_ARQ_SYNC || arq->state == NCMP_ARQ_UP;
}

static u32 ncmp_arq_link_id(const struct ncmp_arq *arq)
{
	return arq->nonce ^ arq->peer_nonce;
}

/* Payload size of new DATA frames: ours, or the peer's if smaller. */
static u16 ncmp_arq_mtu(const struct ncmp_arq *arq)
{
	if (arq->peer_mtu && arq->peer_mtu < arq->params.mtu)
		return arq->peer_mtu;
	return arq->params.mtu;
}

static unsigned int ncmp_arq_slot_idx(const struct ncmp_arq *arq,
				      unsigned int off)
{
	return (arq->slot_head + off) % NCMP_TX_SLOTS;
}

static u8 ncmp_arq_in_flight(const struct ncmp_arq *arq)
{
	return arq->snd_max - arq->snd_una;
}

/*
 * A timeout covers our frame of @bytes, a frame of the same size from the
 * peer that the answer may queue behind (both ends use the smaller MTU),
 * the answer of @reply bytes, and rto_min for all that is not line time.
 */
static u32 ncmp_arq_timeout(const struct ncmp_arq *arq, u32 bytes, u32 reply)
{
	const struct ncmp_arq_params *p = &arq->params;

	return 2 * ncmp_wire_ms(p->baud, bytes) +
	       ncmp_wire_ms(p->baud, reply) + p->rto_min_ms;
}

/* Back to the unbacked-off timeout of the current state. */
static void ncmp_arq_reset_rto(struct ncmp_arq *arq)
{
	u32 sync = NCMP_WIRE_LEN(NCMP_FRAME_OVERHEAD + NCMP_SYNC_LEN);

	if (arq->state == NCMP_ARQ_SYNC)
		arq->rto_cur = ncmp_arq_timeout(arq, sync, sync);
	else
		arq->rto_cur = arq->rto_base;
}

static void ncmp_arq_update_rto(struct ncmp_arq *arq)
{
	u32 data = NCMP_WIRE_LEN(NCMP_FRAME_OVERHEAD + ncmp_arq_mtu(arq));

	arq->rto_base = ncmp_arq_timeout(arq, data,
					 NCMP_WIRE_LEN(NCMP_FRAME_OVERHEAD));
	ncmp_arq_reset_rto(arq);
}

/*
 * Forget a line clock that is behind @now: the line is idle. Keeps it
 * from going stale (and from wrapping into the future) on a quiet link.
 */
static void ncmp_arq_line_idle(struct ncmp_arq *arq, u32 now)
{
	if (ncmp_time_reached(now, arq->t_line)) {
		arq->t_line = now;
		arq->t_line_rem = 0;
	}
}

/*
 * @bytes were handed out at @now. The tty may still hold earlier bytes
 * (a UART buffer, or QEMU's chardev socket, takes kilobytes at once), so
 * they start to leave on the wire only when those have: return when, and
 * advance the line clock past them.
 */
static u32 ncmp_arq_line_queue(struct ncmp_arq *arq, u32 bytes, u32 now)
{
	u32 baud = arq->params.baud;
	u32 start, units;

	ncmp_arq_line_idle(arq, now);
	start = arq->t_line;
	/* at most 4128 * 10000 + 10^8 - 1: fits */
	units = bytes * 10000 + arq->t_line_rem;
	arq->t_line += units / baud;
	arq->t_line_rem = units % baud;
	return start;
}

static void ncmp_arq_backoff(struct ncmp_arq *arq)
{
	u32 max = arq->params.rto_max_ms;

	/* rto_max bounds the backoff, never the time a frame needs */
	if (max < arq->rto_base)
		max = arq->rto_base;
	arq->rto_cur = arq->rto_cur > max / 2 ? max : arq->rto_cur * 2;
}

/*
 * Forget everything about the current session except the nonces. The
 * frame on its way out is cut where the tty got to: the peer drops the
 * stump, and the next frame's leading delimiter resynchronises it.
 */
static void ncmp_arq_purge(struct ncmp_arq *arq)
{
	arq->wire_len = arq->wire_pos;
	arq->ctl = 0;
	arq->snd_una = 0;
	arq->snd_tx = 0;
	arq->snd_max = 0;
	arq->slot_head = 0;
	arq->slot_count = 0;
	arq->slot_open = false;
	arq->peer_busy = false;
	arq->rej_rewound = false;
	arq->probing = false;
	arq->attempts = 0;
	arq->rcv_nxt = 0;
	arq->rx_busy = false;
	arq->rej_sent = false;
	arq->ack_flags = 0;
}

static void ncmp_arq_fail(struct ncmp_arq *arq, enum ncmp_arq_event ev)
{
	ncmp_arq_purge(arq);
	arq->state = NCMP_ARQ_FAILED;
	if (ev == NCMP_ARQ_EV_LINK_DOWN)
		arq->stats.link_downs++;
	else
		arq->stats.resets++;
	arq->ops->event(arq->ctx, ev);
}

static void ncmp_arq_link_up(struct ncmp_arq *arq, u32 now)
{
	arq->state = NCMP_ARQ_UP;
	arq->ctl &= ~NCMP_CTL_SYNC;
	arq->attempts = 0;
	arq->t_sent = now;
	arq->t_rx = now;
	/* the peer's MTU is known now */
	ncmp_arq_update_rto(arq);
	arq->ops->event(arq->ctx, NCMP_ARQ_EV_LINK_UP);
}

void ncmp_arq_params_default(struct ncmp_arq_params *p)
{
	p->baud = NCMP_ARQ_DEFAULT_BAUD;
	p->mtu = NCMP_MTU_DEFAULT;
	p->window = NCMP_ARQ_DEFAULT_WINDOW;
	p->retries = NCMP_ARQ_DEFAULT_RETRIES;
	p->rto_min_ms = NCMP_ARQ_DEFAULT_RTO_MIN_MS;
	p->rto_max_ms = NCMP_ARQ_DEFAULT_RTO_MAX_MS;
	p->keepalive_ms = NCMP_ARQ_DEFAULT_KEEPALIVE_MS;
}

void ncmp_arq_init(struct ncmp_arq *arq, const struct ncmp_arq_ops *ops,
		   void *ctx)
{
	memset(arq, 0, sizeof(*arq));
	arq->ops = ops;
	arq->ctx = ctx;
	arq->state = NCMP_ARQ_IDLE;
	ncmp_arq_params_default(&arq->params);
	ncmp_arq_update_rto(arq);
	ncmp_cobs_rx_init(&arq->cobs, arq->rx_buf, sizeof(arq->rx_buf));
}

int ncmp_arq_set_params(struct ncmp_arq *arq, const struct ncmp_arq_params *p)
{
	if (p->baud < NCMP_ARQ_BAUD_MIN || p->baud > NCMP_ARQ_BAUD_MAX ||
	    p->mtu < NCMP_MTU_MIN || p->mtu > NCMP_MTU_MAX ||
	    p->window < 1 || p->window > NCMP_WINDOW_MAX ||
	    p->retries < 1 || p->retries > NCMP_ARQ_RETRIES_MAX ||
	    p->rto_min_ms < 1 || p->rto_min_ms > NCMP_ARQ_RTO_LIMIT_MS ||
	    p->rto_max_ms < p->rto_min_ms ||
	    p->rto_max_ms > NCMP_ARQ_RTO_LIMIT_MS ||
	    p->keepalive_ms < NCMP_ARQ_KEEPALIVE_MIN_MS ||
	    p->keepalive_ms > NCMP_ARQ_KEEPALIVE_MAX_MS)
		return -EINVAL;

	arq->params = *p;
	ncmp_arq_update_rto(arq);
	return 0;
}

void ncmp_arq_start(struct ncmp_arq *arq, u32 now)
{
	u32 nonce = arq->ops->random(arq->ctx);

	/* A new nonce tells the peer that the old session is gone. */
	if (!nonce || nonce == arq->nonce)
		nonce = arq->nonce + 1 ? arq->nonce + 1 : 1;

	ncmp_arq_purge(arq);
	arq->nonce = nonce;
	/* peer_nonce stays as a hint for the echo field; the rest is new */
	arq->peer_mtu = 0;
	arq->peer_window = 0;
	arq->state = NCMP_ARQ_SYNC;
	arq->ctl = NCMP_CTL_SYNC;
	arq->t_sent = now;
	/* a line clock from an old session may be stale; begin afresh */
	arq->t_line = now;
	arq->t_line_rem = 0;
	ncmp_arq_update_rto(arq);
}

void ncmp_arq_shutdown(struct ncmp_arq *arq)
{
	bool was_up = arq->state == NCMP_ARQ_UP;

	ncmp_arq_purge(arq);
	arq->state = NCMP_ARQ_IDLE;
	if (was_up)
		arq->ctl = NCMP_CTL_RST;
}

/* --- receiving ---------------------------------------------------------- */

/* A cumulative acknowledgment: everything before @ack has arrived. */
static void ncmp_arq_rx_ack(struct ncmp_arq *arq, u8 ack, u32 now)
{
	u8 n = ack - arq->snd_una;

	/* nothing new, or a number we never sent: ignore */
	if (!n || n > ncmp_arq_in_flight(arq))
		return;

	arq->slot_head = ncmp_arq_slot_idx(arq, n);
	arq->slot_count -= n;
	if ((u8)(arq->snd_tx - arq->snd_una) < n)
		arq->snd_tx = ack;
	arq->snd_una = ack;
	arq->peer_busy = false;
	arq->rej_rewound = false;
	arq->attempts = 0;
	ncmp_arq_reset_rto(arq);
	/*
	 * Progress restarts the timer for the new oldest frame, or from when
	 * that frame reaches the wire if it still queues behind others.
	 */
	arq->t_sent = now;
	if (ncmp_arq_in_flight(arq) &&
	    !ncmp_time_reached(now, arq->slots[arq->slot_head].t_wire))
		arq->t_sent = arq->slots[arq->slot_head].t_wire;
	arq->ops->event(arq->ctx, NCMP_ARQ_EV_TX_ACKED);
}

static void ncmp_arq_rx_ack_flags(struct ncmp_arq *arq, u8 ack, u8 flags,
				  u32 now)
{
	/* the flags speak about frame @ack: it must be our oldest in flight */
	if (ack != arq->snd_una || !ncmp_arq_in_flight(arq))
		return;

	if (flags & NCMP_FF_BUSY) {
		/* alive but full: stop sending, poll after a timeout */
		arq->peer_busy = true;
		arq->probing = false;
		arq->attempts = 0;
		arq->snd_tx = arq->snd_una;
		arq->t_sent = now;
		return;
	}
	/* a plain ACK from a busy peer answers our poll: it has room now */
	if (arq->peer_busy) {
		arq->peer_busy = false;
		arq->snd_tx = arq->snd_una;
		arq->t_sent = now;
		return;
	}
	/*
	 * Every frame behind a gap draws the same REJ once the gap is
	 * filled late; go back once per acknowledged position, and leave
	 * it to the timeout if the resent frame is lost too.
	 */
	if ((flags & NCMP_FF_REJ) && !arq->rej_rewound) {
		arq->rej_rewound = true;
		arq->snd_tx = arq->snd_una;
		arq->t_sent = now;
	}
}

static void ncmp_arq_rx_data(struct ncmp_arq *arq,
			     const struct ncmp_frame_hdr *h, const u8 *payload)
{
	u8 ahead = h->seq - arq->rcv_nxt;
	bool eos = h->type == NCMP_FT_EOS;

	/* every DATA/EOS is answered, duplicates included (lost ACKs) */
	arq->ctl |= NCMP_CTL_ACK;

	if (ahead > NCMP_SEQ_AHEAD_MAX) {
		arq->stats.duplicates++;
		return;
	}
	if (ahead) {
		/* Go-Back-N: drop, and ask once per gap to go back */
		arq->stats.out_of_order++;
		if (!arq->rej_sent && !arq->rx_busy) {
			arq->rej_sent = true;
			arq->ack_flags |= NCMP_FF_REJ;
		}
		return;
	}

	if (arq->ops->deliver(arq->ctx, eos ? NULL : payload, h->len, eos)) {
		/* no room: not acknowledged, the peer sends it again */
		arq->stats.no_room++;
		arq->rx_busy = true;
		return;
	}
	arq->rcv_nxt++;
	arq->rx_busy = false;
	arq->rej_sent = false;
	arq->stats.rx_bytes += h->len;
}

static void ncmp_arq_rx_sync(struct ncmp_arq *arq,
			     const struct ncmp_frame_hdr *h, const u8 *payload,
			     u32 now)
{
	struct ncmp_sync s;

	if (ncmp_sync_get(payload, &s)) {
		arq->stats.bad_frames++;
		return;
	}

	if (arq->state == NCMP_ARQ_UP) {
		if (h->session != arq->peer_nonce || s.echo != arq->nonce) {
			/* the peer lost our session: it restarted */
			ncmp_arq_fail(arq, NCMP_ARQ_EV_PEER_RESET);
			arq->peer_nonce = h->session;
			return;
		}
		/* our SYNC_ACK got lost; answer again */
		if (h->type == NCMP_FT_SYNC)
			arq->ctl |= NCMP_CTL_SYNC_ACK;
		return;
	}

	arq->peer_nonce = h->session;
	arq->peer_mtu = s.mtu;
	arq->peer_window = s.window;
	if (h->type == NCMP_FT_SYNC)
		arq->ctl |= NCMP_CTL_SYNC_ACK;
	if (s.echo == arq->nonce)
		ncmp_arq_link_up(arq, now);
}

/* A frame of the current session, link up. */
static void ncmp_arq_rx_session(struct ncmp_arq *arq,
				const struct ncmp_frame_hdr *h,
				const u8 *payload, u32 now)
{
	arq->t_rx = now;
	if (arq->probing) {
		arq->probing = false;
		arq->attempts = 0;
		ncmp_arq_reset_rto(arq);
	}

	if (h->type == NCMP_FT_RST) {
		ncmp_arq_fail(arq, NCMP_ARQ_EV_PEER_RESET);
		return;
	}

	ncmp_arq_rx_ack(arq, h->ack, now);
	switch (h->type) {
	case NCMP_FT_ACK:
		ncmp_arq_rx_ack_flags(arq, h->ack, h->flags, now);
		break;
	case NCMP_FT_KEEPALIVE:
		arq->ctl |= NCMP_CTL_ACK;
		break;
	default:
		ncmp_arq_rx_data(arq, h, payload);
		break;
	}
}

static void ncmp_arq_rx_frame(struct ncmp_arq *arq, u32 now)
{
	const u8 *payload = arq->rx_buf + NCMP_FRAME_HDR_LEN;
	struct ncmp_frame_hdr h;

	switch (ncmp_frame_parse(arq->rx_buf, arq->cobs.len, &h)) {
	case 0:
		break;
	case -EBADMSG:
		arq->stats.crc_errors++;
		return;
	case -EMSGSIZE:
		arq->stats.bad_lengths++;
		return;
	default:
		arq->stats.bad_frames++;
		return;
	}
	arq->stats.rx_frames++;

	if (!ncmp_arq_open(arq))
		return;
	if (h.type == NCMP_FT_SYNC || h.type == NCMP_FT_SYNC_ACK) {
		ncmp_arq_rx_sync(arq, &h, payload, now);
		return;
	}
	if (!arq->peer_nonce || h.session != ncmp_arq_link_id(arq)) {
		arq->stats.session_drops++;
		return;
	}
	/* only a peer that has both nonces can use the link id */
	if (arq->state == NCMP_ARQ_SYNC)
		ncmp_arq_link_up(arq, now);
	ncmp_arq_rx_session(arq, &h, payload, now);
}

void ncmp_arq_rx(struct ncmp_arq *arq, const u8 *data, const u8 *flags,
		 size_t len, u32 now)
{
	size_t i;

	arq->stats.rx_wire_bytes += len;
	for (i = 0; i < len; i++) {
		switch (ncmp_cobs_rx_byte(&arq->cobs, data[i],
					  flags && flags[i])) {
		case NCMP_COBS_RX_MORE:
			break;
		case NCMP_COBS_RX_FRAME:
			ncmp_arq_rx_frame(arq, now);
			break;
		case NCMP_COBS_RX_OVERLONG:
			arq->stats.bad_lengths++;
			break;
		case NCMP_COBS_RX_MALFORMED:
			arq->stats.bad_frames++;
			break;
		case NCMP_COBS_RX_ERRFLAG:
			arq->stats.tty_errors++;
			break;
		}
	}
}

void ncmp_arq_rx_ready(struct ncmp_arq *arq)
{
	if (arq->state != NCMP_ARQ_UP || !arq->rx_busy)
		return;
	arq->rx_busy = false;
	arq->ack_flags |= NCMP_FF_REJ;
	arq->ctl |= NCMP_CTL_ACK;
}

/* --- user data ------------------------------------------------------------ */

size_t ncmp_arq_write(struct ncmp_arq *arq, const u8 *data, size_t len)
{
	u16 mtu = ncmp_arq_mtu(arq);
	size_t done = 0;

	if (!ncmp_arq_open(arq))
		return 0;

	while (done < len) {
		struct ncmp_arq_slot *s;
		size_t n;

		if (!arq->slot_open) {
			if (arq->slot_count == NCMP_TX_SLOTS)
				break;
			s = &arq->slots[ncmp_arq_slot_idx(arq, arq->slot_count)];
			s->type = NCMP_FT_DATA;
			s->len = 0;
			arq->slot_count++;
			arq->slot_open = true;
		}
		s = &arq->slots[ncmp_arq_slot_idx(arq, arq->slot_count - 1)];
		/* >=, not ==: the MTU may have shrunk since the frame began */
		if (s->len >= mtu) {
			arq->slot_open = false;
			continue;
		}
		n = mtu - s->len;
		if (n > len - done)
			n = len - done;
		memcpy(s->buf + NCMP_FRAME_HDR_LEN + s->len, data + done, n);
		s->len += n;
		done += n;
	}
	return done;
}

int ncmp_arq_write_eos(struct ncmp_arq *arq)
{
	struct ncmp_arq_slot *s;

	if (!ncmp_arq_open(arq))
		return -ENOTCONN;
	if (arq->slot_count == NCMP_TX_SLOTS)
		return -EAGAIN;

	s = &arq->slots[ncmp_arq_slot_idx(arq, arq->slot_count)];
	s->type = NCMP_FT_EOS;
	s->len = 0;
	arq->slot_count++;
	arq->slot_open = false;
	return 0;
}

size_t ncmp_arq_tx_room(const struct ncmp_arq *arq)
{
	u16 mtu = ncmp_arq_mtu(arq);
	size_t room;

	if (!ncmp_arq_open(arq))
		return 0;

	room = (size_t)(NCMP_TX_SLOTS - arq->slot_count) * mtu;
	if (arq->slot_open) {
		u16 used = arq->slots[ncmp_arq_slot_idx(arq, arq->slot_count - 1)].len;

		if (used < mtu)
			room += mtu - used;
	}
	return room;
}

bool ncmp_arq_tx_done(const struct ncmp_arq *arq)
{
	return !arq->slot_count;
}

/* --- transmitting --------------------------------------------------------- */

static bool ncmp_arq_data_due(const struct ncmp_arq *arq)
{
	u8 off = arq->snd_tx - arq->snd_una;

	return !arq->peer_busy && off < arq->slot_count &&
	       off < arq->params.window;
}

/* The type of the next frame to send, 0 if none; by priority. */
static u8 ncmp_arq_due(const struct ncmp_arq *arq)
{
	if (arq->ctl & NCMP_CTL_SYNC_ACK)
		return NCMP_FT_SYNC_ACK;
	if (arq->ctl & NCMP_CTL_SYNC)
		return NCMP_FT_SYNC;
	if (arq->ctl & NCMP_CTL_RST)
		return NCMP_FT_RST;
	if (arq->state != NCMP_ARQ_UP)
		return 0;
	/* BUSY and REJ cannot ride on a DATA frame */
	if ((arq->ctl & NCMP_CTL_ACK) && (arq->rx_busy || arq->ack_flags))
		return NCMP_FT_ACK;
	if (arq->ctl & NCMP_CTL_KEEPALIVE)
		return NCMP_FT_KEEPALIVE;
	if (ncmp_arq_data_due(arq))
		return NCMP_FT_DATA;
	if (arq->ctl & NCMP_CTL_ACK)
		return NCMP_FT_ACK;
	return 0;
}

/* Encode for the wire; return when it starts to leave (line clock). */
static u32 ncmp_arq_encode(struct ncmp_arq *arq, const u8 *frame, size_t len,
			   u32 now)
{
	/* cannot fail: wire[] holds the largest frame encoded */
	int n = ncmp_cobs_encode(frame, len, arq->wire + 1,
				 sizeof(arq->wire) - 2);

	arq->wire[0] = 0;
	arq->wire[n + 1] = 0;
	arq->wire_len = n + 2;
	arq->wire_pos = 0;
	arq->stats.tx_frames++;
	return ncmp_arq_line_queue(arq, arq->wire_len, now);
}

static void ncmp_arq_send_ctl(struct ncmp_arq *arq, u8 type, u32 now)
{
	struct ncmp_frame_hdr h = {
		.type = type,
		.session = ncmp_arq_link_id(arq),
	};
	struct ncmp_sync s;
	u32 start;

	switch (type) {
	case NCMP_FT_SYNC:
	case NCMP_FT_SYNC_ACK:
		s.version = NCMP_PROTO_VERSION;
		s.window = arq->params.window;
		s.mtu = arq->params.mtu;
		s.echo = arq->peer_nonce;
		ncmp_sync_put(arq->ctl_buf + NCMP_FRAME_HDR_LEN, &s);
		h.session = arq->nonce;
		h.len = NCMP_SYNC_LEN;
		arq->ctl &= ~(type == NCMP_FT_SYNC ? NCMP_CTL_SYNC :
			      NCMP_CTL_SYNC_ACK);
		break;
	case NCMP_FT_RST:
		arq->ctl &= ~NCMP_CTL_RST;
		break;
	case NCMP_FT_ACK:
		h.flags = arq->ack_flags | (arq->rx_busy ? NCMP_FF_BUSY : 0);
		h.ack = arq->rcv_nxt;
		arq->ack_flags = 0;
		arq->ctl &= ~NCMP_CTL_ACK;
		break;
	case NCMP_FT_KEEPALIVE:
		h.ack = arq->rcv_nxt;
		arq->ctl &= ~(NCMP_CTL_KEEPALIVE | NCMP_CTL_ACK);
		arq->stats.keepalives++;
		break;
	}
	start = ncmp_arq_encode(arq, arq->ctl_buf,
				ncmp_frame_seal(arq->ctl_buf, &h), now);
	/* the timer waits for the answer to these from when they leave */
	if (type == NCMP_FT_SYNC || type == NCMP_FT_KEEPALIVE)
		arq->t_sent = start;
}

static void ncmp_arq_send_data(struct ncmp_arq *arq, u32 now)
{
	u8 off = arq->snd_tx - arq->snd_una;
	struct ncmp_arq_slot *s = &arq->slots[ncmp_arq_slot_idx(arq, off)];
	struct ncmp_frame_hdr h = {
		.type = s->type,
		.session = ncmp_arq_link_id(arq),
		.seq = arq->snd_tx,
		.ack = arq->rcv_nxt,
		.len = s->len,
	};

	/* the frame being filled closes when it is first sent */
	if (off + 1 == arq->slot_count)
		arq->slot_open = false;

	if (off < ncmp_arq_in_flight(arq))
		arq->stats.retransmits++;
	else
		arq->snd_max = arq->snd_tx + 1;
	arq->snd_tx++;
	arq->ctl &= ~NCMP_CTL_ACK;
	arq->stats.tx_bytes += s->len;
	s->t_wire = ncmp_arq_encode(arq, s->buf, ncmp_frame_seal(s->buf, &h),
				    now);
	/*
	 * The timer runs from when the last transmission of the oldest frame
	 * reaches the wire, not from when the tty took it: with a window,
	 * up to a window of frames (and resent ones) queue in front of it.
	 */
	if (!off)
		arq->t_sent = s->t_wire;
}

bool ncmp_arq_tx_pending(const struct ncmp_arq *arq)
{
	return arq->wire_pos != arq->wire_len || ncmp_arq_due(arq);
}

size_t ncmp_arq_tx_peek(struct ncmp_arq *arq, const u8 **data, u32 now)
{
	if (arq->wire_pos == arq->wire_len) {
		u8 type = ncmp_arq_due(arq);

		if (!type)
			return 0;
		if (type == NCMP_FT_DATA)
			ncmp_arq_send_data(arq, now);
		else
			ncmp_arq_send_ctl(arq, type, now);
	}
	*data = arq->wire + arq->wire_pos;
	return arq->wire_len - arq->wire_pos;
}

void ncmp_arq_tx_consume(struct ncmp_arq *arq, size_t n)
{
	size_t left = arq->wire_len - arq->wire_pos;

	if (n > left)
		n = left;
	arq->wire_pos += n;
	arq->stats.tx_wire_bytes += n;
}

/* --- time ----------------------------------------------------------------- */

/* Something sent is waiting for an answer (or a busy peer for a poll). */
static bool ncmp_arq_waiting(const struct ncmp_arq *arq)
{
	return ncmp_arq_in_flight(arq) || arq->probing || arq->peer_busy;
}

bool ncmp_arq_deadline(const struct ncmp_arq *arq, u32 *deadline)
{
	switch (arq->state) {
	case NCMP_ARQ_SYNC:
		*deadline = arq->t_sent + arq->rto_cur;
		return true;
	case NCMP_ARQ_UP:
		if (ncmp_arq_waiting(arq))
			*deadline = arq->t_sent + arq->rto_cur;
		else
			*deadline = arq->t_rx + arq->params.keepalive_ms;
		return true;
	default:
		return false;
	}
}

void ncmp_arq_timer(struct ncmp_arq *arq, u32 now)
{
	u32 deadline;

	if (!ncmp_arq_deadline(arq, &deadline) ||
	    !ncmp_time_reached(now, deadline))
		return;

	ncmp_arq_line_idle(arq, now);
	arq->t_sent = now;
	if (arq->state == NCMP_ARQ_SYNC) {
		/* no retry limit: the peer may come up at any time */
		arq->ctl |= NCMP_CTL_SYNC;
		ncmp_arq_backoff(arq);
		return;
	}

	if (!ncmp_arq_waiting(arq) || (arq->peer_busy && !arq->probing)) {
		/* idle for too long, or time to ask a busy peer for room */
		arq->probing = true;
		arq->ctl |= NCMP_CTL_KEEPALIVE;
		return;
	}

	arq->stats.timeouts++;
	if (++arq->attempts >= arq->params.retries) {
		ncmp_arq_fail(arq, NCMP_ARQ_EV_LINK_DOWN);
		return;
	}
	ncmp_arq_backoff(arq);
	if (ncmp_arq_in_flight(arq) && !arq->peer_busy)
		arq->snd_tx = arq->snd_una;
	else
		arq->ctl |= NCMP_CTL_KEEPALIVE;
}

void ncmp_arq_get_info(const struct ncmp_arq *arq, struct ncmp_arq_info *info)
{
	info->state = arq->state;
	info->session = arq->nonce;
	info->peer_session = arq->peer_nonce;
	info->mtu = ncmp_arq_mtu(arq);
	info->peer_mtu = arq->peer_mtu;
	info->peer_window = arq->peer_window;
	info->rto_ms = arq->rto_cur;
	info->queued = arq->slot_count;
	info->in_flight = ncmp_arq_in_flight(arq);
}
