// Image references per Docker's reference grammar:
//   [domain[:port]/]path-component[/path-component...][:tag][@algorithm:hex]

export interface ImageReference {
  /** Registry host (with port), when the first component names one. */
  domain?: string;
  /** Repository path without the domain, e.g. `library/busybox` or `busybox`. */
  path: string;
  tag?: string;
  /** e.g. `sha256:<64 hex>`. */
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGESTS: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };
const MAX_NAME_LENGTH = 255;

/** Parses a reference, or says in words what is wrong with it. */
export function parseImageReference(ref: string): ImageReference | { error: string } {
  if (ref === '') return { error: 'the image reference is empty' };
  if (/\s/.test(ref)) return { error: 'it contains whitespace' };
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const [algorithm, hex, ...more] = digest.split(':');
    const pattern = DIGESTS[algorithm];
    if (!pattern || hex === undefined || more.length > 0 || !pattern.test(hex)) {
      return { error: `the digest "${digest}" is not sha256:<64 lowercase hex digits>` };
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      return { error: `the tag "${tag}" is not valid (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')` };
    }
  }
  if (rest.length > MAX_NAME_LENGTH) return { error: `the name is longer than ${MAX_NAME_LENGTH} characters` };
  const components = rest.split('/');
  let domain: string | undefined;
  const first = components[0];
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    components.shift();
    if (!DOMAIN.test(domain)) return { error: `the registry host "${domain}" is not a valid host[:port]` };
  }
  for (const c of components) {
    if (c === '') return { error: 'it has an empty path component (check for a stray or doubled /)' };
    if (!PATH_COMPONENT.test(c)) {
      if (c !== c.toLowerCase()) return { error: `repository names must be lowercase ("${c}")` };
      return { error: `"${c}" is not a valid path component (lowercase letters and digits, separated by '.', '_', '__' or '-')` };
    }
  }
  const out: ImageReference = { path: components.join('/') };
  if (domain !== undefined) out.domain = domain;
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}
