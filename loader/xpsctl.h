/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XPSCTL_H
#define XPSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include <uapi/linux/xps_bpf.h>

#define PROG_NAME "xpsctl"

/* Exit codes, as iproute2 and bpftool scripts expect them. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* Global options, set once by main() before a verb runs. */
struct xpsctl_opts {
	bool verbose;
	bool stats;
	const char *netns;
};
extern struct xpsctl_opts opts;

/* Verbs: each takes the arguments after its own name, returns an exit code. */
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_rss(int argc, char **argv);
int cmd_apply(int argc, char **argv);
void help_attach(void);
void help_detach(void);
void help_show(void);
void help_monitor(void);
void help_rss(void);
void help_apply(void);

/* args.c */
bool is_help(const char *arg);
int match_keyword(const char *arg, const char *const keywords[]);
int parse_u32(const char *s, uint32_t *out);
int resolve_dev(const char *name, uint32_t *ifindex);

/* netns.c */
int netns_switch(const char *name);

/* One device as the kernel describes it (XPS_BPF_CMD_GET reply). */
struct xps_queue_stat {
	uint32_t queue;
	uint64_t packets;
};

struct xps_dev {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	bool has_tx_queues;
	uint32_t tx_queues;
	bool has_prog;
	uint32_t prog_id;
	char prog_name[64];
	bool has_tag;
	uint8_t prog_tag[XPS_BPF_TAG_SIZE];
	uint32_t path;		/* enum xps_bpf_path, 0: not reported */
	bool wrap;		/* XPS_BPF_F_WRAP: tun's rule for the return */
	bool has_stats;
	uint64_t runs;
	uint64_t steered;
	uint64_t fallback;
	uint64_t out_of_range;
	struct xps_queue_stat *queues;
	size_t nr_queues;
};

void dev_print(const struct xps_dev *dev, bool stats);
void dev_free(struct xps_dev *dev);
int dev_get(const char *name, struct xps_dev *dev);

/* rss.c: the rss settings of a configuration line, for apply. */
struct rss_req;
int rss_parse(int argc, char **argv, struct rss_req **out);
void rss_req_free(struct rss_req *r);
int rss_setup(const struct xps_dev *d, int prog_fd, const struct rss_req *r,
	      bool dry_run);

#endif /* XPSCTL_H */
