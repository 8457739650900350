/* SPDX-License-Identifier: GPL-2.0 */
/* Where the program to attach comes from, and getting a file descriptor to it. */
#ifndef XPSCTL_PROG_H
#define XPSCTL_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;

enum prog_kind {
	PROG_FROM_OBJECT,
	PROG_FROM_PINNED,
	PROG_FROM_ID,
};

struct prog_source {
	enum prog_kind kind;
	const char *path;	/* object file or pinned program */
	uint32_t id;
	const char *section;	/* object only: pick the program by section */
	const char *name;	/* object only: pick the program by name */
	const char *pin_dir;	/* object only: pin the object's maps there */
};

struct prog_handle {
	struct bpf_object *obj;
	/* Owned by obj when loaded from an object, by us otherwise. */
	int fd;
	/* Set once maps are pinned, so that a failed attach can unpin them. */
	const char *pinned_in;
	/*
	 * The pin directory, and its parents from this length of its path
	 * on, did not exist before: remove them with the pins. 0: none.
	 */
	size_t created_from;
};

int prog_acquire(const struct prog_source *src, struct prog_handle *h);
int prog_pin_maps(struct prog_handle *h, const char *path, const char *dir);
void prog_release(struct prog_handle *h, bool keep_pins);
void prog_setup_logging(void);

#endif /* XPSCTL_PROG_H */
