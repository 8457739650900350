/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small layer over libnl-genl for the xps_bpf family: connect, resolve the
 * family, send a request and wait for its ACK (with the kernel's extended ACK
 * message), and run dumps that are retried when the kernel reports them
 * interrupted. Every function reports its own errors through err_print(),
 * so callers only propagate the return value.
 */
#ifndef XPSCTL_GENL_H
#define XPSCTL_GENL_H

#include <stdint.h>
#include <netlink/msg.h>

struct nl_sock;

struct xps_genl {
	struct nl_sock *sk;
	int family;
};

/*
 * Handle one reply message; return 0 or a negative errno (already reported).
 * genl_receive() also takes a positive value, to stop after this message.
 */
typedef int (*genl_reply_fn)(struct nl_msg *msg, void *arg);
/* Forget what a dump gathered so far, before it is retried. */
typedef void (*genl_reset_fn)(void *arg);

int genl_open(struct xps_genl *g);
void genl_close(struct xps_genl *g);
struct nl_msg *genl_request(const struct xps_genl *g, uint8_t cmd, int flags);
int genl_transact(struct xps_genl *g, struct nl_msg *msg, genl_reply_fn fn,
		  void *arg);
int genl_dump(struct xps_genl *g, uint8_t cmd, uint32_t ifindex,
	      genl_reply_fn fn, genl_reset_fn reset, void *arg);

/*
 * Multicast: resolve the ids of the groups first (a notification arriving in
 * the middle of a lookup would be taken for its reply), then join them. A
 * socket that joined a group is non-blocking and for notifications only:
 * genl_receive() reads what is queued, calling @fn for each message, and
 * returns 0 at once when nothing is. @fn returns 0 to go on, or a negative
 * errno (reported) or a positive value to stop; genl_receive() returns it.
 */
int genl_group(struct xps_genl *g, const char *family, const char *group);
int genl_join(struct xps_genl *g, int group);
int genl_receive(struct xps_genl *g, genl_reply_fn fn, void *arg);

#endif /* XPSCTL_GENL_H */
