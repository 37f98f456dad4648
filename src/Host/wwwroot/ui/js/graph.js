// The graph: tasks laid out left to right in longest-path layers (a task sits one layer right of its furthest
// upstream), ordered in each layer by the mean position of their upstream tasks; edges are SVG curves with arrows;
// nodes carry the selected run's states and, in their <title>, the trigger rule.
import { s } from './dom.js';
import { cellOf } from './grid.js';

const NODE_W = 190;
const NODE_H = 46;
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 16;

/** Positions: Map(task_id -> {x, y, layer}) and the drawing's size. */
export function layout(tasks) {
  const layerOf = new Map();
  for (const task of tasks) {
    const ups = (task.upstream_task_ids || []).filter((u) => layerOf.has(u));
    layerOf.set(task.task_id, ups.length ? Math.max(...ups.map((u) => layerOf.get(u))) + 1 : 0);
  }

  const layers = [];
  tasks.forEach((task, index) => {
    const l = layerOf.get(task.task_id);
    (layers[l] = layers[l] || []).push({ task, index });
  });

  // Order each layer by the barycentre of its upstream tasks (two sweeps), ties by topological order.
  const slot = new Map();
  layers.forEach((layer) => layer.forEach((n, i) => slot.set(n.task.task_id, i)));
  for (let sweep = 0; sweep < 2; sweep += 1) {
    for (let l = 1; l < layers.length; l += 1) {
      const key = (n) => {
        const ups = (n.task.upstream_task_ids || []).filter((u) => slot.has(u));
        return ups.length ? ups.reduce((sum, u) => sum + slot.get(u), 0) / ups.length : slot.get(n.task.task_id);
      };
      layers[l].sort((a, b) => key(a) - key(b) || a.index - b.index);
      layers[l].forEach((n, i) => slot.set(n.task.task_id, i));
    }
  }

  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y;
  const positions = new Map();
  layers.forEach((layer, l) => {
    const used = layer.length * NODE_H + (layer.length - 1) * GAP_Y;
    const top = PAD + (height - PAD * 2 - used) / 2;
    layer.forEach((n, i) => positions.set(n.task.task_id, { x: PAD + l * (NODE_W + GAP_X), y: top + i * (NODE_H + GAP_Y), layer: l }));
  });
  const width = PAD * 2 + Math.max(1, layers.length) * NODE_W + Math.max(0, layers.length - 1) * GAP_X;
  return { positions, width, height };
}

const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The graph's <svg data-testid="graph">. tis: Map(task_id -> [ti]) of the selected run (or null); on.node(taskId). */
export function renderGraph(tasks, tis, on) {
  const { positions, width, height } = layout(tasks);
  const edges = [];
  for (const task of tasks) {
    const to = positions.get(task.task_id);
    for (const up of task.upstream_task_ids || []) {
      const from = positions.get(up);
      if (!from) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x - 2;
      const y2 = to.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      edges.push(s('path', { class: 'graph-edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)', 'data-from': up, 'data-to': task.task_id }));
    }
  }

  const nodes = tasks.map((task) => {
    const p = positions.get(task.task_id);
    const cell = cellOf(tis ? tis.get(task.task_id) : []);
    const counts = cell.mapped ? ` [${cell.instances.length}]` : '';
    const lines = [
      task.task_id,
      `operator: ${task.operator_name}`,
      `trigger rule: ${task.trigger_rule}`,
      `state: ${cell.state}${cell.mapped ? ` (${Object.entries(cell.counts).map(([st, n]) => `${n} ${st}`).join(', ')})` : ''}`,
    ];
    return s('g', {
      class: 'graph-node', testid: `graph-node-${task.task_id}`, state: cell.state, transform: `translate(${p.x},${p.y})`,
      'data-trigger-rule': task.trigger_rule, tabindex: 0, role: 'button',
      onclick: () => on.node(task.task_id),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); on.node(task.task_id); } },
    },
    s('title', null, lines.join('\n')),
    s('rect', { class: 'node-box', width: NODE_W, height: NODE_H, rx: 5 }),
    s('rect', { class: 'node-state', width: 7, height: NODE_H, rx: 2 }),
    s('text', { class: 'node-label', x: 15, y: 19 }, clip(task.task_id, 24) + counts),
    s('text', { class: 'node-sub', x: 15, y: 36 }, clip(`${task.operator_name}${task.trigger_rule !== 'all_success' ? ` · ${task.trigger_rule}` : ''}`, 30)));
  });

  return s('svg', { class: 'graph', testid: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'DAG graph' },
    s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))),
    s('g', { class: 'edges' }, edges),
    s('g', { class: 'nodes' }, nodes));
}
