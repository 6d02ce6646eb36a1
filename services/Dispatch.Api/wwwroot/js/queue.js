// The action queue as the console shows it: one bucket of the server's queue (POST /api/v1/queue), a page at a time,
// kept current by the live stream with bounded work and memory. Rows update in place; a row under the pointer or
// the keyboard focus never moves; arrivals wait behind an announcement ("N 条新案件") while the dispatcher works in
// the list and join in their place otherwise. Colours come from the deadline's own instants (amber from warnAt, red
// from dueAt), so the queue turns by itself as time passes without asking the server.

/** The most rows the list holds, and the most unseen arrivals it remembers, however long it stays open. */
export const MAX_ROWS = 200;
export const PAGE = 50;
const MAX_PENDING = 500;

const NO_DEADLINE = Number.MAX_SAFE_INTEGER;
const RANK = { P1: 0, P2: 1, P3: 2, P4: 3 };

/** The queue's order: the deadline that falls first, then priority; no deadline last (the server's order too). */
export const sortKey = (i) => [i.dueAt ? Date.parse(i.dueAt) : NO_DEADLINE, RANK[i.priority] ?? 9];
export const before = (a, b) => {
  const [x, y] = [sortKey(a), sortKey(b)];
  return x[0] !== y[0] ? x[0] < y[0] : x[1] < y[1];
};

/** 'red' past the deadline, 'amber' past 80 % of it, '' otherwise (or with no clock). */
export function urgency(i, now = Date.now()) {
  if (!i.dueAt) return '';
  if (now >= Date.parse(i.dueAt)) return 'red';
  if (i.warnAt && now >= Date.parse(i.warnAt)) return 'amber';
  return '';
}

/**
 * The queue's model, apart from the DOM: rows in order (at most MAX_ROWS), arrivals waiting, and what changed since
 * the last draw. The page calls apply() for each change from the stream and draw() at most once per frame.
 */
export class QueueModel {
  constructor() {
    this.rows = [];
    this.byNumber = new Map();
    this.pending = new Map();
    this.gone = new Set();
    this.dirty = new Set();
    this.total = 0;
    this.complete = true;
  }

  /** A fresh page from the server. */
  reset(items, total, complete) {
    this.rows = items.slice(0, MAX_ROWS);
    this.byNumber = new Map(this.rows.map((i) => [i.number, i]));
    this.pending.clear();
    this.gone.clear();
    this.dirty.clear();
    this.total = total;
    this.complete = complete;
  }

  /** More rows of the same bucket (the next page). */
  append(items, complete) {
    for (const i of items) {
      if (this.rows.length >= MAX_ROWS) {
        this.complete = false;
        break;
      }
      if (this.byNumber.has(i.number)) continue;
      this.rows.push(i);
      this.byNumber.set(i.number, i);
    }
    this.complete = complete;
  }

  /**
   * One change from the stream. belongs says whether the incident (as the change left it) is in this queue with
   * its filter. Returns 'update', 'leave', 'arrive' or '' (nothing for this list).
   */
  apply(incident, belongs) {
    const known = this.byNumber.get(incident.number);
    if (known) {
      if (Number(known.version ?? 0) > Number(incident.version ?? 0)) return '';
      if (!belongs) {
        this.gone.add(incident.number);
        this.byNumber.set(incident.number, incident);
        this.dirty.add(incident.number);
        return 'leave';
      }
      this.gone.delete(incident.number);
      this.byNumber.set(incident.number, incident);
      const at = this.rows.findIndex((r) => r.number === incident.number);
      if (at >= 0) this.rows[at] = incident;
      this.dirty.add(incident.number);
      return 'update';
    }
    if (!belongs) {
      if (this.pending.delete(incident.number)) this.total = Math.max(0, this.total - 1);
      return '';
    }
    const waiting = this.pending.has(incident.number);
    this.pending.delete(incident.number);
    this.pending.set(incident.number, incident);
    if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value);
    if (!waiting) this.total += 1;
    return 'arrive';
  }

  /**
   * Arrivals join in their place (only those that sort within the loaded rows, or any while the whole bucket is
   * loaded); rows that left the bucket go. Call when the dispatcher is not working in the list.
   */
  settle() {
    let changed = false;
    if (this.gone.size) {
      this.rows = this.rows.filter((r) => !this.gone.has(r.number));
      for (const number of this.gone) this.byNumber.delete(number);
      this.total = Math.max(0, this.total - this.gone.size);
      this.gone.clear();
      changed = true;
    }
    for (const incident of this.pending.values()) {
      const at = this.rows.findIndex((r) => before(incident, r));
      if (at < 0 && !this.complete) continue; // sorts after the loaded rows: it is counted, and shown on a later page
      this.rows.splice(at < 0 ? this.rows.length : at, 0, incident);
      this.byNumber.set(incident.number, incident);
      this.dirty.add(incident.number);
      changed = true;
    }
    this.pending.clear();
    while (this.rows.length > MAX_ROWS) {
      const dropped = this.rows.pop();
      this.byNumber.delete(dropped.number);
      this.complete = false;
    }
    return changed;
  }
}
