// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp over real UARTs: ttyS1 and ttyS2 of the test VM, two 8250s joined
 * by the host's link emulator (selftests/linkemu.c). The faults on the
 * line are the emulator's, so each fixture belongs to the suite that
 * starts the emulator with the matching schedule and selects it with -f:
 *
 *   uart.sh          -f faulty   flips, drops, a burst and a 2 s cut
 *   uart-cut.sh      -f dead     a cut longer than the retry budget
 *   uart-garbage.sh  -f garbage  ttyS2 stays a plain tty and sends noise
 *
 * The suites set both ports to the emulator's rate before (linkemu-guest).
 */

#include <signal.h>
#include <sys/wait.h>

#include "ncmp_harness.h"
#include "ncmp_pty.h"

#define UART_A		"/dev/ttyS1"
#define UART_B		"/dev/ttyS2"
#define LINK_UP_MS	20000
#define MIB		((size_t)1 << 20)

/* An 8250 port with the emulator behind it, or -errno. */
static int uart_open(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Counter @name of /dev/ncmpN as "ncmctl stats" prints it, or -1. */
static long long ncmp_stat(int index, const char *name)
{
	long long v, found = -1;
	char cmd[64], word[64];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ncmctl stats /dev/" NCMP_DEV_PREFIX "%d",
		 index);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (found < 0 && fscanf(f, "%63s", word) == 1)
		if (!strcmp(word, name) && fscanf(f, "%lld", &v) == 1)
			found = v;
	pclose(f);
	return found;
}

/* Unreclaimable slab memory in KiB, from /proc/meminfo, or -1. */
static long slab_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Both UARTs attached to ncmp, the link up, both /dev/ncmpN open. */
struct uart_link {
	int tty[2];
	int index[2];
	int fd[2];
};

static void link_init(struct uart_link *l)
{
	l->tty[0] = l->tty[1] = l->fd[0] = l->fd[1] = -1;
}

static int link_open(struct uart_link *l, bool attach_b)
{
	int i;

	l->tty[0] = uart_open(UART_A);
	l->tty[1] = uart_open(UART_B);
	if (l->tty[0] < 0 || l->tty[1] < 0)
		return l->tty[0] < 0 ? l->tty[0] : l->tty[1];
	for (i = 0; i < 1 + attach_b; i++) {
		l->index[i] = ncmp_attach(l->tty[i]);
		if (l->index[i] < 0)
			return l->index[i];
	}
	return attach_b ? 0 : tty_make_raw(l->tty[1]);
}

static int link_up_and_open(struct uart_link *l)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		err = ncmp_wait_state(l->index[i], "up", LINK_UP_MS);
		if (err)
			return err;
	}
	for (i = 0; i < 2; i++) {
		l->fd[i] = ncmp_open(l->index[i], 0);
		if (l->fd[i] < 0)
			return l->fd[i];
	}
	return 0;
}

static void link_close(struct uart_link *l)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		/* closing the tty detaches ncmp; a plain tty drops its backlog */
		if (l->tty[i] >= 0) {
			tcflush(l->tty[i], TCIOFLUSH);
			close(l->tty[i]);
		}
	}
	link_init(l);
}

FIXTURE(faulty) {
	struct uart_link l;
};

FIXTURE_SETUP(faulty)
{
	int err;

	link_init(&self->l);
	err = link_open(&self->l, true);
	if (err == -ENOENT || err == -ENXIO || err == -EIO)
		SKIP(return, "no UART at " UART_A " and " UART_B);
	ASSERT_EQ(0, err) TH_LOG("attach: %s", strerror(-err));
	err = link_up_and_open(&self->l);
	ASSERT_EQ(0, err) TH_LOG("link: %s", strerror(-err));
}

FIXTURE_TEARDOWN(faulty)
{
	link_close(&self->l);
}

/*
 * 4 MiB each way at once, through about one damaged byte in 10,000, a lost
 * one in 100,000, a burst and a 2-second cut: all of it arrives, in order,
 * and the repairs show in the counters. A 2 s cut is inside the retry
 * budget, so the link never goes down.
 */
TEST_F_TIMEOUT(faulty, four_mib_each_way_arrive_intact, 1200)
{
	struct xfer w[2], r[2];
	pthread_t t[4];
	long long retx, crc;
	int i;

	for (i = 0; i < 2; i++) {
		w[i] = (struct xfer){ .fd = self->l.fd[i], .seed = 11 + i,
				      .len = 4 * MIB };
		r[i] = (struct xfer){ .fd = self->l.fd[!i], .seed = 11 + i,
				      .len = 4 * MIB };
		ASSERT_EQ(0, pthread_create(&t[2 * i], NULL, xfer_write, &w[i]));
		ASSERT_EQ(0, pthread_create(&t[2 * i + 1], NULL, xfer_read, &r[i]));
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, w[i].err) TH_LOG("writer %d: %s", i, strerror(w[i].err));
		EXPECT_EQ(0, r[i].err) TH_LOG("reader %d: %s", i, strerror(r[i].err));
		EXPECT_FALSE(r[i].bad) TH_LOG("reader %d: wrong byte at %zu", i, r[i].done);
		EXPECT_FALSE(r[i].eof);
		EXPECT_EQ(4 * MIB, r[i].done);
	}
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, fsync(self->l.fd[i]));
		EXPECT_EQ(0, ncmp_stat(self->l.index[i], "link-downs"));
	}
	retx = ncmp_stat(self->l.index[0], "retransmits") +
	       ncmp_stat(self->l.index[1], "retransmits");
	crc = ncmp_stat(self->l.index[0], "crc-errors") +
	      ncmp_stat(self->l.index[1], "crc-errors");
	TH_LOG("retransmits %lld, crc errors %lld", retx, crc);
	EXPECT_LT(0, retx);
	EXPECT_LT(0, crc);
}

FIXTURE(dead) {
	struct uart_link l;
	pid_t monitor;
	int events;	/* ncmctl monitor's stdout */
};

/* Run "ncmctl monitor" with its output on a pipe, before the link exists. */
static pid_t monitor_start(int *out)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execlp("ncmctl", "ncmctl", "monitor", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	*out = p[0];
	return pid;
}

/* Wait up to @ms for a monitor line holding both @what and @tty. */
static bool monitor_saw(int fd, const char *what, const char *tty, int ms)
{
	static char buf[8192];
	static size_t len;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		char *line = buf, *nl;
		bool seen = false;

		buf[len] = '\0';
		while (!seen && (nl = strchr(line, '\n'))) {
			*nl = '\0';
			seen = strstr(line, what) && strstr(line, tty);
			line = nl + 1;
		}
		/* keep what follows for the next call */
		len -= line - buf;
		memmove(buf, line, len);
		if (seen)
			return true;
		if (poll(&pfd, 1, ms) <= 0)
			return false;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return false;
		len += n;
	}
}

FIXTURE_SETUP(dead)
{
	int err;

	self->monitor = -1;
	link_init(&self->l);
	self->monitor = monitor_start(&self->events);
	ASSERT_LT(0, self->monitor);
	/* ncmctl monitor subscribes before it says so; give it that time */
	usleep(500000);
	err = link_open(&self->l, true);
	if (err == -ENOENT || err == -ENXIO || err == -EIO)
		SKIP(return, "no UART at " UART_A " and " UART_B);
	ASSERT_EQ(0, err) TH_LOG("attach: %s", strerror(-err));
	err = link_up_and_open(&self->l);
	ASSERT_EQ(0, err) TH_LOG("link: %s", strerror(-err));
}

FIXTURE_TEARDOWN(dead)
{
	link_close(&self->l);
	if (self->monitor > 0) {
		kill(self->monitor, SIGTERM);
		waitpid(self->monitor, NULL, 0);
		close(self->events);
	}
}

/*
 * The emulator cuts the line for longer than the retry budget while data
 * flows: the writer gets ETIMEDOUT, and the events group reports the link
 * down. The reader got a correct prefix of the stream.
 */
TEST_F_TIMEOUT(dead, cut_longer_than_retry_budget_fails_writer, 600)
{
	struct xfer w = { .fd = self->l.fd[0], .seed = 21, .len = 64 * MIB };
	struct xfer r = { .fd = self->l.fd[1], .seed = 21, .len = 64 * MIB };
	pthread_t reader;

	ASSERT_TRUE(monitor_saw(self->events, "link-up", "ttyS1", 5000));
	ASSERT_EQ(0, pthread_create(&reader, NULL, xfer_read, &r));
	xfer_write(&w);
	EXPECT_EQ(ETIMEDOUT, w.err) TH_LOG("writer: %s after %zu bytes",
					   strerror(w.err), w.done);
	EXPECT_GT(w.len, w.done);
	EXPECT_TRUE(monitor_saw(self->events, "link-down", "ttyS1", 5000));
	EXPECT_LE(1, ncmp_stat(self->l.index[0], "link-downs"));
	/* detaching B ends its reader: it drains, then reads 0 */
	EXPECT_EQ(0, ncmp_detach(self->l.tty[1]));
	pthread_join(reader, NULL);
	EXPECT_FALSE(r.bad) TH_LOG("reader: wrong byte at %zu", r.done);
	EXPECT_GE(w.done, r.done);
	TH_LOG("written %zu, read %zu before the line died", w.done, r.done);
}

FIXTURE(garbage) {
	struct uart_link l;
};

FIXTURE_SETUP(garbage)
{
	int err;

	link_init(&self->l);
	err = link_open(&self->l, false);
	if (err == -ENOENT || err == -ENXIO || err == -EIO)
		SKIP(return, "no UART at " UART_A " and " UART_B);
	ASSERT_EQ(0, err) TH_LOG("setup: %s", strerror(-err));
	self->l.fd[0] = ncmp_open(self->l.index[0], O_NONBLOCK);
	ASSERT_LE(0, self->l.fd[0]);
}

FIXTURE_TEARDOWN(garbage)
{
	link_close(&self->l);
}

/*
 * 10 MB of random bytes from a plain tty into ncmp's: nothing is delivered,
 * only the error counters move, and kernel memory stays where it was.
 */
TEST_F_TIMEOUT(garbage, ten_mb_of_noise_only_moves_counters, 1200)
{
	const size_t total = 10 * 1000 * 1000;
	long before = slab_kib(), after;
	long long wire, bad;
	uint8_t buf[4096];
	size_t sent = 0, i;
	int ia = self->l.index[0];

	ASSERT_LT(0, before);
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? total - sent : sizeof(buf);

		for (i = 0; i < n; i++)
			buf[i] = stream_byte(31, sent + i);
		ASSERT_EQ(0, write_all(self->l.tty[1], buf, n));
		sent += n;
		/* nothing may come out of /dev/ncmpN */
		ASSERT_EQ(-1, read(self->l.fd[0], buf, sizeof(buf)));
		ASSERT_EQ(EAGAIN, errno);
	}
	ASSERT_EQ(0, tcdrain(self->l.tty[1]));
	/* the last bytes cross the emulator and the receiving UART */
	for (i = 0; i < 100 && ncmp_stat(ia, "rx-wire-bytes") < (long long)total; i++)
		usleep(100000);
	wire = ncmp_stat(ia, "rx-wire-bytes");
	bad = ncmp_stat(ia, "crc-errors") + ncmp_stat(ia, "bad-frames") +
	      ncmp_stat(ia, "bad-lengths");
	after = slab_kib();
	TH_LOG("wire bytes %lld, rejected frames %lld, slab %ld -> %ld KiB",
	       wire, bad, before, after);
	EXPECT_LE((long long)total, wire);
	EXPECT_LT(1000, bad);
	EXPECT_EQ(0, ncmp_stat(ia, "rx-bytes"));
	EXPECT_EQ(0, ncmp_wait_state(ia, "syncing", 0));
	EXPECT_EQ(-1, read(self->l.fd[0], buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	/* a bounded link holds no more than its buffers: allow 1 MiB of noise */
	EXPECT_GT(before + 1024, after);
}

TEST_HARNESS_MAIN
