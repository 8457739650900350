// SPDX-License-Identifier: GPL-2.0
/*
 * qstats DEV: the packets each tx queue of DEV has sent, as its driver
 * counts them, one "QUEUE PACKETS" line per queue, from the netdev generic
 * netlink family's per-queue statistics (QSTATS_GET, scope queue; not in
 * 6.1).
 *
 * 6.12's virtio_net reports its per-queue packet counters there and no
 * longer in `ethtool -S` (6.1's tx_queue_N_packets); 26-virtio-nic reads
 * them here on such kernels.
 *
 * The numbers are those of 6.12's include/uapi/linux/netdev.h; the build
 * machine's headers (Debian 12: 6.1) predate them, and they are ABI.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#define NETDEV_FAMILY_NAME		"netdev"
#define NETDEV_CMD_QSTATS_GET		12
#define NETDEV_QSTATS_SCOPE_QUEUE	1
#define NETDEV_QUEUE_TYPE_TX		1
enum {
	NETDEV_A_QSTATS_IFINDEX = 1,
	NETDEV_A_QSTATS_QUEUE_TYPE,
	NETDEV_A_QSTATS_QUEUE_ID,
	NETDEV_A_QSTATS_SCOPE,
	NETDEV_A_QSTATS_TX_PACKETS = 10,
	QSTATS_MAX = NETDEV_A_QSTATS_TX_PACKETS,
};

/* The family's counters are NLA_UINT: 4 bytes while they fit, else 8. */
static uint64_t get_uint(const struct nlattr *nla)
{
	if (nla_len(nla) == sizeof(uint32_t))
		return nla_get_u32(nla);
	return nla_get_u64(nla);
}

struct dump {
	int ifindex;
	int lines;
};

static int on_queue(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[QSTATS_MAX + 1];
	struct dump *dump = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, QSTATS_MAX, NULL))
		return NL_SKIP;
	if (!tb[NETDEV_A_QSTATS_IFINDEX] || !tb[NETDEV_A_QSTATS_QUEUE_TYPE] ||
	    !tb[NETDEV_A_QSTATS_QUEUE_ID] || !tb[NETDEV_A_QSTATS_TX_PACKETS])
		return NL_SKIP;
	/*
	 * The kernel filters by ifindex; a kernel that ignored it must not
	 * mix in another device's queues.
	 */
	if ((int)nla_get_u32(tb[NETDEV_A_QSTATS_IFINDEX]) != dump->ifindex ||
	    nla_get_u32(tb[NETDEV_A_QSTATS_QUEUE_TYPE]) != NETDEV_QUEUE_TYPE_TX)
		return NL_SKIP;
	printf("%u %" PRIu64 "\n", nla_get_u32(tb[NETDEV_A_QSTATS_QUEUE_ID]),
	       get_uint(tb[NETDEV_A_QSTATS_TX_PACKETS]));
	dump->lines++;
	return NL_OK;
}

int main(int argc, char **argv)
{
	struct dump dump = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;
	int family, err;

	if (argc != 2) {
		fprintf(stderr, "usage: qstats DEV\n");
		return 2;
	}
	dump.ifindex = if_nametoindex(argv[1]);
	if (!dump.ifindex) {
		fprintf(stderr, "qstats: %s: no such device\n", argv[1]);
		return 1;
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "qstats: cannot open a generic netlink socket\n");
		return 1;
	}
	family = genl_ctrl_resolve(sk, NETDEV_FAMILY_NAME);
	if (family < 0) {
		fprintf(stderr, "qstats: no netdev family in this kernel\n");
		return 1;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 NLM_F_DUMP, NETDEV_CMD_QSTATS_GET, 1) ||
	    nla_put_u32(msg, NETDEV_A_QSTATS_IFINDEX, dump.ifindex) ||
	    nla_put_u32(msg, NETDEV_A_QSTATS_SCOPE, NETDEV_QSTATS_SCOPE_QUEUE)) {
		fprintf(stderr, "qstats: cannot build the request\n");
		return 1;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_queue, &dump);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (err < 0) {
		/*
		 * No such command (before 6.9), or no per-queue statistics
		 * from this driver.
		 */
		fprintf(stderr, "qstats: %s: %s\n", argv[1], nl_geterror(err));
		return 1;
	}
	if (!dump.lines) {
		fprintf(stderr, "qstats: %s: no tx queue statistics\n", argv[1]);
		return 1;
	}
	return 0;
}
