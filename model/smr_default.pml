/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smr_default.pml - the default (fenced) protocol of smr, on weak memory.
 *
 * Processes, each standing for one CPU:
 *   reader   NREAD sections of smr_enter() / smr_leave() (smr.h,
 *            __smr_enter() and __smr_leave()), each loading the
 *            published pointer and using the object it points to;
 *   writer   replaces the published object, takes a goal with
 *            smr_advance() (smr_default_advance(): wrap guard, W), polls
 *            it with smr_poll() until met, then frees the old object;
 *   scanner  another CPU's smr_poll() for the same goal: it scans and
 *            moves rd_seq, so that the writer's poll can be answered by
 *            the fast path (S1) alone;
 *   drain    the store buffers draining to memory.
 *
 * Property: no reader loads a freed (poisoned) object (assert in
 * reader()).
 *
 * Weak memory.  Every plain or release store goes to a store buffer
 * with one entry per process and location; entries drain to memory in
 * any order (drain), a second store to the same location waits for the
 * first to drain (per-location FIFO), and a full fence waits for the
 * process's buffer to be empty.  A release store first waits for the
 * buffer to be empty (everything before it is visible first), then
 * enters the buffer itself.  Atomic read-modify-writes act on memory;
 * fully ordered ones (W) and release ones (the rd_seq cmpxchg) first
 * drain the buffer.  No process loads a location it has a buffered
 * store to, so store forwarding never arises.
 *
 * Loads are performed in program order, with these exceptions, each
 * where the code has no acquire or fence that forbids it:
 *   - NO_R2: the leave store may become visible before the section's
 *     load of the object (load->store reordering);
 *   - NO_S1, NO_S3: the writer's free may become visible before the
 *     poll's load of rd_seq (NO_S1) or of the slot (NO_S3).  Modelled
 *     as speculation: the free is issued early (spec), and the
 *     execution counts only if the poll then says "met"; otherwise it
 *     is discarded (spec_bad) and a use it caused is not reported;
 *   - NO_WR_ACQ: the scanner's slot load may be satisfied before its
 *     load of wr_seq in __smr_poll() (load->load reordering); with S2 in
 *     place the fence forbids it.
 * Control dependencies are not relied on (as in the LKMM for plain
 * accesses: the free is kfree()'s plain stores).
 *
 * Busted variants (spin -D...), each must give a counterexample:
 *   NO_R1      smr_enter() stores the slot without smp_mb()
 *   NO_R2      smr_leave() stores the slot with WRITE_ONCE()
 *   NO_W       smr_advance() increments wr_seq relaxed
 *   NO_S1      smr_poll() reads rd_seq relaxed
 *   NO_S3      smr_scan_slot() reads the slot relaxed
 *   NO_S2 + NO_WR_ACQ   smr_scan() has no smp_mb() and __smr_poll()
 *              reads wr_seq relaxed
 *   EARLY      the writer polls for goal - SMR_SEQ_INC
 * NO_S2 alone and NO_WR_ACQ alone verify: see Documentation/smr.rst,
 * "Model checking".
 */

#ifndef NREAD
#define NREAD	2	/* sections the reader runs */
#endif

/* Sequence numbers as in smr.h, in a space of 32 (5-bit "longs"). */
#define SPACE		32
#define INVALID		0	/* SMR_SEQ_INVALID */
#define INC		4	/* SMR_SEQ_INC */
#define MAX_DELTA	8	/* smr_clock_params.max_delta: a quarter lap */
#define INIT		30	/* 2 mod 4, one step before the wrap */
#define GOAL		2	/* INIT + INC, wrapped */
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
byte slot = INVALID;		/* the reader CPU's pcpu->rd_seq[ctx] */
byte ptr = 1;			/* the published pointer: object 1 */
bool poisoned[3];		/* object i freed and reused */

/* Store buffers: one entry per process and location. */
bool rb_slot_full;  byte rb_slot;	/* reader: slot */
bool wb_ptr_full;   byte wb_ptr;	/* writer: ptr */
bool wb_obj_full;   byte wb_obj;	/* writer: the object it frees */

/* Speculative free (NO_S1, NO_S3): see the header. */
bool spec, spec_bad, uaf_spec;

#define READER_FENCE	(!rb_slot_full)
#define WRITER_FENCE	(!wb_ptr_full && !wb_obj_full)

active proctype drain()
{
end:	do
	:: atomic { rb_slot_full -> slot = rb_slot; rb_slot_full = false }
	:: atomic { wb_ptr_full -> ptr = wb_ptr; wb_ptr_full = false }
	:: atomic { wb_obj_full -> poisoned[wb_obj] = true; wb_obj_full = false }
	od
}

active proctype reader()
{
	byte n, seq, p;

	do
	:: n < NREAD ->
		/* __smr_enter(): the slot gets the wr_seq it observed */
		seq = wr_seq;
		atomic { !rb_slot_full -> rb_slot = seq; rb_slot_full = true }
#ifndef NO_R1
		/* R1: smp_store_mb(); pairs with S2 */
		READER_FENCE;
#endif
		/* smr_entered_load(): the published pointer */
		p = ptr;
#ifdef NO_R2
		if
		:: /* the leave store overtakes the use below */
			atomic { !rb_slot_full -> rb_slot = INVALID;
				 rb_slot_full = true }
			/* use the object */
			atomic {
				assert(!poisoned[p] || spec);
				uaf_spec = uaf_spec || poisoned[p]
			}
			goto left
		:: true
		fi;
#endif
		/* use the object: it must not have been freed */
		atomic {
			assert(!poisoned[p] || spec);
			uaf_spec = uaf_spec || poisoned[p]
		}
		/* __smr_leave() */
#ifndef NO_R2
		/* R2: smp_store_release(); pairs with S3 */
		READER_FENCE;
#endif
		atomic { !rb_slot_full -> rb_slot = INVALID; rb_slot_full = true }
left:
		n++
	:: else -> break
	od
}

/*
 * smr_scan() for @goal, after __smr_poll() read rd (S1) and wr: S2, the
 * slot (smr_scan_slot(), S3, smr_scan_clamp()), then rd_seq moves
 * forward with a release cmpxchg.  Sets met.  @early: the slot value a
 * load satisfied early would return, @mayearly whether it may be used.
 * @mb, @rel: the caller's full fence and release (buffer drained).
 */
inline scan(goal, rd, wr, mayearly, early, met, mb, rel)
{
	byte min, seq;

#ifndef NO_S2
	/* S2: smp_mb(); pairs with R1 */
	mb;
#endif
	min = wr;
	/* smr_scan_slot(): S3, load-acquire of the slot; pairs with R2 */
	if
	:: mayearly -> seq = early
	:: true -> seq = slot
	fi;
	if
	:: seq != INVALID ->
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
	rd = rd_seq;
	wr = wr_seq;
	if
	:: SEQ_GT(min, wr) -> skip
	:: else ->
		/* release cmpxchg loop; pairs with S1 */
		do
		:: SEQ_GT(min, rd) ->
			atomic {
				rel;
				if
				:: rd_seq == rd -> rd_seq = min; break
				:: else -> rd = rd_seq
				fi
			}
		:: else -> break
		od;
		rd = SEQ_MAX(min, rd)
	fi;
	met = SEQ_LEQ(goal, rd)
}

/* __smr_poll() in SMR_POLL_NOW mode up to the scan; sets met. */
inline poll_head(goal, rd, wr, delta, met, scanit)
{
	met = false;
	scanit = false;
	/* S1: load-acquire of rd_seq; pairs with the release cmpxchg */
	rd = rd_seq;
	if
	:: SEQ_LEQ(goal, rd) -> met = true
	:: else ->
		/* load-acquire of wr_seq: not behind rd_seq */
		wr = wr_seq;
		/* smr_poll_ahead() with SMR_POLL_NOW */
		delta = DELTA(goal, wr);
		if
		:: delta > 0 -> met = delta > LAZY_GRACE * INC
		:: else -> scanit = true
		fi
	fi
}

/* The writer may issue its free early (NO_S1, NO_S3); see the header. */
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
	byte goal, next, rd, wr, early;
	short delta;
	bool met, scanit;

	/* unpublish object 1: publish object 2 in its place */
	atomic { !wb_ptr_full -> wb_ptr = 2; wb_ptr_full = true }

	/* smr_default_advance(): the wrap guard (smr_guard_allows()) */
	next = ADD(wr_seq, INC);
	/*
	 * A refused step would become a deferred goal (not modelled): this
	 * scenario never gets a quarter lap ahead.
	 */
	assert(DELTA(next, rd_seq) < MAX_DELTA);
	/* W: atomic_long_add_return(), fully ordered; pairs with R1, S2 */
	atomic {
#ifndef NO_W
		WRITER_FENCE;
#endif
		wr_seq = ADD(wr_seq, INC);
		goal = wr_seq
	}
#ifndef NO_W
	WRITER_FENCE;
#endif
#ifdef EARLY
	/* poll one step early */
	goal = ADD(goal, SPACE - INC);
#endif

	/* smr_poll() until met */
	do
	:: true ->
#ifdef NO_S1
		spec_free(1);
#endif
		poll_head(goal, rd, wr, delta, met, scanit);
		if
		:: spec && !met -> spec_bad = true; goto out
		:: else
		fi;
		if
		:: scanit ->
#ifdef NO_S3
			spec_free(1);
#endif
			scan(goal, rd, wr, false, early, met, WRITER_FENCE,
			     !wb_ptr_full)
		:: else
		fi;
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

active proctype scanner()
{
	byte rd, wr, early;
	short delta;
	bool met, scanit, mayearly;

	/* smr_poll(GOAL), the writer's goal, from another CPU */
	met = false;
	/* S1 */
	rd = rd_seq;
	if
	:: SEQ_LEQ(GOAL, rd) -> goto done
	:: else
	fi;
#if defined(NO_WR_ACQ) && defined(NO_S2)
	/* the slot load below, satisfied before the load of wr_seq */
	early = slot;
	mayearly = true;
#endif
	/* acquire (relaxed with NO_WR_ACQ) */
	wr = wr_seq;
	delta = DELTA(GOAL, wr);
	if
	:: delta > 0 -> goto done
	:: else
	fi;
	/* the scanner stores nothing before: its fences wait for nothing */
	scan(GOAL, rd, wr, mayearly, early, met, true, true);
done:
	skip
}
