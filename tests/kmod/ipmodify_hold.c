// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a livepatch of netdev_pick_tx(): an ftrace user that owns
 * the right to modify the function's instruction pointer. Only one such
 * user may own a function, so xps_bpf must fail to attach while this module
 * is loaded, and say why.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/netdevice.h>

static void notrace hold_ftrace(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
}

/*
 * The flags livepatch takes: every register only where ftrace does not
 * pass the arguments (arm64 has no SAVE_REGS at all, and refuses it).
 */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define HOLD_FTRACE_REGS 0
#else
#define HOLD_FTRACE_REGS FTRACE_OPS_FL_SAVE_REGS
#endif

static struct ftrace_ops hold_ops = {
	.func = hold_ftrace,
	.flags = HOLD_FTRACE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

static int __init hold_init(void)
{
	int err = ftrace_set_filter_ip(&hold_ops, (unsigned long)netdev_pick_tx, 0, 0);

	if (err)
		return err;
	err = register_ftrace_function(&hold_ops);
	if (err)
		ftrace_free_filter(&hold_ops);
	return err;
}

static void __exit hold_exit(void)
{
	unregister_ftrace_function(&hold_ops);
	ftrace_free_filter(&hold_ops);
}

module_init(hold_init);
module_exit(hold_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xps_bpf test: hold netdev_pick_tx like a livepatch would");
