/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libncmp: lossless compression of bytes with a model and rANS.
 *
 * A model predicts each next byte from the bytes before it; an rANS coder
 * turns those predictions into bits. Coder and decoder run the same model on
 * the same bytes, so they see the same predictions on every CPU: models are
 * integer-only and identified by a hash of their file.
 *
 * Two formats carry the coded bytes (docs/FORMAT.md describes them byte by
 * byte):
 *
 *  - the file format (".ncmp"): a header, then independent blocks, each with
 *    its raw length, its coded length and the CRC32 of its raw bytes, then a
 *    trailer. Blocks code and decode in parallel on several threads, with
 *    output identical to one thread, and damage is reported per block.
 *  - the stream format: a header, then blocks that share one model state,
 *    so a short message after earlier ones compresses well. A block can be
 *    flushed at any time (when input pauses), which keeps interactive
 *    streams interactive.
 *
 * Contents, from simple to advanced:
 *   1. errors               ncmp_error_name()
 *   2. models               ncmp_model_load_*(), ncmp_model_id(), ...
 *   3. one-shot file coding  ncmp_file_compress(), ncmp_file_decompress()
 *   4. streaming file coding ncmp_file_enc, ncmp_file_dec
 *   5. the stream format     ncmp_stream_enc, ncmp_stream_dec
 *   6. reading a header      ncmp_peek()
 *
 * Conventions: every function that can fail returns an int that is 0 or a
 * positive count on success and a negative NCMP_E_* code on failure. Contexts
 * are opaque, own no global state and may be used by one thread at a time;
 * a loaded model is immutable and may be shared by any number of contexts
 * and threads. Streaming calls move data between struct ncmp_in and struct
 * ncmp_out, advancing their pos fields by what they consumed and produced.
 */
#ifndef NCMP_H
#define NCMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NCMP_VERSION_MAJOR	0
#define NCMP_VERSION_MINOR	1
#define NCMP_VERSION_PATCH	0
#define NCMP_VERSION_STRING	"0.1.0"

/* ---- 1. Errors ---------------------------------------------------------- */

enum ncmp_error {
	NCMP_OK = 0,
	NCMP_E_NOMEM = -1,		/* out of memory */
	NCMP_E_PARAM = -2,		/* invalid argument or call sequence */
	NCMP_E_IO = -3,			/* reading a model file failed (errno is kept) */
	NCMP_E_MAGIC = -4,		/* not ncmp data: wrong magic bytes */
	NCMP_E_VERSION = -5,		/* format version this library does not know */
	NCMP_E_HEADER = -6,		/* header damaged: bad check value or field */
	NCMP_E_MODEL_UNKNOWN = -7,	/* data needs a model other than the one given */
	NCMP_E_MODEL_FORMAT = -8,	/* model file damaged or malformed */
	NCMP_E_MODEL_ARCH = -9,		/* model architecture this library does not know */
	NCMP_E_TRUNCATED = -10,		/* input ended inside the data */
	NCMP_E_BLOCK_HEADER = -11,	/* block header damaged or its lengths impossible */
	NCMP_E_BLOCK_DATA = -12,	/* block payload does not decode */
	NCMP_E_CRC = -13,		/* block decoded but its CRC32 does not match */
	NCMP_E_TRAILER = -14,		/* end marker damaged or totals wrong */
	NCMP_E_TRAILING = -15,		/* bytes after the end of the data */
	NCMP_E_THREAD = -16,		/* could not start a worker thread */
	NCMP_E_DST_SIZE = -17,		/* output buffer too small (one-shot calls) */
	NCMP_E_SIZE = -18,		/* input length differs from the declared one */
};

/* A short, constant description of an NCMP_E_* code, e.g. "CRC mismatch". */
const char *ncmp_error_name(int code);

/*
 * Contexts also keep a detailed message about their last error, naming the
 * block and the byte offset where the data went wrong, for example
 * "block 3 at offset 4144: CRC32 mismatch (stored 0a1b2c3d, data 9f8e7d6c)".
 * See ncmp_file_dec_message() and friends. Messages are at most
 * NCMP_MSG_MAX bytes including the terminating NUL.
 */
#define NCMP_MSG_MAX	256

/* ---- 2. Models ---------------------------------------------------------- */

/*
 * A model is loaded from a model file (docs/FORMAT.md, "Model file"): an
 * architecture name, integer parameters, free-form metadata (training data
 * and date, the ratio it reached, ...) and weights. Its id is the first 8
 * bytes of the SHA-256 of the whole file, read as a big-endian number, so
 * `sha256sum MODEL | cut -c1-16` prints the same hex digits as
 * ncmp_model_id(). Coded data records the id; decoding needs the same model.
 *
 * The library has a default model compiled in, so programs work without a
 * model file.
 */
typedef struct ncmp_model ncmp_model;

/*
 * ncmp_model_load_default() - load the built-in default model.
 * ncmp_model_load_file()    - load the model file at @path.
 * ncmp_model_load_buffer()  - load a model file held in memory (@buf is
 *                             copied; the caller may free it afterwards).
 *
 * On success *@out holds a model to release with ncmp_model_free() and 0 is
 * returned. On failure a negative code is returned, *@out is NULL and, when
 * @msg is not NULL, a NUL-terminated description of what is wrong (and
 * where, for a damaged file) is written to @msg (NCMP_MSG_MAX bytes).
 */
int ncmp_model_load_default(ncmp_model **out, char *msg);
int ncmp_model_load_file(ncmp_model **out, const char *path, char *msg);
int ncmp_model_load_buffer(ncmp_model **out, const void *buf, size_t len,
			   char *msg);
void ncmp_model_free(ncmp_model *model);

/*
 * ncmp_model_find() - load the model with id @id: the built-in default, or
 * the first model file ("*.ncmm") with that id in the directories of
 * @search_path (a ':'-separated list, as for $PATH; NULL for none).
 * Returns NCMP_E_MODEL_UNKNOWN, with a message naming the id, when no such
 * model exists.
 */
int ncmp_model_find(ncmp_model **out, uint64_t id, const char *search_path,
		    char *msg);

/* The model id (see above); format it with ncmp_model_id_str(). */
uint64_t ncmp_model_id(const ncmp_model *model);

/* Write @id as 16 lower-case hex digits and a NUL into @buf; returns @buf. */
char *ncmp_model_id_str(uint64_t id, char buf[17]);

/* What a model is, for display ("ncmctl model info"). */
struct ncmp_model_info {
	uint64_t id;
	const char *arch;		/* architecture name, e.g. "o2mix" */
	size_t file_size;		/* bytes of the model file */
	size_t state_size;		/* bytes of model state per coding thread */
	unsigned int prob_bits;		/* rANS probability precision, 12..16 */
	size_t n_params;		/* see ncmp_model_param() */
	size_t n_meta;			/* see ncmp_model_meta() */
	size_t n_tensors;		/* see ncmp_model_tensor() */
};

void ncmp_model_info(const ncmp_model *model, struct ncmp_model_info *info);

/*
 * The i-th parameter (i < n_params) or metadata entry (i < n_meta) as a
 * key and a value string, in file order. Returns 0, or NCMP_E_PARAM when i
 * is out of range. The strings live as long as the model.
 */
int ncmp_model_param(const ncmp_model *model, size_t i, const char **key,
		     const char **value);
int ncmp_model_meta(const ncmp_model *model, size_t i, const char **key,
		    const char **value);

/* The i-th weight tensor: name, element type ("i8", "u8", "i16", "i32"),
 * dimensions (unused ones are 1) and the number of elements. */
struct ncmp_tensor_info {
	const char *name;
	const char *type;
	unsigned int ndim;
	uint32_t dims[4];
	uint64_t count;
};

int ncmp_model_tensor(const ncmp_model *model, size_t i,
		      struct ncmp_tensor_info *info);

/* ---- Buffers for the streaming calls ----------------------------------- */

struct ncmp_in {
	const void *src;
	size_t size;
	size_t pos;		/* advanced by what was consumed */
};

struct ncmp_out {
	void *dst;
	size_t size;
	size_t pos;		/* advanced by what was produced */
};

/* ---- 3. One-shot file coding ------------------------------------------- */

#define NCMP_BLOCK_MIN		256u
#define NCMP_BLOCK_MAX		(64u << 20)
#define NCMP_BLOCK_DEFAULT	(1u << 20)
#define NCMP_SIZE_UNKNOWN	UINT64_MAX
#define NCMP_THREADS_MAX	64u

/* Worst-case size of a .ncmp file holding @len bytes in blocks of
 * @block_size (0 means NCMP_BLOCK_DEFAULT). */
size_t ncmp_file_bound(size_t len, unsigned int block_size);

/*
 * ncmp_file_memory() - the most heap a file encoder or decoder for @model
 * holds with blocks of @block_size (0: the default) and @threads (0: 1): a
 * model state per thread and the blocks in flight. Resident memory is this
 * plus the program and the model. A caller with a memory budget picks the
 * threads that fit.
 */
size_t ncmp_file_memory(const ncmp_model *model, unsigned int block_size,
			unsigned int threads);

/*
 * ncmp_file_compress() - code @src into a complete .ncmp file in @dst.
 * @block_size: bytes per block, NCMP_BLOCK_MIN..NCMP_BLOCK_MAX, 0 for the
 *		default; smaller blocks cost ratio, larger ones memory.
 * @threads:	worker threads, 1..NCMP_THREADS_MAX (0 means 1); the output
 *		does not depend on it.
 * Returns the number of bytes written to @dst, or a negative code
 * (NCMP_E_DST_SIZE when @cap < the needed size; ncmp_file_bound() is always
 * enough).
 */
long long ncmp_file_compress(const ncmp_model *model, const void *src,
			     size_t len, void *dst, size_t cap,
			     unsigned int block_size, unsigned int threads);

/*
 * ncmp_file_decompress() - decode a complete .ncmp file, verifying every
 * block's CRC32. The model must be the one the file names (see ncmp_peek()).
 * Returns the number of bytes written to @dst, or a negative code; @msg, if
 * not NULL, receives the detailed message (NCMP_MSG_MAX bytes).
 */
long long ncmp_file_decompress(const ncmp_model *model, const void *src,
			       size_t len, void *dst, size_t cap,
			       unsigned int threads, char *msg);

/* ---- 4. Streaming file coding ------------------------------------------ */

/*
 * The file encoder takes any amount of input per call and keeps at most
 * one block per thread in memory, so inputs of any length, of known or
 * unknown size, code in bounded memory.
 */
typedef struct ncmp_file_enc ncmp_file_enc;

struct ncmp_file_params {
	unsigned int block_size;	/* 0: NCMP_BLOCK_DEFAULT */
	unsigned int threads;		/* 0: 1 */
	uint64_t content_size;		/* total input bytes, or NCMP_SIZE_UNKNOWN;
					 * when given, it is recorded in the
					 * header and the encoder fails with
					 * NCMP_E_SIZE if the input differs */
};

/* Create an encoder; *@out is NULL on failure. The model must outlive it. */
int ncmp_file_enc_new(ncmp_file_enc **out, const ncmp_model *model,
		      const struct ncmp_file_params *params);
void ncmp_file_enc_free(ncmp_file_enc *enc);

enum ncmp_end {
	NCMP_CONTINUE,	/* more input will follow */
	NCMP_FLUSH,	/* stream format: code all input so far as a block */
	NCMP_END,	/* the input is complete: finish the data */
};

/*
 * ncmp_file_encode() - consume input from @in, write coded bytes to @out.
 * With NCMP_CONTINUE the encoder may keep input buffered; with NCMP_END it
 * codes everything and writes the trailer (NCMP_FLUSH acts like
 * NCMP_CONTINUE: file blocks always hold block_size bytes but the last).
 * Returns 0 when everything asked for has been written, a positive number
 * when output is pending and the call must be repeated with more room in
 * @out, or a negative code; the encoder is unusable after an error.
 * Once NCMP_END returned 0 the file is complete.
 */
int ncmp_file_encode(ncmp_file_enc *enc, struct ncmp_out *out,
		     struct ncmp_in *in, enum ncmp_end end);

/*
 * The file decoder parses input in any pieces, decodes blocks (on threads
 * when asked) and writes a block to the output only after its CRC32 has
 * been verified.
 */
typedef struct ncmp_file_dec ncmp_file_dec;

/* Decoder flags */
#define NCMP_DEC_FORCE	1u	/* write damaged blocks too (see below) */

/*
 * Create a decoder for data coded with @model; data naming another model
 * fails with NCMP_E_MODEL_UNKNOWN. @threads as for the encoder.
 */
int ncmp_file_dec_new(ncmp_file_dec **out, const ncmp_model *model,
		      unsigned int threads, unsigned int flags);
void ncmp_file_dec_free(ncmp_file_dec *dec);

/*
 * ncmp_file_decode() - consume coded bytes from @in, write decoded bytes to
 * @out. @end is NCMP_END when @in holds the last of the input (possibly
 * nothing), else NCMP_CONTINUE. Returns 0 when the trailer has been read
 * and checked and all output written, a positive number when more input or
 * more output room is needed, or a negative code: with NCMP_END, input that
 * stops inside the data gives NCMP_E_TRUNCATED, and bytes after the trailer
 * give NCMP_E_TRAILING in any case.
 *
 * Errors are final, except with NCMP_DEC_FORCE: then a block whose CRC
 * fails (NCMP_E_CRC) or whose payload does not decode (NCMP_E_BLOCK_DATA) is
 * reported by one negative return, and the next call writes the block anyway
 * (as decoded, with what could not be decoded as zeros) and goes on with the
 * next block. Damage to headers, lengths or the trailer is final in any mode.
 */
int ncmp_file_decode(ncmp_file_dec *dec, struct ncmp_out *out,
		     struct ncmp_in *in, enum ncmp_end end);

/* Detailed message about the last error, "" if none. */
const char *ncmp_file_dec_message(const ncmp_file_dec *dec);

/* Progress: bytes consumed from input and written to output so far. */
void ncmp_file_dec_progress(const ncmp_file_dec *dec, uint64_t *in_bytes,
			    uint64_t *out_bytes);
void ncmp_file_enc_progress(const ncmp_file_enc *enc, uint64_t *in_bytes,
			    uint64_t *out_bytes);

/* ---- 5. The stream format ---------------------------------------------- */

/*
 * Stream blocks share the model state: the model learns from every byte of
 * the stream. A block ends when the caller says NCMP_FLUSH (or NCMP_END)
 * or when NCMP_STREAM_BLOCK_MAX bytes are buffered.
 */
#define NCMP_STREAM_BLOCK_MAX	(64u << 10)

/* Stream encoder flags */
#define NCMP_STREAM_BLOCK_CRC	1u	/* each block carries the CRC32 of its raw
					 * bytes; without it, only the end of the
					 * stream carries a CRC32 of all bytes */

typedef struct ncmp_stream_enc ncmp_stream_enc;

int ncmp_stream_enc_new(ncmp_stream_enc **out, const ncmp_model *model,
			unsigned int flags);
void ncmp_stream_enc_free(ncmp_stream_enc *enc);

/*
 * ncmp_stream_encode() - the stream counterpart of ncmp_file_encode(), with
 * the same return values. NCMP_FLUSH codes all buffered input as a block
 * (nothing if there is none) and returns 0 once it is all in @out; NCMP_END
 * does the same and then ends the stream. The header is written with the
 * first output.
 */
int ncmp_stream_encode(ncmp_stream_enc *enc, struct ncmp_out *out,
		       struct ncmp_in *in, enum ncmp_end end);

typedef struct ncmp_stream_dec ncmp_stream_dec;

int ncmp_stream_dec_new(ncmp_stream_dec **out, const ncmp_model *model);
void ncmp_stream_dec_free(ncmp_stream_dec *dec);

/*
 * ncmp_stream_decode() - as ncmp_file_decode(): 0 once the end of the stream
 * has been read, checked and all output written; positive when more input
 * or room is needed; negative on error (all errors are final). A block is
 * written only after it has been decoded and, if the stream carries block
 * CRCs, verified. Bytes after the end of the stream are left in @in
 * (in->pos points at them): a new decoder may read the next stream.
 */
int ncmp_stream_decode(ncmp_stream_dec *dec, struct ncmp_out *out,
		       struct ncmp_in *in, enum ncmp_end end);

const char *ncmp_stream_dec_message(const ncmp_stream_dec *dec);
void ncmp_stream_dec_progress(const ncmp_stream_dec *dec, uint64_t *in_bytes,
			      uint64_t *out_bytes);

/* ---- 6. Reading a header ----------------------------------------------- */

enum ncmp_format {
	NCMP_FORMAT_FILE = 1,
	NCMP_FORMAT_STREAM = 2,
};

struct ncmp_header_info {
	enum ncmp_format format;
	unsigned int version;
	uint64_t model_id;
	unsigned int block_size;	/* file format only */
	uint64_t content_size;		/* file format; NCMP_SIZE_UNKNOWN if not known */
	unsigned int flags;		/* stream format: NCMP_STREAM_BLOCK_CRC */
	size_t header_size;
};

/* Largest header of either format: ncmp_peek() never needs more bytes. */
#define NCMP_HEADER_MAX	32

/*
 * ncmp_peek() - identify coded data from its first bytes, to choose the
 * model before creating a decoder. Returns 0 and fills @info, a positive
 * number of bytes still needed, or NCMP_E_MAGIC, NCMP_E_VERSION,
 * NCMP_E_HEADER.
 */
int ncmp_peek(const void *src, size_t len, struct ncmp_header_info *info);

#ifdef __cplusplus
}
#endif

#endif /* NCMP_H */
