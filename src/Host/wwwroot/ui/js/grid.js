// The grid: one column per run (newest right), one row per task in topological order; task groups (the task-id
// prefixes before a '.') are rows of their own that collapse; a mapped task's cell counts its instances per state.
import { h } from './dom.js';
import { fmtDate, fmtDuration, secondsBetween } from './format.js';
import { stateName, summaryState } from './states.js';

/** Tasks (topological order) as a tree of groups: { children: [{type:'group', id, name, children} | {type:'task', id, name, task}] }. */
export function taskTree(tasks) {
  const root = { children: [], groups: new Map() };
  for (const task of tasks) {
    const parts = task.task_id.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i += 1) {
      const id = parts.slice(0, i + 1).join('.');
      let group = node.groups.get(id);
      if (!group) {
        group = { type: 'group', id, name: parts[i], children: [], groups: new Map() };
        node.groups.set(id, group);
        node.children.push(group);
      }
      node = group;
    }
    node.children.push({ type: 'task', id: task.task_id, name: parts[parts.length - 1], task });
  }
  return root;
}

function tasksUnder(node) {
  return node.type === 'task' ? [node.id] : node.children.flatMap(tasksUnder);
}

/** A task's instances in one run: { state, mapped, counts } (counts per state for mapped tasks). */
export function cellOf(tis) {
  const list = tis || [];
  const mapped = list.filter((t) => t.map_index >= 0);
  if (mapped.length > 0) {
    const counts = {};
    for (const ti of mapped) counts[stateName(ti.state)] = (counts[stateName(ti.state)] || 0) + 1;
    return { state: summaryState(mapped.map((t) => t.state)), mapped: true, counts, instances: mapped };
  }
  return { state: stateName(list[0] && list[0].state), mapped: false, counts: null, instances: list, ti: list[0] };
}

/**
 * The grid table. model: { tasks, runs (oldest first), tis: Map(run_id -> Map(task_id -> [ti])), selectedRunId,
 * collapsed: Set(group ids) }; on: { run(runId), cell(runId, taskId), toggle(groupId) }.
 */
export function renderGrid(model, on) {
  const { runs, tis, selectedRunId, collapsed } = model;
  const durations = runs.map((r) => secondsBetween(r.start_date, r.end_date) || 0);
  const longest = Math.max(1, ...durations);

  const header = h('tr', null,
    h('th', { class: 'grid-task-header' }, h('span', { class: 'muted small' }, `${model.tasks.length} tasks · ${runs.length} runs`)),
    runs.map((run, i) => h('th', {
      class: ['grid-run', run.dag_run_id === selectedRunId && 'selected'],
      testid: `grid-run-${run.dag_run_id}`,
      state: run.state,
      title: `${run.dag_run_id}\nstate: ${run.state}\nlogical date: ${fmtDate(run.logical_date)} UTC\nrun type: ${run.run_type}\nduration: ${fmtDuration(secondsBetween(run.start_date, run.end_date))}`,
      onclick: () => on.run(run.dag_run_id),
    }, h('span', { class: 'run-bar', state: run.state, style: { height: `${Math.max(4, Math.round((durations[i] / longest) * 56))}px` } }))));

  const rows = [];
  const walk = (node, depth, hidden) => {
    for (const child of node.children) {
      if (child.type === 'group') {
        const open = !collapsed.has(child.id);
        const ids = tasksUnder(child);
        rows.push(h('tr', { testid: `grid-group-${child.id}`, class: 'grid-group', hidden },
          h('th', { class: 'grid-label', style: { paddingLeft: `${8 + depth * 16}px` }, title: child.id },
            h('button', {
              type: 'button', class: 'group-toggle', testid: `grid-group-toggle-${child.id}`, 'aria-expanded': String(open),
              title: open ? 'Collapse the group' : 'Expand the group', onclick: () => on.toggle(child.id),
            }, open ? '▾' : '▸'),
            h('span', { class: 'group-name' }, child.name)),
          runs.map((run) => {
            const byTask = tis.get(run.dag_run_id);
            const states = byTask ? ids.flatMap((id) => (byTask.get(id) || []).map((t) => t.state)) : [];
            return h('td', { class: ['grid-cell', 'grid-group-cell', run.dag_run_id === selectedRunId && 'selected'], testid: `grid-group-cell-${run.dag_run_id}-${child.id}`, state: states.length ? summaryState(states) : 'none', title: `${child.id} (group): ${states.length ? summaryState(states) : 'none'}`, onclick: () => on.toggle(child.id) },
              h('span', { class: 'square group-square', state: states.length ? summaryState(states) : 'none' }));
          })));
        walk(child, depth + 1, hidden || !open);
      } else {
        rows.push(h('tr', { testid: `grid-row-${child.id}`, class: 'grid-task', hidden },
          h('th', { class: 'grid-label', style: { paddingLeft: `${8 + depth * 16 + (depth ? 14 : 0)}px` }, title: `${child.id} (${child.task.operator_name})` },
            child.name, child.task.is_mapped ? h('span', { class: 'muted' }, ' [ ]') : null),
          runs.map((run) => {
            const byTask = tis.get(run.dag_run_id);
            const cell = cellOf(byTask && byTask.get(child.id));
            const title = cell.mapped
              ? `${child.id} (mapped, ${cell.instances.length})\n${Object.entries(cell.counts).map(([st, n]) => `${st}: ${n}`).join('\n')}`
              : `${child.id}\n${cell.state}${cell.ti && cell.ti.try_number ? `\ntry ${cell.ti.try_number}` : ''}${cell.ti && cell.ti.start_date ? `\nduration ${fmtDuration(secondsBetween(cell.ti.start_date, cell.ti.end_date))}` : ''}`;
            return h('td', {
              class: ['grid-cell', run.dag_run_id === selectedRunId && 'selected', cell.mapped && 'mapped'],
              testid: `grid-cell-${run.dag_run_id}-${child.id}`,
              state: cell.state,
              title,
              onclick: () => on.cell(run.dag_run_id, child.id),
            }, cell.mapped
              ? h('span', { class: 'mapped-counts' }, Object.entries(cell.counts).map(([st, n]) => h('span', { class: 'count', state: st }, String(n))))
              : h('span', { class: 'square', state: cell.state }));
          })));
      }
    }
  };
  walk(taskTree(model.tasks), 0, false);

  return h('table', { class: 'grid', testid: 'grid' }, h('thead', null, header), h('tbody', null, rows));
}
