/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of smr.ko: /sys/kernel/tracing/events/smr/.
 *
 * Each event names its domain.  Defined once, in smr_core.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM smr

#if !defined(_SMR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SMR_TRACE_H

#include <linux/tracepoint.h>

#include "smr_compat.h"

DECLARE_EVENT_CLASS(smr_goal,
		    TP_PROTO(const char *domain, unsigned long goal),
		    TP_ARGS(domain, goal),
		    TP_STRUCT__entry(__string(domain, domain)
				     __field(unsigned long, goal)),
		    TP_fast_assign(smr_assign_domain();
				   __entry->goal = goal;),
		    TP_printk("%s goal=%#lx", __get_str(domain), __entry->goal)
);

#define SMR_GOAL_EVENT(name)						\
	DEFINE_EVENT(smr_goal, name,					\
		     TP_PROTO(const char *domain, unsigned long goal),	\
		     TP_ARGS(domain, goal))

/* smr_advance() handed out a goal; a blocking wait for one starts, ends. */
SMR_GOAL_EVENT(smr_advance);
SMR_GOAL_EVENT(smr_wait_start);
SMR_GOAL_EVENT(smr_wait_end);

/* A poll: its goal, the hands it saw, whether it scanned, the answer. */
TRACE_EVENT(smr_poll,
	    TP_PROTO(const char *domain, unsigned long goal, unsigned long rd,
		     unsigned long wr, bool scanned, bool met),
	    TP_ARGS(domain, goal, rd, wr, scanned, met),
	    TP_STRUCT__entry(__string(domain, domain)
			     __field(unsigned long, goal)
			     __field(unsigned long, rd)
			     __field(unsigned long, wr)
			     __field(bool, scanned)
			     __field(bool, met)),
	    TP_fast_assign(smr_assign_domain();
			   __entry->goal = goal;
			   __entry->rd = rd;
			   __entry->wr = wr;
			   __entry->scanned = scanned;
			   __entry->met = met;),
	    TP_printk("%s goal=%#lx rd=%#lx wr=%#lx scanned=%d met=%d",
		      __get_str(domain), __entry->goal, __entry->rd,
		      __entry->wr, __entry->scanned, __entry->met)
);

DECLARE_EVENT_CLASS(smr_batch,
		    TP_PROTO(const char *domain, int cpu, unsigned long count,
			     unsigned long goal),
		    TP_ARGS(domain, cpu, count, goal),
		    TP_STRUCT__entry(__string(domain, domain)
				     __field(int, cpu)
				     __field(unsigned long, count)
				     __field(unsigned long, goal)),
		    TP_fast_assign(smr_assign_domain();
				   __entry->cpu = cpu;
				   __entry->count = count;
				   __entry->goal = goal;),
		    TP_printk("%s cpu=%d count=%lu goal=%#lx", __get_str(domain),
			      __entry->cpu, __entry->count, __entry->goal)
);

#define SMR_BATCH_EVENT(name)						\
	DEFINE_EVENT(smr_batch, name,					\
		     TP_PROTO(const char *domain, int cpu,		\
			      unsigned long count, unsigned long goal),	\
		     TP_ARGS(domain, cpu, count, goal))

/* smr_call(): a batch got its goal; a batch was invoked. */
SMR_BATCH_EVENT(smr_call_batch_queued);
SMR_BATCH_EVENT(smr_call_batch_invoked);
/* smr_cache: a batch of freed objects was tagged; one was taken for reuse. */
SMR_BATCH_EVENT(smr_cache_batch_tagged);
SMR_BATCH_EVENT(smr_cache_batch_reused);

/* A reader held the clock back for longer than stall_ms (pid 0: not a task). */
TRACE_EVENT(smr_stall,
	    TP_PROTO(const char *domain, int cpu, pid_t pid, unsigned long seq,
		     unsigned int ms),
	    TP_ARGS(domain, cpu, pid, seq, ms),
	    TP_STRUCT__entry(__string(domain, domain)
			     __field(int, cpu)
			     __field(pid_t, pid)
			     __field(unsigned long, seq)
			     __field(unsigned int, ms)),
	    TP_fast_assign(smr_assign_domain();
			   __entry->cpu = cpu;
			   __entry->pid = pid;
			   __entry->seq = seq;
			   __entry->ms = ms;),
	    TP_printk("%s cpu=%d pid=%d seq=%#lx ms=%u", __get_str(domain),
		      __entry->cpu, __entry->pid, __entry->seq, __entry->ms)
);

#endif /* _SMR_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE smr_trace
#include <trace/define_trace.h>
