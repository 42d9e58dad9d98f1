// SPDX-License-Identifier: GPL-2.0
/*
 * smr_torture's hash workload: an smr_hash and an smr_shash.
 *
 * Both tables hold SMR_TORTURE_HASH_STABLE elements for the whole run and
 * up to SMR_TORTURE_HASH_CHURN more that a writer thread keeps inserting
 * and removing (freed with smr_kfree()).  Every SMR_TORTURE_HASH_RESIZE
 * of its operations it grows the smr_hash, up to SMR_TORTURE_HASH_MAX
 * buckets, then shrinks it down to one bucket, and again.  A second
 * writer churns SMR_TORTURE_HASH_CHURN keys of the smr_shash alone,
 * concurrently with the first, and every SMR_TORTURE_HASH_RESIZE of its
 * operations resizes it to another size or reseeds it; the smr_shash's
 * worker resizes it too, as its policy wants.  So the readers' lookups
 * run through every stage of every resize.  A lookup, inside the reader's
 * section, must find the stable element of a random key in both tables,
 * and may find churn elements only alive (KASAN catches a freed one).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "smr_shash.h"
#include "smr_torture.h"

#define SMR_TORTURE_HASH_RESIZE	64
#define SMR_TORTURE_HASH_MAX	256
#define SMR_TORTURE_HASH_LIVE	0x5a5a1111UL

struct torture_hash_elem {
	u64 key;
	unsigned long magic;
	struct smrq_slink link;		/* in torture_hash */
	struct smrq_slink slink;	/* in torture_shash */
	struct smr_node node;
};

static struct smrh_traits torture_hash_traits;
static struct smr_hash torture_hash = SMR_HASH_INITIALIZER;
static DEFINE_MUTEX(torture_hash_lock);		/* the writer lock */
static struct torture_hash_elem *torture_hash_stable;
static struct torture_hash_elem *torture_hash_churn[SMR_TORTURE_HASH_CHURN];
static struct task_struct *torture_hash_task;
static unsigned long torture_hash_nresizes;
static struct smrh_traits torture_shash_traits;
static struct smr_shash torture_shash = SMR_SHASH_INITIALIZER;
static struct torture_hash_elem *torture_shash_churn[SMR_TORTURE_HASH_CHURN];
static struct task_struct *torture_shash_task;
static unsigned long torture_shash_nfails;	/* inserts refused: never */

/* Stable keys are even, churn keys odd. */
static u64 torture_hash_key(unsigned int i, bool churn)
{
	return 2 * (u64)i + churn;
}

/* The smr_shash writer's own churn keys: odd, above the others. */
static u64 torture_shash_key(unsigned int i)
{
	return torture_hash_key(SMR_TORTURE_HASH_CHURN + i, true);
}

/* A churn element found by a lookup must be alive. */
static bool torture_hash_alive(struct torture_hash_elem *e)
{
	return !e || READ_ONCE(e->magic) == SMR_TORTURE_HASH_LIVE;
}

static u64 torture_hash_elem_key(const void *obj)
{
	return ((const struct torture_hash_elem *)obj)->key;
}

SMRH_TRAITS_DEFINE_SCALAR(torture_hash, torture_hash_elem_key)

/**
 * torture_hash_lookup() - one stable and one churn lookup
 * @stable: which stable key, below SMR_TORTURE_HASH_STABLE
 * @churn: which churn key, below SMR_TORTURE_HASH_CHURN
 *
 * The caller picks the keys before its section: get_random_u32() takes a
 * local_lock, which sleeps on PREEMPT_RT (a reader that blocked there let
 * another task into its CPU's slot: "section entered twice" on Debian's
 * RT kernel).
 *
 * Context: inside a section of the torture domain.
 * Return: false if the stable element was missed or an element was bad.
 */
bool torture_hash_lookup(unsigned int stable, unsigned int churn)
{
	struct smrh_key skey = SMRH_SCALAR_KEY(torture_hash_key(stable, false));
	struct smrh_key ckey = SMRH_SCALAR_KEY(torture_hash_key(churn, true));
	struct smrh_key okey = SMRH_SCALAR_KEY(torture_shash_key(churn));
	struct torture_hash_elem *want = &torture_hash_stable[stable];
	bool ok;

	ok = smr_hash_entered_find(&torture_hash, skey,
				   &torture_hash_traits) == want;
	ok &= torture_hash_alive(smr_hash_entered_find(&torture_hash, ckey,
						       &torture_hash_traits));
	ok &= smr_shash_entered_find(&torture_shash, skey,
				     &torture_shash_traits) == want;
	ok &= torture_hash_alive(smr_shash_entered_find(&torture_shash, ckey,
							&torture_shash_traits));
	ok &= torture_hash_alive(smr_shash_entered_find(&torture_shash, okey,
							&torture_shash_traits));
	return ok;
}

unsigned long torture_hash_resizes(void)
{
	return READ_ONCE(torture_hash_nresizes);
}

/* Resizes and reseeds of the smr_shash, by its writer and its worker. */
unsigned long torture_shash_resizes(void)
{
	return READ_ONCE(torture_shash.resizes);
}

/* Inserts the smr_shash refused: it never may. */
unsigned long torture_shash_fails(void)
{
	return READ_ONCE(torture_shash_nfails);
}

/* Insert @e into the smr_shash: NULL is the only right answer. */
static void torture_shash_insert(struct torture_hash_elem *e)
{
	void *old = smr_shash_get_or_insert(&torture_shash,
					    SMRH_SCALAR_KEY(e->key), &e->slink,
					    &torture_shash_traits);

	if (old) {
		pr_err("hash: smr_shash refused key %llu: %ld\n", e->key,
		       IS_ERR(old) ? PTR_ERR(old) : 0L);
		WRITE_ONCE(torture_shash_nfails, torture_shash_nfails + 1);
	}
}

/* Insert or remove churn element @i. */
static void torture_hash_churn_one(unsigned int i)
{
	struct torture_hash_elem *e = kzalloc(sizeof(*e), GFP_KERNEL), *old;

	mutex_lock(&torture_hash_lock);
	old = torture_hash_churn[i];
	if (old) {
		smr_hash_serialized_remove(&torture_hash, &old->link,
					   &torture_hash_traits);
		smr_shash_remove(&torture_shash, &old->slink,
				 &torture_shash_traits);
		torture_hash_churn[i] = NULL;
	} else if (e) {
		e->key = torture_hash_key(i, true);
		e->magic = SMR_TORTURE_HASH_LIVE;
		smr_hash_serialized_insert(&torture_hash, &e->link,
					   &torture_hash_traits);
		torture_shash_insert(e);
		torture_hash_churn[i] = e;
		e = NULL;
	}
	mutex_unlock(&torture_hash_lock);
	kfree(e);
	smr_kfree(torture_hash_traits.smr, old, node);
}

/* Grow up to SMR_TORTURE_HASH_MAX buckets, then shrink to one, again. */
static void torture_hash_resize(bool *growing)
{
	int ret;

	mutex_lock(&torture_hash_lock);
	if (smr_hash_size(&torture_hash) >= SMR_TORTURE_HASH_MAX)
		*growing = false;
	else if (smr_hash_size(&torture_hash) == 1)
		*growing = true;
	ret = *growing ?
	      smr_hash_grow_and_unlock(&torture_hash, &torture_hash_lock,
				       &torture_hash_traits) :
	      smr_hash_shrink_and_unlock(&torture_hash, &torture_hash_lock,
					 &torture_hash_traits);
	if (!ret)
		WRITE_ONCE(torture_hash_nresizes, torture_hash_nresizes + 1);
	else if (ret != -ENOMEM)
		pr_err("hash: resize failed: %d\n", ret);
}

static int torture_hash_fn(void *unused)
{
	unsigned long ops = 0;
	bool growing = true;

	while (!kthread_should_stop()) {
		torture_hash_churn_one(get_random_u32() % SMR_TORTURE_HASH_CHURN);
		if (++ops % SMR_TORTURE_HASH_RESIZE == 0)
			torture_hash_resize(&growing);
		cond_resched();
	}
	return 0;
}

/* The smr_shash writer: insert or remove its churn element @i, alone. */
static void torture_shash_churn_one(unsigned int i)
{
	struct torture_hash_elem *old = torture_shash_churn[i], *e;

	if (old) {
		smr_shash_remove(&torture_shash, &old->slink,
				 &torture_shash_traits);
		torture_shash_churn[i] = NULL;
		smr_kfree(torture_shash_traits.smr, old, node);
		return;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return;
	e->key = torture_shash_key(i);
	e->magic = SMR_TORTURE_HASH_LIVE;
	torture_shash_insert(e);
	torture_shash_churn[i] = e;
}

/* Resize the smr_shash to 1, 2, ... SMR_TORTURE_HASH_MAX buckets, reseed. */
static void torture_shash_resize(unsigned int *step)
{
	int ret;

	if (1U << *step > SMR_TORTURE_HASH_MAX) {
		*step = 0;
		ret = smr_shash_reseed(&torture_shash);
	} else {
		ret = smr_shash_resize(&torture_shash, 1U << (*step)++);
	}
	if (ret && ret != -ENOMEM)
		pr_err("hash: smr_shash resize failed: %d\n", ret);
}

static int torture_shash_fn(void *unused)
{
	unsigned long ops = 0;
	unsigned int step = 0;

	while (!kthread_should_stop()) {
		torture_shash_churn_one(get_random_u32() % SMR_TORTURE_HASH_CHURN);
		if (++ops % SMR_TORTURE_HASH_RESIZE == 0)
			torture_shash_resize(&step);
		cond_resched();
	}
	return 0;
}

/**
 * torture_hash_start() - fill the tables and start their writers
 * @smr: the torture domain
 *
 * Context: module init, before the readers start.
 * Return: 0 or a negative errno (nothing left to stop).
 */
int torture_hash_start(struct smr *smr)
{
	struct task_struct *task;
	unsigned int i;

	torture_hash_traits =
		SMRH_SCALAR_TRAITS(torture_hash, struct torture_hash_elem, link, smr);
	torture_shash_traits = torture_hash_traits;
	torture_shash_traits.link_offset =
		offsetof(struct torture_hash_elem, slink);
	torture_hash_stable = kcalloc(SMR_TORTURE_HASH_STABLE,
				      sizeof(*torture_hash_stable), GFP_KERNEL);
	if (!torture_hash_stable || smr_hash_init(&torture_hash, 1)) {
		kfree(torture_hash_stable);
		return -ENOMEM;
	}
	if (smr_shash_init(&torture_shash, SMRSH_BALANCED, 1,
			   &torture_shash_traits)) {
		smr_hash_destroy(&torture_hash);
		kfree(torture_hash_stable);
		return -ENOMEM;
	}
	mutex_lock(&torture_hash_lock);
	for (i = 0; i < SMR_TORTURE_HASH_STABLE; i++) {
		torture_hash_stable[i].key = torture_hash_key(i, false);
		torture_hash_stable[i].magic = SMR_TORTURE_HASH_LIVE;
		smr_hash_serialized_insert(&torture_hash,
					   &torture_hash_stable[i].link,
					   &torture_hash_traits);
		torture_shash_insert(&torture_hash_stable[i]);
	}
	mutex_unlock(&torture_hash_lock);
	task = kthread_run(torture_hash_fn, NULL, "smr-torture-hash");
	torture_hash_task = IS_ERR(task) ? NULL : task;
	if (!IS_ERR(task)) {
		task = kthread_run(torture_shash_fn, NULL, "smr-torture-shash");
		torture_shash_task = IS_ERR(task) ? NULL : task;
	}
	if (IS_ERR(task)) {
		torture_hash_stop();
		return PTR_ERR(task);
	}
	return 0;
}

/**
 * torture_hash_stop() - stop the writers, empty and free the tables
 *
 * Context: after the readers stopped.
 */
void torture_hash_stop(void)
{
	unsigned int i;

	if (torture_hash_task)
		kthread_stop(torture_hash_task);
	if (torture_shash_task)
		kthread_stop(torture_shash_task);
	torture_hash_task = NULL;
	torture_shash_task = NULL;
	mutex_lock(&torture_hash_lock);
	smr_hash_serialized_clear(&torture_hash, &torture_hash_traits, NULL);
	mutex_unlock(&torture_hash_lock);
	smr_synchronize(torture_hash_traits.smr);	/* no reader left on them */
	smr_shash_destroy(&torture_shash, NULL);
	for (i = 0; i < SMR_TORTURE_HASH_CHURN; i++) {
		kfree(torture_hash_churn[i]);
		kfree(torture_shash_churn[i]);
		torture_hash_churn[i] = NULL;
		torture_shash_churn[i] = NULL;
	}
	smr_hash_destroy(&torture_hash);
	kfree(torture_hash_stable);
	torture_hash_stable = NULL;
}
