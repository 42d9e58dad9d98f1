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
#include <linux/slab.h>

#include "smr_hash.h"

#define HASH_TEST_KEYS		64
#define HASH_RACE_KEYS		512	/* present for the whole race */
#define HASH_RACE_GONE		128	/* removed before the race */
#define HASH_RACE_RESIZES	40
#define HASH_RACE_READERS	3

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
			void *e = smr_hash_entered_find(&t->h,
							SMRH_SCALAR_KEY(t->keys[i]),
							&t->traits);

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
	for (i = 0; i < HASH_RACE_READERS; i++) {
		tasks[i] = kthread_run(hash_race_reader, &r, "smr-hash-rd%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tasks[i]));
	}
	while (atomic_read(&r.running) < HASH_RACE_READERS)
		msleep(20);
	/* 2 -> 512 buckets and back, over and over. */
	for (i = 0; i < HASH_RACE_RESIZES; i++)
		KUNIT_EXPECT_EQ(test, hash_resize(t, (i / 8) % 2 == 0), 0);
	WRITE_ONCE(r.stop, true);
	while (atomic_read(&r.running))
		msleep(20);
	kunit_info(test, "%ld lookups, %ld misses, %ld removed keys found\n",
		   atomic_long_read(&r.lookups), atomic_long_read(&r.misses),
		   atomic_long_read(&r.ghosts));
	KUNIT_EXPECT_GT(test, atomic_long_read(&r.lookups), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r.misses), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r.ghosts), 0L);
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

kunit_test_suite(smr_hash_suite);

MODULE_DESCRIPTION("KUnit tests for smr_hash.h");
MODULE_LICENSE("GPL");
