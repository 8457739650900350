// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl: attach, detach and show the BPF programs that pick the transmit
 * queue of network devices, through the xps_bpf generic netlink family.
 */
#include <stdio.h>
#include <string.h>

#include "out.h"
#include "prog.h"
#include "xpsctl.h"

#ifndef XPSCTL_VERSION
#error "XPSCTL_VERSION must come from dkms.conf through the Makefile"
#endif

struct xpsctl_opts opts;

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	void (*help)(void);
	const char *description;
} subcommands[] = {
	{ "attach", cmd_attach, help_attach,
	  "Attach a program that picks the tx queue of a device" },
	{ "detach", cmd_detach, help_detach,
	  "Detach the program of a device" },
	{ "show", cmd_show, help_show,
	  "Show attached programs and their counters" },
	{ "monitor", cmd_monitor, help_monitor,
	  "Print attach, replace and detach events as they happen" },
	{ "rss", cmd_rss, help_rss,
	  "Show or set the key and table of an attached rss program" },
	{ "apply", cmd_apply, help_apply,
	  "Attach the programs of /etc/xps-bpf/*.conf to their devices" },
	{ "help", NULL, NULL, "Show this help" },
};

#define NR_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void show_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Commands:\n", PROG_NAME);
	for (i = 0; i < NR_SUBCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].description);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -j, --json           JSON output (errors too)\n"
		"  -p, --pretty         pretty JSON output (implies -j)\n"
		"  -s, --stats          show counters\n"
		"  -n, --netns NETNS    act in network namespace NETNS (ip netns)\n"
		"  -v, --verbose        explain more, print libbpf's log\n"
		"  -h, --help           this help; '%s COMMAND help' for a command\n"
		"  -V, --version        print the version\n",
		PROG_NAME);
}

/*
 * Verbs may be abbreviated as long as the prefix names one of them. Several
 * matches: NULL, and *@ambiguous set.
 */
static const struct subcommand *find_subcommand(const char *name,
						bool *ambiguous)
{
	const struct subcommand *found = NULL;
	size_t len = strlen(name), i;

	*ambiguous = false;
	for (i = 0; i < NR_SUBCOMMANDS; i++) {
		if (!strcmp(name, subcommands[i].name))
			return &subcommands[i];
		if (len && !strncmp(name, subcommands[i].name, len)) {
			if (found)
				*ambiguous = true;
			found = &subcommands[i];
		}
	}
	return *ambiguous ? NULL : found;
}

/* "ambiguous command 'a': attach, apply", in the order of the table. */
static int ambiguous_command(const char *name)
{
	/* Room for every verb of the table, comma-separated. */
	char list[NR_SUBCOMMANDS * 10] = "";
	size_t len = strlen(name), i;

	for (i = 0; i < NR_SUBCOMMANDS; i++) {
		if (strncmp(name, subcommands[i].name, len))
			continue;
		if (*list)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, subcommands[i].name, sizeof(list) - strlen(list) - 1);
	}
	return usage_error("ambiguous command '%s': %s", name, list);
}

static bool is_opt(const char *arg, const char *s, const char *l)
{
	return !strcmp(arg, s) || !strcmp(arg, l);
}

int main(int argc, char **argv)
{
	const struct subcommand *cmd;
	enum out_mode mode = OUT_PLAIN;
	bool ambiguous;
	int ret, i;

	prog_setup_logging();

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--")) {
			i++;
			break;
		} else if (is_opt(o, "-j", "--json")) {
			if (mode == OUT_PLAIN)
				mode = OUT_JSON;
		} else if (is_opt(o, "-p", "--pretty")) {
			mode = OUT_JSON_PRETTY;
		} else if (is_opt(o, "-s", "--stats")) {
			opts.stats = true;
		} else if (is_opt(o, "-n", "--netns")) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				out_init(mode);
				return usage_error("%s needs a network namespace", o);
			}
			opts.netns = argv[++i];
		} else if (!strncmp(o, "--netns=", 8) && o[8]) {
			opts.netns = o + 8;
		} else if (is_opt(o, "-v", "--verbose")) {
			opts.verbose = true;
		} else if (is_opt(o, "-h", "--help")) {
			show_usage(stdout);
			return out_finish() ? EXIT_FAIL : EXIT_OK;
		} else if (is_opt(o, "-V", "--version")) {
			printf("%s %s\n", PROG_NAME, XPSCTL_VERSION);
			return out_finish() ? EXIT_FAIL : EXIT_OK;
		} else {
			out_init(mode);
			return usage_error("unknown option '%s'", o);
		}
	}
	out_init(mode);

	if (i >= argc) {
		show_usage(stderr);
		return usage_error("missing command");
	}
	cmd = find_subcommand(argv[i], &ambiguous);
	if (ambiguous)
		return ambiguous_command(argv[i]);
	if (!cmd)
		return usage_error("unknown command '%s'", argv[i]);
	if (!cmd->fn) {
		/* "xpsctl help attach" is "xpsctl attach help". */
		const struct subcommand *about =
			i + 1 < argc ? find_subcommand(argv[i + 1], &ambiguous) : NULL;

		if (about && about->help)
			about->help();
		else
			show_usage(stdout);
		return out_finish() ? EXIT_FAIL : EXIT_OK;
	}

	/*
	 * Into the netns before the verb opens a socket or resolves a device
	 * name; "COMMAND help" needs no netns, and must not fail for one.
	 */
	if (opts.netns && !(i + 1 < argc && is_help(argv[i + 1]))) {
		err_context(cmd->name, NULL);
		if (netns_switch(opts.netns))
			return EXIT_FAIL;
		err_context(NULL, NULL);
	}

	ret = cmd->fn(argc - i - 1, argv + i + 1);
	if (out_finish() && ret == EXIT_OK)
		ret = EXIT_FAIL;
	return ret;
}
