// SPDX-License-Identifier: GPL-2.0
/* Jobs and worker threads for the file format (pool.h). */
#include <pthread.h>
#include <stdlib.h>

#include "pool.h"

enum job_state {
	JOB_FREE,
	JOB_FILLING,
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
};

struct worker {
	struct pool *pool;
	struct block_coder coder;
	pthread_t thread;
	bool started;
};

struct pool {
	job_fn work;
	unsigned int nworkers;	/* threads, or 1 coder used inline */
	struct worker *workers;
	struct job *jobs;	/* ring: in use are [head, head + count) */
	unsigned int njobs, head, count;
	pthread_mutex_t lock;
	pthread_cond_t queued;	/* a job was queued, or stop */
	pthread_cond_t done;	/* a job is done */
	bool filling;		/* the newest job in use is being filled */
	bool stop;
	bool threaded;
};

static struct job *next_queued(struct pool *p)
{
	unsigned int i;
	struct job *j;

	for (i = 0; i < p->count; i++) {
		j = &p->jobs[(p->head + i) % p->njobs];
		if (j->state == JOB_QUEUED)
			return j;
	}
	return NULL;
}

/* Workers read every job's state, so changes go under the lock. */
static void set_state(struct pool *p, struct job *j, enum job_state state)
{
	pthread_mutex_lock(&p->lock);
	j->state = state;
	pthread_mutex_unlock(&p->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct job *j = NULL;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && !(j = next_queued(p)))
			pthread_cond_wait(&p->queued, &p->lock);
		if (p->stop)
			break;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&p->lock);
		p->work(j, &w->coder);
		pthread_mutex_lock(&p->lock);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

size_t pool_size(const struct ncmp_model *model, unsigned int threads,
		 size_t raw, size_t payload)
{
	return threads * (block_coder_size(model) + raw + payload);
}

int pool_new(struct pool **out, const struct ncmp_model *model,
	     unsigned int threads, job_fn work)
{
	struct pool *p = calloc(1, sizeof(*p));
	unsigned int i;
	int err = NCMP_E_NOMEM;

	*out = NULL;
	if (!p)
		return err;
	p->work = work;
	p->threaded = threads > 1;
	p->nworkers = threads;
	/*
	 * One job per worker: a block is filled while the others code, and no
	 * more blocks are held than ncmp_file_memory() counts.
	 */
	p->njobs = threads;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->queued, NULL);
	pthread_cond_init(&p->done, NULL);
	p->workers = calloc(p->nworkers, sizeof(*p->workers));
	p->jobs = calloc(p->njobs, sizeof(*p->jobs));
	if (!p->workers || !p->jobs)
		goto fail;
	for (i = 0; i < p->nworkers; i++) {
		p->workers[i].pool = p;
		err = block_coder_init(&p->workers[i].coder, model);
		if (err)
			goto fail;
	}
	for (i = 0; p->threaded && i < p->nworkers; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, worker_main,
				   &p->workers[i])) {
			err = NCMP_E_THREAD;
			goto fail;
		}
		p->workers[i].started = true;
	}
	*out = p;
	return 0;
fail:
	pool_free(p);
	return err;
}

void pool_free(struct pool *p)
{
	unsigned int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->queued);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; p->workers && i < p->nworkers; i++) {
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
		block_coder_fini(&p->workers[i].coder);
	}
	for (i = 0; p->jobs && i < p->njobs; i++) {
		free(p->jobs[i].raw);
		free(p->jobs[i].payload);
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->queued);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p->jobs);
	free(p);
}

/* Make *buf hold @size bytes; its old contents are not needed. */
static int reserve(uint8_t **buf, size_t *cap, size_t size)
{
	if (*cap >= size)
		return 0;
	free(*buf);
	*buf = malloc(size);
	*cap = *buf ? size : 0;
	return *buf ? 0 : NCMP_E_NOMEM;
}

struct job *pool_get(struct pool *p, size_t raw, size_t payload, int *err)
{
	struct job *j;

	*err = 0;
	if (p->count == p->njobs)
		return NULL;
	j = &p->jobs[(p->head + p->count) % p->njobs];
	*err = reserve(&j->raw, &j->raw_cap, raw);
	if (!*err)
		*err = reserve(&j->payload, &j->payload_cap, payload);
	if (*err)
		return NULL;
	j->sent = 0;
	j->status = 0;
	j->reported = false;
	j->raw_len = 0;
	j->payload_len = 0;
	set_state(p, j, JOB_FILLING);
	p->filling = true;
	p->count++;
	return j;
}

void pool_submit(struct pool *p, struct job *j)
{
	p->filling = false;
	if (!p->threaded) {
		p->work(j, &p->workers[0].coder);
		set_state(p, j, JOB_DONE);
		return;
	}
	pthread_mutex_lock(&p->lock);
	j->state = JOB_QUEUED;
	pthread_cond_signal(&p->queued);
	pthread_mutex_unlock(&p->lock);
}

struct job *pool_oldest(struct pool *p, bool wait)
{
	struct job *j = p->count ? &p->jobs[p->head] : NULL;

	if (!j)
		return NULL;
	pthread_mutex_lock(&p->lock);
	while (wait && j->state != JOB_DONE && j->state != JOB_FILLING)
		pthread_cond_wait(&p->done, &p->lock);
	if (j->state != JOB_DONE)
		j = NULL;
	pthread_mutex_unlock(&p->lock);
	return j;
}

void pool_release(struct pool *p, struct job *j)
{
	set_state(p, j, JOB_FREE);
	p->head = (p->head + 1) % p->njobs;
	p->count--;
}

bool pool_busy(const struct pool *p)
{
	return p->count > (p->filling ? 1u : 0u);
}

bool pool_full(const struct pool *p)
{
	return p->count == p->njobs;
}
