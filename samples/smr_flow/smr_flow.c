// SPDX-License-Identifier: GPL-2.0
/*
 * smr_flow: a flow table on smr_shash, the scalable SMR hash table.
 *
 * A sample consumer of smr.ko, built out of tree against smr.ko's
 * Module.symvers as a third-party module would be (see Makefile), and
 * written from Documentation/smr-hash.rst.
 *
 * A flow is found by a 64-bit id and counted by a refcount: one reference
 * is the table's, for as long as the flow is in it; each user holds one
 * more.  Worker threads play packets: each picks a flow id, finds the flow
 * or creates it (flow_get_or_create(): smr_shash_get(), and when that
 * finds nothing, smr_shash_get_or_insert() of a new flow, which returns
 * the flow another thread inserted first with a reference taken by the
 * traits' try-get), counts the packet on it and, now and then, closes it
 * (flow_close(): smr_shash_remove(), then the table's reference dropped).
 * The last reference frees the flow with smr_kfree(): a reader may still
 * stand on it, and its try-get then fails.  flow_packets() reads a flow's
 * counter inside a section, without a reference (smr_shash_entered_find()).
 * The table grows from 16 buckets as flows are created and shrinks as they
 * close, by itself; the threads never lock anything but a bucket, inside
 * smr_shash.
 *
 * The load runs for duration_ms and prints "load done" with what it did.
 * rmmod stops it if it still runs, checks that the table holds as many
 * flows as were created and not closed, destroys the table and prints
 * "unloaded: ..., N problems".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/refcount.h>
#include <linux/slab.h>

#include "smr.h"
#include "smr_shash.h"

static unsigned int nthreads = 2;
module_param(nthreads, uint, 0444);
MODULE_PARM_DESC(nthreads, "Worker threads (1-16)");

static unsigned int duration_ms = 1000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "How long the load runs (1-60000 ms)");

static unsigned int nflows = 4096;
module_param(nflows, uint, 0444);
MODULE_PARM_DESC(nflows, "Flow ids played: 0 .. nflows - 1 (1-1048576)");

static unsigned int close_pct = 5;
module_param(close_pct, uint, 0444);
MODULE_PARM_DESC(close_pct, "Packets after which their flow is closed (0-100 %)");

#define FLOW_MAX_THREADS	16
#define FLOW_MAX_FLOWS		BIT(20)
#define FLOW_MIN_BUCKETS	16
#define FLOW_MAGIC		0xf10af10aU

struct flow {
	u64 id;
	u32 magic;		/* FLOW_MAGIC until the last reference goes */
	refcount_t ref;		/* the table's, and one per user */
	atomic64_t packets;
	struct smrq_slink link;	/* in the table */
	struct smr_node node;	/* smr_kfree() */
};

static struct smr *flow_smr;
static struct smr_shash flows = SMR_SHASH_INITIALIZER;
static struct smrh_traits flow_traits;
static struct task_struct *flow_threads[FLOW_MAX_THREADS];
static atomic_t flow_running;

static atomic_long_t flow_npackets, flow_creates, flow_closes, flow_peeks;
static atomic_long_t flow_nomem, flow_problems;

/* ---- The table's traits ------------------------------------------------- */

static u64 flow_id(const void *obj)
{
	return ((const struct flow *)obj)->id;
}

/* flow_key_hash(), flow_obj_hash() and flow_obj_equ(), on flow_id(). */
SMRH_TRAITS_DEFINE_SCALAR(flow, flow_id)

/* A flow found in the table, unless its last reference is gone. */
static bool flow_try_get(void *obj)
{
	return refcount_inc_not_zero(&((struct flow *)obj)->ref);
}

/* ---- Flows -------------------------------------------------------------- */

static void flow_put(struct flow *f)
{
	if (refcount_dec_and_test(&f->ref)) {
		/* Out of the table: only readers already on it can see it. */
		WRITE_ONCE(f->magic, 0);
		smr_kfree(flow_smr, f, node);
	}
}

/*
 * The flow of @id, with a reference, created if there is none; NULL
 * without memory.  *@created tells whether this call inserted it.
 */
static struct flow *flow_get_or_create(u64 id, bool *created)
{
	struct smrh_key key = SMRH_SCALAR_KEY(id);
	struct flow *f, *old;

	*created = false;
	f = smr_shash_get(&flows, key, &flow_traits);
	if (f)
		return f;
	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	f->id = id;
	f->magic = FLOW_MAGIC;
	refcount_set(&f->ref, 2);	/* the table's and ours */
	atomic64_set(&f->packets, 0);
	/* Publishes f, its fields set above, unless @id is in already. */
	old = smr_shash_get_or_insert(&flows, key, &f->link, &flow_traits);
	if (!old) {
		*created = true;
		return f;
	}
	kfree(f);		/* never published: no reader saw it */
	return IS_ERR(old) ? NULL : old;	/* old: with a reference */
}

/* Take @f, which the caller holds a reference on, out of the table. */
static bool flow_close(struct flow *f)
{
	if (!smr_shash_remove(&flows, &f->link, &flow_traits))
		return false;	/* another thread closed it first */
	flow_put(f);		/* the table's reference */
	return true;
}

/* The packets of flow @id, or -1: no reference, inside a section. */
static s64 flow_packets(u64 id)
{
	struct flow *f;
	s64 n = -1;

	smr_enter(flow_smr);
	f = smr_shash_entered_find(&flows, SMRH_SCALAR_KEY(id), &flow_traits);
	if (f)
		n = atomic64_read(&f->packets);	/* valid until smr_leave() */
	smr_leave(flow_smr);
	return n;
}

/* ---- The load ----------------------------------------------------------- */

static void flow_packet(u64 id)
{
	struct flow *f;
	bool created;

	f = flow_get_or_create(id, &created);
	if (!f) {
		atomic_long_inc(&flow_nomem);
		return;
	}
	if (READ_ONCE(f->magic) != FLOW_MAGIC || f->id != id)
		atomic_long_inc(&flow_problems);
	if (created)
		atomic_long_inc(&flow_creates);
	atomic64_inc(&f->packets);
	atomic_long_inc(&flow_npackets);
	if (get_random_u32_below(100) < close_pct && flow_close(f))
		atomic_long_inc(&flow_closes);
	flow_put(f);
}

static int flow_worker(void *arg)
{
	unsigned long end = (unsigned long)arg;

	while (!kthread_should_stop() && time_before(jiffies, end)) {
		flow_packet(get_random_u32_below(nflows));
		if (flow_packets(get_random_u32_below(nflows)) >= 0)
			atomic_long_inc(&flow_peeks);
		cond_resched();
	}
	if (atomic_dec_and_test(&flow_running)) {
		/* Let a resize the last inserts or removals asked for end. */
		smr_shash_flush(&flows);
		pr_info("load done: %ld packets, %ld flows created, %ld closed, %lu in the table (%u buckets, %lu resizes), %ld peeks found a flow, %ld without memory, %ld problems\n",
			atomic_long_read(&flow_npackets),
			atomic_long_read(&flow_creates),
			atomic_long_read(&flow_closes), smr_shash_count(&flows),
			smr_shash_size(&flows), READ_ONCE(flows.resizes),
			atomic_long_read(&flow_peeks),
			atomic_long_read(&flow_nomem),
			atomic_long_read(&flow_problems));
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

/* ---- Module ------------------------------------------------------------- */

/* smr_shash_destroy()'s: no reader is left, so kfree() at once. */
static void flow_free(void *obj)
{
	struct flow *f = obj;

	/* Only the table's reference may be left. */
	if (refcount_read(&f->ref) != 1)
		atomic_long_inc(&flow_problems);
	kfree(f);
}

/* With the threads stopped: the table holds what was created, not closed. */
static void flow_check_table(void)
{
	long expect = atomic_long_read(&flow_creates) -
		      atomic_long_read(&flow_closes);
	unsigned long found = 0;
	unsigned int id;

	for (id = 0; id < nflows; id++)
		found += smr_shash_contains(&flows, SMRH_SCALAR_KEY((u64)id),
					    &flow_traits);
	if (expect < 0 || found != (unsigned long)expect ||
	    smr_shash_count(&flows) != (unsigned long)expect) {
		pr_err("table holds %lu flows (count %lu), want %ld\n", found,
		       smr_shash_count(&flows), expect);
		atomic_long_inc(&flow_problems);
	}
}

static void flow_stop(void)
{
	unsigned int i;

	for (i = 0; i < FLOW_MAX_THREADS; i++)
		if (!IS_ERR_OR_NULL(flow_threads[i]))
			kthread_stop(flow_threads[i]);
	flow_check_table();
	/* No reader or writer is left; smr_shash_destroy() wants a wait. */
	smr_synchronize(flow_smr);
	smr_shash_destroy(&flows, flow_free);
	/* Runs the pending smr_kfree()s first. */
	smr_domain_free(flow_smr);
}

static int flow_start(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);
	unsigned int i;

	atomic_set(&flow_running, nthreads);
	for (i = 0; i < nthreads; i++) {
		flow_threads[i] = kthread_run(flow_worker, (void *)end,
					      "smr-flow/%u", i);
		if (IS_ERR(flow_threads[i]))
			return PTR_ERR(flow_threads[i]);
	}
	return 0;
}

static int __init flow_init(void)
{
	int err;

	if (!nthreads || nthreads > FLOW_MAX_THREADS || !duration_ms ||
	    duration_ms > 60000 || !nflows || nflows > FLOW_MAX_FLOWS ||
	    close_pct > 100) {
		pr_err("nthreads must be 1-%u, duration_ms 1-60000, nflows 1-%lu, close_pct 0-100\n",
		       FLOW_MAX_THREADS, FLOW_MAX_FLOWS);
		return -EINVAL;
	}
	flow_smr = smr_domain_create(SMR_NONE, "flow");
	if (!flow_smr)
		return -ENOMEM;
	flow_traits = SMRH_SCALAR_TRAITS(flow, struct flow, link, flow_smr);
	flow_traits.obj_try_get = flow_try_get;
	err = smr_shash_init(&flows, SMRSH_BALANCED, FLOW_MIN_BUCKETS,
			     &flow_traits);
	if (err) {
		smr_domain_free(flow_smr);
		return err;
	}
	err = flow_start();
	if (err) {
		flow_stop();
		return err;
	}
	pr_info("running %u threads on %u flow ids for %u ms\n", nthreads,
		nflows, duration_ms);
	return 0;
}

static void __exit flow_exit(void)
{
	flow_stop();
	pr_info("unloaded: %ld packets, %ld flows created, %ld closed, %ld problems\n",
		atomic_long_read(&flow_npackets),
		atomic_long_read(&flow_creates),
		atomic_long_read(&flow_closes),
		atomic_long_read(&flow_problems));
}

module_init(flow_init);
module_exit(flow_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sample smr.ko consumer: a flow table on smr_shash");
