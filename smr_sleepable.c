// SPDX-License-Identifier: GPL-2.0
/*
 * Sleepable read sections: smr_enter_sleepable() and smr_leave_sleepable().
 *
 * A sleepable reader may block, so it cannot live in a per-cpu slot: it
 * may migrate, and the CPU it entered on may run other readers meanwhile.
 * Instead the reader's tracker (on its stack) records the sequence it
 * observed and is linked on a list of the CPU where it entered, under that
 * list's lock.  It stays there wherever the task goes; smr_leave_sleepable()
 * unlinks it from that same list, from any CPU.  Pollers walk every CPU's
 * list after the slots (only when it is not empty), so a sleeping or
 * migrated reader holds the clock back exactly as a slot does.
 *
 * Ordering, in the labels of smr_core.c:
 *
 * - R1s (enter: link under the lock, then smp_mb()): as R1, the tracker is
 *   visible before the section's loads.  Pairs with S2, which precedes the
 *   pollers' lockless look at the list head.
 * - R2s (leave: smp_mb(), then unlink under the lock): the section's
 *   loads are done before the unlink.  The unlock's release is not
 *   enough: a poller that finds the list empty without taking the lock
 *   (smr_sleepers_present()) would otherwise allow load buffering -- the
 *   reader's loads satisfied after the poller saw the list empty and
 *   freed.  Pairs with S3s.
 * - S3s (smr_sleepers_present(), load-acquire of the list head; and the
 *   lock taken by smr_sleepers_scan()): the frees that follow a poll are
 *   ordered after the unlink the poller observed.  Pairs with R2s.
 *
 * The lists are the only fields of struct smr_pcpu that other CPUs write,
 * which is why they have a cache line of their own.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>

#include "smr_internal.h"
#include "smr_trace.h"

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
 * without SMR_SLEEPABLE it warns and works all the same.
 *
 * Context: task context.
 */
void smr_enter_sleepable(struct smr *smr, struct smr_tracker *tracker)
	__acquires(smr)
{
	struct smr_pcpu *pcpu;
	unsigned long flags;

	__acquire(smr);
	if (smr_null(smr) ||
	    smr_misuse_once(!tracker, smr,
			    "%s() without a tracker; not entered",
			    __func__))
		return;
	smr_misuse_once(!(smr->flags & SMR_SLEEPABLE), smr,
			"sleepable section on a domain without SMR_SLEEPABLE");
	tracker->task = current;
	tracker->since = jiffies;
	tracker->stall_warned = false;

	local_irq_save(flags);
	tracker->cpu = smp_processor_id();
	pcpu = this_cpu_ptr(smr->pcpu);
	raw_spin_lock(&pcpu->sleepers_lock);
	tracker->seq = atomic_long_read(&smr->clock.wr_seq);
	list_add_tail(&tracker->node, &pcpu->sleepers);
	raw_spin_unlock(&pcpu->sleepers_lock);
	local_irq_restore(flags);
	smr_stat_inc(smr, SMR_STAT_SLEEPABLE);

	/* R1s: pairs with S2 in smr_scan(). */
	smp_mb();
	smr_lock_acquire(smr);
}
EXPORT_SYMBOL_GPL(smr_enter_sleepable);

/* smr_sleepable_test_hold_leave(): which leave stops, how long; is it in? */
static struct smr *smr_test_hold_domain;
static unsigned int smr_test_hold_ms;
static bool smr_test_holding;

/*
 * The leave that the test hook picked stops inside its critical section,
 * after the unlink, then touches the domain (in memory KASAN watches, as
 * the unlock is about to touch the per-cpu area) before it goes on.
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
 * @ms: how long that leave stays inside its list's critical section, just
 *	after unlinking its tracker (where a teardown that looked at the list
 *	without its lock would take the domain for empty)
 *
 * A test hook for smr's KUnit suites, not for consumers; compiled in only
 * on kernels with KUnit.  The hold spins with interrupts off.
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
 * smr_sleepable_test_holding() - is the leave picked by the hook holding?
 *
 * Context: any.
 * Return: true from the moment that leave stops until it goes on.
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
 * Context: task context, the task that entered, on any CPU.
 */
void smr_leave_sleepable(struct smr *smr, struct smr_tracker *tracker)
	__releases(smr)
{
	struct smr_pcpu *pcpu;
	unsigned long flags;

	__release(smr);
	if (smr_null(smr) ||
	    smr_misuse_once(!tracker, smr,
			    "%s() without a tracker; ignored", __func__))
		return;
	smr_lock_release(smr);
	pcpu = per_cpu_ptr(smr->pcpu, tracker->cpu);
	/* R2s: the section's loads before the unlink; pairs with S3s. */
	smp_mb();
	raw_spin_lock_irqsave(&pcpu->sleepers_lock, flags);
	list_del(&tracker->node);
	if (IS_ENABLED(CONFIG_KUNIT) &&
	    unlikely(READ_ONCE(smr_test_hold_domain) == smr))
		smr_sleepable_test_hold(smr);
	raw_spin_unlock_irqrestore(&pcpu->sleepers_lock, flags);
}
EXPORT_SYMBOL_GPL(smr_leave_sleepable);

/**
 * smr_sleepers_init() - set up one CPU's list of sleepable readers
 * @pcpu: the CPU's state
 */
void smr_sleepers_init(struct smr_pcpu *pcpu)
{
	raw_spin_lock_init(&pcpu->sleepers_lock);
	INIT_LIST_HEAD(&pcpu->sleepers);
}

/**
 * smr_sleepers_present() - does a sleepable reader hold this CPU's list?
 * @pcpu: the CPU's state
 *
 * Return: true if the list is not empty.  Lockless: called after S2.
 */
bool smr_sleepers_present(struct smr_pcpu *pcpu)
{
	/* S3s: pairs with R2s in smr_leave_sleepable(). */
	return smp_load_acquire(&pcpu->sleepers.next) != &pcpu->sleepers;
}

/**
 * smr_sleepers_present_locked() - smr_sleepers_present() under the lock
 * @pcpu: the CPU's state
 *
 * For teardown: once this returns false, no leaving reader is still
 * inside the lock's critical section (or its unlock) on @pcpu.
 *
 * Return: true if the list is not empty.
 */
bool smr_sleepers_present_locked(struct smr_pcpu *pcpu)
{
	unsigned long flags;
	bool present;

	raw_spin_lock_irqsave(&pcpu->sleepers_lock, flags);
	present = !list_empty(&pcpu->sleepers);
	raw_spin_unlock_irqrestore(&pcpu->sleepers_lock, flags);
	return present;
}

/**
 * smr_sleepers_mine() - is the calling task inside a sleepable section?
 * @smr: the domain
 *
 * Walks every CPU's list: for the misuse checks of the waits, not for
 * fast paths.
 *
 * Return: true if one of the trackers on @smr is the calling task's.
 */
bool smr_sleepers_mine(struct smr *smr)
{
	struct smr_tracker *t;
	unsigned long flags;
	bool mine = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);

		if (!smr_sleepers_present(pcpu))
			continue;
		raw_spin_lock_irqsave(&pcpu->sleepers_lock, flags);
		list_for_each_entry(t, &pcpu->sleepers, node)
			mine |= t->task == current;
		raw_spin_unlock_irqrestore(&pcpu->sleepers_lock, flags);
		if (mine)
			break;
	}
	return mine;
}

/**
 * smr_sleepers_scan() - fold one CPU's sleepable readers into a scan
 * @pcpu: the CPU's state
 * @st: the scan; a tracker of the calling task (its own section, which
 *	cannot leave while it waits) sets @st->self_blocked if it holds the goal
 */
void smr_sleepers_scan(struct smr_pcpu *pcpu, struct smr_scan *st)
{
	struct smr_tracker *t;
	unsigned long flags, seq;

	/* S3s: the lock pairs with R2s in smr_leave_sleepable(). */
	raw_spin_lock_irqsave(&pcpu->sleepers_lock, flags);
	list_for_each_entry(t, &pcpu->sleepers, node) {
		seq = smr_scan_clamp(st, t->seq);
		if (SMR_SEQ_LT(seq, st->goal)) {
			if (t->task == current)
				st->self_blocked = true;
			else
				st->others = true;
		}
		st->min = smr_seq_min(st->min, seq);
	}
	raw_spin_unlock_irqrestore(&pcpu->sleepers_lock, flags);
}

/**
 * smr_sleepers_tick() - warn about sleepable readers holding on
 * @smr: the domain
 *
 * The sleepable service's tick: each tracker of this CPU's list that has
 * held the clock back for stall_ms warns, at most once.
 *
 * Context: the smr tick (softirq).
 */
void smr_sleepers_tick(struct smr *smr)
{
	unsigned long wr = atomic_long_read(&smr->clock.wr_seq), flags;
	unsigned long limit = smr_stall_jiffies;
	struct smr_pcpu *pcpu = this_cpu_ptr(smr->pcpu);
	struct smr_tracker *t;

	if (!limit || !smr_sleepers_present(pcpu))
		return;
	raw_spin_lock_irqsave(&pcpu->sleepers_lock, flags);
	list_for_each_entry(t, &pcpu->sleepers, node) {
		if (t->stall_warned || !SMR_SEQ_LT(t->seq, wr) ||
		    time_before(jiffies, t->since + limit))
			continue;
		t->stall_warned = true;
		smr_stat_inc(smr, SMR_STAT_STALL);
		trace_smr_stall(smr->name, t->cpu, task_pid_nr(t->task), t->seq,
				jiffies_to_msecs(jiffies - t->since));
		pr_warn("%s: stall: sleepable reader %s/%d (entered on CPU %d) has held sequence %#lx for %u ms; wr_seq %#lx\n",
			smr->name, t->task->comm, task_pid_nr(t->task), t->cpu,
			t->seq, jiffies_to_msecs(jiffies - t->since), wr);
		/*
		 * The tracker records no entry point (smr.h's layout is the
		 * consumers' ABI); the task's backtrace shows where it waits.
		 * It is alive: its tracker, on its stack, is still listed.
		 */
		sched_show_task(t->task);
	}
	raw_spin_unlock_irqrestore(&pcpu->sleepers_lock, flags);
}
