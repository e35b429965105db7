/* SPDX-License-Identifier: MIT */
/*
 * NVME_QBENCH_UQ_BIND, the configuration of libnvme-qbench-uqbind.so:
 * comma-separated UQDEV=NGDEV pairs, e.g. "/dev/nvme0uq0=/dev/ng0n1".
 * Apart from the interposers so that it can be tested without a kernel.
 */
#ifndef QB_UQBIND_PARSE_H
#define QB_UQBIND_PARSE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UQBIND_ENV "NVME_QBENCH_UQ_BIND"
#define UQBIND_MAX_PAIRS 16
#define UQBIND_MAX_SPEC 4096 /* characters of the variable, its NUL included */

struct uqbind_pair {
	const char *uq; /* the user queue node, /dev/nvmeXuqN */
	const char *ng; /* the ng node to bind it with, /dev/ngXnY */
};

struct uqbind_config {
	char buf[UQBIND_MAX_SPEC]; /* the pairs' strings point in here */
	struct uqbind_pair pairs[UQBIND_MAX_PAIRS];
	size_t n;
};

/*
 * Parse SPEC into CFG. Returns 0, or -1 with a sentence saying what is wrong
 * in ERR (ERRLEN bytes, always terminated); CFG then holds no pairs. Both
 * sides must be absolute paths: they are compared with the path a program
 * opens, so a relative one would depend on its working directory.
 */
int uqbind_parse(const char *spec, struct uqbind_config *cfg, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* QB_UQBIND_PARSE_H */
