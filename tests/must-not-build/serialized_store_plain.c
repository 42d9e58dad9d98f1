// SPDX-License-Identifier: GPL-2.0
/*
 * smr_serialized_store() to a plain pointer: readers could not tell it is
 * published (rcu_assign_pointer() to a plain pointer is a sparse error).
 * must-not-build: error: incompatible types in comparison expression \(different address spaces
 */
#include "smr.h"

struct mnb_obj {
	int val;
};

static struct mnb_obj *mnb_plain;

static void __maybe_unused mnb_serialized_store_plain(struct mnb_obj *o)
{
	smr_serialized_store(mnb_plain, o);
}
