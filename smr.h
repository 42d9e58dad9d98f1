/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Safe Memory Reclamation with Global Unbounded Sequences (GUS).
 *
 * The public interface of smr.ko.  Readers bracket lockless accesses with
 * smr_enter() and smr_leave(); writers unpublish an object, take a goal
 * sequence from smr_advance() and free the object once smr_poll() says the
 * goal has been reached (or block for it with smr_wait()).
 * Documentation/smr.rst explains the algorithm and its memory ordering.
 *
 * Sequence numbers are opaque unsigned long cookies, as with RCU's polled
 * grace-period API; compare them only with the SMR_SEQ_*() helpers, which
 * are safe across the wrap of the counter.
 */
#ifndef _SMR_H
#define _SMR_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct smr_call_pcpu;
struct smr_cache;
#include <asm/barrier.h>

/*
 * Layout check.  <hash> in SMR_ABI_SYMBOL hashes this header's type
 * definitions and constants (scripts/abi-hash.sh; make check keeps it
 * current).  smr.ko exports smr_abi_<hash>, and every object file that includes this header
 * references it, so that a module built against headers of another layout
 * fails to load, with "Unknown symbol smr_abi_<hash>", instead of running
 * with the wrong offsets.  Rebuild such a module against the headers of
 * the smr.ko you load.
 */
#define SMR_ABI_SYMBOL	smr_abi_471d41ff
extern const int SMR_ABI_SYMBOL;
static const int *const __smr_abi_ref __used = &SMR_ABI_SYMBOL;

/*
 * Pointers published to SMR readers live in their own sparse address
 * space, so that every access must go through one of the accessors below.
 */
#ifdef __CHECKER__
#define __smr	__attribute__((noderef, address_space(__smr)))
#else
#define __smr
#endif

/* Sequence numbers. */
#define SMR_SEQ_INVALID		0UL	/* a reader slot that is idle */
#define SMR_SEQ_INIT		2UL	/* the clock's start; valid sequences are 2 mod 4 */
#define SMR_SEQ_INC		4UL	/* the normal step of the clock */

/**
 * SMR_SEQ_DELTA() - signed distance between two sequence numbers
 * @a: sequence number
 * @b: sequence number
 *
 * Return: a - b as a signed value, correct as long as the two are less
 * than half the sequence space apart, whichever side of the wrap they are.
 */
#define SMR_SEQ_DELTA(a, b)	((long)((unsigned long)(a) - (unsigned long)(b)))

/**
 * SMR_SEQ_CMP() - compare two sequence numbers, wrap-safe
 * @a: sequence number
 * @op: a C comparison operator (<, <=, ==, >=, >)
 * @b: sequence number
 */
#define SMR_SEQ_CMP(a, op, b)	(SMR_SEQ_DELTA(a, b) op 0)
#define SMR_SEQ_LT(a, b)	SMR_SEQ_CMP(a, <, b)
#define SMR_SEQ_LEQ(a, b)	SMR_SEQ_CMP(a, <=, b)
#define SMR_SEQ_GT(a, b)	SMR_SEQ_CMP(a, >, b)
#define SMR_SEQ_GEQ(a, b)	SMR_SEQ_CMP(a, >=, b)

/**
 * smr_seq_min() - the older of two sequence numbers, wrap-safe
 * @a: sequence number
 * @b: sequence number
 *
 * Return: @a if it is before @b, else @b.
 */
static inline unsigned long smr_seq_min(unsigned long a, unsigned long b)
{
	return SMR_SEQ_LT(a, b) ? a : b;
}

/**
 * smr_seq_max() - the newer of two sequence numbers, wrap-safe
 * @a: sequence number
 * @b: sequence number
 *
 * Return: @a if it is after @b, else @b.
 */
static inline unsigned long smr_seq_max(unsigned long a, unsigned long b)
{
	return SMR_SEQ_GT(a, b) ? a : b;
}

/* Domain flags for smr_domain_create(). */
#define SMR_NONE		0UL
#define SMR_LAZY		BIT(0)	/* unfenced readers, tick-driven clock */
#define SMR_DEFERRED		BIT(1)	/* smr_advance() touches the clock every Nth call */
#define SMR_SLEEPABLE		BIT(2)	/* readers may use smr_enter_sleepable() */
#define SMR_DEFERRED_SHIFT	16
#define SMR_DEFERRED_MAX	0xffffUL
/**
 * SMR_DEFERRED_LIMIT() - deferred domain that really advances every @n calls
 * @n: 1 to SMR_DEFERRED_MAX; plain SMR_DEFERRED means 8
 */
#define SMR_DEFERRED_LIMIT(n)	(SMR_DEFERRED | ((unsigned long)(n) << SMR_DEFERRED_SHIFT))

#define SMR_NAME_MAX		32

/*
 * Reader slots: one per interrupt-context level (task, softirq, hardirq,
 * NMI), so that a section entered from an interrupt that lands on top of a
 * section of the same domain on the same CPU never clobbers it.
 */
enum smr_ctx {
	SMR_CTX_TASK,
	SMR_CTX_SOFTIRQ,
	SMR_CTX_HARDIRQ,
	SMR_CTX_NMI,
	SMR_CTX_NR,
};

/*
 * Event counters, summed by debugfs (see smr_stat_sum()).  Where a counter
 * lives depends on how often it moves, so that the per-cpu state stays
 * small: the hot ones up to SMR_STAT_PCPU_NR in struct smr_pcpu, the
 * callback queues' with the queues (smr_call.c), the rare ones in one
 * domain-wide array (&struct smr.stats, which also counts the callbacks
 * queued before the queues existed).  smr_stat_inc() knows where.
 */
enum smr_stat {
	/* Per-cpu, struct smr_pcpu. */
	SMR_STAT_ADVANCE,	/* smr_advance() calls that moved the clock */
	SMR_STAT_DEFERRED,	/* advances handed out without moving the clock */
	SMR_STAT_POLL,		/* smr_poll() / smr_wait() calls */
	SMR_STAT_POLL_SCAN,	/* polls that had to scan the CPUs */
	SMR_STAT_POLL_FAIL,	/* polls that returned false */
	SMR_STAT_WAIT,		/* smr_wait() calls */
	SMR_STAT_SYNCHRONIZE,	/* smr_synchronize() calls */
	SMR_STAT_SLEEPABLE,	/* sleepable sections entered */
	SMR_STAT_CACHE_FRESH,	/* smr_cache objects taken fresh from the slab */
	SMR_STAT_CACHE_REUSED,	/* smr_cache objects reused after their goal */
	SMR_STAT_CACHE_BATCH,	/* smr_cache batches tagged, one advance each */
	SMR_STAT_PCPU_NR,
	/* Per-cpu with the callback queues, plus a domain-wide share. */
	SMR_STAT_CALL_QUEUED = SMR_STAT_PCPU_NR,	/* smr_call() calls */
	SMR_STAT_CALL_INVOKED,	/* callbacks run */
	SMR_STAT_CALL_BATCH,	/* batches closed, one advance each */
	SMR_STAT_CALL_END,
	/* Domain-wide only. */
	/* advances that waited to keep the wrap safe */
	SMR_STAT_ADVANCE_WAIT = SMR_STAT_CALL_END,
	SMR_STAT_ADVANCE_HELD,	/* advances the wrap guard turned into deferred goals */
	SMR_STAT_LAZY_TICK,	/* lazy clock steps taken */
	SMR_STAT_MISUSE,	/* API misuses caught and survived */
	SMR_STAT_CALL_EXPEDITE,	/* batches expedited for the pending limit */
	SMR_STAT_BARRIER,	/* smr_barrier() calls */
	SMR_STAT_STALL,		/* stall warnings given */
	SMR_STAT_CACHE_SHRUNK,	/* smr_cache objects returned to the slab */
	SMR_STAT_CACHE_LEAKED,	/* smr_cache objects kept forever: no memory, no goal */
	SMR_STAT_NR,
};

/* Counters in &struct smr.stats: all but the first SMR_STAT_PCPU_NR. */
#define SMR_STAT_SHARED_NR	(SMR_STAT_NR - SMR_STAT_PCPU_NR)

/**
 * struct smr_pcpu - per-cpu state of an SMR domain
 * @rd_seq: per context level, the clock value this CPU's reader observed
 *	on entry, or SMR_SEQ_INVALID when no reader is inside.  Written only
 *	by this CPU; read by every poller.
 * @nest: per context level, misuse-nesting depth (see smr_enter()).
 * @deferred: SMR_DEFERRED domains: advances handed out since the clock
 *	last really moved on this CPU.
 * @stall_warned: per context level, the held sequence was reported.
 * @stall_seq: per context level, the held sequence the tick is timing.
 * @stall_since: per context level, jiffies when it started timing it.
 * @stats: the per-cpu event counters, see enum smr_stat.
 * @sl_locks: per phase, sleepable sections entered on this CPU.
 * @sl_unlocks: per phase, sleepable sections left on this CPU (a reader
 *	may leave on another CPU than the one it entered on).
 *
 * The first cache line is the reader's: smr_enter() and smr_leave() touch
 * nothing else, pollers on other CPUs read it, and nothing else shares
 * it.  This CPU's writer-side bookkeeping starts on the next line so that
 * it does not make the reader line bounce; the sleepable readers' counts
 * come last, written with this_cpu_inc() by whichever task enters or
 * leaves on this CPU and summed by pollers (smr_sleepable.c).  The whole
 * fits SMR_PCPU_BUDGET bytes (smr_core.c checks it); the callback queues
 * are allocated apart, on first use (smr_call.c).
 */
struct smr_pcpu {
	unsigned long rd_seq[SMR_CTX_NR];
	u8 nest[SMR_CTX_NR];
	unsigned int deferred ____cacheline_aligned_in_smp;
	bool stall_warned[SMR_CTX_NR];
	unsigned long stall_seq[SMR_CTX_NR];
	unsigned long stall_since[SMR_CTX_NR];
	unsigned long stats[SMR_STAT_PCPU_NR];
	unsigned long sl_locks[2];
	unsigned long sl_unlocks[2];
};

/**
 * struct smr_tracker - a sleepable read section, owned by the reader
 * @idx: the phase the section counted itself in, marked as entered
 *	(smr_sleepable.c); cleared by the leave.
 * @task: the reader.
 * @since: jiffies on entry.
 * @ip: where the section was entered.
 *
 * Only @idx is used; the rest is for whoever reads a crash dump.
 */
struct smr_tracker {
	unsigned int idx;
	struct task_struct *task;
	unsigned long since;
	unsigned long ip;
};

/**
 * struct smr_sleep - grace periods of a domain's sleepable readers
 * @gen: the phase generation: sections count themselves in phase
 *	@gen & 1.  Written only by the grace-period machine.
 * @done: every sleepable section that entered before wr_seq reached this
 *	value has left.
 * @target: the period in progress sets @done to this wr_seq value.
 * @since: jiffies when the period in progress started.
 * @inside: sections counted in the phase being drained, as last summed.
 * @busy: bit 0: a poller is moving the machine (the others pass).
 * @step: where the period in progress is (SMR_SLEEP_* in smr_sleepable.c).
 * @warned: the period in progress was reported as a stall.
 */
struct smr_sleep {
	unsigned long gen;
	atomic_long_t done;
	unsigned long target;
	unsigned long since;
	unsigned long inside;
	unsigned long busy;
	unsigned int step;
	bool warned;
};

#define SMR_LAZY_STEPS		4	/* lazy clock steps awaiting their grace period */

/**
 * struct smr_clock - the two hands of the clock
 * @wr_seq: the write hand: the newest goal handed out by smr_advance().
 *	Every reader loads it on entry, so it has a cache line of its own,
 *	written only when the clock steps.
 * @rd_seq: the read hand: every reader has observed at least this value.
 * @lazy_jiffies: SMR_LAZY domains: jiffies when @wr_seq last stepped.
 * @lazy_done: SMR_LAZY domains: the newest value of @wr_seq whose step was
 *	followed by a completed RCU grace period (the evidence, see E1-E3).
 * @lazy_step: SMR_LAZY domains: recent steps of @wr_seq, oldest at
 *	@lazy_first, whose grace period has not been seen to end.
 * @lazy_cookie: the RCU grace-period cookie of each of @lazy_step.
 * @lazy_first: index of the oldest of @lazy_step.
 * @lazy_nr: entries in @lazy_step.
 *
 * rd_seq <= wr_seq at all times (wrap-safe order); on lazy domains also
 * rd_seq <= lazy_done + one step.
 */
struct smr_clock {
	atomic_long_t wr_seq ____cacheline_aligned_in_smp;
	atomic_long_t rd_seq ____cacheline_aligned_in_smp;
	unsigned long lazy_jiffies;
	atomic_long_t lazy_done;
	unsigned long lazy_step[SMR_LAZY_STEPS];
	unsigned long lazy_cookie[SMR_LAZY_STEPS];
	unsigned int lazy_first;
	unsigned int lazy_nr;
};

/**
 * struct smr - an SMR domain
 * @pcpu: per-cpu reader slots and counters.
 * @flags: SMR_* flags given to smr_domain_create().
 * @clock: the shared clock, on lines of its own.
 *
 * Create one with smr_domain_create(); treat the contents as private.
 * Everything before @clock is read-mostly.  The clock's write hand has a
 * line of its own, written only when the clock steps; the read hand and
 * the lazy state share the next one; the pending counters, which every
 * callback or cache batch updates, come next on lines of their own; the
 * sleepable readers' grace periods, last, have a line of their own.
 */
struct smr {
	struct smr_pcpu __percpu *pcpu;
	unsigned long flags;
	/* private: */
	unsigned int deferred_limit;
	struct list_head node;
	struct dentry *debugfs;
	struct work_struct free_work;
	char name[SMR_NAME_MAX];
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
	struct lock_class_key dep_key;
#endif
	struct smr_call_pcpu __percpu *calls;
	unsigned long call_limit_objs;
	unsigned long call_limit_bytes;
	/* public: */
	struct smr_clock clock ____cacheline_aligned_in_smp;
	/* private: */
	raw_spinlock_t lazy_lock;	/* lazy writers only, like the clock */
	/* Deferred callbacks, updated once per batch (smr_call.c). */
	atomic_long_t call_pending_objs ____cacheline_aligned_in_smp;
	atomic_long_t call_pending_bytes;
	atomic_long_t call_peak_objs;
	atomic_long_t call_peak_bytes;
	/* Objects freed into this domain's smr_caches, not yet reusable. */
	atomic_long_t cache_pending_objs;
	atomic_long_t cache_pending_bytes;
	/* The rare events' counters, see enum smr_stat. */
	atomic_long_t stats[SMR_STAT_SHARED_NR];
	/* Callbacks queued before the callback queues exist (smr_call.c). */
	struct smr_node *call_early;
	atomic_t call_early_nr;
	struct work_struct call_init_work;
	/* Sleepable readers (smr_sleepable.c): read on entry, not the clock. */
	struct smr_sleep sleep ____cacheline_aligned_in_smp;
};

/**
 * struct smr_node - a deferred callback, embedded in the object it frees
 * @next: queue linkage, owned by smr until the callback runs.
 * @cb: the callback.
 */
struct smr_node {
	struct smr_node *next;
	void (*cb)(struct smr_node *node);
};

/* smr_call() size that closes the batch and has it run as soon as possible. */
#define SMR_CALL_EXPEDITE	((size_t)~0)

/* smr_kfree()'s node must lie within this many bytes of the object's start. */
#define SMR_KFREE_OFFSET_MAX	4096

/**
 * smr_kfree() - kfree() an object once no reader can see it
 * @smr: the domain whose readers may still see the object
 * @ptr: the object, from kmalloc() or kvmalloc() and friends; NULL: no-op
 * @field: the name of the object's struct smr_node member
 *
 * The kfree_rcu() of smr: no callback to write.  The object is queued
 * and batched like an smr_call() whose callback would kvfree() it, and
 * freed from process context once every reader that might see it has
 * left.  The memory-pressure accounting counts ksize() of the object
 * (sizeof(*@ptr) for vmalloc memory).  @field must be a struct smr_node
 * (a build error otherwise), within SMR_KFREE_OFFSET_MAX bytes of the
 * object's start (otherwise a misuse warning, and the object is kept:
 * leaked, never freed early), and not queued already.
 *
 * Context: any context except NMI; never sleeps.  May be called inside a
 * section.
 */
#define smr_kfree(smr, ptr, field) do {					\
	typeof(ptr) ___kptr = (ptr);					\
									\
	if (___kptr) {							\
		struct smr_node *___knode = &(*___kptr).field;		\
									\
		__smr_kfree(smr, ___knode,				\
			    (char *)___knode - (char *)___kptr,		\
			    sizeof(*___kptr));				\
	}								\
} while (0)

/**
 * smr_kvfree() - smr_kfree() for memory that may come from vmalloc()
 * @smr: the domain whose readers may still see the object
 * @ptr: the object, from kvmalloc() (or kmalloc(), vmalloc()); NULL: no-op
 * @field: the name of the object's struct smr_node member
 *
 * The same as smr_kfree(), which frees with kvfree() either way; the name
 * says what the caller allocated with, as kvfree_rcu() does.
 */
#define smr_kvfree(smr, ptr, field)	smr_kfree(smr, ptr, field)

struct smr *smr_domain_create(unsigned long flags, const char *name);
void smr_domain_free(struct smr *smr);

unsigned long smr_current(struct smr *smr);
unsigned long smr_advance(struct smr *smr);
unsigned long smr_deferred_advance(struct smr *smr);
void smr_deferred_advance_commit(struct smr *smr, unsigned long goal);
bool smr_poll(struct smr *smr, unsigned long goal);
void smr_wait(struct smr *smr, unsigned long goal);
void smr_synchronize(struct smr *smr);
void smr_call(struct smr *smr, struct smr_node *node, size_t size,
	      void (*cb)(struct smr_node *node));
void __smr_kfree(struct smr *smr, struct smr_node *node, size_t offset,
		 size_t size);
void smr_barrier(struct smr *smr);
unsigned long smr_stat_sum(struct smr *smr, enum smr_stat stat);
size_t smr_domain_pcpu_bytes(struct smr *smr);
void smr_call_set_limits(struct smr *smr, unsigned long objs,
			 unsigned long bytes);
struct smr_cache *smr_cache_create(const char *name, unsigned int size,
				   unsigned int align, slab_flags_t flags,
				   struct smr *smr, void (*ctor)(void *obj));
void smr_cache_destroy(struct smr_cache *c);
void *smr_cache_alloc(struct smr_cache *c, gfp_t gfp);
void smr_cache_free(struct smr_cache *c, void *obj);
unsigned long smr_cache_shrink(struct smr_cache *c, bool wait);
/* Test hooks for smr's own KUnit suites, not for consumers (smr_cache.c). */
struct shrinker;
void smr_cache_test_fail_batch_alloc(struct smr_cache *c, unsigned int every);
struct shrinker *smr_cache_test_shrinker(struct smr_cache *c);
/* Test hooks for smr's own KUnit suites, not for consumers. */
void smr_tick_test_idle(int cpu, bool idle);
void smr_tick_test_skip_online(bool skip);
bool smr_tick_test_reader_cpu(int cpu);
void smr_sleepable_test_hold_leave(struct smr *smr, unsigned int ms);
void smr_sleepable_test_hold_enter(struct smr *smr, unsigned int ms);
bool smr_sleepable_test_holding(void);
void smr_enter_sleepable(struct smr *smr, struct smr_tracker *tracker)
	__acquires(smr);
void smr_leave_sleepable(struct smr *smr, struct smr_tracker *tracker)
	__releases(smr);

/* Out-of-line halves of the reader for the rare and the misuse cases. */
void __smr_enter_slow(struct smr *smr, struct smr_pcpu *pcpu, unsigned int ctx);
bool __smr_leave_slow(struct smr *smr, struct smr_pcpu *pcpu, unsigned int ctx);
void __smr_warn_misuse(struct smr *smr, const char *what);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/* Held in every section of every domain: for checks that know no domain. */
extern struct lockdep_map smr_any_section_map;
#endif

/*
 * Lockdep: held-lock tracking only (check == 0), as rcu_read_lock() does;
 * the domain's map, and the one of all sections.
 */
static __always_inline void smr_lock_acquire(struct smr *smr)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lock_acquire(&smr->dep_map, 0, 0, 2, 0, NULL, _THIS_IP_);
	lock_acquire(&smr_any_section_map, 0, 0, 2, 0, NULL, _THIS_IP_);
#endif
}

static __always_inline void smr_lock_release(struct smr *smr)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lock_release(&smr_any_section_map, _THIS_IP_);
	lock_release(&smr->dep_map, _THIS_IP_);
#endif
}

/*
 * Lockdep's view: inside a section of some domain.  True without
 * CONFIG_DEBUG_LOCK_ALLOC, where nothing can tell.
 */
static __always_inline bool smr_any_section(void)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	return lock_is_held(&smr_any_section_map);
#else
	return true;
#endif
}

/* Lockdep's view: inside any section of @smr, sleepable ones included. */
static __always_inline bool smr_lockdep_held(struct smr *smr)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	return lock_is_held(&smr->dep_map);
#else
	return false;
#endif
}

static inline bool smr_entered(struct smr *smr);

/* For the checked accessors: in a section of @smr, sleepable or not. */
static inline bool smr_in_section(struct smr *smr)
{
	return smr_entered(smr) || smr_lockdep_held(smr);
}

/*
 * Reader slot values.  A slot of a fenced domain is SMR_SEQ_INVALID when
 * idle and holds the sequence observed on entry otherwise.  A slot of an
 * SMR_LAZY domain is SMR_SLOT_LAZY when idle, and a section that
 * smr_lazy_enter() entered holds its sequence | SMR_SLOT_LAZY (sequences
 * are 2 mod 4: bit 0 is free).  smr_lazy_enter()'s fast path takes only a
 * slot that is exactly SMR_SLOT_LAZY, which a fenced domain's slot never
 * is: the load that checks for re-entry also refuses a domain that is not
 * lazy, and the lazy reader loads nothing else to know it.  A section that
 * smr_enter() entered on a lazy domain holds a plain sequence and leaves
 * the slot SMR_SEQ_INVALID; the next smr_lazy_enter() there takes the
 * slow path once, which puts the lazy idle value back.
 */
#define SMR_SLOT_LAZY		1UL

/* The sequence a slot value holds; SMR_SEQ_INVALID for an idle slot. */
static __always_inline unsigned long smr_slot_seq(unsigned long v)
{
	return v & ~SMR_SLOT_LAZY;
}

/*
 * interrupt_context_level() in fewer instructions: the position of the
 * highest of the NMI, hardirq and serving-softirq bits of preempt_count()
 * (fls() 0, 9, 17-20, 21-24) gives the level (0, 1, 2, 3) by a shift.
 * Where the bits lie elsewhere, interrupt_context_level() itself.
 */
#if SOFTIRQ_SHIFT == 8 && HARDIRQ_SHIFT == 16 && HARDIRQ_BITS == 4 && \
	NMI_SHIFT == 20 && NMI_BITS == 4
static __always_inline unsigned int smr_ctx_level(void)
{
	return (fls(preempt_count() &
		    (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)) + 3) >> 3;
}
#else
static __always_inline unsigned int smr_ctx_level(void)
{
	return interrupt_context_level();
}
#endif

/*
 * Record the observed clock in this CPU's slot for the current context.
 * The slow path handles re-entry (a bug), lazy misuse, and a slot whose
 * idle value is the other flavour's (see SMR_SLOT_LAZY).
 */
static __always_inline void __smr_enter(struct smr *smr, bool fenced)
{
	unsigned long idle = fenced ? SMR_SEQ_INVALID : SMR_SLOT_LAZY;
	struct smr_pcpu *pcpu;
	unsigned int ctx;

	preempt_disable();
	pcpu = this_cpu_ptr(smr->pcpu);
	ctx = smr_ctx_level();
	if (unlikely(READ_ONCE(pcpu->rd_seq[ctx]) != idle)) {
		__smr_enter_slow(smr, pcpu, ctx);
	} else if (fenced) {
		/*
		 * R1: order the slot store before every load of the section.
		 * Pairs with S2 in smr_scan(): either the poller sees this
		 * slot, or this reader sees all updates made before the
		 * poller's goal was handed out.
		 */
		smp_store_mb(pcpu->rd_seq[ctx],
			     atomic_long_read(&smr->clock.wr_seq));
	} else {
		/*
		 * Lazy: no fence.  Pollers may not see the store; lazy goals
		 * are reached only after an RCU grace period that followed
		 * them (E1-E3 in smr_core.c), and this section, run with
		 * preemption disabled, holds any such grace period back.
		 * The slot was SMR_SLOT_LAZY, so the domain is lazy.
		 */
		WRITE_ONCE(pcpu->rd_seq[ctx],
			   atomic_long_read(&smr->clock.wr_seq) | SMR_SLOT_LAZY);
	}
	smr_lock_acquire(smr);
}

static __always_inline void __smr_leave(struct smr *smr, bool fenced)
{
	struct smr_pcpu *pcpu = raw_cpu_ptr(smr->pcpu);
	unsigned int ctx = smr_ctx_level();
	unsigned long held = READ_ONCE(pcpu->rd_seq[ctx]);

	if (unlikely(pcpu->nest[ctx] ||
		     smr_slot_seq(held) == SMR_SEQ_INVALID)) {
		if (__smr_leave_slow(smr, pcpu, ctx))
			preempt_enable();
		return;
	}
	smr_lock_release(smr);
	/*
	 * R2: every load of the section completes before the slot reads as
	 * idle.  Pairs with the acquire load of the slot in smr_scan_slot():
	 * a poller that sees the slot idle may let the memory be reused.
	 * After a lazy entry the slot gets the lazy idle value back; only a
	 * lazy entry, which found the domain lazy, leaves SMR_SLOT_LAZY.
	 */
	smp_store_release(&pcpu->rd_seq[ctx],
			  fenced ? SMR_SEQ_INVALID : held & SMR_SLOT_LAZY);
	preempt_enable();
}

/**
 * smr_enter() - enter a read section
 * @smr: the domain
 *
 * Pointers loaded with smr_entered_load() after this call stay valid until
 * smr_leave().  The section runs with preemption disabled and must not
 * sleep.  Sections are not reentrant: entering the same domain twice in
 * the same context is a bug; it triggers a warning and is then treated as
 * a nested section that ends with the outer smr_leave().
 *
 * Context: any context: task, softirq, hardirq and NMI each have their own
 * reader slot, so a section may be entered from an interrupt that arrived
 * during a section of the same domain on the same CPU.  An exception
 * (a breakpoint, a page fault) taken inside an NMI has no level of its
 * own: a section it enters shares the NMI slot, and if the NMI was inside
 * a section of the same domain it warns "entered twice" and nests (safe,
 * but do not enter sections from exception handlers that can hit NMIs).
 */
static __always_inline void smr_enter(struct smr *smr)
	__acquires(smr)
{
	__acquire(smr);
	__smr_enter(smr, true);
}

/**
 * smr_leave() - leave a read section entered with smr_enter()
 * @smr: the domain
 *
 * Leaving a section that was not entered warns and is otherwise ignored.
 *
 * Context: the context that entered the section.
 */
static __always_inline void smr_leave(struct smr *smr)
	__releases(smr)
{
	__release(smr);
	__smr_leave(smr, true);
}

/**
 * smr_lazy_enter() - enter a read section of an SMR_LAZY domain
 * @smr: the domain, created with SMR_LAZY
 *
 * Like smr_enter() without the memory barrier: the cheapest reader.  The
 * price is paid by writers, whose goals take two clock ticks to expire.
 * Used on a domain without SMR_LAZY it warns and falls back to a fenced
 * entry.
 *
 * Context: as smr_enter().
 */
static __always_inline void smr_lazy_enter(struct smr *smr)
	__acquires(smr)
{
	__acquire(smr);
	__smr_enter(smr, false);
}

/**
 * smr_lazy_leave() - leave a read section entered with smr_lazy_enter()
 * @smr: the domain
 *
 * Context: the context that entered the section.
 */
static __always_inline void smr_lazy_leave(struct smr *smr)
	__releases(smr)
{
	__release(smr);
	__smr_leave(smr, false);
}

/**
 * smr_entered() - is the current context inside a section of @smr?
 * @smr: the domain
 *
 * Return: true between smr_enter() (or smr_lazy_enter()) and smr_leave()
 * in the calling context.  Sections entered with smr_enter_sleepable()
 * do not count.
 */
static inline bool smr_entered(struct smr *smr)
{
	/*
	 * One per-cpu read: whichever CPU it runs on, that CPU's slot for
	 * this context can only be ours, since sections do not migrate.
	 */
	return smr_slot_seq(this_cpu_read(smr->pcpu->rd_seq[smr_ctx_level()])) !=
	       SMR_SEQ_INVALID;
}

/*
 * Pointer accessors.
 *
 * An SMR-protected pointer is declared "struct foo __smr *ptr".  Readers
 * load it inside a section, writers store it while serialized by their own
 * lock; the _assert() forms take a condition (typically lockdep_is_held())
 * that is checked under CONFIG_PROVE_LOCKING.
 */
#ifdef CONFIG_PROVE_LOCKING
#define SMR_LOCKDEP_WARN(c, msg)	WARN_ONCE(!(c), "smr: " msg)
#else
#define SMR_LOCKDEP_WARN(c, msg)	do { } while (0 && (c) && (msg)[0])
#endif

/*
 * Under CONFIG_PROVE_LOCKING: unless @c, report a misuse of @smr (named,
 * counted in its misuse statistic, see __smr_warn_misuse()).
 */
#define SMR_LOCKDEP_MISUSE(smr, c, what) do {				\
	if (IS_ENABLED(CONFIG_PROVE_LOCKING) && !(c))			\
		__smr_warn_misuse(smr, what);				\
} while (0)

/*
 * Sparse: *@pp must be a __smr pointer.  A plain one makes the comparison
 * one between address spaces, a sparse error, as rcu_dereference() gives.
 * The accessors take the pointer's address once, into ___pp, so that
 * their argument is evaluated once.
 */
#ifdef __CHECKER__
#define smr_check_sparse(pp) ({						\
	__auto_type ___spp = (pp);					\
									\
	(void)(((typeof(**___spp) __smr *)(*___spp)) == *___spp);	\
})
#else
#define smr_check_sparse(pp)	((void)(pp))
#endif

/**
 * smr_unsafe_load() - read an SMR pointer's value without protection
 * @p: the __smr pointer
 *
 * Return: the pointer as an integer, since dereferencing it is unsafe:
 * good for comparisons and hashing only.
 */
#define smr_unsafe_load(p) ({						\
	__auto_type ___pp = &(p);					\
									\
	smr_check_sparse(___pp);					\
	(unsigned long)READ_ONCE(*___pp);				\
})

/**
 * smr_entered_load() - load an SMR pointer inside a read section
 * @p: the __smr pointer
 *
 * Return: the pointer, valid until the section ends.
 */
#define smr_entered_load(p) ({						\
	__auto_type ___pp = &(p);					\
	typeof(*___pp) ___p = READ_ONCE(*___pp);			\
									\
	smr_check_sparse(___pp);					\
	(typeof(*___p) __force __kernel *)___p;				\
})

/**
 * smr_entered_load_assert() - smr_entered_load() that checks the section
 * @p: the __smr pointer
 * @domain: the domain whose section (sleepable or not) must be entered
 *
 * Under CONFIG_PROVE_LOCKING reports a misuse of @domain when the caller
 * is in no section of it: neither smr_enter() nor smr_enter_sleepable().
 *
 * Return: the pointer, valid until the section ends.
 */
#define smr_entered_load_assert(p, domain) ({				\
	struct smr *___asmr = (domain);					\
									\
	SMR_LOCKDEP_MISUSE(___asmr, smr_in_section(___asmr),		\
			   "smr_entered_load_assert() outside a section");	\
	smr_entered_load(p);						\
})

/**
 * smr_entered_load_check() - load an SMR pointer in a section, or under
 *	the writer's lock
 * @p: the __smr pointer
 * @domain: the domain whose section (sleepable or not) makes the load valid
 * @cond: the other condition that does, e.g. lockdep_is_held(&lock)
 *
 * The twin of rcu_dereference_check(): for code that readers and writers
 * share.  Under CONFIG_PROVE_LOCKING reports a misuse of @domain when the
 * caller is in no section of it and @cond is false.
 *
 * Return: the pointer, valid until the section ends or the lock is
 * dropped.
 */
#define smr_entered_load_check(p, domain, cond) ({			\
	struct smr *___csmr = (domain);					\
									\
	SMR_LOCKDEP_MISUSE(___csmr, smr_in_section(___csmr) || (cond),	\
			   "smr_entered_load_check() outside a section, condition false"); \
	smr_entered_load(p);						\
})

/**
 * smr_entered_load_acquire() - load an SMR pointer with acquire ordering
 * @p: the __smr pointer
 *
 * Return: the pointer, valid until the section ends.
 */
#define smr_entered_load_acquire(p) ({					\
	__auto_type ___pp = &(p);					\
	/* Pairs with the release of smr_serialized_store(). */	\
	typeof(*___pp) ___p = smp_load_acquire(___pp);			\
									\
	smr_check_sparse(___pp);					\
	(typeof(*___p) __force __kernel *)___p;				\
})

/**
 * smr_serialized_load_assert() - load an SMR pointer on the writer side
 * @p: the __smr pointer
 * @held: condition that is true while the writer lock is held
 *
 * Return: the pointer.
 */
#define smr_serialized_load_assert(p, held) ({				\
	SMR_LOCKDEP_WARN(held, "serialized load without the lock");	\
	smr_unserialized_load(p);					\
})

/**
 * smr_serialized_load() - load an SMR pointer on the writer side
 * @p: the __smr pointer
 *
 * Return: the pointer.
 */
#define smr_serialized_load(p)	smr_serialized_load_assert(p, true)

/**
 * smr_serialized_store_assert() - publish a pointer to readers
 * @p: the __smr pointer
 * @v: the new value
 * @held: condition that is true while the writer lock is held
 *
 * The stores that initialized *@v are ordered before the publication.
 */
#define smr_serialized_store_assert(p, v, held) do {			\
	__auto_type ___pp = &(p);					\
									\
	SMR_LOCKDEP_WARN(held, "serialized store without the lock");	\
	smr_check_sparse(___pp);					\
	/* Pairs with the address dependency of smr_entered_load(). */	\
	smp_store_release(___pp, (typeof(*___pp) __force)(v));		\
} while (0)

/**
 * smr_serialized_store() - publish a pointer to readers
 * @p: the __smr pointer
 * @v: the new value
 */
#define smr_serialized_store(p, v)	smr_serialized_store_assert(p, v, true)

/**
 * smr_serialized_store_relaxed_assert() - store a pointer without ordering
 * @p: the __smr pointer
 * @v: a value already published (e.g. unlinking a list element)
 * @held: condition that is true while the writer lock is held
 */
#define smr_serialized_store_relaxed_assert(p, v, held) do {		\
	SMR_LOCKDEP_WARN(held, "serialized store without the lock");	\
	smr_unserialized_store(p, v);					\
} while (0)

/**
 * smr_serialized_store_relaxed() - store a pointer without ordering
 * @p: the __smr pointer
 * @v: a value already published
 */
#define smr_serialized_store_relaxed(p, v) \
	smr_serialized_store_relaxed_assert(p, v, true)

/**
 * smr_serialized_swap_assert() - exchange a published pointer
 * @p: the __smr pointer
 * @v: the new value
 * @held: condition that is true while the writer lock is held
 *
 * Return: the previous value.
 */
#define smr_serialized_swap_assert(p, v, held) ({			\
	__auto_type ___pp = &(p);					\
	typeof(*___pp) ___o;						\
									\
	SMR_LOCKDEP_WARN(held, "serialized swap without the lock");	\
	smr_check_sparse(___pp);					\
	/* Pairs with the address dependency of smr_entered_load(). */	\
	___o = xchg_release(___pp, (typeof(*___pp) __force)(v));	\
	(typeof(*___o) __force __kernel *)___o;				\
})

/**
 * smr_serialized_swap() - exchange a published pointer
 * @p: the __smr pointer
 * @v: the new value
 *
 * Return: the previous value.
 */
#define smr_serialized_swap(p, v)	smr_serialized_swap_assert(p, v, true)

/**
 * smr_init_store() - set a pointer that no reader can see yet
 * @p: the __smr pointer
 * @v: the value
 */
#define smr_init_store(p, v)	smr_unserialized_store(p, v)

/**
 * smr_clear_store() - set a pointer to NULL (always allowed)
 * @p: the __smr pointer
 */
#define smr_clear_store(p)	smr_unserialized_store(p, NULL)

/**
 * smr_unserialized_load() - load a pointer no one else can change
 * @p: the __smr pointer
 *
 * For teardown paths and callbacks where the caller guarantees exclusion.
 *
 * Return: the pointer.
 */
#define smr_unserialized_load(p)	smr_entered_load(p)

/**
 * smr_unserialized_store() - store a pointer no one else can see or change
 * @p: the __smr pointer
 * @v: the value
 */
#define smr_unserialized_store(p, v) do {				\
	__auto_type ___pp = &(p);					\
									\
	smr_check_sparse(___pp);					\
	WRITE_ONCE(*___pp, (typeof(*___pp) __force)(v));		\
} while (0)

#endif /* _SMR_H */
