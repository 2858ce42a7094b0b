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

// Structural search without the engine. A query's expression and every
// entry's sides (F and G of "grad F wrt X = G", both sides of an equality)
// get a shape; an entry matches when one of its sides has the query's shape.
// The shape comes from a small parser of matcalc's surface syntax (the
// precedences of engine/src/parse/syntax.cpp) and a canonical form of its
// tree, so that two expressions have one shape when they differ only by
//  - the names of variables: each is renamed by kind (a matrix M1, M2 …, a
//    vector v1 …, a Greek-named scalar s1 …) and first occurrence in the
//    canonical order; functions and I, ones, zeros keep their names;
//  - the order of commutative operands: terms of a sum (a - b is a + (-b),
//    signs are pulled out of products), factors of .*, the two sides of
//    <A, B>, and the scalar factors of a product (numbers, Greek names,
//    tr/det/norms/sums/inner products …), which move to its front; + and *
//    are flattened (associativity);
//  - trace cyclicity: tr of a product takes the rotation of its factors (or
//    of the transposed product's) with the fewest transposes and the
//    smallest key, and tr(X') is tr(X).
// Operands are ordered by a key that does not depend on the names (the
// subtree with each variable written as its kind letter, then with its
// variables numbered by first occurrence within the subtree); ties keep the
// written order. That is a heuristic, not a full canonical labelling: two
// equal-up-to-renaming expressions may still get two shapes when the keys
// tie. Matrix products stay in order outside tr. Nothing of the engine's
// normal forms is applied (distributing, transposes of products,
// inv(A*B) = inv(B)*inv(A), x'*y = y'*x …): for those, `matcalc lookup`.
// What does not parse keeps the former textual shape (spaces removed,
// variables renamed), so anything matched that way before still matches.
// One source, run here at build time on every entry's sides and in the page
// on the query: plain ES5, as it is injected into the page.
const shapeSource = String.raw`var shapeGreek = /^(alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|omicron|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega)[0-9]*$/;
function shapeKind(name) { return shapeGreek.test(name) ? 's' : /^[A-Z]/.test(name) ? 'M' : 'v'; }
// Renames variables by kind and first occurrence: M1, v1, s1 …
function shapeNamer() {
  var names = {}, counts = { M: 0, v: 0, s: 0 };
  return function (name) {
    if (!names['$' + name]) { var k = shapeKind(name); names['$' + name] = k + (++counts[k]); }
    return names['$' + name];
  };
}
// The textual shape, for what does not parse.
function textShape(text) {
  var rename = shapeNamer();
  return String(text).replace(/\s+/g, '').replace(/[A-Za-z_][A-Za-z0-9_]*(\(?)/g, function (word, call) {
    var name = call ? word.slice(0, -1) : word;
    if (call || name === 'I' || name === 'ones' || name === 'zeros') return word;
    return rename(name);
  });
}
// The canonical shape of an expression, or null if it does not parse.
var parsedShape = (function () {
  var constants = { I: 1, ones: 1, zeros: 1 };
  var scalarCalls = { tr: 1, det: 1, logdet: 1, norm1: 1, norm2: 1, sum: 1, logsumexp: 1 };
  var elementwise = { exp: 1, log: 1, sqrt: 1, abs: 1, sign: 1, sin: 1, cos: 1, tanh: 1, sigmoid: 1, relu: 1, step: 1, d: 1 };
  var Refused = {};
  function refuse() { throw Refused; }
  function node(t, k) { return { t: t, k: k }; }

  // Tokens as engine/src/parse/lexer.cpp: "2.5" is a number, "2.*X" is 2 .* X.
  function tokenize(s) {
    var out = [], i = 0, start, k;
    function digit(at) { var c = s.charAt(at); return c >= '0' && c <= '9'; }
    function dotOp(at) { return s.charAt(at) === '.' && s.charAt(at + 1) !== '' && '*/^'.indexOf(s.charAt(at + 1)) !== -1; }
    while (i < s.length) {
      var c = s.charAt(i);
      start = i;
      if (/\s/.test(c)) { i++; continue; }
      if (/[A-Za-z_]/.test(c)) {
        while (i < s.length && /[A-Za-z0-9_]/.test(s.charAt(i))) i++;
        out.push({ name: s.slice(start, i) });
      } else if (digit(i) || (c === '.' && digit(i + 1))) {
        while (digit(i)) i++;
        if (s.charAt(i) === '.' && !dotOp(i)) { i++; while (digit(i)) i++; }
        if (/[eE]/.test(s.charAt(i))) {
          k = i + 1;
          if (s.charAt(k) === '+' || s.charAt(k) === '-') k++;
          if (digit(k)) { i = k; while (digit(i)) i++; }
        }
        out.push({ num: s.slice(start, i) });
      } else if (dotOp(i)) {
        out.push({ op: s.substr(i, 2) });
        i += 2;
      } else if ("+-*/'^()<>,".indexOf(c) !== -1) {
        out.push({ op: c });
        i++;
      } else refuse();
    }
    return out;
  }

  // Recursive descent, loosest first: + -  |  * / .* ./  |  unary -  |  ^ .^  |  postfix '.
  function parse(text) {
    var ts = tokenize(text), p = 0, depth = 0;
    function at(op) { return p < ts.length && ts[p].op === op; }
    function expect(op) { if (!at(op)) refuse(); p++; }
    function additive() {
      if (++depth > 200) refuse();  // a query nested this deep is not worth a stack overflow
      var left = multiplicative();
      while (at('+') || at('-')) {
        var op = ts[p++].op, right = multiplicative();
        left = node('+', [left, op === '-' ? node('neg', [right]) : right]);
      }
      depth--;
      return left;
    }
    function multiplicative() {
      var left = unary();
      while (at('*') || at('/') || at('.*') || at('./')) {
        var op = ts[p++].op;
        left = node(op, [left, unary()]);
      }
      return left;
    }
    function signed(operand) {  // unary - and +; "X^-1": a sign may follow ^ directly
      if (!at('-') && !at('+')) return operand();
      if (++depth > 200) refuse();
      var op = ts[p++].op, x = signed(operand);
      depth--;
      return op === '-' ? node('neg', [x]) : x;
    }
    function unary() { return signed(power); }
    function power() {
      var base = postfix();
      while (at('^') || at('.^')) {
        var op = ts[p++].op;
        base = node(op, [base, signed(postfix)]);
      }
      return base;
    }
    function postfix() {
      var x = primary();
      while (at("'")) { p++; x = node("'", [x]); }
      return x;
    }
    function primary() {
      var t = ts[p++], x;
      if (!t) refuse();
      if (t.num !== undefined) return { t: 'num', s: t.num };
      if (t.name !== undefined) {
        if (!at('(')) return { t: constants[t.name] ? 'const' : 'var', s: t.name };
        p++;
        x = { t: 'call', s: t.name, k: [additive()] };
        while (at(',')) { p++; x.k.push(additive()); }
        expect(')');
        return x;
      }
      if (t.op === '(') { x = additive(); expect(')'); return x; }
      if (t.op === '<') {  // <A, B>, the Frobenius inner product
        x = node('<>', [additive()]);
        expect(',');
        x.k.push(additive());
        expect('>');
        return x;
      }
      return refuse();
    }
    var tree = additive();
    if (p !== ts.length) refuse();
    return tree;
  }

  // Printing: levels as the grammar's, parentheses where a child binds looser.
  var levels = { '+': 1, '*': 2, '.*': 2, '/': 2, './': 2, neg: 3, '^': 4, '.^': 4, "'": 5 };
  function print(n, min, name) {
    var s, e;
    function each(list, lv) { return list.map(function (x) { return print(x, lv, name); }); }
    switch (n.t) {
      case 'num': case 'const': s = n.s; break;
      case 'var': s = name(n.s); break;
      case 'call': s = n.s + '(' + each(n.k, 0).join(',') + ')'; break;
      case '<>': s = '<' + each(n.k, 0).join(',') + '>'; break;
      case '+':
        s = n.k.map(function (x, i) {
          return x.t === 'neg' ? '-' + print(x.k[0], 2, name) : (i ? '+' : '') + print(x, 2, name);
        }).join('');
        break;
      case '*': case '.*': s = each(n.k, 3).join(n.t); break;
      case '/': case './': s = print(n.k[0], 2, name) + n.t + print(n.k[1], 4, name); break;
      case 'neg': s = '-' + print(n.k[0], 2, name); break;
      case '^': case '.^':
        e = n.k[1];
        s = print(n.k[0], 5, name) + n.t + (e.t === 'neg' ? '-' + print(e.k[0], 5, name) : print(e, 5, name));
        break;
      default: s = print(n.k[0], 5, name) + "'";
    }
    return (levels[n.t] || 6) < min ? '(' + s + ')' : s;
  }
  // Keys that do not depend on the names: each variable as its kind letter;
  // then numbered by first occurrence within the subtree.
  function kindKey(n) { if (n.kindKey === undefined) n.kindKey = print(n, 0, shapeKind); return n.kindKey; }
  function localKey(n) { if (n.localKey === undefined) n.localKey = print(n, 0, shapeNamer()); return n.localKey; }
  // A stable sort on a list of keys (ties keep the written order).
  function sortBy(list, keys) {
    return list.map(function (x, i) { return { x: x, key: keys(x).concat([i]) }; }).sort(function (a, b) {
      for (var j = 0; j < a.key.length; j++) {
        if (a.key[j] < b.key[j]) return -1;
        if (a.key[j] > b.key[j]) return 1;
      }
      return 0;
    }).map(function (d) { return d.x; });
  }
  function plainOrder(n) { return [kindKey(n), localKey(n)]; }
  // Terms of a sum: by the unsigned term, numbers last, + before -.
  function termOrder(n) {
    var m = n.t === 'neg' ? n.k[0] : n;
    return [m.t === 'num' ? 1 : 0, kindKey(m), localKey(m), n.t === 'neg' ? 1 : 0];
  }

  function isScalar(n) {
    function all(list) { return list.every(isScalar); }
    switch (n.t) {
      case 'num': case '<>': return true;
      case 'var': return shapeKind(n.s) === 's';
      case 'const': return false;
      case 'call': return !!scalarCalls[n.s] || (!!elementwise[n.s] && all(n.k));
      case '^': case '.^': return isScalar(n.k[0]);
      default: return all(n.k);
    }
  }

  // Flattens an associative operator, pulling the signs of its operands out.
  function flatten(t, list) {
    var out = [], negative = false;
    list.forEach(function (x) {
      while (x.t === 'neg') { x = x.k[0]; negative = !negative; }
      if (x.t === t) out.push.apply(out, x.k);
      else out.push(x);
    });
    return { list: out, negative: negative };
  }
  function withSign(negative, n) { return negative ? node('neg', [n]) : n; }

  function canon(n) {
    if (!n.k) return n;
    var k = n.k.map(canon), f;
    switch (n.t) {
      case '+': {
        var terms = [];
        k.forEach(function (x) { if (x.t === '+') terms.push.apply(terms, x.k); else terms.push(x); });
        return node('+', sortBy(terms, termOrder));
      }
      case '*':  // matrix products keep their order; scalar factors go first
        f = flatten('*', k);
        return withSign(f.negative, node('*', sortBy(f.list.filter(isScalar), plainOrder).concat(f.list.filter(function (x) { return !isScalar(x); }))));
      case '.*':
        f = flatten('.*', k);
        return withSign(f.negative, node('.*', sortBy(f.list, plainOrder)));
      case '/': case './': {
        var negative = false;
        k = k.map(function (x) { if (x.t === 'neg') { negative = !negative; return x.k[0]; } return x; });
        return withSign(negative, node(n.t, k));
      }
      case 'neg': return k[0].t === 'neg' ? k[0].k[0] : node('neg', k);
      case '<>': return node('<>', sortBy(k, plainOrder));  // <A, B> = <B, A>
      case 'call':
        return { t: 'call', s: n.s, k: n.s === 'tr' && k.length === 1 ? [trace(k[0])] : k };
      default: return node(n.t, k);
    }
  }

  // tr(X') = tr(X); tr(A*B*C) = tr(B*C*A) = tr(C'*B'*A') …: of the rotations
  // of the factors and of the transposed product's, the one with the fewest
  // transposes, then the smallest key (scalar factors stay in front).
  function trace(a) {
    if (a.t === "'") a = a.k[0];
    if (a.t !== '*') return a;
    var scalars = a.k.filter(isScalar), factors = a.k.filter(function (x) { return !isScalar(x); });
    if (factors.length < 2) return a;
    var transposed = factors.slice().reverse().map(function (x) { return x.t === "'" ? x.k[0] : node("'", [x]); });
    var candidates = [];
    [factors, transposed].forEach(function (fs) {
      for (var r = 0; r < fs.length; r++) candidates.push(node('*', scalars.concat(fs.slice(r), fs.slice(0, r))));
    });
    return sortBy(candidates, function (c) { return [kindKey(c).split("'").length, kindKey(c), localKey(c)]; })[0];
  }

  return function (text) {
    try {
      return print(canon(parse(String(text))), 0, shapeNamer());
    } catch (e) {
      if (e === Refused) return null;
      throw e;
    }
  };
})();
function shapeOf(text) {
  var shape = parsedShape(text);
  return shape === null ? textShape(text) : shape;
}`;
const { shapeOf, parsedShape } = new Function(`${shapeSource}; return { shapeOf: shapeOf, parsedShape: parsedShape };`)();

// The sides a structural query is compared with: F of "grad F wrt X = G"
// (and G), or both sides of an equality.
function sidesOf(e) {
  const text = statementOf(e);
  const d = /^\s*(grad|jacobian|hessian)\s+(.+)\s+wrt\s+[A-Za-z_][A-Za-z0-9_]*\s*=\s*(.+)$/.exec(text);
  const sides = d ? [d[2], d[3]] : text.split('=');
  return sides.map((s) => {
    if (parsedShape(s.trim()) === null) unparsedSides.push(`${e.name}: ${s.trim()}`);
    return shapeOf(s.trim());
  });
}
// Sides the structural search matches only as text (reported, not fatal).
const unparsedSides = [];

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
    return /[()*'+<>^]/.test(q) ? q.trim() : null;
  }
  function apply() {
    var expr = structural(input.value);
    var parsed = expr === null ? null : parsedShape(expr);
    var shape = parsed === null && expr !== null ? textShape(expr) : parsed;
    var words = shape ? [] : input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    mode.textContent = parsed ? 'Matching the structure ' + parsed + ', up to renaming letters, the order of sums (and other ' +
        'commutative operands) and trace rotation; matcalc lookup also matches through normal forms.' :
      shape ? 'Matching the text ' + shape + ' with letters renamed (the page could not parse it as an expression).' : '';
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
if (unparsedSides.length) {
  process.stderr.write(`build.mjs: the structural search matches ${unparsedSides.length} side(s) only as text (they do not parse): ${unparsedSides.join('; ')}\n`);
}
if (katexErrors.length) {
  process.stderr.write(`build.mjs: KaTeX could not render: ${katexErrors.join(', ')}\n`);
}
process.stdout.write(
  `build.mjs: ${counts.entries} entries (${counts.identities} identities, ${counts.rules} rules) -> ` +
    `${path.join(outDir, 'catalog.html')} (${Math.round(Buffer.byteLength(page) / 1024)} KiB), ${path.join(outDir, 'catalog.md')}\n`,
);
