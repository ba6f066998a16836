// A container whose logs hold tabs, carriage returns and escape sequences, followed in the service
// screen at 80x24 on the real cluster: one row per record within the width, the header in place.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import stringWidth from 'string-width';
import { skipReason } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import { NOISY_LINES, noisySpec } from '../support/terminal-fixtures.js';
import { deploy, removeServices, renderTui, serviceName, type Tui } from '../support/tui-harness.js';

const skip = skipReason();
/** Colour (SGR) sequences are Ink's own; anything else starting with ESC came from the logs. */
const SGR = /\x1b\[[0-9;]*m/g;

/** Every line fits 80 columns, 24 rows at most, the title and the service's line on top, no raw control. */
function assertSafeFrame(tui: Tui, name: string) {
  const frame = tui.frame();
  const lines = tui.lines();
  assert.deepEqual(lines.filter((l) => stringWidth(l) > 80), [], `lines wider than 80 columns:\n${frame}`);
  assert.ok(lines.length <= 24, `${lines.length} lines on a 24-row terminal:\n${frame}`);
  assert.match(lines[0]!, /^dockplan · cluster file /, `the title is not the first line:\n${frame}`);
  assert.match(lines[1]!, new RegExp(`^${name} · replicated · `), `the service's line is not the second:\n${frame}`);
  const raw = tui.rawFrame();
  assert.doesNotMatch(raw, /[\t\r]/, `a raw tab or carriage return reached the frame:\n${JSON.stringify(raw)}`);
  assert.doesNotMatch(raw.replace(SGR, ''), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, `a raw control reached the frame:\n${JSON.stringify(raw)}`);
}

describe('container logs with control characters on the service screen', { skip }, () => {
  const name = serviceName('noisy');
  let tui: Tui | undefined;

  before(async () => {
    await waitAllMachinesUp();
    await deploy(noisySpec(name));
  });
  after(async () => {
    await tui?.cleanup().catch(() => undefined);
    await removeServices([name]);
  });

  it('at 80x24 each record takes one row within the width: tabs expanded, \\r overwritten, escapes gone, controls shown', async () => {
    tui = await renderTui({ columns: 80, rows: 24 });
    await tui.selectService(name);
    await tui.press('l');
    const cut = `${NOISY_LINES.columns.slice(0, 79)}…`;
    const lineIs = (text: string) => (f: string) => f.split('\n').includes(text);
    await tui.waitFor(lineIs(cut), 15_000);
    await tui.waitFor(lineIs(NOISY_LINES.progress));
    await tui.waitFor(lineIs(NOISY_LINES.escapes));
    await tui.waitFor(lineIs(NOISY_LINES.controls));
    assertSafeFrame(tui, name);
    assert.doesNotMatch(tui.frame(), /progress 10%/, 'the overwritten progress shows');
    assert.doesNotMatch(tui.frame(), /pwned|\[31m|\[2J/, 'an escape sequence shows as text');

    // Followed: as new records arrive the pane scrolls, and every frame on the way stays safe.
    const shownAs = (record: string) =>
      record.startsWith('tick ') ? record : record.startsWith('c1\t') ? cut : record.startsWith('progress') ? NOISY_LINES.progress : record.includes('red') ? NOISY_LINES.escapes : NOISY_LINES.controls;
    for (let read = 0; read < 3; read++) {
      const seen = tui.store.getState().logs?.lines.at(-1);
      await tui.waitFor(() => tui!.store.getState().logs?.lines.at(-1) !== seen, 10_000);
      // The line above the footer is the newest record once the frame has caught up with the stream.
      await tui.waitFor((f) => {
        const newest = tui!.store.getState().logs?.lines.at(-1);
        return newest?.kind === 'record' && f.split('\n').at(-2) === shownAs(newest.text);
      });
      assertSafeFrame(tui, name);
    }
  });
});
