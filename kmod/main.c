// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp: module entry points and parameters.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/tty.h>

#include <linux/ncmp.h>

#include "ncmp.h"
#include "netlink.h"

static int ldisc = N_NCMP;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number (default 29, N_DEVELOPMENT)");

static int __init ncmp_init(void)
{
	int ret;

	/* N_TTY (0) is never ours to replace; NR_LDISCS is exclusive. */
	if (ldisc <= 0 || ldisc >= NR_LDISCS) {
		pr_err("ldisc=%d is outside 1..%d\n", ldisc, NR_LDISCS - 1);
		return -EINVAL;
	}

	ret = ncmp_cdev_init();
	if (ret)
		return ret;

	ret = ncmp_netlink_init();
	if (ret)
		goto err_cdev;

	ret = ncmp_ldisc_register(ldisc);
	if (ret)
		goto err_netlink;

	pr_info("line discipline %d registered\n", ldisc);
	return 0;

err_netlink:
	ncmp_netlink_exit();
err_cdev:
	ncmp_cdev_exit();
	return ret;
}
module_init(ncmp_init);

/*
 * An attached tty holds a reference on this module, so by the time exit runs
 * every link has been detached; open /dev/ncmpN files pin the module through
 * the cdev owner.
 */
static void __exit ncmp_exit(void)
{
	ncmp_ldisc_unregister();
	ncmp_netlink_exit();
	ncmp_cdev_exit();
}
module_exit(ncmp_exit);

MODULE_DESCRIPTION("ncmp: reliable byte streams over serial lines");
MODULE_AUTHOR("The ncmp authors");
MODULE_LICENSE("GPL");
MODULE_ALIAS_LDISC(N_NCMP);
