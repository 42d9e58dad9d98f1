// SPDX-License-Identifier: GPL-2.0
/*
 * A small live load on an SMR domain, for `make demo`.
 *
 * Reader threads repeatedly load a published object inside a section and
 * check it; one writer thread replaces the object, retires the old one
 * with a goal from smr_advance() and frees retired objects once
 * smr_poll() says their goal is reached, poisoning them first so that a
 * reader that got to freed memory would notice.  The domain ("demo") stays
 * alive until the module is removed, so its debugfs files can be read.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "smr.h"

static unsigned int nreaders = 2;
module_param(nreaders, uint, 0444);
MODULE_PARM_DESC(nreaders, "Reader threads (1-16)");

static unsigned int duration_ms = 1000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "How long the load runs (1-60000 ms)");

#define DEMO_LIVE	0x5afe5afeUL
#define DEMO_POISON	0xdeadbeefUL
#define DEMO_MAX_READERS 16
#define DEMO_BURST	16	/* updates between two reclaim passes */

struct demo_obj {
	unsigned long magic;
	unsigned long goal;
	struct list_head retired;
};

static struct smr *demo_smr;
static struct demo_obj __smr *demo_current;
static struct task_struct *demo_threads[DEMO_MAX_READERS + 1];
static atomic_long_t demo_reads, demo_bad_reads;
static unsigned long demo_updates, demo_frees, demo_max_retired;
static LIST_HEAD(demo_retired);

static int demo_reader(void *unused)
{
	struct demo_obj *obj;

	while (!kthread_should_stop()) {
		smr_enter(demo_smr);
		obj = smr_entered_load(demo_current);
		if (obj && READ_ONCE(obj->magic) != DEMO_LIVE)
			atomic_long_inc(&demo_bad_reads);
		smr_leave(demo_smr);
		atomic_long_inc(&demo_reads);
		cond_resched();
	}
	return 0;
}

/* Free every retired object whose goal has been reached; return how many. */
static unsigned long demo_reclaim(void)
{
	struct demo_obj *obj, *next;
	unsigned long freed = 0;

	list_for_each_entry_safe(obj, next, &demo_retired, retired) {
		if (!smr_poll(demo_smr, obj->goal))
			break;		/* goals are in order: the rest wait too */
		list_del(&obj->retired);
		WRITE_ONCE(obj->magic, DEMO_POISON);
		kfree(obj);
		freed++;
	}
	return freed;
}

/* Publish a new object and retire the old one; reclaim later, in bulk. */
static void demo_update(void)
{
	struct demo_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL), *old;

	if (!obj)
		return;
	obj->magic = DEMO_LIVE;
	old = smr_serialized_swap(demo_current, obj);
	demo_updates++;
	if (old) {
		old->goal = smr_advance(demo_smr);
		list_add_tail(&old->retired, &demo_retired);
	}
}

static void demo_update_burst(unsigned int n)
{
	struct demo_obj *obj;
	unsigned long retired = 0;

	while (n--)
		demo_update();
	list_for_each_entry(obj, &demo_retired, retired)
		retired++;
	demo_max_retired = max(demo_max_retired, retired);
	demo_frees += demo_reclaim();
}

static int demo_writer(void *unused)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);

	while (!kthread_should_stop() && time_before(jiffies, end)) {
		demo_update_burst(DEMO_BURST);
		usleep_range(100, 200);
	}
	pr_info("load done: %ld reads (%ld bad), %lu updates, %lu frees, at most %lu objects waiting\n",
		atomic_long_read(&demo_reads), atomic_long_read(&demo_bad_reads),
		demo_updates, demo_frees, demo_max_retired);
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static void demo_stop(void)
{
	struct demo_obj *obj, *next;
	unsigned int i;

	for (i = 0; i <= DEMO_MAX_READERS; i++)
		if (!IS_ERR_OR_NULL(demo_threads[i]))
			kthread_stop(demo_threads[i]);
	smr_synchronize(demo_smr);
	list_for_each_entry_safe(obj, next, &demo_retired, retired)
		kfree(obj);
	kfree(smr_unserialized_load(demo_current));
	smr_domain_free(demo_smr);
}

static int __init demo_init(void)
{
	unsigned int i;

	if (!nreaders || nreaders > DEMO_MAX_READERS ||
	    !duration_ms || duration_ms > 60000) {
		pr_err("nreaders must be 1-%u and duration_ms 1-60000\n",
		       DEMO_MAX_READERS);
		return -EINVAL;
	}
	demo_smr = smr_domain_create(SMR_NONE, "demo");
	if (!demo_smr)
		return -ENOMEM;

	demo_threads[0] = kthread_run(demo_writer, NULL, "smr-demo-writer");
	for (i = 1; i <= nreaders; i++)
		demo_threads[i] = kthread_run(demo_reader, NULL,
					      "smr-demo-reader/%u", i);
	for (i = 0; i <= nreaders; i++) {
		if (IS_ERR(demo_threads[i])) {
			demo_stop();
			return PTR_ERR(demo_threads[i]);
		}
	}
	pr_info("running %u readers and a writer for %u ms\n", nreaders,
		duration_ms);
	return 0;
}

static void __exit demo_exit(void)
{
	demo_stop();
}

module_init(demo_init);
module_exit(demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A small reader/writer load on an SMR domain");
