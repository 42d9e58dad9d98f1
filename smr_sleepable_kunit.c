// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for sleepable sections and stall warnings.
 *
 * A module of its own, linked against smr.ko's exports like any consumer.
 * Waits are bounded by generous liveness limits, never timed.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "smr.h"

#define SLEEPABLE_TEST_LIVENESS_MS	20000

static int smr_sleepable_test_init(struct kunit *test)
{
	test->priv = smr_domain_create(SMR_SLEEPABLE, "kunit-sleepable");
	KUNIT_ASSERT_NOT_NULL(test, test->priv);
	return 0;
}

static void smr_sleepable_test_exit(struct kunit *test)
{
	smr_domain_free(test->priv);
}

static DEFINE_MUTEX(sleepable_test_mutex);

/* The section sleeps, takes a mutex, allocates: and still holds goals. */
static void smr_sleepable_section_may_block(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_tracker t;
	unsigned long goal;
	void *p;

	smr_enter_sleepable(smr, &t);
	goal = smr_advance(smr);
	msleep(20);
	mutex_lock(&sleepable_test_mutex);
	p = kmalloc(64, GFP_KERNEL);
	mutex_unlock(&sleepable_test_mutex);
	kfree(p);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_leave_sleepable(smr, &t);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

/*
 * Several sections of one task, left in another order than entered, and
 * mixed with smr_enter().  A goal waits for every sleepable section that
 * is inside when its grace period runs, also one that entered after the
 * goal was handed out (as SRCU's readers: the counts cannot tell them
 * apart); so both goals are met only once the last section has left, and
 * then at once.
 */
static void smr_sleepable_nested_and_mixed(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_tracker outer, inner, third;
	unsigned long before, after;

	smr_enter_sleepable(smr, &outer);
	before = smr_advance(smr);
	smr_enter_sleepable(smr, &inner);
	after = smr_advance(smr);
	smr_enter(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, before));
	smr_enter_sleepable(smr, &third);
	smr_leave(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, before));
	smr_leave_sleepable(smr, &outer);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, before));
	smr_leave_sleepable(smr, &third);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, before));
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, after));
	smr_leave_sleepable(smr, &inner);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, before));
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, after));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

/*
 * A goal's grace period covers the sections inside when it runs, not
 * later ones: a section entered after a poll flipped the phase does not
 * hold a goal whose period has only the old phase left to drain.
 */
static void smr_sleepable_later_section_not_waited(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_tracker old, later;
	unsigned long goal;

	smr_enter_sleepable(smr, &old);
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));	/* flips, waits */
	smr_enter_sleepable(smr, &later);
	KUNIT_EXPECT_NE(test, old.idx & 1, later.idx & 1);
	smr_leave_sleepable(smr, &old);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	smr_leave_sleepable(smr, &later);
}

struct sleeper {
	struct smr *smr;
	struct completion inside;
	struct completion go;
	bool leaving;
	int entered_cpu, left_cpu;
};

static int sleeper_fn(void *arg)
{
	struct sleeper *s = arg;
	struct smr_tracker t;

	smr_enter_sleepable(s->smr, &t);
	s->entered_cpu = raw_smp_processor_id();
	complete(&s->inside);
	wait_for_completion(&s->go);	/* sleeps, possibly migrates */
	s->left_cpu = raw_smp_processor_id();
	WRITE_ONCE(s->leaving, true);
	smr_leave_sleepable(s->smr, &t);
	return 0;
}

static struct task_struct *sleeper_start(struct kunit *test, struct sleeper *s,
					 struct smr *smr, int cpu)
{
	struct task_struct *t;

	s->smr = smr;
	s->leaving = false;
	init_completion(&s->inside);
	init_completion(&s->go);
	t = kthread_create(sleeper_fn, s, "smr-kunit-sleeper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	if (cpu >= 0)
		kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	wait_for_completion(&s->inside);
	return t;
}

static int sleeper_release_fn(void *arg)
{
	struct sleeper *s = arg;

	msleep(50);
	complete(&s->go);
	return 0;
}

/* smr_synchronize() sleeps until a sleeping reader has left. */
static void smr_sleepable_synchronize_waits(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct task_struct *t, *r;
	struct sleeper s;

	t = sleeper_start(test, &s, smr, -1);
	r = kthread_run(sleeper_release_fn, &s, "smr-kunit-release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	smr_synchronize(smr);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(s.leaving));
	kthread_stop(t);
	put_task_struct(t);
}

/* smr_wait() on a sleepable domain sleeps too. */
static void smr_sleepable_wait_waits(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct task_struct *t, *r;
	struct sleeper s;

	t = sleeper_start(test, &s, smr, -1);
	r = kthread_run(sleeper_release_fn, &s, "smr-kunit-release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	smr_wait(smr, smr_advance(smr));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(s.leaving));
	kthread_stop(t);
	put_task_struct(t);
}

/* A reader that sleeps on one CPU and leaves on another. */
static void smr_sleepable_migrating_reader(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct task_struct *t;
	struct sleeper s;
	unsigned long goal;
	int from, to;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	from = cpumask_first(cpu_online_mask);
	to = cpumask_next(from, cpu_online_mask);
	t = sleeper_start(test, &s, smr, from);
	goal = smr_advance(smr);
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(t, cpumask_of(to)), 0);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	complete(&s.go);
	smr_synchronize(smr);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(s.leaving));
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	kthread_stop(t);
	KUNIT_EXPECT_EQ(test, s.entered_cpu, from);
	KUNIT_EXPECT_EQ(test, s.left_cpu, to);
	put_task_struct(t);
}

/*
 * Only lockdep knows whose sleepable sections the counts hold: without it
 * a wait inside one's own section waits for ever, as synchronize_srcu()
 * inside srcu_read_lock() does.
 */
static void sleepable_needs_lockdep(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		kunit_skip(test, "needs CONFIG_DEBUG_LOCK_ALLOC to see its own section");
}

static void smr_sleepable_misuse_synchronize_inside(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	struct smr_tracker t;

	sleepable_needs_lockdep(test);

	smr_enter_sleepable(smr, &t);
	smr_synchronize(smr);	/* bug: warns, does not wait for itself */
	smr_leave_sleepable(smr, &t);
	KUNIT_EXPECT_GT(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse);
	smr_synchronize(smr);
}

/*
 * Waits inside the caller's own sleepable section cannot be met: they
 * warn, and still wait for every other reader before giving up.
 */
static void smr_sleepable_misuse_wait_inside_waits_for_others(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	struct task_struct *t, *r;
	struct smr_tracker mine;
	struct sleeper s;

	sleepable_needs_lockdep(test);
	t = sleeper_start(test, &s, smr, -1);
	r = kthread_run(sleeper_release_fn, &s, "smr-kunit-release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	smr_enter_sleepable(smr, &mine);
	smr_synchronize(smr);	/* bug: warns, waits for the sleeper */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(s.leaving));
	smr_leave_sleepable(smr, &mine);
	KUNIT_EXPECT_GT(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse);
	kthread_stop(t);
	put_task_struct(t);

	misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	t = sleeper_start(test, &s, smr, -1);
	r = kthread_run(sleeper_release_fn, &s, "smr-kunit-release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	smr_enter_sleepable(smr, &mine);
	smr_wait(smr, smr_advance(smr));	/* bug: the same */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(s.leaving));
	smr_leave_sleepable(smr, &mine);
	KUNIT_EXPECT_GT(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse);
	kthread_stop(t);
	put_task_struct(t);
}

static int load_assert_value = 42;
static int __smr *load_assert_ptr;

/* smr_entered_load_assert() accepts a sleepable section. */
static void smr_sleepable_load_assert(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	struct smr_tracker t;

	smr_init_store(load_assert_ptr, &load_assert_value);
	smr_enter_sleepable(smr, &t);
	KUNIT_EXPECT_EQ(test, *smr_entered_load_assert(load_assert_ptr, smr), 42);
	smr_leave_sleepable(smr, &t);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse);
}

/*
 * The wrap guard counts sleepable readers: a reader that holds the clock
 * while writers advance a lap and more never sees its sequence wrap past
 * the clock (with wrap_test=1, 600 steps are more than half a lap).
 */
static void smr_sleepable_wrap_guard(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal = 0, seq;
	struct smr_tracker t;
	int i;

	smr_enter_sleepable(smr, &t);
	seq = smr_current(smr);	/* what the section may have seen */
	for (i = 0; i < 600; i++)
		goal = smr_advance(smr);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_LEQ(seq, smr_current(smr)));
	KUNIT_EXPECT_LT(test, SMR_SEQ_DELTA(smr_current(smr), seq),
			LONG_MAX / 2);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_leave_sleepable(smr, &t);
	smr_wait(smr, goal);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

/* The same for the caller's own section, which the guard cannot wait for. */
static void smr_sleepable_wrap_guard_own_section(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal = 0, seq;
	long distance;
	bool met;
	int i;

	smr_enter(smr);
	seq = this_cpu_ptr(smr->pcpu)->rd_seq[SMR_CTX_TASK];
	for (i = 0; i < 600; i++)
		goal = smr_advance(smr);
	distance = SMR_SEQ_DELTA(smr_current(smr), seq);
	met = smr_poll(smr, goal);
	smr_leave(smr);
	/* Checked outside the section: a failure report allocates. */
	KUNIT_EXPECT_LT(test, distance, LONG_MAX / 2);
	KUNIT_EXPECT_FALSE(test, met);
	smr_wait(smr, goal);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

/*
 * A tracker left twice (a bug) is caught and ignored: counting its unlock
 * again would make a phase look drained while another reader is inside.
 */
static void smr_sleepable_misuse_double_leave(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE), goal;
	struct smr_tracker mine;
	struct task_struct *t;
	struct sleeper s;

	smr_enter_sleepable(smr, &mine);
	t = sleeper_start(test, &s, smr, -1);	/* most likely the same phase */
	goal = smr_advance(smr);
	smr_leave_sleepable(smr, &mine);
	__acquire(smr);		/* keep sparse's lock context balanced */
	smr_leave_sleepable(smr, &mine);	/* bug: warns, ignored */
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse + 1);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	complete(&s.go);
	kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

static void smr_sleepable_misuse_plain_domain(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_NONE, "kunit-not-sleepable");
	struct smr_tracker t;
	unsigned long goal;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	smr_enter_sleepable(smr, &t);	/* bug: warns, works */
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_leave_sleepable(smr, &t);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 1UL);
	smr_domain_free(smr);
}

/*
 * smr_domain_free() with a sleepable reader still inside (misuse: it
 * warns, then waits for the reader), and that reader leaving while the
 * free waits: the free must wait until the reader has made its unlock
 * count, its last access to the domain, not take the reader for gone
 * earlier (when lockdep no longer holds it, say) and free the per-cpu
 * counts it is about to increment.  The hook holds that leave for 200 ms
 * just before the count, touching the domain; the sleep before it lets
 * the free get to its wait first (if it does not, the case passes
 * without having tested anything).
 */
struct freer {
	struct smr *smr;
	struct completion done;
	bool held_at_return;
};

static int freer_fn(void *arg)
{
	struct freer *f = arg;

	smr_domain_free(f->smr);
	f->held_at_return = smr_sleepable_test_holding();
	complete(&f->done);
	return 0;
}

static void smr_sleepable_misuse_free_while_leaving(struct kunit *test)
{
	struct freer f = { .held_at_return = true };
	struct task_struct *t, *ft;
	unsigned long done;
	struct sleeper s;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	f.smr = smr_domain_create(SMR_SLEEPABLE, "kunit-teardown");
	KUNIT_ASSERT_NOT_NULL(test, f.smr);
	init_completion(&f.done);
	t = sleeper_start(test, &s, f.smr, -1);
	ft = kthread_run(freer_fn, &f, "smr-kunit-freer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ft));
	msleep(500);
	smr_sleepable_test_hold_leave(f.smr, 200);
	complete(&s.go);
	done = wait_for_completion_timeout(&f.done,
					   msecs_to_jiffies(SLEEPABLE_TEST_LIVENESS_MS));
	KUNIT_EXPECT_GT(test, done, 0UL);
	KUNIT_EXPECT_FALSE(test, f.held_at_return);
	kthread_stop(t);
	put_task_struct(t);
}

/*
 * smr_domain_free() from inside the caller's own sleepable section: it
 * warns and hands the teardown to a worker, which waits for the section
 * to end.  smr_entered() does not count sleepable sections.
 */
static void smr_sleepable_misuse_free_inside_own_section(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_SLEEPABLE, "kunit-free-inside");
	struct smr_tracker t;
	unsigned long misuse;
	bool entered;

	if (!IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC)) {
		smr_domain_free(smr);
		kunit_skip(test, "needs CONFIG_DEBUG_LOCK_ALLOC to see its own section");
	}
	KUNIT_ASSERT_NOT_NULL(test, smr);
	smr_enter_sleepable(smr, &t);
	entered = smr_entered(smr);
	smr_domain_free(smr);	/* bug: warns, freed once we have left */
	msleep(20);		/* the worker waits for us meanwhile */
	misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	smr_leave_sleepable(smr, &t);
	KUNIT_EXPECT_FALSE(test, entered);
	KUNIT_EXPECT_EQ(test, misuse, 1UL);
}

/* Every CPU's deferrable tick off (true) or back on (false). */
static void sleepable_ticks_idle(bool idle)
{
	int cpu;

	for_each_possible_cpu(cpu)
		smr_tick_test_idle(cpu, idle);
}

/*
 * A reader blocked in its section holds a goal: every poll says "not
 * yet" until it has left -- never early -- and the first poll after it
 * left says "met", with no tick to help (the pollers move the grace
 * period themselves).
 */
static void smr_sleepable_blocked_reader_polls(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct task_struct *t;
	struct sleeper s;
	unsigned long goal;
	bool met = false, leaving;
	int i;

	t = sleeper_start(test, &s, smr, -1);
	goal = smr_advance(smr);
	sleepable_ticks_idle(true);
	for (i = 0; i < 40 && !met; i++) {
		if (i == 20)
			complete(&s.go);
		met = smr_poll(smr, goal);
		/* Read after the poll: a met goal means the reader was out. */
		leaving = READ_ONCE(s.leaving);
		if (met)
			KUNIT_EXPECT_TRUE_MSG(test, leaving,
					      "goal met at poll %d, reader inside", i);
		else
			usleep_range(5000, 6000);
	}
	kthread_stop(t);	/* it has left */
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	sleepable_ticks_idle(false);
	put_task_struct(t);
}

struct spinner {
	struct smr *smr;
	struct completion inside;
	bool go;
	unsigned long goal;
	bool met_inside;
};

/* A section that stays runnable and is preempted by the poller. */
static int spinner_fn(void *arg)
{
	struct spinner *sp = arg;
	struct smr_tracker t;

	smr_enter_sleepable(sp->smr, &t);
	complete(&sp->inside);
	while (!READ_ONCE(sp->go))
		cond_resched();
	smr_leave_sleepable(sp->smr, &t);
	while (!kthread_should_stop())
		usleep_range(1000, 2000);
	return 0;
}

/* A preempted reader (runnable, not running: the poller has its CPU). */
static void smr_sleepable_preempted_reader(struct kunit *test)
{
	struct smr *smr = test->priv;
	int cpu = cpumask_first(cpu_online_mask);
	struct spinner sp = { .smr = smr };
	struct task_struct *t;
	unsigned long goal;

	init_completion(&sp.inside);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	t = kthread_create(spinner_fn, &sp, "smr-kunit-spinner");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	wait_for_completion(&sp.inside);
	goal = smr_advance(smr);
	/* We run on its CPU: the spinner is preempted, inside. */
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	WRITE_ONCE(sp.go, true);
	smr_synchronize(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	kthread_stop(t);
	put_task_struct(t);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

struct late_enter {
	struct smr *smr;
	struct completion inside;
	struct completion go;
};

static int late_enter_fn(void *arg)
{
	struct late_enter *le = arg;
	struct smr_tracker t;

	smr_enter_sleepable(le->smr, &t);	/* held by the hook */
	complete(&le->inside);
	wait_for_completion(&le->go);
	smr_leave_sleepable(le->smr, &t);
	return 0;
}

/*
 * A section that reads the phase, is held up, and counts itself only
 * after a whole grace period has passed (the flip included): it is in
 * the phase that is now inactive.  The next goal's period must drain
 * that phase before it flips again (step 1) -- a machine that flips
 * once (busted_sleep=2) would miss the section.  The first goal may be
 * met meanwhile: the section had not counted itself, so its loads see
 * everything the goal covers.
 */
static void smr_sleepable_late_count_held(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal, deadline;
	struct task_struct *t;
	struct late_enter le = { .smr = smr };

	init_completion(&le.inside);
	init_completion(&le.go);
	smr_sleepable_test_hold_enter(smr, 300);
	t = kthread_create(late_enter_fn, &le, "smr-kunit-late");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wake_up_process(t);
	deadline = jiffies + msecs_to_jiffies(SLEEPABLE_TEST_LIVENESS_MS);
	while (!smr_sleepable_test_holding() && time_before(jiffies, deadline))
		usleep_range(100, 200);
	/* If the hold is over already, nothing is tested: still passes. */
	smr_synchronize(smr);
	wait_for_completion(&le.inside);
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	complete(&le.go);
	kthread_stop(t);	/* it has left, and is done with le */
	put_task_struct(t);
	smr_wait(smr, goal);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

static struct kunit_case smr_sleepable_cases[] = {
	KUNIT_CASE(smr_sleepable_later_section_not_waited),
	KUNIT_CASE(smr_sleepable_blocked_reader_polls),
	KUNIT_CASE(smr_sleepable_preempted_reader),
	KUNIT_CASE(smr_sleepable_late_count_held),
	KUNIT_CASE(smr_sleepable_section_may_block),
	KUNIT_CASE(smr_sleepable_nested_and_mixed),
	KUNIT_CASE(smr_sleepable_synchronize_waits),
	KUNIT_CASE(smr_sleepable_wait_waits),
	KUNIT_CASE(smr_sleepable_migrating_reader),
	KUNIT_CASE(smr_sleepable_misuse_synchronize_inside),
	KUNIT_CASE(smr_sleepable_misuse_wait_inside_waits_for_others),
	KUNIT_CASE(smr_sleepable_load_assert),
	KUNIT_CASE(smr_sleepable_wrap_guard),
	KUNIT_CASE(smr_sleepable_wrap_guard_own_section),
	KUNIT_CASE(smr_sleepable_misuse_plain_domain),
	KUNIT_CASE(smr_sleepable_misuse_double_leave),
	KUNIT_CASE(smr_sleepable_misuse_free_while_leaving),
	KUNIT_CASE(smr_sleepable_misuse_free_inside_own_section),
	{}
};

static struct kunit_suite smr_sleepable_suite = {
	.name = "smr_sleepable",
	.init = smr_sleepable_test_init,
	.exit = smr_sleepable_test_exit,
	.test_cases = smr_sleepable_cases,
};

/* ---- smr_stall -------------------------------------------------------- */

static bool stall_seen(struct smr *smr, unsigned long before)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(SLEEPABLE_TEST_LIVENESS_MS);

	while (smr_stat_sum(smr, SMR_STAT_STALL) == before) {
		if (time_after(jiffies, deadline))
			return false;
		msleep(20);
	}
	return true;
}

/* A sleepable reader that holds the clock back gets exactly one warning. */
static void smr_stall_held_reader_warns_once(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_tracker t;

	smr_enter_sleepable(smr, &t);
	(void)smr_advance(smr);
	KUNIT_EXPECT_TRUE(test, stall_seen(smr, 0));
	msleep(100);	/* more ticks: no second warning for the same reader */
	smr_leave_sleepable(smr, &t);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_STALL), 1UL);
}

/* Many short sections, advances and polls: no warning. */
static void smr_stall_normal_readers_quiet(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_tracker t;
	int i;

	for (i = 0; i < 2000; i++) {
		smr_enter(smr);
		smr_leave(smr);
		smr_enter_sleepable(smr, &t);
		smr_leave_sleepable(smr, &t);
		(void)smr_poll(smr, smr_advance(smr));
		if (i % 100 == 0)
			usleep_range(5000, 6000);
	}
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_STALL), 0UL);
}

static struct kunit_case smr_stall_cases[] = {
	KUNIT_CASE(smr_stall_normal_readers_quiet),
	KUNIT_CASE_SLOW(smr_stall_held_reader_warns_once),
	{}
};

static struct kunit_suite smr_stall_suite = {
	.name = "smr_stall",
	.init = smr_sleepable_test_init,
	.exit = smr_sleepable_test_exit,
	.test_cases = smr_stall_cases,
};

kunit_test_suites(&smr_sleepable_suite, &smr_stall_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for smr sleepable sections and stall warnings");
