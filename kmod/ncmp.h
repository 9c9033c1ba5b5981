/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ncmp.ko internals: one struct ncmp_link per attached tty, shared by the
 * line discipline (ldisc.c), the link engine (link.c), the character device
 * (cdev.c) and the netlink interface.
 *
 * Lifetime: a link is a struct device. The attached line discipline holds
 * one reference, every open /dev/ncmpN file one more, and every
 * ncmp_link_get*() caller one. Detach (ldisc close or hangup) runs
 * ncmp_link_detach(), which marks the link dead, stops everything that
 * could re-arm, wakes all waiters and removes /dev/ncmpN; the memory goes
 * with the last reference.
 *
 * Locking: @lock (BH-safe) protects the ARQ state machine and everything
 * the data paths share; the ARQ callbacks run under it. @lifetime orders
 * file open against detach. The TX work is the only caller of
 * tty->ops->write() and never holds @lock while calling it.
 */
#ifndef NCMP_KMOD_H
#define NCMP_KMOD_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kfifo.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/tty.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/ncmp.h>
#include <wire/arq.h>

/* Bytes the reader's buffer holds; a power of two (kfifo). */
#define NCMP_RX_FIFO_SIZE	(64 * 1024)
/* End-of-stream marks waiting for the reader. */
#define NCMP_EOS_MARKS		16
/* Link events waiting for the event work. */
#define NCMP_EVENT_QUEUE	16

/**
 * struct ncmp_link - one attached tty
 * @dev: the /dev/ncmpN device; its refcount is the link's
 * @cdev: the character device inside @dev
 * @index: N of /dev/ncmpN
 * @tty_name: the tty's name, kept for after detach
 * @lifetime: taken for writing by detach, for reading by open
 * @detached: detach has begun: files see the end (reads drain, then 0;
 *	writes fail), opens fail; the goodbye frame may still go out
 * @dead: set after @detached: no timer, no work, no ARQ call any more
 * @tty: the tty; used by the TX work only, which detach cancels
 * @tx_work: writes the ARQ's bytes to the tty
 * @tx_buf: bytes taken from the ARQ and not yet accepted by the tty
 * @tx_len: bytes in @tx_buf
 * @tx_pos: bytes of @tx_buf already written
 * @lock: protects everything below
 * @arq: the protocol state machine
 * @params: the parameters @arq runs with
 * @timer: the ARQ deadline
 * @restart: the link failed; restart the handshake after the ARQ call
 * @epoch: increases when the link fails; files opened before see @error
 * @error: why the link last failed, -ETIMEDOUT or -ECONNRESET
 * @eos_pending: end-of-stream marks of closed writers not yet queued
 * @rx_fifo: in-order bytes from the peer for readers
 * @rx_in: bytes ever put into @rx_fifo (free-running)
 * @rx_out: bytes ever taken out of @rx_fifo, skipped ones included
 * @rx_stale: with @rx_skip, bytes up to this @rx_in position belong to a
 *	failed session and are skipped by the next reader
 * @rx_skip: @rx_stale is valid
 * @tx_lost: detach discarded data that the peer had not acknowledged
 * @eos_pos: @rx_in positions of end-of-stream marks, a ring
 * @eos_head: oldest mark in @eos_pos
 * @eos_count: marks in @eos_pos
 * @events: link events for the event work, a ring of &enum ncmp_event
 * @ev_head: oldest event
 * @ev_count: events queued
 * @ev_work: passes @events to the notifier chain in process context
 * @rx_wait: readers and pollers wait here for data, EOS, error or detach
 * @tx_wait: writers and fsync wait here for room, acks, error or detach
 * @read_mutex: one reader at a time takes bytes out of @rx_fifo
 * @write_mutex: one writer at a time, so a write() stays contiguous
 * @write_buf: bounce buffer for user data, under @write_mutex
 */
struct ncmp_link {
	struct device dev;
	struct cdev cdev;
	u32 index;
	char tty_name[64];

	struct rw_semaphore lifetime;
	bool detached;
	bool dead;

	struct tty_struct *tty;
	struct work_struct tx_work;
	u8 *tx_buf;
	size_t tx_len;
	size_t tx_pos;

	spinlock_t lock;	/* the data paths and the ARQ, see above */
	struct ncmp_arq *arq;
	struct ncmp_arq_params params;
	struct timer_list timer;
	bool restart;
	u32 epoch;
	int error;
	unsigned int eos_pending;

	DECLARE_KFIFO_PTR(rx_fifo, u8);
	u32 rx_in;
	u32 rx_out;
	u32 rx_stale;
	bool rx_skip;
	bool tx_lost;
	u32 eos_pos[NCMP_EOS_MARKS];
	unsigned int eos_head;
	unsigned int eos_count;

	u8 events[NCMP_EVENT_QUEUE];
	unsigned int ev_head;
	unsigned int ev_count;
	struct work_struct ev_work;

	wait_queue_head_t rx_wait;
	wait_queue_head_t tx_wait;
	struct mutex read_mutex;	/* one reader takes from @rx_fifo */
	struct mutex write_mutex;	/* one write() at a time */
	u8 *write_buf;
};

/* Size of ncmp_link.write_buf: what one write() copies in per step. */
#define NCMP_WRITE_BUF_SIZE	NCMP_MTU_MAX

/**
 * struct ncmp_link_info - a consistent snapshot of a link
 * @index: N of /dev/ncmpN
 * @tty_name: the tty's name
 * @state: &enum ncmp_link_state
 * @arq: negotiated values and the current timeout
 * @params: the parameters in force
 * @stats: counters
 */
struct ncmp_link_info {
	u32 index;
	char tty_name[64];
	enum ncmp_link_state state;
	struct ncmp_arq_info arq;
	struct ncmp_arq_params params;
	struct ncmp_arq_stats stats;
};

/* link.c: the link object, its registry and the ARQ glue */
struct ncmp_link *ncmp_link_create(struct tty_struct *tty);
int ncmp_link_start(struct ncmp_link *link);
void ncmp_link_detach(struct ncmp_link *link);
void ncmp_link_rx(struct ncmp_link *link, const u8 *cp, const u8 *fp,
		  size_t count);
void ncmp_link_set_baud(struct ncmp_link *link, u32 baud);
size_t ncmp_link_tx_fetch(struct ncmp_link *link, u8 *buf, size_t size);
void ncmp_link_sync(struct ncmp_link *link);
u32 ncmp_link_now(void);

/* Netlink-facing API: references, snapshots, parameters, events. */
struct ncmp_link *ncmp_link_get(u32 index);
struct ncmp_link *ncmp_link_get_next(u32 *index);
void ncmp_link_put(struct ncmp_link *link);
void ncmp_link_get_info(struct ncmp_link *link, struct ncmp_link_info *info);
int ncmp_link_set_params(struct ncmp_link *link,
			 const struct ncmp_arq_params *params);

/*
 * Link events (&enum ncmp_event) reach registered notifiers in process
 * context, in order per link, with @data the struct ncmp_link (valid for
 * the duration of the call). NCMP_EVENT_DETACHED is the last event of a
 * link.
 */
int ncmp_event_register(struct notifier_block *nb);
int ncmp_event_unregister(struct notifier_block *nb);

/* cdev.c: the character devices */
int ncmp_cdev_init(void);
void ncmp_cdev_exit(void);
int ncmp_cdev_setup(struct ncmp_link *link);
void ncmp_cdev_release_index(struct ncmp_link *link);
int ncmp_cdev_add(struct ncmp_link *link);
void ncmp_cdev_del(struct ncmp_link *link);

/* ldisc.c: the line discipline */
int ncmp_ldisc_register(int num);
void ncmp_ldisc_unregister(void);
void ncmp_ldisc_tx_work(struct work_struct *work);

#endif /* NCMP_KMOD_H */
