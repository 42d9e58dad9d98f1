// SPDX-License-Identifier: GPL-2.0
/*
 * smr_bench, lookups while a table grows: an smr_hash, an smr_shash and
 * an rhashtable, holding the entries of smr_bench_table.c under keys 0, 1, 2, ... and
 * hashing them with the same function (smrh_key_hash_u64() of the key and
 * the table's seed), are each filled from GROW_START entries to
 * grow_entries by one writer while N - 1 readers (N: the CPUs; at least
 * one reader) look up keys known to be present.  An hrtimer on the
 * writer's CPU sums the readers' counters every GROW_WINDOW_MS.  After the
 * fill, and once the table's own resizes are over (rhashtable's worker),
 * the same readers go on for grow_steady_ms on the final table with no
 * writer: the steady rate, measured in the same run.
 *
 * smr_hash grows the way its users grow it (smr_hash.h): the writer
 * inserts under its mutex and, when smr_hash_serialized_should_grow()
 * with GROW_RATIO says so, calls smr_hash_grow_and_unlock().  rhashtable
 * grows by itself, from its worker, with the parameters of the table
 * part (automatic_shrinking), and may refuse an insert (-EBUSY, -ENOMEM,
 * -E2BIG): each refusal is counted and the insert retried, as its users
 * must.  smr_shash grows by itself too, from its worker, with the policy
 * SMRSH_BALANCED, the one of its policies closest to rhashtable's:
 * rhashtable grows above 3/4 of an entry per bucket to twice the size,
 * so its load swings between 3/8 and 3/4 during a fill; SMRSH_BALANCED
 * grows above 1 to a size with a load of at most 1/2, between 1/4 and 1
 * (SMRSH_FASTEST: above 1/2 to at most 1/4, between 1/8 and 1/2, twice
 * as far below), and it shrinks, as rhashtable's automatic_shrinking.
 * Its inserts never fail by design, but one that returns an entry for a
 * fresh key, or an error, is counted as a refusal all the same; "grows"
 * is its number of resizes (its resizes counter) and "settle" lasts, as
 * for rhashtable, until its last resize ended.  A lookup that misses a
 * present key, or meets a bad check word, fails the run with -EIO.  The
 * kinds take turns, grow_runs times.
 *
 *   grow kind=<k> run=<r> readers=<n> start=<entries> entries=<final>
 *        fill_us=<the fill> settle_us=<then, until its resizes ended>
 *        grows=<n> grow_us=<time inside grow calls> grow_max_us=<longest>
 *        grow_failures=<n> insert_failures=<n> buckets_start=<n>
 *        buckets=<n> windows=<n> min=<lookups per 10 ms>
 *        p10=<10th percentile> median=<lookups per 10 ms>
 *        steady_windows=<n> steady=<lookups per 10 ms>
 *        min_ratio=<min / steady> median_ratio=<median / steady>
 *        printed=<windows printed> stride=<every nth printed>
 *        samples_full=<1: windows past GROW_MAX_SAMPLES were not kept>
 *   growwin kind=<k> run=<r> phase=<pre|grow|settle|steady|edge>
 *        t_us=<window end, from the fill's start> lookups=<in the window>
 *        per_10ms=<normalized to 10 ms>
 *   growmem kind=<k> run=<r> entries=<n> buckets=<n> nest=<0|1>
 *        array_bytes=<from the struct> array_alloc=<allocated, -1 n/a>
 *        link_bytes=<n> entry_bytes=<sizeof> entry_alloc=<ksize()>
 *        bytes_per_entry=<array_alloc / entries + link_bytes>
 *
 * grow and growmem figures of kinds without a grow call (rhashtable,
 * smr_shash) are -1 where they do not apply, and rhashtable's grows=
 * too.  Windows are counted from the timestamps actually taken, so a
 * late timer makes a longer window, not a wrong count; "grow" windows lie
 * wholly inside the fill, "steady" ones inside the steady run, "edge"
 * ones straddle a boundary.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "smr.h"
#include "smr_bench.h"
#include "smr_bench_table.h"
#include "smr_hash.h"
#include "smr_shash.h"

#define GROW_START		BENCH_GROW_START
#define GROW_WINDOW_MS		10
/* smr_hash: grow above one entry per bucket (rhashtable: above 3/4). */
#define GROW_RATIO		1
/* Windows kept per run (10.9 minutes) and printed (2500 lines). */
#define GROW_MAX_SAMPLES	65536
#define GROW_PRINT_MAX		2500
/* Refused inserts retried before the run gives up. */
#define GROW_INSERT_TRIES	1000

struct grow_sample {
	u64 t_ns;
	u64 lookups;
};

/* One reader's lookups, alone on its cache line. */
struct grow_count {
	unsigned long lookups;
} ____cacheline_aligned_in_smp;

/* A table's memory at the end of the fill. */
struct grow_mem {
	unsigned long buckets;
	bool nest;		/* rhashtable fell back to a nested table */
	size_t array_bytes;	/* the bucket array, from its struct */
	long long array_alloc;	/* what the allocator gave it, -1: n/a */
	size_t link_bytes;	/* the link in each entry */
};

struct grow_kind;

struct grow_run {
	const struct grow_kind *kind;
	struct smr *smr;
	unsigned int run;
	unsigned int readers;
	struct grow_count *counts;

	/* Kind smr_hash: the table, its traits and writer lock. */
	struct smr_hash hash;
	struct smrh_traits traits;	/* smr_hash, smr_shash */
	struct mutex lock;	/* serializes the smr_hash's writer */
	/* Kind rhashtable. */
	struct rhashtable rht;
	/* Kind smr_shash. */
	struct smr_shash shash;

	/* Read by every reader, written once or per insert. */
	u32 filled ____cacheline_aligned_in_smp; /* keys 0 .. filled-1 in */
	bool stop;		/* readers leave */

	/* The writer's. */
	u64 fill0 ____cacheline_aligned_in_smp, fill1, steady0, steady1;
	u64 grow_ns, grow_max_ns;
	long grows, grow_failures;	/* -1: the kind has no grow call */
	unsigned long insert_failures;
	unsigned long buckets_start;
	size_t entry_alloc;
	atomic_t barrier;

	/* The sampler's. */
	struct hrtimer timer;
	struct grow_sample *samples;
	unsigned int nsamples;
	bool samples_full;
};

/**
 * struct grow_kind - how one table is driven
 * @name: the kind= of its records
 * @self_resizing: it has no grow call: it grows from a worker of its own
 * @init: give @g an empty table sized for GROW_START entries
 * @insert: insert an entry as a user of the table would, growing the
 *	table when its user has to; 0, or a refusal, counted and retried
 * @lookup: find @key, inside a read section of the table's kind; true if
 *	found with a good check word
 * @settle: optional: wait until resizes the table runs itself are over
 * @mem: the bucket array and link sizes, after the fill
 * @destroy: free the table and its entries (no reader is left)
 */
struct grow_kind {
	const char *name;
	bool self_resizing;
	int (*init)(struct grow_run *g);
	int (*insert)(struct grow_run *g, struct table_entry *e);
	bool (*lookup)(struct grow_run *g, u32 key);
	void (*settle)(struct grow_run *g);
	void (*mem)(struct grow_run *g, struct grow_mem *m);
	void (*destroy)(struct grow_run *g);
};

/* The size of the allocation behind @p, made for @bytes by kvmalloc(). */
static long long grow_alloc_size(const void *p, size_t bytes)
{
	return is_vmalloc_addr(p) ? PAGE_ALIGN(bytes) : ksize(p);
}

/* ---- smr_hash --------------------------------------------------------- */

static u64 grow_hash_key(const void *obj)
{
	return ((const struct table_entry *)obj)->key;
}

SMRH_TRAITS_DEFINE_SCALAR(grow_hash, grow_hash_key)

/*
 * The traits of the inline calls, built at each call from constants and
 * the domain (smr_bench_table.c's TABLE_HASH_TRAITS() says why); g->traits
 * holds the same for the calls out of line and smr_shash_init().
 */
#define GROW_HASH_TRAITS(g)						\
	(&SMRH_SCALAR_TRAITS(grow_hash, struct table_entry, hash_link,	\
			     (g)->smr))
#define GROW_SHASH_TRAITS(g)						\
	(&SMRH_SCALAR_TRAITS(grow_hash, struct table_entry, shash_link,	\
			     (g)->smr))

static int grow_hash_init(struct grow_run *g)
{
	g->traits = *GROW_HASH_TRAITS(g);
	mutex_init(&g->lock);
	g->grows = 0;
	g->grow_failures = 0;
	return smr_hash_init(&g->hash, GROW_START / GROW_RATIO);
}

static int grow_hash_insert(struct grow_run *g, struct table_entry *e)
{
	u64 t;
	int err;

	mutex_lock(&g->lock);
	smr_hash_serialized_insert(&g->hash, &e->hash_link,
				   GROW_HASH_TRAITS(g));
	if (!smr_hash_serialized_should_grow(&g->hash, GROW_RATIO)) {
		mutex_unlock(&g->lock);
		return 0;
	}
	t = ktime_get_ns();
	err = smr_hash_grow_and_unlock(&g->hash, &g->lock, &g->traits);
	t = ktime_get_ns() - t;
	g->grow_ns += t;
	g->grow_max_ns = max(g->grow_max_ns, t);
	/* A failed grow leaves the table working; the next insert retries. */
	if (err)
		g->grow_failures++;
	else
		g->grows++;
	return 0;
}

static bool grow_hash_lookup(struct grow_run *g, u32 key)
{
	struct table_entry *e;
	bool good;

	smr_enter(g->smr);
	e = smr_hash_entered_find(&g->hash, SMRH_SCALAR_KEY((u64)key),
				  GROW_HASH_TRAITS(g));
	good = e && e->check == table_check(key, e->version);
	smr_leave(g->smr);
	return good;
}

static void grow_hash_mem(struct grow_run *g, struct grow_mem *m)
{
	struct smrh_array *a;

	mutex_lock(&g->lock);
	a = smr_serialized_load(g->hash.array);
	m->buckets = 1UL << a->shift;
	m->array_bytes = struct_size(a, buckets, m->buckets);
	m->array_alloc = grow_alloc_size(a, m->array_bytes);
	m->link_bytes = sizeof(struct smrq_slink);
	mutex_unlock(&g->lock);
}

static void grow_kfree(void *obj)
{
	kfree(obj);
}

static void grow_hash_destroy(struct grow_run *g)
{
	mutex_lock(&g->lock);
	smr_hash_serialized_clear(&g->hash, &g->traits, grow_kfree);
	mutex_unlock(&g->lock);
	smr_hash_destroy(&g->hash);
	mutex_destroy(&g->lock);
}

/* ---- smr_shash ------------------------------------------------------- */

static int grow_shash_init(struct grow_run *g)
{
	g->traits = *GROW_SHASH_TRAITS(g);
	g->grows = 0;
	g->grow_failures = 0;
	return smr_shash_init(&g->shash, SMRSH_BALANCED, GROW_START,
			      &g->traits);
}

static int grow_shash_insert(struct grow_run *g, struct table_entry *e)
{
	void *old = smr_shash_get_or_insert(&g->shash,
					    SMRH_SCALAR_KEY((u64)e->key),
					    &e->shash_link, &g->traits);

	if (IS_ERR(old))
		return PTR_ERR(old);
	/* An entry of a key never inserted before: a refusal too. */
	return old ? -EEXIST : 0;
}

static bool grow_shash_lookup(struct grow_run *g, u32 key)
{
	struct table_entry *e;
	bool good;

	smr_enter(g->smr);
	e = smr_shash_entered_find(&g->shash, SMRH_SCALAR_KEY((u64)key),
				   GROW_SHASH_TRAITS(g));
	good = e && e->check == table_check(key, e->version);
	smr_leave(g->smr);
	return good;
}

/* Wait for the worker's last resize: none pending after a flush. */
static void grow_shash_settle(struct grow_run *g)
{
	do {
		smr_shash_flush(&g->shash);
	} while (delayed_work_pending(&g->shash.resize_work) &&
		 !bench_stopping());
}

static void grow_shash_mem(struct grow_run *g, struct grow_mem *m)
{
	struct smrsh_array *a;

	/* No resize runs meanwhile: its counters and array are stable. */
	mutex_lock(&g->shash.resize_lock);
	a = smr_serialized_load(g->shash.array);
	m->buckets = 1UL << a->shift;
	m->array_bytes = struct_size(a, buckets, m->buckets);
	m->array_alloc = grow_alloc_size(a, m->array_bytes);
	m->link_bytes = sizeof(struct smrq_slink);
	g->grows = g->shash.resizes;
	g->grow_failures = g->shash.alloc_failures;
	mutex_unlock(&g->shash.resize_lock);
}

static void grow_shash_destroy(struct grow_run *g)
{
	smr_shash_destroy(&g->shash, grow_kfree);
}

/* ---- rhashtable ------------------------------------------------------- */

/* smr_hash's hash function, for the same spread of the same keys. */
static u32 grow_rht_hash(const void *data, u32 len, u32 seed)
{
	return smrh_key_hash_u64(*(const u32 *)data, seed);
}

static const struct rhashtable_params grow_rht_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct table_entry, key),
	.head_offset = offsetof(struct table_entry, rht_link),
	.nelem_hint = GROW_START,
	.automatic_shrinking = true,
	.hashfn = grow_rht_hash,
};

static int grow_rht_init(struct grow_run *g)
{
	g->grows = -1;
	g->grow_failures = -1;
	return rhashtable_init(&g->rht, &grow_rht_params);
}

static int grow_rht_insert(struct grow_run *g, struct table_entry *e)
{
	return rhashtable_insert_fast(&g->rht, &e->rht_link, grow_rht_params);
}

static bool grow_rht_lookup(struct grow_run *g, u32 key)
{
	struct table_entry *e;
	bool good;

	rcu_read_lock();
	e = rhashtable_lookup(&g->rht, &key, grow_rht_params);
	good = e && e->check == table_check(key, e->version);
	rcu_read_unlock();
	return good;
}

/* Wait for the worker's last resize: no table after the current one. */
static void grow_rht_settle(struct grow_run *g)
{
	struct bucket_table *tbl;
	bool busy;

	do {
		flush_work(&g->rht.run_work);
		mutex_lock(&g->rht.mutex);
		tbl = rht_dereference(g->rht.tbl, &g->rht);
		busy = rht_dereference(tbl->future_tbl, &g->rht) ||
		       work_pending(&g->rht.run_work);
		mutex_unlock(&g->rht.mutex);
		if (busy)
			usleep_range(1000, 2000);
	} while (busy && !bench_stopping());
}

static void grow_rht_mem(struct grow_run *g, struct grow_mem *m)
{
	struct bucket_table *tbl;

	mutex_lock(&g->rht.mutex);
	tbl = rht_dereference(g->rht.tbl, &g->rht);
	m->buckets = tbl->size;
	m->nest = tbl->nest;
	m->array_bytes = struct_size(tbl, buckets, tbl->size);
	/* A nested table is a tree of pages, not this array. */
	m->array_alloc = tbl->nest ? -1 : grow_alloc_size(tbl, m->array_bytes);
	m->link_bytes = sizeof(struct rhash_head);
	mutex_unlock(&g->rht.mutex);
}

static void grow_rht_free_one(void *ptr, void *arg)
{
	kfree(ptr);
}

static void grow_rht_destroy(struct grow_run *g)
{
	rhashtable_free_and_destroy(&g->rht, grow_rht_free_one, NULL);
}

static const struct grow_kind grow_kinds[] = {
	{
		.name = "smr_hash",
		.init = grow_hash_init,
		.insert = grow_hash_insert,
		.lookup = grow_hash_lookup,
		.mem = grow_hash_mem,
		.destroy = grow_hash_destroy,
	},
	{
		.name = "rhashtable",
		.self_resizing = true,
		.init = grow_rht_init,
		.insert = grow_rht_insert,
		.lookup = grow_rht_lookup,
		.settle = grow_rht_settle,
		.mem = grow_rht_mem,
		.destroy = grow_rht_destroy,
	},
	{
		.name = "smr_shash",
		.self_resizing = true,
		.init = grow_shash_init,
		.insert = grow_shash_insert,
		.lookup = grow_shash_lookup,
		.settle = grow_shash_settle,
		.mem = grow_shash_mem,
		.destroy = grow_shash_destroy,
	},
};

/* ---- The run ---------------------------------------------------------- */

static enum hrtimer_restart grow_sample(struct hrtimer *timer)
{
	struct grow_run *g = container_of(timer, struct grow_run, timer);
	struct grow_sample *s;
	ktime_t now = ktime_get();
	unsigned int i;
	u64 sum = 0;

	if (g->nsamples < GROW_MAX_SAMPLES) {
		s = &g->samples[g->nsamples++];
		for (i = 0; i < g->readers; i++)
			sum += READ_ONCE(g->counts[i].lookups);
		s->t_ns = ktime_to_ns(now);
		s->lookups = sum;
	} else {
		g->samples_full = true;
	}
	/*
	 * The next window ends 10 ms after this sample, not on a fixed grid:
	 * a late tick then makes one longer window, not a long one and a
	 * sliver.
	 */
	hrtimer_set_expires(timer, ktime_add_ms(now, GROW_WINDOW_MS));
	return HRTIMER_RESTART;
}

/* Insert @key, retrying refusals. */
static int grow_insert(struct grow_run *g, u32 key)
{
	struct table_entry *e = table_new(key, 0);
	unsigned int tries;
	int err;

	if (!e)
		return -ENOMEM;
	if (!g->entry_alloc)
		g->entry_alloc = ksize(e);
	for (tries = 0; (err = g->kind->insert(g, e)); tries++) {
		g->insert_failures++;
		if (tries == GROW_INSERT_TRIES || bench_stopping()) {
			pr_err("grow: %s refused key %u %u times: %d\n",
			       g->kind->name, key, tries + 1, err);
			kfree(e);
			return err;
		}
		/* Let the table's worker resize it. */
		usleep_range(100, 200);
	}
	/* Pairs with the readers' acquire: the entry is in before. */
	smp_store_release(&g->filled, key + 1);
	return 0;
}

static int grow_writer(struct grow_run *g)
{
	u32 key;
	int err = 0;

	bench_thread_barrier(&g->barrier, g->readers + 1, 1);
	hrtimer_start(&g->timer, ms_to_ktime(GROW_WINDOW_MS),
		      HRTIMER_MODE_REL_PINNED_HARD);
	/* A few windows before the fill, for the plot. */
	msleep(5 * GROW_WINDOW_MS);
	g->fill0 = ktime_get_ns();
	for (key = GROW_START; key < bench_grow_entries && !err; key++) {
		if (READ_ONCE(g->stop))
			break;	/* a reader failed: its error is the run's */
		err = bench_stopping() ? -EINTR : grow_insert(g, key);
		if (!(key % 256))
			cond_resched();
	}
	g->fill1 = ktime_get_ns();
	if (!err && g->kind->settle)
		g->kind->settle(g);
	g->steady0 = ktime_get_ns();
	if (!err && !READ_ONCE(g->stop))
		msleep(bench_grow_steady_ms);
	g->steady1 = ktime_get_ns();
	WRITE_ONCE(g->stop, true);
	hrtimer_cancel(&g->timer);
	return err;
}

static int grow_reader(struct grow_run *g, unsigned int id)
{
	struct grow_count *c = &g->counts[id - 1];
	u32 state = 0x9e3779b9 * id, key, n = 0;
	unsigned long i;

	bench_thread_barrier(&g->barrier, g->readers + 1, 1);
	for (i = 0; !READ_ONCE(g->stop); i++) {
		/* The writer's line, read now and then. */
		if (!(i % 256)) {
			/* Pairs with grow_insert(): keys below n are in. */
			n = smp_load_acquire(&g->filled);
			cond_resched();
		}
		key = ((u64)table_random(&state) * n) >> 32;
		if (!g->kind->lookup(g, key)) {
			pr_err("grow: %s: key %u of the %u present not found or bad\n",
			       g->kind->name, key, n);
			WRITE_ONCE(g->stop, true);
			return -EIO;
		}
		WRITE_ONCE(c->lookups, c->lookups + 1);
	}
	return 0;
}

static int grow_thread(unsigned int id, void *arg)
{
	return id ? grow_reader(arg, id) : grow_writer(arg);
}

static const char *grow_phase(struct grow_run *g, u64 t0, u64 t1)
{
	if (t1 <= g->fill0)
		return "pre";
	if (t0 >= g->fill0 && t1 <= g->fill1)
		return "grow";
	if (t0 >= g->fill1 && t1 <= g->steady0)
		return "settle";
	if (t0 >= g->steady0 && t1 <= g->steady1)
		return "steady";
	return "edge";
}

/* Lookups of window @i (1 .. nsamples - 1) per GROW_WINDOW_MS. */
static u64 grow_per_window(struct grow_run *g, unsigned int i)
{
	u64 dt = g->samples[i].t_ns - g->samples[i - 1].t_ns;
	u64 n = g->samples[i].lookups - g->samples[i - 1].lookups;

	return dt ? div64_u64(n * GROW_WINDOW_MS * NSEC_PER_MSEC, dt) : 0;
}

/* @a / @b with three decimals, "n.nnn"; -1 when @b is 0. */
static void grow_ratio(char *buf, size_t len, u64 a, u64 b)
{
	u64 milli = b ? div64_u64(a * 1000, b) : 0;

	if (b)
		snprintf(buf, len, "%llu.%03llu", milli / 1000, milli % 1000);
	else
		snprintf(buf, len, "-1");
}

static void grow_report(struct grow_run *g, u64 *per)
{
	unsigned int i, nwin = 0, nsteady = 0, stride, printed = 0;
	u64 steady_n = 0, steady_ns = 0, steady = 0, v, gmin = 0, gmed = 0;
	u64 gp10 = 0;
	char min_ratio[24], med_ratio[24];
	struct grow_mem m = { 0 };
	const char *phase;
	s64 t;

	for (i = 1; i < g->nsamples; i++) {
		phase = grow_phase(g, g->samples[i - 1].t_ns, g->samples[i].t_ns);
		if (!strcmp(phase, "grow")) {
			per[nwin++] = grow_per_window(g, i);
		} else if (!strcmp(phase, "steady")) {
			nsteady++;
			steady_n += g->samples[i].lookups -
				    g->samples[i - 1].lookups;
			steady_ns += g->samples[i].t_ns - g->samples[i - 1].t_ns;
		}
	}
	if (steady_ns)
		steady = div64_u64(steady_n * GROW_WINDOW_MS * NSEC_PER_MSEC,
				   steady_ns);
	if (nwin) {
		bench_sort_u64(per, nwin);
		gmin = per[0];
		gp10 = per[nwin / 10];
		gmed = per[nwin / 2];
	}
	grow_ratio(min_ratio, sizeof(min_ratio), gmin, nwin ? steady : 0);
	grow_ratio(med_ratio, sizeof(med_ratio), gmed, nwin ? steady : 0);
	g->kind->mem(g, &m);
	stride = DIV_ROUND_UP(max(g->nsamples, 1U), GROW_PRINT_MAX);
	for (i = 1; i < g->nsamples; i += stride) {
		t = div_s64((s64)(g->samples[i].t_ns - g->fill0), NSEC_PER_USEC);
		v = grow_per_window(g, i);
		bench_printk("growwin kind=%s run=%u phase=%s t_us=%lld lookups=%llu per_10ms=%llu",
			     g->kind->name, g->run,
			     grow_phase(g, g->samples[i - 1].t_ns,
					g->samples[i].t_ns), t,
			     g->samples[i].lookups - g->samples[i - 1].lookups,
			     v);
		printed++;
	}
	bench_printk("grow kind=%s run=%u readers=%u start=%u entries=%u fill_us=%llu settle_us=%llu grows=%ld grow_us=%lld grow_max_us=%lld grow_failures=%ld insert_failures=%lu buckets_start=%lu buckets=%lu windows=%u min=%lld p10=%lld median=%lld steady_windows=%u steady=%lld min_ratio=%s median_ratio=%s printed=%u stride=%u samples_full=%d",
		     g->kind->name, g->run, g->readers, GROW_START,
		     bench_grow_entries,
		     div_u64(g->fill1 - g->fill0, NSEC_PER_USEC),
		     div_u64(g->steady0 - g->fill1, NSEC_PER_USEC),
		     g->grows,
		     g->kind->self_resizing ? -1LL :
		     (s64)div_u64(g->grow_ns, NSEC_PER_USEC),
		     g->kind->self_resizing ? -1LL :
		     (s64)div_u64(g->grow_max_ns, NSEC_PER_USEC),
		     g->grow_failures, g->insert_failures, g->buckets_start,
		     m.buckets, nwin, nwin ? (s64)gmin : -1LL,
		     nwin ? (s64)gp10 : -1LL, nwin ? (s64)gmed : -1LL, nsteady,
		     nsteady ? (s64)steady : -1LL, min_ratio, med_ratio,
		     printed, stride, g->samples_full);
	/* array_alloc / entries + link_bytes, with three decimals. */
	if (m.array_alloc < 0)
		snprintf(min_ratio, sizeof(min_ratio), "-1");
	else
		grow_ratio(min_ratio, sizeof(min_ratio),
			   (u64)m.array_alloc +
			   (u64)m.link_bytes * bench_grow_entries,
			   bench_grow_entries);
	bench_printk("growmem kind=%s run=%u entries=%u buckets=%lu nest=%d array_bytes=%zu array_alloc=%lld link_bytes=%zu entry_bytes=%zu entry_alloc=%zu bytes_per_entry=%s",
		     g->kind->name, g->run, bench_grow_entries, m.buckets,
		     m.nest, m.array_bytes, m.array_alloc, m.link_bytes,
		     sizeof(struct table_entry), g->entry_alloc, min_ratio);
}

/* One fill of @kind's table, with readers, then its steady run. */
static int grow_one(const struct grow_kind *kind, struct smr *smr,
		    unsigned int run)
{
	/* Off the stack: an rhashtable is large with lockdep. */
	struct grow_run *g = kzalloc(sizeof(*g), GFP_KERNEL);
	struct grow_mem m = { 0 };
	bool table = false;
	u64 *per = NULL;
	u32 key;
	int err = -ENOMEM;

	if (!g)
		return -ENOMEM;
	g->kind = kind;
	g->smr = smr;
	g->run = run;
	g->readers = max(bench_ncpus(), 2U) - 1;
	g->counts = kcalloc(g->readers, sizeof(*g->counts), GFP_KERNEL);
	g->samples = vmalloc(array_size(GROW_MAX_SAMPLES,
					sizeof(*g->samples)));
	per = vmalloc(array_size(GROW_MAX_SAMPLES, sizeof(*per)));
	if (!g->counts || !g->samples || !per)
		goto out;
	hrtimer_init(&g->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	g->timer.function = grow_sample;
	smr_hash_init_empty(&g->hash);
	err = kind->init(g);
	if (err)
		goto out;
	table = true;
	for (key = 0; key < GROW_START && !err; key++)
		err = grow_insert(g, key);
	if (err)
		goto out;
	kind->mem(g, &m);
	g->buckets_start = m.buckets;
	/* Thread 0 writes, on the first CPU; the readers on the others. */
	err = bench_run_threads(g->readers + 1, grow_thread, g);
	if (!err && READ_ONCE(g->filled) < bench_grow_entries)
		err = -EIO;
	if (!err)
		grow_report(g, per);
out:
	if (table)
		kind->destroy(g);
	vfree(per);
	vfree(g->samples);
	kfree(g->counts);
	kfree(g);
	return err;
}

/**
 * bench_grow() - lookups per 10 ms while smr_hash, smr_shash and
 *	rhashtable grow from GROW_START to grow_entries entries, against
 *	their steady rate; the time the fill takes; bytes per entry at the
 *	end
 *
 * Return: 0 or a negative errno.
 */
int bench_grow(void)
{
	struct smr *smr = smr_domain_create(SMR_NONE, "bench-grow");
	unsigned int run, k;
	int err = 0;

	if (!smr)
		return -ENOMEM;
	for (run = 0; run < bench_grow_runs && !err; run++) {
		for (k = 0; k < ARRAY_SIZE(grow_kinds) && !err; k++) {
			bench_progress("grow: %s, run %u", grow_kinds[k].name,
				       run);
			err = bench_stopping() ? -EINTR :
			      grow_one(&grow_kinds[k], smr, run);
		}
	}
	smr_domain_free(smr);
	/* rhashtable frees its old bucket tables after a grace period. */
	rcu_barrier();
	return err;
}
