// Backstage's template filters, re-implemented from their documentation
// (not Backstage's code), for gen.mjs and gen-skeletons.mjs.

// Backstage's parseRepoUrl: "host?owner=o&repo=r" read as a URL; only the
// github.com integration is configured here.
export function parseRepoUrl(input) {
  if (typeof input !== 'string') throw new TypeError('parseRepoUrl takes a string');
  let url;
  try { url = new URL(`https://${input}`); } catch { throw new Error(`Invalid repo URL passed to publisher, got ${input}`); }
  const host = url.host;
  const q = url.searchParams;
  const owner = q.get('owner') ?? undefined;
  const repo = q.get('repo') ?? undefined;
  const organization = q.get('organization') ?? undefined;
  const workspace = q.get('workspace') ?? undefined;
  const project = q.get('project') ?? undefined;
  if (host !== 'github.com') throw new Error(`No matching integration configuration for host ${host}`);
  if (!owner) throw new Error(`Invalid repo URL passed to publisher: ${input}, missing owner`);
  if (!repo) throw new Error(`Invalid repo URL passed to publisher: ${input}, missing repo`);
  return { host, owner, repo, organization, workspace, project };
}

// catalog-model's parseEntityRef: [kind:][namespace/]name.
function parseEntityRef(ref, context) {
  if (typeof ref !== 'string') throw new TypeError('Entity reference must be a string');
  let kind, namespace, name = ref;
  const colon = name.indexOf(':');
  if (colon >= 0) { kind = name.slice(0, colon); name = name.slice(colon + 1); }
  const slash = name.indexOf('/');
  if (slash >= 0) { namespace = name.slice(0, slash); name = name.slice(slash + 1); }
  kind = kind ?? context?.defaultKind;
  if (!kind) throw new Error(`Entity reference "${ref}" had missing or empty kind`);
  namespace = namespace ?? context?.defaultNamespace ?? 'default';
  if (!namespace) throw new Error(`Entity reference "${ref}" had missing or empty namespace`);
  if (!name) throw new Error(`Entity reference "${ref}" had missing or empty name`);
  return { kind, namespace, name };
}

// lodash get: a path of dotted names and [index] parts.
function pick(obj, path) {
  const parts = String(path).replace(/\[([^\]]*)\]/g, '.$1').split('.').filter(p => p !== '');
  let v = obj;
  for (const p of parts) {
    if (v === null || v === undefined) return undefined;
    v = v[p];
  }
  return v;
}

function projectSlug(input) {
  const { owner, repo } = parseRepoUrl(input);
  return `${owner}/${repo}`;
}

export const filters = { parseRepoUrl, parseEntityRef, pick, projectSlug };
