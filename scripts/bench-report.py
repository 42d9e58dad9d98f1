#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn smr_bench's results into a Markdown report and gnuplot PNGs.

Input: the results of one kernel (the lines between SMR-BENCH-BEGIN and
SMR-BENCH-END of the console, or a whole console log: only lines between
the markers, if there are any, and only lines of the results grammar are
read; kernel messages and other noise are skipped). Output, in --out-dir:
<date>-<kernel>.md and <date>-<kernel>-<plot>.png for each plot whose data
exists (read, sync-cdf, flood-mem, grow, load). The Targets table is also
printed to stdout. scripts/bench.sh calls this; --selftest runs it on
scripts/bench-fixture.txt into a temporary directory. Python 3 standard
library only.
"""

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Record type -> keys it must have (more are allowed). Keys in TEXT hold
# names; every other value is a number (-1: not available).
RECORDS = {
    'env': [],
    'read': ['op', 'readers', 'ns', 'min', 'max'],
    'load': ['reader', 'flood', 'readers', 'ns', 'min', 'max',
             'updates_per_s'],
    'writer': ['op', 'ns'],
    'sync': ['op', 'load', 'samples', 'p50', 'p99', 'max', 'mean'],
    'cdf': ['op', 'load', 'pct', 'ns'],
    'flood': ['method', 'writers', 'duration_ms', 'obj_size', 'updates',
              'updates_per_s', 'peak_deferred_objs', 'peak_deferred_bytes',
              'peak_mem_delta_bytes'],
    'mem': ['method', 't_ms', 'deferred_bytes', 'mem_delta_bytes'],
    'table': ['kind', 'readers', 'update_pct', 'updates',
              'lookups_per_s'],
    'grow': ['kind', 'run', 'readers', 'start', 'entries', 'fill_us',
             'settle_us', 'grows', 'grow_us', 'grow_max_us', 'insert_failures',
             'buckets_start', 'buckets', 'windows', 'min', 'median',
             'steady_windows', 'steady'],
    'growwin': ['kind', 'run', 'phase', 't_us', 'lookups', 'per_10ms'],
    'growmem': ['kind', 'run', 'entries', 'buckets', 'nest', 'array_bytes',
                'array_alloc', 'link_bytes', 'entry_bytes', 'entry_alloc',
                'bytes_per_entry'],
    'footprint': ['kind', 'pcpu_bytes'],
    'done': [],
}
TEXT = {'op', 'load', 'method', 'kind', 'phase', 'reader', 'flood'}
NUMBER = re.compile(r'^-?[0-9]+(\.[0-9]+)?$')

READ_OPS = ['smr', 'smr_lazy', 'smr_sleepable', 'rcu', 'srcu', 'srcu_nmisafe',
            'srcu_lite', 'percpu_ref', 'atomic', 'rwlock']
WRITER_OPS = ['smr_advance', 'smr_poll_satisfied', 'smr_current',
              'smr_advance_poll_scan']
SYNC_OPS = ['smr_synchronize', 'synchronize_rcu', 'synchronize_rcu_expedited',
            'synchronize_srcu']
LOADS = ['idle', 'readers']
METHODS = ['smr_cache', 'smr_call', 'smr_kfree', 'call_rcu', 'kfree_rcu']
TABLE_KINDS = ['smr', 'rcu', 'smr_hash', 'smr_shash', 'rhashtable']
# The grow part's tables.
GROW_KINDS = ['smr_hash', 'rhashtable', 'smr_shash']
# The general tables, compared with rhashtable in the same run.
RHT_PEERS = ['smr_hash', 'smr_shash']
# The fill the issue asks for; smaller ones are said so in the report.
GROW_WANTED = 1 << 20
# The load part: reader kinds, and floods with their baselines first.
LOAD_READERS = ['smr', 'smr_lazy', 'rcu']
LOAD_FLOODS = ['idle', 'spin', 'smr_call', 'smr_cache', 'call_rcu']
LOAD_BASES = ['idle', 'spin']
# gnuplot colours and point types, one per series: no two ops alike.
PLOT_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e',
                '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22',
                '#000000', '#00008b']


def ordered(known, seen):
    """The names of seen in the order of known, unknown ones last."""
    return ([n for n in known if n in seen] +
            [n for n in seen if n not in known])


class Results:
    """The records of one results file, validated."""

    def __init__(self, lines):
        self.env = {}
        self.records = {t: [] for t in RECORDS}
        self.warnings = []
        if any(ln.strip() == 'SMR-BENCH-BEGIN' for ln in lines):
            inside, kept = False, []
            for ln in lines:
                s = ln.strip()
                if s == 'SMR-BENCH-BEGIN':
                    inside = True
                elif s == 'SMR-BENCH-END':
                    inside = False
                elif inside:
                    kept.append(ln)
            lines = kept
        for ln in lines:
            self._parse(ln.rstrip('\r\n'))
        if self.records['env']:
            self.env = self.records['env'][-1]

    def _parse(self, line):
        words = line.split()
        if not words or words[0] not in RECORDS:
            return  # kernel messages ("[  1.2] ..."), other noise
        kind, fields = words[0], {}
        for w in words[1:]:
            key, eq, value = w.partition('=')
            if not eq or not key:
                self.warnings.append('not key=value: %s' % line)
                return
            if kind != 'env' and key not in TEXT:
                if not NUMBER.match(value):
                    self.warnings.append('not a number: %s' % line)
                    return
                value = float(value)
            fields[key] = value
        missing = [k for k in RECORDS[kind] if k not in fields]
        if missing:
            self.warnings.append('missing %s: %s' % (','.join(missing), line))
            return
        self.records[kind].append(fields)

    @property
    def done(self):
        return bool(self.records['done'])

    def read_ns(self):
        """{op: {readers: record}}, the last record of each pair."""
        out = {}
        for r in self.records['read']:
            out.setdefault(r['op'], {})[int(r['readers'])] = r
        return out

    def sync(self):
        return {(r['op'], r['load']): r for r in self.records['sync']}

    def flood(self):
        return {r['method']: r for r in self.records['flood']}


def avail(v):
    return v is not None and v >= 0


def fmt_ns(v):
    if not avail(v):
        return 'n/a'
    if v < 10:
        return '%.2f' % v
    if v < 1000:
        return '%.1f' % v
    return '%.0f' % v


def fmt_time(ns):
    """µs with one decimal, or ms above 10 ms."""
    if not avail(ns):
        return 'n/a'
    if ns > 10e6:
        return '%.1f ms' % (ns / 1e6)
    return '%.1f µs' % (ns / 1e3)


def fmt_bytes(b):
    if not avail(b):
        return 'n/a'
    for unit, size in (('GiB', 1 << 30), ('MiB', 1 << 20), ('KiB', 1 << 10)):
        if b >= size:
            return '%.1f %s' % (b / size, unit)
    return '%d B' % b


def fmt_count(v):
    return '%d' % v if avail(v) else 'n/a'


def fmt_rate(v):
    return '{:,.0f}'.format(v) if avail(v) else 'n/a'


def ratio(a, b):
    if not avail(a) or not avail(b) or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    """Two decimals; small ratios also as 1/x."""
    if r is None:
        return 'n/a'
    if r < 0.1 and r > 0:
        return '%.2g (1/%.0f)' % (r, 1 / r)
    return '%.2f' % r


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join(' --- ' for _ in head) + '|']
    out += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return out


class Report:
    def __init__(self, res, args):
        self.res = res
        self.args = args
        self.read = res.read_ns()
        readers = {n for per in self.read.values() for n in per}
        self.nmax = max(readers) if readers else 0
        self.stem = '%s-%s' % (args.date, args.kernel)

    def ns_at(self, op, n):
        rec = self.read.get(op, {}).get(n)
        return rec['ns'] if rec else None

    # Table 1: read side.
    def read_table(self):
        n = self.nmax
        if not n:
            return ['No read-side records.']
        one = n == 1
        head = ['op', 'ns, 1 reader', 'min–max, 1 reader']
        if not one:
            head += ['ns, %d readers' % n]
        head += ['÷ rcu' + ('' if one else ' (1 / %d)' % n),
                 '÷ srcu' + ('' if one else ' (1 / %d)' % n)]
        if not one:
            head += ['flat? ns(%d)/ns(1)' % n]
        rows = []
        for op in ordered(READ_OPS, self.read):
            r1 = self.read[op].get(1)
            a1, an = self.ns_at(op, 1), self.ns_at(op, n)
            row = [op, fmt_ns(a1),
                   '%s–%s' % (fmt_ns(r1['min']), fmt_ns(r1['max']))
                   if r1 else 'n/a']
            if not one:
                row.append(fmt_ns(an))
            for base in ('rcu', 'srcu'):
                c = fmt_ratio(ratio(a1, self.ns_at(base, 1)))
                if not one:
                    c += ' / ' + fmt_ratio(ratio(an, self.ns_at(base, n)))
                row.append(c)
            if not one:
                row.append(fmt_ratio(ratio(an, a1)))
            rows.append(row)
        note = ('ns per smr_enter()+smr_leave() pair (or the equivalent '
                'of each op) as smr_bench reports it over its runs; min–max: '
                'the fastest and the slowest run.')
        if one:
            note += ' One CPU: readers=1 only.'
        return [note, ''] + table(head, rows)

    # Table 2: writer side.
    def writer_table(self):
        recs = {r['op']: r for r in self.res.records['writer']}
        if not recs:
            return ['No writer-side records.']
        rows = [[op, fmt_ns(recs[op]['ns'])]
                for op in ordered(WRITER_OPS, recs)]
        return table(['op', 'ns per call'], rows)

    # Table 3: synchronize latency.
    def sync_table(self):
        sync = self.res.sync()
        if not sync:
            return ['No synchronize records.']
        rows = []
        for load in ordered(LOADS, {k[1] for k in sync}):
            smr = sync.get(('smr_synchronize', load))
            for op in ordered(SYNC_OPS, {k[0] for k in sync if k[1] == load}):
                r = sync[(op, load)]
                rel = ('—' if op == 'smr_synchronize' else
                       fmt_ratio(ratio(smr['p50'] if smr else None, r['p50'])))
                rows.append([op, load, fmt_count(r['samples']),
                             fmt_time(r['p50']), fmt_time(r['p99']),
                             fmt_time(r['max']), fmt_time(r['mean']), rel])
        return table(['op', 'load', 'samples', 'p50', 'p99', 'max', 'mean',
                      'smr_synchronize p50 ÷ p50'], rows)

    # Table 4: flood.
    def flood_basis(self, flood, method, base='call_rcu'):
        """(field, name) used to compare method's deferred memory with
        base's: deferred bytes when both have them, else the memory
        delta."""
        a, b = flood.get(method), flood.get(base)
        if a and b and avail(a['peak_deferred_bytes']) and \
                avail(b['peak_deferred_bytes']):
            return 'peak_deferred_bytes', 'deferred bytes'
        return 'peak_mem_delta_bytes', 'memory delta'

    def flood_ratio(self, method, base='call_rcu'):
        flood = self.res.flood()
        if method not in flood or base not in flood:
            return None, None
        field, name = self.flood_basis(flood, method, base)
        return ratio(flood[method][field], flood[base][field]), name

    def flood_rel(self, method, base):
        q, name = self.flood_ratio(method, base)
        return fmt_ratio(q) + ('' if q is None or name == 'deferred bytes'
                               else ' (%s)' % name)

    def flood_table(self):
        flood = self.res.flood()
        if not flood:
            return ['No flood records.']
        rows = []
        for m in ordered(METHODS, flood):
            r = flood[m]
            rel = '—' if m == 'call_rcu' else self.flood_rel(m, 'call_rcu')
            # smr_kfree()'s peer is kfree_rcu().
            if m == 'smr_kfree' and 'kfree_rcu' in flood:
                rel += '; ÷ kfree_rcu\'s: ' + self.flood_rel(m, 'kfree_rcu')
            rows.append([m, fmt_count(r['writers']),
                         fmt_count(r['duration_ms']), fmt_count(r['obj_size']),
                         fmt_rate(r['updates_per_s']),
                         fmt_count(r['peak_deferred_objs']),
                         fmt_bytes(r['peak_deferred_bytes']),
                         fmt_bytes(r['peak_mem_delta_bytes']), rel])
        return (['Every update retires one object; "deferred" is what waits '
                 'for a grace period, the memory delta is the growth of the '
                 'kernel\'s used memory (n/a: the method cannot count).', ''] +
                table(['method', 'writers', 'ms', 'obj bytes', 'updates/s',
                       'peak deferred objs', 'peak deferred bytes',
                       'peak mem delta', 'deferred ÷ call_rcu\'s'], rows))

    # Table 5: read-mostly table.
    def table_recs(self):
        recs = {}
        for r in self.res.records['table']:
            recs[(r['kind'], int(r['readers']), int(r['update_pct']))] = r
        return recs

    def lookup_table(self):
        recs = self.table_recs()
        if not recs:
            return ['No lookup-table records.']
        keys = sorted({(k[1], k[2]) for k in recs})
        kinds = ordered(TABLE_KINDS, {k[0] for k in recs})
        pairs = [(a, b) for a, b in ([('smr', 'rcu')] +
                                     [(k, 'rhashtable') for k in RHT_PEERS])
                 if a in kinds and b in kinds]
        # The general tables can refuse inserts; the bucket lists cannot.
        fkinds = [k for k in RHT_PEERS + ['rhashtable'] if k in kinds]
        rows = []
        for readers, pct in keys:
            v = {k: recs.get((k, readers, pct)) for k in kinds}
            row = [readers, '%d%%' % pct]
            row += [fmt_rate(v[k]['lookups_per_s']) if v[k] else 'n/a'
                    for k in kinds]
            for a, b in pairs:
                row.append(fmt_ratio(ratio(
                    v[a]['lookups_per_s'] if v[a] else None,
                    v[b]['lookups_per_s'] if v[b] else None)))
            if fkinds:
                row.append(' / '.join(
                    fmt_count(v[k]['insert_failures'])
                    if v[k] and 'insert_failures' in v[k] else 'n/a'
                    for k in fkinds))
            rows.append(row)
        head = (['readers', 'updates'] +
                ['%s lookups/s' % k for k in kinds] +
                ['%s ÷ %s' % p for p in pairs])
        if fkinds:
            head.append('insert failures (%s)' % ' / '.join(fkinds))
        return table(head, rows)

    def hash_vs_rht(self):
        """min over every (readers, updates) of smr_hash ÷ rhashtable."""
        recs = self.table_recs()
        qs = [ratio(recs[(k, n, p)]['lookups_per_s'],
                    recs[('rhashtable', n, p)]['lookups_per_s'])
              for (k, n, p) in recs
              if k == 'smr_hash' and ('rhashtable', n, p) in recs]
        qs = [q for q in qs if q is not None]
        return min(qs) if qs else None

    def hash_insert_failures(self):
        return sum(r.get('insert_failures', 0) for r in
                   self.res.records['table'] if r['kind'] == 'smr_hash')

    # Table 6: lookups during a grow.
    def grow_recs(self):
        return {(r['kind'], int(r['run'])): r
                for r in self.res.records['grow']}

    def grow_table(self):
        recs = self.grow_recs()
        if not recs:
            return ['No grow records.']
        kinds = ordered(GROW_KINDS, {k[0] for k in recs})
        runs = sorted({k[1] for k in recs})
        entries = sorted({int(r['entries']) for r in recs.values()})
        start = sorted({int(r['start']) for r in recs.values()})
        readers = sorted({int(r['readers']) for r in recs.values()})
        size = ', '.join('{:,}'.format(e) for e in entries)
        note = ('One writer fills each table from %s to %s entries while %s '
                'reader(s) look up keys already present; lookups are counted '
                'in consecutive 10 ms windows (an hrtimer sums per-reader '
                'counters; a late timer makes a longer window, normalized to '
                '10 ms). "steady": the same readers on the final table with '
                'no writer, right after, in the same run. smr_hash grows '
                'through smr_hash_serialized_should_grow(1) and '
                'smr_hash_grow_and_unlock() in the writer; rhashtable and '
                'smr_shash (SMRSH_BALANCED) grow from their workers '
                '("settle": until the last resize ended; time to grow = '
                'fill + settle). '
                'A lookup costs more as the table outgrows the caches, so '
                'the first windows, on a small table, run above the final '
                'size\'s steady rate. Measured on %s, not bare metal: compare '
                'the ratios, not the absolute rates.' % (
                    ', '.join('{:,}'.format(v) for v in start), size,
                    '/'.join(str(v) for v in readers), self.args.label))
        if entries[0] < GROW_WANTED:
            note += (' **Filled to %s entries, less than the issue\'s '
                     '1,048,576 (grow_entries=%d).**' % (size, entries[0]))
        rows = []
        for run in runs:
            for k in kinds:
                r = recs.get((k, run))
                if not r:
                    continue
                steady = r['steady']
                if avail(r['grows']) and avail(r['grow_us']):
                    grows = ('%d, %s in them (longest %s)' %
                             (r['grows'], fmt_time(r['grow_us'] * 1e3),
                              fmt_time(r['grow_max_us'] * 1e3)))
                elif avail(r['grows']):
                    grows = '%d, by itself' % r['grows']
                else:
                    grows = 'by itself'
                rows.append([k, run, '{:,}'.format(int(r['entries'])),
                             fmt_time(r['fill_us'] * 1e3),
                             fmt_time(r['settle_us'] * 1e3), grows,
                             '{:,} → {:,}'.format(int(r['buckets_start']),
                                                  int(r['buckets'])),
                             fmt_count(r['windows']), fmt_rate(r['min']),
                             fmt_rate(r.get('p10')), fmt_rate(r['median']),
                             fmt_rate(steady),
                             fmt_ratio(ratio(r['min'], steady)),
                             fmt_ratio(ratio(r.get('p10'), steady)),
                             fmt_ratio(ratio(r['median'], steady)),
                             fmt_count(r['insert_failures'])])
        out = [note, ''] + table(
            ['kind', 'run', 'entries', 'fill', 'settle', 'grows',
             'buckets', 'grow windows', 'min /10 ms', 'p10 /10 ms',
             'median /10 ms', 'steady /10 ms', 'min ÷ steady',
             'p10 ÷ steady', 'median ÷ steady',
             'insert failures'], rows)
        pairs = []
        for k in RHT_PEERS:
            for run in runs:
                a, b = recs.get((k, run)), recs.get(('rhashtable', run))
                if a and b:
                    pairs.append(self.grow_pair(k, run, a, b))
        if pairs:
            out += ['', 'smr_hash and smr_shash against rhashtable, same '
                    'run (time to grow: fill + settle):', ''] + table(
                ['kind', 'run', 'fill time ÷', 'time to grow ÷',
                 '(p10 ÷ steady) ÷', '(median ÷ steady) ÷', 'steady rate ÷'],
                pairs)
        out += [''] + self.grow_mem_table()
        return out

    @staticmethod
    def grow_pair(kind, run, a, b):
        """A row of the comparison of kind's run a with rhashtable's b."""
        def per_steady(r, field):
            return ratio(r.get(field), r['steady'])
        return [kind, run, fmt_ratio(ratio(a['fill_us'], b['fill_us'])),
                fmt_ratio(ratio(a['fill_us'] + a['settle_us'],
                                b['fill_us'] + b['settle_us'])),
                fmt_ratio(ratio(per_steady(a, 'p10'), per_steady(b, 'p10'))),
                fmt_ratio(ratio(per_steady(a, 'median'),
                                per_steady(b, 'median'))),
                fmt_ratio(ratio(a['steady'], b['steady']))]

    def grow_mem_table(self):
        mems = {}
        for r in self.res.records['growmem']:
            mems.setdefault(r['kind'], r)   # the first run's
        if not mems:
            return ['No growmem records.']
        rows = []
        for k in ordered(GROW_KINDS, mems):
            r = mems[k]
            rows.append([k, '{:,}'.format(int(r['entries'])),
                         '{:,}'.format(int(r['buckets'])) +
                         (' (nested)' if r['nest'] else ''),
                         fmt_bytes(r['array_bytes']),
                         fmt_bytes(r['array_alloc']),
                         fmt_count(r['link_bytes']),
                         '%.3f' % r['bytes_per_entry']
                         if avail(r['bytes_per_entry']) else 'n/a',
                         '%d / %d' % (r['entry_bytes'], r['entry_alloc'])])
        return (['Memory at the end of the fill, from the structures and '
                 'the allocations made: the bucket array\'s size from its '
                 'struct (struct_size()), what the allocator gave it (ksize() '
                 'of a kmalloc()ed array, whole pages of a vmalloc()ed one), '
                 'the link each entry embeds; bytes per entry = allocated '
                 'array ÷ entries + link. The entry object (the same for '
                 'every table: a union of their links) is beside.', ''] +
                table(['kind', 'entries', 'buckets', 'array (struct)',
                       'array (allocated)', 'link bytes', 'bytes per entry',
                       'entry sizeof / allocated'], rows))

    # Table 7: reads under update load.
    def load_recs(self):
        """{(reader, flood): record}, the last of each pair."""
        return {(r['reader'], r['flood']): r
                for r in self.res.records['load']}

    def load_base(self, recs, reader):
        """The baseline flood of reader's rows: spin (the first CPU busy
        with private work) when there is one, else idle."""
        for base in reversed(LOAD_BASES):
            if (reader, base) in recs:
                return base
        return None

    @staticmethod
    def load_ratio(recs, reader, flood, base, field='ns'):
        a, b = recs.get((reader, flood)), recs.get((reader, base))
        return ratio(a[field] if a else None, b[field] if b else None)

    def load_table(self):
        recs = self.load_recs()
        if not recs:
            return ['No load records (the part needs 2 CPUs or more, and '
                    'parts= must name it).']
        readers = ordered(LOAD_READERS, {k[0] for k in recs})
        floods = ordered(LOAD_FLOODS, {k[1] for k in recs})
        loaded = [f for f in floods if f not in LOAD_BASES]
        rows = []
        for rd in readers:
            row = [rd]
            for f in floods:
                r = recs.get((rd, f))
                row.append(fmt_ns(r['ns']) if r else 'n/a')
            for f in loaded:
                row.append('%s / %s' % tuple(
                    fmt_ratio(self.load_ratio(recs, rd, f, b))
                    for b in LOAD_BASES))
            rows.append(row)
        nreaders = sorted({int(r['readers']) for r in recs.values()})
        rate = [[f] + [fmt_rate(recs[(rd, f)]['updates_per_s'])
                       if (rd, f) in recs else 'n/a' for rd in readers] +
                [fmt_count(max(recs[(rd, f)].get('throttled', 0)
                               for rd in readers if (rd, f) in recs))]
                for f in loaded]
        note = ('ns per enter + load + leave (one load of a published '
                'pointer and a read through it) on %s reader CPU(s), median '
                'run, while the first CPU runs the flood of the column: '
                'idle sleeps, spin loops on a counter of its own (the first '
                'CPU as busy as in a flood, nothing shared: under QEMU TCG '
                'the vCPUs share the host\'s cores, so any busy vCPU slows '
                'the others), smr_call and smr_cache go to the readers\' '
                'domain (smr\'s for rcu readers). Ratios: flood ÷ idle / '
                'flood ÷ spin, same run.' %
                '/'.join(str(n) for n in nreaders))
        fastest = [[rd] + [fmt_ratio(self.load_ratio(recs, rd, f, 'spin',
                                                     'min'))
                           for f in loaded] for rd in readers]
        return ([note, ''] +
                table(['reader'] + ['ns, %s' % f for f in floods] +
                      ['%s ÷ idle / ÷ spin' % f for f in loaded], rows) +
                ['', 'The fastest runs, flood ÷ spin (a run slowed by the '
                 'host is never the fastest):', ''] +
                table(['reader'] + ['%s min ÷ spin min' % f for f in loaded],
                      fastest) +
                ['', 'The flooder\'s updates per second during each run '
                 '(throttled: times it waited for its deferred objects '
                 'to drain, the most of any reader kind):', ''] +
                table(['flood'] + ['with %s readers' % rd for rd in readers] +
                      ['throttled'], rate))

    # Issue 14's targets, after the first round's.
    def issue14_targets(self):
        rows = []

        def add(text, r, limit, cmp='<='):
            met = {'<=': lambda q: q <= limit, '<': lambda q: q < limit,
                   '>=': lambda q: q >= limit}[cmp]
            rows.append([text, fmt_ratio(r),
                         'n/a' if r is None else ('yes' if met(r) else 'no')])

        points = [1] + ([self.nmax] if self.nmax > 1 else [])
        for k in points:
            add('smr_sleepable read ≤ 1.0 × srcu (readers=%d)' % k,
                ratio(self.ns_at('smr_sleepable', k), self.ns_at('srcu', k)),
                1.0)
        for k in points:
            add('smr_lazy read ≤ 1.0 × rcu (readers=%d)' % k,
                ratio(self.ns_at('smr_lazy', k), self.ns_at('rcu', k)), 1.0)
        for k in points:
            add('smr_lazy read < smr (readers=%d)' % k,
                ratio(self.ns_at('smr_lazy', k), self.ns_at('smr', k)), 1.0,
                '<')
        rows += self.footprint_targets()
        rows += self.load_targets()
        if self.table_recs():
            add('table smr ÷ rcu lookups ≥ 1.0 (every readers and updates '
                'row, the lowest)', self.table_min_ratio('smr', 'rcu'), 1.0,
                '>=')
        flood = self.res.flood()
        if flood:
            a, b = flood.get('smr_call'), flood.get('call_rcu')
            add('smr_call flood updates/s ≥ 2 × call_rcu\'s',
                ratio(a['updates_per_s'] if a else None,
                      b['updates_per_s'] if b else None), 2.0, '>=')
        return rows

    def footprint_targets(self):
        """The footprint section's target rows, from its records: the
        largest no-callback kind against 256 B, "callbacks" against 384."""
        recs = {r['kind']: int(r['pcpu_bytes'])
                for r in self.res.records['footprint']}
        plain = [b for k, b in recs.items() if k != 'callbacks']
        rows = []
        for text, b, limit in (
                ('no smr_call', max(plain) if plain else None,
                 FOOTPRINT_TARGET_DEFAULT),
                ('with smr_call', recs.get('callbacks'),
                 FOOTPRINT_TARGET['callbacks'])):
            rows.append(['footprint ≤ %d B per CPU per domain (%s)' %
                         (limit, text),
                         'not measured' if b is None else '%d B' % b,
                         'n/a' if b is None else
                         ('yes' if b <= limit else 'no')])
        return rows

    def load_targets(self):
        """Per reader kind, its worst flood against the baseline: median
        runs, then fastest runs."""
        recs = self.load_recs()
        rows = []
        for field, which in (('ns', 'median'), ('min', 'fastest')):
            for rd in ordered(LOAD_READERS, {k[0] for k in recs}):
                base = self.load_base(recs, rd)
                qs = [(self.load_ratio(recs, rd, f, base, field), f)
                      for f in LOAD_FLOODS if f not in LOAD_BASES]
                qs = [q for q in qs if q[0] is not None]
                q, f = max(qs) if qs else (None, None)
                rows.append(['%s read under a flood ≤ 1.2 × %s (%s runs; '
                             'worst: %s)' % (rd, base, which, f or 'n/a'),
                             fmt_ratio(q), 'n/a' if q is None else
                             ('yes' if q <= 1.2 else 'no')])
        if not rows:
            rows.append(['read under a flood ≤ 1.2 × idle',
                         'not measured (load part, 2 CPUs or more)', 'n/a'])
        return rows

    def table_min_ratio(self, a, b):
        recs = self.table_recs()
        qs = [ratio(recs[(k, n, p)]['lookups_per_s'],
                    recs[(b, n, p)]['lookups_per_s'])
              for (k, n, p) in recs if k == a and (b, n, p) in recs]
        qs = [q for q in qs if q is not None]
        return min(qs) if qs else None

    # Targets: reported, never asserted.
    def targets(self):
        n = self.nmax
        sync = self.res.sync()
        rows = []

        def add(text, r, limit):
            rows.append([text, fmt_ratio(r),
                         'n/a' if r is None else
                         ('yes' if r <= limit else 'no')])

        points = [1] + ([n] if n > 1 else [])
        for k in points:
            add('smr read ≤ 0.8 × srcu (readers=%d)' % k,
                ratio(self.ns_at('smr', k), self.ns_at('srcu', k)), 0.8)
        for k in points:
            add('smr_lazy read ≤ 1.5 × rcu (readers=%d)' % k,
                ratio(self.ns_at('smr_lazy', k), self.ns_at('rcu', k)), 1.5)
        for other, limit, text in (
                ('synchronize_rcu', 0.01, '1/100'),
                ('synchronize_rcu_expedited', 0.2, '1/5')):
            for load in LOADS:
                a = sync.get(('smr_synchronize', load))
                b = sync.get((other, load))
                add('smr_synchronize p50 ≤ %s of %s\'s (%s)' %
                    (text, other, load),
                    ratio(a['p50'] if a else None, b['p50'] if b else None),
                    limit)
        for m in ('smr_call', 'smr_cache'):
            q, name = self.flood_ratio(m)
            add('%s peak flood %s ≤ 1/10 of call_rcu\'s' %
                (m, name or 'deferred bytes'), q, 0.1)
        if self.table_recs():
            q = self.hash_vs_rht()
            rows.append(['smr_hash lookups ≥ 1.0 × rhashtable\'s (every '
                         'readers and updates row, the lowest)',
                         fmt_ratio(q), 'n/a' if q is None else
                         ('yes' if q >= 1.0 else 'no')])
            f = self.hash_insert_failures()
            rows.append(['smr_hash insert failures = 0', fmt_count(f),
                         'yes' if f == 0 else 'no'])
        if n > 1:
            add('smr read flat: ns(%d)/ns(1) ≤ 1.25' % n,
                ratio(self.ns_at('smr', n), self.ns_at('smr', 1)), 1.25)
        else:
            rows.append(['smr read flat: ns(N)/ns(1) ≤ 1.25',
                         'n/a (1 CPU)', 'n/a'])
        rows += self.issue14_targets()
        return table(['target', 'measured ratio', 'met'], rows)

    def header(self):
        a, env = self.args, self.res.env
        envline = ' '.join('%s=%s' % kv for kv in env.items())
        lines = ['# smr benchmark: %s, %s' % (a.label,
                                             env.get('kernel', 'unknown kernel')),
                 '',
                 '| | |', '| --- | --- |',
                 '| date | %s |' % a.date,
                 '| kernel | %s (%s) |' % (env.get('kernel', 'n/a'), a.label),
                 '| kernel config | %s |' % (a.config or 'n/a'),
                 '| host CPU | %s, %s host cores (/proc/cpuinfo of the host '
                 'that ran the guest) |' % (a.machine, a.cores),
                 '| guest CPU | %s |' % (a.guest_cpu or 'n/a'),
                 '| host load average | %s |' % (a.host_load or 'n/a'),
                 '| setup | %s |' % (a.setup or 'n/a'),
                 '| command | `%s` |' % (a.command or 'n/a'),
                 '| smr_bench params | `%s` |' % (a.params or '(defaults)'),
                 '| env record | `%s` |' % (envline or 'none'),
                 '']
        lines += [NEVER_COMPARE, '']
        if not self.res.done:
            lines += ['**Incomplete: the results have no `done` record.**', '']
        for note in a.note:
            lines += ['**Warning: %s.**' % note, '']
        if self.res.warnings:
            lines += ['Skipped malformed result lines:', '']
            lines += ['    ' + w for w in self.res.warnings] + ['']
        return lines

    def write(self, plots):
        md = self.header()
        sections = [
            ('Targets', ['Reported, not asserted.', ''] + self.targets()),
            ('1. Read side', self.read_table()),
            ('2. Writer side', self.writer_table()),
            ('3. Synchronize latency', self.sync_table()),
            ('4. Flood: deferred memory under a stream of updates',
             self.flood_table()),
            ('5. Read-mostly lookup table', self.lookup_table()),
            ('6. Lookups during a grow', self.grow_table()),
            ('7. Reads under update load', self.load_table()),
            ('8. Footprint: per-cpu bytes of a domain', footprint_table(self.res)),
        ]
        for title, body in sections:
            md += ['## ' + title, ''] + body + ['']
        if plots:
            md += ['## Plots', '']
            for name, title in plots:
                md += ['![%s](%s)' % (title, name), '']
        path = os.path.join(self.args.out_dir, self.stem + '.md')
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(md).rstrip('\n') + '\n')
        return path


# Plots.

def gnuplot_terminal():
    for term in ('pngcairo', 'png'):
        p = subprocess.run(['gnuplot', '-e', 'set terminal %s' % term],
                           capture_output=True, check=False)
        if p.returncode == 0 and not p.stderr.strip():
            return term
    return None


def gp_quote(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def plot_style(i):
    """Series i's colour and point type: no two series of a plot alike
    (gnuplot's own cycle repeats its colours after 8)."""
    return 'lc rgb %s pt %d' % (gp_quote(PLOT_COLOURS[i % len(PLOT_COLOURS)]),
                                i % 13 + 1)


def plot(rep, work, term, name, title, setup, series, many='lines'):
    """series: [(key title, [(x, y), ...])]; writes <stem>-<name>.png.
    A series of more than 20 points is drawn with style many, not points."""
    series = [(t, pts) for t, pts in series if pts]
    if not series:
        return None
    png = '%s-%s.png' % (rep.stem, name)
    cmds = ['set terminal %s size 1100,650' % term,
            'set output %s' % gp_quote(os.path.join(rep.args.out_dir, png)),
            'set title %s noenhanced' % gp_quote(title),
            'set key outside right top noenhanced', 'set grid'] + setup
    items = []
    for i, (key, pts) in enumerate(series):
        data = os.path.join(work, '%s-%d.dat' % (name, i))
        with open(data, 'w', encoding='utf-8') as f:
            f.writelines('%s %s\n' % p for p in pts)
        style = many if len(pts) > 20 else 'linespoints'
        items.append('%s using 1:2 with %s lw 2 %s title %s' %
                     (gp_quote(data), style, plot_style(i), gp_quote(key)))
    cmds.append('plot ' + ', \\\n\t'.join(items))
    script = os.path.join(work, name + '.gp')
    with open(script, 'w', encoding='utf-8') as f:
        f.write('\n'.join(cmds) + '\n')
    p = subprocess.run(['gnuplot', script], capture_output=True, text=True,
                       check=False)
    if p.returncode != 0:
        sys.stderr.write('bench-report: gnuplot failed on %s:\n%s' %
                         (script, p.stderr))
        return None
    return png, title


def make_plots(rep, work):
    if not shutil.which('gnuplot'):
        sys.stderr.write('bench-report: no gnuplot, no plots\n')
        return []
    term = gnuplot_terminal()
    if not term:
        sys.stderr.write('bench-report: gnuplot has no png terminal\n')
        return []
    os.makedirs(work, exist_ok=True)
    res, label = rep.res, rep.args.label
    out = []
    # (a) read cost against readers.
    n = rep.nmax
    series = [(op, sorted((k, v['ns']) for k, v in rep.read[op].items()))
              for op in ordered(READ_OPS, rep.read)]
    out.append(plot(rep, work, term, 'read',
                    'Read cost against readers (%s)' % label,
                    ['set xlabel "readers"',
                     'set ylabel "ns per enter+leave (log)"',
                     'set logscale y', 'set format y "%g"',
                     'set xrange [0.5:%s]' % (n + 0.5), 'set xtics 1'],
                    series))
    # (b) synchronize latency CDF.
    cdf = {}
    for r in res.records['cdf']:
        if r['ns'] > 0:     # a log axis: 0 ns (below the clock) is left out
            cdf.setdefault((r['op'], r['load']), []).append(
                (r['ns'] / 1e3, r['pct']))
    keys = [(op, load) for load in ordered(LOADS, {k[1] for k in cdf})
            for op in ordered(SYNC_OPS, {k[0] for k in cdf if k[1] == load})]
    series = [('%s, %s' % k, sorted(cdf[k])) for k in keys]
    out.append(plot(rep, work, term, 'sync-cdf',
                    'Synchronize latency CDF (%s)' % label,
                    ['set logscale x', 'set format x "%g"',
                     'set xlabel "latency (µs, log)"',
                     'set ylabel "percentile"', 'set yrange [0:100]'],
                    series, many='steps'))
    # (c) deferred memory over time during the flood.
    mem = {}
    for r in res.records['mem']:
        mem.setdefault(r['method'], []).append(r)
    series = []
    for m in ordered(METHODS, mem):
        deferred = [(r['t_ms'], r['deferred_bytes']) for r in mem[m]
                    if avail(r['deferred_bytes'])]
        if deferred:
            key = '%s (deferred bytes)' % m
        else:
            key = '%s (memory delta)' % m
            deferred = [(r['t_ms'], r['mem_delta_bytes']) for r in mem[m]]
        series.append((key, sorted((t, b / (1 << 20)) for t, b in deferred)))
    out.append(plot(rep, work, term, 'flood-mem',
                    'Deferred memory during the flood (%s)' % label,
                    ['set xlabel "t (ms)"', 'set ylabel "MiB"',
                     'set yrange [0:*]'], series))
    # (d) lookups per 10 ms window during the grow, the first run.
    wins = {}
    for r in res.records['growwin']:
        if int(r['run']) == 0:
            wins.setdefault(r['kind'], []).append(
                (r['t_us'] / 1e3, r['per_10ms']))
    series = [(k, sorted(wins[k])) for k in ordered(GROW_KINDS, wins)]
    out.append(plot(rep, work, term, 'grow',
                    'Lookups per 10 ms window during a grow, then steady '
                    '(%s)' % label,
                    ['set xlabel "t (ms) from the start of the fill"',
                     'set ylabel "lookups per 10 ms (all readers)"',
                     'set yrange [0:*]'], series))
    out.append(load_plot(rep, work, term, label))
    return [p for p in out if p]


def load_plot(rep, work, term, label):
    """(e) the load part: ns per section against the flood, per reader
    kind."""
    recs = rep.load_recs()
    floods = ordered(LOAD_FLOODS, {k[1] for k in recs})
    series = [(rd, [(i, recs[(rd, f)]['ns']) for i, f in enumerate(floods)
                    if (rd, f) in recs])
              for rd in ordered(LOAD_READERS, {k[0] for k in recs})]
    tics = ', '.join('%s %d' % (gp_quote(f), i) for i, f in enumerate(floods))
    readers = '/'.join(sorted({str(int(r['readers'])) for r in recs.values()}))
    return plot(rep, work, term, 'load',
                'Read cost on %s reader CPUs against the first CPU\'s '
                'flood (%s)' % (readers, label),
                ['set termoption noenhanced',
                 'set xlabel "flood on the first CPU"',
                 'set ylabel "ns per enter+load+leave"', 'set yrange [0:*]',
                 'set xrange [-0.5:%s]' % (len(floods) - 0.5),
                 'set xtics (%s)' % tics], series)


NEVER_COMPARE = (
    '**Compare figures within this report only, never across reports**: '
    'ratios move with the host CPU (issue 14 reports smr ÷ rcu 1.12 on one '
    'host and 0.58 on another, same binaries), and every ratio here was '
    'measured in this one run.')


def cpuinfo_model(path='/proc/cpuinfo'):
    """The first 'model name' of a cpuinfo file, or None."""
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            for ln in f:
                if ln.startswith('model name'):
                    return ln.split(':', 1)[1].strip()
    except OSError:
        pass
    return None


def host_info():
    model = cpuinfo_model() or 'unknown CPU'
    if model != 'unknown CPU':
        return model, os.cpu_count()
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True,
                             check=False).stdout
        for ln in out.splitlines():
            if ln.startswith('Model name:'):
                model = ln.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return model, os.cpu_count()


# Per-cpu bytes a domain may cost (issue 14, item 3); FreeBSD's: 128.
FOOTPRINT_KINDS = ['default', 'lazy', 'sleepable', 'callbacks']
FOOTPRINT_TARGET = {'callbacks': 384}
FOOTPRINT_TARGET_DEFAULT = 256


def footprint_table(res):
    """Section 7: smr_domain_pcpu_bytes() of each kind against its target."""
    recs = {r['kind']: r for r in res.records['footprint']}
    if not recs:
        return ['No footprint records.']
    rows = []
    for k in ordered(FOOTPRINT_KINDS, recs):
        b = int(recs[k]['pcpu_bytes'])
        t = FOOTPRINT_TARGET.get(k, FOOTPRINT_TARGET_DEFAULT)
        rows.append([k, fmt_count(b), fmt_count(t), 'yes' if b <= t else 'no'])
    return (['Bytes per possible CPU, as smr_domain_pcpu_bytes() measures '
             'them: struct smr_pcpu, and the callback queues once a '
             'callback was queued ("callbacks": after one smr_call()).', ''] +
            table(['domain', 'bytes per CPU', 'target', 'met'], rows))


def run(args):
    with open(args.results, encoding='utf-8', errors='replace') as f:
        res = Results(f.readlines())
    if not any(res.records[t] for t in RECORDS if t != 'done'):
        sys.stderr.write('bench-report: no result records in %s\n' %
                         args.results)
        return 1
    os.makedirs(args.out_dir, exist_ok=True)
    rep = Report(res, args)
    with tempfile.TemporaryDirectory() as tmp:
        plots = make_plots(rep, args.work_dir or tmp)
    path = rep.write(plots)
    for w in res.warnings:
        sys.stderr.write('bench-report: skipped: %s\n' % w)
    print('Targets (%s):' % args.label)
    print('\n'.join(rep.targets()))
    print('report: %s' % path)
    for png, _ in plots:
        print('plot: %s' % os.path.join(args.out_dir, png))
    return 0 if res.done else 2


def selftest():
    here = os.path.dirname(os.path.abspath(__file__))
    fixture = os.path.join(here, 'bench-fixture.txt')
    with tempfile.TemporaryDirectory() as tmp:
        args = parse_args(['--results', fixture, '--kernel', 'fixture',
                           '--label', 'fixture', '--date', '2000-01-01',
                           '--out-dir', tmp,
                           '--work-dir', os.path.join(tmp, 'work')])
        with open(os.devnull, 'w', encoding='utf-8') as null:
            saved = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = null
            try:
                rc = run(args)
            finally:
                sys.stdout, sys.stderr = saved
        md = open(os.path.join(tmp, '2000-01-01-fixture.md'),
                  encoding='utf-8').read()
        pngs = sorted(f for f in os.listdir(tmp) if f.endswith('.png'))
        work = os.path.join(tmp, 'work')
        grow_lines = sorted(f for f in os.listdir(work)
                            if re.match(r'grow-[0-9]+\.dat$', f)) \
            if os.path.isdir(work) else []
        read_gp = os.path.join(work, 'read.gp')
        read_styles = re.findall(r'lc rgb "[^"]*" pt [0-9]+',
                                 open(read_gp, encoding='utf-8').read()) \
            if os.path.exists(read_gp) else []
    checks = [
        ('exit status 0', rc == 0),
        ('seven numbered sections', all(s in md for s in (
            '## Targets', '## 1. Read side', '## 2. Writer side',
            '## 3. Synchronize latency', '## 4. Flood', '## 5. Read-mostly',
            '## 6. Lookups during a grow'))),
        ('footprint rows', '| default | 256 | 256 | yes |' in md and
         '| callbacks | 704 | 384 | no |' in md),
        # smr 38.2 / rcu 12.1 = 3.16 at readers=1; 49.97 / 12.22 at 4.
        ('read ratios', '| smr | 38.2 | 35.5–42.8 | 50.0 | 3.16 / 4.09 |' in md),
        ('flat column', '| 1.31 |' in md),
        ('sync in ms and µs', '19.8 ms' in md and '41.0 µs' in md),
        ('sync ratio', '0.0021 (1/483)' in md),
        ('flood ratio', '| smr_call | 4 | 2000 | 128 | 1,398,000 | 9800 |'
         ' 1.2 MiB | 3.0 MiB | 0.032 (1/32) |' in md),
        # 5.2 MB / kfree_rcu's 52 MB of memory delta; 1.33 MB / 39.68 MB.
        ('smr_kfree against kfree_rcu', '| smr_kfree | 4 | 2000 | 128 |'
         ' 1,300,000 | 10400 | 1.3 MiB | 5.0 MiB | 0.034 (1/30); ÷ kfree_rcu\'s:'
         ' 0.10 (memory delta) |' in md),
        ('kfree_rcu n/a', '| kfree_rcu | 4 | 2000 | 128 | 1,190,000 | n/a |'
         ' n/a |' in md),
        # 2.6 M / 2.0 M lookups/s: 1.3, the only smr_hash row.
        ('smr_hash target', '| smr_hash lookups ≥ 1.0 × rhashtable\'s (every '
         'readers and updates row, the lowest) | 1.30 | yes |' in md),
        ('table ratio', '| 4 | 10% | 6,300,000 | 6,400,000 | n/a | n/a | n/a |'
         ' 0.98 | n/a | n/a | n/a / n/a / n/a |' in md),
        # smr_shash 2.2 M / rhashtable 2.0 M: 1.10.
        ('smr_shash table ratio', '| 1 | 0% | 2,100,000 | 2,400,000 |'
         ' 2,600,000 | 2,200,000 | 2,000,000 | 0.88 | 1.30 | 1.10 |'
         ' 0 / 0 / 0 |' in md),
        # 1,992 / 7,295 = 0.27; 4,586 / 7,295 = 0.63; 6,136 / 7,295 = 0.84.
        ('grow row', '| smr_hash | 0 | 1,048,576 | 7421.7 ms | 34.0 µs | 10,'
         ' 3766.6 ms in them (longest 2052.9 ms) | 1,024 → 1,048,576 | 474 |'
         ' 1,992 | 4,586 | 6,136 | 7,295 | 0.27 | 0.63 | 0.84 | 0 |' in md),
        # fill 7.42 s / 13.67 s; p10: (4,586 / 7,295) / (4,442 / 9,658);
        # median: (6,136 / 7,295) / (5,649 / 9,658); steady 7,295 / 9,658.
        ('grow against rhashtable', '| smr_hash | 0 | 0.54 | 0.54 | 1.37 |'
         ' 1.44 | 0.76 |' in md),
        # Resizes by its worker; 9,859.5 ms / 13,672.4 ms, and with the
        # settle times (9,859.7 / 13,695.7): 0.72; p10: (1,498 / 9,379) /
        # (4,442 / 9,658); median: (4,933 / 9,379) / (5,649 / 9,658);
        # steady 9,379 / 9,658.
        ('smr_shash grow row', '| smr_shash | 0 | 1,048,576 | 9859.5 ms |'
         ' 200.0 µs | 5, by itself | 1,024 → 2,097,152 | 479 | 0 | 1,498 |'
         ' 4,933 | 9,379 | 0.00 | 0.16 | 0.53 | 0 |' in md),
        ('smr_shash against rhashtable', '| smr_shash | 0 | 0.72 | 0.72 |'
         ' 0.35 | 0.90 | 0.97 |' in md),
        ('smr_shash bytes per entry', '| smr_shash | 1,048,576 | 2,097,152 |'
         ' 16.0 MiB | 16.0 MiB | 8 | 24.003 | 48 / 64 |' in md),
        ('bytes per entry', '| rhashtable | 1,048,576 | 2,097,152 | 16.0 MiB'
         ' | 16.0 MiB | 8 | 24.003 | 48 / 64 |' in md),
        ('target met', '| smr read ≤ 0.8 × srcu (readers=1) | 0.69 | yes |'
         in md),
        ('target not met', '| smr read flat: ns(4)/ns(1) ≤ 1.25 | 1.31 | no |'
         in md),
        ('malformed line reported', 'not a number: read op=smr readers=two'
         in md),
        ('kernel message skipped', 'progress' not in md),
        ('load section', '## 7. Reads under update load' in md),
        # smr: 41.628 / 33.082 idle, / 32.615 spin; 32.304 / 33.082, ...
        ('load row', '| smr | 33.1 | 32.6 | 41.6 | 32.3 | 32.9 | 1.26 / 1.28 |'
         ' 0.98 / 0.99 | 1.00 / 1.01 |' in md),
        ('load target, worst flood', '| smr read under a flood ≤ 1.2 × spin '
         '(median runs; worst: smr_call) | 1.28 | no |' in md),
        ('load target met', '| smr_lazy read under a flood ≤ 1.2 × spin '
         '(median runs; worst: call_rcu) | 1.03 | yes |' in md),
        # rcu: min 39.025 / 30.882 under call_rcu.
        ('load target, fastest runs', '| rcu read under a flood ≤ 1.2 × '
         'spin (fastest runs; worst: call_rcu) | 1.26 | no |' in md),
        ('flooder rate', '| smr_call | 181,625 | 255,925 | 269,038 | 0 |'
         in md),
        # smr: min 33.099 / 32.532, 32.215 / 32.532, 32.446 / 32.532.
        ('fastest runs', '| smr | 1.02 | 0.99 | 1.00 |' in md),
        # 1,398,000 / 1,107,000 updates/s.
        ('smr_call flood target', '| smr_call flood updates/s ≥ 2 × '
         'call_rcu\'s | 1.26 | no |' in md),
        # The lowest smr ÷ rcu row: 2.1 M / 2.4 M.
        ('table smr ÷ rcu target', '| table smr ÷ rcu lookups ≥ 1.0 (every '
         'readers and updates row, the lowest) | 0.88 | no |' in md),
        ('sleepable target', '| smr_sleepable read ≤ 1.0 × srcu (readers=1)'
         ' |' in md),
        ('lazy below smr target', '| smr_lazy read < smr (readers=1) |' in md),
        ('footprint targets', '| footprint ≤ 256 B per CPU per domain '
         '(no smr_call) | 256 B | yes |' in md and
         '| footprint ≤ 384 B per CPU per domain (with smr_call) | 704 B '
         '| no |' in md),
        ('never compare', 'never across reports' in md),
        ('host and guest CPU', '| host CPU | ' in md and
         '| guest CPU | ' in md),
    ]
    if shutil.which('gnuplot'):
        checks.append(('five plots', pngs == [
            '2000-01-01-fixture-flood-mem.png', '2000-01-01-fixture-grow.png',
            '2000-01-01-fixture-load.png', '2000-01-01-fixture-read.png',
            '2000-01-01-fixture-sync-cdf.png']))
        checks.append(('a style of its own for every read op',
                       len(read_styles) == 9 and
                       len(set(read_styles)) == len(read_styles)))
        checks.append(('plots linked', '](2000-01-01-fixture-read.png)' in md))
        checks.append(('three lines in the grow plot', grow_lines == [
            'grow-0.dat', 'grow-1.dat', 'grow-2.dat']))
    bad = [name for name, ok in checks if not ok]
    for name, ok in checks:
        print('%s: %s' % ('ok' if ok else 'FAILED', name))
    if bad:
        sys.stdout.write(md)
    print('selftest: %d passed, %d failed' % (len(checks) - len(bad), len(bad)))
    return 1 if bad else 0


def parse_args(argv):
    model, cores = host_info()
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--selftest', action='store_true',
                   help='run on scripts/bench-fixture.txt and check the report')
    p.add_argument('--results', help='results (or console) file')
    p.add_argument('--kernel', help='kernel name for file names (uml, debian)')
    p.add_argument('--label', help='how it ran, e.g. uml or qemu-tcg-smp4')
    p.add_argument('--out-dir', help='where the .md and .png files go')
    p.add_argument('--work-dir', help='keep the gnuplot scripts and data '
                   'here (default: a temporary directory)')
    p.add_argument('--date', default=datetime.date.today().isoformat())
    p.add_argument('--config', default='', help='kernel config summary')
    p.add_argument('--setup', default='', help='how the kernel was booted')
    p.add_argument('--command', default='', help='the command that ran it')
    p.add_argument('--params', default='', help='smr_bench module params')
    p.add_argument('--note', action='append', default=[],
                   help='a warning for the report header (repeatable)')
    p.add_argument('--machine', default=model)
    p.add_argument('--host-load', default='',
                   help='the host\'s /proc/loadavg around the run')
    p.add_argument('--guest-cpu', default='',
                   help='the guest\'s CPU model (its boot log or cpuinfo)')
    p.add_argument('--cores', default=str(cores))
    args = p.parse_args(argv)
    if not args.selftest:
        for opt in ('results', 'kernel', 'label', 'out_dir'):
            if not getattr(args, opt):
                p.error('--%s is required' % opt.replace('_', '-'))
    return args


def main():
    args = parse_args(sys.argv[1:])
    return selftest() if args.selftest else run(args)


if __name__ == '__main__':
    sys.exit(main())
