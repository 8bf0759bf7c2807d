/*
 * static.c - serving www/: pages, scripts, styles, images.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "http_reply.h"
#include "static.h"

#define STATIC_PATH_MAX		256
#define STATIC_FILE_MAX		(8u * 1024 * 1024)

static const struct {
	const char	*ext;
	const char	*type;
} static_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

const char *
static_mime_type(const char *name)
{
	size_t i, n = strlen(name), e;

	for (i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++) {
		e = strlen(static_types[i].ext);
		if (n > e && strcmp(name + n - e, static_types[i].ext) == 0)
			return static_types[i].type;
	}
	return NULL;
}

/*
 * A path is served only when every segment is made of [A-Za-z0-9._-],
 * does not start with a dot (no "..", no hidden files) and the whole is
 * short.  Anything else is a 404, whatever the file system holds.
 */
int
static_path_ok(const char *url)
{
	const char *p;
	int seg_start = 1;

	if (url[0] != '/' || strlen(url) >= STATIC_PATH_MAX)
		return 0;
	for (p = url + 1; *p != '\0'; p++) {
		if (*p == '/') {
			if (seg_start)
				return 0;	/* empty segment */
			seg_start = 1;
			continue;
		}
		if (seg_start && *p == '.')
			return 0;
		seg_start = 0;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return 0;
	}
	return 1;
}

/* Reads an open regular file whole; NULL on error or when too big. */
static char *
static_read(int fd, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t off = 0;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > STATIC_FILE_MAX)
		return NULL;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		return NULL;
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	*len = off;
	return buf;
}

void
static_serve(const char *root, const char *url, enum http_method m,
    struct http_reply *rp)
{
	char path[STATIC_PATH_MAX + 16];
	const char *type;
	char *buf;
	size_t len = 0;
	int dfd = -1, fd = -1;

	if (m != HTTP_GET && m != HTTP_HEAD) {
		http_reply_error(rp, 405, "static files are read-only");
		return;
	}
	if (strcmp(url, "/") == 0)
		url = "/index.html";
	if (!static_path_ok(url) || (type = static_mime_type(url)) == NULL) {
		http_reply_error(rp, 404, "not found");
		return;
	}
	str_copy(path, url + 1, sizeof(path));
	if ((dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("static root %s", root);
		http_reply_error(rp, 500, "static files unavailable");
		return;
	}
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd == -1 || (buf = static_read(fd, &len)) == NULL) {
		if (fd != -1)
			close(fd);
		http_reply_error(rp, 404, "not found");
		return;
	}
	close(fd);
	http_reply_text(rp, 200, type, buf, len);
	rp->rp_nocache = 0;
}
