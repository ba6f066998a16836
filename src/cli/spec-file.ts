// Reading a spec file for the CLI: every problem at once, each as FILE:LINE:COL: field: message.
import { readFile } from 'node:fs/promises';
import type { ServiceSpec } from '../model/spec.js';
import { formatSpecError, parseSpec } from '../model/parse-spec.js';
import { UserError } from './user-error.js';
import { fileProblem } from '../model/file-problem.js';

export async function readSpecFile(file: string): Promise<ServiceSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read spec file ${file}: ${fileProblem(err)}`);
  }
  const { spec, errors } = parseSpec(text, file);
  if (!spec || errors.length > 0) {
    const n = errors.length;
    throw new UserError(`${file} has ${n} problem${n === 1 ? '' : 's'}:\n${errors.map((e) => formatSpecError(e)).join('\n')}`);
  }
  return spec;
}
