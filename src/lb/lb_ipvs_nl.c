/*
 * lb_ipvs_nl.c - the generic netlink socket under the IPVS backend: send
 * one request, read its replies until the ack or the end of a dump.
 *
 * This file is a link seam: tests/unit/test_lb_ipvs_diff.c links its own
 * lb_nl_* (a fake IPVS kernel) instead, to test the backend's differences
 * on machines without IPVS.  Keep nothing else in here.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "lb/lb_backend.h"
#include "lib/log.h"
#include "lib/util.h"

struct lb_nl {
	struct mnl_socket	*nl_sock;
	uint32_t		 nl_portid;
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
	return nl;
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

int
lb_nl_talk(struct lb_nl *nl, struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
    size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct talk tk = { cb, data, err, errlen };
	ssize_t n;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (mnl_socket_sendto(nl->nl_sock, req, req->nlmsg_len) == -1)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl->nl_sock, buf, sizeof(buf));
		if (n == -1)
			return -1;
		rc = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq,
		    nl->nl_portid, data_cb, &tk, ctl_cbs, NLMSG_MIN_TYPE);
	} while (rc == MNL_CB_OK);
	return rc == MNL_CB_ERROR ? -1 : 0;
}
