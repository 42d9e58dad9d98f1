/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live.  Private to smr.ko:
 * the public headers need none of it, so consumers build without it.
 *
 * smr targets 6.12 first and 6.1 second.  Anything spelled differently
 * between the two is wrapped here, so that the rest of the sources read
 * the same for both.  Kbuild tests the kernel's headers for each feature
 * (SMR_HAVE_*), rather than comparing version numbers: distributions
 * backport.
 *
 * Same in both and so needing nothing: interrupt_context_level(),
 * timer_delete_sync(), from_timer(), get_random_u32_below() (Debian's
 * 6.1.176 has them all); for the stall warnings, lockdep_depth(),
 * task_struct's held_locks[] with acquire_ip and instance, and
 * debug_show_held_locks() and sched_show_task(), exported by both; for
 * debugfs, debugfs_lookup().
 */
#ifndef _SMR_COMPAT_H
#define _SMR_COMPAT_H

#include <linux/preempt.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/timer.h>

/*
 * Tracepoints: __assign_str() lost its source argument in 6.10.  Every smr
 * event records its domain's name in a field "domain" from an argument of
 * the same name.
 */
#ifdef SMR_HAVE_ASSIGN_STR_1
#define smr_assign_domain()	__assign_str(domain)
#else
#define smr_assign_domain()	__assign_str(domain, domain)
#endif

/*
 * Shrinkers: allocated by shrinker_alloc() with a private_data pointer
 * since 6.7, embedded by the caller and registered by register_shrinker()
 * before.
 */
#ifdef SMR_HAVE_SHRINKER_ALLOC
static inline struct shrinker *
smr_shrinker_create(const char *name,
		    unsigned long (*count)(struct shrinker *, struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *, struct shrink_control *),
		    void *data)
{
	struct shrinker *s = shrinker_alloc(0, "%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->private_data = data;
	shrinker_register(s);
	return s;
}

static inline void *smr_shrinker_data(struct shrinker *s)
{
	return s->private_data;
}

static inline void smr_shrinker_destroy(struct shrinker *s)
{
	shrinker_free(s);
}
#else
struct smr_shrinker {
	struct shrinker shrinker;
	void *data;
};

static inline struct shrinker *
smr_shrinker_create(const char *name,
		    unsigned long (*count)(struct shrinker *, struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *, struct shrink_control *),
		    void *data)
{
	struct smr_shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->shrinker.count_objects = count;
	s->shrinker.scan_objects = scan;
	s->shrinker.seeks = DEFAULT_SEEKS;
	s->data = data;
	if (register_shrinker(&s->shrinker, "%s", name)) {
		kfree(s);
		return NULL;
	}
	return &s->shrinker;
}

static inline void *smr_shrinker_data(struct shrinker *s)
{
	return container_of(s, struct smr_shrinker, shrinker)->data;
}

static inline void smr_shrinker_destroy(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(container_of(s, struct smr_shrinker, shrinker));
}
#endif

#endif /* _SMR_COMPAT_H */
