// `dockplan lock status [SERVICE]` and `dockplan lock release SERVICE`: who holds a service's deploy
// lock on which machines (see src/execute/lock.ts), and clearing the lock of a run that crashed.
import { lockAgeText, type DeployLock, type ServiceLock, type UnreachableMachine } from '../../execute/lock.js';
import { displayLine } from '../../terminal/text.js';
import { confirmOrRefuse } from '../confirm.js';
import { EXIT } from '../exit-codes.js';
import { jsonText } from '../json-output.js';
import { UserError } from '../user-error.js';

/** What the lock commands need: the lock (built at the composition root) and a line writer. */
export interface LockContext {
  lock?: DeployLock;
  write: (line: string) => void;
}

function lockOf(ctx: LockContext): DeployLock {
  if (!ctx.lock) throw new UserError('this command needs the deploy lock, and none was set up');
  return ctx.lock;
}

/** `alice@jump1 since 2026-11-30T12:00:00.000Z (4m12s ago)`: label values are shown as one safe line. */
function holderLine(l: ServiceLock): string {
  const age = lockAgeText(l.holder.since);
  return `${displayLine(l.holder.owner)} since ${displayLine(l.holder.since)}${age ? ` (${age})` : ''}`;
}

/** The lines of one held lock: who since when, then run, message and machines. */
export function lockLines(l: ServiceLock, machineCount: number): string[] {
  return [
    `${l.service}: locked by ${holderLine(l)}`,
    `  run       ${displayLine(l.holder.runId)}`,
    ...(l.holder.message ? [`  message   ${displayLine(l.holder.message)}`] : []),
    `  machines  ${l.machines.join(', ')} (${l.machines.length} of ${machineCount}${l.majority ? '' : ': not a majority'})`,
  ];
}

function unreachableLine(u: UnreachableMachine, what: string): string {
  return `${u.machineId} did not answer (${displayLine(u.reason)}): ${what}`;
}

/** The JSON contract of `lock status --json`. */
export function lockJson(l: ServiceLock) {
  return { service: l.service, owner: l.holder.owner, since: l.holder.since, runId: l.holder.runId, message: l.holder.message ?? null, machines: l.machines, majority: l.majority };
}

/**
 * `lock status [SERVICE] [--json]`: every lock held (of SERVICE when given), with who holds it,
 * since when, the run, the message and the machines. Always 0: not being locked is an answer.
 */
export async function lockStatusCommand(ctx: LockContext, service: string | undefined, opts: { json?: boolean }): Promise<number> {
  const survey = await lockOf(ctx).survey(service);
  if (opts.json) {
    ctx.write(jsonText({
      machines: survey.machineCount,
      locks: survey.locks.map(lockJson),
      unreachable: survey.unreachable.map((u) => ({ machine: u.machineId, reason: u.reason })),
    }, 2));
    return EXIT.ok;
  }
  if (survey.locks.length === 0) ctx.write(service ? `${service}: not locked` : 'no deploy lock is held');
  for (const l of survey.locks) for (const line of lockLines(l, survey.machineCount)) ctx.write(line);
  for (const u of survey.unreachable) ctx.write(unreachableLine(u, 'a lock held there is not shown'));
  return EXIT.ok;
}

/**
 * `lock release SERVICE [--yes]`: shows the service's locks, asks (on a terminal; without one
 * `--yes` is needed), then removes the lock volumes of exactly the runs shown on every machine that
 * answers, saying whose lock it removed. 0 when they are gone from every machine that answered; 1
 * when a lock taken meanwhile by another run was kept.
 */
export async function lockReleaseCommand(ctx: LockContext, service: string, opts: { yes?: boolean }): Promise<number> {
  const lock = lockOf(ctx);
  const survey = await lock.survey(service);
  if (survey.locks.length === 0) {
    ctx.write(`${service}: not locked: nothing to release`);
    for (const u of survey.unreachable) ctx.write(unreachableLine(u, `a lock held there is not shown; run this again when it answers`));
    return EXIT.ok;
  }
  for (const l of survey.locks) for (const line of lockLines(l, survey.machineCount)) ctx.write(line);
  const runs = survey.locks.map((l) => l.holder.runId);
  const question = `Release the deploy lock of ${service}? Only when ${runs.length === 1 ? 'that run is' : 'those runs are'} no longer running: ` +
    'a run that still is goes on without the lock.';
  if (!(await confirmOrRefuse(question, opts))) {
    ctx.write('nothing released');
    return EXIT.error;
  }
  const broken = await lock.breakLock(service, { runIds: runs });
  for (const l of broken.removed) {
    ctx.write(`released the deploy lock of ${service} held by ${holderLine(l)} (run ${displayLine(l.holder.runId)}) on ${l.machines.join(', ')}`);
  }
  for (const l of broken.kept) {
    ctx.write(`kept the deploy lock of ${service} held by ${holderLine(l)} (run ${displayLine(l.holder.runId)}): it was taken after the lock above was read`);
  }
  for (const u of broken.unreachable) ctx.write(unreachableLine(u, `its lock volume, if any, stays: run dockplan lock release ${service} again when it answers`));
  return broken.kept.length > 0 ? EXIT.error : EXIT.ok;
}
