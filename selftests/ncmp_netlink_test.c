// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "ncmp": dump and get links, set parameters
 * (and be refused without CAP_NET_ADMIN), and the events group, through
 * libnl as any client would, and through ncmctl as a user would.
 *
 * Two links talk through two pty pairs joined by a forwarding thread that
 * the test can cut, so a link can be brought up and then lose its peer.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ncmp_harness.h"
#include "ncmp_pty.h"

/* Generous bound for an event to arrive; no test depends on it being fast. */
#define EVENT_WAIT_MS	20000

struct link_attrs {
	int found;
	int index, state, mtu, window, retries, rto_min, rto_max, keepalive;
	long long rx_frames;
	char tty[64];
};

static struct nla_policy policy[NCMP_A_MAX + 1] = {
	[NCMP_A_LINK_TTY] = { .type = NLA_STRING },
	[NCMP_A_LINK_STATS] = { .type = NLA_NESTED },
};

/* Attribute values here are small; -1 stands for "absent". */
static int u32_of(struct nlattr **tb, int attr)
{
	return tb[attr] ? (int)nla_get_u32(tb[attr]) : -1;
}

static void parse_link(struct nlattr **tb, struct link_attrs *l)
{
	struct nlattr *st[NCMP_STAT_MAX + 1] = { NULL };

	l->found = 1;
	l->index = u32_of(tb, NCMP_A_LINK_INDEX);
	l->state = u32_of(tb, NCMP_A_LINK_STATE);
	l->mtu = u32_of(tb, NCMP_A_LINK_MTU);
	l->window = u32_of(tb, NCMP_A_LINK_WINDOW);
	l->retries = u32_of(tb, NCMP_A_LINK_RETRIES);
	l->rto_min = u32_of(tb, NCMP_A_LINK_RTO_MIN_MS);
	l->rto_max = u32_of(tb, NCMP_A_LINK_RTO_MAX_MS);
	l->keepalive = u32_of(tb, NCMP_A_LINK_KEEPALIVE_MS);
	snprintf(l->tty, sizeof(l->tty), "%s",
		 tb[NCMP_A_LINK_TTY] ? nla_get_string(tb[NCMP_A_LINK_TTY]) : "");
	if (tb[NCMP_A_LINK_STATS] &&
	    !nla_parse_nested(st, NCMP_STAT_MAX, tb[NCMP_A_LINK_STATS], NULL) &&
	    st[NCMP_STAT_RX_FRAMES])
		l->rx_frames = (long long)nla_get_u64(st[NCMP_STAT_RX_FRAMES]);
}

struct dump_req {
	int want;
	int seen;
	struct link_attrs link;
};

static int dump_cb(struct nl_msg *msg, void *arg)
{
	struct dump_req *req = arg;
	struct nlattr *tb[NCMP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NCMP_A_MAX, policy) < 0)
		return NL_SKIP;
	req->seen++;
	if (u32_of(tb, NCMP_A_LINK_INDEX) == req->want)
		parse_link(tb, &req->link);
	return NL_OK;
}

static struct nl_sock *genl_socket(int *family)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (genl_connect(sk) < 0 ||
	    (*family = genl_ctrl_resolve(sk, NCMP_GENL_NAME)) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/*
 * GET_LINK as a dump of all links (@dump) or for @index alone; fill @l with
 * link @index if the answer holds it, and @count with the links seen.
 */
static int query_link(int index, bool dump, struct link_attrs *l, int *count)
{
	struct dump_req req = { .want = index };
	struct nl_msg *msg;
	struct nl_sock *sk;
	int family, err;

	sk = genl_socket(&family);
	if (!sk)
		return -NLE_OBJ_NOTFOUND;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, dump_cb, &req);
	msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
		    dump ? NLM_F_DUMP : 0, NCMP_CMD_GET_LINK, NCMP_GENL_VERSION);
	if (!dump)
		nla_put_u32(msg, NCMP_A_LINK_INDEX, index);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	*l = req.link;
	if (count)
		*count = req.seen;
	return err < 0 ? err : 0;
}

static int dump_link(int index, struct link_attrs *l, int *count)
{
	return query_link(index, true, l, count);
}

static int get_link(int index, struct link_attrs *l)
{
	return query_link(index, false, l, NULL);
}

/* SET_LINK with up to three attribute/value pairs (attr 0 ends the list). */
static int set_link(int index, int a1, __u32 v1, int a2, __u32 v2, int a3,
		    __u32 v3)
{
	struct nl_msg *msg;
	struct nl_sock *sk;
	int family, err;

	sk = genl_socket(&family);
	if (!sk)
		return -NLE_OBJ_NOTFOUND;
	msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
		    NCMP_CMD_SET_LINK, NCMP_GENL_VERSION);
	nla_put_u32(msg, NCMP_A_LINK_INDEX, index);
	if (a1)
		nla_put_u32(msg, a1, v1);
	if (a2)
		nla_put_u32(msg, a2, v2);
	if (a3)
		nla_put_u32(msg, a3, v3);
	err = nl_send_sync(sk, msg);
	nl_socket_free(sk);
	return err;
}

/* --- the events group ----------------------------------------------------- */

struct event_log {
	struct nl_sock *sk;
	int n;
	int index[64];
	int event[64];
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct event_log *log = arg;
	struct nlattr *tb[NCMP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NCMP_A_MAX, policy) < 0 ||
	    !tb[NCMP_A_EVENT] || log->n == 64)
		return NL_SKIP;
	log->index[log->n] = u32_of(tb, NCMP_A_LINK_INDEX);
	log->event[log->n] = u32_of(tb, NCMP_A_EVENT);
	log->n++;
	return NL_OK;
}

static int events_open(struct event_log *log)
{
	int family, grp;

	memset(log, 0, sizeof(*log));
	log->sk = genl_socket(&family);
	if (!log->sk)
		return -1;
	grp = genl_ctrl_resolve_grp(log->sk, NCMP_GENL_NAME,
				    NCMP_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(log->sk, grp) < 0)
		return -1;
	nl_socket_disable_seq_check(log->sk);
	nl_socket_modify_cb(log->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, log);
	return 0;
}

/* Receive events until link @index has reported @event; 0 if it did. */
static int events_wait(struct event_log *log, int index, int event)
{
	struct pollfd p = { .fd = nl_socket_get_fd(log->sk), .events = POLLIN };
	int i, waited = 0;

	for (;;) {
		for (i = 0; i < log->n; i++)
			if (log->index[i] == index && log->event[i] == event)
				return 0;
		if (waited >= EVENT_WAIT_MS || poll(&p, 1, 100) < 0)
			return -1;
		waited += 100;
		if (p.revents & POLLIN)
			nl_recvmsgs_default(log->sk);
	}
}

/* --- two links joined by a wire that can be cut ---------------------------- */

FIXTURE(nl) {
	struct pty_pair p1, p2;
	int a, b;
	pthread_t wire;
	atomic_int stop, cut;
};

static void *wire_thread(void *arg)
{
	struct _test_data_nl *self = arg;
	struct pollfd p[2] = {
		{ .fd = self->p1.master, .events = POLLIN },
		{ .fd = self->p2.master, .events = POLLIN },
	};
	char buf[4096];
	ssize_t n;
	int i;

	while (!atomic_load(&self->stop)) {
		if (poll(p, 2, 50) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0 && !atomic_load(&self->cut) &&
			    write(p[!i].fd, buf, n) != n)
				return NULL;
		}
	}
	return NULL;
}

FIXTURE_SETUP(nl)
{
	int family;
	struct nl_sock *sk = genl_socket(&family);

	if (!sk)
		SKIP(return, "generic netlink family '%s' not found", NCMP_GENL_NAME);
	nl_socket_free(sk);
	ASSERT_EQ(0, pty_pair_open(&self->p1));
	ASSERT_EQ(0, pty_pair_open(&self->p2));
	ASSERT_EQ(0, tty_make_raw(self->p1.master));
	ASSERT_EQ(0, tty_make_raw(self->p2.master));
	self->a = -1;
	self->b = -1;
	atomic_store(&self->stop, 0);
	atomic_store(&self->cut, 0);
	ASSERT_EQ(0, pthread_create(&self->wire, NULL, wire_thread, self));
}

FIXTURE_TEARDOWN(nl)
{
	atomic_store(&self->stop, 1);
	pthread_join(self->wire, NULL);
	pty_pair_close(&self->p1);
	pty_pair_close(&self->p2);
}

TEST_F(nl, dump_lists_an_attached_link_with_its_tty)
{
	struct link_attrs l;
	char tty[64];
	int count;

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, ncmp_sysfs_read(self->a, "tty", tty, sizeof(tty)));
	ASSERT_EQ(0, dump_link(self->a, &l, &count));
	ASSERT_TRUE(l.found);
	EXPECT_GE(count, 1);
	EXPECT_STREQ(tty, l.tty);
	EXPECT_EQ(NCMP_LINK_SYNCING, l.state);
	EXPECT_EQ(1, l.window);
	EXPECT_LT(0, l.mtu);
}

TEST_F(nl, get_returns_one_link_and_enodev_for_none)
{
	struct link_attrs l;

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, get_link(self->a, &l));
	ASSERT_TRUE(l.found);
	EXPECT_EQ(self->a, l.index);
	EXPECT_NE(0, get_link(self->a + 1000, &l));
}

TEST_F(nl, detached_link_leaves_the_dump)
{
	struct link_attrs l;

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, ncmp_detach(self->p1.slave));
	ASSERT_EQ(0, dump_link(self->a, &l, NULL));
	EXPECT_FALSE(l.found);
}

TEST_F(nl, set_changes_parameters)
{
	struct link_attrs l;

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, set_link(self->a, NCMP_A_LINK_WINDOW, 4,
			      NCMP_A_LINK_MTU, 512, NCMP_A_LINK_RETRIES, 5));
	ASSERT_EQ(0, set_link(self->a, NCMP_A_LINK_KEEPALIVE_MS, 700000,
			      NCMP_A_LINK_RTO_MIN_MS, 20,
			      NCMP_A_LINK_RTO_MAX_MS, 40000));
	ASSERT_EQ(0, dump_link(self->a, &l, NULL));
	EXPECT_EQ(4, l.window);
	EXPECT_EQ(512, l.mtu);
	EXPECT_EQ(5, l.retries);
	EXPECT_EQ(700000, l.keepalive);
	EXPECT_EQ(20, l.rto_min);
	EXPECT_EQ(40000, l.rto_max);
}

TEST_F(nl, set_rejects_values_out_of_range_and_changes_nothing)
{
	struct link_attrs before, after;

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, dump_link(self->a, &before, NULL));
	EXPECT_NE(0, set_link(self->a, NCMP_A_LINK_WINDOW, 9, 0, 0, 0, 0));
	EXPECT_NE(0, set_link(self->a, NCMP_A_LINK_WINDOW, 0, 0, 0, 0, 0));
	EXPECT_NE(0, set_link(self->a, NCMP_A_LINK_MTU, 65536 + 512, 0, 0, 0, 0));
	EXPECT_NE(0, set_link(self->a, NCMP_A_LINK_WINDOW, 2,
			      NCMP_A_LINK_RTO_MIN_MS, 500,
			      NCMP_A_LINK_RTO_MAX_MS, 100));
	EXPECT_NE(0, set_link(self->a, NCMP_A_LINK_TTY, 1, 0, 0, 0, 0));
	EXPECT_NE(0, set_link(self->a + 1000, NCMP_A_LINK_WINDOW, 2, 0, 0, 0, 0));
	ASSERT_EQ(0, dump_link(self->a, &after, NULL));
	EXPECT_EQ(before.window, after.window);
	EXPECT_EQ(before.mtu, after.mtu);
	EXPECT_EQ(before.rto_min, after.rto_min);
	EXPECT_EQ(before.rto_max, after.rto_max);
}

TEST_F(nl, set_is_refused_without_cap_net_admin)
{
	struct link_attrs l;
	pid_t pid;
	int status;

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char dev[32], *argv[] = { "ncmctl", "set", dev, "window", "3", NULL };
		int devnull = open("/dev/null", O_WRONLY);

		/* nobody: every capability is gone after setuid() */
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (set_link(self->a, NCMP_A_LINK_WINDOW, 3, 0, 0, 0, 0) != -NLE_PERM)
			_exit(11);
		/* and the reading side stays open to everybody */
		if (dump_link(self->a, &l, NULL) || !l.found)
			_exit(12);
		snprintf(dev, sizeof(dev), "ncmp%d", self->a);
		dup2(devnull, 2);
		execvp("ncmctl", argv);
		_exit(13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* ncmctl's own exit code for a refused change */
	EXPECT_EQ(1, WEXITSTATUS(status));
	ASSERT_EQ(0, dump_link(self->a, &l, NULL));
	EXPECT_EQ(1, l.window);
}

TEST_F(nl, events_follow_a_link_from_attach_to_detach)
{
	struct event_log log;
	struct link_attrs l;

	ASSERT_EQ(0, events_open(&log));
	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	self->b = ncmp_attach(self->p2.slave);
	ASSERT_LE(0, self->b);
	EXPECT_EQ(0, events_wait(&log, self->a, NCMP_EVENT_ATTACHED));
	EXPECT_EQ(0, events_wait(&log, self->a, NCMP_EVENT_LINK_UP));
	EXPECT_EQ(0, events_wait(&log, self->b, NCMP_EVENT_LINK_UP));
	ASSERT_EQ(0, dump_link(self->a, &l, NULL));
	EXPECT_EQ(NCMP_LINK_UP, l.state);
	EXPECT_LT(0, l.rx_frames);

	/* Cut the wire: a's keepalive goes unanswered, the link goes down. */
	ASSERT_EQ(0, set_link(self->a, NCMP_A_LINK_KEEPALIVE_MS, 50,
			      NCMP_A_LINK_RETRIES, 2, NCMP_A_LINK_RTO_MIN_MS, 10));
	atomic_store(&self->cut, 1);
	EXPECT_EQ(0, events_wait(&log, self->a, NCMP_EVENT_LINK_DOWN));

	ASSERT_EQ(0, ncmp_detach(self->p1.slave));
	EXPECT_EQ(0, events_wait(&log, self->a, NCMP_EVENT_DETACHED));
	nl_socket_free(log.sk);
}

/* Run ncmctl with @argv; return its exit status and stdout in @out. */
static int run_ncmctl(char *const argv[], char *out, size_t len)
{
	int fd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execvp("ncmctl", argv);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(nl, ncmctl_stats_shows_the_link_and_set_changes_it)
{
	char dev[32], head[64], out[4096];
	char *stats[] = { "ncmctl", "stats", dev, NULL };
	char *set[] = { "ncmctl", "set", dev, "window", "3", "mtu", "256", NULL };
	char *bad[] = { "ncmctl", "set", dev, "window", "99", NULL };
	char *none[] = { "ncmctl", "stats", "ncmp999", NULL };

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	snprintf(dev, sizeof(dev), "/dev/ncmp%d", self->a);
	snprintf(head, sizeof(head), "ncmp%d: tty ", self->a);

	ASSERT_EQ(0, run_ncmctl(stats, out, sizeof(out)));
	EXPECT_EQ(0, strncmp(out, head, strlen(head)));
	EXPECT_NE(NULL, strstr(out, "window 1 "));
	EXPECT_NE(NULL, strstr(out, "crc-errors 0"));

	ASSERT_EQ(0, run_ncmctl(set, out, sizeof(out)));
	ASSERT_EQ(0, run_ncmctl(stats, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "mtu 256 window 3 "));

	EXPECT_EQ(2, run_ncmctl(bad, out, sizeof(out)));
	EXPECT_EQ(5, run_ncmctl(none, out, sizeof(out)));
}

TEST_F(nl, ncmctl_monitor_prints_events)
{
	char line[256] = "";
	int out[2], err[2];
	FILE *fo, *fe;
	pid_t pid;
	int status;

	ASSERT_EQ(0, pipe(out));
	ASSERT_EQ(0, pipe(err));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execlp("ncmctl", "ncmctl", "-v", "monitor", "-c", "1", NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	fe = fdopen(err[0], "r");
	fo = fdopen(out[0], "r");
	/* wait until it listens, so the attach below cannot be missed */
	while (fgets(line, sizeof(line), fe) && !strstr(line, "listening"))
		;
	ASSERT_NE(NULL, strstr(line, "listening"));

	self->a = ncmp_attach(self->p1.slave);
	ASSERT_LE(0, self->a);
	ASSERT_NE(NULL, fgets(line, sizeof(line), fo));
	EXPECT_NE(NULL, strstr(line, " attached"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fclose(fo);
	fclose(fe);
}

TEST_HARNESS_MAIN
