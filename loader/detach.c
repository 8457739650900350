// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl detach: give the device back to the kernel's own queue selection.
 *
 *   detach DEV [expect ID]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

#include "genl.h"
#include "out.h"
#include "xpsctl.h"

void help_detach(void)
{
	fprintf(stdout,
		"Usage: %s detach DEV [expect ID]\n"
		"\n"
		"Detach the program of DEV; the kernel picks its queues again.\n"
		"\n"
		"  dev DEV     the keyword is optional\n"
		"  expect ID   detach only if program ID is the one attached\n",
		PROG_NAME);
}

static const char *const detach_keywords[] = { "expect", NULL };

int cmd_detach(int argc, char **argv)
{
	bool has_expect = false;
	struct xps_genl g;
	struct nl_msg *msg;
	uint32_t ifindex, expect = 0;
	const char *dev;
	int i = 0, ret;

	if (argc > 0 && is_help(argv[0])) {
		help_detach();
		return EXIT_OK;
	}
	err_context("detach", NULL);
	if (i < argc && !strcmp(argv[i], "dev"))
		i++;
	if (i >= argc)
		return usage_error("missing device");
	dev = argv[i++];
	err_context("detach", dev);
	while (i < argc) {
		const char *word = argv[i++];

		if (match_keyword(word, detach_keywords) < 0)
			return usage_error("unknown argument '%s'", word);
		if (i >= argc)
			return usage_error("expect needs a program id");
		if (parse_u32(argv[i], &expect))
			return usage_error("invalid program id '%s'", argv[i]);
		has_expect = true;
		i++;
	}

	if (resolve_dev(dev, &ifindex))
		return EXIT_FAIL;
	if (genl_open(&g))
		return EXIT_FAIL;
	msg = genl_request(&g, XPS_BPF_CMD_DETACH, 0);
	if (!msg || nla_put_u32(msg, XPS_BPF_A_IFINDEX, ifindex) ||
	    (has_expect &&
	     nla_put_u32(msg, XPS_BPF_A_EXPECTED_PROG_ID, expect))) {
		nlmsg_free(msg);
		genl_close(&g);
		err_print("%s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	ret = genl_transact(&g, msg, NULL, NULL);
	genl_close(&g);
	if (ret)
		return EXIT_FAIL;

	/* JSON readers get a document even for a command that prints nothing. */
	out_obj_begin(NULL);
	out_json_u64("ifindex", ifindex);
	out_json_str("ifname", dev);
	out_obj_end();
	return EXIT_OK;
}
