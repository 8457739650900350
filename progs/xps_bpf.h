/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The contract between xps_bpf and a steering program.
 *
 * - The program is a BPF_PROG_TYPE_SOCKET_FILTER program; its section name
 *   does not matter (xpsctl sets the type).
 * - It runs once per packet, when the device picks the packet's transmit
 *   queue, and sees the outgoing skb (skb->data at the link-layer header).
 * - skb->cb[0] holds n, the number of queues it may choose from, and
 *   skb->cb[1] the first of them, f: the device's real tx queues (f = 0),
 *   or, on a device with traffic classes (mqprio, taprio, DCB), the queues
 *   of the packet's class (its skb->priority's), as XPS sees them.
 * - It returns the queue: r in 0..n-1 is queue f + r (queue r without
 *   traffic classes); a negative value (XPS_BPF_FALLBACK) lets the kernel
 *   choose as if no program were attached (XPS, then the flow hash); a value
 *   >= n also lets the kernel choose, and is counted as out of range. An
 *   attachment made with "wrap" takes any value outside 0..n-1 as tun's
 *   TUNSETSTEERINGEBPF does instead: its low 16 bits modulo n (counted as
 *   out of range too), so there is no fallback then.
 * - Where the driver has rules of its own (reserved queues, DCB ranges...),
 *   they still apply to the queue chosen (xps-bpf(7), Drivers).
 * - Where only one queue is left to choose from, the program is not run.
 * - From Linux 6.4 on, the program may call the kfuncs below, which xps_bpf
 *   offers: the kernel's default queue, the state of each queue, the
 *   packet's socket. A program that calls none is a plain socket filter as
 *   before; one that calls any loads only where xps_bpf.ko is loaded, on
 *   6.4 or later.
 *
 * Below the contract: small always-inline helpers to read a packet's headers.
 * They read with bpf_skb_load_bytes_relative() only, relative to the network
 * header (or to the MAC header for in-band VLAN tags), so that they see the
 * same bytes at transmit time (skb->data at the link-layer header) and under
 * BPF_PROG_TEST_RUN (skb->data at the network header). Only the linear part
 * of the skb is readable this way, which at transmit holds every header.
 */
#ifndef __XPS_BPF_PROG_H
#define __XPS_BPF_PROG_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Any negative return: the kernel chooses the queue. */
#define XPS_BPF_FALLBACK (-1)

/* n: the number of queues the program chooses from. */
static __always_inline __u32 xps_bpf_num_queues(const struct __sk_buff *skb)
{
	return skb->cb[0];
}

/* f: the device queue that a return of 0 means (0 without traffic classes). */
static __always_inline __u32 xps_bpf_first_queue(const struct __sk_buff *skb)
{
	return skb->cb[1];
}

/* A 32-bit hash scaled to 0..n-1 without a division (0 when n is 0). */
static __always_inline __u32 xps_bpf_scale(__u32 hash, __u32 n)
{
	return (__u32)(((__u64)hash * n) >> 32);
}

/* --- kfuncs: what the program may ask the kernel (Linux 6.4+) ---------- */

/*
 * xps_bpf.ko offers these to socket-filter programs from Linux 6.4 on (the
 * first kernel that lets a socket filter call kfuncs). A program that
 * calls one loads only while the module is loaded, and holds the module
 * while it exists; xpsctl says why when it cannot load. They answer only
 * while xps_bpf runs the program to choose a queue: anywhere else (a
 * socket filter on a socket, BPF_PROG_TEST_RUN) they return -EINVAL, and
 * so they do in a program reached by a tail call or an extension (freplace)
 * unless the attached program itself calls a kfunc of a module.
 *
 * Queues are numbered as the program's return value is: q in 0..n-1 is
 * the device's queue f + q.
 */

/*
 * The queue the kernel would give the packet if the program fell back:
 * q in 0..n-1. For most devices (xpsctl show: path pick-tx) that is
 * netdev_pick_tx(): the socket's cached queue, unless the packet may move
 * (ooo_okay), else XPS, else the flow hash; for tun/tap (path replace) the
 * driver's own choice; for bonding and team (path after) the queue the
 * driver chose. Computed once per packet. Like the kernel's own choice, it
 * records the queue in a connected socket (xps_bpf_get_sock_info() then
 * reads it there), whatever queue the program then returns.
 * -ERANGE: the kernel's queue is not one of the program's (another traffic
 * class's); -ELOOP: called by a program the driver's selection runs (tun's
 * steering program) while the default is being computed; -EINVAL: not in
 * a queue selection by xps_bpf.
 */
extern int xps_bpf_get_default_queue(struct __sk_buff *ctx) __ksym;

#define XPS_BPF_QUEUE_STOPPED	0x1	/* stopped: by the driver, or by BQL */
#define XPS_BPF_QUEUE_QDISC	0x2	/* packets wait in a qdisc (not noqueue) */

/* The state of one queue, a snapshot read without locks. 24 bytes. */
struct xps_bpf_queue_info {
	__u32 flags;		/* XPS_BPF_QUEUE_* */
	__u32 dev_queue;	/* the device's queue number, f + q */
	__u32 bql_inflight;	/* bytes given to the driver, not completed
				 * (BQL); 0 where the driver keeps no count */
	__u32 bql_limit;	/* BQL's limit for them */
	__u32 qdisc_backlog;	/* bytes waiting in the queue's qdisc */
	__u32 qdisc_qlen;	/* packets waiting there */
};

/*
 * The state of queue q (0..n-1) into *info (info__sz: sizeof(*info);
 * more is zeroed). Its qdisc is the one its packets are enqueued to: the
 * queue's child of mq or mqprio, or the root qdisc all queues share; the
 * backlog is what `tc -s qdisc` shows for it. Returns 0; -ERANGE when q is
 * not below n; -EINVAL when info is NULL, info__sz is too small, or not
 * in a queue selection by xps_bpf.
 */
extern int xps_bpf_get_queue_info(struct __sk_buff *ctx, __u32 queue,
				  struct xps_bpf_queue_info *info,
				  __u32 info__sz) __ksym;

#define XPS_BPF_SOCK_LOCAL	0x1	/* the packet is a local socket's */
#define XPS_BPF_SOCK_OOO_OKAY	0x2	/* it may change queue: no reordering */

/* What the packet's socket tells. 16 bytes. */
struct xps_bpf_sock_info {
	__u64 cgroup_id;	/* the socket's cgroup v2 (the inode number of
				 * its cgroup2 directory); 0: no socket */
	__s32 tx_queue;		/* the queue the socket cached (q), or -1 */
	__u32 flags;		/* XPS_BPF_SOCK_* */
};

/*
 * The packet's socket into *info (info__sz: sizeof(*info)). OOO_OKAY is
 * the packet's skb->ooo_okay: TCP sets it when none of the socket's data
 * is in flight, so the packet cannot overtake an earlier one whatever
 * queue it takes; other protocols never set it. Returns 0, also without a
 * socket; -EINVAL when info is NULL, info__sz is too small, or not in a
 * queue selection by xps_bpf.
 */
extern int xps_bpf_get_sock_info(struct __sk_buff *ctx,
				 struct xps_bpf_sock_info *info,
				 __u32 info__sz) __ksym;

_Static_assert(sizeof(struct xps_bpf_queue_info) == 24, "kfunc ABI");
_Static_assert(sizeof(struct xps_bpf_sock_info) == 16, "kfunc ABI");

/* --- L2 ------------------------------------------------------------------ */

#define XPS_BPF_MAX_VLAN_TAGS 2 /* in-band tags skipped: 802.1ad + 802.1Q */

static __always_inline int xps_bpf_is_vlan(__u16 ethertype)
{
	return ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD;
}

/*
 * The packet's outermost VLAN TCI (PCP, DEI, VID; host order), or -1 when
 * untagged: the offloaded tag (skb->vlan_present) first, else an in-band
 * 802.1Q/802.1ad header right after the Ethernet header.
 */
static __always_inline int xps_bpf_vlan_tci(const struct __sk_buff *skb)
{
	__be16 tci;

	if (skb->vlan_present)
		return skb->vlan_tci & 0xffff;
	if (!xps_bpf_is_vlan(bpf_ntohs(skb->protocol)))
		return -1;
	if (bpf_skb_load_bytes_relative(skb, ETH_HLEN, &tci, sizeof(tci),
					BPF_HDR_START_MAC))
		return -1;
	return bpf_ntohs(tci);
}

/* Where the network header is, for xps_bpf_load_l3(). */
struct xps_bpf_l3 {
	__u32 start;	/* BPF_HDR_START_NET or BPF_HDR_START_MAC */
	__u32 off;	/* offset of the network header from start */
	__u16 proto;	/* its ethertype, host order (ETH_P_IP, ETH_P_IPV6...) */
};

/*
 * Find the network header: normally at the skb's network header, with
 * skb->protocol. With in-band VLAN tags (skb->protocol 802.1Q/802.1ad, e.g.
 * a frame written whole to an AF_PACKET socket) the network header field
 * may point at the tag or past it depending on the kernel, so walk the tags
 * from the MAC header instead. Returns 0, or -1 when the tags cannot be read
 * or nest deeper than XPS_BPF_MAX_VLAN_TAGS.
 */
static __always_inline int xps_bpf_find_l3(const struct __sk_buff *skb,
					   struct xps_bpf_l3 *l3)
{
	__u16 proto = bpf_ntohs(skb->protocol);
	__u32 off = ETH_HLEN;
	__be16 hdr[2];	/* TCI, encapsulated ethertype */
	int i;

	l3->start = BPF_HDR_START_NET;
	l3->off = 0;
	l3->proto = proto;
	if (!xps_bpf_is_vlan(proto))
		return 0;
#pragma unroll
	for (i = 0; i < XPS_BPF_MAX_VLAN_TAGS; i++) {
		if (bpf_skb_load_bytes_relative(skb, off, hdr, sizeof(hdr),
						BPF_HDR_START_MAC))
			return -1;
		off += sizeof(hdr);
		proto = bpf_ntohs(hdr[1]);
		if (!xps_bpf_is_vlan(proto)) {
			l3->start = BPF_HDR_START_MAC;
			l3->off = off;
			l3->proto = proto;
			return 0;
		}
	}
	return -1;
}

/* --- L3 / L4 ------------------------------------------------------------- */

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define XPS_BPF_FLOW_PORTS 0x1	/* sport and dport are valid */
#define XPS_BPF_FLOW_FRAG  0x2	/* an IP fragment: ports are not read */

#define XPS_BPF_MAX_EXT_HDRS 4	/* IPv6 extension headers skipped */

/*
 * A packet's flow, every field in network byte order as on the wire.
 * 40 bytes, no implicit padding: hash it as 10 words.
 */
struct xps_bpf_flow {
	__be32 saddr[4];	/* IPv4: saddr[0], saddr[1..3] are 0 */
	__be32 daddr[4];
	__be16 sport;		/* TCP, UDP, UDP-Lite, SCTP; else 0 */
	__be16 dport;
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 l4proto;		/* IPPROTO_*, after IPv6 extension headers */
	__u8 flags;		/* XPS_BPF_FLOW_* */
	__u8 pad;		/* 0 */
};

static __always_inline int xps_bpf_has_ports(__u8 l4proto)
{
	return l4proto == IPPROTO_TCP || l4proto == IPPROTO_UDP ||
	       l4proto == IPPROTO_UDPLITE || l4proto == IPPROTO_SCTP;
}

/* Ports at off (from l3->start), when the protocol has them. */
static __always_inline void xps_bpf_read_ports(const struct __sk_buff *skb,
					       const struct xps_bpf_l3 *l3,
					       __u32 off,
					       struct xps_bpf_flow *flow)
{
	if (!xps_bpf_has_ports(flow->l4proto))
		return;
	if (bpf_skb_load_bytes_relative(skb, off, &flow->sport, 4, l3->start))
		return;	/* truncated: an address-only flow */
	flow->flags |= XPS_BPF_FLOW_PORTS;
}

static __always_inline int xps_bpf_parse_ipv4(const struct __sk_buff *skb,
					      const struct xps_bpf_l3 *l3,
					      struct xps_bpf_flow *flow)
{
	struct iphdr iph;

	if (bpf_skb_load_bytes_relative(skb, l3->off, &iph, sizeof(iph),
					l3->start))
		return -1;
	if (iph.version != 4 || iph.ihl < 5)
		return -1;
	flow->family = AF_INET;
	flow->l4proto = iph.protocol;
	flow->saddr[0] = iph.saddr;
	flow->daddr[0] = iph.daddr;
	/* Every fragment of a datagram, the first too, hashes alike. */
	if (iph.frag_off & bpf_htons(0x3fff)) {	/* MF or an offset */
		flow->flags |= XPS_BPF_FLOW_FRAG;
		return 0;
	}
	xps_bpf_read_ports(skb, l3, l3->off + iph.ihl * 4, flow);
	return 0;
}

static __always_inline int xps_bpf_parse_ipv6(const struct __sk_buff *skb,
					      const struct xps_bpf_l3 *l3,
					      struct xps_bpf_flow *flow)
{
	struct ipv6hdr ip6;
	__u32 off = l3->off + sizeof(ip6);
	__u8 nexthdr;
	__u8 ext[4];	/* next header, length, and (fragment) offset/flags */
	int i;

	if (bpf_skb_load_bytes_relative(skb, l3->off, &ip6, sizeof(ip6),
					l3->start))
		return -1;
	if (ip6.version != 6)
		return -1;
	flow->family = AF_INET6;
	__builtin_memcpy(flow->saddr, &ip6.saddr, 16);
	__builtin_memcpy(flow->daddr, &ip6.daddr, 16);
	nexthdr = ip6.nexthdr;
#pragma unroll
	for (i = 0; i < XPS_BPF_MAX_EXT_HDRS; i++) {
		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT &&
		    nexthdr != IPPROTO_AH)
			break;
		if (bpf_skb_load_bytes_relative(skb, off, ext, sizeof(ext),
						l3->start))
			return -1;
		if (nexthdr == IPPROTO_FRAGMENT) {
			flow->l4proto = ext[0];
			/* an offset or the M flag: no ports in most fragments */
			if ((ext[2] << 8 | ext[3]) & 0xfff9) {
				flow->flags |= XPS_BPF_FLOW_FRAG;
				return 0;
			}
			off += 8;
		} else if (nexthdr == IPPROTO_AH) {
			off += (ext[1] + 2) * 4;
		} else {
			off += (ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
	}
	flow->l4proto = nexthdr;
	xps_bpf_read_ports(skb, l3, off, flow);
	return 0;
}

/*
 * Fill *flow from an IPv4 or IPv6 packet, VLAN-tagged (offloaded or in-band)
 * or not. Returns 0, or -1 for anything else (ARP, ...) or a packet too short
 * for its IP header. Ports are read for TCP, UDP, UDP-Lite and SCTP, not for
 * fragments (XPS_BPF_FLOW_FRAG) nor past XPS_BPF_MAX_EXT_HDRS IPv6 extension
 * headers.
 */
static __always_inline int xps_bpf_parse_flow(const struct __sk_buff *skb,
					      struct xps_bpf_flow *flow)
{
	struct xps_bpf_l3 l3;

	__builtin_memset(flow, 0, sizeof(*flow));
	if (xps_bpf_find_l3(skb, &l3))
		return -1;
	if (l3.proto == ETH_P_IP)
		return xps_bpf_parse_ipv4(skb, &l3, flow);
	if (l3.proto == ETH_P_IPV6)
		return xps_bpf_parse_ipv6(skb, &l3, flow);
	return -1;
}

/* --- hashing ------------------------------------------------------------- */

static __always_inline __u32 xps_bpf_rol32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/*
 * A 32-bit hash of the whole flow (MurmurHash3's mixing): the same flow
 * always gives the same hash, on any CPU, in any kernel.
 */
static __always_inline __u32 xps_bpf_flow_hash(const struct xps_bpf_flow *flow,
					       __u32 seed)
{
	const __u32 *w = (const __u32 *)flow;
	__u32 h = seed, k;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*flow) / 4); i++) {
		k = w[i] * 0xcc9e2d51;
		k = xps_bpf_rol32(k, 15) * 0x1b873593;
		h = xps_bpf_rol32(h ^ k, 13) * 5 + 0xe6546b64;
	}
	h ^= sizeof(*flow);
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* --- queue sets ------------------------------------------------------------ */

/* The queues 0..min(n, 64)-1 as a mask: bit q for queue q. */
static __always_inline __u64 xps_bpf_queue_mask(__u32 n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static __always_inline __u32 xps_bpf_popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* The queue of the k-th bit set in mask (k from 0), or -1. */
static __always_inline int xps_bpf_nth_queue(__u64 mask, __u32 k)
{
	int i;

	for (i = 0; i < 64; i++) {
		if (mask & (1ULL << i)) {
			if (!k)
				return i;
			k--;
		}
	}
	return -1;
}

#endif /* __XPS_BPF_PROG_H */
