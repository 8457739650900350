// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "xps_bpf". Its YNL spec, netlink/xps_bpf.yaml,
 * describes every command, attribute and reply; the policies below enforce
 * the spec's checks (written by hand: doc/netlink.md says why).
 */

#include <linux/bpf.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include <uapi/linux/xps_bpf.h>

#include "attach.h"
#include "compat.h"
#include "netlink.h"

static const struct nla_policy xps_bpf_attach_policy[XPS_BPF_A_MAX + 1] = {
	[XPS_BPF_A_IFINDEX]		= NLA_POLICY_MIN(NLA_U32, 1),
	[XPS_BPF_A_PROG_FD]		= NLA_POLICY_MIN(NLA_S32, 0),
	[XPS_BPF_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, XPS_BPF_F_MASK),
	[XPS_BPF_A_EXPECTED_PROG_ID]	= { .type = NLA_U32 },
};

static const struct nla_policy xps_bpf_detach_policy[XPS_BPF_A_MAX + 1] = {
	[XPS_BPF_A_IFINDEX]		= NLA_POLICY_MIN(NLA_U32, 1),
	[XPS_BPF_A_EXPECTED_PROG_ID]	= { .type = NLA_U32 },
};

static const struct nla_policy xps_bpf_get_policy[XPS_BPF_A_MAX + 1] = {
	[XPS_BPF_A_IFINDEX]		= NLA_POLICY_MIN(NLA_U32, 1),
};

static struct genl_family xps_bpf_family;

/*
 * Upper bound of a message about a device, @prog when it has a program,
 * with room for the counters of @nqueues queues.
 */
static size_t xps_bpf_msg_size(bool prog, unsigned int nqueues)
{
	size_t size = nla_total_size(sizeof(u32)) * 8 +	/* u32 attributes */
		      nla_total_size(IFNAMSIZ);
	size_t queue_size = nla_total_size(0) +
			    nla_total_size(sizeof(u32)) +
			    nla_total_size_64bit(sizeof(u64));

	if (prog)
		size += nla_total_size(BPF_OBJ_NAME_LEN) +
			nla_total_size(BPF_TAG_SIZE) +
			nla_total_size(0) +		/* stats */
			nla_total_size_64bit(sizeof(u64)) * 4 +
			nla_total_size(0) +		/* queues */
			nqueues * queue_size;
	return size;
}

/*
 * Without RTNL, a rename at the same time may give a mix of both names;
 * the name always ends within IFNAMSIZ.
 */
static int xps_bpf_put_dev(struct sk_buff *msg, const struct net_device *dev)
{
	if (nla_put_u32(msg, XPS_BPF_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, XPS_BPF_A_IFNAME, dev->name) ||
	    nla_put_u32(msg, XPS_BPF_A_TX_QUEUES, dev->real_num_tx_queues))
		return -EMSGSIZE;
	return 0;
}

/* The program, and the attachment's rules (XPS_BPF_F_WRAP) for it. */
static int xps_bpf_put_prog(struct sk_buff *msg,
			    const struct xps_bpf_attachment *att)
{
	const struct bpf_prog *prog = rcu_dereference_rtnl(att->prog);
	u32 flags = READ_ONCE(att->wrap) ? XPS_BPF_F_WRAP : 0;

	if (nla_put_u32(msg, XPS_BPF_A_PROG_ID, prog->aux->id) ||
	    nla_put_string(msg, XPS_BPF_A_PROG_NAME, prog->aux->name) ||
	    nla_put(msg, XPS_BPF_A_PROG_TAG, XPS_BPF_TAG_SIZE, prog->tag) ||
	    nla_put_u32(msg, XPS_BPF_A_FLAGS, flags))
		return -EMSGSIZE;
	return 0;
}

static int xps_bpf_put_counter(struct sk_buff *msg, int type,
			       const struct xps_bpf_attachment *att,
			       size_t offset)
{
	return nla_put_u64_64bit(msg, type, xps_bpf_stats_read(att, offset),
				 XPS_BPF_STATS_PAD);
}

/*
 * The queues that sent packets, from *@next on. Where @msg runs out of
 * room, the nest ends with what fit, *@next is the first queue left out,
 * and the return is -EMSGSIZE; with room for all, *@next is @att->nqueues.
 */
static int xps_bpf_put_queues(struct sk_buff *msg,
			      const struct xps_bpf_attachment *att,
			      unsigned int *next)
{
	struct nlattr *queues, *entry;
	unsigned int q;
	u64 packets;

	queues = nla_nest_start(msg, XPS_BPF_STATS_QUEUES);
	if (!queues)
		return -EMSGSIZE;
	for (q = *next; q < att->nqueues; q++) {
		packets = xps_bpf_queue_packets(att, q);
		if (!packets)
			continue;
		entry = nla_nest_start(msg, XPS_BPF_QUEUE);
		if (!entry ||
		    nla_put_u32(msg, XPS_BPF_QUEUE_INDEX, q) ||
		    nla_put_u64_64bit(msg, XPS_BPF_QUEUE_PACKETS, packets,
				      XPS_BPF_QUEUE_PAD)) {
			if (entry)
				nla_nest_cancel(msg, entry);
			break;
		}
		nla_nest_end(msg, entry);
	}
	nla_nest_end(msg, queues);
	*next = q;
	return q < att->nqueues ? -EMSGSIZE : 0;
}

static int xps_bpf_put_stats(struct sk_buff *msg,
			     const struct xps_bpf_attachment *att,
			     unsigned int *next)
{
	struct nlattr *stats = nla_nest_start(msg, XPS_BPF_A_STATS);
	int err;

	if (!stats ||
	    xps_bpf_put_counter(msg, XPS_BPF_STATS_RUNS, att,
				offsetof(struct xps_bpf_stats, runs)) ||
	    xps_bpf_put_counter(msg, XPS_BPF_STATS_STEERED, att,
				offsetof(struct xps_bpf_stats, steered)) ||
	    xps_bpf_put_counter(msg, XPS_BPF_STATS_FALLBACK, att,
				offsetof(struct xps_bpf_stats, fallback)) ||
	    xps_bpf_put_counter(msg, XPS_BPF_STATS_OUT_OF_RANGE, att,
				offsetof(struct xps_bpf_stats, out_of_range)))
		return -EMSGSIZE;
	err = xps_bpf_put_queues(msg, att, next);
	nla_nest_end(msg, stats);
	return err;
}

/*
 * The reply of XPS_BPF_CMD_GET: the device, and its attachment if any, its
 * queue counters from *@next on (see xps_bpf_put_queues()). A dump resumes
 * a device whose queues did not fit in a message of its own, which holds
 * only the device's index and the queues that follow.
 */
static int xps_bpf_put_entry(struct sk_buff *msg, const struct net_device *dev,
			     const struct xps_bpf_attachment *att,
			     unsigned int *next)
{
	struct nlattr *stats;
	int err;

	if (*next) {
		if (nla_put_u32(msg, XPS_BPF_A_IFINDEX, dev->ifindex))
			return -EMSGSIZE;
		stats = nla_nest_start(msg, XPS_BPF_A_STATS);
		if (!stats)
			return -EMSGSIZE;
		err = xps_bpf_put_queues(msg, att, next);
		nla_nest_end(msg, stats);
		return err;
	}
	if (xps_bpf_put_dev(msg, dev))
		return -EMSGSIZE;
	if (att && (xps_bpf_put_prog(msg, att) ||
		    nla_put_u32(msg, XPS_BPF_A_PATH, att->path)))
		return -EMSGSIZE;
	return att ? xps_bpf_put_stats(msg, att, next) : 0;
}

/* The device the request names, under RTNL. */
static struct net_device *xps_bpf_dev(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[XPS_BPF_A_IFINDEX];
	struct net_device *dev;

	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(attr));
	if (!dev)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such device in this network namespace");
	return dev;
}

/* The device the request names, held; dev_put() it. */
static struct net_device *xps_bpf_dev_get(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[XPS_BPF_A_IFINDEX];
	struct net_device *dev;

	dev = dev_get_by_index(genl_info_net(info), nla_get_u32(attr));
	if (!dev)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such device in this network namespace");
	return dev;
}

/*
 * Attaching installs an ftrace hook in code every namespace runs, and a
 * program's choice reaches the driver: the initial namespace's CAP_NET_ADMIN,
 * and CAP_BPF or CAP_SYS_ADMIN to attach, as loading a program needs. Both
 * the sender and the socket's opener must have them, as netlink_capable()
 * asks. A user namespace's root, which the family's flags let through, is
 * refused here with a message, before anything of the request is looked
 * at. Detaching needs the same CAP_NET_ADMIN.
 */
static int xps_bpf_may_change(struct sk_buff *skb, struct genl_info *info,
			      bool attach)
{
	if (!netlink_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	if (attach && !netlink_capable(skb, CAP_BPF) &&
	    !netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "attaching needs CAP_BPF or CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	return 0;
}

static const u32 *xps_bpf_expected(struct genl_info *info, u32 *buf)
{
	struct nlattr *attr = info->attrs[XPS_BPF_A_EXPECTED_PROG_ID];

	if (!attr)
		return NULL;
	*buf = nla_get_u32(attr);
	return buf;
}

static struct bpf_prog *xps_bpf_prog(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[XPS_BPF_A_PROG_FD];
	struct bpf_prog *prog;

	prog = bpf_prog_get_type_dev(nla_get_s32(attr),
				     BPF_PROG_TYPE_SOCKET_FILTER, false);
	if (IS_ERR(prog)) {
		if (PTR_ERR(prog) == -EBADF)
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "bad program file descriptor");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "the file descriptor is not a socket filter program");
	}
	return prog;
}

static int xps_bpf_nl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct bpf_prog *prog;
	const u32 *expected;
	u32 flags = 0;
	u32 buf;
	int err;

	err = xps_bpf_may_change(skb, info, true);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, XPS_BPF_A_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, XPS_BPF_A_PROG_FD))
		return -EINVAL;
	if (info->attrs[XPS_BPF_A_FLAGS])
		flags = nla_get_u32(info->attrs[XPS_BPF_A_FLAGS]);
	expected = xps_bpf_expected(info, &buf);

	prog = xps_bpf_prog(info);
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	dev = xps_bpf_dev_get(info);
	if (!dev) {
		bpf_prog_put(prog);
		return -ENODEV;
	}
	err = xps_bpf_attach(genl_info_net(info), dev, prog, flags, expected,
			     info->extack);
	dev_put(dev);
	if (err)
		bpf_prog_put(prog);
	return err;
}

static int xps_bpf_nl_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	const u32 *expected;
	u32 buf;
	int err;

	err = xps_bpf_may_change(skb, info, false);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, XPS_BPF_A_IFINDEX))
		return -EINVAL;
	expected = xps_bpf_expected(info, &buf);

	rtnl_lock();
	dev = xps_bpf_dev(info);
	err = dev ? xps_bpf_detach(dev, expected, info->extack) : -ENODEV;
	rtnl_unlock();
	return err;
}

/* The queues whose counters a reply about @dev may hold. */
static unsigned int xps_bpf_reply_queues(const struct net_device *dev)
{
	const struct xps_bpf_attachment *att;
	unsigned int n;

	rcu_read_lock();
	att = xps_bpf_find(dev);
	n = att ? att->nqueues : 0;
	rcu_read_unlock();
	return n;
}

/*
 * Under RCU only: the counters are per-CPU sums. The reply is sized by the
 * attachment found first; one attached meanwhile makes it too small, and
 * the second try has room for any.
 */
static int xps_bpf_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	unsigned int next, nqueues, try;
	const struct xps_bpf_attachment *att;
	struct net_device *dev;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, XPS_BPF_A_IFINDEX))
		return -EINVAL;
	dev = xps_bpf_dev_get(info);
	if (!dev)
		return -ENODEV;
	nqueues = xps_bpf_reply_queues(dev);
	for (try = 0; try < 2; try++, nqueues = dev->num_tx_queues) {
		msg = genlmsg_new(xps_bpf_msg_size(true, nqueues), GFP_KERNEL);
		if (!msg) {
			err = -ENOMEM;
			break;
		}
		next = 0;
		rcu_read_lock();
		att = xps_bpf_find(dev);
		hdr = genlmsg_put_reply(msg, info, &xps_bpf_family, 0,
					XPS_BPF_CMD_GET);
		err = hdr ? xps_bpf_put_entry(msg, dev, att, &next) : -EMSGSIZE;
		rcu_read_unlock();
		if (!err)
			break;
		nlmsg_free(msg);
	}
	dev_put(dev);
	if (err)
		return err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * One device's entry of a dump, its queue counters from *@next on.
 *
 * Return: 0 when all of it is in @skb; 1 when part of its queue counters
 * are, *@next then the first left out; -EMSGSIZE when none of it is.
 */
static int xps_bpf_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			    const struct net_device *dev,
			    const struct xps_bpf_attachment *att,
			    unsigned int *next)
{
	unsigned int start = *next;
	void *hdr;

	/*
	 * Its program went while the rest of its counters waited for the
	 * reader: nothing more to send, and the change marks the dump
	 * interrupted.
	 */
	if (start && !att)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &xps_bpf_family, NLM_F_MULTI, XPS_BPF_CMD_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (!xps_bpf_put_entry(skb, dev, att, next)) {
		genlmsg_end(skb, hdr);
		return 0;
	}
	if (*next > start) {
		genlmsg_end(skb, hdr);
		return 1;
	}
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Every attachment of the caller's netns, or with XPS_BPF_A_IFINDEX the
 * device it names, with or without one (what a get replies, in as many
 * messages as its queue counters need).
 *
 * cb->args[0]: entries already sent; cb->args[1]: the first queue counter
 * of the next one still to send, when its counters did not fit in one
 * message, and cb->args[2] its ifindex. Returning 0 once all are in @skb
 * lets the core append NLMSG_DONE to it: a dump that fits in one message is
 * then never marked interrupted, however busy the attachments.
 */
static int xps_bpf_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *ifindex = xps_bpf_dump_attrs(cb)[XPS_BPF_A_IFINDEX];
	struct net *net = sock_net(skb->sk);
	const struct xps_bpf_attachment *att;
	long sent = 0, skip = cb->args[0];
	unsigned int next = cb->args[1];
	struct net_device *dev;
	int ret = 0;

	rcu_read_lock();
	if (ifindex) {
		/* Only a change of attachment matters to one device. */
		cb->seq = xps_bpf_generation();
		dev = dev_get_by_index_rcu(net, nla_get_u32(ifindex));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(cb->extack, ifindex,
					    "no such device in this network namespace");
			ret = -ENODEV;
		} else if (!skip) {
			ret = xps_bpf_dump_one(skb, cb, dev, xps_bpf_find(dev),
					       &next);
			sent = !ret;
		}
	} else {
		cb->seq = READ_ONCE(net->dev_base_seq) + xps_bpf_generation();
		for_each_netdev_rcu(net, dev) {
			att = xps_bpf_find(dev);
			if (!att || sent++ < skip)
				continue;
			/*
			 * The device whose counters were cut off may have
			 * gone, and another taken its place in the order.
			 */
			if (next && dev->ifindex != cb->args[2])
				next = 0;
			ret = xps_bpf_dump_one(skb, cb, dev, att, &next);
			if (ret) {
				sent--;
				cb->args[2] = dev->ifindex;
				break;
			}
			next = 0;
		}
	}
	rcu_read_unlock();
	cb->args[0] = sent;
	cb->args[1] = next;
	/* An entry that does not start in an empty message never fits. */
	if (ret == -EMSGSIZE && skb->len)
		ret = 1;
	return ret > 0 ? skb->len : ret;
}

/*
 * GENL_UNS_ADMIN_PERM lets a user namespace's root reach the handlers, so
 * that xps_bpf_may_change() can tell it why it is refused.
 */
static const struct genl_ops xps_bpf_ops[] = {
	{
		.cmd		= XPS_BPF_CMD_ATTACH,
		.doit		= xps_bpf_nl_attach,
		.policy		= xps_bpf_attach_policy,
		.maxattr	= XPS_BPF_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XPS_BPF_CMD_DETACH,
		.doit		= xps_bpf_nl_detach,
		.policy		= xps_bpf_detach_policy,
		.maxattr	= XPS_BPF_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= XPS_BPF_CMD_GET,
		.doit		= xps_bpf_nl_get,
		.dumpit		= xps_bpf_nl_dump,
		.policy		= xps_bpf_get_policy,
		.maxattr	= XPS_BPF_A_MAX,
	},
};

static const struct genl_multicast_group xps_bpf_mcgrps[] = {
	{ .name = XPS_BPF_MCGRP_EVENTS },
};

static struct genl_family xps_bpf_family __ro_after_init = {
	.name		= XPS_BPF_GENL_NAME,
	.version	= XPS_BPF_GENL_VERSION,
	.netnsok	= true,
	/*
	 * Not under genl_mutex: an attach may wait for a hook's removal,
	 * and other families must not wait with it. Attach and detach
	 * serialise on RTNL and the hooks' mutex; get and dump read under
	 * RCU.
	 */
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= xps_bpf_ops,
	.n_ops		= ARRAY_SIZE(xps_bpf_ops),
	.mcgrps		= xps_bpf_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(xps_bpf_mcgrps),
};

/**
 * xps_bpf_notify() - announce a change to the events group of @att's netns
 * @att: the attachment, with the program attached (attach, replace) or
 *	being detached (detach)
 * @event: XPS_BPF_EVENT_*
 * @reason: XPS_BPF_REASON_*
 * @old_prog_id: the program replaced, for XPS_BPF_EVENT_REPLACE
 *
 * Context: RTNL, process context.
 */
void xps_bpf_notify(const struct xps_bpf_attachment *att, u32 event,
		    u32 reason, u32 old_prog_id)
{
	struct net *net = dev_net(att->dev);
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&xps_bpf_family, net, 0))
		return;
	msg = genlmsg_new(xps_bpf_msg_size(true, 0), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &xps_bpf_family, 0, XPS_BPF_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(msg, XPS_BPF_A_EVENT, event) ||
	    nla_put_u32(msg, XPS_BPF_A_REASON, reason) ||
	    xps_bpf_put_dev(msg, att->dev) ||
	    xps_bpf_put_prog(msg, att) ||
	    (old_prog_id && nla_put_u32(msg, XPS_BPF_A_OLD_PROG_ID, old_prog_id))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&xps_bpf_family, net, msg, 0, 0, GFP_KERNEL);
}

/**
 * xps_bpf_netlink_init() - register the family
 *
 * Return: 0 or a negative errno.
 */
int __init xps_bpf_netlink_init(void)
{
	return genl_register_family(&xps_bpf_family);
}

/**
 * xps_bpf_netlink_fini() - unregister the family, waiting for requests
 */
void xps_bpf_netlink_fini(void)
{
	genl_unregister_family(&xps_bpf_family);
}
