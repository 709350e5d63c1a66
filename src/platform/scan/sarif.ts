/**
 * @module SARIF 2.1.0 output that GitHub code scanning accepts: one run, rules with a default
 * level and `security-severity`, results with physical locations (archive members as logical
 * locations), artifacts with SHA-256, and incomplete scans as error results and notifications.
 */
import type { Severity } from '../../evidence/test-plugin.js';
import type { ScanReport } from './files.js';

/** SARIF level per severity (research §1.10: critical/high → error, medium → warning, rest → note). */
export const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub `security-severity` per severity (GitHub bands: ≥9 critical, 7–8.9 high, 4–6.9 medium, 0.1–3.9 low). */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

const INCOMPLETE_RULE = 'scan.incomplete';

function toUri(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

function describe(id: string): string {
  const [, area = '', rule = id] = id.split('.');
  return `${area}: ${rule.replace(/-/g, ' ')}`;
}

/** A minimal typed view of the SARIF log aisf writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: unknown[] } };
    results: unknown[];
    artifacts: unknown[];
    invocations: unknown[];
  }[];
}

/**
 * Converts a scan report to SARIF 2.1.0.
 * @example writeFileSync('scan.sarif', JSON.stringify(toSarif(report, '0.1.0')));
 */
export function toSarif(report: ScanReport, version: string): SarifLog {
  const rules = new Map<string, { index: number; severity: Severity; message: string }>();
  const ruleFor = (id: string, severity: Severity, message: string) => {
    let rule = rules.get(id);
    if (!rule) {
      rule = { index: rules.size, severity, message };
      rules.set(id, rule);
    }
    return rule;
  };
  const results: unknown[] = [];
  const artifacts: unknown[] = [];
  const notifications: unknown[] = [];
  report.results.forEach((file, artifactIndex) => {
    const uri = toUri(file.path);
    artifacts.push({
      location: { uri, uriBaseId: '%SRCROOT%' },
      length: file.size,
      ...(file.sha256 ? { hashes: { 'sha-256': file.sha256 } } : {}),
      properties: { format: file.format, verdict: file.verdict },
    });
    const location = (member?: string, offset?: number) => ({
      physicalLocation: {
        artifactLocation: { uri, uriBaseId: '%SRCROOT%', index: artifactIndex },
        region: { startLine: 1 },
      },
      ...(member ? { logicalLocations: [{ fullyQualifiedName: member, kind: 'member' }] } : {}),
      ...(offset !== undefined ? { properties: { byteOffset: offset } } : {}),
    });
    for (const f of file.findings) {
      const rule = ruleFor(f.id, f.severity, f.message);
      const where = f.location?.member ? ` [${f.location.member}]` : '';
      results.push({
        ruleId: f.id,
        ruleIndex: rule.index,
        level: SARIF_LEVEL[f.severity],
        message: { text: `${f.message}${where}` },
        locations: [location(f.location?.member, f.location?.offset)],
        partialFingerprints: {
          'aisfFinding/v1': `${f.id}:${file.sha256 ?? file.path}:${f.location?.member ?? ''}:${f.location?.offset ?? ''}`,
        },
        properties: { severity: f.severity },
      });
    }
    for (const e of file.errors) {
      const rule = ruleFor(INCOMPLETE_RULE, 'high', 'the file could not be scanned to the end');
      results.push({
        ruleId: INCOMPLETE_RULE,
        ruleIndex: rule.index,
        level: 'error',
        message: { text: `scan incomplete: ${e.message}` },
        locations: [location(e.location.member, e.location.offset)],
        properties: { severity: 'high' },
      });
      notifications.push({ level: 'error', message: { text: `${file.path}: ${e.message}` } });
    }
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aisf',
            version,
            informationUri: 'https://github.com/aisf/aisf',
            rules: [...rules.entries()].map(([id, rule]) => ({
              id,
              name: id.replace(/[^a-zA-Z0-9]+/g, '-'),
              shortDescription: { text: describe(id) },
              fullDescription: { text: rule.message },
              help: { text: `aisf model-file scan rule ${id}. See docs/readme/scan.md.` },
              defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
              properties: {
                'security-severity': SECURITY_SEVERITY[rule.severity],
                tags: ['security', 'model-file'],
              },
            })),
          },
        },
        results,
        artifacts,
        invocations: [
          {
            executionSuccessful: report.summary.verdicts.error === 0,
            toolExecutionNotifications: notifications,
          },
        ],
      },
    ],
  };
}
