// SPDX-License-Identifier: GPL-2.0
/*
 * ncmctl send and recv between two ncmp links on pseudo-terminals: a file
 * and a pipe arrive intact, line by line for the pipe; and every failure
 * is reported by both ends with a clear message and a non-zero exit code,
 * without leaving a file that looks complete: a cut line, a peer reset, a
 * receiver without the model, a full disk, a second recv, a killed sender,
 * a receiver restarted mid-transfer.
 *
 * The programs run as the user would run them (ncmctl from $PATH); the
 * test holds the wire between them and breaks it on purpose.
 */

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>

#include "ncmp_harness.h"
#include "ncmp_pty.h"

#define LINK_UP_MS	20000
#define EXIT_WAIT_MS	120000
#define TDIR		"/tmp/ncmp-transfer"
#define OTHER_MODEL	"/data/o2mix.ncmm"	/* from the suite's vm-args */

enum { EXIT_FAIL = 1, EXIT_MODEL = 4, EXIT_LINK = 5 };

/* Lines a logger would write: compressible, never the same twice. */
static void log_text(char *buf, size_t len, unsigned int seed)
{
	static const char *const what[] = {
		"eth0: link up, 100 Mbps full duplex",
		"gps: fix 3D, 9 satellites, hdop 0.9",
		"sensor: temperature 21.4 C humidity 48 %",
		"sshd: accepted publickey for pi from 10.0.0.2",
	};
	size_t at = 0;
	unsigned int i = seed;
	int n;

	while (at < len) {
		n = snprintf(buf + at, len - at,
			     "2026-11-21T12:%02u:%02u.%03u pi%u %s (seq %u)\n",
			     i / 60 % 60, i % 60, i * 37 % 1000, seed,
			     what[i * 7 % 4], i);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
		i++;
	}
	memset(buf + at, '.', len - at);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err;

	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	close(fd);
	return err;
}

/* The whole file at @path, NUL-terminated, in a buffer to free. */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return strdup("");
	}
	buf = calloc(1, (size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	*len = (size_t)n;
	return buf;
}

/* 1 if the two files hold the same bytes. */
static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = la == lb && !memcmp(x, y, la);

	free(x);
	free(y);
	return same;
}

/* Names in @dir that start with @prefix: the output and its temporaries. */
static int count_files(const char *dir, const char *prefix)
{
	char cmd[256];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -a %s | grep -c '^%s'", dir, prefix);
	f = popen(cmd, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		pclose(f);
	}
	return n;
}

/*
 * Start ncmctl with @argv (after "ncmctl"), stdin from @in_fd, stdout to
 * @out_fd (-1: /dev/null) and stderr to the file @err.
 * NCMP_MODEL_PATH is @model_path ("" unsets it).
 */
static pid_t ncmctl(const char *const *argv, int in_fd, int out_fd,
		    const char *err, const char *model_path)
{
	const char *args[16] = { "ncmctl" };
	pid_t pid;
	int i, fd;

	for (i = 0; argv[i] && i < 14; i++)
		args[i + 1] = argv[i];
	pid = fork();
	if (pid)
		return pid;
	fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0)
		_exit(126);
	if (out_fd < 0)
		out_fd = open("/dev/null", O_WRONLY);
	if (in_fd < 0)
		in_fd = open("/dev/null", O_RDONLY);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0)
		_exit(126);
	/* the test's pipe ends must not keep a pipe open */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	if (*model_path)
		setenv("NCMP_MODEL_PATH", model_path, 1);
	else
		unsetenv("NCMP_MODEL_PATH");
	execvp("ncmctl", (char *const *)args);
	_exit(127);
}

/* The exit code of @pid, or -1 if it had to be killed after @ms. */
static int wait_exit(pid_t pid, int ms)
{
	int status, t;

	for (t = 0; t < ms; t += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* @path's text holds @what. */
static bool says(const char *path, const char *what)
{
	size_t len;
	char *text = slurp(path, &len);
	bool found = strstr(text, what) != NULL;

	free(text);
	return found;
}

FIXTURE(link) {
	struct ncmp_wire w;
	char dev_a[32];		/* the sender's side */
	char dev_b[32];		/* the receiver's side */
};

FIXTURE_SETUP(link)
{
	int err;

	self->w.stop[1] = -1;
	self->w.a.master = self->w.a.slave = -1;
	self->w.b.master = self->w.b.slave = -1;
	if (!ncmp_available())
		SKIP(return, "line discipline %d is not registered", N_NCMP);
	err = ncmp_wire_open(&self->w);
	ASSERT_EQ(0, err) TH_LOG("wire: %s", strerror(-err));
	ASSERT_EQ(0, ncmp_wait_state(self->w.ia, "up", LINK_UP_MS));
	ASSERT_EQ(0, ncmp_wait_state(self->w.ib, "up", LINK_UP_MS));
	ncmp_dev_path(self->dev_a, sizeof(self->dev_a), self->w.ia);
	ncmp_dev_path(self->dev_b, sizeof(self->dev_b), self->w.ib);
	ASSERT_EQ(0, system("rm -rf " TDIR " && mkdir -p " TDIR));
}

FIXTURE_TEARDOWN(link)
{
	ncmp_wire_close(&self->w);
}

/* Write @len bytes of log text to @path. */
static void make_input(struct __test_metadata *_metadata, const char *path,
		       size_t len, unsigned int seed)
{
	char *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	log_text(buf, len, seed);
	ASSERT_EQ(0, write_file(path, buf, len));
	free(buf);
}

/* Feed @len bytes of log text into the pipe @fd. */
static void feed(struct __test_metadata *_metadata, int fd, size_t len,
		 unsigned int seed)
{
	char *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	log_text(buf, len, seed);
	ASSERT_EQ(0, write_all(fd, buf, len));
	free(buf);
}

/* Wait until the receiver wrote something into its temporary file. */
static int wait_output(int ms)
{
	struct dirent *e;
	struct stat st;
	char path[300];
	bool found = false;
	DIR *d;
	int t;

	for (t = 0; t < ms && !found; t += 20) {
		d = opendir(TDIR);
		while (d && (e = readdir(d)) && !found) {
			snprintf(path, sizeof(path), TDIR "/%s", e->d_name);
			found = !strncmp(e->d_name, "out.tmp", 7) &&
				!stat(path, &st) && st.st_size > 0;
		}
		if (d)
			closedir(d);
		usleep(20000);
	}
	return found ? 0 : -ETIMEDOUT;
}

/* Both links give up after a few tries, so that failures come quickly. */
static void short_retries(struct __test_metadata *_metadata,
			  FIXTURE_DATA(link) *self)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "ncmctl set %s retries 4 rto-max 400 keepalive 200 && ncmctl set %s retries 4 rto-max 400 keepalive 200",
		 self->dev_a, self->dev_b);
	ASSERT_EQ(0, system(cmd));
}

/* send FILE, recv -o OUT: both succeed and OUT is FILE. */
static void send_file(struct __test_metadata *_metadata,
		      FIXTURE_DATA(link) *self, const char *in, const char *out,
		      const char *model, const char *recv_path)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, "-o", out, NULL };
	const char *sargs[] = { "send", "-D", self->dev_a, "-m", model, in, NULL };
	pid_t r, s;
	int rs, ss;

	r = ncmctl(rargs, -1, -1, TDIR "/recv.err", recv_path);
	s = ncmctl(sargs, -1, -1, TDIR "/send.err", "");
	ss = wait_exit(s, EXIT_WAIT_MS);
	rs = wait_exit(r, EXIT_WAIT_MS);
	EXPECT_EQ(0, ss) TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
	EXPECT_EQ(0, rs) TH_LOG("recv: %s", slurp(TDIR "/recv.err", &(size_t){0}));
	EXPECT_TRUE(same_file(in, out));
	EXPECT_EQ(1, count_files(TDIR, "out"));
}

TEST_F_TIMEOUT(link, file_arrives_identical, 300)
{
	make_input(_metadata, TDIR "/in", 40000, 1);
	send_file(_metadata, self, TDIR "/in", TDIR "/out", "auto", "");
}

TEST_F_TIMEOUT(link, empty_file_arrives_identical, 120)
{
	make_input(_metadata, TDIR "/in", 0, 1);
	send_file(_metadata, self, TDIR "/in", TDIR "/out", "auto", "");
}

TEST_F_TIMEOUT(link, damaged_line_still_delivers_identical, 300)
{
	atomic_store(&self->w.flip_every, 3001);
	atomic_store(&self->w.drop_every, 7919);
	make_input(_metadata, TDIR "/in", 30000, 2);
	send_file(_metadata, self, TDIR "/in", TDIR "/out", "default", "");
}

TEST_F_TIMEOUT(link, pipe_lines_arrive_one_by_one, 300)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, NULL };
	const char *sargs[] = { "send", "-D", self->dev_a, NULL };
	int to_send[2], from_recv[2], i;
	char line[80], got[80];
	size_t have;
	pid_t r, s;

	ASSERT_EQ(0, pipe(to_send));
	ASSERT_EQ(0, pipe(from_recv));
	r = ncmctl(rargs, -1, from_recv[1], TDIR "/recv.err", "");
	s = ncmctl(sargs, to_send[0], -1, TDIR "/send.err", "");
	close(to_send[0]);
	close(from_recv[1]);
	/* each line must come out before the next one goes in */
	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "$GPGGA,1200%02d.00,4807.038,N,01131.000,E,1,08,0.9*%02d\n",
			 i, i * 7);
		ASSERT_EQ(0, write_all(to_send[1], line, strlen(line)));
		for (have = 0; have < strlen(line);) {
			ssize_t n;

			ASSERT_LT(0, poll(&(struct pollfd){ .fd = from_recv[0],
							    .events = POLLIN },
					  1, 60000)) TH_LOG("line %d did not arrive", i);
			n = read(from_recv[0], got + have, strlen(line) - have);
			ASSERT_LT(0, n);
			have += (size_t)n;
		}
		EXPECT_EQ(0, memcmp(line, got, strlen(line)));
	}
	close(to_send[1]);
	EXPECT_EQ(0, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(0, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_EQ(0, read(from_recv[0], got, sizeof(got)));
	close(from_recv[0]);
}

/*
 * Start a transfer from a pipe and wait until data flows; the caller then
 * breaks something. The pipe stays open, so the transfer cannot end.
 */
static void start_piped(struct __test_metadata *_metadata,
			FIXTURE_DATA(link) *self, pid_t *s, pid_t *r,
			int *feed_fd)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, "-o", TDIR "/out", NULL };
	const char *sargs[] = { "send", "-D", self->dev_a, NULL };
	int p[2];

	ASSERT_EQ(0, pipe(p));
	*r = ncmctl(rargs, -1, -1, TDIR "/recv.err", "");
	*s = ncmctl(sargs, p[0], -1, TDIR "/send.err", "");
	close(p[0]);
	*feed_fd = p[1];
	feed(_metadata, p[1], 20000, 3);
	ASSERT_EQ(0, wait_output(EXIT_WAIT_MS));
}

TEST_F_TIMEOUT(link, cut_line_fails_both_ends, 300)
{
	pid_t s, r;
	int fd;

	short_retries(_metadata, self);
	start_piped(_metadata, self, &s, &r, &fd);
	atomic_store(&self->w.cut, true);
	EXPECT_EQ(EXIT_LINK, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(EXIT_LINK, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/send.err", "link is down"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
	EXPECT_TRUE(says(TDIR "/recv.err", "link is down"))
		TH_LOG("recv: %s", slurp(TDIR "/recv.err", &(size_t){0}));
	EXPECT_EQ(0, count_files(TDIR, "out"));
	close(fd);
}

TEST_F_TIMEOUT(link, peer_reset_fails_both_ends, 300)
{
	pid_t s, r;
	int fd;

	start_piped(_metadata, self, &s, &r, &fd);
	/* the sender's side goes away and comes back: a new session */
	ASSERT_EQ(0, ncmp_detach(self->w.a.slave));
	ASSERT_LE(0, ncmp_attach(self->w.a.slave));
	EXPECT_EQ(EXIT_LINK, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(EXIT_LINK, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/send.err", "detached"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
	EXPECT_TRUE(says(TDIR "/recv.err", "reset the link"))
		TH_LOG("recv: %s", slurp(TDIR "/recv.err", &(size_t){0}));
	EXPECT_EQ(0, count_files(TDIR, "out"));
	close(fd);
}

TEST_F_TIMEOUT(link, killed_sender_leaves_no_file, 300)
{
	pid_t s, r;
	int fd;

	start_piped(_metadata, self, &s, &r, &fd);
	kill(s, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(EXIT_FAIL, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/recv.err", "incomplete"))
		TH_LOG("recv: %s", slurp(TDIR "/recv.err", &(size_t){0}));
	EXPECT_EQ(0, count_files(TDIR, "out"));
	close(fd);
}

TEST_F_TIMEOUT(link, receiver_without_the_model_refuses, 300)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, "-o", TDIR "/out", NULL };
	const char *sargs[] = { "send", "-D", self->dev_a, "-m", OTHER_MODEL,
				TDIR "/in", NULL };
	pid_t r, s;

	if (access(OTHER_MODEL, R_OK))
		SKIP(return, "%s is not in the VM", OTHER_MODEL);
	make_input(_metadata, TDIR "/in", 100000, 4);
	r = ncmctl(rargs, -1, -1, TDIR "/recv.err", "/nonexistent");
	s = ncmctl(sargs, -1, -1, TDIR "/send.err", "");
	EXPECT_EQ(EXIT_MODEL, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(EXIT_MODEL, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/send.err", "does not have model"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
	EXPECT_TRUE(says(TDIR "/recv.err", "no model"))
		TH_LOG("recv: %s", slurp(TDIR "/recv.err", &(size_t){0}));
	EXPECT_EQ(0, count_files(TDIR, "out"));

	/* with the model in its search path the same transfer works */
	send_file(_metadata, self, TDIR "/in", TDIR "/out", OTHER_MODEL, "/data");
}

TEST_F_TIMEOUT(link, full_disk_on_receiver_fails_both_ends, 300)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, "-o",
				TDIR "/full/out", NULL };
	const char *sargs[] = { "send", "-D", self->dev_a, TDIR "/in", NULL };
	pid_t r, s;

	ASSERT_EQ(0, mkdir(TDIR "/full", 0755));
	ASSERT_EQ(0, mount("tmpfs", TDIR "/full", "tmpfs", 0, "size=16k"));
	make_input(_metadata, TDIR "/in", 120000, 5);
	r = ncmctl(rargs, -1, -1, TDIR "/recv.err", "");
	s = ncmctl(sargs, -1, -1, TDIR "/send.err", "");
	EXPECT_EQ(EXIT_FAIL, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(EXIT_FAIL, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/send.err", "No space left on device"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
	EXPECT_TRUE(says(TDIR "/recv.err", "No space left on device"))
		TH_LOG("recv: %s", slurp(TDIR "/recv.err", &(size_t){0}));
	EXPECT_EQ(0, count_files(TDIR "/full", "out"));
	umount(TDIR "/full");

	/* the link is clean for the next transfer */
	send_file(_metadata, self, TDIR "/in", TDIR "/out", "auto", "");
}

TEST_F_TIMEOUT(link, second_recv_is_refused, 300)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, "-o", TDIR "/other", NULL };
	const char *first[] = { "recv", "-D", self->dev_b, "-o", TDIR "/out", NULL };
	const char *sargs[] = { "send", "-D", self->dev_a, TDIR "/in", NULL };
	pid_t r, r2, s;

	make_input(_metadata, TDIR "/in", 5000, 6);
	r = ncmctl(first, -1, -1, TDIR "/recv.err", "");
	usleep(500000);
	r2 = ncmctl(rargs, -1, -1, TDIR "/recv2.err", "");
	EXPECT_EQ(EXIT_FAIL, wait_exit(r2, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/recv2.err", "in use by another"))
		TH_LOG("recv: %s", slurp(TDIR "/recv2.err", &(size_t){0}));
	EXPECT_EQ(0, count_files(TDIR, "other"));

	/* the first one is unharmed */
	s = ncmctl(sargs, -1, -1, TDIR "/send.err", "");
	EXPECT_EQ(0, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(0, wait_exit(r, EXIT_WAIT_MS));
	EXPECT_TRUE(same_file(TDIR "/in", TDIR "/out"));
}

TEST_F_TIMEOUT(link, restarted_receiver_fails_the_sender, 300)
{
	const char *rargs[] = { "recv", "-D", self->dev_b, "-o", TDIR "/out2", NULL };
	pid_t s, r, r2;
	int fd;

	start_piped(_metadata, self, &s, &r, &fd);
	kill(r, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, wait_exit(r, EXIT_WAIT_MS));
	r2 = ncmctl(rargs, -1, -1, TDIR "/recv2.err", "");
	close(fd);
	EXPECT_EQ(EXIT_FAIL, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_TRUE(says(TDIR "/send.err", "missed the start"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));

	/* the new receiver is still waiting, and takes the next transfer */
	make_input(_metadata, TDIR "/in", 8000, 7);
	s = ncmctl((const char *[]){ "send", "-D", self->dev_a, TDIR "/in", NULL },
		   -1, -1, TDIR "/send.err", "");
	EXPECT_EQ(0, wait_exit(s, EXIT_WAIT_MS));
	EXPECT_EQ(0, wait_exit(r2, EXIT_WAIT_MS));
	EXPECT_TRUE(same_file(TDIR "/in", TDIR "/out2"));
}

/* Nobody receives: the sender gives up after -t, naming the likely cause. */
TEST_F_TIMEOUT(link, sender_without_receiver_gives_up, 120)
{
	const char *sargs[] = { "send", "-D", self->dev_a, "-t", "3",
				TDIR "/in", NULL };
	pid_t s;

	make_input(_metadata, TDIR "/in", 8000, 8);
	s = ncmctl(sargs, -1, -1, TDIR "/send.err", "");
	EXPECT_EQ(EXIT_LINK, wait_exit(s, 60000));
	EXPECT_TRUE(says(TDIR "/send.err", "no answer for 3 s"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
}

/* More than the far end buffers, and nobody reads it: the same. */
TEST_F_TIMEOUT(link, sender_to_a_full_link_gives_up, 120)
{
	const char *sargs[] = { "send", "-D", self->dev_a, "-t", "3",
				TDIR "/in", NULL };
	pid_t s;

	ASSERT_EQ(0, system("head -c 2000000 /dev/urandom > " TDIR "/in"));
	s = ncmctl(sargs, -1, -1, TDIR "/send.err", "");
	EXPECT_EQ(EXIT_LINK, wait_exit(s, 60000));
	EXPECT_TRUE(says(TDIR "/send.err", "is 'ncmctl recv' running"))
		TH_LOG("send: %s", slurp(TDIR "/send.err", &(size_t){0}));
}

TEST_HARNESS_MAIN
