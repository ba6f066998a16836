// A compose file as a tree of located values: every scalar, list and mapping knows the file, line
// and column it was written at, so problems found after several files are merged still point at
// the line that put the value there. Built from the yaml Document through YamlReader, so aliases,
// `<<` merge keys and duplicate keys behave exactly as in a dockplan spec file.
import { isMap, isScalar, isSeq } from 'yaml';
import { parseYaml } from '../model/yaml-errors.js';
import { YamlReader, type Located } from '../model/yaml-reader.js';

/** Where a value was written: an absolute (or as given) file path, 1-based line and column. */
export interface ComposeSource {
  file: string;
  line: number;
  col: number;
}

/** A problem with a compose file: its place, the dotted compose path of the value, and what is wrong. */
export interface ComposeProblem extends ComposeSource {
  /** Dotted path of the value, e.g. `services.web.ports[1]`; '' for the whole file. */
  field: string;
  message: string;
}

/**
 * The YAML tags compose gives a meaning to when files are merged: `!reset` clears what earlier
 * files set, `!override` replaces it instead of merging
 * (https://docs.docker.com/reference/compose-file/merge/#reset-value).
 */
export type MergeTag = '!reset' | '!override';

interface NodeBase {
  source: ComposeSource;
  tag?: MergeTag;
}

export interface ScalarNode extends NodeBase {
  kind: 'scalar';
  /** The value as YAML typed it; null for an empty value. Interpolation makes strings of strings only. */
  value: string | number | boolean | null;
  /** Numbers and booleans as written (`1.10` stays `1.10`); strings as they are. */
  text: string;
}

export interface SeqNode extends NodeBase {
  kind: 'seq';
  items: ComposeNode[];
}

export interface MapEntry {
  key: string;
  keySource: ComposeSource;
  value: ComposeNode;
}

export interface MapNode extends NodeBase {
  kind: 'map';
  /** In file order; keys are unique (a duplicate is an error when the file is read). */
  entries: MapEntry[];
}

export type ComposeNode = ScalarNode | SeqNode | MapNode;

/** The value of `key` in a mapping node, if set. */
export function entryOf(map: MapNode, key: string): MapEntry | undefined {
  return map.entries.find((e) => e.key === key);
}

/** What a node is, for a message: `"two"`, `3`, `a list`, `a mapping`, `nothing`. */
export function describeNode(node: ComposeNode | undefined): string {
  if (node === undefined) return 'nothing';
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.value === null) return 'nothing';
  if (typeof node.value === 'string') return JSON.stringify(node.value.length > 40 ? `${node.value.slice(0, 37)}...` : node.value);
  return node.text;
}

export interface ParsedComposeFile {
  /** Undefined when the YAML itself could not be read (its problems say why). */
  root?: ComposeNode;
  problems: ComposeProblem[];
}

/**
 * Parses one compose file's text into a located tree. YAML syntax errors, duplicate keys, aliases
 * naming no anchor and alias bombs are problems (positions as the spec parser gives them); past a
 * syntax error nothing is returned. `file` is the name problems carry.
 */
export function parseComposeText(text: string, file: string): ParsedComposeFile {
  const { doc, lines, collector, syntaxBroken } = parseYaml(text, file);
  if (syntaxBroken) return { problems: collector.sorted() };
  const reader = new YamlReader(doc, collector);
  const sourceOf = (offset: number): ComposeSource => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const build = (at: Located): ComposeNode => {
    const source = sourceOf(at.via?.offset ?? at.offset);
    const node = at.node;
    const tag = node && (node.tag === '!reset' || node.tag === '!override') ? (node.tag as MergeTag) : undefined;
    const base = tag ? { source, tag } : { source };
    if (isMap(node)) {
      const entries = (reader.entries(at) ?? []).map((e) => ({
        key: e.key,
        keySource: sourceOf(e.keyAt.via?.offset ?? e.keyAt.offset),
        value: build(e.value),
      }));
      return { kind: 'map', entries, ...base };
    }
    if (isSeq(node)) return { kind: 'seq', items: (reader.items(at) ?? []).map(build), ...base };
    if (isScalar(node) && node.value !== null && node.value !== undefined) {
      const v = node.value;
      if (typeof v === 'string') return { kind: 'scalar', value: v, text: v, ...base };
      if (typeof v === 'number' || typeof v === 'boolean') return { kind: 'scalar', value: v, text: node.source ?? String(v), ...base };
      if (typeof v === 'bigint') return { kind: 'scalar', value: node.source ?? String(v), text: node.source ?? String(v), ...base };
      // a YAML 1.1 symbol or date: keep its text
      return { kind: 'scalar', value: node.source ?? String(v), text: node.source ?? String(v), ...base };
    }
    return { kind: 'scalar', value: null, text: '', ...base };
  };
  const root = reader.root();
  const tree = build(root);
  return { root: tree, problems: collector.sorted() };
}
