#!/usr/bin/env python3
"""Selects the subset of hash4j's reference vectors (shared/vectors/hash4j,
hash4j commit 41d814f94c5289a6108ad77c2f4529329a65e146, Apache-2.0) that
tests/ultraloglog_test.cpp checks, so that CI needs no copy of the full set.

Output: index.tsv (one case per line, tab-separated key=value fields) and
bin/<id>.bin register files. Which cases: see select() below and README.md.
Edge cases "saturated" carry no hash list: the test regenerates it
(T(i, -1), T(i, 0), T(i, 1) for every register i, README of the vectors).
Usage: make_index.py /path/to/shared/vectors/hash4j
"""
import json, os, sys

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
man = json.load(open(os.path.join(src, 'manifest.json')))

BUILD_N = {0, 1, 2, 3, 5, 10, 100, 1000, 10000, 100000, 1000000}

def reg_bytes(c):
    r = c['registers']
    if not r.get('stored'):
        return None
    if 'hex' in r:
        return bytes.fromhex(r['hex'])
    return open(os.path.join(src, r['file']), 'rb').read()

def want_registers(c):
    t, p = c['type'], c['p']
    if t == 'build':
        n, s = c['n'], c['seed']
        if p <= 12:
            return n in (1, 100, 10000, 1000000) and (s == 1 or (n == 1000000 and c['sketch'] == 'ull'))
        return n == 1000000 and s == 1
    if t == 'edge':
        return True
    return p <= 12

def select(c):
    t = c['type']
    if c.get('extra_p3'):
        return False
    if t == 'build':
        return c['n'] in BUILD_N
    if t in ('merge', 'ull_to_hll', 'edge'):
        return True
    if t == 'downsize':
        return c['n'] in (10000, 1000000)
    return False

lines = []
for c in man['cases']:
    if not select(c):
        continue
    f = {'type': c['type'], 'id': c['id'], 'sketch': c['sketch'], 'p': c['p']}
    for k in ('seed', 'n'):
        if k in c:
            f[k] = c[k]
    for k, v in c.get('estimate_bits', {}).items():
        f['est_' + k] = v
    f['scp'] = c['state_change_probability_bits']
    if 'martingale_probability_bits' in c:
        f['mprob'] = c['martingale_probability_bits']
    if c['type'] == 'merge':
        for side in ('a', 'b'):
            for k in ('p', 'seed', 'n'):
                f[side + '_' + k] = c[side][k]
    if c['type'] in ('downsize', 'ull_to_hll'):
        f['from_p'] = c['from']['p']
    if c['type'] == 'edge' and 'saturated' not in c['id']:
        hs = c.get('hashes')
        if hs is None:
            ref = next(x for x in man['cases'] if x['id'] == c['hashes_ref'])
            hs = ref['hashes']
        name = 'bin/' + c['id'] + '.hashes'
        with open(os.path.join(here, name), 'w') as out:
            out.write('\n'.join(hs) + '\n')
        f['hashes'] = name
    if want_registers(c):
        b = reg_bytes(c)
        if b is not None:
            name = 'bin/' + c['id'] + '.bin'
            with open(os.path.join(here, name), 'wb') as out:
                out.write(b)
            f['registers'] = name
    lines.append('\t'.join('%s=%s' % kv for kv in f.items()))

with open(os.path.join(here, 'index.tsv'), 'w') as out:
    out.write('\n'.join(lines) + '\n')
print(len(lines), 'cases')
