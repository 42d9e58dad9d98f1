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
 * tagged batch if its goal is reached, and otherwise takes a fresh object
 * from the slab rather than wait.  By the time a batch is at the head of
 * the list its goal has normally long been reached, so the poll is
 * answered from rd_seq alone.  Polls of a batch's goal use
 * smr_poll_aged(): on SMR_DEFERRED domains nobody else may ever commit
 * the deferred goal a batch was tagged with, so the cache commits it.
 *
 * The contract:
 *
 * - An object freed with smr_cache_free() is never handed out again by
 *   smr_cache_alloc(), nor returned to the slab, while a reader that
 *   could have seen it before it was freed can still be inside its
 *   section.  So, unlike with SLAB_TYPESAFE_BY_RCU, readers need not
 *   revalidate an object's identity against reuse.  The cache keeps this
 *   by the goal of the batch: no object is reused or returned to the slab
 *   before it is reached.  Nothing in smr_cache_alloc(), smr_cache_free()
 *   or the shrinker waits for readers; only smr_cache_shrink(c, true) and
 *   smr_cache_destroy() do, and what they cannot wait for (the caller's
 *   own sleepable section holds it) is kept, or by destroy leaked.
 * - smr_cache_free() does not wait for memory either.  A new free batch
 *   (one per SMR_CACHE_BATCH frees) comes from this CPU's spare, from
 *   this CPU's reuse batch once empty, from a reserve of
 *   SMR_CACHE_RESERVE empty batches per cache, from kmalloc(GFP_NOWAIT),
 *   or from an expired tagged batch (or this CPU's expired reuse batch)
 *   whose objects go back to the slab -- in that order.  The spare and
 *   the reserve are allocated with the cache and refilled without
 *   waiting when a free needs a new batch and when an allocation has to
 *   go to the slab anyway.  Should all of that fail, the object is
 *   leaked, with a warning naming the domain (counted in the cache's
 *   @leaked and in the domain's cache_leaked in debugfs), rather than
 *   freed while a reader may see it.
 * - Bounds: a cache keeps at most SMR_CACHE_MAX_TAGGED tagged batches for
 *   reuse; past that, freeing returns the expired ones to the slab (a
 *   poll, never a wait), so a flood of frees without allocations holds
 *   only what readers really still hold.  The domain accounts its caches'
 *   tagged objects and bytes (debugfs).
 * - Under memory pressure the shrinker returns to the slab every object
 *   whose goal is reached: tagged batches, and the per-cpu reuse
 *   batches; it tags the per-cpu partial free batches, which it then
 *   releases too once expired (at once when no reader holds them; else
 *   on a later scan).  It never waits: a sleepable reader may hold a lock
 *   that reclaim needs, and reclaim may run inside a sleepable section of
 *   the cache's own domain.
 *
 * Locking.  Each CPU's batches are protected by a per-cpu raw spinlock,
 * taken with interrupts disabled by that CPU and, rarely, by the shrinker
 * from another CPU; the tagged list and the reserve by a raw spinlock of
 * the cache.  Both sections are O(1): list and pointer updates only.
 * Polls (which may scan every CPU), kmalloc(), kfree() and
 * kmem_cache_free() are called with no lock held and interrupts as the
 * caller had them, so the locking is the same on PREEMPT_RT.  There the
 * slab allocator takes sleeping locks: smr_cache_free() calls into it only
 * when preemption is enabled, and otherwise -- hardirq context, interrupts
 * or preemption disabled, inside a smr_enter() section -- uses the
 * spare, the reserve and the empty reuse batch only, and leaves trimming
 * the tagged list to a later free.
 *
 * Several caches may share one domain; a domain must outlive its caches.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "smr_internal.h"
#include "smr_trace.h"

#define SMR_CACHE_BATCH		32	/* objects per batch: one advance each */
#define SMR_CACHE_MAX_TAGGED	64	/* batches kept for reuse, then trimmed */
#define SMR_CACHE_RESERVE	8	/* empty batches kept for frees without memory */

struct smr_cache_batch {
	struct list_head node;
	unsigned long goal;
	unsigned int nr;
	void *objs[SMR_CACHE_BATCH];
};

/**
 * struct smr_cache_pcpu - one CPU's batches of a cache
 * @lock: protects the batches; taken with interrupts disabled.
 * @free: collecting freed objects; not reusable yet.
 * @reuse: objects whose goal is reached, handed out first.
 * @spare: an empty batch for the next free batch, or NULL.
 * @held: objects in @free and @reuse, for the shrinker's count.
 */
struct smr_cache_pcpu {
	raw_spinlock_t lock;	/* protects free, reuse, spare, held */
	struct smr_cache_batch *free;
	struct smr_cache_batch *reuse;
	struct smr_cache_batch *spare;
	unsigned int held;
};

/**
 * struct smr_cache - an SMR-aware object cache
 * @slab: the underlying kmem_cache.
 * @smr: the domain readers of these objects enter.
 * @ctor: the constructor of fresh objects, or NULL (refuses __GFP_ZERO).
 * @pcpu: per-cpu batches.
 * @lock: protects @tagged, @ntagged, @tagged_objs, @reserve and @nreserve.
 * @tagged: batches with their goal, oldest first.
 * @ntagged: batches on @tagged.
 * @tagged_objs: objects in them.
 * @reserve: empty batches for frees that find no memory.
 * @nreserve: batches on @reserve.
 * @leaked: objects leaked because no batch could be found for them.
 * @shrinker: returns expired objects to the slab under memory pressure.
 * @fail_batch_alloc: test hook: every Nth batch allocation fails (0: none).
 * @fail_batch_count: batch allocations tried while @fail_batch_alloc is set.
 */
struct smr_cache {
	struct kmem_cache *slab;
	struct smr *smr;
	void (*ctor)(void *obj);
	struct smr_cache_pcpu __percpu *pcpu;
	raw_spinlock_t lock;	/* protects tagged, reserve and their counts */
	struct list_head tagged;
	unsigned long ntagged;
	unsigned long tagged_objs;
	struct list_head reserve;
	unsigned int nreserve;
	atomic_long_t leaked;
	struct shrinker *shrinker;
	unsigned int fail_batch_alloc;
	atomic_t fail_batch_count;
};

/*
 * May this context call into the slab allocator (kmalloc(GFP_NOWAIT),
 * kfree(), kmem_cache_free())?  Anywhere but in NMI, except on
 * PREEMPT_RT, where the allocator takes sleeping locks: there only with
 * preemption enabled.
 */
static bool smr_cache_may_slab(void)
{
	return !IS_ENABLED(CONFIG_PREEMPT_RT) || preemptible();
}

static struct smr_cache_batch *smr_cache_batch_alloc(struct smr_cache *c,
						     gfp_t gfp)
{
	struct smr_cache_batch *b;

	unsigned int every = READ_ONCE(c->fail_batch_alloc);

	if (every && atomic_inc_return(&c->fail_batch_count) % every == 0)
		return NULL;
	b = kmalloc(sizeof(*b), gfp | __GFP_NOWARN);
	if (b)
		b->nr = 0;
	return b;
}

/* This CPU's batches, locked; interrupts disabled until the unlock. */
static struct smr_cache_pcpu *smr_cache_pcpu_lock(struct smr_cache *c,
						  unsigned long *flags)
	__acquires(pcpu_lock)
{
	struct smr_cache_pcpu *pc;

	local_irq_save(*flags);
	pc = this_cpu_ptr(c->pcpu);
	raw_spin_lock(&pc->lock);
	return pc;
}

static void smr_cache_pcpu_unlock(struct smr_cache_pcpu *pc,
				  unsigned long flags)
	__releases(pcpu_lock)
{
	WRITE_ONCE(pc->held, (pc->free ? pc->free->nr : 0) +
			     (pc->reuse ? pc->reuse->nr : 0));
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

/* Account a batch's objects as tagged in the domain (or no longer). */
static void smr_cache_account(struct smr_cache *c, struct smr_cache_batch *b,
			      long sign)
{
	atomic_long_add(sign * b->nr, &c->smr->cache_pending_objs);
	atomic_long_add(sign * b->nr * kmem_cache_size(c->slab),
			&c->smr->cache_pending_bytes);
}

/* Queue a batch on the tagged list: at the tail, or back at the head. */
static void smr_cache_enqueue(struct smr_cache *c, struct smr_cache_batch *b,
			      bool head)
{
	unsigned long flags;

	smr_cache_account(c, b, 1);
	raw_spin_lock_irqsave(&c->lock, flags);
	if (head)
		list_add(&b->node, &c->tagged);
	else
		list_add_tail(&b->node, &c->tagged);
	WRITE_ONCE(c->ntagged, c->ntagged + 1);
	WRITE_ONCE(c->tagged_objs, c->tagged_objs + b->nr);
	raw_spin_unlock_irqrestore(&c->lock, flags);
}

/*
 * Dequeue the oldest tagged batch: any (@any), or only if its goal is at
 * or before @goal, which the caller found reached.
 */
static struct smr_cache_batch *smr_cache_dequeue(struct smr_cache *c,
						 bool any, unsigned long goal)
{
	struct smr_cache_batch *b;
	unsigned long flags;

	raw_spin_lock_irqsave(&c->lock, flags);
	b = list_first_entry_or_null(&c->tagged, struct smr_cache_batch, node);
	if (b && (any || SMR_SEQ_LEQ(b->goal, goal))) {
		list_del(&b->node);
		WRITE_ONCE(c->ntagged, c->ntagged - 1);
		WRITE_ONCE(c->tagged_objs, c->tagged_objs - b->nr);
	} else {
		b = NULL;
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (b)
		smr_cache_account(c, b, -1);
	return b;
}

/*
 * The oldest tagged batch, if its goal is reached.  The poll runs without
 * the lock (it may scan every CPU); whatever batch is at the head by then
 * is taken only if its goal is no newer than the one found reached.
 */
static struct smr_cache_batch *smr_cache_take_expired(struct smr_cache *c)
{
	struct smr_cache_batch *b;
	unsigned long goal = 0, flags;

	if (!READ_ONCE(c->ntagged))
		return NULL;
	raw_spin_lock_irqsave(&c->lock, flags);
	b = list_first_entry_or_null(&c->tagged, struct smr_cache_batch, node);
	if (b)
		goal = b->goal;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (!b || !smr_poll_aged(c->smr, goal))
		return NULL;
	return smr_cache_dequeue(c, false, goal);
}

/* An empty batch from the cache's reserve, or NULL. */
static struct smr_cache_batch *smr_cache_reserve_get(struct smr_cache *c)
{
	struct smr_cache_batch *b;
	unsigned long flags;

	raw_spin_lock_irqsave(&c->lock, flags);
	b = list_first_entry_or_null(&c->reserve, struct smr_cache_batch, node);
	if (b) {
		list_del(&b->node);
		WRITE_ONCE(c->nreserve, c->nreserve - 1);
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return b;
}

/*
 * Keep an empty batch: as this CPU's spare, else in the reserve; when
 * both are full it goes back to the allocator if this context may call
 * it, and stays in the reserve otherwise.
 */
static void smr_cache_batch_recycle(struct smr_cache *c,
				    struct smr_cache_batch *b)
{
	struct smr_cache_pcpu *pc;
	unsigned long flags;

	b->nr = 0;
	pc = smr_cache_pcpu_lock(c, &flags);
	if (!pc->spare) {
		pc->spare = b;
		b = NULL;
	}
	smr_cache_pcpu_unlock(pc, flags);
	if (!b)
		return;
	raw_spin_lock_irqsave(&c->lock, flags);
	if (c->nreserve < SMR_CACHE_RESERVE || !smr_cache_may_slab()) {
		list_add(&b->node, &c->reserve);
		WRITE_ONCE(c->nreserve, c->nreserve + 1);
		b = NULL;
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	kfree(b);
}

/* Top up this CPU's spare and the reserve, with @gfp. */
static void smr_cache_refill(struct smr_cache *c, gfp_t gfp)
{
	struct smr_cache_batch *b;
	int i;

	for (i = 0; i <= SMR_CACHE_RESERVE; i++) {
		/* Hints only: smr_cache_batch_recycle() decides. */
		if (data_race(raw_cpu_ptr(c->pcpu)->spare) &&
		    READ_ONCE(c->nreserve) >= SMR_CACHE_RESERVE)
			return;
		b = smr_cache_batch_alloc(c, gfp);
		if (!b)
			return;
		smr_cache_batch_recycle(c, b);
	}
}

/* Return a batch's objects, whose goal is reached, to the slab. */
static unsigned long smr_cache_batch_drain(struct smr_cache *c,
					   struct smr_cache_batch *b)
{
	unsigned long n = b->nr;

	while (b->nr)
		kmem_cache_free(c->slab, b->objs[--b->nr]);
	if (n)
		smr_stat_add(c->smr, SMR_STAT_CACHE_SHRUNK, n);
	return n;
}

/* Return an expired batch to the slab and keep (or free) the batch. */
static unsigned long smr_cache_batch_release(struct smr_cache *c,
					     struct smr_cache_batch *b)
{
	unsigned long n = smr_cache_batch_drain(c, b);

	smr_cache_batch_recycle(c, b);
	return n;
}

/* Return up to @nr objects of expired tagged batches to the slab. */
static unsigned long smr_cache_release_expired(struct smr_cache *c,
					       unsigned long nr)
{
	struct smr_cache_batch *b;
	unsigned long freed = 0;

	while (freed < nr && (b = smr_cache_take_expired(c)))
		freed += smr_cache_batch_release(c, b);
	return freed;
}

/* Too many batches kept: return the expired ones to the slab. */
static void smr_cache_trim(struct smr_cache *c)
{
	struct smr_cache_batch *b;

	while (READ_ONCE(c->ntagged) > SMR_CACHE_MAX_TAGGED &&
	       (b = smr_cache_take_expired(c)))
		smr_cache_batch_release(c, b);
}

/*
 * Tag a free batch with one goal and queue it.  The objects were put in
 * it under its CPU's lock, whose release the caller's acquisition of that
 * lock orders before this advance (W, fully ordered, pairs with R1 and S2):
 * readers that can see the goal reached cannot see the objects published.
 */
static void smr_cache_tag(struct smr_cache *c, struct smr_cache_batch *b)
{
	b->goal = smr_advance(c->smr);
	smr_cache_enqueue(c, b, false);
	smr_stat_inc(c->smr, SMR_STAT_CACHE_BATCH);
	trace_smr_cache_batch_tagged(c->smr->name, raw_smp_processor_id(),
				     b->nr, b->goal);
	if (READ_ONCE(c->ntagged) > SMR_CACHE_MAX_TAGGED &&
	    smr_cache_may_slab())
		smr_cache_trim(c);
}

/* An object from this CPU's reuse batch, or NULL. */
static void *smr_cache_pcpu_get(struct smr_cache *c)
{
	struct smr_cache_pcpu *pc;
	unsigned long flags;
	void *obj = NULL;

	pc = smr_cache_pcpu_lock(c, &flags);
	if (pc->reuse && pc->reuse->nr)
		obj = pc->reuse->objs[--pc->reuse->nr];
	smr_cache_pcpu_unlock(pc, flags);
	return obj;
}

/*
 * Take an expired tagged batch as this CPU's reuse batch and an object
 * from it; its empty predecessor becomes the spare (or is recycled).
 */
static void *smr_cache_reuse_expired(struct smr_cache *c)
{
	struct smr_cache_batch *b = smr_cache_take_expired(c), *old;
	struct smr_cache_pcpu *pc;
	unsigned long flags;
	void *obj;

	if (!b)
		return NULL;
	trace_smr_cache_batch_reused(c->smr->name, raw_smp_processor_id(),
				     b->nr, b->goal);
	pc = smr_cache_pcpu_lock(c, &flags);
	old = pc->reuse;
	if (old && old->nr) {
		/* Refilled meanwhile (an interrupt, or we moved CPU). */
		obj = old->objs[--old->nr];
		old = NULL;
	} else {
		pc->reuse = b;
		obj = b->objs[--b->nr];
		b = NULL;
		if (old && !pc->spare) {
			pc->spare = old;
			old = NULL;
		}
	}
	smr_cache_pcpu_unlock(pc, flags);
	if (b)
		smr_cache_enqueue(c, b, true);	/* the oldest: back at the head */
	if (old)
		smr_cache_batch_recycle(c, old);
	return obj;
}

/**
 * smr_cache_alloc() - allocate an object, reusing one only when it is safe
 * @c: the cache
 * @gfp: allocation flags for a fresh object
 *
 * Never waits for readers: when no freed object has expired, a fresh one
 * comes from the slab (and then, with @gfp, the batches that later frees
 * will need).  A fresh object was built by the cache's constructor, if it
 * has one; a reused object keeps the contents its last user left, so what
 * the constructor set up and the users kept (a lock, a refcount at zero)
 * stays valid across reuse.  With __GFP_ZERO both are zeroed; a cache
 * with a constructor refuses __GFP_ZERO (a misuse warning, and the object
 * is not zeroed), as the slab allocator does.
 *
 * Context: as kmem_cache_alloc() with @gfp.
 * Return: the object, or NULL.
 */
void *smr_cache_alloc(struct smr_cache *c, gfp_t gfp)
{
	void *obj;

	if (unlikely(c->ctor && (gfp & __GFP_ZERO))) {
		WARN_ONCE(1, "smr: %s: __GFP_ZERO on a cache with a constructor; not zeroed\n",
			  c->smr->name);
		smr_stat_inc(c->smr, SMR_STAT_MISUSE);
		gfp &= ~__GFP_ZERO;
	}
	obj = smr_cache_pcpu_get(c);
	if (!obj)
		obj = smr_cache_reuse_expired(c);
	if (obj) {
		smr_stat_inc(c->smr, SMR_STAT_CACHE_REUSED);
		if (gfp & __GFP_ZERO)
			memset(obj, 0, kmem_cache_size(c->slab));
		return obj;
	}
	smr_stat_inc(c->smr, SMR_STAT_CACHE_FRESH);
	if (smr_cache_may_slab())
		smr_cache_refill(c, gfp & GFP_KERNEL);
	return kmem_cache_alloc(c->slab, gfp);
}
EXPORT_SYMBOL_GPL(smr_cache_alloc);

/*
 * Store @obj in this CPU's free batch, starting one from the spare or the
 * empty reuse batch when there is none.  A batch it fills is detached into
 * *@full for the caller to tag.  Return: false if there was no batch.
 */
static bool smr_cache_pcpu_put(struct smr_cache_pcpu *pc, void *obj,
			       struct smr_cache_batch **full)
{
	struct smr_cache_batch *b = pc->free;

	if (!b) {
		if (pc->spare) {
			b = pc->spare;
			pc->spare = NULL;
		} else if (pc->reuse && !pc->reuse->nr) {
			b = pc->reuse;
			pc->reuse = NULL;
		} else {
			return false;
		}
		pc->free = b;
	}
	b->objs[b->nr++] = obj;
	if (b->nr == SMR_CACHE_BATCH) {
		*full = b;
		pc->free = NULL;
	}
	return true;
}

/*
 * An empty batch for a free that found none on its CPU, without waiting:
 * the reserve, a GFP_NOWAIT allocation, or an expired batch whose objects
 * go back to the slab (a tagged one, else this CPU's reuse batch).
 */
static struct smr_cache_batch *smr_cache_find_empty(struct smr_cache *c)
{
	struct smr_cache_batch *b = smr_cache_reserve_get(c);
	struct smr_cache_pcpu *pc;
	unsigned long flags;

	if (b || !smr_cache_may_slab())
		return b;
	b = smr_cache_batch_alloc(c, GFP_NOWAIT);
	if (b)
		return b;
	b = smr_cache_take_expired(c);
	if (!b) {
		pc = smr_cache_pcpu_lock(c, &flags);
		b = pc->reuse;
		pc->reuse = NULL;
		smr_cache_pcpu_unlock(pc, flags);
	}
	if (b)
		smr_cache_batch_drain(c, b);
	return b;
}

/* No batch anywhere: keep the object from reuse forever rather than early. */
static void smr_cache_leak(struct smr_cache *c)
{
	atomic_long_inc(&c->leaked);
	smr_stat_inc(c->smr, SMR_STAT_CACHE_LEAKED);
	WARN_ONCE(1, "smr: %s: smr_cache_free() found no memory for a batch; object leaked, not freed before its goal\n",
		  c->smr->name);
}

/* smr_cache_free() when this CPU has no batch to put @obj in. */
static void smr_cache_free_slow(struct smr_cache *c, void *obj)
{
	struct smr_cache_batch *b = smr_cache_find_empty(c), *full = NULL;
	struct smr_cache_pcpu *pc;
	unsigned long flags;

	if (!b) {
		smr_cache_leak(c);
		return;
	}
	pc = smr_cache_pcpu_lock(c, &flags);
	if (!pc->free) {
		pc->free = b;
		b = NULL;
	}
	/* Cannot fail now: there is a free batch with room. */
	smr_cache_pcpu_put(pc, obj, &full);
	smr_cache_pcpu_unlock(pc, flags);
	if (full)
		smr_cache_tag(c, full);
	if (b)
		smr_cache_batch_recycle(c, b);
	if (smr_cache_may_slab())
		smr_cache_refill(c, GFP_NOWAIT);
}

/**
 * smr_cache_free() - free an object that readers may still see
 * @c: the cache
 * @obj: the object, already unpublished, or NULL
 *
 * The object is reused, or returned to the slab, only after every reader
 * that could see it has left, so readers need not check that an object
 * they found is still the one they looked up.  Never waits and never
 * sleeps, also inside a section of the cache's domain.  It needs a batch
 * once per SMR_CACHE_BATCH frees and takes it from memory set aside
 * beforehand; should there be none and no memory at all, the object is
 * leaked with a warning rather than freed early.  On PREEMPT_RT, where the
 * allocator cannot be called with preemption disabled, a call with
 * preemption disabled (hardirq context included) only uses what was set
 * aside.
 *
 * Context: any context except NMI, including hardirq and inside a section.
 */
void smr_cache_free(struct smr_cache *c, void *obj)
{
	struct smr_cache_batch *full = NULL;
	struct smr_cache_pcpu *pc;
	unsigned long flags;
	bool stored;

	if (!obj)
		return;
	pc = smr_cache_pcpu_lock(c, &flags);
	stored = smr_cache_pcpu_put(pc, obj, &full);
	smr_cache_pcpu_unlock(pc, flags);
	if (!stored) {
		smr_cache_free_slow(c, obj);
	} else if (full) {
		smr_cache_tag(c, full);
		if (smr_cache_may_slab())
			smr_cache_refill(c, GFP_NOWAIT);
	}
}
EXPORT_SYMBOL_GPL(smr_cache_free);

static unsigned long smr_cache_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	struct smr_cache *c = smr_shrinker_data(s);
	unsigned long n = READ_ONCE(c->tagged_objs);
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(c->pcpu, cpu)->held);
	return n;
}

/*
 * Take every CPU's batches under pressure: a reuse batch's objects are
 * expired and go back to the slab; a partial free batch is tagged, to be
 * released once expired.
 */
static unsigned long smr_cache_drain_cpus(struct smr_cache *c)
{
	struct smr_cache_batch *free, *reuse;
	struct smr_cache_pcpu *pc;
	unsigned long freed = 0, flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(c->pcpu, cpu);
		raw_spin_lock_irqsave(&pc->lock, flags);
		reuse = pc->reuse;
		free = pc->free;
		if (reuse && reuse->nr)
			pc->reuse = NULL;
		else
			reuse = NULL;
		if (free && free->nr)
			pc->free = NULL;
		else
			free = NULL;
		smr_cache_pcpu_unlock(pc, flags);
		if (reuse)
			freed += smr_cache_batch_release(c, reuse);
		if (free)
			smr_cache_tag(c, free);
	}
	return freed;
}

/*
 * Return up to @nr objects whose goal is reached to the slab, without
 * waiting: expired tagged batches first, then the per-cpu batches.
 */
static unsigned long smr_cache_reclaim(struct smr_cache *c, unsigned long nr)
{
	unsigned long freed = smr_cache_release_expired(c, nr);

	if (freed < nr)
		freed += smr_cache_drain_cpus(c);
	if (freed < nr)
		freed += smr_cache_release_expired(c, nr - freed);
	return freed;
}

/*
 * The shrinker's scan.  It never waits for readers, whatever the gfp
 * mask allows: a sleepable reader may hold a lock reclaim needs, and
 * reclaim may run inside a sleepable section of the cache's domain.
 */
static unsigned long smr_cache_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	unsigned long freed = smr_cache_reclaim(smr_shrinker_data(s),
						sc->nr_to_scan);

	return freed ? freed : SHRINK_STOP;
}

/*
 * Wait for the tagged batches there are now, one after the other, and
 * return them to the slab; stop at one whose goal the wait cannot meet.
 */
static unsigned long smr_cache_shrink_wait(struct smr_cache *c)
{
	unsigned long n = READ_ONCE(c->ntagged), freed = 0;
	struct smr_cache_batch *b;

	if (smr_misuse_once(smr_entered(c->smr), c->smr,
			    "smr_cache_shrink(wait) inside a section; not waiting"))
		return 0;
	might_sleep();
	while (n-- && (b = smr_cache_dequeue(c, true, 0))) {
		if (!smr_synchronize_goal(c->smr, b->goal)) {
			/* The caller's own sleepable section holds it: keep it. */
			smr_cache_enqueue(c, b, true);
			break;
		}
		freed += smr_cache_batch_release(c, b);
	}
	return freed;
}

/**
 * smr_cache_shrink() - return what the cache holds to the slab
 * @c: the cache
 * @wait: also wait for the goals not reached yet
 *
 * What the shrinker does under memory pressure, on demand: return every
 * object whose goal is reached to the slab -- tagged batches and the
 * per-cpu batches, whose partial free batches are tagged first.  With
 * @wait it then waits for each remaining tagged batch in turn and
 * returns it too, except one that the caller's own sleepable section
 * still holds: that one, and those after it, are kept (the wait warns:
 * waiting inside one's own section is a bug).
 *
 * Context: without @wait, any context except NMI (on PREEMPT_RT: with
 * preemption enabled); with @wait, task context, may sleep, not inside a
 * section of the cache's domain (it warns and does not wait).
 * Return: the number of objects returned to the slab.
 */
unsigned long smr_cache_shrink(struct smr_cache *c, bool wait)
{
	unsigned long freed = smr_cache_reclaim(c, ULONG_MAX);

	if (wait)
		freed += smr_cache_shrink_wait(c);
	return freed;
}
EXPORT_SYMBOL_GPL(smr_cache_shrink);

/* Free the empty batches of the per-cpu spares and the reserve. */
static void smr_cache_free_empty(struct smr_cache *c)
{
	struct smr_cache_batch *b;
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu_ptr(c->pcpu, cpu)->spare);
		per_cpu_ptr(c->pcpu, cpu)->spare = NULL;
	}
	while ((b = list_first_entry_or_null(&c->reserve,
					     struct smr_cache_batch, node))) {
		list_del(&b->node);
		kfree(b);
	}
	c->nreserve = 0;
}

/* Give every CPU a spare and fill the reserve. */
static int smr_cache_prealloc(struct smr_cache *c)
{
	struct smr_cache_batch *b;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct smr_cache_pcpu *pc = per_cpu_ptr(c->pcpu, cpu);

		raw_spin_lock_init(&pc->lock);
		pc->spare = smr_cache_batch_alloc(c, GFP_KERNEL);
		if (!pc->spare)
			return -ENOMEM;
	}
	for (i = 0; i < SMR_CACHE_RESERVE; i++) {
		b = smr_cache_batch_alloc(c, GFP_KERNEL);
		if (!b)
			return -ENOMEM;
		list_add(&b->node, &c->reserve);
		c->nreserve++;
	}
	return 0;
}

/**
 * smr_cache_create() - create an SMR-aware object cache
 * @name: slab cache name (as for kmem_cache_create())
 * @size: object size
 * @align: object alignment, or 0
 * @flags: SLAB_* flags
 * @smr: the domain whose readers see these objects
 * @ctor: run on every fresh object, once, when the slab makes it (as for
 *	kmem_cache_create()), never on reuse; or NULL
 *
 * Besides the slab cache, sets aside one empty batch per possible CPU
 * and SMR_CACHE_RESERVE more, so that smr_cache_free() need not allocate.
 *
 * Context: task context, may sleep.
 * Return: the cache, or NULL.
 */
struct smr_cache *smr_cache_create(const char *name, unsigned int size,
				   unsigned int align, slab_flags_t flags,
				   struct smr *smr, void (*ctor)(void *obj))
{
	struct smr_cache *c;

	if (smr_null(smr) ||
	    smr_misuse_once(!name || !size, smr,
			    "%s() without a name or a size", __func__))
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->smr = smr;
	c->ctor = ctor;
	raw_spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->tagged);
	INIT_LIST_HEAD(&c->reserve);
	atomic_long_set(&c->leaked, 0);
	c->pcpu = alloc_percpu(struct smr_cache_pcpu);
	if (c->pcpu && !smr_cache_prealloc(c))
		c->slab = kmem_cache_create(name, size, align, flags, ctor);
	if (c->slab)
		c->shrinker = smr_shrinker_create(name, smr_cache_count,
						  smr_cache_scan, c);
	if (!c->shrinker) {
		kmem_cache_destroy(c->slab);
		if (c->pcpu)
			smr_cache_free_empty(c);
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
 * Objects still allocated from the cache must have been freed, and no
 * other smr_cache_*() call on @c may run concurrently.  Called inside a
 * section of the cache's domain (a bug) it warns and leaks the cache
 * rather than free what that section may see.
 *
 * Context: task context, may sleep; not inside a section of the domain.
 */
void smr_cache_destroy(struct smr_cache *c)
{
	struct smr_cache_batch *b;
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
		pc->free = NULL;
		pc->reuse = NULL;
	}
	if (smr_misuse_once(smr_entered(c->smr), c->smr,
			    "cache destroyed inside a section; leaked"))
		return;
	/* The newest goal: reached, every tagged batch's goal is. */
	if (!smr_synchronize_goal(c->smr, smr_advance(c->smr)))
		return;	/* our own sleepable section holds it: leak (warned) */
	while ((b = smr_cache_dequeue(c, true, 0))) {
		smr_cache_batch_drain(c, b);
		kfree(b);
	}
	smr_cache_free_empty(c);
	free_percpu(c->pcpu);
	kmem_cache_destroy(c->slab);
	kfree(c);
}
EXPORT_SYMBOL_GPL(smr_cache_destroy);

/**
 * smr_cache_test_fail_batch_alloc() - make batch allocations fail
 * @c: the cache
 * @every: from now on every @every-th batch allocation fails; 1: all of
 *	them, 0: none
 *
 * A failure-injection hook for smr's KUnit suites and smr_torture; not
 * for consumers.  Batches set aside when the cache was created are still
 * used.
 *
 * Context: any.
 */
void smr_cache_test_fail_batch_alloc(struct smr_cache *c, unsigned int every)
{
	WRITE_ONCE(c->fail_batch_alloc, every);
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
