/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels xps_bpf builds for, in one place,
 * chosen by kernel version.
 */
#ifndef _XPS_BPF_COMPAT_H
#define _XPS_BPF_COMPAT_H

#include <linux/ftrace.h>
#include <linux/version.h>
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
 * @msg, and @fmt in the kernel log. Both branches use every argument (the
 * size of @msg is checked where it is not sent).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define xps_bpf_err_fmt(extack, fmt, msg, arg) do {	\
	BUILD_BUG_ON(sizeof(msg) > 256);		\
	NL_SET_ERR_MSG_FMT_MOD(extack, fmt, arg);	\
} while (0)
#else
#define xps_bpf_err_fmt(extack, fmt, msg, arg) do {	\
	NL_SET_ERR_MSG_MOD(extack, msg);		\
	pr_notice(fmt "\n", arg);			\
} while (0)
#endif

#endif /* _XPS_BPF_COMPAT_H */
