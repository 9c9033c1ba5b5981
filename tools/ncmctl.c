// SPDX-License-Identifier: GPL-2.0
/*
 * ncmctl: command dispatch, global options and message helpers.
 * The commands themselves live in one file per topic.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ncmctl.h"

#ifndef NCMP_VERSION
#define NCMP_VERSION "0.1.0"
#endif

struct ncmctl_opts ncmctl_opts;

static const struct ncmctl_cmd *const groups[] = {
	ncmctl_link_cmds,
	ncmctl_codec_cmds,
	ncmctl_transfer_cmds,
	NULL,
};

static void vmsg(const char *fmt, va_list ap)
{
	fputs("ncmctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ncmctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void ncmctl_warn(const char *fmt, ...)
{
	va_list ap;

	if (ncmctl_opts.verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void ncmctl_info(const char *fmt, ...)
{
	va_list ap;

	if (ncmctl_opts.verbosity < 1)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

static void print_commands(FILE *f)
{
	const struct ncmctl_cmd *const *g;
	const struct ncmctl_cmd *c;

	for (g = groups; *g; g++)
		for (c = *g; c->name; c++)
			fprintf(f, "  ncmctl %s\n\t%s\n", c->usage, c->help);
}

static void print_help(FILE *f)
{
	fprintf(f,
		"Usage: ncmctl [-q|-v] COMMAND [ARGS]\n"
		"Neural compression and reliable transfer over serial links.\n\n"
		"Commands:\n");
	print_commands(f);
	fprintf(f,
		"\nGlobal options: -q quiet, -v verbose, --help, --version.\n"
		"'-' or a missing file means stdin/stdout. Run 'ncmctl COMMAND --help'.\n"
		"Exit codes: 0 ok, 1 I/O error, 2 usage, 3 corrupt input, 4 model, 5 link.\n");
}

int ncmctl_usage(const char *name)
{
	const struct ncmctl_cmd *const *g;
	const struct ncmctl_cmd *c;

	for (g = groups; *g; g++)
		for (c = *g; c->name; c++)
			if (!strcmp(c->name, name))
				fprintf(stderr, "Usage: ncmctl %s\n", c->usage);
	return NCMCTL_EXIT_USAGE;
}

/* Match argv against a command name of one or two words ("model info"). */
static int match(const struct ncmctl_cmd *c, int argc, char **argv)
{
	const char *sp = strchr(c->name, ' ');
	size_t n;

	if (!sp)
		return strcmp(c->name, argv[0]) ? 0 : 1;
	n = (size_t)(sp - c->name);
	if (argc < 2 || strlen(argv[0]) != n || strncmp(c->name, argv[0], n) ||
	    strcmp(sp + 1, argv[1]))
		return 0;
	return 2;
}

int main(int argc, char **argv)
{
	const struct ncmctl_cmd *const *g;
	const struct ncmctl_cmd *c;
	int i = 1, words;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-q")) {
			ncmctl_opts.verbosity = -1;
		} else if (!strcmp(argv[i], "-v")) {
			ncmctl_opts.verbosity++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_help(stdout);
			return NCMCTL_EXIT_OK;
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("ncmctl %s\n", NCMP_VERSION);
			return NCMCTL_EXIT_OK;
		} else {
			ncmctl_err("unknown option '%s'", argv[i]);
			print_help(stderr);
			return NCMCTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return NCMCTL_EXIT_USAGE;
	}
	for (g = groups; *g; g++) {
		for (c = *g; c->name; c++) {
			words = match(c, argc - i, argv + i);
			if (words) {
				/* argv[0] of the command is its last word */
				i += words - 1;
				optind = 1;
				return c->run(argc - i, argv + i);
			}
		}
	}
	ncmctl_err("unknown command '%s' (see ncmctl --help)", argv[i]);
	return NCMCTL_EXIT_USAGE;
}
