/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ncmp wire core: the only place that knows whether it is built into the
 * kernel module or into userspace (tests, fuzzers, ncmctl). Every other
 * lib/wire file includes just this header for types, memcpy and errno codes.
 */
#ifndef NCMP_WIRE_TYPES_H
#define NCMP_WIRE_TYPES_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The kernel's definitions, so "%llu" prints a u64 in both worlds. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
#endif /* __KERNEL__ */

#endif /* NCMP_WIRE_TYPES_H */
