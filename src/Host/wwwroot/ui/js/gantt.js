// The Gantt chart of one run: a row per task, a bar per try, its queued part (queued_when to start_date) light and
// its running part (start_date to end_date, or now) in the try's state colour.
import { h, s } from './dom.js';
import { fmtDate, fmtDuration, fmtTime } from './format.js';
import { stateName, summaryState } from './states.js';

const LABEL_W = 210;
const CHART_W = 780;
const ROW_H = 26;
const BAR_H = 14;
const AXIS_H = 28;

const ms = (iso) => (iso ? new Date(iso).getTime() : null);

/** Tries of one task (map indexes merged): [{ tryNumber, state, queued, start, end }] in ms. */
function triesByTask(tries) {
  const byTask = new Map();
  for (const t of tries) {
    const perTry = byTask.get(t.task_id) || new Map();
    byTask.set(t.task_id, perTry);
    const entry = perTry.get(t.try_number) || { tryNumber: t.try_number, states: [], queued: [], start: [], end: [], open: false };
    perTry.set(t.try_number, entry);
    entry.states.push(t.state);
    if (t.queued_when) entry.queued.push(ms(t.queued_when));
    if (t.start_date) entry.start.push(ms(t.start_date));
    if (t.end_date) entry.end.push(ms(t.end_date));
    else entry.open = true;
  }
  const result = new Map();
  for (const [task, perTry] of byTask) {
    result.set(task, [...perTry.values()].sort((a, b) => a.tryNumber - b.tryNumber).map((e) => ({
      tryNumber: e.tryNumber,
      state: summaryState(e.states),
      count: e.states.length,
      queued: e.queued.length ? Math.min(...e.queued) : null,
      start: e.start.length ? Math.min(...e.start) : null,
      end: !e.open && e.end.length ? Math.max(...e.end) : null,
    })));
  }
  return result;
}

function ticks(t0, t1, count) {
  const step = (t1 - t0) / count;
  return Array.from({ length: count + 1 }, (_, i) => t0 + i * step);
}

/** The Gantt of a run. tasks: topological order; tries: the API's task_instances of …/taskInstances/~/tries; on.bar(taskId, tryNumber). */
export function renderGantt(tasks, tries, run, on) {
  const now = Date.now();
  const byTask = triesByTask(tries);
  const all = [...byTask.values()].flat();
  if (all.length === 0) {
    return h('div', { class: 'gantt', testid: 'gantt' }, h('p', { class: 'muted' }, `No task of run ${run.dag_run_id} has been queued yet.`));
  }

  const starts = all.map((t) => t.queued ?? t.start).filter((t) => t !== null);
  const ends = all.map((t) => (t.end !== null ? t.end : now));
  const t0 = starts.length ? Math.min(...starts) : Math.min(...ends) - 1000;
  const t1 = Math.max(t0 + 1000, ...ends);
  const x = (t) => LABEL_W + ((t - t0) / (t1 - t0)) * CHART_W;
  const rows = tasks.filter((t) => byTask.has(t.task_id)).concat(tasks.filter((t) => !byTask.has(t.task_id)));
  const height = AXIS_H + rows.length * ROW_H + 8;
  const width = LABEL_W + CHART_W + 50;

  const axis = ticks(t0, t1, 6).map((t) => s('g', { class: 'gantt-tick' },
    s('line', { x1: x(t), x2: x(t), y1: AXIS_H - 6, y2: height }),
    s('text', { x: x(t), y: AXIS_H - 10, 'text-anchor': 'middle' }, fmtTime(t, t1 - t0 < 20000))));

  const body = rows.map((task, i) => {
    const y = AXIS_H + i * ROW_H;
    const bars = (byTask.get(task.task_id) || []).map((t) => {
      const queued = t.queued ?? t.start;
      const started = t.start;
      const ended = t.end ?? now;
      const name = stateName(t.state);
      const title = [
        `${task.task_id}, try ${t.tryNumber}${t.count > 1 ? ` (${t.count} mapped instances)` : ''}: ${name}`,
        `queued: ${fmtDate(queued !== null ? new Date(queued).toISOString() : null)}`,
        `started: ${fmtDate(started !== null ? new Date(started).toISOString() : null)}`,
        `ended: ${fmtDate(t.end !== null ? new Date(t.end).toISOString() : null)}`,
        `queued for ${fmtDuration(queued !== null ? ((started ?? ended) - queued) / 1000 : null)}, ran for ${fmtDuration(started !== null ? (ended - started) / 1000 : null)}`,
      ].join('\n');
      const queuedEnd = started ?? ended;
      return s('g', {
        class: 'gantt-bar', testid: `gantt-bar-${task.task_id}-${t.tryNumber}`, state: name, 'data-try': t.tryNumber,
        onclick: () => on.bar(task.task_id, t.tryNumber),
      },
      s('title', null, title),
      queued !== null ? s('rect', { class: 'gantt-queued', x: x(queued), y: y + (ROW_H - BAR_H) / 2, width: Math.max(1, x(queuedEnd) - x(queued)), height: BAR_H }) : null,
      started !== null ? s('rect', { class: 'gantt-running', x: x(started), y: y + (ROW_H - BAR_H) / 2, width: Math.max(2, x(ended) - x(started)), height: BAR_H, rx: 2 }) : null);
    });
    return s('g', { class: 'gantt-row' },
      s('rect', { class: i % 2 ? 'gantt-stripe odd' : 'gantt-stripe', x: 0, y, width, height: ROW_H }),
      s('text', { class: 'gantt-label', x: 8, y: y + ROW_H / 2 + 4 }, task.task_id.length > 28 ? `${task.task_id.slice(0, 27)}…` : task.task_id),
      bars);
  });

  return h('div', { class: 'gantt', testid: 'gantt' },
    h('p', { class: 'muted small' }, `Run ${run.dag_run_id}: ${fmtDate(new Date(t0).toISOString())} to ${fmtDate(new Date(t1).toISOString())} UTC. Grey: queued; coloured: running (in the try's state).`),
    s('svg', { class: 'gantt-chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Gantt chart' },
      s('g', { class: 'gantt-axis' }, axis), body));
}
