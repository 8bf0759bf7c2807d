/*
 * lb_ipvs_nl.c - the generic netlink socket under the IPVS backend: send
 * one request, read its replies until the ack or the end of a dump, and
 * never longer than a deadline (the kernel sends no ack unless the request
 * asks for one: a request that does not, or a reply that never comes, is
 * a timeout, not a hang).
 *
 * And the one other thing the backend asks of the system: loading ip_vs.
 *
 * This file is a link seam: tests/unit/test_lb_ipvs_diff.c links its own
 * lb_nl_* (a fake IPVS kernel) instead, to test the backend's differences
 * on machines without IPVS.  Keep nothing else in here.
 */
#include "shoal-build.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lb/lb_backend.h"
#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"

struct lb_nl {
	struct mnl_socket	*nl_sock;
	uint32_t		 nl_portid;
	int			 nl_timeout_ms;
};

struct lb_nl *
lb_nl_open(int quiet)
{
	struct lb_nl *nl;
	int one = 1;

	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return NULL;
	if ((nl->nl_sock = mnl_socket_open(NETLINK_GENERIC)) == NULL ||
	    mnl_socket_bind(nl->nl_sock, 0, MNL_SOCKET_AUTOPID) == -1) {
		if (!quiet)
			log_warn("lb: ipvs: generic netlink socket");
		lb_nl_close(nl);
		return NULL;
	}
	/* ask for the kernel's error messages; older kernels lack them */
	(void)mnl_socket_setsockopt(nl->nl_sock, NETLINK_EXT_ACK, &one,
	    sizeof(one));
	nl->nl_portid = mnl_socket_get_portid(nl->nl_sock);
	nl->nl_timeout_ms = LB_NL_TIMEOUT_MS;
	return nl;
}

void
lb_nl_set_timeout(struct lb_nl *nl, int ms)
{
	nl->nl_timeout_ms = ms > 0 ? ms : LB_NL_TIMEOUT_MS;
}

void
lb_nl_close(struct lb_nl *nl)
{
	if (nl == NULL)
		return;
	if (nl->nl_sock != NULL)
		mnl_socket_close(nl->nl_sock);
	free(nl);
}

/* One exchange: the data callback and where an error message goes. */
struct talk {
	mnl_cb_t	 tk_cb;
	void		*tk_data;
	char		*tk_err;
	size_t		 tk_errlen;
};

/* The kernel's extended ack message of an error, if any. */
static void
save_extack(struct talk *tk, const struct nlmsghdr *nlh,
    const struct nlmsgerr *e)
{
	const struct nlattr *a;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			str_copy(tk->tk_err, mnl_attr_get_str(a),
			    tk->tk_errlen);
			return;
		}
	}
}

static int
err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	save_extack(data, nlh, e);
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int
done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh, (void)data;
	return MNL_CB_STOP;
}

static int
overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh, (void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static int
data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *tk = data;

	return tk->tk_cb != NULL ? tk->tk_cb(nlh, tk->tk_data) : MNL_CB_OK;
}

/* libmnl ignores control messages without a callback: give them all one */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = err_cb,
	[NLMSG_DONE] = done_cb,
	[NLMSG_OVERRUN] = overrun_cb,
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Drops whatever is queued on the socket: late replies of an earlier
 * request that timed out would otherwise be read as this one's.
 */
static void
drain(struct lb_nl *nl, char *buf, size_t len)
{
	int fd = mnl_socket_get_fd(nl->nl_sock);

	while (recv(fd, buf, len, MSG_DONTWAIT) > 0)
		;
}

/* One datagram before the deadline; its length, or -1 (ETIMEDOUT...). */
static ssize_t
recv_until(struct lb_nl *nl, char *buf, size_t len, int64_t deadline)
{
	struct pollfd p = { mnl_socket_get_fd(nl->nl_sock), POLLIN, 0 };
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, (int)left);
		if (n == -1 && errno != EINTR)
			return -1;
		if (n > 0)
			return mnl_socket_recvfrom(nl->nl_sock, buf, len);
	}
}

int
lb_nl_talk(struct lb_nl *nl, struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
    size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct talk tk = { cb, data, err, errlen };
	const struct nlmsghdr *first;
	int64_t deadline;
	ssize_t n;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	drain(nl, buf, sizeof(buf));
	if (mnl_socket_sendto(nl->nl_sock, req, req->nlmsg_len) == -1)
		return -1;
	deadline = now_ms() + nl->nl_timeout_ms;
	do {
		if ((n = recv_until(nl, buf, sizeof(buf), deadline)) == -1) {
			if (errno == ETIMEDOUT && errlen > 0)
				snprintf(err, errlen, "no reply from the kernel "
				    "within %d ms", nl->nl_timeout_ms);
			return -1;
		}
		first = (const struct nlmsghdr *)(const void *)buf;
		if (mnl_nlmsg_ok(first, (int)n) &&
		    first->nlmsg_seq != req->nlmsg_seq) {
			rc = MNL_CB_OK;		/* a stale reply: skip it */
			continue;
		}
		rc = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq,
		    nl->nl_portid, data_cb, &tk, ctl_cbs, NLMSG_MIN_TYPE);
	} while (rc == MNL_CB_OK);
	return rc == MNL_CB_ERROR ? -1 : 0;
}

/*
 * Loads ip_vs as ipvsadm does.  The family lookup itself makes the kernel
 * load it (ip_vs declares the alias net-pf-16-proto-16-family-IPVS) when
 * its module loader works; this is for when the lookup still fails.  The
 * kernel's own modprobe path, else /sbin/modprobe; argv, no shell.  0
 * when modprobe succeeded.
 */
int
lb_nl_load_ipvs(void)
{
	char path[256] = "/sbin/modprobe";
	char *argv[] = { path, (char *)"-q", (char *)"--", (char *)"ip_vs",
	    NULL };
	struct exec_result res;
	FILE *fp;
	int ok;

	if ((fp = fopen("/proc/sys/kernel/modprobe", "re")) != NULL) {
		if (fgets(path, sizeof(path), fp) == NULL || path[0] != '/')
			str_copy(path, "/sbin/modprobe", sizeof(path));
		path[strcspn(path, "\n")] = '\0';
		fclose(fp);
	}
	if (access(path, X_OK) == -1 ||
	    exec_run_sync(argv, 10000, 0, &res) == -1)
		return -1;
	ok = exec_result_ok(&res);
	exec_result_clear(&res);
	if (ok)
		log_info("lb: ipvs: loaded the ip_vs module (%s)", path);
	return ok ? 0 : -1;
}
