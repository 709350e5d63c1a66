/** @module The catalogue's data model: item kinds, link relations and their zod schemas. */
import { z } from 'zod';

/** The three framework documents the catalogue transcribes (see catalog/README.md). */
export const DOCUMENTS = ['CAICT-AISF-2020', 'TC260-AISSWP-2023', 'TC260-AISGF-2024'] as const;
export type DocumentId = (typeof DOCUMENTS)[number];

/** Every kind of catalogue item, in the order the framework presents them. */
export const KINDS = [
  'goal',
  'capability-level',
  'capability',
  'technology',
  'management',
  'lifecycle-stage',
  'principle',
  'risk-category',
  'risk',
  'technical-measure',
  'governance-measure',
  'guideline',
  'property',
  'standard',
] as const;
export type Kind = (typeof KINDS)[number];

/** Link relations. A link points from the item that holds it to `to`. */
export const RELATIONS = [
  'part-of',
  'builds-on',
  'serves',
  'mitigated-by',
  'governed-by',
  'addresses',
  'exposes',
  'relates-to',
] as const;
export type Relation = (typeof RELATIONS)[number];

/**
 * Which (from kind → to kind) pairs each relation allows. `relates-to` is open. A link outside
 * this table is a modelling error the validator reports, so the graph stays typed.
 */
export const RELATION_RULES: Record<Relation, ReadonlyArray<readonly [Kind, Kind]> | 'any'> = {
  'part-of': [
    ['capability', 'capability-level'],
    ['technology', 'technology'],
    ['management', 'management'],
    ['risk', 'risk-category'],
    ['risk-category', 'risk-category'],
  ],
  'builds-on': [['capability-level', 'capability-level']],
  serves: [
    ['technology', 'capability'],
    ['technology', 'goal'],
    ['capability', 'goal'],
    ['property', 'goal'],
    ['management', 'goal'],
    ['management', 'capability'],
  ],
  'mitigated-by': [['risk', 'technical-measure']],
  'governed-by': [['risk', 'governance-measure']],
  addresses: [
    ['technical-measure', 'risk-category'],
    ['technology', 'risk'],
    ['guideline', 'risk'],
    ['governance-measure', 'risk-category'],
  ],
  exposes: [['lifecycle-stage', 'risk']],
  'relates-to': 'any',
};

/** Inverse names, for showing links "both ways" (`aisf catalog show`). */
export const INVERSE_RELATION: Record<Relation, string> = {
  'part-of': 'has-part',
  'builds-on': 'built-on-by',
  serves: 'served-by',
  'mitigated-by': 'mitigates',
  'governed-by': 'governs',
  addresses: 'addressed-by',
  exposes: 'exposed-in',
  'relates-to': 'related-from',
};

const ID_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const TextSchema = z.strictObject({ zh: nonEmpty, en: nonEmpty });
export type Text = z.infer<typeof TextSchema>;

export const LinkSchema = z.strictObject({
  rel: z.enum(RELATIONS),
  to: z.string().regex(ID_PATTERN, 'must be a catalogue id like risk.model.adversarial'),
  /** True when the link is aisf's own analysis rather than the source document's words. */
  derived: z.boolean().optional(),
  note: z.string().optional(),
});
export type Link = z.infer<typeof LinkSchema>;

export const SourceSchema = z.strictObject({
  doc: z.enum(DOCUMENTS),
  clause: nonEmpty,
  page: z.number().int().positive().optional(),
});
export type Source = z.infer<typeof SourceSchema>;

const base = {
  id: z
    .string()
    .regex(
      ID_PATTERN,
      'ids are lowercase, dot-namespaced, kebab-case: e.g. risk.model.adversarial',
    ),
  title: TextSchema,
  summary: TextSchema,
  source: SourceSchema,
  order: z.number().int().nonnegative().optional(),
  links: z.array(LinkSchema).default([]),
};

const plain = <K extends Kind>(kind: K) => z.strictObject({ ...base, kind: z.literal(kind) });

export const ItemSchema = z.discriminatedUnion('kind', [
  plain('goal'),
  z.strictObject({
    ...base,
    kind: z.literal('capability-level'),
    level: z.number().int().min(1).max(5),
  }),
  plain('capability'),
  z.strictObject({
    ...base,
    kind: z.literal('technology'),
    tier: z.enum(['area', 'family', 'technique']),
  }),
  z.strictObject({ ...base, kind: z.literal('management'), tier: z.enum(['level', 'element']) }),
  z.strictObject({
    ...base,
    kind: z.literal('lifecycle-stage'),
    order: z.number().int().min(1).max(8),
    stageRisks: z.array(TextSchema).min(1),
  }),
  plain('principle'),
  plain('risk-category'),
  plain('risk'),
  plain('technical-measure'),
  plain('governance-measure'),
  z.strictObject({
    ...base,
    kind: z.literal('guideline'),
    actor: z.enum(['developer', 'provider', 'key-sector-user', 'public']),
  }),
  plain('property'),
  z.strictObject({
    ...base,
    kind: z.literal('standard'),
    number: nonEmpty,
    body: TextSchema,
    type: TextSchema,
    stage: TextSchema,
    region: z.enum(['domestic', 'international']),
  }),
]);

/** One catalogue item, after schema validation. */
export type Item = z.infer<typeof ItemSchema>;
export type ItemOf<K extends Kind> = Extract<Item, { kind: K }>;

export const PartFileSchema = z.strictObject({
  part: z.string().regex(/^[a-z][a-z0-9-]*$/),
  items: z.array(z.unknown()).min(1, 'a part file lists at least one item'),
});

export const ManifestSchema = z.strictObject({
  name: nonEmpty,
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version like 1.0.0'),
  documents: z
    .array(
      z.strictObject({
        id: z.enum(DOCUMENTS),
        title: TextSchema,
        publisher: TextSchema,
        year: z.number().int(),
        seed: z.string().optional(),
      }),
    )
    .min(1),
  parts: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1),
});
export type Manifest = z.infer<typeof ManifestSchema>;
