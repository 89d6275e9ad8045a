#!/usr/bin/env python3
"""Ingests the corpus of tools/realworld/gen.py with one or more panther binaries and prints, per
log type, how many records the files hold, how many each binary parsed into the right table, how
many landed in another type's table, how many lines it quarantined and the commonest reason:

  python3 tools/realworld/run.py [--n N] [--out DIR] [--by-file] [--markdown] NAME=BINARY...

e.g. `python3 tools/realworld/run.py before=/tmp/panther-before after=bin/panther` (what
`go run mage.go parsing:realWorld` runs, with REALWORLD_BEFORE=/path/to/an/older/binary for the
before column). Every file is ingested alone, with every log type enabled, into its own data
directory under OUT/NAME/, so that each count belongs to one file. A record of several lines
(pretty-printed XML, a stack trace) quarantined line by line counts each line: compare the parsed
column with the records column for the rate."""
import argparse, collections, json, os, re, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def ingest(binary, path, data):
    shutil.rmtree(data, ignore_errors=True)
    p = subprocess.run([binary, 'ingest', '--no-detections', '--data-dir', data, path], capture_output=True, text=True)
    out = p.stdout + p.stderr
    events = {}
    for line in out.splitlines():
        m = re.match(r'^\s*([A-Za-z0-9.]+)\s+(\d+)\s+[\d.]+ [KMG]?i?B\s*$', line)
        if m and m.group(1) not in ('total', 'LOG'):
            events[m.group(1)] = int(m.group(2))
    m = re.search(r'(\d+) quarantined lines', out)
    quarantined = int(m.group(1)) if m else 0
    reasons = collections.Counter()
    if quarantined:
        q = subprocess.run([binary, 'query', '--data-dir', data, '--format', 'json', 'SELECT reason FROM panther_system.quarantine'],
                           capture_output=True, text=True)
        for line in q.stdout.splitlines():
            try:
                reasons[normalize(json.loads(line).get('reason') or '')] += 1
            except ValueError:
                pass
    return events, quarantined, reasons


def normalize(reason):
    """The first type's message with the parts that differ between records made uniform."""
    r = reason.split('; ')[0]
    r = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', r)
    r = re.sub(r'\b\d+\b', 'N', r)
    return r[:110] + ('…' if len(r) > 110 else '')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=200, help='records per generated file (default 200)')
    ap.add_argument('--out', default=os.path.join('bin', 'realworld'))
    ap.add_argument('--by-file', action='store_true', help='one row per file instead of per log type')
    ap.add_argument('--markdown', action='store_true', help='print a Markdown table')
    ap.add_argument('bins', nargs='+', metavar='NAME=BINARY')
    a = ap.parse_args()
    bins = [b.split('=', 1) for b in a.bins]
    corpus = os.path.join(a.out, 'corpus')
    shutil.rmtree(corpus, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, 'gen.py'), corpus, str(a.n)], check=True)
    manifest = json.load(open(os.path.join(corpus, 'manifest.json')))
    rows = collections.OrderedDict()
    for ent in manifest:
        key = ent['file'] if a.by_file else ent['types'][0]
        row = rows.setdefault(key, {'records': 0, 'bad': 0, 'by': {name: {'parsed': 0, 'wrong': collections.Counter(), 'quarantined': 0,
                                                                            'reasons': collections.Counter()} for name, _ in bins}})
        row['records'] += ent['records']
        row['bad'] += ent['bad']
        for name, binary in bins:
            events, quarantined, reasons = ingest(binary, os.path.join(corpus, ent['file']), os.path.join(a.out, name, ent['file']))
            r = row['by'][name]
            for t, n in events.items():
                if t in ent['types']:
                    r['parsed'] += n
                else:
                    r['wrong'][t] += n
            r['quarantined'] += quarantined
            r['reasons'].update(reasons)
    total = {'records': 0, 'bad': 0, 'by': {name: {'parsed': 0, 'wrong': 0, 'quarantined': 0} for name, _ in bins}}
    head = ['log type' if not a.by_file else 'file', 'records']
    for name, _ in bins:
        head += [name + ' parsed', name + ' wrong table', name + ' quarantined lines']
    head.append('commonest reason (' + ' / '.join(n for n, _ in bins) + ')')
    table = []
    for key, row in rows.items():
        cells = [key, str(row['records']) + (' (%d bad)' % row['bad'] if row['bad'] else '')]
        why = []
        total['records'] += row['records']
        total['bad'] += row['bad']
        for name, _ in bins:
            r = row['by'][name]
            pct = 100.0 * r['parsed'] / row['records'] if row['records'] else 0
            cells += ['%d (%.0f%%)' % (r['parsed'], pct), ', '.join('%s %d' % kv for kv in sorted(r['wrong'].items())) or '0', str(r['quarantined'])]
            top = r['reasons'].most_common(1)
            why.append('%s: %s (%d)' % (name, top[0][0], top[0][1]) if top else name + ': -')
            t = total['by'][name]
            t['parsed'] += r['parsed']
            t['wrong'] += sum(r['wrong'].values())
            t['quarantined'] += r['quarantined']
        cells.append(' / '.join(why).replace('|', '\\|'))
        table.append(cells)
    cells = ['**total**', str(total['records']) + (' (%d bad)' % total['bad'] if total['bad'] else '')]
    for name, _ in bins:
        t = total['by'][name]
        cells += ['%d (%.1f%%)' % (t['parsed'], 100.0 * t['parsed'] / total['records']), str(t['wrong']), str(t['quarantined'])]
    cells.append('')
    table.append(cells)
    if a.markdown:
        print('| ' + ' | '.join(head) + ' |')
        print('|' + '---|' * len(head))
        for c in table:
            print('| ' + ' | '.join(c) + ' |')
        return
    widths = [max(len(c[i]) for c in [head] + table) for i in range(len(head) - 1)]
    for c in [head] + table:
        print('  '.join(c[i].ljust(widths[i]) for i in range(len(head) - 1)) + '  ' + c[-1])


if __name__ == '__main__':
    main()
