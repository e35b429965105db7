/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The out=FILE argument both TCG plugins take: one parser, so that they
 * accept the same arguments and report mistakes the same way when QEMU
 * starts (a plugin that fails to install stops QEMU before the guest runs).
 */
#ifndef QBENCH_PLUGIN_OUT_H
#define QBENCH_PLUGIN_OUT_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * The file named by out=, opened for appending so that successive QEMU runs
 * can share one file; NULL, with the reason on stderr, when the arguments
 * are wrong or the file cannot be opened.
 */
static inline FILE *plugin_open_out(const char *plugin, int argc, char **argv)
{
	const char *path = NULL;
	FILE *out;

	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else {
			fprintf(stderr, "%s: unknown argument '%s' (accepted: out=FILE)\n",
				plugin, argv[i]);
			return NULL;
		}
	}
	if (!path) {
		fprintf(stderr, "%s: out=FILE is required\n", plugin);
		return NULL;
	}
	out = fopen(path, "a");
	if (!out)
		fprintf(stderr, "%s: cannot open %s: %s\n", plugin, path, strerror(errno));
	return out;
}

#endif
