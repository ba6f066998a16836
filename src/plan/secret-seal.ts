// Sealed specs: a spec whose secret values (the places secrets.ts masks) are HMAC tokens under the
// service's key (src/model/secret-key.ts). Plans, labels, history records and plan files hold sealed
// specs only; the clear values a run needs travel beside the plan, in memory, in PlanSecrets. Two
// specs sealed under one key compare as the clear ones would: equal values give equal tokens.
// Pure.
import { inspect } from 'node:util';
import { ValueKeyedMap } from '../model/canonical.js';
import { findService, serviceNamedAmong, type ClusterState, type ContainerState, type ServiceState, type VolumeState } from '../model/cluster.js';
import { holdsSealedToken, isSealedToken, SEALED_TOKEN, type SecretKey } from '../model/secret-key.js';
import type { ServiceSpec, VolumeSpec } from '../model/spec.js';
import { MASK, rewriteSecretParts, rewriteSecrets, secretPlaces, secretPolicy, type SecretPolicy } from './secrets.js';
import type { Operation } from './operations.js';
import type { Plan } from './plan.js';
import type { SpecFieldChange } from './spec-diff.js';

/** A sealed spec that cannot run: the values of these places are known only by their tokens. */
export class SecretValueUnknownError extends Error {
  constructor(readonly paths: string[], message: string) {
    super(message);
    this.name = 'SecretValueUnknownError';
  }
}

/** Paths whose whole value is one token: what the next seal keeps whole, whatever the rule says then. */
export function wholeSealedPaths(spec: ServiceSpec | undefined): Set<string> {
  if (!spec) return new Set();
  return new Set(secretPlaces(spec).filter((p) => isSealedToken(p.value)).map((p) => p.path));
}

/** Paths whose value holds a token (whole, or inside it), in the spec's order. */
export function sealedPaths(spec: ServiceSpec): string[] {
  return secretPlaces(spec).filter((p) => holdsSealedToken(p.value)).map((p) => p.path);
}

/**
 * The clear values of one plan, beside it in memory: the service's key, and every secret part it
 * has seen with its token. Made by the planning side (the spec file's values, and those read back
 * from containers); used to create containers (their Env needs the clear value, their label the
 * token) and to show values with --show-secrets. Never serialised: JSON.stringify leaves it out (a
 * saved plan has none, see src/store/plan-file.ts) and util.inspect shows only counts.
 */
export class PlanSecrets {
  /** Every token whose value is known -> that value. */
  readonly #parts = new Map<string, string>();
  /** The values that are secrets of this plan (sealed by it, or opened for it): what `scrub` masks. */
  readonly #secret = new Set<string>();
  /** The spec the service ran when the plan was made, sealed: the old side of a revealed change. */
  before?: ServiceSpec;

  /**
   * @param key the service's key: the one its containers carry, or a new one
   * @param keyIsNew no container of the service carries `key` yet
   */
  constructor(readonly key: SecretKey, readonly keyIsNew: boolean) {}

  /** A token -> part pair made under `key`: records it (as a secret of this plan unless only `learned`), and returns the token. */
  #seal(key: SecretKey, part: string, learned = false): string {
    if (isSealedToken(part)) return part;
    const token = key.token(part);
    this.#parts.set(token, part);
    if (!learned) this.#secret.add(part);
    return token;
  }

  /**
   * `spec` sealed under the plan's key: the whole value of each secret place (see secrets.ts
   * rewriteSecrets, with `alsoWhole`), or the secret parts inside it, become tokens; tokens already
   * there stay. The clear parts are remembered, so `open` gives them back.
   */
  seal(spec: ServiceSpec, alsoWhole?: ReadonlySet<string>, policy: SecretPolicy = secretPolicy()): ServiceSpec {
    return rewriteSecrets(spec, (p) => (p.whole ? this.#seal(this.key, p.value) : rewriteSecretParts(p.value, (part) => this.#seal(this.key, part), policy)), policy, alsoWhole);
  }

  /**
   * Remembers values read back from where they really run (a container's inspection, a spec
   * file), each whole and by its secret parts, under the key that sealed them there: a token made
   * from one of them can then be opened. Values are never trusted by name, only by token.
   */
  learn(key: SecretKey, values: Iterable<string>, policy: SecretPolicy = secretPolicy()): void {
    for (const value of values) {
      this.#seal(key, value, true);
      rewriteSecretParts(value, (part) => this.#seal(key, part, true), policy);
    }
  }

  /** Whether a token's value is known. */
  knows(token: string): boolean {
    return this.#parts.has(token);
  }

  /** Paths of `spec` holding a token whose value is not known. */
  unknown(spec: ServiceSpec): string[] {
    return secretPlaces(spec).filter((p) => (p.value.match(SEALED_TOKEN) ?? []).some((t) => !this.#parts.has(t))).map((p) => p.path);
  }

  /**
   * `spec` with every token replaced by its clear value: what a container is created with. Throws a
   * SecretValueUnknownError naming the places whose value is not known (never runs a token).
   */
  open(spec: ServiceSpec): ServiceSpec {
    const missing = this.unknown(spec);
    if (missing.length > 0) {
      throw new SecretValueUnknownError(missing, `the value of ${missing.join(', ')} is not known here: dockplan keeps only a hash of it; write it in the spec file and deploy that`);
    }
    return rewriteSecrets(spec, (p) => this.reveal(p.value));
  }

  /** `text` with every token whose value is known shown as that value, the others as the mask. */
  reveal(text: string): string {
    return text.replace(SEALED_TOKEN, (token) => {
      const part = this.#parts.get(token);
      if (part === undefined) return MASK;
      this.#secret.add(part);
      return part;
    });
  }

  /**
   * `text` (an engine's error, a container's last log lines) with every secret value this plan
   * knows masked: what a run says never quotes one. Values shorter than 4 characters are left
   * alone (they would mask ordinary words and numbers, and tell little).
   */
  scrub(text: string): string {
    const parts = [...this.#secret].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length);
    let out = text;
    for (const part of parts) out = out.split(part).join(MASK);
    return out;
  }

  toJSON(): undefined {
    return undefined;
  }

  [inspect.custom](): string {
    return `PlanSecrets(key ${this.key.id}, ${this.#parts.size} values)`;
  }
}

/**
 * The places whose clear value a plan's containers and volumes need but the plan does not know (a
 * plan read from a file, before its values are read again): path list, empty when it can run.
 */
export function unknownSecrets(plan: { operations: readonly Operation[]; secrets?: PlanSecrets }): string[] {
  const paths = new Set<string>();
  for (const op of plan.operations) {
    const spec = op.kind === 'run' || op.kind === 'replace' ? op.spec : op.kind === 'create-volume' ? { image: '', volumes: [op.volume] } : undefined;
    if (!spec) continue;
    for (const path of plan.secrets ? plan.secrets.unknown(spec) : sealedPaths(spec)) paths.add(path);
  }
  return [...paths];
}

/** The value of each secret place of a spec, by path (secrets.ts's field names). */
function valuesByPath(spec: ServiceSpec | undefined): Map<string, string> {
  return new Map(spec ? secretPlaces(spec).map((p) => [p.path, p.value]) : []);
}

/**
 * A plan's field changes as --show-secrets shows them: each change of a secret place with its clear
 * values (the new one from the plan's spec, the old one from what the service ran, where the plan
 * knows them; a value it does not know stays masked). Other changes are as they are.
 */
export function revealChanges(changes: readonly SpecFieldChange[], spec: ServiceSpec, secrets: PlanSecrets): SpecFieldChange[] {
  const now = valuesByPath(spec);
  const before = valuesByPath(secrets.before);
  return changes.map((c) => {
    if (!now.has(c.field) && !before.has(c.field)) return c;
    const out: SpecFieldChange = { ...c };
    const next = now.get(c.field);
    const old = before.get(c.field);
    if (c.new !== undefined && next !== undefined) out.new = shown(secrets.reveal(next));
    if (c.old !== undefined && old !== undefined) out.old = shown(secrets.reveal(old));
    return out;
  });
}

/**
 * The plan as --show-secrets shows it: its field changes revealed (see revealChanges); the plan
 * itself is left as it is. A plan without its values (read from a file) shows its masks.
 */
export function revealPlan<P extends Pick<Plan, 'changes' | 'spec' | 'secrets'>>(plan: P): P {
  return plan.secrets ? { ...plan, changes: revealChanges(plan.changes, plan.spec, plan.secrets) } : plan;
}

/** As the spec diff shows a value: an empty one as `""`. */
function shown(value: string): string {
  return value === '' ? '""' : value;
}

/**
 * The values a service's containers run with (`values`, from their inspection), each learned under
 * its container's key: what opens the hashes of its labels and its history for --show-secrets.
 */
export function runningSecrets(containers: readonly ContainerState[], newKey: () => SecretKey, policy: SecretPolicy = secretPolicy()): PlanSecrets {
  const key = newestOf(containers, (c) => c.service?.secretKey !== undefined)?.service?.secretKey;
  const secrets = new PlanSecrets(key ?? newKey(), key === undefined);
  for (const c of containers) if (c.values && c.service?.secretKey) secrets.learn(c.service.secretKey, c.values.values(), policy);
  return secrets;
}

/**
 * A spec as --show-secrets shows it: each hash whose value `secrets` knows shown as that value, the
 * others as the mask (`unknown: 'keep'`: left as hashes, for a spec that may be deployed again, which
 * must never hold the mask); values written in clear (older labels) as they are.
 */
export function revealSpec(spec: ServiceSpec, secrets: PlanSecrets, unknown: 'mask' | 'keep' = 'mask'): ServiceSpec {
  return rewriteSecrets(spec, (p) => (unknown === 'mask' ? secrets.reveal(p.value) : p.value.replace(SEALED_TOKEN, (t) => (secrets.knows(t) ? secrets.reveal(t) : t))));
}

/** What a plan is made from once its secrets are sealed (see sealForPlan). */
export interface SealedPlanInput {
  /** The desired spec, sealed under the service's key. */
  spec: ServiceSpec;
  secrets: PlanSecrets;
  /** The state with the service's labels sealed under that key too (older labels hold clear values). */
  state: ClusterState;
  service?: ServiceState;
}

/** The newest container with a readable spec label, and the newest with a sealing key. */
function newestOf(containers: readonly ContainerState[], has: (c: ContainerState) => boolean): ContainerState | undefined {
  let newest: ContainerState | undefined;
  for (const c of containers) if (has(c) && (!newest || c.created > newest.created)) newest = c;
  return newest;
}

/**
 * Seals a plan's inputs so that the planner compares tokens with tokens, and keeps the clear values
 * beside them:
 * - the key is the one the service's newest keyed container carries, else `newKey()`;
 * - every value the service's containers run with (`values`, from their inspection) is learned
 *   under their own keys, so a token in `desired` (a spec read back from a label or the history:
 *   scale, rollback, an edit in the view) opens to the value a container really runs;
 * - `desired` is opened, then sealed under the key (a place the newest label holds as one token
 *   stays whole, whatever the rule says now);
 * - the labels of the service's containers with that key, or with none (written before secrets
 *   were sealed: their values are clear), are sealed the same way, so an unchanged value compares
 *   equal and nothing is replaced after an upgrade. A container under another key (a duplicate
 *   service id) compares unequal and is replaced.
 * Throws a SecretValueUnknownError naming the places of `desired` whose value no container runs
 * any more: a plan never deploys a token.
 */
export function sealForPlan(state: ClusterState, service: ServiceState | undefined, desired: ServiceSpec, newKey: () => SecretKey, policy: SecretPolicy = secretPolicy()): SealedPlanInput {
  const containers = service?.containers ?? [];
  const secrets = runningSecrets(containers, newKey, policy);
  const missing = secrets.unknown(desired);
  if (missing.length > 0) {
    const name = desired.name ?? service?.name ?? 'the service';
    throw new SecretValueUnknownError(missing,
      `the value of ${missing.join(', ')} is not known: dockplan keeps only a hash of a secret (in labels, the history and plan files), ` +
      `and no container of ${name} that could be inspected runs with it any more. Write the value in the spec file and deploy that file`);
  }
  const clear = secrets.open(desired);
  const current = newestOf(containers, (c) => c.service?.spec !== undefined)?.service?.spec;
  const sticky = wholeSealedPaths(current);
  const spec = secrets.seal(clear, sticky, policy);
  // A name the desired spec lists in secret_env is compared by its value on the labels too.
  const alsoWhole = new Set([...sticky, ...(clear.secret_env ?? []).map((n) => `env.${n}`)]);
  // The replicas of a service mostly carry one label: each distinct label is sealed once, and the
  // containers whose labels are equal to it share the sealed spec. Sealing equal values again would
  // record the same tokens, so this changes nothing else.
  const sealedLabels = new ValueKeyedMap<ServiceSpec, ServiceSpec>();
  const sealLabel = (c: ContainerState): ContainerState => {
    const labels = c.service;
    if (!service || !labels?.spec || labels.name !== service.name || (labels.secretKey && labels.secretKey.id !== secrets.key.id)) return c;
    const hint = labels.specHash ?? labels.spec.image;
    let spec = sealedLabels.get(hint, labels.spec);
    if (!spec) {
      spec = secrets.seal(labels.spec, alsoWhole, policy);
      sealedLabels.set(hint, labels.spec, spec);
    }
    return { ...c, service: { ...labels, spec } };
  };
  // The options a named volume was created with (Docker reports them in clear) compare with the
  // spec's sealed driver options the same way.
  const named = new Set((clear.volumes ?? []).filter((v) => v.type === 'volume').map((v) => v.name));
  const sealVolume = (v: VolumeState): VolumeState => {
    if (!v.options || !named.has(v.name)) return v;
    const sealed = secrets.seal({ image: '', volumes: [{ name: v.name, type: 'volume', driver_opts: v.options }] }, alsoWhole, policy);
    return { ...v, options: sealed.volumes![0]!.driver_opts! };
  };
  // The sealed containers of the service's name, in state order, gathered by the pass that copies
  // the state: findService by name groups exactly these, so it need not search the copy again.
  const ofName: ContainerState[] = [];
  const gather = service !== undefined && service.name !== '';
  const sealContainers = (list: readonly ContainerState[]): ContainerState[] => {
    const out = new Array<ContainerState>(list.length);
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      // Only the containers of the service's name are sealed (see sealLabel) or gathered.
      if (!service || c.service?.name !== service.name) {
        out[i] = c;
        continue;
      }
      const sealed = sealLabel(c);
      if (gather) ofName.push(sealed);
      out[i] = sealed;
    }
    return out;
  };
  const sealedState: ClusterState = { ...state, machines: state.machines.map((m) => ({ ...m, containers: sealContainers(m.containers), volumes: m.volumes.map(sealVolume) })) };
  if (!service) return { spec, secrets, state: sealedState };
  const sealedService = serviceNamedAmong([ofName], service.name) ?? findService(sealedState, service.name) ?? findService(sealedState, service.id);
  secrets.before = newestOf(sealedService?.containers ?? [], (c) => c.service?.spec !== undefined)?.service?.spec;
  return { spec, secrets, state: sealedState, service: sealedService };
}

/**
 * A named volume of a sealed spec with its driver options opened (what Docker creates it with).
 * Throws a SecretValueUnknownError naming the options whose value is not known.
 */
export function openVolume(volume: VolumeSpec, secrets: PlanSecrets | undefined): VolumeSpec {
  if (!volume.driver_opts) return volume;
  const spec: ServiceSpec = { image: '', volumes: [volume] };
  if (!secrets) {
    const sealed = sealedPaths(spec);
    if (sealed.length > 0) throw new SecretValueUnknownError(sealed, `the value of ${sealed.join(', ')} is not known here: dockplan keeps only a hash of it; write it in the spec file and deploy that`);
    return volume;
  }
  return secrets.open(spec).volumes![0]!;
}
