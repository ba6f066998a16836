// Keys while a modal is open: text entry, choices, and the questions the view asks.
import type { Controller } from './controller.js';
import type { KeyName } from './keys.js';
import type { Modal } from './state/app-state.js';

/** A printable character typed into a text field (not a control key). */
function typed(name: KeyName): string | undefined {
  return name.length >= 1 && !name.startsWith('ctrl-') && !['up', 'down', 'left', 'right', 'pageup', 'pagedown', 'enter', 'esc', 'tab', 'backspace', 'ctrl-c'].includes(name) && !/[\x00-\x1f]/.test(name) ? name : undefined;
}

function edit(value: string, name: KeyName): string {
  if (name === 'backspace') return value.slice(0, -1);
  if (name === 'ctrl-u') return '';
  return value + (typed(name) ?? '');
}

export function handleModalKey(modal: Modal, name: KeyName, controller: Controller): void {
  const { store } = controller;
  const set = (m?: Modal) => store.dispatch({ type: 'modal', modal: m });
  const screen = store.getState().screen;
  if (name === 'ctrl-c') {
    // A run is never cut off mid-operation: Ctrl-C interrupts it (again: rolls it back).
    if (controller.executing) controller.interrupt();
    else if (modal.kind === 'confirm-quit') controller.quit(130);
    else controller.requestQuit(130);
    return;
  }
  switch (modal.kind) {
    case 'help':
      set();
      return;
    case 'filter':
      if (name === 'enter') {
        store.dispatch({ type: 'filter', value: modal.value });
        set();
      } else if (name === 'esc') {
        store.dispatch({ type: 'filter', value: '' });
        set();
      } else {
        const value = edit(modal.value, name);
        store.dispatch({ type: 'filter', value });
        set({ ...modal, value });
      }
      return;
    case 'prompt':
      if (name === 'esc') set();
      else if (name === 'enter') {
        if (screen.kind !== 'service') return set();
        const error = controller.quickEdit(screen.serviceId, modal.field, modal.value);
        if (error) set({ ...modal, error });
      } else set({ ...modal, value: edit(modal.fresh && typed(name) ? '' : modal.value, name), error: undefined, fresh: false });
      return;
    case 'placement': {
      if (name === 'esc') return set();
      if (name === 'up' || name === 'k') return set({ ...modal, cursor: Math.max(0, modal.cursor - 1) });
      if (name === 'down' || name === 'j') return set({ ...modal, cursor: Math.min(modal.machines.length - 1, modal.cursor + 1) });
      if (name === ' ' || name === 'x') {
        return set({ ...modal, machines: modal.machines.map((m, i) => (i === modal.cursor ? { ...m, selected: !m.selected } : m)) });
      }
      if (name === 'enter' && screen.kind === 'service') {
        controller.setPlacement(screen.serviceId, modal.machines.filter((m) => m.selected).map((m) => m.name));
      }
      return;
    }
    case 'open-spec': {
      if (name === 'esc') return set();
      if (name === 'up') return set({ ...modal, cursor: Math.max(0, modal.cursor - 1) });
      if (name === 'down') return set({ ...modal, cursor: Math.min(modal.choices.length - 1, modal.cursor + 1) });
      if (name === 'enter') {
        const path = modal.value.trim() || modal.choices[modal.cursor];
        if (!path) return set({ ...modal, error: 'type the path of a spec file' });
        const error = controller.openSpecFile(path);
        if (error) set({ ...modal, error });
        return;
      }
      return set({ ...modal, value: edit(modal.value, name), error: undefined });
    }
    case 'spec-errors':
      if (name === 'e') {
        set();
        controller.editInEditor(screen.kind === 'service' ? screen.serviceId : undefined, modal.draftText);
      } else if (name === 'd' || name === 'esc') {
        set();
        store.dispatch({ type: 'notice', text: 'edit discarded: nothing changed' });
      }
      return;
    case 'confirm-quit':
      if (name === 'y') controller.quitAfterCurrent(130);
      else if (name === 'n' || name === 'esc') set();
      return;
    case 'confirm-risky':
      if (name === 'esc') return set();
      if (name === 'enter') {
        if (modal.value !== modal.service) return set({ ...modal, error: `that is not ${modal.service}: nothing runs until the name matches (esc cancels)` });
        set();
        controller.apply(true);
        return;
      }
      return set({ ...modal, value: edit(modal.value, name), error: undefined });
  }
}
