// Dev-only: renders the skeleton files of Backstage's own Software Templates
// (../shared/testdata/software-templates, a copy of backstage/software-templates)
// with nunjitsu as Backstage's fetch:template and fetch:cookiecutter render
// them, and writes skeletons.json: for each template the values the step
// passes (rendered from fixed parameters) and, for each text file, its
// source, rendered path and rendered contents. scaffold's Go test renders
// the same sources with the same values and compares byte for byte.
// Run: npm install && node gen-skeletons.mjs [path-to-scaffolder-templates]
import { createTemplateRenderer } from 'nunjitsu';
import { parse } from 'yaml';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { filters } from './filters.mjs';

const root = process.argv[2] ?? '../../../../shared/testdata/software-templates/scaffolder-templates';
const renderer = createTemplateRenderer({ filters, allowRegexExecution: true });
const cookie = createTemplateRenderer({ filters, allowRegexExecution: true, cookiecutterCompat: true });

// The parameters each template is rendered with (as scaffold's
// backstage_test.go gives them, typed as its JSON Schema coercion types them).
const params = {
  'clean-architecture-app': { name: 'ledger', package: 'co.com.acme', projectType: 'reactive', coverage: 'jacoco', owner: 'group:team-payments', repoUrl: 'github.com?owner=acme&repo=ledger', lombok: true },
  'create-react-app': { component_id: 'web-shop', description: 'The shop', owner: 'team-web', repoUrl: 'github.com?owner=acme&repo=web-shop' },
  'docs-template': { name: 'runbooks', description: 'How we run things', owner: 'team-sre', repoUrl: 'github.com?owner=acme&repo=runbooks' },
  'docs-template-cookiecutter': { name: 'handbook', description: 'Team handbook', owner: 'team-sre', repoUrl: 'github.com?owner=acme&repo=handbook' },
  'pull-request': { name: 'billing', description: 'Adds billing', repoUrl: 'github.com?owner=acme&repo=monorepo' },
  'react-ssr-template': { component_id: 'ssr-site', description: 'SSR', owner: 'team-web', repoUrl: 'github.com?owner=acme&repo=ssr-site' },
  'springboot-grpc-template': { component_id: 'orders', java_package_name: 'com.acme.orders', description: 'Orders', owner: 'team-orders', repoUrl: 'github.com?owner=acme&repo=orders' },
};

// renderInput renders a step input as Backstage does: strings through
// renderValue, maps and lists walked, undefined entries dropped.
function renderInput(v, ctx) {
  if (typeof v === 'string') return renderer.renderValue(v, ctx, { coercion: 'json' });
  if (Array.isArray(v)) return v.map(x => renderInput(x, ctx) ?? null);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const r = renderInput(x, ctx);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return v;
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const result = [];
for (const [name, p] of Object.entries(params)) {
  const tmpl = parse(readFileSync(join(root, name, 'template.yaml'), 'utf8'));
  for (const step of tmpl.spec.steps) {
    if (step.action !== 'fetch:template' && step.action !== 'fetch:cookiecutter') continue;
    const url = step.input.url;
    if (!url.startsWith('./')) continue;
    const cookiecutter = step.action === 'fetch:cookiecutter' || step.input.cookiecutterCompat === true;
    const values = renderInput(step.input.values ?? {}, { parameters: p });
    const r = cookiecutter ? cookie : renderer;
    // fetch:template gives the values as `cookiecutter` under cookiecutterCompat.
    const ctx = cookiecutter ? { cookiecutter: values } : { values };
    const dir = join(root, name, url);
    const files = [];
    for (const f of walk(dir)) {
      const src = readFileSync(f);
      const text = src.toString('utf8');
      if (text.includes('\0') || Buffer.from(text, 'utf8').compare(src) !== 0) continue;
      const rel = relative(dir, f);
      const entry = { path: rel, src: text };
      try {
        entry.outPath = r.render(rel, ctx);
        entry.out = r.render(text, ctx);
      } catch (e) {
        entry.error = e.message;
      }
      files.push(entry);
    }
    result.push({ template: name, step: step.id, cookiecutter, parameters: p, input: step.input.values ?? {}, values, files });
  }
}
writeFileSync('skeletons.json', JSON.stringify(result, null, 1) + '\n');
const n = result.reduce((a, t) => a + t.files.length, 0);
console.log(`${result.length} skeletons, ${n} files, ${result.reduce((a, t) => a + t.files.filter(f => f.error).length, 0)} errors`);
