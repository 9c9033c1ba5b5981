/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ncmp: reliable byte streams over serial lines.
 *
 * The kernel/user ABI of ncmp.ko: the line discipline number, the ioctls on
 * an attached tty, the link states and the generic netlink family "ncmp".
 *
 * Attach: TIOCSETD with N_NCMP on a tty (CAP_NET_ADMIN). The module creates
 * /dev/ncmpN, a full-duplex byte stream to the peer, and keeps it until the
 * tty is set back to another discipline, hung up or closed for the last time.
 */
#ifndef _UAPI_LINUX_NCMP_H
#define _UAPI_LINUX_NCMP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Default line discipline number (N_DEVELOPMENT); a module parameter moves it. */
#define N_NCMP			29

/* ioctls on the attached tty's file descriptor */
#define NCMP_IOC_MAGIC		0xB9
/* the N of /dev/ncmpN, as a __u32 */
#define NCMPIOC_GETINDEX	_IOR(NCMP_IOC_MAGIC, 1, __u32)

/* The character devices are named NCMP_DEV_PREFIX followed by N. */
#define NCMP_DEV_PREFIX		"ncmp"

/**
 * enum ncmp_link_state - where a link's handshake stands
 * @NCMP_LINK_SYNCING: looking for the peer, nothing flows yet
 * @NCMP_LINK_UP: handshake done, data flows
 * @NCMP_LINK_FAILED: the peer stopped answering (retry limit reached) or
 *	reset. Files open at that moment get ETIMEDOUT or ECONNRESET from
 *	then on; the link itself goes back to %NCMP_LINK_SYNCING at once
 * @NCMP_LINK_DETACHED: the tty is gone; only draining reads still work
 */
enum ncmp_link_state {
	NCMP_LINK_SYNCING,
	NCMP_LINK_UP,
	NCMP_LINK_FAILED,
	NCMP_LINK_DETACHED,
};

/* Generic netlink: family, version and multicast group names */
#define NCMP_GENL_NAME		"ncmp"
#define NCMP_GENL_VERSION	1
#define NCMP_GENL_MCGRP_EVENTS	"events"

/**
 * enum ncmp_cmd - generic netlink commands
 * @NCMP_CMD_UNSPEC: not used (0 is never a valid command)
 * @NCMP_CMD_GET_LINK: dump all links, or get one by %NCMP_A_LINK_INDEX
 * @NCMP_CMD_SET_LINK: change the parameters of one link (CAP_NET_ADMIN)
 * @NCMP_CMD_EVENT: notification on the "events" group, carrying
 *	%NCMP_A_EVENT plus the link's attributes
 * @__NCMP_CMD_MAX: internal
 * @NCMP_CMD_MAX: highest command
 */
enum ncmp_cmd {
	NCMP_CMD_UNSPEC,
	NCMP_CMD_GET_LINK,
	NCMP_CMD_SET_LINK,
	NCMP_CMD_EVENT,

	__NCMP_CMD_MAX,
	NCMP_CMD_MAX = __NCMP_CMD_MAX - 1
};

/**
 * enum ncmp_attr - link attributes
 * @NCMP_A_UNSPEC: not used (0 is never a valid attribute)
 * @NCMP_A_LINK_INDEX: u32, the N of /dev/ncmpN
 * @NCMP_A_LINK_TTY: string, the tty name ("ttyAMA0")
 * @NCMP_A_LINK_BAUD: u32, the tty's current line rate in bit/s
 * @NCMP_A_LINK_STATE: u32, &enum ncmp_link_state
 * @NCMP_A_LINK_SESSION: u32, our session id
 * @NCMP_A_LINK_PEER_SESSION: u32, the peer's session id (0 before the
 *	handshake)
 * @NCMP_A_LINK_MTU: u32, largest DATA payload in bytes (settable)
 * @NCMP_A_LINK_WINDOW: u32, DATA frames in flight, 1 is stop-and-wait
 *	(settable)
 * @NCMP_A_LINK_RTO_MS: u32, current retransmission timeout
 * @NCMP_A_LINK_RTO_MIN_MS: u32, lower bound of the retransmission timeout
 *	(settable)
 * @NCMP_A_LINK_RTO_MAX_MS: u32, upper bound of the backed-off timeout
 *	(settable)
 * @NCMP_A_LINK_RETRIES: u32, transmissions of one frame before the link is
 *	declared lost (settable)
 * @NCMP_A_LINK_KEEPALIVE_MS: u32, idle time before a keepalive is sent
 *	(settable)
 * @NCMP_A_LINK_STATS: nested, &enum ncmp_stat
 * @NCMP_A_EVENT: u32, &enum ncmp_event (in %NCMP_CMD_EVENT only)
 * @NCMP_A_PAD: padding for 64-bit attributes
 * @__NCMP_A_MAX: internal
 * @NCMP_A_MAX: highest attribute
 */
enum ncmp_attr {
	NCMP_A_UNSPEC,
	NCMP_A_LINK_INDEX,
	NCMP_A_LINK_TTY,
	NCMP_A_LINK_BAUD,
	NCMP_A_LINK_STATE,
	NCMP_A_LINK_SESSION,
	NCMP_A_LINK_PEER_SESSION,
	NCMP_A_LINK_MTU,
	NCMP_A_LINK_WINDOW,
	NCMP_A_LINK_RTO_MS,
	NCMP_A_LINK_RTO_MIN_MS,
	NCMP_A_LINK_RTO_MAX_MS,
	NCMP_A_LINK_RETRIES,
	NCMP_A_LINK_KEEPALIVE_MS,
	NCMP_A_LINK_STATS,
	NCMP_A_EVENT,
	NCMP_A_PAD,

	__NCMP_A_MAX,
	NCMP_A_MAX = __NCMP_A_MAX - 1
};

/**
 * enum ncmp_stat - counters inside %NCMP_A_LINK_STATS, all u64, counted
 *	since the tty was attached
 * @NCMP_STAT_UNSPEC: not used (0 is never a valid counter)
 * @NCMP_STAT_TX_FRAMES: frames sent, of any type
 * @NCMP_STAT_TX_BYTES: payload bytes sent in DATA frames, retransmissions
 *	included
 * @NCMP_STAT_RX_FRAMES: valid frames received, of any type
 * @NCMP_STAT_RX_BYTES: payload bytes delivered in order to the reader
 * @NCMP_STAT_RETRANSMITS: DATA and EOS frames sent again
 * @NCMP_STAT_CRC_ERRORS: frames dropped for a bad CRC
 * @NCMP_STAT_BAD_FRAMES: frames dropped for bad COBS, an unknown type or
 *	flags, a payload size the type forbids or an unsupported version
 * @NCMP_STAT_DUPLICATES: DATA/EOS frames received again (acknowledged again)
 * @NCMP_STAT_TIMEOUTS: retransmission or probe timer expiries
 * @NCMP_STAT_RESETS: peer resets seen while the link was up
 * @NCMP_STAT_SESSION_DROPS: frames dropped for an unknown session
 * @NCMP_STAT_NO_ROOM: DATA/EOS frames not acknowledged because the reader's
 *	buffer was full (flow control)
 * @NCMP_STAT_TX_WIRE_BYTES: bytes written to the tty, framing included
 * @NCMP_STAT_RX_WIRE_BYTES: bytes received from the tty
 * @NCMP_STAT_BAD_LENGTHS: frames dropped as too short, too long or with a
 *	wrong length field
 * @NCMP_STAT_TTY_ERRORS: frames dropped because the tty flagged a byte
 *	(parity, framing, overrun, break)
 * @NCMP_STAT_OUT_OF_ORDER: DATA/EOS frames received after a gap (dropped)
 * @NCMP_STAT_KEEPALIVES: keepalive probes sent
 * @NCMP_STAT_LINK_DOWNS: times the retry limit took the link down
 * @NCMP_STAT_PAD: padding for the u64 attributes
 * @__NCMP_STAT_MAX: internal
 * @NCMP_STAT_MAX: highest counter
 */
enum ncmp_stat {
	NCMP_STAT_UNSPEC,
	NCMP_STAT_TX_FRAMES,
	NCMP_STAT_TX_BYTES,
	NCMP_STAT_RX_FRAMES,
	NCMP_STAT_RX_BYTES,
	NCMP_STAT_RETRANSMITS,
	NCMP_STAT_CRC_ERRORS,
	NCMP_STAT_BAD_FRAMES,
	NCMP_STAT_DUPLICATES,
	NCMP_STAT_TIMEOUTS,
	NCMP_STAT_RESETS,
	NCMP_STAT_SESSION_DROPS,
	NCMP_STAT_NO_ROOM,
	NCMP_STAT_TX_WIRE_BYTES,
	NCMP_STAT_RX_WIRE_BYTES,
	NCMP_STAT_BAD_LENGTHS,
	NCMP_STAT_TTY_ERRORS,
	NCMP_STAT_OUT_OF_ORDER,
	NCMP_STAT_KEEPALIVES,
	NCMP_STAT_LINK_DOWNS,
	NCMP_STAT_PAD,

	__NCMP_STAT_MAX,
	NCMP_STAT_MAX = __NCMP_STAT_MAX - 1
};

/**
 * enum ncmp_event - what an %NCMP_CMD_EVENT notification reports
 * @NCMP_EVENT_UNSPEC: not used (0 is never a valid event)
 * @NCMP_EVENT_ATTACHED: a tty was attached, /dev/ncmpN exists
 * @NCMP_EVENT_LINK_UP: the handshake with the peer completed
 * @NCMP_EVENT_LINK_DOWN: the peer stopped answering (retry limit)
 * @NCMP_EVENT_PEER_RESET: the peer restarted with a new session
 * @NCMP_EVENT_DETACHED: the tty was detached, /dev/ncmpN is gone
 * @__NCMP_EVENT_MAX: internal
 * @NCMP_EVENT_MAX: highest event
 */
enum ncmp_event {
	NCMP_EVENT_UNSPEC,
	NCMP_EVENT_ATTACHED,
	NCMP_EVENT_LINK_UP,
	NCMP_EVENT_LINK_DOWN,
	NCMP_EVENT_PEER_RESET,
	NCMP_EVENT_DETACHED,

	__NCMP_EVENT_MAX,
	NCMP_EVENT_MAX = __NCMP_EVENT_MAX - 1
};

#endif /* _UAPI_LINUX_NCMP_H */
