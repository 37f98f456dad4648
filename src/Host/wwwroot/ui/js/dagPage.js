// #/dags/{dag_id}?run={run_id}&tab={tab}: a DAG's header (pause, trigger), the selected run (with the external-event
// form) and the tabs: grid, graph, Gantt, code, details; the task panel opens from grid cells, graph nodes and Gantt
// bars. Refreshes every 3 s while a visible run is queued or running, every 15 s otherwise (a run the scheduler starts
// shows up), later and later after errors, not while the tab is hidden.
import { api, errorText, seg } from './api.js';
import { h, link, replace, swap } from './dom.js';
import { fmtDate, fmtDuration, secondsBetween } from './format.js';
import { renderGantt } from './gantt.js';
import { renderGraph } from './graph.js';
import { renderGrid } from './grid.js';
import { defaultConf, renderCode, renderDetails } from './dagInfo.js';
import { Poller } from './poller.js';
import { dagRoute, navigate } from './router.js';
import { badge, isActiveRun, legend } from './states.js';
import { TaskPanel } from './taskPanel.js';

const TABS = [['grid', 'Grid'], ['graph', 'Graph'], ['gantt', 'Gantt'], ['code', 'Code'], ['details', 'Details']];
const RUNS = 25;

function byTask(tis) {
  const map = new Map();
  for (const ti of tis) {
    if (!map.has(ti.task_id)) map.set(ti.task_id, []);
    map.get(ti.task_id).push(ti);
  }
  return map;
}

export class DagPage {
  constructor(container, route) {
    this.container = container;
    this.dagId = route.dagId;
    this.tab = TABS.some(([id]) => id === route.params.get('tab')) ? route.params.get('tab') : 'grid';
    this.requestedRunId = route.params.get('run');
    this.poller = new Poller(() => this.refresh(), 3000, { idleMs: 15000 });
    this.collapsed = new Set(JSON.parse(sessionStorage.getItem(`gale.collapsed.${this.dagId}`) || '[]'));
    this.dag = null;
    this.tasks = [];
    this.runs = [];
    this.tis = new Map(); // run_id -> Map(task_id -> [ti])
    this.tiSignature = new Map();
    this.codeShown = null; // the file_token whose code the code tab shows (loaded once, unless the load failed)
    this.pausePending = false;
    this.pauseWrites = 0; // bumped when a PATCH starts and ends: a refresh that saw it change read a stale is_paused
    this.panel = new TaskPanel(this.dagId, () => this.refresh({ force: true }),
      (runId) => this.runs.some((r) => r.dag_run_id === runId && isActiveRun(r.state)));
    this.build();
  }

  accepts(route) {
    return route.page === 'dag' && route.dagId === this.dagId;
  }

  update(route) {
    const tab = TABS.some(([id]) => id === route.params.get('tab')) ? route.params.get('tab') : 'grid';
    const run = route.params.get('run');
    const runChanged = run !== this.requestedRunId;
    this.requestedRunId = run;
    if (tab !== this.tab) {
      this.tab = tab;
      this.renderTabs();
    }
    if (runChanged && run && !this.runs.some((r) => r.dag_run_id === run)) {
      this.refresh();
      return;
    }
    this.renderAll();
  }

  start() {
    this.refresh({ force: true });
  }

  destroy() {
    this.poller.stop();
    this.panel.destroy();
  }

  /** The run the graph, Gantt, run summary and event form show: the one in ?run=, else the newest. */
  get selectedRun() {
    return this.runs.find((r) => r.dag_run_id === this.requestedRunId) || this.runs[this.runs.length - 1] || null;
  }

  go(params) {
    navigate(dagRoute(this.dagId, { run: this.requestedRunId, tab: this.tab === 'grid' ? null : this.tab, ...params }));
  }

  // ---- layout, built once (forms keep what the user typed across refreshes) ----

  build() {
    this.title = h('h1', { testid: 'dag-title', class: 'dag-title' }, this.dagId);
    this.pauseToggle = h('input', { type: 'checkbox', class: 'switch', testid: 'pause-toggle', id: 'pause-toggle', onchange: () => this.setPaused() });
    this.info = h('div', { class: 'dag-info' });
    this.message = h('p', { class: 'error', role: 'alert', hidden: true });
    this.triggerBox = h('div', { hidden: true });
    this.runBox = h('div', { class: 'run-summary' });
    this.eventForm = this.buildEventForm();
    this.tabBar = h('div', { class: 'tabs', role: 'tablist' }, TABS.map(([id, label]) => h('a', {
      href: `#${dagRoute(this.dagId, { run: this.requestedRunId, tab: id === 'grid' ? null : id })}`, role: 'tab', class: 'tab', testid: `tab-${id}`, dataset: { tab: id },
      onclick: (e) => { e.preventDefault(); this.go({ tab: id === 'grid' ? null : id }); },
    }, label)));
    this.panes = new Map(TABS.map(([id]) => [id, h('div', { class: `pane pane-${id}`, hidden: true })]));
    this.legend = legend();
    replace(this.container,
      h('div', { class: 'page-header' },
        h('div', null,
          h('div', { class: 'breadcrumb' }, link('/dags', null, 'DAGs'), ' / '),
          h('div', { class: 'title-row' }, this.title,
            h('label', { class: 'inline pause-label', for: 'pause-toggle', title: 'Checked: paused (the scheduler creates no runs)' }, this.pauseToggle, 'Paused'))),
        h('div', { class: 'toolbar' },
          h('button', { type: 'button', class: 'primary', testid: 'trigger-button', onclick: () => this.openTrigger() }, '▶ Trigger DAG'))),
      this.info,
      this.message,
      this.triggerBox,
      h('div', { class: 'run-row' }, this.runBox, this.eventForm),
      this.tabBar,
      this.legend,
      [...this.panes.values()],
      this.panel.root);
    this.renderTabs();
  }

  renderTabs() {
    for (const button of this.tabBar.children) {
      const active = button.dataset.tab === this.tab;
      button.classList.toggle('active', active);
      button.setAttribute('aria-selected', String(active));
    }
    for (const [id, pane] of this.panes) pane.hidden = id !== this.tab;
    this.legend.hidden = !['grid', 'graph', 'gantt'].includes(this.tab);
  }

  // ---- data ----

  async refresh({ force = false } = {}) {
    if (this.refreshing) {
      this.again = this.again || { force };
      if (force) this.again.force = true;
      return;
    }
    this.refreshing = true;
    const pauseWrites = this.pauseWrites;
    try {
      const base = `/dags/${seg(this.dagId)}`;
      const [dag, runList, tasks] = await Promise.all([
        api(base),
        api(`${base}/dagRuns`, { query: { order_by: '-logical_date', limit: RUNS } }),
        force || this.tasks.length === 0 ? api(`${base}/tasks`).then((t) => t.tasks) : Promise.resolve(this.tasks),
      ]);
      let runs = runList.dag_runs.slice().reverse();
      if (this.requestedRunId && !runs.some((r) => r.dag_run_id === this.requestedRunId)) {
        const extra = await api(`${base}/dagRuns/${seg(this.requestedRunId)}`).catch(() => null);
        if (extra) runs = [extra, ...runs].sort((a, b) => (a.logical_date || '').localeCompare(b.logical_date || ''));
      }

      await Promise.all(runs.map(async (run) => {
        const signature = [run.state, run.start_date, run.end_date, run.queued_at].join('|');
        if (!force && !isActiveRun(run.state) && this.tis.has(run.dag_run_id) && this.tiSignature.get(run.dag_run_id) === signature) return;
        const list = await api(`${base}/dagRuns/${seg(run.dag_run_id)}/taskInstances`, { query: { limit: 1000 } });
        this.tis.set(run.dag_run_id, byTask(list.task_instances));
        this.tiSignature.set(run.dag_run_id, signature);
      }));
      if (this.poller.stopped) return;
      if (pauseWrites !== this.pauseWrites && this.dag) dag.is_paused = this.dag.is_paused;
      this.dag = dag;
      this.tasks = tasks;
      this.runs = runs;
      this.message.hidden = true;
      await this.renderAll();
      // The open task panel follows the page (a task cleared or started by the scheduler) unless it polls already.
      if (this.panel.isOpen && !this.panel.poller.active) this.panel.reload();
      this.poller.schedule(runs.some((r) => isActiveRun(r.state)));
    } catch (e) {
      if (this.poller.stopped) return;
      this.message.textContent = errorText(e);
      this.message.hidden = false;
      // Tried again later and later (the API restarting, a DAG file being fixed); a refused key shows the login form.
      if (e.status !== 401) this.poller.failed();
    } finally {
      this.refreshing = false;
      if (this.again && !this.poller.stopped) {
        const again = this.again;
        this.again = null;
        this.refresh(again);
      }
    }
  }

  // ---- rendering ----

  async renderAll() {
    if (!this.dag) return;
    this.renderInfo();
    this.renderRun();
    await this.renderPane();
  }

  renderInfo() {
    const dag = this.dag;
    if (!this.pausePending) this.pauseToggle.checked = dag.is_paused;
    this.pauseToggle.disabled = this.pausePending;
    const item = (label, value, testid) => h('span', { class: 'info-item' }, h('span', { class: 'muted' }, `${label}: `), h('span', { testid }, value));
    replace(this.info,
      dag.description ? h('p', { class: 'description' }, dag.description) : null,
      h('div', { class: 'info-items' },
        item('Schedule', dag.timetable_description || 'None', 'dag-schedule'),
        item('Next run', dag.next_dagrun ? `${fmtDate(dag.next_dagrun)} UTC` : '—', 'dag-next-run'),
        item('Max active runs', String(dag.max_active_runs)),
        item('Timezone', dag.timezone),
        (dag.tags || []).length ? h('span', { class: 'tags' }, dag.tags.map((t) => h('span', { class: 'tag' }, t.name))) : null));
  }

  renderRun() {
    const run = this.selectedRun;
    this.eventForm.hidden = !run;
    this.eventRunLabel.textContent = run ? run.dag_run_id : '';
    if (!run) {
      replace(this.runBox, h('p', { class: 'muted' }, 'No runs yet: trigger one.'));
      return;
    }
    const item = (label, value) => h('span', { class: 'info-item' }, h('span', { class: 'muted' }, `${label}: `), value);
    const conf = run.conf && Object.keys(run.conf).length ? JSON.stringify(run.conf) : null;
    replace(this.runBox,
      h('div', { class: 'run-title', testid: 'selected-run', dataset: { runId: run.dag_run_id } },
        h('span', { class: 'muted' }, 'Run '), h('strong', { class: 'mono' }, run.dag_run_id), ' ', badge(run.state, { testid: 'selected-run-state' })),
      h('div', { class: 'info-items small' },
        item('Type', run.run_type),
        item('Logical date', `${fmtDate(run.logical_date)}`),
        item('Data interval', `${fmtDate(run.data_interval_start)} – ${fmtDate(run.data_interval_end)}`),
        item('Started', fmtDate(run.start_date)),
        item('Ended', fmtDate(run.end_date)),
        item('Duration', fmtDuration(run.start_date ? secondsBetween(run.start_date, run.end_date) : null)),
        conf ? item('Conf', h('code', null, conf)) : null));
  }

  async renderPane() {
    // Each call draws only if no later call started meanwhile (a refresh, another run or tab selected): what an
    // awaited load brings back may belong to a run or tab that is no longer shown.
    this.paneToken = (this.paneToken || 0) + 1;
    const token = this.paneToken;
    const tab = this.tab;
    const pane = this.panes.get(this.tab);
    const run = this.selectedRun;
    const runId = run ? run.dag_run_id : null;
    const current = () => token === this.paneToken && this.tab === tab && (this.selectedRun ? this.selectedRun.dag_run_id : null) === runId;
    const selectedTis = run ? this.tis.get(run.dag_run_id) : null;
    if (this.tab === 'grid') {
      let scroller = pane.querySelector('.grid-scroll');
      const first = !scroller;
      if (first) scroller = replace(pane, h('div', { class: 'grid-scroll' })).firstChild;
      const atRight = scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth - 4;
      const changed = swap(scroller, renderGrid(
        { tasks: this.tasks, runs: this.runs, tis: this.tis, selectedRunId: run && this.requestedRunId ? run.dag_run_id : null, collapsed: this.collapsed },
        {
          run: (runId) => this.go({ run: runId }),
          cell: (runId, taskId) => this.openTask(runId, taskId),
          toggle: (groupId) => this.toggleGroup(groupId),
        }));
      if (changed && (first || atRight)) scroller.scrollLeft = scroller.scrollWidth;
    } else if (this.tab === 'graph') {
      if (!pane.querySelector('.graph-scroll')) replace(pane, h('div', { class: 'graph-scroll' }, h('p', { class: 'muted small' }), h('div')));
      const [note, holder] = pane.querySelector('.graph-scroll').children;
      note.textContent = run ? `States of run ${run.dag_run_id}. Click a task for its details and logs.` : 'No run yet.';
      // Drawn at once from the loaded instances of the run selected now (nothing awaited, so it cannot be overtaken).
      // Handlers read the selected run when called: the nodes outlive a change of run (see swap).
      swap(holder, renderGraph(this.tasks, selectedTis, { node: (taskId) => this.selectedRun && this.openTask(this.selectedRun.dag_run_id, taskId) }));
    } else if (this.tab === 'gantt') {
      if (!run) {
        swap(pane, h('div', { class: 'gantt', testid: 'gantt' }, h('p', { class: 'muted' }, 'No run yet.')));
        return;
      }
      let content;
      try {
        const tries = await api(`/dags/${seg(this.dagId)}/dagRuns/${seg(run.dag_run_id)}/taskInstances/~/tries`, { query: { limit: 1000 } });
        content = renderGantt(this.tasks, tries.task_instances, run, { bar: (taskId, tryNumber) => this.selectedRun && this.openTask(this.selectedRun.dag_run_id, taskId, tryNumber) });
      } catch (e) {
        content = h('div', { class: 'gantt', testid: 'gantt' }, h('p', { class: 'error' }, errorText(e)));
      }
      if (current()) swap(pane, h('div', { class: 'gantt-scroll' }, content));
    } else if (this.tab === 'code') {
      // The source changes only with the file: loaded once per file_token, again after a failed load.
      const fileToken = this.dag.file_token;
      if (this.codeShown === fileToken) return;
      if (!pane.firstChild) replace(pane, h('p', { class: 'muted' }, 'Loading…'));
      const content = await renderCode(this.dag);
      if (!current()) return;
      replace(pane, content);
      this.codeShown = content.loadFailed ? null : fileToken;
    } else {
      // Details (paused, next runs, …) change: drawn again on every refresh, in place.
      if (!pane.firstChild) replace(pane, h('p', { class: 'muted' }, 'Loading…'));
      const content = await renderDetails(this.dagId, this.tasks);
      if (!current()) return;
      swap(pane, content);
    }
  }

  toggleGroup(groupId) {
    if (this.collapsed.has(groupId)) this.collapsed.delete(groupId);
    else this.collapsed.add(groupId);
    sessionStorage.setItem(`gale.collapsed.${this.dagId}`, JSON.stringify([...this.collapsed]));
    this.renderPane();
  }

  openTask(runId, taskId, tryNumber) {
    const instances = (this.tis.get(runId) && this.tis.get(runId).get(taskId)) || [];
    this.panel.open(runId, taskId, { instances, tryNumber });
    if (runId !== this.requestedRunId) this.go({ run: runId });
  }

  // ---- pause, trigger, external events ----

  async setPaused() {
    const wanted = this.pauseToggle.checked;
    this.pausePending = true;
    this.pauseWrites += 1;
    this.pauseToggle.disabled = true;
    try {
      const saved = await api(`/dags/${seg(this.dagId)}`, { method: 'PATCH', body: { is_paused: wanted } });
      if (this.dag) this.dag.is_paused = saved.is_paused;
      else this.dag = saved;
      this.pauseToggle.checked = saved.is_paused;
      this.message.hidden = true;
    } catch (e) {
      this.pauseToggle.checked = !wanted;
      if (this.dag) this.dag.is_paused = !wanted;
      this.message.textContent = errorText(e);
      this.message.hidden = false;
    } finally {
      this.pausePending = false;
      this.pauseWrites += 1;
      this.pauseToggle.disabled = false;
    }
  }

  async openTrigger() {
    if (!this.triggerForm) {
      const runId = h('input', { type: 'text', testid: 'trigger-run-id', id: 'trigger-run-id', placeholder: 'manual__<logical date> when empty' });
      const logicalDate = h('input', { type: 'text', testid: 'trigger-logical-date', id: 'trigger-logical-date', placeholder: 'now when empty; e.g. 2024-01-01 or 2024-01-01T06:00:00+00:00' });
      const conf = h('textarea', { testid: 'trigger-conf', id: 'trigger-conf', rows: 8, spellcheck: 'false', class: 'mono' }, '{}');
      const error = h('pre', { class: 'error', testid: 'trigger-error', role: 'alert', hidden: true });
      const params = h('div', { class: 'params-help small' });
      const submit = h('button', { type: 'submit', class: 'primary', testid: 'trigger-submit' }, 'Trigger');
      const showError = (text) => { error.textContent = text; error.hidden = false; };
      this.triggerForm = h('form', {
        class: 'card trigger-form', testid: 'trigger-form', onsubmit: async (e) => {
          e.preventDefault();
          error.hidden = true;
          let confValue;
          try {
            confValue = conf.value.trim() ? JSON.parse(conf.value) : {};
          } catch (err) {
            showError(`conf: not valid JSON (${err.message})`);
            return;
          }
          if (!confValue || typeof confValue !== 'object' || Array.isArray(confValue)) {
            showError('conf: must be a JSON object.');
            return;
          }
          const body = { conf: confValue };
          if (runId.value.trim()) body.dag_run_id = runId.value.trim();
          if (logicalDate.value.trim()) body.logical_date = logicalDate.value.trim();
          submit.disabled = true;
          try {
            const run = await api(`/dags/${seg(this.dagId)}/dagRuns`, { method: 'POST', body });
            this.triggerBox.hidden = true;
            runId.value = '';
            logicalDate.value = '';
            this.go({ run: run.dag_run_id });
            this.refresh({ force: true });
          } catch (err) {
            showError(errorText(err));
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h2', null, `Trigger ${this.dagId}`),
      h('label', { for: 'trigger-run-id' }, 'Run id (optional)'), runId,
      h('label', { for: 'trigger-logical-date' }, 'Logical date (optional)'), logicalDate,
      h('label', { for: 'trigger-conf' }, 'Conf (JSON object; params take their defaults when left out)'), conf,
      params,
      error,
      h('div', { class: 'buttons' }, submit, h('button', { type: 'button', testid: 'trigger-cancel', onclick: () => { this.triggerBox.hidden = true; } }, 'Cancel')));
      this.triggerConf = conf;
      this.triggerParams = params;
      replace(this.triggerBox, this.triggerForm);
      try {
        const details = await api(`/dags/${seg(this.dagId)}/details`);
        conf.value = defaultConf(details);
        const list = Object.entries(details.params || {});
        replace(params, list.length ? h('ul', { class: 'compact' }, list.map(([name, p]) => h('li', null,
          h('code', null, name), ` (${(p.schema && p.schema.type) || 'any'}${p.has_default === false ? ', required' : ''})`, p.description ? `: ${p.description}` : ''))) : null);
      } catch (e) {
        showError(errorText(e));
      }
    }
    this.triggerBox.hidden = !this.triggerBox.hidden;
    if (!this.triggerBox.hidden) this.triggerForm.querySelector('input').focus();
  }

  buildEventForm() {
    this.eventRunLabel = h('span', { class: 'mono' });
    const name = h('input', { type: 'text', testid: 'event-name', id: 'event-name', placeholder: 'name, e.g. approve', 'aria-label': 'Event name' });
    const data = h('input', { type: 'text', testid: 'event-data', id: 'event-data', class: 'mono', placeholder: 'data: JSON, optional (e.g. "ana")', spellcheck: 'false', 'aria-label': 'Event data (JSON)' });
    const message = h('p', { testid: 'event-message', class: 'message', role: 'status', hidden: true });
    const send = h('button', { type: 'submit', testid: 'event-send' }, 'Send event');
    return h('form', {
      class: 'event-form', testid: 'event-form', hidden: true, onsubmit: async (e) => {
        e.preventDefault();
        const run = this.selectedRun;
        if (!run) return;
        message.hidden = true;
        if (!name.value.trim()) {
          message.textContent = 'name: required.';
          message.className = 'message error';
          message.hidden = false;
          return;
        }
        send.disabled = true;
        try {
          const sent = await api(`/dags/${seg(this.dagId)}/dagRuns/${seg(run.dag_run_id)}/events/${seg(name.value.trim())}`, { method: 'POST', body: { raw: data.value } });
          message.textContent = `Sent '${sent.name}' to run ${run.dag_run_id}.`;
          message.className = 'message ok';
          this.refresh({ force: true });
        } catch (err) {
          message.textContent = errorText(err);
          message.className = 'message error';
        } finally {
          message.hidden = false;
          send.disabled = false;
        }
      },
    },
    h('div', { class: 'small muted' }, 'External event to run ', this.eventRunLabel),
    h('div', { class: 'event-fields' }, name, data, send),
    message);
  }
}
