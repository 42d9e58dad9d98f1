// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for smr_call() and smr_barrier().
 *
 * A module of its own, linked against smr.ko's exports like any consumer.
 * Waits for callbacks are bounded by generous liveness limits, never timed.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
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
	struct completion ran;
};

static void call_probe_cb(struct smr_node *node)
{
	struct call_probe *p = container_of(node, struct call_probe, node);

	p->goal_met = smr_poll(p->smr, p->goal);
	atomic_inc(&p->runs);
	complete(&p->ran);
}

static void call_probe_queue(struct call_probe *p, struct smr *smr, size_t size)
{
	p->smr = smr;
	atomic_set(&p->runs, 0);
	init_completion(&p->ran);
	p->goal = smr_current(smr);
	smr_call(smr, &p->node, size, call_probe_cb);
}

static bool call_probe_wait(struct call_probe *p)
{
	return wait_for_completion_timeout(&p->ran,
					   msecs_to_jiffies(CALL_TEST_LIVENESS_MS));
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
	unsigned long batches = smr_stat_sum(smr, SMR_STAT_CALL_BATCH);
	struct call_probe p;

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

/* A reader on another CPU holds every callback queued after it entered. */
static void smr_call_held_by_reader(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct call_holder h = { .smr = smr };
	struct task_struct *t;
	struct call_probe p;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	init_completion(&h.inside);
	t = kthread_create(call_holder_fn, &h, "smr-kunit-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpumask_any_but(cpu_online_mask, raw_smp_processor_id()));
	wake_up_process(t);
	wait_for_completion(&h.inside);

	call_probe_queue(&p, smr, SMR_CALL_EXPEDITE);
	msleep(100);	/* plenty of ticks: the callback must still wait */
	KUNIT_EXPECT_EQ(test, atomic_read(&p.runs), 0);
	WRITE_ONCE(h.release, true);
	KUNIT_ASSERT_TRUE(test, call_probe_wait(&p));
	KUNIT_EXPECT_TRUE(test, p.goal_met);
}

#define CALL_TEST_FLOOD		1000000UL
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
