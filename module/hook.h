/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_HOOK_H
#define _XPS_BPF_HOOK_H

#include "drivers.h"

struct netlink_ext_ack;
struct xps_bpf_hook;

struct xps_bpf_hook *xps_bpf_hook_get(xps_bpf_select_t select,
				      unsigned int path,
				      struct netlink_ext_ack *extack);
void xps_bpf_hook_put(struct xps_bpf_hook *hook);
int xps_bpf_hooks_init(void);
void xps_bpf_hooks_fini(void);

#endif /* _XPS_BPF_HOOK_H */
