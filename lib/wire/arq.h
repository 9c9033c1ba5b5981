/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ncmp ARQ: the link state machine, without any I/O (sans-I/O). The caller
 * feeds it received bytes, user data, timer expiries and the current time,
 * and pulls encoded bytes for the wire out of it. docs/PROTOCOL.md
 * describes the protocol; this header the programming interface.
 *
 * Rules for the caller:
 *  - Every function is called with the caller's lock held. The callbacks
 *    run inside those calls and must not call back into the ARQ.
 *  - Time is a free-running millisecond counter that may wrap (u32, like
 *    jiffies_to_msecs(jiffies)); only differences below 2^31 ms matter.
 *  - After any call, check ncmp_arq_tx_pending() (schedule transmission)
 *    and ncmp_arq_deadline() (re-arm the single timer).
 *  - The struct is large (see NCMP_ARQ_* below, about 41 KiB) and holds
 *    pointers into itself: allocate it once and never copy or move it.
 */
#ifndef NCMP_WIRE_ARQ_H
#define NCMP_WIRE_ARQ_H

#include "wire_types.h"
#include "cobs.h"
#include "frame.h"

/* Go-Back-N window limit, and the TX frames a link can hold. */
#define NCMP_WINDOW_MAX		8
#define NCMP_TX_SLOTS		NCMP_WINDOW_MAX

/**
 * enum ncmp_arq_state - link state
 * @NCMP_ARQ_IDLE: not started, or shut down; nothing is sent or accepted
 *	except a pending RST
 * @NCMP_ARQ_SYNC: handshaking; user data may already be queued
 * @NCMP_ARQ_UP: handshake done, data flows
 * @NCMP_ARQ_FAILED: the peer stopped answering or reset the session; all
 *	queued data was discarded. Nothing happens until ncmp_arq_start().
 */
enum ncmp_arq_state {
	NCMP_ARQ_IDLE,
	NCMP_ARQ_SYNC,
	NCMP_ARQ_UP,
	NCMP_ARQ_FAILED,
};

/**
 * enum ncmp_arq_event - what the event callback reports
 * @NCMP_ARQ_EV_LINK_UP: handshake completed (state is now UP)
 * @NCMP_ARQ_EV_LINK_DOWN: a frame or probe went unanswered @retries
 *	times (state is now FAILED)
 * @NCMP_ARQ_EV_PEER_RESET: the peer started a new session, or sent RST,
 *	while the link was up (state is now FAILED)
 * @NCMP_ARQ_EV_TX_ACKED: the peer acknowledged queued frames, so
 *	ncmp_arq_tx_room() grew; ncmp_arq_tx_done() tells whether all is
 *	acknowledged
 */
enum ncmp_arq_event {
	NCMP_ARQ_EV_LINK_UP,
	NCMP_ARQ_EV_LINK_DOWN,
	NCMP_ARQ_EV_PEER_RESET,
	NCMP_ARQ_EV_TX_ACKED,
};

/**
 * struct ncmp_arq_ops - callbacks into the caller
 * @deliver: hand in-order received data to the reader. @eos is true for an
 *	end-of-stream mark (then @data is NULL and @len 0). Return 0 if all
 *	of it was taken, or a negative errno (-ENOSPC) if it does not fit: the
 *	frame is then not acknowledged and the peer sends it again after
 *	ncmp_arq_rx_ready(). All or nothing; @len is at most NCMP_MTU_MAX,
 *	and a reader that can never take NCMP_MTU_MAX bytes stalls the link.
 * @event: state changes, &enum ncmp_arq_event
 * @random: a random 32-bit value (get_random_u32() in the kernel) for
 *	session nonces; 0 is replaced
 */
struct ncmp_arq_ops {
	int (*deliver)(void *ctx, const u8 *data, size_t len, bool eos);
	void (*event)(void *ctx, enum ncmp_arq_event ev);
	u32 (*random)(void *ctx);
};

/**
 * struct ncmp_arq_params - runtime-settable link parameters
 * @baud: line rate in bit/s (10 bits per byte assumed, 8N1),
 *	NCMP_ARQ_BAUD_MIN..NCMP_ARQ_BAUD_MAX
 * @mtu: largest DATA payload we send and ask the peer to send,
 *	NCMP_MTU_MIN..NCMP_MTU_MAX
 * @window: DATA frames in flight, 1 (stop-and-wait) ..NCMP_WINDOW_MAX
 * @retries: transmissions of one frame or probe before the link is
 *	declared down, 1..NCMP_ARQ_RETRIES_MAX
 * @rto_min_ms: added to the line time of a frame and its ACK to form the
 *	retransmission timeout, so also its lower bound;
 *	1..NCMP_ARQ_RTO_LIMIT_MS
 * @rto_max_ms: upper bound of the backoff (a timeout is never shorter
 *	than its frame needs on the line, whatever this says);
 *	rto_min_ms..NCMP_ARQ_RTO_LIMIT_MS
 * @keepalive_ms: silence from the peer before a keepalive probe,
 *	NCMP_ARQ_KEEPALIVE_MIN_MS..NCMP_ARQ_KEEPALIVE_MAX_MS
 */
struct ncmp_arq_params {
	u32 baud;
	u16 mtu;
	u8 window;
	u8 retries;
	u32 rto_min_ms;
	u32 rto_max_ms;
	u32 keepalive_ms;
};

/* Limits that ncmp_arq_set_params() enforces */
#define NCMP_ARQ_BAUD_MIN		50
#define NCMP_ARQ_BAUD_MAX		100000000
#define NCMP_ARQ_RETRIES_MAX		100
#define NCMP_ARQ_RTO_LIMIT_MS		60000
#define NCMP_ARQ_KEEPALIVE_MIN_MS	10
#define NCMP_ARQ_KEEPALIVE_MAX_MS	3600000

#define NCMP_ARQ_DEFAULT_BAUD		115200
#define NCMP_ARQ_DEFAULT_WINDOW		1
#define NCMP_ARQ_DEFAULT_RETRIES	10
#define NCMP_ARQ_DEFAULT_RTO_MIN_MS	50
#define NCMP_ARQ_DEFAULT_RTO_MAX_MS	3000
#define NCMP_ARQ_DEFAULT_KEEPALIVE_MS	2000

/**
 * struct ncmp_arq_stats - counters, all since ncmp_arq_init()
 * @tx_frames: frames handed out for the wire, any type
 * @tx_bytes: payload bytes in DATA frames sent, retransmissions included
 * @tx_wire_bytes: encoded bytes the caller consumed
 * @rx_frames: valid frames received, any type
 * @rx_bytes: payload bytes delivered in order
 * @rx_wire_bytes: bytes fed in
 * @retransmits: DATA and EOS frames sent again
 * @crc_errors: frames dropped for a CRC mismatch
 * @bad_frames: frames dropped for bad COBS, an unknown type or flags, a
 *	payload size the type forbids, or an unsupported version
 * @bad_lengths: frames dropped because they were too short, longer than
 *	the receive buffer, or disagreed with their length field
 * @tty_errors: frames dropped because the tty flagged one of their bytes
 * @duplicates: DATA/EOS frames received again (acknowledged again)
 * @out_of_order: DATA/EOS frames received ahead of a gap (dropped)
 * @timeouts: retransmission or probe timer expiries
 * @resets: peer resets seen while up
 * @session_drops: frames dropped for an unknown session
 * @no_room: DATA/EOS frames refused by the reader (flow control)
 * @keepalives: keepalive probes sent
 * @link_downs: times the link was declared down
 */
struct ncmp_arq_stats {
	u64 tx_frames;
	u64 tx_bytes;
	u64 tx_wire_bytes;
	u64 rx_frames;
	u64 rx_bytes;
	u64 rx_wire_bytes;
	u64 retransmits;
	u64 crc_errors;
	u64 bad_frames;
	u64 bad_lengths;
	u64 tty_errors;
	u64 duplicates;
	u64 out_of_order;
	u64 timeouts;
	u64 resets;
	u64 session_drops;
	u64 no_room;
	u64 keepalives;
	u64 link_downs;
};

/**
 * struct ncmp_arq_info - a snapshot for stats and netlink
 * @state: &enum ncmp_arq_state
 * @session: our nonce (0 before the first start)
 * @peer_session: the peer's nonce (0 before the handshake)
 * @mtu: payload size of new DATA frames: min(our mtu, peer's)
 * @peer_mtu: what the peer asked for (0 before the handshake)
 * @peer_window: the peer's window (0 before the handshake)
 * @rto_ms: current retransmission timeout, backoff included
 * @queued: frames held (in flight or waiting), at most NCMP_TX_SLOTS
 * @in_flight: frames sent and not yet acknowledged
 */
struct ncmp_arq_info {
	enum ncmp_arq_state state;
	u32 session;
	u32 peer_session;
	u16 mtu;
	u16 peer_mtu;
	u8 peer_window;
	u32 rto_ms;
	u32 queued;
	u32 in_flight;
};

/**
 * struct ncmp_arq_slot - one TX frame, kept until acknowledged
 * @len: payload bytes
 * @type: NCMP_FT_DATA or NCMP_FT_EOS
 * @t_wire: when its last transmission starts to leave on the wire, as
 *	estimated from the line rate (the tty may queue bytes before it)
 * @buf: the frame, payload at NCMP_FRAME_HDR_LEN; header and CRC are
 *	written at each transmission (the ack field changes)
 */
struct ncmp_arq_slot {
	u16 len;
	u8 type;
	u32 t_wire;
	u8 buf[NCMP_FRAME_MAX];
};

/**
 * struct ncmp_arq - one link. Fields other than @stats are private.
 * @ops: callbacks
 * @ctx: their first argument
 * @params: current parameters
 * @stats: counters (read-only for the caller)
 * @state: &enum ncmp_arq_state
 * @nonce: our session nonce
 * @peer_nonce: the peer's, 0 if unknown
 * @peer_mtu: from the peer's SYNC
 * @peer_window: from the peer's SYNC
 * @ctl: control frames waiting to go out (internal bit mask)
 * @snd_una: oldest unacknowledged sequence number
 * @snd_tx: next sequence number to transmit (rewound to resend)
 * @snd_max: one past the highest sequence number ever transmitted
 * @slot_head: slot index of @snd_una
 * @slot_count: slots in use
 * @slot_open: the newest slot still accepts bytes (not yet transmitted)
 * @peer_busy: the peer refused a frame for lack of room
 * @rej_rewound: a REJ already made us go back to @snd_una
 * @probing: a keepalive or busy poll is waiting for an answer
 * @attempts: unanswered transmissions of the oldest frame, probe or SYNC
 * @rto_base: DATA timeout computed from baud, MTU and rto_min
 * @rto_cur: @rto_base after backoff
 * @t_sent: when the timed frame, probe or SYNC last started to leave on
 *	the wire (estimated, see @t_line)
 * @t_line: when the bytes handed out so far will have left the wire at the
 *	line rate; ahead of now while the tty holds a queue
 * @t_line_rem: the fraction of a millisecond beyond @t_line, in units of
 *	1/baud ms, so that no rounding accumulates over a long stream
 * @t_rx: when the last valid frame from the peer arrived
 * @rcv_nxt: next sequence number we accept
 * @rx_busy: we refused a frame; the peer is told when room appears
 * @rej_sent: a REJ for the current gap has been sent
 * @ack_flags: NCMP_FF_* for the next ACK
 * @cobs: streaming decoder into @rx_buf
 * @wire_len: encoded bytes in @wire
 * @wire_pos: bytes of @wire already consumed
 * @rx_buf: the frame being received
 * @wire: the frame being transmitted, COBS-encoded with delimiters
 * @ctl_buf: scratch for control frames
 * @slots: TX frames, a ring starting at @slot_head
 */
struct ncmp_arq {
	const struct ncmp_arq_ops *ops;
	void *ctx;
	struct ncmp_arq_params params;
	struct ncmp_arq_stats stats;
	enum ncmp_arq_state state;
	u32 nonce;
	u32 peer_nonce;
	u16 peer_mtu;
	u8 peer_window;
	u8 ctl;

	u8 snd_una;
	u8 snd_tx;
	u8 snd_max;
	u8 slot_head;
	u8 slot_count;
	bool slot_open;
	bool peer_busy;
	bool rej_rewound;
	bool probing;
	u8 attempts;
	u32 rto_base;
	u32 rto_cur;
	u32 t_sent;
	u32 t_line;
	u32 t_line_rem;
	u32 t_rx;

	u8 rcv_nxt;
	bool rx_busy;
	bool rej_sent;
	u8 ack_flags;
	struct ncmp_cobs_rx cobs;

	u16 wire_len;
	u16 wire_pos;
	u8 rx_buf[NCMP_FRAME_MAX];
	u8 wire[NCMP_WIRE_MAX];
	u8 ctl_buf[NCMP_FRAME_OVERHEAD + NCMP_SYNC_LEN];
	struct ncmp_arq_slot slots[NCMP_TX_SLOTS];
};

/**
 * ncmp_arq_params_default() - fill in the default parameters
 * @p: output
 */
void ncmp_arq_params_default(struct ncmp_arq_params *p);

/**
 * ncmp_arq_init() - set up a link in state IDLE with default parameters
 * @arq: the link
 * @ops: callbacks (all three required), kept by reference
 * @ctx: first argument of the callbacks
 */
void ncmp_arq_init(struct ncmp_arq *arq, const struct ncmp_arq_ops *ops,
		   void *ctx);

/**
 * ncmp_arq_set_params() - change parameters, also while the link is up
 * @arq: the link
 * @p: new values, all validated before any is applied
 *
 * A new MTU applies to frames not yet started; a smaller window lets the
 * frames in flight drain; baud and timeouts take effect at once.
 *
 * Return: 0, or -EINVAL if any value is out of range.
 */
int ncmp_arq_set_params(struct ncmp_arq *arq, const struct ncmp_arq_params *p);

/**
 * ncmp_arq_start() - (re)start the handshake with a fresh nonce
 * @arq: the link
 * @now: current time
 *
 * Discards queued data and any receive state; valid in every state.
 */
void ncmp_arq_start(struct ncmp_arq *arq, u32 now);

/**
 * ncmp_arq_shutdown() - end the session
 * @arq: the link
 *
 * Discards queued data and goes IDLE. If the link was up, an RST frame is
 * queued so the peer learns at once (if the caller still transmits it).
 */
void ncmp_arq_shutdown(struct ncmp_arq *arq);

/**
 * ncmp_arq_rx() - bytes received from the tty
 * @arq: the link
 * @data: the bytes
 * @flags: per-byte error flags (non-zero = parity, framing, overrun or
 *	break), or NULL if all are good
 * @len: number of bytes
 * @now: current time
 *
 * May call @deliver and @event.
 */
void ncmp_arq_rx(struct ncmp_arq *arq, const u8 *data, const u8 *flags,
		 size_t len, u32 now);

/**
 * ncmp_arq_write() - queue user data for transmission
 * @arq: the link
 * @data: the bytes
 * @len: number of bytes
 *
 * Accepted in states SYNC and UP only. Bytes are packed into frames of up
 * to the MTU; a frame closes when it is full or when it is transmitted.
 *
 * Return: bytes accepted (0 if there is no room or the state forbids).
 */
size_t ncmp_arq_write(struct ncmp_arq *arq, const u8 *data, size_t len);

/**
 * ncmp_arq_write_eos() - queue an end-of-stream mark after the data
 * @arq: the link
 *
 * Return: 0; -EAGAIN if no TX slot is free (retry after TX_ACKED);
 * -ENOTCONN in states IDLE and FAILED.
 */
int ncmp_arq_write_eos(struct ncmp_arq *arq);

/**
 * ncmp_arq_tx_room() - bytes ncmp_arq_write() would accept now
 * @arq: the link
 *
 * Return: the room, 0 in states IDLE and FAILED.
 */
size_t ncmp_arq_tx_room(const struct ncmp_arq *arq);

/**
 * ncmp_arq_tx_done() - whether everything written has been acknowledged
 * @arq: the link
 *
 * Return: true if no frame is queued or in flight.
 */
bool ncmp_arq_tx_done(const struct ncmp_arq *arq);

/**
 * ncmp_arq_rx_ready() - the reader made room after a refused delivery
 * @arq: the link
 *
 * Call when at least NCMP_MTU_MAX bytes (or all of the reader's buffer) are
 * free; cheap and harmless otherwise. Tells the peer to resend at once.
 */
void ncmp_arq_rx_ready(struct ncmp_arq *arq);

/**
 * ncmp_arq_tx_pending() - whether ncmp_arq_tx_peek() has bytes to give
 * @arq: the link
 *
 * Return: true if a frame is partly written or another one is due.
 */
bool ncmp_arq_tx_pending(const struct ncmp_arq *arq);

/**
 * ncmp_arq_tx_peek() - the next encoded bytes for the wire
 * @arq: the link
 * @data: set to the bytes (valid until the next call into the ARQ)
 * @now: current time
 *
 * Starts the next due frame if none is in progress. Pass what the tty took
 * to ncmp_arq_tx_consume(); bytes not consumed are offered again.
 *
 * Return: number of bytes at *@data, 0 if nothing is due.
 */
size_t ncmp_arq_tx_peek(struct ncmp_arq *arq, const u8 **data, u32 now);

/**
 * ncmp_arq_tx_consume() - the caller wrote bytes from ncmp_arq_tx_peek()
 * @arq: the link
 * @n: how many (at most what peek returned)
 */
void ncmp_arq_tx_consume(struct ncmp_arq *arq, size_t n);

/**
 * ncmp_arq_deadline() - when ncmp_arq_timer() should run next
 * @arq: the link
 * @deadline: set to the absolute time, if any
 *
 * Return: true if a deadline is set (always, in states SYNC and UP).
 */
bool ncmp_arq_deadline(const struct ncmp_arq *arq, u32 *deadline);

/**
 * ncmp_arq_timer() - the timer fired
 * @arq: the link
 * @now: current time; an early call does nothing
 *
 * Retransmits, probes, or declares the link down. May call @event.
 */
void ncmp_arq_timer(struct ncmp_arq *arq, u32 now);

/**
 * ncmp_arq_get_info() - snapshot of state and negotiated values
 * @arq: the link
 * @info: output
 */
void ncmp_arq_get_info(const struct ncmp_arq *arq, struct ncmp_arq_info *info);

#endif /* NCMP_WIRE_ARQ_H */
