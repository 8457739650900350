// SPDX-License-Identifier: GPL-2.0
/*
 * xpsmany attach PINNED_PROG PREFIX COUNT | xpsmany detach PREFIX COUNT:
 * attach the pinned program to, or detach it from, the devices PREFIX0 ..
 * PREFIX<COUNT-1>, all from one netlink socket. The bench puts a program on
 * up to a thousand devices in every round; one xpsctl per device would take
 * longer than the measurement.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/xps_bpf.h>

static int request(struct nl_sock *sk, int family, int cmd, unsigned int ifindex,
		   int prog)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err = -ENOMEM;

	if (!msg)
		return err;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd,
			 XPS_BPF_GENL_VERSION) ||
	    nla_put_u32(msg, XPS_BPF_A_IFINDEX, ifindex) ||
	    (prog >= 0 && nla_put_s32(msg, XPS_BPF_A_PROG_FD, prog)))
		goto out;
	err = nl_send_sync(sk, msg); /* frees msg */
	return err;
out:
	nlmsg_free(msg);
	return err;
}

int main(int argc, char **argv)
{
	int attach, prog = -1, family, cmd, failed = 0;
	const char *prefix;
	struct nl_sock *sk;
	long count, i;

	if (argc == 5 && !strcmp(argv[1], "attach")) {
		attach = 1;
		prog = bpf_obj_get(argv[2]);
		if (prog < 0) {
			fprintf(stderr, "xpsmany: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	} else if (argc == 4 && !strcmp(argv[1], "detach")) {
		attach = 0;
	} else {
		fprintf(stderr, "usage: xpsmany attach PINNED_PROG PREFIX COUNT\n"
				"       xpsmany detach PREFIX COUNT\n");
		return 2;
	}
	prefix = argv[argc - 2];
	count = strtol(argv[argc - 1], NULL, 0);
	cmd = attach ? XPS_BPF_CMD_ATTACH : XPS_BPF_CMD_DETACH;

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "xpsmany: cannot open a generic netlink socket\n");
		return 1;
	}
	family = genl_ctrl_resolve(sk, XPS_BPF_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "xpsmany: no %s family: is the module loaded?\n",
			XPS_BPF_GENL_NAME);
		return 1;
	}
	for (i = 0; i < count; i++) {
		char name[64];
		unsigned int ifindex;
		int err;

		snprintf(name, sizeof(name), "%s%ld", prefix, i);
		ifindex = strlen(name) < IF_NAMESIZE ? if_nametoindex(name) : 0;
		if (!ifindex) {
			fprintf(stderr, "xpsmany: no device %s\n", name);
			failed = 1;
			continue;
		}
		err = request(sk, family, cmd, ifindex, prog);
		if (err) {
			fprintf(stderr, "xpsmany: %s %s: %s\n", argv[1], name,
				nl_geterror(err));
			failed = 1;
		}
	}
	nl_socket_free(sk);
	return failed;
}
