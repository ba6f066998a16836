// A converted service goes through the spec parser itself: the draft is written out as the spec
// file it stands for and read back, so it passes exactly the checks (names, replicas cap, port
// clashes, capability and ulimit names, memory floor, ...) and the normalisation a spec file
// gets. Each problem the parser finds is moved to the compose line the value came from.
import { Document } from 'yaml';
import { parseSpec } from '../model/parse-spec.js';
import type { ServiceSpec } from '../model/spec.js';
import type { ComposeReader } from './node-reader.js';
import type { SpecDraft } from './spec-draft.js';

/** The checked spec, or undefined when the spec parser refused the draft (problems recorded in `r`). */
export function checkDraft(r: ComposeReader, draft: SpecDraft): ServiceSpec | undefined {
  const text = new Document(draft.keys).toString({ lineWidth: 0 });
  const { spec, errors } = parseSpec(text, '(converted)');
  for (const e of errors) {
    const at = draft.origin(e.field);
    r.error(at, e.field === '' ? e.message : `${e.message} (dockplan's ${specKey(e.field)})`);
  }
  return errors.length === 0 ? spec : undefined;
}

/** The spec key a problem is about, without list indexes (`resources.memory`, `ports`). */
function specKey(field: string): string {
  return field.replace(/\[\d+\]/g, '');
}
