// A service's environment: `env_file` files first, then `environment` over them, as compose does
// (https://docs.docker.com/compose/how-tos/environment-variables/envvars-precedence/). A variable
// written without a value (`- DEBUG`, `DEBUG:`) takes its value from the project's environment
// (the process environment over .env) and is left out, with a warning, when that has none.
// Every key an env_file sets is reported as secret: those files are where credentials live.
import { fileProblem } from '../model/file-problem.js';
import { parseEnvFile } from './env-file.js';
import type { Lookup } from './interpolate.js';
import { type At, type ComposeReader } from './node-reader.js';
import type { ComposeSource } from './tree.js';
import { resolve } from 'node:path';

/** Reads a file's text; throws a Node fs error when it cannot. */
export type ReadText = (path: string) => string;

export interface EnvContext {
  lookup: Lookup;
  readText: ReadText;
  /** The folder a relative env_file path is relative to. */
  baseDir: (source: ComposeSource) => string;
  /** How a file is named in problems. */
  display: (abs: string) => string;
}

export interface ServiceEnv {
  env: Record<string, string>;
  /** Keys set by an env_file (whatever `environment` then did with them), in the order first seen. */
  secret: string[];
  /** Where each key was set, to place problems. */
  sources: Map<string, At>;
}

const ENV_FILE_KEYS = ['path', 'required', 'format'] as const;

/** `env_file` then `environment`; undefined when a problem stops it. */
export function convertEnvironment(r: ComposeReader, envFileAt: At | undefined, environmentAt: At | undefined, ctx: EnvContext): ServiceEnv | undefined {
  const out: ServiceEnv = { env: {}, secret: [], sources: new Map() };
  let ok = true;
  const set = (key: string, value: string, at: At): void => {
    Object.defineProperty(out.env, key, { value, enumerable: true, writable: true, configurable: true });
    out.sources.set(key, at);
  };
  for (const file of envFileAt ? readEnvFileList(r, envFileAt) ?? [] : []) {
    const path = resolve(ctx.baseDir(file.at.node.source), file.path);
    let text: string;
    try {
      text = ctx.readText(path);
    } catch (err) {
      if (!file.required) continue;
      r.error(file.at, `cannot read the env_file ${path}: ${fileProblem(err)}; create it, or write {path: ${file.path}, required: false}`);
      ok = false;
      continue;
    }
    const parsed = parseEnvFile(text, ctx.lookup);
    for (const p of parsed.problems) {
      r.problems.error({ file: ctx.display(path), line: p.line, col: p.col }, '', p.message);
      ok = false;
    }
    for (const u of parsed.unset) r.problems.warn({ file: ctx.display(path), line: u.line, col: 1 }, '', `the variable ${u.name} is not set; it reads as an empty string`);
    for (const e of parsed.entries) {
      set(e.key, e.value, file.at);
      if (!out.secret.includes(e.key)) out.secret.push(e.key);
    }
  }
  const pairs = environmentAt ? r.keyValues(environmentAt, 'variable') : [];
  if (pairs === undefined) return undefined;
  for (const p of pairs) {
    if (p.key === '' || p.key.includes('\0')) {
      r.error(p.at, `invalid variable name ${JSON.stringify(p.key)}`);
      ok = false;
      continue;
    }
    if (p.value !== null) {
      set(p.key, p.value, p.at);
      continue;
    }
    const v = ctx.lookup(p.key);
    if (v === undefined) r.warn(p.at, `${p.key} has no value here and is not set in the environment or .env: it is left out, as compose does`);
    else set(p.key, v, p.at);
  }
  return ok ? out : undefined;
}

interface EnvFileRef {
  path: string;
  required: boolean;
  at: At;
}

/** `env_file: a.env`, a list of paths, or a list of {path, required, format}. */
function readEnvFileList(r: ComposeReader, at: At): EnvFileRef[] | undefined {
  const items = at.node.kind === 'seq' ? r.items(at) : [at];
  if (!items) return undefined;
  const out: EnvFileRef[] = [];
  for (const item of items) {
    if (item.node.kind === 'map') {
      const f = r.fields(item, ENV_FILE_KEYS);
      const pathAt = f?.get('path');
      if (f && !pathAt) r.error(item, 'missing path: the env file to read');
      const path = pathAt ? r.word(pathAt, 'a file path') : undefined;
      const requiredAt = f?.get('required');
      const required = requiredAt ? r.boolean(requiredAt) : true;
      const formatAt = f?.get('format');
      if (formatAt) {
        const format = r.string(formatAt);
        if (format !== undefined && format !== 'raw') r.error(formatAt, `unknown env_file format "${format}"; dockplan reads the default format and raw`);
        else if (format === 'raw') r.warn(formatAt, 'format: raw is read as the default format (quotes and ${VAR} are interpreted)');
      }
      if (path !== undefined && required !== undefined) out.push({ path, required, at: item });
      continue;
    }
    const path = r.word(item, 'a file path');
    if (path !== undefined) out.push({ path, required: true, at: item });
  }
  return out;
}
