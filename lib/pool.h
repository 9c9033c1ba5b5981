/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Blocks in flight: a ring of jobs (one block each) and the worker threads
 * that code them. The file encoder and decoder fill jobs in order, submit
 * them, and take them back in the same order once done, so the output never
 * depends on the number of threads. With one thread there are no workers:
 * a job is coded by the caller when submitted.
 *
 * A job belongs to the caller while it is being filled and after it is
 * done, and to one worker in between; the pool's mutex orders the hand-over.
 */
#ifndef NCMP_POOL_H
#define NCMP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block.h"

struct job {
	uint8_t *raw;		/* the block's bytes */
	uint8_t *payload;	/* what the file holds for it */
	size_t raw_cap;		/* bytes allocated */
	size_t payload_cap;
	uint32_t raw_len;
	uint32_t payload_len;
	uint32_t crc;		/* of the raw bytes: computed, or as stored */
	uint32_t crc_data;	/* decoder: CRC32 of what was decoded */
	uint64_t index;		/* block number */
	uint64_t offset;	/* file offset of the block header */
	int status;		/* decoder: 0, NCMP_E_CRC or NCMP_E_BLOCK_DATA */
	bool reported;		/* decoder: status was returned once (force) */
	size_t bad_at;		/* payload offset of a decoding failure */
	size_t sent;		/* bytes of its output already written */
	int state;		/* pool.c's enum job_state */
};

typedef void (*job_fn)(struct job *job, struct block_coder *coder);

struct pool;

/* A pool of @threads coders (and that many workers if more than one). */
int pool_new(struct pool **out, const struct ncmp_model *model,
	     unsigned int threads, job_fn work);
void pool_free(struct pool *p);

/*
 * The most heap such a pool holds, its jobs reserving @raw and @payload
 * bytes each.
 */
size_t pool_size(const struct ncmp_model *model, unsigned int threads,
		 size_t raw, size_t payload);

/*
 * The next job to fill, with room for @raw and @payload bytes; NULL when
 * all jobs are in use (*@err = 0) or memory ran out (*@err < 0).
 */
struct job *pool_get(struct pool *p, size_t raw, size_t payload, int *err);
void pool_submit(struct pool *p, struct job *job);

/*
 * The oldest submitted job if it is done, else NULL; with @wait, wait for
 * it to be done (NULL only if no job is submitted).
 */
struct job *pool_oldest(struct pool *p, bool wait);

/* Give back the job pool_oldest() returned. */
void pool_release(struct pool *p, struct job *job);

/* Whether jobs are submitted and not yet released; whether none is free. */
bool pool_busy(const struct pool *p);
bool pool_full(const struct pool *p);

#endif /* NCMP_POOL_H */
