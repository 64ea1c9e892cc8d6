import ts from "typescript";
import { type Binding, isReference, type Scopes } from "./scopes.js";

export interface HoistingProblem {
  node: ts.Identifier;
  message: string;
}

/**
 * Espruino defines a function declaration when execution reaches it, so code that runs while the
 * file is loading must not reach a function declared further down. A reference inside another
 * function runs later; when that function is itself a declaration of the same scope, calling it
 * early reaches whatever it references, so those references are followed too. References inside
 * callbacks and methods are assumed to run after loading, which is what event-driven code does.
 */
export function hoistingProblems(file: ts.SourceFile, scopes: Scopes): HoistingProblem[] {
  const eager: { node: ts.Identifier; target: Binding }[] = [];
  const calls = new Map<ts.Node, Set<Binding>>();

  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && isReference(node)) {
      const target = scopes.resolve(node);
      if (target?.isFunctionDeclaration) {
        const outer = outermostFunctionBelow(node, target.scope);
        if (outer === undefined) eager.push({ node, target });
        else if (ts.isFunctionDeclaration(outer)) {
          const callees = calls.get(outer) ?? new Set();
          callees.add(target);
          calls.set(outer, callees);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);

  const problems: HoistingProblem[] = [];
  for (const { node, target } of eager) {
    const at = node.getStart(file);
    const late = reachable(target, calls).find((binding) => binding.declaration.getStart(file) > at);
    if (late === undefined) continue;
    const line = file.getLineAndCharacterOfPosition(late.declaration.getStart(file)).line + 1;
    problems.push({
      node,
      message:
        late === target
          ? `${target.name} is declared later (line ${line}) and Espruino does not hoist: move its declaration up`
          : `${target.name} reaches ${late.name}, declared later (line ${line}), and Espruino does not hoist: move ${late.name} up`,
    });
  }
  return problems;
}

function outermostFunctionBelow(node: ts.Node, scope: ts.Node): ts.Node | undefined {
  let outer: ts.Node | undefined;
  for (let up = node.parent; up !== scope; up = up.parent) {
    if (ts.isFunctionLike(up)) outer = up;
  }
  return outer;
}

function reachable(start: Binding, calls: Map<ts.Node, Set<Binding>>): Binding[] {
  const seen = new Set<Binding>([start]);
  const queue = [start];
  for (let binding = queue.shift(); binding !== undefined; binding = queue.shift()) {
    for (const callee of calls.get(binding.declaration) ?? []) {
      if (!seen.has(callee)) {
        seen.add(callee);
        queue.push(callee);
      }
    }
  }
  return [...seen];
}
