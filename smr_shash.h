/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_shash: the scalable SMR hash table.  Readers search it inside an
 * SMR read section, without locks, and never miss an element that is in
 * the table for their whole lookup; writers insert, remove and replace
 * concurrently, each holding only the lock of one bucket at a time; the
 * table grows, shrinks and reseeds itself from a worker while both go on.
 * XNU's smr_shash API; Documentation/smr-hash.rst compares it with
 * smr_hash (one writer at a time, under a lock of the caller's) and with
 * rhashtable, and smr_shash.c explains the migration and its ordering.
 *
 * Layout.  An array of buckets, published by one __smr pointer.  A bucket
 * is one word: the first element's struct smrq_slink, with bit 1 as the
 * bucket's lock (a bit spinlock, as in hlist_bl).  Chains end in a
 * terminator instead of NULL: a word with bit 0 set that names the array
 * and the bucket (nulls, as in hlist_nulls).  A reader that reached the
 * end of a chain other than the one it started knows that an element it
 * stood on was moved by a resize, and starts over.
 *
 * Resizes.  A resize allocates a second array and moves every element
 * into it, bucket by bucket, under the buckets' locks, while lookups and
 * updates go on: readers search the old array and then the new one,
 * writers the bucket that owns their key (the old one until it is
 * migrated).  When the new array's memory cannot be had, nothing changes:
 * the table stays as it is and the worker tries again later.  So inserts
 * never fail, neither for a resize under way nor for want of memory.
 *
 * Policy.  Elements are counted in a per-cpu counter.  Inserts and
 * removals that leave the table fuller or emptier than the policy's
 * bounds wake the worker (struct smrsh_policy_params).  An insert that
 * walks a chain far longer than the policy allows wakes it too, to give
 * the table a new random seed: the defence against hash flooding.
 *
 * Scalable tables cannot be enumerated: use smr_hash where iteration is
 * needed.
 */
#ifndef _SMR_SHASH_H
#define _SMR_SHASH_H

#include <linux/bit_spinlock.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/percpu_counter.h>
#include <linux/workqueue.h>

#include "smr_hash.h"

/**
 * enum smrsh_policy - how full a scalable table may get
 * @SMRSH_COMPACT: up to 4 elements per bucket; shrinks below 1
 * @SMRSH_BALANCED: up to 1 element per bucket; shrinks below 1/4
 * @SMRSH_BALANCED_NOSHRINK: as @SMRSH_BALANCED, never shrinks
 * @SMRSH_FASTEST: up to 1/2 element per bucket; shrinks below 1/8
 *
 * A resize aims at half the upper bound, so that the next one is far.
 */
enum smrsh_policy {
	SMRSH_COMPACT,
	SMRSH_BALANCED,
	SMRSH_BALANCED_NOSHRINK,
	SMRSH_FASTEST,
};

/* Chain words: an element's link, or a terminator. */
#define SMRSH_STOP		1UL	/* bit 0: a terminator */
#define SMRSH_LOCK_BIT		1	/* bit 1 of a bucket: its lock */
#define SMRSH_LOCK		BIT(SMRSH_LOCK_BIT)

/**
 * struct smrsh_bucket - one chain's head
 * @first: the first element's struct smrq_slink, or the chain's
 *	terminator; bit 1 is the bucket's lock
 */
struct smrsh_bucket {
	unsigned long first;
};

/**
 * struct smrsh_array - one size (and seed) of a scalable table
 * @shift: log2 of the number of buckets
 * @seed: the hash seed of this array
 * @gen: tells this array's terminators from its neighbours' (the old and
 *	the new array of a resize)
 * @rehash: buckets below it are migrated to @future (writers only)
 * @future: the array a resize moves the elements to, or NULL
 * @buckets: the chains
 */
struct smrsh_array {
	unsigned int shift;
	u32 seed;
	unsigned int gen;
	unsigned int rehash;
	struct smrsh_array __smr *future;
	struct smrsh_bucket buckets[];
};

/**
 * struct smr_shash - a scalable, self-resizing SMR hash table
 * @array: the array readers start with; the static empty one before
 *	smr_shash_init()
 * @traits: the elements' traits, for the worker
 * @count: the elements in the table
 * @resize_work: the worker that resizes and reseeds
 * @resize_lock: one resize at a time; guards the fields below
 * @policy: the enum smrsh_policy
 * @min_shift: log2 of the smallest size
 * @shift: log2 of the size of @array
 * @reseed: an insert saw a chain far too long
 * @dying: smr_shash_destroy() began
 * @resizes: resizes done (grows, shrinks and reseeds)
 * @reseeds: of which reseeds
 * @alloc_failures: resizes that found no memory, the table unchanged
 */
struct smr_shash {
	struct smrsh_array __smr *array;
	const struct smrh_traits *traits;
	struct percpu_counter count;
	struct delayed_work resize_work;
	struct mutex resize_lock;	/* one resize at a time */
	enum smrsh_policy policy;
	unsigned int min_shift;
	unsigned int shift;
	bool reseed;
	bool dying;
	unsigned long resizes;
	unsigned long reseeds;
	unsigned long alloc_failures;
};

/* One empty bucket, for tables not (or no longer) initialized. */
extern const struct smrsh_array smrsh_empty_array;

/**
 * SMR_SHASH_INITIALIZER - a scalable table that lookups work on before init
 *
 * Lookups find nothing; writers must smr_shash_init() it first.
 */
#define SMR_SHASH_INITIALIZER						\
	{ .array = (struct smrsh_array __force __smr *)&smrsh_empty_array }

int smr_shash_init(struct smr_shash *h, enum smrsh_policy policy,
		   unsigned int min_size, const struct smrh_traits *traits);
void smr_shash_destroy(struct smr_shash *h, void (*free)(void *obj));
void *smr_shash_entered_get_or_insert(struct smr_shash *h,
				      struct smrh_key key,
				      struct smrq_slink *link,
				      const struct smrh_traits *traits);
bool smr_shash_entered_remove(struct smr_shash *h, struct smrq_slink *link,
			      const struct smrh_traits *traits);
bool smr_shash_entered_replace(struct smr_shash *h,
			       struct smrq_slink *old_link,
			       struct smrq_slink *new_link,
			       const struct smrh_traits *traits);
int smr_shash_resize(struct smr_shash *h, unsigned int size);
int smr_shash_reseed(struct smr_shash *h);
void smr_shash_flush(struct smr_shash *h);
unsigned long smr_shash_count(struct smr_shash *h);
unsigned int smr_shash_size(struct smr_shash *h);

/* The mask of @a's bucket indexes. */
static inline u32 smrsh_mask(const struct smrsh_array *a)
{
	return (1U << a->shift) - 1;
}

/* The terminator of bucket @i of @a. */
static inline unsigned long smrsh_stop(const struct smrsh_array *a, u32 i)
{
	return ((unsigned long)i << 3) | ((a->gen & 1UL) << 2) | SMRSH_STOP;
}

/* A chain word as readers see it: the bucket's lock bit off. */
static inline unsigned long smrsh_word(const unsigned long *p)
{
	return READ_ONCE(*p) & ~SMRSH_LOCK;
}

/* The word after @link: the next element, or a terminator. */
static inline unsigned long smrsh_next(struct smrq_slink *link)
{
	return (__force unsigned long)READ_ONCE(link->next);
}

/*
 * Search @a's chain of @key.  Return: the element; NULL at the chain's
 * own terminator; ERR_PTR(-EAGAIN) at another chain's terminator, where
 * a resize moved an element the search stood on.
 */
static inline void *__smrsh_find(struct smrsh_array *a, struct smrh_key key,
				 const struct smrh_traits *traits)
{
	u32 i = traits->key_hash(key, a->seed) & smrsh_mask(a);
	unsigned long w;

	for (w = smrsh_word(&a->buckets[i].first); !(w & SMRSH_STOP);
	     w = smrsh_next((struct smrq_slink *)w)) {
		void *obj = smrh_obj((struct smrq_slink *)w, traits);

		if (traits->obj_equ(obj, key))
			return obj;
	}
	return likely(w == smrsh_stop(a, i)) ? NULL : ERR_PTR(-EAGAIN);
}

/**
 * smr_shash_entered_find() - look a key up, inside a read section
 * @h: the table
 * @key: the key
 * @traits: the table's traits
 *
 * Finds an element that is in the table for the whole lookup, also while
 * the table is resized or reseeded.  Inline: give it traits the compiler
 * sees at the call, for direct calls (struct smrh_traits).
 *
 * Context: inside a section of @traits->smr (checked under
 * CONFIG_PROVE_LOCKING).
 * Return: the element, valid until the section ends, or NULL.
 */
static inline void *smr_shash_entered_find(struct smr_shash *h,
					   struct smrh_key key,
					   const struct smrh_traits *traits)
{
	struct smrsh_array *a;
	void *obj;

restart:
	a = smr_entered_load_assert(h->array, traits->smr);
	for (;;) {
		obj = __smrsh_find(a, key, traits);
		if (IS_ERR(obj))
			goto restart;
		if (obj)
			return obj;
		/*
		 * L1: the chain's end before the resize's next array (and
		 * its chains).  Pairs with M1 in smrsh_move_tail().
		 */
		smp_rmb();
		a = smr_entered_load(a->future);
		if (likely(!a))
			return NULL;
	}
}

/**
 * smr_shash_get() - look a key up and take a reference, in a section of its own
 * @h: the table
 * @key: the key
 * @traits: the table's traits, with @obj_try_get
 *
 * Context: any context a section of @traits->smr may be entered in (not a
 * section of it already).
 * Return: the element with a reference taken by @traits->obj_try_get, or
 * NULL when there is none or it is dying.
 */
static inline void *smr_shash_get(struct smr_shash *h, struct smrh_key key,
				  const struct smrh_traits *traits)
{
	void *obj;

	smr_enter(traits->smr);
	obj = smr_shash_entered_find(h, key, traits);
	if (obj && !traits->obj_try_get(obj))
		obj = NULL;
	smr_leave(traits->smr);
	return obj;
}

/**
 * smr_shash_contains() - is there an element with this key?
 * @h: the table
 * @key: the key
 * @traits: the table's traits
 *
 * Context: as smr_shash_get().
 * Return: true if an element with @key was in the table during the call.
 */
static inline bool smr_shash_contains(struct smr_shash *h, struct smrh_key key,
				      const struct smrh_traits *traits)
{
	bool found;

	smr_enter(traits->smr);
	found = smr_shash_entered_find(h, key, traits);
	smr_leave(traits->smr);
	return found;
}

/**
 * smr_shash_get_or_insert() - smr_shash_entered_get_or_insert(), in a section of its own
 * @h: the table
 * @key: the element's key
 * @link: the element's link
 * @traits: the table's traits
 *
 * Context: task or softirq context, not inside a section of @traits->smr.
 * Return: as smr_shash_entered_get_or_insert().
 */
static inline void *smr_shash_get_or_insert(struct smr_shash *h,
					    struct smrh_key key,
					    struct smrq_slink *link,
					    const struct smrh_traits *traits)
{
	void *obj;

	smr_enter(traits->smr);
	obj = smr_shash_entered_get_or_insert(h, key, link, traits);
	smr_leave(traits->smr);
	return obj;
}

/**
 * smr_shash_remove() - smr_shash_entered_remove(), in a section of its own
 * @h: the table
 * @link: the element's link
 * @traits: the table's traits
 *
 * Context: task or softirq context, not inside a section of @traits->smr.
 * Return: as smr_shash_entered_remove().
 */
static inline bool smr_shash_remove(struct smr_shash *h,
				    struct smrq_slink *link,
				    const struct smrh_traits *traits)
{
	bool removed;

	smr_enter(traits->smr);
	removed = smr_shash_entered_remove(h, link, traits);
	smr_leave(traits->smr);
	return removed;
}

#endif /* _SMR_SHASH_H */
