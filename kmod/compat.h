/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels ncmp builds on (6.1 .. newest) lives
 * here, so no other file needs a version test.
 */
#ifndef NCMP_COMPAT_H
#define NCMP_COMPAT_H

#include <linux/device.h>
#include <linux/kfifo.h>
#include <linux/timer.h>
#include <linux/tty.h>
#include <linux/version.h>

/* Defined in ldisc.c: the version-independent receive path. */
void ncmp_ldisc_rx(struct tty_struct *tty, const u8 *cp, const u8 *fp,
		   size_t count);

/*
 * receive_buf: 6.6 turned the flag pointer into const u8 * and the count
 * into size_t. Flag values are small, so reading them as u8 is exact.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
static inline void ncmp_ldisc_receive_buf(struct tty_struct *tty,
					  const u8 *cp, const u8 *fp,
					  size_t count)
{
	ncmp_ldisc_rx(tty, cp, fp, count);
}
#else
static inline void ncmp_ldisc_receive_buf(struct tty_struct *tty,
					  const unsigned char *cp,
					  const char *fp, int count)
{
	ncmp_ldisc_rx(tty, cp, (const u8 *)fp, count);
}
#endif /* receive_buf types */

/* struct class callbacks take a const device since 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define NCMP_CLASS_DEV const struct device
#else
#define NCMP_CLASS_DEV struct device
#endif /* const class callbacks */

/* from_timer() was renamed in 6.16. */
#ifndef timer_container_of
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

/*
 * timer_shutdown_sync() and timer_delete() came with 6.2 and 6.1.84; on an
 * older 6.1 the weaker del_timer_sync() is enough because every mod_timer()
 * in ncmp checks the link's detached flag under the link lock first.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 84)
#define timer_shutdown_sync(t) del_timer_sync(t)
#define timer_delete(t) del_timer(t)
#endif

/* kfifo_skip_count() came with 6.10; ncmp only skips in byte fifos. */
#ifndef kfifo_skip_count
#define kfifo_skip_count(fifo, count) ((fifo)->kfifo.out += (count))
#endif

#endif /* NCMP_COMPAT_H */
