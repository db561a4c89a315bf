/* SPDX-License-Identifier: MIT */
#include "reader_words.h"

#include <stdio.h>
#include <string.h>

const char *ut_reader_state_name(const struct ut_reader *r)
{
	switch (r->state) {
	case 'T': return "stopped";
	case 't': return "traced";
	case 'S': return "asleep";
	case 'D': return "disk-sleep";
	case 'R': return "running";
	case 'Z': return "zombie";
	case 'X': case 0: return "gone";
	case 'I': return "idle";
	default: return "unknown";
	}
}

/* The calls a reader is usually found in (x86_64 numbers). */
static const struct { int nr; const char *name; int takes_fd; } calls[] = {
	{ 0, "read", 1 }, { 1, "write", 1 }, { 7, "poll", 0 }, { 19, "readv", 1 },
	{ 20, "writev", 1 }, { 23, "select", 0 }, { 34, "pause", 0 }, { 35, "nanosleep", 0 },
	{ 43, "accept", 1 }, { 44, "sendto", 1 }, { 45, "recvfrom", 1 }, { 46, "sendmsg", 1 },
	{ 47, "recvmsg", 1 }, { 42, "connect", 1 }, { 61, "wait4", 0 }, { 72, "fcntl", 1 },
	{ 130, "rt_sigsuspend", 0 }, { 128, "rt_sigtimedwait", 0 }, { 202, "futex", 0 },
	{ 230, "clock_nanosleep", 0 }, { 232, "epoll_wait", 1 }, { 247, "waitid", 0 },
	{ 270, "pselect6", 0 }, { 271, "ppoll", 0 }, { 281, "epoll_pwait", 1 },
	{ 288, "accept4", 1 }, { 299, "recvmmsg", 1 }, { 307, "sendmmsg", 1 },
	{ 426, "io_uring_enter", 1 }, { 441, "epoll_pwait2", 1 }, { 17, "pread64", 1 },
	{ 74, "fsync", 1 }, { 75, "fdatasync", 1 }, { 16, "ioctl", 1 }, { 73, "flock", 1 },
};

static int call_index(int nr)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == nr)
			return (int)i;
	return -1;
}

const char *ut_reader_syscall_name(const struct ut_reader *r)
{
	int i = r->syscall >= 0 ? call_index(r->syscall) : -1;

	return i >= 0 ? calls[i].name : NULL;
}

static int reader_state_clause(const struct ut_reader *r, char *buf, size_t cap);

/* "12 ms", "2.103 s": what a millisecond stamp can say. */
static const char *ms_or_s(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000000ull)
		snprintf(buf, len, "%llu ms", (unsigned long long)(ns / 1000000ull));
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

int ut_reader_clause(const struct ut_reader *r, uint64_t at_ns, char *buf, size_t cap)
{
	int n = reader_state_clause(r, buf, cap);
	char d[32];

	/*
	 * To the millisecond: the kernel side notes reads at most once a
	 * millisecond.  One after the event (the collector asked later) is
	 * said by last_read_ts alone.
	 */
	if (r->last_read_ns && at_ns && n >= 0 && r->last_read_ns <= at_ns + 1000000) {
		size_t o = (size_t)n < cap ? (size_t)n : cap;

		if (at_ns < r->last_read_ns + 1000000)
			n += snprintf(buf + o, cap - o, ", last read this socket under 1 ms before");
		else
			n += snprintf(buf + o, cap - o, ", last read this socket %s before",
				      ms_or_s(at_ns - r->last_read_ns, d, sizeof(d)));
	}
	return n;
}

static int reader_state_clause(const struct ut_reader *r, char *buf, size_t cap)
{
	size_t cl = strnlen(r->comm, UT_COMM_LEN);
	int n, i = r->syscall >= 0 ? call_index(r->syscall) : -1;

	char comm[UT_COMM_LEN * 4 + 1];
	size_t o = 0;

	/* a process names itself: never hand its bytes to a terminal raw */
	for (size_t k = 0; k < cl; k++) {
		unsigned char ch = (unsigned char)r->comm[k];

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			o += (size_t)snprintf(comm + o, sizeof(comm) - o, "\\x%02x", ch);
		else
			comm[o++] = (char)ch;
	}
	comm[o] = 0;
	if (cl)
		n = snprintf(buf, cap, "%s[%u]", comm, r->pid);
	else
		n = snprintf(buf, cap, "pid %u", r->pid);
#define MORE(...) (n += snprintf(buf + ((size_t)n < cap ? (size_t)n : cap), \
				 (size_t)n < cap ? cap - (size_t)n : 0, __VA_ARGS__))
	switch (r->state) {
	case 'T':
		MORE(" is stopped (SIGSTOP or another stop signal)");
		if (r->has & UT_RDR_SINCE) {
			char d[32];

			MORE(" since %s", ms_or_s((uint64_t)r->state_ms * 1000000ull, d, sizeof(d)));
		}
		return n;
	case 't': MORE(" is stopped by a tracer (ptrace)"); return n;
	case 'Z': MORE(" has exited (a zombie not yet reaped)"); return n;
	case 'X': case 0: MORE(" is gone"); return n;
	case 'R': MORE(" is running"); break;
	case 'D': MORE(" is in uninterruptible sleep"); break;
	case 'S': case 'I': MORE(" is asleep"); break;
	default: MORE(" is in state %c", r->state); break;
	}
	if (r->syscall == UT_READER_SYSCALL_NONE)
		MORE(" outside any syscall");
	else if (r->syscall == UT_READER_SYSCALL_UNKNOWN && r->state == 'R')
		MORE(" (on a CPU: which call, if any, is not known)");
	else if (r->syscall >= 0 && i >= 0 && calls[i].takes_fd) {
		MORE(" in %s on fd %llu", calls[i].name, (unsigned long long)r->arg0);
		if (r->peer_fd >= 0 && r->arg0 != (uint64_t)r->peer_fd &&
		    strcmp(calls[i].name, "epoll_wait") && strcmp(calls[i].name, "epoll_pwait") &&
		    strcmp(calls[i].name, "epoll_pwait2") && strcmp(calls[i].name, "io_uring_enter"))
			MORE(", not this socket (its end is fd %d)", r->peer_fd);
	} else if (r->syscall >= 0 && i >= 0) {
		MORE(" in %s", calls[i].name);
	} else if (r->syscall >= 0) {
		MORE(" in syscall %d", r->syscall);
	}
	if (r->wchan[0] && r->state != 'R')
		MORE(" (kernel: %.*s)", (int)strnlen(r->wchan, sizeof(r->wchan)), r->wchan);
#undef MORE
	return n;
}
