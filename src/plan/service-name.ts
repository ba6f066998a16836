// GenerateServiceName: a readable, valid, unused service name from an image reference.
export type RandomSource = () => number;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 4 random chars of [a-z0-9]: the suffix of generated service and container names. */
export function randomSuffix(random: RandomSource): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length) % ALPHABET.length];
  return out;
}

/** The last path segment of an image name, without registry, tag or digest. */
export function imageBaseName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSegment = withoutDigest.split('/').pop() ?? '';
  return lastSegment.split(':')[0];
}

/** Makes a string a DNS label: lowercase a-z0-9 and '-', no leading/trailing '-'. */
export function toDnsLabel(text: string, maxLength = 63): string {
  const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return label.slice(0, maxLength).replace(/-$/, '');
}

/**
 * `ghcr.io/org/app:1.2@sha256:...` -> `app-k3x9`. The result is always a valid DNS label and is
 * never one of `taken` (names of services already in the cluster).
 */
export function generateServiceName(image: string, taken: ReadonlySet<string> = new Set(), random: RandomSource = Math.random): string {
  const base = toDnsLabel(imageBaseName(image), 58) || 'service';
  for (let attempt = 0; attempt < 1000; attempt++) {
    const name = `${base}-${randomSuffix(random)}`;
    if (!taken.has(name)) return name;
  }
  throw new Error(`generate a service name for ${image}: every name tried is taken`);
}
