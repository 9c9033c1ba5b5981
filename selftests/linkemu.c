// SPDX-License-Identifier: GPL-2.0
/*
 * linkemu: a serial link emulator for the VM selftests and benchmarks.
 *
 * QEMU exposes the guest's UARTs as unix-socket chardevs. linkemu
 * connects to two of them and forwards bytes both ways at the byte rate
 * of a baud rate (8N1), each direction paced on its own, while injecting
 * faults from a seed: bit flips, drops, duplicates, error bursts and cuts.
 * On exit it reports what it forwarded and what it broke.
 *
 * Each direction ends in a small queue standing in for the receiving
 * UART. When the receiver does not drain it, the wire stalls (as with
 * hardware flow control) or, with --overrun, bytes are lost (as a real
 * FIFO overrun loses them). Stalls are reported: they show a receiver
 * that cannot keep up with the line.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "linkemu.h"

#define READ_MAX	8192
#define BATCH_NS	1000000ULL	/* wake about once a millisecond */
#define RETRY_NS	50000000ULL	/* between connection attempts */
#define SNDBUF		4096		/* keep the socket's own queue short */

struct peer {
	const char *path;
	int fd;
	int eof;		/* nothing more will come from it */
	int gone;		/* it cannot take bytes any more */
};

struct lane {
	const char *name;
	struct le_dir dir;
	struct peer *src, *dst;
	uint8_t *q;		/* bytes on their way to dst */
	size_t qlen;
	int idle;		/* the sender had nothing last time we looked */
	uint64_t overrun;	/* lost to a full queue (--overrun) */
	uint64_t undelivered;	/* lost because dst went away */
	uint64_t first_ns, last_ns;	/* first and last byte taken */
	uint64_t stall_ns, stall_since;
};

struct emu {
	struct le_config cfg;
	struct peer peer[2];
	struct lane lane[2];
	size_t qcap;
	int overrun_mode;
	uint64_t connect_ns;
	const char *report_path;
	uint64_t start_ns, epoch_ns;
	int have_epoch;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LE_NSEC_PER_SEC + ts.tv_nsec;
}

static struct timespec to_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / LE_NSEC_PER_SEC,
		.tv_nsec = ns % LE_NSEC_PER_SEC,
	};

	return ts;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: linkemu --a PATH --b PATH [options]\n"
		"Forward bytes between two unix-socket UARTs at a baud rate,\n"
		"injecting faults from a seed.\n"
		"  --baud N           line rate, 8N1 (default 115200)\n"
		"  --flip P           flip one bit of a byte with probability P\n"
		"  --drop P           lose a byte with probability P\n"
		"  --dup P            deliver a byte twice with probability P\n"
		"  --burst LEN@TIME   corrupt LEN bytes each way from TIME on\n"
		"  --burst LEN/P      corrupt LEN bytes, starting at a byte with P\n"
		"  --cut DUR@TIME     the wire is dead both ways for DUR from TIME\n"
		"  --seed N           seed of every random fault (default 1)\n"
		"  --queue BYTES      receive queue each way (default 256)\n"
		"  --overrun          lose bytes when a queue is full, not stall\n"
		"  --connect-timeout SECONDS  wait for the sockets (default 30)\n"
		"  --report FILE      write the exit report there, not to stderr\n"
		"TIME and DUR take s, ms, us or ns (default s); times count from\n"
		"the first byte forwarded. --burst and --cut may repeat (%d each).\n",
		LE_MAX_EVENTS);
}

static int bad_value(const char *opt, const char *val)
{
	fprintf(stderr, "linkemu: bad value for --%s: '%s'\n", opt, val);
	return -1;
}

static int add_event(struct le_event *evs, unsigned int *n, const char *opt,
		     const char *val, int len_is_time)
{
	if (*n >= LE_MAX_EVENTS) {
		fprintf(stderr, "linkemu: at most %d --%s options\n",
			LE_MAX_EVENTS, opt);
		return -1;
	}
	if (le_parse_event(val, len_is_time, &evs[*n]))
		return bad_value(opt, val);
	(*n)++;
	return 0;
}

static int parse_burst(struct emu *e, const char *val)
{
	if (strchr(val, '@'))
		return add_event(e->cfg.bursts, &e->cfg.nbursts, "burst", val, 0);
	if (le_parse_burst_rate(val, &e->cfg.burst_len, &e->cfg.rate[LE_BURST]))
		return bad_value("burst", val);
	return 0;
}

static int parse_uint(const char *opt, const char *val, unsigned long long lo,
		      unsigned long long hi, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(val, &end, 0);
	if (errno || end == val || *end || *val == '-' || *out < lo || *out > hi)
		return bad_value(opt, val);
	return 0;
}

enum { OPT_A = 256, OPT_B, OPT_BAUD, OPT_FLIP, OPT_DROP, OPT_DUP, OPT_BURST,
	OPT_CUT, OPT_SEED, OPT_QUEUE, OPT_OVERRUN, OPT_CONNECT, OPT_REPORT };

static const struct option options[] = {
	{ "a", required_argument, NULL, OPT_A },
	{ "b", required_argument, NULL, OPT_B },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "flip", required_argument, NULL, OPT_FLIP },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "dup", required_argument, NULL, OPT_DUP },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "cut", required_argument, NULL, OPT_CUT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "overrun", no_argument, NULL, OPT_OVERRUN },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_rate(struct emu *e, enum le_kind k, const char *opt,
		      const char *val)
{
	if (le_parse_prob(val, &e->cfg.rate[k]))
		return bad_value(opt, val);
	return 0;
}

static int parse_option(struct emu *e, int opt, const char *val)
{
	unsigned long long v;

	switch (opt) {
	case OPT_A:
	case OPT_B:
		e->peer[opt - OPT_A].path = val;
		return 0;
	case OPT_BAUD:
		if (parse_uint("baud", val, 50, 20000000, &v))
			return -1;
		e->cfg.baud = v;
		return 0;
	case OPT_FLIP:
		return parse_rate(e, LE_FLIP, "flip", val);
	case OPT_DROP:
		return parse_rate(e, LE_DROP, "drop", val);
	case OPT_DUP:
		return parse_rate(e, LE_DUP, "dup", val);
	case OPT_BURST:
		return parse_burst(e, val);
	case OPT_CUT:
		return add_event(e->cfg.cuts, &e->cfg.ncuts, "cut", val, 1);
	case OPT_SEED:
		if (parse_uint("seed", val, 0, UINT64_MAX, &v))
			return -1;
		e->cfg.seed = v;
		return 0;
	case OPT_QUEUE:
		if (parse_uint("queue", val, 1, 1 << 20, &v))
			return -1;
		e->qcap = v;
		return 0;
	case OPT_OVERRUN:
		e->overrun_mode = 1;
		return 0;
	case OPT_CONNECT:
		if (le_parse_duration(val, &e->connect_ns))
			return bad_value("connect-timeout", val);
		return 0;
	case OPT_REPORT:
		e->report_path = val;
		return 0;
	}
	return -1;
}

/* 0 to run, 1 for --help, -1 on a usage error. */
static int parse_args(struct emu *e, int argc, char **argv)
{
	int opt;

	e->cfg.baud = 115200;
	e->cfg.seed = 1;
	e->qcap = 256;
	e->connect_ns = 30 * LE_NSEC_PER_SEC;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h')
			return 1;
		if (opt == '?' || parse_option(e, opt, optarg))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "linkemu: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!e->peer[0].path || !e->peer[1].path) {
		fprintf(stderr, "linkemu: --a and --b are required\n");
		return -1;
	}
	return 0;
}

static int try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, sndbuf = SNDBUF, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		/* a short socket queue keeps the pacing honest */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		return fd;
	}
	err = errno;
	close(fd);
	return -err;
}

/* Connect, retrying while the peer is not listening yet. */
static int connect_peer(struct peer *p, uint64_t deadline_ns)
{
	struct timespec pause = to_timespec(RETRY_NS);
	int fd;

	if (strlen(p->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "linkemu: socket path too long: %s\n", p->path);
		return -1;
	}
	for (;;) {
		fd = try_connect(p->path);
		if (fd >= 0) {
			p->fd = fd;
			return 0;
		}
		if (fd != -ENOENT && fd != -ECONNREFUSED) {
			fprintf(stderr, "linkemu: connect %s: %s\n", p->path,
				strerror(-fd));
			return -1;
		}
		if (stop || mono_ns() >= deadline_ns) {
			fprintf(stderr, "linkemu: connect %s: %s (gave up)\n",
				p->path, strerror(-fd));
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

static void lane_init(struct emu *e, unsigned int i, uint64_t now)
{
	struct lane *l = &e->lane[i];

	l->name = i ? "b->a" : "a->b";
	l->src = &e->peer[i];
	l->dst = &e->peer[!i];
	le_dir_init(&l->dir, &e->cfg, i, now);
}

static void stall_account(struct emu *e, struct lane *l, uint64_t now)
{
	int full = l->qlen >= e->qcap && !l->dst->gone;

	if (full && !l->stall_since)
		l->stall_since = now;
	if (!full && l->stall_since) {
		l->stall_ns += now - l->stall_since;
		l->stall_since = 0;
	}
}

/* Hand queued bytes to the receiver, as many as it takes now. */
static void lane_flush(struct lane *l)
{
	ssize_t n;

	if (!l->qlen)
		return;
	if (l->dst->gone) {
		l->undelivered += l->qlen;
		l->qlen = 0;
		return;
	}
	n = send(l->dst->fd, l->q, l->qlen, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		l->dst->gone = 1;
		l->undelivered += l->qlen;
		l->qlen = 0;
		return;
	}
	memmove(l->q, l->q + n, l->qlen - n);
	l->qlen -= n;
}

static void lane_queue(struct emu *e, struct lane *l, const uint8_t *b,
		       size_t n)
{
	size_t room = 2 * e->qcap - l->qlen;

	if (e->overrun_mode)
		room = l->qlen < e->qcap ? e->qcap - l->qlen : 0;
	if (n > room) {
		l->overrun += n - room;
		n = room;
	}
	memcpy(l->q + l->qlen, b, n);
	l->qlen += n;
}

/* Bytes the lane may take from its sender now. */
static size_t lane_budget(struct emu *e, struct lane *l, uint64_t now)
{
	uint64_t room = l->qlen < e->qcap ? e->qcap - l->qlen : 0;
	uint64_t n;

	le_pace_avail(&l->dir, now);
	/* an idle line starts at once, but saved no credit for a burst */
	if (l->idle)
		le_pace_idle(&l->dir);
	n = le_pace_avail(&l->dir, now);

	if (!e->overrun_mode && n > room)
		n = room;
	return n < READ_MAX ? n : READ_MAX;
}

/* Take what the wire carries now from the sender and pass it on. */
static void lane_pump(struct emu *e, struct lane *l, uint64_t now)
{
	uint8_t in[READ_MAX], out[2 * READ_MAX];
	size_t budget = lane_budget(e, l, now), n;
	ssize_t r;

	if (l->src->eof || !budget)
		return;
	r = recv(l->src->fd, in, budget, MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		l->src->eof = 1;
		l->src->gone = 1;
		return;
	}
	l->idle = r < 0;
	if (r < 0)
		return;
	if (!e->have_epoch) {
		e->epoch_ns = now;
		e->have_epoch = 1;
	}
	if (!l->first_ns)
		l->first_ns = now;
	l->last_ns = now;
	le_pace_take(&l->dir, r);
	n = le_transform(&l->dir, now - e->epoch_ns, in, r, out);
	lane_queue(e, l, out, n);
}

/* What to wait for, and for how long, so that nothing spins. */
static void lane_wants(struct emu *e, struct lane *l, struct pollfd *pfd,
		       uint64_t *timeout_ns)
{
	uint64_t batch, wait;

	if (l->qlen && !l->dst->gone)
		pfd[l->dst - e->peer].events |= POLLOUT;
	if (l->src->eof)
		return;
	if (!e->overrun_mode && l->qlen >= e->qcap)
		return;		/* POLLOUT on dst wakes us */
	if (l->idle) {
		pfd[l->src - e->peer].events |= POLLIN;
		return;
	}
	batch = BATCH_NS * e->cfg.baud / (LE_BITS_PER_BYTE * LE_NSEC_PER_SEC);
	wait = le_pace_wait_ns(&l->dir, batch ? batch : 1);
	if (wait) {
		if (wait < *timeout_ns)
			*timeout_ns = wait;
		return;
	}
	pfd[l->src - e->peer].events |= POLLIN;
}

static int both_done(const struct emu *e)
{
	return e->peer[0].eof && e->peer[1].eof;
}

static void run(struct emu *e, const sigset_t *waitmask)
{
	struct pollfd pfd[2];
	uint64_t now, timeout;
	struct timespec ts;
	int i;

	while (!stop && !both_done(e)) {
		now = mono_ns();
		timeout = LE_NSEC_PER_SEC;
		for (i = 0; i < 2; i++) {
			pfd[i].fd = e->peer[i].fd;
			pfd[i].events = 0;
		}
		for (i = 0; i < 2; i++) {
			lane_flush(&e->lane[i]);
			lane_pump(e, &e->lane[i], now);
			lane_flush(&e->lane[i]);
			stall_account(e, &e->lane[i], now);
		}
		for (i = 0; i < 2; i++)
			lane_wants(e, &e->lane[i], pfd, &timeout);
		/* a hung-up peer stays readable: watch it through timeouts */
		for (i = 0; i < 2; i++)
			if (e->peer[i].eof || (e->peer[i].gone && !pfd[i].events))
				pfd[i].fd = -1;
		ts = to_timespec(timeout);
		if (ppoll(pfd, 2, &ts, waitmask) < 0 && errno != EINTR) {
			perror("linkemu: ppoll");
			return;
		}
		for (i = 0; i < 2; i++)
			if (pfd[i].revents & (POLLHUP | POLLERR))
				e->peer[i].gone = 1;
	}
}

static void report_lane(FILE *f, const struct emu *e, const struct lane *l)
{
	const struct le_counters *c = &l->dir.cnt;
	double active = (l->last_ns - l->first_ns) / 1e9;
	double rate = active > 0 ? c->bytes_in / active : 0;

	fprintf(f,
		"linkemu: %s bytes_in=%llu bytes_out=%llu flips=%llu drops=%llu "
		"dups=%llu bursts=%llu burst_bytes=%llu cut_bytes=%llu "
		"overrun=%llu undelivered=%llu stalled_s=%.3f active_s=%.3f "
		"rate_Bps=%.0f line_pct=%.1f\n",
		l->name, (unsigned long long)c->bytes_in,
		(unsigned long long)c->bytes_out,
		(unsigned long long)c->faults[LE_FLIP],
		(unsigned long long)c->faults[LE_DROP],
		(unsigned long long)c->faults[LE_DUP],
		(unsigned long long)c->faults[LE_BURST],
		(unsigned long long)c->burst_bytes,
		(unsigned long long)c->cut_bytes,
		(unsigned long long)l->overrun,
		(unsigned long long)l->undelivered,
		l->stall_ns / 1e9, active, rate,
		100.0 * rate / le_line_rate(&e->cfg));
}

static int report(struct emu *e)
{
	FILE *f = stderr;
	uint64_t now = mono_ns();
	int i;

	if (e->report_path) {
		f = fopen(e->report_path, "w");
		if (!f) {
			fprintf(stderr, "linkemu: %s: %s\n", e->report_path,
				strerror(errno));
			f = stderr;
		}
	}
	fprintf(f, "linkemu: baud=%u line_Bps=%.0f seed=%llu ran_s=%.3f\n",
		e->cfg.baud, le_line_rate(&e->cfg),
		(unsigned long long)e->cfg.seed, (now - e->start_ns) / 1e9);
	for (i = 0; i < 2; i++) {
		stall_account(e, &e->lane[i], now);
		report_lane(f, e, &e->lane[i]);
	}
	if (f != stderr && fclose(f)) {
		fprintf(stderr, "linkemu: %s: %s\n", e->report_path,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct emu e;
	sigset_t block, waitmask;
	int i, rc;

	rc = parse_args(&e, argc, argv);
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "linkemu: try 'linkemu --help'\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	e.start_ns = mono_ns();
	e.peer[0].fd = -1;
	e.peer[1].fd = -1;
	for (i = 0; i < 2; i++)
		if (connect_peer(&e.peer[i], e.start_ns + e.connect_ns))
			return 1;
	for (i = 0; i < 2; i++) {
		lane_init(&e, i, mono_ns());
		e.lane[i].q = malloc(2 * e.qcap);
		if (!e.lane[i].q) {
			fprintf(stderr, "linkemu: out of memory\n");
			return 1;
		}
	}
	/* signals only interrupt ppoll, so a stop is never missed */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	run(&e, &waitmask);
	rc = report(&e) ? 1 : 0;
	for (i = 0; i < 2; i++) {
		close(e.peer[i].fd);
		free(e.lane[i].q);
	}
	return rc;
}
