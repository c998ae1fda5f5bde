// Minimal typings for the parts of mvdan-sh (mvdan/sh compiled to JS) that the engine uses.
declare module 'mvdan-sh' {
  interface ShPos {
    Offset(): number;
  }
  interface ShNode {
    Pos(): ShPos;
    End(): ShPos;
  }
  interface ShWord extends ShNode {
    Lit(): string;
  }
  interface ShCallExpr extends ShNode {
    Args: ShWord[];
  }
  interface ShParser {
    Parse(src: string, name: string): ShNode;
  }
  export const syntax: {
    NewParser(...opts: unknown[]): ShParser;
    Walk(node: ShNode, fn: (node: ShNode | null) => boolean): void;
    NodeType(node: ShNode): string;
    KeepComments(b: boolean): unknown;
    Variant(v: number): unknown;
    LangBash: number;
  };
}
