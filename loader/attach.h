/* SPDX-License-Identifier: GPL-2.0 */
/* The attach grammar and request, shared by attach and apply. */
#ifndef XPSCTL_ATTACH_H
#define XPSCTL_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "prog.h"

struct attach_args {
	const char *dev;
	struct prog_source src;
	bool replace;
	bool wrap;
	bool has_expect;
	uint32_t expect;
};

int attach_parse(int argc, char **argv, struct attach_args *a,
		 const char *verb, const char *stop_word, int *stopped_at);
int attach_send(const struct attach_args *a, uint32_t ifindex, int fd);

#endif /* XPSCTL_ATTACH_H */
