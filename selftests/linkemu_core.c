// SPDX-License-Identifier: GPL-2.0
/*
 * linkemu core: pacing and fault injection for one direction of an
 * emulated UART link. See linkemu.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linkemu.h"

/* The bucket holds 4 ms of line time, and never less than a 16550 FIFO. */
#define LE_BUCKET_NS	4000000ULL
#define LE_BUCKET_MIN	16

int le_parse_prob(const char *s, double *p)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.0 || v > 1.0)
		return -1;
	*p = v;
	return 0;
}

/* "2.5s", "500ms", "20us", "100ns"; a bare number is seconds. */
int le_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "ns", 1.0 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0.0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		v *= units[i].scale;
		/* a million seconds is beyond any test, and fits easily */
		if (v > 1e15)
			return -1;
		*ns = (uint64_t)llround(v);
		return 0;
	}
	return -1;
}

static int parse_count(const char *s, const char *end, uint64_t *n)
{
	char *stop;
	unsigned long long v;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &stop, 10);
	if (errno || stop != end || v == 0 || v > UINT32_MAX)
		return -1;
	*n = v;
	return 0;
}

/* "LEN@TIME": LEN is a byte count, or a duration when len_is_time. */
int le_parse_event(const char *s, int len_is_time, struct le_event *ev)
{
	const char *at = strchr(s, '@');
	char len[64];

	if (!at || (size_t)(at - s) >= sizeof(len))
		return -1;
	memcpy(len, s, at - s);
	len[at - s] = '\0';
	if (le_parse_duration(at + 1, &ev->at_ns))
		return -1;
	if (!len_is_time)
		return parse_count(s, at, &ev->len);
	if (le_parse_duration(len, &ev->len) || ev->len == 0)
		return -1;
	return 0;
}

/* "LEN/PROB": bursts of LEN bytes, starting at each byte with PROB. */
int le_parse_burst_rate(const char *s, uint32_t *len, double *p)
{
	const char *slash = strchr(s, '/');
	uint64_t n;

	if (!slash || parse_count(s, slash, &n) || le_parse_prob(slash + 1, p))
		return -1;
	*len = (uint32_t)n;
	return 0;
}

uint64_t le_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Bytes until the next hit, geometric with parameter p. */
static uint64_t gap(uint64_t *rng, double p)
{
	double u, g;

	if (p <= 0.0)
		return LE_NEVER;
	if (p >= 1.0)
		return 0;
	/* u in (0, 1], so the log is finite */
	u = ((le_rng_next(rng) >> 11) + 1) * 0x1p-53;
	g = floor(log(u) / log1p(-p));
	return g >= 0x1p62 ? LE_NEVER : (uint64_t)g;
}

static void schedule(struct le_dir *d, enum le_kind k, uint64_t from)
{
	uint64_t g = gap(&d->rng[k], d->cfg->rate[k]);

	d->next[k] = g == LE_NEVER ? LE_NEVER : from + g;
}

void le_dir_init(struct le_dir *d, const struct le_config *cfg,
		 unsigned int dir, uint64_t now_ns)
{
	uint64_t mix = cfg->seed ^ ((uint64_t)(dir + 1) << 56);
	uint64_t min_credit;
	int k;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->byte_cost = LE_BITS_PER_BYTE * LE_NSEC_PER_SEC;
	d->credit_max = LE_BUCKET_NS * cfg->baud;
	min_credit = LE_BUCKET_MIN * d->byte_cost;
	if (d->credit_max < min_credit)
		d->credit_max = min_credit;
	d->last_ns = now_ns;

	/* independent streams: enabling one kind leaves the others alone */
	for (k = 0; k < LE_NKINDS; k++) {
		d->rng[k] = mix ^ ((uint64_t)(k + 1) << 48);
		le_rng_next(&d->rng[k]);
		schedule(d, k, 0);
	}
	d->rng_val = mix ^ ((uint64_t)(LE_NKINDS + 1) << 48);
}

uint64_t le_pace_avail(struct le_dir *d, uint64_t now_ns)
{
	uint64_t elapsed = now_ns > d->last_ns ? now_ns - d->last_ns : 0;
	uint64_t room = d->credit_max - d->credit;

	d->last_ns = now_ns;
	/* clamp before multiplying: a long idle time must not overflow */
	if (elapsed > room / d->cfg->baud)
		d->credit = d->credit_max;
	else
		d->credit += elapsed * d->cfg->baud;
	return d->credit / d->byte_cost;
}

void le_pace_take(struct le_dir *d, uint64_t nbytes)
{
	uint64_t cost = nbytes * d->byte_cost;

	d->credit = cost > d->credit ? 0 : d->credit - cost;
}

void le_pace_idle(struct le_dir *d)
{
	if (d->credit > d->byte_cost)
		d->credit = d->byte_cost;
}

uint64_t le_pace_wait_ns(const struct le_dir *d, uint64_t nbytes)
{
	uint64_t need = nbytes * d->byte_cost;

	if (need > d->credit_max)
		need = d->credit_max;
	if (d->credit >= need)
		return 0;
	return (need - d->credit + d->cfg->baud - 1) / d->cfg->baud;
}

double le_line_rate(const struct le_config *cfg)
{
	return (double)cfg->baud / LE_BITS_PER_BYTE;
}

int le_in_cut(const struct le_config *cfg, uint64_t t_ns)
{
	unsigned int i;

	for (i = 0; i < cfg->ncuts; i++)
		if (t_ns >= cfg->cuts[i].at_ns &&
		    t_ns - cfg->cuts[i].at_ns < cfg->cuts[i].len)
			return 1;
	return 0;
}

static void fire_timed_bursts(struct le_dir *d, uint64_t t_ns)
{
	unsigned int i;

	for (i = 0; i < d->cfg->nbursts; i++) {
		if (d->bursts_fired & (1U << i) || t_ns < d->cfg->bursts[i].at_ns)
			continue;
		d->bursts_fired |= 1U << i;
		d->burst_left += d->cfg->bursts[i].len;
		d->cnt.faults[LE_BURST]++;
	}
}

/* Does fault k hit the current byte? Draws the next hit if so. */
static int hit(struct le_dir *d, enum le_kind k)
{
	if (d->next[k] != d->index)
		return 0;
	schedule(d, k, d->index + 1);
	return 1;
}

size_t le_transform(struct le_dir *d, uint64_t t_ns,
		    const uint8_t *in, size_t n, uint8_t *out)
{
	int cut = le_in_cut(d->cfg, t_ns);
	size_t i, o = 0;

	fire_timed_bursts(d, t_ns);
	for (i = 0; i < n; i++, d->index++) {
		/* every kind is drawn for every byte, so schedules stay put */
		int flip = hit(d, LE_FLIP), drop = hit(d, LE_DROP);
		int dup = hit(d, LE_DUP), burst = hit(d, LE_BURST);
		int noisy;
		uint8_t b = in[i];

		if (burst && !cut) {
			d->cnt.faults[LE_BURST]++;
			if (d->burst_left < d->cfg->burst_len)
				d->burst_left = d->cfg->burst_len;
		}
		/* noise spends itself on the wire whatever happens to the byte */
		noisy = d->burst_left > 0;
		if (noisy)
			d->burst_left--;
		if (cut) {
			d->cnt.cut_bytes++;
			continue;
		}
		if (drop) {
			d->cnt.faults[LE_DROP]++;
			continue;
		}
		if (noisy) {
			b ^= 1 + le_rng_next(&d->rng_val) % 255;
			d->cnt.burst_bytes++;
		}
		if (flip) {
			b ^= 1U << (le_rng_next(&d->rng_val) % 8);
			d->cnt.faults[LE_FLIP]++;
		}
		out[o++] = b;
		if (dup) {
			out[o++] = b;
			d->cnt.faults[LE_DUP]++;
		}
	}
	d->cnt.bytes_in += n;
	d->cnt.bytes_out += o;
	return o;
}
