/*
 * dnsnames.c - DNS type and rcode names (dnsnames.h).  The numbers are
 * the IANA registry's (RFC 1035, 3596, 2782, 8659).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/dnsnames.h"

static const struct {
	const char	*name;
	int		 type;
	int		 comparable;
} dns_types[] = {
	{ "A", 1, 1 }, { "NS", 2, 1 }, { "CNAME", 5, 0 }, { "SOA", 6, 1 },
	{ "PTR", 12, 1 }, { "MX", 15, 1 }, { "TXT", 16, 1 },
	{ "AAAA", 28, 1 }, { "SRV", 33, 1 }, { "CAA", 257, 0 },
	{ "ANY", 255, 0 },
};

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int
cfg_dns_type(const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(dns_types); i++)
		if (strcasecmp(dns_types[i].name, name) == 0)
			return dns_types[i].type;
	return -1;
}

int
cfg_dns_type_comparable(int qtype)
{
	size_t	 i;

	for (i = 0; i < NELEM(dns_types); i++)
		if (dns_types[i].type == qtype)
			return dns_types[i].comparable;
	return 0;
}

int
cfg_dns_rcode(const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(rcode_names); i++)
		if (strcasecmp(rcode_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
cfg_dns_rcode_name(int rcode)
{
	if (rcode < 0 || (size_t)rcode >= NELEM(rcode_names))
		return NULL;
	return rcode_names[rcode];
}

int
cfg_dns_rcodes(const char *list, uint32_t *mask)
{
	char	 word[16];
	size_t	 n;
	int	 r;

	*mask = 0;
	for (;;) {
		n = strcspn(list, ",");
		if (n == 0 || n >= sizeof(word))
			return -1;
		memcpy(word, list, n);
		word[n] = '\0';
		if ((r = cfg_dns_rcode(word)) == -1)
			return -1;
		*mask |= 1u << r;
		if (list[n] == '\0')
			return 0;
		list += n + 1;
	}
}

int
cfg_dns_name_ok(const char *name)
{
	size_t	 n = strlen(name);

	if (n == 0 || n > CFG_DNS_NAME_MAX + 1)
		return 0;
	for (; *name != '\0'; name++)
		if ((unsigned char)*name <= ' ' || (unsigned char)*name >= 0x7f)
			return 0;
	return 1;
}
