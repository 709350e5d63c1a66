/**
 * @module Redundancy (CAICT-AISF-2020 3(一)3 冗余: several models decide together): the answers of
 * N upstreams are reduced to a label (a field, or the argmax of a probability vector) and voted;
 * `majority` needs more than half of all upstreams, `unanimous` all of them. Disagreement is
 * flagged and routed like low confidence.
 */
import { z } from 'zod';
import { getPath } from '../step.js';

export const RedundancyConfigSchema = z
  .object({
    vote: z.enum(['majority', 'unanimous']).default('majority'),
    /** Dotted path of the label; a numeric array votes with its argmax. @default 'label' */
    field: z.string().min(1).default('label'),
  })
  .strict();
export type RedundancyConfig = z.output<typeof RedundancyConfigSchema>;

/** The vote label of one answer (string form), or undefined when absent. */
export function voteLabel(body: unknown, field: string): string | undefined {
  const value = getPath(body, field);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) {
    let best = 0;
    for (let i = 1; i < value.length; i++)
      if ((value[i] as number) > (value[best] as number)) best = i;
    return String(best);
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return undefined;
}

export interface VoteResult {
  /** Index of the answer to return (the first one with the winning label), or -1. */
  winner: number;
  label: string | undefined;
  agreed: boolean;
  votes: Record<string, number>;
}

/**
 * Votes over answers (undefined = that upstream failed: it counts against agreement).
 *
 * @example
 * vote([{ label: 'cat' }, { label: 'cat' }, { label: 'dog' }], RedundancyConfigSchema.parse({}));
 * // { winner: 0, label: 'cat', agreed: true, votes: { cat: 2, dog: 1 } }
 */
export function vote(answers: readonly unknown[], config: RedundancyConfig): VoteResult {
  const votes: Record<string, number> = {};
  const labels = answers.map((a) => (a === undefined ? undefined : voteLabel(a, config.field)));
  for (const label of labels) if (label !== undefined) votes[label] = (votes[label] ?? 0) + 1;
  let top: string | undefined;
  for (const [label, count] of Object.entries(votes)) {
    if (top === undefined || count > (votes[top] ?? 0)) top = label;
  }
  const count = top === undefined ? 0 : (votes[top] ?? 0);
  const needed = config.vote === 'unanimous' ? answers.length : Math.floor(answers.length / 2) + 1;
  const agreed = count >= needed;
  return { winner: agreed ? labels.indexOf(top) : -1, label: top, agreed, votes };
}
