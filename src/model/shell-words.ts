// Splits a command written as one string into words the way a POSIX shell would, without running
// anything: no variable expansion, globbing or operators. `sh -c "echo $HOME"` ->
// ['sh', '-c', 'echo $HOME'].

export type ShellWordsResult = { words: string[] } | { error: string };

/** Characters a backslash escapes inside double quotes (anything else keeps its backslash). */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);

export function splitShellWords(text: string): ShellWordsResult {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return { error: 'ends with a lone backslash; escape it as \\\\ or remove it' };
      const next = text[i + 1];
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: `unterminated single quote at character ${i + 1}; close it with '` };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const c = text[j];
        if (c === '"') {
          closed = true;
          break;
        }
        if (c === '\\' && j + 1 < text.length && DOUBLE_QUOTE_ESCAPABLE.has(text[j + 1])) {
          if (text[j + 1] !== '\n') word += text[j + 1];
          j += 2;
        } else {
          word += c;
          j++;
        }
      }
      if (!closed) return { error: `unterminated double quote at character ${i + 1}; close it with "` };
      inWord = true;
      i = j + 1;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return { words };
}

/** The inverse for display: quotes only the words that need it. */
export function joinShellWords(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
