// What each key intent does: the bridge from the key table to the controller. No I/O here.
import type { Controller } from './controller.js';
import type { Intent } from './keys.js';
import { selectedContainer, visibleServices } from './state/reducer.js';

export function runIntent(intent: Intent, controller: Controller): void {
  const { store } = controller;
  const state = store.getState();
  const screen = state.screen;
  const page = Math.max(1, state.size.rows - 12);
  const list = screen.kind === 'service' ? 'containers' : screen.kind === 'plan' || screen.kind === 'project-plan' ? 'plan' : screen.kind === 'history' ? 'history' : 'services';
  switch (intent) {
    case 'up':
    case 'down':
    case 'page-up':
    case 'page-down': {
      const delta = intent === 'up' ? -1 : intent === 'down' ? 1 : intent === 'page-up' ? -page : page;
      store.dispatch({ type: 'cursor', list, delta });
      // One container's logs follow the cursor to another container; the whole service's stay, and
      // so does a pane whose container is still the selected one (a paused pane stays as it is).
      const selected = selectedContainer(store.getState());
      if (state.logs?.scope.kind === 'container' && selected && selected.id !== state.logs.scope.containerId) controller.openLogs(state.logs.follow);
      return;
    }
    case 'open': {
      const service = visibleServices(state)[state.cursor.services];
      if (service) controller.navigate({ kind: 'service', serviceId: service.id });
      return;
    }
    case 'back':
      controller.back();
      return;
    case 'quit':
      controller.requestQuit(0);
      return;
    case 'help':
      store.dispatch({ type: 'modal', modal: { kind: 'help' } });
      return;
    case 'filter':
      store.dispatch({ type: 'modal', modal: { kind: 'filter', value: state.filter } });
      return;
    case 'refresh':
      void controller.refresh();
      return;
    case 'plan-project':
      controller.planWholeProject();
      return;
    case 'plan-from-compose':
      if (screen.kind === 'service') controller.planFromCompose(screen.serviceId);
      return;
    case 'apply-project':
      controller.applyWholeProject();
      return;
    case 'new-service':
      store.dispatch({ type: 'modal', modal: { kind: 'open-spec', value: '', choices: controller.specChoices(), cursor: 0 } });
      return;
    case 'logs':
      if (state.logs) controller.closeLogs();
      else controller.openLogs(true);
      return;
    case 'follow':
      if (state.logs) controller.openLogs(!state.logs.follow);
      return;
    case 'logs-scope':
      controller.openLogs(state.logs?.follow ?? true, state.logs?.scope.kind === 'service' ? 'container' : 'service');
      return;
    case 'inspect':
      if (state.inspect) store.dispatch({ type: 'inspect' });
      else void controller.inspectSelected();
      return;
    case 'edit':
      controller.editInEditor(screen.kind === 'service' ? screen.serviceId : screen.kind === 'plan' ? screen.draft.serviceId : undefined);
      return;
    case 'edit-image':
    case 'edit-replicas':
    case 'edit-env': {
      if (screen.kind !== 'service') return;
      const spec = controller.currentSpec(screen.serviceId);
      const field = intent === 'edit-image' ? 'image' : intent === 'edit-replicas' ? 'replicas' : 'env';
      if (field === 'replicas' && spec?.mode === 'global') {
        store.dispatch({ type: 'notice', text: 'a global service runs one container per machine: use p (placement) to choose machines' });
        return;
      }
      const value = field === 'image' ? spec?.image ?? '' : field === 'replicas' ? String(spec?.replicas ?? 1) : '';
      store.dispatch({ type: 'modal', modal: { kind: 'prompt', field, value, fresh: true } });
      return;
    }
    case 'edit-placement': {
      if (screen.kind !== 'service') return;
      const chosen = controller.currentSpec(screen.serviceId)?.placement?.machines ?? [];
      const machines = (state.cluster.state?.machines ?? []).map((m) => ({ id: m.id, name: m.name, selected: chosen.includes(m.name) || chosen.includes(m.id) }));
      store.dispatch({ type: 'modal', modal: { kind: 'placement', machines, cursor: 0 } });
      return;
    }
    case 'apply':
      controller.apply();
      return;
    case 'ignore-down':
      controller.planIgnoringDown();
      return;
    case 'canary':
      controller.toggleCanary();
      return;
    case 'approve-one':
      controller.approve('one');
      return;
    case 'approve-machine':
      controller.approve('machine');
      return;
    case 'approve-all':
      controller.approve('all');
      return;
    case 'stop-here':
      controller.approve('stop');
      return;
    case 'promote':
      controller.approve('promote');
      return;
    case 'roll-back':
      controller.approve('rollback');
      return;
    case 'resume':
      controller.approve('resume');
      return;
    case 'abort':
      controller.approve('abort');
      return;
    case 'history':
      if (screen.kind === 'service') controller.openHistory(screen.serviceId);
      return;
    case 'plan-rollback':
      controller.planRollback();
      return;
  }
}
