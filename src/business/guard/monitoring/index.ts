/**
 * @module Business security monitoring (CAICT-AISF-2020 3(一)3 监控): Prometheus metrics (requests,
 * blocks by reason, latency, quota rejections, breaker state; labels stay low-cardinality — no key
 * ids, those go to the decision log), a rolling risk level green/amber/red from the detection rate,
 * and alert webhooks on level changes.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';

export const MonitoringConfigSchema = z
  .object({
    /** Rolling window for the risk level. @default 60 */
    windowSeconds: z.number().int().min(5).max(3600).default(60),
    /** Detection rate (blocked or flagged / all) at which the level is amber. @default 0.05 */
    amber: z.number().gt(0).max(1).default(0.05),
    /** …and red. @default 0.2 */
    red: z.number().gt(0).max(1).default(0.2),
    /** Fewer requests than this in the window keep the level green (noise). @default 20 */
    minRequests: z.number().int().positive().default(20),
    /** URLs that get a JSON POST when the level changes. */
    webhooks: z.array(z.url()).default([]),
  })
  .strict()
  .refine((m) => m.amber < m.red, { message: 'monitoring.amber must be below monitoring.red' });
export type MonitoringConfig = z.output<typeof MonitoringConfigSchema>;

export const RISK_LEVELS = ['green', 'amber', 'red'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * The guard's metrics and risk level.
 *
 * @example
 * const m = new GuardMonitor(MonitoringConfigSchema.parse({}));
 * m.observe('/v1/chat/completions', 'allow', 0.004, false);
 */
export class GuardMonitor {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'action'>;
  readonly blocks: Counter<'route' | 'reason'>;
  readonly latency: Histogram<'route'>;
  readonly quotaRejections: Counter<'route' | 'limit'>;
  readonly breakerState: Gauge<'upstream'>;
  readonly riskGauge: Gauge;
  readonly webhookFailures: Counter;
  private buckets: { second: number; total: number; flagged: number }[] = [];
  /** Running sums over `buckets`, so each request costs O(1) instead of O(window). */
  private windowTotal = 0;
  private windowFlagged = 0;
  /** Label-bound metric children, resolved once per label set (prom-client hashes labels per call). */
  private readonly bound = new Map<
    string,
    { requests: { inc(): void }; latency: { observe(v: number): void } }
  >();
  level: RiskLevel = 'green';

  constructor(
    private readonly config: MonitoringConfig,
    private readonly now: () => number = Date.now,
    private readonly post: (url: string, body: string) => Promise<void> = defaultPost,
  ) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'aisf_guard_requests_total',
      help: 'Requests by route and final action',
      labelNames: ['route', 'action'],
      registers,
    });
    this.blocks = new Counter({
      name: 'aisf_guard_blocks_total',
      help: 'Blocked requests by route and reason code',
      labelNames: ['route', 'reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'aisf_guard_request_duration_seconds',
      help: 'Time from request to response head',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.quotaRejections = new Counter({
      name: 'aisf_guard_quota_rejections_total',
      help: 'Requests refused by a quota',
      labelNames: ['route', 'limit'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'aisf_guard_breaker_state',
      help: 'Upstream circuit breaker: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'],
      registers,
    });
    this.riskGauge = new Gauge({
      name: 'aisf_guard_risk_level',
      help: 'Rolling risk level: 0 green, 1 amber, 2 red',
      registers,
    });
    this.webhookFailures = new Counter({
      name: 'aisf_guard_alert_webhook_failures_total',
      help: 'Alert webhook deliveries that failed',
      registers,
    });
  }

  /** Records one finished request. `flagged`: blocked, routed, or a scanner fired. */
  observe(route: string, action: string, seconds: number, flagged: boolean, reason?: string): void {
    const key = `${route}\u0000${action}`;
    let bound = this.bound.get(key);
    if (!bound) {
      bound = {
        requests: this.requests.labels({ route, action }),
        latency: this.latency.labels({ route }),
      };
      this.bound.set(key, bound);
    }
    bound.requests.inc();
    if (action === 'block' && reason) this.blocks.inc({ route, reason });
    bound.latency.observe(seconds);
    const second = Math.floor(this.now() / 1000);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.second !== second) {
      bucket = { second, total: 0, flagged: 0 };
      this.buckets.push(bucket);
    }
    bucket.total++;
    this.windowTotal++;
    if (flagged) {
      bucket.flagged++;
      this.windowFlagged++;
    }
    this.updateLevel(second);
  }

  /** Drops buckets that left the window (and their counts from the running sums). */
  private evict(second: number): void {
    const oldest = second - this.config.windowSeconds;
    while (this.buckets.length > 0 && (this.buckets[0] as { second: number }).second <= oldest) {
      const b = this.buckets.shift() as { total: number; flagged: number };
      this.windowTotal -= b.total;
      this.windowFlagged -= b.flagged;
    }
  }

  /** The detection rate over the window and the request count. */
  rate(): { total: number; flagged: number; rate: number } {
    this.evict(Math.floor(this.now() / 1000));
    const total = this.windowTotal;
    const flagged = this.windowFlagged;
    return { total, flagged, rate: total === 0 ? 0 : flagged / total };
  }

  private updateLevel(second: number): void {
    this.evict(second);
    const total = this.windowTotal;
    const rate = total === 0 ? 0 : this.windowFlagged / total;
    const level: RiskLevel =
      total < this.config.minRequests
        ? 'green'
        : rate >= this.config.red
          ? 'red'
          : rate >= this.config.amber
            ? 'amber'
            : 'green';
    if (level === this.level) return;
    const previous = this.level;
    this.level = level;
    this.riskGauge.set(RISK_LEVELS.indexOf(level));
    const body = JSON.stringify({
      source: 'aisf-guard',
      level,
      previous,
      rate,
      requests: total,
      at: new Date(this.now()).toISOString(),
    });
    for (const url of this.config.webhooks) {
      this.post(url, body).catch(() => this.webhookFailures.inc());
    }
  }
}

async function defaultPost(url: string, body: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(2000),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}
