#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""How smr's writer-side costs grow with the possible CPUs.

Input: one smr_bench results file per boot, each of a guest with the same
CPUs online and a different number possible (bench.sh's debian-possible
kernel: -smp N and maxcpus=4). Each file's env record gives
cpus= (online) and possible=. Output: <out-dir>/<date>-debian-possible.md,
a table per op of the writer and sync records, with the ratio of each
figure to the one with the fewest possible CPUs, and a Targets table
(issue 14: the poll scan at the most possible CPUs at most 1.5x its cost
at the fewest); both are also printed to stdout. Python 3 standard
library only.
Usage: bench-possible.py --out-dir D [--date D] [--setup S] [--command C]
                         [--params P] [--guest-cpu M] results...
"""

import argparse
import datetime
import importlib.util
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


# The target: the scan at the most possible CPUs against the fewest.
SCAN_LIMIT = 1.5


def targets(runs):
    """Markdown rows of the Targets table."""
    key = ('writer', 'smr_advance_poll_scan', '')
    first, last = runs[0], runs[-1]
    text = ('smr_advance_poll_scan at %s possible ≤ %.1f × at %s possible '
            '(%s online)' % (last[0]['possible'], SCAN_LIMIT,
                             first[0]['possible'], last[0].get('cpus', '?')))
    if len(runs) < 2 or key not in first[1] or key not in last[1] or \
            not first[1][key]:
        return ['| %s | n/a | n/a |' % text]
    q = last[1][key] / first[1][key]
    return ['| %s | %.2f | %s |' % (text, q,
                                    'yes' if q <= SCAN_LIMIT else 'no')]


def host_cpu_model():
    """The host CPU model as bench-report.py finds it (its host_info():
    /proc/cpuinfo, then lscpu), so that both reports name it alike."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'bench-report.py')
    spec = importlib.util.spec_from_file_location('bench_report', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.host_info()[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', nargs='+')
    p.add_argument('--out-dir', required=True)
    p.add_argument('--date', default=datetime.date.today().isoformat())
    p.add_argument('--setup', default='')
    p.add_argument('--command', default='')
    p.add_argument('--params', default='')
    p.add_argument('--guest-cpu', default='n/a')
    p.add_argument('--host-load', default='n/a',
                   help='the host\'s /proc/loadavg around each boot')
    p.add_argument('--machine', default=host_cpu_model(),
                   help='the host CPU model (default: as bench-report.py finds it)')
    args = p.parse_args()
    runs = sorted((parse(r) for r in args.results),
                  key=lambda r: int(r[0]['possible']))
    online = {r[0].get('cpus') for r in runs}
    head = ['op'] + ['%s possible' % env['possible'] for env, _ in runs]
    table = ['| %s |' % ' | '.join(head),
             '|' + ' --- |' * len(head)] + rows(runs)
    target = ['| target | measured ratio | met |', '| --- | --- | --- |'] + \
        targets(runs)
    text = [
        '# smr_bench: cost against possible CPUs (%s)' % args.date, '',
        'Each column is one boot with %s CPUs online and the given number '
        'possible (`-smp N` and `maxcpus=4`: the kernel brings up 4 CPUs '
        'and leaves the others present, possible and offline). Scans '
        'walked the possible CPUs, so '
        '`smr_advance_poll_scan` (an advance, then a poll of its goal, '
        'which only a scan can satisfy) and `smr_synchronize()` are the '
        'figures to watch. In brackets: the ratio to the first column. '
        'QEMU TCG on a 2-core VM, not bare metal.'
        % '/'.join(sorted(online)), '',
        '**Compare figures within this report only, never across reports**: '
        'ratios move with the host CPU, and every ratio here comes from the '
        'boots of this one run.', '',
        '| | |', '| --- | --- |',
        '| setup | %s |' % args.setup,
        '| command | `%s` |' % args.command,
        '| smr_bench params | `%s` |' % args.params,
        '| kernel | %s |' % runs[0][0].get('kernel', '?'),
        '| host CPU | %s (/proc/cpuinfo of the host that ran QEMU), %d '
        'host cores |' % (args.machine, os.cpu_count()),
        '| guest CPU | %s |' % args.guest_cpu,
        '| host load average | %s |' % args.host_load, '',
        '## Targets', '', 'Reported, not asserted.', '',
    ] + target + ['', '## Cost against possible CPUs', ''] + table + ['']
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, '%s-debian-possible.md' % args.date)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(text))
    print('Targets (debian-possible):')
    print('\n'.join(target))
    print('Cost against possible CPUs (%s online):' % '/'.join(sorted(online)))
    print('\n'.join(table))
    print('report: %s' % path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
