/* SPDX-License-Identifier: GPL-2.0 */
/* ncmp: the generic netlink family, registered for the module's lifetime. */
#ifndef NCMP_KMOD_NETLINK_H
#define NCMP_KMOD_NETLINK_H

int ncmp_netlink_init(void);
void ncmp_netlink_exit(void);

#endif /* NCMP_KMOD_NETLINK_H */
