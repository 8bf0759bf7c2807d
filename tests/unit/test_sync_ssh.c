/* test_sync_ssh.c - shell quoting of remote commands, fingerprints. */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sync/ssh.h"

/*
 * Runs `sh -c "printf '%s\n' QUOTED"` and returns what the shell saw as
 * words, one per line: the real test of quoting is a real shell.
 */
static char *
shell_words(const char *quoted)
{
	static char out[8192];
	char *cmd;
	int pfd[2];
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	assert_int_equal(asprintf(&cmd, "printf '%%s|' %s", quoted) > 0, 1);
	assert_int_equal(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	free(cmd);
	return out;
}

static void
test_quote_plain(void **state)
{
	const char *argv[] = { "/usr/sbin/shoalctl", "--db",
	    "/var/lib/shoal/shoal.db", "config", "verify", NULL };
	char *q = ssh_quote_argv(argv);

	(void)state;
	/* safe words stay readable */
	assert_string_equal(q, "/usr/sbin/shoalctl --db /var/lib/shoal/shoal.db "
	    "config verify");
	free(q);
}

static void
test_quote_hostile(void **state)
{
	const char *argv[] = { "echo", "a b", "it's", "$(touch /tmp/x)",
	    "`id`", "", "semi;colon", "new\nline", "back\\slash", "'", "*",
	    "~root", "-n", NULL };
	char *q = ssh_quote_argv(argv);

	(void)state;
	assert_non_null(q);
	assert_string_equal(shell_words(q), "echo|a b|it's|$(touch /tmp/x)|"
	    "`id`||semi;colon|new\nline|back\\slash|'|*|~root|-n|");
	free(q);
}

static void
test_quote_empty(void **state)
{
	const char *none[] = { NULL };

	(void)state;
	assert_null(ssh_quote_argv(none));
	assert_null(ssh_quote_argv(NULL));
}

static void
test_fingerprint(void **state)
{
	/* ssh-keygen -lf gives SHA256:DGYKejzq... for this public key */
	const char *b64 = "AAAAC3NzaC1lZDI1NTE5AAAAIE0ArfXeGRyUuHIQgrk/0Zfr"
	    "B5LUQaxTTF1D+ylywxi+";
	unsigned char blob[128];
	char fp[SSH_FP_LEN];
	int n;

	(void)state;
	n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)strlen(b64));
	assert_int_equal(n, 51);	/* 51 bytes + 0 padding */
	ssh_fingerprint(blob, 51, fp);
	assert_string_equal(fp,
	    "SHA256:DGYKejzqFCl4tNMlVk8FPe7NsML8Ndr/ubVAEkDsQN8");
}

static void
test_error_names(void **state)
{
	(void)state;
	assert_string_equal(ssh_error_name(SSH_E_HOSTKEY_CHANGED),
	    "host key changed");
	assert_string_equal(ssh_error_name(SSH_E_AUTH),
	    "authentication refused");
	assert_string_equal(ssh_error_name(SSH_E_DISK_FULL), "disk full");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_plain),
		cmocka_unit_test(test_quote_hostile),
		cmocka_unit_test(test_quote_empty),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
