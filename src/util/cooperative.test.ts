// Long synchronous work in slices (util/cooperative.ts): BPE training gives the event loop a turn
// and stops when asked, with the same merges as the one-go version; its chunk counting in pieces
// equals counting the whole text at once.
import { describe, expect, it } from 'vitest';
import { CancelledError, runSliced, SLICE_MS } from './cooperative.ts';
import { chunkCounts, splitChunks, trainBpe, trainBpeAsync } from '../data/bpe.ts';
import { Rng } from './rng.ts';

/** A text of ~n UTF-16 units with words, runs of spaces and newlines, digits, punctuation and astral characters. */
function awkwardText(n: number): string {
  const rng = new Rng(11, 'cooperative');
  const pieces = ['the', ' ', '  ', '\n', '\n\n   ', 'cat', '42', '!!', ' \u{1F600}', 'é', '\t', '   x', 'naïve', '.'];
  let text = '';
  while (text.length < n) text += pieces[rng.int(pieces.length)];
  return text;
}

describe('work in slices', () => {
  it('chunk counts taken in pieces of the text equal those of the whole text', () => {
    const text = awkwardText(2.3e6); // three pieces of 2^20 units
    const whole = new Map<string, number>();
    for (const c of splitChunks(text)) whole.set(c, (whole.get(c) ?? 0) + 1);
    const pieces = chunkCounts(text);
    expect(pieces.size).toBe(whole.size);
    for (const [chunk, count] of whole) expect(pieces.get(chunk), JSON.stringify(chunk)).toBe(count);
  });

  it('BPE training in slices lets timers run, gives the same merges, and stops when asked', async () => {
    const text = awkwardText(4e5);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const sliced = await trainBpeAsync(text, 600);
    clearInterval(timer);
    expect(sliced.tokenizer.toJSON()).toEqual(trainBpe(text, 600).tokenizer.toJSON());
    if (sliced.ms > 4 * SLICE_MS) expect(ticks).toBeGreaterThan(0);
    // a text whose chunk counting alone takes several slices
    const long = awkwardText(1.5e6);
    let asked = 0;
    await expect(trainBpeAsync(long, 600, { shouldStop: () => ++asked > 1 })).rejects.toThrow(CancelledError);
    expect(asked).toBe(2);
    await expect(trainBpeAsync(long, 600, { shouldStop: () => true })).rejects.toThrow('BPE training was cancelled');
  });

  it('runSliced returns the generator\'s value and yields to the event loop', async () => {
    function* busy(): Generator<void, number> {
      const until = performance.now() + 3 * SLICE_MS;
      let n = 0;
      while (performance.now() < until) {
        n++;
        yield;
      }
      return n;
    }
    let ticked = false;
    setTimeout(() => { ticked = true; }, 0);
    expect(await runSliced(busy(), 'busy work')).toBeGreaterThan(0);
    expect(ticked).toBe(true);
  });
});
