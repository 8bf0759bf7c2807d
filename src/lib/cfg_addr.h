/*
 * cfg_addr.h - an IPv4 or IPv6 address as the configuration and the kernel
 * glue share it: parse, format, compare, convert to and from sockaddr.
 */
#ifndef SHOAL_CFG_ADDR_H
#define SHOAL_CFG_ADDR_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address; family AF_UNSPEC when unset. */
struct cfg_addr {
	int			 family;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 u;
};

/*
 * Addresses: parse text (IPv4 dotted quad or IPv6), 0 or -1.  Formatting
 * writes the canonical form (inet_ntop) into buf of CFG_ADDR_STRLEN.
 */
#define CFG_ADDR_STRLEN		INET6_ADDRSTRLEN
int cfg_addr_parse(struct cfg_addr *, const char *);
const char *cfg_addr_str(const struct cfg_addr *, char *buf, size_t len);
int cfg_addr_is_set(const struct cfg_addr *);
int cfg_addr_equal(const struct cfg_addr *, const struct cfg_addr *);
/* Converts a sockaddr into cfg_addr (port ignored); 0 or -1. */
int cfg_addr_from_sockaddr(struct cfg_addr *, const struct sockaddr *);
/* The sockaddr of an address and a port (host order), its length in *sl;
 * 0, or -1 for an unset address. */
int cfg_addr_to_sockaddr(const struct cfg_addr *, uint16_t port,
    struct sockaddr_storage *, socklen_t *sl);

#endif
