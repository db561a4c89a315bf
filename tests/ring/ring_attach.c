/* SPDX-License-Identifier: MIT */
/*
 * ring_attach: the producer's trust check on its own.
 *   ring_attach RING            attach; prints UT ok bytes=N  or  UT refused rc=-E msg=...
 *   ring_attach --create RING [BYTES]   create a ring file and leave it there
 * Exit 0 when attached/created, 1 when refused.
 */
#include "ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct ut_ring *r;
	char err[512] = "";
	int rc;

	if (argc >= 3 && !strcmp(argv[1], "--create")) {
		rc = ut_ring_create(argv[2], argc > 3 ? strtoull(argv[3], NULL, 0) : 0, &r, err,
				    sizeof(err));
	} else if (argc == 2) {
		rc = ut_ring_attach(argv[1], &r, err, sizeof(err));
	} else {
		fprintf(stderr, "usage: ring_attach [--create] RING [BYTES]\n");
		return 2;
	}
	if (rc) {
		printf("UT refused rc=%d msg=%s\n", rc, err);
		return 1;
	}
	printf("UT ok bytes=%zu\n", ut_ring_data_bytes(r));
	ut_ring_close(r);
	return 0;
}
