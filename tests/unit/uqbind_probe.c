/* SPDX-License-Identifier: MIT */
/*
 * uqbind_probe FUNC PATH...: opens each PATH read-only with FUNC (open,
 * open64, openat, openat64), closes it, and prints "PATH: ok" or
 * "PATH: ERRNO-NAME", for uqbind_preload.sh to run under the preloaded
 * library.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: uqbind_probe open|open64|openat|openat64 PATH...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *f = argv[1];
		int fd;

		if (strcmp(f, "open") == 0)
			fd = open(argv[i], O_RDONLY);
		else if (strcmp(f, "open64") == 0)
			fd = open64(argv[i], O_RDONLY);
		else if (strcmp(f, "openat") == 0)
			fd = openat(AT_FDCWD, argv[i], O_RDONLY);
		else if (strcmp(f, "openat64") == 0)
			fd = openat64(AT_FDCWD, argv[i], O_RDONLY);
		else
			return 2;
		if (fd < 0) {
			printf("%s: %s\n", argv[i], strerrorname_np(errno));
			continue;
		}
		printf("%s: ok\n", argv[i]);
		close(fd);
	}
	return 0;
}
