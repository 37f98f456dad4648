// Airflow's task and run states, in the order of its legend, with its colours (gale.css holds the same colours).
import { h } from './dom.js';

export const TASK_STATES = [
  'deferred', 'failed', 'queued', 'removed', 'restarting', 'running', 'scheduled', 'skipped', 'success',
  'up_for_reschedule', 'up_for_retry', 'upstream_failed', 'none',
];

export const COLORS = {
  deferred: 'mediumpurple', failed: 'red', queued: 'gray', removed: 'lightgrey', restarting: 'violet',
  running: 'lime', scheduled: 'tan', skipped: 'hotpink', success: 'green', up_for_reschedule: 'turquoise',
  up_for_retry: 'gold', upstream_failed: 'orange', none: 'white',
};

/** Airflow's name of a state as the API sends it (null means none). */
export const stateName = (state) => state || 'none';

/** Run states the UI keeps refreshing for. */
export const isActiveRun = (state) => state === 'queued' || state === 'running';

/**
 * Task states that change by themselves, whose log and state the task panel keeps refreshing (an instance with no
 * state yet counts too while its run is active: the panel asks the page about the run).
 */
export const isActiveTask = (state) =>
  ['running', 'queued', 'scheduled', 'deferred', 'up_for_reschedule', 'up_for_retry', 'restarting'].includes(state);

// Airflow's priority for summarising several task instances in one cell (task groups, mapped tasks): the first state
// of this list that any instance has.
const PRIORITY = [
  'failed', 'upstream_failed', 'up_for_retry', 'up_for_reschedule', 'queued', 'scheduled', 'deferred', 'running',
  'restarting', 'none', 'success', 'skipped', 'removed',
];

/** The one state that stands for many (Airflow's group/mapped summary). */
export function summaryState(states) {
  const present = new Set(states.map(stateName));
  if (present.size === 0) return 'none';
  return PRIORITY.find((st) => present.has(st)) || 'none';
}

/** A coloured state label: <span class="state-badge state-x" data-state="x">x</span>. */
export function badge(state, props = {}) {
  const name = stateName(state);
  return h('span', { class: 'state-badge', state: name, ...props }, name);
}

/** The colour legend Airflow shows above its grid and graph. */
export function legend() {
  return h('div', { class: 'legend' },
    TASK_STATES.map((st) => h('span', { class: 'legend-item' }, h('span', { class: 'square', state: st }), st)));
}
