/*
 * fuzz_check_reply.c - libFuzzer target for the parsers of what servers
 * answer nanny's checks (check_parse.h): mail/news/FTP reply framing in
 * every style, LDAP responses, DNS answers (c-ares parsers behind
 * check_dns_judge) and HTTP status ranges.  The first byte picks the
 * parser and its settings; the rest is the server's bytes.  The
 * properties: no crash, no overread (ASan), a verdict every time, and a
 * decided reply stays decided when more bytes follow.
 *
 *   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_check_reply
 *   tests/fuzz/fuzz_check_reply -max_total_time=60
 */
#include "shoal-build.h"

#include <arpa/nameser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nanny/check_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum mail_style styles[] = {
	MAIL_CODE, MAIL_POP, MAIL_POP_MULTI, MAIL_IMAP, MAIL_IMAP_GREET,
};
static const int qtypes[] = {
	ns_t_a, ns_t_aaaa, ns_t_ns, ns_t_mx, ns_t_txt, ns_t_soa, ns_t_srv,
	ns_t_ptr, ns_t_cname,
};
static const char *const answers[] = {
	NULL, "192.0.2.1", "2001:db8::1", "ns1.shoal.test", "hello world",
};

static void
fuzz_mail(uint8_t sel, const char *buf, size_t len)
{
	enum mail_style		 st = styles[sel % 5];
	enum check_match	 m, m2;
	char			 why[128];

	m = check_mail_reply(st, "250", "A1", buf, len, (sel >> 3) & 1, why,
	    sizeof(why));
	if (m == CHECK_MATCH_MORE || len == 0)
		return;
	/* what decided on a prefix is decided the same on the whole */
	m2 = check_mail_reply(st, "250", "A1", buf, len - 1, 0, why,
	    sizeof(why));
	if (m2 != CHECK_MATCH_MORE && m2 != m && len < MAIL_LINE_MAX)
		__builtin_trap();
}

static void
fuzz_dns(uint8_t sel, const uint8_t *buf, size_t len)
{
	static const unsigned char q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0,
	    0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1 };
	struct dns_expect	 de;
	char			 why[128];

	check_dns_answers_query(q, sizeof(q), buf, len);
	check_dns_answers_query(buf, len, q, sizeof(q));
	de.de_qtype = qtypes[sel % (sizeof(qtypes) / sizeof(qtypes[0]))];
	de.de_rcodes = (sel & 0x80) ? 0x9 : 0x1;
	de.de_answer = answers[(sel >> 4) % 5];
	check_dns_judge(buf, len, &de, why, sizeof(why));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	 sel;
	char	*s;
	char	 why[128];
	int	 lo[8], hi[8];
	char	 dec[512];
	size_t	 declen;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	switch (sel % 4) {
	case 0:
		fuzz_mail(sel >> 2, (const char *)data, size);
		break;
	case 1:
		check_ldap_response(data, size, 1 + ((sel >> 2) & 1),
		    (sel & 0x10) ? 24 : 1, (sel >> 5) & 1, why, sizeof(why));
		break;
	case 2:
		fuzz_dns(sel >> 2, data, size);
		break;
	default:
		if ((s = malloc(size + 1)) == NULL)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		check_http_ranges_parse(s, lo, hi, 8);
		check_http_dechunk(s, size, dec, sizeof(dec), &declen);
		free(s);
		break;
	}
	return 0;
}
