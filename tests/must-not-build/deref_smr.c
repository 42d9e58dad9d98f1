// SPDX-License-Identifier: GPL-2.0
/*
 * Dereferencing a __smr pointer without an accessor.
 * must-not-build: warning: dereference of noderef expression
 */
#include "smr.h"

struct mnb_obj {
	int val;
};

static struct mnb_obj __smr *mnb_published;

static int __maybe_unused mnb_deref_smr(void)
{
	return mnb_published->val;
}
