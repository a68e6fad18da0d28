// ESLint rule: the workspace's layers, as ARCHITECTURE.md draws them.
// A package's source may import only the workspace packages below it, by package name; no file may reach
// into another package's folder by a relative path (tests may share another package's test support only).
import { dirname, relative, resolve, sep } from 'node:path';

/** What each package's src may import of the workspace. */
export const allowedWorkspaceImports = {
  protocol: [],
  browser: ['protocol'],
  agent: ['protocol', 'browser'],
  server: ['protocol', 'browser', 'agent'],
  sdk: ['protocol'],
  cli: ['protocol', 'sdk', 'server', 'agent', 'browser'],
  testkit: [],
};

/** Third-party modules that would break a layer's promise (the browser knows nothing of LLMs or HTTP, …). */
const forbiddenModules = {
  protocol: [/^playwright/, /^fastify/, /^ai$/, /^@ai-sdk\//, /^better-sqlite3/],
  browser: [/^fastify/, /^@fastify\//, /^ai$/, /^@ai-sdk\//, /^better-sqlite3/],
  agent: [/^fastify/, /^@fastify\//, /^better-sqlite3/],
  sdk: [/^playwright/, /^fastify/, /^@fastify\//, /^ai$/, /^@ai-sdk\//, /^better-sqlite3/],
};

function locate(filename) {
  const parts = filename.split(sep);
  const index = parts.lastIndexOf('packages');
  if (index < 0 || index + 2 >= parts.length) return undefined;
  return { root: parts.slice(0, index + 2).join(sep), name: parts[index + 1], area: parts[index + 2] };
}

export const packageBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'keep the workspace layers: protocol <- browser <- agent <- server; sdk <- protocol; cli on sdk' },
    schema: [],
  },
  create(context) {
    const file = locate(context.filename);
    if (!file) return {};
    const isSource = file.area === 'src';
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(context.filename), specifier);
        const inside = relative(file.root, target);
        if (!inside.startsWith('..')) return;
        const other = locate(target);
        if (!isSource && other?.area === 'test') return;
        context.report({
          node,
          message: `"${specifier}" reaches into another package's files: import it by its package name (@open-smooth/${other?.name ?? '…'}) through what that package exports`,
        });
        return;
      }
      if (!isSource) return;
      const workspace = /^@open-smooth\/([a-z-]+)/.exec(specifier);
      if (workspace) {
        const target = workspace[1];
        const allowed = allowedWorkspaceImports[file.name] ?? [];
        if (target !== file.name && !allowed.includes(target)) {
          context.report({
            node,
            message: `${file.name} may not import @open-smooth/${target}: its layer may use only ${allowed.length ? allowed.map((name) => `@open-smooth/${name}`).join(', ') : 'no workspace package'} (see ARCHITECTURE.md)`,
          });
        }
        return;
      }
      const forbidden = (forbiddenModules[file.name] ?? []).find((pattern) => pattern.test(specifier));
      if (forbidden) context.report({ node, message: `${file.name} may not import "${specifier}": that belongs to another layer (see ARCHITECTURE.md)` });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
