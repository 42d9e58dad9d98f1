// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for smr.ko.
 *
 * Built as its own module and linked against smr.ko's exports exactly as a
 * consumer module would be.  Every suite also passes with smr.ko loaded
 * with wrap_test=1, where the clock crosses the wrap every 1024 steps.
 * Cases that need a second CPU skip on uniprocessor kernels (UML).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/timer.h>

#include "smr.h"

/* Bound for loops that wait for the tick: generous, never a timing check. */
#define SMR_TEST_TICK_WAIT_MS	10000

static unsigned long clock_step(struct smr *smr)
{
	/* A deferred goal is exactly one step ahead of the clock. */
	return smr_deferred_advance(smr) - smr_current(smr);
}

static unsigned long rd_seq(struct smr *smr)
{
	return atomic_long_read(&smr->clock.rd_seq);
}

static unsigned long wr_seq(struct smr *smr)
{
	return atomic_long_read(&smr->clock.wr_seq);
}

/* Poll until @goal is reached, sleeping between polls; bounded. */
static bool poll_until(struct smr *smr, unsigned long goal)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(SMR_TEST_TICK_WAIT_MS);

	while (!smr_poll(smr, goal)) {
		if (time_after(jiffies, deadline))
			return false;
		schedule_timeout_uninterruptible(1);
	}
	return true;
}

/*
 * Run ic->fn once from a hard interrupt (an hrtimer's) or a softirq (a
 * timer's).  ic->in_ctx says whether it ran in the context asked for.
 */
struct irq_call {
	struct hrtimer hard;
	struct timer_list soft;
	void (*fn)(struct irq_call *ic);
	struct smr *smr;
	unsigned long goal;
	bool in_ctx, r1, r2, r3;
	bool done;
};

static void irq_call_run(struct irq_call *ic, bool in_ctx)
{
	ic->in_ctx = in_ctx;
	ic->fn(ic);
	/* The results before done: pairs with irq_call_finish(). */
	smp_store_release(&ic->done, true);
}

static enum hrtimer_restart irq_call_hard_fn(struct hrtimer *t)
{
	irq_call_run(container_of(t, struct irq_call, hard), in_hardirq());
	return HRTIMER_NORESTART;
}

static void irq_call_soft_fn(struct timer_list *t)
{
	struct irq_call *ic = from_timer(ic, t, soft);

	irq_call_run(ic, in_serving_softirq());
}

/* Timers are not on the stack: debugobjects would report them. */
static struct irq_call *irq_call_alloc(struct kunit *test, struct smr *smr,
				       void (*fn)(struct irq_call *ic))
{
	struct irq_call *ic = kunit_kzalloc(test, sizeof(*ic), GFP_KERNEL);

	if (ic) {
		ic->smr = smr;
		ic->fn = fn;
	}
	return ic;
}

static void irq_call_start(struct irq_call *ic, bool hard)
{
	ic->done = false;
	if (hard) {
		hrtimer_init(&ic->hard, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		ic->hard.function = irq_call_hard_fn;
		hrtimer_start(&ic->hard, ns_to_ktime(NSEC_PER_MSEC),
			      HRTIMER_MODE_REL_HARD);
	} else {
		timer_setup(&ic->soft, irq_call_soft_fn, 0);
		mod_timer(&ic->soft, jiffies + 1);
	}
}

/*
 * Spin (no sleep: the caller may be in a section) until ic->fn has run;
 * bounded.  irq_call_cancel() then makes sure the timer is gone.
 */
static bool irq_call_finish(struct irq_call *ic)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(SMR_TEST_TICK_WAIT_MS);

	/* Pairs with irq_call_run(): the results are read after done. */
	while (!smp_load_acquire(&ic->done) && !time_after(jiffies, deadline))
		cpu_relax();
	return smp_load_acquire(&ic->done);	/* the same pairing */
}

static void irq_call_cancel(struct irq_call *ic, bool hard)
{
	if (hard)
		hrtimer_cancel(&ic->hard);
	else
		timer_shutdown_sync(&ic->soft);
}

/* Each case gets a fresh domain of the suite's flavour in test->priv. */
static int smr_test_init_flags(struct kunit *test, unsigned long flags)
{
	struct smr *smr = smr_domain_create(flags, "kunit");

	KUNIT_ASSERT_NOT_NULL(test, smr);
	test->priv = smr;
	return 0;
}

static int smr_test_init(struct kunit *test)
{
	return smr_test_init_flags(test, SMR_NONE);
}

static int smr_test_init_lazy(struct kunit *test)
{
	return smr_test_init_flags(test, SMR_LAZY);
}

static void smr_test_exit(struct kunit *test)
{
	smr_domain_free(test->priv);
}

/* ---- smr_seq: wrap-safe arithmetic ------------------------------------ */

static void smr_seq_compare_across_wrap(struct kunit *test)
{
	unsigned long before = ULONG_MAX - 5, after = before + 10;

	KUNIT_EXPECT_LT(test, after, before);	/* numerically wrapped */
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_LT(before, after));
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_LEQ(before, after));
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GT(after, before));
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GEQ(after, before));
	KUNIT_EXPECT_FALSE(test, SMR_SEQ_GT(before, after));
	KUNIT_EXPECT_EQ(test, SMR_SEQ_DELTA(after, before), 10L);
	KUNIT_EXPECT_EQ(test, SMR_SEQ_DELTA(before, after), -10L);
	KUNIT_EXPECT_EQ(test, smr_seq_min(before, after), before);
	KUNIT_EXPECT_EQ(test, smr_seq_max(before, after), after);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_CMP(after, ==, after));
}

static void smr_seq_half_space(struct kunit *test)
{
	unsigned long a = 2, b = a + LONG_MAX - 1;

	/* Up to half the space apart, order is preserved... */
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_LT(a, b));
	/* ...past it the order flips: why the clock keeps its hands close. */
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GT(a, b + 4));
}

static void smr_seq_values_are_valid(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long step = clock_step(smr), goal;
	int i;

	KUNIT_EXPECT_EQ(test, step % 4, 0UL);
	KUNIT_EXPECT_NE(test, step, 0UL);
	for (i = 0; i < 2100; i++) {
		goal = smr_advance(smr);
		KUNIT_ASSERT_EQ(test, goal & 3, SMR_SEQ_INIT & 3);
		KUNIT_ASSERT_NE(test, goal, SMR_SEQ_INVALID);
		KUNIT_ASSERT_TRUE(test, smr_poll(smr, goal));
	}
}

static struct kunit_case smr_seq_cases[] = {
	KUNIT_CASE(smr_seq_compare_across_wrap),
	KUNIT_CASE(smr_seq_half_space),
	KUNIT_CASE(smr_seq_values_are_valid),
	{}
};

static struct kunit_suite smr_seq_suite = {
	.name = "smr_seq",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_seq_cases,
};

/* ---- smr_clock: the two hands ------------------------------------------ */

static void smr_clock_advance_moves_forward(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long prev = smr_current(smr), goal, step = clock_step(smr);
	unsigned int wraps = 0;
	int i;

	for (i = 0; i < 3000; i++) {
		goal = smr_advance(smr);
		KUNIT_ASSERT_EQ(test, goal, prev + step);
		KUNIT_ASSERT_TRUE(test, SMR_SEQ_GT(goal, prev));
		KUNIT_ASSERT_EQ(test, smr_current(smr), goal);
		wraps += goal < prev;
		prev = goal;
		if (i % 8 == 0)
			KUNIT_ASSERT_TRUE(test, smr_poll(smr, goal));
	}
	kunit_info(test, "step %#lx, %u wraps crossed\n", step, wraps);
	/* With the wrap_test clock, 3000 steps cross the wrap. */
	if (step != SMR_SEQ_INC)
		KUNIT_EXPECT_GE(test, wraps, 2U);
}

static bool hands_in_order(struct smr *smr)
{
	return SMR_SEQ_LEQ(rd_seq(smr), wr_seq(smr));
}

static void smr_clock_rd_never_passes_wr(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal;
	bool in_order = true;
	int i;

	for (i = 0; i < 3000 && in_order; i++) {
		goal = smr_advance(smr);
		in_order &= hands_in_order(smr);
		smr_enter(smr);
		(void)smr_advance(smr);
		(void)smr_poll(smr, goal);
		in_order &= hands_in_order(smr);
		smr_leave(smr);
		if (i % 2)
			(void)smr_poll(smr, smr_advance(smr));
		in_order &= hands_in_order(smr);
		KUNIT_ASSERT_TRUE(test, smr_poll(smr, goal));
		in_order &= SMR_SEQ_LEQ(goal, rd_seq(smr)) &&
			    hands_in_order(smr);
	}
	KUNIT_EXPECT_TRUE(test, in_order);
}

static void smr_clock_wrap_guard(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal = 0;
	int i;

	/* Many advances and no poll: the guard keeps the hands close. */
	for (i = 0; i < 2000; i++)
		goal = smr_advance(smr);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_DELTA(wr_seq(smr), rd_seq(smr)) <
				LONG_MAX / 2);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_LEQ(rd_seq(smr), wr_seq(smr)));
	if (clock_step(smr) != SMR_SEQ_INC)
		KUNIT_EXPECT_GT(test, smr_stat_sum(smr, SMR_STAT_ADVANCE_WAIT), 0UL);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

/* Flag combinations the kernel-doc allows, and a copied, bounded name. */
static void smr_clock_create_flavours_and_name(struct kunit *test)
{
	static const unsigned long flags[] = {
		SMR_LAZY | SMR_SLEEPABLE,
		SMR_DEFERRED | SMR_SLEEPABLE,
		SMR_DEFERRED_LIMIT(SMR_DEFERRED_MAX) | SMR_SLEEPABLE,
	};
	char name[SMR_NAME_MAX + 8];
	struct smr *smr;
	unsigned long goal;
	int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		smr = smr_domain_create(flags[i], "kunit-flavour");
		KUNIT_ASSERT_NOT_NULL(test, smr);
		goal = smr_advance(smr);
		smr_wait(smr, goal);
		KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
		KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
		smr_domain_free(smr);
	}
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	smr = smr_domain_create(SMR_NONE, name);
	KUNIT_ASSERT_NOT_NULL(test, smr);
	memset(name, 'x', sizeof(name) - 1);
	KUNIT_EXPECT_EQ(test, strlen(smr->name), (size_t)SMR_NAME_MAX - 1);
	KUNIT_EXPECT_EQ(test, smr->name[0], 'n');
	smr_domain_free(smr);
}

/* The debugfs directory called @name under @root, if there is one. */
static bool debugfs_has(struct dentry *root, const char *name,
			struct dentry *want)
{
	struct dentry *d = debugfs_lookup(name, root);
	bool found = !IS_ERR_OR_NULL(d) && (!want || d == want);

	if (!IS_ERR_OR_NULL(d))
		dput(d);
	return found;
}

/*
 * Two domains of the same name get distinct debugfs directories, the
 * second "<name>-2", and keep the name they were given; freeing either
 * removes its own directory, and a freed "-2" is handed out again.
 */
static void smr_clock_duplicate_names_debugfs(struct kunit *test)
{
	struct smr *a, *b, *c;
	struct dentry *root;

	a = smr_domain_create(SMR_NONE, "kunit-dup");
	KUNIT_ASSERT_NOT_NULL(test, a);
	if (IS_ERR_OR_NULL(a->debugfs)) {
		smr_domain_free(a);
		kunit_skip(test, "no debugfs");
	}
	root = dget(a->debugfs->d_parent);
	b = smr_domain_create(SMR_NONE, "kunit-dup");
	KUNIT_EXPECT_NOT_NULL(test, b);
	if (b) {
		KUNIT_EXPECT_STREQ(test, b->name, "kunit-dup");
		KUNIT_EXPECT_PTR_NE(test, b->debugfs, a->debugfs);
		KUNIT_EXPECT_TRUE(test, debugfs_has(root, "kunit-dup", a->debugfs));
		KUNIT_EXPECT_TRUE(test, debugfs_has(root, "kunit-dup-2", b->debugfs));
		smr_domain_free(b);
	}
	KUNIT_EXPECT_FALSE(test, debugfs_has(root, "kunit-dup-2", NULL));
	KUNIT_EXPECT_TRUE(test, debugfs_has(root, "kunit-dup", a->debugfs));
	c = smr_domain_create(SMR_NONE, "kunit-dup");
	KUNIT_EXPECT_NOT_NULL(test, c);
	if (c) {
		KUNIT_EXPECT_TRUE(test, debugfs_has(root, "kunit-dup-2", c->debugfs));
		KUNIT_EXPECT_FALSE(test, debugfs_has(root, "kunit-dup-3", NULL));
	}
	smr_domain_free(a);
	KUNIT_EXPECT_FALSE(test, debugfs_has(root, "kunit-dup", NULL));
	smr_domain_free(c);
	KUNIT_EXPECT_FALSE(test, debugfs_has(root, "kunit-dup-2", NULL));
	dput(root);
}

static struct kunit_case smr_clock_cases[] = {
	KUNIT_CASE(smr_clock_advance_moves_forward),
	KUNIT_CASE(smr_clock_rd_never_passes_wr),
	KUNIT_CASE(smr_clock_wrap_guard),
	KUNIT_CASE(smr_clock_create_flavours_and_name),
	KUNIT_CASE(smr_clock_duplicate_names_debugfs),
	{}
};

static struct kunit_suite smr_clock_suite = {
	.name = "smr_clock",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_clock_cases,
};

/* ---- smr_reader: enter / leave / entered ------------------------------ */

static void smr_reader_enter_leave(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long seq;

	KUNIT_EXPECT_FALSE(test, smr_entered(smr));
	smr_enter(smr);
	seq = this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	KUNIT_EXPECT_EQ(test, seq, smr_current(smr));
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		KUNIT_EXPECT_EQ(test, preempt_count() & PREEMPT_MASK, 1U);
	smr_leave(smr);
	KUNIT_EXPECT_FALSE(test, smr_entered(smr));
	KUNIT_EXPECT_EQ(test, preempt_count() & PREEMPT_MASK, 0U);
}

static void smr_reader_domains_are_independent(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr *other = smr_domain_create(SMR_NONE, "kunit-other");

	KUNIT_ASSERT_NOT_NULL(test, other);
	smr_enter(smr);
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	KUNIT_EXPECT_FALSE(test, smr_entered(other));
	smr_enter(other);
	KUNIT_EXPECT_TRUE(test, smr_entered(other));
	smr_leave(other);
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	smr_leave(smr);
	smr_domain_free(other);
}

static void smr_reader_bh_disabled_is_task(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long seq;

	/* Disabling BH does not make a task a softirq: the task slot is used. */
	local_bh_disable();
	smr_enter(smr);
	seq = this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
	smr_leave(smr);
	local_bh_enable();
	KUNIT_EXPECT_NE(test, seq, SMR_SEQ_INVALID);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

/*
 * "Any context: task, softirq, hardirq and NMI each have their own reader
 * slot": a section entered from an interrupt that lands on the task's
 * section neither sees the task's as its own nor disturbs it.
 */
static void irq_reader_fn(struct irq_call *ic)
{
	ic->r1 = !smr_entered(ic->smr);	/* the task's section is not ours */
	smr_enter(ic->smr);
	ic->r2 = smr_entered(ic->smr);
	smr_leave(ic->smr);
	ic->r3 = !smr_entered(ic->smr);
}

static void reader_irq_over_task(struct kunit *test, bool hard)
{
	struct smr *smr = test->priv;
	struct irq_call *ic = irq_call_alloc(test, smr, irq_reader_fn);
	unsigned long seq, after;
	bool ran = false, still;

	KUNIT_ASSERT_NOT_NULL(test, ic);
	/*
	 * On PREEMPT_RT timers run in a thread, which cannot preempt a
	 * section: there the timer's section runs before the task's.
	 */
	if (!hard && IS_ENABLED(CONFIG_PREEMPT_RT)) {
		irq_call_start(ic, hard);
		ran = irq_call_finish(ic);
	}
	smr_enter(smr);
	seq = this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
	if (hard || !IS_ENABLED(CONFIG_PREEMPT_RT)) {
		irq_call_start(ic, hard);
		ran = irq_call_finish(ic);
	}
	after = this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
	still = smr_entered(smr);
	smr_leave(smr);
	irq_call_cancel(ic, hard);
	/* Checked outside the section: a failure report allocates. */
	KUNIT_ASSERT_TRUE(test, ran);
	if (hard || !IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_TRUE(test, ic->in_ctx);
	KUNIT_EXPECT_TRUE(test, ic->r1);
	KUNIT_EXPECT_TRUE(test, ic->r2);
	KUNIT_EXPECT_TRUE(test, ic->r3);
	KUNIT_EXPECT_EQ(test, after, seq);
	KUNIT_EXPECT_TRUE(test, still);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

static void smr_reader_hardirq_over_task_section(struct kunit *test)
{
	reader_irq_over_task(test, true);
}

static void smr_reader_softirq_over_task_section(struct kunit *test)
{
	reader_irq_over_task(test, false);
}

/*
 * smr_ctx_level() is interrupt_context_level(): for every mix of the
 * serving-softirq bit and up to eight hardirq and NMI levels, made in
 * preempt_count() by hand with interrupts off (an NMI that lands meanwhile
 * only adds one level of each), and in a real hardirq and softirq.
 */
static void smr_reader_ctx_level(struct kunit *test)
{
	unsigned int soft, hard, nmi, bad = 0, n = 0;
	unsigned long flags, pc;

	local_irq_save(flags);
	for (soft = 0; soft <= 1; soft++)
		for (hard = 0; hard <= 8; hard++)
			for (nmi = 0; nmi <= 8; nmi++) {
				pc = soft * SOFTIRQ_OFFSET +
				     hard * HARDIRQ_OFFSET + nmi * NMI_OFFSET;
				__preempt_count_add(pc);
				bad += smr_ctx_level() !=
				       interrupt_context_level();
				__preempt_count_sub(pc);
				n++;
			}
	local_irq_restore(flags);
	kunit_info(test, "%u preempt_count() mixes, %u mismatches\n", n, bad);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, smr_ctx_level(), (unsigned int)SMR_CTX_TASK);
}

static void irq_ctx_level_fn(struct irq_call *ic)
{
	ic->r1 = smr_ctx_level() == interrupt_context_level();
	ic->r2 = smr_ctx_level() == (in_hardirq() ? SMR_CTX_HARDIRQ :
				     SMR_CTX_SOFTIRQ);
}

static void smr_reader_ctx_level_in_irq(struct kunit *test)
{
	struct irq_call *ic = irq_call_alloc(test, test->priv,
					     irq_ctx_level_fn);
	bool hard;

	KUNIT_ASSERT_NOT_NULL(test, ic);
	for (hard = false; ; hard = true) {
		irq_call_start(ic, hard);
		KUNIT_ASSERT_TRUE(test, irq_call_finish(ic));
		irq_call_cancel(ic, hard);
		KUNIT_EXPECT_TRUE(test, ic->r1);
		/* PREEMPT_RT runs timers in a thread: no softirq level. */
		if (hard || !IS_ENABLED(CONFIG_PREEMPT_RT)) {
			KUNIT_EXPECT_TRUE(test, ic->in_ctx);
			KUNIT_EXPECT_TRUE(test, ic->r2);
		}
		if (hard)
			break;
	}
}

/* The pointer accessors load and store what they say. */
static int accessor_a = 1, accessor_b = 2;
static int __smr *accessor_ptr;

static void smr_reader_accessors(struct kunit *test)
{
	struct smr *smr = test->priv;
	int *p, *q, *old;

	smr_init_store(accessor_ptr, &accessor_a);
	KUNIT_EXPECT_EQ(test, smr_unsafe_load(accessor_ptr),
			(unsigned long)&accessor_a);
	smr_enter(smr);
	p = smr_entered_load_assert(accessor_ptr, smr);
	smr_leave(smr);
	KUNIT_EXPECT_PTR_EQ(test, p, &accessor_a);
	old = smr_serialized_swap(accessor_ptr, &accessor_b);
	KUNIT_EXPECT_PTR_EQ(test, old, &accessor_a);
	KUNIT_EXPECT_PTR_EQ(test, smr_serialized_load(accessor_ptr), &accessor_b);
	smr_serialized_store(accessor_ptr, &accessor_a);
	smr_enter(smr);
	q = smr_entered_load_acquire(accessor_ptr);
	smr_leave(smr);
	KUNIT_EXPECT_PTR_EQ(test, q, &accessor_a);
	smr_serialized_store_relaxed(accessor_ptr, &accessor_b);
	KUNIT_EXPECT_PTR_EQ(test, smr_unserialized_load(accessor_ptr), &accessor_b);
	smr_clear_store(accessor_ptr);
	KUNIT_EXPECT_NULL(test, smr_serialized_load_assert(accessor_ptr, true));
}

static struct kunit_case smr_reader_cases[] = {
	KUNIT_CASE(smr_reader_enter_leave),
	KUNIT_CASE(smr_reader_domains_are_independent),
	KUNIT_CASE(smr_reader_bh_disabled_is_task),
	KUNIT_CASE(smr_reader_hardirq_over_task_section),
	KUNIT_CASE(smr_reader_softirq_over_task_section),
	KUNIT_CASE(smr_reader_accessors),
	KUNIT_CASE(smr_reader_ctx_level),
	KUNIT_CASE(smr_reader_ctx_level_in_irq),
	{}
};

static struct kunit_suite smr_reader_suite = {
	.name = "smr_reader",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_reader_cases,
};

/* ---- smr_poll --------------------------------------------------------- */

static void smr_poll_fast_path(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal = smr_advance(smr), scans;

	KUNIT_ASSERT_TRUE(test, smr_poll(smr, goal));
	scans = smr_stat_sum(smr, SMR_STAT_POLL_SCAN);
	/* rd_seq already covers the goal: answered without a scan. */
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal - clock_step(smr)));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_POLL_SCAN), scans);
}

static void smr_poll_held_by_own_section(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal, fails = smr_stat_sum(smr, SMR_STAT_POLL_FAIL);

	smr_enter(smr);
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_POLL_FAIL), fails + 2);
}

static void smr_poll_older_goal_met_newer_not(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long before = smr_advance(smr), after;

	smr_enter(smr);		/* holds the clock at "before" */
	after = smr_advance(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, before));
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, after));
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, after));
}

struct smr_remote_reader {
	struct smr *smr;
	struct completion inside;
	struct completion done;
	bool release;
};

static int smr_remote_reader_fn(void *arg)
{
	struct smr_remote_reader *r = arg;

	smr_enter(r->smr);
	complete(&r->inside);
	while (!READ_ONCE(r->release))
		cpu_relax();
	smr_leave(r->smr);
	complete(&r->done);
	return 0;
}

static void smr_poll_held_by_other_cpu(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_remote_reader r = { .smr = smr };
	struct task_struct *t;
	unsigned long goal;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	init_completion(&r.inside);
	init_completion(&r.done);

	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	t = kthread_create(smr_remote_reader_fn, &r, "smr-kunit-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&r.inside);

	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	WRITE_ONCE(r.release, true);
	wait_for_completion(&r.done);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	smr_wait(smr, smr_advance(smr));
}

/*
 * smr_current() as documented: a goal equal to it covers the readers that
 * entered before the clock last stepped, not one that entered since --
 * that one holds this very value; only a goal from smr_advance() covers
 * it.
 */
static void smr_poll_current_is_not_a_free_goal(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long cur, goal;

	if (smr->flags & SMR_LAZY)
		kunit_skip(test, "lazy goals need a grace period");
	(void)smr_advance(smr);
	smr_enter(smr);
	cur = smr_current(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, cur));
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

/* Run @fn on another online CPU in a kthread; NULL when there is none. */
static struct task_struct *run_on_other_cpu(int (*fn)(void *), void *arg,
					    const char *name)
{
	struct task_struct *t;
	int cpu;

	if (num_online_cpus() < 2)
		return NULL;
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	t = kthread_create(fn, arg, "%s", name);
	if (IS_ERR(t))
		return NULL;
	kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

/*
 * The writer side of a fenced domain from a hard interrupt ("any context
 * except NMI"): an uncommitted deferred goal is not reached, a committed
 * one and a goal of smr_advance() are, no reader being inside.
 */
static void irq_writer_fn(struct irq_call *ic)
{
	unsigned long goal = smr_deferred_advance(ic->smr);

	ic->r1 = !smr_poll(ic->smr, goal);
	smr_deferred_advance_commit(ic->smr, goal);
	ic->r2 = smr_poll(ic->smr, goal) && smr_current(ic->smr) == goal;
	ic->goal = smr_advance(ic->smr);
	ic->r3 = smr_poll(ic->smr, ic->goal);
}

static void smr_poll_writer_side_from_hardirq(struct kunit *test)
{
	struct irq_call *ic = irq_call_alloc(test, test->priv, irq_writer_fn);
	bool ran;

	KUNIT_ASSERT_NOT_NULL(test, ic);
	irq_call_start(ic, true);
	ran = irq_call_finish(ic);
	irq_call_cancel(ic, true);
	KUNIT_ASSERT_TRUE(test, ran);
	KUNIT_EXPECT_TRUE(test, ic->in_ctx);
	KUNIT_EXPECT_TRUE(test, ic->r1);
	KUNIT_EXPECT_TRUE(test, ic->r2);
	KUNIT_EXPECT_TRUE(test, ic->r3);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(ic->smr, SMR_STAT_MISUSE), 0UL);
}

static struct kunit_case smr_poll_cases[] = {
	KUNIT_CASE(smr_poll_current_is_not_a_free_goal),
	KUNIT_CASE(smr_poll_fast_path),
	KUNIT_CASE(smr_poll_held_by_own_section),
	KUNIT_CASE(smr_poll_older_goal_met_newer_not),
	KUNIT_CASE(smr_poll_held_by_other_cpu),
	KUNIT_CASE(smr_poll_writer_side_from_hardirq),
	{}
};

static struct kunit_suite smr_poll_suite = {
	.name = "smr_poll",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_poll_cases,
};

/* ---- smr_deferred ----------------------------------------------------- */

static void smr_deferred_commit(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long wr = smr_current(smr), goal;

	goal = smr_deferred_advance(smr);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GT(goal, wr));
	KUNIT_EXPECT_EQ(test, smr_current(smr), wr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_deferred_advance_commit(smr, goal);
	KUNIT_EXPECT_EQ(test, smr_current(smr), goal);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	/* Committing again, or an older goal, does not move the clock. */
	smr_deferred_advance_commit(smr, goal);
	KUNIT_EXPECT_EQ(test, smr_current(smr), goal);
}

static void smr_deferred_wait_commits(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal = smr_deferred_advance(smr);

	smr_wait(smr, goal);
	KUNIT_EXPECT_EQ(test, smr_current(smr), goal);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

static void smr_deferred_shared_by_callers(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long a = smr_deferred_advance(smr);
	unsigned long b = smr_deferred_advance(smr);

	/* Both callers wait for the same single step of the clock. */
	KUNIT_EXPECT_EQ(test, a, b);
	smr_deferred_advance_commit(smr, a);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, b));
}

static void smr_deferred_domain_limit(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_DEFERRED_LIMIT(4), "kunit-def");
	unsigned long wr, goal = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	wr = smr_current(smr);
	/* One CPU's counter decides: keep the calls on one CPU. */
	preempt_disable();
	for (i = 0; i < 8; i++)
		goal = smr_advance(smr);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_ADVANCE), 2UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_DEFERRED), 6UL);
	KUNIT_EXPECT_EQ(test, smr_current(smr), wr + 2 * clock_step(smr));
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_wait(smr, goal);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	smr_domain_free(smr);
}

/* SMR_DEFERRED_LIMIT(1): every smr_advance() really steps the clock. */
static void smr_deferred_limit_one_always_steps(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_DEFERRED_LIMIT(1), "kunit-def1");
	unsigned long wr;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	wr = smr_current(smr);
	preempt_disable();
	for (i = 0; i < 3; i++)
		(void)smr_advance(smr);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_ADVANCE), 3UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_DEFERRED), 0UL);
	KUNIT_EXPECT_EQ(test, smr_current(smr), wr + 3 * clock_step(smr));
	smr_domain_free(smr);
}

static struct kunit_case smr_deferred_cases[] = {
	KUNIT_CASE(smr_deferred_commit),
	KUNIT_CASE(smr_deferred_wait_commits),
	KUNIT_CASE(smr_deferred_shared_by_callers),
	KUNIT_CASE(smr_deferred_domain_limit),
	KUNIT_CASE(smr_deferred_limit_one_always_steps),
	{}
};

static struct kunit_suite smr_deferred_suite = {
	.name = "smr_deferred",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_deferred_cases,
};

/* ---- smr_lazy --------------------------------------------------------- */

static void smr_lazy_poll_follows_tick(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long start = jiffies, goal;

	goal = smr_advance(smr);
	/* Reached only after two clock steps, i.e. two jiffies. */
	if (smr_poll(smr, goal))
		KUNIT_EXPECT_TRUE(test, time_after_eq(jiffies, start + 2));
	KUNIT_ASSERT_TRUE(test, poll_until(smr, goal));
	KUNIT_EXPECT_TRUE(test, time_after_eq(jiffies, start + 2));
	KUNIT_EXPECT_GE(test, smr_stat_sum(smr, SMR_STAT_LAZY_TICK), 1UL);
}

static void smr_lazy_section_holds(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long start, goal;

	smr_lazy_enter(smr);
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	goal = smr_advance(smr);
	start = jiffies;
	/* Let the tick run (interrupts stay on) while the section is open. */
	while (!time_after(jiffies, start + 3))
		cpu_relax();
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_lazy_leave(smr);
	KUNIT_EXPECT_TRUE(test, poll_until(smr, goal));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

static void smr_lazy_synchronize(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long wr = smr_current(smr);

	smr_synchronize(smr);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GT(rd_seq(smr), wr));
}

/*
 * A lazy reader's slot store may still sit in its CPU's store buffer
 * when a poller scans: the poller sees the slot idle.  Model that reader
 * exactly -- preemption disabled, no slot -- on this CPU, and let jiffies
 * pass: the goal must not be reached while it is "inside", whatever the
 * clock did.
 */
/*
 * Poll @goal for six jiffies with preemption still off (the caller turned
 * it off before taking the goal); true if any poll found it met.
 */
static bool met_while_preempt_off(struct smr *smr, unsigned long goal)
{
	unsigned long start = jiffies;
	bool met = false;

	while (!time_after(jiffies, start + 6)) {
		met |= smr_poll(smr, goal);
		cpu_relax();	/* preemption stays off: no sleep */
	}
	met |= smr_poll(smr, goal);
	preempt_enable();
	return met;
}

static void smr_lazy_goal_waits_for_invisible_reader(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal;

	preempt_disable();
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, met_while_preempt_off(smr, goal));
	KUNIT_EXPECT_TRUE(test, poll_until(smr, goal));
}

/* The same with a deferred goal, committed: lazy domains keep the grace. */
static void smr_lazy_deferred_keeps_grace(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal;

	preempt_disable();
	goal = smr_deferred_advance(smr);
	smr_deferred_advance_commit(smr, goal);
	KUNIT_EXPECT_FALSE(test, met_while_preempt_off(smr, goal));
	KUNIT_EXPECT_TRUE(test, poll_until(smr, goal));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

struct irq_poller {
	struct hrtimer timer;
	struct smr *smr;
	unsigned long goal;
	struct completion done;
};

static enum hrtimer_restart irq_poller_fn(struct hrtimer *timer)
{
	struct irq_poller *p = container_of(timer, struct irq_poller, timer);

	p->goal = smr_advance(p->smr);
	(void)smr_poll(p->smr, p->goal);
	complete(&p->done);
	return HRTIMER_NORESTART;
}

/*
 * "Any context except NMI" for the writer side of a lazy domain: advance
 * and poll from a hard interrupt (the lazy clock's raw lock, its grace
 * period bookkeeping), and the goal is reached all the same.
 */
static void smr_lazy_advance_poll_from_hardirq(struct kunit *test)
{
	struct irq_poller *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->smr = test->priv;
	init_completion(&p->done);
	hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	p->timer.function = irq_poller_fn;
	hrtimer_start(&p->timer, ns_to_ktime(NSEC_PER_MSEC),
		      HRTIMER_MODE_REL_HARD);
	wait_for_completion(&p->done);
	hrtimer_cancel(&p->timer);
	KUNIT_EXPECT_TRUE(test, poll_until(p->smr, p->goal));
}

/*
 * The lazy idle value of a slot (SMR_SLOT_LAZY in smr.h): a lazy section
 * holds its sequence with the lazy bit, leaves the lazy idle value, and a
 * section smr_enter() entered on the lazy domain, which leaves the fenced
 * idle value, only sends the next lazy entry once through the slow path.
 * No misuse is counted, and each section holds its goal.
 */
static unsigned long lazy_slot(struct smr *smr)
{
	return this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
}

static void smr_lazy_slot_values(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long idle, held, fenced, goal;
	bool met;

	idle = lazy_slot(smr);
	smr_lazy_enter(smr);
	held = lazy_slot(smr);
	goal = smr_advance(smr);
	met = smr_poll(smr, goal);
	smr_lazy_leave(smr);
	KUNIT_EXPECT_EQ(test, idle, SMR_SLOT_LAZY);
	KUNIT_EXPECT_EQ(test, held, smr_slot_seq(held) | SMR_SLOT_LAZY);
	KUNIT_EXPECT_FALSE(test, met);
	KUNIT_EXPECT_EQ(test, lazy_slot(smr), SMR_SLOT_LAZY);

	smr_enter(smr);
	fenced = lazy_slot(smr);
	smr_leave(smr);
	KUNIT_EXPECT_EQ(test, smr_slot_seq(fenced), fenced);
	KUNIT_EXPECT_EQ(test, lazy_slot(smr), SMR_SEQ_INVALID);
	KUNIT_EXPECT_FALSE(test, smr_entered(smr));

	smr_lazy_enter(smr);	/* the slow path, once */
	held = lazy_slot(smr);
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	smr_lazy_leave(smr);
	KUNIT_EXPECT_EQ(test, held & SMR_SLOT_LAZY, SMR_SLOT_LAZY);
	KUNIT_EXPECT_EQ(test, lazy_slot(smr), SMR_SLOT_LAZY);
	KUNIT_EXPECT_TRUE(test, poll_until(smr, goal));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

static struct kunit_case smr_lazy_cases[] = {
	KUNIT_CASE(smr_lazy_slot_values),
	KUNIT_CASE(smr_lazy_advance_poll_from_hardirq),
	KUNIT_CASE(smr_lazy_goal_waits_for_invisible_reader),
	KUNIT_CASE(smr_lazy_deferred_keeps_grace),
	KUNIT_CASE(smr_lazy_poll_follows_tick),
	KUNIT_CASE(smr_lazy_section_holds),
	KUNIT_CASE(smr_lazy_synchronize),
	{}
};

static struct kunit_suite smr_lazy_suite = {
	.name = "smr_lazy",
	.init = smr_test_init_lazy,
	.exit = smr_test_exit,
	.test_cases = smr_lazy_cases,
};

/* ---- smr_wait: wait and synchronize ----------------------------------- */

static void smr_wait_returns(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal = smr_advance(smr);

	smr_wait(smr, goal);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_LEQ(goal, rd_seq(smr)));
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
}

static void smr_wait_synchronize_returns(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long wr = smr_current(smr);

	smr_synchronize(smr);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GT(rd_seq(smr), wr));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_SYNCHRONIZE), 1UL);
}

static void smr_wait_for_other_cpu(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct smr_remote_reader r = { .smr = smr, .release = true };
	struct task_struct *t;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	init_completion(&r.inside);
	init_completion(&r.done);
	t = kthread_run(smr_remote_reader_fn, &r, "smr-kunit-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	smr_synchronize(smr);
	wait_for_completion(&r.done);
	smr_synchronize(smr);
}

struct slow_reader {
	struct smr *smr;
	struct completion inside;
	unsigned int hold_ms;	/* after start is set; 0: until released */
	unsigned long start;	/* jiffies when the waiter began, or 0 */
	bool irqs_off;
	bool release;
};

/* Hold the section for hold_ms of the waiter's wait, or until released. */
static bool slow_reader_holds(struct slow_reader *r)
{
	unsigned long start = READ_ONCE(r->start);

	if (READ_ONCE(r->release))
		return false;
	return !r->hold_ms || !start ||
	       time_before(jiffies, start + msecs_to_jiffies(r->hold_ms));
}

static int slow_reader_fn(void *arg)
{
	struct slow_reader *r = arg;
	unsigned long flags = 0;

	if (r->irqs_off)
		local_irq_save(flags);
	smr_enter(r->smr);
	complete(&r->inside);
	while (slow_reader_holds(r))
		cpu_relax();
	smr_leave(r->smr);
	if (r->irqs_off)
		local_irq_restore(flags);
	return 0;
}

/*
 * smr_synchronize() behind a 200 ms reader on another CPU spins only
 * briefly and then sleeps: the caller's CPU time is a small part of the
 * time it waited (a ratio, not a deadline).
 */
static void smr_wait_synchronize_sleeps(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct slow_reader r = { .smr = smr, .hold_ms = 200 };
	u64 cpu0, wall0, cpu, wall;
	struct task_struct *t;

	init_completion(&r.inside);
	t = run_on_other_cpu(slow_reader_fn, &r, "smr-kunit-slow");
	if (!t)
		kunit_skip(test, "needs two CPUs");
	wait_for_completion(&r.inside);
	cpu0 = current->se.sum_exec_runtime;
	wall0 = ktime_get_ns();
	/* The reader leaves 200 ms into the wait, however late it starts. */
	WRITE_ONCE(r.start, jiffies ?: 1);
	smr_synchronize(smr);
	wall = ktime_get_ns() - wall0;
	schedule();	/* bring sum_exec_runtime up to date */
	cpu = current->se.sum_exec_runtime - cpu0;
	WRITE_ONCE(r.release, true);
	kthread_stop(t);
	put_task_struct(t);
	kunit_info(test, "waited %llu us, on the CPU %llu us\n",
		   wall / 1000, cpu / 1000);
	KUNIT_EXPECT_LT(test, cpu, wall / 2);
}

/*
 * A reader that holds the clock back with interrupts off on another CPU
 * never reports itself (its tick cannot run): its pollers do.  It stays
 * inside until released, after the report or after 8 s of polls.
 */
static void smr_wait_stall_seen_by_poller(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct slow_reader r = { .smr = smr, .irqs_off = true };
	unsigned long goal, stalls = smr_stat_sum(smr, SMR_STAT_STALL);
	struct task_struct *t;
	bool seen = false;
	int i;

	init_completion(&r.inside);
	t = run_on_other_cpu(slow_reader_fn, &r, "smr-kunit-stall");
	if (!t)
		kunit_skip(test, "needs two CPUs");
	wait_for_completion(&r.inside);
	goal = smr_advance(smr);
	kunit_info(test, "reader on CPU %d (slot %#lx), me on %d, goal %#lx rd %#lx wr %#lx\n",
		   task_cpu(t),
		   per_cpu_ptr(smr->pcpu, task_cpu(t))->rd_seq[SMR_CTX_TASK],
		   raw_smp_processor_id(), goal, rd_seq(smr), wr_seq(smr));
	for (i = 0; i < 400 && !seen; i++) {
		KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
		seen = smr_stat_sum(smr, SMR_STAT_STALL) > stalls;
		msleep(20);
	}
	WRITE_ONCE(r.release, true);
	kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_TRUE(test, seen);
	KUNIT_EXPECT_TRUE(test, poll_until(smr, goal));
}

/*
 * "Task or softirq context, preemption may be disabled": from a timer,
 * smr_wait() reaches a goal of smr_advance() and commits a deferred one.
 */
static void irq_waiter_fn(struct irq_call *ic)
{
	unsigned long goal = smr_advance(ic->smr);

	smr_wait(ic->smr, goal);
	ic->r1 = smr_poll(ic->smr, goal);
	ic->goal = smr_deferred_advance(ic->smr);
	smr_wait(ic->smr, ic->goal);
	ic->r2 = SMR_SEQ_GEQ(smr_current(ic->smr), ic->goal) &&
		 smr_poll(ic->smr, ic->goal);
}

static void smr_wait_from_softirq(struct kunit *test)
{
	struct irq_call *ic = irq_call_alloc(test, test->priv, irq_waiter_fn);
	bool ran;

	KUNIT_ASSERT_NOT_NULL(test, ic);
	irq_call_start(ic, false);
	ran = irq_call_finish(ic);
	irq_call_cancel(ic, false);
	KUNIT_ASSERT_TRUE(test, ran);
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_TRUE(test, ic->in_ctx);
	KUNIT_EXPECT_TRUE(test, ic->r1);
	KUNIT_EXPECT_TRUE(test, ic->r2);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(ic->smr, SMR_STAT_MISUSE), 0UL);
}

/* The same with preemption disabled: it spins, it never sleeps. */
static void smr_wait_preempt_disabled(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long goal, deferred, cur;
	bool met;

	preempt_disable();
	goal = smr_advance(smr);
	smr_wait(smr, goal);
	met = smr_poll(smr, goal);
	deferred = smr_deferred_advance(smr);
	smr_wait(smr, deferred);
	cur = smr_current(smr);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, met);
	KUNIT_EXPECT_TRUE(test, SMR_SEQ_GEQ(cur, deferred));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
}

/*
 * On a sleepable domain, from a context that cannot sleep, smr_wait()
 * polls instead of sleeping: with no reader inside, the goal is met, and
 * nothing is reported.
 */
static void smr_wait_sleepable_atomic_no_reader(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_SLEEPABLE, "kunit-wait-sl");
	unsigned long goal;
	bool met;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	preempt_disable();
	goal = smr_advance(smr);
	smr_wait(smr, goal);
	met = smr_poll(smr, goal);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, met);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 0UL);
	smr_domain_free(smr);
}

static struct kunit_case smr_wait_cases[] = {
	KUNIT_CASE(smr_wait_synchronize_sleeps),
	KUNIT_CASE_SLOW(smr_wait_stall_seen_by_poller),
	KUNIT_CASE(smr_wait_returns),
	KUNIT_CASE(smr_wait_synchronize_returns),
	KUNIT_CASE(smr_wait_for_other_cpu),
	KUNIT_CASE(smr_wait_from_softirq),
	KUNIT_CASE(smr_wait_preempt_disabled),
	KUNIT_CASE(smr_wait_sleepable_atomic_no_reader),
	{}
};

static struct kunit_suite smr_wait_suite = {
	.name = "smr_wait",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_wait_cases,
};

/* ---- smr_tick: callbacks on CPUs that go idle ------------------------- */

struct idle_caller {
	struct smr *smr;
	struct smr_node node;
	struct completion ran;
};

static void idle_caller_cb(struct smr_node *node)
{
	complete(&container_of(node, struct idle_caller, node)->ran);
}

/* Queue one callback on this CPU and return: the CPU goes idle. */
static int idle_caller_fn(void *arg)
{
	struct idle_caller *c = arg;

	smr_call(c->smr, &c->node, 0, idle_caller_cb);
	return 0;
}

/*
 * A callback queued by a task that then leaves its CPU idle (or tickless
 * with nohz_full=) runs without any further call.  The bound is a
 * liveness check, far beyond any normal latency, not a timing test.
 */
static void smr_tick_idle_cpu_runs_callback(struct kunit *test)
{
	struct idle_caller c = { .smr = test->priv };
	struct task_struct *t;
	unsigned long ran;

	init_completion(&c.ran);
	t = run_on_other_cpu(idle_caller_fn, &c, "smr-kunit-idle");
	if (!t)
		kunit_skip(test, "needs two CPUs");
	ran = wait_for_completion_timeout(&c.ran,
					  msecs_to_jiffies(SMR_TEST_TICK_WAIT_MS));
	KUNIT_EXPECT_GT(test, ran, 0UL);
	kthread_stop(t);
	put_task_struct(t);
	smr_barrier(c.smr);
}

/*
 * The same on CPUs whose deferrable tick never runs (smr_tick_test_idle()
 * on every CPU: a CPU that stays idle or tickless, where that timer does
 * not fire, made certain): the busy tick that smr_call() armed on the
 * queuing CPU is the only way left for the callback to run.
 */
static void smr_tick_idle_cpu_without_deferrable_tick(struct kunit *test)
{
	struct idle_caller c = { .smr = test->priv };
	struct task_struct *t;
	unsigned long ran = 0;
	int cpu;

	init_completion(&c.ran);
	for_each_possible_cpu(cpu)
		smr_tick_test_idle(cpu, true);
	t = run_on_other_cpu(idle_caller_fn, &c, "smr-kunit-idle");
	if (t)
		ran = wait_for_completion_timeout(&c.ran,
						  msecs_to_jiffies(SMR_TEST_TICK_WAIT_MS));
	for_each_possible_cpu(cpu)
		smr_tick_test_idle(cpu, false);
	if (!t)
		kunit_skip(test, "needs two CPUs");
	KUNIT_EXPECT_GT(test, ran, 0UL);
	kthread_stop(t);
	put_task_struct(t);
	smr_barrier(c.smr);
}

/*
 * Scans look at the CPUs that can hold a reader (smr_reader_cpus in
 * smr_tick.c): a CPU that went offline is left out once it is dead, and
 * one that comes back is in before it runs anything, so a reader bound
 * there as soon as it is online holds a goal.  With the busted mask
 * (smr_tick_test_skip_online()) the CPU is not back in and the poll below
 * succeeds.
 */
static void smr_tick_hotplug_reader_cpus(struct kunit *test)
{
	struct slow_reader r = { .smr = test->priv };
	int cpu = cpumask_last(cpu_online_mask), err;
	struct task_struct *t;
	unsigned long goal;
	bool off, on, met;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || cpu == 0)
		kunit_skip(test, "needs CPU hotplug and two CPUs");
	init_completion(&r.inside);
	KUNIT_EXPECT_TRUE(test, smr_tick_test_reader_cpu(cpu));
	err = remove_cpu(cpu);
	if (err)
		kunit_skip(test, "CPU %d did not go offline: %d", cpu, err);
	off = smr_tick_test_reader_cpu(cpu);
	err = add_cpu(cpu);
	KUNIT_ASSERT_EQ(test, err, 0);
	on = smr_tick_test_reader_cpu(cpu);
	KUNIT_EXPECT_FALSE(test, off);
	KUNIT_EXPECT_TRUE(test, on);

	t = kthread_create(slow_reader_fn, &r, "smr-kunit-hotplug");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	wait_for_completion(&r.inside);
	goal = smr_advance(r.smr);
	met = smr_poll(r.smr, goal);
	WRITE_ONCE(r.release, true);
	kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_FALSE(test, met);
	KUNIT_EXPECT_TRUE(test, poll_until(r.smr, goal));
}

static struct kunit_case smr_tick_cases[] = {
	KUNIT_CASE(smr_tick_hotplug_reader_cpus),
	KUNIT_CASE(smr_tick_idle_cpu_runs_callback),
	KUNIT_CASE(smr_tick_idle_cpu_without_deferrable_tick),
	{}
};

static struct kunit_suite smr_tick_suite = {
	.name = "smr_tick",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_tick_cases,
};

/* ---- smr_misuse: each bug warns and leaves the domain usable ---------- */

static void expect_usable(struct kunit *test, struct smr *smr)
{
	unsigned long goal;

	KUNIT_EXPECT_FALSE(test, smr_entered(smr));
	smr_enter(smr);
	goal = smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, goal));
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	smr_synchronize(smr);
}

static void expect_misuse(struct kunit *test, struct smr *smr,
			  unsigned long before)
{
	KUNIT_EXPECT_GT(test, smr_stat_sum(smr, SMR_STAT_MISUSE), before);
	expect_usable(test, smr);
}

static void smr_misuse_double_enter(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE), outer, inner;

	smr_enter(smr);
	outer = this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
	(void)smr_advance(smr);
	smr_enter(smr);		/* bug: warns, nests, keeps the older sequence */
	inner = this_cpu_read(smr->pcpu->rd_seq[SMR_CTX_TASK]);
	KUNIT_EXPECT_EQ(test, inner, outer);
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));	/* still protected */
	smr_leave(smr);
	KUNIT_EXPECT_FALSE(test, smr_entered(smr));
	KUNIT_EXPECT_EQ(test, preempt_count() & PREEMPT_MASK, 0U);
	expect_misuse(test, smr, misuse);
}

static void smr_misuse_leave_without_enter(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	unsigned int pc = preempt_count();

	__acquire(smr);		/* keep sparse's lock context balanced */
	smr_leave(smr);		/* bug: warns, ignored */
	KUNIT_EXPECT_EQ(test, preempt_count(), pc);
	expect_misuse(test, smr, misuse);
}

static void smr_misuse_synchronize_inside(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);

	smr_enter(smr);
	smr_synchronize(smr);	/* bug: warns, waits for the others only */
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	smr_leave(smr);
	expect_misuse(test, smr, misuse);
}

static void smr_misuse_wait_inside(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE), goal;

	goal = smr_advance(smr);
	smr_enter(smr);
	smr_wait(smr, smr_advance(smr));	/* bug: warns, returns */
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, goal));
	expect_misuse(test, smr, misuse);
}

static void smr_misuse_lazy_enter_on_fenced(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);

	smr_lazy_enter(smr);	/* bug: warns, enters with the fence */
	KUNIT_EXPECT_TRUE(test, smr_entered(smr));
	smr_lazy_leave(smr);
	expect_misuse(test, smr, misuse);
}

static void smr_misuse_bad_goal(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);

	/* Not a sequence: polled as the current clock value, conservatively. */
	smr_enter(smr);
	(void)smr_advance(smr);
	KUNIT_EXPECT_FALSE(test, smr_poll(smr, SMR_SEQ_INVALID));
	smr_leave(smr);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, 1));
	expect_misuse(test, smr, misuse);
}

static void smr_misuse_free_inside(struct kunit *test)
{
	struct smr *victim = smr_domain_create(SMR_NONE, "kunit-victim");

	KUNIT_ASSERT_NOT_NULL(test, victim);
	smr_enter(victim);
	smr_domain_free(victim);  /* bug: warns; freed once the reader leaves */
	KUNIT_EXPECT_TRUE(test, smr_entered(victim));
	smr_leave(victim);
	expect_usable(test, test->priv);
}

static void smr_misuse_bad_create(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, smr_domain_create(SMR_NONE, NULL));
	KUNIT_EXPECT_NULL(test, smr_domain_create(SMR_NONE, ""));
	KUNIT_EXPECT_NULL(test, smr_domain_create(BIT(10), "kunit-bad"));
	KUNIT_EXPECT_NULL(test, smr_domain_create(SMR_LAZY | SMR_DEFERRED,
						  "kunit-bad"));
	smr_domain_free(NULL);
	expect_usable(test, test->priv);
}

/*
 * smr_wait() on a lazy domain from a context that cannot sleep: the goal
 * needs a grace period this CPU holds back, so it polls once, warns, and
 * returns without sleeping.
 */
static void smr_misuse_wait_lazy_atomic(struct kunit *test)
{
	struct smr *smr = smr_domain_create(SMR_LAZY, "kunit-wait-lazy");
	unsigned long goal;

	KUNIT_ASSERT_NOT_NULL(test, smr);
	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT)) {
		smr_domain_free(smr);
		kunit_skip(test, "cannot tell atomic context without PREEMPT_COUNT");
	}
	preempt_disable();
	goal = smr_advance(smr);
	smr_wait(smr, goal);	/* bug: warns, returns */
	preempt_enable();
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), 1UL);
	KUNIT_EXPECT_TRUE(test, poll_until(smr, goal));
	smr_domain_free(smr);
}

/*
 * smr_wait() from a softirq that interrupted a section holding the goal:
 * it cannot wait for that section, so it warns and returns, goal unmet.
 * On PREEMPT_RT, where no softirq can interrupt a section, a hard
 * interrupt does (the same path).
 */
static void irq_self_waiter_fn(struct irq_call *ic)
{
	ic->goal = smr_advance(ic->smr);
	smr_wait(ic->smr, ic->goal);	/* bug: warns, returns */
	ic->r1 = !smr_poll(ic->smr, ic->goal);
}

static void smr_misuse_wait_softirq_over_section(struct kunit *test)
{
	struct smr *smr = test->priv;
	struct irq_call *ic = irq_call_alloc(test, smr, irq_self_waiter_fn);
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	bool hard = IS_ENABLED(CONFIG_PREEMPT_RT), ran;

	KUNIT_ASSERT_NOT_NULL(test, ic);
	smr_enter(smr);
	irq_call_start(ic, hard);
	ran = irq_call_finish(ic);
	smr_leave(smr);
	irq_call_cancel(ic, hard);
	KUNIT_ASSERT_TRUE(test, ran);
	KUNIT_EXPECT_TRUE(test, ic->in_ctx);
	KUNIT_EXPECT_TRUE(test, ic->r1);
	KUNIT_EXPECT_TRUE(test, smr_poll(smr, ic->goal));
	expect_misuse(test, smr, misuse);
}

/*
 * __smr_warn_misuse() counts every call, also those its ratelimit keeps
 * quiet (more than five in a row), and leaves the domain usable.
 */
static void smr_misuse_warn_misuse_counts(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);
	int i;

	for (i = 0; i < 8; i++)
		__smr_warn_misuse(smr, "kunit: warn-misuse counts");
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse + 8);
	expect_misuse(test, smr, misuse);
}

/*
 * smr_entered_load_check() and smr_entered_load_assert(), under
 * CONFIG_PROVE_LOCKING: valid inside a section, or where the condition
 * holds; outside both, a misuse of the domain (counted, named).
 */
static int __smr *kunit_checked_ptr;

static void smr_misuse_checked_load_outside_section(struct kunit *test)
{
	struct smr *smr = test->priv;
	unsigned long misuse = smr_stat_sum(smr, SMR_STAT_MISUSE);

	if (!IS_ENABLED(CONFIG_PROVE_LOCKING))
		kunit_skip(test, "the checks need CONFIG_PROVE_LOCKING");
	smr_enter(smr);
	KUNIT_EXPECT_NULL(test, smr_entered_load_check(kunit_checked_ptr, smr,
						       false));
	KUNIT_EXPECT_NULL(test, smr_entered_load_assert(kunit_checked_ptr, smr));
	smr_leave(smr);
	KUNIT_EXPECT_NULL(test, smr_entered_load_check(kunit_checked_ptr, smr,
						       true));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse);

	KUNIT_EXPECT_NULL(test, smr_entered_load_check(kunit_checked_ptr, smr,
						       false));
	KUNIT_EXPECT_NULL(test, smr_entered_load_assert(kunit_checked_ptr, smr));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(smr, SMR_STAT_MISUSE), misuse + 2);
	expect_misuse(test, smr, misuse);
}

static struct kunit_case smr_misuse_cases[] = {
	KUNIT_CASE(smr_misuse_checked_load_outside_section),
	KUNIT_CASE(smr_misuse_double_enter),
	KUNIT_CASE(smr_misuse_leave_without_enter),
	KUNIT_CASE(smr_misuse_synchronize_inside),
	KUNIT_CASE(smr_misuse_wait_inside),
	KUNIT_CASE(smr_misuse_lazy_enter_on_fenced),
	KUNIT_CASE(smr_misuse_bad_goal),
	KUNIT_CASE(smr_misuse_free_inside),
	KUNIT_CASE(smr_misuse_bad_create),
	KUNIT_CASE(smr_misuse_wait_lazy_atomic),
	KUNIT_CASE(smr_misuse_wait_softirq_over_section),
	KUNIT_CASE(smr_misuse_warn_misuse_counts),
	{}
};

static struct kunit_suite smr_misuse_suite = {
	.name = "smr_misuse",
	.init = smr_test_init,
	.exit = smr_test_exit,
	.test_cases = smr_misuse_cases,
};

kunit_test_suites(&smr_seq_suite, &smr_clock_suite, &smr_reader_suite,
		  &smr_poll_suite, &smr_deferred_suite, &smr_lazy_suite,
		  &smr_wait_suite, &smr_tick_suite, &smr_misuse_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for smr");
