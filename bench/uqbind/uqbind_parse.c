/* SPDX-License-Identifier: MIT */
#include "uqbind_parse.h"

#include <stdio.h>
#include <string.h>

static int fail(struct uqbind_config *cfg, char *err, size_t errlen, const char *msg, const char *item)
{
	cfg->n = 0;
	if (item)
		snprintf(err, errlen, "\"%s\": %s", item, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return -1;
}

int uqbind_parse(const char *spec, struct uqbind_config *cfg, char *err, size_t errlen)
{
	char *item, *next;
	size_t len;

	cfg->n = 0;
	if (!spec || !*spec)
		return fail(cfg, err, errlen, "is empty; give UQDEV=NGDEV[,UQDEV=NGDEV...]", NULL);
	len = strlen(spec);
	if (len >= sizeof(cfg->buf))
		return fail(cfg, err, errlen, "is too long (4095 characters at most)", NULL);
	memcpy(cfg->buf, spec, len + 1);
	for (item = cfg->buf; item; item = next) {
		char *eq;

		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (!*item)
			return fail(cfg, err, errlen,
				    "has an empty item (two commas, or a comma at an end); give UQDEV=NGDEV[,UQDEV=NGDEV...]",
				    NULL);
		eq = strchr(item, '=');
		if (!eq)
			return fail(cfg, err, errlen, "is not UQDEV=NGDEV (no '=')", item);
		if (strchr(eq + 1, '='))
			return fail(cfg, err, errlen, "is not UQDEV=NGDEV (more than one '=')", item);
		if (item[0] != '/' || eq[1] != '/')
			return fail(cfg, err, errlen, "UQDEV and NGDEV must be absolute paths, like /dev/nvme0uq0=/dev/ng0n1",
				    item);
		if (cfg->n == UQBIND_MAX_PAIRS)
			return fail(cfg, err, errlen, "has more than 16 pairs", NULL);
		*eq = '\0';
		for (size_t i = 0; i < cfg->n; i++)
			if (strcmp(cfg->pairs[i].uq, item) == 0)
				return fail(cfg, err, errlen, "is listed twice (a queue binds to one namespace)", item);
		cfg->pairs[cfg->n].uq = item;
		cfg->pairs[cfg->n].ng = eq + 1;
		cfg->n++;
	}
	return 0;
}
