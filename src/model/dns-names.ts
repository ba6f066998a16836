// Names that end up in DNS: service and machine names (one label), hostnames and domains (several).
import { quoted } from './printable.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const DNS_LABEL_HINT = "expected a DNS label: 1-63 lowercase letters, digits and '-', not starting or ending with '-'";

/** 1-63 lowercase letters, digits and '-', not starting or ending with '-'. */
export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

/** One or more DNS labels joined by dots (`web`, `web.example.com`), at most 253 characters. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => DNS_LABEL.test(label));
}

/** `My_App` -> `my-app`: the label a name probably meant, if there is one. */
export function suggestDnsLabel(name: string): string | undefined {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return isDnsLabel(s) && s !== name ? s : undefined;
}

/** The DNS-label error message for `name`, with a suggestion when one is close. */
export function dnsLabelProblem(name: string): string {
  const suggestion = suggestDnsLabel(name);
  return `${DNS_LABEL_HINT}, got ${quoted(name)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
}
