// SPDX-License-Identifier: GPL-2.0
/*
 * ncmctl encode, decode and model info: files to and from .ncmp.
 *
 * Conventions follow zstd: the input is kept (--rm removes it), "-" or no
 * file means stdin/stdout, an existing output is not overwritten without
 * -f, and coded data is not written to a terminal. Output files are written
 * under a temporary name and renamed when complete, so a failed run leaves
 * no partial file. Memory stays bounded whatever the input size: data
 * flows through fixed buffers, the library keeps one block per thread, and
 * threads that would take ncmctl past RSS_MAX are not started.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ncmctl.h"

#define IO_SIZE		(128u << 10)
#define SUFFIX		".ncmp"
#define MODEL_PATH	"/usr/local/share/ncmp/models:/usr/share/ncmp/models"
#define RSS_MAX		(32u << 20)	/* ncmctl's bound on resident memory */

struct io {
	const char *in_name;		/* for messages: the file, or "stdin" */
	int in_fd;
	const char *out_path;		/* NULL: stdout */
	char *tmp_path;			/* written, then renamed to out_path */
	int out_fd;
	uint8_t *ibuf;
	uint8_t *obuf;
	struct timespec start;
	struct timespec shown;
	bool progress;
};

int ncmctl_exit_code(int err)
{
	switch (err) {
	case NCMP_E_MAGIC:
	case NCMP_E_VERSION:
	case NCMP_E_HEADER:
	case NCMP_E_TRUNCATED:
	case NCMP_E_BLOCK_HEADER:
	case NCMP_E_BLOCK_DATA:
	case NCMP_E_CRC:
	case NCMP_E_TRAILER:
	case NCMP_E_TRAILING:
		return NCMCTL_EXIT_CORRUPT;
	case NCMP_E_MODEL_UNKNOWN:
	case NCMP_E_MODEL_FORMAT:
	case NCMP_E_MODEL_ARCH:
		return NCMCTL_EXIT_MODEL;
	default:
		return NCMCTL_EXIT_FAIL;
	}
}

const char *ncmctl_model_path(void)
{
	const char *p = getenv("NCMP_MODEL_PATH");

	return p ? p : MODEL_PATH;
}

int ncmctl_model_for(const char *path, uint64_t id, ncmp_model **out)
{
	char msg[NCMP_MSG_MAX], want[17], got[17];
	int err;

	if (!path) {
		err = ncmp_model_find(out, id, ncmctl_model_path(), msg);
		if (err)
			ncmctl_err("%s (give one with -m, or set NCMP_MODEL_PATH)",
				   msg);
		return err ? ncmctl_exit_code(err) : NCMCTL_EXIT_OK;
	}
	err = ncmp_model_load_file(out, path, msg);
	if (err) {
		ncmctl_err("%s", msg);
		return ncmctl_exit_code(err);
	}
	if (ncmp_model_id(*out) != id) {
		ncmctl_err("the data needs model %s, but %s is model %s",
			   ncmp_model_id_str(id, want), path,
			   ncmp_model_id_str(ncmp_model_id(*out), got));
		ncmp_model_free(*out);
		*out = NULL;
		return NCMCTL_EXIT_MODEL;
	}
	return NCMCTL_EXIT_OK;
}

/* "4K", "64K", "1M", "65536", "4KiB": a block size in bytes, or 0. */
static unsigned int parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (!strcmp(end, "iB") || !strcmp(end, "B"))
		end += strlen(end);
	if (*end || v < NCMP_BLOCK_MIN || v > NCMP_BLOCK_MAX)
		return 0;
	return (unsigned int)v;
}

static unsigned int parse_threads(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > NCMP_THREADS_MAX)
		return NCMP_THREADS_MAX + 1;
	if (!v) {
		/* -T0: one per CPU, as zstd does */
		v = sysconf(_SC_NPROCESSORS_ONLN);
		if (v < 1)
			v = 1;
		if (v > NCMP_THREADS_MAX)
			v = NCMP_THREADS_MAX;
	}
	return (unsigned int)v;
}

/* Resident bytes now: the program, its buffers and the model; 0 if unknown. */
static size_t resident_now(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, pages;
	int n = f ? fscanf(f, "%lu %lu", &size, &pages) : 0;

	if (f)
		fclose(f);
	return n == 2 ? pages * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/*
 * Of the @want threads asked for, as many as keep ncmctl under RSS_MAX:
 * each holds a model state (11 MiB for the built-in model) and blocks.
 */
static unsigned int threads_that_fit(const ncmp_model *m,
				     unsigned int block_size, unsigned int want)
{
	size_t base = resident_now();
	unsigned int t = want;

	while (t > 1 && base + ncmp_file_memory(m, block_size, t) > RSS_MAX)
		t--;
	if (t < want)
		ncmctl_warn("%u threads would need %zu MiB: using %u, as many as fit in %u MiB",
			    want, (base + ncmp_file_memory(m, block_size, want)) >> 20,
			    t, RSS_MAX >> 20);
	ncmctl_info("%u thread%s: at most %zu MiB", t, t > 1 ? "s" : "",
		    (base + ncmp_file_memory(m, block_size, t)) >> 20);
	return t;
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Progress on a terminal: bytes, ratio and rate, at most 4 times a second. */
static void show_progress(struct io *io, uint64_t raw, uint64_t coded,
			  bool last)
{
	double t = seconds_since(&io->start);

	if (!io->progress || (!last && seconds_since(&io->shown) < 0.25))
		return;
	clock_gettime(CLOCK_MONOTONIC, &io->shown);
	fprintf(stderr, "\rncmctl: %s: %.1f MiB, coded %.1f MiB (%.2f%%), %.1f MB/s %s",
		io->in_name, (double)raw / 1048576, (double)coded / 1048576,
		raw ? 100.0 * (double)coded / (double)raw : 0.0,
		t > 0 ? (double)raw / t / 1e6 : 0.0, last ? "\n" : "");
}

static int open_input(struct io *io, const char *path, struct stat *st)
{
	io->in_name = path ? path : "stdin";
	io->in_fd = path ? open(path, O_RDONLY) : STDIN_FILENO;
	if (io->in_fd < 0 || fstat(io->in_fd, st)) {
		ncmctl_err("%s: %s", io->in_name, strerror(errno));
		return NCMCTL_EXIT_FAIL;
	}
	if (S_ISDIR(st->st_mode)) {
		ncmctl_err("%s: is a directory", io->in_name);
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

/* The temporary output file, removed if a signal ends the program. */
static char *volatile pending_tmp;

static void on_signal(int sig)
{
	if (pending_tmp)
		unlink(pending_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Finish the output: rename it into place if @keep, else remove it. */
static int close_output(struct io *io, bool keep)
{
	int rc = NCMCTL_EXIT_OK;

	if (!io->tmp_path)
		return rc;
	if (close(io->out_fd) && keep) {
		ncmctl_err("%s: %s", io->out_path, strerror(errno));
		keep = false;
		rc = NCMCTL_EXIT_FAIL;
	}
	if (keep && rename(io->tmp_path, io->out_path)) {
		ncmctl_err("%s: %s", io->out_path, strerror(errno));
		rc = NCMCTL_EXIT_FAIL;
		keep = false;
	}
	if (!keep)
		unlink(io->tmp_path);
	pending_tmp = NULL;
	free(io->tmp_path);
	io->tmp_path = NULL;
	return rc;
}

/*
 * Open the output: stdout for a NULL path, else a temporary file beside
 * the output, renamed into place by close_output().
 */
static int open_output(struct io *io, const char *path, bool force,
		       bool coded, mode_t mode)
{
	struct stat st;

	io->out_path = path;
	if (!path) {
		io->out_fd = STDOUT_FILENO;
		if (coded && !force && isatty(STDOUT_FILENO)) {
			ncmctl_err("not writing coded data to a terminal (use -o FILE, or -f)");
			return NCMCTL_EXIT_USAGE;
		}
		return NCMCTL_EXIT_OK;
	}
	if (!force && !lstat(path, &st)) {
		ncmctl_err("%s: already exists (use -f to overwrite)", path);
		return NCMCTL_EXIT_FAIL;
	}
	if (asprintf(&io->tmp_path, "%s.tmpXXXXXX", path) < 0) {
		io->tmp_path = NULL;
		ncmctl_err("out of memory");
		return NCMCTL_EXIT_FAIL;
	}
	io->out_fd = mkstemp(io->tmp_path);
	if (io->out_fd < 0) {
		ncmctl_err("%s: %s", path, strerror(errno));
		free(io->tmp_path);
		io->tmp_path = NULL;
		return NCMCTL_EXIT_FAIL;
	}
	pending_tmp = io->tmp_path;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (fchmod(io->out_fd, mode)) {
		ncmctl_err("%s: %s", path, strerror(errno));
		close_output(io, false);
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

static int write_all(struct io *io, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(io->out_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ncmctl_err("%s: %s", io->out_path ? io->out_path : "stdout",
				   strerror(errno));
			return NCMCTL_EXIT_FAIL;
		}
		p += w;
		n -= (size_t)w;
	}
	return NCMCTL_EXIT_OK;
}

/* Read up to @cap bytes (fewer only at the end of the input). */
static int read_some(struct io *io, uint8_t *p, size_t cap, size_t *n)
{
	ssize_t r;

	for (*n = 0; *n < cap;) {
		r = read(io->in_fd, p + *n, cap - *n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ncmctl_err("%s: %s", io->in_name, strerror(errno));
			return NCMCTL_EXIT_FAIL;
		}
		if (!r)
			break;
		*n += (size_t)r;
	}
	return NCMCTL_EXIT_OK;
}

static void io_fini(struct io *io)
{
	close_output(io, false);
	if (io->in_fd > STDIN_FILENO)
		close(io->in_fd);
	free(io->ibuf);
	free(io->obuf);
}

static int io_init(struct io *io)
{
	memset(io, 0, sizeof(*io));
	io->in_fd = -1;
	io->out_fd = -1;
	io->ibuf = malloc(IO_SIZE);
	io->obuf = malloc(IO_SIZE);
	clock_gettime(CLOCK_MONOTONIC, &io->start);
	io->shown = io->start;
	io->progress = ncmctl_opts.verbosity >= 0 && isatty(STDERR_FILENO);
	if (!io->ibuf || !io->obuf) {
		ncmctl_err("out of memory");
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

/* ---- options shared by encode and decode -------------------------------- */

struct codec_opts {
	const char *model;
	const char *out;
	const char *in;
	unsigned int block_size;
	unsigned int threads;
	bool to_stdout;
	bool force;
	bool rm;
};

enum { OPT_RM = 256, OPT_HELP };

static const struct option long_opts[] = {
	{ "rm", no_argument, NULL, OPT_RM },
	{ "keep", no_argument, NULL, 'k' },
	{ "force", no_argument, NULL, 'f' },
	{ "stdout", no_argument, NULL, 'c' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const char encode_help[] =
	"Usage: ncmctl encode [-m MODEL] [-B BLOCKSIZE] [-T THREADS] [-o OUT] [IN]\n"
	"Compress IN (default stdin) into the .ncmp format: IN.ncmp, or stdout\n"
	"when reading stdin.\n\n"
	"  -m MODEL    model file (default: the built-in model)\n"
	"  -B SIZE     block size, 256 to 64M, like 4K or 1M (default 1M);\n"
	"              blocks are independent: smaller ones cost ratio\n"
	"  -T N        threads (0: one per CPU), as many as fit in 32 MiB; the\n"
	"              output does not depend on it\n"
	"  -o OUT      output file ('-': stdout)\n"
	"  -c          write to stdout\n"
	"  -f          overwrite OUT; write to a terminal\n"
	"  -k          keep IN (the default); --rm removes it after success\n"
	"  -q, -v      quieter, more verbose\n";

static const char decode_help[] =
	"Usage: ncmctl decode [-T THREADS] [-o OUT] [IN]\n"
	"Decompress IN (default stdin), an .ncmp file or an ncmp stream, into\n"
	"IN without .ncmp, or stdout when reading stdin. Every block's CRC32 is\n"
	"checked before it is written; damage stops decoding with exit code 3.\n\n"
	"  -m MODEL    model file; by default the model named by the data is\n"
	"              the built-in one or found in $NCMP_MODEL_PATH\n"
	"  -T N        threads (0: one per CPU), as many as fit in 32 MiB\n"
	"  -o OUT      output file ('-': stdout)\n"
	"  -c          write to stdout\n"
	"  -f          overwrite OUT, and write damaged blocks too (still\n"
	"              reported, exit code 3)\n"
	"  -k          keep IN (the default); --rm removes it after success\n"
	"  -q, -v      quieter, more verbose\n";

/* Returns -1 to go on, or an exit code. */
static int parse_opts(int argc, char **argv, struct codec_opts *o,
		      bool decode)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = 1;
	while ((c = getopt_long(argc, argv, decode ? "m:T:o:cfkqv" :
				"m:B:T:o:cfkqv", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->model = optarg;
			break;
		case 'B':
			o->block_size = parse_size(optarg);
			if (!o->block_size) {
				ncmctl_err("bad block size '%s' (256 to 64M, like 4K or 1M)",
					   optarg);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		case 'T':
			o->threads = parse_threads(optarg);
			if (o->threads > NCMP_THREADS_MAX) {
				ncmctl_err("bad thread count '%s' (0 to %u)",
					   optarg, NCMP_THREADS_MAX);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		case 'o':
			o->out = strcmp(optarg, "-") ? optarg : NULL;
			o->to_stdout = !o->out;
			break;
		case 'c':
			o->to_stdout = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'k':
			o->rm = false;
			break;
		case OPT_RM:
			o->rm = true;
			break;
		case 'q':
			ncmctl_opts.verbosity = -1;
			break;
		case 'v':
			ncmctl_opts.verbosity++;
			break;
		case OPT_HELP:
			fputs(decode ? decode_help : encode_help, stdout);
			return NCMCTL_EXIT_OK;
		default:
			return ncmctl_usage(argv[0]);
		}
	}
	if (argc - optind > 1) {
		ncmctl_err("one input file at most");
		return ncmctl_usage(argv[0]);
	}
	if (optind < argc && strcmp(argv[optind], "-"))
		o->in = argv[optind];
	return -1;
}

/* Output name: -o, stdout, or derived from the input name. */
static int output_name(const struct codec_opts *o, bool decode, char **name)
{
	size_t n;

	*name = NULL;
	if (o->out) {
		*name = strdup(o->out);
	} else if (o->to_stdout || !o->in) {
		return NCMCTL_EXIT_OK;
	} else if (!decode) {
		if (asprintf(name, "%s" SUFFIX, o->in) < 0)
			*name = NULL;
	} else {
		n = strlen(o->in);
		if (n <= strlen(SUFFIX) || strcmp(o->in + n - strlen(SUFFIX), SUFFIX)) {
			ncmctl_err("%s: no " SUFFIX " suffix; name the output with -o or use -c",
				   o->in);
			return NCMCTL_EXIT_USAGE;
		}
		*name = strndup(o->in, n - strlen(SUFFIX));
	}
	if (!*name) {
		ncmctl_err("out of memory");
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

/* After success: the summary line, and --rm. */
static int finish(struct io *io, const struct codec_opts *o, uint64_t raw,
		  uint64_t coded)
{
	int rc = close_output(io, true);

	if (rc)
		return rc;
	if (ncmctl_opts.verbosity > 0 || (io->progress && o->in))
		ncmctl_warn("%s: %" PRIu64 " bytes <-> %" PRIu64 " coded (%.3f bits per byte), %s",
			    io->in_name, raw, coded,
			    raw ? 8.0 * (double)coded / (double)raw : 0.0,
			    io->out_path ? io->out_path : "stdout");
	if (o->rm && o->in && unlink(o->in)) {
		ncmctl_err("%s: %s", o->in, strerror(errno));
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

static int encode_loop(struct io *io, ncmp_file_enc *enc)
{
	struct ncmp_in in = { io->ibuf, 0, 0 };
	struct ncmp_out out;
	enum ncmp_end end;
	uint64_t raw, coded;
	size_t n;
	int r, rc;

	do {
		rc = read_some(io, io->ibuf, IO_SIZE, &n);
		if (rc)
			return rc;
		in.size = n;
		in.pos = 0;
		end = n < IO_SIZE ? NCMP_END : NCMP_CONTINUE;
		do {
			out = (struct ncmp_out){ io->obuf, IO_SIZE, 0 };
			r = ncmp_file_encode(enc, &out, &in, end);
			if (r < 0) {
				ncmctl_err("%s: %s", io->in_name, r == NCMP_E_SIZE ?
					   "changed size while being read" :
					   ncmp_error_name(r));
				return NCMCTL_EXIT_FAIL;
			}
			rc = write_all(io, io->obuf, out.pos);
			if (rc)
				return rc;
		} while (r > 0 || in.pos < in.size);
		ncmp_file_enc_progress(enc, &raw, &coded);
		show_progress(io, raw, coded, end == NCMP_END);
	} while (end != NCMP_END);
	return NCMCTL_EXIT_OK;
}

static int cmd_encode(int argc, char **argv)
{
	struct ncmp_file_params p = { 0 };
	ncmp_model *model = NULL;
	ncmp_file_enc *enc = NULL;
	char msg[NCMP_MSG_MAX], *out_name = NULL;
	struct codec_opts o;
	uint64_t raw, coded;
	struct stat st;
	struct io io;
	int rc, err;

	rc = parse_opts(argc, argv, &o, false);
	if (rc >= 0)
		return rc;
	rc = io_init(&io);
	if (!rc)
		rc = open_input(&io, o.in, &st);
	if (!rc)
		rc = output_name(&o, false, &out_name);
	if (!rc) {
		err = o.model ? ncmp_model_load_file(&model, o.model, msg) :
		      ncmp_model_load_default(&model, msg);
		if (err)
			ncmctl_err("%s", msg);
		rc = err ? ncmctl_exit_code(err) : 0;
	}
	if (!rc)
		rc = open_output(&io, out_name, o.force, true,
				 S_ISREG(st.st_mode) ? st.st_mode & 07777 : 0644);
	if (!rc) {
		p.block_size = o.block_size;
		p.threads = threads_that_fit(model, o.block_size, o.threads);
		p.content_size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size :
				 NCMP_SIZE_UNKNOWN;
		err = ncmp_file_enc_new(&enc, model, &p);
		if (err)
			ncmctl_err("%s", ncmp_error_name(err));
		rc = err ? NCMCTL_EXIT_FAIL : 0;
	}
	if (!rc)
		rc = encode_loop(&io, enc);
	if (!rc) {
		ncmp_file_enc_progress(enc, &raw, &coded);
		rc = finish(&io, &o, raw, coded);
	}
	ncmp_file_enc_free(enc);
	ncmp_model_free(model);
	io_fini(&io);
	free(out_name);
	return rc;
}

/* ---- decode ------------------------------------------------------------- */

/* The two decoders behind one face. */
struct decoder {
	ncmp_file_dec *file;
	ncmp_stream_dec *stream;
};

static int dec_run(struct decoder *d, struct ncmp_out *out, struct ncmp_in *in,
		   enum ncmp_end end)
{
	return d->file ? ncmp_file_decode(d->file, out, in, end) :
	       ncmp_stream_decode(d->stream, out, in, end);
}

static const char *dec_message(const struct decoder *d)
{
	return d->file ? ncmp_file_dec_message(d->file) :
	       ncmp_stream_dec_message(d->stream);
}

static void dec_progress(const struct decoder *d, uint64_t *in, uint64_t *out)
{
	if (d->file)
		ncmp_file_dec_progress(d->file, in, out);
	else
		ncmp_stream_dec_progress(d->stream, in, out);
}

/*
 * Decode everything; @have bytes of input are already in io->ibuf.
 * *damaged counts blocks written despite damage (-f).
 */
static int decode_loop(struct io *io, struct decoder *d, size_t have,
		       bool force, unsigned int *damaged)
{
	struct ncmp_in in = { io->ibuf, have, 0 };
	enum ncmp_end end = NCMP_CONTINUE;
	struct ncmp_out out;
	uint64_t raw, coded;
	size_t n;
	int r, rc;

	for (;;) {
		if (in.pos == in.size && end != NCMP_END) {
			rc = read_some(io, io->ibuf, IO_SIZE, &n);
			if (rc)
				return rc;
			in = (struct ncmp_in){ io->ibuf, n, 0 };
			end = n < IO_SIZE ? NCMP_END : NCMP_CONTINUE;
		}
		out = (struct ncmp_out){ io->obuf, IO_SIZE, 0 };
		r = dec_run(d, &out, &in, end);
		rc = write_all(io, io->obuf, out.pos);
		if (rc)
			return rc;
		dec_progress(d, &coded, &raw);
		show_progress(io, raw, coded, !r);
		if (r < 0 && force && d->file &&
		    (r == NCMP_E_CRC || r == NCMP_E_BLOCK_DATA)) {
			ncmctl_err("%s: %s; writing it anyway (-f)", io->in_name,
				   dec_message(d));
			(*damaged)++;
			continue;
		}
		if (r < 0) {
			if (io->progress)
				fputc('\n', stderr);
			ncmctl_err("%s: %s", io->in_name, dec_message(d));
			return ncmctl_exit_code(r);
		}
		if (!r)
			break;
	}
	/* a stream ends by itself: anything after it is not ours */
	if (in.pos < in.size || (end != NCMP_END &&
				 (read_some(io, io->ibuf, 1, &n) || n))) {
		ncmctl_err("%s: data after the end of the coded data (offset %" PRIu64 ")",
			   io->in_name, coded);
		return NCMCTL_EXIT_CORRUPT;
	}
	return NCMCTL_EXIT_OK;
}

/* Read the header and find its model, then make the decoder for it. */
static int open_decoder(struct io *io, const struct codec_opts *o,
			struct decoder *d, ncmp_model **model, size_t *have)
{
	struct ncmp_header_info h;
	char id[17];
	size_t n;
	int r, rc;

	*have = 0;
	do {
		rc = read_some(io, io->ibuf + *have, 1, &n);
		if (rc)
			return rc;
		*have += n;
		r = ncmp_peek(io->ibuf, *have, &h);
	} while (r > 0 && n);
	if (r > 0)
		r = NCMP_E_TRUNCATED;
	if (r) {
		ncmctl_err("%s: %s", io->in_name,
			   r == NCMP_E_MAGIC ? "not ncmp data (bad magic)" :
			   r == NCMP_E_TRUNCATED ? "truncated inside the header" :
			   ncmp_error_name(r));
		return ncmctl_exit_code(r);
	}
	rc = ncmctl_model_for(o->model, h.model_id, model);
	if (rc)
		return rc;
	ncmctl_info("%s: %s, model %s", io->in_name,
		    h.format == NCMP_FORMAT_FILE ? ".ncmp file" : "ncmp stream",
		    ncmp_model_id_str(h.model_id, id));
	r = h.format == NCMP_FORMAT_FILE ?
	    ncmp_file_dec_new(&d->file, *model,
			      threads_that_fit(*model, h.block_size, o->threads),
			      o->force ? NCMP_DEC_FORCE : 0) :
	    ncmp_stream_dec_new(&d->stream, *model);
	if (r) {
		ncmctl_err("%s", ncmp_error_name(r));
		return NCMCTL_EXIT_FAIL;
	}
	return NCMCTL_EXIT_OK;
}

static int cmd_decode(int argc, char **argv)
{
	struct decoder d = { NULL, NULL };
	ncmp_model *model = NULL;
	char *out_name = NULL;
	unsigned int damaged = 0;
	struct codec_opts o;
	uint64_t raw, coded;
	struct stat st;
	struct io io;
	size_t have;
	int rc;

	rc = parse_opts(argc, argv, &o, true);
	if (rc >= 0)
		return rc;
	rc = io_init(&io);
	if (!rc)
		rc = open_input(&io, o.in, &st);
	if (!rc)
		rc = output_name(&o, true, &out_name);
	if (!rc)
		rc = open_decoder(&io, &o, &d, &model, &have);
	if (!rc)
		rc = open_output(&io, out_name, o.force, false,
				 S_ISREG(st.st_mode) ? st.st_mode & 07777 : 0644);
	if (!rc)
		rc = decode_loop(&io, &d, have, o.force, &damaged);
	if (!rc) {
		dec_progress(&d, &coded, &raw);
		rc = finish(&io, &o, raw, coded);
		if (!rc && damaged) {
			ncmctl_err("%s: %u damaged block%s written", io.in_name,
				   damaged, damaged == 1 ? "" : "s");
			rc = NCMCTL_EXIT_CORRUPT;
		}
	}
	ncmp_file_dec_free(d.file);
	ncmp_stream_dec_free(d.stream);
	ncmp_model_free(model);
	io_fini(&io);
	free(out_name);
	return rc;
}

/* ---- model info --------------------------------------------------------- */

/* MODEL: a file, a 16-digit id to look up, or nothing for the built-in. */
static int load_named_model(const char *name, ncmp_model **m)
{
	char msg[NCMP_MSG_MAX], *end;
	unsigned long long id;
	int err;

	if (!name) {
		err = ncmp_model_load_default(m, msg);
	} else if (strlen(name) == 16 && access(name, F_OK) &&
		   (id = strtoull(name, &end, 16), !*end)) {
		err = ncmp_model_find(m, id, ncmctl_model_path(), msg);
	} else {
		err = ncmp_model_load_file(m, name, msg);
	}
	if (err)
		ncmctl_err("%s", msg);
	return err ? ncmctl_exit_code(err) : NCMCTL_EXIT_OK;
}

static void print_model(const char *name, const ncmp_model *m)
{
	struct ncmp_tensor_info t;
	struct ncmp_model_info info;
	const char *key, *value;
	char id[17];
	unsigned int k;
	size_t i;

	ncmp_model_info(m, &info);
	printf("model:        %s\n", name ? name : "built-in");
	printf("id:           %s\n", ncmp_model_id_str(info.id, id));
	printf("architecture: %s\n", info.arch);
	printf("file size:    %zu bytes\n", info.file_size);
	printf("state:        %zu bytes per coding thread\n", info.state_size);
	printf("precision:    %u-bit probabilities\n", info.prob_bits);
	if (info.n_params)
		printf("parameters:\n");
	for (i = 0; !ncmp_model_param(m, i, &key, &value); i++)
		printf("  %s = %s\n", key, value);
	if (info.n_meta)
		printf("metadata:\n");
	for (i = 0; !ncmp_model_meta(m, i, &key, &value); i++)
		printf("  %s = %s\n", key, value);
	if (info.n_tensors)
		printf("tensors:\n");
	for (i = 0; !ncmp_model_tensor(m, i, &t); i++) {
		printf("  %-24s %-3s [", t.name, t.type);
		for (k = 0; k < t.ndim; k++)
			printf("%s%" PRIu32, k ? " x " : "", t.dims[k]);
		printf("] %" PRIu64 " values\n", t.count);
	}
}

static int cmd_model_info(int argc, char **argv)
{
	ncmp_model *m;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("Usage: ncmctl model info [MODEL]\n"
		       "Describe MODEL (a model file, or a model id to look up in\n"
		       "$NCMP_MODEL_PATH), or the built-in model.\n");
		return NCMCTL_EXIT_OK;
	}
	if (argc > 2)
		return ncmctl_usage(argv[0]);
	rc = load_named_model(argc > 1 ? argv[1] : NULL, &m);
	if (rc)
		return rc;
	print_model(argc > 1 ? argv[1] : NULL, m);
	ncmp_model_free(m);
	return NCMCTL_EXIT_OK;
}

/* ---- bench --------------------------------------------------------------- */

/* Inputs above this are refused: bench holds a file and its coded form. */
#define BENCH_MAX_INPUT	(256u << 20)

struct bench_opts {
	const char *model;
	unsigned int block_size;
	unsigned int threads;
	double seconds;		/* least time spent on each direction */
};

static int bench_read(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		ncmctl_err("%s: %s", path, f ? "not a regular file" : strerror(errno));
		if (f)
			fclose(f);
		return NCMCTL_EXIT_FAIL;
	}
	if ((unsigned long long)st.st_size > BENCH_MAX_INPUT) {
		ncmctl_err("%s: larger than %u MiB, too big to bench in memory",
			   path, BENCH_MAX_INPUT >> 20);
		fclose(f);
		return NCMCTL_EXIT_FAIL;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf || fread(*buf, 1, *len, f) != *len) {
		ncmctl_err("%s: %s", path, *buf ? "read failed" : "out of memory");
		free(*buf);
		fclose(f);
		return NCMCTL_EXIT_FAIL;
	}
	fclose(f);
	return NCMCTL_EXIT_OK;
}

/*
 * Code @path in memory, again and again for at least o->seconds each way,
 * and report the best time of each direction; the round trip must be exact.
 * Adds the input, coded and time totals to @sum.
 */
static int bench_file(const char *path, const ncmp_model *model,
		      const struct bench_opts *o, double sum[4])
{
	unsigned char *src, *enc = NULL, *dec = NULL;
	double t, t_enc = 1e30, t_dec = 1e30, spent;
	long long clen = 0, dlen = 0;
	struct timespec start;
	char msg[NCMP_MSG_MAX];
	size_t len, cap;
	int rc;

	rc = bench_read(path, &src, &len);
	if (rc)
		return rc;
	cap = ncmp_file_bound(len, o->block_size);
	enc = malloc(cap);
	dec = malloc(len ? len : 1);
	if (!enc || !dec) {
		ncmctl_err("out of memory");
		rc = NCMCTL_EXIT_FAIL;
		goto out;
	}
	for (spent = 0; spent < o->seconds || t_enc == 1e30; spent += t) {
		clock_gettime(CLOCK_MONOTONIC, &start);
		clen = ncmp_file_compress(model, src, len, enc, cap,
					  o->block_size, o->threads);
		t = seconds_since(&start);
		if (clen < 0) {
			ncmctl_err("%s: %s", path, ncmp_error_name((int)clen));
			rc = ncmctl_exit_code((int)clen);
			goto out;
		}
		t_enc = t < t_enc ? t : t_enc;
	}
	for (spent = 0; spent < o->seconds || t_dec == 1e30; spent += t) {
		clock_gettime(CLOCK_MONOTONIC, &start);
		dlen = ncmp_file_decompress(model, enc, (size_t)clen, dec, len,
					    o->threads, msg);
		t = seconds_since(&start);
		if (dlen < 0) {
			ncmctl_err("%s: %s", path, msg);
			rc = ncmctl_exit_code((int)dlen);
			goto out;
		}
		t_dec = t < t_dec ? t : t_dec;
	}
	if ((size_t)dlen != len || memcmp(src, dec, len)) {
		ncmctl_err("%s: the round trip changed the data", path);
		rc = NCMCTL_EXIT_CORRUPT;
		goto out;
	}
	printf("%-40s %10zu -> %10lld  %6.3f bpb  encode %7.2f MB/s  decode %7.2f MB/s\n",
	       path, len, clen, len ? 8.0 * (double)clen / (double)len : 0.0,
	       (double)len / t_enc / 1e6, (double)len / t_dec / 1e6);
	sum[0] += (double)len;
	sum[1] += (double)clen;
	sum[2] += t_enc;
	sum[3] += t_dec;
out:
	free(dec);
	free(enc);
	free(src);
	return rc;
}

static int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = { .threads = 1, .seconds = 1.0 };
	double sum[4] = { 0, 0, 0, 0 };
	ncmp_model *model;
	char *end;
	int c, i, rc;

	while ((c = getopt(argc, argv, "m:B:T:i:h")) != -1) {
		switch (c) {
		case 'm':
			o.model = optarg;
			break;
		case 'B':
			o.block_size = parse_size(optarg);
			if (!o.block_size) {
				ncmctl_err("-B %s: not a block size in %u..%u (like 4K, 64K, 1M)",
					   optarg, NCMP_BLOCK_MIN, NCMP_BLOCK_MAX);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		case 'T':
			o.threads = parse_threads(optarg);
			if (o.threads > NCMP_THREADS_MAX) {
				ncmctl_err("-T %s: not a thread count in 0..%u",
					   optarg, NCMP_THREADS_MAX);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		case 'i':
			o.seconds = strtod(optarg, &end);
			if (*end || end == optarg || o.seconds < 0 || o.seconds > 3600) {
				ncmctl_err("-i %s: not a number of seconds in 0..3600", optarg);
				return NCMCTL_EXIT_USAGE;
			}
			break;
		default:
			return ncmctl_usage("bench");
		}
	}
	if (optind == argc)
		return ncmctl_usage("bench");
	rc = load_named_model(o.model, &model);
	if (rc)
		return rc;
	for (i = optind; i < argc && !rc; i++)
		rc = bench_file(argv[i], model, &o, sum);
	if (!rc && argc - optind > 1)
		printf("%-40s %10.0f -> %10.0f  %6.3f bpb  encode %7.2f MB/s  decode %7.2f MB/s\n",
		       "total", sum[0], sum[1], sum[0] ? 8 * sum[1] / sum[0] : 0.0,
		       sum[0] / sum[2] / 1e6, sum[0] / sum[3] / 1e6);
	ncmp_model_free(model);
	return rc;
}

const struct ncmctl_cmd ncmctl_codec_cmds[] = {
	{ "encode", cmd_encode,
	  "encode [-m MODEL] [-B BLOCKSIZE] [-T THREADS] [-o OUT] [IN]",
	  "compress IN into the .ncmp format" },
	{ "decode", cmd_decode, "decode [-T THREADS] [-o OUT] [IN]",
	  "decompress an .ncmp file or stream, checking every CRC" },
	{ "model info", cmd_model_info, "model info [MODEL]",
	  "describe a model file, or the built-in model" },
	{ "bench", cmd_bench,
	  "bench [-m MODEL] [-B BLOCKSIZE] [-T THREADS] [-i SECONDS] FILE...",
	  "code FILEs in memory: bits per byte, encode and decode MB/s" },
	{ NULL, NULL, NULL, NULL },
};
