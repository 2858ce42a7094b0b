// Builds the catalog pages from `matcalc catalog export`.
//
//   node docs/site/build.mjs CATALOG.json OUTDIR
//
// writes OUTDIR/catalog.html (one self-contained page: formulas pre-rendered
// with KaTeX, KaTeX's CSS and woff2 fonts inlined, a client-side search; it
// makes no request of any kind and works opened from file://) and
// OUTDIR/catalog.md (the same content as Markdown). scripts/catalog runs it
// to regenerate the committed docs/catalog.{html,md}.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import katex from 'katex';

const require = createRequire(import.meta.url);

function usage(msg) {
  if (msg) process.stderr.write(`build.mjs: ${msg}\n`);
  process.stderr.write('usage: node docs/site/build.mjs CATALOG.json OUTDIR\n');
  process.exit(2);
}

const [catalogPath, outDir] = process.argv.slice(2);
if (!catalogPath || !outDir || process.argv.length > 4) usage();

let catalog;
try {
  catalog = JSON.parse(fs.readFileSync(catalogPath, 'utf8'));
} catch (e) {
  usage(`cannot read ${catalogPath}: ${e.message}`);
}
if (!Array.isArray(catalog.rules) || !Array.isArray(catalog.identities)) {
  usage(`${catalogPath} has no "rules" and "identities" arrays; is it \`matcalc catalog export\`?`);
}

const rules = catalog.rules;
const identities = catalog.identities;
const generator = String(catalog.generator || 'matcalc catalog export');

// ---------------------------------------------------------------- helpers

const html = (s) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** Groups items by key, keeping the order in which keys first appear. */
function groupBy(items, key) {
  const groups = new Map();
  for (const it of items) {
    const k = key(it) || '(none)';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(it);
  }
  return groups;
}

/** A unique, URL-friendly id. */
const usedIds = new Set();
function anchor(prefix, name) {
  const base = `${prefix}-${String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
  let id = base;
  for (let i = 2; usedIds.has(id); i++) id = `${base}-${i}`;
  usedIds.add(id);
  return id;
}

const katexErrors = [];
function renderLatex(latex, name) {
  const out = katex.renderToString(String(latex), { throwOnError: false, displayMode: false });
  if (out.includes('katex-error')) katexErrors.push(name);
  return out;
}

const statementOf = (e) => (e.kind === 'identity' ? e.statement : e.text);
const symbolicLabel = { reproduced: 'reproduced', 'numeric-only': 'numeric only', gap: 'gap' };

// Everything a search word may match: name, statement text, tags, section,
// source, note, family.
function searchText(e) {
  return [e.name, statementOf(e), ...(e.tags || []), e.section, e.source, e.note, e.family]
    .filter((x) => x !== undefined && x !== null && x !== '')
    .join('\n')
    .toLowerCase();
}

// Structural search without the engine: an expression's shape is its text
// with spaces removed and each variable renamed by kind and first
// occurrence (a matrix M1, M2 …, a vector v1 …, a Greek-named scalar s1 …);
// names followed by "(" are functions and stay, as do I, ones, zeros. So
// tr(P*Y*Q) has the shape of tr(A*X*B). One source, run here at build time on
// every entry's sides and in the page on the query.
const shapeSource = `function shapeOf(text) {
  var greek = /^(alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|omicron|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega)[0-9]*$/;
  var names = {}, counts = { M: 0, v: 0, s: 0 };
  return String(text).replace(/\\s+/g, '').replace(/[A-Za-z_][A-Za-z0-9_]*(\\(?)/g, function (word, call) {
    var name = call ? word.slice(0, -1) : word;
    if (call || name === 'I' || name === 'ones' || name === 'zeros') return word;
    if (!names[name]) {
      var k = greek.test(name) ? 's' : /^[A-Z]/.test(name) ? 'M' : 'v';
      names[name] = k + (++counts[k]);
    }
    return names[name];
  });
}`;
const shapeOf = new Function(`${shapeSource}; return shapeOf;`)();

// The sides a structural query is compared with: F of "grad F wrt X = G"
// (and G), or both sides of an equality.
function sidesOf(e) {
  const text = statementOf(e);
  const d = /^\s*(grad|jacobian|hessian)\s+(.+)\s+wrt\s+[A-Za-z_][A-Za-z0-9_]*\s*=\s*(.+)$/.exec(text);
  const sides = d ? [d[2], d[3]] : text.split('=');
  return sides.map((s) => shapeOf(s.trim()));
}

// ----------------------------------------------------------------- counts

const all = [
  ...identities.map((e) => ({ ...e, kind: 'identity' })),
  ...rules.map((e) => ({ ...e, kind: 'rule' })),
];
const counts = {
  entries: all.length,
  identities: identities.length,
  rules: rules.length,
  verified: all.filter((e) => e.numeric && e.numeric.ok).length,
  failed: all.filter((e) => !(e.numeric && e.numeric.ok)).length,
  reproduced: identities.filter((e) => e.symbolic && e.symbolic.status === 'reproduced').length,
  numericOnly: identities.filter((e) => e.symbolic && e.symbolic.status === 'numeric-only').length,
  gaps: identities.filter((e) => e.symbolic && e.symbolic.status === 'gap').length,
};

// ------------------------------------------------------------------- HTML

function inlineKatexCss() {
  const cssPath = require.resolve('katex/dist/katex.min.css');
  const fontDir = path.join(path.dirname(cssPath), 'fonts');
  let css = fs.readFileSync(cssPath, 'utf8');
  // Each @font-face lists woff2, woff and ttf; keep only the woff2, inlined.
  css = css.replace(/src:\s*url\(([^)]*?)\.woff2\)[^;}]*/g, (_, file) => {
    const woff2 = path.join(fontDir, path.basename(file.replace(/["']/g, '')) + '.woff2');
    const data = fs.readFileSync(woff2).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
  const leftover = css.match(/url\((?!data:)[^)]*\)/);
  if (leftover) throw new Error(`KaTeX CSS still refers to ${leftover[0]}`);
  return css;
}

function numericHtml(n) {
  if (n && n.ok) {
    return `<span class="ok">✓</span> ${html(n.method)}, ${html(n.trials)} trials`;
  }
  const detail = n && n.detail ? `: ${html(n.detail)}` : '';
  return `<span class="bad">✗</span> ${html(n ? n.method : 'not checked')}${n ? `, ${html(n.trials)} trials` : ''}${detail}`;
}

function symbolicHtml(s) {
  if (!s) return '';
  const label = symbolicLabel[s.status] || s.status;
  const cls = s.status === 'reproduced' ? 'ok' : s.status === 'gap' ? 'bad' : 'warn';
  const mark = s.status === 'reproduced' ? '✓' : s.status === 'gap' ? '✗' : '≈';
  let out = `<span class="${cls}">${mark} ${html(label)}</span>`;
  if (s.detail) out += ` — ${html(s.detail)}`;
  if (s.engine && s.status === 'reproduced') out += `<br><span class="muted">engine:</span> <code>${html(s.engine)}</code>`;
  else if (s.engine && !String(s.detail || '').includes(s.engine)) out += `<br><span class="muted">engine:</span> <code>${html(s.engine)}</code>`;
  return out;
}

function derivationHtml(steps) {
  if (!steps || steps.length === 0)
    return '<details><summary>derivation (no step)</summary><p class="muted">No rule rewrites either side: both are in normal form as written.</p></details>';
  const items = steps
    .map(
      (s) =>
        `<li><span class="stage">${html(s.stage)}</span> <span class="step-rule">${html(s.rule)}</span><br><code>${html(s.term)}</code></li>`,
    )
    .join('');
  return `<details><summary>derivation (${steps.length} step${steps.length === 1 ? '' : 's'})</summary><ol class="steps">${items}</ol></details>`;
}

// The filters' vocabulary: what the status menu selects on, and the group
// (an identity's section, a rule's family) the section menu selects.
function statusTokens(e) {
  const t = [e.numeric && e.numeric.ok ? 'verified' : 'failed'];
  if (e.kind === 'identity') t.push(e.symbolic && e.symbolic.status === 'reproduced' ? 'reproduced' : 'not-reproduced');
  if (e.note) t.push('note');
  return t.join(' ');
}
function groupOf(e) {
  return e.kind === 'identity' ? `identities: ${e.section}` : `rules: ${e.family}`;
}

function entryHtml(e, id) {
  const rows = [];
  const row = (k, v) => v && rows.push(`<dt>${k}</dt><dd>${v}</dd>`);
  row('where', (e.where || []).map((w) => `<code>${html(w)}</code>`).join(', '));
  row('source', html(e.source));
  if (e.note) row('note', `<span class="note">${html(e.note)}</span>`);
  if (e.kind === 'identity') {
    row('section', html(e.section));
    row('form', html(e.form));
    row('tags', (e.tags || []).map((t) => `<span class="tag">${html(t)}</span>`).join(' '));
  } else {
    row('family', html(e.family));
    row('order', html(e.order));
  }
  row('numeric', numericHtml(e.numeric));
  if (e.kind === 'identity') row('symbolic', symbolicHtml(e.symbolic));
  row('file', `<code>${html(e.file)}</code>`);
  const status =
    e.kind === 'identity' && e.symbolic && e.symbolic.status !== 'reproduced'
      ? ` <span class="badge ${e.symbolic.status === 'gap' ? 'bad' : 'warn'}">${html(symbolicLabel[e.symbolic.status] || e.symbolic.status)}</span>`
      : '';
  const failed = e.numeric && e.numeric.ok ? '' : ' <span class="badge bad">numeric check failed</span>';
  return (
    `<article class="entry ${e.kind}" id="${id}" data-search="${html(searchText(e))}" data-status="${statusTokens(e)}" data-shapes="${html(sidesOf(e).join(' '))}" data-group="${html(groupOf(e))}">` +
    `<h4><a href="#${id}">${html(e.name)}</a>${status}${failed}</h4>` +
    `<div class="formula">${renderLatex(e.latex, e.name)}</div>` +
    `<div class="text"><code>${html(statementOf(e))}</code></div>` +
    `<dl>${rows.join('')}</dl>` +
    (e.kind === 'identity' ? derivationHtml(e.derivation) : '') +
    `</article>`
  );
}

function groupsHtml(kind, groups, prefix) {
  const toc = [];
  const body = [];
  for (const [title, items] of groups) {
    const gid = anchor(prefix, title);
    toc.push(`<li><a href="#${gid}">${html(title)}</a> <span class="muted">(${items.length})</span></li>`);
    const entries = items.map((e) => entryHtml(e, anchor(kind, e.name))).join('\n');
    body.push(`<section class="group" id="${gid}"><h3>${html(title)}</h3>\n${entries}\n</section>`);
  }
  return { toc: toc.join(''), body: body.join('\n') };
}

const idGroups = groupsHtml(
  'identity',
  groupBy(all.filter((e) => e.kind === 'identity'), (e) => e.section),
  'section',
);
const ruleGroups = groupsHtml(
  'rule',
  groupBy(all.filter((e) => e.kind === 'rule'), (e) => e.family),
  'family',
);

const groupOptions = [...new Set(all.map(groupOf))]
  .map((g) => `<option value="${html(g)}">${html(g)}</option>`)
  .join('\n');

const script = `
(function () {
  var input = document.getElementById('search');
  var count = document.getElementById('count');
  var none = document.getElementById('nomatch');
  var entries = Array.prototype.slice.call(document.querySelectorAll('.entry'));
  var hay = entries.map(function (e) { return e.getAttribute('data-search') || ''; });
  var status = document.getElementById('status');
  var group = document.getElementById('group');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('.group, .kind'));
  var mode = document.getElementById('mode');
  var shapes = entries.map(function (e) { return (e.getAttribute('data-shapes') || '').split(' '); });
  ${shapeSource}
  // A query with an operator or a call is an expression: entries with a side
  // of its shape (grad F wrt X queries match F); otherwise words.
  function structural(q) {
    var d = /^\\s*(grad|jacobian|hessian)\\s+(.+)\\s+wrt\\s+\\S+\\s*$/.exec(q);
    if (d) q = d[2];
    return /[()*'+<>^]/.test(q) ? shapeOf(q.trim()) : null;
  }
  function apply() {
    var shape = structural(input.value);
    var words = shape ? [] : input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    mode.textContent = shape ? 'Matching the structure ' + shape + ' (letters renamed).' : '';
    var shown = 0;
    entries.forEach(function (e, i) {
      var ok = (shape ? shapes[i].indexOf(shape) !== -1 : words.every(function (w) { return hay[i].indexOf(w) !== -1; })) &&
        (!status.value || (' ' + e.getAttribute('data-status') + ' ').indexOf(' ' + status.value + ' ') !== -1) &&
        (!group.value || e.getAttribute('data-group') === group.value);
      e.hidden = !ok;
      if (ok) shown++;
    });
    boxes.forEach(function (b) { b.hidden = !b.querySelector('.entry:not([hidden])'); });
    count.textContent = String(shown);
    none.hidden = shown !== 0;
  }
  // The search and the filters live in the URL (?q=&status=&section=), so a
  // link reproduces what is shown; an entry's own link is its #anchor.
  function remember() {
    var p = new URLSearchParams();
    if (input.value) p.set('q', input.value);
    if (status.value) p.set('status', status.value);
    if (group.value) p.set('section', group.value);
    var s = p.toString();
    try { history.replaceState(null, '', (s ? '?' + s : window.location.pathname) + window.location.hash); } catch (e) {}
  }
  function update() { apply(); remember(); }
  input.addEventListener('input', update);
  status.addEventListener('change', update);
  group.addEventListener('change', update);
  var params = new URLSearchParams(window.location.search);
  if (params.get('q') !== null) input.value = params.get('q');
  function choose(select, value) {
    if (value === null) return;
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) select.value = value;
  }
  choose(status, params.get('status'));
  choose(group, params.get('section'));
  apply();
})();
`;

const pageCss = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  max-width: 52rem; margin: 0 auto; padding: 1rem 1.25rem 4rem; color: #1b1f24; background: #fff; }
[hidden] { display: none !important; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .5rem; border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 2rem 0 .5rem; color: #24292f; }
h4 { font-size: 1rem; margin: 0 0 .35rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
h4 a { color: inherit; text-decoration: none; }
h4 a:hover { text-decoration: underline; }
a { color: #0969da; }
code { font: .85em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: #f3f4f6; padding: .05em .3em; border-radius: 3px; overflow-wrap: anywhere; }
.muted { color: #57606a; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .75rem 0; padding: .6rem .8rem;
  background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }
.summary b { font-size: 1.15rem; }
.searchbar { position: sticky; top: 0; background: #fff; padding: .5rem 0; z-index: 1; border-bottom: 1px solid #eaeef2; }
#search { width: 100%; box-sizing: border-box; font: inherit; padding: .45rem .6rem; border: 1px solid #8c959f; border-radius: 6px; }
.searchbar p { margin: .3rem 0 0; font-size: .9rem; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem 1rem; margin: .4rem 0 0; font-size: .9rem; }
.filters select { font: inherit; max-width: 22rem; }
#nomatch { padding: 1rem; background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; }
.toc { display: grid; grid-template-columns: 3fr 2fr; gap: 1.5rem; font-size: .92rem; margin: .5rem 0; }
.toc ul { margin: .25rem 0; padding-left: 1.1rem; }
.toc ul.inline { columns: 2; }
@media (max-width: 40rem) { .toc { grid-template-columns: 1fr; } }
.entry, .group, .kind { scroll-margin-top: 6rem; }
.entry { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .8rem; margin: .6rem 0; }
.entry:target { border-color: #0969da; box-shadow: 0 0 0 2px #b6e3ff; }
.formula { font-size: 1.08rem; overflow-x: auto; overflow-y: hidden; padding: .2rem 0; }
.text { margin: .1rem 0 .4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .3rem 0; font-size: .9rem; }
dt { color: #57606a; }
dd { margin: 0; overflow-wrap: anywhere; }
.note { background: #fff8c5; padding: 0 .25em; }
.tag { display: inline-block; background: #ddf4ff; color: #0a3069; border-radius: 10px; padding: 0 .5em; font-size: .85em; }
.ok { color: #1a7f37; }
.bad { color: #cf222e; }
.warn { color: #9a6700; }
.badge { font: .75rem system-ui, sans-serif; border: 1px solid currentColor; border-radius: 10px; padding: 0 .45em; vertical-align: middle; margin-left: .4em; }
details { margin-top: .3rem; font-size: .88rem; }
summary { cursor: pointer; color: #0969da; }
.steps { padding-left: 2rem; margin: .3rem 0; }
.steps li { margin: .2rem 0; }
.stage { color: #57606a; }
.step-rule { font-weight: 600; }
footer { margin-top: 3rem; font-size: .85rem; color: #57606a; }
`;

const csp =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src data:; img-src data:";

const summaryHtml = `
<div class="summary">
  <span><b>${counts.entries}</b> entries <span class="muted">(${counts.identities} identities, ${counts.rules} rules)</span></span>
  <span><b>${counts.verified}</b> verified numerically${counts.failed ? ` <span class="bad">(${counts.failed} failed)</span>` : ''}</span>
  <span><b>${counts.reproduced}</b> of ${counts.identities} identities reproduced symbolically${counts.numericOnly ? ` <span class="muted">(${counts.numericOnly} numeric only)</span>` : ''}</span>
  <span><b>${counts.gaps}</b> gap${counts.gaps === 1 ? '' : 's'}</span>
</div>`;

const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="${html(generator)}">
<title>matcalc catalog: identities and rules</title>
<link rel="icon" href="data:,">
<style>
${inlineKatexCss()}
</style>
<style>${pageCss}</style>
</head>
<body>
<header>
<h1>matcalc catalog</h1>
<p class="muted">Every identity and rewrite rule matcalc knows, each checked numerically on random
guard-satisfying values; each identity also derived by the engine and compared with its statement.
Generated by <code>${html(generator)}</code>; regenerate with <code>scripts/catalog</code>.</p>
${summaryHtml}
<nav class="toc">
<div><a href="#identities"><b>Identities</b></a> <span class="muted">(${counts.identities})</span><ul>${idGroups.toc}</ul></div>
<div><a href="#rules"><b>Rules</b></a> <span class="muted">(${counts.rules})</span><ul class="inline">${ruleGroups.toc}</ul></div>
</nav>
</header>
<div class="searchbar">
<input id="search" type="search" placeholder="Search: words (name, statement, tags, section, source, note, family) or an expression, e.g. tr(P*Y*Q)" aria-label="Search the catalog" autocomplete="off">
<div class="filters">
<label>Status <select id="status" aria-label="Filter by verification status">
<option value="">any</option>
<option value="verified">verified numerically</option>
<option value="failed">numeric check failed</option>
<option value="reproduced">identity reproduced by the engine</option>
<option value="not-reproduced">identity not reproduced</option>
<option value="note">with a note (erratum, convention)</option>
</select></label>
<label>Section <select id="group" aria-label="Filter by section or family">
<option value="">all</option>
${groupOptions}
</select></label>
</div>
<p>Showing <span id="count">${counts.entries}</span> of ${counts.entries} entries. <span id="mode" class="muted"></span></p>
</div>
<p id="nomatch" hidden>No entry matches the search.</p>
<main>
<section class="kind" id="identities">
<h2>Identities</h2>
${idGroups.body}
</section>
<section class="kind" id="rules">
<h2>Rules</h2>
${ruleGroups.body}
</section>
</main>
<footer>Numeric methods: <b>exact</b> — rational arithmetic (GMP) on integer matrices;
<b>dual</b> — forward-mode dual numbers, exact directional derivatives;
<b>double</b> — floating point with a relative tolerance. Symbolic: <b>reproduced</b> — the engine's
normal form equals the statement's; <b>numeric only</b> — the engine derives a different but equal
expression; <b>gap</b> — the normal forms differ.</footer>
<script>${script}</script>
</body>
</html>
`;

// --------------------------------------------------------------- Markdown

const mdText = (s) =>
  String(s ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/[\\`*_[\]<>|#~$]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;');

/** A code span, safe inside a table cell. */
function mdCode(s) {
  const str = String(s ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const runs = str.match(/`+/g) || [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = str.startsWith('`') || str.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${str}${pad}${fence}`;
}

/** $...$ math, safe inside a table cell: bars spelled \vert / \Vert. */
const mdMath = (latex) =>
  `$${String(latex).replace(/\\\|/g, '\\Vert ').replace(/\|/g, '\\vert ').replace(/\r?\n/g, ' ')}$`;

function mdNumeric(n) {
  if (n && n.ok) return `✓ ${mdText(n.method)}, ${n.trials} trials`;
  return `✗ ${mdText(n ? n.method : 'not checked')}${n && n.detail ? `: ${mdText(n.detail)}` : ''}`;
}

function mdSymbolic(s) {
  if (!s) return '';
  const mark = s.status === 'reproduced' ? '✓' : s.status === 'gap' ? '✗' : '≈';
  let out = `${mark} ${mdText(symbolicLabel[s.status] || s.status)}`;
  if (s.detail) out += `: ${mdText(s.detail)}`;
  return out;
}

const mdAnchors = new Set();
function mdSlug(title) {
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'.
  let base = String(title).toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
  let slug = base;
  for (let i = 1; mdAnchors.has(slug); i++) slug = `${base}-${i}`;
  mdAnchors.add(slug);
  return slug;
}

const md = [];
md.push('# matcalc catalog');
md.push('');
md.push(
  `Every identity and rewrite rule matcalc knows, each checked numerically on random guard-satisfying values; each identity also derived by the engine and compared with its statement. Generated by ${mdCode(generator)} with \`docs/site/build.mjs\`; regenerate with \`scripts/catalog\`. [catalog.html](catalog.html) is the same catalog as one searchable page.`,
);
md.push('');
md.push('| entries | identities | rules | verified numerically | reproduced symbolically | numeric only | gaps |');
md.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
md.push(
  `| ${counts.entries} | ${counts.identities} | ${counts.rules} | ${counts.verified} | ${counts.reproduced} | ${counts.numericOnly} | ${counts.gaps} |`,
);
md.push('');
md.push(
  'Numeric methods: **exact**, rational arithmetic (GMP) on integer matrices; **dual**, forward-mode dual numbers (exact directional derivatives); **double**, floating point with a relative tolerance. Symbolic status: **reproduced**, the engine\'s normal form equals the statement\'s; **numeric only**, the engine derives a different but equal expression; **gap**, the normal forms differ. In formulas, `|` is written `\\vert` and `\\|` is written `\\Vert` so that tables stay intact.',
);
md.push('');

const idBySection = groupBy(identities, (e) => e.section);
const rulesByFamily = groupBy(rules, (e) => e.family);
mdSlug('matcalc catalog');
const idSlug = mdSlug('Identities');
const sectionSlugs = [...idBySection.keys()].map((s) => [s, mdSlug(s)]);
const ruleSlug = mdSlug('Rules');
const familySlugs = [...rulesByFamily.keys()].map((f) => [f, mdSlug(`Family: ${f}`)]);

md.push('## Contents');
md.push('');
md.push(`- [Identities](#${idSlug}) (${identities.length})`);
for (const [s, slug] of sectionSlugs) md.push(`  - [${mdText(s)}](#${slug}) (${idBySection.get(s).length})`);
md.push(`- [Rules](#${ruleSlug}) (${rules.length})`);
for (const [f, slug] of familySlugs) md.push(`  - [${mdText(f)}](#${slug}) (${rulesByFamily.get(f).length})`);
md.push('');

md.push('## Identities');
md.push('');
for (const [section, items] of idBySection) {
  md.push(`### ${mdText(section)}`);
  md.push('');
  md.push('| name | statement | where | source | tags | numeric | symbolic |');
  md.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const e of items) {
    md.push(
      `| ${mdCode(e.name)} | ${mdMath(e.latex)}<br>${mdCode(e.statement)} | ${(e.where || []).map(mdCode).join(', ')} | ${mdText(e.source)}${e.note ? `<br>**Note:** ${mdText(e.note)}` : ''} | ${(e.tags || []).map(mdText).join(', ')} | ${mdNumeric(e.numeric)} | ${mdSymbolic(e.symbolic)} |`,
    );
  }
  md.push('');
  const withSteps = items.filter((e) => e.derivation && e.derivation.length);
  if (withSteps.length) {
    md.push(`Derivations by the engine (${mdText(section)}):`);
    md.push('');
    for (const e of withSteps) {
      md.push('<details>');
      md.push(`<summary>${html(e.name)} (${e.derivation.length} step${e.derivation.length === 1 ? '' : 's'})</summary>`);
      md.push('');
      e.derivation.forEach((s, i) => {
        md.push(`${i + 1}. ${mdText(s.stage)}, **${mdText(s.rule)}**: ${mdCode(s.term)}`);
      });
      md.push('');
      md.push('</details>');
      md.push('');
    }
  }
}

md.push('## Rules');
md.push('');
for (const [family, items] of rulesByFamily) {
  md.push(`### Family: ${mdText(family)}`);
  md.push('');
  md.push('| name | rule | where | order | source | numeric |');
  md.push('| --- | --- | --- | --- | --- | --- |');
  for (const e of items) {
    md.push(
      `| ${mdCode(e.name)} | ${mdMath(e.latex)}<br>${mdCode(e.text)} | ${(e.where || []).map(mdCode).join(', ')} | ${mdText(e.order)} | ${mdText(e.source)} | ${mdNumeric(e.numeric)} |`,
    );
  }
  md.push('');
}

// ------------------------------------------------------------------ write

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'catalog.html'), page);
fs.writeFileSync(path.join(outDir, 'catalog.md'), md.join('\n'));
if (katexErrors.length) {
  process.stderr.write(`build.mjs: KaTeX could not render: ${katexErrors.join(', ')}\n`);
}
process.stdout.write(
  `build.mjs: ${counts.entries} entries (${counts.identities} identities, ${counts.rules} rules) -> ` +
    `${path.join(outDir, 'catalog.html')} (${Math.round(Buffer.byteLength(page) / 1024)} KiB), ${path.join(outDir, 'catalog.md')}\n`,
);
