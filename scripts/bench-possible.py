#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""How smr's writer-side costs grow with the possible CPUs.

Input: one smr_bench results file per boot, each of a guest with the same
CPUs online and a different number possible (bench.sh's debian-possible
kernel: -smp N, /init offlines all but 4). Each file's env record gives
cpus= (online) and possible=. Output: <out-dir>/<date>-debian-possible.md,
a table per op of the writer and sync records, with the ratio of each
figure to the one with the fewest possible CPUs; the table is also
printed to stdout. Python 3 standard library only.
Usage: bench-possible.py --out-dir D [--date D] [--setup S] [--command C]
                         [--params P] results...
"""

import argparse
import datetime
import os
import re
import sys

FIELD = re.compile(r'(\w+)=(\S+)')
WRITER_OPS = ['smr_advance', 'smr_advance_poll_scan', 'smr_poll_satisfied',
              'smr_current']
SYNC_OPS = ['smr_synchronize', 'synchronize_rcu_expedited',
            'synchronize_srcu', 'synchronize_rcu']


def parse(path):
    """The env fields and {(kind, op, load): ns} of one results file."""
    env, figures = {}, {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            kv = dict(FIELD.findall(line))
            if words[0] == 'env':
                env = kv
            elif words[0] == 'writer' and 'op' in kv and 'ns' in kv:
                figures[('writer', kv['op'], '')] = float(kv['ns'])
            elif words[0] == 'sync' and 'p50' in kv:
                figures[('sync', kv['op'], kv.get('load', ''))] = \
                    float(kv['p50'])
    if 'possible' not in env:
        raise SystemExit('bench-possible: no env possible= in %s' % path)
    return env, figures


def fmt(ns):
    if ns >= 1e6:
        return '%.2f ms' % (ns / 1e6)
    if ns >= 1e3:
        return '%.1f µs' % (ns / 1e3)
    return '%.1f ns' % ns


def rows(runs):
    """Markdown rows: one per (op, load) seen in every run."""
    keys = [('writer', op, '') for op in WRITER_OPS]
    keys += [('sync', op, load) for op in SYNC_OPS
             for load in ('idle', 'readers')]
    out = []
    for key in keys:
        if not all(key in fig for _, fig in runs):
            continue
        base = runs[0][1][key]
        cells = ['%s (%s)' % (fmt(fig[key]),
                              ('%.2fx' % (fig[key] / base)) if base else '-')
                 for _, fig in runs]
        what = key[1] + (' p50, %s' % key[2] if key[0] == 'sync' else '')
        out.append('| %s | %s |' % (what, ' | '.join(cells)))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', nargs='+')
    p.add_argument('--out-dir', required=True)
    p.add_argument('--date', default=datetime.date.today().isoformat())
    p.add_argument('--setup', default='')
    p.add_argument('--command', default='')
    p.add_argument('--params', default='')
    args = p.parse_args()
    runs = sorted((parse(r) for r in args.results),
                  key=lambda r: int(r[0]['possible']))
    online = {r[0].get('cpus') for r in runs}
    head = ['op'] + ['%s possible' % env['possible'] for env, _ in runs]
    table = ['| %s |' % ' | '.join(head),
             '|' + ' --- |' * len(head)] + rows(runs)
    text = [
        '# smr_bench: cost against possible CPUs (%s)' % args.date, '',
        'Each column is one boot with %s CPUs online and the given number '
        'possible (`-smp N`; /init offlines CPUs 4 and up before loading '
        'anything). Every scan walks the possible CPUs, so '
        '`smr_advance_poll_scan` (an advance, then a poll of its goal, '
        'which only a scan can satisfy) and `smr_synchronize()` are the '
        'figures to watch. In brackets: the ratio to the first column. '
        'QEMU TCG on a 2-core VM, not bare metal.'
        % '/'.join(sorted(online)), '',
        '| | |', '| --- | --- |',
        '| setup | %s |' % args.setup,
        '| command | `%s` |' % args.command,
        '| smr_bench params | `%s` |' % args.params,
        '| kernel | %s |' % runs[0][0].get('kernel', '?'), '',
    ] + table + ['']
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, '%s-debian-possible.md' % args.date)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(text))
    print('Cost against possible CPUs (%s online):' % '/'.join(sorted(online)))
    print('\n'.join(table))
    print('report: %s' % path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
