/* SPDX-License-Identifier: MIT */
/*
 * kt_closerace: fd numbers reused across threads while a close is in flight.
 * A file thread opens and closes /dev/null in a loop; a pair thread makes and
 * closes socketpairs in a loop; the main thread makes N datagram sockets and
 * keeps them, then closes them all.  Every close of a socket is its own
 * thread's; the file thread closes none.  Both the kernel side and the shim
 * once took one thread's close for another's socket (a close reported that
 * never happened) or lost a close when the number came back between the
 * call and their bookkeeping.
 * Ground truth: "UT file_tid=T" and one "UT sock ino=I tid=T" per socket.
 * Usage: kt_closerace N
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int done;

static unsigned long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void *files(void *arg)
{
	(void)arg;
	printf("UT file_tid=%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	while (!done) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void *pairs(void *arg)
{
	long tid = (long)syscall(SYS_gettid);
	int n = *(int *)arg, sv[2];

	for (int i = 0; i < n / 4 && !done; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			continue;
		printf("UT sock ino=%lu tid=%ld\nUT sock ino=%lu tid=%ld\n", ino_of(sv[0]), tid,
		       ino_of(sv[1]), tid);
		close(sv[0]);
		close(sv[1]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;
	struct rlimit rl = { (rlim_t)n + 256, (rlim_t)n + 256 };
	long tid = (long)syscall(SYS_gettid);
	pthread_t ft, pt;
	int *fds = calloc((size_t)n, sizeof(int));

	if (!fds || setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("kt_closerace");
		return 1;
	}
	pthread_create(&ft, NULL, files, NULL);
	pthread_create(&pt, NULL, pairs, &n);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (fds[i] >= 0)
			printf("UT sock ino=%lu tid=%ld\n", ino_of(fds[i]), tid);
	}
	pthread_join(pt, NULL);
	done = 1;
	pthread_join(ft, NULL);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fflush(stdout);
	return 0;
}
