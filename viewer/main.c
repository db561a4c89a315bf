/* SPDX-License-Identifier: MIT */
/* unixtrace: dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct ut_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct ut_cmd cmds[] = {
	{ "run", ut_cmd_run },
	{ "view", ut_cmd_view },
	{ "trace", ut_cmd_trace },
	{ "sockets", ut_cmd_sockets },
	{ "demo", ut_cmd_demo },
	{ "version", ut_cmd_version },
};

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return ut_usage_error(NULL, "no command given");
	/* Big writes to pipes and files (a million JSON lines a second); a
	 * terminal keeps stdio's line buffering. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 17);
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		ut_usage(stdout, argc > 2 ? argv[2] : NULL);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V"))
		return ut_cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return ut_usage_error(NULL, "unknown option '%s' (options go after the command)", cmd);
	return ut_usage_error(NULL, "unknown command '%s'", cmd);
}
