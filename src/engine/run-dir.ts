// Where a run lives on disk: <state-dir>/runs/<run-id>/ with journal.jsonl, owner.json (which process
// runs it) and control.jsonl (pause, resume, abort, and answers to approval gates, from other terminals).
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ApprovalAnswer, ApprovalInbox } from './ports/approvals.ts';
import type { SkipInbox, SkipRequest } from './ports/skips.ts';

export interface RunPaths {
  readonly runId: string;
  readonly dir: string;
  readonly journal: string;
  readonly owner: string;
  readonly control: string;
}

export function runPaths(stateDir: string, runId: string): RunPaths {
  const dir = join(stateDir, 'runs', runId);
  return { runId, dir, journal: join(dir, 'journal.jsonl'), owner: join(dir, 'owner.json'), control: join(dir, 'control.jsonl') };
}

export function createRunDir(stateDir: string, runId: string): RunPaths {
  const p = runPaths(stateDir, runId);
  mkdirSync(p.dir, { recursive: true });
  return p;
}

/** `<plan>-<UTC yyyymmdd-hhmmss>-<4 hex>`: sortable, unique, readable. */
export function newRunId(planName: string, nowMs: number): string {
  const t = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${planName}-${t}-${randomBytes(2).toString('hex')}`;
}

export function listRuns(stateDir: string): string[] {
  const dir = join(stateDir, 'runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => existsSync(join(dir, d, 'journal.jsonl'))).sort();
}

export interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export function claimOwner(p: RunPaths): Owner {
  const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(p.owner, `${JSON.stringify(owner)}\n`);
  return owner;
}

export function readOwner(p: RunPaths): Owner | undefined {
  try {
    return JSON.parse(readFileSync(p.owner, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** Whether a live process on this host runs the run now. */
export function ownerAlive(p: RunPaths): Owner | undefined {
  const o = readOwner(p);
  if (!o || o.host !== hostname()) return undefined;
  try {
    process.kill(o.pid, 0);
    return o;
  } catch {
    return undefined;
  }
}

/** `confirm` answers a question of the manual traffic provider; the others steer the run. */
export type ControlCommand = 'pause' | 'resume' | 'abort' | 'confirm';

export function sendControl(p: RunPaths, command: ControlCommand): void {
  appendFileSync(p.control, `${JSON.stringify({ command, at: new Date().toISOString() })}\n`);
}

/** Reads control commands appended since the last read. */
export class ControlReader {
  private readonly path: string;
  private offset: number;

  /** Starts after what is already in the file: old commands were handled by earlier processes. */
  constructor(p: RunPaths) {
    this.path = p.control;
    this.offset = existsSync(p.control) ? statSync(p.control).size : 0;
  }

  poll(): ControlCommand[] {
    const read = wholeLinesFrom(this.path, this.offset);
    this.offset = read.offset;
    const out: ControlCommand[] = [];
    for (const line of read.lines) {
      if (!line.trim()) continue;
      try {
        const c = (JSON.parse(line) as { command?: string }).command;
        if (c === 'pause' || c === 'resume' || c === 'abort' || c === 'confirm') out.push(c);
      } catch {
        // not a command line: skip it
      }
    }
    return out;
  }
}

/**
 * The whole lines appended to `path` after byte `offset`, and the offset after them: a line still being
 * written is read once it is complete. The control file's readers (commands, approvals) share it.
 */
function wholeLinesFrom(path: string, offset: number): { readonly lines: string[]; readonly offset: number } {
  if (!existsSync(path)) return { lines: [], offset };
  const size = statSync(path).size;
  if (size <= offset) return { lines: [], offset };
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  readSync(fd, buf, 0, buf.length, offset);
  closeSync(fd);
  const text = buf.toString('utf8');
  const end = text.lastIndexOf('\n') + 1;
  return { lines: text.slice(0, end).split('\n'), offset: offset + Buffer.byteLength(text.slice(0, end)) };
}

/** Appends a skip of part of a rollout: `daylight skip RUN` writes it, the run's skip inbox reads it. */
export function sendSkip(p: RunPaths, request: Omit<SkipRequest, 'id'>): SkipRequest {
  const full: SkipRequest = { id: randomBytes(8).toString('hex'), ...request };
  appendFileSync(p.control, `${JSON.stringify({ command: 'skip', ...full })}\n`);
  return full;
}

/** The skips inbox over the control file, read from its start as the approvals are: a skip sent while no process ran is taken at resume. */
export class SkipReader implements SkipInbox {
  private readonly path: string;
  private offset = 0;

  constructor(p: RunPaths) {
    this.path = p.control;
  }

  poll(): SkipRequest[] {
    const read = wholeLinesFrom(this.path, this.offset);
    this.offset = read.offset;
    return read.lines.flatMap((line) => skipOf(line));
  }
}

function skipOf(line: string): SkipRequest[] {
  if (!line.trim()) return [];
  try {
    const r = JSON.parse(line) as Omit<Partial<SkipRequest>, 'target'> & { command?: string; target?: Record<string, unknown> };
    const t: Record<string, unknown> = r.target ?? {};
    const target = typeof t.stage === 'string' ? { stage: t.stage } : typeof t.group === 'string' ? { group: t.group } : typeof t.cluster === 'string' ? { cluster: t.cluster } : undefined;
    if (r.command !== 'skip' || typeof r.id !== 'string' || typeof r.by !== 'string' || !target) return [];
    return [{ id: r.id, target, by: r.by, via: typeof r.via === 'string' ? r.via : 'cli', ...(typeof r.comment === 'string' ? { comment: r.comment } : {}) }];
  } catch {
    return [];
  }
}

/** Appends an answer to an approval gate: `daylight approve|reject RUN` and the dashboard write it, the run's inbox reads it. */
export function sendApproval(p: RunPaths, answer: Omit<ApprovalAnswer, 'id'>): ApprovalAnswer {
  const full: ApprovalAnswer = { id: randomBytes(8).toString('hex'), ...answer };
  appendFileSync(p.control, `${JSON.stringify({ command: full.decision, ...full })}\n`);
  return full;
}

/**
 * The approvals inbox over the control file. It reads the file from its start: an answer written while no
 * process ran the run is taken when it resumes, and one the journal already holds is skipped by its id.
 */
export class ApprovalReader implements ApprovalInbox {
  private readonly path: string;
  private offset = 0;

  constructor(p: RunPaths) {
    this.path = p.control;
  }

  poll(): ApprovalAnswer[] {
    const read = wholeLinesFrom(this.path, this.offset);
    this.offset = read.offset;
    return read.lines.flatMap((line) => answerOf(line));
  }
}

function answerOf(line: string): ApprovalAnswer[] {
  if (!line.trim()) return [];
  try {
    const a = JSON.parse(line) as Partial<ApprovalAnswer> & { command?: string };
    if ((a.command !== 'approve' && a.command !== 'reject') || typeof a.id !== 'string' || typeof a.step !== 'string' || typeof a.by !== 'string') return [];
    return [{ id: a.id, step: a.step, decision: a.command, by: a.by, via: typeof a.via === 'string' ? a.via : 'cli', at: typeof a.at === 'string' ? a.at : '', ...(typeof a.comment === 'string' ? { comment: a.comment } : {}) }];
  } catch {
    return [];
  }
}
