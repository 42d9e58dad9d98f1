// SPDX-License-Identifier: GPL-2.0
/*
 * smr_hash: the out-of-line parts of smr_hash.h -- setup, teardown,
 * clearing, and online grow and shrink.
 *
 * DOC: Resizing smr_hash tables
 *
 * Both resizes run under the caller's writer lock, which they drop only
 * while they allocate (with h->resizing set, so that no second resize
 * starts), and release when they return.  Readers never wait for them.
 *
 * Grow, from n to 2n buckets.  An element of old chain i belongs to new
 * bucket i or i + n, by bit log2(n) of its hash: its *kind*.  The new
 * array's two heads are pointed at the first element of each kind in
 * chain i before the array is published (A1: smr_serialized_store(),
 * release, pairs with the address dependency of the readers' load of the
 * array), so a reader of the new array starts on an element of its kind
 * and reaches every other one by walking past the other kind's.  Then
 * smr_synchronize() (G1): afterwards no reader uses the old array, whose
 * readers need both kinds from the front of the chain.  Then rounds: in
 * each, every chain that still interleaves its kinds loses one
 * interleaving: with x the last element of a run of kind k, y the first
 * of the run of the other kind after it, and z the first element of kind
 * k after that run, x->next goes from y to z.  Only readers of kind k can
 * be on x (readers of the other kind enter the chain at or after y, and
 * those that passed through x in an earlier round were waited for), and
 * they need nothing of y's run.  Between rounds smr_synchronize() (G2)
 * waits for every reader that read x->next before the change: the next
 * round changes the end of y's run, where such a reader of kind k could
 * still stand on its way to z.  So a reader never skips an element of its
 * own kind; it may walk elements of the other kind, which its key
 * comparison rejects.  A round's stores need no ordering (z was
 * published when it was inserted): smr_serialized_store_relaxed().
 *
 * Shrink, from 2n to n buckets.  New bucket j is old chain j with old
 * chain j + n appended at its end; the appending store is made while
 * readers of the old array may walk chain j, who then also walk chain
 * j + n's elements and reject them.  The new array is published (A1),
 * and after smr_synchronize() (G1) the old one is freed.
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "smr_hash.h"
#include "smr_internal.h"

/* The largest array: 2^30 buckets (sizes are unsigned int). */
#define SMRH_MAX_SHIFT	30

/* Flexible array member initialized in static storage (a GCC extension). */
const struct smrh_array smrh_empty_array = {
	.shift = 0,
	.buckets = { SMRQ_SLIST_HEAD_INIT },
};
EXPORT_SYMBOL_GPL(smrh_empty_array);

/* Test hook (smr_hash_kunit.c): fail the next N array allocations. */
static atomic_t smrh_fail_allocs = ATOMIC_INIT(0);

/**
 * smr_hash_test_fail_alloc() - make resizes find no memory, for tests
 * @n: how many of the next array allocations fail
 */
void smr_hash_test_fail_alloc(unsigned int n)
{
	atomic_set(&smrh_fail_allocs, n);
}
EXPORT_SYMBOL_GPL(smr_hash_test_fail_alloc);

/* Should this array allocation fail (smr_hash_test_fail_alloc())? */
bool smrh_test_alloc_fails(void)
{
	return atomic_add_unless(&smrh_fail_allocs, -1, 0);
}

static struct smrh_array *smrh_array_alloc(unsigned int shift, u32 seed)
{
	struct smrh_array *a;

	if (smrh_test_alloc_fails())
		return NULL;
	a = kvzalloc(struct_size(a, buckets, 1UL << shift), GFP_KERNEL);
	if (a) {
		a->shift = shift;
		a->seed = seed;
	}
	return a;
}

static void smrh_array_free(struct smrh_array *a)
{
	if (a != &smrh_empty_array)
		kvfree(a);
}

/**
 * smr_hash_init() - give a table its first array
 * @h: the table, empty-initialized or not yet used
 * @size: buckets, rounded up to a power of two (at least 1, at most 2^30)
 *
 * Context: task context, may sleep.  Before any writer uses the table.
 * Return: 0, -EINVAL (too large) or -ENOMEM (the table stays
 * empty-initialized).
 */
int smr_hash_init(struct smr_hash *h, unsigned int size)
{
	struct smrh_array *a;

	if (size > 1U << SMRH_MAX_SHIFT)
		return -EINVAL;
	a = smrh_array_alloc(order_base_2(max(size, 1U)), get_random_u32());
	if (!a)
		return -ENOMEM;
	h->count = 0;
	h->resizing = false;
	/* A1: pairs with the address dependency of the readers' load. */
	smr_serialized_store(h->array, a);
	return 0;
}
EXPORT_SYMBOL_GPL(smr_hash_init);

/**
 * smr_hash_init_empty() - make a table the static empty one
 * @h: the table
 *
 * Lookups work on it and find nothing; smr_hash_init() it before writing.
 */
void smr_hash_init_empty(struct smr_hash *h)
{
	h->count = 0;
	h->resizing = false;
	smr_init_store(h->array, (struct smrh_array *)&smrh_empty_array);
}
EXPORT_SYMBOL_GPL(smr_hash_init_empty);

/**
 * smr_hash_destroy() - free a table's array
 * @h: the table, empty (smr_hash_serialized_clear() it first)
 *
 * No reader may search the table any more: unpublish it, or stop the
 * readers, and smr_synchronize() first.  The table is empty-initialized
 * afterwards.  Elements left in it are a bug: they are warned about and
 * left to their owner (the table forgets them).
 *
 * Context: task context.
 */
void smr_hash_destroy(struct smr_hash *h)
{
	struct smrh_array *a = smr_unserialized_load(h->array);

	WARN_ONCE(h->count, "smr_hash: destroyed with %lu elements in it\n",
		  h->count);
	smr_hash_init_empty(h);
	smrh_array_free(a);
}
EXPORT_SYMBOL_GPL(smr_hash_destroy);

/**
 * smr_hash_serialized_clear() - take every element out
 * @h: the table
 * @traits: the table's traits
 * @free: called on each element once it is out, or NULL
 *
 * Readers may still stand on the elements: @free must defer their reuse
 * (smr_kfree(), smr_call(), smr_cache_free()) unless no reader can search
 * the table any more.
 *
 * Context: holding the writer lock.
 */
void smr_hash_serialized_clear(struct smr_hash *h,
			       const struct smrh_traits *traits,
			       void (*free)(void *obj))
{
	struct smrh_array *a = smr_serialized_load(h->array);
	struct smrq_slink *link, *next;
	unsigned int i;

	if (a == &smrh_empty_array)
		return;
	for (i = 0; i < (1U << a->shift); i++) {
		link = smr_serialized_load(a->buckets[i].first);
		smr_clear_store(a->buckets[i].first);
		for (; link; link = next) {
			next = smr_serialized_load(link->next);
			if (free)
				free(smrh_obj(link, traits));
		}
	}
	h->count = 0;
}
EXPORT_SYMBOL_GPL(smr_hash_serialized_clear);

/*
 * Start a resize: under @lock, mark it, drop the lock, allocate the array
 * of @shift_delta more (or, negative, less) bits and, if @cur, the grow's
 * cursors (one per old bucket), take the lock again.  Other writers may
 * change the chains meanwhile, not the array: only resizes do.
 * Return: the new array, or NULL with *@err set and the lock dropped.
 */
static struct smrh_array *smrh_resize_begin(struct smr_hash *h,
					    struct mutex *lock, int shift_delta,
					    struct smrq_slink ***cur, int *err)
{
	struct smrh_array *old = smr_serialized_load(h->array), *new;

	lockdep_assert_held(lock);
	if (h->resizing || old == &smrh_empty_array ||
	    (shift_delta < 0 && !old->shift) ||
	    (shift_delta > 0 && old->shift >= SMRH_MAX_SHIFT)) {
		*err = h->resizing ? -EBUSY : -EINVAL;
		mutex_unlock(lock);
		return NULL;
	}
	h->resizing = true;
	mutex_unlock(lock);
	new = smrh_array_alloc(old->shift + shift_delta, old->seed);
	if (new && cur) {
		*cur = kvmalloc_array(1UL << old->shift, sizeof(**cur),
				      GFP_KERNEL);
		if (!*cur) {
			smrh_array_free(new);
			new = NULL;
		}
	}
	mutex_lock(lock);
	if (!new) {
		h->resizing = false;
		mutex_unlock(lock);
		*err = -ENOMEM;
	}
	return new;
}

/* Which new bucket of a grow an element goes to: 0 (i) or 1 (i + n). */
static unsigned int smrh_kind(struct smrq_slink *link, struct smrh_array *old,
			      const struct smrh_traits *traits)
{
	return (traits->obj_hash(smrh_obj(link, traits), old->seed) >>
		old->shift) & 1;
}

/* The first element of @kind from @link on, or NULL. */
static struct smrq_slink *smrh_first_of(struct smrq_slink *link,
					unsigned int kind,
					struct smrh_array *old,
					const struct smrh_traits *traits)
{
	while (link && smrh_kind(link, old, traits) != kind)
		link = smr_serialized_load(link->next);
	return link;
}

/*
 * One interleaving less in the chain from @cur on (see the DOC above):
 * return where the next round starts, or NULL when the chain is unzipped.
 */
static struct smrq_slink *smrh_unzip_step(struct smrq_slink *cur,
					  struct smrh_array *old,
					  const struct smrh_traits *traits)
{
	unsigned int kind = smrh_kind(cur, old, traits);
	struct smrq_slink *x = cur, *y, *z;

	while ((y = smr_serialized_load(x->next)) &&
	       smrh_kind(y, old, traits) == kind)
		x = y;
	if (!y)
		return NULL;
	z = smrh_first_of(y, kind, old, traits);
	/* No ordering needed: z was published when it was inserted. */
	smr_serialized_store_relaxed(x->next, z);
	return z ? y : NULL;
}

/**
 * smr_hash_grow_and_unlock() - double the buckets, online
 * @h: the table
 * @lock: the writer lock, held; released on return
 * @traits: the table's traits
 *
 * Readers go on finding every element during the grow; writers wait for
 * it (it holds @lock, except while it allocates).  It waits for readers
 * (smr_synchronize()) about as many times as the longest chain has runs.
 *
 * Context: task context, may sleep; not inside a section of the domain.
 * Return: 0; -EBUSY if a resize is under way; -EINVAL on an
 * empty-initialized table or one of 2^30 buckets; -ENOMEM if there was
 * no memory for the new array or the unzip state (the table is unchanged
 * and keeps working).
 */
int smr_hash_grow_and_unlock(struct smr_hash *h, struct mutex *lock,
			     const struct smrh_traits *traits)
{
	struct smrh_array *old, *new;
	struct smrq_slink **cur = NULL;
	unsigned int i, n;
	bool more;
	int err = 0;

	new = smrh_resize_begin(h, lock, 1, &cur, &err);
	if (!new)
		return err;
	old = smr_serialized_load(h->array);
	n = 1U << old->shift;
	for (i = 0; i < n; i++) {
		cur[i] = smr_serialized_load(old->buckets[i].first);
		smr_init_store(new->buckets[i].first,
			       smrh_first_of(cur[i], 0, old, traits));
		smr_init_store(new->buckets[i + n].first,
			       smrh_first_of(cur[i], 1, old, traits));
	}
	/* A1: pairs with the address dependency of the readers' load. */
	smr_serialized_store(h->array, new);
	smr_synchronize(traits->smr);		/* G1: the old array is unused */
	do {
		more = false;
		for (i = 0; i < n; i++) {
			if (cur[i])
				cur[i] = smrh_unzip_step(cur[i], old, traits);
			more |= !!cur[i];
		}
		if (more)
			smr_synchronize(traits->smr);	/* G2 */
	} while (more);
	h->resizing = false;
	mutex_unlock(lock);
	kvfree(cur);
	smrh_array_free(old);	/* its shift and seed gave the kinds */
	return 0;
}
EXPORT_SYMBOL_GPL(smr_hash_grow_and_unlock);

/**
 * smr_hash_shrink_and_unlock() - halve the buckets, online
 * @h: the table
 * @lock: the writer lock, held; released on return
 * @traits: the table's traits
 *
 * Context: task context, may sleep; not inside a section of the domain.
 * Return: 0; -EBUSY if a resize is under way; -EINVAL on an
 * empty-initialized table or one of a single bucket; -ENOMEM if there was
 * no memory for the new array (the table is unchanged).
 */
int smr_hash_shrink_and_unlock(struct smr_hash *h, struct mutex *lock,
			       const struct smrh_traits *traits)
{
	struct smrq_slink *link, *next;
	struct smrh_array *old, *new;
	unsigned int j, n;
	int err = 0;

	new = smrh_resize_begin(h, lock, -1, NULL, &err);
	if (!new)
		return err;
	old = smr_serialized_load(h->array);
	n = 1U << new->shift;
	for (j = 0; j < n; j++) {
		link = smr_serialized_load(old->buckets[j].first);
		next = smr_serialized_load(old->buckets[j + n].first);
		if (!link) {
			smr_init_store(new->buckets[j].first, next);
			continue;
		}
		smr_init_store(new->buckets[j].first, link);
		while (smr_serialized_load(link->next))
			link = smr_serialized_load(link->next);
		/* Published already: old readers of chain j may walk it. */
		smr_serialized_store_relaxed(link->next, next);
	}
	/* A1: pairs with the address dependency of the readers' load. */
	smr_serialized_store(h->array, new);
	smr_synchronize(traits->smr);		/* G1: the old array is unused */
	h->resizing = false;
	mutex_unlock(lock);
	smrh_array_free(old);
	return 0;
}
EXPORT_SYMBOL_GPL(smr_hash_shrink_and_unlock);
