// SPDX-License-Identifier: GPL-2.0
/*
 * ncmctl encode, decode and model info, run as a user would: files and
 * pipes, the refusals (overwriting, coded data to a terminal), exit codes
 * and messages for damaged input, -f, -T, and memory that does not grow
 * with the input or the threads. The commands use the o2mix model file,
 * for speed, except where the built-in model's memory is what is tested.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "check_codec.h"
#include "bytes.h"
#include "header.h"
#include "wire/crc32.h"

static char dir[] = "/tmp/ncmctl-test-XXXXXX";
static char ncmctl[PATH_MAX], o2mix[PATH_MAX], golden[PATH_MAX];
static char err[8192];		/* stderr of the last command */
static long max_rss_kb;		/* of the last command */

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/ncmctl-test-XXXXXX")));
	path_join(ncmctl, repo_path("build/ncmctl"), "");
	path_join(o2mix, repo_path("tests/golden/o2mix.ncmm"), "");
	path_join(golden, repo_path("tests/golden"), "");
	ck_assert_msg(!access(ncmctl, X_OK), "%s not built", ncmctl);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * Run @fmt (a shell command) in the test directory with $N set to ncmctl
 * and $M to the o2mix model; returns its exit status, stderr in err[].
 */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[4096], path[PATH_MAX];
	struct rusage ru;
	va_list ap;
	int fd, status;
	ssize_t n;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	path_join(path, dir, "/.stderr");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0 || chdir(dir))
			_exit(127);
		setenv("N", ncmctl, 1);
		setenv("M", o2mix, 1);
		setenv("NCMP_MODEL_PATH", golden, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
	max_rss_kb = ru.ru_maxrss;
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = 0;
	close(fd);
	ck_assert_msg(WIFEXITED(status), "%s: killed", cmd);
	return WEXITSTATUS(status);
}

/* A file in the test directory. */
static const char *in_dir(const char *name)
{
	static char path[PATH_MAX];

	return path_join(path, dir, name);
}

/* Put the first @n bytes of a corpus file into the test directory. */
static void sample(const char *name, size_t n)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t len;

	path_join(path, corpus_dir(), "/test/log/loghub/OpenStack/OpenStack_2k.log");
	buf = read_whole(path, &len);
	ck_assert_uint_ge(len, n);
	write_whole(in_dir(name), buf, n);
	free(buf);
}

#define OK(...)		ck_assert_msg(run(__VA_ARGS__) == 0, "%s", err)

START_TEST(encode_then_decode_gives_the_file_back)
{
	sample("/a.log", 100000);
	OK("$N encode -m $M a.log");
	OK("test -f a.log && test -f a.log.ncmp");
	OK("mv a.log orig && $N decode a.log.ncmp && cmp a.log orig");
	OK("test -f a.log.ncmp");
	/* -o, -c and the model found by its id through NCMP_MODEL_PATH */
	OK("$N encode -m $M -B 4K -o x.ncmp orig && $N decode -c x.ncmp | cmp - orig");
	OK("$N decode -m $M -o y x.ncmp && cmp y orig");
}
END_TEST

START_TEST(pipes_go_through_stdin_and_stdout)
{
	sample("/a.log", 50000);
	OK("$N encode -m $M < a.log > a.ncmp && $N decode < a.ncmp | cmp - a.log");
	OK("cat a.log | $N encode -m $M - | $N decode - | cmp - a.log");
}
END_TEST

START_TEST(existing_output_is_kept_without_f)
{
	sample("/a.log", 1000);
	OK("echo keep > a.log.ncmp");
	ck_assert_int_eq(run("$N encode -m $M a.log"), 1);
	ck_assert_ptr_nonnull(strstr(err, "ncmctl: a.log.ncmp: already exists"));
	OK("grep -q keep a.log.ncmp");
	OK("$N encode -f -m $M a.log && ! grep -q keep a.log.ncmp");
	ck_assert_int_eq(run("$N decode a.log.ncmp"), 1);
	OK("$N decode -f a.log.ncmp");
}
END_TEST

START_TEST(coded_data_is_not_written_to_a_terminal)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	char cmd[256];

	ck_assert_int_ge(master, 0);
	ck_assert(!grantpt(master) && !unlockpt(master));
	sample("/a.log", 1000);
	snprintf(cmd, sizeof(cmd), "$N encode -m $M -c a.log > %s",
		 ptsname(master));
	ck_assert_int_eq(run("%s", cmd), 2);
	ck_assert_ptr_nonnull(strstr(err, "terminal"));
	close(master);
}
END_TEST

START_TEST(progress_shows_on_a_terminal_only)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	char cmd[256], tty[4096];
	ssize_t n;

	/* non-blocking: the command has ended when we read */
	ck_assert_int_ge(master, 0);
	ck_assert(!grantpt(master) && !unlockpt(master));
	ck_assert(!fcntl(master, F_SETFL, O_NONBLOCK));
	sample("/a.log", 300000);
	snprintf(cmd, sizeof(cmd), "$N encode -m $M a.log 2> %s", ptsname(master));
	OK("%s", cmd);
	n = read(master, tty, sizeof(tty) - 1);
	ck_assert_int_gt(n, 0);
	tty[n] = 0;
	ck_assert_msg(strstr(tty, "ncmctl: a.log: 0.3 MiB, coded") &&
		      strstr(tty, "MB/s"), "'%s'", tty);
	/* not on a file, and not with -q */
	OK("$N encode -f -m $M a.log && test ! -s .stderr");
	snprintf(cmd, sizeof(cmd), "$N encode -q -f -m $M a.log 2> %s",
		 ptsname(master));
	OK("%s", cmd);
	ck_assert_int_lt(read(master, tty, sizeof(tty)), 0);
	close(master);
}
END_TEST

START_TEST(thread_counts_give_identical_files)
{
	sample("/a.log", 300000);
	OK("$N encode -m $M -B 4K -T 1 -o 1.ncmp a.log");
	OK("$N encode -m $M -B 4K -T 2 -o 2.ncmp a.log");
	OK("$N encode -m $M -B 4K -T 4 -o 4.ncmp a.log");
	OK("cmp 1.ncmp 2.ncmp && cmp 1.ncmp 4.ncmp");
	OK("$N decode -T 4 -c 4.ncmp | cmp - a.log");
}
END_TEST

/* Damage byte @at of @name (xor 0x40). */
static void damage(const char *name, long at)
{
	uint8_t *buf;
	size_t len;

	buf = read_whole(in_dir(name), &len);
	ck_assert_uint_gt(len, (size_t)at);
	buf[at] ^= 0x40;
	write_whole(in_dir(name), buf, len);
	free(buf);
}

START_TEST(damaged_input_exits_3_and_names_block_and_offset)
{
	uint8_t *f;
	size_t len, at = FILE_HEADER_LEN;
	char want[96];

	sample("/a.log", 20000);
	OK("$N encode -m $M -B 4K a.log && mv a.log orig");
	/* a payload byte of block 2 */
	f = read_whole(in_dir("/a.log.ncmp"), &len);
	at += BLOCK_HEADER_LEN + get_le32(f + at + 4);
	at += BLOCK_HEADER_LEN + get_le32(f + at + 4);
	free(f);
	damage("/a.log.ncmp", (long)at + BLOCK_HEADER_LEN + 10);
	ck_assert_int_eq(run("$N decode a.log.ncmp"), 3);
	snprintf(want, sizeof(want), "ncmctl: a.log.ncmp: block 2 at offset %zu",
		 at);
	ck_assert_msg(strstr(err, want), "'%s' lacks '%s'", err, want);
	/* no partial output is left */
	OK("test ! -e a.log && ls | grep -vq tmp");
	/* to stdout, the two good blocks come out, then the error */
	ck_assert_int_eq(run("$N decode -c a.log.ncmp > out"), 3);
	OK("test $(wc -c < out) -eq 8192 && cmp -n 8192 out orig");
	/* -f writes the damaged block too and still says so */
	ck_assert_int_eq(run("$N decode -f a.log.ncmp"), 3);
	ck_assert_ptr_nonnull(strstr(err, "writing it anyway"));
	OK("test $(wc -c < a.log) -eq 20000 && cmp -n 8192 a.log orig");
}
END_TEST

START_TEST(other_bad_input_exits_3)
{
	sample("/a.log", 5000);
	OK("$N encode -m $M -B 1K a.log");
	ck_assert_int_eq(run("$N decode a.log"), 2);
	ck_assert_ptr_nonnull(strstr(err, "suffix"));
	ck_assert_int_eq(run("$N decode -c < a.log > /dev/null"), 3);
	ck_assert_ptr_nonnull(strstr(err, "not ncmp data"));
	ck_assert_int_eq(run("head -c 1000 a.log.ncmp | $N decode > /dev/null"), 3);
	ck_assert_ptr_nonnull(strstr(err, "truncated at offset 1000"));
	ck_assert_int_eq(run("head -c 20 a.log.ncmp | $N decode > /dev/null"), 3);
	ck_assert_int_eq(run("(cat a.log.ncmp; echo x) | $N decode > /dev/null"), 3);
	ck_assert_ptr_nonnull(strstr(err, "after the end"));
	damage("/a.log.ncmp", 4);	/* the version */
	ck_assert_int_eq(run("$N decode -c a.log.ncmp > /dev/null"), 3);
}
END_TEST

START_TEST(a_missing_model_exits_4_and_names_it)
{
	uint8_t *f;
	size_t len;

	sample("/a.log", 5000);
	OK("$N encode -m $M a.log");
	f = read_whole(in_dir("/a.log.ncmp"), &len);
	put_be64(f + 8, 0x1122334455667788ull);
	put_le32(f + 28, ncmp_crc32(0, f, 28));
	write_whole(in_dir("/a.log.ncmp"), f, len);
	free(f);
	ck_assert_int_eq(run("$N decode -c a.log.ncmp"), 4);
	ck_assert_ptr_nonnull(strstr(err, "1122334455667788"));
	/* a model given with -m must be the one the data names */
	OK("$N encode -m $M -o b.ncmp a.log");
	ck_assert_int_eq(run("$N decode -m /dev/null -c b.ncmp"), 4);
	OK("cp $M other.ncmm && printf x >> other.ncmm");
	ck_assert_int_eq(run("$N decode -m other.ncmm -c b.ncmp"), 4);
	ck_assert_int_eq(run("$N encode -m other.ncmm -c a.log > /dev/null"), 4);
}
END_TEST

START_TEST(bad_command_lines_exit_2)
{
	sample("/a.log", 100);
	ck_assert_int_eq(run("$N encode -B 100 -c a.log"), 2);
	ck_assert_ptr_nonnull(strstr(err, "block size"));
	ck_assert_int_eq(run("$N encode -B 1G -c a.log"), 2);
	ck_assert_int_eq(run("$N encode -T 65 -c a.log"), 2);
	ck_assert_int_eq(run("$N encode a.log a.log"), 2);
	ck_assert_int_eq(run("$N encode --bogus a.log"), 2);
	OK("$N encode --help | grep -q BLOCKSIZE");
	OK("$N decode --help | grep -q THREADS");
}
END_TEST

START_TEST(rm_removes_the_input_only_after_success)
{
	sample("/a.log", 1000);
	OK("$N encode -m $M --rm a.log && test ! -e a.log");
	OK("$N decode --rm a.log.ncmp && test ! -e a.log.ncmp && test -f a.log");
}
END_TEST

START_TEST(model_info_describes_a_model)
{
	OK("$N model info $M > info");
	OK("grep -q 'architecture: o2mix' info");
	OK("grep -q \"id: *$(sha256sum < $M | cut -c1-16)\" info");
	OK("grep -q 'order2_bits = 12' info");
	/* by id, through NCMP_MODEL_PATH; and the built-in model */
	OK("$N model info $(sha256sum < $M | cut -c1-16) | grep -q o2mix");
	OK("$N model info | grep -q 'model: *built-in'");
	ck_assert_int_eq(run("$N model info /dev/null"), 4);
	ck_assert_int_eq(run("$N model info 0000000000000000"), 4);
}
END_TEST

START_TEST(bench_reports_ratio_and_speed_of_each_file)
{
	sample("/a.log", 50000);
	sample("/b.log", 20000);
	OK("$N bench -m $M -B 4K -i 0 a.log b.log > out");
	OK("grep -q '^a.log  *50000 -> .* bpb  encode .* MB/s  decode .* MB/s$' out");
	OK("grep -q '^b.log  *20000 -> ' out");
	OK("grep -q '^total  *70000 -> ' out");
	/* the coded size is the one encode writes */
	OK("$N encode -m $M -B 4K -c a.log | wc -c > size && "
	   "grep -q \"50000 ->  *$(cat size) \" out");
	ck_assert_int_eq(run("$N bench -m $M missing.log"), 1);
	ck_assert_int_eq(run("$N bench -m $M"), 2);
	ck_assert_int_eq(run("$N bench -m $M -i -1 a.log"), 2);
	ck_assert_int_eq(run("$N bench -m /dev/null a.log"), 4);
}
END_TEST

START_TEST(memory_does_not_grow_with_the_input)
{
	long small, big;

	/* 1 MB and 24 MB of varied text through pipes */
	OK("seq 1 150000 > s && seq 1 3000000 > b");
	OK("exec $N encode -m $M < s > s.ncmp");
	small = max_rss_kb;
	OK("exec $N encode -m $M < b > b.ncmp");
	big = max_rss_kb;
	ck_assert_msg(big < 32 * 1024 && big < small + 4096,
		      "encode: %ld KB for 1 MB, %ld KB for 24 MB", small, big);
	OK("exec $N decode < b.ncmp > b.out");
	ck_assert_msg(max_rss_kb < 32 * 1024, "decode: %ld KB", max_rss_kb);
	OK("cmp b b.out");
}
END_TEST

/*
 * Eight threads of the built-in model would hold about 100 MiB of model
 * state: ncmctl starts what fits under 32 MiB, says so, and codes the same.
 */
START_TEST(threads_stay_within_32_mib)
{
	OK("seq 1 250000 > s");
	OK("$N encode -B 256K -T 1 -o 1.ncmp s");
	OK("exec $N encode -B 256K -T 8 -o 8.ncmp s");
	ck_assert_msg(max_rss_kb < 32 * 1024, "encode -T 8: %ld KB", max_rss_kb);
	ck_assert_msg(strstr(err, "8 threads would need") &&
		      strstr(err, "as many as fit in 32 MiB"), "%s", err);
	OK("cmp 1.ncmp 8.ncmp");
	OK("exec $N decode -T 8 -c 8.ncmp > s.out");
	ck_assert_msg(max_rss_kb < 32 * 1024, "decode -T 8: %ld KB", max_rss_kb);
	OK("cmp s s.out");
}
END_TEST

static Suite *tool_suite(void)
{
	Suite *s = suite_create("codec_tool");
	TCase *tc = tcase_create("ncmctl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, encode_then_decode_gives_the_file_back);
	tcase_add_test(tc, pipes_go_through_stdin_and_stdout);
	tcase_add_test(tc, existing_output_is_kept_without_f);
	tcase_add_test(tc, coded_data_is_not_written_to_a_terminal);
	tcase_add_test(tc, progress_shows_on_a_terminal_only);
	tcase_add_test(tc, thread_counts_give_identical_files);
	tcase_add_test(tc, damaged_input_exits_3_and_names_block_and_offset);
	tcase_add_test(tc, other_bad_input_exits_3);
	tcase_add_test(tc, a_missing_model_exits_4_and_names_it);
	tcase_add_test(tc, bad_command_lines_exit_2);
	tcase_add_test(tc, rm_removes_the_input_only_after_success);
	tcase_add_test(tc, model_info_describes_a_model);
	tcase_add_test(tc, bench_reports_ratio_and_speed_of_each_file);
	tcase_add_test(tc, memory_does_not_grow_with_the_input);
	tcase_add_test(tc, threads_stay_within_32_mib);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tool_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
