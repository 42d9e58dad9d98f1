/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_bench: the entry the hash table parts share (smr_bench_table.c,
 * smr_bench_grow.c), so that every table they compare holds the same
 * object: one link of the table's kind (a union of every kind's, so the
 * entry is the same size in all of them), the key, a version and a check
 * word a lookup verifies, and the head its deferred free uses; and the
 * generator of the keys their threads look up.
 */
#ifndef _SMR_BENCH_TABLE_H
#define _SMR_BENCH_TABLE_H

#include <linux/hash.h>
#include <linux/rhashtable-types.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "smr.h"
#include "smr_queue.h"

struct table_entry {
	union {
		struct smrq_link smr_link;
		struct hlist_node rcu_link;
		struct smrq_slink hash_link;
		struct rhash_head rht_link;
		struct smrq_slink shash_link;
	};
	u32 key;
	u32 version;
	u32 check;
	union {
		struct smr_node smr_node;
		struct rcu_head rcu_head;
	};
};

/* The check word of @key's entry at @version. */
static inline u32 table_check(u32 key, u32 version)
{
	return hash_32(key ^ (version << 16), 32) ^ 0x5afe5afe;
}

/* A new entry for @key at @version, or NULL. */
static inline struct table_entry *table_new(u32 key, u32 version)
{
	struct table_entry *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (e) {
		e->key = key;
		e->version = version;
		e->check = table_check(key, version);
	}
	return e;
}

/* A small per-thread generator: the lookups must not share a lock. */
static inline u32 table_random(u32 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

#endif /* _SMR_BENCH_TABLE_H */
