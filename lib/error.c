// SPDX-License-Identifier: GPL-2.0
/* Error codes and their names. */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

static const char *const names[] = {
	[-NCMP_OK] = "no error",
	[-NCMP_E_NOMEM] = "out of memory",
	[-NCMP_E_PARAM] = "invalid argument",
	[-NCMP_E_IO] = "I/O error",
	[-NCMP_E_MAGIC] = "not ncmp data (bad magic)",
	[-NCMP_E_VERSION] = "unsupported format version",
	[-NCMP_E_HEADER] = "header damaged",
	[-NCMP_E_MODEL_UNKNOWN] = "model not available",
	[-NCMP_E_MODEL_FORMAT] = "model file damaged or malformed",
	[-NCMP_E_MODEL_ARCH] = "unknown model architecture",
	[-NCMP_E_TRUNCATED] = "data truncated",
	[-NCMP_E_BLOCK_HEADER] = "block header damaged",
	[-NCMP_E_BLOCK_DATA] = "block data damaged",
	[-NCMP_E_CRC] = "CRC mismatch",
	[-NCMP_E_TRAILER] = "end marker damaged",
	[-NCMP_E_TRAILING] = "data after the end",
	[-NCMP_E_THREAD] = "cannot start thread",
	[-NCMP_E_DST_SIZE] = "output buffer too small",
	[-NCMP_E_SIZE] = "input length differs from declared",
};

const char *ncmp_error_name(int code)
{
	if (code > 0 || -code >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown error";
	return names[-code];
}

int set_msg(char *msg, int code, const char *fmt, ...)
{
	va_list ap;

	if (msg) {
		va_start(ap, fmt);
		vsnprintf(msg, NCMP_MSG_MAX, fmt, ap);
		va_end(ap);
	}
	return code;
}
