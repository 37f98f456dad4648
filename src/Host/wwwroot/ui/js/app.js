// The app: login (API key), navigation and the hash router that mounts one page at a time.
import { api, errorText, getApiKey, getFunctionsKey, setApiKey, setFunctionsKey } from './api.js';
import { h, replace } from './dom.js';
import { fmtDate } from './format.js';
import { parseRoute } from './router.js';
import { DagListPage } from './dagList.js';
import { DagPage } from './dagPage.js';
import { AssetsPage } from './assets.js';

const main = document.getElementById('main');
const logout = document.getElementById('logout');
let page = null;
let loginShown = false;

function unmount() {
  if (page) page.destroy();
  page = null;
}

function route() {
  if (loginShown) return;
  const r = parseRoute();
  document.getElementById('nav-dags').classList.toggle('active', r.page !== 'assets');
  document.getElementById('nav-assets').classList.toggle('active', r.page === 'assets');
  if (page && page.accepts && page.accepts(r)) {
    page.update(r);
    return;
  }

  unmount();
  const container = h('div', { class: 'page' });
  replace(main, container);
  page = r.page === 'assets' ? new AssetsPage(container) : r.page === 'dag' ? new DagPage(container, r) : new DagListPage(container, r);
  page.start();
}

function showLogin(message) {
  if (loginShown) {
    if (message) showLoginError(message);
    return;
  }

  loginShown = true;
  unmount();
  logout.hidden = true;
  const input = h('input', { type: 'password', testid: 'api-key-input', id: 'api-key', autocomplete: 'current-password', required: true, placeholder: 'API key' });
  const functionsKey = h('input', {
    type: 'password', testid: 'functions-key-input', id: 'functions-key', autocomplete: 'off', placeholder: 'only on Azure Functions',
    value: getFunctionsKey() || '',
  });
  const error = h('p', { class: 'error', testid: 'login-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'login-submit' }, 'Log in');
  const form = h('form', {
    class: 'card login', testid: 'login-form', onsubmit: async (e) => {
      e.preventDefault();
      const key = input.value.trim();
      if (!key) {
        showLoginError('Type an API key.');
        return;
      }

      submit.disabled = true;
      setApiKey(key);
      setFunctionsKey(functionsKey.value.trim() || null);
      try {
        await api('/dags', { query: { limit: 1 } });
        loginShown = false;
        logout.hidden = false;
        route();
      } catch (err) {
        setApiKey(null);
        setFunctionsKey(null);
        // The Functions host refuses a missing or wrong function key with a bare 401 (no problem detail).
        showLoginError(err.status === 401 && !err.body
          ? 'Refused (401) without a reason: on Azure Functions, type a function key of the http function in "Functions key".'
          : errorText(err));
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h1', null, 'Log in to Gale'),
  h('p', { class: 'muted' }, 'Gale\'s API needs a key: one of GALE_API_KEYS (KEY:admin or KEY:read), or the one a local gale serve printed (kept in .gale/api-key). It is kept in this tab only.'),
  h('label', { for: 'api-key' }, 'API key'),
  input,
  h('label', { for: 'functions-key' }, 'Functions key (optional)'),
  functionsKey,
  h('p', { class: 'muted small' }, 'On Azure Functions the host asks for a function key of the http function (Portal: Functions › http › Function keys, or an app key); it is sent as the x-functions-key header. Leave it empty for gale serve.'),
  error,
  submit);
  replace(main, form);
  if (message) showLoginError(message);
  setApiKey(null);
  input.focus();
}

function showLoginError(message) {
  const error = main.querySelector('[data-testid="login-error"]');
  if (!error) return;
  error.textContent = message;
  error.hidden = false;
}

// A local gale serve with no authentication configured prints /ui/#key=<its admin key>: log in with it, then take
// the key out of the address bar (and the history entry) so it is not bookmarked or shared by accident. Opening the
// URL in a tab already showing the UI only changes the hash, so this runs on hashchange too.
function takeKeyFromUrl() {
  const match = /^#key=([^&/?]+)$/.exec(location.hash);
  if (!match) return false;
  setApiKey(decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
  loginShown = false;
  logout.hidden = false;
  return true;
}

// A refused key is named in the form; the first visit (no key yet) just shows the form.
window.addEventListener('gale:unauthorized', (e) => showLogin(getApiKey() && e.detail ? e.detail.detail : null));
window.addEventListener('hashchange', () => {
  takeKeyFromUrl();
  route();
});
logout.addEventListener('click', () => {
  setApiKey(null);
  setFunctionsKey(null);
  showLogin();
});

const clock = document.getElementById('clock');
const tick = () => { clock.textContent = `${fmtDate(new Date().toISOString())} UTC`; };
tick();
setInterval(tick, 1000);

takeKeyFromUrl();
if (getApiKey()) logout.hidden = false;
route();
