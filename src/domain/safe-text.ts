// Text that may be signed into a certificate or a version: what a reader sees must be what was signed. Control
// characters (NUL breaks PostgreSQL text and hides the rest of a value in many viewers), lone UTF-16 surrogates (not
// text at all: they cannot be encoded as UTF-8, so a signed payload holding one cannot be re-checked byte for byte)
// and bidirectional overrides (U+202E makes 「金額 000,000,63」 display reversed: the classic "Trojan Source" trick)
// are refused with the position of the first one, never silently removed.

/**
 * C0 and C1 controls and DEL, except tab and line breaks: Excel cells hold line breaks (Alt+Enter in an address),
 * and a line break misleads no reader.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
/** The embedding, override and isolate controls of Unicode's bidirectional algorithm. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/u;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `value` cannot be signed, in Japanese with the 1-based character position, or null when it can. */
export function unsafeTextProblem(value: string): string | null {
  let position = 0;
  for (const ch of value) {
    position++;
    // for…of walks code points: a lone surrogate comes out alone, a valid pair as one astral character.
    const unit = ch.charCodeAt(0);
    if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      return `文字として読めないデータ（対になっていないサロゲート ${codePoint(ch)}）が含まれています（${position}文字目）`;
    }
    if (CONTROL.test(ch)) {
      return `制御文字 ${codePoint(ch)} は使えません（${position}文字目）`;
    }
    if (BIDI.test(ch)) {
      return `文字の表示順を入れ替える制御文字 ${codePoint(ch)} は使えません（${position}文字目）`;
    }
  }
  return null;
}

/**
 * Every string in a request body (at any depth) that cannot be signed, with its path. Input schemas refine with
 * this; the schema that reads a signed version does not, so a version signed before this rule still verifies (and
 * `audit` reports it until a 訂正 replaces it). Walks with an explicit stack: a body nested 10,000 levels (refused
 * for its depth by its own check) must not overflow the call stack here first.
 */
export function unsafeTextIssues(value: unknown): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value === 'string') {
      const problem = unsafeTextProblem(item.value);
      if (problem) issues.push({ path: item.path, message: problem });
    } else if (item.value !== null && typeof item.value === 'object') {
      const array = Array.isArray(item.value);
      for (const [key, child] of Object.entries(item.value).reverse()) {
        stack.push({ value: child, path: [...item.path, array ? Number(key) : key] });
      }
    }
  }
  return issues;
}
