/**
 * @module AIGC labeling per GB 45438-2025 and the CAC labeling Measures (2025-09-01): the explicit
 * text label (an AI element and a generation element, placed at the start/end of the text) and the
 * implicit metadata label `{"AIGC":{Label, ContentProducer, ProduceID, ReservedCode1,
 * ContentPropagator, PropagateID, ReservedCode2}}` (Annex E), with a unique ProduceID per output.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AisfError } from '../../errors.js';

/**
 * GB 45438-2025 §5.1 (as relayed by implementers): a text label must contain an AI element ("AI"
 * or "人工智能") and a generation element ("生成" or "合成"); "AI" alone does not comply.
 */
export function isCompliantExplicitLabel(text: string): boolean {
  return /AI|人工智能/i.test(text) && /生成|合成/.test(text);
}

/**
 * Annex E j): values consist mainly of GB 18030 code points 0x21, 0x23–0x5B, 0x5D–0x7E (printable
 * ASCII without space, `"` and `\`). We enforce it so the label survives as an HTTP header too.
 */
export const ANNEX_E_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]*$/;

/** Label attribute values (Annex E c); Measures Art. 6): 1 generated, 2 possibly, 3 suspected. */
export const LABEL_VALUES = ['1', '2', '3'] as const;

const annexValue = (field: string) =>
  z
    .string()
    .max(256)
    .regex(
      ANNEX_E_VALUE,
      `${field} must be printable ASCII without spaces, quotes or backslashes (GB 45438-2025 Annex E j)); use the 27-character provider code`,
    );

/** Labeling configuration (part of guard.yaml `label:`). */
export const LabelConfigSchema = z
  .object({
    /** Explicit label text; must contain AI/人工智能 and 生成/合成. @default '【AI生成】' */
    text: z
      .string()
      .min(1)
      .max(200)
      .refine(isCompliantExplicitLabel, {
        message:
          'the explicit label must contain "AI" or "人工智能" and "生成" or "合成" (GB 45438-2025 §5.1), e.g. "【AI生成】"',
      })
      .default('【AI生成】'),
    /** Where the explicit label goes in text outputs (Measures Art. 4(一)). @default 'prefix' */
    placement: z.enum(['prefix', 'suffix', 'both', 'none']).default('prefix'),
    /** ContentProducer: the provider name or 27-char code (网安秘字〔2025〕29号). */
    producer: annexValue('label.producer'),
    /** ContentPropagator, when this gateway acts as a propagation platform. @default '' */
    propagator: annexValue('label.propagator').default(''),
    /** Label attribute. @default '1' */
    label: z.enum(LABEL_VALUES).default('1'),
    /** Response header carrying the implicit label (its name contains AIGC, §6.1). @default 'AIGC' */
    header: z
      .string()
      .regex(
        /^[A-Za-z0-9-]*AIGC[A-Za-z0-9-]*$/i,
        'label.header must be a header name containing "AIGC"',
      )
      .default('AIGC'),
    /** Top-level JSON field for JSON bodies ('' disables). @default 'AIGC' */
    field: z.string().default('AIGC'),
  })
  .strict();
export type LabelConfig = z.output<typeof LabelConfigSchema>;

/** The seven Annex E keys, in Annex E order. */
export interface ImplicitLabel {
  Label: string;
  ContentProducer: string;
  ProduceID: string;
  ReservedCode1: string;
  ContentPropagator: string;
  PropagateID: string;
  ReservedCode2: string;
}

/** A ProduceID unique per output: time-ordered prefix + a random UUID (ASCII, Annex E j)). */
export function newProduceId(now = Date.now()): string {
  return `${now.toString(36)}-${randomUUID()}`;
}

/**
 * Builds the implicit label for one output. ReservedCode1 carries a SHA-256 (first 40 hex, the
 * length of Annex F's example) over ProduceID and the content, so a label copied onto other content
 * is detectable; empty when the content is not known yet (streams).
 *
 * @example
 * const label = buildImplicitLabel({ producer: '001191110102MACQD9K64010000' }, 'text');
 * JSON.stringify({ AIGC: label });
 */
export function buildImplicitLabel(
  config: Pick<LabelConfig, 'producer' | 'propagator' | 'label'>,
  content?: string,
  produceId: string = newProduceId(),
): ImplicitLabel {
  const reserved =
    content === undefined
      ? ''
      : createHash('sha256')
          .update(produceId)
          .update('\n')
          .update(content)
          .digest('hex')
          .slice(0, 40);
  const isPropagator = config.propagator !== '';
  return {
    Label: config.label,
    ContentProducer: config.producer,
    ProduceID: produceId,
    ReservedCode1: reserved,
    ContentPropagator: config.propagator,
    PropagateID: isPropagator ? produceId : '',
    ReservedCode2: '',
  };
}

/** The Annex E b) wire form `{"AIGC":{…}}` (used as the header value). */
export function implicitLabelJson(label: ImplicitLabel): string {
  return JSON.stringify({ AIGC: label });
}

/** Parses and checks a wire-form label (both the wrapped and the bare seven-key object). */
export function parseImplicitLabel(text: string): ImplicitLabel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AisfError('E_INPUT', 'the AIGC label is not JSON', { cause });
  }
  const inner =
    value && typeof value === 'object' && 'AIGC' in value
      ? (value as { AIGC: unknown }).AIGC
      : value;
  const keys = [
    'Label',
    'ContentProducer',
    'ProduceID',
    'ReservedCode1',
    'ContentPropagator',
    'PropagateID',
    'ReservedCode2',
  ] as const;
  if (!inner || typeof inner !== 'object')
    throw new AisfError('E_INPUT', 'the AIGC label is not an object');
  const record = inner as Record<string, unknown>;
  for (const key of keys) {
    const v = record[key];
    if (typeof v !== 'string' || !ANNEX_E_VALUE.test(v)) {
      throw new AisfError('E_INPUT', `AIGC.${key} is missing or not an Annex E string`);
    }
  }
  return record as unknown as ImplicitLabel;
}

/** Adds the explicit label to a text per the configured placement. */
export function applyExplicitLabel(
  text: string,
  config: Pick<LabelConfig, 'text' | 'placement'>,
): string {
  switch (config.placement) {
    case 'prefix':
      return `${config.text}${text}`;
    case 'suffix':
      return `${text}${config.text}`;
    case 'both':
      return `${config.text}${text}${config.text}`;
    default:
      return text;
  }
}
