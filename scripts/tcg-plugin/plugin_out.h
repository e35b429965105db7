/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The arguments of the TCG plugins: out=FILE, which both take, and the
 * switches a plugin adds (name=on|off). One parser, so that they accept the
 * same arguments and report mistakes the same way when QEMU starts (a
 * plugin that fails to install stops QEMU before the guest runs).
 */
#ifndef QBENCH_PLUGIN_OUT_H
#define QBENCH_PLUGIN_OUT_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A switch the plugin accepts: name=on or name=off, off when absent. */
struct plugin_switch {
	const char *name;
	int *value;
};

/*
 * The file named by out=, opened for appending so that successive QEMU runs
 * can share one file, with the switches set from their arguments; NULL,
 * with the reason on stderr, when the arguments are wrong or the file
 * cannot be opened. accepted lists the arguments for the error message.
 */
static inline FILE *plugin_parse_args(const char *plugin, int argc, char **argv,
				      const struct plugin_switch *switches, size_t nswitches,
				      const char *accepted)
{
	const char *path = NULL;
	FILE *out;

	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t s;

		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
			continue;
		}
		for (s = 0; s < nswitches; s++)
			if (eq && (size_t)(eq - argv[i]) == strlen(switches[s].name) &&
			    !strncmp(argv[i], switches[s].name, eq - argv[i]))
				break;
		if (s == nswitches) {
			fprintf(stderr, "%s: unknown argument '%s' (accepted: %s)\n",
				plugin, argv[i], accepted);
			return NULL;
		}
		if (!strcmp(eq + 1, "on")) {
			*switches[s].value = 1;
		} else if (!strcmp(eq + 1, "off")) {
			*switches[s].value = 0;
		} else {
			fprintf(stderr, "%s: %s takes on or off, not '%s'\n",
				plugin, switches[s].name, eq + 1);
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

/* A plugin whose only argument is out=FILE. */
static inline FILE *plugin_open_out(const char *plugin, int argc, char **argv)
{
	return plugin_parse_args(plugin, argc, argv, NULL, 0, "out=FILE");
}

#endif
