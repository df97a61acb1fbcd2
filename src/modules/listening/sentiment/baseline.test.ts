import { describe, expect, it } from 'vitest';
import { TfidfBaseline } from './baseline.js';
import { binaryScores } from './metrics.js';

describe('TfidfBaseline', () => {
  it('trains on character n-grams and predicts', () => {
    const rows = [
      { text: '很好吃，满意', label: 1 as const },
      { text: '好吃，还会再来', label: 1 as const },
      { text: 'great food', label: 1 as const },
      { text: '难吃，失望', label: 0 as const },
      { text: '太难吃了', label: 0 as const },
      { text: 'awful food', label: 0 as const },
    ];
    const model = TfidfBaseline.train(rows, { ngram: [1, 2], lambda: 0.01 });
    expect(model.vocabularySize).toBeGreaterThan(20);
    expect(model.predict('好吃')).toBe(1);
    expect(model.predict('难吃')).toBe(0);
    expect(model.predict('GREAT')).toBe(1);
    expect(model.probability('awful')).toBeLessThan(0.5);
  });
});

describe('binaryScores', () => {
  it('gives accuracy and the mean of both classes’ F1', () => {
    // tp 2, fn 1, fp 1, tn 1: F1(pos) = 4/6, F1(neg) = 2/4.
    const s = binaryScores([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]);
    expect(s).toEqual({ n: 5, accuracy: 0.6, macroF1: (4 / 6 + 2 / 4) / 2 });
  });
});
