// Dev-only: renders the corpus with nunjitsu, the engine Backstage's scaffolder
// uses, configured as Backstage configures it (${{ }} delimiters, no
// autoescape), with Backstage's template filters re-implemented here from
// their documentation. Writes golden.json, which scaffold's Go test compares
// against byte for byte. Run: npm install && node gen.mjs
import { createTemplateRenderer } from 'nunjitsu';
import { readFileSync, writeFileSync } from 'node:fs';
import { filters } from './filters.mjs';

const renderer = createTemplateRenderer({ filters, allowRegexExecution: true });
// fetch:template's cookiecutterCompat: Jinja delimiters, values as `cookiecutter`.
const cookie = createTemplateRenderer({ filters, allowRegexExecution: true, cookiecutterCompat: true });

const context = JSON.parse(readFileSync('context.json', 'utf8'));

// corpus.txt: cases start with "### name" (or "### name @value" to render as a
// step input, keeping the value's type; "### name @cookie" to render as a
// cookiecutterCompat skeleton); the body runs to the next "###" line, without
// its final newline.
const cases = [];
const text = readFileSync('corpus.txt', 'utf8');
for (const block of text.split(/^### /m).slice(1)) {
  const nl = block.indexOf('\n');
  const head = block.slice(0, nl).trim();
  let src = block.slice(nl + 1);
  if (src.endsWith('\n')) src = src.slice(0, -1);
  const mode = head.endsWith('@value') ? 'value' : head.endsWith('@cookie') ? 'cookie' : 'text';
  cases.push({ name: head.replace(/\s*@(value|cookie)$/, ''), mode, src });
}

// Expressions printed, dumped, tested for truth and taken as step inputs.
const exprs = readFileSync('exprs.txt', 'utf8').split('\n').filter(l => l.trim() !== '' && !l.startsWith('#'));
for (const e of exprs) {
  cases.push({ name: `print ${e}`, mode: 'text', src: `[\${{ ${e} }}]` });
  cases.push({ name: `dump ${e}`, mode: 'text', src: `[\${{ ${e} | dump }}]` });
  cases.push({ name: `truth ${e}`, mode: 'text', src: `{% if ${e} %}T{% else %}F{% endif %}` });
  cases.push({ name: `value ${e}`, mode: 'value', src: `\${{ ${e} }}` });
}

const seen = new Set();
const out = [];
for (const c of cases) {
  if (seen.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
  seen.add(c.name);
  const r = { name: c.name, mode: c.mode, src: c.src };
  try {
    if (c.mode === 'cookie') {
      r.out = cookie.render(c.src, { cookiecutter: context.values });
    } else if (c.mode === 'value') {
      const v = renderer.renderValue(c.src, context, { coercion: 'json' });
      r.out = v === undefined ? 'undefined' : JSON.stringify(v);
    } else {
      r.out = renderer.render(c.src, context);
    }
  } catch (e) {
    r.error = e.message;
  }
  out.push(r);
}
writeFileSync('golden.json', JSON.stringify(out, null, 1) + '\n');
console.log(`${out.length} cases, ${out.filter(r => r.error).length} errors`);
