// The two-sided Mann-Whitney (Wilcoxon rank-sum) test with a confidence interval for the location
// shift and its Hodges-Lehmann estimate, computed as R's
//   wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE)
// does: the interval's ends and the estimate are roots, in mu, of the continuity-corrected normal
// statistic of x - mu against y.
import { brent, normalQuantile } from './stats.ts';

export interface ShiftEstimate { lower: number; upper: number; estimate: number }

export class AllTiedError extends Error {
  constructor() { super('all observations are tied'); }
}

/**
 * The statistic for shift mu, minus zq: decreasing in mu. xs and ys are sorted, so ranking x - mu
 * within the pooled sample is a merge (ties get their average rank), not a sort.
 */
function statistic(xs: readonly number[], ys: readonly number[], mu: number, zq: number): number {
  const nx = xs.length;
  const ny = ys.length;
  let i = 0;
  let j = 0;
  let position = 0;
  let rankSumX = 0;
  let tieSum = 0;
  while (i < nx || j < ny) {
    const v = j >= ny || (i < nx && xs[i]! - mu <= ys[j]!) ? xs[i]! - mu : ys[j]!;
    let cx = 0;
    let cy = 0;
    while (i < nx && xs[i]! - mu === v) { cx++; i++; }
    while (j < ny && ys[j]! === v) { cy++; j++; }
    const t = cx + cy;
    rankSumX += cx * (position + (t + 1) / 2);
    tieSum += t ** 3 - t;
    position += t;
  }
  const dz = rankSumX - (nx * (nx + 1)) / 2 - (nx * ny) / 2;
  const n = nx + ny;
  const sigma = Math.sqrt(((nx * ny) / 12) * (n + 1 - tieSum / (n * (n - 1))));
  if (sigma === 0) throw new AllTiedError();
  return (dz - 0.5 * Math.sign(dz)) / sigma - zq;
}

/** x: experiment (canary), y: control (baseline); confidence e.g. 0.98. */
export function mannWhitney(x: readonly number[], y: readonly number[], confidence: number): ShiftEstimate {
  const alpha = 1 - confidence;
  const z = normalQuantile(1 - alpha / 2);
  const lo = Math.min(...x) - Math.max(...y);
  const hi = Math.max(...x) - Math.min(...y);
  // Kayenta's absolute tolerance of 1e-4, made finer for tiny-valued metrics, whose whole range
  // would otherwise fit inside it.
  const tol = Math.min(1e-4, 1e-6 * Math.max(hi - lo, Number.MIN_VALUE));
  const xs = [...x].sort((a, b) => a - b);
  const ys = [...y].sort((a, b) => a - b);
  const root = (zq: number) => brent((mu) => statistic(xs, ys, mu, zq), lo, hi, tol, 1000);
  return { lower: root(z), upper: root(-z), estimate: root(0) };
}
