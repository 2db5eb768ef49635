// Stryker ignorers shared by the mutation configs (stryker.*.config.mjs).
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

function isLoggerCall(node) {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression') return false;
  const { object, property } = node.callee;
  if (property.type !== 'Identifier' || !LEVELS.has(property.name)) return false;
  const target = object.type === 'MemberExpression' ? object.property : object;
  return target.type === 'Identifier' && /^(logger|log)$/.test(target.name);
}

/** `log-calls`: no mutants in logger calls — what a log line says is not behaviour. */
export const logCallsIgnorer = declareValuePlugin(PluginKind.Ignore, 'log-calls', {
  shouldIgnore(path) {
    if (path.isExpressionStatement() && isLoggerCall(path.node.expression))
      return 'a log line is not behaviour';
    return undefined;
  },
});

/**
 * `equivalent`: no mutants in the listed expressions, each an equivalent mutant with its reason.
 * An entry names the file (path suffix) and the expression's exact source text, so it survives
 * edits elsewhere in the file; an entry that matches nothing is reported, so stale ones get removed.
 * @param {Array<{ file: string, code: string, reason: string }>} entries
 */
export function equivalentMutantsIgnorer(entries) {
  const used = new Set();
  process.on('exit', () => {
    for (const e of entries) {
      if (!used.has(e))
        console.warn(`stryker config: equivalent-mutant entry matched nothing: ${e.file} \`${e.code}\``);
    }
  });
  return declareValuePlugin(PluginKind.Ignore, 'equivalent', {
    shouldIgnore(path) {
      const filename = path.hub?.file?.opts?.filename ?? '';
      const candidates = entries.filter((e) => filename.endsWith(e.file));
      if (candidates.length === 0 || !path.isExpression()) return undefined;
      const code = path.getSource();
      const hit = candidates.find((e) => e.code === code);
      if (!hit) return undefined;
      used.add(hit);
      return `equivalent: ${hit.reason}`;
    },
  });
}
