// SPDX-License-Identifier: GPL-2.0
/*
 * smr_cache: a kmem_cache whose freed objects are reused only once no
 * reader can still see them (FreeBSD's UMA_ZONE_SMR, on top of slab).
 *
 * smr_cache_free() puts an object into this CPU's free batch; it is not
 * reused yet.  A full batch is tagged with the goal of one smr_advance()
 * -- one advance per batch, not per object -- and queued, oldest first, on
 * the cache's list of tagged batches.  smr_cache_alloc() hands out objects
 * from this CPU's reuse batch; when that is empty it takes the oldest
 * tagged batch if smr_poll() says its goal is reached, and otherwise takes
 * a fresh object from the slab rather than wait.  By the time a batch is
 * at the head of the list its goal has normally long been reached, so the
 * poll is answered from rd_seq alone.
 *
 * Bounds: a cache keeps at most SMR_CACHE_MAX_TAGGED tagged batches for
 * reuse; past that, freeing returns the expired ones to the slab (a poll,
 * never a wait), so a flood of frees without allocations holds only what
 * readers really still hold.  The domain accounts its caches' pending
 * objects and bytes (debugfs).  Under memory pressure a shrinker returns
 * tagged batches to the slab -- those whose goal is reached at once, and,
 * when reclaim may block, the others after waiting for their goal.
 * smr_cache_destroy() waits for every batch still pending and releases
 * everything.
 *
 * Several caches may share one domain; a domain must outlive its caches.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "smr_internal.h"
#include "smr_trace.h"

#define SMR_CACHE_BATCH		32	/* objects per batch: one advance each */
#define SMR_CACHE_MAX_TAGGED	64	/* batches kept for reuse, then trimmed */

struct smr_cache_batch {
	struct list_head node;
	unsigned long goal;
	unsigned int nr;
	void *objs[SMR_CACHE_BATCH];
};

/**
 * struct smr_cache_pcpu - one CPU's batches of a cache
 * @free: collecting freed objects; not reusable yet.
 * @reuse: objects whose goal is reached, handed out first.
 */
struct smr_cache_pcpu {
	struct smr_cache_batch *free;
	struct smr_cache_batch *reuse;
};

/**
 * struct smr_cache - an SMR-aware object cache
 * @slab: the underlying kmem_cache.
 * @smr: the domain readers of these objects enter.
 * @pcpu: per-cpu batches.
 * @lock: protects @tagged and @ntagged.
 * @tagged: full batches with their goal, oldest first.
 * @ntagged: batches on @tagged.
 * @shrinker: returns tagged batches to the slab under memory pressure.
 * @fail_batch_alloc: test hook: batch allocations fail.
 */
struct smr_cache {
	struct kmem_cache *slab;
	struct smr *smr;
	struct smr_cache_pcpu __percpu *pcpu;
	spinlock_t lock;			/* protects tagged and ntagged */
	struct list_head tagged;
	unsigned long ntagged;
	struct shrinker *shrinker;
	bool fail_batch_alloc;
};

/* Account a batch's objects as pending in the domain (or no longer). */
static void smr_cache_account(struct smr_cache *c, struct smr_cache_batch *b,
			      long sign)
{
	atomic_long_add(sign * b->nr, &c->smr->cache_pending_objs);
	atomic_long_add(sign * b->nr * kmem_cache_size(c->slab),
			&c->smr->cache_pending_bytes);
}

static void smr_cache_batch_release(struct smr_cache *c,
				    struct smr_cache_batch *b)
{
	while (b->nr)
		kmem_cache_free(c->slab, b->objs[--b->nr]);
	kfree(b);
}

static struct smr_cache_batch *smr_cache_take_expired(struct smr_cache *c);

/* Too many batches kept: return the expired ones to the slab. */
static void smr_cache_trim(struct smr_cache *c)
{
	struct smr_cache_batch *b;
	unsigned long freed = 0;

	while (READ_ONCE(c->ntagged) > SMR_CACHE_MAX_TAGGED &&
	       (b = smr_cache_take_expired(c))) {
		freed += b->nr;
		smr_cache_batch_release(c, b);
	}
	if (freed)
		this_cpu_add(c->smr->pcpu->stats[SMR_STAT_CACHE_SHRUNK], freed);
}

/* Tag a full free batch with one goal and queue it for reuse. */
static void smr_cache_tag(struct smr_cache *c, struct smr_cache_batch *b)
{
	unsigned long flags;

	b->goal = smr_advance(c->smr);
	smr_cache_account(c, b, 1);
	spin_lock_irqsave(&c->lock, flags);
	list_add_tail(&b->node, &c->tagged);
	c->ntagged++;
	spin_unlock_irqrestore(&c->lock, flags);
	smr_stat_inc(c->smr, SMR_STAT_CACHE_BATCH);
	trace_smr_cache_batch_tagged(c->smr->name, raw_smp_processor_id(),
				     b->nr, b->goal);
	if (READ_ONCE(c->ntagged) > SMR_CACHE_MAX_TAGGED)
		smr_cache_trim(c);
}

/* The oldest tagged batch, if its goal is reached. */
static struct smr_cache_batch *smr_cache_take_expired(struct smr_cache *c)
{
	struct smr_cache_batch *b;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	b = list_first_entry_or_null(&c->tagged, struct smr_cache_batch, node);
	if (b && smr_poll(c->smr, b->goal)) {
		list_del(&b->node);
		c->ntagged--;
		smr_cache_account(c, b, -1);
		trace_smr_cache_batch_reused(c->smr->name, raw_smp_processor_id(),
					     b->nr, b->goal);
	} else {
		b = NULL;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return b;
}

/**
 * smr_cache_alloc() - allocate an object, reusing one only when it is safe
 * @c: the cache
 * @gfp: allocation flags for a fresh object
 *
 * Never waits for readers: when no freed object has expired, a fresh one
 * comes from the slab.
 *
 * Context: as kmem_cache_alloc() with @gfp.
 * Return: the object, or NULL.
 */
void *smr_cache_alloc(struct smr_cache *c, gfp_t gfp)
{
	struct smr_cache_pcpu *pc;
	struct smr_cache_batch *b;
	unsigned long flags;
	void *obj = NULL;

	local_irq_save(flags);
	pc = this_cpu_ptr(c->pcpu);
	if (!pc->reuse || !pc->reuse->nr) {
		b = smr_cache_take_expired(c);
		if (b) {
			kfree(pc->reuse);	/* empty, or NULL */
			pc->reuse = b;
		}
	}
	if (pc->reuse && pc->reuse->nr)
		obj = pc->reuse->objs[--pc->reuse->nr];
	local_irq_restore(flags);

	if (obj) {
		smr_stat_inc(c->smr, SMR_STAT_CACHE_REUSED);
		if (gfp & __GFP_ZERO)
			memset(obj, 0, kmem_cache_size(c->slab));
		return obj;
	}
	smr_stat_inc(c->smr, SMR_STAT_CACHE_FRESH);
	return kmem_cache_alloc(c->slab, gfp);
}
EXPORT_SYMBOL_GPL(smr_cache_alloc);

/**
 * smr_cache_free() - free an object that readers may still see
 * @c: the cache
 * @obj: the object, already unpublished
 *
 * The object is reused, or returned to the slab, only after every reader
 * that could see it has left.  Never waits, unless no memory can be found
 * for a new batch: then it waits for the full batch's goal (readers are
 * short) and returns that batch to the slab.
 *
 * Context: any context except NMI; not inside a section of the cache's
 * domain when memory is that short.
 */
void smr_cache_free(struct smr_cache *c, void *obj)
{
	struct smr_cache_pcpu *pc;
	struct smr_cache_batch *b;
	unsigned long flags;

	if (!obj)
		return;
	local_irq_save(flags);
	pc = this_cpu_ptr(c->pcpu);
	b = pc->free;
	if (b) {
		b->objs[b->nr++] = obj;
		obj = NULL;
		if (b->nr == SMR_CACHE_BATCH)
			pc->free = NULL;
		else
			b = NULL;
	}
	local_irq_restore(flags);
	if (b)
		smr_cache_tag(c, b);	/* full */
	if (!obj)
		return;

	/* No batch on this CPU: start one with this object. */
	b = READ_ONCE(c->fail_batch_alloc) ? NULL :
	    kmalloc(sizeof(*b), GFP_ATOMIC | __GFP_NOWARN);
	if (!b) {
		smr_wait(c->smr, smr_advance(c->smr));
		kmem_cache_free(c->slab, obj);
		return;
	}
	b->nr = 1;
	b->objs[0] = obj;
	local_irq_save(flags);
	pc = this_cpu_ptr(c->pcpu);
	if (!pc->free) {
		pc->free = b;
		b = NULL;
	}
	local_irq_restore(flags);
	if (b)
		smr_cache_tag(c, b);	/* raced with another free: on its own */
}
EXPORT_SYMBOL_GPL(smr_cache_free);

static unsigned long smr_cache_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	struct smr_cache *c = smr_shrinker_data(s);

	return READ_ONCE(c->ntagged) * SMR_CACHE_BATCH;
}

/*
 * Return tagged batches to the slab: expired ones first; when reclaim may
 * block, also the others, after waiting for their goal.
 */
static unsigned long smr_cache_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	struct smr_cache *c = smr_shrinker_data(s);
	bool may_wait = gfpflags_allow_blocking(sc->gfp_mask);
	struct smr_cache_batch *b;
	unsigned long freed = 0, flags;

	while (freed < sc->nr_to_scan) {
		b = smr_cache_take_expired(c);
		if (!b && may_wait) {
			spin_lock_irqsave(&c->lock, flags);
			b = list_first_entry_or_null(&c->tagged,
						     struct smr_cache_batch, node);
			if (b) {
				list_del(&b->node);
				c->ntagged--;
				smr_cache_account(c, b, -1);
			}
			spin_unlock_irqrestore(&c->lock, flags);
			if (b)
				smr_synchronize_goal(c->smr, b->goal);
		}
		if (!b)
			break;
		freed += b->nr;
		smr_cache_batch_release(c, b);
	}
	this_cpu_add(c->smr->pcpu->stats[SMR_STAT_CACHE_SHRUNK], freed);
	return freed ? freed : SHRINK_STOP;
}

/**
 * smr_cache_shrink() - return every tagged batch to the slab
 * @c: the cache
 * @wait: also the batches whose goal is not reached yet, waiting for them
 *
 * What the shrinker does under memory pressure, on demand.
 *
 * Context: task context; may sleep when @wait.
 * Return: the number of objects returned to the slab.
 */
unsigned long smr_cache_shrink(struct smr_cache *c, bool wait)
{
	struct shrink_control sc = {
		.gfp_mask = wait ? GFP_KERNEL : GFP_NOWAIT,
		.nr_to_scan = ULONG_MAX,
	};
	unsigned long freed = smr_cache_scan(c->shrinker, &sc);

	return freed == SHRINK_STOP ? 0 : freed;
}
EXPORT_SYMBOL_GPL(smr_cache_shrink);

/**
 * smr_cache_create() - create an SMR-aware object cache
 * @name: slab cache name (as for kmem_cache_create())
 * @size: object size
 * @align: object alignment, or 0
 * @flags: SLAB_* flags
 * @smr: the domain whose readers see these objects
 *
 * Context: task context, may sleep.
 * Return: the cache, or NULL.
 */
struct smr_cache *smr_cache_create(const char *name, unsigned int size,
				   unsigned int align, slab_flags_t flags,
				   struct smr *smr)
{
	struct smr_cache *c;

	if (WARN_ON_ONCE(!smr || !name || !size))
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->smr = smr;
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->tagged);
	c->pcpu = alloc_percpu(struct smr_cache_pcpu);
	c->slab = kmem_cache_create(name, size, align, flags, NULL);
	if (c->pcpu && c->slab)
		c->shrinker = smr_shrinker_create(name, smr_cache_count,
						  smr_cache_scan, c);
	if (!c->shrinker) {
		kmem_cache_destroy(c->slab);
		free_percpu(c->pcpu);
		kfree(c);
		return NULL;
	}
	return c;
}
EXPORT_SYMBOL_GPL(smr_cache_create);

/**
 * smr_cache_destroy() - release a cache and everything it holds
 * @c: the cache, or NULL
 *
 * Objects freed into the cache may still be visible to readers: this
 * waits for them, then returns everything to the slab and destroys it.
 * Objects still allocated from the cache must have been freed.
 *
 * Context: task context, may sleep.
 */
void smr_cache_destroy(struct smr_cache *c)
{
	struct smr_cache_pcpu *pc;
	int cpu;

	if (!c)
		return;
	smr_shrinker_destroy(c->shrinker);
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(c->pcpu, cpu);
		if (pc->free)
			smr_cache_tag(c, pc->free);
		if (pc->reuse)
			smr_cache_batch_release(c, pc->reuse);
	}
	smr_synchronize(c->smr);
	while (!list_empty(&c->tagged)) {
		struct smr_cache_batch *b = list_first_entry(&c->tagged,
							     struct smr_cache_batch,
							     node);

		list_del(&b->node);
		smr_cache_account(c, b, -1);
		smr_cache_batch_release(c, b);
	}
	free_percpu(c->pcpu);
	kmem_cache_destroy(c->slab);
	kfree(c);
}
EXPORT_SYMBOL_GPL(smr_cache_destroy);

/**
 * smr_cache_test_fail_batch_alloc() - make batch allocations fail
 * @c: the cache
 * @fail: whether they fail from now on
 *
 * A failure-injection hook for smr's KUnit suites; not for consumers.
 *
 * Context: any.
 */
void smr_cache_test_fail_batch_alloc(struct smr_cache *c, bool fail)
{
	WRITE_ONCE(c->fail_batch_alloc, fail);
}
EXPORT_SYMBOL_GPL(smr_cache_test_fail_batch_alloc);

/**
 * smr_cache_test_shrinker() - the cache's shrinker
 * @c: the cache
 *
 * For smr's KUnit suites, which call its count and scan callbacks as
 * reclaim does; not for consumers.
 *
 * Return: the shrinker.
 */
struct shrinker *smr_cache_test_shrinker(struct smr_cache *c)
{
	return c->shrinker;
}
EXPORT_SYMBOL_GPL(smr_cache_test_shrinker);
