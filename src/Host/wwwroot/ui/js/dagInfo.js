// The code and details tabs of a DAG page. Each answers an element; one whose load failed has loadFailed = true (the
// page loads it again on its next refresh instead of keeping it).
import { api, errorText, seg } from './api.js';
import { h } from './dom.js';
import { fmtDate, fmtJson } from './format.js';

const timedelta = (td) => {
  if (!td) return '—';
  const total = td.days * 86400 + td.seconds + td.microseconds / 1e6;
  const parts = [];
  if (td.days) parts.push(`${td.days}d`);
  const rest = total - td.days * 86400;
  if (rest) parts.push(`${rest}s`);
  return parts.join(' ') || '0s';
};

/** The code tab: the DAG's file (GET /dagSources/{file_token}) in <pre data-testid="code">, one span per line. */
export async function renderCode(dag) {
  let text;
  let note;
  let failed = false;
  if (!dag.file_token) {
    text = '';
    note = 'This DAG has no file (it was built in code without a fileloc).';
  } else {
    try {
      const source = await api(`/dagSources/${seg(dag.file_token)}`);
      text = source.content;
      note = `${source.fileloc}${source.language ? ` (${source.language})` : ''}`;
    } catch (e) {
      text = '';
      note = errorText(e);
      failed = true;
    }
  }
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const pane = h('div', { class: 'code-pane' },
    h('p', { class: failed ? 'error small mono' : 'muted small mono' }, note),
    h('pre', { class: 'code', testid: 'code' }, lines.map((line, i) => [h('span', { class: 'line' }, line), i < lines.length - 1 ? '\n' : ''])));
  pane.loadFailed = failed;
  return pane;
}

/** The details tab: settings, the next data intervals, params, tasks. */
export async function renderDetails(dagId, tasks) {
  let details;
  let next;
  try {
    [details, next] = await Promise.all([
      api(`/dags/${seg(dagId)}/details`),
      api(`/dags/${seg(dagId)}/nextExecutions`, { query: { num_executions: 5 } }).catch((e) => ({ error: errorText(e), next_executions: [] })),
    ]);
  } catch (e) {
    const failed = h('div', { class: 'details', testid: 'details' }, h('p', { class: 'error' }, errorText(e)));
    failed.loadFailed = true;
    return failed;
  }

  const row = (label, value, testid) => h('tr', null, h('th', null, label), h('td', { testid }, value === null || value === undefined || value === '' ? '—' : value));
  const params = Object.entries(details.params || {});
  return h('div', { class: 'details', testid: 'details' },
    h('section', null, h('h3', null, 'DAG'), h('table', { class: 'table kv' }, h('tbody', null,
      row('DAG id', details.dag_id),
      row('Description', details.description),
      row('File', details.fileloc, 'details-fileloc'),
      row('Schedule', details.schedule_interval ? `${details.schedule_interval.value}` : details.asset_expression ? `assets: ${details.asset_expression}` : 'None', 'details-schedule'),
      row('Timetable', details.timetable_description),
      row('Timezone', details.timezone, 'details-timezone'),
      row('Catchup', String(details.catchup), 'details-catchup'),
      row('Start date', fmtDate(details.start_date)),
      row('End date', fmtDate(details.end_date)),
      row('Max active runs', String(details.max_active_runs), 'details-max-active-runs'),
      row('Max active tasks', String(details.max_active_tasks), 'details-max-active-tasks'),
      row('Run timeout', timedelta(details.dag_run_timeout)),
      row('Paused', String(details.is_paused)),
      row('Paused upon creation', String(details.is_paused_upon_creation)),
      row('Tags', (details.tags || []).map((t) => t.name).join(', '))))),
    h('section', null, h('h3', null, 'Next runs'),
      next.error ? h('p', { class: 'error' }, next.error)
        : next.next_executions.length === 0 ? h('p', { class: 'muted' }, next.can_be_scheduled === false ? 'The timetable creates no runs (manual or asset-triggered).' : 'No more runs: the timetable has ended.')
          : h('table', { class: 'table', testid: 'details-next-runs' },
            h('thead', null, h('tr', null, h('th', null, 'Logical date'), h('th', null, 'Data interval start'), h('th', null, 'Data interval end'), h('th', null, 'Runs after'))),
            h('tbody', null, next.next_executions.map((n) => h('tr', null,
              h('td', null, fmtDate(n.logical_date)), h('td', null, fmtDate(n.data_interval_start)), h('td', null, fmtDate(n.data_interval_end)), h('td', null, fmtDate(n.run_after))))))),
    h('section', null, h('h3', null, 'Params'),
      params.length === 0 ? h('p', { class: 'muted' }, 'No params.')
        : h('table', { class: 'table', testid: 'details-params' },
          h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Default'), h('th', null, 'Type'), h('th', null, 'Rules'), h('th', null, 'Description'))),
          h('tbody', null, params.map(([name, p]) => h('tr', null,
            h('td', { class: 'mono' }, name),
            h('td', null, p.has_default === false ? h('span', { class: 'muted' }, 'required') : h('code', null, JSON.stringify(p.value))),
            h('td', null, (p.schema && p.schema.type) || 'any'),
            h('td', { class: 'small' }, [
              p.schema && p.schema.enum ? `one of ${p.schema.enum.map((v) => JSON.stringify(v)).join(', ')}` : null,
              p.schema && p.schema.minimum !== undefined ? `≥ ${p.schema.minimum}` : null,
              p.schema && p.schema.maximum !== undefined ? `≤ ${p.schema.maximum}` : null,
            ].filter(Boolean).join('; ')),
            h('td', null, p.description || '')))))),
    details.doc_md ? h('section', null, h('h3', null, 'Documentation'), h('pre', { class: 'doc' }, details.doc_md)) : null,
    h('section', null, h('h3', null, 'Tasks'), h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Task'), h('th', null, 'Operator'), h('th', null, 'Trigger rule'), h('th', null, 'Upstream'), h('th', null, 'Retries'), h('th', null, 'Pool'))),
      h('tbody', null, tasks.map((t) => h('tr', null,
        h('td', { class: 'mono' }, t.task_id), h('td', null, t.operator_name), h('td', null, t.trigger_rule),
        h('td', { class: 'small' }, (t.upstream_task_ids || []).join(', ')), h('td', null, String(t.retries)), h('td', null, t.pool)))))));
}

/** The conf a trigger form starts with: every param's default (null for a required one). */
export function defaultConf(details) {
  const conf = {};
  for (const [name, p] of Object.entries((details && details.params) || {})) conf[name] = p.value ?? null;
  return fmtJson(conf);
}
