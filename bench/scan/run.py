#!/usr/bin/env python3
"""bench/scan: the aisf scan corpus through ModelScan and through aisf, in one run.

Prints wall and CPU time of each (median of N runs), the speed ratio, the same for the corpus
copied 10× and 50× with the marginal cost per file (start-up cancels out), a per-file detection
comparison (every file ModelScan flags must be flagged by aisf at the same or a higher severity),
and scans a 1 GB safetensors file (sparse, generated in /tmp, never committed) while recording the
peak RSS.

ModelScan is not vendored: fetch protectai/modelscan into /tmp/modelscan (only its `modelscan/`
package) and run with Debian Python (python3-numpy, python3-h5py, python3-click, python3-rich,
python3-tomlkit). aisf must be built (`npm run build`).

Run: flock /tmp/aisf-bench.lock nice /usr/bin/python3 bench/scan/run.py [--runs 3] [--copies 10 50]
"""
import argparse
import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
CORPUS = os.path.join(ROOT, 'src', 'platform', 'scan', 'fixtures')
MODELSCAN = os.environ.get('MODELSCAN_DIR', '/tmp/modelscan')
RANK = {'info': 0, 'low': 1, 'medium': 2, 'high': 3, 'critical': 4}


def timed(cmd, env=None, cwd=None):
    """Runs cmd; returns (stdout, wall seconds, child CPU seconds, child peak RSS in MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu, after.ru_maxrss / 1024


MS_OUT = '/tmp/aisf-bench-modelscan.json'
LOAD_BEFORE = open('/proc/loadavg').read().split()[:3]


def modelscan_cmd(path):
    return [sys.executable, '-m', 'modelscan.cli', 'scan', '-p', path, '-r', 'json', '-o', MS_OUT]


def aisf_cmd(path, fmt='json'):
    return ['node', os.path.join(ROOT, 'bin', 'aisf.js'), 'scan', path, '--recursive', '--format', fmt, '--fail-on', 'critical']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--copies', type=int, nargs='+', default=[10, 50], help='copies of the corpus for the throughput runs')
    ap.add_argument('--big', type=int, default=1024 ** 3, help='bytes of tensor data in the large safetensors file')
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=MODELSCAN)

    # 1. the corpus, both tools, same input, interleaved runs
    ms_walls, ms_cpus, a_walls, a_cpus = [], [], [], []
    ms_out = a_out = None
    for _ in range(args.runs):
        p, w, c, _ = timed(modelscan_cmd(CORPUS), env=env)
        ms_walls.append(w)
        ms_cpus.append(c)
        ms_out = p.stdout
        p, w, c, _ = timed(aisf_cmd(CORPUS), cwd=ROOT)
        a_walls.append(w)
        a_cpus.append(c)
        a_out = p.stdout
    with open(MS_OUT) as f:
        ms = json.load(f)
    del ms_out
    report = json.loads(a_out)
    files = {os.path.relpath(os.path.join(ROOT, r['path']), CORPUS): r for r in report['results']}

    # 1b. throughput: the corpus copied N times (start-up amortised); per-file cost is the
    # marginal cost between the corpus and its copies, so start-up cancels out
    import shutil
    scaled_runs = []
    for copies in args.copies:
        scaled = '/tmp/aisf-bench-corpus'
        shutil.rmtree(scaled, ignore_errors=True)
        for i in range(copies):
            shutil.copytree(CORPUS, os.path.join(scaled, f'copy{i}'))
        p, ms_scaled_wall, ms_scaled_cpu, _ = timed(modelscan_cmd(scaled), env=env)
        p, a_scaled_wall, a_scaled_cpu, _ = timed(aisf_cmd(scaled), cwd=ROOT)
        scaled_files = len(json.loads(p.stdout)['results'])
        shutil.rmtree(scaled, ignore_errors=True)
        scaled_runs.append((copies, scaled_files, ms_scaled_wall, ms_scaled_cpu, a_scaled_wall, a_scaled_cpu))

    # 2. detections: every file ModelScan flags, aisf flags at the same or a higher severity
    ms_files = {}
    for issue in ms.get('issues', []):
        src = issue.get('source', '')
        rel = src.split(':')[0]
        rel = os.path.relpath(os.path.join(CORPUS, rel), CORPUS) if not os.path.isabs(rel) else os.path.relpath(rel, CORPUS)
        sev = issue.get('severity', 'LOW').lower()
        ms_files[rel] = max(ms_files.get(rel, 0), RANK.get(sev, 1))
    missed = []
    for rel, rank in sorted(ms_files.items()):
        r = files.get(rel)
        worst = max([RANK[f['severity']] for f in r['findings']], default=-1) if r else -1
        # aisf's `high` already fails the default threshold; ModelScan marks some unknown modules CRITICAL
        if worst < min(rank, RANK['high']):
            missed.append((rel, rank, worst))
    aisf_flagged = sum(1 for r in report['results'] if any(RANK[f['severity']] >= 3 for f in r['findings']))
    malicious = [r for k, r in files.items() if k.startswith('malicious')]
    ms_mal = sum(1 for k in ms_files if k.startswith('malicious'))
    ms_benign_fp = sorted(k for k in ms_files if k.startswith('benign'))

    # 3. the 1 GB safetensors file (sparse zeros; header only is parsed, SHA-256 streamed)
    big = '/tmp/aisf-bench-1g.safetensors'
    n = args.big // 4
    header = json.dumps({'big': {'dtype': 'F32', 'shape': [n], 'data_offsets': [0, n * 4]}}).encode()
    header += b' ' * ((8 - len(header) % 8) % 8)
    with open(big, 'wb') as f:
        f.write(struct.pack('<Q', len(header)) + header)
        f.truncate(8 + len(header) + n * 4)
    p, big_wall, big_cpu, _ = timed(['/usr/bin/time', '-f', '%M', 'node', os.path.join(ROOT, 'bin', 'aisf.js'), 'scan', big, '--format', 'json'], cwd=ROOT)
    big_rss = int(p.stderr.strip().splitlines()[-1]) / 1024
    big_verdict = json.loads(p.stdout)['results'][0]['verdict']
    os.remove(big)

    mw, aw = statistics.median(ms_walls), statistics.median(a_walls)
    mc, ac = statistics.median(ms_cpus), statistics.median(a_cpus)
    out = {
        'files': len(files),
        'modelscan': {'wall_s': round(mw, 2), 'cpu_s': round(mc, 2), 'files_flagged': len(ms_files), 'malicious_flagged': ms_mal,
                      'benign_flagged': ms_benign_fp, 'errors': len(ms.get('errors', []))},
        'aisf': {'wall_s': round(aw, 2), 'cpu_s': round(ac, 2), 'files_flagged_high': aisf_flagged,
                 'malicious_flagged_high': sum(1 for r in malicious if any(RANK[f['severity']] >= 3 for f in r['findings'])), 'malicious_files': len(malicious)},
        'speedup_wall': round(mw / aw, 2), 'speedup_cpu': round(mc / ac, 2),
        'modelscan_detections_missed_by_aisf': missed,
        'big_safetensors': {'bytes': os.path.getsize(big) if os.path.exists(big) else 8 + len(header) + n * 4, 'wall_s': round(big_wall, 2), 'cpu_s': round(big_cpu, 2),
                            'peak_rss_mib': round(big_rss, 1), 'verdict': big_verdict},
        'runs': args.runs,
        'throughput': [
            {'copies': c, 'files': f,
             'modelscan_wall_s': round(mw2, 2), 'modelscan_cpu_s': round(mc2, 2),
             'aisf_wall_s': round(aw2, 2), 'aisf_cpu_s': round(ac2, 2),
             'speedup_wall': round(mw2 / aw2, 2), 'speedup_cpu': round(mc2 / ac2, 2),
             # marginal cost per file over the single corpus run (start-up cancels out)
             'modelscan_ms_per_file_wall': round(1000 * (mw2 - mw) / (f - len(files)), 3),
             'aisf_ms_per_file_wall': round(1000 * (aw2 - aw) / (f - len(files)), 3),
             'speedup_per_file_wall': round((mw2 - mw) / max(1e-9, aw2 - aw), 2),
             'speedup_per_file_cpu': round((mc2 - mc) / max(1e-9, ac2 - ac), 2)}
            for (c, f, mw2, mc2, aw2, ac2) in scaled_runs],
        'loadavg_before': LOAD_BEFORE,
        'loadavg_after': open('/proc/loadavg').read().split()[:3],
    }
    print(json.dumps(out, indent=2))
    return 0 if not missed else 1


if __name__ == '__main__':
    sys.exit(main())
