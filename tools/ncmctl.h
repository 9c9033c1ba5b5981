/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ncmctl: the command table and the conventions every subcommand follows.
 *
 * Each topic file (codec.c, link.c, transfer.c, ...) exports one table of
 * commands, terminated by an entry with a NULL name. A command's run()
 * receives argv with argv[0] set to the command name, parses its own options
 * with getopt, and returns one of the exit codes below. Messages go to stderr
 * through ncmctl_err()/ncmctl_warn(), prefixed "ncmctl: ".
 */
#ifndef NCMCTL_H
#define NCMCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "ncmp.h"

/* Exit codes: stable, scripts and tests rely on them. */
enum ncmctl_exit {
	NCMCTL_EXIT_OK = 0,
	NCMCTL_EXIT_FAIL = 1,		/* I/O or system error */
	NCMCTL_EXIT_USAGE = 2,		/* bad command line */
	NCMCTL_EXIT_CORRUPT = 3,	/* input is damaged or not ncmp data */
	NCMCTL_EXIT_MODEL = 4,		/* model missing, unreadable or wrong */
	NCMCTL_EXIT_LINK = 5,		/* link down, peer reset, no such link */
};

struct ncmctl_cmd {
	const char *name;	/* "encode", or "model info" for two words */
	int (*run)(int argc, char **argv);
	const char *usage;	/* one line, without "ncmctl " */
	const char *help;	/* one sentence */
};

/* Global flags, set by the main program before a command runs. */
struct ncmctl_opts {
	int verbosity;		/* -q: -1, default 0, -v: 1, -vv: 2 */
};

extern struct ncmctl_opts ncmctl_opts;

extern const struct ncmctl_cmd ncmctl_link_cmds[];
extern const struct ncmctl_cmd ncmctl_codec_cmds[];
extern const struct ncmctl_cmd ncmctl_transfer_cmds[];

/*
 * codec.c, for every command that decodes: the exit code for an NCMP_E_*
 * code, and the model for data naming model @id: the file @path if given
 * (it must be that model), else the built-in model or a model file in
 * $NCMP_MODEL_PATH. Prints what is wrong and returns an exit code.
 */
int ncmctl_exit_code(int ncmp_err);
int ncmctl_model_for(const char *path, uint64_t id, ncmp_model **out);

/* codec.c: where model files are looked for ($NCMP_MODEL_PATH or the default). */
const char *ncmctl_model_path(void);

/* link.c: the line rate of /dev/ncmpN in bit/s from netlink; 0 if unknown. */
unsigned int ncmctl_link_baud(const char *dev);

void ncmctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ncmctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ncmctl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ncmctl_usage(const char *name);

#endif /* NCMCTL_H */
