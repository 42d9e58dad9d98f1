/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_sleepable.pml - sleepable readers and their tracker list, on weak
 * memory.
 *
 * Processes, each standing for one CPU:
 *   reader   NREAD sections of smr_enter_sleepable() /
 *            smr_leave_sleepable() (smr_sleepable.c): enter takes the
 *            CPU's sleepers_lock, records wr_seq in its tracker, links it
 *            on the list, unlocks, then R1s; leave runs R2s, then unlinks
 *            the tracker under the lock;
 *   writer   replaces the published object, takes a goal with
 *            smr_advance() (W), polls it with smr_poll() until met, then
 *            frees the old object.  Its scan (smr_scan()) has S2, then
 *            looks at the list head without the lock
 *            (smr_sleepers_present(), S3s) and, if the list is not empty,
 *            walks it under the lock (smr_sleepers_scan());
 *   drain    the store buffers draining to memory.
 *
 * Property: no reader loads a freed (poisoned) object (assert in
 * reader()).
 *
 * Weak memory as in smr_default.pml: per-process store buffers with one
 * entry per location, draining in any order; a full fence waits for the
 * buffer to be empty.  Here a release store does not wait: it enters the
 * buffer and drains only after every entry that was there before it
 * (the unlock of sleepers_lock), so that the loads after a release may
 * be performed before the stores before it are visible -- which the
 * reader's R1s exists to forbid.  A lock is taken with an acquire
 * read-modify-write on memory (after the process's own buffered unlock
 * has drained).  Loads are performed in program order, except where a
 * busted variant removes what orders them (speculation, as in
 * smr_default.pml: the early store counts only if the poll then says
 * "met" by the path it overtook).  The list is its head: linked or
 * empty; the tracker, its sequence.
 *
 * Busted variants (spin -D...), each must give a counterexample:
 *   NO_R1s       smr_enter_sleepable() has no smp_mb() after the unlock
 *   NO_R2s       smr_leave_sleepable() has no smp_mb() before the lock:
 *                the unlink may become visible before the section's
 *                loads are done (the unlock's release comes after)
 *   NO_S3s       smr_sleepers_present() reads the head relaxed
 *   NO_S3s_LOCK  smr_sleepers_scan() walks the list without the lock
 */

#ifndef NREAD
#define NREAD	2	/* sections the reader runs */
#endif

/* Sequence numbers as in smr.h, in a space of 32 (5-bit "longs"). */
#define SPACE		32
#define INC		4	/* SMR_SEQ_INC */
#define MAX_DELTA	8	/* smr_clock_params.max_delta: a quarter lap */
#define INIT		30	/* 2 mod 4, one step before the wrap */
#define LAZY_GRACE	2	/* SMR_LAZY_GRACE */

#define ADD(a, b)	(((a) + (b)) % SPACE)
/* SMR_SEQ_DELTA(): signed difference, in -SPACE/2 .. SPACE/2 - 1 */
#define DELTA(a, b)	((((a) - (b) + SPACE + SPACE / 2) % SPACE) - SPACE / 2)
#define SEQ_LT(a, b)	(DELTA(a, b) < 0)
#define SEQ_LEQ(a, b)	(DELTA(a, b) <= 0)
#define SEQ_GT(a, b)	(DELTA(a, b) > 0)
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) -> (a) : (b))
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) -> (a) : (b))

/* Shared memory. */
byte wr_seq = INIT;		/* smr->clock.wr_seq */
byte rd_seq = INIT;		/* smr->clock.rd_seq */
bool head;			/* pcpu->sleepers: the tracker is linked */
byte tr_seq = INIT;		/* tracker->seq */
bool lk;			/* pcpu->sleepers_lock */
byte ptr = 1;			/* the published pointer: object 1 */
bool poisoned[3];		/* object i freed and reused */

/* Store buffers: one entry per process and location. */
bool rb_head_full;  bool rb_head;	/* reader: head */
bool rb_tr_full;    byte rb_tr;		/* reader: tr_seq */
bool rb_lk_full;			/* reader: the unlock (a release) */
bool wb_ptr_full;   byte wb_ptr;	/* writer: ptr */
bool wb_obj_full;   byte wb_obj;	/* writer: the object it frees */

/* Speculative free (NO_S3s, NO_S3s_LOCK): see the header. */
bool spec, spec_bad, uaf_spec;

#define READER_FENCE	(!rb_head_full && !rb_tr_full && !rb_lk_full)
#define WRITER_FENCE	(!wb_ptr_full && !wb_obj_full)

active proctype drain()
{
end:	do
	:: atomic { rb_head_full -> head = rb_head; rb_head_full = false }
	:: atomic { rb_tr_full -> tr_seq = rb_tr; rb_tr_full = false }
	:: atomic { rb_lk_full && !rb_head_full && !rb_tr_full ->
		    lk = false; rb_lk_full = false }
	:: atomic { wb_ptr_full -> ptr = wb_ptr; wb_ptr_full = false }
	:: atomic { wb_obj_full -> poisoned[wb_obj] = true; wb_obj_full = false }
	od
}

/* raw_spin_lock() by the reader; raw_spin_unlock(): a buffered release */
#define READER_LOCK	atomic { !rb_lk_full && !lk -> lk = true }
#define READER_UNLOCK	atomic { !rb_lk_full -> rb_lk_full = true }

/* use the object: it must not have been freed */
inline use(p)
{
	atomic {
		assert(!poisoned[p] || spec);
		uaf_spec = uaf_spec || poisoned[p]
	}
}

active proctype reader()
{
	byte n, seq, p;

	do
	:: n < NREAD ->
		/* smr_enter_sleepable() */
		READER_LOCK;
		seq = wr_seq;
		atomic { !rb_tr_full -> rb_tr = seq; rb_tr_full = true }
		/* list_add_tail() */
		atomic { !rb_head_full -> rb_head = true; rb_head_full = true }
		READER_UNLOCK;
#ifndef NO_R1s
		/* R1s: smp_mb(); pairs with S2 */
		READER_FENCE;
#endif
		/* smr_entered_load(): the published pointer */
		p = ptr;
#ifdef NO_R2s
		if
		:: /* the lock and the unlink overtake the use below */
			READER_LOCK;
			atomic { !rb_head_full -> rb_head = false;
				 rb_head_full = true }
			use(p);
			READER_UNLOCK;
			goto left
		:: true
		fi;
#endif
		use(p);
		/* smr_leave_sleepable() */
#ifndef NO_R2s
		/* R2s: smp_mb(); pairs with S3s */
		READER_FENCE;
#endif
		READER_LOCK;
		/* list_del() */
		atomic { !rb_head_full -> rb_head = false; rb_head_full = true }
		READER_UNLOCK;
left:
		n++
	:: else -> break
	od
}

/* The writer may issue its free early (NO_S3s*); see the header. */
inline spec_free(victim)
{
	if
	:: !spec ->
		atomic { !wb_obj_full -> wb_obj = victim; wb_obj_full = true;
			 spec = true }
	:: true
	fi
}

active proctype writer()
{
	byte goal, rd, wr, min, seq;
	bool met, h;

	/* unpublish object 1: publish object 2 in its place */
	atomic { !wb_ptr_full -> wb_ptr = 2; wb_ptr_full = true }

	/* smr_default_advance(): the wrap guard, then W, fully ordered */
	DELTA(ADD(wr_seq, INC), rd_seq) < MAX_DELTA;
	atomic { WRITER_FENCE; wr_seq = ADD(wr_seq, INC); goal = wr_seq }

	/* smr_poll() until met */
	do
	:: true ->
		met = false;
		/* S1: load-acquire of rd_seq */
		rd = rd_seq;
		if
		:: SEQ_LEQ(goal, rd) -> met = true; goto polled
		:: else
		fi;
		/* load-acquire of wr_seq */
		wr = wr_seq;
		/* smr_poll_ahead() with SMR_POLL_NOW */
		if
		:: DELTA(goal, wr) > 0 ->
			met = DELTA(goal, wr) > LAZY_GRACE * INC;
			goto polled
		:: else
		fi;
		/* smr_scan(): S2, smp_mb(); pairs with R1s */
		WRITER_FENCE;
		min = wr;
#ifdef NO_S3s
		spec_free(1);
#endif
		/* smr_sleepers_present(): S3s, load-acquire of the head */
		h = head;
		if
		:: h ->
#ifdef NO_S3s
			/* the lock's acquire orders the free after it */
			if
			:: spec -> spec_bad = true; goto out
			:: else
			fi;
#endif
			/* smr_sleepers_scan() */
#ifdef NO_S3s_LOCK
			spec_free(1);
#else
			/* S3s: the lock; pairs with R2s */
			atomic { !lk -> lk = true };
#endif
			if
			:: head ->
				seq = tr_seq;
				/* smr_scan_clamp() */
				if
				:: SEQ_LT(seq, rd) -> seq = rd
				:: else ->
					if
					:: SEQ_GT(seq, wr) -> wr = wr_seq
					:: else
					fi;
					if
					:: SEQ_GT(seq, wr) -> seq = rd
					:: else
					fi
				fi;
				min = SEQ_MIN(min, seq)
			:: else
			fi;
#ifndef NO_S3s_LOCK
			/* nothing else is buffered (S2): the unlock is visible */
			lk = false
#endif
		:: else
		fi;
		rd = rd_seq;
		wr = wr_seq;
		if
		:: SEQ_GT(min, wr) -> skip
		:: else ->
			/* release cmpxchg loop; pairs with S1 */
			do
			:: SEQ_GT(min, rd) ->
				atomic {
					!wb_ptr_full;
					if
					:: rd_seq == rd -> rd_seq = min; break
					:: else -> rd = rd_seq
					fi
				}
			:: else -> break
			od;
			rd = SEQ_MAX(min, rd)
		fi;
		met = SEQ_LEQ(goal, rd);
polled:
		if
		:: met -> break
		:: spec -> spec_bad = true; goto out
		:: else
		fi
	od;

	/* free object 1 (unless issued early: then it is confirmed now) */
	if
	:: spec -> atomic { assert(!uaf_spec); spec = false }
	:: else -> atomic { !wb_obj_full -> wb_obj = 1; wb_obj_full = true }
	fi;
out:
	skip
}
