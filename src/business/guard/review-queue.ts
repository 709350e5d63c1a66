/**
 * @module The human-review queue (confidence breaker fallback `review`): decisions the model was
 * not sure of wait in SQLite for a person, who resolves them through the admin API. The request
 * body is stored because the reviewer must see it; the file is created owner-only (0600).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface ReviewItem {
  id: number;
  createdAt: string;
  requestId: string;
  route: string;
  keyId: string | null;
  reason: string;
  input: string;
  status: 'pending' | 'decided';
  decision: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

/**
 * SQLite-backed queue.
 *
 * @example
 * const q = new ReviewQueue(':memory:');
 * const id = q.enqueue({ requestId: 'r1', route: '/predict', keyId: 'k', reason: 'low', input: '{}' });
 * q.decide(id, { decision: 'approve', by: 'ops', note: 'checked' });
 */
export class ReviewQueue {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const fresh = path !== ':memory:' && !existsSync(path);
    this.db = new Database(path);
    if (fresh) chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS review (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at TEXT NOT NULL, request_id TEXT NOT NULL, route TEXT NOT NULL, key_id TEXT,
      reason TEXT NOT NULL, input TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
      decision TEXT, decided_by TEXT, decided_at TEXT, note TEXT)`);
  }

  enqueue(item: {
    requestId: string;
    route: string;
    keyId: string | undefined;
    reason: string;
    input: string;
  }): number {
    const result = this.db
      .prepare(
        'INSERT INTO review (created_at, request_id, route, key_id, reason, input) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        new Date().toISOString(),
        item.requestId,
        item.route,
        item.keyId ?? null,
        item.reason,
        item.input,
      );
    return Number(result.lastInsertRowid);
  }

  list(status: 'pending' | 'decided' | 'all' = 'pending', limit = 100): ReviewItem[] {
    const rows = (
      status === 'all'
        ? this.db.prepare('SELECT * FROM review ORDER BY id LIMIT ?').all(limit)
        : this.db
            .prepare('SELECT * FROM review WHERE status = ? ORDER BY id LIMIT ?')
            .all(status, limit)
    ) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      createdAt: String(r.created_at),
      requestId: String(r.request_id),
      route: String(r.route),
      keyId: (r.key_id as string | null) ?? null,
      reason: String(r.reason),
      input: String(r.input),
      status: r.status as ReviewItem['status'],
      decision: (r.decision as string | null) ?? null,
      decidedBy: (r.decided_by as string | null) ?? null,
      decidedAt: (r.decided_at as string | null) ?? null,
      note: (r.note as string | null) ?? null,
    }));
  }

  /** Records a person's decision; false when the item does not exist or was already decided. */
  decide(id: number, d: { decision: string; by: string; note?: string }): ReviewItem | undefined {
    const result = this.db
      .prepare(
        "UPDATE review SET status = 'decided', decision = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'pending'",
      )
      .run(d.decision, d.by, new Date().toISOString(), d.note ?? null, id);
    if (result.changes === 0) return undefined;
    return this.list('all', 1_000_000).find((r) => r.id === id);
  }

  close(): void {
    this.db.close();
  }
}
