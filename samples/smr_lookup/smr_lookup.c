// SPDX-License-Identifier: GPL-2.0
/*
 * smr_lookup: a lockless lookup table on SMR queues.
 *
 * A sample consumer of smr.ko, built out of tree against smr.ko's
 * Module.symvers as a third-party module would be (see Makefile).
 *
 * Keys hash into buckets, each an SMR doubly linked list, so that an entry
 * leaves its bucket in O(1).  Reader threads look random keys up inside
 * smr_enter()/smr_leave(), taking no lock.  One writer thread, holding
 * lookup_lock, inserts absent keys and removes or replaces present ones
 * (a replacement carries the next version of the key's value); whatever
 * it takes off a bucket is retired with a goal from smr_advance() and
 * freed, poisoned first, once smr_poll() says that no reader can still
 * hold it.  Entries never change once published, and each carries a check
 * word derived from its key and version: a reader that met a freed or
 * half-built entry would count a bad lookup.
 *
 * The load runs for duration_ms, prints what it did, and the module stays
 * loaded (its domain visible in debugfs as smr/lookup) until rmmod.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "smr.h"
#include "smr_queue.h"

static unsigned int nreaders = 2;
module_param(nreaders, uint, 0444);
MODULE_PARM_DESC(nreaders, "Reader threads (1-16)");

static unsigned int duration_ms = 2000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "How long the load runs (1-60000 ms)");

static unsigned int nkeys = 1024;
module_param(nkeys, uint, 0444);
MODULE_PARM_DESC(nkeys, "Keys looked up and updated: 0 .. nkeys - 1 (1-65536)");

#define LOOKUP_HASH_BITS	6
#define LOOKUP_BUCKETS		BIT(LOOKUP_HASH_BITS)
#define LOOKUP_MAX_READERS	16
#define LOOKUP_BURST		16	/* updates between reclaim passes */
#define LOOKUP_POISON		0x6b

struct lookup_entry {
	/* Published to readers; never changed until freed. */
	struct smrq_link link;
	u32 key;
	u32 version;
	u32 check;
	/* The writer's. */
	unsigned long goal;
	struct list_head retired;
};

static struct smr *lookup_smr;
static struct smrq_list_head lookup_buckets[LOOKUP_BUCKETS];
static DEFINE_MUTEX(lookup_lock);	/* serializes bucket writers */
static LIST_HEAD(lookup_retired);	/* oldest goal first; lookup_lock */
static struct task_struct *lookup_threads[LOOKUP_MAX_READERS + 1];
static atomic_t lookup_readers_running;

static atomic_long_t lookup_lookups, lookup_hits, lookup_bad;
static unsigned long lookup_inserts, lookup_removes, lookup_replaces;
static unsigned long lookup_frees, lookup_max_retired;

static struct smrq_list_head *lookup_bucket(u32 key)
{
	return &lookup_buckets[hash_32(key, LOOKUP_HASH_BITS)];
}

static u32 lookup_check(u32 key, u32 version)
{
	return hash_32(key ^ (version << 16), 32) ^ 0x5afe5afe;
}

/* ---- Readers ------------------------------------------------------------ */

/* Look @key up; count a hit, or a bad entry. */
static void lookup_one(u32 key)
{
	struct lookup_entry *e;

	smr_enter(lookup_smr);
	smrq_entered_foreach(e, lookup_bucket(key), link) {
		if (e->key != key)
			continue;
		if (e->check == lookup_check(key, e->version))
			atomic_long_inc(&lookup_hits);
		else
			atomic_long_inc(&lookup_bad);
		break;
	}
	smr_leave(lookup_smr);
	atomic_long_inc(&lookup_lookups);
}

static int lookup_reader(void *arg)
{
	unsigned long end = (unsigned long)arg;

	while (!kthread_should_stop() && time_before(jiffies, end)) {
		lookup_one(get_random_u32_below(nkeys));
		cond_resched();
	}
	if (atomic_dec_and_test(&lookup_readers_running))
		wake_up_var(&lookup_readers_running);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

/* ---- The writer --------------------------------------------------------- */

static struct lookup_entry *lookup_new(u32 key, u32 version)
{
	struct lookup_entry *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (e) {
		e->key = key;
		e->version = version;
		e->check = lookup_check(key, version);
	}
	return e;
}

static struct lookup_entry *lookup_find_locked(u32 key)
{
	struct lookup_entry *e;

	lockdep_assert_held(&lookup_lock);
	smrq_serialized_foreach(e, lookup_bucket(key), link)
		if (e->key == key)
			return e;
	return NULL;
}

/* Off its bucket: free @e once readers are done with it. */
static void lookup_retire(struct lookup_entry *e)
{
	e->goal = smr_advance(lookup_smr);
	list_add_tail(&e->retired, &lookup_retired);
}

/* Free every retired entry whose goal is reached, oldest first. */
static void lookup_reclaim(void)
{
	struct lookup_entry *e, *next;

	lockdep_assert_held(&lookup_lock);
	list_for_each_entry_safe(e, next, &lookup_retired, retired) {
		if (!smr_poll(lookup_smr, e->goal))
			break;		/* goals are in order: the rest wait */
		list_del(&e->retired);
		memset(e, LOOKUP_POISON, sizeof(*e));
		kfree(e);
		lookup_frees++;
	}
}

static void lookup_count_retired(void)
{
	struct lookup_entry *e;
	unsigned long retired = 0;

	list_for_each_entry(e, &lookup_retired, retired)
		retired++;
	lookup_max_retired = max(lookup_max_retired, retired);
}

static void lookup_insert(struct smrq_list_head *bucket, u32 key)
{
	struct lookup_entry *e = lookup_new(key, 0);

	if (e && smrq_serialized_insert_head(bucket, &e->link))
		lookup_inserts++;
	else
		kfree(e);	/* refused: a corrupt bucket (it warned) */
}

static void lookup_remove(struct smrq_list_head *bucket,
			  struct lookup_entry *old)
{
	if (smrq_serialized_remove(bucket, &old->link)) {
		lookup_retire(old);
		lookup_removes++;
	}
}

static void lookup_replace(struct smrq_list_head *bucket,
			   struct lookup_entry *old)
{
	struct lookup_entry *new = lookup_new(old->key, old->version + 1);

	if (new && smrq_serialized_replace(bucket, &old->link, &new->link)) {
		lookup_retire(old);
		lookup_replaces++;
	} else {
		kfree(new);
	}
}

/* Insert @key if absent; else remove it or replace it by its next version. */
static void lookup_update(u32 key)
{
	struct smrq_list_head *bucket = lookup_bucket(key);
	struct lookup_entry *old;

	mutex_lock(&lookup_lock);
	old = lookup_find_locked(key);
	if (!old)
		lookup_insert(bucket, key);
	else if (get_random_u32_below(2))
		lookup_remove(bucket, old);
	else
		lookup_replace(bucket, old);
	mutex_unlock(&lookup_lock);
}

static int lookup_writer(void *arg)
{
	unsigned long end = (unsigned long)arg;
	unsigned int i;

	while (!kthread_should_stop() && time_before(jiffies, end)) {
		for (i = 0; i < LOOKUP_BURST; i++)
			lookup_update(get_random_u32_below(nkeys));
		mutex_lock(&lookup_lock);
		lookup_count_retired();
		lookup_reclaim();
		mutex_unlock(&lookup_lock);
		usleep_range(100, 200);
	}
	wait_var_event(&lookup_readers_running,
		       !atomic_read(&lookup_readers_running) ||
		       kthread_should_stop());
	pr_info("load done: %ld lookups (%ld hits, %ld bad), %lu inserts, %lu removes, %lu replaces, %lu frees, at most %lu entries retired at once\n",
		atomic_long_read(&lookup_lookups),
		atomic_long_read(&lookup_hits), atomic_long_read(&lookup_bad),
		lookup_inserts, lookup_removes, lookup_replaces, lookup_frees,
		lookup_max_retired);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

/* ---- Module ------------------------------------------------------------- */

/* Every other key to start with. */
static int lookup_fill(void)
{
	struct lookup_entry *e;
	u32 key;

	for (key = 0; key < nkeys; key += 2) {
		e = lookup_new(key, 0);
		if (!e)
			return -ENOMEM;
		smrq_serialized_insert_head(lookup_bucket(key), &e->link);
	}
	return 0;
}

static void lookup_free_all(void)
{
	struct lookup_entry *e;
	unsigned int i;

	smr_synchronize(lookup_smr);
	lookup_reclaim();
	list_for_each_entry(e, &lookup_retired, retired)
		pr_warn("entry %u still retired after smr_synchronize()\n",
			e->key);
	/* No reader is left: entries still on buckets can go at once. */
	for (i = 0; i < LOOKUP_BUCKETS; i++) {
		smrq_serialized_foreach_safe(e, &lookup_buckets[i], link)
			kfree(e);
		smrq_init(&lookup_buckets[i]);
	}
}

static void lookup_stop(void)
{
	unsigned int i;

	for (i = 0; i <= LOOKUP_MAX_READERS; i++)
		if (!IS_ERR_OR_NULL(lookup_threads[i]))
			kthread_stop(lookup_threads[i]);
	mutex_lock(&lookup_lock);
	lookup_free_all();
	mutex_unlock(&lookup_lock);
	smr_domain_free(lookup_smr);
}

static int lookup_start(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);
	unsigned int i;

	atomic_set(&lookup_readers_running, nreaders);
	for (i = 1; i <= nreaders; i++)
		lookup_threads[i] = kthread_run(lookup_reader, (void *)end,
						"smr-lookup-reader/%u", i);
	lookup_threads[0] = kthread_run(lookup_writer, (void *)end,
					"smr-lookup-writer");
	for (i = 0; i <= nreaders; i++)
		if (IS_ERR(lookup_threads[i]))
			return PTR_ERR(lookup_threads[i]);
	return 0;
}

static int __init lookup_init(void)
{
	unsigned int i;
	int err;

	if (!nreaders || nreaders > LOOKUP_MAX_READERS ||
	    !duration_ms || duration_ms > 60000 || !nkeys || nkeys > 65536) {
		pr_err("nreaders must be 1-%u, duration_ms 1-60000, nkeys 1-65536\n",
		       LOOKUP_MAX_READERS);
		return -EINVAL;
	}
	lookup_smr = smr_domain_create(SMR_NONE, "lookup");
	if (!lookup_smr)
		return -ENOMEM;
	for (i = 0; i < LOOKUP_BUCKETS; i++)
		smrq_init(&lookup_buckets[i]);

	mutex_lock(&lookup_lock);
	err = lookup_fill();
	mutex_unlock(&lookup_lock);
	if (!err)
		err = lookup_start();
	if (err) {
		lookup_stop();
		return err;
	}
	pr_info("running %u readers and a writer on %u keys for %u ms\n",
		nreaders, nkeys, duration_ms);
	return 0;
}

static void __exit lookup_exit(void)
{
	lookup_stop();
}

module_init(lookup_init);
module_exit(lookup_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sample smr.ko consumer: a lockless lookup table");
