/*
 * cfg_addr.c - addresses shared by the configuration and the kernel glue.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <string.h>

#include "lib/cfg_addr.h"

int
cfg_addr_parse(struct cfg_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -1;
}

const char *
cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (a->family == AF_INET || a->family == AF_INET6)
		if (inet_ntop(a->family, &a->u, buf, (socklen_t)len) == NULL)
			buf[0] = '\0';
	return buf;
}

int
cfg_addr_is_set(const struct cfg_addr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

int
cfg_addr_equal(const struct cfg_addr *a, const struct cfg_addr *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	if (a->family == AF_INET6)
		return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
	return 1;	/* both unset */
}

int
cfg_addr_from_sockaddr(struct cfg_addr *a, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		a->u.v4 = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		a->family = AF_INET6;
		a->u.v6 = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return 0;
	}
	return -1;
}

int
cfg_addr_to_sockaddr(const struct cfg_addr *a, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.v4;
		*sl = sizeof(*sin);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->u.v6;
		*sl = sizeof(*sin6);
		return 0;
	}
	return -1;
}
