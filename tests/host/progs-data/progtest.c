// SPDX-License-Identifier: GPL-2.0
/*
 * progtest: the programs of progs/ under BPF_PROG_TEST_RUN, on the host, no
 * module needed. Each object is opened with libbpf, its program made a
 * BPF_PROG_TYPE_SOCKET_FILTER (as xpsctl does) and loaded; its maps are
 * filled through their fds; it runs on crafted Ethernet frames with
 * ctx_in = struct __sk_buff { cb[0] = n, priority, mark }.
 *
 * usage: progtest PROGS_DIR TEST_PROGS_DIR
 *   PROGS_DIR       the built programs of progs/ (NAME.bpf.o)
 *   TEST_PROGS_DIR  toeplitz_test.bpf.o and parse_test.bpf.o
 *
 * Prints one line per case (ok - / not ok - / ok - ... # SKIP), "# " lines
 * of diagnostics; exits 1 when a case failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rss.h"

static int failures;

static void result(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", pass ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass)
		failures++;
	fflush(stdout);
}

static void skip(const char *desc, const char *reason)
{
	printf("ok - %s # SKIP %s\n", desc, reason);
}

/* --- objects ------------------------------------------------------------ */

struct prog {
	const char *name;
	struct bpf_object *obj;
	int fd;
};

static char vlog[1 << 20];

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	printf("# libbpf: ");
	return vprintf(fmt, ap);
}

/* The verifier's statistics line ("processed N insns ..."), for the log. */
static void show_stats(const char *name)
{
	const char *p = strstr(vlog, "processed ");
	int len;

	if (!p)
		return;
	len = (int)strcspn(p, "\n");
	printf("# %s: %.*s\n", name, len, p);
}

static bool load(const char *dir, const char *name, struct prog *p)
{
	char path[4096];
	struct bpf_program *bp;
	int err;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->fd = -1;
	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir, name);
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		printf("# %s: cannot open: %s\n", path, strerror(errno));
		return false;
	}
	bp = bpf_object__next_program(p->obj, NULL);
	if (!bp || bpf_object__next_program(p->obj, bp)) {
		printf("# %s: not exactly one program\n", path);
		return false;
	}
	bpf_program__set_type(bp, BPF_PROG_TYPE_SOCKET_FILTER);
	vlog[0] = 0;
	bpf_program__set_log_buf(bp, vlog, sizeof(vlog));
	bpf_program__set_log_level(bp, 4);	/* statistics only */
	err = bpf_object__load(p->obj);
	if (err) {
		/* once more with the whole log, to show why */
		printf("# %s: load failed: %s\n", path, strerror(-err));
		bpf_object__close(p->obj);
		p->obj = bpf_object__open_file(path, NULL);
		if (p->obj) {
			bp = bpf_object__next_program(p->obj, NULL);
			bpf_program__set_type(bp, BPF_PROG_TYPE_SOCKET_FILTER);
			vlog[0] = 0;
			bpf_program__set_log_buf(bp, vlog, sizeof(vlog));
			bpf_program__set_log_level(bp, 1);
			if (bpf_object__load(p->obj)) {
				size_t len = strlen(vlog);
				const char *tail = len > 3000 ? vlog + len - 3000 : vlog;
				char *line, *save = NULL;
				char *copy = strdup(tail);

				for (line = strtok_r(copy, "\n", &save); line;
				     line = strtok_r(NULL, "\n", &save))
					printf("#   %s\n", line);
				free(copy);
			}
			bpf_object__close(p->obj);
		}
		p->obj = NULL;
		return false;
	}
	show_stats(name);
	printf("# %s: %zu instructions\n", name, bpf_program__insn_cnt(bp));
	p->fd = bpf_program__fd(bp);
	return true;
}

static int map_fd(const struct prog *p, const char *map)
{
	int fd = bpf_object__find_map_fd_by_name(p->obj, map);

	if (fd < 0) {
		printf("# %s: no map %s\n", p->name, map);
		exit(1);
	}
	return fd;
}

static void map_set(const struct prog *p, const char *map, __u32 key,
		    const void *value)
{
	if (bpf_map_update_elem(map_fd(p, map), &key, value, BPF_ANY)) {
		printf("# %s: update %s[%u]: %s\n", p->name, map, key,
		       strerror(errno));
		exit(1);
	}
}

static void map_set_s32(const struct prog *p, const char *map, __u32 key,
			__s32 value)
{
	map_set(p, map, key, &value);
}

static void map_del(const struct prog *p, const char *map, __u32 key)
{
	bpf_map_delete_elem(map_fd(p, map), &key);
}

/* --- packets ------------------------------------------------------------ */

struct pkt {
	unsigned char b[256];
	size_t len;
};

static void put(struct pkt *p, const void *data, size_t len)
{
	if (p->len + len > sizeof(p->b)) {
		printf("# packet too long\n");
		exit(1);
	}
	memcpy(p->b + p->len, data, len);
	p->len += len;
}

static void put8(struct pkt *p, unsigned int v)
{
	unsigned char c = v;

	put(p, &c, 1);
}

static void put16(struct pkt *p, unsigned int v)
{
	put8(p, v >> 8);
	put8(p, v);
}

static void put_zero(struct pkt *p, size_t len)
{
	while (len--)
		put8(p, 0);
}

enum { FRAG_NONE, FRAG_FIRST, FRAG_LATER };

struct flow {
	bool v6;
	int proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP... */
	const char *src, *dst;
	unsigned int sport, dport;
	int vlan;		/* 0: untagged; else the in-band 802.1Q TCI */
	int outer_vlan;		/* 0: none; else an 802.1ad tag before it */
	int frag;		/* FRAG_* */
	bool ext;		/* IPv6: a destination options header first */
};

static void put_eth(struct pkt *p, const struct flow *f, unsigned int type)
{
	static const unsigned char dst[6] = { 2, 0, 0, 0, 0, 2 };
	static const unsigned char src[6] = { 2, 0, 0, 0, 0, 1 };

	p->len = 0;
	put(p, dst, 6);
	put(p, src, 6);
	if (f->outer_vlan) {
		put16(p, ETH_P_8021AD);
		put16(p, f->outer_vlan);
	}
	if (f->vlan) {
		put16(p, ETH_P_8021Q);
		put16(p, f->vlan);
	}
	put16(p, type);
}

static void put_addr(struct pkt *p, int family, const char *text)
{
	unsigned char a[16];

	if (inet_pton(family, text, a) != 1) {
		printf("# bad address %s\n", text);
		exit(1);
	}
	put(p, a, family == AF_INET ? 4 : 16);
}

static void put_l4(struct pkt *p, const struct flow *f)
{
	if (f->proto == IPPROTO_TCP) {
		put16(p, f->sport);
		put16(p, f->dport);
		put_zero(p, 8);		/* seq, ack */
		put16(p, 0x5010);	/* doff 5, ACK */
		put16(p, 512);
		put_zero(p, 4);
	} else if (f->proto == IPPROTO_UDP) {
		put16(p, f->sport);
		put16(p, f->dport);
		put16(p, 8 + 16);
		put16(p, 0);
	} else {
		put16(p, 0x0800);	/* ICMP echo request */
		put_zero(p, 6);
	}
	put_zero(p, 16);		/* payload */
}

static void build(struct pkt *p, const struct flow *f)
{
	size_t l3;

	put_eth(p, f, f->v6 ? ETH_P_IPV6 : ETH_P_IP);
	l3 = p->len;
	if (!f->v6) {
		put8(p, 0x45);
		put8(p, 0);
		put16(p, 0);			/* total length, below */
		put16(p, 0x1234);
		put16(p, f->frag == FRAG_FIRST ? 0x2000 :
			 f->frag == FRAG_LATER ? 0x0003 : 0x4000);
		put8(p, 64);
		put8(p, f->proto);
		put16(p, 0);
		put_addr(p, AF_INET, f->src);
		put_addr(p, AF_INET, f->dst);
		put_l4(p, f);
		p->b[l3 + 2] = (p->len - l3) >> 8;
		p->b[l3 + 3] = p->len - l3;
		return;
	}
	put16(p, 0x6000);
	put16(p, 0);
	put16(p, 0);				/* payload length, below */
	put8(p, f->ext ? IPPROTO_DSTOPTS :
		f->frag ? IPPROTO_FRAGMENT : f->proto);
	put8(p, 64);
	put_addr(p, AF_INET6, f->src);
	put_addr(p, AF_INET6, f->dst);
	if (f->ext) {
		put8(p, f->frag ? IPPROTO_FRAGMENT : f->proto);
		put8(p, 0);			/* 8 bytes */
		put8(p, 1);			/* PadN */
		put8(p, 4);
		put_zero(p, 4);
	}
	if (f->frag) {
		put8(p, f->proto);
		put8(p, 0);
		put16(p, f->frag == FRAG_FIRST ? 0x0001 : 0x0008);
		put16(p, 0);
		put16(p, 0x1234);
	}
	if (f->frag != FRAG_LATER)
		put_l4(p, f);
	else
		put_zero(p, 24);
	p->b[l3 + 4] = (p->len - l3 - 40) >> 8;
	p->b[l3 + 5] = p->len - l3 - 40;
}

static void build_arp(struct pkt *p, int vlan)
{
	struct flow f = { .vlan = vlan };

	put_eth(p, &f, ETH_P_ARP);
	put16(p, 1);			/* Ethernet */
	put16(p, ETH_P_IP);
	put8(p, 6);
	put8(p, 4);
	put16(p, 1);			/* request */
	put_zero(p, 6);
	put_addr(p, AF_INET, "192.0.2.1");
	put_zero(p, 6);
	put_addr(p, AF_INET, "192.0.2.2");
}

/* --- running ------------------------------------------------------------ */

struct ctx {
	__u32 n;
	__u32 priority, mark;
	__u32 cb1;		/* cb[1] in */
	__u32 cb_out[5];	/* cb[] out */
};

/* Run once; returns the program's return value as an int, or exits. */
static int run_ctx(const struct prog *p, const struct pkt *pkt, struct ctx *c)
{
	struct __sk_buff in, out;
	int err;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.cb[0] = c->n;
	in.cb[1] = c->cb1;
	in.priority = c->priority;
	in.mark = c->mark;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = pkt->b,
		    .data_size_in = (__u32)pkt->len,
		    .ctx_in = &in,
		    .ctx_size_in = sizeof(in),
		    .ctx_out = &out,
		    .ctx_size_out = sizeof(out),
		    .repeat = 1);
	err = bpf_prog_test_run_opts(p->fd, &opts);
	if (err) {
		printf("# %s: BPF_PROG_TEST_RUN: %s\n", p->name,
		       strerror(errno));
		exit(1);
	}
	memcpy(c->cb_out, out.cb, sizeof(c->cb_out));
	return (int)opts.retval;
}

static int run(const struct prog *p, const struct pkt *pkt, __u32 n)
{
	struct ctx c = { .n = n };

	return run_ctx(p, pkt, &c);
}

static int run_flow(const struct prog *p, const struct flow *f, __u32 n)
{
	struct pkt pkt;

	build(&pkt, f);
	return run(p, &pkt, n);
}

static bool pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* The i-th test flow: v4 or v6, TCP or UDP, distinct ports. */
static struct flow test_flow(int i, bool v6, int proto)
{
	struct flow f = {
		.v6 = v6, .proto = proto,
		.src = v6 ? "2001:db8::1" : "192.0.2.1",
		.dst = v6 ? "2001:db8::2" : "198.51.100.7",
		.sport = 10000 + 7 * i, .dport = 80 + (i % 3),
	};

	return f;
}

/* The packet kinds every program runs on. */
#define N_KINDS 10
static const char *const kind_name[N_KINDS] = {
	"IPv4 TCP", "IPv4 UDP", "IPv6 TCP", "IPv6 UDP", "VLAN IPv4 TCP",
	"VLAN IPv6 UDP", "QinQ IPv4 UDP", "IPv6 TCP after an extension header",
	"ARP", "VLAN ARP",
};

static void build_kind(struct pkt *pkt, int kind)
{
	struct flow f = test_flow(1, kind == 2 || kind == 3 || kind == 5 ||
				     kind == 7,
				  (kind == 1 || kind == 3 || kind == 5 ||
				   kind == 6) ? IPPROTO_UDP : IPPROTO_TCP);

	if (kind >= 4 && kind <= 6)
		f.vlan = 0x2005;
	if (kind == 6)
		f.outer_vlan = 0x0064;
	if (kind == 7)
		f.ext = true;
	if (kind == 8 || kind == 9)
		build_arp(pkt, kind == 9 ? 0x2005 : 0);
	else
		build(pkt, &f);
}

/*
 * Run p on every kind of packet with n queues; expect(kind) gives the
 * expected return, or -100 for "any queue in lo..hi".
 */
static void check_kinds(const struct prog *p, __u32 n, const char *what,
			int (*expect)(int kind), int lo, int hi)
{
	struct pkt pkt;
	int kind, got, want;

	for (kind = 0; kind < N_KINDS; kind++) {
		build_kind(&pkt, kind);
		got = run(p, &pkt, n);
		want = expect(kind);
		if (want == -100)
			result(got >= lo && got <= hi,
			       "%s: %s %s: queue %d in %d..%d", p->name,
			       what, kind_name[kind], got, lo, hi);
		else
			result(got == want, "%s: %s %s: %d (expected %d)",
			       p->name, what, kind_name[kind], got, want);
	}
}

static int is_arp(int kind)
{
	return kind == 8 || kind == 9;
}

static int want_2(int kind) { (void)kind; return 2; }
static int want_1(int kind) { (void)kind; return 1; }
static int want_3(int kind) { (void)kind; return 3; }
static int want_ip_any(int kind) { return is_arp(kind) ? -1 : -100; }
static int want_any(int kind) { (void)kind; return -100; }

/* --- the published RSS verification suite -------------------------------- */

static const __u8 ms_key[XPS_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct vector {
	bool v6;
	const char *src;
	unsigned int sport;
	const char *dst;
	unsigned int dport;
	__u32 ip, ip_ports;	/* hash without, with ports */
};

/* Microsoft, "Verifying the RSS Hash Calculation" (source = the packet's) */
static const struct vector vectors[] = {
	{ false, "66.9.149.187", 2794, "161.142.100.80", 1766,
	  0x323e8fc2, 0x51ccc178 },
	{ false, "199.92.111.2", 14230, "65.69.140.83", 4739,
	  0xd718262a, 0xc626b0ea },
	{ false, "24.19.198.95", 12898, "12.22.207.184", 38024,
	  0xd2d0a5de, 0x5c2b394a },
	{ false, "38.27.205.30", 48228, "209.142.163.6", 2217,
	  0x82989176, 0xafc7327f },
	{ false, "153.39.163.191", 44251, "202.188.127.2", 1303,
	  0x5d1809c5, 0x10e828a2 },
	{ true, "3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766,
	  0x2cc18cd5, 0x40207d3d },
	{ true, "3ffe:501:8::260:97ff:fe40:efab", 14230, "ff02::1", 4739,
	  0x0f0c461c, 0xdde51bbf },
	{ true, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251,
	  "fe80::200:f8ff:fe21:67cf", 38024, 0x4b61e985, 0x02d1feef },
};
#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

/* The Microsoft key with what xps_rss_derive() computes from it. */
static const struct xps_rss_key *ms_rss_key(void)
{
	static struct xps_rss_key key;

	memcpy(key.bytes, ms_key, sizeof(key.bytes));
	xps_rss_derive(&key);
	return &key;
}

static struct flow vector_flow(const struct vector *v, int proto)
{
	struct flow f = {
		.v6 = v->v6, .proto = proto, .src = v->src, .dst = v->dst,
		.sport = v->sport, .dport = v->dport,
	};

	return f;
}

/* The toeplitz_test hash of f under types; false when it did not hash. */
static bool test_hash(const struct prog *t, const struct flow *f,
		      __u32 types, __u32 *hash)
{
	struct ctx c = { .n = 4, .cb1 = types };
	struct pkt pkt;

	build(&pkt, f);
	run_ctx(t, &pkt, &c);
	*hash = c.cb_out[2];
	return c.cb_out[3] == 1;
}

static void check_hash(const struct prog *t, const struct flow *f,
		       __u32 types, __u32 want, const char *desc)
{
	__u32 hash = 0;
	bool hashed = test_hash(t, f, types, &hash);

	result(hashed && hash == want, "toeplitz: %s: 0x%08x (expected 0x%08x)",
	       desc, hashed ? hash : 0, want);
}

static void test_toeplitz(const struct prog *t)
{
	__u32 types_l3, types_tcp, types_udp, hash;
	unsigned int i;
	struct flow f;
	char desc[256];

	map_set(t, "test_key", 0, ms_rss_key());
	for (i = 0; i < N_VECTORS; i++) {
		const struct vector *v = &vectors[i];
		const char *fam = v->v6 ? "IPv6" : "IPv4";

		types_l3 = v->v6 ? XPS_RSS_HASH_IPV6 : XPS_RSS_HASH_IPV4;
		types_tcp = v->v6 ? XPS_RSS_HASH_TCPV6 : XPS_RSS_HASH_TCPV4;
		types_udp = v->v6 ? XPS_RSS_HASH_UDPV6 : XPS_RSS_HASH_UDPV4;

		f = vector_flow(v, IPPROTO_TCP);
		snprintf(desc, sizeof(desc), "%s %s -> %s, addresses only",
			 fam, v->src, v->dst);
		check_hash(t, &f, types_l3, v->ip, desc);
		snprintf(desc, sizeof(desc), "%s TCP %s:%u -> %s:%u", fam,
			 v->src, v->sport, v->dst, v->dport);
		check_hash(t, &f, types_tcp | types_l3, v->ip_ports, desc);

		f = vector_flow(v, IPPROTO_UDP);
		snprintf(desc, sizeof(desc), "%s UDP %s:%u -> %s:%u", fam,
			 v->src, v->sport, v->dst, v->dport);
		check_hash(t, &f, types_udp, v->ip_ports, desc);
		snprintf(desc, sizeof(desc),
			 "%s UDP, only TCP and IP types: addresses only", fam);
		check_hash(t, &f, types_tcp | types_l3, v->ip, desc);
		if (i == 0 || i == N_VECTORS - 1) {
			f = vector_flow(v, IPPROTO_TCP);
			f.vlan = 0x0123;
			snprintf(desc, sizeof(desc),
				 "%s TCP in an in-band 802.1Q tag", fam);
			check_hash(t, &f, XPS_RSS_HASH_ALL, v->ip_ports, desc);
		}
		if (v->v6 && i == N_VECTORS - 1) {
			f = vector_flow(v, IPPROTO_UDP);
			f.ext = true;
			check_hash(t, &f, XPS_RSS_HASH_ALL, v->ip_ports,
				   "IPv6 UDP after a destination options header");
			f.frag = FRAG_FIRST;
			check_hash(t, &f, XPS_RSS_HASH_ALL, v->ip,
				   "IPv6 first fragment: addresses only");
		}
		if (!v->v6 && i == 0) {
			f = vector_flow(v, IPPROTO_TCP);
			f.frag = FRAG_LATER;
			check_hash(t, &f, XPS_RSS_HASH_ALL, v->ip,
				   "IPv4 later fragment: addresses only");
		}
	}

	f = vector_flow(&vectors[0], IPPROTO_UDP);
	result(!test_hash(t, &f, XPS_RSS_HASH_TCPV4, &hash),
	       "toeplitz: IPv4 UDP with only TCPv4 selected: no hash");
	f = vector_flow(&vectors[5], IPPROTO_TCP);
	result(!test_hash(t, &f, XPS_RSS_HASH_IPV4 | XPS_RSS_HASH_TCPV4, &hash),
	       "toeplitz: IPv6 with only IPv4 types selected: no hash");
	{
		struct ctx c = { .n = 4, .cb1 = XPS_RSS_HASH_ALL };
		struct pkt pkt;

		build_arp(&pkt, 0);
		run_ctx(t, &pkt, &c);
		result(c.cb_out[3] == 0, "toeplitz: ARP: no hash");
	}
}

/* --- the header helpers --------------------------------------------------- */

struct parse_out {
	__s32 ret;
	__s32 vlan_tci;
	struct {
		__be32 saddr[4], daddr[4];
		__be16 sport, dport;
		__u8 family, l4proto, flags, pad;
	} flow;
};

static struct parse_out parse(const struct prog *p, const struct pkt *pkt)
{
	struct parse_out out;
	__u32 key = 0;

	memset(&out, 0xa5, sizeof(out));
	map_set(p, "parse_out", 0, &out);
	run(p, pkt, 4);
	if (bpf_map_lookup_elem(map_fd(p, "parse_out"), &key, &out)) {
		printf("# parse_out: %s\n", strerror(errno));
		exit(1);
	}
	return out;
}

static bool addr_is(const __be32 *a, bool v6, const char *text)
{
	unsigned char want[16] = { 0 };

	inet_pton(v6 ? AF_INET6 : AF_INET, text, want);
	return !memcmp(a, want, 16);
}

static void check_parse(const struct prog *p, const char *desc,
			const struct flow *f, int vlan_tci, int flags)
{
	struct parse_out o;
	struct pkt pkt;
	bool ports = flags & 1;
	bool good;

	build(&pkt, f);
	o = parse(p, &pkt);
	good = o.ret == 0 && o.vlan_tci == vlan_tci &&
	       o.flow.family == (f->v6 ? AF_INET6 : AF_INET) &&
	       o.flow.l4proto == f->proto && o.flow.flags == flags &&
	       o.flow.pad == 0 &&
	       addr_is(o.flow.saddr, f->v6, f->src) &&
	       addr_is(o.flow.daddr, f->v6, f->dst) &&
	       ntohs(o.flow.sport) == (ports ? f->sport : 0) &&
	       ntohs(o.flow.dport) == (ports ? f->dport : 0);
	if (!good)
		printf("# ret %d vlan %d family %u l4proto %u flags %u ports %u %u\n",
		       o.ret, o.vlan_tci, o.flow.family, o.flow.l4proto,
		       o.flow.flags, ntohs(o.flow.sport), ntohs(o.flow.dport));
	result(good, "xps_bpf_parse_flow: %s", desc);
}

static void test_parse(const struct prog *p)
{
	struct flow f;
	struct pkt pkt;
	struct parse_out o;

	f = test_flow(3, false, IPPROTO_TCP);
	check_parse(p, "IPv4 TCP", &f, -1, 1);
	f = test_flow(3, true, IPPROTO_UDP);
	check_parse(p, "IPv6 UDP", &f, -1, 1);
	f = test_flow(3, false, IPPROTO_UDP);
	f.vlan = 0x6007;
	check_parse(p, "802.1Q (PCP 3, VID 7) IPv4 UDP, the TCI", &f, 0x6007, 1);
	f = test_flow(3, true, IPPROTO_TCP);
	f.outer_vlan = 0x0064;
	f.vlan = 0x0005;
	check_parse(p, "802.1ad + 802.1Q IPv6 TCP, the outer TCI", &f, 0x0064, 1);
	f = test_flow(3, true, IPPROTO_TCP);
	f.ext = true;
	check_parse(p, "IPv6 destination options then TCP", &f, -1, 1);
	f.frag = FRAG_LATER;
	check_parse(p, "IPv6 later fragment: no ports", &f, -1, 2);
	f = test_flow(3, false, IPPROTO_UDP);
	f.frag = FRAG_FIRST;
	check_parse(p, "IPv4 first fragment: no ports", &f, -1, 2);
	f = test_flow(3, false, IPPROTO_ICMP);
	check_parse(p, "IPv4 ICMP: no ports", &f, -1, 0);

	build_arp(&pkt, 0);
	o = parse(p, &pkt);
	result(o.ret < 0 && o.vlan_tci == -1, "xps_bpf_parse_flow: ARP: %d",
	       o.ret);
	build_arp(&pkt, 0x0042);
	o = parse(p, &pkt);
	result(o.ret < 0 && o.vlan_tci == 0x42,
	       "xps_bpf_parse_flow: 802.1Q ARP: %d, TCI 0x%x", o.ret,
	       o.vlan_tci);
	/* An offloaded tag cannot be given to a test run on the kernels we
	 * know (ctx_in takes mark, priority, cb[], tstamp... not the VLAN
	 * fields): probe, test it where it works. */
	{
		struct __sk_buff in;
		__u32 key = 0;

		f = test_flow(3, false, IPPROTO_TCP);
		build(&pkt, &f);
		memset(&in, 0, sizeof(in));
		in.vlan_present = 1;
		in.vlan_tci = 0x2007;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.b,
			    .data_size_in = (__u32)pkt.len, .ctx_in = &in,
			    .ctx_size_in = sizeof(in), .repeat = 1);
		if (bpf_prog_test_run_opts(p->fd, &opts)) {
			char why[160];

			snprintf(why, sizeof(why),
				 "BPF_PROG_TEST_RUN refuses vlan_present/vlan_tci in ctx_in (%s); only a real transmit sets them",
				 strerror(errno));
			skip("xps_bpf_vlan_tci: offloaded tag (skb->vlan_present)",
			     why);
		} else {
			bpf_map_lookup_elem(map_fd(p, "parse_out"), &key, &o);
			result(o.vlan_tci == 0x2007 && o.ret == 0,
			       "xps_bpf_vlan_tci: offloaded tag: 0x%x", o.vlan_tci);
		}
	}

	/* test runs refuse untagged frames too short for their IP header */
	f = test_flow(3, false, IPPROTO_TCP);
	f.vlan = 0x0005;
	build(&pkt, &f);
	pkt.len = 18 + 12;	/* IPv4 header cut */
	o = parse(p, &pkt);
	result(o.ret < 0 && o.vlan_tci == 5,
	       "xps_bpf_parse_flow: 802.1Q, truncated IPv4 header: %d", o.ret);
	f.vlan = 0;
	build(&pkt, &f);
	pkt.len = 14 + 20 + 2;	/* TCP ports cut */
	o = parse(p, &pkt);
	result(o.ret == 0 && o.flow.flags == 0 && o.flow.l4proto == IPPROTO_TCP,
	       "xps_bpf_parse_flow: truncated TCP header: no ports (%d, flags %u)",
	       o.ret, o.flow.flags);
	build(&pkt, &f);
	pkt.b[14] = 0x65;	/* version 6 in an IPv4 ethertype */
	o = parse(p, &pkt);
	result(o.ret < 0, "xps_bpf_parse_flow: wrong IP version: %d", o.ret);
}

/* --- the programs ------------------------------------------------------- */

/* fixed_queue[0], as progs/fixed.bpf.c lays it out */
static void set_fixed(const struct prog *p, __s32 queue, __u32 enabled)
{
	struct { __s32 queue; __u32 enabled; } v = { queue, enabled };

	map_set(p, "fixed_queue", 0, &v);
}

static void test_fixed(const struct prog *p)
{
	struct flow f = test_flow(0, false, IPPROTO_TCP);

	result(run_flow(p, &f, 4) == -1, "fixed: the map's initial state: falls back");
	set_fixed(p, 2, 0);
	result(run_flow(p, &f, 4) == -1, "fixed: queue 2, enabled 0: falls back");
	set_fixed(p, 2, 1);
	check_kinds(p, 4, "queue 2, enabled,", want_2, 0, 0);
	set_fixed(p, -1, 1);
	result(run_flow(p, &f, 4) == -1, "fixed: queue -1: falls back");
	set_fixed(p, 9, 1);
	result(run_flow(p, &f, 4) == 9,
	       "fixed: queue 9 with 4 queues: returned as is (kernel counts it out of range)");
	set_fixed(p, 9, 0);
	result(run_flow(p, &f, 4) == -1, "fixed: enabled 0 again: falls back");
}

static void test_cpu(const struct prog *p)
{
	struct flow f = test_flow(0, false, IPPROTO_TCP);
	cpu_set_t orig;
	int cpu, tested = 0, good = 0, got;

	if (sched_getaffinity(0, sizeof(orig), &orig)) {
		skip("cpu: pinned runs", "sched_getaffinity failed");
		return;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && tested < 16; cpu++) {
		if (!CPU_ISSET(cpu, &orig))
			continue;
		map_set_s32(p, "cpu_queue", cpu, 100 + cpu);
	}
	for (cpu = 0; cpu < CPU_SETSIZE && tested < 16; cpu++) {
		if (!CPU_ISSET(cpu, &orig) || !pin_cpu(cpu))
			continue;
		tested++;
		got = run_flow(p, &f, 4);
		if (got == 100 + cpu)
			good++;
		else
			printf("# on CPU %d: %d, expected %d\n", cpu, got,
			       100 + cpu);
	}
	result(tested > 0 && good == tested,
	       "cpu: each of %d CPUs gets its own entry", tested);

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &orig) && pin_cpu(cpu))
			break;
	map_set_s32(p, "cpu_queue", cpu, 1);
	check_kinds(p, 4, "CPU's entry 1,", want_1, 0, 0);
	map_set_s32(p, "cpu_queue", cpu, -1);
	result(run_flow(p, &f, 4) == -1, "cpu: negative entry: falls back");
	map_del(p, "cpu_queue", cpu);
	result(run_flow(p, &f, 4) == -1, "cpu: no entry: falls back");
	sched_setaffinity(0, sizeof(orig), &orig);
}

/* Spread of 64 flows: bit q set when queue q was used; false if one fell out. */
static bool spread(const struct prog *p, bool v6, int proto, __u32 n,
		   __u64 *used, __u64 forbidden)
{
	bool good = true;
	int i, q;

	*used = 0;
	for (i = 0; i < 64; i++) {
		struct flow f = test_flow(i, v6, proto);

		q = run_flow(p, &f, n);
		if (q < 0 || (__u32)q >= n || (q < 64 && (forbidden >> q) & 1)) {
			printf("# flow %d: queue %d\n", i, q);
			good = false;
			continue;
		}
		if (q < 64)
			*used |= 1ULL << q;
	}
	return good;
}

static void test_flowhash(const struct prog *p)
{
	cpu_set_t orig;
	__u64 used;
	bool good, stable = true, same_cpu = true;
	int i, j, cpu, first = -1, q, q0;
	struct flow f;

	good = spread(p, false, IPPROTO_TCP, 4, &used, 0);
	result(good && used == 0xf,
	       "flowhash: 64 IPv4 TCP flows over 4 queues reach all 4 (mask 0x%llx)",
	       (unsigned long long)used);
	good = spread(p, true, IPPROTO_UDP, 4, &used, 0);
	result(good && used == 0xf,
	       "flowhash: 64 IPv6 UDP flows over 4 queues reach all 4 (mask 0x%llx)",
	       (unsigned long long)used);

	for (i = 0; i < 64; i++) {
		f = test_flow(i, i & 1, IPPROTO_TCP);
		q0 = run_flow(p, &f, 4);
		for (j = 0; j < 3; j++)
			if (run_flow(p, &f, 4) != q0)
				stable = false;
		f.vlan = 0x0005;
		if (run_flow(p, &f, 4) != q0)
			stable = false;
	}
	result(stable, "flowhash: a flow always gets the same queue, tagged or not");

	if (!sched_getaffinity(0, sizeof(orig), &orig)) {
		int cpus = 0;

		f = test_flow(5, false, IPPROTO_UDP);
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &orig) || !pin_cpu(cpu))
				continue;
			cpus++;
			q = run_flow(p, &f, 8);
			if (first < 0)
				first = q;
			else if (q != first)
				same_cpu = false;
		}
		sched_setaffinity(0, sizeof(orig), &orig);
		result(same_cpu, "flowhash: same queue from each of %d CPUs",
		       cpus);
	}

	f = test_flow(9, false, IPPROTO_UDP);
	f.frag = FRAG_FIRST;
	q0 = run_flow(p, &f, 8);
	f.frag = FRAG_LATER;
	q = run_flow(p, &f, 8);
	result(q0 == q && q >= 0 && q < 8,
	       "flowhash: both fragments of a datagram on one queue (%d, %d)",
	       q0, q);
	check_kinds(p, 4, "4 queues,", want_ip_any, 0, 3);
	f = test_flow(1, false, IPPROTO_TCP);
	result(run_flow(p, &f, 0) == -1, "flowhash: n = 0: falls back");
}

static void test_rss(const struct prog *p, const struct prog *t)
{
	struct xps_rss_config cfg = { 0 };
	__u32 i, hash, q;
	struct flow f = vector_flow(&vectors[0], IPPROTO_TCP);
	bool good;
	__u64 used;

	result(run_flow(p, &f, 4) == -1, "rss: unconfigured: falls back");
	map_set(p, "rss_key", 0, ms_rss_key());
	for (i = 0; i < XPS_RSS_INDIR_SIZE; i++)
		map_set(p, "rss_indir", i, &i);
	cfg.hash_types = XPS_RSS_HASH_ALL;
	map_set(p, "rss_config", 0, &cfg);
	result(run_flow(p, &f, 4) == -1, "rss: key, table, types but enabled 0: falls back");

	cfg.enabled = 1;
	map_set(p, "rss_config", 0, &cfg);
	for (i = 0; i < N_VECTORS; i++) {
		f = vector_flow(&vectors[i], i & 1 ? IPPROTO_UDP : IPPROTO_TCP);
		q = run_flow(p, &f, 128);
		result(q == vectors[i].ip_ports % 128,
		       "rss: table[i] = i: %s vector %u %s: queue %u = hash %% 128 (0x%08x)",
		       vectors[i].v6 ? "IPv6" : "IPv4", i,
		       i & 1 ? "UDP" : "TCP", q, vectors[i].ip_ports);
	}

	/* the whole hash, through the table, for flows the vectors lack */
	good = true;
	for (i = 0; i < 64; i++) {
		f = test_flow((int)i, i & 1, i & 2 ? IPPROTO_UDP : IPPROTO_TCP);
		if (!test_hash(t, &f, XPS_RSS_HASH_ALL, &hash) ||
		    (__u32)run_flow(p, &f, 128) != hash % 128)
			good = false;
	}
	result(good, "rss: 64 flows: queue = toeplitz_test hash %% 128");

	cfg.indir_size = 64;
	map_set(p, "rss_config", 0, &cfg);
	f = vector_flow(&vectors[1], IPPROTO_TCP);
	q = run_flow(p, &f, 128);
	result(q == vectors[1].ip_ports % 64,
	       "rss: indir_size 64: queue %u = hash %% 64", q);
	cfg.indir_size = 0;
	cfg.hash_types = XPS_RSS_HASH_IPV4;
	map_set(p, "rss_config", 0, &cfg);
	q = run_flow(p, &f, 128);
	result(q == vectors[1].ip % 128,
	       "rss: types IPv4 only, a TCP packet: addresses hashed (%u)", q);
	cfg.hash_types = XPS_RSS_HASH_TCPV4;
	map_set(p, "rss_config", 0, &cfg);
	f.proto = IPPROTO_ICMP;
	result(run_flow(p, &f, 128) == -1,
	       "rss: types TCPv4 only, an ICMP packet: falls back");

	/* ethtool -X weight 1 0 0 1: a table of 0s and 3s */
	cfg.hash_types = XPS_RSS_HASH_ALL;
	map_set(p, "rss_config", 0, &cfg);
	for (i = 0; i < XPS_RSS_INDIR_SIZE; i++) {
		q = i % 2 ? 3 : 0;
		map_set(p, "rss_indir", i, &q);
	}
	good = spread(p, false, IPPROTO_TCP, 4, &used, 0x6);
	result(good && used == 0x9,
	       "rss: table of 0s and 3s: 64 flows on queues 0 and 3 only (mask 0x%llx)",
	       (unsigned long long)used);
	good = spread(p, true, IPPROTO_UDP, 4, &used, 0x6);
	result(good && used == 0x9,
	       "rss: table of 0s and 3s: 64 IPv6 flows on queues 0 and 3 only (mask 0x%llx)",
	       (unsigned long long)used);

	for (i = 0; i < XPS_RSS_INDIR_SIZE; i++)
		map_set_s32(p, "rss_indir", i, (__s32)(i % 4));
	check_kinds(p, 4, "table i % 4,", want_ip_any, 0, 3);

	q = 200;
	for (i = 0; i < XPS_RSS_INDIR_SIZE; i++)
		map_set(p, "rss_indir", i, &q);
	f = test_flow(1, false, IPPROTO_TCP);
	result(run_flow(p, &f, 4) == 200,
	       "rss: a table queue >= n is returned as is (kernel counts it out of range)");
}

static void test_prio(const struct prog *p)
{
	struct flow f = test_flow(0, false, IPPROTO_TCP);
	struct ctx c = { .n = 4, .priority = 5 };
	struct __sk_buff in;
	struct pkt pkt;
	int err;

	build(&pkt, &f);
	/* Does this kernel's test run take priority and mark? */
	memset(&in, 0, sizeof(in));
	in.priority = 5;
	in.mark = 7;
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.b,
			    .data_size_in = (__u32)pkt.len, .ctx_in = &in,
			    .ctx_size_in = sizeof(in), .repeat = 1);
		err = bpf_prog_test_run_opts(p->fd, &opts);
	}
	if (err) {
		char why[128];

		snprintf(why, sizeof(why),
			 "BPF_PROG_TEST_RUN refuses priority/mark in ctx_in here (%s)",
			 strerror(errno));
		skip("prio: priority and mark mappings", why);
		return;
	}

	result(run_ctx(p, &pkt, &c) == -1, "prio: no entries: falls back");
	map_set_s32(p, "prio_queue", 5, 1);
	map_set_s32(p, "mark_queue", 7, 2);
	map_set_s32(p, "prio_queue", 0, 3);
	map_set_s32(p, "prio_queue", 6, -1);

	c.priority = 5;
	c.mark = 0;
	result(run_ctx(p, &pkt, &c) == 1, "prio: priority 5 -> 1");
	c.mark = 7;
	result(run_ctx(p, &pkt, &c) == 2, "prio: mark 7 -> 2, before priority 5's 1");
	c.mark = 9;
	result(run_ctx(p, &pkt, &c) == 1, "prio: mark 9 (no entry) -> priority 5's 1");
	c.priority = 4;
	result(run_ctx(p, &pkt, &c) == -1, "prio: neither has an entry: falls back");
	c.priority = 6;
	c.mark = 0;
	result(run_ctx(p, &pkt, &c) == -1, "prio: priority 6 -> -1: falls back");
	c.priority = 0;
	result(run_ctx(p, &pkt, &c) == 3, "prio: priority 0 -> 3");
	check_kinds(p, 4, "priority 0 -> 3,", want_3, 0, 0);
	map_del(p, "prio_queue", 0);
}

static void set_reserved(const struct prog *p, __u64 mask)
{
	map_set(p, "reserve_config", 0, &mask);
}

static void test_reserve(const struct prog *p)
{
	struct flow f = test_flow(0, false, IPPROTO_TCP);
	struct pkt pkt;
	__u64 used;
	bool good;
	int q, i;

	set_reserved(p, 0);
	good = spread(p, false, IPPROTO_TCP, 4, &used, 0);
	result(good && used == 0xf,
	       "reserve: nothing reserved: 64 flows reach all 4 queues (mask 0x%llx)",
	       (unsigned long long)used);
	set_reserved(p, 0x1);
	good = spread(p, false, IPPROTO_TCP, 4, &used, 0x1);
	result(good && used == 0xe,
	       "reserve: mask 0x1: 64 IPv4 flows never on 0, on all of 1..3 (mask 0x%llx)",
	       (unsigned long long)used);
	good = spread(p, true, IPPROTO_UDP, 4, &used, 0x1);
	result(good && used == 0xe,
	       "reserve: mask 0x1: 64 IPv6 flows never on 0, on all of 1..3 (mask 0x%llx)",
	       (unsigned long long)used);
	check_kinds(p, 4, "mask 0x1,", want_any, 1, 3);
	set_reserved(p, 0x5);
	good = spread(p, false, IPPROTO_UDP, 4, &used, 0x5);
	result(good && used == 0xa,
	       "reserve: mask 0x5: 64 flows on queues 1 and 3 only (mask 0x%llx)",
	       (unsigned long long)used);
	set_reserved(p, 0xf);
	result(run_flow(p, &f, 4) == -1, "reserve: all 4 reserved: falls back");
	build_arp(&pkt, 0);
	result(run(p, &pkt, 4) == -1, "reserve: all 4 reserved, ARP: falls back");
	set_reserved(p, 0xff0);
	good = spread(p, false, IPPROTO_TCP, 4, &used, 0);
	result(good && used == 0xf,
	       "reserve: bits >= n ignored (mask 0xff0, 4 queues: all 4 used)");
	set_reserved(p, ~0ULL);
	good = true;
	for (i = 0; i < 64; i++) {
		f = test_flow(i, false, IPPROTO_TCP);
		q = run_flow(p, &f, 70);
		if (q < 64 || q >= 70)
			good = false;
	}
	result(good, "reserve: 0..63 reserved of 70 queues: flows on 64..69");
	set_reserved(p, 0);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"fixed", "cpu", "flowhash", "rss", "prio", "reserve",
	};
	struct prog progs[6], toeplitz, parser;
	bool all = true, loaded[6];
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PROGS_DIR TEST_PROGS_DIR\n", argv[0]);
		return 2;
	}
	libbpf_set_print(libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < 6; i++) {
		loaded[i] = load(argv[1], names[i], &progs[i]);
		result(loaded[i], "%s.bpf.o loads as a socket filter (verifier)",
		       names[i]);
		if (loaded[i])
			result(bpf_program__insn_cnt(bpf_object__next_program(
				       progs[i].obj, NULL)) < 4096,
			       "%s.bpf.o: fewer than 4096 instructions", names[i]);
		all = all && loaded[i];
	}
	result(load(argv[2], "toeplitz_test", &toeplitz),
	       "toeplitz_test.bpf.o loads");
	result(load(argv[2], "parse_test", &parser), "parse_test.bpf.o loads");
	if (!toeplitz.obj || !parser.obj)
		return 1;

	test_parse(&parser);
	test_toeplitz(&toeplitz);
	if (loaded[0])
		test_fixed(&progs[0]);
	if (loaded[1])
		test_cpu(&progs[1]);
	if (loaded[2])
		test_flowhash(&progs[2]);
	if (loaded[3])
		test_rss(&progs[3], &toeplitz);
	if (loaded[4])
		test_prio(&progs[4]);
	if (loaded[5])
		test_reserve(&progs[5]);

	for (i = 0; i < 6; i++)
		if (loaded[i])
			bpf_object__close(progs[i].obj);
	bpf_object__close(toeplitz.obj);
	bpf_object__close(parser.obj);
	return failures || !all ? 1 : 0;
}
