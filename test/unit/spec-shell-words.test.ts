import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinShellWords, splitShellWords } from '../../src/model/shell-words.js';

const words = (text: string): string[] => {
  const r = splitShellWords(text);
  assert.ok('words' in r, `expected words from ${text}`);
  return r.words;
};

test('words are split on runs of whitespace', () => {
  assert.deepEqual(words('  sleep   5\t\n x '), ['sleep', '5', 'x']);
  assert.deepEqual(words(''), []);
  assert.deepEqual(words('   '), []);
});

test('single quotes keep everything literally, backslashes included', () => {
  assert.deepEqual(words(`sh -c 'echo "$HOME" \\n'`), ['sh', '-c', 'echo "$HOME" \\n']);
});

test('double quotes keep spaces and let a backslash escape only $ ` " \\ and newline', () => {
  assert.deepEqual(words(`echo "a  b" "say \\"hi\\"" "\\$x" "\\n"`), ['echo', 'a  b', 'say "hi"', '$x', '\\n']);
});

test('a backslash outside quotes escapes the next character, and joins lines', () => {
  assert.deepEqual(words('a\\ b c\\\\d e\\\nf'), ['a b', 'c\\d', 'ef']);
});

test('quoted parts next to each other form one word, and empty quotes an empty word', () => {
  assert.deepEqual(words(`a'b'"c"d '' ""`), ['abcd', '', '']);
});

test('no expansion happens: variables, globs and operators are kept as text', () => {
  assert.deepEqual(words('echo $HOME *.txt && ls | wc'), ['echo', '$HOME', '*.txt', '&&', 'ls', '|', 'wc']);
});

test('unterminated quotes and a trailing backslash are errors that say where', () => {
  assert.deepEqual(splitShellWords(`echo 'abc`), { error: `unterminated single quote at character 6; close it with '` });
  assert.deepEqual(splitShellWords('echo "abc'), { error: 'unterminated double quote at character 6; close it with "' });
  assert.deepEqual(splitShellWords('echo \\'), { error: 'ends with a lone backslash; escape it as \\\\ or remove it' });
});

test('joining quotes only what needs it and splits back to the same words', () => {
  const list = ['sh', '-c', `echo "it's" $HOME`, '', 'a=b,c:d/e.f'];
  assert.equal(joinShellWords(list), `sh -c 'echo "it'\\''s" $HOME' '' a=b,c:d/e.f`);
  assert.deepEqual(words(joinShellWords(list)), list);
});
