/* SPDX-License-Identifier: GPL-2.0 */
/* Detailed error messages, written into caller-provided NCMP_MSG_MAX buffers. */
#ifndef NCMP_ERROR_H
#define NCMP_ERROR_H

#include "ncmp.h"

/* Format a message into @msg (if not NULL) and return @code. */
int set_msg(char *msg, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* NCMP_ERROR_H */
