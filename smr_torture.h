/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of smr_torture.ko share: the hash workload on an
 * smr_hash and an smr_shash (smr_torture_hash.c) runs beside the main
 * one (smr_torture_main.c).
 */
#ifndef _SMR_TORTURE_H
#define _SMR_TORTURE_H

#include <linux/types.h>

struct smr;

int torture_hash_start(struct smr *smr);
void torture_hash_stop(void);
#define SMR_TORTURE_HASH_STABLE	256
#define SMR_TORTURE_HASH_CHURN	256

bool torture_hash_lookup(unsigned int stable, unsigned int churn);
unsigned long torture_hash_resizes(void);
unsigned long torture_shash_resizes(void);
unsigned long torture_shash_fails(void);

#endif /* _SMR_TORTURE_H */
