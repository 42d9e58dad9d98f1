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
 * queue, so callbacks run without further calls.
 *
 * Expedited queues skip the ageing: the worker waits for the goals itself.
 * A queue is expedited by SMR_CALL_EXPEDITE, by smr_barrier(), when its
 * CPU is offline (no tick runs there), and when the domain's pending
 * callbacks exceed call_limit_objs or call_limit_bytes.  Pending work is
 * accounted per domain when a batch closes and when it is invoked, not per
 * call, so that smr_call() writes no shared cache line.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
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
};

/**
 * struct smr_call_pcpu - one CPU's callback queue of a domain
 * @lock: protects the lists; taken with interrupts off, only ever alone.
 * @cur: callbacks without a goal yet.
 * @wait: closed batches, oldest at @wait_first.
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
}

static void cblist_add(struct smr_cblist *l, struct smr_node *node, size_t size)
{
	node->next = NULL;
	*l->tail = node;
	l->tail = &node->next;
	l->cnt++;
	l->bytes = size > ULONG_MAX - l->bytes ? ULONG_MAX : l->bytes + size;
}

/* Move all of @src to the end of @dst, which takes the newer goal. */
static void cblist_splice(struct smr_cblist *dst, struct smr_cblist *src)
{
	if (!src->cnt)
		return;
	*dst->tail = src->head;
	dst->tail = src->tail;
	dst->goal = src->goal;
	dst->cnt += src->cnt;
	dst->bytes += src->bytes;
	cblist_init(src);
}

static bool smr_call_queue_empty(struct smr_call_pcpu *q)
{
	return !q->cur.cnt && !q->wait_nr && !q->done.cnt && !q->inflight;
}

static struct smr_cblist *smr_call_wait_slot(struct smr_call_pcpu *q,
					     unsigned int i)
{
	return &q->wait[(q->wait_first + i) % SMR_CALL_WAIT_SEGS];
}

static bool smr_call_over_limit(struct smr *smr)
{
	return atomic_long_read(&smr->call_pending_objs) >
	       (long)READ_ONCE(smr->call_limit_objs) ||
	       atomic_long_read(&smr->call_pending_bytes) >
	       (long)READ_ONCE(smr->call_limit_bytes);
}

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
	if (WARN_ON_ONCE(!smr || !objs || !bytes))
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

/*
 * Close the collecting batch with one goal.  Returns true when the worker
 * must be kicked because the queue is expedited.
 */
static bool smr_call_close(struct smr *smr, struct smr_call_pcpu *q)
{
	struct smr_cblist *newest;
	long objs;

	if (q->cur.cnt) {
		q->cur.goal = smr_advance(smr);
		objs = atomic_long_add_return(q->cur.cnt, &smr->call_pending_objs);
		atomic_long_add(q->cur.bytes, &smr->call_pending_bytes);
		smr_call_peak(&smr->call_peak_objs, objs);
		smr_call_peak(&smr->call_peak_bytes,
			      atomic_long_read(&smr->call_pending_bytes));
		if (q->wait_nr == SMR_CALL_WAIT_SEGS) {
			/* Merge into the newest batch: a later goal is safe. */
			newest = smr_call_wait_slot(q, q->wait_nr - 1);
		} else {
			newest = smr_call_wait_slot(q, q->wait_nr++);
			cblist_init(newest);
		}
		trace_smr_call_batch_queued(smr->name, q->cpu, q->cur.cnt,
					    q->cur.goal);
		cblist_splice(newest, &q->cur);
		smr_stat_inc(smr, SMR_STAT_CALL_BATCH);
		if (smr_call_over_limit(smr) && !q->expedite) {
			smr_stat_inc(smr, SMR_STAT_CALL_EXPEDITE);
			q->expedite = true;
		}
	}
	return q->expedite || q->offline;
}

/* Move the batches whose goal is reached to done; true if any is done. */
static bool smr_call_promote(struct smr *smr, struct smr_call_pcpu *q)
{
	struct smr_cblist *oldest;

	while (q->wait_nr) {
		oldest = smr_call_wait_slot(q, 0);
		if (!smr_poll(smr, oldest->goal))
			break;
		cblist_splice(&q->done, oldest);
		q->wait_first = (q->wait_first + 1) % SMR_CALL_WAIT_SEGS;
		q->wait_nr--;
	}
	return q->done.cnt;
}

/**
 * smr_call() - call @cb once every current reader has left
 * @smr: the domain
 * @node: embedded in the object to reclaim; owned by smr until @cb runs
 * @size: roughly how many bytes @cb will free, or SMR_CALL_EXPEDITE
 * @cb: the callback, run once, in process context (a workqueue)
 *
 * Every reader that might still see what the caller unpublished before
 * the call has left by the time @cb runs.  Calls are batched per CPU so
 * that one smr_advance() serves many of them, and aged by the per-cpu tick
 * so that their goal has normally been reached when they are looked at;
 * a callback usually runs two to three ticks after the call, sooner when
 * calls come fast enough to fill batches.
 * SMR_CALL_EXPEDITE closes the batch at once and has the worker wait for
 * it.  Callbacks of one CPU run in the order they were queued.
 *
 * Context: any context except NMI; never blocks.  May be called inside a
 * section.
 */
void smr_call(struct smr *smr, struct smr_node *node, size_t size,
	      void (*cb)(struct smr_node *node))
{
	struct smr_call_pcpu *q;
	unsigned long flags;
	bool kick = false;

	if (WARN_ON_ONCE(!smr || !node || !cb))
		return;
	node->cb = cb;

	local_irq_save(flags);
	q = this_cpu_ptr(smr->calls);
	raw_spin_lock(&q->lock);
	cblist_add(&q->cur, node, size == SMR_CALL_EXPEDITE ? 0 : size);
	smr_stat_inc(smr, SMR_STAT_CALL_QUEUED);
	if (size == SMR_CALL_EXPEDITE)
		q->expedite = true;
	if (q->expedite || q->offline || q->cur.cnt >= call_cnt_cap ||
	    q->cur.bytes >= call_size_cap) {
		kick = smr_call_close(smr, q);
		/*
		 * A full batch: older ones whose goal is met need not wait
		 * for the tick.  Under a flood this bounds the pending
		 * callbacks by the worker's pace rather than by the tick's.
		 */
		kick |= smr_call_promote(smr, q);
	}
	raw_spin_unlock(&q->lock);
	if (kick)
		queue_work_on(q->cpu, smr_call_wq, &q->work);
	/* Promoted even if this CPU goes idle or tickless next. */
	smr_tick_kick();
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(smr_call);

/**
 * smr_call_tick() - the per-cpu tick's share of callback processing
 * @smr: the domain
 *
 * Closes this CPU's collecting batch, promotes the batches whose goal is
 * reached and kicks the worker when there is something to invoke.
 *
 * Context: the smr tick (softirq) on the CPU that owns the queue.
 */
void smr_call_tick(struct smr *smr)
{
	struct smr_call_pcpu *q = this_cpu_ptr(smr->calls);
	unsigned long flags;
	bool kick;

	if (!READ_ONCE(q->cur.cnt) && !READ_ONCE(q->wait_nr))
		return;
	raw_spin_lock_irqsave(&q->lock, flags);
	kick = smr_call_close(smr, q);
	kick |= smr_call_promote(smr, q);
	raw_spin_unlock_irqrestore(&q->lock, flags);
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

	return READ_ONCE(q->cur.cnt) || READ_ONCE(q->wait_nr);
}

/*
 * Take what the worker may invoke: the done list, and when expedited
 * every closed batch (whose goals it then waits for).  The worker keeps
 * per-cpu order: everything taken is older than what stays behind.
 */
static bool smr_call_take(struct smr_call_pcpu *q, struct smr_cblist *out)
{
	unsigned long flags;
	bool wait;

	raw_spin_lock_irqsave(&q->lock, flags);
	cblist_init(out);
	wait = q->expedite || q->offline;
	if (wait)
		smr_call_close(q->smr, q);
	cblist_splice(out, &q->done);
	if (wait) {
		while (q->wait_nr) {
			cblist_splice(out, smr_call_wait_slot(q, 0));
			q->wait_first = (q->wait_first + 1) % SMR_CALL_WAIT_SEGS;
			q->wait_nr--;
		}
		q->expedite = false;
	}
	q->inflight = out->cnt;
	raw_spin_unlock_irqrestore(&q->lock, flags);
	return out->cnt;
}

static void smr_call_invoke(struct smr *smr, struct smr_call_pcpu *q,
			    struct smr_cblist *list)
{
	struct smr_node *node = list->head, *next;
	unsigned long flags;

	/* Block until the newest goal is reached (at once if promoted). */
	if (!smr_poll(smr, list->goal))
		smr_synchronize_goal(smr, list->goal);
	/* Accounted first, so that a barrier callback finds the counts final. */
	atomic_long_sub(list->cnt, &smr->call_pending_objs);
	atomic_long_sub(list->bytes, &smr->call_pending_bytes);
	this_cpu_add(smr->pcpu->stats[SMR_STAT_CALL_INVOKED], list->cnt);
	trace_smr_call_batch_invoked(smr->name, q->cpu, list->cnt, list->goal);
	while (node) {
		next = node->next;
		node->cb(node);
		node = next;
		cond_resched();
	}

	raw_spin_lock_irqsave(&q->lock, flags);
	q->inflight = 0;
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

static void smr_call_work(struct work_struct *work)
{
	struct smr_call_pcpu *q = container_of(work, struct smr_call_pcpu, work);
	struct smr_cblist list;

	while (smr_call_take(q, &list))
		smr_call_invoke(q->smr, q, &list);
}

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

/* Queue @b behind everything on @cpu's queue; false if it is empty. */
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
		smr_call_close(smr, q);
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
 * On every CPU, online or not, queues a marker behind the callbacks
 * already there, expedites the queue and waits until every marker has
 * run.  Use it before tearing down what callbacks use, e.g. before a
 * module that queued callbacks is unloaded; smr_domain_free() does it.
 *
 * Called inside a section of @smr it cannot wait: it warns and returns.
 *
 * Context: task context, may sleep.
 */
void smr_barrier(struct smr *smr)
{
	struct smr_barrier_state state;
	struct smr_barrier_node *nodes;
	int cpu;

	if (WARN_ON_ONCE(!smr))
		return;
	if (WARN_ONCE(smr_entered(smr), "smr: %s: barrier inside a section\n",
		      smr->name)) {
		smr_stat_inc(smr, SMR_STAT_MISUSE);
		return;
	}
	might_sleep();
	nodes = kcalloc(nr_cpu_ids, sizeof(*nodes), GFP_KERNEL | __GFP_NOFAIL);
	atomic_set(&state.remaining, 1);
	init_completion(&state.done);
	for_each_possible_cpu(cpu) {
		nodes[cpu].state = &state;
		smr_barrier_queue(smr, cpu, &nodes[cpu]);
	}
	if (!atomic_dec_and_test(&state.remaining))
		wait_for_completion(&state.done);
	kfree(nodes);
	smr_stat_inc(smr, SMR_STAT_BARRIER);
}
EXPORT_SYMBOL_GPL(smr_barrier);

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
		cblist_init(&q->done);
		INIT_WORK(&q->work, smr_call_work);
		q->smr = smr;
		q->cpu = cpu;
		q->offline = !cpu_online(cpu);
	}
	return 0;
}

/**
 * smr_call_domain_exit() - run every pending callback and free the queues
 * @smr: the domain
 *
 * Context: task context, may sleep.
 */
void smr_call_domain_exit(struct smr *smr)
{
	int cpu;

	if (!smr->calls)
		return;
	smr_barrier(smr);
	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(smr->calls, cpu)->work);
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
