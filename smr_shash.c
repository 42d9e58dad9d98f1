// SPDX-License-Identifier: GPL-2.0
/*
 * smr_shash: the scalable table's writers, its worker and its migration.
 */

/**
 * DOC: Migrating smr_shash tables
 *
 * A resize (grow, shrink or reseed: a new array of any size, with a new
 * seed or the old one) runs in the table's worker, one at a time.  It
 * allocates the new array, terminates each of its chains, and publishes
 * it as the old array's @future (A1: release, pairs with the address
 * dependency of the loads of @future).  Then, bucket by bucket in index
 * order and under the old bucket's lock, it moves the old chain's *last*
 * element, again and again, until the chain is empty (smrsh_move_tail()):
 *
 *  - M0: the element's next word becomes the first of its new chain
 *    (release: the reader who stands on the element and goes on into the
 *    new chain finds its elements initialized);
 *  - the element is published at the head of its new chain (release), a
 *    the new bucket's lock held meanwhile;
 *  - M1: the word that pointed to it in the old chain becomes the old
 *    chain's terminator (release: after the element is in the new chain).
 *
 * Then the bucket is marked migrated (@rehash passes it) and unlocked.
 * When every bucket is, the table's array becomes the new one (A1), the
 * worker waits for readers (smr_synchronize(), G1) and frees the old one.
 *
 * Readers search the old array, then, when their chain ended at its own
 * terminator, the new one (smr_shash_entered_find()).  An element that is
 * in the table for the whole lookup is found:
 *
 *  - the chain only ever loses its last element to a resize, so a reader
 *    that stands on an element misses nothing after it: either the
 *    element is still the old chain's last, or the reader finds the rest
 *    of the old chain after it;
 *  - a reader standing on the moved element itself reads, at M0, the new
 *    chain, walks it, and ends at a terminator that is not its own: it
 *    starts over (it had seen the whole old chain: restarting is for
 *    simplicity, and the resize that moved the element moves each element
 *    only once, so restarts end);
 *  - a reader that read the old chain's new terminator, written at M1,
 *    and did not find the element, loads @future after smp_rmb() (L1,
 *    pairs with M1) and finds the element in the new chain, where it was
 *    published before M1.
 *
 * Writers lock the bucket of their key in the current array; if it is
 * migrated (its index is below @rehash, read under the lock that the
 * migration of that bucket held), or if the key is not there and
 * @future is set (read under the lock too: the worker published it
 * before it took any bucket's lock), they go on to @future's bucket.
 * Inserts go into the newest array, after the key was looked for in every
 * array on the way, each under its bucket's lock: an element never moves
 * back, so a key absent from a bucket that is not migrated yet can only
 * be further on.  A writer holds one bucket lock at a time; the worker
 * takes the new bucket's lock inside the old one's: no cycle.
 *
 * While readers hold the old array (they are in sections), the new one
 * gets no @future: the next resize starts only after G1.  So the two
 * arrays of a resize are the only ones readers can see at once, and one
 * bit of @gen tells their terminators apart.
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "smr_internal.h"
#include "smr_shash.h"

/* Terminators hold the bucket index in the bits above 2. */
#define SMRSH_MAX_SHIFT		(BITS_PER_LONG == 64 ? 30 : 26)
/* A resize that found no memory is tried again this much later. */
#define SMRSH_RETRY_DELAY	(HZ / 10 ?: 1)

/**
 * struct smrsh_policy_params - the bounds of a policy
 * @max_load4: grow above this many elements per bucket, in quarters
 * @min_load16: shrink below this many per bucket, in sixteenths (0: never)
 * @reseed_depth: reseed when an insert walks a chain this long
 */
struct smrsh_policy_params {
	unsigned int max_load4;
	unsigned int min_load16;
	unsigned int reseed_depth;
};

static const struct smrsh_policy_params smrsh_policies[] = {
	[SMRSH_COMPACT]			= { 16, 16, 48 },
	[SMRSH_BALANCED]		= {  4,  4, 16 },
	[SMRSH_BALANCED_NOSHRINK]	= {  4,  0, 16 },
	[SMRSH_FASTEST]			= {  2,  2, 16 },
};

/* Flexible array member initialized in static storage (a GCC extension). */
const struct smrsh_array smrsh_empty_array = {
	.shift = 0,
	.buckets = { { .first = SMRSH_STOP } },	/* smrsh_stop(gen 0, 0) */
};
EXPORT_SYMBOL_GPL(smrsh_empty_array);

static const struct smrsh_policy_params *smrsh_params(struct smr_shash *h)
{
	return &smrsh_policies[h->policy];
}

static struct smrsh_array *smrsh_array_alloc(unsigned int shift, u32 seed,
					     unsigned int gen)
{
	struct smrsh_array *a;
	u32 i;

	if (smrh_test_alloc_fails())
		return NULL;
	a = kvmalloc(struct_size(a, buckets, 1UL << shift), GFP_KERNEL);
	if (!a)
		return NULL;
	a->shift = shift;
	a->seed = seed;
	a->gen = gen;
	a->rehash = 0;
	smr_clear_store(a->future);
	for (i = 0; i <= smrsh_mask(a); i++)
		a->buckets[i].first = smrsh_stop(a, i);
	return a;
}

static void smrsh_array_free(struct smrsh_array *a)
{
	if (a != &smrsh_empty_array)
		kvfree(a);
}

/*
 * A bucket's lock keeps softirqs off on its CPU, so that a writer in a
 * softirq never spins on a lock that the task it interrupted holds.  Not
 * on PREEMPT_RT: softirqs are tasks there, which cannot preempt a holder
 * (bit_spin_lock() disables preemption), and local_bh_disable() may sleep.
 * Writers in hardirq or NMI context are not allowed.
 */
static void smrsh_lock(struct smrsh_bucket *b)
	__acquires(b)
{
	lockdep_assert(!in_hardirq() && !in_nmi());
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_bh_disable();
	bit_spin_lock(SMRSH_LOCK_BIT, &b->first);
}

static void smrsh_unlock(struct smrsh_bucket *b)
	__releases(b)
{
	__bit_spin_unlock(SMRSH_LOCK_BIT, &b->first);
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_bh_enable();
}

/* The word of @link's successor, as a pointer to store to. */
static unsigned long *smrsh_next_word(struct smrq_slink *link)
{
	return (unsigned long *)&link->next;
}

/*
 * @v as stored at @p: @p is the locked bucket @b (keep its lock bit) or
 * an element's next word.
 */
static unsigned long smrsh_locked_word(unsigned long *p, unsigned long v,
				       struct smrsh_bucket *b)
{
	return v | (p == &b->first ? SMRSH_LOCK : 0);
}

static void smrsh_store_release(unsigned long *p, unsigned long v,
				struct smrsh_bucket *b)
{
	/* Release: the callers say what it orders (I1, M0, M1). */
	smp_store_release(p, smrsh_locked_word(p, v, b));
}

/*
 * Find @link, or the element with @key (@link NULL), in the locked chain
 * @b.  Return: the word that points to it, or NULL; *@depth counts the
 * elements walked.
 */
static unsigned long *smrsh_chain_find(struct smrsh_bucket *b,
				       struct smrq_slink *link,
				       struct smrh_key key,
				       const struct smrh_traits *traits,
				       unsigned int *depth)
{
	unsigned long *p = &b->first, w;

	for (w = smrsh_word(p); !(w & SMRSH_STOP); w = smrsh_word(p)) {
		struct smrq_slink *cur = (struct smrq_slink *)w;

		if (link ? cur == link :
			   traits->obj_equ(smrh_obj(cur, traits), key))
			return p;
		(*depth)++;
		p = smrsh_next_word(cur);
	}
	return NULL;
}

/* Wake the worker: the table is fuller or emptier than its policy wants. */
static void smrsh_kick(struct smr_shash *h)
{
	queue_delayed_work(system_unbound_wq, &h->resize_work, 0);
}

static void smrsh_check_grow(struct smr_shash *h, struct smrsh_array *a,
			     unsigned int depth)
{
	const struct smrsh_policy_params *p = smrsh_params(h);
	s64 n = percpu_counter_read_positive(&h->count);

	if (depth >= p->reseed_depth && !READ_ONCE(h->reseed)) {
		WRITE_ONCE(h->reseed, true);
		smrsh_kick(h);
	} else if (n * 4 > ((s64)1 << a->shift) * p->max_load4 &&
		   a->shift < SMRSH_MAX_SHIFT) {
		smrsh_kick(h);
	}
}

static void smrsh_check_shrink(struct smr_shash *h)
{
	const struct smrsh_policy_params *p = smrsh_params(h);
	s64 n = percpu_counter_read_positive(&h->count);
	unsigned int shift = READ_ONCE(h->shift);

	if (shift > h->min_shift && n * 16 < ((s64)1 << shift) * p->min_load16)
		smrsh_kick(h);
}

/* Is bucket @i of @a migrated to its future?  Under that bucket's lock. */
static bool smrsh_migrated(struct smrsh_array *a, u32 i)
{
	return i < READ_ONCE(a->rehash);
}

/**
 * smr_shash_entered_get_or_insert() - find a key, or add the element
 * @h: the table, smr_shash_init()ed
 * @key: the element's key
 * @link: the element's link
 * @traits: the table's traits
 *
 * Publishes the element (its initialization is ordered before) unless an
 * element with @key is in the table.  Never fails for a resize under way
 * or for want of memory.
 *
 * Context: inside a section of @traits->smr, in task or softirq context
 * (not hardirq, not NMI: checked under lockdep).
 * Return: the element already in the table with @key, with a reference
 * taken by @traits->obj_try_get when it has one; NULL when @link was
 * inserted (also in place of a dying element, which stays until its owner
 * removes it); ERR_PTR(-EINVAL), with a warning, on a table never
 * smr_shash_init()ed.
 */
void *smr_shash_entered_get_or_insert(struct smr_shash *h,
				      struct smrh_key key,
				      struct smrq_slink *link,
				      const struct smrh_traits *traits)
{
	struct smrsh_array *a, *next;
	struct smrsh_bucket *b;
	unsigned int depth;
	unsigned long *p;
	void *obj;
	u32 i;

	a = smr_entered_load_assert(h->array, traits->smr);
	if (unlikely(a == &smrsh_empty_array)) {
		__smr_warn_misuse(traits->smr, "smr_shash insert into a table never initialized");
		return ERR_PTR(-EINVAL);
	}
	for (;; a = next) {
		i = traits->key_hash(key, a->seed) & smrsh_mask(a);
		b = &a->buckets[i];
		depth = 0;
		smrsh_lock(b);
		if (!smrsh_migrated(a, i)) {
			p = smrsh_chain_find(b, NULL, key, traits, &depth);
			obj = p ? smrh_obj((struct smrq_slink *)smrsh_word(p),
					   traits) : NULL;
			if (obj && (!traits->obj_try_get ||
				    traits->obj_try_get(obj))) {
				smrsh_unlock(b);
				return obj;
			}
		}
		next = smr_entered_load(a->future);
		if (!next)
			break;
		smrsh_unlock(b);
	}
	WRITE_ONCE(link->next,
		   (struct smrq_slink __force __smr *)smrsh_word(&b->first));
	/* I1: the element's initialization before it is reachable. */
	smrsh_store_release(&b->first, (unsigned long)link, b);
	smrsh_unlock(b);
	percpu_counter_inc(&h->count);
	smrsh_check_grow(h, a, depth);
	return NULL;
}
EXPORT_SYMBOL_GPL(smr_shash_entered_get_or_insert);

/*
 * Find @link, locking the buckets on its way: return the word that points
 * to it, or NULL, with *@bp, the bucket searched last, locked either way.
 * @a is the array to start with, not the static empty one.
 */
static unsigned long *smrsh_lock_link(struct smrsh_array *a,
				      struct smrq_slink *link,
				      const struct smrh_traits *traits,
				      struct smrsh_bucket **bp)
	__acquires(bp)
{
	const void *obj = smrh_obj(link, traits);
	struct smrh_key none = { };
	unsigned int depth = 0;
	unsigned long *p;
	u32 i;

	for (;;) {
		i = traits->obj_hash(obj, a->seed) & smrsh_mask(a);
		*bp = &a->buckets[i];
		smrsh_lock(*bp);
		p = smrsh_migrated(a, i) ? NULL :
			smrsh_chain_find(*bp, link, none, traits, &depth);
		if (p || !smr_entered_load(a->future))
			return p;
		a = smr_entered_load(a->future);
		smrsh_unlock(*bp);
	}
}

/**
 * smr_shash_entered_remove() - take an element out
 * @h: the table
 * @link: the element's link
 * @traits: the table's traits
 *
 * The element stays as it is for readers that stand on it: reuse it only
 * after a goal taken after the removal (smr_queue.h's rule).
 *
 * Context: inside a section of @traits->smr, in task or softirq context
 * (not hardirq, not NMI: checked under lockdep).
 * Return: true if it was in the table and is removed.
 */
bool smr_shash_entered_remove(struct smr_shash *h, struct smrq_slink *link,
			      const struct smrh_traits *traits)
{
	struct smrsh_array *a = smr_entered_load_assert(h->array, traits->smr);
	struct smrsh_bucket *b;
	unsigned long *p;

	if (a == &smrsh_empty_array)
		return false;
	p = smrsh_lock_link(a, link, traits, &b);
	/* Its successor was published already: no ordering needed. */
	if (p)
		WRITE_ONCE(*p, smrsh_locked_word(p, smrsh_next(link), b));
	smrsh_unlock(b);
	if (!p)
		return false;
	percpu_counter_dec(&h->count);
	smrsh_check_shrink(h);
	return true;
}
EXPORT_SYMBOL_GPL(smr_shash_entered_remove);

/**
 * smr_shash_entered_replace() - put an element with the same key in place
 * @h: the table
 * @old_link: the link of the element in the table
 * @new_link: the link of its replacement, with the same key
 * @traits: the table's traits
 *
 * Readers find either element, never neither.  Reuse the old one only
 * after a goal taken after the replacement.
 *
 * Context: inside a section of @traits->smr, in task or softirq context
 * (not hardirq, not NMI: checked under lockdep).
 * Return: true if @old_link was in the table and is replaced.
 */
bool smr_shash_entered_replace(struct smr_shash *h,
			       struct smrq_slink *old_link,
			       struct smrq_slink *new_link,
			       const struct smrh_traits *traits)
{
	struct smrsh_array *a = smr_entered_load_assert(h->array, traits->smr);
	struct smrsh_bucket *b;
	unsigned long *p;

	if (a == &smrsh_empty_array)
		return false;
	p = smrsh_lock_link(a, old_link, traits, &b);
	if (p) {
		WRITE_ONCE(new_link->next, READ_ONCE(old_link->next));
		/* I1: the new element's initialization before it is reachable. */
		smrsh_store_release(p, (unsigned long)new_link, b);
	}
	smrsh_unlock(b);
	return p;
}
EXPORT_SYMBOL_GPL(smr_shash_entered_replace);

/*
 * Move the last element of @old's bucket @i, locked and not empty, to its
 * chain in @new (see the DOC above).
 */
static void smrsh_move_tail(struct smrsh_array *old, u32 i,
			    struct smrsh_array *new,
			    const struct smrh_traits *traits)
{
	struct smrsh_bucket *b = &old->buckets[i], *nb;
	unsigned long *p = &b->first, w;
	struct smrq_slink *tail;

	for (;;) {
		tail = (struct smrq_slink *)smrsh_word(p);
		w = smrsh_next(tail);
		if (w & SMRSH_STOP)
			break;
		p = smrsh_next_word(tail);
	}
	nb = &new->buckets[traits->obj_hash(smrh_obj(tail, traits), new->seed) &
			   smrsh_mask(new)];
	smrsh_lock(nb);
	/* M0: readers on the tail go on into an initialized new chain. */
	smp_store_release(smrsh_next_word(tail), smrsh_word(&nb->first));
	/*
	 * I1 again (the tail is initialized, M0 included): pairs with the
	 * address dependency of the readers' load of the new bucket.
	 */
	smrsh_store_release(&nb->first, (unsigned long)tail, nb);
	smrsh_unlock(nb);
	/* M1: out of the old chain after it is in the new.  Pairs with L1. */
	smrsh_store_release(p, smrsh_stop(old, i), b);
}

/* Move every element of @old to @new, bucket by bucket. */
static void smrsh_migrate(struct smrsh_array *old, struct smrsh_array *new,
			  const struct smrh_traits *traits)
{
	u32 i;

	for (i = 0; i <= smrsh_mask(old); i++) {
		struct smrsh_bucket *b = &old->buckets[i];

		smrsh_lock(b);
		while (!(smrsh_word(&b->first) & SMRSH_STOP))
			smrsh_move_tail(old, i, new, traits);
		WRITE_ONCE(old->rehash, i + 1);
		smrsh_unlock(b);
		cond_resched();
	}
}

/*
 * Resize to 2^@shift buckets, with a new seed if @reseed.  Under
 * @h->resize_lock.  Return: 0, or -ENOMEM with the table unchanged.
 */
static int smrsh_rehash(struct smr_shash *h, unsigned int shift, bool reseed)
{
	struct smrsh_array *old = smr_serialized_load(h->array), *new;

	lockdep_assert_held(&h->resize_lock);
	if (shift == old->shift && !reseed)
		return 0;
	new = smrsh_array_alloc(shift, reseed ? get_random_u32() : old->seed,
				old->gen + 1);
	if (!new) {
		h->alloc_failures++;
		return -ENOMEM;
	}
	/* A1: pairs with the address dependency of the loads of @future. */
	smr_serialized_store(old->future, new);
	smrsh_migrate(old, new, h->traits);
	smr_serialized_store(h->array, new);		/* A1 */
	WRITE_ONCE(h->shift, shift);
	smr_synchronize(h->traits->smr);	/* G1: the old array is unused */
	smrsh_array_free(old);
	h->resizes++;
	h->reseeds += reseed;
	return 0;
}

/* The size the policy wants for @n elements: half its upper bound. */
static unsigned int smrsh_ideal_shift(struct smr_shash *h, s64 n)
{
	unsigned int shift = h->min_shift;

	while (shift < SMRSH_MAX_SHIFT &&
	       n * 8 > ((s64)1 << shift) * smrsh_params(h)->max_load4)
		shift++;
	return shift;
}

/* The worker: resize or reseed when the table is outside its bounds. */
static void smrsh_resize_fn(struct work_struct *work)
{
	struct smr_shash *h = container_of(to_delayed_work(work),
					   struct smr_shash, resize_work);
	const struct smrsh_policy_params *p = smrsh_params(h);
	unsigned int shift, ideal;
	bool reseed;
	s64 n;

	mutex_lock(&h->resize_lock);
	if (h->dying)
		goto out;
	shift = smr_serialized_load(h->array)->shift;
	n = percpu_counter_sum_positive(&h->count);
	ideal = smrsh_ideal_shift(h, n);
	reseed = READ_ONCE(h->reseed);
	if (!reseed && !(n * 4 > ((s64)1 << shift) * p->max_load4) &&
	    !(shift > h->min_shift && n * 16 < ((s64)1 << shift) * p->min_load16))
		goto out;
	if (ideal < shift && !p->min_load16)
		ideal = shift;
	if (smrsh_rehash(h, ideal, reseed))
		queue_delayed_work(system_unbound_wq, &h->resize_work,
				   SMRSH_RETRY_DELAY);
	else
		WRITE_ONCE(h->reseed, false);
out:
	mutex_unlock(&h->resize_lock);
}

/**
 * smr_shash_init() - set a scalable table up
 * @h: the table, empty-initialized or not yet used
 * @policy: how full it may get (enum smrsh_policy)
 * @min_size: buckets it never shrinks below, rounded up to a power of two
 *	(at least 1, at most 2^26 on 32-bit kernels, 2^30 on 64-bit ones)
 * @traits: its elements' traits, kept until smr_shash_destroy()
 *
 * Context: task context, may sleep.
 * Return: 0, -EINVAL (a bad policy or size) or -ENOMEM (the table stays
 * empty-initialized).
 */
int smr_shash_init(struct smr_shash *h, enum smrsh_policy policy,
		   unsigned int min_size, const struct smrh_traits *traits)
{
	unsigned int shift;
	struct smrsh_array *a;
	int err;

	if (policy >= ARRAY_SIZE(smrsh_policies) ||
	    min_size > 1U << SMRSH_MAX_SHIFT)
		return -EINVAL;
	shift = order_base_2(max(min_size, 1U));
	a = smrsh_array_alloc(shift, get_random_u32(), 0);
	if (!a)
		return -ENOMEM;
	err = percpu_counter_init(&h->count, 0, GFP_KERNEL);
	if (err) {
		smrsh_array_free(a);
		return err;
	}
	h->traits = traits;
	h->policy = policy;
	h->min_shift = shift;
	h->shift = shift;
	h->reseed = false;
	h->dying = false;
	h->resizes = 0;
	h->reseeds = 0;
	h->alloc_failures = 0;
	mutex_init(&h->resize_lock);
	INIT_DELAYED_WORK(&h->resize_work, smrsh_resize_fn);
	/* A1: pairs with the address dependency of the readers' load. */
	smr_serialized_store(h->array, a);
	return 0;
}
EXPORT_SYMBOL_GPL(smr_shash_init);

/**
 * smr_shash_destroy() - take every element out and free the table
 * @h: the table
 * @free: called on each element, or NULL
 *
 * No reader or writer may use the table any more: unpublish it, or stop
 * them, and smr_synchronize() first; no reader can stand on an element,
 * so @free may free it at once.  The table is empty-initialized
 * afterwards.  A table never initialized is left alone.
 *
 * Context: task context, may sleep.
 */
void smr_shash_destroy(struct smr_shash *h, void (*free)(void *obj))
{
	struct smrsh_array *a;
	unsigned long w, next;
	u32 i;

	if (smr_unsafe_load(h->array) == (unsigned long)&smrsh_empty_array)
		return;
	mutex_lock(&h->resize_lock);
	h->dying = true;
	mutex_unlock(&h->resize_lock);
	cancel_delayed_work_sync(&h->resize_work);
	/* After the worker: a resize it was doing replaced the array. */
	a = smr_unserialized_load(h->array);
	for (i = 0; i <= smrsh_mask(a); i++) {
		for (w = smrsh_word(&a->buckets[i].first); !(w & SMRSH_STOP);
		     w = next) {
			next = smrsh_next((struct smrq_slink *)w);
			if (free)
				free(smrh_obj((struct smrq_slink *)w, h->traits));
		}
	}
	percpu_counter_destroy(&h->count);
	smr_init_store(h->array, (struct smrsh_array *)&smrsh_empty_array);
	h->shift = 0;
	smrsh_array_free(a);
}
EXPORT_SYMBOL_GPL(smr_shash_destroy);

/*
 * Resize now to 2^@shift buckets (-1: the current size), under the resize
 * lock, after a resize of the worker's.
 */
static int smrsh_rehash_now(struct smr_shash *h, int shift, bool reseed)
{
	int err = -EINVAL;

	if (smr_unsafe_load(h->array) == (unsigned long)&smrsh_empty_array)
		return err;
	mutex_lock(&h->resize_lock);
	if (shift < 0)
		shift = smr_serialized_load(h->array)->shift;
	if (!h->dying)
		err = smrsh_rehash(h, shift, reseed);
	mutex_unlock(&h->resize_lock);
	return err;
}

/**
 * smr_shash_resize() - resize now, to a size of the caller's
 * @h: the table, smr_shash_init()ed
 * @size: buckets, rounded up to a power of two (not below the minimum
 *	size, at most 2^26 on 32-bit kernels, 2^30 on 64-bit ones)
 *
 * For a table about to be filled, say; lookups and updates go on during
 * it.  The worker may resize again later, as the policy wants.
 *
 * Context: task context, may sleep; not inside a section of the domain.
 * Return: 0; -EINVAL on a bad size or a table never initialized;
 * -ENOMEM if there was no memory (the table is unchanged).
 */
int smr_shash_resize(struct smr_shash *h, unsigned int size)
{
	unsigned int shift = order_base_2(max(size, 1U));

	if (size > 1U << SMRSH_MAX_SHIFT)
		return -EINVAL;
	return smrsh_rehash_now(h, max(shift, h->min_shift), false);
}
EXPORT_SYMBOL_GPL(smr_shash_resize);

/**
 * smr_shash_reseed() - move every element under a new random seed, now
 * @h: the table, smr_shash_init()ed
 *
 * The worker does it by itself when an insert walks a chain far longer
 * than the policy allows.
 *
 * Context: task context, may sleep; not inside a section of the domain.
 * Return: 0; -EINVAL on a table never initialized; -ENOMEM if there was
 * no memory (the table is unchanged).
 */
int smr_shash_reseed(struct smr_shash *h)
{
	return smrsh_rehash_now(h, -1, true);
}
EXPORT_SYMBOL_GPL(smr_shash_reseed);

/**
 * smr_shash_flush() - wait for the worker's pending resize
 * @h: the table, smr_shash_init()ed
 *
 * Context: task context, may sleep; not inside a section of the domain.
 */
void smr_shash_flush(struct smr_shash *h)
{
	flush_delayed_work(&h->resize_work);
}
EXPORT_SYMBOL_GPL(smr_shash_flush);

/**
 * smr_shash_count() - the number of elements
 * @h: the table, smr_shash_init()ed
 *
 * Context: any; exact while no writer runs.
 * Return: the elements in the table.
 */
unsigned long smr_shash_count(struct smr_shash *h)
{
	return percpu_counter_sum_positive(&h->count);
}
EXPORT_SYMBOL_GPL(smr_shash_count);

/**
 * smr_shash_size() - the number of buckets
 * @h: the table
 *
 * Context: any (the array may change at once).
 * Return: the size of the array readers start with.
 */
unsigned int smr_shash_size(struct smr_shash *h)
{
	return 1U << READ_ONCE(h->shift);
}
EXPORT_SYMBOL_GPL(smr_shash_size);
