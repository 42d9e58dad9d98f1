// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for smr_call() and smr_barrier().
 *
 * A module of its own, linked against smr.ko's exports like any consumer.
 * Waits for callbacks are bounded by generous liveness limits, never timed.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "smr.h"

#define CALL_TEST_LIVENESS_MS	20000

struct call_probe {
	struct smr_node node;
	struct smr *smr;
	unsigned long goal;		/* smr_current() when queued */
	atomic_t runs;
	bool goal_met;			/* seen by the callback */
	int order;			/* when it ran, see call_order */
	struct completion ran;
};

static atomic_t call_order = ATOMIC_INIT(0);

static void call_probe_cb(struct smr_node *node)
{
	struct call_probe *p = container_of(node, struct call_probe, node);

	p->goal_met = smr_poll(p->smr, p->goal);
	p->order = atomic_inc_return(&call_order);
	atomic_inc(&p->runs);
	complete(&p->ran);
}

static void call_probe_queue_cb(struct call_probe *p, struct smr *smr,
				size_t size, void (*cb)(struct smr_node *node))
{
	p->smr = smr;
	atomic_set(&p->runs, 0);
	init_completion(&p->ran);
	p->goal = smr_current(smr);
	smr_call(smr, &p->node, size, cb);
}

static void call_probe_queue(struct call_probe *p, struct smr *smr, size_t size)
{
	call_probe_queue_cb(p, smr, size, call_probe_cb);
}

static bool call_probe_wait(struct call_probe *p)
{
	return wait_for_completion_timeout(&p->ran,
					   msecs_to_jiffies(CALL_TEST_LIVENESS_MS));
}

/* A domain's per-cpu bytes before any callback: its struct smr_pcpu only. */
static size_t call_bytes_unused(void)
{
	return sizeof(struct smr_pcpu);
}

/*
 * Have @smr allocate its callback queues: one callback and a barrier,
 * which waits for the init worker.  For the cases that look at what the
 * queues do, not at the first calls.
 */
static void call_warm_up(struct kunit *test, struct smr *smr)
{
	struct call_probe p;

	call_probe_queue(&p, smr, 0);
	smr_barrier(smr);
	KUNIT_ASSERT_EQ(test, atomic_read(&p.runs), 1);
	KUNIT_ASSERT_GT(test, smr_domain_pcpu_bytes(smr), call_bytes_unused());
}

static int smr_call_test_init(struct kunit *test)
{
	test->priv = smr_domain_create(SMR_NONE, "kunit-call");
	KUNIT_ASSERT_NOT_NULL(test, test->priv);
	return 0;
}

static void smr_call_test_exit(struct kunit *test)
{
	smr_domain_free(test->priv);
}

/* One call and nothing else: the tick alone must drain it. */
static void smr_call_runs_once_after_goal(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_probe p;

	call_probe_queue(&p, smr, sizeof(p));
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
	smr_barrier(smr);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.runs), 1);
	KUNIT_EXPECT_TRUE(test, p.goal_met);
	KUNIT_EXPECT_GE(test, smr_stat_sum(smr, SMR_STAT_CALL_INVOKED), 1UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_objs), 0L);
}

static void smr_call_expedite(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_probe p;

	call_probe_queue(&p, smr, SMR_CALL_EXPEDITE);
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
	KUNIT_EXPECT_TRUE(test, p.goal_met);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.runs), 1);
}

static void smr_call_inside_section(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_probe p;

	smr_enter(smr);
	call_probe_queue(&p, smr, 16);	/* allowed: never blocks */
	smr_leave(smr);
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
	KUNIT_EXPECT_TRUE(test, p.goal_met);
}

static void smr_call_size_cap_closes_batch(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long batches;
	struct call_probe p;

	call_warm_up(test, smr);
	batches = smr_stat_sum(smr, SMR_STAT_CALL_BATCH);
	/* BH off: the tick cannot close the batch; only the size cap can. */
	local_bh_disable();
	call_probe_queue(&p, smr, INT_MAX);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_BATCH), batches + 1);
	local_bh_enable();
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
}

#define CALL_TEST_MANY	4096

static void smr_call_barrier_waits_for_all(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_probe *p;
	unsigned int i, ran = 0, met = 0;

	p = kunit_kcalloc(test, CALL_TEST_MANY, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < CALL_TEST_MANY; i++) {
		call_probe_queue(&p[i], smr, 32);
		if (i % 256 == 0)
			cond_resched();
	}
	smr_barrier(smr);
	for (i = 0; i < CALL_TEST_MANY; i++) {
		ran += atomic_read(&p[i].runs) == 1;
		met += p[i].goal_met;
	}
	KUNIT_EXPECT_EQ(test, ran, CALL_TEST_MANY);
	KUNIT_EXPECT_EQ(test, met, CALL_TEST_MANY);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_BARRIER), 1UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_objs), 0L);
}

struct call_holder {
	struct smr *smr;
	struct completion inside;
	bool release;
};

static int call_holder_fn(void *arg)
{
	struct call_holder *h = arg;

	smr_enter(h->smr);
	complete(&h->inside);
	while (!READ_ONCE(h->release))
		cpu_relax();
	smr_leave(h->smr);
	return 0;
}

/* Start a reader on another CPU; false (test skipped) on one CPU. */
static bool call_holder_start(struct kunit *test, struct call_holder *h)
{
	struct task_struct *t;

	if (num_online_cpus() < 2) {
		kunit_skip(test, "needs two CPUs");
		return false;
	}
	init_completion(&h->inside);
	t = kthread_create(call_holder_fn, h, "smr-kunit-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpumask_any_but(cpu_online_mask, raw_smp_processor_id()));
	wake_up_process(t);
	wait_for_completion(&h->inside);
	return true;
}

/* A reader on another CPU holds every callback queued after it entered. */
static void smr_call_held_by_reader(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_holder h = { .smr = smr };
	struct call_probe p;

	if (!call_holder_start(test, &h))
		return;
	call_probe_queue(&p, smr, SMR_CALL_EXPEDITE);
	msleep(100);	/* plenty of ticks: the callback must still wait */
	KUNIT_EXPECT_EQ(test, atomic_read(&p.runs), 0);
	WRITE_ONCE(h.release, true);
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
	KUNIT_EXPECT_TRUE(test, p.goal_met);
}

/* An object freed by smr_kfree(), its node not first (offset != 0). */
struct kfree_obj {
	unsigned long payload[5];
	struct smr_node node;
	char tail[60];
};

/* A large one, from vmalloc(), for smr_kvfree(). */
struct kvfree_obj {
	unsigned long head;
	struct smr_node node;
	char payload[3 * PAGE_SIZE];
};

/*
 * @queue frees one object the reader may see, whose size smr should
 * count as @bytes: it must stay pending, counted, while the reader is
 * inside, and be freed (by kmemleak's and KASAN's account: neither
 * reports) after the reader left.
 */
static void kfree_held_by_reader(struct kunit *test,
				 void (*queue)(struct smr *smr, size_t *bytes))
{
	struct smr *smr = test->priv;
	struct call_holder h = { .smr = smr };
	unsigned long queued = smr_stat_sum(smr, SMR_STAT_CALL_QUEUED);
	unsigned long invoked = smr_stat_sum(smr, SMR_STAT_CALL_INVOKED);
	size_t bytes = 0;

	if (!call_holder_start(test, &h))
		return;
	queue(smr, &bytes);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_QUEUED), queued + 1);
	msleep(100);	/* plenty of ticks: the batch is closed, still held */
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_INVOKED), invoked);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_objs), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_bytes),
			(long)bytes);
	WRITE_ONCE(h.release, true);
	smr_barrier(smr);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_INVOKED), invoked + 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_objs), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_bytes), 0L);
}

static void kfree_queue_kmalloc(struct smr *smr, size_t *bytes)
{
	struct kfree_obj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return;
	*bytes = ksize(obj);	/* the kmalloc bucket, not sizeof */
	smr_kfree(smr, obj, node);
}

static void kfree_queue_vmalloc(struct smr *smr, size_t *bytes)
{
	struct kvfree_obj *obj = vmalloc(sizeof(*obj));

	if (!obj)
		return;
	*bytes = sizeof(*obj);
	smr_kvfree(smr, obj, node);
}

static void smr_kfree_held_by_reader(struct kunit *test)
{
	kfree_held_by_reader(test, kfree_queue_kmalloc);
}

static void smr_kvfree_vmalloc_held_by_reader(struct kunit *test)
{
	kfree_held_by_reader(test, kfree_queue_vmalloc);
}

/* A node too far into its object: refused, counted, the object kept. */
struct kfree_far_obj {
	char payload[SMR_KFREE_OFFSET_MAX];
	struct smr_node node;
};

static void smr_kfree_misuse_node_too_far(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long queued = smr_stat_sum(smr, SMR_STAT_CALL_QUEUED);
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	struct kfree_far_obj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	smr_kfree(smr, obj, node);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_QUEUED), queued);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse + 1);
	smr_barrier(smr);
	kfree(obj);	/* kept by smr: still ours to free */
}

/* Many smr_kfree()s, from inside a section too: all freed by a barrier. */
static void smr_kfree_many_and_null(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long queued = smr_stat_sum(smr, SMR_STAT_CALL_QUEUED);
	struct kfree_obj *obj = NULL;
	int i;

	smr_kfree(smr, obj, node);	/* NULL: nothing is queued */
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_QUEUED), queued);
	for (i = 0; i < 1000; i++) {
		obj = kmalloc(sizeof(*obj), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		if (i % 2) {
			smr_kfree(smr, obj, node);
			continue;
		}
		smr_enter(smr);
		smr_kfree(smr, obj, node);
		smr_leave(smr);
	}
	smr_barrier(smr);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_QUEUED),
			queued + 1000);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_objs), 0L);
}

#define CALL_TEST_FLOOD		250000UL
#define CALL_TEST_FLOOD_SIZE	64
#define CALL_TEST_FLOOD_LIMIT	2000UL	/* pending callbacks */

struct flood {
	atomic_long_t ran;
};

static struct flood *flood_state;

static void flood_cb(struct smr_node *node)
{
	atomic_long_inc(&flood_state->ran);
}

/*
 * A flood of calls far above the pending limit: every call runs once, the
 * domain expedites whenever the limit is passed, and what is pending stays
 * a small fraction of the flood.  (With CPUs to spare the workers may keep
 * up without ever passing the limit.)
 */
static void smr_call_flood_is_bounded(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_node *nodes;
	struct flood f = { .ran = ATOMIC_LONG_INIT(0) };
	unsigned long i;

	nodes = vmalloc(array_size(CALL_TEST_FLOOD, sizeof(*nodes)));
	KUNIT_ASSERT_NOT_NULL(test, nodes);
	smr_call_set_limits(smr, CALL_TEST_FLOOD_LIMIT, ULONG_MAX);
	flood_state = &f;
	for (i = 0; i < CALL_TEST_FLOOD; i++) {
		smr_call(smr, &nodes[i], CALL_TEST_FLOOD_SIZE, flood_cb);
		cond_resched();
	}
	smr_barrier(smr);
	kunit_info(test, "peak pending: %ld callbacks, %ld bytes; %lu expedited batches\n",
		   atomic_long_read(&smr->call_peak_objs),
		   atomic_long_read(&smr->call_peak_bytes),
		   smr_stat_sum(smr, SMR_STAT_CALL_EXPEDITE));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&f.ran), (long)CALL_TEST_FLOOD);
	KUNIT_EXPECT_LT(test, atomic_long_read(&smr->call_peak_objs),
			(long)CALL_TEST_FLOOD / 10);
	if (atomic_long_read(&smr->call_peak_objs) > (long)CALL_TEST_FLOOD_LIMIT)
		KUNIT_EXPECT_GT(test, smr_stat_sum(smr, SMR_STAT_CALL_EXPEDITE), 0UL);
	vfree(nodes);
}

/* Freeing a domain runs what is pending: what a module unload relies on. */
static void smr_call_domain_free_runs_pending(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_LAZY, "kunit-call-free");
	struct call_probe *p;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	p = kunit_kcalloc(test, 64, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 64; i++)
		call_probe_queue(&p[i], smr, 128);
	smr_domain_free(smr);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&p[i].runs), 1);
}

static void smr_call_misuse_barrier_inside_section(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);

	smr_enter(smr);
	smr_barrier(smr);	/* bug: warns and returns */
	smr_leave(smr);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse + 1);
	smr_barrier(smr);
}

/* ---- Regression cases (issue 10) --------------------------------------- */

/*
 * A section whose goal the worker meets while it invokes callbacks: the
 * kick callback runs in the worker, waits for the test's sleepable
 * section to be entered and queues the victim, whose goal the section
 * then holds.  The worker must not invoke the victim on that unmet goal,
 * nor a later call queued behind it; both run, in order, once the section
 * has left.  (Before sleepable sections were counted per phase, the kick
 * callback also made the section the worker's own by writing the
 * tracker's task, to reach the worker's "own sleepable section" path;
 * ownership is lockdep's now, and a callback that really leaves a section
 * open in the worker is reported by the workqueue as a leaked lock.)
 */
struct call_self {
	struct smr *smr;
	struct smr_tracker tracker;
	struct smr_node kick;
	struct completion entered;
	struct completion kicked;
	struct call_probe victim;
	struct call_probe follower;
};

static void call_self_kick_cb(struct smr_node *node)
{
	struct call_self *s = container_of(node, struct call_self, kick);
	struct call_probe *p = &s->victim;

	wait_for_completion(&s->entered);
	p->smr = s->smr;
	atomic_set(&p->runs, 0);
	init_completion(&p->ran);
	/* A goal the section holds: the victim must wait for it. */
	p->goal = smr_advance(s->smr);
	smr_call(s->smr, &p->node, SMR_CALL_EXPEDITE, call_probe_cb);
	complete(&s->kicked);
}

static void smr_call_sleepable_goal_held_in_worker(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_SLEEPABLE, "kunit-call-self");
	unsigned long kicked;
	struct call_self *s;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->smr = smr;
	init_completion(&s->entered);
	init_completion(&s->kicked);
	/* The queues' worker is the one to find itself blocked. */
	call_warm_up(test, smr);
	/* One CPU: the follower must land on the victim's queue. */
	migrate_disable();
	/* The kick's goal is older than the section: the section holds it not. */
	smr_call(smr, &s->kick, SMR_CALL_EXPEDITE, call_self_kick_cb);
	smr_enter_sleepable(smr, &s->tracker);
	complete(&s->entered);
	kicked = wait_for_completion_timeout(&s->kicked,
					     msecs_to_jiffies(CALL_TEST_LIVENESS_MS));
	KUNIT_EXPECT_TRUE(test, kicked);
	msleep(100);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->victim.runs), 0,
			    "callback invoked while its goal was unmet");
	/* A later call waits behind the victim, held by the section too. */
	call_probe_queue(&s->follower, smr, SMR_CALL_EXPEDITE);
	migrate_enable();
	msleep(100);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->follower.runs), 0);
	/* The section ends: both run, in order, on met goals. */
	smr_leave_sleepable(smr, &s->tracker);
	KUNIT_EXPECT_TRUE(test, call_probe_wait(&s->victim));
	KUNIT_EXPECT_TRUE(test, call_probe_wait(&s->follower));
	KUNIT_EXPECT_EQ(test, atomic_read(&s->victim.runs), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->follower.runs), 1);
	KUNIT_EXPECT_TRUE(test, s->victim.goal_met);
	KUNIT_EXPECT_LT(test, s->victim.order, s->follower.order);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
	smr_domain_free(smr);
}

#define CALL_TEST_DEFERRED_MS	30000	/* liveness bound, not a timing */

/* A single call on a quiet deferred domain: the tick alone must run it. */
static void call_deferred_single(struct kunit *test, unsigned long flags)
{
	struct smr *smr = smr_domain_create(flags, "kunit-call-deferred");
	struct call_probe *p;
	bool ran;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	call_probe_queue(p, smr, sizeof(*p));
	ran = wait_for_completion_timeout(&p->ran,
					  msecs_to_jiffies(CALL_TEST_DEFERRED_MS));
	KUNIT_EXPECT_TRUE_MSG(test, ran,
			      "one smr_call() on a quiet domain (flags %#lx) did not run in %u ms",
			      flags, CALL_TEST_DEFERRED_MS);
	smr_domain_free(smr);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->runs), 1);
	KUNIT_EXPECT_TRUE(test, p->goal_met);
}

static void smr_call_deferred_single_call_runs(struct kunit *test)
{
	call_deferred_single(test, SMR_DEFERRED);
}

static void smr_call_deferred_limit_single_call_runs(struct kunit *test)
{
	call_deferred_single(test, SMR_DEFERRED_LIMIT(3));
}

#define CALL_TEST_CHAIN		16

/* A callback that queues itself again until the chain has CHAIN links. */
struct call_chain {
	struct smr_node node;
	struct smr *smr;
	atomic_t links;
};

static void call_chain_cb(struct smr_node *node)
{
	struct call_chain *c = container_of(node, struct call_chain, node);

	if (atomic_inc_return(&c->links) < CALL_TEST_CHAIN)
		smr_call(c->smr, &c->node, sizeof(*c), call_chain_cb);
}

/* Teardown runs what callbacks queue while it waits for them. */
static void call_free_runs_chain(struct kunit *test, unsigned long flags)
{
	struct smr *smr = smr_domain_create(flags, "kunit-call-chain");
	struct call_chain *c;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->smr = smr;
	atomic_set(&c->links, 0);
	smr_call(smr, &c->node, sizeof(*c), call_chain_cb);
	smr_domain_free(smr);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->links), CALL_TEST_CHAIN,
			    "links of a self-requeueing chain lost by smr_domain_free()");
}

static void smr_call_free_runs_requeued_chain(struct kunit *test)
{
	call_free_runs_chain(test, SMR_NONE);
}

static void smr_call_free_runs_requeued_chain_lazy(struct kunit *test)
{
	call_free_runs_chain(test, SMR_LAZY);
}

/*
 * One node queued twice (a bug): debugobjects catches it, smr reports it
 * and leaves the node queued once, and a node queued in between -- which
 * the second link would cut off -- still runs.
 */
static void smr_call_misuse_double_queue(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	struct call_probe *p;

	if (!IS_ENABLED(CONFIG_DEBUG_OBJECTS))
		kunit_skip(test, "needs CONFIG_DEBUG_OBJECTS");
	p = kunit_kcalloc(test, 2, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* BH off: no tick closes the batch between the calls. */
	local_bh_disable();
	call_probe_queue(&p[0], smr, 16);
	call_probe_queue(&p[1], smr, 16);
	smr_call(smr, &p[0].node, 16, call_probe_cb);	/* bug: queued */
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse + 1);
	KUNIT_EXPECT_TRUE(test, call_probe_wait(&p[0]));
	KUNIT_EXPECT_TRUE_MSG(test, call_probe_wait(&p[1]),
			      "the callback queued in between was lost");
	smr_barrier(smr);
	KUNIT_EXPECT_EQ(test, atomic_read(&p[0].runs), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&p[1].runs), 1);
}

/*
 * call_invoked <= call_queued, read as debugfs should: invoked first.  A
 * callback is counted as queued under its queue's lock before the worker,
 * which takes that lock, counts it as invoked; the smp_rmb() pairs with
 * that release/acquire chain.
 */
static void call_expect_counts(struct kunit *test, struct smr *smr, bool settled)
{
	unsigned long invoked, queued;

	invoked = smr_stat_sum(smr, SMR_STAT_CALL_INVOKED);
	smp_rmb();	/* pairs with the queue lock chain, see above */
	queued = smr_stat_sum(smr, SMR_STAT_CALL_QUEUED);
	KUNIT_EXPECT_LE(test, invoked, queued);
	if (settled)
		KUNIT_EXPECT_EQ(test, invoked, queued);
}

#define CALL_TEST_COUNT_ROUNDS	8
#define CALL_TEST_COUNT_CALLS	5000

static void smr_call_invoked_never_exceeds_queued(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct flood f = { .ran = ATOMIC_LONG_INIT(0) };
	struct smr_node *nodes;
	unsigned int r, i;

	nodes = vmalloc(array_size(CALL_TEST_COUNT_CALLS, sizeof(*nodes)));
	KUNIT_ASSERT_NOT_NULL(test, nodes);
	flood_state = &f;
	smr_barrier(smr);		/* on empty queues */
	call_expect_counts(test, smr, true);
	for (r = 0; r < CALL_TEST_COUNT_ROUNDS; r++) {
		for (i = 0; i < CALL_TEST_COUNT_CALLS; i++) {
			smr_call(smr, &nodes[i], CALL_TEST_FLOOD_SIZE, flood_cb);
			if (i % 500 == 0) {
				call_expect_counts(test, smr, false);
				cond_resched();
			}
		}
		smr_barrier(smr);
		call_expect_counts(test, smr, true);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&f.ran),
			(long)CALL_TEST_COUNT_ROUNDS * CALL_TEST_COUNT_CALLS);
	vfree(nodes);
}

/*
 * Calls from a hard interrupt land on the queue a task is closing: every
 * callback still runs once, on a goal taken after it was queued.
 */
#define CALL_TEST_IRQ_TASK	20000
#define CALL_TEST_IRQ_IRQ	2000

struct call_irq {
	struct hrtimer timer;
	struct smr *smr;
	struct call_probe *probes;
	unsigned int next;
};

static enum hrtimer_restart call_irq_fn(struct hrtimer *t)
{
	struct call_irq *ci = container_of(t, struct call_irq, timer);

	call_probe_queue(&ci->probes[ci->next], ci->smr,
			 ci->next % 64 ? 32 : SMR_CALL_EXPEDITE);
	if (++ci->next == CALL_TEST_IRQ_IRQ)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void smr_call_from_hardirq_during_flood(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned int i, ran = 0, met = 0, n = CALL_TEST_IRQ_TASK + CALL_TEST_IRQ_IRQ;
	struct call_probe *p;
	struct call_irq *ci;

	/* Not on the stack: debugobjects tracks the timer. */
	ci = kunit_kzalloc(test, sizeof(*ci), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ci);
	p = vzalloc(array_size(n, sizeof(*p)));
	KUNIT_ASSERT_NOT_NULL(test, p);
	ci->smr = smr;
	ci->probes = p + CALL_TEST_IRQ_TASK;
	hrtimer_init(&ci->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ci->timer.function = call_irq_fn;
	hrtimer_start(&ci->timer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	for (i = 0; i < CALL_TEST_IRQ_TASK; i++) {
		call_probe_queue(&p[i], smr, i % 1000 ? 32 : SMR_CALL_EXPEDITE);
		if (i % 256 == 0)
			cond_resched();
	}
	while (READ_ONCE(ci->next) < CALL_TEST_IRQ_IRQ)
		msleep(20);
	hrtimer_cancel(&ci->timer);
	smr_barrier(smr);
	for (i = 0; i < n; i++) {
		ran += atomic_read(&p[i].runs) == 1;
		met += p[i].goal_met;
	}
	KUNIT_EXPECT_EQ(test, ran, n);
	KUNIT_EXPECT_EQ(test, met, n);
	call_expect_counts(test, smr, true);
	vfree(p);
}

/*
 * @cb runs "in process context (a workqueue)" -- it may sleep -- and the
 * callbacks of one CPU run in the order they were queued.
 */
#define ORDER_TEST_NR	3

struct order_probe {
	struct smr_node node;
	int order;
	bool in_task;
	struct completion ran;
};

static void order_probe_cb(struct smr_node *node)
{
	struct order_probe *p = container_of(node, struct order_probe, node);

	p->in_task = in_task() && !irqs_disabled();
	usleep_range(100, 200);	/* sleeping in atomic context is reported */
	p->order = atomic_inc_return(&call_order);
	complete(&p->ran);
}

static bool order_probe_wait(struct order_probe *p)
{
	return wait_for_completion_timeout(&p->ran,
					   msecs_to_jiffies(CALL_TEST_LIVENESS_MS));
}

static void smr_call_runs_in_order_in_process_context(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct order_probe p[ORDER_TEST_NR];
	int i;

	for (i = 0; i < ORDER_TEST_NR; i++)
		init_completion(&p[i].ran);
	preempt_disable();	/* one CPU's queue */
	for (i = 0; i < ORDER_TEST_NR; i++)
		smr_call(smr, &p[i].node, sizeof(p[i]), order_probe_cb);
	preempt_enable();
	for (i = 0; i < ORDER_TEST_NR; i++)
		KUNIT_ASSERT_TRUE(test, order_probe_wait(&p[i]));
	for (i = 0; i < ORDER_TEST_NR; i++)
		KUNIT_EXPECT_TRUE(test, p[i].in_task);
	for (i = 1; i < ORDER_TEST_NR; i++)
		KUNIT_EXPECT_LT(test, p[i - 1].order, p[i].order);
}

/*
 * smr_call_set_limits(): "any context", values above LONG_MAX clamped;
 * a zero limit is a bug that warns and changes nothing.
 */
static void smr_call_misuse_set_limits(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long objs, bytes, flags;

	local_irq_save(flags);
	smr_call_set_limits(smr, 5, ULONG_MAX);
	objs = READ_ONCE(smr->call_limit_objs);
	bytes = READ_ONCE(smr->call_limit_bytes);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, objs, 5UL);
	KUNIT_EXPECT_EQ(test, bytes, (unsigned long)LONG_MAX);
	smr_call_set_limits(smr, 0, 1);		/* bug: warns, ignored */
	smr_call_set_limits(smr, 1, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(smr->call_limit_objs), 5UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(smr->call_limit_bytes),
			(unsigned long)LONG_MAX);
}

/* ---- The queues, allocated on first use --------------------------------- */

/* smr_barrier() and smr_domain_free() on domains that never queued one. */
static void smr_call_barrier_and_free_before_first_call(struct kunit *test)
{
	static const unsigned long flags[] = {
		SMR_NONE, SMR_LAZY, SMR_DEFERRED | SMR_SLEEPABLE,
	};
	struct smr *smr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		smr = smr_domain_create(flags[i], "kunit-call-unused");
		KUNIT_ASSERT_NOT_NULL(test, smr);
		KUNIT_EXPECT_EQ(test, smr_domain_pcpu_bytes(smr),
				call_bytes_unused());
		smr_barrier(smr);
		smr_barrier(smr);
		/* A barrier has nothing to wait for: it allocates nothing. */
		KUNIT_EXPECT_EQ(test, smr_domain_pcpu_bytes(smr),
				call_bytes_unused());
		KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_BARRIER), 2UL);
		KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_QUEUED), 0UL);
		smr_domain_free(smr);
	}
}

/*
 * The first call of a domain from a preemptible context allocates the
 * queues itself, at once (on kernels that can tell preemptible contexts).
 */
static void smr_call_first_call_allocates(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_probe p;

	KUNIT_EXPECT_EQ(test, smr_domain_pcpu_bytes(smr), call_bytes_unused());
	call_probe_queue(&p, smr, sizeof(p));
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_GT(test, smr_domain_pcpu_bytes(smr),
				call_bytes_unused());
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
	KUNIT_EXPECT_TRUE(test, p.goal_met);
	KUNIT_EXPECT_EQ(test, atomic_read(&p.runs), 1);
}

struct call_first_irq {
	struct hrtimer timer;
	struct call_probe p;
};

static enum hrtimer_restart call_first_irq_fn(struct hrtimer *t)
{
	struct call_first_irq *ci = container_of(t, struct call_first_irq, timer);

	ci->p.goal = smr_current(ci->p.smr);
	smr_call(ci->p.smr, &ci->p.node, sizeof(ci->p), call_probe_cb);
	return HRTIMER_NORESTART;
}

/*
 * The first call of a domain, from hardirq context, where no per-cpu
 * memory can be allocated: it waits on the early list, runs once after
 * its goal, and the queues exist afterwards.
 */
static void smr_call_first_call_from_hardirq(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_first_irq *ci;

	/* Not on the stack: debugobjects tracks the timer. */
	ci = kunit_kzalloc(test, sizeof(*ci), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ci);
	KUNIT_EXPECT_EQ(test, smr_domain_pcpu_bytes(smr), call_bytes_unused());
	ci->p.smr = smr;
	init_completion(&ci->p.ran);
	hrtimer_init(&ci->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ci->timer.function = call_first_irq_fn;
	hrtimer_start(&ci->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&ci->p));
	hrtimer_cancel(&ci->timer);
	smr_barrier(smr);
	KUNIT_EXPECT_EQ(test, atomic_read(&ci->p.runs), 1);
	KUNIT_EXPECT_TRUE(test, ci->p.goal_met);
	KUNIT_EXPECT_GT(test, smr_domain_pcpu_bytes(smr), call_bytes_unused());
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_QUEUED), 1UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_CALL_INVOKED), 1UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smr->call_pending_objs), 0L);
}

#define CALL_TEST_FIRST_EARLY	32
#define CALL_TEST_FIRST_NR	40

/* An early callback that takes its time, so that later ones could pass. */
static void call_slow_probe_cb(struct smr_node *node)
{
	usleep_range(100, 200);
	call_probe_cb(node);
}

/*
 * The first callbacks, queued where the queues cannot be allocated, wait
 * on the early list, held by a sleepable section, while later calls of
 * the same CPU go to the queues the init worker allocated meanwhile: they
 * must still run after them, in order, and none before the section ends,
 * although the early ones take their time (the queues' worker must not
 * run its callbacks meanwhile).
 */
static void smr_call_order_across_first_use(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_SLEEPABLE, "kunit-call-first");
	struct call_probe *p;
	struct smr_tracker tracker;
	unsigned long deadline;
	unsigned int i, ran = 0;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	p = kunit_kcalloc(test, CALL_TEST_FIRST_NR, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	smr_enter_sleepable(smr, &tracker);
	migrate_disable();	/* one CPU's callbacks */
	/* Not preemptible: the first calls cannot allocate the queues. */
	preempt_disable();
	for (i = 0; i < CALL_TEST_FIRST_EARLY; i++)
		call_probe_queue_cb(&p[i], smr, 0, call_slow_probe_cb);
	preempt_enable();
	deadline = jiffies + msecs_to_jiffies(CALL_TEST_LIVENESS_MS);
	while (smr_domain_pcpu_bytes(smr) == call_bytes_unused() &&
	       time_before(jiffies, deadline))
		usleep_range(1000, 2000);
	KUNIT_EXPECT_GT(test, smr_domain_pcpu_bytes(smr), call_bytes_unused());
	for (i = CALL_TEST_FIRST_EARLY; i < CALL_TEST_FIRST_NR; i++)
		call_probe_queue(&p[i], smr, i % 2 ? SMR_CALL_EXPEDITE : 16);
	migrate_enable();
	msleep(50);	/* plenty of ticks: every callback must still wait */
	for (i = 0; i < CALL_TEST_FIRST_NR; i++)
		ran += atomic_read(&p[i].runs);
	KUNIT_EXPECT_EQ(test, ran, 0U);
	smr_leave_sleepable(smr, &tracker);
	for (i = 0; i < CALL_TEST_FIRST_NR; i++)
		KUNIT_ASSERT_TRUE(test, call_probe_wait(&p[i]));
	for (i = 0; i < CALL_TEST_FIRST_NR; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&p[i].runs), 1);
		KUNIT_EXPECT_TRUE(test, p[i].goal_met);
	}
	for (i = 1; i < CALL_TEST_FIRST_NR; i++)
		KUNIT_EXPECT_LT_MSG(test, p[i - 1].order, p[i].order,
				    "callback %u ran before callback %u", i, i - 1);
	smr_domain_free(smr);
}

#ifdef CONFIG_HOTPLUG_CPU
struct call_on_cpu {
	struct call_probe *p;
	struct smr *smr;
};

static long call_on_cpu_fn(void *arg)
{
	struct call_on_cpu *c = arg;

	call_probe_queue(c->p, c->smr, 16);
	return 0;
}

/*
 * A CPU goes offline before the domain's first callback and comes back
 * after it: the queues, allocated meanwhile, must know which CPUs are
 * online, callbacks queued there afterwards must run, and so must those
 * of a CPU that goes offline again right after queueing them.
 */
static void smr_call_hotplug_before_first_use(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_probe p[3];
	struct call_on_cpu c = { .smr = smr };
	unsigned int cpu;

	if (num_online_cpus() < 2) {
		kunit_skip(test, "needs two CPUs");
		return;
	}
	cpu = cpumask_any_but(cpu_online_mask, 0);
	if (remove_cpu(cpu)) {
		kunit_skip(test, "CPU %u cannot go offline", cpu);
		return;
	}
	call_probe_queue(&p[0], smr, 16);
	KUNIT_EXPECT_TRUE(test, call_probe_wait(&p[0]));
	smr_barrier(smr);
	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	c.p = &p[1];
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, call_on_cpu_fn, &c), 0L);
	KUNIT_EXPECT_TRUE(test, call_probe_wait(&p[1]));
	c.p = &p[2];
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, call_on_cpu_fn, &c), 0L);
	KUNIT_EXPECT_EQ(test, remove_cpu(cpu), 0);
	KUNIT_EXPECT_TRUE(test, call_probe_wait(&p[2]));
	smr_barrier(smr);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
	KUNIT_EXPECT_TRUE(test, p[0].goal_met);
	KUNIT_EXPECT_TRUE(test, p[1].goal_met);
	KUNIT_EXPECT_TRUE(test, p[2].goal_met);
	KUNIT_EXPECT_EQ(test, atomic_read(&p[2].runs), 1);
}
#else
static void smr_call_hotplug_before_first_use(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
}
#endif

static struct kunit_case smr_call_cases[] = {
	KUNIT_CASE(smr_call_runs_once_after_goal),
	KUNIT_CASE(smr_call_expedite),
	KUNIT_CASE(smr_call_inside_section),
	KUNIT_CASE(smr_call_size_cap_closes_batch),
	KUNIT_CASE(smr_call_barrier_waits_for_all),
	KUNIT_CASE(smr_call_held_by_reader),
	KUNIT_CASE_SLOW(smr_call_flood_is_bounded),
	KUNIT_CASE(smr_call_domain_free_runs_pending),
	KUNIT_CASE(smr_call_misuse_barrier_inside_section),
	KUNIT_CASE(smr_call_sleepable_goal_held_in_worker),
	KUNIT_CASE_SLOW(smr_call_deferred_single_call_runs),
	KUNIT_CASE_SLOW(smr_call_deferred_limit_single_call_runs),
	KUNIT_CASE(smr_call_free_runs_requeued_chain),
	KUNIT_CASE(smr_call_free_runs_requeued_chain_lazy),
	KUNIT_CASE_SLOW(smr_call_misuse_double_queue),
	KUNIT_CASE(smr_call_invoked_never_exceeds_queued),
	KUNIT_CASE_SLOW(smr_call_from_hardirq_during_flood),
	KUNIT_CASE(smr_call_runs_in_order_in_process_context),
	KUNIT_CASE(smr_call_misuse_set_limits),
	KUNIT_CASE(smr_kfree_held_by_reader),
	KUNIT_CASE(smr_kvfree_vmalloc_held_by_reader),
	KUNIT_CASE(smr_kfree_many_and_null),
	KUNIT_CASE(smr_kfree_misuse_node_too_far),
	KUNIT_CASE(smr_call_barrier_and_free_before_first_call),
	KUNIT_CASE(smr_call_first_call_allocates),
	KUNIT_CASE(smr_call_first_call_from_hardirq),
	KUNIT_CASE(smr_call_order_across_first_use),
	KUNIT_CASE(smr_call_hotplug_before_first_use),
	{}
};

static struct kunit_suite smr_call_suite = {
	.name = "smr_call",
	.init = smr_call_test_init,
	.exit = smr_call_test_exit,
	.test_cases = smr_call_cases,
};

kunit_test_suites(&smr_call_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for smr_call and smr_barrier");
