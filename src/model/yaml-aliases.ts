// Anchors, aliases and merge keys of one parsed YAML document, resolved once up front.
//
// The `yaml` package leaves aliases unexpanded in the AST; `Alias.resolve(doc)` walks the whole
// document on every call, and its `maxAliasCount` guard applies only to `toJS()`. The reader walks
// the AST itself, so it resolves every alias in one pass here and counts, in the same pass, how many
// values a full expansion of the document would take: a "billion laughs" file (anchors that each
// alias the previous one many times) is tiny as text and astronomically large expanded.
import { isAlias, isMap, isNode, isScalar, isSeq, type Alias, type Document, type Node } from 'yaml';

/**
 * How many alias expansions one document may need when every alias is expanded (nested ones
 * multiply: an alias of an anchor holding ten aliases counts eleven). A hand-written spec or
 * cluster file needs a handful; past this the file is refused.
 */
export const MAX_ALIAS_EXPANSIONS = 1000;

/**
 * How many values (scalars, lists and mappings, each counted once) expanding every alias of a
 * document may copy. Few aliases of one wide anchor copy a lot too (999 merges of a 5,000-key
 * mapping are 5 million entries); a shared block of a few hundred env variables used a few times
 * stays far below.
 */
export const MAX_ALIAS_COPIES = 20_000;

/** Every alias of a document with the node it stands for, and where expanding them all gets too big. */
export interface AliasTable {
  /** Alias -> the anchored node it names (the last node with that anchor before it, as YAML says). Unknown anchors are absent. */
  targets: Map<Alias, Node>;
  /** Set when expanding every alias passes a limit: the offset of the alias where it does, and what was counted. */
  overflow?: { offset: number; message: string };
}

/** The limits aliasTableOf checks; the defaults are MAX_ALIAS_EXPANSIONS and MAX_ALIAS_COPIES. */
export interface AliasLimits {
  expansions: number;
  copies: number;
}

const EXIT = Symbol('exit');

/** What a node holds once every alias inside it is expanded. */
interface Expanded {
  /** Alias expansions, nested ones included. */
  expansions: number;
  /** Values, the node itself included. */
  values: number;
}

/**
 * Resolves the aliases of `doc` in document order and counts what expanding them all would take,
 * stopping at the first alias that passes a limit. Linear in the size of the text: what an anchored
 * node holds is computed once, when the walk leaves it, and an alias inside the node it names (a
 * cycle) counts as one. Walks with an explicit stack, so deep nesting cannot overflow the call stack.
 */
export function aliasTableOf(doc: Document.Parsed, limits: AliasLimits = { expansions: MAX_ALIAS_EXPANSIONS, copies: MAX_ALIAS_COPIES }): AliasTable {
  const targets = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  /** What each anchored node the walk has left holds. */
  const anchored = new Map<Node, Expanded>();
  const open: { node: Node; inside: Expanded }[] = [];
  const todo: unknown[] = [doc.contents];
  const total: Expanded = { expansions: 0, values: 0 };
  const add = (into: Expanded, more: Expanded): void => {
    into.expansions += more.expansions;
    into.values += more.values;
  };
  while (todo.length > 0) {
    const item = todo.pop();
    if (item === EXIT) {
      const done = open.pop()!;
      if (done.node.anchor) anchored.set(done.node, done.inside);
      if (open.length > 0) add(open[open.length - 1].inside, done.inside);
      continue;
    }
    if (isAlias(item)) {
      const target = anchors.get(item.source);
      if (!target) continue;
      targets.set(item, target);
      const held = anchored.get(target) ?? { expansions: 0, values: 1 };
      const copy = { expansions: 1 + held.expansions, values: held.values };
      add(total, copy);
      if (open.length > 0) add(open[open.length - 1].inside, copy);
      const passed =
        total.expansions > limits.expansions
          ? `follow more than ${limits.expansions.toLocaleString('en')} aliases (anchors that alias other anchors multiply, as in a "billion laughs" bomb)`
          : total.values > limits.copies
            ? `copy more than ${limits.copies.toLocaleString('en')} values (each alias copies its whole anchored value)`
            : undefined;
      if (passed !== undefined) {
        const message = `too many aliases: by this one, expanding them all would ${passed}; a file this size needs a few at most`;
        return { targets, overflow: { offset: item.range?.[0] ?? 0, message } };
      }
      continue;
    }
    if (!isNode(item)) continue;
    // the anchor applies from its own node on, so an alias inside that node already names it
    if (item.anchor) anchors.set(item.anchor, item);
    if (isMap(item) || isSeq(item)) {
      open.push({ node: item, inside: { expansions: 0, values: 1 } });
      todo.push(EXIT);
      const children: unknown[] = isMap(item) ? item.items.flatMap((pair) => [pair.key, pair.value]) : item.items;
      for (let i = children.length - 1; i >= 0; i--) todo.push(children[i]);
    } else if (open.length > 0) {
      open[open.length - 1].inside.values += 1;
    }
  }
  return { targets };
}

/**
 * A YAML 1.1 merge key: the plain (unquoted) scalar `<<` (https://yaml.org/type/merge.html), as
 * compose files use it. Under the YAML 1.2 core schema the `yaml` package reads it as the string
 * "<<"; in a `%YAML 1.1` document as a symbol. A quoted "<<" is an ordinary key.
 */
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key) || key.type !== 'PLAIN') return false;
  return key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<');
}

/**
 * Offset of the `&name` that anchors `node` in `source`. A node's range starts at its content; its
 * anchor is written before that (on the line above, for a block mapping), with nothing but spaces,
 * comments and a tag in between. Falls back to the node's own start when the text is not at hand.
 */
export function anchorOffset(node: Node, source: string): number {
  const start = node.range?.[0] ?? 0;
  if (!node.anchor || source === '') return start;
  const at = source.lastIndexOf(`&${node.anchor}`, start);
  return at >= 0 ? at : start;
}
