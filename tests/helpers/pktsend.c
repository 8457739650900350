// SPDX-License-Identifier: GPL-2.0
/*
 * pktsend DEV COUNT LEN: send COUNT Ethernet + IPv4 + UDP frames of LEN
 * bytes on DEV through an AF_PACKET SOCK_RAW socket with
 * PACKET_QDISC_BYPASS, then print "sent COUNT".
 *
 * Why: with the qdisc bypassed, af_packet picks the tx queue itself
 * (packet_direct_xmit -> packet_pick_tx_queue -> ndo_select_queue or
 * netdev_pick_tx) in process context, with BH enabled and no RCU read lock,
 * which ordinary sockets (__dev_queue_xmit, BH off) never exercise. Each
 * frame has its own UDP source port, so a kernel that hashes flows spreads
 * them over the queues when the program leaves the choice to it.
 *
 * Exits non-zero, saying why, if the bypass cannot be set or any frame is
 * not sent whole.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDRS_LEN (sizeof(struct ether_header) + sizeof(struct iphdr) + \
		  sizeof(struct udphdr))
#define MAX_LEN 9014

/* Locally administered, so that nothing real answers or forwards them. */
static const uint8_t dst_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x94, 0x02 };
#define SRC_IP "10.94.0.1"
#define DST_IP "10.94.0.2"

static uint16_t ip_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void die(const char *what)
{
	fprintf(stderr, "pktsend: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	static uint8_t frame[MAX_LEN];
	struct ether_header *eth = (struct ether_header *)frame;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	long count, len, i;
	int one = 1, fd;
	ssize_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: pktsend DEV COUNT LEN\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 0);
	len = strtol(argv[3], NULL, 0);
	if (count < 1 || len < (long)HDRS_LEN || len > MAX_LEN) {
		fprintf(stderr, "pktsend: COUNT >= 1, %zu <= LEN <= %d\n",
			HDRS_LEN, MAX_LEN);
		return 2;
	}
	if (strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "pktsend: %s: name too long\n", argv[1]);
		return 2;
	}

	/* Protocol 0: a socket that sends only, and never receives. */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET, SOCK_RAW)");
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		die("setsockopt(PACKET_QDISC_BYPASS)");

	strcpy(ifr.ifr_name, argv[1]);
	if (ioctl(fd, SIOCGIFINDEX, &ifr))
		die(argv[1]);
	sll.sll_ifindex = ifr.ifr_ifindex;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, dst_mac, ETH_ALEN);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");

	memcpy(eth->ether_dhost, dst_mac, ETH_ALEN);
	memcpy(eth->ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	eth->ether_type = htons(ETHERTYPE_IP);

	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->tot_len = htons((uint16_t)(len - sizeof(*eth)));
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = inet_addr(SRC_IP);
	ip->daddr = inet_addr(DST_IP);
	ip->check = ip_checksum(ip, sizeof(*ip));

	udp->dest = htons(9); /* discard */
	udp->len = htons((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
	udp->check = 0; /* none: allowed over IPv4 */

	for (i = 0; i < count; i++) {
		udp->source = htons((uint16_t)(10000 + i % 50000));
		n = sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll));
		if (n < 0) {
			fprintf(stderr, "pktsend: frame %ld of %ld on %s: %s\n",
				i + 1, count, argv[1], strerror(errno));
			return 1;
		}
		if (n != len) {
			fprintf(stderr, "pktsend: frame %ld: %zd of %ld bytes sent\n",
				i + 1, n, len);
			return 1;
		}
	}
	close(fd);
	printf("sent %ld\n", count);
	return 0;
}
