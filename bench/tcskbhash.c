// SPDX-License-Identifier: GPL-2.0
/*
 * tcskbhash DEV PINNED_PROG FIRST LAST: the kernel's own BPF path to a
 * transmit queue, which the bench measures xps_bpf against. On the egress
 * hook of DEV's clsact qdisc (which must exist): a cls_bpf classifier, not
 * direct-action, running PINNED_PROG, a BPF_PROG_TYPE_SCHED_CLS program
 * that sets skb->hash with bpf_set_hash() and matches (returns -1); its
 * action, skbedit queue_mapping FIRST..LAST with hash type skbhash, sends
 * the packet to queue FIRST + hash % (LAST - FIRST + 1), and the kernel then
 * keeps that queue instead of picking its own (5.19+). Debian 12's tc
 * cannot ask for that hash type: this writes the request itself.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_skbedit.h>
#include <bpf/bpf.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

static int add_filter(struct nl_sock *sk, unsigned int ifindex, int prog,
		      unsigned short first, unsigned short last)
{
	struct tcmsg tc = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = (int)ifindex,
		.tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
		.tcm_info = TC_H_MAKE(1U << 16, htons(ETH_P_ALL)),
	};
	struct tc_skbedit parms = { .action = TC_ACT_PIPE };
	struct nlattr *opts, *acts, *act, *act_opts;
	struct nl_msg *msg;
	int err = -ENOMEM;

	msg = nlmsg_alloc_simple(RTM_NEWTFILTER,
				 NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return err;
	if (nlmsg_append(msg, &tc, sizeof(tc), NLMSG_ALIGNTO) ||
	    nla_put_string(msg, TCA_KIND, "bpf") ||
	    !(opts = nla_nest_start(msg, TCA_OPTIONS)) ||
	    nla_put_u32(msg, TCA_BPF_FD, (unsigned int)prog) ||
	    nla_put_string(msg, TCA_BPF_NAME, "tcskbhash") ||
	    nla_put_u32(msg, TCA_BPF_FLAGS, 0) ||	/* not direct-action */
	    !(acts = nla_nest_start(msg, TCA_BPF_ACT)) ||
	    !(act = nla_nest_start(msg, 1)) ||
	    nla_put_string(msg, TCA_ACT_KIND, "skbedit") ||
	    !(act_opts = nla_nest_start(msg, TCA_ACT_OPTIONS)) ||
	    nla_put(msg, TCA_SKBEDIT_PARMS, sizeof(parms), &parms) ||
	    nla_put_u16(msg, TCA_SKBEDIT_QUEUE_MAPPING, first) ||
	    nla_put_u16(msg, TCA_SKBEDIT_QUEUE_MAPPING_MAX, last) ||
	    nla_put_u64(msg, TCA_SKBEDIT_FLAGS, SKBEDIT_F_TXQ_SKBHASH))
		goto out;
	nla_nest_end(msg, act_opts);
	nla_nest_end(msg, act);
	nla_nest_end(msg, acts);
	nla_nest_end(msg, opts);
	err = nl_send_sync(sk, msg); /* frees msg, waits for the ACK */
	return err;
out:
	nlmsg_free(msg);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long first, last;
	unsigned int ifindex;
	struct nl_sock *sk;
	int prog, err;

	if (argc != 5) {
		fprintf(stderr, "usage: tcskbhash DEV PINNED_PROG FIRST LAST\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	first = strtoul(argv[3], NULL, 10);
	last = strtoul(argv[4], NULL, 10);
	if (!ifindex || last < first || last > 0xffff) {
		fprintf(stderr, "tcskbhash: bad device or queue range\n");
		return 2;
	}
	prog = bpf_obj_get(argv[2]);
	if (prog < 0) {
		fprintf(stderr, "tcskbhash: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE)) {
		fprintf(stderr, "tcskbhash: no rtnetlink socket\n");
		return 1;
	}
	err = add_filter(sk, ifindex, prog, (unsigned short)first,
			 (unsigned short)last);
	nl_socket_free(sk);
	if (err) {
		fprintf(stderr, "tcskbhash: %s: %s\n", argv[1], nl_geterror(err));
		return 1;
	}
	return 0;
}
