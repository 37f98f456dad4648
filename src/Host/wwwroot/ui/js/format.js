// Dates and durations as Airflow shows them (UTC).

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** 2024-01-02 03:04:05 (UTC), or the placeholder for no date. */
export function fmtDate(iso, placeholder = '—') {
  if (!iso) return placeholder;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** 03:04:05 (UTC), with tenths of a second when asked. */
export function fmtTime(ms, tenths = false) {
  const d = new Date(ms);
  const text = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return tenths ? `${text}.${Math.floor(d.getUTCMilliseconds() / 100)}` : text;
}

/** Seconds as 00:01:02 (or 1d 02:03:04), like Airflow's durations. */
export function fmtDuration(seconds, placeholder = '—') {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return placeholder;
  const total = Math.max(0, Math.round(seconds));
  const days = Math.floor(total / 86400);
  const rest = total % 86400;
  const hms = `${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
  return days > 0 ? `${days}d ${hms}` : hms;
}

/** Seconds between two ISO dates (the second defaulting to now), or null. */
export function secondsBetween(startIso, endIso) {
  if (!startIso) return null;
  const end = endIso ? new Date(endIso).getTime() : Date.now();
  return (end - new Date(startIso).getTime()) / 1000;
}

/** JSON for people: pretty, or the text itself for strings. */
export function fmtJson(value) {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}
