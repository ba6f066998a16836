// What is secret, decided in one place: every face (plan text and JSON, the spec diff, the spec
// pane) masks through these functions. Pure.
import type { ServiceSpec } from '../model/spec.js';

/** What a masked value shows instead of the secret. */
export const MASK = '••••••';

/** Words that mark a secret anywhere in a name: `DB_PASSWORD`, `apiKey`, `ClientSecret`. */
const SECRET_KEY = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|BEARER|CERT|SALT|SIGNATURE/i;

/** Short words that mark a secret only as a whole word of a name: `DB_PASS`, `ADMIN_PW`, `GITHUB_PAT`, `dbPwd`. */
const SECRET_WORDS = new Set(['PASS', 'PWD', 'PW', 'PAT', 'PIN', 'OTP', 'DSN', 'APIKEY', 'SESSION', 'COOKIE']);

/** A name's words: split at `_`, `-`, `.`, and where lower case meets upper case (`apiKey` -> api, Key). */
function words(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.toUpperCase());
}

/** Whether a variable's (or option's) name looks like it holds a secret; its value is then masked. */
export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key) || words(key).some((w) => SECRET_WORDS.has(w));
}

/** `name=value` pairs inside one option string (`o: "username=svc,password=..."`, mount options). */
const INNER_PAIR = /(^|[,;\s])([A-Za-z0-9_.-]+)=([^,;\s]*?)(?=[,;\s]|:\s|:?$)/g;
/** The password part of a URL's user info: `postgres://app:hunter2@db/x`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]+)(@)/gi;

/**
 * A value as it may be shown: all of it masked when its key looks secret; otherwise only the parts
 * that hold a secret inside it: `password=...` pairs of an option string and the password of a URL
 * (`username=svc,password=••••••`, `postgres://app:••••••@db/x`).
 */
export function maskValue(key: string, value: string): string {
  if (looksSecret(key)) return MASK;
  return value
    .replace(INNER_PAIR, (all, lead: string, inner: string) => (looksSecret(inner) ? `${lead}${inner}=${MASK}` : all))
    .replace(URL_PASSWORD, (_all, head: string, _password: string, at: string) => `${head}${MASK}${at}`);
}

/**
 * Free text (an engine's error message, a log line of ours) with the secrets it may quote masked:
 * `password=...` pairs and URL passwords, as in option values.
 */
export function maskText(text: string): string {
  return maskValue('', text);
}

function maskRecord(record: Record<string, string> | undefined): Record<string, string> | undefined {
  return record && Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskValue(k, v)]));
}

/**
 * A copy of the spec for display: env values, logging options and volume driver options are
 * masked wherever they hold a secret (see maskValue).
 */
export function maskSecrets(spec: ServiceSpec): ServiceSpec {
  const out: ServiceSpec = { ...spec };
  if (spec.env) out.env = maskRecord(spec.env);
  if (spec.logging?.options) out.logging = { ...spec.logging, options: maskRecord(spec.logging.options) };
  if (spec.volumes) out.volumes = spec.volumes.map((v) => (v.driver_opts ? { ...v, driver_opts: maskRecord(v.driver_opts) } : v));
  return out;
}
