// SPDX-License-Identifier: GPL-2.0
/*
 * Deferred callbacks: smr_call() and smr_barrier().
 *
 * Each CPU of a domain keeps its callbacks in arrival order, in three
 * stages:
 *
 *   cur   collecting; no goal yet.  smr_call() appends here.
 *   wait  closed batches, each tagged with the goal of one smr_advance()
 *         (one advance serves the whole batch), oldest first.
 *   done  goal reached; the CPU's worker invokes these in process context.
 *
 * A batch is closed when it reaches call_cnt_cap callbacks or
 * call_size_cap bytes, when the caller passes SMR_CALL_EXPEDITE, and at
 * every per-cpu tick, which also moves the batches whose goal has been
 * reached to done.  A batch closed because it is full also moves the older
 * batches whose goal is reached, so that a flood of calls is bounded by the
 * worker's pace and not by the tick's; one poll serves call_cnt_cap calls.
 * Otherwise batches age by at least one tick before they are polled, and
 * the poll is normally answered from rd_seq alone.  The tick alone drains a
 * queue, so callbacks run without further calls: a batch that has aged
 * commits its goal on SMR_DEFERRED domains (smr_poll_aged()), where no one
 * else may ever move the clock that far.
 *
 * Expedited queues skip the ageing: the worker waits for the goals itself.
 * A queue is expedited by SMR_CALL_EXPEDITE, by smr_barrier(), when its
 * CPU is offline (no tick runs there), and when the domain's pending
 * callbacks exceed call_limit_objs or call_limit_bytes.  Pending work is
 * accounted per domain when a batch closes and when it is invoked, not per
 * call, so that smr_call() writes no shared cache line.
 *
 * Locking.  smr_call() appends to cur without a lock: cur belongs to its
 * CPU, which touches it with interrupts off.  Everything else -- closing,
 * wait, done, the flags -- is under the queue's raw lock, held for O(1)
 * work only: list splices, flags and counters.  Whoever else looks at cur
 * holds the lock and runs on the queue's CPU with interrupts off (the
 * tick, a close, the worker on its own CPU, a barrier's IPI), or finds the
 * queue offline under the lock: while it is (set and cleared on the CPU
 * itself, with interrupts off and the lock held), smr_call() appends under
 * the lock too.  Goals are taken (smr_advance(), which may wait in its
 * wrap guard) and polled (which may scan every CPU and every sleepable
 * reader) with the lock dropped; see smr_call_close() and
 * smr_call_promote() for why that is safe.
 *
 * The queues are allocated on first use.  A domain that never queues a
 * callback does not pay for them (Documentation/smr.rst, Footprint).  The
 * first smr_call() or smr_kfree() of a domain allocates them itself only
 * in a preemptible context, with an atomic allocation
 * (smr_call_alloc_now()); elsewhere -- in hardirq context, with a raw lock
 * held or interrupts off, on kernels that cannot tell -- or if that
 * fails, it pushes its node on the domain's early list, a lockless stack,
 * and queues the domain's init worker.  That worker
 * allocates and publishes the queues (Q1/Q2), then runs the early list
 * itself: it takes the whole list, takes a goal, waits for it and invokes
 * the callbacks in the order they were queued, until the list stays empty.
 * Callbacks queued meanwhile by calls that still saw no queues join the
 * early list; later ones go to the queues, whose workers invoke nothing
 * while early callbacks are pending (Q4/Q5), so that a CPU's callbacks
 * still run in the order they were queued.  If the allocation fails, the
 * init worker keeps running the early list and tries again on the next
 * call.  Early callbacks count as pending objects, not bytes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/debugobjects.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "smr_internal.h"
#include "smr_trace.h"

static unsigned int call_cnt_cap = 128;
module_param(call_cnt_cap, uint, 0444);
MODULE_PARM_DESC(call_cnt_cap, "Callbacks per batch before it is closed (1-65536)");

static unsigned int call_size_cap = 64 * 1024;
module_param(call_size_cap, uint, 0444);
MODULE_PARM_DESC(call_size_cap, "Bytes per batch before it is closed (1-2^31)");

static unsigned long call_limit_objs = 100000;
module_param(call_limit_objs, ulong, 0444);
MODULE_PARM_DESC(call_limit_objs, "Pending callbacks per domain before it expedites");

static unsigned long call_limit_bytes = 32UL << 20;
module_param(call_limit_bytes, ulong, 0444);
MODULE_PARM_DESC(call_limit_bytes, "Pending bytes per domain before it expedites");

#define SMR_CALL_WAIT_SEGS	4	/* closed batches kept apart; more merge */

struct smr_cblist {
	struct smr_node *head;
	struct smr_node **tail;
	unsigned long goal;
	unsigned long cnt;
	unsigned long bytes;
	bool aged;
};

/* The callbacks of cur: appended by their CPU without the lock. */
struct smr_cur {
	struct smr_node *head;
	struct smr_node **tail;
	unsigned long cnt;
	unsigned long bytes;
};

#define SMR_CALL_STAT_NR	(SMR_STAT_CALL_END - SMR_STAT_PCPU_NR)

/**
 * struct smr_call_pcpu - one CPU's callback queue of a domain
 * @cur: callbacks without a goal yet; this CPU's (see Locking above).
 * @stats: this CPU's share of SMR_STAT_CALL_*, bumped by this CPU only
 *	(the callbacks a worker runs count on the CPU it runs on).
 * @offline: the CPU is offline: every call takes the lock and expedites.
 *	Written on the CPU itself, with interrupts off and the lock held.
 * @lock: protects what follows; taken with interrupts off, only ever
 *	alone, and held for O(1) work only.
 * @expedite: the worker waits for goals instead of the tick.  Read
 *	without the lock by smr_call(), to close at once.
 * @wait_first: index of the oldest batch in @wait.
 * @wait_nr: closed batches.
 * @closing: the batch being closed: taken from @cur, its goal being taken
 *	with the lock dropped.  Empty unless a close is in progress; at most
 *	one close per queue is.
 * @wait: closed batches, oldest at @wait_first; goals never decrease.
 * @done: callbacks whose goal is reached, to be invoked.
 * @inflight: callbacks taken by the worker and not yet invoked.
 * @work: the worker, queued on this CPU.
 * @smr: the domain.
 * @cpu: the CPU.
 *
 * smr_call() touches the first line only.
 */
struct smr_call_pcpu {
	struct smr_cur cur;
	unsigned long stats[SMR_CALL_STAT_NR];
	bool offline;
	raw_spinlock_t lock ____cacheline_aligned_in_smp;
	bool expedite;
	unsigned int wait_first, wait_nr;
	struct smr_cblist closing;
	struct smr_cblist wait[SMR_CALL_WAIT_SEGS];
	struct smr_cblist done;
	unsigned long inflight;
	struct work_struct work;
	struct smr *smr;
	int cpu;
};

static_assert(offsetofend(struct smr_call_pcpu, offline) <= SMP_CACHE_BYTES);

static struct workqueue_struct *smr_call_wq;

static struct smr_call_pcpu __percpu *smr_call_alloc_now(struct smr *smr);

static void cblist_init(struct smr_cblist *l)
{
	l->head = NULL;
	l->tail = &l->head;
	l->goal = 0;
	l->cnt = 0;
	l->bytes = 0;
	l->aged = false;
}

static void smr_cur_init(struct smr_cur *c)
{
	c->head = NULL;
	c->tail = &c->head;
	WRITE_ONCE(c->cnt, 0);
	c->bytes = 0;
}

/* On cur's CPU with interrupts off, or under the lock if it is offline. */
static void smr_cur_add(struct smr_cur *c, struct smr_node *node, size_t size)
{
	node->next = NULL;
	*c->tail = node;
	c->tail = &node->next;
	/* Read without the lock by barriers and teardown on other CPUs. */
	WRITE_ONCE(c->cnt, c->cnt + 1);
	c->bytes = size > ULONG_MAX - c->bytes ? ULONG_MAX : c->bytes + size;
}

/* Move a non-empty @c to @dst, which is empty or unused. */
static void smr_cur_take(struct smr_cblist *dst, struct smr_cur *c)
{
	cblist_init(dst);
	dst->head = c->head;
	dst->tail = c->tail;
	dst->cnt = c->cnt;
	dst->bytes = c->bytes;
	smr_cur_init(c);
}

/* Move all of @src to the end of @dst, which takes @src's (newer) goal. */
static void cblist_splice(struct smr_cblist *dst, struct smr_cblist *src)
{
	if (!src->cnt)
		return;
	*dst->tail = src->head;
	dst->tail = src->tail;
	dst->goal = src->goal;
	dst->aged = src->aged;
	dst->cnt += src->cnt;
	dst->bytes += src->bytes;
	cblist_init(src);
}

/* Move a non-empty @src to @dst, which is empty or unused. */
static void cblist_move(struct smr_cblist *dst, struct smr_cblist *src)
{
	cblist_init(dst);
	cblist_splice(dst, src);
}

/* Under the lock; cur's count may be read from another CPU (see Locking). */
static bool smr_call_queue_empty(struct smr_call_pcpu *q)
{
	return !READ_ONCE(q->cur.cnt) && !q->closing.cnt && !q->wait_nr &&
	       !q->done.cnt && !q->inflight;
}

/* Under the lock: may the caller touch @q's cur (see Locking)? */
static bool smr_call_cur_mine(struct smr_call_pcpu *q)
{
	lockdep_assert_held(&q->lock);
	return q->offline || q->cpu == smp_processor_id();
}

/* The domain's queues, NULL before its first call (see the top of file). */
static struct smr_call_pcpu __percpu *smr_call_queues(struct smr *smr)
{
	/* Q1: seen initialized if seen; pairs with Q2 in smr_call_alloc(). */
	return smp_load_acquire(&smr->calls);
}

/* A callback queue's share of a per-cpu counter, on this CPU. */
#define smr_call_count(calls, stat, n)	\
	this_cpu_add((calls)->stats[(stat) - SMR_STAT_PCPU_NR], n)

static struct smr_cblist *smr_call_wait_slot(struct smr_call_pcpu *q,
					     unsigned int i)
{
	return &q->wait[(q->wait_first + i) % SMR_CALL_WAIT_SEGS];
}

static void smr_call_wait_pop(struct smr_call_pcpu *q, struct smr_cblist *dst)
{
	cblist_splice(dst, smr_call_wait_slot(q, 0));
	q->wait_first = (q->wait_first + 1) % SMR_CALL_WAIT_SEGS;
	q->wait_nr--;
}

static bool smr_call_over_limit(struct smr *smr)
{
	return atomic_long_read(&smr->call_pending_objs) >
	       (long)READ_ONCE(smr->call_limit_objs) ||
	       atomic_long_read(&smr->call_pending_bytes) >
	       (long)READ_ONCE(smr->call_limit_bytes);
}

/* ---- Debug objects: a node queued twice -------------------------------- */

#ifdef CONFIG_DEBUG_OBJECTS
/* A node needs no initialisation: an untracked one is idle. */
static bool smr_node_is_static_object(void *addr)
{
	return true;
}

/* Reports name the callback the node was queued with. */
static void *smr_node_debug_hint(void *addr)
{
	return ((struct smr_node *)addr)->cb;
}

static const struct debug_obj_descr smr_node_debug_descr = {
	.name = "smr_node",
	.debug_hint = smr_node_debug_hint,
	.is_static_object = smr_node_is_static_object,
};

/*
 * Track @node as queued until smr_node_debug_unqueue(): 0, or -EINVAL
 * when it is queued already (debugobjects reports it with a backtrace).
 * A node on the caller's stack is announced as such first, as
 * init_rcu_head_on_stack() does for an rcu_head.
 */
static int smr_node_debug_queue(struct smr_node *node)
{
	if (object_is_on_stack(node))
		debug_object_init_on_stack(node, &smr_node_debug_descr);
	return debug_object_activate(node, &smr_node_debug_descr);
}

/* Before its callback runs, which may free or queue the node again. */
static void smr_node_debug_unqueue(struct smr_node *node)
{
	debug_object_deactivate(node, &smr_node_debug_descr);
	debug_object_free(node, &smr_node_debug_descr);
}
#else
static inline int smr_node_debug_queue(struct smr_node *node)
{
	return 0;
}

static inline void smr_node_debug_unqueue(struct smr_node *node)
{
}
#endif

/**
 * smr_call_set_limits() - bound a domain's pending callbacks
 * @smr: the domain
 * @objs: callbacks pending, all CPUs together, before the domain expedites
 * @bytes: the same in bytes, as declared to smr_call()
 *
 * Domains start with the call_limit_objs and call_limit_bytes module
 * parameters.  Above either limit every closed batch is handed to the
 * worker, which waits for its goal instead of letting the tick age it, so
 * that a flood of calls cannot grow memory without bound.  Counts are
 * updated per batch, so the bound holds to within a batch per CPU.
 *
 * Context: any context.
 */
void smr_call_set_limits(struct smr *smr, unsigned long objs,
			 unsigned long bytes)
{
	if (smr_null(smr) ||
	    smr_misuse_once(!objs || !bytes, smr,
			    "%s() with a zero limit; ignored", __func__))
		return;
	WRITE_ONCE(smr->call_limit_objs, min_t(unsigned long, objs, LONG_MAX));
	WRITE_ONCE(smr->call_limit_bytes, min_t(unsigned long, bytes, LONG_MAX));
}
EXPORT_SYMBOL_GPL(smr_call_set_limits);

static void smr_call_peak(atomic_long_t *peak, long now)
{
	long old = atomic_long_read(peak);

	while (now > old && !atomic_long_try_cmpxchg(peak, &old, now))
		;
}

/* ---- Closing a batch ---------------------------------------------------- */

/*
 * Closing a batch is split in three so that the goal is taken without the
 * raw lock (smr_advance() may wait in its wrap guard):
 *
 *  1. under the lock, move all of cur to closing;
 *  2. with the lock dropped, goal = smr_advance();
 *  3. under the lock, tag closing with the goal and append it to wait.
 *
 * Every callback in the batch was linked into cur before step 1, hence
 * before its goal was taken in step 2: for a call on this CPU by program
 * order, for a call on another (a barrier marker, a worker that runs
 * elsewhere while the CPU is offline) through the queue lock, whose
 * release/acquire chain ends in smr_advance()'s fully ordered increment
 * (W).  So what the callers unpublished is ordered before the goal, as
 * smr_advance() requires.  A call that arrives during step 2 -- from an
 * interrupt on this CPU, or a marker from another -- links into the new,
 * empty cur and is never tagged with the older goal: it waits for a later
 * close.  Only one close runs at a time (closing is not empty meanwhile):
 * a second closer leaves cur alone, and the first re-reads expedite and
 * offline in step 3 and has its caller kick the worker, which closes what
 * was left; the tick retries otherwise.  Because closes are serialized,
 * each goal is taken after the previous batch's, and the goals in wait
 * never go backwards.
 */
static bool smr_call_close_begin(struct smr_call_pcpu *q, bool age)
{
	unsigned int i;

	/* Batches closed before this tick have now aged by one. */
	if (age)
		for (i = 0; i < q->wait_nr; i++)
			smr_call_wait_slot(q, i)->aged = true;
	if (!smr_call_cur_mine(q) || !q->cur.cnt || q->closing.cnt)
		return false;
	smr_cur_take(&q->closing, &q->cur);
	return true;
}

static void smr_call_close_end(struct smr *smr, struct smr_call_pcpu *q,
			       unsigned long goal)
{
	struct smr_cblist *newest;
	long objs;

	lockdep_assert_held(&q->lock);
	q->closing.goal = goal;
	objs = atomic_long_add_return(q->closing.cnt, &smr->call_pending_objs);
	atomic_long_add(q->closing.bytes, &smr->call_pending_bytes);
	smr_call_peak(&smr->call_peak_objs, objs);
	smr_call_peak(&smr->call_peak_bytes,
		      atomic_long_read(&smr->call_pending_bytes));
	trace_smr_call_batch_queued(smr->name, q->cpu, q->closing.cnt, goal);
	if (q->wait_nr == SMR_CALL_WAIT_SEGS) {
		/* Merge into the newest batch: a later goal is safe. */
		newest = smr_call_wait_slot(q, q->wait_nr - 1);
		cblist_splice(newest, &q->closing);
	} else {
		newest = smr_call_wait_slot(q, q->wait_nr++);
		cblist_move(newest, &q->closing);
	}
	smr_call_count(smr->calls, SMR_STAT_CALL_BATCH, 1);
	if (smr_call_over_limit(smr) && !q->expedite) {
		smr_stat_inc(smr, SMR_STAT_CALL_EXPEDITE);
		WRITE_ONCE(q->expedite, true);
	}
}

/*
 * Close the collecting batch with one goal (see above), on the queue's
 * CPU; @age: the tick calls, so the batches already closed have aged;
 * @expedite: and have the worker wait for it.  Returns true when the
 * worker must be kicked because the queue is expedited.
 */
static bool smr_call_close(struct smr *smr, struct smr_call_pcpu *q, bool age,
			   bool expedite)
{
	unsigned long flags, goal;
	bool kick;

	raw_spin_lock_irqsave(&q->lock, flags);
	if (expedite)
		WRITE_ONCE(q->expedite, true);
	if (!smr_call_close_begin(q, age)) {
		kick = q->expedite || q->offline;
		raw_spin_unlock_irqrestore(&q->lock, flags);
		return kick;
	}
	raw_spin_unlock_irqrestore(&q->lock, flags);

	goal = smr_advance(smr);

	raw_spin_lock_irqsave(&q->lock, flags);
	smr_call_close_end(smr, q, goal);
	kick = q->expedite || q->offline;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	return kick;
}

/* ---- Promoting batches -------------------------------------------------- */

/*
 * Move the batches whose goal is reached to done; true if any is done.
 * Each poll runs with the lock dropped, on a goal read under it; then only
 * batches tagged with exactly that goal move.  The oldest batch may have
 * changed meanwhile (promoted by another caller, merged into, or a
 * requeued batch put in front of it): it then does not match and waits
 * for the next round, so a batch never moves on a goal that is not its
 * own or older.  Exact matches also keep the test wrap-safe.  A batch that
 * has aged is polled with smr_poll_aged(), which commits a deferred goal.
 */
static bool smr_call_promote(struct smr *smr, struct smr_call_pcpu *q)
{
	unsigned int round = SMR_CALL_WAIT_SEGS;
	struct smr_cblist *oldest;
	unsigned long flags, goal;
	bool aged, met, kick;

	raw_spin_lock_irqsave(&q->lock, flags);
	while (q->wait_nr && round--) {
		oldest = smr_call_wait_slot(q, 0);
		goal = oldest->goal;
		aged = oldest->aged;
		raw_spin_unlock_irqrestore(&q->lock, flags);

		met = aged ? smr_poll_aged(smr, goal) : smr_poll(smr, goal);

		raw_spin_lock_irqsave(&q->lock, flags);
		if (!met)
			break;
		while (q->wait_nr && smr_call_wait_slot(q, 0)->goal == goal)
			smr_call_wait_pop(q, &q->done);
	}
	kick = q->done.cnt;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	return kick;
}

/* ---- smr_call() --------------------------------------------------------- */

/*
 * smr_kfree() queues its node with the node's offset in the object in
 * place of a callback, as kfree_rcu() does: no function lives in the
 * first page.
 */
static bool smr_node_is_kfree(const struct smr_node *node)
{
	return (unsigned long)node->cb < SMR_KFREE_OFFSET_MAX;
}

static void smr_node_kfree(struct smr_node *node)
{
	kvfree((void *)node - (unsigned long)node->cb);
}

/* A node that is queued already: report it and leave it queued once. */
static void smr_call_double(struct smr *smr, struct smr_node *node)
{
	pr_err_ratelimited("%s: smr_call() of node %p, queued already with %ps; the second call is ignored\n",
			   smr->name, node, READ_ONCE(node->cb));
	smr_stat_inc(smr, SMR_STAT_MISUSE);
}

/* ---- The early list: before the queues exist ------------------------ */

/*
 * Push @node on the domain's early list and have the init worker run it
 * (see the top of this file).  Counted first, so that the queues' workers
 * see it pending (Q4) before any later call of this CPU can reach them.
 */
static void smr_call_early(struct smr *smr, struct smr_node *node)
{
	struct smr_node *first = READ_ONCE(smr->call_early);
	long objs;

	atomic_inc(&smr->call_early_nr);
	smr_stat_inc(smr, SMR_STAT_CALL_QUEUED);
	objs = atomic_long_inc_return(&smr->call_pending_objs);
	smr_call_peak(&smr->call_peak_objs, objs);
	/*
	 * Q3: the fully ordered cmpxchg orders what the caller unpublished
	 * before the push, and so before the init worker's xchg that takes
	 * the node and its smr_advance() (W) that gives the node's goal.
	 */
	do {
		node->next = first;
	} while (!try_cmpxchg(&smr->call_early, &first, node));
	queue_work(smr_call_wq, &smr->call_init_work);
}

/* ---- smr_call() --------------------------------------------------------- */

/*
 * An offline queue, from an interrupt on its dying CPU: under the lock,
 * and expedited (no tick runs there any more).
 */
static void smr_call_add_offline(struct smr_call_pcpu *q,
				 struct smr_node *node, size_t size)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	smr_cur_add(&q->cur, node, size);
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * Append @node to this CPU's cur, without the lock (see Locking).
 * Return: true when the batch must be closed now.
 */
static bool smr_call_add(struct smr_call_pcpu __percpu *calls,
			 struct smr_node *node, size_t size, bool expedite)
{
	struct smr_call_pcpu *q = this_cpu_ptr(calls);
	unsigned long flags;
	bool first, close;

	local_irq_save(flags);
	smr_call_count(calls, SMR_STAT_CALL_QUEUED, 1);
	if (unlikely(q->offline)) {
		local_irq_restore(flags);
		smr_call_add_offline(q, node, size);
		return true;
	}
	first = !q->cur.cnt;
	smr_cur_add(&q->cur, node, size);
	close = expedite || q->cur.cnt >= call_cnt_cap ||
		q->cur.bytes >= call_size_cap || READ_ONCE(q->expedite);
	local_irq_restore(flags);
	/* Promoted even if this CPU goes idle or tickless next. */
	if (first)
		smr_tick_kick();
	return close;
}

/* smr_call() and smr_kfree(): queue @node on this CPU, close and kick. */
static void smr_call_queue(struct smr *smr, struct smr_node *node,
			   size_t size, void (*cb)(struct smr_node *node))
{
	bool expedite = size == SMR_CALL_EXPEDITE, kick = false;
	struct smr_call_pcpu __percpu *calls;
	struct smr_call_pcpu *q;

	/* Before the node is touched: a queued node is not ours to change. */
	if (smr_node_debug_queue(node)) {
		smr_call_double(smr, node);
		return;
	}
	node->cb = cb;
	calls = smr_call_queues(smr);
	if (unlikely(!calls))
		calls = smr_call_alloc_now(smr);
	if (unlikely(!calls)) {
		smr_call_early(smr, node);
		return;
	}

	/*
	 * Stay on this CPU: q is its queue, and a close in flight on it is
	 * not to be preempted (interrupts and the tick skip closing meanwhile).
	 */
	preempt_disable();
	q = this_cpu_ptr(calls);
	if (smr_call_add(calls, node, expedite ? 0 : size, expedite)) {
		kick = smr_call_close(smr, q, false, expedite);
		/*
		 * A full batch: older ones whose goal is met need not wait
		 * for the tick.  Under a flood this bounds the pending
		 * callbacks by the worker's pace rather than by the tick's.
		 */
		kick |= smr_call_promote(smr, q);
	}
	if (kick)
		queue_work_on(q->cpu, smr_call_wq, &q->work);
	preempt_enable();
}

/**
 * smr_call() - call @cb once every current reader has left
 * @smr: the domain
 * @node: embedded in the object to reclaim; owned by smr until @cb runs
 * @size: about how many bytes @cb will free (0 if unknown), or
 *	SMR_CALL_EXPEDITE
 * @cb: the callback, run once, in process context (a workqueue)
 *
 * @size is bookkeeping, nothing is freed by smr: it is added to the
 * domain's pending bytes (debugfs ``stats``), a batch holding
 * call_size_cap bytes is closed at once, and pending bytes beyond the
 * limit of smr_call_set_limits() make the domain expedite.  A kmalloc'ed
 * object with nothing else to do than kfree() needs no callback:
 * smr_kfree() fills @size in.
 *
 * Every reader that might still see what the caller unpublished before
 * the call has left by the time @cb runs.  Calls are batched per CPU so
 * that one smr_advance() serves many of them, and aged by the per-cpu tick
 * so that their goal has normally been reached when they are looked at;
 * a callback usually runs two to three ticks after the call, sooner when
 * calls come fast enough to fill batches.
 * SMR_CALL_EXPEDITE closes the batch at once and has the worker wait for
 * it.  Callbacks of one CPU run in the order they were queued.  @cb may
 * queue its own node again.
 *
 * Queueing a node again before its callback has run is a bug.  With
 * CONFIG_DEBUG_OBJECTS it is caught: debugobjects warns, the domain's
 * misuse counter goes up, and the second call is ignored, the node staying
 * queued once with its first callback.  Without, the queue is corrupted.
 *
 * Context: any context except NMI; never sleeps (the raw lock is held for
 * O(1) work; like smr_advance(), it may spin in the clock's wrap guard).
 * May be called inside a section.
 */
void smr_call(struct smr *smr, struct smr_node *node, size_t size,
	      void (*cb)(struct smr_node *node))
{
	/* A "callback" in the first page would be taken for smr_kfree()'s. */
	if (smr_null(smr) ||
	    smr_misuse_once(!node || (unsigned long)cb < SMR_KFREE_OFFSET_MAX,
			    smr, "%s() without a node or a callback; ignored",
			    __func__))
		return;
	smr_call_queue(smr, node, size, cb);
}
EXPORT_SYMBOL_GPL(smr_call);

/**
 * __smr_kfree() - the out-of-line half of smr_kfree() and smr_kvfree()
 * @smr: the domain
 * @node: the object's struct smr_node
 * @offset: @node's offset in the object, below SMR_KFREE_OFFSET_MAX
 * @size: sizeof the object, counted for vmalloc memory
 *
 * Use smr_kfree(), which checks @offset at build time.  Without a domain
 * the object is kept (leaked): freeing it could hurt a reader.
 *
 * Context: as smr_call().
 */
void __smr_kfree(struct smr *smr, struct smr_node *node, size_t offset,
		 size_t size)
{
	void *obj = (void *)node - offset;

	if (smr_null(smr) ||
	    smr_misuse_once(offset >= SMR_KFREE_OFFSET_MAX, smr,
			    "smr_kfree() of a node %zu bytes into its object; kept",
			    offset))
		return;
	smr_call_queue(smr, node, is_vmalloc_addr(obj) ? size : ksize(obj),
		       (void (*)(struct smr_node *))offset);
}
EXPORT_SYMBOL_GPL(__smr_kfree);

/**
 * smr_call_tick() - the per-cpu tick's share of callback processing
 * @smr: the domain
 *
 * Closes this CPU's collecting batch, promotes the batches whose goal is
 * reached (committing the goals of aged batches on SMR_DEFERRED domains)
 * and kicks the worker when there is something to invoke.
 *
 * Context: the smr tick (softirq) on the CPU that owns the queue.
 */
void smr_call_tick(struct smr *smr)
{
	struct smr_call_pcpu __percpu *calls = smr_call_queues(smr);
	struct smr_call_pcpu *q;
	bool kick;

	if (!calls)
		return;
	q = this_cpu_ptr(calls);
	if (!READ_ONCE(q->cur.cnt) && !READ_ONCE(q->wait_nr))
		return;
	kick = smr_call_close(smr, q, true, false);
	kick |= smr_call_promote(smr, q);
	if (kick)
		queue_work_on(q->cpu, smr_call_wq, &q->work);
}

/**
 * smr_call_busy() - does this CPU's queue hold callbacks not yet promoted?
 * @smr: the domain
 *
 * Return: true while the tick must keep looking at this CPU's queue, even
 * if the CPU goes idle (smr_tick.c then keeps a non-deferrable tick).
 *
 * Context: the smr tick (softirq) on the CPU that owns the queue.
 */
bool smr_call_busy(struct smr *smr)
{
	struct smr_call_pcpu __percpu *calls = smr_call_queues(smr);
	struct smr_call_pcpu *q;

	if (!calls)
		return false;
	q = this_cpu_ptr(calls);
	return READ_ONCE(q->cur.cnt) || READ_ONCE(q->closing.cnt) ||
	       READ_ONCE(q->wait_nr);
}

/* ---- The worker --------------------------------------------------------- */

/*
 * Take what the worker may invoke: the done list, and when expedited
 * every closed batch (whose goals it then waits for).  The worker keeps
 * per-cpu order: everything taken is older than what stays behind.
 *
 * The worker closes cur itself, and clears expedite in the same critical
 * section that moves cur to closing: whoever expedited the queue before
 * that has its callbacks in the batch being closed or older, all taken
 * below; whoever expedites it after sets the flag again and kicks the
 * worker.  While another close is in flight the flag stays: that closer
 * kicks the worker when it is done; so it does when the worker runs on
 * another CPU while the queue's is online, where cur is not the worker's
 * to take: the queue's tick closes it and kicks the worker again.
 */
static bool smr_call_take(struct smr_call_pcpu *q, struct smr_cblist *out)
{
	unsigned long flags, goal;
	bool wait, close = false;

	raw_spin_lock_irqsave(&q->lock, flags);
	wait = q->expedite || q->offline;
	if (wait && !q->closing.cnt && smr_call_cur_mine(q)) {
		WRITE_ONCE(q->expedite, false);
		close = smr_call_close_begin(q, false);
	}
	raw_spin_unlock_irqrestore(&q->lock, flags);
	if (close) {
		goal = smr_advance(q->smr);
		raw_spin_lock_irqsave(&q->lock, flags);
		smr_call_close_end(q->smr, q, goal);
		raw_spin_unlock_irqrestore(&q->lock, flags);
	}

	raw_spin_lock_irqsave(&q->lock, flags);
	cblist_init(out);
	cblist_splice(out, &q->done);
	while (wait && q->wait_nr)
		smr_call_wait_pop(q, out);
	q->inflight = out->cnt;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	return out->cnt;
}

/*
 * Put a list whose goal could not be met back in front of wait, oldest
 * first as before; the tick polls it again.  What was closed or promoted
 * meanwhile is newer and stays behind it: done joins the list (taking its
 * goal, which is not older), and the batches in wait have goals not older
 * than either.
 */
static void smr_call_requeue(struct smr_call_pcpu *q, struct smr_cblist *list)
{
	struct smr_cblist *oldest;
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	list->aged = true;
	cblist_splice(list, &q->done);
	if (q->wait_nr == SMR_CALL_WAIT_SEGS) {
		/* In front of the oldest, with its (newer) goal. */
		oldest = smr_call_wait_slot(q, 0);
		cblist_splice(list, oldest);
	} else {
		q->wait_first = (q->wait_first + SMR_CALL_WAIT_SEGS - 1) %
				SMR_CALL_WAIT_SEGS;
		q->wait_nr++;
		oldest = smr_call_wait_slot(q, 0);
	}
	cblist_move(oldest, list);
	q->inflight = 0;
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

static void smr_barrier_cb(struct smr_node *node);

/* Run one callback; 1 if it counts as invoked, 0 for a barrier marker. */
static unsigned int smr_call_invoke_one(struct smr_node *node)
{
	bool marker = node->cb == smr_barrier_cb;

	/* Barrier markers are neither queued nor invoked callbacks. */
	if (!marker)
		smr_node_debug_unqueue(node);
	if (smr_node_is_kfree(node))
		smr_node_kfree(node);
	else
		node->cb(node);
	return !marker;
}

/*
 * Invoke @list once its goal is met.  False when the goal cannot be met
 * while the worker waits -- the worker's own sleepable section holds it,
 * a section a callback left open -- the list is then requeued, not run.
 */
static bool smr_call_invoke(struct smr *smr, struct smr_call_pcpu *q,
			    struct smr_cblist *list)
{
	struct smr_node *node = list->head, *next;
	unsigned long flags, invoked = 0;

	/* Block until the newest goal is reached (at once if promoted). */
	if (!smr_poll(smr, list->goal) &&
	    !smr_synchronize_goal(smr, list->goal)) {
		WARN_ONCE(1, "smr: %s: callback worker inside its own sleepable section; %lu callbacks requeued\n",
			  smr->name, list->cnt);
		smr_call_requeue(q, list);
		return false;
	}
	/* Accounted first, so that a barrier callback finds the counts final. */
	atomic_long_sub(list->cnt, &smr->call_pending_objs);
	atomic_long_sub(list->bytes, &smr->call_pending_bytes);
	trace_smr_call_batch_invoked(smr->name, q->cpu, list->cnt, list->goal);
	while (node) {
		next = node->next;
		/* Counted in bulk, but before a barrier's waiter looks. */
		if (node->cb == smr_barrier_cb && invoked) {
			smr_call_count(smr->calls, SMR_STAT_CALL_INVOKED, invoked);
			invoked = 0;
		}
		invoked += smr_call_invoke_one(node);
		node = next;
		cond_resched();
	}
	smr_call_count(smr->calls, SMR_STAT_CALL_INVOKED, invoked);

	raw_spin_lock_irqsave(&q->lock, flags);
	q->inflight = 0;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	return true;
}

static void smr_call_work(struct work_struct *work)
{
	struct smr_call_pcpu *q = container_of(work, struct smr_call_pcpu, work);
	struct smr_cblist list;

	/*
	 * Q5: early callbacks first (pairs with Q4 in smr_call_early_run()):
	 * they are older than anything of this queue's CPU queued after them.
	 * The init worker kicks this one when the last has run.
	 */
	if (atomic_read_acquire(&q->smr->call_early_nr))
		return;
	while (smr_call_take(q, &list))
		if (!smr_call_invoke(q->smr, q, &list))
			break;
}

/* ---- The init worker --------------------------------------------------- */

/*
 * Initialize @calls and publish them, unless other queues were published
 * first: then free @calls.  Under cpus_read_lock(): the online state read
 * here is the one the hotplug hooks last left; those that run after the
 * unlock find the queues published and update it.
 * Return: the domain's queues.
 */
static struct smr_call_pcpu __percpu *
smr_call_publish(struct smr *smr, struct smr_call_pcpu __percpu *calls)
{
	struct smr_call_pcpu __percpu *old = NULL;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct smr_call_pcpu *q = per_cpu_ptr(calls, cpu);

		raw_spin_lock_init(&q->lock);
		smr_cur_init(&q->cur);
		cblist_init(&q->closing);
		cblist_init(&q->done);
		INIT_WORK(&q->work, smr_call_work);
		q->smr = smr;
		q->cpu = cpu;
		q->offline = !cpu_online(cpu);
	}
	/* Q2: initialized before seen; pairs with Q1 in smr_call_queues(). */
	if (try_cmpxchg_release(&smr->calls, &old, calls))
		return calls;
	free_percpu(calls);
	return old;
}

/* The init worker: allocate the queues, sleeping if need be. */
static void smr_call_alloc(struct smr *smr)
{
	struct smr_call_pcpu __percpu *calls;

	calls = alloc_percpu(struct smr_call_pcpu);
	if (!calls)
		return;
	cpus_read_lock();
	smr_call_publish(smr, calls);
	cpus_read_unlock();
}

/*
 * The first call, where it can allocate at once: in a preemptible
 * context, where taking the per-cpu allocator's spinlock is allowed, even
 * on PREEMPT_RT, and with an atomic allocation (the caller may be in an
 * RCU read section), if no CPU hotplug is in flight (the caller may be a
 * hotplug callback).  Elsewhere, and if that fails: NULL, the early list.
 */
static struct smr_call_pcpu __percpu *smr_call_alloc_now(struct smr *smr)
{
	struct smr_call_pcpu __percpu *calls;

	if (!preemptible())
		return NULL;
	calls = alloc_percpu_gfp(struct smr_call_pcpu, GFP_NOWAIT | __GFP_NOWARN);
	if (!calls)
		return NULL;
	if (!cpus_read_trylock()) {
		free_percpu(calls);
		return NULL;
	}
	calls = smr_call_publish(smr, calls);
	cpus_read_unlock();
	return calls;
}

/* Reverse the early list, newest first, into the order of the calls. */
static struct smr_node *smr_call_early_fifo(struct smr_node *node,
					    unsigned long *n)
{
	struct smr_node *fifo = NULL, *next;

	for (*n = 0; node; node = next, ++*n) {
		next = node->next;
		node->next = fifo;
		fifo = node;
	}
	return fifo;
}

/*
 * Take the early list, wait for a goal taken after it and invoke it.
 * False when the list was empty.
 */
static bool smr_call_early_run(struct smr *smr)
{
	struct smr_node *node, *next;
	unsigned long goal, n;

	/* Q3: pairs with the push in smr_call_early(). */
	node = xchg(&smr->call_early, NULL);
	if (!node)
		return false;
	node = smr_call_early_fifo(node, &n);
	goal = smr_advance(smr);
	if (!smr_synchronize_goal(smr, goal)) {
		/* A callback left the worker inside a sleepable section. */
		WARN_ONCE(1, "smr: %s: callback worker inside its own sleepable section; %lu callbacks wait\n",
			  smr->name, n);
		while (!smr_poll_aged(smr, goal))
			schedule_timeout_uninterruptible(1);
	}
	/* Accounted first, so that a barrier callback finds the counts final. */
	atomic_long_sub(n, &smr->call_pending_objs);
	for (; node; node = next) {
		next = node->next;
		smr_call_invoke_one(node);
		cond_resched();
	}
	smr_stat_add(smr, SMR_STAT_CALL_INVOKED, n);
	/*
	 * Q4: the callbacks ran before the queues' workers may run later
	 * ones; pairs with Q5 in smr_call_work().
	 */
	smp_mb__before_atomic();
	atomic_sub(n, &smr->call_early_nr);
	return true;
}

/*
 * The early callbacks have run: the queues' workers, which ran nothing
 * meanwhile (Q5), may run theirs.  Every one is kicked, each time the
 * early list is found drained (in practice once per domain):
 * a worker that finds nothing to do returns at once.
 */
static void smr_call_kick_all(struct smr_call_pcpu __percpu *calls)
{
	int cpu;

	for_each_possible_cpu(cpu)
		queue_work_on(cpu, smr_call_wq, &per_cpu_ptr(calls, cpu)->work);
}

static void smr_call_init_work(struct work_struct *work)
{
	struct smr *smr = container_of(work, struct smr, call_init_work);
	bool ran = false;

	if (!smr->calls)
		smr_call_alloc(smr);
	while (smr_call_early_run(smr))
		ran = true;
	if (ran && smr->calls && !atomic_read(&smr->call_early_nr))
		smr_call_kick_all(smr->calls);
}

/* ---- smr_barrier() ------------------------------------------------------ */

struct smr_barrier_state {
	atomic_t remaining;
	struct completion done;
};

struct smr_barrier_node {
	struct smr_node node;
	struct smr_barrier_state *state;
	struct smr_call_pcpu *q;
	bool queued;
};

static void smr_barrier_cb(struct smr_node *node)
{
	struct smr_barrier_node *b = container_of(node, struct smr_barrier_node, node);

	if (atomic_dec_and_test(&b->state->remaining))
		complete(&b->state->done);
}

/*
 * Queue @b behind everything on @q and expedite it; false if @q is empty.
 * Under the lock, on @q's CPU or with @q offline: cur is ours (Locking).
 */
static bool smr_barrier_add(struct smr_call_pcpu *q, struct smr_barrier_node *b)
{
	lockdep_assert_held(&q->lock);
	if (smr_call_queue_empty(q))
		return false;
	b->node.cb = smr_barrier_cb;
	atomic_inc(&b->state->remaining);
	smr_cur_add(&q->cur, &b->node, 0);
	WRITE_ONCE(q->expedite, true);
	return true;
}

/* On @b->q's CPU, in hardirq context. */
static void smr_barrier_ipi(void *arg)
{
	struct smr_barrier_node *b = arg;

	raw_spin_lock(&b->q->lock);
	b->queued = smr_barrier_add(b->q, b);
	raw_spin_unlock(&b->q->lock);
}

/*
 * Queue @b behind everything on @cpu's queue and expedite it; false if
 * the queue is empty.  The worker closes the batch.  Only its CPU appends
 * to an online queue's cur, so the marker is queued there, by an IPI; an
 * offline queue is appended to under the lock.  A CPU that goes offline
 * meanwhile, refusing the IPI, has marked its queue offline first.
 */
static bool smr_barrier_queue(struct smr *smr, int cpu, struct smr_barrier_node *b)
{
	struct smr_call_pcpu *q = per_cpu_ptr(smr->calls, cpu);
	unsigned long flags;
	bool online;

	b->q = q;
	b->queued = false;
	do {
		raw_spin_lock_irqsave(&q->lock, flags);
		online = !q->offline;
		if (!online)
			b->queued = smr_barrier_add(q, b);
		else if (smr_call_queue_empty(q))
			online = false;
		raw_spin_unlock_irqrestore(&q->lock, flags);
	} while (online && smp_call_function_single(cpu, smr_barrier_ipi, b, 1));
	if (b->queued)
		queue_work_on(cpu, smr_call_wq, &q->work);
	return b->queued;
}

/**
 * smr_barrier() - wait for every smr_call() callback queued before it
 * @smr: the domain
 *
 * On every CPU, online or not, whose queue is not empty, queues a marker
 * behind the callbacks already there, expedites the queue and waits until
 * every marker has run.  Callbacks queued after it started -- by the
 * callbacks it waits for, too -- may not be waited for.  Use it before
 * tearing down what callbacks use, e.g. before a module that queued
 * callbacks is unloaded; smr_domain_free() repeats it until every queue is
 * empty.  First it waits for the domain's init worker, which runs the
 * callbacks queued before the domain had queues.  The markers of online
 * CPUs are queued by an IPI to each CPU whose queue is not empty.
 *
 * Called inside a section of @smr, sleepable or not, it cannot wait (the
 * callbacks wait for that section): it warns and returns.  From one of
 * its own callbacks it would wait for itself: don't.
 *
 * Context: task context, may sleep.
 */
void smr_barrier(struct smr *smr)
{
	struct smr_barrier_state state;
	struct smr_barrier_node *nodes;
	int cpu;

	if (smr_null(smr))
		return;
	if (smr_misuse_once(smr_entered(smr) || smr_sleepers_mine(smr), smr,
			    "barrier inside a section"))
		return;
	might_sleep();
	/* The callbacks queued before the queues existed have run after it. */
	flush_work(&smr->call_init_work);
	if (!smr_call_queues(smr)) {
		smr_stat_inc(smr, SMR_STAT_BARRIER);
		return;
	}
	/* No high-order allocation for many CPUs: kvcalloc falls back to vmalloc. */
	nodes = kvcalloc(nr_cpu_ids, sizeof(*nodes), GFP_KERNEL | __GFP_NOFAIL);
	atomic_set(&state.remaining, 1);
	init_completion(&state.done);
	for_each_possible_cpu(cpu) {
		nodes[cpu].state = &state;
		smr_barrier_queue(smr, cpu, &nodes[cpu]);
	}
	if (!atomic_dec_and_test(&state.remaining))
		wait_for_completion(&state.done);
	kvfree(nodes);
	smr_stat_inc(smr, SMR_STAT_BARRIER);
}
EXPORT_SYMBOL_GPL(smr_barrier);

/**
 * smr_call_stats() - the domain's queued and invoked callback counts
 * @smr: the domain
 * @queued: smr_call() calls that queued a callback
 * @invoked: callbacks run, never more than @queued
 *
 * Invoked is read first: a callback is counted as queued before it is
 * appended to its CPU's cur (or pushed on the early list), and invoked by
 * a worker after it took it from there through the queue's lock (or the
 * early list's xchg), so whatever invoked count is seen, the queued counts
 * behind it are seen too.
 */
void smr_call_stats(struct smr *smr, unsigned long *queued,
		    unsigned long *invoked)
{
	*invoked = smr_stat_sum(smr, SMR_STAT_CALL_INVOKED);
	/* Pairs with the release/acquire chains described above. */
	smp_rmb();
	*queued = smr_stat_sum(smr, SMR_STAT_CALL_QUEUED);
}

/**
 * smr_call_cpu_offline() - @cpu is going away: its queues expedite
 * @smr: the domain
 * @cpu: the dying CPU
 *
 * No tick runs on an offline CPU, so its callbacks would wait for it to
 * come back; instead its worker (which the workqueue then runs on another
 * CPU) waits for their goals and invokes them, and so for every later call
 * made there until the CPU is online again.
 */
void smr_call_cpu_offline(struct smr *smr, int cpu)
{
	struct smr_call_pcpu __percpu *calls = smr_call_queues(smr);
	struct smr_call_pcpu *q;
	unsigned long flags;

	/* No queues yet: smr_call_alloc() reads the online state. */
	if (!calls)
		return;
	q = per_cpu_ptr(calls, cpu);
	/* On @cpu itself, interrupts off: no append to cur is in flight. */
	raw_spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(q->offline, true);
	raw_spin_unlock_irqrestore(&q->lock, flags);
	queue_work_on(cpu, smr_call_wq, &q->work);
}

/**
 * smr_call_cpu_online() - @cpu is back: its tick drives its queues again
 * @smr: the domain
 * @cpu: the CPU
 */
void smr_call_cpu_online(struct smr *smr, int cpu)
{
	struct smr_call_pcpu __percpu *calls = smr_call_queues(smr);
	struct smr_call_pcpu *q;
	unsigned long flags;

	if (!calls)
		return;
	q = per_cpu_ptr(calls, cpu);
	raw_spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(q->offline, false);
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * smr_call_domain_init() - set up a new domain's callback state
 * @smr: the domain
 *
 * The queues themselves are allocated on first use (smr_call_alloc()).
 *
 * Return: 0.
 */
int smr_call_domain_init(struct smr *smr)
{
	smr->calls = NULL;
	smr->call_early = NULL;
	atomic_set(&smr->call_early_nr, 0);
	INIT_WORK(&smr->call_init_work, smr_call_init_work);
	atomic_long_set(&smr->call_pending_objs, 0);
	atomic_long_set(&smr->call_pending_bytes, 0);
	smr->call_limit_objs = min_t(unsigned long, call_limit_objs, LONG_MAX);
	smr->call_limit_bytes = min_t(unsigned long, call_limit_bytes, LONG_MAX);
	return 0;
}

static bool smr_call_all_empty(struct smr *smr)
{
	unsigned long flags;
	bool empty = true;
	int cpu;

	if (READ_ONCE(smr->call_early) || atomic_read(&smr->call_early_nr))
		return false;
	if (!smr->calls)
		return true;
	for_each_possible_cpu(cpu) {
		struct smr_call_pcpu *q = per_cpu_ptr(smr->calls, cpu);

		raw_spin_lock_irqsave(&q->lock, flags);
		empty = smr_call_queue_empty(q);
		raw_spin_unlock_irqrestore(&q->lock, flags);
		if (!empty)
			break;
	}
	return empty;
}

/**
 * smr_call_domain_exit() - run every pending callback and free the queues
 * @smr: the domain, no longer ticked
 *
 * Callbacks may queue more callbacks meanwhile (a callback that queues
 * its own node again, a chain): those run too.  Each round is a barrier,
 * then the workers are stopped; the queues are freed only once a round
 * finds them all empty, and the early list too.
 *
 * Context: task context, may sleep.
 */
void smr_call_domain_exit(struct smr *smr)
{
	int cpu;

	do {
		smr_barrier(smr);
		/* Wait for the workers, e.g. one finishing a marker's batch. */
		flush_work(&smr->call_init_work);
		if (smr->calls)
			for_each_possible_cpu(cpu)
				cancel_work_sync(&per_cpu_ptr(smr->calls, cpu)->work);
	} while (!smr_call_all_empty(smr));
	cancel_work_sync(&smr->call_init_work);
	free_percpu(smr->calls);
	smr->calls = NULL;
}

/**
 * smr_call_stat_sum() - the callback queues' share of a counter
 * @smr: the domain
 * @stat: one of SMR_STAT_CALL_QUEUED, SMR_STAT_CALL_INVOKED and
 *	SMR_STAT_CALL_BATCH
 *
 * Return: the sum over the queues of all CPUs, 0 before they exist.
 */
unsigned long smr_call_stat_sum(struct smr *smr, enum smr_stat stat)
{
	struct smr_call_pcpu __percpu *calls = smr_call_queues(smr);
	unsigned long sum = 0;
	int cpu;

	if (!calls || stat < SMR_STAT_PCPU_NR || stat >= SMR_STAT_CALL_END)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(calls, cpu)->stats[stat - SMR_STAT_PCPU_NR]);
	return sum;
}

/**
 * smr_call_pcpu_bytes() - per-cpu bytes of a domain's callback queues
 * @smr: the domain
 *
 * Return: sizeof(struct smr_call_pcpu) once the queues exist, else 0.
 */
size_t smr_call_pcpu_bytes(struct smr *smr)
{
	return smr_call_queues(smr) ? sizeof(struct smr_call_pcpu) : 0;
}

/**
 * smr_call_params_check() - validate the smr_call module parameters
 *
 * Return: 0, or -EINVAL after saying which one is wrong.
 */
int smr_call_params_check(void)
{
	if (!call_cnt_cap || call_cnt_cap > 65536) {
		pr_err("call_cnt_cap=%u is out of range (1-65536)\n", call_cnt_cap);
		return -EINVAL;
	}
	if (!call_size_cap || call_size_cap > INT_MAX) {
		pr_err("call_size_cap=%u is out of range (1-%d)\n", call_size_cap,
		       INT_MAX);
		return -EINVAL;
	}
	if (!call_limit_objs || !call_limit_bytes) {
		pr_err("call_limit_objs and call_limit_bytes must not be 0\n");
		return -EINVAL;
	}
	return 0;
}

/**
 * smr_call_init() - create the callback workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int smr_call_init(void)
{
	smr_call_wq = alloc_workqueue("smr_call", WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	return smr_call_wq ? 0 : -ENOMEM;
}

/** smr_call_exit() - destroy the callback workqueue */
void smr_call_exit(void)
{
	destroy_workqueue(smr_call_wq);
}
