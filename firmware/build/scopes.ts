import ts from "typescript";

export interface Binding {
  name: string;
  /** the node whose statements (or parameters) the name belongs to */
  scope: ts.Node;
  declaration: ts.Node;
  isFunctionDeclaration: boolean;
}

function isBlockScope(node: ts.Node): boolean {
  return (
    ts.isSourceFile(node) ||
    ts.isBlock(node) ||
    ts.isCaseBlock(node) ||
    ts.isForStatement(node) ||
    ts.isForInStatement(node) ||
    ts.isForOfStatement(node) ||
    ts.isCatchClause(node)
  );
}

function isFunctionScope(node: ts.Node): boolean {
  return ts.isSourceFile(node) || ts.isFunctionLike(node);
}

function nearest(from: ts.Node, test: (node: ts.Node) => boolean): ts.Node {
  let node = from;
  while (!test(node)) node = node.parent;
  return node;
}

function bindingNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((element) =>
    ts.isOmittedExpression(element) ? [] : bindingNames(element.name),
  );
}

/** Where each name is declared, so a local `Map` or `Set` is not mistaken for the missing global. */
export class Scopes {
  private readonly table = new Map<ts.Node, Map<string, Binding>>();

  constructor(file: ts.SourceFile) {
    const visit = (node: ts.Node): void => {
      this.declare(node);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  resolve(id: ts.Identifier): Binding | undefined {
    for (let node: ts.Node | undefined = id.parent; node !== undefined; node = node.parent) {
      const binding = this.table.get(node)?.get(id.text);
      if (binding !== undefined) return binding;
    }
    return undefined;
  }

  private declare(node: ts.Node): void {
    if (ts.isVariableDeclaration(node)) {
      const list = node.parent;
      const scope = ts.isCatchClause(list)
        ? list
        : ts.isVariableDeclarationList(list) && list.flags & ts.NodeFlags.BlockScoped
          ? nearest(list, isBlockScope)
          : nearest(list, isFunctionScope);
      for (const id of bindingNames(node.name)) this.add(id, scope, node, false);
    } else if (ts.isParameter(node)) {
      for (const id of bindingNames(node.name)) this.add(id, node.parent, node, false);
    } else if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) {
      this.add(node.name, nearest(node.parent, isBlockScope), node, ts.isFunctionDeclaration(node));
    } else if ((ts.isFunctionExpression(node) || ts.isClassExpression(node)) && node.name) {
      this.add(node.name, node, node, false);
    }
  }

  private add(id: ts.Identifier, scope: ts.Node, declaration: ts.Node, isFunctionDeclaration: boolean): void {
    let names = this.table.get(scope);
    if (names === undefined) {
      names = new Map();
      this.table.set(scope, names);
    }
    names.set(id.text, { name: id.text, scope, declaration, isFunctionDeclaration });
  }
}

/** True when `id` reads a variable, rather than naming a property, a label or a new declaration. */
export function isReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (
    ts.isPropertyAccessExpression(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isGetAccessorDeclaration(parent) ||
    ts.isSetAccessorDeclaration(parent) ||
    ts.isVariableDeclaration(parent) ||
    ts.isParameter(parent) ||
    ts.isFunctionDeclaration(parent) ||
    ts.isFunctionExpression(parent) ||
    ts.isClassDeclaration(parent) ||
    ts.isClassExpression(parent)
  ) {
    return !("name" in parent && parent.name === id);
  }
  if (ts.isBindingElement(parent)) return parent.propertyName !== id && parent.name !== id;
  return !(
    ts.isLabeledStatement(parent) ||
    ts.isBreakOrContinueStatement(parent) ||
    ts.isMetaProperty(parent)
  );
}
