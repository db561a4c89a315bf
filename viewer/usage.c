/* SPDX-License-Identifier: MIT */
/* Usage texts (USAGE and EXAMPLES, libbpf-tools style) and their error path. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

static const char usage_main[] =
"USAGE: unixtrace COMMAND [OPTIONS] ...\n"
"\n"
"Trace Unix-domain socket IPC: fd passing (SCM_RIGHTS), credentials,\n"
"truncation and blocked sends.\n"
"\n"
"COMMANDS:\n"
"  run [options] -- CMD [ARGS...]  run CMD and its descendants under the tracer\n"
"  trace [options]                 trace from the kernel (eBPF), system-wide or filtered\n"
"  view [options] FILE             render a saved trace\n"
"  sockets [--json]                snapshot of every Unix socket (eBPF)\n"
"  demo                            run the bundled demo workload under the tracer\n"
"  version                         version, git revision, eBPF side, file formats\n"
"  help [COMMAND]                  this text, or one command's\n"
"\n"
"  -V, --version                   same as `unixtrace version`\n"
"\n"
"EXAMPLES:\n"
"  unixtrace run -- python3 server.py      # live events, one line each\n"
"  unixtrace run -o app.trace -q -- ./app  # save only\n"
"  unixtrace view --json app.trace         # JSON Lines\n"
"  unixtrace view --summary app.trace      # counts per process, socket, event\n"
"  unixtrace trace -c nginx --duration 10  # kernel side, one command name\n"
"  unixtrace demo\n";

static const char usage_run[] =
"USAGE: unixtrace run [OPTIONS] [--] CMD [ARGS...]\n"
"\n"
"Run CMD (and every process it starts, daemons included) under the LD_PRELOAD\n"
"shim; show events live; exit with CMD's exit status (128+N if killed by signal N).\n"
"\n"
"OPTIONS:\n"
"  -o, --output FILE          save the trace to FILE\n"
"  -q, --quiet                show nothing live (with -o)\n"
"      --text                 live output as text lines (default when not a terminal)\n"
"      --json                 live output as JSON Lines\n"
"      --messages             also log every send and receive\n"
"      --payload N            keep the first N bytes of each message (max 4096)\n"
"      --watch-reads          see fds dropped by read()/recv() on every socket, not only\n"
"                             on sockets that passed fds before (each read costs ~0.2 us more)\n"
"      --block-threshold T    a send slower than T is 'blocked' (ms; or 250us, 2ms, 1s)\n"
"      --ring-size SIZE       shared ring data size (default 8M; k, M, G suffixes)\n"
"      --kernel               also trace from the kernel (eBPF; root) and merge\n"
"      --stall-after T        with --kernel: a send still asleep after T is 'stalled'\n"
"                             (reported while it sleeps; default 1s, 0 = never)\n"
"  -n, --iterations N         TUI: draw N frames, then exit\n"
"      --no-color             TUI without colours (also NO_COLOR)\n"
"      --by-cgroup            TUI: start with the table grouped by cgroup (key g)\n"
"  -h, --help                 this text\n"
"\n"
"Events go to stdout, one per line; unixtrace's own messages go to stderr.\n"
"\n"
"EXAMPLES:\n"
"  unixtrace run -- nginx -g 'daemon off;'\n"
"  unixtrace run --messages --payload 64 -o t.trace -- ./client\n"
"  unixtrace run --json -- python3 -c 'import socket; socket.socketpair()'\n";

static const char usage_view[] =
"USAGE: unixtrace view [OPTIONS] FILE\n"
"\n"
"Render a saved trace (streamed: any size works in bounded memory).\n"
"\n"
"OPTIONS:\n"
"      --text                 one readable line per event (default when not a terminal)\n"
"      --json                 JSON Lines, one object per event (docs/cli.md)\n"
"      --summary              counts per process, per socket and per event kind\n"
"                             (and per cgroup with --by-cgroup)\n"
"      --fds                  lineage of every passed fd\n"
"      --stalls               blocked sends, longest first\n"
"      --graph FILE           who talks to whom: .dot or .svg\n"
"      --perfetto FILE        Chrome trace-event JSON for ui.perfetto.dev\n"
"      --check-sources        a trace of run in kernel mode: list where the shim and the kernel\n"
"                             side disagree (exit 0 agree, 1 disagree, 2 trouble)\n"
"  -p, --pid PID              only this process's events (repeatable)\n"
"  -c, --comm COMM            only events of processes with this command name\n"
"      --cgroup PATH          only events of processes in this cgroup or below\n"
"  -e, --event KIND[,KIND]    only these events (fd_send, trunc, ...; repeatable)\n"
"  -n, --iterations N         TUI: draw N frames, then exit\n"
"      --no-color             TUI without colours (also NO_COLOR)\n"
"      --by-cgroup            --summary: add counts per cgroup; TUI: start with the\n"
"                             table grouped by cgroup (key g)\n"
"  -h, --help                 this text\n"
"Filters never hide 'lost' events.  With --summary, --fds, --stalls or --check-sources,\n"
"--json makes the report JSON.\n"
"\n"
"EXAMPLES:\n"
"  unixtrace view app.trace\n"
"  unixtrace view --json app.trace | jq 'select(.event==\"fd_send\")'\n"
"  unixtrace view --summary app.trace\n"
"  unixtrace view --summary --by-cgroup --json k.trace | jq '.cgroups[]'\n"
"  unixtrace view -c nginx -e fd_send,fd_recv,fd_lost app.trace\n"
"  unixtrace run --kernel -q -o k.trace -- ./app; unixtrace view --check-sources k.trace\n";

static const char usage_trace[] =
"USAGE: unixtrace trace [OPTIONS]\n"
"\n"
"Trace Unix-socket IPC from the kernel (eBPF): processes already running,\n"
"static binaries, raw syscall() users.  Needs root (or CAP_BPF+CAP_PERFMON).\n"
"Stops on Ctrl-C, SIGTERM or --duration and says how many events were lost.\n"
"\n"
"OPTIONS:\n"
"  -p, --pid PID              only this process (repeatable)\n"
"  -f, --follow               also the processes -p PIDs fork from now on\n"
"  -c, --comm COMM            only processes with this command name\n"
"      --path PREFIX          only sockets whose path starts with PREFIX (@ for abstract)\n"
"  -o, --output FILE          save the trace to FILE\n"
"  -q, --quiet                show nothing live (with -o)\n"
"      --duration S           stop after S seconds (or 500ms, 2m)\n"
"      --messages             also log every send and receive\n"
"      --payload N            keep the first N bytes of each message\n"
"      --block-threshold T    a send slower than T is 'blocked' (ms by default)\n"
"      --stall-after T        a send still asleep after T is 'stalled', reported while\n"
"                             it sleeps (default 1s; 0 = never)\n"
"      --ring-size SIZE       shared ring data size (default 8M)\n"
"      --cgroup PATH          only processes in this cgroup (v2) or below it\n"
"                             (repeatable; filtered in the kernel)\n"
"      --rotate SIZE[,KEEP]   -o DIR holds numbered files of at most SIZE, the\n"
"                             newest KEEP kept; SIGHUP starts a new one\n"
"      --config FILE          read long options from FILE (one per line)\n"
"      --metrics ADDR:PORT    serve Prometheus/OpenMetrics counters at\n"
"                             http://ADDR:PORT/metrics (port 0 picks one)\n"
"      --metrics-series N     at most N (comm, cgroup) series, the rest summed\n"
"                             under comm=\"_other\" (default 64)\n"
"      --lean                 no syscall tracepoint (only socket I/O runs a program);\n"
"                             sees fds and credentials sent, truncation and losses\n"
"                             on read/recv, blocked and stalled sends; not socket,\n"
"                             socketpair, bind, listen, connect, accept, close,\n"
"                             socket options, recvmsg, sendmmsg/recvmmsg, the peer\n"
"      --verbose              say which kernel hooks are active\n"
"      --text | --json        live output format\n"
"  -n, --iterations N         TUI: draw N frames, then exit\n"
"      --no-color             TUI without colours (also NO_COLOR)\n"
"      --by-cgroup            TUI: start with the table grouped by cgroup (key g)\n"
"  -h, --help                 this text\n"
"\n"
"EXAMPLES:\n"
"  unixtrace trace -c nginx -o nginx.trace --duration 30\n"
"  unixtrace trace -p 1234 -p 1240\n"
"  unixtrace trace -f -p \"$(cat /run/nginx.pid)\"   # the master and workers it forks\n"
"  unixtrace trace --path /run/ --json\n"
"  unixtrace trace --by-cgroup                     # the TUI, grouped by container/unit\n";

static const char usage_sockets[] =
"USAGE: unixtrace sockets [--json] [-h|--help]\n"
"\n"
"A snapshot of every Unix socket: type, state, path, inode and peer, queues,\n"
"the processes and fds that hold it, and the fds in flight in its queue (eBPF).\n"
"\n"
"EXAMPLES:\n"
"  unixtrace sockets\n"
"  unixtrace sockets --json | jq 'select(.inflight)'\n";

static const char usage_demo[] =
"USAGE: unixtrace demo [RUN OPTIONS]\n"
"\n"
"Run the bundled demo workload (ut_demo, next to unixtrace) under `unixtrace run`\n"
"and print what happened on its Unix sockets.  Options are those of run.\n"
"\n"
"EXAMPLES:\n"
"  unixtrace demo\n"
"  unixtrace demo -o demo.trace && unixtrace view --summary demo.trace\n";

static const char usage_version[] =
"USAGE: unixtrace version     (also: unixtrace --version, -V)\n"
"\n"
"The version, the git revision it was built from (\"unknown\" outside a git\n"
"checkout), whether the eBPF side and the TUI are built in, and the versions of\n"
"the trace file format, the event schema and the ring it reads and writes.\n";

void ut_usage(FILE *f, const char *cmd)
{
	const char *t = usage_main;

	if (cmd && !strcmp(cmd, "run"))
		t = usage_run;
	else if (cmd && !strcmp(cmd, "view"))
		t = usage_view;
	else if (cmd && !strcmp(cmd, "trace"))
		t = usage_trace;
	else if (cmd && !strcmp(cmd, "sockets"))
		t = usage_sockets;
	else if (cmd && !strcmp(cmd, "demo"))
		t = usage_demo;
	else if (cmd && !strcmp(cmd, "version"))
		t = usage_version;
	fputs(t, f);
}

int ut_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("unixtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	ut_usage(stderr, cmd);
	return UT_EXIT_USAGE;
}
