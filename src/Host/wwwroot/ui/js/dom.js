// Tiny DOM helpers: elements are built with textContent and properties only (never innerHTML), so data from the
// API cannot inject markup. Styles are set through the CSSOM (el.style), never as a style attribute, so the page works
// under a Content-Security-Policy whose style-src has no 'unsafe-inline'.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, props, isSvg) {
  // 'state' last, so the class it adds survives a 'class' given in any order.
  const entries = Object.entries(props || {}).sort((a, b) => (a[0] === 'state') - (b[0] === 'state'));
  for (const [key, value] of entries) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'testid') el.setAttribute('data-testid', value);
    else if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'state') {
      const name = value || 'none';
      el.setAttribute('data-state', name);
      el.classList.add(`state-${name}`);
    } else if (key === 'style') {
      if (typeof value === 'object') Object.assign(el.style, value);
      else el.style.cssText = String(value);
    }
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (!isSvg && (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected' || key === 'hidden')) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('a', {href, testid, class, state, onclick}, ...children). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props, false);
  append(el, children);
  return el;
}

/** An SVG element, same conventions as h(). */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, props, true);
  append(el, children);
  return el;
}

/** Replaces every child of el with children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A link inside the app (hash route). */
export function link(route, props, ...children) {
  return h('a', { href: `#${route}`, ...props }, ...children);
}

function sameKind(a, b) {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName
    && (a.nodeType !== Node.ELEMENT_NODE || a.getAttribute('data-testid') === b.getAttribute('data-testid'));
}

// Makes the live node a look like the new node b: attributes and text are updated in place, elements whose tag or
// data-testid differ are replaced. Listeners stay on kept elements, so they must depend only on what their
// data-testid says (or read the page's state when called).
function morph(a, b) {
  if (!sameKind(a, b)) {
    a.replaceWith(b);
    return true;
  }
  if (a.nodeType !== Node.ELEMENT_NODE) {
    if (a.nodeValue === b.nodeValue) return false;
    a.nodeValue = b.nodeValue;
    return true;
  }
  let changed = false;
  for (const { name } of [...a.attributes]) {
    if (!b.hasAttribute(name)) {
      a.removeAttribute(name);
      changed = true;
    }
  }
  for (const { name, value } of [...b.attributes]) {
    if (a.getAttribute(name) !== value) {
      // A style attribute set with setAttribute needs style-src 'unsafe-inline'; the CSSOM does not.
      if (name === 'style') a.style.cssText = b.style.cssText;
      else a.setAttribute(name, value);
      changed = true;
    }
  }
  if (a.nodeName === 'OPTION' && a.selected !== b.selected) {
    a.selected = b.selected;
    changed = true;
  }
  const olds = [...a.childNodes];
  const news = [...b.childNodes];
  news.forEach((node, i) => {
    if (i < olds.length) changed = morph(olds[i], node) || changed;
    else {
      a.appendChild(node);
      changed = true;
    }
  });
  for (const node of olds.slice(news.length)) {
    node.remove();
    changed = true;
  }
  return changed;
}

/**
 * Shows content in el, updating what el already shows in place (see morph) rather than replacing it, so a refresh
 * keeps the elements a user (or a browser test) holds, and changes only what changed. Answers whether anything did.
 */
export function swap(el, content) {
  if (el.childNodes.length === 1) return morph(el.firstChild, content);
  el.replaceChildren(content);
  return true;
}
