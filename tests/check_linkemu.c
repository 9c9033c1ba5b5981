// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the link emulator: its core (option parsing, the fault
 * schedule and the pacing arithmetic, driven by a fake clock), then the
 * program between two unix sockets standing in for QEMU's UARTs.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../selftests/linkemu.h"

#define MS	1000000ULL
#define SEC	LE_NSEC_PER_SEC

static uint8_t *pattern(size_t n)
{
	uint8_t *b = malloc(n);
	size_t i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	return b;
}

/* Push n pattern bytes through a fresh direction in chunks at time t. */
static size_t run_faults(const struct le_config *cfg, unsigned int dir,
			 size_t n, uint8_t **outp, struct le_counters *cnt)
{
	uint8_t *in = pattern(n), *out = malloc(2 * n);
	struct le_dir d;
	size_t i, o = 0, chunk;

	ck_assert_ptr_nonnull(out);
	le_dir_init(&d, cfg, dir, 0);
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 1000 ? n - i : 1000;
		o += le_transform(&d, 0, in + i, chunk, out + o);
	}
	free(in);
	*cnt = d.cnt;
	*outp = out;
	return o;
}

START_TEST(parse_prob)
{
	double p;

	ck_assert_int_eq(le_parse_prob("1e-4", &p), 0);
	ck_assert(p == 1e-4);
	ck_assert_int_eq(le_parse_prob("0", &p), 0);
	ck_assert(p == 0.0);
	ck_assert_int_eq(le_parse_prob("1", &p), 0);
	ck_assert_int_eq(le_parse_prob("1.5", &p), -1);
	ck_assert_int_eq(le_parse_prob("-1e-3", &p), -1);
	ck_assert_int_eq(le_parse_prob("", &p), -1);
	ck_assert_int_eq(le_parse_prob("1e-4x", &p), -1);
	ck_assert_int_eq(le_parse_prob("nan", &p), -1);
}
END_TEST

START_TEST(parse_duration)
{
	uint64_t ns;

	ck_assert_int_eq(le_parse_duration("2.5s", &ns), 0);
	ck_assert_uint_eq(ns, 2500 * MS);
	ck_assert_int_eq(le_parse_duration("3", &ns), 0);
	ck_assert_uint_eq(ns, 3 * SEC);
	ck_assert_int_eq(le_parse_duration("500ms", &ns), 0);
	ck_assert_uint_eq(ns, 500 * MS);
	ck_assert_int_eq(le_parse_duration("20us", &ns), 0);
	ck_assert_uint_eq(ns, 20000);
	ck_assert_int_eq(le_parse_duration("7ns", &ns), 0);
	ck_assert_uint_eq(ns, 7);
	ck_assert_int_eq(le_parse_duration("2m", &ns), -1);
	ck_assert_int_eq(le_parse_duration("-1s", &ns), -1);
	ck_assert_int_eq(le_parse_duration("s", &ns), -1);
	ck_assert_int_eq(le_parse_duration("1e300", &ns), -1);
}
END_TEST

START_TEST(parse_events)
{
	struct le_event ev;
	uint32_t len;
	double p;

	ck_assert_int_eq(le_parse_event("64@2.5s", 0, &ev), 0);
	ck_assert_uint_eq(ev.len, 64);
	ck_assert_uint_eq(ev.at_ns, 2500 * MS);
	ck_assert_int_eq(le_parse_event("2s@3s", 1, &ev), 0);
	ck_assert_uint_eq(ev.len, 2 * SEC);
	ck_assert_uint_eq(ev.at_ns, 3 * SEC);
	ck_assert_int_eq(le_parse_event("0@1s", 0, &ev), -1);
	ck_assert_int_eq(le_parse_event("0s@1s", 1, &ev), -1);
	ck_assert_int_eq(le_parse_event("2s@3s", 0, &ev), -1);
	ck_assert_int_eq(le_parse_event("64", 0, &ev), -1);
	ck_assert_int_eq(le_parse_event("64@", 0, &ev), -1);
	ck_assert_int_eq(le_parse_event("-4@1s", 0, &ev), -1);
	ck_assert_int_eq(le_parse_burst_rate("32/1e-5", &len, &p), 0);
	ck_assert_uint_eq(len, 32);
	ck_assert(p == 1e-5);
	ck_assert_int_eq(le_parse_burst_rate("32/2", &len, &p), -1);
	ck_assert_int_eq(le_parse_burst_rate("/1e-5", &len, &p), -1);
	ck_assert_int_eq(le_parse_burst_rate("32", &len, &p), -1);
}
END_TEST

static struct le_config noisy(uint64_t seed)
{
	struct le_config cfg = { .baud = 115200, .seed = seed };

	cfg.rate[LE_FLIP] = 1e-3;
	cfg.rate[LE_DROP] = 1e-3;
	cfg.rate[LE_DUP] = 1e-3;
	cfg.rate[LE_BURST] = 1e-4;
	cfg.burst_len = 8;
	return cfg;
}

START_TEST(seed_reproduces)
{
	struct le_config cfg = noisy(42), other = noisy(43);
	struct le_counters c1, c2, c3;
	uint8_t *o1, *o2, *o3;
	size_t n1, n2, n3;

	n1 = run_faults(&cfg, 0, 200000, &o1, &c1);
	n2 = run_faults(&cfg, 0, 200000, &o2, &c2);
	n3 = run_faults(&other, 0, 200000, &o3, &c3);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(o1, o2, n1);
	ck_assert_mem_eq(&c1, &c2, sizeof(c1));
	ck_assert(n1 != n3 || memcmp(o1, o3, n1));
	free(o1);
	free(o2);
	free(o3);
}
END_TEST

START_TEST(directions_differ)
{
	struct le_config cfg = noisy(42);
	struct le_counters c0, c1;
	uint8_t *o0, *o1;
	size_t n0, n1;

	n0 = run_faults(&cfg, 0, 200000, &o0, &c0);
	n1 = run_faults(&cfg, 1, 200000, &o1, &c1);
	ck_assert(n0 != n1 || memcmp(o0, o1, n0));
	free(o0);
	free(o1);
}
END_TEST

/* The flip schedule does not move when other kinds are switched on. */
START_TEST(kinds_independent)
{
	struct le_config only = { .baud = 115200, .seed = 9 };
	struct le_config all = noisy(9);
	uint8_t *in = pattern(100000), *out = malloc(200000);
	struct le_dir a, b;
	size_t i;

	ck_assert_ptr_nonnull(out);
	only.rate[LE_FLIP] = all.rate[LE_FLIP];
	le_dir_init(&a, &only, 0, 0);
	le_dir_init(&b, &all, 0, 0);
	for (i = 0; i < 100000; i += 100) {
		le_transform(&a, 0, in + i, 100, out);
		le_transform(&b, 0, in + i, 100, out);
		ck_assert_uint_eq(a.next[LE_FLIP], b.next[LE_FLIP]);
	}
	free(in);
	free(out);
}
END_TEST

/* Chunking does not matter: faults follow the byte index. */
START_TEST(chunking_irrelevant)
{
	struct le_config cfg = noisy(5);
	uint8_t *in = pattern(50000), *o1 = malloc(100000), *o2 = malloc(100000);
	struct le_dir a, b;
	size_t n1, n2 = 0, i, step = 1;

	ck_assert_ptr_nonnull(o1);
	ck_assert_ptr_nonnull(o2);
	le_dir_init(&a, &cfg, 1, 0);
	le_dir_init(&b, &cfg, 1, 0);
	n1 = le_transform(&a, 0, in, 50000, o1);
	for (i = 0; i < 50000; i += step, step = step % 97 + 1) {
		if (step > 50000 - i)
			step = 50000 - i;
		n2 += le_transform(&b, 0, in + i, step, o2 + n2);
	}
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(o1, o2, n1);
	free(in);
	free(o1);
	free(o2);
}
END_TEST

static void assert_near(uint64_t got, double expect)
{
	/* five standard deviations of a binomial count */
	double tol = 5 * sqrt(expect) + 1;

	ck_assert_msg(got >= expect - tol && got <= expect + tol,
		      "count %llu, expected %.0f +- %.0f",
		      (unsigned long long)got, expect, tol);
}

START_TEST(rates_converge)
{
	struct le_config cfg = { .baud = 921600, .seed = _i + 1 };
	const size_t n = 2000000;
	struct le_counters c;
	uint8_t *out;

	cfg.rate[LE_FLIP] = 1e-2;
	cfg.rate[LE_DROP] = 2e-3;
	cfg.rate[LE_DUP] = 5e-4;
	run_faults(&cfg, 0, n, &out, &c);
	assert_near(c.faults[LE_FLIP], n * 1e-2);
	assert_near(c.faults[LE_DROP], n * 2e-3);
	assert_near(c.faults[LE_DUP], n * 5e-4);
	ck_assert_uint_eq(c.bytes_in, n);
	ck_assert_uint_eq(c.bytes_out, n - c.faults[LE_DROP] + c.faults[LE_DUP]);
	free(out);
}
END_TEST

/* Each flip inverts exactly one bit of one byte, and nothing else changes. */
START_TEST(flip_one_bit)
{
	struct le_config cfg = { .baud = 115200, .seed = 3 };
	uint8_t *in = pattern(100000), *out;
	struct le_counters c;
	uint64_t changed = 0;
	size_t n, i;

	cfg.rate[LE_FLIP] = 1e-2;
	n = run_faults(&cfg, 0, 100000, &out, &c);
	ck_assert_uint_eq(n, 100000);
	for (i = 0; i < n; i++) {
		if (in[i] == out[i])
			continue;
		changed++;
		ck_assert_int_eq(__builtin_popcount(in[i] ^ out[i]), 1);
	}
	ck_assert_uint_eq(changed, c.faults[LE_FLIP]);
	ck_assert_uint_gt(changed, 0);
	free(in);
	free(out);
}
END_TEST

/* Dropped bytes vanish and the rest keeps its order. */
START_TEST(drop_keeps_order)
{
	struct le_config cfg = { .baud = 115200, .seed = 11 };
	uint8_t *in = pattern(100000), *out;
	struct le_counters c;
	size_t n, i, j = 0;

	cfg.rate[LE_DROP] = 1e-2;
	n = run_faults(&cfg, 0, 100000, &out, &c);
	ck_assert_uint_gt(c.faults[LE_DROP], 0);
	ck_assert_uint_eq(n, 100000 - c.faults[LE_DROP]);
	/* out is a subsequence of in */
	for (i = 0; i < 100000 && j < n; i++)
		if (in[i] == out[j])
			j++;
	ck_assert_uint_eq(j, n);
	free(in);
	free(out);
}
END_TEST

/* A duplicate repeats its byte; without the repeats out is in. */
START_TEST(dup_repeats)
{
	struct le_config cfg = { .baud = 115200, .seed = 12 };
	uint8_t *in = pattern(100000), *out;
	struct le_counters c;
	size_t n, i, j = 0;

	cfg.rate[LE_DUP] = 1e-2;
	n = run_faults(&cfg, 0, 100000, &out, &c);
	ck_assert_uint_gt(c.faults[LE_DUP], 0);
	ck_assert_uint_eq(n, 100000 + c.faults[LE_DUP]);
	/* the pattern never repeats a byte, so repeats are the duplicates */
	for (i = 0; i < n; i++)
		if (!i || out[i] != out[i - 1])
			out[j++] = out[i];
	ck_assert_uint_eq(j, 100000);
	ck_assert_mem_eq(in, out, j);
	free(in);
	free(out);
}
END_TEST

START_TEST(burst_at_time)
{
	struct le_config cfg = { .baud = 115200, .seed = 1 };
	uint8_t *in = pattern(300), out[600];
	struct le_dir d;
	size_t n, i;

	cfg.bursts[0] = (struct le_event){ .at_ns = SEC, .len = 64 };
	cfg.nbursts = 1;
	le_dir_init(&d, &cfg, 0, 0);
	n = le_transform(&d, SEC - 1, in, 100, out);
	ck_assert_mem_eq(in, out, n);
	/* from the burst's time on, 64 bytes are damaged, then clean again */
	n = le_transform(&d, SEC, in + 100, 100, out);
	ck_assert_uint_eq(n, 100);
	for (i = 0; i < 64; i++)
		ck_assert_uint_ne(in[100 + i], out[i]);
	ck_assert_mem_eq(in + 164, out + 64, 36);
	n = le_transform(&d, 2 * SEC, in + 200, 100, out);
	ck_assert_mem_eq(in + 200, out, n);
	ck_assert_uint_eq(d.cnt.faults[LE_BURST], 1);
	ck_assert_uint_eq(d.cnt.burst_bytes, 64);
	free(in);
}
END_TEST

START_TEST(burst_rate)
{
	struct le_config cfg = { .baud = 115200, .seed = 8 };
	struct le_counters c;
	uint8_t *out;

	cfg.rate[LE_BURST] = 1e-4;
	cfg.burst_len = 16;
	run_faults(&cfg, 0, 1000000, &out, &c);
	assert_near(c.faults[LE_BURST], 100);
	/* overlapping bursts merge, so never more than len bytes each */
	ck_assert_uint_le(c.burst_bytes, 16 * c.faults[LE_BURST]);
	ck_assert_uint_ge(c.burst_bytes, 8 * c.faults[LE_BURST]);
	free(out);
}
END_TEST

START_TEST(cut_loses_bytes)
{
	struct le_config cfg = { .baud = 115200, .seed = 1 };
	uint8_t *in = pattern(100), out[200];
	struct le_dir d;

	cfg.cuts[0] = (struct le_event){ .at_ns = 3 * SEC, .len = 2 * SEC };
	cfg.ncuts = 1;
	ck_assert(!le_in_cut(&cfg, 3 * SEC - 1));
	ck_assert(le_in_cut(&cfg, 3 * SEC));
	ck_assert(le_in_cut(&cfg, 5 * SEC - 1));
	ck_assert(!le_in_cut(&cfg, 5 * SEC));
	le_dir_init(&d, &cfg, 0, 0);
	ck_assert_uint_eq(le_transform(&d, 2 * SEC, in, 100, out), 100);
	ck_assert_uint_eq(le_transform(&d, 4 * SEC, in, 100, out), 0);
	ck_assert_uint_eq(le_transform(&d, 5 * SEC, in, 100, out), 100);
	ck_assert_mem_eq(in, out, 100);
	ck_assert_uint_eq(d.cnt.cut_bytes, 100);
	free(in);
}
END_TEST

/* A sender that always has data gets the line rate, whatever the wakeups. */
static uint64_t saturate(uint32_t baud, uint64_t seconds, uint64_t seed)
{
	struct le_config cfg = { .baud = baud };
	uint64_t t = 5 * SEC, end = t + seconds * SEC, sent = 0, n;
	struct le_dir d;

	le_dir_init(&d, &cfg, 0, t);
	while (t < end) {
		n = le_pace_avail(&d, t);
		le_pace_take(&d, n);
		sent += n;
		/* wake 0.05 to 3 ms later, as a loaded scheduler might */
		t += 50000 + le_rng_next(&seed) % (3 * MS);
	}
	return sent + le_pace_avail(&d, end);
}

START_TEST(pacing_line_rate)
{
	static const uint32_t bauds[] = { 9600, 115200, 921600, 3000000 };
	uint32_t baud = bauds[_i];
	uint64_t expect = (uint64_t)baud * 10 / LE_BITS_PER_BYTE;
	uint64_t got = saturate(baud, 10, _i);

	ck_assert_uint_le(got, expect + 1);
	ck_assert_uint_ge(got, expect - 1);
}
END_TEST

START_TEST(pacing_wait_and_bucket)
{
	struct le_config cfg = { .baud = 115200 };
	struct le_dir d;
	uint64_t w;

	le_dir_init(&d, &cfg, 0, 0);
	ck_assert_uint_eq(le_pace_avail(&d, 0), 0);
	/* one byte takes 10 bits at 115200 baud: 86806 ns, rounded up */
	ck_assert_uint_eq(le_pace_wait_ns(&d, 1), 86806);
	ck_assert_uint_eq(le_pace_avail(&d, 86805), 0);
	ck_assert_uint_eq(le_pace_avail(&d, 86806), 1);
	w = le_pace_wait_ns(&d, 11);
	ck_assert_uint_eq(le_pace_avail(&d, 86806 + w), 11);
	/* an hour idle fills the bucket (4 ms of line) and overflows nothing */
	ck_assert_uint_eq(le_pace_avail(&d, 3600 * SEC), 46);
	le_pace_take(&d, 46);
	ck_assert_uint_eq(le_pace_avail(&d, 3600 * SEC), 0);
	/* an idle sender forfeits saved credit beyond one byte */
	ck_assert_uint_eq(le_pace_avail(&d, 3601 * SEC), 46);
	le_pace_idle(&d);
	ck_assert_uint_eq(le_pace_avail(&d, 3601 * SEC), 1);
	/* a slow line still gets a FIFO's worth of bucket */
	cfg.baud = 300;
	le_dir_init(&d, &cfg, 0, 0);
	ck_assert_uint_eq(le_pace_avail(&d, 3600 * SEC), 16);
	ck_assert(le_line_rate(&cfg) == 30.0);
}
END_TEST

/* --- the program ------------------------------------------------------------ */

/* Generous limits: these tests check what happens, not how fast. */
#define WAIT_MS	10000

struct emu {
	char dir[64];
	char a[96], b[96], report[96], err[96];
	int la, lb;	/* listening, as QEMU's server chardevs */
	int ca, cb;	/* the accepted connections */
	pid_t pid;
};

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

static int accept_within(int l)
{
	struct pollfd p = { .fd = l, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
	return accept4(l, NULL, NULL, SOCK_CLOEXEC);
}

static void emu_paths(struct emu *e)
{
	strcpy(e->dir, "/tmp/check_linkemu.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(e->a, sizeof(e->a), "%s/a.sock", e->dir);
	snprintf(e->b, sizeof(e->b), "%s/b.sock", e->dir);
	snprintf(e->report, sizeof(e->report), "%s/report", e->dir);
	snprintf(e->err, sizeof(e->err), "%s/stderr", e->dir);
	e->la = e->lb = e->ca = e->cb = -1;
}

static void emu_listen(struct emu *e)
{
	e->la = listen_unix(e->a);
	e->lb = listen_unix(e->b);
}

/* Start linkemu --a A --b B --report R with @extra arguments. */
static void emu_spawn(struct emu *e, const char *const *extra)
{
	const char *argv[32] = { LINKEMU_BIN, "--a", e->a, "--b", e->b,
				 "--report", e->report };
	int n = 7;

	while (*extra)
		argv[n++] = *extra++;
	e->pid = fork();
	ck_assert_int_ge(e->pid, 0);
	if (!e->pid) {
		int fd = open(e->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execv(LINKEMU_BIN, (char **)argv);
		_exit(127);
	}
}

/* The exit status of @pid, or -1 if it is still running after WAIT_MS. */
static int exit_within(pid_t pid)
{
	int st, t;

	for (t = 0; t < WAIT_MS; t += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void emu_cleanup(struct emu *e)
{
	int *fds[] = { &e->la, &e->lb, &e->ca, &e->cb };
	size_t i;

	for (i = 0; i < 4; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	unlink(e->a);
	unlink(e->b);
	unlink(e->report);
	unlink(e->err);
	rmdir(e->dir);
}

static int file_has(const char *path, const char *text)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

static void recv_all(int fd, uint8_t *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
		r = recv(fd, buf + got, n - got, 0);
		ck_assert_int_gt(r, 0);
		got += r;
	}
}

/* Bytes cross both ways unchanged; the peers' hangup ends it, reported. */
START_TEST(program_forwards_and_reports)
{
	static const char *const args[] = { "--baud", "3000000", NULL };
	uint8_t *a = pattern(30000), b[30000], got[30000];
	struct emu e;
	size_t i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 13 + 1);
	emu_paths(&e);
	emu_listen(&e);
	emu_spawn(&e, args);
	e.ca = accept_within(e.la);
	e.cb = accept_within(e.lb);
	ck_assert_int_eq(send(e.ca, a, 30000, 0), 30000);
	ck_assert_int_eq(send(e.cb, b, 30000, 0), 30000);
	recv_all(e.cb, got, 30000);
	ck_assert_mem_eq(got, a, 30000);
	recv_all(e.ca, got, 30000);
	ck_assert_mem_eq(got, b, 30000);
	close(e.ca);
	close(e.cb);
	e.ca = e.cb = -1;
	ck_assert_int_eq(exit_within(e.pid), 0);
	ck_assert(file_has(e.report, "baud=3000000 line_Bps=300000"));
	ck_assert(file_has(e.report, "a->b bytes_in=30000 bytes_out=30000 flips=0"));
	ck_assert(file_has(e.report, "b->a bytes_in=30000 bytes_out=30000 flips=0"));
	emu_cleanup(&e);
	free(a);
}
END_TEST

/* The faults of the core reach the bytes: every byte flipped once. */
START_TEST(program_applies_faults)
{
	static const char *const args[] = { "--baud", "3000000", "--flip", "1",
					    NULL };
	uint8_t *a = pattern(5000), got[5000];
	struct emu e;
	size_t i;

	emu_paths(&e);
	emu_listen(&e);
	emu_spawn(&e, args);
	e.ca = accept_within(e.la);
	e.cb = accept_within(e.lb);
	ck_assert_int_eq(send(e.ca, a, 5000, 0), 5000);
	recv_all(e.cb, got, 5000);
	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(__builtin_popcount(a[i] ^ got[i]), 1);
	close(e.ca);
	close(e.cb);
	e.ca = e.cb = -1;
	ck_assert_int_eq(exit_within(e.pid), 0);
	ck_assert(file_has(e.report, "a->b bytes_in=5000 bytes_out=5000 flips=5000"));
	emu_cleanup(&e);
	free(a);
}
END_TEST

/* QEMU may not listen yet when the emulator starts: it keeps trying. */
START_TEST(program_waits_for_late_peers)
{
	static const char *const args[] = { NULL };
	struct emu e;

	emu_paths(&e);
	emu_spawn(&e, args);
	usleep(300000);
	emu_listen(&e);
	e.ca = accept_within(e.la);
	e.cb = accept_within(e.lb);
	close(e.ca);
	close(e.cb);
	e.ca = e.cb = -1;
	ck_assert_int_eq(exit_within(e.pid), 0);
	emu_cleanup(&e);
}
END_TEST

START_TEST(program_gives_up_on_absent_peers)
{
	static const char *const args[] = { "--connect-timeout", "200ms", NULL };
	struct emu e;

	emu_paths(&e);
	emu_spawn(&e, args);
	ck_assert_int_eq(exit_within(e.pid), 1);
	ck_assert(file_has(e.err, "a.sock: No such file or directory (gave up)"));
	emu_cleanup(&e);
}
END_TEST

START_TEST(program_stops_on_signal)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	static const char *const args[] = { NULL };
	struct emu e;

	emu_paths(&e);
	emu_listen(&e);
	emu_spawn(&e, args);
	e.ca = accept_within(e.la);
	e.cb = accept_within(e.lb);
	ck_assert_int_eq(kill(e.pid, sigs[_i]), 0);
	ck_assert_int_eq(exit_within(e.pid), 0);
	ck_assert(file_has(e.report, "a->b bytes_in=0"));
	emu_cleanup(&e);
}
END_TEST

START_TEST(program_rejects_bad_options)
{
	static const char *const bad[][4] = {
		{ "--flip", "2", NULL, "--flip: '2'" },
		{ "--drop", "-1e-3", NULL, "--drop: '-1e-3'" },
		{ "--baud", "12", NULL, "--baud: '12'" },
		{ "--baud", "fast", NULL, "--baud: 'fast'" },
		{ "--cut", "2s", NULL, "--cut: '2s'" },
		{ "--burst", "64", NULL, "--burst: '64'" },
		{ "--burst", "0@1s", NULL, "--burst: '0@1s'" },
		{ "--queue", "0", NULL, "--queue: '0'" },
		{ "--seed", "-3", NULL, "--seed: '-3'" },
		{ "--nonsense", NULL, NULL, "'--nonsense'" },
		{ "stray", NULL, NULL, "unexpected argument 'stray'" },
	};
	struct emu e;

	emu_paths(&e);
	emu_spawn(&e, bad[_i]);
	ck_assert_int_eq(exit_within(e.pid), 2);
	/* the message names what was wrong */
	ck_assert_msg(file_has(e.err, bad[_i][3]), "no \"%s\"", bad[_i][3]);
	emu_cleanup(&e);
}
END_TEST

static Suite *linkemu_suite(void)
{
	Suite *s = suite_create("linkemu");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_prob);
	tcase_add_test(tc, parse_duration);
	tcase_add_test(tc, parse_events);
	tcase_add_test(tc, seed_reproduces);
	tcase_add_test(tc, directions_differ);
	tcase_add_test(tc, kinds_independent);
	tcase_add_test(tc, chunking_irrelevant);
	tcase_add_loop_test(tc, rates_converge, 0, 3);
	tcase_add_test(tc, flip_one_bit);
	tcase_add_test(tc, drop_keeps_order);
	tcase_add_test(tc, dup_repeats);
	tcase_add_test(tc, burst_at_time);
	tcase_add_test(tc, burst_rate);
	tcase_add_test(tc, cut_loses_bytes);
	tcase_add_loop_test(tc, pacing_line_rate, 0, 4);
	tcase_add_test(tc, pacing_wait_and_bucket);
	suite_add_tcase(s, tc);

	tc = tcase_create("program");
	tcase_add_test(tc, program_forwards_and_reports);
	tcase_add_test(tc, program_applies_faults);
	tcase_add_test(tc, program_waits_for_late_peers);
	tcase_add_test(tc, program_gives_up_on_absent_peers);
	tcase_add_loop_test(tc, program_stops_on_signal, 0, 2);
	tcase_add_loop_test(tc, program_rejects_bad_options, 0, 11);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(linkemu_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
