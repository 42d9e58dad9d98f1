// SPDX-License-Identifier: GPL-2.0
/*
 * The per-cpu smr tick, CPU hotplug and stall warnings.
 *
 * Each online CPU runs a pinned timer every tick_ms that stands in for the
 * scheduler tick: for every live domain it runs the tick hook of each
 * service below (the lazy clock, callback batches, sleepable readers) and
 * times the reader slots of its own CPU for stall warnings.  The services
 * are listed once, in smr_services[]; this file calls nothing else of
 * theirs.
 *
 * Two timers per CPU.  The deferrable one never wakes an idle CPU, which
 * is right while nothing is pending: an idle CPU holds no reader.  But a
 * CPU that queued callbacks and then went idle, or runs tickless
 * (nohz_full), would never promote them.  So a service that has work on a
 * CPU says so (smr_tick_kick() when work is queued, the busy hook after
 * each tick), and while it does, a second, non-deferrable timer runs the
 * same tick on that CPU.  It stops re-arming as soon as no service is
 * busy there, so quiet CPUs stay quiet.
 *
 * Nothing here is needed for safety: the tick only makes things happen
 * sooner.  Every expiry decision rests on the clock (smr_core.c), never on
 * whether a tick ran.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debug_locks.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/timer.h>

#include "smr_internal.h"
#include "smr_trace.h"

static unsigned int tick_ms = 4;
module_param(tick_ms, uint, 0444);
MODULE_PARM_DESC(tick_ms, "Period of the per-cpu smr tick in ms (1-1000)");

static unsigned int stall_ms = 3000;
module_param(stall_ms, uint, 0444);
MODULE_PARM_DESC(stall_ms, "Warn about a reader holding the clock back this long (0: never; 100-600000)");

static unsigned long smr_tick_period __read_mostly;	/* jiffies */
unsigned long smr_stall_jiffies __read_mostly;		/* 0: no warnings */
static enum cpuhp_state smr_cpuhp_state, smr_cpuhp_prepare_state;

/*
 * The CPUs whose reader slots a scan must look at (smr_scan()): every
 * CPU from before it can run anything until after it is dead with idle
 * slots.  (Sleepable readers are counted per phase, and their sums walk
 * every possible CPU: smr_sleepable.c.)  A scan then costs in
 * proportion to the CPUs that can hold a reader, not to nr_cpu_ids.
 *
 * O1 (smr_cpu_prepare(), the bit set then smp_mb__after_atomic()): runs
 * in the PREPARE section, on a control CPU, before the new CPU is
 * started; every reader on the new CPU runs after the hotplug core's
 * hand-over that follows.  Pairs with S2 in smr_scan(), after which the
 * mask is read: either the poller sees the bit and then the slot (R1/S2
 * as for any CPU), or its mask load came before the bit was set, so its
 * S2 came before the new CPU ran anything, and every reader there sees
 * all updates made before the poller's goal was handed out.
 *
 * O2 (smr_cpu_dead(), smp_mb__before_atomic() then the bit cleared):
 * runs on a control CPU after the CPU died; the slots and lists it found
 * idle (each emptied by a reader's R2 release, or the release of a
 * tracker's lock) are ordered before the bit reads clear.  Pairs with S4,
 * the load-acquire of the mask's words in smr_scan(): a poller that skips
 * the CPU frees only after its last reader's loads.
 */
struct cpumask smr_reader_cpus;
static bool smr_test_skip_online;	/* smr_tick_test_skip_online() */

/* What each service does on the tick and on hotplug; NULL: nothing. */
static const struct smr_service smr_services[] = {
	{
		.name = "clock",
		.tick = smr_clock_tick,
		.busy = smr_clock_busy,
		.cpu_offline = smr_clock_cpu_offline,
	}, {
		.name = "call",
		.tick = smr_call_tick,
		.busy = smr_call_busy,
		.cpu_online = smr_call_cpu_online,
		.cpu_offline = smr_call_cpu_offline,
	}, {
		.name = "sleepable",
		.tick = smr_sleepers_tick,
	},
};

/* Every live domain, for the tick; RCU-protected for smr_tick_fn(). */
static LIST_HEAD(smr_domains);
static DEFINE_MUTEX(smr_domains_lock);

/**
 * struct smr_tick - the per-cpu timers standing in for the scheduler tick
 * @timer: pinned, deferrable: it never wakes an idle CPU.
 * @busy: pinned, not deferrable: armed only while a service has work here.
 * @armed: cleared before the timers are stopped so that they do not re-arm.
 * @test_idle: smr_tick_test_idle(): the deferrable timer does nothing.
 */
struct smr_tick {
	struct timer_list timer;
	struct timer_list busy;
	bool armed;
	bool test_idle;
};

static DEFINE_PER_CPU(struct smr_tick, smr_ticks);

/**
 * smr_tick_kick() - this CPU has work for the tick: keep it ticking
 *
 * Arms this CPU's non-deferrable tick unless it is armed already, so that
 * the work is looked at even if the CPU goes idle or tickless next.
 *
 * Context: any context except NMI, with preemption or interrupts disabled
 * (the caller's work is on this CPU's queue).
 */
void smr_tick_kick(void)
{
	struct smr_tick *tick = this_cpu_ptr(&smr_ticks);

	if (READ_ONCE(tick->armed) && !timer_pending(&tick->busy))
		mod_timer(&tick->busy, jiffies + smr_tick_period);
}

/**
 * smr_tick_test_idle() - make a CPU's deferrable tick do nothing
 * @cpu: the CPU
 * @idle: true: from now on the deferrable timer of @cpu runs no service, as
 *	on a CPU that stays idle or tickless, where it never fires; false:
 *	back to normal
 *
 * A test hook for smr's KUnit suites, not for consumers: whether an idle
 * CPU's deferrable timer fires depends on what else wakes that CPU, so a
 * test of the idle paths takes that timer away on purpose.  Only the
 * non-deferrable busy tick (smr_tick_kick()) then still runs there.
 *
 * Context: any.
 */
void smr_tick_test_idle(int cpu, bool idle)
{
	WRITE_ONCE(per_cpu_ptr(&smr_ticks, cpu)->test_idle, idle);
}
EXPORT_SYMBOL_GPL(smr_tick_test_idle);

/*
 * Say where the stalled section was entered.  smr_lock_acquire() hands
 * lockdep the caller's address with every section, so the entry point
 * costs the reader nothing that lockdep does not already do; without
 * lockdep nothing records it, and the backtrace that follows must do.
 * Runs on the stalled CPU, from an interrupt (the tick or the IPI) that
 * landed on the reader or on a later task: current's held locks are
 * stable here, and are the reader's if it is still inside.
 */
static void smr_stall_show_entry(struct smr *smr)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	int i, depth = lockdep_depth(current);
	bool found = false;

	for (i = 0; i < depth; i++) {
		const struct held_lock *hl = &current->held_locks[i];

		if (hl->instance != &smr->dep_map)
			continue;
		pr_warn("%s: stall: section entered at %pS\n", smr->name,
			(void *)hl->acquire_ip);
		found = true;
	}
	if (!found)
		pr_warn("%s: stall: entry point unknown: %s/%d holds no section of the domain in lockdep's view (left already, or lockdep is off)\n",
			smr->name, current->comm, task_pid_nr(current));
	debug_show_held_locks(current);
#else
	pr_warn("%s: stall: entry point unknown: it needs CONFIG_DEBUG_LOCK_ALLOC; see the backtrace\n",
		smr->name);
#endif
}

/* Time each held slot of this CPU; warn once when one holds on too long. */
static void smr_stall_check_slot(struct smr *smr, struct smr_pcpu *pcpu,
				 unsigned int ctx, unsigned long wr)
{
	unsigned long seq = smr_slot_seq(READ_ONCE(pcpu->rd_seq[ctx]));

	if (seq == SMR_SEQ_INVALID || !SMR_SEQ_LT(seq, wr)) {
		pcpu->stall_seq[ctx] = SMR_SEQ_INVALID;
		return;
	}
	if (seq != pcpu->stall_seq[ctx]) {
		pcpu->stall_seq[ctx] = seq;
		pcpu->stall_since[ctx] = jiffies;
		pcpu->stall_warned[ctx] = false;
		return;
	}
	if (pcpu->stall_warned[ctx] ||
	    time_before(jiffies, pcpu->stall_since[ctx] + smr_stall_jiffies))
		return;
	pcpu->stall_warned[ctx] = true;
	smr_stat_inc(smr, SMR_STAT_STALL);
	trace_smr_stall(smr->name, smp_processor_id(), 0, seq,
			jiffies_to_msecs(jiffies - pcpu->stall_since[ctx]));
	pr_warn("%s: stall: CPU %d reader %s/%d (context level %u) has held sequence %#lx for %u ms; wr_seq %#lx\n",
		smr->name, smp_processor_id(), current->comm,
		task_pid_nr(current), ctx, seq,
		jiffies_to_msecs(jiffies - pcpu->stall_since[ctx]), wr);
	smr_stall_show_entry(smr);
	dump_stack();
}

static void smr_stall_check(struct smr *smr)
{
	struct smr_pcpu *pcpu = this_cpu_ptr(smr->pcpu);
	unsigned long wr = atomic_long_read(&smr->clock.wr_seq);
	unsigned int ctx;

	if (!smr_stall_jiffies)
		return;
	for (ctx = 0; ctx < SMR_CTX_NR; ctx++)
		smr_stall_check_slot(smr, pcpu, ctx, wr);
}

/* One remote report at a time: its csd is in use until the IPI ran. */
static call_single_data_t smr_stall_csd;
static atomic_t smr_stall_csd_busy = ATOMIC_INIT(0);

/*
 * Runs on the stalled CPU, from the IPI: says who is there, where it
 * entered the section and its backtrace.
 */
static void smr_stall_backtrace_fn(void *info)
{
	struct smr *smr = info;

	pr_warn("%s: stall: CPU %d is running %s/%d; its backtrace:\n",
		smr->name, smp_processor_id(), current->comm,
		task_pid_nr(current));
	smr_stall_show_entry(smr);
	dump_stack();
	atomic_set_release(&smr_stall_csd_busy, 0);
}

/**
 * smr_stall_report_remote() - a poller found a slot of @cpu holding on
 * @smr: the domain
 * @cpu: the CPU whose slot holds the goal back
 * @ctx: the slot's context level
 * @seq: the sequence it holds
 *
 * A CPU that runs with interrupts off, or without ticks, never reports
 * its own stalled reader; its pollers do.  The slot's timing state is the
 * one its own tick keeps (whichever sees a new sequence first starts the
 * clock; a race between the two only delays a warning).  The warning is
 * followed by a report from @cpu itself, sent by IPI, naming the task
 * there and its backtrace (as soon as @cpu takes interrupts again, when
 * the reader has them off).
 *
 * Context: a poll, preemption disabled.
 */
void smr_stall_report_remote(struct smr *smr, int cpu, unsigned int ctx,
			     unsigned long seq)
{
	struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);
	unsigned long since;

	if (!smr_stall_jiffies || cpu == smp_processor_id())
		return;
	if (READ_ONCE(pcpu->stall_seq[ctx]) != seq) {
		WRITE_ONCE(pcpu->stall_since[ctx], jiffies);
		WRITE_ONCE(pcpu->stall_warned[ctx], false);
		WRITE_ONCE(pcpu->stall_seq[ctx], seq);
		return;
	}
	since = READ_ONCE(pcpu->stall_since[ctx]);
	if (READ_ONCE(pcpu->stall_warned[ctx]) ||
	    time_before(jiffies, since + smr_stall_jiffies) ||
	    cmpxchg(&pcpu->stall_warned[ctx], false, true))
		return;
	smr_stat_inc(smr, SMR_STAT_STALL);
	trace_smr_stall(smr->name, cpu, 0, seq,
			jiffies_to_msecs(jiffies - since));
	pr_warn("%s: stall: CPU %d reader (context level %u) has held sequence %#lx for %u ms, seen by a poller on CPU %d; wr_seq %#lx\n",
		smr->name, cpu, ctx, seq, jiffies_to_msecs(jiffies - since),
		smp_processor_id(), atomic_long_read(&smr->clock.wr_seq));
	/*
	 * The handler runs in hardirq context, an RCU reader: the domain
	 * outlives it because smr_tick_unregister() waits for a grace period.
	 */
	if (atomic_cmpxchg_acquire(&smr_stall_csd_busy, 0, 1))
		return;
	INIT_CSD(&smr_stall_csd, smr_stall_backtrace_fn, smr);
	if (smp_call_function_single_async(cpu, &smr_stall_csd))
		atomic_set(&smr_stall_csd_busy, 0);
}

/* Run every service's tick on @smr; true if one still has work here. */
static bool smr_tick_domain(struct smr *smr)
{
	bool busy = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(smr_services); i++) {
		const struct smr_service *s = &smr_services[i];

		if (s->tick)
			s->tick(smr);
		if (s->busy)
			busy |= s->busy(smr);
	}
	smr_stall_check(smr);
	return busy;
}

/* One tick of this CPU, from either timer. */
static void smr_tick_run(struct smr_tick *tick)
{
	struct smr *smr;
	bool busy = false;

	rcu_read_lock();
	list_for_each_entry_rcu(smr, &smr_domains, node)
		busy |= smr_tick_domain(smr);
	rcu_read_unlock();

	if (!READ_ONCE(tick->armed))
		return;
	mod_timer(&tick->timer, jiffies + smr_tick_period);
	if (busy)
		mod_timer(&tick->busy, jiffies + smr_tick_period);
}

static void smr_tick_fn(struct timer_list *t)
{
	struct smr_tick *tick = from_timer(tick, t, timer);

	/* An idle CPU, as far as a deferrable timer can tell: it never ran. */
	if (unlikely(READ_ONCE(tick->test_idle))) {
		if (READ_ONCE(tick->armed))
			mod_timer(&tick->timer, jiffies + smr_tick_period);
		return;
	}
	smr_tick_run(tick);
}

static void smr_tick_busy_fn(struct timer_list *t)
{
	smr_tick_run(from_timer((struct smr_tick *)NULL, t, busy));
}

static void smr_tick_hotplug(int cpu, bool online)
{
	struct smr *smr;
	unsigned int i;

	mutex_lock(&smr_domains_lock);
	list_for_each_entry(smr, &smr_domains, node) {
		for (i = 0; i < ARRAY_SIZE(smr_services); i++) {
			const struct smr_service *s = &smr_services[i];

			if (online && s->cpu_online)
				s->cpu_online(smr, cpu);
			if (!online && s->cpu_offline)
				s->cpu_offline(smr, cpu);
		}
	}
	mutex_unlock(&smr_domains_lock);
}

/* O1: see smr_reader_cpus. */
static int smr_cpu_prepare(unsigned int cpu)
{
	if (!READ_ONCE(smr_test_skip_online))
		cpumask_set_cpu(cpu, &smr_reader_cpus);
	/* O1: pairs with S2 in smr_scan(). */
	smp_mb__after_atomic();
	return 0;
}

/* Does @smr hold nothing on the dead @cpu: are its slots idle? */
static bool smr_cpu_dead_idle(struct smr *smr, int cpu)
{
	struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);
	unsigned int ctx;

	for (ctx = 0; ctx < SMR_CTX_NR; ctx++)
		if (smr_slot_seq(READ_ONCE(pcpu->rd_seq[ctx])) !=
		    SMR_SEQ_INVALID)
			return false;
	return true;
}

/*
 * O2: see smr_reader_cpus.  A slot still not idle keeps the CPU in the
 * mask until it dies again (a scan of one idle CPU too many costs, it is
 * safe).
 */
static int smr_cpu_dead(unsigned int cpu)
{
	struct smr *smr;
	bool idle = true;

	mutex_lock(&smr_domains_lock);
	list_for_each_entry(smr, &smr_domains, node)
		idle = idle && smr_cpu_dead_idle(smr, cpu);
	if (idle) {
		/* O2: pairs with S4 in smr_scan(). */
		smp_mb__before_atomic();
		cpumask_clear_cpu(cpu, &smr_reader_cpus);
	}
	mutex_unlock(&smr_domains_lock);
	return 0;
}

/**
 * smr_tick_test_skip_online() - leave CPUs that come online out of scans
 * @skip: true: from now on a CPU that comes online is not added to the
 *	CPUs that scans look at (a busted smr, for the hotplug torture, which
 *	must then fail); false: back to normal, and every online CPU is
 *	added again
 *
 * A test hook for smr's tests, not for consumers.
 *
 * Context: task context, may sleep.
 */
void smr_tick_test_skip_online(bool skip)
{
	int cpu;

	cpus_read_lock();
	WRITE_ONCE(smr_test_skip_online, skip);
	if (!skip)
		for_each_online_cpu(cpu)
			smr_cpu_prepare(cpu);
	cpus_read_unlock();
}
EXPORT_SYMBOL_GPL(smr_tick_test_skip_online);

/**
 * smr_tick_test_reader_cpu() - does a scan look at @cpu?
 * @cpu: the CPU
 *
 * A test hook for smr's KUnit suites, not for consumers.
 *
 * Return: true if @cpu is among the CPUs that scans look at.
 */
bool smr_tick_test_reader_cpu(int cpu)
{
	return cpumask_test_cpu(cpu, &smr_reader_cpus);
}
EXPORT_SYMBOL_GPL(smr_tick_test_reader_cpu);

static int smr_cpu_online(unsigned int cpu)
{
	struct smr_tick *tick = per_cpu_ptr(&smr_ticks, cpu);

	timer_setup(&tick->timer, smr_tick_fn, TIMER_PINNED | TIMER_DEFERRABLE);
	timer_setup(&tick->busy, smr_tick_busy_fn, TIMER_PINNED);
	WRITE_ONCE(tick->armed, true);
	tick->timer.expires = jiffies + smr_tick_period;
	add_timer_on(&tick->timer, cpu);
	/* Work queued while the CPU was away is driven by its worker. */
	smr_tick_hotplug(cpu, true);
	return 0;
}

static int smr_cpu_offline(unsigned int cpu)
{
	struct smr_tick *tick = per_cpu_ptr(&smr_ticks, cpu);

	WRITE_ONCE(tick->armed, false);
	timer_delete_sync(&tick->timer);
	timer_delete_sync(&tick->busy);
	smr_tick_hotplug(cpu, false);
	return 0;
}

/**
 * smr_tick_register() - let the tick and hotplug see a new domain
 * @smr: the domain, fully set up
 *
 * Context: task context, under cpus_read_lock() so that the domain's
 * per-cpu online state matches hotplug's.
 */
void smr_tick_register(struct smr *smr)
{
	mutex_lock(&smr_domains_lock);
	list_add_tail_rcu(&smr->node, &smr_domains);
	mutex_unlock(&smr_domains_lock);
}

/**
 * smr_tick_unregister() - the tick and hotplug no longer see @smr
 * @smr: the domain
 *
 * Returns once no tick can still be looking at the domain.
 *
 * Context: task context, may sleep.
 */
void smr_tick_unregister(struct smr *smr)
{
	mutex_lock(&smr_domains_lock);
	list_del_rcu(&smr->node);
	mutex_unlock(&smr_domains_lock);
	/* smr_tick_fn() may still be looking at the domain. */
	synchronize_rcu();
}

/**
 * smr_tick_params_check() - validate tick_ms and stall_ms
 *
 * Return: 0, or -EINVAL after saying which one is wrong.
 */
int smr_tick_params_check(void)
{
	if (tick_ms < 1 || tick_ms > 1000) {
		pr_err("tick_ms=%u is out of range (1-1000)\n", tick_ms);
		return -EINVAL;
	}
	smr_tick_period = max(msecs_to_jiffies(tick_ms), 1UL);
	if (stall_ms && (stall_ms < 100 || stall_ms > 600000)) {
		pr_err("stall_ms=%u is out of range (0, or 100-600000)\n", stall_ms);
		return -EINVAL;
	}
	smr_stall_jiffies = msecs_to_jiffies(stall_ms);
	return 0;
}

/**
 * smr_tick_init() - start the tick on every online CPU, follow hotplug
 *
 * Return: 0 or a negative errno.
 */
int smr_tick_init(void)
{
	int ret;

	/* Every CPU from PREPARE up, before any domain exists. */
	ret = cpuhp_setup_state(CPUHP_BP_PREPARE_DYN, "smr:readers",
				smr_cpu_prepare, smr_cpu_dead);
	if (ret < 0)
		return ret;
	smr_cpuhp_prepare_state = ret;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "smr:tick",
				smr_cpu_online, smr_cpu_offline);
	if (ret < 0) {
		cpuhp_remove_state_nocalls(smr_cpuhp_prepare_state);
		return ret;
	}
	smr_cpuhp_state = ret;
	return 0;
}

/** smr_tick_exit() - stop the tick on every CPU */
void smr_tick_exit(void)
{
	cpuhp_remove_state(smr_cpuhp_state);
	cpuhp_remove_state_nocalls(smr_cpuhp_prepare_state);
	WARN(!list_empty(&smr_domains),
	     "smr: unloading with domains still registered\n");
}
