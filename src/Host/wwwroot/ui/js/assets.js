// #/assets: the assets the DAGs mention (producing and consuming tasks, scheduled DAGs, watchers), the events of the
// selected asset, and the asset watchers with their watermarks and a reset (confirmed first). Refreshes every 15 s
// (not while the tab is hidden) and after a reset.
import { api, errorText, seg } from './api.js';
import { h, link, replace } from './dom.js';
import { fmtDate, fmtJson } from './format.js';
import { Poller } from './poller.js';
import { dagRoute } from './router.js';

const taskLink = (ref) => {
  const dot = ref.indexOf('.');
  const dagId = dot < 0 ? ref : ref.slice(0, dot);
  return link(dagRoute(dagId), { class: 'mono', title: ref }, ref);
};

export class AssetsPage {
  constructor(container) {
    this.container = container;
    this.selected = null;
    this.poller = new Poller(() => this.refresh(), 15000, { idleMs: 15000 });
    this.message = h('p', { class: 'error', role: 'alert', hidden: true });
    this.assetBody = h('tbody');
    this.eventsTitle = h('h2', null, 'Events');
    this.eventsBody = h('tbody');
    this.watcherBody = h('tbody');
    this.watcherMessage = h('p', { testid: 'watcher-message', class: 'message', role: 'status', hidden: true });
    replace(container,
      h('div', { class: 'page-header' }, h('h1', null, 'Assets')),
      this.message,
      h('table', { class: 'table asset-list', testid: 'asset-list' },
        h('thead', null, h('tr', null, h('th', null, 'Asset'), h('th', null, 'Group'), h('th', null, 'Producing tasks'), h('th', null, 'Consuming tasks'), h('th', null, 'Scheduled DAGs'), h('th', null, 'Watchers'))),
        this.assetBody),
      h('section', null, this.eventsTitle,
        h('table', { class: 'table', testid: 'asset-events' },
          h('thead', null, h('tr', null, h('th', null, 'When'), h('th', null, 'Source'), h('th', null, 'From'), h('th', null, 'Extra'))),
          this.eventsBody)),
      h('section', null, h('h2', null, 'Watchers'),
        h('p', { class: 'muted small' }, 'A watcher turns outside changes (blobs, queue messages, Event Hubs events) into asset events; its watermark says how far it has read. A reset starts a new epoch and replays from the beginning, or from a date.'),
        this.watcherMessage,
        h('table', { class: 'table', testid: 'watcher-list' },
          h('thead', null, h('tr', null, h('th', null, 'Watcher'), h('th', null, 'Type'), h('th', null, 'Source'), h('th', null, 'Assets'), h('th', null, 'DAGs'), h('th', null, 'Watermark'), h('th', null, ''))),
          this.watcherBody)));
  }

  accepts(route) {
    return route.page === 'assets';
  }

  update() {}

  start() {
    this.refresh();
  }

  destroy() {
    this.destroyed = true;
    this.poller.stop();
  }

  async refresh() {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      const [assets, watchers] = await Promise.all([
        api('/assets', { query: { limit: 1000 } }),
        api('/watchers', { query: { limit: 1000 } }),
      ]);
      if (this.destroyed) return;
      this.assets = assets.assets;
      if (!this.selected && this.assets.length) this.selected = this.assets[0].uri;
      this.renderAssets();
      this.renderWatchers(watchers.watchers);
      await this.loadEvents();
      this.message.hidden = true;
      this.poller.schedule(false);
    } catch (e) {
      if (this.destroyed) return;
      this.message.textContent = errorText(e);
      this.message.hidden = false;
      if (e.status !== 401) this.poller.failed();
    } finally {
      this.refreshing = false;
      if (this.again && !this.destroyed) {
        this.again = false;
        this.refresh();
      }
    }
  }

  renderAssets() {
    replace(this.assetBody, this.assets.length === 0
      ? h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No DAG mentions an asset.'))
      : this.assets.map((a) => h('tr', {
        testid: 'asset-row', dataset: { uri: a.uri }, class: ['clickable', a.uri === this.selected && 'selected'],
        onclick: (e) => {
          if (e.target.closest('a')) return;
          this.selected = a.uri;
          this.renderAssets();
          this.loadEvents();
        },
      },
      h('td', null, h('div', { class: 'mono' }, a.uri), a.name && a.name !== a.uri ? h('div', { class: 'muted small' }, a.name) : null),
      h('td', null, a.group || ''),
      h('td', { testid: 'asset-producers' }, (a.producing_tasks || []).map((t) => h('div', null, taskLink(t)))),
      h('td', { testid: 'asset-consumers' }, (a.consuming_tasks || []).map((t) => h('div', null, taskLink(t)))),
      h('td', { testid: 'asset-scheduled-dags' }, (a.consuming_dags || []).map((d) => h('div', null, link(dagRoute(d), { class: 'mono' }, d)))),
      h('td', null, (a.watchers || []).map((w) => h('div', { class: 'mono' }, w))))));
  }

  async loadEvents() {
    if (!this.selected) {
      this.eventsTitle.textContent = 'Events';
      replace(this.eventsBody, h('tr', null, h('td', { colspan: 4, class: 'muted' }, 'No asset selected.')));
      return;
    }
    const uri = this.selected;
    this.eventsTitle.textContent = `Events of ${uri}`;
    try {
      const events = await api('/assets/events', { query: { asset_uri: uri, limit: 100 } });
      if (uri !== this.selected || this.destroyed) return;
      replace(this.eventsBody, events.asset_events.length === 0
        ? h('tr', null, h('td', { colspan: 4, class: 'muted' }, 'No events yet.'))
        : events.asset_events.map((e) => h('tr', { testid: 'asset-event', dataset: { id: e.id } },
          h('td', null, fmtDate(e.timestamp)),
          h('td', null, e.source),
          h('td', { class: 'small' },
            e.source_dag_id ? link(dagRoute(e.source_dag_id, { run: e.source_run_id }), { class: 'mono' }, `${e.source_dag_id}.${e.source_task_id}${e.source_map_index >= 0 ? `[${e.source_map_index}]` : ''} (${e.source_run_id})`) : null,
            e.watcher ? h('span', { class: 'mono' }, `watcher ${e.watcher}`) : null),
          h('td', null, h('pre', { class: 'value' }, fmtJson(e.extra))))));
    } catch (e) {
      replace(this.eventsBody, h('tr', null, h('td', { colspan: 4, class: 'error' }, errorText(e))));
    }
  }

  renderWatchers(watchers) {
    // A reset being confirmed (maybe with a date typed) is not swept away by a refresh: the rows wait for the next one.
    if (this.watcherBody.querySelector('.confirm:not([hidden])')) return;
    replace(this.watcherBody, watchers.length === 0
      ? h('tr', null, h('td', { colspan: 7, class: 'muted' }, 'No watchers.'))
      : watchers.map((w) => this.watcherRow(w)));
  }

  watcherRow(w) {
    const mark = w.watermark || {};
    const confirmBox = h('div', { class: 'confirm', hidden: true });
    const since = h('input', { type: 'text', testid: `watcher-since-${w.name}`, placeholder: 'since (optional ISO date-time)' });
    const reset = h('button', {
      type: 'button', testid: `watcher-reset-${w.name}`, onclick: () => {
        confirmBox.hidden = false;
        this.watcherMessage.hidden = true;
      },
    }, 'Reset');
    const confirm = h('button', {
      type: 'button', class: 'primary', testid: `watcher-confirm-${w.name}`, onclick: async () => {
        confirm.disabled = true;
        try {
          const body = since.value.trim() ? { since: since.value.trim() } : {};
          const after = await api(`/watchers/${seg(w.name)}/reset`, { method: 'POST', body });
          this.showWatcherMessage(`Reset ${w.name}: epoch ${after.watermark.epoch}${body.since ? `, replaying from ${body.since}` : ', replaying from the beginning'}.`, true);
          const row = this.watcherRow(after);
          const old = this.watcherBody.querySelector(`[data-testid="watcher-row-${CSS.escape(w.name)}"]`);
          if (old) old.replaceWith(row);
          this.refresh(); // the events the new epoch emits, the other watchers
        } catch (e) {
          this.showWatcherMessage(`${w.name}: ${errorText(e)}`, false);
          confirm.disabled = false;
          confirmBox.hidden = true;
        }
      },
    }, 'Confirm reset');
    replace(confirmBox,
      h('p', { class: 'small' }, `Reset ${w.name}? It starts a new epoch and emits events again for what it finds.`),
      since,
      h('div', { class: 'buttons' }, confirm, h('button', { type: 'button', testid: `watcher-cancel-${w.name}`, onclick: () => { confirmBox.hidden = true; } }, 'Cancel')));
    return h('tr', { testid: `watcher-row-${w.name}` },
      h('td', { class: 'mono' }, w.name),
      h('td', null, w.type),
      h('td', { class: 'mono small' }, w.source),
      h('td', { class: 'small' }, (w.assets || []).map((a) => h('div', { class: 'mono' }, a))),
      h('td', { class: 'small' }, (w.dag_ids || []).map((d) => h('div', null, link(dagRoute(d), { class: 'mono' }, d)))),
      h('td', { testid: `watcher-watermark-${w.name}`, class: 'small' },
        h('pre', { class: 'value' }, fmtJson(mark.values || {})),
        h('div', { class: 'muted' }, `epoch ${mark.epoch ?? 0} · ${mark.events_emitted ?? 0} events${mark.updated_at ? ` · ${fmtDate(mark.updated_at)}` : ''}${mark.updated_by ? ` by ${mark.updated_by}` : ''}`)),
      h('td', null, reset, confirmBox));
  }

  showWatcherMessage(text, ok) {
    this.watcherMessage.textContent = text;
    this.watcherMessage.className = `message ${ok ? 'ok' : 'error'}`;
    this.watcherMessage.hidden = false;
  }
}
