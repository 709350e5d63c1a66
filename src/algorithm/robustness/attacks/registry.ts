/**
 * @module The attack registry: every attack the runner, `aisf test robustness --attack` and its
 * help know, as an explicit array of descriptors. Adding an attack = one folder + one line here.
 */
import type { AttackDescriptor } from './attack.js';
import { deepFoolAttack } from './deepfool/index.js';
import { fgsmAttack } from './fgsm/index.js';
import { hopSkipJumpAttack } from './hopskipjump/index.js';
import { pgdAttack } from './pgd/index.js';
import { squareAttack } from './square/index.js';

/** Every attack, in report and help order. Ids are unique (checked at load). */
export const ATTACKS: readonly AttackDescriptor[] = [
  fgsmAttack,
  pgdAttack,
  deepFoolAttack,
  squareAttack,
  hopSkipJumpAttack,
];

/** Throws when two descriptors share an id (a registry must be unambiguous). */
export function checkUniqueIds(list: readonly AttackDescriptor[]): void {
  const seen = new Set<string>();
  for (const a of list) {
    if (seen.has(a.id)) throw new Error(`duplicate attack id "${a.id}" in the attack registry`);
    seen.add(a.id);
  }
}
checkUniqueIds(ATTACKS);

/** The ids of all attacks (CLI choices). */
export const ATTACK_IDS: readonly string[] = ATTACKS.map((a) => a.id);

/** Looks an attack up by id (undefined if unknown). */
export function findAttack(id: string): AttackDescriptor | undefined {
  return ATTACKS.find((a) => a.id === id);
}
