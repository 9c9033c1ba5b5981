// SPDX-License-Identifier: GPL-2.0
/*
 * linkemu-guest: the guest's side of the emulated link, for suites and
 * benchmarks run in the test VM.
 *
 *   linkemu-guest uart TTY BAUD   raw 8N1 at BAUD, no flow control
 *   linkemu-guest now             CLOCK_MONOTONIC in seconds
 *   linkemu-guest cpu             busy and total CPU time so far, in ticks
 *
 * QEMU's 8250 reports the PC's 1.8432 MHz clock, so Linux refuses more
 * than 115200 baud on it. The emulated UART has no real clock (the host's
 * link emulator sets the pace), so "uart" raises the port's baud_base as
 * root may with TIOCSSERIAL, letting the kernel and ncmp.ko see the rate
 * the emulator really runs at.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const struct {
	unsigned int baud;
	speed_t code;
} speeds[] = {
	{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
	{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
	{ 460800, B460800 }, { 500000, B500000 }, { 576000, B576000 },
	{ 921600, B921600 }, { 1000000, B1000000 }, { 1152000, B1152000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
	{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

static int fail(const char *what, const char *tty)
{
	fprintf(stderr, "linkemu-guest: %s %s: %s\n", what, tty, strerror(errno));
	return 1;
}

/* Let the port accept baud: the divisor becomes 1 at most. */
static int raise_baud_base(int fd, const char *tty, unsigned int baud)
{
	struct serial_struct ss;

	if (ioctl(fd, TIOCGSERIAL, &ss))
		return fail("TIOCGSERIAL", tty);
	if ((unsigned int)ss.baud_base >= baud)
		return 0;
	ss.baud_base = baud;
	if (ioctl(fd, TIOCSSERIAL, &ss))
		return fail("TIOCSSERIAL", tty);
	return 0;
}

static int uart(const char *tty, const char *baud_arg)
{
	unsigned long baud = strtoul(baud_arg, NULL, 10);
	struct termios t;
	speed_t code = 0;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud == baud)
			code = speeds[i].code;
	if (!code) {
		fprintf(stderr, "linkemu-guest: unsupported baud rate '%s'\n",
			baud_arg);
		return 2;
	}
	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail("open", tty);
	if (raise_baud_base(fd, tty, baud)) {
		close(fd);
		return 1;
	}
	if (tcgetattr(fd, &t))
		goto err;
	cfmakeraw(&t);
	t.c_cflag &= ~(CRTSCTS | CSTOPB | PARENB);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetspeed(&t, code);
	if (tcsetattr(fd, TCSANOW, &t) || tcgetattr(fd, &t))
		goto err;
	/* the kernel clamps a rate the port cannot do: say so */
	if (cfgetospeed(&t) != code) {
		fprintf(stderr, "linkemu-guest: %s refused %lu baud\n", tty, baud);
		close(fd);
		return 1;
	}
	tcflush(fd, TCIOFLUSH);
	close(fd);
	return 0;
err:
	fail("setting up", tty);
	close(fd);
	return 1;
}

static int now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	return 0;
}

/* "busy total" from the first line of /proc/stat; idle and iowait are idle. */
static int cpu(void)
{
	unsigned long long v[8] = { 0 }, busy = 0, total = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return fail("open", "/proc/stat");
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8) {
		fprintf(stderr, "linkemu-guest: /proc/stat: unexpected format\n");
		return 1;
	}
	for (i = 0; i < 8; i++) {
		total += v[i];
		if (i != 3 && i != 4)
			busy += v[i];
	}
	printf("%llu %llu\n", busy, total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "uart"))
		return uart(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "now"))
		return now();
	if (argc == 2 && !strcmp(argv[1], "cpu"))
		return cpu();
	fprintf(stderr,
		"usage: linkemu-guest uart TTY BAUD | now | cpu\n");
	return 2;
}
