/**
 * @module The upstream circuit breaker (CAICT-AISF-2020 3(一)3 熔断; opossum semantics): closed →
 * open when, over a rolling window, the share of failed or too-slow calls reaches a threshold with
 * enough volume; open → half-open after a cool-down, where one trial call decides.
 */
import { z } from 'zod';

export const BreakerConfigSchema = z
  .object({
    /** Failure share that opens the breaker (opossum errorThresholdPercentage 50). @default 0.5 */
    errorRate: z.number().gt(0).max(1).default(0.5),
    /** Minimum calls in the window before it may open (opossum volumeThreshold). @default 10 */
    minRequests: z.number().int().positive().default(10),
    /** Rolling window (opossum rollingCountTimeout 10 s). @default 10000 */
    windowMs: z.number().int().positive().default(10_000),
    /** A call slower than this counts as a failure. @default 5000 */
    latencyMs: z.number().int().positive().default(5000),
    /** Cool-down before a half-open trial (opossum resetTimeout 30 s). @default 30000 */
    openMs: z.number().int().positive().default(30_000),
  })
  .strict();
export type BreakerConfig = z.output<typeof BreakerConfigSchema>;

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One breaker per upstream.
 *
 * @example
 * const breaker = new CircuitBreaker(BreakerConfigSchema.parse({}));
 * if (breaker.allow()) breaker.record(true, 12);
 */
export class CircuitBreaker {
  /** Rolling window as 10 buckets (opossum rollingCountBuckets 10): O(1) per call. */
  private buckets: { start: number; total: number; failures: number }[] = [];
  private openedAt = 0;
  private trialInFlight = false;
  state: BreakerState = 'closed';

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number = Date.now,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {}

  /** Whether a call may go out now. */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open' && this.now() - this.openedAt >= this.config.openMs) {
      this.set('half-open');
    }
    if (this.state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Records a call's outcome; `ok` false for errors, 5xx and garbage answers. */
  record(ok: boolean, latencyMs: number): void {
    const good = ok && latencyMs <= this.config.latencyMs;
    const t = this.now();
    if (this.state === 'half-open') {
      this.trialInFlight = false;
      if (good) {
        this.buckets = [];
        this.set('closed');
      } else {
        this.openedAt = t;
        this.set('open');
      }
      return;
    }
    const width = Math.max(1, Math.floor(this.config.windowMs / 10));
    const bucketStart = t - (t % width);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.start !== bucketStart) {
      bucket = { start: bucketStart, total: 0, failures: 0 };
      this.buckets.push(bucket);
      const since = t - this.config.windowMs;
      while ((this.buckets[0]?.start ?? t) <= since) this.buckets.shift();
    }
    bucket.total++;
    if (!good) bucket.failures++;
    if (this.state === 'closed') {
      let total = 0;
      let failures = 0;
      for (const b of this.buckets) {
        total += b.total;
        failures += b.failures;
      }
      if (total >= this.config.minRequests && failures / total >= this.config.errorRate) {
        this.openedAt = t;
        this.set('open');
      }
    }
  }

  private set(state: BreakerState): void {
    if (state === this.state) return;
    this.state = state;
    this.onChange(state);
  }
}
