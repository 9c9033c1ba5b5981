// SPDX-License-Identifier: GPL-2.0
/*
 * ncmctl send and recv: a file or a pipe, compressed, across /dev/ncmpN.
 *
 * The sender writes a header record (transfer id, name, size), an ncmp
 * stream (which names its model) and a trailer record, waits with fsync
 * until the peer has acknowledged all of it, and closes, which puts an
 * end-of-stream mark on the link. The receiver decodes into a temporary
 * file, renames it once the stream's CRC and the trailer check out, and
 * answers with a reply record carrying its exit status, so that both ends
 * fail together and for the same reason. docs/TRANSFER.md has every byte.
 *
 * One transfer uses a link at a time, in either direction: send and recv
 * take an exclusive flock on the device, because both read from it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ncmctl.h"
#include "wire/crc32.h"

#define DEV_DEFAULT	"/dev/ncmp0"
#define BLOCK_RAW	(16u << 10)	/* input bytes per block at most */
#define PAUSE_MS	2		/* input idle this long: flush a block */
#define OBUF_SIZE	(256u << 10)	/* coded bytes waiting for the link */
#define RX_SIZE		(64u << 10)
#define SAMPLE_MAX	(4u << 10)	/* input bytes -m auto measures on */
#define SAMPLE_MIN	1024u
#define DRAIN_IDLE_MS	10000		/* give up draining a silent sender */
#define EOS_WAIT_MS	2000		/* for the mark after a reply */
#define STALL_DEFAULT_S	60		/* send -t: a peer this silent fails */

/* ---- records: header, trailer and reply share one layout ---------------- */

#define REC_VERSION	1
#define REC_FIXED	19	/* magic, version, flags, text length, id, size */
#define REC_MAX		(REC_FIXED + 255 + 4)
#define REC_MIN		(REC_FIXED + 4)
#define FLAG_SIZE	1u	/* header: the size field is valid */

static const uint8_t head_magic[4] = { 'N', 'C', 'X', 'H' };
static const uint8_t tail_magic[4] = { 'N', 'C', 'X', 'T' };
static const uint8_t reply_magic[4] = { 'N', 'C', 'X', 'R' };

/*
 * @flags: header: FLAG_SIZE; reply: the receiver's exit status
 * @size: header: the input's size; trailer: bytes sent; reply: bytes
 *	written
 * @text: header: the file name; reply: what went wrong
 */
struct record {
	uint8_t flags;
	uint32_t id;
	uint64_t size;
	char text[256];
};

enum parse { PARSE_OK, PARSE_MORE, PARSE_FOREIGN, PARSE_BAD };

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static size_t record_put(uint8_t *p, const uint8_t magic[4],
			 const struct record *r)
{
	size_t n = strnlen(r->text, 255);

	memcpy(p, magic, 4);
	p[4] = REC_VERSION;
	p[5] = r->flags;
	p[6] = (uint8_t)n;
	put_le(p + 7, r->id, 4);
	put_le(p + 11, r->size, 8);
	memcpy(p + REC_FIXED, r->text, n);
	put_le(p + REC_FIXED + n, ncmp_crc32(0, p, REC_FIXED + n), 4);
	return REC_FIXED + n + 4;
}

/*
 * Parse a record from the @len bytes at @p. PARSE_MORE sets *@need to the
 * length to wait for; PARSE_OK sets it to the record's length; PARSE_BAD
 * means the magic matched but the CRC or version did not.
 */
static enum parse record_get(const uint8_t *p, size_t len,
			     const uint8_t magic[4], struct record *r,
			     size_t *need)
{
	size_t n;

	if (memcmp(p, magic, len < 4 ? len : 4))
		return PARSE_FOREIGN;
	*need = REC_FIXED;
	if (len < REC_FIXED)
		return PARSE_MORE;
	n = p[6];
	*need = REC_FIXED + n + 4;
	if (len < *need)
		return PARSE_MORE;
	if (get_le(p + REC_FIXED + n, 4) != ncmp_crc32(0, p, REC_FIXED + n) ||
	    p[4] != REC_VERSION)
		return PARSE_BAD;
	r->flags = p[5];
	r->id = (uint32_t)get_le(p + 7, 4);
	r->size = get_le(p + 11, 8);
	memcpy(r->text, p + REC_FIXED, n);
	r->text[n] = '\0';
	return PARSE_OK;
}

/* ---- the device ---------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* SIGINT and friends interrupt blocking calls, so cleanup can run. */
static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* What a failed call on the link means, in words; returns an exit code. */
static int dev_error(const char *dev, int err)
{
	switch (err) {
	case ETIMEDOUT:
		ncmctl_err("%s: the link is down: the peer stopped answering",
			   dev);
		return NCMCTL_EXIT_LINK;
	case ECONNRESET:
		ncmctl_err("%s: the peer reset the link (its side was detached or restarted)",
			   dev);
		return NCMCTL_EXIT_LINK;
	case EIO:
	case ENODEV:
		ncmctl_err("%s: the link was detached", dev);
		return NCMCTL_EXIT_LINK;
	case EINTR:
		ncmctl_err("%s: interrupted", dev);
		return NCMCTL_EXIT_FAIL;
	default:
		ncmctl_err("%s: %s", dev, strerror(err));
		return NCMCTL_EXIT_FAIL;
	}
}

/* Open @dev for reading and make it ours alone. */
static int dev_open(const char *dev, int *fd)
{
	*fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		ncmctl_err("%s: %s%s", dev, strerror(errno), errno == ENOENT ?
			   " (attach a tty first: ncmctl attach or ldattach)" : "");
		return errno == ENOENT ? NCMCTL_EXIT_LINK : NCMCTL_EXIT_FAIL;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			ncmctl_err("%s: in use by another ncmctl send or recv (one transfer per link at a time)",
				   dev);
		else
			ncmctl_err("%s: %s", dev, strerror(errno));
		close(*fd);
		*fd = -1;
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

/* read() that retries EINTR unless a stop signal came; -1 and errno. */
static ssize_t dev_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno == EINTR && !stop_signal);
	return r;
}

/* poll() on one descriptor; the revents, 0 on timeout, -1 on a signal. */
static int poll_one(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, ms);
	} while (r < 0 && errno == EINTR && !stop_signal);
	return r < 0 ? -1 : r ? p.revents : 0;
}

/* ---- progress ------------------------------------------------------------ */

struct progress {
	const char *verb;		/* "send", "recv" */
	const char *name;
	bool on;			/* stderr is a terminal, not -q */
	bool shown;
	struct timespec start;
	struct timespec last;
};

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress_init(struct progress *p, const char *verb)
{
	memset(p, 0, sizeof(*p));
	p->verb = verb;
	p->name = "";
	p->on = ncmctl_opts.verbosity >= 0 && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

/* Bytes, share of the total, ratio and rate, at most 4 times a second. */
static void progress_show(struct progress *p, uint64_t raw, uint64_t coded,
			  uint64_t total)
{
	double t = seconds_since(&p->start);
	char share[16] = "";

	if (!p->on || seconds_since(&p->last) < 0.25)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	if (total != NCMP_SIZE_UNKNOWN && total)
		snprintf(share, sizeof(share), " (%.0f%%)",
			 100.0 * (double)raw / (double)total);
	fprintf(stderr, "\rncmctl: %s %s: %.2f MiB%s, ratio %.2f, %.1f KB/s \033[K",
		p->verb, p->name, (double)raw / 1048576, share,
		coded ? (double)raw / (double)coded : 0.0,
		t > 0 ? (double)raw / t / 1e3 : 0.0);
	p->shown = true;
}

/* End the progress line, so that messages start on their own line. */
static void progress_end(struct progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = false;
}

/* The closing summary: on a terminal, or with -v. */
static void progress_done(struct progress *p, uint64_t raw, uint64_t coded,
			  unsigned int baud)
{
	double t = seconds_since(&p->start);
	char times[48] = "";

	progress_end(p);
	if (!p->on && ncmctl_opts.verbosity < 1)
		return;
	if (baud && t > 0)
		snprintf(times, sizeof(times), ", %.2f x the line rate",
			 (double)raw / t / (baud / 10.0));
	ncmctl_warn("%s %s: %" PRIu64 " bytes in %.2f s, coded %" PRIu64
		    " (ratio %.2f), %.1f KB/s%s", p->verb, p->name, raw, t,
		    coded, coded ? (double)raw / (double)coded : 0.0,
		    t > 0 ? (double)raw / t / 1e3 : 0.0, times);
}

/* ---- -m auto: the strongest model that keeps up with the line ------------ */

struct candidate {
	ncmp_model *model;
	char name[256];
	double ratio;		/* on the sample */
	double speed;		/* raw bytes/s, the slower of encode and decode */
};

#define CANDIDATES_MAX	16

static bool have_model(const struct candidate *c, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ncmp_model_id(c[i].model) == id)
			return true;
	return false;
}

/* The built-in model and every *.ncmm of the model path, once each. */
static size_t list_models(struct candidate *c)
{
	char msg[NCMP_MSG_MAX], *path, *dir, *save = NULL;
	struct dirent *e;
	ncmp_model *m;
	size_t n = 0, len;
	DIR *d;

	if (ncmp_model_load_default(&c[0].model, msg)) {
		ncmctl_warn("built-in model: %s", msg);
		return 0;
	}
	snprintf(c[n++].name, sizeof(c->name), "built-in");
	path = strdup(ncmctl_model_path());
	for (dir = path ? strtok_r(path, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save)) {
		d = opendir(dir);
		while (d && (e = readdir(d)) && n < CANDIDATES_MAX) {
			len = strlen(e->d_name);
			if (len < 6 || strcmp(e->d_name + len - 5, ".ncmm"))
				continue;
			snprintf(c[n].name, sizeof(c->name), "%s/%s", dir,
				 e->d_name);
			if (ncmp_model_load_file(&m, c[n].name, msg)) {
				ncmctl_info("skipping %s", msg);
				continue;
			}
			if (have_model(c, n, ncmp_model_id(m)))
				ncmp_model_free(m);
			else
				c[n++].model = m;
		}
		if (d)
			closedir(d);
	}
	free(path);
	return n;
}

/*
 * Code and decode @sample with the candidate's model, timing both, as
 * send and recv run it: the stream format. Making a coder (allocating the
 * model's state) is left out: it is paid once per transfer, not per byte.
 * A model that fails the round trip keeps ratio and speed 0.
 */
static void calibrate(struct candidate *c, const uint8_t *sample, size_t len)
{
	size_t cap = 2 * len + 1024;
	uint8_t *coded = malloc(cap), *back = malloc(len);
	struct ncmp_in in = { sample, len, 0 };
	struct ncmp_out out = { coded, cap, 0 };
	ncmp_stream_enc *enc = NULL;
	ncmp_stream_dec *dec = NULL;
	struct timespec t0;
	double te = 0, td = 0;
	int r = -1;

	if (coded && back && !ncmp_stream_enc_new(&enc, c->model, 0) &&
	    !ncmp_stream_dec_new(&dec, c->model)) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = ncmp_stream_encode(enc, &out, &in, NCMP_END);
		te = seconds_since(&t0);
		in = (struct ncmp_in){ coded, out.pos, 0 };
		out = (struct ncmp_out){ back, len, 0 };
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!r)
			r = ncmp_stream_decode(dec, &out, &in, NCMP_END);
		td = seconds_since(&t0);
	}
	if (r || out.pos != len || memcmp(back, sample, len) || te + td <= 0)
		r = -1;
	ncmp_stream_enc_free(enc);
	ncmp_stream_dec_free(dec);
	free(coded);
	free(back);
	if (!r) {
		c->ratio = (double)len / (double)in.size;
		c->speed = (double)len / (te > td ? te : td);
	}
}

/*
 * Decoding keeps up when the model turns what the line carries into raw
 * bytes at least twice as fast as they arrive: the sample is short, later
 * data usually compresses better (so arrives faster), and the receiver may
 * be busier than we are. Among those that keep up the best ratio wins; if
 * none does, the best min(line, speed).
 */
static size_t pick(const struct candidate *c, size_t n, unsigned int baud)
{
	double wire = baud / 10.0, best = 0, g;
	size_t i, k = n;

	for (i = 0; i < n; i++)
		if (c[i].speed >= 2 * wire * c[i].ratio &&
		    (k == n || c[i].ratio > c[k].ratio))
			k = i;
	if (k < n)
		return k;
	for (i = 0, k = 0; i < n; i++) {
		g = wire * c[i].ratio < c[i].speed ? wire * c[i].ratio :
		    c[i].speed;
		if (g > best) {
			best = g;
			k = i;
		}
	}
	return k;
}

/*
 * -m auto: measure each available model on the start of the input and
 * keep the one pick() prefers for the link's line rate. With one model, no
 * line rate or too little input there is nothing to measure: the built-in
 * model (the best general one) is used.
 */
static int auto_model(const char *dev, const uint8_t *sample, size_t len,
		      unsigned int baud, ncmp_model **out)
{
	struct candidate c[CANDIDATES_MAX];
	size_t n, i, k = 0;
	char id[17];

	memset(c, 0, sizeof(c));
	n = list_models(c);
	if (!n)
		return NCMCTL_EXIT_MODEL;
	if (n > 1 && baud && len >= SAMPLE_MIN) {
		for (i = 0; i < n; i++)
			calibrate(&c[i], sample, len);
		k = pick(c, n, baud);
		for (i = 0; i < n; i++)
			ncmctl_info("model %s (%s): ratio %.2f, %.0f KB/s on %zu bytes%s",
				    ncmp_model_id_str(ncmp_model_id(c[i].model), id),
				    c[i].name, c[i].ratio, c[i].speed / 1e3, len,
				    i == k ? ": chosen" : "");
	} else if (n > 1) {
		ncmctl_info("%s: %s: using the built-in model", dev,
			    baud ? "too little input to measure models on" :
			    "line rate unknown");
	}
	for (i = 0; i < n; i++)
		if (i != k)
			ncmp_model_free(c[i].model);
	*out = c[k].model;
	return NCMCTL_EXIT_OK;
}

/* -m: "auto", "default" (the built-in model) or a model file. */
static int send_model(const char *opt, const char *dev, const uint8_t *sample,
		      size_t len, unsigned int baud, ncmp_model **out)
{
	char msg[NCMP_MSG_MAX];
	int err;

	if (!opt || !strcmp(opt, "auto"))
		return auto_model(dev, sample, len, baud, out);
	err = strcmp(opt, "default") ? ncmp_model_load_file(out, opt, msg) :
	      ncmp_model_load_default(out, msg);
	if (err)
		ncmctl_err("%s", msg);
	return err ? ncmctl_exit_code(err) : NCMCTL_EXIT_OK;
}

/* ---- send ----------------------------------------------------------------- */

struct sender {
	const char *dev;
	int rfd;			/* replies come in here */
	int wfd;			/* the transfer goes out here */
	const char *in_name;
	int in_fd;
	struct record head;
	ncmp_stream_enc *enc;
	enum ncmp_end end;		/* what the encoder was last asked */
	bool enc_more;			/* it has more output for that */
	bool in_eof;
	size_t unflushed;		/* input bytes since the last block */
	uint8_t *ibuf;
	size_t ipos, ilen;		/* input not yet given to the encoder */
	uint8_t *obuf;
	size_t opos, olen;		/* coded bytes not yet written */
	unsigned int baud;		/* the line rate, 0 if unknown */
	uint64_t raw;			/* input bytes coded */
	uint64_t coded;			/* bytes they became */
	uint8_t reply[REC_MAX];
	size_t reply_len;
	bool skipping;			/* a stale message: skip to its mark */
	int status;			/* the receiver's, once replied; -1 */
	unsigned int stall_s;		/* -t; 0: wait for ever */
	struct timespec moved;		/* the link last took data or answered */
	struct progress prog;
};

/*
 * Waiting on the link without progress for longer than -t fails the
 * transfer: a link whose other end has no 'ncmctl recv' takes what fits in
 * its buffers and then nothing, and never answers. @what says what was
 * awaited. Returns 0 while there is time left.
 */
static int stalled(struct sender *s, const char *what)
{
	if (!s->stall_s || seconds_since(&s->moved) < s->stall_s)
		return NCMCTL_EXIT_OK;
	progress_end(&s->prog);
	ncmctl_err("%s: %s for %u s: is 'ncmctl recv' running at the other end? (send -t sets the limit)",
		   s->dev, what, s->stall_s);
	return NCMCTL_EXIT_LINK;
}

static void on_tick(int sig)
{
	(void)sig;
}

/*
 * A tick a second interrupts fsync(), so stalled() gets to look; only
 * there, since poll_one() would start its timeout afresh at every tick.
 */
static void ticks(bool on)
{
	struct itimerval tick = { { on, 0 }, { on, 0 } };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tick, NULL);
}

static int read_input(struct sender *s, uint8_t *buf, size_t cap, size_t *n)
{
	ssize_t r;

	do {
		r = read(s->in_fd, buf, cap);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		ncmctl_err("%s: %s", s->in_name, strerror(errno));
		return NCMCTL_EXIT_FAIL;
	}
	*n = (size_t)r;
	return NCMCTL_EXIT_OK;
}

/* Run the encoder on the pending input, appending to obuf. */
static int encode(struct sender *s, enum ncmp_end end)
{
	struct ncmp_in in = { s->ibuf, s->ilen, s->ipos };
	struct ncmp_out out;
	int r;

	if (s->opos + s->olen > OBUF_SIZE / 2) {
		memmove(s->obuf, s->obuf + s->opos, s->olen);
		s->opos = 0;
	}
	out = (struct ncmp_out){ s->obuf + s->opos + s->olen,
				 OBUF_SIZE - s->opos - s->olen, 0 };
	r = ncmp_stream_encode(s->enc, &out, &in, end);
	if (r < 0) {
		progress_end(&s->prog);
		ncmctl_err("%s: %s", s->in_name, ncmp_error_name(r));
		return NCMCTL_EXIT_FAIL;
	}
	s->raw += in.pos - s->ipos;
	s->ipos = in.pos;
	s->olen += out.pos;
	s->coded += out.pos;
	s->end = end;
	s->enc_more = r > 0 || s->ipos < s->ilen;
	if (end == NCMP_END && !s->enc_more) {
		struct record t = { .id = s->head.id, .size = s->raw };

		s->olen += record_put(s->obuf + s->opos + s->olen, tail_magic,
				      &t);
	}
	return NCMCTL_EXIT_OK;
}

/* New input: a block is cut at BLOCK_RAW bytes, the stream ends at EOF. */
static int take_input(struct sender *s)
{
	size_t n;
	int rc;

	rc = read_input(s, s->ibuf, BLOCK_RAW - s->unflushed, &n);
	if (rc)
		return rc;
	s->ipos = 0;
	s->ilen = n;
	s->unflushed += n;
	s->in_eof = !n;
	if (s->in_eof)
		return encode(s, NCMP_END);
	if (s->unflushed == BLOCK_RAW) {
		s->unflushed = 0;
		return encode(s, NCMP_FLUSH);
	}
	return encode(s, NCMP_CONTINUE);
}

static int write_out(struct sender *s)
{
	ssize_t w = write(s->wfd, s->obuf + s->opos, s->olen);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return NCMCTL_EXIT_OK;
	if (w < 0) {
		progress_end(&s->prog);
		return dev_error(s->dev, errno);
	}
	if (w > 0)
		clock_gettime(CLOCK_MONOTONIC, &s->moved);
	s->opos += (size_t)w;
	s->olen -= (size_t)w;
	if (!s->olen)
		s->opos = 0;
	return NCMCTL_EXIT_OK;
}

/* Act on a complete reply record in s->reply. */
static int take_reply(struct sender *s, const struct record *r)
{
	s->status = r->flags > NCMCTL_EXIT_LINK ? NCMCTL_EXIT_FAIL : r->flags;
	if (!s->status && s->wfd >= 0) {
		progress_end(&s->prog);
		ncmctl_err("%s: the receiver answered before the end of the transfer",
			   s->dev);
		s->status = NCMCTL_EXIT_FAIL;
		return s->status;
	}
	if (!s->status)
		return NCMCTL_EXIT_OK;
	progress_end(&s->prog);
	ncmctl_err("%s: the receiver failed: %s", s->dev,
		   r->text[0] ? r->text : "no reason given");
	return s->status;
}

/*
 * Bytes from the peer: our reply, or stale messages of earlier transfers
 * (skipped up to their end-of-stream mark). Returns an exit code; a
 * reply's status is in s->status.
 */
static int read_reply(struct sender *s)
{
	struct record r;
	size_t need;
	ssize_t n;

	n = dev_read(s->rfd, s->reply + s->reply_len,
		     s->skipping ? sizeof(s->reply) : sizeof(s->reply) - s->reply_len);
	/* after a detach every read returns 0: POLLHUP tells it from a mark */
	if (n < 0 || (!n && poll_one(s->rfd, POLLIN, 0) & POLLHUP)) {
		progress_end(&s->prog);
		return dev_error(s->dev, n < 0 ? errno : EIO);
	}
	if (!n || s->skipping) {
		s->skipping = n > 0;
		s->reply_len = 0;
		return NCMCTL_EXIT_OK;
	}
	s->reply_len += (size_t)n;
	switch (record_get(s->reply, s->reply_len, reply_magic, &r, &need)) {
	case PARSE_MORE:
		return NCMCTL_EXIT_OK;
	case PARSE_OK:
		if (r.id == s->head.id && s->reply_len == need)
			return take_reply(s, &r);
		break;
	default:
		break;
	}
	ncmctl_info("%s: skipping a stale message from the peer", s->dev);
	s->skipping = true;
	s->reply_len = 0;
	return NCMCTL_EXIT_OK;
}

/* One turn of the send loop: wait for whatever can move, and move it. */
static int send_step(struct sender *s)
{
	bool want_in = !s->in_eof && !s->enc_more &&
		       OBUF_SIZE - s->opos - s->olen >= 2 * BLOCK_RAW;
	struct pollfd p[3] = {
		{ .fd = s->rfd, .events = POLLIN },
		{ .fd = s->olen ? s->wfd : -1, .events = POLLOUT },
		{ .fd = want_in ? s->in_fd : -1, .events = POLLIN },
	};
	int ms = want_in && s->unflushed ? PAUSE_MS : s->prog.on ? 250 : -1;
	int r, rc = NCMCTL_EXIT_OK;

	if (s->enc_more && OBUF_SIZE - s->olen >= 2 * BLOCK_RAW)
		return encode(s, s->end);
	/* the stall clock runs only while data waits for the link */
	if (!s->olen)
		clock_gettime(CLOCK_MONOTONIC, &s->moved);
	else if (s->stall_s && (ms < 0 || ms > 1000))
		ms = 1000;
	r = poll(p, 3, ms);
	if (r < 0 && errno != EINTR) {
		ncmctl_err("poll: %s", strerror(errno));
		return NCMCTL_EXIT_FAIL;
	}
	if (r > 0 && p[0].revents)
		rc = read_reply(s);
	if (!rc && s->status < 0 && r > 0 && p[1].revents)
		rc = write_out(s);
	if (!rc && s->status < 0 && r > 0 && p[2].revents)
		rc = take_input(s);
	if (!rc && !r && want_in && s->unflushed) {
		s->unflushed = 0;
		rc = encode(s, NCMP_FLUSH);
	}
	if (!rc && s->olen)
		rc = stalled(s, "the link has taken no data");
	progress_show(&s->prog, s->raw, s->coded, s->head.flags & FLAG_SIZE ?
		      s->head.size : NCMP_SIZE_UNKNOWN);
	return rc;
}

/* Everything is written: wait until the peer has it, end the stream. */
static int send_finish(struct sender *s)
{
	int r, rc;

	ticks(s->stall_s);
	while (fsync(s->wfd)) {
		int err = errno;

		if (err == EINTR) {
			rc = stalled(s, "the peer has not taken the last data");
		} else {
			progress_end(&s->prog);
			rc = dev_error(s->dev, err);
		}
		if (rc) {
			ticks(false);
			return rc;
		}
	}
	ticks(false);
	close(s->wfd);
	s->wfd = -1;
	clock_gettime(CLOCK_MONOTONIC, &s->moved);
	while (s->status < 0) {
		r = poll_one(s->rfd, POLLIN, 2000);
		if (r < 0)
			return dev_error(s->dev, EINTR);
		if (!r)
			ncmctl_info("%s: waiting for the receiver's answer", s->dev);
		rc = r > 0 ? read_reply(s) : stalled(s, "no answer");
		if (rc)
			return rc;
	}
	return s->status;
}

/* After the reply: take its end-of-stream mark, so no one else sees it. */
static void send_drain(struct sender *s)
{
	uint8_t buf[256];

	while (poll_one(s->rfd, POLLIN, EOS_WAIT_MS) > 0 &&
	       dev_read(s->rfd, buf, sizeof(buf)) > 0)
		;
}

static int send_setup(struct sender *s, const char *model_opt)
{
	ncmp_model *model = NULL;
	size_t n;
	int rc, err;

	/* the first input is what -m auto measures on */
	rc = read_input(s, s->ibuf, SAMPLE_MAX, &n);
	if (rc)
		return rc;
	s->ilen = n;
	s->baud = ncmctl_link_baud(s->dev);
	rc = send_model(model_opt, s->dev, s->ibuf, n, s->baud, &model);
	if (rc)
		return rc;
	err = ncmp_stream_enc_new(&s->enc, model, 0);
	if (err) {
		ncmp_model_free(model);
		ncmctl_err("%s", ncmp_error_name(err));
		return NCMCTL_EXIT_FAIL;
	}
	/* the encoder keeps using the model; it goes with the process */
	s->olen = record_put(s->obuf, head_magic, &s->head);
	s->unflushed = n;
	s->in_eof = !n;
	return encode(s, n ? NCMP_CONTINUE : NCMP_END);
}

static const char send_help[] =
	"Usage: ncmctl send [-D DEV] [-m MODEL] [-t SECONDS] [FILE]\n"
	"Compress FILE (default stdin) and send it over an ncmp link to\n"
	"'ncmctl recv' on the other end. Returns once the receiver has\n"
	"checked and stored everything; a pause in the input sends what\n"
	"came so far at once, so pipes stay interactive.\n\n"
	"  -D DEV      the link (default " DEV_DEFAULT ")\n"
	"  -m MODEL    auto (default): the strongest model that keeps up\n"
	"              with the line rate; default: the built-in model;\n"
	"              or a model file\n"
	"  -t SECONDS  fail when the link takes no data or the receiver does\n"
	"              not answer for this long (default 60; 0: wait for ever)\n"
	"  -q, -v      quieter, more verbose\n";

static int send_opts(int argc, char **argv, struct sender *s,
		     const char **model, const char **in)
{
	char *end;
	int c;

	while ((c = getopt(argc, argv, "D:m:t:qvh")) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			s->stall_s = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    s->stall_s > 86400) {
				ncmctl_err("send: -t takes 0 to 86400 seconds, not '%s'",
					   optarg);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		case 'D':
			s->dev = optarg;
			break;
		case 'm':
			*model = optarg;
			break;
		case 'q':
			ncmctl_opts.verbosity = -1;
			break;
		case 'v':
			ncmctl_opts.verbosity++;
			break;
		case 'h':
			fputs(send_help, stdout);
			return NCMCTL_EXIT_OK;
		default:
			return ncmctl_usage("send");
		}
	}
	if (argc - optind > 1)
		return ncmctl_usage("send");
	if (optind < argc && strcmp(argv[optind], "-"))
		*in = argv[optind];
	return -1;
}

/* The input and what the header says about it. */
static int send_input(struct sender *s, const char *path)
{
	const char *base;
	struct stat st;

	s->in_name = path ? path : "stdin";
	s->in_fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (s->in_fd < 0 || fstat(s->in_fd, &st)) {
		ncmctl_err("%s: %s", s->in_name, strerror(errno));
		return NCMCTL_EXIT_FAIL;
	}
	if (S_ISDIR(st.st_mode)) {
		ncmctl_err("%s: is a directory", s->in_name);
		return NCMCTL_EXIT_FAIL;
	}
	if (S_ISREG(st.st_mode)) {
		s->head.flags = FLAG_SIZE;
		s->head.size = (uint64_t)st.st_size;
	}
	base = path ? strrchr(path, '/') : NULL;
	snprintf(s->head.text, sizeof(s->head.text), "%s",
		 base ? base + 1 : path ? path : "");
	s->prog.name = s->in_name;
	if (getrandom(&s->head.id, sizeof(s->head.id), 0) != sizeof(s->head.id))
		s->head.id = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return NCMCTL_EXIT_OK;
}

static int cmd_send(int argc, char **argv)
{
	const char *model_opt = NULL, *in = NULL;
	struct sender s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.dev = DEV_DEFAULT;
	s.rfd = -1;
	s.wfd = -1;
	s.in_fd = -1;
	s.status = -1;
	s.stall_s = STALL_DEFAULT_S;
	rc = send_opts(argc, argv, &s, &model_opt, &in);
	if (rc >= 0)
		return rc;
	progress_init(&s.prog, "send");
	s.ibuf = malloc(BLOCK_RAW);
	s.obuf = malloc(OBUF_SIZE);
	rc = s.ibuf && s.obuf ? NCMCTL_EXIT_OK : NCMCTL_EXIT_FAIL;
	if (rc)
		ncmctl_err("out of memory");
	if (!rc)
		rc = send_input(&s, in);
	if (!rc)
		rc = dev_open(s.dev, &s.rfd);
	if (!rc) {
		s.wfd = open(s.dev, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (s.wfd < 0)
			rc = dev_error(s.dev, errno);
	}
	if (!rc)
		rc = send_setup(&s, model_opt);
	clock_gettime(CLOCK_MONOTONIC, &s.moved);
	while (!rc && s.status < 0 && (!s.in_eof || s.enc_more || s.olen))
		rc = send_step(&s);
	if (!rc && s.status < 0)
		rc = send_finish(&s);
	if (s.wfd >= 0)
		close(s.wfd);
	if (s.status >= 0)
		send_drain(&s);
	if (!rc)
		progress_done(&s.prog, s.raw, s.coded, s.baud);
	progress_end(&s.prog);
	if (s.rfd >= 0)
		close(s.rfd);
	if (s.in_fd > STDIN_FILENO)
		close(s.in_fd);
	ncmp_stream_enc_free(s.enc);
	free(s.ibuf);
	free(s.obuf);
	return rc;
}

/* ---- recv ----------------------------------------------------------------- */

struct receiver {
	const char *dev;
	int fd;
	uint8_t *buf;
	size_t pos, len;		/* unread bytes from the link */
	bool ended;			/* the link's end-of-stream mark follows them */
	struct record head;
	bool in_transfer;		/* a header was accepted */
	const char *out_path;		/* NULL: stdout */
	char *tmp_path;
	int out_fd;
	uint8_t *obuf;
	uint64_t raw;			/* written to the output */
	uint64_t coded;
	struct progress prog;
};

/*
 * Read more from the link: 1, 0 at the end-of-stream mark (which sets
 * r->ended until the next message is started), or a negative exit code.
 */
static int rx_more(struct receiver *r)
{
	ssize_t n;

	if (r->ended)
		return 0;
	if (r->pos == r->len) {
		r->pos = 0;
		r->len = 0;
	} else if (RX_SIZE - r->len < REC_MAX) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	n = dev_read(r->fd, r->buf + r->len, RX_SIZE - r->len);
	/* after a detach every read returns 0: POLLHUP tells it from a mark */
	if (n < 0 || (!n && poll_one(r->fd, POLLIN, 0) & POLLHUP)) {
		progress_end(&r->prog);
		return -dev_error(r->dev, n < 0 ? errno : EIO);
	}
	r->ended = !n;
	r->len += (size_t)n;
	r->coded += (size_t)n;
	return n > 0;
}

/* At least @n unread bytes: 1, 0 if the message ends first, or -exit code. */
static int rx_need(struct receiver *r, size_t n)
{
	int rc = 1;

	while (r->len - r->pos < n && (rc = rx_more(r)) > 0)
		;
	return rc < 0 ? rc : r->len - r->pos >= n;
}

/*
 * Send the reply: @status is our exit code, @fmt says why. It goes out on a
 * file of its own, whose close puts the end-of-stream mark right after it.
 */
static void __attribute__((format(printf, 3, 4)))
reply(struct receiver *r, int status, const char *fmt, ...)
{
	struct record rec = { .flags = (uint8_t)status, .id = r->head.id,
			      .size = r->raw };
	uint8_t buf[REC_MAX];
	size_t n, done = 0;
	ssize_t w = 0;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(rec.text, sizeof(rec.text), fmt, ap);
	va_end(ap);
	n = record_put(buf, reply_magic, &rec);
	fd = open(r->dev, O_WRONLY | O_CLOEXEC);
	while (fd >= 0 && done < n && w >= 0) {
		w = write(fd, buf + done, n - done);
		if (w > 0)
			done += (size_t)w;
		else if (w < 0 && errno == EINTR && !stop_signal)
			w = 0;
	}
	if (done < n)
		ncmctl_info("%s: no reply sent: %s", r->dev, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/*
 * Skip the rest of a message and its end-of-stream mark. When it ends in
 * a sender's trailer we missed its start (an earlier recv was stopped):
 * tell that sender, which is waiting for a reply.
 */
static int skip_message(struct receiver *r)
{
	uint8_t last[REC_MIN];
	size_t have = 0, n, keep, need;
	struct record t;
	int rc;

	do {
		n = r->len - r->pos;
		keep = n >= REC_MIN ? 0 : have < REC_MIN - n ? have : REC_MIN - n;
		memmove(last, last + have - keep, keep);
		n = n < REC_MIN ? n : REC_MIN;
		memcpy(last + keep, r->buf + r->len - n, n);
		have = keep + n;
		r->pos = r->len;
	} while ((rc = rx_more(r)) > 0);
	if (rc < 0)
		return -rc;
	r->ended = false;
	if (have == REC_MIN &&
	    record_get(last, have, tail_magic, &t, &need) == PARSE_OK) {
		r->head.id = t.id;
		ncmctl_warn("%s: discarded the end of a transfer whose start an earlier recv took",
			    r->dev);
		reply(r, NCMCTL_EXIT_FAIL,
		      "it missed the start of the transfer (its recv was restarted); send again");
	}
	return NCMCTL_EXIT_OK;
}

/*
 * After a failure the sender stops once it reads our reply; take what it
 * sent until then, so that the next transfer starts clean.
 */
static void drain(struct receiver *r)
{
	r->pos = r->len;
	while (!stop_signal && !r->ended &&
	       poll_one(r->fd, POLLIN, DRAIN_IDLE_MS) > 0 && rx_more(r) > 0)
		r->pos = r->len;
}

/* A failure that the sender must hear about: message, reply, drain. */
static int __attribute__((format(printf, 3, 4)))
fail(struct receiver *r, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress_end(&r->prog);
	ncmctl_err("%s", msg);
	reply(r, status, "%s", msg);
	drain(r);
	return status;
}

/* The output: stdout, or a temporary file that out_commit() renames. */
static int out_open(struct receiver *r, bool force)
{
	struct stat st;

	if (!r->out_path) {
		r->out_fd = STDOUT_FILENO;
		return NCMCTL_EXIT_OK;
	}
	if (!force && !lstat(r->out_path, &st)) {
		ncmctl_err("%s: already exists (use -f to overwrite)",
			   r->out_path);
		return NCMCTL_EXIT_FAIL;
	}
	if (asprintf(&r->tmp_path, "%s.tmpXXXXXX", r->out_path) < 0) {
		r->tmp_path = NULL;
		ncmctl_err("out of memory");
		return NCMCTL_EXIT_FAIL;
	}
	r->out_fd = mkostemp(r->tmp_path, O_CLOEXEC);
	if (r->out_fd < 0 || fchmod(r->out_fd, 0644)) {
		ncmctl_err("%s: %s", r->out_path, strerror(errno));
		free(r->tmp_path);
		r->tmp_path = NULL;
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

static int out_write(struct receiver *r, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(r->out_fd, p, n);
		if (w < 0 && errno == EINTR && !stop_signal)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Everything arrived and checks out: make it durable, then visible. */
static int out_commit(struct receiver *r)
{
	int err = 0;

	if (!r->tmp_path)
		return NCMCTL_EXIT_OK;
	if (fsync(r->out_fd))
		err = errno;
	if (close(r->out_fd) && !err)
		err = errno;
	r->out_fd = -1;
	if (!err && rename(r->tmp_path, r->out_path))
		err = errno;
	if (err)
		return fail(r, NCMCTL_EXIT_FAIL, "%s: %s", r->out_path,
			    strerror(err));
	free(r->tmp_path);
	r->tmp_path = NULL;
	return NCMCTL_EXIT_OK;
}

/* On any failure: no file that looks complete is left behind. */
static void out_abort(struct receiver *r)
{
	if (!r->tmp_path)
		return;
	if (r->out_fd >= 0)
		close(r->out_fd);
	unlink(r->tmp_path);
	free(r->tmp_path);
	r->tmp_path = NULL;
}

/* Wait for a transfer header; other messages are skipped. */
static int recv_header(struct receiver *r)
{
	size_t need = REC_FIXED;
	enum parse p;
	int rc;

	for (;;) {
		rc = rx_need(r, need);
		if (rc < 0)
			return -rc;
		p = record_get(r->buf + r->pos, r->len - r->pos, head_magic,
			       &r->head, &need);
		if (p == PARSE_OK) {
			r->pos += need;
			return NCMCTL_EXIT_OK;
		}
		if (p == PARSE_MORE && rc)
			continue;
		if (p == PARSE_BAD) {
			r->head.id = (uint32_t)get_le(r->buf + r->pos + 7, 4);
			return fail(r, NCMCTL_EXIT_CORRUPT,
				    "%s: damaged transfer header, or version %u (this ncmctl speaks %u)",
				    r->dev, r->buf[r->pos + 4], REC_VERSION);
		}
		if (r->len > r->pos)
			ncmctl_info("%s: skipping a message that is not a transfer",
				    r->dev);
		rc = skip_message(r);
		if (rc)
			return rc;
		need = REC_FIXED;
	}
}

/* The model the stream names, from its header (left for the decoder). */
static int recv_model(struct receiver *r, const char *model_opt,
		      ncmp_model **model)
{
	struct ncmp_header_info info;
	char id[17];
	int rc, p;

	while ((p = ncmp_peek(r->buf + r->pos, r->len - r->pos, &info)) > 0) {
		rc = rx_need(r, r->len - r->pos + (size_t)p);
		if (rc < 0)
			return -rc;
		if (!rc)
			return fail(r, NCMCTL_EXIT_FAIL,
				    "%s: the sender stopped before its stream began",
				    r->dev);
	}
	if (p)
		return fail(r, NCMCTL_EXIT_CORRUPT, "%s: not an ncmp stream: %s",
			    r->dev, ncmp_error_name(p));
	rc = ncmctl_model_for(model_opt, info.model_id, model);
	if (rc) {
		reply(r, rc, "it does not have model %s (send with -m default, or install the model there)",
		      ncmp_model_id_str(info.model_id, id));
		drain(r);
	}
	return rc;
}

/* The sender's end-of-stream mark came before the end of its stream. */
static int recv_cut_short(struct receiver *r)
{
	progress_end(&r->prog);
	ncmctl_err("%s: the sender stopped after %" PRIu64 " bytes; the transfer is incomplete",
		   r->dev, r->raw);
	return NCMCTL_EXIT_FAIL;
}

/* Decode until the stream ends; its CRC is checked by then. */
static int recv_stream(struct receiver *r, ncmp_stream_dec *dec)
{
	struct ncmp_in in;
	struct ncmp_out out;
	int rc, d, err;

	for (;;) {
		if (r->pos == r->len) {
			rc = rx_more(r);
			if (rc < 0)
				return -rc;
			if (!rc)
				return recv_cut_short(r);
		}
		in = (struct ncmp_in){ r->buf, r->len, r->pos };
		do {
			out = (struct ncmp_out){ r->obuf, RX_SIZE, 0 };
			d = ncmp_stream_decode(dec, &out, &in, NCMP_CONTINUE);
			err = out_write(r, r->obuf, out.pos);
			r->raw += out.pos;
			if (err)
				return fail(r, NCMCTL_EXIT_FAIL, "%s: %s",
					    r->out_path ? r->out_path : "stdout",
					    strerror(err));
		} while (d > 0 && (in.pos < in.size || out.pos == out.size));
		r->pos = in.pos;
		if (d < 0)
			return fail(r, ncmctl_exit_code(d), "%s: %s", r->dev,
				    ncmp_stream_dec_message(dec));
		progress_show(&r->prog, r->raw, r->coded,
			      r->head.flags & FLAG_SIZE ? r->head.size :
			      NCMP_SIZE_UNKNOWN);
		if (!d)
			return NCMCTL_EXIT_OK;
	}
}

/* The trailer must follow the stream, with our id and the byte count. */
static int recv_trailer(struct receiver *r)
{
	enum parse p = PARSE_MORE;
	size_t need = REC_MIN;
	struct record t;
	int rc = 1;

	while (p == PARSE_MORE && rc > 0) {
		rc = rx_need(r, need);
		if (rc < 0)
			return -rc;
		p = record_get(r->buf + r->pos, r->len - r->pos, tail_magic, &t,
			       &need);
	}
	if (p != PARSE_OK || t.id != r->head.id || t.size != r->raw)
		return fail(r, NCMCTL_EXIT_CORRUPT,
			    "%s: the transfer's trailer is missing or wrong",
			    r->dev);
	r->pos += need;
	if (r->head.flags & FLAG_SIZE && r->head.size != r->raw)
		return fail(r, NCMCTL_EXIT_CORRUPT,
			    "%s: %" PRIu64 " bytes arrived, the sender announced %" PRIu64
			    " (the file changed while it was sent)",
			    r->dev, r->raw, r->head.size);
	return NCMCTL_EXIT_OK;
}

/* One transfer, from its header to the stored output and our reply. */
static int recv_one(struct receiver *r, const char *model_opt)
{
	ncmp_stream_dec *dec = NULL;
	ncmp_model *model = NULL;
	int rc, err;

	rc = recv_header(r);
	if (rc)
		return rc;
	r->in_transfer = true;
	r->prog.name = r->head.text[0] ? r->head.text : "stdin";
	rc = recv_model(r, model_opt, &model);
	if (!rc) {
		err = ncmp_stream_dec_new(&dec, model);
		if (err)
			rc = fail(r, NCMCTL_EXIT_FAIL, "%s",
				  ncmp_error_name(err));
	}
	if (!rc)
		rc = recv_stream(r, dec);
	if (!rc)
		rc = recv_trailer(r);
	if (!rc)
		rc = out_commit(r);
	if (!rc)
		reply(r, NCMCTL_EXIT_OK, "%s", "");
	ncmp_stream_dec_free(dec);
	ncmp_model_free(model);
	return rc;
}

/* After our reply: the sender's end-of-stream mark ends the transfer. */
static void recv_end(struct receiver *r)
{
	if (r->pos < r->len ||
	    (!r->ended && poll_one(r->fd, POLLIN, EOS_WAIT_MS) > 0 &&
	     rx_more(r) > 0))
		ncmctl_warn("%s: the sender sent more after the end of the transfer",
			    r->dev);
}

static const char recv_help[] =
	"Usage: ncmctl recv [-D DEV] [-o OUT] [-m MODEL]\n"
	"Receive one transfer from 'ncmctl send' on the other end of an\n"
	"ncmp link into OUT (default stdout). OUT appears only once all of\n"
	"it arrived and its CRC checked; until then it is OUT.tmpXXXXXX.\n\n"
	"  -D DEV      the link (default " DEV_DEFAULT ")\n"
	"  -o OUT      output file ('-': stdout)\n"
	"  -f          overwrite OUT\n"
	"  -m MODEL    model file; by default the model the stream names is\n"
	"              the built-in one or found in $NCMP_MODEL_PATH\n"
	"  -q, -v      quieter, more verbose\n";

static int recv_opts(int argc, char **argv, struct receiver *r,
		     const char **model, bool *force)
{
	int c;

	while ((c = getopt(argc, argv, "D:o:m:fqvh")) != -1) {
		switch (c) {
		case 'D':
			r->dev = optarg;
			break;
		case 'o':
			r->out_path = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'm':
			*model = optarg;
			break;
		case 'f':
			*force = true;
			break;
		case 'q':
			ncmctl_opts.verbosity = -1;
			break;
		case 'v':
			ncmctl_opts.verbosity++;
			break;
		case 'h':
			fputs(recv_help, stdout);
			return NCMCTL_EXIT_OK;
		default:
			return ncmctl_usage("recv");
		}
	}
	if (optind != argc)
		return ncmctl_usage("recv");
	return -1;
}

static int cmd_recv(int argc, char **argv)
{
	const char *model_opt = NULL;
	struct receiver r;
	bool force = false;
	int rc;

	memset(&r, 0, sizeof(r));
	r.dev = DEV_DEFAULT;
	r.fd = -1;
	r.out_fd = -1;
	rc = recv_opts(argc, argv, &r, &model_opt, &force);
	if (rc >= 0)
		return rc;
	progress_init(&r.prog, "recv");
	catch_stop_signals();
	r.buf = malloc(RX_SIZE);
	r.obuf = malloc(RX_SIZE);
	rc = r.buf && r.obuf ? NCMCTL_EXIT_OK : NCMCTL_EXIT_FAIL;
	if (rc)
		ncmctl_err("out of memory");
	if (!rc)
		rc = dev_open(r.dev, &r.fd);
	if (!rc)
		rc = out_open(&r, force);
	/* data on the terminal: a progress line would garble it */
	if (!r.out_path && isatty(STDOUT_FILENO))
		r.prog.on = false;
	if (!rc)
		rc = recv_one(&r, model_opt);
	if (!rc)
		recv_end(&r);
	if (rc && stop_signal && r.in_transfer)
		reply(&r, NCMCTL_EXIT_FAIL, "it was interrupted");
	if (!rc)
		progress_done(&r.prog, r.raw, r.coded, 0);
	progress_end(&r.prog);
	out_abort(&r);
	if (r.fd >= 0)
		close(r.fd);
	free(r.buf);
	free(r.obuf);
	return rc;
}

const struct ncmctl_cmd ncmctl_transfer_cmds[] = {
	{ "send", cmd_send, "send [-D DEV] [-m MODEL] [FILE]",
	  "compress FILE and send it over an ncmp link to ncmctl recv" },
	{ "recv", cmd_recv, "recv [-D DEV] [-o OUT] [-m MODEL]",
	  "receive one transfer from ncmctl send into OUT" },
	{ NULL, NULL, NULL, NULL },
};
