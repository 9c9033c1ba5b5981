// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp: the link object. It owns the ARQ state machine (lib/wire/arq.c) and
 * drives it: bytes from the tty go in, encoded bytes for the TX work and
 * in-order data for readers come out, one timer runs the ARQ's deadline.
 * It also keeps the registry that netlink looks links up in, and turns
 * state changes into events.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "compat.h"
#include "ncmp.h"

/* Attached links by index, for lookups from netlink. */
static DEFINE_XARRAY(ncmp_links);
static BLOCKING_NOTIFIER_HEAD(ncmp_event_chain);

u32 ncmp_link_now(void)
{
	return jiffies_to_msecs(jiffies);
}

/* --- events ------------------------------------------------------------- */

int ncmp_event_register(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&ncmp_event_chain, nb);
}

int ncmp_event_unregister(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&ncmp_event_chain, nb);
}

/* Queue @ev for the event work; called with the lock held. */
static void ncmp_link_queue_event(struct ncmp_link *link, enum ncmp_event ev)
{
	if (link->ev_count == NCMP_EVENT_QUEUE) {
		dev_warn_ratelimited(&link->dev, "event queue full, %d lost\n",
				     ev);
		return;
	}
	link->events[(link->ev_head + link->ev_count++) % NCMP_EVENT_QUEUE] = ev;
	if (!link->dead)
		schedule_work(&link->ev_work);
}

/* Hand queued events to the notifiers, oldest first; process context. */
static void ncmp_link_flush_events(struct ncmp_link *link)
{
	enum ncmp_event ev;

	for (;;) {
		spin_lock_bh(&link->lock);
		if (!link->ev_count) {
			spin_unlock_bh(&link->lock);
			return;
		}
		ev = link->events[link->ev_head];
		link->ev_head = (link->ev_head + 1) % NCMP_EVENT_QUEUE;
		link->ev_count--;
		spin_unlock_bh(&link->lock);

		blocking_notifier_call_chain(&ncmp_event_chain, ev, link);
	}
}

static void ncmp_link_ev_work(struct work_struct *work)
{
	ncmp_link_flush_events(container_of(work, struct ncmp_link, ev_work));
}

/* --- ARQ callbacks (lock held) ----------------------------------------------- */

static int ncmp_link_deliver(void *ctx, const u8 *data, size_t len, bool eos)
{
	struct ncmp_link *link = ctx;

	if (eos) {
		if (link->eos_count == NCMP_EOS_MARKS)
			return -ENOSPC;
		link->eos_pos[(link->eos_head + link->eos_count++) %
			      NCMP_EOS_MARKS] = link->rx_in;
	} else {
		if (kfifo_avail(&link->rx_fifo) < len)
			return -ENOSPC;
		kfifo_in(&link->rx_fifo, data, len);
		link->rx_in += len;
	}
	wake_up_interruptible_poll(&link->rx_wait, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/*
 * The session is gone: files opened before now get @err from every call,
 * the bytes it delivered are skipped, and the handshake starts again once
 * the ARQ call that failed has returned.
 */
static void ncmp_link_fail(struct ncmp_link *link, int err)
{
	link->epoch++;
	link->error = err;
	link->restart = true;
	link->eos_pending = 0;
	link->eos_count = 0;
	link->rx_stale = link->rx_in;
	link->rx_skip = true;
	wake_up_interruptible_all(&link->rx_wait);
	wake_up_interruptible_all(&link->tx_wait);
}

static void ncmp_link_arq_event(void *ctx, enum ncmp_arq_event ev)
{
	struct ncmp_link *link = ctx;

	switch (ev) {
	case NCMP_ARQ_EV_LINK_UP:
		dev_info_ratelimited(&link->dev, "link up on %s\n",
				     link->tty_name);
		ncmp_link_queue_event(link, NCMP_EVENT_LINK_UP);
		wake_up_interruptible_all(&link->tx_wait);
		break;
	case NCMP_ARQ_EV_LINK_DOWN:
		dev_info_ratelimited(&link->dev,
				     "link down: the peer stopped answering\n");
		ncmp_link_fail(link, -ETIMEDOUT);
		ncmp_link_queue_event(link, NCMP_EVENT_LINK_DOWN);
		break;
	case NCMP_ARQ_EV_PEER_RESET:
		dev_info_ratelimited(&link->dev, "the peer reset the link\n");
		ncmp_link_fail(link, -ECONNRESET);
		ncmp_link_queue_event(link, NCMP_EVENT_PEER_RESET);
		break;
	case NCMP_ARQ_EV_TX_ACKED:
		wake_up_interruptible_poll(&link->tx_wait,
					   EPOLLOUT | EPOLLWRNORM);
		break;
	}
}

static u32 ncmp_link_random(void *ctx)
{
	return get_random_u32();
}

static const struct ncmp_arq_ops ncmp_link_arq_ops = {
	.deliver = ncmp_link_deliver,
	.event = ncmp_link_arq_event,
	.random = ncmp_link_random,
};

/* --- driving the ARQ (lock held) -------------------------------------------- */

/**
 * ncmp_link_sync() - act on the ARQ's state after a call into it
 * @link: the link, with its lock held
 *
 * Restarts a failed session, queues end-of-stream marks of closed writers,
 * schedules the TX work and re-arms the timer. Nothing is scheduled once
 * the link is dead, so detach can cancel the timer and the works for good.
 */
void ncmp_link_sync(struct ncmp_link *link)
{
	u32 now = ncmp_link_now();
	u32 deadline;

	lockdep_assert_held(&link->lock);
	if (link->dead)
		return;

	if (link->restart && !link->detached) {
		link->restart = false;
		ncmp_arq_start(link->arq, now);
	}
	while (link->eos_pending && !ncmp_arq_write_eos(link->arq))
		link->eos_pending--;

	if (ncmp_arq_tx_pending(link->arq))
		schedule_work(&link->tx_work);

	if (ncmp_arq_deadline(link->arq, &deadline)) {
		s32 wait = deadline - now;

		/* one jiffy more: the ARQ ignores an early timer */
		mod_timer(&link->timer, jiffies + 1 +
			  (wait > 0 ? msecs_to_jiffies(wait) : 0));
	} else {
		timer_delete(&link->timer);
	}
}

static void ncmp_link_timer(struct timer_list *t)
{
	struct ncmp_link *link = timer_container_of(link, t, timer);

	spin_lock_bh(&link->lock);
	if (!link->dead) {
		ncmp_arq_timer(link->arq, ncmp_link_now());
		ncmp_link_sync(link);
	}
	spin_unlock_bh(&link->lock);
}

/**
 * ncmp_link_rx() - bytes and error flags received from the tty
 * @link: the link
 * @cp: the bytes
 * @fp: a TTY_* flag per byte, or NULL
 * @count: number of bytes
 *
 * Never sleeps and never waits for the reader: what does not fit is left
 * unacknowledged, and the peer sends it again.
 */
void ncmp_link_rx(struct ncmp_link *link, const u8 *cp, const u8 *fp,
		  size_t count)
{
	spin_lock_bh(&link->lock);
	if (!link->dead) {
		ncmp_arq_rx(link->arq, cp, fp, count, ncmp_link_now());
		ncmp_link_sync(link);
	}
	spin_unlock_bh(&link->lock);
}

/**
 * ncmp_link_tx_fetch() - take the next bytes for the wire
 * @link: the link
 * @buf: where to copy them
 * @size: room at @buf, at least NCMP_WIRE_MAX
 *
 * The bytes count as sent once fetched: the TX work owns them and writes
 * them without the lock, however many attempts the tty needs.
 *
 * Return: the number of bytes, 0 if nothing is due or the link is dead.
 */
size_t ncmp_link_tx_fetch(struct ncmp_link *link, u8 *buf, size_t size)
{
	const u8 *data = NULL;
	size_t n = 0;

	spin_lock_bh(&link->lock);
	if (!link->dead) {
		n = min(ncmp_arq_tx_peek(link->arq, &data, ncmp_link_now()),
			size);
		if (n) {
			memcpy(buf, data, n);
			ncmp_arq_tx_consume(link->arq, n);
		}
		ncmp_link_sync(link);
	}
	spin_unlock_bh(&link->lock);
	return n;
}

/* The line rate changed; the ARQ derives its timeouts from it. */
void ncmp_link_set_baud(struct ncmp_link *link, u32 baud)
{
	struct ncmp_arq_params p;

	spin_lock_bh(&link->lock);
	p = link->params;
	p.baud = baud;
	if (!link->detached && !ncmp_arq_set_params(link->arq, &p)) {
		link->params = p;
		ncmp_link_sync(link);
	}
	spin_unlock_bh(&link->lock);
}

/* --- netlink-facing API ----------------------------------------------------- */

/**
 * ncmp_link_get() - find an attached link and take a reference
 * @index: N of /dev/ncmpN
 *
 * Return: the link, to be released with ncmp_link_put(), or NULL.
 */
struct ncmp_link *ncmp_link_get(u32 index)
{
	struct ncmp_link *link;

	xa_lock(&ncmp_links);
	link = xa_load(&ncmp_links, index);
	if (link)
		get_device(&link->dev);
	xa_unlock(&ncmp_links);
	return link;
}

/**
 * ncmp_link_get_next() - the attached link with the lowest index >= *@index
 * @index: where to start; set to the found link's index
 *
 * Iterate with ncmp_link_get_next(&i), then i + 1, until it returns NULL.
 *
 * Return: the link with a reference taken, or NULL if there is none.
 */
struct ncmp_link *ncmp_link_get_next(u32 *index)
{
	unsigned long i = *index;
	struct ncmp_link *link;

	xa_lock(&ncmp_links);
	link = xa_find(&ncmp_links, &i, U32_MAX, XA_PRESENT);
	if (link) {
		get_device(&link->dev);
		*index = i;
	}
	xa_unlock(&ncmp_links);
	return link;
}

void ncmp_link_put(struct ncmp_link *link)
{
	put_device(&link->dev);
}

static enum ncmp_link_state ncmp_link_state(struct ncmp_link *link,
					    enum ncmp_arq_state state)
{
	if (link->detached)
		return NCMP_LINK_DETACHED;

	switch (state) {
	case NCMP_ARQ_UP:
		return NCMP_LINK_UP;
	case NCMP_ARQ_FAILED:
		return NCMP_LINK_FAILED;
	default:
		return NCMP_LINK_SYNCING;
	}
}

/**
 * ncmp_link_get_info() - snapshot state, parameters and counters
 * @link: a link the caller holds a reference on (attached or not)
 * @info: output
 */
void ncmp_link_get_info(struct ncmp_link *link, struct ncmp_link_info *info)
{
	info->index = link->index;
	strscpy(info->tty_name, link->tty_name, sizeof(info->tty_name));

	spin_lock_bh(&link->lock);
	ncmp_arq_get_info(link->arq, &info->arq);
	info->state = ncmp_link_state(link, info->arq.state);
	info->params = link->params;
	info->stats = link->arq->stats;
	spin_unlock_bh(&link->lock);
}

/**
 * ncmp_link_set_params() - change MTU, window, timeouts and retries
 * @link: a link the caller holds a reference on
 * @params: the new values; @params->baud is ignored (it follows the tty)
 *
 * Return: 0; -EINVAL if a value is out of range (nothing changes then);
 * -ENODEV if the link has been detached.
 */
int ncmp_link_set_params(struct ncmp_link *link,
			 const struct ncmp_arq_params *params)
{
	struct ncmp_arq_params p = *params;
	int ret = -ENODEV;

	spin_lock_bh(&link->lock);
	if (!link->detached) {
		p.baud = link->params.baud;
		ret = ncmp_arq_set_params(link->arq, &p);
		if (!ret) {
			link->params = p;
			ncmp_link_sync(link);
		}
	}
	spin_unlock_bh(&link->lock);
	return ret;
}

/* --- life cycle ------------------------------------------------------------- */

static void ncmp_link_release(struct device *dev)
{
	struct ncmp_link *link = container_of(dev, struct ncmp_link, dev);

	ncmp_cdev_release_index(link);
	kfifo_free(&link->rx_fifo);
	kfree(link->write_buf);
	kfree(link->tx_buf);
	kvfree(link->arq);
	kfree(link);
}

/**
 * ncmp_link_create() - allocate a link for @tty, not yet visible
 * @tty: the tty being attached
 *
 * All memory the link will ever use is allocated here.
 *
 * Return: the link, holding the line discipline's reference, or an
 * ERR_PTR().
 */
struct ncmp_link *ncmp_link_create(struct tty_struct *tty)
{
	struct ncmp_link *link;
	u32 baud;
	int ret;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return ERR_PTR(-ENOMEM);

	device_initialize(&link->dev);
	link->dev.release = ncmp_link_release;

	strscpy(link->tty_name, tty_name(tty), sizeof(link->tty_name));
	link->tty = tty;
	init_rwsem(&link->lifetime);
	spin_lock_init(&link->lock);
	mutex_init(&link->read_mutex);
	mutex_init(&link->write_mutex);
	init_waitqueue_head(&link->rx_wait);
	init_waitqueue_head(&link->tx_wait);
	INIT_WORK(&link->tx_work, ncmp_ldisc_tx_work);
	INIT_WORK(&link->ev_work, ncmp_link_ev_work);
	timer_setup(&link->timer, ncmp_link_timer, 0);

	ret = -ENOMEM;
	link->arq = kvzalloc(sizeof(*link->arq), GFP_KERNEL);
	link->tx_buf = kmalloc(NCMP_WIRE_MAX, GFP_KERNEL);
	link->write_buf = kmalloc(NCMP_WRITE_BUF_SIZE, GFP_KERNEL);
	if (!link->arq || !link->tx_buf || !link->write_buf)
		goto err_put;
	ret = kfifo_alloc(&link->rx_fifo, NCMP_RX_FIFO_SIZE, GFP_KERNEL);
	if (ret)
		goto err_put;

	ncmp_arq_init(link->arq, &ncmp_link_arq_ops, link);
	ncmp_arq_params_default(&link->params);
	baud = tty_get_baud_rate(tty);
	if (baud)
		link->params.baud = baud;
	/* a rate the ARQ refuses leaves its defaults in force */
	if (ncmp_arq_set_params(link->arq, &link->params))
		ncmp_arq_params_default(&link->params);

	ret = ncmp_cdev_setup(link);
	if (ret)
		goto err_put;
	return link;

err_put:
	put_device(&link->dev);
	return ERR_PTR(ret);
}

/**
 * ncmp_link_start() - publish the link and start the handshake
 * @link: a link from ncmp_link_create()
 *
 * Return: 0, or a negative errno; the caller then drops its reference.
 */
int ncmp_link_start(struct ncmp_link *link)
{
	int ret;

	ret = xa_insert(&ncmp_links, link->index, link, GFP_KERNEL);
	if (ret)
		return ret;

	ret = ncmp_cdev_add(link);
	if (ret) {
		xa_erase(&ncmp_links, link->index);
		return ret;
	}

	spin_lock_bh(&link->lock);
	ncmp_link_queue_event(link, NCMP_EVENT_ATTACHED);
	ncmp_arq_start(link->arq, ncmp_link_now());
	ncmp_link_sync(link);
	spin_unlock_bh(&link->lock);

	dev_info(&link->dev, "attached to %s\n", link->tty_name);
	return 0;
}

/**
 * ncmp_link_detach() - take the link out of service
 * @link: the link
 *
 * Called from the line discipline's hangup and close, so it may run twice.
 * The order matters (hci_ldisc learnt it the hard way): first the gate,
 * so that nothing new is scheduled, then cancel what could re-arm (the
 * timer queues the TX work, the TX work re-arms the timer), then wake the
 * waiters, and only then remove the device. The memory stays until the
 * last reference goes.
 */
void ncmp_link_detach(struct ncmp_link *link)
{
	down_write(&link->lifetime);
	if (link->detached) {
		up_write(&link->lifetime);
		return;
	}

	/* No new lookups from netlink. */
	xa_erase(&ncmp_links, link->index);

	/*
	 * Best effort goodbye: if the link is up the ARQ queues an RST, which
	 * the TX work may still get out. A hung-up tty drops it, and the peer
	 * then notices through its retry limit.
	 */
	spin_lock_bh(&link->lock);
	link->detached = true;
	link->tx_lost = link->eos_pending || !ncmp_arq_tx_done(link->arq);
	ncmp_arq_shutdown(link->arq);
	ncmp_link_sync(link);
	spin_unlock_bh(&link->lock);
	flush_work(&link->tx_work);

	spin_lock_bh(&link->lock);
	WRITE_ONCE(link->dead, true);
	spin_unlock_bh(&link->lock);
	up_write(&link->lifetime);

	timer_shutdown_sync(&link->timer);
	cancel_work_sync(&link->tx_work);
	cancel_work_sync(&link->ev_work);
	clear_bit(TTY_DO_WRITE_WAKEUP, &link->tty->flags);

	wake_up_interruptible_all(&link->rx_wait);
	wake_up_interruptible_all(&link->tx_wait);

	ncmp_link_flush_events(link);
	blocking_notifier_call_chain(&ncmp_event_chain, NCMP_EVENT_DETACHED,
				     link);

	ncmp_cdev_del(link);
	dev_info(&link->dev, "detached from %s\n", link->tty_name);
}
