/** @module The report as Markdown: the same sections as the HTML, tables instead of plots. */
import type { AssessmentReport } from '../assessment.js';
import { label, statusLabel } from './labels.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/**
 * Renders the report as GitHub-flavoured Markdown.
 *
 * @example
 * writeFileSync('report.md', renderMarkdown(report));
 */
export function renderMarkdown(report: AssessmentReport, lang: 'zh' | 'en' = report.lang): string {
  const L = (key: Parameters<typeof label>[0]) => label(key, lang);
  const S = (status: string) => statusLabel(status, lang);
  const p = report.project;
  const out: string[] = [];
  out.push(`# ${L('reportTitle')}: ${p.name}`, '', p.purpose, '');
  out.push(
    `${L('assessedAt')} ${report.startedAt} · aisf ${report.tool.version} · ${L('catalogue')} ${report.tool.catalogVersion} · ${L('assessmentId')} \`${report.id}\``,
    '',
  );
  out.push(`**${report.verdict.ok ? L('verdictOk') : L('verdictFail')}**`, '');
  for (const r of report.verdict.reasons) out.push(`- ${r}`);
  out.push('');
  out.push(`## ${L('ladder')}`, '');
  out.push(
    `**${L('capabilityLevel')}: ${report.capabilityLevel} / 5**${p.targetLevel !== null ? ` (${L('target')} ${p.targetLevel})` : ''}`,
    '',
  );
  for (const level of [...report.levels].sort((a, b) => b.level - a.level)) {
    const caps = report.capabilities
      .filter((c) => c.level === level.level)
      .map((c) => `${c.title[lang]} (${S(c.status)})`)
      .join('; ');
    out.push(`${level.reached ? '✅' : '⬜'} ${level.level}. ${level.title[lang]} — ${caps}`, '');
  }
  out.push(`## ${L('goals')}`, '');
  out.push(
    table(
      [L('goal'), L('score'), L('inputs')],
      Object.values(report.goals).map((g) => [
        g.title[lang],
        g.score === null ? '—' : String(g.score),
        g.inputs.map((i) => `${i.id} ${i.score ?? 'n/a'}`).join(', '),
      ]),
    ),
    '',
  );
  out.push(`## ${L('riskMap')}`, '');
  const stageIdx = (id: string) => report.stages.findIndex((s) => s.id === id) + 1;
  out.push(
    table(
      [L('risk'), L('rating'), L('why'), L('stage'), L('coverage'), L('treatment')],
      report.risks
        .filter((r) => r.applicable)
        .map((r) => [
          `${r.title[lang]} (\`${r.riskId}\`)`,
          r.rating ?? '',
          r.reasons.map((w) => w.when[lang]).join('; '),
          r.stages.map(stageIdx).join(','),
          r.coverage === null ? '—' : `${Math.round(r.coverage * 100)}%`,
          S(r.treatment),
        ]),
    ),
    '',
  );
  out.push(
    `${L('stage')}: ${report.stages.map((s) => `${s.order} ${s.title[lang]}${s.id === p.profile.stage ? ' ◀' : ''}`).join(', ')}`,
    '',
  );
  out.push(`## ${L('checksTitle')}`, '');
  out.push(
    table(
      [L('check'), L('kind'), L('status'), L('reason'), L('evidence')],
      report.checks.map((c) => [
        `${c.title[lang]} (\`${c.id}\`)`,
        c.kind,
        S(c.status),
        c.reason ?? c.answer?.note ?? '',
        c.evidence.map((e) => `${e.file} (${e.state})`).join(', '),
      ]),
    ),
    '',
  );
  out.push(`## ${L('technical')}`, '');
  const tests = report.evidence.filter((e) => e.kind === 'test');
  if (tests.length === 0) out.push(L('noTests'), '');
  for (const ev of tests) {
    out.push(`### ${ev.title?.[lang] ?? ev.testId} (\`${ev.testId}\`): ${S(ev.verdict)}`, '');
    if (ev.reason) out.push(ev.reason, '');
    out.push(
      table(
        [L('metric'), L('criterion'), L('measured'), L('holds')],
        ev.criteria.map((c) => [
          c.metric,
          `${c.op} ${c.value}`,
          c.actual === null ? '—' : String(c.actual),
          c.holds === null ? L('notEvaluated') : c.holds ? '✓' : '✗',
        ]),
      ),
      '',
    );
  }
  out.push(`## ${L('gaps')}`, '');
  if (report.gaps.length === 0) out.push(L('noGaps'));
  report.gaps.forEach((g, i) => {
    out.push(
      `${i + 1}. **[P${g.priority} ${g.kind}] ${g.title[lang]}** (\`${g.ref}\`): ${g.detail}. → ${g.action.text}`,
    );
  });
  out.push('');
  if (report.changes) {
    const ch = report.changes;
    out.push(`## ${L('changes')}`, '');
    out.push(
      `${L('since')} ${ch.previousAt}: ${L('capabilityLevel')} ${ch.level.from} → ${ch.level.to}; ${L('gapsOpened')} ${ch.gapsOpened.length}, ${L('gapsClosed')} ${ch.gapsClosed.length}`,
      '',
    );
    for (const c of [...ch.capabilities, ...ch.checks])
      out.push(`- \`${c.id}\`: ${c.from ?? '—'} → ${c.to ?? '—'}`);
    for (const m of ch.metrics)
      out.push(`- \`${m.testId}\` ${m.metric}: ${m.from ?? '—'} → ${m.to ?? '—'}`);
    out.push('');
  }
  out.push(`## ${L('appendix')}`, '');
  out.push(
    table(
      [
        L('kind'),
        L('subject'),
        L('fileOrRun'),
        'SHA-256',
        L('who'),
        L('when'),
        L('expires'),
        L('state'),
      ],
      report.evidence.map((e) =>
        e.kind === 'test'
          ? [
              'test',
              e.testId,
              e.toolVersion,
              `model ${e.modelSha256 ?? '—'}; data ${e.dataSha256 ?? '—'}`,
              'aisf',
              e.startedAt,
              '—',
              e.verdict,
            ]
          : [
              'file',
              e.checkId,
              e.file,
              e.actualSha256 ?? '—',
              e.by ?? '—',
              e.at ?? '—',
              e.expires ?? '—',
              e.state,
            ],
      ),
    ),
    '',
  );
  if (report.notes.length) {
    out.push(`## ${L('notes')}`, '', ...report.notes.map((n) => `- ${n}`), '');
  }
  return `${out.join('\n')}\n`;
}
