/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_HOOK_H
#define _XPS_BPF_HOOK_H

struct net_device;
struct netlink_ext_ack;
struct xps_bpf_hook;

int xps_bpf_hooks_get(struct net_device *dev, struct xps_bpf_hook **ndo_hook,
		      struct netlink_ext_ack *extack);
void xps_bpf_hooks_put(struct xps_bpf_hook *ndo_hook);

#endif /* _XPS_BPF_HOOK_H */
