// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench, a read-mostly workload: the hash table of samples/smr_lookup
 * (TABLE_BUCKETS buckets, keys 0 .. TABLE_KEYS - 1, every other key present
 * to start with, entries that never change once published and carry a
 * check word) built twice: on smr_queue.h lists read inside smr_enter(),
 * and on RCU hlists read inside rcu_read_lock(); and the same keys and
 * entries in the three general tables, an smr_hash (smr_hash.h, sized
 * TABLE_KEYS / 2 buckets, one writer at a time: its writers share one
 * lock), an smr_shash (smr_shash.h, SMRSH_BALANCED from TABLE_KEYS / 2
 * buckets, resized by its own worker) and an rhashtable (its lookups
 * rhashtable_lookup_fast()).  The smr_shash and rhashtable writers could
 * run concurrently without help, but take the bucket lock of the
 * workload too, as the lists' writers do (uncontended in their own
 * tables), so that every kind but smr_hash sees the same writers; both
 * count the inserts they refuse (smr_shash by design never does).
 *
 * For 1 .. N threads, one per CPU, and update_pct 0, 1 and 10, the two
 * tables take turns for the runs= number of runs; in a run each thread works
 * for table_ms, on a random key per operation: update_pct percent of the
 * operations are updates (under the bucket's lock: insert the key when
 * absent, else remove it or replace it by its next version; what leaves a
 * bucket is retired with smr_call() or kfree_rcu()), the rest lookups.
 *
 *   table kind=<smr|rcu|smr_hash|smr_shash|rhashtable> readers=<n>
 *         update_pct=<p> updates=<all runs> lookups_per_s=<median run>
 *         min=<slowest run> max=<fastest run> insert_failures=<all runs>
 *         buckets=<the table's size after the last run>
 *
 * A lookup that meets an entry whose check word is wrong (freed memory)
 * fails the run with -EIO.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "smr.h"
#include "smr_bench.h"
#include "smr_bench_table.h"
#include "smr_hash.h"
#include "smr_queue.h"
#include "smr_shash.h"

#define TABLE_HASH_BITS		6
#define TABLE_BUCKETS		BIT(TABLE_HASH_BITS)
#define TABLE_KEYS		1024

struct table_bucket {
	spinlock_t lock;	/* serializes the bucket's writers */
	union {
		struct smrq_list_head smr_head;
		struct hlist_head rcu_head;
	};
};

struct table_kind;

struct table_run {
	const struct table_kind *kind;
	struct smr *smr;
	struct table_bucket *buckets;
	struct smr_hash hash;			/* kind smr_hash */
	struct smrh_traits traits;		/* smr_hash, smr_shash */
	struct smr_shash shash;			/* kind smr_shash */
	struct rhashtable rht;			/* kind rhashtable */
	atomic_long_t insert_failures;
	unsigned int update_pct;
	unsigned long end;		/* jiffies */
	atomic_long_t lookups;
	atomic_long_t updates;
};

/* How one table differs from the others. */
struct table_kind {
	const char *name;
	bool one_writer;	/* its writers share bucket 0's lock */
	bool (*lookup)(struct table_run *r, u32 key);	/* false: bad entry */
	struct table_entry *(*find_locked)(struct table_run *r,
					   struct table_bucket *b, u32 key);
	void (*insert_locked)(struct table_run *r, struct table_bucket *b,
			      struct table_entry *e);
	void (*remove_locked)(struct table_run *r, struct table_bucket *b,
			      struct table_entry *old);
	void (*replace_locked)(struct table_run *r, struct table_bucket *b,
			       struct table_entry *old,
			       struct table_entry *new);
	void (*free_all)(struct table_run *r);
	unsigned long (*buckets)(struct table_run *r);
};

static struct table_bucket *table_bucket(struct table_run *r, u32 key)
{
	return &r->buckets[hash_32(key, TABLE_HASH_BITS)];
}

/* The lock an update of @key takes. */
static spinlock_t *table_lock(struct table_run *r, u32 key)
{
	return r->kind->one_writer ? &r->buckets[0].lock :
				     &table_bucket(r, key)->lock;
}

/* ---- On smr lists -------------------------------------------------------- */

static bool table_smr_lookup(struct table_run *r, u32 key)
{
	struct table_entry *e;
	bool good = true;

	smr_enter(r->smr);
	smrq_entered_foreach(e, &table_bucket(r, key)->smr_head, smr_link) {
		if (e->key == key) {
			good = e->check == table_check(key, e->version);
			break;
		}
	}
	smr_leave(r->smr);
	return good;
}

static struct table_entry *table_smr_find_locked(struct table_run *r,
						 struct table_bucket *b,
						 u32 key)
{
	struct table_entry *e;

	lockdep_assert_held(&b->lock);
	smrq_serialized_foreach(e, &b->smr_head, smr_link)
		if (e->key == key)
			return e;
	return NULL;
}

static void table_smr_insert_locked(struct table_run *r,
				    struct table_bucket *b,
				    struct table_entry *e)
{
	smrq_serialized_insert_head(&b->smr_head, &e->smr_link);
}

static void table_smr_free(struct smr_node *node)
{
	kfree(container_of(node, struct table_entry, smr_node));
}

static void table_smr_retire(struct table_run *r, struct table_entry *e)
{
	smr_call(r->smr, &e->smr_node, sizeof(*e), table_smr_free);
}

static void table_smr_remove_locked(struct table_run *r,
				    struct table_bucket *b,
				    struct table_entry *old)
{
	if (smrq_serialized_remove(&b->smr_head, &old->smr_link))
		table_smr_retire(r, old);
}

static void table_smr_replace_locked(struct table_run *r,
				     struct table_bucket *b,
				     struct table_entry *old,
				     struct table_entry *new)
{
	if (smrq_serialized_replace(&b->smr_head, &old->smr_link,
				    &new->smr_link))
		table_smr_retire(r, old);
	else
		kfree(new);	/* refused: a corrupt bucket (it warned) */
}

static void table_smr_free_all(struct table_run *r)
{
	struct table_entry *e;
	unsigned int i;

	smr_barrier(r->smr);
	for (i = 0; i < TABLE_BUCKETS; i++) {
		smrq_serialized_foreach_safe(e, &r->buckets[i].smr_head,
					     smr_link)
			kfree(e);
		smrq_init(&r->buckets[i].smr_head);
	}
}

static unsigned long table_lists_buckets(struct table_run *r)
{
	return TABLE_BUCKETS;
}

/* ---- On RCU hlists -------------------------------------------------------- */

static bool table_rcu_lookup(struct table_run *r, u32 key)
{
	struct table_entry *e;
	bool good = true;

	rcu_read_lock();
	hlist_for_each_entry_rcu(e, &table_bucket(r, key)->rcu_head, rcu_link) {
		if (e->key == key) {
			good = e->check == table_check(key, e->version);
			break;
		}
	}
	rcu_read_unlock();
	return good;
}

static struct table_entry *table_rcu_find_locked(struct table_run *r,
						 struct table_bucket *b,
						 u32 key)
{
	struct table_entry *e;

	hlist_for_each_entry_rcu(e, &b->rcu_head, rcu_link,
				 lockdep_is_held(&b->lock))
		if (e->key == key)
			return e;
	return NULL;
}

static void table_rcu_insert_locked(struct table_run *r,
				    struct table_bucket *b,
				    struct table_entry *e)
{
	hlist_add_head_rcu(&e->rcu_link, &b->rcu_head);
}

static void table_rcu_remove_locked(struct table_run *r,
				    struct table_bucket *b,
				    struct table_entry *old)
{
	hlist_del_rcu(&old->rcu_link);
	kfree_rcu(old, rcu_head);
}

static void table_rcu_replace_locked(struct table_run *r,
				     struct table_bucket *b,
				     struct table_entry *old,
				     struct table_entry *new)
{
	hlist_replace_rcu(&old->rcu_link, &new->rcu_link);
	kfree_rcu(old, rcu_head);
}

static void table_rcu_free_all(struct table_run *r)
{
	struct table_entry *e;
	struct hlist_node *next;
	unsigned int i;

	synchronize_rcu();
	for (i = 0; i < TABLE_BUCKETS; i++) {
		hlist_for_each_entry_safe(e, next, &r->buckets[i].rcu_head,
					  rcu_link)
			kfree(e);
		INIT_HLIST_HEAD(&r->buckets[i].rcu_head);
	}
}

/* ---- In an smr_hash -------------------------------------------------------- */

static u64 table_hash_key(const void *obj)
{
	return ((const struct table_entry *)obj)->key;
}

SMRH_TRAITS_DEFINE_SCALAR(table_hash, table_hash_key)

/*
 * The traits of the inline calls (lookups, smr_hash's updates), built at
 * each call from constants and the domain, as smr_hash.h advises: the
 * compiler sees their functions and calls them directly (or inlines
 * them), where &r->traits, filled at run time, makes indirect calls
 * (retpolines on Debian's kernels).  r->traits holds the same, for what
 * keeps the traits (smr_shash_init()) and the calls out of line.
 */
#define TABLE_HASH_TRAITS(r)						\
	(&SMRH_SCALAR_TRAITS(table_hash, struct table_entry, hash_link,	\
			     (r)->smr))
#define TABLE_SHASH_TRAITS(r)						\
	(&SMRH_SCALAR_TRAITS(table_hash, struct table_entry, shash_link, \
			     (r)->smr))

static bool table_hash_lookup(struct table_run *r, u32 key)
{
	struct table_entry *e;
	bool good = true;

	smr_enter(r->smr);
	e = smr_hash_entered_find(&r->hash, SMRH_SCALAR_KEY((u64)key),
				  TABLE_HASH_TRAITS(r));
	if (e)
		good = e->check == table_check(key, e->version);
	smr_leave(r->smr);
	return good;
}

static struct table_entry *table_hash_find_locked(struct table_run *r,
						  struct table_bucket *b,
						  u32 key)
{
	return smr_hash_serialized_find(&r->hash, SMRH_SCALAR_KEY((u64)key),
					TABLE_HASH_TRAITS(r));
}

static void table_hash_insert_locked(struct table_run *r,
				     struct table_bucket *b,
				     struct table_entry *e)
{
	smr_hash_serialized_insert(&r->hash, &e->hash_link,
				   TABLE_HASH_TRAITS(r));
}

static void table_hash_remove_locked(struct table_run *r,
				     struct table_bucket *b,
				     struct table_entry *old)
{
	if (smr_hash_serialized_remove(&r->hash, &old->hash_link,
				       TABLE_HASH_TRAITS(r)))
		table_smr_retire(r, old);
}

static void table_hash_replace_locked(struct table_run *r,
				      struct table_bucket *b,
				      struct table_entry *old,
				      struct table_entry *new)
{
	if (smr_hash_serialized_replace(&r->hash, &old->hash_link,
					&new->hash_link, TABLE_HASH_TRAITS(r)))
		table_smr_retire(r, old);
	else
		kfree(new);
}

static void table_hash_kfree(void *obj)
{
	kfree(obj);
}

static void table_hash_free_all(struct table_run *r)
{
	smr_barrier(r->smr);
	spin_lock(&r->buckets[0].lock);
	smr_hash_serialized_clear(&r->hash, &r->traits, table_hash_kfree);
	spin_unlock(&r->buckets[0].lock);
	smr_hash_destroy(&r->hash);
}

static unsigned long table_hash_buckets(struct table_run *r)
{
	unsigned long n;

	spin_lock(&r->buckets[0].lock);
	n = smr_hash_size(&r->hash);
	spin_unlock(&r->buckets[0].lock);
	return n;
}

/* ---- In an smr_shash ------------------------------------------------------- */

static bool table_shash_lookup(struct table_run *r, u32 key)
{
	struct table_entry *e;
	bool good = true;

	smr_enter(r->smr);
	e = smr_shash_entered_find(&r->shash, SMRH_SCALAR_KEY((u64)key),
				   TABLE_SHASH_TRAITS(r));
	if (e)
		good = e->check == table_check(key, e->version);
	smr_leave(r->smr);
	return good;
}

/* Under the workload's bucket lock: what it finds stays in the table. */
static struct table_entry *table_shash_find_locked(struct table_run *r,
						   struct table_bucket *b,
						   u32 key)
{
	struct table_entry *e;

	smr_enter(r->smr);
	e = smr_shash_entered_find(&r->shash, SMRH_SCALAR_KEY((u64)key),
				   TABLE_SHASH_TRAITS(r));
	smr_leave(r->smr);
	return e;
}

/* Its key is absent (the caller looked under the bucket lock). */
static void table_shash_insert_locked(struct table_run *r,
				      struct table_bucket *b,
				      struct table_entry *e)
{
	if (smr_shash_get_or_insert(&r->shash, SMRH_SCALAR_KEY((u64)e->key),
				    &e->shash_link, &r->traits)) {
		atomic_long_inc(&r->insert_failures);
		kfree(e);
	}
}

static void table_shash_remove_locked(struct table_run *r,
				      struct table_bucket *b,
				      struct table_entry *old)
{
	if (smr_shash_remove(&r->shash, &old->shash_link, &r->traits))
		table_smr_retire(r, old);
}

static void table_shash_replace_locked(struct table_run *r,
				       struct table_bucket *b,
				       struct table_entry *old,
				       struct table_entry *new)
{
	bool replaced;

	smr_enter(r->smr);
	replaced = smr_shash_entered_replace(&r->shash, &old->shash_link,
					     &new->shash_link, &r->traits);
	smr_leave(r->smr);
	if (replaced)
		table_smr_retire(r, old);
	else
		kfree(new);
}

static void table_shash_free_all(struct table_run *r)
{
	smr_barrier(r->smr);
	smr_shash_destroy(&r->shash, table_hash_kfree);
}

static unsigned long table_shash_buckets(struct table_run *r)
{
	return smr_shash_size(&r->shash);
}

/* ---- In an rhashtable ------------------------------------------------------ */

static const struct rhashtable_params table_rht_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct table_entry, key),
	.head_offset = offsetof(struct table_entry, rht_link),
	.nelem_hint = TABLE_KEYS / 2,
	.automatic_shrinking = true,
};

static bool table_rht_lookup(struct table_run *r, u32 key)
{
	struct table_entry *e;
	bool good = true;

	rcu_read_lock();
	e = rhashtable_lookup(&r->rht, &key, table_rht_params);
	if (e)
		good = e->check == table_check(key, e->version);
	rcu_read_unlock();
	return good;
}

static struct table_entry *table_rht_find_locked(struct table_run *r,
						 struct table_bucket *b,
						 u32 key)
{
	return rhashtable_lookup_fast(&r->rht, &key, table_rht_params);
}

static void table_rht_insert_locked(struct table_run *r,
				    struct table_bucket *b,
				    struct table_entry *e)
{
	if (rhashtable_insert_fast(&r->rht, &e->rht_link, table_rht_params)) {
		atomic_long_inc(&r->insert_failures);
		kfree(e);
	}
}

static void table_rht_remove_locked(struct table_run *r,
				    struct table_bucket *b,
				    struct table_entry *old)
{
	if (!rhashtable_remove_fast(&r->rht, &old->rht_link, table_rht_params))
		kfree_rcu(old, rcu_head);
}

static void table_rht_replace_locked(struct table_run *r,
				     struct table_bucket *b,
				     struct table_entry *old,
				     struct table_entry *new)
{
	if (!rhashtable_replace_fast(&r->rht, &old->rht_link, &new->rht_link,
				     table_rht_params))
		kfree_rcu(old, rcu_head);
	else
		kfree(new);
}

static void table_rht_free_one(void *ptr, void *arg)
{
	kfree(ptr);
}

static void table_rht_free_all(struct table_run *r)
{
	rhashtable_free_and_destroy(&r->rht, table_rht_free_one, NULL);
}

static unsigned long table_rht_buckets(struct table_run *r)
{
	unsigned long n;

	rcu_read_lock();
	n = rht_dereference_rcu(r->rht.tbl, &r->rht)->size;
	rcu_read_unlock();
	return n;
}

static const struct table_kind table_kinds[] = {
	{ "smr", false, table_smr_lookup, table_smr_find_locked,
	  table_smr_insert_locked, table_smr_remove_locked,
	  table_smr_replace_locked, table_smr_free_all, table_lists_buckets },
	{ "rcu", false, table_rcu_lookup, table_rcu_find_locked,
	  table_rcu_insert_locked, table_rcu_remove_locked,
	  table_rcu_replace_locked, table_rcu_free_all, table_lists_buckets },
	{ "smr_hash", true, table_hash_lookup, table_hash_find_locked,
	  table_hash_insert_locked, table_hash_remove_locked,
	  table_hash_replace_locked, table_hash_free_all, table_hash_buckets },
	{ "smr_shash", false, table_shash_lookup, table_shash_find_locked,
	  table_shash_insert_locked, table_shash_remove_locked,
	  table_shash_replace_locked, table_shash_free_all,
	  table_shash_buckets },
	{ "rhashtable", false, table_rht_lookup, table_rht_find_locked,
	  table_rht_insert_locked, table_rht_remove_locked,
	  table_rht_replace_locked, table_rht_free_all, table_rht_buckets },
};

/* ---- The workload ---------------------------------------------------------- */

/* Insert @key if absent; else remove it or replace it by its next version. */
static void table_update(struct table_run *r, u32 key, bool remove)
{
	struct table_bucket *b = table_bucket(r, key);
	const struct table_kind *k = r->kind;
	struct table_entry *old, *new;

	/* Allocated outside the lock; freed unused when not needed. */
	new = table_new(key, 0);
	if (!new)
		return;
	spin_lock(table_lock(r, key));
	old = k->find_locked(r, b, key);
	if (old && !remove) {
		new->version = old->version + 1;
		new->check = table_check(key, new->version);
		k->replace_locked(r, b, old, new);
		new = NULL;
	} else if (old) {
		k->remove_locked(r, b, old);
	} else {
		k->insert_locked(r, b, new);
		new = NULL;
	}
	spin_unlock(table_lock(r, key));
	kfree(new);
}

static int table_thread(unsigned int id, void *arg)
{
	struct table_run *r = arg;
	unsigned long lookups = 0, updates = 0, i;
	u32 state = 0x9e3779b9 * (id + 1), x;
	int err = 0;

	for (i = 0; time_before(jiffies, r->end); i++) {
		x = table_random(&state);
		if (x % 1000 < r->update_pct * 10) {
			table_update(r, (x >> 10) % TABLE_KEYS, x & BIT(30));
			updates++;
		} else if (r->kind->lookup(r, (x >> 10) % TABLE_KEYS)) {
			lookups++;
		} else {
			err = -EIO;
			break;
		}
		if (!(i % 256))
			cond_resched();
	}
	atomic_long_add(lookups, &r->lookups);
	atomic_long_add(updates, &r->updates);
	return err;
}

static int table_fill(struct table_run *r)
{
	struct table_entry *e;
	u32 key;

	for (key = 0; key < TABLE_KEYS; key += 2) {
		e = table_new(key, 0);
		if (!e)
			return -ENOMEM;
		spin_lock(table_lock(r, key));
		r->kind->insert_locked(r, table_bucket(r, key), e);
		spin_unlock(table_lock(r, key));
	}
	return 0;
}

/* One run of @r's workload on @nthreads CPUs; lookups per second. */
static int table_measure(struct table_run *r, unsigned int nthreads,
			 u64 *per_s)
{
	int err;

	atomic_long_set(&r->lookups, 0);
	r->end = jiffies + msecs_to_jiffies(bench_table_ms);
	err = bench_run_threads(nthreads, table_thread, r);
	*per_s = div_u64((u64)atomic_long_read(&r->lookups) * 1000,
			 bench_table_ms);
	return err;
}

/*
 * The tables take turns, run after run (so that both see the same drift of
 * the machine); then the median run of each is printed.  @per_s has room
 * for bench_runs values per kind.
 */
static int table_compare(struct table_run *runs, unsigned int nthreads,
			 unsigned int update_pct, u64 *per_s)
{
	unsigned int run, k, nkinds = ARRAY_SIZE(table_kinds);
	u64 *v;
	int err = 0;

	for (k = 0; k < nkinds; k++) {
		runs[k].update_pct = update_pct;
		atomic_long_set(&runs[k].updates, 0);
		atomic_long_set(&runs[k].insert_failures, 0);
	}
	for (run = 0; run < bench_runs && !err; run++)
		for (k = 0; k < nkinds && !err; k++)
			err = bench_stopping() ? -EINTR :
			      table_measure(&runs[k], nthreads,
					    &per_s[k * bench_runs + run]);
	for (k = 0; k < nkinds && !err; k++) {
		v = &per_s[k * bench_runs];
		bench_sort_u64(v, bench_runs);
		bench_printk("table kind=%s readers=%u update_pct=%u updates=%ld lookups_per_s=%llu min=%llu max=%llu insert_failures=%ld buckets=%lu",
			     table_kinds[k].name, nthreads, update_pct,
			     atomic_long_read(&runs[k].updates),
			     v[bench_runs / 2], v[0], v[bench_runs - 1],
			     atomic_long_read(&runs[k].insert_failures),
			     table_kinds[k].buckets(&runs[k]));
	}
	return err;
}

static const unsigned int table_update_pcts[] = { 0, 1, 10, 50 };

static void table_teardown(struct table_run *runs)
{
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(table_kinds); k++) {
		if (runs[k].buckets)
			table_kinds[k].free_all(&runs[k]);
		kfree(runs[k].buckets);
	}
	smr_domain_free(runs[0].smr);
	/* smr_call() callbacks are done (smr_barrier()); wait for RCU's. */
	rcu_barrier();
}

/* The general tables' own setup: their traits, their first array. */
static int table_setup_kind(struct table_run *r)
{
	if (r->kind->lookup == table_rht_lookup)
		return rhashtable_init(&r->rht, &table_rht_params);
	smr_hash_init_empty(&r->hash);
	if (r->kind->lookup == table_hash_lookup) {
		r->traits = *TABLE_HASH_TRAITS(r);
		return smr_hash_init(&r->hash, TABLE_KEYS / 2);
	}
	/* The grow part's policy (smr_bench_grow.c says why). */
	if (r->kind->lookup == table_shash_lookup) {
		r->traits = *TABLE_SHASH_TRAITS(r);
		return smr_shash_init(&r->shash, SMRSH_BALANCED, TABLE_KEYS / 2,
				      &r->traits);
	}
	return 0;
}

/* Every table, filled alike; they share one smr domain. */
static int table_setup(struct table_run *runs)
{
	struct smr *smr = smr_domain_create(SMR_NONE, "bench-table");
	unsigned int k, i;
	int err;

	if (!smr)
		return -ENOMEM;
	for (k = 0; k < ARRAY_SIZE(table_kinds); k++) {
		runs[k].kind = &table_kinds[k];
		runs[k].smr = smr;
		err = table_setup_kind(&runs[k]);
		if (err)
			return err;
		/* Both kinds of list head are empty when all zero. */
		runs[k].buckets = kcalloc(TABLE_BUCKETS,
					  sizeof(*runs[k].buckets), GFP_KERNEL);
		if (!runs[k].buckets)
			return -ENOMEM;
		for (i = 0; i < TABLE_BUCKETS; i++)
			spin_lock_init(&runs[k].buckets[i].lock);
		err = table_fill(&runs[k]);
		if (err)
			return err;
	}
	return 0;
}

/**
 * bench_table() - lookups per second: smr lists against RCU hlists, and
 *	smr_hash and smr_shash against rhashtable
 *
 * Return: 0 or a negative errno.
 */
int bench_table(void)
{
	/* Off the stack: an rhashtable is large with lockdep. */
	struct table_run *runs = kcalloc(ARRAY_SIZE(table_kinds), sizeof(*runs),
					 GFP_KERNEL);
	unsigned int n, i;
	u64 *per_s;
	int err;

	if (!runs)
		return -ENOMEM;
	per_s = kcalloc(ARRAY_SIZE(table_kinds) * bench_runs, sizeof(*per_s),
			GFP_KERNEL);
	err = per_s ? table_setup(runs) : -ENOMEM;
	for (n = 1; n <= bench_ncpus() && !err; n++) {
		bench_progress("table: %u reader(s)", n);
		for (i = 0; i < ARRAY_SIZE(table_update_pcts) && !err; i++)
			err = table_compare(runs, n, table_update_pcts[i],
					    per_s);
	}
	table_teardown(runs);
	kfree(per_s);
	kfree(runs);
	return err;
}
