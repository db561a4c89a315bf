/* SPDX-License-Identifier: MIT */
#include "tracer.h"
#include "ktrace.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "tracefile.h"

int ut_tracer_open_output(struct ut_tracer *t, const char *path)
{
	char err[512];
	int rc;

	t->save_path = path;
	if (!path)
		return 0;
	err[0] = 0;
	rc = ut_trace_create(path, &t->save, err, sizeof(err));
	if (rc < 0) {
		if (err[0])
			fprintf(stderr, "unixtrace: %s\n", err);
		else
			fprintf(stderr, "unixtrace: cannot write %s: %s\n", path, strerror(-rc));
		return UT_EXIT_FAIL;
	}
	return 0;
}

int ut_tracer_open_rotating(struct ut_tracer *t, const char *dir, uint64_t max_bytes,
			    unsigned keep)
{
	char err[512] = "";
	int rc;

	t->save_path = dir;
	rc = ut_trace_create_rotating(dir, max_bytes, keep, &t->save, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "unixtrace: %s\n", err[0] ? err : strerror(-rc));
		return UT_EXIT_FAIL;
	}
	return 0;
}

/*
 * A tracer killed with SIGKILL cannot remove its ring (10 MB, maybe on a
 * tmpfs): the next one does.  Directories are named unixtrace.<pid>.XXXXXX;
 * only ours (owner, 0700), of a dead pid, holding nothing but the ring go.
 */
static void remove_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[512], ring[800], *end;
		struct stat st;
		long pid;

		if (strncmp(de->d_name, "unixtrace.", 10) != 0)
			continue;
		pid = strtol(de->d_name + 10, &end, 10);
		if (pid <= 0 || *end != '.' || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & 07777) != 0700)
			continue;
		/* The ring, or the temporary it is built in ("ring.<pid>.tmp")
		 * when the tracer died while creating it. */
		DIR *sub = opendir(path);
		struct dirent *se;

		if (!sub)
			continue;
		while ((se = readdir(sub)) != NULL) {
			if (strcmp(se->d_name, "ring") && strncmp(se->d_name, "ring.", 5))
				continue;
			snprintf(ring, sizeof(ring), "%s/%s", path, se->d_name);
			unlink(ring);
		}
		closedir(sub);
		rmdir(path); /* fails, harmlessly, if anything else is in there */
	}
	closedir(d);
}

/*
 * Where the ring's private directory goes: UNIXTRACE_RING_DIR if set, else
 * /dev/shm, else TMPDIR, else /tmp.  tmpfs matters for speed: on a disk file
 * system every page of a shared writable mapping takes a write fault again
 * each time writeback cleans it, and the traced program pays for each one.
 */
static const char *ring_parent_dir(void)
{
	const char *dir = getenv("UNIXTRACE_RING_DIR");
	struct stat st;

	if (dir && *dir && strlen(dir) <= 200)
		return dir;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	dir = getenv("TMPDIR");
	if (dir && *dir && strlen(dir) <= 200)
		return dir;
	return "/tmp";
}

int ut_tracer_make_ring(struct ut_tracer *t, uint64_t ring_bytes)
{
	const char *tmp = ring_parent_dir();
	char err[512];
	struct timespec rt, mt;
	int rc;

	remove_stale(tmp);
	snprintf(t->dir, sizeof(t->dir), "%s/unixtrace.%d.XXXXXX", tmp, (int)getpid());
	/* mkdtemp makes it 0700: only we (and root) can reach the ring. */
	if (!mkdtemp(t->dir)) {
		fprintf(stderr, "unixtrace: cannot create a private directory in %s: %s\n", tmp,
			strerror(errno));
		t->dir[0] = 0;
		return UT_EXIT_FAIL;
	}
	snprintf(t->ring_path, sizeof(t->ring_path), "%s/ring", t->dir);
	err[0] = 0;
	rc = ut_ring_create(t->ring_path, ring_bytes, &t->ring, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "unixtrace: cannot create the event ring: %s\n",
			err[0] ? err : strerror(-rc));
		rmdir(t->dir);
		t->dir[0] = 0;
		return UT_EXIT_FAIL;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	t->rt_off = ((int64_t)rt.tv_sec - (int64_t)mt.tv_sec) * 1000000000ll +
		    ((int64_t)rt.tv_nsec - (int64_t)mt.tv_nsec);
	return 0;
}

int ut_tracer_consume(struct ut_tracer *t, int (*alive)(void *), void (*ui_quit)(void *, int),
		      void *arg, int merge, const struct ut_out_opts *o, uint64_t *lost)
{
	struct ut_evsrc_live_opts lo = {
		.ring = t->ring,
		.alive = alive,
		.arg = arg,
		.merge = merge,
		.save = t->save,
		.save_path = t->save_path,
		.realtime_offset = t->rt_off,
	};
	struct ut_out_opts none = { .format = UT_OUT_NONE };
	struct ut_evsrc *src;
	int rc;

	if (ut_evsrc_open_live(&lo, &src) < 0) {
		fprintf(stderr, "unixtrace: out of memory\n");
		return UT_EXIT_FAIL;
	}
	rc = ut_consume(src, o);
	/* The TUI may quit before the end: keep saving to the end. */
	if (o->format == UT_OUT_TUI) {
		if (ui_quit)
			ui_quit(arg, rc);
		ut_consume(src, &none);
	}
	*lost = ut_evsrc_lost(src);
	if (ut_evsrc_invalid(src))
		fprintf(stderr, "unixtrace: %llu invalid records from producers were dropped\n",
			(unsigned long long)ut_evsrc_invalid(src));
	if (ut_evsrc_error(src))
		fprintf(stderr, "unixtrace: %s\n", ut_evsrc_error(src));
	ut_evsrc_note_unknown(src);
	if (ut_ring_corrupt(t->ring))
		fprintf(stderr, "unixtrace: %llu damaged records were skipped in the ring\n",
			(unsigned long long)ut_ring_corrupt(t->ring));
	if (ut_evsrc_save_failed(src))
		rc = UT_EXIT_FAIL;
	ut_evsrc_close(src);
	return rc;
}

int ut_tracer_finish(struct ut_tracer *t)
{
	int rc = 0, r;

	if (t->save) {
		r = ut_trace_close(t->save);
		t->save = NULL;
		if (r < 0) {
			fprintf(stderr, "unixtrace: writing %s: %s\n", t->save_path, strerror(-r));
			rc = UT_EXIT_FAIL;
		}
	}
	if (t->ring) {
		ut_ring_close(t->ring);
		t->ring = NULL;
	}
	if (t->ring_path[0])
		unlink(t->ring_path);
	if (t->dir[0])
		rmdir(t->dir);
	t->dir[0] = t->ring_path[0] = 0;
	return rc;
}

void ut_tracer_discard_output(struct ut_tracer *t)
{
	struct stat st;

	if (t->save) {
		ut_trace_close(t->save);
		t->save = NULL;
		/* a trace file, not whatever -o named: -o /dev/null must survive a failed start */
		if (lstat(t->save_path, &st) == 0 && S_ISREG(st.st_mode))
			unlink(t->save_path);
	}
}

int ut_tracer_kernel_result(int rc, int kt_err, const char *who)
{
	if (!kt_err)
		return rc;
	fprintf(stderr, "unixtrace: %s: the kernel collector stopped early (%s): later kernel "
			"events are missing\n", who, strerror(-kt_err));
	return rc ? rc : UT_EXIT_FAIL;
}

void ut_tracer_kernel_stop(struct ut_ktrace **kt, int *err)
{
	if (!*kt)
		return;
	*err = ut_ktrace_stop(*kt);
	*kt = NULL;
}
