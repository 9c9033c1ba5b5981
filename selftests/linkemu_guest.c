// SPDX-License-Identifier: GPL-2.0
/*
 * linkemu-guest: the guest's side of the emulated link, for suites and
 * benchmarks run in the test VM.
 *
 *   linkemu-guest uart TTY BAUD   a plain tty (N_TTY) again, raw 8N1 at
 *                                 BAUD, no flow control, input flushed
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

/* Best effort: ports without a FIFO have no such attribute. */
static void deepest_rx_trigger(const char *tty)
{
	const char *name = strrchr(tty, '/');
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/tty/%s/rx_trig_bytes",
		 name ? name + 1 : tty);
	f = fopen(path, "w");
	if (!f)
		return;
	/* the kernel rounds down to the deepest level the port has */
	fputs("255\n", f);
	fclose(f);
}

static int uart(const char *tty, const char *baud_arg)
{
	unsigned long baud = strtoul(baud_arg, NULL, 10);
	struct termios t;
	speed_t code = 0;
	int fd, disc = N_TTY;
	size_t i;

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
	/* a benchmark may have left another line discipline on it */
	if (ioctl(fd, TIOCSETD, &disc)) {
		fail("TIOCSETD", tty);
		close(fd);
		return 1;
	}
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
	deepest_rx_trigger(tty);
	tcflush(fd, TCIOFLUSH);
	close(fd);
	return 0;
err:
	fail("setting up", tty);
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "uart"))
		return uart(argv[2], argv[3]);
	fprintf(stderr, "usage: linkemu-guest uart TTY BAUD\n");
	return 2;
}
