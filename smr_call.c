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
 * Locking.  A queue's raw lock is held for O(1) work only: list splices,
 * flags and counters.  Goals are taken (smr_advance(), which may wait in
 * its wrap guard) and polled (which may scan every CPU and every sleepable
 * reader) with the lock dropped; see smr_call_close() and
 * smr_call_promote() for why that is safe.
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

/**
 * struct smr_call_pcpu - one CPU's callback queue of a domain
 * @lock: protects the lists; taken with interrupts off, only ever alone,
 *	and held for O(1) work only.
 * @cur: callbacks without a goal yet.
 * @closing: the batch being closed: taken from @cur, its goal being taken
 *	with the lock dropped.  Empty unless a close is in progress; at most
 *	one close per queue is.
 * @wait: closed batches, oldest at @wait_first; goals never decrease.
 * @wait_first: index of the oldest batch in @wait.
 * @wait_nr: closed batches.
 * @done: callbacks whose goal is reached, to be invoked.
 * @inflight: callbacks taken by the worker and not yet invoked.
 * @expedite: the worker waits for goals instead of the tick.
 * @offline: the CPU is offline: every call expedites.
 * @work: the worker, queued on this CPU.
 * @smr: the domain.
 * @cpu: the CPU.
 */
struct smr_call_pcpu {
	raw_spinlock_t lock;
	struct smr_cblist cur;
	struct smr_cblist closing;
	struct smr_cblist wait[SMR_CALL_WAIT_SEGS];
	unsigned int wait_first, wait_nr;
	struct smr_cblist done;
	unsigned long inflight;
	bool expedite, offline;
	struct work_struct work;
	struct smr *smr;
	int cpu;
};

static struct workqueue_struct *smr_call_wq;

static void cblist_init(struct smr_cblist *l)
{
	l->head = NULL;
	l->tail = &l->head;
	l->goal = 0;
	l->cnt = 0;
	l->bytes = 0;
	l->aged = false;
}

static void cblist_add(struct smr_cblist *l, struct smr_node *node, size_t size)
{
	node->next = NULL;
	*l->tail = node;
	l->tail = &node->next;
	l->cnt++;
	l->bytes = size > ULONG_MAX - l->bytes ? ULONG_MAX : l->bytes + size;
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

static bool smr_call_queue_empty(struct smr_call_pcpu *q)
{
	return !q->cur.cnt && !q->closing.cnt && !q->wait_nr && !q->done.cnt &&
	       !q->inflight;
}

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

	lockdep_assert_held(&q->lock);
	/* Batches closed before this tick have now aged by one. */
	if (age)
		for (i = 0; i < q->wait_nr; i++)
			smr_call_wait_slot(q, i)->aged = true;
	if (!q->cur.cnt || q->closing.cnt)
		return false;
	cblist_move(&q->closing, &q->cur);
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
	smr_stat_inc(smr, SMR_STAT_CALL_BATCH);
	if (smr_call_over_limit(smr) && !q->expedite) {
		smr_stat_inc(smr, SMR_STAT_CALL_EXPEDITE);
		q->expedite = true;
	}
}

/*
 * Close the collecting batch with one goal (see above); @age: the tick
 * calls, so the batches already closed have aged.  Returns true when the
 * worker must be kicked because the queue is expedited.
 */
static bool smr_call_close(struct smr *smr, struct smr_call_pcpu *q, bool age)
{
	unsigned long flags, goal;
	bool kick;

	raw_spin_lock_irqsave(&q->lock, flags);
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

/* smr_call() and smr_kfree(): queue @node on this CPU, close and kick. */
static void smr_call_queue(struct smr *smr, struct smr_node *node,
			   size_t size, void (*cb)(struct smr_node *node))
{
	struct smr_call_pcpu *q;
	unsigned long flags;
	bool close, kick = false;

	/* Before the node is touched: a queued node is not ours to change. */
	if (smr_node_debug_queue(node)) {
		smr_call_double(smr, node);
		return;
	}
	node->cb = cb;

	/*
	 * Stay on this CPU: q is its queue, and a close in flight on it is
	 * not to be preempted (interrupts and the tick skip closing meanwhile).
	 */
	preempt_disable();
	q = this_cpu_ptr(smr->calls);
	raw_spin_lock_irqsave(&q->lock, flags);
	cblist_add(&q->cur, node, size == SMR_CALL_EXPEDITE ? 0 : size);
	smr_stat_inc(smr, SMR_STAT_CALL_QUEUED);
	if (size == SMR_CALL_EXPEDITE)
		q->expedite = true;
	close = q->expedite || q->offline || q->cur.cnt >= call_cnt_cap ||
		q->cur.bytes >= call_size_cap;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	if (close) {
		kick = smr_call_close(smr, q, false);
		/*
		 * A full batch: older ones whose goal is met need not wait
		 * for the tick.  Under a flood this bounds the pending
		 * callbacks by the worker's pace rather than by the tick's.
		 */
		kick |= smr_call_promote(smr, q);
	}
	if (kick)
		queue_work_on(q->cpu, smr_call_wq, &q->work);
	/* Promoted even if this CPU goes idle or tickless next. */
	smr_tick_kick();
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
	struct smr_call_pcpu *q = this_cpu_ptr(smr->calls);
	bool kick;

	if (!READ_ONCE(q->cur.cnt) && !READ_ONCE(q->wait_nr))
		return;
	kick = smr_call_close(smr, q, true);
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
	struct smr_call_pcpu *q = this_cpu_ptr(smr->calls);

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
 * kicks the worker when it is done.
 */
static bool smr_call_take(struct smr_call_pcpu *q, struct smr_cblist *out)
{
	unsigned long flags, goal;
	bool wait, close = false;

	raw_spin_lock_irqsave(&q->lock, flags);
	wait = q->expedite || q->offline;
	if (wait && !q->closing.cnt) {
		q->expedite = false;
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

/*
 * Invoke @list once its goal is met.  False when the goal cannot be met
 * while the worker waits -- the worker's own sleepable section holds it,
 * a section a callback left open -- the list is then requeued, not run.
 */
static bool smr_call_invoke(struct smr *smr, struct smr_call_pcpu *q,
			    struct smr_cblist *list)
{
	struct smr_node *node = list->head, *next;
	unsigned long flags;

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
		/* Barrier markers are neither queued nor invoked callbacks. */
		if (node->cb != smr_barrier_cb) {
			smr_node_debug_unqueue(node);
			smr_stat_inc(smr, SMR_STAT_CALL_INVOKED);
		}
		if (smr_node_is_kfree(node))
			smr_node_kfree(node);
		else
			node->cb(node);
		node = next;
		cond_resched();
	}

	raw_spin_lock_irqsave(&q->lock, flags);
	q->inflight = 0;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	return true;
}

static void smr_call_work(struct work_struct *work)
{
	struct smr_call_pcpu *q = container_of(work, struct smr_call_pcpu, work);
	struct smr_cblist list;

	while (smr_call_take(q, &list))
		if (!smr_call_invoke(q->smr, q, &list))
			break;
}

/* ---- smr_barrier() ------------------------------------------------------ */

struct smr_barrier_state {
	atomic_t remaining;
	struct completion done;
};

struct smr_barrier_node {
	struct smr_node node;
	struct smr_barrier_state *state;
};

static void smr_barrier_cb(struct smr_node *node)
{
	struct smr_barrier_node *b = container_of(node, struct smr_barrier_node, node);

	if (atomic_dec_and_test(&b->state->remaining))
		complete(&b->state->done);
}

/*
 * Queue @b behind everything on @cpu's queue and expedite it; false if
 * the queue is empty.  The worker closes the batch.
 */
static bool smr_barrier_queue(struct smr *smr, int cpu, struct smr_barrier_node *b)
{
	struct smr_call_pcpu *q = per_cpu_ptr(smr->calls, cpu);
	unsigned long flags;
	bool queued = false;

	raw_spin_lock_irqsave(&q->lock, flags);
	if (!smr_call_queue_empty(q)) {
		b->node.cb = smr_barrier_cb;
		atomic_inc(&b->state->remaining);
		cblist_add(&q->cur, &b->node, 0);
		q->expedite = true;
		queued = true;
	}
	raw_spin_unlock_irqrestore(&q->lock, flags);
	if (queued)
		queue_work_on(cpu, smr_call_wq, &q->work);
	return queued;
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
 * empty.
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
 * Invoked is read first: a callback is counted as queued under its queue's
 * lock, and invoked by the worker after it took that lock, so whatever
 * invoked count is seen, the queued counts behind it are seen too.
 */
void smr_call_stats(struct smr *smr, unsigned long *queued,
		    unsigned long *invoked)
{
	*invoked = smr_stat_sum(smr, SMR_STAT_CALL_INVOKED);
	/* Pairs with the queue lock's release/acquire chain described above. */
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
	struct smr_call_pcpu *q = per_cpu_ptr(smr->calls, cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	q->offline = true;
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
	struct smr_call_pcpu *q = per_cpu_ptr(smr->calls, cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	q->offline = false;
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * smr_call_domain_init() - set up a new domain's callback queues
 * @smr: the domain
 *
 * Return: 0 or -ENOMEM.
 */
int smr_call_domain_init(struct smr *smr)
{
	int cpu;

	smr->calls = alloc_percpu(struct smr_call_pcpu);
	if (!smr->calls)
		return -ENOMEM;
	atomic_long_set(&smr->call_pending_objs, 0);
	atomic_long_set(&smr->call_pending_bytes, 0);
	smr->call_limit_objs = min_t(unsigned long, call_limit_objs, LONG_MAX);
	smr->call_limit_bytes = min_t(unsigned long, call_limit_bytes, LONG_MAX);
	for_each_possible_cpu(cpu) {
		struct smr_call_pcpu *q = per_cpu_ptr(smr->calls, cpu);

		raw_spin_lock_init(&q->lock);
		cblist_init(&q->cur);
		cblist_init(&q->closing);
		cblist_init(&q->done);
		INIT_WORK(&q->work, smr_call_work);
		q->smr = smr;
		q->cpu = cpu;
		q->offline = !cpu_online(cpu);
	}
	return 0;
}

static bool smr_call_all_empty(struct smr *smr)
{
	unsigned long flags;
	bool empty = true;
	int cpu;

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
 * finds them all empty.
 *
 * Context: task context, may sleep.
 */
void smr_call_domain_exit(struct smr *smr)
{
	int cpu;

	if (!smr->calls)
		return;
	do {
		smr_barrier(smr);
		/* Wait for the workers, e.g. one finishing a marker's batch. */
		for_each_possible_cpu(cpu)
			cancel_work_sync(&per_cpu_ptr(smr->calls, cpu)->work);
	} while (!smr_call_all_empty(smr));
	free_percpu(smr->calls);
	smr->calls = NULL;
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
