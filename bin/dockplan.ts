#!/usr/bin/env node
import { runCli } from '../src/cli/main.js';

// Library deprecation notices (docker-modem's URL parsing over ssh://) mean nothing to an operator.
process.noDeprecation = true;

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
