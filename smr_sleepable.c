// SPDX-License-Identifier: GPL-2.0
/*
 * Sleepable read sections: smr_enter_sleepable() and smr_leave_sleepable().
 *
 * A sleepable reader may block and migrate, so it cannot live in a per-cpu
 * slot.  As in SRCU, it counts itself instead: each CPU has, per phase
 * (two), a count of sections entered there (sl_locks) and of sections
 * left there (sl_unlocks), each written only with this_cpu_inc() by the
 * task running on that CPU.  A section enters in phase idx = gen & 1 and
 * leaves by counting itself in the same phase, on whatever CPU it then
 * runs.  Neither takes a lock nor disables interrupts: one increment and
 * one full fence each, srcu_read_lock()'s cost.
 *
 * Pollers run a grace-period machine (smr_sleep_advance()), non-blocking:
 * whoever gets the busy bit moves it as far as it goes now, the others
 * answer "not yet".  A period covers the goals up to s, the wr_seq value
 * read when it starts (after the poller's S2):
 *
 *   1. wait until the inactive phase (gen & 1) ^ 1 is drained;
 *   2. flip gen (F: ordered on both sides);
 *   3. wait until the old phase, active when the period started, is
 *      drained; then done = s.
 *
 * A phase is drained when the sum of its unlock counts over every
 * possible CPU, then a full fence (P), then the sum of its lock counts are
 * equal.  An unlock counted implies its lock counted: the section's lock
 * increment is ordered before its unlock increment (R1s and R2s both lie
 * between them; across a migration the scheduler orders them too), and
 * the unlocks were read before P, the locks after (message passing).  So
 * the locks summed are at least the unlocks summed, one for one, and
 * equality means that every section whose lock was counted has left.  A
 * section whose lock was not counted incremented it after the poller read
 * wr_seq >= goal (store buffering, R1s against S2 and P): its loads see
 * every store made before the goal was handed out.  Step 1 exists for the
 * section that read gen before an earlier flip and counted itself in
 * that now inactive phase only later: without it, a flip-once machine
 * would never look at that phase again.  Possible CPUs, not online ones:
 * a count stays where it was made when its CPU goes offline.
 *
 * The scan (smr_scan() in smr_core.c) takes done as the sleepable readers'
 * lower bound in st->min, so rd_seq, the wrap guard and every goal wait
 * for them just as for a slot; done never passes a period whose readers
 * are still inside, whether or not any phase holds one now.
 *
 * Ordering, in the labels of smr_core.c (the table in Documentation/
 * smr.rst, the model in model/smr_sleepable.pml):
 *
 * - R1s (enter: this_cpu_inc(sl_locks[idx]), then smp_mb()): the count
 *   before the section's loads.  Pairs with S2 and P (store buffering: a
 *   poller whose lock sum misses the count is seen by the reader's
 *   loads).  Every section is either counted by the sums of its own
 *   phase, all taken after S2 (step 1 for the phase inactive at the
 *   start, step 3 for the other), or seen that way.
 * - R2s (leave: smp_mb(), then this_cpu_inc(sl_unlocks[idx])): the
 *   section's loads before the count.  Pairs with P: a poller that counts
 *   the unlock (before P) frees only after it (load buffering forbidden).
 * - P (smr_sleep_drained(): smp_mb() between the unlock and the lock
 *   sums): an unlock counted has its lock counted (pairs with R1s/R2s);
 *   the unlocks read before the frees that follow the poll.
 * - F (smp_mb() before and after the flip): step 1's sums before the
 *   new gen, the new gen before step 3's sums.  Not needed for safety
 *   (the model verifies without it, NO_F), as SRCU's are not: it keeps
 *   the sections that count themselves in the old phase after the flip
 *   to those that read gen before it, so that step 3 ends.
 * - smr_sleepable_convert()'s smp_wmb() pairs with the scan's acquire
 *   of flags: a scan that sees a plain domain made sleepable sees done
 *   brought up to rd_seq.
 * - Ds (done: store-release by the machine, load-acquire by the scan):
 *   what the machine read before done moved is ordered before the scan
 *   that trusts done.
 *
 * Waiting inside one's own sleepable section: a phase cannot drain while
 * the waiter's own section is counted in it.  The counts do not say whose
 * sections they are; lockdep does (smr_sleep_own(): the task's held
 * locks, where sleepable sections are marked as trylocks).  With lockdep
 * such a wait warns and gives up once the other readers have left; without
 * it (no CONFIG_DEBUG_LOCK_ALLOC) it waits for ever, as synchronize_srcu()
 * inside srcu_read_lock() deadlocks.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/sched/signal.h>

#include "smr_internal.h"
#include "smr_trace.h"

/*
 * tracker->idx of an entered tracker: the phase, with this mark; a leave
 * clears it, so that a second leave of the same tracker (or a leave of
 * one never entered) is caught rather than counted.
 */
#define SMR_TRACKER_ENTERED	0x5a5a0000U

/* The steps of a period, smr->sleep.step. */
enum {
	SMR_SLEEP_IDLE,		/* no period in progress */
	SMR_SLEEP_DRAIN_NEXT,	/* 1: waiting for the inactive phase */
	SMR_SLEEP_DRAIN_OLD,	/* 3: flipped, waiting for the old phase */
};

/*
 * busted_sleep: broken machines for the tests that must catch them.
 * 1: done moves at the flip, one step early (no step 3);
 * 2: flip once (no step 1).
 */
static unsigned int busted_sleep;
module_param(busted_sleep, uint, 0444);
MODULE_PARM_DESC(busted_sleep,
		 "Testing only, unsafe: 1 sleepable periods end at the flip; 2 they flip without draining the inactive phase first");

/* Lockdep: a sleepable section is held as a trylock (smr_sleep_own()). */
static __always_inline void smr_sleep_acquire(struct smr *smr,
					      unsigned long ip)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lock_acquire(&smr->dep_map, 0, 1, 2, 0, NULL, ip);
	lock_acquire(&smr_any_section_map, 0, 0, 2, 0, NULL, ip);
#endif
}

static __always_inline void smr_sleep_release(struct smr *smr,
					      unsigned long ip)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lock_release(&smr_any_section_map, ip);
	lock_release(&smr->dep_map, ip);
#endif
}

/* The enter or leave picked by a test hook is holding. */
static bool smr_test_holding;

/* The next enter that the test hook picked stops after it read gen. */
static struct smr *smr_test_enter_domain;
static unsigned int smr_test_enter_ms;

static void smr_sleepable_test_hold_enter_now(void)
{
	WRITE_ONCE(smr_test_enter_domain, NULL);
	WRITE_ONCE(smr_test_holding, true);
	msleep(READ_ONCE(smr_test_enter_ms));
	WRITE_ONCE(smr_test_holding, false);
}

/**
 * smr_sleepable_test_hold_enter() - stop the next enter on a domain
 * @smr: the domain
 * @ms: how long that enter sleeps between reading the phase and counting
 *	itself in it (where a flip may pass it)
 *
 * A test hook for smr's KUnit suites, not for consumers; compiled in only
 * on kernels with KUnit.
 *
 * Context: any.
 */
void smr_sleepable_test_hold_enter(struct smr *smr, unsigned int ms)
{
	WRITE_ONCE(smr_test_enter_ms, ms);
	WRITE_ONCE(smr_test_enter_domain, smr);
}
EXPORT_SYMBOL_GPL(smr_sleepable_test_hold_enter);

/**
 * smr_enter_sleepable() - enter a read section that may sleep
 * @smr: the domain, created with SMR_SLEEPABLE
 * @tracker: caller-provided, typically on the stack; needs no setup and
 *	must stay untouched until smr_leave_sleepable()
 *
 * Like smr_enter(), but the section may block: take mutexes, allocate
 * with GFP_KERNEL, wait for I/O.  It must not wait for unbounded events
 * (user space, the network): while it sleeps no memory retired after it
 * entered can be reclaimed.  Sleepable sections may nest, each with its
 * own tracker, and may be mixed with smr_enter() sections.  On a domain
 * without SMR_SLEEPABLE it warns and works all the same (the domain
 * becomes sleepable).
 *
 * Context: task context.
 */
void smr_enter_sleepable(struct smr *smr, struct smr_tracker *tracker)
	__acquires(smr)
{
	unsigned int idx;

	__acquire(smr);
	if (smr_null(smr) ||
	    smr_misuse_once(!tracker, smr,
			    "%s() without a tracker; not entered",
			    __func__))
		return;
	if (unlikely(!(READ_ONCE(smr->flags) & SMR_SLEEPABLE)))
		smr_sleepable_convert(smr);
	tracker->task = current;
	tracker->since = jiffies;
	tracker->ip = _RET_IP_;
	idx = READ_ONCE(smr->sleep.gen) & 1;
	tracker->idx = SMR_TRACKER_ENTERED | idx;
	if (IS_ENABLED(CONFIG_KUNIT) &&
	    unlikely(READ_ONCE(smr_test_enter_domain) == smr))
		smr_sleepable_test_hold_enter_now();
	this_cpu_inc(smr->pcpu->sl_locks[idx]);
	/* R1s: pairs with S2 and P (the scan), and with F (the flip). */
	smp_mb();
	smr_sleep_acquire(smr, _RET_IP_);
}
EXPORT_SYMBOL_GPL(smr_enter_sleepable);

/* smr_sleepable_test_hold_leave(): which leave stops, how long. */
static struct smr *smr_test_hold_domain;
static unsigned int smr_test_hold_ms;

/*
 * The leave that the test hook picked stops just before it counts itself
 * out, then touches the domain (in memory KASAN watches, as the count is
 * about to touch the per-cpu area) before it goes on.
 */
static void smr_sleepable_test_hold(struct smr *smr)
{
	WRITE_ONCE(smr_test_hold_domain, NULL);
	WRITE_ONCE(smr_test_holding, true);
	mdelay(READ_ONCE(smr_test_hold_ms));
	(void)READ_ONCE(smr->flags);
	WRITE_ONCE(smr_test_holding, false);
}

/**
 * smr_sleepable_test_hold_leave() - stop the next leave on a domain
 * @smr: the domain
 * @ms: how long that leave spins just before it counts itself out (where
 *	a teardown that did not wait for the count would take the domain for
 *	empty)
 *
 * A test hook for smr's KUnit suites, not for consumers; compiled in only
 * on kernels with KUnit.
 *
 * Context: any.
 */
void smr_sleepable_test_hold_leave(struct smr *smr, unsigned int ms)
{
	WRITE_ONCE(smr_test_hold_ms, ms);
	WRITE_ONCE(smr_test_hold_domain, smr);
}
EXPORT_SYMBOL_GPL(smr_sleepable_test_hold_leave);

/**
 * smr_sleepable_test_holding() - is the enter or leave picked by a hook holding?
 *
 * Context: any.
 * Return: true from the moment that enter or leave stops until it goes on.
 */
bool smr_sleepable_test_holding(void)
{
	return READ_ONCE(smr_test_holding);
}
EXPORT_SYMBOL_GPL(smr_sleepable_test_holding);

/**
 * smr_leave_sleepable() - leave a section entered with smr_enter_sleepable()
 * @smr: the domain
 * @tracker: the tracker given to smr_enter_sleepable()
 *
 * The count it makes is its last access to the domain: once a teardown
 * sees it, the leaving task is done with the domain's memory.
 *
 * Context: task context, the task that entered, on any CPU.
 */
void smr_leave_sleepable(struct smr *smr, struct smr_tracker *tracker)
	__releases(smr)
{
	unsigned int idx;

	__release(smr);
	if (smr_null(smr) ||
	    smr_misuse_once(!tracker ||
			    (tracker->idx & ~1U) != SMR_TRACKER_ENTERED, smr,
			    "%s() without an entered tracker; ignored",
			    __func__))
		return;
	idx = tracker->idx & 1;
	tracker->idx = 0;
	smr_sleep_release(smr, _RET_IP_);
	if (IS_ENABLED(CONFIG_KUNIT) &&
	    unlikely(READ_ONCE(smr_test_hold_domain) == smr))
		smr_sleepable_test_hold(smr);
	/* R2s: the section's loads before the count; pairs with P. */
	smp_mb();
	this_cpu_inc(smr->pcpu->sl_unlocks[idx]);
}
EXPORT_SYMBOL_GPL(smr_leave_sleepable);

/**
 * smr_sleepable_convert() - a sleepable section on a plain domain
 * @smr: the domain
 *
 * A misuse: warn, and make the domain sleepable, so that its scans count
 * sleepable sections from now on.  The flag is stored before the
 * section's count and R1s, and read by the scan after S2: a scan that
 * misses the flag is seen by the section's loads (store buffering).
 * done, unused until now, is first brought up to rd_seq (not ahead of
 * it: a value from a lap ago could look ahead of the goals), ordered
 * before the flag for the scans that see the flag.
 */
void smr_sleepable_convert(struct smr *smr)
{
	smr_misuse_once(true, smr,
			"sleepable section on a domain without SMR_SLEEPABLE");
	atomic_long_set(&smr->sleep.done,
			atomic_long_read(&smr->clock.rd_seq));
	smp_wmb();	/* done before the flag; pairs with smr_scan()'s acquire */
	WRITE_ONCE(smr->flags, smr->flags | SMR_SLEEPABLE);
}

/**
 * smr_sleep_init() - set up a domain's sleepable grace periods
 * @smr: the domain, zeroed, its clock set up
 */
void smr_sleep_init(struct smr *smr)
{
	atomic_long_set(&smr->sleep.done, atomic_long_read(&smr->clock.wr_seq));
}

/*
 * Is phase @idx drained?  *@inside: sections counted in it and not yet
 * left, as summed.  Called after S2 (or, by teardown, with no poller's
 * ordering needed beyond P).
 */
static bool smr_sleep_drained(struct smr *smr, unsigned int idx,
			      unsigned long *inside)
{
	unsigned long locks = 0, unlocks = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		unlocks += READ_ONCE(per_cpu_ptr(smr->pcpu, cpu)->sl_unlocks[idx]);
	/* P: the unlocks before the locks; pairs with R1s and R2s. */
	smp_mb();
	for_each_possible_cpu(cpu)
		locks += READ_ONCE(per_cpu_ptr(smr->pcpu, cpu)->sl_locks[idx]);
	*inside = locks - unlocks;
	return locks == unlocks;
}

/* Step 2: flip the phase; F on both sides. */
static void smr_sleep_flip(struct smr_sleep *sl)
{
	/* F: step 1's sums before the new gen (progress; see the DOC). */
	smp_mb();
	WRITE_ONCE(sl->gen, sl->gen + 1);
	/* F: the new gen before step 3's sums (progress). */
	smp_mb();
}

/*
 * One move of the machine, under the busy bit: start a period for @goal
 * if none is in progress and @goal is not done, then take every step that
 * can be taken now.  Returns true if a period ended.
 */
static bool smr_sleep_step(struct smr *smr, unsigned long goal)
{
	struct smr_sleep *sl = &smr->sleep;
	unsigned long inside = 0;

	switch (sl->step) {
	case SMR_SLEEP_IDLE:
		if (SMR_SEQ_LEQ(goal, atomic_long_read(&sl->done)))
			return false;
		/* After the caller's S2: covers every goal handed out. */
		sl->target = atomic_long_read(&smr->clock.wr_seq);
		sl->since = jiffies;
		WRITE_ONCE(sl->warned, false);
		WRITE_ONCE(sl->step, SMR_SLEEP_DRAIN_NEXT);
		fallthrough;
	case SMR_SLEEP_DRAIN_NEXT:
		if (busted_sleep != 2 &&
		    !smr_sleep_drained(smr, (sl->gen & 1) ^ 1, &inside))
			break;
		smr_sleep_flip(sl);
		WRITE_ONCE(sl->step, SMR_SLEEP_DRAIN_OLD);
		fallthrough;
	case SMR_SLEEP_DRAIN_OLD:
		if (busted_sleep != 1 &&
		    !smr_sleep_drained(smr, (sl->gen & 1) ^ 1, &inside))
			break;
		WRITE_ONCE(sl->inside, 0);
		WRITE_ONCE(sl->step, SMR_SLEEP_IDLE);
		/* Ds: the sums before the new done; pairs with the scan's. */
		atomic_long_set_release(&sl->done, sl->target);
		return true;
	}
	WRITE_ONCE(sl->inside, inside);
	return false;
}

/**
 * smr_sleep_advance() - move a domain's sleepable grace periods
 * @smr: the domain
 * @goal: the goal wanted; a period is started for it if needed
 *
 * Never blocks: if another poller is moving the machine, returns at once.
 * A period that ends with @goal still ahead of done is followed by a new
 * one at once.  Called after S2, with preemption disabled.
 *
 * Return: done, load-acquired (Ds).
 */
unsigned long smr_sleep_advance(struct smr *smr, unsigned long goal)
{
	struct smr_sleep *sl = &smr->sleep;

	if (!test_and_set_bit_lock(0, &sl->busy)) {
		if (smr_sleep_step(smr, goal))
			smr_sleep_step(smr, goal);
		clear_bit_unlock(0, &sl->busy);
	}
	/* Ds: pairs with the release in smr_sleep_step(). */
	return atomic_long_read_acquire(&sl->done);
}

/**
 * smr_sleep_own() - the calling task's own sleepable sections of a domain
 * @smr: the domain
 *
 * In an interrupt, the interrupted task's count too: those sections cannot
 * leave while the interrupt waits either.
 *
 * Return: how many lockdep holds; 0 without CONFIG_DEBUG_LOCK_ALLOC.
 */
unsigned int smr_sleep_own(struct smr *smr)
{
	unsigned int n = 0;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct task_struct *t = current;
	int i;

	for (i = 0; i < t->lockdep_depth; i++)
		n += t->held_locks[i].instance == &smr->dep_map &&
		     t->held_locks[i].trylock;
#endif
	return n;
}

/* Sections inside, in both phases: for the misuse of a wait inside one. */
static unsigned long smr_sleepers_count(struct smr *smr)
{
	unsigned long inside0, inside1;

	smr_sleep_drained(smr, 0, &inside0);
	smr_sleep_drained(smr, 1, &inside1);
	return inside0 + inside1;
}

/**
 * smr_sleepers_scan() - fold a domain's sleepable readers into a scan
 * @smr: the domain, SMR_SLEEPABLE
 * @st: the scan, after S2
 *
 * Moves the grace periods toward @st->goal and bounds @st->min by done.
 * If the goal is not done and the caller holds a sleepable section of its
 * own, sets @st->self_blocked; @st->others when other sections than the
 * caller's own are inside (in either phase), or when it holds none.
 */
void smr_sleepers_scan(struct smr *smr, struct smr_scan *st)
{
	unsigned long done = smr_scan_clamp(st, smr_sleep_advance(smr, st->goal));
	unsigned int own;

	if (SMR_SEQ_LT(done, st->goal)) {
		own = smr_sleep_own(smr);
		if (own)
			st->self_blocked = true;
		if (!own || smr_sleepers_count(smr) > own)
			st->others = true;
	}
	st->min = smr_seq_min(st->min, done);
}

/**
 * smr_sleepers_inside() - is a sleepable reader inside, or leaving?
 * @smr: the domain
 *
 * For teardown: once this returns false, every section has made its
 * last access to the domain (its unlock count).
 *
 * Return: true if a phase is not drained.
 */
bool smr_sleepers_inside(struct smr *smr)
{
	unsigned long inside;

	return !smr_sleep_drained(smr, 0, &inside) ||
	       !smr_sleep_drained(smr, 1, &inside);
}

/**
 * smr_sleepers_mine() - is the calling task inside a sleepable section?
 * @smr: the domain
 *
 * Return: true if lockdep says so; always false without
 * CONFIG_DEBUG_LOCK_ALLOC, where nothing can tell.
 */
bool smr_sleepers_mine(struct smr *smr)
{
	return smr_sleep_own(smr) > 0;
}

/* Under lockdep, name each task that holds a sleepable section of @smr. */
static void smr_sleepers_show(struct smr *smr)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct task_struct *g, *t;
	int i, depth;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		depth = min_t(int, READ_ONCE(t->lockdep_depth), MAX_LOCK_DEPTH);
		for (i = 0; i < depth; i++) {
			struct held_lock *h = &t->held_locks[i];

			if (READ_ONCE(h->instance) != &smr->dep_map ||
			    !h->trylock)
				continue;
			pr_warn("%s: stall: sleepable reader %s/%d entered at %pS\n",
				smr->name, t->comm, task_pid_nr(t),
				(void *)h->acquire_ip);
			sched_show_task(t);
		}
	}
	rcu_read_unlock();
#endif
}

/* Report the period in progress, once: it has lasted the stall limit. */
static void smr_sleepers_stall(struct smr *smr, unsigned long wr)
{
	struct smr_sleep *sl = &smr->sleep;
	unsigned int ms = jiffies_to_msecs(jiffies - READ_ONCE(sl->since));
	unsigned long done = atomic_long_read(&sl->done);

	if (xchg(&sl->warned, true))
		return;
	smr_stat_inc(smr, SMR_STAT_STALL);
	trace_smr_stall(smr->name, -1, 0, done, ms);
	pr_warn("%s: stall: %lu sleepable reader(s) in the %s phase have held sequence %#lx for %u ms; wr_seq %#lx\n",
		smr->name, READ_ONCE(sl->inside),
		READ_ONCE(sl->step) == SMR_SLEEP_DRAIN_NEXT ? "inactive" : "old",
		done, ms, wr);
	smr_sleepers_show(smr);
}

/**
 * smr_sleepers_tick() - move sleepable grace periods, warn about stalls
 * @smr: the domain
 *
 * The sleepable service's tick: while a goal is not done, move the
 * machine (so that periods end even when nobody polls; pollers do not
 * need it), and warn once about a period that has lasted stall_ms.
 *
 * Context: the smr tick (softirq).
 */
void smr_sleepers_tick(struct smr *smr)
{
	struct smr_sleep *sl = &smr->sleep;
	unsigned long wr = atomic_long_read(&smr->clock.wr_seq);

	if (!(READ_ONCE(smr->flags) & SMR_SLEEPABLE) ||
	    (READ_ONCE(sl->step) == SMR_SLEEP_IDLE &&
	     SMR_SEQ_LEQ(wr, atomic_long_read(&sl->done))))
		return;
	/* S2 for the machine's start, as in smr_scan(). */
	smp_mb();
	smr_sleep_advance(smr, wr);
	if (smr_stall_jiffies && READ_ONCE(sl->step) != SMR_SLEEP_IDLE &&
	    !READ_ONCE(sl->warned) &&
	    time_after_eq(jiffies, READ_ONCE(sl->since) + smr_stall_jiffies))
		smr_sleepers_stall(smr, wr);
}
