/*
 * dnsnames.h - the DNS names the dns check's settings use (dns_type,
 * dns_rcode, dns_name), shared by the validator (a bad value is refused
 * when configured) and nanny's DNS check (which asks and judges with
 * them), so both accept exactly the same words.
 */
#ifndef SHOAL_CONFIG_DNSNAMES_H
#define SHOAL_CONFIG_DNSNAMES_H

#include <stdint.h>

#define CFG_DNS_NAME_MAX	253

/* A record type's number ("A" 1, "SOA" 6...; case ignored), -1 unknown. */
int cfg_dns_type(const char *name);
/* 1 when an answer of type qtype can be compared with dns_answer. */
int cfg_dns_type_comparable(int qtype);
/* An rcode's number ("NOERROR" 0...; case ignored), -1 unknown. */
int cfg_dns_rcode(const char *name);
/* Its name, NULL out of range. */
const char *cfg_dns_rcode_name(int rcode);
/* "NOERROR,NXDOMAIN" as a bit mask (1 << rcode); 0 or -1 on a bad list. */
int cfg_dns_rcodes(const char *list, uint32_t *mask);
/* A name to ask: 1 to 253 printable bytes (a final dot allowed), no
 * blanks. */
int cfg_dns_name_ok(const char *name);

#endif
