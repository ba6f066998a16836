// Spec files the fuzzer found breaking the contract, shrunk to a few lines and kept: each must end
// in a plan, a refusal or located errors, with nothing unfit for a person. A case whose bug is
// still open also says how to recognise that bug's problems, so that while it stays open the big
// fuzz run counts them apart and keeps looking for other bugs (see `openBugsOf`).
import type { Problem, Situation } from './spec-outcome.js';

/** One kept spec file. */
export interface KeptCase {
  name: string;
  /** What went wrong and where it came from, when it was found. */
  found: string;
  text: string;
  situation: Situation;
  /**
   * Recognises this bug's problems in other inputs (`text` is the input). Only consulted while the
   * kept case itself still fails: once it passes, the bug is fixed and nothing is excused.
   */
  recognise?: (problem: Problem, text: string) => boolean;
}

const NEW: Situation = { service: 'new', domain: true };

const isRule = (p: Problem, ...rules: Problem['rule'][]) => rules.includes(p.rule);
const yamlSyntaxError = (p: Problem) => 'in' in p && p.in === 'error' && p.error.message.startsWith('YAML syntax error');
/** C0 control characters but tab and line feed. */
const C0 = /[\u0000-\u0008\u000b-\u001f]/;
const tooSlow = (p: Problem) => isRule(p, 'slow', 'timeout', 'out-of-memory');

/** Every kept case, in the order they were found; each one is a test of its own. */
export const KEPT_CASES: readonly KeptCase[] = [
  {
    name: 'an unknown key named like an Object method is an unknown key, not a crash',
    found:
      'TypeError: hint.includes is not a function, at YamlReader.fields (src/model/yaml-reader.ts, `const hint = hints[key]`): ' +
      'the hints are a plain object, so keys like hasOwnProperty, toString, constructor, valueOf and __proto__ read Object.prototype',
    text: 'image: local/busybox:1\nhasOwnProperty: true\n',
    situation: NEW,
    recognise: (p) => p.rule === 'crash' && p.detail.includes('hint.includes is not a function'),
  },
  {
    name: 'the same inside resources, update and healthcheck',
    found: 'the same crash through readResources, readUpdate and readHealthcheck (their own hint tables)',
    text: 'image: local/busybox:1\nresources: {toString: 1}\nupdate: {constructor: 1}\nhealthcheck: {valueOf: 1}\n',
    situation: NEW,
  },
  {
    name: 'errors after a broken block scalar header point at the right line',
    found:
      "wrong line and column: the yaml package's LineCounter (filled by its lexer, used by ErrorCollector in " +
      'src/model/yaml-errors.ts) misses the line break after a block scalar header it cannot read, so every later ' +
      'error is reported one line up, at a column past that line\'s end ("b" on line 3 is reported at 2:5)',
    text: '|a: |-\n  x\nb: y\n',
    situation: NEW,
    recognise: (p) => isRule(p, 'error-line', 'error-col') && yamlSyntaxError(p),
  },
  {
    name: 'a YAML syntax error does not print the rest of the file raw',
    found:
      'the yaml package\'s "not a YAML token" message quotes the source from the bad token on, carriage returns and ' +
      'all; src/model/yaml-errors.ts passes it through, so the CLI prints raw control characters (and the whole rest of the file)',
    text: 'image: |\r  x\r',
    situation: NEW,
    recognise: (p) => p.rule === 'raw-control' && yamlSyntaxError(p),
  },
  {
    name: 'an unknown key with a control character is shown escaped in the field',
    found: 'the field path of an error is the raw key (src/model/yaml-reader.ts childPath): a NUL or ESC in a key reaches the terminal',
    text: 'image: local/busybox:1\n"a\\0b": 1\nenv: {"\\e[2J": x}\n',
    situation: NEW,
    recognise: (p) => isRule(p, 'raw-control', 'multi-line') && 'in' in p && p.in === 'error' && /[\u0000-\u001f\u007f-\u009f]/.test(p.error.field),
  },
  {
    name: 'values written into messages by a template are shown escaped',
    found:
      'messages that quote a value as `"${value}"` instead of JSON.stringify(value) pass its control characters to the ' +
      'terminal: the image tag, digest, host and path component (src/model/image-ref.ts), port mode, protocol, hostname and ' +
      'IP (src/model/ports.ts), a duplicate volume name (src/model/parse-spec-storage.ts), a duplicate key (src/model/yaml-reader.ts), ' +
      'and `write ${s}= for an empty value` (src/model/parse-spec-kernel.ts), which puts a line feed in a one-line message',
    text: 'image: "local/busybox:1\\e[2J"\nports: ["80@\\e[2J", "80/\\e[2J"]\nvolumes: [{name: "a\\eb"}, {name: "a\\eb"}]\nenv: ["\\n"]\n',
    situation: NEW,
    recognise: (p) =>
      isRule(p, 'raw-control', 'multi-line') && 'in' in p && p.in === 'error' && !yamlSyntaxError(p) && !/[\u0000-\u001f]/.test(p.error.field) &&
      /[\u0000-\u0008\u000a-\u001f]/.test(p.error.message),
  },
  {
    name: 'a value holding DEL or a C1 control is shown escaped, not as an empty string',
    found:
      'messages quote values with JSON.stringify (describe() in src/model/yaml-reader.ts and others), which escapes C0 ' +
      'controls but leaves DEL and C1 (U+007F-U+009F) raw: this error reads `got ""` for a value that is not empty',
    text: 'image: local/busybox:1\nhealthcheck: {interval: "\\x7f"}\n',
    situation: NEW,
    recognise: (p) => p.rule === 'raw-control' && 'in' in p && p.in === 'error' && !C0.test(p.error.message) && /[\u007f-\u009f]/.test(p.error.message),
  },
  {
    name: 'placement machines named in a refusal or a plan are shown escaped',
    found:
      'the exclusion reason "not in placement.machines [...]" (src/plan/eligibility.ts) joins the names raw, and both the ' +
      'PlanError (no machine can run the service) and a plan\'s remove reasons carry it: an ESC or NUL in a name reaches the terminal',
    text: 'image: local/busybox:1\nplacement: {machines: ["\\e[2J"]}\n',
    situation: NEW,
    recognise: (p) => p.rule === 'raw-control' && 'in' in p && (p.in === 'refusal' || p.in === 'plan') && p.detail.includes('placement.machines ['),
  },
  {
    name: 'spec values in the plan text are shown escaped',
    found:
      'the plan\'s changes print values as written (shown() in src/plan/spec-diff.ts: `+ env.A: <ESC>[2J`, `+ user: ...`) and ' +
      'its risks print device paths raw (src/plan/risks.ts): a control character in the spec reaches the terminal with the plan',
    text: 'image: local/busybox:1\nname: web\nenv: {A: "\\e[2J"}\nuser: "\\e[2J"\ndevices: ["/dev/fuse\\e[2J"]\n',
    situation: { service: 'behind', domain: true },
    recognise: (p) => p.rule === 'raw-control' && 'in' in p && p.in === 'plan',
  },
  {
    name: 'replicas: -0 is read as 0, so the plan survives JSON',
    found:
      'r.integer (src/model/yaml-reader.ts) accepts -0 (a safe integer >= 0) and keeps its sign; the plan carries ' +
      'replicas -0, which JSON writes as 0, so a plan read back from JSON is not the plan that was made',
    text: 'image: local/busybox:1\nreplicas: -0\n',
    situation: NEW,
    recognise: (p) => p.rule === 'plan-json' && p.detail.includes(': -0 (number)'),
  },
  {
    name: 'a huge replica count is refused, not planned one operation at a time',
    found:
      'replicas takes any safe integer (src/model/parse-spec.ts, r.integer(at, 0)) and planRolling (src/plan/rolling.ts) ' +
      'makes one run operation per replica: 100,000 takes seconds and 9007199254740991 never ends (or runs out of memory)',
    text: 'image: local/busybox:1\nreplicas: 100000\n',
    situation: NEW,
    recognise: (p, text) => tooSlow(p) && /replicas\W{1,4}\+?\d{5,}/.test(text),
  },
  {
    name: 'a deeply nested value after a flow mapping is refused quickly',
    found:
      'the yaml package reports 80,003 syntax errors for this 100 kB file and takes about 2 s on a 2-core machine (parseSpec ' +
      'returns all of them, so the CLI prints 80,003 lines); its composer also reports "maximum call stack size exceeded" ' +
      'from about 1,000 levels of flow nesting',
    text: `{image: x}\nx-deep: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
    situation: NEW,
    recognise: (p, text) => tooSlow(p) && /(?:\{a: |\[|\{|- ){1000}/.test(text),
  },
  {
    name: 'a very long unknown value gets its did-you-mean quickly',
    found:
      'closest() (src/model/did-you-mean.ts) computes the full edit distance between the value and every candidate, a ' +
      'new row array per character: a 100,000-character capability takes about 3 s against the 42 capability names ' +
      '(and the message then quotes all 100,000 characters)',
    text: `image: local/busybox:1\ncap_add: ["SYS_PTRACE ${'z'.repeat(100_000)}"]\n`,
    situation: NEW,
    recognise: (p, text) => tooSlow(p) && text.split('\n').some((line) => line.length >= 10_000),
  },
];
