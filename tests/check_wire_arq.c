// SPDX-License-Identifier: GPL-2.0
/*
 * ARQ state machine: two instances wired through a simulated serial line
 * with a virtual clock. The line moves bytes at the configured baud rate
 * (10 bits per byte), cuts the byte stream into frames at the delimiters,
 * and lets a test drop, duplicate, hold back (reorder) or damage frames.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arq.h"
#include "check_wire.h"

#define QMAX 64

/* bytes on the wire for a DATA frame of @n payload bytes */
#define WIRE_LEN(n)	(NCMP_COBS_MAX_ENCODED(NCMP_FRAME_OVERHEAD + (n)) + 2)

struct wframe {
	u8 b[NCMP_WIRE_MAX];
	size_t len;
	u64 at;		/* arrival, in sim->t */
	long errbyte;	/* index of a byte the tty flags, or -1 */
};

enum action { PASS, DROP, DUP, HOLD };

struct end {
	struct ncmp_arq *arq;
	uint64_t rng;
	/* the reader */
	u8 *got;
	size_t got_len, got_cap;
	size_t room;		/* free reader space; SIZE_MAX: endless */
	size_t eos_at[16];
	int eos;
	int ev[4];
	/* the writer */
	const u8 *src;
	size_t src_len, src_pos;
	int eos_want;		/* EOS marks still to queue after src */
};

struct dir {
	u8 cur[NCMP_WIRE_MAX];
	size_t cur_len;
	u64 line_free_ns;
	struct wframe q[QMAX];
	int n;
	struct wframe held;
	bool holding;
	int frames;
};

struct sim {
	u64 t;			/* virtual ms, never wraps */
	u32 now;		/* what the ARQ sees: t mod 2^32 */
	u32 baud;
	unsigned int chunk;	/* max bytes the "tty" takes per write, 0: all */
	u32 queue_ms;		/* line time the "tty" takes ahead of the wire */
	bool split_rx;		/* feed received frames in random pieces */
	bool cut;		/* the wire is cut: nothing arrives */
	uint64_t rng;
	struct end e[2];
	struct dir d[2];	/* d[0]: A to B, d[1]: B to A */
	enum action (*filter)(struct sim *s, int dir, struct wframe *f);
	long fstate[4];
};

static int sim_deliver(void *ctx, const u8 *data, size_t len, bool eos)
{
	struct end *e = ctx;

	if (eos) {
		ck_assert_int_lt(e->eos, 16);
		ck_assert_ptr_null(data);
		ck_assert_uint_eq(len, 0);
		e->eos_at[e->eos++] = e->got_len;
		return 0;
	}
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(len, NCMP_MTU_MAX);
	if (len > e->room)
		return -ENOSPC;
	if (e->room != SIZE_MAX)
		e->room -= len;
	if (e->got_len + len > e->got_cap) {
		e->got_cap = (e->got_len + len) * 2;
		e->got = realloc(e->got, e->got_cap);
		ck_assert_ptr_nonnull(e->got);
	}
	memcpy(e->got + e->got_len, data, len);
	e->got_len += len;
	return 0;
}

static void sim_event(void *ctx, enum ncmp_arq_event ev)
{
	struct end *e = ctx;

	ck_assert_int_lt(ev, 4);
	e->ev[ev]++;
}

static u32 sim_random(void *ctx)
{
	struct end *e = ctx;

	return test_rand(&e->rng);
}

static const struct ncmp_arq_ops sim_ops = {
	.deliver = sim_deliver,
	.event = sim_event,
	.random = sim_random,
};

static struct sim *sim_new(u32 seed, u32 start_time)
{
	struct sim *s = calloc(1, sizeof(*s));
	int i;

	ck_assert_ptr_nonnull(s);
	s->t = start_time;
	s->now = start_time;
	s->baud = NCMP_ARQ_DEFAULT_BAUD;
	s->rng = test_seed(seed);
	for (i = 0; i < 2; i++) {
		s->e[i].arq = calloc(1, sizeof(struct ncmp_arq));
		ck_assert_ptr_nonnull(s->e[i].arq);
		s->e[i].rng = test_seed(seed * 2 + i + 1);
		s->e[i].room = SIZE_MAX;
		ncmp_arq_init(s->e[i].arq, &sim_ops, &s->e[i]);
		s->d[i].line_free_ns = (u64)start_time * 1000000;
	}
	return s;
}

static void sim_free(struct sim *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(s->e[i].arq);
		free(s->e[i].got);
	}
	free(s);
}

/* Apply @fn to both ends' parameters. */
static void sim_params(struct sim *s, void (*fn)(struct ncmp_arq_params *p))
{
	int i;

	for (i = 0; i < 2; i++) {
		struct ncmp_arq_params p = s->e[i].arq->params;

		fn(&p);
		ck_assert_int_eq(ncmp_arq_set_params(s->e[i].arq, &p), 0);
	}
	s->baud = s->e[0].arq->params.baud;
}

static void sim_start(struct sim *s)
{
	ncmp_arq_start(s->e[0].arq, s->now);
	ncmp_arq_start(s->e[1].arq, s->now);
}

static void q_push(struct dir *d, const struct wframe *f)
{
	ck_assert_int_lt(d->n, QMAX);
	d->q[d->n++] = *f;
}

/* A complete frame left the sender: pass it through the test's filter. */
static void sim_frame_done(struct sim *s, int di, u64 at)
{
	struct dir *d = &s->d[di];
	struct wframe f;
	enum action a = PASS;

	memcpy(f.b, d->cur, d->cur_len);
	f.len = d->cur_len;
	f.at = at;
	f.errbyte = -1;
	d->cur_len = 0;
	d->frames++;
	if (s->cut)
		return;
	if (s->filter)
		a = s->filter(s, di, &f);
	switch (a) {
	case DROP:
		return;
	case HOLD:
		ck_assert(!d->holding);
		d->held = f;
		d->holding = true;
		return;
	case DUP:
		q_push(d, &f);
		break;
	case PASS:
		break;
	}
	q_push(d, &f);
	if (d->holding) {
		d->held.at = at;
		q_push(d, &d->held);
		d->holding = false;
	}
}

static void sim_transmit(struct sim *s, int di)
{
	struct ncmp_arq *arq = s->e[di].arq;
	struct dir *d = &s->d[di];
	u64 now_ns = s->t * 1000000;
	const u8 *p;
	size_t n, i;

	while (d->line_free_ns < now_ns + (s->queue_ms + 1) * 1000000ull) {
		n = ncmp_arq_tx_peek(arq, &p, s->now);
		if (!n)
			return;
		if (s->chunk && n > s->chunk)
			n = test_rand(&s->rng) % s->chunk + 1;
		if (d->line_free_ns < now_ns)
			d->line_free_ns = now_ns;
		for (i = 0; i < n; i++) {
			d->line_free_ns += 10000000000ull / s->baud;
			ck_assert_uint_lt(d->cur_len, sizeof(d->cur));
			d->cur[d->cur_len++] = p[i];
			if (!p[i] && d->cur_len > 1)
				sim_frame_done(s, di, (d->line_free_ns + 999999) / 1000000);
		}
		ncmp_arq_tx_consume(arq, n);
	}
}

static void sim_receive(struct sim *s, int di)
{
	struct ncmp_arq *arq = s->e[!di].arq;
	struct dir *d = &s->d[di];
	u8 flags[NCMP_WIRE_MAX];

	while (d->n && s->t >= d->q[0].at) {
		struct wframe *f = &d->q[0];
		size_t off = 0;

		memset(flags, 0, f->len);
		if (f->errbyte >= 0)
			flags[f->errbyte] = 1;
		while (off < f->len) {
			size_t n = f->len - off;

			if (s->split_rx)
				n = test_rand(&s->rng) % n + 1;
			ncmp_arq_rx(arq, f->b + off, f->errbyte >= 0 ? flags + off : NULL,
				    n, s->now);
			off += n;
		}
		memmove(d->q, d->q + 1, (d->n - 1) * sizeof(d->q[0]));
		d->n--;
	}
}

static void sim_write(struct end *e)
{
	if (e->src_pos < e->src_len)
		e->src_pos += ncmp_arq_write(e->arq, e->src + e->src_pos,
					     e->src_len - e->src_pos);
	while (e->src_pos == e->src_len && e->eos_want &&
	       !ncmp_arq_write_eos(e->arq))
		e->eos_want--;
}

static void sim_step(struct sim *s)
{
	int i;

	for (i = 0; i < 2; i++)
		sim_receive(s, i);
	for (i = 0; i < 2; i++) {
		u32 t;

		if (ncmp_arq_deadline(s->e[i].arq, &t) && (int)(s->now - t) >= 0)
			ncmp_arq_timer(s->e[i].arq, s->now);
		sim_write(&s->e[i]);
		sim_transmit(s, i);
	}
	s->t++;
	s->now = s->t;
}

static void sim_run(struct sim *s, u32 ms)
{
	while (ms--)
		sim_step(s);
}

/* Run until @done says so; fail after @max_ms of virtual time. */
static void sim_until(struct sim *s, bool (*done)(struct sim *s), u32 max_ms)
{
	u32 t;

	for (t = 0; !done(s); t++) {
		ck_assert_msg(t < max_ms, "not done after %u ms", max_ms);
		sim_step(s);
	}
}

static bool both_up(struct sim *s)
{
	return s->e[0].arq->state == NCMP_ARQ_UP &&
	       s->e[1].arq->state == NCMP_ARQ_UP;
}

/* All written data delivered and acknowledged, both ways. */
static bool all_delivered(struct sim *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct end *e = &s->e[i];

		if (e->src_pos != e->src_len || e->eos_want ||
		    !ncmp_arq_tx_done(e->arq))
			return false;
	}
	return true;
}

static u8 *random_bytes(size_t len, u32 seed)
{
	uint64_t rng = test_seed(seed);
	u8 *p = malloc(len);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = test_rand(&rng);
	return p;
}

static void check_received(struct end *rx, const u8 *want, size_t len)
{
	ck_assert_uint_eq(rx->got_len, len);
	ck_assert_mem_eq(rx->got, want, len);
}

/* Decode a frame on the simulated wire, for filters. */
static int wframe_hdr(const struct wframe *f, struct ncmp_frame_hdr *h)
{
	u8 raw[NCMP_FRAME_MAX];
	int n;

	if (f->len < 3)
		return -EINVAL;
	n = ncmp_cobs_decode(f->b + 1, f->len - 2, raw, sizeof(raw));
	if (n < 0)
		return n;
	return ncmp_frame_parse(raw, n, h);
}

static bool is_type(const struct wframe *f, u8 type)
{
	struct ncmp_frame_hdr h;

	return !wframe_hdr(f, &h) && h.type == type;
}

/*
 * Transfer @len random bytes from A to B, followed by @eos end-of-stream
 * marks, and @rlen bytes from B to A.
 */
static void transfer_eos(struct sim *s, size_t len, int eos, size_t rlen,
			 u32 max_ms)
{
	u8 *a = random_bytes(len, 100 + len);
	u8 *b = random_bytes(rlen, 200 + rlen);

	s->e[0].src = a;
	s->e[0].src_len = len;
	s->e[0].src_pos = 0;
	s->e[0].eos_want = eos;
	s->e[1].src = b;
	s->e[1].src_len = rlen;
	s->e[1].src_pos = 0;
	sim_until(s, all_delivered, max_ms);
	check_received(&s->e[1], a, len);
	check_received(&s->e[0], b, rlen);
	s->e[0].src = NULL;
	s->e[1].src = NULL;
	free(a);
	free(b);
}

static void transfer(struct sim *s, size_t len, size_t rlen, u32 max_ms)
{
	transfer_eos(s, len, 0, rlen, max_ms);
}

/* --- handshake ------------------------------------------------------------ */

START_TEST(link_comes_up_after_a_handshake)
{
	struct sim *s = sim_new(1, 0);
	struct ncmp_arq_info a, b;

	sim_start(s);
	sim_until(s, both_up, 1000);
	ncmp_arq_get_info(s->e[0].arq, &a);
	ncmp_arq_get_info(s->e[1].arq, &b);
	ck_assert_uint_eq(a.peer_session, b.session);
	ck_assert_uint_eq(b.peer_session, a.session);
	ck_assert_uint_ne(a.session, b.session);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_UP], 1);
	ck_assert_int_eq(s->e[1].ev[NCMP_ARQ_EV_LINK_UP], 1);
	/* nothing else happens on an idle healthy link */
	sim_run(s, 30000);
	ck_assert(both_up(s));
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_UP], 1);
	ck_assert_uint_gt(s->e[0].arq->stats.keepalives +
			  s->e[1].arq->stats.keepalives, 0);
	sim_free(s);
}
END_TEST

START_TEST(link_comes_up_when_the_peer_starts_late)
{
	struct sim *s = sim_new(2, 0);

	ncmp_arq_start(s->e[0].arq, s->now);
	sim_run(s, 5000);
	ck_assert_int_eq(s->e[0].arq->state, NCMP_ARQ_SYNC);
	ck_assert_uint_gt(s->d[0].frames, 3);
	ncmp_arq_start(s->e[1].arq, s->now);
	sim_until(s, both_up, 2 * NCMP_ARQ_DEFAULT_RTO_MAX_MS);
	sim_free(s);
}
END_TEST

static enum action drop_first_sync_acks(struct sim *s, int dir, struct wframe *f)
{
	(void)dir;
	if (is_type(f, NCMP_FT_SYNC_ACK) && s->fstate[0]++ < 3)
		return DROP;
	return PASS;
}

START_TEST(link_comes_up_when_handshake_frames_are_lost)
{
	struct sim *s = sim_new(3, 0);

	s->filter = drop_first_sync_acks;
	sim_start(s);
	sim_until(s, both_up, 10000);
	transfer(s, 5000, 5000, 60000);
	sim_free(s);
}
END_TEST

/* --- data ----------------------------------------------------------------- */

START_TEST(data_flows_both_ways_in_order)
{
	struct sim *s = sim_new(4, 0);

	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 50000, 30000, 60000);
	ck_assert_uint_eq(s->e[0].arq->stats.retransmits, 0);
	ck_assert_uint_eq(s->e[1].arq->stats.rx_bytes, 50000);
	ck_assert_uint_gt(s->e[0].ev[NCMP_ARQ_EV_TX_ACKED], 0);
	sim_free(s);
}
END_TEST

START_TEST(data_written_before_the_handshake_is_sent_after_it)
{
	struct sim *s = sim_new(5, 0);
	u8 *a = random_bytes(3000, 5);

	sim_start(s);
	ck_assert_uint_eq(ncmp_arq_write(s->e[0].arq, a, 3000), 3000);
	ck_assert(!ncmp_arq_tx_done(s->e[0].arq));
	sim_until(s, all_delivered, 5000);
	check_received(&s->e[1], a, 3000);
	free(a);
	sim_free(s);
}
END_TEST

static enum action drop_nth_data(struct sim *s, int dir, struct wframe *f)
{
	if (dir == 0 && is_type(f, NCMP_FT_DATA) && ++s->fstate[0] == 3)
		return DROP;
	return PASS;
}

START_TEST(a_lost_data_frame_is_sent_again_after_the_timeout)
{
	struct sim *s = sim_new(6, 0);

	s->filter = drop_nth_data;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 10000, 0, 60000);
	ck_assert_uint_eq(s->e[0].arq->stats.timeouts, 1);
	ck_assert_uint_eq(s->e[0].arq->stats.retransmits, 1);
	ck_assert_uint_eq(s->e[1].arq->stats.duplicates, 0);
	sim_free(s);
}
END_TEST

static enum action drop_nth_ack(struct sim *s, int dir, struct wframe *f)
{
	if (dir == 1 && is_type(f, NCMP_FT_ACK) && ++s->fstate[0] == 3)
		return DROP;
	return PASS;
}

START_TEST(a_lost_ack_makes_the_receiver_acknowledge_the_duplicate)
{
	struct sim *s = sim_new(7, 0);

	s->filter = drop_nth_ack;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 10000, 0, 60000);
	ck_assert_uint_eq(s->e[0].arq->stats.retransmits, 1);
	ck_assert_uint_eq(s->e[1].arq->stats.duplicates, 1);
	sim_free(s);
}
END_TEST

static enum action dup_every_frame(struct sim *s, int dir, struct wframe *f)
{
	(void)s;
	(void)dir;
	(void)f;
	return DUP;
}

START_TEST(duplicated_frames_are_delivered_once)
{
	struct sim *s = sim_new(8, 0);

	s->filter = dup_every_frame;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 20000, 20000, 60000);
	ck_assert_uint_gt(s->e[1].arq->stats.duplicates, 10);
	sim_free(s);
}
END_TEST

static void window4(struct ncmp_arq_params *p)
{
	p->window = 4;
}

static enum action hold_every_fifth_data(struct sim *s, int dir,
					 struct wframe *f)
{
	if (dir == 0 && is_type(f, NCMP_FT_DATA) && ++s->fstate[0] % 5 == 0)
		return HOLD;
	return PASS;
}

START_TEST(reordered_frames_are_delivered_in_order)
{
	struct sim *s = sim_new(9, 0);

	sim_params(s, window4);
	s->filter = hold_every_fifth_data;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 40000, 0, 60000);
	ck_assert_uint_gt(s->e[1].arq->stats.out_of_order, 0);
	/* the receiver's REJ repairs each gap at once, with no timeout */
	ck_assert_uint_gt(s->e[0].arq->stats.retransmits, 0);
	ck_assert_uint_eq(s->e[0].arq->stats.timeouts, 0);
	sim_free(s);
}
END_TEST

/* Damage DATA frames from A in turn: bit flip, cut, garbage, tty flag. */
static enum action damage_data(struct sim *s, int dir, struct wframe *f)
{
	size_t i;

	if (dir != 0 || !is_type(f, NCMP_FT_DATA) || ++s->fstate[0] % 3)
		return PASS;
	switch (s->fstate[1]++ % 5) {
	case 0:		/* one bit inside the frame */
		i = 1 + test_rand(&s->rng) % (f->len - 2);
		f->b[i] ^= 1 << test_rand(&s->rng) % 8;
		if (!f->b[i])	/* became a delimiter: make it a bad one */
			f->b[i] = 0x55;
		break;
	case 1:		/* cut short */
		f->len = 1 + test_rand(&s->rng) % (f->len - 2);
		f->b[f->len++] = 0;
		break;
	case 2:		/* random garbage instead */
		for (i = 1; i + 1 < f->len; i++)
			f->b[i] = test_rand(&s->rng) % 255 + 1;
		break;
	case 3:		/* the tty saw a parity error */
		f->errbyte = 1 + test_rand(&s->rng) % (f->len - 2);
		break;
	case 4:		/* noise on the idle line before the frame */
		memmove(f->b + 4, f->b, f->len);
		f->b[0] = 0x17;
		f->b[1] = 0;
		f->b[2] = 0x42;
		f->b[3] = 0x99;
		f->len += 4;
		break;
	}
	return PASS;
}

START_TEST(corrupted_frames_are_dropped_counted_and_sent_again)
{
	struct sim *s = sim_new(10, 0);
	const struct ncmp_arq_stats *st = &s->e[1].arq->stats;

	s->filter = damage_data;
	s->split_rx = true;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 60000, 0, 120000);
	ck_assert_uint_gt(st->crc_errors, 0);
	ck_assert_uint_gt(st->bad_frames + st->bad_lengths, 0);
	ck_assert_uint_gt(st->tty_errors, 0);
	ck_assert_uint_gt(s->e[0].arq->stats.retransmits, 10);
	sim_free(s);
}
END_TEST

static bool a_failed(struct sim *s)
{
	return s->e[0].arq->state == NCMP_ARQ_FAILED;
}

START_TEST(a_peer_reset_mid_stream_is_reported_and_a_new_session_works)
{
	struct sim *s = sim_new(11, 0);
	u8 *a = random_bytes(100000, 11);
	u32 old;

	sim_start(s);
	sim_until(s, both_up, 1000);
	s->e[0].src = a;
	s->e[0].src_len = 100000;
	sim_run(s, 2000);
	ck_assert_uint_gt(s->e[1].got_len, 0);
	ck_assert_uint_lt(s->e[1].got_len, 100000);

	/* B reboots: a new session from its side */
	old = s->e[1].arq->nonce;
	ncmp_arq_start(s->e[1].arq, s->now);
	ck_assert_uint_ne(s->e[1].arq->nonce, old);
	sim_until(s, a_failed, 2000);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_PEER_RESET], 1);
	ck_assert_uint_eq(s->e[0].arq->stats.resets, 1);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_DOWN], 0);
	/* A discarded the rest of the stream and accepts no more */
	ck_assert(ncmp_arq_tx_done(s->e[0].arq));
	ck_assert_uint_eq(ncmp_arq_write(s->e[0].arq, a, 10), 0);

	/* A's owner restarts it; a fresh stream goes through */
	s->e[0].src = NULL;
	s->e[0].src_len = 0;
	ncmp_arq_start(s->e[0].arq, s->now);
	sim_until(s, both_up, 5000);
	s->e[1].got_len = 0;
	transfer(s, 5000, 5000, 60000);
	free(a);
	sim_free(s);
}
END_TEST

START_TEST(shutdown_tells_the_peer_with_a_reset)
{
	struct sim *s = sim_new(12, 0);

	sim_start(s);
	sim_until(s, both_up, 1000);
	ncmp_arq_shutdown(s->e[1].arq);
	ck_assert_int_eq(s->e[1].arq->state, NCMP_ARQ_IDLE);
	sim_until(s, a_failed, 1000);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_PEER_RESET], 1);
	/* an idle link stays silent */
	sim_run(s, 10000);
	ck_assert(!ncmp_arq_tx_pending(s->e[1].arq));
	ck_assert_int_eq(ncmp_arq_write_eos(s->e[1].arq), -ENOTCONN);
	sim_free(s);
}
END_TEST

static void quick_retries(struct ncmp_arq_params *p)
{
	p->retries = 4;
	p->rto_max_ms = 1000;
}

START_TEST(retry_exhaustion_brings_the_link_down)
{
	struct sim *s = sim_new(13, 0);
	u8 *a = random_bytes(20000, 13);
	u32 cut_at;

	sim_params(s, quick_retries);
	sim_start(s);
	sim_until(s, both_up, 1000);
	s->e[0].src = a;
	s->e[0].src_len = 20000;
	sim_run(s, 500);
	s->cut = true;
	cut_at = s->now;
	sim_until(s, a_failed, 10000);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_DOWN], 1);
	ck_assert_uint_eq(s->e[0].arq->stats.link_downs, 1);
	ck_assert_uint_eq(s->e[0].arq->stats.timeouts, 4);
	/* four transmissions, the timeouts doubling: at least 1 + 2 + 4 */
	ck_assert_uint_gt(s->now - cut_at, 7 * s->e[0].arq->rto_base);
	/* nothing is sent any more once failed */
	ck_assert(!ncmp_arq_tx_pending(s->e[0].arq));
	free(a);
	sim_free(s);
}
END_TEST

START_TEST(keepalives_detect_a_dead_peer_on_an_idle_link)
{
	struct sim *s = sim_new(14, 0);

	sim_params(s, quick_retries);
	sim_start(s);
	sim_until(s, both_up, 1000);
	s->cut = true;
	sim_until(s, a_failed, NCMP_ARQ_DEFAULT_KEEPALIVE_MS + 10000);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_DOWN], 1);
	ck_assert_uint_ge(s->e[0].arq->stats.keepalives, 4);
	sim_free(s);
}
END_TEST

static u32 window_size;

static void set_window(struct ncmp_arq_params *p)
{
	p->window = window_size;
	p->baud = 921600;
}

static void default_baud(struct ncmp_arq_params *p)
{
	p->baud = NCMP_ARQ_DEFAULT_BAUD;
}

static enum action drop_some(struct sim *s, int dir, struct wframe *f)
{
	(void)dir;
	(void)f;
	return test_rand(&s->rng) % 50 ? PASS : DROP;
}

START_TEST(every_window_size_delivers_a_stream_through_losses)
{
	struct sim *s = sim_new(15 + _i, 0);

	window_size = _i;
	sim_params(s, set_window);
	s->filter = drop_some;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 200000, 50000, 200000);
	sim_free(s);
}
END_TEST

START_TEST(a_wider_window_moves_data_faster_at_high_baud)
{
	u32 took[2];
	int w;

	for (w = 0; w < 2; w++) {
		struct sim *s = sim_new(30, 0);
		u32 t0;

		window_size = w ? 8 : 1;
		sim_params(s, set_window);
		sim_start(s);
		sim_until(s, both_up, 1000);
		t0 = s->now;
		transfer(s, 300000, 0, 100000);
		took[w] = s->now - t0;
		sim_free(s);
	}
	/* stop-and-wait waits a turnaround per frame; the window does not */
	ck_assert_uint_lt(took[1], took[0]);
}
END_TEST

/* The receiver stops taking bytes for a while, once: a busy machine. */
static enum action stall_once(struct sim *s, int dir, struct wframe *f)
{
	if (dir == 0 && is_type(f, NCMP_FT_DATA) && ++s->fstate[0] == 10)
		f->at += 300;
	return PASS;
}

START_TEST(a_deep_tty_queue_does_not_make_the_window_resend_in_vain)
{
	struct sim *s = sim_new(33, 0);
	u32 t0;

	/*
	 * The tty takes a second of line time at once (UART buffer, socket,
	 * emulator), as QEMU's 8250 does: eight frames queue in front of the
	 * wire, and frames resent after a timeout queue behind them.
	 */
	s->queue_ms = 1000;
	window_size = 8;
	sim_params(s, set_window);
	sim_params(s, default_baud);
	s->filter = stall_once;
	sim_start(s);
	sim_until(s, both_up, 1000);
	t0 = s->now;
	transfer(s, 64 * NCMP_MTU_DEFAULT, 0, 60000);
	/* the stall costs one go-back of the window, and no more */
	ck_assert_uint_le(s->e[0].arq->stats.timeouts, 1);
	ck_assert_uint_le(s->e[0].arq->stats.retransmits, NCMP_WINDOW_MAX);
	/* 64 frames and the window resent once: 72 frame times, 91 ms each */
	ck_assert_uint_lt(s->now - t0, 300 + 73 * 91);
	sim_free(s);
}
END_TEST

START_TEST(sequence_numbers_wrap_during_a_long_transfer)
{
	struct sim *s = sim_new(31, 0xffff0000u);

	window_size = 8;
	sim_params(s, set_window);
	s->filter = drop_some;
	sim_start(s);
	sim_until(s, both_up, 1000);
	/* 1200 frames: the 8-bit sequence wraps four times */
	transfer(s, 1200 * NCMP_MTU_DEFAULT, 0, 600000);
	ck_assert_uint_ge(s->e[1].arq->stats.rx_frames, 1200);
	sim_free(s);
}
END_TEST

START_TEST(the_clock_wrapping_around_zero_does_not_stall_the_link)
{
	struct sim *s = sim_new(32, 0xffffffffu - 500);

	sim_params(s, quick_retries);
	s->filter = drop_nth_data;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 20000, 0, 20000);
	ck_assert_uint_lt(s->now, 0x10000000u);
	/* the timers still fire after the wrap */
	s->cut = true;
	sim_until(s, a_failed, NCMP_ARQ_DEFAULT_KEEPALIVE_MS + 10000);
	sim_free(s);
}
END_TEST

START_TEST(end_of_stream_marks_arrive_in_place)
{
	struct sim *s = sim_new(33, 0);
	u8 *a = random_bytes(5000, 33);

	sim_start(s);
	sim_until(s, both_up, 1000);
	s->e[0].src = a;
	s->e[0].src_len = 3000;
	s->e[0].eos_want = 1;
	sim_until(s, all_delivered, 10000);
	/* a second stream right after, and an empty third one */
	s->e[0].src = a + 3000;
	s->e[0].src_len = 2000;
	s->e[0].src_pos = 0;
	s->e[0].eos_want = 2;
	sim_until(s, all_delivered, 10000);
	check_received(&s->e[1], a, 5000);
	ck_assert_int_eq(s->e[1].eos, 3);
	ck_assert_uint_eq(s->e[1].eos_at[0], 3000);
	ck_assert_uint_eq(s->e[1].eos_at[1], 5000);
	ck_assert_uint_eq(s->e[1].eos_at[2], 5000);
	free(a);
	sim_free(s);
}
END_TEST

START_TEST(a_full_reader_pauses_the_sender_without_losing_the_link)
{
	struct sim *s = sim_new(34, 0);
	u8 *a = random_bytes(30000, 34);
	struct end *rx = &s->e[1];

	window_size = 4;
	sim_params(s, set_window);
	sim_start(s);
	sim_until(s, both_up, 1000);
	rx->room = 2500;
	s->e[0].src = a;
	s->e[0].src_len = 30000;
	/* far longer than retries x backoff would allow without BUSY */
	sim_run(s, 60000);
	ck_assert(both_up(s));
	/* the paused sender polls with keepalives; it does not resend data */
	ck_assert_uint_eq(s->e[0].arq->stats.retransmits, 0);
	ck_assert_uint_le(s->e[0].arq->stats.tx_bytes, 4 * NCMP_MTU_DEFAULT);
	ck_assert_uint_gt(s->e[0].arq->stats.keepalives, 10);
	ck_assert_uint_le(rx->got_len, 2500);
	ck_assert_uint_gt(rx->arq->stats.no_room, 0);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_DOWN], 0);
	ck_assert(!ncmp_arq_tx_done(s->e[0].arq));

	/* the reader drains in bursts: every byte still arrives once */
	while (!all_delivered(s)) {
		ck_assert_uint_lt(s->now, 400000);
		rx->room = 3000;
		ncmp_arq_rx_ready(rx->arq);
		sim_run(s, 300);
	}
	check_received(rx, a, 30000);
	ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_DOWN], 0);
	free(a);
	sim_free(s);
}
END_TEST

static enum action drop_rej(struct sim *s, int dir, struct wframe *f)
{
	struct ncmp_frame_hdr h;

	if (dir == 1 && !wframe_hdr(f, &h) && h.type == NCMP_FT_ACK &&
	    h.flags & NCMP_FF_REJ) {
		s->fstate[0]++;
		return DROP;
	}
	return PASS;
}

START_TEST(a_lost_room_notice_is_recovered_by_the_senders_poll)
{
	struct sim *s = sim_new(35, 0);
	u8 *a = random_bytes(4000, 35);

	s->filter = drop_rej;
	sim_start(s);
	sim_until(s, both_up, 1000);
	s->e[1].room = 0;
	s->e[0].src = a;
	s->e[0].src_len = 4000;
	sim_run(s, 5000);
	ck_assert_uint_eq(s->e[1].got_len, 0);
	/* the REJ that says "room again" is lost; the poll finds out */
	s->e[1].room = SIZE_MAX;
	ncmp_arq_rx_ready(s->e[1].arq);
	sim_until(s, all_delivered, 20000);
	check_received(&s->e[1], a, 4000);
	ck_assert_int_ge(s->fstate[0], 1);
	free(a);
	sim_free(s);
}
END_TEST

START_TEST(partial_writes_to_the_tty_deliver_the_same_bytes)
{
	struct sim *s = sim_new(36, 0);

	s->chunk = 7;
	s->split_rx = true;
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 30000, 30000, 60000);
	sim_free(s);
}
END_TEST

static void small_mtu(struct ncmp_arq_params *p)
{
	p->mtu = 200;
}

START_TEST(the_smaller_mtu_of_the_two_ends_is_used)
{
	struct sim *s = sim_new(37, 0);
	struct ncmp_arq_params p = s->e[1].arq->params;
	struct ncmp_arq_info info;

	p.mtu = 200;
	ck_assert_int_eq(ncmp_arq_set_params(s->e[1].arq, &p), 0);
	sim_start(s);
	sim_until(s, both_up, 1000);
	ncmp_arq_get_info(s->e[0].arq, &info);
	ck_assert_uint_eq(info.mtu, 200);
	ck_assert_uint_eq(info.peer_mtu, 200);
	ck_assert_uint_eq(ncmp_arq_tx_room(s->e[0].arq), NCMP_TX_SLOTS * 200);
	transfer(s, 10000, 10000, 60000);
	/* 10000 bytes in frames of at most 200 */
	ck_assert_uint_ge(s->e[1].arq->stats.rx_frames, 50);
	sim_free(s);
}
END_TEST

START_TEST(changing_the_mtu_mid_stream_keeps_the_stream_intact)
{
	struct sim *s = sim_new(38, 0);
	u8 *a = random_bytes(40000, 38);

	sim_start(s);
	sim_until(s, both_up, 1000);
	s->e[0].src = a;
	s->e[0].src_len = 40000;
	sim_run(s, 300);
	sim_params(s, small_mtu);
	sim_until(s, all_delivered, 60000);
	check_received(&s->e[1], a, 40000);
	free(a);
	sim_free(s);
}
END_TEST

static bool set_ok(struct ncmp_arq *arq, void (*fn)(struct ncmp_arq_params *p))
{
	struct ncmp_arq_params p;

	ncmp_arq_params_default(&p);
	fn(&p);
	return !ncmp_arq_set_params(arq, &p);
}

static void bad_mtu_low(struct ncmp_arq_params *p) { p->mtu = NCMP_MTU_MIN - 1; }
static void bad_mtu_high(struct ncmp_arq_params *p) { p->mtu = NCMP_MTU_MAX + 1; }
static void bad_window0(struct ncmp_arq_params *p) { p->window = 0; }
static void bad_window9(struct ncmp_arq_params *p) { p->window = NCMP_WINDOW_MAX + 1; }
static void bad_retries(struct ncmp_arq_params *p) { p->retries = 0; }
static void bad_baud(struct ncmp_arq_params *p) { p->baud = 0; }
static void bad_rto(struct ncmp_arq_params *p) { p->rto_max_ms = p->rto_min_ms - 1; }
static void bad_rto0(struct ncmp_arq_params *p) { p->rto_min_ms = 0; }
static void bad_ka(struct ncmp_arq_params *p) { p->keepalive_ms = 1; }
static void good_edges(struct ncmp_arq_params *p)
{
	p->mtu = NCMP_MTU_MAX;
	p->window = NCMP_WINDOW_MAX;
	p->baud = NCMP_ARQ_BAUD_MIN;
	p->rto_min_ms = p->rto_max_ms = NCMP_ARQ_RTO_LIMIT_MS;
}

START_TEST(out_of_range_parameters_are_rejected_and_change_nothing)
{
	struct sim *s = sim_new(39, 0);
	struct ncmp_arq *arq = s->e[0].arq;
	struct ncmp_arq_params before = arq->params;

	ck_assert(!set_ok(arq, bad_mtu_low));
	ck_assert(!set_ok(arq, bad_mtu_high));
	ck_assert(!set_ok(arq, bad_window0));
	ck_assert(!set_ok(arq, bad_window9));
	ck_assert(!set_ok(arq, bad_retries));
	ck_assert(!set_ok(arq, bad_baud));
	ck_assert(!set_ok(arq, bad_rto));
	ck_assert(!set_ok(arq, bad_rto0));
	ck_assert(!set_ok(arq, bad_ka));
	ck_assert_mem_eq(&arq->params, &before, sizeof(before));
	ck_assert(set_ok(arq, good_edges));
	ck_assert_uint_eq(arq->params.window, NCMP_WINDOW_MAX);
	sim_free(s);
}
END_TEST

static void baud(struct ncmp_arq *arq, u32 b, u16 mtu)
{
	struct ncmp_arq_params p = arq->params;

	p.baud = b;
	p.mtu = mtu;
	ck_assert_int_eq(ncmp_arq_set_params(arq, &p), 0);
}

START_TEST(the_timeout_follows_the_line_rate_and_the_frame_size)
{
	struct sim *s = sim_new(40, 0);
	struct ncmp_arq *arq = s->e[0].arq;
	u32 slow, fast, big;
	u32 frame_ms = (WIRE_LEN(1024) * 10000 + 9599) / 9600;

	baud(arq, 9600, 1024);
	slow = arq->rto_base;
	/* it covers two full frames at least */
	ck_assert_uint_ge(slow, 2 * frame_ms + arq->params.rto_min_ms);
	baud(arq, 3000000, 1024);
	fast = arq->rto_base;
	ck_assert_uint_lt(fast, slow);
	ck_assert_uint_ge(fast, arq->params.rto_min_ms);
	baud(arq, 3000000, 4096);
	big = arq->rto_base;
	ck_assert_uint_gt(big, fast);
	/* a frame longer on the line than rto_max still gets its time */
	baud(arq, 9600, 4096);
	ck_assert_uint_gt(arq->rto_base, arq->params.rto_max_ms);
	sim_free(s);
}
END_TEST

static void slow_big(struct ncmp_arq_params *p)
{
	p->baud = 9600;
	p->mtu = NCMP_MTU_MAX;
}

START_TEST(big_frames_on_a_slow_line_go_through_without_timeouts)
{
	struct sim *s = sim_new(43, 0);

	/* a 4 KiB frame takes 4.3 s at 9600 baud, beyond rto_max */
	sim_params(s, slow_big);
	sim_start(s);
	sim_until(s, both_up, 1000);
	transfer(s, 5 * NCMP_MTU_MAX, 0, 60000);
	ck_assert_uint_eq(s->e[0].arq->stats.timeouts, 0);
	ck_assert_uint_eq(s->e[0].arq->stats.retransmits, 0);
	sim_free(s);
}
END_TEST

START_TEST(stop_and_wait_with_1k_frames_reaches_95_percent_of_the_line_rate)
{
	struct sim *s = sim_new(41, 0);
	const size_t len = 200 * 1024;
	u64 wire0, wire1, wire;

	sim_start(s);
	sim_until(s, both_up, 1000);
	wire0 = s->e[0].arq->stats.tx_wire_bytes;
	wire1 = s->e[1].arq->stats.tx_wire_bytes;
	transfer(s, len, 0, 100000);
	/*
	 * Stop-and-wait leaves the line idle while the ACK comes back, so
	 * the line time per frame is its bytes plus the ACK's bytes: COBS,
	 * header, CRC and delimiters all included.
	 */
	wire = s->e[0].arq->stats.tx_wire_bytes - wire0 +
	       s->e[1].arq->stats.tx_wire_bytes - wire1;
	ck_assert_uint_eq(s->e[0].arq->stats.retransmits, 0);
	ck_assert_uint_ge(len * 100, wire * 95);
	sim_free(s);
}
END_TEST

/* Send B's idea of a frame straight into A. */
static void inject(struct sim *s, const struct ncmp_frame_hdr *h)
{
	u8 raw[NCMP_FRAME_MAX], wire[NCMP_WIRE_MAX];
	size_t n = ncmp_frame_seal(raw, h);
	int w = ncmp_cobs_encode(raw, n, wire + 1, sizeof(wire) - 2);

	wire[0] = 0;
	wire[w + 1] = 0;
	ncmp_arq_rx(s->e[0].arq, wire, NULL, w + 2, s->now);
}

START_TEST(acknowledgments_for_frames_never_sent_are_ignored)
{
	struct sim *s = sim_new(42, 0);
	struct ncmp_arq *a = s->e[0].arq;
	struct ncmp_frame_hdr h = { .type = NCMP_FT_ACK };
	u8 *data = random_bytes(3 * NCMP_MTU_DEFAULT, 42);
	const u8 *p;
	u64 frames;

	sim_start(s);
	sim_until(s, both_up, 1000);
	frames = a->stats.rx_frames;
	ck_assert_uint_eq(ncmp_arq_write(a, data, 3 * NCMP_MTU_DEFAULT),
			  3 * NCMP_MTU_DEFAULT);
	/* one frame goes out (window 1); B "acknowledges" all three */
	ck_assert_uint_gt(ncmp_arq_tx_peek(a, &p, s->now), 0);
	h.session = a->nonce ^ a->peer_nonce;
	h.ack = 3;
	inject(s, &h);
	ck_assert_uint_eq(a->stats.rx_frames, frames + 1);
	ck_assert(!ncmp_arq_tx_done(a));
	/* a BUSY for a frame far ahead changes nothing either */
	h.ack = 200;
	h.flags = NCMP_FF_BUSY;
	inject(s, &h);
	ck_assert_uint_eq(a->stats.rx_frames, frames + 2);
	ck_assert(!a->peer_busy);
	ncmp_arq_tx_consume(a, NCMP_WIRE_MAX);
	s->e[0].src = data;
	s->e[0].src_len = 3 * NCMP_MTU_DEFAULT;
	s->e[0].src_pos = 3 * NCMP_MTU_DEFAULT;
	sim_until(s, all_delivered, 20000);
	check_received(&s->e[1], data, 3 * NCMP_MTU_DEFAULT);
	free(data);
	sim_free(s);
}
END_TEST

/* --- soak ----------------------------------------------------------------- */

static enum action random_faults(struct sim *s, int dir, struct wframe *f)
{
	u32 r = test_rand(&s->rng) % 1000;
	size_t i;

	(void)dir;
	if (r < 20)
		return DROP;
	if (r < 30)
		return DUP;
	if (r < 35 && f->len > 3) {
		i = 1 + test_rand(&s->rng) % (f->len - 2);
		f->b[i] ^= 1 << test_rand(&s->rng) % 8;
	} else if (r < 40 && f->len > 3) {
		f->errbyte = 1 + test_rand(&s->rng) % (f->len - 2);
	} else if (r < 45 && f->len > 3) {
		f->len = 2 + test_rand(&s->rng) % (f->len - 2);
		f->b[f->len - 1] = 0;
	}
	return PASS;
}

START_TEST(random_faults_never_break_exactly_once_in_order_delivery)
{
	u32 seed;

	for (seed = 0; seed < 8; seed++) {
		struct sim *s = sim_new(1000 + seed, seed * 0x3fffffffu);

		window_size = seed % NCMP_WINDOW_MAX + 1;
		sim_params(s, set_window);
		s->filter = random_faults;
		s->chunk = seed & 1 ? 0 : 64;
		s->split_rx = seed & 2;
		sim_start(s);
		sim_until(s, both_up, 5000);
		transfer_eos(s, 400000 + seed * 1111, 1, 100000, 1000000);
		ck_assert_int_eq(s->e[1].eos, 1);
		ck_assert_uint_eq(s->e[1].eos_at[0], 400000 + seed * 1111);
		ck_assert_int_eq(s->e[0].ev[NCMP_ARQ_EV_LINK_DOWN], 0);
		ck_assert_int_eq(s->e[1].ev[NCMP_ARQ_EV_PEER_RESET], 0);
		sim_free(s);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire_arq");
	TCase *tc = tcase_create("arq");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, link_comes_up_after_a_handshake);
	tcase_add_test(tc, link_comes_up_when_the_peer_starts_late);
	tcase_add_test(tc, link_comes_up_when_handshake_frames_are_lost);
	tcase_add_test(tc, data_flows_both_ways_in_order);
	tcase_add_test(tc, data_written_before_the_handshake_is_sent_after_it);
	tcase_add_test(tc, a_lost_data_frame_is_sent_again_after_the_timeout);
	tcase_add_test(tc, a_lost_ack_makes_the_receiver_acknowledge_the_duplicate);
	tcase_add_test(tc, duplicated_frames_are_delivered_once);
	tcase_add_test(tc, reordered_frames_are_delivered_in_order);
	tcase_add_test(tc, corrupted_frames_are_dropped_counted_and_sent_again);
	tcase_add_test(tc, a_peer_reset_mid_stream_is_reported_and_a_new_session_works);
	tcase_add_test(tc, shutdown_tells_the_peer_with_a_reset);
	tcase_add_test(tc, retry_exhaustion_brings_the_link_down);
	tcase_add_test(tc, keepalives_detect_a_dead_peer_on_an_idle_link);
	tcase_add_loop_test(tc, every_window_size_delivers_a_stream_through_losses,
			    1, NCMP_WINDOW_MAX + 1);
	tcase_add_test(tc, a_wider_window_moves_data_faster_at_high_baud);
	tcase_add_test(tc, a_deep_tty_queue_does_not_make_the_window_resend_in_vain);
	tcase_add_test(tc, sequence_numbers_wrap_during_a_long_transfer);
	tcase_add_test(tc, the_clock_wrapping_around_zero_does_not_stall_the_link);
	tcase_add_test(tc, end_of_stream_marks_arrive_in_place);
	tcase_add_test(tc, a_full_reader_pauses_the_sender_without_losing_the_link);
	tcase_add_test(tc, a_lost_room_notice_is_recovered_by_the_senders_poll);
	tcase_add_test(tc, partial_writes_to_the_tty_deliver_the_same_bytes);
	tcase_add_test(tc, the_smaller_mtu_of_the_two_ends_is_used);
	tcase_add_test(tc, changing_the_mtu_mid_stream_keeps_the_stream_intact);
	tcase_add_test(tc, out_of_range_parameters_are_rejected_and_change_nothing);
	tcase_add_test(tc, the_timeout_follows_the_line_rate_and_the_frame_size);
	tcase_add_test(tc, big_frames_on_a_slow_line_go_through_without_timeouts);
	tcase_add_test(tc, stop_and_wait_with_1k_frames_reaches_95_percent_of_the_line_rate);
	tcase_add_test(tc, acknowledgments_for_frames_never_sent_are_ignored);
	tcase_add_test(tc, random_faults_never_break_exactly_once_in_order_delivery);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
