// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp: the tty line discipline. Attaching it (TIOCSETD) creates a link and
 * its /dev/ncmpN; bytes from the tty go to the link, and one TX work item
 * writes the link's bytes to the tty.
 *
 * The tty core serialises open and close against receive_buf and
 * write_wakeup (ldisc_sem), but not against our own timer and works, which
 * ncmp_link_detach() stops. write_wakeup may run in hard-IRQ context with
 * the UART's port lock held, so it takes no lock and only queues the work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "ncmp.h"

/* Bytes the tty core may hand to receive_buf at once. */
#define NCMP_RECEIVE_ROOM	65536

/**
 * ncmp_ldisc_tx_work() - write the link's bytes to the tty
 * @work: the link's tx_work
 *
 * The only caller of tty->ops->write(). The bytes are copied out of the
 * ARQ under its lock and written without it: a UART driver takes its port
 * lock in write(), the same lock it holds when it calls write_wakeup. A
 * short write keeps the rest in tx_buf until write_wakeup queues the work
 * again (or the ARQ's timer does, on a tty that never wakes us).
 */
void ncmp_ldisc_tx_work(struct work_struct *work)
{
	struct ncmp_link *link = container_of(work, struct ncmp_link, tx_work);
	struct tty_struct *tty = link->tty;
	ssize_t n;

	for (;;) {
		if (READ_ONCE(link->dead))
			return;

		if (link->tx_pos == link->tx_len) {
			link->tx_pos = 0;
			link->tx_len = ncmp_link_tx_fetch(link, link->tx_buf,
							  NCMP_WIRE_MAX);
			if (!link->tx_len) {
				clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
				return;
			}
		}

		/* Ask for the wakeup before writing, or it could be missed. */
		set_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
		n = tty->ops->write(tty, link->tx_buf + link->tx_pos,
				    link->tx_len - link->tx_pos);
		if (n < 0) {
			/* the ARQ sends again what the peer does not ack */
			dev_err_ratelimited(&link->dev, "write to %s: %zd\n",
					    link->tty_name, n);
			link->tx_pos = link->tx_len;
			return;
		}
		if (!n)
			return;
		link->tx_pos += n;
	}
}

static int ncmp_ldisc_open(struct tty_struct *tty)
{
	struct ncmp_link *link;
	int ret;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	/* the link has to send; a tty without write() cannot carry it */
	if (!tty->ops->write)
		return -EOPNOTSUPP;

	link = ncmp_link_create(tty);
	if (IS_ERR(link))
		return PTR_ERR(link);

	tty->disc_data = link;
	tty->receive_room = NCMP_RECEIVE_ROOM;
	tty_driver_flush_buffer(tty);

	ret = ncmp_link_start(link);
	if (ret) {
		tty->disc_data = NULL;
		ncmp_link_put(link);
	}
	return ret;
}

static void ncmp_ldisc_close(struct tty_struct *tty)
{
	struct ncmp_link *link = tty->disc_data;

	ncmp_link_detach(link);
	/*
	 * After a hangup, write_wakeup may have queued the TX work again
	 * before the core took ldisc_sem for this close; it must not run once
	 * the tty is ours no more.
	 */
	cancel_work_sync(&link->tx_work);
	clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	link->tty = NULL;
	tty->disc_data = NULL;
	ncmp_link_put(link);
}

/* The tty is going away; close follows, but open files learn it now. */
static void ncmp_ldisc_hangup(struct tty_struct *tty)
{
	ncmp_link_detach(tty->disc_data);
}

void ncmp_ldisc_rx(struct tty_struct *tty, const u8 *cp, const u8 *fp,
		   size_t count)
{
	ncmp_link_rx(tty->disc_data, cp, fp, count);
}

static void ncmp_ldisc_write_wakeup(struct tty_struct *tty)
{
	struct ncmp_link *link = tty->disc_data;

	schedule_work(&link->tx_work);
}

static void ncmp_ldisc_set_termios(struct tty_struct *tty,
				   const struct ktermios *old)
{
	u32 baud = tty_get_baud_rate(tty);

	/* B0 means hang up the modem, not a line rate */
	if (baud)
		ncmp_link_set_baud(tty->disc_data, baud);
}

static int ncmp_ldisc_ioctl(struct tty_struct *tty, unsigned int cmd,
			    unsigned long arg)
{
	struct ncmp_link *link = tty->disc_data;

	switch (cmd) {
	case NCMPIOC_GETINDEX:
		return put_user(link->index, (u32 __user *)arg);
	default:
		return n_tty_ioctl_helper(tty, cmd, arg);
	}
}

static struct tty_ldisc_ops ncmp_ldisc = {
	.owner		= THIS_MODULE,
	.name		= "ncmp",
	.open		= ncmp_ldisc_open,
	.close		= ncmp_ldisc_close,
	.hangup		= ncmp_ldisc_hangup,
	.ioctl		= ncmp_ldisc_ioctl,
	.set_termios	= ncmp_ldisc_set_termios,
	.receive_buf	= ncmp_ldisc_receive_buf,
	.write_wakeup	= ncmp_ldisc_write_wakeup,
};

/*
 * The tty core does not refuse a number that another module holds; it
 * overwrites the slot. The ldisc parameter moves ncmp out of the way.
 */
int ncmp_ldisc_register(int num)
{
	ncmp_ldisc.num = num;
	return tty_register_ldisc(&ncmp_ldisc);
}

void ncmp_ldisc_unregister(void)
{
	tty_unregister_ldisc(&ncmp_ldisc);
}
