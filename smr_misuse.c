// SPDX-License-Identifier: GPL-2.0
/*
 * API misuse catalogue for smr, for the harness's misuse run.
 *
 * Loading the module commits each misuse that the KUnit smr_misuse suite
 * cannot (a NULL domain for every exported function, calling a sleeping
 * function inside a section, freeing a domain while another CPU reads in
 * it, a reader that stalls, seen by its own CPU's tick and, with
 * interrupts off, by a poller), and __smr_warn_misuse(), each between
 * "smr_misuse: begin <case>" and "smr_misuse: end <case>" lines, so that
 * the harness can check that the expected warning or debug report
 * appeared in between and that nothing crashed.  After each case the
 * domain must still work; the module checks that itself and ends with
 * "smr_misuse: done, <n> problems".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/sched/task.h>

#include "smr.h"

static unsigned int misuse_problems;

/* The domain must still work: a section holds a goal back, leaving frees it. */
static void misuse_check_usable(struct smr *smr, const char *name)
{
	unsigned long goal;
	bool held, freed;

	smr_enter(smr);
	goal = smr_advance(smr);
	held = !smr_poll(smr, goal);
	smr_leave(smr);
	freed = smr_poll(smr, goal);
	if (!held || !freed) {
		pr_err("%s: domain no longer works (held %d, freed %d)\n",
		       name, held, freed);
		misuse_problems++;
	}
}

static void misuse_null_domain(void)
{
	smr_domain_free(NULL);		/* allowed, like kfree(NULL) */
	(void)smr_current(NULL);
	(void)smr_advance(NULL);
	(void)smr_deferred_advance(NULL);
	smr_deferred_advance_commit(NULL, SMR_SEQ_INIT);
	(void)smr_poll(NULL, SMR_SEQ_INIT);
	smr_wait(NULL, SMR_SEQ_INIT);
	smr_synchronize(NULL);
}

static DEFINE_MUTEX(misuse_mutex);

static void misuse_sleep_in_section(struct smr *smr)
{
	smr_enter(smr);
	/* Uncontended, so it does not really sleep: might_sleep() reports. */
	mutex_lock(&misuse_mutex);
	mutex_unlock(&misuse_mutex);
	smr_leave(smr);
	misuse_check_usable(smr, "sleep-in-section");
}

struct misuse_reader {
	struct smr *smr;
	struct completion inside;
};

static int misuse_reader_fn(void *arg)
{
	struct misuse_reader *r = arg;
	struct smr *smr = r->smr;

	smr_enter(smr);
	complete(&r->inside);
	mdelay(100);
	smr_leave(smr);
	return 0;
}

static void misuse_free_with_reader(void)
{
	struct misuse_reader r = { .smr = smr_domain_create(SMR_NONE, "misuse-victim") };
	struct task_struct *t;

	if (!r.smr) {
		misuse_problems++;
		return;
	}
	init_completion(&r.inside);
	t = kthread_create(misuse_reader_fn, &r, "smr-misuse-reader");
	if (IS_ERR(t)) {
		smr_domain_free(r.smr);
		misuse_problems++;
		return;
	}
	kthread_bind(t, cpumask_any_but(cpu_online_mask, raw_smp_processor_id()));
	wake_up_process(t);
	wait_for_completion(&r.inside);
	/* Warns, then waits for the reader before releasing the memory. */
	smr_domain_free(r.smr);
}

/*
 * How long the reader may hold its section: a bound, past stall_ms=3000
 * (the harness's default), not a timing assertion.  The reader holds it
 * until the report came, which the domain's stall counter shows, so that
 * a TCG vCPU that loses ticks only delays it.  Both sides count the bound
 * in mdelay()s, not jiffies nor timers: a CPU that spins with interrupts
 * or softirqs off may be the one that keeps jiffies, or that NOHZ moved
 * the other CPUs' timers to (Debian's 6.1 showed both), and a long hold
 * with interrupts off stalls every IPI sender, so it stays short.
 */
#define MISUSE_STALL_HOLD_MS		10000

/* Wait, by @step (an mdelay(20)), until @done or MISUSE_STALL_HOLD_MS. */
#define misuse_spin_until(done, step) do {				\
	unsigned int __ms;						\
									\
	for (__ms = 0; !(done) && __ms < MISUSE_STALL_HOLD_MS; __ms += 20) \
		step;							\
} while (0)

/*
 * The tick is a timer, run by the timer softirq of the reader's CPU,
 * which a task spinning with preemption disabled there lets run only
 * where softirqs run on interrupt exit: not on PREEMPT_RT (they are
 * threads), nor on kernels without the revert of "softirq: Let ksoftirqd
 * do its job" (6.5), where a runnable ksoftirqd takes them over.
 * Debian's 6.1 showed it: no report in 60 s, and the other CPUs' sleeps,
 * whose timers NOHZ had moved to the busy CPU, stalled with it.  There
 * only pollers report a stalled reader (stall-remote).  The harness says
 * which kernel is which: tick_stall=0 on Debian's 6.1.
 */
static int tick_stall = -1;
module_param(tick_stall, int, 0444);
MODULE_PARM_DESC(tick_stall, "Run stall-tick: 1 yes, 0 no (softirqs do not run on a busy CPU), -1 unless PREEMPT_RT");

static bool misuse_tick_can_report(void)
{
	return tick_stall < 0 ? !IS_ENABLED(CONFIG_PREEMPT_RT) : tick_stall;
}

struct misuse_staller {
	struct smr *smr;
	struct completion inside;
	bool remote;		/* for a poller to report, not the tick */
	bool irqs_off;
	bool reported;		/* set by misuse_stall() */
	struct smr_node node;	/* keeps the reader's CPU's tick busy */
};

static void misuse_stall_cb(struct smr_node *node)
{
}

/*
 * A reader that holds its section until its stall was reported.  For the
 * tick case its own CPU's tick reports it: the smr_call() it queues keeps
 * that tick running (a CPU with callbacks pending has a busy tick; an
 * idle one need not tick at all).  For the remote case only a poller may
 * report it.  The reader keeps its tick away by spinning with interrupts
 * off, and the report's IPI runs once they are back on, while the reader
 * is still inside, so that it shows where it entered.  Not on PREEMPT_RT,
 * where timers run in a thread that the spin with preemption off keeps
 * out anyway: there interrupts stay on, as one run had jiffies advance
 * 2728 ms in the 10 s that the reader spun with them off (its CPU may be
 * the one that keeps them), short of the 3 s a report needs.  (On
 * Debian's 6.1, tick_stall=0, softirqs do run on interrupt exit at times:
 * a reader there with interrupts on was reported by its own tick.)
 */
static int misuse_staller_fn(void *arg)
{
	struct misuse_staller *r = arg;
	unsigned long flags = 0;

	smr_enter(r->smr);
	if (!r->remote)
		smr_call(r->smr, &r->node, 0, misuse_stall_cb);
	complete(&r->inside);
	if (r->irqs_off)
		local_irq_save(flags);
	misuse_spin_until(READ_ONCE(r->reported), mdelay(20));
	if (r->irqs_off) {
		local_irq_restore(flags);	/* the pending IPI runs here */
		mdelay(500);
	}
	smr_leave(r->smr);
	return 0;
}

/* One step of waiting for the report: with @poll, by polling. */
static void misuse_wait_step(struct smr *smr, unsigned long goal, bool poll,
			     unsigned int *polls)
{
	if (poll) {
		smr_poll(smr, goal);
		(*polls)++;
	}
	mdelay(20);
}

/* No report came: say what the poller and the reader's slot looked like. */
static void misuse_stall_missing(struct smr *smr, const char *name, int cpu,
				 unsigned long goal, unsigned long start,
				 unsigned int polls)
{
	struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);

	pr_err("%s: no stall reported in %u ms: poller on CPU %d made %u polls in %u jiffies-ms; reader on CPU %d holds %#lx (goal %#lx), stall_seq %#lx since %d ms ago, warned %d\n",
	       name, MISUSE_STALL_HOLD_MS, raw_smp_processor_id(), polls,
	       jiffies_to_msecs(jiffies - start), cpu,
	       READ_ONCE(pcpu->rd_seq[0]), goal, READ_ONCE(pcpu->stall_seq[0]),
	       (int)jiffies_to_msecs(jiffies - READ_ONCE(pcpu->stall_since[0])),
	       READ_ONCE(pcpu->stall_warned[0]));
	misuse_problems++;
}

/*
 * The staller's CPU: neither this one nor, where there is a choice, the
 * boot CPU, which usually keeps jiffies (NOHZ hands the duty on only
 * from an idle CPU): jiffies must go on while the staller spins.
 */
static int misuse_staller_cpu(void)
{
	int cpu, self = raw_smp_processor_id();

	for_each_online_cpu(cpu)
		if (cpu != self && cpu != cpumask_first(cpu_online_mask))
			return cpu;
	return cpumask_any_but(cpu_online_mask, self);
}

static void misuse_stall(struct smr *smr, bool remote)
{
	struct misuse_staller r = {
		.smr = smr, .remote = remote,
		.irqs_off = remote && !IS_ENABLED(CONFIG_PREEMPT_RT),
	};
	unsigned long goal, start, stalls = smr_stat_sum(smr, SMR_STAT_STALL);
	const char *name = remote ? "stall-remote" : "stall-tick";
	unsigned int polls = 0;
	struct task_struct *t;
	int cpu;

	init_completion(&r.inside);
	t = kthread_create(misuse_staller_fn, &r, "smr-misuse-stall");
	if (IS_ERR(t)) {
		misuse_problems++;
		return;
	}
	get_task_struct(t);
	/*
	 * The poller stays off the staller's CPU: a wakeup from there may
	 * move it there (wake-affine), behind a reader that spins with
	 * interrupts off, which then holds on for MISUSE_STALL_HOLD_MS
	 * with nobody polling (seen on the RT kernel).
	 */
	migrate_disable();
	cpu = misuse_staller_cpu();
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&r.inside);
	/* The reader holds the goal back: from now on it is timed. */
	goal = smr_advance(smr);
	start = jiffies;
	/*
	 * A poll is a remote report too: keep out of the way of the tick's
	 * report until it came.  With interrupts off there is no tick
	 * report: poll until the poller's came.
	 */
	misuse_spin_until(smr_stat_sum(smr, SMR_STAT_STALL) != stalls,
			  misuse_wait_step(smr, goal, remote, &polls));
	if (smr_stat_sum(smr, SMR_STAT_STALL) == stalls)
		misuse_stall_missing(smr, name, cpu, goal, start, polls);
	WRITE_ONCE(r.reported, true);
	misuse_spin_until(smr_poll(smr, goal), mdelay(20));
	if (!smr_poll(smr, goal))
		misuse_problems++;
	kthread_stop(t);
	migrate_enable();
	put_task_struct(t);
	smr_barrier(smr);	/* r.node's callback, before r goes */
	misuse_check_usable(smr, name);
}

static int __init misuse_init(void)
{
	struct smr *smr = smr_domain_create(SMR_NONE, "misuse");

	if (!smr)
		return -ENOMEM;

	pr_info("begin null-domain\n");
	misuse_null_domain();
	misuse_check_usable(smr, "null-domain");
	pr_info("end null-domain\n");

	pr_info("begin sleep-in-section\n");
	misuse_sleep_in_section(smr);
	pr_info("end sleep-in-section\n");

	if (num_online_cpus() > 1) {
		pr_info("begin free-with-reader\n");
		misuse_free_with_reader();
		pr_info("end free-with-reader\n");
	} else {
		pr_info("skip free-with-reader: needs two CPUs\n");
	}

	if (num_online_cpus() > 1 && !misuse_tick_can_report()) {
		pr_info("skip stall-tick: the reader's CPU runs no softirq while it spins (PREEMPT_RT, or tick_stall=0)\n");
	} else if (num_online_cpus() > 1) {
		pr_info("begin stall-tick\n");
		misuse_stall(smr, false);
		pr_info("end stall-tick\n");
	}
	if (num_online_cpus() > 1) {
		pr_info("begin stall-remote\n");
		misuse_stall(smr, true);
		pr_info("end stall-remote\n");
	} else {
		pr_info("skip stall-tick, stall-remote: need two CPUs\n");
	}

	pr_info("begin warn-misuse\n");
	__smr_warn_misuse(smr, "the misuse catalogue calls __smr_warn_misuse()");
	misuse_check_usable(smr, "warn-misuse");
	pr_info("end warn-misuse\n");

	smr_domain_free(smr);
	pr_info("done, %u problems\n", misuse_problems);
	return 0;
}

static void __exit misuse_exit(void)
{
}

module_init(misuse_init);
module_exit(misuse_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("API misuse catalogue for smr");
