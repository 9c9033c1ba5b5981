// SPDX-License-Identifier: GPL-2.0
/*
 * The ncmp protocol between two links on pseudo-terminals: handshake,
 * ordered delivery in both directions at once (also over a line that
 * damages or loses bytes), O_NONBLOCK and poll, fsync, end of stream, two
 * links side by side, and what open files see when the tty is detached or
 * hung up, the line is cut or the peer resets.
 */

#include <sys/wait.h>

#include "ncmp_harness.h"
#include "ncmp_pty.h"

/* Generous: the VM is emulated and shares its CPU with the host. */
#define LINK_UP_MS	20000

FIXTURE(wire) {
	struct ncmp_wire w;
	int fa;		/* /dev/ncmpN on a.slave, opened */
	int fb;		/* and on b.slave */
};

FIXTURE_SETUP(wire)
{
	int err;

	self->fa = self->fb = -1;
	self->w.stop[1] = -1;
	self->w.a.master = self->w.a.slave = -1;
	self->w.b.master = self->w.b.slave = -1;
	if (!ncmp_available())
		SKIP(return, "line discipline %d is not registered", N_NCMP);

	err = ncmp_wire_open(&self->w);
	ASSERT_EQ(0, err) TH_LOG("wire: %s", strerror(-err));
	ASSERT_EQ(0, ncmp_wait_state(self->w.ia, "up", LINK_UP_MS));
	ASSERT_EQ(0, ncmp_wait_state(self->w.ib, "up", LINK_UP_MS));
	self->fa = ncmp_open(self->w.ia, 0);
	self->fb = ncmp_open(self->w.ib, 0);
	ASSERT_LE(0, self->fa);
	ASSERT_LE(0, self->fb);
}

FIXTURE_TEARDOWN(wire)
{
	if (self->fa >= 0)
		close(self->fa);
	if (self->fb >= 0)
		close(self->fb);
	ncmp_wire_close(&self->w);
}

/* Run a writer on @wfd and a checking reader on @rfd for @len bytes. */
static void transfer(struct __test_metadata *_metadata, struct xfer *w,
		     struct xfer *r, pthread_t *tw, pthread_t *tr)
{
	ASSERT_EQ(0, pthread_create(tw, NULL, xfer_write, w));
	ASSERT_EQ(0, pthread_create(tr, NULL, xfer_read, r));
}

static void expect_complete(struct __test_metadata *_metadata,
			    const struct xfer *w, const struct xfer *r)
{
	EXPECT_EQ(0, w->err) TH_LOG("write: %s", strerror(w->err));
	EXPECT_EQ(w->len, w->done);
	EXPECT_EQ(0, r->err) TH_LOG("read: %s", strerror(r->err));
	EXPECT_FALSE(r->bad) TH_LOG("stream differs at byte %zu", r->done);
	EXPECT_FALSE(r->eof) TH_LOG("early end of stream at %zu", r->done);
	EXPECT_EQ(r->len, r->done);
}

/* Both directions at once, @len bytes each, both verified. */
static void duplex(struct __test_metadata *_metadata, int fa, int fb,
		   size_t len)
{
	struct xfer wa = { .fd = fa, .seed = 1, .len = len };
	struct xfer rb = { .fd = fb, .seed = 1, .len = len };
	struct xfer wb = { .fd = fb, .seed = 2, .len = len };
	struct xfer ra = { .fd = fa, .seed = 2, .len = len };
	pthread_t t[4];

	transfer(_metadata, &wa, &rb, &t[0], &t[1]);
	transfer(_metadata, &wb, &ra, &t[2], &t[3]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	expect_complete(_metadata, &wa, &rb);
	expect_complete(_metadata, &wb, &ra);
}

TEST(handshake_needs_both_ends)
{
	struct pty_pair p;
	int im, is;

	if (!ncmp_available())
		SKIP(return, "line discipline %d is not registered", N_NCMP);
	ASSERT_EQ(0, pty_pair_open(&p));
	im = ncmp_attach(p.master);
	ASSERT_LE(0, im);
	/* alone, the link keeps looking for its peer */
	usleep(200000);
	EXPECT_EQ(0, ncmp_wait_state(im, "syncing", 0));
	is = ncmp_attach(p.slave);
	ASSERT_LE(0, is);
	EXPECT_EQ(0, ncmp_wait_state(im, "up", LINK_UP_MS));
	EXPECT_EQ(0, ncmp_wait_state(is, "up", LINK_UP_MS));
	pty_pair_close(&p);
}

TEST(data_written_before_the_peer_attaches_is_delivered)
{
	struct xfer w = { .seed = 8, .len = 5000 };
	struct xfer r = { .seed = 8, .len = 5000 };
	struct pty_pair p;
	int im, is;
	uint8_t c;

	if (!ncmp_available())
		SKIP(return, "line discipline %d is not registered", N_NCMP);
	ASSERT_EQ(0, pty_pair_open(&p));
	im = ncmp_attach(p.master);
	ASSERT_LE(0, im);
	w.fd = ncmp_open(im, 0);
	ASSERT_LE(0, w.fd);
	xfer_write(&w);
	EXPECT_EQ(5000u, w.done);
	close(w.fd);

	is = ncmp_attach(p.slave);
	ASSERT_LE(0, is);
	r.fd = ncmp_open(is, 0);
	ASSERT_LE(0, r.fd);
	xfer_read(&r);
	EXPECT_EQ(5000u, r.done);
	EXPECT_FALSE(r.bad);
	EXPECT_EQ(0, read(r.fd, &c, 1));
	close(r.fd);
	pty_pair_close(&p);
}

TEST_F_TIMEOUT(wire, both_directions_at_once_arrive_in_order, 120)
{
	duplex(_metadata, self->fa, self->fb, 512 * 1024);
	EXPECT_EQ(0, fsync(self->fa));
	EXPECT_EQ(0, fsync(self->fb));
}

/*
 * About one byte in 10,000 damaged, as on a long noisy wire: a 1 KiB frame
 * is hit one time in ten, so the retry limit is never the issue.
 */
TEST_F_TIMEOUT(wire, damaged_bytes_are_repaired, 120)
{
	atomic_store(&self->w.flip_every, 10007);
	duplex(_metadata, self->fa, self->fb, 256 * 1024);
	/* dozens of bytes were damaged on the way */
	EXPECT_LT(20 * 10007ULL, self->w.crossed);
}

TEST_F_TIMEOUT(wire, lost_bytes_are_repaired, 120)
{
	atomic_store(&self->w.drop_every, 10009);
	duplex(_metadata, self->fa, self->fb, 256 * 1024);
	EXPECT_LT(20 * 10009ULL, self->w.crossed);
}

TEST_F_TIMEOUT(wire, nonblocking_io_and_poll, 120)
{
	struct pollfd pa = { .fd = self->fa, .events = POLLOUT };
	struct pollfd pb = { .fd = self->fb, .events = POLLIN };
	struct xfer r = { .seed = 3 };
	uint8_t buf[4096];
	size_t total = 0;
	int fa, fb, i;
	ssize_t n;

	fa = ncmp_open(self->w.ia, O_NONBLOCK);
	fb = ncmp_open(self->w.ib, O_NONBLOCK);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);

	/* nothing to read yet */
	EXPECT_EQ(-1, read(fb, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll(&pb, 1, 0));
	EXPECT_EQ(1, poll(&pa, 1, 0));
	EXPECT_TRUE(pa.revents & POLLOUT);

	/* a short message wakes the reader's poll */
	EXPECT_EQ(5, write(fa, "hello", 5));
	EXPECT_EQ(1, poll(&pb, 1, 10000));
	EXPECT_TRUE(pb.revents & POLLIN);
	EXPECT_EQ(5, read(fb, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/*
	 * Nobody reads: the peer's buffer fills, then our TX buffer, then
	 * write says EAGAIN and poll no longer reports POLLOUT.
	 */
	for (;;) {
		for (i = 0; i < (int)sizeof(buf); i++)
			buf[i] = stream_byte(r.seed, total + i);
		n = write(fa, buf, sizeof(buf));
		if (n > 0) {
			total += n;
			continue;
		}
		ASSERT_EQ(-1, n);
		ASSERT_EQ(EAGAIN, errno);
		/* room may come back as acknowledgments arrive */
		if (poll(&pa, 1, 2000) == 0)
			break;
		ASSERT_LT(total, 1024 * 1024u) TH_LOG("TX is not bounded");
	}
	TH_LOG("queued %zu bytes before EAGAIN", total);
	EXPECT_LE(64 * 1024u, total);
	EXPECT_GT(256 * 1024u, total);

	/* reading it all makes room again */
	r.fd = self->fb;
	r.len = total;
	xfer_read(&r);
	EXPECT_EQ(0, r.err);
	EXPECT_FALSE(r.bad);
	EXPECT_EQ(total, r.done);
	EXPECT_EQ(1, poll(&pa, 1, 10000));
	EXPECT_TRUE(pa.revents & POLLOUT);
	close(fa);
	close(fb);
}

struct fsync_call {
	int fd;
	atomic_bool returned;
	int ret;
	int err;
};

static void *do_fsync(void *arg)
{
	struct fsync_call *c = arg;

	c->ret = fsync(c->fd);
	c->err = errno;
	atomic_store(&c->returned, true);
	return NULL;
}

TEST_F_TIMEOUT(wire, fsync_returns_once_the_peer_acknowledged, 60)
{
	struct fsync_call c = { .fd = self->fa };
	struct xfer r = { .seed = 4, .len = 3000 };
	struct xfer w = { .fd = self->fa, .seed = 4, .len = 3000 };
	pthread_t t;
	int fb;

	atomic_store(&self->w.cut, true);
	xfer_write(&w);
	ASSERT_EQ(3000u, w.done);
	ASSERT_EQ(0, pthread_create(&t, NULL, do_fsync, &c));
	/* the line is cut: no acknowledgment can come */
	usleep(300000);
	EXPECT_FALSE(atomic_load(&c.returned));
	atomic_store(&self->w.cut, false);
	pthread_join(t, NULL);
	EXPECT_EQ(0, c.ret) TH_LOG("fsync: %s", strerror(c.err));

	/* acknowledged means already in the peer's buffer */
	fb = ncmp_open(self->w.ib, O_NONBLOCK);
	ASSERT_LE(0, fb);
	r.fd = fb;
	xfer_read(&r);
	EXPECT_EQ(0, r.err) TH_LOG("read: %s", strerror(r.err));
	EXPECT_FALSE(r.bad);
	EXPECT_EQ(3000u, r.done);
	close(fb);
}

TEST_F_TIMEOUT(wire, writer_close_ends_the_stream_once, 60)
{
	struct xfer r = { .fd = self->fb, .seed = 5, .len = 10000 };
	uint8_t c;

	for (int round = 0; round < 2; round++) {
		struct xfer w = { .seed = 5, .len = 10000 };

		w.fd = ncmp_open(self->w.ia, 0);
		ASSERT_LE(0, w.fd);
		xfer_write(&w);
		ASSERT_EQ(10000u, w.done);
		close(w.fd);

		r.done = 0;
		xfer_read(&r);
		EXPECT_EQ(10000u, r.done);
		EXPECT_FALSE(r.bad);
		EXPECT_EQ(0, read(self->fb, &c, 1)) TH_LOG("round %d", round);
	}
	/* the mark is consumed: the next stream follows */
	EXPECT_EQ(1, write(self->fa, "z", 1));
	EXPECT_EQ(1, read(self->fb, &c, 1));
	EXPECT_EQ('z', c);
}

/* A closed reader-only file sends no end-of-stream mark. */
TEST_F_TIMEOUT(wire, reader_close_sends_no_mark, 60)
{
	uint8_t c;
	int fa;

	fa = ncmp_open(self->w.ia, 0);
	ASSERT_LE(0, fa);
	close(fa);
	EXPECT_EQ(1, write(self->fa, "y", 1));
	EXPECT_EQ(1, read(self->fb, &c, 1));
	EXPECT_EQ('y', c);
}

TEST_F_TIMEOUT(wire, two_links_carry_independent_streams, 120)
{
	struct ncmp_wire w2;
	int fa2, fb2, err;
	pid_t pid;
	int status;

	err = ncmp_wire_open(&w2);
	ASSERT_EQ(0, err) TH_LOG("second wire: %s", strerror(-err));
	ASSERT_EQ(0, ncmp_wait_state(w2.ia, "up", LINK_UP_MS));
	ASSERT_EQ(0, ncmp_wait_state(w2.ib, "up", LINK_UP_MS));
	fa2 = ncmp_open(w2.ia, 0);
	fb2 = ncmp_open(w2.ib, 0);
	ASSERT_LE(0, fa2);
	ASSERT_LE(0, fb2);

	/* the second pair moves its streams in a child, at the same time */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		duplex(_metadata, fa2, fb2, 128 * 1024);
		_exit(_metadata->exit_code ? 1 : 0);
	}
	duplex(_metadata, self->fa, self->fb, 128 * 1024);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	close(fa2);
	close(fb2);
	ncmp_wire_close(&w2);
}

struct blocked {
	int fd;
	atomic_bool returned;
	ssize_t ret;
	int err;
};

static void *block_read(void *arg)
{
	struct blocked *b = arg;
	uint8_t buf[64];

	b->ret = read(b->fd, buf, sizeof(buf));
	b->err = errno;
	atomic_store(&b->returned, true);
	return NULL;
}

/* Write until a call fails; ret is that call's result. */
static void *block_write(void *arg)
{
	struct blocked *b = arg;
	static uint8_t buf[64 * 1024];

	do
		b->ret = write(b->fd, buf, sizeof(buf));
	while (b->ret > 0);
	b->err = errno;
	atomic_store(&b->returned, true);
	return NULL;
}

/*
 * A reader waits on A for data that never comes, a writer on A for room
 * that never comes (B does not read); then @end takes A's tty away.
 */
static void blocked_then(struct __test_metadata *_metadata,
			 FIXTURE_DATA(wire) *self, void (*end)(int fd))
{
	struct blocked r = { .fd = self->fa }, w = { .fd = self->fa };
	pthread_t tr, tw;
	uint8_t c;

	ASSERT_EQ(0, pthread_create(&tr, NULL, block_read, &r));
	ASSERT_EQ(0, pthread_create(&tw, NULL, block_write, &w));
	usleep(500000);
	EXPECT_FALSE(atomic_load(&r.returned));
	EXPECT_FALSE(atomic_load(&w.returned));

	end(self->w.a.slave);
	pthread_join(tr, NULL);
	pthread_join(tw, NULL);
	EXPECT_EQ(0, r.ret) TH_LOG("read: %zd (%s)", r.ret, strerror(r.err));
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(EIO, w.err) TH_LOG("write: %s", strerror(w.err));
	EXPECT_EQ(0, ncmp_dev_exists(self->w.ia));
	/* and so it stays */
	EXPECT_EQ(0, read(self->fa, &c, 1));
	EXPECT_EQ(-1, write(self->fa, "x", 1));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, fsync(self->fa));
	EXPECT_EQ(EIO, errno);
}

static void end_detach(int fd)
{
	ncmp_detach(fd);
}

static void end_hangup(int fd)
{
	ioctl(fd, TIOCVHANGUP);
}

TEST_F_TIMEOUT(wire, detach_wakes_blocked_reader_and_writer, 60)
{
	blocked_then(_metadata, self, end_detach);
}

TEST_F_TIMEOUT(wire, hangup_wakes_blocked_reader_and_writer, 60)
{
	blocked_then(_metadata, self, end_hangup);
}

/*
 * Take the tty away in the middle of traffic in both directions: every
 * call returns, with the errors the end of the link allows, and the
 * kernel stays quiet (the VM runner checks its log).
 */
static void traffic_then(struct __test_metadata *_metadata,
			 void (*end)(int fd), unsigned int delay_us)
{
	struct ncmp_wire w;
	struct xfer x[4];
	pthread_t t[4];
	int fa, fb, i;

	ASSERT_EQ(0, ncmp_wire_open(&w));
	ASSERT_EQ(0, ncmp_wait_state(w.ia, "up", LINK_UP_MS));
	ASSERT_EQ(0, ncmp_wait_state(w.ib, "up", LINK_UP_MS));
	fa = ncmp_open(w.ia, 0);
	fb = ncmp_open(w.ib, 0);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);

	memset(x, 0, sizeof(x));
	for (i = 0; i < 4; i++) {
		x[i].fd = i < 2 ? fa : fb;
		x[i].seed = 9 + (i == 1 || i == 2);
		x[i].len = 64 << 20;
		ASSERT_EQ(0, pthread_create(&t[i], NULL,
					    i % 2 ? xfer_read : xfer_write,
					    &x[i]));
	}
	usleep(delay_us);
	end(w.a.slave);
	/* A ends at once; B learns it from the RST (or its retry limit) */
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_FALSE(x[i].bad) TH_LOG("stream %d corrupt", i);
	}
	EXPECT_EQ(EIO, x[0].err);
	EXPECT_TRUE(x[1].eof) TH_LOG("A read: %s", strerror(x[1].err));
	EXPECT_TRUE(x[2].err == ECONNRESET || x[2].err == ETIMEDOUT)
		TH_LOG("B write: %s", strerror(x[2].err));
	EXPECT_TRUE(x[3].err == ECONNRESET || x[3].err == ETIMEDOUT)
		TH_LOG("B read: %s", strerror(x[3].err));
	close(fa);
	close(fb);
	ncmp_wire_close(&w);
}

/* Each round makes its own wire. */
FIXTURE(churn) {
};

FIXTURE_SETUP(churn)
{
	if (!ncmp_available())
		SKIP(return, "line discipline %d is not registered", N_NCMP);
}

FIXTURE_TEARDOWN(churn)
{
}

TEST_F_TIMEOUT(churn, detach_and_hangup_during_traffic_are_clean, 180)
{
	for (unsigned int i = 0; i < 3; i++) {
		traffic_then(_metadata, end_detach, 100000 + i * 150000);
		traffic_then(_metadata, end_hangup, 100000 + i * 150000);
	}
}

TEST_F_TIMEOUT(wire, detach_leaves_received_data_readable, 60)
{
	struct xfer r = { .fd = self->fb, .seed = 6, .len = 20000 };
	struct xfer w = { .fd = self->fa, .seed = 6, .len = 20000 };
	uint8_t c;

	xfer_write(&w);
	ASSERT_EQ(0, fsync(self->fa));
	ASSERT_EQ(0, ncmp_detach(self->w.b.slave));
	xfer_read(&r);
	EXPECT_EQ(20000u, r.done);
	EXPECT_FALSE(r.bad);
	EXPECT_EQ(0, read(self->fb, &c, 1));
}

TEST_F_TIMEOUT(wire, cut_line_fails_calls_with_etimedout, 120)
{
	struct xfer w = { .fd = self->fa, .seed = 7, .len = 5000 };
	int fa, fb, err;
	uint8_t c;

	atomic_store(&self->w.cut, true);
	xfer_write(&w);
	ASSERT_EQ(5000u, w.done);
	EXPECT_EQ(-1, fsync(self->fa));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(-1, read(self->fa, &c, 1));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(-1, write(self->fa, "x", 1));
	EXPECT_EQ(ETIMEDOUT, errno);

	/* the link looks for its peer again; new files use the new session */
	atomic_store(&self->w.cut, false);
	ASSERT_EQ(0, ncmp_wait_state(self->w.ia, "up", LINK_UP_MS));
	ASSERT_EQ(0, ncmp_wait_state(self->w.ib, "up", LINK_UP_MS));
	/* B lost the session too, by its own timeout or by A's restart */
	EXPECT_EQ(-1, read(self->fb, &c, 1));
	err = errno;
	EXPECT_TRUE(err == ETIMEDOUT || err == ECONNRESET) TH_LOG("%s", strerror(err));

	fa = ncmp_open(self->w.ia, 0);
	fb = ncmp_open(self->w.ib, 0);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	duplex(_metadata, fa, fb, 16 * 1024);
	close(fa);
	close(fb);
}

TEST_F_TIMEOUT(wire, peer_reset_fails_calls_with_econnreset, 60)
{
	uint8_t c;
	int ib, fa, fb;

	EXPECT_EQ(1, write(self->fa, "r", 1));
	EXPECT_EQ(1, read(self->fb, &c, 1));

	/* B goes away and comes back: a new session */
	ASSERT_EQ(0, ncmp_detach(self->w.b.slave));
	EXPECT_EQ(-1, read(self->fa, &c, 1));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, write(self->fa, "x", 1));
	EXPECT_EQ(ECONNRESET, errno);

	ib = ncmp_attach(self->w.b.slave);
	ASSERT_LE(0, ib);
	ASSERT_EQ(0, tty_set_speed(self->w.b.slave, B4000000));
	ASSERT_EQ(0, ncmp_wait_state(self->w.ia, "up", LINK_UP_MS));
	ASSERT_EQ(0, ncmp_wait_state(ib, "up", LINK_UP_MS));
	fa = ncmp_open(self->w.ia, 0);
	fb = ncmp_open(ib, 0);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	duplex(_metadata, fa, fb, 16 * 1024);
	close(fa);
	close(fb);
}

TEST_HARNESS_MAIN
