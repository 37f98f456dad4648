// The task instance panel (a drawer on the right): state and try, logs per try (refreshed every 2 s while the
// instance runs), XComs, rendered fields, details; clear (with downstream/upstream/only failed) and mark
// success/failed, each confirmed in the panel first.
import { api, errorText, seg } from './api.js';
import { h, replace, swap } from './dom.js';
import { fmtDate, fmtDuration, fmtJson, secondsBetween } from './format.js';
import { Poller } from './poller.js';
import { badge, isActiveTask, stateName } from './states.js';

const TABS = [['log', 'Log'], ['xcom', 'XCom'], ['rendered', 'Rendered'], ['details', 'Details']];

export class TaskPanel {
  /** dagId; onChanged(): the page refreshes after an action; runActive(runId): whether the page sees that run active. */
  constructor(dagId, onChanged, runActive = () => false) {
    this.dagId = dagId;
    this.onChanged = onChanged;
    this.runActive = runActive;
    this.poller = new Poller(() => this.reload(), 2000);
    this.tab = 'log';
    this.key = null; // { runId, taskId, mapIndex }
    this.ti = null;
    this.logTry = null;
    this.followLatest = true;
    this.shown = 0; // bumped when the panel shows another instance (or closes): older loads are dropped
    this.generation = 0; // bumped by every tab render: only the newest one started draws

    this.title = h('h2', { class: 'panel-title' });
    this.subtitle = h('div', { class: 'muted small' });
    this.mapSelect = h('select', { testid: 'ti-map-index', 'aria-label': 'Map index', onchange: () => this.show({ ...this.key, mapIndex: Number(this.mapSelect.value) }) });
    this.mapRow = h('label', { class: 'inline', hidden: true }, 'Map index ', this.mapSelect);
    this.state = h('span', { testid: 'ti-state', class: 'state-badge', state: 'none' }, 'none');
    this.try = h('span', { testid: 'ti-try' }, '0');
    this.facts = h('dl', { class: 'facts' });
    this.message = h('p', { testid: 'ti-message', class: 'message', role: 'status', hidden: true });
    this.confirmBox = h('div', { class: 'confirm', hidden: true });
    this.downstream = h('input', { type: 'checkbox', testid: 'ti-clear-downstream', checked: true });
    this.upstream = h('input', { type: 'checkbox', testid: 'ti-clear-upstream' });
    this.onlyFailed = h('input', { type: 'checkbox', testid: 'ti-clear-failed' });
    this.tabButtons = new Map(TABS.map(([id, label]) => [id, h('button', {
      type: 'button', role: 'tab', class: 'tab', testid: `ti-tab-${id}`, onclick: () => this.selectTab(id),
    }, label)]));
    this.body = h('div', { class: 'panel-body' });

    this.root = h('aside', { class: 'task-panel', testid: 'task-panel', hidden: true, 'aria-label': 'Task instance' },
      h('div', { class: 'panel-header' },
        h('div', null, this.title, this.subtitle),
        h('button', { type: 'button', class: 'close', testid: 'ti-close', title: 'Close', 'aria-label': 'Close', onclick: () => this.close() }, '×')),
      this.mapRow,
      h('div', { class: 'ti-summary' },
        h('span', null, 'State: ', this.state), h('span', null, 'Try: ', this.try)),
      this.facts,
      h('div', { class: 'actions' },
        h('div', { class: 'action-group' },
          h('button', { type: 'button', testid: 'ti-clear', onclick: () => this.askClear() }, 'Clear'),
          h('label', { class: 'inline' }, this.downstream, 'Downstream'),
          h('label', { class: 'inline' }, this.upstream, 'Upstream'),
          h('label', { class: 'inline' }, this.onlyFailed, 'Only failed')),
        h('div', { class: 'action-group' },
          h('button', { type: 'button', class: 'mark-success', testid: 'ti-mark-success', onclick: () => this.askMark('success') }, 'Mark success'),
          h('button', { type: 'button', class: 'mark-failed', testid: 'ti-mark-failed', onclick: () => this.askMark('failed') }, 'Mark failed'))),
      this.confirmBox,
      this.message,
      h('div', { class: 'tabs', role: 'tablist' }, [...this.tabButtons.values()]),
      this.body);
  }

  get isOpen() {
    return !this.root.hidden;
  }

  /** Opens the panel on a task instance of a run; mapIndex for a mapped task (default: its first instance). */
  open(runId, taskId, { mapIndex, tryNumber, instances } = {}) {
    const same = this.key && this.key.runId === runId && this.key.taskId === taskId;
    this.instances = instances || [];
    const mapped = this.instances.filter((t) => t.map_index >= 0).map((t) => t.map_index).sort((a, b) => a - b);
    const index = mapIndex ?? (same && this.key.mapIndex >= 0 && mapped.includes(this.key.mapIndex) ? this.key.mapIndex : (mapped.length ? mapped[0] : -1));
    replace(this.mapSelect, mapped.map((m) => h('option', { value: String(m), selected: m === index }, String(m))));
    this.mapRow.hidden = mapped.length === 0;
    this.root.hidden = false;
    document.body.classList.add('panel-open'); // the page makes room: nothing it shows is under the panel
    this.show({ runId, taskId, mapIndex: index }, tryNumber);
  }

  show(key, tryNumber) {
    const old = this.key;
    if (!old || old.runId !== key.runId || old.taskId !== key.taskId || old.mapIndex !== key.mapIndex) {
      // A confirmation (and its result) belongs to the instance it was asked about.
      this.hideConfirm();
      this.message.hidden = true;
    }
    this.key = key;
    this.logTry = tryNumber ?? null;
    this.followLatest = tryNumber === undefined || tryNumber === null;
    this.ti = null;
    this.xcomCache = null;
    this.shown += 1;
    this.generation += 1;
    this.title.textContent = key.taskId + (key.mapIndex >= 0 ? ` [${key.mapIndex}]` : '');
    this.subtitle.textContent = `run ${key.runId}`;
    replace(this.body, h('p', { class: 'muted' }, 'Loading…'));
    this.reload();
  }

  close() {
    this.hideConfirm();
    this.root.hidden = true;
    document.body.classList.remove('panel-open');
    this.poller.schedule(false);
    this.key = null;
    this.shown += 1;
    this.generation += 1;
  }

  destroy() {
    this.poller.stop();
    document.body.classList.remove('panel-open');
  }

  path(key = this.key) {
    const { runId, taskId } = key;
    return `/dags/${seg(this.dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}`;
  }

  query(key = this.key) {
    return key.mapIndex >= 0 ? { map_index: key.mapIndex } : undefined;
  }

  /** Whether the instance may still change by itself (its state, or no state yet in a run that is active). */
  isActive(ti) {
    return isActiveTask(ti.state) || (stateName(ti.state) === 'none' && this.runActive(this.key.runId));
  }

  /**
   * Loads the instance again (and the open tab); keeps refreshing every 2 s while it is active. A tab or log try
   * chosen meanwhile only drops this load's drawing of the tab, never the next refresh.
   */
  async reload() {
    if (!this.key) return;
    const shown = this.shown;
    try {
      const ti = await api(this.path(), { query: this.query() });
      if (shown !== this.shown) return;
      this.ti = ti;
      if (this.followLatest || this.logTry === null) this.logTry = ti.try_number;
      this.renderSummary();
      await this.renderTab();
      if (shown === this.shown) this.poller.schedule(this.isActive(this.ti));
    } catch (e) {
      if (shown !== this.shown) return;
      replace(this.body, h('p', { class: 'error' }, errorText(e)));
      // The API restarting or a network blip: try again; a refusal or a missing instance stays so.
      if (e.status === 401 || e.status === 403 || e.status === 404) this.poller.schedule(false);
      else this.poller.failed();
    }
  }

  renderSummary() {
    const ti = this.ti;
    const name = stateName(ti.state);
    this.state.textContent = name;
    this.state.setAttribute('class', `state-badge state-${name}`);
    this.state.dataset.state = name;
    this.try.textContent = String(ti.try_number);
    const fact = (label, value) => [h('dt', null, label), h('dd', null, value)];
    replace(this.facts,
      fact('Operator', ti.operator || '—'),
      fact('Started', `${fmtDate(ti.start_date)}`),
      fact('Ended', `${fmtDate(ti.end_date)}`),
      fact('Duration', fmtDuration(ti.start_date ? (ti.duration ?? secondsBetween(ti.start_date, ti.end_date)) : null)),
      fact('Max tries', String((ti.max_tries ?? 0) + 1)),
      ti.note ? fact('Note', ti.note) : null);
  }

  selectTab(id) {
    this.tab = id;
    if (id === 'xcom') this.xcomCache = null; // opening the tab reads every value afresh
    if (this.ti) this.renderTab();
  }

  async renderTab() {
    this.generation += 1;
    const generation = this.generation;
    for (const [id, button] of this.tabButtons) {
      button.classList.toggle('active', id === this.tab);
      button.setAttribute('aria-selected', String(id === this.tab));
    }

    const content = this.tab === 'log' ? await this.logTab()
      : this.tab === 'xcom' ? await this.xcomTab()
        : this.tab === 'rendered' ? this.renderedTab()
          : await this.detailsTab();
    if (generation === this.generation && content) {
      // A log that was scrolled to its end stays at its end as it grows.
      const old = this.body.querySelector('pre.log');
      const atEnd = !old || old.scrollTop + old.clientHeight >= old.scrollHeight - 20;
      if (!swap(this.body, content)) return;
      const pre = this.body.querySelector('pre.log');
      if (pre && atEnd) pre.scrollTop = pre.scrollHeight;
    }
  }

  async logTab() {
    const ti = this.ti;
    const select = h('select', {
      testid: 'ti-log-try', 'aria-label': 'Try',
      onchange: () => {
        this.logTry = Number(select.value);
        this.followLatest = this.logTry === this.ti.try_number;
        this.renderTab();
      },
    }, Array.from({ length: ti.try_number }, (_, i) => i + 1).reverse().map((n) => h('option', { value: String(n), selected: n === this.logTry }, `Try ${n}`)));
    let text;
    if (ti.try_number < 1) text = 'The task has not run yet: no log.';
    else {
      try {
        text = await api(`${this.path()}/logs/${this.logTry}`, { query: this.query(), accept: 'text/plain' });
        if (typeof text !== 'string') text = text.content ?? '';
        if (text === '') text = '(the log is empty)';
      } catch (e) {
        text = e.status === 404 ? `No log for try ${this.logTry} yet.` : errorText(e);
      }
    }
    return h('div', { class: 'log-tab' },
      h('div', { class: 'toolbar' }, select, this.isActive(ti) ? h('span', { class: 'muted small' }, 'refreshing every 2 s') : null),
      h('pre', { class: 'log', testid: 'ti-log' }, text));
  }

  /**
   * The XComs: each refresh reads the list of keys; a value is read when the tab is opened, when its key is new, or
   * when the instance changed (another try or state), not on every refresh.
   */
  async xcomTab() {
    let rows;
    const { runId, taskId, mapIndex } = this.key;
    const signature = JSON.stringify([runId, taskId, mapIndex, this.ti.try_number, this.ti.state]);
    if (!this.xcomCache || this.xcomCache.signature !== signature) this.xcomCache = { signature, values: new Map() };
    const cache = this.xcomCache;
    const path = this.path();
    const query = this.query();
    try {
      const list = await api(`${path}/xcomEntries`, { query: { ...query, limit: 1000 } });
      const values = await Promise.all(list.xcom_entries.map((x) => (cache.values.has(x.key)
        ? cache.values.get(x.key)
        : api(`${path}/xcomEntries/${seg(x.key)}`, { query }).then((v) => {
          cache.values.set(x.key, v.value);
          return v.value;
        }).catch((e) => `(${errorText(e)})`))));
      rows = list.xcom_entries.map((x, i) => h('tr', null, h('td', { class: 'mono' }, x.key), h('td', null, h('pre', { class: 'value' }, fmtJson(values[i])))));
      if (rows.length === 0) rows = [h('tr', null, h('td', { colspan: 2, class: 'muted' }, 'No XComs.'))];
    } catch (e) {
      rows = [h('tr', null, h('td', { colspan: 2, class: 'error' }, errorText(e)))];
    }
    return h('table', { class: 'table kv', testid: 'ti-xcom' }, h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Value'))), h('tbody', null, rows));
  }

  renderedTab() {
    const fields = this.ti.rendered_fields;
    const entries = fields && typeof fields === 'object' ? Object.entries(fields) : [];
    const rows = entries.length
      ? entries.map(([name, value]) => h('tr', null, h('td', { class: 'mono' }, name), h('td', null, h('pre', { class: 'value' }, fmtJson(value)))))
      : [h('tr', null, h('td', { colspan: 2, class: 'muted' }, 'No rendered fields (they are stored when a try renders its templates).'))];
    return h('div', null,
      this.ti.rendered_try_number ? h('p', { class: 'muted small' }, `Rendered by try ${this.ti.rendered_try_number}.`) : null,
      h('table', { class: 'table kv', testid: 'ti-rendered' }, h('thead', null, h('tr', null, h('th', null, 'Field'), h('th', null, 'Value'))), h('tbody', null, rows)));
  }

  /** The tries of the instance (GET …/tries, Airflow's task instance history), then every field of the instance. */
  async detailsTab() {
    const ti = this.ti;
    let rows;
    try {
      const list = await api(`${this.path()}/tries`, { query: { map_index: this.key.mapIndex, limit: 1000 } });
      rows = list.task_instances.slice().reverse().map((t) => h('tr', { dataset: { try: String(t.try_number) } },
        h('td', null, String(t.try_number)),
        h('td', null, badge(t.state)),
        h('td', null, fmtDate(t.queued_when)),
        h('td', null, fmtDate(t.start_date)),
        h('td', null, fmtDate(t.end_date)),
        h('td', null, fmtDuration(t.start_date ? (t.duration ?? secondsBetween(t.start_date, t.end_date)) : null))));
      if (rows.length === 0) rows = [h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No tries yet.'))];
    } catch (e) {
      rows = [h('tr', null, h('td', { colspan: 6, class: 'error' }, errorText(e)))];
    }
    const skip = new Set(['rendered_fields']);
    return h('div', null,
      h('h3', null, 'Tries'),
      h('table', { class: 'table', testid: 'ti-tries' },
        h('thead', null, h('tr', null, h('th', null, 'Try'), h('th', null, 'State'), h('th', null, 'Queued'), h('th', null, 'Started'), h('th', null, 'Ended'), h('th', null, 'Duration'))),
        h('tbody', null, rows)),
      h('h3', null, 'Task instance'),
      h('table', { class: 'table kv', testid: 'ti-details' }, h('tbody', null,
        Object.entries(ti).filter(([k]) => !skip.has(k)).map(([k, v]) => h('tr', null,
          h('th', null, k), h('td', { class: 'mono' }, v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)))))));
  }

  // Actions: each asks in the panel first (ti-confirm / ti-cancel), then reports in ti-message.

  showMessage(text, ok) {
    this.message.textContent = text;
    this.message.classList.toggle('error', !ok);
    this.message.classList.toggle('ok', ok);
    this.message.hidden = false;
  }

  hideConfirm() {
    this.confirmBox.hidden = true;
    replace(this.confirmBox);
  }

  confirm(question, details, action) {
    this.message.hidden = true;
    const yes = h('button', {
      type: 'button', class: 'primary', testid: 'ti-confirm', onclick: async () => {
        yes.disabled = true;
        try {
          const text = await action();
          this.hideConfirm();
          this.showMessage(text, true);
          this.onChanged();
          this.reload();
        } catch (e) {
          this.hideConfirm();
          this.showMessage(errorText(e), false);
        }
      },
    }, 'Confirm');
    replace(this.confirmBox,
      h('p', null, question),
      details,
      h('div', { class: 'buttons' }, yes, h('button', { type: 'button', testid: 'ti-cancel', onclick: () => { this.hideConfirm(); this.showMessage('Cancelled.', true); } }, 'Cancel')));
    this.confirmBox.hidden = false;
  }

  // The request is read once, when asking: the confirmation sends what the dry run showed, whatever the checkboxes or
  // the map index say by the time Confirm is pressed.
  clearBody() {
    return {
      dag_run_id: this.key.runId,
      task_ids: [this.key.taskId],
      include_downstream: this.downstream.checked,
      include_upstream: this.upstream.checked,
      only_failed: this.onlyFailed.checked,
    };
  }

  async askClear() {
    if (!this.key) return;
    this.hideConfirm();
    const key = this.key;
    const path = `/dags/${seg(this.dagId)}/clearTaskInstances`;
    const body = this.clearBody();
    let would;
    try {
      would = await api(path, { method: 'POST', body: { ...body, dry_run: true } });
    } catch (e) {
      if (this.key === key) this.showMessage(errorText(e), false);
      return;
    }
    if (this.key !== key) return; // the panel moved on to another instance meanwhile
    const label = (t) => `${t.task_id}${t.map_index >= 0 ? `[${t.map_index}]` : ''}`;
    if (would.total_entries === 0) {
      // Nothing would change; still confirm, so the action is the same for every case, and report it.
      this.confirm('Nothing matches (no task instance would be cleared). Clear anyway?', null, async () => {
        const done = await api(path, { method: 'POST', body: { ...body, dry_run: false } });
        return `Cleared ${done.total_entries} task instances.`;
      });
      return;
    }
    this.confirm(`Clear ${would.total_entries} task instance${would.total_entries === 1 ? '' : 's'} of run ${key.runId}? They run again.`,
      h('ul', { class: 'compact' }, would.task_instances.map((t) => h('li', { class: 'mono' }, label(t)))),
      async () => {
        const done = await api(path, { method: 'POST', body: { ...body, dry_run: false } });
        return `Cleared ${done.total_entries} task instance${done.total_entries === 1 ? '' : 's'}: ${done.task_instances.map(label).join(', ')}.`;
      });
  }

  askMark(state) {
    if (!this.key) return;
    const key = this.key;
    const { runId, taskId, mapIndex } = key;
    const name = taskId + (mapIndex >= 0 ? `[${mapIndex}]` : '');
    const path = this.path(key);
    const query = this.query(key);
    this.confirm(`Mark ${name} of run ${runId} as ${state}?`, null, async () => {
      const ti = await api(path, { method: 'PATCH', query, body: { new_state: state } });
      return `Marked ${name} as ${stateName(ti.state)}.`;
    });
  }
}
