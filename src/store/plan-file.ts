// A saved plan (`dockplan plan -f SPEC -o plan.json`): the Plan itself, plain data, with the names
// of the machines and containers it mentions, so that it prints and runs later without re-reading
// the cluster first. Applying it goes through the same stale check as any plan: if what the plan
// saw has changed since, it is refused, saying what changed.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { canonicalHash } from '../model/canonical.js';
import type { ClusterState } from '../model/cluster.js';
import { SecretKey } from '../model/secret-key.js';
import { fingerprint } from '../plan/observed.js';
import { unknownSecrets } from '../plan/secret-seal.js';
import { OPERATION_KINDS, containerOf, type NameResolver } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { fileProblem } from '../model/file-problem.js';

export const PLAN_FILE_FORMAT = 'dockplan-plan';
/**
 * The version this dockplan writes and reads. A change to the Plan's shape that an older reader would
 * misread bumps it. 2: the file carries its digest (a version 1 file, which has none, is planned again).
 */
export const PLAN_FILE_VERSION = 2;

/** A plan file's contents (JSON). */
export interface SavedPlan {
  format: typeof PLAN_FILE_FORMAT;
  version: typeof PLAN_FILE_VERSION;
  /** ISO time it was saved. */
  createdAt: string;
  /** The cluster it was made on, as the client describes it. */
  cluster: string;
  plan: Plan;
  /** Names of what the plan mentions: machine id -> name, container id -> name. */
  names: { machines: Record<string, string>; containers: Record<string, string> };
  /**
   * The spec file the plan was made from (an absolute path): where `apply` reads the secret values
   * again, since the plan holds only their hashes (src/plan/secret-seal.ts).
   */
  specFile?: string;
  /**
   * The service's sealing key (label form), only while no container carries it yet (a new
   * service, or one whose containers predate sealing): without it nothing could tell whether the
   * values read again are the ones planned. The file then reveals no more than the labels it writes.
   */
  secretKey?: string;
  /**
   * sha256 (16 hex chars) of the canonical JSON of every other field as saved (see planFileDigest):
   * a file whose operations, rollout, spec or names were edited since no longer matches, and is
   * refused. It guards against edits, not against someone who recomputes it: the file is mode 0600.
   */
  digest: string;
}

/** A plan file that cannot be used; the message names the file and what is wrong with it. */
export class PlanFileError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

/**
 * The file's contents for `plan`, made on `state` of the cluster `cluster`: every machine, and the
 * containers its operations touch; `specFile` is the spec it was made from. Secret values stay
 * sealed: the file holds their hashes, never the values.
 */
export function savePlan(plan: Plan, state: Pick<ClusterState, 'machines'>, cluster: string, now: Date = new Date(), specFile?: string): SavedPlan {
  const machines: Record<string, string> = {};
  const known = new Map<string, string>();
  for (const m of state.machines) {
    machines[m.id] = m.name;
    for (const c of m.containers) known.set(c.id, c.name);
  }
  const containers: Record<string, string> = {};
  for (const op of plan.operations) {
    const c = containerOf(op);
    if (c) containers[c.id] = known.get(c.id) ?? c.name;
  }
  const sealed = unknownSecrets({ operations: plan.operations }).length > 0;
  const saved: Omit<SavedPlan, 'digest'> = {
    format: PLAN_FILE_FORMAT, version: PLAN_FILE_VERSION, createdAt: now.toISOString(), cluster, plan, names: { machines, containers },
    ...(specFile ? { specFile } : {}),
    ...(sealed && plan.secrets?.keyIsNew ? { secretKey: plan.secrets.key.label() } : {}),
  };
  // As written: what JSON keeps of the plan (no undefined members, no class instances).
  const written = JSON.parse(JSON.stringify(saved)) as Omit<SavedPlan, 'digest'>;
  return { ...written, digest: planFileDigest(written) };
}

/**
 * The digest of a plan file's contents: sha256 (16 hex chars) of the canonical JSON (keys sorted)
 * of every field but `digest` itself.
 */
function planFileDigest(contents: Record<string, unknown>): string {
  const { digest: _ignored, ...rest } = contents;
  return canonicalHash(rest);
}

/** The names a saved plan prints with; ids it does not name read as a short id (machines) or nothing (containers). */
export function savedNames(saved: Pick<SavedPlan, 'names'>): NameResolver {
  return {
    machineName: (id) => saved.names.machines[id] ?? id.slice(0, 12),
    containerName: (id) => saved.names.containers[id] ?? '',
  };
}

/**
 * Writes the plan file with mode 0600 (it holds the spec, secrets as hashes): into a new file beside
 * it, then renamed over `path`, so that no reader ever sees half a plan or a wider mode. Throws a
 * PlanFileError saying why when it cannot.
 */
export async function writePlanFile(path: string, saved: SavedPlan): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(saved, null, 2)}\n`);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    throw new PlanFileError(`cannot write the plan file ${path}: ${reason}`, path);
  }
}

/** Reads and checks a plan file (see parsePlanFile); a PlanFileError says what is wrong. */
export async function readPlanFile(path: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PlanFileError(`cannot read the plan file ${path}: ${fileProblem(err)}`, path);
  }
  return parsePlanFile(text, path);
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The problems of a saved plan's `plan` and `names`, each as `field: what is wrong`. */
function shapeProblems(value: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, field: string, what: string) => {
    if (!ok) problems.push(`${field}: ${what}`);
  };
  need(typeof value.createdAt === 'string', 'createdAt', 'expected an ISO time');
  need(typeof value.cluster === 'string', 'cluster', 'expected text');
  need(value.specFile === undefined || typeof value.specFile === 'string', 'specFile', 'expected a path');
  need(value.secretKey === undefined || SecretKey.fromLabel(value.secretKey as string) !== undefined, 'secretKey', 'expected a key as dockplan writes it (v1.<base64url>)');
  const names = value.names;
  need(isObject(names) && isObject(names.machines) && isObject(names.containers), 'names', 'expected {machines: {id: name}, containers: {id: name}}');
  const plan = value.plan;
  if (!isObject(plan)) return [...problems, 'plan: expected an object'];
  need(typeof plan.serviceId === 'string' && plan.serviceId !== '', 'plan.serviceId', 'expected text');
  need(typeof plan.serviceName === 'string' && plan.serviceName !== '', 'plan.serviceName', 'expected text');
  need(plan.mode === 'replicated' || plan.mode === 'global', 'plan.mode', 'expected replicated or global');
  need(plan.action === 'create' || plan.action === 'update' || plan.action === 'remove', 'plan.action', 'expected create, update or remove');
  need(typeof plan.isNew === 'boolean', 'plan.isNew', 'expected true or false');
  need(isObject(plan.spec) && typeof plan.spec.image === 'string', 'plan.spec', 'expected a spec with an image');
  need(isObject(plan.rollout), 'plan.rollout', 'expected an object');
  for (const list of ['batches', 'changes', 'unseen', 'warnings', 'risks'] as const) need(Array.isArray(plan[list]), `plan.${list}`, 'expected a list');
  if (!Array.isArray(plan.operations)) {
    problems.push('plan.operations: expected a list');
  } else {
    plan.operations.forEach((op: unknown, i) => {
      const ok = isObject(op) && typeof op.id === 'string' && typeof op.machineId === 'string' && typeof op.kind === 'string' && Object.hasOwn(OPERATION_KINDS, op.kind);
      need(ok, `plan.operations[${i}]`, `expected an operation (id, machineId, kind: ${Object.keys(OPERATION_KINDS).join(' | ')})`);
    });
  }
  const observed = plan.observed;
  if (!isObject(observed) || !Array.isArray(observed.machines) || !Array.isArray(observed.containers)) {
    problems.push('plan.observed: expected {machines: [...], containers: [...]}');
  } else if (typeof plan.fingerprint !== 'string' || plan.fingerprint !== fingerprint(observed as unknown as Plan['observed'])) {
    // The fingerprint is the hash of what the plan saw: a mismatch means the file was edited since.
    problems.push('plan.fingerprint: does not match what the plan observed (the file was changed after it was saved): plan again');
  }
  if (problems.length === 0 && (typeof value.digest !== 'string' || value.digest !== planFileDigest(value))) {
    // Operations, rollout, spec or names edited: apply runs exactly what was shown, or nothing.
    problems.push(`digest: does not match the file's contents (the file was changed after it was saved; apply runs only a plan as dockplan saved it): plan again`);
  }
  return problems;
}

/**
 * A plan file's text as a SavedPlan. Refuses (PlanFileError, naming `file`) text that is not JSON,
 * is not a dockplan plan file, has a version this dockplan does not read, or whose plan is not the
 * shape a plan has (every problem listed), including a plan edited after it was saved.
 */
export function parsePlanFile(text: string, file: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PlanFileError(`${file} is not a plan file: it is not JSON (${(err as Error).message})`, file);
  }
  if (!isObject(value) || value.format !== PLAN_FILE_FORMAT) {
    throw new PlanFileError(`${file} is not a dockplan plan file (it has no "format": "${PLAN_FILE_FORMAT}"): save one with dockplan plan -f SPEC -o ${file}`, file);
  }
  if (value.version !== PLAN_FILE_VERSION) {
    const v = value.version;
    const newer = typeof v === 'number' && v > PLAN_FILE_VERSION;
    throw new PlanFileError(
      `${file} is a plan file of version ${JSON.stringify(v)}; this dockplan reads version ${PLAN_FILE_VERSION} only: ` +
        (newer ? 'apply it with the dockplan that saved it, or plan again with this one' : 'plan again with this dockplan'),
      file,
    );
  }
  const problems = shapeProblems(value);
  if (problems.length > 0) {
    throw new PlanFileError(`${file} is not a usable plan (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`, file);
  }
  return value as unknown as SavedPlan;
}
