/**
 * @module The self-contained HTML report: inline CSS and SVG only, a Content-Security-Policy that
 * forbids every network fetch and script, every user-supplied string escaped. It reads the same
 * in a browser, printed, or as the PDF made from it.
 */
import { SEVERITIES } from '../../evidence/test-plugin.js';
import type { AssessmentReport } from '../assessment.js';
import type { TechnicalEvidence } from '../plan.js';
import { type LABELS, label, statusLabel } from './labels.js';
import {
  barsSvg,
  criteriaSvg,
  curveSvg,
  esc,
  goalsSvg,
  heatmapSvg,
  ladderSvg,
  STATUS_COLOURS,
} from './svg.js';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px; color: #1f2328; background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: #57606a; } code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.hash { word-break: break-all; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid #d0d7de; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 14px 0; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; }
.card .big { font-size: 28px; font-weight: 700; }
.verdict-ok { border-left: 6px solid #1a7f37; padding: 8px 12px; background: #dafbe1; }
.verdict-fail { border-left: 6px solid #cf222e; padding: 8px 12px; background: #ffebe9; }
.legend span { margin-right: 10px; }
ol.gaps li { margin-bottom: 6px; }
details summary { cursor: pointer; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } table, svg { break-inside: avoid; }
  details { display: block; } details > summary { display: none; } }
`;

const badge = (status: keyof typeof STATUS_COLOURS, lang: 'zh' | 'en') =>
  `<span class="badge" style="background:${STATUS_COLOURS[status]}">${esc(statusLabel(status, lang))}</span>`;

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  id?: string,
): string {
  return `<table${id ? ` id="${id}" data-testid="${id}"` : ''}><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Plots derived from a test's details when they have a known shape (curve, groups, findings). */
export function detailPlots(ev: TechnicalEvidence, lang: 'zh' | 'en'): string[] {
  const plots: string[] = [];
  const details = (ev.result?.details ?? null) as Record<string, unknown> | null;
  const findings = ev.result?.findings ?? [];
  if (findings.length > 0) {
    const bars = SEVERITIES.map((s) => ({
      label: s,
      value: findings.filter((f) => f.severity === s).length,
      colour: s === 'critical' || s === 'high' ? '#cf222e' : s === 'medium' ? '#9a6700' : '#57606a',
    }));
    plots.push(
      barsSvg(`${ev.testId}: ${label('findingsBySeverity', lang)}`, bars, 'findings-chart'),
    );
  }
  if (details && typeof details === 'object') {
    const curve = details.curve;
    if (Array.isArray(curve) && curve.length >= 2) {
      const first = curve[0] as Record<string, unknown>;
      const keys = Object.keys(first).filter((k) => typeof first[k] === 'number');
      const [kx, ky] = keys;
      if (kx && ky) {
        const points = (curve as Record<string, number>[])
          .filter((p) => Number.isFinite(p[kx]) && Number.isFinite(p[ky]))
          .map((p) => ({ x: p[kx] as number, y: p[ky] as number }));
        if (points.length >= 2) plots.push(curveSvg(`${ev.testId}: ${ky} / ${kx}`, points, kx, ky));
      }
    }
    const groups = details.groups;
    if (Array.isArray(groups) && groups.length > 0) {
      const metric = ['selectionRate', 'accuracy', 'tpr', 'fpr'].find((m) =>
        (groups as Record<string, unknown>[]).some((g) => typeof g[m] === 'number'),
      );
      if (metric) {
        const bars = (groups as Record<string, unknown>[]).slice(0, 24).map((g) => ({
          label: `${String(g.feature ?? '')}${g.feature !== undefined ? '=' : ''}${String(g.value ?? g.group ?? '?')}`,
          value: typeof g[metric] === 'number' ? (g[metric] as number) : 0,
        }));
        plots.push(
          barsSvg(`${ev.testId}: ${metric} ${label('byGroup', lang)}`, bars, 'groups-chart'),
        );
      }
    }
  }
  return plots;
}

/**
 * Renders the report as one HTML document (UTF-8), viewable offline.
 *
 * @example
 * writeFileSync('report.html', renderHtml(report));
 */
export function renderHtml(report: AssessmentReport, lang: 'zh' | 'en' = report.lang): string {
  const L = (key: keyof typeof LABELS) => esc(label(key, lang));
  const p = report.project;
  const profile = p.profile;
  const s = report.summary;
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">`,
    // No network, no scripts: the report must open offline and cannot run injected code.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`${label('reportTitle', lang)} — ${p.name}`)}</title><style>${CSS}</style></head><body>`,
    `<h1>${L('reportTitle')}: ${esc(p.name)}</h1>`,
    `<p class="muted">${esc(p.purpose)}<br>${L('assessedAt')} ${esc(report.startedAt)} · aisf ${esc(report.tool.version)} · ${L('catalogue')} ${esc(report.tool.catalogVersion)} · ${L('assessmentId')} <span class="mono">${esc(report.id)}</span></p>`,
    `<div class="${report.verdict.ok ? 'verdict-ok' : 'verdict-fail'}" data-testid="verdict"><strong>${report.verdict.ok ? L('verdictOk') : L('verdictFail')}</strong>${
      report.verdict.reasons.length
        ? `<ul>${report.verdict.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`
        : ''
    }</div>`,
    '<div class="cards">',
    `<div class="card"><div class="muted">${L('capabilityLevel')}</div><div class="big" data-testid="level">${report.capabilityLevel} / 5</div>${p.targetLevel !== null ? `<div class="muted">${L('target')} ${p.targetLevel}</div>` : ''}</div>`,
    `<div class="card"><div class="muted">${L('criteria')}</div><div class="big">${s.criteria.holding} / ${s.criteria.declared}</div></div>`,
    `<div class="card"><div class="muted">${L('checks')}</div><div class="big">${s.checks.passed} / ${report.checks.length - s.checks['not-applicable']}</div><div class="muted">${L('passedOfApplicable')}</div></div>`,
    `<div class="card"><div class="muted">${L('risks')}</div><div class="big">${s.risks.applicable}</div><div class="muted">${s.risks.high} ${L('high')} · ${s.risks.untreated} ${L('untreated')}</div></div>`,
    '</div>',
  );

  parts.push(`<h2 id="profile">${L('profile')}</h2>`);
  parts.push(
    table(
      [L('field'), L('value')],
      [
        [L('sector'), esc(profile.sector)],
        [
          L('stage'),
          esc(report.stages.find((st) => st.id === profile.stage)?.title[lang] ?? profile.stage),
        ],
        [L('modelKind'), esc(profile.modelKind)],
        [
          L('personalInformation'),
          esc(
            `${profile.personalInformation}${profile.sensitivePersonalInformation ? ` (${label('sensitive', lang)})` : ''}`,
          ),
        ],
        [L('servesPublic'), esc(String(profile.servesPublic))],
        [L('generatesContent'), esc(String(profile.generatesContent))],
        [L('deployment'), esc(profile.deployment)],
        [L('roles'), esc(p.roles.join(', '))],
        [L('sensitiveAttributes'), esc(p.sensitiveAttributes.join(', ') || '—')],
        [
          L('model'),
          p.model
            ? `${esc(p.model.path)} <span class="hash">${esc(p.model.sha256 ?? label('notFound', lang))}</span>`
            : '—',
        ],
        [
          L('data'),
          p.data
            ? `${esc(p.data.path)} <span class="hash">${esc(p.data.sha256 ?? label('notFound', lang))}</span>`
            : '—',
        ],
        [L('plan'), `<span class="hash">${esc(p.planSha256)}</span>`],
      ],
    ),
  );

  parts.push(`<h2 id="ladder">${L('ladder')}</h2>`, ladderSvg(report, lang));
  parts.push(
    `<p class="legend muted">${(['satisfied', 'partial', 'not-satisfied', 'not-applicable'] as const).map((st) => `<span>${badge(st, lang)}</span>`).join('')}</p>`,
  );
  parts.push(
    table(
      [L('capability'), L('level'), L('status'), L('inputs')],
      report.capabilities.map((c) => [
        `${esc(c.title[lang])}<br><code>${esc(c.id)}</code>`,
        String(c.level),
        badge(c.status, lang),
        c.checks.map((ch) => `${badge(ch.status, lang)} <code>${esc(ch.id)}</code>`).join('<br>'),
      ]),
      'capability-table',
    ),
  );

  parts.push(`<h2 id="goals">${L('goals')}</h2>`, goalsSvg(report, lang));
  parts.push(
    table(
      [L('goal'), L('score'), L('inputs')],
      Object.values(report.goals).map((g) => [
        esc(g.title[lang]),
        g.score === null ? '—' : String(g.score),
        g.inputs
          .map((i) => `<code>${esc(i.id)}</code> ${i.score === null ? 'n/a' : i.score}`)
          .join('<br>'),
      ]),
    ),
  );

  parts.push(`<h2 id="risks">${L('riskMap')}</h2>`, heatmapSvg(report, lang));
  parts.push(
    `<p class="legend muted">${(['treated', 'partial', 'untreated'] as const).map((st) => `<span>${badge(st, lang)}</span>`).join('')} ${L('heatLegend')}</p>`,
  );
  const applicable = report.risks.filter((r) => r.applicable);
  parts.push(
    table(
      [L('risk'), L('rating'), L('why'), L('coverage'), L('treatment'), L('measures')],
      applicable.map((r) => [
        `${esc(r.title[lang])}<br><code>${esc(r.riskId)}</code>`,
        esc(r.rating ?? ''),
        r.reasons.map((why) => esc(why.when[lang])).join('<br>'),
        r.coverage === null ? '—' : `${Math.round(r.coverage * 100)}%`,
        badge(r.treatment, lang),
        [...r.measures, ...r.tests]
          .map((m) => `${badge(m.status, lang)} <code>${esc(m.id)}</code>`)
          .join('<br>'),
      ]),
      'risk-table',
    ),
  );
  const notApplicable = report.risks.filter((r) => !r.applicable);
  parts.push(
    `<details><summary>${L('notApplicableRisks')} (${notApplicable.length})</summary>`,
    table(
      [L('risk'), L('wouldApplyIf')],
      notApplicable.map((r) => [
        `${esc(r.title[lang])}<br><code>${esc(r.riskId)}</code>`,
        r.reasons.map((why) => esc(why.when[lang])).join('<br>') || '—',
      ]),
    ),
    '</details>',
  );

  parts.push(`<h2 id="checks">${L('checksTitle')}</h2>`);
  parts.push(
    `<p class="muted">${(
      [
        'passed',
        'partial',
        'failed',
        'evidence-invalid',
        'error',
        'not-run',
        'not-applicable',
      ] as const
    )
      .map((st) => `${badge(st, lang)} ${s.checks[st]}`)
      .join(' · ')}</p>`,
  );
  parts.push(
    table(
      [L('check'), L('kind'), L('status'), L('reason'), L('answeredBy'), L('evidence')],
      report.checks.map((c) => [
        `${esc(c.title[lang])}<br><code>${esc(c.id)}</code> <span class="muted">${esc(c.source)}</span>`,
        esc(c.kind + (c.actor ? ` (${c.actor})` : c.level ? ` L${c.level}` : '')),
        badge(c.status, lang),
        esc(c.reason ?? c.answer?.note ?? ''),
        esc([c.answer?.by, c.answer?.at].filter(Boolean).join(', ')),
        c.evidence
          .map((e) => `${esc(e.file)} <span class="muted">(${esc(e.state)})</span>`)
          .join('<br>'),
      ]),
      'check-table',
    ),
  );

  parts.push(`<h2 id="tests">${L('technical')}</h2>`);
  const tests = report.evidence.filter((e): e is TechnicalEvidence => e.kind === 'test');
  if (tests.length === 0) parts.push(`<p class="muted">${L('noTests')}</p>`);
  for (const ev of tests) {
    parts.push(
      `<h3>${esc(ev.title?.[lang] ?? ev.testId)} <code>${esc(ev.testId)}</code> ${badge(ev.verdict, lang)}</h3>`,
      ev.reason ? `<p>${esc(ev.reason)}</p>` : '',
      table(
        [L('metric'), L('criterion'), L('measured'), L('holds')],
        ev.criteria.map((c) => [
          `<code>${esc(c.metric)}</code>${ev.metricInfo[c.metric] ? `<br><span class="muted">${esc(ev.metricInfo[c.metric]?.description ?? '')}</span>` : ''}`,
          esc(`${c.op} ${c.value}`),
          c.actual === null ? '—' : esc(String(c.actual)),
          c.holds === null ? esc(label('notEvaluated', lang)) : c.holds ? '✓' : '✗',
        ]),
      ),
    );
    if (ev.criteria.some((c) => c.actual !== null))
      parts.push(criteriaSvg(ev.testId, ev.criteria, lang));
    parts.push(...detailPlots(ev, lang));
    const findings = ev.result?.findings ?? [];
    if (findings.length > 0) {
      // The most severe first; the full list is in report.json.
      const order = ['critical', 'high', 'medium', 'low', 'info'];
      const shown = [...findings]
        .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))
        .slice(0, 25);
      parts.push(
        table(
          [L('finding'), L('severity'), L('reason')],
          shown.map((f) => [`<code>${esc(f.id)}</code>`, esc(f.severity), esc(f.message)]),
        ),
        findings.length > shown.length
          ? `<p class="muted">${findings.length - shown.length} ${L('moreInJson')}</p>`
          : '',
      );
    }
  }

  parts.push(`<h2 id="gaps">${L('gaps')}</h2>`);
  if (report.gaps.length === 0) parts.push(`<p>${L('noGaps')}</p>`);
  parts.push(
    `<ol class="gaps" data-testid="gaps">${report.gaps
      .map(
        (g) =>
          `<li><strong>[P${g.priority} ${esc(g.kind)}] ${esc(g.title[lang])}</strong> <code>${esc(g.ref)}</code><br><span class="muted">${esc(g.detail)}</span><br>→ ${esc(g.action.type === 'command' ? label('command', lang) : label('management', lang))}: ${esc(g.action.text)}</li>`,
      )
      .join('')}</ol>`,
  );

  if (report.changes) {
    const ch = report.changes;
    parts.push(
      `<h2 id="changes">${L('changes')}</h2>`,
      `<p>${L('since')} ${esc(ch.previousAt)} (<span class="mono">${esc(ch.previousId)}</span>): ${L('capabilityLevel')} ${ch.level.from} → ${ch.level.to}; ${L('gapsOpened')} ${ch.gapsOpened.length}, ${L('gapsClosed')} ${ch.gapsClosed.length}</p>`,
      table(
        [L('item'), L('before'), L('after')],
        [
          ...ch.capabilities.map((c) => [
            `<code>${esc(c.id)}</code>`,
            esc(c.from ?? '—'),
            esc(c.to ?? '—'),
          ]),
          ...ch.checks.map((c) => [
            `<code>${esc(c.id)}</code>`,
            esc(c.from ?? '—'),
            esc(c.to ?? '—'),
          ]),
          ...ch.goals.map((g) => [
            `<code>${esc(g.id)}</code>`,
            String(g.from ?? '—'),
            String(g.to ?? '—'),
          ]),
          ...ch.metrics.map((m) => [
            `<code>${esc(`${m.testId} ${m.metric}`)}</code>`,
            String(m.from ?? '—'),
            String(m.to ?? '—'),
          ]),
        ],
      ),
    );
  }

  parts.push(`<h2 id="evidence">${L('appendix')}</h2>`);
  parts.push(
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
              `<code>${esc(e.testId)}</code>`,
              `${esc(e.toolVersion)}; ${L('plan')} <span class="hash">${esc(e.planSha256)}</span>`,
              `${L('model')}: <span class="hash">${esc(e.modelSha256 ?? '—')}</span><br>${L('data')}: <span class="hash">${esc(e.dataSha256 ?? '—')}</span>`,
              'aisf',
              esc(e.startedAt),
              '—',
              esc(e.verdict),
            ]
          : [
              'file',
              `<code>${esc(e.checkId)}</code>`,
              esc(e.file),
              `<span class="hash">${esc(e.actualSha256 ?? '—')}</span>`,
              esc(e.by ?? '—'),
              esc(e.at ?? '—'),
              esc(e.expires ?? '—'),
              esc(e.state + (e.reason ? `: ${e.reason}` : '')),
            ],
      ),
      'evidence-table',
    ),
  );
  if (report.notes.length) {
    parts.push(
      `<h2>${L('notes')}</h2><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`,
    );
  }
  parts.push(`<p class="muted">${L('footer')}</p></body></html>`);
  return parts.join('\n');
}
