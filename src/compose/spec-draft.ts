// A dockplan spec being written from a compose service: the keys of a spec file (as a person
// would write them: durations and sizes as text, ports in their string syntax) and, for every
// key and list item, where in the compose files it came from. The draft is then read by the spec
// parser itself (see validate-spec.ts), so a converted service passes exactly the checks a spec
// file does, and each problem lands on the compose line that caused it.
import type { At } from './node-reader.js';

/** Values a spec file holds: scalars, lists and mappings of them (plain objects). */
export type SpecValue = string | number | boolean | readonly SpecValue[] | object;

export class SpecDraft {
  /** Spec-file keys, in the order they are set. */
  readonly keys: Record<string, SpecValue> = {};
  private readonly origins = new Map<string, At>();

  /** @param service where the service is defined: the place of problems with no closer origin */
  constructor(readonly service: At) {}

  /** Sets a top-level spec key, written at `at` in the compose files. */
  set(key: string, value: SpecValue, at: At): void {
    this.keys[key] = value;
    this.origins.set(key, at);
  }

  /** Records where a value below a key (`ports[2]`, `resources.memory`) came from. */
  from(path: string, at: At): void {
    this.origins.set(path, at);
  }

  /**
   * Where the spec path `path` (as the spec parser names fields: `volumes[0].size`) came from: the
   * closest recorded origin, walking up the path; the service itself when nothing is recorded.
   */
  origin(path: string): At {
    let p = path;
    for (;;) {
      const at = this.origins.get(p);
      if (at) return at;
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) return this.service;
      p = p.slice(0, cut);
    }
  }
}
