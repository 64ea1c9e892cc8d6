/**
 * Espruino's regular expression engine knows only the `*` and `+` quantifiers; `?` and `{n}`
 * do not throw there, they silently fail to match (docs/espruino.md, "Traps"). Groups that
 * start with `(?` (non-capturing, lookahead, lookbehind, named) are refused too: nothing we
 * checked says the engine parses them, and a mismatch would again be silent.
 */

export interface RegexProblem {
  /** index into the pattern text */
  index: number;
  construct: string;
  message: string;
}

const COUNTED = /^\{\d+(?:,\d*)?\}/;

export function regexProblems(pattern: string): RegexProblem[] {
  const problems: RegexProblem[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "\\") {
      i++;
    } else if (inClass) {
      inClass = char !== "]";
    } else if (char === "[") {
      inClass = true;
    } else if (char === "(" && pattern[i + 1] === "?") {
      problems.push({
        index: i,
        construct: "regex group (?",
        message: "Espruino's regex engine has no (?: (?= (?! (?<: use a plain group or test in code",
      });
      i++;
    } else if (char === "?") {
      const lazy = i > 0 && "*+}".includes(pattern[i - 1] ?? "");
      problems.push({
        index: i,
        construct: "regex quantifier ?",
        message: lazy
          ? "Espruino has no lazy quantifiers: restructure the pattern or split the string in code"
          : "Espruino regexes know only * and +, a ? silently fails to match: match both spellings in code instead",
      });
    } else if (char === "{" && COUNTED.test(pattern.slice(i))) {
      problems.push({
        index: i,
        construct: "regex quantifier {n}",
        message:
          "Espruino regexes know only * and +, a {n,m} silently fails to match: repeat the atom or check lengths in code",
      });
    }
  }
  return problems;
}
