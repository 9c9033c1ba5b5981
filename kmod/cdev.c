// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp: /dev/ncmpN, a reliable full-duplex byte stream to the peer.
 *
 * The device may be detached while files are open (the pattern of
 * drivers/gnss/core.c): every file operation checks link->detached under
 * the link lock, open checks it under the lifetime rwsem, and the device's
 * refcount keeps the memory until the last file is closed. After detach,
 * read drains what arrived and then returns 0, write fails with -EIO, poll
 * reports EPOLLHUP.
 *
 * When the link fails (retry limit, peer reset) the files open at that
 * moment get -ETIMEDOUT or -ECONNRESET from every call; files opened later
 * use the new session.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "ncmp.h"

#define NCMP_MINORS	256

static DEFINE_IDA(ncmp_minors);
static dev_t ncmp_first;

/**
 * struct ncmp_file - one open /dev/ncmpN
 * @link: the link, referenced
 * @epoch: link->epoch at open; a different value means the session failed
 * @wrote: this file wrote data, so its close ends the stream
 */
struct ncmp_file {
	struct ncmp_link *link;
	u32 epoch;
	bool wrote;
};

/* The error the file's session ended with, or 0; lock held. */
static int ncmp_file_error(struct ncmp_file *nf)
{
	struct ncmp_link *link = nf->link;

	return nf->epoch == link->epoch ? 0 : link->error;
}

static int ncmp_cdev_open(struct inode *inode, struct file *file)
{
	struct ncmp_link *link = container_of(inode->i_cdev, struct ncmp_link,
					      cdev);
	struct ncmp_file *nf;
	int ret = 0;

	nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	if (!nf)
		return -ENOMEM;

	get_device(&link->dev);
	down_read(&link->lifetime);
	if (link->detached) {
		ret = -ENODEV;
	} else {
		spin_lock_bh(&link->lock);
		nf->epoch = link->epoch;
		spin_unlock_bh(&link->lock);
	}
	up_read(&link->lifetime);
	if (ret) {
		put_device(&link->dev);
		kfree(nf);
		return ret;
	}

	nf->link = link;
	file->private_data = nf;
	return stream_open(inode, file);
}

/* A writer's close ends its stream: the reader's read returns 0 once. */
static int ncmp_cdev_release(struct inode *inode, struct file *file)
{
	struct ncmp_file *nf = file->private_data;
	struct ncmp_link *link = nf->link;

	if (nf->wrote) {
		spin_lock_bh(&link->lock);
		if (!link->detached && !ncmp_file_error(nf)) {
			link->eos_pending++;
			ncmp_link_sync(link);
		}
		spin_unlock_bh(&link->lock);
	}
	put_device(&link->dev);
	kfree(nf);
	return 0;
}

/*
 * What a read can do now, with the lock held: a positive count of bytes to
 * copy, 0 for end of stream (an EOS mark, or detached and drained), a
 * negative errno, or -EAGAIN when it has to wait.
 */
static ssize_t ncmp_read_step(struct ncmp_file *nf, size_t count)
{
	struct ncmp_link *link = nf->link;
	u32 avail;
	int err;

	err = ncmp_file_error(nf);
	if (err)
		return err;

	/* Bytes of a failed session are not for the new one's readers. */
	if (link->rx_skip) {
		kfifo_skip_count(&link->rx_fifo, link->rx_stale - link->rx_out);
		link->rx_out = link->rx_stale;
		link->rx_skip = false;
	}

	avail = link->rx_in - link->rx_out;
	if (link->eos_count) {
		u32 to_mark = link->eos_pos[link->eos_head] - link->rx_out;

		if (!to_mark) {
			link->eos_head = (link->eos_head + 1) % NCMP_EOS_MARKS;
			link->eos_count--;
			return 0;
		}
		avail = min(avail, to_mark);
	}
	if (avail)
		return min_t(size_t, count, avail);
	return link->detached ? 0 : -EAGAIN;
}

static bool ncmp_read_ready(struct ncmp_file *nf)
{
	struct ncmp_link *link = nf->link;
	bool ready;

	spin_lock_bh(&link->lock);
	ready = link->detached || ncmp_file_error(nf) ||
		link->rx_in != link->rx_out || link->eos_count;
	spin_unlock_bh(&link->lock);
	return ready;
}

static ssize_t ncmp_cdev_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct ncmp_file *nf = file->private_data;
	struct ncmp_link *link = nf->link;
	unsigned int copied;
	ssize_t ret;

	if (!count)
		return 0;

	for (;;) {
		if (mutex_lock_interruptible(&link->read_mutex))
			return -ERESTARTSYS;
		spin_lock_bh(&link->lock);
		ret = ncmp_read_step(nf, count);
		spin_unlock_bh(&link->lock);
		if (ret != -EAGAIN)
			break;
		mutex_unlock(&link->read_mutex);

		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(link->rx_wait,
					     ncmp_read_ready(nf)))
			return -ERESTARTSYS;
	}
	if (ret <= 0)
		goto out;

	/*
	 * Only this reader (read_mutex) takes bytes out, and the RX path only
	 * adds, so the copy needs no lock; it may fault and sleep.
	 */
	if (kfifo_to_user(&link->rx_fifo, buf, ret, &copied)) {
		ret = -EFAULT;
		goto out;
	}
	ret = copied;

	spin_lock_bh(&link->lock);
	link->rx_out += copied;
	if (!link->detached && kfifo_avail(&link->rx_fifo) >= NCMP_MTU_MAX) {
		ncmp_arq_rx_ready(link->arq);
		ncmp_link_sync(link);
	}
	spin_unlock_bh(&link->lock);
out:
	mutex_unlock(&link->read_mutex);
	return ret;
}

/*
 * Queue as much of @data as the ARQ takes, with the lock held. Return the
 * bytes taken, 0 if there is no room now, or a negative errno.
 */
static ssize_t ncmp_write_step(struct ncmp_file *nf, const u8 *data,
			       size_t len)
{
	struct ncmp_link *link = nf->link;
	size_t n;
	int err;

	if (link->detached)
		return -EIO;
	err = ncmp_file_error(nf);
	if (err)
		return err;
	/* a closed writer's end-of-stream mark goes first */
	if (link->eos_pending)
		return 0;

	n = ncmp_arq_write(link->arq, data, len);
	if (n)
		ncmp_link_sync(link);
	return n;
}

static bool ncmp_write_ready(struct ncmp_file *nf)
{
	struct ncmp_link *link = nf->link;
	bool ready;

	spin_lock_bh(&link->lock);
	ready = link->detached || ncmp_file_error(nf) ||
		(!link->eos_pending && ncmp_arq_tx_room(link->arq));
	spin_unlock_bh(&link->lock);
	return ready;
}

static ssize_t ncmp_cdev_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct ncmp_file *nf = file->private_data;
	struct ncmp_link *link = nf->link;
	const u8 *chunk = link->write_buf;
	size_t chunk_left = 0;
	size_t done = 0;
	ssize_t ret = 0;

	if (!count)
		return 0;
	/* one writer at a time keeps each write() contiguous on the wire */
	if (file->f_flags & O_NONBLOCK) {
		if (!mutex_trylock(&link->write_mutex))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&link->write_mutex)) {
		return -ERESTARTSYS;
	}

	while (done < count) {
		if (!chunk_left) {
			chunk_left = min_t(size_t, count - done,
					   NCMP_WRITE_BUF_SIZE);
			chunk = link->write_buf;
			if (copy_from_user(link->write_buf, buf + done,
					   chunk_left)) {
				ret = -EFAULT;
				break;
			}
		}

		spin_lock_bh(&link->lock);
		ret = ncmp_write_step(nf, chunk, chunk_left);
		spin_unlock_bh(&link->lock);
		if (ret < 0)
			break;
		if (ret > 0) {
			nf->wrote = true;
			done += ret;
			chunk += ret;
			chunk_left -= ret;
			continue;
		}

		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (wait_event_interruptible(link->tx_wait,
					     ncmp_write_ready(nf))) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	mutex_unlock(&link->write_mutex);
	return done ? done : ret;
}

/*
 * fsync's verdict with the lock held: 0 once the peer has acknowledged
 * everything written, a negative errno, or -EAGAIN to keep waiting.
 */
static int ncmp_fsync_step(struct ncmp_file *nf)
{
	struct ncmp_link *link = nf->link;
	int err;

	err = ncmp_file_error(nf);
	if (err)
		return err;
	if (link->detached)
		return link->tx_lost ? -EIO : 0;
	if (link->eos_pending || !ncmp_arq_tx_done(link->arq))
		return -EAGAIN;
	return 0;
}

static bool ncmp_fsync_done(struct ncmp_file *nf, int *ret)
{
	struct ncmp_link *link = nf->link;

	spin_lock_bh(&link->lock);
	*ret = ncmp_fsync_step(nf);
	spin_unlock_bh(&link->lock);
	return *ret != -EAGAIN;
}

static int ncmp_cdev_fsync(struct file *file, loff_t start, loff_t end,
			   int datasync)
{
	struct ncmp_file *nf = file->private_data;
	int ret;

	if (wait_event_interruptible(nf->link->tx_wait,
				     ncmp_fsync_done(nf, &ret)))
		return -ERESTARTSYS;
	return ret;
}

static __poll_t ncmp_cdev_poll(struct file *file, poll_table *wait)
{
	struct ncmp_file *nf = file->private_data;
	struct ncmp_link *link = nf->link;
	__poll_t mask = 0;

	poll_wait(file, &link->rx_wait, wait);
	poll_wait(file, &link->tx_wait, wait);

	spin_lock_bh(&link->lock);
	if (ncmp_file_error(nf))
		mask |= EPOLLERR | EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;
	else if (link->detached)
		mask |= EPOLLHUP | EPOLLERR | EPOLLIN | EPOLLRDNORM;
	else if (!link->eos_pending && ncmp_arq_tx_room(link->arq))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (link->rx_in != link->rx_out || link->eos_count)
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock_bh(&link->lock);
	return mask;
}

static const struct file_operations ncmp_fops = {
	.owner		= THIS_MODULE,
	.open		= ncmp_cdev_open,
	.release	= ncmp_cdev_release,
	.read		= ncmp_cdev_read,
	.write		= ncmp_cdev_write,
	.fsync		= ncmp_cdev_fsync,
	.poll		= ncmp_cdev_poll,
};

/* --- the class -------------------------------------------------------------- */

static ssize_t tty_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct ncmp_link *link = container_of(dev, struct ncmp_link, dev);

	return sysfs_emit(buf, "%s\n", link->tty_name);
}
static DEVICE_ATTR_RO(tty);

static const char * const ncmp_state_names[] = {
	[NCMP_LINK_SYNCING]	= "syncing",
	[NCMP_LINK_UP]		= "up",
	[NCMP_LINK_FAILED]	= "failed",
	[NCMP_LINK_DETACHED]	= "detached",
};

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct ncmp_link *link = container_of(dev, struct ncmp_link, dev);
	struct ncmp_link_info info;

	ncmp_link_get_info(link, &info);
	return sysfs_emit(buf, "%s\n", ncmp_state_names[info.state]);
}
static DEVICE_ATTR_RO(state);

static struct attribute *ncmp_attrs[] = {
	&dev_attr_tty.attr,
	&dev_attr_state.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ncmp);

/* NCMP_TTY lets udev name the node after the tty: /dev/ncmp/by-tty/... */
static int ncmp_uevent(NCMP_CLASS_DEV *dev, struct kobj_uevent_env *env)
{
	const struct ncmp_link *link = container_of(dev, struct ncmp_link, dev);

	return add_uevent_var(env, "NCMP_TTY=%s", link->tty_name);
}

static struct class ncmp_class = {
	.name		= "ncmp",
	.dev_groups	= ncmp_groups,
	.dev_uevent	= ncmp_uevent,
};

/**
 * ncmp_cdev_setup() - give a new link its number and device identity
 * @link: a link whose struct device is initialized but not added
 *
 * Return: 0, or -ENOSPC when all NCMP_MINORS numbers are in use.
 */
int ncmp_cdev_setup(struct ncmp_link *link)
{
	int id;

	id = ida_alloc_max(&ncmp_minors, NCMP_MINORS - 1, GFP_KERNEL);
	if (id < 0)
		return id;

	link->index = id;
	link->dev.devt = MKDEV(MAJOR(ncmp_first), id);
	link->dev.class = &ncmp_class;
	dev_set_name(&link->dev, NCMP_DEV_PREFIX "%d", id);
	cdev_init(&link->cdev, &ncmp_fops);
	link->cdev.owner = THIS_MODULE;
	return 0;
}

/* Called from the device release: the number may be reused now. */
void ncmp_cdev_release_index(struct ncmp_link *link)
{
	if (link->dev.devt)
		ida_free(&ncmp_minors, MINOR(link->dev.devt));
}

/* Make /dev/ncmpN appear; it can be opened from this moment on. */
int ncmp_cdev_add(struct ncmp_link *link)
{
	return cdev_device_add(&link->cdev, &link->dev);
}

void ncmp_cdev_del(struct ncmp_link *link)
{
	cdev_device_del(&link->cdev, &link->dev);
}

int ncmp_cdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&ncmp_first, 0, NCMP_MINORS, "ncmp");
	if (ret) {
		pr_err("cannot allocate device numbers: %d\n", ret);
		return ret;
	}

	ret = class_register(&ncmp_class);
	if (ret) {
		pr_err("cannot register the device class: %d\n", ret);
		unregister_chrdev_region(ncmp_first, NCMP_MINORS);
	}
	return ret;
}

void ncmp_cdev_exit(void)
{
	class_unregister(&ncmp_class);
	unregister_chrdev_region(ncmp_first, NCMP_MINORS);
	ida_destroy(&ncmp_minors);
}
