// Every key binding in one table: the input handler, the footer and the `?` overlay all read it.
import type { Key } from 'ink';

export type KeyName = string;

const CONTROL_CHARS: Record<string, KeyName> = { '\r': 'enter', '\n': 'enter', '\x7f': 'backspace', '\b': 'backspace', '\t': 'tab', '\x1b': 'esc', '\x03': 'ctrl-c' };

/**
 * Ink's key event as names, one per key: several plain keys arriving in one chunk (typed fast,
 * pasted, or sent by tmux) come as one string, and each must count.
 */
export function keyNames(input: string, key: Key): KeyName[] {
  const plain = !(key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.return || key.escape || key.tab || key.backspace || key.delete || key.ctrl);
  if (!plain || input.length <= 1) return [keyName(input, key)];
  return [...input].map((ch) => CONTROL_CHARS[ch] ?? ch);
}

/** Ink's key event as one name: 'up', 'enter', 'esc', 'ctrl-c', or the character typed. */
export function keyName(input: string, key: Key): KeyName {
  if (key.ctrl) return `ctrl-${input}`;
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return 'tab';
  if (key.backspace || key.delete) return 'backspace';
  return input;
}

export type Intent =
  | 'up' | 'down' | 'page-up' | 'page-down' | 'open' | 'back' | 'quit' | 'help' | 'filter' | 'refresh'
  | 'new-service' | 'logs' | 'logs-scope' | 'inspect' | 'follow' | 'edit' | 'edit-image' | 'edit-replicas' | 'edit-env' | 'edit-placement'
  | 'apply' | 'ignore-down' | 'approve-one' | 'approve-machine' | 'approve-all' | 'stop-here'
  | 'promote' | 'roll-back' | 'resume' | 'abort' | 'history' | 'plan-rollback' | 'canary'
  | 'plan-project' | 'plan-from-compose' | 'apply-project';

export type KeyContext = 'cluster' | 'service' | 'history' | 'plan' | 'project-plan' | 'execute' | 'approval' | 'canary' | 'paused' | 'finished';

export interface Binding {
  keys: KeyName[];
  /** How the footer and help show the keys. */
  label: string;
  /** One or two words for the footer. */
  short?: string;
  intent: Intent;
  help: string;
  /** Changes the cluster: off in --readonly. */
  mutating?: boolean;
  /** Shown in the footer (the rest only in `?`). */
  footer?: boolean;
}

const move: Binding[] = [
  { keys: ['up', 'k'], label: '↑/k', intent: 'up', help: 'move up' },
  { keys: ['down', 'j'], label: '↓/j', intent: 'down', help: 'move down' },
  { keys: ['pageup'], label: 'PgUp', intent: 'page-up', help: 'page up' },
  { keys: ['pagedown'], label: 'PgDn', intent: 'page-down', help: 'page down' },
];

const common: Binding[] = [
  { keys: ['?'], label: '?', intent: 'help', short: 'help', help: 'help: every key of this screen', footer: true },
  { keys: ['q', 'ctrl-c'], label: 'q', intent: 'quit', short: 'quit', help: 'quit (asks first while a deploy runs; there ctrl-c stops the run, twice rolls it back)', footer: true },
];

export const BINDINGS: Record<KeyContext, Binding[]> = {
  cluster: [
    ...move,
    { keys: ['enter'], label: 'enter', intent: 'open', short: 'open', help: 'open the selected service', footer: true },
    { keys: ['/'], label: '/', intent: 'filter', short: 'filter', help: 'filter services by name', footer: true },
    { keys: ['n'], label: 'n', intent: 'new-service', short: 'new', help: 'new service from a spec file', mutating: true, footer: true },
    { keys: ['r'], label: 'r', intent: 'refresh', short: 'refresh', help: 'refresh now (it also refreshes on every Docker event)', footer: true },
    { keys: ['P'], label: 'P', intent: 'plan-project', help: 'plan the whole compose project given with --compose (every service, in order)', mutating: true },
    ...common,
  ],
  service: [
    ...move,
    { keys: ['l'], label: 'l', intent: 'logs', short: 'logs', help: 'logs of the selected container (tail, following)', footer: true },
    { keys: ['f'], label: 'f', intent: 'follow', help: 'pause/resume following the logs' },
    { keys: ['m'], label: 'm', intent: 'logs-scope', help: 'logs of the whole service, every container merged by time (m again: the selected container only)' },
    { keys: ['i'], label: 'i', intent: 'inspect', short: 'inspect', help: 'inspect the selected container', footer: true },
    { keys: ['h'], label: 'h', intent: 'history', short: 'history', help: 'deploy history of this service (a rollback is planned from there)', footer: true },
    { keys: ['t'], label: 't', intent: 'edit-image', short: 'image', help: 'change the image or tag', mutating: true, footer: true },
    { keys: ['s'], label: 's', intent: 'edit-replicas', short: 'scale', help: 'scale: set the number of replicas', mutating: true, footer: true },
    { keys: ['v'], label: 'v', intent: 'edit-env', short: 'env', help: 'set an env var (KEY=VALUE; KEY= removes it)', mutating: true, footer: true },
    { keys: ['p'], label: 'p', intent: 'edit-placement', short: 'placement', help: 'choose the machines it may run on', mutating: true, footer: true },
    { keys: ['e'], label: 'e', intent: 'edit', short: 'edit spec', help: 'edit the whole spec in $VISUAL/$EDITOR', mutating: true, footer: true },
    { keys: ['d'], label: 'd', intent: 'plan-from-compose', help: 'plan this service as the compose file given with --compose describes it (this service only)', mutating: true },
    { keys: ['P'], label: 'P', intent: 'plan-project', help: 'plan the whole compose project given with --compose (every service, in order)', mutating: true },
    { keys: ['r'], label: 'r', intent: 'refresh', short: 'refresh', help: 'refresh now' },
    { keys: ['esc'], label: 'esc', intent: 'back', short: 'back', help: 'back (closes logs/inspect first)', footer: true },
    ...common,
  ],
  history: [
    ...move,
    { keys: ['enter'], label: 'enter', intent: 'plan-rollback', short: 'plan rollback', help: 'plan a rollback to the selected deploy: its spec and image, shown as a plan to approve', mutating: true, footer: true },
    { keys: ['esc'], label: 'esc', intent: 'back', short: 'back', help: 'back to the service', footer: true },
    ...common,
  ],
  plan: [
    ...move.map((b) => ({ ...b, help: b.help.replace('move', 'scroll') })),
    { keys: ['enter', 'y'], label: 'enter', intent: 'apply', short: 'apply', help: 'go ahead: execute step by step', mutating: true, footer: true },
    { keys: ['e'], label: 'e', intent: 'edit', short: 'edit spec', help: 'edit this spec in $VISUAL/$EDITOR', mutating: true, footer: true },
    { keys: ['c'], label: 'c', intent: 'canary', short: 'canary', help: 'plan it with a canary first (or without again): the first batch on one machine, then promote or roll back', mutating: true, footer: true },
    { keys: ['f'], label: 'f', intent: 'ignore-down', help: 'refused because a machine is down: plan anyway, as if it held nothing (it may then run twice)', mutating: true },
    { keys: ['esc'], label: 'esc', intent: 'back', short: 'back', help: 'discard this change and go back', footer: true },
    ...common,
  ],
  'project-plan': [
    ...move.map((b) => ({ ...b, help: b.help.replace('move', 'scroll') })),
    { keys: ['enter', 'y'], label: 'enter', intent: 'apply-project', short: 'apply', help: 'go ahead: run every service of the project in order, each step by step (a approves the rest)', mutating: true, footer: true },
    { keys: ['esc'], label: 'esc', intent: 'back', short: 'back', help: 'discard this plan and go back', footer: true },
    ...common,
  ],
  approval: [
    { keys: ['enter'], label: 'enter', intent: 'approve-one', short: 'approve', help: 'approve this operation', footer: true },
    { keys: ['m'], label: 'm', intent: 'approve-machine', short: 'this machine', help: 'approve the rest of this machine', footer: true },
    { keys: ['a'], label: 'a', intent: 'approve-all', short: 'all', help: 'approve all remaining operations', footer: true },
    { keys: ['s'], label: 's', intent: 'stop-here', short: 'stop here', help: 'stop here (nothing is left half-done)', footer: true },
    ...common,
  ],
  canary: [
    { keys: ['p', 'enter'], label: 'p', intent: 'promote', short: 'promote', help: 'promote the canary: roll the change out to the rest', footer: true },
    { keys: ['b'], label: 'b', intent: 'roll-back', short: 'roll back', help: 'roll the canary back: its old container runs again', footer: true },
    { keys: ['s'], label: 's', intent: 'stop-here', short: 'stop, keep it', help: 'stop here and leave the canary up (a later deploy promotes it)', footer: true },
    ...common,
  ],
  paused: [
    { keys: ['c', 'enter'], label: 'c', intent: 'resume', short: 'resume', help: 'resume the rollout with the next batch', footer: true },
    { keys: ['b'], label: 'b', intent: 'roll-back', short: 'roll back', help: 'roll back every change of this run', footer: true },
    { keys: ['x'], label: 'x', intent: 'abort', short: 'abort', help: 'abort: leave old (stopped) and new containers as they are', footer: true },
    ...common,
  ],
  execute: [
    { keys: ['a'], label: 'a', intent: 'approve-all', short: 'approve the rest', help: 'approve every operation still to come', footer: true },
    { keys: ['s'], label: 's', intent: 'stop-here', short: 'stop after this', help: 'stop after the operations under way (nothing is left half-done)', footer: true },
    ...common,
  ],
  finished: [
    { keys: ['esc', 'enter'], label: 'esc', intent: 'back', short: 'back', help: 'back to where the change started', footer: true },
    ...common,
  ],
};

export function findBinding(context: KeyContext, name: KeyName): Binding | undefined {
  return BINDINGS[context].find((b) => b.keys.includes(name));
}
