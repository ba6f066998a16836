// The deploy history on this machine: one JSON line per run in `history.jsonl` under the state
// directory ($XDG_STATE_HOME/dockplan), appended, never rewritten. A record's spec is the plan's,
// secrets sealed (hashes, see src/plan/secret-seal.ts); any clear secret left is masked before a line
// is written, so the file never holds a secret value.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DeployRecord, HistoryStore } from '../execute/history.js';
import { maskClearSecrets } from '../plan/secrets.js';
import { stateDir } from './xdg.js';

/** The history file's name inside the state directory. */
export const HISTORY_FILE = 'history.jsonl';

export interface FileHistoryOptions {
  /** The folder the file lives in, or how to find it (asked on first use); the XDG state directory by default. */
  dir?: string | (() => string);
  /** Written on records that name no cluster (the client's description). */
  cluster?: string;
}

/** An OS error in words a person can act on: `permission denied`, `no space left on the device`. */
function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return e.message ?? String(err);
  }
}

/** Whether a parsed line looks like a record (a torn or hand-edited line is skipped). */
function isRecord(value: unknown): value is DeployRecord {
  const r = value as Partial<DeployRecord> | null;
  return !!r && typeof r === 'object' && typeof r.deployId === 'string' && typeof r.service === 'string' &&
    typeof r.startedAt === 'string' && typeof r.outcome === 'string' && !!r.spec && typeof r.spec.image === 'string';
}

/**
 * HistoryStore over a JSON-lines file. The folder is created on the first append (mode 0700, as the
 * XDG rules ask), the file with mode 0600. Each record is one append of one line, so runs finishing
 * at once in several processes do not interleave. Errors say which file and why.
 */
export class FileHistoryStore implements HistoryStore {
  constructor(private readonly options: FileHistoryOptions = {}) {}

  /** The file's path; throws when no state directory can be found. */
  get file(): string {
    const dir = this.options.dir;
    return join(typeof dir === 'string' ? dir : dir ? dir() : stateDir(), HISTORY_FILE);
  }

  describe(): string {
    try {
      return this.file;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async append(record: DeployRecord): Promise<void> {
    const file = this.file;
    const cluster = record.cluster ?? this.options.cluster;
    const line = JSON.stringify({ ...record, ...(cluster ? { cluster } : {}), spec: maskClearSecrets(record.spec) });
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await appendFile(file, `${line}\n`, { mode: 0o600 });
    } catch (err) {
      throw new Error(`cannot write the history ${file}: ${why(err)}`);
    }
  }

  async list(service?: string): Promise<DeployRecord[]> {
    const file = this.file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read the history ${file}: ${why(err)}`);
    }
    const out: DeployRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (isRecord(value) && (service === undefined || value.service === service)) out.push(value);
    }
    return out;
  }
}
