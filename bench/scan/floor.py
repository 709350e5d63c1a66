#!/usr/bin/env python3
"""bench/scan/floor.py: where the fixed cost of `aisf scan` goes, against the floor Node sets.

Times (median and minimum of N interleaved runs, wall and child CPU) the steps a scan of the
corpus is built from: Node start-up, a worker thread, the CLI, the CLI plus the scan worker with
nothing to scan, one small file, the corpus in-process and isolated, and ModelScan on the corpus.
The differences between rows are the cost of each step.

`--baseline DIR` adds the corpus scans of another built checkout (e.g. `git archive HEAD` of an
earlier commit, built with `npm run build`), interleaved with this one's: a before/after
comparison on the same machine at the same load.

Run: flock /tmp/aisf-bench.lock nice /usr/bin/python3 bench/scan/floor.py [--runs 15] [--baseline DIR]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
CORPUS = os.path.join(ROOT, 'src', 'platform', 'scan', 'fixtures')
AISF = ['node', os.path.join(ROOT, 'bin', 'aisf.js')]
MODELSCAN = os.environ.get('MODELSCAN_DIR', '/tmp/modelscan')
WORKER = "const { Worker } = require('node:worker_threads'); new Worker('', { eval: true }).on('exit', () => {});"


def run(cmd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=15)
    ap.add_argument('--no-modelscan', action='store_true')
    ap.add_argument('--baseline', help='another built aisf checkout to time on the same corpus')
    args = ap.parse_args()
    empty = tempfile.mkdtemp(prefix='aisf-floor-')
    scan = AISF + ['scan', '--format', 'json', '--fail-on', 'critical']
    steps = {
        'node -e 0': ['node', '-e', '0'],
        'node + one worker thread': ['node', '-e', WORKER],
        'aisf --version (CLI start-up)': AISF + ['--version'],
        'aisf scan <empty folder> (CLI + scan worker, no file)': scan + [empty],
        'aisf scan one.npy': scan + [os.path.join(CORPUS, 'benign', 'array.npy')],
        'aisf scan corpus --in-process': scan + [CORPUS, '-r', '--in-process'],
        'aisf scan corpus': scan + [CORPUS, '-r'],
    }
    if args.baseline:
        base = ['node', os.path.join(args.baseline, 'bin', 'aisf.js'), 'scan', '--format', 'json', '--fail-on', 'critical']
        steps['baseline: aisf scan one.npy'] = base + [os.path.join(CORPUS, 'benign', 'array.npy')]
        steps['baseline: aisf scan corpus'] = base + [CORPUS, '-r']
    if not args.no_modelscan:
        steps['modelscan scan -p corpus'] = [sys.executable, '-m', 'modelscan.cli', 'scan', '-p', CORPUS, '-r', 'json', '-o', '/tmp/aisf-floor-modelscan.json']
    env = dict(os.environ, PYTHONPATH=MODELSCAN)
    load_before = open('/proc/loadavg').read().split()[:3]
    times = {k: [] for k in steps}
    for _ in range(args.runs):
        for name, cmd in steps.items():
            times[name].append(run(cmd, env))
    out = {}
    for name, ts in times.items():
        walls = [w for w, _ in ts]
        cpus = [c for _, c in ts]
        out[name] = {'wall_median_ms': round(1000 * statistics.median(walls), 1), 'wall_min_ms': round(1000 * min(walls), 1),
                     'cpu_median_ms': round(1000 * statistics.median(cpus), 1), 'cpu_min_ms': round(1000 * min(cpus), 1)}
    os.rmdir(empty)
    print(json.dumps({'runs': args.runs, 'node': subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip(),
                      'steps': out, 'loadavg_before': load_before, 'loadavg_after': open('/proc/loadavg').read().split()[:3]}, indent=2))


if __name__ == '__main__':
    main()
