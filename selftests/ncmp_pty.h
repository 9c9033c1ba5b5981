/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ncmp selftests that run on pseudo-terminals: open a
 * pty pair, attach ncmp to one end, find the /dev/ncmpN it created; join two
 * ncmp links through a "wire" thread that can cut the line or damage bytes;
 * move a verifiable pseudo-random byte stream through them.
 *
 * Functions return a negative errno on failure so that tests can report
 * the exact reason with TH_LOG.
 */
#ifndef NCMP_SELFTEST_PTY_H
#define NCMP_SELFTEST_PTY_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Whether the ncmp line discipline can be attached at all (module loaded). */
static inline bool ncmp_available(void)
{
	struct pty_pair p;
	int disc = N_NCMP;
	bool ok;

	if (pty_pair_open(&p))
		return false;
	ok = ioctl(p.slave, TIOCSETD, &disc) == 0;
	pty_pair_close(&p);
	return ok;
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

/* Poll the sysfs state of ncmpN until it reads @want, for up to @ms. */
static inline int ncmp_wait_state(int index, const char *want, int ms)
{
	char buf[32];
	int t;

	for (t = 0; t <= ms; t += 10) {
		if (!ncmp_sysfs_read(index, "state", buf, sizeof(buf)) &&
		    !strcmp(buf, want))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Set the line rate the link derives its timeouts from. */
static inline int tty_set_speed(int fd, speed_t speed)
{
	struct termios t;

	if (tcgetattr(fd, &t) || cfsetspeed(&t, speed) ||
	    tcsetattr(fd, TCSANOW, &t))
		return -errno;
	return 0;
}

/*
 * The wire: ncmp on the slaves of two pty pairs, and a thread that copies
 * bytes between the two masters. Faults are applied to every byte crossing
 * in either direction.
 */
struct ncmp_wire {
	struct pty_pair a;
	struct pty_pair b;
	int ia;			/* N of the /dev/ncmpN on a.slave */
	int ib;			/* and on b.slave */
	int stop[2];		/* a byte in this pipe ends the thread */
	pthread_t thread;
	atomic_bool cut;	/* drop every byte */
	atomic_uint flip_every;	/* invert a bit in every Nth byte; 0: never */
	atomic_uint drop_every;	/* drop every Nth byte; 0: never */
	unsigned long long crossed;	/* bytes seen by the wire */
};

/* Apply the faults to @n bytes at @buf; return how many remain. */
static inline size_t ncmp_wire_damage(struct ncmp_wire *w, uint8_t *buf,
				      size_t n)
{
	unsigned int flip = atomic_load(&w->flip_every);
	unsigned int drop = atomic_load(&w->drop_every);
	size_t i, out = 0;

	if (atomic_load(&w->cut)) {
		w->crossed += n;
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned long long k = ++w->crossed;

		if (drop && k % drop == 0)
			continue;
		buf[out] = buf[i];
		if (flip && k % flip == 0)
			buf[out] ^= 1 << (k / flip % 8);
		out++;
	}
	return out;
}

static inline int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		n -= r;
	}
	return 0;
}

static inline void *ncmp_wire_run(void *arg)
{
	struct ncmp_wire *w = arg;
	struct pollfd pfd[3] = {
		{ .fd = w->a.master, .events = POLLIN },
		{ .fd = w->b.master, .events = POLLIN },
		{ .fd = w->stop[0], .events = POLLIN },
	};
	uint8_t buf[4096];

	for (;;) {
		int i;

		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			return NULL;
		if (pfd[2].revents)
			return NULL;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0)
				continue;
			n = ncmp_wire_damage(w, buf, n);
			if (write_all(pfd[!i].fd, buf, n))
				return NULL;
		}
		/* a hung-up master reports POLLHUP for good: stop looking */
		for (i = 0; i < 2; i++)
			if (pfd[i].revents & (POLLHUP | POLLERR))
				pfd[i].fd = -1;
	}
}

static inline int ncmp_wire_open(struct ncmp_wire *w)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->a.master = w->a.slave = w->b.master = w->b.slave = -1;
	w->stop[0] = w->stop[1] = -1;
	err = pty_pair_open(&w->a);
	if (!err)
		err = pty_pair_open(&w->b);
	if (!err)
		err = tty_make_raw(w->a.master);
	if (!err)
		err = tty_make_raw(w->b.master);
	if (err)
		return err;
	w->ia = ncmp_attach(w->a.slave);
	if (w->ia < 0)
		return w->ia;
	w->ib = ncmp_attach(w->b.slave);
	if (w->ib < 0)
		return w->ib;
	/* a fast line rate keeps retransmission timeouts short */
	err = tty_set_speed(w->a.slave, B4000000);
	if (!err)
		err = tty_set_speed(w->b.slave, B4000000);
	if (err)
		return err;
	if (pipe(w->stop))
		return -errno;
	err = pthread_create(&w->thread, NULL, ncmp_wire_run, w);
	if (err) {
		close(w->stop[0]);
		close(w->stop[1]);
		w->stop[0] = w->stop[1] = -1;
		return -err;
	}
	return 0;
}

static inline void ncmp_wire_close(struct ncmp_wire *w)
{
	if (w->stop[1] >= 0) {
		if (write(w->stop[1], "", 1) == 1)
			pthread_join(w->thread, NULL);
		close(w->stop[0]);
		close(w->stop[1]);
	}
	pty_pair_close(&w->a);
	pty_pair_close(&w->b);
}

/*
 * A verifiable stream: byte @pos of stream @seed. Writers and readers
 * agree on it without sharing memory.
 */
static inline uint8_t stream_byte(uint64_t seed, uint64_t pos)
{
	uint64_t x = seed + (pos >> 3) * 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x >> (pos & 7) * 8;
}

/**
 * struct xfer - one side of a stream transfer, run in a thread
 * @fd: the open /dev/ncmpN
 * @seed: which stream
 * @len: bytes to write, or to read and check
 * @done: bytes written, or read and found correct
 * @err: errno of the call that failed, 0 if none
 * @bad: the stream differed at byte @done
 * @eof: read returned 0 before @len bytes
 */
struct xfer {
	int fd;
	uint64_t seed;
	size_t len;
	size_t done;
	int err;
	bool bad;
	bool eof;
};

/* Write the stream in chunks of varying size, as applications do. */
static inline void *xfer_write(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[8192];

	while (x->done < x->len) {
		size_t n = 1 + (x->done * 7919 + x->seed) % sizeof(buf);
		size_t i;
		ssize_t r;

		if (n > x->len - x->done)
			n = x->len - x->done;
		for (i = 0; i < n; i++)
			buf[i] = stream_byte(x->seed, x->done + i);
		r = write(x->fd, buf, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			x->err = errno;
			break;
		}
		x->done += r;
	}
	return NULL;
}

static inline void *xfer_read(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[5000];

	while (x->done < x->len) {
		size_t want = x->len - x->done;
		ssize_t r, i;

		r = read(x->fd, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			x->err = errno;
			break;
		}
		if (r == 0) {
			x->eof = true;
			break;
		}
		for (i = 0; i < r; i++) {
			if (buf[i] != stream_byte(x->seed, x->done)) {
				x->bad = true;
				return NULL;
			}
			x->done++;
		}
	}
	return NULL;
}

#endif /* NCMP_SELFTEST_PTY_H */
