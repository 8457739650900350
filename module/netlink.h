/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_NETLINK_H
#define _XPS_BPF_NETLINK_H

#include <linux/types.h>

struct xps_bpf_attachment;

int xps_bpf_netlink_init(void);
void xps_bpf_netlink_fini(void);
void xps_bpf_notify(const struct xps_bpf_attachment *att, u32 event,
		    u32 reason, u32 old_prog_id);

#endif /* _XPS_BPF_NETLINK_H */
