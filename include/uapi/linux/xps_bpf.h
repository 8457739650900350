/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	netlink/xps_bpf.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_XPS_BPF_H
#define _UAPI_LINUX_XPS_BPF_H

#define XPS_BPF_GENL_NAME	"xps_bpf"
#define XPS_BPF_GENL_VERSION	1

#define XPS_BPF_TAG_SIZE	8

/**
 * enum xps_bpf_flags - flags of XPS_BPF_A_FLAGS
 * @XPS_BPF_F_REPLACE: replace the program attached, if any (requests only)
 * @XPS_BPF_F_WRAP: tun's rule for the return: any return outside 0..n-1 picks
 *   the queue of its low 16 bits modulo n, as TUNSETSTEERINGEBPF does, instead
 *   of leaving the choice to the kernel; it is still counted in
 *   XPS_BPF_STATS_OUT_OF_RANGE. A rule of the attachment: an attach or replace
 *   sets it as its request says, and replies and events report it
 */
enum xps_bpf_flags {
	XPS_BPF_F_REPLACE = 1,
	XPS_BPF_F_WRAP = 2,

	/* private: */
	XPS_BPF_F_MASK = 3,
};

/**
 * enum xps_bpf_event - what an XPS_BPF_CMD_EVENT announces
 * @XPS_BPF_EVENT_UNSPEC: unused
 * @XPS_BPF_EVENT_ATTACH: a program was attached to a device without one
 * @XPS_BPF_EVENT_REPLACE: the program of a device was replaced
 * @XPS_BPF_EVENT_DETACH: the program of a device was detached
 */
enum xps_bpf_event {
	XPS_BPF_EVENT_UNSPEC,
	XPS_BPF_EVENT_ATTACH,
	XPS_BPF_EVENT_REPLACE,
	XPS_BPF_EVENT_DETACH,
};

/**
 * enum xps_bpf_reason - why an event happened
 * @XPS_BPF_REASON_UNSPEC: unused
 * @XPS_BPF_REASON_USER: a netlink request
 * @XPS_BPF_REASON_DEVICE_GONE: the device was unregistered or left the netns
 * @XPS_BPF_REASON_NETNS_GONE: the device's network namespace is exiting; sent
 *   to that namespace, where no listener can remain by then (a listener's
 *   socket would keep it alive), so it is seldom received
 * @XPS_BPF_REASON_UNLOAD: the module is being unloaded
 */
enum xps_bpf_reason {
	XPS_BPF_REASON_UNSPEC,
	XPS_BPF_REASON_USER,
	XPS_BPF_REASON_DEVICE_GONE,
	XPS_BPF_REASON_NETNS_GONE,
	XPS_BPF_REASON_UNLOAD,
};

/**
 * enum xps_bpf_path - where the program runs, chosen from the driver's
 *   ndo_select_queue() when attaching (xps-bpf(7), Drivers)
 * @XPS_BPF_PATH_UNSPEC: unused
 * @XPS_BPF_PATH_PICK_TX: in netdev_pick_tx(), where XPS runs: the device has
 *   no ndo_select_queue(), or one that calls netdev_pick_tx() and adjusts its
 *   result
 * @XPS_BPF_PATH_REPLACE: in place of the driver's ndo_select_queue(), which
 *   only picks a queue; a fallback calls it
 * @XPS_BPF_PATH_AFTER: after the driver's ndo_select_queue(), which keeps
 *   state of its own (bonding, team): it runs for every packet, and a queue
 *   the program returns replaces its choice
 */
enum xps_bpf_path {
	XPS_BPF_PATH_UNSPEC,
	XPS_BPF_PATH_PICK_TX,
	XPS_BPF_PATH_REPLACE,
	XPS_BPF_PATH_AFTER,
};

enum xps_bpf_attr {
	XPS_BPF_A_UNSPEC,
	XPS_BPF_A_IFINDEX,
	XPS_BPF_A_IFNAME,
	XPS_BPF_A_PROG_FD,
	XPS_BPF_A_FLAGS,
	XPS_BPF_A_EXPECTED_PROG_ID,
	XPS_BPF_A_PROG_ID,
	XPS_BPF_A_PROG_NAME,
	XPS_BPF_A_PROG_TAG,
	XPS_BPF_A_TX_QUEUES,
	XPS_BPF_A_STATS,
	XPS_BPF_A_EVENT,
	XPS_BPF_A_REASON,
	XPS_BPF_A_OLD_PROG_ID,
	XPS_BPF_A_PAD,
	XPS_BPF_A_PATH,

	__XPS_BPF_A_LAST,
	XPS_BPF_A_MAX = (__XPS_BPF_A_LAST - 1)
};

enum xps_bpf_stats_attr {
	XPS_BPF_STATS_UNSPEC,
	XPS_BPF_STATS_RUNS,
	XPS_BPF_STATS_STEERED,
	XPS_BPF_STATS_FALLBACK,
	XPS_BPF_STATS_OUT_OF_RANGE,
	XPS_BPF_STATS_QUEUES,
	XPS_BPF_STATS_PAD,

	__XPS_BPF_STATS_LAST,
	XPS_BPF_STATS_MAX = (__XPS_BPF_STATS_LAST - 1)
};

enum xps_bpf_queue_attr {
	XPS_BPF_QUEUE_UNSPEC,
	XPS_BPF_QUEUE,
	XPS_BPF_QUEUE_INDEX,
	XPS_BPF_QUEUE_PACKETS,
	XPS_BPF_QUEUE_PAD,

	__XPS_BPF_QUEUE_LAST,
	XPS_BPF_QUEUE_MAX = (__XPS_BPF_QUEUE_LAST - 1)
};

enum xps_bpf_cmd {
	XPS_BPF_CMD_UNSPEC,
	XPS_BPF_CMD_ATTACH,
	XPS_BPF_CMD_DETACH,
	XPS_BPF_CMD_GET,
	XPS_BPF_CMD_EVENT,

	__XPS_BPF_CMD_MAX,
	XPS_BPF_CMD_MAX = (__XPS_BPF_CMD_MAX - 1)
};

#define XPS_BPF_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_XPS_BPF_H */
