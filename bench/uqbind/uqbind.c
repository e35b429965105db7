/* SPDX-License-Identifier: MIT */
/*
 * libnvme-qbench-uqbind.so: test tooling that lets a program written for
 * /dev/ngXnY (fio's io_uring_cmd engine) drive a user queue /dev/nvmeXuqN,
 * for reproducing results with fio. Loaded with LD_PRELOAD and configured by
 * NVME_QBENCH_UQ_BIND=UQDEV=NGDEV[,...]:
 *
 * - an open of a listed UQDEV (by path, or by device number for aliases)
 *   opens the queue read-write, which owning it takes, opens NGDEV with the
 *   caller's access mode, from which the queue takes its rights, and binds
 *   the queue with NVME_UQ_IOCTL_BIND;
 * - NVME_IOCTL_ADMIN_CMD and NVME_IOCTL_ADMIN64_CMD on that fd go to the ng
 *   fd, since a user queue takes no admin commands and fio identifies the
 *   namespace through the file it opened;
 * - close() of that fd closes the ng fd too.
 *
 * Any failure fails the open with its errno and one line on stderr. With the
 * variable malformed, no open can tell whether it was meant for a queue, so
 * opens of character devices fail with EINVAL (regular files still open, so
 * the program can read its job files); the line is printed once. Unset, the
 * library does nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_nvme_uq.h"
#include "uqbind_parse.h"

#define EXPORT __attribute__((visibility("default")))

typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);

static openat_fn real_openat;
static close_fn real_close;
static ioctl_fn real_ioctl;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static struct uqbind_config cfg;
static int cfg_state; /* 0 unset, 1 pairs in cfg, -1 malformed */

/* The queues this library bound: a few per process, so a list will do */
#define MAX_BOUND 64
static pthread_mutex_t bound_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int uq, ng;
} bound[MAX_BOUND];
static size_t nbound;

static void init(void)
{
	const char *spec = getenv(UQBIND_ENV);
	char err[256];

	/* openat is what every open of glibc ends in, 64-bit offsets included */
	real_openat = (openat_fn)dlsym(RTLD_NEXT, "openat");
	real_close = (close_fn)dlsym(RTLD_NEXT, "close");
	real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	if (!real_openat || !real_close || !real_ioctl) {
		fprintf(stderr, "nvme-qbench-uqbind: cannot find open, close or ioctl: %s\n", dlerror());
		abort();
	}
	if (!spec)
		return;
	if (uqbind_parse(spec, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "nvme-qbench-uqbind: %s=%s: %s; opens of character devices fail with EINVAL\n",
			UQBIND_ENV, spec, err);
		cfg_state = -1;
		return;
	}
	cfg_state = 1;
}

/* The pair whose queue PATH names, or NULL; ST is the character device PATH names */
static const struct uqbind_pair *match(const char *path, const struct stat *st)
{
	for (size_t i = 0; i < cfg.n; i++) {
		struct stat q;

		if (strcmp(path, cfg.pairs[i].uq) == 0)
			return &cfg.pairs[i];
		/* /dev/char/M:N and other aliases name the same device */
		if (stat(cfg.pairs[i].uq, &q) == 0 && S_ISCHR(q.st_mode) && q.st_rdev == st->st_rdev)
			return &cfg.pairs[i];
	}
	return NULL;
}

static int refuse(int e)
{
	errno = e;
	return -1;
}

static int open_bound(int dirfd, const char *path, int flags, mode_t mode, const struct uqbind_pair *p)
{
	int ng, uq, e;
	struct nvme_uq_bind bind = { .size = sizeof(bind) };

	/* owning a queue takes a read-write open, whatever the caller asked */
	uq = real_openat(dirfd, path, (flags & ~O_ACCMODE) | O_RDWR, mode);
	if (uq < 0) {
		e = errno;
		fprintf(stderr, "nvme-qbench-uqbind: %s: cannot open %s: %s%s\n", UQBIND_ENV, path, strerror(e),
			e == EBUSY ? " (a user queue has one owner: another open file holds it)" : "");
		return refuse(e);
	}
	/* the ng fd is ours alone: never inherited across exec */
	ng = real_openat(AT_FDCWD, p->ng, (flags & O_ACCMODE) | O_CLOEXEC, 0);
	if (ng < 0) {
		e = errno;
		fprintf(stderr, "nvme-qbench-uqbind: %s: cannot open %s to bind %s: %s\n", UQBIND_ENV, p->ng, path,
			strerror(e));
		real_close(uq);
		return refuse(e);
	}
	bind.ns_fd = ng;
	if (real_ioctl(uq, NVME_UQ_IOCTL_BIND, &bind) != 0) {
		e = errno;
		fprintf(stderr, "nvme-qbench-uqbind: %s: binding %s to the namespace of %s failed: %s%s\n", UQBIND_ENV,
			path, p->ng, strerror(e),
			e == ENOTTY   ? " (not a user queue, or an older user queue ABI)" :
			e == EINVAL   ? " (not an ng node of the queue's controller)" :
			e == EBADF    ? " (not an ng node)" :
					"");
		real_close(ng);
		real_close(uq);
		return refuse(e);
	}
	pthread_mutex_lock(&bound_lock);
	if (nbound < MAX_BOUND) {
		bound[nbound].uq = uq;
		bound[nbound].ng = ng;
		nbound++;
		ng = -1;
	}
	pthread_mutex_unlock(&bound_lock);
	if (ng >= 0) {
		fprintf(stderr, "nvme-qbench-uqbind: %s: more than %d queues open at once\n", UQBIND_ENV, MAX_BOUND);
		real_close(ng);
		real_close(uq);
		return refuse(EMFILE);
	}
	return uq;
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	struct stat st;
	const struct uqbind_pair *p;

	pthread_once(&init_once, init);
	/* an O_PATH open does not open the device, so it takes no queue */
	if (cfg_state == 0 || !path || (flags & O_PATH))
		return real_openat(dirfd, path, flags, mode);
	/* only a character device can be a queue */
	if (fstatat(dirfd, path, &st, 0) != 0 || !S_ISCHR(st.st_mode))
		return real_openat(dirfd, path, flags, mode);
	if (cfg_state < 0)
		return refuse(EINVAL);
	p = match(path, &st);
	if (!p)
		return real_openat(dirfd, path, flags, mode);
	return open_bound(dirfd, path, flags, mode, p);
}

/* The mode argument is there only with O_CREAT or O_TMPFILE */
#define MODE_ARG(flags, mode)                                         \
	do {                                                          \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {              \
			va_list ap;                                   \
			va_start(ap, flags);                          \
			mode = va_arg(ap, mode_t);                    \
			va_end(ap);                                   \
		}                                                     \
	} while (0)

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat(AT_FDCWD, path, flags | O_LARGEFILE, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat(dirfd, path, flags | O_LARGEFILE, mode);
}

/* What _FORTIFY_SOURCE builds call when the flags are not known at compile time */
EXPORT int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags | O_LARGEFILE, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags | O_LARGEFILE, 0);
}

/* The ng fd paired with FD, or -1 */
static int ng_of(int fd)
{
	int ng = -1;

	pthread_mutex_lock(&bound_lock);
	for (size_t i = 0; i < nbound; i++)
		if (bound[i].uq == fd)
			ng = bound[i].ng;
	pthread_mutex_unlock(&bound_lock);
	return ng;
}

EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int ng;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_once(&init_once, init);
	if ((request == NVME_IOCTL_ADMIN_CMD || request == NVME_IOCTL_ADMIN64_CMD) && (ng = ng_of(fd)) >= 0)
		return real_ioctl(ng, request, arg);
	return real_ioctl(fd, request, arg);
}

EXPORT int close(int fd)
{
	int ng = -1;

	pthread_once(&init_once, init);
	/* forget the pair before the number can be reused by another open */
	pthread_mutex_lock(&bound_lock);
	for (size_t i = 0; i < nbound; i++) {
		if (bound[i].uq == fd) {
			ng = bound[i].ng;
			bound[i] = bound[--nbound];
			break;
		}
	}
	pthread_mutex_unlock(&bound_lock);
	if (ng >= 0)
		real_close(ng);
	return real_close(fd);
}
