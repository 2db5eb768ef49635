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

/** Only logging: a logger call, a block of them, or an arrow function returning one. */
function onlyLogs(node) {
  if (!node) return false;
  if (node.type === 'ExpressionStatement') return isLoggerCall(node.expression);
  if (node.type === 'BlockStatement') return node.body.length > 0 && node.body.every(onlyLogs);
  if (node.type === 'ArrowFunctionExpression') return isLoggerCall(node.body) || onlyLogs(node.body);
  return false;
}

/**
 * `log-calls`: no mutants in code that only logs — a logger call, a catch or an if without else
 * whose body only logs (`.catch((e) => logger.error(…))` too). A log line is not behaviour.
 */
export const logCallsIgnorer = declareValuePlugin(PluginKind.Ignore, 'log-calls', {
  shouldIgnore(path) {
    const { node } = path;
    const logs =
      onlyLogs(node) ||
      (node.type === 'IfStatement' && !node.alternate && onlyLogs(node.consequent)) ||
      (node.type === 'CatchClause' && onlyLogs(node.body));
    return logs ? 'a log line is not behaviour' : undefined;
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
  // Files this process instrumented: test-runner processes load this module too, and a run may
  // mutate only some files; only entries for instrumented files can be stale.
  const instrumented = new Set();
  process.on('exit', () => {
    for (const e of entries) {
      if (!used.has(e) && [...instrumented].some((f) => f.endsWith(e.file)))
        console.warn(`stryker config: equivalent-mutant entry matched nothing: ${e.file} \`${e.code}\``);
    }
  });
  return declareValuePlugin(PluginKind.Ignore, 'equivalent', {
    shouldIgnore(path) {
      const filename = path.hub?.file?.opts?.filename ?? '';
      instrumented.add(filename);
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
