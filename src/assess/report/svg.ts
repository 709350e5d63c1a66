/**
 * @module Inline SVG plots for the report (no scripts, no network): the capability ladder, goal
 * bars, the risk × lifecycle-stage heat map, criteria against thresholds, findings by severity,
 * per-group bars and curves from a test's details.
 */
import type { Text } from '../../catalog/schema.js';
import type { AssessmentReport } from '../assessment.js';
import type { CriterionResult } from '../plan.js';
import type { CapabilityStatus, CheckStatus, Treatment } from '../scoring.js';

/** Escapes text for HTML and SVG content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Status colours (checked for contrast against white text). */
export const STATUS_COLOURS: Record<CheckStatus | CapabilityStatus | Treatment, string> = {
  passed: '#1a7f37',
  satisfied: '#1a7f37',
  treated: '#1a7f37',
  partial: '#9a6700',
  failed: '#cf222e',
  'not-satisfied': '#cf222e',
  untreated: '#cf222e',
  'evidence-invalid': '#a40e26',
  error: '#8250df',
  'not-run': '#57606a',
  'not-applicable': '#8c959f',
};

const FONT =
  "font-family=\"system-ui, -apple-system, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif\"";

const svgOpen = (width: number, height: number, label: string, testid: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(label)}" data-testid="${testid}" ${FONT}><title>${esc(label)}</title>`;

/** Cuts a label to `max` characters with an ellipsis (the full text stays in a <title>). */
const shorten = (text: string, max: number) =>
  [...text].length > max ? `${[...text].slice(0, max - 1).join('')}…` : text;

const fmt = (v: number) =>
  Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : v.toPrecision(3);

/** Pill width for a label at 11px: CJK characters are about twice as wide as Latin ones. */
const pillWidth = (label: string) =>
  Math.min(300, 16 + [...label].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 11.5 : 6.4), 0));

/** The capability ladder: five steps from level 1 (bottom) to 5, capabilities as coloured pills. */
export function ladderSvg(report: AssessmentReport, lang: 'zh' | 'en'): string {
  const width = 760;
  const levels = [...report.levels].sort((a, b) => b.level - a.level);
  // Lay out the pills first: a step grows a second row when its capabilities do not fit in one.
  const layout = levels.map((level) => {
    const indent = (level.level - 1) * 26;
    const pills: { x: number; row: number; w: number; id: string }[] = [];
    let x = indent + 10;
    let row = 0;
    for (const capId of level.capabilities) {
      const cap = report.capabilities.find((c) => c.id === capId);
      if (!cap) continue;
      const w = pillWidth(cap.title[lang]);
      if (x + w > width - 6 && x > indent + 10) {
        row++;
        x = indent + 10;
      }
      pills.push({ x, row, w, id: capId });
      x += w + 6;
    }
    const rows = Math.max(1, ...pills.map((p) => p.row + 1));
    return { level, indent, pills, height: 32 + rows * 22 };
  });
  const height = layout.reduce((n, l) => n + l.height + 8, 12);
  const title =
    lang === 'zh'
      ? `能力等级阶梯：第 ${report.capabilityLevel} 级`
      : `Capability ladder: level ${report.capabilityLevel}`;
  const parts = [svgOpen(width, height, title, 'capability-ladder')];
  let y = 6;
  for (const { level, indent, pills, height: h } of layout) {
    const reached = level.reached;
    parts.push(
      `<rect x="${indent + 1}" y="${y}" width="${width - indent - 2}" height="${h}" rx="6" fill="${reached ? '#dafbe1' : '#f6f8fa'}" stroke="${reached ? '#1a7f37' : '#d0d7de'}" stroke-width="${level.level === report.capabilityLevel ? 3 : 1}"/>`,
      `<text x="${indent + 10}" y="${y + 20}" font-size="14" font-weight="600" fill="#1f2328">${level.level}. ${esc(level.title[lang])}${reached ? ' ✓' : ''}</text>`,
    );
    for (const pill of pills) {
      const cap = report.capabilities.find((c) => c.id === pill.id);
      if (!cap) continue;
      const py = y + 28 + pill.row * 22;
      parts.push(
        `<g><title>${esc(`${cap.id}: ${cap.status}`)}</title><rect x="${pill.x}" y="${py}" width="${pill.w}" height="18" rx="9" fill="${STATUS_COLOURS[cap.status]}"/>`,
        `<text x="${pill.x + pill.w / 2}" y="${py + 13}" font-size="11" fill="#fff" text-anchor="middle">${esc(cap.title[lang])}</text></g>`,
      );
    }
    y += h + 8;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, 0–100, one per goal. */
export function goalsSvg(report: AssessmentReport, lang: 'zh' | 'en'): string {
  const goals = Object.values(report.goals);
  const width = 760;
  const rowH = 30;
  const labelW = 250;
  const height = goals.length * rowH + 30;
  const scale = (width - labelW - 60) / 100;
  const parts = [
    svgOpen(width, height, lang === 'zh' ? '安全目标得分' : 'Goal scores', 'goal-chart'),
  ];
  for (const tick of [0, 25, 50, 75, 100]) {
    const x = labelW + tick * scale;
    parts.push(
      `<line x1="${x}" y1="4" x2="${x}" y2="${height - 22}" stroke="#d0d7de"/><text x="${x}" y="${height - 6}" font-size="11" text-anchor="middle" fill="#57606a">${tick}</text>`,
    );
  }
  goals.forEach((goal, i) => {
    const y = 8 + i * rowH;
    const score = goal.score;
    const colour =
      score === null ? '#8c959f' : score >= 80 ? '#1a7f37' : score >= 50 ? '#9a6700' : '#cf222e';
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" font-size="13" text-anchor="end" fill="#1f2328">${esc(goal.title[lang])}</text>`,
      `<rect x="${labelW}" y="${y + 2}" width="${Math.max(0, (score ?? 0) * scale)}" height="18" fill="${colour}"/>`,
      `<text x="${labelW + (score ?? 0) * scale + 6}" y="${y + 15}" font-size="12" fill="#1f2328">${score === null ? (lang === 'zh' ? '不适用' : 'n/a') : fmt(score)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const RATING_ALPHA = { high: 1, medium: 0.7, low: 0.45 } as const;

/** Risks (rows, applicable first by rating) × the 8 lifecycle stages (columns). */
export function heatmapSvg(report: AssessmentReport, lang: 'zh' | 'en'): string {
  const risks = report.risks
    .filter((r) => r.applicable)
    .sort(
      (a, b) =>
        ['high', 'medium', 'low'].indexOf(a.rating ?? 'low') -
        ['high', 'medium', 'low'].indexOf(b.rating ?? 'low'),
    );
  const labelW = 330;
  const cellW = 52;
  const cellH = 22;
  const headH = 120;
  const width = labelW + cellW * report.stages.length + 60; // room for the last rotated label
  const height = headH + cellH * risks.length + 10;
  const parts = [
    svgOpen(
      width,
      height,
      lang === 'zh' ? '风险 × 生命周期阶段热力图' : 'Risk heat map by lifecycle stage',
      'risk-heatmap',
    ),
  ];
  report.stages.forEach((stage, i) => {
    const x = labelW + i * cellW + cellW / 2;
    const current = stage.id === report.project.profile.stage;
    parts.push(
      `<text transform="translate(${x - 4},${headH - 6}) rotate(-45)" font-size="11" fill="#1f2328" font-weight="${current ? 700 : 400}"><title>${esc(stage.title[lang])}</title>${esc(shorten(stage.title[lang], lang === 'zh' ? 8 : 20))}${current ? ' ◀' : ''}</text>`,
    );
    if (current) {
      parts.push(
        `<rect x="${labelW + i * cellW}" y="${headH}" width="${cellW}" height="${cellH * risks.length}" fill="none" stroke="#0969da" stroke-width="2"/>`,
      );
    }
  });
  risks.forEach((risk, row) => {
    const y = headH + row * cellH;
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" font-size="12" text-anchor="end" fill="#1f2328"><title>${esc(`${risk.riskId}: ${risk.title[lang]}`)}</title>${esc(shorten(risk.title[lang], lang === 'zh' ? 20 : 36))} (${esc(risk.rating ?? '')})</text>`,
    );
    report.stages.forEach((stage, i) => {
      const exposed = risk.stages.includes(stage.id);
      const fill = exposed ? STATUS_COLOURS[risk.treatment] : '#f6f8fa';
      const opacity = exposed ? RATING_ALPHA[risk.rating ?? 'low'] : 1;
      parts.push(
        `<rect x="${labelW + i * cellW + 1}" y="${y + 1}" width="${cellW - 2}" height="${cellH - 2}" fill="${fill}" fill-opacity="${opacity}"><title>${esc(`${risk.riskId} @ ${stage.id}: ${exposed ? risk.treatment : 'not exposed'}`)}</title></rect>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Each criterion's measured value against its threshold (one small bar pair per criterion). */
export function criteriaSvg(
  testId: string,
  criteria: readonly CriterionResult[],
  lang: 'zh' | 'en',
): string {
  const width = 760;
  const rowH = 34;
  const labelW = 260;
  const height = criteria.length * rowH + 16;
  const parts = [
    svgOpen(
      width,
      height,
      `${testId}: ${lang === 'zh' ? '指标与阈值' : 'metrics against thresholds'}`,
      'criteria-chart',
    ),
  ];
  criteria.forEach((c, i) => {
    const y = 8 + i * rowH;
    const max = Math.max(Math.abs(c.value), Math.abs(c.actual ?? 0), 1e-12) * 1.25;
    const scale = (width - labelW - 90) / max;
    const colour = c.holds === true ? '#1a7f37' : c.holds === false ? '#cf222e' : '#57606a';
    parts.push(
      `<text x="${labelW - 8}" y="${y + 16}" font-size="12" text-anchor="end" fill="#1f2328">${esc(`${c.metric} ${c.op} ${fmt(c.value)}`)}</text>`,
      `<rect x="${labelW}" y="${y + 4}" width="${Math.abs(c.actual ?? 0) * scale}" height="16" fill="${colour}"/>`,
      `<line x1="${labelW + Math.abs(c.value) * scale}" y1="${y}" x2="${labelW + Math.abs(c.value) * scale}" y2="${y + 24}" stroke="#1f2328" stroke-width="2" stroke-dasharray="4 2"/>`,
      `<text x="${labelW + Math.abs(c.actual ?? 0) * scale + 6}" y="${y + 16}" font-size="12" fill="#1f2328">${c.actual === null ? (lang === 'zh' ? '未计算' : 'not computed') : fmt(c.actual)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Vertical bars: labelled values (findings by severity, a metric by group). */
export function barsSvg(
  title: string,
  bars: readonly { label: string; value: number; colour?: string }[],
  testid: string,
): string {
  const width = 760;
  const height = 200;
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const slot = (width - 40) / Math.max(1, bars.length);
  const parts = [svgOpen(width, height, title, testid)];
  bars.forEach((b, i) => {
    const h = (b.value / max) * (height - 60);
    const x = 20 + i * slot;
    parts.push(
      `<rect x="${x + slot * 0.15}" y="${height - 30 - h}" width="${slot * 0.7}" height="${h}" fill="${b.colour ?? '#0969da'}"/>`,
      `<text x="${x + slot / 2}" y="${height - 34 - h}" font-size="11" text-anchor="middle">${esc(fmt(b.value))}</text>`,
      `<text x="${x + slot / 2}" y="${height - 12}" font-size="11" text-anchor="middle">${esc(b.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A line plot of (x, y) points, e.g. accuracy against perturbation budget ε. */
export function curveSvg(
  title: string,
  points: readonly { x: number; y: number }[],
  xLabel: string,
  yLabel: string,
): string {
  const width = 760;
  const height = 240;
  const pad = { l: 50, r: 20, t: 14, b: 36 };
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys, 1e-12)];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - ((y - y0) / (y1 - y0 || 1)) * (height - pad.t - pad.b);
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
    .join(' ');
  return [
    svgOpen(width, height, title, 'curve-chart'),
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#57606a"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#57606a"/>`,
    `<path d="${path}" fill="none" stroke="#0969da" stroke-width="2"/>`,
    ...points.map(
      (p) =>
        `<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="3" fill="#0969da"><title>${esc(`${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`,
    ),
    `<text x="${width / 2}" y="${height - 6}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="12" y="${height / 2}" font-size="11" transform="rotate(-90 12 ${height / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
    `<text x="${pad.l - 4}" y="${sy(y1) + 4}" font-size="10" text-anchor="end">${esc(fmt(y1))}</text>`,
    `<text x="${pad.l - 4}" y="${sy(y0) + 4}" font-size="10" text-anchor="end">${esc(fmt(y0))}</text>`,
    `<text x="${sx(x0)}" y="${height - pad.b + 14}" font-size="10" text-anchor="middle">${esc(fmt(x0))}</text>`,
    `<text x="${sx(x1)}" y="${height - pad.b + 14}" font-size="10" text-anchor="middle">${esc(fmt(x1))}</text>`,
    '</svg>',
  ].join('');
}

/** The localised text of a catalogue title. */
export const tr = (text: Text, lang: 'zh' | 'en') => text[lang];
