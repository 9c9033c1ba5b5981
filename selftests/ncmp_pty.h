/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ncmp selftests that run on pseudo-terminals: open a
 * pty pair, attach ncmp to one end, find the /dev/ncmpN it created.
 *
 * Functions return a negative errno on failure so that tests can report
 * the exact reason with TH_LOG.
 */
#ifndef NCMP_SELFTEST_PTY_H
#define NCMP_SELFTEST_PTY_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <linux/ncmp.h>

/* The module under test, as the VM's init loads it. */
#define NCMP_KO_PATH "/lib/modules/ncmp.ko"

struct pty_pair {
	int master;
	int slave;
	int index;	/* N of /dev/pts/N */
};

static inline int pty_pair_open(struct pty_pair *p)
{
	char name[64];
	int err;

	p->slave = -1;
	p->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (p->master < 0)
		return -errno;
	if (grantpt(p->master) || unlockpt(p->master) ||
	    ioctl(p->master, TIOCGPTN, &p->index) ||
	    ptsname_r(p->master, name, sizeof(name)))
		goto err;
	p->slave = open(name, O_RDWR | O_NOCTTY);
	if (p->slave < 0)
		goto err;
	return 0;
err:
	err = -errno;
	close(p->master);
	p->master = -1;
	return err;
}

static inline void pty_pair_close(struct pty_pair *p)
{
	if (p->slave >= 0)
		close(p->slave);
	if (p->master >= 0)
		close(p->master);
	p->slave = -1;
	p->master = -1;
}

/* Put @fd into raw mode: the pty must pass every byte unchanged. */
static inline int tty_make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -errno;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t))
		return -errno;
	return 0;
}

/* Attach ncmp to the tty behind @fd and return N of /dev/ncmpN. */
static inline int ncmp_attach(int fd)
{
	int disc = N_NCMP;
	__u32 index;
	int err;

	err = tty_make_raw(fd);
	if (err)
		return err;
	if (ioctl(fd, TIOCSETD, &disc))
		return -errno;
	if (ioctl(fd, NCMPIOC_GETINDEX, &index))
		return -errno;
	return index;
}

static inline int ncmp_detach(int fd)
{
	int disc = N_TTY;

	return ioctl(fd, TIOCSETD, &disc) ? -errno : 0;
}

static inline void ncmp_dev_path(char *buf, size_t len, int index)
{
	snprintf(buf, len, "/dev/" NCMP_DEV_PREFIX "%d", index);
}

/* Open /dev/ncmpN with extra open(2) @flags. */
static inline int ncmp_open(int index, int flags)
{
	char path[64];
	int fd;

	ncmp_dev_path(path, sizeof(path), index);
	fd = open(path, O_RDWR | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

/* 1 if /dev/ncmpN is a character device, 0 if it is absent. */
static inline int ncmp_dev_exists(int index)
{
	char path[64];
	struct stat st;

	ncmp_dev_path(path, sizeof(path), index);
	if (stat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	return S_ISCHR(st.st_mode) ? 1 : -EINVAL;
}

/* Read sysfs attribute @attr of ncmpN into @buf, without the newline. */
static inline int ncmp_sysfs_read(int index, const char *attr, char *buf,
				  size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/ncmp/" NCMP_DEV_PREFIX "%d/%s",
		 index, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

#endif /* NCMP_SELFTEST_PTY_H */
