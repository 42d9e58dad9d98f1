// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for smr_queue.h, the SMR queues.
 *
 * Built as its own module, smr_queue_kunit.ko, against smr.ko's exports.
 *
 *   smr_queue           every operation on each of the four kinds
 *   smr_queue_tail      tail insertion (stailq, tailq)
 *   smr_queue_iter      O(1) erasure while iterating (slist, stailq)
 *   smr_queue_validate  links corrupted by hand: the operation warns,
 *                       refuses and leaves the queue as it was
 *   smr_queue_stress    reader threads walk a queue while a writer (a
 *                       thread, or a timer that lands in the middle of
 *                       their walks) changes it and frees what it removed
 *                       once smr_poll() allows, poisoning it first
 *
 * The cases are written once and run on every kind through a table of
 * small functions (struct qkind).  QKIND_OPS() writes those functions for
 * a kind from one text, which is the point of the API: the same smrq_*
 * calls compile for all four kinds.  After each step a case compares the
 * queue, walked five ways, with the order it expects, and checks the
 * back pointers and the tail pointer.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tick.h>
#include <linux/timer.h>

#include "smr.h"
#include "smr_queue.h"

static unsigned int stress_ms = 300;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "Length of each stress case, per kind (ms)");

static unsigned int stress_readers;
module_param(stress_readers, uint, 0444);
MODULE_PARM_DESC(stress_readers,
		 "Stress reader threads (0: one per CPU, at least 2)");

#define QNODE_LIVE	0x11fe11feUL	/* on the queue */
#define QNODE_RETIRED	0x2e712ed0UL	/* removed, goal not reached yet */
#define QNODE_POISON	0x6b		/* byte written over reclaimed nodes */

/*
 * A test element.  It has a link for each kind, so that one QKIND_OPS()
 * text serves all four (the link of kind <k> is named <k>_link).
 */
struct qnode {
	/* Writer bookkeeping: never poisoned. */
	struct list_head entry;
	unsigned long goal;
	/* What readers see, after goal: poisoned when reclaimed. */
	unsigned long magic;
	unsigned int id;
	bool pinned;
	struct smrq_slink slist_link;
	struct smrq_link list_link;
	struct smrq_slink stailq_link;
	struct smrq_link tailq_link;
};

union qhead {
	struct smrq_slist_head slist;
	struct smrq_list_head list;
	struct smrq_stailq_head stailq;
	struct smrq_tailq_head tailq;
};

/* A visitor or a predicate; a visitor returns false to stop the walk. */
typedef bool (*qnode_fn)(struct qnode *n, void *arg);

/* Visit a queue's nodes in order. */
typedef void (*qwalk_fn)(void *head, qnode_fn visit, void *arg);

enum qwalk {
	QWALK_ENTERED,		/* smrq_entered_foreach() */
	QWALK_ENTERED_NEXT,	/* smrq_entered_first() and _next() */
	QWALK_SERIALIZED,	/* smrq_serialized_foreach() */
	QWALK_SERIALIZED_NEXT,	/* smrq_serialized_first() and _next() */
	QWALK_SERIALIZED_SAFE,	/* smrq_serialized_foreach_safe() */
	QWALK_NR,
};

static const char * const qwalk_names[QWALK_NR] = {
	"entered_foreach", "entered_first/next", "serialized_foreach",
	"serialized_first/next", "serialized_foreach_safe",
};

static bool qwalk_entered(enum qwalk how)
{
	return how == QWALK_ENTERED || how == QWALK_ENTERED_NEXT;
}

/* One kind of queue, as the cases see it. */
struct qkind {
	const char *name;
	void (*init)(void *head);
	bool (*empty)(void *head);
	bool (*insert_head)(void *head, struct qnode *n, bool relaxed);
	bool (*insert_tail)(void *head, struct qnode *n, bool relaxed);
	bool (*remove)(void *head, struct qnode *n);
	bool (*replace)(void *head, struct qnode *old, struct qnode *new);
	bool (*append)(void *dst, void *src);
	unsigned int (*remove_if)(void *head, qnode_fn pred, void *arg);
	unsigned int (*iter_erase_if)(void *head, qnode_fn pred, void *arg,
				      bool explicit_next);
	struct qnode *(*first)(void *head);
	struct qnode *(*next)(struct qnode *n);
	qwalk_fn walk[QWALK_NR];
	bool (*links_ok)(void *head);
};

/* The operations every kind has, for kind <kind>. */
#define QKIND_OPS(kind)							\
static void q##kind##_init(void *head)					\
{									\
	smrq_init((struct smrq_##kind##_head *)head);			\
}									\
									\
static bool q##kind##_empty(void *head)					\
{									\
	return smrq_empty((struct smrq_##kind##_head *)head);		\
}									\
									\
static bool q##kind##_insert_head(void *head, struct qnode *n,		\
				  bool relaxed)				\
{									\
	struct smrq_##kind##_head *h = head;				\
	__auto_type l = &n->kind##_link;				\
									\
	if (relaxed)							\
		return smrq_serialized_insert_head_relaxed(h, l);	\
	return smrq_serialized_insert_head(h, l);			\
}									\
									\
static bool q##kind##_remove(void *head, struct qnode *n)		\
{									\
	return smrq_serialized_remove((struct smrq_##kind##_head *)head, \
				      &n->kind##_link);			\
}									\
									\
static bool q##kind##_replace(void *head, struct qnode *old,		\
			      struct qnode *new)			\
{									\
	return smrq_serialized_replace((struct smrq_##kind##_head *)head, \
				       &old->kind##_link, &new->kind##_link); \
}									\
									\
static bool q##kind##_append(void *dst, void *src)			\
{									\
	return smrq_serialized_append((struct smrq_##kind##_head *)dst,	\
				      (struct smrq_##kind##_head *)src); \
}									\
									\
static unsigned int q##kind##_remove_if(void *head, qnode_fn pred, void *arg) \
{									\
	struct smrq_##kind##_head *h = head;				\
	unsigned int removed = 0;					\
	struct qnode *n;						\
									\
	smrq_serialized_foreach_safe(n, h, kind##_link)			\
		if (pred(n, arg))					\
			removed += smrq_serialized_remove(h, &n->kind##_link); \
	return removed;							\
}									\
									\
static struct qnode *q##kind##_first(void *head)			\
{									\
	return smrq_serialized_first((struct smrq_##kind##_head *)head,	\
				     struct qnode, kind##_link);	\
}									\
									\
static struct qnode *q##kind##_next(struct qnode *n)			\
{									\
	return smrq_serialized_next(n, kind##_link);			\
}									\
									\
static void q##kind##_walk_entered(void *head, qnode_fn visit, void *arg) \
{									\
	struct smrq_##kind##_head *h = head;				\
	struct qnode *n;						\
									\
	smrq_entered_foreach(n, h, kind##_link)				\
		if (!visit(n, arg))					\
			break;						\
}									\
									\
static void q##kind##_walk_entered_next(void *head, qnode_fn visit, void *arg) \
{									\
	struct smrq_##kind##_head *h = head;				\
	struct qnode *n = smrq_entered_first(h, struct qnode, kind##_link); \
									\
	while (n && visit(n, arg))					\
		n = smrq_entered_next(n, kind##_link);			\
}									\
									\
static void q##kind##_walk_serialized(void *head, qnode_fn visit, void *arg) \
{									\
	struct smrq_##kind##_head *h = head;				\
	struct qnode *n;						\
									\
	smrq_serialized_foreach(n, h, kind##_link)			\
		if (!visit(n, arg))					\
			break;						\
}									\
									\
static void q##kind##_walk_serialized_next(void *head, qnode_fn visit,	\
					void *arg)			\
{									\
	struct qnode *n = q##kind##_first(head);			\
									\
	while (n && visit(n, arg))					\
		n = q##kind##_next(n);					\
}									\
									\
static void q##kind##_walk_safe(void *head, qnode_fn visit, void *arg)	\
{									\
	struct smrq_##kind##_head *h = head;				\
	struct qnode *n;						\
									\
	smrq_serialized_foreach_safe(n, h, kind##_link)			\
		if (!visit(n, arg))					\
			break;						\
}

/* Tail insertion, for the tail queue kinds. */
#define QKIND_TAIL_OPS(kind)						\
static bool q##kind##_insert_tail(void *head, struct qnode *n,		\
				  bool relaxed)				\
{									\
	struct smrq_##kind##_head *h = head;				\
	__auto_type l = &n->kind##_link;				\
									\
	if (relaxed)							\
		return smrq_serialized_insert_tail_relaxed(h, l);	\
	return smrq_serialized_insert_tail(h, l);			\
}

/* Erasure while iterating, for the singly linked kinds. */
#define QKIND_ITER_OPS(kind)						\
static unsigned int q##kind##_iter_erase_if(void *head, qnode_fn pred,	\
					    void *arg, bool explicit_next) \
{									\
	struct smrq_##kind##_head *h = head;				\
	unsigned int erased = 0;					\
	struct qnode *n;						\
									\
	smrq_serialized_iter(n, h, kind##_link) {			\
		if (pred(n, arg))					\
			erased += smrq_serialized_iter_erase(n, kind##_link); \
		else if (explicit_next)					\
			smrq_serialized_iter_next(n, kind##_link);	\
	}								\
	return erased;							\
}

QKIND_OPS(slist)
QKIND_OPS(list)
QKIND_OPS(stailq)
QKIND_OPS(tailq)
QKIND_TAIL_OPS(stailq)
QKIND_TAIL_OPS(tailq)
QKIND_ITER_OPS(slist)
QKIND_ITER_OPS(stailq)

/* Bound for walks of a queue that might be corrupt or cyclic. */
#define QMAX_WALK	1024

/*
 * Structure checks, without the API: each pointer of a queue leads to the
 * next node, back pointers point back, and last (when given) ends it.
 */
static bool slinks_ok(struct smrq_slink __smr **first,
		      struct smrq_slink __smr **last)
{
	struct smrq_slink __smr **cell = first;
	struct smrq_slink *l;
	unsigned int steps = 0;

	while ((l = smr_unserialized_load(*cell))) {
		if (++steps > QMAX_WALK)
			return false;
		cell = &l->next;
	}
	return !last || last == cell;
}

static bool links_ok(struct smrq_link __smr **first,
		     struct smrq_link __smr **last)
{
	struct smrq_link __smr **cell = first;
	struct smrq_link *l;
	unsigned int steps = 0;

	while ((l = smr_unserialized_load(*cell))) {
		if (++steps > QMAX_WALK || l->prev != cell)
			return false;
		cell = &l->next;
	}
	return !last || last == cell;
}

static bool qslist_links_ok(void *head)
{
	struct smrq_slist_head *h = head;

	return slinks_ok(&h->first, NULL);
}

static bool qlist_links_ok(void *head)
{
	struct smrq_list_head *h = head;

	return links_ok(&h->first, NULL);
}

static bool qstailq_links_ok(void *head)
{
	struct smrq_stailq_head *h = head;

	return slinks_ok(&h->first, h->last);
}

static bool qtailq_links_ok(void *head)
{
	struct smrq_tailq_head *h = head;

	return links_ok(&h->first, h->last);
}

#define QKIND_COMMON(kind)						\
	.name = #kind,							\
	.init = q##kind##_init,						\
	.empty = q##kind##_empty,					\
	.insert_head = q##kind##_insert_head,				\
	.remove = q##kind##_remove,					\
	.replace = q##kind##_replace,					\
	.append = q##kind##_append,					\
	.remove_if = q##kind##_remove_if,				\
	.first = q##kind##_first,					\
	.next = q##kind##_next,						\
	.walk = {							\
		[QWALK_ENTERED] = q##kind##_walk_entered,		\
		[QWALK_ENTERED_NEXT] = q##kind##_walk_entered_next,	\
		[QWALK_SERIALIZED] = q##kind##_walk_serialized,		\
		[QWALK_SERIALIZED_NEXT] = q##kind##_walk_serialized_next, \
		[QWALK_SERIALIZED_SAFE] = q##kind##_walk_safe,		\
	},								\
	.links_ok = q##kind##_links_ok

static const struct qkind qkind_slist = {
	QKIND_COMMON(slist),
	.iter_erase_if = qslist_iter_erase_if,
};

static const struct qkind qkind_list = {
	QKIND_COMMON(list),
};

static const struct qkind qkind_stailq = {
	QKIND_COMMON(stailq),
	.insert_tail = qstailq_insert_tail,
	.iter_erase_if = qstailq_iter_erase_if,
};

static const struct qkind qkind_tailq = {
	QKIND_COMMON(tailq),
	.insert_tail = qtailq_insert_tail,
};

static const struct qkind * const all_kinds[] = {
	&qkind_slist, &qkind_list, &qkind_stailq, &qkind_tailq,
};

static const struct qkind * const tail_kinds[] = {
	&qkind_stailq, &qkind_tailq,
};

static const struct qkind * const singly_kinds[] = {
	&qkind_slist, &qkind_stailq,
};

static void qkind_desc(const struct qkind * const *k, char *desc)
{
	strscpy(desc, (*k)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(all_kinds, all_kinds, qkind_desc);
KUNIT_ARRAY_PARAM(tail_kinds, tail_kinds, qkind_desc);
KUNIT_ARRAY_PARAM(singly_kinds, singly_kinds, qkind_desc);

/* ---- Fixture ------------------------------------------------------------ */

#define QT_NODES	16

/* Two queues of the case's kind, nodes with id == index, a domain. */
struct qtest {
	struct smr *smr;
	const struct qkind *k;
	union qhead q[2];
	struct qnode n[QT_NODES];
};

static int qtest_init(struct kunit *test)
{
	struct qtest *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->smr = smr_domain_create(SMR_NONE, "smrq-kunit");
	KUNIT_ASSERT_NOT_NULL(test, t->smr);
	for (i = 0; i < QT_NODES; i++) {
		t->n[i].id = i;
		t->n[i].magic = QNODE_LIVE;
	}
	if (test->param_value) {
		t->k = *(const struct qkind * const *)test->param_value;
		t->k->init(&t->q[0]);
		t->k->init(&t->q[1]);
	}
	test->priv = t;
	return 0;
}

static void qtest_exit(struct kunit *test)
{
	struct qtest *t = test->priv;

	smr_domain_free(t->smr);
}

/* What a walk saw. */
struct qseen {
	unsigned int n;
	int ids[QT_NODES * 2];
};

static bool qseen_add(struct qnode *n, void *arg)
{
	struct qseen *seen = arg;

	if (seen->n == ARRAY_SIZE(seen->ids))
		return false;
	seen->ids[seen->n++] = n->id;
	return true;
}

static void qwalk_in_section(struct qtest *t, void *head, enum qwalk how,
			     qnode_fn visit, void *arg)
{
	smr_enter(t->smr);
	t->k->walk[how](head, visit, arg);
	smr_leave(t->smr);
}

/* Walk @head the way @how, inside a section when @how needs one. */
static void qwalk(struct qtest *t, void *head, enum qwalk how,
		  qnode_fn visit, void *arg)
{
	if (qwalk_entered(how))
		qwalk_in_section(t, head, how, visit, arg);
	else
		t->k->walk[how](head, visit, arg);
}

/*
 * The queue holds the nodes @ids, in that order: walked every way, with
 * consistent back and tail pointers, and smrq_empty() agrees.
 */
static void expect_shape(struct kunit *test, void *head, const int *ids,
			 unsigned int n)
{
	struct qtest *t = test->priv;
	enum qwalk how;

	for (how = 0; how < QWALK_NR; how++) {
		struct qseen seen = {};

		qwalk(t, head, how, qseen_add, &seen);
		KUNIT_EXPECT_EQ_MSG(test, seen.n, n, "%s, %s walk",
				    t->k->name, qwalk_names[how]);
		if (seen.n == n && n)
			KUNIT_EXPECT_MEMEQ_MSG(test, seen.ids, ids,
					       n * sizeof(*ids), "%s, %s walk",
					       t->k->name, qwalk_names[how]);
	}
	KUNIT_EXPECT_TRUE_MSG(test, t->k->links_ok(head), "%s links",
			      t->k->name);
	KUNIT_EXPECT_EQ_MSG(test, t->k->empty(head), !n, "%s empty",
			    t->k->name);
}

#define EXPECT_SHAPE(test, head, ...)					\
	expect_shape(test, head, (const int[]){ __VA_ARGS__ },		\
		     ARRAY_SIZE(((const int[]){ __VA_ARGS__ })))

#define EXPECT_EMPTY(test, head)	expect_shape(test, head, NULL, 0)

/* Build the queue @ids in that order, with tail or head insertions. */
static void qfill(struct kunit *test, void *head, const int *ids,
		  unsigned int n)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	unsigned int i;
	bool ok;

	for (i = 0; i < n; i++) {
		if (k->insert_tail)
			ok = k->insert_tail(head, &t->n[ids[i]], false);
		else	/* from the back */
			ok = k->insert_head(head, &t->n[ids[n - 1 - i]], false);
		KUNIT_ASSERT_TRUE(test, ok);
	}
}

#define QFILL(test, head, ...)						\
	qfill(test, head, (const int[]){ __VA_ARGS__ },			\
	      ARRAY_SIZE(((const int[]){ __VA_ARGS__ })))

/* The node a removed or replaced node still points to, or -1. */
static int next_id(struct qtest *t, unsigned int id)
{
	struct qnode *next = t->k->next(&t->n[id]);

	return next ? next->id : -1;
}

static bool is_even(struct qnode *n, void *arg)
{
	return !(n->id % 2);
}

static bool is_odd(struct qnode *n, void *arg)
{
	return n->id % 2;
}

static bool is_any(struct qnode *n, void *arg)
{
	return true;
}

/* ---- smr_queue: every kind ---------------------------------------------- */

static void smr_queue_init_empty(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;

	EXPECT_EMPTY(test, &t->q[0]);
	KUNIT_EXPECT_NULL(test, k->first(&t->q[0]));
	KUNIT_EXPECT_TRUE(test, k->insert_head(&t->q[0], &t->n[0], false));
	EXPECT_SHAPE(test, &t->q[0], 0);
	k->init(&t->q[0]);
	EXPECT_EMPTY(test, &t->q[0]);
	/* The queue is usable again, tail pointer included. */
	QFILL(test, &t->q[0], 1, 2);
	EXPECT_SHAPE(test, &t->q[0], 1, 2);
}

static void smr_queue_insert_head(struct kunit *test)
{
	struct qtest *t = test->priv;
	int i;

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_TRUE(test, t->k->insert_head(&t->q[0], &t->n[i],
							  false));
	EXPECT_SHAPE(test, &t->q[0], 3, 2, 1, 0);
	KUNIT_EXPECT_PTR_EQ(test, t->k->first(&t->q[0]), &t->n[3]);
}

static void smr_queue_insert_head_relaxed(struct kunit *test)
{
	struct qtest *t = test->priv;
	int i;

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_TRUE(test, t->k->insert_head(&t->q[0], &t->n[i],
							  true));
	EXPECT_SHAPE(test, &t->q[0], 3, 2, 1, 0);
}

static void smr_queue_remove(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	void *q = &t->q[0];

	QFILL(test, q, 0, 1, 2, 3, 4);
	KUNIT_EXPECT_TRUE(test, k->remove(q, &t->n[2]));	/* middle */
	EXPECT_SHAPE(test, q, 0, 1, 3, 4);
	KUNIT_EXPECT_TRUE(test, k->remove(q, &t->n[0]));	/* first */
	EXPECT_SHAPE(test, q, 1, 3, 4);
	KUNIT_EXPECT_TRUE(test, k->remove(q, &t->n[4]));	/* last */
	EXPECT_SHAPE(test, q, 1, 3);
	/* Removed nodes keep pointing where they pointed. */
	KUNIT_EXPECT_EQ(test, next_id(t, 2), 3);
	KUNIT_EXPECT_EQ(test, next_id(t, 0), 1);
	KUNIT_EXPECT_EQ(test, next_id(t, 4), -1);
	KUNIT_EXPECT_TRUE(test, k->remove(q, &t->n[1]));
	/* The only one. */
	KUNIT_EXPECT_TRUE(test, k->remove(q, &t->n[3]));
	EXPECT_EMPTY(test, q);
	/* Removed nodes may be inserted again once reclaimable. */
	QFILL(test, q, 4, 2, 0);
	EXPECT_SHAPE(test, q, 4, 2, 0);
}

/* A writer working while a reader stands on a node. */
struct qstand {
	struct kunit *test;
	struct qtest *t;
	int on;			/* act when the reader reaches this node */
	int victims[2];		/* remove these, or replace [0] by [1] */
	bool replace;
	unsigned long goal;
	struct qseen seen;
};

static bool qstand_visit(struct qnode *n, void *arg)
{
	struct qstand *st = arg;
	struct qtest *t = st->t;
	struct qnode *a = &t->n[st->victims[0]], *b = &t->n[st->victims[1]];

	qseen_add(n, &st->seen);
	if (n->id != st->on)
		return true;
	if (st->replace) {
		KUNIT_EXPECT_TRUE(st->test, t->k->replace(&t->q[0], a, b));
	} else {
		KUNIT_EXPECT_TRUE(st->test, t->k->remove(&t->q[0], a));
		KUNIT_EXPECT_TRUE(st->test, t->k->remove(&t->q[0], b));
	}
	st->goal = smr_advance(t->smr);
	/* The reader still holds what it may see. */
	KUNIT_EXPECT_FALSE(st->test, smr_poll(t->smr, st->goal));
	return true;
}

/* Remove or replace under a reader's feet; the reader carries on. */
static void expect_reader_carries_on(struct kunit *test, enum qwalk how,
				     struct qstand st, const int *seen,
				     unsigned int nseen)
{
	struct qtest *t = test->priv;

	t->k->init(&t->q[0]);
	QFILL(test, &t->q[0], 0, 1, 2, 3, 4);
	st.test = test;
	st.t = t;
	qwalk(t, &t->q[0], how, qstand_visit, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.seen.n, nseen, "%s walk",
			    qwalk_names[how]);
	KUNIT_EXPECT_MEMEQ_MSG(test, st.seen.ids, seen,
			       min(st.seen.n, nseen) * sizeof(*seen),
			       "%s walk", qwalk_names[how]);
	KUNIT_EXPECT_TRUE(test, smr_poll(t->smr, st.goal));
}

static void smr_queue_remove_under_reader(struct kunit *test)
{
	struct qtest *t = test->priv;
	struct qstand st = { .on = 1, .victims = { 1, 2 } };

	/* The reader stands on 1 when 1 and 2 go: it goes on to 2, 3, 4. */
	expect_reader_carries_on(test, QWALK_ENTERED, st,
				 (const int[]){ 0, 1, 2, 3, 4 }, 5);
	EXPECT_SHAPE(test, &t->q[0], 0, 3, 4);
	expect_reader_carries_on(test, QWALK_ENTERED_NEXT, st,
				 (const int[]){ 0, 1, 2, 3, 4 }, 5);
	EXPECT_SHAPE(test, &t->q[0], 0, 3, 4);
	/* Standing on the last node when it goes: the walk ends there. */
	st = (struct qstand){ .on = 4, .victims = { 3, 4 } };
	expect_reader_carries_on(test, QWALK_ENTERED, st,
				 (const int[]){ 0, 1, 2, 3, 4 }, 5);
	EXPECT_SHAPE(test, &t->q[0], 0, 1, 2);
}

static void smr_queue_replace(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	void *q = &t->q[0];

	QFILL(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, k->replace(q, &t->n[1], &t->n[11]));
	EXPECT_SHAPE(test, q, 0, 11, 2);
	KUNIT_EXPECT_TRUE(test, k->replace(q, &t->n[0], &t->n[10]));
	EXPECT_SHAPE(test, q, 10, 11, 2);
	KUNIT_EXPECT_TRUE(test, k->replace(q, &t->n[2], &t->n[12]));
	EXPECT_SHAPE(test, q, 10, 11, 12);
	/* The old nodes keep their next pointers for readers on them. */
	KUNIT_EXPECT_EQ(test, next_id(t, 0), 11);
	KUNIT_EXPECT_EQ(test, next_id(t, 1), 2);
	KUNIT_EXPECT_EQ(test, next_id(t, 2), -1);
	/* The new last node is last for the tail pointer too. */
	QFILL(test, &t->q[1], 5);
	KUNIT_EXPECT_TRUE(test, k->append(q, &t->q[1]));
	EXPECT_SHAPE(test, q, 10, 11, 12, 5);
}

static void smr_queue_replace_under_reader(struct kunit *test)
{
	struct qtest *t = test->priv;
	struct qstand st = { .on = 1, .victims = { 1, 11 }, .replace = true };

	expect_reader_carries_on(test, QWALK_ENTERED, st,
				 (const int[]){ 0, 1, 2, 3, 4 }, 5);
	EXPECT_SHAPE(test, &t->q[0], 0, 11, 2, 3, 4);
	/* Replacing the node ahead of the reader: it sees the new one. */
	st = (struct qstand){ .on = 1, .victims = { 2, 12 }, .replace = true };
	expect_reader_carries_on(test, QWALK_ENTERED_NEXT, st,
				 (const int[]){ 0, 1, 12, 3, 4 }, 5);
	EXPECT_SHAPE(test, &t->q[0], 0, 1, 12, 3, 4);
}

static void smr_queue_append(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	void *dst = &t->q[0], *src = &t->q[1];
	struct qseen seen = {};

	QFILL(test, dst, 0, 1, 2);
	QFILL(test, src, 3, 4, 5);
	KUNIT_EXPECT_TRUE(test, k->append(dst, src));
	EXPECT_SHAPE(test, dst, 0, 1, 2, 3, 4, 5);
	/* The source still leads its readers to its elements. */
	qwalk(t, src, QWALK_ENTERED, qseen_add, &seen);
	KUNIT_EXPECT_EQ(test, seen.n, 3);
	KUNIT_EXPECT_MEMEQ(test, seen.ids, ((int[]){ 3, 4, 5 }),
			   3 * sizeof(int));
	/* Reset, it is a queue of its own again. */
	k->init(src);
	EXPECT_EMPTY(test, src);
	QFILL(test, src, 6);
	EXPECT_SHAPE(test, src, 6);
	EXPECT_SHAPE(test, dst, 0, 1, 2, 3, 4, 5);
	/* An empty source changes nothing; an empty destination takes all. */
	k->init(src);
	KUNIT_EXPECT_TRUE(test, k->append(dst, src));
	EXPECT_SHAPE(test, dst, 0, 1, 2, 3, 4, 5);
	KUNIT_EXPECT_TRUE(test, k->append(src, dst));
	EXPECT_SHAPE(test, src, 0, 1, 2, 3, 4, 5);
	/* Elements can be added after appended ones. */
	k->init(dst);
	QFILL(test, dst, 7);
	KUNIT_EXPECT_TRUE(test, k->append(src, dst));
	EXPECT_SHAPE(test, src, 0, 1, 2, 3, 4, 5, 7);
}

static void smr_queue_append_built_privately(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	int i;

	/* Build a queue no reader sees, then publish it in one step. */
	for (i = 4; i < 8; i++)
		KUNIT_EXPECT_TRUE(test,
				  k->insert_head(&t->q[1], &t->n[i], true));
	QFILL(test, &t->q[0], 0, 1);
	KUNIT_EXPECT_TRUE(test, k->append(&t->q[0], &t->q[1]));
	EXPECT_SHAPE(test, &t->q[0], 0, 1, 7, 6, 5, 4);
}

static void smr_queue_foreach_safe_remove(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;

	QFILL(test, &t->q[0], 0, 1, 2, 3, 4, 5, 6);
	KUNIT_EXPECT_EQ(test, k->remove_if(&t->q[0], is_even, NULL), 4);
	EXPECT_SHAPE(test, &t->q[0], 1, 3, 5);
	KUNIT_EXPECT_EQ(test, k->remove_if(&t->q[0], is_any, NULL), 3);
	EXPECT_EMPTY(test, &t->q[0]);
	QFILL(test, &t->q[0], 8, 9);
	EXPECT_SHAPE(test, &t->q[0], 8, 9);
}

static struct smrq_slist_head static_slist = SMRQ_SLIST_HEAD_INIT;
static struct smrq_list_head static_list = SMRQ_LIST_HEAD_INIT;
static struct smrq_stailq_head static_stailq =
	SMRQ_STAILQ_HEAD_INIT(static_stailq);
static struct smrq_tailq_head static_tailq = SMRQ_TAILQ_HEAD_INIT(static_tailq);

/* The static initializers make empty, usable queues. */
static void smr_queue_static_init(struct kunit *test)
{
	struct qnode *n = &((struct qtest *)test->priv)->n[0];

	KUNIT_EXPECT_TRUE(test, smrq_empty(&static_slist));
	KUNIT_EXPECT_TRUE(test, smrq_empty(&static_list));
	KUNIT_EXPECT_TRUE(test, smrq_empty(&static_stailq));
	KUNIT_EXPECT_TRUE(test, smrq_empty(&static_tailq));
	KUNIT_EXPECT_PTR_EQ(test, static_stailq.last, &static_stailq.first);
	KUNIT_EXPECT_PTR_EQ(test, static_tailq.last, &static_tailq.first);
	KUNIT_EXPECT_TRUE(test, smrq_serialized_insert_head(&static_slist,
							    &n->slist_link));
	KUNIT_EXPECT_TRUE(test, smrq_serialized_insert_head(&static_list,
							    &n->list_link));
	KUNIT_EXPECT_TRUE(test, smrq_serialized_insert_tail(&static_stailq,
							    &n->stailq_link));
	KUNIT_EXPECT_TRUE(test, smrq_serialized_insert_tail(&static_tailq,
							    &n->tailq_link));
	KUNIT_EXPECT_PTR_EQ(test, static_tailq.last, &n->tailq_link.next);
	/* Leave them as found, for a rerun. */
	KUNIT_EXPECT_TRUE(test, smrq_serialized_remove(&static_slist,
						       &n->slist_link));
	KUNIT_EXPECT_TRUE(test, smrq_serialized_remove(&static_list,
						       &n->list_link));
	KUNIT_EXPECT_TRUE(test, smrq_serialized_remove(&static_stailq,
						       &n->stailq_link));
	KUNIT_EXPECT_TRUE(test, smrq_serialized_remove(&static_tailq,
						       &n->tailq_link));
	KUNIT_EXPECT_PTR_EQ(test, static_stailq.last, &static_stailq.first);
	KUNIT_EXPECT_PTR_EQ(test, static_tailq.last, &static_tailq.first);
}

/* smrq_entry() is container_of() for both link kinds, NULL passed through. */
static void smr_queue_entry_passes_null(struct kunit *test)
{
	struct qnode *n = &((struct qtest *)test->priv)->n[0];
	struct smrq_slink *sl = NULL;
	struct smrq_link *l = NULL;

	KUNIT_EXPECT_PTR_EQ(test, smrq_entry(&n->stailq_link, struct qnode,
					     stailq_link), n);
	KUNIT_EXPECT_PTR_EQ(test, smrq_entry(&n->tailq_link, struct qnode,
					     tailq_link), n);
	KUNIT_EXPECT_NULL(test, smrq_entry(sl, struct qnode, slist_link));
	KUNIT_EXPECT_NULL(test, smrq_entry(l, struct qnode, list_link));
}

static struct kunit_case smr_queue_cases[] = {
	KUNIT_CASE_PARAM(smr_queue_init_empty, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_insert_head, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_insert_head_relaxed, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_remove, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_remove_under_reader, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_replace, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_replace_under_reader, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_append, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_append_built_privately,
			 all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_foreach_safe_remove, all_kinds_gen_params),
	KUNIT_CASE(smr_queue_static_init),
	KUNIT_CASE(smr_queue_entry_passes_null),
	{}
};

static struct kunit_suite smr_queue_suite = {
	.name = "smr_queue",
	.init = qtest_init,
	.exit = qtest_exit,
	.test_cases = smr_queue_cases,
};

/* ---- smr_queue_tail: stailq, tailq -------------------------------------- */

static void expect_insert_tail(struct kunit *test, bool relaxed)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	void *q = &t->q[0];

	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[0], relaxed));
	EXPECT_SHAPE(test, q, 0);
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[1], relaxed));
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[2], relaxed));
	EXPECT_SHAPE(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, k->insert_head(q, &t->n[9], relaxed));
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[3], relaxed));
	EXPECT_SHAPE(test, q, 9, 0, 1, 2, 3);
}

static void smr_queue_insert_tail(struct kunit *test)
{
	expect_insert_tail(test, false);
}

static void smr_queue_insert_tail_relaxed(struct kunit *test)
{
	expect_insert_tail(test, true);
}

static void smr_queue_tail_follows_changes(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	void *q = &t->q[0];

	QFILL(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, k->remove(q, &t->n[2]));
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[3], false));
	EXPECT_SHAPE(test, q, 0, 1, 3);
	KUNIT_EXPECT_TRUE(test, k->replace(q, &t->n[3], &t->n[4]));
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[5], false));
	EXPECT_SHAPE(test, q, 0, 1, 4, 5);
	KUNIT_EXPECT_EQ(test, k->remove_if(q, is_any, NULL), 4);
	EXPECT_EMPTY(test, q);
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[6], false));
	EXPECT_SHAPE(test, q, 6);
	/* After an append, the tail is the source's. */
	QFILL(test, &t->q[1], 7, 8);
	KUNIT_EXPECT_TRUE(test, k->append(q, &t->q[1]));
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[9], false));
	EXPECT_SHAPE(test, q, 6, 7, 8, 9);
}

static struct kunit_case smr_queue_tail_cases[] = {
	KUNIT_CASE_PARAM(smr_queue_insert_tail, tail_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_insert_tail_relaxed, tail_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_tail_follows_changes, tail_kinds_gen_params),
	{}
};

static struct kunit_suite smr_queue_tail_suite = {
	.name = "smr_queue_tail",
	.init = qtest_init,
	.exit = qtest_exit,
	.test_cases = smr_queue_tail_cases,
};

/* ---- smr_queue_iter: slist, stailq -------------------------------------- */

static void expect_iter_erase(struct kunit *test, bool explicit_next)
{
	struct qtest *t = test->priv;
	const struct qkind *k = t->k;
	void *q = &t->q[0];

	QFILL(test, q, 0, 1, 2, 3, 4, 5, 6, 7);
	KUNIT_EXPECT_EQ(test, k->iter_erase_if(q, is_odd, NULL, explicit_next),
			4);
	EXPECT_SHAPE(test, q, 0, 2, 4, 6);
	/* Erased nodes keep their next pointers; 7 was last. */
	KUNIT_EXPECT_EQ(test, next_id(t, 1), 2);
	KUNIT_EXPECT_EQ(test, next_id(t, 7), -1);
	KUNIT_EXPECT_EQ(test, k->iter_erase_if(q, is_any, NULL, explicit_next),
			4);
	EXPECT_EMPTY(test, q);
	QFILL(test, q, 8, 9);
	EXPECT_SHAPE(test, q, 8, 9);
}

static void smr_queue_iter_erase(struct kunit *test)
{
	expect_iter_erase(test, true);
}

static void smr_queue_iter_implicit_next(struct kunit *test)
{
	expect_iter_erase(test, false);
}

static struct kunit_case smr_queue_iter_cases[] = {
	KUNIT_CASE_PARAM(smr_queue_iter_erase, singly_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_iter_implicit_next, singly_kinds_gen_params),
	{}
};

static struct kunit_suite smr_queue_iter_suite = {
	.name = "smr_queue_iter",
	.init = qtest_init,
	.exit = qtest_exit,
	.test_cases = smr_queue_iter_cases,
};

/* ---- smr_queue_validate: corrupted links are refused -------------------- */

/*
 * Each case breaks a link by hand, checks that the operation returns
 * false (it also warns, once per check per module load) and that the
 * queue is as it was, then repairs the link and checks the operation
 * goes through.
 */

static void qtest_use(struct kunit *test, const struct qkind *k)
{
	struct qtest *t = test->priv;

	t->k = k;
	k->init(&t->q[0]);
	k->init(&t->q[1]);
}

static void smr_queue_validate_prev(struct kunit *test)
{
	struct qtest *t = test->priv;
	struct smrq_link __smr **saved;
	void *q = &t->q[0];

	qtest_use(test, &qkind_list);
	QFILL(test, q, 0, 1, 2);
	/* 1's prev points at 2's next pointer instead of 0's. */
	saved = t->n[1].list_link.prev;
	t->n[1].list_link.prev = &t->n[2].list_link.next;
	KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[1]));
	KUNIT_EXPECT_FALSE(test, t->k->replace(q, &t->n[1], &t->n[5]));
	t->n[1].list_link.prev = saved;
	EXPECT_SHAPE(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, t->k->remove(q, &t->n[1]));
	EXPECT_SHAPE(test, q, 0, 2);
}

static void smr_queue_validate_next_prev(struct kunit *test)
{
	struct qtest *t = test->priv;
	struct smrq_link __smr **saved;
	void *q = &t->q[0];

	qtest_use(test, &qkind_tailq);
	QFILL(test, q, 0, 1, 2);
	/* 2, after 1, does not point back to 1. */
	saved = t->n[2].tailq_link.prev;
	t->n[2].tailq_link.prev = &t->n[0].tailq_link.next;
	KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[1]));
	/* The first node does not point back to the head. */
	t->n[2].tailq_link.prev = saved;
	saved = t->n[0].tailq_link.prev;
	t->n[0].tailq_link.prev = NULL;
	KUNIT_EXPECT_FALSE(test, t->k->insert_head(q, &t->n[5], false));
	KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[0]));
	t->n[0].tailq_link.prev = saved;
	EXPECT_SHAPE(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, t->k->insert_head(q, &t->n[5], false));
	KUNIT_EXPECT_TRUE(test, t->k->remove(q, &t->n[1]));
	EXPECT_SHAPE(test, q, 5, 0, 2);
}

static void smr_queue_validate_removed_twice(struct kunit *test)
{
	struct qtest *t = test->priv;
	void *q = &t->q[0];

	qtest_use(test, &qkind_list);
	QFILL(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, t->k->remove(q, &t->n[1]));
	KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[1]));
	KUNIT_EXPECT_FALSE(test, t->k->replace(q, &t->n[1], &t->n[5]));
	EXPECT_SHAPE(test, q, 0, 2);

	qtest_use(test, &qkind_stailq);
	QFILL(test, q, 0, 1, 2);
	KUNIT_EXPECT_TRUE(test, t->k->remove(q, &t->n[1]));
	KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[1]));
	KUNIT_EXPECT_FALSE(test, t->k->replace(q, &t->n[1], &t->n[5]));
	EXPECT_SHAPE(test, q, 0, 2);
}

/* Point a tail queue's last pointer at @n's next pointer. */
static void set_last(const struct qkind *k, union qhead *q, struct qnode *n)
{
	if (k == &qkind_stailq)
		q->stailq.last = &n->stailq_link.next;
	else
		q->tailq.last = &n->tailq_link.next;
}

/* A tail queue whose last pointer does not end it. */
static void expect_last_checked(struct kunit *test, const struct qkind *k)
{
	struct qtest *t = test->priv;
	union qhead *q = &t->q[0];

	qtest_use(test, k);
	QFILL(test, q, 0, 1, 2);
	set_last(k, q, &t->n[1]);	/* as if 2 were linked in without it */
	KUNIT_EXPECT_FALSE(test, k->insert_tail(q, &t->n[5], false));
	KUNIT_EXPECT_FALSE(test, k->remove(q, &t->n[2]));
	KUNIT_EXPECT_FALSE(test, k->replace(q, &t->n[2], &t->n[5]));
	KUNIT_EXPECT_FALSE(test, k->append(&t->q[1], q));
	set_last(k, q, &t->n[2]);
	EXPECT_SHAPE(test, q, 0, 1, 2);
	EXPECT_EMPTY(test, &t->q[1]);
	/* An empty queue whose last is left on a node refuses insertion. */
	k->init(q);
	set_last(k, q, &t->n[1]);
	KUNIT_EXPECT_FALSE(test, k->insert_head(q, &t->n[6], false));
	KUNIT_EXPECT_FALSE(test, k->insert_tail(q, &t->n[6], false));
	k->init(q);
	KUNIT_EXPECT_TRUE(test, k->insert_head(q, &t->n[6], false));
	KUNIT_EXPECT_TRUE(test, k->insert_tail(q, &t->n[7], false));
	EXPECT_SHAPE(test, q, 6, 7);
}

static void smr_queue_validate_last(struct kunit *test)
{
	expect_last_checked(test, &qkind_stailq);
	expect_last_checked(test, &qkind_tailq);
}

static void smr_queue_validate_not_on_queue(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind * const kinds[] = { &qkind_slist, &qkind_stailq };
	void *q = &t->q[0];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		qtest_use(test, kinds[i]);
		QFILL(test, q, 0, 1, 2);
		QFILL(test, &t->q[1], 3);
		KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[3]));
		KUNIT_EXPECT_FALSE(test, t->k->replace(q, &t->n[3], &t->n[5]));
		KUNIT_EXPECT_FALSE(test, t->k->remove(q, &t->n[9]));
		EXPECT_SHAPE(test, q, 0, 1, 2);
		EXPECT_SHAPE(test, &t->q[1], 3);
	}
}

static void smr_queue_validate_self_links(struct kunit *test)
{
	struct qtest *t = test->priv;
	void *q = &t->q[0];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_kinds); i++) {
		qtest_use(test, all_kinds[i]);
		QFILL(test, q, 0, 1, 2);
		/* Inserted again where it is: a cycle, refused. */
		KUNIT_EXPECT_FALSE(test, t->k->insert_head(q, &t->n[0], false));
		if (t->k->insert_tail)
			KUNIT_EXPECT_FALSE(test, t->k->insert_tail(q, &t->n[2],
								   false));
		KUNIT_EXPECT_FALSE(test, t->k->replace(q, &t->n[1], &t->n[1]));
		KUNIT_EXPECT_FALSE(test, t->k->append(q, q));
		EXPECT_SHAPE(test, q, 0, 1, 2);
	}
}

static void smr_queue_validate_append_source(struct kunit *test)
{
	struct qtest *t = test->priv;
	const struct qkind * const kinds[] = { &qkind_list, &qkind_tailq };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		qtest_use(test, kinds[i]);
		QFILL(test, &t->q[0], 0);
		QFILL(test, &t->q[1], 1, 2);
		KUNIT_EXPECT_TRUE(test, t->k->append(&t->q[0], &t->q[1]));
		/* The source no longer owns its nodes until reset. */
		KUNIT_EXPECT_FALSE(test, t->k->insert_head(&t->q[1], &t->n[5],
							   false));
		KUNIT_EXPECT_FALSE(test, t->k->append(&t->q[0], &t->q[1]));
		EXPECT_SHAPE(test, &t->q[0], 0, 1, 2);
		t->k->init(&t->q[1]);
		KUNIT_EXPECT_TRUE(test, t->k->insert_head(&t->q[1], &t->n[5],
							  false));
		EXPECT_SHAPE(test, &t->q[1], 5);
	}
}

static void smr_queue_validate_iter_moves_once(struct kunit *test)
{
	struct qtest *t = test->priv;
	struct smrq_slist_head *h = &t->q[0].slist;
	unsigned int refused = 0, kept = 0;
	struct qnode *n;

	qtest_use(test, &qkind_slist);
	QFILL(test, h, 0, 1, 2);
	smrq_serialized_iter(n, h, slist_link) {
		/* Moving on, then erasing the node left behind: refused. */
		kept += smrq_serialized_iter_next(n, slist_link);
		refused += !smrq_serialized_iter_erase(n, slist_link);
		refused += !smrq_serialized_iter_next(n, slist_link);
	}
	KUNIT_EXPECT_EQ(test, kept, 3);
	KUNIT_EXPECT_EQ(test, refused, 6);
	EXPECT_SHAPE(test, h, 0, 1, 2);
}

static struct kunit_case smr_queue_validate_cases[] = {
	KUNIT_CASE(smr_queue_validate_prev),
	KUNIT_CASE(smr_queue_validate_next_prev),
	KUNIT_CASE(smr_queue_validate_removed_twice),
	KUNIT_CASE(smr_queue_validate_last),
	KUNIT_CASE(smr_queue_validate_not_on_queue),
	KUNIT_CASE(smr_queue_validate_self_links),
	KUNIT_CASE(smr_queue_validate_append_source),
	KUNIT_CASE(smr_queue_validate_iter_moves_once),
	{}
};

static struct kunit_suite smr_queue_validate_suite = {
	.name = "smr_queue_validate",
	.init = qtest_init,
	.exit = qtest_exit,
	.test_cases = smr_queue_validate_cases,
};

/* ---- smr_queue_stress: readers and a writer ----------------------------- */

/*
 * PINNED nodes, ids 0 .. PINNED - 1 in that order, never leave the queue:
 * every complete walk must see all of them, in order, whatever the writer
 * did meanwhile -- which it only does if removal keeps the removed node's
 * next pointer for readers standing on it.  The other nodes come and go;
 * the writer prefers to remove the node a reader is standing on.  Removed
 * nodes are marked RETIRED, reclaimed once smr_poll() says their goal is
 * reached: poisoned, kept in quarantine for a while, then freed (KASAN
 * watches them from there).  A reader that meets a node that is neither
 * LIVE nor RETIRED has reached reclaimed memory: the case fails.
 */
#define QS_PINNED	4
#define QS_MIN_LIVE	4	/* unpinned nodes the writer keeps at least */
#define QS_MAX_LIVE	40	/* ... and at most */
#define QS_OPS		4	/* writer operations per step */
#define QS_QUARANTINE	64	/* poisoned nodes kept before kfree() */
#define QS_MAX_READERS	8

struct qstress;

struct qreader {
	struct qstress *s;
	unsigned int index;
	struct task_struct *task;
};

struct qstress {
	struct smr *smr;
	const struct qkind *k;
	union qhead q;
	bool timer_writer;	/* the writer runs from a timer */
	unsigned int delay_us;	/* readers' stay on each node */
	/* Readers */
	struct qreader readers[QS_MAX_READERS];
	unsigned int nreaders;
	struct qnode *standing[QS_MAX_READERS];
	atomic_t inside;
	atomic_long_t walks, visits, on_retired, bad, missed_pinned, runaway;
	/* The writer, one at a time by construction */
	struct task_struct *writer;
	struct timer_list timer;
	struct list_head pinned, live, retired, quarantine;
	unsigned int nlive, nquarantine, next_id;
	unsigned long steps, interleaved, inserts, removes, replaces, erases;
	unsigned long frees, refused, nomem;
};

/* One walk's view. */
struct qstress_walk {
	struct qreader *r;
	unsigned int steps, pinned_seen;
	bool failed;
};

static bool qnode_readable(struct qnode *n)
{
	unsigned long magic = READ_ONCE(n->magic);

	return magic == QNODE_LIVE || magic == QNODE_RETIRED;
}

static bool qstress_visit(struct qnode *n, void *arg)
{
	struct qstress_walk *w = arg;
	struct qstress *s = w->r->s;

	if (!qnode_readable(n))
		goto bad;
	WRITE_ONCE(s->standing[w->r->index], n);
	udelay(s->delay_us);		/* the writer may strike here */
	if (!qnode_readable(n))
		goto bad;
	if (READ_ONCE(n->magic) == QNODE_RETIRED)
		atomic_long_inc(&s->on_retired);
	if (n->pinned && n->id != w->pinned_seen++) {
		atomic_long_inc(&s->missed_pinned);
		w->failed = true;
		return false;
	}
	if (++w->steps > QMAX_WALK) {
		atomic_long_inc(&s->runaway);
		w->failed = true;
		return false;
	}
	return true;
bad:
	atomic_long_inc(&s->bad);
	w->failed = true;
	return false;
}

static void qstress_walk(struct qreader *r)
{
	struct qstress *s = r->s;
	struct qstress_walk w = { .r = r };

	smr_enter(s->smr);
	atomic_inc(&s->inside);
	s->k->walk[QWALK_ENTERED](&s->q, qstress_visit, &w);
	WRITE_ONCE(s->standing[r->index], NULL);
	atomic_dec(&s->inside);
	smr_leave(s->smr);
	if (!w.failed && w.pinned_seen != QS_PINNED)
		atomic_long_inc(&s->missed_pinned);
	atomic_long_inc(&s->walks);
	atomic_long_add(w.steps, &s->visits);
}

static int qstress_reader(void *arg)
{
	struct qreader *r = arg;

	while (!kthread_should_stop()) {
		qstress_walk(r);
		cond_resched();
	}
	return 0;
}

static struct qnode *qstress_alloc(struct qstress *s)
{
	struct qnode *n = kzalloc(sizeof(*n),
				  s->timer_writer ? GFP_ATOMIC : GFP_KERNEL);

	if (!n) {
		s->nomem++;
		return NULL;
	}
	n->magic = QNODE_LIVE;
	n->id = s->next_id++;
	return n;
}

static void qstress_insert(struct qstress *s)
{
	struct qnode *n = qstress_alloc(s);
	bool at_tail = s->k->insert_tail && get_random_u32_below(2);
	bool ok;

	if (!n)
		return;
	if (at_tail)
		ok = s->k->insert_tail(&s->q, n, false);
	else
		ok = s->k->insert_head(&s->q, n, false);
	if (!ok) {
		s->refused++;
		kfree(n);
		return;
	}
	list_add_tail(&n->entry, &s->live);
	s->nlive++;
	s->inserts++;
}

/* Off the queue: retire @n until readers are done with it. */
static void qstress_retire(struct qstress *s, struct qnode *n)
{
	list_del(&n->entry);
	s->nlive--;
	WRITE_ONCE(n->magic, QNODE_RETIRED);
	n->goal = smr_advance(s->smr);
	list_add_tail(&n->entry, &s->retired);
}

/* A live unpinned node: preferably one a reader is standing on. */
static struct qnode *qstress_victim(struct qstress *s)
{
	unsigned int i, pick;
	struct qnode *n;

	for (i = 0; i < s->nreaders; i++) {
		struct qnode *standing = READ_ONCE(s->standing[i]);

		/* Compared, never dereferenced: it may be gone already. */
		list_for_each_entry(n, &s->live, entry)
			if (n == standing)
				return n;
	}
	pick = get_random_u32_below(s->nlive);
	list_for_each_entry(n, &s->live, entry)
		if (!pick--)
			return n;
	return NULL;
}

static bool is_arg(struct qnode *n, void *arg)
{
	return n == arg;
}

static void qstress_take_off(struct qstress *s, struct qnode *victim,
			     unsigned int how)
{
	struct qnode *n;
	bool ok;

	if (!victim)
		return;
	switch (how) {
	case 0:
		n = qstress_alloc(s);
		if (!n)
			return;
		ok = s->k->replace(&s->q, victim, n);
		if (ok) {
			list_add_tail(&n->entry, &s->live);
			s->nlive++;
			s->replaces++;
		} else {
			kfree(n);
		}
		break;
	case 1:
		if (s->k->iter_erase_if) {
			ok = s->k->iter_erase_if(&s->q, is_arg, victim, true);
			s->erases += ok;
			break;
		}
		fallthrough;
	default:
		ok = s->k->remove(&s->q, victim);
		s->removes += ok;
		break;
	}
	if (ok)
		qstress_retire(s, victim);
	else
		s->refused++;
}

static void qstress_poison(struct qnode *n)
{
	memset_after(n, QNODE_POISON, goal);
}

/* Poison what readers are done with; free what has been poisoned longest. */
static void qstress_reclaim(struct qstress *s)
{
	struct qnode *n, *tmp;

	list_for_each_entry_safe(n, tmp, &s->retired, entry) {
		if (!smr_poll(s->smr, n->goal))
			break;		/* later goals are not reached either */
		qstress_poison(n);
		list_move_tail(&n->entry, &s->quarantine);
		s->frees++;
		if (++s->nquarantine > QS_QUARANTINE) {
			n = list_first_entry(&s->quarantine, struct qnode,
					     entry);
			list_del(&n->entry);
			kfree(n);
			s->nquarantine--;
		}
	}
}

static void qstress_write(struct qstress *s)
{
	unsigned int i, choice;

	s->steps++;
	if (atomic_read(&s->inside))
		s->interleaved++;
	for (i = 0; i < QS_OPS; i++) {
		choice = get_random_u32_below(4);
		/* The first operation goes for a reader's node. */
		if (s->nlive < QS_MIN_LIVE ||
		    (i && choice == 3 && s->nlive < QS_MAX_LIVE))
			qstress_insert(s);
		else
			qstress_take_off(s, qstress_victim(s), choice);
	}
	qstress_reclaim(s);
}

static int qstress_writer(void *arg)
{
	struct qstress *s = arg;

	while (!kthread_should_stop()) {
		qstress_write(s);
		cond_resched();
	}
	return 0;
}

static void qstress_tick(struct timer_list *timer)
{
	struct qstress *s = from_timer(s, timer, timer);

	qstress_write(s);
	mod_timer(&s->timer, jiffies + 1);
}

/* The initial queue: pinned nodes in order, two unpinned ones after each. */
static int qstress_fill(struct qstress *s)
{
	struct qnode *order[QS_PINNED * 3], *n;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		n = qstress_alloc(s);
		if (!n)
			return -ENOMEM;
		n->pinned = !(i % 3);
		n->id = n->pinned ? i / 3 : QS_PINNED + i;
		list_add_tail(&n->entry, n->pinned ? &s->pinned : &s->live);
		s->nlive += !n->pinned;
		order[i] = n;
	}
	/* Head insertions from the back build the queue in order. */
	for (i = ARRAY_SIZE(order); i-- > 0;)
		if (!s->k->insert_head(&s->q, order[i], false))
			return -EINVAL;
	s->next_id = QS_PINNED * 4;
	return 0;
}

static void qstress_free_list(struct list_head *list)
{
	struct qnode *n, *tmp;

	list_for_each_entry_safe(n, tmp, list, entry) {
		list_del(&n->entry);
		kfree(n);
	}
}

static void qstress_stop(struct qstress *s)
{
	unsigned int i;

	timer_shutdown_sync(&s->timer);
	if (!IS_ERR_OR_NULL(s->writer))
		kthread_stop(s->writer);
	s->writer = NULL;
	for (i = 0; i < s->nreaders; i++) {
		if (!IS_ERR_OR_NULL(s->readers[i].task))
			kthread_stop(s->readers[i].task);
		s->readers[i].task = NULL;
	}
}

static void qstress_release(void *arg)
{
	struct qstress *s = arg;

	qstress_stop(s);
	smr_synchronize(s->smr);
	qstress_free_list(&s->pinned);
	qstress_free_list(&s->live);
	qstress_free_list(&s->retired);
	qstress_free_list(&s->quarantine);
	smr_domain_free(s->smr);
}

static int qstress_start(struct qstress *s)
{
	unsigned int i;

	for (i = 0; i < s->nreaders; i++) {
		s->readers[i] = (struct qreader){ .s = s, .index = i };
		s->readers[i].task = kthread_run(qstress_reader, &s->readers[i],
						 "smrq-reader/%u", i);
		if (IS_ERR(s->readers[i].task))
			return PTR_ERR(s->readers[i].task);
	}
	if (s->timer_writer) {
		mod_timer(&s->timer, jiffies + 1);
		return 0;
	}
	s->writer = kthread_run(qstress_writer, s, "smrq-writer");
	return PTR_ERR_OR_ZERO(s->writer);
}

static unsigned int qstress_nreaders(void)
{
	unsigned int n = stress_readers ?: max(num_online_cpus(), 2U);

	return min(n, QS_MAX_READERS);
}

/* What is left on the queue: LIVE nodes, pinned ones in order, all there. */
static void expect_final_queue(struct kunit *test, struct qstress *s)
{
	struct qnode *n = s->k->first(&s->q);
	unsigned int count = 0, pinned = 0, bad = 0;

	for (; n && count <= QMAX_WALK; n = s->k->next(n), count++) {
		bad += n->magic != QNODE_LIVE;
		if (n->pinned)
			bad += n->id != pinned++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, pinned, QS_PINNED);
	KUNIT_EXPECT_EQ(test, count, QS_PINNED + s->nlive);
	KUNIT_EXPECT_TRUE(test, s->k->links_ok(&s->q));
}

static void qstress_report(struct kunit *test, struct qstress *s)
{
	kunit_info(test,
		   "%s, %s writer, %u readers: %ld walks, %ld nodes read, %ld on retired nodes; %lu steps (%lu during a walk), %lu inserts, %lu removes, %lu replaces, %lu erases, %lu frees\n",
		   s->k->name, s->timer_writer ? "timer" : "thread",
		   s->nreaders, atomic_long_read(&s->walks),
		   atomic_long_read(&s->visits),
		   atomic_long_read(&s->on_retired), s->steps, s->interleaved,
		   s->inserts, s->removes, s->replaces, s->erases, s->frees);
}

static void expect_stress(struct kunit *test, bool timer_writer)
{
	struct qtest *t = test->priv;
	struct qstress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* A domain of its own: the release action runs after qtest_exit(). */
	s->smr = smr_domain_create(SMR_NONE, "smrq-stress");
	KUNIT_ASSERT_NOT_NULL(test, s->smr);
	s->k = t->k;
	s->k->init(&s->q);
	s->timer_writer = timer_writer;
	s->delay_us = timer_writer ? 5 : 1;
	s->nreaders = qstress_nreaders();
	INIT_LIST_HEAD(&s->pinned);
	INIT_LIST_HEAD(&s->live);
	INIT_LIST_HEAD(&s->retired);
	INIT_LIST_HEAD(&s->quarantine);
	timer_setup(&s->timer, qstress_tick, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, qstress_release,
							s), 0);
	KUNIT_ASSERT_EQ(test, qstress_fill(s), 0);

	KUNIT_ASSERT_EQ(test, qstress_start(s), 0);
	msleep(stress_ms);
	qstress_stop(s);

	qstress_report(test, s);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->missed_pinned), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->runaway), 0);
	KUNIT_EXPECT_EQ(test, s->refused, 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->walks), 0);
	KUNIT_EXPECT_GT(test, s->removes + s->replaces + s->erases, 0);
	KUNIT_EXPECT_GT(test, s->frees, 0);
	/*
	 * The timer struck in the middle of walks, under readers -- unless
	 * nohz_full isolation put the readers and the timer on the one
	 * housekeeping CPU, where (threaded on PREEMPT_RT) it cannot.
	 */
	if (timer_writer && !tick_nohz_full_enabled()) {
		KUNIT_EXPECT_GT(test, s->interleaved, 0);
		KUNIT_EXPECT_GT(test, atomic_long_read(&s->on_retired), 0);
	}
	expect_final_queue(test, s);
}

static void smr_queue_stress_threads(struct kunit *test)
{
	expect_stress(test, false);
}

static void smr_queue_stress_timer_writer(struct kunit *test)
{
	expect_stress(test, true);
}

static struct kunit_case smr_queue_stress_cases[] = {
	KUNIT_CASE_PARAM(smr_queue_stress_threads, all_kinds_gen_params),
	KUNIT_CASE_PARAM(smr_queue_stress_timer_writer, all_kinds_gen_params),
	{}
};

static struct kunit_suite smr_queue_stress_suite = {
	.name = "smr_queue_stress",
	.init = qtest_init,
	.exit = qtest_exit,
	.test_cases = smr_queue_stress_cases,
};

kunit_test_suites(&smr_queue_suite, &smr_queue_tail_suite,
		  &smr_queue_iter_suite, &smr_queue_validate_suite,
		  &smr_queue_stress_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the SMR queues of smr_queue.h");
