/** @module `aisf audit …`: verify and show the tamper-evident decision log. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readRecords, verifyLog } from '../../business/audit/verify.js';
import { AisfError, EXIT } from '../../errors.js';
import { defineCommand } from '../command.js';
import { renderJson, renderTable } from '../render.js';

const verifyCommand = defineCommand({
  name: 'audit verify',
  summary: 'verify a decision log: signatures, checkpoint chain, inclusion and consistency proofs',
  description:
    'Exit 0 when every record and checkpoint verifies, 1 when tampering is found. Pass --public-key with a copy of the key kept outside the log folder: whoever can rewrite the folder can also replace the key inside it.',
  args: [{ name: 'log', description: 'the log folder (audit.dir of guard.yaml)', required: true }],
  options: {
    'public-key': {
      type: 'string',
      valueName: '<pem>',
      description: 'Ed25519 public key (PEM) to trust',
    },
  },
  examples: [
    'aisf audit verify ./audit-log',
    'aisf audit verify ./audit-log --public-key ops/guard.pub.pem',
  ],
  run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0] ?? '');
    const keyPath = ctx.options['public-key'];
    let publicKeyPem: string | undefined;
    if (typeof keyPath === 'string') {
      try {
        publicKeyPem = readFileSync(resolve(ctx.cwd, keyPath), 'utf8');
      } catch (cause) {
        throw new AisfError('E_FILE_NOT_FOUND', `cannot read --public-key ${keyPath}`, { cause });
      }
    }
    const report = verifyLog(dir, publicKeyPem ? { publicKeyPem } : {});
    if (ctx.format === 'json') {
      ctx.out(renderJson(report));
    } else {
      ctx.out(
        renderTable(
          [
            'records',
            'checkpoints',
            'unsealed',
            'inclusion proofs',
            'consistency proofs',
            'key',
            'result',
          ],
          [
            [
              String(report.records),
              String(report.checkpoints),
              String(report.unsealed),
              String(report.inclusionProofsChecked),
              String(report.consistencyProofsChecked),
              report.keyId ?? '—',
              report.ok ? 'OK' : 'TAMPERED',
            ],
          ],
        ),
      );
      for (const p of report.problems.slice(0, 50)) ctx.out(`  ${p.where}: ${p.message}\n`);
      if (report.tornTail)
        ctx.warn('the last line was incomplete (a crash mid-write); it was never acknowledged');
      if (report.unsealed > 0)
        ctx.warn(`${report.unsealed} records after the last checkpoint are not yet signed`);
    }
    return report.ok ? EXIT.OK : EXIT.FINDINGS;
  },
});

const showCommand = defineCommand({
  name: 'audit show',
  summary: 'print decision records from a log',
  args: [{ name: 'log', description: 'the log folder', required: true }],
  options: {
    from: { type: 'string', valueName: '<seq>', description: 'first record', default: '0' },
    limit: { type: 'string', valueName: '<n>', description: 'number of records', default: '50' },
  },
  examples: ['aisf audit show ./audit-log --limit 20', 'aisf audit show ./audit-log --format json'],
  run(ctx) {
    const from = Number(ctx.options.from);
    const limit = Number(ctx.options.limit);
    if (!Number.isInteger(from) || from < 0)
      throw new AisfError('E_USAGE', '--from must be an integer ≥ 0');
    if (!Number.isInteger(limit) || limit < 1)
      throw new AisfError('E_USAGE', '--limit must be an integer ≥ 1');
    const records = readRecords(resolve(ctx.cwd, ctx.args[0] ?? ''), from, limit);
    if (ctx.format === 'json') {
      ctx.out(renderJson(records));
      return EXIT.OK;
    }
    ctx.out(
      renderTable(
        ['seq', 'time', 'kind', 'key', 'route', 'action', 'status', 'fired'],
        records.map((r) => [
          String(r.seq),
          r.ts,
          r.kind,
          r.keyId ?? '',
          r.route ?? '',
          r.action,
          r.status === undefined ? '' : String(r.status),
          (r.fired ?? []).join(' '),
        ]),
      ),
    );
    return EXIT.OK;
  },
});

/** The audit command group. */
export const AUDIT_COMMANDS = [verifyCommand, showCommand] as const;
