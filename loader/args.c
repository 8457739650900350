// SPDX-License-Identifier: GPL-2.0
/* Argument helpers shared by the verbs: keywords, numbers, devices. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "out.h"
#include "xpsctl.h"

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

/**
 * match_keyword() - find @arg in a NULL-terminated keyword list
 * @arg: what the user typed
 * @keywords: the keywords valid at this point of the grammar
 *
 * A keyword may be abbreviated to any prefix that no other keyword of the
 * list shares, as in iproute2; an exact match always wins so that a keyword
 * which is the prefix of another ("pin", "pinned") stays usable.
 *
 * Return: the keyword's index, -1 if none matches, -2 if ambiguous.
 */
int match_keyword(const char *arg, const char *const keywords[])
{
	size_t len = strlen(arg);
	int found = -1;
	int i;

	if (!len)
		return -1;
	for (i = 0; keywords[i]; i++) {
		if (!strcmp(arg, keywords[i]))
			return i;
		if (!strncmp(arg, keywords[i], len))
			found = found == -1 ? i : -2;
	}
	return found;
}

/* Strict: no sign, no trailing garbage, no silent wrap above UINT32_MAX. */
int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/*
 * Names are resolved in the caller's network namespace, the same one the
 * kernel uses for the request, so the index means the same device there.
 */
int resolve_dev(const char *name, uint32_t *ifindex)
{
	unsigned int idx;

	if (strlen(name) >= IF_NAMESIZE) {
		err_print("device name too long");
		return -ENAMETOOLONG;
	}
	idx = if_nametoindex(name);
	if (!idx) {
		int err = errno;

		err_print("%s", strerror(err));
		return -err;
	}
	*ifindex = idx;
	return 0;
}
