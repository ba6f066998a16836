// Ink itself (6.8, the view's render options) drawing through rowDiffStdout: the screen after each
// frame is the one Ink's whole-frame writes give, and it costs fewer bytes. If Ink changed the
// shape of its frame writes, the diff would stop applying: the byte assertion says so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import React, { useEffect, useState } from 'react';
import { ScreenTty } from '../support/screen.js';

// Ink decides once, when imported, whether it draws frames (it does not in CI): look interactive.
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const { Box, Text, render } = await import('ink');
const { VIEW_RENDER_OPTIONS } = await import('../../src/tui/render-options.js');
const { rowDiffStdout } = await import('../../src/tui/row-diff.js');

void React;

interface Step {
  rows: string[];
  selected: number;
}

/** A list like the view's: a title, rows with a selection marker and colours, a footer marking the step. */
function List({ steps, onStep }: { steps: Step[]; onStep: (advance: () => void) => void }) {
  const [i, setI] = useState(0);
  useEffect(() => {
    onStep(() => setI((n) => n + 1));
  }, []);
  const step = steps[Math.min(i, steps.length - 1)]!;
  return (
    <Box flexDirection="column">
      <Text bold>title</Text>
      {step.rows.map((r, n) => (
        <Text key={n} color={n === step.selected ? 'cyan' : undefined}>{n === step.selected ? '> ' : '  '}{r}</Text>
      ))}
      <Text dimColor>step {i}</Text>
    </Box>
  );
}

describe('rowDiffStdout under Ink', () => {
  it('gives the same screen as whole frames at every step, in fewer bytes', async () => {
    const steps: Step[] = [
      { rows: ['web 3/3', 'db 1/1', 'cache 2/2'], selected: 0 },
      { rows: ['web 3/3', 'db 1/1', 'cache 2/2'], selected: 1 },
      { rows: ['web 2/3', 'db 1/1', 'cache 2/2', 'queue 0/1'], selected: 1 },
      { rows: ['web 3/3'], selected: 0 },
      { rows: Array.from({ length: 12 }, (_, n) => `service-${n} ${n}/${n}`), selected: 7 },
      { rows: Array.from({ length: 12 }, (_, n) => `service-${n} ${n === 4 ? 'x' : n}/${n}`), selected: 7 },
      { rows: ['web 3/3', 'db 1/1'], selected: 1 },
    ];
    const whole = new ScreenTty(60, 20);
    const diffed = new ScreenTty(60, 20);
    const advances: (() => void)[] = [];
    const mount = (out: NodeJS.WriteStream) => render(<List steps={steps} onStep={(a) => advances.push(a)} />, {
      ...VIEW_RENDER_OPTIONS, stdout: out, exitOnCtrlC: false, patchConsole: false,
    });
    const a = mount(whole as unknown as NodeJS.WriteStream);
    const b = mount(rowDiffStdout(diffed as unknown as NodeJS.WriteStream));
    try {
      for (let i = 0; i < steps.length; i++) {
        if (i > 0) for (const advance of advances) advance();
        await whole.shows(`step ${i}`);
        await diffed.shows(`step ${i}`);
        assert.deepEqual(diffed.screen.text(), whole.screen.text(), `step ${i}`);
        assert.deepEqual([diffed.screen.row, diffed.screen.col], [whole.screen.row, whole.screen.col], `step ${i}: the cursor`);
      }
      assert.ok(diffed.bytes < whole.bytes * 0.7, `row diffs took ${diffed.bytes} bytes, whole frames ${whole.bytes}`);
      console.log(`# ${steps.length} steps: ${whole.bytes} bytes as whole frames, ${diffed.bytes} as row diffs`);
    } finally {
      a.unmount();
      b.unmount();
      a.cleanup();
      b.cleanup();
    }
  });
});
