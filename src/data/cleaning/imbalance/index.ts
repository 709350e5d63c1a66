/**
 * @module Data-imbalance report per group (TC260 AISGF / CAICT 2020 §3(三)4, data distribution
 * correction): each group's size, share, base rate, and AIF360's `class_imbalance`
 * ((n_unpriv − n_priv) / (n_unpriv + n_priv)) and base-rate difference against a privileged group.
 */

/** One group's row. */
export interface ImbalanceRow {
  group: string;
  n: number;
  share: number;
  positives: number;
  baseRate: number | null;
}

/** The imbalance report. */
export interface ImbalanceReport {
  rows: ImbalanceRow[];
  /** Largest share / smallest share. */
  sizeRatio: number;
  /** max − min base rate over groups. */
  baseRateSpread: number | null;
  /** AIF360 `class_imbalance` when a privileged group is given. */
  classImbalance: number | null;
  /** Unprivileged − privileged base rate (AIF360 `statistical_parity_difference` on labels). */
  baseRateDifference: number | null;
  reasons: Record<string, string>;
}

/**
 * Builds the imbalance report.
 *
 * @example
 * imbalanceReport(['a', 'a', 'b'], [1, 0, 1], (g) => g === 'b');
 */
export function imbalanceReport(
  groups: readonly string[],
  labels: readonly number[],
  isPrivileged?: (group: string) => boolean,
): ImbalanceReport {
  const counts = new Map<string, [number, number]>();
  groups.forEach((g, i) => {
    const c = counts.get(g) ?? [0, 0];
    c[0]++;
    c[1] += labels[i] === 1 ? 1 : 0;
    counts.set(g, c);
  });
  const n = groups.length;
  const rows = [...counts.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([group, [k, pos]]) => ({
      group,
      n: k,
      share: k / n,
      positives: pos,
      baseRate: k > 0 ? pos / k : null,
    }));
  const shares = rows.map((r) => r.share);
  const rates = rows.map((r) => r.baseRate).filter((v): v is number => v !== null);
  const reasons: Record<string, string> = {};
  let classImbalance: number | null = null;
  let baseRateDifference: number | null = null;
  if (isPrivileged) {
    const priv = rows.filter((r) => isPrivileged(r.group));
    const unpriv = rows.filter((r) => !isPrivileged(r.group));
    const np = priv.reduce((a, r) => a + r.n, 0);
    const nu = unpriv.reduce((a, r) => a + r.n, 0);
    if (np === 0 || nu === 0) {
      reasons.classImbalance = 'needs rows in both the privileged and the unprivileged group';
      reasons.baseRateDifference = reasons.classImbalance;
    } else {
      classImbalance = (nu - np) / (nu + np);
      baseRateDifference =
        unpriv.reduce((a, r) => a + r.positives, 0) / nu -
        priv.reduce((a, r) => a + r.positives, 0) / np;
    }
  } else {
    reasons.classImbalance = 'no privileged group declared';
    reasons.baseRateDifference = reasons.classImbalance;
  }
  return {
    rows,
    sizeRatio: Math.max(...shares) / Math.min(...shares),
    baseRateSpread: rates.length > 1 ? Math.max(...rates) - Math.min(...rates) : null,
    classImbalance,
    baseRateDifference,
    reasons,
  };
}
