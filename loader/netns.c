// SPDX-License-Identifier: GPL-2.0
/*
 * -n NETNS: run in a network namespace that `ip netns add` created, as
 * `ip -n` does.
 *
 * The switch happens before any socket is opened: a netlink socket, and the
 * socket if_nametoindex() uses, belong to the netns of the thread that
 * creates them, and the kernel answers for that netns only. Unlike
 * `ip netns exec`, the mount namespace is left alone: xpsctl reads nothing
 * from sysfs, and bpffs paths (pin, pinned) stay the caller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "xpsctl.h"

/*
 * Where iproute2 keeps the names: /run/netns in Debian's build, upstream's
 * default /var/run/netns in others (the same directory where /var/run is a
 * link to /run).
 */
static const char *const netns_dirs[] = { "/run/netns", "/var/run/netns" };

static int open_netns(const char *name)
{
	char path[PATH_MAX];
	size_t i;

	/* A path (/proc/PID/ns/net) is taken as it is. */
	if (strchr(name, '/'))
		return open(name, O_RDONLY | O_CLOEXEC);
	for (i = 0; i < sizeof(netns_dirs) / sizeof(netns_dirs[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", netns_dirs[i], name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			return fd;
	}
	errno = ENOENT;
	return -1;
}

/**
 * netns_switch() - move the calling thread into a network namespace
 * @name: a name `ip netns list` shows, or a path to a netns file
 *
 * Return: 0, or a negative errno (reported).
 */
int netns_switch(const char *name)
{
	int fd, err;

	fd = open_netns(name);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT && !strchr(name, '/'))
			err_print("no network namespace '%s' (ip netns list)",
				  name);
		else
			err_print("cannot open network namespace '%s': %s",
				  name, strerror(err));
		return -err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		if (err == EINVAL)
			err_print("'%s' is not a network namespace", name);
		else
			err_print("cannot enter network namespace '%s': %s",
				  name, strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}
