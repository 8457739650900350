/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * xps_bpf: choose the transmit queue of a network device with a BPF program.
 *
 * Generic netlink family "xps_bpf", version 1. Attachments are per device,
 * within the device's network namespace; every request acts on the netns of
 * the requesting socket.
 * Requests have genlmsghdr.reserved 0, and nlmsg_flags of NLM_F_REQUEST,
 * NLM_F_ACK, NLM_F_ECHO and NLM_F_DUMP (both of its bits) only; any other
 * header is refused with EINVAL.
 *
 * XPS_BPF_CMD_ATTACH (requires CAP_NET_ADMIN over the netns)
 *	XPS_BPF_A_IFINDEX		u32, required
 *	XPS_BPF_A_PROG_FD		s32, required: a BPF_PROG_TYPE_SOCKET_FILTER
 *	XPS_BPF_A_FLAGS			u32, optional: XPS_BPF_F_*
 *	XPS_BPF_A_EXPECTED_PROG_ID	u32, optional: the id of the program that
 *					must be attached now (0: none); implies
 *					XPS_BPF_F_REPLACE. Makes replace atomic.
 *   Fails with EEXIST when a program is attached and XPS_BPF_F_REPLACE is
 *   not set, or when XPS_BPF_A_EXPECTED_PROG_ID does not match.
 *
 * XPS_BPF_CMD_DETACH (requires CAP_NET_ADMIN over the netns)
 *	XPS_BPF_A_IFINDEX		u32, required
 *	XPS_BPF_A_EXPECTED_PROG_ID	u32, optional: detach only this program
 *   Fails with ENOENT when nothing is attached, EEXIST on a mismatch.
 *
 * XPS_BPF_CMD_GET
 *   doit: XPS_BPF_A_IFINDEX (required) selects one device. The reply
 *   describes the device; the program attributes are present only when a
 *   program is attached.
 *   dumpit: no attribute; one message per device of the caller's netns that
 *   has a program attached.
 *   Reply:
 *	XPS_BPF_A_IFINDEX		u32
 *	XPS_BPF_A_IFNAME		string
 *	XPS_BPF_A_TX_QUEUES		u32: the device's real tx queue count
 *	XPS_BPF_A_PROG_ID		u32
 *	XPS_BPF_A_PROG_NAME		string (may be empty)
 *	XPS_BPF_A_PROG_TAG		binary, XPS_BPF_TAG_SIZE bytes
 *	XPS_BPF_A_STATS			nested, enum xps_bpf_stats_attr:
 *	    XPS_BPF_STATS_RUNS		u64: program runs
 *	    XPS_BPF_STATS_STEERED	u64: runs that returned 0..n-1
 *	    XPS_BPF_STATS_FALLBACK	u64: runs that returned < 0
 *	    XPS_BPF_STATS_OUT_OF_RANGE	u64: runs that returned >= n
 *	    XPS_BPF_STATS_QUEUES	nested, one XPS_BPF_QUEUE nest per queue
 *					that carried packets:
 *		XPS_BPF_QUEUE_INDEX	u32
 *		XPS_BPF_QUEUE_PACKETS	u64: packets sent to that queue,
 *					steered or by the kernel's fallback
 *   Counters live as long as the attachment; a replace keeps them.
 *
 * XPS_BPF_CMD_EVENT (multicast group XPS_BPF_MCGRP_EVENTS, never a request)
 *	XPS_BPF_A_EVENT			u32: enum xps_bpf_event
 *	XPS_BPF_A_REASON		u32: enum xps_bpf_reason
 *	XPS_BPF_A_IFINDEX, XPS_BPF_A_IFNAME
 *	XPS_BPF_A_PROG_ID		u32: the program attached (attach,
 *					replace) or detached (detach)
 *	XPS_BPF_A_OLD_PROG_ID		u32: replace only, the program replaced
 *
 * Program contract: see progs/xps_bpf.h. The program runs once per packet
 * when the kernel picks the packet's tx queue, with cb[0] holding the
 * device's real tx queue count n. A return of 0..n-1 is the queue; a
 * negative return, or one >= n, leaves the choice to the kernel.
 */
#ifndef _UAPI_LINUX_XPS_BPF_H
#define _UAPI_LINUX_XPS_BPF_H

#define XPS_BPF_GENL_NAME	"xps_bpf"
#define XPS_BPF_GENL_VERSION	1
#define XPS_BPF_MCGRP_EVENTS	"events"

#define XPS_BPF_TAG_SIZE	8

/**
 * enum xps_bpf_cmd - commands of the xps_bpf family
 * @XPS_BPF_CMD_UNSPEC: unused
 * @XPS_BPF_CMD_ATTACH: attach or replace the program of a device
 * @XPS_BPF_CMD_DETACH: detach the program of a device
 * @XPS_BPF_CMD_GET: describe one device (doit) or every attachment (dumpit)
 * @XPS_BPF_CMD_EVENT: notification of an attach, replace or detach
 * @__XPS_BPF_CMD_MAX: internal
 * @XPS_BPF_CMD_MAX: highest command number
 */
enum xps_bpf_cmd {
	XPS_BPF_CMD_UNSPEC,
	XPS_BPF_CMD_ATTACH,
	XPS_BPF_CMD_DETACH,
	XPS_BPF_CMD_GET,
	XPS_BPF_CMD_EVENT,

	__XPS_BPF_CMD_MAX,
	XPS_BPF_CMD_MAX = __XPS_BPF_CMD_MAX - 1
};

/**
 * enum xps_bpf_flags - flags of XPS_BPF_A_FLAGS
 * @XPS_BPF_F_REPLACE: replace the program attached, if any
 * @XPS_BPF_F_ALL: every flag this version knows
 */
enum xps_bpf_flags {
	XPS_BPF_F_REPLACE = 1U << 0,

	XPS_BPF_F_ALL = XPS_BPF_F_REPLACE
};

/**
 * enum xps_bpf_attr - top-level attributes
 * @XPS_BPF_A_UNSPEC: unused
 * @XPS_BPF_A_IFINDEX: u32, device index in the caller's netns
 * @XPS_BPF_A_IFNAME: string, device name (replies and events)
 * @XPS_BPF_A_PROG_FD: s32, program file descriptor (attach)
 * @XPS_BPF_A_FLAGS: u32, enum xps_bpf_flags (attach)
 * @XPS_BPF_A_EXPECTED_PROG_ID: u32, program id expected attached now, 0: none
 * @XPS_BPF_A_PROG_ID: u32, id of the attached program
 * @XPS_BPF_A_PROG_NAME: string, name of the attached program
 * @XPS_BPF_A_PROG_TAG: binary, tag of the attached program
 * @XPS_BPF_A_TX_QUEUES: u32, real tx queue count of the device
 * @XPS_BPF_A_STATS: nested, enum xps_bpf_stats_attr
 * @XPS_BPF_A_EVENT: u32, enum xps_bpf_event
 * @XPS_BPF_A_REASON: u32, enum xps_bpf_reason
 * @XPS_BPF_A_OLD_PROG_ID: u32, the program a replace removed
 * @XPS_BPF_A_PAD: padding for 64-bit attributes
 * @__XPS_BPF_A_LAST: internal
 * @XPS_BPF_A_MAX: highest attribute number
 */
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

	__XPS_BPF_A_LAST,
	XPS_BPF_A_MAX = __XPS_BPF_A_LAST - 1
};

/**
 * enum xps_bpf_stats_attr - attributes nested in XPS_BPF_A_STATS
 * @XPS_BPF_STATS_UNSPEC: unused
 * @XPS_BPF_STATS_RUNS: u64, program runs
 * @XPS_BPF_STATS_STEERED: u64, runs that chose a queue
 * @XPS_BPF_STATS_FALLBACK: u64, runs that returned a negative value
 * @XPS_BPF_STATS_OUT_OF_RANGE: u64, runs that returned a queue >= n
 * @XPS_BPF_STATS_QUEUES: nested, XPS_BPF_QUEUE entries
 * @XPS_BPF_STATS_PAD: padding for 64-bit attributes
 * @__XPS_BPF_STATS_LAST: internal
 * @XPS_BPF_STATS_MAX: highest attribute number
 */
enum xps_bpf_stats_attr {
	XPS_BPF_STATS_UNSPEC,
	XPS_BPF_STATS_RUNS,
	XPS_BPF_STATS_STEERED,
	XPS_BPF_STATS_FALLBACK,
	XPS_BPF_STATS_OUT_OF_RANGE,
	XPS_BPF_STATS_QUEUES,
	XPS_BPF_STATS_PAD,

	__XPS_BPF_STATS_LAST,
	XPS_BPF_STATS_MAX = __XPS_BPF_STATS_LAST - 1
};

/**
 * enum xps_bpf_queue_attr - attributes of one XPS_BPF_QUEUE nest
 * @XPS_BPF_QUEUE_UNSPEC: unused
 * @XPS_BPF_QUEUE: nested, the entry itself (in XPS_BPF_STATS_QUEUES)
 * @XPS_BPF_QUEUE_INDEX: u32, queue number
 * @XPS_BPF_QUEUE_PACKETS: u64, packets sent to that queue
 * @XPS_BPF_QUEUE_PAD: padding for 64-bit attributes
 * @__XPS_BPF_QUEUE_LAST: internal
 * @XPS_BPF_QUEUE_MAX: highest attribute number
 */
enum xps_bpf_queue_attr {
	XPS_BPF_QUEUE_UNSPEC,
	XPS_BPF_QUEUE,
	XPS_BPF_QUEUE_INDEX,
	XPS_BPF_QUEUE_PACKETS,
	XPS_BPF_QUEUE_PAD,

	__XPS_BPF_QUEUE_LAST,
	XPS_BPF_QUEUE_MAX = __XPS_BPF_QUEUE_LAST - 1
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
 * @XPS_BPF_REASON_NETNS_GONE: the device's network namespace is exiting;
 *	sent to that namespace, where no listener can remain by then (a
 *	listener's socket would keep it alive), so it is seldom received
 * @XPS_BPF_REASON_UNLOAD: the module is being unloaded
 */
enum xps_bpf_reason {
	XPS_BPF_REASON_UNSPEC,
	XPS_BPF_REASON_USER,
	XPS_BPF_REASON_DEVICE_GONE,
	XPS_BPF_REASON_NETNS_GONE,
	XPS_BPF_REASON_UNLOAD,
};

#endif /* _UAPI_LINUX_XPS_BPF_H */
