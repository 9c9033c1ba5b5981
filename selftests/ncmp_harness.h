/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_harness.h under the project's warning flags: its macros define
 * functions without prototypes, leave handler parameters unused and keep
 * locals across setjmp(), which -Wextra and -Wmissing-prototypes report in
 * every test file. Those warnings say nothing about our code.
 */
#ifndef NCMP_SELFTEST_HARNESS_H
#define NCMP_SELFTEST_HARNESS_H

#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"

#include "kselftest_harness.h"

#endif /* NCMP_SELFTEST_HARNESS_H */
