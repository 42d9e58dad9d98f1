// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for smr_cache.
 *
 * A module of its own, linked against smr.ko's exports like any consumer.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "smr.h"

#define CACHE_TEST_OBJS		64	/* two batches */
#define CACHE_TEST_SIZE		64

struct cache_test {
	struct smr *smr;
	struct smr_cache *cache;
	void *objs[CACHE_TEST_OBJS];
};

static int smr_cache_test_init(struct kunit *test)
{
	struct cache_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->smr = smr_domain_create(SMR_NONE, "kunit-cache");
	KUNIT_ASSERT_NOT_NULL(test, t->smr);
	t->cache = smr_cache_create("kunit_smr_cache", CACHE_TEST_SIZE, 0, 0,
				    t->smr);
	KUNIT_ASSERT_NOT_NULL(test, t->cache);
	test->priv = t;
	return 0;
}

static void smr_cache_test_exit(struct kunit *test)
{
	struct cache_test *t = test->priv;

	smr_cache_destroy(t->cache);
	smr_domain_free(t->smr);
}

static void alloc_all(struct kunit *test, struct cache_test *t)
{
	int i;

	for (i = 0; i < CACHE_TEST_OBJS; i++) {
		t->objs[i] = smr_cache_alloc(t->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->objs[i]);
	}
}

static void free_all(struct cache_test *t)
{
	int i;

	for (i = 0; i < CACHE_TEST_OBJS; i++) {
		memset(t->objs[i], 0x6b, CACHE_TEST_SIZE);	/* poison */
		smr_cache_free(t->cache, t->objs[i]);
	}
}

static bool was_freed(struct cache_test *t, void *p)
{
	int i;

	for (i = 0; i < CACHE_TEST_OBJS; i++)
		if (t->objs[i] == p)
			return true;
	return false;
}

/* While a reader holds the clock, nothing freed after it entered comes back. */
static void smr_cache_no_reuse_before_goal(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void *again[CACHE_TEST_OBJS];
	int i, reused = 0;

	alloc_all(test, t);
	smr_enter(t->smr);
	free_all(t);
	for (i = 0; i < CACHE_TEST_OBJS; i++) {
		again[i] = smr_cache_alloc(t->cache, GFP_ATOMIC);
		KUNIT_ASSERT_NOT_NULL(test, again[i]);
		reused += was_freed(t, again[i]);
	}
	smr_leave(t->smr);
	KUNIT_EXPECT_EQ(test, reused, 0);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_REUSED), 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_BATCH), 2UL);
	for (i = 0; i < CACHE_TEST_OBJS; i++)
		smr_cache_free(t->cache, again[i]);
}

/* Once the goal is reached, freed objects are reused before fresh ones. */
static void smr_cache_reuse_after_goal(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void *p;

	alloc_all(test, t);
	free_all(t);
	smr_synchronize(t->smr);
	p = smr_cache_alloc(t->cache, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, was_freed(t, p));
	KUNIT_EXPECT_EQ(test, *(u8 *)p, 0);	/* zeroed on reuse */
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_REUSED), 1UL);
	smr_cache_free(t->cache, p);
}

static void smr_cache_shrinker_frees_expired(struct kunit *test)
{
	struct cache_test *t = test->priv;

	alloc_all(test, t);
	free_all(t);
	smr_synchronize(t->smr);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, false),
			(unsigned long)CACHE_TEST_OBJS);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK),
			(unsigned long)CACHE_TEST_OBJS);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, false), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->smr->cache_pending_objs), 0L);
}

static void smr_cache_shrinker_waits_when_allowed(struct kunit *test)
{
	struct cache_test *t = test->priv;

	alloc_all(test, t);
	smr_enter(t->smr);
	free_all(t);
	/* Without waiting nothing has expired yet. */
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, false), 0UL);
	smr_leave(t->smr);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, true),
			(unsigned long)CACHE_TEST_OBJS);
}

static void smr_cache_shared_domain(struct kunit *test)
{
	struct cache_test *t = test->priv;
	struct smr_cache *other;
	void *a, *b;

	other = smr_cache_create("kunit_smr_cache2", 128, 0, 0, t->smr);
	KUNIT_ASSERT_NOT_NULL(test, other);
	alloc_all(test, t);
	a = smr_cache_alloc(other, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	free_all(t);
	smr_cache_free(other, a);
	smr_synchronize(t->smr);
	b = smr_cache_alloc(t->cache, GFP_KERNEL);
	KUNIT_EXPECT_TRUE(test, was_freed(t, b));
	smr_cache_free(t->cache, b);
	smr_cache_destroy(other);
}

/* Destroying a cache with batches still waiting is safe (and leaks nothing). */
static void smr_cache_destroy_with_pending(struct kunit *test)
{
	struct cache_test *t = test->priv;
	struct smr_cache *c = smr_cache_create("kunit_smr_cache3", 32, 0, 0,
					       t->smr);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 100; i++)
		smr_cache_free(c, smr_cache_alloc(c, GFP_KERNEL));
	smr_cache_destroy(c);
}

#define CACHE_TEST_FLOOD	100000

/* A burst of frees: the cache keeps a bounded number of batches. */
static void smr_cache_free_flood_is_bounded(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void **objs;
	long peak = 0;
	int i;

	objs = kvcalloc(CACHE_TEST_FLOOD, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < CACHE_TEST_FLOOD; i++) {
		objs[i] = smr_cache_alloc(t->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < CACHE_TEST_FLOOD; i++) {
		smr_cache_free(t->cache, objs[i]);
		peak = max(peak, atomic_long_read(&t->smr->cache_pending_objs));
		if (i % 1024 == 0)
			cond_resched();
	}
	kvfree(objs);
	kunit_info(test, "peak pending: %ld objects\n", peak);
	/* About the batches kept for reuse, not the 3125 the burst tagged. */
	KUNIT_EXPECT_LT(test, peak, 200L * 32);
	KUNIT_EXPECT_GT(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK), 0UL);
}

static struct kunit_case smr_cache_cases[] = {
	KUNIT_CASE(smr_cache_no_reuse_before_goal),
	KUNIT_CASE(smr_cache_reuse_after_goal),
	KUNIT_CASE(smr_cache_shrinker_frees_expired),
	KUNIT_CASE(smr_cache_shrinker_waits_when_allowed),
	KUNIT_CASE(smr_cache_shared_domain),
	KUNIT_CASE(smr_cache_destroy_with_pending),
	KUNIT_CASE(smr_cache_free_flood_is_bounded),
	{}
};

static struct kunit_suite smr_cache_suite = {
	.name = "smr_cache",
	.init = smr_cache_test_init,
	.exit = smr_cache_test_exit,
	.test_cases = smr_cache_cases,
};

kunit_test_suites(&smr_cache_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for smr_cache");
