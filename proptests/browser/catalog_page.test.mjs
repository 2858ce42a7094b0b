// Opens the generated catalog page in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core from docs/site/node_modules)
// via file:// and checks that it works as a person would use it: no script
// or console errors, every formula rendered by KaTeX with its fonts loaded
// offline, the search box and the status and section filters (also from
// the URL: ?q=, ?status=, ?section=, kept up to date as they change), and
// the structural search (an expression finds the entries of its shape, up to
// renaming, the order of sums and trace rotation, but not through products
// reordered).
//
//   node proptests/browser/catalog_page.test.mjs PATH/TO/catalog.html [SCREENSHOT.png]
//
// The last line printed is "N passed, M failed"; exits non-zero on any failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const siteRequire = createRequire(path.join(here, '..', '..', 'docs', 'site', 'package.json'));
const { chromium } = siteRequire('playwright-core');

const [pagePath, screenshotPath] = process.argv.slice(2);
if (!pagePath || !fs.existsSync(pagePath)) {
  process.stderr.write('usage: node proptests/browser/catalog_page.test.mjs PATH/TO/catalog.html [SCREENSHOT.png]\n');
  process.exit(2);
}
const pageUrl = pathToFileURL(path.resolve(pagePath)).href;

let passed = 0;
let failed = 0;
function check(what, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok: ${what}`);
  } else {
    failed++;
    console.log(`FAIL: ${what}${detail ? `\n  ${detail}` : ''}`);
  }
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-page-chromium-'));
const started = Date.now();
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1000, height: 900 },
  });

  // Everything the page asks for must be the page itself (file://) or data:.
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));

  const errors = [];
  const page = context.pages()[0] || (await context.newPage());
  const watch = (p) => {
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
    });
  };
  watch(page);

  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.evaluate(() => document.fonts.ready);

  const stats = await page.evaluate(() => {
    const entries = [...document.querySelectorAll('.entry')];
    return {
      entries: entries.length,
      withFormula: entries.filter((e) => e.querySelector('.formula')).length,
      katex: document.querySelectorAll('.entry .katex').length,
      katexErrors: document.querySelectorAll('.katex-error').length,
      identities: document.querySelectorAll('.entry.identity').length,
      rules: document.querySelectorAll('.entry.rule').length,
      count: document.getElementById('count')?.textContent,
      searchType: document.getElementById('search')?.getAttribute('type'),
      mainFont: document.fonts.check('12px KaTeX_Main'),
      mathFont: document.fonts.check('italic 12px KaTeX_Math'),
      nomatchHidden: document.getElementById('nomatch')?.hidden,
      derivations: document.querySelectorAll('.entry.identity details:not([open])').length,
      // check() is also true for a family the page never declares, so look
      // at the faces themselves too.
      faces: [...document.fonts].map((f) => ({ family: f.family.replace(/["']/g, ''), status: f.status })),
    };
  });

  check('the page has entries, identities and rules', stats.entries > 0 && stats.identities > 0 && stats.rules > 0,
    JSON.stringify(stats));
  check('every entry has a formula', stats.withFormula === stats.entries, `${stats.withFormula} of ${stats.entries}`);
  check('every formula is rendered by KaTeX', stats.katex >= stats.withFormula,
    `${stats.katex} .katex for ${stats.withFormula} formulas`);
  check('no .katex-error', stats.katexErrors === 0, `${stats.katexErrors} errors`);
  check('KaTeX_Main font loaded', stats.mainFont === true);
  check('KaTeX_Math font loaded', stats.mathFont === true);
  const loaded = (family) => stats.faces.some((f) => f.family === family && f.status === 'loaded');
  check('KaTeX_Main and KaTeX_Math faces declared and loaded', loaded('KaTeX_Main') && loaded('KaTeX_Math'),
    JSON.stringify(stats.faces.filter((f) => /Main|Math/.test(f.family))));
  const broken = stats.faces.filter((f) => f.status === 'error');
  check('no font face failed to load', broken.length === 0, JSON.stringify(broken));
  check('#search is a search box', stats.searchType === 'search');
  check('#count shows all entries at first', stats.count === String(stats.entries), `count=${stats.count}`);
  check('no-match message hidden at first', stats.nomatchHidden === true);
  check('every identity has a collapsed derivation', stats.derivations === stats.identities,
    `${stats.derivations} of ${stats.identities}`);

  // A formula's glyphs are laid out with KaTeX's metrics (non-zero width).
  const formulaWidth = await page.evaluate(() => document.querySelector('.entry .katex-html')?.getBoundingClientRect().width || 0);
  check('formulas have a laid-out width', formulaWidth > 10, `width=${formulaWidth}`);

  if (screenshotPath) await page.screenshot({ path: screenshotPath });

  const visible = () =>
    page.evaluate(() => {
      const shown = [...document.querySelectorAll('.entry')].filter((e) => !e.hidden && e.offsetParent !== null);
      return {
        n: shown.length,
        texts: shown.map((e) => e.textContent.toLowerCase()),
        count: document.getElementById('count').textContent,
        nomatch: !document.getElementById('nomatch').hidden && document.getElementById('nomatch').offsetParent !== null,
      };
    });

  await page.fill('#search', 'logdet');
  let v = await visible();
  check('"logdet" leaves some entries visible', v.n > 0, `visible=${v.n}`);
  check('"logdet" hides some entries', v.n < stats.entries, `visible=${v.n} of ${stats.entries}`);
  check('every visible entry mentions logdet', v.texts.every((t) => t.includes('logdet')),
    `${v.texts.filter((t) => !t.includes('logdet')).length} do not`);
  check('#count follows the filter', v.count === String(v.n), `count=${v.count} visible=${v.n}`);
  check('no-match message hidden while something matches', !v.nomatch);

  await page.fill('#search', '  LOGDET   Trace ');
  const v2 = await visible();
  check('search is case-insensitive and needs every word', v2.n > 0 && v2.n < v.n &&
    v2.texts.every((t) => t.includes('logdet') && t.includes('trace')), `visible=${v2.n} (logdet alone: ${v.n})`);

  await page.fill('#search', 'qwzxv-no-such-thing');
  v = await visible();
  check('a nonsense word shows no entry', v.n === 0, `visible=${v.n}`);
  check('#count is 0', v.count === '0', `count=${v.count}`);
  check('the no-match message is shown', v.nomatch);
  if (screenshotPath) await page.screenshot({ path: screenshotPath.replace(/(\.png)?$/, '-nomatch.png') });

  await page.fill('#search', '');
  v = await visible();
  check('clearing the search shows every entry again', v.n === stats.entries, `visible=${v.n} of ${stats.entries}`);
  check('#count back to all', v.count === String(stats.entries), `count=${v.count}`);
  check('no-match message hidden again', !v.nomatch);

  // A link can carry a search.
  const page2 = await context.newPage();
  watch(page2);
  await page2.goto(`${pageUrl}?q=trace`, { waitUntil: 'load' });
  const q = await page2.evaluate(() => {
    const shown = [...document.querySelectorAll('.entry')].filter((e) => !e.hidden && e.offsetParent !== null);
    return {
      value: document.getElementById('search').value,
      n: shown.length,
      all: document.querySelectorAll('.entry').length,
      texts: shown.map((e) => e.textContent.toLowerCase()),
      count: document.getElementById('count').textContent,
    };
  });
  check('?q=trace fills the search box', q.value === 'trace', `value=${q.value}`);
  check('?q=trace filters the entries', q.n > 0 && q.n < q.all, `visible=${q.n} of ${q.all}`);
  check('?q=trace: every visible entry mentions trace', q.texts.every((t) => t.includes('trace')));
  check('?q=trace: #count follows', q.count === String(q.n), `count=${q.count}`);
  if (screenshotPath) await page2.screenshot({ path: screenshotPath.replace(/(\.png)?$/, '-q-trace.png') });

  // The filters: by verification status and by section, combined with the
  // words, and all three kept in the URL.
  const shownIn = (p) =>
    p.evaluate(() => {
      const shown = [...document.querySelectorAll('.entry')].filter((e) => !e.hidden && e.offsetParent !== null);
      return {
        n: shown.length,
        all: document.querySelectorAll('.entry').length,
        statuses: shown.map((e) => e.getAttribute('data-status')),
        groups: shown.map((e) => e.getAttribute('data-group')),
        notes: shown.filter((e) => e.querySelector('.note')).length,
        count: document.getElementById('count').textContent,
        nomatch: !document.getElementById('nomatch').hidden,
      };
    });
  await page.selectOption('#status', 'note');
  let f = await shownIn(page);
  check('status "with a note" shows only entries with a note, each displayed', f.n > 0 && f.n < f.all && f.notes === f.n,
    `visible=${f.n} of ${f.all}, with a shown note ${f.notes}`);
  check('the status filter is kept in the URL', page.url().includes('status=note'), page.url());
  await page.selectOption('#status', 'not-reproduced');
  f = await shownIn(page);
  check('status "not reproduced" shows none (every identity is reproduced)', f.n === 0 && f.nomatch, `visible=${f.n}`);
  await page.selectOption('#status', 'verified');
  const section = 'identities: 2.8 Derivatives of structured matrices';
  await page.selectOption('#group', section);
  f = await shownIn(page);
  check('the section filter shows that section only', f.n > 0 && f.groups.every((g) => g === section), `visible=${f.n}`);
  check('#count follows the filters', f.count === String(f.n), `count=${f.count} visible=${f.n}`);
  await page.fill('#search', 'logdet');
  const fq = await shownIn(page);
  check('words and filters combine', fq.n > 0 && fq.n < f.n, `visible=${fq.n} (section alone: ${f.n})`);
  const url = new URL(page.url());
  check('the words, status and section are all in the URL',
    url.searchParams.get('q') === 'logdet' && url.searchParams.get('status') === 'verified' && url.searchParams.get('section') === section,
    page.url());
  const page3 = await context.newPage();
  watch(page3);
  await page3.goto(url.href, { waitUntil: 'load' });
  const restored = await shownIn(page3);
  const controls = await page3.evaluate(() => [document.getElementById('search').value, document.getElementById('status').value,
    document.getElementById('group').value]);
  check('a link with the URL restores the search and both filters', restored.n === fq.n &&
    controls[0] === 'logdet' && controls[1] === 'verified' && controls[2] === section, `${JSON.stringify(controls)} visible=${restored.n}`);
  await page.fill('#search', '');
  await page.selectOption('#status', '');
  await page.selectOption('#group', '');
  f = await shownIn(page);
  check('clearing the filters shows every entry and a plain URL', f.n === f.all && !page.url().includes('?'), page.url());

  // Structural search: an expression finds the entries of its shape, whatever the letters.
  const page4 = await context.newPage();
  watch(page4);
  await page4.goto(`${pageUrl}?q=${encodeURIComponent('tr(P*Y*Q)')}`, { waitUntil: 'load' });
  const st = await page4.evaluate(() => {
    const shown = [...document.querySelectorAll('.entry')].filter((e) => !e.hidden && e.offsetParent !== null);
    return { n: shown.length, all: document.querySelectorAll('.entry').length, ids: shown.map((e) => e.id),
      shapes: shown.map((e) => e.getAttribute('data-shapes').split(' ')), mode: document.getElementById('mode').textContent };
  });
  check('an expression query finds entries of its shape', st.n > 0 && st.n < st.all && st.ids.includes('identity-grad-trace-axb'),
    `visible=${st.n} of ${st.all}: ${st.ids.slice(0, 5).join(' ')}`);
  check('every entry it shows has a side of that shape', st.shapes.every((s) => s.includes('tr(M1*M2*M3)')));
  check('the page says it matched a structure', st.mode.includes('tr(M1*M2*M3)'), st.mode);
  await page4.fill('#search', 'grad logdet(S) wrt S');
  const g = await page4.evaluate(() => [...document.querySelectorAll('.entry')].filter((e) => !e.hidden && e.offsetParent !== null).map((e) => e.id));
  check('"grad F wrt X" finds the entries whose function has F\'s shape', g.includes('identity-grad-logdet'), g.slice(0, 5).join(' '));

  // The shapes are canonical up to the order of sums and of commutative
  // operands, and trace rotation (not the engine's normal forms): each query
  // below is written differently from the entries it must find.
  const search = async (text) => {
    await page4.fill('#search', text);
    return page4.evaluate(() => {
      const shown = [...document.querySelectorAll('.entry')].filter((e) => !e.hidden && e.offsetParent !== null);
      return { ids: shown.map((e) => e.id), mode: document.getElementById('mode').textContent };
    });
  };
  const finds = async (what, text, ids) => {
    const r = await search(text);
    const missing = ids.filter((id) => !r.ids.includes(id));
    check(what, missing.length === 0, `${text}: missing ${missing.join(' ')}; shown ${r.ids.slice(0, 8).join(' ')}; ${r.mode}`);
    return r;
  };
  await finds('a rotated trace finds tr(A*X*B)', 'tr(B*A*X)', ['identity-grad-trace-axb']);
  await finds('tr(X*X\'*B) finds its rotations tr(X\'*B*X) and tr(B*X*X\')', "tr(X*X'*B)",
    ['identity-grad-trace-xxtb', 'identity-grad-trace-xtbx', 'identity-grad-trace-bxxt']);
  await finds('tr(A\'*X) finds tr(X\'*A) and tr(A*X\'), rotations of its transpose', "tr(A'*X)",
    ['identity-grad-trace-xta', 'identity-grad-trace-axt']);
  await finds('tr(X\') finds tr(X)', "tr(X')", ['identity-grad-trace', 'identity-grad-trace-transpose']);
  const sum1 = await finds('a sum in the other order finds x\'*A*x + b\'*x', "b'*x + x'*A*x", ['identity-grad-quadratic-plus-linear']);
  const sum2 = await search("x'*A*x + b'*x");
  check('both orders of the sum have one shape', sum1.mode === sum2.mode && sum1.ids.join() === sum2.ids.join(), `${sum1.mode} / ${sum2.mode}`);
  await finds('a difference is a sum with a negated term: norm2(-b + A*x)^2 finds norm2(A*x - b)^2', 'norm2(-b + A*x)^2',
    ['identity-grad-least-squares-vector', 'identity-hessian-least-squares']);
  await finds('scalar factors and terms reordered: lambda*norm2(w)^2 + norm2(X*w - y)^2', 'norm2(w)^2*lambda + norm2(X*w - y)^2',
    ['identity-grad-ridge-regression', 'identity-grad-ridge-regression-wrt-lambda']);
  await finds('a scalar factor moves to the front: inv(X)\'*det(X) finds det(X)*inv(X)\'', "inv(X)'*det(X)", ['identity-grad-det']);
  await finds('.* commutes', 'sigmoid(-A) .* B + sigmoid(A) .* B', ['rule-sigmoid-sum-with-complement-scaled']);
  const bx = await finds('<B, X> finds <A, X>', '<B, X>', ['identity-grad-inner-linear']);
  const xb = await search('<X, B>');
  check('<X, B> shows the same entries as <B, X>', xb.ids.join() === bx.ids.join(), `${xb.ids.length} vs ${bx.ids.length}`);
  await finds('<A*x, x> finds <x, A*x>', '<A*x, x>', ['identity-slides-quadratic-form']);
  check('the page says the match is up to renaming, order of sums and trace rotation',
    /renaming/.test(xb.mode) && /order of sums/.test(xb.mode) && /trace rotation/.test(xb.mode), xb.mode);
  // Matrix products do not commute.
  const right = await search('(A + B)*C');
  const left = await search('C*(A + B)');
  check('(A + B)*C and C*(A + B) are told apart', right.ids.includes('rule-product-distribute-right') &&
    !right.ids.includes('rule-product-distribute-left') && left.ids.includes('rule-product-distribute-left') &&
    !left.ids.includes('rule-product-distribute-right') && right.mode !== left.mode, `${right.mode} / ${left.mode}`);
  const sandwich = await search("tr(X*B*X'*A)");
  const swapped = await search("tr(A*X*X'*B)");
  check('inside tr only rotations match: tr(X*B*X\'*A) finds tr(A*X*B*X\'), tr(A*X*X\'*B) does not',
    sandwich.ids.includes('identity-hessian-trace-sandwich') && !swapped.ids.includes('identity-hessian-trace-sandwich'),
    `${sandwich.mode} / ${swapped.mode}`);
  const unparsed = await search('tr(A*X*B');
  check('an expression that does not parse is matched as text, and the page says so', unparsed.ids.length === 0 &&
    unparsed.mode.includes('tr(M1*M2*M3') && /not parse/.test(unparsed.mode), unparsed.mode);
  // Build time and page run one shape function: every entry's sides, typed
  // as queries, parse and find the entry.
  const own = await page4.evaluate(() => {
    const input = document.getElementById('search');
    const mode = document.getElementById('mode');
    const replace = history.replaceState;
    history.replaceState = () => {};  // 1000+ URL updates would be throttled
    const bad = [];
    let n = 0;
    try {
      for (const e of document.querySelectorAll('.entry')) {
        const text = e.querySelector('.text code').textContent;
        const d = /^\s*(grad|jacobian|hessian)\s+(.+)\s+wrt\s+[A-Za-z_][A-Za-z0-9_]*\s*=\s*(.+)$/.exec(text);
        for (const side of (d ? [d[2], d[3]] : text.split('=')).map((x) => x.trim())) {
          if (!/[()*'+<>^]/.test(side)) continue;
          n++;
          input.value = side;
          input.dispatchEvent(new Event('input'));
          if (e.hidden || !mode.textContent.startsWith('Matching the structure')) bad.push(`${e.id}: ${side} (${mode.textContent})`);
        }
      }
    } finally {
      history.replaceState = replace;
      input.value = '';
      input.dispatchEvent(new Event('input'));
    }
    return { n, bad };
  });
  check('every entry side with an operator parses and, as a query, finds its entry', own.n > 500 && own.bad.length === 0,
    `${own.n} sides; ${own.bad.length} bad: ${own.bad.slice(0, 5).join('; ')}`);

  // Open a derivation: it shows rule names and terms.
  const opened = await page.evaluate(() => {
    const d = document.querySelector('.entry.identity details');
    d.open = true;
    return d.querySelectorAll('li').length > 0 && d.querySelector('li code') !== null && d.offsetHeight > 40;
  });
  check('a derivation opens and lists steps', opened);

  const foreign = requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'));
  check('no request leaves the file system', foreign.length === 0, foreign.slice(0, 5).join(' '));
  check('no page error and no console error', errors.length === 0, errors.slice(0, 10).join('\n  '));
} catch (e) {
  check('the browser run completes', false, e && e.stack ? e.stack : String(e));
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`browser test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
