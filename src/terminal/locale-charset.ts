// The locale's charset, apart from the conversion to ASCII (charset.ts): every start reads it, and
// in a UTF-8 locale nothing more of the terminal text rules needs loading.

/** The characters dockplan may write: every Unicode character, or 7-bit ASCII only. */
export type Charset = 'utf-8' | 'ascii';

/**
 * The charset of the locale in `env`: the first non-empty of LC_ALL, LC_CTYPE and LANG (the
 * precedence of POSIX.1, XBD 8.2 "Internationalization Variables"; an empty variable counts as
 * unset) decides. It is UTF-8 when that locale names the UTF-8 codeset (`en_US.UTF-8`, `C.utf8`,
 * `de_DE.utf8@euro`, or just `UTF-8` as macOS sets LC_CTYPE); anything else (C, POSIX, unset,
 * ISO-8859-1, ...) is ASCII.
 */
export function charsetOf(env: Record<string, string | undefined>): Charset {
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '') ?? '';
  return /(^|\.)utf-?8($|@)/i.test(locale) ? 'utf-8' : 'ascii';
}
