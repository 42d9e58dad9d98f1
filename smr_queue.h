/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMR queues: linked lists that readers walk inside an SMR read section
 * (smr_enter() ... smr_leave()) while a writer, serialized by a lock of its
 * own, changes them.  The Linux counterpart of rculist.h for smr.ko, with
 * the smrq_* API of XNU's <kern/smr.h>.
 *
 * Four kinds, one API: every operation infers the kind from the type of
 * the head it is given, so switching kinds means changing two types.
 * Documentation/smr-queue.rst explains them, with a sample consumer.
 *
 *   head                     link               insert at   remove  iter
 *   struct smrq_slist_head   struct smrq_slink  head        O(n)    yes
 *   struct smrq_list_head    struct smrq_link   head        O(1)    no
 *   struct smrq_stailq_head  struct smrq_slink  head, tail  O(n)    yes
 *   struct smrq_tailq_head   struct smrq_link   head, tail  O(1)    no
 *
 * Readers only go forward: a reader follows next pointers, never prev.
 *
 * Concurrency contract.  For each operation on one queue: may it run while
 * readers walk the queue, and while other writer operations run on it
 * ("L": only if both hold the queue's writer lock, the same lock for every
 * writer of the queue; "X": never); and when an element it took off the
 * queue may be reused (modified, inserted again or freed).
 *
 *   operation                         readers  writers  reuse
 *   smrq_init                         yes (1)  L        -
 *   smrq_empty                        yes      yes      -
 *   smrq_entered_first/next/foreach   yes      yes      - (2)
 *   smrq_serialized_first/next,
 *     _foreach, _foreach_safe, _iter  yes      L        -
 *   smrq_serialized_insert_head/tail  yes      L        -
 *   smrq_serialized_insert_*_relaxed  X (3)    L        -
 *   smrq_serialized_remove            yes      L        elem (4)
 *   smrq_serialized_iter_erase        yes      L        it (4)
 *   smrq_serialized_replace           yes      L        old_elem (4)
 *   smrq_serialized_append            yes      L        - (5)
 *
 * (1) Readers then see the old elements or an empty queue.
 * (2) Only between smr_enter() and smr_leave() of the domain that
 *     protects the queue; the elements returned are valid until
 *     smr_leave().
 * (3) The relaxed insertions do not order the element's initialization
 *     before its publication: for queues, or elements, that no reader can
 *     reach yet.
 * (4) The reclamation rule.  An operation that takes an element off a
 *     queue leaves the element's own next pointer alone, so that a reader
 *     standing on it carries on to the rest of the queue.  Take a goal
 *     with smr_advance() after the removal; the element may be reused
 *     once smr_poll() of that goal returns true (or after smr_wait() of
 *     it, or smr_synchronize()).  Until then it must stay as it is: not
 *     freed, not inserted anywhere again.
 * (5) The source queue keeps its elements for its readers; smrq_init() it
 *     before using it again.
 *
 * Validation, after CONFIG_DEBUG_LIST.  Insertions, removals, replacements
 * and appends check that the links they are about to change agree with
 * each other: a doubly linked element and its neighbours point to each
 * other, a tail queue's last pointer ends the queue, an element to remove
 * is on the queue, an element is not linked next to itself.  When they do
 * not, the operation warns once (WARN_ONCE), changes nothing and returns
 * false; otherwise it returns true.  The queue stays as corrupt as it was,
 * but no worse; nothing calls BUG().
 *
 * Memory ordering: insertions and replacements publish with
 * smr_serialized_store() (release), which orders the new element's
 * initialization before any reader can reach it; removals unlink with
 * smr_serialized_store_relaxed(), since the element they link in instead
 * was published, with release, when it was inserted; readers load with
 * smr_entered_load(), whose address dependency pairs with the release.
 */
#ifndef _SMR_QUEUE_H
#define _SMR_QUEUE_H

#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include "smr.h"

/**
 * struct smrq_slink - link of a singly linked SMR queue
 * @next: the next element's link; NULL at the end.  Followed by readers.
 */
struct smrq_slink {
	struct smrq_slink __smr *next;
};

/**
 * struct smrq_link - link of a doubly linked SMR queue
 * @next: the next element's link; NULL at the end.  Followed by readers.
 * @prev: the pointer that points to this link: the head's first or the
 *	previous element's @next.  Writers only; NULL once the element has
 *	been removed or replaced.
 */
struct smrq_link {
	struct smrq_link __smr *next;
	struct smrq_link __smr **prev;
};

/**
 * struct smrq_slist_head - singly linked list: insertion at the head
 * @first: the first element's link, NULL when empty
 */
struct smrq_slist_head {
	struct smrq_slink __smr *first;
};

/**
 * struct smrq_list_head - doubly linked list: insertion at the head
 * @first: the first element's link, NULL when empty
 */
struct smrq_list_head {
	struct smrq_link __smr *first;
};

/**
 * struct smrq_stailq_head - singly linked tail queue
 * @first: the first element's link, NULL when empty
 * @last: the pointer that ends the queue: @first when empty, else the
 *	last element's next.  Writers only.
 */
struct smrq_stailq_head {
	struct smrq_slink __smr *first;
	struct smrq_slink __smr **last;
};

/**
 * struct smrq_tailq_head - doubly linked tail queue
 * @first: the first element's link, NULL when empty
 * @last: the pointer that ends the queue: @first when empty, else the
 *	last element's next.  Writers only.
 */
struct smrq_tailq_head {
	struct smrq_link __smr *first;
	struct smrq_link __smr **last;
};

/**
 * SMRQ_SLIST_HEAD_INIT - static initializer of an empty smrq_slist_head
 */
#define SMRQ_SLIST_HEAD_INIT		{ .first = NULL }

/**
 * SMRQ_LIST_HEAD_INIT - static initializer of an empty smrq_list_head
 */
#define SMRQ_LIST_HEAD_INIT		{ .first = NULL }

/**
 * SMRQ_STAILQ_HEAD_INIT() - static initializer of an empty smrq_stailq_head
 * @name: the head being initialized
 */
#define SMRQ_STAILQ_HEAD_INIT(name)	{ .first = NULL, .last = &(name).first }

/**
 * SMRQ_TAILQ_HEAD_INIT() - static initializer of an empty smrq_tailq_head
 * @name: the head being initialized
 */
#define SMRQ_TAILQ_HEAD_INIT(name)	{ .first = NULL, .last = &(name).first }

/* ---- Entries ------------------------------------------------------------ */

/**
 * smrq_entry() - the element that contains a link, or NULL
 * @link: pointer to a struct smrq_slink or struct smrq_link, may be NULL
 * @type: the element's type
 * @field: the name of the link in @type
 *
 * container_of() that passes NULL through, so that the end of a queue
 * maps to a NULL element.
 *
 * Return: the element, or NULL when @link is NULL.
 */
#define smrq_entry(link, type, field) ({				\
	__auto_type __smrq_link = (link);				\
									\
	__smrq_link ? container_of(__smrq_link, type, field) : NULL;	\
})

/**
 * __smrq_entry_of() - smrq_entry() for the type a pointer points to
 * @link: pointer to a link, may be NULL
 * @ptr_type: the type of a pointer to the element, e.g. typeof(it)
 * @field: the name of the link in the element
 *
 * Return: the element, or NULL when @link is NULL.
 */
#define __smrq_entry_of(link, ptr_type, field)				\
	smrq_entry(link, typeof(*(ptr_type)NULL), field)

/**
 * __smrq_entry_beside() - the element holding a link, found from a sibling
 * @link: pointer to a link, may be NULL
 * @elem: an element of the same type
 * @elem_link: @elem's link, the one @link corresponds to
 *
 * The element whose link is @link lies at the same offset from its link
 * as @elem from @elem_link: this is container_of() with the offset taken
 * from a sibling, which lets the _next() macros name the link only once.
 *
 * Return: the element, of @elem's type, or NULL when @link is NULL.
 */
#define __smrq_entry_beside(link, elem, elem_link) ({			\
	__auto_type __smrq_sib = (link);				\
									\
	(typeof(elem))(__smrq_sib ?					\
		(void *)__smrq_sib + ((void *)(elem) - (void *)(elem_link)) : \
		NULL);							\
})

/**
 * __smrq_next_entry() - the element after another
 * @elem: the current element
 * @field: the name of its link
 * @load: how to load the next pointer: smr_entered_load or
 *	smr_serialized_load
 *
 * Return: the next element, or NULL at the end of the queue.
 */
#define __smrq_next_entry(elem, field, load) ({				\
	__auto_type __smrq_cur = (elem);				\
	__auto_type __smrq_cur_link = __smrq_link_of(__smrq_cur, field); \
									\
	__smrq_entry_beside(load(__smrq_cur_link->next), __smrq_cur,	\
			    __smrq_cur_link);				\
})

/* ---- Readers: inside smr_enter(), forward only -------------------------- */

/*
 * Under CONFIG_PROVE_LOCKING: a reader's walk starts inside a section of
 * some domain (lockdep's smr_any_section()), or where @cond holds, as
 * list_for_each_entry_rcu(..., cond) checks.  Called as
 * __smrq_check_entered(0, ##cond, 0): @cond is 0 when not given.
 */
#ifdef CONFIG_PROVE_LOCKING
#define __smrq_check_entered(zero, cond, extra...)			\
	((void)(zero), WARN_ONCE(!(cond) && !smr_any_section(),	\
				 "smr: queue read outside any smr section"))
#else
#define __smrq_check_entered(zero, cond, extra...)			\
	((void)(zero), (void)sizeof(!(cond)))
#endif

/**
 * smrq_empty() - is the queue empty?
 * @head: pointer to any SMR queue head
 *
 * Context: any context; the answer may be stale by the time it is used.
 * Return: true when the queue has no element.
 */
#define smrq_empty(head)	(!smr_unsafe_load((head)->first))

/**
 * smrq_entered_first() - the first element, in a read section
 * @head: pointer to any SMR queue head
 * @type: the element's type
 * @field: the name of the link in @type
 * @cond: optional: another condition under which the read is valid,
 *	e.g. lockdep_is_held(&writer_lock)
 *
 * Context: between smr_enter() and smr_leave(), or where @cond holds;
 * checked under CONFIG_PROVE_LOCKING.  The element stays valid until
 * smr_leave().
 * Return: the first element, or NULL when the queue is empty.
 */
#define smrq_entered_first(head, type, field, cond...)			\
	((void)__smrq_check_entered(0, ##cond, 0),			\
	 smrq_entry(smr_entered_load((head)->first), type, field))

/**
 * smrq_entered_next() - the next element, in a read section
 * @elem: the current element, obtained in the same section
 * @field: the name of the link in @elem
 *
 * @elem may have been removed meanwhile: its next pointer still leads to
 * the rest of the queue.
 *
 * Context: between smr_enter() and smr_leave().
 * Return: the next element, or NULL at the end.
 */
#define smrq_entered_next(elem, field)					\
	__smrq_next_entry(elem, field, smr_entered_load)

/**
 * smrq_entered_foreach() - walk a queue forward, in a read section
 * @it: the element pointer to use as the cursor (an identifier)
 * @head: pointer to any SMR queue head
 * @field: the name of the link in *@it
 * @cond: optional: another condition under which the walk is valid,
 *	e.g. lockdep_is_held(&writer_lock)
 *
 * Sees every element that is on the queue for the whole walk, once and in
 * order; elements inserted or removed meanwhile may or may not be seen.
 * @it may be removed by a writer while the body runs; the walk continues.
 *
 * Context: between smr_enter() and smr_leave(), or where @cond holds;
 * checked under CONFIG_PROVE_LOCKING when the walk starts (lockdep knows
 * whether the caller is in a section of some domain, not which).
 */
#define smrq_entered_foreach(it, head, field, cond...)			\
	for (__auto_type __smrq_l_##it =				\
		((void)__smrq_check_entered(0, ##cond, 0),		\
		 smr_entered_load((head)->first));			\
	     ((it) = __smrq_entry_of(__smrq_l_##it, typeof(it), field)); \
	     __smrq_l_##it = smr_entered_load(__smrq_l_##it->next))

/* ---- Writers: serialized by the queue's lock ---------------------------- */

/**
 * smrq_serialized_first() - the first element, for a writer
 * @head: pointer to any SMR queue head
 * @type: the element's type
 * @field: the name of the link in @type
 *
 * Context: holding the queue's writer lock.
 * Return: the first element, or NULL when the queue is empty.
 */
#define smrq_serialized_first(head, type, field)			\
	smrq_entry(smr_serialized_load((head)->first), type, field)

/**
 * smrq_serialized_next() - the next element, for a writer
 * @elem: an element on the queue
 * @field: the name of the link in @elem
 *
 * Context: holding the queue's writer lock.
 * Return: the next element, or NULL at the end.
 */
#define smrq_serialized_next(elem, field)				\
	__smrq_next_entry(elem, field, smr_serialized_load)

/**
 * smrq_serialized_foreach() - walk a queue, for a writer
 * @it: the element pointer to use as the cursor (an identifier)
 * @head: pointer to any SMR queue head
 * @field: the name of the link in *@it
 *
 * The body may remove @it (removal keeps its next pointer), but not free
 * or reuse it: smrq_serialized_foreach_safe() allows that.
 *
 * Context: holding the queue's writer lock.
 */
#define smrq_serialized_foreach(it, head, field)			\
	for (__auto_type __smrq_l_##it = smr_serialized_load((head)->first); \
	     ((it) = __smrq_entry_of(__smrq_l_##it, typeof(it), field)); \
	     __smrq_l_##it = smr_serialized_load(__smrq_l_##it->next))

/**
 * smrq_serialized_foreach_safe() - walk a queue, for a writer that moves @it
 * @it: the element pointer to use as the cursor (an identifier)
 * @head: pointer to any SMR queue head
 * @field: the name of the link in *@it
 *
 * The next element is loaded before the body runs, so the body may do
 * anything to @it, freeing it included where no reader can reach it any
 * more (teardown after smr_synchronize(), a queue never published); it
 * must not remove the element after @it.  On the singly linked kinds,
 * removal searches the queue: smrq_serialized_iter() erases in O(1).
 *
 * Context: holding the queue's writer lock.
 */
#define smrq_serialized_foreach_safe(it, head, field)			\
	for (__auto_type __smrq_n_##it = smr_serialized_load((head)->first); \
	     ((it) = __smrq_entry_of(__smrq_n_##it, typeof(it), field)) && \
	     ((__smrq_n_##it = smr_serialized_load(__smrq_n_##it->next)), \
	      true);							\
	    )

/**
 * __smrq_valid() - check a linkage invariant; warn once if it does not hold
 * @ok: the invariant
 * @fmt: printf format describing the violation, then its arguments
 *
 * The message names the function that made the check, e.g.
 * __smrq_link_remove(); the warning's backtrace shows its caller.  Each
 * check warns once per module that uses it.
 *
 * Return: @ok.
 */
#define __smrq_valid(ok, fmt, ...)					\
	(!WARN_ONCE(!(ok), "smrq: %s refused: " fmt "\n", __func__,	\
		    ##__VA_ARGS__))

/**
 * __smrq_slist_lastp() - an smrq_slist_head has no last pointer
 * @head: the head
 *
 * Return: NULL.
 */
static inline struct smrq_slink __smr ***
__smrq_slist_lastp(struct smrq_slist_head *head)
{
	return NULL;
}

/**
 * __smrq_list_lastp() - an smrq_list_head has no last pointer
 * @head: the head
 *
 * Return: NULL.
 */
static inline struct smrq_link __smr ***
__smrq_list_lastp(struct smrq_list_head *head)
{
	return NULL;
}

/**
 * __smrq_stailq_lastp() - where an smrq_stailq_head keeps its last pointer
 * @head: the head
 *
 * Return: &@head->last.
 */
static inline struct smrq_slink __smr ***
__smrq_stailq_lastp(struct smrq_stailq_head *head)
{
	return &head->last;
}

/**
 * __smrq_tailq_lastp() - where an smrq_tailq_head keeps its last pointer
 * @head: the head
 *
 * Return: &@head->last.
 */
static inline struct smrq_link __smr ***
__smrq_tailq_lastp(struct smrq_tailq_head *head)
{
	return &head->last;
}

/**
 * __smrq_is() - is a type a pointer to a given kind of SMR queue head?
 * @type: the type, e.g. typeof(head)
 * @kind: slist, list, stailq or tailq
 */
#define __smrq_is(type, kind)						\
	__builtin_types_compatible_p(type, struct smrq_##kind##_head *)

/**
 * __smrq_by_kind() - the implementation of an operation for a kind of head
 * @type: the type of a pointer to the head, e.g. typeof(head)
 * @fn: the operation: __smrq_<kind>_<fn> serves heads of <kind>
 *
 * Any other type selects (void)0, which the compiler refuses to call.
 */
#define __smrq_by_kind(type, fn)					\
	__builtin_choose_expr(__smrq_is(type, slist), __smrq_slist_##fn, \
	__builtin_choose_expr(__smrq_is(type, list), __smrq_list_##fn,	\
	__builtin_choose_expr(__smrq_is(type, stailq), __smrq_stailq_##fn, \
	__builtin_choose_expr(__smrq_is(type, tailq), __smrq_tailq_##fn, \
			      (void)0))))

/**
 * __smrq_by_link() - the implementation of an operation for a kind of link
 * @type: the type of a pointer to the head, e.g. typeof(head)
 * @op: the operation: __smrq_slink_<op> serves the singly linked kinds,
 *	__smrq_link_<op> the doubly linked ones
 *
 * Any other type selects (void)0, which the compiler refuses to call.
 */
#define __smrq_by_link(type, op)					\
	__builtin_choose_expr(__smrq_is(type, slist) ||			\
			      __smrq_is(type, stailq), __smrq_slink_##op, \
	__builtin_choose_expr(__smrq_is(type, list) ||			\
			      __smrq_is(type, tailq), __smrq_link_##op,	\
			      (void)0))

/**
 * __smrq_lastp() - a head's last pointer, whatever its kind
 * @head: pointer to any SMR queue head
 *
 * Return: the address of the tail queue's last pointer, or NULL for the
 * list kinds, which have none.
 */
#define __smrq_lastp(head)	__smrq_by_kind(typeof(head), lastp)(head)

/**
 * __smrq_link_of() - the address of an element's link
 * @elem: pointer to the element
 * @field: the name of its link
 *
 * &@elem->@field, written with '.' so that checkpatch does not take
 * @field for an operand that needs parentheses.
 */
#define __smrq_link_of(elem, field)	(&(*(elem)).field)

/* Singly linked kinds. */

/**
 * __smrq_slink_init() - empty a singly linked queue
 * @first: the head's first pointer
 * @lastp: the head's last pointer, NULL for a list
 */
static inline void __smrq_slink_init(struct smrq_slink __smr **first,
				     struct smrq_slink __smr ***lastp)
{
	smr_clear_store(*first);
	if (lastp)
		*lastp = first;
}

/**
 * __smrq_slink_find() - the pointer that points to an element
 * @first: the head's first pointer
 * @elem: the element's link; NULL finds the pointer that ends the queue
 *
 * Return: the head's first or an element's next pointer, or NULL when
 * @elem is not on the queue.
 */
static inline struct smrq_slink __smr **
__smrq_slink_find(struct smrq_slink __smr **first, struct smrq_slink *elem)
{
	struct smrq_slink __smr **prev = first;
	struct smrq_slink *cur;

	while ((cur = smr_serialized_load(*prev)) != elem) {
		if (!cur)
			return NULL;
		prev = &cur->next;
	}
	return prev;
}

/**
 * __smrq_slink_insert() - link an element in at a given place
 * @prev: the pointer to link it into: the head's first or an element's next
 * @elem: the new element's link
 * @lastp: the head's last pointer, NULL for a list
 * @publish: release-order the element's initialization before the link
 *
 * Return: true when inserted, false when refused.
 */
static inline bool __smrq_slink_insert(struct smrq_slink __smr **prev,
				       struct smrq_slink *elem,
				       struct smrq_slink __smr ***lastp,
				       bool publish)
{
	struct smrq_slink *next = smr_serialized_load(*prev);

	if (!__smrq_valid(elem != next, "%p inserted before itself", elem))
		return false;
	if (!next && lastp &&
	    !__smrq_valid(*lastp == prev, "last should be %p, but is %p",
			  prev, *lastp))
		return false;
	smr_init_store(elem->next, next);
	if (publish)
		smr_serialized_store(*prev, elem);
	else
		smr_serialized_store_relaxed(*prev, elem);
	if (!next && lastp)
		*lastp = &elem->next;
	return true;
}

/**
 * __smrq_slink_insert_tail() - link an element in at the end of a tail queue
 * @lastp: the head's last pointer
 * @elem: the new element's link
 * @publish: release-order the element's initialization before the link
 *
 * Return: true when inserted, false when refused.
 */
static inline bool __smrq_slink_insert_tail(struct smrq_slink __smr ***lastp,
					    struct smrq_slink *elem,
					    bool publish)
{
	struct smrq_slink __smr **end = *lastp;

	if (!__smrq_valid(!smr_serialized_load(*end),
			  "last (%p) does not end the queue", end) ||
	    !__smrq_valid(end != &elem->next, "%p inserted after itself", elem))
		return false;
	return __smrq_slink_insert(end, elem, lastp, publish);
}

/**
 * __smrq_slink_unlink() - take an element off, given what points to it
 * @prev: the pointer that points to @elem
 * @elem: the element's link
 * @lastp: the head's last pointer, NULL for a list
 *
 * @elem's next pointer is left as it is, for readers standing on @elem.
 *
 * Return: true when removed, false when refused.
 */
static inline bool __smrq_slink_unlink(struct smrq_slink __smr **prev,
				       struct smrq_slink *elem,
				       struct smrq_slink __smr ***lastp)
{
	struct smrq_slink *next = smr_serialized_load(elem->next);

	if (!__smrq_valid(smr_serialized_load(*prev) == elem,
			  "%p should point to %p", prev, elem))
		return false;
	if (!next && lastp &&
	    !__smrq_valid(*lastp == &elem->next,
			  "last should be %p, but is %p",
			  &elem->next, *lastp))
		return false;
	/* @next was published (release) when it was inserted. */
	smr_serialized_store_relaxed(*prev, next);
	if (!next && lastp)
		*lastp = prev;
	return true;
}

/**
 * __smrq_slink_remove() - find an element and take it off
 * @first: the head's first pointer
 * @elem: the element's link
 * @lastp: the head's last pointer, NULL for a list
 *
 * Return: true when removed, false when refused.
 */
static inline bool __smrq_slink_remove(struct smrq_slink __smr **first,
				       struct smrq_slink *elem,
				       struct smrq_slink __smr ***lastp)
{
	struct smrq_slink __smr **prev = __smrq_slink_find(first, elem);

	if (!__smrq_valid(prev, "%p is not on the queue", elem))
		return false;
	return __smrq_slink_unlink(prev, elem, lastp);
}

/**
 * __smrq_slink_replace() - put an element in another's place
 * @first: the head's first pointer
 * @old: the link of the element on the queue
 * @new: the link of the element to put there
 * @lastp: the head's last pointer, NULL for a list
 *
 * Return: true when replaced, false when refused.
 */
static inline bool __smrq_slink_replace(struct smrq_slink __smr **first,
					struct smrq_slink *old,
					struct smrq_slink *new,
					struct smrq_slink __smr ***lastp)
{
	struct smrq_slink __smr **prev = __smrq_slink_find(first, old);
	struct smrq_slink *next = smr_serialized_load(old->next);

	if (!__smrq_valid(prev, "%p is not on the queue", old) ||
	    !__smrq_valid(new != old, "%p replaced by itself", old))
		return false;
	if (!next && lastp &&
	    !__smrq_valid(*lastp == &old->next,
			  "last should be %p, but is %p",
			  &old->next, *lastp))
		return false;
	smr_init_store(new->next, next);
	smr_serialized_store(*prev, new);
	if (!next && lastp)
		*lastp = &new->next;
	return true;
}

/**
 * __smrq_slink_append() - link a queue's elements after another's
 * @dst_first: the destination head's first pointer
 * @dst_lastp: the destination head's last pointer, NULL for a list
 * @src_first: the source head's first pointer
 * @src_lastp: the source head's last pointer, NULL for a list
 *
 * Return: true when appended (or the source is empty), false when refused.
 */
static inline bool __smrq_slink_append(struct smrq_slink __smr **dst_first,
				       struct smrq_slink __smr ***dst_lastp,
				       struct smrq_slink __smr **src_first,
				       struct smrq_slink __smr ***src_lastp)
{
	struct smrq_slink *src = smr_serialized_load(*src_first);
	struct smrq_slink __smr **end;

	if (!src)
		return true;
	if (!__smrq_valid(dst_first != src_first, "queue appended to itself"))
		return false;
	if (src_lastp &&
	    !__smrq_valid(!smr_serialized_load(**src_lastp),
			  "source last (%p) does not end it", *src_lastp))
		return false;
	end = dst_lastp ? *dst_lastp : __smrq_slink_find(dst_first, NULL);
	if (!__smrq_valid(!smr_serialized_load(*end),
			  "last (%p) does not end the queue", end))
		return false;
	smr_serialized_store(*end, src);
	if (dst_lastp)
		*dst_lastp = *src_lastp;
	return true;
}

/* Doubly linked kinds. */

/**
 * __smrq_link_init() - empty a doubly linked queue
 * @first: the head's first pointer
 * @lastp: the head's last pointer, NULL for a list
 */
static inline void __smrq_link_init(struct smrq_link __smr **first,
				    struct smrq_link __smr ***lastp)
{
	smr_clear_store(*first);
	if (lastp)
		*lastp = first;
}

/**
 * __smrq_link_end() - the pointer that ends a doubly linked queue
 * @first: the head's first pointer
 *
 * Return: @first when the queue is empty, else the last element's next.
 */
static inline struct smrq_link __smr **
__smrq_link_end(struct smrq_link __smr **first)
{
	struct smrq_link __smr **end = first;
	struct smrq_link *cur;

	while ((cur = smr_serialized_load(*end)))
		end = &cur->next;
	return end;
}

/**
 * __smrq_link_insert() - link an element in at a given place
 * @prev: the pointer to link it into: the head's first or an element's next
 * @elem: the new element's link
 * @lastp: the head's last pointer, NULL for a list
 * @publish: release-order the element's initialization before the link
 *
 * Return: true when inserted, false when refused.
 */
static inline bool __smrq_link_insert(struct smrq_link __smr **prev,
				      struct smrq_link *elem,
				      struct smrq_link __smr ***lastp,
				      bool publish)
{
	struct smrq_link *next = smr_serialized_load(*prev);

	if (!__smrq_valid(elem != next, "%p inserted before itself", elem))
		return false;
	if (next &&
	    !__smrq_valid(next->prev == prev,
			  "next->prev should be %p, but is %p (next %p)",
			  prev, next->prev, next))
		return false;
	if (!next && lastp &&
	    !__smrq_valid(*lastp == prev, "last should be %p, but is %p",
			  prev, *lastp))
		return false;
	smr_init_store(elem->next, next);
	elem->prev = prev;
	if (publish)
		smr_serialized_store(*prev, elem);
	else
		smr_serialized_store_relaxed(*prev, elem);
	if (next)
		next->prev = &elem->next;
	else if (lastp)
		*lastp = &elem->next;
	return true;
}

/**
 * __smrq_link_insert_tail() - link an element in at the end of a tail queue
 * @lastp: the head's last pointer
 * @elem: the new element's link
 * @publish: release-order the element's initialization before the link
 *
 * Return: true when inserted, false when refused.
 */
static inline bool __smrq_link_insert_tail(struct smrq_link __smr ***lastp,
					   struct smrq_link *elem,
					   bool publish)
{
	struct smrq_link __smr **end = *lastp;

	if (!__smrq_valid(!smr_serialized_load(*end),
			  "last (%p) does not end the queue", end) ||
	    !__smrq_valid(end != &elem->next, "%p inserted after itself", elem))
		return false;
	return __smrq_link_insert(end, elem, lastp, publish);
}

/**
 * __smrq_link_linked() - do an element's neighbours agree that it is there?
 * @elem: the element's link
 * @next: @elem's next pointer
 * @lastp: the head's last pointer, NULL for a list
 *
 * Return: true when what points to @elem, and what @elem points to, point
 * back; false (after a warning) when not.
 */
static inline bool __smrq_link_linked(struct smrq_link *elem,
				      struct smrq_link *next,
				      struct smrq_link __smr ***lastp)
{
	struct smrq_link __smr **prev = elem->prev;

	if (!__smrq_valid(prev, "%p is not on a queue (prev is NULL)", elem) ||
	    !__smrq_valid(smr_serialized_load(*prev) == elem,
			  "*prev should be %p, but is %p (prev %p)", elem,
			  smr_serialized_load(*prev), prev))
		return false;
	if (next)
		return __smrq_valid(next->prev == &elem->next,
				    "next->prev should be %p, but is %p (%p)",
				    &elem->next, next->prev, next);
	return !lastp ||
	       __smrq_valid(*lastp == &elem->next,
			    "last should be %p, but is %p",
			    &elem->next, *lastp);
}

/**
 * __smrq_link_remove() - take an element off, in O(1)
 * @first: the head's first pointer (unused: @elem knows its place)
 * @elem: the element's link
 * @lastp: the head's last pointer, NULL for a list
 *
 * @elem's next pointer is left as it is, for readers standing on @elem;
 * its prev pointer is cleared.
 *
 * Return: true when removed, false when refused.
 */
static inline bool __smrq_link_remove(struct smrq_link __smr **first,
				      struct smrq_link *elem,
				      struct smrq_link __smr ***lastp)
{
	struct smrq_link *next = smr_serialized_load(elem->next);
	struct smrq_link __smr **prev = elem->prev;

	if (!__smrq_link_linked(elem, next, lastp))
		return false;
	/* @next was published (release) when it was inserted. */
	smr_serialized_store_relaxed(*prev, next);
	if (next)
		next->prev = prev;
	else if (lastp)
		*lastp = prev;
	elem->prev = NULL;
	return true;
}

/**
 * __smrq_link_replace() - put an element in another's place, in O(1)
 * @first: the head's first pointer (unused: @old knows its place)
 * @old: the link of the element on the queue
 * @new: the link of the element to put there
 * @lastp: the head's last pointer, NULL for a list
 *
 * Return: true when replaced, false when refused.
 */
static inline bool __smrq_link_replace(struct smrq_link __smr **first,
				       struct smrq_link *old,
				       struct smrq_link *new,
				       struct smrq_link __smr ***lastp)
{
	struct smrq_link *next = smr_serialized_load(old->next);
	struct smrq_link __smr **prev = old->prev;

	if (!__smrq_valid(new != old, "%p replaced by itself", old) ||
	    !__smrq_link_linked(old, next, lastp))
		return false;
	smr_init_store(new->next, next);
	new->prev = prev;
	smr_serialized_store(*prev, new);
	if (next)
		next->prev = &new->next;
	else if (lastp)
		*lastp = &new->next;
	old->prev = NULL;
	return true;
}

/**
 * __smrq_link_append() - link a queue's elements after another's
 * @dst_first: the destination head's first pointer
 * @dst_lastp: the destination head's last pointer, NULL for a list
 * @src_first: the source head's first pointer
 * @src_lastp: the source head's last pointer, NULL for a list
 *
 * Return: true when appended (or the source is empty), false when refused.
 */
static inline bool __smrq_link_append(struct smrq_link __smr **dst_first,
				      struct smrq_link __smr ***dst_lastp,
				      struct smrq_link __smr **src_first,
				      struct smrq_link __smr ***src_lastp)
{
	struct smrq_link *src = smr_serialized_load(*src_first);
	struct smrq_link __smr **end;

	if (!src)
		return true;
	if (!__smrq_valid(dst_first != src_first, "queue appended to itself") ||
	    !__smrq_valid(src->prev == src_first,
			  "source first->prev should be %p, but is %p",
			  src_first, src->prev))
		return false;
	if (src_lastp &&
	    !__smrq_valid(!smr_serialized_load(**src_lastp),
			  "source last (%p) does not end it", *src_lastp))
		return false;
	end = dst_lastp ? *dst_lastp : __smrq_link_end(dst_first);
	if (!__smrq_valid(!smr_serialized_load(*end),
			  "last (%p) does not end the queue", end))
		return false;
	src->prev = end;
	smr_serialized_store(*end, src);
	if (dst_lastp)
		*dst_lastp = *src_lastp;
	return true;
}

/**
 * smrq_init() - make a queue empty
 * @head: pointer to any SMR queue head
 *
 * Also resets the source of smrq_serialized_append() for reuse.  Elements
 * that were on the queue are not touched; readers still walking them
 * carry on (see the reclamation rule at the top of this file).
 *
 * Context: holding the queue's writer lock, or before the queue is shared.
 */
#define smrq_init(head) ({						\
	__auto_type __smrq_h = (head);					\
									\
	__smrq_by_link(typeof(__smrq_h), init)(&__smrq_h->first,	\
					       __smrq_lastp(__smrq_h));	\
})

/**
 * __smrq_insert_head() - insert at the head, any kind
 * @head: pointer to any SMR queue head
 * @elem: pointer to the new element's link
 * @publish: release-order the element's initialization before the link
 *
 * Return: true when inserted, false when refused.
 */
#define __smrq_insert_head(head, elem, publish) ({			\
	__auto_type __smrq_h = (head);					\
									\
	__smrq_by_link(typeof(__smrq_h), insert)(&__smrq_h->first,	\
						 elem,			\
						 __smrq_lastp(__smrq_h), \
						 publish);		\
})

/**
 * __smrq_insert_tail() - insert at the tail, tail queue kinds
 * @head: pointer to an smrq_stailq_head or smrq_tailq_head
 * @elem: pointer to the new element's link
 * @publish: release-order the element's initialization before the link
 *
 * Return: true when inserted, false when refused.
 */
#define __smrq_insert_tail(head, elem, publish) ({			\
	__auto_type __smrq_h = (head);					\
									\
	__smrq_by_link(typeof(__smrq_h), insert_tail)(&__smrq_h->last,	\
						      elem, publish);	\
})

/**
 * smrq_serialized_insert_head() - insert an element first
 * @head: pointer to any SMR queue head
 * @elem: pointer to the new element's link (&obj->field)
 *
 * The element's initialization is ordered before readers can reach it.
 *
 * Context: holding the queue's writer lock; readers may walk the queue.
 * Return: true when inserted; false when refused: the first element's
 * prev does not point back to the head, or @elem is the first element
 * already, or (tail queues) an empty queue's last does not point to its
 * head.
 */
#define smrq_serialized_insert_head(head, elem)				\
	__smrq_insert_head(head, elem, true)

/**
 * smrq_serialized_insert_tail() - insert an element last
 * @head: pointer to an smrq_stailq_head or smrq_tailq_head
 * @elem: pointer to the new element's link (&obj->field)
 *
 * The element's initialization is ordered before readers can reach it.
 *
 * Context: holding the queue's writer lock; readers may walk the queue.
 * Return: true when inserted; false when refused: last does not end the
 * queue, or @elem is the last element already.
 */
#define smrq_serialized_insert_tail(head, elem)				\
	__smrq_insert_tail(head, elem, true)

/**
 * smrq_serialized_insert_head_relaxed() - insert first, without ordering
 * @head: pointer to any SMR queue head
 * @elem: pointer to the new element's link (&obj->field)
 *
 * Like smrq_serialized_insert_head() without the release: for a queue no
 * reader can reach yet (being built, then published as a whole by
 * smrq_serialized_append() or a release store of a pointer to it).
 *
 * Context: holding the queue's writer lock; no reader may walk the queue.
 * Return: as smrq_serialized_insert_head().
 */
#define smrq_serialized_insert_head_relaxed(head, elem)			\
	__smrq_insert_head(head, elem, false)

/**
 * smrq_serialized_insert_tail_relaxed() - insert last, without ordering
 * @head: pointer to an smrq_stailq_head or smrq_tailq_head
 * @elem: pointer to the new element's link (&obj->field)
 *
 * Like smrq_serialized_insert_tail() without the release: for a queue no
 * reader can reach yet.
 *
 * Context: holding the queue's writer lock; no reader may walk the queue.
 * Return: as smrq_serialized_insert_tail().
 */
#define smrq_serialized_insert_tail_relaxed(head, elem)			\
	__smrq_insert_tail(head, elem, false)

/**
 * smrq_serialized_remove() - take an element off a queue
 * @head: pointer to any SMR queue head
 * @elem: pointer to the element's link (&obj->field)
 *
 * O(1) on the doubly linked kinds; the singly linked ones search the
 * queue from the head (see smrq_serialized_iter() for O(1) erasure).  The
 * element's next pointer is kept, so that readers standing on it carry
 * on; reuse it only once the goal of an smr_advance() made after this
 * call is reached.
 *
 * Context: holding the queue's writer lock; readers may walk the queue.
 * Return: true when removed; false when refused: @elem is not on the
 * queue (found on no queue, or its neighbours do not point to it), or
 * (tail queues) it is last but last does not point to it.
 */
#define smrq_serialized_remove(head, elem) ({				\
	__auto_type __smrq_h = (head);					\
									\
	__smrq_by_link(typeof(__smrq_h), remove)(&__smrq_h->first,	\
						 elem,			\
						 __smrq_lastp(__smrq_h)); \
})

/**
 * smrq_serialized_replace() - put a new element in another's place
 * @head: pointer to any SMR queue head
 * @old_elem: pointer to the link of the element on the queue
 * @new_elem: pointer to the link of the element to put there
 *
 * Readers see either element at that place, never neither: @new_elem is
 * published (release) pointing to @old_elem's successor, whose pointer
 * @old_elem keeps for readers standing on it.  Reuse @old_elem as after
 * smrq_serialized_remove().  O(1) on the doubly linked kinds, a search on
 * the singly linked ones.
 *
 * Context: holding the queue's writer lock; readers may walk the queue.
 * Return: true when replaced; false when refused, as
 * smrq_serialized_remove() would refuse @old_elem, or when both are the
 * same element.
 */
#define smrq_serialized_replace(head, old_elem, new_elem) ({		\
	__auto_type __smrq_h = (head);					\
									\
	__smrq_by_link(typeof(__smrq_h), replace)(&__smrq_h->first,	\
						  old_elem, new_elem,	\
						  __smrq_lastp(__smrq_h)); \
})

/**
 * smrq_serialized_append() - link a queue's elements after another's
 * @dst: pointer to the destination head
 * @src: pointer to the source head, of the same kind as @dst
 *
 * @dst gains @src's elements, in order, at its end, and @src keeps them
 * too: readers walking @src still see exactly its elements, which now end
 * @dst as well (and see elements later inserted at @dst's tail).  No
 * element moves, so no reader misses one: this is how a hash table merges
 * buckets under its readers (Documentation/smr-queue.rst).
 *
 * The link is published with release, so @src may have been built with
 * the relaxed insertions.  Afterwards @src no longer owns its elements:
 * smrq_init() it before any other writer operation on it (the doubly
 * linked kinds refuse them: @src's first element no longer points back to
 * it).  O(1) on tail queues; the lists walk @dst to its end.
 *
 * Context: holding the writer lock of both queues; readers may walk them.
 * Return: true when appended, or when @src is empty; false when refused:
 * @dst and @src are the same, or either's last does not end it, or
 * (doubly linked) @src's first element does not point back to @src.
 */
#define smrq_serialized_append(dst, src) ({				\
	__auto_type __smrq_dst = (dst);					\
	__auto_type __smrq_src = (src);					\
									\
	static_assert(__same_type(__smrq_dst, __smrq_src),		\
		      "smrq_serialized_append() of different kinds");	\
	__smrq_by_link(typeof(__smrq_dst), append)(&__smrq_dst->first,	\
						   __smrq_lastp(__smrq_dst), \
						   &__smrq_src->first,	\
						   __smrq_lastp(__smrq_src)); \
})

/* ---- O(1) erasure while walking a singly linked queue ------------------- */

/**
 * struct smrq_iter - state of an smrq_serialized_iter() loop
 * @prev: the pointer that points to the current element
 * @cur: the current element's link
 * @resume: where the next step reads the next element from: @cur's next
 *	pointer, or @prev once @cur has been erased
 * @lastp: the head's last pointer, NULL for a list
 * @moved: smrq_serialized_iter_next() or _erase() was called for @cur
 *
 * Private to the smrq_serialized_iter*() macros.
 */
struct smrq_iter {
	struct smrq_slink __smr **prev;
	struct smrq_slink *cur;
	struct smrq_slink __smr **resume;
	struct smrq_slink __smr ***lastp;
	bool moved;
};

/**
 * __smrq_iter_start() - an iterator before a queue's first element
 * @first: the head's first pointer
 * @lastp: the head's last pointer, NULL for a list
 *
 * Return: the iterator.
 */
static inline struct smrq_iter
__smrq_iter_start(struct smrq_slink __smr **first,
		  struct smrq_slink __smr ***lastp)
{
	return (struct smrq_iter){ .resume = first, .lastp = lastp };
}

/**
 * __smrq_iter_load() - step to the next element
 * @iter: the iterator
 *
 * Return: the element's link, or NULL at the end.
 */
static inline struct smrq_slink *__smrq_iter_load(struct smrq_iter *iter)
{
	iter->prev = iter->resume;
	iter->cur = smr_serialized_load(*iter->prev);
	iter->resume = iter->cur ? &iter->cur->next : NULL;
	iter->moved = false;
	return iter->cur;
}

/**
 * __smrq_iter_move() - record the move made for the current element
 * @iter: the iterator
 * @elem: the link the caller thinks is current
 *
 * Return: true when @elem is current and not moved from yet.
 */
static inline bool __smrq_iter_move(struct smrq_iter *iter,
				    struct smrq_slink *elem)
{
	if (!__smrq_valid(!iter->moved && elem == iter->cur,
			  "iterator moved twice, or %p is not current (%p)",
			  elem, iter->cur))
		return false;
	iter->moved = true;
	return true;
}

/**
 * __smrq_iter_erase() - take the current element off
 * @iter: the iterator
 * @elem: the current element's link
 *
 * Return: true when removed, false when refused.
 */
static inline bool __smrq_iter_erase(struct smrq_iter *iter,
				     struct smrq_slink *elem)
{
	if (!__smrq_iter_move(iter, elem) ||
	    !__smrq_slink_unlink(iter->prev, elem, iter->lastp))
		return false;
	iter->resume = iter->prev;
	return true;
}

/**
 * __smrq_iter_of() - an iterator for a singly linked head
 * @head: pointer to an smrq_slist_head or smrq_stailq_head
 *
 * Return: the iterator.
 */
#define __smrq_iter_of(head) ({						\
	__auto_type __smrq_ih = (head);					\
									\
	__smrq_iter_start(&__smrq_ih->first, __smrq_lastp(__smrq_ih));	\
})

/**
 * smrq_serialized_iter() - walk a singly linked queue, erasing in O(1)
 * @it: the element pointer to use as the cursor (an identifier)
 * @head: pointer to an smrq_slist_head or smrq_stailq_head
 * @field: the name of the link in *@it
 *
 * The body may call smrq_serialized_iter_erase() to take @it off the
 * queue, or smrq_serialized_iter_next() to say it keeps @it; calling
 * neither is the same as calling smrq_serialized_iter_next().  @it keeps
 * its value until the next step, so an erased element can be retired in
 * the body.  Erasure needs no search: the iterator knows what points to
 * @it.
 *
 * Context: holding the queue's writer lock; readers may walk the queue.
 */
#define smrq_serialized_iter(it, head, field)				\
	for (struct smrq_iter __smrq_iter_##it = __smrq_iter_of(head);	\
	     ((it) = __smrq_entry_of(__smrq_iter_load(&__smrq_iter_##it), \
				     typeof(it), field));		\
	    )

/**
 * smrq_serialized_iter_next() - keep the current element of an iteration
 * @it: the cursor of the enclosing smrq_serialized_iter()
 * @field: the name of the link in *@it
 *
 * Return: true; false (with a warning) when the body already erased @it
 * or called this before.
 */
#define smrq_serialized_iter_next(it, field)				\
	__smrq_iter_move(&__smrq_iter_##it, __smrq_link_of(it, field))

/**
 * smrq_serialized_iter_erase() - take the current element off, in O(1)
 * @it: the cursor of the enclosing smrq_serialized_iter()
 * @field: the name of the link in *@it
 *
 * Reuse @it as after smrq_serialized_remove().
 *
 * Return: true when removed; false when refused: the body already moved
 * on from @it, or (tail queue) @it is last but last does not point to it.
 */
#define smrq_serialized_iter_erase(it, field)				\
	__smrq_iter_erase(&__smrq_iter_##it, __smrq_link_of(it, field))

#endif /* _SMR_QUEUE_H */
