// What is secret, decided in one place. Every face (plan text and JSON, the spec diff, events,
// history, the view) masks through these functions, and sealing (secret-seal.ts) seals exactly the
// places they mask. Pure.
import { isSealedToken, SEALED_TOKEN } from '../model/secret-key.js';
import type { ServiceSpec } from '../model/spec.js';

/** What a masked value shows instead of the secret. */
export const MASK = '••••••';

/** Words that mark a secret anywhere in a name: `DB_PASSWORD`, `apiKey`, `ClientSecret`. */
const SECRET_KEY = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|BEARER|CERT|SALT|SIGNATURE/i;

/** Short words that mark a secret only as a whole word of a name: `DB_PASS`, `ADMIN_PW`, `GITHUB_PAT`, `dbPwd`. */
const SECRET_WORDS = new Set(['PASS', 'PWD', 'PW', 'PAT', 'PIN', 'OTP', 'DSN', 'APIKEY', 'SESSION', 'COOKIE']);

/**
 * The configurable part of the rule (the `secrets:` section of the config file, see
 * src/store/config-file.ts). Entries are names or words, matched as whole words of a name, in
 * order: `DB_CONN` matches `DB_CONN` and `PRIMARY_DB_CONN`, not `DB_CONNECTIONS`.
 */
export interface SecretPolicy {
  /** More words that mark a secret, beyond the built-in ones (`[CONN, DSN_URL]`). */
  words: readonly string[];
  /** Words or names that are never secret, beating the built-in words (`[PUBLIC_KEY, KEYBOARD]`); not `secret_env`. */
  not: readonly string[];
}

/** The built-in rule alone. */
export const DEFAULT_SECRET_POLICY: SecretPolicy = Object.freeze({ words: [], not: [] });

let processPolicy: SecretPolicy = DEFAULT_SECRET_POLICY;

/**
 * Sets the rule this process masks and seals by (the composition root does, once, from the config
 * file); every function here takes it as its default. One setting for the whole process on
 * purpose: a face that forgot to pass it would show what another face hides.
 */
export function useSecretPolicy(policy: SecretPolicy): void {
  processPolicy = { words: [...policy.words], not: [...policy.not] };
}

/** The rule in force (see useSecretPolicy). */
export function secretPolicy(): SecretPolicy {
  return processPolicy;
}

/** A name's words: split at `_`, `-`, `.`, and where lower case meets upper case (`apiKey` -> api, Key). */
function words(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.toUpperCase());
}

/** Whether the words of `entry` appear in `name`, in order, as whole words. */
function namesWords(name: string, entry: string): boolean {
  const have = words(name);
  const want = words(entry);
  if (want.length === 0) return false;
  for (let i = 0; i + want.length <= have.length; i++) if (want.every((w, j) => have[i + j] === w)) return true;
  return false;
}

/**
 * Whether a variable's (or option's) name looks like it holds a secret; its value is then masked
 * and sealed whole. `policy.not` beats every word; `policy.words` adds to the built-in ones.
 */
export function looksSecret(key: string, policy: SecretPolicy = processPolicy): boolean {
  if (policy.not.some((entry) => namesWords(key, entry))) return false;
  return SECRET_KEY.test(key) || words(key).some((w) => SECRET_WORDS.has(w)) || policy.words.some((entry) => namesWords(key, entry));
}

/** `name=value` pairs inside one option string (`o: "username=svc,password=..."`, mount options). */
const INNER_PAIR = /(^|[,;\s])([A-Za-z0-9_.-]+)=([^,;\s]*?)(?=[,;\s]|:\s|:?$)/g;
/** The password part of a URL's user info: `postgres://app:hunter2@db/x`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]+)(@)/gi;

/**
 * `value` with each secret part inside it replaced by `replace(part)`: the values of `name=value`
 * pairs whose names look secret (`username=svc,password=...`) and the passwords of URLs
 * (`postgres://app:...@db/x`). What sealing and masking do to a value whose name is not secret.
 */
export function rewriteSecretParts(value: string, replace: (part: string) => string, policy: SecretPolicy = processPolicy): string {
  return value
    .replace(INNER_PAIR, (all, lead: string, inner: string, part: string) => (looksSecret(inner, policy) && part !== '' ? `${lead}${inner}=${replace(part)}` : all))
    .replace(URL_PASSWORD, (_all, head: string, part: string, at: string) => `${head}${replace(part)}${at}`);
}

/** `text` with every sealed token shown as the mask. */
function maskTokens(text: string): string {
  return text.replace(SEALED_TOKEN, MASK);
}

/** A value whose name is not secret, as it may be shown: its secret parts and any sealed token masked. */
function maskParts(value: string, policy: SecretPolicy): string {
  return maskTokens(rewriteSecretParts(value, () => MASK, policy));
}

/**
 * A value as it may be shown: all of it masked when its key looks secret; otherwise only the parts
 * that hold a secret inside it (see rewriteSecretParts) and any sealed token
 * (`username=svc,password=••••••`, `postgres://app:••••••@db/x`).
 */
export function maskValue(key: string, value: string, policy: SecretPolicy = processPolicy): string {
  return looksSecret(key, policy) ? MASK : maskParts(value, policy);
}

/**
 * Free text (an engine's error message, a log line of ours, a command line) with the secrets it may
 * quote masked: `password=...` pairs, URL passwords and sealed tokens, as in option values.
 */
export function maskText(text: string, policy: SecretPolicy = processPolicy): string {
  return maskParts(text, policy);
}

/** One value of a spec that may hold a secret: an env variable, a logging option or a volume driver option. */
export interface SecretPlace {
  /** `env.DB_PASSWORD`, `logging.options.splunk-token`, `volumes.data.driver_opts.o`: the spec diff's field names. */
  path: string;
  /** The variable's or option's own name. */
  name: string;
  value: string;
  /**
   * The whole value is secret: its name looks secret, `secret_env` lists it, `alsoWhole` names its
   * path, or it already is one sealed token. Otherwise only the parts inside it that hold a secret.
   */
  whole: boolean;
}

/**
 * A copy of `spec` with the value of every place that may hold a secret (env values, logging
 * options, volume driver options) replaced by `each(place)`; everything else is shared. Keys keep
 * their order. `alsoWhole` names more paths whose whole value is secret (see SecretPlace.whole).
 */
export function rewriteSecrets(spec: ServiceSpec, each: (place: SecretPlace) => string, policy: SecretPolicy = processPolicy, alsoWhole: ReadonlySet<string> = new Set()): ServiceSpec {
  const listed = new Set(spec.secret_env ?? []);
  const record = (prefix: string, values: Record<string, string>, isListed: (name: string) => boolean) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => {
      const path = `${prefix}.${name}`;
      const whole = isListed(name) || alsoWhole.has(path) || looksSecret(name, policy) || isSealedToken(value);
      return [name, each({ path, name, value, whole })];
    }));
  const out: ServiceSpec = { ...spec };
  if (spec.env) out.env = record('env', spec.env, (name) => listed.has(name));
  if (spec.logging?.options) out.logging = { ...spec.logging, options: record('logging.options', spec.logging.options, () => false) };
  if (spec.volumes?.some((v) => v.driver_opts)) {
    out.volumes = spec.volumes.map((v) => (v.driver_opts ? { ...v, driver_opts: record(`volumes.${v.name}.driver_opts`, v.driver_opts, () => false) } : v));
  }
  return out;
}

/** Every place of `spec` that may hold a secret (see rewriteSecrets), in the spec's order. */
export function secretPlaces(spec: ServiceSpec, policy: SecretPolicy = processPolicy, alsoWhole?: ReadonlySet<string>): SecretPlace[] {
  const out: SecretPlace[] = [];
  rewriteSecrets(spec, (place) => {
    out.push(place);
    return place.value;
  }, policy, alsoWhole);
  return out;
}

/** The shown text of every secret place: path -> the value masked (whole, or its secret parts). */
export function maskedValues(spec: ServiceSpec, policy: SecretPolicy = processPolicy): Map<string, string> {
  return new Map(secretPlaces(spec, policy).map((p) => [p.path, p.whole ? MASK : maskParts(p.value, policy)]));
}

/**
 * A copy of the spec for display: env values, logging options and volume driver options masked
 * wherever they hold a secret (whole values of secret-looking or `secret_env` names, secret parts
 * inside other values, sealed tokens).
 */
export function maskSecrets(spec: ServiceSpec, policy: SecretPolicy = processPolicy): ServiceSpec {
  return rewriteSecrets(spec, (p) => (p.whole ? MASK : maskParts(p.value, policy)), policy);
}

/**
 * A copy of the spec for a file of ours (history): secrets masked as maskSecrets does, except sealed
 * tokens, which stay (they hold no value, and let a rollback find the value a container still runs).
 */
export function maskClearSecrets(spec: ServiceSpec, policy: SecretPolicy = processPolicy): ServiceSpec {
  return rewriteSecrets(spec, (p) => {
    if (p.whole) return isSealedToken(p.value) ? p.value : MASK;
    return rewriteSecretParts(p.value, (part) => (isSealedToken(part) ? part : MASK), policy);
  }, policy);
}
