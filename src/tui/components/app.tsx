import { Box, Text, useInput, useStdin, useStdout } from 'ink';
import { useEffect } from 'react';
import type { Controller } from '../controller.js';
import { runIntent } from '../intents.js';
import type { KeyContext, KeyName } from '../keys.js';
import { findBinding, keyNames } from '../keys.js';
import { handleModalKey } from '../modal-input.js';
import type { AppState } from '../state/app-state.js';
import { useAppState } from '../state/store.js';
import { theme } from '../theme.js';
import { ClusterScreen } from './cluster-screen.js';
import { ExecuteScreen } from './execute-screen.js';
import { Footer } from './footer.js';
import { HelpOverlay } from './help-overlay.js';
import { HistoryScreen } from './history-screen.js';
import { ModalView, modalHeight } from './modal-view.js';
import { PlanScreen } from './plan-screen.js';
import { ProjectPlanScreen } from './project-plan-screen.js';
import { ServiceScreen } from './service-screen.js';

export function keyContext(state: AppState): KeyContext {
  switch (state.screen.kind) {
    case 'cluster':
      return 'cluster';
    case 'service':
      return 'service';
    case 'history':
      return 'history';
    case 'plan':
      return 'plan';
    case 'project-plan':
      return 'project-plan';
    case 'execute':
      if (state.execution?.outcome) return 'finished';
      switch (state.execution?.pending[0]?.kind) {
        case 'operation':
          return 'approval';
        case 'canary':
          return 'canary';
        case 'paused':
          return 'paused';
        default:
          return 'execute';
      }
  }
}

function handleKey(name: KeyName, controller: Controller): void {
  const now = controller.store.getState();
  if (now.notice) controller.store.dispatch({ type: 'notice' });
  if (now.modal) return handleModalKey(now.modal, name, controller);
  // During a run Ctrl-C is an interrupt, as on the command line: the first stops, the second rolls back.
  if (name === 'ctrl-c') return controller.executing ? controller.interrupt() : controller.requestQuit(130);
  const binding = findBinding(keyContext(now), name);
  if (!binding) return;
  if (binding.mutating && now.readonly) {
    controller.store.dispatch({ type: 'notice', text: `read-only: "${binding.help}" is off (started with --readonly)` });
    return;
  }
  runIntent(binding.intent, controller);
}

/** The whole view: one input handler, one screen, its modal, and the footer. */
export function App({ controller }: { controller: Controller }) {
  const state = useAppState(controller.store);
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();

  useEffect(() => {
    const onResize = () => controller.store.dispatch({ type: 'resize', columns: stdout.columns, rows: stdout.rows });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [controller, stdout]);

  useInput(
    (input, key) => {
      // Read the newest state, not this render's: keys arriving in one burst each see the last one's effect.
      for (const name of keyNames(input, key)) handleKey(name, controller);
    },
    { isActive: isRawModeSupported === true },
  );

  const context = keyContext(state);
  // Rows left for the screen: the title line, the footer (and its notice), the modal, and one row
  // kept free below the frame. Ink draws a frame as tall as the terminal by clearing the screen and
  // writing it whole, every frame; a shorter one is written as the rows that changed (row-diff.ts).
  const frameRows = state.size.rows - 1;
  const body = Math.max(4, frameRows - 2 - (state.notice ? 1 : 0) - (state.modal ? modalHeight(state.modal, state.size.columns) : 0));
  return (
    <Box flexDirection="column" width={state.size.columns}>
      <Text wrap="truncate" color={theme.accent}>
        dockplan <Text color={theme.dim}>· {state.clusterName}{state.readonly ? ' · read-only' : ''}</Text>
      </Text>
      {state.modal?.kind === 'help' ? <HelpOverlay context={context} readonly={state.readonly} rows={frameRows - 2} columns={state.size.columns} /> : (
        <>
          {state.screen.kind === 'cluster' ? <ClusterScreen state={state} rows={body} /> : null}
          {state.screen.kind === 'service' ? <ServiceScreen state={state} serviceId={state.screen.serviceId} rows={body} columns={state.size.columns} /> : null}
          {state.screen.kind === 'history' ? <HistoryScreen state={state} name={state.screen.name} view={state.screen.view} rows={body} columns={state.size.columns} /> : null}
          {state.screen.kind === 'project-plan' ? <ProjectPlanScreen screen={state.screen} rows={body} columns={state.size.columns} offset={state.cursor.plan} /> : null}
          {state.screen.kind === 'plan' ? <PlanScreen draft={state.screen.draft} rows={body} columns={state.size.columns} offset={state.cursor.plan} showSecrets={state.showSecrets} /> : null}
          {state.screen.kind === 'execute' && state.execution ? <ExecuteScreen draft={state.screen.draft} view={state.execution} rows={body} columns={state.size.columns} /> : null}
          {state.modal ? <ModalView modal={state.modal} /> : null}
        </>
      )}
      <Footer context={context} readonly={state.readonly} notice={state.notice} />
    </Box>
  );
}
