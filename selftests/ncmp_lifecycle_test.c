// SPDX-License-Identifier: GPL-2.0
/*
 * Life cycle of an ncmp link on a pty: attaching creates /dev/ncmpN with
 * its sysfs attribute and uevent variable, every way of detaching removes
 * it, files left open see the end cleanly, and the module unloads once
 * nothing uses it.
 */

#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "ncmp_harness.h"
#include "ncmp_pty.h"

FIXTURE(pty) {
	struct pty_pair p;
};

FIXTURE_SETUP(pty)
{
	int disc = N_NCMP;

	ASSERT_EQ(0, pty_pair_open(&self->p));
	/* probe: without the module every test here is moot */
	if (ioctl(self->p.slave, TIOCSETD, &disc) && errno == EINVAL)
		SKIP(return, "line discipline %d is not registered", N_NCMP);
	ASSERT_EQ(0, ncmp_detach(self->p.slave));
}

FIXTURE_TEARDOWN(pty)
{
	pty_pair_close(&self->p);
}

TEST_F(pty, attach_creates_device_with_tty_attribute)
{
	char want[32], buf[512];
	int index;

	index = ncmp_attach(self->p.slave);
	ASSERT_LE(0, index) TH_LOG("attach: %s", strerror(-index));
	EXPECT_EQ(1, ncmp_dev_exists(index));

	snprintf(want, sizeof(want), "pts%d", self->p.index);
	ASSERT_EQ(0, ncmp_sysfs_read(index, "tty", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);

	/* the variable is a line of its own, the last one of the file */
	ASSERT_EQ(0, ncmp_sysfs_read(index, "uevent", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "\nNCMP_TTY=pts%d", self->p.index);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("uevent: %s", buf);
	EXPECT_STREQ(want, buf + strlen(buf) - strlen(want));
}

TEST_F(pty, detach_removes_device)
{
	char buf[64];
	int index;

	index = ncmp_attach(self->p.slave);
	ASSERT_LE(0, index);
	ASSERT_EQ(0, ncmp_detach(self->p.slave));
	EXPECT_EQ(0, ncmp_dev_exists(index));
	EXPECT_EQ(-ENOENT, ncmp_sysfs_read(index, "tty", buf, sizeof(buf)));
}

/* A pty pair is released when both ends are closed, not one. */
TEST_F(pty, last_close_of_tty_removes_device)
{
	int index;

	index = ncmp_attach(self->p.slave);
	ASSERT_LE(0, index);
	close(self->p.slave);
	self->p.slave = -1;
	close(self->p.master);
	self->p.master = -1;
	EXPECT_EQ(0, ncmp_dev_exists(index));
}

TEST_F(pty, hangup_removes_device)
{
	int index;

	index = ncmp_attach(self->p.slave);
	ASSERT_LE(0, index);
	/* closing the master hangs up the slave, which stays open */
	close(self->p.master);
	self->p.master = -1;
	EXPECT_EQ(0, ncmp_dev_exists(index));
}

TEST_F(pty, attach_to_master_works_too)
{
	int index;

	index = ncmp_attach(self->p.master);
	ASSERT_LE(0, index);
	EXPECT_EQ(1, ncmp_dev_exists(index));
	EXPECT_EQ(0, ncmp_detach(self->p.master));
	EXPECT_EQ(0, ncmp_dev_exists(index));
}

TEST_F(pty, two_links_get_distinct_devices)
{
	struct pty_pair q;
	int a, b;

	ASSERT_EQ(0, pty_pair_open(&q));
	a = ncmp_attach(self->p.slave);
	b = ncmp_attach(q.slave);
	EXPECT_LE(0, a);
	EXPECT_LE(0, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(1, ncmp_dev_exists(a));
	EXPECT_EQ(1, ncmp_dev_exists(b));
	EXPECT_EQ(0, ncmp_detach(q.slave));
	EXPECT_EQ(0, ncmp_dev_exists(b));
	EXPECT_EQ(1, ncmp_dev_exists(a));
	pty_pair_close(&q);
}

TEST_F(pty, attach_needs_cap_net_admin)
{
	int disc = N_NCMP, status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* an unprivileged user has no capabilities at all */
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		if (ioctl(self->p.slave, TIOCSETD, &disc) == 0)
			_exit(3);
		_exit(errno == EPERM ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(pty, open_file_sees_detach_and_reopen_fails)
{
	char path[64], node[] = "/tmp/ncmp-node-XXXXXX";
	struct stat st;
	char c;
	int index, fd, fd2;

	index = ncmp_attach(self->p.slave);
	ASSERT_LE(0, index);
	fd = ncmp_open(index, 0);
	ASSERT_LE(0, fd);
	ncmp_dev_path(path, sizeof(path), index);
	ASSERT_EQ(0, stat(path, &st));
	/* a node of our own survives the devtmpfs one */
	ASSERT_LE(0, mkstemp(node));
	unlink(node);
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0600, st.st_rdev));

	ASSERT_EQ(0, ncmp_detach(self->p.slave));
	EXPECT_EQ(0, read(fd, &c, 1));
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, close(fd));

	EXPECT_EQ(-ENOENT, ncmp_open(index, 0));
	fd2 = open(node, O_RDWR);
	EXPECT_EQ(-1, fd2);
	EXPECT_TRUE(errno == ENXIO || errno == ENODEV) TH_LOG("%s", strerror(errno));
	if (fd2 >= 0)
		close(fd2);
	unlink(node);
}

TEST_F(pty, index_is_reused_only_after_last_file_closes)
{
	int a, b, c, fd;

	a = ncmp_attach(self->p.slave);
	ASSERT_LE(0, a);
	fd = ncmp_open(a, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ncmp_detach(self->p.slave));
	/* the stale file still owns the number */
	b = ncmp_attach(self->p.slave);
	ASSERT_LE(0, b);
	EXPECT_NE(a, b);
	ASSERT_EQ(0, ncmp_detach(self->p.slave));
	close(fd);
	c = ncmp_attach(self->p.slave);
	EXPECT_EQ(a, c);
}

static int module_unload(void)
{
	return syscall(__NR_delete_module, "ncmp", O_NONBLOCK) ? -errno : 0;
}

static int module_load(void)
{
	int fd, ret;

	fd = open(NCMP_KO_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Last: it unloads the module and loads it again. */
TEST_F(pty, module_unloads_only_when_unused)
{
	int index, fd, ret;

	if (access(NCMP_KO_PATH, R_OK))
		SKIP(return, "%s not found", NCMP_KO_PATH);

	index = ncmp_attach(self->p.slave);
	ASSERT_LE(0, index);
	fd = ncmp_open(index, 0);
	ASSERT_LE(0, fd);

	ret = module_unload();
	EXPECT_TRUE(ret == -EAGAIN || ret == -EBUSY) TH_LOG("attached: %d", ret);
	ASSERT_EQ(0, ncmp_detach(self->p.slave));
	ret = module_unload();
	EXPECT_TRUE(ret == -EAGAIN || ret == -EBUSY) TH_LOG("file open: %d", ret);
	close(fd);
	EXPECT_EQ(0, module_unload());
	ASSERT_EQ(0, module_load());

	index = ncmp_attach(self->p.slave);
	EXPECT_LE(0, index);
	EXPECT_EQ(1, ncmp_dev_exists(index));
}

TEST_HARNESS_MAIN
