// SPDX-License-Identifier: GPL-2.0
/*
 * Model files: parsing (docs/FORMAT.md, "Model file"), ids, the search for
 * a model by id, and the table of model kinds.
 *
 * The parser treats the file as hostile: every length is checked against
 * what is left before it is used, the CRC32 is checked before anything else,
 * and a section a reader must understand but does not is an error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "error.h"
#include "model.h"
#include "sha256.h"
#include "wire/crc32.h"

#define MODEL_MAGIC		"NCMM"
#define MODEL_VERSION		1
#define MODEL_HDR		16
#define MODEL_SECTIONS_MAX	4096
#define MODEL_FILE_MAX		(256u << 20)
#define TENSOR_HDR		56

extern const struct model_kind o2mix_kind;
extern const struct model_kind hcm_kind;

static const struct model_kind *const kinds[] = {
	&o2mix_kind,
	&hcm_kind,
};

static const struct {
	const char *name;
	unsigned int size;
} tensor_types[] = {
	[TENSOR_I8] = { "i8", 1 },
	[TENSOR_U8] = { "u8", 1 },
	[TENSOR_I16] = { "i16", 2 },
	[TENSOR_I32] = { "i32", 4 },
};

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == '-';
}

/*
 * Split a text section of "key=value\n" lines into @kv, copying the text to
 * @text (NUL-terminated pieces). Keys are 1..63 key characters and unique;
 * values hold no NUL and no newline.
 */
static int parse_text(const uint8_t *p, size_t len, char **text,
		      struct model_kv **kv, size_t *n, const char *what,
		      char *msg)
{
	size_t i, j, lines = 0, line = 0, k, klen;
	char *t, *eq, *nl;

	for (i = 0; i < len; i++)
		if (p[i] == '\n')
			lines++;
	if ((len && p[len - 1] != '\n') || memchr(p, 0, len))
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "%s section holds a NUL or lacks the final newline",
			       what);
	t = malloc(len + 1);
	*kv = calloc(lines ? lines : 1, sizeof(**kv));
	*text = t;
	if (!t || !*kv)
		return NCMP_E_NOMEM;
	memcpy(t, p, len);
	t[len] = 0;
	for (i = 0; i < lines; i++, t = nl + 1) {
		nl = strchr(t, '\n');
		eq = memchr(t, '=', (size_t)(nl - t));
		line++;
		if (!eq)
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "%s line %zu is not key=value", what, line);
		klen = (size_t)(eq - t);
		for (j = 0; j < klen && key_char(t[j]); j++)
			;
		if (!klen || klen > 63 || j < klen)
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "%s line %zu: bad key", what, line);
		*eq = 0;
		*nl = 0;
		for (k = 0; k < i; k++)
			if (!strcmp((*kv)[k].key, t))
				return set_msg(msg, NCMP_E_MODEL_FORMAT,
					       "%s key '%s' appears twice", what, t);
		(*kv)[i].key = t;
		(*kv)[i].value = eq + 1;
	}
	*n = lines;
	return 0;
}

static int parse_tensor(struct ncmp_model *m, const uint8_t *p, size_t len,
			size_t off, char *msg)
{
	struct model_tensor *t = &m->tensors[m->n_tensors];
	uint64_t count = 1;
	unsigned int i, j;

	if (len < TENSOR_HDR)
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "tensor at offset %zu: header truncated", off);
	for (i = 0; i < 32 && key_char((char)p[i]); i++)
		;
	for (j = i; j < 32 && !p[j]; j++)
		;
	if (!i || j < 32)
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "tensor at offset %zu: bad name", off);
	memcpy(t->name, p, i);
	t->name[i] = 0;
	t->type = p[32];
	t->ndim = p[33];
	t->scale_shift = p[34];
	t->scale_mul = (int32_t)get_le32(p + 36);
	if (t->type < TENSOR_I8 || t->type > TENSOR_I32 || t->ndim < 1 ||
	    t->ndim > 4 || t->scale_shift > 62 || p[35])
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "tensor '%s': bad type, rank or scale", t->name);
	for (i = 0; i < 4; i++) {
		t->dims[i] = get_le32(p + 40 + 4 * i);
		if (!t->dims[i] || (i >= t->ndim && t->dims[i] != 1))
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "tensor '%s': bad dimension %u",
				       t->name, i);
		/* count stays below 2^28 * 2^32 before the check */
		count *= t->dims[i];
		if (count > MODEL_FILE_MAX)
			break;
	}
	t->count = count;
	if (count > MODEL_FILE_MAX ||
	    count * tensor_types[t->type].size != len - TENSOR_HDR)
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "tensor '%s': %zu data bytes for its size",
			       t->name, len - TENSOR_HDR);
	for (i = 0; i < m->n_tensors; i++)
		if (!strcmp(m->tensors[i].name, t->name))
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "tensor '%s' appears twice", t->name);
	t->data = p + TENSOR_HDR;
	m->n_tensors++;
	return 0;
}

/* Walk the sections of a file whose header and CRC have been checked. */
static int parse_sections(struct ncmp_model *m, unsigned int count, char *msg)
{
	const uint8_t *f = m->file;
	size_t off = MODEL_HDR, end = m->file_len - 4, len, pad;
	const uint8_t *params = NULL, *meta = NULL;
	size_t params_len = 0, meta_len = 0, i;
	bool arch = false;
	int err;

	m->tensors = calloc(count, sizeof(*m->tensors));
	if (!m->tensors)
		return NCMP_E_NOMEM;
	for (i = 0; i < count; i++) {
		if (end - off < 8)
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "section %zu at offset %zu: truncated",
				       i, off);
		len = get_le32(f + off + 4);
		pad = (8 - len % 8) % 8;
		if (len > end - off - 8 || pad > end - off - 8 - len ||
		    memcmp(f + off + 8 + len, "\0\0\0\0\0\0\0", pad))
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "section %zu at offset %zu: bad length",
				       i, off);
		if (!memcmp(f + off, "ARCH", 4)) {
			if (arch || !len || len > 31 ||
			    memchr(f + off + 8, 0, len))
				return set_msg(msg, NCMP_E_MODEL_FORMAT,
					       "bad ARCH section at offset %zu",
					       off);
			memcpy(m->arch, f + off + 8, len);
			arch = true;
		} else if (!memcmp(f + off, "PARM", 4) && !params) {
			params = f + off + 8;
			params_len = len;
		} else if (!memcmp(f + off, "META", 4) && !meta) {
			meta = f + off + 8;
			meta_len = len;
		} else if (!memcmp(f + off, "TNSR", 4)) {
			err = parse_tensor(m, f + off + 8, len, off, msg);
			if (err)
				return err;
		} else if (f[off] < 'a' || f[off] > 'z') {
			/* upper case first letter: readers must understand it */
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "unknown or repeated section '%.4s' at offset %zu",
				       (const char *)f + off, off);
		}
		off += 8 + len + pad;
	}
	if (off != end)
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "%zu bytes after the last section", end - off);
	if (!arch)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "no ARCH section");
	err = parse_text(params ? params : f, params_len, &m->param_text,
			 &m->params, &m->n_params, "PARM", msg);
	if (err)
		return err;
	return parse_text(meta ? meta : f, meta_len, &m->meta_text, &m->meta,
			  &m->n_meta, "META", msg);
}

/* Load the model file @file; @owned (file, or NULL) is freed with it. */
static int load(ncmp_model **out, const uint8_t *file, uint8_t *owned,
		size_t len, char *msg)
{
	struct ncmp_model *m;
	uint8_t digest[SHA256_LEN];
	unsigned int version, count, i;
	int err;

	*out = NULL;
	if (len < MODEL_HDR + 4 || memcmp(file, MODEL_MAGIC, 4)) {
		free(owned);
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "not a model file (bad magic or too short)");
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		free(owned);
		return NCMP_E_NOMEM;
	}
	m->file = file;
	m->owned = owned;
	m->file_len = len;
	version = get_le16(file + 4);
	count = get_le32(file + 12);
	if (version != MODEL_VERSION) {
		err = set_msg(msg, NCMP_E_VERSION,
			      "model file version %u (this library reads %u)",
			      version, MODEL_VERSION);
	} else if (get_le32(file + 8) != len) {
		err = set_msg(msg, NCMP_E_MODEL_FORMAT,
			      "model file is %zu bytes but says %u (truncated?)",
			      len, get_le32(file + 8));
	} else if (ncmp_crc32(0, file, len - 4) != get_le32(file + len - 4)) {
		err = set_msg(msg, NCMP_E_MODEL_FORMAT,
			      "model file CRC32 mismatch (damaged)");
	} else if (get_le16(file + 6) || !count || count > MODEL_SECTIONS_MAX) {
		err = set_msg(msg, NCMP_E_MODEL_FORMAT,
			      "bad flags or section count in model header");
	} else {
		err = parse_sections(m, count, msg);
	}
	if (!err) {
		err = set_msg(msg, NCMP_E_MODEL_ARCH,
			      "unknown model architecture '%s'", m->arch);
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(kinds[i]->arch, m->arch))
				m->kind = kinds[i];
		if (m->kind)
			err = m->kind->load(m, msg);
	}
	if (err) {
		m->kind = NULL;		/* load() failed: nothing to unload */
		ncmp_model_free(m);
		return err == NCMP_E_NOMEM ?
		       set_msg(msg, err, "out of memory") : err;
	}
	sha256(file, len, digest);
	m->id = get_be64(digest);
	*out = m;
	return 0;
}

int ncmp_model_load_buffer(ncmp_model **out, const void *buf, size_t len,
			   char *msg)
{
	uint8_t *copy;

	*out = NULL;
	if (!buf || len > MODEL_FILE_MAX)
		return set_msg(msg, NCMP_E_MODEL_FORMAT, "model too large");
	copy = malloc(len ? len : 1);
	if (!copy)
		return set_msg(msg, NCMP_E_NOMEM, "out of memory");
	memcpy(copy, buf, len);
	return load(out, copy, copy, len, msg);
}

int ncmp_model_load_default(ncmp_model **out, char *msg)
{
	/* read in place: a copy would hold the model twice in memory */
	return load(out, model_builtin, NULL, model_builtin_len, msg);
}

/* Read a whole file of at most MODEL_FILE_MAX bytes. */
static int read_file(const char *path, uint8_t **buf, size_t *len, char *msg)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t n;

	*buf = NULL;
	if (!f)
		return set_msg(msg, NCMP_E_IO, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > MODEL_FILE_MAX) {
		fclose(f);
		return set_msg(msg, NCMP_E_MODEL_FORMAT,
			       "%s: not a regular file of at most %u bytes",
			       path, MODEL_FILE_MAX);
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		fclose(f);
		return set_msg(msg, NCMP_E_NOMEM, "out of memory");
	}
	n = fread(*buf, 1, (size_t)st.st_size, f);
	if (n != (size_t)st.st_size || ferror(f)) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return set_msg(msg, NCMP_E_IO, "%s: read error", path);
	}
	fclose(f);
	*len = n;
	return 0;
}

int ncmp_model_load_file(ncmp_model **out, const char *path, char *msg)
{
	char sub[NCMP_MSG_MAX];
	uint8_t *buf;
	size_t len;
	int err;

	*out = NULL;
	err = read_file(path, &buf, &len, msg);
	if (err)
		return err;
	err = load(out, buf, buf, len, msg ? sub : NULL);
	if (err && msg)
		set_msg(msg, err, "%s: %s", path, sub);
	return err;
}

static uint64_t file_id(const uint8_t *buf, size_t len)
{
	uint8_t digest[SHA256_LEN];

	sha256(buf, len, digest);
	return get_be64(digest);
}

/* Look for a "*.ncmm" file with id @id in directory @dir. */
static int find_in_dir(ncmp_model **out, uint64_t id, const char *dir,
		       char *msg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	uint8_t *buf;
	size_t len, n;
	int err = NCMP_E_MODEL_UNKNOWN;

	if (!d)
		return err;
	while (err == NCMP_E_MODEL_UNKNOWN && (e = readdir(d))) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".ncmm") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path) || read_file(path, &buf, &len, NULL))
			continue;
		if (file_id(buf, len) == id)
			err = load(out, buf, buf, len, msg);
		else
			free(buf);
	}
	closedir(d);
	return err;
}

int ncmp_model_find(ncmp_model **out, uint64_t id, const char *search_path,
		    char *msg)
{
	char idstr[17], dir[4096];
	const char *p = search_path, *colon;
	size_t n;
	int err;

	*out = NULL;
	if (file_id(model_builtin, model_builtin_len) == id)
		return ncmp_model_load_default(out, msg);
	while (p && *p) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (n && n < sizeof(dir)) {
			memcpy(dir, p, n);
			dir[n] = 0;
			err = find_in_dir(out, id, dir, msg);
			if (err != NCMP_E_MODEL_UNKNOWN)
				return err;
		}
		p = colon ? colon + 1 : NULL;
	}
	return set_msg(msg, NCMP_E_MODEL_UNKNOWN,
		       "no model with id %s (not built in, none in '%s')",
		       ncmp_model_id_str(id, idstr),
		       search_path ? search_path : "");
}

void ncmp_model_free(ncmp_model *m)
{
	if (!m)
		return;
	if (m->kind)
		m->kind->unload(m);
	free(m->tensors);
	free(m->params);
	free(m->meta);
	free(m->param_text);
	free(m->meta_text);
	free(m->owned);
	free(m);
}

uint64_t ncmp_model_id(const ncmp_model *m)
{
	return m->id;
}

char *ncmp_model_id_str(uint64_t id, char buf[17])
{
	snprintf(buf, 17, "%016llx", (unsigned long long)id);
	return buf;
}

void ncmp_model_info(const ncmp_model *m, struct ncmp_model_info *info)
{
	info->id = m->id;
	info->arch = m->arch;
	info->file_size = m->file_len;
	info->state_size = m->state_size;
	info->prob_bits = m->prob_bits;
	info->n_params = m->n_params;
	info->n_meta = m->n_meta;
	info->n_tensors = m->n_tensors;
}

static int kv_at(const struct model_kv *kv, size_t n, size_t i,
		 const char **key, const char **value)
{
	if (i >= n)
		return NCMP_E_PARAM;
	*key = kv[i].key;
	*value = kv[i].value;
	return 0;
}

int ncmp_model_param(const ncmp_model *m, size_t i, const char **key,
		     const char **value)
{
	return kv_at(m->params, m->n_params, i, key, value);
}

int ncmp_model_meta(const ncmp_model *m, size_t i, const char **key,
		    const char **value)
{
	return kv_at(m->meta, m->n_meta, i, key, value);
}

int ncmp_model_tensor(const ncmp_model *m, size_t i,
		      struct ncmp_tensor_info *info)
{
	const struct model_tensor *t;

	if (i >= m->n_tensors)
		return NCMP_E_PARAM;
	t = &m->tensors[i];
	info->name = t->name;
	info->type = tensor_types[t->type].name;
	info->ndim = t->ndim;
	memcpy(info->dims, t->dims, sizeof(info->dims));
	info->count = t->count;
	return 0;
}

int model_param_int(const struct ncmp_model *m, const char *key, long lo,
		    long hi, long *v, char *msg)
{
	const char *s;
	char *end;
	size_t i;

	for (i = 0; i < m->n_params; i++) {
		if (strcmp(m->params[i].key, key))
			continue;
		s = m->params[i].value;
		errno = 0;
		*v = strtol(s, &end, 10);
		if (!*s || *end || errno || *v < lo || *v > hi || *s == ' ' ||
		    *s == '+')
			break;
		return 0;
	}
	return set_msg(msg, NCMP_E_MODEL_FORMAT,
		       "parameter %s missing or not an integer in [%ld, %ld]",
		       key, lo, hi);
}

int model_params_known(const struct ncmp_model *m, const char *const *known,
		       char *msg)
{
	const char *const *k;
	size_t i;

	for (i = 0; i < m->n_params; i++) {
		for (k = known; *k && strcmp(*k, m->params[i].key); k++)
			;
		if (!*k)
			return set_msg(msg, NCMP_E_MODEL_FORMAT,
				       "unknown parameter '%s' for %s",
				       m->params[i].key, m->arch);
	}
	return 0;
}

int model_state_init(struct model_state *ms, const struct ncmp_model *m)
{
	ms->kind = m->kind;
	ms->bits = m->prob_bits;
	ms->st = m->kind->state_new(m);
	return ms->st ? 0 : NCMP_E_NOMEM;
}

void model_state_fini(struct model_state *ms)
{
	if (ms->st)
		ms->kind->state_free(ms->st);
	ms->st = NULL;
}
