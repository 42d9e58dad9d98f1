/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live.
 *
 * smr targets 6.12 first and 6.1 second.  Anything spelled differently
 * between the two gets mapped onto the 6.12 spelling here, so that the
 * rest of the sources read as plain 6.12 code.  Feature tests are
 * preferred over version numbers: Debian's 6.1 carries backports.
 *
 * Checked so far against Debian's 6.1.176 headers: interrupt_context_level(),
 * timer_delete_sync() and from_timer() exist there as in 6.12, so nothing
 * needs mapping yet.
 */
#ifndef _SMR_COMPAT_H
#define _SMR_COMPAT_H

#include <linux/preempt.h>
#include <linux/timer.h>

#endif /* _SMR_COMPAT_H */
