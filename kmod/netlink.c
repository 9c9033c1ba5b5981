// SPDX-License-Identifier: GPL-2.0
/*
 * ncmp: the generic netlink family "ncmp" (uapi/linux/ncmp.h).
 *
 * GET_LINK dumps every link or returns one; SET_LINK changes a link's
 * parameters (CAP_NET_ADMIN); link events go to the "events" multicast
 * group. The family lives in the initial network namespace only, like the
 * ttys it describes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/stddef.h>
#include <net/genetlink.h>

#include "compat.h"
#include "ncmp.h"
#include "netlink.h"

/* Ranges beyond s16 need the full-range form of the policy. */
static struct netlink_range_validation ncmp_nl_rto_range = {
	.min = 1,
	.max = NCMP_ARQ_RTO_LIMIT_MS,
};

static struct netlink_range_validation ncmp_nl_keepalive_range = {
	.min = NCMP_ARQ_KEEPALIVE_MIN_MS,
	.max = NCMP_ARQ_KEEPALIVE_MAX_MS,
};

static const struct nla_policy ncmp_nl_policy[NCMP_A_MAX + 1] = {
	[NCMP_A_LINK_INDEX] = { .type = NLA_U32 },
	[NCMP_A_LINK_MTU] = NLA_POLICY_RANGE(NLA_U32, NCMP_MTU_MIN,
					     NCMP_MTU_MAX),
	[NCMP_A_LINK_WINDOW] = NLA_POLICY_RANGE(NLA_U32, 1, NCMP_WINDOW_MAX),
	[NCMP_A_LINK_RTO_MIN_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &ncmp_nl_rto_range),
	[NCMP_A_LINK_RTO_MAX_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &ncmp_nl_rto_range),
	[NCMP_A_LINK_RETRIES] = NLA_POLICY_RANGE(NLA_U32, 1,
						 NCMP_ARQ_RETRIES_MAX),
	[NCMP_A_LINK_KEEPALIVE_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ncmp_nl_keepalive_range),
};

/* Which counter of struct ncmp_arq_stats each NCMP_STAT_* attribute is. */
static const size_t ncmp_nl_stats[NCMP_STAT_MAX + 1] = {
#define NCMP_STAT(attr, field) \
	[attr] = offsetof(struct ncmp_arq_stats, field) + 1
	NCMP_STAT(NCMP_STAT_TX_FRAMES, tx_frames),
	NCMP_STAT(NCMP_STAT_TX_BYTES, tx_bytes),
	NCMP_STAT(NCMP_STAT_RX_FRAMES, rx_frames),
	NCMP_STAT(NCMP_STAT_RX_BYTES, rx_bytes),
	NCMP_STAT(NCMP_STAT_RETRANSMITS, retransmits),
	NCMP_STAT(NCMP_STAT_CRC_ERRORS, crc_errors),
	NCMP_STAT(NCMP_STAT_BAD_FRAMES, bad_frames),
	NCMP_STAT(NCMP_STAT_DUPLICATES, duplicates),
	NCMP_STAT(NCMP_STAT_TIMEOUTS, timeouts),
	NCMP_STAT(NCMP_STAT_RESETS, resets),
	NCMP_STAT(NCMP_STAT_SESSION_DROPS, session_drops),
	NCMP_STAT(NCMP_STAT_NO_ROOM, no_room),
	NCMP_STAT(NCMP_STAT_TX_WIRE_BYTES, tx_wire_bytes),
	NCMP_STAT(NCMP_STAT_RX_WIRE_BYTES, rx_wire_bytes),
	NCMP_STAT(NCMP_STAT_BAD_LENGTHS, bad_lengths),
	NCMP_STAT(NCMP_STAT_TTY_ERRORS, tty_errors),
	NCMP_STAT(NCMP_STAT_OUT_OF_ORDER, out_of_order),
	NCMP_STAT(NCMP_STAT_KEEPALIVES, keepalives),
	NCMP_STAT(NCMP_STAT_LINK_DOWNS, link_downs),
#undef NCMP_STAT
};

static struct genl_family ncmp_nl_family;

static int ncmp_nl_put_stats(struct sk_buff *skb,
			     const struct ncmp_arq_stats *stats)
{
	struct nlattr *nest;
	int attr;

	nest = nla_nest_start(skb, NCMP_A_LINK_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (attr = 1; attr <= NCMP_STAT_MAX; attr++) {
		/* entries hold offset + 1, so 0 means "no such counter" */
		size_t off = ncmp_nl_stats[attr];

		if (!off)
			continue;
		if (nla_put_u64_64bit(skb, attr,
				      *(const u64 *)((const u8 *)stats + off - 1),
				      NCMP_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One link as a message of @cmd; @event is 0 except in NCMP_CMD_EVENT. */
static int ncmp_nl_fill(struct sk_buff *skb, struct ncmp_link *link,
			u32 portid, u32 seq, int flags, u8 cmd, u32 event)
{
	struct ncmp_link_info info;
	void *hdr;

	ncmp_link_get_info(link, &info);
	hdr = genlmsg_put(skb, portid, seq, &ncmp_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if ((event && nla_put_u32(skb, NCMP_A_EVENT, event)) ||
	    nla_put_u32(skb, NCMP_A_LINK_INDEX, info.index) ||
	    nla_put_string(skb, NCMP_A_LINK_TTY, info.tty_name) ||
	    nla_put_u32(skb, NCMP_A_LINK_BAUD, info.params.baud) ||
	    nla_put_u32(skb, NCMP_A_LINK_STATE, info.state) ||
	    nla_put_u32(skb, NCMP_A_LINK_SESSION, info.arq.session) ||
	    nla_put_u32(skb, NCMP_A_LINK_PEER_SESSION, info.arq.peer_session) ||
	    nla_put_u32(skb, NCMP_A_LINK_MTU, info.params.mtu) ||
	    nla_put_u32(skb, NCMP_A_LINK_WINDOW, info.params.window) ||
	    nla_put_u32(skb, NCMP_A_LINK_RTO_MS, info.arq.rto_ms) ||
	    nla_put_u32(skb, NCMP_A_LINK_RTO_MIN_MS, info.params.rto_min_ms) ||
	    nla_put_u32(skb, NCMP_A_LINK_RTO_MAX_MS, info.params.rto_max_ms) ||
	    nla_put_u32(skb, NCMP_A_LINK_RETRIES, info.params.retries) ||
	    nla_put_u32(skb, NCMP_A_LINK_KEEPALIVE_MS,
			info.params.keepalive_ms) ||
	    ncmp_nl_put_stats(skb, &info.stats)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static struct ncmp_link *ncmp_nl_link(struct genl_info *info)
{
	struct ncmp_link *link;

	if (GENL_REQ_ATTR_CHECK(info, NCMP_A_LINK_INDEX))
		return ERR_PTR(-EINVAL);
	link = ncmp_link_get(nla_get_u32(info->attrs[NCMP_A_LINK_INDEX]));
	if (!link) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NCMP_A_LINK_INDEX],
				    "no such link");
		return ERR_PTR(-ENODEV);
	}
	return link;
}

static int ncmp_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ncmp_link *link;
	struct sk_buff *msg;
	int ret;

	link = ncmp_nl_link(info);
	if (IS_ERR(link))
		return PTR_ERR(link);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ncmp_nl_fill(msg, link, info->snd_portid, info->snd_seq, 0,
			   NCMP_CMD_GET_LINK, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	ncmp_link_put(link);
	return ret;
}

/* The dump's cursor is the next link index to visit, in cb->args[0]. */
static int ncmp_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 index = cb->args[0];
	struct ncmp_link *link;
	int ret;

	for (; (link = ncmp_link_get_next(&index)); index++) {
		ret = ncmp_nl_fill(skb, link, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI,
				   NCMP_CMD_GET_LINK, 0);
		ncmp_link_put(link);
		if (ret) {
			/* skb is full: come back for this link */
			cb->args[0] = index;
			return skb->len;
		}
	}
	cb->args[0] = index;
	return 0;
}

static int ncmp_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct ncmp_link_info cur;
	struct ncmp_arq_params *p = &cur.params;
	struct ncmp_link *link;
	int ret;

	link = ncmp_nl_link(info);
	if (IS_ERR(link))
		return PTR_ERR(link);

	/* Start from what is in force, so unset attributes keep their value. */
	ncmp_link_get_info(link, &cur);
	/* The policy bounded every value, so the narrowing below is exact. */
	if (tb[NCMP_A_LINK_MTU])
		p->mtu = nla_get_u32(tb[NCMP_A_LINK_MTU]);
	if (tb[NCMP_A_LINK_WINDOW])
		p->window = nla_get_u32(tb[NCMP_A_LINK_WINDOW]);
	if (tb[NCMP_A_LINK_RTO_MIN_MS])
		p->rto_min_ms = nla_get_u32(tb[NCMP_A_LINK_RTO_MIN_MS]);
	if (tb[NCMP_A_LINK_RTO_MAX_MS])
		p->rto_max_ms = nla_get_u32(tb[NCMP_A_LINK_RTO_MAX_MS]);
	if (tb[NCMP_A_LINK_RETRIES])
		p->retries = nla_get_u32(tb[NCMP_A_LINK_RETRIES]);
	if (tb[NCMP_A_LINK_KEEPALIVE_MS])
		p->keepalive_ms = nla_get_u32(tb[NCMP_A_LINK_KEEPALIVE_MS]);

	if (p->rto_min_ms > p->rto_max_ms) {
		NL_SET_ERR_MSG(info->extack, "rto-min exceeds rto-max");
		ret = -EINVAL;
	} else {
		ret = ncmp_link_set_params(link, p);
		if (ret == -ENODEV)
			NL_SET_ERR_MSG(info->extack, "link is detached");
	}
	ncmp_link_put(link);
	return ret;
}

static const struct genl_small_ops ncmp_nl_ops[] = {
	{
		.cmd = NCMP_CMD_GET_LINK,
		.doit = ncmp_nl_get_doit,
		.dumpit = ncmp_nl_get_dumpit,
	},
	{
		.cmd = NCMP_CMD_SET_LINK,
		.doit = ncmp_nl_set_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group ncmp_nl_mcgrps[] = {
	{
		.name = NCMP_GENL_MCGRP_EVENTS,
	},
};

static struct genl_family ncmp_nl_family __ro_after_init = {
	.name = NCMP_GENL_NAME,
	.version = NCMP_GENL_VERSION,
	.maxattr = NCMP_A_MAX,
	.policy = ncmp_nl_policy,
	.module = THIS_MODULE,
	.small_ops = ncmp_nl_ops,
	.n_small_ops = ARRAY_SIZE(ncmp_nl_ops),
	.mcgrps = ncmp_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ncmp_nl_mcgrps),
};

/* Link events arrive here in process context (see ncmp_event_register()). */
static int ncmp_nl_event(struct notifier_block *nb, unsigned long event,
			 void *data)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&ncmp_nl_family, &init_net, 0))
		return NOTIFY_DONE;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NOTIFY_DONE;
	if (ncmp_nl_fill(msg, data, 0, 0, 0, NCMP_CMD_EVENT, event)) {
		nlmsg_free(msg);
		return NOTIFY_DONE;
	}
	genlmsg_multicast(&ncmp_nl_family, msg, 0, 0, GFP_KERNEL);
	return NOTIFY_OK;
}

static struct notifier_block ncmp_nl_notifier = {
	.notifier_call = ncmp_nl_event,
};

int __init ncmp_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&ncmp_nl_family);
	if (ret)
		return ret;
	ret = ncmp_event_register(&ncmp_nl_notifier);
	if (ret)
		genl_unregister_family(&ncmp_nl_family);
	return ret;
}

void ncmp_netlink_exit(void)
{
	ncmp_event_unregister(&ncmp_nl_notifier);
	genl_unregister_family(&ncmp_nl_family);
}
