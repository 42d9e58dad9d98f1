// SPDX-License-Identifier: GPL-2.0
/*
 * Global Unbounded Sequences safe memory reclamation.
 *
 * The clock (advance, poll, wait), the reader slow paths, domains, the
 * per-cpu tick and CPU hotplug.  Counters and clock state are shown in
 * debugfs by smr_debugfs.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/hardirq.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "smr_internal.h"

#define CREATE_TRACE_POINTS
#include "smr_trace.h"

/**
 * DOC: Theory of operation
 *
 * A domain has a clock with two hands.  The write hand, wr_seq, is moved
 * forward by writers: smr_advance() steps it and returns the new value as
 * the *goal* of everything the writer unpublished before the call.  Each
 * reader copies wr_seq into its CPU's slot when it enters a section and
 * clears the slot when it leaves.  The read hand, rd_seq, is the oldest
 * value any reader was seen holding the last time a poller scanned the
 * slots.  A goal is reached once rd_seq >= goal: every reader that could
 * still hold a pointer unpublished before the goal was handed out has
 * left::
 *
 *   ---------------------- sequence space (wraps) ---------------------->
 *        |<------ expired ------>|<------ deferred ------>|
 *                                ^ rd_seq                 ^ wr_seq
 *                                   ^ cpu1 slot  ^ cpu3 slot
 *
 * Readers never move either hand; advancing is decoupled from detecting
 * expiry, so a writer may advance now and poll much later, when the poll
 * is likely to succeed without waiting (smr_poll() first checks rd_seq
 * and only scans the CPUs when that is not enough).
 *
 * Ordering.  Every barrier is labelled and names its partner:
 *
 * - W (smr_advance(), the fully ordered increment of wr_seq): the
 *   writer's unpublishing stores are visible before the new wr_seq is.
 * - R1 (smr_enter(), store to the slot then smp_mb()): the slot store is
 *   visible before the section's loads.  Pairs with S2.
 * - S2 (smr_scan(), smp_mb() before reading the slots): pairs with R1.
 *   Store-buffering: either the poller sees the reader's slot, or the
 *   reader sees every store made before the poller's goal was handed out.
 *   The mask of CPUs to scan is read after S2 too, which pairs with O1.
 * - O1 (smr_cpu_prepare() in smr_tick.c, the CPU's bit set in
 *   smr_reader_cpus then a full barrier, before the CPU is started):
 *   either the poller sees the bit, or every reader on that CPU runs
 *   after the poller's S2.
 * - O2 (smr_cpu_dead(), a full barrier then the bit cleared, once the
 *   dead CPU's slots and lists were seen idle) pairs with S4 (smr_scan(),
 *   load-acquire of each word of the mask): a poller that skips a CPU
 *   is ordered after the last section there, as S3 orders it after an
 *   idle slot.
 * - R2 (smr_leave(), store-release of SMR_SEQ_INVALID): the section's
 *   loads are complete before the slot reads idle.  Pairs with S3.
 * - S3 (smr_scan_slot(), load-acquire of the slot): once idle is
 *   observed, the caller's frees are ordered after the reader's loads.
 * - S1 (smr_poll(), load-acquire of rd_seq; pairs with the release
 *   cmpxchg that publishes rd_seq in smr_scan()): a poll satisfied by
 *   rd_seq alone inherits the S3 ordering of the scan that moved it.
 * - D (smr_deferred_advance(), smp_mb() before reading wr_seq): the
 *   caller's stores are visible before whichever increment later makes
 *   wr_seq reach the deferred goal.
 * - E1-E3 (lazy domains, smr_lazy_record(), smr_lazy_reap(),
 *   smr_scan_cap_lazy()): lazy readers store their slot without a fence,
 *   so a poller may not see it.  Their sections run with preemption
 *   disabled, which makes each an RCU-sched reader.  Every step of the
 *   lazy clock starts an RCU grace period after the step (E1); once that
 *   grace period is seen to end (E2: poll_state_synchronize_rcu(), a full
 *   barrier, then a release of lazy_done), rd_seq may pass the step by one
 *   (E3: acquire of lazy_done before rd_seq is published).  A lazy goal
 *   is two steps ahead of the clock the writer read after unpublishing
 *   (lazy W), so the step it needs was taken after that read, and the
 *   grace period after the step.  By RCU's guarantee, every lazy reader
 *   either ended before that grace period did or began after it began,
 *   and then sees the unpublishing stores.  This holds on idle, tickless
 *   and busy CPUs alike: no argument rests on ticks or jiffies, which
 *   only pace the clock.
 *
 * A reader may load wr_seq, be delayed, and store a value older than a
 * rd_seq that a poller meanwhile computed while the slot looked idle.
 * The reader is still safe (S2/R1 above), and a later scan clamps such a
 * stale slot to rd_seq so that the read hand never moves backwards -- also
 * when the delay was so long that the clock went more than half way round
 * and the stale value seems to lie beyond wr_seq (smr_scan_clamp()).
 * What no scan can tell is a value delayed by about a whole lap: it looks
 * current again.  So the argument assumes that a reader's slot store
 * lands before the clock has gone half a lap past the value it loaded
 * (model/smr_wrap.pml verifies under that assumption, and its LAP variant
 * shows the violation without it).  With 64-bit sequences half a lap is
 * 2^61 steps, which cannot pass inside one smr_enter(); with wrap_test=1
 * a lap is 1024 steps, so a test reader stalled (interrupted, its vCPU
 * descheduled) between the load and the store while other CPUs advance
 * 512 times is outside the argument.
 *
 * Wrap.  Sequences are unsigned long and compared by signed difference.
 * smr_advance() keeps wr_seq - rd_seq below a quarter of the space by
 * waiting for readers when it gets that far (advance_wait in debugfs),
 * and a goal found more than two steps ahead of wr_seq must have been
 * held across a wrap: it expired long ago and polls as reached.
 */

/*
 * smr_abi_<hash>: the layout of smr.h this smr.ko was built with.  Every
 * module that includes smr.h references it (smr.h, "Layout check").
 */
const int SMR_ABI_SYMBOL = 1;
EXPORT_SYMBOL_GPL(SMR_ABI_SYMBOL);

static bool wrap_test;
module_param(wrap_test, bool, 0444);
MODULE_PARM_DESC(wrap_test,
		 "Start clocks just before the wrap with a huge step (testing)");

#define SMR_LAZY_GRACE		2	/* clock steps between a lazy goal and now */
#define SMR_DEFERRED_DEFAULT	8	/* SMR_DEFERRED without an explicit limit */
#define SMR_FLAGS_VALID		(SMR_LAZY | SMR_DEFERRED | SMR_SLEEPABLE | \
				 (SMR_DEFERRED_MAX << SMR_DEFERRED_SHIFT))

struct smr_clock_params smr_clock_params __read_mostly;

static struct workqueue_struct *smr_wq;

/*
 * Layout.  smr_enter() and smr_leave() touch one line of struct smr_pcpu,
 * which only the owning CPU writes and pollers read; this CPU's writer-side
 * bookkeeping lives on the next line.  In struct smr, the clock, which
 * writers on every CPU write, comes last on a line of its own, so that it
 * shares nothing with the read-mostly fields every reader loads.  (On
 * uniprocessor kernels nothing is padded: there is no one to share with.)
 */
static_assert(offsetofend(struct smr_pcpu, nest) <= SMP_CACHE_BYTES);
static_assert(offsetof(struct smr, clock) >= offsetofend(struct smr, flags));
#ifdef CONFIG_SMP
static_assert(offsetof(struct smr_pcpu, deferred) >= SMP_CACHE_BYTES);
static_assert(offsetof(struct smr, clock) % SMP_CACHE_BYTES == 0);
static_assert(sizeof(struct smr) % SMP_CACHE_BYTES == 0);
static_assert(offsetof(struct smr_pcpu, sl_locks) >=
	      offsetofend(struct smr_pcpu, stats));
/* The sleepable grace periods, written per period, off the clock's lines. */
static_assert(offsetof(struct smr, sleep) % SMP_CACHE_BYTES == 0);
static_assert(offsetof(struct smr, sleep) >=
	      offsetofend(struct smr, cache_pending_bytes));
/*
 * Footprint: per CPU, a domain costs its struct smr_pcpu, four lines, and
 * once it queued a callback its callback queues too (smr_call.c).
 */
#if SMP_CACHE_BYTES == 64
static_assert(sizeof(struct smr_pcpu) <= SMR_PCPU_BUDGET);
#endif
/* wr_seq, which every reader loads, is written only when the clock steps. */
static_assert(offsetof(struct smr, clock.wr_seq) % SMP_CACHE_BYTES == 0);
static_assert(offsetof(struct smr, clock.rd_seq) >=
	      offsetof(struct smr, clock.wr_seq) + SMP_CACHE_BYTES);
static_assert(offsetof(struct smr, call_pending_objs) >=
	      offsetofend(struct smr, lazy_lock));
static_assert(offsetof(struct smr, call_pending_objs) % SMP_CACHE_BYTES == 0);
#endif

static void smr_clock_params_init(bool wrap)
{
	struct smr_clock_params *p = &smr_clock_params;

	if (!wrap) {
		p->inc = SMR_SEQ_INC;
		p->init = SMR_SEQ_INIT;
		p->max_delta = ULONG_MAX / 4;
		p->max_advance = p->max_delta - 1024 * p->inc;
		return;
	}
	/*
	 * 1024 steps per trip around the space, starting 64 steps before
	 * the wrap; the guard allows 32 steps between the hands.  The step
	 * is a multiple of 4 so that every sequence stays 2 mod 4.
	 */
	p->inc = 1UL << (BITS_PER_LONG - 10);
	p->init = SMR_SEQ_INIT - 64 * p->inc;
	p->max_delta = 32 * p->inc;
	p->max_advance = 16 * p->inc;
}

/**
 * smr_stat_add() - count @n events on this CPU
 * @smr: the domain
 * @stat: the counter
 * @n: how many
 *
 * A per-cpu counter (below SMR_STAT_PCPU_NR) is bumped on this CPU; any
 * other goes to the domain-wide array.  The callback queues count their
 * own per-cpu share of SMR_STAT_CALL_* (smr_call.c); what reaches here of
 * those was counted before the queues existed.
 */
void smr_stat_add(struct smr *smr, enum smr_stat stat, unsigned long n)
{
	/*
	 * Counters are bumped from NMI too (misuse in an NMI section).
	 * this_cpu_add() is NMI-safe where the architecture says so (x86:
	 * one instruction; arm64: an atomic), as are atomics; elsewhere it
	 * may be a read-modify-write with interrupts off that an NMI would
	 * tear, so an NMI counts nothing there.
	 */
	if (!IS_ENABLED(CONFIG_ARCH_HAVE_NMI_SAFE_CMPXCHG) && in_nmi())
		return;
	if (stat < SMR_STAT_PCPU_NR)
		this_cpu_add(smr->pcpu->stats[stat], n);
	else
		atomic_long_add(n, &smr->stats[stat - SMR_STAT_PCPU_NR]);
}

/**
 * smr_stat_inc() - count one event on this CPU
 * @smr: the domain
 * @stat: the counter
 */
void smr_stat_inc(struct smr *smr, enum smr_stat stat)
{
	smr_stat_add(smr, stat, 1);
}

/**
 * smr_stat_sum() - one event counter of a domain, all CPUs together
 * @smr: the domain
 * @stat: the counter
 *
 * For debugfs and tests; the sum is not a snapshot.
 *
 * Return: the sum.
 */
unsigned long smr_stat_sum(struct smr *smr, enum smr_stat stat)
{
	unsigned long sum = 0;
	int cpu;

	if (stat >= SMR_STAT_NR)
		return 0;
	if (stat < SMR_STAT_PCPU_NR) {
		for_each_possible_cpu(cpu) {
			struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);

			/* Sleepable sections count themselves, in sl_locks. */
			if (stat == SMR_STAT_SLEEPABLE)
				sum += READ_ONCE(pcpu->sl_locks[0]) +
				       READ_ONCE(pcpu->sl_locks[1]);
			else
				sum += READ_ONCE(pcpu->stats[stat]);
		}
		return sum;
	}
	sum = atomic_long_read(&smr->stats[stat - SMR_STAT_PCPU_NR]);
	if (stat < SMR_STAT_CALL_END)
		sum += smr_call_stat_sum(smr, stat);
	return sum;
}
EXPORT_SYMBOL_GPL(smr_stat_sum);

/**
 * smr_domain_pcpu_bytes() - the per-cpu memory a domain uses now
 * @smr: the domain
 *
 * Measured from what is allocated for @smr: its struct smr_pcpu, and its
 * callback queues once the first smr_call() or smr_kfree() created them.
 * Per possible CPU; struct smr itself, debugfs and the caches' own
 * per-cpu state are not counted.
 *
 * Return: bytes per CPU.
 */
size_t smr_domain_pcpu_bytes(struct smr *smr)
{
	if (smr_null(smr))
		return 0;
	return sizeof(*smr->pcpu) + smr_call_pcpu_bytes(smr);
}
EXPORT_SYMBOL_GPL(smr_domain_pcpu_bytes);

static inline bool smr_seq_valid(unsigned long seq)
{
	return (seq & 3) == (SMR_SEQ_INIT & 3);
}

/**
 * smr_misuse() - count one misuse of @smr in its misuse statistic
 * @smr: the domain
 *
 * Context: any context, NMI included (see smr_stat_inc()).
 */
void smr_misuse(struct smr *smr)
{
	smr_stat_inc(smr, SMR_STAT_MISUSE);
}

/*
 * One ratelimit for every domain: per-domain state would change the
 * layout of struct smr, which is the consumers' ABI.  Five warnings a
 * minute keep a loop that misuses a domain from flooding the log; the
 * price is that one domain's flood can hide another's warnings for that
 * minute -- its misuse counter still counts every one of them.
 */
static DEFINE_RATELIMIT_STATE(smr_misuse_ratelimit, 60 * HZ, 5);

/**
 * __smr_warn_misuse() - report and count a misuse of a domain
 * @smr: the domain
 * @what: what was done wrong, for the message
 *
 * For checks shared by many call sites (smr.h's accessor macros), where a
 * WARN_ONCE() would be once for all of them: every call counts in the
 * domain's misuse statistic, and warns "smr: <domain>: misuse: <what>"
 * with a backtrace, but at most five times a minute over all domains (a
 * global ratelimit, see above).  A NULL @smr warns once, without a name
 * or a count.
 *
 * Context: any context, NMI included.
 */
void __smr_warn_misuse(struct smr *smr, const char *what)
{
	if (smr_null(smr))
		return;
	smr_misuse(smr);
	if (__ratelimit(&smr_misuse_ratelimit))
		WARN(1, "smr: %s: misuse: %s\n", smr->name, what);
}
EXPORT_SYMBOL_GPL(__smr_warn_misuse);

/* ---- Reader slow paths ------------------------------------------------ */

static void smr_warn_lazy_fenced(struct smr *smr)
{
	WARN_ONCE(1, "smr: %s: smr_lazy_enter() on a domain that is not lazy\n",
		  smr->name);
	smr_misuse(smr);
}

/**
 * __smr_enter_slow() - smr_enter() when the fast path does not apply
 * @smr: the domain
 * @pcpu: this CPU's state, preemption disabled
 * @ctx: the context level
 *
 * Either this context re-entered a section (a bug: keep the outer, older
 * sequence and nest, so the outer smr_leave() ends the section), or the
 * slot's idle value is not the caller's (see SMR_SLOT_LAZY in smr.h):
 * smr_lazy_enter() on a domain that is not lazy (a bug: enter with the
 * fence, which is always safe), smr_lazy_enter() on a lazy domain after a
 * section that smr_enter() entered there, or smr_enter() on a lazy domain.
 * The fast path of smr_lazy_enter() checks nothing else: this is where a
 * lazy entry learns that the domain is not lazy.
 */
void __smr_enter_slow(struct smr *smr, struct smr_pcpu *pcpu, unsigned int ctx)
{
	unsigned long slot = READ_ONCE(pcpu->rd_seq[ctx]);

	if (smr_slot_seq(slot) != SMR_SEQ_INVALID) {
		WARN_ONCE(1, "smr: %s: section entered twice\n", smr->name);
		smr_misuse(smr);
		pcpu->nest[ctx]++;
		return;
	}
	if (slot == SMR_SEQ_INVALID && (smr->flags & SMR_LAZY)) {
		/* smr_lazy_enter() after smr_enter(): as its fast path. */
		WRITE_ONCE(pcpu->rd_seq[ctx],
			   atomic_long_read(&smr->clock.wr_seq) | SMR_SLOT_LAZY);
		return;
	}
	/* SMR_SLOT_LAZY: smr_enter() on a lazy domain, which is fine. */
	if (slot == SMR_SEQ_INVALID)
		smr_warn_lazy_fenced(smr);
	/* R1: as in __smr_enter(); pairs with S2 in smr_scan(). */
	smp_store_mb(pcpu->rd_seq[ctx], atomic_long_read(&smr->clock.wr_seq));
}
EXPORT_SYMBOL_GPL(__smr_enter_slow);

/**
 * __smr_leave_slow() - smr_leave() when the fast path does not apply
 * @smr: the domain
 * @pcpu: this CPU's state
 * @ctx: the context level
 *
 * Return: true if the caller must re-enable preemption (the leave matched
 * a nested enter), false if the leave had no matching enter (a bug that
 * is reported and ignored).
 */
bool __smr_leave_slow(struct smr *smr, struct smr_pcpu *pcpu, unsigned int ctx)
{
	if (pcpu->nest[ctx]) {
		pcpu->nest[ctx]--;
		smr_lock_release(smr);
		return true;
	}
	WARN_ONCE(1, "smr: %s: smr_leave() without smr_enter()\n", smr->name);
	smr_misuse(smr);
	return false;
}
EXPORT_SYMBOL_GPL(__smr_leave_slow);

/* ---- Clock ------------------------------------------------------------ */

/*
 * Lazy evidence.  A step of the lazy clock to value v is recorded with a
 * new RCU grace period; once that grace period has ended, v is lazy_done.
 * Lazy readers run with preemption disabled, so each is an RCU-sched
 * reader, and the grace period ends only after every CPU -- idle,
 * tickless or busy -- has passed a quiescent state.  See the DOC above.
 */
static void smr_lazy_record(struct smr *smr, unsigned long wr)
{
	struct smr_clock *clk = &smr->clock;
	unsigned int i;
	/*
	 * E1: the grace period counted from here starts after this CPU
	 * wrote the step to @wr (program order, and both under lazy_lock;
	 * get_state_synchronize_rcu() has a full barrier).  A writer that
	 * read the clock before the step (lazy W) is from-read-before it, so
	 * its unpublishing stores precede the grace period.  The cookie only
	 * observes; smr_lazy_start_gp() makes sure a grace period runs.
	 */
	unsigned long cookie = get_state_synchronize_rcu();

	if (clk->lazy_nr == SMR_LAZY_STEPS) {
		/* Merge into the newest: a later grace period is as good. */
		i = (clk->lazy_first + SMR_LAZY_STEPS - 1) % SMR_LAZY_STEPS;
	} else {
		i = (clk->lazy_first + clk->lazy_nr) % SMR_LAZY_STEPS;
		clk->lazy_nr++;
	}
	clk->lazy_step[i] = wr;
	clk->lazy_cookie[i] = cookie;
}

/* Under lazy_lock: retire the recorded steps whose grace period ended. */
static void smr_lazy_reap(struct smr *smr)
{
	struct smr_clock *clk = &smr->clock;
	unsigned int i;

	while (clk->lazy_nr) {
		i = clk->lazy_first;
		if (!poll_state_synchronize_rcu(clk->lazy_cookie[i]))
			break;
		/*
		 * E2: poll_state_synchronize_rcu() returned true with a full
		 * barrier after the grace period; release it to pollers.
		 * Pairs with E3 in smr_scan().
		 */
		atomic_long_set_release(&clk->lazy_done, clk->lazy_step[i]);
		clk->lazy_first = (i + 1) % SMR_LAZY_STEPS;
		clk->lazy_nr--;
	}
}

/* Could smr_lazy_reap() retire a step?  A lockless hint. */
static bool smr_lazy_reapable(struct smr *smr)
{
	struct smr_clock *clk = &smr->clock;

	return READ_ONCE(clk->lazy_nr) &&
	       poll_state_synchronize_rcu(READ_ONCE(clk->lazy_cookie[READ_ONCE(clk->lazy_first)]));
}

/*
 * Make sure RCU runs a grace period for the recorded steps: outside
 * lazy_lock, and only with interrupts on (start_poll_synchronize_rcu()
 * insists).  A caller with interrupts off leaves it to the next poll or
 * tick that has them on; the clock's busy hook keeps a tick running while
 * steps are pending.
 */
static void smr_lazy_start_gp(struct smr *smr)
{
	if (READ_ONCE(smr->clock.lazy_nr) && !irqs_disabled())
		start_poll_synchronize_rcu();
}

/*
 * Bring a lazy clock up to date with jiffies: one step per jiffy elapsed,
 * at most SMR_LAZY_GRACE at once after an idle period, and never past the
 * wrap guard; record each step for the evidence and retire the steps
 * whose grace period has ended.  Jiffies only pace the clock: no expiry
 * rests on them.
 */
static void smr_lazy_tick(struct smr *smr)
{
	struct smr_clock *clk = &smr->clock;
	unsigned long now = jiffies, flags, wr, rd, steps;
	long elapsed;

	/* Pairs with the smp_store_release() below. */
	if (smp_load_acquire(&clk->lazy_jiffies) == now &&
	    !smr_lazy_reapable(smr))
		return;

	raw_spin_lock_irqsave(&smr->lazy_lock, flags);
	smr_lazy_reap(smr);
	elapsed = (long)(now - clk->lazy_jiffies);
	if (elapsed > 0) {
		steps = min_t(unsigned long, elapsed, SMR_LAZY_GRACE);
		wr = atomic_long_read(&clk->wr_seq) + steps * smr_clock_params.inc;
		rd = atomic_long_read(&clk->rd_seq);
		if (SMR_SEQ_DELTA(wr, rd) < (long)smr_clock_params.max_delta) {
			atomic_long_set(&clk->wr_seq, wr);
			smr_lazy_record(smr, wr);
			smr_stat_inc(smr, SMR_STAT_LAZY_TICK);
		}
		/*
		 * Publish the new wr_seq before the jiffies stamp, so that a
		 * caller that sees the stamp current reads a current clock.
		 */
		smp_store_release(&clk->lazy_jiffies, now);
	}
	raw_spin_unlock_irqrestore(&smr->lazy_lock, flags);
	smr_lazy_start_gp(smr);
}

/* How a poll may wait; see __smr_poll(). */
enum smr_poll_mode {
	SMR_POLL_NOW,		/* never wait, never commit */
	SMR_POLL_COMMIT,	/* commit a deferred goal, do not wait */
	SMR_POLL_SPIN,		/* commit, and spin on the slots holding the goal */
};

/* Who holds a goal that a poll found unmet (__smr_poll()'s *@held). */
#define SMR_HELD_SELF		BIT(0)	/* a section the caller cannot wait for */
#define SMR_HELD_OTHERS		BIT(1)	/* any other reader */

static bool __smr_poll(struct smr *smr, unsigned long goal,
		       enum smr_poll_mode mode, unsigned int *held);

/* Would a clock step to @next keep the hands within the wrap guard? */
static bool smr_guard_allows(struct smr *smr, unsigned long next)
{
	return SMR_SEQ_DELTA(next, atomic_long_read(&smr->clock.rd_seq)) <
	       (long)smr_clock_params.max_delta;
}

/*
 * The clock is about to run a quarter lap ahead of rd_seq: push rd_seq
 * forward by spinning on the slots that hold it back (readers of slots
 * do not sleep).  True if the step to @next is then allowed; false when
 * a section the caller interrupted, its own, or a sleepable reader (not
 * waited for here: this may be any context) holds rd_seq back.
 */
static bool smr_guard_wait(struct smr *smr, unsigned long next)
{
	const struct smr_clock_params *p = &smr_clock_params;

	smr_stat_inc(smr, SMR_STAT_ADVANCE_WAIT);
	__smr_poll(smr, next - p->max_advance, SMR_POLL_SPIN, NULL);
	return smr_guard_allows(smr, next);
}

static unsigned long smr_default_advance(struct smr *smr)
{
	const struct smr_clock_params *p = &smr_clock_params;
	unsigned long next = atomic_long_read(&smr->clock.wr_seq) + p->inc;
	unsigned long goal;

	if (unlikely(!smr_guard_allows(smr, next)) &&
	    !smr_guard_wait(smr, next)) {
		/*
		 * The step would break the guard: hand out the next step as
		 * a deferred goal instead, which is as safe; it is committed
		 * once the readers holding rd_seq back have left.
		 */
		smr_stat_inc(smr, SMR_STAT_ADVANCE_HELD);
		return smr_deferred_advance(smr);
	}
	/*
	 * W: fully ordered; the caller's stores are visible before the new
	 * wr_seq.  Pairs with R1 (readers that load the new value) and S2.
	 */
	goal = atomic_long_add_return(p->inc, &smr->clock.wr_seq);
	smr_stat_inc(smr, SMR_STAT_ADVANCE);
	trace_smr_advance(smr->name, goal);
	return goal;
}

static unsigned long smr_lazy_advance(struct smr *smr)
{
	unsigned long goal;

	smr_lazy_tick(smr);
	/*
	 * Lazy W: the caller's stores before the clock read, as in
	 * smr_default_advance(); lazy readers are covered by E1-E3.
	 */
	smp_mb();
	goal = atomic_long_read(&smr->clock.wr_seq) +
	       SMR_LAZY_GRACE * smr_clock_params.inc;
	smr_stat_inc(smr, SMR_STAT_ADVANCE);
	trace_smr_advance(smr->name, goal);
	return goal;
}

/**
 * smr_current() - the current value of the write hand
 * @smr: the domain
 *
 * A goal equal to it covers only the readers that entered before the
 * clock last stepped: a reader that entered since holds this very value
 * and does not keep the goal from being reached.  So it is no goal for
 * freeing what the caller just unpublished -- take one from smr_advance()
 * for that.  Use it to compare against goals, or to wait for the readers
 * of an earlier step.
 *
 * Return: wr_seq.
 */
unsigned long smr_current(struct smr *smr)
{
	if (smr_null(smr))
		return SMR_SEQ_INIT;
	return atomic_long_read(&smr->clock.wr_seq);
}
EXPORT_SYMBOL_GPL(smr_current);

/**
 * smr_deferred_advance() - take a goal without moving the clock
 * @smr: the domain
 *
 * Return: the goal the next step of the clock will reach.  Stores before
 * the call are covered by it.  The clock moves when someone calls
 * smr_deferred_advance_commit() with it, smr_advance(), or smr_wait().
 * smr_poll() alone never reaches an uncommitted goal.  On SMR_LAZY
 * domains, whose clock follows time, this is smr_advance(): a lazy goal.
 *
 * Context: any context except NMI.
 */
unsigned long smr_deferred_advance(struct smr *smr)
{
	unsigned long goal;

	if (smr_null(smr))
		return SMR_SEQ_INIT;
	if (smr->flags & SMR_LAZY)
		return smr_lazy_advance(smr);
	smr_stat_inc(smr, SMR_STAT_DEFERRED);
	/*
	 * D: the caller's stores are visible before whichever increment
	 * makes wr_seq reach the returned goal (an increment that reads the
	 * value we read here, or a later one).  Pairs with R1 and S2.
	 */
	smp_mb();
	goal = atomic_long_read(&smr->clock.wr_seq) + smr_clock_params.inc;
	trace_smr_advance(smr->name, goal);
	return goal;
}
EXPORT_SYMBOL_GPL(smr_deferred_advance);

/*
 * Move wr_seq to @goal if it is exactly one step behind it and the step
 * keeps the wrap guard; return wr_seq.  Never on lazy domains.
 */
static unsigned long smr_commit(struct smr *smr, unsigned long goal)
{
	unsigned long wr = atomic_long_read(&smr->clock.wr_seq);

	/*
	 * Fully ordered like W.  Only the very next step: a goal that is
	 * not one step ahead of the clock is reached already -- or, read
	 * after a long delay, from a lap long past, and moving the clock to
	 * it would move it back.  On failure someone else stepped the clock
	 * from goal - inc, which reaches the goal just as well.
	 */
	if (goal == wr + smr_clock_params.inc && smr_guard_allows(smr, goal) &&
	    atomic_long_try_cmpxchg(&smr->clock.wr_seq, &wr, goal)) {
		smr_stat_inc(smr, SMR_STAT_ADVANCE);
		return goal;
	}
	return wr;
}

/**
 * smr_deferred_advance_commit() - make the clock reach a deferred goal
 * @smr: the domain
 * @goal: a goal returned by smr_deferred_advance()
 *
 * Does nothing on SMR_LAZY domains (their clock follows time) and for a
 * goal the clock has reached already.  A commit that would take the
 * clock a quarter lap ahead of its readers is put off until they leave
 * (the next commit or wait does it).
 *
 * Context: any context except NMI.
 */
void smr_deferred_advance_commit(struct smr *smr, unsigned long goal)
{
	if (smr_null(smr) ||
	    smr_misuse_once(!smr_seq_valid(goal), smr,
			    "%s() of %#lx, not a goal; ignored", __func__,
			    goal))
		return;
	if (smr->flags & SMR_LAZY)
		return;
	smr_commit(smr, goal);
}
EXPORT_SYMBOL_GPL(smr_deferred_advance_commit);

/**
 * smr_advance() - step the write hand and return a goal
 * @smr: the domain
 *
 * Everything the caller stored before this call (typically unpublishing
 * an object) is seen by every reader whose section starts after the
 * returned goal is reached; once smr_poll() returns true for the goal, no
 * reader can still hold what was unpublished.
 *
 * Lazy domains return a goal two clock steps in the future without a
 * shared write (reached once the clock has stepped and an RCU grace
 * period has followed); SMR_DEFERRED domains step the shared clock only
 * every Nth call on a CPU and otherwise behave as smr_deferred_advance().
 *
 * When the write hand gets a quarter of the sequence space ahead of the
 * read hand (never in practice with 64-bit sequences, within seconds with
 * wrap_test) it first spins for the readers in slots holding it back;
 * if that cannot help (the caller's own section, one it interrupted, or
 * a sleepable reader holds it) it returns the next step as a deferred
 * goal without taking it (advance_held in debugfs).
 *
 * Context: any context except NMI.  Allowed inside a section.
 * Return: the goal.
 */
unsigned long smr_advance(struct smr *smr)
{
	struct smr_pcpu *pcpu;
	bool defer;

	if (smr_null(smr))
		return SMR_SEQ_INIT;
	if (smr->flags & SMR_LAZY)
		return smr_lazy_advance(smr);
	if (smr->flags & SMR_DEFERRED) {
		pcpu = get_cpu_ptr(smr->pcpu);
		defer = ++pcpu->deferred < smr->deferred_limit;
		if (!defer)
			pcpu->deferred = 0;
		put_cpu_ptr(smr->pcpu);
		if (defer)
			return smr_deferred_advance(smr);
	}
	return smr_default_advance(smr);
}
EXPORT_SYMBOL_GPL(smr_advance);

/* ---- Poll and wait ---------------------------------------------------- */

/*
 * Fold one reader slot into @st->min and return the sequence it holds
 * (SMR_SEQ_INVALID: idle).  When @st->wait, spin until the slot is idle
 * or reaches the goal -- except for a slot of this CPU at or below the
 * caller's own context level: the caller's own section, or one it
 * interrupted, cannot leave while we spin.  Such a slot is never taken as
 * gone (that would let rd_seq pass a live reader); the scan reports it in
 * @st->self_blocked instead, and every other holder in @st->others.
 */
static unsigned long smr_scan_slot(struct smr_pcpu *pcpu, unsigned int ctx,
				   bool self, struct smr_scan *st)
{
	unsigned long seq;
	bool mine = self && ctx <= interrupt_context_level();

	for (;;) {
		/* S3: pairs with R2 in smr_leave(). */
		seq = smr_slot_seq(smp_load_acquire(&pcpu->rd_seq[ctx]));
		if (seq == SMR_SEQ_INVALID)
			return seq;
		seq = smr_scan_clamp(st, seq);
		if (SMR_SEQ_LEQ(st->goal, seq) || !st->wait || mine)
			break;
		cpu_relax();
	}
	if (SMR_SEQ_LT(seq, st->goal)) {
		if (mine)
			st->self_blocked = true;
		else
			st->others = true;
	}
	st->min = smr_seq_min(st->min, seq);
	return seq;
}

/*
 * E3: on lazy domains rd_seq may not pass the evidence: a goal is reached
 * only one step after a lazy_done, i.e. once a grace period followed the
 * step after the goal was handed out.  Pairs with E2 in smr_lazy_reap().
 */
static void smr_scan_cap_lazy(struct smr *smr, struct smr_scan *st)
{
	unsigned long done = atomic_long_read_acquire(&smr->clock.lazy_done);

	st->min = smr_seq_min(st->min, done + smr_clock_params.inc);
}

/* Fold one CPU's slots into @st (sleepable readers: smr_sleepers_scan()). */
static void smr_scan_cpu(struct smr *smr, struct smr_scan *st, int cpu,
			 bool self)
{
	struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);
	unsigned long seq;
	unsigned int ctx;

	for (ctx = 0; ctx < SMR_CTX_NR; ctx++) {
		seq = smr_scan_slot(pcpu, ctx, self, st);
		if (seq != SMR_SEQ_INVALID && SMR_SEQ_LT(seq, st->goal))
			smr_stall_report_remote(smr, cpu, ctx, seq);
	}
}

/*
 * Scan the slots of every CPU that can hold a reader for the oldest
 * sequence still held and move rd_seq up to it.  Those CPUs are
 * smr_reader_cpus (smr_tick.c): a CPU is in it from before it can run
 * anything until it is dead with idle slots and lists, so the scan costs
 * in proportion to them, not to nr_cpu_ids, and a CPU coming online
 * cannot be missed (O1).  A slot found holding the goal back may be a
 * stalled reader: smr_tick.c times it.  Returns the new rd_seq.
 * Preemption is disabled by the caller.
 */
static unsigned long smr_scan(struct smr *smr, struct smr_scan *st)
{
	const unsigned long *mask = cpumask_bits(&smr_reader_cpus);
	unsigned long rd, bits;
	int self = smp_processor_id();
	unsigned int i, bit;

	smr_stat_inc(smr, SMR_STAT_POLL_SCAN);
	/* S2: pairs with R1 in smr_enter() and O1 in smr_cpu_prepare(). */
	smp_mb();
	for (i = 0; i < BITS_TO_LONGS(nr_cpu_ids); i++) {
		/* S4: pairs with O2 in smr_cpu_dead(). */
		bits = smp_load_acquire(&mask[i]);
		for_each_set_bit(bit, &bits, BITS_PER_LONG) {
			int cpu = i * BITS_PER_LONG + bit;

			smr_scan_cpu(smr, st, cpu, cpu == self);
		}
	}
	/*
	 * After S2, as the slots: the sleepable readers' grace periods.  The
	 * acquire pairs with smr_sleepable_convert()'s smp_wmb().
	 */
	if (smp_load_acquire(&smr->flags) & SMR_SLEEPABLE)
		smr_sleepers_scan(smr, st);
	if (smr->flags & SMR_LAZY)
		smr_scan_cap_lazy(smr, st);

	rd = atomic_long_read(&smr->clock.rd_seq);
	/*
	 * Only forward, and never past wr_seq: after a long delay (a lap of
	 * the wrap_test clock) a stale minimum may look ahead of rd_seq.
	 */
	st->wr = atomic_long_read(&smr->clock.wr_seq);
	if (SMR_SEQ_GT(st->min, st->wr))
		return rd;
	/* Release: pairs with S1 in __smr_poll(). */
	while (SMR_SEQ_GT(st->min, rd) &&
	       !atomic_long_try_cmpxchg_release(&smr->clock.rd_seq, &rd, st->min))
		;
	return smr_seq_max(st->min, rd);
}

/*
 * A goal ahead of wr_seq: up to two steps ahead it is deferred or lazy,
 * and not yet due; further ahead it was held across a wrap and expired
 * long ago.  Commit a deferred goal when @mode allows.  Returns true
 * if the poll is answered without a scan (*@met says how), false if the
 * caller must scan up to *@wr.
 */
static bool smr_poll_ahead(struct smr *smr, unsigned long goal,
			   enum smr_poll_mode mode, unsigned long *wr,
			   bool *met)
{
	long delta = SMR_SEQ_DELTA(goal, *wr);

	if (delta <= 0)
		return false;
	*met = delta > (long)(SMR_LAZY_GRACE * smr_clock_params.inc);
	if (*met || mode == SMR_POLL_NOW || (smr->flags & SMR_LAZY))
		return true;
	if (delta != (long)smr_clock_params.inc) {
		/* Two steps ahead of a stepwise clock: a lap long past. */
		*met = true;
		return true;
	}
	/*
	 * When the wrap guard refuses the commit, the caller's scan cannot
	 * reach the goal but moves rd_seq, so that a later commit succeeds.
	 */
	*wr = smr_commit(smr, goal);
	return false;
}

/*
 * The body of smr_poll() and the waits.  Preemption stays disabled so
 * that a poller cannot sleep across a wrap of the clock (ABA).  On
 * failure *@held says who holds the goal: SMR_HELD_SELF when a section
 * the caller cannot wait for does (see smr_scan_slot()), SMR_HELD_OTHERS
 * when anything else does (a reader, the clock, the lazy evidence).
 */
static bool __smr_poll(struct smr *smr, unsigned long goal,
		       enum smr_poll_mode mode, unsigned int *held)
{
	struct smr_scan st = { .wait = mode == SMR_POLL_SPIN };
	unsigned long rd, wr = 0;
	bool met = true, scanned = false;

	if (smr_misuse_once(!smr_seq_valid(goal), smr,
			    "poll for %#lx, not a goal; polled as the current clock",
			    goal))
		goal = atomic_long_read(&smr->clock.wr_seq);

	preempt_disable();
	smr_stat_inc(smr, SMR_STAT_POLL);
	if (smr->flags & SMR_LAZY)
		smr_lazy_tick(smr);

	/* S1: pairs with the release cmpxchg in smr_scan(). */
	rd = atomic_long_read_acquire(&smr->clock.rd_seq);
	if (SMR_SEQ_LEQ(goal, rd))
		goto out;

	/* Read wr_seq after rd_seq: wr_seq is then not behind rd_seq. */
	wr = atomic_long_read_acquire(&smr->clock.wr_seq);
	if (smr_poll_ahead(smr, goal, mode, &wr, &met)) {
		st.others = !met;
		goto out;
	}

	st.clock = &smr->clock;
	st.goal = goal;
	st.rd = rd;
	st.wr = wr;
	st.min = wr;
	rd = smr_scan(smr, &st);
	met = SMR_SEQ_LEQ(goal, rd);
	/* Not held by a reader: by the lazy evidence, or the clock. */
	if (!met && !st.self_blocked)
		st.others = true;
	scanned = true;
out:
	if (!met)
		smr_stat_inc(smr, SMR_STAT_POLL_FAIL);
	trace_smr_poll(smr->name, goal, rd, wr, scanned, met);
	preempt_enable();
	if (held)
		*held = met ? 0 : (st.self_blocked ? SMR_HELD_SELF : 0) |
				  (st.others ? SMR_HELD_OTHERS : 0);
	return met;
}

/**
 * smr_poll() - has every reader observed @goal?
 * @smr: the domain
 * @goal: a goal from smr_advance() or smr_deferred_advance()
 *
 * Never blocks.  Usually answers from rd_seq alone; otherwise scans the
 * slots of every CPU that can hold a reader once (the online CPUs, see
 * smr_reader_cpus in smr_tick.c) and moves rd_seq forward.  Goals held
 * for so long that the clock wrapped past them poll as reached.
 *
 * Context: any context except NMI, including inside a section (a section
 * of the caller keeps the goal from being reached).
 * Return: true if memory unpublished before @goal was handed out may be
 * reused.
 */
bool smr_poll(struct smr *smr, unsigned long goal)
{
	if (smr_null(smr))
		return false;
	return __smr_poll(smr, goal, SMR_POLL_NOW, NULL);
}
EXPORT_SYMBOL_GPL(smr_poll);

/* A wait that cannot be met was called where it must not be: say so. */
static void smr_wait_self_blocked(struct smr *smr, const char *what)
{
	WARN_ONCE(1, "smr: %s: %s held by the caller's own section\n",
		  smr->name, what);
	smr_misuse(smr);
}

/* Can the caller sleep?  Without preempt counts we cannot tell: assume so. */
static bool smr_may_sleep(void)
{
	return !IS_ENABLED(CONFIG_PREEMPT_COUNT) || preemptible();
}

/* Spin until @goal is met or held only by the caller's own section. */
static bool smr_wait_spin(struct smr *smr, unsigned long goal)
{
	unsigned int held;
	bool met;

	trace_smr_wait_start(smr->name, goal);
	while (!(met = __smr_poll(smr, goal, SMR_POLL_SPIN, &held))) {
		if (held == SMR_HELD_SELF) {
			if (!smr_entered(smr))
				smr_wait_self_blocked(smr, "wait in an interrupt");
			break;
		}
		cpu_relax();
	}
	trace_smr_wait_end(smr->name, goal);
	return met;
}

/**
 * smr_wait_goal() - smr_wait() that says whether the goal was met
 * @smr: the domain
 * @goal: the goal
 *
 * Return: true once smr_poll(@smr, @goal) is true; false when the goal is
 * held by a section that cannot leave while the caller waits (its own, or
 * one it interrupted), or on a lazy or sleepable domain from a context
 * that cannot sleep: the caller must then keep the memory.
 */
bool smr_wait_goal(struct smr *smr, unsigned long goal)
{
	smr_stat_inc(smr, SMR_STAT_WAIT);
	if (!(smr->flags & (SMR_SLEEPABLE | SMR_LAZY)))
		return smr_wait_spin(smr, goal);
	if (!smr_entered(smr) && smr_may_sleep())
		return smr_synchronize_goal(smr, goal);
	/* Sleepable readers may sleep, lazy goals need this CPU's QS. */
	if (smr_poll(smr, goal))
		return true;
	if (!smr_entered(smr)) {
		WARN_ONCE(1, "smr: %s: wait on a lazy or sleepable domain from a context that cannot sleep\n",
			  smr->name);
		smr_misuse(smr);
	}
	return false;
}

/**
 * smr_wait() - wait until every reader has observed @goal
 * @smr: the domain
 * @goal: a goal from smr_advance() or smr_deferred_advance()
 *
 * Busy-waits for the readers that hold an older sequence to leave (they
 * are non-preemptible, so this is short) and commits deferred goals.
 * Waiting inside a section of @smr would wait for itself: it warns, and
 * returns once every other reader has observed the goal, the goal still
 * unmet; the same for a wait from an interrupt that arrived during a
 * section holding the goal.  On SMR_SLEEPABLE domains readers may be
 * asleep, and on SMR_LAZY domains goals are reached only after an RCU
 * grace period, which cannot end while the caller spins: there it sleeps
 * between polls instead, as smr_synchronize() does; inside a section, or
 * from a context that cannot sleep, it polls once and returns (from a
 * context that cannot sleep it also warns if that poll finds the goal
 * unmet).
 *
 * Context: task or softirq context, preemption may be disabled; task
 * context on SMR_SLEEPABLE and SMR_LAZY domains.
 */
void smr_wait(struct smr *smr, unsigned long goal)
{
	if (smr_null(smr))
		return;
	if (WARN_ONCE(smr_entered(smr), "smr: %s: wait inside a section\n",
		      smr->name))
		smr_misuse(smr);
	smr_wait_goal(smr, goal);
}
EXPORT_SYMBOL_GPL(smr_wait);

/* Polls spun on before smr_synchronize_goal() sleeps between polls. */
#define SMR_SYNC_SPIN_POLLS	100

/**
 * smr_synchronize_goal() - wait for @goal, sleeping when it takes long
 * @smr: the domain
 * @goal: the goal
 *
 * Polls without waiting on the slots: first SMR_SYNC_SPIN_POLLS times in
 * a row (a few microseconds: enough for the common case of readers that
 * are about to leave), then once a jiffy, sleeping in between, so that a
 * slow reader does not keep the caller on the CPU.  A goal held by the
 * caller's own sleepable section cannot be met: it warns, keeps waiting
 * until no other reader holds the goal, and gives up.
 *
 * Context: task context, may sleep; not inside a section of @smr.
 * Return: true once the goal is met; false when the caller's own
 * sleepable section holds it (a bug, warned): keep the memory then.
 */
bool smr_synchronize_goal(struct smr *smr, unsigned long goal)
{
	unsigned int held, polls = 0;
	bool met, warned = false;

	might_sleep();
	trace_smr_wait_start(smr->name, goal);
	while (!(met = __smr_poll(smr, goal, SMR_POLL_COMMIT, &held))) {
		if ((held & SMR_HELD_SELF) && !warned) {
			smr_wait_self_blocked(smr, "wait");
			warned = true;
		}
		if (held == SMR_HELD_SELF)
			break;
		if (++polls < SMR_SYNC_SPIN_POLLS)
			cpu_relax();
		else
			schedule_timeout_uninterruptible(1);
	}
	trace_smr_wait_end(smr->name, goal);
	return met;
}

/**
 * smr_poll_aged() - smr_poll() for a goal that has had time to age
 * @smr: the domain
 * @goal: a goal taken at least one tick ago
 *
 * On SMR_DEFERRED domains nobody may ever commit a goal handed out by a
 * deferred smr_advance(); callers that hold such a goal past a tick
 * (callback batches, smr_cache batches) commit it here before polling,
 * so that a quiet domain still makes progress.  Never blocks.
 *
 * Return: as smr_poll().
 */
bool smr_poll_aged(struct smr *smr, unsigned long goal)
{
	return __smr_poll(smr, goal, SMR_POLL_COMMIT, NULL);
}

/**
 * smr_synchronize() - wait until every current reader has left
 * @smr: the domain
 *
 * Advances the clock and waits for the goal: it spins briefly, then
 * sleeps between polls (see smr_synchronize_goal()).  Called inside a
 * section it warns and, instead of waiting for itself, waits for every
 * other reader without sleeping; called inside its own sleepable section
 * it warns and waits, sleeping, for every other reader.
 *
 * Context: task context, may sleep.
 */
void smr_synchronize(struct smr *smr)
{
	if (smr_null(smr))
		return;
	smr_stat_inc(smr, SMR_STAT_SYNCHRONIZE);
	if (WARN_ONCE(smr_entered(smr),
		      "smr: %s: synchronize inside a section\n", smr->name)) {
		smr_misuse(smr);
		__smr_poll(smr, smr_advance(smr), SMR_POLL_SPIN, NULL);
		return;
	}
	/* Inside its own sleepable section: warns and waits for the others. */
	smr_synchronize_goal(smr, smr_advance(smr));
}
EXPORT_SYMBOL_GPL(smr_synchronize);

/* ---- Tick and hotplug hooks (called by smr_tick.c) ------------------ */

/**
 * smr_clock_tick() - the clock's share of the per-cpu tick
 * @smr: the domain
 *
 * Lazy domains: step the clock with time and let the read hand follow,
 * so that the wrap guard never stops the clock.
 *
 * Context: the smr tick (softirq).
 */
void smr_clock_tick(struct smr *smr)
{
	unsigned long rd, wr;

	if (!(smr->flags & SMR_LAZY))
		return;
	smr_lazy_tick(smr);
	smr_lazy_start_gp(smr);
	rd = atomic_long_read_acquire(&smr->clock.rd_seq);
	wr = atomic_long_read_acquire(&smr->clock.wr_seq);
	if (rd != wr) {
		struct smr_scan st = { .clock = &smr->clock, .goal = wr,
				       .rd = rd, .wr = wr, .min = wr };

		smr_scan(smr, &st);
	}
}

/**
 * smr_clock_busy() - does the lazy clock wait for a grace period?
 * @smr: the domain
 *
 * Return: true while lazy steps await their grace period, so that a
 * non-deferrable tick keeps retiring them (and starting grace periods)
 * even when every poller runs with interrupts off.
 */
bool smr_clock_busy(struct smr *smr)
{
	return (smr->flags & SMR_LAZY) && READ_ONCE(smr->clock.lazy_nr);
}

/**
 * smr_clock_cpu_offline() - @cpu is going away: its slots must be idle
 * @smr: the domain
 * @cpu: the dying CPU
 *
 * Runs on the dying CPU in the hotplug thread: no section of this CPU can
 * be open, so its slots are idle and stay idle while the CPU is offline.
 * Make sure of it rather than assume it.
 */
void smr_clock_cpu_offline(struct smr *smr, int cpu)
{
	struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);
	unsigned int ctx;

	for (ctx = 0; ctx < SMR_CTX_NR; ctx++) {
		if (smr_misuse_once(smr_slot_seq(READ_ONCE(pcpu->rd_seq[ctx])) !=
				    SMR_SEQ_INVALID, smr,
				    "CPU %d goes offline inside a section", cpu))
			/* R2 on behalf of the lost reader; pairs with S3. */
			smp_store_release(&pcpu->rd_seq[ctx], smr_slot_idle(smr));
	}
}

/* ---- Domains ---------------------------------------------------------- */

/*
 * Is a reader inside?  Teardown frees the per-cpu area only once this is
 * false: a sleepable reader counts as inside until smr_leave_sleepable()
 * has made its count, its last access to the domain.
 */
static bool smr_readers_inside(struct smr *smr)
{
	unsigned int ctx;
	int cpu;

	if (smr_sleepers_inside(smr))
		return true;
	for_each_possible_cpu(cpu) {
		struct smr_pcpu *pcpu = per_cpu_ptr(smr->pcpu, cpu);

		for (ctx = 0; ctx < SMR_CTX_NR; ctx++)
			if (smr_slot_seq(READ_ONCE(pcpu->rd_seq[ctx])) !=
			    SMR_SEQ_INVALID)
				return true;
	}
	return false;
}

static unsigned int smr_deferred_limit(unsigned long flags)
{
	unsigned int limit = flags >> SMR_DEFERRED_SHIFT;

	if (!(flags & SMR_DEFERRED))
		return 0;
	return limit ? limit : SMR_DEFERRED_DEFAULT;
}

static int smr_domain_check(unsigned long flags, const char *name)
{
	if (!name || !*name) {
		pr_err("smr_domain_create: a name is required\n");
		return -EINVAL;
	}
	if (flags & ~SMR_FLAGS_VALID) {
		pr_err("%s: unknown flags %#lx\n", name, flags & ~SMR_FLAGS_VALID);
		return -EINVAL;
	}
	if ((flags & SMR_LAZY) && (flags & SMR_DEFERRED)) {
		pr_err("%s: SMR_LAZY and SMR_DEFERRED exclude each other\n", name);
		return -EINVAL;
	}
	if (!(flags & SMR_DEFERRED) && (flags >> SMR_DEFERRED_SHIFT)) {
		pr_err("%s: a deferred limit needs SMR_DEFERRED\n", name);
		return -EINVAL;
	}
	return 0;
}

static void smr_domain_destroy(struct smr *smr)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_unregister_key(&smr->dep_key);
#endif
	free_percpu(smr->pcpu);
	kfree(smr);
}

/*
 * Unregister the domain, wait until no reader is inside, free it.  Called
 * by smr_domain_free(), or by a worker when that was called (wrongly)
 * from inside a section of the domain.
 */
static void smr_domain_release(struct smr *smr)
{
	smr_tick_unregister(smr);
	smr_debugfs_remove(smr);

	smr_call_domain_exit(smr);
	while (smr_readers_inside(smr))
		schedule_timeout_uninterruptible(1);
	smr_domain_destroy(smr);
}

static void smr_domain_free_work(struct work_struct *work)
{
	smr_domain_release(container_of(work, struct smr, free_work));
}

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static struct lock_class_key smr_any_section_key;
/*
 * Every section of every domain holds it (smr_lock_acquire()), so that a
 * check that knows no domain, such as smrq_entered_foreach()'s, can ask
 * lockdep whether the caller is in some section.
 */
struct lockdep_map smr_any_section_map =
	STATIC_LOCKDEP_MAP_INIT("smr_any_section", &smr_any_section_key);
EXPORT_SYMBOL_GPL(smr_any_section_map);
#endif

/* A CPU's state of a new domain: idle slots (SMR_SLOT_LAZY in smr.h). */
static void smr_pcpu_init(struct smr *smr, struct smr_pcpu *pcpu)
{
	unsigned int ctx;

	for (ctx = 0; ctx < SMR_CTX_NR; ctx++)
		pcpu->rd_seq[ctx] = smr_slot_idle(smr);
}

/**
 * smr_domain_create() - create an SMR domain
 * @flags: SMR_NONE, SMR_LAZY, SMR_DEFERRED or SMR_DEFERRED_LIMIT(n), any of
 *	them with SMR_SLEEPABLE
 * @name: name for debugfs and messages (copied, SMR_NAME_MAX at most);
 *	need not be unique: a domain whose name is taken keeps it for
 *	messages and gets the debugfs directory "<name>-2" (or -3, ...)
 *
 * Domains are not cheap (per-cpu state, a debugfs directory, work for the
 * tick): create few, at the granularity of a subsystem.
 *
 * Context: task context, may sleep.
 * Return: the domain, or NULL on bad arguments or allocation failure.
 */
struct smr *smr_domain_create(unsigned long flags, const char *name)
{
	struct smr *smr;
	int cpu;

	might_sleep();
	if (smr_domain_check(flags, name))
		return NULL;

	smr = kzalloc(sizeof(*smr), GFP_KERNEL);
	if (!smr)
		return NULL;
	smr->pcpu = alloc_percpu(struct smr_pcpu);
	if (!smr->pcpu) {
		kfree(smr);
		return NULL;
	}
	smr->flags = flags;
	for_each_possible_cpu(cpu)
		smr_pcpu_init(smr, per_cpu_ptr(smr->pcpu, cpu));
	smr->deferred_limit = smr_deferred_limit(flags);
	strscpy(smr->name, name, sizeof(smr->name));
	atomic_long_set(&smr->clock.wr_seq, smr_clock_params.init);
	atomic_long_set(&smr->clock.rd_seq, smr_clock_params.init);
	smr_sleep_init(smr);
	/* No evidence yet: rd_seq may stay where it is (E3). */
	atomic_long_set(&smr->clock.lazy_done,
			smr_clock_params.init - smr_clock_params.inc);
	smr->clock.lazy_jiffies = jiffies;
	raw_spin_lock_init(&smr->lazy_lock);
	INIT_WORK(&smr->free_work, smr_domain_free_work);
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_register_key(&smr->dep_key);
	lockdep_init_map(&smr->dep_map, smr->name, &smr->dep_key, 0);
#endif

	/* Hotplug sees the domain with its queues' online state right. */
	cpus_read_lock();
	if (smr_call_domain_init(smr)) {
		cpus_read_unlock();
		smr_domain_destroy(smr);
		return NULL;
	}
	smr_tick_register(smr);
	cpus_read_unlock();
	smr_debugfs_add(smr);
	return smr;
}
EXPORT_SYMBOL_GPL(smr_domain_create);

/**
 * smr_domain_free() - destroy a domain created by smr_domain_create()
 * @smr: the domain, or NULL (ignored)
 *
 * The caller must have reclaimed everything it deferred on the domain.
 * A reader still inside a section is a bug: it warns, and the memory is
 * released only once every reader has left.  When called from inside a
 * section of @smr (sleepable or not) the whole teardown is handed to a
 * worker.
 *
 * Context: task context, may sleep (unless inside a section, a bug).
 */
void smr_domain_free(struct smr *smr)
{
	if (!smr)
		return;
	if (WARN_ONCE(smr_entered(smr) || smr_sleepers_mine(smr),
		      "smr: %s: domain freed inside its own section\n",
		      smr->name)) {
		smr_misuse(smr);
		queue_work(smr_wq, &smr->free_work);
		return;
	}
	might_sleep();
	smr_misuse_once(smr_readers_inside(smr), smr,
			"domain freed with readers inside; freed once they leave");
	smr_domain_release(smr);
}
EXPORT_SYMBOL_GPL(smr_domain_free);

/* ---- Module ----------------------------------------------------------- */

static int __init smr_init(void)
{
	int ret;

	ret = smr_tick_params_check() ?: smr_call_params_check();
	if (ret)
		return ret;
	smr_clock_params_init(wrap_test);

	smr_wq = alloc_workqueue("smr", WQ_UNBOUND, 0);
	if (!smr_wq)
		return -ENOMEM;
	ret = smr_call_init();
	if (ret) {
		destroy_workqueue(smr_wq);
		return ret;
	}
	smr_debugfs_init();

	ret = smr_tick_init();
	if (ret < 0) {
		smr_debugfs_exit();
		smr_call_exit();
		destroy_workqueue(smr_wq);
		return ret;
	}
	pr_info("loaded%s\n", wrap_test ? ": wrap test clock" : "");
	return 0;
}

static void __exit smr_exit(void)
{
	/* Domains freed while readers were inside finish here. */
	destroy_workqueue(smr_wq);
	smr_tick_exit();
	smr_call_exit();
	smr_debugfs_exit();
}

module_init(smr_init);
module_exit(smr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Safe memory reclamation with global unbounded sequences");
