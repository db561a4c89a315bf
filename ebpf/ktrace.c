/* SPDX-License-Identifier: MIT */
/*
 * The collector: loads the tracer's BPF objects, sets their filters, attaches
 * them, and drains their ring buffer into the shared ring from a thread.
 *
 * The core object (sys_exit) is required; the others are optional:
 * each is loaded on its own and a refusal only costs what that hook adds.
 * Every attachment is a bpf_link owned by an fd of this process and nothing is
 * pinned, so a SIGKILLed tracer leaves no program attached.
 */
#include "ktrace.h"
#include "errbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgroup_level.h"
#include "event.h"
#include "kt_convert.h"
#include "kt_hooks.h"
#include "kt_reader_state.h"
#include "kt_record.h"
#include "ktrace.skel.h"
#include "ktrace_exit.skel.h"
#include "ktrace_fork.skel.h"
#include "ktrace_sched.skel.h"
#include "ktrace_skb.skel.h"

#define KT_POLL_MS 50              /* longest a record waits in the BPF ring buffer */
#define KT_WAKEUP_BYTES (256u << 10) /* the kernel wakes the collector past this much */

enum kt_layout {
	KT_LAYOUT_SYS_EXIT, /* tp_btf sys_exit for every call */
	KT_LAYOUT_SOCKET,   /* socket-layer hooks + per-syscall tracepoints (the default) */
	KT_LAYOUT_LEAN,     /* socket-layer hooks alone (--lean) */
};

static const char *const kt_layout_name[] = {
	[KT_LAYOUT_SYS_EXIT] = "sys_exit", [KT_LAYOUT_SOCKET] = "socket", [KT_LAYOUT_LEAN] = "lean",
};

struct ut_ktrace {
	struct ktrace_bpf *core;
	struct ktrace_skb_bpf *skb;
	struct ktrace_sched_bpf *sched;
	struct ktrace_fork_bpf *fork;
	struct ktrace_exit_bpf *exit;
	struct bpf_link *sys_exit_links[KT_SYS_EXIT_CALLS]; /* socket layout: kt_sys_exit_one's */
	enum kt_layout layout; /* which hooks end the calls (ktrace.bpf.c, "hook layouts") */
	int io_uring;        /* kt_iouring.bpf.h's programs are loaded */
	int32_t cgroup_levels[UT_KTRACE_MAX_CGROUPS]; /* o->cgroup_ids' levels (cgroup_level.h) */
	struct ring_buffer *rb;
	struct ut_ring *ring;
	struct kt_owner_snapshot *owners; /* kt_last_read_of's copy of the owner cache */
	pthread_t thread;
	int thread_started;
	atomic_int stop;
	uint64_t lost_seen;  /* kernel drops already reported as UT_EV_LOST */
	uint64_t events;
	uint64_t stall_scan_ns; /* how often the stall scan runs; 0 = never */
	uint64_t last_scan;
	int drain_err;       /* ring_buffer__poll's error that ended the drain, 0 */
	char notes[1024];    /* for the caller to print: hooks missing (and active, verbose) */
	size_t notes_len;
	_Alignas(8) unsigned char buf[UT_EVENT_MAX];
};

/* A line for ut_ktrace_print_notes: the library reports, the command prints. */
static void __attribute__((format(printf, 2, 3))) kt_note(struct ut_ktrace *k, const char *fmt, ...)
{
	size_t room = sizeof(k->notes) - k->notes_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(k->notes + k->notes_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		k->notes_len += (size_t)n < room ? (size_t)n : room - 1;
}

static int kt_verbose;

/* libbpf's own messages (verifier logs...) only with --verbose. */
static int kt_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!kt_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uint64_t kt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A UT_EV_LOST for what the BPF ring buffer dropped since the last report. */
static void kt_report_lost(struct ut_ktrace *k)
{
	uint64_t dropped = ut_ktrace_lost(k);
	struct ut_event ev;

	if (dropped == k->lost_seen)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.kind = UT_EV_LOST;
	ev.source = UT_SRC_TRACER;
	ev.ts = kt_now_ns();
	ev.pid = ev.tid = (uint32_t)getpid();
	ev.fd = -1;
	memcpy(ev.comm, "unixtrace", sizeof("unixtrace"));
	ev.u.lost.count = dropped - k->lost_seen;
	ev.u.lost.cause = UT_LOST_KERNEL;
	if (ut_ring_write(k->ring, &ev, ev.size) == 0)
		k->lost_seen = dropped;
}

/* The owner cache as the BPF programs keep it (kt_state.bpf.h struct kt_owner_cache). */
struct kt_owner_snapshot {
	uint64_t e[KT_OWNER_CACHE];
	struct kt_last_read last_read[KT_OWNER_CACHE];
};

/*
 * Which thread last read the socket with inode ino, and when (CLOCK_MONOTONIC
 * ns, to the millisecond), from the owner cache; 0 when its slot holds another
 * socket now (or the map cannot be read).
 */
static void kt_last_read_of(struct ut_ktrace *k, uint64_t ino, uint32_t *tid, uint64_t *at_ns)
{
	uint32_t zero = 0, i = (uint32_t)(ino & (KT_OWNER_CACHE - 1));
	struct timespec now;
	uint32_t now_ms;

	*tid = 0;
	*at_ns = 0;
	if (!ino || !k->core)
		return;
	if (!k->owners && !(k->owners = malloc(sizeof(*k->owners))))
		return;
	if (bpf_map__lookup_elem(k->core->maps.owner_cache, &zero, sizeof(zero), k->owners,
				 sizeof(*k->owners), 0))
		return;
	if (k->owners->last_read[i].ino != (uint32_t)ino)
		return;
	*tid = k->owners->last_read[i].tid;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ms = (uint32_t)((uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000);
	/* the stored ms wrap every 49 days: what matters is how long ago */
	*at_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec -
		 (uint64_t)(uint32_t)(now_ms - k->owners->last_read[i].ms) * 1000000ull;
}

static int kt_on_record(void *ctx, void *data, size_t len)
{
	struct ut_ktrace *k = ctx;
	uint32_t size = kt_convert(data, len, k->buf, sizeof(k->buf));

	if (size && ((struct ut_event *)k->buf)->kind == UT_EV_STALLED) {
		struct ut_event *ev = (struct ut_event *)k->buf;
		uint32_t reader_tid;
		uint64_t last_read_ns;

		/* rare, and only user space can say what the reader is doing */
		kt_last_read_of(k, ev->peer_ino, &reader_tid, &last_read_ns);
		kt_append_readers(ev, sizeof(k->buf), reader_tid, last_read_ns,
				  k->exit ? bpf_map__fd(k->exit->maps.stop_since) : -1);
		size = ev->size;
	}
	if (size) {
		ut_ring_write(k->ring, k->buf, size); /* a full ring counts its own losses */
		k->events++;
	}
	return 0;
}

/* Runs an iterator program once: reading the iterator runs it over every task (or file). */
static void kt_run_iter(struct bpf_link *link)
{
	char sink[64];
	int fd;

	if (!link)
		return;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return;
	/* EAGAIN: the kernel paused a long walk (a million objects) to let it be resumed */
	for (int tries = 0; tries < 1000; tries++) {
		ssize_t n = read(fd, sink, sizeof(sink));

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	close(fd);
}

/*
 * Runs the stall scan (kt_stall.bpf.h): reading an iterator runs its
 * program over every task; what it finds arrives through the ring buffer.
 * It writes nothing to the iterator itself.
 */
static void kt_scan_stalls(struct ut_ktrace *k)
{
	uint64_t now = kt_now_ns();

	if (!k->stall_scan_ns || now - k->last_scan < k->stall_scan_ns)
		return;
	k->last_scan = now;
	kt_run_iter(k->core->links.kt_stall_scan);
}

static void *kt_drain(void *arg)
{
	struct ut_ktrace *k = arg;

	while (!atomic_load(&k->stop)) {
		/*
		 * The programs submit without a wake-up until KT_WAKEUP_BYTES are
		 * queued (kt_submit), and a poll that times out consumes nothing:
		 * consume after every poll, so a record waits at most KT_POLL_MS.
		 */
		int rc = ring_buffer__poll(k->rb, KT_POLL_MS);

		if (rc < 0 && rc != -EINTR) {
			/* the ring buffer is unusable: stop here, ut_ktrace_stop says why */
			k->drain_err = rc;
			break;
		}
		ring_buffer__consume(k->rb);
		kt_report_lost(k);
		kt_scan_stalls(k);
	}
	return NULL;
}

/* Points an optional object's maps at the core object's maps of the same name. */
static int kt_share_maps(struct bpf_object *opt, struct bpf_object *core)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, opt) {
		struct bpf_map *src = bpf_object__find_map_by_name(core, bpf_map__name(m));
		int err;

		if (!src || bpf_map__is_internal(m))
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

/*
 * The process filters (kt_filter.bpf.h) live in every object that decides
 * whether a thread is traced: the same values go into each one's rodata.
 */
#define KT_PROC_FILTERS(ro, o, levels)                                            \
	do {                                                                      \
		(ro)->self_tgid = (uint32_t)getpid();                             \
		(ro)->filter_pids = (o)->npids > 0;                               \
		if ((o)->comm && *(o)->comm) {                                    \
			(ro)->filter_comm = 1;                                    \
			memcpy((char *)(ro)->targ_comm, (o)->comm,                \
			       strnlen((o)->comm, UT_COMM_LEN - 1));              \
		}                                                                 \
		(ro)->filter_cgroups = (uint32_t)(o)->ncgroups;                   \
		for (int _i = 0; _i < (o)->ncgroups; _i++) {                      \
			((uint64_t *)(ro)->targ_cgroup_id)[_i] = (o)->cgroup_ids[_i];   \
			((int32_t *)(ro)->targ_cgroup_level)[_i] = (levels)[_i];        \
		}                                                                 \
	} while (0)

/* The optional objects share one shape: open, set up, share maps, load, attach. */
#define KT_OPTIONAL(k, field, skel, setup, what, lost)                                   \
	do {                                                                             \
		int _err = -ENOMEM;                                                      \
		(k)->field = skel##__open();                                             \
		if ((k)->field) {                                                        \
			setup;                                                           \
			_err = kt_share_maps((k)->field->obj, (k)->core->obj);           \
		}                                                                        \
		if (!_err)                                                               \
			_err = skel##__load((k)->field);                                 \
		if (!_err)                                                               \
			_err = skel##__attach((k)->field);                               \
		if (_err) {                                                              \
			kt_note((k), "warning: %s unavailable (%s): %s\n",              \
				what, strerror(-_err), lost);                            \
			skel##__destroy((k)->field);                                     \
			(k)->field = NULL;                                               \
		} else if (o->verbose) {                                                 \
			kt_note((k), "hook %s active\n", what);                         \
		}                                                                        \
	} while (0)

static int kt_set_filters(struct ut_ktrace *k, const struct ut_ktrace_opts *o,
			  char *errbuf, size_t errlen)
{
	struct ktrace_bpf__rodata *ro = k->core->rodata;

	KT_PROC_FILTERS(ro, o, k->cgroup_levels);
	if (o->path_prefix && *o->path_prefix) {
		size_t n = strlen(o->path_prefix);

		if (n > KT_PREFIX_MAX) {
			ut_errf(errbuf, errlen, "socket path prefix longer than %d bytes", KT_PREFIX_MAX);
			return -EINVAL;
		}
		memcpy((char *)ro->prefix, o->path_prefix, n);
		/* "@name" is an abstract address: sun_path starts with a NUL byte */
		if (o->path_prefix[0] == '@')
			((char *)ro->prefix)[0] = '\0';
		ro->prefix_len = (uint32_t)n;
	}
	ro->messages = o->messages ? 1 : 0;
	ro->payload_max = o->messages ? (o->payload < KT_PAYLOAD_MAX ? o->payload : KT_PAYLOAD_MAX) : 0;
	ro->block_ns = o->block_threshold_ns;
	ro->stall_ns = o->stall_after_ns;
	ro->wakeup_bytes = KT_WAKEUP_BYTES;
	return 0;
}

/*
 * The last parameter of the function prototype behind typedef name: a pointer
 * to struct want?  (A tracepoint's arguments, as tp_btf programs get them.)
 */
static int kt_last_arg_points_to(const struct btf *v, const char *name, const char *want)
{
	int id = btf__find_by_name_kind(v, name, BTF_KIND_TYPEDEF);
	const struct btf_type *t = id >= 0 ? btf__type_by_id(v, id) : NULL;
	const struct btf_param *p;

	if (t)
		t = btf__type_by_id(v, t->type); /* pointer to the prototype */
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(v, t->type);
	if (!t || !btf_is_func_proto(t) || !btf_vlen(t))
		return 0;
	p = btf_params(t) + btf_vlen(t) - 1;
	t = btf__type_by_id(v, p->type);
	if (!t || !btf_is_ptr(t))
		return 0;
	t = btf__type_by_id(v, t->type);
	return t && btf_is_struct(t) && !strcmp(btf__name_by_offset(v, t->name_off), want);
}

/* The value of enumerator name in any enum of the kernel's BTF (io_uring's REQ_F_* flags). */
static int kt_btf_enumerator(const struct btf *v, const char *name, uint64_t *val)
{
	unsigned n = btf__type_cnt(v);

	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(v, id);

		for (unsigned i = 0; t && btf_is_enum(t) && i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(v, btf_enum(t)[i].name_off), name)) {
				*val = (uint32_t)btf_enum(t)[i].val;
				return 0;
			}
		for (unsigned i = 0; t && btf_is_enum64(t) && i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(v, btf_enum64(t)[i].name_off), name)) {
				*val = btf_enum64_value(&btf_enum64(t)[i]);
				return 0;
			}
	}
	return -1;
}

/*
 * Whether this kernel has io_uring as kt_iouring.bpf.h reads it: its
 * tracepoints, io_uring_complete with the cqe as its last argument (6.13 on;
 * before, a user_data number), the request types, and where the request
 * flag REQ_F_APOLL_MULTISHOT is (its bit moves between versions; *multishot).
 * Without, its programs stay unloaded and io_uring goes unseen.  Asked once.
 */
static int kt_have_io_uring(uint64_t *multishot)
{
	static int have = -1;
	static uint64_t flag;
	struct btf *v;

	if (have < 0) {
		v = btf__load_vmlinux_btf();
		have = v && kt_last_arg_points_to(v, "btf_trace_io_uring_complete", "io_uring_cqe") &&
		       btf__find_by_name_kind(v, "btf_trace_io_uring_submit_req", BTF_KIND_TYPEDEF) >= 0 &&
		       btf__find_by_name_kind(v, "io_sr_msg", BTF_KIND_STRUCT) >= 0 &&
		       kt_btf_enumerator(v, "REQ_F_APOLL_MULTISHOT", &flag) == 0 && flag;
		btf__free(v);
	}
	*multishot = flag;
	return have;
}

/* Which programs of the core object load and attach: the layout (ktrace.bpf.c). */
static void kt_pick_layout(struct ktrace_bpf *core, enum kt_layout layout, int io_uring)
{
	int sock = layout != KT_LAYOUT_SYS_EXIT, per_call = layout == KT_LAYOUT_SOCKET;

	bpf_program__set_autoload(core->progs.kt_sys_exit, !sock);
	bpf_program__set_autoload(core->progs.kt_sys_exit_one, per_call);
	bpf_program__set_autoattach(core->progs.kt_sys_exit_one, false); /* once per call, below */
	bpf_program__set_autoload(core->progs.kt_sock_send, sock);
	bpf_program__set_autoload(core->progs.kt_sock_recv, sock);
	bpf_program__set_autoload(core->progs.kt_sys_enter_close, per_call);
	bpf_program__set_autoattach(core->progs.kt_sys_enter_close, false); /* after the exits */
	/* lean reports no close: nothing to rebuild at exec (kt_exec.bpf.h) */
	bpf_program__set_autoload(core->progs.kt_exec, layout != KT_LAYOUT_LEAN);
	bpf_program__set_autoload(core->progs.kt_iou_submit, io_uring);
	bpf_program__set_autoload(core->progs.kt_iou_complete, io_uring);
	if (io_uring)
		kt_have_io_uring((uint64_t *)&core->rodata->iou_f_multishot);
	core->rodata->lean = layout == KT_LAYOUT_LEAN;
	core->rodata->reader_at_recv_end = sock;
}

/*
 * The layout to try first.  The socket layout needs the classic syscall
 * tracepoints (tracefs).  Where they cannot be had, or the kernel refuses a
 * piece, sys_exit does it all: the same events, at the cost of a program run
 * on every syscall.  UNIXTRACE_KERNEL_HOOKS=sys_exit asks for that layout
 * (the bench compares); --lean for the one without syscall tracepoints.
 */
static enum kt_layout kt_first_layout(struct ut_ktrace *k, const struct ut_ktrace_opts *o)
{
	const char *force = getenv("UNIXTRACE_KERNEL_HOOKS");
	int mounted, err;

	if (o->lean)
		return KT_LAYOUT_LEAN;
	if (force && !strcmp(force, "sys_exit"))
		return KT_LAYOUT_SYS_EXIT;
	err = kt_tracefs_ready(&mounted);
	if (err) {
		kt_note(k, "note: no syscall tracepoints (tracefs at /sys/kernel/tracing: %s): "
			"tp_btf sys_exit runs on every syscall of the machine instead\n",
			strerror(-err));
		return KT_LAYOUT_SYS_EXIT;
	}
	if (mounted && o->verbose)
		kt_note(k, "mounted tracefs at /sys/kernel/tracing for the syscall tracepoints\n");
	return KT_LAYOUT_SOCKET;
}

/* Where loading the core object stopped (kt_load_core_layout). */
enum kt_stage { KT_STAGE_DONE, KT_STAGE_SETUP, KT_STAGE_LOAD, KT_STAGE_ATTACH };

static int kt_open_core(struct ut_ktrace *k, const struct ut_ktrace_opts *o,
			enum kt_stage *stage, char *errbuf, size_t errlen)
{
	int err;

	*stage = KT_STAGE_SETUP;
	k->core = ktrace_bpf__open();
	if (!k->core) {
		err = -errno;
		ut_errf(errbuf, errlen, "cannot open the BPF tracer: %s", strerror(-err));
		return err;
	}
	kt_pick_layout(k->core, k->layout, k->io_uring);
	err = kt_set_filters(k, o, errbuf, errlen);
	if (err)
		return err;
	*stage = KT_STAGE_LOAD;
	return ktrace_bpf__load(k->core);
}

static int kt_attach_core(struct ut_ktrace *k, const char **what)
{
	int err = ktrace_bpf__attach(k->core);

	*what = k->layout == KT_LAYOUT_SYS_EXIT ? "tp_btf sys_exit"
						: "tp_btf sock_send_length/sock_recv_length";
	if (err || k->layout != KT_LAYOUT_SOCKET)
		return err;
	err = kt_attach_sys_exits(k->core->progs.kt_sys_exit_one, k->sys_exit_links, what);
	/* close()'s entry last: a note it makes is always taken by its call's exit */
	if (!err) {
		k->core->links.kt_sys_enter_close =
			bpf_program__attach(k->core->progs.kt_sys_enter_close);
		if (!k->core->links.kt_sys_enter_close) {
			err = -errno;
			*what = "syscalls:sys_enter_close";
			kt_detach_sys_exits(k->sys_exit_links);
		}
	}
	if (err)
		ktrace_bpf__detach(k->core);
	return err;
}

static int kt_set_pid_filter(struct ut_ktrace *k, const struct ut_ktrace_opts *o,
			     char *errbuf, size_t errlen)
{
	uint8_t one = 1;

	for (int i = 0; i < o->npids && i < UT_KTRACE_MAX_PIDS; i++) {
		uint32_t pid = (uint32_t)o->pids[i];

		if (pid && bpf_map__update_elem(k->core->maps.pids, &pid, sizeof(pid), &one,
						sizeof(one), BPF_ANY)) {
			int err = -errno;

			ut_errf(errbuf, errlen, "cannot set the pid filter: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * Loads and attaches the core object in k->layout: 0, or -errno with errbuf
 * said and *stage where it stopped (*what names the hook an attach failed on).
 */
static int kt_load_core_layout(struct ut_ktrace *k, const struct ut_ktrace_opts *o,
			       enum kt_stage *stage, const char **what, char *errbuf, size_t errlen)
{
	int err = kt_open_core(k, o, stage, errbuf, errlen);

	*what = "";
	if (err && *stage == KT_STAGE_SETUP)
		return err;
	if (err == -EPERM || err == -EACCES) {
		ut_errf(errbuf, errlen,
		       "loading BPF programs was refused (%s): the kernel side needs root or "
		       "CAP_BPF+CAP_PERFMON; `unixtrace run` (the LD_PRELOAD shim) still works",
		       strerror(-err));
		return err;
	}
	if (err) {
		ut_errf(errbuf, errlen,
		       "the kernel refused the tracer's core hooks (%s layout): %s; "
		       "`unixtrace run` (the LD_PRELOAD shim) and `unixtrace sockets` may still work "
		       "(--verbose shows the verifier's log)", kt_layout_name[k->layout], strerror(-err));
		return err;
	}
	*stage = KT_STAGE_SETUP;
	err = kt_set_pid_filter(k, o, errbuf, errlen);
	if (err)
		return err;
	*stage = KT_STAGE_ATTACH;
	err = kt_attach_core(k, what);
	if (err) {
		ut_errf(errbuf, errlen,
		       "attaching %s failed: %s; `unixtrace run` "
		       "(the LD_PRELOAD shim) still works", *what, strerror(-err));
		return err;
	}
	*stage = KT_STAGE_DONE;
	return 0;
}

static void kt_note_layout(struct ut_ktrace *k)
{
	switch (k->layout) {
	case KT_LAYOUT_SOCKET:
		kt_note(k, "hooks tp_btf/sock_send_length, tp_btf/sock_recv_length and "
			"syscalls:sys_exit_* of %d calls (and sys_enter_close) active (fd passing, "
			"credentials, truncation flags, lifecycle)\n", KT_SYS_EXIT_CALLS);
		break;
	case KT_LAYOUT_LEAN:
		kt_note(k, "hooks tp_btf/sock_send_length and tp_btf/sock_recv_length active, no "
			"syscall tracepoint (--lean: fds and credentials sent, truncation and losses "
			"on read/recv, blocked and stalled sends; not seen: socket, socketpair, bind, "
			"listen, connect, accept, close, socket options, the recvmsg syscall, "
			"sendmmsg/recvmmsg, calls failing outside the socket layer, the peer process)\n");
		break;
	case KT_LAYOUT_SYS_EXIT:
		kt_note(k, "hook tp_btf/sys_exit active (fd passing, credentials, "
			"truncation flags, lifecycle)\n");
		break;
	}
}

/*
 * The core object, in the first layout that loads and attaches.  The socket
 * layout falls back to sys_exit (the same events, dearer); the lean one does
 * not (it was asked for to cost nothing: a dearer one would be a surprise).
 */
static int kt_load_core(struct ut_ktrace *k, const struct ut_ktrace_opts *o,
			    char *errbuf, size_t errlen)
{
	enum kt_stage stage;
	const char *what;
	int err, iou_err = 0;

	k->layout = kt_first_layout(k, o);
	k->io_uring = kt_have_io_uring(&(uint64_t){ 0 });
	if (!k->io_uring)
		kt_note(k, "note: this kernel has no io_uring tracepoints unixtrace can read: "
			"io_uring's sends and receives go unseen\n");
	for (;;) {
		err = kt_load_core_layout(k, o, &stage, &what, errbuf, errlen);
		if (err && stage == KT_STAGE_LOAD && k->io_uring) {
			/*
			 * io_uring's programs are the newest piece: try once without them
			 * (any error: a verifier's refusal can read as EACCES).  Said, and
			 * kept off, only if that is what made the difference.
			 */
			ktrace_bpf__destroy(k->core);
			k->core = NULL;
			k->io_uring = 0;
			iou_err = err;
			if (errbuf && errlen)
				errbuf[0] = 0;
			continue;
		}
		if (!err && iou_err)
			kt_note(k, "warning: tp_btf/io_uring_complete unavailable (%s): io_uring's "
				"sends and receives go unseen\n", strerror(-iou_err));
		if (err && iou_err)
			k->io_uring = 1; /* it failed without them too: not theirs (next layout) */
		iou_err = 0;
		/* a refused load is a missing privilege, which no layout has; a refused attach, the layout's */
		if (!err || k->layout != KT_LAYOUT_SOCKET || stage == KT_STAGE_SETUP ||
		    (stage == KT_STAGE_LOAD && (err == -EPERM || err == -EACCES)))
			break;
		kt_note(k, "note: %s %s was refused (%s): tp_btf sys_exit runs on every "
			"syscall of the machine instead\n", stage == KT_STAGE_ATTACH ? "attaching" : "loading",
			stage == KT_STAGE_ATTACH ? what : "the socket-layer hooks", strerror(-err));
		ktrace_bpf__destroy(k->core);
		k->core = NULL;
		k->layout = KT_LAYOUT_SYS_EXIT;
		if (errbuf && errlen)
			errbuf[0] = 0;
	}
	if (err)
		return err;
	/* sockets opened before now: their close() is reported too (kt_seed.bpf.h) */
	kt_run_iter(k->core->links.kt_seed_fds);
	if (o->verbose)
		kt_note_layout(k);
	return 0;
}

int ut_ktrace_start(const struct ut_ktrace_opts *o, struct ut_ring *ring,
		    struct ut_ktrace **out, char *errbuf, size_t errlen)
{
	struct ut_ktrace *k;
	int err;

	*out = NULL;
	if (!o || !ring) {
		ut_errf(errbuf, errlen, "ut_ktrace_start: missing options or ring");
		return -EINVAL;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		err = -errno;
		ut_errf(errbuf, errlen,
		       "this kernel exposes no BTF (/sys/kernel/btf/vmlinux: %s; needs "
		       "CONFIG_DEBUG_INFO_BTF): the kernel side cannot run; `unixtrace run` "
		       "(the LD_PRELOAD shim) still works", strerror(-err));
		return err;
	}
	kt_verbose = o->verbose;
	libbpf_set_print(kt_libbpf_print);

	k = calloc(1, sizeof(*k));
	if (!k) {
		ut_errf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	k->ring = ring;
	for (int i = 0; i < o->ncgroups; i++) {
		err = kt_cgroup_level(o->cgroup_ids[i], &k->cgroup_levels[i], errbuf, errlen);
		if (err)
			goto fail;
	}
	err = kt_load_core(k, o, errbuf, errlen);
	if (err)
		goto fail;

	if (!(o->skip_hooks & UT_KTRACE_SKIP_SKB))
		KT_OPTIONAL(k, skb, ktrace_skb_bpf,
			    ({ KT_PROC_FILTERS(k->skb->rodata, o, k->cgroup_levels);
			       k->skb->rodata->reader_at_recv_end = k->layout != KT_LAYOUT_SYS_EXIT;
			       k->skb->rodata->lean = k->layout == KT_LAYOUT_LEAN; }),
			    "tp_btf/skb_copy_datagram_iovec",
			    "truncation by read()/recv() and exact counts of dropped fds are not reported");
	if (k->skb)
		k->core->bss->skb_hook_on = 1; /* sys_exit: "no skb record" now means "nothing to report" */
	if (!(o->skip_hooks & UT_KTRACE_SKIP_SCHED))
		KT_OPTIONAL(k, sched, ktrace_sched_bpf,
			    ({ KT_PROC_FILTERS(k->sched->rodata, o, k->cgroup_levels);
			       k->sched->rodata->lean = k->layout == KT_LAYOUT_LEAN; }),
			    "tp_btf/sched_switch",
			    "blocked sends are not reported");
	/* the stall scan finds what the sched hook recorded: a quarter of the wait, at most 250 ms late */
	if (k->sched && o->stall_after_ns)
		k->stall_scan_ns = o->stall_after_ns / 4 < 250000000ull ? o->stall_after_ns / 4 : 250000000ull;
	if (!(o->skip_hooks & UT_KTRACE_SKIP_EXIT))
		KT_OPTIONAL(k, exit, ktrace_exit_bpf, KT_PROC_FILTERS(k->exit->rodata, o, k->cgroup_levels),
			    "tp_btf/sched_process_exit, signal_deliver, signal_generate",
			    "process exits are not reported (the fds of a process that exits look open), "
			    "nor since when a stopped reader is stopped");
	if (o->npids > 0 && o->follow_children)
		KT_OPTIONAL(k, fork, ktrace_fork_bpf, (void)0, "tp_btf/sched_process_fork",
			    "children forked later are not followed");

	k->rb = ring_buffer__new(bpf_map__fd(k->core->maps.events), kt_on_record, k, NULL);
	if (!k->rb) {
		err = -errno;
		ut_errf(errbuf, errlen, "cannot map the BPF ring buffer: %s", strerror(-err));
		goto fail;
	}
	err = -pthread_create(&k->thread, NULL, kt_drain, k);
	if (err) {
		ut_errf(errbuf, errlen, "cannot start the collector thread: %s", strerror(-err));
		goto fail;
	}
	k->thread_started = 1;
	*out = k;
	return 0;
fail:
	ut_ktrace_stop(k);
	return err;
}

void ut_ktrace_print_notes(const struct ut_ktrace *k, FILE *f, const char *prefix)
{
	const char *p = k ? k->notes : "";

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(f, "%s: %.*s\n", prefix, n, p);
		p += n + (nl != NULL);
	}
}

int ut_ktrace_stop(struct ut_ktrace *k)
{
	int err;

	if (!k)
		return 0;
	if (k->thread_started) {
		atomic_store(&k->stop, 1);
		pthread_join(k->thread, NULL);
	}
	/* detach first so nothing new arrives, then drain what is left */
	kt_detach_sys_exits(k->sys_exit_links);
	if (k->core)
		ktrace_bpf__detach(k->core);
	if (k->rb) {
		ring_buffer__consume(k->rb);
		kt_report_lost(k);
		ring_buffer__free(k->rb);
	}
	ktrace_fork_bpf__destroy(k->fork);
	ktrace_exit_bpf__destroy(k->exit);
	ktrace_sched_bpf__destroy(k->sched);
	ktrace_skb_bpf__destroy(k->skb);
	ktrace_bpf__destroy(k->core);
	err = k->drain_err;
	free(k->owners);
	free(k);
	return err;
}

uint64_t ut_ktrace_lost(const struct ut_ktrace *k)
{
	uint64_t n;

	if (!k || !k->core || !k->core->bss)
		return 0;
	n = __atomic_load_n(&k->core->bss->dropped, __ATOMIC_RELAXED);
	if (k->exit && k->exit->bss) /* its own counter: an object's globals are its own */
		n += __atomic_load_n(&k->exit->bss->dropped, __ATOMIC_RELAXED);
	return n;
}

int ut_ktrace_available(char *errbuf, size_t errlen)
{
	(void)errbuf;
	(void)errlen;
	return 0;
}
