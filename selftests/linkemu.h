/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linkemu: the sans-I/O core of the serial link emulator.
 *
 * One struct le_dir models one direction of a UART link: a transmitter
 * paced by a token bucket at the byte rate of a baud rate, and the fault
 * injector that damages bytes on the way. Nothing here reads a clock or
 * touches a file descriptor: callers pass the time in nanoseconds, so the
 * unit tests drive it with a fake clock.
 *
 * Random faults are scheduled by byte index from per-direction, per-kind
 * pseudo-random streams derived from the seed, so a run is reproducible
 * from the seed and the byte sequence. Bursts and cuts given at a time
 * count from the epoch (the first byte the emulator forwarded).
 */
#ifndef LINKEMU_H
#define LINKEMU_H

#include <stddef.h>
#include <stdint.h>

#define LE_BITS_PER_BYTE	10	/* 8N1: start, 8 data, stop */
#define LE_NSEC_PER_SEC		1000000000ULL
#define LE_MAX_EVENTS		16	/* timed bursts, and cuts, each */
#define LE_NEVER		UINT64_MAX

enum le_kind {
	LE_FLIP,		/* one random bit of a byte inverted */
	LE_DROP,		/* a byte lost */
	LE_DUP,			/* a byte delivered twice */
	LE_BURST,		/* start of a run of corrupted bytes */
	LE_NKINDS,
};

struct le_event {
	uint64_t at_ns;		/* time from the epoch */
	uint64_t len;		/* bytes for a burst, nanoseconds for a cut */
};

struct le_config {
	uint32_t baud;
	uint64_t seed;
	double rate[LE_NKINDS];		/* per-byte probability of each kind */
	uint32_t burst_len;		/* bytes corrupted by a random burst */
	struct le_event bursts[LE_MAX_EVENTS];
	unsigned int nbursts;
	struct le_event cuts[LE_MAX_EVENTS];
	unsigned int ncuts;
};

struct le_counters {
	uint64_t bytes_in;	/* taken from the sender (wire time spent) */
	uint64_t bytes_out;	/* handed to the receiver, duplicates included */
	uint64_t faults[LE_NKINDS];	/* flips, drops, dups, bursts started */
	uint64_t burst_bytes;	/* bytes corrupted by bursts */
	uint64_t cut_bytes;	/* bytes lost in cuts */
};

struct le_dir {
	const struct le_config *cfg;
	/* pacing: credit in baud-nanoseconds, one byte costs byte_cost */
	uint64_t credit;
	uint64_t credit_max;
	uint64_t byte_cost;
	uint64_t last_ns;
	/* faults */
	uint64_t index;			/* bytes taken so far */
	uint64_t next[LE_NKINDS];	/* index of the next byte hit */
	uint64_t rng[LE_NKINDS];	/* one stream per kind */
	uint64_t rng_val;		/* stream for corruption values */
	uint64_t burst_left;
	uint32_t bursts_fired;		/* bitmap over cfg->bursts */
	struct le_counters cnt;
};

/* Parsers for command-line values; 0 on success, -1 on bad input. */
int le_parse_prob(const char *s, double *p);
int le_parse_duration(const char *s, uint64_t *ns);
int le_parse_event(const char *s, int len_is_time, struct le_event *ev);
int le_parse_burst_rate(const char *s, uint32_t *len, double *p);

/* A splitmix64 step: the generator behind every schedule. */
uint64_t le_rng_next(uint64_t *state);

void le_dir_init(struct le_dir *d, const struct le_config *cfg,
		 unsigned int dir, uint64_t now_ns);

/* Pacing: bytes the wire can carry at now_ns, and taking them. */
uint64_t le_pace_avail(struct le_dir *d, uint64_t now_ns);
void le_pace_take(struct le_dir *d, uint64_t nbytes);
/* The sender had nothing: an idle line saves no credit for later. */
void le_pace_idle(struct le_dir *d);
/* Nanoseconds from the last le_pace_avail() until nbytes are available. */
uint64_t le_pace_wait_ns(const struct le_dir *d, uint64_t nbytes);
/* Bytes the wire carries in one second (the line rate). */
double le_line_rate(const struct le_config *cfg);

/*
 * Push n bytes taken from the sender at t_ns (time from the epoch)
 * through the faults. Writes at most 2 * n bytes to out and returns how
 * many.
 */
size_t le_transform(struct le_dir *d, uint64_t t_ns,
		    const uint8_t *in, size_t n, uint8_t *out);

/* True when t_ns (from the epoch) falls inside a cut. */
int le_in_cut(const struct le_config *cfg, uint64_t t_ns);

#endif /* LINKEMU_H */
