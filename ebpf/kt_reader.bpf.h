/* SPDX-License-Identifier: MIT */
/*
 * Who reads a socket: sk_owner answers "which process is at the other end"
 * for the peer of a send.  Shared by the objects that see receives (the skb
 * hook for every read that copies data; sys_exit for calls it decodes).
 * The object must declare KT_MAP_OWNER and KT_MAP_OWNER_CACHE first.
 */
#ifndef UT_KT_READER_BPF_H
#define UT_KT_READER_BPF_H

/*
 * Remembers that thread tid of process tgid (the current one: its comm is
 * taken) reads the socket with inode ino ("who
 * is at the other end" for its peer), unless it was the last one noted for
 * that socket's cache slot; and when (to the millisecond: one write a
 * millisecond at most per slot), by which thread: the one the collector
 * describes when a send stalls (ktrace.c, kt_reader_state.c).
 */
static __always_inline void kt_note_reader_at(__u64 ino, __u32 tgid, __u32 tid, int stamp)
{
	struct kt_owner_cache *oc;
	__u32 zero = 0, i = ino & (KT_OWNER_CACHE - 1);
	struct kt_owner no = { .ino = ino, .tgid = tgid };
	__u64 word = (ino << 32) | tgid;

	if (!ino)
		return;
	oc = bpf_map_lookup_elem(&owner_cache, &zero);
	if (oc && stamp) {
		struct kt_last_read lr = { .ino = (__u32)ino,
					   .ms = (__u32)(bpf_ktime_get_ns() / 1000000),
					   .tid = tid };

		if (oc->last_read[i].ino != lr.ino || oc->last_read[i].ms != lr.ms)
			oc->last_read[i] = lr;
	}
	if (oc && oc->e[i] == word)
		return;
	bpf_get_current_comm(no.comm, sizeof(no.comm));
	bpf_map_update_elem(&sk_owner, &ino, &no, BPF_ANY);
	if (oc)
		oc->e[i] = word;
}

/*
 * A reader the filters trace: every read of it is seen, so the time of its
 * last one is too.  (An untraced reader is noted only when it wakes a
 * sleeping send, kt_note_waker: its last read is not known.)
 */
static __always_inline void kt_note_reader(__u64 ino, __u32 tgid, __u32 tid)
{
	kt_note_reader_at(ino, tgid, tid, 1);
}

static __always_inline void kt_note_waker(__u64 ino, __u32 tgid)
{
	kt_note_reader_at(ino, tgid, 0, 0);
}

#endif
