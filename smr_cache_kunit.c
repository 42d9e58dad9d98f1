// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for smr_cache.
 *
 * A module of its own, linked against smr.ko's exports like any consumer.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "smr.h"

#define CACHE_TEST_BATCH	32	/* SMR_CACHE_BATCH in smr_cache.c */
#define CACHE_TEST_OBJS		64	/* two batches */
#define CACHE_TEST_SIZE		64
#define CACHE_TEST_POISON	0x6b

struct cache_test {
	struct smr *smr;
	struct smr_cache *cache;
	void *objs[CACHE_TEST_OBJS];
	struct smr_tracker tracker;
};

/*
 * The fixture's domain.  On PREEMPT_RT no allocation may happen with
 * preemption disabled, so the cases that allocate while a section holds
 * the clock use a sleepable section there (see reader_enter()).
 */
#define CACHE_TEST_FLAGS	(IS_ENABLED(CONFIG_PREEMPT_RT) ? SMR_SLEEPABLE : SMR_NONE)

/* A section that holds the clock and may allocate (GFP_ATOMIC). */
static void reader_enter(struct cache_test *t)
	__acquires(t->smr)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		smr_enter_sleepable(t->smr, &t->tracker);
	else
		smr_enter(t->smr);
}

static void reader_leave(struct cache_test *t)
	__releases(t->smr)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		smr_leave_sleepable(t->smr, &t->tracker);
	else
		smr_leave(t->smr);
}

static int smr_cache_test_init(struct kunit *test)
{
	struct cache_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->smr = smr_domain_create(CACHE_TEST_FLAGS, "kunit-cache");
	KUNIT_ASSERT_NOT_NULL(test, t->smr);
	t->cache = smr_cache_create("kunit_smr_cache", CACHE_TEST_SIZE, 0, 0,
				    t->smr, NULL);
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

/* Replace the fixture's default domain and cache by ones with @flags. */
static void cache_test_use(struct kunit *test, unsigned long flags)
{
	struct cache_test *t = test->priv;

	smr_cache_destroy(t->cache);
	smr_domain_free(t->smr);
	t->cache = NULL;
	t->smr = smr_domain_create(flags, "kunit-cache");
	KUNIT_ASSERT_NOT_NULL(test, t->smr);
	t->cache = smr_cache_create("kunit_smr_cache", CACHE_TEST_SIZE, 0, 0,
				    t->smr, NULL);
	KUNIT_ASSERT_NOT_NULL(test, t->cache);
}

/* The cache's shrinker, called the way reclaim calls it. */
static unsigned long shrinker_count(struct cache_test *t)
{
	struct shrinker *s = smr_cache_test_shrinker(t->cache);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };

	return s->count_objects(s, &sc);
}

static unsigned long shrinker_scan(struct cache_test *t)
{
	struct shrinker *s = smr_cache_test_shrinker(t->cache);
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,	/* reclaim that may block */
		.nr_to_scan = 128,	/* SHRINK_BATCH */
	};
	unsigned long freed = s->scan_objects(s, &sc);

	return freed == SHRINK_STOP ? 0 : freed;
}

static void alloc_all(struct kunit *test, struct cache_test *t)
{
	int i;

	for (i = 0; i < CACHE_TEST_OBJS; i++) {
		t->objs[i] = smr_cache_alloc(t->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->objs[i]);
	}
}

/*
 * Poison and free objs[from..to), on one CPU, so that every
 * CACHE_TEST_BATCH of them make one batch, tagged when it is full.
 */
static void free_range(struct cache_test *t, int from, int to)
{
	int i;

	preempt_disable();
	for (i = from; i < to; i++) {
		memset(t->objs[i], CACHE_TEST_POISON, CACHE_TEST_SIZE);
		smr_cache_free(t->cache, t->objs[i]);
	}
	preempt_enable();
}

static void free_all(struct cache_test *t)
{
	free_range(t, 0, CACHE_TEST_OBJS);
}

/*
 * How many of objs[from..to), freed into the cache, still hold the
 * poison: reading one the cache released to the slab is a KASAN report.
 */
static int count_intact(struct cache_test *t, int from, int to)
{
	int i, intact = 0;

	for (i = from; i < to; i++)
		intact += !memchr_inv(t->objs[i], CACHE_TEST_POISON,
				      CACHE_TEST_SIZE);
	return intact;
}

static bool was_freed(struct cache_test *t, void *p)
{
	int i;

	for (i = 0; i < CACHE_TEST_OBJS; i++)
		if (t->objs[i] == p)
			return true;
	return false;
}

/*
 * Inside a section that still sees every object just freed, allocate as
 * many again; return how many of them are objects that were freed.
 */
static int alloc_again_held(struct cache_test *t, void **again)
{
	int i, reused = 0;

	for (i = 0; i < CACHE_TEST_OBJS; i++) {
		again[i] = smr_cache_alloc(t->cache, GFP_ATOMIC);
		reused += again[i] && was_freed(t, again[i]);
	}
	return reused;
}

/* While a reader holds the clock, nothing freed after it entered comes back. */
static void smr_cache_no_reuse_before_goal(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void *again[CACHE_TEST_OBJS];
	int i, reused = 0;

	alloc_all(test, t);
	reader_enter(t);
	free_all(t);
	reused = alloc_again_held(t, again);
	reader_leave(t);
	for (i = 0; i < CACHE_TEST_OBJS; i++)
		KUNIT_ASSERT_NOT_NULL(test, again[i]);
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

#define CACHE_TEST_CTOR_BYTE	0x5c

static atomic_t cache_ctor_runs = ATOMIC_INIT(0);

static void cache_test_ctor(void *obj)
{
	memset(obj, CACHE_TEST_CTOR_BYTE, CACHE_TEST_SIZE);
	atomic_inc(&cache_ctor_runs);
}

/*
 * The constructor builds fresh objects only: a reused object keeps what
 * its last user left (free_range()'s poison).
 */
/* Replace the fixture's cache by one with cache_test_ctor(). */
static void cache_test_use_ctor(struct kunit *test)
{
	struct cache_test *t = test->priv;

	smr_cache_destroy(t->cache);
	t->cache = smr_cache_create("kunit_smr_cache_ctor", CACHE_TEST_SIZE,
				    0, 0, t->smr, cache_test_ctor);
	KUNIT_ASSERT_NOT_NULL(test, t->cache);
}

static void smr_cache_ctor_runs_on_fresh_objects_only(struct kunit *test)
{
	struct cache_test *t = test->priv;
	int i, runs;
	void *p;

	cache_test_use_ctor(test);
	alloc_all(test, t);
	for (i = 0; i < CACHE_TEST_OBJS; i++)
		KUNIT_EXPECT_FALSE(test, memchr_inv(t->objs[i],
						    CACHE_TEST_CTOR_BYTE,
						    CACHE_TEST_SIZE));
	runs = atomic_read(&cache_ctor_runs);
	KUNIT_EXPECT_GE(test, runs, CACHE_TEST_OBJS);
	free_all(t);
	smr_synchronize(t->smr);

	p = smr_cache_alloc(t->cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, was_freed(t, p));
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, CACHE_TEST_POISON, CACHE_TEST_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_read(&cache_ctor_runs), runs);
	smr_cache_free(t->cache, p);
}

/* __GFP_ZERO on a cache with a constructor: refused, counted, not zeroed. */
static void smr_cache_misuse_gfp_zero_with_ctor(struct kunit *test)
{
	struct cache_test *t = test->priv;
	unsigned long misuse = smr_stat_sum(t->smr, SMR_STAT_MISUSE);
	void *p;

	cache_test_use_ctor(test);
	alloc_all(test, t);
	free_all(t);
	smr_synchronize(t->smr);
	p = smr_cache_alloc(t->cache, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, was_freed(t, p));
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, CACHE_TEST_POISON, CACHE_TEST_SIZE));
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), misuse + 1);
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

	other = smr_cache_create("kunit_smr_cache2", 128, 0, 0, t->smr,
				 NULL);
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
					       t->smr, NULL);
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

/*
 * Reclaim may run inside a sleepable section of the cache's own domain (a
 * GFP_KERNEL allocation is allowed there).  The shrinker must not wait for
 * readers then -- nor ever: a sleepable reader may hold a lock reclaim
 * needs -- and must not release a batch the section can still see.
 */
static void smr_cache_shrinker_never_waits(struct kunit *test)
{
	struct cache_test *t = test->priv;
	struct smr_tracker tracker;

	cache_test_use(test, SMR_SLEEPABLE);
	alloc_all(test, t);
	smr_enter_sleepable(t->smr, &tracker);
	/* One full batch, tagged with a goal this section holds. */
	free_range(t, 0, CACHE_TEST_BATCH);
	KUNIT_EXPECT_EQ(test, shrinker_scan(t), 0UL);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, false), 0UL);
	KUNIT_EXPECT_EQ(test, count_intact(t, 0, CACHE_TEST_BATCH),
			CACHE_TEST_BATCH);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK), 0UL);
	smr_leave_sleepable(t->smr, &tracker);
	KUNIT_EXPECT_EQ(test, shrinker_scan(t), (unsigned long)CACHE_TEST_BATCH);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK),
			(unsigned long)CACHE_TEST_BATCH);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), 0UL);
	free_range(t, CACHE_TEST_BATCH, CACHE_TEST_OBJS);
}

/*
 * smr_cache_shrink(c, true) inside one's own sleepable section cannot wait
 * for that section (a misuse, warned by the wait): it must keep the batch,
 * and release it once the section has ended.
 */
static void smr_cache_shrink_wait_misuse_keeps_batch(struct kunit *test)
{
	struct cache_test *t = test->priv;
	struct smr_tracker tracker;

	cache_test_use(test, SMR_SLEEPABLE);
	alloc_all(test, t);
	smr_enter_sleepable(t->smr, &tracker);
	free_range(t, 0, CACHE_TEST_BATCH);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, true), 0UL);
	KUNIT_EXPECT_EQ(test, count_intact(t, 0, CACHE_TEST_BATCH),
			CACHE_TEST_BATCH);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK), 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), 1UL);
	smr_leave_sleepable(t->smr, &tracker);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, true),
			(unsigned long)CACHE_TEST_BATCH);
	free_range(t, CACHE_TEST_BATCH, CACHE_TEST_OBJS);
}

/*
 * No memory for a batch, inside a section that still sees what it frees:
 * smr_cache_free() must neither wait (for itself) nor release the object.
 */
static void smr_cache_free_no_batch_inside_section(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void *again[CACHE_TEST_OBJS];
	int i, reused = 0, intact;

	alloc_all(test, t);
	smr_cache_test_fail_batch_alloc(t->cache, 1);
	reader_enter(t);
	free_all(t);
	reused = alloc_again_held(t, again);
	intact = count_intact(t, 0, CACHE_TEST_OBJS);
	reader_leave(t);
	smr_cache_test_fail_batch_alloc(t->cache, 0);
	KUNIT_EXPECT_EQ(test, reused, 0);
	KUNIT_EXPECT_EQ(test, intact, CACHE_TEST_OBJS);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK), 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), 0UL);
	for (i = 0; i < CACHE_TEST_OBJS; i++)
		smr_cache_free(t->cache, again[i]);
}

/*
 * The same with interrupts disabled on a sleepable domain: no sleeping
 * wait from atomic context.
 */
static void smr_cache_free_no_batch_irqs_off(struct kunit *test)
{
	struct cache_test *t = test->priv;
	unsigned long flags;

	cache_test_use(test, SMR_SLEEPABLE);
	alloc_all(test, t);
	smr_cache_test_fail_batch_alloc(t->cache, 1);
	local_irq_save(flags);
	free_all(t);
	local_irq_restore(flags);
	smr_cache_test_fail_batch_alloc(t->cache, 0);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_WAIT), 0UL);
}

struct cache_irq_test {
	struct hrtimer timer;
	struct cache_test *t;
	struct completion done;
	bool in_hardirq;
};

static enum hrtimer_restart cache_irq_free(struct hrtimer *timer)
{
	struct cache_irq_test *it = container_of(timer, struct cache_irq_test,
						 timer);

	it->in_hardirq = in_hardirq();
	free_all(it->t);
	complete(&it->done);
	return HRTIMER_NORESTART;
}

/* And from a hard interrupt (an hrtimer's), on a sleepable domain. */
static void smr_cache_free_no_batch_hardirq(struct kunit *test)
{
	struct cache_test *t = test->priv;
	struct cache_irq_test *it = kunit_kzalloc(test, sizeof(*it),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, it);
	cache_test_use(test, SMR_SLEEPABLE);
	alloc_all(test, t);
	it->t = t;
	init_completion(&it->done);
	hrtimer_init(&it->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	it->timer.function = cache_irq_free;
	smr_cache_test_fail_batch_alloc(t->cache, 1);
	hrtimer_start(&it->timer, ns_to_ktime(NSEC_PER_MSEC),
		      HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&it->done, 10 * HZ),
			0UL);
	hrtimer_cancel(&it->timer);
	smr_cache_test_fail_batch_alloc(t->cache, 0);
	KUNIT_EXPECT_TRUE(test, it->in_hardirq);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_WAIT), 0UL);
}

/*
 * smr_cache_alloc(GFP_ATOMIC), smr_cache_free() and smr_cache_shrink()
 * without wait from a hard interrupt: allowed ("as kmem_cache_alloc()",
 * "any context except NMI"), and an expired object is reused there.  A
 * plain hrtimer: on PREEMPT_RT, where the slab and the shrink need
 * preemption enabled, it runs in softirq context, from a thread.
 */
struct cache_irq_ops {
	struct hrtimer timer;
	struct cache_test *t;
	struct completion done;
	bool in_hardirq;
	void *obj;
	unsigned long shrunk;
};

static enum hrtimer_restart cache_irq_ops_fn(struct hrtimer *timer)
{
	struct cache_irq_ops *it = container_of(timer, struct cache_irq_ops,
						timer);

	it->in_hardirq = in_hardirq();
	it->obj = smr_cache_alloc(it->t->cache, GFP_ATOMIC);
	smr_cache_free(it->t->cache, it->obj);
	it->shrunk = smr_cache_shrink(it->t->cache, false);
	complete(&it->done);
	return HRTIMER_NORESTART;
}

static void smr_cache_alloc_free_shrink_from_hardirq(struct kunit *test)
{
	struct cache_test *t = test->priv;
	struct cache_irq_ops *it = kunit_kzalloc(test, sizeof(*it), GFP_KERNEL);
	unsigned long done;

	KUNIT_ASSERT_NOT_NULL(test, it);
	alloc_all(test, t);
	free_all(t);
	smr_synchronize(t->smr);
	it->t = t;
	init_completion(&it->done);
	hrtimer_init(&it->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	it->timer.function = cache_irq_ops_fn;
	hrtimer_start(&it->timer, ns_to_ktime(NSEC_PER_MSEC),
		      HRTIMER_MODE_REL);
	done = wait_for_completion_timeout(&it->done, 10 * HZ);
	hrtimer_cancel(&it->timer);
	KUNIT_ASSERT_NE(test, done, 0UL);
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_TRUE(test, it->in_hardirq);
	KUNIT_EXPECT_TRUE(test, was_freed(t, it->obj));
	KUNIT_EXPECT_GT(test, it->shrunk, 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_MISUSE), 0UL);
}

/* smr_cache_free() of NULL and smr_cache_destroy(NULL) do nothing. */
static void smr_cache_null_is_ignored(struct kunit *test)
{
	struct cache_test *t = test->priv;
	int i;

	for (i = 0; i < 2 * CACHE_TEST_BATCH; i++)
		smr_cache_free(t->cache, NULL);
	smr_cache_destroy(NULL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_BATCH), 0UL);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, true), 0UL);
}

/* smr_cache_create() with no domain, name or size: warns, NULL. */
static void smr_cache_misuse_create_bad_args(struct kunit *test)
{
	struct cache_test *t = test->priv;

	KUNIT_EXPECT_NULL(test, smr_cache_create("kunit_bad", CACHE_TEST_SIZE,
						 0, 0, NULL, NULL));
	KUNIT_EXPECT_NULL(test, smr_cache_create(NULL, CACHE_TEST_SIZE, 0, 0,
						 t->smr, NULL));
	KUNIT_EXPECT_NULL(test, smr_cache_create("kunit_bad", 0, 0, 0, t->smr,
						 NULL));
}

static const unsigned long cache_deferred_flags[] = {
	SMR_DEFERRED,
	SMR_DEFERRED_LIMIT(SMR_DEFERRED_MAX),
};

static void cache_deferred_desc(const unsigned long *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "deferred limit %lu",
		 (*flags >> SMR_DEFERRED_SHIFT) ?: 8);
}

KUNIT_ARRAY_PARAM(cache_deferred, cache_deferred_flags, cache_deferred_desc);

#define CACHE_TEST_TRIES	1000

/*
 * On a quiet deferred domain nobody commits a batch's goal: the cache must
 * do it when it looks for objects to reuse, or they are never reused.
 */
static void smr_cache_deferred_reuse(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void **fresh;	/* what the loop allocated, freed at the end */
	bool reused = false;
	int i, n = 0;

	cache_test_use(test, *(const unsigned long *)test->param_value);
	fresh = kunit_kcalloc(test, CACHE_TEST_TRIES, sizeof(*fresh),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fresh);
	alloc_all(test, t);
	free_range(t, 0, CACHE_TEST_BATCH);
	for (i = 0; i < CACHE_TEST_TRIES && !reused; i++) {
		void *p = smr_cache_alloc(t->cache, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		reused = was_freed(t, p);
		fresh[n++] = p;
		cond_resched();
	}
	kunit_info(test, "reused after %d allocations\n", i);
	KUNIT_EXPECT_TRUE(test, reused);
	while (n)
		smr_cache_free(t->cache, fresh[--n]);
	free_range(t, CACHE_TEST_BATCH, CACHE_TEST_OBJS);
}

#define CACHE_TEST_DEFERRED_FLOOD	20000

/* A burst of frees on a deferred domain keeps a bounded number of batches. */
static void smr_cache_deferred_flood_is_bounded(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void **objs;
	long peak = 0;
	int i;

	cache_test_use(test, *(const unsigned long *)test->param_value);
	objs = kvcalloc(CACHE_TEST_DEFERRED_FLOOD, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < CACHE_TEST_DEFERRED_FLOOD; i++) {
		objs[i] = smr_cache_alloc(t->cache, GFP_KERNEL);
		if (!objs[i])
			break;
	}
	KUNIT_EXPECT_EQ(test, i, CACHE_TEST_DEFERRED_FLOOD);
	while (i--) {
		smr_cache_free(t->cache, objs[i]);
		peak = max(peak, atomic_long_read(&t->smr->cache_pending_objs));
		if (i % 1024 == 0)
			cond_resched();
	}
	kvfree(objs);
	kunit_info(test, "peak pending: %ld objects\n", peak);
	/* About the 64 batches kept for reuse, not the 625 the burst tagged. */
	KUNIT_EXPECT_LT(test, peak, 200L * CACHE_TEST_BATCH);
}

/*
 * Under memory pressure the shrinker also sees what sits in per-cpu
 * batches: expired objects waiting for reuse, and partial free batches.
 */
static void smr_cache_shrinker_sees_percpu_batches(struct kunit *test)
{
	struct cache_test *t = test->priv;
	void *p;

	alloc_all(test, t);
	free_all(t);
	smr_synchronize(t->smr);
	p = smr_cache_alloc(t->cache, GFP_KERNEL);	/* fills a reuse batch */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, was_freed(t, p));
	KUNIT_EXPECT_EQ(test, shrinker_count(t),
			(unsigned long)CACHE_TEST_OBJS - 1);
	KUNIT_EXPECT_EQ(test, shrinker_scan(t),
			(unsigned long)CACHE_TEST_OBJS - 1);
	KUNIT_EXPECT_EQ(test, shrinker_count(t), 0UL);
	/* A partial free batch: tagged by the scan, released once expired. */
	smr_cache_free(t->cache, p);
	KUNIT_EXPECT_EQ(test, shrinker_count(t), 1UL);
	KUNIT_EXPECT_EQ(test, smr_cache_shrink(t->cache, false), 1UL);
	KUNIT_EXPECT_EQ(test, shrinker_count(t), 0UL);
	KUNIT_EXPECT_EQ(test, smr_stat_sum(t->smr, SMR_STAT_CACHE_SHRUNK),
			(unsigned long)CACHE_TEST_OBJS);
}

static struct kunit_case smr_cache_cases[] = {
	KUNIT_CASE(smr_cache_no_reuse_before_goal),
	KUNIT_CASE(smr_cache_reuse_after_goal),
	KUNIT_CASE(smr_cache_ctor_runs_on_fresh_objects_only),
	KUNIT_CASE(smr_cache_misuse_gfp_zero_with_ctor),
	KUNIT_CASE(smr_cache_shrinker_frees_expired),
	KUNIT_CASE(smr_cache_shrinker_waits_when_allowed),
	KUNIT_CASE(smr_cache_shared_domain),
	KUNIT_CASE(smr_cache_destroy_with_pending),
	KUNIT_CASE(smr_cache_free_flood_is_bounded),
	KUNIT_CASE(smr_cache_shrinker_never_waits),
	KUNIT_CASE(smr_cache_shrink_wait_misuse_keeps_batch),
	KUNIT_CASE(smr_cache_free_no_batch_inside_section),
	KUNIT_CASE(smr_cache_free_no_batch_irqs_off),
	KUNIT_CASE(smr_cache_free_no_batch_hardirq),
	KUNIT_CASE_PARAM(smr_cache_deferred_reuse, cache_deferred_gen_params),
	KUNIT_CASE_PARAM(smr_cache_deferred_flood_is_bounded,
			 cache_deferred_gen_params),
	KUNIT_CASE(smr_cache_shrinker_sees_percpu_batches),
	KUNIT_CASE(smr_cache_alloc_free_shrink_from_hardirq),
	KUNIT_CASE(smr_cache_null_is_ignored),
	KUNIT_CASE(smr_cache_misuse_create_bad_args),
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
