// SPDX-License-Identifier: GPL-2.0
/*
 * ncmctl link commands: attach a tty, and read, change and watch links over
 * the generic netlink family "ncmp" (uapi/linux/ncmp.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <asm/termbits.h>
#include <linux/ncmp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ncmctl.h"
#include "wire/arq.h"

#define LDISC_PARAM "/sys/module/ncmp/parameters/ldisc"

/* --- netlink session ----------------------------------------------------- */

struct genl {
	struct nl_sock *sk;
	int family;
};

static int genl_open(struct genl *g)
{
	int err;

	g->sk = nl_socket_alloc();
	if (!g->sk) {
		ncmctl_err("out of memory");
		return NCMCTL_EXIT_FAIL;
	}
	err = genl_connect(g->sk);
	if (err < 0) {
		ncmctl_err("cannot open a netlink socket: %s", nl_geterror(err));
		nl_socket_free(g->sk);
		return NCMCTL_EXIT_FAIL;
	}
	g->family = genl_ctrl_resolve(g->sk, NCMP_GENL_NAME);
	if (g->family < 0) {
		ncmctl_err("the ncmp module is not loaded (no generic netlink family '%s'; try 'modprobe ncmp')",
			   NCMP_GENL_NAME);
		nl_socket_free(g->sk);
		return NCMCTL_EXIT_LINK;
	}
	return NCMCTL_EXIT_OK;
}

static void genl_close(struct genl *g)
{
	nl_socket_free(g->sk);
}

/* --- link attributes ----------------------------------------------------- */

static struct nla_policy link_policy[NCMP_A_MAX + 1] = {
	[NCMP_A_LINK_INDEX] = { .type = NLA_U32 },
	[NCMP_A_LINK_TTY] = { .type = NLA_STRING },
	[NCMP_A_LINK_BAUD] = { .type = NLA_U32 },
	[NCMP_A_LINK_STATE] = { .type = NLA_U32 },
	[NCMP_A_LINK_SESSION] = { .type = NLA_U32 },
	[NCMP_A_LINK_PEER_SESSION] = { .type = NLA_U32 },
	[NCMP_A_LINK_MTU] = { .type = NLA_U32 },
	[NCMP_A_LINK_WINDOW] = { .type = NLA_U32 },
	[NCMP_A_LINK_RTO_MS] = { .type = NLA_U32 },
	[NCMP_A_LINK_RTO_MIN_MS] = { .type = NLA_U32 },
	[NCMP_A_LINK_RTO_MAX_MS] = { .type = NLA_U32 },
	[NCMP_A_LINK_RETRIES] = { .type = NLA_U32 },
	[NCMP_A_LINK_KEEPALIVE_MS] = { .type = NLA_U32 },
	[NCMP_A_LINK_STATS] = { .type = NLA_NESTED },
	[NCMP_A_EVENT] = { .type = NLA_U32 },
};

static const char *const state_names[] = {
	[NCMP_LINK_SYNCING] = "syncing",
	[NCMP_LINK_UP] = "up",
	[NCMP_LINK_FAILED] = "failed",
	[NCMP_LINK_DETACHED] = "detached",
};

static const char *const event_names[] = {
	[NCMP_EVENT_ATTACHED] = "attached",
	[NCMP_EVENT_LINK_UP] = "link-up",
	[NCMP_EVENT_LINK_DOWN] = "link-down",
	[NCMP_EVENT_PEER_RESET] = "peer-reset",
	[NCMP_EVENT_DETACHED] = "detached",
};

static const char *const stat_names[] = {
	[NCMP_STAT_TX_FRAMES] = "tx-frames",
	[NCMP_STAT_TX_BYTES] = "tx-bytes",
	[NCMP_STAT_RX_FRAMES] = "rx-frames",
	[NCMP_STAT_RX_BYTES] = "rx-bytes",
	[NCMP_STAT_RETRANSMITS] = "retransmits",
	[NCMP_STAT_CRC_ERRORS] = "crc-errors",
	[NCMP_STAT_BAD_FRAMES] = "bad-frames",
	[NCMP_STAT_DUPLICATES] = "duplicates",
	[NCMP_STAT_TIMEOUTS] = "timeouts",
	[NCMP_STAT_RESETS] = "resets",
	[NCMP_STAT_SESSION_DROPS] = "session-drops",
	[NCMP_STAT_NO_ROOM] = "no-room",
	[NCMP_STAT_TX_WIRE_BYTES] = "tx-wire-bytes",
	[NCMP_STAT_RX_WIRE_BYTES] = "rx-wire-bytes",
	[NCMP_STAT_BAD_LENGTHS] = "bad-lengths",
	[NCMP_STAT_TTY_ERRORS] = "tty-errors",
	[NCMP_STAT_OUT_OF_ORDER] = "out-of-order",
	[NCMP_STAT_KEEPALIVES] = "keepalives",
	[NCMP_STAT_LINK_DOWNS] = "link-downs",
};

/*
 * The parameters "ncmctl set" accepts, in the words of the stats output,
 * with the bounds the kernel enforces (the wire core's limits).
 */
static const struct {
	const char *key;
	int attr;
	unsigned int min, max;
} settable[] = {
	{ "mtu", NCMP_A_LINK_MTU, NCMP_MTU_MIN, NCMP_MTU_MAX },
	{ "window", NCMP_A_LINK_WINDOW, 1, NCMP_WINDOW_MAX },
	{ "rto-min", NCMP_A_LINK_RTO_MIN_MS, 1, NCMP_ARQ_RTO_LIMIT_MS },
	{ "rto-max", NCMP_A_LINK_RTO_MAX_MS, 1, NCMP_ARQ_RTO_LIMIT_MS },
	{ "retries", NCMP_A_LINK_RETRIES, 1, NCMP_ARQ_RETRIES_MAX },
	{ "keepalive", NCMP_A_LINK_KEEPALIVE_MS, NCMP_ARQ_KEEPALIVE_MIN_MS,
	  NCMP_ARQ_KEEPALIVE_MAX_MS },
};

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

#define NAME_OF(names, v) name_of(names, sizeof(names) / sizeof(names[0]), v)

static unsigned int get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

static void print_link(struct nlattr **tb)
{
	struct nlattr *st[NCMP_STAT_MAX + 1] = { NULL };
	unsigned int i, n = 0;

	printf("ncmp%u: tty %s baud %u state %s session %08x peer %08x\n",
	       get_u32(tb, NCMP_A_LINK_INDEX),
	       tb[NCMP_A_LINK_TTY] ? nla_get_string(tb[NCMP_A_LINK_TTY]) : "?",
	       get_u32(tb, NCMP_A_LINK_BAUD),
	       NAME_OF(state_names, get_u32(tb, NCMP_A_LINK_STATE)),
	       get_u32(tb, NCMP_A_LINK_SESSION),
	       get_u32(tb, NCMP_A_LINK_PEER_SESSION));
	printf("\tmtu %u window %u rto %u ms rto-min %u rto-max %u retries %u keepalive %u ms\n",
	       get_u32(tb, NCMP_A_LINK_MTU), get_u32(tb, NCMP_A_LINK_WINDOW),
	       get_u32(tb, NCMP_A_LINK_RTO_MS),
	       get_u32(tb, NCMP_A_LINK_RTO_MIN_MS),
	       get_u32(tb, NCMP_A_LINK_RTO_MAX_MS),
	       get_u32(tb, NCMP_A_LINK_RETRIES),
	       get_u32(tb, NCMP_A_LINK_KEEPALIVE_MS));
	if (!tb[NCMP_A_LINK_STATS] ||
	    nla_parse_nested(st, NCMP_STAT_MAX, tb[NCMP_A_LINK_STATS], NULL) < 0)
		return;
	for (i = 1; i <= NCMP_STAT_MAX; i++) {
		if (!st[i] || i >= sizeof(stat_names) / sizeof(stat_names[0]) ||
		    !stat_names[i])
			continue;
		printf("%s%s %llu", n++ % 6 ? " " : "\t", stat_names[i],
		       (unsigned long long)nla_get_u64(st[i]));
		if (n % 6 == 0)
			putchar('\n');
	}
	if (n % 6)
		putchar('\n');
}

/* "ncmp3", "/dev/ncmp3" or "3" -> 3 */
static int parse_dev(const char *dev, unsigned int *index)
{
	const char *p = dev;
	char *end;
	unsigned long v;

	if (!strncmp(p, "/dev/", 5))
		p += 5;
	if (!strncmp(p, NCMP_DEV_PREFIX, strlen(NCMP_DEV_PREFIX)))
		p += strlen(NCMP_DEV_PREFIX);
	errno = 0;
	v = strtoul(p, &end, 10);
	if (!*p || *end || errno || v > 0xffffffffUL) {
		ncmctl_err("'%s' is not an ncmp device (expected /dev/ncmpN)", dev);
		return -1;
	}
	*index = (unsigned int)v;
	return 0;
}

/* --- stats ---------------------------------------------------------------- */

struct dump_ctx {
	int filter;		/* -1: all links */
	int found;
};

static int dump_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *ctx = arg;
	struct nlattr *tb[NCMP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NCMP_A_MAX, link_policy) < 0)
		return NL_SKIP;
	if (ctx->filter >= 0 &&
	    get_u32(tb, NCMP_A_LINK_INDEX) != (unsigned int)ctx->filter)
		return NL_OK;
	ctx->found++;
	print_link(tb);
	return NL_OK;
}

static int cmd_stats(int argc, char **argv)
{
	struct dump_ctx ctx = { .filter = -1 };
	unsigned int index;
	struct genl g;
	int err, ret;

	if (argc > 2 || (argc == 2 && !strcmp(argv[1], "--help")))
		return ncmctl_usage("stats");
	if (argc == 2) {
		if (parse_dev(argv[1], &index))
			return NCMCTL_EXIT_USAGE;
		ctx.filter = (int)index;
	}
	ret = genl_open(&g);
	if (ret)
		return ret;
	nl_socket_modify_cb(g.sk, NL_CB_VALID, NL_CB_CUSTOM, dump_cb, &ctx);
	err = genl_send_simple(g.sk, g.family, NCMP_CMD_GET_LINK,
			       NCMP_GENL_VERSION, NLM_F_DUMP);
	if (err >= 0)
		err = nl_recvmsgs_default(g.sk);
	genl_close(&g);
	if (err < 0) {
		ncmctl_err("reading links failed: %s", nl_geterror(err));
		return NCMCTL_EXIT_FAIL;
	}
	if (ctx.filter >= 0 && !ctx.found) {
		ncmctl_err("no such link: ncmp%d", ctx.filter);
		return NCMCTL_EXIT_LINK;
	}
	if (!ctx.found)
		ncmctl_info("no links attached");
	return NCMCTL_EXIT_OK;
}

struct baud_ctx {
	unsigned int index;
	unsigned int baud;
};

static int baud_cb(struct nl_msg *msg, void *arg)
{
	struct baud_ctx *ctx = arg;
	struct nlattr *tb[NCMP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NCMP_A_MAX, link_policy) >= 0 &&
	    get_u32(tb, NCMP_A_LINK_INDEX) == ctx->index)
		ctx->baud = get_u32(tb, NCMP_A_LINK_BAUD);
	return NL_OK;
}

unsigned int ncmctl_link_baud(const char *dev)
{
	struct baud_ctx ctx = { 0, 0 };
	struct genl g;
	int err;

	if (parse_dev(dev, &ctx.index) || genl_open(&g))
		return 0;
	nl_socket_modify_cb(g.sk, NL_CB_VALID, NL_CB_CUSTOM, baud_cb, &ctx);
	err = genl_send_simple(g.sk, g.family, NCMP_CMD_GET_LINK,
			       NCMP_GENL_VERSION, NLM_F_DUMP);
	if (err >= 0)
		err = nl_recvmsgs_default(g.sk);
	genl_close(&g);
	return err < 0 ? 0 : ctx.baud;
}

/* --- set ------------------------------------------------------------------ */

static int cmd_set(int argc, char **argv)
{
	struct nl_msg *msg;
	unsigned int index;
	struct genl g;
	int i, k, err, ret, nkeys = sizeof(settable) / sizeof(settable[0]);

	if (argc < 4 || argc % 2) {
		ncmctl_usage("set");
		fprintf(stderr, "Keys:");
		for (k = 0; k < nkeys; k++)
			fprintf(stderr, " %s", settable[k].key);
		fputc('\n', stderr);
		return NCMCTL_EXIT_USAGE;
	}
	if (parse_dev(argv[1], &index))
		return NCMCTL_EXIT_USAGE;
	ret = genl_open(&g);
	if (ret)
		return ret;
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g.family, 0, 0,
				 NCMP_CMD_SET_LINK, NCMP_GENL_VERSION) ||
	    nla_put_u32(msg, NCMP_A_LINK_INDEX, index) < 0) {
		ncmctl_err("out of memory");
		ret = NCMCTL_EXIT_FAIL;
		goto out;
	}
	for (i = 2; i < argc; i += 2) {
		unsigned long v;
		char *end;

		for (k = 0; k < nkeys && strcmp(settable[k].key, argv[i]); k++)
			;
		if (k == nkeys) {
			ncmctl_err("unknown key '%s'", argv[i]);
			ret = NCMCTL_EXIT_USAGE;
			goto out;
		}
		errno = 0;
		v = strtoul(argv[i + 1], &end, 10);
		if (!*argv[i + 1] || *end || errno || v < settable[k].min ||
		    v > settable[k].max) {
			ncmctl_err("%s: '%s' is not a number in %u..%u", argv[i],
				   argv[i + 1], settable[k].min, settable[k].max);
			ret = NCMCTL_EXIT_USAGE;
			goto out;
		}
		if (nla_put_u32(msg, settable[k].attr, (uint32_t)v) < 0) {
			ncmctl_err("out of memory");
			ret = NCMCTL_EXIT_FAIL;
			goto out;
		}
	}
	err = nl_send_sync(g.sk, msg);
	msg = NULL;
	if (err == -NLE_PERM) {
		ncmctl_err("ncmp%u: permission denied (changing a link needs CAP_NET_ADMIN)", index);
		ret = NCMCTL_EXIT_FAIL;
	} else if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
		ncmctl_err("no such link: ncmp%u", index);
		ret = NCMCTL_EXIT_LINK;
	} else if (err < 0) {
		ncmctl_err("ncmp%u: %s", index, nl_geterror(err));
		ret = NCMCTL_EXIT_FAIL;
	}
out:
	nlmsg_free(msg);
	genl_close(&g);
	return ret;
}

/* --- monitor -------------------------------------------------------------- */

struct monitor_ctx {
	long left;		/* events still to print, -1: no limit */
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct monitor_ctx *ctx = arg;
	struct nlattr *tb[NCMP_A_MAX + 1];
	struct timespec ts;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NCMP_A_MAX, link_policy) < 0 ||
	    !tb[NCMP_A_EVENT])
		return NL_SKIP;
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld.%03ld ncmp%u %s %s\n", (long long)ts.tv_sec,
	       ts.tv_nsec / 1000000, get_u32(tb, NCMP_A_LINK_INDEX),
	       tb[NCMP_A_LINK_TTY] ? nla_get_string(tb[NCMP_A_LINK_TTY]) : "?",
	       NAME_OF(event_names, get_u32(tb, NCMP_A_EVENT)));
	fflush(stdout);
	if (ctx->left > 0)
		ctx->left--;
	return NL_OK;
}

static int cmd_monitor(int argc, char **argv)
{
	struct monitor_ctx ctx = { .left = -1 };
	struct genl g;
	int c, grp, err, ret;

	while ((c = getopt(argc, argv, "c:h")) != -1) {
		switch (c) {
		case 'c':
			ctx.left = strtol(optarg, NULL, 10);
			if (ctx.left <= 0)
				return ncmctl_usage("monitor");
			break;
		default:
			return ncmctl_usage("monitor");
		}
	}
	if (optind != argc)
		return ncmctl_usage("monitor");
	ret = genl_open(&g);
	if (ret)
		return ret;
	grp = genl_ctrl_resolve_grp(g.sk, NCMP_GENL_NAME, NCMP_GENL_MCGRP_EVENTS);
	if (grp < 0 || (err = nl_socket_add_membership(g.sk, grp)) < 0) {
		ncmctl_err("cannot listen to ncmp events: %s",
			   nl_geterror(grp < 0 ? grp : err));
		genl_close(&g);
		return NCMCTL_EXIT_FAIL;
	}
	nl_socket_disable_seq_check(g.sk);
	nl_socket_modify_cb(g.sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &ctx);
	/* Tell a script that waits for us that we are listening. */
	ncmctl_info("listening for events");
	while (ctx.left != 0) {
		err = nl_recvmsgs_default(g.sk);
		if (err < 0 && err != -NLE_INTR) {
			ncmctl_err("receiving events failed: %s", nl_geterror(err));
			ret = NCMCTL_EXIT_FAIL;
			break;
		}
	}
	genl_close(&g);
	return ret;
}

/* --- attach --------------------------------------------------------------- */

static int ldisc_number(void)
{
	FILE *f = fopen(LDISC_PARAM, "r");
	int n = N_NCMP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = N_NCMP;
		fclose(f);
	}
	return n;
}

/* Raw 8N1 at any rate the driver can do (termios2 with BOTHER). */
static int set_line(int fd, const char *tty, unsigned long baud)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t)) {
		ncmctl_err("%s: not a terminal: %s", tty, strerror(errno));
		return -1;
	}
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
		       ICRNL | IXON | IXOFF);
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CREAD | CLOCAL;
	if (baud) {
		t.c_cflag &= ~CBAUD;
		t.c_cflag |= BOTHER;
		t.c_ispeed = t.c_ospeed = (speed_t)baud;
		t.c_cflag &= ~(CBAUD << IBSHIFT);
		t.c_cflag |= BOTHER << IBSHIFT;
	}
	if (ioctl(fd, TCSETS2, &t)) {
		ncmctl_err("%s: cannot set %lu baud: %s", tty, baud, strerror(errno));
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_attach(int argc, char **argv)
{
	bool foreground = false;
	unsigned long baud = 0;
	unsigned int index;
	int c, fd, ldisc;
	char *end;

	while ((c = getopt(argc, argv, "s:dh")) != -1) {
		switch (c) {
		case 's':
			errno = 0;
			baud = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || !baud || baud > 100000000) {
				ncmctl_err("'%s' is not a baud rate", optarg);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		case 'd':
			foreground = true;
			break;
		default:
			return ncmctl_usage("attach");
		}
	}
	if (optind != argc - 1)
		return ncmctl_usage("attach");

	fd = open(argv[optind], O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ncmctl_err("%s: %s", argv[optind], strerror(errno));
		return NCMCTL_EXIT_FAIL;
	}
	if (set_line(fd, argv[optind], baud))
		goto fail;
	ldisc = ldisc_number();
	if (ioctl(fd, TIOCSETD, &ldisc)) {
		if (errno == EPERM)
			ncmctl_err("%s: permission denied (attaching needs CAP_NET_ADMIN)",
				   argv[optind]);
		else if (errno == EINVAL)
			ncmctl_err("%s: line discipline %d is not available: is ncmp.ko loaded? (modprobe ncmp)",
				   argv[optind], ldisc);
		else
			ncmctl_err("%s: cannot attach: %s", argv[optind], strerror(errno));
		goto fail;
	}
	if (ioctl(fd, NCMPIOC_GETINDEX, &index)) {
		ncmctl_err("%s: line discipline %d is not ncmp (%s)", argv[optind],
			   ldisc, strerror(errno));
		goto fail;
	}
	printf("/dev/%s%u\n", NCMP_DEV_PREFIX, index);
	fflush(stdout);

	/*
	 * The link lives as long as the tty stays open, so hold it like
	 * ldattach does: in the background unless -d, until a signal.
	 */
	if (!foreground && daemon(0, 0)) {
		ncmctl_err("cannot go to the background: %s", strerror(errno));
		goto fail;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	while (!stop)
		pause();
	close(fd);
	return NCMCTL_EXIT_OK;
fail:
	close(fd);
	return NCMCTL_EXIT_FAIL;
}

const struct ncmctl_cmd ncmctl_link_cmds[] = {
	{ "attach", cmd_attach, "attach [-s BAUD] [-d] TTY",
	  "attach ncmp to TTY, print /dev/ncmpN, hold it (-d: in the foreground)" },
	{ "stats", cmd_stats, "stats [DEV]",
	  "show links: state, parameters and counters" },
	{ "set", cmd_set, "set DEV KEY VALUE...",
	  "change mtu, window, rto-min, rto-max, retries, keepalive" },
	{ "monitor", cmd_monitor, "monitor [-c COUNT]",
	  "print link events as they happen" },
	{ NULL, NULL, NULL, NULL },
};
