// #/dags: every DAG with its schedule, next run, last run, recent runs (squares), paused toggle and tags; the import
// errors banner above. Refreshes every 3 s while a recent run is queued or running, every 15 s otherwise (a run the
// scheduler starts shows up), later and later after errors, not while the tab is hidden.
import { api, errorText, seg } from './api.js';
import { h, link, replace } from './dom.js';
import { fmtDate } from './format.js';
import { Poller } from './poller.js';
import { dagRoute } from './router.js';
import { isActiveRun, stateName } from './states.js';

const RECENT = 14;

export class DagListPage {
  constructor(container) {
    this.container = container;
    this.poller = new Poller(() => this.refresh(), 3000, { idleMs: 15000 });
    this.filter = sessionStorage.getItem('gale.tagFilter') || '';
    this.pending = new Map(); // dag_id -> is_paused being saved
    this.saved = new Map(); // dag_id -> is_paused as the last PATCH answered
    this.writes = 0; // bumped when a PATCH starts and when it ends: a refresh that saw it change read stale values
    this.errors = h('div');
    this.message = h('p', { class: 'error', role: 'alert', hidden: true });
    this.filterInput = h('input', {
      type: 'search', testid: 'tag-filter', placeholder: 'Filter by tag', value: this.filter, 'aria-label': 'Filter DAGs by tag',
      oninput: () => {
        this.filter = this.filterInput.value;
        sessionStorage.setItem('gale.tagFilter', this.filter);
        this.applyFilter();
      },
    });
    this.count = h('span', { class: 'muted' });
    this.body = h('tbody');
    replace(container,
      h('div', { class: 'page-header' }, h('h1', null, 'DAGs'), h('div', { class: 'toolbar' }, this.filterInput, this.count)),
      this.errors,
      this.message,
      h('table', { class: 'table dag-list', testid: 'dag-list' },
        h('thead', null, h('tr', null,
          h('th', { title: 'Checked: paused' }, 'Paused'), h('th', null, 'DAG'), h('th', null, 'Schedule'),
          h('th', null, 'Last run'), h('th', null, 'Next run'), h('th', null, 'Recent runs'))),
        this.body));
  }

  accepts(route) {
    return route.page === 'dags';
  }

  update() {}

  start() {
    this.refresh();
  }

  destroy() {
    this.poller.stop();
  }

  async refresh() {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    const writes = this.writes;
    try {
      const [dags, importErrors] = await Promise.all([
        api('/dags', { query: { limit: 1000 } }),
        api('/importErrors', { query: { limit: 1000 } }).catch(() => ({ import_errors: [] })),
      ]);
      const runs = await Promise.all(dags.dags.map((d) =>
        api(`/dags/${seg(d.dag_id)}/dagRuns`, { query: { order_by: '-logical_date', limit: RECENT } }).then((r) => r.dag_runs).catch(() => [])));
      if (this.poller.stopped) return;
      this.renderErrors(importErrors.import_errors || []);
      if (writes === this.writes) this.saved.clear();
      else for (const dag of dags.dags) if (this.saved.has(dag.dag_id)) dag.is_paused = this.saved.get(dag.dag_id);
      this.renderRows(dags.dags, runs);
      this.message.hidden = true;
      this.poller.schedule(runs.some((list) => list.some((r) => isActiveRun(r.state))));
    } catch (e) {
      if (this.poller.stopped) return;
      this.message.textContent = errorText(e);
      this.message.hidden = false;
      if (e.status !== 401) this.poller.failed();
    } finally {
      this.refreshing = false;
      if (this.again && !this.poller.stopped) {
        this.again = false;
        this.refresh();
      }
    }
  }

  renderErrors(errors) {
    if (errors.length === 0) {
      replace(this.errors);
      return;
    }

    replace(this.errors, h('div', { class: 'banner banner-error', testid: 'import-errors', role: 'alert' },
      h('strong', null, `DAG import errors (${errors.length})`),
      errors.map((e) => h('details', { class: 'import-error' },
        h('summary', null, e.filename + (e.dag_id ? ` (${e.dag_id})` : '')),
        h('pre', null, e.stack_trace)))));
  }

  renderRows(dags, runs) {
    const rows = dags.map((dag, i) => this.row(dag, runs[i]));
    replace(this.body, rows.length ? rows : h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No DAGs are loaded.')));
    this.applyFilter();
  }

  row(dag, runs) {
    const id = dag.dag_id;
    const newestFirst = runs || [];
    const last = newestFirst[0];
    const saving = this.pending.has(id);
    const paused = saving ? this.pending.get(id) : dag.is_paused;
    const toggle = h('input', {
      type: 'checkbox', class: 'switch', testid: `pause-toggle-${id}`, checked: paused, disabled: saving, 'aria-label': `Pause ${id}`,
      title: paused ? 'Paused: click to unpause' : 'Active: click to pause',
      onchange: () => this.setPaused(dag, toggle),
    });
    const tags = (dag.tags || []).map((t) => t.name);
    const recent = newestFirst.slice().reverse();
    return h('tr', { testid: `dag-row-${id}`, dataset: { tags: JSON.stringify(tags) }, class: paused ? 'paused' : '' },
      h('td', null, toggle),
      h('td', null,
        link(dagRoute(id), { testid: `dag-link-${id}`, class: 'dag-id' }, id),
        dag.description ? h('div', { class: 'muted small' }, dag.description) : null,
        h('div', { class: 'tags' }, tags.map((t) => h('button', {
          type: 'button', class: 'tag', title: `Show DAGs tagged ${t}`,
          onclick: () => { this.filterInput.value = t; this.filterInput.dispatchEvent(new Event('input')); },
        }, t)))),
      h('td', null, h('span', { class: 'schedule', title: dag.schedule_interval ? dag.schedule_interval.value : '' }, dag.timetable_description || 'None')),
      h('td', null, last
        ? link(dagRoute(id, { run: last.dag_run_id }), { testid: `last-run-${id}`, state: last.state, class: 'run-date', title: `${last.dag_run_id}: ${last.state}` },
          h('span', { class: 'square', state: last.state }), fmtDate(last.logical_date))
        : h('span', { testid: `last-run-${id}`, state: 'none', class: 'muted' }, '—')),
      h('td', { testid: `next-run-${id}`, title: dag.next_dagrun_create_after ? `runs after ${fmtDate(dag.next_dagrun_create_after)} UTC` : '' },
        dag.next_dagrun ? fmtDate(dag.next_dagrun) : h('span', { class: 'muted' }, dag.asset_expression ? 'on asset events' : '—')),
      h('td', null, h('span', { class: 'recent-runs', testid: `recent-runs-${id}` }, recent.map((r) =>
        link(dagRoute(id, { run: r.dag_run_id }), { class: 'square', state: stateName(r.state), title: `${r.dag_run_id}\n${r.state}\n${fmtDate(r.logical_date)}` })))));
  }

  applyFilter() {
    const text = this.filter.trim().toLowerCase();
    let shown = 0;
    let total = 0;
    for (const row of this.body.querySelectorAll('tr[data-tags]')) {
      total += 1;
      const tags = JSON.parse(row.dataset.tags).map((t) => t.toLowerCase());
      const visible = !text || tags.some((t) => t.includes(text));
      row.hidden = !visible;
      if (visible) shown += 1;
    }
    this.count.textContent = text ? `${shown} of ${total} DAGs` : `${total} DAGs`;
  }

  async setPaused(dag, toggle) {
    const id = dag.dag_id;
    const wanted = toggle.checked;
    this.pending.set(id, wanted);
    this.writes += 1;
    toggle.disabled = true;
    // A refresh may have drawn the row again meanwhile: update the toggle shown now.
    const live = () => this.body.querySelector(`[data-testid="pause-toggle-${CSS.escape(id)}"]`) || toggle;
    let paused = !wanted;
    try {
      const saved = await api(`/dags/${seg(id)}`, { method: 'PATCH', body: { is_paused: wanted } });
      paused = saved.is_paused;
      this.saved.set(id, paused);
      this.message.hidden = true;
    } catch (e) {
      this.message.textContent = `${id}: ${errorText(e)}`;
      this.message.hidden = false;
    } finally {
      this.pending.delete(id);
      this.writes += 1;
      dag.is_paused = paused;
      const shown = live();
      shown.checked = paused;
      shown.disabled = false;
      shown.title = paused ? 'Paused: click to unpause' : 'Active: click to pause';
      const row = shown.closest('tr');
      if (row) row.classList.toggle('paused', paused);
    }
  }
}
