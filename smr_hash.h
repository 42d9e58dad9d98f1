/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_hash: a resizable hash table that readers search inside an SMR read
 * section while one writer at a time, serialized by a lock of the
 * caller's, changes it.  XNU's smr_hash API; Documentation/smr-hash.rst
 * explains the design.
 *
 * The table is an array of singly linked smr queue buckets (struct
 * smrq_slist_head), published by one __smr pointer: readers load the
 * array once and find its size and seed in it, so they always use one
 * consistent array.  Elements embed a struct smrq_slink.  Everything a
 * table needs to know about its elements is in a traits object: where
 * the link is, the domain, how to hash a key and an element, how to
 * compare an element with a key, and optionally how to take a reference
 * on an element a reader found.
 *
 * Writers (insert, remove, replace, clear, resize) hold the caller's lock,
 * the same for every writer of a table.  Readers never take it, never
 * wait, and never miss an element that is in the table for their whole
 * lookup, also while the table grows or shrinks (smr_hash.c):
 *
 *  - grow doubles the array.  Each old chain i splits into new buckets i
 *    and i + old size; both are set to the first element of their kind
 *    before the new array is published, so a reader of the new array
 *    starts on its own kind and walks past the other kind's elements.
 *    After smr_synchronize() no reader is on the old array; then, round
 *    by round, each chain loses one interleaving (the last element of a
 *    run is pointed past the next run of the other kind), with
 *    smr_synchronize() between rounds, so that no reader that could
 *    still need the skipped run is standing where the change was made
 *    (the relativistic unzip of Triplett, McKenney and Walpole, USENIX
 *    ATC 2011);
 *  - shrink halves it: new bucket j is old chain j with old chain
 *    j + new size appended, which readers of either array may walk;
 *    after smr_synchronize() the old array is freed.
 *
 * A removed element stays as it is until a goal taken after the removal
 * is reached (the smr_queue.h reclamation rule): free it with smr_call(),
 * smr_kfree() or smr_cache_free().  The table is not meant to resist
 * hash flooding (its seed is random per table, but chains are not
 * watched).
 */
#ifndef _SMR_HASH_H
#define _SMR_HASH_H

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/types.h>

#include "smr.h"
#include "smr_queue.h"

/**
 * struct smrh_key - a key to look up: an integer, or bytes
 * @u64: an integer key (SMRH_SCALAR_KEY())
 * @opaque: the bytes of a memory key (SMRH_MEM_KEY())
 * @string: a NUL-terminated string key (smrh_string_key())
 * @len: the key's length in bytes (for strings: without the NUL)
 */
struct smrh_key {
	union {
		u64 u64;
		const void *opaque;
		const char *string;
	};
	size_t len;
};

#define SMRH_SCALAR_KEY(v)	((struct smrh_key){ .u64 = (v), .len = sizeof(v) })
#define SMRH_MEM_KEY(p, n)	((struct smrh_key){ .opaque = (p), .len = (n) })

static inline struct smrh_key smrh_string_key(const char *s)
{
	return (struct smrh_key){ .string = s, .len = strlen(s) };
}

/* Hash helpers for the traits' key_hash and obj_hash. */
static inline u32 smrh_key_hash_u64(u64 key, u32 seed)
{
	return hash_64(key ^ seed, 32);
}

static inline u32 smrh_key_hash_mem(const void *p, size_t len, u32 seed)
{
	return jhash(p, len, seed);
}

/**
 * struct smrh_traits - what a table knows of its elements
 * @link_offset: offsetof() the struct smrq_slink in the element
 * @smr: the domain whose sections readers search the table in
 * @key_hash: the hash of a key, with the table's seed
 * @obj_hash: the hash of an element's key, with the table's seed: equal
 *	to @key_hash of that key
 * @obj_equ: does the element have this key?
 * @obj_try_get: optional: take a reference on an element a reader found,
 *	or fail if it is dying (smr_hash_get(), get_or_insert())
 *
 * The functions are called inside read sections and under the writer's
 * lock: they must not sleep and must only read the element.
 *
 * Lookups and serialized updates are inline, and call the functions
 * through the traits they are given.  Give them a traits object whose
 * functions the compiler sees at the call, and the calls are direct ones
 * it may inline: a static const object, or, for a domain made at run
 * time, one built at each call with SMRH_SCALAR_TRAITS() (only the
 * fields used are computed; the domain is loaded for smr_enter()
 * anyway)::
 *
 *	#define FOO_TRAITS(f) \
 *		(&SMRH_SCALAR_TRAITS(foo, struct foo, link, (f)->smr))
 *
 *	obj = smr_hash_entered_find(&f->table, key, FOO_TRAITS(f));
 *
 * Through a traits object filled at run time, each lookup makes two
 * indirect calls, retpolines on kernels with Spectre v2 mitigations
 * (smr_bench measures both: Documentation/performance.rst).  Traits that
 * a table keeps (smr_shash_init()) must outlive it: keep a copy of the
 * same traits for those.
 */
struct smrh_traits {
	size_t link_offset;
	struct smr *smr;
	u32 (*key_hash)(struct smrh_key key, u32 seed);
	u32 (*obj_hash)(const void *obj, u32 seed);
	bool (*obj_equ)(const void *obj, struct smrh_key key);
	bool (*obj_try_get)(void *obj);
};

/**
 * SMRH_TRAITS_DEFINE_SCALAR() - the traits' functions for an integer key
 * @prefix: the functions are @prefix##_key_hash, _obj_hash and _obj_equ
 * @key_of: u64 key_of(const void *obj), the element's key
 *
 * Defines the hash and equality functions of a table whose elements are
 * found by an integer (looked up with SMRH_SCALAR_KEY()), from a function
 * that reads it; SMRH_SCALAR_TRAITS() makes the traits.
 */
#define SMRH_TRAITS_DEFINE_SCALAR(prefix, key_of)			\
static u64 prefix##_obj_key(const void *obj)				\
{									\
	return key_of(obj);						\
}									\
static u32 prefix##_key_hash(struct smrh_key key, u32 seed)		\
{									\
	return smrh_key_hash_u64(key.u64, seed);			\
}									\
static u32 prefix##_obj_hash(const void *obj, u32 seed)		\
{									\
	return smrh_key_hash_u64(prefix##_obj_key(obj), seed);		\
}									\
static bool prefix##_obj_equ(const void *obj, struct smrh_key key)	\
{									\
	return prefix##_obj_key(obj) == key.u64;			\
}

/**
 * SMRH_SCALAR_TRAITS() - the traits of a table with an integer key
 * @prefix: as given to SMRH_TRAITS_DEFINE_SCALAR()
 * @type: the element's type
 * @link_field: its struct smrq_slink member
 * @domain: the domain readers search in
 *
 * A struct smrh_traits value; add .obj_try_get to it where wanted.  Its
 * address, taken at the call, gives the inline lookups direct calls
 * (struct smrh_traits).
 */
#define SMRH_SCALAR_TRAITS(prefix, type, link_field, domain)		\
	((struct smrh_traits){						\
		.link_offset = offsetof(type, link_field),		\
		.smr = (domain),					\
		.key_hash = prefix##_key_hash,				\
		.obj_hash = prefix##_obj_hash,				\
		.obj_equ = prefix##_obj_equ,				\
	})

/**
 * struct smrh_array - one size of a table, as readers see it
 * @shift: log2 of the number of buckets
 * @seed: the hash seed, the same for every array of a table
 * @buckets: the chains
 */
struct smrh_array {
	unsigned int shift;
	u32 seed;
	struct smrq_slist_head buckets[];
};

/**
 * struct smr_hash - a resizable SMR hash table
 * @array: the current array; the static empty one before smr_hash_init()
 * @count: elements in the table (writers only)
 * @resizing: a grow or shrink is under way (writers only)
 */
struct smr_hash {
	struct smrh_array __smr *array;
	unsigned long count;
	bool resizing;
};

/* One empty bucket, for tables not (or no longer) initialized. */
extern const struct smrh_array smrh_empty_array;

/**
 * SMR_HASH_INITIALIZER - a table that lookups work on before init
 *
 * Lookups find nothing; writers must smr_hash_init() it first.
 */
#define SMR_HASH_INITIALIZER						\
	{ .array = (struct smrh_array __force __smr *)&smrh_empty_array }

int smr_hash_init(struct smr_hash *h, unsigned int size);
void smr_hash_init_empty(struct smr_hash *h);
void smr_hash_destroy(struct smr_hash *h);
int smr_hash_grow_and_unlock(struct smr_hash *h, struct mutex *lock,
			     const struct smrh_traits *traits);
int smr_hash_shrink_and_unlock(struct smr_hash *h, struct mutex *lock,
			       const struct smrh_traits *traits);
void smr_hash_serialized_clear(struct smr_hash *h,
			       const struct smrh_traits *traits,
			       void (*free)(void *obj));
/*
 * Test hook for smr's own KUnit suites, not for consumers: the next @n
 * array allocations of smr_hash and smr_shash tables fail (smr_hash.c).
 */
void smr_hash_test_fail_alloc(unsigned int n);

static inline void *smrh_obj(struct smrq_slink *link,
			     const struct smrh_traits *traits)
{
	return link ? (char *)link - traits->link_offset : NULL;
}

static inline struct smrq_slink *smrh_link(void *obj,
					   const struct smrh_traits *traits)
{
	return (struct smrq_slink *)((char *)obj + traits->link_offset);
}

static inline struct smrq_slist_head *smrh_bucket(struct smrh_array *a,
						  u32 hash)
{
	return &a->buckets[hash & ((1U << a->shift) - 1)];
}

/**
 * smr_hash_is_empty_initialized() - is the table the static empty one?
 * @h: the table
 *
 * Return: true before smr_hash_init() and after smr_hash_destroy().
 */
static inline bool smr_hash_is_empty_initialized(struct smr_hash *h)
{
	return smr_unsafe_load(h->array) == (unsigned long)&smrh_empty_array;
}

/**
 * smr_hash_size() - the number of buckets
 * @h: the table
 *
 * Context: holding the writer lock, or inside a section of the table's
 * domain (a resize frees the old array after a wait for readers).
 * Return: the size of the current array (it may change at once).
 */
static inline unsigned int smr_hash_size(struct smr_hash *h)
{
	struct smrh_array *a = (struct smrh_array *)smr_unsafe_load(h->array);

	return 1U << READ_ONCE(a->shift);
}

/**
 * smr_hash_serialized_count() - the number of elements
 * @h: the table
 *
 * Context: holding the writer lock.
 * Return: the elements in the table.
 */
static inline unsigned long smr_hash_serialized_count(struct smr_hash *h)
{
	return h->count;
}

/*
 * Search @a for @key.  Readers and writers load the same way (the
 * serialized loads are smr_entered_load() without the section check).
 */
static inline void *__smrh_find(struct smrh_array *a, struct smrh_key key,
				const struct smrh_traits *traits)
{
	struct smrq_slink *link;
	u32 hash = traits->key_hash(key, a->seed);

	for (link = smr_entered_load(smrh_bucket(a, hash)->first); link;
	     link = smr_entered_load(link->next))
		if (traits->obj_equ(smrh_obj(link, traits), key))
			return smrh_obj(link, traits);
	return NULL;
}

/**
 * smr_hash_entered_find() - look a key up, inside a read section
 * @h: the table
 * @key: the key
 * @traits: the table's traits
 *
 * Finds an element that is in the table for the whole lookup, also while
 * the table is resized.
 *
 * Context: inside a section of @traits->smr (checked under
 * CONFIG_PROVE_LOCKING).
 * Return: the element, valid until the section ends, or NULL.
 */
static inline void *smr_hash_entered_find(struct smr_hash *h, struct smrh_key key,
					  const struct smrh_traits *traits)
{
	struct smrh_array *a = smr_entered_load_assert(h->array, traits->smr);

	return __smrh_find(a, key, traits);
}

/**
 * smr_hash_serialized_find() - look a key up, holding the writer lock
 * @h: the table
 * @key: the key
 * @traits: the table's traits
 *
 * Context: holding the writer lock.
 * Return: the element, or NULL.
 */
static inline void *smr_hash_serialized_find(struct smr_hash *h,
					     struct smrh_key key,
					     const struct smrh_traits *traits)
{
	struct smrh_array *a = smr_serialized_load(h->array);

	return __smrh_find(a, key, traits);
}

/**
 * smr_hash_get() - look a key up and take a reference, in a section of its own
 * @h: the table
 * @key: the key
 * @traits: the table's traits, with @obj_try_get
 *
 * Context: any context a section of @traits->smr may be entered in (not a
 * section of it already).
 * Return: the element with a reference taken by @traits->obj_try_get, or
 * NULL when there is none or it is dying.
 */
static inline void *smr_hash_get(struct smr_hash *h, struct smrh_key key,
				 const struct smrh_traits *traits)
{
	void *obj;

	smr_enter(traits->smr);
	obj = smr_hash_entered_find(h, key, traits);
	if (obj && !traits->obj_try_get(obj))
		obj = NULL;
	smr_leave(traits->smr);
	return obj;
}

/**
 * smr_hash_contains() - is there an element with this key?
 * @h: the table
 * @key: the key
 * @traits: the table's traits
 *
 * Context: as smr_hash_get().
 * Return: true if an element with @key was in the table during the call.
 */
static inline bool smr_hash_contains(struct smr_hash *h, struct smrh_key key,
				     const struct smrh_traits *traits)
{
	bool found;

	smr_enter(traits->smr);
	found = smr_hash_entered_find(h, key, traits);
	smr_leave(traits->smr);
	return found;
}

/**
 * smr_hash_serialized_insert() - add an element
 * @h: the table, smr_hash_init()ed
 * @link: the element's link
 * @traits: the table's traits
 *
 * Publishes the element (its initialization is ordered before), at the
 * head of its bucket.  Keys are not checked for duplicates:
 * smr_hash_serialized_get_or_insert() does.  On a table that was never
 * smr_hash_init()ed: a warning, and nothing is inserted.
 *
 * Context: holding the writer lock.
 */
static inline void smr_hash_serialized_insert(struct smr_hash *h,
					      struct smrq_slink *link,
					      const struct smrh_traits *traits)
{
	struct smrh_array *a = smr_serialized_load(h->array);
	u32 hash;

	/* The static empty array is read-only: init the table first. */
	if (WARN_ON_ONCE(a == &smrh_empty_array))
		return;
	hash = traits->obj_hash(smrh_obj(link, traits), a->seed);
	smrq_serialized_insert_head(smrh_bucket(a, hash), link);
	h->count++;
}

/**
 * smr_hash_serialized_get_or_insert() - find a key, or add the element
 * @h: the table, smr_hash_init()ed
 * @key: the element's key
 * @link: the element's link
 * @traits: the table's traits
 *
 * Context: holding the writer lock.
 * Return: the element already in the table with @key, with a reference
 * taken by @traits->obj_try_get when it has one; or NULL when @link was
 * inserted (also in place of a dying element, which stays until its
 * owner removes it).
 */
static inline void *
smr_hash_serialized_get_or_insert(struct smr_hash *h, struct smrh_key key,
				  struct smrq_slink *link,
				  const struct smrh_traits *traits)
{
	void *obj = smr_hash_serialized_find(h, key, traits);

	if (obj && (!traits->obj_try_get || traits->obj_try_get(obj)))
		return obj;
	smr_hash_serialized_insert(h, link, traits);
	return NULL;
}

/**
 * smr_hash_serialized_remove() - take an element out
 * @h: the table
 * @link: the element's link
 * @traits: the table's traits
 *
 * The element stays as it is for readers that stand on it: reuse it only
 * after a goal taken after the removal (smr_queue.h's rule).
 *
 * Removing an element that is not in the table is a bug: smr_queue.h's
 * validation warns, and nothing changes.
 *
 * Context: holding the writer lock.
 * Return: true if it was in the table and is removed.
 */
static inline bool smr_hash_serialized_remove(struct smr_hash *h,
					      struct smrq_slink *link,
					      const struct smrh_traits *traits)
{
	struct smrh_array *a = smr_serialized_load(h->array);
	u32 hash = traits->obj_hash(smrh_obj(link, traits), a->seed);

	if (!smrq_serialized_remove(smrh_bucket(a, hash), link))
		return false;
	h->count--;
	return true;
}

/**
 * smr_hash_serialized_replace() - put an element with the same key in place
 * @h: the table
 * @old_link: the link of the element in the table
 * @new_link: the link of its replacement, with the same key
 * @traits: the table's traits
 *
 * Readers find either element, never neither.  Reuse the old one only
 * after a goal taken after the replacement.
 *
 * Context: holding the writer lock.
 * Return: true if @old_link was in the table and is replaced.
 */
static inline bool
smr_hash_serialized_replace(struct smr_hash *h, struct smrq_slink *old_link,
			    struct smrq_slink *new_link,
			    const struct smrh_traits *traits)
{
	struct smrh_array *a = smr_serialized_load(h->array);
	u32 hash = traits->obj_hash(smrh_obj(old_link, traits), a->seed);

	return smrq_serialized_replace(smrh_bucket(a, hash), old_link,
				       new_link);
}

/**
 * smr_hash_serialized_should_grow() - is the table fuller than a ratio?
 * @h: the table
 * @ratio: elements per bucket above which to grow
 *
 * Context: holding the writer lock.
 * Return: true when the table holds more than @ratio elements per bucket.
 */
static inline bool smr_hash_serialized_should_grow(struct smr_hash *h,
						   unsigned int ratio)
{
	return !h->resizing && h->count > (unsigned long)smr_hash_size(h) * ratio;
}

/**
 * smr_hash_serialized_should_shrink() - is the table emptier than a ratio?
 * @h: the table
 * @ratio: buckets per element above which to shrink
 * @min_size: the size below which not to shrink
 *
 * Context: holding the writer lock.
 * Return: true when the table is above @min_size buckets and has more
 * than @ratio buckets per element.
 */
static inline bool smr_hash_serialized_should_shrink(struct smr_hash *h,
						     unsigned int ratio,
						     unsigned int min_size)
{
	unsigned int size = smr_hash_size(h);

	return !h->resizing && size > min_size &&
	       h->count * ratio < size;
}

/* The state of an smr_hash_serialized_foreach() loop. */
struct smrh_iter {
	struct smrh_array *a;
	unsigned int i;
	struct smrq_slink *next;
};

static inline struct smrh_iter smrh_iter_start(struct smr_hash *h)
{
	struct smrh_array *a = smr_serialized_load(h->array);

	return (struct smrh_iter){
		.a = a, .next = smr_serialized_load(a->buckets[0].first),
	};
}

/* The next element's link, the next bucket's first when a chain ends. */
static inline struct smrq_slink *smrh_iter_next(struct smrh_iter *it)
{
	struct smrq_slink *link;

	while (!it->next && ++it->i < (1U << it->a->shift))
		it->next = smr_serialized_load(it->a->buckets[it->i].first);
	link = it->next;
	if (link)
		it->next = smr_serialized_load(link->next);
	return link;
}

/**
 * smr_hash_serialized_foreach() - visit every element once
 * @link: a struct smrq_slink * cursor (an identifier)
 * @h: the table
 *
 * Visits each element exactly once: resizes hold the writer lock until
 * every chain is unzipped.  The next element is loaded before the body
 * runs, so the body may remove @link (not free it: readers may stand on
 * it); it must not drop the lock.
 *
 * Context: holding the writer lock.
 */
#define smr_hash_serialized_foreach(link, h)				\
	for (struct smrh_iter __smrh_it_##link = smrh_iter_start(h);	\
	     ((link) = smrh_iter_next(&__smrh_it_##link));)

#endif /* _SMR_HASH_H */
