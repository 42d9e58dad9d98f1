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
 * Retired objects go one of three ways (retire=mixed rotates them): the
 * pipeline above; smr_call(), whose callback poisons and frees the object;
 * or smr_cache_free(), after which a reuse bumps the object's generation,
 * which readers also check.  flavour=sleepable adds sleepable readers
 * that sometimes sleep inside their section.
 *
 * busted=1 makes the writers trust a poll that declares success one step
 * early (and retire every object through the pipeline, which that poll
 * drives); the run must then end in FAILURE, which proves the test can
 * fail.
 *
 * The run lasts duration seconds, prints a summary every stat_interval
 * seconds and ends with "smr_torture: SUCCESS ..." or "smr_torture:
 * FAILURE ...".  The module stays loaded until removed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "smr.h"
#include "smr_queue.h"

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
MODULE_PARM_DESC(retire, "How objects are reclaimed: mixed, pipeline, call or cache");

static unsigned int hotplug_ms;
module_param(hotplug_ms, uint, 0444);
MODULE_PARM_DESC(hotplug_ms, "Offline/online a CPU this often (0: never; 10-60000)");

static bool busted;
module_param(busted, bool, 0444);
MODULE_PARM_DESC(busted, "Trust a poll that succeeds one step early: must FAIL");

static unsigned int stat_interval = 10;
module_param(stat_interval, uint, 0444);
MODULE_PARM_DESC(stat_interval, "Seconds between summary lines (1-3600)");

static unsigned int reader_delay_us = 20;
module_param(reader_delay_us, uint, 0444);
MODULE_PARM_DESC(reader_delay_us, "Longest linger inside a section (0-1000 us)");

#define SMR_TORTURE_MAX_READERS	64
#define SMR_TORTURE_MAX_WRITERS	8
#define SMR_TORTURE_SLOTS	16
#define SMR_TORTURE_PIPE_LEN	8
#define SMR_TORTURE_POOL_MIN	64	/* recycle only objects poisoned long ago */
#define SMR_TORTURE_MAX_RETIRED	100000	/* then synchronize to catch up */
#define SMR_TORTURE_QUEUE_LEN	32	/* objects kept on torture_queue */
#define SMR_TORTURE_LIVE	0x5afe5afe5afe5afeUL
#define SMR_TORTURE_POISON	0x6b6b6b6b6b6b6b6bUL

enum torture_kind {
	TORTURE_PIPELINE,	/* aged by the writer's polls, then recycled */
	TORTURE_CALL,		/* smr_call(): poisoned and freed by the callback */
	TORTURE_CACHE,		/* smr_cache_free(): reused by smr_cache_alloc() */
	TORTURE_KINDS,
};

struct torture_obj {
	unsigned long magic;
	unsigned int age;
	unsigned int gen;		/* bumped on every reuse from the cache */
	enum torture_kind kind;
	unsigned long goal;
	struct list_head node;		/* writer's retired list or pool */
	struct smr_node call;
	struct smrq_link qlink;		/* on torture_queue */
};

struct torture_reader {
	struct task_struct *task;
	unsigned long reads;
	unsigned long errors;
	unsigned int max_age;
};

struct torture_writer {
	struct task_struct *task;
	unsigned int id;
	struct list_head retired;	/* by goal, oldest first */
	struct list_head pool;		/* poisoned, oldest first */
	unsigned long nretired, npool;
	unsigned long updates, wraps, last_goal;
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
static struct torture_obj __smr *torture_slots[SMR_TORTURE_SLOTS];
/* Thread readers, then the softirq and the hardirq reader. */
static struct torture_reader torture_readers[SMR_TORTURE_MAX_READERS + 2];
static struct torture_reader *torture_softirq_reader, *torture_hardirq_reader;
static struct timer_list torture_softirq_timer;
static struct hrtimer torture_hardirq_timer;
static bool torture_irq_readers_on;
static struct torture_writer torture_writers[SMR_TORTURE_MAX_WRITERS];
static struct task_struct *torture_main_task, *torture_hotplug_task;
static unsigned long torture_hotplug_ops;

/* ---- Readers ---------------------------------------------------------- */

/* Look at the object twice, lingering in between; false if it went bad. */
static bool torture_check(struct torture_obj *obj, unsigned int *age,
			  bool may_sleep)
{
	unsigned int gen = READ_ONCE(obj->gen);

	*age = READ_ONCE(obj->age);
	if (may_sleep && get_random_u32_below(16) == 0)
		usleep_range(10, 50);
	else if (reader_delay_us)
		udelay(get_random_u32_below(reader_delay_us + 1));
	*age = max(*age, READ_ONCE(obj->age));
	return !*age && READ_ONCE(obj->magic) == SMR_TORTURE_LIVE &&
	       READ_ONCE(obj->gen) == gen;
}

static void torture_count(struct torture_reader *r, bool ok, unsigned int age)
{
	r->reads++;
	r->max_age = max(r->max_age, age);
	if (!ok)
		r->errors++;
}

static void torture_read_one(struct torture_reader *r)
{
	unsigned int slot = get_random_u32_below(SMR_TORTURE_SLOTS), age = 0;
	struct torture_obj *obj;
	bool ok = true;

	if (torture_lazy)
		smr_lazy_enter(torture_smr);
	else
		smr_enter(torture_smr);
	obj = smr_entered_load(torture_slots[slot]);
	if (obj)
		ok = torture_check(obj, &age, false);
	if (torture_lazy)
		smr_lazy_leave(torture_smr);
	else
		smr_leave(torture_smr);
	if (obj)
		torture_count(r, ok, age);
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
	unsigned int slot = get_random_u32_below(SMR_TORTURE_SLOTS), age = 0;
	struct smr_tracker tracker;
	struct torture_obj *obj;
	bool ok = true;

	smr_enter_sleepable(torture_smr, &tracker);
	obj = smr_entered_load(torture_slots[slot]);
	if (obj)
		ok = torture_check(obj, &age, true);
	smr_leave_sleepable(torture_smr, &tracker);
	if (obj)
		torture_count(r, ok, age);
}

/*
 * Interrupt-context readers: their sections land on top of thread readers'
 * sections on the same CPU and must use their own slots.
 */
static void torture_softirq_fn(struct timer_list *t)
{
	torture_read_one(torture_softirq_reader);
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

	while (!kthread_should_stop()) {
		if (sleepable)
			torture_read_sleepable(r);
		else if (r->reads % 8 == 7)
			torture_read_queue(r);
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
	return smr_poll(torture_smr, busted ? goal - torture_step : goal);
}

static struct torture_obj *torture_obj_get(struct torture_writer *w,
					   enum torture_kind kind)
{
	struct torture_obj *obj;

	if (kind == TORTURE_CACHE) {
		obj = smr_cache_alloc(torture_cache, GFP_KERNEL);
		if (!obj)
			return NULL;
		WRITE_ONCE(obj->gen, obj->gen + 1);
	} else if (kind == TORTURE_PIPELINE && w->npool > SMR_TORTURE_POOL_MIN) {
		obj = list_first_entry(&w->pool, struct torture_obj, node);
		list_del(&obj->node);
		w->npool--;
	} else {
		obj = kzalloc(sizeof(*obj), GFP_KERNEL);
		if (!obj)
			return NULL;
	}
	obj->kind = kind;
	WRITE_ONCE(obj->age, 0);
	WRITE_ONCE(obj->magic, SMR_TORTURE_LIVE);
	return obj;
}

static void torture_call_cb(struct smr_node *node)
{
	struct torture_obj *obj = container_of(node, struct torture_obj, call);

	WRITE_ONCE(obj->magic, SMR_TORTURE_POISON);
	kfree(obj);
	atomic_long_inc(&torture_calls_run);
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

static void torture_retire_obj(struct torture_writer *w, struct torture_obj *old)
{
	switch (old->kind) {
	case TORTURE_CALL:
		smr_call(torture_smr, &old->call, sizeof(*old), torture_call_cb);
		break;
	case TORTURE_CACHE:
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

static int torture_writer_fn(void *arg)
{
	struct torture_writer *w = arg;
	unsigned int slot = w->id;

	while (!kthread_should_stop()) {
		torture_update(w, slot);
		slot += nwriters;
		if (slot >= SMR_TORTURE_SLOTS)
			slot = w->id;
		cond_resched();
	}
	return 0;
}

/* ---- CPU hotplug ------------------------------------------------------ */

#ifdef CONFIG_HOTPLUG_CPU
static int torture_hotplug_fn(void *unused)
{
	unsigned int cpu;

	while (!kthread_should_stop()) {
		msleep(hotplug_ms / 2);
		cpu = cpumask_next(get_random_u32_below(nr_cpu_ids),
				   cpu_online_mask);
		if (cpu >= nr_cpu_ids || cpu == 0 || num_online_cpus() < 2)
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
};

static void torture_sum(struct torture_totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < nreaders + 2; i++) {
		t->reads += READ_ONCE(torture_readers[i].reads);
		t->errors += READ_ONCE(torture_readers[i].errors);
		t->max_age = max(t->max_age, READ_ONCE(torture_readers[i].max_age));
	}
	for (i = 0; i < nwriters; i++)
		t->updates += READ_ONCE(torture_writers[i].updates);
}

static void torture_print(const char *what)
{
	struct torture_totals t;

	torture_sum(&t);
	pr_info("%s flavour=%s busted=%d reads=%lu updates=%lu errors=%lu max_age=%u wraps=%lu hotplug=%lu calls=%ld\n",
		what, flavour, busted, t.reads, t.updates, t.errors, t.max_age,
		READ_ONCE(torture_writers[0].wraps), READ_ONCE(torture_hotplug_ops),
		atomic_long_read(&torture_calls_run));
}

/* ---- Setup and teardown ----------------------------------------------- */

static void torture_stop_threads(void)
{
	unsigned int i;

	torture_irq_readers_stop();
	if (torture_hotplug_task)
		kthread_stop(torture_hotplug_task);
	torture_hotplug_task = NULL;
	for (i = 0; i < nwriters; i++) {
		if (torture_writers[i].task)
			kthread_stop(torture_writers[i].task);
		torture_writers[i].task = NULL;
	}
	for (i = 0; i < nreaders; i++) {
		if (torture_readers[i].task)
			kthread_stop(torture_readers[i].task);
		torture_readers[i].task = NULL;
	}
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
	for (i = 0; i < SMR_TORTURE_SLOTS; i++) {
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
	for (i = 0; i < nwriters; i++) {
		torture_free_list(&torture_writers[i].retired);
		torture_free_list(&torture_writers[i].pool);
	}
}

static int torture_start_threads(void)
{
	unsigned int i;
	struct task_struct *t;

	for (i = 0; i < nwriters; i++) {
		t = kthread_run(torture_writer_fn, &torture_writers[i],
				"smr-torture-w/%u", i);
		if (IS_ERR(t))
			return PTR_ERR(t);
		torture_writers[i].task = t;
	}
	for (i = 0; i < nreaders; i++) {
		t = kthread_run(torture_reader_fn, &torture_readers[i],
				"smr-torture-r/%u", i);
		if (IS_ERR(t))
			return PTR_ERR(t);
		torture_readers[i].task = t;
	}
	torture_irq_readers_start();
	if (hotplug_ms) {
		t = kthread_run(torture_hotplug_fn, NULL, "smr-torture-hp");
		if (IS_ERR(t))
			return PTR_ERR(t);
		torture_hotplug_task = t;
	}
	return 0;
}

static int torture_main_fn(void *unused)
{
	unsigned long end = jiffies + duration * HZ, next = jiffies;
	struct torture_totals t;

	while (!kthread_should_stop() && time_before(jiffies, end)) {
		if (time_after_eq(jiffies, next)) {
			torture_print("running");
			next = jiffies + stat_interval * HZ;
		}
		schedule_timeout_interruptible(HZ / 10);
	}
	torture_stop_threads();
	torture_sum(&t);
	torture_print(t.errors ? "FAILURE" : "SUCCESS");
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
};

static int __init torture_params_check(void)
{
	if (!nreaders)
		nreaders = min(num_online_cpus(), SMR_TORTURE_MAX_READERS);
	if (strcmp(flavour, "default") && strcmp(flavour, "lazy") &&
	    strcmp(flavour, "deferred") && strcmp(flavour, "sleepable")) {
		pr_err("flavour=%s: want default, lazy, deferred or sleepable\n",
		       flavour);
		return -EINVAL;
	}
	/* The busted poll only affects the pipeline: use it for everything. */
	if (busted && !strcmp(retire, "mixed"))
		torture_retire = TORTURE_PIPELINE;
	if (strcmp(retire, "mixed")) {
		torture_retire = match_string(torture_retire_names, TORTURE_KINDS,
					      retire);
		if (torture_retire < 0) {
			pr_err("retire=%s: want mixed, pipeline, call or cache\n",
			       retire);
			return -EINVAL;
		}
	}
	if (!duration || duration > 86400 || nreaders > SMR_TORTURE_MAX_READERS ||
	    !nwriters || nwriters > SMR_TORTURE_MAX_WRITERS ||
	    (hotplug_ms && (hotplug_ms < 10 || hotplug_ms > 60000)) ||
	    !stat_interval || stat_interval > 3600 || reader_delay_us > 1000) {
		pr_err("bad parameters: see modinfo smr_torture for the ranges\n");
		return -EINVAL;
	}
	return 0;
}

static int __init torture_init(void)
{
	unsigned int i;
	int ret;

	ret = torture_params_check();
	if (ret)
		return ret;
	torture_lazy = torture_flags() & SMR_LAZY;
	torture_sleepable = torture_flags() & SMR_SLEEPABLE;
	torture_smr = smr_domain_create(torture_flags(), "torture");
	if (!torture_smr)
		return -ENOMEM;
	torture_cache = smr_cache_create("smr_torture", sizeof(struct torture_obj),
					 0, 0, torture_smr);
	if (!torture_cache) {
		smr_domain_free(torture_smr);
		return -ENOMEM;
	}
	torture_step = smr_deferred_advance(torture_smr) - smr_current(torture_smr);
	for (i = 0; i < nwriters; i++) {
		torture_writers[i].id = i;
		torture_writers[i].last_goal = smr_current(torture_smr);
		INIT_LIST_HEAD(&torture_writers[i].retired);
		INIT_LIST_HEAD(&torture_writers[i].pool);
	}
	pr_info("start: duration=%us nreaders=%u nwriters=%u flavour=%s retire=%s hotplug_ms=%u busted=%d\n",
		duration, nreaders, nwriters, flavour, retire, hotplug_ms, busted);

	ret = torture_start_threads();
	if (!ret) {
		torture_main_task = kthread_run(torture_main_fn, NULL,
						"smr-torture");
		ret = PTR_ERR_OR_ZERO(torture_main_task);
	}
	if (ret) {
		torture_main_task = NULL;
		torture_stop_threads();
		torture_free_all();
		smr_domain_free(torture_smr);
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
}

module_init(torture_init);
module_exit(torture_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Torture test for smr");
