// Mutated spec files for fuzzing, as a fast-check arbitrary: a seed spec, then edits of its values
// (spec-value-edits.ts), then edits of its text (spec-text-edits.ts), then maybe a cut at a random
// byte. Every edit is a small value, so a failing file shrinks to the fewest, simplest edits that
// still fail.
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { visible, type Situation } from './spec-outcome.js';
import { SPEC_SEEDS } from './spec-seeds.js';
import { applyCut, applyTextEdit, cut, textEdit } from './spec-text-edits.js';
import { applyValueEdit, layout, valueEdit, type Json } from './spec-value-edits.js';

/** One mutated spec file. */
export interface FuzzCase {
  /** The seed it was made from. */
  seed: string;
  /** The edits, in the order they were made, in words. */
  steps: string[];
  /** Kinds of edits made (e.g. `alias-bomb`, `cut-mid-utf8`), for picking varied samples. */
  tags: string[];
  /** The file's bytes: what is written to disk for the CLI (a cut may leave invalid UTF-8). */
  bytes: Uint8Array;
  /** The file as text, the way `readFile(file, 'utf8')` reads those bytes. */
  text: string;
  situation: Situation;
}

const situation: fc.Arbitrary<Situation> = fc.record({
  service: fc.constantFrom('new' as const, 'existing' as const, 'behind' as const),
  domain: fc.boolean(),
});

const seedValues = SPEC_SEEDS.map((s) => parse(s.text) as Json);

/** A FuzzCase printed for a person: the seed, the edits and the text (fast-check uses this in reports). */
function caseToString(this: FuzzCase): string {
  const text = this.text.length > 3000 ? `${visible(this.text.slice(0, 3000))} (+${this.text.length - 3000} more characters)` : visible(this.text);
  return `{seed: ${this.seed}, situation: ${JSON.stringify(this.situation)}, steps: ${visible(this.steps)}, text: ${text}}`;
}

/** Builds a case from its parts; exported so regression cases are built the same way. */
export function fuzzCaseOf(seed: string, steps: string[], tags: string[], bytes: Uint8Array, situation: Situation): FuzzCase {
  const c: FuzzCase = { seed, steps, tags, bytes, text: Buffer.from(bytes).toString('utf8'), situation };
  Object.defineProperty(c, fc.toStringMethod, { value: caseToString, enumerable: false });
  return c;
}

/** Mutated spec files: one seed, 0-3 value edits, 0-4 text edits, maybe a cut. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    seed: fc.nat(SPEC_SEEDS.length - 1),
    values: fc.array(valueEdit, { maxLength: 3 }),
    layout,
    texts: fc.array(textEdit, { maxLength: 4 }),
    cut: fc.option(cut, { freq: 4, nil: undefined }),
    situation,
  })
  .map(({ seed, values, layout: l, texts, cut: c, situation: s }) => {
    const steps: string[] = [];
    const tags: string[] = [];
    let text = SPEC_SEEDS[seed].text;
    if (values.length > 0) {
      let root: Json = structuredClone(seedValues[seed]);
      for (const edit of values) {
        const done = applyValueEdit(root, edit);
        root = done.root;
        steps.push(done.step);
        tags.push(`value-${edit.op}`);
      }
      text = root === null ? '' : stringify(root, { ...l, lineWidth: 0 });
      steps.push(`written ${l.collectionStyle}, strings ${l.defaultStringType}, indent ${l.indent}`);
    }
    for (const edit of texts) {
      const done = applyTextEdit(text, edit);
      text = done.text;
      steps.push(done.step);
      tags.push(done.tag);
    }
    let bytes: Uint8Array = Buffer.from(text, 'utf8');
    if (c) {
      const done = applyCut(bytes, c);
      bytes = done.bytes;
      steps.push(done.step);
      tags.push(done.tag);
    }
    return fuzzCaseOf(SPEC_SEEDS[seed].name, steps, tags, bytes, s);
  });
