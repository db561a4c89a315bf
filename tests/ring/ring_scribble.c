/* SPDX-License-Identifier: MIT */
/*
 * ring_scribble: a hostile producer.  Maps a ring file directly and writes
 * random 8-byte words at random places of its cell metadata and data area
 * (never the header page), to show that the consumer survives whatever a
 * traced process does to shared memory.
 *   ring_scribble RING WRITES SEED
 * Prints  UT scribbled=N.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 20000 };
	unsigned long writes, i;
	uint64_t seed, *words, nwords, v;
	struct stat st;
	void *base;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: ring_scribble RING WRITES SEED\n");
		return 2;
	}
	writes = strtoul(argv[2], NULL, 10);
	seed = strtoull(argv[3], NULL, 10) * 2654435761u + 1;
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 4096) {
		perror("ring_scribble");
		return 1;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		perror("ring_scribble: mmap");
		return 1;
	}
	words = (uint64_t *)((char *)base + 4096);
	nwords = ((uint64_t)st.st_size - 4096) / 8;
	for (i = 0; i < writes; i++) {
		v = next_rand(&seed);
		/* Half plausible small values (states, sizes), half noise. */
		if (v & 1)
			v = (v >> 1) & 0x3fff;
		__atomic_store_n(&words[next_rand(&seed) % nwords], v, __ATOMIC_RELAXED);
		if (i % 16 == 15)
			nanosleep(&nap, NULL);
	}
	printf("UT scribbled=%lu\n", writes);
	return 0;
}
