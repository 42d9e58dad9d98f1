// SPDX-License-Identifier: GPL-2.0
/*
 * Torture test for smr, after rcutorture's pipeline.
 *
 * Writers keep replacing the objects published in a small array of __smr
 * slots.  A replaced object is retired with a goal from the domain; each
 * time the writer finds the goal reached it ages the object by one, and
 * after SMR_TORTURE_PIPE_LEN ages the object is poisoned and recycled.
 * Readers load an object inside a section, linger, and look at it again:
 * since the object was still published when their section began, its goal
 * cannot be reached before they leave, so a reader that sees an age above
 * zero, or poison, has caught smr letting memory go too early.
 *
 * Retired objects go one of four ways (retire=mixed rotates them): the
 * pipeline above; smr_call(), whose callback poisons and frees the object;
 * smr_cache_free(), after which a reuse bumps the object's generation,
 * which readers also check; or smr_kfree(), after which only KASAN (or
 * slab poisoning, which readers see as a bad magic) catches an early free.
 * flavour=sleepable adds sleepable readers that sometimes sleep inside
 * their section.
 *
 * Beside them, smr_torture_hash.c keeps an smr_hash and an smr_shash
 * under insertions, removals, back-to-back resizes and reseeds, and every
 * eighth read looks keys up in both: a stable key must always be found.
 *
 * The rare paths have workloads of their own (see "Rare paths" below):
 * quiet periods in which the writers pause with one callback and a few
 * cache batches pending (quiet_ms), an idle queuer that queues callbacks
 * on a CPU it then leaves idle, a nohz_full one when there is one
 * (idle_calls, idle_cpu), sleepable readers that allocate and shrink the
 * cache inside their sections, optionally under real memory pressure
 * (pressure), cache objects freed from a softirq and from inside sections
 * (ctx_frees), and injected batch-allocation failures (cache_fail, through
 * smr_cache's test hook).  Callbacks, cache batches and probes
 * that do not complete within SMR_TORTURE_LIVE_MS, and callbacks still
 * pending after the final smr_barrier(), fail the run.
 *
 * busted=1 makes the writers trust a poll that declares success one step
 * early (and retire every object through the pipeline, which that poll
 * drives); the run must then end in FAILURE, which proves the test can
 * fail.  busted=2 (with hotplug_ms) makes smr leave every CPU that comes
 * online out of the CPUs its scans look at (smr_tick_test_skip_online()):
 * readers there are then invisible to polls, and the run must fail too.
 *
 * The run lasts duration seconds, prints a summary every stat_interval
 * seconds and ends with "smr_torture: SUCCESS ..." or "smr_torture:
 * FAILURE ...".  The module stays loaded until removed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tick.h>
#include <linux/vmstat.h>
#include <linux/wait.h>

#include "smr.h"
#include "smr_queue.h"
#include "smr_torture.h"

/*
 * Random numbers for readers, hardirq readers and the rest.  The kernel's
 * get_random_*() takes a spinlock_t, which sleeps on PREEMPT_RT, so it
 * cannot be used inside a section or from a hard interrupt: each CPU has
 * its own prandom state instead (an interrupt that races a task on the
 * same CPU only perturbs the sequence).
 */
static DEFINE_PER_CPU(struct rnd_state, torture_rnd);

static u32 torture_random_below(u32 ceil)
{
	struct rnd_state *state = get_cpu_ptr(&torture_rnd);
	u32 v = prandom_u32_state(state);

	put_cpu_ptr(&torture_rnd);
	return (u32)(((u64)v * ceil) >> 32);
}

static void torture_random_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		prandom_seed_state(per_cpu_ptr(&torture_rnd, cpu),
				   get_random_u64());
}

/* Fail every Nth smr_cache batch allocation (smr_cache's test hook). */
#define SMR_TORTURE_CACHE_FAIL	64

static unsigned int duration = 60;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "Run time in seconds (1-86400)");

static unsigned int nreaders;
module_param(nreaders, uint, 0444);
MODULE_PARM_DESC(nreaders, "Reader threads (0: one per online CPU; at most 64)");

static unsigned int nwriters = 1;
module_param(nwriters, uint, 0444);
MODULE_PARM_DESC(nwriters, "Writer threads (1-8)");

static char *flavour = "default";
module_param(flavour, charp, 0444);
MODULE_PARM_DESC(flavour, "Domain flavour: default, lazy, deferred or sleepable");

static char *retire = "mixed";
module_param(retire, charp, 0444);
MODULE_PARM_DESC(retire, "How objects are reclaimed: mixed, pipeline, call, cache or kfree");

static unsigned int hotplug_ms;
module_param(hotplug_ms, uint, 0444);
MODULE_PARM_DESC(hotplug_ms, "Offline/online a CPU this often (0: never; 10-60000)");

static unsigned int busted;
module_param(busted, uint, 0444);
MODULE_PARM_DESC(busted, "1: trust a poll that succeeds one step early; 2: scans skip CPUs that come online (needs hotplug_ms); either must FAIL");

static unsigned int stat_interval = 10;
module_param(stat_interval, uint, 0444);
MODULE_PARM_DESC(stat_interval, "Seconds between summary lines (1-3600)");

static unsigned int reader_delay_us = 20;
module_param(reader_delay_us, uint, 0444);
MODULE_PARM_DESC(reader_delay_us, "Longest linger inside a section (0-1000 us)");

static unsigned int quiet_ms = 1000;
module_param(quiet_ms, uint, 0444);
MODULE_PARM_DESC(quiet_ms, "Writers pause this long after each 4*quiet_ms of work, a callback and cache batches pending (0: never; 10-60000)");

static unsigned int idle_calls = 4;
module_param(idle_calls, uint, 0444);
MODULE_PARM_DESC(idle_calls, "Callbacks the idle queuer queues before it leaves its CPU idle (0: no idle queuer; at most 16)");

static int torture_idle_cpu = -1;
module_param_named(idle_cpu, torture_idle_cpu, int, 0444);
MODULE_PARM_DESC(idle_cpu, "CPU of the idle queuer (-1: the last nohz_full CPU, else the last online CPU)");

static unsigned int pressure = 1;
module_param(pressure, uint, 0444);
MODULE_PARM_DESC(pressure, "flavour=sleepable: 0 off; 1 sleepable readers allocate and shrink the cache inside their sections; 2 also under real memory pressure");

static bool shrink_wait;
module_param(shrink_wait, bool, 0444);
MODULE_PARM_DESC(shrink_wait, "pressure: now and then shrink the cache waiting for goals, inside a section, as direct reclaim does");

static bool ctx_frees = true;
module_param(ctx_frees, bool, 0444);
MODULE_PARM_DESC(ctx_frees, "Free cache objects readers may see from a softirq and from inside sections");

static unsigned int cache_fail = SMR_TORTURE_CACHE_FAIL;
module_param(cache_fail, uint, 0444);
MODULE_PARM_DESC(cache_fail, "Fail every Nth smr_cache batch allocation (0: never; default 64)");

#define SMR_TORTURE_MAX_READERS	64
#define SMR_TORTURE_MAX_WRITERS	8
#define SMR_TORTURE_SLOTS	16	/* replaced by the writers */
#define SMR_TORTURE_IRQ_SLOTS	4	/* replaced by the softirq updater */
#define SMR_TORTURE_ALL_SLOTS	(SMR_TORTURE_SLOTS + SMR_TORTURE_IRQ_SLOTS)
#define SMR_TORTURE_PIPE_LEN	8
#define SMR_TORTURE_POOL_MIN	64	/* recycle only objects poisoned long ago */
#define SMR_TORTURE_MAX_RETIRED	100000	/* then synchronize to catch up */
#define SMR_TORTURE_QUEUE_LEN	32	/* objects kept on torture_queue */
#define SMR_TORTURE_LIVE	0x5afe5afe5afe5afeUL
#define SMR_TORTURE_POISON	0x6b6b6b6b6b6b6b6bUL
/* What must happen without further calls does so within this (liveness). */
#define SMR_TORTURE_LIVE_MS	10000
#define SMR_TORTURE_IDLE_MAX	16	/* idle_calls */
/* Objects a quiet period frees into the probe cache: batches of them. */
#define SMR_TORTURE_PROBE_OBJS	256
/* smr_cache.c's SMR_CACHE_BATCH: objects that may stay in a partial batch. */
#define SMR_TORTURE_CACHE_BATCH	32
#define SMR_TORTURE_PRESSURE_BYTES	(4 * PAGE_SIZE)
#define SMR_TORTURE_PRESSURE_OBJS	4	/* cache objects per pressure read */
#define SMR_TORTURE_SNAP	8	/* objects a pressure read looks at */
#define SMR_TORTURE_HOG_ORDER	4	/* the memory hog's chunks */

enum torture_kind {
	TORTURE_PIPELINE,	/* aged by the writer's polls, then recycled */
	TORTURE_CALL,		/* smr_call(): poisoned and freed by the callback */
	TORTURE_CACHE,		/* smr_cache_free(): reused by smr_cache_alloc() */
	TORTURE_KFREE,		/* smr_kfree(): freed by smr, no callback */
	TORTURE_KINDS,
};

struct torture_obj {
	unsigned long magic;
	unsigned int age;
	unsigned int gen;		/* bumped on every reuse from the cache */
	enum torture_kind kind;
	unsigned long goal;
	unsigned long queued;		/* jiffies of its smr_call() */
	struct list_head node;		/* writer's retired list or pool */
	struct smr_node call;
	struct smrq_link qlink;		/* on torture_queue */
};

/* What a reader saw at its first look at an object. */
struct torture_look {
	unsigned int gen, age;
};

struct torture_reader {
	struct task_struct *task;
	unsigned long reads;
	unsigned long errors;
	unsigned int max_age;
	unsigned long pressure_allocs;	/* inside sleepable sections */
	unsigned long shrunk;		/* by smr_cache_shrink() in sections */
	unsigned long shrink_waits;	/* of them with wait == true */
	unsigned long shrink_contended;	/* wanted to wait, another did */
	unsigned long reclaims;		/* direct reclaims during pressure_work */
};

struct torture_writer {
	struct task_struct *task;
	unsigned int id;
	struct list_head retired;	/* by goal, oldest first */
	struct list_head pool;		/* poisoned, oldest first */
	unsigned long nretired, npool;
	unsigned long updates, wraps, last_goal;
	unsigned long cache_frees, section_frees, kfrees;
};

/* A callback a liveness check waits for. */
struct torture_probe {
	struct smr_node call;
	unsigned long queued;		/* jiffies */
	atomic_t *pending;		/* of its set; the last one wakes */
};

/* The idle queuer: callbacks queued on a CPU that then goes idle. */
struct torture_idle {
	struct task_struct *task;
	int cpu;
	bool nohz_full;			/* @cpu is a nohz_full CPU */
	atomic_t pending;
	struct torture_probe probes[SMR_TORTURE_IDLE_MAX];
	unsigned long cycles, stuck;
};

/* The quiet periods: writers pause, a callback and cache batches pending. */
struct torture_quiet {
	struct task_struct *task;
	atomic_t paused;		/* writers that have stopped */
	atomic_t pending;
	struct torture_probe probe;
	struct smr_cache *cache;	/* the probe cache, only used here */
	void *objs[SMR_TORTURE_PROBE_OBJS];
	unsigned long periods, stuck, cache_stuck;
};

/* Counters of the rare paths for the summary. */
struct torture_rare {
	atomic_long_t calls_queued;	/* smr_call()s of the torture */
	atomic_long_t cb_max_lat;	/* jiffies, queue to callback */
	atomic_long_t idle_max_lat;	/* jiffies, idle queuer */
	unsigned long irq_frees;	/* by the softirq updater */
	unsigned long softirq_runs;
	unsigned long hog_max_mb;	/* most memory the hog held */
};

static struct smr *torture_smr;
static struct smr_cache *torture_cache;
static bool torture_lazy, torture_sleepable;
static int torture_retire = -1;		/* one kind, or -1 to rotate */
static atomic_long_t torture_calls_run;
static struct smrq_tailq_head torture_queue = SMRQ_TAILQ_HEAD_INIT(torture_queue);
static DEFINE_MUTEX(torture_queue_lock);	/* serializes queue writers */
static unsigned int torture_queue_len;
static unsigned long torture_step;	/* distance between two goals */
static struct torture_obj __smr *torture_slots[SMR_TORTURE_ALL_SLOTS];
/* Thread readers, then the softirq and the hardirq reader. */
static struct torture_reader torture_readers[SMR_TORTURE_MAX_READERS + 2];
static struct torture_reader *torture_softirq_reader, *torture_hardirq_reader;
static struct timer_list torture_softirq_timer;
static struct hrtimer torture_hardirq_timer;
static bool torture_irq_readers_on;
static struct torture_writer torture_writers[SMR_TORTURE_MAX_WRITERS];
static struct task_struct *torture_main_task, *torture_hotplug_task;
static struct task_struct *torture_hog_task;
static unsigned long torture_hotplug_ops;
static struct torture_idle torture_idle = { .cpu = -1 };
static struct torture_quiet torture_quiet;
static struct torture_rare torture_rare;
static unsigned int torture_pressure;	/* pressure, if sleepable readers */
static bool torture_quiet_now;		/* writers and updaters pause */
static DECLARE_WAIT_QUEUE_HEAD(torture_quiet_wq);	/* the writers wait */
static DECLARE_WAIT_QUEUE_HEAD(torture_probe_wq);	/* probe waiters */
static DEFINE_MUTEX(torture_shrink_lock);	/* one waiting shrink at a time */
static cpumask_var_t torture_busy_mask;	/* everything but the idle CPU */

/* Sleep for @ms, or until the thread is asked to stop. */
static void torture_sleep_ms(unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!kthread_should_stop() && time_before(jiffies, end))
		schedule_timeout_idle(min_t(long, end - jiffies, HZ / 10));
}

static void torture_max(atomic_long_t *max, long v)
{
	long old = atomic_long_read(max);

	while (v > old && !atomic_long_try_cmpxchg(max, &old, v))
		;
}

/* ---- Readers ---------------------------------------------------------- */

static void torture_look(struct torture_obj *obj, struct torture_look *l)
{
	l->gen = READ_ONCE(obj->gen);
	l->age = READ_ONCE(obj->age);
}

/* The second look: false if the object went bad since the first. */
static bool torture_relook(struct torture_obj *obj, struct torture_look *l,
			   unsigned int *age)
{
	*age = max(l->age, READ_ONCE(obj->age));
	return !*age && READ_ONCE(obj->magic) == SMR_TORTURE_LIVE &&
	       READ_ONCE(obj->gen) == l->gen;
}

/* Look at the object twice, lingering in between; false if it went bad. */
static bool torture_check(struct torture_obj *obj, unsigned int *age,
			  bool may_sleep)
{
	struct torture_look l;

	torture_look(obj, &l);
	if (may_sleep && torture_random_below(16) == 0)
		usleep_range(10, 50);
	else if (reader_delay_us)
		udelay(torture_random_below(reader_delay_us + 1));
	return torture_relook(obj, &l, age);
}

static void torture_count(struct torture_reader *r, bool ok, unsigned int age)
{
	r->reads++;
	r->max_age = max(r->max_age, age);
	if (!ok)
		r->errors++;
}

static struct torture_obj *torture_pick(void)
{
	return smr_entered_load(torture_slots[torture_random_below(SMR_TORTURE_ALL_SLOTS)]);
}

static void torture_read_one(struct torture_reader *r)
{
	struct torture_obj *obj;
	unsigned int age = 0;
	bool ok = true;

	if (torture_lazy)
		smr_lazy_enter(torture_smr);
	else
		smr_enter(torture_smr);
	obj = torture_pick();
	if (obj)
		ok = torture_check(obj, &age, false);
	if (torture_lazy)
		smr_lazy_leave(torture_smr);
	else
		smr_leave(torture_smr);
	if (obj)
		torture_count(r, ok, age);
}

/* Look keys up in the hash workload's table (smr_torture_hash.c). */
static void torture_read_hash(struct torture_reader *r)
{
	unsigned int stable = torture_random_below(SMR_TORTURE_HASH_STABLE);
	unsigned int churn = torture_random_below(SMR_TORTURE_HASH_CHURN);
	bool ok;

	if (torture_lazy)
		smr_lazy_enter(torture_smr);
	else
		smr_enter(torture_smr);
	ok = torture_hash_lookup(stable, churn);
	if (torture_lazy)
		smr_lazy_leave(torture_smr);
	else
		smr_leave(torture_smr);
	torture_count(r, ok, 0);
}

/* Walk the whole queue in one section; every element must be live. */
static void torture_read_queue(struct torture_reader *r)
{
	struct torture_obj *obj;
	unsigned int age = 0;
	bool ok = true;

	if (torture_lazy)
		smr_lazy_enter(torture_smr);
	else
		smr_enter(torture_smr);
	smrq_entered_foreach(obj, &torture_queue, qlink) {
		age = max(age, READ_ONCE(obj->age));
		ok &= READ_ONCE(obj->magic) == SMR_TORTURE_LIVE;
	}
	if (torture_lazy)
		smr_lazy_leave(torture_smr);
	else
		smr_leave(torture_smr);
	torture_count(r, ok && !age, age);
}

static void torture_read_sleepable(struct torture_reader *r)
{
	struct smr_tracker tracker;
	struct torture_obj *obj;
	unsigned int age = 0;
	bool ok = true;

	smr_enter_sleepable(torture_smr, &tracker);
	obj = torture_pick();
	if (obj)
		ok = torture_check(obj, &age, true);
	smr_leave_sleepable(torture_smr, &tracker);
	if (obj)
		torture_count(r, ok, age);
}

/* Objects a pressure reader looks at: its slot's and the queue's oldest. */
struct torture_snap {
	unsigned int n;
	struct torture_obj *obj[SMR_TORTURE_SNAP];
	struct torture_look look[SMR_TORTURE_SNAP];
};

static void torture_snap_add(struct torture_snap *s, struct torture_obj *obj)
{
	if (!obj || s->n == SMR_TORTURE_SNAP)
		return;
	s->obj[s->n] = obj;
	torture_look(obj, &s->look[s->n++]);
}

/* Inside the section: the next ones to be retired are the queue's head. */
static void torture_snap_take(struct torture_snap *s)
{
	struct torture_obj *obj;

	s->n = 0;
	torture_snap_add(s, torture_pick());
	smrq_entered_foreach(obj, &torture_queue, qlink) {
		if (s->n == SMR_TORTURE_SNAP)
			break;
		torture_snap_add(s, obj);
	}
}

static bool torture_snap_check(struct torture_snap *s, unsigned int *age)
{
	unsigned int i, a;
	bool ok = true;

	*age = 0;
	for (i = 0; i < s->n; i++) {
		ok &= torture_relook(s->obj[i], &s->look[i], &a);
		*age = max(*age, a);
	}
	return ok;
}

/*
 * Inside a sleepable section: shrink the cache -- now and then, one
 * reader at a time, waiting, as direct reclaim does it, for goals that
 * may be this very section's -- then take objects of the cache and some
 * pages with GFP_KERNEL (no retries: the hog must not end in the OOM
 * killer).  The objects get a new generation and poison: fresh ones come
 * first from what the shrink just gave back to the slab on this CPU, so
 * a shrink that released what this section still sees is caught.
 */
/* Direct reclaims of GFP_KERNEL allocations on this CPU so far. */
static unsigned long torture_reclaims(void)
{
#ifdef CONFIG_VM_EVENT_COUNTERS
	return this_cpu_read(vm_event_states.event[ALLOCSTALL_NORMAL]);
#else
	return 0;
#endif
}

/*
 * Allocate SMR_TORTURE_PRESSURE_OBJS objects and a few pages inside the
 * section, counting the direct reclaims on this CPU meanwhile.
 */
static void *torture_pressure_alloc(struct torture_reader *r,
				    struct torture_obj **mine)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	unsigned long reclaims;
	unsigned int i;
	void *pages;

	migrate_disable();
	reclaims = torture_reclaims();
	pages = kmalloc(SMR_TORTURE_PRESSURE_BYTES, gfp);
	for (i = 0; i < SMR_TORTURE_PRESSURE_OBJS; i++)
		mine[i] = smr_cache_alloc(torture_cache, gfp);
	r->reclaims += torture_reclaims() - reclaims;
	migrate_enable();
	return pages;
}

static void torture_pressure_work(struct torture_reader *r)
{
	struct torture_obj *mine[SMR_TORTURE_PRESSURE_OBJS];
	bool wait = shrink_wait && torture_random_below(16) == 0;
	unsigned int i;
	void *pages;

	if (wait && !mutex_trylock(&torture_shrink_lock)) {
		wait = false;
		r->shrink_contended++;
	}
	r->shrunk += smr_cache_shrink(torture_cache, wait);
	if (wait) {
		r->shrink_waits++;
		mutex_unlock(&torture_shrink_lock);
	}
	pages = torture_pressure_alloc(r, mine);
	for (i = 0; i < ARRAY_SIZE(mine); i++) {
		if (!mine[i])
			continue;
		r->pressure_allocs++;
		mine[i]->kind = TORTURE_CACHE;
		WRITE_ONCE(mine[i]->gen, mine[i]->gen + 1);
		WRITE_ONCE(mine[i]->magic, SMR_TORTURE_POISON);
	}
	kfree(pages);
	for (i = 0; i < ARRAY_SIZE(mine); i++)
		smr_cache_free(torture_cache, mine[i]);
}

/* A sleepable reader whose section spans torture_pressure_work(). */
static void torture_read_pressure(struct torture_reader *r)
{
	struct smr_tracker tracker;
	struct torture_snap snap;
	unsigned int age;
	bool ok;

	smr_enter_sleepable(torture_smr, &tracker);
	torture_snap_take(&snap);
	torture_pressure_work(r);
	ok = torture_snap_check(&snap, &age);
	smr_leave_sleepable(torture_smr, &tracker);
	if (snap.n)
		torture_count(r, ok, age);
}

static struct torture_obj *torture_cache_get(gfp_t gfp);

/* The softirq updater: replace an object of the irq slots, free it here. */
static void torture_irq_update(void)
{
	unsigned int slot = SMR_TORTURE_SLOTS +
			    torture_random_below(SMR_TORTURE_IRQ_SLOTS);
	struct torture_obj *obj, *old;

	if (READ_ONCE(torture_quiet_now))
		return;
	obj = torture_cache_get(GFP_ATOMIC | __GFP_NOWARN);
	if (!obj)
		return;
	old = smr_serialized_swap(torture_slots[slot], obj);
	smr_cache_free(torture_cache, old);
	torture_rare.irq_frees++;
}

/*
 * Interrupt-context readers: their sections land on top of thread readers'
 * sections on the same CPU and must use their own slots.
 */
static void torture_softirq_fn(struct timer_list *t)
{
	torture_read_one(torture_softirq_reader);
	if (ctx_frees && ++torture_rare.softirq_runs % 4 == 0)
		torture_irq_update();
	if (READ_ONCE(torture_irq_readers_on))
		mod_timer(t, jiffies + 1);
}

static enum hrtimer_restart torture_hardirq_fn(struct hrtimer *t)
{
	torture_read_one(torture_hardirq_reader);
	if (!READ_ONCE(torture_irq_readers_on))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(500 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void torture_irq_readers_start(void)
{
	torture_softirq_reader = &torture_readers[nreaders];
	torture_hardirq_reader = &torture_readers[nreaders + 1];
	WRITE_ONCE(torture_irq_readers_on, true);
	timer_setup(&torture_softirq_timer, torture_softirq_fn, 0);
	mod_timer(&torture_softirq_timer, jiffies + 1);
	hrtimer_init(&torture_hardirq_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_HARD);
	torture_hardirq_timer.function = torture_hardirq_fn;
	hrtimer_start(&torture_hardirq_timer, ns_to_ktime(500 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
}

static void torture_irq_readers_stop(void)
{
	if (!torture_softirq_reader)
		return;
	WRITE_ONCE(torture_irq_readers_on, false);
	timer_delete_sync(&torture_softirq_timer);
	hrtimer_cancel(&torture_hardirq_timer);
	torture_softirq_reader = NULL;
}

static int torture_reader_fn(void *arg)
{
	struct torture_reader *r = arg;
	/* With flavour=sleepable, every other reader thread may sleep. */
	bool sleepable = torture_sleepable && (r - torture_readers) % 2;
	unsigned long n = 0;

	while (!kthread_should_stop()) {
		n++;
		if (sleepable && torture_pressure && n % 4 == 0 &&
		    !READ_ONCE(torture_quiet_now))
			torture_read_pressure(r);
		else if (sleepable)
			torture_read_sleepable(r);
		else if (r->reads % 8 == 7)
			torture_read_queue(r);
		else if (r->reads % 8 == 3 && busted != 2)	/* no tables */
			torture_read_hash(r);
		else
			torture_read_one(r);
		cond_resched();
	}
	return 0;
}

/* ---- Writers ---------------------------------------------------------- */

static bool torture_reached(unsigned long goal)
{
	/* busted: a broken poll that is satisfied one step early. */
	return smr_poll(torture_smr, busted == 1 ? goal - torture_step : goal);
}

static void torture_obj_init(struct torture_obj *obj, enum torture_kind kind)
{
	obj->kind = kind;
	WRITE_ONCE(obj->age, 0);
	WRITE_ONCE(obj->magic, SMR_TORTURE_LIVE);
}

static struct torture_obj *torture_cache_get(gfp_t gfp)
{
	struct torture_obj *obj = smr_cache_alloc(torture_cache, gfp);

	if (!obj)
		return NULL;
	WRITE_ONCE(obj->gen, obj->gen + 1);
	torture_obj_init(obj, TORTURE_CACHE);
	return obj;
}

/* Writers allocate as usual, but without the OOM killer under the hog. */
static gfp_t torture_writer_gfp(void)
{
	if (torture_pressure >= 2)
		return GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	return GFP_KERNEL;
}

static struct torture_obj *torture_obj_get(struct torture_writer *w,
					   enum torture_kind kind)
{
	struct torture_obj *obj;

	if (kind == TORTURE_CACHE)
		return torture_cache_get(torture_writer_gfp());
	if (kind == TORTURE_PIPELINE && w->npool > SMR_TORTURE_POOL_MIN) {
		obj = list_first_entry(&w->pool, struct torture_obj, node);
		list_del(&obj->node);
		w->npool--;
	} else {
		obj = kzalloc(sizeof(*obj), torture_writer_gfp());
		if (!obj)
			return NULL;
	}
	torture_obj_init(obj, kind);
	return obj;
}

/* Every torture callback: count it and its latency. */
static void torture_call_ran(unsigned long queued, atomic_long_t *max_lat)
{
	torture_max(max_lat, jiffies - queued);
	atomic_long_inc(&torture_calls_run);
}

static void torture_call_cb(struct smr_node *node)
{
	struct torture_obj *obj = container_of(node, struct torture_obj, call);

	torture_call_ran(obj->queued, &torture_rare.cb_max_lat);
	WRITE_ONCE(obj->magic, SMR_TORTURE_POISON);
	kfree(obj);
}

static void torture_call(struct smr_node *node, size_t size,
			 void (*cb)(struct smr_node *node))
{
	atomic_long_inc(&torture_rare.calls_queued);
	smr_call(torture_smr, node, size, cb);
}

/* Age every retired object whose goal is reached; recycle the oldest. */
static void torture_age(struct torture_writer *w)
{
	struct torture_obj *obj, *next;

	list_for_each_entry_safe(obj, next, &w->retired, node) {
		if (!torture_reached(obj->goal))
			break;		/* goals are in order */
		WRITE_ONCE(obj->age, obj->age + 1);
		if (obj->age < SMR_TORTURE_PIPE_LEN)
			continue;
		WRITE_ONCE(obj->magic, SMR_TORTURE_POISON);
		list_move_tail(&obj->node, &w->pool);
		w->nretired--;
		w->npool++;
	}
}

static unsigned long torture_goal(struct torture_writer *w)
{
	unsigned long goal;

	/* Mix the ways of getting a goal; lazy domains have only one. */
	if (!torture_lazy && w->updates % 16 == 8)
		goal = smr_deferred_advance(torture_smr);
	else
		goal = smr_advance(torture_smr);
	if (goal < w->last_goal && SMR_SEQ_GT(goal, w->last_goal))
		w->wraps++;
	w->last_goal = goal;
	return goal;
}

/*
 * ctx_frees: free an object readers may still see from inside a section
 * of the domain, where smr_cache_free() cannot wait for its goal.
 */
static void torture_cache_free_in_section(struct torture_writer *w,
					  struct torture_obj *obj)
{
	struct smr_tracker tracker;

	w->section_frees++;
	if (torture_sleepable) {
		smr_enter_sleepable(torture_smr, &tracker);
		smr_cache_free(torture_cache, obj);
		smr_leave_sleepable(torture_smr, &tracker);
	} else if (torture_lazy) {
		smr_lazy_enter(torture_smr);
		smr_cache_free(torture_cache, obj);
		smr_lazy_leave(torture_smr);
	} else {
		smr_enter(torture_smr);
		smr_cache_free(torture_cache, obj);
		smr_leave(torture_smr);
	}
}

static void torture_retire_obj(struct torture_writer *w, struct torture_obj *old)
{
	switch (old->kind) {
	case TORTURE_CALL:
		old->queued = jiffies;
		torture_call(&old->call, sizeof(*old), torture_call_cb);
		break;
	case TORTURE_KFREE:
		WRITE_ONCE(w->kfrees, w->kfrees + 1);
		smr_kfree(torture_smr, old, call);
		break;
	case TORTURE_CACHE:
		if (ctx_frees && ++w->cache_frees % 8 == 0)
			torture_cache_free_in_section(w, old);
		else
			smr_cache_free(torture_cache, old);
		break;
	default:
		old->goal = torture_goal(w);
		list_add_tail(&old->node, &w->retired);
		w->nretired++;
	}
}

/* Insert a new object at the tail; past the length, retire the head. */
static void torture_queue_update(struct torture_writer *w, enum torture_kind kind)
{
	struct torture_obj *obj = torture_obj_get(w, kind), *old = NULL;

	if (!obj)
		return;
	mutex_lock(&torture_queue_lock);
	if (torture_queue_len == SMR_TORTURE_QUEUE_LEN) {
		old = smrq_serialized_first(&torture_queue, struct torture_obj,
					    qlink);
		smrq_serialized_remove(&torture_queue, &old->qlink);
		torture_queue_len--;
	}
	smrq_serialized_insert_tail(&torture_queue, &obj->qlink);
	torture_queue_len++;
	mutex_unlock(&torture_queue_lock);
	if (old)
		torture_retire_obj(w, old);
}

static void torture_update(struct torture_writer *w, unsigned int slot)
{
	enum torture_kind kind = torture_retire >= 0 ? torture_retire :
				 w->updates % TORTURE_KINDS;
	struct torture_obj *obj = torture_obj_get(w, kind), *old;

	if (!obj)
		return;
	old = smr_serialized_swap(torture_slots[slot], obj);
	w->updates++;
	if (old)
		torture_retire_obj(w, old);
	if (w->updates % 4 == 0)
		torture_queue_update(w, kind);
	torture_age(w);

	/* Now and then the blocking forms, and a bound on retired memory. */
	if (w->updates % 256 == 0 && !list_empty(&w->retired))
		smr_wait(torture_smr, list_last_entry(&w->retired,
						      struct torture_obj,
						      node)->goal);
	if (w->updates % 4096 == 0 || w->nretired > SMR_TORTURE_MAX_RETIRED)
		smr_synchronize(torture_smr);
}

/* A quiet period: stop advancing the clock (or hogging) until it ends. */
static void torture_writer_pause(void)
{
	atomic_inc(&torture_quiet.paused);
	wait_event_idle(torture_quiet_wq, !READ_ONCE(torture_quiet_now) ||
			kthread_should_stop());
	atomic_dec(&torture_quiet.paused);
}

static int torture_writer_fn(void *arg)
{
	struct torture_writer *w = arg;
	unsigned int slot = w->id;

	while (!kthread_should_stop()) {
		if (READ_ONCE(torture_quiet_now))
			torture_writer_pause();
		torture_update(w, slot);
		slot += nwriters;
		if (slot >= SMR_TORTURE_SLOTS)
			slot = w->id;
		cond_resched();
	}
	return 0;
}

/* ---- Rare paths: probes, quiet periods, the idle queuer --------------- */

static void torture_probe_cb(struct smr_node *node)
{
	struct torture_probe *p = container_of(node, struct torture_probe, call);

	torture_call_ran(p->queued, &torture_rare.cb_max_lat);
	if (atomic_dec_and_test(p->pending))
		wake_up_all(&torture_probe_wq);
}

/* Queue @n probes, all counted in @pending. */
static void torture_probes_queue(struct torture_probe *p, unsigned int n,
				 atomic_t *pending)
{
	unsigned int i;

	atomic_set(pending, n);
	for (i = 0; i < n; i++) {
		p[i].pending = pending;
		p[i].queued = jiffies;
		torture_call(&p[i].call, sizeof(p[i]), torture_probe_cb);
	}
}

/*
 * Wait until every probe of @pending has run, at most until @deadline;
 * false if some are still pending then.  Sleeps: the CPU may go idle.
 */
static bool torture_probes_wait(atomic_t *pending, unsigned long deadline)
{
	long left;

	while (atomic_read(pending) && !kthread_should_stop()) {
		left = deadline - jiffies;
		if (left <= 0)
			return false;
		wait_event_idle_timeout(torture_probe_wq,
					!atomic_read(pending) ||
					kthread_should_stop(),
					min_t(long, left, HZ / 10));
	}
	return true;
}

/* Probes still pending after a failed check: wait for them, unbounded. */
static void torture_probes_drain(atomic_t *pending)
{
	while (!torture_probes_wait(pending, jiffies + HZ))
		;
}

/*
 * The cache probe, first half: free SMR_TORTURE_PROBE_OBJS objects into
 * the probe cache, from one CPU, after emptying it: their full batches
 * are the only tagged ones, each with a goal taken before the quiet
 * period.
 */
static void torture_cache_probe_free(struct torture_quiet *q)
{
	unsigned int i;

	smr_cache_shrink(q->cache, true);
	for (i = 0; i < SMR_TORTURE_PROBE_OBJS; i++)
		q->objs[i] = smr_cache_alloc(q->cache, GFP_KERNEL);
	migrate_disable();
	for (i = 0; i < SMR_TORTURE_PROBE_OBJS; i++)
		smr_cache_free(q->cache, q->objs[i]);
	migrate_enable();
}

/*
 * The cache probe, second half: the batches tagged before the quiet
 * period must expire without further advances.  smr_cache_shrink()
 * without waiting returns exactly the expired batches to the slab; all
 * of the probe's objects but a partial batch must go, within the bound.
 */
static bool torture_cache_probe_check(struct torture_quiet *q,
				      unsigned long deadline)
{
	unsigned long freed = 0, want = SMR_TORTURE_PROBE_OBJS -
				       (SMR_TORTURE_CACHE_BATCH - 1);

	for (;;) {
		freed += smr_cache_shrink(q->cache, false);
		if (freed >= want || kthread_should_stop())
			return true;
		if (time_after(jiffies, deadline))
			break;
		torture_sleep_ms(100);
	}
	pr_err("quiet period %lu: %lu of the %u probe objects freed into the cache before it are still not reusable after %u ms\n",
	       q->periods, want - freed, SMR_TORTURE_PROBE_OBJS,
	       SMR_TORTURE_LIVE_MS);
	return false;
}

/*
 * With the writers paused and nothing else advancing the clock, a single
 * callback and the cache batches queued before the pause must still
 * complete within SMR_TORTURE_LIVE_MS.
 */
static void torture_quiet_period(struct torture_quiet *q)
{
	unsigned long start = jiffies;
	unsigned long deadline = start + msecs_to_jiffies(SMR_TORTURE_LIVE_MS);

	q->periods++;
	torture_cache_probe_free(q);
	torture_probes_queue(&q->probe, 1, &q->pending);
	torture_sleep_ms(quiet_ms);
	if (!torture_probes_wait(&q->pending, deadline)) {
		q->stuck++;
		pr_err("quiet period %lu: a callback queued %u ms ago has not run (calls queued %ld, run %ld)\n",
		       q->periods, jiffies_to_msecs(jiffies - start),
		       atomic_long_read(&torture_rare.calls_queued),
		       atomic_long_read(&torture_calls_run));
	}
	if (!torture_cache_probe_check(q, deadline))
		q->cache_stuck++;
}

/* Wait for the writers, and the hog, to pause. */
static void torture_quiet_begin(void)
{
	unsigned int n = nwriters + (torture_pressure >= 2);

	WRITE_ONCE(torture_quiet_now, true);
	while (atomic_read(&torture_quiet.paused) < n && !kthread_should_stop())
		schedule_timeout_idle(1);
}

static void torture_quiet_end(void)
{
	WRITE_ONCE(torture_quiet_now, false);
	wake_up_all(&torture_quiet_wq);
}

static int torture_quiet_fn(void *arg)
{
	struct torture_quiet *q = arg;

	while (!kthread_should_stop()) {
		torture_sleep_ms(4 * quiet_ms);
		if (kthread_should_stop())
			break;
		torture_quiet_begin();
		if (!kthread_should_stop())
			torture_quiet_period(q);
		torture_quiet_end();
		/* A stuck probe is smr's until it runs. */
		torture_probes_drain(&q->pending);
	}
	torture_quiet_end();
	return 0;
}

/*
 * The idle queuer: on its CPU, queue idle_calls callbacks and sleep until
 * they have run, leaving the CPU idle (the other torture threads keep off
 * it) -- or tickless, on a nohz_full CPU.  Nothing calls into smr for
 * them meanwhile: the tick must drain the queue on its own.
 */
static void torture_idle_cycle(struct torture_idle *t)
{
	unsigned long start = jiffies, lat;

	if (set_cpus_allowed_ptr(current, cpumask_of(t->cpu)))
		return;			/* offline for now */
	t->cycles++;
	torture_probes_queue(t->probes, idle_calls, &t->pending);
	if (torture_probes_wait(&t->pending,
				start + msecs_to_jiffies(SMR_TORTURE_LIVE_MS))) {
		lat = jiffies - start;
		torture_max(&torture_rare.idle_max_lat, lat);
		return;
	}
	t->stuck++;
	pr_err("idle queuer: %d of %u callbacks queued on CPU %d%s %u ms ago have not run\n",
	       atomic_read(&t->pending), idle_calls, t->cpu,
	       t->nohz_full ? " (nohz_full)" : "",
	       jiffies_to_msecs(jiffies - start));
	torture_probes_drain(&t->pending);
}

static int torture_idle_fn(void *arg)
{
	struct torture_idle *t = arg;

	while (!kthread_should_stop()) {
		torture_sleep_ms(100 + torture_random_below(400));
		if (!READ_ONCE(torture_quiet_now) && !kthread_should_stop())
			torture_idle_cycle(t);
	}
	return 0;
}

/* idle_cpu if given, else the last online nohz_full CPU, else the last online one. */
static void torture_idle_pick(struct torture_idle *t)
{
	int cpu;

	cpumask_copy(torture_busy_mask, cpu_possible_mask);
	if (!idle_calls)
		return;
	t->cpu = cpumask_last(cpu_online_mask);
	for_each_online_cpu(cpu)
		if (tick_nohz_full_cpu(cpu))
			t->cpu = cpu;
	if (torture_idle_cpu >= 0)
		t->cpu = torture_idle_cpu;
	t->nohz_full = tick_nohz_full_cpu(t->cpu);
	/* Leave the others at least two CPUs. */
	if (num_online_cpus() >= 3)
		cpumask_clear_cpu(t->cpu, torture_busy_mask);
}

/* Keep a torture thread off the idle queuer's CPU. */
static void torture_keep_off_idle(struct task_struct *t)
{
	set_cpus_allowed_ptr(t, torture_busy_mask);
}

/*
 * pressure=2: take all the memory that allocations without retries can
 * get, in chunks of SMR_TORTURE_HOG_ORDER and then single pages (the
 * order in page->private), and keep it; every 50 ms give a little back
 * and take it again, so that free memory stays at the edge and the
 * readers' allocations inside their sections reclaim, running the
 * cache's shrinker there.  Everything goes back before a quiet period
 * starts: the kernel's shrinker would otherwise release the probe's
 * batches under torture_cache_probe_check().
 */
static unsigned long torture_hog_fill(struct list_head *held)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	unsigned int order = SMR_TORTURE_HOG_ORDER;
	unsigned long bytes = 0;
	struct page *page;

	while (!kthread_should_stop() && !READ_ONCE(torture_quiet_now)) {
		page = alloc_pages(gfp, order);
		if (!page && !order)
			break;
		if (!page) {
			order = 0;
			continue;
		}
		set_page_private(page, order);
		list_add(&page->lru, held);
		bytes += PAGE_SIZE << order;
		cond_resched();
	}
	return bytes;
}

/* Give back at least @bytes, newest first; return how much. */
static unsigned long torture_hog_release(struct list_head *held,
					 unsigned long bytes)
{
	struct page *page, *next;
	unsigned long freed = 0;
	unsigned int order;

	list_for_each_entry_safe(page, next, held, lru) {
		if (freed >= bytes)
			break;
		list_del(&page->lru);
		order = page_private(page);
		set_page_private(page, 0);
		freed += PAGE_SIZE << order;
		__free_pages(page, order);
	}
	return freed;
}

static int torture_hog_fn(void *unused)
{
	unsigned long held_bytes = 0;
	LIST_HEAD(held);

	while (!kthread_should_stop()) {
		if (READ_ONCE(torture_quiet_now)) {
			held_bytes -= torture_hog_release(&held, ULONG_MAX);
			torture_writer_pause();
			continue;
		}
		held_bytes += torture_hog_fill(&held);
		torture_rare.hog_max_mb = max(torture_rare.hog_max_mb,
					      held_bytes >> 20);
		held_bytes -= torture_hog_release(&held, SZ_2M);
		torture_sleep_ms(50);
	}
	torture_hog_release(&held, ULONG_MAX);
	return 0;
}

/* ---- CPU hotplug ------------------------------------------------------ */

#ifdef CONFIG_HOTPLUG_CPU
static int torture_hotplug_fn(void *unused)
{
	unsigned int cpu;

	while (!kthread_should_stop()) {
		msleep(hotplug_ms / 2);
		cpu = cpumask_next(torture_random_below(nr_cpu_ids),
				   cpu_online_mask);
		/*
		 * Not the idle queuer's CPU: a kthread bound to a CPU that is
		 * going down may be woken onto it while it is inactive, and
		 * the scheduler warns that the dying CPU was not vacated.
		 */
		if (cpu >= nr_cpu_ids || cpu == 0 || num_online_cpus() < 2 ||
		    (int)cpu == READ_ONCE(torture_idle.cpu))
			continue;
		if (remove_cpu(cpu))
			continue;
		msleep(hotplug_ms / 2);
		if (!add_cpu(cpu))
			torture_hotplug_ops++;
	}
	return 0;
}
#else
static int torture_hotplug_fn(void *unused)
{
	pr_info("no CONFIG_HOTPLUG_CPU: hotplug_ms ignored\n");
	return 0;
}
#endif

/* ---- Summary ---------------------------------------------------------- */

struct torture_totals {
	unsigned long reads, errors, updates;
	unsigned int max_age;
	unsigned long pressure_allocs, shrunk, shrink_waits, shrink_contended;
	unsigned long reclaims;
	unsigned long section_frees, kfrees;
	long calls_pending;		/* queued and not run */
};

static void torture_sum_readers(struct torture_totals *t)
{
	struct torture_reader *r;
	unsigned int i;

	for (i = 0; i < nreaders + 2; i++) {
		r = &torture_readers[i];
		t->reads += READ_ONCE(r->reads);
		t->errors += READ_ONCE(r->errors);
		t->max_age = max(t->max_age, READ_ONCE(r->max_age));
		t->pressure_allocs += READ_ONCE(r->pressure_allocs);
		t->shrunk += READ_ONCE(r->shrunk);
		t->shrink_waits += READ_ONCE(r->shrink_waits);
		t->shrink_contended += READ_ONCE(r->shrink_contended);
		t->reclaims += READ_ONCE(r->reclaims);
	}
}

static void torture_sum(struct torture_totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	torture_sum_readers(t);
	for (i = 0; i < nwriters; i++) {
		t->updates += READ_ONCE(torture_writers[i].updates);
		t->section_frees += READ_ONCE(torture_writers[i].section_frees);
		t->kfrees += READ_ONCE(torture_writers[i].kfrees);
	}
	/* Run after queued: never negative while callbacks are pending. */
	t->calls_pending = atomic_long_read(&torture_calls_run);
	t->calls_pending = atomic_long_read(&torture_rare.calls_queued) -
			   t->calls_pending;
}

static unsigned int torture_ms(atomic_long_t *jiffies_max)
{
	return jiffies_to_msecs(atomic_long_read(jiffies_max));
}

/*
 * The fields up to calls= are parsed by scripts; new ones go at the end.
 * pending= counts callbacks queued and not run: in the final line, after
 * smr_barrier(), it must be 0.
 */
static void torture_print(const char *what, struct torture_totals *t)
{
	pr_info("%s flavour=%s busted=%u reads=%lu updates=%lu errors=%lu max_age=%u wraps=%lu hotplug=%lu calls=%ld queued=%ld pending=%ld cb_lat_ms=%u quiet=%lu quiet_stuck=%lu cache_stuck=%lu idle=%lu idle_stuck=%lu idle_lat_ms=%u idle_cpu=%d nohz_full=%d pressure=%u pallocs=%lu shrunk=%lu shrink_waits=%lu reclaims=%lu hog_mb=%lu irq_frees=%lu section_frees=%lu cache_fail=%u kfrees=%lu hash_resizes=%lu shash_resizes=%lu shash_fails=%lu\n",
		what, flavour, busted, t->reads, t->updates, t->errors,
		t->max_age, READ_ONCE(torture_writers[0].wraps),
		READ_ONCE(torture_hotplug_ops),
		atomic_long_read(&torture_calls_run),
		atomic_long_read(&torture_rare.calls_queued), t->calls_pending,
		torture_ms(&torture_rare.cb_max_lat),
		READ_ONCE(torture_quiet.periods), READ_ONCE(torture_quiet.stuck),
		READ_ONCE(torture_quiet.cache_stuck),
		READ_ONCE(torture_idle.cycles), READ_ONCE(torture_idle.stuck),
		torture_ms(&torture_rare.idle_max_lat), torture_idle.cpu,
		torture_idle.nohz_full, torture_pressure, t->pressure_allocs,
		t->shrunk, t->shrink_waits, t->reclaims,
		READ_ONCE(torture_rare.hog_max_mb),
		READ_ONCE(torture_rare.irq_frees), t->section_frees, cache_fail,
		t->kfrees, torture_hash_resizes(), torture_shash_resizes(),
		torture_shash_fails());
}

/* Say why the run fails; true if it does. */
static bool torture_failed(struct torture_totals *t)
{
	bool failed = false;

	if (t->errors) {
		pr_err("why: %lu reads saw an object reclaimed too early\n",
		       t->errors);
		failed = true;
	}
	if (t->calls_pending) {
		pr_err("why: %ld callbacks queued but not run after smr_barrier()\n",
		       t->calls_pending);
		failed = true;
	}
	if (torture_quiet.stuck || torture_quiet.cache_stuck) {
		pr_err("why: quiet periods with a callback (%lu) or cache batches (%lu) stuck for %u ms\n",
		       torture_quiet.stuck, torture_quiet.cache_stuck,
		       SMR_TORTURE_LIVE_MS);
		failed = true;
	}
	if (torture_idle.stuck) {
		pr_err("why: %lu idle queuer rounds with callbacks stuck for %u ms\n",
		       torture_idle.stuck, SMR_TORTURE_LIVE_MS);
		failed = true;
	}
	return failed;
}

/* ---- Setup and teardown ----------------------------------------------- */

static void torture_stop_one(struct task_struct **t)
{
	if (*t)
		kthread_stop(*t);
	*t = NULL;
}

static void torture_stop_threads(void)
{
	unsigned int i;

	torture_irq_readers_stop();
	torture_stop_one(&torture_hotplug_task);
	if (busted == 2)
		smr_tick_test_skip_online(false);
	torture_stop_one(&torture_quiet.task);
	torture_stop_one(&torture_idle.task);
	torture_stop_one(&torture_hog_task);
	for (i = 0; i < nwriters; i++)
		torture_stop_one(&torture_writers[i].task);
	for (i = 0; i < nreaders; i++)
		torture_stop_one(&torture_readers[i].task);
	if (busted != 2)
		torture_hash_stop();
}

static void torture_free_list(struct list_head *list)
{
	struct torture_obj *obj, *next;

	list_for_each_entry_safe(obj, next, list, node)
		kfree(obj);
	INIT_LIST_HEAD(list);
}

static void torture_free_obj(struct torture_obj *obj)
{
	if (obj && obj->kind == TORTURE_CACHE)
		smr_cache_free(torture_cache, obj);
	else
		kfree(obj);
}

static void torture_free_all(void)
{
	struct torture_obj *obj;
	unsigned int i;

	smr_synchronize(torture_smr);
	for (i = 0; i < SMR_TORTURE_ALL_SLOTS; i++) {
		obj = smr_unserialized_load(torture_slots[i]);
		smr_clear_store(torture_slots[i]);
		torture_free_obj(obj);
	}
	smrq_serialized_foreach_safe(obj, &torture_queue, qlink)
		torture_free_obj(obj);
	smrq_init(&torture_queue);
	torture_queue_len = 0;
	smr_barrier(torture_smr);
	smr_cache_destroy(torture_cache);
	smr_cache_destroy(torture_quiet.cache);
	for (i = 0; i < nwriters; i++) {
		torture_free_list(&torture_writers[i].retired);
		torture_free_list(&torture_writers[i].pool);
	}
}

/*
 * Start torture thread @name, or @name/@id when @id >= 0; @keep_off: not
 * on the idle queuer's CPU.
 */
static int torture_spawn(struct task_struct **t, int (*fn)(void *), void *arg,
			 const char *name, int id, bool keep_off)
{
	struct task_struct *task;

	if (id >= 0)
		task = kthread_create(fn, arg, "%s/%d", name, id);
	else
		task = kthread_create(fn, arg, "%s", name);

	if (IS_ERR(task))
		return PTR_ERR(task);
	if (keep_off)
		torture_keep_off_idle(task);
	*t = task;
	wake_up_process(task);
	return 0;
}

static int torture_start_rare(void)
{
	int ret = 0;

	if (quiet_ms)
		ret = torture_spawn(&torture_quiet.task, torture_quiet_fn,
				    &torture_quiet, "smr-torture-q", -1, true);
	if (!ret && idle_calls)
		ret = torture_spawn(&torture_idle.task, torture_idle_fn,
				    &torture_idle, "smr-torture-idle", -1,
				    false);
	if (!ret && torture_pressure >= 2)
		ret = torture_spawn(&torture_hog_task, torture_hog_fn, NULL,
				    "smr-torture-hog", -1, true);
	if (!ret && hotplug_ms)
		ret = torture_spawn(&torture_hotplug_task, torture_hotplug_fn,
				    NULL, "smr-torture-hp", -1, false);
	return ret;
}

static int torture_start_threads(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nwriters; i++) {
		ret = torture_spawn(&torture_writers[i].task, torture_writer_fn,
				    &torture_writers[i], "smr-torture-w", i,
				    true);
		if (ret)
			return ret;
	}
	for (i = 0; i < nreaders; i++) {
		ret = torture_spawn(&torture_readers[i].task, torture_reader_fn,
				    &torture_readers[i], "smr-torture-r", i,
				    true);
		if (ret)
			return ret;
	}
	torture_irq_readers_start();
	return torture_start_rare();
}

static int torture_main_fn(void *unused)
{
	unsigned long end = jiffies + duration * HZ, next = jiffies;
	struct torture_totals t;

	while (!kthread_should_stop() && time_before(jiffies, end)) {
		if (time_after_eq(jiffies, next)) {
			torture_sum(&t);
			torture_print("running", &t);
			next = jiffies + stat_interval * HZ;
		}
		schedule_timeout_interruptible(HZ / 10);
	}
	torture_stop_threads();
	/* Every callback queued must have run once the barrier returns. */
	smr_barrier(torture_smr);
	torture_sum(&t);
	torture_print(torture_failed(&t) ? "FAILURE" : "SUCCESS", &t);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static unsigned long torture_flags(void)
{
	if (!strcmp(flavour, "lazy"))
		return SMR_LAZY;
	if (!strcmp(flavour, "deferred"))
		return SMR_DEFERRED;
	if (!strcmp(flavour, "sleepable"))
		return SMR_SLEEPABLE;
	return SMR_NONE;
}

static const char * const torture_retire_names[TORTURE_KINDS] = {
	[TORTURE_PIPELINE] = "pipeline",
	[TORTURE_CALL] = "call",
	[TORTURE_CACHE] = "cache",
	[TORTURE_KFREE] = "kfree",
};

static int __init torture_retire_check(void)
{
	/*
	 * The busted poll only affects the pipeline: use it for everything.
	 * With busted=2 every free comes early; the pipeline only poisons.
	 */
	if (busted && !strcmp(retire, "mixed"))
		torture_retire = TORTURE_PIPELINE;
	if (strcmp(retire, "mixed")) {
		torture_retire = match_string(torture_retire_names, TORTURE_KINDS,
					      retire);
		if (torture_retire < 0) {
			pr_err("retire=%s: want mixed, pipeline, call, cache or kfree\n",
			       retire);
			return -EINVAL;
		}
	}
	return 0;
}

static int __init torture_rare_check(void)
{
	if ((quiet_ms && (quiet_ms < 10 || quiet_ms > 60000)) ||
	    idle_calls > SMR_TORTURE_IDLE_MAX || pressure > 2 ||
	    (torture_idle_cpu >= 0 && (torture_idle_cpu >= nr_cpu_ids ||
				       !cpu_online(torture_idle_cpu)))) {
		pr_err("bad quiet_ms, idle_calls, idle_cpu or pressure: see modinfo smr_torture\n");
		return -EINVAL;
	}
	return 0;
}

static int __init torture_params_check(void)
{
	int ret;

	if (!nreaders)
		nreaders = min(num_online_cpus(), SMR_TORTURE_MAX_READERS);
	if (strcmp(flavour, "default") && strcmp(flavour, "lazy") &&
	    strcmp(flavour, "deferred") && strcmp(flavour, "sleepable")) {
		pr_err("flavour=%s: want default, lazy, deferred or sleepable\n",
		       flavour);
		return -EINVAL;
	}
	ret = torture_retire_check();
	if (!ret)
		ret = torture_rare_check();
	if (ret)
		return ret;
	if (!duration || duration > 86400 || nreaders > SMR_TORTURE_MAX_READERS ||
	    !nwriters || nwriters > SMR_TORTURE_MAX_WRITERS ||
	    (hotplug_ms && (hotplug_ms < 10 || hotplug_ms > 60000)) ||
	    busted > 2 || (busted == 2 && !hotplug_ms) ||
	    !stat_interval || stat_interval > 3600 || reader_delay_us > 1000) {
		pr_err("bad parameters: see modinfo smr_torture for the ranges\n");
		return -EINVAL;
	}
	return 0;
}

static void torture_free_domain(void)
{
	smr_cache_destroy(torture_quiet.cache);
	smr_cache_destroy(torture_cache);
	if (torture_smr)
		smr_domain_free(torture_smr);
	free_cpumask_var(torture_busy_mask);
}

/* The domain, its caches and the idle queuer's CPU. */
static int __init torture_create(void)
{
	torture_lazy = torture_flags() & SMR_LAZY;
	torture_sleepable = torture_flags() & SMR_SLEEPABLE;
	torture_pressure = torture_sleepable ? pressure : 0;
	if (!zalloc_cpumask_var(&torture_busy_mask, GFP_KERNEL))
		return -ENOMEM;
	torture_smr = smr_domain_create(torture_flags(), "torture");
	if (torture_smr) {
		torture_cache = smr_cache_create("smr_torture",
						 sizeof(struct torture_obj), 0,
						 0, torture_smr, NULL);
		torture_quiet.cache = smr_cache_create("smr_torture_probe",
						       SMP_CACHE_BYTES, 0, 0,
						       torture_smr, NULL);
	}
	if (!torture_cache || !torture_quiet.cache) {
		torture_free_domain();
		return -ENOMEM;
	}
	smr_cache_test_fail_batch_alloc(torture_cache, cache_fail);
	torture_idle_pick(&torture_idle);
	return 0;
}

static int __init torture_init(void)
{
	unsigned int i;
	int ret;

	torture_random_init();
	ret = torture_params_check();
	if (!ret)
		ret = torture_create();
	if (ret)
		return ret;
	/*
	 * busted=2 frees everything early: the hash tables' walkers (their
	 * writers and the readers) would crash on freed links before the
	 * run could say FAILURE, so they stay off.
	 */
	ret = busted == 2 ? 0 : torture_hash_start(torture_smr);
	if (ret) {
		torture_free_domain();
		return ret;
	}
	torture_step = smr_deferred_advance(torture_smr) - smr_current(torture_smr);
	for (i = 0; i < nwriters; i++) {
		torture_writers[i].id = i;
		torture_writers[i].last_goal = smr_current(torture_smr);
		INIT_LIST_HEAD(&torture_writers[i].retired);
		INIT_LIST_HEAD(&torture_writers[i].pool);
	}
	pr_info("start: duration=%us nreaders=%u nwriters=%u flavour=%s retire=%s hotplug_ms=%u busted=%u quiet_ms=%u idle_calls=%u idle_cpu=%d%s pressure=%u shrink_wait=%d ctx_frees=%d cache_fail=%u\n",
		duration, nreaders, nwriters, flavour, retire, hotplug_ms, busted,
		quiet_ms, idle_calls, torture_idle.cpu,
		torture_idle.nohz_full ? " (nohz_full)" : "", torture_pressure,
		shrink_wait, ctx_frees, cache_fail);

	if (busted == 2)
		smr_tick_test_skip_online(true);
	ret = torture_start_threads();
	if (!ret)
		ret = torture_spawn(&torture_main_task, torture_main_fn, NULL,
				    "smr-torture", -1, false);
	if (ret) {
		torture_stop_threads();
		torture_free_all();
		smr_domain_free(torture_smr);
		free_cpumask_var(torture_busy_mask);
	}
	return ret;
}

static void __exit torture_exit(void)
{
	if (!torture_smr)
		return;
	kthread_stop(torture_main_task);	/* stops the others first */
	torture_stop_threads();
	torture_free_all();
	smr_domain_free(torture_smr);
	free_cpumask_var(torture_busy_mask);
}

module_init(torture_init);
module_exit(torture_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Torture test for smr");
