/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the codec's Check programs (tests/check_codec_*.c):
 * reading files, finding the corpus and the golden files, a seeded PRNG.
 * The corpus is $NCMP_CORPUS, else ../shared/corpus beside the repository
 * (CI clones the repository with shared/ next to it).
 */
#ifndef NCMP_CHECK_CODEC_H
#define NCMP_CHECK_CODEC_H

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ncmp.h"

/* dst = a + b, which must fit in PATH_MAX. */
static inline char *path_join(char *dst, const char *a, const char *b)
{
	ck_assert(snprintf(dst, PATH_MAX, "%s%s", a, b) < PATH_MAX);
	return dst;
}

/* The repository root: two levels above build/tests/<program>. */
static inline const char *repo_root(void)
{
	static char root[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	if (root[0])
		return root;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_msg(n > 0, "cannot find my own path");
	exe[n] = 0;
	for (i = 0; i < 3; i++)
		*strrchr(exe, '/') = 0;
	return path_join(root, exe, "");
}

static inline const char *corpus_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("NCMP_CORPUS");
	struct stat st;

	if (!dir[0])
		path_join(dir, env ? env : repo_root(), env ? "" : "/../shared/corpus");
	ck_assert_msg(!stat(dir, &st) && S_ISDIR(st.st_mode),
		      "corpus not found at %s (set NCMP_CORPUS)", dir);
	return dir;
}

/* A path below the repository root. */
static inline const char *repo_path(const char *rel)
{
	static char path[PATH_MAX];
	char tmp[PATH_MAX];

	return path_join(path, path_join(tmp, repo_root(), "/"), rel);
}

static inline uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(!fseek(f, 0, SEEK_END));
	n = ftell(f);
	ck_assert(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static inline void write_whole(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert(!fclose(f));
}

/* Every regular file below @dir, sorted, as a NULL-terminated list. */
static inline void list_add(char ***list, size_t *n, const char *path)
{
	*list = realloc(*list, (*n + 2) * sizeof(**list));
	ck_assert(*list != NULL);
	(*list)[(*n)++] = strdup(path);
	(*list)[*n] = NULL;
}

static inline void list_walk(const char *dir, char ***list, size_t *n)
{
	struct dirent **ents;
	char path[PATH_MAX];
	struct stat st;
	int k, i;

	k = scandir(dir, &ents, NULL, alphasort);
	ck_assert_msg(k >= 0, "cannot read %s", dir);
	for (i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.') {
			path_join(path, dir, "/");
			path_join(path, strdupa(path), ents[i]->d_name);
			if (!stat(path, &st) && S_ISDIR(st.st_mode))
				list_walk(path, list, n);
			else if (S_ISREG(st.st_mode))
				list_add(list, n, path);
		}
		free(ents[i]);
	}
	free(ents);
}

static inline char **list_files(const char *dir, size_t *n)
{
	char **list = NULL;

	*n = 0;
	list_walk(dir, &list, n);
	return list;
}

static inline void list_free(char **list)
{
	char **p;

	for (p = list; p && *p; p++)
		free(*p);
	free(list);
}

/* xorshift64*: reproducible test data from a seed. */
static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/*
 * The codec tests run the o2mix model from its file, whatever the default
 * model is: it is fast, and its output is what the golden files hold.
 */
static inline ncmp_model *o2mix_model(void)
{
	char msg[NCMP_MSG_MAX];
	ncmp_model *m;

	ck_assert_msg(!ncmp_model_load_file(&m, repo_path("tests/golden/o2mix.ncmm"),
					    msg), "%s", msg);
	return m;
}

#endif /* NCMP_CHECK_CODEC_H */
