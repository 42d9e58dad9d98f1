// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for smr_hash.h: XNU's smr_hash_basic shape (insert half of
 * a key set, find present and absent keys, visit each element once, grow,
 * grow, shrink, shrink, checking the contents after each), get_or_insert
 * and try-get on dying elements, allocation failure during a resize, and
 * readers that must find every present key on every lookup while a
 * writer grows and shrinks the table under them.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/refcount.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "smr_shash.h"

#define HASH_TEST_KEYS		64
#define HASH_RACE_KEYS		512	/* present for the whole race */
#define HASH_RACE_GONE		128	/* removed before the race */
#define HASH_RACE_RESIZES	40
#define HASH_RACE_READERS	3
#define SHASH_BASIC_KEYS	8192	/* XNU's smr_shash_basic */
#define SHASH_BASIC_IN		7680
#define SHASH_CHURN_KEYS	64
#define SHASH_DESTROY_ROUNDS	50

struct hash_elem {
	u64 key;
	refcount_t ref;			/* 0: dying */
	struct smrq_slink link;
	struct smr_node node;
};

struct hash_test {
	struct smr *smr;
	struct smrh_traits traits;
	struct smr_hash h;
	struct smr_shash sh;
	struct mutex lock;		/* the writer lock */
	struct hash_elem *elems;
	u64 keys[HASH_RACE_KEYS + HASH_RACE_GONE];
};

static u64 hash_test_key(const void *obj)
{
	return ((const struct hash_elem *)obj)->key;
}

SMRH_TRAITS_DEFINE_SCALAR(hash_test, hash_test_key)

static bool hash_test_try_get(void *obj)
{
	return refcount_inc_not_zero(&((struct hash_elem *)obj)->ref);
}

/* Distinct random keys, so that chains hold both kinds in any order. */
static void hash_test_keys(struct hash_test *t, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
again:
		t->keys[i] = get_random_u64();
		for (j = 0; j < i; j++)
			if (t->keys[j] == t->keys[i])
				goto again;
	}
}

static int smr_hash_test_init(struct kunit *test)
{
	struct hash_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int n = ARRAY_SIZE(t->keys), i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->smr = smr_domain_create(SMR_NONE, "kunit-hash");
	KUNIT_ASSERT_NOT_NULL(test, t->smr);
	t->traits = SMRH_SCALAR_TRAITS(hash_test, struct hash_elem, link, t->smr);
	t->traits.obj_try_get = hash_test_try_get;
	smr_hash_init_empty(&t->h);
	t->sh = (struct smr_shash)SMR_SHASH_INITIALIZER;
	mutex_init(&t->lock);
	t->elems = kunit_kcalloc(test, n, sizeof(*t->elems), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->elems);
	hash_test_keys(t, n);
	for (i = 0; i < n; i++) {
		t->elems[i].key = t->keys[i];
		refcount_set(&t->elems[i].ref, 1);
	}
	test->priv = t;
	return 0;
}

static void smr_hash_test_exit(struct kunit *test)
{
	struct hash_test *t = test->priv;

	mutex_lock(&t->lock);
	smr_hash_serialized_clear(&t->h, &t->traits, NULL);
	mutex_unlock(&t->lock);
	smr_synchronize(t->smr);	/* no reader on the elements */
	smr_hash_destroy(&t->h);
	smr_shash_destroy(&t->sh, NULL);
	smr_domain_free(t->smr);
}

static void hash_insert(struct hash_test *t, unsigned int from,
			unsigned int to)
{
	unsigned int i;

	mutex_lock(&t->lock);
	for (i = from; i < to; i++)
		smr_hash_serialized_insert(&t->h, &t->elems[i].link, &t->traits);
	mutex_unlock(&t->lock);
}

/* Keys [0, present) are found, [present, n) are not; each visited once. */
static void hash_check(struct kunit *test, unsigned int present,
		       unsigned int n)
{
	struct hash_test *t = test->priv;
	DECLARE_BITMAP(seen, HASH_TEST_KEYS) = { 0 };
	struct smrq_slink *link;
	struct hash_elem *e;
	unsigned int i, visits = 0;

	smr_enter(t->smr);
	for (i = 0; i < n; i++) {
		e = smr_hash_entered_find(&t->h, SMRH_SCALAR_KEY(t->keys[i]),
					  &t->traits);
		if (i < present)
			KUNIT_EXPECT_PTR_EQ(test, e, &t->elems[i]);
		else
			KUNIT_EXPECT_NULL(test, e);
	}
	smr_leave(t->smr);
	mutex_lock(&t->lock);
	KUNIT_EXPECT_EQ(test, smr_hash_serialized_count(&t->h),
			(unsigned long)present);
	smr_hash_serialized_foreach(link, &t->h) {
		e = container_of(link, struct hash_elem, link);
		i = e - t->elems;
		KUNIT_EXPECT_LT(test, i, present);
		KUNIT_EXPECT_FALSE(test, test_and_set_bit(i, seen));
		visits++;
	}
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_EQ(test, visits, present);
}

static int hash_resize(struct hash_test *t, bool grow)
{
	mutex_lock(&t->lock);
	return grow ? smr_hash_grow_and_unlock(&t->h, &t->lock, &t->traits) :
		      smr_hash_shrink_and_unlock(&t->h, &t->lock, &t->traits);
}

/* XNU's smr_hash_basic: half the keys in, grow twice, shrink twice. */
static void smr_hash_basic(struct kunit *test)
{
	struct hash_test *t = test->priv;
	static const bool steps[] = { true, true, false, false };
	unsigned int i, half = HASH_TEST_KEYS / 2;

	/* Empty-initialized: lookups work and find nothing. */
	KUNIT_EXPECT_TRUE(test, smr_hash_is_empty_initialized(&t->h));
	hash_check(test, 0, HASH_TEST_KEYS);
	KUNIT_ASSERT_EQ(test, smr_hash_init(&t->h, 4), 0);
	KUNIT_EXPECT_EQ(test, smr_hash_size(&t->h), 4U);
	hash_insert(t, 0, half);
	hash_check(test, half, HASH_TEST_KEYS);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned int size = smr_hash_size(&t->h);

		KUNIT_ASSERT_EQ(test, hash_resize(t, steps[i]), 0);
		KUNIT_EXPECT_EQ(test, smr_hash_size(&t->h),
				steps[i] ? size * 2 : size / 2);
		hash_check(test, half, HASH_TEST_KEYS);
	}
}

/* Removal, replacement, get_or_insert without duplicates, try-get. */
static void smr_hash_get_or_insert_and_dying(struct kunit *test)
{
	struct hash_test *t = test->priv;
	struct hash_elem *e, *dup = &t->elems[HASH_TEST_KEYS];
	struct smrh_key key = SMRH_SCALAR_KEY(t->keys[0]);

	KUNIT_ASSERT_EQ(test, smr_hash_init(&t->h, 8), 0);
	hash_insert(t, 0, 8);
	dup->key = t->keys[0];
	mutex_lock(&t->lock);
	e = smr_hash_serialized_get_or_insert(&t->h, key, &dup->link,
					      &t->traits);
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_PTR_EQ(test, e, &t->elems[0]);	/* no duplicate */
	KUNIT_EXPECT_EQ(test, refcount_read(&t->elems[0].ref), 2U);
	e = smr_hash_get(&t->h, key, &t->traits);
	KUNIT_EXPECT_PTR_EQ(test, e, &t->elems[0]);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->elems[0].ref), 3U);

	/* Dying: try-get fails; get_or_insert puts the new one in. */
	refcount_set(&t->elems[0].ref, 0);
	KUNIT_EXPECT_NULL(test, smr_hash_get(&t->h, key, &t->traits));
	mutex_lock(&t->lock);
	KUNIT_EXPECT_NULL(test, smr_hash_serialized_get_or_insert(&t->h, key,
								  &dup->link,
								  &t->traits));
	KUNIT_EXPECT_TRUE(test, smr_hash_serialized_remove(&t->h,
							   &t->elems[0].link,
							   &t->traits));
	KUNIT_EXPECT_EQ(test, smr_hash_serialized_count(&t->h), 8UL);
	/* Replace the duplicate by the first again (the same key). */
	refcount_set(&t->elems[0].ref, 1);
	KUNIT_EXPECT_TRUE(test, smr_hash_serialized_replace(&t->h, &dup->link,
							    &t->elems[0].link,
							    &t->traits));
	mutex_unlock(&t->lock);
	smr_synchronize(t->smr);
	hash_check(test, 8, HASH_TEST_KEYS);
}

/* No memory for a resize: -ENOMEM, and the table keeps working. */
static void smr_hash_resize_without_memory(struct kunit *test)
{
	struct hash_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, smr_hash_init(&t->h, 4), 0);
	hash_insert(t, 0, 16);
	smr_hash_test_fail_alloc(2);
	KUNIT_EXPECT_EQ(test, hash_resize(t, true), -ENOMEM);
	KUNIT_EXPECT_EQ(test, hash_resize(t, false), -ENOMEM);
	KUNIT_EXPECT_EQ(test, smr_hash_size(&t->h), 4U);
	hash_check(test, 16, HASH_TEST_KEYS);
	hash_insert(t, 16, 32);
	hash_check(test, 32, HASH_TEST_KEYS);
	KUNIT_EXPECT_EQ(test, hash_resize(t, true), 0);
	hash_check(test, 32, HASH_TEST_KEYS);
	/* One bucket cannot shrink; an uninitialized table cannot resize. */
	while (smr_hash_size(&t->h) > 1)
		KUNIT_ASSERT_EQ(test, hash_resize(t, false), 0);
	KUNIT_EXPECT_EQ(test, hash_resize(t, false), -EINVAL);
	hash_check(test, 32, HASH_TEST_KEYS);
}

struct hash_race {
	struct hash_test *t;
	bool scalable;			/* t->sh, not t->h */
	atomic_t running;
	bool stop;			/* set by the writer */
	atomic_long_t lookups, misses, ghosts;
};

/*
 * Every present key must be found on every lookup; the removed ones,
 * gone before the race began (and a goal later), never.
 */
static int hash_race_reader(void *arg)
{
	struct hash_race *r = arg;
	struct hash_test *t = r->t;
	unsigned int i;

	atomic_inc(&r->running);
	while (!READ_ONCE(r->stop)) {
		smr_enter(t->smr);
		for (i = 0; i < HASH_RACE_KEYS + HASH_RACE_GONE; i++) {
			struct smrh_key key = SMRH_SCALAR_KEY(t->keys[i]);
			void *e = r->scalable ?
				smr_shash_entered_find(&t->sh, key, &t->traits) :
				smr_hash_entered_find(&t->h, key, &t->traits);

			if (i < HASH_RACE_KEYS && e != &t->elems[i])
				atomic_long_inc(&r->misses);
			if (i >= HASH_RACE_KEYS && e)
				atomic_long_inc(&r->ghosts);
		}
		smr_leave(t->smr);
		atomic_long_add(i, &r->lookups);
		cond_resched();
	}
	atomic_dec(&r->running);
	return 0;
}

/* Start the readers; the present keys are in, the gone ones out. */
static void hash_race_start(struct kunit *test, struct hash_race *r,
			    struct task_struct **tasks)
{
	unsigned int i;

	for (i = 0; i < HASH_RACE_READERS; i++) {
		tasks[i] = kthread_run(hash_race_reader, r, "smr-hash-rd%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tasks[i]));
	}
	while (atomic_read(&r->running) < HASH_RACE_READERS)
		msleep(20);
}

static void hash_race_stop(struct kunit *test, struct hash_race *r)
{
	WRITE_ONCE(r->stop, true);
	while (atomic_read(&r->running))
		msleep(20);
	kunit_info(test, "%ld lookups, %ld misses, %ld removed keys found\n",
		   atomic_long_read(&r->lookups), atomic_long_read(&r->misses),
		   atomic_long_read(&r->ghosts));
	KUNIT_EXPECT_GT(test, atomic_long_read(&r->lookups), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->misses), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->ghosts), 0L);
}

/* Readers on every lookup while the writer grows and shrinks the table. */
static void smr_hash_readers_during_resizes(struct kunit *test)
{
	struct hash_test *t = test->priv;
	struct hash_race r = { .t = t };
	struct task_struct *tasks[HASH_RACE_READERS];
	unsigned int i, n = HASH_RACE_KEYS + HASH_RACE_GONE;

	KUNIT_ASSERT_EQ(test, smr_hash_init(&t->h, 2), 0);
	hash_insert(t, 0, n);
	mutex_lock(&t->lock);
	for (i = HASH_RACE_KEYS; i < n; i++)
		smr_hash_serialized_remove(&t->h, &t->elems[i].link, &t->traits);
	mutex_unlock(&t->lock);
	smr_synchronize(t->smr);
	hash_race_start(test, &r, tasks);
	/* 2 -> 512 buckets and back, over and over. */
	for (i = 0; i < HASH_RACE_RESIZES; i++)
		KUNIT_EXPECT_EQ(test, hash_resize(t, (i / 8) % 2 == 0), 0);
	hash_race_stop(test, &r);
}

/* ---- smr_shash ------------------------------------------------------------ */

static void *shash_insert(struct hash_test *t, struct hash_elem *e)
{
	return smr_shash_get_or_insert(&t->sh, SMRH_SCALAR_KEY(e->key),
				       &e->link, &t->traits);
}

/*
 * The keys of @elems[0, @present) are found, those of [@present, @n) not,
 * looked up with @traits; the section is left every 32 lookups.
 */
static void shash_check(struct kunit *test, const struct smrh_traits *traits,
			struct hash_elem *elems, unsigned int present,
			unsigned int n)
{
	struct hash_test *t = test->priv;
	unsigned int i, wrong = 0;

	smr_enter(t->smr);
	for (i = 0; i < n; i++) {
		struct hash_elem *e;

		e = smr_shash_entered_find(&t->sh, SMRH_SCALAR_KEY(elems[i].key),
					   traits);
		wrong += e != (i < present ? &elems[i] : NULL);
		if (i % 32 == 31) {
			smr_leave(t->smr);
			smr_enter(t->smr);
		}
	}
	smr_leave(t->smr);
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0U, "%u of %u keys present", present, n);
}

static struct hash_elem *shash_elems(struct kunit *test, unsigned int n)
{
	struct hash_elem *elems = kunit_kcalloc(test, n, sizeof(*elems),
						GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, elems);
	for (i = 0; i < n; i++) {
		elems[i].key = ((u64)i << 32) | (i * 2654435761U);
		refcount_set(&elems[i].ref, 1);
	}
	return elems;
}

/*
 * XNU's smr_shash_basic: 8192 keys, a compact table of at least 8
 * buckets; 7680 get_or_insert()s, the count and every key checked every
 * 32; removal in reverse with the same checks, so that the table shrinks.
 */
static void smr_shash_basic(struct kunit *test)
{
	struct hash_test *t = test->priv;
	struct hash_elem *elems = shash_elems(test, SHASH_BASIC_KEYS);
	unsigned int i, grown, bad_inserts = 0, bad_removes = 0, bad_counts = 0;
	unsigned long resizes;

	/* Before init: lookups work and find nothing. */
	shash_check(test, &t->traits, elems, 0, 64);
	KUNIT_ASSERT_EQ(test, smr_shash_init(&t->sh, SMRSH_COMPACT, 8,
					     &t->traits), 0);
	KUNIT_EXPECT_EQ(test, smr_shash_size(&t->sh), 8U);
	for (i = 0; i < SHASH_BASIC_IN; i++) {
		bad_inserts += !!shash_insert(t, &elems[i]);
		if (i % 32 != 31)
			continue;
		bad_counts += smr_shash_count(&t->sh) != i + 1;
		shash_check(test, &t->traits, elems, i + 1, SHASH_BASIC_KEYS);
		cond_resched();
	}
	smr_shash_flush(&t->sh);
	grown = smr_shash_size(&t->sh);
	resizes = t->sh.resizes;
	kunit_info(test, "%u buckets after %u inserts, %lu resizes\n", grown,
		   SHASH_BASIC_IN, resizes);
	KUNIT_EXPECT_GT(test, grown, 8U);
	for (i = SHASH_BASIC_IN; i-- > 0;) {
		bad_removes += !smr_shash_remove(&t->sh, &elems[i].link,
						 &t->traits);
		if (i % 32)
			continue;
		bad_counts += smr_shash_count(&t->sh) != i;
		shash_check(test, &t->traits, elems, i, SHASH_BASIC_KEYS);
		cond_resched();
	}
	smr_shash_flush(&t->sh);
	kunit_info(test, "%u buckets when empty, %lu resizes\n",
		   smr_shash_size(&t->sh), t->sh.resizes);
	KUNIT_EXPECT_EQ(test, bad_inserts, 0U);
	KUNIT_EXPECT_EQ(test, bad_removes, 0U);
	KUNIT_EXPECT_EQ(test, bad_counts, 0U);
	KUNIT_EXPECT_LT(test, smr_shash_size(&t->sh), grown);
	KUNIT_EXPECT_GT(test, t->sh.resizes, resizes);
	smr_synchronize(t->smr);
	smr_shash_destroy(&t->sh, NULL);
	KUNIT_EXPECT_EQ(test, smr_shash_size(&t->sh), 1U);
	shash_check(test, &t->traits, elems, 0, 64);
}

/* get_or_insert without duplicates, try-get, removal, replacement. */
static void smr_shash_get_or_insert_and_dying(struct kunit *test)
{
	struct hash_test *t = test->priv;
	struct hash_elem *e, *dup = &t->elems[HASH_TEST_KEYS];
	struct smrh_key key = SMRH_SCALAR_KEY(t->keys[0]);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, smr_shash_init(&t->sh, SMRSH_BALANCED, 4,
					     &t->traits), 0);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_NULL(test, shash_insert(t, &t->elems[i]));
	dup->key = t->keys[0];
	KUNIT_EXPECT_PTR_EQ(test, shash_insert(t, dup), &t->elems[0]);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->elems[0].ref), 2U);
	e = smr_shash_get(&t->sh, key, &t->traits);
	KUNIT_EXPECT_PTR_EQ(test, e, &t->elems[0]);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->elems[0].ref), 3U);

	/* Dying: try-get fails; get_or_insert puts the new one in. */
	refcount_set(&t->elems[0].ref, 0);
	KUNIT_EXPECT_NULL(test, smr_shash_get(&t->sh, key, &t->traits));
	KUNIT_EXPECT_NULL(test, shash_insert(t, dup));
	KUNIT_EXPECT_TRUE(test, smr_shash_remove(&t->sh, &t->elems[0].link,
						 &t->traits));
	KUNIT_EXPECT_FALSE(test, smr_shash_remove(&t->sh, &t->elems[0].link,
						  &t->traits));
	KUNIT_EXPECT_EQ(test, smr_shash_count(&t->sh), 8UL);
	/* Replace the duplicate by the first again (the same key). */
	refcount_set(&t->elems[0].ref, 1);
	smr_synchronize(t->smr);	/* elems[0] may be reused */
	smr_enter(t->smr);
	KUNIT_EXPECT_TRUE(test, smr_shash_entered_replace(&t->sh, &dup->link,
							  &t->elems[0].link,
							  &t->traits));
	smr_leave(t->smr);
	smr_synchronize(t->smr);
	shash_check(test, &t->traits, t->elems, 8, HASH_TEST_KEYS);
}

/* A seed under which every key hashes alike: a flooded table. */
static u32 shash_bad_seed;

static u32 shash_weak_hash(u64 key, u32 seed)
{
	return seed == READ_ONCE(shash_bad_seed) ? 0 :
		smrh_key_hash_u64(key, seed);
}

static u32 shash_weak_key_hash(struct smrh_key key, u32 seed)
{
	return shash_weak_hash(key.u64, seed);
}

static u32 shash_weak_obj_hash(const void *obj, u32 seed)
{
	return shash_weak_hash(((const struct hash_elem *)obj)->key, seed);
}

/* The longest chain of the table's array (no writer may run). */
static unsigned int shash_longest_chain(struct smr_shash *h)
{
	struct smrsh_array *a = (struct smrsh_array *)smr_unsafe_load(h->array);
	unsigned int i, len, longest = 0;
	unsigned long w;

	for (i = 0; i <= smrsh_mask(a); i++) {
		len = 0;
		for (w = smrsh_word(&a->buckets[i].first); !(w & SMRSH_STOP);
		     w = smrsh_next((struct smrq_slink *)w))
			len++;
		longest = max(longest, len);
	}
	return longest;
}

/* A chain far longer than the policy allows makes the worker reseed. */
static void smr_shash_reseeds_a_flooded_table(struct kunit *test)
{
	struct hash_test *t = test->priv;
	struct smrh_traits weak = t->traits;
	struct smrsh_array *a;
	unsigned int i, n = HASH_TEST_KEYS * 4;

	weak.key_hash = shash_weak_key_hash;
	weak.obj_hash = shash_weak_obj_hash;
	KUNIT_ASSERT_EQ(test, smr_shash_init(&t->sh, SMRSH_BALANCED, 1024,
					     &weak), 0);
	a = (struct smrsh_array *)smr_unsafe_load(t->sh.array);
	WRITE_ONCE(shash_bad_seed, a->seed);
	for (i = 0; i < n; i++) {
		struct smrh_key key = SMRH_SCALAR_KEY(t->elems[i].key);

		KUNIT_EXPECT_NULL(test, smr_shash_get_or_insert(&t->sh, key,
								&t->elems[i].link,
								&weak));
	}
	smr_shash_flush(&t->sh);
	a = (struct smrsh_array *)smr_unsafe_load(t->sh.array);
	kunit_info(test, "%lu reseeds, longest chain %u of %u elements\n",
		   t->sh.reseeds, shash_longest_chain(&t->sh), n);
	KUNIT_EXPECT_GE(test, t->sh.reseeds, 1UL);
	KUNIT_EXPECT_NE(test, a->seed, shash_bad_seed);
	KUNIT_EXPECT_LT(test, shash_longest_chain(&t->sh), 16U);
	KUNIT_EXPECT_EQ(test, smr_shash_size(&t->sh), 1024U);
	shash_check(test, &weak, t->elems, n, n);
	smr_shash_destroy(&t->sh, NULL);
}

/* No memory for a bigger array: inserts go on, the table stays small. */
static void smr_shash_inserts_without_memory(struct kunit *test)
{
	struct hash_test *t = test->priv;
	unsigned int i, n = ARRAY_SIZE(t->keys), failed = 0;

	KUNIT_ASSERT_EQ(test, smr_shash_init(&t->sh, SMRSH_FASTEST, 1,
					     &t->traits), 0);
	smr_hash_test_fail_alloc(INT_MAX);
	for (i = 0; i < n; i++)
		failed += !!shash_insert(t, &t->elems[i]);
	smr_shash_flush(&t->sh);
	KUNIT_EXPECT_EQ(test, smr_shash_resize(&t->sh, 64), -ENOMEM);
	KUNIT_EXPECT_EQ(test, smr_shash_reseed(&t->sh), -ENOMEM);
	kunit_info(test, "%lu resizes without memory\n", t->sh.alloc_failures);
	KUNIT_EXPECT_EQ(test, failed, 0U);
	KUNIT_EXPECT_GE(test, t->sh.alloc_failures, 3UL);
	KUNIT_EXPECT_EQ(test, smr_shash_size(&t->sh), 1U);
	KUNIT_EXPECT_EQ(test, smr_shash_count(&t->sh), (unsigned long)n);
	shash_check(test, &t->traits, t->elems, n, n);
	/* Memory again: the worker's retry grows the table. */
	smr_hash_test_fail_alloc(0);
	smr_shash_flush(&t->sh);
	KUNIT_EXPECT_GT(test, smr_shash_size(&t->sh), 1U);
	shash_check(test, &t->traits, t->elems, n, n);
}

/*
 * Destroy while the worker may be resizing: the table it frees must be
 * the one the worker left, not the one it replaced.
 */
static void smr_shash_destroy_during_resize(struct kunit *test)
{
	struct hash_test *t = test->priv;
	unsigned int round, i, n = ARRAY_SIZE(t->keys);

	for (round = 0; round < SHASH_DESTROY_ROUNDS; round++) {
		KUNIT_ASSERT_EQ(test, smr_shash_init(&t->sh, SMRSH_FASTEST, 1,
						     &t->traits), 0);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_NULL(test, shash_insert(t, &t->elems[i]));
		smr_synchronize(t->smr);
		smr_shash_destroy(&t->sh, NULL);
		KUNIT_EXPECT_EQ(test, smr_shash_size(&t->sh), 1U);
	}
}

struct shash_churn {
	struct hash_test *t;
	struct hash_elem *elems;
	bool stop;
	unsigned long rounds;
};

/* A second writer: keys no reader looks for, in and out. */
static int shash_churn_fn(void *arg)
{
	struct shash_churn *c = arg;
	unsigned int i;

	while (!READ_ONCE(c->stop)) {
		for (i = 0; i < SHASH_CHURN_KEYS; i++)
			shash_insert(c->t, &c->elems[i]);
		for (i = 0; i < SHASH_CHURN_KEYS; i++)
			smr_shash_remove(&c->t->sh, &c->elems[i].link,
					 &c->t->traits);
		smr_synchronize(c->t->smr);	/* before reuse */
		c->rounds++;
		cond_resched();
	}
	return 0;
}

/*
 * Readers on every lookup while a writer churns other keys and the table
 * is grown, shrunk and reseeded under them.
 */
static void smr_shash_readers_during_resizes(struct kunit *test)
{
	struct hash_test *t = test->priv;
	struct hash_race r = { .t = t, .scalable = true };
	struct shash_churn c = { .t = t };
	struct task_struct *tasks[HASH_RACE_READERS], *churn;
	unsigned int i, n = HASH_RACE_KEYS + HASH_RACE_GONE;

	c.elems = shash_elems(test, SHASH_CHURN_KEYS);
	for (i = 0; i < SHASH_CHURN_KEYS; i++)
		c.elems[i].key = ~(u64)i;	/* not among t->keys */
	KUNIT_ASSERT_EQ(test, smr_shash_init(&t->sh, SMRSH_BALANCED, 2,
					     &t->traits), 0);
	for (i = 0; i < n; i++)
		shash_insert(t, &t->elems[i]);
	for (i = HASH_RACE_KEYS; i < n; i++)
		smr_shash_remove(&t->sh, &t->elems[i].link, &t->traits);
	smr_synchronize(t->smr);
	hash_race_start(test, &r, tasks);
	churn = kthread_run(shash_churn_fn, &c, "smr-shash-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(churn));
	get_task_struct(churn);
	/* 2 -> 512 buckets and back, and reseeds between. */
	for (i = 0; i < HASH_RACE_RESIZES; i++) {
		if (i % 5 == 4)
			KUNIT_EXPECT_EQ(test, smr_shash_reseed(&t->sh), 0);
		else
			KUNIT_EXPECT_EQ(test, smr_shash_resize(&t->sh,
							       2U << (i % 9)), 0);
		usleep_range(1000, 2000);	/* on one CPU: the churn's turn */
	}
	while (!READ_ONCE(c.rounds))
		msleep(20);
	WRITE_ONCE(c.stop, true);
	kthread_stop(churn);
	put_task_struct(churn);
	hash_race_stop(test, &r);
	kunit_info(test, "%lu churn rounds, %lu resizes\n", c.rounds,
		   t->sh.resizes);
	KUNIT_EXPECT_GT(test, c.rounds, 0UL);
}

static struct kunit_case smr_hash_cases[] = {
	KUNIT_CASE(smr_hash_basic),
	KUNIT_CASE(smr_hash_get_or_insert_and_dying),
	KUNIT_CASE(smr_hash_resize_without_memory),
	KUNIT_CASE_SLOW(smr_hash_readers_during_resizes),
	{}
};

static struct kunit_suite smr_hash_suite = {
	.name = "smr_hash",
	.init = smr_hash_test_init,
	.exit = smr_hash_test_exit,
	.test_cases = smr_hash_cases,
};

static struct kunit_case smr_shash_cases[] = {
	KUNIT_CASE_SLOW(smr_shash_basic),
	KUNIT_CASE(smr_shash_get_or_insert_and_dying),
	KUNIT_CASE(smr_shash_reseeds_a_flooded_table),
	KUNIT_CASE(smr_shash_inserts_without_memory),
	KUNIT_CASE(smr_shash_destroy_during_resize),
	KUNIT_CASE_SLOW(smr_shash_readers_during_resizes),
	{}
};

static struct kunit_suite smr_shash_suite = {
	.name = "smr_shash",
	.init = smr_hash_test_init,
	.exit = smr_hash_test_exit,
	.test_cases = smr_shash_cases,
};

kunit_test_suites(&smr_hash_suite, &smr_shash_suite);

MODULE_DESCRIPTION("KUnit tests for smr_hash.h and smr_shash.h");
MODULE_LICENSE("GPL");
