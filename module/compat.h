/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels xps_bpf builds for, in one place,
 * chosen by kernel version.
 */
#ifndef _XPS_BPF_COMPAT_H
#define _XPS_BPF_COMPAT_H

#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ftrace.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

/* 6.2 renamed ftrace_instruction_pointer_set(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline void xps_bpf_set_ip(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_instruction_pointer_set(fregs, ip);
}
#else
static inline void xps_bpf_set_ip(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_regs_set_instruction_pointer(fregs, ip);
}
#endif

/*
 * Where ftrace passes a function's arguments (x86-64 since 5.11, so both
 * kernels here), its light trampoline honours a changed instruction
 * pointer, as livepatch relies on; only elsewhere must the hook ask for
 * every register, a heavier save on each call.
 */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define XPS_BPF_FTRACE_REGS 0
#else
#define XPS_BPF_FTRACE_REGS FTRACE_OPS_FL_SAVE_REGS
#endif

/*
 * An error message with an argument, @fmt, from 6.2; before, the static
 * @msg, and @fmt in the kernel log (not rate-limited: the message promises
 * the line, and only the initial namespace's administrator gets there).
 * A formatted message holds 80 characters: @fmt must leave room for its
 * argument, which it bounds.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define xps_bpf_err_fmt(extack, fmt, msg, arg) do {	\
	BUILD_BUG_ON(sizeof(msg) > NETLINK_MAX_FMTMSG_LEN * 2);	\
	NL_SET_ERR_MSG_FMT_MOD(extack, fmt, arg);	\
} while (0)
#else
#define xps_bpf_err_fmt(extack, fmt, msg, arg) do {	\
	NL_SET_ERR_MSG_MOD(extack, msg);		\
	pr_notice(fmt "\n", arg);			\
} while (0)
#endif

/*
 * The first argument of the function ftrace stopped in: struct ftrace_regs
 * has accessors from 6.12 on (it is opaque from 6.13); before, on x86-64,
 * it holds the registers.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
static inline unsigned long xps_bpf_arg0(struct ftrace_regs *fregs)
{
	return ftrace_regs_get_argument(fregs, 0);
}
#else
static inline unsigned long xps_bpf_arg0(struct ftrace_regs *fregs)
{
	return regs_get_kernel_argument(&fregs->regs, 0);
}
#endif

/* The attributes of a dump's request: from 6.2, in a struct genl_info. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline struct nlattr **xps_bpf_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#else
static inline struct nlattr **xps_bpf_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}
#endif

/*
 * Whether @net is exiting: its last reference is gone, and its devices are
 * being unregistered or moved back to the initial netns.
 */
static inline bool xps_bpf_net_dying(const struct net *net)
{
	return !check_net(net);
}

/*
 * Kfuncs for socket filters: the verifier lets a socket-filter program
 * call kfuncs, a module's too, from 6.4 on (BTF_KFUNC_HOOK_SOCKET_FILTER,
 * added with skb dynptrs; 6.3 has no such hook). Before, kfunc.c builds
 * but registers nothing.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define XPS_BPF_KFUNC_HOOK true
#define __xps_bpf_kfunc __bpf_kfunc
#else
#define XPS_BPF_KFUNC_HOOK false
#define __xps_bpf_kfunc noinline
#endif

/*
 * A set of kfuncs says so from 6.9 on (BTF_SET8_KFUNCS), and
 * register_btf_kfunc_id_set() refuses a set that does not.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define XPS_BPF_KFUNCS_START(name) BTF_KFUNCS_START(name)
#define XPS_BPF_KFUNCS_END(name) BTF_KFUNCS_END(name)
#else
#define XPS_BPF_KFUNCS_START(name) BTF_SET8_START(name)
#define XPS_BPF_KFUNCS_END(name) BTF_SET8_END(name)
#endif

#endif /* _XPS_BPF_COMPAT_H */
