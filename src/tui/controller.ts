// The interactive view's intents: every load, plan, edit and execution happens here, through the
// engine; components only render the store and call these methods.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '../execute/client.js';
import { Deployment } from '../execute/deployment.js';
import { messageOf } from '../execute/errors.js';
import { PlanError } from '../plan/plan-error.js';
import type { ApplyDeps } from '../execute/apply.js';
import type { ExecutionControl } from '../execute/execution.js';
import { applyProject, planProject, projectInputOf, type ProjectEvent } from '../execute/project.js';
import { ComposeError, loadComposeProject, type ComposeProject } from '../compose/project.js';
import type { ApprovalDecision, ApprovalRequest, ExecutionResult } from '../execute/events.js';
import type { ContainerState } from '../model/cluster.js';
import { findService } from '../model/cluster.js';
import { formatSpecError, parseSpec } from '../model/parse-spec.js';
import type { ServiceSpec } from '../model/spec.js';
import { specToYaml } from '../model/spec-yaml.js';
import { currentSpecOf } from '../plan/current-spec.js';
import { SecretKey } from '../model/secret-key.js';
import { revealSpec, runningSecrets } from '../plan/secret-seal.js';
import { observeService } from '../execute/observe.js';
import { rollbackOrigin, rollbackSpec } from '../execute/rollback.js';
import { selectedHistoryEntry } from './state/history-view.js';
import type { Draft, QuickField, Screen } from './state/app-state.js';
import { selectedContainer, serviceById } from './state/reducer.js';
import type { Store } from './state/store.js';
import { inspectLines } from './inspect-lines.js';
import { ServiceLogs } from '../execute/log-follow.js';
import { LOG_PANE_FLUSH_MS, LOG_PANE_TAIL, paneLinesOf, type LogPaneLine, type LogPaneScope } from './state/logs-view.js';
import { fileProblem } from '../model/file-problem.js';
import { cacheDir } from '../store/xdg.js';

/** A cluster load that takes longer than this (ms) is said on screen ("refreshing…"). */
export const REFRESHING_AFTER_MS = 250;

export interface ControllerOptions {
  /** Runs fn with the terminal handed over (the editor owns it meanwhile), then restores the view. */
  suspend: (fn: () => void) => void;
  /** Ends the program with this exit code. */
  exit: (code: number) => void;
  editor?: string;
  specsDir?: string;
  /** The compose files given with --compose: the project the view offers to plan whole or one service at a time. */
  projectFiles?: string[];
  /** The deploy lock and the history runs go through (the composition root makes them). */
  deps?: Omit<ApplyDeps, 'client'>;
}

/** A key's meaning at an approval: the engine's decision depends on what is asked. */
export type ApprovalChoice = 'one' | 'machine' | 'all' | 'stop' | 'promote' | 'rollback' | 'resume' | 'abort';

function decisionFor(request: ApprovalRequest, choice: ApprovalChoice): ApprovalDecision | undefined {
  switch (request.kind) {
    case 'operation':
      return ({ one: 'approve', machine: 'approve-machine', all: 'approve-all', stop: 'stop' } as const)[choice as 'one'];
    case 'canary':
      return ({ promote: 'promote', one: 'promote', rollback: 'rollback', stop: 'stop' } as const)[choice as 'one'];
    case 'paused':
      return ({ resume: 'resume', one: 'resume', rollback: 'rollback', abort: 'abort' } as const)[choice as 'one'];
  }
}

export class Controller {
  private nextDraftId = 1;
  /** The deployment behind the plan on screen (a new draft replaces it). */
  private deployment?: { draftId: number; deployment: Deployment };
  /** The plan being applied: its controls (answers, interrupt). */
  /** The run under way (one service's, or a whole project's): its controls (answers, interrupt). */
  private application?: ExecutionControl;
  /** Each project plan shown gets a number; a plan finished for an earlier one is dropped. */
  private nextProjectPlanId = 1;
  /** Ctrl-C pressed after apply but before the engine handed back its controls. */
  private interruptsBeforeStart = 0;
  private stopWatching?: () => void;
  /** Stops the logs pane's stream. */
  private stopLogs?: () => void;
  private loading?: Promise<void>;
  private quitAfterRun?: number;
  private disposed = false;
  /** Each open of the logs pane gets a number; reads from an earlier one are dropped. */
  private logsOpened = 0;

  constructor(
    readonly client: Client,
    readonly store: Store,
    private readonly options: ControllerOptions,
  ) {}

  private get state() {
    return this.store.getState();
  }

  private dispatch: Store['dispatch'] = (action) => this.store.dispatch(action);

  // ---- cluster ---------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.options.projectFiles) this.loadProject();
    await this.refresh();
    // The user may have quit while the first load was under way.
    if (this.disposed) return;
    this.stopWatching = this.client.watch(() => void this.refresh());
  }

  /** Reloads every machine; concurrent calls share one load. */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      // "refreshing…" only for a load that takes a while: most take a moment (one on every Docker
      // event), and saying so would draw two frames each time for nothing that changed.
      const slow = setTimeout(() => this.dispatch({ type: 'cluster-loading' }), REFRESHING_AFTER_MS);
      // The deploy locks are read alongside; when they cannot be, the last ones read stay shown.
      const locks = this.options.deps?.lock?.survey().then((s) => s.locks, () => undefined);
      try {
        this.dispatch({ type: 'cluster-loaded', state: await this.client.loadState() });
        const held = await locks;
        if (held) this.dispatch({ type: 'locks-loaded', locks: held });
        // The service on screen is inspected again: its limits in force may have changed.
        const screen = this.state.screen;
        if (screen.kind === 'service') void this.loadRunningSpec(screen.serviceId);
      } catch (err) {
        this.dispatch({ type: 'cluster-failed', error: messageOf(err) });
      } finally {
        clearTimeout(slow);
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  navigate(screen: Screen): void {
    this.closeLogs();
    this.dispatch({ type: 'navigate', screen });
    if (screen.kind === 'service') void this.loadRunningSpec(screen.serviceId);
  }

  back(): void {
    const s = this.state.screen;
    // A service that is gone has nothing to show, a logs pane of it included: one esc leaves it.
    if (s.kind === 'service' && !serviceById(this.state, s.serviceId)) {
      this.navigate({ kind: 'cluster' });
      return;
    }
    if (this.state.logs || this.state.inspect) {
      this.closeLogs();
      this.dispatch({ type: 'inspect' });
      return;
    }
    if (s.kind === 'service') this.navigate({ kind: 'cluster' });
    else if (s.kind === 'plan' || s.kind === 'project-plan') this.navigate(s.back);
    else if (s.kind === 'history') this.navigate({ kind: 'service', serviceId: s.serviceId });
    else if (s.kind === 'execute' && this.state.execution?.outcome) this.navigate(s.back);
  }

  // ---- drafts: quick edits, the editor, spec files ---------------------------------------

  /**
   * The spec the service runs: read from its containers, with the limits in force and the image it
   * was created from (see runningSpecOf) once the service has been inspected, its labels until then.
   */
  currentSpec(serviceId: string): ServiceSpec | undefined {
    const inspected = this.state.runningSpecs[serviceId];
    if (inspected) return inspected;
    const service = serviceById(this.state, serviceId);
    const state = this.state.cluster.state;
    return service && state ? currentSpecOf(service, state) : undefined;
  }

  /** Inspects the service's containers and keeps the spec it really runs (limits in force included). */
  async loadRunningSpec(serviceId: string): Promise<ServiceSpec | undefined> {
    const name = serviceById(this.state, serviceId)?.name;
    if (!name) return undefined;
    try {
      const { state, service } = await observeService(this.client, name);
      const sealed = service ? currentSpecOf(service, state) : undefined;
      // --show-secrets: the values its containers run with, in place of their hashes (a hash no
      // container opens stays a hash, never the mask, since an edit deploys this spec again).
      const spec = sealed && service && this.state.showSecrets ? revealSpec(sealed, runningSecrets(service.containers, SecretKey.generate), 'keep') : sealed;
      if (spec) this.dispatch({ type: 'running-spec', serviceId, spec });
      return spec;
    } catch (err) {
      this.dispatch({ type: 'notice', text: `inspect ${name}: ${messageOf(err)}` });
      return undefined;
    }
  }

  /**
   * Applies a quick edit to the spec the service runs now (inspected afresh, so limits updated in
   * place are kept); returns an error to show in the prompt, or undefined when planning starts.
   */
  quickEdit(serviceId: string, field: QuickField, value: string): string | undefined {
    if (!this.currentSpec(serviceId)) return 'this service has no readable spec: deploy it from its file first';
    const text = value.trim();
    let edit: (current: ServiceSpec) => { desired: ServiceSpec; origin: string };
    if (field === 'image') {
      // A new image is resolved afresh: the old pin belongs to the old image.
      edit = ({ image_ref: _pin, ...rest }) => ({ desired: { ...rest, image: text }, origin: `image ${rest.image} -> ${text}` });
    } else if (field === 'replicas') {
      if (!/^\d+$/.test(text)) return 'replicas: a whole number, 0 or more';
      edit = (current) => ({ desired: { ...current, replicas: Number(text) }, origin: `replicas ${current.replicas ?? 1} -> ${text}` });
    } else {
      const eq = text.indexOf('=');
      if (eq <= 0) return 'env: KEY=VALUE to set, KEY= to remove';
      const key = text.slice(0, eq);
      edit = (current) => {
        const env = { ...(current.env ?? {}) };
        if (eq === text.length - 1) delete env[key];
        else env[key] = text.slice(eq + 1);
        return { desired: { ...current, env }, origin: eq === text.length - 1 ? `env ${key} removed` : `env ${key} set` };
      };
    }
    const problems = this.validate(edit(this.currentSpec(serviceId)!).desired);
    if (problems) return problems;
    void this.planEdit(serviceId, edit);
    return undefined;
  }

  setPlacement(serviceId: string, machines: string[]): string | undefined {
    if (!this.currentSpec(serviceId)) return 'this service has no readable spec: deploy it from its file first';
    void this.planEdit(serviceId, (current) => ({
      desired: { ...current, placement: machines.length ? { machines } : undefined },
      origin: `placement: ${machines.length ? machines.join(', ') : 'any machine'}`,
    }));
    return undefined;
  }

  /** Plans an edit of the spec the service runs now, inspected afresh. */
  private async planEdit(serviceId: string, edit: (current: ServiceSpec) => { desired: ServiceSpec; origin: string }): Promise<void> {
    const current = (await this.loadRunningSpec(serviceId)) ?? this.currentSpec(serviceId);
    if (!current || this.disposed) return;
    const { desired, origin } = edit(current);
    this.planDraft(serviceId, current, desired, origin);
  }

  /** The same validation a spec file gets: written out and read back. */
  private validate(spec: ServiceSpec): string | undefined {
    const { errors } = parseSpec(specToYaml(spec), 'edit');
    return errors.length ? errors.map((e) => `${e.field}: ${e.message}`).join('; ') : undefined;
  }

  /** Opens the whole spec in $VISUAL/$EDITOR; `text` re-opens what the user wrote last time. */
  editInEditor(serviceId: string | undefined, text?: string): void {
    const base = this.state.screen.kind === 'plan' ? this.state.screen.draft.desired : serviceId ? this.currentSpec(serviceId) : undefined;
    // Under $XDG_CACHE_HOME/dockplan, folders 0700 and the file 0600: the spec holds its secrets.
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    const dir = mkdtempSync(join(cacheDir(), 'edit-'));
    const file = join(dir, `${base?.name ?? 'service'}.yaml`);
    writeFileSync(file, text ?? (base ? specToYaml(base) : ''), { mode: 0o600 });
    const editor = this.options.editor ?? process.env.VISUAL ?? process.env.EDITOR ?? 'vi';
    let edited = '';
    let failure: string | undefined;
    this.options.suspend(() => {
      failure = runEditor(editor, file);
      edited = readFileSync(file, 'utf8');
    });
    rmSync(dir, { recursive: true, force: true });
    if (failure) {
      this.dispatch({ type: 'notice', text: failure });
      return;
    }
    this.acceptSpecText(edited, file, 'edited in $EDITOR');
  }

  /** A spec written by the user: the service it names (if it exists) is the one it changes. */
  private acceptSpecText(text: string, file: string, origin: string) {
    const { spec, errors } = parseSpec(text, file);
    if (!spec) {
      this.dispatch({ type: 'modal', modal: { kind: 'spec-errors', errors: errors.map(formatSpecError), file, draftText: text } });
      return;
    }
    this.dispatch({ type: 'modal' });
    const cluster = this.state.cluster.state;
    const existing = spec.name && cluster ? findService(cluster, spec.name)?.id : undefined;
    this.planDraft(existing, existing ? this.currentSpec(existing) : undefined, spec, origin);
  }

  /** The spec files offered for a new service. */
  specChoices(): string[] {
    // The examples next to where the user stands, else the ones that ship with dockplan.
    const dirs = this.options.specsDir ? [this.options.specsDir] : [resolve('specs-examples'), shippedExamples()];
    for (const dir of dirs) {
      try {
        const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
        if (files.length > 0) return files.map((f) => join(dir, f));
      } catch {
        // not there: try the next place
      }
    }
    return [];
  }

  openSpecFile(path: string): string | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      return `cannot read ${path}: ${fileProblem(err)}`;
    }
    this.acceptSpecText(text, path, path);
    return undefined;
  }

  private planDraft(serviceId: string | undefined, current: ServiceSpec | undefined, desired: ServiceSpec, origin: string, ignoreDown = false, canary = false) {
    const draft: Draft = { id: this.nextDraftId++, serviceId, current, desired, origin, planning: 'pending', ignoreDown, canary };
    const back: Screen = serviceId ? { kind: 'service', serviceId } : { kind: 'cluster' };
    this.navigate({ kind: 'plan', draft, back });
    const deployment = new Deployment(this.client, desired, { ignoreDown, ...(canary ? { rollout: { canary: true } } : {}) });
    this.deployment = { draftId: draft.id, deployment };
    deployment.plan().then(
      ({ plan, names }) => this.dispatch({ type: 'draft-planned', draftId: draft.id, plan, names }),
      (err) => this.dispatch({ type: 'draft-failed', draftId: draft.id, error: messageOf(err), forcible: err instanceof PlanError && err.overridable === 'ignore-down' }),
    );
  }

  /**
   * Plans the draft on screen again with a canary first (its first batch on one machine, then a
   * promote question), or without one again.
   */
  toggleCanary(): void {
    const s = this.state.screen;
    if (s.kind !== 'plan' || s.draft.planning !== 'ready' || !s.draft.plan?.operations.length) return;
    const { serviceId, current, desired, origin, ignoreDown, canary } = s.draft;
    this.planDraft(serviceId, current, desired, origin, ignoreDown, !canary);
  }

  /** Plans the refused draft on screen again as if the machines that are down held nothing. */
  planIgnoringDown(): void {
    const s = this.state.screen;
    if (s.kind !== 'plan' || s.draft.planning !== 'error' || !s.draft.forcible) return;
    const { serviceId, current, desired, origin } = s.draft;
    this.planDraft(serviceId, current, desired, `${origin} · ignoring machines that are down`, true);
  }

  // ---- a compose project ----------------------------------------------------------------

  /** Reads the compose project given with --compose afresh (edits to its files are seen); undefined when it cannot be read (the view says why). */
  loadProject(): ComposeProject | undefined {
    const files = this.options.projectFiles;
    if (!files) return undefined;
    try {
      const project = loadComposeProject({ files, env: process.env });
      const input = projectInputOf(project);
      this.dispatch({ type: 'project-loaded', project: {
        status: 'ready', files, name: project.name, warnings: input.warnings ?? [],
        services: project.services.map((s) => ({ key: s.key, name: s.spec.name ?? s.key })),
      } });
      return project;
    } catch (err) {
      const error = err instanceof ComposeError ? err.message : messageOf(err);
      this.dispatch({ type: 'project-loaded', project: { status: 'error', files, services: [], warnings: [], error } });
      return undefined;
    }
  }

  /** Plans every service of the project given with --compose, in order, on the PROJECT PLAN screen. */
  planWholeProject(): void {
    if (!this.options.projectFiles) {
      this.dispatch({ type: 'notice', text: 'no compose project: start dockplan --compose compose.yaml to plan one' });
      return;
    }
    const project = this.loadProject();
    if (!project) {
      this.dispatch({ type: 'notice', text: `the compose project cannot be read: ${this.state.project?.error?.split('\n')[0] ?? ''}` });
      return;
    }
    const id = this.nextProjectPlanId++;
    const back = this.state.screen.kind === 'project-plan' ? this.state.screen.back : this.state.screen;
    this.navigate({ kind: 'project-plan', id, planning: 'pending', back });
    planProject(this.client, projectInputOf(project)).then(
      (plan) => this.dispatch({ type: 'project-planned', id, plan }),
      (err) => this.dispatch({ type: 'project-planned', id, error: messageOf(err) }),
    );
  }

  /** Plans the service on screen as the compose project describes it (this service only), like any other draft. */
  planFromCompose(serviceId: string): void {
    const name = serviceById(this.state, serviceId)?.name;
    const project = this.loadProject();
    if (!project) {
      this.dispatch({ type: 'notice', text: this.options.projectFiles ? 'the compose project cannot be read (see PROJECT on the cluster screen)' : 'no compose project: start dockplan --compose compose.yaml' });
      return;
    }
    const service = project.services.find((s) => s.spec.name === name);
    if (!service) {
      this.dispatch({ type: 'notice', text: `${name} is not a service of project ${project.name} (it has ${project.services.map((s) => s.key).join(', ')})` });
      return;
    }
    this.planDraft(serviceId, this.currentSpec(serviceId), { ...service.spec, project: project.name }, `${project.files.map((f) => f.split('/').pop()).join(' + ')}: ${service.key}`);
  }

  /**
   * Runs the project plan on screen: every service in order through the engine's project run, each
   * on the execute screen in turn, step by step (a approves the rest of the whole project).
   */
  applyWholeProject(): void {
    const s = this.state.screen;
    if (s.kind !== 'project-plan' || s.planning !== 'ready' || !s.plan) return;
    const plan = s.plan;
    const running = plan.sections.filter((x) => x.plan.operations.length > 0);
    if (running.length === 0) return;
    const keys = plan.sections.map((x) => x.key);
    let shown: string | undefined;
    const show = (key: string) => {
      const section = plan.sections.find((x) => x.key === key)!;
      // `a` given during this run carries over to its next service; a new run starts step by step.
      const auto = shown !== undefined && this.state.execution?.auto.kind === 'all' ? this.state.execution.auto : undefined;
      const existing = this.state.cluster.state ? findService(this.state.cluster.state, section.plan.serviceName)?.id : undefined;
      const draft: Draft = { id: this.nextDraftId++, serviceId: existing, desired: section.plan.spec, origin: `project ${plan.project}: ${key} (${keys.indexOf(key) + 1} of ${keys.length})`, planning: 'ready', plan: section.plan, names: section.names };
      this.dispatch({ type: 'execution-start', draft });
      if (auto) this.dispatch({ type: 'execution-auto', auto });
      this.dispatch({ type: 'project-run', run: { project: plan.project, keys, index: keys.indexOf(key) } });
      this.dispatch({ type: 'navigate', screen: { kind: 'execute', draft, back: s.back } });
      shown = key;
    };
    show(running[0]!.key);
    const app = applyProject(plan, { ...(this.options.deps ?? {}), client: this.client }, {
      approval: 'each',
      origin: `project ${plan.project}`,
      onEvent: (event: ProjectEvent) => {
        if (event.service !== shown) show(event.service);
        if (event.type === 'approval-requested' && this.autoAnswer(event.request)) return;
        this.dispatch({ type: 'execution-event', event });
      },
    });
    this.application = app;
    if (this.interruptsBeforeStart > 0) app.interrupt();
    app.result.then(
      (r) => {
        const last = [...r.services].reverse().find((x) => x.result);
        const words = r.services.map((x) => `${x.key} ${x.outcome === 'not-run' ? 'not started' : x.outcome}`).join(' · ');
        this.dispatch({ type: 'project-run', run: { project: plan.project, keys, index: shown ? keys.indexOf(shown) : 0, outcome: words } });
        this.finishExecution(last?.result ?? { runId: r.runId, outcome: r.outcome, completed: [], failed: [], undone: [], journal: [] });
        this.dispatch({ type: 'notice', text: `project ${plan.project}: ${words}` });
      },
      (err: unknown) => this.finishExecution({ runId: app.runId, outcome: 'failed', completed: [], failed: [], undone: [], journal: [], failure: { message: messageOf(err) } }),
    );
  }

  // ---- history and rollback ----------------------------------------------------------------

  /** Opens the service's HISTORY screen and reads its records through the history in ControllerOptions.deps. */
  openHistory(serviceId: string): void {
    const name = serviceById(this.state, serviceId)?.name;
    if (!name) return;
    const history = this.options.deps?.history;
    if (!history) {
      this.navigate({ kind: 'history', serviceId, name, view: { status: 'error', records: [], error: 'no deploy history is kept in this session' } });
      return;
    }
    this.navigate({ kind: 'history', serviceId, name, view: { status: 'loading', records: [] } });
    history.list(name).then(
      (records) => this.dispatch({ type: 'history-loaded', serviceId, view: { status: 'ready', records, ...(history.describe ? { where: history.describe() } : {}) } }),
      (err) => this.dispatch({ type: 'history-loaded', serviceId, view: { status: 'error', records: [], error: messageOf(err) } }),
    );
  }

  /**
   * Plans a rollback to the deploy selected on the HISTORY screen: a draft of its recorded spec
   * (image pin kept, secrets opened with what the service's containers run; see rollbackSpec),
   * origin `rollback to <id>`, on the plan screen like any other draft. Says why (a notice, or on
   * the screen for a rollback refused over secrets no container runs any more) when it cannot.
   */
  planRollback(): void {
    const s = this.state.screen;
    if (s.kind !== 'history') return;
    const entry = selectedHistoryEntry(this.state);
    if (!entry) return;
    if (!entry.record) {
      this.dispatch({ type: 'notice', text: `${entry.deployId} was made from another machine: its spec is not in this history` });
      return;
    }
    if (entry.record.action === 'remove') {
      this.dispatch({ type: 'notice', text: `${entry.deployId} removed ${s.name}: there is no spec to roll back to` });
      return;
    }
    const record = entry.record;
    void (async () => {
      // What the containers run with: a secret the history keeps as a hash comes back only from one.
      const seen = await observeService(this.client, s.name).catch(() => undefined);
      const now = this.state.screen;
      if (now.kind !== 'history' || now.serviceId !== s.serviceId) return;
      const current = this.currentSpec(s.serviceId);
      let desired: ServiceSpec;
      try {
        desired = rollbackSpec(record, current, seen?.service?.containers ?? []);
      } catch (err) {
        // Too long for a notice line: the screen shows it in full.
        this.dispatch({ type: 'history-loaded', serviceId: s.serviceId, view: { ...now.view, refusal: messageOf(err) } });
        return;
      }
      this.planDraft(s.serviceId, current, desired, rollbackOrigin(entry.deployId));
    })();
  }

  // ---- execution -------------------------------------------------------------------------

  /**
   * Starts applying the plan on screen through the engine; each unit waits for approval. A risky
   * plan (see plan/risks.ts) first asks for the service's name typed back, unless `confirmed`.
   */
  apply(confirmed = false): void {
    const s = this.state.screen;
    if (s.kind !== 'plan' || s.draft.planning !== 'ready' || !s.draft.plan?.operations.length) return;
    if (this.deployment?.draftId !== s.draft.id) return;
    const plan = s.draft.plan;
    if (plan.risks.length > 0 && !confirmed) {
      this.dispatch({ type: 'modal', modal: { kind: 'confirm-risky', service: plan.serviceName, risks: plan.risks.map((r) => `${r.setting}: ${r.why}`), value: '' } });
      return;
    }
    const { deployment } = this.deployment;
    this.dispatch({ type: 'execution-start', draft: s.draft });
    this.dispatch({ type: 'navigate', screen: { kind: 'execute', draft: s.draft, back: s.back } });
    const failed = (err: unknown): ExecutionResult => ({
      runId: this.application?.runId ?? '', outcome: 'failed', completed: [], failed: [], undone: [], journal: [], failure: { message: messageOf(err) },
    });
    deployment
      .run(this.options.deps ?? {}, {
        approval: 'each',
        origin: s.draft.origin,
        onEvent: (event) => {
          // A request the user already decided for is answered at once, never shown as a question.
          if (event.type === 'approval-requested' && this.autoAnswer(event.request)) return;
          this.dispatch({ type: 'execution-event', event });
        },
      })
      .then((application) => {
        this.application = application;
        if (this.interruptsBeforeStart > 0) application.interrupt();
        return application.result;
      })
      .then((result) => this.finishExecution(result), (err) => this.finishExecution(failed(err)));
  }

  private finishExecution(result: ExecutionResult) {
    this.dispatch({ type: 'execution-finished', result });
    this.application = undefined;
    void this.refresh();
    if (this.quitAfterRun !== undefined) this.quit(this.quitAfterRun);
  }

  /**
   * Answers an operation request the user already decided for (a for all, m for a machine, s to
   * stop); returns whether it did.
   */
  private autoAnswer(request: ApprovalRequest): boolean {
    const ex = this.state.execution;
    if (!ex || request.kind !== 'operation' || !this.application) return false;
    const covered = ex.auto.kind === 'all' || (ex.auto.kind === 'machine' && ex.auto.machineId === request.machineId);
    if (covered) this.answer(request, 'approve');
    else if (ex.stopping) this.answer(request, 'stop');
    return covered || ex.stopping;
  }

  private answer(request: ApprovalRequest, decision: ApprovalDecision): void {
    try {
      this.application?.answer(request.id, decision);
    } catch (err) {
      this.dispatch({ type: 'notice', text: messageOf(err) });
    }
  }

  /**
   * The user's answer to the first request waiting: for an operation, this one / this machine / all
   * / stop; for a canary, promote / roll back; for a paused rollout, resume / roll back / abort.
   * With nothing waiting, `all` and `stop` decide for what comes next.
   */
  approve(choice: ApprovalChoice): void {
    const ex = this.state.execution;
    const request = ex?.pending[0];
    if (!ex || !request) {
      if (choice === 'all') this.dispatch({ type: 'execution-auto', auto: { kind: 'all' } });
      if (choice === 'stop' && this.executing) this.dispatch({ type: 'execution-stopping' });
      return;
    }
    const decision = decisionFor(request, choice);
    if (!decision) return;
    if (decision === 'approve-machine' && request.kind === 'operation') this.dispatch({ type: 'execution-auto', auto: { kind: 'machine', machineId: request.machineId } });
    if (decision === 'approve-all') this.dispatch({ type: 'execution-auto', auto: { kind: 'all' } });
    if (decision === 'stop' && request.kind === 'operation') this.dispatch({ type: 'execution-stopping' });
    this.answer(request, decision);
    // Other units of the batch may already wait: what was just decided covers them too.
    if (decision === 'approve-all' || decision === 'approve-machine' || decision === 'stop') {
      for (const other of this.state.execution?.pending ?? []) this.autoAnswer(other);
    }
  }

  /** Ctrl-C during a run: the first stops it (what is under way finishes or undoes itself), the second rolls it back. */
  interrupt(): void {
    if (this.application) this.application.interrupt();
    else this.interruptsBeforeStart++;
  }

  get executing(): boolean {
    return this.state.screen.kind === 'execute' && !!this.state.execution && !this.state.execution.outcome;
  }

  // ---- containers: logs and inspect ------------------------------------------------------

  /**
   * Opens (or opens again) the logs pane of the service on screen: `scope` 'container' reads the
   * selected container, 'service' every container of the service merged by time; by default the
   * pane's scope as it is, else the container. Following streams new lines as they come (the
   * engine's ServiceLogs: new containers and machines down and back included); otherwise the last
   * lines are read once.
   */
  openLogs(follow = true, scope?: LogPaneScope['kind']): void {
    const screen = this.state.screen;
    const service = screen.kind === 'service' ? serviceById(this.state, screen.serviceId) : undefined;
    const c = selectedContainer(this.state);
    const kind = scope ?? this.state.logs?.scope.kind ?? 'container';
    if (!service || (kind === 'container' && !c)) return;
    this.closeLogs();
    const opened = ++this.logsOpened;
    this.dispatch({
      type: 'logs',
      logs: {
        scope: kind === 'service' || !c
          ? { kind: 'service', serviceId: service.id, serviceName: service.name }
          : { kind: 'container', serviceId: service.id, machineId: c.machineId, containerId: c.id, containerName: c.name },
        follow, lines: [],
      },
    });
    const controller = new AbortController();
    // New lines reach the pane at most every LOG_PANE_FLUSH_MS: a busy container's lines in between
    // are drawn in one frame, not one frame each.
    let waiting: LogPaneLine[] = [];
    let timer: NodeJS.Timeout | undefined;
    let flushed = 0;
    const flush = () => {
      timer = undefined;
      flushed = Date.now();
      const lines = waiting;
      waiting = [];
      if (opened === this.logsOpened && lines.length) this.dispatch({ type: 'logs-lines', lines });
    };
    this.stopLogs = () => {
      controller.abort();
      clearTimeout(timer);
    };
    const add = (lines: LogPaneLine[]) => {
      if (opened !== this.logsOpened) return;
      for (const line of lines) waiting.push(line);
      if (timer) return;
      const wait = flushed + LOG_PANE_FLUSH_MS - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    };
    void (async () => {
      try {
        const options = { service: service.name, follow, tail: LOG_PANE_TAIL, ...(kind === 'container' && c ? { containerId: c.id } : {}) };
        // The state on screen has the containers: no second load of every machine per cursor move.
        const logs = await ServiceLogs.open(this.client, options, this.state.cluster.state);
        if (opened === this.logsOpened) await logs.run((entries) => add(paneLinesOf(entries)), controller.signal);
      } catch (err) {
        add([{ kind: 'notice', text: `logs unavailable: ${messageOf(err)}` }]);
      }
    })();
  }

  closeLogs(): void {
    this.logsOpened++;
    this.stopLogs?.();
    this.stopLogs = undefined;
    if (this.state.logs) this.dispatch({ type: 'logs' });
  }

  async inspectSelected(): Promise<void> {
    const c = selectedContainer(this.state);
    if (!c) return;
    this.closeLogs();
    try {
      const seen: ContainerState = await this.client.inspectContainer(c.machineId, c.id);
      const machine = this.state.cluster.state?.machines.find((m) => m.id === c.machineId)?.name ?? c.machineId;
      this.dispatch({ type: 'inspect', inspect: { containerName: c.name, lines: inspectLines(seen, machine, this.state.showSecrets) } });
    } catch (err) {
      this.dispatch({ type: 'notice', text: `inspect ${c.name}: ${messageOf(err)}` });
    }
  }

  // ---- leaving -----------------------------------------------------------------------------

  /** Ctrl-C / q: during an execution the user is asked first. */
  requestQuit(code: number): void {
    if (this.executing) {
      this.dispatch({ type: 'modal', modal: { kind: 'confirm-quit' } });
      return;
    }
    this.quit(code);
  }

  /** Stops the run (what is under way finishes or undoes itself), then quits. */
  quitAfterCurrent(code: number): void {
    this.quitAfterRun = code;
    this.dispatch({ type: 'modal' });
    this.dispatch({ type: 'execution-stopping' });
    this.interrupt();
  }

  quit(code: number): void {
    this.dispose();
    this.options.exit(code);
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.closeLogs();
  }
}

/** specs-examples/ of the installed package: the nearest folder up from this module that has one. */
function shippedExamples(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'specs-examples');
    dir = dirname(dir);
  }
  return resolve('specs-examples');
}

function runEditor(editor: string, file: string): string | undefined {
  // The editor may carry arguments ("code --wait"): run it through the shell like git does.
  const result = spawnSync(`${editor} "$DOCKPLAN_EDIT_FILE"`, { shell: true, stdio: 'inherit', env: { ...process.env, DOCKPLAN_EDIT_FILE: file } });
  if (result.error) return `could not start the editor (${editor}): ${result.error.message}`;
  if (result.status !== 0) return `the editor (${editor}) exited with code ${result.status}: nothing changed`;
  return undefined;
}
