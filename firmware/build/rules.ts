import ts from "typescript";
import { regexProblems } from "./regex.js";
import { isReference, type Scopes } from "./scopes.js";

/** A refused construct at a character offset of the bundle. */
export interface Problem {
  at: number;
  construct: string;
  message: string;
}

const SYNTAX_HINTS: Record<string, string> = {
  "default parameter": "test for undefined in the body",
  "rest parameter": "take an array parameter",
  "array spread": "use concat or a loop",
  "call spread": "use fn.apply(thisArg, array)",
  "object spread": "use Object.assign({}, ...)",
  "destructuring declaration": "read the properties one by one",
  "destructuring parameter": "take the object and read its properties",
  "destructuring assignment": "assign the properties one by one",
  "for-of destructuring": "read the properties inside the loop body",
  "computed key": "create the object, then assign obj[key]",
  "tagged template": "call the function with the strings",
  "optional chaining ?.": "test for undefined explicitly",
  "exponent **": "use Math.pow",
  "async function": "use Promise.then chains",
  await: "use Promise.then chains",
  generator: "use an explicit iterator or a callback",
  yield: "use an explicit iterator or a callback",
  "#private": "use a plain property",
  "BigInt literal": "use numbers (exact up to 2^53)",
  label: "use a flag or a function with return",
};

const MISSING: Record<string, string> = {
  Map: "use a plain object created with Object.create(null)",
  Set: "use an object of flags or an array with indexOf",
  WeakMap: "keep the data on the object itself",
  WeakSet: "keep a flag on the object itself",
  Symbol: "use a string key",
  BigInt: "use numbers (exact up to 2^53)",
  RangeError: "throw an Error with a message",
  "Array.from": "use a for loop",
  "Array.of": "use an array literal",
  "Number.isInteger": "use typeof x === 'number' && Math.floor(x) === x",
  "Number.isFinite": "use typeof x === 'number' && isFinite(x)",
  "Number.EPSILON": "use the literal 2.220446049250313e-16",
  "Math.trunc": "use x < 0 ? Math.ceil(x) : Math.floor(x)",
  "Math.hypot": "use Math.sqrt(a * a + b * b)",
  "Math.log10": "use Math.log(x) / Math.LN10",
  "Object.freeze": "rely on readonly types instead",
  "Promise.race": "settle a flag from each promise's then",
  "Promise.allSettled": "catch each promise before Promise.all",
  "Date.UTC": "compute epoch milliseconds by hand",
  "Promise.prototype.finally": "call the cleanup from both then and catch",
};

/** Built-in error classes whose subclasses are broken on Espruino (docs/espruino.md, "Traps"). */
const ERROR_CLASSES = new Set(["Error", "TypeError", "SyntaxError", "ReferenceError", "RangeError"]);

function syntax(at: number, construct: string): Problem {
  return { at, construct, message: `${construct} is a syntax error on Espruino: ${SYNTAX_HINTS[construct]}` };
}

function missing(at: number, construct: string): Problem {
  return { at, construct, message: `${construct} is missing on Espruino: ${MISSING[construct]}` };
}

function isPattern(node: ts.Node): boolean {
  return ts.isObjectLiteralExpression(node) || ts.isArrayLiteralExpression(node);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function destructuring(node: ts.BindingPattern): string | undefined {
  const owner = node.parent;
  if (ts.isBindingElement(owner)) return undefined;
  if (ts.isParameter(owner)) return "destructuring parameter";
  const loop = owner.parent.parent;
  return ts.isForOfStatement(loop) || ts.isForInStatement(loop)
    ? "for-of destructuring"
    : "destructuring declaration";
}

/** Whether `this` appears in the arrow's own body (arrows nested in it share its `this`). */
function usesThis(arrow: ts.ArrowFunction): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (node.kind === ts.SyntaxKind.ThisKeyword) found = true;
    else if (!(ts.isFunctionLike(node) && !ts.isArrowFunction(node)) && !ts.isClassLike(node))
      ts.forEachChild(node, visit);
  };
  ts.forEachChild(arrow, visit);
  return found;
}

/** Whether `node` sits in the side of `||`, `&&`, `??` or `?:` that may be skipped, within its statement. */
function inShortCircuit(node: ts.Node): boolean {
  let child = node;
  for (let parent = node.parent; parent && !ts.isStatement(parent); parent = parent.parent) {
    if (ts.isFunctionLike(parent)) return false;
    if (ts.isBinaryExpression(parent) && parent.right === child) {
      const op = parent.operatorToken.kind;
      if (
        op === ts.SyntaxKind.BarBarToken ||
        op === ts.SyntaxKind.AmpersandAmpersandToken ||
        op === ts.SyntaxKind.QuestionQuestionToken
      )
        return true;
    }
    if (ts.isConditionalExpression(parent) && parent.condition !== child) return true;
    child = parent;
  }
  return false;
}

export function syntaxProblems(node: ts.Node, file: ts.SourceFile): Problem[] {
  const at = node.getStart(file);
  if (ts.isArrowFunction(node) && usesThis(node) && inShortCircuit(node)) {
    return [
      {
        at,
        construct: "this-arrow in a short-circuit",
        message:
          "an arrow function using `this` on the skipped side of ||, && or ?: aborts Espruino builds that keep assertions (ASSERT(jsvHasChildren(obj)) in jsvar.c; docs/espruino.md, Traps): copy what the arrow needs from `this` into a local first, or give it a statement of its own",
      },
    ];
  }
  if (ts.isParameter(node)) {
    if (node.dotDotDotToken) return [syntax(at, "rest parameter")];
    if (node.initializer) return [syntax(at, "default parameter")];
  }
  if (ts.isSpreadElement(node)) {
    return [syntax(at, ts.isArrayLiteralExpression(node.parent) ? "array spread" : "call spread")];
  }
  if (ts.isSpreadAssignment(node)) return [syntax(at, "object spread")];
  if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) {
    const construct = destructuring(node);
    return construct === undefined ? [] : [syntax(at, construct)];
  }
  if (ts.isBinaryExpression(node)) {
    const operator = node.operatorToken.kind;
    if (operator === ts.SyntaxKind.EqualsToken && isPattern(node.left)) {
      return [syntax(at, "destructuring assignment")];
    }
    if (
      operator === ts.SyntaxKind.AsteriskAsteriskToken ||
      operator === ts.SyntaxKind.AsteriskAsteriskEqualsToken
    ) {
      return [syntax(node.operatorToken.getStart(file), "exponent **")];
    }
  }
  if (ts.isForOfStatement(node)) {
    const problems = isPattern(node.initializer)
      ? [syntax(node.initializer.getStart(file), "for-of destructuring")]
      : [];
    if (node.awaitModifier) problems.push(syntax(node.awaitModifier.getStart(file), "await"));
    return problems;
  }
  if (ts.isComputedPropertyName(node)) return [syntax(at, "computed key")];
  if (ts.isTaggedTemplateExpression(node)) return [syntax(at, "tagged template")];
  if (
    (ts.isPropertyAccessExpression(node) ||
      ts.isElementAccessExpression(node) ||
      ts.isCallExpression(node)) &&
    node.questionDotToken
  ) {
    return [syntax(node.questionDotToken.getStart(file), "optional chaining ?.")];
  }
  if (ts.isFunctionLike(node)) {
    const problems = hasModifier(node, ts.SyntaxKind.AsyncKeyword) ? [syntax(at, "async function")] : [];
    if ("asteriskToken" in node && node.asteriskToken) problems.push(syntax(at, "generator"));
    return problems;
  }
  if (ts.isAwaitExpression(node)) return [syntax(at, "await")];
  if (ts.isYieldExpression(node)) return [syntax(at, "yield")];
  if (ts.isPrivateIdentifier(node)) return [syntax(at, "#private")];
  if (ts.isBigIntLiteral(node)) return [syntax(at, "BigInt literal")];
  if (ts.isLabeledStatement(node)) return [syntax(at, "label")];
  return [];
}

function staticMember(node: ts.Node, scopes: Scopes): string | undefined {
  if (!ts.isPropertyAccessExpression(node) && !ts.isElementAccessExpression(node)) return undefined;
  const object = node.expression;
  if (!ts.isIdentifier(object) || scopes.resolve(object) !== undefined) return undefined;
  const name = ts.isPropertyAccessExpression(node)
    ? node.name.text
    : ts.isStringLiteralLike(node.argumentExpression)
      ? node.argumentExpression.text
      : undefined;
  return name === undefined ? undefined : `${object.text}.${name}`;
}

function memberName(node: ts.Expression): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
    return node.argumentExpression.text;
  }
  return undefined;
}

function isGlobal(node: ts.Node, name: string, scopes: Scopes): node is ts.Identifier {
  return ts.isIdentifier(node) && node.text === name && scopes.resolve(node) === undefined;
}

function regexLiteralProblems(node: ts.RegularExpressionLiteral, file: ts.SourceFile): Problem[] {
  const body = node.text.slice(1, node.text.lastIndexOf("/"));
  const start = node.getStart(file) + 1;
  return regexProblems(body).map((p) => ({
    at: start + p.index,
    construct: p.construct,
    message: p.message,
  }));
}

function regexConstructorProblems(
  node: ts.NewExpression | ts.CallExpression,
  file: ts.SourceFile,
): Problem[] {
  const pattern = node.arguments?.[0];
  if (pattern === undefined || !ts.isStringLiteralLike(pattern)) {
    return [
      {
        at: node.getStart(file),
        construct: "dynamic RegExp",
        message:
          "a RegExp built from a non-literal pattern cannot be checked for Espruino: use a regex literal",
      },
    ];
  }
  // Escapes make string offsets differ from pattern offsets, so point at the string itself.
  const at = pattern.getStart(file);
  return regexProblems(pattern.text).map((p) => ({ at, construct: p.construct, message: p.message }));
}

export function globalProblems(node: ts.Node, file: ts.SourceFile, scopes: Scopes): Problem[] {
  const at = node.getStart(file);
  if (
    ts.isIdentifier(node) &&
    Object.hasOwn(MISSING, node.text) &&
    isReference(node) &&
    scopes.resolve(node) === undefined
  ) {
    return [missing(at, node.text)];
  }
  const member = staticMember(node, scopes);
  if (member !== undefined && Object.hasOwn(MISSING, member)) return [missing(at, member)];
  if (ts.isCallExpression(node) && memberName(node.expression) === "finally") {
    return [missing(at, "Promise.prototype.finally")];
  }
  if (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ExtendsKeyword) {
    const base = node.types[0]?.expression;
    if (
      base !== undefined &&
      ts.isIdentifier(base) &&
      ERROR_CLASSES.has(base.text) &&
      !scopes.resolve(base)
    ) {
      return [
        {
          at: base.getStart(file),
          construct: "extends Error",
          message: `subclasses of ${base.text} are not instanceof Error and have no name on Espruino: throw an Error and set a code property`,
        },
      ];
    }
  }
  if (ts.isRegularExpressionLiteral(node)) return regexLiteralProblems(node, file);
  if (
    (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
    isGlobal(node.expression, "RegExp", scopes)
  ) {
    return regexConstructorProblems(node, file);
  }
  return [];
}
